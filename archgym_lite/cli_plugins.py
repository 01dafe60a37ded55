"""CLI commands for simulator authors: ``archgym new-env`` and ``archgym check``.

They are plain typer command functions, registered on the main app in :mod:`archgym_lite.cli`::

    app.command("new-env")(new_env_cmd)
    app.command("check")(check_cmd)

(:func:`register_commands` does the same, skipping names already registered.) Helpers from
:mod:`archgym_lite.cli` are imported inside the functions, so importing this module from ``cli.py`` at any
point cannot create an import cycle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

__all__ = ["check_cmd", "new_env_cmd", "register_commands"]


def new_env_cmd(
    name: str = typer.Argument(..., help="Env name, e.g. MyCache or my_cache (letters, digits, '_' or '-')"),
    dir: Path | None = typer.Option(None, "--dir", help="Package root to create (default: ./archgym-<name>)"),
) -> None:
    """Scaffold a pip-installable env plugin package (simulator, entry point, conformance tests)."""
    from archgym_lite.cli import cli_errors, console
    from archgym_lite.scaffold import default_directory, plugin_names, scaffold_plugin

    with cli_errors():
        names = plugin_names(name)
        root = dir if dir is not None else default_directory(name)
        written = scaffold_plugin(name, root)
    console.print(f"created plugin [bold]{names.dist}[/bold] for env [bold]{names.env_id}[/bold] in {root}:")
    for path in written:
        console.print(f"  {path}")
    console.print("next steps:\n"
                  f"  pip install -e {root}        # registers the archgym_lite.envs entry point\n"
                  f"  archgym check {names.env_id}\n"
                  f"  pytest {root}/tests\n"
                  f"then replace the example model in {root}/{names.package}/simulator.py with your own.",
                  highlight=False)


def check_cmd(
    env_id: str = typer.Argument(..., help="Env id, e.g. archgym/Synthetic-v0 or a plugin's id"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", help="KEY=VALUE passed to the env factory"),
    seed: int = typer.Option(0, "--seed", help="Seed for sampled designs and env resets"),
) -> None:
    """Run the env conformance suite and print a pass/fail table (exit 1 if any check fails)."""
    from archgym_lite.checks import run_env_checks
    from archgym_lite.cli import _table, cli_errors, console, parse_assignments
    from archgym_lite.errors import ArchGymError
    from archgym_lite.registry import env_spec, make

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
    rows = [{"check": r.name, "result": "[green]PASS[/green]" if r.passed else "[red]FAIL[/red]",
             "time": f"{r.seconds:.2f} s", "detail": r.detail} for r in results]
    console.print(_table(f"Conformance of {env_id}", rows, ["check", "result", "time", "detail"]))
    failed = [r.name for r in results if not r.passed]
    if failed:
        console.print(f"[red]{len(failed)} of {len(results)} checks failed:[/red] {', '.join(failed)}")
        raise typer.Exit(1)
    console.print(f"[green]all {len(results)} checks passed[/green]")


def register_commands(app: typer.Typer) -> None:
    """Add ``new-env`` and ``check`` to ``app`` unless commands of those names are already registered."""
    present = {c.name for c in app.registered_commands}
    if "new-env" not in present:
        app.command("new-env")(new_env_cmd)
    if "check" not in present:
        app.command("check")(check_cmd)
