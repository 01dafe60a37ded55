"""The run loop's evaluation cache: a repeated design is looked up, not simulated, and still counted and logged."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import pytest

import archgym_lite
from archgym_lite.core.agent import Agent
from archgym_lite.core.env import DesignEnv
from archgym_lite.core.objective import Objective
from archgym_lite.core.space import CategoricalParam, Design, DesignSpace, IntParam
from archgym_lite.plugins.testing import ConformanceSimulator
from archgym_lite.trials import logs
from archgym_lite.trials.run import run_trial

SPACE = DesignSpace([IntParam("a", 0, 3), CategoricalParam("b", ["x", "y"])])  # 8 designs
ENV_ID = "archgym-test/CountedCache-v0"


class CountingSimulator(ConformanceSimulator):
    """The conformance bowl, counting every design it simulates."""

    simulated: list[tuple] = []

    def _evaluate_batch(self, columns):
        n = len(next(iter(columns.values())))
        CountingSimulator.simulated += list(zip(*(np.asarray(columns[k]).tolist() for k in self.space.names),
                                                strict=True))[:n]
        return super()._evaluate_batch(columns)


class NondeterministicSimulator(CountingSimulator):
    deterministic = False


def _factory(sim_cls):
    def make_env(objective=None, env_id=ENV_ID, **kwargs):
        sim = sim_cls(SPACE)
        return DesignEnv(sim, Objective.from_spec({"targets": {"cost": 1.0}}, sim.metrics), env_id=env_id, **kwargs)

    return make_env


class Cycler(Agent):
    """Proposes the designs of ``SCRIPT`` in order, cycling (batches of 3, with a repeat inside a batch)."""

    name = "cycler"
    SCRIPT = [{"a": 0, "b": "x"}, {"a": 1, "b": "x"}, {"a": 1, "b": "x"}, {"a": 2, "b": "y"}, {"a": 0, "b": "x"}]

    def __init__(self, space, seed=None, **params):
        super().__init__(space, seed, **params)
        self.i = 0

    def batch_size(self) -> int:
        return 3

    def ask(self, n: int = 1) -> list[Design]:
        out = [self.SCRIPT[(self.i + k) % len(self.SCRIPT)] for k in range(n)]
        self.i += n
        return out

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        pass


@pytest.fixture(autouse=True)
def _registered():
    archgym_lite.register(ENV_ID, _factory(CountingSimulator), override=True)
    archgym_lite.register_agent("cycler", Cycler, override=True)
    CountingSimulator.simulated = []


def _designs(df: pd.DataFrame) -> list[tuple]:
    return list(zip(df["p_a"], df["p_b"], strict=True))


def test_repeats_are_looked_up_counted_and_flagged(tmp_path):
    res = run_trial(ENV_ID, "cycler", 11, out_dir=tmp_path)
    df = logs.load(res.log_path)
    designs = _designs(df)
    # the script repeats (1, x) inside the first batch and cycles every 5: 3 distinct designs in 11 evaluations
    assert res.n_evals == len(df) == 11 and res.n_unique == 3 == len(set(designs))
    repeat = pd.Series(designs).duplicated().to_numpy()  # a row whose design appeared earlier in the trial
    np.testing.assert_array_equal(df["cached"].to_numpy(), repeat)
    # the env's reference design is simulated once at build time; the trial simulates each design once
    trial_sims = CountingSimulator.simulated[-3:]
    assert sorted(trial_sims) == sorted(set(designs))
    assert (df.loc[df["cached"], "sim_time_s"] == 0).all()
    first = df.drop_duplicates(["p_a", "p_b"]).set_index(["p_a", "p_b"])
    for _, row in df[df["cached"]].iterrows():  # a looked-up row repeats its first evaluation exactly
        f = first.loc[(row["p_a"], row["p_b"])]
        assert row["m_cost"] == f["m_cost"] and row["reward"] == f["reward"]


def test_cache_off_and_nondeterministic_simulators_simulate_every_evaluation(tmp_path):
    res = run_trial(ENV_ID, "cycler", 11, out_dir=tmp_path / "off", cache=False)
    assert not logs.load(res.log_path)["cached"].any() and res.n_unique == 3
    archgym_lite.register(ENV_ID, _factory(NondeterministicSimulator), override=True)
    CountingSimulator.simulated = []
    res = run_trial(ENV_ID, "cycler", 11, out_dir=tmp_path / "nd")
    assert not logs.load(res.log_path)["cached"].any()
    # the default design twice (the env's observation scale, the hypervolume reference), then every evaluation
    assert len(CountingSimulator.simulated) == 2 + 11


def test_env_driven_agents_use_the_cache(tmp_path):
    res = run_trial(ENV_ID, "marl", 40, seed=1, out_dir=tmp_path)
    df = logs.load(res.log_path)
    designs = _designs(df)
    assert res.n_evals == 40 and res.n_unique == len(set(designs)) <= 8
    np.testing.assert_array_equal(df["cached"].to_numpy(), pd.Series(designs).duplicated().to_numpy())
    assert len(CountingSimulator.simulated) == 2 + res.n_unique  # env build + reference design, then unique ones
