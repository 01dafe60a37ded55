"""`SoCModel`: one workload's arrays for the numba kernel, single / batch evaluation and full per-run detail.

Constants and their sources (FARSI ``specs/parse_libraries/parse_library.py`` ``parse_hardware_library`` and
ArchGym's FARSI settings):

* A53: peak ``IPC x Freq`` = 2e9 instructions/s, 47 019 607 843 instructions/J, 0.65 mm^2 (Block Characteristics).
* IP of task t with unroll u and clock multiplier f: rate ``f x u x work_t / (IP_cycles_t / 100 MHz)``, energy per
  run ``0.064 x u x IP_energy_t [fJ]``, area ``0.0374 x u x IP_area_t [um^2]``; 0.064 and 0.0374 are ArchGym's
  ``tech_node_SF`` (energy ``non_gpp``, area ``non_mem``).
* Memory and bus peak bandwidth: ``width x 100 MHz x f`` bytes/s per direction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from simulators.soc import kernel as K
from simulators.soc import layout as L
from simulators.soc.cacti import load_table
from simulators.soc.database import Workload
from simulators.soc.space import Encoder, soc_space

_simulate: Any = K.simulate  # numba dispatchers (typed Any for mypy)
_simulate_batch: Any = K.simulate_batch
#: ArchGym's FARSI ``tech_node_SF``: energy scale of non-GPP blocks and area scale of non-memory blocks.
IP_ENERGY_SCALE = 0.064
IP_AREA_SCALE = 0.0374


@dataclass(frozen=True)
class RunDetail:
    """Everything one simulation produced (see :func:`simulators.soc.kernel.simulate` for the array layouts)."""

    metrics: np.ndarray
    tasks: np.ndarray
    phases: np.ndarray
    blocks: np.ndarray
    n_phases: int
    n_buses: int
    surviving_bus: int


class SoCModel:
    """The SoC cost model of one workload.

    Args:
        workload: A loaded :class:`~simulators.soc.database.Workload`.
        cacti_table: Path of an alternative CACTI table CSV (default: the shipped one).
    """

    def __init__(self, workload: Workload, cacti_table: Any = None) -> None:
        self.workload = workload
        self.space = soc_space(workload)
        self.encoder = Encoder(workload, self.space)
        self.cacti = load_table(cacti_table)
        self.args = self._arrays(workload) + self.cacti

    @staticmethod
    def _arrays(w: Workload) -> tuple[np.ndarray, ...]:
        T = len(w.tasks)
        instr = w.instructions
        kind = np.array([L.SOURCE if "souurce" in t else L.SINK if "siink" in t else L.OTHER_DUMMY if d else L.REAL
                         for t, d in zip(w.tasks, w.is_dummy, strict=True)], dtype=np.int64)
        real = np.cumsum(kind == L.REAL) - 1
        real[kind != L.REAL] = -1
        tf = np.zeros((T, 5))
        tf[:, 0] = instr
        tf[:, 1] = w.ip_cycles
        tf[:, 2] = IP_ENERGY_SCALE * w.ip_energy_fj * 1e-15
        tf[:, 3] = IP_AREA_SCALE * w.ip_area_um2 * 1e-6
        dice = {t: w.dice_factor(t) for t in w.tasks}
        par_ptr, par_src, par_f = [0], [], []
        ch_ptr, ch_dst, ch_wu = [0], [], np.zeros(T)
        for i, t in enumerate(w.tasks):
            for p, b in w.parents(t):
                par_src.append(w.index[p])
                par_f.append((b, int(b / dice[t])))
            par_ptr.append(len(par_src))
            for c, b in w.children(t):
                ch_dst.append(w.index[c])
                ch_wu[i] += int(b / dice[t])
                tf[i, 4] += b
            ch_ptr.append(len(ch_dst))
        lib = w.blocks
        consts = np.array([lib.a53_ipc * lib.a53_freq_hz, lib.a53_instr_per_j, lib.a53_area_mm2, lib.ip_freq_hz,
                           lib.mem_freq_hz, lib.bus_freq_hz, float(any(k == L.OTHER_DUMMY for k in kind)),
                           float(w.index[w.last_task])])
        i64 = np.int64
        return (kind, real, tf, np.array(par_ptr, i64), np.array(par_src, i64), np.array(par_f, float).reshape(-1, 2),
                np.array(ch_ptr, i64), np.array(ch_dst, i64), ch_wu, consts)

    def evaluate_row(self, row: np.ndarray) -> np.ndarray:
        """Metrics (``kernel.METRIC_NAMES`` order) of one encoded design."""
        out = np.empty((1, L.N_METRICS))
        _simulate_batch(*self.args, row.reshape(1, -1), out)
        return out[0]

    def evaluate_rows(self, rows: np.ndarray) -> np.ndarray:
        """Metrics of an ``(n, n_cols)`` design matrix, ``(n, N_METRICS)``."""
        out = np.empty((rows.shape[0], L.N_METRICS))
        _simulate_batch(*self.args, np.ascontiguousarray(rows, dtype=np.int64), out)
        return out

    def run(self, row: np.ndarray) -> RunDetail:
        """Simulate one encoded design and keep the per-task, per-phase and per-block detail."""
        T = len(self.workload.tasks)
        metrics = np.empty(L.N_METRICS)
        tasks = np.empty((T, L.N_TCOLS))
        phases = np.empty((T + 2, L.N_PCOLS))
        blocks = np.empty((L.N_CORES + T + 4, L.N_BCOLS))
        info = np.empty(3, np.int64)
        _simulate(*self.args, np.asarray(row, dtype=np.int64), metrics, tasks, phases, blocks, info)
        n = int(info[0])
        return RunDetail(metrics, tasks, phases[:n].copy(), blocks, n, int(info[1]), int(info[2]))
