"""`run_trial`: the one loop that drives any agent against any env for a budget of evaluations.

Every evaluation is logged; a design evaluated before in the trial is answered by the evaluation cache
(:mod:`archgym_lite.trials.cache`) instead of the simulator, still counted and logged (``cached``). Every
agent is handed the trial's objective (:meth:`Agent.set_objective`) before its first ``ask``; agents that
search a front (NSGA-II, qNEHVI) read its traded metrics. The summary reports the best reward, the number of distinct
designs and the hypervolume of the objective's traded metrics (:meth:`Objective.hypervolume`).
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.agent import Agent
from archgym_lite.core.errors import ArchGymError, SpecError
from archgym_lite.core.registry import agent_class, make
from archgym_lite.trials.cache import CachedSimulator, EvaluationCache, FlaggingLogger
from archgym_lite.trials.logs import MANIFEST_SUFFIX, TrialLogger
from archgym_lite.utils.files import atomic_write_json, ensure_output_dir


def trial_id(env_id: str, agent: str, agent_params: Mapping[str, Any] | None, seed: int, *,
             env_kwargs: Mapping[str, Any] | None = None, objective: Mapping[str, Any] | None = None,
             budget: int | None = None) -> str:
    """A stable, readable id: ``<Env>-<agent>-s<seed>-<hash of everything that changes results>``."""
    key = json.dumps({"env": env_id, "env_kwargs": dict(env_kwargs or {}), "objective": objective,
                      "agent": agent, "params": dict(agent_params or {}), "seed": seed, "budget": budget},
                     sort_keys=True, default=str)
    short_env = env_id.split("/")[-1]
    return f"{short_env}-{agent}-s{seed}-{hashlib.sha256(key.encode()).hexdigest()[:10]}"


@dataclass
class TrialResult:
    """Summary of one finished (or failed) trial."""

    trial_id: str
    status: str
    n_evals: int
    best_reward: float
    best_design: dict[str, Any] | None
    wall_time_s: float
    log_path: Path | None = None
    error: str | None = None
    #: Distinct designs among the ``n_evals`` evaluations (repeats were looked up in the evaluation cache).
    n_unique: int = 0
    #: Hypervolume (nepers^k) of the feasible designs' gains in the objective's traded metrics.
    hypervolume: float = float("nan")


def run_trial(env_id: str, agent: str, budget: int, seed: int = 0, *, out_dir: str | Path | None = None,
              env_kwargs: Mapping[str, Any] | None = None, objective: Mapping[str, Any] | None = None,
              agent_params: Mapping[str, Any] | None = None, run_id: str = "", tid: str | None = None,
              raise_errors: bool = False, env_factory: Callable[..., Any] | None = None,
              manifest: Mapping[str, Any] | None = None, cache: bool = True) -> TrialResult:
    """Run ``agent`` on ``env_id`` for ``budget`` evaluations and log every evaluation.

    Args:
        env_id: Registered env id.
        agent: Registered agent name.
        budget: Number of simulator evaluations.
        seed: Seeds the agent (and, for RL, the env).
        out_dir: Directory for ``<trial_id>.parquet`` / ``.json``; ``None`` logs in memory only.
        env_kwargs: Keyword arguments for the env factory.
        objective: Objective spec dict (``None``: the env's default).
        agent_params: Agent hyperparameters.
        run_id: Id of the enclosing run (sweep).
        tid: Trial id (default: :func:`trial_id` of the arguments).
        raise_errors: Re-raise an exception from the env or agent instead of recording a failed trial.
        env_factory: Builds the env as ``env_factory(env_id, objective=..., **env_kwargs)``; default
            :func:`~archgym_lite.core.registry.make` (a proxy search passes its proxy-backed factory).
        manifest: Extra JSON-able facts for the trial manifest.
        cache: Answer repeated designs from the evaluation cache (never for a simulator that sets
            ``deterministic = False``).
    """
    if budget < 1:
        raise SpecError(f"must be >= 1, got {budget}", "budget")
    env_kwargs, agent_params = dict(env_kwargs or {}), dict(agent_params or {})
    if "objective" in env_kwargs:
        raise SpecError("pass the objective separately (objective=..., or --objective), not as an env kwarg",
                        "env_kwargs.objective")
    tid = tid or trial_id(env_id, agent, agent_params, seed, env_kwargs=env_kwargs, objective=objective,
                          budget=budget)
    cls = agent_class(agent)
    cls.parse_params(agent_params)  # bad hyperparameters are a spec error, not a failed trial
    if out_dir is not None:
        ensure_output_dir(out_dir, "out_dir")  # before any work, not after the trial
    t_start = time.perf_counter()
    logger: TrialLogger | None = None
    evals: EvaluationCache | None = None
    try:
        env = (env_factory or make)(env_id, objective=objective, **env_kwargs)
        sim = env.simulator
        evals = EvaluationCache(sim, cache)
        obj = env.objective = _with_reference(env.objective, sim)
        logger = TrialLogger(out_dir or ".", tid, sim.space, sim.metric_names, run_id=run_id, env_id=env_id,
                             agent=agent, agent_params=agent_params, seed=seed,
                             manifest={"env_kwargs": env_kwargs, "objective": obj.to_spec(), "budget": budget,
                                       "metrics": [{"name": m.name, "unit": m.unit,
                                                    "lower_is_better": m.lower_is_better} for m in sim.metrics],
                                       **dict(manifest or {})})
        agent_obj: Agent = cls(sim.space, seed=seed, **agent_params)
        agent_obj.set_objective(obj)
        if cls.uses_env:
            env.simulator = CachedSimulator(evals)
            env.logger = FlaggingLogger(logger, env.simulator)
            agent_obj.learn(env, budget)
            if len(logger) != budget:
                raise RuntimeError(f"agent {agent!r} made {len(logger)} env steps, budget was {budget}")
        else:
            _ask_tell_loop(agent_obj, evals, obj, budget, logger)
        status, error = "completed", None
    except Exception as exc:
        if raise_errors or (logger is None and isinstance(exc, ArchGymError)):
            raise  # a bad env id, kwarg or objective is the caller's input error, not a failed trial
        status, error = "failed", "".join(traceback.format_exception(exc))
    wall = time.perf_counter() - t_start
    rewards = logger.rewards if logger is not None else np.zeros(0)
    best_i = int(np.argmax(rewards)) if len(rewards) else -1
    best_design = logger.design_at(best_i) if logger is not None and best_i >= 0 else None
    path = None
    if logger is not None and out_dir is not None:
        path = logger.close(status, error, wall_time_s=wall)
    elif out_dir is not None:  # the env itself failed to build: record the failure, no rows
        write_failed_manifest(out_dir, tid, error or "", run_id=run_id, env_id=env_id, agent=agent,
                              agent_params=agent_params, seed=seed, env_kwargs=env_kwargs, budget=budget,
                              wall_time_s=wall)
    hv = float("nan")
    if logger is not None and len(logger):
        logged = logger.table()
        hv = obj.hypervolume({m: logged[f"m_{m}"].to_numpy() for m in sim.metric_names})
    return TrialResult(tid, status, len(rewards), float(rewards[best_i]) if best_i >= 0 else float("nan"),
                       best_design, wall, path, error, evals.n_unique if evals is not None else 0, hv)


def write_failed_manifest(out_dir: str | Path, tid: str, error: str, **facts: Any) -> None:
    """Record a trial that failed before it logged anything: a manifest with status ``failed`` and no rows."""
    atomic_write_json(Path(out_dir) / f"{tid}{MANIFEST_SUFFIX}",
                      {"trial_id": tid, **facts, "status": "failed", "error": error, "n_rows": 0})


def _with_reference(objective: Any, sim: Any) -> Any:
    """The objective with its hypervolume reference point filled in from the space's default design."""
    if len(objective.reference) == len(objective.trade_metrics):
        return objective
    return objective.with_reference(sim.evaluate(sim.space.default()))


def _ask_tell_loop(agent: Agent, evals: EvaluationCache, obj: Any, budget: int, logger: TrialLogger) -> None:
    space = evals.simulator.space
    done = 0
    while done < budget:
        t0 = time.perf_counter()
        k = max(1, min(agent.batch_size(), budget - done))
        designs = agent.ask(k)
        if not 1 <= len(designs) <= k:
            raise RuntimeError(f"agent {agent.name!r} proposed {len(designs)} designs when asked for {k}")
        cols = space.columns(designs)  # validates: an agent proposing an invalid design fails the trial
        table, cached, sim_time = evals.evaluate_columns(cols)
        rewards = obj.reward_batch(table)
        feasible = obj.violation_batch(table) == 0.0
        agent.tell(space.rows(cols), rewards, table)
        logger.log_batch(cols, table, rewards, feasible, sim_time, time.perf_counter() - t0, cached)
        done += len(designs)
