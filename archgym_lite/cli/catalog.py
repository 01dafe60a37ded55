"""``archgym envs list|show`` and ``archgym agents list``: what is registered, and what it takes."""

from __future__ import annotations

import json

import typer
from rich.table import Table
from rich.text import Text

from archgym_lite.cli.common import cli_errors, console, parse_assignments, table
from archgym_lite.core.registry import agent_class, agent_names, agent_spec, env_ids, env_spec, make

envs_app = typer.Typer(no_args_is_help=True, help="List and inspect registered envs.")
agents_app = typer.Typer(no_args_is_help=True, help="List registered agents.")


@envs_app.command("list")
def envs_list() -> None:
    """List registered env ids (built-in and plugins)."""
    with cli_errors():
        rows = [{"id": i, "description": env_spec(i).description} for i in env_ids()]
        console.print(table("Registered envs", rows, ["id", "description"]))


@envs_app.command("show")
def envs_show(
    env_id: str = typer.Argument(..., help="Env id, e.g. archgym/Synthetic-v0"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", metavar="KEY=VALUE",
                                        help="Keyword argument passed to the env factory (repeatable)"),
) -> None:
    """Show an env's parameters, metrics and default objective."""
    with cli_errors():
        env = make(env_id, **parse_assignments(env_kwarg, "--env-kwarg"))
        sim = env.simulator
        console.print(Text.assemble((env_id, "bold"), f": {env_spec(env_id).description}"))
        console.print(f"design space: {len(sim.space)} parameters, {sim.space.size:g} designs", markup=False)
        console.print(table("Parameters", sim.space.describe(), ["name", "kind", "values", "unit", "description"]))
        console.print(table("Metrics", sim.describe(), ["name", "unit", "goal", "description"]))
        console.print("default objective: " + json.dumps(env.objective.to_spec()), markup=False)


@agents_app.command("list")
def agents_list() -> None:
    """List registered agents with their hyperparameters and defaults."""
    with cli_errors():
        out = Table(title="Registered agents")
        for c in ("name", "description", "hyperparameters (default)"):
            out.add_column(c)
        for name in agent_names():
            try:
                hps = agent_class(name).hyperparameters()
                hp_text = Text(", ".join(f"{h['name']}={h['default']!r}" for h in hps) or "-")
            except Exception as exc:  # an agent whose dependencies are missing still gets listed
                hp_text = Text(f"unavailable: {exc}", style="red")
            out.add_row(Text(name), Text(agent_spec(name).description), hp_text)
        console.print(out)
