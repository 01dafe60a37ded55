"""The numba ``.stl`` parser against the grammar written as a regular expression (DRAMSys ``StlPlayer`` format):
same requests, same first bad line, on generated valid and malformed lines."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archgym_lite.core.errors import TraceError
from simulators.dram import load_stl
from simulators.dram.stl import parse

GRAMMAR = re.compile(r"^(\d+)\s*:\s*(?:\(\s*(\d+)\s*\)\s*)?(read|write)\s+(?:0x)?([0-9a-f]+)(?:\s+\S+)?$", re.I)


def by_regex(text: str) -> tuple[list[tuple[int, int, bool, int]], int]:
    """Requests up to the first malformed line, and that line's number (0: none)."""
    out = []
    for lineno, raw in enumerate(text.split("\n"), 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        m = GRAMMAR.match(line)
        nbytes = int(m.group(2)) if m and m.group(2) else 64
        if not m or nbytes < 1 or int(m.group(4), 16) >= 1 << 63:
            return out, lineno
        out.append((int(m.group(1)), nbytes, m.group(3).lower() == "write", int(m.group(4), 16)))
    return out, 0


def by_parser(text: str) -> tuple[list[tuple[int, int, bool, int]], int]:
    n, cyc, size, wr, addr, _, err_line, _ = parse(np.frombuffer(text.encode(), dtype=np.uint8), 64)
    return [(int(cyc[k]), int(size[k]), bool(wr[k]), int(addr[k])) for k in range(n)], int(err_line)


FIELD = st.sampled_from
VALID_LINE = st.builds(
    lambda c, sep, ln, kw, ws, pre, a, tail: f"{c}{sep}{ln}{kw}{ws}{pre}{a}{tail}",
    st.integers(0, 10**9).map(str), FIELD([":", " :", ": ", ":\t"]), FIELD(["", "(64) ", "( 16 )", "(3)\t", "(0) "]),
    FIELD(["read", "write", "READ", "Write"]), FIELD([" ", "\t", "  "]), FIELD(["", "0x", "0X"]),
    FIELD(["0", "1f", "ABC", "7fffffffffffffff", "8000000000000000", "00000000000000000001"]),
    FIELD(["", " 0xff", "\tdead", " # c", "#x", " a b"]))
NOISE = st.lists(FIELD(["0", "12", " ", "\t", ":", "(", ")", "read", "WRITE", "0x", "ff", "x", "#", "\r", "g"]),
                 max_size=8).map("".join)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(VALID_LINE, NOISE), min_size=1, max_size=4))
def test_parser_matches_the_grammar(lines):
    text = "\n".join(lines)
    assert by_parser(text) == by_regex(text)


def test_real_dramsys_trace_and_error_messages(tmp_path):
    p = tmp_path / "t.stl"
    p.write_text("# header\n0:\t(16) write\t0x0\t0xff00\n\n31: read 0x400140\r\n40:\tREAD\t400180\n")
    t = load_stl(p)
    assert list(t.cycle) == [0, 31, 40] and list(t.size) == [16, 64, 64] and list(t.is_write) == [True, False, False]
    assert list(t.addr) == [0, 0x400140, 0x400180]
    p.write_text("0: read 0x0\n1: read 0x8000000000000000\n")
    with pytest.raises(TraceError, match=r"t\.stl:2: address does not fit in 63 bits"):
        load_stl(p)
    p.write_text("0: read 0x0\n\n1: (0) read 0x40\n")
    with pytest.raises(TraceError, match=r"t\.stl:3: request length must be >= 1"):
        load_stl(p)
