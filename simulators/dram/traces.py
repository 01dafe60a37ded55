"""Memory traces: seeded generators and loaders for DRAMSys ``.stl`` and DRAMsim3 text traces.

A :class:`Trace` holds one request per row (in file order; a timestamp below its predecessor's is clamped
up to it, i.e. sent as soon as possible, as DRAMSys's player does): issue cycle (at ``clock_mhz``; ``None`` = the memory
controller's own clock, as in DRAMsim3 traces), read/write flag, byte address and length in bytes.
DRAMSys traces count cycles at the trace player's clock, 800 MHz by default.

Generators (all seeded, ``gap`` in player cycles between requests):
    ``stream``   sequential 64 B reads (optionally some writes) from address 0 upwards.
    ``random``   uniformly random 64 B-aligned addresses, 1/3 writes.
    ``strided``  addresses ``i * stride``.
    ``cloud``    a "cloud-like" mix: several sequential streams with locality, random jumps, bursts of
                 Poisson arrivals separated by idle gaps, and a read/write ratio (DRAM-v0's default).
    ``sparse``   random reads far apart (idle periods; shows power-down).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from archgym_lite.core.errors import SpecError, TraceError

PLAYER_CLOCK_MHZ = 800.0
DEFAULT_CAPACITY = 1 << 32


@dataclass(frozen=True)
class Trace:
    """A request trace (arrays of equal length, in issue order)."""

    cycle: np.ndarray
    is_write: np.ndarray
    addr: np.ndarray
    size: np.ndarray
    clock_mhz: float | None = PLAYER_CLOCK_MHZ
    name: str = "trace"

    def __len__(self) -> int:
        return int(self.cycle.shape[0])


def _trace(cycle, is_write, addr, size, name: str, clock_mhz: float | None = PLAYER_CLOCK_MHZ) -> Trace:
    return Trace(np.asarray(cycle, dtype=np.int64), np.asarray(is_write, dtype=bool),
                 np.asarray(addr, dtype=np.uint64), np.asarray(size, dtype=np.int64), clock_mhz, name)


def stream(n: int, seed: int = 0, *, write_frac: float = 0.0, gap: int = 1, size: int = 64,
           capacity: int = DEFAULT_CAPACITY) -> Trace:
    """Sequential requests of ``size`` bytes from address 0 (wrapping at ``capacity``)."""
    rng = np.random.default_rng(seed)
    addr = (np.arange(n, dtype=np.uint64) * np.uint64(size)) % np.uint64(capacity)
    return _trace(np.arange(n) * gap, rng.random(n) < write_frac, addr, np.full(n, size), "stream")


def random(n: int, seed: int = 0, *, write_frac: float = 1 / 3, gap: int = 4, size: int = 64,
           capacity: int = DEFAULT_CAPACITY) -> Trace:
    """Uniformly random ``size``-aligned addresses."""
    rng = np.random.default_rng(seed)
    addr = rng.integers(0, capacity // size, n).astype(np.uint64) * np.uint64(size)
    return _trace(np.arange(n) * gap, rng.random(n) < write_frac, addr, np.full(n, size), "random")


def strided(n: int, seed: int = 0, *, stride: int = 4160, write_frac: float = 0.0, gap: int = 1,
            size: int = 64, capacity: int = DEFAULT_CAPACITY) -> Trace:
    """Addresses ``i * stride`` (default 4160 B: a new column and, every other request, a new row)."""
    rng = np.random.default_rng(seed)
    addr = (np.arange(n, dtype=np.uint64) * np.uint64(stride)) % np.uint64(capacity)
    return _trace(np.arange(n) * gap, rng.random(n) < write_frac, addr, np.full(n, size), "strided")


def cloud(n: int, seed: int = 0, *, read_ratio: float = 0.7, locality: float = 0.8, n_streams: int = 8,
          mean_gap: float = 3.0, burst: float = 200.0, idle: float = 4000.0, size: int = 64,
          capacity: int = DEFAULT_CAPACITY) -> Trace:
    """A cloud-like mix: ``n_streams`` interleaved sequential streams; each request continues a random stream
    with probability ``locality`` (else that stream jumps to a random address); exponential inter-arrivals with
    mean ``mean_gap`` player cycles; reads with probability ``read_ratio``. With ``burst > 0`` the requests come
    in bursts of geometrically distributed length (mean ``burst`` requests) separated by exponential idle gaps
    (mean ``idle`` player cycles): busy phases that load the memory, idle ones where it can power down.

    Defaults (DRAM-v0's trace): bursts of ~200 requests at 3.75 ns apart (17 GB/s offered, 89% of DDR4-2400's
    peak: the bursts are bandwidth-bound) separated by ~5 us idle gaps; 70% reads; 8 streams with 80% locality.
    ``burst=0`` gives one unbroken Poisson stream (the generator's behaviour before bursts, with mean_gap 6)."""
    if burst < 0 or idle < 0 or mean_gap <= 0:
        raise SpecError(f"need mean_gap > 0, burst >= 0, idle >= 0; got {mean_gap}, {burst}, {idle}",
                        "cloud")
    rng = np.random.default_rng(seed)
    slots = capacity // size
    heads = rng.integers(0, slots, n_streams)
    which = rng.integers(0, n_streams, n)
    jump = rng.random(n) >= locality
    targets = rng.integers(0, slots, n)
    addr = np.empty(n, dtype=np.uint64)
    for i in range(n):  # sequential by nature; n is small (generation is not on the hot path)
        s = which[i]
        heads[s] = targets[i] if jump[i] else (heads[s] + 1) % slots
        addr[i] = heads[s] * size
    gaps = rng.exponential(mean_gap, n)
    is_write = rng.random(n) >= read_ratio
    if burst > 0:  # a new burst starts after request i with probability 1 / burst
        starts = rng.random(n) < 1.0 / burst
        starts[0] = False
        gaps = gaps + np.where(starts, rng.exponential(idle, n), 0.0)
    cycle = np.floor(np.cumsum(gaps)).astype(np.int64)
    return _trace(cycle, is_write, addr, np.full(n, size), "cloud")


def sparse(n: int, seed: int = 0, *, gap: int = 400, size: int = 64, capacity: int = DEFAULT_CAPACITY) -> Trace:
    """Random reads ``gap`` player cycles apart (500 ns at 800 MHz): the DRAM idles most of the time."""
    t = random(n, seed, write_frac=0.0, gap=gap, size=size, capacity=capacity)
    return _trace(t.cycle, t.is_write, t.addr, t.size, "sparse")


GENERATORS: dict[str, Callable[..., Trace]] = {
    "stream": stream, "random": random, "strided": strided, "cloud": cloud, "sparse": sparse,
}


def generate(name: str, n: int, seed: int = 0, **kwargs) -> Trace:
    """Run generator ``name``.

    Raises:
        SpecError: Unknown generator (the message lists the allowed names).
    """
    if name not in GENERATORS:
        raise SpecError(f"unknown trace {name!r}; allowed: {list(GENERATORS)} or a .stl / DRAMsim3 trace path",
                        "trace")
    if n < 1:
        raise SpecError(f"must be >= 1, got {n}", "n_requests")
    return GENERATORS[name](n, seed, **kwargs)


# --- loaders ------------------------------------------------------------------------------------------
_DS3 = re.compile(r"^(?:0x)?([0-9a-f]+)\s+(read|write|r|w|p_mem_rd|p_mem_wr)\s+(\d+)$", re.I)


def load_stl(path: str | Path) -> Trace:
    """Read a DRAMSys ``.stl`` trace: ``<cycle>: [(<bytes>)] <read|write> <hex address> [hex data]``.

    Parsed by :func:`simulators.dram.stl.parse` (numba, about 1 ms per 10,000 lines).

    Raises:
        TraceError: A malformed line (the message names file and line number) or an empty file.
    """
    from simulators.dram import stl

    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise TraceError(f"cannot read trace: {exc.strerror}", str(path)) from None
    n, cyc, size, wr, addr, lns, err_line, err = stl.parse(np.frombuffer(raw, dtype=np.uint8), 64)
    if err:
        line = raw.split(b"\n")[err_line - 1].decode("utf-8", "replace").split("#", 1)[0].strip()
        where = f"{path}:{err_line}"
        if err == stl.ERR_LENGTH:
            raise TraceError(f"request length must be >= 1 byte, got {line[:60]!r}", where)
        if err == stl.ERR_ADDRESS:
            raise TraceError(f"address does not fit in 63 bits: {line[:60]!r}", where)
        raise TraceError(f"expected '<cycle>: [(<bytes>)] <read|write> <hex address> [data]', got {line[:60]!r}",
                         where)
    return _finish(path, cyc[:n], wr[:n], addr[:n], size[:n], PLAYER_CLOCK_MHZ, lns[:n])


def stl_text(trace: Trace) -> str:
    """A trace as DRAMSys ``.stl`` text: ``<cycle>:\t(<bytes>)\t<read|write>\t0x<address>``, one request a line
    (cycles at the trace's player clock)."""
    rw = ("read", "write")
    return "".join(f"{c}:\t({s})\t{rw[int(w)]}\t0x{a:x}\n"
                   for c, w, a, s in zip(trace.cycle.tolist(), trace.is_write.tolist(), trace.addr.tolist(),
                                         trace.size.tolist(), strict=True))


def load_dramsim3(path: str | Path) -> Trace:
    """Read a DRAMsim3 trace: ``<hex address> <READ|WRITE> <cycle>`` (cycles at the memory clock, 64 B requests).

    Raises:
        TraceError: A malformed line (the message names file and line number) or an empty file.
    """
    cyc, wr, addr, size, lns = [], [], [], [], []
    for lineno, line in _lines(path):
        m = _DS3.match(line)
        if not m:
            raise TraceError(f"expected '<hex address> <READ|WRITE> <cycle>', got {line[:60]!r}", f"{path}:{lineno}")
        cyc.append(int(m.group(3)))
        wr.append(m.group(2).lower() in ("write", "w", "p_mem_wr"))
        addr.append(int(m.group(1), 16))
        size.append(64)
        lns.append(lineno)
    return _finish(path, cyc, wr, addr, size, None, lns)


def load_trace(path: str | Path) -> Trace:
    """Read a trace, choosing the format by extension (``.stl``) or by the first data line."""
    p = Path(path)
    if not p.exists():
        raise TraceError("no such trace file", str(p))
    if p.suffix.lower() == ".stl":
        return load_stl(p)
    for _, line in _lines(p):
        return load_stl(p) if re.match(r"^\d+\s*:", line) else load_dramsim3(p)
    raise TraceError("trace has no requests", str(p))


def _lines(path: str | Path):
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for lineno, raw in enumerate(fh, 1):
                line = raw.split("#", 1)[0].strip()
                if line:
                    yield lineno, line
    except OSError as exc:
        raise TraceError(f"cannot read trace: {exc.strerror}", str(path)) from None


def _finish(path, cyc, wr, addr, size, clock, lns) -> Trace:
    if len(cyc) == 0:
        raise TraceError("trace has no requests", str(path))
    # A timestamp earlier than its predecessor is sent as soon as possible, as DRAMSys's trace player does
    # (real DRAMSys traces, e.g. ddr3_example.stl, restart their timestamps): requests stay in file order.
    c = np.maximum.accumulate(np.asarray(cyc, dtype=np.int64))
    a = np.asarray(addr, dtype=np.uint64)
    big = np.nonzero(a >= np.uint64(1 << 63))[0]
    if big.size:
        raise TraceError("address does not fit in 63 bits", f"{path}:{lns[big[0]]}")
    return _trace(c, wr, a, size, Path(path).name, clock)
