"""Reports over a run directory: summary tables (Markdown + CSV), Pareto fronts and PNG plots.

``write_report(RUN_DIR)`` reads ``RUN_DIR/trials/*.json`` manifests and ``*.parquet`` logs (or the files
directly under ``RUN_DIR``) and writes into ``RUN_DIR/report/``: ``report.md``, ``summary.csv`` (env × agent ×
hyperparameter setting), ``best.csv`` (env × agent: its best setting's own row), ``pareto_<env>.csv`` and the
PNGs ``best_so_far_<env>.png``, ``hypervolume_<env>.png``, ``lottery_<env>.png`` and ``pareto_<env>.png``.

Statistics use **completed** trials only; failed, incomplete (no manifest) or unreadable trials are counted
per setting and listed in ``report.md``, never fatal. Targets, hit rates, identical-trial flags and
hypervolumes are defined in :mod:`archgym_lite.report.analysis`. The Pareto front is over **feasible** logged
designs with finite values of two metrics (default: the objective's traded or target metrics).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from archgym_lite.core.errors import SpecError
from archgym_lite.report.analysis import DEFAULT_TARGET, analyse_env
from archgym_lite.trials.logs import LOG_SUFFIX, MANIFEST_SUFFIX
from archgym_lite.utils.files import atomic_path, atomic_write_text, ensure_output_dir


def slug(text: str) -> str:
    """A filesystem-safe file-name fragment: ``archgym/DRAM-v0`` → ``archgym_DRAM-v0``."""
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_.") or "env"


def setting_label(params: Mapping[str, Any]) -> str:
    """``batch_size=4, greedy=True``; ``default`` for no hyperparameters."""
    return ", ".join(f"{k}={v}" for k, v in sorted(params.items())) or "default"


# --- loading --------------------------------------------------------------------------------------------
def load_run(run_dir: str | Path) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, dict[str, Any]]]:
    """Read every trial of a run directory.

    Returns:
        ``(trials, rows, manifests)``: one row per trial (env, agent, setting, seed, status, error, n_rows),
        every logged evaluation (with ``env`` and ``status`` columns added), and the manifests by trial id.

    Raises:
        SpecError: The directory does not exist or holds no trial manifests or logs.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise SpecError("no such run directory", str(run_dir))
    base = run_dir / "trials" if (run_dir / "trials").is_dir() else run_dir
    manifests: dict[str, dict[str, Any]] = {}
    problems: dict[str, str] = {}
    frames = []
    for f in sorted(base.rglob(f"*{MANIFEST_SUFFIX}")):
        try:
            m = json.loads(f.read_text())
        except (OSError, ValueError) as exc:
            problems[f.stem] = f"unreadable manifest: {exc}"
            continue
        if isinstance(m, dict) and "trial_id" in m:
            manifests[str(m["trial_id"])] = m
    for f in sorted(base.rglob(f"*{LOG_SUFFIX}")):
        if not f.name.startswith("."):
            try:
                frames.append(pq.read_table(f).to_pandas())
            except (OSError, ValueError, pa.ArrowException) as exc:
                problems[f.stem] = f"unreadable log: {exc}"
    if not manifests and not frames and not problems:
        raise SpecError(f"no trial logs (*{LOG_SUFFIX} / *{MANIFEST_SUFFIX}) found", str(run_dir))
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(
        columns=["trial_id", "env_id", "agent", "agent_params", "seed", "step", "reward", "feasible"])
    first = rows.drop_duplicates("trial_id").set_index("trial_id")
    recs = []
    for tid in sorted(set(manifests) | set(first.index) | set(problems)):
        m = manifests.get(tid)
        r = first.loc[tid] if tid in first.index else None
        src: Mapping[str, Any] = m if m is not None else (r if r is not None else {})
        params = src.get("agent_params", {})
        params = json.loads(params) if isinstance(params, str) else dict(params or {})
        kwargs = (m or {}).get("env_kwargs") or {}
        status = str(m.get("status", "incomplete")) if m is not None else "incomplete"
        error = (m or {}).get("error") or (None if m is not None else "no manifest: the trial did not finish")
        if tid in problems:
            status, error = "failed", problems[tid]
        env_id = str(src.get("env_id", "?"))
        recs.append({"trial_id": tid, "env": env_id + (f"[{setting_label(kwargs)}]" if kwargs else ""),
                     "env_id": env_id, "agent": str(src.get("agent", "?")),
                     "setting": setting_label(params), "agent_params": json.dumps(params, sort_keys=True, default=str),
                     "seed": src.get("seed", -1), "status": status, "error": error,
                     "n_rows": int((rows["trial_id"] == tid).sum())})
    trials = pd.DataFrame(recs)
    info = trials.set_index("trial_id")
    rows = rows.assign(env=rows["trial_id"].map(info["env"]), status=rows["trial_id"].map(info["status"]),
                       setting=rows["trial_id"].map(info["setting"]))
    return trials, rows, manifests


def _directions(env_id: str, manifest: Mapping[str, Any], names: Sequence[str]) -> tuple[dict[str, bool], list]:
    """Metric directions from the env's simulator, else the manifest's ``metrics``, else assume minimise."""
    found: dict[str, bool] = {}
    try:
        from archgym_lite.core.registry import make

        sim = make(env_id, **(manifest.get("env_kwargs") or {})).simulator
        found = {m.name: bool(m.lower_is_better) for m in sim.metrics}
    except Exception:  # an env that no longer builds (plugin gone, trace moved): fall back to the manifest
        for m in manifest.get("metrics") or []:
            if isinstance(m, Mapping) and "name" in m:
                found[m["name"]] = bool(m.get("lower_is_better", m.get("goal", "min") == "min"))
    missing = [n for n in names if n not in found]
    return {n: found.get(n, True) for n in names}, missing


# --- analysis -------------------------------------------------------------------------------------------
@dataclass
class ReportResult:
    """What :func:`write_report` wrote: paths, and the tables behind them."""

    out_dir: Path
    markdown: Path
    summary_csv: Path
    best_csv: Path
    summary: pd.DataFrame
    best: pd.DataFrame
    failed: pd.DataFrame
    pareto_csvs: dict[str, Path] = field(default_factory=dict)
    pngs: list[Path] = field(default_factory=list)

    @property
    def paths(self) -> list[Path]:
        """Every file written."""
        return [self.markdown, self.summary_csv, self.best_csv, *self.pareto_csvs.values(), *self.pngs]


# --- writing --------------------------------------------------------------------------------------------
def _fmt(v: Any) -> str:
    if isinstance(v, (float, np.floating)):
        return "–" if not np.isfinite(v) else f"{v:.4g}"
    return str(v).replace("|", "\\|").replace("\n", " ")


def _md_table(df: pd.DataFrame) -> str:
    if df.empty:
        return "_(none)_\n"
    lines = ["| " + " | ".join(df.columns) + " |", "|" + "---|" * len(df.columns)]
    lines += ["| " + " | ".join(_fmt(v) for v in row) + " |" for row in df.itertuples(index=False)]
    return "\n".join(lines) + "\n"


def write_report(run_dir: str | Path, out_dir: str | Path | None = None, target: Any = None,
                 pareto_metrics: Sequence[str] | Mapping[str, Sequence[str]] | None = None,
                 best_known: float | Mapping[str, float] | None = None) -> ReportResult:
    """Write the report of a run directory (see the module docstring for files and conventions).

    Args:
        run_dir: A sweep's run directory (``trials/`` inside it, or trial files directly in it).
        out_dir: Where to write; default ``run_dir/report``.
        target: Reward target for hit rates and "evals to target": a reward, or a percentage of the env's best
            known reward such as ``"95%"`` (the default), for every env or as a mapping env id (or label) → value.
        pareto_metrics: Two metric names for every env, or a mapping env id (or label) → two names; default:
            the objective's traded (or target) metrics, then the env's other metrics, in log order.
        best_known: The best known reward (e.g. an exhaustive optimum) for every env or per env id (or label);
            the best known reward is the larger of it and the run's best.

    Raises:
        SpecError: No trial logs in ``run_dir``, a malformed target, or unknown or too few Pareto metrics.
    """
    from archgym_lite.report import plots

    trials, rows, manifests = load_run(run_dir)
    analyses = [analyse_env(env, trials, rows, manifests, target, pareto_metrics, best_known, _directions)
                for env in sorted(trials["env"].unique())]
    out = ensure_output_dir(Path(out_dir) if out_dir is not None else Path(run_dir) / "report",
                            "--out" if out_dir is not None else "report directory")
    summary = pd.concat([a["summary"] for a in analyses], ignore_index=True)
    best = pd.concat([a["best"] for a in analyses], ignore_index=True)
    failed = trials.loc[trials["status"] != "completed", ["trial_id", "env", "agent", "setting", "seed", "status",
                                                          "n_rows", "error"]].reset_index(drop=True)
    failed["error"] = [next((ln for ln in reversed(str(e or "").strip().splitlines()) if ln.strip()), "")[:160]
                       for e in failed["error"]]
    colours = plots.agent_colours(sorted(trials["agent"].unique()))
    res = ReportResult(out, out / "report.md", out / "summary.csv", out / "best.csv", summary, best, failed)
    n_done = int((trials["status"] == "completed").sum())
    what = (f"{DEFAULT_TARGET} of the env's best known reward, i.e. within 5% of it (best - 0.05 * |best|)"
            if target is None else f"{target} (a reward, or a percentage P of the best known: best - (1 - P) * |best|)")
    md = [f"# archgym report: `{Path(run_dir).name}`\n\n",
          f"{len(trials)} trials: {n_done} completed, {len(trials) - n_done} failed or incomplete. "
          "Tables: [summary.csv](summary.csv) (every setting), [best.csv](best.csv) (each agent's best setting, "
          "every column that setting's own).\n\n",
          "Conventions: best reward = a trial's maximum reward; median and IQR (q25–q75) over seeds of completed "
          f"trials; target = {what}; hit rate = share of a setting's trials whose best reward reaches the "
          "target, evals to target = median over seeds of the 1-based evaluation at which best-so-far first "
          "reaches it (– when half or more never do); identical trials = every seed of the setting logged the "
          "same designs (its IQR is no spread over seeds); hypervolume (nepers^k) = volume of the feasible "
          "designs' gains in the objective's traded (or target) metrics above its reference point, `hv_median` "
          "over trials, `hv_union` over all the setting's designs.\n"]
    used: set[str] = set()
    for a in analyses:
        name = base = slug(a["env"])
        for i in range(2, 1000):
            if name not in used:
                break
            name = f"{base}-{i}"
        used.add(name)
        md.append(f"\n## {a['env']}\n\nBest known reward: {_fmt(a['best_known'])}; target reward: "
                  f"{_fmt(a['target'])}.\n")
        md += [f"\n> Note: {n}\n" for n in a["notes"]]
        show = ["agent", "setting", "settings_compared", "trials", "failed", "best_reward_median", "best_reward_q25",
                "best_reward_q75", "best_reward_max", "hit_rate", "evals_to_target_median", "identical_trials",
                "hv_median"]
        md += ["\n### Best setting per agent\n\n", _md_table(a["best"][show] if len(a["best"]) else a["best"]),
               "\n### Every setting\n\n",
               _md_table(a["summary"].drop(columns=["env", "env_id", "agent_params", "target"]))]
        if a["curves"]:
            p = out / f"best_so_far_{name}.png"
            plots.plot_best_so_far(a["curves"], a["target"], colours, f"{a['env']}: best-so-far reward", p)
            p2 = out / f"lottery_{name}.png"
            plots.plot_lottery(a["summary"], colours, f"{a['env']}: hyperparameter lottery", p2, a["target"])
            res.pngs += [p, p2]
            md.append(f"\n![best so far]({p.name})\n\n![hyperparameter lottery]({p2.name})\n")
        if a["hv_curves"]:
            p = out / f"hypervolume_{name}.png"
            plots.plot_hypervolume(a["hv_curves"], colours, f"{a['env']}: hypervolume", p)
            res.pngs.append(p)
            md.append(f"\n![hypervolume vs evaluations]({p.name})\n")
        if "front" in a:
            x, y = a["names"]
            csv = out / f"pareto_{name}.csv"
            with atomic_path(csv) as tmp:
                a["front"].to_csv(tmp, index=False)
            res.pareto_csvs[a["env"]] = csv
            p = out / f"pareto_{name}.png"
            plots.plot_pareto(a["designs"], a["front"], x, y, a["minimise"], colours, f"{a['env']}: {x} vs {y}", p)
            res.pngs.append(p)
            goal = ["lower" if m else "higher" for m in a["minimise"]]
            md.append(f"\n### Pareto front: {x} ({goal[0]} is better) vs {y} ({goal[1]} is better)\n\n"
                      f"{len(a['front'])} non-dominated feasible designs → [{csv.name}]({csv.name})\n\n"
                      f"![pareto front]({p.name})\n")
    md += ["\n## Failed or incomplete trials\n\n", _md_table(failed)]
    for frame, path in ((summary, res.summary_csv), (best, res.best_csv)):
        with atomic_path(path) as tmp:
            frame.to_csv(tmp, index=False)
    atomic_write_text(res.markdown, "".join(md))  # last: report.md is the index of a complete report
    return res
