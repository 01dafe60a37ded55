"""Operators shared by the search agents: design keys, typed mutation, feature encodings, reward scaling.

Everything here works on :class:`~archgym_lite.core.space.DesignSpace` objects and plain design dicts, so every
agent handles every parameter kind (int, pow2, int_list, categorical, real) the same way:

* ordered parameters (everything but categoricals) move along their level index, or along the [0, 1]
  unit scale for reals (log scale where the parameter is log-scaled);
* categoricals are unordered: they mutate to a different choice picked uniformly, and are one-hot encoded
  for models.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

import numpy as np

from archgym_lite.core.params import Param, RealParam, Value
from archgym_lite.core.space import Columns, Design, DesignSpace

#: How many times a deduplicating agent redraws a design that was already proposed before giving up.
MAX_REDRAWS = 20


def design_key(space: DesignSpace, design: Mapping[str, Any]) -> tuple[Hashable, ...]:
    """A hashable key of a design (values in space order), for "already evaluated?" checks."""
    return tuple(design[n] for n in space.names)


def mutate_value(param: Param, value: Value, rng: np.random.Generator, scale: float) -> Value:
    """A new value for ``param`` near ``value``.

    Args:
        param: The parameter.
        value: Its current (valid) value.
        rng: Random generator.
        scale: Standard deviation of the Gaussian step as a fraction of the parameter's range
            (unit scale for reals, level index range for ordered discrete parameters).

    Returns:
        For a categorical, a different choice drawn uniformly; for a real, a Gaussian step on the unit scale
        (clipped); for an ordered discrete parameter, a rounded Gaussian step of at least one level (clipped).
        A parameter with a single level returns ``value``.
    """
    n = param.n_levels
    if not param.ordered:
        if n < 2:
            return value
        i = int(param.index_of(np.array([value], dtype=object))[0])
        j = int(rng.integers(n - 1))
        return param.levels[j + (j >= i)]
    if isinstance(param, RealParam):
        u = float(param.to_unit(np.array([value], dtype=float))[0])
        return float(param.from_unit(np.array([u + rng.normal(0.0, scale)]))[0])
    if n < 2:
        return value
    i = int(param.index_of(np.array([value]))[0])
    step = int(np.rint(rng.normal(0.0, max(scale * (n - 1), 0.5))))
    if step == 0:
        step = 1 if rng.random() < 0.5 else -1
    j = int(np.clip(i + step, 0, n - 1))
    if j == i:  # clipped at an end: step the other way
        j = int(np.clip(i - step, 0, n - 1))
    return param.levels[j]


def mutate_design(space: DesignSpace, design: Mapping[str, Any], rng: np.random.Generator, prob: float,
                  scale: float) -> Design:
    """Mutate each parameter with probability ``prob`` (at least one parameter always mutates)."""
    out = dict(design)
    mask = rng.random(len(space)) < prob
    if not mask.any():
        mask[int(rng.integers(len(space)))] = True
    for p, m in zip(space.params, mask, strict=True):
        if m:
            out[p.name] = mutate_value(p, out[p.name], rng, scale)
    return out


def draw_unique(draw: Callable[[], Design], space: DesignSpace, seen: set[tuple[Hashable, ...]],
                max_redraws: int = MAX_REDRAWS) -> Design:
    """Call ``draw`` until it gives a design whose key is not in ``seen`` (or ``max_redraws`` is reached).

    The returned design's key is added to ``seen``. Spaces smaller than the budget run out of new designs;
    the last draw is then returned even though it repeats one.
    """
    design = draw()
    for _ in range(max_redraws):
        if design_key(space, design) not in seen:
            break
        design = draw()
    seen.add(design_key(space, design))
    return design


class FeatureEncoder:
    """Designs → real feature vectors for surrogate models.

    Ordered parameters become one feature in [0, 1] (:meth:`Param.to_unit`: level index for discrete,
    log/linear value for reals); a categorical with ``k`` choices becomes ``k`` one-hot features, so no
    artificial order is imposed on its choices.
    """

    def __init__(self, space: DesignSpace) -> None:
        self.space = space
        self.widths = [1 if p.ordered else p.n_levels for p in space.params]
        self.dim = int(sum(self.widths))

    def encode_columns(self, columns: Columns) -> np.ndarray:
        """Validated columns → ``(n, dim)`` float matrix."""
        blocks = []
        for p in self.space.params:
            col = np.asarray(columns[p.name])
            if p.ordered:
                blocks.append(np.asarray(p.to_unit(col), dtype=float).reshape(-1, 1))
            else:
                blocks.append(np.eye(p.n_levels)[p.index_of(col)])
        return np.hstack(blocks)

    def encode(self, designs: Sequence[Mapping[str, Any]]) -> np.ndarray:
        """A list of designs → ``(n, dim)`` float matrix."""
        return self.encode_columns(self.space.columns(designs))


class RewardScale:
    """Normalised rewards from the first step: running mean and variance of a reward stream (exact averages for
    the first ``1 / (1 - decay)`` rewards, exponentially weighted after), the newest reward included.

    Args:
        decay: Weight of the past once more than ``1 / (1 - decay)`` rewards were seen.
        clip: Bound on the absolute normalised advantage.
    """

    def __init__(self, decay: float, clip: float) -> None:
        self.decay, self.clip = decay, clip
        self.n, self.mean, self.var = 0, 0.0, 0.0

    def advantage(self, r: float) -> float:
        """Add ``r`` to the statistics and return its normalised, clipped advantage."""
        self.n += 1
        w = max(1.0 / self.n, 1.0 - self.decay)  # 1/n: the exact mean and variance of the first rewards
        delta = r - self.mean
        self.mean += w * delta
        self.var = (1.0 - w) * (self.var + w * delta * delta)
        std = math.sqrt(self.var)
        if std <= 1e-12:
            return 0.0
        return float(np.clip((r - self.mean) / std, -self.clip, self.clip))
