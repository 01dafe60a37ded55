"""The env conformance kit: checks that any registered env (built-in, in-tree or plugin) behaves.

Each check is a plain function taking an env *factory* (a callable that accepts keyword arguments and
returns a fresh :class:`~archgym_lite.core.env.DesignEnv`) and returning a :class:`CheckResult`; a check never
raises, so one failing check never stops the others. Run them all on a registered id with
:func:`run_env_checks`, print them with :func:`format_results`, or use :func:`assert_env_conforms` from a
plugin's own pytest suite::

    from archgym_lite.plugins.checks import assert_env_conforms

    def test_my_env_conforms():
        assert_env_conforms("mycache/MyCache-v0")

The checks (in order, see :data:`CHECKS`):

``make``
    ``archgym_lite.make`` and ``gymnasium.make`` build the env; it is a ``DesignEnv`` with a simulator.
``gymnasium_check_env``
    Gymnasium's ``check_env`` (spaces, reset/step signatures, seeding), in ``design`` and ``move`` action modes.
``determinism``
    Two fresh envs reset with the same seed and fed the same actions give identical observations, rewards
    and metrics; a fresh simulator gives the same metrics for the same designs twice.
``batch_equals_single``
    ``evaluate_batch`` over sampled designs equals ``evaluate`` on each design, metric by metric.
``design_validation``
    Out-of-range values (for every parameter), unknown and missing parameters raise
    :class:`~archgym_lite.core.errors.DesignError` naming the parameter, from ``evaluate`` and ``evaluate_batch``.
``metric_sanity``
    Metrics are declared (unique names, a unit string each, non-empty when the name ends in a unit suffix
    such as ``_mm2``), every evaluation returns exactly the declared metrics as finite floats, and the
    default objective gives a finite reward.
``pettingzoo_parallel_api_test``
    PettingZoo's ``parallel_api_test`` on the per-parameter multi-agent view.
"""

from __future__ import annotations

import contextlib
import io
import math
import time
import traceback
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from archgym_lite.core.errors import DesignError

__all__ = [
    "CHECKS",
    "CheckFailed",
    "CheckResult",
    "EnvFactory",
    "assert_env_conforms",
    "check_batch_equals_single",
    "check_design_validation",
    "check_determinism",
    "check_gymnasium",
    "check_make",
    "check_metric_sanity",
    "check_pettingzoo",
    "format_results",
    "run_checks",
    "run_env_checks",
]

EnvFactory = Callable[..., Any]

# Metric-name suffixes that state a unit: such a metric must also declare a non-empty ``unit``.
UNIT_SUFFIXES = ("_s", "_ms", "_us", "_ns", "_cycles", "_pj", "_nj", "_uj", "_mj", "_j", "_mw", "_w", "_mm2",
                 "_um2", "_bytes", "_kib", "_mib", "_gbps", "_hz", "_mhz", "_ghz")


class CheckFailed(Exception):
    """Raised inside a check to fail it with a readable message (never escapes :func:`run_checks`)."""


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one conformance check.

    Attributes:
        name: The check's name (e.g. ``"determinism"``).
        passed: Whether the env passed it.
        detail: What was checked when it passed; what went wrong when it failed.
        seconds: Wall-clock time the check took.
    """

    name: str
    passed: bool
    detail: str = ""
    seconds: float = 0.0


# --- helpers ------------------------------------------------------------------------------------


def _sample_designs(env: Any, seed: int, n: int) -> list[dict[str, Any]]:
    space = env.simulator.space
    return [space.default(), *space.sample_batch(seed, max(n - 1, 0))]


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def _close(a: float, b: float, rtol: float) -> bool:
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b or abs(a - b) <= rtol * max(abs(a), abs(b))


def _short(obj: Any, limit: int = 160) -> str:
    text = repr(obj)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _exc_text(exc: BaseException) -> str:
    frames = traceback.extract_tb(exc.__traceback__)
    where = f" (at {frames[-1].filename.rsplit('/', 1)[-1]}:{frames[-1].lineno})" if frames else ""
    return f"{type(exc).__name__}: {exc}{where}"


# --- checks -------------------------------------------------------------------------------------


def check_make(factory: EnvFactory, env_id: str | None = None, seed: int = 0) -> str:
    """The factory builds a ``DesignEnv`` with a simulator; ``gymnasium.make`` mirrors a registered id."""
    from archgym_lite.core.env import DesignEnv
    from archgym_lite.core.simulator import Simulator

    env = factory()
    if not isinstance(env, DesignEnv):
        raise CheckFailed(f"the entry point returned {type(env).__name__}, not a DesignEnv "
                          "(return DesignEnv.build(simulator, objective, DEFAULT_OBJECTIVE, env_id=env_id, **kwargs))")
    if not isinstance(env.simulator, Simulator):
        raise CheckFailed(f"env.simulator is a {type(env.simulator).__name__}, not an archgym_lite Simulator")
    detail = f"{type(env.simulator).__name__}: {len(env.space)} parameters, {len(env.simulator.metrics)} metrics"
    if env_id is not None:
        import gymnasium

        wrapped = gymnasium.make(env_id)
        if not isinstance(wrapped.unwrapped, DesignEnv):
            raise CheckFailed(f"gymnasium.make({env_id!r}) gave {type(wrapped.unwrapped).__name__}")
        wrapped.close()
        detail += "; gymnasium.make works"
    env.close()
    return detail


def check_gymnasium(factory: EnvFactory, env_id: str | None = None, seed: int = 0) -> str:
    """Gymnasium's ``check_env`` in both action modes (warnings are reported, not failures)."""
    from gymnasium.utils.env_checker import check_env

    notes = []
    for mode in ({}, {"action_mode": "move", "observe_design": True}):
        label = mode.get("action_mode", "design")
        env = factory(**mode)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                check_env(env, skip_render_check=True)
            except Exception as exc:
                raise CheckFailed(f"{label} mode: {_exc_text(exc)}") from exc
            finally:
                env.close()
        msgs = sorted({str(w.message).splitlines()[0] for w in caught})
        notes.append(f"{label} mode ok" + (f" ({len(msgs)} warnings: {'; '.join(msgs)[:200]})" if msgs else ""))
    return ", ".join(notes)


def check_determinism(factory: EnvFactory, env_id: str | None = None, seed: int = 0, n_steps: int = 6) -> str:
    """Same seed and actions → identical observations, rewards and metrics; repeated evaluations agree."""
    for mode in ({}, {"action_mode": "move"}):
        label = mode.get("action_mode", "design")
        runs = []
        for _ in range(2):
            env = factory(**mode)
            env.action_space.seed(seed)
            obs, _ = env.reset(seed=seed)
            trace = [(np.asarray(obs).copy(), None, None)]
            for _ in range(n_steps):
                obs, reward, _, _, info = env.step(env.action_space.sample())
                trace.append((np.asarray(obs).copy(), float(reward), dict(info.get("metrics", {}))))
            env.close()
            runs.append(trace)
        for step, (a, b) in enumerate(zip(*runs, strict=True)):
            if not np.array_equal(a[0], b[0], equal_nan=True):
                raise CheckFailed(f"{label} mode, seed {seed}: observation after step {step} differs between two "
                                  f"runs: {_short(a[0].tolist())} vs {_short(b[0].tolist())}")
            if a[1] is not None and not _same(a[1], b[1]):
                raise CheckFailed(f"{label} mode, seed {seed}: reward at step {step} differs: {a[1]!r} vs {b[1]!r}")
            if a[2] is not None and (a[2].keys() != b[2].keys()
                                     or not all(_same(float(a[2][k]), float(b[2][k])) for k in a[2])):
                raise CheckFailed(f"{label} mode, seed {seed}: metrics at step {step} differ: "
                                  f"{_short(a[2])} vs {_short(b[2])}")
    sim = factory().simulator
    designs = _sample_designs(factory(), seed, 4)
    for d in designs:
        first, second = sim.evaluate(d), sim.evaluate(d)
        if first.keys() != second.keys() or not all(_same(float(first[k]), float(second[k])) for k in first):
            raise CheckFailed(f"evaluating {_short(d)} twice gave {_short(first)} then {_short(second)}")
    return f"seed {seed}: {n_steps} steps in design and move modes reproduced exactly; {len(designs)} designs " \
           "re-evaluated identically"


def check_batch_equals_single(factory: EnvFactory, env_id: str | None = None, seed: int = 0, n: int = 16,
                              rtol: float = 1e-12) -> str:
    """``evaluate_batch(designs)[m][i] == evaluate(designs[i])[m]`` for sampled designs (relative tol ``rtol``)."""
    env = factory()
    sim = env.simulator
    designs = _sample_designs(env, seed, n)
    table = sim.evaluate_batch(designs)
    names = list(sim.metric_names)
    if sorted(table) != sorted(names):
        raise CheckFailed(f"evaluate_batch returned metrics {sorted(table)}, declared {sorted(names)}")
    for m in names:
        if len(np.asarray(table[m]).reshape(-1)) != len(designs):
            raise CheckFailed(f"evaluate_batch returned {len(np.asarray(table[m]).reshape(-1))} values of {m!r} "
                              f"for {len(designs)} designs")
    for i, d in enumerate(designs):
        single = sim.evaluate(d)
        for m in names:
            a, b = float(np.asarray(table[m]).reshape(-1)[i]), float(single[m])
            if not _close(a, b, rtol):
                raise CheckFailed(f"metric {m!r} of design #{i} {_short(d)}: batch gives {a!r}, single gives {b!r}")
    env.close()
    return f"{len(designs)} designs x {len(names)} metrics agree"


def _out_of_range(param: Any) -> list[Any]:
    """Values that ``param`` must reject."""
    levels = list(param.levels)
    if param.dtype == "string":
        return ["__not_a_choice__", 3]
    hi, lo = max(levels), min(levels)
    bad = [hi + abs(hi) + 1, lo - abs(lo) - 1]
    if param.dtype == "int64":
        bad.append("not-a-number")
    return bad


def check_design_validation(factory: EnvFactory, env_id: str | None = None, seed: int = 0) -> str:
    """Invalid designs raise ``DesignError`` naming the offending parameter (single and batch paths)."""
    env = factory()
    sim = env.simulator
    base = sim.space.default()
    cases: list[tuple[str, dict[str, Any], str]] = []
    for p in sim.space.params:
        for v in _out_of_range(p):
            cases.append((f"{p.name}={v!r}", {**base, p.name: v}, p.name))
    cases.append(("unknown parameter", {**base, "zz_not_a_parameter": 1}, "zz_not_a_parameter"))
    first = sim.space.names[0]
    cases.append((f"missing {first!r}", {k: v for k, v in base.items() if k != first}, first))
    problems = []
    for label, design, field_name in cases:
        for path, call in (("evaluate", lambda d=design: sim.evaluate(d)),
                           ("evaluate_batch", lambda d=design: sim.evaluate_batch([base, d]))):
            try:
                call()
            except DesignError as exc:
                if exc.field != field_name:
                    problems.append(f"{path}({label}): DesignError names field {exc.field!r}, not {field_name!r}")
            except Exception as exc:
                problems.append(f"{path}({label}) raised {type(exc).__name__} instead of DesignError: {exc}")
            else:
                problems.append(f"{path}({label}) was accepted")
    env.close()
    if problems:
        more = f" (and {len(problems) - 3} more)" if len(problems) > 3 else ""
        raise CheckFailed("; ".join(problems[:3]) + more)
    return f"{len(cases)} invalid designs rejected by evaluate and evaluate_batch with the right field"


def check_metric_sanity(factory: EnvFactory, env_id: str | None = None, seed: int = 0, n: int = 16) -> str:
    """Declared metrics (units, unique names) and finite values of exactly those metrics; finite rewards."""
    env = factory()
    sim = env.simulator
    metrics = tuple(sim.metrics)
    if not metrics:
        raise CheckFailed("the simulator declares no metrics")
    names = [m.name for m in metrics]
    if len(set(names)) != len(names):
        raise CheckFailed(f"duplicate metric names in {names}")
    problems = []
    for m in metrics:
        if not isinstance(m.unit, str):
            problems.append(f"metric {m.name!r}: unit must be a string ('' when dimensionless), got {m.unit!r}")
        elif not m.unit and m.name.lower().endswith(UNIT_SUFFIXES):
            problems.append(f"metric {m.name!r}: its name states a unit but Metric.unit is empty")
        if not isinstance(m.lower_is_better, (bool, np.bool_)):
            problems.append(f"metric {m.name!r}: lower_is_better must be a bool, got {m.lower_is_better!r}")
    designs = _sample_designs(env, seed, n)
    for i, d in enumerate(designs):
        out = sim.evaluate(d)
        if set(out) != set(names):
            problems.append(f"design #{i} returned metrics {sorted(out)}, declared {sorted(names)}")
            break
        bad = {k: v for k, v in out.items() if not isinstance(v, (float, int, np.floating, np.integer))
               or not math.isfinite(float(v))}
        if bad:
            problems.append(f"design #{i} {_short(d)} has non-finite or non-numeric metrics {_short(bad)}")
            break
        reward = env.objective.reward(out)
        if not math.isfinite(reward):
            problems.append(f"design #{i} {_short(d)}: default objective gives reward {reward!r}")
            break
    env.close()
    if problems:
        raise CheckFailed("; ".join(problems))
    dimensionless = [m.name for m in metrics if not m.unit]
    note = f" (dimensionless: {', '.join(dimensionless)})" if dimensionless else ""
    return f"{len(names)} metrics with units declared{note}; {len(designs)} designs give finite values and rewards"


def check_pettingzoo(factory: EnvFactory, env_id: str | None = None, seed: int = 0, num_cycles: int = 8) -> str:
    """PettingZoo's ``parallel_api_test`` on the per-parameter ``ParallelDesignEnv`` view."""
    from pettingzoo.test import parallel_api_test

    from archgym_lite.core.multiagent import ParallelDesignEnv

    penv = ParallelDesignEnv(factory(observe_design=True, max_steps=4), groups="per_param")
    with warnings.catch_warnings(), contextlib.redirect_stdout(io.StringIO()):  # it prints "Passed ..."
        warnings.simplefilter("ignore")
        parallel_api_test(penv, num_cycles=num_cycles)
    return f"parallel_api_test passed with {len(penv.possible_agents)} agents (one per parameter)"


CHECKS: tuple[tuple[str, Callable[..., str]], ...] = (
    ("make", check_make),
    ("gymnasium_check_env", check_gymnasium),
    ("determinism", check_determinism),
    ("batch_equals_single", check_batch_equals_single),
    ("design_validation", check_design_validation),
    ("metric_sanity", check_metric_sanity),
    ("pettingzoo_parallel_api_test", check_pettingzoo),
)


# --- drivers ------------------------------------------------------------------------------------


def run_checks(factory: EnvFactory, *, env_id: str | None = None, seed: int = 0,
               only: Sequence[str] | None = None) -> list[CheckResult]:
    """Run the conformance checks against an env factory; every check runs, whatever the others do.

    Args:
        factory: Callable taking keyword arguments (``action_mode``, ``observe_design``, ``max_steps``) and
            returning a fresh ``DesignEnv``.
        env_id: The registered id, if any (enables the ``gymnasium.make`` part of the ``make`` check).
        seed: Seed for sampled designs and env resets.
        only: Names of the checks to run (default: all of :data:`CHECKS`).

    Returns:
        One :class:`CheckResult` per check, in :data:`CHECKS` order.
    """
    known = [name for name, _ in CHECKS]
    if only is not None:
        from archgym_lite.core.errors import SpecError, format_allowed

        unknown = [n for n in only if n not in known]
        if unknown:
            raise SpecError(f"unknown check {unknown[0]!r}; allowed: {format_allowed(known)}", "only")
    results = []
    for name, check in CHECKS:
        if only is not None and name not in only:
            continue
        t0 = time.perf_counter()
        try:
            detail = check(factory, env_id=env_id, seed=seed)
            passed = True
        except CheckFailed as exc:
            passed, detail = False, str(exc)
        except Exception as exc:  # a crash inside the env is a failure of this check only
            passed, detail = False, _exc_text(exc)
        results.append(CheckResult(name, passed, detail, time.perf_counter() - t0))
    return results


def run_env_checks(env_id: str, *, seed: int = 0, only: Sequence[str] | None = None,
                   **env_kwargs: Any) -> list[CheckResult]:
    """Run the conformance checks on a registered env id.

    Args:
        env_id: A registered id (``archgym/Synthetic-v0`` or a plugin's). An unknown id raises
            :class:`~archgym_lite.core.errors.RegistryError` before any check runs.
        seed: Seed for sampled designs and env resets.
        only: Names of the checks to run (default: all).
        **env_kwargs: Keyword arguments for the env factory (e.g. ``workload="resnet18"``).
    """
    from archgym_lite.core.registry import env_spec, make

    env_spec(env_id)  # unknown ids are an input error, not a failed check

    def factory(**extra: Any) -> Any:
        return make(env_id, **{**env_kwargs, **extra})

    return run_checks(factory, env_id=env_id, seed=seed, only=only)


def format_results(results: Sequence[CheckResult]) -> str:
    """A plain-text pass/fail table (for assertion messages and logs)."""
    width = max((len(r.name) for r in results), default=5)
    lines = [f"{'check'.ljust(width)}  result  detail"]
    for r in results:
        lines.append(f"{r.name.ljust(width)}  {'PASS' if r.passed else 'FAIL':6}  {r.detail}")
    return "\n".join(lines)


def assert_env_conforms(env_id: str, *, seed: int = 0, **env_kwargs: Any) -> list[CheckResult]:
    """Run every check on ``env_id`` and raise ``AssertionError`` listing the failures (for plugin tests).

    Returns:
        The results (all passed) when the env conforms.
    """
    results = run_env_checks(env_id, seed=seed, **env_kwargs)
    failed = [r for r in results if not r.passed]
    if failed:
        names = ", ".join(r.name for r in failed)
        raise AssertionError(f"{env_id} fails {len(failed)} conformance check(s): {names}\n{format_results(results)}")
    return results
