"""Sweeps: YAML specs, trial expansion, executors (local pool or Ray), resume."""

from archgym_lite.sweep.runner import SweepResult, plan, run_sweep, trials_table
from archgym_lite.sweep.spec import SweepSpec, TrialSpec, expand, load_spec, parse_spec

__all__ = ["SweepResult", "SweepSpec", "TrialSpec", "expand", "load_spec", "parse_spec", "plan", "run_sweep",
           "trials_table"]
