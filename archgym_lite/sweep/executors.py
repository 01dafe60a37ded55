"""Executors: run trials in this process, in a local process pool, or on a Ray cluster.

Every executor calls the same :func:`run_one`, so the same spec and seeds give the same logged results
whichever executor runs them. Pool workers write their trial files directly (same machine); Ray workers
write into a private temporary directory and send the files' bytes back, and the driver writes them
atomically into the run directory, so a multi-node cluster needs no shared filesystem.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from archgym_lite.core.errors import SpecError
from archgym_lite.sweep.lifeline import die_with_parent
from archgym_lite.sweep.spec import TrialSpec
from archgym_lite.trials.logs import LOG_SUFFIX, MANIFEST_SUFFIX
from archgym_lite.utils.files import atomic_write_bytes

EXECUTORS = ("pool", "ray")
Summary = dict[str, Any]


def worker_init() -> None:
    """Pool worker start-up: die with the fork server (so with the sweep), one BLAS/torch thread."""
    die_with_parent()
    limit_threads()


def limit_threads() -> None:
    """One BLAS/torch thread per worker: with more, RL on a loaded 2-core box was ~25x slower."""
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        os.environ[var] = "1"
    from threadpoolctl import threadpool_limits  # BLAS/OpenMP pools already loaded (e.g. by the fork server)

    threadpool_limits(1)
    # torch, if the fork server preloaded it (an RL agent's module imports it), keeps the thread count it chose
    # then; a torch imported later reads OMP_NUM_THREADS=1. Importing it here would cost every worker ~1.5 s.
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(1)


def run_one(trial: TrialSpec, trials_dir: str, run_id: str) -> Summary:
    """Run one trial, writing ``<trial_id>.parquet/.json`` into ``trials_dir``; never raises."""
    from archgym_lite.trials.run import run_trial, write_failed_manifest

    tid = trial.trial_id
    try:
        res = run_trial(trial.env_id, trial.agent, trial.budget, trial.seed, out_dir=trials_dir,
                        env_kwargs=trial.env_kwargs, objective=trial.objective, agent_params=trial.agent_params,
                        run_id=run_id, tid=tid)
        return {"trial_id": tid, "status": res.status, "best_reward": res.best_reward, "n_evals": res.n_evals,
                "n_unique": res.n_unique, "hypervolume": res.hypervolume, "wall_time_s": res.wall_time_s,
                "error": res.error}
    except Exception as exc:  # input errors are validated before a sweep starts; record anything else
        error = "".join(traceback.format_exception(exc))
        write_failed_manifest(trials_dir, tid, error, run_id=run_id, env_id=trial.env_id, agent=trial.agent,
                              agent_params=trial.agent_params, seed=trial.seed, env_kwargs=trial.env_kwargs,
                              budget=trial.budget)
        return {"trial_id": tid, "status": "failed", "best_reward": float("nan"), "n_evals": 0, "n_unique": 0,
                "hypervolume": float("nan"), "wall_time_s": 0.0, "error": error}


def run_one_detached(trial: TrialSpec, run_id: str) -> tuple[Summary, dict[str, bytes]]:
    """:func:`run_one` into a private temp dir; returns the summary and the trial files' bytes."""
    limit_threads()
    with tempfile.TemporaryDirectory() as tmp:
        summary = run_one(trial, tmp, run_id)
        files = {p.name: p.read_bytes() for p in Path(tmp).iterdir()
                 if p.suffix in (LOG_SUFFIX, MANIFEST_SUFFIX) and not p.name.startswith(".")}
    return summary, files


def execute(trials: Iterable[TrialSpec], trials_dir: Path, run_id: str, on_done: Callable[[Summary], None], *,
            executor: str = "pool", workers: int | None = None, address: str | None = None) -> None:
    """Run ``trials``, calling ``on_done(summary)`` as each finishes (in completion order).

    Args:
        executor: ``"pool"`` (local processes; ``workers=0`` runs in this process) or ``"ray"``.
        workers: Number of local processes (default: CPU count). For Ray without ``address``, the CPUs of
            the local Ray instance it starts.
        address: Ray cluster address (``"auto"`` or ``HOST:PORT``); ``None`` starts a local instance.
    """
    trials = list(trials)
    if executor not in EXECUTORS:
        raise SpecError(f"got {executor!r}; allowed: {list(EXECUTORS)}", "--executor")
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 0:
        raise SpecError(f"must be >= 0, got {workers}", "--workers")
    if not trials:
        return
    if executor == "ray":
        _execute_ray(trials, trials_dir, run_id, on_done, workers, address)
    elif workers == 0:
        for t in trials:
            on_done(run_one(t, str(trials_dir), run_id))
    else:
        _execute_pool(trials, trials_dir, run_id, on_done, workers)


def preload_modules(trials: Iterable[TrialSpec]) -> list[str]:
    """Modules a worker will import for these trials: the core plus the envs' and agents' entry points."""
    from archgym_lite.core.registry import agent_spec, env_spec

    mods = {"archgym_lite", "archgym_lite.trials.run"}
    for t in trials:
        for ep in (env_spec(t.env_id).entry_point, agent_spec(t.agent).entry_point):
            if isinstance(ep, str):
                mods.add(ep.partition(":")[0])
    return ["archgym_lite.sweep.forkserver_init", *sorted(mods)]  # first: ties the server to the sweep


def _execute_pool(trials: list[TrialSpec], trials_dir: Path, run_id: str, on_done: Callable[[Summary], None],
                  workers: int) -> None:
    # A fork server imports the core, simulators and agents once; every worker forks from it already
    # warm (numba kernels loaded), instead of re-importing everything as "spawn" workers do (~seconds each).
    ctx = get_context("forkserver")
    ctx.set_forkserver_preload(preload_modules(trials))
    with ProcessPoolExecutor(max_workers=min(workers, len(trials)), mp_context=ctx,
                             initializer=worker_init) as pool:
        pending = {pool.submit(run_one, t, str(trials_dir), run_id) for t in trials}
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                on_done(fut.result())


def _execute_ray(trials: list[TrialSpec], trials_dir: Path, run_id: str, on_done: Callable[[Summary], None],
                 workers: int, address: str | None) -> None:
    try:
        import ray
    except ImportError:
        raise SpecError("Ray is not installed; pip install 'archgym-lite[ray]'", "--executor") from None
    started_here = not ray.is_initialized()
    if started_here:
        kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False}
        if address:
            kwargs["address"] = address
        else:
            kwargs["num_cpus"] = max(workers, 1)
        ray.init(**kwargs)
    try:
        remote = ray.remote(num_cpus=1)(run_one_detached)
        refs = [remote.remote(t, run_id) for t in trials]
        while refs:
            done, refs = ray.wait(refs, num_returns=1)
            summary, files = ray.get(done[0])
            for name in sorted(files, key=lambda n: n.endswith(MANIFEST_SUFFIX)):  # log first, manifest last
                atomic_write_bytes(trials_dir / name, files[name])
            on_done(summary)
    finally:
        if started_here:
            ray.shutdown()
