"""A fast parser for DRAMSys ``.stl`` traces (numba over the file's bytes; ~100x faster than a regex per line).

Grammar of a line (after dropping a ``#`` comment and surrounding whitespace; blank lines are skipped), matching
DRAMSys's ``StlPlayer``: ``<cycle> : [( <bytes> )] <read|write> <[0x]hex address> [<data token>]``, keywords
case-insensitive, fields separated by spaces or tabs. :func:`parse` returns the fields or the number of the first
malformed line and why (:data:`ERRORS`); :func:`simulators.dram.traces.load_stl` turns that into a ``TraceError``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

#: Error codes of :func:`parse`.
ERR_SYNTAX, ERR_LENGTH, ERR_ADDRESS = 1, 2, 3
ERRORS = {ERR_SYNTAX: "syntax", ERR_LENGTH: "length", ERR_ADDRESS: "address"}


@njit(cache=True, nogil=True)
def _ws(c):
    return c == 32 or c == 9 or c == 13 or c == 11 or c == 12


@njit(cache=True, nogil=True)
def _hex(c):
    if 48 <= c <= 57:
        return c - 48
    if 97 <= c <= 102:
        return c - 87
    if 65 <= c <= 70:
        return c - 55
    return -1


@njit(cache=True, nogil=True)
def _word(buf, p, end, w):
    """True when buf[p : p + len(w)] equals the lower-case ASCII word w, case-insensitively."""
    if p + len(w) > end:
        return False
    for k in range(len(w)):
        c = buf[p + k]
        if 65 <= c <= 90:
            c += 32
        if c != w[k]:
            return False
    return True


@njit(cache=True, nogil=True)
def parse(buf, default_len):
    """Parse ``.stl`` bytes. Returns ``(n, cycle, length, is_write, address, line, err_line, err_code)``; on an
    error ``err_line`` is the 1-based line number and ``err_code`` one of :data:`ERRORS` (then ``n`` counts the
    requests before it)."""
    size = buf.shape[0]
    cap = 1
    for i in range(size):
        if buf[i] == 10:
            cap += 1
    cyc = np.empty(cap, np.int64)
    length = np.empty(cap, np.int64)
    wr = np.empty(cap, np.bool_)
    addr = np.empty(cap, np.uint64)
    lines = np.empty(cap, np.int64)
    read_w = np.array([114, 101, 97, 100], np.uint8)
    write_w = np.array([119, 114, 105, 116, 101], np.uint8)
    n = 0
    lineno = 0
    i = 0
    while i < size:
        lineno += 1
        j = i
        end = -1
        while j < size and buf[j] != 10:
            if buf[j] == 35 and end < 0:  # '#'
                end = j
            j += 1
        if end < 0:
            end = j
        nxt = j + 1
        p = i
        while p < end and _ws(buf[p]):
            p += 1
        if p >= end:
            i = nxt
            continue
        # <cycle>
        q = p
        c = np.int64(0)
        while p < end and 48 <= buf[p] <= 57:
            c = c * 10 + (buf[p] - 48)
            p += 1
        if p == q or p - q > 18:
            return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
        while p < end and _ws(buf[p]):
            p += 1
        if p >= end or buf[p] != 58:  # ':'
            return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
        p += 1
        while p < end and _ws(buf[p]):
            p += 1
        # [( <bytes> )]
        nbytes = np.int64(default_len)
        if p < end and buf[p] == 40:  # '('
            p += 1
            while p < end and _ws(buf[p]):
                p += 1
            q = p
            nbytes = 0
            while p < end and 48 <= buf[p] <= 57:
                nbytes = nbytes * 10 + (buf[p] - 48)
                p += 1
            if p == q or p - q > 12:
                return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
            while p < end and _ws(buf[p]):
                p += 1
            if p >= end or buf[p] != 41:  # ')'
                return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
            p += 1
            while p < end and _ws(buf[p]):
                p += 1
            if nbytes < 1:
                return n, cyc, length, wr, addr, lines, lineno, ERR_LENGTH
        # read | write, then whitespace
        if _word(buf, p, end, read_w):
            w = False
            p += 4
        elif _word(buf, p, end, write_w):
            w = True
            p += 5
        else:
            return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
        if p >= end or not _ws(buf[p]):
            return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
        while p < end and _ws(buf[p]):
            p += 1
        # [0x]<hex address>
        if p + 1 < end and buf[p] == 48 and (buf[p + 1] == 120 or buf[p + 1] == 88) and p + 2 < end \
                and _hex(buf[p + 2]) >= 0:
            p += 2
        q = p
        a = np.uint64(0)
        digits = 0
        while p < end and _hex(buf[p]) >= 0:
            if digits > 0 or buf[p] != 48:
                digits += 1
            if digits > 16:
                return n, cyc, length, wr, addr, lines, lineno, ERR_ADDRESS
            a = a * np.uint64(16) + np.uint64(_hex(buf[p]))
            p += 1
        if p == q:
            return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
        if a >= np.uint64(1) << np.uint64(63):
            return n, cyc, length, wr, addr, lines, lineno, ERR_ADDRESS
        # [data token]
        if p < end and not _ws(buf[p]):
            return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
        while p < end and _ws(buf[p]):
            p += 1
        while p < end and not _ws(buf[p]):
            p += 1
        while p < end and _ws(buf[p]):
            p += 1
        if p < end:
            return n, cyc, length, wr, addr, lines, lineno, ERR_SYNTAX
        cyc[n] = c
        length[n] = nbytes
        wr[n] = w
        addr[n] = a
        lines[n] = lineno
        n += 1
        i = nxt
    return n, cyc, length, wr, addr, lines, 0, 0
