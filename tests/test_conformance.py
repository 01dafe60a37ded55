"""The agent conformance kit (archgym_lite.plugins.testing): every built-in agent passes it, and it catches agents
broken in each of the ways it checks for."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pytest

import archgym_lite
from archgym_lite.core.agent import Agent
from archgym_lite.core.space import Design
from archgym_lite.plugins import testing


@pytest.mark.parametrize("check", testing.ALL_CHECKS, ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", archgym_lite.agent_names())
def test_registered_agent_conforms(name: str, check) -> None:
    check(archgym_lite.agent_class(name))


def test_check_agent_runs_every_check() -> None:
    testing.check_agent(archgym_lite.agent_class("ga"), {"pop_size": 4, "elite": 1})


def test_conformance_simulator_optimum() -> None:
    env = testing.conformance_env()
    sim = env.simulator
    best = {"n_int": 4, "n_pow2": 4, "n_list": 2, "choice": "x", "ratio": 0.01 ** 0.7}  # u = 0.3 or near it
    assert sim.evaluate(best)["cost"] < sim.evaluate(sim.space.default())["cost"]
    assert env.objective.reward(sim.evaluate(best)) <= 0.0


# --- deliberately broken agents ------------------------------------------------------------------


class _Base(Agent):
    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        pass


class OverAsker(_Base):
    """Returns one more design than asked for."""

    name = "over-asker"

    def ask(self, n: int = 1) -> list[Design]:
        return self.space.sample_batch(self.rng, n + 1)


class OffByOneLevel(_Base):
    """Proposes a value one past the last level of the first parameter, now and then."""

    name = "off-by-one"

    def ask(self, n: int = 1) -> list[Design]:
        out = self.space.sample_batch(self.rng, n)
        p = self.space.params[0]
        if p.kind in ("int", "pow2", "int_list"):
            out[-1][p.name] = p.levels[-1] + 1
        return out


class GlobalRandom(_Base):
    """Draws from an unseeded generator instead of self.rng."""

    name = "global-random"

    def ask(self, n: int = 1) -> list[Design]:
        return self.space.sample_batch(np.random.default_rng(), n)


class IgnoresSeed(_Base):
    """Deterministic regardless of the seed."""

    name = "ignores-seed"

    def ask(self, n: int = 1) -> list[Design]:
        return self.space.sample_batch(0, n)


class NumbersOnly(_Base):
    """Treats every parameter as a number (breaks on categoricals)."""

    name = "numbers-only"

    def ask(self, n: int = 1) -> list[Design]:
        return [{p.name: p.levels[0] + 0 * float(p.levels[0]) for p in self.space.params} for _ in range(n)]


class OverStepper(Agent):
    """An env-driving agent that takes one step more than its budget."""

    name = "over-stepper"
    uses_env = True

    def learn(self, env, budget: int) -> None:
        env.reset(seed=self.seed)
        for _ in range(budget + 1):
            env.step(env.action_space.sample())

    def ask(self, n: int = 1) -> list[Design]:
        raise NotImplementedError

    def tell(self, designs, rewards, metrics) -> None:
        raise NotImplementedError


@pytest.mark.parametrize(("agent_cls", "check", "message"), [
    (OverAsker, testing.check_respects_budget, "returned 2 designs"),
    (OverStepper, testing.check_respects_budget, "made 2 evaluations for a budget of 1"),
    (OffByOneLevel, testing.check_valid_designs, "is invalid"),
    (GlobalRandom, testing.check_reproducible, "not reproducible"),
    (IgnoresSeed, testing.check_reproducible, "ignores its seed"),
    (NumbersOnly, testing.check_all_param_kinds, "categorical"),
])
def test_kit_catches_broken_agent(agent_cls, check, message: str) -> None:
    with pytest.raises(AssertionError, match=message):
        check(agent_cls)
    with pytest.raises(AssertionError, match=r"^check_\w+ failed: "):
        testing.check_agent(agent_cls)


def test_seed_effect_can_be_waived_for_deterministic_agents() -> None:
    testing.check_reproducible(IgnoresSeed, require_seed_effect=False)


def test_env_availability_lists_every_registered_env() -> None:
    avail = testing.env_availability()
    assert set(avail) == set(archgym_lite.env_ids())
    assert avail["archgym/Synthetic-v0"] is None
