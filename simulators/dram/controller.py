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

import numpy as np
from numba import njit

from simulators.dram import layout as L
from simulators.dram.config import C_LEN, C_LOG, C_REF
from simulators.dram.kernel import run
from simulators.dram.layout import BIG, CMD_NAMES, timing_vector  # noqa: F401  (re-exported)


def capacities(rarr, nt, T, C, cap_guess=-1):
    """First guesses of the output buffers' sizes ``(cap_log, cap_iv)``: the command log (0 when off) and the
    bank-active intervals; a run that overflows one is repeated with the exact size (:func:`simulate`)."""
    nreq = rarr.shape[0]
    refi = T[L.T_REFIPB] if C[C_REF] == 2 else T[L.T_REFI]
    n_ref = int(rarr[-1]) // max(int(refi), 1) + 64 if nreq else 64
    n_ref = min(n_ref, 4 * nt + 64)  # (long idle gaps: refreshes beyond that, if any, cost one re-run)
    cap_iv = nt + n_ref if cap_guess < 0 else cap_guess
    cap_log = (4 * nt + 4 * n_ref if cap_guess < 0 else cap_guess) if C[C_LOG] != 0 else 0
    return cap_log, cap_iv


class Workspace:
    """The kernel's memory for repeated runs on one trace and device: the trace, timings and rules are written
    once; each run restores the fixed part (:data:`.layout.FIXED_END`) and sets the design, and the kernel
    initialises the rest. Not thread-safe: one per thread."""

    def __init__(self, rarr, rfirst, rn, tbank, trow, tcol, twr, tpar, T, D, CL, cap_log, cap_iv):
        self.cap_log, self.cap_iv = int(cap_log), int(cap_iv)
        self.M, self.seg = L.pack(T, np.zeros(C_LEN, dtype=np.int64), D, CL, rarr, rfirst, rn, tbank, trow, tcol,
                                  twr, tpar, self.cap_log, self.cap_iv)
        self.fixed = self.M[: L.FIXED_END].copy()

    def run(self, C) -> bool:
        """Simulate design ``C``; False when an output buffer overflowed (then run again with a larger one)."""
        M = self.M
        M[: L.FIXED_END] = self.fixed
        M[L.O_C: L.O_C + C_LEN] = C
        run(M)
        return M[L.S_NIV] <= self.cap_iv and M[L.S_NLOG] <= self.cap_log

    def outputs(self):
        """``(data_end, ctrl_resp, resp, S, log, intervals)`` of the last run: views, valid until the next run."""
        M, seg = self.M, self.seg
        S = M[: L.S_LEN]
        lg = M[seg["LG"]].reshape(-1, 4)[: S[L.S_NLOG]]
        iv = M[seg["IV"]].reshape(-1, 2)[: S[L.S_NIV]]
        return M[seg["DATA_END"]], M[seg["CTRL_RESP"]], M[seg["RESP"]], S, lg, iv


def simulate(rarr, rfirst, rn, tbank, trow, tcol, twr, tpar, T, D, CL, C, cap_guess=-1):
    """Run the controller; returns ``(data_end, ctrl_resp, resp, S, log, intervals)``.

    Output buffers (command log, bank-active intervals) start at a size guessed from the trace; when one proves
    too small the run repeats with the exact size (the simulation never reads them: same result).
    ``cap_guess`` (tests only) overrides the first guess.
    """
    cap_log, cap_iv = capacities(rarr, tbank.shape[0], T, C, cap_guess)
    while True:
        ws = Workspace(rarr, rfirst, rn, tbank, trow, tcol, twr, tpar, T, D, CL, cap_log, cap_iv)
        if ws.run(C):
            return ws.outputs()
        S = ws.M[: L.S_LEN]
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


@njit(cache=True, nogil=True)
def time_summary(resp, iv, arrival_ns, read_index, tck, reads):
    """``(sim_end, window, busy, n_open, unanswered, max_read)`` of a run: the clock after the last response, the
    power window (that, or the end of the last closed bank-active interval if later), the clocks some bank is
    active in it, the intervals still open at the end (banks left active: ACTs without a precharge), how many
    requests got no response (always 0) and the largest read latency; fills ``reads`` with the latencies (ns) of
    the requests in ``read_index`` (``resp * tck - arrival_ns``, as numpy computes it)."""
    sim_end = 0
    unanswered = 0
    for r in range(resp.shape[0]):
        sim_end = max(sim_end, resp[r] + 1)
        unanswered += resp[r] < 0
    max_read = -np.inf
    for i in range(read_index.shape[0]):
        r = read_index[i]
        reads[i] = resp[r] * tck - arrival_ns[r]
        max_read = max(max_read, reads[i])
    window = sim_end
    n_open = 0
    ordered = True
    for k in range(iv.shape[0]):
        if iv[k, 1] < BIG:
            window = max(window, iv[k, 1])
        else:
            n_open += 1
        if k > 0 and iv[k, 0] < iv[k - 1, 0]:
            ordered = False
    if not ordered:
        iv = iv[np.argsort(iv[:, 0], kind="mergesort")]
    return sim_end, window, union_length(iv, window), n_open, unanswered, max_read


def percentile_plan(n: int, q: float) -> tuple[int, float]:
    """How ``np.percentile(x, q)`` (method "linear") picks from ``n`` sorted values: ``(k, gamma)``, the result being
    ``sorted[k]`` moved by ``gamma`` towards ``sorted[k + 1]``, or ``k = -1`` for the largest value."""
    v = (n - 1) * (q / 100)
    if v >= n - 1:
        return -1, 0.0
    k = int(np.floor(v))
    return k, v - k


def percentile(x: np.ndarray, plan: tuple[int, float]) -> float:
    """``np.percentile(x, q)`` for a :func:`percentile_plan` of ``x.size`` and ``q``, bit for bit (numpy's order
    statistics and interpolation, without its per-call set-up); ``x`` is left unchanged."""
    k, gamma = plan
    if k < 0:
        return float(x.max())
    part = np.partition(x, (k, k + 1))
    a, b = float(part[k]), float(part[k + 1])
    diff = b - a
    return b - diff * (1 - gamma) if gamma >= 0.5 else a + diff * gamma
