"""Report: pure helpers against hand-worked values, and an end-to-end report over a tiny run directory."""

import json

import numpy as np
import pandas as pd
import pytest

import archgym_lite
from archgym_lite import SpecError
from archgym_lite.core.agent import Agent
from archgym_lite.report import (
    HV_REF,
    best_so_far,
    evals_to_target,
    hypervolume_2d,
    normalise,
    pareto_mask,
    resolve_target,
    slug,
    write_report,
)
from archgym_lite.trials.run import run_trial

ENV = "archgym/Synthetic-v0"
SETTINGS = {"random": [{"batch_size": 1}, {"batch_size": 4}],
            "random-walk": [{"greedy": True, "restart_prob": 0.0}, {"greedy": False, "restart_prob": 0.3}]}
SEEDS = (0, 1, 2)


class SeedBlind(Agent):
    """Walks the levels of the first parameter in order, whatever its seed: every trial is identical."""

    name = "seed-blind"

    def __init__(self, space, seed=None, **params):
        super().__init__(space, seed, **params)
        self.i = 0

    def ask(self, n=1):
        p = self.space.params[0]
        out = [{**self.space.default(), p.name: p.levels[(self.i + k) % p.n_levels]} for k in range(n)]
        self.i += n
        return out

    def tell(self, designs, rewards, metrics):
        pass


# --- pure helpers -------------------------------------------------------------------------------------
def test_best_so_far_and_evals_to_target_on_hand_made_sequences():
    np.testing.assert_array_equal(best_so_far([1.0, 0.0, 3.0, 2.0, 5.0]), [1, 1, 3, 3, 5])
    np.testing.assert_array_equal(best_so_far([np.nan, 2.0, np.nan, 1.0]), [np.nan, 2, 2, 2])
    assert best_so_far([]).size == 0
    r = [-3.0, -1.0, -2.0, 0.5, 0.2, 4.0]
    assert evals_to_target(r, -3.0) == 1
    assert evals_to_target(r, -1.5) == 2  # reached exactly at the 2nd evaluation
    assert evals_to_target(r, 0.5) == 4  # ">=": equal counts as reached
    assert evals_to_target(r, 1.0) == 6
    assert evals_to_target(r, 4.1) is None
    assert evals_to_target([], 0.0) is None
    assert evals_to_target([1.0], float("nan")) is None


def test_pareto_mask_two_objectives_known_front():
    pts = np.array([[1, 5], [2, 3], [3, 4], [4, 1], [2, 3], [5, 5], [np.nan, 0], [4, 2]], dtype=float)
    # both minimised: (3,4) is dominated by (2,3); (5,5) by everything; (4,2) by (4,1); the duplicate (2,3) stays; NaN never
    np.testing.assert_array_equal(pareto_mask(pts, [True, True]), [1, 1, 0, 1, 1, 0, 0, 0])
    # x min, y max: (1,5) has the best x and ties the best y, so it dominates every other row
    np.testing.assert_array_equal(pareto_mask(pts, [True, False]), [1, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(pareto_mask(pts, [False, False]), [0, 0, 0, 0, 0, 1, 0, 0])  # (5,5) wins
    assert pareto_mask(np.empty((0, 2)), [True, True]).shape == (0,)


def test_pareto_mask_three_objectives():
    pts = [[1, 1, 1], [0, 2, 2], [2, 2, 0], [1, 1, 2], [2, 2, 2]]
    np.testing.assert_array_equal(pareto_mask(pts, [True] * 3), [1, 1, 1, 0, 0])


def test_hypervolume_2d_hand_computed():
    # staircase of (0.2,0.6), (0.4,0.3), (0.7,0.1) under ref (1,1):
    # 0.2*(1-0.6) + 0.3*(1-0.3) + 0.3*(1-0.1) = 0.08 + 0.21 + 0.27 = 0.56
    front = [[0.2, 0.6], [0.4, 0.3], [0.7, 0.1]]
    extra = [[0.5, 0.5], [1.2, 0.05], [0.9, 1.0]]  # dominated; beyond ref in x; on the ref line in y
    assert hypervolume_2d(front, (1, 1)) == pytest.approx(0.56)
    assert hypervolume_2d(front + extra, (1, 1)) == pytest.approx(0.56)
    assert hypervolume_2d([[0.0, 0.0]], HV_REF) == pytest.approx(1.21)
    # the same geometry with both objectives maximised (negated points and reference)
    assert hypervolume_2d(-np.array(front), (-1, -1), (False, False)) == pytest.approx(0.56)
    assert hypervolume_2d([], (1, 1)) == 0.0
    assert hypervolume_2d([[2.0, 2.0]], (1, 1)) == 0.0


def test_normalise_and_slug():
    z = normalise([[1, 10], [3, 20], [2, 30]], [True, False])  # 0 = best: low x, high y
    np.testing.assert_allclose(z, [[0, 1], [1, 0.5], [0.5, 0]])
    np.testing.assert_allclose(normalise([[5, 1], [5, 2]], [True, True]), [[0, 0], [0, 1]])
    assert slug("archgym/DRAM-v0") == "archgym_DRAM-v0"
    assert slug("acme/X-v1[trace=a b/c]") == "acme_X-v1_trace_a_b_c"


def test_no_trial_logs_is_a_spec_error_naming_the_directory(tmp_path):
    (tmp_path / "trials").mkdir()
    (tmp_path / "sweep.yaml").write_text("name: x\n")
    with pytest.raises(SpecError, match=str(tmp_path)):
        write_report(tmp_path)
    with pytest.raises(SpecError, match="no such run directory"):
        write_report(tmp_path / "missing")


# --- end to end -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("run")
    trials = root / "trials"
    archgym_lite.register_agent("seed-blind", SeedBlind, override=True)
    for seed in SEEDS:
        assert run_trial(ENV, "seed-blind", 24, seed=seed, out_dir=trials, run_id="r1").status == "completed"
    for agent, settings in SETTINGS.items():
        for params in settings:
            for seed in SEEDS:
                res = run_trial(ENV, agent, 24, seed=seed, out_dir=trials, agent_params=params, run_id="r1")
                assert res.status == "completed"
    (root / "sweep.yaml").write_text("name: tiny\n")
    # a failed trial with no rows, and an orphan partial log (no manifest: the process died)
    (trials / "dead.json").write_text(json.dumps({
        "trial_id": "dead", "run_id": "r1", "env_id": ENV, "agent": "random", "agent_params": {"batch_size": 1},
        "seed": 9, "status": "failed", "error": "Traceback (most recent call last):\nRuntimeError: boom", "n_rows": 0}))
    part = pd.read_parquet(sorted(trials.glob("*random-walk*.parquet"))[0]).head(5).assign(trial_id="orphan", reward=99.0)
    part.to_parquet(trials / "orphan.parquet")
    return root


@pytest.fixture(scope="module")
def report(run_dir):
    return run_dir, write_report(run_dir)


def _completed_rows(run_dir):
    frames = []
    for m in sorted((run_dir / "trials").glob("*.json")):
        man = json.loads(m.read_text())
        if man["status"] == "completed":
            frames.append(pd.read_parquet(m.with_suffix(".parquet")))
    return pd.concat(frames, ignore_index=True)


def test_report_files_and_failed_trials(report):
    run_dir, res = report
    out = run_dir / "report"
    names = {p.name for p in out.iterdir()}
    assert {"report.md", "summary.csv", "best.csv", "pareto_archgym_Synthetic-v0.csv",
            "best_so_far_archgym_Synthetic-v0.png", "lottery_archgym_Synthetic-v0.png",
            "hypervolume_archgym_Synthetic-v0.png", "pareto_archgym_Synthetic-v0.png"} <= names
    assert all(p.exists() and p.stat().st_size > 0 for p in res.paths)
    assert all(p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" for p in res.pngs)
    md = res.markdown.read_text()
    assert "17 trials: 15 completed, 2 failed or incomplete" in md
    assert "RuntimeError: boom" in md and "orphan" in md and "incomplete" in md
    for p in res.pngs:
        assert f"]({p.name})" in md
    assert "cost (lower is better) vs area_mm2 (lower is better)" in md  # objective target metric first
    assert set(res.failed["trial_id"]) == {"dead", "orphan"}


def _hypervolume_by_hand(trial: pd.DataFrame, manifest: dict) -> float:
    """BoTorch's exact hypervolume of the trial's feasible log-ratio gains over the manifest's reference point."""
    import torch
    from botorch.utils.multi_objective.hypervolume import Hypervolume

    ref = manifest["objective"]["reference"]  # {"cost": value}: Synthetic's one target metric
    feas = trial[trial["feasible"]]
    gains = np.stack([np.log(ref[m] / feas[f"m_{m}"].to_numpy()) for m in ref], axis=1)
    gains = gains[(gains > 0).all(axis=1)]
    if not len(gains):
        return 0.0
    if gains.shape[1] == 1:
        return float(gains.max())
    return float(Hypervolume(torch.zeros(gains.shape[1], dtype=torch.double)).compute(torch.as_tensor(gains)))


def test_summary_csv_matches_independent_pandas_computation(report):
    run_dir, res = report
    summary = pd.read_csv(run_dir / "report" / "summary.csv")
    assert len(summary) == 5 and set(summary["agent"]) == {*SETTINGS, "seed-blind"}
    rows = _completed_rows(run_dir)
    per_trial = rows.groupby(["agent", "agent_params", "trial_id"])["reward"].max()
    best_known = per_trial.max()
    target = best_known - 0.05 * abs(best_known)  # the default target: within 5% of the best known reward
    expected = per_trial.groupby(["agent", "agent_params"]).agg(
        n="count", med="median", q25=lambda s: s.quantile(0.25), q75=lambda s: s.quantile(0.75),
        hit=lambda s: (s >= target).mean())

    def ett(g):
        hit = np.flatnonzero(g.sort_values("step")["reward"].cummax().to_numpy() >= target)
        return hit[0] + 1.0 if hit.size else np.inf

    evals = rows.groupby(["agent", "agent_params", "trial_id"]).apply(ett, include_groups=False)
    manifests = {json.loads(m.read_text())["trial_id"]: json.loads(m.read_text())
                 for m in (run_dir / "trials").glob("*.json")}
    hv = {tid: _hypervolume_by_hand(g, manifests[tid]) for tid, g in rows.groupby("trial_id")}
    got = summary.set_index(["agent", "agent_params"])
    assert set(got.index) == set(expected.index)
    for key, e in expected.iterrows():
        g = got.loc[key]
        assert g["trials"] == e["n"] == len(SEEDS)
        assert g["best_reward_median"] == pytest.approx(e["med"])
        assert g["best_reward_q25"] == pytest.approx(e["q25"])
        assert g["best_reward_q75"] == pytest.approx(e["q75"])
        assert g["target"] == pytest.approx(target)
        assert g["hit_rate"] == pytest.approx(e["hit"])
        med = np.median(evals.loc[key].to_numpy())
        assert (np.isnan(g["evals_to_target_median"]) if np.isinf(med) else g["evals_to_target_median"] == med)
        ids = rows.loc[(rows["agent"] == key[0]) & (rows["agent_params"] == key[1]), "trial_id"].unique()
        assert g["hv_median"] == pytest.approx(np.median([hv[t] for t in ids]))
        assert g["hv_union"] >= g["hv_median"] - 1e-12
        assert g["identical_trials"] == (key[0] == "seed-blind")  # only the agent that ignores its seed
    # the failed trial and the orphan log are counted against their settings, never in their statistics
    assert got.loc[("random", json.dumps({"batch_size": 1})), "failed"] == 1
    assert summary["failed"].sum() == 2


def test_best_csv_rows_are_each_the_best_settings_own_row(report):
    run_dir, res = report
    summary = pd.read_csv(run_dir / "report" / "summary.csv")
    best = pd.read_csv(run_dir / "report" / "best.csv")
    assert list(best["agent"]) == sorted(summary["agent"].unique())
    for _, b in best.iterrows():
        rows_a = summary[summary["agent"] == b["agent"]]
        assert b["settings_compared"] == len(rows_a)
        own = rows_a[rows_a["setting"] == b["setting"]].iloc[0]
        assert own["best_reward_median"] == rows_a["best_reward_median"].max()
        for col in best.columns.drop(["settings_compared"]):  # every other column is that setting's own
            assert (own[col] == b[col]) or (pd.isna(own[col]) and pd.isna(b[col])), col


def test_resolve_target():
    assert resolve_target(None, 2.0) == pytest.approx(1.9)  # default 95%: within 5% of the best known
    assert resolve_target("95%", -2.0) == pytest.approx(-2.1)  # stays below a negative best known
    assert resolve_target("50%", 4.0) == pytest.approx(2.0) and resolve_target(1.25, 9.0) == 1.25
    assert resolve_target("-3.5", 9.0) == -3.5
    for bad in ("fast", "0%", "120%", "nan"):
        with pytest.raises(SpecError, match="target"):
            resolve_target(bad, 1.0)


def test_report_cli_target_option(run_dir, tmp_path):
    from typer.testing import CliRunner

    from archgym_lite.cli import app

    ok = CliRunner().invoke(app, ["report", str(run_dir), "--out", str(tmp_path / "a"), "--target", "80%"])
    assert ok.exit_code == 0, ok.output
    bad = CliRunner().invoke(app, ["report", str(run_dir), "--out", str(tmp_path / "b"), "--target", "soon"])
    assert bad.exit_code != 0 and "target" in bad.output and "95%" in bad.output


def test_pareto_csv_is_exactly_the_non_dominated_feasible_designs(report):
    run_dir, _ = report
    front = pd.read_csv(run_dir / "report" / "pareto_archgym_Synthetic-v0.csv")
    assert {"agent", "trial_id", "step", "p_x_int", "p_mode", "m_cost", "m_area_mm2"} <= set(front.columns)
    rows = _completed_rows(run_dir)
    allpts = rows[["m_cost", "m_area_mm2"]].to_numpy()
    feas = rows.loc[rows["feasible"], ["m_cost", "m_area_mm2"]].to_numpy()
    for c, a in front[["m_cost", "m_area_mm2"]].to_numpy():
        # brute force: no logged design (feasible or not) is <= in both and < in one
        dominated = (allpts[:, 0] <= c) & (allpts[:, 1] <= a) & ((allpts[:, 0] < c) | (allpts[:, 1] < a))
        assert not dominated.any()
    # and the front is complete: every non-dominated feasible point appears
    nd = {(c, a) for c, a in feas
          if not ((feas[:, 0] <= c) & (feas[:, 1] <= a) & ((feas[:, 0] < c) | (feas[:, 1] < a))).any()}
    assert nd == set(map(tuple, front[["m_cost", "m_area_mm2"]].to_numpy()))


def test_target_override_and_pareto_metric_errors(run_dir, tmp_path):
    res = write_report(run_dir, out_dir=tmp_path / "rep", target={ENV: -1000.0},
                       pareto_metrics=["area_mm2", "cost"])
    assert (res.summary["target"] == -1000.0).all() and (res.summary["hit_rate"].dropna() == 1.0).all()
    assert (res.summary["evals_to_target_median"].dropna() == 1.0).all()
    assert "area_mm2 (lower is better) vs cost (lower is better)" in res.markdown.read_text()
    with pytest.raises(SpecError, match=r"pareto_metrics: unknown metric 'latency'.*allowed: \['cost', 'area_mm2'\]"):
        write_report(run_dir, out_dir=tmp_path / "x", pareto_metrics=["latency", "cost"])
    with pytest.raises(SpecError, match="exactly two"):
        write_report(run_dir, out_dir=tmp_path / "x", pareto_metrics=["cost"])
