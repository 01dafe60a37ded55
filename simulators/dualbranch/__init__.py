"""Dual-branch network mapping onto two heterogeneous sub-accelerators (``archgym/DualBranch-v0``, NASAIC-style).

Reuses the accelerator simulator's cycle, DRAM, energy and area model (:mod:`simulators.accelerator`). Modules:
``networks`` (the :class:`DualBranchNet` type and catalogue), ``spec`` (YAML loader, ``get_network``), ``templates`` (WS / OS /
RS dataflow templates; RS is a documented approximation), ``model`` (critical path, energy, area, budgets),
``report`` (timeline), ``simulator`` (:class:`DualBranchSimulator`, ``make_env``), ``baseline`` (the
single-accelerator baseline).
"""

from simulators.dualbranch.baseline import SingleAcceleratorBaseline
from simulators.dualbranch.networks import (
    NETWORKS,
    CrossTensor,
    DualBranchNet,
    Stage,
    crossvit,
    dynamic_perceiver,
    two_stream,
)
from simulators.dualbranch.simulator import (
    METRICS,
    SYSTEM_DEFAULTS,
    DualBranchSimulator,
    dualbranch_space,
    make_env,
)
from simulators.dualbranch.spec import get_network, load_network_yaml
from simulators.dualbranch.templates import TEMPLATES

__all__ = [
    "METRICS",
    "NETWORKS",
    "SYSTEM_DEFAULTS",
    "TEMPLATES",
    "CrossTensor",
    "DualBranchNet",
    "DualBranchSimulator",
    "SingleAcceleratorBaseline",
    "Stage",
    "crossvit",
    "dualbranch_space",
    "dynamic_perceiver",
    "get_network",
    "load_network_yaml",
    "make_env",
    "two_stream",
]
