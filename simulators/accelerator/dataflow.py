"""Stage 1 of the model: what depends only on the array shape and dataflow (SCALE-Sim 3 folds), per layer.

**Compute (SCALE-Sim 3, exact).** For an ``R x C`` array and a layer with ``E*F`` output pixels, window
``Rf*Sf*Cin`` and ``M`` filters, the dataflow maps ``(Sr, Sc, T)`` = OS ``(E*F, M, window)``,
WS ``(window, M, E*F)``, IS ``(window, E*F, M)``; ``folds = ceil(Sr/R) * ceil(Sc/C)``; compute cycles are
``folds * (T + R + C - 2) - 1`` (OS) or ``folds * (2R + C + T - 2) - 1`` (WS, IS), per group. SRAM accesses
(words) are SCALE-Sim's, derived from the same folds (``rf, cf`` = row and column folds):

====  ==================  ==================  =============================
df    ifmap reads         filter reads        ofmap writes
====  ==================  ==================  =============================
OS    cf * T * Sr         rf * T * Sc         Sr * Sc + folds * (R + C) [#]_
WS    cf * T * Sr         Sr * Sc             rf * T * Sc
IS    Sr * Sc             cf * T * Sr         rf * T * Sc
====  ==================  ==================  =============================

.. [#] SCALE-Sim 3 adds ``R + C`` per fold to the OS ofmap writes; kept so reports match it line by line.

**DRAM reuse inputs** (the rules are applied in :mod:`simulators.accelerator.model`, where the SRAM sizes are
known). Folds run column-fold outer, row-fold inner, as in SCALE-Sim. Per operand:

* ``u_if``: the real ifmap elements some window touches (padding is made on chip; rows a stride skips are not
  read), ``a_if`` the same per group (fits-whole test), ``lb_if`` the line buffer a streaming schedule needs
  (OS: the input rows under the output rows one fold of ``R`` pixels spans, times the row width and channels;
  IS: the same for ``C`` pixels; WS: none -- consecutive WS folds use different window slices, so nothing short
  of the whole ifmap carries reuse from one fold to the next), ``m_lb`` the passes with a line buffer (OS: once
  per column fold; IS: once), ``bp_if`` the band patch of one fold (``filter_h`` input rows under the fold's
  pixels of one output row) and ``band_if`` the traffic when only that fits (each output row re-reads its
  ``filter_h`` input rows: :attr:`Layer.band_ifmap_words`, once per column fold for OS), and ``nr_if`` the
  no-reuse count (every operand-matrix entry that holds a real element, :attr:`Layer.im2col_words`, once per
  column fold for OS and WS: the SRAM reads less padding and out-of-range entries).
* ``f_tot`` the filter words, ``a_f`` the working set that must fit to fetch them once (OS: one column block
  ``T * min(Sc, C)``; WS: nothing, every weight sits in exactly one fold; IS: all filters), ``m_f`` the passes
  otherwise (OS: every row fold re-streams its block; IS: every column fold re-streams all filters).
* ``o_tot`` the ofmap words, ``a_of`` the partial-sum block that must fit to accumulate on chip (WS:
  ``E*F * min(M, C)``, IS: ``M * min(E*F, C)``, OS: nothing, outputs finish in the array), ``rf_of`` the
  partial-sum passes (``rf`` for WS/IS, 1 for OS).
"""

from __future__ import annotations

import numpy as np

from simulators.accelerator.workloads import Workload

DATAFLOWS = ("OS", "WS", "IS")
OS, WS, IS = 0, 1, 2

#: Per-layer stage-1 columns the DRAM/stall stage consumes, in order.
STAGE1_KEYS = ("compute", "gfolds", "u_if", "a_if", "lb_if", "m_lb", "bp_if", "band_if", "nr_if", "f_tot", "a_f",
               "m_f", "o_tot", "a_of", "rf_of")


def dataflow_codes(values: np.ndarray) -> np.ndarray:
    """``"OS"/"WS"/"IS"`` column -> int codes 0/1/2."""
    v = np.asarray(values, dtype=object)
    return (v == "WS").astype(np.int64) + 2 * (v == "IS").astype(np.int64)


def _line_buffer(a: dict[str, np.ndarray], n: np.ndarray) -> np.ndarray:
    """Words of real ifmap rows under the output rows that ``n`` consecutive output pixels span (per group)."""
    f = a["ofmap_w"]
    spanned = np.minimum(a["ofmap_h"], np.ceil((n - 1.0) / f) + 1.0)
    rows = np.minimum(a["real_h"], (spanned - 1.0) * a["stride_h"] + a["filter_h"])
    return rows * a["real_w"] * a["channels"]


def _band_patch(a: dict[str, np.ndarray], n: np.ndarray) -> np.ndarray:
    """Words of the ``filter_h`` input rows under ``n`` consecutive output pixels of one output row (per group);
    a fold longer than a row needs the rows of every output row it covers."""
    f = a["ofmap_w"]
    rows = np.where(n > f, _line_buffer(a, n) / (a["real_w"] * a["channels"]),
                    np.minimum(a["real_h"], a["filter_h"]))
    cols = np.minimum(a["real_w"], (np.minimum(n, f) - 1.0) * a["stride_w"] + a["filter_w"])
    return rows * cols * a["channels"]


def array_stats(wl: Workload, rows: np.ndarray, cols: np.ndarray, df: np.ndarray) -> dict[str, np.ndarray]:
    """Stage 1 for ``U`` (rows, cols, dataflow) triples: every value has shape ``(U, L)`` (see module docstring)."""
    a = wl.arrays
    g = a["groups"]
    pix = a["ofmap_h"] * a["ofmap_w"]
    win = a["filter_h"] * a["filter_w"] * a["channels"]
    m = a["num_filters"]
    r = np.asarray(rows, dtype=np.float64)[:, None]
    c = np.asarray(cols, dtype=np.float64)[:, None]
    d = np.asarray(df)[:, None]
    is_os, is_ws, is_is = d == OS, d == WS, d == IS
    sr = np.where(is_os, pix, win)
    sc = np.where(is_is, pix, m)
    t = np.where(is_os, win, np.where(is_ws, pix, m))
    rf = np.ceil(sr / r)
    cf = np.ceil(sc / c)
    folds = rf * cf
    per_fold = np.where(is_os, t + r + c - 2.0, 2.0 * r + c + t - 2.0)
    util_cycles = np.where(is_os, t + r + c - 2.0, 2.0 * r + 2.0 * c + t - 3.0)  # SCALE-Sim's cycles_this_fold
    srsc = sr * sc
    blk = t * np.minimum(sc, c)
    f_words = win * m
    zero = np.zeros_like(rf)
    one = np.ones_like(rf)
    sram_if = g * np.where(is_is, srsc, cf * t * sr)
    return {
        "sr": sr, "sc": sc, "t": t, "rf": rf, "cf": cf,
        "compute": g * (folds * per_fold - 1.0),
        "gfolds": g * folds,
        "sram_if": sram_if,
        "sram_f": g * np.where(is_os, rf * t * sc, np.where(is_ws, srsc, cf * t * sr)),
        "sram_of": g * np.where(is_os, srsc + folds * (r + c), rf * t * sc),
        "mapping_eff": srsc / (folds * r * c),
        "compute_util": srsc * t / (folds * r * c * util_cycles),
        "u_if": g * a["real_ifmap"] * one,
        "a_if": a["real_ifmap"] * one,
        "lb_if": np.where(is_ws, np.inf, _line_buffer(a, np.where(is_os, r, c))),
        "m_lb": np.where(is_os, cf, one),
        "bp_if": np.where(is_ws, np.inf, _band_patch(a, np.where(is_os, r, c))),
        "band_if": g * a["band_ifmap"] * np.where(is_os, cf, one),
        "nr_if": g * a["im2col"] * np.where(is_is, one, cf),
        "f_tot": g * f_words * one,
        "a_f": np.where(is_os, blk, np.where(is_ws, zero, f_words)),
        "m_f": np.where(is_os, rf, np.where(is_ws, one, cf)),
        "o_tot": g * pix * m * one,
        "a_of": np.where(is_os, zero, blk),
        "rf_of": np.where(is_os, one, rf),
    }
