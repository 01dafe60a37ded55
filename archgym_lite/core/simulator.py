"""The simulator protocol: a design space, declared metrics, single and batch evaluation.

Simulators are pure and deterministic: the same design always yields the same metrics. They never import
gymnasium; :class:`archgym_lite.core.env.DesignEnv` wraps them.
"""

from __future__ import annotations

from abc import ABC
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from archgym_lite.core.errors import SpecError
from archgym_lite.core.space import Columns, Design, DesignSpace

MetricTable = dict[str, np.ndarray]


@dataclass(frozen=True)
class Metric:
    """A declared simulator output.

    Attributes:
        name: Column name; put the unit in it where natural (``latency_cycles``, ``energy_pj``).
        unit: Unit string (``"cycles"``, ``"pJ"``, ``"mm^2"``), ``""`` when dimensionless.
        lower_is_better: Direction used by objectives, Pareto fronts and reports.
        description: One line for ``archgym envs show``.
    """

    name: str
    unit: str = ""
    lower_is_better: bool = True
    description: str = ""


class Simulator(ABC):
    """Base class of every cost model.

    Subclasses set :attr:`space` and :attr:`metrics` and override **at least one** of
    :meth:`_evaluate` (one validated design → ``{metric: float}``) or :meth:`_evaluate_batch`
    (validated columns → ``{metric: array}``). The other is derived from it, so the single and batch
    paths give identical numbers by construction; vectorised simulators override ``_evaluate_batch``.

    Attributes:
        space: The design space.
        metrics: The declared metrics, in output order.
    """

    space: DesignSpace
    metrics: tuple[Metric, ...]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls._evaluate is Simulator._evaluate and cls._evaluate_batch is Simulator._evaluate_batch:
            if not getattr(cls, "__abstractmethods__", None) and not cls.__name__.startswith("_"):
                cls._incomplete = True

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(m.name for m in self.metrics)

    def metric(self, name: str) -> Metric:
        for m in self.metrics:
            if m.name == name:
                return m
        raise SpecError(f"unknown metric; allowed: {list(self.metric_names)}", name)

    # --- public API (validates) -----------------------------------------------------------------
    def evaluate(self, design: Mapping[str, Any]) -> dict[str, float]:
        """Metrics of one design (validated first; bad designs raise :class:`DesignError`)."""
        return self._evaluate(self.space.validate(design))

    def evaluate_batch(self, designs: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> MetricTable:
        """Metrics of many designs as ``{metric: np.ndarray}``; row i equals ``evaluate(designs[i])``."""
        return self._evaluate_batch(self.space.columns(designs))

    def evaluate_frame(self, designs: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Any:
        """:meth:`evaluate_batch` as a pandas DataFrame with the design columns first."""
        import pandas as pd

        cols = self.space.columns(designs)
        return pd.DataFrame({**cols, **self._evaluate_batch(cols)})

    # --- implementation hooks -------------------------------------------------------------------
    def _evaluate(self, design: Design) -> dict[str, float]:
        self._check_complete()
        cols = {k: np.array([v], dtype=object if isinstance(v, str) else None) for k, v in design.items()}
        out = self._evaluate_batch(cols)
        return {k: float(v[0]) for k, v in out.items()}

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        self._check_complete()
        n = len(next(iter(columns.values())))
        rows = DesignSpace.rows(columns)
        out = {m.name: np.empty(n, dtype=np.float64) for m in self.metrics}
        for i, design in enumerate(rows):
            for k, v in self._evaluate(design).items():
                out[k][i] = v
        return out

    def _check_complete(self) -> None:
        if getattr(type(self), "_incomplete", False):
            raise NotImplementedError(f"{type(self).__name__} must override _evaluate or _evaluate_batch")

    def proxy_features(self, columns: Columns) -> dict[str, np.ndarray]:
        """Optional domain features for proxy models, computed from validated design columns.

        A simulator that knows how its knobs combine (e.g. the effective number of outstanding requests
        a memory controller allows) can expose that here; proxy models append these columns to the plain
        parameter encoding. Default: none.
        """
        return {}

    def detail_report(self, design: Mapping[str, Any]) -> Any:
        """Optional per-component breakdown of one design (a pandas DataFrame), e.g. per layer or per command.

        ``archgym simulate ID --design k=v ... --detail`` prints it. The base class has none.
        """
        raise NotImplementedError(f"{type(self).__name__} has no detail report")

    def describe(self) -> list[dict[str, str]]:
        return [{"name": m.name, "unit": m.unit, "goal": "min" if m.lower_is_better else "max",
                 "description": m.description} for m in self.metrics]
