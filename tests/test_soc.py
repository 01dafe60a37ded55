"""archgym/SoC-v0 against FARSI: the 12 calibration designs, hand-worked task graphs, invariants, power windows.

Expected values come from FARSI's own outputs (``/work/shared/farsi/reference_calibration.json``, copied into
``tests/data/soc_reference_calibration.json``), from hand calculation in the comments (FARSI's rules as stated in
``simulators/soc/kernel.py``), or from invariants computed here from the database CSVs.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from simulators.soc import SoCSimulator
from simulators.soc import layout as L
from simulators.soc.accounting import windowed_power
from simulators.soc.cacti import lookup

DATA = Path(__file__).parent / "data"
TINY = DATA / "soc_tiny"
CALIBRATION = json.loads((DATA / "soc_reference_calibration.json").read_text())["designs"]
SIMS = {}


def sim_for(workload: str, database: Path | None = None) -> SoCSimulator:
    key = (workload, database)
    if key not in SIMS:
        SIMS[key] = SoCSimulator(workload, database=database)
    return SIMS[key]


def rel(a: float, b: float) -> float:
    return abs(a - b) / max(abs(b), 1e-300) if b != 0 else abs(a)


# --- FARSI's 12 calibration designs ---------------------------------------------------------------------------


@pytest.mark.parametrize("ref", CALIBRATION, ids=[c["id"] for c in CALIBRATION])
def test_calibration_design_metrics(ref):
    sim = sim_for(ref["workload"])
    design = sim.from_neutral(ref["design"])
    m = sim.evaluate(design)
    out = ref["outputs"]
    for ours, farsi in (("latency_s", "latency_s"), ("power_w", "power_W"), ("energy_j", "energy_J"),
                        ("area_mm2", "area_mm2")):
        assert rel(m[ours], out[farsi]) <= 1e-6, (ours, m[ours], out[farsi])
    assert sim.to_neutral(design) == ref["design"]  # the neutral encoding round-trips


@pytest.mark.parametrize("ref", CALIBRATION, ids=[c["id"] for c in CALIBRATION])
def test_calibration_design_breakdown(ref):
    sim = sim_for(ref["workload"])
    design = sim.from_neutral(ref["design"])
    run = sim.model.run(sim.model.encoder.row(design))
    bd = ref["breakdown"]
    assert run.n_phases == bd["n_phases"]
    assert int(np.sum(run.phases[:, 0] > 0)) == bd["n_nonzero_phases"]
    for ours, farsi in zip(run.phases[:, 0], bd["phase_latency_s"], strict=True):
        assert ours == pytest.approx(farsi, rel=1e-6, abs=1e-15)
    for ours, farsi in zip(run.phases[:, 1], bd["phase_energy_J"], strict=True):
        assert ours == pytest.approx(farsi, rel=1e-6, abs=1e-18)
    w = sim.workload
    for t, (start, end) in bd["task_times_s"].items():
        i = w.index[t]
        assert run.tasks[i, L.T_LAUNCH] == pytest.approx(start, rel=1e-6, abs=1e-15), t
        assert run.tasks[i, L.T_END] == pytest.approx(end, rel=1e-6, abs=1e-15), t
    n_pe = L.N_CORES + len(w.tasks)
    mem = bd["per_block"]["mem0"]
    assert run.blocks[n_pe, L.B_PEAK] == mem["peak_live_bytes"]
    assert run.blocks[n_pe, L.B_SIZE] == mem["cacti_size_bytes"]
    assert rel(run.blocks[n_pe, L.B_ENERGY], mem["energy_J"]) <= 1e-6
    pe_energy = sum(v["energy_J"] for v in bd["per_block"].values() if v["type"] == "pe")
    assert rel(run.blocks[:n_pe, L.B_ENERGY].sum(), pe_energy) <= 1e-6
    assert rel(run.blocks[:n_pe, L.B_AREA][run.blocks[:n_pe, L.B_EXISTS] > 0].sum(),
               bd["area_by_block_type_mm2"]["pe"]) <= 1e-6


# --- hand-worked task graphs (tests/data/soc_tiny) -----------------------------------------------------------

CHAIN_BASE = {"A_pe": "core0", "A_mem": "mem0", "B_pe": "core0", "B_mem": "mem0", "B_unroll": 1, "B_clock": 1,
              "B_bus": "bus0", "core0_bus": "bus0", "mem0_type": "DRAM", "mem0_width": 4, "mem0_clock": 1,
              "bus0_width": 4, "bus0_clock": 1}


def test_chain_on_one_core_by_hand():
    # souurce -400000 B-> A -200000 B-> B -100000 B-> siink; A53 1 GHz; memory and bus 4 B x 100 MHz = 4e8 B/s.
    # A: max(compute 600000 cycles = 0.6 ms, read 400000/4e8 = 1.0 ms, write 200000/4e8 = 0.5 ms) = 1.0 ms
    # B: max(0.8 ms, read 0.5 ms, write 0.25 ms) = 0.8 ms  -> latency 1.8 ms
    # memory: souurce's 400000 (never freed) + A's 200000 at A's launch + B's 100000 at B's launch = 700000 B peak
    #   -> CACTI size 768000 (DRAM row: read 3.13e-13 J/B, write 2.639e-11 J/B, area 0.06295 mm^2)
    # energy: (600000 + 800000) * 2 instructions / 47019607843 instr/J
    #   + reads (400000 + 200000) * 3.13e-13 + writes (200000 + 100000) * 2.639e-11
    sim = sim_for("chain", TINY)
    m = sim.evaluate({**sim.space.default(), **CHAIN_BASE})
    assert m["latency_s"] == pytest.approx(1.8e-3, rel=1e-12)
    energy = 2.8e6 / 47019607843 + 600000 * 3.13e-13 + 300000 * 2.639e-11
    assert m["energy_j"] == pytest.approx(energy, rel=1e-12)
    assert m["mem_bytes"] == 768000
    assert m["area_mm2"] == pytest.approx(0.65 + 0.06295, rel=1e-12)
    # phases [0, 0, 1.0 ms, 0.8 ms, 0] fit one 10 ms window: FARSI's power is the average here
    assert m["power_w"] == pytest.approx(energy / 1.8e-3, rel=1e-12)
    assert m["avg_power_w"] == pytest.approx(energy / 1.8e-3, rel=1e-12)
    assert (m["n_cores"], m["n_ips"]) == (1, 0)


def test_chain_with_an_ip_by_hand():
    # B on its IP, unroll 8, clock x6: 40000 cycles / (100 MHz * 6 * 8) = 8.333 us; its read (0.5 ms) binds.
    # IP energy per run 0.064 * 8 * 1000 fJ = 5.12e-13 J; area 0.0374 * 8 * 100000 um^2 = 0.02992 mm^2.
    # core0 still runs A: 0.65 mm^2.
    sim = sim_for("chain", TINY)
    m = sim.evaluate({**sim.space.default(), **CHAIN_BASE, "B_pe": "ip", "B_unroll": 8, "B_clock": 6})
    assert m["latency_s"] == pytest.approx(1.0e-3 + 0.5e-3, rel=1e-12)
    energy = 1.2e6 / 47019607843 + 5.12e-13 + 600000 * 3.13e-13 + 300000 * 2.639e-11
    assert m["energy_j"] == pytest.approx(energy, rel=1e-12)
    assert m["pe_area_mm2"] == pytest.approx(0.65 + 0.02992, rel=1e-12)
    # faster memory and bus (16 B x 8 = 1.28e10 B/s): A is now compute-bound (0.6 ms); B's read takes
    # 200000 / 1.28e10 = 15.625 us, its IP 8.333 us -> B = 15.625 us
    m = sim.evaluate({**sim.space.default(), **CHAIN_BASE, "B_pe": "ip", "B_unroll": 8, "B_clock": 6,
                      "mem0_width": 16, "mem0_clock": 8, "bus0_width": 16, "bus0_clock": 8})
    assert m["latency_s"] == pytest.approx(0.6e-3 + 200000 / 1.28e10, rel=1e-12)


FORKJOIN = {"F_pe": "core0", "J_pe": "core0", "X_pe": "ip", "Y_pe": "ip", "X_unroll": 1, "Y_unroll": 1,
            "X_clock": 1, "Y_clock": 1, "X_bus": "bus0", "Y_bus": "bus0", "F_mem": "mem0", "X_mem": "mem0",
            "Y_mem": "mem0", "J_mem": "mem0", "core0_bus": "bus0", "mem0_type": "DRAM", "mem0_width": 4,
            "mem0_clock": 1, "bus0_width": 128, "bus0_clock": 8}


def test_fork_join_shares_memory_by_work_units():
    # souurce -4096-> F -409600-> X, F -204800-> Y; X -2048-> J, Y -4-> J; J -1024-> siink. Memory 4e8 B/s, bus
    # 1.024e11 B/s (never binds). F (A53): writes 614400 B = 1.536 ms.
    # X and Y (IPs, 10 us of compute each) then read concurrently from the one memory. FARSI splits a memory by
    # work units: X's dice factor = floor(409600 / 1024) = 400 -> 1024 read units; Y's smallest output is 4 B and
    # floor(4 / 200) = 0, so its dice factor is 1 -> 204800 read units. Y gets 204800/205824 of 4e8 B/s and
    # finishes after 205824 / 4e8 = 0.51456 ms, while X reads 1024 B; X then reads its other 408576 B alone in
    # 1.02144 ms and ends at 1.536 + 1.536 = 3.072 ms. (An equal split would end Y at 1.024 ms.)
    # J: max(read 2052 B = 5.13 us, write 1024 B = 2.56 us, 5000 cycles = 5 us) -> latency 3.07713 ms.
    sim = sim_for("forkjoin", TINY)
    design = {**sim.space.default(), **FORKJOIN}
    m = sim.evaluate(design)
    assert m["latency_s"] == pytest.approx(3.07713e-3, rel=1e-12)
    rep = sim.detail_report(design).set_index("name")
    assert rep.loc["Y", "start_s"] == pytest.approx(1.536e-3, rel=1e-12)
    assert rep.loc["Y", "end_s"] == pytest.approx(1.536e-3 + 0.51456e-3, rel=1e-12)
    assert rep.loc["X", "end_s"] == pytest.approx(3.072e-3, rel=1e-12)
    assert rep.loc["J", "end_s"] == pytest.approx(3.07713e-3, rel=1e-12)
    # peak live bytes: souurce 4096 + F 614400 + X 2048 + Y 4 = 620548 -> CACTI 768000
    assert rep.loc["mem0", "peak_bytes"] == 620548
    assert rep.loc["mem0", "cacti_bytes"] == 768000
    reads, writes = 4096 + 409600 + 204800 + 2052, 614400 + 2048 + 4 + 1024
    assert rep.loc["mem0", "read_bytes"] == pytest.approx(reads, rel=1e-12)
    energy = (2000 + 10000) / 47019607843 + 2 * 0.064 * 500e-15 + reads * 3.13e-13 + writes * 2.639e-11
    assert m["energy_j"] == pytest.approx(energy, rel=1e-12)
    assert m["area_mm2"] == pytest.approx(0.65 + 2 * 0.0374 * 1000e-6 + 0.06295, rel=1e-12)


def test_fork_join_on_one_core_serialises_in_task_order():
    # X and Y on core0 run one after the other, X first (task-list order): X reads 409600 B alone (1.024 ms),
    # then Y 204800 B (0.512 ms): the same 3.072 ms, but Y now ends last.
    sim = sim_for("forkjoin", TINY)
    design = {**sim.space.default(), **FORKJOIN, "X_pe": "core0", "Y_pe": "core0"}
    rep = sim.detail_report(design).set_index("name")
    assert rep.loc["X", "end_s"] == pytest.approx(1.536e-3 + 1.024e-3, rel=1e-12)
    assert rep.loc["Y", "start_s"] == pytest.approx(1.536e-3 + 1.024e-3, rel=1e-12)
    assert rep.loc["Y", "wait_s"] == pytest.approx(1.024e-3, rel=1e-12)
    assert rep.loc["J", "end_s"] == pytest.approx(3.07713e-3, rel=1e-12)


def test_bridge_is_split_by_work_units():
    # X (IP) and Y (core1) sit on bus1 with mem1; F's output is in mem0 on bus0, so both read it across the
    # bridge. mem0 and bus1 are fast (128 B x 8); bus0 is 4 B x 1 = 4e8 B/s and binds. On bus0, the cluster towards
    # mem0 has one active incoming link (the bridge; core0 is idle), which FARSI splits among the kernels on it by
    # work units, as a memory: Y (204800 units) gets 204800/205824 of 4e8 B/s and ends 0.51456 ms after F (an equal
    # split would take 1.024 ms); X (1024 units) then finishes its remaining 408576 B alone, 1.536 ms after F.
    # F writes its 614400 B to mem0 over bus0: 1.536 ms. J on core0 reads X's 2048 B from mem1 across the bridge
    # and Y's 4 B from mem0: 2052 B over bus0 = 5.13 us -> latency 3.07713 ms.
    sim = sim_for("forkjoin", TINY)
    design = {**sim.space.default(), **FORKJOIN, "Y_pe": "core1", "core1_bus": "bus1", "X_bus": "bus1",
              "X_mem": "mem1", "mem1_bus": "bus1", "mem1_type": "SRAM", "mem1_width": 128, "mem1_clock": 8,
              "mem0_width": 128, "mem0_clock": 8, "bus0_width": 4, "bus0_clock": 1, "bus1_width": 128,
              "bus1_clock": 8}
    rep = sim.detail_report(design).set_index("name")
    t_f = 614400 / 4e8
    assert rep.loc["F", "end_s"] == pytest.approx(t_f, rel=1e-12)
    assert rep.loc["Y", "end_s"] == pytest.approx(t_f + 0.51456e-3, rel=1e-12)
    assert rep.loc["X", "end_s"] == pytest.approx(t_f + 1.536e-3, rel=1e-12)
    assert rep.loc["J", "end_s"] == pytest.approx(t_f + 1.536e-3 + 2052 / 4e8, rel=1e-12)
    assert rep.loc["bus1", "read_bytes"] == pytest.approx(409600 + 204800 + 2048, rel=1e-12)
    assert sim.evaluate(design)["n_cores"] == 2
    neutral = sim.to_neutral(design)
    assert ["bus1", "bus0"] in neutral["connections"]
    assert sim.evaluate(sim.from_neutral(neutral)) == sim.evaluate(design)


# --- invariants on FARSI's workloads --------------------------------------------------------------------------


def _bytes(sim, design, task):
    """(read bytes per memory, write bytes per memory) of a real task, straight from the database CSV."""
    w, stems = sim.workload, {t: t.replace("_fxp_cloned", "") for t in sim.workload.real_tasks}

    def mem_of(t):
        return 0 if "souurce" in t else int(design[f"{stems[t]}_mem"][-1])

    reads, writes = [0.0, 0.0], [0.0, 0.0]
    for p, b in w.parents(task):
        reads[mem_of(p)] += b
    for _, b in w.children(task):
        writes[mem_of(task)] += b
    return reads, writes


@pytest.mark.parametrize("workload", ["audio_decoder", "edge_detection", "hpvm_cava"])
def test_one_core_latency_is_sum_of_task_bottlenecks(workload):
    # Every task on core0 (on bus0: the only bus left after pruning): the kernels run one at a time, each to
    # completion, so latency = sum over tasks of max(compute, read bytes / bandwidth, write bytes / bandwidth)
    # for every block on the path (the bus carries all of a task's bytes, each memory its own).
    sim = sim_for(workload)
    w = sim.workload
    cycles = dict(zip(w.tasks, w.a53_cycles, strict=True))
    rng = np.random.default_rng(7)
    for d in sim.space.sample_batch(rng, 40):
        for t in w.real_tasks:
            d[f"{t.replace('_fxp_cloned', '')}_pe"] = "core0"
        d["core0_bus"] = "bus0"
        mem_bw = [d[f"mem{m}_width"] * 1e8 * d[f"mem{m}_clock"] for m in range(2)]
        bus_bw = d["bus0_width"] * 1e8 * d["bus0_clock"]
        expected = 0.0
        for t in w.real_tasks:
            reads, writes = _bytes(sim, d, t)
            expected += max(cycles[t] / 1e9, sum(reads) / bus_bw, sum(writes) / bus_bw,
                            *(reads[m] / mem_bw[m] for m in range(2)), *(writes[m] / mem_bw[m] for m in range(2)))
        m = sim.evaluate(d)
        assert m["latency_s"] == pytest.approx(expected, rel=1e-9)
        assert (m["n_cores"], m["n_ips"]) == (1, 0)


def test_chain_workload_on_ips_and_two_buses():
    # hpvm_cava is a chain, so kernels never overlap whatever the mapping. With core0 and mem0 on bus0 and mem1
    # plus the first task's IP on bus1, both buses stay (each has a PE and a memory). Each task takes
    # max(PE time, bytes / bandwidth of every block on its path): its PE's bus carries all its bytes, the far
    # bus (across the bridge) the bytes of the memory there, each memory its own.
    sim = sim_for("hpvm_cava")
    w = sim.workload
    cycles, ip = dict(zip(w.tasks, w.a53_cycles, strict=True)), dict(zip(w.tasks, w.ip_cycles, strict=True))
    first = w.real_tasks[0].replace("_fxp_cloned", "")
    for d in sim.space.sample_batch(3, 60):
        d.update({"core0_bus": "bus0", "mem1_bus": "bus1", f"{first}_pe": "ip", f"{first}_bus": "bus1",
                  f"{first}_mem": "mem1"})
        mem_bw = [d[f"mem{m}_width"] * 1e8 * d[f"mem{m}_clock"] for m in range(2)]
        bus_bw = [d[f"bus{b}_width"] * 1e8 * d[f"bus{b}_clock"] for b in range(2)]
        expected = 0.0
        for t in w.real_tasks:
            s = t.replace("_fxp_cloned", "")
            on_ip = d[f"{s}_pe"] == "ip"
            pe_time = ip[t] / (1e8 * d[f"{s}_clock"] * d[f"{s}_unroll"]) if on_ip else cycles[t] / 1e9
            bus = int(d[f"{s}_bus"][-1]) if on_ip else int(d[f"{d[f'{s}_pe']}_bus"][-1])
            times = [pe_time]
            for traffic in _bytes(sim, d, t):
                times += [traffic[m] / mem_bw[m] for m in range(2)]
                times.append(sum(traffic) / bus_bw[bus])
                times.append(traffic[1 - bus] / bus_bw[1 - bus])  # memory m sits on bus m
            expected += max(times)
        assert sim.model.run(sim.model.encoder.row(d)).n_buses == 2
        assert sim.evaluate(d)["latency_s"] == pytest.approx(expected, rel=1e-9)


def test_single_kernel_energy_is_total_work():
    # On one core every kernel runs to 100 %: PE energy = all instructions / 47019607843 instr/J, and memory m
    # moves exactly the bytes of the edges it holds.
    sim = sim_for("audio_decoder")
    w = sim.workload
    d = sim.space.sample(11)
    for t in w.real_tasks:
        d[f"{t.replace('_fxp_cloned', '')}_pe"] = "core0"
    run = sim.model.run(sim.model.encoder.row(d))
    n_pe = L.N_CORES + len(w.tasks)
    assert run.blocks[:n_pe, L.B_ENERGY].sum() == pytest.approx(2 * w.a53_cycles.sum() / 47019607843, rel=1e-12)
    reads, writes = np.zeros(2), np.zeros(2)
    for t in w.real_tasks:
        r, wr = _bytes(sim, d, t)
        reads += r
        writes += wr
    for m in range(2):
        if run.blocks[n_pe + m, L.B_EXISTS]:
            assert run.blocks[n_pe + m, L.B_READ] == pytest.approx(reads[m], rel=1e-12)
            assert run.blocks[n_pe + m, L.B_WRITE] == pytest.approx(writes[m], rel=1e-12)


def test_power_is_at_least_average_power():
    # FARSI's power is a maximum over windows that partition the run, so it is >= the run's average power
    # (energy / total simulated time), on any design.
    for workload in ("audio_decoder", "edge_detection", "hpvm_cava"):
        sim = sim_for(workload)
        table = sim.evaluate_batch(sim.space.sample_batch(5, 200))
        assert (table["power_w"] >= table["avg_power_w"] * (1 - 1e-12)).all()
        assert (table["area_mm2"] == pytest.approx(table["pe_area_mm2"] + table["mem_area_mm2"], rel=1e-12))


# --- FARSI's power windows and the CACTI table ----------------------------------------------------------------


def test_windowed_power_by_hand():
    # slice_phases_with_PWP on L = [0, 0, 4, 7, 3, 20, 1] ms: zero phases are skipped without advancing the
    # index; 7 > 10 - 4 closes window (0, 2); 20 > 10 - 3 closes (2, 4); the tail is (4, 7).
    # Window (0, 2) holds only the two zero phases (FARSI's shift); (2, 4) = (4 + 7) ms and E = 4 + 14;
    # (4, 7) = (3 + 20 + 1) ms and E = 3 + 20 + 5. Power = max(0, 18 / 0.011, 28 / 0.024).
    lengths = [0, 0, 0.004, 0.007, 0.003, 0.02, 0.001]
    energies = [0, 0, 4, 14, 3, 20, 5]
    phases = np.zeros((len(lengths), 6))
    phases[:, 0], phases[:, 1] = lengths, energies
    assert windowed_power(phases, len(lengths)) == pytest.approx(18 / 0.011, rel=1e-12)
    # no window closes: one window over everything
    phases = np.array([[0, 0], [0.001, 2.0], [0.002, 1.0]])
    phases = np.hstack([phases, np.zeros((3, 4))])
    assert windowed_power(phases, 3) == pytest.approx(3.0 / 0.003, rel=1e-12)


def test_cacti_rows_and_interpolation():
    # table rows are returned as is; between rows the rule is a power law between neighbours
    assert lookup("dram", 768000) == (3.13e-13, 2.639e-11, 0.06295)
    r, w, a = lookup("sram", 4096000)  # between 1792000 and 6656000
    t = math.log(4096000 / 1792000) / math.log(6656000 / 1792000)
    assert a == pytest.approx(0.34992019999999996 * (1.295 / 0.34992019999999996) ** t, rel=1e-12)
    assert r == pytest.approx(4.98332e-13 * (9.514e-13 / 4.98332e-13) ** t, rel=1e-12)
    # below the table: the first segment's power law, still smaller than the first row
    r, w, a = lookup("dram", 256000)
    t = math.log(256000 / 512000) / math.log(768000 / 512000)
    assert a == pytest.approx(0.05711 * (0.06295 / 0.05711) ** t, rel=1e-12)
    assert a < 0.05711 and r < 2.846e-13
