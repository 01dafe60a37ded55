"""Trace-driven DDR4/LPDDR4 memory-controller simulator with DRAMSys's knobs and DRAMPower-style energy.

The controller is DRAMSys 5's architecture (bank machines, schedulers, command multiplexer, refresh and
power-down managers, response queue, arbiters), event-driven and JEDEC-exact; it is checked against the real
DRAMSys 5 + DRAMPower (``tests/test_dram_dramsys.py``, reference runs in ``experiments/reference/``) and by an
independent JEDEC replay (``tests/test_dram_jedec.py``).

``archgym/DRAM-v0`` is :func:`make_env`. See :mod:`simulators.dram.controller` for the controller model,
:mod:`simulators.dram.timing` for the timing rules, :mod:`simulators.dram.energy` for the energy model and
:mod:`simulators.dram.traces` for traces.
"""

from simulators.dram.config import knob_space, read_mcconfig
from simulators.dram.controller import CMD_NAMES
from simulators.dram.devices import BUILTIN_DEVICES, DeviceSpec, get_device, load_memspec
from simulators.dram.mapping import AddressMapping, get_mapping
from simulators.dram.simulator import (
    DEFAULT_N_REQUESTS,
    DEFAULT_OBJECTIVE,
    DEFAULT_TRACE,
    ENERGY_OBJECTIVE,
    METRICS,
    OBJECTIVES,
    DRAMSimulator,
    make_env,
)
from simulators.dram.traces import GENERATORS, Trace, generate, load_dramsim3, load_stl, load_trace

__all__ = [
    "BUILTIN_DEVICES", "CMD_NAMES", "DEFAULT_N_REQUESTS", "DEFAULT_OBJECTIVE", "DEFAULT_TRACE", "ENERGY_OBJECTIVE", "GENERATORS", "METRICS", "OBJECTIVES",
    "AddressMapping", "DRAMSimulator", "DeviceSpec", "Trace", "generate", "get_device", "get_mapping",
    "knob_space", "load_dramsim3", "load_memspec", "load_stl", "load_trace", "make_env", "read_mcconfig",
]
