"""Sweep specs: YAML → validated pydantic model → a list of trials (envs × agents × grid × seeds).

Example::

    name: quickstart
    budget: 64               # evaluations per trial
    seeds: [0, 1, 2]         # or a count: `seeds: 3` means 0, 1, 2
    envs:
      - id: archgym/Accelerator-v0
        kwargs: {workload: resnet18}
        objective: {targets: {latency_s: 1.0e-3}, constraints: {area_mm2: {max: 50}}}
    agents:
      - name: random
      - name: ga
        params: {pop_size: [8, 16], mutation_rate: 0.1}   # lists are grid axes

Errors name the YAML path, e.g. ``agents[1].params.pop_size: Input should be greater than or equal to 2``.
A parameter whose value must itself be a list is written as a list of lists (``[[1, 2]]``).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from archgym_lite.core.agent import pydantic_message
from archgym_lite.core.errors import ArchGymError, SpecError
from archgym_lite.core.objective import Objective
from archgym_lite.core.registry import agent_class, env_spec, make
from archgym_lite.trials.run import trial_id


class EnvEntry(BaseModel):
    """One env of the sweep."""

    model_config = ConfigDict(extra="forbid")
    id: str
    kwargs: dict[str, Any] = Field(default_factory=dict)
    objective: dict[str, Any] | None = None


class AgentEntry(BaseModel):
    """One agent with a hyperparameter grid (list values are axes)."""

    model_config = ConfigDict(extra="forbid")
    name: str
    params: dict[str, Any] = Field(default_factory=dict)


class SweepSpec(BaseModel):
    """A whole sweep."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field("sweep", pattern=r"^[A-Za-z0-9_.-]+$")
    budget: int = Field(..., ge=1)
    seeds: list[int] | int = Field(default_factory=lambda: [0])
    envs: list[EnvEntry] = Field(..., min_length=1)
    agents: list[AgentEntry] = Field(..., min_length=1)

    @field_validator("seeds")
    @classmethod
    def _seeds(cls, v: list[int] | int) -> list[int]:
        if isinstance(v, int):
            if v < 1:
                raise ValueError("a seed count must be >= 1")
            return list(range(v))
        if not v or len(set(v)) != len(v):
            raise ValueError("seeds must be a non-empty list of distinct integers")
        return v


@dataclass(frozen=True)
class TrialSpec:
    """One trial of a sweep: everything :func:`archgym_lite.trials.run.run_trial` needs."""

    env_id: str
    agent: str
    seed: int
    budget: int
    env_kwargs: dict[str, Any] = field(default_factory=dict)
    objective: dict[str, Any] | None = None
    agent_params: dict[str, Any] = field(default_factory=dict)

    @property
    def trial_id(self) -> str:
        return trial_id(self.env_id, self.agent, self.agent_params, self.seed, env_kwargs=self.env_kwargs,
                        objective=self.objective, budget=self.budget)


def grid(params: dict[str, Any]) -> list[dict[str, Any]]:
    """Cartesian product of list-valued entries; scalars are fixed."""
    keys = list(params)
    axes = [v if isinstance(v, list) else [v] for v in params.values()]
    if any(len(a) == 0 for a in axes):
        empty = next(k for k, a in zip(keys, axes, strict=True) if not a)
        raise SpecError("an empty list gives no settings", empty)
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*axes)]


def parse_spec(data: Any, source: str = "spec") -> SweepSpec:
    """Validate a loaded YAML document, raising one :class:`SpecError` naming every bad YAML path."""
    if not isinstance(data, dict):
        raise SpecError(f"the top level must be a mapping with budget, envs and agents; got {type(data).__name__}",
                        source)
    try:
        spec = SweepSpec(**data)
    except ValidationError as exc:
        raise SpecError(pydantic_message(exc, "", SweepSpec)) from None
    for i, env in enumerate(spec.envs):
        try:
            env_spec(env.id)
        except ArchGymError as exc:
            raise SpecError(str(exc).removeprefix("env: "), f"envs[{i}].id") from None
    for i, agent in enumerate(spec.agents):
        try:
            cls = agent_class(agent.name)
        except ArchGymError as exc:
            raise SpecError(str(exc).removeprefix("agent: "), f"agents[{i}].name") from None
        try:
            settings = grid(agent.params)
        except SpecError as exc:
            raise SpecError(str(exc).split(": ", 1)[1], f"agents[{i}].params.{exc.field}") from None
        for setting in settings:
            cls.parse_params(setting, path=f"agents[{i}].params")
    return spec


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep YAML file."""
    p = Path(path)
    try:
        text = p.read_text()
    except OSError as exc:
        raise SpecError(f"cannot read sweep spec: {exc.strerror}", str(p)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise SpecError(f"malformed YAML{where}: {getattr(exc, 'problem', exc)}", str(p)) from None
    return parse_spec(data, str(p))


def check_envs(spec: SweepSpec) -> None:
    """Build each env once: validates env kwargs and objectives (names the YAML path on error)."""
    for i, env in enumerate(spec.envs):
        try:
            built = make(env.id, **env.kwargs)
        except ArchGymError as exc:
            raise SpecError(str(exc), f"envs[{i}].kwargs") from None
        except TypeError as exc:
            raise SpecError(f"invalid env keyword argument: {exc}", f"envs[{i}].kwargs") from None
        if env.objective is not None:
            try:
                Objective.from_spec(env.objective, built.simulator.metrics)
            except ArchGymError as exc:
                raise SpecError(str(exc), f"envs[{i}]") from None


def expand(spec: SweepSpec) -> list[TrialSpec]:
    """All trials, in a deterministic order: env, agent, setting, seed."""
    trials = []
    for env in spec.envs:
        for agent in spec.agents:
            for setting in grid(agent.params):
                for seed in spec.seeds:  # type: ignore[union-attr]
                    trials.append(TrialSpec(env.id, agent.name, seed, spec.budget, dict(env.kwargs),
                                            env.objective, setting))
    return trials
