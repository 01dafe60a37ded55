"""Reports over a run directory: summary tables (Markdown + CSV), Pareto fronts and PNG plots.

``write_report(RUN_DIR)`` reads ``RUN_DIR/trials/*.json`` manifests and ``*.parquet`` logs (or the files
directly under ``RUN_DIR``) and writes into ``RUN_DIR/report/``: ``report.md``, ``summary.csv`` (env × agent ×
hyperparameter setting), ``best.csv`` (env × agent, its best setting), ``pareto_<env>.csv`` and the PNGs
``best_so_far_<env>.png``, ``lottery_<env>.png`` and ``pareto_<env>.png``.

Conventions:
    * Statistics use **completed** trials only; failed, incomplete (no manifest) or unreadable trials are
      counted per setting and listed in ``report.md``, never fatal.
    * A trial's *best reward* is its maximum logged reward; medians and IQRs (q25, q75, linear interpolation)
      are taken over a setting's trials, i.e. over seeds.
    * *Target* (per env, overridable): the median over all the env's completed trials of their best reward, so
      about half the trials reach it. *Evals to target* is the 1-based evaluation count at which the trial's
      best-so-far first reaches the target; its median counts a miss as infinity (NaN when over half missed).
    * *Pareto front / hypervolume*: over **feasible** logged designs (the ``feasible`` column) with finite values
      of the two Pareto metrics. Each metric is min-max normalised over all of the env's such designs to [0, 1]
      with 0 the best value (direction from ``Metric.lower_is_better``), and the exact 2-D hypervolume is taken
      against the reference point ``(1.1, 1.1)``: a value in ``[0, 1.21]``, larger is better.
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
from archgym_lite.report.fronts import (
    HV_REF,
    best_so_far,
    evals_to_target,
    hypervolume_2d,
    normalise,
    pareto_mask,
)
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


def _pick(value: Any, env: str, env_id: str) -> Any:
    """Per-env value of an option given once for all envs or as a mapping keyed by env label or env id."""
    return value.get(env, value.get(env_id)) if isinstance(value, Mapping) else value


def _pareto_names(requested: Any, env: str, metric_cols: list[str], objective: Any) -> list[str]:
    if requested is not None:
        names = [requested] if isinstance(requested, str) else list(requested)
        bad = [n for n in names if n not in metric_cols]
        if bad or len(names) != 2:
            what = f"unknown metric {bad[0]!r}" if bad else f"needs exactly two metrics, got {names}"
            raise SpecError(f"{what} for env {env}; allowed: {metric_cols}", "pareto_metrics")
        return names
    targets = [t for t in ((objective or {}).get("targets") or {}) if t in metric_cols]
    return (targets + [c for c in metric_cols if c not in targets])[:2]


def _stats(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    return tuple(np.percentile(v, [50, 25, 75])) if v.size else (np.nan,) * 3  # type: ignore[return-value]


def _median_with_misses(evals: list[float]) -> float:
    """Median where a miss is +inf; NaN when at least half the trials missed (or there are none)."""
    med = float(np.median(evals)) if evals else np.nan
    return med if np.isfinite(med) else np.nan


def _analyse_env(env: str, trials: pd.DataFrame, rows: pd.DataFrame, manifests: Mapping[str, Any],
                 target: Any, pareto_metrics: Any) -> dict[str, Any]:
    t_env = trials[trials["env"] == env]
    env_id = str(t_env["env_id"].iloc[0])
    ok = t_env[t_env["status"] == "completed"]
    done = rows[(rows["env"] == env) & (rows["status"] == "completed")].sort_values(["trial_id", "step"])
    curves = {tid: g["reward"].to_numpy(float) for tid, g in done.groupby("trial_id")}
    best = {tid: float(np.nanmax(curves[tid])) if len(curves.get(tid, ())) else np.nan for tid in ok["trial_id"]}
    tv = _pick(target, env, env_id)
    tv = float(np.nanmedian(list(best.values()))) if tv is None and np.isfinite(list(best.values())).any() else tv
    tv = np.nan if tv is None else float(tv)
    ett = {tid: float(evals_to_target(curves.get(tid, ()), tv) or np.inf) for tid in best}
    out: dict[str, Any] = {"env": env, "env_id": env_id, "target": tv, "notes": [], "names": []}
    metric_cols = [c[2:] for c in done.columns if c.startswith("m_") and done[c].notna().any()]
    if len(ok) and not done.empty:
        objs = {json.dumps(manifests.get(t, {}).get("objective"), sort_keys=True) for t in ok["trial_id"]}
        if len(objs) > 1:
            out["notes"].append("trials use different objectives: their rewards are not comparable")
        manifest = manifests.get(ok["trial_id"].iloc[0], {})
        names = _pareto_names(_pick(pareto_metrics, env, env_id), env, metric_cols, manifest.get("objective"))
        out["names"] = names
    hv_trial: dict[str, float] = {}
    hv_group: dict[tuple[str, ...], float] = {}
    if len(out["names"]) == 2:
        names = out["names"]
        dirs, missing = _directions(env_id, manifest, names)
        if missing:
            out["notes"].append(f"direction of {missing} unknown (env does not build): assumed lower-is-better")
        minimise, cols = [dirs[n] for n in names], [f"m_{n}" for n in names]
        designs = done[np.isfinite(done[cols].to_numpy(float)).all(axis=1)]
        feas = designs[designs["feasible"].eq(True)]
        z = normalise(feas[cols].to_numpy(float), minimise)
        for tid in ok["trial_id"]:
            hv_trial[tid] = hypervolume_2d(z[(feas["trial_id"] == tid).to_numpy()], HV_REF)
        for key, g in feas.groupby(["agent", "setting"]):
            hv_group[key] = hypervolume_2d(z[feas.index.get_indexer(g.index)], HV_REF)
        for agent, g in feas.groupby("agent"):
            hv_group[(agent,)] = hypervolume_2d(z[feas.index.get_indexer(g.index)], HV_REF)
        pcols = [c for c in done.columns if c.startswith("p_") and done[c].notna().any()]
        mcols = [f"m_{m}" for m in metric_cols]
        front = feas[pareto_mask(feas[cols].to_numpy(float), minimise)].sort_values(["step", "trial_id"])
        front = front.drop_duplicates([*pcols, *mcols, "agent"]).sort_values(cols[0], ascending=minimise[0])
        out.update(minimise=minimise, designs=designs, front=front[
            ["agent", "setting", "trial_id", "seed", "step", *pcols, *mcols, "reward"]].reset_index(drop=True))
    elif len(ok):
        out["notes"].append(f"no Pareto front: the env logs fewer than two metrics ({metric_cols})")
    recs = []
    for (agent, setting), g in t_env.groupby(["agent", "setting"], sort=True):
        ids = [t for t in g["trial_id"] if t in best]
        med, q25, q75 = _stats([best[t] for t in ids])
        e = [ett[t] for t in ids]
        recs.append({"env": env, "env_id": env_id, "agent": agent, "setting": setting,
                     "agent_params": g["agent_params"].iloc[0], "trials": len(ids), "failed": len(g) - len(ids),
                     "best_reward_median": med, "best_reward_q25": q25, "best_reward_q75": q75,
                     "best_reward_max": max([best[t] for t in ids], default=np.nan), "target": tv,
                     "evals_to_target_median": _median_with_misses(e),
                     "hit_rate": float(np.mean(np.isfinite(e))) if e else np.nan,
                     "hv_median": _stats([hv_trial[t] for t in ids])[0] if hv_trial else np.nan,
                     "hv_union": hv_group.get((agent, setting), 0.0) if hv_trial and ids else np.nan})
    summary = pd.DataFrame(recs)
    best_rows = []
    for agent, g in summary.groupby("agent", sort=True):
        top = g.loc[g["best_reward_median"].fillna(-np.inf).idxmax()]
        best_rows.append({"env": env, "agent": agent, "best_setting": top["setting"], "settings": len(g),
                          "trials": int(g["trials"].sum()), "failed": int(g["failed"].sum()),
                          **{k: top[k] for k in ("best_reward_median", "best_reward_q25", "best_reward_q75")},
                          "best_reward_max": g["best_reward_max"].max(),
                          **{k: top[k] for k in ("evals_to_target_median", "hit_rate", "hv_median")},
                          "hv_agent": hv_group.get((agent,), 0.0) if hv_trial else np.nan})
    out["summary"], out["best"] = summary, pd.DataFrame(best_rows)
    out["curves"] = {}
    for b in best_rows:
        ids = ok["trial_id"][(ok["agent"] == b["agent"]) & (ok["setting"] == b["best_setting"])]
        mats = [best_so_far(curves[t]) for t in ids if len(curves.get(t, ()))]
        if mats:
            mat = np.full((len(mats), max(map(len, mats))), np.nan)
            for i, c in enumerate(mats):
                mat[i, : len(c)] = c
            out["curves"][b["agent"]] = (f"{b['agent']} ({b['best_setting']})", mat)
    return out


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
                 pareto_metrics: Sequence[str] | Mapping[str, Sequence[str]] | None = None) -> ReportResult:
    """Write the report of a run directory (see the module docstring for files and conventions).

    Args:
        run_dir: A sweep's run directory (``trials/`` inside it, or trial files directly in it).
        out_dir: Where to write; default ``run_dir/report``.
        target: Reward target for "evals to target": a number for every env, or a mapping env id (or env
            label) → number; default per env: the median of its completed trials' best rewards.
        pareto_metrics: Two metric names for every env, or a mapping env id (or label) → two names; default:
            the objective's target metrics, then the env's other metrics, in log order.

    Raises:
        SpecError: No trial logs in ``run_dir``, or an unknown or wrong number of Pareto metrics.
    """
    from archgym_lite.report import plots

    trials, rows, manifests = load_run(run_dir)
    analyses = [_analyse_env(env, trials, rows, manifests, target, pareto_metrics)
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
    md = [f"# archgym report: `{Path(run_dir).name}`\n\n",
          f"{len(trials)} trials: {n_done} completed, {len(trials) - n_done} failed or incomplete. "
          "Tables: [summary.csv](summary.csv) (every setting), [best.csv](best.csv) (best setting per agent).\n\n",
          "Conventions: best reward = a trial's maximum reward; median and IQR (q25–q75) over seeds of completed "
          "trials; target = (unless given) the median best reward over the env's completed trials; evals to target "
          "= median over seeds of the 1-based evaluation at which best-so-far first reaches the target (– when "
          "half or more never do), hit rate = fraction that do; hypervolume over feasible designs, each Pareto "
          f"metric min-max normalised over the env's designs to [0, 1] (0 = best), reference point {HV_REF} "
          "(max 1.21); `hv_median` per trial, `hv_union`/`hv_agent` over all the setting's/agent's designs.\n"]
    used: set[str] = set()
    for a in analyses:
        name = base = slug(a["env"])
        for i in range(2, 1000):
            if name not in used:
                break
            name = f"{base}-{i}"
        used.add(name)
        md.append(f"\n## {a['env']}\n\nTarget reward: {_fmt(a['target'])}.\n")
        md += [f"\n> Note: {n}\n" for n in a["notes"]]
        show = ["agent", "best_setting", "settings", "trials", "failed", "best_reward_median", "best_reward_q25",
                "best_reward_q75", "best_reward_max", "evals_to_target_median", "hit_rate", "hv_median", "hv_agent"]
        md += ["\n### Best setting per agent\n\n", _md_table(a["best"][show]), "\n### Every setting\n\n",
               _md_table(a["summary"].drop(columns=["env", "env_id", "agent_params", "target"]))]
        if a["curves"]:
            p = out / f"best_so_far_{name}.png"
            plots.plot_best_so_far(a["curves"], a["target"], colours, f"{a['env']}: best-so-far reward", p)
            p2 = out / f"lottery_{name}.png"
            plots.plot_lottery(a["summary"], colours, f"{a['env']}: hyperparameter lottery", p2)
            res.pngs += [p, p2]
            md.append(f"\n![best so far]({p.name})\n\n![hyperparameter lottery]({p2.name})\n")
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
