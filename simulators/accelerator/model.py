"""The accelerator cost model, vectorised over designs x layers (stage 1 in :mod:`.dataflow`).

**DRAM traffic (stage 2).** SRAMs are double buffered: the working set must fit in the active half, ``A =
50 * floor(words / 100)`` words (SCALE-Sim's 100 sets, half of them active). Per layer (``g`` groups):

* ifmap: ``u_if`` if one group's touched ifmap fits; else ``m_lb * u_if`` if the line buffer fits (a streaming
  schedule re-reads each touched element once per pass); else ``band_if`` if one fold's band patch fits (reuse
  along an output row, not between rows); else ``nr_if`` (no reuse: every SRAM read from DRAM);
* filter: ``f_tot`` if ``a_f`` fits, else ``m_f * f_tot``;
* ofmap: written once (``o_tot``) if the partial-sum block ``a_of`` fits (partial sums accumulate on chip);
  otherwise every pass is written (``rf_of * o_tot``, as SCALE-Sim) and every pass but the first read back
  (``(rf_of - 1) * o_tot``; SCALE-Sim does not model this read).

Where this differs from SCALE-Sim's CALC-mode counts, and why, is in ``tests/test_accelerator_peer.py``.

**Stalls (double buffering)** over the DRAM interface's bytes per cycle ``bw = GB/s * 1000 / clock_MHz``, per
layer: ``fill = ceil(in_bytes / (groups*folds*bw))`` and ``cycles = fill + max(compute, ceil(bytes / bw) -
fill)``, where ``in_bytes`` are the reads; latency is the sum over layers.

**Energy** (pJ): ``[MACs * mac_pj + SRAM bytes * CACTI pJ/byte] * (V/0.9)^2`` (dynamic, at the clock's voltage)
``+ leakage(V) * time`` (PE cells and SRAM macros) ``+ DRAM bytes * interface pJ/byte + interface background
power * time``. SRAM bytes: the array's reads/writes (SCALE-Sim's counts) plus the SRAM side of every DRAM
transfer. **Area**: ``LAYOUT_FACTOR * (R*C*PE cell area + SRAM macros) + DRAM PHY``. Sources: :mod:`.costs`,
:mod:`.technology`, :mod:`.dram_interface`, :mod:`.calibration`.

Every per-layer quantity is an exact integer held in float64, so sums over layers are exact in any order, and the
scalar path (:class:`ScalarModel`) performs the same IEEE operations as the batch path: bit-identical metrics.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from simulators.accelerator.calibration import LAYOUT_FACTOR
from simulators.accelerator.costs import LOGIC_LEAK_MW_PER_MM2, Datatype, sram
from simulators.accelerator.dataflow import DATAFLOWS, STAGE1_KEYS, array_stats, dataflow_codes
from simulators.accelerator.dram_interface import get_interface
from simulators.accelerator.technology import dynamic_scale, leakage_scale, voltage_for
from simulators.accelerator.workloads import Workload

#: Designs per chunk in the batch path (bounds temporaries to a few MB and keeps them in cache).
CHUNK = 8192


def active_words(kib: Any, word: float) -> Any:
    """Words of the active half of a ``kib`` KiB SRAM: ``50 * floor(floor(kib * 1024 / word) / 100)``."""
    return 50.0 * np.floor(np.floor(kib * 1024.0 / word) / 100.0)


def layer_dram(s1: Mapping[str, np.ndarray], word: Any, if_kib: Any, f_kib: Any, of_kib: Any,
               bw: Any) -> dict[str, np.ndarray]:
    """Stage 2, per layer: DRAM words per operand and total cycles with stalls. Broadcasts ``(N, 1)`` designs."""
    a_if, a_f, a_of = active_words(if_kib, word), active_words(f_kib, word), active_words(of_kib, word)
    d_if = np.where(s1["a_if"] <= a_if, s1["u_if"],
                    np.where(s1["lb_if"] <= a_if, s1["m_lb"] * s1["u_if"],
                             np.where(s1["bp_if"] <= a_if, s1["band_if"], s1["nr_if"])))
    d_f = np.where(s1["a_f"] <= a_f, s1["f_tot"], s1["m_f"] * s1["f_tot"])
    spill = s1["a_of"] > a_of
    d_ofw = np.where(spill, s1["rf_of"] * s1["o_tot"], s1["o_tot"])
    d_ofr = np.where(spill, (s1["rf_of"] - 1.0) * s1["o_tot"], 0.0)
    din = (d_if + d_f + d_ofr) * word
    total = din + d_ofw * word
    fill = np.ceil(din / (s1["gfolds"] * bw))
    cycles = fill + np.maximum(s1["compute"], np.ceil(total / bw) - fill)
    return {"dram_if": d_if, "dram_f": d_f, "dram_ofw": d_ofw, "dram_ofr": d_ofr, "cycles": cycles}


#: The design columns that set the per-design cost constants (each constant depends on exactly one of them).
COST_COLUMNS = ("ifmap_sram_kib", "filter_sram_kib", "ofmap_sram_kib", "dram", "clock_mhz")


def column_costs(column: str, values: Any) -> dict[str, np.ndarray]:
    """The cost constants that one of :data:`COST_COLUMNS` sets, for an array of its values."""
    if column.endswith("_sram_kib"):
        op = column.removesuffix("_sram_kib")
        return {f"{op}_{key}": v for key, v in sram(values).items()}
    if column == "dram":
        names = np.asarray(values, dtype=object)
        uniq, inv = np.unique(names, return_inverse=True)
        inv = inv.reshape(-1)
        ifs = [get_interface(str(u)) for u in uniq]
        return {f"dram_{key}": np.array([getattr(i, key) for i in ifs])[inv]
                for key in ("gbps", "read_pj_per_byte", "write_pj_per_byte", "static_mw", "phy_area_mm2")}
    if column == "clock_mhz":
        clock = np.asarray(values, dtype=np.float64)
        cu, ci = np.unique(clock, return_inverse=True)
        ci = ci.reshape(-1)
        volts = np.array([voltage_for(float(c)) for c in cu])
        return {"clock_mhz": clock, "volts": volts[ci], "dyn": np.array([dynamic_scale(v) for v in volts])[ci],
                "leak": np.array([leakage_scale(v) for v in volts])[ci]}
    raise KeyError(f"{column!r} is not one of {COST_COLUMNS}")


def design_costs(dt: Datatype, cols: Mapping[str, Any]) -> dict[str, Any]:
    """Per-design cost constants (arrays) from the SRAM sizes, DRAM interface and clock columns."""
    out: dict[str, Any] = {}
    for column in COST_COLUMNS:
        out.update(column_costs(column, cols[column]))
    return out


def sram_pj(s_if: Any, s_f: Any, s_of: Any, d_if: Any, d_f: Any, d_ofw: Any, d_ofr: Any, word: float,
            p: Mapping[str, Any]) -> Any:
    """SRAM dynamic energy at 0.9 V (pJ): the array's accesses plus the SRAM side of every DRAM transfer."""
    return ((s_if * p["ifmap_read_pj_per_byte"] + d_if * p["ifmap_write_pj_per_byte"])
            + (s_f * p["filter_read_pj_per_byte"] + d_f * p["filter_write_pj_per_byte"])
            + ((s_of + d_ofr) * p["ofmap_write_pj_per_byte"] + d_ofw * p["ofmap_read_pj_per_byte"])) * word


def leakage_mw(cells_mm2: Any, p: Mapping[str, Any]) -> Any:
    """Leakage power (mW) of ``cells_mm2`` of logic cells and the three SRAMs, at the clock's voltage."""
    return (cells_mm2 * LOGIC_LEAK_MW_PER_MM2 + p["ifmap_leakage_mw"] + p["filter_leakage_mw"]
            + p["ofmap_leakage_mw"]) * p["leak"]


def core_area_mm2(cells_mm2: Any, p: Mapping[str, Any]) -> Any:
    """Laid-out area (mm^2) of ``cells_mm2`` of logic cells and the three SRAM macros (no DRAM PHY)."""
    return LAYOUT_FACTOR * (cells_mm2 + p["ifmap_area_mm2"] + p["filter_area_mm2"] + p["ofmap_area_mm2"])


def finish(lat: Any, d_if: Any, d_f: Any, d_ofw: Any, d_ofr: Any, s_if: Any, s_f: Any, s_of: Any, macs: Any,
           r: Any, c: Any, dt: Datatype, p: Mapping[str, Any]) -> dict[str, Any]:
    """Final metrics from exact per-design totals. Used verbatim by the scalar and the batch path.

    Args:
        lat: Total cycles; d_*: DRAM words (ifmap, filter, ofmap written, ofmap read back); s_*: SCALE-Sim SRAM
            accesses per operand; p: :func:`design_costs` values for these designs (arrays or floats).
    """
    w = float(dt.word_bytes)
    latency_s = lat / (p["clock_mhz"] * 1e6)
    cells_mm2 = r * c * (dt.pe_cell_um2 * 1e-6)
    dram_read_bytes = (d_if + d_f + d_ofr) * w
    dram_write_bytes = d_ofw * w
    dram_energy = (dram_read_bytes * p["dram_read_pj_per_byte"] + dram_write_bytes * p["dram_write_pj_per_byte"]
                   + p["dram_static_mw"] * latency_s * 1e9)
    energy = ((macs * dt.mac_pj + sram_pj(s_if, s_f, s_of, d_if, d_f, d_ofw, d_ofr, w, p)) * p["dyn"]
              + leakage_mw(cells_mm2, p) * latency_s * 1e9 + dram_energy)
    return {
        "latency_cycles": lat,
        "latency_s": latency_s,
        "energy_pj": energy,
        "area_mm2": core_area_mm2(cells_mm2, p) + p["dram_phy_area_mm2"],
        "edp_js": energy * 1e-12 * latency_s,
        "utilisation": macs / (lat * r * c),
        "dram_bytes": dram_read_bytes + dram_write_bytes,
        "dram_energy_pj": dram_energy,
    }


def evaluate_columns(wl: Workload, dt: Datatype, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Batch path: validated design columns -> metric arrays, in chunks of :data:`CHUNK` designs."""
    n = len(cols["array_rows"])
    if n <= CHUNK:
        return _evaluate_chunk(wl, dt, cols)
    parts = [_evaluate_chunk(wl, dt, {k: v[i:i + CHUNK] for k, v in cols.items()}) for i in range(0, n, CHUNK)]
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _evaluate_chunk(wl: Workload, dt: Datatype, cols: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
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
    p = design_costs(dt, cols)
    word = float(dt.word_bytes)
    kib = [np.asarray(cols[f"{op}_sram_kib"], dtype=np.float64)[:, None] for op in ("ifmap", "filter", "ofmap")]
    bw = (p["dram_gbps"] * 1e3 / p["clock_mhz"])[:, None]
    st2 = layer_dram(s1, word, *kib, bw)
    sums = {k: st2[k].sum(axis=1) for k in ("cycles", "dram_if", "dram_f", "dram_ofw", "dram_ofr")}
    return finish(sums["cycles"], sums["dram_if"], sums["dram_f"], sums["dram_ofw"], sums["dram_ofr"],
                  tot["sram_if"], tot["sram_f"], tot["sram_of"], float(wl.macs), r.astype(np.float64),
                  c.astype(np.float64), dt, p)


class ScalarModel:
    """Fast single-design path: stage 1 cached per (R, C, dataflow), stage 2 as a plain Python loop.

    It performs the same IEEE operations as :func:`evaluate_columns` on the same exact integers, so its metrics
    are bit-identical to the batch path (tested on many random designs).
    """

    def __init__(self, workload: Workload, datatype: Datatype) -> None:
        self.workload = workload
        self.dt = datatype
        self._macs = float(workload.macs)
        self._cache: dict[tuple[int, int, str], tuple[list[tuple[float, ...]], float, float, float]] = {}
        self._costs: dict[tuple[str, Any], dict[str, float]] = {}

    def _stage1(self, r: int, c: int, df: str) -> tuple[list[tuple[float, ...]], float, float, float]:
        key = (r, c, df)
        hit = self._cache.get(key)
        if hit is None:
            s1 = array_stats(self.workload, np.array([r]), np.array([c]), np.array([DATAFLOWS.index(df)]))
            rows = list(zip(*(s1[k][0].tolist() for k in STAGE1_KEYS), strict=True))
            hit = (rows, float(s1["sram_if"][0].sum()), float(s1["sram_f"][0].sum()), float(s1["sram_of"][0].sum()))
            self._cache[key] = hit
        return hit

    def _design_costs(self, design: Mapping[str, Any]) -> dict[str, float]:
        """The cost constants of ``design``, cached per column value (a few dozen values in all)."""
        out: dict[str, float] = {}
        for column in COST_COLUMNS:
            key = (column, design[column])
            part = self._costs.get(key)
            if part is None:
                part = {k: float(v[0]) for k, v in column_costs(column, [key[1]]).items()}
                self._costs[key] = part
            out.update(part)
        return out

    def evaluate(self, design: Mapping[str, Any]) -> dict[str, float]:
        r, c = design["array_rows"], design["array_cols"]
        rows, s_if, s_f, s_of = self._stage1(r, c, design["dataflow"])
        p = self._design_costs(design)
        word = float(self.dt.word_bytes)
        floor = math.floor  # exact, like np.floor in active_words
        a_if = 50.0 * floor(floor(float(design["ifmap_sram_kib"]) * 1024.0 / word) / 100.0)
        a_f = 50.0 * floor(floor(float(design["filter_sram_kib"]) * 1024.0 / word) / 100.0)
        a_of = 50.0 * floor(floor(float(design["ofmap_sram_kib"]) * 1024.0 / word) / 100.0)
        bw = p["dram_gbps"] * 1e3 / p["clock_mhz"]
        ceil = math.ceil
        lat = d_if = d_f = d_ofw = d_ofr = 0.0
        for (compute, gfolds, u_if, s_aif, lb, m_lb, bp, band, nr, f_tot, s_af, m_f, o_tot, s_aof, rf_of) in rows:
            di = u_if if s_aif <= a_if else (m_lb * u_if if lb <= a_if else (band if bp <= a_if else nr))
            dfl = f_tot if s_af <= a_f else m_f * f_tot
            if s_aof > a_of:
                dow, dor = rf_of * o_tot, (rf_of - 1.0) * o_tot
            else:
                dow, dor = o_tot, 0.0
            din = (di + dfl + dor) * word
            total = din + dow * word
            fill = float(ceil(din / (gfolds * bw)))
            lat += fill + max(compute, float(ceil(total / bw)) - fill)
            d_if += di
            d_f += dfl
            d_ofw += dow
            d_ofr += dor
        out = finish(lat, d_if, d_f, d_ofw, d_ofr, s_if, s_f, s_of, self._macs, float(r), float(c), self.dt, p)
        return {k: float(v) for k, v in out.items()}
