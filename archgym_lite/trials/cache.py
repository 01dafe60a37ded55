"""The evaluation cache of a trial: a design evaluated before is looked up, not simulated again.

Simulators are deterministic (:mod:`archgym_lite.core.simulator`), so a design's metrics never change within a
trial. Agents still propose repeats (a random walk stepping back, an RL policy that settled, a small space),
and each repeat still counts as one evaluation of the budget and is logged as a row, flagged ``cached``; only
the simulator call is saved. A simulator that sets ``deterministic = False`` is never cached.

Two entry points, one per agent style:

* :meth:`EvaluationCache.evaluate_columns` for the ask/tell loop: a batch of validated columns → the metric
  table and a per-row ``cached`` mask (a design repeated inside one batch is simulated once);
* :class:`CachedSimulator` for agents that drive the env: it stands in for ``env.simulator`` and remembers
  whether its last evaluation was a lookup; :class:`FlaggingLogger` passes that flag to the trial logger.
"""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from typing import Any

import numpy as np

from archgym_lite.core.space import Columns, Design


class EvaluationCache:
    """Metrics of every design simulated so far in a trial, keyed by the design's values.

    Args:
        simulator: The trial's simulator.
        enabled: Look designs up (``False``: simulate every evaluation; keys are still counted).
    """

    def __init__(self, simulator: Any, enabled: bool = True) -> None:
        self.simulator = simulator
        self.names = tuple(simulator.space.names)
        self.metric_names = tuple(simulator.metric_names)
        self.enabled = enabled and bool(getattr(simulator, "deterministic", True))
        self._store: dict[tuple[Hashable, ...], tuple[float, ...]] = {}
        self.logged: set[tuple[Hashable, ...]] = set()  # distinct designs among the logged evaluations
        self.hits = 0

    @property
    def n_unique(self) -> int:
        """Distinct designs among the evaluations logged so far."""
        return len(self.logged)

    def key(self, design: Mapping[str, Any]) -> tuple[Hashable, ...]:
        return tuple(_plain(design[n]) for n in self.names)

    def evaluate_columns(self, columns: Columns) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
        """Metrics of a batch: ``(table, cached mask, seconds spent simulating)``; every row counts as logged."""
        lists = [np.asarray(columns[n]).tolist() for n in self.names]
        keys = list(zip(*lists, strict=True))
        n = len(keys)
        cached = np.zeros(n, dtype=bool)
        first_of: dict[tuple[Hashable, ...], int] = {}
        todo = []
        for i, k in enumerate(keys):
            if self.enabled and (k in self._store or k in first_of):
                cached[i] = True
            else:
                first_of.setdefault(k, i)
                todo.append(i)
        table = {m: np.empty(n, dtype=float) for m in self.metric_names}
        sim_time = 0.0
        if todo:
            idx = np.asarray(todo)
            sub = columns if len(todo) == n else {c: np.asarray(v)[idx] for c, v in columns.items()}
            t0 = time.perf_counter()
            out = self.simulator._evaluate_batch(sub)
            sim_time = time.perf_counter() - t0
            for m in self.metric_names:
                table[m][idx] = np.asarray(out[m], dtype=float)
            if self.enabled:
                for j, i in enumerate(todo):
                    self._store[keys[i]] = tuple(float(out[m][j]) for m in self.metric_names)
        for i in np.flatnonzero(cached):
            row = self._store.get(keys[i])
            if row is None:  # a repeat inside this batch whose first copy was just simulated
                row = tuple(table[m][first_of[keys[i]]] for m in self.metric_names)
            for m, v in zip(self.metric_names, row, strict=True):
                table[m][i] = v
        self.hits += int(cached.sum())
        self.logged.update(keys)
        return table, cached, sim_time


class CachedSimulator:
    """Stands in for a simulator inside a :class:`~archgym_lite.core.env.DesignEnv`, answering repeats from an
    :class:`EvaluationCache`. Every other attribute is the wrapped simulator's."""

    def __init__(self, cache: EvaluationCache) -> None:
        self._cache = cache
        self.last_cached = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache.simulator, name)

    def _evaluate(self, design: Design) -> dict[str, float]:
        cache = self._cache
        k = cache.key(design)
        row = cache._store.get(k) if cache.enabled else None
        self.last_cached = row is not None
        if row is None:
            metrics = cache.simulator._evaluate(design)
            if cache.enabled:
                cache._store[k] = tuple(float(metrics[m]) for m in cache.metric_names)
            return metrics
        cache.hits += 1
        return dict(zip(cache.metric_names, row, strict=True))


class FlaggingLogger:
    """A trial logger for an env: each step's row is flagged ``cached`` when the env's last simulation was a
    lookup in :class:`CachedSimulator`, and counted among the trial's distinct designs."""

    def __init__(self, logger: Any, simulator: CachedSimulator) -> None:
        self.logger, self.simulator = logger, simulator

    def log(self, design: Mapping[str, Any], metrics: Mapping[str, float], reward: float, feasible: bool,
            sim_time_s: float, wall_time_s: float) -> None:
        hit = self.simulator.last_cached
        self.simulator._cache.logged.add(self.simulator._cache.key(design))
        self.logger.log(design, metrics, reward, feasible, 0.0 if hit else sim_time_s, wall_time_s, cached=hit)


def _plain(value: Any) -> Hashable:
    """A numpy scalar as the equal Python value (so ``np.int64(4)`` and ``4`` are one key)."""
    return value.item() if isinstance(value, np.generic) else value
