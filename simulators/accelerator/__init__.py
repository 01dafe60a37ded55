"""Systolic-array DNN accelerator simulator (``archgym/Accelerator-v0``).

SCALE-Sim-3-exact compute cycles and SRAM accesses, a documented DRAM reuse and stall model, 45 nm energy and area
constants with their sources, built-in networks (ResNet-18, MobileNetV2, a BERT-base encoder layer) and SCALE-Sim
topology / GEMM CSV and ``.cfg`` loaders. Modules: ``workloads`` (layers, CSV), ``networks`` (built-ins),
``costs`` (constants), ``model`` (vectorised maths), ``report`` (per-layer table), ``scalesim_cfg``, ``simulator``.
"""

from simulators.accelerator.model import DATAFLOWS
from simulators.accelerator.networks import (
    BUILTIN_WORKLOADS,
    bert_base_encoder,
    get_workload,
    mobilenet_v2,
    resnet18,
)
from simulators.accelerator.scalesim_cfg import read_scalesim_cfg
from simulators.accelerator.simulator import (
    DEFAULT_OBJECTIVE,
    METRICS,
    AcceleratorSimulator,
    accelerator_space,
    make_env,
)
from simulators.accelerator.workloads import (
    Layer,
    Workload,
    load_gemm_csv,
    load_topology_csv,
    load_workload_csv,
)

__all__ = [
    "BUILTIN_WORKLOADS",
    "DATAFLOWS",
    "DEFAULT_OBJECTIVE",
    "METRICS",
    "AcceleratorSimulator",
    "Layer",
    "Workload",
    "accelerator_space",
    "bert_base_encoder",
    "get_workload",
    "load_gemm_csv",
    "load_topology_csv",
    "load_workload_csv",
    "make_env",
    "mobilenet_v2",
    "read_scalesim_cfg",
    "resnet18",
]
