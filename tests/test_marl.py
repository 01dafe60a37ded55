"""Multi-agent RL (independent learners over the PettingZoo view): budget, reproducibility, learning."""

import numpy as np
import pytest

import archgym_lite
from archgym_lite import SpecError
from archgym_lite.trials import logs
from archgym_lite.trials.run import run_trial


def test_exact_budget_and_reproducible(tmp_path):
    a = run_trial("archgym/Synthetic-v0", "marl", 37, seed=3, out_dir=tmp_path / "a")
    b = run_trial("archgym/Synthetic-v0", "marl", 37, seed=3, out_dir=tmp_path / "b")
    assert a.status == "completed" and a.n_evals == 37
    da, db = logs.load(a.log_path), logs.load(b.log_path)
    cols = [c for c in da if c.startswith("p_")]
    assert da[cols].equals(db[cols])


def test_independent_learners_improve_the_shared_reward(tmp_path):
    gains = []
    for seed in range(3):
        res = run_trial("archgym/Synthetic-v0", "marl", 600, seed=seed, out_dir=tmp_path)
        r = np.clip(logs.load(res.log_path)["reward"].to_numpy(), -5, None)
        gains.append(r[-100:].mean() - r[:100].mean())
    assert min(gains) > 0.3  # the policy concentrates on better designs


@pytest.mark.parametrize("env_id", [e for e in archgym_lite.env_ids() if e != "archgym/Synthetic-v0"])
def test_runs_per_parameter_on_every_env(env_id):
    res = run_trial(env_id, "marl", 12, seed=0, raise_errors=True)
    assert res.n_evals == 12


def test_dualbranch_per_branch_grouping():
    if "archgym/DualBranch-v0" not in archgym_lite.env_ids():
        pytest.fail("DualBranch env missing")
    res = run_trial("archgym/DualBranch-v0", "marl", 12, seed=0, agent_params={"groups": "per_branch"},
                    raise_errors=True)
    assert res.n_evals == 12


def test_unknown_grouping_fails_clearly():
    with pytest.raises(SpecError, match="unknown grouping 'per_brnch'"):
        run_trial("archgym/Synthetic-v0", "marl", 5, agent_params={"groups": "per_brnch"}, raise_errors=True)
