"""``archgym proxy train|eval|search``: learn a simulator from logs or samples, check it, search on it."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.text import Text

from archgym_lite.cli.common import cli_errors, console, parse_assignments
from archgym_lite.utils.files import ensure_output_dir, ensure_output_file

proxy_app = typer.Typer(no_args_is_help=True, help="Train, evaluate and search on proxy cost models.")


@proxy_app.command("train")
def proxy_train_cmd(
    run_dirs: list[Path] = typer.Argument(None, metavar="[RUN_DIR]...",
                                          help="Run directories whose logs are the training data"),
    env: str = typer.Option(..., "--env", help="Env id whose evaluations to learn"),
    out: Path = typer.Option(..., "--out", help="Model file to write (.skops)"),
    env_kwarg: list[str] = typer.Option(None, "--env-kwarg", "-k", metavar="KEY=VALUE",
                                        help="Env factory keyword argument (must match the logs; repeatable)"),
    sample: int = typer.Option(0, "--sample", min=0, help="Add N fresh simulator samples to the training data"),
    sampling: str = typer.Option("uniform", "--sampling", help="uniform or lhs (Latin hypercube)"),
    test_fraction: float = typer.Option(0.2, "--test-fraction", help="Held-out share of the unique designs"),
    fresh_test: int = typer.Option(500, "--fresh-test", min=0, help="Fresh uniform designs for an unbiased test"),
    seed: int = typer.Option(0, "--seed", help="Seed of sampling, the train/test split and the models"),
    metric: list[str] = typer.Option(None, "--metric", "-m", metavar="METRIC",
                                     help="Only this metric (repeatable; default: all)"),
    trees: int = typer.Option(200, "--trees", min=1, help="Trees per forest / boosting model size"),
) -> None:
    """Train a proxy (one model per metric, chosen by CV) and report held-out accuracy and speedup."""
    from archgym_lite.proxy import train_proxy

    with cli_errors():
        ensure_output_file(out, "--out")
        res = train_proxy(env, run_dirs or [], env_kwargs=parse_assignments(env_kwarg, "--env-kwarg"),
                          sample=sample, sampling=sampling, test_fraction=test_fraction, fresh_test=fresh_test,
                          seed=seed, out=out, metrics=metric or None, n_estimators=trees)
    console.print(f"trained on {res.train_size} unique designs -> {res.path}", markup=False)
    console.print(res.report.to_string(index=False, float_format=lambda v: f"{v:.4g}"), markup=False)
    s = res.speedup
    console.print(f"speedup: {s['speedup']:.4g}x ({s['simulator_us_per_design']:.3g} us/design simulated vs "
                  f"{s['proxy_us_per_design']:.3g} us/design predicted, batch of {int(s['designs'])})")


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
