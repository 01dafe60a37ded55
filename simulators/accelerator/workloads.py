"""Workloads: the :class:`Layer` type, :class:`Workload`, and loaders for SCALE-Sim topology and GEMM CSV files.

Layer semantics follow SCALE-Sim 3 exactly:

* A convolution has an ``ifmap_h x ifmap_w x channels`` input, ``num_filters`` filters of
  ``filter_h x filter_w x channels`` and a stride; there is **no padding** (pad the input dimensions in the
  file if the network pads), so the output is ``ceil((H - Rf + s) / s)`` by ``ceil((W - Sf + s) / s)``.
* ``groups`` runs the layer that many times, independently and one after another. A depthwise convolution
  over ``C`` channels is ``groups=C`` of a one-channel convolution: exactly what SCALE-Sim does with a topology
  row whose name contains ``DP`` (it splits it into ``C`` single-channel layers, each with the row's
  ``Num Filter`` filters). It is never treated as a dense convolution.
* A GEMM ``(M, N, K)`` is mapped like SCALE-Sim's GEMM mode: ifmap ``M x K`` with one channel, ``N`` filters of
  ``1 x K``, stride 1 (so ``E*F = M``, window ``K``, ``N`` filters).
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from archgym_lite.core.errors import SpecError, TraceError

LAYER_KINDS = ("conv", "depthwise", "gemm")
CONV_COLUMNS = ("Layer name", "IFMAP Height", "IFMAP Width", "Filter Height", "Filter Width", "Channels",
                "Num Filter", "Strides")
GEMM_COLUMNS = ("Layer", "M", "N", "K")


@dataclass(frozen=True)
class Layer:
    """One layer in SCALE-Sim terms (see module docstring).

    Attributes:
        name: Layer name (shown in reports).
        ifmap_h: Input height (already padded, if the network pads).
        ifmap_w: Input width.
        filter_h: Filter height.
        filter_w: Filter width.
        channels: Input channels seen by one filter (1 for a depthwise group).
        num_filters: Filters (output channels) per group.
        stride_h: Vertical stride.
        stride_w: Horizontal stride.
        groups: Independent repetitions of the layer (channels of a depthwise conv, heads of attention).
        kind: ``"conv"``, ``"depthwise"`` or ``"gemm"`` (informative; the maths depends only on the numbers).
    """

    name: str
    ifmap_h: int
    ifmap_w: int
    filter_h: int
    filter_w: int
    channels: int
    num_filters: int
    stride_h: int = 1
    stride_w: int = 1
    groups: int = 1
    kind: str = "conv"

    def __post_init__(self) -> None:
        for attr in ("ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "num_filters", "stride_h",
                     "stride_w", "groups"):
            v = getattr(self, attr)
            if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 1:
                raise SpecError(f"must be a positive integer, got {v!r}", f"layer {self.name!r}.{attr}")
        if self.filter_h > self.ifmap_h or self.filter_w > self.ifmap_w:
            raise SpecError(f"filter {self.filter_h}x{self.filter_w} larger than ifmap {self.ifmap_h}x"
                            f"{self.ifmap_w}", f"layer {self.name!r}")
        if self.kind not in LAYER_KINDS:
            raise SpecError(f"got {self.kind!r}; allowed: {list(LAYER_KINDS)}", f"layer {self.name!r}.kind")

    @classmethod
    def gemm(cls, name: str, m: int, n: int, k: int, repeats: int = 1) -> Layer:
        """A GEMM ``(M x K) @ (K x N)``, SCALE-Sim GEMM-mode mapping, optionally repeated (e.g. per head)."""
        return cls(name, m, k, 1, k, 1, n, 1, 1, repeats, "gemm")

    @classmethod
    def depthwise(cls, name: str, ifmap_h: int, ifmap_w: int, kernel: int, channels: int, stride: int = 1,
                  multiplier: int = 1) -> Layer:
        """A depthwise convolution: ``channels`` independent one-channel convolutions of ``multiplier`` filters."""
        return cls(name, ifmap_h, ifmap_w, kernel, kernel, 1, multiplier, stride, stride, channels, "depthwise")

    @property
    def ofmap_h(self) -> int:
        return -(-(self.ifmap_h - self.filter_h + self.stride_h) // self.stride_h)

    @property
    def ofmap_w(self) -> int:
        return -(-(self.ifmap_w - self.filter_w + self.stride_w) // self.stride_w)

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the whole layer (all groups)."""
        return (self.ofmap_h * self.ofmap_w * self.filter_h * self.filter_w * self.channels * self.num_filters
                * self.groups)


@dataclass(frozen=True)
class Workload:
    """A named, ordered list of layers.

    Attributes:
        name: Workload name (a built-in name or the file stem).
        layers: The layers, in execution order.
        source: Where it came from (``"builtin"`` or a file path).
    """

    name: str
    layers: tuple[Layer, ...]
    source: str = field(default="builtin", compare=False)

    def __post_init__(self) -> None:
        if not self.layers:
            raise SpecError("a workload needs at least one layer", f"workload {self.name!r}")

    @property
    def macs(self) -> int:
        return sum(layer.macs for layer in self.layers)

    @cached_property
    def arrays(self) -> dict[str, np.ndarray]:
        """Per-layer float64 columns used by the vectorised model (all values are exact integers)."""
        cols = {a: np.array([getattr(lay, a) for lay in self.layers], dtype=np.float64)
                for a in ("ifmap_h", "ifmap_w", "filter_h", "filter_w", "channels", "num_filters", "stride_h",
                          "stride_w", "groups")}
        cols["ofmap_h"] = np.array([lay.ofmap_h for lay in self.layers], dtype=np.float64)
        cols["ofmap_w"] = np.array([lay.ofmap_w for lay in self.layers], dtype=np.float64)
        for v in cols.values():
            v.setflags(write=False)
        return cols


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
