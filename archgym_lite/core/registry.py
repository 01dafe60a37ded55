"""Registries for envs and agents, with lazy entry-point plugins.

Envs have ids ``namespace/Name-vN`` (``archgym/DRAM-v0``) and are mirrored into Gymnasium's registry, so
``gymnasium.make("archgym/DRAM-v0")`` works after ``import archgym_lite``. An env entry point is a callable
(or ``"module:attr"`` string) taking keyword arguments and returning a :class:`~archgym_lite.core.env.DesignEnv`.

Plugins: installed packages declare entry points in the groups ``archgym_lite.envs`` and
``archgym_lite.agents``. Each entry point names a callable taking no arguments that registers its envs or
agents (or an agent class, registered under the entry point's name). Plugins load on the first lookup; a
broken plugin emits a warning and the others still load.
"""

from __future__ import annotations

import importlib
import re
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

from archgym_lite.core.errors import RegistryError, SpecError, did_you_mean, format_allowed

ENV_GROUP = "archgym_lite.envs"
AGENT_GROUP = "archgym_lite.agents"
_ID_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+-v\d+$")


def load_attr(path: str | Callable[..., Any]) -> Any:
    """Resolve ``"package.module:attr"`` (or return a callable unchanged)."""
    if callable(path):
        return path
    mod, _, attr = path.partition(":")
    if not mod or not attr:
        raise SpecError(f"entry point must look like 'package.module:attr', got {path!r}", "entry_point")
    obj: Any = importlib.import_module(mod)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


@dataclass
class EnvSpec:
    """A registered env: id, factory and default keyword arguments."""

    id: str
    entry_point: str | Callable[..., Any]
    kwargs: dict[str, Any] = field(default_factory=dict)
    description: str = ""

    def make(self, **kwargs: Any) -> Any:
        factory = load_attr(self.entry_point)
        return factory(**{**self.kwargs, **kwargs, "env_id": self.id})


@dataclass
class AgentSpec:
    """A registered agent: name and class (or ``"module:Class"`` string)."""

    name: str
    entry_point: str | Callable[..., Any]
    description: str = ""

    def load(self) -> Any:
        return load_attr(self.entry_point)


_ENVS: dict[str, EnvSpec] = {}
_AGENTS: dict[str, AgentSpec] = {}
_plugins_loaded = {ENV_GROUP: False, AGENT_GROUP: False}


def _gym_factory(env_id: str) -> Callable[..., Any]:
    def factory(**kwargs: Any) -> Any:
        return make(env_id, **kwargs)

    return factory


def register(id: str, entry_point: str | Callable[..., Any], *, kwargs: dict[str, Any] | None = None,
             description: str = "", override: bool = False) -> EnvSpec:
    """Register an env id (and mirror it into Gymnasium's registry).

    Args:
        id: ``namespace/Name-vN``.
        entry_point: Callable or ``"module:attr"`` returning a ``DesignEnv``; it receives ``env_id``.
        kwargs: Default keyword arguments for the entry point.
        description: One line for ``archgym envs list``.
        override: Replace an existing registration instead of raising.
    """
    if not _ID_RE.match(id):
        raise RegistryError(f"env id {id!r} must look like 'namespace/Name-v0'", "id")
    if id in _ENVS and not override:
        raise RegistryError(f"env {id!r} is already registered (pass override=True to replace it)", "id")
    spec = EnvSpec(id, entry_point, dict(kwargs or {}), description)
    _ENVS[id] = spec
    import gymnasium

    if id in gymnasium.registry:
        del gymnasium.registry[id]
    gymnasium.register(id=id, entry_point=_gym_factory(id), disable_env_checker=True)
    return spec


def register_agent(name: str, entry_point: str | Callable[..., Any], *, description: str = "",
                   override: bool = False) -> AgentSpec:
    """Register an agent class under ``name``."""
    if not re.match(r"^[a-z][a-z0-9_-]*$", name):
        raise RegistryError(f"agent name {name!r} must be lower-case letters, digits, '_' or '-'", "name")
    if name in _AGENTS and not override:
        raise RegistryError(f"agent {name!r} is already registered (pass override=True to replace it)", "name")
    spec = AgentSpec(name, entry_point, description)
    _AGENTS[name] = spec
    return spec


def load_plugins(group: str) -> None:
    """Load every entry point of ``group`` once; failures become warnings."""
    if _plugins_loaded.get(group):
        return
    _plugins_loaded[group] = True
    for ep in entry_points(group=group):
        try:
            obj = ep.load()
            if group == AGENT_GROUP and isinstance(obj, type):
                if ep.name not in _AGENTS:
                    register_agent(ep.name, obj, description=(obj.__doc__ or "").strip().split("\n")[0])
            elif callable(obj):
                obj()
        except Exception as exc:  # a broken plugin must not break the others
            warnings.warn(f"archgym-lite plugin {ep.name!r} ({ep.value}) failed to load: {exc!r}",
                          RuntimeWarning, stacklevel=2)


def _unknown(kind: str, name: str, known: list[str]) -> RegistryError:
    hint = did_you_mean(name, known)
    return RegistryError(f"unknown {kind} {name!r}.{hint} Registered: {format_allowed(known, 40)}",
                         "env" if kind == "env id" else "agent")


def env_spec(id: str) -> EnvSpec:
    load_plugins(ENV_GROUP)
    if id not in _ENVS:
        raise _unknown("env id", id, sorted(_ENVS))
    return _ENVS[id]


def env_ids() -> list[str]:
    load_plugins(ENV_GROUP)
    return sorted(_ENVS)


def make(id: str, **kwargs: Any) -> Any:
    """Create a registered env: ``make("archgym/DRAM-v0", trace="stream")``.

    (A proxy-backed env, whose simulator is a trained model, comes from
    :func:`archgym_lite.proxy.make_proxy_env`.)
    """
    return env_spec(id).make(**kwargs)


def agent_spec(name: str) -> AgentSpec:
    load_plugins(AGENT_GROUP)
    if name not in _AGENTS:
        raise _unknown("agent", name, sorted(_AGENTS))
    return _AGENTS[name]


def agent_names() -> list[str]:
    load_plugins(AGENT_GROUP)
    return sorted(_AGENTS)


def agent_class(name: str) -> Any:
    return agent_spec(name).load()
