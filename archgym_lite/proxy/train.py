"""Train/evaluate/search workflows behind ``archgym proxy train|eval|search``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archgym_lite.core.errors import SpecError
from archgym_lite.core.registry import make
from archgym_lite.proxy.dataset import ProxyDataset, dataset_from_runs, dataset_from_samples
from archgym_lite.proxy.evaluate import accuracy_table, measure_speedup
from archgym_lite.proxy.model import CANDIDATES, ProxyModel, fit_proxy
from archgym_lite.proxy.persist import load_proxy, save_proxy
from archgym_lite.proxy.simulator import make_proxy_env
from archgym_lite.trials.logs import load


@dataclass
class TrainResult:
    model: ProxyModel
    path: Path | None
    report: pd.DataFrame  # accuracy per test set x metric
    speedup: dict[str, float]
    train_size: int


def _merge(a: ProxyDataset | None, b: ProxyDataset | None) -> ProxyDataset:
    from archgym_lite.proxy.dataset import dedupe

    if a is None or b is None:
        out = a or b
        assert out is not None
        return out
    cols = {k: np.concatenate([a.columns[k], b.columns[k]]) for k in a.columns}
    mets = {k: np.concatenate([a.metrics[k], b.metrics[k]]) for k in a.metrics}
    cols, mets = dedupe(cols, mets, list(a.columns))
    return ProxyDataset(a.env_id, a.env_kwargs, cols, mets, a.n_rows_read + b.n_rows_read, a.notes + b.notes)


def _exclude(test: ProxyDataset, train: ProxyDataset) -> ProxyDataset:
    """Drop from ``test`` every design that also occurs in ``train`` (no leakage)."""
    names = list(train.columns)
    seen = set(map(tuple, pd.DataFrame({n: train.columns[n] for n in names}).itertuples(index=False)))
    keep = np.array([t not in seen for t in pd.DataFrame({n: test.columns[n] for n in names})
                     .itertuples(index=False)], dtype=bool)
    return test.subset(np.flatnonzero(keep))


def train_proxy(env_id: str, run_dirs: Sequence[str | Path] = (), *, env_kwargs: Mapping[str, Any] | None = None,
                sample: int = 0, sampling: str = "uniform", test_fraction: float = 0.2, fresh_test: int = 500,
                candidates: Sequence[str] = CANDIDATES, seed: int = 0, out: str | Path | None = None,
                n_estimators: int = 200, metrics: Sequence[str] | None = None) -> TrainResult:
    """Build a dataset (logs and/or fresh samples), hold out a test split, fit, evaluate, optionally save.

    Accuracy is reported on the held-out split *and* on ``fresh_test`` fresh uniform designs that the model
    never saw (agent logs are biased towards good designs; the fresh set is not).
    """
    env_kwargs = dict(env_kwargs or {})
    sim = make(env_id, **env_kwargs).simulator
    if not run_dirs and sample <= 0:
        raise SpecError("give run directories with logs and/or --sample N fresh designs", "run_dirs")
    logged = dataset_from_runs(run_dirs, env_id, sim, env_kwargs) if run_dirs else None
    sampled = dataset_from_samples(sim, env_id, sample, sampling, seed, env_kwargs) if sample > 0 else None
    data = _merge(logged, sampled)
    train, test = data.split(test_fraction, seed)
    model = fit_proxy(sim, train, candidates, seed=seed, n_estimators=n_estimators, metrics=metrics)
    tables = [accuracy_table(model, test, "held-out")]
    if fresh_test > 0:
        fresh = _exclude(dataset_from_samples(sim, env_id, fresh_test, "uniform", seed + 10_007, env_kwargs), train)
        if len(fresh):
            tables.append(accuracy_table(model, fresh, "fresh-uniform"))
    speed_cols = sim.space.columns(sim.space.sample_columns(seed + 1, max(fresh_test, 200)))
    speedup = measure_speedup(model, sim, speed_cols)
    model.meta.update(test_size=len(test), train_source={"logs": bool(run_dirs), "sample": sample,
                                                          "sampling": sampling})
    path = save_proxy(model, out) if out else None
    return TrainResult(model, path, pd.concat(tables, ignore_index=True), speedup, len(train))


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

    Returns one row per re-simulated design: its parameters, proxy and real reward, and their gap.
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
    return out
