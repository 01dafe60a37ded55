"""Accuracy of a proxy on held-out designs, and its measured speedup over the simulator."""

from __future__ import annotations

import time
from collections.abc import Mapping

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
    """One row per metric: the chosen model and its accuracy on ``data``."""
    pred = model.predict(data.columns)
    rows = []
    for m in model.metric_names:
        mm = model.models[m]
        rows.append({"test_set": label, "metric": m, "model": mm.kind, "transform": mm.transform,
                     **accuracy(data.metrics[m], pred[m])})
    return pd.DataFrame(rows)


def measure_speedup(model: ProxyModel, simulator: Simulator, columns: Mapping[str, np.ndarray],
                    repeats: int = 3) -> dict[str, float]:
    """Batch prediction vs the simulator's batch evaluation on the same designs, timed in one run."""
    n = len(next(iter(columns.values())))
    sim_t, proxy_t = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        simulator._evaluate_batch(columns)
        sim_t.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        model.predict(columns)
        proxy_t.append(time.perf_counter() - t0)
    s, p = float(np.median(sim_t)), float(np.median(proxy_t))
    return {"designs": float(n), "simulator_s": s, "proxy_s": p, "speedup": s / p if p > 0 else float("inf"),
            "simulator_us_per_design": 1e6 * s / n, "proxy_us_per_design": 1e6 * p / n}
