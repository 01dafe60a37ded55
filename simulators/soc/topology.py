"""Decoding a design row into FARSI blocks: PEs and their rates, memories, buses and FARSI's bus pruning.

Memory 0 sits on bus 0, memory 1 on the bus the design picks; every PE picks a bus. Like FARSI's
``HardwareGraph.prune_unnecessary_nodes``, a bus without a PE or without a memory is merged into the other one
(the surviving bus keeps its own width and clock), so every design point is a valid FARSI topology.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.soc.layout import (
    B_AREA,
    C_BUS,
    C_CLOCK,
    C_MEM,
    C_PE,
    C_UNROLL,
    G_BUS_CLOCK,
    G_BUS_WIDTH,
    G_CORE_BUS,
    G_MEM1_BUS,
    G_MEM_CLOCK,
    G_MEM_WIDTH,
    K_A53_AREA,
    K_A53_RATE,
    K_A53_WOE,
    K_BUS_FREQ,
    K_IP_FREQ,
    K_KEEP_CORE0,
    K_MEM_FREQ,
    N_CORES,
    TASK_COLS,
)


@njit(cache=True, nogil=True)
def decode(real, tf, consts, row, g, blocks):
    """Blocks of one design; PE areas go to ``blocks[:, B_AREA]``.

    Returns:
        ``(task_pe, task_mem, pe_rate, pe_woe, pe_on, pe_bus, mem_on, mem_bus, mem_bw, bus_bw, n_bus, survivor)``:
        per task its PE (0..2 cores, 3 + t the IP of task t) and memory, the task's instruction rate and
        instructions per joule on that PE; per PE whether it exists and its bus; per memory whether it exists, its
        bus and peak B/s; per bus its peak B/s; the number of buses and, with one, which bus survived.
    """
    T = real.shape[0]
    n_pe = N_CORES + T
    instr = tf[:, 0]
    task_pe = np.zeros(T, np.int64)
    task_mem = np.zeros(T, np.int64)
    pe_rate = np.empty(T)
    pe_woe = np.empty(T)
    pe_bus = np.zeros(n_pe, np.int64)
    pe_on = np.zeros(n_pe, np.bool_)
    pe_on[0] = True  # core0 runs the dummy source and sink tasks
    core0_real = False
    for t in range(T):
        r = real[t]
        pe_rate[t], pe_woe[t] = consts[K_A53_RATE], consts[K_A53_WOE]
        if r < 0:
            continue
        c = row[r * TASK_COLS + C_PE]
        task_mem[t] = row[r * TASK_COLS + C_MEM]
        if c < N_CORES:
            task_pe[t] = c
            pe_on[c] = True
            core0_real = core0_real or c == 0
        else:
            p = N_CORES + t
            task_pe[t], pe_on[p] = p, True
            u, f = row[r * TASK_COLS + C_UNROLL], row[r * TASK_COLS + C_CLOCK]
            pe_rate[t] = f * u * instr[t] / (tf[t, 1] / consts[K_IP_FREQ])
            pe_woe[t] = instr[t] / (tf[t, 2] * u)
            blocks[p, B_AREA] = tf[t, 3] * u
            pe_bus[p] = row[r * TASK_COLS + C_BUS]
    for c in range(N_CORES):
        pe_bus[c] = row[g + G_CORE_BUS + c]
        if pe_on[c]:
            blocks[c, B_AREA] = consts[K_A53_AREA]
    if not core0_real and consts[K_KEEP_CORE0] == 0.0:
        blocks[0, B_AREA] = 0.0  # Block.only_dummy_tasks: hosts only souurce / siink
    mem_on = np.zeros(2, np.bool_)
    mem_on[0] = True
    for t in range(T):
        if task_mem[t] == 1:
            mem_on[1] = True
    mem_bus = np.zeros(2, np.int64)
    mem_bus[1] = row[g + G_MEM1_BUS]
    mem_bw = np.empty(2)
    bus_bw = np.empty(2)
    for m in range(2):
        mem_bw[m] = row[g + G_MEM_WIDTH + m] * consts[K_MEM_FREQ] * row[g + G_MEM_CLOCK + m]
        bus_bw[m] = row[g + G_BUS_WIDTH + m] * consts[K_BUS_FREQ] * row[g + G_BUS_CLOCK + m]
    has_pe = np.zeros(2, np.bool_)
    has_mem = np.zeros(2, np.bool_)
    for p in range(n_pe):
        if pe_on[p]:
            has_pe[pe_bus[p]] = True
    for m in range(2):
        if mem_on[m]:
            has_mem[mem_bus[m]] = True
    n_bus, survivor = 2, -1
    if not (has_pe[0] and has_mem[0] and has_pe[1] and has_mem[1]):
        n_bus = 1
        survivor = 1 if (has_pe[1] and has_mem[1] and not (has_pe[0] and has_mem[0])) else 0
        pe_bus[:] = survivor
        mem_bus[:] = survivor
    return task_pe, task_mem, pe_rate, pe_woe, pe_on, pe_bus, mem_on, mem_bus, mem_bw, bus_bw, n_bus, survivor


@njit(cache=True, nogil=True)
def traffic(par_ptr, par_src, par_f, ch_wu, tf, task_mem):
    """Bytes and work units per (direction 0 read / 1 write, task, memory)."""
    T = task_mem.shape[0]
    byt = np.zeros((2, T, 2))
    wu = np.zeros((2, T, 2))
    for t in range(T):
        for e in range(par_ptr[t], par_ptr[t + 1]):
            m = task_mem[par_src[e]]
            byt[0, t, m] += par_f[e, 0]
            wu[0, t, m] += par_f[e, 1]
        byt[1, t, task_mem[t]] = tf[t, 4]
        wu[1, t, task_mem[t]] = ch_wu[t]
    return byt, wu
