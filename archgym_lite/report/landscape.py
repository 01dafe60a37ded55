"""The best reward known on a discrete design space: greedy coordinate descent from given starting designs.

Benchmarks and experiments compare an agent's best reward with the best one known (the exhaustive optimum is out
of reach on most spaces). :class:`CoordinateDescent` climbs from each start: it tries every other level of every
parameter, moves to any strictly better neighbour and repeats until no single-parameter change improves the reward
(a local optimum under one-parameter moves). Rewards are cached per design, so a neighbour shared by two climbs is
simulated once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from archgym_lite.core.space import DesignSpace


class CoordinateDescent:
    """Greedy one-parameter-at-a-time ascent of ``reward`` over ``space``, with a per-design cache.

    Args:
        space: The discrete design space (every parameter has ``levels``).
        reward: Reward of one design (higher is better), e.g. ``lambda d: objective.reward(sim.evaluate(d))``.
    """

    def __init__(self, space: DesignSpace, reward: Callable[[Mapping[str, Any]], float]) -> None:
        self.space = space
        self._reward = reward
        self._cache: dict[tuple, float] = {}

    def reward(self, design: Mapping[str, Any]) -> float:
        """The (cached) reward of ``design``."""
        key = tuple(design[p.name] for p in self.space.params)
        if key not in self._cache:
            self._cache[key] = float(self._reward(design))
        return self._cache[key]

    def climb(self, start: Mapping[str, Any]) -> tuple[dict[str, Any], float]:
        """Ascend from ``start`` until no single-parameter change is better; the local optimum and its reward."""
        design, current, better = dict(start), self.reward(start), True
        while better:
            better = False
            for p in self.space.params:
                for v in p.levels:
                    if v == design[p.name]:
                        continue
                    r = self.reward({**design, p.name: v})
                    if r > current + 1e-12:
                        design, current, better = {**design, p.name: v}, r, True
        return design, current

    def best(self, starts: Iterable[Mapping[str, Any]]) -> tuple[dict[str, Any], float]:
        """The best local optimum reached from ``starts`` (design and reward)."""
        found = [self.climb(s) for s in starts]
        if not found:
            raise ValueError("CoordinateDescent.best needs at least one starting design")
        return max(found, key=lambda dr: dr[1])
