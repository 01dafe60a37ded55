"""archgym-lite: a Gymnasium toolkit for hardware design-space exploration.

This facade re-exports the core (:mod:`archgym_lite.core`): everything a simulator or agent author
imports. The application lives in subpackages that build on the core and that the core never imports:

- :mod:`archgym_lite.trials`: the one trial loop (``run_trial``), Parquet logs, replay;
- :mod:`archgym_lite.sweep`: YAML sweep specs, executors (local pool, Ray), resume, run-directory lock;
- :mod:`archgym_lite.report`: tables, best-so-far / lottery / Pareto plots, hypervolume;
- :mod:`archgym_lite.proxy`: proxy cost models trained from logs, proxy-backed envs;
- :mod:`archgym_lite.plugins`: the plugin kits (scaffold, env checks, agent conformance, external simulators);
- :mod:`archgym_lite.cli`: the ``archgym`` command;
- :mod:`archgym_lite.utils`: atomic, umask-respecting file writes and output-path checks.
"""

from __future__ import annotations

from archgym_lite._version import __version__
from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.builtin import register_builtins
from archgym_lite.core.env import DesignEnv
from archgym_lite.core.errors import (
    ArchGymError,
    DesignError,
    ModelFileError,
    OutputError,
    RegistryError,
    SpecError,
    TraceError,
)
from archgym_lite.core.multiagent import ParallelDesignEnv, parallel_env
from archgym_lite.core.objective import Constraint, Objective, Target
from archgym_lite.core.registry import (
    agent_class,
    agent_names,
    env_ids,
    env_spec,
    make,
    register,
    register_agent,
)
from archgym_lite.core.simulator import Metric, MetricTable, Simulator
from archgym_lite.core.space import (
    CategoricalParam,
    Columns,
    Design,
    DesignSpace,
    IntListParam,
    IntParam,
    Pow2Param,
    RealParam,
)

__all__ = [
    "Agent", "AgentParams", "ArchGymError", "CategoricalParam", "Columns", "Constraint", "Design", "DesignEnv",
    "DesignError", "DesignSpace", "IntListParam", "IntParam", "Metric", "MetricTable", "ModelFileError",
    "Objective", "OutputError", "ParallelDesignEnv", "Pow2Param", "RealParam", "RegistryError", "Simulator",
    "SpecError", "Target", "TraceError", "__version__", "agent_class", "agent_names", "env_ids", "env_spec",
    "make", "parallel_env", "register", "register_agent",
]

register_builtins()
