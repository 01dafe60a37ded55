"""Search agents (random, random walk, GA, ACO, NSGA-II, BO, qNEHVI, Optuna): every agent on every env,
reproducibility, operators, BO batch shapes, NSGA-II sorting, Optuna's defaults, and BO against random search
on the synthetic problem with a known optimum.

RL agents (``uses_env``) have their own file, tests/test_agents_rl.py.
"""

from __future__ import annotations

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

SEARCH_AGENTS = ["random", "random-walk", "ga", "aco", "nsga2", "bo", "qnehvi", "optuna-tpe", "optuna"]
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


# --- BO on BoTorch: batch shapes ----------------------------------------------------------------------


def _told_bo(cls_name: str = "bo", **params):
    """A BO agent on the synthetic env that has been told its initial batch; returns (agent, sim, objective)."""
    env = archgym_lite.make(SYNTHETIC)
    sim, obj = env.simulator, env.objective
    bo = archgym_lite.agent_class(cls_name)(sim.space, seed=0, **params)
    init = bo.ask(bo.batch_size())
    table = sim.evaluate_batch(init)
    bo.tell(init, obj.reward_batch(table), table)
    return bo, sim, obj, init


@pytest.mark.parametrize("params", [{}, {"acquisition": "qLogNEI"}, {"categorical": "mixed"},
                                    {"output_transform": "standardize"}], ids=lambda p: str(p) or "default")
def test_bo_batch_shapes(params) -> None:
    bo, sim, obj, init = _told_bo(n_init=6, batch_size=5, n_candidates=200, n_local=50, **params)
    assert len(init) == 6 and len({design_key(sim.space, d) for d in init}) == 6  # the initial batch is n_init
    assert bo.batch_size() == 5
    seen = {design_key(sim.space, d) for d in init}
    for q in (5, 3, 1):  # the run loop asks for less than batch_size at the end of a budget
        batch = bo.ask(q)
        keys = {design_key(sim.space, d) for d in batch}
        assert len(batch) == q and len(keys) == q and not keys & seen
        for d in batch:
            assert sim.space.validate(d) == d
        table = sim.evaluate_batch(batch)
        bo.tell(batch, obj.reward_batch(table), table)
        seen |= keys
    assert len(bo.y) == 6 + 5 + 3 + 1


def test_bo_encoder_and_training_tensor_shapes() -> None:
    from agents.bayesian.models import TorchEncoder

    space = mixed_space()  # int, pow2, int_list, categorical (3 choices), real
    onehot, mixed = TorchEncoder(space), TorchEncoder(space, "mixed")
    designs = space.sample_batch(0, 7)
    assert tuple(onehot.encode(designs).shape) == (7, 4 + 3) and onehot.cat_dims == []
    X = mixed.encode(designs)
    assert tuple(X.shape) == (7, 5) and mixed.cat_dims == [3]
    assert set(X[:, 3].tolist()) <= {0.0, 1.0, 2.0} and float(X.min()) >= 0.0 and float(onehot.encode(designs).max()) <= 1.0


def test_bo_refits_hyperparameters_on_a_schedule() -> None:
    bo, sim, obj, _ = _told_bo(n_init=8, batch_size=4, n_candidates=100, n_local=20, refit_every=8)
    for _ in range(5):  # models on 8, 12, 16, 20, 24 observations: fits at 8, 16, 24 only
        batch = bo.ask(4)
        table = sim.evaluate_batch(batch)
        bo.tell(batch, obj.reward_batch(table), table)
    assert bo.gp.n_fits == 3


def test_bo_on_a_space_smaller_than_the_batch() -> None:
    from agents.bayesian.bo import BayesianOptimization

    space = DesignSpace([CategoricalParam("a", ["x", "y", "z"])])
    bo = BayesianOptimization(space, seed=0, n_init=2, batch_size=4)
    init = bo.ask(2)
    bo.tell(init, np.array([0.0, 1.0]), {})
    batch = bo.ask(4)  # one design is left: it comes first, then repeats fill the batch
    assert len(batch) == 4 and {d["a"] for d in init} | {batch[0]["a"]} == {"x", "y", "z"}


def test_qnehvi_batch_shapes_under_a_traded_objective() -> None:
    from archgym_lite.plugins.testing import conformance_env

    env = conformance_env(mixed_space(), trade=True)
    sim, obj = env.simulator, env.objective
    agent = archgym_lite.agent_class("qnehvi")(sim.space, seed=0, n_init=6, batch_size=3, n_candidates=100)
    agent.set_objective(obj.with_reference(sim.evaluate(sim.space.default())))
    seen = set()
    for q in (6, 3, 2):
        batch = agent.ask(q)
        keys = {design_key(sim.space, d) for d in batch}
        assert len(batch) == q == len(keys) and not keys & seen
        table = sim.evaluate_batch(batch)
        agent.tell(batch, obj.reward_batch(table), table)
        seen |= keys
    assert agent.gains.shape == (11, 2) and agent.violation.shape == (11,)


# --- NSGA-II ------------------------------------------------------------------------------------------


def test_nsga2_fronts_with_constraint_domination() -> None:
    from agents.evolutionary.nsga2 import crowding_distance, fronts

    values = np.array([[3, 1], [2, 2], [1, 3], [1, 1], [0, 0], [9, 9], [9, 9]], dtype=float)
    violation = np.array([0, 0, 0, 0, 0, 0.5, 0.2])
    got = [sorted(f.tolist()) for f in fronts(values, violation)]
    # feasible: {0,1,2} non-dominated, then (1,1), then (0,0); infeasible (9,9)s after, smaller violation first
    assert got == [[0, 1, 2], [3], [4], [6], [5]]
    # crowding of the staircase (3,1),(2,2),(1,3): ends infinite; middle (3-1)/2 + (3-1)/2 = 2
    np.testing.assert_allclose(crowding_distance(values[:3]), [np.inf, 2.0, np.inf])


def test_nsga2_keeps_the_first_front_and_searches_the_trade_off() -> None:
    from archgym_lite.plugins.testing import conformance_env

    env = conformance_env(mixed_space(), trade=True)
    sim, obj = env.simulator, env.objective.with_reference({"cost": 1.0, "area": 1.0})
    ga = archgym_lite.agent_class("nsga2")(sim.space, seed=0, pop_size=8)
    ga.set_objective(obj)
    told_g, told_v = [], []
    for _ in range(6):
        designs = ga.ask(8)
        table = sim.evaluate_batch(designs)
        ga.tell(designs, obj.reward_batch(table), table)
        told_g.append(obj.gains_batch(table))
        told_v.append(obj.violation_batch(table))
    g, v = np.vstack(told_g), np.concatenate(told_v)
    feas = g[v == 0]
    nd = [i for i, p in enumerate(feas) if not ((feas >= p).all(1) & (feas > p).any(1)).any()]
    members, front = {tuple(m[1]) for m in ga.members}, {tuple(feas[i]) for i in nd}
    # the non-dominated feasible designs seen so far all survive when they fit, else they fill the population
    assert front <= members if len(front) <= 8 else members <= front
    assert len(ga.members) == 8


# --- Optuna peers ---------------------------------------------------------------------------------------


def test_optuna_tpe_uses_optunas_defaults() -> None:
    import optuna

    from agents.optuna_tpe import OptunaTPE

    agent = OptunaTPE(mixed_space(), seed=0)
    sampler = agent.study.sampler
    default = optuna.samplers.TPESampler(seed=0)
    for attr in ("_multivariate", "_n_startup_trials", "_n_ei_candidates", "_group", "_constant_liar"):
        assert getattr(sampler, attr) == getattr(default, attr), attr
    assert sampler._is_multivariate(agent.study)  # Optuna's default for one objective: multivariate TPE
    tuned = OptunaTPE(mixed_space(), seed=0, multivariate=False, n_startup_trials=3).study.sampler
    assert tuned._multivariate is False and tuned._n_startup_trials == 3


@pytest.mark.parametrize("sampler", ["tpe", "cmaes", "nsga2", "gp", "random", "qmc"])
def test_optuna_samplers_by_name(sampler: str) -> None:
    res = run_trial(SYNTHETIC, "optuna", 14, seed=0, agent_params={"sampler": sampler}, raise_errors=True)
    assert res.n_evals == 14 and np.isfinite(res.best_reward)


def test_optuna_multi_objective_study_with_constraints() -> None:
    from agents.optuna_tpe import OptunaTPE
    from archgym_lite.plugins.testing import conformance_env

    env = conformance_env(mixed_space(), trade=True)
    sim, obj = env.simulator, env.objective
    agent = OptunaTPE(sim.space, seed=0, batch_size=4)
    agent.set_objective(obj)
    designs = agent.ask(4)
    table = sim.evaluate_batch(designs)
    agent.tell(designs, obj.reward_batch(table), table)
    trials = agent.study.trials
    assert len(agent.study.directions) == 2
    np.testing.assert_allclose([t.values for t in trials], obj.gains_batch(table))
    np.testing.assert_allclose([t.system_attrs["constraints:violation"] for t in trials], obj.violation_batch(table))
