"""Env conformance kit: every check passes on the built-in Synthetic env, and deliberately broken
simulators fail exactly the checks they should (each check isolated from the others)."""

import numpy as np
import pytest
from typer.testing import CliRunner

import archgym_lite
from archgym_lite import DesignEnv, Metric, RegistryError, SpecError
from archgym_lite.cli import app
from archgym_lite.core.registry import _ENVS
from archgym_lite.plugins.checks import (
    CHECKS,
    assert_env_conforms,
    format_results,
    run_checks,
    run_env_checks,
)
from simulators.synthetic import DEFAULT_OBJECTIVE, SyntheticSimulator

runner = CliRunner()
ALL = [name for name, _ in CHECKS]


# --- deliberately broken simulators ---------------------------------------------------------------


class Noisy(SyntheticSimulator):
    """Nondeterministic: unseeded noise on every evaluation."""

    def _evaluate_batch(self, columns):
        out = super()._evaluate_batch(columns)
        noise = np.random.default_rng().random(len(out["cost"]))
        return {**out, "cost": out["cost"] + noise}


class BatchDiffers(SyntheticSimulator):
    """Single and batch paths disagree (a vectorised path that drifted from the scalar one)."""

    def _evaluate(self, design):
        out = super()._evaluate(design)
        return {**out, "cost": out["cost"] * 1.01}


class BatchCrashes(SyntheticSimulator):
    """The batch path raises; everything that goes through single evaluations still works."""

    def _evaluate(self, design):
        out = SyntheticSimulator._evaluate_batch(self, self.space.columns([design]))
        return {k: float(v[0]) for k, v in out.items()}

    def _evaluate_batch(self, columns):
        raise RuntimeError("vectorised kernel not implemented")


class SkipsValidation(SyntheticSimulator):
    """Overrides the public API and so accepts out-of-range and unknown parameters."""

    def evaluate(self, design):
        d = {**self.space.default(), **{k: v for k, v in design.items() if k in self.space}}
        return self._evaluate(d)

    def evaluate_batch(self, designs):
        return {m: np.array([self.evaluate(d)[m] for d in designs]) for m in self.metric_names}


class BadMetrics(SyntheticSimulator):
    """A unit-suffixed metric without a unit, and NaN for some designs."""

    def __init__(self):
        super().__init__()
        self.metrics = (*self.metrics, Metric("latency_ns", "", True, "no unit declared"))

    def _evaluate_batch(self, columns):
        out = super()._evaluate_batch(columns)
        return {**out, "latency_ns": np.where(columns["x_int"] > 15, np.nan, 1.0 * columns["x_int"])}


def factory_of(sim_cls):
    def factory(env_id="broken/Test-v0", **kwargs):
        return DesignEnv.build(sim_cls(), None, DEFAULT_OBJECTIVE, env_id=env_id, **kwargs)

    return factory


def failed(results):
    return {r.name for r in results if not r.passed}


# --- tests ----------------------------------------------------------------------------------------


def test_every_check_passes_on_synthetic():
    results = run_env_checks("archgym/Synthetic-v0")
    assert [r.name for r in results] == ALL
    assert failed(results) == set(), format_results(results)
    assert all(r.detail for r in results)
    assert assert_env_conforms("archgym/Synthetic-v0")


@pytest.mark.filterwarnings("ignore::RuntimeWarning")  # SkipsValidation feeds negative sizes to np.log2
@pytest.mark.parametrize(("sim_cls", "must_fail", "must_pass"), [
    (Noisy, {"determinism"}, {"make", "design_validation", "metric_sanity"}),
    (BatchDiffers, {"batch_equals_single"}, {"make", "determinism", "design_validation", "metric_sanity",
                                             "gymnasium_check_env", "pettingzoo_parallel_api_test"}),
    (BatchCrashes, {"batch_equals_single"}, {"make", "determinism", "gymnasium_check_env",
                                             "pettingzoo_parallel_api_test"}),
    (SkipsValidation, {"design_validation"}, {"make", "determinism", "batch_equals_single", "metric_sanity",
                                              "gymnasium_check_env", "pettingzoo_parallel_api_test"}),
    (BadMetrics, {"metric_sanity"}, {"make", "determinism", "batch_equals_single", "design_validation"}),
], ids=lambda v: v.__name__ if isinstance(v, type) else None)
def test_broken_simulators_fail_the_right_checks(sim_cls, must_fail, must_pass):
    results = run_checks(factory_of(sim_cls))
    assert [r.name for r in results] == ALL  # a failing check never stops the others
    assert must_fail <= failed(results), format_results(results)
    assert not must_pass & failed(results), format_results(results)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_failure_details_say_what_is_wrong():
    by_name = {r.name: r for r in run_checks(factory_of(BatchDiffers), only=["batch_equals_single"])}
    assert "metric 'cost'" in by_name["batch_equals_single"].detail
    by_name = {r.name: r for r in run_checks(factory_of(SkipsValidation), only=["design_validation"])}
    assert "was accepted" in by_name["design_validation"].detail
    by_name = {r.name: r for r in run_checks(factory_of(BadMetrics), only=["metric_sanity"])}
    detail = by_name["metric_sanity"].detail
    assert "'latency_ns': its name states a unit but Metric.unit is empty" in detail and "nan" in detail


def test_a_factory_that_crashes_fails_every_check_without_raising():
    def factory(**kwargs):
        raise RuntimeError("cannot find the simulator binary")

    results = run_checks(factory)
    assert failed(results) == set(ALL)
    assert all("cannot find the simulator binary" in r.detail for r in results)


def test_assert_env_conforms_lists_the_failures():
    archgym_lite.register("broken/Noisy-v0", factory_of(Noisy), override=True)
    try:
        with pytest.raises(AssertionError, match="broken/Noisy-v0 fails .* determinism") as info:
            assert_env_conforms("broken/Noisy-v0")
        assert "FAIL" in str(info.value) and "PASS" in str(info.value)
    finally:
        _ENVS.pop("broken/Noisy-v0", None)


def test_unknown_env_and_unknown_check_are_input_errors():
    with pytest.raises(RegistryError, match="Did you mean 'archgym/Synthetic-v0'"):
        run_env_checks("archgym/Synthtic-v0")
    with pytest.raises(SpecError, match="unknown check 'speed'"):
        run_checks(factory_of(SyntheticSimulator), only=["speed"])


def test_cli_check_exit_codes():
    res = runner.invoke(app, ["check", "archgym/Synthetic-v0"])
    assert res.exit_code == 0, res.output
    assert "pettingzoo_parallel_api_test" in res.output and "all 7 checks passed" in res.output
    res = runner.invoke(app, ["check", "archgym/Synthtic-v0"])
    assert res.exit_code == 2 and "unknown env id" in res.output
    res = runner.invoke(app, ["check", "archgym/Synthetic-v0", "-k", "max_steps=0"])
    assert res.exit_code == 2 and "max_steps: must be >= 1" in " ".join(res.output.split())
    archgym_lite.register("broken/BatchDiffers-v0", factory_of(BatchDiffers), override=True)
    try:
        res = runner.invoke(app, ["check", "broken/BatchDiffers-v0"])
    finally:
        _ENVS.pop("broken/BatchDiffers-v0", None)
    assert res.exit_code == 1, res.output
    assert "FAIL" in res.output and "1 of 7 checks failed: batch_equals_single" in res.output
