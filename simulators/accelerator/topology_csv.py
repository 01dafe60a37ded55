"""SCALE-Sim topology and GEMM CSV loaders (SCALE-Sim 3 semantics; see :mod:`.workloads`).

A topology row is a convolution as SCALE-Sim reads it: no padding column (a file that pads lists the padded
size). A layer whose name contains ``DP`` is depthwise, exactly as in SCALE-Sim (``Channels`` groups of one
channel). A GEMM row ``(M, N, K)`` is mapped like SCALE-Sim's GEMM mode (:meth:`Layer.gemm`).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path

from archgym_lite.core.errors import TraceError
from simulators.accelerator.workloads import Layer, Workload

CONV_COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels",
                "Num Filter", "Strides")
GEMM_COLUMNS = ("Layer", "M", "N", "K")


# --- CSV loading --------------------------------------------------------------------------------------
def _fields(row: Sequence[str]) -> list[str]:
    out = [c.strip() for c in row]
    while out and out[-1] == "":  # SCALE-Sim rows end with a trailing comma
        out.pop()
    return out


def _int_field(path: Path, line: int, column: str, text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise TraceError(f"{path}, line {line}, column {column!r}: expected a positive integer, got {text!r}") from None
    if value < 1:
        raise TraceError(f"{path}, line {line}, column {column!r}: expected a positive integer, got {value}")
    return value


def _check_sparsity(path: Path, line: int, text: str) -> None:
    if text.replace(" ", "") != "1:1":
        raise TraceError(f"{path}, line {line}, column 'Sparsity': only dense layers ('1:1') are modelled, "
                         f"got {text!r}")


def _read_rows(path: str | Path) -> tuple[Path, list[tuple[int, list[str]]], list[str]]:
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise TraceError(f"{p}: cannot read workload file ({exc.strerror})") from None
    rows = [(i + 1, _fields(r)) for i, r in enumerate(csv.reader(text.splitlines()))]
    rows = [(i, r) for i, r in rows if r]
    if not rows:
        raise TraceError(f"{p}, line 1: empty file (expected a header row)")
    return p, rows[1:], rows[0][1]


def load_topology_csv(path: str | Path, name: str | None = None) -> Workload:
    """Read a SCALE-Sim convolution topology CSV.

    Columns: ``Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter,
    Strides`` and optionally a sparsity ratio (only ``1:1`` accepted). The first row is a header. A layer whose
    name contains ``DP`` is depthwise, exactly as in SCALE-Sim (``Channels`` groups of one channel).

    Raises:
        TraceError: Naming the file, line and column of the first malformed value.
    """
    p, rows, _ = _read_rows(path)
    layers = []
    for line, r in rows:
        if len(r) not in (8, 9):
            raise TraceError(f"{p}, line {line}: expected 8 columns {list(CONV_COLUMNS)} (+ optional sparsity), "
                             f"got {len(r)}")
        if len(r) == 9:
            _check_sparsity(p, line, r[8])
        h, w, fh, fw, ch, nf, s = (_int_field(p, line, c, t) for c, t in zip(CONV_COLUMNS[1:], r[1:8], strict=True))
        if fh > h or fw > w:
            col = "Filter Height" if fh > h else "Filter Width"
            raise TraceError(f"{p}, line {line}, column {col!r}: filter {fh}x{fw} is larger than the ifmap {h}x{w}")
        if "DP" in r[0]:
            layers.append(Layer(r[0], h, w, fh, fw, 1, nf, s, s, ch, "depthwise"))
        else:
            layers.append(Layer(r[0], h, w, fh, fw, ch, nf, s, s))
    if not layers:
        raise TraceError(f"{p}: no layers after the header")
    return Workload(name or p.stem, tuple(layers))


def load_gemm_csv(path: str | Path, name: str | None = None) -> Workload:
    """Read a SCALE-Sim GEMM CSV: header, then ``Layer, M, N, K`` rows (optional sparsity ``1:1``).

    Raises:
        TraceError: Naming the file, line and column of the first malformed value.
    """
    p, rows, _ = _read_rows(path)
    layers = []
    for line, r in rows:
        if len(r) not in (4, 5):
            raise TraceError(f"{p}, line {line}: expected 4 columns {list(GEMM_COLUMNS)} (+ optional sparsity), "
                             f"got {len(r)}")
        if len(r) == 5:
            _check_sparsity(p, line, r[4])
        m, n, k = (_int_field(p, line, c, t) for c, t in zip(GEMM_COLUMNS[1:], r[1:4], strict=True))
        layers.append(Layer.gemm(r[0], m, n, k))
    if not layers:
        raise TraceError(f"{p}: no layers after the header")
    return Workload(name or p.stem, tuple(layers))


def load_workload_csv(path: str | Path) -> Workload:
    """Read a topology or GEMM CSV, telling them apart by the header's column count (4-5: GEMM, 8-9: conv)."""
    p, _, header = _read_rows(path)
    if len(header) in (4, 5):
        return load_gemm_csv(p)
    if len(header) in (8, 9):
        return load_topology_csv(p)
    raise TraceError(f"{p}, line 1: header has {len(header)} columns; expected a SCALE-Sim topology "
                     f"{list(CONV_COLUMNS)} or GEMM {list(GEMM_COLUMNS)} header")
