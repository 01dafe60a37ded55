"""The ``archgym`` command line (typer + rich). Thin: it parses, calls the library, prints.

Every bad input raises an :class:`~archgym_lite.errors.ArchGymError`; the CLI prints it as one red line
and exits with code 2.
"""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

import archgym_lite
from archgym_lite.errors import ArchGymError, SpecError
from archgym_lite.registry import agent_class, agent_names, agent_spec, env_ids, env_spec, make

app = typer.Typer(add_completion=False, no_args_is_help=True, help="archgym-lite: design-space exploration gym.")
envs_app = typer.Typer(no_args_is_help=True, help="List and inspect registered envs.")
agents_app = typer.Typer(no_args_is_help=True, help="List registered agents.")
app.add_typer(envs_app, name="envs")
app.add_typer(agents_app, name="agents")
proxy_app = typer.Typer(no_args_is_help=True, help="Train, evaluate and search on proxy cost models.")
app.add_typer(proxy_app, name="proxy")

# Wide when piped (logs, CI, CliRunner) so tables are not truncated; a terminal uses its own width.
console = Console() if sys.stdout.isatty() else Console(width=200)
err_console = Console(stderr=True, width=None if sys.stderr.isatty() else 200)


@contextlib.contextmanager
def cli_errors() -> Iterator[None]:
    """Turn library errors into one red line and exit code 2."""
    try:
        yield
    except ArchGymError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


def parse_assignments(items: list[str] | None, what: str) -> dict[str, Any]:
    """``["a=1", "b=x"]`` → ``{"a": 1, "b": "x"}`` (values parsed as YAML scalars)."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise SpecError(f"expected KEY=VALUE, got {item!r}", what)
        try:
            out[key.strip()] = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            out[key.strip()] = raw
    return out


def load_yaml_arg(text: str | None, what: str = "--objective") -> Any:
    """A YAML mapping given inline or as a path to a file."""
    if text is None:
        return None
    path = Path(text)
    source = path.read_text() if path.suffix in (".yaml", ".yml", ".json") and path.is_file() else text
    try:
        value = yaml.safe_load(source)
    except yaml.YAMLError as exc:
        raise SpecError(f"not valid YAML: {exc}", what) from None
    if not isinstance(value, dict):
        raise SpecError("must be a YAML mapping (or a path to a .yaml file)", what)
    return value


def _table(title: str, rows: list[dict[str, Any]], columns: list[str]) -> Table:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(*(str(r.get(c, "")) for c in columns))
    return table


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.")) -> None:
    if version:
        console.print(archgym_lite.__version__)
        raise typer.Exit(0)


@envs_app.command("list")
def envs_list() -> None:
    """List registered env ids (built-in and plugins)."""
    with cli_errors():
        rows = [{"id": i, "description": env_spec(i).description} for i in env_ids()]
        console.print(_table("Registered envs", rows, ["id", "description"]))


@envs_app.command("show")
def envs_show(
    env_id: str = typer.Argument(..., help="Env id, e.g. archgym/Synthetic-v0"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", help="KEY=VALUE passed to the env factory"),
) -> None:
    """Show an env's parameters, metrics and default objective."""
    with cli_errors():
        env = make(env_id, **parse_assignments(env_kwarg, "--env-kwarg"))
        sim = env.simulator
        console.print(f"[bold]{env_id}[/bold]: {env_spec(env_id).description}")
        console.print(f"design space: {len(sim.space)} parameters, {sim.space.size:g} designs")
        console.print(_table("Parameters", sim.space.describe(), ["name", "kind", "values", "unit", "description"]))
        console.print(_table("Metrics", sim.describe(), ["name", "unit", "goal", "description"]))
        console.print("default objective: " + json.dumps(env.objective.to_spec()))


@agents_app.command("list")
def agents_list() -> None:
    """List registered agents with their hyperparameters and defaults."""
    with cli_errors():
        table = Table(title="Registered agents")
        for c in ("name", "description", "hyperparameters (default)"):
            table.add_column(c)
        for name in agent_names():
            try:
                hps = agent_class(name).hyperparameters()
                hp_text = ", ".join(f"{h['name']}={h['default']!r}" for h in hps) or "-"
            except Exception as exc:  # an agent whose dependencies are missing still gets listed
                hp_text = f"[red]unavailable: {exc}[/red]"
            table.add_row(name, agent_spec(name).description, hp_text)
        console.print(table)


@app.command("run")
def run_cmd(
    env: str = typer.Option(..., "--env", help="Env id"),
    agent: str = typer.Option("random", "--agent", help="Agent name (see `archgym agents list`)"),
    budget: int = typer.Option(100, "--budget", min=1, help="Number of evaluations"),
    seed: int = typer.Option(0, "--seed", help="Random seed"),
    out: Path = typer.Option(Path("runs/single"), "--out", help="Output directory for the trial log"),
    param: list[str] = typer.Option(None, "--param", "-p", help="Agent hyperparameter KEY=VALUE"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", help="Env factory KEY=VALUE"),
    objective: str | None = typer.Option(None, "--objective", help="Objective as a YAML file or inline YAML"),
) -> None:
    """Run one trial (agent × env × seed) and log every evaluation to OUT/<trial_id>.parquet."""
    from archgym_lite.run import run_trial

    with cli_errors():
        result = run_trial(env, agent, budget, seed, out_dir=out, env_kwargs=parse_assignments(env_kwarg, "--env-kwarg"),
                           agent_params=parse_assignments(param, "--param"), objective=load_yaml_arg(objective))
    if result.status != "completed":
        err_console.print(f"[red]trial {result.trial_id} failed[/red]\n{result.error}")
        raise typer.Exit(1)
    console.print(f"trial [bold]{result.trial_id}[/bold]: {result.n_evals} evaluations in "
                  f"{result.wall_time_s:.2f} s, best reward {result.best_reward:.4g}")
    console.print(f"best design: {result.best_design}")
    console.print(f"log: {result.log_path}")


@app.command("simulate")
def simulate_cmd(
    env_id: str = typer.Argument(..., help="Env id"),
    design: list[str] = typer.Option(None, "--design", "-d", help="Parameter KEY=VALUE (unset ones use defaults)"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", help="Env factory KEY=VALUE"),
    detail: bool = typer.Option(False, "--detail", help="Also print the simulator's detail report"),
    csv: Path | None = typer.Option(None, "--csv", help="Write the detail report to this CSV file"),
) -> None:
    """Evaluate one design and print its metrics (and per-layer/per-command detail where available)."""
    with cli_errors():
        env = make(env_id, **parse_assignments(env_kwarg, "--env-kwarg"))
        sim = env.simulator
        d = {**sim.space.default(), **parse_assignments(design, "--design")}
        metrics = sim.evaluate(d)
        console.print(f"design: {sim.space.validate(d)}")
        rows = [{"metric": m.name, "value": f"{metrics[m.name]:.6g}", "unit": m.unit} for m in sim.metrics]
        console.print(_table("Metrics", rows, ["metric", "value", "unit"]))
        console.print(f"reward: {env.objective.reward(metrics):.6g}  feasible: {env.objective.feasible(metrics)}")
        if detail or csv:
            try:
                report = sim.detail_report(d)
            except NotImplementedError as exc:
                raise SpecError(str(exc), "--detail") from None
            if csv:
                report.to_csv(csv, index=False)
                console.print(f"detail report written to {csv}")
            if detail:
                console.print(report.to_string(index=False), soft_wrap=True)


@app.command("sweep")
def sweep_cmd(
    spec_path: Path = typer.Argument(..., help="Sweep spec (YAML)"),
    out: Path | None = typer.Option(None, "--out", help="Run directory (default: runs/<spec name>)"),
    workers: int | None = typer.Option(None, "--workers", "-w", help="Local worker processes (default: CPU count; 0 = in-process)"),
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
            console.print(_table(f"{spec.name}: {len(rows)} trials", rows,
                                 ["trial_id", "env", "agent", "params", "seed", "budget", "status"]))
            pending = sum(r["status"] != "completed" for r in rows)
            console.print(f"{len(rows)} trials ({pending} to run) x {spec.budget} evaluations -> {run_dir}")
            return
        result = run_sweep(spec, run_dir, executor=executor, workers=workers, address=address,
                           retry_failed=retry_failed, show_progress=progress, console=console)
    console.print(f"{result.completed} trials run, {result.skipped} already done, {len(result.failed)} failed "
                  f"in {result.wall_time_s:.1f} s -> {result.run_dir}")
    if result.failed:
        err_console.print(f"[red]failed trials:[/red] {', '.join(result.failed)} "
                          "(tracebacks in their .json manifests; rerun with --retry-failed)")
        raise typer.Exit(1)


@app.command("report")
def report_cmd(
    run_dir: Path = typer.Argument(..., help="Run directory of a sweep (or any directory of trial logs)"),
    out: Path | None = typer.Option(None, "--out", help="Report directory (default: RUN_DIR/report)"),
    target: float | None = typer.Option(None, "--target", help="Reward target for 'evaluations to target'"),
    pareto: str | None = typer.Option(None, "--pareto", help="Two metrics for the Pareto front, e.g. latency_s,energy_pj"),
) -> None:
    """Summary tables (Markdown/CSV), best-so-far, hyperparameter-lottery and Pareto plots (PNG)."""
    from archgym_lite.report import write_report

    with cli_errors():
        metrics = [m.strip() for m in pareto.split(",")] if pareto else None
        res = write_report(run_dir, out_dir=out, target=target, pareto_metrics=metrics)
    keep = ["env", "agent", "best_setting", "trials", "failed", "best_reward_median", "best_reward_q25",
            "best_reward_q75", "evals_to_target_median", "hv_agent"]
    rows = [{k: (f"{v:.4g}" if isinstance(v, float) else v) for k, v in r.items()}
            for r in res.best[[c for c in keep if c in res.best]].to_dict("records")]
    console.print(_table("Best setting per env x agent (median and IQR over seeds)", rows,
                         [c for c in keep if c in res.best]))
    console.print(f"report: {res.markdown} ({len(res.pngs)} plots, {len(res.failed)} failed trials listed)")


@app.command("replay")
def replay_cmd(
    run_dir: Path = typer.Argument(..., help="Run directory (or any directory holding trial logs)"),
    trial: str = typer.Option(..., "--trial", help="Trial id"),
    step: int | None = typer.Option(None, "--step", help="Only this step"),
) -> None:
    """Re-simulate logged designs and report any mismatch with the logged metrics (exit 1 on mismatch)."""
    from archgym_lite.replay import replay_trial

    with cli_errors():
        result = replay_trial(run_dir, trial, step)
    if result.ok:
        console.print(f"[green]ok[/green]: {result.n_checked} evaluations of {result.trial_id} replayed, "
                      "every metric and reward identical")
        return
    console.print(result.mismatches.to_string(index=False))
    err_console.print(f"[red]{len(result.mismatches)} mismatches[/red] in {result.n_checked} evaluations")
    raise typer.Exit(1)


@proxy_app.command("train")
def proxy_train_cmd(
    run_dirs: list[Path] = typer.Argument(None, help="Run directories whose logs are the training data"),
    env: str = typer.Option(..., "--env", help="Env id whose evaluations to learn"),
    out: Path = typer.Option(..., "--out", help="Model file to write (.skops)"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", help="Env factory KEY=VALUE (must match the logs)"),
    sample: int = typer.Option(0, "--sample", help="Add N fresh simulator samples to the training data"),
    sampling: str = typer.Option("uniform", "--sampling", help="uniform or lhs (Latin hypercube)"),
    test_fraction: float = typer.Option(0.2, "--test-fraction", help="Held-out share of the unique designs"),
    fresh_test: int = typer.Option(500, "--fresh-test", help="Fresh uniform designs for an unbiased test"),
    seed: int = typer.Option(0, "--seed"),
    metric: list[str] = typer.Option(None, "--metric", "-m", help="Only these metrics (default: all)"),
    trees: int = typer.Option(200, "--trees", min=1, help="Trees per forest / boosting model size"),
) -> None:
    """Train a proxy (one model per metric, chosen by CV) and report held-out accuracy and speedup."""
    from archgym_lite.proxy import train_proxy

    with cli_errors():
        res = train_proxy(env, run_dirs or [], env_kwargs=parse_assignments(env_kwarg, "--env-kwarg"),
                          sample=sample, sampling=sampling, test_fraction=test_fraction, fresh_test=fresh_test,
                          seed=seed, out=out, metrics=metric or None, n_estimators=trees)
    console.print(f"trained on {res.train_size} unique designs -> {res.path}")
    console.print(res.report.to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    s = res.speedup
    console.print(f"speedup: {s['speedup']:.4g}x ({s['simulator_us_per_design']:.3g} us/design simulated vs "
                  f"{s['proxy_us_per_design']:.3g} us/design predicted, batch of {int(s['designs'])})")


@proxy_app.command("eval")
def proxy_eval_cmd(
    model: Path = typer.Argument(..., help="Model file (.skops)"),
    run_dirs: list[Path] = typer.Argument(..., help="Run directories with logged evaluations to predict"),
) -> None:
    """Accuracy of a saved proxy on logged designs (relative RMSE, MAPE, R^2, Spearman)."""
    from archgym_lite.proxy import eval_proxy

    with cli_errors():
        table = eval_proxy(model, run_dirs)
    console.print(table.to_string(index=False, float_format=lambda v: f"{v:.4g}"))


@proxy_app.command("search")
def proxy_search_cmd(
    model: Path = typer.Argument(..., help="Model file (.skops)"),
    agent: str = typer.Option("random", "--agent"),
    budget: int = typer.Option(1000, "--budget", min=1),
    seed: int = typer.Option(0, "--seed"),
    top_k: int = typer.Option(10, "--top-k", min=1, help="Designs re-simulated on the real simulator"),
    param: list[str] = typer.Option(None, "--param", "-p", help="Agent hyperparameter KEY=VALUE"),
    out: Path = typer.Option(Path("runs/proxy-search"), "--out", help="Where the proxy trial is logged"),
) -> None:
    """Search on the proxy, then re-simulate the top-k designs and report the proxy-vs-real gap."""
    from archgym_lite.proxy import search_on_proxy

    with cli_errors():
        table = search_on_proxy(model, agent, budget, seed=seed, top_k=top_k,
                                agent_params=parse_assignments(param, "--param"), out_dir=out)
    cols = [c for c in table.columns if c.startswith("p_")] + ["proxy_reward", "real_reward", "gap"]
    console.print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    console.print(f"best real reward among the top {len(table)}: {table['real_reward'].max():.4g} "
                  f"(mean |gap| {table['gap'].abs().mean():.3g})")


from archgym_lite.cli_plugins import check_cmd, new_env_cmd  # noqa: E402  (they import from this module lazily)

app.command("new-env")(new_env_cmd)
app.command("check")(check_cmd)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    main()
