"""`AcceleratorSimulator` and the entry point of ``archgym/Accelerator-v0``."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archgym_lite.core.env import DesignEnv
from archgym_lite.core.simulator import Metric, MetricTable, Simulator
from archgym_lite.core.space import CategoricalParam, Columns, Design, DesignSpace, IntListParam, Pow2Param
from simulators.accelerator.costs import WORD_SIZES
from simulators.accelerator.model import DATAFLOWS, ScalarModel, evaluate_columns
from simulators.accelerator.networks import get_workload
from simulators.accelerator.workloads import Workload

#: Default reward: the workload (ResNet-18) in 1 ms and 5 mJ, inside a 6 mm^2 area budget (45 nm). Both targets sit
#: near the best 5% of random designs that meet the area budget; reaching them takes real search.
DEFAULT_OBJECTIVE = {
    "targets": {"latency_s": {"target": 1e-3, "weight": 1.0}, "energy_pj": {"target": 5e9, "weight": 1.0}},
    "constraints": {"area_mm2": {"max": 6.0}},
}

METRICS = (
    Metric("latency_cycles", "cycles", True, "total cycles: compute (SCALE-Sim 3) + DRAM stalls, all layers"),
    Metric("latency_s", "s", True, "latency_cycles / clock"),
    Metric("energy_pj", "pJ", True, "MAC + SRAM + DRAM energy (45 nm constants, see costs.py)"),
    Metric("area_mm2", "mm^2", True, "PE array + the three SRAMs"),
    Metric("edp_js", "J*s", True, "energy-delay product"),
    Metric("utilisation", "", False, "MACs / (latency_cycles * rows * cols)"),
    Metric("dram_bytes", "B", True, "DRAM traffic (reads + writes) under the reuse model"),
)


def accelerator_space() -> DesignSpace:
    """The accelerator design space (about 7.5 million designs)."""
    return DesignSpace([
        Pow2Param("array_rows", 4, 256, description="systolic array rows (R)"),
        Pow2Param("array_cols", 4, 256, description="systolic array columns (C)"),
        CategoricalParam("dataflow", DATAFLOWS, description="output / weight / input stationary"),
        Pow2Param("ifmap_sram_kib", 16, 4096, "KiB", "ifmap SRAM (double buffered)"),
        Pow2Param("filter_sram_kib", 16, 4096, "KiB", "filter SRAM (double buffered)"),
        Pow2Param("ofmap_sram_kib", 16, 4096, "KiB", "ofmap SRAM (double buffered)"),
        Pow2Param("dram_bw", 4, 128, "bytes/cycle", "DRAM bandwidth per accelerator cycle"),
        IntListParam("word_bytes", WORD_SIZES, "B", "operand word: 1 = int8, 2 = fp16, 4 = fp32"),
        IntListParam("clock_mhz", (200, 400, 600, 800, 1000, 1200, 1400), "MHz", "accelerator clock"),
    ])


class AcceleratorSimulator(Simulator):
    """Systolic-array DNN accelerator: SCALE-Sim-3-exact compute cycles, DRAM stalls, energy and area.

    See :mod:`simulators.accelerator.model` for the formulas and the DRAM reuse model and
    :mod:`simulators.accelerator.costs` for the energy/area constants and their sources.

    Args:
        workload: A built-in name (``resnet18``, ``mobilenet_v2``, ``bert_base_encoder``), a SCALE-Sim topology or
            GEMM CSV path, or a :class:`Workload`.
    """

    def __init__(self, workload: str | Path | Workload = "resnet18") -> None:
        self.workload = get_workload(workload)
        self.space = accelerator_space()
        self.metrics = METRICS
        self._scalar = ScalarModel(self.workload)

    def _evaluate(self, design: Design) -> dict[str, float]:
        return self._scalar.evaluate(design)

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        return evaluate_columns(self.workload, columns)

    def detail_report(self, design: Mapping[str, Any]) -> Any:
        """Per-layer table like SCALE-Sim's COMPUTE_REPORT + DETAILED_ACCESS_REPORT (a pandas DataFrame).

        Columns: layer geometry, ``Sr/Sc/T`` and folds, ``compute_cycles`` (SCALE-Sim "Total Cycles"),
        ``stall_cycles``, ``total_cycles``, SCALE-Sim's utilisation percentages, SRAM reads/writes per operand
        (words, SCALE-Sim semantics), DRAM bytes per operand and the layer's energy.
        """
        from simulators.accelerator.report import detail_frame

        return detail_frame(self.workload, self.space.validate(design))


def make_env(workload: str | Path | Workload = "resnet18", objective: Any = None,
             env_id: str = "archgym/Accelerator-v0", **env_kwargs: Any) -> DesignEnv:
    """Entry point of ``archgym/Accelerator-v0``: the accelerator on ``workload`` (default ResNet-18)."""
    return DesignEnv.build(AcceleratorSimulator(workload), objective, DEFAULT_OBJECTIVE, env_id=env_id,
                           **env_kwargs)
