"""Ant colony optimisation with one pheromone vector per parameter over its levels.

Each parameter ``p`` keeps a pheromone ``tau_p[i]`` per level ``i`` (real parameters use their evenly
spaced level grid, so ants propose grid values). An ant builds a design by drawing every parameter's level
independently with probability

    P(i) = (1 - explore) * tau_p[i]^alpha / sum_j tau_p[j]^alpha + explore / n_levels

(there is no problem-specific heuristic, so the classic ``eta^beta`` term is 1). After every ``n_ants``
evaluations the colony updates:

* **evaporation:** ``tau <- (1 - evaporation) * tau``;
* **rank-based deposit:** the ``n_best`` best ants of the iteration deposit ``q * (n_best - rank) / n_best``
  and the best design found so far deposits ``q`` (elitist ant). Ranks, not raw rewards, are used because
  rewards are log-ratios that can be negative or dominated by constraint penalties;
* **smoothing:** on ordered parameters a deposit spreads to nearby levels with a Gaussian kernel of width
  ``spread`` levels (as in ACO for ordered domains), so neighbouring values are explored too; categoricals
  receive it on their own choice only;
* **floor:** pheromones below ``tau_min_ratio * max(tau_p)`` are raised to it (the lower bound of the
  MAX-MIN ant system), so no level's probability collapses to zero.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from agents.common import design_key, draw_unique
from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design, DesignSpace


class AntColony(Agent):
    """Ant colony optimisation: per-parameter pheromones over levels, rank-based elitist deposits."""

    name = "aco"

    class Params(AgentParams):
        n_ants: int = Field(16, ge=1, description="ants (designs) per iteration, evaluated as one batch")
        evaporation: float = Field(0.2, gt=0.0, le=1.0, description="fraction of pheromone evaporating per iteration")
        alpha: float = Field(1.0, gt=0.0, description="pheromone exponent in the level probabilities")
        n_best: int = Field(4, ge=1, description="best ants of an iteration that deposit pheromone")
        q: float = Field(1.0, gt=0.0, description="pheromone deposited by the best ant")
        spread: float = Field(1.0, ge=0.0, description="Gaussian smoothing width (levels) on ordered parameters")
        explore: float = Field(0.05, ge=0.0, le=1.0, description="probability mass spread uniformly over levels")
        tau_min_ratio: float = Field(0.02, ge=0.0, le=1.0, description="lower pheromone bound relative to the max")
        dedupe: bool = Field(True, description="redraw designs that were already proposed")

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        self.tau = [np.ones(p.n_levels) for p in space.params]
        self._kernels = [self._kernel(p.n_levels, p.ordered) for p in space.params]
        self._iteration: list[tuple[np.ndarray, float]] = []
        self._best: tuple[np.ndarray, float] | None = None
        self._seen: set[tuple[Any, ...]] = set()

    def _kernel(self, n: int, ordered: bool) -> np.ndarray:
        """``(n, n)`` matrix: row ``i`` is the deposit profile of a deposit on level ``i``."""
        if not ordered or self.params.spread == 0.0:
            return np.eye(n)
        dist = np.subtract.outer(np.arange(n), np.arange(n)).astype(float)
        return np.exp(-0.5 * (dist / self.params.spread) ** 2)

    def batch_size(self) -> int:
        return self.params.n_ants

    def probabilities(self) -> list[np.ndarray]:
        """Current level probabilities of every parameter (in space order)."""
        out = []
        for tau in self.tau:
            w = tau ** self.params.alpha
            out.append((1.0 - self.params.explore) * w / w.sum() + self.params.explore / len(tau))
        return out

    def _ant(self, probs: list[np.ndarray]) -> Design:
        idx = np.array([int(self.rng.choice(len(pr), p=pr)) for pr in probs])
        return self.space.decode(idx)

    def ask(self, n: int = 1) -> list[Design]:
        probs = self.probabilities()
        if not self.params.dedupe:
            return [self._ant(probs) for _ in range(n)]
        return [draw_unique(lambda: self._ant(probs), self.space, self._seen) for _ in range(n)]

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        for d, r in zip(designs, np.asarray(rewards, dtype=float), strict=True):
            self._seen.add(design_key(self.space, d))
            r = float(r) if np.isfinite(r) else -np.inf
            idx = self.space.encode(d)
            self._iteration.append((idx, r))
            if self._best is None or r > self._best[1]:
                self._best = (idx, r)
        if len(self._iteration) >= self.params.n_ants:
            self._update()

    def _update(self) -> None:
        p = self.params
        ranked = sorted(self._iteration, key=lambda t: -t[1])[: p.n_best]
        deposits = [(idx, p.q * (p.n_best - rank) / p.n_best) for rank, (idx, _) in enumerate(ranked)]
        if self._best is not None:
            deposits.append((self._best[0], p.q))
        for j, tau in enumerate(self.tau):
            tau *= 1.0 - p.evaporation
            for idx, amount in deposits:
                tau += amount * self._kernels[j][idx[j]]
            np.clip(tau, p.tau_min_ratio * tau.max(), None, out=tau)
        self._iteration = []
