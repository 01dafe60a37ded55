"""Trial logging (typed Parquet, atomic files, manifests) and the run loop."""

import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pyarrow.parquet as pq
import pytest

import archgym_lite
from archgym_lite import SpecError
from archgym_lite.trials import logs
from archgym_lite.trials.run import run_trial, trial_id


def test_run_trial_logs_every_evaluation_with_typed_columns(tmp_path):
    res = run_trial("archgym/Synthetic-v0", "random", 37, seed=4, out_dir=tmp_path, run_id="r1")
    assert res.status == "completed" and res.n_evals == 37
    schema = pq.read_schema(res.log_path)
    types = {f.name: str(f.type) for f in schema}
    assert types["p_x_int"] == "int64" and types["p_mode"] == "string" and types["p_x_real"] == "double"
    assert types["m_cost"] == "double" and types["feasible"] == "bool" and types["step"] == "int64"
    df = logs.load(res.log_path)
    assert len(df) == 37 and list(df["step"]) == list(range(37))
    assert set(df["run_id"]) == {"r1"} and set(df["seed"]) == {4}
    # rewards are recomputable from the raw metric columns alone
    env = archgym_lite.make("archgym/Synthetic-v0")
    recomputed = env.objective.reward_batch({"cost": df["m_cost"].to_numpy(), "area_mm2": df["m_area_mm2"].to_numpy()})
    np.testing.assert_allclose(recomputed, df["reward"].to_numpy())
    # and every logged design re-simulates to its logged metrics
    for row in df.head(5).itertuples():
        design = {p: getattr(row, f"p_{p}") for p in env.space.names}
        assert env.simulator.evaluate(design)["cost"] == row.m_cost
    manifest = json.loads((tmp_path / f"{res.trial_id}.json").read_text())
    assert manifest["status"] == "completed" and manifest["n_rows"] == 37 and manifest["budget"] == 37
    assert manifest["space_signature"] == env.space.signature()


def test_load_directory_concatenates_trials(tmp_path):
    run_trial("archgym/Synthetic-v0", "random", 10, seed=0, out_dir=tmp_path)
    run_trial("archgym/Synthetic-v0", "random-walk", 12, seed=0, out_dir=tmp_path)
    df = logs.load(tmp_path)
    assert len(df) == 22 and set(df["agent"]) == {"random", "random-walk"}


def test_same_seed_same_designs(tmp_path):
    a = run_trial("archgym/Synthetic-v0", "random-walk", 30, seed=5, out_dir=tmp_path / "a")
    b = run_trial("archgym/Synthetic-v0", "random-walk", 30, seed=5, out_dir=tmp_path / "b")
    da, db = logs.load(a.log_path), logs.load(b.log_path)
    cols = [c for c in da.columns if c.startswith(("p_", "m_")) or c == "reward"]
    assert da[cols].equals(db[cols])


def test_trial_id_is_stable_and_sensitive():
    a = trial_id("archgym/X-v0", "ga", {"pop": 8}, 1)
    assert a == trial_id("archgym/X-v0", "ga", {"pop": 8}, 1)
    assert a.startswith("X-v0-ga-s1-")
    assert a != trial_id("archgym/X-v0", "ga", {"pop": 9}, 1)
    assert a != trial_id("archgym/X-v0", "ga", {"pop": 8}, 2)


class ExplodingAgent(archgym_lite.Agent):
    name = "exploding"

    def ask(self, n=1):
        if getattr(self, "calls", 0) >= 2:
            raise RuntimeError("agent blew up")
        self.calls = getattr(self, "calls", 0) + 1
        return self.space.sample_batch(self.rng, n)

    def tell(self, designs, rewards, metrics):
        pass


def test_failing_agent_is_recorded_with_traceback(tmp_path):
    archgym_lite.register_agent("exploding", ExplodingAgent, override=True)
    res = run_trial("archgym/Synthetic-v0", "exploding", 10, out_dir=tmp_path)
    assert res.status == "failed" and res.n_evals == 2
    manifest = json.loads((tmp_path / f"{res.trial_id}.json").read_text())
    assert manifest["status"] == "failed" and "agent blew up" in manifest["error"]
    assert len(logs.load(res.log_path)) == 2  # the evaluations made before the failure are kept


def test_input_errors_raise_instead_of_failing_the_trial(tmp_path):
    with pytest.raises(SpecError, match="params.batch_size"):
        run_trial("archgym/Synthetic-v0", "random", 5, agent_params={"batch_size": 0}, out_dir=tmp_path)
    with pytest.raises(SpecError, match="budget: must be >= 1"):
        run_trial("archgym/Synthetic-v0", "random", 0)
    with pytest.raises(SpecError, match="objective.targets.nope: unknown metric"):
        run_trial("archgym/Synthetic-v0", "random", 5, objective={"targets": {"nope": 1}}, out_dir=tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_failed_write_leaves_no_file(tmp_path, monkeypatch):
    env = archgym_lite.make("archgym/Synthetic-v0")
    logger = logs.TrialLogger(tmp_path, "t1", env.space, env.simulator.metric_names)
    logger.log(env.space.default(), {"cost": 1.0, "area_mm2": 1.0}, 0.0, True, 0.0, 0.0)

    def boom(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(OSError, match="disk full"):
        logger.close()
    assert list(tmp_path.iterdir()) == []  # neither the final file nor the temporary one


def test_sigkill_mid_trial_leaves_no_half_file(tmp_path):
    script = textwrap.dedent(f"""
        import time, archgym_lite
        from archgym_lite.trials.run import run_trial
        class Slow(archgym_lite.Agent):
            name = "slow"
            def ask(self, n=1):
                time.sleep(0.01)
                return self.space.sample_batch(self.rng, n)
            def tell(self, *a): pass
        archgym_lite.register_agent("slow", Slow)
        print("started", flush=True)
        run_trial("archgym/Synthetic-v0", "slow", 100000, out_dir={str(tmp_path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "started"
    time.sleep(0.5)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert not any(n.endswith((".parquet", ".json")) and not n.startswith(".") for n in leftovers), leftovers
    with pytest.raises(SpecError, match="no .parquet trial logs"):
        logs.load(tmp_path)


def test_corrupt_log_is_a_clear_error(tmp_path):
    (tmp_path / "bad.parquet").write_bytes(b"not parquet at all")
    with pytest.raises(SpecError, match="bad.parquet: corrupt trial log"):
        logs.load(tmp_path)
