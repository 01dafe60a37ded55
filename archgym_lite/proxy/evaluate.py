"""Accuracy of a proxy on held-out designs, its speed (against the simulator, and alone on one core), its goals.

Speedup is the simulator's batch evaluation time over the proxy's batch prediction time *on the same
designs*, timed side by side in one run. Throughput is the proxy's batch prediction alone, on one core (BLAS
and numba pools limited to one thread), in designs per second for all metrics at once.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from scipy.stats import spearmanr

from archgym_lite.core.simulator import Simulator
from archgym_lite.proxy.dataset import ProxyDataset
from archgym_lite.proxy.model import ProxyModel


def accuracy(y_true: np.ndarray, y_pred: np.ndarray) -> dict[str, float]:
    """Relative RMSE (RMSE / mean of the true values), MAPE, R² and Spearman rank correlation."""
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    err = y_pred - y_true
    rmse = float(np.sqrt(np.mean(err ** 2)))
    mean = float(np.mean(y_true))
    nonzero = y_true != 0
    ss_tot = float(np.sum((y_true - mean) ** 2))
    rho = spearmanr(y_true, y_pred).statistic if np.ptp(y_true) > 0 and np.ptp(y_pred) > 0 else float("nan")
    return {
        "rel_rmse": rmse / abs(mean) if mean != 0 else float("nan"),
        "mape": float(np.mean(np.abs(err[nonzero] / y_true[nonzero]))) if nonzero.any() else float("nan"),
        "r2": 1.0 - float(np.sum(err ** 2)) / ss_tot if ss_tot > 0 else float("nan"),
        "spearman": float(rho),
        "n": float(len(y_true)),
    }


def accuracy_table(model: ProxyModel, data: ProxyDataset, label: str) -> pd.DataFrame:
    """One row per metric: the model that predicts it and its accuracy on ``data``."""
    pred = model.predict(data.columns)
    rows = []
    for m in model.metric_names:
        rows.append({"test_set": label, "metric": m, "model": model.kinds[m], "transform": model.transforms[m],
                     **accuracy(data.metrics[m], pred[m])})
    return pd.DataFrame(rows)


def measure_speedup(model: ProxyModel, simulator: Simulator, columns: Mapping[str, np.ndarray],
                    repeats: int = 3, sim_budget_s: float = 5.0) -> dict[str, float]:
    """Batch prediction vs the simulator's batch evaluation of the same designs, timed in one run.

    The simulator is timed ``repeats`` times unless one run already takes ``sim_budget_s``; the proxy always
    ``repeats`` times; the medians are compared.
    """
    n = len(next(iter(columns.values())))
    sim_t, proxy_t = [], []
    model.predict({k: v[:2] for k, v in columns.items()})  # compile / warm up outside the timing
    for _ in range(repeats):
        if not sim_t or sum(sim_t) < sim_budget_s:
            t0 = time.perf_counter()
            simulator._evaluate_batch(columns)
            sim_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(columns)
        proxy_t.append(time.perf_counter() - t0)
    s, p = float(np.median(sim_t)), float(np.median(proxy_t))
    return {"designs": float(n), "simulator_s": s, "proxy_s": p, "speedup": s / p if p > 0 else float("inf"),
            "simulator_us_per_design": 1e6 * s / n, "proxy_us_per_design": 1e6 * p / n}


def measure_throughput(model: ProxyModel, n: int = 200_000, seed: int = 0, repeats: int = 5) -> dict[str, float]:
    """Designs per second of batched prediction (all metrics) on one core.

    BLAS pools are limited to one thread and the tree kernel is single-threaded, so the process's CPU time
    is the time on one core; it is the headline (``designs_per_s``) because on a shared machine the wall
    time also counts the time other processes held the core. The best wall time is reported beside it.
    """
    import os

    from threadpoolctl import threadpool_limits

    cols = model.space.columns(model.space.sample_columns(seed, n))
    model.predict({k: v[:2] for k, v in cols.items()})
    cpu = wall = np.inf
    with threadpool_limits(1):
        for _ in range(repeats):
            c0, t0 = time.process_time(), time.perf_counter()
            model.predict(cols)
            cpu, wall = min(cpu, time.process_time() - c0), min(wall, time.perf_counter() - t0)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return {"designs": float(n), "cpu_s": cpu, "wall_s": wall, "designs_per_s": n / max(cpu, 1e-12),
            "designs_per_wall_s": n / max(wall, 1e-12), "load_average": load}


#: Goals of issue 18 (archgym_lite proxy models).
GOAL_REL_RMSE = 0.005
GOAL_TRAIN_DESIGNS = 5000
GOAL_MODEL_MB = 10.0
GOAL_DESIGNS_PER_S = 1_000_000


def goals_table(report: pd.DataFrame, metrics: Sequence[str], train_size: int, model_bytes: int | None,
                throughput: float | None) -> pd.DataFrame:
    """Each goal, what was measured and whether it is met.

    The accuracy goal applies to ``metrics`` (those the env's objective scores) on fresh uniform designs.
    """
    rows = []
    fresh = report[report["test_set"] == "fresh-uniform"].set_index("metric") if len(report) else report
    for m in metrics:
        if m in fresh.index:
            v = float(fresh.loc[m, "rel_rmse"])
            rows.append({"goal": f"rel RMSE {m} (fresh uniform)", "target": f"<= {100 * GOAL_REL_RMSE:g}%",
                         "measured": f"{100 * v:.3g}%", "met": bool(v <= GOAL_REL_RMSE)})
    rows.append({"goal": "training designs", "target": f"<= {GOAL_TRAIN_DESIGNS}", "measured": str(train_size),
                 "met": train_size <= GOAL_TRAIN_DESIGNS})
    if model_bytes is not None:
        mb = model_bytes / 1e6
        rows.append({"goal": "model file", "target": f"<= {GOAL_MODEL_MB:g} MB", "measured": f"{mb:.2f} MB",
                     "met": mb <= GOAL_MODEL_MB})
    if throughput is not None:
        rows.append({"goal": "batched prediction, one core", "target": f">= {GOAL_DESIGNS_PER_S:,} designs/s",
                     "measured": f"{throughput:,.0f} designs/s", "met": throughput >= GOAL_DESIGNS_PER_S})
    return pd.DataFrame(rows)
