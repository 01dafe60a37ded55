"""DRAM simulator: hand-computed latencies and energies (shared README numbers), DRAMSys trends, loaders,
DRAMSys config readers, the env. Expected values come from the datasheet numbers, never from the code's output."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from archgym_lite.core.errors import SpecError, TraceError
from simulators.dram import (
    CMD_NAMES,
    DRAMSimulator,
    get_device,
    get_mapping,
    knob_space,
    load_memspec,
    load_stl,
    load_trace,
    make_env,
    read_mcconfig,
)
from simulators.dram.energy import command_energies_nj
from simulators.dram.traces import Trace

# a real DRAMSys example trace (1,876 requests), copied from the project's shared reference data
STL = Path(__file__).resolve().parent / "data" / "ddr3_example.stl"
BASE = {"PagePolicy": "Open", "Scheduler": "FrFcfs", "SchedulerBuffer": "Bankwise", "RequestBufferSize": 8,
        "RespQueue": "Fifo", "RefreshPolicy": "NoRefresh", "RefreshMaxPostponed": 8, "RefreshMaxPulledin": 8,
        "PowerDownPolicy": "NoPowerDown", "Arbiter": "Simple", "MaxActiveTransactions": 128}
TCK_DDR4 = 0.833  # ns (DRAMSys's JEDEC DDR4-2400 memspec: 833 ps)
#: Clocks from a read command to its last data beat: DDR4 RL + BL/2; LPDDR4 RL + tDQSCK (3.5 ns = 6 clocks) + 3
#: (RL counts from the last of the four clocks of RD-1/CAS-2, JESD209-4) + BL/2.
RD_TO_END = {"DDR4-2400": 16 + 4, "LPDDR4-3200": 28 + 6 + 3 + 8}


def lat_ns(arrival_ns: float, clocks: int, tck: float) -> float:
    """Latency of a request that reaches an idle controller: the arrival rounds up to a clock edge, the request
    enters the scheduler one clock later (DRAMSys ThinkDelayFw), then ``clocks`` clocks to the last data beat."""
    return (math.ceil(arrival_ns / tck - 1e-9) + 1 + clocks) * tck - arrival_ns


def _trace(cycles, writes, addrs, sizes=None) -> Trace:
    n = len(cycles)
    return Trace(np.array(cycles, dtype=np.int64), np.array(writes, dtype=bool), np.array(addrs, dtype=np.uint64),
                 np.array(sizes or [64] * n, dtype=np.int64), 800.0, "hand")


# DDR4 default mapping: column bits 3-12, row bits 13-27, bank group 28-29, bank 30-31.
ROW_A, ROW_B, COL = 0, 1 << 13, 1 << 6
# 1600 player cycles = 2000 ns = 2400 DDR4 clocks (idle gaps far longer than any latency)
HAND = _trace([0, 1600, 3200], [False] * 3, [ROW_A, ROW_A + COL, ROW_B])


@pytest.mark.parametrize("device,tck", [("DDR4-2400", TCK_DDR4), ("LPDDR4-3200", 0.625)])
def test_single_request_latencies_open_page(device, tck):
    dev = get_device(device)
    one_burst = [dev.bytes_per_burst] * 3  # LPDDR4: a 64 B request would be two 32 B bursts
    sim = DRAMSimulator(_trace([0, 1600, 3200], [False] * 3, [ROW_A, ROW_A + COL, ROW_B], one_burst), device)
    lat = sim.run(sim.space.validate(BASE)).latency_ns
    end = RD_TO_END[device]
    miss = lat_ns(0, dev.RCD + end, tck)
    hit = lat_ns(2000, end, tck)
    conflict = lat_ns(4000, dev.RP + dev.RCD + end, tck)
    assert lat == pytest.approx([miss, hit, conflict], rel=1e-9)
    if device == "DDR4-2400":  # shared README: open-page row miss ~43 ns, closed page ~30 ns
        assert lat[2] == pytest.approx(43.3, abs=1.0)
        assert lat[0] == pytest.approx(30.0, abs=1.0)


def test_single_request_latencies_closed_page_and_power_down():
    sim = DRAMSimulator(HAND, "DDR4-2400")
    arrivals = [0, 2000, 4000]
    closed = sim.run(sim.space.validate({**BASE, "PagePolicy": "Closed"})).latency_ns
    assert closed == pytest.approx([lat_ns(a, 16 + 16 + 4, TCK_DDR4) for a in arrivals])  # ACT, RDA: all misses
    pd = sim.run(sim.space.validate({**BASE, "PowerDownPolicy": "Staggered"})).latency_ns
    xp = 8  # DDR4-2400 tXP = max(4 nCK, 6 ns) = 8 clocks
    assert pd[0] == pytest.approx(lat_ns(0, 36, TCK_DDR4))  # first request: not yet powered down
    assert pd[1] == pytest.approx(lat_ns(2000, xp + 16 + 4, TCK_DDR4))  # row still open: active power-down + tXP
    assert pd[2] == pytest.approx(lat_ns(4000, xp + 16 + 16 + 16 + 4, TCK_DDR4))


def test_self_refresh_after_refresh_on_idle_rank():
    """Staggered power-down (DRAMSys): the due refresh at tREFI wakes the idle rank, RefreshMaxPulledin more are
    pulled in back to back while idle, the rank powers down; the next due refresh wakes it into self-refresh. The
    next request waits for SRX, tXS, one refresh (tRFC) and the activate."""
    sim = DRAMSimulator(_trace([0, 16000], [False] * 2, [ROW_A, ROW_B]), "DDR4-2400")  # 0 and 20 us
    design = {**BASE, "RefreshPolicy": "AllBank", "PowerDownPolicy": "Staggered", "RefreshMaxPulledin": 4}
    res = sim.run(sim.space.validate(design))
    log = sim.command_log(design)
    refi, rfc, xs, xp = 9360, 312, 324, 8  # DDR4-2400: tREFI 7.8 us, tRFC1 260 ns, tXS = tRFC1 + 10 ns, tXP
    refs = log[log[:, 1] == CMD_NAMES.index("REF"), 0]
    first = refs[0]
    assert list(refs[:5]) == [first + k * rfc for k in range(5)]  # 1 due + 4 pulled in, back to back
    sre = log[log[:, 1] == CMD_NAMES.index("SREFEN"), 0]
    assert list(sre) == [2 * refi + xp]  # the next due refresh exits power-down (PDXP) into self-refresh
    arrival_clk = math.ceil(20000 / TCK_DDR4)
    assert res.state_cycles["self_refresh"] == arrival_clk + 1 - (2 * refi + xp)
    assert res.latency_ns[1] == pytest.approx(lat_ns(20000, xs + rfc + 16 + 16 + 4, TCK_DDR4))


def test_per_command_energies_match_shared_numbers():
    e = command_energies_nj(get_device("DDR4-2400"))
    assert e["ACT"] + e["PRE"] == pytest.approx(1.48, rel=0.01)
    assert e["RD"] == pytest.approx(0.56, rel=0.01)
    assert e["WR"] == pytest.approx(0.50, rel=0.01)
    assert e["REF"] == pytest.approx(23.2, rel=0.01)
    # the VPP share of an activate: IPP0 * VPP * tRC
    vpp = 4.05e-3 * 2.5 * 55 * TCK_DDR4
    assert vpp == pytest.approx(0.46, rel=0.01)


def test_single_request_energy_by_hand():
    sim = DRAMSimulator(_trace([0], [False], [0]), "DDR4-2400")
    res = sim.run(sim.space.validate({**BASE, "PagePolicy": "Closed"}))
    # ACT at 1 (one clock to enter the scheduler), RDA at 17 (tRCD); auto-precharge at max(17 + tRTP, 1 + tRAS) = 40:
    # bank active [1, 40), precharged [0, 1)
    background = (44e-3 * 39 + 38.25e-3 * 1) * 1.2 * TCK_DDR4  # IDD3N / IDD2N * VDD * time, per device
    expected = 8 * (1.48 + 0.56 + background)  # 8 x8 devices
    assert res.metrics["energy_nj"] == pytest.approx(expected, rel=0.01)
    assert res.counts["ACT"] == 1 and res.counts["RDA"] == 1 and res.counts["precharges"] == 1


# --- DRAMSys trends (shared README, section 3) ----------------------------------------------------------
@pytest.fixture(scope="module")
def stream_sim():
    return DRAMSimulator("stream", n_requests=4000)


def test_stream_open_much_faster_than_closed(stream_sim):
    sp = stream_sim.space
    op = stream_sim.evaluate({**BASE, "RefreshPolicy": "AllBank"})
    cl = stream_sim.evaluate({**BASE, "RefreshPolicy": "AllBank", "PagePolicy": "Closed"})
    assert cl["sim_time_ns"] > 3 * op["sim_time_ns"]
    assert 40 < op["bandwidth_pct_peak"] < 80  # DRAMSys: ~60 % of peak
    assert op["row_hit_rate"] > 0.95 and cl["row_hit_rate"] == 0
    assert sp is stream_sim.space


def test_request_buffer_one_much_slower_on_random():
    sim = DRAMSimulator("random", n_requests=3000)
    big = sim.evaluate({**BASE, "SchedulerBuffer": "Shared", "RequestBufferSize": 8})
    one = sim.evaluate({**BASE, "SchedulerBuffer": "Shared", "RequestBufferSize": 1})
    assert one["sim_time_ns"] > 2 * big["sim_time_ns"]


def test_power_down_cuts_power_on_sparse_trace():
    sim = DRAMSimulator("sparse", n_requests=400)
    on = sim.evaluate({**BASE, "RefreshPolicy": "AllBank", "PowerDownPolicy": "Staggered"})
    off = sim.evaluate({**BASE, "RefreshPolicy": "AllBank"})
    assert on["power_mw"] < 0.8 * off["power_mw"]  # DRAMSys: ~40 % less
    assert on["avg_read_latency_ns"] > off["avg_read_latency_ns"]  # paid in latency (tXP)


def test_no_refresh_slightly_faster():
    sim = DRAMSimulator("random", n_requests=4000)
    ref = sim.evaluate({**BASE, "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 1})
    noref = sim.evaluate(BASE)
    assert noref["sim_time_ns"] < ref["sim_time_ns"] < 1.15 * noref["sim_time_ns"]
    assert noref["energy_nj"] < ref["energy_nj"]


def test_closed_not_faster_than_open_on_random_under_jedec():
    """DRAMSys's lenient RDA rule makes closed look ~20 % faster; under JEDEC it must not."""
    sim = DRAMSimulator("random", n_requests=3000)
    op = sim.evaluate({**BASE, "RefreshPolicy": "AllBank"})
    cl = sim.evaluate({**BASE, "RefreshPolicy": "AllBank", "PagePolicy": "Closed"})
    assert cl["sim_time_ns"] > 0.95 * op["sim_time_ns"]


def test_single_and_batch_identical_and_deterministic():
    sim = DRAMSimulator("cloud", n_requests=800)
    designs = sim.space.sample_batch(3, 6)
    batch = sim.evaluate_batch(designs)
    for i, d in enumerate(designs):
        single = sim.evaluate(d)
        for k, v in single.items():
            assert batch[k][i] == v
    again = DRAMSimulator("cloud", n_requests=800).evaluate_batch(designs)
    for k in batch:
        np.testing.assert_array_equal(batch[k], again[k])


def test_threaded_batch_identical_to_single():
    designs = knob_space(get_device("DDR4-2400")).sample_batch(5, 24)
    for trace in ("cloud", "sparse"):
        sim = DRAMSimulator(trace, n_requests=600, max_workers=2)
        batch = sim.evaluate_batch(designs)
        for i, d in enumerate(designs):
            assert {k: batch[k][i] for k in batch} == sim.evaluate(d)
    with pytest.raises(SpecError, match="max_workers"):
        DRAMSimulator("cloud", n_requests=10, max_workers=0)


def test_reused_workspace_matches_fresh_runs():
    """A simulator keeps the kernel's memory between runs; every run must equal one on a fresh simulator, and a
    returned result must not change when later runs reuse that memory (also after a pickle round trip)."""
    import pickle

    sim = DRAMSimulator("cloud", "LPDDR4-3200", n_requests=500, allow_no_refresh=True)
    designs = sim.space.sample_batch(11, 6)
    kept = [sim.run(sim.space.validate(d), log=bool(i % 2)) for i, d in enumerate(designs)]
    twin = pickle.loads(pickle.dumps(sim))
    for i, d in enumerate(designs):
        fresh = DRAMSimulator("cloud", "LPDDR4-3200", n_requests=500, allow_no_refresh=True)
        ref = fresh.run(fresh.space.validate(d), log=bool(i % 2))
        assert kept[i].metrics == ref.metrics == twin.evaluate(d) == sim.evaluate(d)
        assert kept[i].counts == ref.counts and kept[i].state_cycles == ref.state_cycles
        for name in ("latency_ns", "log", "data_end", "ctrl_latency_ns"):
            np.testing.assert_array_equal(getattr(kept[i], name), getattr(ref, name))


@pytest.mark.parametrize("n", [1, 2, 3, 50, 99, 100, 101, 137, 1000, 7001])
def test_percentile_is_numpys(n):
    from simulators.dram import controller as K

    rng = np.random.default_rng(n)
    for x in (rng.random(n) * 1e3, np.round(rng.random(n) * 20) * 0.833, np.full(n, 3.3)):
        before = x.copy()
        for q in (50, 90, 99, 99.9):
            assert K.percentile(x, K.percentile_plan(n, q)) == np.percentile(x, q)
        np.testing.assert_array_equal(x, before)


def test_kernel_rerun_when_output_buffers_too_small():
    from simulators.dram import controller as K

    sim = DRAMSimulator("sparse", "LPDDR4-3200", n_requests=300)
    for d in sim.space.sample_batch(1, 8):
        args = sim.kernel_args(sim.space.validate(d), log=True)
        full = K.simulate(*args)
        tiny = K.simulate(*args, 1)  # both buffers overflow, re-run
        assert len(full[3]) > 1 and len(full[4]) > 1
        for a, b in zip(full, tiny, strict=True):
            np.testing.assert_array_equal(a, b)


def test_kernel_vectors_sit_on_cache_lines():
    """Every 8-word row the kernel loads or stores as vectors (rule rows D, the earliest-time rows BNEXT / GNEXT / RNEXT,
    the rank keys RK, the command lengths CL) starts on a 64-byte boundary: rows of 16 words, segments on 8 words,
    M itself on 64 bytes. (A vector across a page boundary made whole runs 15-25% slower.)"""
    from simulators.dram import controller as K
    from simulators.dram import layout as L

    assert L.ROW % 8 == 0 and L.ROW >= len(CMD_NAMES)
    for name in ("CL", "D", "RK", "BNEXT", "GNEXT", "RNEXT"):
        assert getattr(L, f"O_{name}") % 8 == 0, name
    sim = DRAMSimulator("random", "LPDDR4-3200", n_requests=50)
    for cap in (1, 2, 3, 1000):  # several allocations of different sizes
        ws = K.Workspace(*sim.kernel_args({}, inputs_only=True), 0, cap)
        assert ws.M.ctypes.data % 64 == 0


def test_trace_longer_than_the_command_keys_can_time_is_an_error():
    """The command choice packs (time, request id, bank, command) into int64 keys below 2**60. Two requests take
    2 id bits, bank and command 8 more, so a run must end before 2**(60 - 10) clocks (less a 2**24 margin)."""
    from simulators.dram.layout import key_time_limit

    limit = 2**50 - 2**24
    assert key_time_limit(2) == limit
    assert key_time_limit(10_000) == 2**(60 - 14 - 8) - 2**24  # 10,002 ids need 14 bits
    per_clock = TCK_DDR4 / 1.25  # player cycles (800 MHz: 1.25 ns) per DDR4 clock
    beyond = int(limit * per_clock) + 10**6
    sim = DRAMSimulator(_trace([0, beyond], [False] * 2, [ROW_A, ROW_B]), "DDR4-2400")
    with pytest.raises(TraceError, match="trace: 2 requests spanning more than .* split the trace"):
        sim.evaluate(BASE)
    within = beyond // 2  # the same two requests, the second at half that time: a row conflict on an idle bank
    sim = DRAMSimulator(_trace([0, within], [False] * 2, [ROW_A, ROW_B]), "DDR4-2400")
    dev = get_device("DDR4-2400")
    lat = sim.run(sim.space.validate(BASE)).latency_ns
    assert lat[1] == pytest.approx(lat_ns(within * 1.25, dev.RP + dev.RCD + RD_TO_END["DDR4-2400"], TCK_DDR4),
                                   abs=0.1)  # (arrival ~1e14 ns: float64 resolution ~0.03 ns)


def test_every_knob_changes_something_somewhere():
    sims = [DRAMSimulator(t, n_requests=n, **kw) for t, n, kw in
            [("cloud", 1500, {}), ("random", 6000, {"gap": 4}), ("sparse", 1500, {}), ("sparse", 1500, {"gap": 2000})]]
    base = {**BASE, "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 2, "RefreshMaxPulledin": 1,
            "Arbiter": "Fifo", "MaxActiveTransactions": 16, "RequestBufferSize": 4}
    space = sims[0].space
    for p in space.params:
        changed = False
        for sim in sims:
            ref = sim.evaluate(base)
            for v in p.levels:
                m = sim.evaluate({**base, p.name: v})
                if any(m[k] != ref[k] for k in m):
                    changed = True
                    break
            if changed:
                break
        assert changed, f"knob {p.name} never changes any metric"


def test_detail_report_sums_to_energy():
    sim = DRAMSimulator("cloud", n_requests=500)
    df = sim.detail_report({**BASE, "RefreshPolicy": "AllBank", "PowerDownPolicy": "Staggered"})
    total = df.loc[df.kind.isin(["command", "state"]), "energy_nj"].sum()
    assert total == pytest.approx(sim.evaluate({**BASE, "RefreshPolicy": "AllBank",
                                                "PowerDownPolicy": "Staggered"})["energy_nj"])
    assert {"ACT", "RD", "act_standby", "pre_powerdown"} <= set(df.component)


# --- traces ---------------------------------------------------------------------------------------------
def test_load_real_dramsys_trace():
    t = load_stl(STL)
    assert len(t) == 1876
    assert t.is_write.any() and (~t.is_write).any()
    assert t.cycle[0] == 0 and t.addr[1] == 0x80
    sim = DRAMSimulator(str(STL))
    assert sim.evaluate(sim.space.default())["sim_time_ns"] > 0


def test_stl_features(tmp_path):
    p = tmp_path / "t.stl"
    p.write_text("# comment\n0:\t(16) write\t0x0\t0xff00\n\n31: read 0x400140\n40:\tREAD\t400180\n")
    t = load_trace(p)
    assert list(t.size) == [16, 64, 64] and list(t.is_write) == [True, False, False]
    assert list(t.addr) == [0, 0x400140, 0x400180]
    p.write_text("5: read 0x0\n3: read 0x40\n9: write 0x80\n")  # past-due requests go out at once, in order
    assert list(load_trace(p).cycle) == [5, 5, 9]


@pytest.mark.parametrize("body,line", [
    ("0: read 0x0\n1: fetch 0x40\n", 2),
    ("0: read 0x0\n\n# c\nxyz\n", 4),
    ("0: read 0x0\n5: read 0xZZ\n", 2),
    ("0: (0) read 0x0\n", 1),
])
def test_stl_errors_name_file_and_line(tmp_path, body, line):
    p = tmp_path / "bad.stl"
    p.write_text(body)
    with pytest.raises(TraceError, match=rf"bad\.stl:{line}:"):
        load_trace(p)


def test_dramsim3_loader(tmp_path):
    p = tmp_path / "t.trace"
    p.write_text("0x1000 READ 0\n0x2040 WRITE 10\n")
    t = load_trace(p)
    assert t.clock_mhz is None and list(t.is_write) == [False, True] and list(t.addr) == [0x1000, 0x2040]
    p.write_text("0x1000 READ 0\n0x2040 WRITE\n")
    with pytest.raises(TraceError, match=r"t\.trace:2:"):
        load_trace(p)
    empty = tmp_path / "e.stl"
    empty.write_text("# nothing\n")
    with pytest.raises(TraceError, match="no requests"):
        load_trace(empty)


def test_unknown_names_list_allowed_values():
    with pytest.raises(SpecError, match="stream"):
        DRAMSimulator("nope")
    with pytest.raises(SpecError, match="DDR4-2400"):
        DRAMSimulator("cloud", "DDR9")
    with pytest.raises(SpecError, match="bank_interleaved"):
        DRAMSimulator("cloud", mapping="diagonal")
    with pytest.raises(SpecError, match="energy"):
        make_env(objective="speed")


# --- DRAMSys configs ------------------------------------------------------------------------------------
def test_default_mapping_is_dramsys_ddr4_example():
    m = get_mapping(None, get_device("DDR4-2400"))
    assert m.byte == (0, 1, 2) and m.column == tuple(range(3, 13)) and m.row == tuple(range(13, 28))
    assert m.bankgroup == (28, 29) and m.bank == (30, 31)
    # bank-interleaved: a stream touches every bank
    sim = DRAMSimulator("stream", n_requests=64, mapping="bank_interleaved")
    assert len(set(sim.prepared.bank.tolist())) == 16
    with pytest.raises(SpecError, match="ROW_BIT"):
        get_mapping({"BYTE_BIT": [0, 1, 2], "COLUMN_BIT": list(range(3, 13)), "ROW_BIT": [13],
                     "BANKGROUP_BIT": [28, 29], "BANK_BIT": [30, 31]}, get_device("DDR4-2400"))


def test_memspec_reader_old_units_and_errors(tmp_path):
    ref = get_device("DDR4-2400")
    data = json.loads((Path(__file__).resolve().parents[1] / "simulators/dram/data/DDR4-2400.json").read_text())
    ms = data["memspec"]
    ms["mempowerspec"] = {k: (v * 1e3 if k.startswith(("idd", "ipp")) else v) for k, v in ms["mempowerspec"].items()}
    p = tmp_path / "ms.json"
    p.write_text(json.dumps(data))
    dev = load_memspec(p)
    assert (dev.RCD, dev.RC, dev.FAW, dev.RFC, dev.REFI) == (16, 55, 26, 312, 9360)
    assert command_energies_nj(dev) == pytest.approx(command_energies_nj(ref))
    assert dev.peak_gbps == pytest.approx(19.2, rel=1e-3) and dev.bytes_per_burst == 64
    del ms["memtimingspec"]["RCD"]
    p.write_text(json.dumps(data))
    with pytest.raises(SpecError, match="RCD"):
        load_memspec(p)
    lp = get_device("LPDDR4-3200")
    assert lp.peak_gbps == pytest.approx(6.4) and lp.bytes_per_burst == 32 and lp.has_per_bank_refresh


def test_mcconfig_reader(tmp_path):
    p = tmp_path / "mc.json"
    p.write_text(json.dumps({"mcconfig": {"PagePolicy": "Closed", "Scheduler": "FrFcfsGrp", "RequestBufferSize": 32,
                                          "RefreshPolicy": "Rankwise", "CmdMux": "Oldest", "Arbiter": "Reorder"}}))
    d = read_mcconfig(p)
    assert d["PagePolicy"] == "Closed" and d["RefreshPolicy"] == "AllBank" and d["RequestBufferSize"] == 32
    assert DRAMSimulator("cloud", n_requests=100).evaluate(d)["sim_time_ns"] > 0
    with pytest.raises(SpecError, match=r"RefreshMaxPostponed.*allowed"):
        read_mcconfig({"RefreshMaxPostponed": 0})


# --- env ------------------------------------------------------------------------------------------------
def test_env_check_and_objectives():
    from gymnasium.utils.env_checker import check_env

    import archgym_lite

    env = archgym_lite.make("archgym/DRAM-v0", n_requests=300)
    check_env(env.unwrapped, skip_render_check=True)
    env2 = make_env(n_requests=200, objective="energy", device="LPDDR4-3200")
    env2.reset(seed=0)
    obs, reward, term, trunc, info = env2.step(env2.action_space.sample())
    assert np.isfinite(reward) and obs.shape == env2.observation_space.shape


def test_proxy_queue_features_by_hand():
    from simulators.dram.features import queue_features

    cols = {"RequestBufferSize": np.array([8, 8, 8, 4]), "SchedulerBuffer": np.array(["Bankwise", "ReadWrite", "Shared", "Bankwise"], dtype=object),
            "Arbiter": np.array(["Simple", "Fifo", "Reorder", "Fifo"], dtype=object), "MaxActiveTransactions": np.array([2, 2, 32, 16])}
    f = queue_features(cols, n_banks=16)
    # slots: 16*8=128, 2*8=16, 8, 16*4=64; limit: 128 (Simple ignores MAT), min(16,2)=2, min(8,32)=8, min(64,16)=16
    assert f["log2_buffer_slots"].tolist() == [7.0, 4.0, 3.0, 6.0]
    assert f["log2_inflight_limit"].tolist() == [7.0, 1.0, 3.0, 4.0]


def test_row_chains_by_hand_and_against_a_dict():
    from simulators.dram.layout import _row_chains

    # (bank, row) per transaction: 0:(0,5) 1:(1,5) 2:(0,5) 3:(0,7) 4:(1,5) 5:(0,5); next of each in trace order,
    # 6 (= the count) at a chain's end.
    bank = np.array([0, 1, 0, 0, 1, 0])
    row = np.array([5, 5, 5, 7, 5, 5])
    assert _row_chains(bank, row).tolist() == [2, 4, 5, 6, 6, 6]
    rng = np.random.default_rng(1)
    for n, n_rows in ((1, 3), (1024, 4), (4096, 1 << 20), (3000, 50)):  # n a power of two filled the hash table
        bank, row = rng.integers(0, 16, n), rng.integers(0, n_rows, n)
        want, last = np.full(n, n), {}
        for j, key in enumerate(zip(bank.tolist(), row.tolist(), strict=True)):
            if key in last:
                want[last[key]] = j
            last[key] = j
        assert np.array_equal(_row_chains(bank, row), want)
