"""`run_sweep`: expand a spec, skip finished trials, execute the rest with progress, summarise.

Resume is the default: rerunning the same command on the same run directory skips every trial whose
manifest says ``completed`` (trial ids hash env, kwargs, objective, agent, hyperparameters, seed and
budget, so a changed spec only runs its new trials). Failed trials are skipped too unless
``retry_failed``. Trial files are written atomically, so ``kill -9`` loses at most the trials in flight
(and the sweep's worker processes die with it, see :mod:`archgym_lite.sweep.lifeline`). One sweep at a time
holds a run directory (:mod:`archgym_lite.sweep.lock`); resuming a finished sweep writes nothing.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from archgym_lite.sweep.executors import Summary, execute
from archgym_lite.sweep.lock import run_dir_lock
from archgym_lite.sweep.spec import SweepSpec, TrialSpec, check_envs, expand
from archgym_lite.trials.logs import LOG_SUFFIX, MANIFEST_SUFFIX
from archgym_lite.utils.files import atomic_write_bytes, ensure_output_dir

TRIALS_DIR = "trials"
SPEC_FILE = "sweep.yaml"


@dataclass
class SweepResult:
    """What a sweep did."""

    run_dir: Path
    total: int
    skipped: int
    completed: int = 0
    failed: list[str] = field(default_factory=list)
    best: dict[str, float] = field(default_factory=dict)  # env id -> best reward seen this run
    n_evals: int = 0  # evaluations of the trials run this time (cached repeats included)
    n_unique: int = 0  # of which distinct designs within their trial (the simulations actually run)
    wall_time_s: float = 0.0


def trial_status(trials_dir: Path, tid: str) -> str | None:
    """``"completed"``, ``"failed"`` or ``None`` (not run, or lost in flight)."""
    manifest = trials_dir / f"{tid}{MANIFEST_SUFFIX}"
    if not manifest.is_file():
        return None
    try:
        status = json.loads(manifest.read_text()).get("status")
    except (OSError, json.JSONDecodeError):
        return None  # unreadable manifest: run the trial again
    if status == "completed" and not (trials_dir / f"{tid}{LOG_SUFFIX}").is_file():
        return None
    return status


def plan(spec: SweepSpec, run_dir: Path, retry_failed: bool = False) -> tuple[list[TrialSpec], list[TrialSpec]]:
    """Split the spec's trials into (to run, to skip)."""
    trials_dir = Path(run_dir) / TRIALS_DIR
    todo, skip = [], []
    for t in expand(spec):
        status = trial_status(trials_dir, t.trial_id)
        if status == "completed" or (status == "failed" and not retry_failed):
            skip.append(t)
        else:
            todo.append(t)
    return todo, skip


def run_sweep(spec: SweepSpec, run_dir: str | Path, *, executor: str = "pool", workers: int | None = None,
              address: str | None = None, retry_failed: bool = False, show_progress: bool = True,
              console: Console | None = None) -> SweepResult:
    """Run (or resume) a sweep into ``run_dir`` (``sweep.yaml`` + ``trials/``)."""
    run_dir = Path(run_dir)
    check_envs(spec)
    todo, skip = plan(spec, run_dir, retry_failed)
    if not todo:  # nothing to run: resuming a finished sweep writes nothing (works on a read-only directory)
        return SweepResult(run_dir, len(skip), len(skip))
    ensure_output_dir(run_dir, "--out")
    ensure_output_dir(run_dir / TRIALS_DIR, "--out")
    with run_dir_lock(run_dir):
        todo, skip = plan(spec, run_dir, retry_failed)  # again under the lock: a sweep may have just ended
        atomic_write_bytes(run_dir / SPEC_FILE, yaml.safe_dump(spec.model_dump(), sort_keys=False).encode())
        return _run_locked(spec, run_dir, todo, skip, executor=executor, workers=workers, address=address,
                           show_progress=show_progress, console=console)


def _run_locked(spec: SweepSpec, run_dir: Path, todo: list[TrialSpec], skip: list[TrialSpec], *, executor: str,
                workers: int | None, address: str | None, show_progress: bool,
                console: Console | None) -> SweepResult:
    trials_dir = run_dir / TRIALS_DIR
    result = SweepResult(run_dir, len(todo) + len(skip), len(skip))
    env_of = {t.trial_id: t.env_id for t in todo}
    t0 = time.perf_counter()
    progress = Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                        TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn(),
                        TextColumn("{task.fields[status]}"), console=console, disable=not show_progress)

    def on_done(summary: Summary) -> None:
        result.n_evals += int(summary.get("n_evals", 0))
        result.n_unique += int(summary.get("n_unique", 0))
        if summary["status"] == "completed":
            result.completed += 1
        else:
            result.failed.append(summary["trial_id"])
        env = env_of.get(summary["trial_id"], "?")
        r = summary["best_reward"]
        if isinstance(r, float) and not math.isnan(r) and r > result.best.get(env, -math.inf):
            result.best[env] = r
        best = "  ".join(f"{e.split('/')[-1]}={v:.4g}" for e, v in sorted(result.best.items()))
        fail = f"[red]{len(result.failed)} failed[/red]  " if result.failed else ""
        progress.update(task, advance=1, status=f"{fail}best: {best}")

    with progress:
        task = progress.add_task(f"{spec.name}: {len(todo)} to run, {len(skip)} done", total=len(todo),
                                 status="")
        execute(todo, trials_dir, spec.name, on_done, executor=executor, workers=workers, address=address)
    result.wall_time_s = time.perf_counter() - t0
    return result


def trials_table(spec: SweepSpec, run_dir: Path | None = None) -> list[dict[str, Any]]:
    """Rows describing every trial (for ``--dry-run``)."""
    trials_dir = Path(run_dir) / TRIALS_DIR if run_dir else None
    return [{"trial_id": t.trial_id, "env": t.env_id, "agent": t.agent,
             "params": json.dumps(t.agent_params, sort_keys=True), "seed": t.seed, "budget": t.budget,
             "status": (trial_status(trials_dir, t.trial_id) if trials_dir else None) or "pending"}
            for t in expand(spec)]
