"""CACTI memory energy and area as FARSI uses them, from a table (CACTI itself is not shipped).

FARSI sizes each memory after the simulation (``SimDesignPoint.collect_cacti_data``): the peak live bytes, at
least 2048, rounded up to a multiple of ``config.min_mem_size`` = 256 000 B. It then runs CACTI 6.5 (40 nm,
``cacti_for_FARSI/farsi_gen.cfg``; DRAM as 'main memory' with 'comm-dram' cells, SRAM as 'ram' with 'itrs-lop'
cells) and scales: read/write J per byte = dynamic energy per access [nJ] x 1e-9 / 16 x 0.064, area = CACTI area
x 0.07 (ArchGym's ``tech_node_SF``).

``data/cacti_table.csv`` holds those scaled figures for every size FARSI produced on 165 designs (the
``SEMANTICS.md`` table, 4 significant digits). Rows marked ``calibration`` carry FARSI's unrounded values, read from
the memory breakdowns of ``reference_calibration.json`` (the sizes the 12 calibration designs use).

**Interpolation rule** (sizes between rows): power law between the two neighbouring rows of the same memory type,
i.e. linear interpolation of log(value) against log(size), for read J/B, write J/B and area independently. A size
outside the table (below 512 000 B, i.e. 256 000 B, or above 46 080 000 B) extends the power law of the nearest
segment. CACTI's figures grow sub-linearly with capacity (energy per access ~ wire length ~ sqrt(area)), so a power
law between measured points is the physically natural reading; it keeps smaller memories cheaper than larger
ones wherever the table does, and never leaves a size free.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
from numba import njit

from simulators.soc.database import DATA_DIR

#: FARSI ``config.min_mem_size`` (both memory types) and the floor ``collect_cacti_data`` applies first.
MIN_MEM_SIZE = 256000
MIN_MEM_BYTES = 2048
KINDS = ("dram", "sram")  # kind index 0 = DRAM (FARSI GMEM), 1 = SRAM (FARSI LMEM)


def load_table(path: str | Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The CACTI table as ``(ptr, rows)``: rows ``[size, read J/B, write J/B, area mm^2]`` sorted by size,
    kind ``k`` in ``rows[ptr[k]:ptr[k + 1]]``."""
    path = Path(path) if path is not None else DATA_DIR / "cacti_table.csv"
    with open(path, newline="") as fh:
        recs = list(csv.DictReader(fh))
    ptr, rows = [0], []
    for kind in KINDS:
        part = sorted((float(r["size_bytes"]), float(r["read_J_per_B"]), float(r["write_J_per_B"]),
                       float(r["area_mm2"])) for r in recs if r["kind"] == kind)
        if len(part) < 2:
            raise ValueError(f"{path}: the CACTI table needs at least two {kind} rows")
        rows += part
        ptr.append(len(rows))
    return np.array(ptr, dtype=np.int64), np.array(rows, dtype=np.float64)


@njit(cache=True, nogil=True)
def cacti_size(peak_bytes: float) -> float:
    """FARSI's CACTI size of a memory: ``ceil(max(peak, 2048) / 256000) * 256000`` bytes."""
    b = max(np.ceil(peak_bytes), MIN_MEM_BYTES)
    return np.ceil(b / MIN_MEM_SIZE) * MIN_MEM_SIZE


@njit(cache=True, nogil=True)
def cacti_lookup(ptr: np.ndarray, rows: np.ndarray, kind: int, size: float, out: np.ndarray) -> None:
    """``out[:] = (read J/B, write J/B, area mm^2)`` of a ``kind`` memory of ``size`` bytes (see module rule)."""
    lo, hi = ptr[kind], ptr[kind + 1]
    for i in range(lo, hi):
        if rows[i, 0] == size:
            out[0], out[1], out[2] = rows[i, 1], rows[i, 2], rows[i, 3]
            return
    j = lo
    while j < hi - 2 and rows[j + 1, 0] < size:
        j += 1
    t = (np.log(size) - np.log(rows[j, 0])) / (np.log(rows[j + 1, 0]) - np.log(rows[j, 0]))
    for c in range(3):
        a, b = np.log(rows[j, c + 1]), np.log(rows[j + 1, c + 1])
        out[c] = np.exp(a + t * (b - a))


def lookup(kind: str, size: float, table: tuple[np.ndarray, np.ndarray] | None = None) -> tuple[float, float, float]:
    """Python wrapper of :func:`cacti_lookup`: ``(read J/B, write J/B, area mm^2)``."""
    ptr, rows = table if table is not None else load_table()
    out = np.empty(3)
    cacti_lookup(ptr, rows, KINDS.index(kind), float(size), out)
    return float(out[0]), float(out[1]), float(out[2])
