"""After the phase loop: memory sizes and CACTI figures, phase energies, FARSI's windowed power, area, metrics.

* **Energy** (dynamic only, FARSI ``DPStats.calc_SOC_energy``): PE instructions / (instructions per joule), memory
  bytes read / written times the CACTI J/B at the memory's final size, buses 0.
* **Power** (FARSI ``calc_SOC_power``): the maximum over 10 ms windows built by ``slice_phases_with_PWP``, zero-
  length phases not advancing the window index (reproduced as is: not an average power).
* **Area**: A53 0.65 mm^2 (0 when it hosts only ``souurce``/``siink``), IP ``0.0374 x unroll x area``, memory the
  CACTI area at its size, bus 0.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.soc.cacti import cacti_lookup, cacti_size
from simulators.soc.layout import (
    B_AREA,
    B_BUS,
    B_ENERGY,
    B_EXISTS,
    B_PEAK,
    B_READ,
    B_RJ,
    B_SIZE,
    B_WJ,
    B_WRITE,
    N_CORES,
    P_ENERGY,
    P_LEN,
    P_READ0,
    P_WRITE0,
    T_END,
)

POWER_WINDOW_S = 0.01  # FARSI config.PCP


@njit(cache=True, nogil=True)
def windowed_power(phases, n_ph):
    """FARSI ``calc_SOC_power`` over ``slice_phases_with_PWP`` windows (``config.PCP`` = 10 ms), verbatim.

    Zero-length phases are skipped without advancing the window index, so windows shift by the number of zero
    phases seen so far and the phase that closes a window usually falls outside it (FARSI's behaviour).
    """
    lo = up = 0
    budget = POWER_WINDOW_S
    starts = np.empty(n_ph + 2, np.int64)
    ends = np.empty(n_ph + 2, np.int64)
    n_win = 0
    for i in range(n_ph):
        length = phases[i, P_LEN]
        if length == 0.0:
            continue
        if length > budget:
            budget = POWER_WINDOW_S
            starts[n_win], ends[n_win] = lo, up + 1
            n_win += 1
            lo = up + 1
        else:
            budget -= length
        up += 1
    if n_win == 0:
        starts[0], ends[0] = 0, n_ph
        n_win = 1
    elif ends[n_win - 1] != n_ph:
        starts[n_win], ends[n_win] = ends[n_win - 1], n_ph
        n_win += 1
    best = 0.0
    for w in range(n_win):
        sl = se = 0.0
        for i in range(starts[w], min(ends[w], n_ph)):
            sl += phases[i, P_LEN]
            se += phases[i, P_ENERGY]
        best = max(best, se / sl if sl > 0.0 else 0.0)
    return best


@njit(cache=True, nogil=True)
def account(phases, n_ph, tasks, blocks, pe_on, pe_bus, mem_on, mem_bus, mem_kind, mem_peak, n_bus, survivor,
            last, cacti_ptr, cacti_rows, metrics):
    """Fill the memory and bus rows of ``blocks``, turn ``phases[:, P_ENERGY]`` into total energy, fill ``metrics``."""
    n_pe = pe_on.shape[0]
    cacti = np.empty(3)
    mem_area = mem_bytes = 0.0
    for m in range(2):
        r = n_pe + m
        blocks[r, B_EXISTS], blocks[r, B_BUS] = mem_on[m], mem_bus[m]
        if not mem_on[m]:
            continue
        size = cacti_size(mem_peak[m])
        cacti_lookup(cacti_ptr, cacti_rows, mem_kind[m], size, cacti)
        blocks[r, B_PEAK], blocks[r, B_SIZE] = np.ceil(mem_peak[m]), size
        blocks[r, B_RJ], blocks[r, B_WJ], blocks[r, B_AREA] = cacti[0], cacti[1], cacti[2]
        mem_area += cacti[2]
        mem_bytes += size
    energy = 0.0
    for i in range(n_ph):
        e = phases[i, P_ENERGY]
        for m in range(2):
            r = n_pe + m
            em = phases[i, P_READ0 + m] * blocks[r, B_RJ] + phases[i, P_WRITE0 + m] * blocks[r, B_WJ]
            blocks[r, B_READ] += phases[i, P_READ0 + m]
            blocks[r, B_WRITE] += phases[i, P_WRITE0 + m]
            blocks[r, B_ENERGY] += em
            e += em
        phases[i, P_ENERGY] = e
        energy += e
    for b in range(2):
        blocks[n_pe + 2 + b, B_EXISTS] = (n_bus == 2) or b == survivor
        blocks[n_pe + 2 + b, B_BUS] = b
    pe_area = 0.0
    n_cores = n_ips = 0
    for p in range(n_pe):
        blocks[p, B_EXISTS], blocks[p, B_BUS] = pe_on[p], pe_bus[p]
        if pe_on[p]:
            pe_area += blocks[p, B_AREA]
            if p < N_CORES:
                n_cores += 1
            else:
                n_ips += 1
    latency = tasks[last, T_END]
    metrics[0], metrics[1], metrics[2] = latency, windowed_power(phases, n_ph), energy
    metrics[3], metrics[4] = pe_area + mem_area, energy / latency if latency > 0 else 0.0
    metrics[5], metrics[6], metrics[7], metrics[8], metrics[9] = pe_area, mem_area, mem_bytes, n_cores, n_ips
