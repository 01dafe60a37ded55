"""``archgym proxy train|loop|eval|search``: learn a simulator, check it, search on it, keep it honest in a loop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.text import Text

from archgym_lite.cli.common import cli_errors, console, err_console, parse_assignments
from archgym_lite.core.errors import SpecError
from archgym_lite.utils.files import ensure_output_dir, ensure_output_file

proxy_app = typer.Typer(no_args_is_help=True, help="Train, evaluate and search on proxy cost models.")


def _table(frame: Any) -> str:
    return frame.to_string(index=False, float_format=lambda v: f"{v:.4g}")


def _settings(items: list[str] | None) -> dict[str, Any]:
    from archgym_lite.proxy import ProxySettings

    values = parse_assignments(items, "--set")
    for key in values:
        if key not in ProxySettings.model_fields:
            raise SpecError(f"unknown setting {key!r}; allowed: {sorted(ProxySettings.model_fields)}", "--set")
    return values


@proxy_app.command("train")
def proxy_train_cmd(
    run_dirs: list[Path] = typer.Argument(None, metavar="[RUN_DIR]...",
                                          help="Run directories whose logs are the training data"),
    env: str = typer.Option(..., "--env", help="Env id whose evaluations to learn"),
    out: Path = typer.Option(..., "--out", help="Model file to write (.skops)"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", metavar="KEY=VALUE",
                                        help="Env factory keyword argument (must match the logs; repeatable)"),
    sample: int = typer.Option(0, "--sample", min=0, help="Add N fresh simulated designs to the training data"),
    sampling: str = typer.Option("active", "--sampling",
                                 help="active (where the proxy is unsure), lhs (Latin hypercube) or uniform"),
    test_fraction: float = typer.Option(None, "--test-fraction",
                                        help="Held-out share of the unique designs (default 0.2 with logs, else 0)"),
    fresh_test: int = typer.Option(1000, "--fresh-test", min=0, help="Fresh uniform designs for an unbiased test"),
    seed: int = typer.Option(0, "--seed", help="Seed of sampling, the train/test split and the models"),
    metric: list[str] = typer.Option(None, "--metric", "-m", metavar="METRIC",
                                     help="Only this metric (repeatable; default: all)"),
    model: list[str] = typer.Option(None, "--model", metavar="KIND",
                                    help="Candidate model (repeatable; default: extra_trees, random_forest, "
                                         "hist_gb, mlp), chosen per metric by cross-validation"),
    trees: int = typer.Option(None, "--trees", min=1, help="Trees per forest (default 32)"),
    no_distill: bool = typer.Option(False, "--no-distill", help="Keep the chosen models, no distilled tree"),
    setting: list[str] = typer.Option(None, "--set", metavar="KEY=VALUE",
                                      help="Model setting (repeatable), e.g. mlp_epochs=300, distill_designs=1e5"),
) -> None:
    """Train a proxy (a model per metric chosen by CV, distilled into one tree) and report accuracy and speed."""
    from archgym_lite.proxy import CANDIDATES, RichReporter, train_proxy

    with cli_errors():
        ensure_output_file(out, "--out")
        settings = _settings(setting)
        if no_distill:
            settings["distill"] = False
        with RichReporter(err_console) as reporter:
            res = train_proxy(env, run_dirs or [], env_kwargs=parse_assignments(env_kwarg, "--env-kwarg"),
                              sample=sample, sampling=sampling, test_fraction=test_fraction, fresh_test=fresh_test,
                              seed=seed, out=out, metrics=metric or None, n_estimators=trees,
                              candidates=tuple(model or CANDIDATES), settings=settings, reporter=reporter)
    console.print(f"trained on {res.train_size} unique designs -> {res.path} "
                  f"({(res.file_bytes or 0) / 1e6:.2f} MB): {res.model.describe()}", markup=False)
    if not res.report.empty:
        console.print(_table(res.report), markup=False)
    s = res.speedup
    console.print(f"speedup: {s['speedup']:.4g}x = batched simulator {s['simulator_s']:.4g} s / batched proxy "
                  f"{s['proxy_s']:.4g} s on the same {int(s['designs'])} designs "
                  f"({s['simulator_us_per_design']:.3g} vs {s['proxy_us_per_design']:.3g} us/design)", markup=False)
    if res.throughput:
        tp = res.throughput
        console.print(f"throughput: {tp['designs_per_s']:,.0f} designs/s for all metrics on one core (CPU time; "
                      f"{tp['designs_per_wall_s']:,.0f}/s wall clock, load average {tp['load_average']:.1f}; "
                      f"batch of {int(tp['designs']):,})", markup=False)
    console.print(f"peak memory: {res.peak_rss_mb:.0f} MB resident", markup=False)
    console.print("goals:\n" + _table(res.goals), markup=False)


@proxy_app.command("loop")
def proxy_loop_cmd(
    env: str = typer.Option(..., "--env", help="Env id to explore"),
    out: Path = typer.Option(Path("runs/proxy-loop"), "--out",
                             help="Directory for proxy.skops, rounds.csv and the search logs"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", metavar="KEY=VALUE",
                                        help="Env factory keyword argument (repeatable)"),
    init: int = typer.Option(500, "--init", min=2, help="Designs simulated before the first round"),
    sampling: str = typer.Option("lhs", "--sampling", help="How the first designs are drawn: lhs or uniform"),
    agent: str = typer.Option("random", "--agent", help="Agent that searches the proxy"),
    param: list[str] = typer.Option(None, "--param", "-p", metavar="KEY=VALUE", help="Agent hyperparameter"),
    budget: int = typer.Option(2000, "--budget", min=1, help="Proxy evaluations per search"),
    top_k: int = typer.Option(20, "--top-k", min=1, help="New designs verified on the simulator per round"),
    tolerance: float = typer.Option(0.01, "--tolerance",
                                    help="Stop when the verified relative gap is below this (0.01 = 1%)"),
    max_rounds: int = typer.Option(10, "--max-rounds", min=1, help="Rounds at most"),
    seed: int = typer.Option(0, "--seed", help="Seed of sampling, models and agents"),
    model: list[str] = typer.Option(None, "--model", metavar="KIND", help="Candidate model (repeatable)"),
    setting: list[str] = typer.Option(None, "--set", metavar="KEY=VALUE", help="Model setting (repeatable)"),
) -> None:
    """Sample -> train -> search on the proxy -> verify the top-k -> retrain, until the verified gap is small."""
    from archgym_lite.proxy import CANDIDATES, RichReporter
    from archgym_lite.proxy.loop import proxy_loop

    with cli_errors():
        ensure_output_dir(out, "--out")
        settings = _settings(setting)
        with RichReporter(err_console) as reporter:
            res = proxy_loop(env, out, env_kwargs=parse_assignments(env_kwarg, "--env-kwarg"), init=init,
                             sampling=sampling, agent=agent, agent_params=parse_assignments(param, "--param"),
                             budget=budget, top_k=top_k, tolerance=tolerance, max_rounds=max_rounds, seed=seed,
                             candidates=tuple(model or CANDIDATES), settings=settings, reporter=reporter)
    cols = [c for c in res.rounds.columns if c != "model"]
    console.print(_table(res.rounds[cols]), markup=False)
    state = "converged" if res.converged else f"not converged after {len(res.rounds)} rounds"
    console.print(f"{state}: {len(res.data)} designs simulated; proxy -> {res.path}", markup=False)


@proxy_app.command("eval")
def proxy_eval_cmd(
    model: Path = typer.Argument(..., help="Model file (.skops)"),
    run_dirs: list[Path] = typer.Argument(..., metavar="RUN_DIR...",
                                          help="Run directories with logged evaluations to predict"),
) -> None:
    """Accuracy of a saved proxy on logged designs (relative RMSE, MAPE, R^2, Spearman)."""
    from archgym_lite.proxy import eval_proxy

    with cli_errors():
        result = eval_proxy(model, run_dirs)
    console.print(result.to_string(index=False, float_format=lambda v: f"{v:.4g}"), markup=False)


@proxy_app.command("search")
def proxy_search_cmd(
    model: Path = typer.Argument(..., help="Model file (.skops)"),
    agent: str = typer.Option("random", "--agent", help="Agent that searches the proxy (see `archgym agents list`)"),
    budget: int = typer.Option(1000, "--budget", min=1, help="Evaluations on the proxy"),
    seed: int = typer.Option(0, "--seed", help="Seed of the agent"),
    top_k: int = typer.Option(10, "--top-k", min=1, help="Designs re-simulated on the real simulator"),
    param: list[str] = typer.Option(None, "--param", "-p", metavar="KEY=VALUE",
                                    help="Agent hyperparameter (repeatable)"),
    out: Path = typer.Option(Path("runs/proxy-search"), "--out", help="Where the proxy trial is logged"),
) -> None:
    """Search on the proxy, then re-simulate the top-k designs and report the proxy-vs-real gap."""
    from archgym_lite.proxy import search_on_proxy

    with cli_errors():
        ensure_output_dir(out, "--out")
        found = search_on_proxy(model, agent, budget, seed=seed, top_k=top_k,
                                agent_params=parse_assignments(param, "--param"), out_dir=out)
    cols = [c for c in found.columns if c.startswith("p_")] + ["proxy_reward", "real_reward", "gap"]
    console.print(found[cols].to_string(index=False, float_format=lambda v: f"{v:.4g}"), markup=False)
    console.print(Text(f"best real reward among the top {len(found)}: {found['real_reward'].max():.4g} "
                       f"(mean |gap| {found['gap'].abs().mean():.3g})"))
