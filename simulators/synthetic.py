"""A smooth synthetic benchmark with a known optimum, covering every parameter kind.

Not a hardware model: it exists so agents can be tested against a landscape whose optimum is known
exactly (cost = 1.0 at ``x_int=13, x_pow2=64, x_list=6, mode="b", x_real=1.0``), and so the core can be
exercised on integer, power-of-two, explicit-list, categorical and real parameters at once.

    cost = 1 + (x_int - 13)^2 / 100 + (log2 x_pow2 - 6)^2 / 25 + (i_list - 3)^2 / 9
             + offset[mode] + (log10 x_real)^2
    area = x_pow2 * x_list / 64

where ``i_list`` is the index of ``x_list`` in ``(1, 2, 3, 6, 12, 24)`` and ``offset = {a: 0.5, b: 0, c: 1}``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from archgym_lite.core.env import DesignEnv
from archgym_lite.core.simulator import Metric, MetricTable, Simulator
from archgym_lite.core.space import (
    CategoricalParam,
    Columns,
    DesignSpace,
    IntListParam,
    IntParam,
    Pow2Param,
    RealParam,
)

LIST_VALUES = (1, 2, 3, 6, 12, 24)
MODE_OFFSET = {"a": 0.5, "b": 0.0, "c": 1.0}
OPTIMUM = {"x_int": 13, "x_pow2": 64, "x_list": 6, "mode": "b", "x_real": 1.0}
DEFAULT_OBJECTIVE = {"targets": {"cost": {"target": 1.0}}, "constraints": {"area_mm2": {"max": 8.0}}}


class SyntheticSimulator(Simulator):
    """Closed-form cost over five parameters of five kinds (see module docstring)."""

    def __init__(self) -> None:
        self.space = DesignSpace([
            IntParam("x_int", 0, 20, description="linear integer, optimum 13"),
            Pow2Param("x_pow2", 1, 1024, description="power of two, optimum 64"),
            IntListParam("x_list", LIST_VALUES, description="explicit list, optimum 6"),
            CategoricalParam("mode", list(MODE_OFFSET), description="categorical, optimum 'b'"),
            RealParam("x_real", 0.1, 10.0, log=True, description="log-scale real, optimum 1.0"),
        ])
        self.metrics = (
            Metric("cost", "", True, "distance-like cost, minimum 1.0 at the optimum"),
            Metric("area_mm2", "mm^2", True, "x_pow2 * x_list / 64"),
        )

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        x_int = columns["x_int"].astype(float)
        x_pow2 = columns["x_pow2"].astype(float)
        i_list = np.searchsorted(np.array(LIST_VALUES), columns["x_list"]).astype(float)
        offset = np.array([MODE_OFFSET[m] for m in columns["mode"]], dtype=float)
        x_real = columns["x_real"].astype(float)
        cost = (1.0 + (x_int - 13.0) ** 2 / 100.0 + (np.log2(x_pow2) - 6.0) ** 2 / 25.0
                + (i_list - 3.0) ** 2 / 9.0 + offset + np.log10(x_real) ** 2)
        return {"cost": cost, "area_mm2": x_pow2 * columns["x_list"].astype(float) / 64.0}


def make_env(objective: Any = None, env_id: str = "archgym/Synthetic-v0", **env_kwargs: Any) -> DesignEnv:
    """Entry point of ``archgym/Synthetic-v0``."""
    return DesignEnv.build(SyntheticSimulator(), objective, DEFAULT_OBJECTIVE, env_id=env_id, **env_kwargs)
