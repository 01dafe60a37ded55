"""The ``archgym`` app: one typer application assembled from the command modules of this package.

Commands by job: ``catalog`` (envs, agents), ``trials`` (run, simulate, replay), ``sweeps`` (sweep, report),
``proxy`` (proxy train/eval/search/loop), ``plugins`` (new-env, check). Each module imports only
:mod:`archgym_lite.cli.common` and the library; this module imports them all.
"""

from __future__ import annotations

import typer

import archgym_lite
from archgym_lite.cli.catalog import agents_app, envs_app
from archgym_lite.cli.common import console
from archgym_lite.cli.plugins import check_cmd, new_env_cmd
from archgym_lite.cli.proxy import proxy_app
from archgym_lite.cli.sweeps import report_cmd, sweep_cmd
from archgym_lite.cli.trials import replay_cmd, run_cmd, simulate_cmd

app = typer.Typer(add_completion=False, no_args_is_help=True, help="archgym-lite: design-space exploration gym.")
app.add_typer(envs_app, name="envs")
app.add_typer(agents_app, name="agents")
app.add_typer(proxy_app, name="proxy")
for _name, _fn in (("run", run_cmd), ("simulate", simulate_cmd), ("replay", replay_cmd), ("sweep", sweep_cmd),
                   ("report", report_cmd), ("new-env", new_env_cmd), ("check", check_cmd)):
    app.command(_name)(_fn)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        console.print(archgym_lite.__version__)
        raise typer.Exit(0)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
