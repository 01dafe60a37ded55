"""Dataflow templates of the sub-accelerators: WS (NVDLA-like), OS (ShiDianNao-like), RS (Eyeriss-like).

Each template turns a workload and a set of array shapes into the accelerator model's *stage-1* per-layer
columns (:data:`simulators.accelerator.model.STAGE1_KEYS` plus SRAM accesses), which the accelerator's
``layer_dram`` (DRAM reuse and stalls) and ``finish`` (energy, area) then consume unchanged.

**WS and OS** are exactly the accelerator simulator's SCALE-Sim-3 dataflows (``array_stats``): weight
stationary is the NVDLA-like template (weights pinned in the PEs, pixels streamed), output stationary the
ShiDianNao-like one (each PE owns an output pixel).

**RS (row stationary, Eyeriss-like) is our own approximation, not a SCALE-Sim result**: SCALE-Sim has no RS
dataflow, and this is not a reimplementation of Eyeriss's mapper or NoC. It keeps the accelerator's fold
formalism and these stated assumptions (Chen et al., ISCA 2016 / JSSC 2017):

* A GEMM layer is first viewed as a 1x1 convolution over one output row of ``M`` pixels with ``K`` channels.
* A *PE set* is ``Rf`` PEs tall (one filter row each): PE ``(i, j)`` runs the 1-D convolution of filter row
  ``i`` over an ifmap row, producing output row ``j``, so one PE performs ``T = F * Sf`` MACs per pass.
  Partial sums accumulate up the column.
* Vertically, ``q = floor(R / Rf)`` input channels are stacked per column (``Rf <= R``), giving
  ``rf = ceil(Cin / q)`` row folds; a filter taller than the array is split, ``rf = ceil(Rf / R) * Cin``.
* Horizontally, the ``E * M`` (output row, filter) pairs are packed onto ``C`` columns: ``cf = ceil(E*M / C)``.
* Cycles per layer (per group) = ``rf * cf * (T + R - 1)``: the pass plus ``R - 1`` cycles to drain the
  vertical psum accumulation. Ifmap/filter delivery is multicast and assumed hidden (no systolic skew).
* SRAM (global buffer) accesses exploit RS's register-file reuse of overlapping windows: ifmap reads
  ``cf * H*W*Cin`` (the unique ifmap once per column fold), filter reads ``ceil(E / C) * |filter|`` (one
  horizontally multicast read per fold holding that filter), psum writes ``rf * |ofmap|`` (as WS).
* DRAM reuse follows the accelerator's rules (``simulators/accelerator/model.py``) with RS's loop order: the
  touched ifmap is re-fetched once per column fold and the filters ``ceil(E / C)`` times when they do not fit in
  the active half of their SRAM; psums of one column block (``min(E*M, C) * F`` words) accumulate on chip if
  they fit in the active half of the ofmap SRAM, else every pass is written and all but the first read back.
* Each RS PE carries Eyeriss's scratchpads (Chen et al., JSSC 2017): a 12-word ifmap and a 24-entry psum
  scratchpad in registers (plus one ifmap, weight and psum pipeline word), and a 224-word filter scratchpad as a
  0.5 KiB SRAM macro (CACTI, ``simulators/accelerator/sram_table.py``). Per MAC it reads the ifmap and filter
  scratchpads and reads and writes a psum (register energy of ``costs.py``, CACTI energy for the filter
  scratchpad), on top of the MAC itself. So RS trades PE area and scratchpad energy for fewer global-buffer
  accesses and better utilisation on layers with few filters.

What it is not: no spad-capacity limit on how many (filter, channel) pairs a PE interleaves, no NoC bandwidth
limits, no mapper search over Eyeriss's logical-to-physical folding choices. Its numbers are an idealised
estimate for design-space exploration, not a validated Eyeriss model.
"""

from __future__ import annotations

import numpy as np

from simulators.accelerator.costs import DFF_UM2, REG_PJ_PER_BIT, Datatype, sram
from simulators.accelerator.dataflow import OS, STAGE1_KEYS, WS, array_stats
from simulators.accelerator.workloads import Workload

TEMPLATES = ("WS", "OS", "RS")
TEMPLATE_INFO = {
    "WS": "weight stationary, NVDLA-like (SCALE-Sim WS)",
    "OS": "output stationary, ShiDianNao-like (SCALE-Sim OS)",
    "RS": "row stationary, Eyeriss-like (approximation, see templates.py)",
}

#: Eyeriss PE scratchpads: ifmap and psum entries (registers) and filter entries (SRAM) [Chen et al., JSSC 2017].
RS_IFMAP_SPAD, RS_PSUM_SPAD, RS_FILTER_SPAD = 12, 24, 224
#: The filter scratchpad macro: 0.5 KiB with 16-byte access (holds 224 words of up to 2 bytes).
RS_FILTER_SPAD_KIB, RS_FILTER_SPAD_BLOCK = 0.5, 16

#: Keys every template returns, shape (U, L).
STAT_KEYS = (*STAGE1_KEYS, "sram_if", "sram_f", "sram_of", "rf", "cf")


def rs_pe_cell_um2(dt: Datatype) -> float:
    """Cell area of one RS PE without its filter scratchpad (um^2): MAC + register scratchpads + pipeline."""
    bits = (RS_IFMAP_SPAD + 2) * dt.word_bits + (RS_PSUM_SPAD + 1) * dt.acc_bits + 2
    return dt.mul_um2 + dt.acc_um2 + bits * DFF_UM2


def rs_spad_macro() -> dict[str, float]:
    """The filter scratchpad macro: ``area_mm2``, ``read_pj_per_byte``, ``leakage_mw`` (CACTI, 45 nm)."""
    m = sram(RS_FILTER_SPAD_KIB, RS_FILTER_SPAD_BLOCK)
    return {k: float(v[0]) for k, v in m.items()}


def rs_extra_pj_per_mac(dt: Datatype) -> float:
    """Scratchpad energy of one RS MAC at 0.9 V (pJ): ifmap read, filter read, psum read + write."""
    return ((dt.word_bits + 2 * dt.acc_bits) * REG_PJ_PER_BIT
            + dt.word_bytes * rs_spad_macro()["read_pj_per_byte"])


def template_stats(wl: Workload, template: str, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    """Stage-1 columns of ``wl`` on ``U`` arrays of one template; every value has shape ``(U, L)``.

    Args:
        wl: The layers run on this sub-accelerator.
        template: ``"WS"``, ``"OS"`` or ``"RS"``.
        rows, cols: Array shapes, shape ``(U,)``.
    """
    if template in ("WS", "OS"):
        code = WS if template == "WS" else OS
        s = array_stats(wl, rows, cols, np.full(len(rows), code))
        return {k: s[k] for k in STAT_KEYS}
    if template != "RS":
        raise ValueError(f"unknown template {template!r}")
    return _rs_stats(wl, rows, cols)


def _rs_stats(wl: Workload, rows: np.ndarray, cols: np.ndarray) -> dict[str, np.ndarray]:
    a = wl.arrays
    gemm = np.array([lay.kind == "gemm" for lay in wl.layers])
    g, m = a["groups"], a["num_filters"]
    rfh = np.where(gemm, 1.0, a["filter_h"])
    sfw = np.where(gemm, 1.0, a["filter_w"])
    cin = np.where(gemm, a["filter_w"] * a["channels"], a["channels"])
    e = np.where(gemm, 1.0, a["ofmap_h"])
    f = np.where(gemm, a["ofmap_h"] * a["ofmap_w"], a["ofmap_w"])
    r = np.asarray(rows, dtype=np.float64)[:, None]
    c = np.asarray(cols, dtype=np.float64)[:, None]
    fits = rfh <= r
    q = np.maximum(np.floor(r / rfh), 1.0)
    rf = np.where(fits, np.ceil(cin / q), np.ceil(rfh / r) * cin)
    sc = e * m
    cf = np.ceil(sc / c)
    t = f * sfw
    folds = rf * cf
    ones = np.ones_like(folds)
    if_words = a["ifmap_h"] * a["ifmap_w"] * a["channels"] * ones
    f_words = a["filter_h"] * a["filter_w"] * a["channels"] * m * ones
    of_words = a["ofmap_h"] * a["ofmap_w"] * m * ones
    ef = np.ceil(e / c)
    real = a["real_ifmap"] * ones
    return {
        "compute": g * folds * (t + r - 1.0),
        "gfolds": g * folds,
        "u_if": g * real, "a_if": real, "lb_if": np.zeros_like(folds), "m_lb": cf,
        "bp_if": np.zeros_like(folds), "band_if": g * cf * real, "nr_if": g * cf * if_words,
        "f_tot": g * f_words, "a_f": f_words, "m_f": ef,
        "o_tot": g * of_words, "a_of": np.minimum(sc, c) * f, "rf_of": rf,
        "sram_if": g * cf * if_words,
        "sram_f": g * ef * f_words,
        "sram_of": g * rf * of_words,
        "rf": rf, "cf": cf,
    }
