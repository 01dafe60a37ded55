"""Reports over a run directory: tables (Markdown, CSV), best-so-far, lottery and Pareto plots (PNG).

Modules: ``fronts`` (pure helpers: best-so-far, evaluations to target, Pareto masks, hypervolume),
``tables`` (reading a run, per-setting statistics, :func:`write_report`), ``plots`` (matplotlib PNGs).
Every file is written atomically; ``report.md`` is written last.
"""

from archgym_lite.report.fronts import (
           HV_REF,
           best_so_far,
           evals_to_target,
           hypervolume_2d,
           normalise,
           pareto_mask,
)
from archgym_lite.report.tables import ReportResult, load_run, setting_label, slug, write_report

__all__ = ["HV_REF", "ReportResult", "best_so_far", "evals_to_target", "hypervolume_2d", "load_run", "normalise",
           "pareto_mask", "setting_label", "slug", "write_report"]
