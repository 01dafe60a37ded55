"""Peer test: our accelerator model against the real SCALE-Sim 3 (``pip install scalesim``).

SCALE-Sim needs ``numpy<2.4``, so it runs in its own venv, created once and cached under
``~/.cache/archgym-lite/scalesim-venv`` (or set ``ARCHGYM_SCALESIM_PYTHON`` to an interpreter that has it).
The test writes SCALE-Sim topology, GEMM and ``.cfg`` files, runs SCALE-Sim in a subprocess (CALC mode), parses
its COMPUTE_REPORT and DETAILED_ACCESS_REPORT and asserts, for every layer x dataflow x array shape:

* compute cycles, SRAM reads/writes and utilisation **equal**;
* DRAM reads and writes per operand, with 64 KB SRAMs (everything fits) and with 1 KB and 4 KB SRAMs (nothing
  does), **equal** where the two models make the same decision, and otherwise the documented relation:

  ============  ==========================================================================================
  ifmap         fits: equal. Line-buffer tier: ours <= SCALE-Sim (a streaming schedule keeps the rows the
                next fold needs; SCALE-Sim's buffer forgets its whole active half every 50 sets, see
                ``test_documented_differences``). Band tier: within 30%. No-reuse tier: ours >= SCALE-Sim
                (every operand entry fetched; SCALE-Sim still catches reuse at short distances).
  filter        WS, IS: equal. OS: ours <= SCALE-Sim when a column block fits (SCALE-Sim refetches across its
                set-window jumps), ours >= SCALE-Sim when it does not (every row fold re-streams its block;
                SCALE-Sim keeps part of a block that barely overflows).
  ofmap writes  outputs written once (OS, or WS/IS partial sums that fit): SCALE-Sim writes every partial-sum
                pass (``row_folds`` x ours for WS/IS); spilled WS/IS partial sums: equal. On top, SCALE-Sim's
                write buffer counts up to ``C - 1`` empty slots of a partly filled drain line as writes
                (``write_buffer.empty_drain_buf`` discounts ``-1`` entries only on a chunk's last line).
  ============  ==========================================================================================

``test_documented_differences`` works through the large cases by hand (ResNet-18 layers, numbers printed by
SCALE-Sim 3.0.0) without running SCALE-Sim. Skipped when the venv cannot be built offline (fails on CI).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from archgym_lite import SpecError
from simulators.accelerator import AcceleratorSimulator, Layer, Workload, load_gemm_csv, load_topology_csv
from simulators.accelerator.dataflow import DATAFLOWS as DFS
from simulators.accelerator.dataflow import array_stats
from simulators.accelerator.model import active_words, layer_dram

pytestmark = pytest.mark.peer

PLUGIN = Path(__file__).resolve().parents[1] / "examples" / "scalesim_plugin"

CONV_LAYERS = [  # name, H, W, Rf, Sf, C, M, stride
    ("c1", 12, 12, 3, 3, 4, 10, 1),
    ("c2_stride2", 15, 11, 3, 3, 3, 9, 2),
    ("c3_pointwise", 9, 9, 1, 1, 16, 20, 1),
    ("c4_stride3", 10, 8, 5, 3, 2, 6, 3),
    ("fc", 1, 1, 1, 1, 70, 13, 1),
    ("c6DP", 8, 8, 3, 3, 6, 1, 1),  # depthwise: SCALE-Sim splits it into 6 one-channel layers
]
GEMM_LAYERS = [("g1", 20, 9, 33), ("g2", 7, 40, 5), ("g3", 33, 3, 17)]  # name, M, N, K
SHAPES = [(8, 4), (4, 16)]
DATAFLOWS = ["os", "ws", "is"]

CFG = """[general]
run_name = {name}

[architecture_presets]
ArrayHeight: {rows}
ArrayWidth: {cols}
IfmapSramSzkB: {kb}
FilterSramSzkB: {kb}
OfmapSramSzkB: {kb}
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Dataflow: {df}
Bandwidth: 10
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""

RUNNER = """
import sys
from scalesim.scale_sim import scalesim
cfg, topo, out, gemm = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4] == "gemm"
s = scalesim(save_disk_space=True, verbose=False, config=cfg, topology=topo, layout=topo, input_type_gemm=gemm)
s.run_scale(top_path=out)
"""


def scalesim_python() -> str:
    """An interpreter with SCALE-Sim 3.0.0 installed (venv built once and cached); skips if impossible.

    The venv is the SCALE-Sim example plugin's (``examples/scalesim_plugin/archgym_scalesim/venv.py``: the same
    pins, cache directory, lock and ``ARCHGYM_SCALESIM_PYTHON`` / ``ARCHGYM_SCALESIM_VENV`` overrides).
    """
    sys.path.insert(0, str(PLUGIN))
    try:
        from archgym_scalesim.venv import scalesim_python as plugin_python
    finally:
        sys.path.remove(str(PLUGIN))
    try:
        return plugin_python(build=True)
    except SpecError as exc:
        if os.environ.get("CI"):  # CI reaches PyPI: the peer comparison must run there
            pytest.fail(f"cannot build a SCALE-Sim venv ({exc})")
        pytest.skip(f"cannot build a SCALE-Sim venv offline ({exc})")


def _report(path: Path) -> list[list[float]]:
    with path.open() as fh:
        rows = list(csv.reader(fh))[1:]
    return [[float(x) for x in r if x.strip()] for r in rows if r]


def _run(py: str, tmp: Path, topo: Path, rows: int, cols: int, df: str, gemm: bool, kb: int = 64) -> tuple[list, list]:
    name = f"{topo.stem}_{rows}x{cols}_{df}_{kb}"
    cfg = tmp / f"{name}.cfg"
    cfg.write_text(CFG.format(name=name, rows=rows, cols=cols, df=df, kb=kb))
    runner = tmp / "run_scalesim.py"
    runner.write_text(RUNNER)
    out = tmp / "out"
    proc = subprocess.run([py, str(runner), str(cfg), str(topo), str(out), "gemm" if gemm else "conv"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return _report(out / name / "COMPUTE_REPORT.csv"), _report(out / name / "DETAILED_ACCESS_REPORT.csv")


def ours_dram(layer: Layer, rows: int, cols: int, df: str, kb: int) -> dict[str, float]:
    """Our DRAM words for one layer with ``kb`` KB SRAMs and 1-byte words (SCALE-Sim's), plus the ifmap tier."""
    s1 = array_stats(Workload("x", (layer,)), np.array([rows]), np.array([cols]), np.array([DFS.index(df)]))
    st = layer_dram(s1, 1.0, float(kb), float(kb), float(kb), 1e12)
    a = float(active_words(float(kb), 1.0))
    one = {k: float(v[0, 0]) for k, v in {**s1, **st}.items()}
    one["tier"] = ("fit" if one["a_if"] <= a else "lb" if one["lb_if"] <= a else "band" if one["bp_if"] <= a
                   else "none")
    one["f_fits"] = one["a_f"] <= a
    one["of_spill"] = one["a_of"] > a
    return one


def check_dram(layer: Layer, rows: int, cols: int, df: str, kb: int, ss_if: float, ss_f: float, ss_of: float,
               where: str) -> None:
    """Assert the documented relation between our DRAM counts and SCALE-Sim's (module docstring)."""
    o = ours_dram(layer, rows, cols, df, kb)
    tier = o["tier"]
    if tier == "fit":
        assert o["dram_if"] == ss_if, where
    elif tier == "lb":
        assert o["dram_if"] <= ss_if, where
    elif tier == "band":
        assert o["dram_if"] == pytest.approx(ss_if, rel=0.30), where
    else:
        assert ss_if <= o["dram_if"], where
    if df != "OS":
        assert o["dram_f"] == ss_f, where
    elif o["f_fits"]:
        assert o["dram_f"] <= ss_f, where
    else:
        assert o["dram_f"] >= ss_f, where
    passes = o["rf"] if df != "OS" and not o["of_spill"] else 1.0
    assert 0 <= ss_of - o["dram_ofw"] * passes <= layer.groups * (cols - 1), where


def _merge_depthwise(wl, compute: list, detail: list) -> list[tuple[list, list]]:
    """SCALE-Sim rows → one (compute rows, detail rows) group per our layer (a DP layer has one row a channel)."""
    groups, i = [], 0
    for layer in wl.layers:
        groups.append((compute[i:i + layer.groups], detail[i:i + layer.groups]))
        i += layer.groups
    assert i == len(compute) == len(detail)
    return groups


@pytest.fixture(scope="module")
def peer_files(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scalesim")
    conv = tmp / "peer_conv.csv"
    conv.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                    "Strides,\n" + "".join(",".join(map(str, r)) + ",\n" for r in CONV_LAYERS))
    gemm = tmp / "peer_gemm.csv"
    gemm.write_text("Layer, M, N, K,\n" + "".join(",".join(map(str, r)) + ",\n" for r in GEMM_LAYERS))
    return tmp, conv, gemm


@pytest.mark.parametrize("kind", ["conv", "gemm"])
def test_matches_scalesim(peer_files, kind):
    py = scalesim_python()
    tmp, conv, gemm = peer_files
    topo = conv if kind == "conv" else gemm
    wl = load_topology_csv(topo) if kind == "conv" else load_gemm_csv(topo)
    sim = AcceleratorSimulator(wl)
    t0 = time.perf_counter()
    checked = 0
    for rows, cols in SHAPES:
        for df in DATAFLOWS:
            compute, detail = _run(py, tmp, topo, rows, cols, df, kind == "gemm")
            ours = sim.detail_report({"array_rows": rows, "array_cols": cols, "dataflow": df.upper(),
                                      "ifmap_sram_kib": 64, "filter_sram_kib": 64, "ofmap_sram_kib": 64,
                                      "dram": "DDR4-2400-x64", "clock_mhz": 1000})
            for (crow, drow), (_, mine) in zip(_merge_depthwise(wl, compute, detail), ours.iterrows(), strict=True):
                where = f"{kind} {mine['layer']} {rows}x{cols} {df}"
                assert mine["compute_cycles"] == sum(r[2] for r in crow), where  # "Total Cycles"
                assert sum(r[3] for r in crow) == 0, where  # no stalls in SCALE-Sim's CALC mode
                assert mine["sram_ifmap_reads"] == sum(r[3] for r in drow), where
                assert mine["sram_filter_reads"] == sum(r[6] for r in drow), where
                assert mine["sram_ofmap_writes"] == sum(r[9] for r in drow), where
                layer = wl.layers[int(mine.name)]
                check_dram(layer, rows, cols, df.upper(), 64, sum(r[12] for r in drow), sum(r[15] for r in drow),
                           sum(r[18] for r in drow), where)
                assert mine["mapping_eff_pct"] == pytest.approx(crow[0][5], rel=1e-9), where
                assert mine["compute_util_pct"] == pytest.approx(crow[0][6], rel=1e-9), where
                assert mine["overall_util_pct"] == pytest.approx(
                    sum(r[4] * r[2] for r in crow) / sum(r[2] for r in crow), rel=1e-9), where
                checked += 1
    print(f"\nSCALE-Sim peer ({kind}): {checked} layer x dataflow x shape cases equal in "
          f"{time.perf_counter() - t0:.1f} s")
    assert checked == len(wl.layers) * len(SHAPES) * len(DATAFLOWS)


SMALL_SRAM_LAYERS = [  # name, H, W, Rf, Sf, C, M, stride: every one overflows a 1 KB SRAM somewhere
    ("s3x3", 20, 20, 3, 3, 8, 16, 1),
    ("s1x1_stride2", 15, 15, 1, 1, 32, 40, 2),
    ("s5x5_stride2", 12, 12, 5, 5, 4, 12, 2),
    ("s3x3_wide", 16, 16, 3, 3, 16, 24, 1),
    ("s3x3_stride3", 9, 9, 3, 3, 30, 50, 3),
    ("sfc", 1, 1, 1, 1, 300, 90, 1),
    ("s3x3_rgb", 30, 30, 3, 3, 3, 8, 2),
    ("s1x1", 10, 10, 1, 1, 64, 64, 1),
]


@pytest.mark.parametrize("kb", [1, 4])
def test_dram_traffic_when_srams_overflow(tmp_path, kb):
    """DRAM reads/writes against SCALE-Sim with 1 KB and 4 KB SRAMs on an 8x4 array, every dataflow."""
    py = scalesim_python()
    topo = tmp_path / "small.csv"
    topo.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                    "Strides,\n" + "".join(",".join(map(str, r)) + ",\n" for r in SMALL_SRAM_LAYERS))
    wl = load_topology_csv(topo)
    tiers = set()
    for df in DATAFLOWS:
        compute, detail = _run(py, tmp_path, topo, 8, 4, df, False, kb)
        assert len(detail) == len(wl.layers)
        for layer, crow, drow in zip(wl.layers, compute, detail, strict=True):
            where = f"{layer.name} 8x4 {df} {kb} KB"
            o = ours_dram(layer, 8, 4, df.upper(), kb)
            assert o["compute"] == crow[2], where  # SRAM size never changes SCALE-Sim's compute cycles
            check_dram(layer, 8, 4, df.upper(), kb, drow[12], drow[15], drow[18], where)
            tiers.add(o["tier"])
    assert tiers >= ({"fit", "lb", "band", "none"} if kb == 1 else {"fit", "lb", "none"})  # every tier exercised


# --- large layers, worked by hand (numbers printed by SCALE-Sim 3.0.0: 32x32, 64 KB SRAMs, CALC mode) --------
SS_RESNET = {  # (layer, dataflow): (DRAM ifmap reads, filter reads, ofmap writes) as SCALE-Sim printed them
    ("CBa5s", "OS"): (12_544, 171_942, 32_768),
    ("CBa2a_1", "OS"): (509_426, 51_182, 186_655),
    ("CBa3a_2", "WS"): (3_115_008, 147_456, 3_115_039),
    ("Conv1", "WS"): (1_328_198, 9_408, 3_872_031),
}
RESNET_UNPADDED = {"Conv1": Layer("Conv1", 224, 224, 7, 7, 3, 64, 2, 2),
                   "CBa2a_1": Layer("CBa2a_1", 56, 56, 3, 3, 64, 64),
                   "CBa3a_2": Layer("CBa3a_2", 28, 28, 3, 3, 128, 128),
                   "CBa5s": Layer("CBa5s", 14, 14, 1, 1, 256, 512, 2, 2)}


def test_documented_differences():
    """Where and why our DRAM counts differ from SCALE-Sim's on ResNet-18 layers (see module docstring)."""
    def ours(name: str, df: str) -> dict[str, float]:
        return ours_dram(RESNET_UNPADDED[name], 32, 32, df, 64)

    half = 50 * (65536 // 100)  # SCALE-Sim's active half of a 64 KB buffer: 32,750 words
    # 1x1 stride-2 on 14x14x256 -> 512, OS: E = ceil(15/2) = 8 but only rows/cols 0,2,..,12 exist: 7*7*256 =
    # 12,544 words are touched and fit -> read once, as SCALE-Sim does (the old model read 16 x 50,176).
    o = ours("CBa5s", "OS")
    assert o["dram_if"] == 7 * 7 * 256 == SS_RESNET[("CBa5s", "OS")][0]
    # Its filters: a column block is 256 x 32 = 8,192 words <= 32,750, kept for both row folds -> 131,072 words
    # once. SCALE-Sim reads 171,942: its buffer forgets the whole active half each time 50 sets (32,750 new
    # words) have streamed in, so blocks straddling such a jump are read again. A double-buffered SRAM holding
    # the block needs no second read: ours is the hardware count.
    assert 256 * 32 <= half and o["dram_f"] == 256 * 512 < SS_RESNET[("CBa5s", "OS")][1]
    # 3x3 on 56x56x64, OS: the ifmap (200,704) does not fit, the line buffer does (4 rows x 56 x 64 = 14,336):
    # each touched word once per column fold (64/32 = 2): 401,408, 21% below SCALE-Sim's 509,426 for the same
    # reason (window jumps drop the rows the next fold needs).
    o = ours("CBa2a_1", "OS")
    assert o["tier"] == "lb" and o["dram_if"] == 2 * 56 * 56 * 64 < SS_RESNET[("CBa2a_1", "OS")][0]
    # 3x3 on 28x28x128 -> 128, WS: rf = 1152/32 = 36 partial-sum passes; a column block of partial sums is
    # 26*26 px x 32 = 21,632 words <= 32,750: they accumulate in the ofmap SRAM and 86,528 outputs are written
    # once. SCALE-Sim writes every pass (36 x 86,528 = 3,115,008, +31 padding slots) and never reads one back:
    # a real accumulator either keeps them (ours) or must read them back, which SCALE-Sim does not count.
    o = ours("CBa3a_2", "WS")
    assert (o["dram_ofw"], o["dram_ofr"]) == (26 * 26 * 128, 0)
    assert SS_RESNET[("CBa3a_2", "WS")][2] == 36 * o["dram_ofw"] + 31
    assert o["dram_if"] == SS_RESNET[("CBa3a_2", "WS")][0]  # no reuse either way: 36 x 26*26 x 128 x 4 folds
    # conv1, WS: a block of partial sums is 110*110 x 32 = 387,200 words > 32,750: every one of the 5 passes is
    # written (3,872,000 = SCALE-Sim's count less 31 padding slots) and passes 2-5 read back (3,097,600, not
    # counted by SCALE-Sim). Its ifmap: 3 channels < 32 rows, so one fold's window slice covers ~11 kernel
    # positions that overlap; SCALE-Sim catches that short-distance reuse (1,328,198), our no-reuse tier counts
    # every entry (3,548,166 = 110*110 x 147 valid entries x 2 column folds, less out-of-range ones): an upper
    # bound, 2.7x high on this layer.
    o = ours("Conv1", "WS")
    assert (o["dram_ofw"], o["dram_ofr"]) == (5 * 774_400, 4 * 774_400)
    assert SS_RESNET[("Conv1", "WS")][2] == o["dram_ofw"] + 31
    assert o["tier"] == "none" and o["dram_if"] >= SS_RESNET[("Conv1", "WS")][0]
