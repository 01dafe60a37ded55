"""DRAM proxy features (simulators/dram/features.py): hand-worked values per feature, and the inertness rules they
encode checked on the real simulator (a knob the features call inert must not change any metric)."""

import numpy as np

import archgym_lite
from simulators.dram.features import effective_knobs, proxy_features

# Six designs, one row each; the comments below work every feature out from these knobs by hand.
COLS = {
    "PagePolicy": np.array(["Open", "OpenAdaptive", "Closed", "ClosedAdaptive", "Open", "ClosedAdaptive"],
                           dtype=object),
    "Scheduler": np.array(["FrFcfs", "FrFcfsGrp", "FrFcfs", "Fifo", "FrFcfsGrp", "FrFcfs"], dtype=object),
    "SchedulerBuffer": np.array(["Shared", "ReadWrite", "Bankwise", "Shared", "ReadWrite", "Shared"], dtype=object),
    "RequestBufferSize": np.array([1, 8, 8, 4, 16, 32]),
    "RespQueue": np.array(["Reorder", "Reorder", "Fifo", "Fifo", "Fifo", "Reorder"], dtype=object),
    "Arbiter": np.array(["Simple", "Fifo", "Reorder", "Fifo", "Simple", "Fifo"], dtype=object),
    "MaxActiveTransactions": np.array([64, 1, 4, 16, 2, 64]),
}


def test_serial_designs_by_hand():
    f = effective_knobs(COLS)
    # 0: one slot per buffer -> serial; 1: Fifo arbiter with one outstanding transaction -> serial;
    # 2..5: more than one slot and (Simple, or a limit > 1) -> not serial (row 4's limit 2 is ignored by Simple)
    assert f["serial"].tolist() == [1.0, 1.0, 0.0, 0.0, 0.0, 0.0]


def test_scheduler_choice_by_hand():
    f = effective_knobs(COLS)
    # rows 0, 1 serial -> 0 whatever the scheduler; 2 FrFcfs under Closed (no row hits) -> 0; 3 Fifo -> 0;
    # 4 FrFcfsGrp -> 2; 5 FrFcfs under ClosedAdaptive (rows may stay open) -> 1
    assert f["scheduler_choice"].tolist() == [0.0, 0.0, 0.0, 0.0, 2.0, 1.0]


def test_in_order_responses_by_hand():
    f = effective_knobs(COLS)
    # 0, 1 serial -> 1; 2 Arbiter Reorder -> 1; 3 Fifo arbiter, RespQueue Fifo -> 0; 4 Simple, RespQueue Fifo -> 0;
    # 5 RespQueue Reorder -> 1
    assert f["in_order_responses"].tolist() == [1.0, 1.0, 1.0, 0.0, 0.0, 1.0]


def test_max_active_by_hand():
    f = effective_knobs(COLS)
    # Simple -> no limit, coded log2(256) = 8; Fifo 1 -> 0; Reorder 4 -> 2; Fifo 16 -> 4; Simple -> 8; Fifo 64 -> 6
    assert f["log2_max_active"].tolist() == [8.0, 0.0, 2.0, 4.0, 8.0, 6.0]


def test_buffer_organisation_by_hand():
    f = effective_knobs(COLS)
    # 0, 1 serial -> -1; 2: Reorder limit 4 <= 8 slots -> -1; 3: limit 16 > 4 slots, Shared -> 2;
    # 4: Simple (no limit), ReadWrite -> 1; 5: limit 64 > 32 slots, Shared -> 2
    assert f["buffer_organisation"].tolist() == [-1.0, -1.0, -1.0, 2.0, 1.0, 2.0]


def test_buffer_depth_by_hand():
    f = effective_knobs(COLS)
    # Simple: the size (1 -> 0, 16 -> 4); Fifo min(8, 1) = 1 -> 0; Reorder min(8, 4) = 4 -> 2;
    # Fifo min(4, 16) = 4 -> 2; Fifo min(32, 64) = 32 -> 5
    assert f["log2_buffer_depth"].tolist() == [0.0, 0.0, 2.0, 2.0, 4.0, 5.0]


def test_open_page_by_hand():
    f = effective_knobs(COLS)
    assert f["open_page"].tolist() == [1.0, 1.0, 0.0, 0.0, 1.0, 0.0]


def test_proxy_features_are_queue_features_then_effective_knobs():
    f = proxy_features(COLS, n_banks=16)
    assert list(f) == ["log2_buffer_slots", "log2_inflight_limit", "serial", "scheduler_choice",
                       "in_order_responses", "log2_max_active", "buffer_organisation", "log2_buffer_depth",
                       "open_page"]
    # slots: Shared 1 -> 1; ReadWrite 2*8 = 16; Bankwise 16*8 = 128; Shared 4; ReadWrite 2*16 = 32; Shared 32
    assert f["log2_buffer_slots"].tolist() == [0.0, 4.0, 7.0, 2.0, 5.0, 5.0]
    # limit: Simple -> slots 1; min(16, 1) = 1; min(128, 4) = 4; min(4, 16) = 4; Simple -> 32; min(32, 64) = 32
    assert f["log2_inflight_limit"].tolist() == [0.0, 0.0, 2.0, 2.0, 5.0, 5.0]


def test_knobs_called_inert_change_no_metric():
    """Each rule on real simulations: vary the knob the features call inert, every metric stays the same."""
    sim = archgym_lite.make("archgym/DRAM-v0", n_requests=300).simulator
    base = {"PagePolicy": "OpenAdaptive", "Scheduler": "FrFcfs", "SchedulerBuffer": "Bankwise",
            "RequestBufferSize": 8, "RespQueue": "Fifo", "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 2,
            "RefreshMaxPulledin": 2, "PowerDownPolicy": "Staggered", "Arbiter": "Fifo", "MaxActiveTransactions": 16}
    cases = [  # (fixed knobs that make the varied knob inert, the varied knob, its levels)
        ({"RequestBufferSize": 1}, "Scheduler", ["Fifo", "FrFcfs", "FrFcfsGrp"]),
        ({"MaxActiveTransactions": 1}, "Scheduler", ["Fifo", "FrFcfs", "FrFcfsGrp"]),
        ({"RequestBufferSize": 1}, "RespQueue", ["Fifo", "Reorder"]),
        ({"Arbiter": "Reorder"}, "RespQueue", ["Fifo", "Reorder"]),
        ({"MaxActiveTransactions": 4}, "SchedulerBuffer", ["Bankwise", "ReadWrite", "Shared"]),
        ({"Arbiter": "Simple"}, "MaxActiveTransactions", [1, 8, 128]),
        ({"PagePolicy": "Closed"}, "Scheduler", ["Fifo", "FrFcfs"]),
        ({"MaxActiveTransactions": 8}, "RequestBufferSize", [8, 32, 128]),
        # Arbiter Reorder (either response queue) acts as Arbiter Fifo with RespQueue Reorder
        ({}, ("Arbiter", "RespQueue"), [("Fifo", "Reorder"), ("Reorder", "Fifo"), ("Reorder", "Reorder")]),
    ]
    for fixed, knob, levels in cases:
        names = knob if isinstance(knob, tuple) else (knob,)
        values = [v if isinstance(knob, tuple) else (v,) for v in levels]
        designs = [sim.space.validate({**base, **fixed, **dict(zip(names, v, strict=True))}) for v in values]
        feats = proxy_features(sim.space.columns(designs), sim.device.n_banks)
        assert all(np.unique(v).size == 1 for k, v in feats.items() if k != "log2_buffer_slots"), (fixed, knob)
        results = [sim.evaluate(d) for d in designs]
        for r in results[1:]:
            assert r == results[0], (fixed, knob)
