"""archgym-lite: a Gymnasium toolkit for hardware design-space exploration."""

from __future__ import annotations

from archgym_lite._version import __version__
from archgym_lite.agent import Agent, AgentParams
from archgym_lite.builtin import register_builtins
from archgym_lite.env import DesignEnv
from archgym_lite.errors import (
    ArchGymError,
    DesignError,
    ModelFileError,
    RegistryError,
    SpecError,
    TraceError,
)
from archgym_lite.objective import Constraint, Objective, Target
from archgym_lite.registry import (
    agent_class,
    agent_names,
    env_ids,
    env_spec,
    make,
    register,
    register_agent,
)
from archgym_lite.simulator import Metric, Simulator
from archgym_lite.space import (
    CategoricalParam,
    DesignSpace,
    IntListParam,
    IntParam,
    Pow2Param,
    RealParam,
)

__all__ = [
    "Agent", "AgentParams", "ArchGymError", "CategoricalParam", "Constraint", "DesignEnv", "DesignError",
    "DesignSpace", "IntListParam", "IntParam", "Metric", "ModelFileError", "Objective", "Pow2Param",
    "RealParam", "RegistryError", "Simulator", "SpecError", "Target", "TraceError", "__version__",
    "agent_class", "agent_names", "env_ids", "env_spec", "make", "register", "register_agent",
]

register_builtins()
