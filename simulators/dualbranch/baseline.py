"""The single-accelerator baseline: the whole network, sequentially, on one accelerator of the whole budget.

It is the accelerator simulator itself (:class:`~simulators.accelerator.simulator.AcceleratorSimulator`) run on
:meth:`DualBranchNet.sequential_workload` (per stage: branch A, branch B, then fusion), with the same datatype,
clock and DRAM interface (its whole bandwidth), judged against the same PE and area budgets. No cross-branch
transfers are charged: every tensor already lives in the one accelerator's DRAM space, and the layer model
charges each layer's own DRAM reads and writes. The baseline searches the accelerator's own space (OS, WS, IS
dataflows; separate ifmap / filter / ofmap SRAMs), a superset of freedoms per array, so it is a strong baseline.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.space import Columns
from simulators.accelerator.simulator import AcceleratorSimulator
from simulators.dualbranch.networks import DualBranchNet
from simulators.dualbranch.simulator import SYSTEM_DEFAULTS
from simulators.dualbranch.spec import get_network

#: The accelerator parameters the system fixes (not searched by the baseline).
FIXED = ("clock_mhz", "dram")


class SingleAcceleratorBaseline:
    """One accelerator running both branches and the fusion back to back (see module docstring).

    Args:
        network: A catalogue name, a YAML path or a :class:`DualBranchNet`.
        datatype, clock_mhz, dram, pe_budget, area_budget_mm2: The same system constants and budgets as
            :class:`~simulators.dualbranch.simulator.DualBranchSimulator` (``clock_mhz`` must be one of the
            accelerator's clock levels).
    """

    def __init__(self, network: str | Path | DualBranchNet = "crossvit", *,
                 datatype: str = SYSTEM_DEFAULTS["datatype"], clock_mhz: float = SYSTEM_DEFAULTS["clock_mhz"],
                 dram: str = SYSTEM_DEFAULTS["dram"], pe_budget: int = SYSTEM_DEFAULTS["pe_budget"],
                 area_budget_mm2: float = SYSTEM_DEFAULTS["area_budget_mm2"]) -> None:
        self.net = get_network(network)
        self.sim = AcceleratorSimulator(self.net.sequential_workload(), datatype)
        self.fixed = {"clock_mhz": self.sim.space["clock_mhz"].validate(int(clock_mhz)),
                      "dram": self.sim.space["dram"].validate(dram)}
        self.pe_budget = float(pe_budget)
        self.area_budget = float(area_budget_mm2)
        self.free = [p.name for p in self.sim.space.params if p.name not in FIXED]

    def sample_columns(self, rng: np.random.Generator, n: int) -> Columns:
        """``n`` uniform designs over the free accelerator parameters, with the system constants fixed."""
        cols = {name: self.sim.space[name].sample(rng, n) for name in self.free}
        return {**cols, "clock_mhz": np.full(n, self.fixed["clock_mhz"], dtype=np.int64),
                "dram": np.full(n, self.fixed["dram"], dtype=object)}

    def evaluate(self, columns: Columns | list[dict[str, Any]]) -> dict[str, np.ndarray]:
        """Accelerator metrics plus ``pe_count`` and ``budget_violation`` (same definition as the dual model)."""
        m = dict(self.sim.evaluate_batch(columns))
        cols = self.sim.space.columns(columns)
        pes = cols["array_rows"].astype(np.float64) * cols["array_cols"]
        m["pe_count"] = pes
        m["budget_violation"] = (np.maximum(m["area_mm2"] / self.area_budget - 1.0, 0.0)
                                 + np.maximum(pes / self.pe_budget - 1.0, 0.0))
        return m
