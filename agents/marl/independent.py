"""Independent policy-gradient learners, one per agent of the PettingZoo view, sharing the reward.

The MARL-DSE setting: the design space is split into agents (one per parameter for the memory controller,
one per branch for a dual-branch network; see :mod:`archgym_lite.core.multiagent`), and every agent learns its
own policy from the shared reward, treating the others as part of the environment.

Each learner is a REINFORCE learner with a softmax policy over the levels of each of its parameters
(factorised within a group), a moving-average reward baseline and an entropy bonus. In the default
``"design"`` action mode an episode step is a contextual bandit round, so the policy needs no value
network; that keeps a learner to a few numpy operations per step (no torch). This is a deliberate,
documented simplification of the PPO-based independent learners of the MARL-DSE paper.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design


class _Learner:
    """Softmax policy over the levels of a group of parameters (one logit vector per parameter)."""

    def __init__(self, sizes: Sequence[int], rng: np.random.Generator, lr: float, entropy: float) -> None:
        self.logits = [np.zeros(n) for n in sizes]
        self.rng, self.lr, self.entropy = rng, lr, entropy

    def probs(self) -> list[np.ndarray]:
        out = []
        for z in self.logits:
            e = np.exp(z - z.max())
            out.append(e / e.sum())
        return out

    def act(self) -> np.ndarray:
        return np.array([self.rng.choice(len(p), p=p) for p in self.probs()], dtype=np.int64)

    def update(self, action: np.ndarray, advantage: float) -> None:
        for z, p, a in zip(self.logits, self.probs(), action, strict=True):
            grad = -p
            grad[a] += 1.0  # d log pi(a) / d logits
            ent_grad = -p * (np.log(p + 1e-12) + (-(p * np.log(p + 1e-12)).sum()))
            z += self.lr * (advantage * grad + self.entropy * ent_grad)


class IndependentLearners(Agent):
    """Multi-agent RL: independent REINFORCE learners, one per agent of the PettingZoo view, shared reward."""

    name = "marl"
    uses_env = True

    class Params(AgentParams):
        groups: str = Field("per_param", description="per_param, single, or a grouping the simulator declares "
                                                     "(e.g. per_branch)")
        lr: float = Field(0.3, gt=0.0, description="policy-gradient step size on the logits")
        baseline_decay: float = Field(0.9, ge=0.0, lt=1.0, description="moving-average reward baseline decay")
        entropy_coef: float = Field(0.01, ge=0.0, description="entropy bonus weight")
        normalize: bool = Field(True, description="scale advantages by a running reward std")

    def ask(self, n: int = 1) -> list[Design]:  # pragma: no cover - env-driven agent
        raise NotImplementedError("marl drives the env itself; run it with run_trial (uses_env)")

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        raise NotImplementedError("marl drives the env itself")  # pragma: no cover

    def learn(self, env: Any, budget: int) -> None:
        """Run exactly ``budget`` joint steps (evaluations) on ``env`` (a DesignEnv)."""
        from archgym_lite.core.multiagent import ParallelDesignEnv

        par = ParallelDesignEnv(env, groups=self.params.groups)
        p = self.params
        learners = {a: _Learner([int(n) for n in np.atleast_1d(par.action_space(a).nvec
                                                                 if hasattr(par.action_space(a), "nvec")
                                                                 else par.action_space(a).n)],
                                self.rng, p.lr, p.entropy_coef) for a in par.possible_agents}
        baseline, var = None, 1.0
        par.reset(seed=int(self.rng.integers(2**31)))
        for _ in range(budget):
            if not par.agents:
                par.reset()
            actions = {a: learners[a].act() for a in par.agents}
            sent = {a: (int(act[0]) if len(act) == 1 and not hasattr(par.action_space(a), "nvec") else act)
                    for a, act in actions.items()}
            _, rewards, *_ = par.step(sent)
            for a, r in rewards.items():
                adv = r - (baseline if baseline is not None else r)
                learners[a].update(actions[a], adv / np.sqrt(var) if p.normalize else adv)
            r_mean = float(np.mean(list(rewards.values())))
            if baseline is None:
                baseline = r_mean
            else:
                var = p.baseline_decay * var + (1 - p.baseline_decay) * (r_mean - baseline) ** 2
                baseline = p.baseline_decay * baseline + (1 - p.baseline_decay) * r_mean
