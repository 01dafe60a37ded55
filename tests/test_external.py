"""ExternalSimulator: a tiny Python script as the "simulator": config file per evaluation, JSON output,
timeouts and crashes surfaced with stderr, parallel evaluations in separate directories, callables."""

import json
import math
import os
import sys
import textwrap
import time

import numpy as np
import pytest

import archgym_lite
from archgym_lite import CategoricalParam, DesignEnv, DesignSpace, IntParam, Metric, SpecError
from archgym_lite.core.registry import _ENVS
from archgym_lite.plugins.checks import run_checks
from archgym_lite.plugins.external import (
    ExternalSimulator,
    ExternalSimulatorError,
    json_stdout_parser,
    regex_parser,
)
from archgym_lite.trials.run import run_trial

SCRIPT = textwrap.dedent('''
    """A fake simulator: reads its config file, behaves as --mode says, prints metrics as JSON."""
    import json, os, sys, time
    cfg_path, mode = sys.argv[1], sys.argv[3]
    cfg = dict(line.split(" = ", 1) for line in open(cfg_path).read().splitlines() if line)
    x, kind = int(cfg["x"]), cfg["kind"]
    t0 = time.time()
    print(f"pid {os.getpid()}", file=sys.stderr, flush=True)
    if mode == "hang" or (mode == "hang_if_x_gt_7" and x > 7):
        time.sleep(60)
    if mode == "crash" or (mode == "crash_if_x_gt_7" and x > 7):
        print(f"boom: x={x} is not supported", file=sys.stderr)
        sys.exit(3)
    if mode == "slow":
        time.sleep(0.4)
    open("result.txt", "w").write(str(x))   # relative path: lands in the per-evaluation directory
    print("simulating...")                   # progress noise before the JSON line
    print(json.dumps({"cost": (x - 3) ** 2 + (0.5 if kind == "b" else 0.0) + 1.0, "area_mm2": x + 1,
                      "t0": t0, "t1": time.time(), "cwd": os.getcwd()}))
''')

CONFIG = "x = {x}\nkind = {kind}\n"


def space():
    return DesignSpace([IntParam("x", 0, 10), CategoricalParam("kind", ["a", "b"])])


METRICS = [Metric("cost", "", True, "toy cost"), Metric("area_mm2", "mm^2", True, "toy area")]


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "fake_sim.py"
    path.write_text(SCRIPT)
    return path


def make_sim(script, mode="ok", **kwargs):
    return ExternalSimulator(space(), METRICS, [sys.executable, str(script), "{config}", "--mode", mode],
                             config=CONFIG, config_name="sim.cfg", **kwargs)


def test_success_writes_config_per_evaluation_and_parses_json(script):
    sim = make_sim(script)
    assert sim.evaluate({"x": 3, "kind": "a"}) == {"cost": 1.0, "area_mm2": 4.0}
    assert sim.evaluate({"x": 5, "kind": "b"}) == {"cost": 5.5, "area_mm2": 6.0}
    table = sim.evaluate_batch([{"x": 0, "kind": "a"}, {"x": 10, "kind": "b"}])
    np.testing.assert_array_equal(table["cost"], [10.0, 50.5])
    with pytest.raises(archgym_lite.DesignError, match="x: invalid value 11"):
        sim.evaluate({"x": 11, "kind": "a"})  # validated before anything is run


def test_workdirs_are_removed_unless_kept(script, tmp_path):
    root = tmp_path / "work"
    make_sim(script, workdir_root=root).evaluate({"x": 1, "kind": "a"})
    assert list(root.iterdir()) == []
    make_sim(script, workdir_root=root, keep_workdirs=True).evaluate({"x": 2, "kind": "b"})
    (kept,) = root.iterdir()
    assert (kept / "sim.cfg").read_text() == "x = 2\nkind = b\n"
    assert (kept / "result.txt").read_text() == "2"


def test_timeout_kills_the_process_and_surfaces_stderr(script):
    sim = make_sim(script, mode="hang", timeout_s=1.0)
    with pytest.raises(ExternalSimulatorError, match="timed out after 1 s") as info:
        sim.evaluate({"x": 1, "kind": "a"})
    err = info.value
    assert err.timed_out and err.returncode is None and err.design == {"x": 1, "kind": "a"}
    pid = int(err.stderr.split()[1])  # the script printed its pid to stderr before hanging
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_crash_surfaces_exit_status_and_stderr(script):
    with pytest.raises(ExternalSimulatorError) as info:
        make_sim(script, mode="crash").evaluate({"x": 4, "kind": "a"})
    err = info.value
    assert isinstance(err, RuntimeError)
    assert err.returncode == 3 and not err.timed_out
    assert "boom: x=4 is not supported" in err.stderr
    assert "exited with status 3" in str(err) and "boom: x=4 is not supported" in str(err)


def test_crash_fails_the_trial_with_stderr_in_the_manifest(script, tmp_path):
    env_id = "exttest/FakeScript-v0"

    def factory(objective=None, env_id=env_id, **kwargs):
        sim = make_sim(script, mode="crash_if_x_gt_7")
        return DesignEnv.build(sim, objective, {"targets": {"cost": 1.0}}, env_id=env_id, **kwargs)

    archgym_lite.register(env_id, factory, override=True)
    try:
        # seed 5 proposes x = 7, 0, 5, 6, then 10, which crashes the script
        result = run_trial(env_id, "random", budget=40, seed=5, out_dir=tmp_path / "runs",
                           agent_params={"batch_size": 1})
    finally:
        _ENVS.pop(env_id, None)
    assert result.status == "failed"
    assert "ExternalSimulatorError" in result.error and "boom: x=" in result.error
    assert result.n_evals == 4  # the evaluations before the crash are kept in the log
    manifest = json.loads(next((tmp_path / "runs").glob("*.json")).read_text())
    assert manifest["status"] == "failed" and "boom: x=" in manifest["error"]


def test_on_error_nan_records_the_failure_and_continues(script):
    sim = make_sim(script, mode="crash_if_x_gt_7", on_error="nan")
    table = sim.evaluate_batch([{"x": 1, "kind": "a"}, {"x": 9, "kind": "a"}, {"x": 3, "kind": "b"}])
    assert table["cost"][0] == 5.0 and math.isnan(table["cost"][1]) and table["cost"][2] == 1.5
    assert len(sim.failures) == 1 and "boom: x=9" in sim.failures[0].stderr


def test_parallel_evaluations_use_separate_directories(script):
    seen = []

    def parser(stdout, workdir):
        out = json_stdout_parser(stdout, workdir)
        # the config and the result file in this evaluation's directory belong to this evaluation only
        cfg = (workdir / "sim.cfg").read_text()
        assert f"x = {(workdir / 'result.txt').read_text()}\n" in cfg
        assert out["cwd"] == str(workdir)
        seen.append((str(workdir), out["t0"], out["t1"]))
        return out

    sim = make_sim(script, mode="slow", parser=parser, max_workers=4)
    designs = [{"x": x, "kind": "ab"[x % 2]} for x in range(8)]
    table = sim.evaluate_batch(designs)
    np.testing.assert_array_equal(table["cost"], [(x - 3) ** 2 + 0.5 * (x % 2) + 1.0 for x in range(8)])
    assert len({w for w, _, _ in seen}) == 8  # eight evaluations, eight directories
    spans = sorted((t0, t1) for _, t0, t1 in seen)
    assert any(b0 < a1 for (_, a1), (b0, _) in zip(spans, spans[1:], strict=False))  # they did overlap


def test_output_without_a_declared_metric_is_a_failed_evaluation(tmp_path):
    sim = ExternalSimulator(space(), [*METRICS, Metric("power_mw", "mW")],
                            [sys.executable, "-c", "import json; print(json.dumps({{'cost': 1, 'area_mm2': 2}}))"])  # {{ }}: literal braces
    with pytest.raises(ExternalSimulatorError, match=r"lacks metric\(s\) \['power_mw'\]"):
        sim.evaluate({"x": 1, "kind": "a"})
    missing = ExternalSimulator(space(), METRICS, ["/nonexistent/simulator-binary"])
    with pytest.raises(ExternalSimulatorError, match="could not start"):
        missing.evaluate({"x": 1, "kind": "a"})


def test_regex_parser_and_placeholders_in_arguments():
    code = "import sys; print('Total cycles: ' + str(int(sys.argv[1]) * 10)); print('Area: ' + sys.argv[2])"
    sim = ExternalSimulator(space(), [Metric("cycles", "cycles"), Metric("area_mm2", "mm^2")],
                            [sys.executable, "-c", code, "{x}", "{x}.5"],
                            parser=regex_parser({"cycles": r"Total cycles: (\d+)", "area_mm2": r"Area: ([\d.]+)"}))
    assert sim.evaluate({"x": 7, "kind": "a"}) == {"cycles": 70.0, "area_mm2": 7.5}


def test_python_callable_simulator_success_crash_and_timeout():
    def model(design, workdir):
        assert workdir.is_dir()
        if design["x"] == 9:
            raise ValueError("x=9 diverges")
        if design["x"] == 10:
            time.sleep(3)
        return {"cost": design["x"] + 1, "area_mm2": 2.0}

    sim = ExternalSimulator(space(), METRICS, model, timeout_s=0.5)
    assert sim.evaluate({"x": 2, "kind": "a"}) == {"cost": 3.0, "area_mm2": 2.0}
    with pytest.raises(ExternalSimulatorError, match="raised ValueError: x=9 diverges") as info:
        sim.evaluate({"x": 9, "kind": "a"})
    assert "Traceback" in info.value.stderr
    with pytest.raises(ExternalSimulatorError, match="timed out") as info:
        sim.evaluate({"x": 10, "kind": "a"})
    assert info.value.timed_out


def test_an_external_env_passes_the_conformance_checks():
    sim_factory = lambda: ExternalSimulator(  # noqa: E731
        space(), METRICS, lambda d, w: {"cost": (d["x"] - 3) ** 2 + 1, "area_mm2": d["x"] + 1})

    def factory(**kwargs):
        return DesignEnv.build(sim_factory(), None, {"targets": {"cost": 1.0}}, env_id="exttest/Callable-v0",
                               **kwargs)

    results = run_checks(factory)
    assert all(r.passed for r in results), [r for r in results if not r.passed]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"command": ["sim", "{y}"]}, "command: unknown placeholder {y}"),
    ({"command": ["sim", "-c", "{config}"]}, "uses {config} but no config"),
    ({"command": ["sim"], "config": "a = {nope}"}, "config: unknown placeholder {nope}"),
    ({"command": []}, "needs at least the program"),
    ({"command": ["sim"], "on_error": "ignore"}, "on_error: got 'ignore'"),
    ({"command": ["sim"], "timeout_s": 0}, "timeout_s: must be > 0"),
    ({"command": ["sim"], "config_name": "../x.cfg"}, "config_name: must be a plain file name"),
])
def test_bad_configuration_is_a_spec_error(kwargs, message):
    with pytest.raises(SpecError, match=message.replace("{", r"\{").replace("(", r"\(")):
        ExternalSimulator(space(), METRICS, **kwargs)


def test_reserved_parameter_names_are_rejected():
    with pytest.raises(SpecError, match="reserved"):
        ExternalSimulator(DesignSpace([IntParam("workdir", 0, 1)]), METRICS, ["sim"])
