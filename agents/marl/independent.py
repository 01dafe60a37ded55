"""Independent policy-gradient learners, one per agent of the PettingZoo view, sharing the reward.

The MARL-DSE setting: the design space is split into agents (one per parameter for the memory controller,
one per branch for a dual-branch network; see :mod:`archgym_lite.core.multiagent`), and every agent learns its
own policy from the shared reward, treating the others as part of the environment.

Each learner is a REINFORCE learner with a softmax policy over the levels of each of its parameters
(factorised within a group) and an entropy bonus. In the default ``"design"`` action mode an episode step is
a contextual bandit round, so the policy needs no value network; that keeps a learner to a few numpy
operations per step (no torch). This is a deliberate, documented simplification of the PPO-based
independent learners of the MARL-DSE paper.

Two things keep the learners from collapsing onto one design within a DSE budget:

* **Advantages normalised from the first step** (:class:`~agents.common.RewardScale`): ``(r - mean) / std`` with the mean and
  standard deviation of every reward so far *including this one* (exact for the first
  ``1 / (1 - baseline_decay)`` steps, exponentially weighted after), clipped to ``±adv_clip``. The first
  advantage is 0 and no single reward — e.g. the first feasible design after a run of constraint penalties,
  ~+50 raw — moves a logit by more than ``lr * adv_clip``. (A running variance that started at 1.0 left
  the first advantages raw: on the accelerator one jump of ~15 in the logits made seed 0 evaluate one design
  255 times out of 256.)
* **A repeat guard:** no design is evaluated more than ``max_design_share`` of the budget (at least once;
  more only when the space is smaller than ``1 / max_design_share`` designs). A joint action that would
  exceed it is redrawn from the policies flattened by ``temperature = 2, 4, ...``, and after
  ``MAX_REDRAWS`` failed redraws replaced by the least evaluated of ``MAX_REDRAWS`` uniformly random designs
  (of all designs, in a space of at most ``ENUMERABLE`` designs, so there the cap is exact). The learners are
  updated with the action actually taken.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from agents.common import RewardScale
from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design

MAX_REDRAWS = 8
ENUMERABLE = 4096


class _Learner:
    """Softmax policy over the levels of a group of parameters (one logit vector per parameter)."""

    def __init__(self, sizes: Sequence[int], rng: np.random.Generator, lr: float, entropy: float) -> None:
        self.logits = [np.zeros(n) for n in sizes]
        self.rng, self.lr, self.entropy = rng, lr, entropy

    def probs(self, temperature: float = 1.0) -> list[np.ndarray]:
        out = []
        for z in self.logits:
            e = np.exp((z - z.max()) / temperature)
            out.append(e / e.sum())
        return out

    def act(self, temperature: float = 1.0) -> np.ndarray:
        return np.array([self.rng.choice(len(p), p=p) for p in self.probs(temperature)], dtype=np.int64)

    def uniform(self) -> np.ndarray:
        return np.array([self.rng.integers(len(z)) for z in self.logits], dtype=np.int64)

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
        baseline_decay: float = Field(0.9, ge=0.0, lt=1.0, description="decay of the running reward mean and "
                                                                      "variance (exact averages before)")
        entropy_coef: float = Field(0.01, ge=0.0, description="entropy bonus weight")
        normalize: bool = Field(True, description="scale advantages by the running reward std (from step one)")
        adv_clip: float = Field(3.0, gt=0.0, description="bound on the absolute normalised advantage")
        max_design_share: float = Field(0.1, gt=0.0, le=1.0,
                                        description="most of the budget one design may take (repeat guard)")

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
        pos = {n: i for i, n in enumerate(env.space.names)}
        slots = {a: np.array([pos[n] for n in names]) for a, names in par.groups.items()}
        cap = max(math.ceil(p.max_design_share * budget), math.ceil(budget / max(env.space.size, 1)), 1)
        counts: Counter[tuple[int, ...]] = Counter()
        scale = RewardScale(p.baseline_decay, p.adv_clip)
        par.reset(seed=int(self.rng.integers(2**31)))
        for _ in range(budget):
            if not par.agents:
                par.reset()
            actions = self._guarded_actions(env, learners, slots, counts, cap)
            sent = {a: (int(act[0]) if len(act) == 1 and not hasattr(par.action_space(a), "nvec") else act)
                    for a, act in actions.items()}
            _, rewards, *_ = par.step(sent)
            counts[tuple(int(i) for i in env._idx)] += 1
            r_shared = float(np.mean(list(rewards.values())))
            adv = scale.advantage(r_shared)
            for a, r in rewards.items():
                if not p.normalize:
                    adv = r - scale.mean
                learners[a].update(actions[a], adv)

    def _guarded_actions(self, env: Any, learners: Mapping[str, _Learner], slots: Mapping[str, np.ndarray],
                         counts: Counter, cap: int) -> dict[str, np.ndarray]:
        """Joint action from the policies, redrawn (flatter, then uniform) while its design is at the cap."""
        for attempt in range(MAX_REDRAWS):
            actions = {a: lr.act(2.0 ** attempt) for a, lr in learners.items()}
            if counts[self._design_of(env, actions, slots)] < cap:
                return actions
        if env.action_mode == "design" and env.space.size <= ENUMERABLE:  # the least evaluated design
            every = np.stack(np.unravel_index(np.arange(int(env.space.size)), tuple(env.space.nvec)), axis=1)
            n = np.array([counts[tuple(int(i) for i in row)] for row in every])
            pick = every[self.rng.choice(np.flatnonzero(n == n.min()))]
            return {a: pick[slots[a]] for a in learners}
        options = [{a: lr.uniform() for a, lr in learners.items()} for _ in range(MAX_REDRAWS)]
        return min(options, key=lambda acts: counts[self._design_of(env, acts, slots)])

    @staticmethod
    def _design_of(env: Any, actions: Mapping[str, np.ndarray], slots: Mapping[str, np.ndarray]) -> tuple:
        """Level indices of the design the joint action leads to (design or move action mode)."""
        move = env.action_mode == "move"
        full = np.ones(len(env.space), dtype=np.int64) if move else np.asarray(env._idx, dtype=np.int64).copy()
        for a, act in actions.items():
            full[slots[a]] = np.asarray(act, dtype=np.int64).reshape(-1)
        if move:
            full = np.clip(np.asarray(env._idx) + full - 1, 0, env.space.nvec - 1)
        return tuple(int(i) for i in full)
