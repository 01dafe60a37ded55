"""Workloads: the :class:`Layer` type and :class:`Workload` (loaders for SCALE-Sim files: :mod:`.topology_csv`).

Layer semantics follow SCALE-Sim 3 exactly:

* A convolution has an ``ifmap_h x ifmap_w x channels`` input, ``num_filters`` filters of
  ``filter_h x filter_w x channels`` and a stride; the output is ``ceil((H - Rf + s) / s)`` by
  ``ceil((W - Sf + s) / s)`` (SCALE-Sim's rule; SCALE-Sim itself never pads, so a topology file lists the padded
  size when the network pads).
* **Padding is a layer attribute**: ``pad = (top, bottom, left, right)`` says how many of the ``ifmap_h`` rows and
  ``ifmap_w`` columns are zero padding. Compute cycles, SRAM accesses and MACs are those of the padded input
  (the array multiplies the zeros, as SCALE-Sim would on the padded file); DRAM traffic counts only the real
  input elements that some window touches (padding is generated on chip, never fetched; rows or columns that no
  window reaches, e.g. every other row under a 1x1 stride-2 filter, are never fetched either, as in SCALE-Sim).
  :meth:`Layer.conv` builds a layer from framework-style symmetric padding so that the output equals PyTorch's
  ``floor((H + 2p - k) / s) + 1``. Topology CSV files carry no padding (``pad = (0, 0, 0, 0)``).
* ``groups`` runs the layer that many times, independently and one after another. A depthwise convolution
  over ``C`` channels is ``groups=C`` of a one-channel convolution: exactly what SCALE-Sim does with a topology
  row whose name contains ``DP`` (it splits it into ``C`` single-channel layers, each with the row's
  ``Num Filter`` filters). It is never treated as a dense convolution.
* A GEMM ``(M, N, K)`` is mapped like SCALE-Sim's GEMM mode: ifmap ``M x K`` with one channel, ``N`` filters of
  ``1 x K``, stride 1 (so ``E*F = M``, window ``K``, ``N`` filters).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from archgym_lite.core.errors import SpecError

LAYER_KINDS = ("conv", "depthwise", "gemm")


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
        pad: Zero rows/columns included in ``ifmap_h``/``ifmap_w``: ``(top, bottom, left, right)``.
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
    pad: tuple[int, int, int, int] = (0, 0, 0, 0)

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
        pad = tuple(self.pad)
        if len(pad) != 4 or any(isinstance(p, bool) or not isinstance(p, (int, np.integer)) or p < 0 for p in pad):
            raise SpecError(f"must be four non-negative integers (top, bottom, left, right), got {self.pad!r}",
                            f"layer {self.name!r}.pad")
        if pad[0] + pad[1] >= self.ifmap_h or pad[2] + pad[3] >= self.ifmap_w:
            raise SpecError(f"padding {pad} leaves no real input in {self.ifmap_h}x{self.ifmap_w}",
                            f"layer {self.name!r}.pad")
        object.__setattr__(self, "pad", tuple(int(p) for p in pad))

    @classmethod
    def conv(cls, name: str, in_h: int, in_w: int, kernel: int, channels: int, num_filters: int, stride: int = 1,
             padding: int = 0, groups: int = 1, kind: str = "conv") -> Layer:
        """A convolution with framework-style symmetric zero ``padding`` (PyTorch ``Conv2d`` semantics).

        The output is ``floor((in + 2 * padding - kernel) / stride) + 1`` per axis. The layer's ``ifmap`` is the
        extent the windows read, ``(out - 1) * stride + kernel``: ``padding`` zeros on top/left, as many on the
        bottom/right as the windows reach, and real rows that no window reaches dropped (never fetched).
        """
        dims = []
        for size in (in_h, in_w):
            out = (size + 2 * padding - kernel) // stride + 1
            extent = (out - 1) * stride + kernel
            after = max(0, extent - padding - size)
            dims.append((extent, padding, after))
        (h, top, bottom), (w, left, right) = dims
        return cls(name, h, w, kernel, kernel, channels, num_filters, stride, stride, groups, kind,
                   (top, bottom, left, right))

    @classmethod
    def gemm(cls, name: str, m: int, n: int, k: int, repeats: int = 1) -> Layer:
        """A GEMM ``(M x K) @ (K x N)``, SCALE-Sim GEMM-mode mapping, optionally repeated (e.g. per head)."""
        return cls(name, m, k, 1, k, 1, n, 1, 1, repeats, "gemm")

    @classmethod
    def depthwise(cls, name: str, ifmap_h: int, ifmap_w: int, kernel: int, channels: int, stride: int = 1,
                  multiplier: int = 1, padding: int = 0) -> Layer:
        """A depthwise convolution: ``channels`` independent one-channel convolutions of ``multiplier`` filters
        (``padding`` as in :meth:`conv`)."""
        return cls.conv(name, ifmap_h, ifmap_w, kernel, 1, multiplier, stride, padding, channels, "depthwise")

    @property
    def ofmap_h(self) -> int:
        return -(-(self.ifmap_h - self.filter_h + self.stride_h) // self.stride_h)

    @property
    def ofmap_w(self) -> int:
        return -(-(self.ifmap_w - self.filter_w + self.stride_w) // self.stride_w)

    @property
    def band_ifmap_words(self) -> int:
        """Real input elements read when each output row re-reads its ``filter_h`` input rows (only the
        touched columns), per group: the ifmap traffic of a schedule that keeps reuse along a row but not
        between output rows."""
        lo, hi = self.pad[0], self.ifmap_h - self.pad[1]
        rows = sum(max(0, min(e * self.stride_h + self.filter_h, hi) - max(e * self.stride_h, lo))
                   for e in range(self.ofmap_h))
        cols = _touched(self.ifmap_w, self.filter_w, self.stride_w, self.ofmap_w, self.pad[2], self.pad[3])
        return rows * cols * self.channels

    @property
    def im2col_words(self) -> int:
        """Entries of the layer's operand matrix (output pixels x window) that hold a real input element, per
        group: what a schedule without any buffer reuse fetches (padding and out-of-range entries excluded)."""

        def valid(size: int, kernel: int, stride: int, outs: int, before: int, after: int) -> int:
            return sum(max(0, min(outs, -(-(size - after - k) // stride)) - max(0, -(-(before - k) // stride)))
                       for k in range(kernel))

        rows = valid(self.ifmap_h, self.filter_h, self.stride_h, self.ofmap_h, self.pad[0], self.pad[1])
        cols = valid(self.ifmap_w, self.filter_w, self.stride_w, self.ofmap_w, self.pad[2], self.pad[3])
        return rows * cols * self.channels

    @property
    def real_ifmap_words(self) -> int:
        """Real (non-padding) input elements that some window reads, per group: the DRAM ifmap footprint."""
        rows = _touched(self.ifmap_h, self.filter_h, self.stride_h, self.ofmap_h, self.pad[0], self.pad[1])
        cols = _touched(self.ifmap_w, self.filter_w, self.stride_w, self.ofmap_w, self.pad[2], self.pad[3])
        return rows * cols * self.channels

    @property
    def macs(self) -> int:
        """Multiply-accumulates of the whole layer (all groups)."""
        return (self.ofmap_h * self.ofmap_w * self.filter_h * self.filter_w * self.channels * self.num_filters
                * self.groups)


def _touched(size: int, kernel: int, stride: int, outs: int, before: int, after: int) -> int:
    """Indices in ``[before, size - after)`` covered by some window ``[e * stride, e * stride + kernel)``."""
    covered = 0
    end = 0  # windows are visited in order; count each index once
    for e in range(outs):
        lo = max(e * stride, end, before)
        hi = min(e * stride + kernel, size - after)
        if hi > lo:
            covered += hi - lo
        end = max(end, e * stride + kernel)
    return covered


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
        cols["real_ifmap"] = np.array([lay.real_ifmap_words for lay in self.layers], dtype=np.float64)
        cols["band_ifmap"] = np.array([lay.band_ifmap_words for lay in self.layers], dtype=np.float64)
        cols["im2col"] = np.array([lay.im2col_words for lay in self.layers], dtype=np.float64)
        cols["real_h"] = np.array([lay.ifmap_h - lay.pad[0] - lay.pad[1] for lay in self.layers], dtype=np.float64)
        cols["real_w"] = np.array([lay.ifmap_w - lay.pad[2] - lay.pad[3] for lay in self.layers], dtype=np.float64)
        for v in cols.values():
            v.setflags(write=False)
        return cols
