"""PettingZoo view: parallel_api_test on every registered env, groupings, shared and per-agent rewards."""

import math

import numpy as np
import pytest
from pettingzoo.test import parallel_api_test

import archgym_lite
from archgym_lite import SpecError
from archgym_lite.core.multiagent import ParallelDesignEnv, parallel_env
from simulators.synthetic import OPTIMUM


@pytest.mark.parametrize("env_id", archgym_lite.env_ids())
def test_parallel_api_on_every_registered_env(env_id):
    parallel_api_test(parallel_env(env_id, max_steps=4), num_cycles=10)


def test_per_param_agents_assemble_one_design():
    env = parallel_env("archgym/Synthetic-v0")
    env.reset(seed=0)
    assert env.possible_agents == ["x_int", "x_pow2", "x_list", "mode", "x_real"]
    space = env.env.space
    idx = space.encode(OPTIMUM)
    actions = {a: int(idx[i]) for i, a in enumerate(env.agents)}
    _, rewards, _, _, infos = env.step(actions)
    assert infos["mode"]["design"] == OPTIMUM
    assert rewards == dict.fromkeys(env.possible_agents, 0.0)  # the synthetic optimum has reward exactly 0


def test_groups_and_per_agent_rewards():
    env = parallel_env("archgym/Synthetic-v0",
                       groups={"compute": ["x_int", "x_pow2"], "memory": ["x_list", "mode", "x_real"]},
                       rewards={"compute": {"targets": {"cost": 2.0}}, "memory": {"targets": {"area_mm2": 3.0}}})
    env.reset(seed=1)
    assert env.action_space("compute").nvec.tolist() == [21, 11]
    idx = env.env.space.encode(OPTIMUM)
    _, rewards, *_ = env.step({"compute": idx[:2], "memory": idx[2:]})
    # at the optimum: cost 1, area 6 -> ln(2/1) and ln(3/6)
    assert rewards["compute"] == pytest.approx(math.log(2.0))
    assert rewards["memory"] == pytest.approx(math.log(0.5))


def test_episode_truncates_all_agents():
    env = parallel_env("archgym/Synthetic-v0", max_steps=2)
    env.reset(seed=0)
    for _ in range(2):
        _, _, term, trunc, _ = env.step({a: env.action_space(a).sample() for a in env.agents})
    assert all(trunc.values()) and not any(term.values()) and env.agents == []


@pytest.mark.parametrize(("groups", "message"), [
    ({"a": ["x_int"], "b": ["x_int", "x_pow2", "x_list", "mode", "x_real"]}, "already controlled by agent 'a'"),
    ({"a": ["x_int", "nope"]}, "groups.a: unknown parameter 'nope'"),
    ({"a": ["x_int"]}, "groups: parameters controlled by no agent: ['x_pow2', 'x_list', 'mode', 'x_real']"),
    ("per_brunch", "unknown grouping 'per_brunch'; allowed: ['per_param', 'single'"),
])
def test_bad_groupings_name_the_problem(groups, message):
    with pytest.raises(SpecError) as exc:
        parallel_env("archgym/Synthetic-v0", groups=groups)
    assert message in str(exc.value)


def test_step_needs_every_live_agent():
    env = ParallelDesignEnv(archgym_lite.make("archgym/Synthetic-v0"), groups="single")
    env.reset(seed=0)
    with pytest.raises(SpecError, match="one action per live agent"):
        env.step({})
    _, rewards, *_ = env.step({"designer": np.zeros(5, dtype=np.int64)})
    assert set(rewards) == {"designer"}
