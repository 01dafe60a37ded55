"""The proxy in the loop (`archgym proxy loop`), active sampling, and the CLI's progress and goals."""

import numpy as np
import pandas as pd
import pytest
import torch
from typer.testing import CliRunner

import archgym_lite
from archgym_lite.cli.main import app
from archgym_lite.proxy import sample_actively
from archgym_lite.proxy.loop import proxy_loop
from archgym_lite.trials.logs import load
from simulators.synthetic import SyntheticSimulator

torch.set_num_threads(1)
runner = CliRunner()
FAST = {"trees": 8, "distill": False}


def key(columns, names):
    return set(zip(*(np.asarray(columns[n]).tolist() for n in names), strict=True))


def test_active_sampling_returns_n_unique_designs_starting_from_a_latin_hypercube():
    sim = SyntheticSimulator()
    data = sample_actively(sim, "archgym/Synthetic-v0", 120, seed=4, start_fraction=0.5, rounds=3, pool=2000, trees=8)
    assert len(data) == 120 and len(key(data.columns, sim.space.names)) == 120
    # the first 60 are the Latin hypercube (63 LHS strata over x_int's 21 levels: none empty with 60 designs)
    assert set(data.columns["x_int"][:60].tolist()) == set(range(21))
    truth = sim.evaluate_batch(data.columns)
    for m in sim.metric_names:  # every design was truly simulated
        np.testing.assert_array_equal(data.metrics[m], truth[m])


def test_loop_verifies_unseen_designs_with_the_simulator_and_retrains_on_them(tmp_path):
    sim = SyntheticSimulator()
    names = sim.space.names
    res = proxy_loop("archgym/Synthetic-v0", tmp_path, init=80, budget=150, top_k=6, tolerance=1e-9, max_rounds=2,
                     candidates=("extra_trees",), settings=FAST)
    assert not res.converged and len(res.rounds) == 2  # a tolerance of 1e-9 is never met
    assert res.rounds["train_designs"].tolist() == [80, 86] and res.rounds["verified"].tolist() == [6, 6]
    assert len(res.data) == 92
    env = archgym_lite.make("archgym/Synthetic-v0")
    for r in range(2):
        ver = res.verified[res.verified["round"] == r]
        cols = {n: ver[f"p_{n}"].to_numpy() for n in names}
        real = sim.evaluate_batch(cols)
        np.testing.assert_array_equal(ver["real_cost"], real["cost"])  # verified = really simulated
        np.testing.assert_allclose(ver["real_reward"], env.objective.reward_batch(real))
        # the gap is the relative RMSE of the proxy on those designs, largest over the objective's metrics
        gaps = [np.sqrt(np.mean((ver[f"proxy_{m}"] - ver[f"real_{m}"]) ** 2)) / ver[f"real_{m}"].mean()
                for m in ("cost", "area_mm2")]
        assert res.rounds.loc[r, "gap_%"] == pytest.approx(100 * max(gaps))
    # round 1's verified designs were in none of round 0's training designs nor its verified ones
    first = key({n: res.verified[res.verified["round"] == 0][f"p_{n}"] for n in names}, names)
    second = key({n: res.verified[res.verified["round"] == 1][f"p_{n}"] for n in names}, names)
    assert not first & second
    # the search of each round ran on the proxy and was logged; rounds.csv is the table
    logs = load(tmp_path / "search")
    assert sorted(logs["trial_id"].unique()) == ["loop-00-random-s0", "loop-01-random-s1"]
    assert pd.read_csv(tmp_path / "rounds.csv")["verified"].tolist() == [6, 6]
    assert (tmp_path / "proxy.skops").is_file()


def test_loop_stops_when_the_verified_gap_is_under_the_tolerance(tmp_path):
    res = proxy_loop("archgym/Synthetic-v0", tmp_path, init=60, budget=60, top_k=4, tolerance=10.0, max_rounds=5,
                     candidates=("extra_trees",), settings=FAST)
    assert res.converged and len(res.rounds) == 1 and res.rounds.loc[0, "gap_%"] <= 1000


def test_cli_train_shows_progress_on_stderr_and_goals_on_stdout(tmp_path):
    out = tmp_path / "m.skops"
    result = runner.invoke(app, ["proxy", "train", "--env", "archgym/Synthetic-v0", "--sample", "120",
                                 "--fresh-test", "50", "--model", "extra_trees", "--trees", "4", "--no-distill",
                                 "--set", "cv_folds=2", "--out", str(out)])
    assert result.exit_code == 0, result.output
    for step in ("simulating 48 lhs designs", "active sampling", "fitting the chosen models", "timing proxy"):
        assert step in result.stderr
    for line in ("goals:", "rel RMSE cost (fresh uniform)", "batched prediction, one core", "speedup:",
                 "peak memory:"):
        assert line in result.stdout
    assert out.is_file()
    bad = runner.invoke(app, ["proxy", "train", "--env", "archgym/Synthetic-v0", "--sample", "50", "--set",
                              "tres=3", "--out", str(tmp_path / "x.skops")])
    assert bad.exit_code == 2 and "--set: unknown setting 'tres'; allowed: [" in bad.output


def test_cli_loop_prints_the_round_table(tmp_path):
    result = runner.invoke(app, ["proxy", "loop", "--env", "archgym/Synthetic-v0", "--init", "50", "--budget", "40",
                                 "--top-k", "3", "--max-rounds", "1", "--tolerance", "0.000001", "--model",
                                 "extra_trees", "--set", "trees=4", "--set", "distill=false", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "gap_%" in result.stdout and "not converged after 1 rounds: 53 designs simulated" in result.stdout
