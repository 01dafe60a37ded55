"""The memory-controller kernel (numba): one rank, per-bank state, JEDEC timing, DRAMSys-style knobs.

Model (one decision = one transaction, i.e. one burst of a request):

* **Admission.** Bursts enter the scheduler buffer in trace order once their arrival time has passed and a slot
  of their class is free (Bankwise: per bank; ReadWrite: per direction; Shared: one buffer; ``RequestBufferSize``
  slots each). A slot stays taken until the burst's response leaves the controller, as in DRAMSys. With
  ``Arbiter`` Fifo/Reorder, at most ``MaxActiveTransactions`` bursts are outstanding. Admission is in order:
  a blocked head blocks the ones behind it.
* **Scheduling.** Fifo takes the oldest buffered burst; FrFcfs the oldest row hit, else the oldest; FrFcfsGrp
  ranks by (row hit, same direction as the last column command, age). The chosen burst's commands
  (PRE, ACT, RD/WR or RDA/WRA) are placed at the earliest cycle that satisfies every JEDEC constraint against
  all commands placed so far; ACTs and column commands are placed in non-decreasing time order, and one
  command occupies the command bus per cycle. The next decision happens once the data bus is within
  ``tRP + tRCD`` of the last column command, so the buffer fills while the bus is busy (this is where
  first-ready scheduling gets its choices).
* **Page policy.** Open never auto-precharges; Closed always does; ClosedAdaptive does unless another buffered
  burst hits the same row; OpenAdaptive does when no buffered burst hits the row but one targets another row
  of the bank. Auto-precharge happens at ``max(RD + tRTP, ACT + tRAS)`` (RDA) or
  ``WR + WL + BL/2 + tWR`` (WRA); the bank re-activates only ``tRP`` later and never before ``ACT + tRC``.
* **Responses.** RespQueue Fifo answers in completion order; Reorder in arrival order. Arbiter Reorder also
  returns requests in order.
* **Refresh.** One due every tREFI (AllBank) or tREFIpb (PerBank, round robin over banks; DDR4 has no per-bank
  refresh, so it falls back to AllBank). While requests wait, up to ``RefreshMaxPostponed`` are postponed;
  when the controller idles, owed refreshes are issued, then up to ``RefreshMaxPulledin`` are pulled in if
  they finish before the next request.
* **Power-down (Staggered).** When the buffer empties the rank enters power-down (active or precharge type by
  its open rows) as soon as JEDEC allows, if the idle gap covers tCKE; the next command waits for the exit
  plus tXP. Refreshes that fall into the gap exit and re-enter.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.dram.config import (
    C_ARB,
    C_BUF,
    C_BUFSIZE,
    C_LOG,
    C_MAXACT,
    C_MAXPOST,
    C_MAXPULL,
    C_PAGE,
    C_PD,
    C_REF,
    C_RESP,
    C_SCHED,
)
from simulators.dram.devices import DeviceSpec

BIG = 1 << 60
RING = 1 << 14
MASK = RING - 1

# Command codes in the log.
ACT, PRE, PREA, RD, WR, RDA, WRA, REF, REFPB, PDEA, PDEP, PDX = range(12)
CMD_NAMES = ("ACT", "PRE", "PREA", "RD", "WR", "RDA", "WRA", "REF", "REFPB", "PDEA", "PDEP", "PDX")

# Timing vector positions.
(T_RL, T_WL, T_BURST, T_RCD, T_RP, T_RPAB, T_RAS, T_RC, T_RRDS, T_RRDL, T_FAW, T_CCDS, T_CCDL, T_WTRS, T_WTRL,
 T_WR, T_RTP, T_RFC, T_RFCPB, T_REFI, T_REFIPB, T_XP, T_CKE, T_PPD, T_RTW, T_WTRX, T_WRX, T_NB, T_BPG, T_HASPB,
 T_LOOK, T_LEN) = range(32)

# Scalar state positions.
(S_LAST_ACT, S_LAST_CAS, S_LAST_DIR, S_LAST_RD, S_LAST_WR_END, S_BUS_FREE, S_LAST_PRE, S_LAST_CMD, S_LAST_RD_END,
 S_LAST_AP, S_REF_END, S_LAST_REF, S_FAW_I, S_NLOG, S_NIV, S_PD_ON, S_PD_START, S_PD_TYPE, S_PD_EXIT, S_TPD_ACT,
 S_TPD_PRE, S_REF_DONE, S_REF_BANK, S_HITS, S_MISSES, S_CONFL, S_CNT) = range(27)
S_LEN = S_CNT + len(CMD_NAMES)


def timing_vector(dev: DeviceSpec) -> np.ndarray:
    """The kernel's int64 timing vector for ``dev``."""
    t = np.zeros(T_LEN, dtype=np.int64)
    vals = {T_RL: dev.RL, T_WL: dev.WL, T_BURST: dev.burst_clocks, T_RCD: dev.RCD, T_RP: dev.RP,
            T_RPAB: dev.RPab, T_RAS: dev.RAS, T_RC: dev.RC, T_RRDS: dev.RRD_S, T_RRDL: dev.RRD_L, T_FAW: dev.FAW,
            T_CCDS: dev.CCD_S, T_CCDL: dev.CCD_L, T_WTRS: dev.WTR_S, T_WTRL: dev.WTR_L, T_WR: dev.WR,
            T_RTP: dev.RTP, T_RFC: dev.RFC, T_RFCPB: dev.RFCpb, T_REFI: dev.REFI, T_REFIPB: dev.REFIpb,
            T_XP: dev.XP, T_CKE: dev.CKE, T_PPD: dev.PPD, T_RTW: dev.RTW, T_WTRX: dev.WTR_extra,
            T_WRX: dev.WR_extra, T_NB: dev.n_banks, T_BPG: dev.banks_per_group,
            T_HASPB: int(dev.has_per_bank_refresh), T_LOOK: dev.RP + dev.RCD}
    for k, v in vals.items():
        t[k] = v
    return t


@njit(cache=True, inline="always")
def _grow(a, need):
    if need <= a.shape[0]:
        return a
    b = np.empty((max(need, 2 * a.shape[0]), a.shape[1]), np.int64)
    b[: a.shape[0]] = a
    return b


@njit(cache=True, inline="always")
def _hpush(ht, hc, n, t, c):
    i = n
    ht[i] = t
    hc[i] = c
    while i > 0:
        p = (i - 1) >> 1
        if ht[p] <= ht[i]:
            break
        ht[p], ht[i] = ht[i], ht[p]
        hc[p], hc[i] = hc[i], hc[p]
        i = p
    return n + 1


@njit(cache=True, inline="always")
def _hpop(ht, hc, n):
    n -= 1
    ht[0] = ht[n]
    hc[0] = hc[n]
    i = 0
    while True:
        lo = 2 * i + 1
        if lo >= n:
            break
        m = lo
        if lo + 1 < n and ht[lo + 1] < ht[lo]:
            m = lo + 1
        if ht[i] <= ht[m]:
            break
        ht[m], ht[i] = ht[i], ht[m]
        hc[m], hc[i] = hc[i], hc[m]
        i = m
    return n


@njit(cache=True, inline="always")
def _mark(S, lg, t, code, b, r):
    S[S_CNT + code] += 1
    n = S[S_NLOG]
    if n < lg.shape[0]:
        lg[n, 0] = t
        lg[n, 1] = code
        lg[n, 2] = b
        lg[n, 3] = r
        S[S_NLOG] = n + 1


@njit(cache=True, inline="always")
def _cmd(S, ring, lg, t, code, b, r):
    while ring[t & MASK] == t:
        t += 1
    ring[t & MASK] = t
    if t > S[S_LAST_CMD]:
        S[S_LAST_CMD] = t
    _mark(S, lg, t, code, b, r)
    return t


@njit(cache=True, inline="always")
def _add_iv(S, iv, start, end):
    k = S[S_NIV]
    iv[k, 0] = start
    iv[k, 1] = end
    S[S_NIV] = k + 1
    return k


@njit(cache=True, inline="always")
def _close(b, t, open_row, open_iv, iv):
    iv[open_iv[b], 1] = t
    open_row[b] = -1


@njit(cache=True, inline="always")
def _wake(S, lg, T, t):
    if S[S_PD_ON] == 0:
        return max(t, S[S_PD_EXIT] + T[T_XP])  # an earlier exit (e.g. for a refresh) still needs tXP
    pdx = max(t, S[S_PD_START] + T[T_CKE])
    _mark(S, lg, pdx, PDX, -1, -1)
    if S[S_PD_TYPE] == 1:
        S[S_TPD_ACT] += pdx - S[S_PD_START]
    else:
        S[S_TPD_PRE] += pdx - S[S_PD_START]
    S[S_PD_ON] = 0
    S[S_PD_EXIT] = pdx
    return pdx + T[T_XP]


@njit(cache=True)
def _try_pd(S, lg, T, open_row, t_from, t_next):
    if S[S_PD_ON] != 0:
        return
    pde = max(t_from, S[S_LAST_CMD] + 1, S[S_LAST_RD_END] + 1, S[S_LAST_WR_END] + T[T_WR] + T[T_WRX] + 1,
              S[S_LAST_AP] + 1, S[S_REF_END], S[S_PD_EXIT] + T[T_CKE])
    if pde + T[T_CKE] > t_next:
        return
    active = 0
    for b in range(open_row.shape[0]):
        if open_row[b] >= 0:
            active = 1
    _mark(S, lg, pde, PDEA if active else PDEP, -1, -1)
    S[S_PD_ON] = 1
    S[S_PD_START] = pde
    S[S_PD_TYPE] = active


@njit(cache=True)
def _refresh(S, ring, lg, T, per_bank, open_row, pre_ok, act_ok, open_iv, iv, t):
    """Issue one refresh at or after ``t``; returns the cycle its tRFC ends."""
    t = _wake(S, lg, T, t)
    nb = open_row.shape[0]
    if per_bank:
        b = S[S_REF_BANK]
        S[S_REF_BANK] = (b + 1) % nb
        if open_row[b] >= 0:
            tp = _cmd(S, ring, lg, max(t, pre_ok[b], S[S_LAST_PRE] + T[T_PPD]), PRE, b, open_row[b])
            S[S_LAST_PRE] = tp
            _close(b, tp, open_row, open_iv, iv)
            act_ok[b] = max(act_ok[b], tp + T[T_RP])
        tr = _cmd(S, ring, lg, max(t, act_ok[b], S[S_LAST_ACT] + T[T_RRDS]), REFPB, b, -1)
        end = tr + T[T_RFCPB]
        act_ok[b] = max(act_ok[b], end)
        S[S_LAST_ACT] = tr  # REFpb counts as an activate for tRRD (JESD209-4)
    else:
        tpa = t
        any_open = False
        for b in range(nb):  # every bank: one already planned to auto-precharge may still have its RDA/WRA ahead
            any_open = any_open or open_row[b] >= 0
            tpa = max(tpa, pre_ok[b])
        if any_open:
            tpa = _cmd(S, ring, lg, max(tpa, S[S_LAST_PRE] + T[T_PPD]), PREA, -1, -1)
            S[S_LAST_PRE] = tpa
            for b in range(nb):
                if open_row[b] >= 0:
                    _close(b, tpa, open_row, open_iv, iv)
                    act_ok[b] = max(act_ok[b], tpa + T[T_RPAB])
        tr = t
        for b in range(nb):
            tr = max(tr, act_ok[b])
        tr = _cmd(S, ring, lg, tr, REF, -1, -1)
        end = tr + T[T_RFC]
        for b in range(nb):
            act_ok[b] = max(act_ok[b], end)
    _add_iv(S, iv, tr, end)
    S[S_REF_END] = max(S[S_REF_END], end)
    S[S_LAST_REF] = tr
    S[S_REF_DONE] += 1
    return end


@njit(cache=True, inline="always")
def _select(cand, ncand, bank, row, wr, open_row, sched, last_dir):
    if sched == 0:
        return 0
    best = 0
    bestp = -1
    for j in range(ncand):
        x = cand[j]
        hit = 1 if open_row[bank[x]] == row[x] else 0
        if sched == 1:
            if hit:
                return j
        else:
            p = 2 * hit + (1 if wr[x] == last_dir else 0)
            if p > bestp:
                bestp = p
                best = j
                if p == 3:
                    return j
    return best


@njit(cache=True, inline="always")
def _slot_class(x, buf, bank, wr, nb):
    if buf == 0:
        return bank[x]
    if buf == 1:
        return nb + wr[x]
    return nb + 2


@njit(cache=True)
def simulate(arr, wr, bank, row, T, C):
    """Run the controller over bursts (arrival cycle, write flag, global bank, row; trace order).

    Returns:
        (data_end, resp, S, log, intervals, open_row): per-burst data-end and response cycles, the scalar state
        (counters), the command log ``(cycle, code, bank, row)`` (empty unless logging), the bank-active
        intervals (ACT..precharge and REF..REF+tRFC, starts non-decreasing) and the rows left open.
    """
    n = arr.shape[0]
    nb = T[T_NB]
    bpg = T[T_BPG]
    open_row = np.full(nb, -1, np.int64)
    pre_ok = np.zeros(nb, np.int64)
    act_ok = np.zeros(nb, np.int64)
    cas_ok = np.zeros(nb, np.int64)
    open_iv = np.full(nb, -1, np.int64)
    ngr = nb // bpg
    bg_act = np.full(ngr, -BIG, np.int64)
    bg_cas = np.full(ngr, -BIG, np.int64)
    bg_wr_end = np.full(ngr, -BIG, np.int64)
    faw = np.full(4, -BIG, np.int64)
    S = np.zeros(S_LEN, np.int64)
    for k in (S_LAST_ACT, S_LAST_CAS, S_LAST_RD, S_LAST_WR_END, S_LAST_PRE, S_LAST_CMD, S_LAST_RD_END, S_LAST_AP,
              S_PD_EXIT):
        S[k] = -BIG
    S[S_LAST_DIR] = 0
    log_on = C[C_LOG] != 0
    lg = np.empty((4 * n + 256 if log_on else 0, 4), np.int64)
    iv = np.empty((n + 256, 2), np.int64)
    ring = np.full(RING, -1, np.int64)
    cand = np.empty(n, np.int64)
    occ = np.zeros(nb + 3, np.int64)
    hs_t = np.empty(n, np.int64)
    hs_c = np.empty(n, np.int64)
    ha_t = np.empty(n, np.int64)
    ha_c = np.empty(n, np.int64)
    data_end = np.full(n, -1, np.int64)
    resp = np.full(n, -1, np.int64)

    ref_mode = C[C_REF]
    if ref_mode == 2 and T[T_HASPB] == 0:
        ref_mode = 1
    per_bank = ref_mode == 2
    refi = T[T_REFIPB] if per_bank else T[T_REFI]
    rfc = T[T_RFCPB] if per_bank else T[T_RFC]
    page, sched, buf, bufsize = C[C_PAGE], C[C_SCHED], C[C_BUF], C[C_BUFSIZE]
    arb, maxact, respq, pd = C[C_ARB], C[C_MAXACT], C[C_RESP], C[C_PD]
    maxpost, maxpull = C[C_MAXPOST], C[C_MAXPULL]

    now = 0
    nxt = 0
    ncand = 0
    nhs = 0
    nha = 0
    active = 0
    ndec = 0
    ro_ptr = 0
    ro_last = 0
    arb_ptr = 0
    arb_last = 0
    while ndec < n:
        if log_on:
            lg = _grow(lg, S[S_NLOG] + 64)
        iv = _grow(iv, S[S_NIV] + 64)
        while nhs > 0 and hs_t[0] <= now:
            occ[hs_c[0]] -= 1
            nhs = _hpop(hs_t, hs_c, nhs)
        while nha > 0 and ha_t[0] <= now:
            active -= 1
            nha = _hpop(ha_t, ha_c, nha)
        while nxt < n and arr[nxt] <= now:
            c = _slot_class(nxt, buf, bank, wr, nb)
            if occ[c] >= bufsize or (arb != 0 and active >= maxact):
                break
            occ[c] += 1
            active += 1
            cand[ncand] = nxt
            ncand += 1
            nxt += 1
        if ref_mode != 0:
            while now // refi - S[S_REF_DONE] > maxpost:
                if log_on:
                    lg = _grow(lg, S[S_NLOG] + 64)
                iv = _grow(iv, S[S_NIV] + 64)
                _refresh(S, ring, lg, T, per_bank, open_row, pre_ok, act_ok, open_iv, iv, now)

        if ncand == 0:  # idle until the next arrival or slot release
            t_next = BIG
            if nxt < n and arr[nxt] > now:
                t_next = arr[nxt]
            else:
                if nhs > 0:
                    t_next = hs_t[0]
                if nha > 0 and ha_t[0] < t_next:
                    t_next = ha_t[0]
            if t_next >= BIG:
                break  # cannot happen (see module docstring); guarantees termination regardless
            if ref_mode != 0:
                while True:
                    owed = now // refi - S[S_REF_DONE]
                    t_ref = now if owed >= 1 else (S[S_REF_DONE] + 1) * refi
                    if t_ref >= t_next:
                        break
                    if pd != 0:
                        _try_pd(S, lg, T, open_row, now, t_ref)
                    if log_on:
                        lg = _grow(lg, S[S_NLOG] + 64)
                    iv = _grow(iv, S[S_NIV] + 64)
                    end = _refresh(S, ring, lg, T, per_bank, open_row, pre_ok, act_ok, open_iv, iv, t_ref)
                    while (S[S_REF_DONE] - S[S_LAST_REF] // refi < maxpull and end + rfc <= t_next):
                        if log_on:
                            lg = _grow(lg, S[S_NLOG] + 64)
                        iv = _grow(iv, S[S_NIV] + 64)
                        end = _refresh(S, ring, lg, T, per_bank, open_row, pre_ok, act_ok, open_iv, iv,
                                       S[S_LAST_REF] + 1)
            if pd != 0:
                _try_pd(S, lg, T, open_row, now, t_next)
            now = t_next
            continue

        k = _select(cand, ncand, bank, row, wr, open_row, sched, S[S_LAST_DIR])
        i = cand[k]
        for j in range(k, ncand - 1):
            cand[j] = cand[j + 1]
        ncand -= 1
        b = bank[i]
        g = b // bpg
        r = row[i]
        w = wr[i]
        t0 = _wake(S, lg, T, now)
        if open_row[b] == r:
            S[S_HITS] += 1
        else:
            if open_row[b] >= 0:
                S[S_CONFL] += 1
                tp = _cmd(S, ring, lg, max(t0, pre_ok[b], S[S_LAST_PRE] + T[T_PPD]), PRE, b, open_row[b])
                S[S_LAST_PRE] = tp
                _close(b, tp, open_row, open_iv, iv)
                act_ok[b] = max(act_ok[b], tp + T[T_RP])
            else:
                S[S_MISSES] += 1
            ta = max(t0, act_ok[b], S[S_LAST_ACT] + T[T_RRDS], bg_act[g] + T[T_RRDL], faw[S[S_FAW_I]] + T[T_FAW])
            ta = _cmd(S, ring, lg, ta, ACT, b, r)
            open_row[b] = r
            pre_ok[b] = max(pre_ok[b], ta + T[T_RAS])
            act_ok[b] = max(act_ok[b], ta + T[T_RC])
            cas_ok[b] = ta + T[T_RCD]
            S[S_LAST_ACT] = ta
            bg_act[g] = ta
            faw[S[S_FAW_I]] = ta
            S[S_FAW_I] = (S[S_FAW_I] + 1) % 4
            open_iv[b] = _add_iv(S, iv, ta, BIG)
        lat = T[T_WL] if w else T[T_RL]
        tc = max(t0, cas_ok[b], S[S_LAST_CAS] + T[T_CCDS], bg_cas[g] + T[T_CCDL], S[S_BUS_FREE] - lat)
        if w:
            tc = max(tc, S[S_LAST_RD] + T[T_RTW])
        else:
            tc = max(tc, S[S_LAST_WR_END] + T[T_WTRS] + T[T_WTRX], bg_wr_end[g] + T[T_WTRL] + T[T_WTRX])
        ap = page == 2
        if page == 1 or page == 3:
            hit_pending = False
            miss_pending = False
            for j in range(ncand):
                x = cand[j]
                if bank[x] == b:
                    if row[x] == r:
                        hit_pending = True
                        break
                    miss_pending = True
            ap = (not hit_pending) if page == 3 else (not hit_pending and miss_pending)
        code = (WRA if ap else WR) if w else (RDA if ap else RD)
        tc = _cmd(S, ring, lg, tc, code, b, r)
        end = tc + lat + T[T_BURST]
        if w:
            pre_ok[b] = max(pre_ok[b], end + T[T_WR] + T[T_WRX])
            S[S_LAST_WR_END] = end
            bg_wr_end[g] = end
        else:
            pre_ok[b] = max(pre_ok[b], tc + T[T_RTP])
            S[S_LAST_RD] = tc
            S[S_LAST_RD_END] = max(S[S_LAST_RD_END], end)
        S[S_LAST_CAS] = tc
        bg_cas[g] = tc
        S[S_BUS_FREE] = end
        S[S_LAST_DIR] = w
        if ap:
            tpre = pre_ok[b]
            _close(b, tpre, open_row, open_iv, iv)
            act_ok[b] = max(act_ok[b], tpre + T[T_RP])
            S[S_LAST_AP] = max(S[S_LAST_AP], tpre)
        data_end[i] = end
        ndec += 1

        if respq == 0:
            resp[i] = end
            nhs = _hpush(hs_t, hs_c, nhs, end, _slot_class(i, buf, bank, wr, nb))
            if arb == 1:
                nha = _hpush(ha_t, ha_c, nha, end, 0)
        else:
            while ro_ptr < n and data_end[ro_ptr] >= 0:
                ro_last = max(ro_last, data_end[ro_ptr])
                resp[ro_ptr] = ro_last
                nhs = _hpush(hs_t, hs_c, nhs, ro_last, _slot_class(ro_ptr, buf, bank, wr, nb))
                if arb == 1:
                    nha = _hpush(ha_t, ha_c, nha, ro_last, 0)
                ro_ptr += 1
        if arb == 2:
            while arb_ptr < n and resp[arb_ptr] >= 0:
                arb_last = max(arb_last, resp[arb_ptr])
                nha = _hpush(ha_t, ha_c, nha, arb_last, 0)
                arb_ptr += 1
        now = max(now, tc - T[T_LOOK])
    return data_end, resp, S, lg[: S[S_NLOG]], iv[: S[S_NIV]], open_row


@njit(cache=True)
def union_length(iv, window):
    """Total length of the union of intervals (starts non-decreasing), clipped to ``[0, window)``."""
    total = 0
    cs = -1
    ce = -1
    for k in range(iv.shape[0]):
        s = min(iv[k, 0], window)
        e = min(iv[k, 1], window)
        if s > ce:
            if ce > cs:
                total += ce - cs
            cs = s
            ce = e
        elif e > ce:
            ce = e
    if ce > cs:
        total += ce - cs
    return total
