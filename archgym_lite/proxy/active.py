"""Active sampling: spend the simulation budget where the proxy is unsure.

``n`` designs are simulated in ``rounds`` batches. The first batch is a Latin hypercube (``start_fraction``
of ``n``). Before each further batch, an extra-trees forest is fitted on everything simulated so far, a fresh
uniform pool of candidate designs is drawn, and the batch takes the pool's designs whose trees disagree most
(standard deviation across trees, in metric units, relative to the metric's mean, summed over the ``focus``
metrics: by default those the env's objective scores). On the DRAM model this halves the error of a random
or Latin-hypercube sample of the same size (experiments/bench/bench_proxy.py), because a uniform sample spends
most designs on regions that are already predicted well.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from archgym_lite.core.errors import SpecError
from archgym_lite.core.simulator import Simulator
from archgym_lite.core.space import Columns
from archgym_lite.proxy.candidates import ProxySettings, fit_candidate, spread
from archgym_lite.proxy.dataset import FeatureEncoder, ProxyDataset, dataset_from_samples, dedupe, simulate
from archgym_lite.proxy.model import target_matrix
from archgym_lite.proxy.progress import Reporter


def merge(a: ProxyDataset, b: ProxyDataset) -> ProxyDataset:
    """Designs of both (first occurrence kept), notes of both, which of them were drawn spread over the space."""
    cols = {k: np.concatenate([a.columns[k], b.columns[k]]) for k in a.columns}
    mets = {k: np.concatenate([a.metrics[k], b.metrics[k]]) for k in a.metrics}
    tag = " spread"  # not a metric name: metric names are identifiers
    mets[tag] = np.concatenate([a.spread_mask(), b.spread_mask()])
    cols, mets = dedupe(cols, mets, list(a.columns))
    spread = mets.pop(tag)
    return ProxyDataset(a.env_id, a.env_kwargs, cols, mets, a.n_rows_read + b.n_rows_read, a.notes + b.notes,
                        spread if spread.any() else None)


def unseen(columns: Columns, data: ProxyDataset) -> np.ndarray:
    """Boolean mask of the designs in ``columns`` that are not in ``data``."""
    names = list(data.columns)
    known = pd.MultiIndex.from_arrays([data.columns[n] for n in names])
    return ~pd.MultiIndex.from_arrays([np.asarray(columns[n]) for n in names]).isin(known)


def uncertainty(data: ProxyDataset, simulator: Simulator, columns: Columns, focus: Sequence[str],
                trees: int = 32, seed: int = 0) -> np.ndarray:
    """Per design of ``columns``: the spread of a forest fitted on ``data``, summed over ``focus`` metrics."""
    enc = FeatureEncoder(simulator.space, simulator)
    metrics = list(focus)
    Y, transforms, center, scale = target_matrix(data, metrics)
    T = np.where([t == "log" for t in transforms], np.log(np.where(Y > 0, Y, 1.0)), Y)
    forest = fit_candidate("extra_trees", enc.transform(data.columns, np.float32), (T - center) / scale,
                           ProxySettings(trees=trees), seed)
    per_tree = spread(forest, enc.transform(columns, np.float32)) * scale + center  # (trees, n, metrics)
    log = np.array([t == "log" for t in transforms])
    per_tree[..., log] = np.exp(per_tree[..., log])
    return (per_tree.std(axis=0) / np.maximum(np.abs(Y.mean(axis=0)), 1e-300)).sum(axis=1)


def sample_actively(simulator: Simulator, env_id: str, n: int, *, seed: int = 0,
                    env_kwargs: Mapping[str, Any] | None = None, focus: Sequence[str] | None = None,
                    start_fraction: float = 0.4, rounds: int = 10, pool: int = 20_000, trees: int = 32,
                    reporter: Reporter | None = None) -> ProxyDataset:
    """``n`` simulated designs chosen as in the module docstring (fewer if the space is smaller)."""
    if not 0.0 < start_fraction <= 1.0:
        raise SpecError(f"must be in (0, 1], got {start_fraction}", "start_fraction")
    if rounds < 1:
        raise SpecError(f"must be >= 1, got {rounds}", "rounds")
    focus = list(focus or simulator.metric_names)
    for m in focus:
        simulator.metric(m)
    rep = reporter or Reporter()
    data = dataset_from_samples(simulator, env_id, max(10, int(round(n * start_fraction))), "lhs", seed,
                                env_kwargs, rep)
    per = max(1, -(-(n - len(data)) // rounds))
    with rep.step(f"active sampling ({rounds} rounds)", max(0, n - len(data))) as advance:
        for r in range(rounds):
            want = min(per, n - len(data))
            if want <= 0:
                break
            cand = simulator.space.columns(simulator.space.sample_columns(seed + 1000 + r, max(pool, 4 * want)))
            cand, _ = dedupe(cand, {}, simulator.space.names)
            keep = unseen(cand, data)
            cand = {k: v[keep] for k, v in cand.items()}
            if not keep.any():
                break
            score = uncertainty(data, simulator, cand, focus, trees, seed + r)
            pick = np.argsort(-score, kind="stable")[:want]
            new = {k: v[pick] for k, v in cand.items()}
            batch = ProxyDataset(env_id, dict(env_kwargs or {}), new, simulate(simulator, new), len(pick))
            data = merge(data, batch)
            advance(len(pick))
    data.notes = [f"{len(data)} actively sampled designs ({rounds} rounds after a Latin hypercube, focus {focus})"]
    data.n_rows_read = len(data)
    return data
