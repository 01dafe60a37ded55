"""Sweeps: spec validation messages, expansion, resume after SIGKILL, failing trials, executors agree."""

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import archgym_lite
from archgym_lite import SpecError
from archgym_lite.cli import app
from archgym_lite.sweep import expand, load_spec, parse_spec, run_sweep
from archgym_lite.trials import logs

BASE = {"name": "t", "budget": 20, "seeds": 2, "envs": [{"id": "archgym/Synthetic-v0"}],
        "agents": [{"name": "random", "params": {"batch_size": [4, 8]}}, {"name": "random-walk"}]}
TIMING = ["sim_time_s", "wall_time_s"]


def content(df: pd.DataFrame) -> pd.DataFrame:
    return df.drop(columns=TIMING).sort_values(["trial_id", "step"]).reset_index(drop=True)


def test_expansion_counts_envs_agents_grid_seeds():
    spec = parse_spec(BASE)
    trials = expand(spec)
    assert len(trials) == (2 + 1) * 2  # (2 random settings + 1 walk) x 2 seeds
    assert len({t.trial_id for t in trials}) == 6
    assert {t.seed for t in trials} == {0, 1}
    assert sorted(t.agent_params.get("batch_size", 0) for t in trials) == [0, 0, 4, 4, 8, 8]


@pytest.mark.parametrize(("patch", "message"), [
    ({"agents": [{"name": "random"}, {"name": "random"}, {"name": "random", "params": {"batch_size": 0}}]},
     "agents[2].params.batch_size: Input should be greater than or equal to 1"),
    ({"agents": [{"name": "random-walk", "params": {"restart_prob": [0.1, 2.0]}}]},
     "agents[0].params.restart_prob: Input should be less than or equal to 1"),
    ({"agents": [{"name": "random", "params": {"pop_size": 3}}]}, "agents[0].params.pop_size: unknown hyperparameter 'pop_size'; allowed: {'batch_size'}"),
    ({"agents": [{"name": "randm"}]}, "agents[0].name: unknown agent 'randm'. Did you mean 'random'"),
    ({"envs": [{"id": "archgym/Synthtic-v0"}]}, "envs[0].id: unknown env id 'archgym/Synthtic-v0'"),
    ({"budget": 0}, "budget: Input should be greater than or equal to 1"),
    ({"budget": "many"}, "budget: Input should be a valid integer"),
    ({"seeds": [1, 1]}, "seeds: seeds must be a non-empty list of distinct integers"),
    ({"envs": []}, "envs: List should have at least 1 item"),
    ({"agents": [{"name": "random", "parms": {}}]},
     "agents[0].parms: unknown key 'parms'; allowed: {'name', 'params'}. Did you mean 'params'?"),
    ({"agents": [{"name": "random-walk", "params": {"restart_prb": 0.1}}]},
     "agents[0].params.restart_prb: unknown hyperparameter 'restart_prb'; allowed: {"),
    ({"agents": [{"name": "random-walk", "params": {"restart_prb": 0.1}}]}, "Did you mean 'restart_prob'?"),
    ({"budgt": 3}, "budgt: unknown key 'budgt'; allowed: {'name', 'budget', 'seeds', 'envs', 'agents'}. "
                   "Did you mean 'budget'?"),
    ({"envs": [{"id": "archgym/Synthetic-v0", "kwarg": {}}]}, "envs[0].kwarg: unknown key 'kwarg'; allowed: "
                                                              "{'id', 'kwargs', 'objective'}. Did you mean 'kwargs'?"),
    ({"agents": [{"name": "random", "params": {"batch_size": []}}]}, "agents[0].params.batch_size: an empty list"),
])
def test_malformed_specs_name_the_yaml_path(patch, message):
    with pytest.raises(SpecError) as exc:
        parse_spec({**BASE, **patch})
    assert message in str(exc.value)


def test_missing_budget_and_bad_yaml(tmp_path):
    with pytest.raises(SpecError, match="budget: Field required"):
        parse_spec({k: v for k, v in BASE.items() if k != "budget"})
    bad = tmp_path / "bad.yaml"
    bad.write_text("budget: 3\nenvs: [{id: x\n")
    with pytest.raises(SpecError, match=r"bad.yaml: malformed YAML at line 3, column 1"):
        load_spec(bad)
    with pytest.raises(SpecError, match="cannot read sweep spec"):
        load_spec(tmp_path / "missing.yaml")
    (tmp_path / "list.yaml").write_text("- 1\n- 2\n")
    with pytest.raises(SpecError, match="top level must be a mapping"):
        load_spec(tmp_path / "list.yaml")


def test_bad_env_kwargs_and_objective_rejected_before_running(tmp_path):
    spec = parse_spec({**BASE, "envs": [{"id": "archgym/Synthetic-v0", "objective": {"targets": {"cst": 1}}}]})
    with pytest.raises(SpecError, match=r"envs\[0\]: objective.targets.cst: unknown metric"):
        run_sweep(spec, tmp_path, workers=0, show_progress=False)
    spec = parse_spec({**BASE, "envs": [{"id": "archgym/Synthetic-v0", "kwargs": {"colour": 1}}]})
    with pytest.raises(SpecError, match=r"envs\[0\].kwargs: invalid env keyword argument"):
        run_sweep(spec, tmp_path, workers=0, show_progress=False)
    assert not list((tmp_path).glob("trials/*"))


def test_resume_skips_finished_trials(tmp_path):
    spec = parse_spec(BASE)
    first = run_sweep(spec, tmp_path, workers=0, show_progress=False)
    assert (first.completed, first.skipped) == (6, 0)
    again = run_sweep(spec, tmp_path, workers=0, show_progress=False)
    assert (again.completed, again.skipped) == (0, 6)
    bigger = parse_spec({**BASE, "seeds": 3})
    third = run_sweep(bigger, tmp_path, workers=0, show_progress=False)
    assert (third.completed, third.skipped) == (3, 6)


class FlakyAgent(archgym_lite.Agent):
    name = "flaky"

    def ask(self, n=1):
        if self.seed == 1:
            raise RuntimeError("flaky agent crashed on seed 1")
        return self.space.sample_batch(self.rng, n)

    def tell(self, *args):
        pass


def test_failing_trial_does_not_stop_the_sweep_and_can_be_retried(tmp_path):
    archgym_lite.register_agent("flaky", FlakyAgent, override=True)
    spec = parse_spec({**BASE, "agents": [{"name": "flaky"}, {"name": "random"}]})
    res = run_sweep(spec, tmp_path, workers=0, show_progress=False)
    assert res.completed == 3 and len(res.failed) == 1
    manifest = json.loads((tmp_path / "trials" / f"{res.failed[0]}.json").read_text())
    assert manifest["status"] == "failed" and "flaky agent crashed on seed 1" in manifest["error"]
    assert run_sweep(spec, tmp_path, workers=0, show_progress=False).skipped == 4
    retry = run_sweep(spec, tmp_path, workers=0, show_progress=False, retry_failed=True)
    assert retry.skipped == 3 and retry.failed == res.failed


def test_pool_gives_the_same_logs_as_in_process(tmp_path):
    spec = parse_spec(BASE)
    run_sweep(spec, tmp_path / "a", workers=0, show_progress=False)
    run_sweep(spec, tmp_path / "b", workers=2, show_progress=False)
    pd.testing.assert_frame_equal(content(logs.load(tmp_path / "a")), content(logs.load(tmp_path / "b")))


SLOW_AGENT = textwrap.dedent("""
    import time
    import archgym_lite
    from agents.random_search import RandomSearch

    class SlowRandom(RandomSearch):
        name = "slow-random"
        def ask(self, n=1):
            time.sleep(0.004)
            return super().ask(n)

    archgym_lite.register_agent("slow-random", SlowRandom, override=True)
""")


def test_sigkill_mid_sweep_then_resume_matches_uninterrupted_run(tmp_path):
    (tmp_path / "slow_plugin.py").write_text(SLOW_AGENT)
    spec = {**BASE, "budget": 60, "seeds": 6, "agents": [{"name": "slow-random", "params": {"batch_size": 1}}]}
    (tmp_path / "spec.yaml").write_text(json.dumps(spec))
    driver = textwrap.dedent(f"""
        import sys; sys.path.insert(0, {str(tmp_path)!r})
        import slow_plugin
        from archgym_lite.sweep import load_spec, run_sweep
        run_sweep(load_spec({str(tmp_path / 'spec.yaml')!r}), {str(tmp_path / 'killed')!r}, workers=0,
                  show_progress=False)
    """)
    env = {**os.environ, "PYTHONPATH": str(Path(archgym_lite.__file__).parent.parent)}
    proc = subprocess.Popen([sys.executable, "-c", driver], env=env)
    trials_dir = tmp_path / "killed" / "trials"
    deadline = time.time() + 60
    while time.time() < deadline and len(list(trials_dir.glob("*.json"))) < 2:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(list(trials_dir.glob("*.json")))
    assert 2 <= done_before < 6, "the kill should land mid-sweep"

    sys.path.insert(0, str(tmp_path))
    try:
        import slow_plugin  # noqa: F401  (registers the agent in this process)
        loaded = load_spec(tmp_path / "spec.yaml")
        resumed = run_sweep(loaded, tmp_path / "killed", workers=0, show_progress=False)
        assert resumed.skipped == done_before and resumed.completed == 6 - done_before
        run_sweep(loaded, tmp_path / "clean", workers=0, show_progress=False)
    finally:
        sys.path.remove(str(tmp_path))
    killed, clean = logs.load(tmp_path / "killed"), logs.load(tmp_path / "clean")
    assert killed.groupby("trial_id").size().to_dict() == dict.fromkeys(clean["trial_id"].unique(), 60)
    pd.testing.assert_frame_equal(content(killed), content(clean))


def test_cli_sweep_dry_run_report_of_counts_and_replay(tmp_path):
    spec_file = tmp_path / "s.yaml"
    spec_file.write_text(json.dumps(BASE))
    runner = CliRunner()
    res = runner.invoke(app, ["sweep", str(spec_file), "--out", str(tmp_path / "run"), "--dry-run"])
    assert res.exit_code == 0 and "6 trials (6 to run) x 20 evaluations" in res.output
    assert not (tmp_path / "run").exists()
    res = runner.invoke(app, ["sweep", str(spec_file), "--out", str(tmp_path / "run"), "--workers", "0",
                              "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "6 trials run, 0 already done, 0 failed" in res.output
    assert "(120 evaluations, " in res.output  # 6 trials x budget 20; repeats within a trial are looked up
    tid = expand(parse_spec(BASE))[0].trial_id
    res = runner.invoke(app, ["replay", str(tmp_path / "run"), "--trial", tid])
    assert res.exit_code == 0 and "20 evaluations" in res.output and "identical" in res.output


def test_replay_detects_a_tampered_log(tmp_path):
    from archgym_lite.trials.replay import replay_trial

    res = archgym_lite.trials.run.run_trial("archgym/Synthetic-v0", "random", 12, out_dir=tmp_path)
    df = logs.load(res.log_path)
    df.loc[5, "m_cost"] += 0.5
    df.to_parquet(res.log_path)
    out = replay_trial(tmp_path, res.trial_id)
    assert not out.ok
    assert out.mismatches[["step", "column"]].values.tolist() == [[5, "m_cost"]]
    assert out.mismatches["logged"].iloc[0] - out.mismatches["replayed"].iloc[0] == pytest.approx(0.5)
    assert replay_trial(tmp_path, res.trial_id, step=4).ok
    with pytest.raises(SpecError, match="--step: trial has steps 0..11, got 99"):
        replay_trial(tmp_path, res.trial_id, step=99)


@pytest.mark.ray
def test_ray_executor_matches_the_pool(tmp_path, monkeypatch):
    import ray  # noqa: F401  (in the [test] extra, so CI runs this)
    monkeypatch.setenv("RAY_AUTH_MODE", "disabled")
    ray_tmp = tempfile.mkdtemp(prefix="ray", dir="/tmp")  # Ray's socket paths must stay under 108 bytes
    monkeypatch.setenv("RAY_TMPDIR", ray_tmp)
    spec = parse_spec({**BASE, "seeds": 1})
    run_sweep(spec, tmp_path / "pool", workers=0, show_progress=False)
    res = run_sweep(spec, tmp_path / "ray", executor="ray", workers=2, show_progress=False)
    shutil.rmtree(ray_tmp, ignore_errors=True)
    assert res.completed == 3 and not res.failed
    pd.testing.assert_frame_equal(content(logs.load(tmp_path / "pool")), content(logs.load(tmp_path / "ray")))


@pytest.mark.parametrize("preloaded", [False, True], ids=["torch-imported-later", "torch-preloaded"])
def test_workers_run_torch_on_one_thread_without_importing_it(preloaded):
    # A worker's start-up (limit_threads) must leave torch on one thread whether the fork server preloaded it or
    # an agent imports it later; and it must not import torch itself (that cost every worker ~1.5 s).
    code = ("import sys; " + ("import torch; " if preloaded else "")
            + "from archgym_lite.sweep.executors import limit_threads; limit_threads(); "
            + "print('torch' in sys.modules); import torch; print(torch.get_num_threads())")
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == [str(preloaded), "1"]
