"""``archgym new-env`` and ``archgym check``: commands for simulator authors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.text import Text

from archgym_lite.cli.common import cli_errors, console, parse_assignments, table
from archgym_lite.core.errors import ArchGymError
from archgym_lite.core.registry import env_spec, make


def new_env_cmd(
    name: str = typer.Argument(..., help="Env name, e.g. MyCache or my_cache (letters, digits, '_' or '-')"),
    dir: Path | None = typer.Option(None, "--dir", help="Package root to create (default: ./archgym-<name>)"),
) -> None:
    """Scaffold a pip-installable env plugin package (simulator, entry point, conformance tests)."""
    from archgym_lite.plugins.scaffold import default_directory, plugin_names, scaffold_plugin

    with cli_errors():
        names = plugin_names(name)
        root = dir if dir is not None else default_directory(name)
        written = scaffold_plugin(name, root)
    console.print(Text.assemble("created plugin ", (names.dist, "bold"), " for env ", (names.env_id, "bold"),
                                f" in {root}:"))
    for path in written:
        console.print(f"  {path}", markup=False)
    console.print("next steps:\n"
                  f"  pip install -e {root}        # registers the archgym_lite.envs entry point\n"
                  f"  archgym check {names.env_id}\n"
                  f"  pytest {root}/tests\n"
                  f"then replace the example model in {root}/{names.package}/simulator.py with your own.",
                  highlight=False, markup=False)


def check_cmd(
    env_id: str = typer.Argument(..., help="Env id, e.g. archgym/Synthetic-v0 or a plugin's id"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", metavar="KEY=VALUE",
                                        help="Keyword argument passed to the env factory (repeatable)"),
    seed: int = typer.Option(0, "--seed", help="Seed for sampled designs and env resets"),
) -> None:
    """Run the env conformance suite and print a pass/fail table (exit 1 if any check fails)."""
    from archgym_lite.plugins.checks import run_env_checks

    with cli_errors():
        kwargs: dict[str, Any] = parse_assignments(env_kwarg, "--env-kwarg")
        env_spec(env_id)  # unknown id: exit 2
        try:  # a bad env kwarg the factory reports as ArchGymError is bad input (exit 2) ...
            make(env_id, **kwargs).close()
        except ArchGymError:
            raise
        except Exception:  # ... any other failure to build is reported by the "make" check (exit 1)
            pass
        results = run_env_checks(env_id, seed=seed, **kwargs)
    rows = [{"check": r.name, "result": Text("PASS", "green") if r.passed else Text("FAIL", "red"),
             "time": f"{r.seconds:.2f} s", "detail": r.detail} for r in results]
    console.print(table(f"Conformance of {env_id}", rows, ["check", "result", "time", "detail"]))
    failed = [r.name for r in results if not r.passed]
    if failed:
        console.print(Text.assemble((f"{len(failed)} of {len(results)} checks failed: ", "red"), ", ".join(failed)))
        raise typer.Exit(1)
    console.print(Text(f"all {len(results)} checks passed", "green"))
