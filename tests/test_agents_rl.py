"""stable-baselines3 agents (PPO, A2C, DQN, SAC): exact budgets, every env, both action modes, wrappers,
reproducibility. Budgets are large enough that every algorithm performs gradient updates."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

import archgym_lite
from archgym_lite.plugins.testing import conformance_env, env_availability, mixed_space
from archgym_lite.trials import logs
from archgym_lite.trials.run import run_trial

SYNTHETIC = "archgym/Synthetic-v0"
BUDGET = 40
#: Hyperparameters that make every algorithm train within BUDGET steps (defaults wait for 32 steps).
TRAINS_EARLY = {
    "ppo": {"n_steps": 16, "batch_size": 8, "n_epochs": 2},
    "a2c": {"n_steps": 8},
    "dqn": {"learning_starts": 8, "target_update_interval": 16},
    "sac": {"learning_starts": 8},
}


@cache
def _availability() -> dict[str, str | None]:
    return env_availability()


def rl_agents() -> list[str]:
    """Every registered agent that drives the env itself (built-in or plugin)."""
    return [n for n in archgym_lite.agent_names() if archgym_lite.agent_class(n).uses_env]


def test_builtin_rl_agents_use_the_env() -> None:
    assert {"ppo", "a2c", "dqn", "sac"} <= set(rl_agents())


@pytest.mark.parametrize("env_id", archgym_lite.env_ids())
@pytest.mark.parametrize("agent", rl_agents())
def test_rl_agent_runs_exact_budget_on_env(agent: str, env_id: str) -> None:
    reason = _availability()[env_id]
    if reason is not None:
        pytest.fail(f"{env_id} unavailable: {reason}")
    res = run_trial(env_id, agent, BUDGET, seed=0, agent_params=TRAINS_EARLY.get(agent), raise_errors=True)
    assert res.status == "completed"
    assert res.n_evals == BUDGET
    assert archgym_lite.make(env_id).space.validate(res.best_design) == res.best_design


@pytest.mark.parametrize("agent", ["ppo", "a2c", "dqn", "sac"])
def test_rl_agent_on_move_mode_env(agent: str) -> None:
    res = run_trial(SYNTHETIC, agent, 24, seed=1, env_kwargs={"action_mode": "move", "max_steps": 8},
                    agent_params=TRAINS_EARLY[agent], raise_errors=True)
    assert res.n_evals == 24


@pytest.mark.parametrize("agent", ["ppo", "a2c", "dqn", "sac"])
def test_rl_same_seed_same_logged_designs(agent: str, tmp_path) -> None:
    frames = []
    for run, seed in (("a", 5), ("b", 5), ("c", 6)):
        res = run_trial(SYNTHETIC, agent, BUDGET, seed=seed, out_dir=tmp_path / run,
                        agent_params=TRAINS_EARLY[agent], raise_errors=True)
        frames.append(logs.load(res.log_path))
    p_cols = [c for c in frames[0].columns if c.startswith("p_")]
    assert frames[0][p_cols].equals(frames[1][p_cols])
    assert not frames[0][p_cols].equals(frames[2][p_cols])


def test_callback_records_every_evaluation_and_the_best() -> None:
    from agents.rl.sb3 import PPOAgent

    env = conformance_env()
    agent = PPOAgent(env.space, seed=0, n_steps=8, batch_size=8)
    agent.learn(env, 19)
    cb = agent.callback
    assert len(cb.evaluations) == 19 and agent.model.num_timesteps == 19
    best_design, best_reward = max(cb.evaluations, key=lambda t: t[1])
    assert cb.best_reward == best_reward and cb.best_design == best_design
    with pytest.raises(NotImplementedError, match="uses_env"):
        agent.ask(1)


def test_move_actions_wrapper_moves_one_parameter_one_level() -> None:
    from agents.rl.sb3 import MoveActions

    env = MoveActions(conformance_env(mixed_space()))
    env.reset(seed=0)
    start = env.idx.copy()
    d = len(start)
    assert env.action_space.n == 2 * d + 1
    _, _, _, _, info = env.step(0)  # stay
    np.testing.assert_array_equal(env.idx, start)
    _, _, _, _, info = env.step(2 * 1 + 2)  # parameter 1 up
    expected = start.copy()
    expected[1] += 1
    np.testing.assert_array_equal(env.idx, expected)
    assert env.space.encode(info["design"]).tolist() == expected.tolist()
    for _ in range(20):  # clipped at the bottom of parameter 0
        env.step(1)
    assert env.idx[0] == 0
    assert env.observation_space.contains(env.step(0)[0])


def test_unit_box_actions_decode_like_from_unit() -> None:
    from agents.rl.sb3 import UnitBoxActions

    space = mixed_space()
    env = UnitBoxActions(conformance_env(space))
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    for _ in range(10):
        u = rng.random(len(space)).astype(np.float32)
        _, _, _, _, info = env.step(u)
        expected = space.from_unit(u)
        for p in space.params:  # reals land on the env's level grid, i.e. from_unit's value snapped to it
            want = p.levels[int(p.index_of(np.array([expected[p.name]], dtype=object))[0])]
            assert info["design"][p.name] == want


@pytest.mark.parametrize("start", ["default", "random", "best"])
def test_move_actions_episode_starts(start: str) -> None:
    from agents.rl.sb3 import MoveActions

    space = mixed_space()
    env = MoveActions(conformance_env(space), start=start)
    env.reset(seed=3)
    first = env.idx.copy()
    default = space.encode(space.default())
    if start == "random":
        starts = {tuple(env.reset()[1]["design"].values()) for _ in range(5)}
        assert len(starts) > 1  # a fresh random design per episode...
        env.reset(seed=3)
        np.testing.assert_array_equal(env.idx, first)  # ...reproducible from the seed
    else:
        np.testing.assert_array_equal(first, default)  # nothing evaluated yet: "best" starts at the default
    for a in (2, 4, 6, 1):
        env.step(a)
    env.reset()
    if start == "best":
        np.testing.assert_array_equal(env.idx, env.best_idx)
    elif start == "default":
        np.testing.assert_array_equal(env.idx, default)


# --- defaults that update within a DSE budget ---------------------------------------------------------------


def test_budget_defaults_scale_with_the_budget() -> None:
    from agents.rl.sb3 import budget_defaults

    assert budget_defaults(256) == {"ppo_n_steps": 16, "a2c_n_steps": 8, "learning_starts": 32, "target_update": 32}
    assert budget_defaults(64) == {"ppo_n_steps": 8, "a2c_n_steps": 4, "learning_starts": 8, "target_update": 8}
    assert budget_defaults(100_000)["ppo_n_steps"] == 64  # capped: rollouts stay short on long budgets


@pytest.mark.parametrize(("agent", "gamma"), [("ppo", 0.0), ("a2c", 0.0), ("dqn", 0.9)])
def test_default_models_update_within_a_small_budget(agent: str, gamma: float) -> None:
    cls = archgym_lite.agent_class(agent)
    env = conformance_env(mixed_space())
    learner = cls(env.space, seed=0)
    learner.learn(env, 48)
    model = learner.model
    assert model.gamma == gamma  # a design-mode step is a bandit round; DQN's moves lead somewhere
    assert model.num_timesteps == 48 and model._n_updates > 0  # it learned, not only collected


def test_scaled_reward_keeps_the_raw_reward_for_the_log() -> None:
    from agents.rl.sb3 import PositionObservation, ScaledReward

    env = ScaledReward(PositionObservation(conformance_env(mixed_space())))
    env.reset(seed=0)
    raw, scaled = [], []
    for a in ([0, 0, 0, 0, 0], [3, 4, 2, 1, 8], [6, 8, 4, 2, 16]):
        _, r, _, _, info = env.step(np.array(a))
        raw.append(info["raw_reward"])
        scaled.append(r)
    assert scaled[0] == 0.0 and scaled[1] == pytest.approx(np.sign(raw[1] - raw[0]))
    seen = np.array(raw)
    assert scaled[2] == pytest.approx((raw[2] - seen.mean()) / seen.std())
