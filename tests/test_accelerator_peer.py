"""Peer test: our accelerator model against the real SCALE-Sim 3 (``pip install scalesim``).

SCALE-Sim needs ``numpy<2.4``, so it runs in its own venv, created once and cached under
``~/.cache/archgym-lite/scalesim-venv`` (or set ``ARCHGYM_SCALESIM_PYTHON`` to an interpreter that has it).
The test writes SCALE-Sim topology, GEMM and ``.cfg`` files, runs SCALE-Sim in a subprocess, parses its
COMPUTE_REPORT and DETAILED_ACCESS_REPORT and asserts **equal** compute cycles, SRAM reads/writes, utilisation
and (buffers large enough that everything fits) DRAM ifmap/filter reads for every layer x dataflow x array shape.
DRAM ofmap writes differ by design for WS/IS: SCALE-Sim writes every partial-sum pass (``row_folds`` of them) to
DRAM, our reuse model accumulates on chip when a column block fits; the test asserts that exact factor.
Skipped when the venv cannot be built (no PyPI access). About 3 s with a warm venv, ~20 s when it is built.
"""

from __future__ import annotations

import csv
import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from simulators.accelerator import AcceleratorSimulator, load_gemm_csv, load_topology_csv

pytestmark = pytest.mark.peer

VENV = Path(os.environ.get("ARCHGYM_SCALESIM_VENV", Path.home() / ".cache" / "archgym-lite" / "scalesim-venv"))

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
IfmapSramSzkB: 64
FilterSramSzkB: 64
OfmapSramSzkB: 64
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
    """An interpreter with SCALE-Sim 3.0.0 installed (venv built once and cached); skips if impossible."""
    explicit = os.environ.get("ARCHGYM_SCALESIM_PYTHON")
    if explicit:
        return explicit
    py = VENV / "bin" / "python"
    VENV.parent.mkdir(parents=True, exist_ok=True)
    with open(VENV.parent / "scalesim-venv.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # pytest-xdist workers must not build the venv concurrently
        ok = py.exists() and subprocess.run([str(py), "-c", "import scalesim.scale_sim"],
                                            capture_output=True).returncode == 0
        if not ok:
            try:
                subprocess.run([sys.executable, "-m", "venv", "--clear", str(VENV)], check=True, capture_output=True,
                               timeout=120)
                subprocess.run([str(py), "-m", "pip", "install", "-q", "scalesim==3.0.0", "numpy<2.4"], check=True,
                               capture_output=True, timeout=600)
            except (subprocess.SubprocessError, OSError) as exc:
                if os.environ.get("CI"):  # CI reaches PyPI: the peer comparison must run there
                    pytest.fail(f"cannot build a SCALE-Sim venv ({exc})")
                pytest.skip(f"cannot build a SCALE-Sim venv offline ({exc})")
    return str(py)


def _report(path: Path) -> list[list[float]]:
    with path.open() as fh:
        rows = list(csv.reader(fh))[1:]
    return [[float(x) for x in r if x.strip()] for r in rows if r]


def _run(py: str, tmp: Path, topo: Path, rows: int, cols: int, df: str, gemm: bool) -> tuple[list, list]:
    name = f"{topo.stem}_{rows}x{cols}_{df}"
    cfg = tmp / f"{name}.cfg"
    cfg.write_text(CFG.format(name=name, rows=rows, cols=cols, df=df))
    runner = tmp / "run_scalesim.py"
    runner.write_text(RUNNER)
    out = tmp / "out"
    proc = subprocess.run([py, str(runner), str(cfg), str(topo), str(out), "gemm" if gemm else "conv"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return _report(out / name / "COMPUTE_REPORT.csv"), _report(out / name / "DETAILED_ACCESS_REPORT.csv")


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
                                      "dram_bw": 16, "word_bytes": 1, "clock_mhz": 1000})
            for (crow, drow), (_, mine) in zip(_merge_depthwise(wl, compute, detail), ours.iterrows(), strict=True):
                where = f"{kind} {mine['layer']} {rows}x{cols} {df}"
                assert mine["compute_cycles"] == sum(r[2] for r in crow), where  # "Total Cycles"
                assert sum(r[3] for r in crow) == 0, where  # no stalls in SCALE-Sim's CALC mode
                assert mine["sram_ifmap_reads"] == sum(r[3] for r in drow), where
                assert mine["sram_filter_reads"] == sum(r[6] for r in drow), where
                assert mine["sram_ofmap_writes"] == sum(r[9] for r in drow), where
                assert mine["dram_ifmap_bytes"] == sum(r[12] for r in drow), where
                assert mine["dram_filter_bytes"] == sum(r[15] for r in drow), where
                # SCALE-Sim drains every WS/IS partial-sum pass to DRAM (no on-chip accumulation); our reuse
                # model keeps partial sums on chip when a column block fits (it does here): a factor rf apart.
                passes = 1 if df == "os" else mine["row_folds"]
                assert mine["dram_ofmap_bytes"] * passes == sum(r[18] for r in drow), where
                assert mine["mapping_eff_pct"] == pytest.approx(crow[0][5], rel=1e-9), where
                assert mine["compute_util_pct"] == pytest.approx(crow[0][6], rel=1e-9), where
                assert mine["overall_util_pct"] == pytest.approx(
                    sum(r[4] * r[2] for r in crow) / sum(r[2] for r in crow), rel=1e-9), where
                checked += 1
    print(f"\nSCALE-Sim peer ({kind}): {checked} layer x dataflow x shape cases equal in "
          f"{time.perf_counter() - t0:.1f} s")
    assert checked == len(wl.layers) * len(SHAPES) * len(DATAFLOWS)
