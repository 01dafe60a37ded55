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


# --- advantages normalised from the first step, and the repeat guard ----------------------------------------
def test_reward_scale_normalises_from_the_first_step():
    from agents.common import RewardScale

    rewards = [-400.0, -5.0, -4.0, 50.0, -3.5, -4.5]  # a penalty first, then a jump: the collapse case
    scale = RewardScale(decay=0.9, clip=100.0)  # the first 10 rewards use exact averages
    got = [scale.advantage(r) for r in rewards]
    for i, r in enumerate(rewards):  # z-score of the newest reward among all rewards so far (population std)
        seen = np.array(rewards[: i + 1])
        expected = 0.0 if i == 0 else (r - seen.mean()) / seen.std()
        assert got[i] == pytest.approx(expected, rel=1e-12)
    assert got[1] == pytest.approx(1.0)  # two rewards: always +-1, whatever their scale
    clipped = RewardScale(decay=0.9, clip=3.0)
    assert max(abs(clipped.advantage(r)) for r in rewards) <= 3.0


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_marl_never_spends_half_a_budget_on_one_design(seed, tmp_path):
    """Seed 0 on the accelerator used to evaluate one design 255 times in 256."""
    budget = 256
    res = run_trial("archgym/Accelerator-v0", "marl", budget, seed=seed, out_dir=tmp_path, raise_errors=True)
    df = logs.load(res.log_path)
    top = df.groupby([c for c in df if c.startswith("p_")]).size().max()
    assert top <= 0.5 * budget
    assert top <= 0.1 * budget + 1  # the default guard: max_design_share = 0.1 (rounded up)
    assert res.n_unique == len(df.drop_duplicates([c for c in df if c.startswith("p_")]))


def test_repeat_guard_caps_repeats_on_a_tiny_space(tmp_path):
    """Four designs and a budget of 40: the guard can only hold each design to a quarter of the budget."""
    from archgym_lite.core.registry import register
    from archgym_lite.plugins.testing import conformance_env, kind_spaces

    register("archgym-test/Tiny-v0", lambda objective=None, env_id=None, **kw: conformance_env(kind_spaces()["tiny"]),
             override=True)
    res = run_trial("archgym-test/Tiny-v0", "marl", 40, seed=0, out_dir=tmp_path, raise_errors=True,
                    agent_params={"lr": 5.0, "entropy_coef": 0.0})
    counts = logs.load(res.log_path).groupby(["p_a", "p_b"]).size()
    assert len(counts) == 4 and counts.max() <= 10  # ceil(40 / 4); lr = 5 would otherwise collapse at once
