"""Declarative objectives: metrics → one scalar reward.

The reward is scale-free:

    reward = sum_i w_i * log(t_i / x_i)          (lower-is-better metric i, target t_i)
           + sum_i w_i * log(x_i / t_i)          (higher-is-better metric i)
           - penalty * sum_j violation_j

with ``violation_j = max(0, (x_j - max_j) / |max_j|)`` (or the mirror for a ``min`` bound). The reward is 0
exactly at the targets, changes by ``w`` for each factor of e, and never explodes near the target
(unlike ArchGym's ``target / |x - target|``). Raw metrics are logged, so any objective can be recomputed
offline with :meth:`Objective.reward_batch`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from archgym_lite.core.errors import SpecError
from archgym_lite.core.simulator import Metric

_TINY = 1e-300


@dataclass(frozen=True)
class Target:
    """Drive ``metric`` towards (and past) ``target``, weighted by ``weight``."""

    metric: str
    target: float
    weight: float = 1.0
    lower_is_better: bool = True


@dataclass(frozen=True)
class Constraint:
    """A hard bound: ``min <= metric <= max``; violations are penalised and mark the design infeasible."""

    metric: str
    max: float | None = None
    min: float | None = None


@dataclass(frozen=True)
class Objective:
    """Targets, weights and constraints over a simulator's metrics."""

    targets: tuple[Target, ...]
    constraints: tuple[Constraint, ...] = ()
    penalty: float = 10.0
    metric_names: tuple[str, ...] = field(default=(), compare=False)

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any] | None, metrics: Sequence[Metric],
                  default: Mapping[str, Any] | None = None) -> Objective:
        """Build from a dict (as in a YAML sweep spec), checking metric names against ``metrics``.

        ``spec`` looks like ``{"targets": {"latency_s": {"target": 1e-3, "weight": 2}, "energy_pj": 1e9},
        "constraints": {"area_mm2": {"max": 10}}, "penalty": 10}``. A bare number is a target with weight 1.
        ``None`` uses ``default``.
        """
        spec = spec if spec is not None else default
        if not isinstance(spec, Mapping):
            raise SpecError("must be a mapping with 'targets' (and optionally 'constraints', 'penalty')", "objective")
        known = {m.name: m for m in metrics}
        allowed = sorted(known)
        unknown_keys = set(spec) - {"targets", "constraints", "penalty"}
        if unknown_keys:
            raise SpecError("unknown key; allowed: ['constraints', 'penalty', 'targets']",
                            f"objective.{sorted(unknown_keys)[0]}")
        raw_targets = spec.get("targets") or {}
        if not isinstance(raw_targets, Mapping) or not raw_targets:
            raise SpecError("needs at least one metric target", "objective.targets")
        targets = []
        for name, t in raw_targets.items():
            path = f"objective.targets.{name}"
            if name not in known:
                raise SpecError(f"unknown metric; allowed: {allowed}", path)
            if not isinstance(t, Mapping):
                t = {"target": t}
            if "target" not in t or set(t) - {"target", "weight"}:
                raise SpecError("must be a number or {target: >0, weight: >=0}", path)
            target, weight = _number(t["target"], f"{path}.target"), _number(t.get("weight", 1.0), f"{path}.weight")
            if target <= 0:
                raise SpecError(f"must be > 0 (log-ratio reward), got {target}", f"{path}.target")
            if weight < 0:
                raise SpecError(f"must be >= 0, got {weight}", f"{path}.weight")
            targets.append(Target(name, target, weight, known[name].lower_is_better))
        constraints = []
        raw_cons = spec.get("constraints") or {}
        if not isinstance(raw_cons, Mapping):
            raise SpecError("must be a mapping metric -> {max: .., min: ..}", "objective.constraints")
        for name, c in raw_cons.items():
            path = f"objective.constraints.{name}"
            if name not in known:
                raise SpecError(f"unknown metric; allowed: {allowed}", path)
            if not isinstance(c, Mapping) or not c or set(c) - {"max", "min"}:
                raise SpecError("must be {max: number} and/or {min: number}", path)
            cmax = _number(c["max"], f"{path}.max") if c.get("max") is not None else None
            cmin = _number(c["min"], f"{path}.min") if c.get("min") is not None else None
            constraints.append(Constraint(name, cmax, cmin))
        penalty = _number(spec.get("penalty", 10.0), "objective.penalty")
        return cls(tuple(targets), tuple(constraints), penalty, tuple(known))

    def to_spec(self) -> dict[str, Any]:
        """The inverse of :meth:`from_spec` (JSON-able, stored in trial manifests)."""
        spec: dict[str, Any] = {"targets": {t.metric: {"target": t.target, "weight": t.weight} for t in self.targets}}
        if self.constraints:
            spec["constraints"] = {
                c.metric: {k: v for k, v in (("max", c.max), ("min", c.min)) if v is not None}
                for c in self.constraints
            }
        spec["penalty"] = self.penalty
        return spec

    # --- evaluation -----------------------------------------------------------------------------
    def reward(self, metrics: Mapping[str, float]) -> float:
        """Scalar reward of one design's metrics."""
        r = 0.0
        for t in self.targets:
            x = max(float(metrics[t.metric]), _TINY)
            lr = math.log(t.target) - math.log(x)
            r += t.weight * (lr if t.lower_is_better else -lr)
        return r - self.penalty * self.violation(metrics)

    def violation(self, metrics: Mapping[str, float]) -> float:
        """Sum of normalised constraint violations (0 when feasible)."""
        v = 0.0
        for c in self.constraints:
            x = float(metrics[c.metric])
            if c.max is not None and x > c.max:
                v += (x - c.max) / max(abs(c.max), _TINY)
            if c.min is not None and x < c.min:
                v += (c.min - x) / max(abs(c.min), _TINY)
        return v

    def feasible(self, metrics: Mapping[str, float]) -> bool:
        return self.violation(metrics) == 0.0

    def reward_batch(self, table: Mapping[str, np.ndarray]) -> np.ndarray:
        """Vectorised :meth:`reward` over a metric table (or DataFrame with metric-named columns)."""
        r = np.zeros(_n_rows(table))
        for t in self.targets:
            x = np.maximum(np.asarray(table[t.metric], dtype=float), _TINY)
            lr = math.log(t.target) - np.log(x)
            r += t.weight * (lr if t.lower_is_better else -lr)
        return r - self.penalty * self.violation_batch(table)

    def violation_batch(self, table: Mapping[str, np.ndarray]) -> np.ndarray:
        v: np.ndarray | float = 0.0
        for c in self.constraints:
            x = np.asarray(table[c.metric], dtype=float)
            if c.max is not None:
                v = v + np.maximum(x - c.max, 0.0) / max(abs(c.max), _TINY)
            if c.min is not None:
                v = v + np.maximum(c.min - x, 0.0) / max(abs(c.min), _TINY)
        return np.broadcast_to(np.asarray(v, dtype=float), (_n_rows(table),)).copy()


def _n_rows(table: Mapping[str, np.ndarray]) -> int:
    """Rows of a metric table (``{metric: array}``) or a DataFrame."""
    return len(table) if hasattr(table, "shape") else len(next(iter(table.values())))


def _number(value: Any, path: str) -> float:
    if isinstance(value, str):  # YAML 1.1 reads "1e-3" (no dot) as a string
        try:
            value = float(value)
        except ValueError:
            pass
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SpecError(f"must be a finite number, got {value!r}", path)
    return float(value)
