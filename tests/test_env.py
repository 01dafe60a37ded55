"""DesignEnv: Gymnasium's check_env on every registered env (both action modes), determinism, semantics."""

import gymnasium
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

import archgym_lite
from archgym_lite import DesignEnv, SpecError
from simulators.synthetic import OPTIMUM, SyntheticSimulator

ENV_IDS = archgym_lite.env_ids()


def test_builtin_envs_are_registered():
    assert {"archgym/Synthetic-v0", "archgym/Accelerator-v0", "archgym/DRAM-v0"} <= set(ENV_IDS)


@pytest.mark.parametrize("env_id", ENV_IDS)
@pytest.mark.parametrize("mode", [{}, {"action_mode": "move", "observe_design": True}])
def test_check_env_on_every_registered_env(env_id, mode):
    env = archgym_lite.make(env_id, **mode)
    check_env(env, skip_render_check=True)
    env.close()


@pytest.mark.parametrize("env_id", ENV_IDS)
def test_gymnasium_make_mirrors_the_registry(env_id):
    env = gymnasium.make(env_id)
    assert isinstance(env.unwrapped, DesignEnv)
    obs, info = env.reset(seed=3)
    assert env.observation_space.contains(obs)
    assert "design" in info


def test_step_reports_design_metrics_and_reward():
    env = archgym_lite.make("archgym/Synthetic-v0", max_steps=3)
    env.reset(seed=0)
    action = env.unwrapped.space.encode(OPTIMUM)
    obs, reward, terminated, truncated, info = env.step(action)
    assert info["design"] == OPTIMUM
    assert info["metrics"] == {"cost": 1.0, "area_mm2": 6.0}  # hand-computed at the known optimum
    assert reward == 0.0 and info["feasible"]
    assert not terminated and not truncated
    env.step(action)
    *_, truncated, _ = env.step(action)
    assert truncated  # third step of max_steps=3


def test_observation_is_log_normalised_metrics():
    env = DesignEnv(SyntheticSimulator())
    env.reset(seed=0)
    # default design (middle levels): x_int=10, x_pow2=32, x_list=3, mode=b, x_real=1.0
    ref_cost = 1 + 9 / 100 + 1 / 25 + 1 / 9
    ref_area = 32 * 3 / 64
    obs, *_ = env.step(env.space.encode(OPTIMUM))
    assert obs[0] == pytest.approx(np.log1p(1.0 / ref_cost), rel=1e-6)
    assert obs[1] == pytest.approx(np.log1p(6.0 / ref_area), rel=1e-6)


def test_move_mode_moves_one_level_and_clips():
    env = archgym_lite.make("archgym/Synthetic-v0", action_mode="move")
    env.reset(seed=0, options={"design": {"x_int": 0, "x_pow2": 1024, "x_list": 6, "mode": "a", "x_real": 1.0}})
    _, _, _, _, info = env.step(np.array([2, 2, 0, 1, 1]))  # up, up (clipped), down, stay, stay
    assert info["design"] == {"x_int": 1, "x_pow2": 1024, "x_list": 3, "mode": "a", "x_real": 1.0}


def test_reset_seed_determinism_in_move_mode():
    env = archgym_lite.make("archgym/Synthetic-v0", action_mode="move")
    _, a = env.reset(seed=11)
    _, b = env.reset(seed=11)
    assert a == b


def test_bad_arguments_name_the_field():
    with pytest.raises(SpecError, match=r"action_mode: got 'jump'; allowed: \['design', 'move'\]"):
        archgym_lite.make("archgym/Synthetic-v0", action_mode="jump")
    env = archgym_lite.make("archgym/Synthetic-v0")
    env.reset()
    with pytest.raises(SpecError, match="action"):
        env.step(np.array([99, 0, 0, 0, 0]))


def test_render_ansi():
    env = archgym_lite.make("archgym/Synthetic-v0", render_mode="ansi")
    env.reset(seed=0)
    env.step(env.action_space.sample())
    assert "archgym/Synthetic-v0 step 1" in env.render()


def test_observation_squash_matches_the_numpy_formula_at_the_edges():
    from archgym_lite.core.env import OBS_CLIP, _squash

    x = np.array([0.0, -0.0, 1e-300, 3.5, -3.5, 1e30, -1e30, np.inf, -np.inf, 7.0])
    ref = np.array([1.0, 2.0, 1.0, 0.5, 0.5, 1.0, 1.0, 1.0, 1.0, 1e-9])
    want = np.clip(np.sign(x) * np.log1p(np.abs(x) / ref), -OBS_CLIP, OBS_CLIP)
    got = np.array([_squash(float(a), float(r)) for a, r in zip(x, ref, strict=True)])
    np.testing.assert_allclose(got, want, rtol=1e-15, atol=0)
    assert np.isnan(_squash(float("nan"), 1.0))  # a NaN metric stays visible (check_env-style envs flag it)
    assert got[5] == OBS_CLIP and got[6] == -OBS_CLIP and got[9] == np.log1p(7e9)
