"""`DesignSpace`: an ordered set of typed parameters.

A *design* is a plain ``dict`` mapping parameter name to value. A *batch* of designs is either a list of
designs or a column mapping ``{name: np.ndarray}``; simulators receive validated columns.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterator, Mapping, Sequence
from itertools import product
from typing import Any

import numpy as np

from archgym_lite.core.errors import DesignError, SpecError, unknown_name
from archgym_lite.core.params import (
    CategoricalParam,
    IntListParam,
    IntParam,
    Param,
    Pow2Param,
    RealParam,
    Value,
)

Design = dict[str, Value]
Columns = dict[str, np.ndarray]

__all__ = [
    "CategoricalParam",
    "Columns",
    "Design",
    "DesignSpace",
    "IntListParam",
    "IntParam",
    "Param",
    "Pow2Param",
    "RealParam",
]


def as_rng(seed: int | np.random.Generator | None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed (or the generator itself)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


class DesignSpace:
    """An ordered collection of :class:`Param` objects.

    Args:
        params: The parameters, in the order used by every vector encoding.
    """

    def __init__(self, params: Sequence[Param]) -> None:
        names = [p.name for p in params]
        if len(set(names)) != len(names):
            raise SpecError(f"duplicate parameter names in {names}", "params")
        if not params:
            raise SpecError("a design space needs at least one parameter", "params")
        self.params: tuple[Param, ...] = tuple(params)
        self._by_name = {p.name: p for p in self.params}

    # --- basic introspection --------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._by_name)

    def __getitem__(self, name: str) -> Param:
        try:
            return self._by_name[name]
        except KeyError:
            raise DesignError(unknown_name("parameter", name, self.names, 50), name) from None

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __len__(self) -> int:
        return len(self.params)

    def __iter__(self) -> Iterator[Param]:
        return iter(self.params)

    def __repr__(self) -> str:
        return f"DesignSpace({list(self.params)!r})"

    @property
    def size(self) -> float:
        """Number of distinct designs (``inf`` when a real parameter is present)."""
        return math.prod(p.size for p in self.params)

    @property
    def nvec(self) -> np.ndarray:
        """Number of levels per parameter (the ``MultiDiscrete`` shape)."""
        return np.array([p.n_levels for p in self.params], dtype=np.int64)

    def signature(self) -> str:
        """A stable hash of the parameters and their levels (used to match proxy models to envs)."""
        blob = json.dumps([p.spec() for p in self.params], sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def default(self) -> Design:
        return {p.name: p.default for p in self.params}

    def subspace(self, names: Sequence[str]) -> DesignSpace:
        """The space restricted to ``names`` (in this space's order)."""
        for n in names:
            self[n]
        return DesignSpace([p for p in self.params if p.name in set(names)])

    # --- validation -----------------------------------------------------------------------------
    def validate(self, design: Mapping[str, Any]) -> Design:
        """Return the canonical design or raise :class:`DesignError` naming parameter, value and allowed values."""
        if not isinstance(design, Mapping):
            raise DesignError(f"a design must be a mapping of parameter name to value, got {type(design).__name__}")
        self._check_names(design, "missing from design")
        return {p.name: p.validate(design[p.name]) for p in self.params}

    def _check_names(self, keys: Mapping[str, Any], missing_message: str) -> None:
        extra = [k for k in keys if k not in self._by_name]
        if extra:
            raise DesignError(unknown_name("parameter", extra[0], self.names, 50), str(extra[0]))
        missing = [n for n in self._by_name if n not in keys]
        if missing:
            raise DesignError(missing_message, missing[0])

    def columns(self, designs: Sequence[Mapping[str, Any]] | Mapping[str, Any]) -> Columns:
        """Validated column arrays from a list of designs or a ``{name: array}`` mapping."""
        if isinstance(designs, Mapping):
            cols = designs
            self._check_names(cols, "missing from design batch")
            lengths = {len(np.atleast_1d(cols[n])) for n in self._by_name}
            if len(lengths) != 1:
                raise DesignError(f"columns have different lengths {sorted(lengths)}")
            return {p.name: p.validate_array(np.atleast_1d(cols[p.name])) for p in self.params}
        rows = [self.validate(d) for d in designs]
        return {
            p.name: np.array([r[p.name] for r in rows], dtype=object if p.dtype == "string" else p.dtype)
            for p in self.params
        }

    @staticmethod
    def rows(columns: Mapping[str, np.ndarray]) -> list[Design]:
        """Columns back to a list of designs with plain Python values."""
        names = list(columns)
        lists = [np.asarray(columns[n]).tolist() for n in names]
        return [dict(zip(names, vals, strict=True)) for vals in zip(*lists, strict=True)]

    # --- sampling and enumeration ---------------------------------------------------------------
    def sample(self, seed: int | np.random.Generator | None = None) -> Design:
        """One random design (uniform over levels; uniform in [low, high] for reals)."""
        return self.sample_batch(seed, 1)[0]

    def sample_batch(self, seed: int | np.random.Generator | None, n: int) -> list[Design]:
        return self.rows(self.sample_columns(seed, n))

    def sample_columns(self, seed: int | np.random.Generator | None, n: int) -> Columns:
        rng = as_rng(seed)
        return {p.name: p.sample(rng, n) for p in self.params}

    def enumerate(self, limit: int = 1_000_000) -> Iterator[Design]:
        """Every design, in index order. Refuses spaces larger than ``limit`` or with real parameters."""
        if self.size > limit:
            raise SpecError(f"space has {self.size:g} designs, more than limit={limit} (real params are infinite)")
        for combo in product(*(p.levels for p in self.params)):
            yield dict(zip(self.names, combo, strict=True))

    # --- encodings ------------------------------------------------------------------------------
    def encode(self, design: Mapping[str, Any]) -> np.ndarray:
        """Design → level-index vector (int64)."""
        d = self.validate(design)
        return np.array([int(p.index_of(np.array([d[p.name]], dtype=object))[0]) for p in self.params])

    def decode(self, indices: Sequence[int] | np.ndarray) -> Design:
        """Level-index vector → design."""
        idx = np.asarray(indices).reshape(-1)
        if idx.shape[0] != len(self.params):
            raise DesignError(f"index vector has length {idx.shape[0]}, space has {len(self.params)} parameters")
        return {p.name: p.value_at(idx[i : i + 1]).tolist()[0] for i, p in enumerate(self.params)}

    def encode_batch(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Validated columns → (n, d) level-index matrix."""
        return np.stack([p.index_of(np.asarray(columns[p.name])) for p in self.params], axis=1)

    def decode_batch(self, indices: np.ndarray) -> Columns:
        """(n, d) level-index matrix → columns."""
        idx = np.asarray(indices, dtype=np.int64)
        return {p.name: p.value_at(idx[:, i]) for i, p in enumerate(self.params)}

    def to_unit(self, design: Mapping[str, Any]) -> np.ndarray:
        """Design → vector in [0, 1]^d (by level index for discrete params, by value for reals)."""
        d = self.validate(design)
        return np.array([float(p.to_unit(np.array([d[p.name]], dtype=object if p.dtype == "string" else float))[0])
                         for p in self.params])

    def from_unit(self, u: Sequence[float] | np.ndarray) -> Design:
        """Vector in [0, 1]^d → nearest design (clipped)."""
        vec = np.asarray(u, dtype=float).reshape(-1)
        if vec.shape[0] != len(self.params):
            raise DesignError(f"unit vector has length {vec.shape[0]}, space has {len(self.params)} parameters")
        return {p.name: p.from_unit(vec[i : i + 1]).tolist()[0] for i, p in enumerate(self.params)}

    # --- local search ---------------------------------------------------------------------------
    def neighbours(self, design: Mapping[str, Any]) -> list[Design]:
        """Designs that differ from ``design`` in exactly one parameter by one step (see ``Param.neighbours``)."""
        d = self.validate(design)
        out = []
        for p in self.params:
            for v in p.neighbours(d[p.name]):
                out.append({**d, p.name: v})
        return out

    # --- gymnasium spaces (imported lazily: simulators never import gymnasium) -------------------
    def multidiscrete_space(self, seed: int | None = None) -> Any:
        from gymnasium import spaces

        return spaces.MultiDiscrete(self.nvec, seed=seed)

    def dict_space(self, seed: int | None = None) -> Any:
        from gymnasium import spaces

        return spaces.Dict({p.name: spaces.Discrete(p.n_levels) for p in self.params}, seed=seed)

    def box_space(self, seed: int | None = None) -> Any:
        from gymnasium import spaces

        return spaces.Box(0.0, 1.0, shape=(len(self.params),), dtype=np.float32, seed=seed)

    def describe(self) -> list[dict[str, str]]:
        """Rows for a table: name, kind, range, unit, description."""
        return [
            {"name": p.name, "kind": p.kind, "values": p.describe_range(), "unit": p.unit,
             "description": p.description}
            for p in self.params
        ]
