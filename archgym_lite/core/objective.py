"""Declarative objectives: metrics → one scalar reward, and optionally a front of metrics to trade.

The reward is scale-free:

    reward = sum_i w_i * log(t_i / x_i)          (lower-is-better metric i, target t_i)
           + sum_i w_i * log(x_i / t_i)          (higher-is-better metric i)
           - penalty * sum_j violation_j

with ``violation_j = max(0, (x_j - max_j) / |max_j|)`` (or the mirror for a ``min`` bound). The reward is 0
exactly at the targets, changes by ``w`` for each factor of e, and never explodes near the target
(unlike ArchGym's ``target / |x - target|``). Raw metrics are logged, so any objective can be recomputed
offline with :meth:`Objective.reward_batch`.

**Multi-objective form.** ``trade`` names two or more target metrics whose trade-off is searched instead of
their weighted sum (``{"targets": {...}, "trade": ["latency_s", "energy_pj"], "constraints": {...}}``). The
logged reward is still the scalar above (rows keep one schema); multi-objective agents read the per-metric
*gains* instead, ``g_i = log(ref_i / x_i)`` (``log(x_i / ref_i)`` for higher-is-better metrics), one column
per traded metric (for a scalar objective: per target metric). The score of a set of designs is the
**hypervolume** of its feasible gains above the origin, i.e. the volume (in nepers^k) of metric space that
its Pareto front dominates and that is better than the reference point ``ref``. ``reference`` gives ``ref``
per traded metric; a missing one is filled by :meth:`Objective.with_reference` at the start of a run: the
worse of the metric's target and its value at the space's default (middle) design, loosened by a factor of
:data:`REFERENCE_SLACK` (= 2). Every design within a factor 2 of that baseline in every traded metric counts,
so the score rewards the spread of a front, not only its corner nearest the targets, and it does not
depend on which agents ran. Without a baseline (``reference_point`` of an unresolved objective) the target
itself is the reference.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from archgym_lite.core.errors import SpecError, unknown_name
from archgym_lite.core.simulator import Metric

_TINY = 1e-300
#: How far outside the worse of target and baseline design the default reference point lies (a factor).
REFERENCE_SLACK = 2.0
_SPEC_KEYS = ("constraints", "penalty", "reference", "targets", "trade")


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
    #: Metrics whose trade-off is searched (the multi-objective form); ``()``: the scalar form.
    trade: tuple[str, ...] = ()
    #: Hypervolume reference value per traded metric, as ``(metric, value)`` pairs (missing: see module doc).
    reference: tuple[tuple[str, float], ...] = ()

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
        unknown_keys = set(spec) - set(_SPEC_KEYS)
        if unknown_keys:
            key = sorted(unknown_keys)[0]
            raise SpecError(unknown_name("key", key, sorted(_SPEC_KEYS)), f"objective.{key}")
        raw_targets = spec.get("targets") or {}
        if not isinstance(raw_targets, Mapping) or not raw_targets:
            raise SpecError("needs at least one metric target", "objective.targets")
        targets = []
        for name, t in raw_targets.items():
            path = f"objective.targets.{name}"
            if name not in known:
                raise SpecError(unknown_name("metric", name, allowed), path)
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
                raise SpecError(unknown_name("metric", name, allowed), path)
            if not isinstance(c, Mapping) or not c or set(c) - {"max", "min"}:
                raise SpecError("must be {max: number} and/or {min: number}", path)
            cmax = _number(c["max"], f"{path}.max") if c.get("max") is not None else None
            cmin = _number(c["min"], f"{path}.min") if c.get("min") is not None else None
            constraints.append(Constraint(name, cmax, cmin))
        penalty = _number(spec.get("penalty", 10.0), "objective.penalty")
        trade, reference = _trade_spec(spec, [t.metric for t in targets])
        return cls(tuple(targets), tuple(constraints), penalty, tuple(known), trade, reference)

    def to_spec(self) -> dict[str, Any]:
        """The inverse of :meth:`from_spec` (JSON-able, stored in trial manifests)."""
        spec: dict[str, Any] = {"targets": {t.metric: {"target": t.target, "weight": t.weight} for t in self.targets}}
        if self.constraints:
            spec["constraints"] = {
                c.metric: {k: v for k, v in (("max", c.max), ("min", c.min)) if v is not None}
                for c in self.constraints
            }
        spec["penalty"] = self.penalty
        if self.trade:
            spec["trade"] = list(self.trade)
        if self.reference:
            spec["reference"] = dict(self.reference)
        return spec

    # --- the multi-objective view -----------------------------------------------------------------
    @property
    def is_multi_objective(self) -> bool:
        """Whether the spec names metrics to trade (``trade``)."""
        return len(self.trade) >= 2

    @property
    def trade_metrics(self) -> tuple[str, ...]:
        """The metrics of the front: ``trade``, or every target metric of a scalar objective."""
        return self.trade or tuple(t.metric for t in self.targets)

    def reference_point(self) -> np.ndarray:
        """The reference value of each of :attr:`trade_metrics` (the target where none is set)."""
        ref, by_metric = dict(self.reference), {t.metric: t for t in self.targets}
        return np.array([ref.get(m, by_metric[m].target) for m in self.trade_metrics], dtype=float)

    def with_reference(self, baseline: Mapping[str, float]) -> Objective:
        """This objective with every missing reference value set to the worse of the metric's target and its
        value in ``baseline`` (the metrics of the space's default design), loosened by :data:`REFERENCE_SLACK`."""
        ref = dict(self.reference)
        for t in self.targets:
            if t.metric in self.trade_metrics and t.metric not in ref:
                x = max(float(baseline[t.metric]), _TINY)
                ref[t.metric] = (max(t.target, x) * REFERENCE_SLACK if t.lower_is_better
                                 else min(t.target, x) / REFERENCE_SLACK)
        return replace(self, reference=tuple((m, ref[m]) for m in self.trade_metrics))

    def gains_batch(self, table: Mapping[str, np.ndarray]) -> np.ndarray:
        """``(n, k)`` gains over the reference point (higher is better), one column per traded metric."""
        lower = {t.metric: t.lower_is_better for t in self.targets}
        cols = []
        for m, ref in zip(self.trade_metrics, self.reference_point(), strict=True):
            lr = math.log(ref) - np.log(np.maximum(np.asarray(table[m], dtype=float), _TINY))
            cols.append(lr if lower[m] else -lr)
        return np.stack(cols, axis=1) if cols else np.zeros((_n_rows(table), 0))

    def hypervolume(self, table: Mapping[str, np.ndarray]) -> float:
        """Hypervolume (nepers^k) of the feasible rows' gains above the reference point."""
        feasible = self.violation_batch(table) == 0.0
        return hypervolume(self.gains_batch(table)[feasible])

    def hypervolume_curve(self, table: Mapping[str, np.ndarray]) -> np.ndarray:
        """Hypervolume of the first ``i + 1`` rows, for every ``i`` (rows in evaluation order)."""
        gains, feasible = self.gains_batch(table), self.violation_batch(table) == 0.0
        out, front, hv = np.zeros(len(gains)), np.zeros((0, gains.shape[1])), 0.0
        for i, (g, ok) in enumerate(zip(gains, feasible, strict=True)):
            if ok and (g > 0).all() and not (front >= g).all(axis=1).any():  # a point that adds volume
                front = np.vstack([front[~(g >= front).all(axis=1)], g])
                hv = hypervolume(front)
            out[i] = hv
        return out

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


def hypervolume(points: np.ndarray | Sequence[Sequence[float]]) -> float:
    """Exact volume dominated by ``points`` (n × k, maximised) above the origin.

    Points with a coordinate ``<= 0`` add nothing. Slices along the last coordinate (sorted descending,
    ``HV_k = sum_i (z_i - z_{i+1}) * HV_{k-1}(first i points)``), with the 1-D base a running maximum: exact,
    ``O(n^(k-1) log n)``, which is fast for the small fronts of a trial (k <= 4).
    """
    y = np.asarray(points, dtype=float)
    if y.ndim != 2 or not len(y):
        return 0.0
    y = y[np.isfinite(y).all(axis=1) & (y > 0).all(axis=1)]
    if not len(y):
        return 0.0
    if y.shape[1] == 1:
        return float(y.max())
    y = y[np.argsort(-y[:, -1], kind="stable")]
    heights = np.append(y[1:, -1], 0.0)
    if y.shape[1] == 2:
        return float(np.sum((y[:, 1] - heights) * np.maximum.accumulate(y[:, 0])))
    return float(sum((y[i, -1] - heights[i]) * hypervolume(y[: i + 1, :-1]) for i in range(len(y))
                     if y[i, -1] > heights[i]))


def _trade_spec(spec: Mapping[str, Any], target_metrics: Sequence[str]) -> tuple[tuple[str, ...],
                                                                                   tuple[tuple[str, float], ...]]:
    """Validated ``trade`` names and ``reference`` pairs of an objective spec."""
    raw = spec.get("trade")
    trade: list[str] = []
    if raw is not None:
        if isinstance(raw, str) or not isinstance(raw, Sequence) or len(raw) < 2:
            raise SpecError(f"must be a list of two or more target metrics; allowed: {list(target_metrics)}",
                            "objective.trade")
        for name in raw:
            if name not in target_metrics:
                raise SpecError(f"not a target metric (each traded metric needs a target); allowed: "
                                f"{list(target_metrics)}", f"objective.trade.{name}")
            if name in trade:
                raise SpecError("named twice", f"objective.trade.{name}")
            trade.append(str(name))
    raw_ref = spec.get("reference") or {}
    allowed = trade or list(target_metrics)
    if not isinstance(raw_ref, Mapping):
        raise SpecError(f"must be a mapping metric -> reference value; allowed metrics: {allowed}",
                        "objective.reference")
    reference = []
    for name, value in raw_ref.items():
        path = f"objective.reference.{name}"
        if name not in allowed:
            raise SpecError(f"not a traded metric; allowed: {allowed}", path)
        v = _number(value, path)
        if v <= 0:
            raise SpecError(f"must be > 0 (log-ratio gains), got {v}", path)
        reference.append((str(name), v))
    return tuple(trade), tuple(reference)


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
