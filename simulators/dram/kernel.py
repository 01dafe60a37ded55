"""The scheduling loop of the memory-controller kernel (numba); the model is described in
:mod:`simulators.dram.controller`.

Performance notes (the loop runs once per burst, ~100 ns budget):

* Command placement, logging, refresh and power-down are **closures** inside :func:`run`, inlined by numba and
  sharing the loop's arrays. Out-of-line helpers (or ``inline="always"`` functions) taking arrays make numba
  reference-count every array argument with atomic operations on each call, which used to cost more than all
  the simulation work.
* State shared with the closures lives in the state vector ``S`` (closures cannot assign outer scalars); state
  only the decision path touches is held in local variables and stored into ``S`` at the end.
* Output buffers have a fixed capacity and are never reallocated inside the loop (a reassigned array variable
  costs reference counting too): entries are counted in ``S`` and written only if they fit, and
  :func:`~simulators.dram.controller.simulate` re-runs with the exact size when one did not fit.
* The scheduler buffer is an age-ordered window of parallel arrays with a per-burst row-hit flag kept up to date
  as banks open and close, so schedulers scan contiguous flags instead of looking rows up through indices.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.dram import config as cfg
from simulators.dram import layout as L


@njit(cache=True, nogil=True)
def run(arr, wr, bank, row, T, C, S, lg, iv, data_end, resp, open_row):
    """Simulate the bursts ``arr, wr, bank, row`` (trace order) under timings ``T`` and config ``C``.

    Fills ``data_end``/``resp`` (per burst), ``lg`` (command log, capacity 0: off), ``iv`` (bank-active
    intervals), ``open_row`` and the state vector ``S`` (initialised by the caller); entry counts beyond the
    buffers' capacity are only counted (``S[S_NLOG]``, ``S[S_NIV]``).
    """
    n = arr.shape[0]
    nb = open_row.shape[0]
    bpg = T[L.T_BPG]
    cap_log = lg.shape[0]
    cap_iv = iv.shape[0]
    # Timings as locals (loads from T could not be hoisted past the stores into the state arrays).
    t_rl, t_wl, t_burst, t_rcd, t_rp = T[L.T_RL], T[L.T_WL], T[L.T_BURST], T[L.T_RCD], T[L.T_RP]
    t_ras, t_rc, t_rrds, t_rrdl, t_faw = T[L.T_RAS], T[L.T_RC], T[L.T_RRDS], T[L.T_RRDL], T[L.T_FAW]
    t_ccds, t_ccdl, t_rtp, t_rtw, t_ppd = T[L.T_CCDS], T[L.T_CCDL], T[L.T_RTP], T[L.T_RTW], T[L.T_PPD]
    t_wtrs = T[L.T_WTRS] + T[L.T_WTRX]
    t_wtrl = T[L.T_WTRL] + T[L.T_WTRX]
    t_wr = T[L.T_WR] + T[L.T_WRX]
    t_xp, t_cke, t_look = T[L.T_XP], T[L.T_CKE], T[L.T_LOOK]

    ref_mode = C[cfg.C_REF]
    if ref_mode == 2 and T[L.T_HASPB] == 0:
        ref_mode = 1  # no per-bank refresh on this device (DDR4): all-bank
    per_bank = ref_mode == 2
    refi = T[L.T_REFIPB] if per_bank else T[L.T_REFI]
    rfc = T[L.T_RFCPB] if per_bank else T[L.T_RFC]
    page, sched, buf, bufsize = C[cfg.C_PAGE], C[cfg.C_SCHED], C[cfg.C_BUF], C[cfg.C_BUFSIZE]
    arb, maxact, respq, pd = C[cfg.C_ARB], C[cfg.C_MAXACT], C[cfg.C_RESP], C[cfg.C_PD]
    maxpost, maxpull = C[cfg.C_MAXPOST], C[cfg.C_MAXPULL]

    pre_ok = np.zeros(nb, np.int64)  # earliest precharge, activate, column command per bank
    act_ok = np.zeros(nb, np.int64)
    cas_ok = np.zeros(nb, np.int64)
    open_iv = np.full(nb, -1, np.int64)  # index in iv of each open bank's active interval
    ngr = nb // bpg
    bg_act = np.full(ngr, -L.BIG, np.int64)  # last ACT / column command / write data end per bank group
    bg_cas = np.full(ngr, -L.BIG, np.int64)
    bg_wr_end = np.full(ngr, -L.BIG, np.int64)
    faw = np.full(4, -L.BIG, np.int64)  # the last four ACTs (ring)
    ring = np.full(L.RING, -1, np.int64)
    occ = np.zeros(nb + 3, np.int64)  # taken slots per buffer (banks, then read, write, shared)
    # Two min-heaps (0: slot releases, payload = buffer; 1: transaction ends for the Fifo/Reorder arbiters).
    heap_t = np.empty((2, n), np.int64)
    heap_c = np.empty((2, n), np.int64)
    heap_n = np.zeros(2, np.int64)
    # Scheduler buffer: age-ordered window [h, e) of parallel arrays. It holds at most `slots` bursts; with
    # room for twice that the window slides and is compacted to the front only when it reaches the end.
    slots = nb * bufsize if buf == 0 else (2 * bufsize if buf == 1 else bufsize)
    cap = min(n, 2 * slots) + 1
    cidx = np.empty(cap, np.int64)  # burst index
    cb = np.empty(cap, np.int64)  # bank
    cr = np.empty(cap, np.int64)  # row
    cw = np.empty(cap, np.int64)  # write flag
    chit = np.empty(cap, np.int64)  # 1 while the burst's row is the open row of its bank

    # --- closures (see the module docstring) ------------------------------------------------------------
    def log(t, code, b, r):
        """Count a command; log it when logging is on."""
        S[L.S_CNT + code] += 1
        if cap_log > 0:
            k = S[L.S_NLOG]
            if k < cap_log:
                lg[k, 0] = t
                lg[k, 1] = code
                lg[k, 2] = b
                lg[k, 3] = r
            S[L.S_NLOG] = k + 1

    def issue(t, code, b, r):
        """Place a command at the first cycle >= t with a free command-bus slot; returns that cycle."""
        while ring[t & L.MASK] == t:
            t += 1
        ring[t & L.MASK] = t
        if t > S[L.S_LAST_CMD]:
            S[L.S_LAST_CMD] = t
        log(t, code, b, r)
        return t

    def add_iv(start, end):
        """Record a bank-active interval; returns its index."""
        k = S[L.S_NIV]
        if k < cap_iv:
            iv[k, 0] = start
            iv[k, 1] = end
        S[L.S_NIV] = k + 1
        return k

    def close(b, t):
        """Bank b precharges at t."""
        if open_iv[b] < cap_iv:
            iv[open_iv[b], 1] = t
        open_row[b] = -1

    def rehit(b, r, h, e):
        """Bank b now has row r open (-1: closed): update its buffered bursts' hit flags; returns the change
        in the number of buffered hits."""
        delta = 0
        for j in range(h, e):
            if cb[j] == b:
                hit = 1 if cr[j] == r else 0
                delta += hit - chit[j]
                chit[j] = hit
        return delta

    def move(dst, src):
        """Copy buffer entry src to dst."""
        cidx[dst], cb[dst], cr[dst], cw[dst], chit[dst] = cidx[src], cb[src], cr[src], cw[src], chit[src]

    def push(q, t, c):
        """Push (t, c) on heap q."""
        i = heap_n[q]
        heap_n[q] = i + 1
        heap_t[q, i] = t
        heap_c[q, i] = c
        while i > 0:
            p = (i - 1) >> 1
            if heap_t[q, p] <= heap_t[q, i]:
                break
            heap_t[q, p], heap_t[q, i] = heap_t[q, i], heap_t[q, p]
            heap_c[q, p], heap_c[q, i] = heap_c[q, i], heap_c[q, p]
            i = p

    def pop(q):
        """Drop the minimum of heap q."""
        m = heap_n[q] - 1
        heap_n[q] = m
        heap_t[q, 0] = heap_t[q, m]
        heap_c[q, 0] = heap_c[q, m]
        i = 0
        while True:
            lo = 2 * i + 1
            if lo >= m:
                break
            k = lo
            if lo + 1 < m and heap_t[q, lo + 1] < heap_t[q, lo]:
                k = lo + 1
            if heap_t[q, i] <= heap_t[q, k]:
                break
            heap_t[q, k], heap_t[q, i] = heap_t[q, i], heap_t[q, k]
            heap_c[q, k], heap_c[q, i] = heap_c[q, i], heap_c[q, k]
            i = k

    def wake(t):
        """First cycle >= t a command may issue, exiting power-down first if the rank is in it."""
        if S[L.S_PD_ON] == 0:
            return max(t, S[L.S_PD_EXIT] + t_xp)  # an earlier exit (e.g. for a refresh) still needs tXP
        pdx = max(t, S[L.S_PD_START] + t_cke)
        log(pdx, L.PDX, -1, -1)
        if S[L.S_PD_TYPE] == 1:
            S[L.S_TPD_ACT] += pdx - S[L.S_PD_START]
        else:
            S[L.S_TPD_PRE] += pdx - S[L.S_PD_START]
        S[L.S_PD_ON] = 0
        S[L.S_PD_EXIT] = pdx
        return pdx + t_xp

    def try_pd(t_from, t_next):
        """Enter power-down as early as JEDEC allows after t_from if the rank can stay in it until t_next."""
        if S[L.S_PD_ON] != 0:
            return
        pde = max(t_from, S[L.S_LAST_CMD] + 1, S[L.S_LAST_RD_END] + 1, S[L.S_LAST_WR_END] + t_wr + 1,
                  S[L.S_LAST_AP] + 1, S[L.S_REF_END], S[L.S_PD_EXIT] + t_cke)
        if pde + t_cke > t_next:
            return
        active = 0
        for b in range(nb):
            if open_row[b] >= 0:
                active = 1
        log(pde, L.PDEA if active else L.PDEP, -1, -1)
        S[L.S_PD_ON] = 1
        S[L.S_PD_START] = pde
        S[L.S_PD_TYPE] = active

    def refresh(t):
        """Issue one refresh at or after t; returns the cycle its tRFC ends."""
        t = wake(t)
        if per_bank:
            b = S[L.S_REF_BANK]
            S[L.S_REF_BANK] = (b + 1) % nb
            if open_row[b] >= 0:
                tp = issue(max(t, pre_ok[b], S[L.S_LAST_PRE] + t_ppd), L.PRE, b, open_row[b])
                S[L.S_LAST_PRE] = tp
                close(b, tp)
                act_ok[b] = max(act_ok[b], tp + t_rp)
            tr = issue(max(t, act_ok[b], S[L.S_LAST_ACT] + t_rrds), L.REFPB, b, -1)
            end = tr + rfc
            act_ok[b] = max(act_ok[b], end)
            S[L.S_LAST_ACT] = tr  # REFpb counts as an activate for tRRD (JESD209-4)
        else:
            tpa = t
            any_open = False
            for b in range(nb):  # every bank: one planned to auto-precharge may still have its RDA/WRA ahead
                any_open = any_open or open_row[b] >= 0
                tpa = max(tpa, pre_ok[b])
            if any_open:
                tpa = issue(max(tpa, S[L.S_LAST_PRE] + t_ppd), L.PREA, -1, -1)
                S[L.S_LAST_PRE] = tpa
                for b in range(nb):
                    if open_row[b] >= 0:
                        close(b, tpa)
                        act_ok[b] = max(act_ok[b], tpa + T[L.T_RPAB])
            tr = t
            for b in range(nb):
                tr = max(tr, act_ok[b])
            tr = issue(tr, L.REF, -1, -1)
            end = tr + rfc
            for b in range(nb):
                act_ok[b] = max(act_ok[b], end)
        add_iv(tr, end)
        S[L.S_REF_END] = max(S[L.S_REF_END], end)
        S[L.S_LAST_REF] = tr
        S[L.S_REF_DONE] += 1
        return end

    # --- the loop -------------------------------------------------------------------------------------
    # Decision-path state as locals (stored into S at the end); the rest of the state is in S.
    last_cas, last_dir, last_rd = S[L.S_LAST_CAS], S[L.S_LAST_DIR], S[L.S_LAST_RD]
    bus_free, faw_i = S[L.S_BUS_FREE], S[L.S_FAW_I]
    hits, misses, conflicts = S[L.S_HITS], S[L.S_MISSES], S[L.S_CONFL]
    now = 0
    nxt = 0  # next burst to admit
    h = 0
    e = 0
    nhit = 0  # set flags in chit[h:e]
    active = 0  # outstanding transactions (arbiter)
    ndec = 0
    ro_ptr = 0  # next burst to answer in order (RespQueue Reorder)
    ro_last = 0
    arb_ptr = 0  # next transaction to retire in order (Arbiter Reorder)
    arb_last = 0
    while ndec < n:
        while heap_n[0] > 0 and heap_t[0, 0] <= now:
            occ[heap_c[0, 0]] -= 1
            pop(0)
        while heap_n[1] > 0 and heap_t[1, 0] <= now:
            active -= 1
            pop(1)
        while nxt < n and arr[nxt] <= now:
            b = bank[nxt]
            w = wr[nxt]
            c = b if buf == 0 else (nb + w if buf == 1 else nb + 2)
            if occ[c] >= bufsize or (arb != 0 and active >= maxact):
                break
            occ[c] += 1
            active += 1
            if e == cap:  # compact the window to the front
                for j in range(e - h):
                    move(j, h + j)
                e -= h
                h = 0
            cidx[e] = nxt
            cb[e] = b
            cr[e] = row[nxt]
            cw[e] = w
            chit[e] = 1 if open_row[b] == row[nxt] else 0
            nhit += chit[e]
            e += 1
            nxt += 1
        if ref_mode != 0 and now // refi - S[L.S_REF_DONE] > maxpost:
            while now // refi - S[L.S_REF_DONE] > maxpost:
                refresh(now)
            nhit = 0  # the refresh closed rows: recompute every hit flag
            for j in range(h, e):
                chit[j] = 1 if open_row[cb[j]] == cr[j] else 0
                nhit += chit[j]

        if h == e:  # idle until the next arrival or slot release
            h = 0
            e = 0
            t_next = L.BIG
            if nxt < n and arr[nxt] > now:
                t_next = arr[nxt]
            else:
                if heap_n[0] > 0:
                    t_next = heap_t[0, 0]
                if heap_n[1] > 0 and heap_t[1, 0] < t_next:
                    t_next = heap_t[1, 0]
            if t_next >= L.BIG:
                break  # cannot happen (see the controller docstring); guarantees termination regardless
            if ref_mode != 0:
                while True:
                    owed = now // refi - S[L.S_REF_DONE]
                    t_ref = now if owed >= 1 else (S[L.S_REF_DONE] + 1) * refi
                    if t_ref >= t_next:
                        break
                    if pd != 0:
                        try_pd(now, t_ref)
                    end = refresh(t_ref)
                    while S[L.S_REF_DONE] - S[L.S_LAST_REF] // refi < maxpull and end + rfc <= t_next:
                        end = refresh(S[L.S_LAST_REF] + 1)
            if pd != 0:
                try_pd(now, t_next)
            now = t_next
            continue

        # Pick a burst: Fifo the oldest; FrFcfs the oldest row hit, else the oldest; FrFcfsGrp the best by
        # (row hit, same direction as the last column command), the oldest among equals.
        k = h
        if sched == 1:
            if nhit > 0:
                while chit[k] == 0:
                    k += 1
        elif sched == 2:
            bestp = -1
            for j in range(h, e):
                p = 2 * chit[j] + (1 if cw[j] == last_dir else 0)
                if p > bestp:
                    bestp = p
                    k = j
                    if p == 3:
                        break
        i = cidx[k]
        b = cb[k]
        r = cr[k]
        w = cw[k]
        nhit -= chit[k]
        if k - h <= e - 1 - k:  # remove entry k, shifting the shorter side of the window
            for j in range(k, h, -1):
                move(j, j - 1)
            h += 1
        else:
            for j in range(k, e - 1):
                move(j, j + 1)
            e -= 1

        g = b // bpg
        t0 = wake(now)
        if open_row[b] == r:
            hits += 1
        else:
            if open_row[b] >= 0:
                conflicts += 1
                tp = issue(max(t0, pre_ok[b], S[L.S_LAST_PRE] + t_ppd), L.PRE, b, open_row[b])
                S[L.S_LAST_PRE] = tp
                close(b, tp)
                act_ok[b] = max(act_ok[b], tp + t_rp)
            else:
                misses += 1
            ta = max(t0, act_ok[b], S[L.S_LAST_ACT] + t_rrds, bg_act[g] + t_rrdl, faw[faw_i] + t_faw)
            ta = issue(ta, L.ACT, b, r)
            open_row[b] = r
            nhit += rehit(b, r, h, e)
            pre_ok[b] = max(pre_ok[b], ta + t_ras)
            act_ok[b] = max(act_ok[b], ta + t_rc)
            cas_ok[b] = ta + t_rcd
            S[L.S_LAST_ACT] = ta
            bg_act[g] = ta
            faw[faw_i] = ta
            faw_i = (faw_i + 1) % 4
            open_iv[b] = add_iv(ta, L.BIG)
        lat = t_wl if w else t_rl
        tc = max(t0, cas_ok[b], last_cas + t_ccds, bg_cas[g] + t_ccdl, bus_free - lat)
        if w:
            tc = max(tc, last_rd + t_rtw)
        else:
            tc = max(tc, S[L.S_LAST_WR_END] + t_wtrs, bg_wr_end[g] + t_wtrl)
        # Auto-precharge: Closed always; ClosedAdaptive unless a buffered burst hits the row; OpenAdaptive
        # when none hits it but one targets another row of the bank.
        ap = page == 2
        if page == 1 or page == 3:
            hit_pending = False
            miss_pending = False
            for j in range(h, e):
                if cb[j] == b:
                    if cr[j] == r:
                        hit_pending = True
                        break
                    miss_pending = True
            ap = (not hit_pending) if page == 3 else (not hit_pending and miss_pending)
        code = (L.WRA if ap else L.WR) if w else (L.RDA if ap else L.RD)
        tc = issue(tc, code, b, r)
        end = tc + lat + t_burst
        if w:
            pre_ok[b] = max(pre_ok[b], end + t_wr)
            S[L.S_LAST_WR_END] = end
            bg_wr_end[g] = end
        else:
            pre_ok[b] = max(pre_ok[b], tc + t_rtp)
            last_rd = tc
            S[L.S_LAST_RD_END] = max(S[L.S_LAST_RD_END], end)
        last_cas = tc
        bg_cas[g] = tc
        bus_free = end
        last_dir = w
        if ap:
            tpre = pre_ok[b]
            close(b, tpre)
            nhit += rehit(b, -1, h, e)
            act_ok[b] = max(act_ok[b], tpre + t_rp)
            S[L.S_LAST_AP] = max(S[L.S_LAST_AP], tpre)
        data_end[i] = end
        ndec += 1

        if respq == 0:  # answer in completion order
            resp[i] = end
            push(0, end, b if buf == 0 else (nb + w if buf == 1 else nb + 2))
            if arb == 1:
                push(1, end, 0)
        else:  # answer in arrival order
            while ro_ptr < n and data_end[ro_ptr] >= 0:
                ro_last = max(ro_last, data_end[ro_ptr])
                resp[ro_ptr] = ro_last
                bo = bank[ro_ptr]
                wo = wr[ro_ptr]
                push(0, ro_last, bo if buf == 0 else (nb + wo if buf == 1 else nb + 2))
                if arb == 1:
                    push(1, ro_last, 0)
                ro_ptr += 1
        if arb == 2:  # retire transactions in order
            while arb_ptr < n and resp[arb_ptr] >= 0:
                arb_last = max(arb_last, resp[arb_ptr])
                push(1, arb_last, 0)
                arb_ptr += 1
        now = max(now, tc - t_look)

    S[L.S_LAST_CAS], S[L.S_LAST_DIR], S[L.S_LAST_RD] = last_cas, last_dir, last_rd
    S[L.S_BUS_FREE], S[L.S_FAW_I] = bus_free, faw_i
    S[L.S_HITS], S[L.S_MISSES], S[L.S_CONFL] = hits, misses, conflicts
