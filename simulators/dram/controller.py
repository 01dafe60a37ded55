"""The memory controller: DRAMSys 5's architecture, event-driven and JEDEC-exact, one rank.

Model (DRAMSys ``Controller``, ``BankMachine*``, ``Scheduler*``, ``CmdMuxOldest``, ``RefreshManager*``,
``PowerDownManagerStaggered``, ``RespQueue*``, ``Arbiter*``; names are DRAMSys's):

* **Front end.** The trace player sends request *i* at its timestamp, but not before the previous request was
  accepted. ``Arbiter`` Simple passes one request at a time to the controller (it reaches it one clock later,
  ``ThinkDelayFw``); Fifo and Reorder accept up to ``MaxActiveTransactions`` outstanding requests from the
  player and queue them for the controller. The controller stores a request when the scheduler has room for
  all its bursts (a request spanning *k* bursts is *k* transactions): ``Bankwise`` counts per bank (DRAMSys
  checks the bank of the last stored request), ``ReadWrite`` per direction (room in both), ``Shared`` in total;
  ``RequestBufferSize`` slots each. A request bigger than the buffer is stored into an empty one (DRAMSys
  deadlocks there).
* **Bank machines**, one per bank, pick their next transaction from the scheduler: Fifo the oldest of the
  bank, FrFcfs the oldest row hit else the oldest, FrFcfsGrp the oldest row hit in the direction of the last
  column command (without an older hit to the same address). Once a bank machine activated a row for a
  transaction it keeps it (or a newer hit to that row). Its next command is ACT (bank precharged), PRE (row
  conflict) or the column command, with auto-precharge by ``PagePolicy``: never (Open), always (Closed), when
  another request to the bank waits but no second row hit (OpenAdaptive), or when no second row hit waits
  (ClosedAdaptive). **A scheduler slot is freed when the column command issues.**
* **Command multiplexer (CmdMux Oldest).** At each clock, of the commands of the bank machines and the
  refresh manager, the one that ends first by JEDEC timing (:mod:`.timing`: same bank, bank group, rank,
  tFAW, command bus) issues; ties go to the oldest request (refresh first). So banks overlap their ACT/tRC
  windows: bank-level parallelism.
* **Refresh (AllBank; PerBank on LPDDR4 only).** One refresh is due every tREFI (tREFIpb round robin).
  While a bank machine holds a request it is postponed, at most ``RefreshMaxPostponed`` times (x banks for
  PerBank); then the bank machines are blocked until it is done (precharge-all first). After a due refresh,
  further ones are pulled in while every bank machine is idle, down to ``-RefreshMaxPulledin``.
* **Power-down (Staggered).** When no request is left the rank enters active or precharge power-down as soon as
  timing allows; a due refresh wakes it; after a precharge power-down exit with nothing to do it enters
  self-refresh, left on the next request through SRX, tXS and one refresh (DRAMSys's staggered manager).
* **Responses.** Data ends RL/WL + BL/2 after the column command (LPDDR4: plus tDQSCK / tDQSS + tDQS2DQ and the
  command length); ``RespQueue`` Fifo answers in column-command order, Reorder in request order, one response
  per clock handshake; ``Arbiter`` Reorder returns requests to the player in order, Fifo in completion order.

The loop is :func:`simulators.dram.kernel.run` (numba); vector layouts are in :mod:`simulators.dram.layout`.
"""

from __future__ import annotations

from numba import njit

from simulators.dram import layout as L
from simulators.dram.config import C_LOG, C_REF
from simulators.dram.kernel import run
from simulators.dram.layout import BIG, CMD_NAMES, timing_vector  # noqa: F401  (re-exported)


def simulate(rarr, rfirst, rn, tbank, trow, tcol, twr, tpar, T, D, CL, C, cap_guess=-1):
    """Run the controller; returns ``(data_end, ctrl_resp, resp, S, log, intervals)``.

    Output buffers (command log, bank-active intervals) start at a size guessed from the trace; when one proves
    too small the run repeats with the exact size (the simulation never reads them: same result).
    ``cap_guess`` (tests only) overrides the first guess.
    """
    nt = tbank.shape[0]
    nreq = rarr.shape[0]
    refi = T[L.T_REFIPB] if C[C_REF] == 2 else T[L.T_REFI]
    n_ref = int(rarr[-1]) // max(int(refi), 1) + 64 if nreq else 64
    cap_iv = nt + n_ref if cap_guess < 0 else cap_guess
    cap_log = (4 * nt + 4 * n_ref if cap_guess < 0 else cap_guess) if C[C_LOG] != 0 else 0
    while True:
        M, seg = L.pack(T, C, D, CL, rarr, rfirst, rn, tbank, trow, tcol, twr, tpar, cap_log, cap_iv)
        run(M)
        S = M[: L.S_LEN]
        if S[L.S_NIV] <= cap_iv and S[L.S_NLOG] <= cap_log:
            lg = M[seg["LG"]].reshape(-1, 4)[: S[L.S_NLOG]]
            iv = M[seg["IV"]].reshape(-1, 2)[: S[L.S_NIV]]
            return M[seg["DATA_END"]], M[seg["CTRL_RESP"]], M[seg["RESP"]], S, lg, iv
        cap_iv = max(cap_iv, int(S[L.S_NIV]))
        cap_log = max(cap_log, int(S[L.S_NLOG]))


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
