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

The loop itself is :func:`simulators.dram.kernel.run`; the vector layouts are in :mod:`simulators.dram.layout`
(re-exported here).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.dram import layout as L
from simulators.dram.config import C_LOG, C_REF
from simulators.dram.kernel import run
from simulators.dram.layout import (  # noqa: F401  (re-exported for the simulator and the tests)
    BIG,
    CMD_NAMES,
    S_CNT,
    S_CONFL,
    S_HITS,
    S_MISSES,
    S_TPD_ACT,
    S_TPD_PRE,
    timing_vector,
)


@njit(cache=True, nogil=True)
def simulate(arr, wr, bank, row, T, C, cap_guess=-1):
    """Run the controller over bursts (arrival cycle, write flag, global bank, row; trace order).

    ``cap_guess`` (tests only) overrides the initial size of the output buffers, to exercise the re-run.

    Returns:
        (data_end, resp, S, log, intervals, open_row): per-burst data-end and response cycles, the scalar state
        (counters), the command log ``(cycle, code, bank, row)`` (empty unless logging), the bank-active
        intervals (ACT..precharge and REF..REF+tRFC, starts non-decreasing) and the rows left open.
    """
    n = arr.shape[0]
    per_bank = C[C_REF] == 2
    refi = T[L.T_REFIPB] if per_bank and T[L.T_HASPB] != 0 else T[L.T_REFI]
    # Output buffers sized from a guess (bursts, plus refreshes over the arrival span and some slack); when one
    # proves too small, run again with the exact size (the simulation never reads them: same result).
    n_ref = (arr[n - 1] if n > 0 else 0) // refi + n // 4 + 64
    cap_iv = n + n_ref if cap_guess < 0 else cap_guess
    cap_log = (5 * n + 4 * n_ref if cap_guess < 0 else cap_guess) if C[C_LOG] != 0 else 0
    while True:
        S = np.zeros(L.S_LEN, np.int64)
        for k in (L.S_LAST_ACT, L.S_LAST_CAS, L.S_LAST_RD, L.S_LAST_WR_END, L.S_LAST_PRE, L.S_LAST_CMD,
                  L.S_LAST_RD_END, L.S_LAST_AP, L.S_PD_EXIT):
            S[k] = -BIG
        lg = np.empty((cap_log, 4), np.int64)
        iv = np.empty((cap_iv, 2), np.int64)
        data_end = np.full(n, -1, np.int64)
        resp = np.full(n, -1, np.int64)
        open_row = np.full(T[L.T_NB], -1, np.int64)
        run(arr, wr, bank, row, T, C, S, lg, iv, data_end, resp, open_row)
        if S[L.S_NIV] <= cap_iv and S[L.S_NLOG] <= cap_log:
            return data_end, resp, S, lg[: S[L.S_NLOG]], iv[: S[L.S_NIV]], open_row
        cap_iv = max(cap_iv, S[L.S_NIV])
        cap_log = max(cap_log, S[L.S_NLOG])


@njit(cache=True, nogil=True)
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
