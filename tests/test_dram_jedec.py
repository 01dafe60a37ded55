"""JEDEC timing checker: replays the DRAM kernel's command log and asserts every constraint independently.

The checker is a plain-Python re-implementation of the DDR4 / LPDDR4 rules (it never calls the kernel's own
bookkeeping): bank state machine, tRCD, tRAS, tRC, tRP (incl. the implied precharge of RDA/WRA), tRTP, tWR,
tRRD_S/L, tFAW, tCCD_S/L, tWTR_S/L, RD->WR turnaround, data-bus overlap, tPPD, the command bus (one clock per
DDR4 command; LPDDR4 ACT/RD/WR four clocks and PRE/REF/SRE/SRX two, JESD209-4 encodings), refresh (tRFC, all
banks precharged, REF count within postponed/pulled-in limits, self-refresh time counted as refreshed),
power-down (tCKE, tXP, no command while powered down, entry after read data and write recovery) and
self-refresh (all banks precharged, tRP / tRFC before entry, tCKESR, tXS / tXSDLL after exit).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archgym_lite.core.errors import DesignError
from simulators.dram import CMD_NAMES, DRAMSimulator

C = {name: i for i, name in enumerate(CMD_NAMES)}
CAS = {C["RD"], C["WR"], C["RDA"], C["WRA"]}
PDE_CMDS = {C["PDEA"], C["PDEP"]}
PDX_CMDS = {C["PDXA"], C["PDXP"]}
PD_CMDS = PDE_CMDS | PDX_CMDS
LP_CMD_CLOCKS = {"ACT": 4, "RD": 4, "WR": 4, "RDA": 4, "WRA": 4, "PRE": 2, "PREA": 2, "REF": 2, "REFPB": 2,
                 "SREFEN": 2, "SREFEX": 2}
NEG = -(10**12)


class Violation(AssertionError):
    pass


def check_jedec(log: np.ndarray, dev, design: dict, n_bursts: int) -> dict[str, int]:
    """Assert JEDEC timing over a command log ``(cycle, code, bank, row)``; returns command counts."""
    order = np.argsort(log[:, 0], kind="stable")
    ev = log[order]
    nb, bpg, burst = dev.n_banks, dev.banks_per_group, dev.burst_length // 2
    open_row = [-1] * nb
    last_act = [NEG] * nb
    ready = [0] * nb            # earliest ACT/REF after the bank's last precharge (tRP / tRPab)
    closed_at = [0] * nb        # precharge (explicit or implied) time
    last_rd = [NEG] * nb
    last_wr_end = [NEG] * nb
    ref_until = [0] * nb
    acts: list[int] = []
    act_bg: list[tuple[int, int]] = []
    last_refpb = NEG
    last_cas, last_cas_bg = NEG, [NEG] * (nb // bpg)
    rank_rd, rank_wr_end, bg_wr_end = NEG, NEG, [NEG] * (nb // bpg)
    bus_end = NEG
    last_pre = NEG
    pd_on, pd_start, pd_exit_ready = False, 0, NEG
    last_cmd_t = NEG
    rd_data_end, wr_data_end = NEG, NEG
    refs: list[int] = []
    counts = dict.fromkeys(CMD_NAMES, 0)

    def fail(msg: str, t: int) -> None:
        raise Violation(f"cycle {t}: {msg}")

    def check_pre(b: int, t: int, name: str) -> None:
        if open_row[b] < 0:
            fail(f"{name} to closed bank {b}", t)
        if t < last_act[b] + dev.RAS:
            fail(f"{name} bank {b} violates tRAS", t)
        if t < last_rd[b] + dev.RTP:
            fail(f"{name} bank {b} violates tRTP", t)
        if t < last_wr_end[b] + dev.WR + dev.WR_extra:
            fail(f"{name} bank {b} violates tWR", t)

    cmd_bus_free = NEG
    sref_on, sref_start, sref_exit = False, 0, NEG
    sref_spans: list[tuple[int, int]] = []
    for t, code, b, row in ev.tolist():
        name = CMD_NAMES[code]
        counts[name] += 1
        if code in PD_CMDS:
            if code in PDX_CMDS:
                if not pd_on:
                    fail(f"{name} without PDE", t)
                if t < pd_start + dev.CKE:
                    fail("power-down shorter than tCKE", t)
                pd_on, pd_exit_ready = False, t + dev.XP
            else:
                if pd_on or sref_on:
                    fail("PDE while powered down", t)
                if t <= last_cmd_t or t <= rd_data_end or t < wr_data_end + dev.WR:
                    fail("PDE before the last command / read data / write recovery", t)
                if t < pd_exit_ready - dev.XP + dev.CKE:
                    fail("PDE within tCKE of the last power-down exit", t)
                pd_on, pd_start = True, t
            continue
        if pd_on:
            fail(f"{name} while powered down", t)
        if t < pd_exit_ready:
            fail(f"{name} violates tXP", t)
        if code == C["SREFEN"]:
            if sref_on:
                fail("SRE in self-refresh", t)
            for k in range(nb):
                if open_row[k] >= 0 or t < ready[k] or t < ref_until[k] or t < last_act[k] + dev.RC:
                    fail(f"SRE with bank {k} not precharged (tRP/tRC/tRFC)", t)
            if t <= rd_data_end or t < wr_data_end + dev.WR:
                fail("SRE before read data / write recovery", t)
            sref_on, sref_start = True, t
        elif code == C["SREFEX"]:
            if not sref_on:
                fail("SRX without SRE", t)
            if t < sref_start + dev.CKESR:
                fail("self-refresh shorter than tCKESR", t)
            sref_on, sref_exit = False, t
            sref_spans.append((sref_start, t))
        elif sref_on:
            fail(f"{name} in self-refresh", t)
        elif t < sref_exit + (dev.XS_CAS if code in CAS else dev.XS):
            fail(f"{name} violates tXS after self-refresh exit", t)
        if t < cmd_bus_free:
            fail("command bus busy (commands overlap)", t)
        cmd_bus_free = t + (LP_CMD_CLOCKS.get(name, 1) if dev.is_lpddr else 1)
        last_cmd_t = max(last_cmd_t, t)
        if code in (C["SREFEN"], C["SREFEX"]):
            continue
        g = b // bpg if b >= 0 else -1
        if code == C["ACT"]:
            if open_row[b] >= 0:
                fail(f"ACT to open bank {b}", t)
            if t < ready[b]:
                fail(f"ACT bank {b} violates tRP (precharge at {closed_at[b]})", t)
            if t < last_act[b] + dev.RC:
                fail(f"ACT bank {b} violates tRC", t)
            if t < ref_until[b]:
                fail(f"ACT bank {b} during refresh", t)
            if acts and t < acts[-1] + dev.RRD_S:
                fail("ACT violates tRRD_S", t)
            if t < last_refpb + dev.RRD_S:
                fail("ACT violates tRRD after REFpb", t)
            for tt, gg in reversed(act_bg):
                if gg == g:
                    if t < tt + dev.RRD_L:
                        fail("ACT violates tRRD_L", t)
                    break
            if len(acts) >= 4 and t < acts[-4] + dev.FAW:
                fail("ACT violates tFAW", t)
            acts.append(t)
            act_bg.append((t, g))
            open_row[b], last_act[b] = row, t
        elif code == C["PRE"]:
            check_pre(b, t, "PRE")
            if t < last_pre + dev.PPD:
                fail("PRE violates tPPD", t)
            last_pre = t
            open_row[b], closed_at[b], ready[b] = -1, t, t + dev.RP
        elif code == C["PREA"]:
            if t < last_pre + dev.PPD:
                fail("PREA violates tPPD", t)
            last_pre = t
            for k in range(nb):
                if open_row[k] >= 0:
                    check_pre(k, t, "PREA")
                    open_row[k], closed_at[k], ready[k] = -1, t, t + dev.RPab
        elif code in CAS:
            is_wr = code in (C["WR"], C["WRA"])
            if open_row[b] != row:
                fail(f"{name} to bank {b} row {row}, open row {open_row[b]}", t)
            if t < last_act[b] + dev.RCD:
                fail(f"{name} violates tRCD", t)
            if t < last_cas + dev.CCD_S:
                fail(f"{name} violates tCCD_S", t)
            if t < last_cas_bg[g] + dev.CCD_L:
                fail(f"{name} violates tCCD_L", t)
            lat = dev.WR_DATA if is_wr else dev.RD_DATA
            if is_wr:
                if t < rank_rd + dev.RTW:
                    fail("WR violates RD->WR turnaround", t)
            else:
                if t < rank_wr_end + dev.WTR_S + dev.WTR_extra:
                    fail("RD violates tWTR_S", t)
                if t < bg_wr_end[g] + dev.WTR_L + dev.WTR_extra:
                    fail("RD violates tWTR_L", t)
            if t + lat < bus_end:
                fail("data-bus overlap", t)
            bus_end, last_cas, last_cas_bg[g] = t + lat + burst, t, t
            end = t + (dev.WL if is_wr else dev.RL) + burst  # tWR / tWTR count from WL + BL/2 (JESD79-4, JESD209-4)
            if is_wr:
                rank_wr_end = bg_wr_end[g] = last_wr_end[b] = end
                wr_data_end = max(wr_data_end, end)
            else:
                rank_rd = last_rd[b] = t
                rd_data_end = max(rd_data_end, t + lat + burst)
            if code in (C["RDA"], C["WRA"]):  # JEDEC: implied precharge honours tRAS, tRTP / tWR
                tp = max(last_act[b] + dev.RAS, (end + dev.WR + dev.WR_extra) if is_wr else t + dev.RTP)
                open_row[b], closed_at[b], ready[b] = -1, tp, tp + dev.RP
        elif code == C["REF"]:
            for k in range(nb):
                if open_row[k] >= 0:
                    fail(f"REF with bank {k} open", t)
                if t < ready[k] or t < last_act[k] + dev.RC or t < ref_until[k]:
                    fail(f"REF before bank {k} is precharged (tRP/tRC/tRFC)", t)
                ref_until[k] = t + dev.RFC
            refs.append(t)
        elif code == C["REFPB"]:
            if open_row[b] >= 0 or t < ready[b] or t < last_act[b] + dev.RC or t < ref_until[b]:
                fail(f"REFpb bank {b} not precharged", t)
            if acts and t < acts[-1] + dev.RRD_S:
                fail("REFpb violates tRRD", t)
            ref_until[b] = t + dev.RFCpb
            last_refpb = t
            refs.append(t)
        else:
            fail(f"unknown command {code}", t)
    n_cas = sum(counts[k] for k in ("RD", "WR", "RDA", "WRA"))
    assert n_cas == n_bursts, f"{n_cas} column commands for {n_bursts} bursts"
    _check_refresh_count(refs, dev, design, last_cmd_t, sref_spans)
    return counts


def _check_refresh_count(refs: list[int], dev, design: dict, end: int, sref: list[tuple[int, int]]) -> None:
    """Refreshes stay within the postponed / pulled-in limits of the tREFI schedule; self-refresh time needs none
    (the device refreshes itself, and each exit is followed by one refresh)."""
    policy = design["RefreshPolicy"]
    if policy == "NoRefresh":
        assert not refs, "refresh issued with NoRefresh"
        return
    per_bank = policy == "PerBank"
    refi = dev.REFIpb if per_bank else dev.REFI
    rfc = dev.RFCpb if per_bank else dev.RFC
    scale = dev.n_banks if per_bank else 1
    maxpost, maxpull = design["RefreshMaxPostponed"] * scale, design["RefreshMaxPulledin"] * scale
    slack = 2 * rfc + 4 * dev.RC  # a forced refresh waits for open banks to close and for tRFC of the previous

    def awake(t: int) -> int:  # time before t spent outside self-refresh
        return t - sum(min(e, t) - s for s, e in sref if s < t)

    def exits(t: int) -> int:
        return sum(1 for _, e in sref if e <= t)

    refs = sorted(refs)
    for k, t in enumerate(refs):  # never more than maxpull ahead of schedule
        assert k + 1 <= awake(t) // refi + maxpull + 2 * exits(t) + 1, f"refresh {k + 1} at {t}: more than {maxpull} pulled in"
    probe = sorted(set(refs) | {end} | {s for s, _ in sref})
    for t in probe:  # never more than maxpost behind schedule
        done = int(np.searchsorted(refs, t, side="right"))
        due = (awake(t) - slack) // refi - exits(t)
        assert done >= due - maxpost - 1, f"at cycle {t}: {done} refreshes, more than {maxpost} postponed"


# --- the matrix -------------------------------------------------------------------------------------
BASE = {"PagePolicy": "Open", "Scheduler": "FrFcfs", "SchedulerBuffer": "Bankwise", "RequestBufferSize": 8,
        "RespQueue": "Fifo", "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 8, "RefreshMaxPulledin": 8,
        "PowerDownPolicy": "NoPowerDown", "Arbiter": "Simple", "MaxActiveTransactions": 128}
DESIGNS = {
    "open-frfcfs": {},
    "closed-fifo": {"PagePolicy": "Closed", "Scheduler": "Fifo"},
    "openadaptive-grp-rw": {"PagePolicy": "OpenAdaptive", "Scheduler": "FrFcfsGrp", "SchedulerBuffer": "ReadWrite"},
    "closedadaptive-shared-reorder": {"PagePolicy": "ClosedAdaptive", "SchedulerBuffer": "Shared",
                                      "RespQueue": "Reorder", "Arbiter": "Reorder", "MaxActiveTransactions": 4},
    "perbank-pd-postpone1": {"RefreshPolicy": "PerBank", "PowerDownPolicy": "Staggered",
                             "RefreshMaxPostponed": 1, "RefreshMaxPulledin": 2},  # LPDDR4 only
    "pd-postpone1-pull4": {"PowerDownPolicy": "Staggered", "RefreshMaxPostponed": 1, "RefreshMaxPulledin": 4},
    "closed-pd-buf1": {"PagePolicy": "Closed", "PowerDownPolicy": "Staggered", "RequestBufferSize": 1,
                       "Arbiter": "Fifo", "MaxActiveTransactions": 1},
    "norefresh-pd-grp": {"RefreshPolicy": "NoRefresh", "PowerDownPolicy": "Staggered", "Scheduler": "FrFcfsGrp",
                         "PagePolicy": "OpenAdaptive"},
}
TRACES = {
    "stream": {"write_frac": 0.2},
    "random": {"gap": 4},
    "strided": {"write_frac": 0.3},
    "cloud": {},
    "sparse": {},
}
N_REQ = {"stream": 3000, "random": 4000, "strided": 1500, "cloud": 2500, "sparse": 500}
_SIMS: dict[tuple[str, str], DRAMSimulator] = {}


def sim_for(trace: str, device: str) -> DRAMSimulator:
    key = (trace, device)
    if key not in _SIMS:
        _SIMS[key] = DRAMSimulator(trace, device, n_requests=N_REQ[trace], trace_seed=1, **TRACES[trace])
    return _SIMS[key]


def run_checked(sim: DRAMSimulator, design: dict) -> dict[str, int]:
    d = sim.space.validate(design)
    log = sim.command_log(d)
    return check_jedec(log, sim.device, d, sim.prepared.n_transactions)


@pytest.mark.parametrize("device", ["DDR4-2400", "LPDDR4-3200"])
@pytest.mark.parametrize("trace", list(TRACES))
@pytest.mark.parametrize("dname", list(DESIGNS))
def test_jedec_timing_holds(trace, device, dname):
    sim = sim_for(trace, device)
    design = {**BASE, **DESIGNS[dname]}
    if design["RefreshPolicy"] == "PerBank" and not sim.device.has_per_bank_refresh:
        with pytest.raises(DesignError, match=r"RefreshPolicy.*'AllBank'"):
            sim.space.validate(design)
        return
    counts = run_checked(sim, design)
    if "Staggered" in DESIGNS[dname].values() and trace == "sparse":
        assert counts["PDXA"] + counts["PDXP"] > 0, "sparse trace should power down"
        assert counts["SREFEN"] == counts["SREFEX"]


@pytest.mark.parametrize("device", ["DDR4-2400", "LPDDR4-3200"])
def test_refresh_issued_on_long_traces(device):
    sim = sim_for("sparse", device)
    span = int(sim.prepared.req_arr[-1])
    counts = run_checked(sim, BASE)
    assert counts["REF"] >= span // sim.device.REFI - 8
    if sim.device.has_per_bank_refresh:  # one REFpb per tREFIpb = tREFI / 8
        counts_pb = run_checked(sim, {**BASE, "RefreshPolicy": "PerBank"})
        assert counts_pb["REFPB"] >= span // sim.device.REFIpb - 8 * sim.device.n_banks


def test_busy_trace_forces_postponed_refresh():
    sim = sim_for("random", "DDR4-2400")
    counts = run_checked(sim, {**BASE, "RefreshMaxPostponed": 1})
    assert counts["REF"] >= 1


def test_unaligned_and_multiburst_requests_complete_and_hold_timing(tmp_path):
    p = tmp_path / "odd.stl"
    lines = ["0: (200) read 0x1f", "0: (1) write 0x3", "1: (64) read 0x20", "1: (4096) write 0x100000",
             "5: (65) read 0x7ffffff0", "9: read 0x0", "9: (128) write 0xc0000000"]
    p.write_text("\n".join(lines) + "\n")
    for dev in ("DDR4-2400", "LPDDR4-3200"):
        for dname in ("open-frfcfs", "closed-pd-buf1", "closedadaptive-shared-reorder"):
            sim = DRAMSimulator(str(p), dev)
            run_checked(sim, {**BASE, **DESIGNS[dname]})
            assert sim.prepared.n_transactions > len(lines)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**31 - 1), st.sampled_from(["DDR4-2400", "LPDDR4-3200"]),
       st.sampled_from(list(TRACES)))
def test_jedec_random_designs(seed, device, trace):
    sim = sim_for(trace, device)
    run_checked(sim, sim.space.sample(seed))


REGRESSIONS = [  # designs on which earlier kernel versions broke JEDEC timing (found by the checker)
    ("random", "DDR4-2400", {"PagePolicy": "OpenAdaptive", "SchedulerBuffer": "ReadWrite", "RequestBufferSize": 32,
                             "RespQueue": "Reorder", "RefreshMaxPostponed": 2, "RefreshMaxPulledin": 1,
                             "Arbiter": "Reorder", "MaxActiveTransactions": 32}),  # PREA before a planned RDA
    ("sparse", "LPDDR4-3200", {"PagePolicy": "OpenAdaptive", "Scheduler": "Fifo", "RequestBufferSize": 1,
                               "RefreshPolicy": "PerBank", "RefreshMaxPostponed": 1, "RefreshMaxPulledin": 2,
                               "PowerDownPolicy": "Staggered", "Arbiter": "Fifo", "MaxActiveTransactions": 16}),
    # ^ a refresh's power-down exit not honoured (tXP) by the next request
]


@pytest.mark.parametrize("trace,device,design", REGRESSIONS)
def test_jedec_regressions(trace, device, design):
    run_checked(sim_for(trace, device), {**BASE, **design})


def test_checker_catches_violations():
    """The checker is not vacuous: corrupt a valid log and it must object."""
    sim = sim_for("random", "DDR4-2400")
    d = sim.space.validate({**BASE, "PagePolicy": "Closed"})
    log = sim.command_log(d)
    acts = np.nonzero(log[:, 1] == C["ACT"])[0]
    bad = log.copy()
    bad[acts[5], 0] -= 3  # pull an ACT 3 cycles earlier
    with pytest.raises(Violation):
        check_jedec(bad, sim.device, d, sim.prepared.n_transactions)
    # DRAMSys's lenient rule: re-activate tRTP + tRP after RDA, ignoring tRAS/tRC
    rda = np.nonzero(log[:, 1] == C["RDA"])[0][10]
    bank = log[rda, 2]
    later = np.nonzero((log[:, 1] == C["ACT"]) & (log[:, 2] == bank) & (log[:, 0] > log[rda, 0]))[0][0]
    bad2 = log.copy()
    bad2[later, 0] = log[rda, 0] + sim.device.RTP + sim.device.RP
    with pytest.raises(Violation):
        check_jedec(bad2, sim.device, d, sim.prepared.n_transactions)
