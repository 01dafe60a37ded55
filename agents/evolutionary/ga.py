"""A genetic algorithm over the typed design space.

Generational GA with elitism:

* **Initial population:** ``pop_size`` distinct random designs.
* **Selection:** tournaments of ``tournament_size`` individuals drawn from the current population; the
  fittest (highest reward) wins.
* **Crossover:** uniform; with probability ``crossover_prob`` each parameter of the child comes from either
  parent with probability 1/2, otherwise the child copies the first parent.
* **Mutation:** each parameter mutates with probability ``mutation_prob`` (default 1/number of parameters;
  at least one parameter always mutates). Ordered parameters take a Gaussian step of ``mutation_scale``
  times their range (at least one level); categoricals switch to another choice uniformly.
* **Replacement:** once ``pop_size`` children are evaluated, the next population is the ``elite`` best of the
  old population plus the best children.

With ``dedupe`` a child that was already proposed is redrawn (up to 20 times), so small spaces do not
burn the budget on repeats.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field, model_validator

from agents.common import design_key, draw_unique, mutate_design
from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design, DesignSpace


class GeneticAlgorithm(Agent):
    """Genetic algorithm: tournament selection, uniform crossover, typed mutation, elitism."""

    name = "ga"

    class Params(AgentParams):
        pop_size: int = Field(16, ge=2, description="individuals per generation (and designs per batch)")
        elite: int = Field(2, ge=0, description="best individuals carried over unchanged to the next generation")
        tournament_size: int = Field(3, ge=1, description="individuals competing in each selection tournament")
        crossover_prob: float = Field(0.9, ge=0.0, le=1.0, description="probability a child mixes two parents")
        mutation_prob: float | None = Field(None, ge=0.0, le=1.0,
                                            description="per-parameter mutation probability (None: 1/#params)")
        mutation_scale: float = Field(0.15, gt=0.0,
                                      description="std of a mutation step as a fraction of an ordered range")
        dedupe: bool = Field(True, description="redraw children that were already proposed")

        @model_validator(mode="after")
        def _elite_below_pop(self) -> GeneticAlgorithm.Params:
            if self.elite >= self.pop_size:
                raise ValueError(f"elite ({self.elite}) must be smaller than pop_size ({self.pop_size})")
            return self

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        self.population: list[tuple[Design, float]] = []
        self._children: list[tuple[Design, float]] = []
        self._seen: set[tuple[Any, ...]] = set()
        p = self.params
        self._mutation_prob = p.mutation_prob if p.mutation_prob is not None else 1.0 / len(space)

    def batch_size(self) -> int:
        return self.params.pop_size

    # --- operators ------------------------------------------------------------------------------
    def _select(self) -> Design:
        k = min(self.params.tournament_size, len(self.population))
        picks = self.rng.choice(len(self.population), size=k, replace=False)
        best = max(picks, key=lambda i: self.population[i][1])
        return self.population[int(best)][0]

    def _crossover(self, a: Design, b: Design) -> Design:
        if self.rng.random() >= self.params.crossover_prob:
            return dict(a)
        take_b = self.rng.random(len(self.space)) < 0.5
        return {n: (b[n] if tb else a[n]) for n, tb in zip(self.space.names, take_b, strict=True)}

    def _child(self) -> Design:
        child = self._crossover(self._select(), self._select())
        return mutate_design(self.space, child, self.rng, self._mutation_prob, self.params.mutation_scale)

    # --- ask / tell -----------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Design]:
        draw = self._child if self.population else (lambda: self.space.sample(self.rng))
        if not self.params.dedupe:
            return [draw() for _ in range(n)]
        return [draw_unique(draw, self.space, self._seen) for _ in range(n)]

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        for d, r in zip(designs, np.asarray(rewards, dtype=float), strict=True):
            self._seen.add(design_key(self.space, d))
            self._children.append((dict(d), float(r) if np.isfinite(r) else -np.inf))
        pop_size = self.params.pop_size
        if len(self._children) < pop_size:
            return
        ranked_children = sorted(self._children, key=lambda t: -t[1])
        elite = sorted(self.population, key=lambda t: -t[1])[: self.params.elite]
        self.population = (elite + ranked_children)[:pop_size]
        self._children = []

    def best(self) -> tuple[Design, float] | None:
        """The best individual of the current population, if any."""
        return max(self.population, key=lambda t: t[1]) if self.population else None
