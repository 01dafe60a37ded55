"""The systolic-array cost model, vectorised over designs x layers.

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

**DRAM traffic (reuse model).** SRAMs are double buffered: half of each holds the working set (SCALE-Sim's
``active_buf_frac = 0.5``). Folds run column-fold outer, row-fold inner, as in SCALE-Sim. Then:

* the *streamed* operand (ifmap for OS and WS, filter for IS) is fetched once if the whole operand fits in
  half its SRAM, otherwise once per column fold (``cf`` times);
* the OS filter is fetched once if one column block (``T * min(Sc, C)`` words) fits, otherwise once per row fold;
  the stationary operand (WS filter, IS ifmap) is always fetched once;
* outputs are written once; for WS and IS with ``rf > 1`` row folds, partial sums of one column block
  (``T * min(Sc, C)`` words) stay on chip if they fit in half the ofmap SRAM, otherwise every extra row fold reads
  and writes all outputs once more (``2 * (rf - 1)`` extra ofmap passes).

Operand sizes are the unique tensors: ifmap ``H*W*Cin``, filter ``Rf*Sf*Cin*M``, ofmap ``E*F*M`` words per group.
With everything on chip this equals SCALE-Sim's DRAM reads and writes.

**Stalls (double buffering).** Per layer, DRAM transfers overlap compute except the first fold's inputs:
``fill = ceil(in_bytes / (groups*folds*bw))`` and ``cycles = fill + max(compute, ceil(bytes / bw) - fill)``;
``stall = cycles - compute``. Latency is the sum over layers (layers run back to back).

Every per-layer quantity is an exact integer held in float64, so sums over layers are exact in any order and the
scalar path (:class:`ScalarModel`) and the batch path give bit-identical metrics.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from simulators.accelerator.costs import (
    DRAM_PJ_PER_BYTE,
    MAC_PJ_BY_WORD,
    PE_MM2_BY_WORD,
    SRAM_MM2_PER_KIB,
    SRAM_PJ_PER_BYTE_REF,
    SRAM_REF_KIB,
)
from simulators.accelerator.workloads import Workload

DATAFLOWS = ("OS", "WS", "IS")
OS, WS, IS = 0, 1, 2

#: Per-layer stage-1 columns (depend on rows, cols, dataflow only) used by the DRAM/stall stage, in order.
STAGE1_KEYS = ("compute", "gfolds", "a_if", "m_if", "a_f", "m_f", "a_of", "x_of")


def dataflow_codes(values: np.ndarray) -> np.ndarray:
    """``"OS"/"WS"/"IS"`` column → int codes 0/1/2."""
    v = np.asarray(values, dtype=object)
    return (v == "WS").astype(np.int64) + 2 * (v == "IS").astype(np.int64)


def array_stats(wl: Workload, rows: np.ndarray, cols: np.ndarray, df: np.ndarray) -> dict[str, np.ndarray]:
    """Stage 1: everything that depends only on ``(rows, cols, dataflow)``, shape ``(U, L)``.

    Args:
        wl: The workload (L layers).
        rows, cols, df: Arrays of shape ``(U,)``: array rows, columns, dataflow code.
    """
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
    if_words = a["ifmap_h"] * a["ifmap_w"] * a["channels"]
    f_words = win * m
    zero = np.zeros_like(rf)
    one = np.ones_like(rf)
    return {
        "sr": sr, "sc": sc, "t": t, "rf": rf, "cf": cf,
        "compute": g * (folds * per_fold - 1.0),
        "gfolds": g * folds,
        "sram_if": g * np.where(is_is, srsc, cf * t * sr),
        "sram_f": g * np.where(is_os, rf * t * sc, np.where(is_ws, srsc, cf * t * sr)),
        "sram_of": g * np.where(is_os, srsc + folds * (r + c), rf * t * sc),
        "mapping_eff": srsc / (folds * r * c),
        "compute_util": srsc * t / (folds * r * c * util_cycles),
        # DRAM reuse: fit test size (words, 0 = always fits) and the multiplier when it does not fit
        "a_if": np.where(is_is, zero, if_words), "m_if": np.where(is_is, one, cf),
        "a_f": np.where(is_os, blk, np.where(is_ws, zero, f_words)),
        "m_f": np.where(is_os, rf, np.where(is_ws, one, cf)),
        "a_of": np.where(is_os, zero, blk), "x_of": np.where(is_os, zero, 2.0 * (rf - 1.0)),
    }


def layer_dram(s1: dict[str, np.ndarray], wl: Workload, word: Any, if_kib: Any, f_kib: Any, of_kib: Any,
               bw: Any) -> dict[str, np.ndarray]:
    """Stage 2, per layer: DRAM words per operand, and total cycles with stalls. Broadcasts ``(N, 1)`` designs."""
    a = wl.arrays
    g = a["groups"]
    pix = a["ofmap_h"] * a["ofmap_w"]
    gif = g * (a["ifmap_h"] * a["ifmap_w"] * a["channels"])
    gf = g * (a["filter_h"] * a["filter_w"] * a["channels"] * a["num_filters"])
    gof = g * (pix * a["num_filters"])
    d_if = gif * np.where(s1["a_if"] <= if_kib * 512.0 / word, 1.0, s1["m_if"])
    d_f = gf * np.where(s1["a_f"] <= f_kib * 512.0 / word, 1.0, s1["m_f"])
    d_of = gof * (1.0 + np.where(s1["a_of"] <= of_kib * 512.0 / word, 0.0, s1["x_of"]))
    din = (d_if + d_f) * word
    total = din + d_of * word
    fill = np.ceil(din / (s1["gfolds"] * bw))
    cycles = fill + np.maximum(s1["compute"], np.ceil(total / bw) - fill)
    return {"dram_if": d_if, "dram_f": d_f, "dram_of": d_of, "cycles": cycles}


def finish(lat: Any, d_if: Any, d_f: Any, d_of: Any, s_if: Any, s_f: Any, s_of: Any, macs: float, r: Any,
           c: Any, word: Any, if_kib: Any, f_kib: Any, of_kib: Any, clock_mhz: Any,
           sqrt: Callable[[Any], Any], mac_pj: Any, pe_mm2: Any) -> dict[str, Any]:
    """Final metrics from exact per-design totals. Used verbatim by the scalar and the batch path.

    Args:
        lat: Total cycles; d_*: DRAM words per operand; s_*: SRAM accesses (SCALE-Sim) per operand.
        sqrt: ``math.sqrt`` or ``np.sqrt`` (both correctly rounded, so both paths agree bit for bit).
        mac_pj, pe_mm2: Energy per MAC and PE area for the word size.
    """
    dram_bytes = (d_if + d_f + d_of) * word
    sram_pj = ((s_if + d_if) * sqrt(if_kib / SRAM_REF_KIB) + (s_f + d_f) * sqrt(f_kib / SRAM_REF_KIB)
               + (s_of + d_of) * sqrt(of_kib / SRAM_REF_KIB)) * (word * SRAM_PJ_PER_BYTE_REF)
    energy = macs * mac_pj + sram_pj + dram_bytes * DRAM_PJ_PER_BYTE
    latency_s = lat / (clock_mhz * 1e6)
    return {
        "latency_cycles": lat,
        "latency_s": latency_s,
        "energy_pj": energy,
        "area_mm2": r * c * pe_mm2 + (if_kib + f_kib + of_kib) * SRAM_MM2_PER_KIB,
        "edp_js": energy * 1e-12 * latency_s,
        "utilisation": macs / (lat * r * c),
        "dram_bytes": dram_bytes,
    }


_MAC_PJ = np.array(MAC_PJ_BY_WORD)
_PE_MM2 = np.array(PE_MM2_BY_WORD)


#: Designs per chunk in the batch path (bounds temporaries to a few MB and keeps them in cache).
CHUNK = 8192


def evaluate_columns(wl: Workload, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Batch path: validated design columns → metric arrays, in chunks of :data:`CHUNK` designs."""
    n = len(cols["array_rows"])
    if n <= CHUNK:
        return _evaluate_chunk(wl, cols)
    parts = [_evaluate_chunk(wl, {k: v[i:i + CHUNK] for k, v in cols.items()}) for i in range(0, n, CHUNK)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _evaluate_chunk(wl: Workload, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """One chunk of :func:`evaluate_columns`. Stage 1 runs once per distinct (R, C, dataflow)."""
    r = np.asarray(cols["array_rows"], dtype=np.int64)
    c = np.asarray(cols["array_cols"], dtype=np.int64)
    df = dataflow_codes(cols["dataflow"])
    key = (df * 4096 + r) * 4096 + c
    uniq, inv = np.unique(key, return_inverse=True)
    inv = inv.reshape(-1)
    s1u = array_stats(wl, (uniq // 4096) % 4096, uniq % 4096, uniq // (4096 * 4096))
    s1 = {k: s1u[k][inv] for k in STAGE1_KEYS}
    tot = {k: s1u[k].sum(axis=1)[inv] for k in ("sram_if", "sram_f", "sram_of")}
    word = np.asarray(cols["word_bytes"], dtype=np.float64)
    if_kib = np.asarray(cols["ifmap_sram_kib"], dtype=np.float64)
    f_kib = np.asarray(cols["filter_sram_kib"], dtype=np.float64)
    of_kib = np.asarray(cols["ofmap_sram_kib"], dtype=np.float64)
    bw = np.asarray(cols["dram_bw"], dtype=np.float64)
    st2 = layer_dram(s1, wl, word[:, None], if_kib[:, None], f_kib[:, None], of_kib[:, None], bw[:, None])
    wi = np.asarray(cols["word_bytes"], dtype=np.int64)
    return finish(st2["cycles"].sum(axis=1), st2["dram_if"].sum(axis=1), st2["dram_f"].sum(axis=1),
                  st2["dram_of"].sum(axis=1), tot["sram_if"], tot["sram_f"], tot["sram_of"], float(wl.macs),
                  r.astype(np.float64), c.astype(np.float64), word, if_kib, f_kib, of_kib,
                  np.asarray(cols["clock_mhz"], dtype=np.float64), np.sqrt, _MAC_PJ[wi], _PE_MM2[wi])


class ScalarModel:
    """Fast single-design path: stage 1 cached per (R, C, dataflow), stage 2 as a plain Python loop.

    It performs the same IEEE operations as :func:`evaluate_columns` on the same exact integers, so its metrics
    are bit-identical to the batch path (tested on many random designs).
    """

    def __init__(self, workload: Workload) -> None:
        self.workload = workload
        a = workload.arrays
        g = a["groups"]
        self._sizes = list(zip((g * a["ifmap_h"] * a["ifmap_w"] * a["channels"]).tolist(),
                               (g * (a["filter_h"] * a["filter_w"] * a["channels"] * a["num_filters"])).tolist(),
                               (g * (a["ofmap_h"] * a["ofmap_w"] * a["num_filters"])).tolist(), strict=True))
        self._macs = float(workload.macs)
        self._cache: dict[tuple[int, int, str], tuple[list[tuple[float, ...]], float, float, float]] = {}

    def _stage1(self, r: int, c: int, df: str) -> tuple[list[tuple[float, ...]], float, float, float]:
        key = (r, c, df)
        hit = self._cache.get(key)
        if hit is None:
            s1 = array_stats(self.workload, np.array([r]), np.array([c]), np.array([DATAFLOWS.index(df)]))
            per_layer = zip(*(s1[k][0].tolist() for k in STAGE1_KEYS), strict=True)
            rows = [(*p, *s) for p, s in zip(per_layer, self._sizes, strict=True)]
            hit = (rows, float(s1["sram_if"][0].sum()), float(s1["sram_f"][0].sum()), float(s1["sram_of"][0].sum()))
            self._cache[key] = hit
        return hit

    def evaluate(self, design: dict[str, Any]) -> dict[str, float]:
        r, c = design["array_rows"], design["array_cols"]
        rows, s_if, s_f, s_of = self._stage1(r, c, design["dataflow"])
        word = float(design["word_bytes"])
        if_kib, f_kib = float(design["ifmap_sram_kib"]), float(design["filter_sram_kib"])
        of_kib, bw = float(design["ofmap_sram_kib"]), float(design["dram_bw"])
        t_if, t_f, t_of = if_kib * 512.0 / word, f_kib * 512.0 / word, of_kib * 512.0 / word
        ceil = math.ceil
        lat = d_if = d_f = d_of = 0.0
        for compute, gfolds, a_if, m_if, a_f, m_f, a_of, x_of, gif, gf, gof in rows:
            di = gif * (1.0 if a_if <= t_if else m_if)
            dfl = gf * (1.0 if a_f <= t_f else m_f)
            do = gof * (1.0 + (0.0 if a_of <= t_of else x_of))
            din = (di + dfl) * word
            total = din + do * word
            fill = float(ceil(din / (gfolds * bw)))
            lat += fill + max(compute, float(ceil(total / bw)) - fill)
            d_if += di
            d_f += dfl
            d_of += do
        out = finish(lat, d_if, d_f, d_of, s_if, s_f, s_of, self._macs, float(r), float(c), word, if_kib, f_kib,
                     of_kib, float(design["clock_mhz"]), math.sqrt, MAC_PJ_BY_WORD[int(word)],
                     PE_MM2_BY_WORD[int(word)])
        return {k: float(v) for k, v in out.items()}
