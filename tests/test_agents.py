"""Search agents (random, random walk, GA, ACO, BO, Optuna TPE): every agent on every env, reproducibility,
operators, and BO against random search on the synthetic problem with a known optimum.

RL agents (``uses_env``) have their own file, tests/test_agents_rl.py.
"""

from __future__ import annotations

import math
from functools import cache

import numpy as np
import pytest

import archgym_lite
from agents.common import FeatureEncoder, design_key, draw_unique, mutate_design, mutate_value
from archgym_lite.core.errors import SpecError
from archgym_lite.core.params import CategoricalParam, IntListParam, IntParam, Pow2Param, RealParam
from archgym_lite.core.space import DesignSpace
from archgym_lite.plugins.testing import env_availability, mixed_space
from archgym_lite.trials import logs
from archgym_lite.trials.run import run_trial

SEARCH_AGENTS = ["random", "random-walk", "ga", "aco", "bo", "optuna-tpe"]
RL_AGENTS = ["ppo", "a2c", "dqn", "sac"]
SYNTHETIC = "archgym/Synthetic-v0"


@cache
def _availability() -> dict[str, str | None]:
    return env_availability()


def require_env(env_id: str) -> None:
    """Fail (with the reason shown) on a registered env whose simulator module does not import."""
    reason = _availability()[env_id]
    if reason is not None:
        pytest.fail(f"{env_id} unavailable: {reason}")


def ask_tell_agents() -> list[str]:
    """Every registered ask/tell agent, built-in or plugin."""
    return [n for n in archgym_lite.agent_names() if not archgym_lite.agent_class(n).uses_env]


# --- registry -------------------------------------------------------------------------------------


def test_builtin_agents_are_registered() -> None:
    names = set(archgym_lite.agent_names())
    assert set(SEARCH_AGENTS + RL_AGENTS) <= names


@pytest.mark.parametrize("name", SEARCH_AGENTS + RL_AGENTS)
def test_hyperparameters_are_declared_with_defaults(name: str) -> None:
    cls = archgym_lite.agent_class(name)
    assert cls.name == name
    hps = cls.hyperparameters()
    assert hps, f"{name} declares no hyperparameters"
    for hp in hps:
        assert hp["description"], f"{name}.{hp['name']} has no description"
    defaults = {hp["name"]: hp["default"] for hp in hps}
    cls.parse_params(defaults)  # the listed defaults are themselves valid


@pytest.mark.parametrize(("name", "params", "field"), [
    ("ga", {"pop_size": 1}, "pop_size"),
    ("ga", {"pop_size": 4, "elite": 4}, "elite"),
    ("aco", {"evaporation": 0.0}, "evaporation"),
    ("bo", {"output_transform": "log"}, "output_transform"),
    ("optuna-tpe", {"n_startup": 3}, "n_startup"),
    ("ppo", {"net_arch": []}, "net_arch"),
])
def test_bad_hyperparameters_name_the_field(name: str, params: dict, field: str) -> None:
    with pytest.raises(SpecError, match=field):
        archgym_lite.agent_class(name).parse_params(params)


# --- every agent on every env ---------------------------------------------------------------------


@pytest.mark.parametrize("env_id", archgym_lite.env_ids())
@pytest.mark.parametrize("agent", ask_tell_agents())
def test_agent_runs_on_env(agent: str, env_id: str) -> None:
    require_env(env_id)
    budget = 30
    res = run_trial(env_id, agent, budget, seed=3, raise_errors=True)
    assert res.status == "completed"
    assert res.n_evals == budget
    assert np.isfinite(res.best_reward)
    space = archgym_lite.make(env_id).space
    assert space.validate(res.best_design) == res.best_design


@pytest.mark.parametrize("agent", SEARCH_AGENTS)
def test_same_seed_same_logged_designs(agent: str, tmp_path) -> None:
    frames = []
    for run in ("a", "b", "c"):
        seed = 11 if run != "c" else 12
        res = run_trial(SYNTHETIC, agent, 25, seed=seed, out_dir=tmp_path / run, raise_errors=True)
        frames.append(logs.load(res.log_path))
    p_cols = [c for c in frames[0].columns if c.startswith("p_")]
    assert frames[0][p_cols].equals(frames[1][p_cols])
    assert frames[0]["reward"].equals(frames[1]["reward"])
    assert not frames[0][p_cols].equals(frames[2][p_cols])


# --- BO beats random search on the synthetic problem ----------------------------------------------

# Cost of a design one level away from the optimum in every ordered parameter, with the right categorical
# (see simulators/synthetic.py): x_int +-1 -> 1/100; x_pow2 one octave -> 1/25; x_list one index -> 1/9;
# x_real one grid step of the 17-level log grid over [0.1, 10] (0.125 decades) -> 0.125^2.
ONE_LEVEL_OFF_COST = 1.0 + 1 / 100 + 1 / 25 + 1 / 9 + 0.125**2  # = 1.177


def _best_costs(agent: str, budget: int, seeds: range) -> np.ndarray:
    sim = archgym_lite.make(SYNTHETIC).simulator
    costs = []
    for seed in seeds:
        res = run_trial(SYNTHETIC, agent, budget, seed=seed, raise_errors=True)
        costs.append(sim.evaluate(res.best_design)["cost"])
    return np.array(costs)


def test_bo_beats_random_search_on_synthetic() -> None:
    seeds, budget = range(5), 60
    bo, rnd = _best_costs("bo", budget, seeds), _best_costs("random", budget, seeds)
    assert np.all(bo >= 1.0 - 1e-12), "nothing beats the known optimum (cost 1.0)"
    assert np.median(bo) < np.median(rnd)
    assert np.median(bo) <= ONE_LEVEL_OFF_COST, (
        f"BO median best cost {np.median(bo):.3f} is not within one level of the optimum (costs {bo})")


# --- operators ----------------------------------------------------------------------------------


@pytest.mark.parametrize("param", [
    IntParam("a", 0, 10, step=2), Pow2Param("a", 1, 64), IntListParam("a", [1, 2, 3, 6]),
    CategoricalParam("a", ["x", "y", "z"]), RealParam("a", 0.1, 10.0, log=True), RealParam("a", -1.0, 1.0),
], ids=lambda p: p.kind + ("_log" if getattr(p, "log", False) else ""))
def test_mutate_value_stays_valid_and_moves(param) -> None:
    rng = np.random.default_rng(0)
    for value in param.levels:
        for _ in range(20):
            new = mutate_value(param, value, rng, scale=0.2)
            assert param.validate(new) == new
            if param.kind != "real":
                assert new != value  # discrete mutation always changes the value


def test_mutate_value_single_level_is_identity() -> None:
    rng = np.random.default_rng(0)
    assert mutate_value(IntParam("a", 4, 4), 4, rng, 0.5) == 4
    assert mutate_value(CategoricalParam("a", ["only"]), "only", rng, 0.5) == "only"


def test_mutate_design_changes_at_least_one_parameter() -> None:
    space = mixed_space()
    rng = np.random.default_rng(1)
    d = space.default()
    for _ in range(50):
        assert mutate_design(space, d, rng, prob=0.0, scale=0.1) != d


def test_feature_encoder_one_hot_for_categoricals_unit_for_ordered() -> None:
    space = DesignSpace([IntParam("i", 0, 4), CategoricalParam("c", ["x", "y", "z"]),
                         RealParam("r", 1.0, 100.0, log=True)])
    enc = FeatureEncoder(space)
    assert enc.dim == 1 + 3 + 1
    X = enc.encode([{"i": 1, "c": "z", "r": 10.0}, {"i": 4, "c": "x", "r": 1.0}])
    np.testing.assert_allclose(X, [[0.25, 0, 0, 1, 0.5], [1.0, 1, 0, 0, 0.0]])


def test_draw_unique_gives_up_on_exhausted_space() -> None:
    space = DesignSpace([CategoricalParam("c", ["x", "y"])])
    rng = np.random.default_rng(0)
    seen: set = set()
    got = [draw_unique(lambda: space.sample(rng), space, seen) for _ in range(5)]
    assert {design_key(space, d) for d in got[:2]} == {("x",), ("y",)}
    assert len(got) == 5


def test_ga_population_improves_on_synthetic() -> None:
    from agents.evolutionary.ga import GeneticAlgorithm

    env = archgym_lite.make(SYNTHETIC)
    sim, obj = env.simulator, env.objective
    ga = GeneticAlgorithm(sim.space, seed=0, pop_size=10)
    means = []
    for _ in range(8):
        designs = ga.ask(ga.batch_size())
        table = sim.evaluate_batch(designs)
        ga.tell(designs, obj.reward_batch(table), table)
        means.append(np.median([r for _, r in ga.population]))
    assert means[-1] > means[0]
    assert len(ga.population) == 10


def test_aco_pheromone_concentrates_on_optimum_level() -> None:
    """On a one-parameter problem, after a few iterations the optimum level is the most likely one."""
    from agents.evolutionary.aco import AntColony

    space = DesignSpace([IntParam("a", 0, 20)])
    aco = AntColony(space, seed=0, n_ants=8)
    for _ in range(10):
        designs = aco.ask(8)
        rewards = -np.array([(d["a"] - 13) ** 2 for d in designs], dtype=float)
        aco.tell(designs, rewards, {})
    probs = aco.probabilities()[0]
    assert abs(int(np.argmax(probs)) - 13) <= 1
    assert probs.min() > 0  # the pheromone floor keeps every level reachable


def test_optuna_distributions_follow_param_kinds() -> None:
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    from agents.optuna_tpe import OptunaTPE

    agent = OptunaTPE(mixed_space(), seed=0)
    dist = agent.distributions
    assert dist["n_int"] == IntDistribution(0, 12, step=2)
    assert dist["n_pow2"] == IntDistribution(0, 8)  # level index of 1..256
    assert dist["n_list"] == IntDistribution(0, 4)
    assert dist["choice"] == CategoricalDistribution(("x", "y", "z"))
    assert dist["ratio"] == FloatDistribution(0.01, 1.0, log=True)


def test_optuna_tell_matches_ask_order() -> None:
    from agents.optuna_tpe import OptunaTPE

    space = mixed_space()
    agent = OptunaTPE(space, seed=0, batch_size=3)
    designs = agent.ask(3)
    agent.tell(designs, np.array([1.0, 2.0, 3.0]), {})
    trials = agent.study.trials
    assert [t.value for t in trials] == [1.0, 2.0, 3.0]
    assert [agent._decode(t.params) for t in trials] == designs
    with pytest.raises(RuntimeError, match="more designs than ask"):
        agent.tell(designs[:1], np.array([0.0]), {})


def test_bo_batch_is_distinct_and_valid() -> None:
    from agents.bayesian.bo import BayesianOptimization, expected_improvement

    env = archgym_lite.make(SYNTHETIC)
    sim, obj = env.simulator, env.objective
    bo = BayesianOptimization(sim.space, seed=0, n_init=6, batch_size=5, n_candidates=200)
    assert bo.batch_size() == 6
    init = bo.ask(bo.batch_size())
    table = sim.evaluate_batch(init)
    bo.tell(init, obj.reward_batch(table), table)
    assert bo.batch_size() == 5
    batch = bo.ask(5)
    keys = {design_key(sim.space, d) for d in batch}
    assert len(keys) == 5 and not keys & {design_key(sim.space, d) for d in init}
    for d in batch:
        sim.space.validate(d)
    # EI is non-negative and grows with the predicted mean and with uncertainty
    ei = expected_improvement(np.array([0.0, 1.0, 0.0]), np.array([1.0, 1.0, 2.0]), best=0.5, xi=0.0)
    assert np.all(ei >= 0) and ei[1] > ei[0] and ei[2] > ei[0]
    assert math.isclose(expected_improvement(np.array([2.0]), np.array([1e-15]), 0.5, 0.0)[0], 1.5)
