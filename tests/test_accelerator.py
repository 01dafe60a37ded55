"""Accelerator model: hand-worked SCALE-Sim-3 expectations, DRAM traffic tiers, stalls, energy and area by hand,
invariants, env.

Expectations are worked out by hand from the formulas in ``shared/README.md`` section 1, the DRAM rules in the
``simulators/accelerator/model.py`` docstring and the published constants cited in ``costs.py``,
``technology.py``, ``dram_interface.py`` and the CACTI table; never copied from the code's output.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archgym_lite.core.errors import DesignError, SpecError
from simulators.accelerator import (
    DEFAULT_OBJECTIVE,
    AcceleratorSimulator,
    Layer,
    Workload,
    get_interface,
    make_env,
)
from simulators.accelerator.calibration import LAYOUT_FACTOR
from simulators.accelerator.sram_table import TABLE_PATH
from simulators.accelerator.technology import V_NOM, voltage_for

BASE = {"array_rows": 32, "array_cols": 32, "dataflow": "OS", "ifmap_sram_kib": 256, "filter_sram_kib": 256,
        "ofmap_sram_kib": 256, "dram": "DDR4-2400-x64", "clock_mhz": 1000}


@pytest.fixture(scope="module")
def scalesim_resnet():
    return AcceleratorSimulator("resnet18_scalesim")


def one_layer(layer: Layer, datatype: str = "int8") -> AcceleratorSimulator:
    return AcceleratorSimulator(Workload("one", (layer,)), datatype)


def row(sim, **kw):
    return sim.detail_report({**BASE, **kw}).iloc[0]


def cacti(kib: int) -> dict[str, float]:
    """The CACTI 7 entry for a ``kib`` KiB macro with 64-byte access, read from the committed table."""
    rows = json.loads(TABLE_PATH.read_text())["rows"]
    return next(r for r in rows if r["size_bytes"] == kib * 1024 and r["block_bytes"] == 64)


# --- compute cycles: published SCALE-Sim reference numbers (shared README section 1) -------------------------
@pytest.mark.parametrize("layer,expected", [
    ("Conv1", {"OS": 158_421, "WS": 121_939, "IS": 299_409}),
    ("CBa2a_1", {"OS": 117_391, "WS": 108_359, "IS": 261_647}),
    ("FC6", {"OS": 18_367, "WS": 48_639, "IS": 17_503}),
])
@pytest.mark.parametrize("df", ["OS", "WS", "IS"])
def test_resnet18_reference_cycles(scalesim_resnet, layer, expected, df):
    rep = scalesim_resnet.detail_report({**BASE, "dataflow": df}).set_index("layer")
    assert rep.loc[layer, "compute_cycles"] == expected[df]


# --- compute cycles and SRAM accesses worked by hand -----------------------------------------------------------
STRIDE2 = Layer("c2", 15, 11, 3, 3, 3, 9, 2, 2)  # E = ceil((15-3+2)/2) = 7, F = ceil((11-3+2)/2) = 5


def test_stride2_nonsquare_os_by_hand():
    # 8x4 array, OS: Sr = 35, Sc = 9, T = 27 -> rf 5, cf 3, 15 folds; 15 * (27 + 8 + 4 - 2) - 1 = 554
    r = row(one_layer(STRIDE2), array_rows=8, array_cols=4, dataflow="OS")
    assert (r.ofmap_h, r.ofmap_w, r.sr, r.sc, r.t) == (7, 5, 35, 9, 27)
    assert r.compute_cycles == 554
    assert r.sram_ifmap_reads == 3 * 27 * 35  # cf * T * Sr
    assert r.sram_filter_reads == 5 * 27 * 9  # rf * T * Sc
    assert r.sram_ofmap_writes == 35 * 9 + 15 * (8 + 4)  # Sr*Sc + folds*(R+C), SCALE-Sim's count
    assert r.mapping_eff_pct == pytest.approx(100 * 315 / (15 * 32))
    assert r.overall_util_pct == pytest.approx(100 * 35 * 27 * 9 / (554 * 32))


def test_stride2_nonsquare_ws_is_by_hand():
    sim = one_layer(STRIDE2)
    ws = row(sim, array_rows=8, array_cols=4, dataflow="WS")  # Sr 27, Sc 9, T 35: rf 4, cf 3
    assert ws.compute_cycles == 12 * (2 * 8 + 4 + 35 - 2) - 1 == 635
    assert (ws.sram_ifmap_reads, ws.sram_filter_reads, ws.sram_ofmap_writes) == (3 * 35 * 27, 27 * 9, 4 * 35 * 9)
    is_ = row(sim, array_rows=8, array_cols=4, dataflow="IS")  # Sr 27, Sc 35, T 9: rf 4, cf 9
    assert is_.compute_cycles == 36 * (2 * 8 + 4 + 9 - 2) - 1 == 971
    assert (is_.sram_ifmap_reads, is_.sram_filter_reads, is_.sram_ofmap_writes) == (27 * 35, 9 * 9 * 27, 4 * 9 * 35)


@pytest.mark.parametrize("df,expected", [
    ("OS", 5 * (33 + 4 + 16 - 2) - 1),  # Sr = M = 20, Sc = N = 9, T = K = 33 -> rf 5, cf 1
    ("WS", 9 * (2 * 4 + 16 + 20 - 2) - 1),  # Sr = K = 33, Sc = N = 9, T = M = 20 -> rf 9, cf 1
    ("IS", 18 * (2 * 4 + 16 + 9 - 2) - 1),  # Sr = K = 33, Sc = M = 20, T = N = 9 -> rf 9, cf 2
])
def test_gemm_by_hand(df, expected):
    r = row(one_layer(Layer.gemm("g", 20, 9, 33)), array_rows=4, array_cols=16, dataflow=df)
    assert r.compute_cycles == expected
    assert r.macs == 20 * 9 * 33


def test_depthwise_is_per_channel_not_dense():
    dw = Layer.depthwise("dw", 8, 8, 3, channels=6)
    # per channel: E = F = 6, window 9, one filter; OS on 8x4: Sr 36, Sc 1, T 9 -> 5 folds * (9+8+4-2) - 1 = 94
    r = row(one_layer(dw), array_rows=8, array_cols=4, dataflow="OS")
    assert r.compute_cycles == 6 * 94
    assert dw.macs == 6 * 36 * 9
    dense = Layer("dense", 8, 8, 3, 3, 6, 6)
    assert dense.macs == 6 * dw.macs


def test_more_cycles_than_peak_throughput(scalesim_resnet):
    for df in ("OS", "WS", "IS"):
        for shape in ((4, 256), (256, 4), (16, 64)):
            rep = scalesim_resnet.detail_report({**BASE, "dataflow": df, "array_rows": shape[0],
                                                 "array_cols": shape[1]})
            assert (rep.compute_cycles * shape[0] * shape[1] >= rep.macs).all()
            assert ((rep.overall_util_pct > 0) & (rep.overall_util_pct <= 100)).all()
            assert (rep.overall_util_pct <= rep.mapping_eff_pct + 1e-9).all()


# --- DRAM traffic: the reuse tiers by hand ------------------------------------------------------------------
# 3x3 conv, pad 1, on 56x56x64 -> 64 filters (ResNet-18 CBa2a_1 as published). OS on 32x32: cf = 64/32 = 2.
CONV = Layer.conv("c", 56, 56, 3, 64, 64, 1, 1)


@pytest.mark.parametrize("kib,expected", [
    (512, 56 * 56 * 64),  # active half = 50*floor(524288/100) = 262,100 words >= 200,704: fetched once
    (32, 2 * 56 * 56 * 64),  # half 16,350 >= line buffer 4 rows * 56 * 64 = 14,336: once per column fold
    # half 8,150 < 14,336 but >= band patch 3 rows * (31+3) cols * 64 = 6,528: each output row re-reads its 3
    # input rows: rows read = 2 + 54*3 + 2 = 166 (first/last output rows see one padding row), x 56 x 64 x 2
    (16, 2 * 166 * 56 * 64),
])
def test_os_ifmap_reuse_tiers_by_hand(kib, expected):
    r = row(one_layer(CONV), dataflow="OS", ifmap_sram_kib=kib)
    assert r.dram_ifmap_reads == expected


def test_ws_ifmap_without_room_has_no_reuse_by_hand():
    # WS folds walk window slices; with the ifmap not fitting, every operand-matrix entry holding a real pixel is
    # fetched, once per column fold: per axis, kernel row 0 and 2 each miss one output row (padding) -> 55+56+55
    # = 166 valid (row, kernel row) pairs; 166 * 166 * 64 channels * 2 column folds.
    r = row(one_layer(CONV), dataflow="WS", ifmap_sram_kib=256)  # half = 131,050 < 200,704
    assert r.dram_ifmap_reads == 166 * 166 * 64 * 2
    fits = row(one_layer(CONV), dataflow="WS", ifmap_sram_kib=512)
    assert fits.dram_ifmap_reads == 56 * 56 * 64


def test_padding_and_skipped_rows_never_fetched():
    ds = Layer("ds", 14, 14, 1, 1, 256, 512, 2, 2)  # 1x1 stride 2: SCALE-Sim's E = ceil(15/2) = 8
    r = row(one_layer(ds), dataflow="OS", ifmap_sram_kib=64)
    assert r.ofmap_h == 8
    assert r.dram_ifmap_reads == 7 * 7 * 256  # rows/cols 0,2,..,12 are read; 14 is out of range
    padded = Layer.conv("p", 224, 224, 7, 3, 64, 2, 3)  # ResNet conv1: 229 incl. 3 + 2 padding rows
    assert (padded.ifmap_h, padded.pad, padded.ofmap_h) == (229, (3, 2, 3, 2), 112)
    assert row(one_layer(padded), ifmap_sram_kib=512).dram_ifmap_reads == 224 * 224 * 3


def test_os_filter_block_refetched_per_row_fold_when_it_does_not_fit():
    # OS on 32x32: T = 576, a column block = 576 * 32 = 18,432 filter words; rf = 3136/32 = 98
    sim = one_layer(CONV)
    assert row(sim, filter_sram_kib=64).dram_filter_reads == 576 * 64  # half 32,750: fits
    assert row(sim, filter_sram_kib=32).dram_filter_reads == 98 * 576 * 64  # half 16,350: every row fold


def test_psums_accumulate_on_chip_or_spill_by_hand():
    # WS on 32x32: Sr = 576 -> rf = 18 passes; a column block of psums = 3136 px * 32 = 100,352 words
    sim = one_layer(CONV)
    kept = row(sim, dataflow="WS", ofmap_sram_kib=256)  # half 131,050 holds it: outputs written once
    assert (kept.dram_ofmap_writes, kept.dram_psum_reads) == (3136 * 64, 0)
    spill = row(sim, dataflow="WS", ofmap_sram_kib=128)  # half 65,500: every pass written, later ones read back
    assert (spill.dram_ofmap_writes, spill.dram_psum_reads) == (18 * 3136 * 64, 17 * 3136 * 64)


# --- stalls, energy and area by hand -------------------------------------------------------------------------
FC = Layer("fc", 1, 1, 1, 1, 70, 13)  # 8x4 OS: Sr 1, Sc 13, T 70 -> rf 1, cf 4; 4 * (70 + 10) - 1 = 319 cycles
SMALL = {**BASE, "array_rows": 8, "array_cols": 4, "ifmap_sram_kib": 16, "filter_sram_kib": 16,
         "ofmap_sram_kib": 16, "dram": "LPDDR4-3200-x16", "clock_mhz": 800}


def test_fill_stall_by_hand():
    # 6.4 GB/s at 800 MHz = 8 B/cycle. Reads 70 + 910 = 980 B, ofmap 13 B; fill = ceil(980 / (4 folds * 8)) = 31;
    # transfers ceil(993 / 8) = 125 hide under the 319 compute cycles -> 31 + max(319, 125 - 31) = 350
    m = one_layer(FC).evaluate(SMALL)
    assert m["latency_cycles"] == 350
    assert m["dram_bytes"] == 993
    r = one_layer(FC).detail_report(SMALL).iloc[0]
    assert (r.compute_cycles, r.stall_cycles) == (319, 31)


def test_bandwidth_bound_stall_by_hand():
    # int16 doubles the bytes: reads 1960, all 1986. At 1550 MHz, bw = 6400/1550 B/cycle:
    # fill = ceil(1960 * 1550 / (4 * 6400)) = ceil(118.67) = 119; ceil(1986 * 1550 / 6400) = ceil(480.98) = 481;
    # 481 - 119 = 362 > 319 compute -> 119 + 362 = 481 cycles, the transfer time
    m = one_layer(FC, "int16").evaluate({**SMALL, "clock_mhz": 1550})
    assert m["latency_cycles"] == 481
    assert m["latency_s"] == pytest.approx(481 / 1550e6, rel=1e-12)


def test_energy_and_area_by_hand():
    m = one_layer(FC).evaluate(SMALL)
    t = 350 / 800e6
    v = voltage_for(800)
    dyn = (v / V_NOM) ** 2
    leak_scale = (v / V_NOM) * math.exp(0.1 * (v - V_NOM) / (1.5 * 8.617333262e-5 * 360))
    mac = 910 * (0.2 + 0.1 + (8 + 32) * 0.009 * 45 / 40)  # Horowitz int8 mult + 32b add; Aladdin registers
    c = cacti(16)
    rd, wr = c["read_nj"] * 1e3 / 64, c["write_nj"] * 1e3 / 64
    # ifmap: 4*70 array reads + 70 fills; filter: 910 reads + 910 fills; ofmap: 13 + 4*12 writes, 13 drains
    sram = (280 + 910) * rd + (70 + 910) * wr + (13 + 48) * wr + 13 * rd
    pe_um2 = 282 + 137 + (3 * 8 + 32 + 2) * 4.522
    leak_mw = (32 * pe_um2 * 1e-6 * (0.08 / 6350e-6) + 3 * c["leakage_mw"]) * leak_scale
    lp4 = get_interface("LPDDR4-3200-x16")
    dram = 980 * lp4.read_pj_per_byte + 13 * lp4.write_pj_per_byte + lp4.static_mw * t * 1e9
    assert m["energy_pj"] == pytest.approx((mac + sram) * dyn + leak_mw * t * 1e9 + dram, rel=1e-12)
    area = LAYOUT_FACTOR * (32 * pe_um2 * 1e-6 + 3 * c["area_mm2"]) + lp4.phy_area_mm2
    assert m["area_mm2"] == pytest.approx(area, rel=1e-12)
    assert m["edp_js"] == pytest.approx(m["energy_pj"] * 1e-12 * t, rel=1e-12)
    assert m["utilisation"] == pytest.approx(910 / (350 * 32), rel=1e-12)


def test_datatype_is_fixed_by_the_workload_and_costs_more_when_wider():
    energy = {dt: one_layer(CONV, dt).evaluate({**BASE, "dataflow": "WS"}) for dt in ("int8", "int16", "bf16",
                                                                                      "fp16")}
    assert energy["int8"]["energy_pj"] < energy["int16"]["energy_pj"] < energy["bf16"]["energy_pj"] \
        < energy["fp16"]["energy_pj"]
    assert energy["int8"]["area_mm2"] < energy["int16"]["area_mm2"] < energy["bf16"]["area_mm2"] \
        < energy["fp16"]["area_mm2"]
    assert energy["int16"]["dram_bytes"] > energy["int8"]["dram_bytes"]
    assert "word_bytes" not in AcceleratorSimulator().space.names
    with pytest.raises(SpecError, match="int8"):
        AcceleratorSimulator(datatype="fp8")


def test_every_clock_level_is_a_trade_off():
    # Faster clocks are faster but need a higher voltage (dynamic energy ~ V^2); slower clocks pay leakage and
    # DRAM background power for longer. With a low-power LPDDR4 channel the first effect wins at every level;
    # with two DDR4 channels (952 mW of background power) the energy-optimal clock is an interior level.
    sim = AcceleratorSimulator("resnet18")
    d = {**BASE, "dataflow": "WS", "ifmap_sram_kib": 512, "ofmap_sram_kib": 512}
    levels = sim.space["clock_mhz"].levels
    lp = [sim.evaluate({**d, "dram": "LPDDR4-3200-x16", "clock_mhz": f}) for f in levels]
    lat = [r["latency_s"] for r in lp]
    energy = [r["energy_pj"] for r in lp]
    assert lat == sorted(lat, reverse=True) and len(set(lat)) == len(lat)
    assert energy == sorted(energy) and len(set(energy)) == len(energy)
    ddr = [sim.evaluate({**d, "dram": "DDR4-2400-x128", "clock_mhz": f})["energy_pj"] for f in levels]
    assert 0 < int(np.argmin(ddr)) < len(levels) - 1


# --- invariants --------------------------------------------------------------------------------------------
LAYERS = st.builds(
    lambda h, w, f, c, m, s, g: Layer("x", max(h, f), max(w, f), f, f, c, m, s, s, g),
    st.integers(1, 40), st.integers(1, 40), st.integers(1, 5), st.integers(1, 64), st.integers(1, 300),
    st.integers(1, 3), st.integers(1, 3))


@settings(max_examples=60, deadline=None)
@given(LAYERS, st.sampled_from(["OS", "WS", "IS"]), st.sampled_from([4, 8, 16, 32, 64, 128]),
       st.sampled_from([4, 8, 16, 32, 64, 128]))
def test_doubling_rows_never_hurts_when_it_halves_the_folds(layer, df, r, c):
    sim = one_layer(layer)
    a, b = row(sim, dataflow=df, array_rows=r, array_cols=c), row(sim, dataflow=df, array_rows=2 * r, array_cols=c)
    if b.row_folds * 2 == a.row_folds:
        assert b.compute_cycles <= a.compute_cycles
    if b.row_folds == a.row_folds:  # same folds: the bigger array only adds fill/drain, R cycles per fold
        assert b.compute_cycles - a.compute_cycles == layer.groups * a.row_folds * a.col_folds * r * (
            1 if df == "OS" else 2)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**31))
def test_more_sram_or_bandwidth_never_slows_down(seed):
    sim = AcceleratorSimulator("mobilenet_v2")
    d = sim.space.sample(seed)
    base = sim.evaluate(d)
    assert base["latency_cycles"] >= sum(sim.detail_report(d).compute_cycles)
    for key in ("ifmap_sram_kib", "filter_sram_kib", "ofmap_sram_kib"):
        up = sim.space[key].neighbours(d[key])[-1]
        if up > d[key]:
            m = sim.evaluate({**d, key: up})
            assert m["latency_cycles"] <= base["latency_cycles"]
            assert m["dram_bytes"] <= base["dram_bytes"]
            assert m["area_mm2"] > base["area_mm2"]  # ... and always costs area
    for name in sim.space["dram"].levels:
        if get_interface(name).gbps > get_interface(d["dram"]).gbps:
            assert sim.evaluate({**d, "dram": name})["latency_cycles"] <= base["latency_cycles"]


@pytest.mark.parametrize("workload", ["resnet18", "mobilenet_v2", "bert_base_encoder"])
def test_single_and_batch_bit_identical(workload, monkeypatch):
    import simulators.accelerator.model as model

    monkeypatch.setattr(model, "CHUNK", 256)  # exercise the chunked batch path too
    sim = AcceleratorSimulator(workload)
    cols = sim.space.sample_columns(7, 1500)
    batch = sim.evaluate_batch(cols)
    for i, d in enumerate(sim.space.rows(cols)):
        single = sim.evaluate(d)
        for k, v in single.items():
            assert v == batch[k][i], (k, d)  # exact, not approx


def test_detail_report_adds_up_to_metrics():
    sim = AcceleratorSimulator("resnet18", "int16")
    d = {**BASE, "dataflow": "WS", "ofmap_sram_kib": 32, "dram": "LPDDR4-3200-x32"}
    m, rep = sim.evaluate(d), sim.detail_report(d)
    assert rep.total_cycles.sum() == m["latency_cycles"]
    assert rep.dram_bytes.sum() == m["dram_bytes"]
    assert 2 * (rep.dram_ifmap_reads + rep.dram_filter_reads + rep.dram_ofmap_writes
                + rep.dram_psum_reads).sum() == m["dram_bytes"]
    assert rep.energy_pj.sum() == pytest.approx(m["energy_pj"], rel=1e-12)
    assert len(rep) == 21 and rep.macs.sum() == sim.workload.macs


def test_bad_design_rejected():
    sim = AcceleratorSimulator()
    with pytest.raises(DesignError, match="array_rows"):
        sim.evaluate({**BASE, "array_rows": 48})
    with pytest.raises(DesignError, match="dataflow"):
        sim.detail_report({**BASE, "dataflow": "RS"})
    with pytest.raises(DesignError, match="LPDDR4-3200-x16"):
        sim.evaluate({**BASE, "dram": "HBM2"})
    with pytest.raises(DesignError, match="1550"):
        sim.evaluate({**BASE, "clock_mhz": 1600})


# --- env -------------------------------------------------------------------------------------------------------
def test_env_passes_gymnasium_checker():
    from gymnasium.utils.env_checker import check_env

    env = make_env()
    check_env(env, skip_render_check=True)
    assert env.simulator.workload.name == "resnet18"
    assert env.objective.to_spec()["constraints"] == DEFAULT_OBJECTIVE["constraints"]


def test_env_registered_with_workload_and_datatype_kwargs():
    import archgym_lite

    env = archgym_lite.make("archgym/Accelerator-v0", workload="bert_base_encoder", datatype="bf16", max_steps=2)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(env.action_space.sample())
    assert np.isfinite(reward) and info["metrics"]["latency_cycles"] > 0
    assert env.simulator.datatype.name == "bf16"


def test_unknown_workload_lists_builtins():
    with pytest.raises(SpecError, match="mobilenet_v2"):
        make_env(workload="vgg16")
