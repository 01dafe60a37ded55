"""`DesignEnv`: the generic Gymnasium environment around any (simulator, objective) pair.

Action modes:
    ``"design"`` (default): the action is a full design as a ``MultiDiscrete`` level-index vector.
    ``"move"``: the action is ``MultiDiscrete([3] * d)``; per parameter 0 = one level down, 1 = stay,
    2 = one level up (clipped at the ends). The episode starts from a seeded random design.

Observation: the design's metrics, normalised as ``sign(x) * log1p(|x| / ref)`` where ``ref`` is the metric
value of the space's default (middle) design, clipped to ±50; with ``observe_design=True`` the design's
[0, 1] encoding is appended. ``info`` carries the decoded design, the raw metrics, feasibility and the
simulator time. Episodes never terminate; they are truncated after ``max_steps`` steps.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from typing import Any, Protocol

import gymnasium as gym
import numpy as np
from gymnasium import spaces

from archgym_lite.core.errors import SpecError
from archgym_lite.core.objective import Objective
from archgym_lite.core.simulator import Simulator
from archgym_lite.core.space import Design


class StepLogger(Protocol):
    """What the env needs of a logger (e.g. :class:`archgym_lite.trials.logs.TrialLogger`): one row per step."""

    def log(self, design: Mapping[str, Any], metrics: Mapping[str, float], reward: float, feasible: bool,
            sim_time_s: float, wall_time_s: float) -> None: ...


OBS_CLIP = 50.0
ACTION_MODES = ("design", "move")


def _squash(x: float, ref: float) -> float:
    """One observation entry: ``sign(x) * log1p(|x| / ref)`` clipped to ``+-OBS_CLIP`` (NaN stays NaN)."""
    if x != x:
        return x
    y = math.copysign(math.log1p(abs(x) / ref), x) if x else 0.0
    return min(OBS_CLIP, max(-OBS_CLIP, y))


class DesignEnv(gym.Env):
    """Gymnasium env: choose designs, get rewards from an :class:`Objective` over simulated metrics.

    Args:
        simulator: The cost model.
        objective: Reward definition; ``None`` uses equal-weight targets at the default design's metrics
            for every metric.
        action_mode: ``"design"`` or ``"move"`` (see module docstring).
        observe_design: Append the current design's [0, 1] encoding to the observation.
        max_steps: Episode length (truncation).
        env_id: The registry id (for logs and ``repr``).
        logger: Optional :class:`StepLogger` (a trial's logger); every step is logged to it.
        render_mode: ``None`` or ``"ansi"``.
    """

    metadata = {"render_modes": ["ansi"]}

    def __init__(
        self,
        simulator: Simulator,
        objective: Objective | None = None,
        *,
        action_mode: str = "design",
        observe_design: bool = False,
        max_steps: int = 16,
        env_id: str | None = None,
        logger: StepLogger | None = None,
        render_mode: str | None = None,
    ) -> None:
        if action_mode not in ACTION_MODES:
            raise SpecError(f"got {action_mode!r}; allowed: {list(ACTION_MODES)}", "action_mode")
        if max_steps < 1:
            raise SpecError(f"must be >= 1, got {max_steps}", "max_steps")
        if render_mode not in (None, "ansi"):
            raise SpecError(f"got {render_mode!r}; allowed: [None, 'ansi']", "render_mode")
        self.simulator = simulator
        self.space = simulator.space
        self.env_id = env_id or type(simulator).__name__
        self.action_mode = action_mode
        self.observe_design = observe_design
        self.max_steps = max_steps
        self.logger = logger
        self.render_mode = render_mode

        default = self.space.default()
        ref_metrics = simulator.evaluate(default)
        self._metric_names = simulator.metric_names
        ref = np.array([abs(ref_metrics[m]) for m in self._metric_names], dtype=float)
        self._ref = np.where(ref > 0, ref, 1.0)
        self._ref_list = self._ref.tolist()
        if objective is None:
            objective = Objective.from_spec(
                {"targets": {m: max(abs(ref_metrics[m]), 1e-12) for m in self._metric_names}}, simulator.metrics
            )
        self.objective = objective

        self._levels = [p.levels for p in self.space.params]
        self._names = self.space.names
        self._nvec = self.space.nvec
        n_m, n_d = len(self._metric_names), len(self._names)
        self.action_space = (
            self.space.multidiscrete_space() if action_mode == "design" else spaces.MultiDiscrete([3] * n_d)
        )
        self._action_nvec = self.action_space.nvec.tolist()
        low = np.full(n_m + (n_d if observe_design else 0), -OBS_CLIP, dtype=np.float32)
        high = np.full_like(low, OBS_CLIP)
        if observe_design:
            low[n_m:], high[n_m:] = 0.0, 1.0
        self.observation_space = spaces.Box(low, high, dtype=np.float32)

        self._idx = self.space.encode(default)
        self._steps = 0
        self.design: Design = default
        self.metrics: dict[str, float] | None = None

    @classmethod
    def build(cls, simulator: Simulator, objective: Objective | Mapping[str, Any] | None = None,
              default_objective: Mapping[str, Any] | None = None, **kwargs: Any) -> DesignEnv:
        """Make an env from an objective given as an :class:`Objective`, a spec dict or ``None`` (default).

        This is what env entry points call: ``DesignEnv.build(sim, objective, DEFAULT_OBJECTIVE, **kwargs)``.
        """
        if objective is not None and not isinstance(objective, Objective):
            objective = Objective.from_spec(objective, simulator.metrics)
        elif objective is None and default_objective is not None:
            objective = Objective.from_spec(default_objective, simulator.metrics)
        return cls(simulator, objective, **kwargs)

    # --- helpers --------------------------------------------------------------------------------
    def _design_of(self, idx: np.ndarray) -> Design:
        return {n: lv[int(i)] for n, lv, i in zip(self._names, self._levels, idx, strict=True)}

    def _obs(self, metrics: dict[str, float] | None) -> np.ndarray:
        n_m = len(self._metric_names)
        out = np.zeros(self.observation_space.shape, dtype=np.float32)
        if metrics is not None:  # sign(x) * log1p(|x| / ref), clipped; in Python: a few metrics, no numpy calls
            out[:n_m] = [_squash(float(metrics[m]), r) for m, r in zip(self._metric_names, self._ref_list,
                                                                        strict=True)]
        if self.observe_design:
            out[n_m:] = self._idx / np.maximum(self._nvec - 1, 1)
        return out

    def _simulate(self, design: Design) -> tuple[dict[str, float], float]:
        t0 = time.perf_counter()
        metrics = self.simulator._evaluate(design)  # design built from levels: already valid
        return metrics, time.perf_counter() - t0

    # --- gymnasium API --------------------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        super().reset(seed=seed)
        self._steps = 0
        start = (options or {}).get("design")
        if start is not None:
            self._idx = self.space.encode(start)
        elif self.action_mode == "move":
            self._idx = self.np_random.integers(0, self._nvec)
        else:
            self._idx = self.space.encode(self.space.default())
        self.design = self._design_of(self._idx)
        self.metrics = None
        if self.action_mode == "move":
            self.metrics, _ = self._simulate(self.design)
        return self._obs(self.metrics), {"design": dict(self.design)}

    def step(self, action: Any):
        t_wall = time.perf_counter()
        a = np.asarray(action, dtype=np.int64).reshape(-1)
        if a.shape[0] != len(self._names) or not all(0 <= x < n for x, n in zip(a.tolist(), self._action_nvec,
                                                                                strict=True)):
            raise SpecError(f"action {a.tolist()} not in {self.action_space}", "action")
        self._idx = a.copy() if self.action_mode == "design" else np.clip(self._idx + a - 1, 0, self._nvec - 1)
        self.design = self._design_of(self._idx)
        self.metrics, sim_time = self._simulate(self.design)
        reward = self.objective.reward(self.metrics)
        feasible = self.objective.feasible(self.metrics)
        self._steps += 1
        if self.logger is not None:
            self.logger.log(self.design, self.metrics, reward, feasible, sim_time,
                            time.perf_counter() - t_wall)
        self.last_sim_time_s = sim_time  # kept out of info: info must be deterministic for a seed
        info = {"design": self.design, "metrics": self.metrics, "feasible": feasible}
        if getattr(self.simulator, "is_proxy", False):
            info["proxy"] = True  # metrics are predictions, not simulations
        return self._obs(self.metrics), float(reward), False, self._steps >= self.max_steps, info

    def render(self) -> str | None:
        if self.render_mode != "ansi":
            return None
        metrics = ", ".join(f"{k}={v:.4g}" for k, v in (self.metrics or {}).items())
        return f"{self.env_id} step {self._steps}: {self.design} -> {metrics or '(not evaluated)'}"

    def __str__(self) -> str:
        return repr(self)

    def __repr__(self) -> str:
        return f"<DesignEnv {self.env_id} ({len(self.space)} params, {len(self._metric_names)} metrics)>"
