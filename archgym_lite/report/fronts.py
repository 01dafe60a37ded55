"""Pure helpers of the report: best-so-far curves, evaluations to a target, Pareto fronts, hypervolume.

Pareto fronts and hypervolumes are taken over points whose every coordinate is to be minimised (a
maximised metric is negated first: ``minimise[i] = False``). :func:`normalise` maps each coordinate to
[0, 1] with 0 the best value, and :func:`hypervolume_2d` is the exact area dominated by a 2-D front up to a
reference point (default :data:`HV_REF`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

HV_REF = (1.1, 1.1)


# --- pure helpers -------------------------------------------------------------------------------------
def best_so_far(rewards: Sequence[float] | np.ndarray) -> np.ndarray:
    """Running maximum of ``rewards`` (NaN entries are skipped once a finite value has been seen)."""
    r = np.asarray(rewards, dtype=float)
    return np.fmax.accumulate(r) if r.size else r


def evals_to_target(rewards: Sequence[float] | np.ndarray, target: float) -> int | None:
    """1-based number of evaluations until the best-so-far reward is ``>= target``; ``None`` if never."""
    hit = np.flatnonzero(best_so_far(rewards) >= target)
    return int(hit[0]) + 1 if hit.size else None


def _as_min(points: Any, minimise: Sequence[bool]) -> np.ndarray:
    sign = np.where(np.asarray(minimise, dtype=bool), 1.0, -1.0)
    return np.asarray(points, dtype=float).reshape(-1, len(sign)) * sign


def pareto_mask(points: Any, minimise: Sequence[bool]) -> np.ndarray:
    """Boolean mask of the non-dominated rows of ``points`` (n × k, k >= 1).

    A row is dominated when another row is at least as good in every objective and strictly better in one;
    identical rows do not dominate each other (both are kept). Rows with a non-finite value are never on the
    front. Runs in O(n · front size) by visiting rows in lexicographic order.

    Args:
        points: Objective values, one row per design.
        minimise: Per column, ``True`` when lower is better.
    """
    y = _as_min(points, minimise)
    mask = np.zeros(len(y), dtype=bool)
    front, nf = np.empty_like(y), 0
    finite = np.isfinite(y).all(axis=1)
    for i in np.lexsort(y.T[::-1]):  # a dominator always sorts before what it dominates
        p, f = y[i], front[:nf]
        if not finite[i] or (nf and np.any(np.all(f <= p, axis=1) & np.any(f < p, axis=1))):
            continue
        mask[i], front[nf], nf = True, p, nf + 1
    return mask


def hypervolume_2d(points: Any, ref: Sequence[float], minimise: Sequence[bool] = (True, True)) -> float:
    """Exact area dominated by ``points`` (n × 2) and bounded by the reference point ``ref``.

    Points that do not strictly improve on ``ref`` in both objectives contribute nothing.
    """
    sign = np.where(np.asarray(minimise, dtype=bool), 1.0, -1.0)
    y, r = _as_min(points, minimise), np.asarray(ref, dtype=float) * sign
    y = y[np.isfinite(y).all(axis=1) & (y < r).all(axis=1)]
    if not len(y):
        return 0.0
    y = y[pareto_mask(y, (True, True))]
    y = y[np.lexsort((y[:, 1], y[:, 0]))]  # x ascending, so y descends along the front
    widths = np.append(y[1:, 0], r[0]) - y[:, 0]
    return float(np.sum(widths * (r[1] - y[:, 1])))


def normalise(points: Any, minimise: Sequence[bool]) -> np.ndarray:
    """Min-max scale each column to [0, 1] with 0 the best value (a constant column becomes 0)."""
    y = _as_min(points, minimise)
    if not len(y):
        return y
    lo, hi = np.nanmin(y, axis=0), np.nanmax(y, axis=0)
    return (y - lo) / np.where(hi > lo, hi - lo, 1.0)
