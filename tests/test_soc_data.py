"""archgym/SoC-v0 inputs: the FARSI database loader and its errors, the design space, the neutral encoding."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from archgym_lite import DesignError, SpecError, TraceError
from simulators.soc import SoCSimulator, available_workloads, load_workload
from simulators.soc.database import DATA_DIR

TINY = Path(__file__).parent / "data" / "soc_tiny"
CALIBRATION = json.loads((Path(__file__).parent / "data" / "soc_reference_calibration.json").read_text())["designs"]


def test_shipped_database_loads_with_farsi_licence():
    assert available_workloads() == ["audio_decoder", "edge_detection", "hpvm_cava"]
    assert "Permission is hereby granted" in (DATA_DIR / "LICENSE").read_text()
    w = load_workload("audio_decoder")
    assert len(w.tasks) == 18 and len(w.real_tasks) == 15
    assert w.tasks[0] == "souurce" and w.last_task == "dummy_last"
    # zoomProcess's self movement (248 B on the diagonal) is skipped, as FARSI does
    assert ("zoomProcess_fxp_cloned", "zoomProcess_fxp_cloned", 248.0) not in w.edges
    assert w.budget == pytest.approx({"latency_s": 0.021, "power_w": 0.008737, "area_mm2": 17.475})
    e = load_workload("edge_detection")
    assert e.budget["latency_s"] == pytest.approx(0.034) and e.last_task == "rejectZeroCrossings"
    # work = A53 cycles x Dhrystone IPC 2
    assert e.instructions[e.index["gaussianSmoothing"]] == 2 * 1617100800


def test_unroll_levels_include_the_top_value():
    # FARSI gen_loop_itr_range: 2^0..2^floor(log2 N), the first 16 when longer than 17, plus N itself; ArchGym's
    # env never drew the last level of a choice, so hpvm_cava's gamut_map could never reach 151 (needed for 34 ms).
    e, h, a = load_workload("edge_detection"), load_workload("hpvm_cava"), load_workload("audio_decoder")
    assert e.unroll_levels("gaussianSmoothing") == tuple(2 ** k for k in range(16)) + (1638400,)
    assert e.unroll_levels("computeMaxGradientLeaf") == tuple(2 ** k for k in range(9))
    assert h.unroll_levels("gamut_map_fxp_cloned") == (1, 2, 4, 8, 16, 32, 64, 128, 151)
    assert a.unroll_levels("FIR_left_fxp_cloned")[-2:] == (16384, 16400)
    sim = SoCSimulator("hpvm_cava")
    assert sim.space["gamut_map_unroll"].levels[-1] == 151
    assert sim.space["gamut_map_clock"].levels == (1, 4, 6, 8)
    idx = sim.space.sample_columns(0, 2000)["gamut_map_unroll"]
    assert (idx == 151).any()  # every level is drawn


def test_dice_factors_follow_farsi():
    e = load_workload("edge_detection")
    assert e.dice_factor("gaussianSmoothing") == 13107396 // 1024  # smallest input edge / burst
    assert e.dice_factor("laplacianEstimate") == 6553600 // 1024
    assert e.dice_factor("computeMaxGradientLeaf") == 1  # its 4-byte output would round to 0 units
    assert e.dice_factor("souurce") == 1


def _copy_tiny(tmp_path: Path) -> Path:
    dst = tmp_path / "db"
    shutil.copytree(TINY, dst)
    return dst


def _edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


@pytest.mark.parametrize(("file", "old", "new", "expect"), [
    ("chain_database - Task Data Movement.csv", "A,,,200000", "A,,,2e5x", "row 3, column 'B': expected a number"),
    ("chain_database - Task Data Movement.csv", "A,,,200000", "A,,,-5", "row 3, column 'B': bytes moved must be > 0"),
    ("chain_database - Task Data Movement.csv", "Task Name,souurce,A,B,siink", "Task Name,souurce,A,Q,siink",
     "row 1, column 'Q': column names an unknown task"),
    ("chain_database - Task Data Movement.csv", "B,,,,100000", "B,,,,", "'B' needs at least one parent and one child"),
    ("chain_database - Task Data Movement.csv", "B,,,,100000", "B,,5,,100000", "cycle"),
    ("chain_database - Task PE Performance.csv", "A,600000,", "A,abc,", "row 3, column 'A53': expected a number"),
    ("chain_database - Task PE Performance.csv", "A,600000,", "A,0,", "needs a positive A53 cycle count"),
    ("chain_database - Task PE Performance.csv", "siink,0,", "siink,10,", "dummy task 'siink' must have 0 cycles"),
    ("chain_database - Task PE Performance.csv", "B,800000,40000", "B,800000,-1", "column 'IP0': must be > 0"),
    ("chain_database - Task PE Energy.csv", "B,,1000", "B,,", "row 3, column 'IP0': task 'B' needs a value"),
    ("chain_database - Task PE Area.csv", "B,,100000", "Z,,100000", "unknown task 'Z'"),
    ("chain_database - Task Itr Count.csv", "B,8", "B,2.5", "must be a positive integer"),
    ("misc_database - Block Characteristics.csv", "A53,2,1000000000", "A53,2,fast", "column 'Freq'"),
    ("misc_database - Last Tasks.csv", "chain,B", "chain,Q", "unknown task 'Q'"),
    ("misc_database - Budget.csv", "chain,", "chains,", "no budget row for workload 'chain'"),
])
def test_malformed_csv_names_file_row_column(tmp_path, file, old, new, expect):
    folder = _copy_tiny(tmp_path)
    _edit(folder, file, old, new)
    with pytest.raises(TraceError) as err:
        load_workload("chain", folder)
    assert expect in str(err.value)
    assert file in str(err.value)


def test_missing_file_and_unknown_workload(tmp_path):
    folder = _copy_tiny(tmp_path)
    (folder / "chain_database - Task PE Area.csv").unlink()
    with pytest.raises(TraceError, match="missing database file 'chain_database - Task PE Area.csv'"):
        load_workload("chain", folder)
    with pytest.raises(SpecError, match=r"unknown workload 'nope'; allowed: \['chain', 'forkjoin'\]"):
        load_workload("nope", folder)
    with pytest.raises(SpecError, match="does not exist"):
        load_workload("chain", tmp_path / "absent")
    with pytest.raises(SpecError, match="unknown workload"):
        SoCSimulator("resnet18")


def test_design_space_shape():
    sim = SoCSimulator("edge_detection")
    names = sim.space.names
    assert names[:5] == ("gaussianSmoothing_pe", "gaussianSmoothing_unroll", "gaussianSmoothing_clock",
                         "gaussianSmoothing_mem", "gaussianSmoothing_bus")
    assert sim.space["gaussianSmoothing_pe"].levels == ("core0", "core1", "core2", "ip")
    assert sim.space["mem0_width"].levels == (4, 8, 16, 32, 64, 128)
    assert sim.space["mem1_type"].levels == ("DRAM", "SRAM")
    groups = sim.agent_groups
    for split in groups.values():
        flat = [p for ps in split.values() for p in ps]
        assert sorted(flat) == sorted(names)  # every parameter has exactly one agent
    assert groups["per_task"]["computeGradient"] == [f"computeGradient_{s}" for s in ("pe", "unroll", "clock",
                                                                                         "mem", "bus")]
    # a task without an IP in the database offers only the cores
    chain = SoCSimulator("chain", database=TINY)
    assert chain.space["A_pe"].levels == ("core0", "core1", "core2") and "A_unroll" not in chain.space


def test_neutral_round_trip_on_random_designs():
    for workload in ("audio_decoder", "hpvm_cava"):
        sim = SoCSimulator(workload)
        for d in sim.space.sample_batch(4, 60):
            neutral = sim.to_neutral(d)
            again = sim.from_neutral(neutral)
            assert sim.evaluate(again) == sim.evaluate(d)
            assert sim.to_neutral(again) == neutral
            n_mem = sum(b["type"] == "memory" for b in neutral["blocks"])
            n_bus = sum(b["type"] == "bus" for b in neutral["blocks"])
            assert 1 <= n_mem <= 2 and 1 <= n_bus <= 2
            assert sum(b["type"] == "A53" for b in neutral["blocks"]) == sim.evaluate(d)["n_cores"]


def test_from_neutral_errors_name_the_field():
    sim = SoCSimulator("hpvm_cava")
    good = next(c for c in CALIBRATION if c["id"] == "hpvm_cava-02")["design"]

    def bad(mutate, field):
        design = json.loads(json.dumps(good))
        mutate(design)
        with pytest.raises(DesignError) as err:
            sim.from_neutral(design)
        assert field in str(err.value)

    bad(lambda d: d["task_to_pe"].pop("scale_fxp_cloned"), "task_to_pe.scale_fxp_cloned")
    bad(lambda d: d["task_to_pe"].update(scale_fxp_cloned="pe2"), "task_to_pe.scale_fxp_cloned")  # demosaic's IP
    bad(lambda d: d["task_to_mem"].update(bogus="mem0"), "task_to_mem.bogus")
    bad(lambda d: d["blocks"][8].update(freq_mult=3), "blocks[8].freq_mult")
    bad(lambda d: d["blocks"][8].update(kind="FLASH"), "blocks[8].kind")
    bad(lambda d: d["blocks"][8].update(width_bytes=12), "blocks[8].width_bytes")
    bad(lambda d: d["blocks"][1].update(unroll=3), "scale_unroll")
    bad(lambda d: d["connections"].pop(0), "blocks.pe0")
    bad(lambda d: d["connections"].append(["pe1", "mem0"]), "connections[9]")
    bad(lambda d: d.pop("blocks"), "blocks")
