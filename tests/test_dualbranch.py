"""archgym/DualBranch-v0: hand-computed critical paths, RS cycles, budgets, batch == single, YAML, env APIs.

Every expected number below is computed by hand in the comments: per-layer compute cycles from the SCALE-Sim 3
formulas (shared README section 1), the double-buffer stall rule of the accelerator model
(``fill = ceil(in_bytes / (folds * bw))``, ``cycles = fill + max(compute, ceil(all_bytes / bw) - fill)``), the
RS formula documented in ``simulators/dualbranch/templates.py`` and the critical path documented in
``simulators/dualbranch/model.py``. The tiny system runs two DDR4-2400 channels (38.4 GB/s) at 600 MHz:
exactly 64 bytes per cycle.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

import archgym_lite
from archgym_lite import SpecError, TraceError
from archgym_lite.core.multiagent import parallel_env
from archgym_lite.plugins.checks import assert_env_conforms
from simulators.accelerator.calibration import LAYOUT_FACTOR
from simulators.accelerator.dram_interface import get_interface
from simulators.accelerator.sram_table import TABLE_PATH
from simulators.accelerator.workloads import Layer
from simulators.dualbranch import (
    NETWORKS,
    CrossTensor,
    DualBranchNet,
    DualBranchSimulator,
    SingleAcceleratorBaseline,
    Stage,
    make_env,
)

# Tiny net, int8 words, everything fits in 64 KiB buffers.
#   a1: GEMM M=16, N=8, K=16   (ifmap 256 B, filter 128 B, ofmap 128 B)
#   b1: conv 6x6x2, 3x3, 4 filters, stride 1 -> 4x4x4 (ifmap 72 B, filter 72 B, ofmap 64 B)
#   b2: GEMM M=16, N=4, K=4    (ifmap 64 B, filter 16 B, ofmap 64 B)
#   f1: GEMM M=16, N=8, K=12   (ifmap 192 B, filter 96 B, ofmap 128 B)
TINY = DualBranchNet("tiny", (Stage(
    branch_a=(Layer.gemm("a1", 16, 8, 16),),
    branch_b=(Layer("b1", 6, 6, 3, 3, 2, 4), Layer.gemm("b2", 16, 4, 4)),
    fusion=(Layer.gemm("f1", 16, 8, 12),),
    cross=(CrossTensor("a_out", 128, "a", "fusion"), CrossTensor("b_out", 64, "b", "fusion"),
           CrossTensor("back", 32, "fusion", "b")),
),))

DESIGN = {"acc1_template": "WS", "acc1_rows": 8, "acc1_cols": 8, "acc1_ifmap_kib": 64, "acc1_filter_kib": 64,
          "acc1_ofmap_kib": 64, "acc2_template": "OS", "acc2_rows": 4, "acc2_cols": 8, "acc2_ifmap_kib": 64,
          "acc2_filter_kib": 64, "acc2_ofmap_kib": 64, "bw_share_acc1": 4, "fusion_on": "acc1"}


SYSTEM = {"dram": "DDR4-2400-x128", "clock_mhz": 600.0}  # 38.4 GB/s / 600 MHz = 64 B/cycle


def tiny_sim(**kw) -> DualBranchSimulator:
    return DualBranchSimulator(TINY, **{**SYSTEM, "pe_budget": 4096, "area_budget_mm2": 100.0, **kw})


def test_critical_path_fusion_on_acc1_by_hand():
    # bw split 4/8 of 64 -> 32 B/cycle each while both run; fusion alone gets 64.
    # a1 on WS 8x8: Sr=K=16, Sc=N=8, T=M=16; folds=2*1; compute=2*(16+8+16-2)-1=75;
    #   fill=ceil(384/(2*32))=6; cycles=6+max(75, ceil(512/32)-6)=81
    # b1 on OS 4x8: Sr=16 px, Sc=4, T=18; folds=4*1; compute=4*(18+4+8-2)-1=111; fill=ceil(144/128)=2 -> 113
    # b2 on OS 4x8: Sr=16, Sc=4, T=4; folds=4; compute=4*(4+4+8-2)-1=55; fill=ceil(80/128)=1 -> 56;  TB=169
    # b_out crosses (acc2 -> acc1): write ceil(64/32)=2, read 2; a_out stays on acc1.
    # join=max(81, 169+2)=171; reads -> 173
    # f1 on WS 8x8 @64: Sr=12, Sc=8, T=16; folds=2; compute=2*38-1=75; fill=ceil(288/128)=3;
    #   cycles=3+max(75, ceil(416/64)-3)=78 -> 251
    # back (fusion on acc1 -> branch b on acc2): write ceil(32/64)=1 at full bw, read ceil(32/32)=1 -> 253
    m = tiny_sim().evaluate(DESIGN)
    assert m["latency_cycles"] == 253
    assert m["branch_a_cycles"] == 81
    assert m["branch_b_cycles"] == 169
    assert m["fusion_cycles"] == 78
    assert m["transfer_cycles"] == 253 - 169 - 78
    assert m["transfer_bytes"] == 64 + 32
    assert m["latency_s"] == pytest.approx(253 / 600e6)


def test_critical_path_fusion_on_acc2_by_hand():
    # a_out crosses now: acc1 writes ceil(128/32)=4 -> 85; join=max(85, 169)=169; acc2 reads 4 -> 173
    # f1 on OS 4x8 @64: Sr=16, Sc=8, T=12; folds=4*1; compute=4*(12+4+8-2)-1=87; fill=ceil(288/256)=2;
    #   cycles=2+max(87, 7-2)=89 -> 262; 'back' stays on acc2.
    m = tiny_sim().evaluate({**DESIGN, "fusion_on": "acc2"})
    assert m["latency_cycles"] == 262
    assert m["fusion_cycles"] == 89
    assert m["transfer_bytes"] == 128


def test_bandwidth_split_by_hand():
    # share 2/8 of 64: acc1 16 B/cycle, acc2 48.
    # a1: fill=ceil(384/(2*16))=12; cycles=12+max(75, 32-12)=87
    # b1: fill=ceil(144/192)=1 -> 1+111=112; b2: fill=1 -> 56; TB=168
    # b_out: write ceil(64/48)=2 -> 170; read on acc1 ceil(64/16)=4 -> 174; f1 @64 = 78 -> 252
    # back: write ceil(32/64)=1, read on acc2 ceil(32/48)=1 -> 254
    m = tiny_sim().evaluate({**DESIGN, "bw_share_acc1": 2})
    assert (m["branch_a_cycles"], m["branch_b_cycles"], m["latency_cycles"]) == (87, 168, 254)


def test_row_stationary_cycles_by_hand():
    # b1 on RS 4x8: Rf=3 <= 4 -> q=1 channel per column, rf=ceil(2/1)=2; E*M=4*4=16 -> cf=2; T=F*Sf=4*3=12
    #   compute=2*2*(12+4-1)=60; fill=ceil(144/(4*32))=2; cycles=2+max(60, 7-2)=62
    # b2 (GEMM as a 1x1 conv, one row of F=16 px, Cin=K=4): q=4, rf=1; E*M=4 -> cf=1; T=16
    #   compute=1*(16+4-1)=19; fill=ceil(80/32)=3; cycles=3+max(19, 5-3)=22
    sim = tiny_sim()
    rep = sim.detail_report({**DESIGN, "acc2_template": "RS"})
    cycles = dict(zip(rep["name"], rep["cycles"], strict=False))
    assert cycles["b1"] == 62 and cycles["b2"] == 22
    assert sim.evaluate({**DESIGN, "acc2_template": "RS"})["branch_b_cycles"] == 84


def test_detail_report_is_the_critical_path():
    sim = tiny_sim()
    rep = sim.detail_report(DESIGN)
    assert list(rep["section"]) == ["branch_a", "branch_b", "branch_b", "write", "read", "fusion", "write", "read"]
    assert list(rep["accelerator"]) == ["acc1", "acc2", "acc2", "acc2", "acc1", "acc1", "acc1", "acc2"]
    assert rep["end_cycle"].max() == 253
    f1 = rep[rep["name"] == "f1"].iloc[0]
    assert (f1["start_cycle"], f1["end_cycle"]) == (173, 251)
    for net in NETWORKS:
        big = DualBranchSimulator(net)
        d = big.space.sample(3)
        assert big.detail_report(d)["end_cycle"].max() == big.evaluate(d)["latency_cycles"]


def test_budget_violations():
    # PEs: 128*128 + 4*4 = 16400 vs 4096 -> 16400/4096 - 1 = 3.00390625 (area budget generous)
    big = {**DESIGN, "acc1_rows": 128, "acc1_cols": 128, "acc2_rows": 4, "acc2_cols": 4}
    m = tiny_sim(area_budget_mm2=1000.0).evaluate(big)
    assert m["pe_count"] == 16400
    assert m["budget_violation"] == pytest.approx(3.00390625, rel=1e-12)
    # area: layout factor x (32 int8 PEs of 282 + 137 + 58 x 4.522 um^2 + six 16 KiB CACTI macros) + the PHY of
    # two DDR4 channels
    rows = json.loads(TABLE_PATH.read_text())["rows"]
    kib16 = next(r["area_mm2"] for r in rows if r["size_bytes"] == 16384 and r["block_bytes"] == 64)
    expected = LAYOUT_FACTOR * (32 * (282 + 137 + 58 * 4.522) * 1e-6 + 6 * kib16) \
        + get_interface("DDR4-2400-x128").phy_area_mm2
    small = {**DESIGN, "acc1_rows": 4, "acc1_cols": 4, "acc2_rows": 4, "acc2_cols": 4,
             **{f"acc{i}_{op}_kib": 16 for i in (1, 2) for op in ("ifmap", "filter", "ofmap")}}
    m = tiny_sim(area_budget_mm2=6.0).evaluate(small)
    assert m["area_mm2"] == pytest.approx(expected, rel=1e-12)
    assert m["budget_violation"] == pytest.approx(expected / 6.0 - 1, rel=1e-9)
    assert tiny_sim(area_budget_mm2=expected * 1.01).evaluate(small)["budget_violation"] == 0.0
    env = make_env(TINY, **SYSTEM, area_budget_mm2=1000.0)
    assert not env.objective.feasible(env.simulator.evaluate(big))
    assert env.objective.feasible(env.simulator.evaluate(small))


def test_rs_pe_carries_scratchpads():
    # an RS PE adds Eyeriss's register scratchpads and a 0.5 KiB filter scratchpad macro: more area, more energy
    # per MAC, same DRAM traffic rules
    ws, rs = tiny_sim().evaluate(DESIGN), tiny_sim().evaluate({**DESIGN, "acc2_template": "RS"})
    assert rs["acc2_area_mm2"] > ws["acc2_area_mm2"]
    assert rs["acc1_area_mm2"] == ws["acc1_area_mm2"]


@pytest.mark.parametrize("network", list(NETWORKS))
def test_batch_equals_single(network):
    sim = DualBranchSimulator(network)
    designs = sim.space.sample_batch(11, 40)
    table = sim.evaluate_batch(designs)
    assert set(table) == set(sim.metric_names)
    for i, d in enumerate(designs):
        single = sim.evaluate(d)
        assert all(single[k] == table[k][i] for k in sim.metric_names), d


def test_env_conforms_and_check_env():
    from gymnasium.utils.env_checker import check_env

    check_env(archgym_lite.make("archgym/DualBranch-v0"), skip_render_check=True)
    assert_env_conforms("archgym/DualBranch-v0", network="two_stream")


def test_pettingzoo_per_branch():
    env = parallel_env("archgym/DualBranch-v0", groups="per_branch", max_steps=4)
    parallel_api_test(env, num_cycles=10)
    groups = env.groups
    assert list(groups) == ["branch_a", "branch_b", "system"]
    assert groups["system"] == ["bw_share_acc1", "fusion_on"]
    assert all(p.startswith("acc1_") for p in groups["branch_a"])
    assert sorted(sum(groups.values(), [])) == sorted(env.env.space.names)


def test_unknown_network_lists_allowed():
    with pytest.raises(SpecError) as exc:
        make_env("crossvitt")
    assert "network" in str(exc.value) and "'crossvit'" in str(exc.value) and "'two_stream'" in str(exc.value)


TINY_YAML = """
name: tiny
stages:
  - branch_a:
      - {name: a1, gemm: [16, 8, 16]}
    branch_b: b.csv
    fusion:
      - {name: f1, gemm: [16, 8, 12]}
    cross:
      - {name: a_out, words: 128, src: a, dst: fusion}
      - {name: b_out, words: 64, src: b, dst: fusion}
      - {name: back, words: 32, src: fusion, dst: b}
"""
TINY_CSV = """Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
b1, 6, 6, 3, 3, 2, 4, 1,
"""


def test_yaml_network_matches_python_definition(tmp_path):
    (tmp_path / "b.csv").write_text(TINY_CSV + "b2, 16, 4, 1, 4, 1, 4, 1,\n")  # b2 as a SCALE-Sim GEMM-shaped conv
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_YAML)
    env = make_env(str(path), **SYSTEM, area_budget_mm2=100.0)
    assert env.simulator.evaluate(DESIGN)["latency_cycles"] == 253


@pytest.mark.parametrize(("text", "field"), [
    (TINY_YAML.replace("gemm: [16, 8, 16]", "gemm: [16, 0, 16]"), "stages[0].branch_a[0].gemm[1]"),
    (TINY_YAML.replace("words: 64", "wrds: 64"), "stages[0].cross[1].wrds"),
    (TINY_YAML.replace("dst: fusion}", "dst: c}", 1), "stages[0].cross[0]"),
    (TINY_YAML.replace("b.csv", "missing.csv"), "stages[0].branch_b"),
    ("stages: [", "not valid YAML"),
])
def test_yaml_errors_name_file_and_field(tmp_path, text, field):
    (tmp_path / "b.csv").write_text(TINY_CSV)
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(TraceError) as exc:
        make_env(str(path))
    assert str(path) in str(exc.value) and field in str(exc.value)


def test_baseline_is_the_accelerator_on_the_sequential_net():
    base = SingleAcceleratorBaseline(TINY, dram="DDR4-2400-x128", clock_mhz=1200, pe_budget=4096,
                                     area_budget_mm2=100.0)
    assert [lay.name for lay in base.sim.workload.layers] == ["a1", "b1", "b2", "f1"]
    cols = base.sample_columns(np.random.default_rng(0), 64)
    assert set(cols["dram"].tolist()) == {"DDR4-2400-x128"} and set(cols["clock_mhz"].tolist()) == {1200}
    m = base.evaluate(cols)
    pes = cols["array_rows"] * cols["array_cols"]
    assert np.array_equal(m["budget_violation"] > 0, (pes > 4096) | (m["area_mm2"] > 100.0))
    # a1 alone on WS 8x8 with the whole 38.4 GB/s at 1200 MHz = 32 B/cycle: fill = ceil(384 / (2 * 32)) = 6,
    # cycles = 6 + max(75, ceil(512 / 32) - 6) = 81. Checked through the accelerator simulator's report.
    d = {"array_rows": 8, "array_cols": 8, "dataflow": "WS", "ifmap_sram_kib": 64, "filter_sram_kib": 64,
         "ofmap_sram_kib": 64, "dram": "DDR4-2400-x128", "clock_mhz": 1200}
    assert base.sim.detail_report(d)["total_cycles"].iloc[0] == 81


def test_system_constants_are_checked():
    with pytest.raises(SpecError, match="dram"):
        DualBranchSimulator(TINY, dram="HBM2")
    with pytest.raises(SpecError, match="clock_mhz"):
        DualBranchSimulator(TINY, clock_mhz=2000.0)
    with pytest.raises(SpecError, match="int8"):
        DualBranchSimulator(TINY, datatype="fp32")
