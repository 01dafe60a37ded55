"""AR/VR SoC design (``archgym/SoC-v0``): FARSI's SoC model, re-implemented exactly and compiled with numba.

FARSI (Facebook's pre-RTL SoC explorer, MIT) is the simulator behind ArchGym's third domain. This package
reproduces its phase-driven simulation (latency, FARSI's windowed power, energy, area, memory sizing) on its own
CSV database of three AR/VR workloads (``audio_decoder``, ``edge_detection``, ``hpvm_cava``), shipped in ``data/``
with FARSI's licence. Modules: ``database`` and ``farsi_csv`` (FARSI-format CSV loader), ``cacti`` (memory energy/area table
and its interpolation rule), ``space`` (the typed design space and its integer encoding), ``layout`` (array
layouts), ``topology`` (design row -> blocks, FARSI's bus pruning), ``kernel`` (the numba phase simulation: the
model's rules are stated there), ``accounting`` (energy, FARSI's windowed power, area), ``model`` (arrays, single /
batch / detailed runs), ``neutral`` (the neutral design encoding of FARSI's reference data), ``report`` (timeline
and utilisation), ``simulator`` (:class:`SoCSimulator`, ``make_env``).
"""

from simulators.soc.database import WORKLOADS, BlockLibrary, Workload, available_workloads, load_workload
from simulators.soc.simulator import METRICS, SoCSimulator, make_env

__all__ = ["METRICS", "WORKLOADS", "BlockLibrary", "SoCSimulator", "Workload", "available_workloads",
           "load_workload", "make_env"]
