"""Reinforcement-learning agents trained with stable-baselines3 on the Gymnasium :class:`DesignEnv`.

These agents set ``uses_env = True``: :func:`archgym_lite.trials.run.run_trial` hands them the env (with its trial
logger attached) and calls :meth:`SB3Agent.learn`, which trains for **exactly** ``budget`` env steps. Every
step is one simulator evaluation, logged by the env itself; :class:`EvaluationCallback` also records each
evaluation in memory and stops training when the budget is spent (SB3 would otherwise finish its current
rollout and overshoot).

Action encodings (wrappers below), all of which accept a ``"design"`` or ``"move"`` mode env:

* PPO and A2C act directly in the env's ``MultiDiscrete`` action space (:class:`PositionObservation`).
* DQN needs a ``Discrete`` action space: :class:`MoveActions` exposes ``Discrete(2 d + 1)`` — stay, or move
  one parameter one level down or up — which scales to any number of parameters (a flat ``Discrete`` over
  every design would have ``prod(n_levels)`` actions). By default each episode starts from the best design
  seen so far (``start``), so DQN acts as a learned local search around the incumbent.
* SAC needs a ``Box``: :class:`UnitBoxActions` exposes ``Box(0, 1, (d,))`` decoded per dimension to the
  nearest level, exactly as :meth:`DesignSpace.from_unit` does.

Observations are the env's (normalised metrics of the last design) with the current design's position in
[0, 1]^d appended, so the policy knows where it is. Networks are small (``net_arch``, default two layers of
32) and torch runs single-threaded, so a trial of a few hundred steps takes seconds on a CPU.

**Defaults for DSE budgets.** SB3's defaults are made for millions of steps; a design-space search has a few
hundred. Left at ``None``, the schedule-like hyperparameters are set from the trial's budget so that every
agent updates many times within it (:func:`budget_defaults`):

* PPO collects rollouts of ``budget // 16`` steps (8 to 64; 16 updates of ``n_epochs = 10`` epochs in any
  budget), A2C updates every ``budget // 32`` steps (4 to 16); both use a 10x larger learning rate (3e-3)
  and normalised advantages;
* DQN and SAC start learning and DQN updates its target network after ``budget // 8`` steps (8 to 64);
* ``gamma`` is 0 on a ``"design"``-mode env, where a step's reward depends only on its own action (a
  contextual bandit: a discounted return only adds the next designs' noise), and 0.9 for DQN's moves and on
  ``"move"``-mode envs, where an action's value lies in where it leads;
* PPO and A2C learn from rewards normalised from the first step (:class:`ScaledReward`, the running mean
  and standard deviation of :class:`~agents.common.RewardScale`, clipped to ±5): a constraint penalty of
  -400 next to feasible rewards in [-1, 1] otherwise swamps the value loss. The logged rewards are raw.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pydantic import Field
from stable_baselines3.common.callbacks import BaseCallback

from agents.common import RewardScale
from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design, DesignSpace

#: Episode starts of :class:`MoveActions` on a ``"design"`` mode env.
MOVE_STARTS = ("default", "random", "best")

# --- wrappers -----------------------------------------------------------------------------------


class PositionObservation(gym.Wrapper):
    """Appends the current design's level position in [0, 1]^d to the env's observation.

    The position is read back from ``info["design"]`` after every reset and step, so it is correct in both
    ``"design"`` and ``"move"`` action modes.
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.space: DesignSpace = env.unwrapped.space
        self.nvec = self.space.nvec
        self.idx = self.space.encode(self.space.default())
        inner = env.observation_space
        d = len(self.nvec)
        self.observation_space = spaces.Box(np.concatenate([inner.low, np.zeros(d, np.float32)]),
                                            np.concatenate([inner.high, np.ones(d, np.float32)]),
                                            dtype=np.float32)

    def _augment(self, obs: np.ndarray, info: Mapping[str, Any]) -> np.ndarray:
        self.idx = self.space.encode(info["design"])
        pos = self.idx / np.maximum(self.nvec - 1, 1)
        return np.concatenate([np.asarray(obs, dtype=np.float32), pos.astype(np.float32)])

    def reset(self, **kwargs: Any):
        obs, info = self.env.reset(**kwargs)
        return self._augment(obs, info), info

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(self.translate(action))
        return self._augment(obs, info), reward, terminated, truncated, info

    def translate(self, action: Any) -> np.ndarray:
        """The wrapped env's action for this wrapper's ``action`` (identity here)."""
        return np.asarray(action, dtype=np.int64)


class MoveActions(PositionObservation):
    """``Discrete(2 d + 1)`` actions: 0 stays, ``2k + 1`` / ``2k + 2`` move parameter ``k`` one level down / up.

    Moves are clipped at the ends of a parameter's levels. On a ``"design"`` mode env the move is applied to
    the current design and sent as a full design; on a ``"move"`` mode env it is sent as the env's own
    per-parameter {down, stay, up} vector (and the env picks its own random episode starts).

    Args:
        env: The env to wrap.
        start: Where episodes start on a ``"design"`` mode env: ``"default"`` (the env's default design),
            ``"random"`` (a random design, from a generator seeded by the first seeded ``reset``) or
            ``"best"`` (the best design seen so far; the default design until something was evaluated),
            which makes the agent a learned local search around the incumbent.
    """

    def __init__(self, env: gym.Env, start: str = "best") -> None:
        super().__init__(env)
        if start not in MOVE_STARTS:
            raise ValueError(f"start must be one of {MOVE_STARTS}, got {start!r}")
        self.action_space = spaces.Discrete(2 * len(self.nvec) + 1)
        self.start = start
        self._start_rng = np.random.default_rng()
        self.best_idx: np.ndarray | None = None
        self.best_reward = -np.inf

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        if seed is not None:
            self._start_rng = np.random.default_rng(seed)
        if self.env.unwrapped.action_mode == "design" and not (options or {}).get("design"):
            start_idx = None
            if self.start == "random":
                start_idx = self._start_rng.integers(0, self.nvec)
            elif self.start == "best":
                start_idx = self.best_idx
            if start_idx is not None:
                options = {**(options or {}), "design": self.space.decode(start_idx)}
        return super().reset(seed=seed, options=options)

    def step(self, action: Any):
        out = super().step(action)
        if out[1] > self.best_reward:
            self.best_reward, self.best_idx = float(out[1]), self.idx.copy()
        return out

    def translate(self, action: Any) -> np.ndarray:
        a = int(np.asarray(action).reshape(-1)[0])
        delta = np.zeros(len(self.nvec), dtype=np.int64)
        if a > 0:
            delta[(a - 1) // 2] = -1 if a % 2 == 1 else 1
        if self.env.unwrapped.action_mode == "move":
            return delta + 1
        return np.clip(self.idx + delta, 0, self.nvec - 1)


class UnitBoxActions(PositionObservation):
    """``Box(0, 1, (d,))`` actions, each coordinate rounded to the nearest of the wrapped action's levels.

    On a ``"design"`` mode env this is :meth:`DesignSpace.from_unit` (level ``rint(u * (n_levels - 1))``);
    on a ``"move"`` mode env the thirds of [0, 1] mean down, stay and up.
    """

    def __init__(self, env: gym.Env) -> None:
        super().__init__(env)
        self.target_nvec = np.asarray(env.action_space.nvec, dtype=np.int64)
        self.action_space = spaces.Box(0.0, 1.0, shape=(len(self.target_nvec),), dtype=np.float32)

    def translate(self, action: Any) -> np.ndarray:
        u = np.clip(np.asarray(action, dtype=float).reshape(-1), 0.0, 1.0)
        return np.rint(u * (self.target_nvec - 1)).astype(np.int64)


class ScaledReward(gym.Wrapper):
    """Hands the learner a normalised, clipped reward (:class:`~agents.common.RewardScale`); ``info`` keeps the
    raw one as ``"raw_reward"`` (the env has already logged it)."""

    def __init__(self, env: gym.Env, decay: float = 0.99, clip: float = 5.0) -> None:
        super().__init__(env)
        self.scale = RewardScale(decay, clip)

    def step(self, action: Any):
        obs, reward, terminated, truncated, info = self.env.step(action)
        info = {**info, "raw_reward": float(reward)}
        return obs, self.scale.advantage(float(reward)), terminated, truncated, info


def budget_defaults(budget: int) -> dict[str, int]:
    """Schedule-like hyperparameters scaled to a trial's budget (see the module docstring)."""
    return {"ppo_n_steps": int(np.clip(budget // 16, 8, 64)), "a2c_n_steps": int(np.clip(budget // 32, 4, 16)),
            "learning_starts": int(np.clip(budget // 8, 8, 64)), "target_update": int(np.clip(budget // 8, 8, 64))}


# --- callback -----------------------------------------------------------------------------------


class EvaluationCallback(BaseCallback):
    """Records every env step (= one evaluation) and stops training after ``budget`` steps.

    Attributes:
        evaluations: ``(design, reward)`` of every step, in order.
        best_design: The design with the highest reward so far.
        best_reward: Its reward.
    """

    def __init__(self, budget: int) -> None:
        super().__init__(verbose=0)
        self.budget = budget
        self.evaluations: list[tuple[Design, float]] = []
        self.best_design: Design | None = None
        self.best_reward = -np.inf

    def _on_step(self) -> bool:
        for info, reward in zip(self.locals["infos"], np.asarray(self.locals["rewards"]).reshape(-1), strict=True):
            reward = info.get("raw_reward", reward)
            design = dict(info["design"])
            self.evaluations.append((design, float(reward)))
            if reward > self.best_reward:
                self.best_design, self.best_reward = design, float(reward)
        return len(self.evaluations) < self.budget


# --- agents -------------------------------------------------------------------------------------


class SB3Params(AgentParams):
    """Hyperparameters shared by every stable-baselines3 agent."""

    learning_rate: float = Field(3e-3, gt=0.0, description="optimiser learning rate (10x SB3's: few steps)")
    gamma: float | None = Field(None, ge=0.0, le=1.0, description="discount factor (None: 0 on a design-mode "
                                                                  "env, a bandit; 0.9 for moves)")
    net_arch: tuple[int, ...] = Field((32, 32), min_length=1, description="hidden layer sizes of every network")


class SB3Agent(Agent):
    """Base of the stable-baselines3 agents: wraps the env, builds the model, trains for the budget.

    Subclasses set :attr:`algorithm` (the SB3 class name), :attr:`wrapper`, their ``Params`` and
    :meth:`model_kwargs`.
    """

    uses_env: ClassVar[bool] = True
    algorithm: ClassVar[str] = ""
    wrapper: ClassVar[type[PositionObservation]] = PositionObservation
    Params: ClassVar[type[AgentParams]] = SB3Params

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        self.model: Any = None
        self.callback: EvaluationCallback | None = None

    #: Whether the learner sees normalised rewards (:class:`ScaledReward`).
    scale_rewards: ClassVar[bool] = False

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        """Algorithm-specific keyword arguments of the SB3 constructor."""
        return {}

    def make_wrapper(self, env: gym.Env) -> gym.Env:
        """The env as the algorithm sees it (:attr:`wrapper` around ``env``)."""
        return self.wrapper(env)

    def default_gamma(self, env: gym.Env) -> float:
        """``gamma`` when not given: 0 for full-design actions on a design-mode env, else 0.9."""
        return 0.0 if env.unwrapped.action_mode == "design" and self.wrapper is not MoveActions else 0.9

    def learn(self, env: gym.Env, budget: int) -> None:
        """Train on ``env`` for exactly ``budget`` steps (each step is one logged evaluation)."""
        import stable_baselines3
        import torch

        torch.set_num_threads(1)
        p = self.params
        algo = getattr(stable_baselines3, self.algorithm)
        wrapped = self.make_wrapper(env)
        if self.scale_rewards:
            wrapped = ScaledReward(wrapped)
        gamma = p.gamma if p.gamma is not None else self.default_gamma(env)
        self.model = algo("MlpPolicy", wrapped, learning_rate=p.learning_rate, gamma=gamma,
                          policy_kwargs={"net_arch": list(p.net_arch)}, seed=self.seed, device="cpu", verbose=0,
                          **self.model_kwargs(budget))
        self.callback = EvaluationCallback(budget)
        self.model.learn(total_timesteps=budget, callback=self.callback)

    def ask(self, n: int = 1) -> list[Design]:
        raise NotImplementedError(f"agent {self.name!r} drives the Gymnasium env itself (uses_env = True); "
                                  "run it with archgym_lite.trials.run.run_trial or call learn(env, budget)")

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        raise NotImplementedError(f"agent {self.name!r} drives the Gymnasium env itself (uses_env = True)")


class PPOAgent(SB3Agent):
    """Proximal policy optimisation (stable-baselines3 PPO) over MultiDiscrete design actions."""

    name = "ppo"
    algorithm = "PPO"
    scale_rewards = True

    class Params(SB3Params):
        n_steps: int | None = Field(None, ge=2, description="env steps per rollout (None: budget // 16, 8 to 64)")
        batch_size: int | None = Field(None, ge=2, description="minibatch size (None: half a rollout)")
        n_epochs: int = Field(10, ge=1, description="optimisation epochs per rollout")
        ent_coef: float = Field(0.01, ge=0.0, description="entropy bonus coefficient")

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        p = self.params
        n_steps = p.n_steps or budget_defaults(budget)["ppo_n_steps"]
        batch = min(p.batch_size or max(n_steps // 2, 2), n_steps)
        return {"n_steps": n_steps, "batch_size": batch, "n_epochs": p.n_epochs, "ent_coef": p.ent_coef}


class A2CAgent(SB3Agent):
    """Advantage actor-critic (stable-baselines3 A2C) over MultiDiscrete design actions."""

    name = "a2c"
    algorithm = "A2C"
    scale_rewards = True

    class Params(SB3Params):
        n_steps: int | None = Field(None, ge=1, description="env steps per update (None: budget // 32, 4 to 16)")
        ent_coef: float = Field(0.01, ge=0.0, description="entropy bonus coefficient")

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        return {"n_steps": self.params.n_steps or budget_defaults(budget)["a2c_n_steps"],
                "ent_coef": self.params.ent_coef, "normalize_advantage": True}


class DQNAgent(SB3Agent):
    """Deep Q-network (stable-baselines3 DQN) over Discrete(2d+1) one-parameter moves."""

    name = "dqn"
    algorithm = "DQN"
    wrapper = MoveActions

    class Params(SB3Params):
        learning_rate: float = Field(1e-3, gt=0.0, description="optimiser learning rate")
        buffer_size: int = Field(10_000, ge=1, description="replay buffer size")
        learning_starts: int | None = Field(None, ge=0, description="random steps before learning starts "
                                                                    "(None: budget // 8, 8 to 64)")
        batch_size: int = Field(32, ge=1, description="minibatch size")
        target_update_interval: int | None = Field(None, ge=1, description="steps between target network "
                                                                           "updates (None: budget // 8, 8 to 64)")
        exploration_fraction: float = Field(0.5, gt=0.0, le=1.0,
                                            description="fraction of the budget over which epsilon decays")
        exploration_final_eps: float = Field(0.05, ge=0.0, le=1.0, description="final epsilon")
        start: Literal["default", "random", "best"] = Field(
            "best", description="episode start on a design-mode env: default design, random, best so far")

    def make_wrapper(self, env: gym.Env) -> gym.Env:
        return MoveActions(env, start=self.params.start)

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        p = self.params
        auto = budget_defaults(budget)
        starts = p.learning_starts if p.learning_starts is not None else auto["learning_starts"]
        return {"buffer_size": p.buffer_size, "learning_starts": starts, "batch_size": p.batch_size,
                "train_freq": 1, "gradient_steps": 1,
                "target_update_interval": p.target_update_interval or auto["target_update"],
                "exploration_fraction": p.exploration_fraction, "exploration_final_eps": p.exploration_final_eps}


class SACAgent(SB3Agent):
    """Soft actor-critic (stable-baselines3 SAC) over a [0, 1]^d continuous encoding of the design."""

    name = "sac"
    algorithm = "SAC"
    wrapper = UnitBoxActions

    class Params(SB3Params):
        learning_rate: float = Field(1e-3, gt=0.0, description="optimiser learning rate")
        buffer_size: int = Field(10_000, ge=1, description="replay buffer size")
        learning_starts: int | None = Field(None, ge=0, description="random steps before learning starts "
                                                                    "(None: budget // 8, 8 to 64)")
        batch_size: int = Field(32, ge=1, description="minibatch size")
        ent_coef: Literal["auto"] | float = Field("auto", description="entropy coefficient ('auto': learned)")

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        p = self.params
        starts = p.learning_starts if p.learning_starts is not None else budget_defaults(budget)["learning_starts"]
        return {"buffer_size": p.buffer_size, "learning_starts": starts, "batch_size": p.batch_size,
                "train_freq": 1, "gradient_steps": 1, "ent_coef": p.ent_coef}
