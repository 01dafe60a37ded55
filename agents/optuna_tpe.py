"""Optuna's TPE sampler behind the ask/tell interface: the baseline a user would otherwise reach for.

Each parameter becomes the Optuna distribution a user would write by hand:

* ``int`` → ``IntDistribution(low, high, step)``;
* ``pow2`` and ``int_list`` → ``IntDistribution(0, n_levels - 1)`` over the level index (ordered, so TPE's
  kernel still sees neighbours as close; the index is decoded back to the value);
* ``categorical`` → ``CategoricalDistribution(choices)``;
* ``real`` → ``FloatDistribution(low, high, log=log)``.

The study is in memory, maximises the reward, and its ``TPESampler`` is seeded from the agent's seed.
"""

from __future__ import annotations

import warnings
from collections import deque
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import optuna
from optuna.distributions import BaseDistribution, CategoricalDistribution, FloatDistribution, IntDistribution
from pydantic import Field

from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.params import CategoricalParam, IntParam, Param, RealParam
from archgym_lite.core.space import Design, DesignSpace


def optuna_distribution(param: Param) -> BaseDistribution:
    """The Optuna distribution of a parameter (see module docstring)."""
    if isinstance(param, CategoricalParam):
        return CategoricalDistribution(param.choices)
    if isinstance(param, RealParam):
        return FloatDistribution(param.low, param.high, log=param.log)
    if isinstance(param, IntParam):
        return IntDistribution(param.low, param.levels[-1], step=param.step)
    return IntDistribution(0, param.n_levels - 1)


class OptunaTPE(Agent):
    """Optuna TPE sampler (seeded, in-memory study) adapted to ask/tell."""

    name = "optuna-tpe"

    class Params(AgentParams):
        n_startup_trials: int = Field(10, ge=0, description="random trials before TPE starts (Optuna default)")
        n_ei_candidates: int = Field(24, ge=1, description="candidates scored per parameter (Optuna default)")
        multivariate: bool = Field(False, description="model parameters jointly (Optuna's multivariate TPE)")
        batch_size: int = Field(1, ge=1, description="trials asked at once (with constant_liar when > 1)")

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        p = self.params
        optuna.logging.set_verbosity(optuna.logging.WARNING)
        sampler_seed = int(self.rng.integers(2**31 - 1))
        with warnings.catch_warnings():  # multivariate / constant_liar are flagged experimental
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            sampler = optuna.samplers.TPESampler(
                seed=sampler_seed, n_startup_trials=p.n_startup_trials, n_ei_candidates=p.n_ei_candidates,
                multivariate=p.multivariate, constant_liar=p.batch_size > 1)
        self.study = optuna.create_study(direction="maximize", sampler=sampler)
        self.distributions = {prm.name: optuna_distribution(prm) for prm in space.params}
        self._pending: deque[optuna.trial.Trial] = deque()

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
        for _ in range(n):
            trial = self.study.ask(self.distributions)
            self._pending.append(trial)
            out.append(self._decode(trial.params))
        return out

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        for _design, r in zip(designs, np.asarray(rewards, dtype=float), strict=True):
            if not self._pending:
                raise RuntimeError("tell() received more designs than ask() proposed")
            trial = self._pending.popleft()
            if np.isfinite(r):
                self.study.tell(trial, float(r))
            else:
                self.study.tell(trial, state=optuna.trial.TrialState.FAIL)
