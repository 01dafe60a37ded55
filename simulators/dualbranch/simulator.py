"""`DualBranchSimulator` and the entry point of ``archgym/DualBranch-v0``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.env import DesignEnv
from archgym_lite.core.errors import SpecError
from archgym_lite.core.simulator import Metric, MetricTable, Simulator
from archgym_lite.core.space import CategoricalParam, Columns, DesignSpace, IntParam, Pow2Param
from simulators.accelerator.costs import DATATYPES
from simulators.accelerator.dram_interface import INTERFACES
from simulators.accelerator.technology import V_MAX, f_max_mhz, voltage_for
from simulators.dualbranch.model import DualBranchModel
from simulators.dualbranch.networks import DualBranchNet
from simulators.dualbranch.spec import get_network
from simulators.dualbranch.templates import TEMPLATES

#: Defaults of the system constants (env kwargs): int8, 1000 MHz, one LPDDR4-3200 x64 interface (25.6 GB/s)
#: shared by both sub-accelerators, a 4096-PE and 20 mm^2 (45 nm, DRAM PHY included) budget for the whole system.
SYSTEM_DEFAULTS = {"datatype": "int8", "clock_mhz": 1000.0, "dram": "LPDDR4-3200-x64", "pe_budget": 4096,
                   "area_budget_mm2": 20.0}

ARRAY_LEVELS = (4, 128)
BUF_LEVELS_KIB = (16, 1024)

METRICS = (
    Metric("latency_cycles", "cycles", True, "end-to-end critical path: parallel branches, transfers, fusion"),
    Metric("latency_s", "s", True, "latency_cycles / clock"),
    Metric("energy_pj", "pJ", True, "both sub-accelerators (MAC, SRAM, RS scratchpads, leakage) + DRAM"),
    Metric("area_mm2", "mm^2", True, "both sub-accelerators: PEs (+ RS scratchpads) + SRAMs, + DRAM PHY"),
    Metric("edp_js", "J*s", True, "energy-delay product"),
    Metric("pe_count", "PEs", True, "total PEs of the two arrays"),
    Metric("budget_violation", "", True, "max(0, area/area_budget - 1) + max(0, PEs/pe_budget - 1)"),
    Metric("utilisation", "", False, "network MACs / (latency_cycles * total PEs)"),
    Metric("branch_a_cycles", "cycles", True, "branch A busy cycles on sub-accelerator 1 (all stages)"),
    Metric("branch_b_cycles", "cycles", True, "branch B busy cycles on sub-accelerator 2 (all stages)"),
    Metric("fusion_cycles", "cycles", True, "fusion layers on their sub-accelerator (all stages)"),
    Metric("transfer_cycles", "cycles", True, "critical-path cycles spent moving cross-branch tensors"),
    Metric("transfer_bytes", "B", True, "cross-branch bytes moved through DRAM"),
    Metric("dram_energy_pj", "pJ", True, "the DRAM part of energy_pj: per-byte energy + background power x time"),
    Metric("acc1_area_mm2", "mm^2", True, "sub-accelerator 1 area"),
    Metric("acc2_area_mm2", "mm^2", True, "sub-accelerator 2 area"),
)


def dualbranch_space() -> DesignSpace:
    """Two sub-accelerators (template, array shape, buffers), the DRAM bandwidth split and the fusion placement."""
    params: list[Any] = []
    for i, branch in ((1, "A"), (2, "B")):
        params += [
            CategoricalParam(f"acc{i}_template", TEMPLATES, description=f"sub-accelerator {i} (branch {branch}) "
                             "dataflow template: WS NVDLA-like, OS ShiDianNao-like, RS Eyeriss-like"),
            Pow2Param(f"acc{i}_rows", *ARRAY_LEVELS, description=f"sub-accelerator {i} PE array rows"),
            Pow2Param(f"acc{i}_cols", *ARRAY_LEVELS, description=f"sub-accelerator {i} PE array columns"),
        ]
        params += [Pow2Param(f"acc{i}_{op}_kib", *BUF_LEVELS_KIB, "KiB",
                             f"sub-accelerator {i} {op} SRAM (double buffered)") for op in ("ifmap", "filter", "ofmap")]
    params += [
        IntParam("bw_share_acc1", 1, 7, unit="1/8",
                 description="eighths of the shared DRAM bandwidth given to sub-accelerator 1 (rest to 2)"),
        CategoricalParam("fusion_on", ("acc1", "acc2"), description="sub-accelerator that runs the fusion layers"),
    ]
    return DesignSpace(params)


class DualBranchSimulator(Simulator):
    """A dual-branch network mapped onto two heterogeneous sub-accelerators (NASAIC-style).

    Branch A runs on sub-accelerator 1 and branch B on sub-accelerator 2, in parallel; the fusion layers run on
    the one the design picks. See :mod:`simulators.dualbranch.model` for the critical path, energy, area and
    budgets, and :mod:`simulators.dualbranch.templates` for the dataflow templates (RS is an approximation).

    ``agent_groups["per_branch"]`` gives the multi-agent split: agent ``branch_a`` owns sub-accelerator 1's
    parameters, ``branch_b`` sub-accelerator 2's, and a third agent ``system`` owns the two shared decisions
    (bandwidth split, fusion placement), since neither branch agent can own a resource both compete for.

    Args:
        network: A catalogue name (``crossvit``, ``two_stream``, ``dynamic_perceiver``), a YAML path or a
            :class:`DualBranchNet`.
        datatype: What the network was trained/quantised for: ``int8``, ``int16``, ``fp16`` or ``bf16``.
        clock_mhz: Shared clock, up to the 45 nm maximum (1583 MHz at 1.0 V); it sets the shared supply voltage.
        dram: The shared DRAM interface (``simulators.accelerator.INTERFACES``); its bandwidth is split in eighths.
        pe_budget: Total PEs allowed for the two arrays.
        area_budget_mm2: Total area allowed (45 nm, DRAM PHY included).
    """

    def __init__(self, network: str | Path | DualBranchNet = "crossvit", *,
                 datatype: str = SYSTEM_DEFAULTS["datatype"], clock_mhz: float = SYSTEM_DEFAULTS["clock_mhz"],
                 dram: str = SYSTEM_DEFAULTS["dram"], pe_budget: int = SYSTEM_DEFAULTS["pe_budget"],
                 area_budget_mm2: float = SYSTEM_DEFAULTS["area_budget_mm2"]) -> None:
        if datatype not in DATATYPES:
            raise SpecError(f"got {datatype!r}; allowed: {list(DATATYPES)}", "datatype")
        if dram not in INTERFACES:
            raise SpecError(f"got {dram!r}; allowed: {list(INTERFACES)}", "dram")
        for name, v in (("clock_mhz", clock_mhz), ("pe_budget", pe_budget), ("area_budget_mm2", area_budget_mm2)):
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not v > 0:
                raise SpecError(f"must be a positive number, got {v!r}", name)
        try:
            voltage_for(float(clock_mhz))
        except ValueError:
            raise SpecError(f"{clock_mhz} MHz is above the 45 nm maximum of {f_max_mhz(V_MAX):.0f} MHz at "
                            f"{V_MAX} V", "clock_mhz") from None
        self.net = get_network(network)
        self.space = dualbranch_space()
        self.metrics = METRICS
        self.system = {"datatype": datatype, "clock_mhz": float(clock_mhz), "dram": dram,
                       "pe_budget": pe_budget, "area_budget_mm2": float(area_budget_mm2)}
        levels = np.array(self.space["acc1_rows"].levels, dtype=np.int64)
        self.model = DualBranchModel(self.net, levels, levels, **self.system)
        names = self.space.names
        self.agent_groups = {"per_branch": {
            "branch_a": [n for n in names if n.startswith("acc1_")],
            "branch_b": [n for n in names if n.startswith("acc2_")],
            "system": ["bw_share_acc1", "fusion_on"],
        }}

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        return self.model.evaluate(columns)

    def default_objective(self) -> dict[str, Any]:
        """Latency and energy at half the default (middle) design's values, inside the area and PE budgets."""
        ref = self.evaluate(self.space.default())
        return {
            "targets": {"latency_s": {"target": ref["latency_s"] / 2, "weight": 1.0},
                        "energy_pj": {"target": ref["energy_pj"] / 2, "weight": 1.0}},
            "constraints": {"area_mm2": {"max": self.system["area_budget_mm2"]},
                            "pe_count": {"max": float(self.system["pe_budget"])}},
        }

    def detail_report(self, design: Mapping[str, Any]) -> Any:
        """Per-layer and per-transfer timeline of one design (a pandas DataFrame).

        One row per branch layer, cross-tensor write/read and fusion layer, in the order of the critical-path
        model: ``stage, section, name, accelerator, template, macs, bytes, cycles, start_cycle, end_cycle``.
        The last ``end_cycle`` equals ``latency_cycles``.
        """
        from simulators.dualbranch.report import timeline

        return timeline(self, self.space.validate(design))


def make_env(network: str | Path | DualBranchNet = "crossvit", objective: Any = None,
             env_id: str = "archgym/DualBranch-v0", *, datatype: str = SYSTEM_DEFAULTS["datatype"],
             clock_mhz: float = SYSTEM_DEFAULTS["clock_mhz"], dram: str = SYSTEM_DEFAULTS["dram"],
             pe_budget: int = SYSTEM_DEFAULTS["pe_budget"],
             area_budget_mm2: float = SYSTEM_DEFAULTS["area_budget_mm2"], **env_kwargs: Any) -> DesignEnv:
    """Entry point of ``archgym/DualBranch-v0`` (default network: ``crossvit``).

    The default objective targets half the middle design's latency and energy, with the area and PE budgets as
    constraints (:meth:`DualBranchSimulator.default_objective`).
    """
    sim = DualBranchSimulator(network, datatype=datatype, clock_mhz=clock_mhz, dram=dram,
                              pe_budget=pe_budget, area_budget_mm2=area_budget_mm2)
    return DesignEnv.build(sim, objective, sim.default_objective(), env_id=env_id, **env_kwargs)
