"""Accelerator model: hand-worked SCALE-Sim-3 expectations, DRAM/stall/energy/area by hand, invariants, env.

Expectations are worked out by hand from the formulas in ``shared/README.md`` section 1 and the published
constants cited in ``simulators/accelerator/costs.py``; never copied from the code's output.
"""

from __future__ import annotations

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
    make_env,
)

BASE = {"array_rows": 32, "array_cols": 32, "dataflow": "OS", "ifmap_sram_kib": 256, "filter_sram_kib": 256,
        "ofmap_sram_kib": 256, "dram_bw": 128, "word_bytes": 1, "clock_mhz": 1000}


@pytest.fixture(scope="module")
def resnet():
    return AcceleratorSimulator("resnet18")


def one_layer(layer: Layer) -> AcceleratorSimulator:
    return AcceleratorSimulator(Workload("one", (layer,)))


def row(sim, **kw):
    return sim.detail_report({**BASE, **kw}).iloc[0]


# --- compute cycles: published SCALE-Sim reference numbers (shared README section 1) -------------------------
@pytest.mark.parametrize("layer,expected", [
    ("Conv1", {"OS": 158_421, "WS": 121_939, "IS": 299_409}),
    ("CBa2a_1", {"OS": 117_391, "WS": 108_359, "IS": 261_647}),
    ("FC6", {"OS": 18_367, "WS": 48_639, "IS": 17_503}),
])
@pytest.mark.parametrize("df", ["OS", "WS", "IS"])
def test_resnet18_reference_cycles(resnet, layer, expected, df):
    rep = resnet.detail_report({**BASE, "dataflow": df}).set_index("layer")
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


def test_more_cycles_than_peak_throughput(resnet):
    for df in ("OS", "WS", "IS"):
        for shape in ((4, 256), (256, 4), (16, 64)):
            rep = resnet.detail_report({**BASE, "dataflow": df, "array_rows": shape[0], "array_cols": shape[1]})
            assert (rep.compute_cycles * shape[0] * shape[1] >= rep.macs).all()
            assert ((rep.overall_util_pct > 0) & (rep.overall_util_pct <= 100)).all()
            assert (rep.overall_util_pct <= rep.mapping_eff_pct + 1e-9).all()


# --- DRAM traffic, stalls, energy and area by hand -------------------------------------------------------------
FC = Layer("fc", 1, 1, 1, 1, 70, 13)  # 8x4 OS: Sr 1, Sc 13, T 70 -> rf 1, cf 4; 4 * (70 + 10) - 1 = 319 cycles
SMALL = {**BASE, "array_rows": 8, "array_cols": 4, "ifmap_sram_kib": 16, "filter_sram_kib": 16,
         "ofmap_sram_kib": 16, "dram_bw": 4}


def test_fill_stall_by_hand():
    sim = one_layer(FC)
    # word 1: in = 70 + 910 B, out = 13 B; fill = ceil(980 / (4 folds * 4 B/cycle)) = 62; transfers ceil(993/4) = 249
    # hide under the 319 compute cycles -> 62 + max(319, 249 - 62) = 381
    m = sim.evaluate(SMALL)
    assert m["latency_cycles"] == 381
    assert m["dram_bytes"] == 993
    r = sim.detail_report(SMALL).iloc[0]
    assert (r.compute_cycles, r.stall_cycles) == (319, 62)


def test_bandwidth_bound_stall_by_hand():
    # word 2: in 1960 B, total 1986 B; fill = ceil(1960/16) = 123; ceil(1986/4) = 497 > 319 -> 123 + 374 = 497
    m = one_layer(FC).evaluate({**SMALL, "word_bytes": 2})
    assert m["latency_cycles"] == 497
    assert m["latency_s"] == pytest.approx(497 / 1e9)


def test_energy_and_area_by_hand():
    m = one_layer(FC).evaluate(SMALL)
    mac = 910 * (0.2 + 0.03)  # int8 mult + add, Horowitz ISSCC'14
    sram_accesses = (4 * 70 * 1 + 70) + (1 * 70 * 13 + 910) + (13 + 4 * 12 + 13)  # reads/writes + DRAM fills
    sram = sram_accesses * 10 / 8 * math.sqrt(16 / 8)  # 10 pJ per 64 bit at 8 KB, sqrt scaling to 16 KiB
    dram = 993 * 640 / 4  # 640 pJ per 32-bit DRAM access
    assert m["energy_pj"] == pytest.approx(mac + sram + dram, rel=1e-12)
    area = 32 * (282 + 36) * 1e-6 + 48 * 8192 * 0.346 / 0.5 * 1e-6
    assert m["area_mm2"] == pytest.approx(area, rel=1e-12)
    assert m["edp_js"] == pytest.approx(m["energy_pj"] * 1e-12 * 381e-9, rel=1e-12)
    assert m["utilisation"] == pytest.approx(910 / (381 * 32), rel=1e-12)


def test_streamed_ifmap_refetched_per_column_fold_when_it_does_not_fit():
    big = Layer("big", 64, 64, 1, 1, 32, 64)  # ifmap 64*64*32 = 128 KiB at 1 B/word; OS on 4x16: cf = 4
    sim = one_layer(big)
    fits = row(sim, array_rows=4, array_cols=16, ifmap_sram_kib=256)  # half of 256 KiB holds it
    spills = row(sim, array_rows=4, array_cols=16, ifmap_sram_kib=128)
    assert fits.dram_ifmap_bytes == 131072
    assert spills.dram_ifmap_bytes == 4 * 131072


def test_ws_partial_sums_spill_when_a_column_block_does_not_fit():
    # WS: Sr = 9*16 = 144 -> rf = ceil(144/32) = 5; column block = T * min(M, C) = 32*32 * 32 words = 32 KiB
    layer = Layer("ws", 34, 34, 3, 3, 16, 32)
    sim = one_layer(layer)
    kept = row(sim, dataflow="WS", ofmap_sram_kib=64)
    spilled = row(sim, dataflow="WS", ofmap_sram_kib=32)
    assert kept.dram_ofmap_bytes == 32 * 32 * 32
    assert spilled.dram_ofmap_bytes == 32 * 32 * 32 * (1 + 2 * 4)


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
def test_more_sram_or_bandwidth_never_hurts(seed):
    sim = AcceleratorSimulator("mobilenet_v2")
    d = sim.space.sample(seed)
    base = sim.evaluate(d)
    assert base["latency_cycles"] >= sum(sim.detail_report(d).compute_cycles)
    for key in ("ifmap_sram_kib", "filter_sram_kib", "ofmap_sram_kib", "dram_bw"):
        up = sim.space[key].neighbours(d[key])[-1]
        if up > d[key]:
            m = sim.evaluate({**d, key: up})
            assert m["latency_cycles"] <= base["latency_cycles"]
            assert m["dram_bytes"] <= base["dram_bytes"]


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


def test_detail_report_adds_up_to_metrics(resnet):
    d = {**BASE, "dataflow": "WS", "ofmap_sram_kib": 32, "dram_bw": 8, "word_bytes": 2}
    m, rep = resnet.evaluate(d), resnet.detail_report(d)
    assert rep.total_cycles.sum() == m["latency_cycles"]
    assert (rep.dram_ifmap_bytes + rep.dram_filter_bytes + rep.dram_ofmap_bytes).sum() == m["dram_bytes"]
    assert rep.energy_pj.sum() == pytest.approx(m["energy_pj"], rel=1e-12)
    assert len(rep) == 21 and rep.macs.sum() == resnet.workload.macs


def test_bad_design_rejected(resnet):
    with pytest.raises(DesignError, match="array_rows"):
        resnet.evaluate({**BASE, "array_rows": 48})
    with pytest.raises(DesignError, match="dataflow"):
        resnet.detail_report({**BASE, "dataflow": "RS"})


# --- env -------------------------------------------------------------------------------------------------------
def test_env_passes_gymnasium_checker():
    from gymnasium.utils.env_checker import check_env

    env = make_env()
    check_env(env, skip_render_check=True)
    assert env.simulator.workload.name == "resnet18"
    assert env.objective.to_spec()["constraints"] == DEFAULT_OBJECTIVE["constraints"]


def test_env_registered_with_workload_kwarg():
    import archgym_lite

    env = archgym_lite.make("archgym/Accelerator-v0", workload="bert_base_encoder", max_steps=2)
    env.reset(seed=0)
    _, reward, _, _, info = env.step(env.action_space.sample())
    assert np.isfinite(reward) and info["metrics"]["latency_cycles"] > 0


def test_unknown_workload_lists_builtins():
    with pytest.raises(SpecError, match="mobilenet_v2"):
        make_env(workload="vgg16")
