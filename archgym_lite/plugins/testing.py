"""Conformance checks for agents, for plugin authors to call from their own pytest suites.

Each check is a plain function that runs an agent class on small built-in problems and raises
:class:`AssertionError` with a message saying what the agent did wrong::

    from archgym_lite.plugins.testing import check_agent

    def test_my_agent_conforms():
        check_agent(MyAgent, params={"pop_size": 8})

or, one pytest item per check::

    import pytest
    from archgym_lite.plugins import testing

    @pytest.mark.parametrize("check", testing.ALL_CHECKS, ids=lambda c: c.__name__)
    def test_my_agent(check):
        check(MyAgent)

The checks cover both agent styles: ask/tell agents are driven by a strict copy of the run loop (every
``ask(k)`` must return between 1 and ``k`` valid designs), and ``uses_env`` agents get a
:class:`~archgym_lite.core.env.DesignEnv` whose steps are counted and logged. Like the run loop, the driver
hands every agent the objective first (``Agent.set_objective``; multi-objective agents read the traded
metrics' gains from it); :func:`check_multi_objective` runs every agent under an objective
that trades two metrics with a constraint. The problems are closed-form
(:class:`ConformanceSimulator`), so a check takes well under a second for search agents.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np

from archgym_lite.core.agent import Agent
from archgym_lite.core.env import DesignEnv
from archgym_lite.core.errors import DesignError
from archgym_lite.core.objective import Objective
from archgym_lite.core.registry import env_ids, env_spec, load_attr
from archgym_lite.core.simulator import Metric, MetricTable, Simulator
from archgym_lite.core.space import (
    CategoricalParam,
    Columns,
    Design,
    DesignSpace,
    IntListParam,
    IntParam,
    Pow2Param,
    RealParam,
)
from archgym_lite.trials.logs import TrialLogger

__all__ = [
    "ALL_CHECKS",
    "ConformanceSimulator",
    "check_agent",
    "check_all_param_kinds",
    "check_multi_objective",
    "check_reproducible",
    "check_respects_budget",
    "check_valid_designs",
    "conformance_env",
    "env_availability",
    "kind_spaces",
    "mixed_space",
    "run_agent",
]

EnvFactory = Callable[[], DesignEnv]


# --- problems -----------------------------------------------------------------------------------


def mixed_space() -> DesignSpace:
    """A space with one parameter of every kind (int with a step, pow2, int list, categorical, log real)."""
    return DesignSpace([
        IntParam("n_int", 0, 12, step=2),
        Pow2Param("n_pow2", 1, 256),
        IntListParam("n_list", [1, 2, 3, 6, 12]),
        CategoricalParam("choice", ["x", "y", "z"]),
        RealParam("ratio", 0.01, 1.0, log=True),
    ])


def kind_spaces() -> dict[str, DesignSpace]:
    """Small spaces that each stress one parameter kind or an edge case, keyed by a readable name.

    Besides one single-parameter space per kind there are: single-level parameters (a one-value int and a
    one-choice categorical next to a real), a two-choice categorical alone, and a space of only four
    designs, smaller than a typical budget (agents must then repeat designs rather than loop forever).
    """
    return {
        "int": DesignSpace([IntParam("a", -3, 17)]),
        "pow2": DesignSpace([Pow2Param("a", 2, 2048)]),
        "int_list": DesignSpace([IntListParam("a", [1, 2, 3, 6, 12, 24])]),
        "categorical": DesignSpace([CategoricalParam("a", ["p", "q", "r", "s"])]),
        "real_linear": DesignSpace([RealParam("a", -1.0, 1.0)]),
        "real_log": DesignSpace([RealParam("a", 1e-3, 10.0, log=True, n_levels=9)]),
        "single_levels": DesignSpace([IntParam("one", 5, 5), CategoricalParam("only", ["k"]),
                                      RealParam("r", 0.0, 1.0)]),
        "two_choices": DesignSpace([CategoricalParam("a", ["on", "off"])]),
        "tiny": DesignSpace([Pow2Param("a", 1, 2), CategoricalParam("b", ["u", "v"])]),
        "mixed": mixed_space(),
    }


class ConformanceSimulator(Simulator):
    """A closed-form bowl over any design space.

    ``cost = 1 + sum_ordered (u - 0.3)^2 + sum_categorical 0.25 * [choice is not the first]`` where ``u`` is
    the parameter's [0, 1] encoding; ``area`` is the mean ``u`` (for constraint tests).

    Args:
        space: The design space (default: :func:`mixed_space`).
    """

    def __init__(self, space: DesignSpace | None = None) -> None:
        self.space = space or mixed_space()
        self.metrics = (Metric("cost", "", True, "distance to the optimum, minimum 1.0"),
                        Metric("area", "", True, "mean unit position"))

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        n = len(next(iter(columns.values())))
        cost, area = np.ones(n), np.zeros(n)
        for p in self.space.params:
            col = np.asarray(columns[p.name])
            if p.ordered:
                u = np.asarray(p.to_unit(col), dtype=float)
                cost += (u - 0.3) ** 2
                area += u / len(self.space)
            else:
                cost += 0.25 * (p.index_of(col) != 0)
        return {"cost": cost, "area": area}


#: The multi-objective form of the conformance objective: trade cost against area, area at most 0.8.
TRADE_OBJECTIVE = {"targets": {"cost": 1.0, "area": 0.3}, "trade": ["cost", "area"],
                   "reference": {"cost": 2.0, "area": 1.0}, "constraints": {"area": {"max": 0.8}}}


def conformance_env(space: DesignSpace | None = None, *, trade: bool = False, **env_kwargs: Any) -> DesignEnv:
    """A :class:`DesignEnv` over :class:`ConformanceSimulator`: reward ``-log(cost)``, 0 at the optimum, or with
    ``trade`` the multi-objective :data:`TRADE_OBJECTIVE`."""
    sim = ConformanceSimulator(space)
    objective = Objective.from_spec(TRADE_OBJECTIVE if trade else {"targets": {"cost": 1.0}}, sim.metrics)
    return DesignEnv(sim, objective, env_id="archgym-testing/Conformance-v0", **env_kwargs)


def env_availability() -> dict[str, str | None]:
    """Every registered env id → ``None`` if its entry point resolves, else why not (e.g. not written yet).

    Only *resolving* the entry point (importing its module and attribute) is tried here; an env whose
    module imports but whose construction fails is reported as available, so tests that make it fail
    loudly instead of being skipped.
    """
    out: dict[str, str | None] = {}
    for env_id in env_ids():
        entry_point = env_spec(env_id).entry_point
        try:
            load_attr(entry_point)
            out[env_id] = None
        except (ImportError, AttributeError) as exc:
            out[env_id] = f"entry point {entry_point!r} does not resolve: {exc!r}"
    return out


# --- driver -------------------------------------------------------------------------------------


def _label(agent_cls: type[Agent]) -> str:
    return f"{agent_cls.__name__} ({getattr(agent_cls, 'name', '?')!r})"


def run_agent(agent_cls: type[Agent], env: DesignEnv, budget: int, seed: int | None = 0,
              params: Mapping[str, Any] | None = None) -> list[Design]:
    """Run ``agent_cls`` on ``env`` for ``budget`` evaluations, checking the protocol; return every design.

    Ask/tell agents are driven like :func:`archgym_lite.trials.run.run_trial` drives them, but strictly: ``ask(k)``
    must return a list of 1 to ``k`` designs, each valid for the space. ``uses_env`` agents get ``env`` with a
    logger attached and :meth:`learn` is called; every ``env.step`` is one evaluation.

    Raises:
        AssertionError: The agent broke the protocol (too many or invalid designs, or it raised).
    """
    space, sim, objective = env.space, env.simulator, env.objective
    logger = TrialLogger(".", "conformance", space, sim.metric_names, agent=getattr(agent_cls, "name", ""),
                         seed=seed)
    agent = agent_cls(space, seed=seed, **dict(params or {}))
    label = _label(agent_cls)
    agent.set_objective(objective)
    if agent_cls.uses_env:
        env.logger = logger
        try:
            agent.learn(env, budget)  # type: ignore[attr-defined]
        except Exception as exc:
            raise AssertionError(f"{label}: learn(env, budget={budget}) raised {exc!r}") from exc
        finally:
            env.logger = None
        return [logger.design_at(i) for i in range(len(logger))]
    done = 0
    while done < budget:
        k = max(1, min(agent.batch_size(), budget - done))
        try:
            designs = agent.ask(k)
        except Exception as exc:
            raise AssertionError(f"{label}: ask({k}) raised {exc!r} after {done} evaluations") from exc
        if not isinstance(designs, Sequence) or isinstance(designs, (str, Mapping)):
            raise AssertionError(f"{label}: ask({k}) must return a list of designs, got {type(designs).__name__}")
        if not 1 <= len(designs) <= k:
            raise AssertionError(f"{label}: ask({k}) returned {len(designs)} designs after {done} evaluations; "
                                 f"it must return between 1 and {k} (the run loop asks for what the budget allows)")
        for i, d in enumerate(designs):
            try:
                space.validate(d)
            except DesignError as exc:
                raise AssertionError(f"{label}: design #{i} of ask({k}) after {done} evaluations is invalid: "
                                     f"{exc} (design: {d!r})") from None
        cols = space.columns(designs)
        table = sim._evaluate_batch(cols)
        rewards = objective.reward_batch(table)
        try:
            agent.tell(space.rows(cols), rewards, table)
        except Exception as exc:
            raise AssertionError(f"{label}: tell() raised {exc!r} after {done} evaluations") from exc
        logger.log_batch(cols, table, rewards, objective.violation_batch(table) == 0.0, 0.0, 0.0)
        done += len(designs)
    return [logger.design_at(i) for i in range(len(logger))]


def _env(env_factory: EnvFactory | None, space: DesignSpace | None = None) -> DesignEnv:
    return env_factory() if env_factory is not None else conformance_env(space)


# --- checks -------------------------------------------------------------------------------------


def check_respects_budget(agent_cls: type[Agent], params: Mapping[str, Any] | None = None, *,
                          budgets: Sequence[int] = (1, 5, 23), seed: int = 0,
                          env_factory: EnvFactory | None = None) -> None:
    """The agent makes exactly ``budget`` evaluations, for budgets that are not multiples of its batch size.

    Ask/tell agents must never return more designs than asked; ``uses_env`` agents must take exactly
    ``budget`` env steps.
    """
    for budget in budgets:
        designs = run_agent(agent_cls, _env(env_factory), budget, seed, params)
        if len(designs) != budget:
            raise AssertionError(f"{_label(agent_cls)}: made {len(designs)} evaluations for a budget of {budget}")


def check_valid_designs(agent_cls: type[Agent], params: Mapping[str, Any] | None = None, *, budget: int = 40,
                        seed: int = 0, env_factory: EnvFactory | None = None) -> None:
    """Every design the agent proposes (or steps the env to) is valid for the space."""
    env = _env(env_factory)
    for i, d in enumerate(run_agent(agent_cls, env, budget, seed, params)):
        try:
            env.space.validate(d)
        except DesignError as exc:
            raise AssertionError(f"{_label(agent_cls)}: evaluation #{i} used an invalid design: {exc}") from None


def _scramble_global_rngs(salt: int) -> None:
    """Change global RNG states, so an agent that (wrongly) draws from them is not reproducible."""
    np.random.seed(12345 + salt)  # noqa: NPY002 (the legacy global state is what is being scrambled)
    random.seed(12345 + salt)


def check_reproducible(agent_cls: type[Agent], params: Mapping[str, Any] | None = None, *, budget: int = 24,
                       seed: int = 7, require_seed_effect: bool = True,
                       env_factory: EnvFactory | None = None) -> None:
    """The same seed gives the same designs in the same order; with ``require_seed_effect``, another seed
    gives different ones (an agent that ignores its seed cannot be averaged over seeds).

    Global ``random`` and ``numpy.random`` states are changed between runs, so only randomness drawn from
    the agent's own seeded generator (``self.rng``) is reproducible.
    """
    label = _label(agent_cls)
    _scramble_global_rngs(1)
    first = run_agent(agent_cls, _env(env_factory), budget, seed, params)
    _scramble_global_rngs(2)
    second = run_agent(agent_cls, _env(env_factory), budget, seed, params)
    for i, (a, b) in enumerate(zip(first, second, strict=False)):
        if a != b:
            raise AssertionError(f"{label}: not reproducible with seed={seed}: evaluation #{i} was {a} in the "
                                 f"first run and {b} in the second (draw randomness from self.rng only)")
    if len(first) != len(second):
        raise AssertionError(f"{label}: not reproducible: {len(first)} vs {len(second)} evaluations")
    if require_seed_effect:
        other = run_agent(agent_cls, _env(env_factory), budget, seed + 1, params)
        if other == first:
            raise AssertionError(f"{label}: seeds {seed} and {seed + 1} gave identical designs; "
                                 "the agent ignores its seed")


def check_all_param_kinds(agent_cls: type[Agent], params: Mapping[str, Any] | None = None, *, budget: int = 12,
                          seed: int = 0, spaces: Mapping[str, DesignSpace] | None = None) -> None:
    """The agent runs its budget with valid designs on every parameter kind and edge case of
    :func:`kind_spaces` (single-level parameters, two-choice categoricals, a space smaller than the budget).
    """
    for kind, space in (spaces or kind_spaces()).items():
        try:
            designs = run_agent(agent_cls, conformance_env(space), budget, seed, params)
        except AssertionError as exc:
            raise AssertionError(f"on the {kind!r} space {space}: {exc}") from exc
        if len(designs) != budget:
            raise AssertionError(f"{_label(agent_cls)} on the {kind!r} space: made {len(designs)} evaluations "
                                 f"for a budget of {budget}")
        for i, d in enumerate(designs):
            try:
                space.validate(d)
            except DesignError as exc:
                raise AssertionError(f"{_label(agent_cls)} on the {kind!r} space: evaluation #{i} is invalid: "
                                     f"{exc}") from None


def check_multi_objective(agent_cls: type[Agent], params: Mapping[str, Any] | None = None, *, budget: int = 23,
                          seed: int = 0) -> None:
    """Under an objective that trades two metrics with a constraint (:data:`TRADE_OBJECTIVE`), the agent makes
    exactly ``budget`` valid evaluations (multi-objective agents search the front; the others the reward)."""
    env = conformance_env(trade=True)
    designs = run_agent(agent_cls, env, budget, seed, params)
    if len(designs) != budget:
        raise AssertionError(f"{_label(agent_cls)} under a multi-objective objective: made {len(designs)} "
                             f"evaluations for a budget of {budget}")
    for i, d in enumerate(designs):
        try:
            env.space.validate(d)
        except DesignError as exc:
            raise AssertionError(f"{_label(agent_cls)} under a multi-objective objective: evaluation #{i} is "
                                 f"invalid: {exc}") from None


ALL_CHECKS: tuple[Callable[..., None], ...] = (
    check_respects_budget,
    check_valid_designs,
    check_reproducible,
    check_all_param_kinds,
    check_multi_objective,
)


def check_agent(agent_cls: type[Agent], params: Mapping[str, Any] | None = None, *,
                require_seed_effect: bool = True) -> None:
    """Run every conformance check on ``agent_cls`` (with hyperparameters ``params``).

    Raises:
        AssertionError: From the first check that fails, naming the check.
    """
    for check in ALL_CHECKS:
        kwargs: dict[str, Any] = {"require_seed_effect": require_seed_effect} if check is check_reproducible else {}
        try:
            check(agent_cls, params, **kwargs)
        except AssertionError as exc:
            raise AssertionError(f"{check.__name__} failed: {exc}") from exc
