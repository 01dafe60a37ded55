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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, Literal

import gymnasium as gym
import numpy as np
from gymnasium import spaces
from pydantic import Field
from stable_baselines3.common.callbacks import BaseCallback

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
            design = dict(info["design"])
            self.evaluations.append((design, float(reward)))
            if reward > self.best_reward:
                self.best_design, self.best_reward = design, float(reward)
        return len(self.evaluations) < self.budget


# --- agents -------------------------------------------------------------------------------------


class SB3Params(AgentParams):
    """Hyperparameters shared by every stable-baselines3 agent."""

    learning_rate: float = Field(3e-4, gt=0.0, description="optimiser learning rate")
    gamma: float = Field(0.9, ge=0.0, le=1.0, description="discount factor")
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

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        """Algorithm-specific keyword arguments of the SB3 constructor."""
        return {}

    def make_wrapper(self, env: gym.Env) -> gym.Env:
        """The env as the algorithm sees it (:attr:`wrapper` around ``env``)."""
        return self.wrapper(env)

    def learn(self, env: gym.Env, budget: int) -> None:
        """Train on ``env`` for exactly ``budget`` steps (each step is one logged evaluation)."""
        import stable_baselines3
        import torch

        torch.set_num_threads(1)
        p = self.params
        algo = getattr(stable_baselines3, self.algorithm)
        self.model = algo("MlpPolicy", self.make_wrapper(env), learning_rate=p.learning_rate, gamma=p.gamma,
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

    class Params(SB3Params):
        n_steps: int = Field(32, ge=2, description="env steps per rollout")
        batch_size: int = Field(32, ge=2, description="minibatch size")
        n_epochs: int = Field(4, ge=1, description="optimisation epochs per rollout")
        ent_coef: float = Field(0.01, ge=0.0, description="entropy bonus coefficient")

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        p = self.params
        return {"n_steps": p.n_steps, "batch_size": min(p.batch_size, p.n_steps), "n_epochs": p.n_epochs,
                "ent_coef": p.ent_coef}


class A2CAgent(SB3Agent):
    """Advantage actor-critic (stable-baselines3 A2C) over MultiDiscrete design actions."""

    name = "a2c"
    algorithm = "A2C"

    class Params(SB3Params):
        learning_rate: float = Field(7e-4, gt=0.0, description="optimiser learning rate")
        n_steps: int = Field(8, ge=1, description="env steps per update")
        ent_coef: float = Field(0.01, ge=0.0, description="entropy bonus coefficient")

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        return {"n_steps": self.params.n_steps, "ent_coef": self.params.ent_coef}


class DQNAgent(SB3Agent):
    """Deep Q-network (stable-baselines3 DQN) over Discrete(2d+1) one-parameter moves."""

    name = "dqn"
    algorithm = "DQN"
    wrapper = MoveActions

    class Params(SB3Params):
        learning_rate: float = Field(1e-3, gt=0.0, description="optimiser learning rate")
        buffer_size: int = Field(10_000, ge=1, description="replay buffer size")
        learning_starts: int = Field(32, ge=0, description="random steps before learning starts")
        batch_size: int = Field(32, ge=1, description="minibatch size")
        target_update_interval: int = Field(64, ge=1, description="steps between target network updates")
        exploration_fraction: float = Field(0.5, gt=0.0, le=1.0,
                                            description="fraction of the budget over which epsilon decays")
        exploration_final_eps: float = Field(0.05, ge=0.0, le=1.0, description="final epsilon")
        start: Literal["default", "random", "best"] = Field(
            "best", description="episode start on a design-mode env: default design, random, best so far")

    def make_wrapper(self, env: gym.Env) -> gym.Env:
        return MoveActions(env, start=self.params.start)

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        p = self.params
        return {"buffer_size": p.buffer_size, "learning_starts": p.learning_starts, "batch_size": p.batch_size,
                "train_freq": 1, "gradient_steps": 1, "target_update_interval": p.target_update_interval,
                "exploration_fraction": p.exploration_fraction, "exploration_final_eps": p.exploration_final_eps}


class SACAgent(SB3Agent):
    """Soft actor-critic (stable-baselines3 SAC) over a [0, 1]^d continuous encoding of the design."""

    name = "sac"
    algorithm = "SAC"
    wrapper = UnitBoxActions

    class Params(SB3Params):
        learning_rate: float = Field(1e-3, gt=0.0, description="optimiser learning rate")
        buffer_size: int = Field(10_000, ge=1, description="replay buffer size")
        learning_starts: int = Field(32, ge=0, description="random steps before learning starts")
        batch_size: int = Field(32, ge=1, description="minibatch size")
        ent_coef: Literal["auto"] | float = Field("auto", description="entropy coefficient ('auto': learned)")

    def model_kwargs(self, budget: int) -> dict[str, Any]:
        p = self.params
        return {"buffer_size": p.buffer_size, "learning_starts": p.learning_starts, "batch_size": p.batch_size,
                "train_freq": 1, "gradient_steps": 1, "ent_coef": p.ent_coef}
