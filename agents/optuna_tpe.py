"""Optuna's samplers behind the ask/tell interface: the baselines a user would otherwise reach for.

* ``optuna-tpe``: Optuna's :class:`~optuna.samplers.TPESampler` with **Optuna's own defaults** (every option
  left at ``None`` is not passed, so the agent tracks the installed Optuna: multivariate TPE for one objective,
  independent TPE for several, ``constant_liar`` for batches), its main options exposed.
* ``optuna``: any of Optuna's samplers by name with that sampler's defaults (``tpe``, ``cmaes``, ``nsga2``,
  ``gp``, ``random``, ``qmc``): the peer set of ``experiments/bench/bench_agents.py``.

Each parameter becomes the Optuna distribution a user would write by hand:

* ``int`` → ``IntDistribution(low, high, step)``;
* ``pow2`` and ``int_list`` → ``IntDistribution(0, n_levels - 1)`` over the level index (ordered, so the
  samplers still see neighbours as close; the index is decoded back to the value);
* ``categorical`` → ``CategoricalDistribution(choices)``;
* ``real`` → ``FloatDistribution(low, high, log=log)``.

The study is in memory and its sampler is seeded from the agent's seed. With an objective that trades several
metrics (``trade`` in the objective spec) and ``multi_objective`` not ``False``, the study maximises each
metric's gain (:meth:`~archgym_lite.core.objective.Objective.gains_batch`) — Optuna's multi-objective TPE,
NSGA-II, etc. — and every trial carries its constraint violation (``Trial.set_constraint``), so the samplers
prefer feasible designs. Otherwise it maximises the scalar reward.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from pydantic import Field

from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.objective import Objective
from archgym_lite.core.params import CategoricalParam, IntParam, Param, RealParam
from archgym_lite.core.space import Design, DesignSpace

SAMPLERS = ("tpe", "cmaes", "nsga2", "gp", "random", "qmc")


def optuna_distribution(param: Param) -> BaseDistribution:
    """The Optuna distribution of a parameter (see module docstring)."""
    if isinstance(param, CategoricalParam):
        return CategoricalDistribution(param.choices)
    if isinstance(param, RealParam):
        return FloatDistribution(param.low, param.high, log=param.log)
    if isinstance(param, IntParam):
        return IntDistribution(param.low, param.levels[-1], step=param.step)
    return IntDistribution(0, param.n_levels - 1)


class _OptunaAgent(Agent):
    """Shared ask/tell plumbing: a lazily created in-memory study, pending trials answered in order."""

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        if optuna.logging.get_verbosity() < optuna.logging.WARNING:  # no per-trial INFO lines; keep a quieter level
            optuna.logging.set_verbosity(optuna.logging.WARNING)
        self.sampler_seed = int(self.rng.integers(2**31 - 1))
        self.distributions = {prm.name: optuna_distribution(prm) for prm in space.params}
        self.objective: Objective | None = None
        self._study: optuna.Study | None = None
        self._pending: deque[optuna.trial.Trial] = deque()

    def set_objective(self, objective: Objective) -> None:
        """Use ``objective``'s traded metrics as the study's objectives when it is multi-objective."""
        self.objective = objective

    @property
    def multi_objective(self) -> bool:
        want = self.params.multi_objective
        return bool(want is not False and self.objective is not None and self.objective.is_multi_objective)

    def make_sampler(self) -> optuna.samplers.BaseSampler:
        raise NotImplementedError

    @property
    def study(self) -> optuna.Study:
        if self._study is None:
            with warnings.catch_warnings():  # experimental options and independent-sampling fallbacks
                warnings.simplefilter("ignore")
                sampler = self.make_sampler()
            k = len(self.objective.trade_metrics) if self.multi_objective else 1
            self._study = optuna.create_study(directions=["maximize"] * k, sampler=sampler)
        return self._study

    def batch_size(self) -> int:
        return self.params.batch_size

    def _decode(self, values: Mapping[str, Any]) -> Design:
        out: Design = {}
        for prm in self.space.params:
            v = values[prm.name]
            out[prm.name] = prm.levels[int(v)] if prm.kind in ("pow2", "int_list") else v
        return out

    def ask(self, n: int = 1) -> list[Design]:
        out = []
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for _ in range(n):
                trial = self.study.ask(self.distributions)
                self._pending.append(trial)
                out.append(self._decode(trial.params))
        return out

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        rewards = np.asarray(rewards, dtype=float)
        if self.multi_objective:
            assert self.objective is not None
            values = self.objective.gains_batch(metrics)
            violation = self.objective.violation_batch(metrics)
        for i, r in enumerate(rewards):
            if not self._pending:
                raise RuntimeError("tell() received more designs than ask() proposed")
            trial = self._pending.popleft()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                if self.multi_objective:
                    if self.objective.constraints:
                        trial.set_constraint("violation", float(violation[i]))
                    row = values[i]
                    if np.isfinite(row).all():
                        self.study.tell(trial, [float(v) for v in row])
                    else:
                        self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
                elif np.isfinite(r):
                    self.study.tell(trial, float(r))
                else:
                    self.study.tell(trial, state=optuna.trial.TrialState.FAIL)


class OptunaTPE(_OptunaAgent):
    """Optuna's TPE sampler with Optuna's defaults (multivariate for one objective), options exposed."""

    name = "optuna-tpe"

    class Params(AgentParams):
        n_startup_trials: int | None = Field(None, ge=0, description="random trials before TPE starts "
                                                                     "(None: Optuna's default, 10)")
        n_ei_candidates: int | None = Field(None, ge=1, description="candidates scored per sample "
                                                                    "(None: Optuna's default, 24)")
        multivariate: bool | None = Field(None, description="model parameters jointly (None: Optuna's default, "
                                                            "True for one objective, False for several)")
        group: bool | None = Field(None, description="multivariate TPE per group of co-occurring parameters "
                                                     "(None: Optuna's default, False)")
        constant_liar: bool | None = Field(None, description="pending trials count as bad ones, so a batch "
                                                             "spreads out (None: Optuna's default, True)")
        batch_size: int = Field(1, ge=1, description="trials asked at once")
        multi_objective: bool | None = Field(None, description="maximise the traded metrics' gains when the "
                                                               "objective trades several (None or True) or "
                                                               "the scalar reward (False)")

    def make_sampler(self) -> optuna.samplers.BaseSampler:
        options = {k: v for k in ("n_startup_trials", "n_ei_candidates", "multivariate", "group", "constant_liar")
                   if (v := getattr(self.params, k)) is not None}
        return optuna.samplers.TPESampler(seed=self.sampler_seed, **options)


class OptunaSampler(_OptunaAgent):
    """Any of Optuna's samplers by name, with that sampler's defaults (peers of the built-in agents)."""

    name = "optuna"

    class Params(AgentParams):
        sampler: Literal["tpe", "cmaes", "nsga2", "gp", "random", "qmc"] = Field(
            "tpe", description="Optuna sampler: TPESampler, CmaEsSampler, NSGAIISampler, GPSampler, "
                               "RandomSampler or QMCSampler, each with its defaults")
        batch_size: int = Field(1, ge=1, description="trials asked at once")
        multi_objective: bool | None = Field(None, description="maximise the traded metrics' gains when the "
                                                               "objective trades several (None or True) or "
                                                               "the scalar reward (False)")

    def make_sampler(self) -> optuna.samplers.BaseSampler:
        s = optuna.samplers
        cls = {"tpe": s.TPESampler, "cmaes": s.CmaEsSampler, "nsga2": s.NSGAIISampler, "gp": s.GPSampler,
               "random": s.RandomSampler, "qmc": s.QMCSampler}[self.params.sampler]
        return cls(seed=self.sampler_seed)
