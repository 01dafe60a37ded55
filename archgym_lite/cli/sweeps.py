"""``archgym sweep`` and ``archgym report``: run a YAML study, then summarise and plot it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from archgym_lite.cli.common import cli_errors, console, err_console, table


def sweep_cmd(
    spec_path: Path = typer.Argument(..., help="Sweep spec (YAML)"),
    out: Path | None = typer.Option(None, "--out", help="Run directory (default: runs/<spec name>)"),
    workers: int | None = typer.Option(None, "--workers", "-w",
                                       help="Local worker processes (default: CPU count; 0 = in-process)"),
    executor: str = typer.Option("pool", "--executor", help="pool (local processes) or ray"),
    address: str | None = typer.Option(None, "--address", help="Ray cluster address: auto or HOST:PORT"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the trial table and count, run nothing"),
    retry_failed: bool = typer.Option(False, "--retry-failed", help="Also rerun trials recorded as failed"),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Show the progress bar"),
) -> None:
    """Run agents x hyperparameters x seeds x envs from a YAML spec; rerunning resumes (finished trials are skipped)."""
    from archgym_lite.sweep import load_spec, run_sweep, trials_table

    with cli_errors():
        spec = load_spec(spec_path)
        run_dir = out or Path("runs") / spec.name
        if dry_run:
            rows = trials_table(spec, run_dir)
            console.print(table(f"{spec.name}: {len(rows)} trials", rows,
                                ["trial_id", "env", "agent", "params", "seed", "budget", "status"]))
            pending = sum(r["status"] != "completed" for r in rows)
            console.print(f"{len(rows)} trials ({pending} to run) x {spec.budget} evaluations -> {run_dir}",
                          markup=False)
            return
        result = run_sweep(spec, run_dir, executor=executor, workers=workers, address=address,
                           retry_failed=retry_failed, show_progress=progress, console=console)
    console.print(f"{result.completed} trials run, {result.skipped} already done, {len(result.failed)} failed "
                  f"in {result.wall_time_s:.1f} s ({result.n_evals} evaluations, {result.n_unique} distinct designs "
                  f"simulated) -> {result.run_dir}", markup=False)
    if result.failed:
        err_console.print(Text.assemble(("failed trials: ", "red"), ", ".join(result.failed),
                                        " (tracebacks in their .json manifests; rerun with --retry-failed)"))
        raise typer.Exit(1)


def report_cmd(
    run_dir: Path = typer.Argument(..., help="Run directory of a sweep (or any directory of trial logs)"),
    out: Path | None = typer.Option(None, "--out", help="Report directory (default: RUN_DIR/report)"),
    target: str | None = typer.Option(
        None, "--target", metavar="REWARD|P%",
        help="Target for each setting's hit rate and evaluations to target: a reward (e.g. 1.5) or a percentage "
             "of the env's best known reward (e.g. 95%: within 5% of it, best - 0.05*|best|). Default: 95%"),
    best_known: float | None = typer.Option(
        None, "--best-known", help="Best known reward (e.g. an exhaustive optimum); the run's best if higher"),
    pareto: str | None = typer.Option(None, "--pareto", metavar="METRIC,METRIC",
                                      help="Two metrics for the Pareto front, e.g. latency_s,energy_pj"),
) -> None:
    """Summary tables (Markdown/CSV); best-so-far, hypervolume, hyperparameter-lottery and Pareto plots (PNG)."""
    from archgym_lite.report import write_report

    with cli_errors():
        metrics = [m.strip() for m in pareto.split(",")] if pareto else None
        res = write_report(run_dir, out_dir=out, target=target, pareto_metrics=metrics, best_known=best_known)
    keep = ["env", "agent", "setting", "trials", "best_reward_median", "best_reward_q25", "best_reward_q75",
            "target", "hit_rate", "evals_to_target_median", "identical_trials", "hv_median"]
    cols = [c for c in keep if c in res.best]
    rows = [{k: (f"{v:.4g}" if isinstance(v, float) else str(v)) for k, v in r.items()}
            for r in res.best[cols].to_dict("records")]
    console.print(table("Best setting per env x agent (median and IQR over seeds)", rows, cols))
    console.print(f"report: {res.markdown} ({len(res.pngs)} plots, {len(res.failed)} failed trials listed)",
                  markup=False)
