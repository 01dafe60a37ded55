"""`ParallelDesignEnv`: the PettingZoo multi-agent view of any registered env.

The design space is split into agents: one agent per parameter (the MARL-DSE paper's setting for the
memory controller) or one per named group of parameters (e.g. one per branch of a dual-branch network).
Each step every agent chooses the levels of its own parameters; together they form one design, which is
evaluated once by the underlying :class:`~archgym_lite.core.env.DesignEnv` (and logged by it).

Rewards are shared (every agent gets the env reward) or per agent: a mapping from agent to its own
objective spec over the same metrics, e.g. each branch agent rewarded on its branch's latency.
Every agent observes the env's full observation (normalised metrics and the current design encoding).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from gymnasium import spaces
from pettingzoo import ParallelEnv

from archgym_lite.core.env import DesignEnv
from archgym_lite.core.errors import SpecError, format_allowed
from archgym_lite.core.objective import Objective
from archgym_lite.core.registry import make


def split_groups(env: DesignEnv, groups: str | Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Resolve ``"per_param"`` / ``"single"`` / an explicit mapping into agent → parameter names."""
    names = list(env.space.names)
    if groups == "per_param":
        return {n: [n] for n in names}
    if groups == "single":
        return {"designer": names}
    if isinstance(groups, str):
        groups = getattr(env.simulator, "agent_groups", {}).get(groups, None) or _bad_groups(groups, env)
    seen: dict[str, str] = {}
    out: dict[str, list[str]] = {}
    for agent, params in groups.items():
        for p in params:
            if p not in env.space:
                raise SpecError(f"unknown parameter {p!r}; allowed: {format_allowed(names, 50)}", f"groups.{agent}")
            if p in seen:
                raise SpecError(f"parameter {p!r} is already controlled by agent {seen[p]!r}", f"groups.{agent}")
            seen[p] = agent
        out[str(agent)] = [n for n in names if n in set(params)]
    missing = [n for n in names if n not in seen]
    if missing:
        raise SpecError(f"parameters controlled by no agent: {missing}", "groups")
    return out


def _bad_groups(name: str, env: DesignEnv) -> Any:
    presets = ["per_param", "single", *getattr(env.simulator, "agent_groups", {})]
    raise SpecError(f"unknown grouping {name!r}; allowed: {presets} or a mapping agent -> parameters", "groups")


class ParallelDesignEnv(ParallelEnv):
    """PettingZoo ``ParallelEnv`` over a :class:`DesignEnv` whose design space is split among agents.

    Args:
        env: A ``DesignEnv`` or a registered env id.
        groups: ``"per_param"`` (default), ``"single"``, the name of a grouping the simulator declares in
            its ``agent_groups`` attribute (e.g. ``"per_branch"``), or a mapping agent → parameter names.
        rewards: ``"shared"`` or a mapping agent → objective spec (per-agent rewards).
        **env_kwargs: Passed to :func:`archgym_lite.make` when ``env`` is an id (e.g. ``max_steps``).
    """

    metadata = {"name": "archgym_parallel_design_env", "render_modes": []}

    def __init__(self, env: DesignEnv | str, groups: str | Mapping[str, Sequence[str]] = "per_param",
                 rewards: str | Mapping[str, Any] = "shared", **env_kwargs: Any) -> None:
        self.env: DesignEnv = make(env, observe_design=True, **env_kwargs) if isinstance(env, str) else env
        self.groups = split_groups(self.env, groups)
        self.possible_agents = list(self.groups)
        self.agents: list[str] = []
        pos = {n: i for i, n in enumerate(self.env.space.names)}
        self._slots = {a: np.array([pos[p] for p in ps]) for a, ps in self.groups.items()}
        nvec = self.env.action_space.nvec  # level counts (design mode) or 3 per parameter (move mode)
        self._action_spaces = {
            a: spaces.Discrete(int(nvec[s[0]])) if len(s) == 1 else spaces.MultiDiscrete(nvec[s])
            for a, s in self._slots.items()
        }
        if rewards == "shared":
            self._objectives: dict[str, Objective] | None = None
        elif isinstance(rewards, Mapping):
            unknown = set(rewards) - set(self.possible_agents)
            if unknown or set(rewards) != set(self.possible_agents):
                raise SpecError(f"needs one objective per agent {self.possible_agents}", "rewards")
            self._objectives = {a: Objective.from_spec(spec, self.env.simulator.metrics) for a, spec in rewards.items()}
        else:
            raise SpecError(f"got {rewards!r}; allowed: 'shared' or a mapping agent -> objective", "rewards")

    def observation_space(self, agent: str) -> spaces.Space:
        # PettingZoo requires the identical object on every call: both return stored spaces
        return self.env.observation_space

    def action_space(self, agent: str) -> spaces.Space:
        return self._action_spaces[agent]

    @property
    def max_steps(self) -> int:
        return self.env.max_steps

    def reset(self, seed: int | None = None, options: dict[str, Any] | None = None):
        obs, info = self.env.reset(seed=seed, options=options if options and "design" in options else None)
        if seed is not None:
            for i, a in enumerate(self.possible_agents):
                self._action_spaces[a].seed(seed + i)
        self.agents = list(self.possible_agents)
        return {a: obs for a in self.agents}, {a: dict(info) for a in self.agents}

    def step(self, actions: Mapping[str, Any]):
        if set(actions) != set(self.agents):
            raise SpecError(f"need one action per live agent {self.agents}, got {sorted(actions)}", "actions")
        full = (np.asarray(self.env._idx, dtype=np.int64).copy() if self.env.action_mode == "design"
                else np.ones(len(self.env.space), dtype=np.int64))
        for a, act in actions.items():
            full[self._slots[a]] = np.asarray(act, dtype=np.int64).reshape(-1)
        obs, reward, terminated, truncated, info = self.env.step(full)
        if self._objectives is None:
            rewards = {a: float(reward) for a in self.agents}
        else:
            rewards = {a: float(self._objectives[a].reward(info["metrics"])) for a in self.agents}
        out = ({a: obs for a in self.agents}, rewards, {a: terminated for a in self.agents},
               {a: truncated for a in self.agents}, {a: dict(info) for a in self.agents})
        if terminated or truncated:
            self.agents = []
        return out

    def state(self) -> np.ndarray:
        return self.env._obs(self.env.metrics)

    def render(self) -> None:
        return None

    def close(self) -> None:
        self.env.close()


def parallel_env(env_id: str, groups: str | Mapping[str, Sequence[str]] = "per_param",
                 rewards: str | Mapping[str, Any] = "shared", **env_kwargs: Any) -> ParallelDesignEnv:
    """PettingZoo-style constructor: ``parallel_env("archgym/DRAM-v0", groups="per_param")``."""
    return ParallelDesignEnv(env_id, groups, rewards, **env_kwargs)
