"""`AcceleratorSimulator` and the entry point of ``archgym/Accelerator-v0``.

**Landscape.** Every parameter trades: bigger arrays and SRAMs cost area, leakage and energy per access; a faster
clock needs a higher voltage; a wider DRAM interface costs background power and PHY area; each dataflow wins on
some layers. ``experiments/bench/bench_accelerator.py`` checks it on 20,000 random designs per built-in workload:
no value of any parameter is never worse than the others. What the check does find, by physics: SRAM sizes
above (or between) a workload's working sets buy nothing -- ResNet-18's largest ifmap is 200,704 words, which a
512 KiB SRAM holds, so 1-4 MiB ifmap SRAMs only add area and energy on ResNet-18 (BERT's operands are 16 K, 98 K
and 393 K words, so 128 KiB holds nothing 64 KiB does not). The space is the same for every workload.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archgym_lite.core.env import DesignEnv
from archgym_lite.core.simulator import Metric, MetricTable, Simulator
from archgym_lite.core.space import CategoricalParam, Columns, Design, DesignSpace, IntListParam, Pow2Param
from simulators.accelerator.costs import Datatype, get_datatype
from simulators.accelerator.dataflow import DATAFLOWS
from simulators.accelerator.dram_interface import INTERFACES
from simulators.accelerator.model import ScalarModel, evaluate_columns
from simulators.accelerator.networks import get_workload
from simulators.accelerator.workloads import Workload

#: Clock levels (MHz): each needs its own supply voltage between 0.6 and 1.0 V (see ``technology.py``).
CLOCK_LEVELS_MHZ = (800, 1000, 1200, 1400, 1550)

#: Default reward: ResNet-18 (int8) in 2 ms and 5 mJ inside a 25 mm^2 area budget (45 nm, DRAM PHY included: a
#: mobile-class accelerator, a few mm^2 in a 7 nm node). A third of random designs meet the budget; among those, 4%
#: meet the latency target, 10% the energy target and 1.8% both (``bench_accelerator.py`` prints this), so reaching
#: them takes real search.
DEFAULT_OBJECTIVE = {
    "targets": {"latency_s": {"target": 2.0e-3, "weight": 1.0}, "energy_pj": {"target": 5.0e9, "weight": 1.0}},
    "constraints": {"area_mm2": {"max": 25.0}},
}

METRICS = (
    Metric("latency_cycles", "cycles", True, "total cycles: compute (SCALE-Sim 3) + DRAM stalls, all layers"),
    Metric("latency_s", "s", True, "latency_cycles / clock"),
    Metric("energy_pj", "pJ", True, "MAC + SRAM (at the clock's voltage) + leakage + DRAM (see model.py)"),
    Metric("area_mm2", "mm^2", True, "45 nm: layout factor x (PE cells + SRAM macros) + DRAM PHY"),
    Metric("edp_js", "J*s", True, "energy-delay product"),
    Metric("utilisation", "", False, "MACs / (latency_cycles * rows * cols)"),
    Metric("dram_bytes", "B", True, "DRAM traffic (reads + writes) under the reuse model"),
    Metric("dram_energy_pj", "pJ", True, "the DRAM part of energy_pj: per-byte energy + background power x time"),
)


def accelerator_space() -> DesignSpace:
    """The accelerator design space (7 x 7 x 3 x 9^3 x 5 x 5 = 2.7 million designs)."""
    return DesignSpace([
        Pow2Param("array_rows", 4, 256, description="systolic array rows (R)"),
        Pow2Param("array_cols", 4, 256, description="systolic array columns (C)"),
        CategoricalParam("dataflow", DATAFLOWS, description="output / weight / input stationary"),
        Pow2Param("ifmap_sram_kib", 16, 4096, "KiB", "ifmap SRAM (double buffered)"),
        Pow2Param("filter_sram_kib", 16, 4096, "KiB", "filter SRAM (double buffered)"),
        Pow2Param("ofmap_sram_kib", 16, 4096, "KiB", "ofmap SRAM (double buffered, accumulates partial sums)"),
        CategoricalParam("dram", tuple(INTERFACES), description="DRAM interface: part, data width (channels)"),
        IntListParam("clock_mhz", CLOCK_LEVELS_MHZ, "MHz", "accelerator clock (sets the supply voltage)"),
    ])


class AcceleratorSimulator(Simulator):
    """Systolic-array DNN accelerator: SCALE-Sim-3-exact compute cycles, DRAM traffic and stalls, energy, area.

    See :mod:`simulators.accelerator.model` for the formulas and :mod:`simulators.accelerator.costs`,
    :mod:`~simulators.accelerator.technology` and :mod:`~simulators.accelerator.dram_interface` for the costs.

    Args:
        workload: A built-in name (``resnet18``, ``resnet18_scalesim``, ``mobilenet_v2``, ``bert_base_encoder``),
            a SCALE-Sim topology or GEMM CSV path, or a :class:`Workload`.
        datatype: What the network was trained/quantised for: ``int8`` (default), ``int16``, ``fp16``, ``bf16``.
    """

    def __init__(self, workload: str | Path | Workload = "resnet18", datatype: str | Datatype = "int8") -> None:
        self.workload = get_workload(workload)
        self.datatype = get_datatype(datatype)
        self.space = accelerator_space()
        self.metrics = METRICS
        self._scalar = ScalarModel(self.workload, self.datatype)

    def _evaluate(self, design: Design) -> dict[str, float]:
        return self._scalar.evaluate(design)

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        return evaluate_columns(self.workload, self.datatype, columns)

    def detail_report(self, design: Mapping[str, Any]) -> Any:
        """Per-layer table like SCALE-Sim's COMPUTE_REPORT + DETAILED_ACCESS_REPORT (a pandas DataFrame).

        Columns: layer geometry, ``Sr/Sc/T`` and folds, ``compute_cycles`` (SCALE-Sim "Total Cycles"),
        ``stall_cycles``, ``total_cycles``, SCALE-Sim's utilisation percentages, SRAM reads/writes per operand
        (words, SCALE-Sim semantics), DRAM words per operand (ofmap written and read back) and the layer's energy.
        """
        from simulators.accelerator.report import detail_frame

        return detail_frame(self.workload, self.datatype, self.space.validate(design))


def make_env(workload: str | Path | Workload = "resnet18", objective: Any = None,
             env_id: str = "archgym/Accelerator-v0", datatype: str = "int8", **env_kwargs: Any) -> DesignEnv:
    """Entry point of ``archgym/Accelerator-v0``: the accelerator on ``workload`` (default ResNet-18, int8)."""
    return DesignEnv.build(AcceleratorSimulator(workload, datatype), objective, DEFAULT_OBJECTIVE, env_id=env_id,
                           **env_kwargs)
