"""Layout of the DRAM kernel's memory: one flat int64 array holding state, inputs and outputs (see :mod:`.kernel`).

The kernel's closures capture a single array (each further captured array costs numba atomic reference
counting on every closure call: 2.5-9x slower in a micro-benchmark), so :func:`pack` lays out everything in one
int64 vector ``M``: the scalar state ``S`` at offset 0 (positions ``S_*``), a header of segment offsets and
sizes (positions ``H_*``), the device timings (``T_*``), the design (``simulators.dram.config.C_*``), the timing
rule tables (``D[scope, prev, next]``), the trace and the per-bank / per-request / per-transaction state and
outputs. Earliest-time tables are bank-major: ``BNEXT[bank, command]``, ``GNEXT[group, command]``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from simulators.dram.config import C_LEN
from simulators.dram.devices import DeviceSpec
from simulators.dram.timing import BANK, CMD_NAMES, GROUP, NCMD, NO_RULE, RANK, REFPB, WRA  # noqa: F401

BIG = 1 << 60
NOP = -1
#: Commands that bank rules (ACT .. REFPB) and bank-group rules (ACT .. WRA) can target: the kernel raises only
#: these columns of the per-bank and per-group earliest-time tables when a command issues.
BANK_COLS = REFPB + 1
GROUP_COLS = WRA + 1

# Timing vector positions.
(T_NB, T_BPG, T_BURST, T_RD_DATA, T_WR_DATA, T_RTP, T_RAS, T_WRPRE, T_RFC, T_RFCPB, T_REFI, T_REFIPB, T_FAW,
 T_HASPB, T_LEN) = range(15)

# Scalar state positions: command bus and bank summary.
(S_CMDBUS, S_FAWI, S_LASTDIR, S_NBUSY, S_NACT, S_SLEEP, S_DONE, S_DIRTY, S_NDIRTY,
 # refresh manager
 S_RTRIG, S_RSTATE, S_RFLEX, S_RSLEEP, S_RCMD, S_RBANK, S_RSKIP, S_RREM,
 # power-down manager
 S_PSTATE, S_PENTRY, S_PEXIT, S_PSREF, S_PIDLE, S_PCMD, S_PSTART,
 # front end (initiator, arbiter) and scheduler buffer counters
 S_FE_R, S_FE_T, S_ENDREQ, S_ARB_R, S_ARB_T, S_ACTIVE, S_REL_H, S_REL_T, S_OCC_R, S_OCC_W, S_OCC_ALL, S_LASTBANK,
 # response path
 S_RQ_FREE, S_RO_PTR, S_AR_PTR, S_LAST_INIT,
 # statistics and output buffer fill
 S_TPD_ACT, S_TPD_PRE, S_TSREF, S_NSREF, S_HITS, S_MISSES, S_CONFL, S_NLOG, S_NIV, S_STUCK,
 # issued commands by code (NCMD entries from here)
 S_CNT) = range(51)
S_LEN = S_CNT + NCMD

# Power-down manager states (DRAMSys PowerDownManagerStaggered).
PD_IDLE, PD_ACT, PD_PRE, PD_SREF, PD_EXTRA = range(5)


# Segments of M after S and the header, in order. The fixed-size ones come first, at offsets that are constants
# of this module (``O_*``: the kernel's accesses to them fold into one load with a constant displacement); per-bank
# segments hold MAX_BANKS entries (the command keys pack the bank index in 5 bits). The trace-sized ones follow,
# their offsets in the header (``H_*``).
MAX_BANKS = 32
_BANK = ("bst", "orow", "cur", "keep", "ncmd", "blocked", "dirty", "dstack", "grp", "head", "tail", "cnt", "nhit",
         "bact", "ivo", "sa", "sc", "si")
#: Command-choice slot of a bank with no command: the rank-key segment RK holds the keys of commands ACT .. REF
#: (written as one 8-word vector row) and this slot after them.
IDLE_CMD = 8
_BANK_INIT = {"orow": -1, "cur": -1, "ncmd": NOP, "dirty": 1, "head": -1, "tail": -1, "sa": BIG}
#: Row length of the per-command tables ``D[scope, prev]``, ``BNEXT[bank]``, ``GNEXT[group]``: NCMD padded to 16, so
#: that with every segment starting on 8 words and ``M`` on 64 bytes, each 8-word row the kernel loads or stores as vectors
#: (:func:`.kernel._raise8`, :func:`.kernel._rank_keys`) is one aligned cache line. A vector that straddles two lines
#: costs a split access on every command and breaks store-to-load forwarding; one that straddles a page (at one
#: 64-byte window of base addresses per vector) made whole runs 15-25% slower.
ROW = 16
FIXED = {"T": T_LEN, "C": C_LEN, "CL": NCMD, "D": 3 * NCMD * ROW, **{b.upper(): MAX_BANKS for b in _BANK},
         "RK": 9, "HAS": NCMD, "BNEXT": ROW * MAX_BANKS, "GNEXT": ROW * MAX_BANKS, "RNEXT": NCMD,
         "LAST": NCMD, "FAW": 4, "BEST": 4}
VARIABLE = ("RARR", "RFIRST", "RN", "TBANK", "TROW", "TCOL", "TWR", "TPAR", "SRNEXT", "LNEXT", "LPREV", "TFLAG",
            "ACC", "RLEFT", "RSTROBE", "REL", "DATA_END", "CTRL_RESP", "RESP", "LG", "IV")
(H_NREQ, H_NT, H_NB, H_CAPLOG, H_CAPIV, H_GRULES, H_CHAIN) = range(7)
_H0 = 7
for _i, _name in enumerate(VARIABLE):
    globals()[f"H_{_name}"] = _H0 + _i
H_LEN = _H0 + len(VARIABLE)
_pos = S_LEN + H_LEN
for _name, _size in FIXED.items():
    _pos += -_pos % 8  # (every segment on a cache line: see ROW)
    globals()[f"O_{_name}"] = _pos
    _pos += _size
FIXED_END = _pos


#: The command choice packs (end time, request id + 1, bank, command) into one int64 key below ``BIG``: under the id,
#: 5 bits of bank index (``MAX_BANKS`` = 32) and 3 of command code (bank machines issue ACT .. WRA, codes below 8).
CMD_BITS = 3
KEY_LOW_BITS = 5 + CMD_BITS


@njit(cache=True)
def id_bits(nreq: int) -> int:
    """Bits of the request-id field of the command keys for ``nreq`` requests (ids 0 .. nreq + 1)."""
    sh = 1
    while (1 << sh) < nreq + 2:
        sh += 1
    return sh


def key_time_limit(nreq: int) -> int:
    """The controller clock that a run of ``nreq`` requests must end before (the simulator checks; a later end
    voids the run): key times get ``60 - id_bits(nreq) - KEY_LOW_BITS`` bits; the margin of 2**24 clocks covers the
    commands ready after the last one issued (timings are far shorter). About 2**38 clocks for 10,000 requests,
    2**32 for a million."""
    return (1 << (60 - id_bits(nreq) - KEY_LOW_BITS)) - (1 << 24)


def pack(T: np.ndarray, C: np.ndarray, D: np.ndarray, CL: np.ndarray, rarr: np.ndarray,
         rfirst: np.ndarray, rn: np.ndarray, tbank: np.ndarray, trow: np.ndarray, tcol: np.ndarray,
         twr: np.ndarray, tpar: np.ndarray, cap_log: int, cap_iv: int) -> tuple[np.ndarray, dict[str, slice]]:
    """The kernel's memory for one run, initialised; returns it and each segment's slice.

    The kernel initialises the per-request and per-transaction state (:func:`.kernel.run`) and writes the outputs.
    """
    nb, nreq, nt = int(T[T_NB]), len(rarr), len(tbank)
    if not 1 <= nb <= MAX_BANKS:
        raise ValueError(f"the kernel handles 1 .. {MAX_BANKS} banks, got {nb}")
    sizes = {"RARR": nreq, "RFIRST": nreq, "RN": nreq, "TBANK": nt, "TROW": nt, "TCOL": nt, "TWR": nt, "TPAR": nt,
             "SRNEXT": nt, "LNEXT": nt, "LPREV": nt, "TFLAG": nt, "ACC": nreq, "RLEFT": nreq, "RSTROBE": nreq,
             "REL": nreq + 1, "DATA_END": nt, "CTRL_RESP": nreq, "RESP": nreq, "LG": 4 * cap_log, "IV": 2 * cap_iv}
    seg: dict[str, slice] = {name: slice(globals()[f"O_{name}"], globals()[f"O_{name}"] + size)
                             for name, size in FIXED.items()}
    pos = FIXED_END
    for name in VARIABLE:
        seg[name] = slice(pos, pos + sizes[name])
        pos += sizes[name]
    raw = np.zeros(pos + 8, dtype=np.int64)
    first = (-raw.ctypes.data % 64) // 8  # M starts on a 64-byte boundary (see ROW)
    M = raw[first: first + pos]
    M[S_LEN + H_NREQ], M[S_LEN + H_NT], M[S_LEN + H_NB] = nreq, nt, nb
    M[S_LEN + H_CAPLOG], M[S_LEN + H_CAPIV] = cap_log, cap_iv
    Dr = D.reshape(3, NCMD, NCMD)
    rule = Dr > NO_RULE
    if rule[BANK, :, BANK_COLS:].any() or rule[GROUP, :, GROUP_COLS:].any():
        raise ValueError("a bank or bank-group timing rule targets a command beyond BANK_COLS / GROUP_COLS")
    # Bank-group rules no stricter than the rank's never bind (every command raises the rank's times as well; LPDDR4:
    # one group, tRRD_L = tRRD_S, tCCD_L = tCCD_S): the kernel then skips them.
    M[S_LEN + H_GRULES] = int((Dr[GROUP] > Dr[RANK]).any())
    # per previous command: which scopes have rules into the columns the kernel raises (1 rank, 2 bank, 4 group)
    M[seg["HAS"]] = (rule[RANK, :, : WRA + 1].any(axis=1) + 2 * rule[BANK, :, :BANK_COLS].any(axis=1)
                     + 4 * rule[GROUP, :, :GROUP_COLS].any(axis=1))
    for name in VARIABLE:
        M[S_LEN + globals()[f"H_{name}"]] = seg[name].start
    banks = slice(0, nb)
    rows = np.full((3 * NCMD, ROW), NO_RULE, dtype=np.int64)
    rows[:, :NCMD] = D.reshape(3 * NCMD, NCMD)
    given = {"T": T, "C": C, "CL": CL, "D": rows.ravel(), "RARR": rarr, "RFIRST": rfirst, "RN": rn,
             "TBANK": tbank, "TROW": trow, "TCOL": tcol, "TWR": twr, "TPAR": tpar}
    for name, arr in given.items():
        M[seg[name]] = arr
    # Same-row chains: each transaction's next one (in trace order) to the same bank and row, nt at a chain's end.
    # When requests' transactions are contiguous in request order (rfirst = exclusive cumulative sum of rn), the
    # transactions admitted are exactly those before rfirst[next request], and the kernel counts a bank's queued
    # hits to a newly opened row along the chain instead of walking the bank's queue.
    srnext = _row_chains(np.asarray(tbank, dtype=np.int64), np.asarray(trow, dtype=np.int64))
    M[seg["SRNEXT"]] = srnext
    M[S_LEN + H_CHAIN] = int(nreq > 0 and (np.asarray(rfirst) == np.concatenate(([0], np.cumsum(rn)[:-1]))).all()
                             and int(np.sum(rn)) == nt)
    for name, v in _BANK_INIT.items():  # (bank slots beyond nb too: idle, never marked)
        M[seg[name.upper()]] = v
    M[seg["DSTACK"]][banks] = np.arange(nb)
    M[seg["GRP"]][banks] = np.arange(nb) // int(T[T_BPG])
    M[seg["SC"]] = IDLE_CMD
    M[seg["FAW"]] = -BIG
    M[seg["LAST"]] = -BIG
    return M, seg


@njit(cache=True, nogil=True)
def _row_chains(tbank: np.ndarray, trow: np.ndarray) -> np.ndarray:
    """Each transaction's next one (in trace order) to the same bank and row; ``nt`` at a chain's end (one pass
    with an open-addressing table of each (bank, row)'s latest transaction)."""
    nt = tbank.shape[0]
    size = 2
    while size < 2 * nt:  # load factor <= 1/2: linear probing stays O(1) per insert whatever nt is
        size *= 2
    slot = np.full(size, -1, dtype=np.int32)  # latest transaction of the (bank, row) hashed there
    nxt = np.full(nt, nt, dtype=np.int64)
    for j in range(nt):
        h = trow[j] * 33 + tbank[j]
        h = (h ^ (h >> 17)) * 0x7FEB352D
        i = (h ^ (h >> 15)) & (size - 1)
        while slot[i] >= 0 and (tbank[slot[i]] != tbank[j] or trow[slot[i]] != trow[j]):
            i = (i + 1) & (size - 1)
        if slot[i] >= 0:
            nxt[slot[i]] = j
        slot[i] = j
    return nxt


def timing_vector(dev: DeviceSpec) -> np.ndarray:
    """The kernel's int64 vector of scalar timings for ``dev``."""
    t = np.zeros(T_LEN, dtype=np.int64)
    vals = {T_NB: dev.n_banks, T_BPG: dev.banks_per_group, T_BURST: dev.burst_clocks, T_RD_DATA: dev.RD_DATA,
            T_WR_DATA: dev.WR_DATA, T_RTP: dev.RTP, T_RAS: dev.RAS, T_WRPRE: dev.WL + dev.burst_clocks + dev.WR
            + dev.WR_extra, T_RFC: dev.RFC, T_RFCPB: dev.RFCpb, T_REFI: dev.REFI, T_REFIPB: dev.REFIpb,
            T_FAW: dev.FAW, T_HASPB: int(dev.has_per_bank_refresh)}
    for k, v in vals.items():
        t[k] = v
    return t
