"""Reports over a run directory: tables (Markdown, CSV), best-so-far, hypervolume, lottery and Pareto plots (PNG).

Modules: ``fronts`` (pure helpers: best-so-far, evaluations to target, Pareto masks, 2-D hypervolume),
``analysis`` (per-env statistics: targets, hit rates, identical trials, hypervolumes under each trial's
objective), ``tables`` (reading a run, :func:`write_report`), ``plots`` (matplotlib PNGs), ``landscape`` (the
best reward known, by coordinate descent). Every file is written atomically; ``report.md`` is written last.
"""

from archgym_lite.report.analysis import DEFAULT_TARGET, resolve_target
from archgym_lite.report.fronts import (
    HV_REF,
    best_so_far,
    evals_to_target,
    hypervolume_2d,
    normalise,
    pareto_mask,
)
from archgym_lite.report.tables import ReportResult, load_run, setting_label, slug, write_report

__all__ = ["DEFAULT_TARGET", "HV_REF", "ReportResult", "best_so_far", "evals_to_target", "hypervolume_2d",
           "load_run", "normalise", "pareto_mask", "resolve_target", "setting_label", "slug", "write_report"]
