"""Train/evaluate/search workflows behind ``archgym proxy train|eval|search``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archgym_lite.core.errors import SpecError
from archgym_lite.core.registry import make
from archgym_lite.proxy.active import merge, sample_actively, unseen
from archgym_lite.proxy.candidates import CANDIDATES, ProxySettings
from archgym_lite.proxy.dataset import SAMPLINGS, ProxyDataset, dataset_from_runs, dataset_from_samples
from archgym_lite.proxy.evaluate import accuracy_table, goals_table, measure_speedup, measure_throughput
from archgym_lite.proxy.model import ProxyModel, fit_proxy
from archgym_lite.proxy.persist import load_proxy, save_proxy
from archgym_lite.proxy.progress import Reporter
from archgym_lite.proxy.simulator import make_proxy_env
from archgym_lite.trials.logs import load
from archgym_lite.utils.files import ensure_output_file

SAMPLING_CHOICES = (*SAMPLINGS, "active")


@dataclass
class TrainResult:
    model: ProxyModel
    path: Path | None
    report: pd.DataFrame  # accuracy per test set x metric
    speedup: dict[str, float]
    train_size: int
    throughput: dict[str, float] = field(default_factory=dict)
    goals: pd.DataFrame = field(default_factory=pd.DataFrame)
    file_bytes: int | None = None
    peak_rss_mb: float = 0.0


def objective_metrics(env: Any) -> list[str]:
    """Metrics the env's objective scores (targets, then constraints), in order, without repeats."""
    obj = env.objective
    names = [t.metric for t in obj.targets] + [c.metric for c in obj.constraints]
    return list(dict.fromkeys(n for n in names if n in env.simulator.metric_names))


def _exclude(test: ProxyDataset, train: ProxyDataset) -> ProxyDataset:
    """Drop from ``test`` every design that also occurs in ``train`` (no leakage)."""
    return test.subset(np.flatnonzero(unseen(test.columns, train)))


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (MB)."""
    import resource
    import sys

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 1e6 if sys.platform == "darwin" else peak / 1e3


def train_proxy(env_id: str, run_dirs: Sequence[str | Path] = (), *, env_kwargs: Mapping[str, Any] | None = None,
                sample: int = 0, sampling: str = "active", test_fraction: float | None = None, fresh_test: int = 1000,
                candidates: Sequence[str] = CANDIDATES, seed: int = 0, out: str | Path | None = None,
                n_estimators: int | None = None, metrics: Sequence[str] | None = None,
                settings: ProxySettings | Mapping[str, Any] | None = None, throughput_designs: int = 200_000,
                reporter: Reporter | None = None) -> TrainResult:
    """Build a dataset (logs and/or fresh samples), fit, evaluate on fresh designs, optionally save.

    ``out`` is checked before any work. ``sampling``: ``uniform``, ``lhs`` (Latin hypercube) or ``active``
    (see :mod:`.active`). ``test_fraction`` of the unique designs is held out (default: 0.2 with logs, none
    for fresh samples only, whose honest test is the fresh set). Accuracy is reported on ``fresh_test`` fresh
    uniform designs that the model never saw (agent logs are biased towards good designs; the fresh set is
    not), plus the batch speedup over the simulator on those designs, the one-core throughput on
    ``throughput_designs`` designs (0: skip) and the goals of :func:`~.evaluate.goals_table`.
    """
    if out is not None:
        ensure_output_file(out, "out")
    if sampling not in SAMPLING_CHOICES:
        raise SpecError(f"got {sampling!r}; allowed: {list(SAMPLING_CHOICES)}", "sampling")
    if not run_dirs and sample <= 0:
        raise SpecError("give run directories with logs and/or --sample N fresh designs", "run_dirs")
    rep = reporter or Reporter()
    env_kwargs = dict(env_kwargs or {})
    env = make(env_id, **env_kwargs)
    sim = env.simulator
    focus = [m for m in objective_metrics(env) if not metrics or m in metrics] or list(metrics or sim.metric_names)
    logged = dataset_from_runs(run_dirs, env_id, sim, env_kwargs) if run_dirs else None
    sampled = None
    if sample > 0:
        sampled = (sample_actively(sim, env_id, sample, seed=seed, env_kwargs=env_kwargs, focus=focus, reporter=rep)
                   if sampling == "active" else dataset_from_samples(sim, env_id, sample, sampling, seed, env_kwargs, rep))
    data = merge(logged, sampled) if logged is not None and sampled is not None else (logged or sampled)
    assert data is not None
    if test_fraction is None:
        test_fraction = 0.2 if logged is not None else 0.0
    if not 0.0 <= test_fraction < 1.0:
        raise SpecError(f"must be in [0, 1), got {test_fraction}", "test_fraction")
    train, test = data.split(test_fraction, seed) if test_fraction > 0 else (data, None)
    model = fit_proxy(sim, train, candidates, seed=seed, n_estimators=n_estimators, metrics=metrics,
                      settings=settings, reporter=rep)
    tables = [accuracy_table(model, test, "held-out")] if test is not None else []
    fresh = None
    if fresh_test > 0:
        fresh = _exclude(dataset_from_samples(sim, env_id, fresh_test, "uniform", seed + 10_007, env_kwargs, rep),
                         train)
        if len(fresh):
            tables.append(accuracy_table(model, fresh, "fresh-uniform"))
    with rep.step("timing proxy vs simulator", 2) as advance:
        speed_cols = fresh.columns if fresh is not None and len(fresh) >= 100 else \
            sim.space.columns(sim.space.sample_columns(seed + 1, 200))
        speedup = measure_speedup(model, sim, speed_cols)
        advance(1)
        throughput = measure_throughput(model, throughput_designs, seed + 2) if throughput_designs > 0 else {}
        advance(1)
    model.meta.update(test_size=len(test) if test is not None else 0,
                      train_source={"logs": bool(run_dirs), "sample": sample, "sampling": sampling})
    path = save_proxy(model, out) if out else None
    file_bytes = path.stat().st_size if path is not None else None
    report = pd.concat(tables, ignore_index=True) if tables else pd.DataFrame()
    goals = goals_table(report, focus, len(train), file_bytes if file_bytes is not None else model.nbytes(),
                        throughput.get("designs_per_s"))
    return TrainResult(model, path, report, speedup, len(train), throughput, goals, file_bytes, peak_rss_mb())


def eval_proxy(model_path: str | Path, run_dirs: Sequence[str | Path]) -> pd.DataFrame:
    """Accuracy of a saved proxy on the logged designs of ``run_dirs``."""
    model = load_proxy(model_path)
    sim = make(model.env_id, **model.env_kwargs).simulator
    data = dataset_from_runs(run_dirs, model.env_id, sim, model.env_kwargs)
    return accuracy_table(model, data, "logs")


def search_on_proxy(model_path: str | Path, agent: str, budget: int, *, seed: int = 0, top_k: int = 10,
                    agent_params: Mapping[str, Any] | None = None, objective: Mapping[str, Any] | None = None,
                    out_dir: str | Path | None = None) -> pd.DataFrame:
    """Run ``agent`` on the proxy, re-simulate its top-k designs (by proxy reward) on the real simulator.

    Returns one row per re-simulated design: its parameters, proxy and real reward, their gap, and the proxy's
    and the simulator's metrics; ``attrs`` holds the search's ``evaluations`` and ``unique_designs``.
    """
    from archgym_lite.trials.run import run_trial, trial_id

    if out_dir is None:
        raise SpecError("search_on_proxy needs an out_dir to keep the proxy trial's log", "out_dir")
    model = load_proxy(model_path)
    res = run_trial(model.env_id, agent, budget, seed, out_dir=out_dir, env_kwargs=model.env_kwargs,
                    agent_params=agent_params, objective=objective, raise_errors=True,
                    env_factory=lambda env_id, **kw: make_proxy_env(env_id, model_path, **kw),
                    manifest={"proxy_model": str(model_path)},
                    tid="proxy-" + trial_id(model.env_id, agent, agent_params, seed, budget=budget, objective=objective,
                                            env_kwargs={**model.env_kwargs, "proxy_model": str(model_path)}))
    df = load(res.log_path)
    env = make(model.env_id, objective=objective, **model.env_kwargs)
    p_cols = [f"p_{n}" for n in env.space.names]
    top = df.sort_values("reward", ascending=False).drop_duplicates(p_cols).head(top_k)
    cols = {n: top[f"p_{n}"].to_numpy() for n in env.space.names}
    real = env.simulator.evaluate_batch(cols)
    real_reward = env.objective.reward_batch(real)
    out = top[p_cols + ["reward"]].rename(columns={"reward": "proxy_reward"}).reset_index(drop=True)
    out["real_reward"] = real_reward
    out["gap"] = out["proxy_reward"] - out["real_reward"]
    for m in env.simulator.metric_names:
        out[f"proxy_{m}"] = top[f"m_{m}"].to_numpy()
        out[f"real_{m}"] = real[m]
    out.attrs.update(evaluations=len(df), unique_designs=int(len(df.drop_duplicates(p_cols))))
    return out
