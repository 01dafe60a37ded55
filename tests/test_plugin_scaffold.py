"""`archgym new-env`: scaffold a plugin package, pip-install it offline, and see it listed, passing
`archgym check` and running a 2-trial sweep; refusal to overwrite; NAME validation.

The plugin is installed with ``pip install --target`` into a temporary directory that only the test's
subprocesses see (through ``PYTHONPATH``), so the shared venv is never modified, even if the test is killed.
"""

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archgym_lite import SpecError
from archgym_lite.cli import app
from archgym_lite.plugins.scaffold import plugin_names, scaffold_plugin
from archgym_lite.trials import logs

runner = CliRunner()

NAME = "ScaffoldProbe"
ENV_ID = "scaffold_probe/ScaffoldProbe-v0"
EXPECTED = ["pyproject.toml", "README.md", "archgym_scaffold_probe/__init__.py",
            "archgym_scaffold_probe/simulator.py", "tests/test_scaffold_probe.py", "tests/test_example_model.py"]
# Runs the real CLI app in a subprocess.
CLI_SHIM = "import archgym_lite.cli as c; c.app(prog_name='archgym')"


# A different model with the scaffold's entry point (make_env) but its own parameters and metrics.
OWN_MODEL = textwrap.dedent('''
    """My own model: a toy register file, replacing the example roofline model."""
    import numpy as np
    from archgym_lite import CategoricalParam, DesignEnv, DesignSpace, IntParam, Metric, Simulator


    class ScaffoldProbeSimulator(Simulator):
        def __init__(self):
            self.space = DesignSpace([IntParam("ports", 1, 8, description="read ports"),
                                      CategoricalParam("cell", ["sram", "latch"], description="storage cell")])
            self.metrics = (Metric("access_ns", "ns", True, "access time"), Metric("area_mm2", "mm^2", True, "area"))

        def _evaluate_batch(self, columns):
            ports = columns["ports"].astype(float)
            latch = columns["cell"] == "latch"
            return {"access_ns": 0.2 + 0.05 * ports - 0.05 * latch, "area_mm2": 0.01 * ports**2 * (1 + latch)}


    def make_env(objective=None, env_id="scaffold_probe/ScaffoldProbe-v0", **env_kwargs):
        return DesignEnv.build(ScaffoldProbeSimulator(), objective, {"targets": {"access_ns": 0.3, "area_mm2": 0.05}},
                               env_id=env_id, **env_kwargs)
''')


def test_names_derived_from_name():
    n = plugin_names(NAME)
    assert (n.module, n.class_prefix, n.package, n.dist, n.env_id) == (
        "scaffold_probe", "ScaffoldProbe", "archgym_scaffold_probe", "archgym-scaffold-probe", ENV_ID)
    assert plugin_names("my-cache").env_id == "my_cache/MyCache-v0"


@pytest.mark.parametrize("bad", ["1cache", "my cache", "my__cache", "_cache", "cache-", "caché", "a" * 41,
                                 "cache\n"])
def test_invalid_names_are_rejected_naming_the_allowed_form(bad, tmp_path):
    with pytest.raises(SpecError, match="must be a letter followed by letters and digits"):
        scaffold_plugin(bad, tmp_path / "pkg")
    assert not (tmp_path / "pkg").exists()


def test_scaffold_writes_the_package_and_refuses_to_overwrite(tmp_path):
    root = tmp_path / "pkg"
    written = scaffold_plugin(NAME, root)
    assert [p.relative_to(root).as_posix() for p in written] == EXPECTED
    pyproject = (root / "pyproject.toml").read_text()
    assert '[project.entry-points."archgym_lite.envs"]' in pyproject
    assert 'scaffold_probe = "archgym_scaffold_probe:register"' in pyproject
    assert f'ENV_ID = "{ENV_ID}"' in (root / "archgym_scaffold_probe/__init__.py").read_text()
    assert "assert_env_conforms(ENV_ID)" in (root / "tests/test_scaffold_probe.py").read_text()
    sim_src = (root / "archgym_scaffold_probe/simulator.py").read_text()
    assert "class ScaffoldProbeSimulator(Simulator)" in sim_src and "roofline" in sim_src
    for path in written:
        if path.suffix == ".py":
            compile(path.read_text(), str(path), "exec")

    before = {p: p.read_text() for p in written}
    with pytest.raises(SpecError, match="refusing to overwrite existing files") as info:
        scaffold_plugin(NAME, root)
    assert all(str(p) in str(info.value) for p in written)  # every conflict is listed
    assert {p: p.read_text() for p in written} == before


def test_one_conflicting_file_means_nothing_is_written(tmp_path):
    root = tmp_path / "pkg"
    (root / "tests").mkdir(parents=True)
    (root / "tests" / "test_scaffold_probe.py").write_text("# mine\n")
    with pytest.raises(SpecError, match="test_scaffold_probe.py"):
        scaffold_plugin(NAME, root)
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == ["tests", "tests/test_scaffold_probe.py"]
    assert (root / "tests" / "test_scaffold_probe.py").read_text() == "# mine\n"


def test_cli_new_env(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["new-env", "my_cache"])
    assert res.exit_code == 0, res.output
    assert "my_cache/MyCache-v0" in res.output and (tmp_path / "archgym-my-cache" / "pyproject.toml").is_file()
    res = runner.invoke(app, ["new-env", "my_cache"])
    assert res.exit_code == 2 and "refusing to overwrite" in res.output
    res = runner.invoke(app, ["new-env", "9lives", "--dir", str(tmp_path / "x")])
    assert res.exit_code == 2 and "invalid env name '9lives'" in res.output
    assert not (tmp_path / "x").exists()


def _archgym(args, env, cwd):
    """Run the archgym CLI in a subprocess that sees the plugin installed under PYTHONPATH."""
    script = Path(sys.executable).with_name("archgym")
    if args[0] in ("check", "new-env") or not script.exists():
        cmd = [sys.executable, "-c", CLI_SHIM, *args]
    else:
        cmd = [str(script), *args]
    return subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True, timeout=300)


def test_scaffolded_plugin_installs_lists_checks_and_sweeps(tmp_path):
    import hatchling  # noqa: F401  (the build backend, used without build isolation; in the [test] extra)
    root, site = tmp_path / "archgym-scaffold-probe", tmp_path / "site"
    scaffold_plugin(NAME, root)
    pip = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-index", "--no-build-isolation", "--no-deps", "--quiet",
         "--disable-pip-version-check", "--target", str(site), str(root)],
        capture_output=True, text=True, timeout=300)
    assert pip.returncode == 0, pip.stdout + pip.stderr
    assert (site / "archgym_scaffold_probe" / "simulator.py").is_file()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH")])),
           "OMP_NUM_THREADS": "1", "COLUMNS": "200"}

    listed = _archgym(["envs", "list"], env, tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert ENV_ID in listed.stdout and "archgym-scaffold-probe plugin" in listed.stdout

    checked = _archgym(["check", ENV_ID], env, tmp_path)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "all 7 checks passed" in checked.stdout

    spec = tmp_path / "spec.yaml"
    spec.write_text(textwrap.dedent(f"""
        name: plugin-smoke
        budget: 6
        seeds: [0, 1]
        envs:
          - id: {ENV_ID}
            kwargs: {{m: 256, n: 256, k: 128}}
        agents:
          - name: random
    """))
    out = tmp_path / "runs"
    swept = _archgym(["sweep", str(spec), "--workers", "0", "--no-progress", "--out", str(out)], env, tmp_path)
    assert swept.returncode == 0, swept.stdout + swept.stderr
    assert "2 trials run" in swept.stdout and "0 failed" in swept.stdout
    df = logs.load(out)
    assert len(df) == 12 and set(df["env_id"]) == {ENV_ID} and sorted(set(df["seed"])) == [0, 1]
    assert df["m_latency_us"].gt(0).all() and df["m_utilization"].between(0, 1).all()

    # the generated tests pass: 3 contract tests (conformance kit) + 2 of the example model's formulas
    def plugin_tests():
        return subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
                              cwd=root, env=env, capture_output=True, text=True, timeout=300)

    tests = plugin_tests()
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "5 passed" in tests.stdout

    # as the tutorial says: replace the example model with your own, delete the example's tests; the
    # contract tests still pass on the new model
    (site / "archgym_scaffold_probe" / "simulator.py").write_text(OWN_MODEL)
    (root / "tests" / "test_example_model.py").unlink()
    tests = plugin_tests()
    assert tests.returncode == 0, tests.stdout + tests.stderr
    assert "3 passed" in tests.stdout


def test_editable_install_builds_offline(tmp_path):
    """`pip install -e DIR` (the README's plugin install) needs hatchling's editable hook and `editables`."""
    root = tmp_path / "pkg"
    scaffold_plugin(NAME, root)
    code = ("import sys, hatchling.build as b; print(b.get_requires_for_build_editable()); "
            "print(b.build_editable(sys.argv[1]))")
    res = subprocess.run([sys.executable, "-c", code, str(tmp_path / "dist")], cwd=root, capture_output=True,
                         text=True, timeout=300)
    assert res.returncode == 0, res.stdout + res.stderr
    requires = eval(res.stdout.splitlines()[0])  # a printed list of requirement strings
    for req in requires:  # every build requirement of an editable install is importable offline
        __import__(re.match(r"[A-Za-z0-9_.-]+", req).group(0).replace("-", "_"))
    wheel = tmp_path / "dist" / res.stdout.splitlines()[1].strip()
    assert wheel.name.startswith("archgym_scaffold_probe-") and wheel.suffix == ".whl" and wheel.is_file()
