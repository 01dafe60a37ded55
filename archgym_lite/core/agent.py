"""The agent interface: ``ask`` / ``tell`` over a design space, with declared hyperparameters.

An agent sees a :class:`~archgym_lite.core.space.DesignSpace`, never a simulator. Subclasses declare their
hyperparameters as a pydantic model in a nested ``Params`` class (typed, with defaults and bounds), so sweeps
can vary them and bad values give errors such as ``pop_size: Input should be greater than or equal to 2``.

Example::

    class MyAgent(Agent):
        name = "my-agent"

        class Params(AgentParams):
            step: int = Field(1, ge=1, description="levels moved per mutation")

        def ask(self, n): ...
        def tell(self, designs, rewards, metrics): ...
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, get_args

import numpy as np
from pydantic import BaseModel, ConfigDict, ValidationError

from archgym_lite.core.errors import SpecError, unknown_name
from archgym_lite.core.space import Design, DesignSpace, as_rng


class AgentParams(BaseModel):
    """Base of every agent's hyperparameter model (unknown keys are errors)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


def pydantic_message(exc: ValidationError, prefix: str = "", model: type[BaseModel] | None = None,
                     what: str = "key") -> str:
    """One line per pydantic error: ``prefix.field: message``.

    An unknown key (``extra="forbid"``) lists the allowed keys with a close match when ``model`` (the
    validated model class) is given: ``params.pop_sise: unknown key 'pop_sise'; allowed: {...}. Did you
    mean 'pop_size'?``.
    """
    lines = []
    for err in exc.errors():
        loc = prefix
        for part in err["loc"]:
            loc += f"[{part}]" if isinstance(part, int) else (f".{part}" if loc else str(part))
        msg = err["msg"].removeprefix("Value error, ")
        owner = _model_at(model, err["loc"]) if model is not None else None
        if err["type"] == "extra_forbidden" and owner is not None:
            msg = unknown_name(what, err["loc"][-1], owner.model_fields)
        lines.append(f"{loc}: {msg}")
    return "; ".join(lines)


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The model class that owns the last element of ``loc`` (walking nested models and lists of them)."""
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        field = model.model_fields.get(str(part))
        if field is None:
            return None
        inner = next((a for a in _type_args(field.annotation)
                      if isinstance(a, type) and issubclass(a, BaseModel)), None)
        if inner is None:
            return None
        model = inner
    return model


def _type_args(annotation: Any) -> list[Any]:
    out, todo = [], [annotation]
    while todo:
        a = todo.pop()
        out.append(a)
        todo.extend(get_args(a))
    return out


class Agent(ABC):
    """Base class of search agents.

    Args:
        space: The design space to search.
        seed: Seed of the agent's ``numpy.random.Generator`` (every random choice comes from it).
        **params: Hyperparameters, validated against :attr:`Params`.
    """

    name: ClassVar[str] = "agent"
    Params: ClassVar[type[AgentParams]] = AgentParams
    #: Whether the agent drives the Gymnasium env itself (RL) instead of ask/tell.
    uses_env: ClassVar[bool] = False

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        self.space = space
        self.seed = seed
        self.rng = as_rng(seed)
        self.params = self.parse_params(params)

    @classmethod
    def parse_params(cls, params: Mapping[str, Any], path: str = "params") -> AgentParams:
        """Validate hyperparameters, raising :class:`SpecError` that names the field."""
        try:
            return cls.Params(**params)
        except ValidationError as exc:
            raise SpecError(pydantic_message(exc, path, cls.Params, "hyperparameter")) from None

    @classmethod
    def hyperparameters(cls) -> list[dict[str, Any]]:
        """Declared hyperparameters: name, type, default, description (for ``archgym agents list``)."""
        out = []
        for fname, f in cls.Params.model_fields.items():
            ann = f.annotation
            out.append({"name": fname, "type": getattr(ann, "__name__", str(ann)), "default": f.default,
                        "description": f.description or ""})
        return out

    @abstractmethod
    def ask(self, n: int = 1) -> list[Design]:
        """Propose ``n`` designs to evaluate next."""

    @abstractmethod
    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        """Report rewards (higher is better) and raw metric columns for designs returned by ``ask``."""

    def learn(self, env: Any, budget: int) -> None:
        """Drive ``env`` (a :class:`~archgym_lite.core.env.DesignEnv`) for exactly ``budget`` steps.

        Only agents with ``uses_env = True`` (RL) implement this; the env logs every step itself.
        """
        raise NotImplementedError(f"{type(self).__name__} is an ask/tell agent (uses_env = False)")

    def batch_size(self) -> int:
        """How many designs the run loop should ask for at once (1 for sequential agents)."""
        return 1

    def set_objective(self, objective: Any) -> None:
        """Receive the trial's :class:`~archgym_lite.core.objective.Objective` before the first ``ask``.

        The run loop always calls it. Agents that search a Pareto front (NSGA-II, qNEHVI, multi-objective
        Optuna) override it to read the traded metrics; the default keeps it as ``self.objective``.
        """
        self.objective = objective
