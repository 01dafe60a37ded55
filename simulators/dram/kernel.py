"""The event-driven controller loop (numba); the model is described in :mod:`simulators.dram.controller`.

One pass of the loop is one call of DRAMSys's ``Controller::controllerMethod`` at time ``now``: front end
(arbiter acceptances, one request into the scheduler), refresh and power-down managers, then the command
multiplexer issues the ready command that ends first (oldest payload on ties). After a command the loop runs
again at the same time, as DRAMSys re-evaluates its managers; otherwise it jumps to the next event. When the
chosen command is that next event (no arrival, admission, arbiter step or refresh trigger comes before it), the
pass at its time would change nothing before issuing it, so it issues at once.

Performance notes: everything lives in one function with closures (numba inlines them; out-of-line helpers
taking arrays would reference-count every array on every call). Scalars shared with closures live in the
state vector ``S`` (positions in :mod:`.layout`). Bank machines are re-evaluated only when their inputs change
(their bank's buffer or state, rank commands, the FR-FCFS-Grp direction), and the candidate scan runs only when
something changed; a pure time advance reuses the previous choice, which stays the best (see controller docs).
The timing-rule updates and the rank part of the command keys are explicit vector operations on 8-word rows
(:func:`_raise8`, :func:`_rank_keys`): LLVM does not vectorise those loops itself, since it cannot rule out overlap
within ``M``. The bank scan stays scalar: a vector load of keys just stored one at a time waits for the stores to
retire (store-to-load forwarding fails), which costs more than the scalar loop (measured).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from llvmlite import ir
from numba import carray, njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from simulators.dram import config as cfg
from simulators.dram import layout as L
from simulators.dram.timing import (
    ACT,
    NCMD,
    PDEA,
    PDEP,
    PDXA,
    PDXP,
    PRE,
    PREA,
    RD,
    RDA,
    REF,
    REFPB,
    SREFEN,
    SREFEX,
    WR,
    WRA,
)


def _guard_cache() -> None:
    """Drop numba's cached machine code of :func:`run` when a module it compiles against changed.

    numba keys its cache on this file alone; the layout, timing codes and config indices it freezes in as
    constants live in other modules, so a change there would otherwise run stale code.
    """
    here = Path(__file__).resolve().parent
    digest = hashlib.sha256(b"".join((here / f).read_bytes() for f in
                                     ("kernel.py", "layout.py", "timing.py", "config.py"))).hexdigest()
    cache = here / "__pycache__"
    stamp = cache / "kernel.deps"
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        cache.mkdir(exist_ok=True)
        for f in cache.glob("kernel.run-*.nb[ic]"):
            f.unlink()
        stamp.write_text(digest)
    except OSError:  # read-only install: numba then compiles in memory anyway
        pass


_guard_cache()
assert WRA < 1 << L.CMD_BITS and L.MAX_BANKS == 1 << (L.KEY_LOW_BITS - L.CMD_BITS)  # (the key layout: see layout)


@intrinsic
def _void_ptr(typingctx, address):
    """An int64 address as a ``void*`` (to view memory with ``numba.carray``)."""

    def codegen(context, builder, signature, args):
        return builder.inttoptr(args[0], cgutils.voidptr_t)

    return types.voidptr(address), codegen


@intrinsic
def u(typingctx, i):
    """An int64 index as uint64: numba then skips the negative-index wraparound (a compare and select per access
    that also keeps LLVM from vectorising loops over contiguous segments). Every index into ``M`` is >= 0."""

    def codegen(context, builder, signature, args):
        return args[0]

    return types.uint64(i), codegen


@intrinsic
def _scalar(typingctx):
    """An empty instruction sequence that LLVM must keep: in a loop, it stops the loop from being vectorised. The
    command scan reads keys stored one at a time just before; a vector load over such recent narrow stores waits
    for them to retire (store-to-load forwarding fails), which costs more than the scalar loop."""

    def codegen(context, builder, signature, args):
        builder.asm(ir.FunctionType(ir.VoidType(), []), "", "", [], side_effect=True)
        return context.get_dummy_value()

    return types.void(), codegen


@intrinsic
def _prefetch(typingctx, address):
    """A hint to bring the cache line at an int64 address close (``llvm.prefetch``: read, high locality)."""

    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [cgutils.voidptr_t, i32, i32, i32])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "llvm.prefetch.p0")
        builder.call(fn, [builder.inttoptr(args[0], cgutils.voidptr_t), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return types.void(address), codegen


@intrinsic
def _raise8(typingctx, dst, src, t):
    """``dst[0:8] = max(dst[0:8], t + src[0:8])`` for int64 vectors at byte addresses ``dst`` and ``src``: two
    4-wide vector operations (LLVM leaves the scalar loop unvectorised, unable to rule out overlap within ``M``)."""

    def codegen(context, builder, signature, args):
        d, s, tv = args
        for half in range(2):
            pd = _ptr4(builder, d, half)
            v = builder.add(builder.load(_ptr4(builder, s, half), align=8), _splat4(builder, tv))
            builder.store(_max4(builder, builder.load(pd, align=8), v), pd, align=8)
        return context.get_dummy_value()

    return types.void(dst, src, t), codegen


@intrinsic
def _rank_keys(typingctx, dst, rnext, cl, base, shift):
    """``dst[0:8] = (max(base, rnext[0:8]) + cl[0:8]) << shift`` for int64 vectors at byte addresses: the rank /
    command-bus part of each command's key (:func:`run`'s ``rescan``) as two 4-wide vector operations."""

    def codegen(context, builder, signature, args):
        d, rn, c, b, sh = args
        for half in range(2):
            v = _max4(builder, builder.load(_ptr4(builder, rn, half), align=8), _splat4(builder, b))
            v = builder.add(v, builder.load(_ptr4(builder, c, half), align=8))
            builder.store(builder.shl(v, _splat4(builder, sh)), _ptr4(builder, d, half), align=8)
        return context.get_dummy_value()

    return types.void(dst, rnext, cl, base, shift), codegen


# 4-wide (256-bit) halves of the 8-word rows: on this Zen 4 the same code with 8-wide (512-bit) vectors ran ~2%
# slower, and these lower to AVX2 or SSE pairs on machines without AVX-512. The rows are 64-byte aligned (see
# .layout.ROW), so each half sits within one cache line (loads and stores still claim only 8-byte alignment).
_V4 = ir.VectorType(ir.IntType(64), 4)


def _ptr4(builder, address, half):
    """Half ``half`` (0 or 1) of the 8 int64 words at byte address ``address``, as a pointer to an <4 x i64> vector."""
    return builder.inttoptr(builder.add(address, ir.Constant(ir.IntType(64), 32 * half)), _V4.as_pointer())


def _max4(builder, a, b):
    """The lane-wise signed maximum of two <4 x i64> vectors."""
    return builder.select(builder.icmp_signed(">", a, b), a, b)


def _splat4(builder, x):
    """An <4 x i64> vector of the int64 value ``x``."""
    v = builder.insert_element(ir.Constant(_V4, ir.Undefined), x, ir.Constant(ir.IntType(32), 0))
    return builder.shuffle_vector(v, ir.Constant(_V4, ir.Undefined), ir.Constant(ir.VectorType(ir.IntType(32), 4), [0] * 4))


@njit(cache=True, nogil=True, error_model="numpy")  # no zero-division checks (divisors are device constants)
def run(mem):
    """Simulate the requests and transactions packed into the flat int64 memory ``M`` (:func:`.layout.pack`).

    The run initialises each request's and transaction's state when the request is admitted (nothing reads it
    before), so a memory that keeps the trace can be reused after restoring its fixed part (``M[:layout.FIXED_END]``:
    scalar state, header, tables, bank state).

    Fills the output segments of ``M``: ``data_end`` per transaction, ``ctrl_resp`` / ``resp`` (controller
    BEGIN_RESP / initiator response) per request, the command log ``lg`` (capacity 0: off), the bank-active
    intervals ``iv`` and the state vector ``S`` (counters, at offset 0); entries beyond a buffer's capacity are
    only counted (``S_NLOG``, ``S_NIV``). Returns ``S_STUCK`` (1 when no event was left with requests unserved:
    never, unless the model breaks). Everything lives in one array so that the closures below share a
    single reference-counted object (each extra captured array costs atomic reference counting per call).
    The closures see ``M``, a view of ``mem`` without a reference count (``carray`` over its address): numba
    reference-counts an array captured by a closure that contains a loop on every call, which would cost two
    atomic operations per call.
    """
    addr = mem.ctypes.data
    M = carray(_void_ptr(addr), (mem.shape[0],), np.int64)
    h = L.S_LEN
    nreq, nt, nb = M[u(h + L.H_NREQ)], M[u(h + L.H_NT)], M[u(h + L.H_NB)]
    grules = M[u(h + L.H_GRULES)] != 0
    cap_log, cap_iv = M[u(h + L.H_CAPLOG)], M[u(h + L.H_CAPIV)]
    o_T, o_C = L.O_T, L.O_C
    o_rarr = M[u(h + L.H_RARR)]
    o_rfirst = M[u(h + L.H_RFIRST)]
    o_rn = M[u(h + L.H_RN)]
    o_tbank = M[u(h + L.H_TBANK)]
    o_trow = M[u(h + L.H_TROW)]
    o_tcol = M[u(h + L.H_TCOL)]
    o_twr = M[u(h + L.H_TWR)]
    o_tpar = M[u(h + L.H_TPAR)]
    o_srnext = M[u(h + L.H_SRNEXT)]
    chain = M[u(h + L.H_CHAIN)] != 0
    o_bst = L.O_BST
    o_orow = L.O_OROW
    o_cur = L.O_CUR
    o_keep = L.O_KEEP
    o_ncmd = L.O_NCMD
    o_blocked = L.O_BLOCKED
    o_dirty = L.O_DIRTY
    o_dstack = L.O_DSTACK
    o_grp = L.O_GRP
    o_rk = L.O_RK
    o_sa, o_sc, o_si = L.O_SA, L.O_SC, L.O_SI
    o_head = L.O_HEAD
    o_tail = L.O_TAIL
    o_cnt = L.O_CNT
    o_nhit = L.O_NHIT
    o_bact = L.O_BACT
    o_ivo = L.O_IVO
    o_lnext = M[u(h + L.H_LNEXT)]
    o_lprev = M[u(h + L.H_LPREV)]
    o_tflag = M[u(h + L.H_TFLAG)]
    o_rnext = L.O_RNEXT
    o_last = L.O_LAST
    o_faw = L.O_FAW
    o_acc = M[u(h + L.H_ACC)]
    o_rleft = M[u(h + L.H_RLEFT)]
    o_rstrobe = M[u(h + L.H_RSTROBE)]
    o_rel = M[u(h + L.H_REL)]
    o_best = L.O_BEST
    o_data_end = M[u(h + L.H_DATA_END)]
    o_ctrl_resp = M[u(h + L.H_CTRL_RESP)]
    o_resp = M[u(h + L.H_RESP)]
    o_CL = L.O_CL
    o_bnext = L.O_BNEXT
    o_gnext = L.O_GNEXT
    o_D = L.O_D
    o_lg = M[u(h + L.H_LG)]
    o_iv = M[u(h + L.H_IV)]
    bpg = M[u(o_T + L.T_BPG)]
    burst, rd_data, wr_data = M[u(o_T + L.T_BURST)], M[u(o_T + L.T_RD_DATA)], M[u(o_T + L.T_WR_DATA)]
    t_rtp, t_ras, t_wrpre, t_faw = M[u(o_T + L.T_RTP)], M[u(o_T + L.T_RAS)], M[u(o_T + L.T_WRPRE)], M[u(o_T + L.T_FAW)]
    t_rfc, t_rfcpb = M[u(o_T + L.T_RFC)], M[u(o_T + L.T_RFCPB)]
    page, sched, buf, bufsize = M[u(o_C + cfg.C_PAGE)], M[u(o_C + cfg.C_SCHED)], M[u(o_C + cfg.C_BUF)], M[u(o_C + cfg.C_BUFSIZE)]
    respq, refm, pdm = M[u(o_C + cfg.C_RESP)], M[u(o_C + cfg.C_REF)], M[u(o_C + cfg.C_PD)]
    arb, maxact = M[u(o_C + cfg.C_ARB)], M[u(o_C + cfg.C_MAXACT)]
    per_bank = refm == 2
    queue_blind = (page == 0 or page == 2) and sched != 2  # bank machines that ignore requests behind their own
    refi = M[u(o_T + L.T_REFIPB)] if per_bank else M[u(o_T + L.T_REFI)]
    maxpost = M[u(o_C + cfg.C_MAXPOST)] * (nb if per_bank else 1)
    maxpull = M[u(o_C + cfg.C_MAXPULL)] * (nb if per_bank else 1)
    allbanks = (1 << nb) - 1
    sh = L.id_bits(nreq)  # the packed (time, id, bank, command) keys of the command choice: see layout.KEY_LOW_BITS
    shk = sh + L.KEY_LOW_BITS
    # (keys stay below BIG while times stay below L.key_time_limit(nreq): the simulator checks the run's end)
    simask = (1 << shk) - 1  # the id part of a key
    IDLE_CMD = L.IDLE_CMD

    # --- bookkeeping ---------------------------------------------------------------------------------------
    def log(t, c, b, j, own):
        """Count command c (bank b, transaction j of a bank machine's own command) and log it with its row."""
        M[u(L.S_CNT + c)] += 1
        if cap_log > 0:
            k = M[u(L.S_NLOG)]
            if k < cap_log:
                M[u(o_lg + 4 * k)] = t
                M[u(o_lg + 4 * k + 1)] = c
                M[u(o_lg + 4 * k + 2)] = b
                M[u(o_lg + 4 * k + 3)] = M[u(o_orow + b)] if (b >= 0 and c != ACT) else (M[u(o_trow + j)] if own else -1)
            M[u(L.S_NLOG)] = k + 1

    def add_iv(s, e):
        k = M[u(L.S_NIV)]
        if k < cap_iv:
            M[u(o_iv + 2 * k)] = s
            M[u(o_iv + 2 * k + 1)] = e
        M[u(L.S_NIV)] = k + 1
        return k

    def close_iv(b, t):
        if M[u(o_ivo + b)] < cap_iv:
            M[u(o_iv + 2 * M[u(o_ivo + b)] + 1)] = t

    def rank_next(c):
        """Rank-wide earliest time of command c: kept up to date for the bank machines' commands (ACT .. WRA) as
        each command issues; for the others (refresh, power-down; rare) derived from the last issue time of each
        command, which gives the same maximum since issue times never decrease."""
        if c <= WRA:
            return M[u(o_rnext + c)]
        t = 0
        for p in range(NCMD):
            t = max(t, M[u(o_last + p)] + M[u(o_D + (2 * NCMD + p) * L.ROW + c)])
        return t

    def ready(c, b):
        """Earliest issue time of command c (bank b, -1 for rank commands) by the timing rules."""
        t = max(M[u(L.S_CMDBUS)], rank_next(c))
        if b >= 0:
            t = max(t, M[u(o_bnext + b * L.ROW + c)], M[u(o_gnext + M[u(o_grp + b)] * L.ROW + c)])
        if c == ACT:
            t = max(t, M[u(o_faw + M[u(L.S_FAWI)])] + t_faw)
        return t

    def local_key(b, c):
        """The bank / bank-group part of bank b's key for its command c (``SA``, see :func:`local_ready`);
        the bank-group part only where its rules can bind (``grules``)."""
        lr = M[u(o_bnext + b * L.ROW + c)]
        if grules:
            lr = max(lr, M[u(o_gnext + M[u(o_grp + b)] * L.ROW + c)])
        return ((lr + M[u(o_CL + c)]) << shk) + M[u(o_si + b)]

    def key_id(b, c):
        """The low part of bank b's key for its command c: ``(id << 5 | b) << CMD_BITS | c`` (id = payload id + 1)."""
        return ((((M[u(o_tpar + M[u(o_cur + b)])] + 1) << 5) | b) << L.CMD_BITS) | c

    def choose_key(m):
        """Make the bank command packed in key m the chosen one (BEST: bank, command, issue time, valid)."""
        b = (m >> L.CMD_BITS) & (L.MAX_BANKS - 1)
        c = m & ((1 << L.CMD_BITS) - 1)
        M[u(o_best + 0)], M[u(o_best + 1)], M[u(o_best + 2)], M[u(o_best + 3)] = b, c, (m >> shk) - M[u(o_CL + c)], 1

    def local_ready(b):
        """Cache the bank / bank-group part of bank b's next command time, packed for the command choice:
        ``SA = (((local time + len) << sh + id) << 5 | b) << 3 | c`` (id = payload id + 1; the bank index orders
        ties, and the command code c below it never does, but lets the choice be read off the key without a load),
        ``SI = (id << 5 | b) << 3 | c``, ``SC`` = command c (``IDLE_CMD`` when none)."""
        c = M[u(o_ncmd + b)]
        if c != L.NOP:
            M[u(o_si + b)] = key_id(b, c)
            M[u(o_sa + b)] = local_key(b, c)
            M[u(o_sc + b)] = c
        else:
            M[u(o_sc + b)] = IDLE_CMD
            M[u(o_sa + b)] = L.BIG

    def refresh_group(b):
        """Raise ``SA`` of bank b's group mates to the group's new earliest times after a command on b (group times
        only grow, so the larger of the cached key and the group key is the new key; an idle bank keeps BIG; a bank
        marked for re-evaluation gets a value that its re-evaluation replaces)."""
        lo = M[u(o_grp + b)] * bpg
        q = o_gnext + M[u(o_grp + b)] * L.ROW
        for k in range(lo, lo + bpg):
            c = max(M[u(o_ncmd + k)], 0)
            M[u(o_sa + k)] = max(M[u(o_sa + k)], ((M[u(q + c)] + M[u(o_CL + c)]) << shk) + M[u(o_si + k)])

    def apply_rules(c, b, t):
        """Raise the earliest times that command c at time t constrains: on the rank (ACT .. WRA are read; see
        :func:`rank_next`), on bank b and on its bank group, eight columns ACT .. REF at a time (the columns that
        rules of the scope can target, :data:`.layout.BANK_COLS` and :data:`.layout.GROUP_COLS`, lie within them
        but for the bank's REFPB, raised where per-bank refresh can issue it; other columns raised are never read)."""
        M[u(o_last + c)] = t
        has = M[u(L.O_HAS + c)]  # which scopes have rules from c (bits: rank, bank, group)
        if has & 1:  # rank rules of c (columns ACT .. REF; REF's is unused: see rank_next)
            _raise8(addr + 8 * o_rnext, addr + 8 * (o_D + (2 * NCMD + c) * L.ROW), t)
        if b >= 0:
            r = o_D + c * L.ROW  # bank rules: columns ACT .. REF, then REFPB
            q = o_bnext + b * L.ROW
            _raise8(addr + 8 * q, addr + 8 * r, t)
            if per_bank:  # (REFPB's column matters only to per-bank refresh)
                M[u(q + REFPB)] = max(M[u(q + REFPB)], t + M[u(r + REFPB)])
            if grules and has & 4:  # bank-group rules (without grules they never bind: see layout.pack)
                _raise8(addr + 8 * (o_gnext + M[u(o_grp + b)] * L.ROW), addr + 8 * (o_D + (NCMD + c) * L.ROW), t)
        M[u(L.S_CMDBUS)] = t + M[u(o_CL + c)]
        if c == ACT:
            M[u(o_faw + M[u(L.S_FAWI)])] = t
            M[u(L.S_FAWI)] = (M[u(L.S_FAWI)] + 1) & 3


    # --- scheduler and bank machines (DRAMSys Scheduler*, BankMachine*) -------------------------------------------
    def next_request(b):
        """Scheduler::getNextRequest: Fifo the oldest; FrFcfs the oldest row hit; FrFcfsGrp the oldest row hit
        in the last column command's direction without an older hit to the same address."""
        j = M[u(o_head + b)]
        if sched == 0 or M[u(o_nhit + b)] == 0:
            return j
        r = M[u(o_orow + b)]
        first = -1
        while j >= 0:
            if M[u(o_trow + j)] == r:
                if sched == 1:
                    return j
                if first < 0:
                    first = j
                if M[u(o_twr + j)] == M[u(L.S_LASTDIR)]:
                    k = first
                    hazard = False
                    while k != j:
                        if M[u(o_trow + k)] == r and M[u(o_tcol + k)] == M[u(o_tcol + j)]:
                            hazard = True
                            break
                        k = M[u(o_lnext + k)]
                    if not hazard:
                        return j
            j = M[u(o_lnext + j)]
        return first

    def further_row_hit(b):
        if sched == 0:
            j = M[u(o_head + b)]
            return j >= 0 and M[u(o_lnext + j)] >= 0 and M[u(o_trow + M[u(o_lnext + j)])] == M[u(o_orow + b)]
        return M[u(o_nhit + b)] >= 2

    def count_hits(b):
        """The number of bank b's queued requests to its open row (at its ACT). Along the row's chain of
        transactions (:data:`.layout.VARIABLE` SRNEXT) when the ACT's request is the oldest queued one: the queue
        then holds the chain's members from it up to the admission frontier that have not been served."""
        n = 0
        j = M[u(o_cur + b)]
        if chain and j == M[u(o_head + b)]:
            r = M[u(L.S_FE_R)]
            lim = M[u(o_rfirst + r)] if r < nreq else nt
            while j < lim:
                if M[u(o_data_end + j)] < 0:
                    n += 1
                j = M[u(o_srnext + j)]
            M[u(o_nhit + b)] = n
            return
        j = M[u(o_head + b)]
        while j >= 0:
            if M[u(o_trow + j)] == M[u(o_orow + b)]:
                n += 1
            j = M[u(o_lnext + j)]
        M[u(o_nhit + b)] = n

    def evaluate(b):
        M[u(o_ncmd + b)] = L.NOP
        if M[u(L.S_SLEEP)] == 0 and M[u(o_blocked + b)] == 0:
            p = next_request(b)
            if p >= 0:
                if M[u(o_cur + b)] < 0:
                    M[u(L.S_NBUSY)] += 1
                if M[u(o_keep + b)] == 0 or M[u(o_trow + p)] == M[u(o_orow + b)]:
                    M[u(o_cur + b)] = p
                j = M[u(o_cur + b)]
                if M[u(o_bst + b)] == 0:
                    M[u(o_ncmd + b)] = ACT
                elif M[u(o_trow + j)] != M[u(o_orow + b)]:
                    M[u(o_ncmd + b)] = PRE
                else:
                    ap = page == 2
                    if page == 1:  # OpenAdaptive
                        ap = M[u(o_cnt + b)] >= 2 and not further_row_hit(b)
                    elif page == 3:  # ClosedAdaptive
                        ap = not further_row_hit(b)
                    M[u(o_ncmd + b)] = (WRA if ap else WR) if M[u(o_twr + j)] else (RDA if ap else RD)
        local_ready(b)

    def reevaluate():
        for k in range(M[u(L.S_NDIRTY)]):
            b = M[u(o_dstack + k)]
            M[u(o_dirty + b)] = 0
            evaluate(b)
        M[u(L.S_NDIRTY)] = 0

    def mark(b):
        if M[u(o_dirty + b)] == 0:
            M[u(o_dirty + b)] = 1
            M[u(o_dstack + M[u(L.S_NDIRTY)])] = b
            M[u(L.S_NDIRTY)] += 1

    def mark_all():
        for b in range(nb):
            mark(b)

    # --- power-down manager (PowerDownManagerStaggered) -------------------------------------------------------------
    def pd_entry():
        M[u(L.S_PIDLE)] = 1
        if M[u(L.S_PSTATE)] == L.PD_IDLE:
            M[u(L.S_PENTRY)] = 1

    def pd_exit():
        M[u(L.S_PIDLE)] = 0
        M[u(L.S_PSREF)] = 0
        M[u(L.S_PENTRY)] = 0
        if M[u(L.S_PSTATE)] != L.PD_IDLE:
            M[u(L.S_PEXIT)] = 1

    def pd_evaluate():
        c = L.NOP
        if M[u(L.S_PEXIT)] != 0:
            st = M[u(L.S_PSTATE)]
            c = PDXA if st == L.PD_ACT else (PDXP if st == L.PD_PRE else (SREFEX if st == L.PD_SREF else REF))
        elif M[u(L.S_PENTRY)] != 0:
            c = PDEA if M[u(L.S_NACT)] > 0 else PDEP
        elif M[u(L.S_PSREF)] != 0:
            c = SREFEN
        if c != M[u(L.S_PCMD)]:
            M[u(L.S_PCMD)] = c
            M[u(L.S_DIRTY)] = 1

    def pd_update(c, t):
        if c == PDEA or c == PDEP or c == SREFEN:
            M[u(L.S_PSTATE)] = L.PD_ACT if c == PDEA else (L.PD_PRE if c == PDEP else L.PD_SREF)
            M[u(L.S_PENTRY)] = 0
            M[u(L.S_PSTART)] = t
            if c == SREFEN:
                M[u(L.S_PSREF)] = 0
                M[u(L.S_NSREF)] += 1
        elif c == PDXA or c == PDXP:
            M[u(L.S_PSTATE)] = L.PD_IDLE
            M[u(L.S_PEXIT)] = 0
            M[u(L.S_TPD_ACT if c == PDXA else L.S_TPD_PRE)] += t - M[u(L.S_PSTART)]
            if c == PDXP and M[u(L.S_PIDLE)] != 0:
                M[u(L.S_PSREF)] = 1
        elif c == SREFEX:
            M[u(L.S_PSTATE)] = L.PD_EXTRA
            M[u(L.S_TSREF)] += t - M[u(L.S_PSTART)]
        elif c == REF:
            if M[u(L.S_PSTATE)] == L.PD_EXTRA:
                M[u(L.S_PSTATE)] = L.PD_IDLE
                M[u(L.S_PEXIT)] = 0
            elif M[u(L.S_PIDLE)] != 0:
                M[u(L.S_PENTRY)] = 1
        elif c == REFPB and M[u(L.S_PIDLE)] != 0:
            M[u(L.S_PENTRY)] = 1

    # --- refresh manager (RefreshManagerAllBank / RefreshManagerPerBank) ------------------------------------------
    def first_idle_remaining():
        """Lowest remaining bank whose machine is idle, or -1."""
        for b in range(nb):
            if (M[u(L.S_RREM)] >> b) & 1 and M[u(o_cur + b)] < 0:
                return b
        return -1

    def first_remaining():
        for b in range(nb):
            if (M[u(L.S_RREM)] >> b) & 1:
                return b
        return 0

    def ref_evaluate(now):
        c = L.NOP
        bank = M[u(L.S_RBANK)]
        if now >= M[u(L.S_RTRIG)]:
            if pdm != 0:  # triggerInterruption
                M[u(L.S_PENTRY)] = 0
                if M[u(L.S_PSTATE)] != L.PD_IDLE:
                    M[u(L.S_PEXIT)] = 1
            if M[u(L.S_RSLEEP)] == 0:
                if now >= M[u(L.S_RTRIG)] + refi:
                    M[u(L.S_RTRIG)] += refi
                    M[u(L.S_RSTATE)] = 0
                if not per_bank:
                    if M[u(L.S_RSTATE)] == 0:
                        do = True
                        if M[u(L.S_RFLEX)] == maxpost:  # forced: block every bank machine
                            for b in range(nb):
                                if M[u(o_blocked + b)] == 0:
                                    M[u(o_blocked + b)] = 1
                                    M[u(o_ncmd + b)] = L.NOP
                                    local_ready(b)
                                    M[u(L.S_DIRTY)] = 1
                        elif M[u(L.S_NBUSY)] > 0:
                            do = False
                            M[u(L.S_RFLEX)] += 1
                            M[u(L.S_RTRIG)] += refi
                        if do:
                            c = PREA if M[u(L.S_NACT)] > 0 else REF
                    elif M[u(L.S_NBUSY)] > 0:
                        M[u(L.S_RSTATE)] = 0
                        M[u(L.S_RTRIG)] += refi
                    else:
                        c = REF
                elif M[u(L.S_RSTATE)] == 0:
                    forced = M[u(L.S_RFLEX)] == maxpost
                    found = -1
                    if M[u(L.S_RSKIP)] == 0:
                        bank = first_remaining()
                        found = first_idle_remaining()
                        if found >= 0:
                            bank = found
                    if found < 0 and not forced:
                        M[u(L.S_RFLEX)] += 1
                        M[u(L.S_RTRIG)] += refi
                    else:
                        if M[u(o_bst + bank)] != 0:
                            c = PRE
                        else:
                            c = REFPB
                            if forced and M[u(o_blocked + bank)] == 0:
                                M[u(o_blocked + bank)] = 1
                                M[u(o_ncmd + bank)] = L.NOP
                                local_ready(bank)
                                M[u(L.S_RSKIP)] = 1
                                M[u(L.S_DIRTY)] = 1
                else:
                    found = first_idle_remaining()
                    if found < 0:
                        M[u(L.S_RSTATE)] = 0
                        M[u(L.S_RTRIG)] += refi
                    else:
                        bank = found
                        c = PRE if M[u(o_bst + bank)] != 0 else REFPB
        if c != M[u(L.S_RCMD)] or bank != M[u(L.S_RBANK)]:
            M[u(L.S_RCMD)] = c
            M[u(L.S_RBANK)] = bank
            M[u(L.S_DIRTY)] = 1

    def ref_update(c, t):
        if c == PDEA or c == PDEP:
            M[u(L.S_RSLEEP)] = 1
        elif c == SREFEN:
            M[u(L.S_RSLEEP)] = 1
            M[u(L.S_RTRIG)] = L.BIG
        elif c == PDXA or c == PDXP:
            M[u(L.S_RSLEEP)] = 0
        elif c == REF and (per_bank or M[u(L.S_RSLEEP)] != 0):  # the extra refresh after self-refresh exit
            M[u(L.S_RSTATE)] = 0
            M[u(L.S_RTRIG)] = t + refi
            M[u(L.S_RSLEEP)] = 0
            M[u(L.S_RREM)] = allbanks
            M[u(L.S_RBANK)] = 0
            M[u(L.S_RSKIP)] = 0
        elif (c == REF and not per_bank) or (c == REFPB and per_bank):
            if c == REFPB:
                M[u(L.S_RSKIP)] = 0
                M[u(L.S_RREM)] &= ~(1 << M[u(L.S_RBANK)])
                if M[u(L.S_RREM)] == 0:
                    M[u(L.S_RREM)] = allbanks
                M[u(L.S_RBANK)] = first_remaining()
            if M[u(L.S_RSTATE)] == 1:
                M[u(L.S_RFLEX)] -= 1
            else:
                M[u(L.S_RSTATE)] = 1
            if M[u(L.S_RFLEX)] == -maxpull:
                M[u(L.S_RSTATE)] = 0
                M[u(L.S_RTRIG)] += refi

    # --- front end and responses -------------------------------------------------------------------------------
    def release(t):
        M[u(o_rel + M[u(L.S_REL_T)])] = t
        M[u(L.S_REL_T)] += 1

    def deliver(r):
        """Controller response of request r is known: pass it through the arbiter to the initiator."""
        if arb == 0:
            M[u(o_resp + r)] = M[u(o_ctrl_resp + r)]
        elif arb == 1:
            t = max(M[u(o_ctrl_resp + r)], M[u(L.S_LAST_INIT)] + 2)
            M[u(o_resp + r)] = t
            M[u(L.S_LAST_INIT)] = t
            release(t + 1)
        else:
            while M[u(L.S_AR_PTR)] < M[u(L.S_FE_R)] and M[u(o_ctrl_resp + M[u(L.S_AR_PTR)])] >= 0:
                q = M[u(L.S_AR_PTR)]
                t = max(M[u(o_ctrl_resp + q)], M[u(L.S_LAST_INIT)] + 2)
                M[u(o_resp + q)] = t
                M[u(L.S_LAST_INIT)] = t
                release(t + 1)
                M[u(L.S_AR_PTR)] = q + 1

    def respond(j, strobe):
        r = M[u(o_tpar + j)]
        M[u(o_rleft + r)] -= 1
        gap = 1 if arb == 0 else 0  # Simple: the initiator's END_RESP comes one clock later
        if respq == 0:
            pop = max(strobe, M[u(L.S_RQ_FREE)])
            if M[u(o_rleft + r)] == 0:
                M[u(o_ctrl_resp + r)] = pop
                M[u(L.S_RQ_FREE)] = pop + gap
                deliver(r)
            else:
                M[u(L.S_RQ_FREE)] = pop
        else:
            M[u(o_rstrobe + r)] = max(M[u(o_rstrobe + r)], strobe)
            while M[u(L.S_RO_PTR)] < M[u(L.S_FE_R)] and M[u(o_rleft + M[u(L.S_RO_PTR)])] == 0:
                q = M[u(L.S_RO_PTR)]
                pop = max(M[u(o_rstrobe + q)], M[u(L.S_RQ_FREE)])
                M[u(o_ctrl_resp + q)] = pop
                M[u(L.S_RQ_FREE)] = pop + gap
                deliver(q)
                M[u(L.S_RO_PTR)] = q + 1

    def set_fe_t(r):
        """Time request r reaches the controller (transToAcquire.arrival), if it is known."""
        if r >= nreq:
            M[u(L.S_FE_T)] = L.BIG
        elif arb == 0:
            M[u(L.S_FE_T)] = max(M[u(o_rarr + r)], M[u(L.S_ENDREQ)]) + 1
        elif r < M[u(L.S_ARB_R)]:  # accepted by the arbiter
            M[u(L.S_FE_T)] = max(M[u(o_acc + r)] + 1, M[u(L.S_ENDREQ)] + 2)
        else:
            M[u(L.S_FE_T)] = L.BIG

    def has_space(r):
        n = M[u(o_rn + r)]
        if buf == 0:
            lb = M[u(L.S_LASTBANK)]  # DRAMSys checks the bank of the last stored request
            return M[u(o_cnt + lb)] + n <= bufsize or M[u(o_cnt + lb)] == 0
        if buf == 1:
            return ((M[u(L.S_OCC_R)] + n <= bufsize or M[u(L.S_OCC_R)] == 0)
                    and (M[u(L.S_OCC_W)] + n <= bufsize or M[u(L.S_OCC_W)] == 0))
        return M[u(L.S_OCC_ALL)] + n <= bufsize or M[u(L.S_OCC_ALL)] == 0

    def admit(t, delay):
        """Controller::manageRequests: store the waiting request if the scheduler has room."""
        r = M[u(L.S_FE_R)]
        if r >= nreq or M[u(L.S_FE_T)] > t or not has_space(r):
            return
        if M[u(L.S_OCC_ALL)] == 0 and pdm != 0:
            pd_exit()
        # the request's and its transactions' state starts here (the kernel reads it for admitted ones only)
        M[u(o_rleft + r)] = M[u(o_rn + r)]
        M[u(o_rstrobe + r)] = 0
        M[u(o_ctrl_resp + r)] = -1
        M[u(o_resp + r)] = -1  # (a request left unanswered then reads -1, not a previous run's response)
        for j in range(M[u(o_rfirst + r)], M[u(o_rfirst + r)] + M[u(o_rn + r)]):
            b = M[u(o_tbank + j)]
            M[u(o_lnext + j)] = -1
            M[u(o_tflag + j)] = 0
            M[u(o_data_end + j)] = -1
            M[u(o_lprev + j)] = M[u(o_tail + b)]
            if M[u(o_tail + b)] >= 0:
                M[u(o_lnext + M[u(o_tail + b)])] = j
            else:
                M[u(o_head + b)] = j
            M[u(o_tail + b)] = j
            M[u(o_cnt + b)] += 1
            _prefetch(addr + 8 * (o_srnext + j))  # (read when its row opens: see count_hits)
            # A bank machine that holds a request keeps its choice when its policies do not look at the queue
            # (Open / Closed pages; Fifo, or FrFcfs unless this is its first row hit): no re-evaluation.
            same = queue_blind and M[u(o_cur + b)] >= 0
            if M[u(o_bst + b)] != 0 and M[u(o_trow + j)] == M[u(o_orow + b)]:
                same = same and (sched == 0 or M[u(o_nhit + b)] > 0)
                M[u(o_nhit + b)] += 1
            if buf == 1:  # (per-direction occupancy: the ReadWrite buffer's)
                M[u(L.S_OCC_W if M[u(o_twr + j)] else L.S_OCC_R)] += 1
            M[u(L.S_LASTBANK)] = b
            if not same:
                mark(b)
        M[u(L.S_OCC_ALL)] += M[u(o_rn + r)]
        M[u(L.S_ENDREQ)] = t + delay
        M[u(L.S_FE_R)] = r + 1
        set_fe_t(r + 1)

    def arbiter(now):
        while M[u(L.S_REL_H)] < M[u(L.S_REL_T)] and M[u(o_rel + M[u(L.S_REL_H)])] <= now:
            M[u(L.S_ACTIVE)] -= 1
            M[u(L.S_REL_H)] += 1
        while M[u(L.S_ARB_R)] < nreq and M[u(L.S_ACTIVE)] < maxact and max(M[u(o_rarr + M[u(L.S_ARB_R)])], M[u(L.S_ARB_T)]) <= now:
            r = M[u(L.S_ARB_R)]
            M[u(o_acc + r)] = now
            M[u(L.S_ARB_T)] = now
            M[u(L.S_ACTIVE)] += 1
            M[u(L.S_ARB_R)] = r + 1
            if r == M[u(L.S_FE_R)]:
                set_fe_t(r)

    def front_next(now):
        t = M[u(L.S_FE_T)] if (M[u(L.S_FE_T)] > now and has_space(M[u(L.S_FE_R)])) else L.BIG
        if arb != 0 and M[u(L.S_ARB_R)] < nreq:
            if M[u(L.S_ACTIVE)] < maxact:
                s = max(M[u(o_rarr + M[u(L.S_ARB_R)])], M[u(L.S_ARB_T)])
                if s > now:
                    t = min(t, s)
            elif M[u(L.S_REL_H)] < M[u(L.S_REL_T)]:
                t = min(t, M[u(o_rel + M[u(L.S_REL_H)])])
        if M[u(L.S_RTRIG)] > now:
            t = min(t, M[u(L.S_RTRIG)])
        return t

    # --- command issue -----------------------------------------------------------------------------------------
    def issue(c, b, t):
        j = M[u(o_cur + b)] if b >= 0 else -1
        own = b >= 0 and not (c == REFPB or (c == PRE and M[u(o_best + 0)] == -2))  # a bank machine's own command
        log(t, c, b, j, own)
        apply_rules(c, b, t)
        if c == ACT:
            M[u(o_bst + b)] = 1
            M[u(o_orow + b)] = M[u(o_trow + j)]
            M[u(o_keep + b)] = 1
            count_hits(b)
            M[u(o_bact + b)] = t
            M[u(o_ivo + b)] = add_iv(t, L.BIG)
            M[u(o_tflag + j)] |= 2
            M[u(L.S_NACT)] += 1
            mark(b)
        elif c == PRE:
            M[u(o_bst + b)] = 0
            M[u(o_keep + b)] = 0
            M[u(o_nhit + b)] = 0
            close_iv(b, t)
            M[u(L.S_NACT)] -= 1
            if own:
                M[u(o_tflag + j)] |= 1
            mark(b)
        elif c == PREA:
            for k in range(nb):
                if M[u(o_bst + k)] != 0:
                    M[u(o_bst + k)] = 0
                    close_iv(k, t)
                M[u(o_keep + k)] = 0
                M[u(o_nhit + k)] = 0
            M[u(L.S_NACT)] = 0
            mark_all()
        elif c == RD or c == WR or c == RDA or c == WRA:
            w = M[u(o_twr + j)]
            f = M[u(o_tflag + j)]
            M[u(L.S_HITS if f == 0 else (L.S_CONFL if f & 1 else L.S_MISSES))] += 1
            M[u(o_nhit + b)] -= 1
            if c == RDA or c == WRA:
                M[u(o_nhit + b)] = 0
                M[u(o_bst + b)] = 0
                M[u(L.S_NACT)] -= 1
                close_iv(b, max(t + (t_wrpre if w else t_rtp), M[u(o_bact + b)] + t_ras))
            M[u(o_cur + b)] = -1
            M[u(o_keep + b)] = 0
            M[u(L.S_NBUSY)] -= 1
            if M[u(o_lprev + j)] >= 0:
                M[u(o_lnext + M[u(o_lprev + j)])] = M[u(o_lnext + j)]
            else:
                M[u(o_head + b)] = M[u(o_lnext + j)]
            if M[u(o_lnext + j)] >= 0:
                M[u(o_lprev + M[u(o_lnext + j)])] = M[u(o_lprev + j)]
            else:
                M[u(o_tail + b)] = M[u(o_lprev + j)]
            M[u(o_cnt + b)] -= 1
            if buf == 1:
                M[u(L.S_OCC_W if w else L.S_OCC_R)] -= 1
            M[u(L.S_OCC_ALL)] -= 1
            M[u(L.S_LASTDIR)] = w
            M[u(L.S_DONE)] += 1
            strobe = t + (wr_data if w else rd_data) + burst
            M[u(o_data_end + j)] = strobe
            respond(j, strobe)
            if sched == 2:
                mark_all()
            else:
                mark(b)
        elif c == REF or c == REFPB:
            add_iv(t, t + (t_rfcpb if c == REFPB else t_rfc))
            if c == REF:
                for k in range(nb):
                    M[u(o_blocked + k)] = 0
                M[u(L.S_SLEEP)] = 0
                mark_all()
            else:
                M[u(o_blocked + b)] = 0
                mark(b)
        elif c == PDEA or c == PDEP or c == SREFEN:
            M[u(L.S_SLEEP)] = 1
            mark_all()
        elif c == PDXA or c == PDXP:
            M[u(L.S_SLEEP)] = 0
            mark_all()
        if b >= 0:
            if M[u(o_dirty + b)] == 0:  # (a bank-scope command always marks its bank: a guard)
                local_ready(b)
            if grules and M[u(L.O_HAS + c)] & 4:
                refresh_group(b)
        if refm != 0 and c >= REF:  # (the managers react to refresh and power-down commands only)
            ref_update(c, t)
        if pdm != 0:
            if c >= REF:
                pd_update(c, t)
            if M[u(L.S_OCC_ALL)] == 0:
                pd_entry()
        M[u(L.S_DIRTY)] = 1

    def bank_key(b):
        """Bank b's key for the command choice: the later of its bank / bank-group part (SA) and the rank /
        command-bus part of its command (RK), with its id (SI, the low bits of SA)."""
        return max(M[u(o_sa + b)], M[u(o_rk + M[u(o_sc + b)])] + (M[u(o_sa + b)] & simask))

    def rescan(now):
        """CmdMuxOldest: the ready command that ends first; ties go to the oldest payload (refresh first)."""
        M[u(o_best + 3)] = 0
        bkey = L.BIG
        bid = L.BIG
        if M[u(L.S_PCMD)] != L.NOP:  # a power-down command excludes every other
            c = M[u(L.S_PCMD)]
            t = max(now, ready(c, -1))
            M[u(o_best + 0)], M[u(o_best + 1)], M[u(o_best + 2)], M[u(o_best + 3)] = -3, c, t, 1
            return
        if M[u(L.S_RCMD)] != L.NOP:
            c = M[u(L.S_RCMD)]
            b = M[u(L.S_RBANK)] if (c == PRE or c == REFPB) else -1
            t = max(now, ready(c, b))
            bkey = t + M[u(o_CL + c)]
            bid = -1
            M[u(o_best + 0)], M[u(o_best + 1)], M[u(o_best + 2)], M[u(o_best + 3)] = -2, c, t, 1
        base = max(now, M[u(L.S_CMDBUS)])
        _rank_keys(addr + 8 * o_rk, addr + 8 * o_rnext, addr + 8 * o_CL, base, shk)  # ACT .. REF
        t = max(base, M[u(o_rnext + ACT)], M[u(o_faw + M[u(L.S_FAWI)])] + t_faw)  # and tFAW for ACT
        M[u(o_rk + ACT)] = (t + M[u(o_CL + ACT)]) << shk
        # The command that ends first, oldest payload on ties, as one packed minimum: a bank's key is the larger of
        # its bank / bank-group part (SA) and the rank / command-bus part of its command (RK) with its id (SI).
        bcomp = ((bkey << sh) + bid + 1) << L.KEY_LOW_BITS if bkey < L.BIG else L.BIG
        m = m1 = m2 = m3 = L.BIG
        for b in range(0, nb, 4):  # four banks a pass into four minima (bank slots up to MAX_BANKS: idle keys)
            _scalar()
            m = min(m, bank_key(b))
            m1 = min(m1, bank_key(b + 1))
            m2 = min(m2, bank_key(b + 2))
            m3 = min(m3, bank_key(b + 3))
        m = min(min(m, m1), min(m2, m3))
        if m < bcomp:
            choose_key(m)

    def fold(n, now):
        """Fold the commands of the n banks just re-evaluated (dstack[:n]) into the current choice: valid while
        no command issued since the last full scan (rank timing and ``RK`` unchanged) and the chosen bank
        itself was not re-evaluated."""
        if M[u(L.S_PCMD)] != L.NOP:
            return
        bcomp = L.BIG
        if M[u(o_best + 3)] != 0:
            src = M[u(o_best)]
            ident = 0 if src < 0 else key_id(src, M[u(o_best + 1)])
            bcomp = ((M[u(o_best + 2)] + M[u(o_CL + M[u(o_best + 1)])]) << shk) + ident
        m = bcomp
        for k in range(n):
            b = M[u(o_dstack + k)]
            c = M[u(o_sc + b)]
            if c != IDLE_CMD:
                m = min(m, max(M[u(o_sa + b)], M[u(o_rk + c)] + M[u(o_si + b)],
                               ((now + M[u(o_CL + c)]) << shk) + M[u(o_si + b)]))
        if m < bcomp:
            choose_key(m)

    def managers(now):
        if refm != 0 and (now >= M[u(L.S_RTRIG)] or M[u(L.S_RCMD)] != L.NOP):
            ref_evaluate(now)
        if pdm != 0:
            pd_evaluate()

    def choose(now):
        """Re-evaluate changed bank machines and pick the next command: a full scan after a command or a manager
        change, else (new requests only) fold the changed banks into the current choice."""
        n = M[u(L.S_NDIRTY)]
        full = M[u(L.S_DIRTY)] != 0
        if not full:
            for k in range(n):
                if M[u(o_dstack + k)] == M[u(o_best)]:
                    full = True
        if n > 0:
            reevaluate()
        if full:
            rescan(now)
            M[u(L.S_DIRTY)] = 0
        elif n > 0:
            fold(n, now)

    # --- the loop ------------------------------------------------------------------------------------------------
    M[u(L.S_RTRIG)] = refi if refm != 0 else L.BIG
    M[u(L.S_RREM)] = allbanks
    M[u(o_rk + IDLE_CMD)] = L.BIG - (1 << shk)  # the key slot of an idle bank machine
    M[u(L.S_RCMD)] = L.NOP
    M[u(L.S_PCMD)] = L.NOP
    M[u(L.S_LASTDIR)] = -1
    M[u(L.S_ENDREQ)] = -L.BIG
    M[u(L.S_LAST_INIT)] = -L.BIG
    M[u(L.S_DIRTY)] = 1
    M[u(L.S_NDIRTY)] = nb
    set_fe_t(0)
    now = 0
    after = 0  # 1: a command issued at `now`; run the front end's post-command admission and re-evaluate
    while M[u(L.S_DONE)] < nt:
        if after == 0 and arb != 0:
            arbiter(now)
        if M[u(L.S_FE_T)] <= now:
            admit(now, after)  # after a column command a stored request's END_REQ comes one clock later
        managers(now)
        choose(now)
        bt = M[u(o_best + 2)] if M[u(o_best + 3)] != 0 else L.BIG  # the chosen command's time
        if after == 0 and bt == now:
            after = 1  # DRAMSys re-evaluates its managers and bank machines at the same time
        else:
            nxt = front_next(now)
            if bt >= nxt or M[u(L.S_RTRIG)] <= now:
                after = 0
                nxt = min(nxt, bt)
                if nxt >= L.BIG:
                    M[u(L.S_STUCK)] = 1
                    break
                now = nxt
                continue
            # Nothing but the chosen command happens before it (front_next covers every arbiter acceptance,
            # admission and refresh trigger; the managers and bank machines were just evaluated and depend on time
            # only through those; an arbiter pass there could only count releases, which its next pass counts
            # before any acceptance): a pass at its time would change nothing before issuing it, so it issues now.
            now = bt
            after = 1
        src, c = M[u(o_best)], M[u(o_best + 1)]
        issue(c, src if src >= 0 else (M[u(L.S_RBANK)] if (src == -2 and (c == PRE or c == REFPB)) else -1), now)
    # numba's dead-code pass drops writes to M after its last read in the function (its alias analysis does not see
    # that M, a view built from an address, is the caller's memory): without this read the S_STUCK write before the
    # `break` above was dropped (measured: every write after the loop vanished until M was read after them).
    return M[u(L.S_STUCK)]
