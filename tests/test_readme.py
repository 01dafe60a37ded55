"""The README's examples work as printed: its sweep spec parses and builds, its Python snippets run."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from archgym_lite.plugins.checks import run_checks
from archgym_lite.sweep.spec import check_envs, parse_spec

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


def test_the_sweep_spec_example_is_valid():
    specs = [yaml.safe_load(b) for b in blocks("yaml") if "budget:" in b]
    assert specs, "the README shows a sweep spec"
    for data in specs:
        spec = parse_spec(data)
        check_envs(spec)  # env kwargs and objectives build


def test_the_python_usage_example_runs(tmp_path, monkeypatch):
    (usage,) = [b for b in blocks("python") if "run_trial(" in b]
    monkeypatch.chdir(tmp_path)
    scope: dict = {}
    exec(compile(usage, "README usage example", "exec"), scope)
    assert len(scope["df"]) == 300 and scope["res"].status == "completed"
    assert set(scope["table"]) == set(scope["sim"].metric_names)


def test_the_add_your_simulator_example_conforms():
    (example,) = [b for b in blocks("python") if "class MyCacheSimulator" in b]
    scope: dict = {"__name__": "my_cache"}
    exec(compile(example, "README simulator example", "exec"), scope)
    results = run_checks(scope["make_env"])  # the factory itself (registering it is the README's next step)
    assert len(results) == 7 and [r.name for r in results if not r.passed] == []
