"""Systolic-array DNN accelerator simulator (``archgym/Accelerator-v0``).

SCALE-Sim-3-exact compute cycles and SRAM accesses; a DRAM reuse and stall model checked against SCALE-Sim's DRAM
counts; costs without free lunches: a clock that sets the supply voltage, a DRAM interface that costs energy,
background power and PHY area, a datatype fixed by the workload, and areas calibrated to silicon. Modules:
``workloads`` (layers with padding), ``topology_csv`` (SCALE-Sim CSV loaders), ``networks`` (built-ins), ``dataflow`` (SCALE-Sim folds), ``model``
(DRAM, stalls, energy, area), ``costs`` (datatypes, PEs, SRAM), ``sram_table`` (CACTI 7 data),
``technology`` (voltage/frequency, leakage, node scaling), ``dram_interface``, ``calibration`` (layout factor;
Eyeriss, TPU v1), ``report``, ``scalesim_cfg``, ``simulator``.
"""

from simulators.accelerator.costs import DATATYPES, Datatype, get_datatype
from simulators.accelerator.dataflow import DATAFLOWS
from simulators.accelerator.dram_interface import INTERFACES, DramInterface, get_interface
from simulators.accelerator.networks import (
    BUILTIN_WORKLOADS,
    bert_base_encoder,
    get_workload,
    mobilenet_v2,
    resnet18,
    resnet18_scalesim,
)
from simulators.accelerator.scalesim_cfg import read_scalesim_cfg
from simulators.accelerator.simulator import (
    CLOCK_LEVELS_MHZ,
    DEFAULT_OBJECTIVE,
    METRICS,
    AcceleratorSimulator,
    accelerator_space,
    make_env,
)
from simulators.accelerator.topology_csv import load_gemm_csv, load_topology_csv, load_workload_csv
from simulators.accelerator.workloads import Layer, Workload

__all__ = [
    "BUILTIN_WORKLOADS",
    "CLOCK_LEVELS_MHZ",
    "DATAFLOWS",
    "DATATYPES",
    "DEFAULT_OBJECTIVE",
    "INTERFACES",
    "METRICS",
    "AcceleratorSimulator",
    "Datatype",
    "DramInterface",
    "Layer",
    "Workload",
    "accelerator_space",
    "bert_base_encoder",
    "get_datatype",
    "get_interface",
    "get_workload",
    "load_gemm_csv",
    "load_topology_csv",
    "load_workload_csv",
    "make_env",
    "mobilenet_v2",
    "read_scalesim_cfg",
    "resnet18",
    "resnet18_scalesim",
]
