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
* **Energy** (dynamic only): PE instructions / (instructions per joule); memory bytes read / written times the
  CACTI J/B at the memory's final size; buses 0. **Power** (FARSI ``calc_SOC_power``): the maximum over 10 ms
  windows built by ``slice_phases_with_PWP``, zero-length phases not advancing the window index (reproduced as is).
* **Area**: A53 0.65 mm^2 (0 when it hosts only ``souurce``/``siink``), IP ``0.0374 x unroll x area``, memory
  the CACTI area, bus 0.

Bus topology: memory 0 sits on bus 0, memory 1 on the bus the design picks; every PE picks a bus. Like FARSI's
``HardwareGraph.prune_unnecessary_nodes``, a bus without a PE or without a memory is merged into the other one
(the surviving bus keeps its own width and clock), so every design point is a valid FARSI topology.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.soc.cacti import cacti_lookup, cacti_size

N_CORES = 3
TASK_COLS = 5  # per real task: pe choice (0..2 core, 3 IP), unroll, clock multiplier, memory, IP bus
C_PE, C_UNROLL, C_CLOCK, C_MEM, C_BUS = range(TASK_COLS)
# global columns after the task columns
G_CORE_BUS, G_MEM_KIND, G_MEM_WIDTH, G_MEM_CLOCK, G_MEM1_BUS, G_BUS_WIDTH, G_BUS_CLOCK = 0, 3, 5, 7, 9, 10, 12
N_GLOBAL = 14
IP_CHOICE = 3
# constants vector (see model.WorkloadArrays)
K_A53_RATE, K_A53_WOE, K_A53_AREA, K_IP_FREQ, K_MEM_FREQ, K_BUS_FREQ, K_KEEP_CORE0, K_LAST = range(8)
# task kinds
REAL, SOURCE, SINK, OTHER_DUMMY = 0, 1, 2, 3
COMPLETION = 0.99  # Kernel.update_status
POWER_WINDOW_S = 0.01  # config.PCP

METRIC_NAMES = ("latency_s", "power_w", "energy_j", "area_mm2", "avg_power_w", "pe_area_mm2", "mem_area_mm2",
                "mem_bytes", "n_cores", "n_ips")
N_METRICS = len(METRIC_NAMES)
# block-table columns of the detail output (rows: 3 + T PEs, 2 memories, 2 buses)
B_EXISTS, B_BUS, B_AREA, B_ENERGY, B_READ, B_WRITE, B_BUSY, B_PEAK, B_SIZE, B_RJ, B_WJ = range(11)
N_BCOLS = 11
# task-table columns
T_LAUNCH, T_START, T_END, T_ENERGY, T_READ, T_WRITE, T_BUSY = range(7)
N_TCOLS = 7


@njit(cache=True, nogil=True)
def simulate(kind, real, tf, par_ptr, par_src, par_f, ch_ptr, ch_dst, ch_wu, consts, cacti_ptr, cacti_rows, row,
             metrics, tasks, phases, blocks, info):
    """Simulate one design (``row``, the int64 design encoding) and fill the output arrays.

    Args:
        kind: Task kinds (REAL, SOURCE, SINK, OTHER_DUMMY), task-list order.
        real: Index of each task among the real tasks (-1 for dummies).
        tf: Per task ``[instructions, ip cycles at unroll 1, IP J per run per unroll, IP mm^2 per unroll,
            output bytes]``.
        par_ptr, par_src, par_f: Parents in CSR form (parent order), ``par_f[e] = [bytes, reader work units]``.
        ch_ptr, ch_dst: Children in CSR form.
        ch_wu: Per task, the writer's work units summed over its output edges.
        consts: Block constants (``K_*`` indices).
        cacti_ptr, cacti_rows: The CACTI table.
        row: The design.
        metrics: Output, ``METRIC_NAMES`` order.
        tasks: Output ``(T, N_TCOLS)`` per-task timeline and traffic.
        phases: Output ``(T + 2, 6)`` per phase ``[length, PE energy, read bytes mem0, mem1, write bytes mem0, mem1]``.
        blocks: Output ``(3 + T + 4, N_BCOLS)`` per block (PEs, memories, buses).
        info: Output ``[number of phases, number of buses, surviving bus when one]``.
    """
    T = kind.shape[0]
    n_pe = N_CORES + T
    g = (real.max() + 1) * TASK_COLS
    instr = tf[:, 0]
    blocks[:, :] = 0.0
    tasks[:, :] = 0.0
    phases[:, :] = 0.0
    # --- decode the design -----------------------------------------------------------------------
    task_pe = np.zeros(T, np.int64)
    task_mem = np.zeros(T, np.int64)
    pe_rate = np.empty(T)
    pe_woe = np.empty(T)
    pe_bus = np.zeros(n_pe, np.int64)
    pe_on = np.zeros(n_pe, np.bool_)
    pe_on[0] = True
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
    # --- FARSI's pruning: a bus without a PE or a memory merges into the other ---------------------
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
    # --- traffic per (direction, task, memory): bytes and work units ----------------------------------
    byt = np.zeros((2, T, 2))
    wu = np.zeros((2, T, 2))
    for t in range(T):
        for e in range(par_ptr[t], par_ptr[t + 1]):
            m = task_mem[par_src[e]]
            byt[0, t, m] += par_f[e, 0]
            wu[0, t, m] += par_f[e, 1]
        byt[1, t, task_mem[t]] = tf[t, 4]
        wu[1, t, task_mem[t]] = ch_wu[t]
    # --- the phase loop ------------------------------------------------------------------------------
    n_par = np.empty(T, np.int64)
    for t in range(T):
        n_par[t] = par_ptr[t + 1] - par_ptr[t]
    left = instr.copy()
    state = np.zeros(T, np.int64)  # 0 not launched, 1 launched, 2 completed
    par_done = np.zeros(T, np.int64)
    in_done_list = np.zeros(T, np.bool_)
    finished = np.zeros(T, np.bool_)
    active = np.empty(T, np.int64)
    waiting = np.empty(T, np.int64)
    cand = np.empty(T, np.int64)
    pe_taken = np.zeros(n_pe, np.bool_)
    rate = np.zeros(T)
    mem_live = np.zeros(2)
    mem_peak = np.zeros(2)
    n_act = n_wait = n_ph = n_launched = 0
    clock = old = 0.0
    for t in range(T):
        tasks[t, T_LAUNCH] = tasks[t, T_START] = tasks[t, T_END] = np.nan
    sum_mem = np.zeros((2, 2))
    sum_bridge = np.zeros((2, 2))
    n_in = np.zeros((2, 2, 3))  # (direction, bus, outgoing link: memory 0, memory 1, bridge)
    bridge_in = np.zeros((2, 2, 3), np.bool_)
    while True:
        step = clock - old
        phases[n_ph, 0] = step
        for i in range(n_act):
            k = active[i]
            finished[k] = kind[k] != REAL
            if kind[k] != REAL:
                continue
            w = rate[k] * step
            left[k] -= w
            ew = w / pe_woe[k]
            phases[n_ph, 1] += ew
            p = task_pe[k]
            a = pe_bus[p]
            blocks[p, B_ENERGY] += ew
            blocks[p, B_BUSY] += step
            tasks[k, T_ENERGY] += ew
            tasks[k, T_BUSY] += step
            for d in range(2):
                for m in range(2):
                    moved = w * (byt[d, k, m] / instr[k])
                    phases[n_ph, 2 + 2 * d + m] += moved
                    tasks[k, T_READ + d] += moved
                    blocks[n_pe + 2 + a, B_READ + d] += moved
                    if mem_bus[m] != a:
                        blocks[n_pe + 2 + mem_bus[m], B_READ + d] += moved
            finished[k] = 1.0 - left[k] / instr[k] >= COMPLETION
        n_ph += 1
        # completions, in active order: tokens to children, memory release (update_scheduled_kernel_list)
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
        # launches, in task-list order (schedule_kernels_token_based)
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
        # PE serialisation (serialize_DMA): active, then new, then older waiting kernels
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
        # rates (update_block_att_work_rate for every active kernel)
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
                used_mem0 = used_mem1 = used_bridge = False
                for m in range(2):
                    if byt[d, k, m] > 0.0:
                        sum_mem[d, m] += wu[d, k, m]
                        if mem_bus[m] == a:
                            if m == 0:
                                used_mem0 = True
                            else:
                                used_mem1 = True
                        else:
                            used_bridge = True
                            sum_bridge[d, a] += wu[d, k, m]
                            bridge_in[d, mem_bus[m], m] = True
                n_in[d, a, 0] += used_mem0
                n_in[d, a, 1] += used_mem1
                n_in[d, a, 2] += used_bridge
        for d in range(2):
            for b in range(2):
                for o in range(3):
                    n_in[d, b, o] += bridge_in[d, b, o]
        nxt = np.inf
        for i in range(n_act):
            k = active[i]
            if kind[k] != REAL:
                rate[k] = 1.0
                nxt = min(nxt, 0.0)
                continue
            r = pe_rate[k]
            a = pe_bus[task_pe[k]]
            for d in range(2):
                tot = byt[d, k, 0] + byt[d, k, 1]
                if tot == 0.0:
                    continue
                for m in range(2):
                    if byt[d, k, m] == 0.0:
                        continue
                    r = min(r, mem_bw[m] * (wu[d, k, m] / sum_mem[d, m]) / (byt[d, k, m] / instr[k]))
                    if mem_bus[m] == a:
                        r = min(r, bus_bw[a] * (1.0 / n_in[d, a, m]) / (tot / instr[k]))
                    else:
                        r = min(r, bus_bw[a] * (1.0 / n_in[d, a, 2]) / (tot / instr[k]))
                        b2 = mem_bus[m]
                        far_bytes = far_wu = 0.0
                        for m2 in range(2):
                            if mem_bus[m2] == b2:
                                far_bytes += byt[d, k, m2]
                                far_wu += wu[d, k, m2]
                        share = (1.0 / n_in[d, b2, m]) * (far_wu / sum_bridge[d, a])
                        r = min(r, bus_bw[b2] * share / (far_bytes / instr[k]))
            rate[k] = r
            nxt = min(nxt, left[k] / r)
        clock = clock + nxt
    # --- memories: CACTI size, energy per byte, area -------------------------------------------------
    cacti = np.empty(3)
    mem_area = 0.0
    mem_bytes = 0.0
    for m in range(2):
        rowm = n_pe + m
        blocks[rowm, B_EXISTS] = mem_on[m]
        blocks[rowm, B_BUS] = mem_bus[m]
        if not mem_on[m]:
            continue
        size = cacti_size(mem_peak[m])
        cacti_lookup(cacti_ptr, cacti_rows, row[g + G_MEM_KIND + m], size, cacti)
        blocks[rowm, B_PEAK], blocks[rowm, B_SIZE] = np.ceil(mem_peak[m]), size
        blocks[rowm, B_RJ], blocks[rowm, B_WJ], blocks[rowm, B_AREA] = cacti[0], cacti[1], cacti[2]
        mem_area += cacti[2]
        mem_bytes += size
    energy = 0.0
    for i in range(n_ph):
        e = phases[i, 1]
        for m in range(2):
            e += phases[i, 2 + m] * blocks[n_pe + m, B_RJ] + phases[i, 4 + m] * blocks[n_pe + m, B_WJ]
            blocks[n_pe + m, B_READ] += phases[i, 2 + m]
            blocks[n_pe + m, B_WRITE] += phases[i, 4 + m]
            blocks[n_pe + m, B_ENERGY] += (phases[i, 2 + m] * blocks[n_pe + m, B_RJ]
                                           + phases[i, 4 + m] * blocks[n_pe + m, B_WJ])
        phases[i, 1] = e  # from here on: the phase's total energy
        energy += e
    for b in range(2):
        blocks[n_pe + 2 + b, B_EXISTS] = (n_bus == 2) or b == survivor
        blocks[n_pe + 2 + b, B_BUS] = b
    pe_area = 0.0
    n_cores = n_ips = 0
    for p in range(n_pe):
        blocks[p, B_EXISTS] = pe_on[p]
        blocks[p, B_BUS] = pe_bus[p]
        if pe_on[p]:
            pe_area += blocks[p, B_AREA]
            if p < N_CORES:
                n_cores += 1
            else:
                n_ips += 1
    latency = tasks[int(consts[K_LAST]), T_END]
    power = windowed_power(phases, n_ph)
    metrics[0], metrics[1], metrics[2] = latency, power, energy
    metrics[3], metrics[4] = pe_area + mem_area, energy / latency if latency > 0 else 0.0
    metrics[5], metrics[6], metrics[7], metrics[8], metrics[9] = pe_area, mem_area, mem_bytes, n_cores, n_ips
    info[0], info[1], info[2] = n_ph, n_bus, survivor


@njit(cache=True, nogil=True)
def _alloc(kind: int, out_bytes: float) -> float:
    """Bytes a task allocates at launch: its outputs (souurce too); zero-work dummies allocate nothing."""
    return out_bytes if kind == REAL or kind == SOURCE else 0.0


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
        length = phases[i, 0]
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
            sl += phases[i, 0]
            se += phases[i, 1]
        best = max(best, se / sl if sl > 0.0 else 0.0)
    return best


@njit(cache=True, nogil=True)
def simulate_batch(kind, real, tf, par_ptr, par_src, par_f, ch_ptr, ch_dst, ch_wu, consts, cacti_ptr, cacti_rows,
                   rows, out):
    """:func:`simulate` over the rows of a design matrix; ``out[i]`` receives design i's metrics."""
    T = kind.shape[0]
    tasks = np.empty((T, N_TCOLS))
    phases = np.empty((T + 2, 6))
    blocks = np.empty((N_CORES + T + 4, N_BCOLS))
    info = np.empty(3, np.int64)
    for i in range(rows.shape[0]):
        simulate(kind, real, tf, par_ptr, par_src, par_f, ch_ptr, ch_dst, ch_wu, consts, cacti_ptr, cacti_rows,
                 rows[i], out[i], tasks, phases, blocks, info)
