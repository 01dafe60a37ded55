"""Typed design parameters: integer ranges, powers of two, explicit value lists, categoricals, reals.

Every parameter has a finite list of *levels* used for index encoding (gymnasium ``MultiDiscrete`` actions,
ant-colony pheromones, one-hot features). Discrete parameters' levels are exactly their values; a real
parameter is continuous but exposes an evenly spaced grid (linear or log) of ``n_levels`` points.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from archgym_lite.core.errors import DesignError, SpecError, format_allowed

Value = int | float | str


class Param(ABC):
    """A named, typed design parameter.

    Attributes:
        name: Identifier used as the key in a design mapping.
        unit: Physical unit (``"KiB"``, ``"bytes/cycle"``), empty when dimensionless.
        description: One line shown by ``archgym envs show``.
    """

    kind: ClassVar[str]
    dtype: ClassVar[str]  # "int64", "float64" or "string": the column type in logs
    ordered: ClassVar[bool] = True

    def __init__(self, name: str, unit: str = "", description: str = "") -> None:
        if not name.isidentifier():
            raise SpecError(f"parameter name {name!r} must be a Python identifier", "name")
        self.name = name
        self.unit = unit
        self.description = description

    # --- level encoding -------------------------------------------------------------------------
    @property
    @abstractmethod
    def levels(self) -> tuple[Value, ...]:
        """The values indexed 0..n_levels-1."""

    @property
    def n_levels(self) -> int:
        return len(self.levels)

    @property
    def size(self) -> float:
        """Number of distinct values (``inf`` for a real parameter)."""
        return self.n_levels

    @abstractmethod
    def validate(self, value: Any) -> Value:
        """Return the canonical value or raise :class:`DesignError` naming the allowed values."""

    @abstractmethod
    def validate_array(self, values: np.ndarray) -> np.ndarray:
        """Vectorised :meth:`validate` over a column of values."""

    @abstractmethod
    def index_of(self, values: np.ndarray) -> np.ndarray:
        """Level indices of (validated) values; a real parameter snaps to the nearest grid level."""

    def value_at(self, indices: np.ndarray) -> np.ndarray:
        idx = np.asarray(indices, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self.n_levels):
            bad = idx[(idx < 0) | (idx >= self.n_levels)][0]
            raise DesignError(f"index {bad} out of range 0..{self.n_levels - 1}", self.name)
        return self._level_array[idx]

    @property
    def _level_array(self) -> np.ndarray:
        arr = getattr(self, "_levels_np", None)
        if arr is None:
            arr = np.array(self.levels, dtype=object if self.dtype == "string" else self.dtype)
            self._levels_np = arr
        return arr

    # --- unit-interval encoding -----------------------------------------------------------------
    def to_unit(self, values: np.ndarray) -> np.ndarray:
        """Map values to [0, 1] (by level index for discrete parameters)."""
        n = self.n_levels
        return self.index_of(values) / (n - 1) if n > 1 else np.zeros(len(values))

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`to_unit`; values outside [0, 1] are clipped."""
        n = self.n_levels
        idx = np.rint(np.clip(np.asarray(u, dtype=float), 0.0, 1.0) * (n - 1)).astype(np.int64)
        return self.value_at(idx)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.value_at(rng.integers(0, self.n_levels, size=n))

    @property
    def default(self) -> Value:
        """The middle level: a neutral starting point for local search."""
        return self.levels[(self.n_levels - 1) // 2]

    def neighbours(self, value: Value) -> list[Value]:
        """Values one step away: adjacent levels when ordered, every other choice when categorical."""
        i = int(self.index_of(np.array([value], dtype=object))[0])
        if not self.ordered:
            return [v for j, v in enumerate(self.levels) if j != i]
        return [self.levels[j] for j in (i - 1, i + 1) if 0 <= j < self.n_levels]

    def describe_range(self) -> str:
        return format_allowed(self.levels)

    def spec(self) -> dict[str, Any]:
        """A JSON-able description, used for design-space signatures and ``envs show``."""
        return {"kind": self.kind, "name": self.name, "unit": self.unit, "levels": list(self.levels)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r}, {self.describe_range()})"

    def _as_numeric(self, values: np.ndarray) -> np.ndarray:
        """A column as a numeric array; a non-numeric one (object, strings) is validated value by value first."""
        arr = np.asarray(values)
        if arr.dtype.kind not in "iuf":
            for v in arr.tolist():
                self.validate(v)
            arr = arr.astype(np.float64)
        return arr

    def _bad(self, value: Any) -> DesignError:
        return DesignError(f"invalid value {value!r}; allowed: {self.describe_range()}", self.name)


class _DiscreteNumeric(Param):
    """Shared machinery for parameters with a sorted list of integer values."""

    dtype = "int64"

    def __init__(self, name: str, values: Sequence[int], unit: str = "", description: str = "") -> None:
        super().__init__(name, unit, description)
        vals = sorted({int(v) for v in values})
        if not vals:
            raise SpecError("needs at least one value", name)
        self._values = tuple(vals)
        self._sorted = np.array(vals, dtype=np.int64)

    @property
    def levels(self) -> tuple[int, ...]:
        return self._values

    def validate(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise self._bad(value)
        if value != value or int(value) != value or int(value) not in self._values:  # NaN-safe
            raise self._bad(value)
        return int(value)

    def validate_array(self, values: np.ndarray) -> np.ndarray:
        arr = self._as_numeric(values)
        as_int = arr.astype(np.int64)
        ok = (as_int == arr) & np.isin(as_int, self._sorted)
        if not ok.all():
            raise self._bad(arr[~ok][0].item())
        return as_int

    def index_of(self, values: np.ndarray) -> np.ndarray:
        return np.searchsorted(self._sorted, np.asarray(values, dtype=np.int64))

    def describe_range(self) -> str:
        return format_allowed(self._values)


class IntParam(_DiscreteNumeric):
    """Integers ``low, low+step, ..., high`` (inclusive)."""

    kind = "int"

    def __init__(self, name: str, low: int, high: int, step: int = 1, unit: str = "", description: str = ""):
        if step < 1 or high < low:
            raise SpecError(f"need low <= high and step >= 1, got low={low} high={high} step={step}", name)
        self.low, self.high, self.step = int(low), int(high), int(step)
        super().__init__(name, range(self.low, self.high + 1, self.step), unit, description)

    def describe_range(self) -> str:
        suffix = f" step {self.step}" if self.step != 1 else ""
        return f"integers {self.low}..{self.levels[-1]}{suffix}"


class Pow2Param(_DiscreteNumeric):
    """Powers of two from ``low`` to ``high`` inclusive (both must be powers of two)."""

    kind = "pow2"

    def __init__(self, name: str, low: int, high: int, unit: str = "", description: str = ""):
        for v in (low, high):
            if v < 1 or v & (v - 1):
                raise SpecError(f"bounds must be powers of two, got {v}", name)
        if high < low:
            raise SpecError(f"need low <= high, got {low} > {high}", name)
        exps = range(int(math.log2(low)), int(math.log2(high)) + 1)
        super().__init__(name, [1 << e for e in exps], unit, description)

    def describe_range(self) -> str:
        return f"powers of two {self.levels[0]}..{self.levels[-1]}"


class IntListParam(_DiscreteNumeric):
    """An explicit, ordered list of allowed integers (e.g. ``[1, 2, 3, 6, 12]``)."""

    kind = "int_list"


class CategoricalParam(Param):
    """Unordered string choices (e.g. a dataflow ``{"OS", "WS", "IS"}``)."""

    kind = "categorical"
    dtype = "string"
    ordered = False

    def __init__(self, name: str, choices: Sequence[str], unit: str = "", description: str = ""):
        super().__init__(name, unit, description)
        if not choices or len(set(choices)) != len(choices):
            raise SpecError("needs distinct, non-empty choices", name)
        self.choices = tuple(str(c) for c in choices)
        self._index = {c: i for i, c in enumerate(self.choices)}

    @property
    def levels(self) -> tuple[str, ...]:
        return self.choices

    def validate(self, value: Any) -> str:
        if not isinstance(value, (str, np.str_)) or str(value) not in self._index:
            raise self._bad(value)
        return str(value)

    def validate_array(self, values: np.ndarray) -> np.ndarray:
        arr = np.asarray(values, dtype=object)
        for v in set(arr.tolist()):
            self.validate(v)
        return arr

    def index_of(self, values: np.ndarray) -> np.ndarray:
        index = self._index
        return np.fromiter((index[str(v)] for v in values), dtype=np.int64, count=len(values))


class RealParam(Param):
    """A real number in ``[low, high]``, on a linear or log scale.

    Index encodings use an evenly spaced grid of ``n_levels`` points (in log space when ``log``).
    """

    kind = "real"
    dtype = "float64"

    def __init__(
        self,
        name: str,
        low: float,
        high: float,
        log: bool = False,
        n_levels: int = 17,
        unit: str = "",
        description: str = "",
    ):
        super().__init__(name, unit, description)
        if not (math.isfinite(low) and math.isfinite(high) and low < high):
            raise SpecError(f"need finite low < high, got {low}, {high}", name)
        if log and low <= 0:
            raise SpecError("log scale needs low > 0", name)
        if n_levels < 2:
            raise SpecError("n_levels must be >= 2", name)
        self.low, self.high, self.log, self._n = float(low), float(high), log, int(n_levels)
        grid = np.array([float(f"{g:.12g}") for g in self._from_u(np.linspace(0.0, 1.0, self._n))])
        grid[0], grid[-1] = self.low, self.high
        self._grid = grid

    def _to_u(self, v: np.ndarray) -> np.ndarray:
        v = np.asarray(v, dtype=float)
        if self.log:
            return (np.log(v) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (v - self.low) / (self.high - self.low)

    def _from_u(self, u: np.ndarray) -> np.ndarray:
        u = np.asarray(u, dtype=float)
        if self.log:
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    @property
    def levels(self) -> tuple[float, ...]:
        return tuple(float(g) for g in self._grid)

    @property
    def size(self) -> float:
        return math.inf

    def validate(self, value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise self._bad(value)
        v = float(value)
        if not (self.low <= v <= self.high):  # also rejects NaN
            raise self._bad(value)
        return v

    def validate_array(self, values: np.ndarray) -> np.ndarray:
        arr = self._as_numeric(values).astype(np.float64)
        ok = (arr >= self.low) & (arr <= self.high)
        if not ok.all():
            raise self._bad(arr[~ok][0].item())
        return arr

    def index_of(self, values: np.ndarray) -> np.ndarray:
        u = np.clip(self._to_u(np.asarray(values, dtype=float)), 0.0, 1.0)
        return np.rint(u * (self._n - 1)).astype(np.int64)

    def value_at(self, indices: np.ndarray) -> np.ndarray:
        idx = np.asarray(indices, dtype=np.int64)
        if idx.size and (idx.min() < 0 or idx.max() >= self._n):
            raise DesignError(f"index out of range 0..{self._n - 1}", self.name)
        return self._grid[idx]

    def to_unit(self, values: np.ndarray) -> np.ndarray:
        return np.clip(self._to_u(values), 0.0, 1.0)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        return np.clip(self._from_u(np.clip(np.asarray(u, dtype=float), 0.0, 1.0)), self.low, self.high)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return self.from_unit(rng.random(n))

    @property
    def default(self) -> float:
        return float(self._grid[(self._n - 1) // 2])

    def neighbours(self, value: Value) -> list[Value]:
        i = int(self.index_of(np.array([value]))[0])
        return [float(self._grid[j]) for j in (i - 1, i + 1) if 0 <= j < self._n]

    def describe_range(self) -> str:
        scale = "log" if self.log else "linear"
        return f"reals in [{self.low:g}, {self.high:g}] ({scale})"

    def spec(self) -> dict[str, Any]:
        return {"kind": self.kind, "name": self.name, "unit": self.unit, "low": self.low, "high": self.high,
                "log": self.log, "n_levels": self._n}
