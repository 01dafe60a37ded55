"""Where a proxy pays: the example plugin running the real SCALE-Sim 3, and a small proxy study on it.

The plugin (``examples/scalesim_plugin``) runs SCALE-Sim through ``ExternalSimulator`` in the SCALE-Sim venv of
the peer test (``test_accelerator_peer.scalesim_python``: built once, cached and locked; required in CI).
Its parsed totals are checked against the peer test's own parse of SCALE-Sim's reports for the same layers,
and the study's bookkeeping (what was simulated, ranks, wall times) against its own tables. About 30 s.
"""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest
import torch
from test_accelerator_peer import PLUGIN, _run, scalesim_python

import archgym_lite

pytestmark = pytest.mark.peer
torch.set_num_threads(1)
SMALL = {"arrays": (8, 16), "sram_kb": (2, 8)}  # 2 x 2 x 3 x 2 x 2 = 48 designs


@pytest.fixture(scope="module")
def py():
    sys.path.insert(0, str(PLUGIN))
    import archgym_scalesim

    archgym_scalesim.register()
    yield scalesim_python()
    sys.path.remove(str(PLUGIN))


def test_plugin_reports_scalesim_totals(py, tmp_path):
    from archgym_scalesim.env import write_topology

    env = archgym_lite.make("example/SCALESim-v0", layers="tiny", python=py, max_workers=2, **SMALL)
    designs = [{"array_rows": 8, "array_cols": 16, "dataflow": df, "ifmap_kb": 8, "filter_kb": 8}
               for df in ("os", "ws", "is")]
    got = env.simulator.evaluate_batch(designs)
    topo = write_topology("tiny", tmp_path / "tiny.csv")
    for i, df in enumerate(("os", "ws", "is")):
        compute, detail = _run(py, tmp_path, topo, 8, 16, df, False, 8)  # the peer test's run and parse
        assert got["cycles"][i] == sum(r[2] for r in compute)
        assert got["utilisation_pct"][i] == pytest.approx(sum(r[6] * r[2] for r in compute) / sum(r[2] for r in compute))
        assert got["sram_reads"][i] == sum(r[3] + r[6] for r in detail)
        assert got["dram_words"][i] >= sum(r[12] + r[15] for r in detail)  # + ofmap writes (16 KB ofmap SRAM here)
        assert got["pes"][i] == 128 and got["sram_kb"][i] == 8 + 8 + 16


def test_small_study_trains_searches_and_checks_against_scalesim(py, tmp_path):
    from archgym_scalesim.study import run_study

    r = run_study(tmp_path, layers="tiny", sample=16, budget=60, top_k=4, exhaustive=True, python=py,
                  candidates=("extra_trees",), settings={"trees": 16, "distill_designs": 2000}, env_kwargs=SMALL)
    assert r["designs_in_space"] == 48 and 10 <= r["sampled"] <= 16 and r["top_k"] == 4  # LHS repeats designs here
    every = pd.read_csv(tmp_path / "scalesim-all-designs.csv")
    assert len(every) == 48  # every design simulated once (sampled, checked top-k and the rest)
    names = ["array_rows", "array_cols", "dataflow", "ifmap_kb", "filter_kb"]
    found = pd.read_csv(tmp_path / "top-k.csv").rename(columns={f"p_{n}": n for n in names})
    merged = found.merge(every, on=names)
    assert len(merged) == 4
    np.testing.assert_array_equal(merged["real_cycles"], merged["cycles"])  # the top-k were really simulated
    # ranks: position by SCALE-Sim reward among all 48; the pick is the top-k design with the best real reward
    order = every.sort_values("reward", ascending=False, kind="stable").reset_index(drop=True)
    rank = {tuple(row[n] for n in names): i + 1 for i, row in order.iterrows()}
    assert r["top_k_real_ranks"] == sorted(rank[tuple(row[n] for n in names)] for _, row in found.iterrows())
    assert r["proxy_pick_rank"] == min(r["top_k_real_ranks"])
    assert r["real_best_in_top_k"] == (1 in r["top_k_real_ranks"])
    assert r["real_best_reward"] == pytest.approx(order["reward"].iloc[0])
    assert r["unseen_designs"] == 48 - r["sampled"]
    for m in ("cycles", "dram_words"):
        assert np.isfinite(r["top_k_rel_rmse"][m]) and np.isfinite(r["unseen_rel_rmse"][m])
    assert r["search_on_scalesim_s_estimate"] == pytest.approx(r["search_designs"] * r["scalesim_s_per_design"])
    assert r["proxy_route_s"] == pytest.approx(r["sample_s"] + r["fit_s"] + r["search_and_verify_s"])
