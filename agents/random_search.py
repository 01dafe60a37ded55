"""Baselines: uniform random search and a (greedy) random walk over neighbouring designs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from pydantic import Field

from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design


class RandomSearch(Agent):
    """Uniform random search: every design is drawn independently from the space."""

    name = "random"

    class Params(AgentParams):
        batch_size: int = Field(16, ge=1, description="designs proposed per ask (evaluated as one batch)")

    def ask(self, n: int = 1) -> list[Design]:
        return self.space.sample_batch(self.rng, n)

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        pass  # memoryless

    def batch_size(self) -> int:
        return self.params.batch_size


class RandomWalk(Agent):
    """Random walk: each step moves one parameter of the current design by one level.

    With ``greedy`` the walk only moves to a neighbour that improved the reward (stochastic hill climbing);
    with probability ``restart_prob`` it jumps to a fresh random design.
    """

    name = "random-walk"

    class Params(AgentParams):
        greedy: bool = Field(True, description="only move when the neighbour improved the reward")
        restart_prob: float = Field(0.05, ge=0.0, le=1.0, description="probability of a random restart per step")

    def __init__(self, space, seed=None, **params) -> None:
        super().__init__(space, seed, **params)
        self.current: Design | None = None
        self.current_reward = -np.inf

    def ask(self, n: int = 1) -> list[Design]:
        out = []
        for _ in range(n):
            if self.current is None or self.rng.random() < self.params.restart_prob:
                out.append(self.space.sample(self.rng))
            else:
                neighbours = self.space.neighbours(self.current)
                out.append(neighbours[int(self.rng.integers(len(neighbours)))])
        return out

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        for d, r in zip(designs, rewards, strict=True):
            if not self.params.greedy or self.current is None or r > self.current_reward:
                self.current, self.current_reward = dict(d), float(r)
