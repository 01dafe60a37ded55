"""Replay: re-simulate logged designs and report any mismatch with the logged metrics and rewards.

The CompilerGym ``validate()`` idea: a log is only trustworthy if its numbers can be reproduced. Every
simulator is deterministic, so a replayed metric must equal the logged one exactly (we allow a relative
difference of 1e-12 for float round-off through Parquet, which is lossless for float64 anyway).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from archgym_lite.core.errors import SpecError
from archgym_lite.core.registry import make
from archgym_lite.trials.logs import LOG_SUFFIX, MANIFEST_SUFFIX, load, read_manifest

RTOL = 1e-12


@dataclass
class ReplayResult:
    """Outcome of replaying one trial."""

    trial_id: str
    n_checked: int
    mismatches: pd.DataFrame  # step, column, logged, replayed

    @property
    def ok(self) -> bool:
        return self.mismatches.empty


def find_trial(run_dir: str | Path, trial: str) -> tuple[Path, Path]:
    """Locate ``<trial>.parquet`` and its manifest under ``run_dir`` (searching subdirectories)."""
    root = Path(run_dir)
    if not root.exists():
        raise SpecError("no such run directory", str(root))
    logs = [p for p in root.rglob(f"{trial}{LOG_SUFFIX}")]
    if not logs:
        known = sorted(p.stem for p in root.rglob(f"*{LOG_SUFFIX}") if not p.name.startswith("."))
        hint = ", ".join(known[:10]) + (" ..." if len(known) > 10 else "")
        raise SpecError(f"no trial {trial!r} in {root}; trials: {hint or 'none'}", "--trial")
    log = logs[0]
    return log, log.with_suffix(MANIFEST_SUFFIX)


def replay_trial(run_dir: str | Path, trial: str, step: int | None = None) -> ReplayResult:
    """Re-simulate every logged design of ``trial`` (or only ``step``) and compare metrics and rewards."""
    log_path, manifest_path = find_trial(run_dir, trial)
    manifest = read_manifest(manifest_path)
    df = load(log_path)
    if step is not None:
        if step not in set(df["step"]):
            raise SpecError(f"trial has steps 0..{len(df) - 1}, got {step}", "--step")
        df = df[df["step"] == step]
    env = make(manifest["env_id"], objective=manifest.get("objective"), **manifest.get("env_kwargs", {}))
    sim = env.simulator
    if manifest.get("space_signature") not in (None, sim.space.signature()):
        raise SpecError("the env's design space changed since this trial was logged (signature mismatch)",
                        str(manifest_path))
    columns = {p: df[f"p_{p}"].to_numpy() for p in sim.space.names}
    replayed = sim.evaluate_batch(columns)
    rewards = env.objective.reward_batch(replayed)
    checks = {f"m_{m}": replayed[m] for m in sim.metric_names}
    checks["reward"] = rewards
    rows = []
    steps = df["step"].to_numpy()
    for col, new in checks.items():
        old = df[col].to_numpy(dtype=float)
        bad = ~np.isclose(new, old, rtol=RTOL, atol=0.0, equal_nan=True)
        rows += [{"step": int(s), "column": col, "logged": float(o), "replayed": float(n)}
                 for s, o, n in zip(steps[bad], old[bad], new[bad], strict=True)]
    return ReplayResult(manifest["trial_id"], len(df), pd.DataFrame(rows, columns=["step", "column", "logged",
                                                                                    "replayed"]))
