"""NSGA-II: the genetic algorithm's multi-objective form (Deb et al., 2002).

The operators are the GA's (:mod:`agents.evolutionary.ga`: uniform crossover, typed mutation, de-duplication);
what changes is what "fitter" means:

* **Objectives** are the gains of the objective's traded metrics (``trade`` in the objective spec, or every
  target metric of a scalar objective; see :meth:`~archgym_lite.core.objective.Objective.gains_batch`),
  handed to the agent by the run loop through :meth:`NSGA2.set_objective`. Without an objective (an agent
  driven by hand) the single objective is the reward.
* **Constraint domination:** a feasible design beats an infeasible one; of two infeasible designs the one with
  the smaller total violation wins; of two feasible ones, Pareto dominance decides.
* **Survival:** parents and children together are sorted into non-dominated fronts (:func:`fronts`); whole
  fronts fill the next population and the front that does not fit is cut by crowding distance
  (:func:`crowding_distance`, larger first: boundary designs are always kept).
* **Selection:** binary tournaments on (front rank, then larger crowding distance).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from agents.common import design_key
from agents.evolutionary.ga import GeneticAlgorithm
from archgym_lite.core.objective import Objective
from archgym_lite.core.space import Design, DesignSpace


def fronts(values: np.ndarray, violation: np.ndarray | None = None) -> list[np.ndarray]:
    """Indices of ``values`` (n × k, maximised) sorted into non-dominated fronts under constraint domination.

    Feasible rows (``violation == 0``) come first, in Pareto fronts; infeasible rows follow, one front per
    distinct violation, smallest first.
    """
    n = len(values)
    viol = np.zeros(n) if violation is None else np.asarray(violation, dtype=float)
    feas = np.flatnonzero(viol == 0.0)
    out: list[np.ndarray] = []
    if len(feas):
        v = np.asarray(values, dtype=float)[feas]
        v = np.where(np.isfinite(v), v, -np.inf)
        dominates = (v[:, None, :] >= v[None, :, :]).all(-1) & (v[:, None, :] > v[None, :, :]).any(-1)
        count = dominates.sum(axis=0)  # how many rows dominate each row
        left = np.ones(len(feas), dtype=bool)
        while left.any():
            front = np.flatnonzero(left & (count == 0))
            out.append(feas[front])
            left[front] = False
            count = count - dominates[front].sum(axis=0)
            count[~left] = -1
    infeas = np.flatnonzero(viol != 0.0)
    for level in np.unique(viol[infeas]):
        out.append(infeas[viol[infeas] == level])
    return out


def crowding_distance(values: np.ndarray) -> np.ndarray:
    """NSGA-II crowding distance of each row of one front (boundary rows get ``inf``)."""
    v = np.asarray(values, dtype=float)
    n, k = v.shape
    dist = np.zeros(n)
    if n <= 2:
        return np.full(n, np.inf)
    for j in range(k):
        order = np.argsort(v[:, j], kind="stable")
        col = v[order, j]
        span = col[-1] - col[0]
        dist[order[[0, -1]]] = np.inf
        if span > 0 and np.isfinite(span):
            dist[order[1:-1]] += (col[2:] - col[:-2]) / span
    return dist


class NSGA2(GeneticAlgorithm):
    """NSGA-II: the GA with non-dominated sorting, crowding distance and constraint domination."""

    name = "nsga2"

    class Params(GeneticAlgorithm.Params):
        elite: int = Field(0, ge=0, description="unused: NSGA-II's survival keeps the best fronts of parents and "
                                                "children together")
        tournament_size: int = Field(2, ge=1, description="individuals per selection tournament (rank, crowding)")

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        self.objective: Objective | None = None
        #: Current population: (design, objective values, violation); rank and crowding per individual.
        self.members: list[tuple[Design, np.ndarray, float]] = []
        self._rank = np.zeros(0, dtype=int)
        self._crowd = np.zeros(0)
        self._offspring: list[tuple[Design, np.ndarray, float]] = []

    def set_objective(self, objective: Objective) -> None:
        """Search the front of ``objective``'s traded metrics (constraints as constraint domination)."""
        self.objective = objective

    def _select(self) -> Design:
        k = min(self.params.tournament_size, len(self.members))
        picks = self.rng.choice(len(self.members), size=k, replace=False)
        best = min(picks, key=lambda i: (self._rank[i], -self._crowd[i]))
        return self.members[int(best)][0]

    def ask(self, n: int = 1) -> list[Design]:
        self.population = [(d, 0.0) for d, _, _ in self.members]  # the GA draws children while it has parents
        return super().ask(n)

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        rewards = np.asarray(rewards, dtype=float)
        if self.objective is not None:
            values = self.objective.gains_batch(metrics)
            violation = self.objective.violation_batch(metrics)
        else:
            values, violation = rewards.reshape(-1, 1), np.zeros(len(rewards))
        for d, v, c in zip(designs, values, violation, strict=True):
            self._seen.add(design_key(self.space, d))
            self._offspring.append((dict(d), np.where(np.isfinite(v), v, -np.inf), float(c)))
        if len(self._offspring) >= self.params.pop_size:
            self._survive(self.members + self._offspring)
            self._offspring = []

    def _survive(self, pool: list[tuple[Design, np.ndarray, float]]) -> None:
        values = np.stack([v for _, v, _ in pool])
        violation = np.array([c for _, _, c in pool])
        chosen, rank, crowd = [], [], []
        for r, front in enumerate(fronts(values, violation)):
            dist = crowding_distance(values[front]) if violation[front[0]] == 0 else np.zeros(len(front))
            room = self.params.pop_size - len(chosen)
            order = np.argsort(-dist, kind="stable")[:room]
            chosen += [int(front[i]) for i in order]
            rank += [r] * len(order)
            crowd += [float(dist[i]) for i in order]
            if len(chosen) >= self.params.pop_size:
                break
        self.members = [pool[i] for i in chosen]
        self._rank, self._crowd = np.array(rank), np.array(crowd)
