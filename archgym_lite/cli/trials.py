"""``archgym run``, ``simulate`` and ``replay``: one trial, one design, one logged trial re-simulated."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from archgym_lite.cli.common import cli_errors, console, err_console, load_yaml_arg, parse_assignments, table
from archgym_lite.core.errors import SpecError
from archgym_lite.core.registry import make
from archgym_lite.utils.files import ensure_output_dir, ensure_output_file


def run_cmd(
    env: str = typer.Option(..., "--env", help="Env id (see `archgym envs list`)"),
    agent: str = typer.Option("random", "--agent", help="Agent name (see `archgym agents list`)"),
    budget: int = typer.Option(100, "--budget", min=1, help="Number of evaluations"),
    seed: int = typer.Option(0, "--seed", help="Seed of the agent (and of the env for RL agents)"),
    out: Path = typer.Option(Path("runs/single"), "--out", help="Output directory for the trial log"),
    param: list[str] = typer.Option(None, "--param", "-p", metavar="KEY=VALUE",
                                    help="Agent hyperparameter (repeatable)"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", metavar="KEY=VALUE",
                                        help="Keyword argument for the env factory (repeatable)"),
    objective: str | None = typer.Option(None, "--objective", metavar="YAML",
                                         help="Objective as a YAML file or inline YAML"),
) -> None:
    """Run one trial (agent x env x seed) and log every evaluation to OUT/<trial_id>.parquet."""
    from archgym_lite.trials.run import run_trial

    with cli_errors():
        ensure_output_dir(out, "--out")
        result = run_trial(env, agent, budget, seed, out_dir=out, env_kwargs=parse_assignments(env_kwarg, "--env-kwarg"),
                           agent_params=parse_assignments(param, "--param"), objective=load_yaml_arg(objective))
    if result.status != "completed":
        err_console.print(Text.assemble((f"trial {result.trial_id} failed", "red"), f"\n{result.error}"))
        raise typer.Exit(1)
    console.print(Text.assemble("trial ", (result.trial_id, "bold"),
                                f": {result.n_evals} evaluations of {result.n_unique} unique designs (repeats "
                                f"looked up, not simulated) in {result.wall_time_s:.2f} s, "
                                f"best reward {result.best_reward:.4g}, "
                                f"hypervolume {result.hypervolume:.4g}"))
    console.print(f"best design: {result.best_design}", markup=False)
    console.print(f"log: {result.log_path}", markup=False)


def simulate_cmd(
    env_id: str = typer.Argument(..., help="Env id"),
    design: list[str] = typer.Option(None, "--design", "-d", metavar="KEY=VALUE",
                                     help="Design parameter (repeatable; unset ones take their defaults)"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", metavar="KEY=VALUE",
                                        help="Keyword argument for the env factory (repeatable)"),
    detail: bool = typer.Option(False, "--detail", help="Also print the simulator's detail report"),
    csv: Path | None = typer.Option(None, "--csv", help="Write the detail report to this CSV file"),
) -> None:
    """Evaluate one design and print its metrics (and per-layer/per-command detail where available)."""
    from archgym_lite.utils.files import atomic_path

    with cli_errors():
        if csv is not None:
            ensure_output_file(csv, "--csv")
        env = make(env_id, **parse_assignments(env_kwarg, "--env-kwarg"))
        sim = env.simulator
        d = {**sim.space.default(), **parse_assignments(design, "--design")}
        metrics = sim.evaluate(d)
        console.print(f"design: {sim.space.validate(d)}", markup=False)
        rows = [{"metric": m.name, "value": f"{metrics[m.name]:.6g}", "unit": m.unit} for m in sim.metrics]
        console.print(table("Metrics", rows, ["metric", "value", "unit"]))
        console.print(f"reward: {env.objective.reward(metrics):.6g}  feasible: {env.objective.feasible(metrics)}")
        if detail or csv:
            try:
                report = sim.detail_report(d)
            except NotImplementedError as exc:
                raise SpecError(str(exc), "--detail") from None
            if csv:
                with atomic_path(csv) as tmp:
                    report.to_csv(tmp, index=False)
                console.print(f"detail report written to {csv}", markup=False)
            if detail:
                console.print(report.to_string(index=False), soft_wrap=True, markup=False)


def replay_cmd(
    run_dir: Path = typer.Argument(..., help="Run directory (or any directory holding trial logs)"),
    trial: str = typer.Option(..., "--trial", help="Trial id"),
    step: int | None = typer.Option(None, "--step", help="Only this step (default: every step)"),
) -> None:
    """Re-simulate logged designs and report any mismatch with the logged metrics (exit 1 on mismatch)."""
    from archgym_lite.trials.replay import replay_trial

    with cli_errors():
        result = replay_trial(run_dir, trial, step)
    if result.ok:
        console.print(Text.assemble(("ok", "green"), f": {result.n_checked} evaluations of {result.trial_id} "
                                    "replayed, every metric and reward identical"))
        return
    console.print(result.mismatches.to_string(index=False), markup=False)
    err_console.print(Text(f"{len(result.mismatches)} mismatches in {result.n_checked} evaluations", style="red"))
    raise typer.Exit(1)
