"""FARSI's phase-driven SoC simulation, compiled with numba (the loop over phases is inherently sequential).

The rules are FARSI's (``SIM_utils/components/perf_sim.py`` ``PerformanceSimulator``, ``design_utils/components/
krnel.py`` ``Kernel``), as written down in ``SEMANTICS.md`` of the reference data:

* **Phases.** A phase is the interval between consecutive kernel completions. Each step records the time since
  the previous step (the very first step, and steps in which only zero-time dummy tasks complete, record 0),
  advances every active kernel at its rate, completes kernels, frees memory, launches newly ready kernels and
  recomputes rates. The next step comes at ``clock + min over active kernels of (work left / rate)``.
* **Launch and PE serialisation.** A task is launched (its output buffer allocated) when all its parents have
  completed, scanning tasks in task-list order. Only one kernel per PE is active; candidates for a PE are taken
  in the order: kernels already active, kernels launched this step (task-list order), older waiting kernels.
* **Rates.** An active kernel runs at ``min`` over its blocks of: the PE's peak instructions/s; for each memory and
  bus it uses in each direction (read and write are independent channels with the full peak bandwidth),
  ``peak B/s x share / (bytes of this task through the block in that direction / task instructions)``. Shares:
  a memory behind one bus link is split in proportion to the active kernels' *work units* on that link; a bus
  splits each (direction, outgoing link) cluster equally between its active incoming links (PE links, bridge link),
  and a bridge link is split by work units among the kernels crossing it.
* **99 % rule.** A kernel completes when >= 99 % of its instructions are done; the rest is dropped (no time, no
  energy). Dummy tasks complete at once.
* **Memory.** A task's output bytes are allocated in its memory at launch (``souurce``: its row of the data-movement
  matrix, never freed) and released when all its children are in the simulator's completed list, after which
  those children leave that list (so a later parent of a multi-parent task may never be freed). The peak sets the
  CACTI size (:mod:`simulators.soc.cacti`).

Blocks come from :mod:`simulators.soc.topology`; energy, power and area from :mod:`simulators.soc.accounting`.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.soc.accounting import account
from simulators.soc.layout import (
    B_BUSY,
    B_ENERGY,
    B_READ,
    G_MEM_KIND,
    K_LAST,
    N_BCOLS,
    N_CORES,
    N_PCOLS,
    N_TCOLS,
    P_ENERGY,
    P_LEN,
    P_READ0,
    REAL,
    SOURCE,
    T_BUSY,
    T_END,
    T_ENERGY,
    T_LAUNCH,
    T_READ,
    T_START,
    TASK_COLS,
)
from simulators.soc.topology import decode, traffic

COMPLETION = 0.99  # Kernel.update_status


@njit(cache=True, nogil=True)
def simulate(kind, real, tf, par_ptr, par_src, par_f, ch_ptr, ch_dst, ch_wu, consts, cacti_ptr, cacti_rows, row,
             metrics, tasks, phases, blocks, info):
    """Simulate one design (``row``, the int64 design encoding) and fill the output arrays.

    Args:
        kind: Task kinds (REAL, SOURCE, SINK, OTHER_DUMMY), task-list order.
        real: Index of each task among the real tasks (-1 for dummies).
        tf: Per task ``[instructions, IP cycles at unroll 1, IP J per run per unroll, IP mm^2 per unroll,
            output bytes]``.
        par_ptr, par_src, par_f: Parents in CSR form (parent order), ``par_f[e] = [bytes, reader work units]``.
        ch_ptr, ch_dst: Children in CSR form.
        ch_wu: Per task, the writer's work units summed over its output edges.
        consts: Block constants (``layout.K_*``).
        cacti_ptr, cacti_rows: The CACTI table.
        row: The design.
        metrics: Output, ``layout.METRIC_NAMES`` order.
        tasks: Output ``(T, N_TCOLS)``: per-task timeline and traffic.
        phases: Output ``(T + 2, N_PCOLS)``: per phase its length, total energy and bytes per memory.
        blocks: Output ``(3 + T + 4, N_BCOLS)``: per block (cores, IP slots, memories, buses).
        info: Output ``[number of phases, number of buses, surviving bus when one]``.
    """
    T = kind.shape[0]
    n_pe = N_CORES + T
    g = (real.max() + 1) * TASK_COLS
    instr = tf[:, 0]
    blocks[:, :] = 0.0
    tasks[:, :] = 0.0
    phases[:, :] = 0.0
    task_pe, task_mem, pe_rate, pe_woe, pe_on, pe_bus, mem_on, mem_bus, mem_bw, bus_bw, n_bus, survivor = \
        decode(real, tf, consts, row, g, blocks)
    byt, wu = traffic(par_ptr, par_src, par_f, ch_wu, tf, task_mem)
    n_par = np.empty(T, np.int64)
    for t in range(T):
        n_par[t] = par_ptr[t + 1] - par_ptr[t]
        tasks[t, T_LAUNCH] = tasks[t, T_START] = tasks[t, T_END] = np.nan
    left = instr.copy()
    state = np.zeros(T, np.int64)  # 0 not launched, 1 launched, 2 completed
    par_done = np.zeros(T, np.int64)
    in_done_list = np.zeros(T, np.bool_)  # PerformanceSimulator.completed_kernels_for_memory_sizing
    finished = np.zeros(T, np.bool_)
    active = np.empty(T, np.int64)
    waiting = np.empty(T, np.int64)
    cand = np.empty(T, np.int64)
    pe_taken = np.zeros(n_pe, np.bool_)
    rate = np.zeros(T)
    mem_live = np.zeros(2)
    mem_peak = np.zeros(2)
    sum_mem = np.zeros((2, 2))
    sum_bridge = np.zeros((2, 2))
    n_in = np.zeros((2, 2, 3))  # (direction, bus, outgoing link: memory 0, memory 1, bridge)
    bridge_in = np.zeros((2, 2, 3), np.bool_)
    used = np.zeros(3, np.bool_)
    n_act = n_wait = n_ph = n_launched = 0
    clock = old = 0.0
    while True:
        # --- advance the active kernels over the phase that ends now (PerformanceSimulator.step) ----------
        step = clock - old
        phases[n_ph, P_LEN] = step
        for i in range(n_act):
            k = active[i]
            finished[k] = kind[k] != REAL
            if kind[k] != REAL:
                continue
            w = rate[k] * step
            left[k] -= w
            ew = w / pe_woe[k]
            p = task_pe[k]
            a = pe_bus[p]
            phases[n_ph, P_ENERGY] += ew
            blocks[p, B_ENERGY] += ew
            blocks[p, B_BUSY] += step
            tasks[k, T_ENERGY] += ew
            tasks[k, T_BUSY] += step
            for d in range(2):
                for m in range(2):
                    moved = w * (byt[d, k, m] / instr[k])
                    phases[n_ph, P_READ0 + 2 * d + m] += moved
                    tasks[k, T_READ + d] += moved
                    blocks[n_pe + 2 + a, B_READ + d] += moved
                    if mem_bus[m] != a:
                        blocks[n_pe + 2 + mem_bus[m], B_READ + d] += moved
            finished[k] = 1.0 - left[k] / instr[k] >= COMPLETION
        n_ph += 1
        # --- completions in active order: tokens, memory release (update_scheduled_kernel_list) ------------
        n_keep = 0
        for i in range(n_act):
            k = active[i]
            if not finished[k]:
                active[n_keep] = k
                n_keep += 1
                continue
            state[k] = 2
            tasks[k, T_END] = clock
            in_done_list[k] = True
            for e in range(ch_ptr[k], ch_ptr[k + 1]):
                par_done[ch_dst[e]] += 1
            for e in range(par_ptr[k], par_ptr[k + 1]):
                p = par_src[e]
                all_done = True
                for e2 in range(ch_ptr[p], ch_ptr[p + 1]):
                    all_done = all_done and in_done_list[ch_dst[e2]]
                if all_done:
                    if kind[p] != SOURCE:
                        mem_live[task_mem[p]] -= _alloc(kind[p], tf[p, 4])
                    for e2 in range(ch_ptr[p], ch_ptr[p + 1]):
                        in_done_list[ch_dst[e2]] = False
        n_act = n_keep
        # --- launches in task-list order (schedule_kernels_token_based) --------------------------------------
        n_new = 0
        for t in range(T):
            if state[t] == 0 and par_done[t] == n_par[t]:
                state[t] = 1
                n_launched += 1
                tasks[t, T_LAUNCH] = clock
                left[t] = instr[t]
                mem_live[task_mem[t]] += _alloc(kind[t], tf[t, 4])
                cand[n_act + n_new] = t
                n_new += 1
        for m in range(2):
            mem_peak[m] = max(mem_peak[m], mem_live[m])
        # --- one kernel per PE (serialize_DMA): active, then new, then older waiting kernels ----------------
        for i in range(n_act):
            cand[i] = active[i]
        for i in range(n_wait):
            cand[n_act + n_new + i] = waiting[i]
        n_cand = n_act + n_new + n_wait
        pe_taken[:] = False
        n_act = n_wait = 0
        for i in range(n_cand):
            k = cand[i]
            if pe_taken[task_pe[k]]:
                waiting[n_wait] = k
                n_wait += 1
            else:
                pe_taken[task_pe[k]] = True
                active[n_act] = k
                n_act += 1
                if np.isnan(tasks[k, T_START]):
                    tasks[k, T_START] = clock
        old = clock
        if n_act == 0 and n_launched == T:
            break
        # --- shares of memories, buses and the bridge among the active kernels ------------------------------
        sum_mem[:, :] = 0.0
        sum_bridge[:, :] = 0.0
        n_in[:, :, :] = 0.0
        bridge_in[:, :, :] = False
        for i in range(n_act):
            k = active[i]
            if kind[k] != REAL:
                continue
            a = pe_bus[task_pe[k]]
            for d in range(2):
                used[:] = False
                for m in range(2):
                    if byt[d, k, m] > 0.0:
                        sum_mem[d, m] += wu[d, k, m]
                        if mem_bus[m] == a:
                            used[m] = True
                        else:
                            used[2] = True
                            sum_bridge[d, a] += wu[d, k, m]
                            bridge_in[d, mem_bus[m], m] = True
                for o in range(3):
                    n_in[d, a, o] += used[o]
        for d in range(2):
            for b in range(2):
                for o in range(3):
                    n_in[d, b, o] += bridge_in[d, b, o]
        # --- rates (Kernel.update_block_att_work_rate) and the next completion --------------------------------
        nxt = np.inf
        for i in range(n_act):
            k = active[i]
            if kind[k] != REAL:
                rate[k] = 1.0
                nxt = min(nxt, 0.0)
                continue
            r = _rate(k, pe_rate[k], pe_bus[task_pe[k]], byt, wu, instr[k], mem_bus, mem_bw, bus_bw, sum_mem,
                      sum_bridge, n_in)
            rate[k] = r
            nxt = min(nxt, left[k] / r)
        clock = clock + nxt
    mem_kind = row[g + G_MEM_KIND: g + G_MEM_KIND + 2]
    account(phases, n_ph, tasks, blocks, pe_on, pe_bus, mem_on, mem_bus, mem_kind, mem_peak, n_bus, survivor,
            int(consts[K_LAST]), cacti_ptr, cacti_rows, metrics)
    info[0], info[1], info[2] = n_ph, n_bus, survivor


@njit(cache=True, nogil=True)
def _rate(k, pe_rate, a, byt, wu, instr, mem_bus, mem_bw, bus_bw, sum_mem, sum_bridge, n_in):
    """Instructions/s of active kernel ``k`` on bus ``a``: the minimum over its PE, memories and buses."""
    r = pe_rate
    for d in range(2):
        tot = byt[d, k, 0] + byt[d, k, 1]
        if tot == 0.0:
            continue
        for m in range(2):
            if byt[d, k, m] == 0.0:
                continue
            r = min(r, mem_bw[m] * (wu[d, k, m] / sum_mem[d, m]) / (byt[d, k, m] / instr))
            if mem_bus[m] == a:
                r = min(r, bus_bw[a] * (1.0 / n_in[d, a, m]) / (tot / instr))
            else:
                r = min(r, bus_bw[a] * (1.0 / n_in[d, a, 2]) / (tot / instr))
                b2 = mem_bus[m]
                far_bytes = far_wu = 0.0
                for m2 in range(2):
                    if mem_bus[m2] == b2:
                        far_bytes += byt[d, k, m2]
                        far_wu += wu[d, k, m2]
                share = (1.0 / n_in[d, b2, m]) * (far_wu / sum_bridge[d, a])
                r = min(r, bus_bw[b2] * share / (far_bytes / instr))
    return r


@njit(cache=True, nogil=True)
def _alloc(kind: int, out_bytes: float) -> float:
    """Bytes a task allocates at launch: its outputs (souurce too); zero-work dummies allocate nothing."""
    return out_bytes if kind == REAL or kind == SOURCE else 0.0


@njit(cache=True, nogil=True)
def simulate_batch(kind, real, tf, par_ptr, par_src, par_f, ch_ptr, ch_dst, ch_wu, consts, cacti_ptr, cacti_rows,
                   rows, out):
    """:func:`simulate` over the rows of a design matrix; ``out[i]`` receives design i's metrics."""
    T = kind.shape[0]
    tasks = np.empty((T, N_TCOLS))
    phases = np.empty((T + 2, N_PCOLS))
    blocks = np.empty((N_CORES + T + 4, N_BCOLS))
    info = np.empty(3, np.int64)
    for i in range(rows.shape[0]):
        simulate(kind, real, tf, par_ptr, par_src, par_f, ch_ptr, ch_dst, ch_wu, consts, cacti_ptr, cacti_rows,
                 rows[i], out[i], tasks, phases, blocks, info)
