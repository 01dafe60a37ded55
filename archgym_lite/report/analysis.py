"""Per-env statistics of a run: per-setting rewards, hit rates at a target, hypervolumes, the Pareto front.

Conventions (also written into ``report.md``):

* A trial's *best reward* is its maximum logged reward; medians and IQRs (q25, q75, linear interpolation) are
  taken over a setting's completed trials, i.e. over seeds.
* *Best known* reward of an env: the largest of its trials' best rewards and of a given ``best_known`` value
  (e.g. an exhaustive optimum). The *target* defaults to ``95%`` of it, read as "within 5% of the best
  known": ``best_known - 0.05 * |best_known|`` (so it stays below the best known for negative rewards too).
  A fixed reward can be given instead. Unlike the median of the sweep's trials, this target does not move
  with the agents that happen to be in the sweep.
* *Hit rate*: the share of a setting's trials whose best reward reaches the target; *evals to target*: the
  median 1-based evaluation at which best-so-far first reaches it (a miss counts as infinity; NaN when half
  or more miss).
* *Identical trials*: a setting with two or more completed trials that all logged the same designs in the
  same order (its seed has no effect, so its IQR is not a spread over seeds).
* *Hypervolume*: under each trial's own objective (its manifest): the volume, in nepers^k, of the feasible
  designs' gains in the objective's traded metrics above its reference point
  (:meth:`~archgym_lite.core.objective.Objective.hypervolume`). ``hv_median`` is over a setting's trials;
  ``hv_union`` pools the setting's designs.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from archgym_lite.core.errors import SpecError
from archgym_lite.core.objective import Objective
from archgym_lite.core.simulator import Metric
from archgym_lite.report.fronts import best_so_far, evals_to_target, pareto_mask

#: The default target: this percentage of the best known reward.
DEFAULT_TARGET = "95%"


def pick(value: Any, env: str, env_id: str) -> Any:
    """Per-env value of an option given once for all envs or as a mapping keyed by env label or env id."""
    return value.get(env, value.get(env_id)) if isinstance(value, Mapping) else value


def resolve_target(spec: Any, best_known: float, path: str = "target") -> float:
    """The reward target: a number as is, or ``"P%"`` of ``best_known`` (``best - (1 - P/100) * |best|``)."""
    if spec is None:
        spec = DEFAULT_TARGET
    if isinstance(spec, str) and spec.strip().endswith("%"):
        try:
            pct = float(spec.strip()[:-1])
        except ValueError:
            pct = math.nan
        if not 0.0 < pct <= 100.0:
            raise SpecError(f"a percentage must be in (0%, 100%], got {spec!r}", path)
        return best_known - (1.0 - pct / 100.0) * abs(best_known) if math.isfinite(best_known) else math.nan
    try:
        value = float(spec)
    except (TypeError, ValueError):
        raise SpecError(f"must be a reward (e.g. 1.5) or a percentage of the best known reward (e.g. 95%), "
                        f"got {spec!r}", path) from None
    if not math.isfinite(value):
        raise SpecError(f"must be finite, got {spec!r}", path)
    return value


def objective_of(manifest: Mapping[str, Any]) -> Objective | None:
    """The objective a trial ran under, rebuilt from its manifest (``None`` when the manifest lacks it)."""
    spec, metrics = manifest.get("objective"), manifest.get("metrics")
    if not isinstance(spec, Mapping) or not metrics:
        return None
    try:
        return Objective.from_spec(spec, [Metric(m["name"], m.get("unit", ""), bool(m.get("lower_is_better", True)))
                                          for m in metrics])
    except (SpecError, KeyError, TypeError):
        return None


def _stats(values: list[float]) -> tuple[float, float, float]:
    v = np.asarray([x for x in values if np.isfinite(x)], dtype=float)
    return tuple(np.percentile(v, [50, 25, 75])) if v.size else (np.nan,) * 3  # type: ignore[return-value]


def _median_with_misses(evals: list[float]) -> float:
    """Median where a miss is +inf; NaN when at least half the trials missed (or there are none)."""
    med = float(np.median(evals)) if evals else np.nan
    return med if np.isfinite(med) else np.nan


def _metrics_of(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    return {c[2:]: frame[c].to_numpy(float) for c in frame.columns if c.startswith("m_")}


def _pareto_names(requested: Any, env: str, metric_cols: list[str], objective: Any) -> list[str]:
    if requested is not None:
        names = [requested] if isinstance(requested, str) else list(requested)
        bad = [n for n in names if n not in metric_cols]
        if bad or len(names) != 2:
            what = f"unknown metric {bad[0]!r}" if bad else f"needs exactly two metrics, got {names}"
            raise SpecError(f"{what} for env {env}; allowed: {metric_cols}", "pareto_metrics")
        return names
    spec = objective or {}
    first = [t for t in (spec.get("trade") or spec.get("targets") or {}) if t in metric_cols]
    return (first + [c for c in metric_cols if c not in first])[:2]


def analyse_env(env: str, trials: pd.DataFrame, rows: pd.DataFrame, manifests: Mapping[str, Any], target: Any,
                pareto_metrics: Any, best_known: Any, directions: Any) -> dict[str, Any]:
    """Every statistic of one env (see the module docstring); ``directions(env_id, manifest, names)`` gives
    the Pareto metrics' directions and the names it could not find."""
    t_env = trials[trials["env"] == env]
    env_id = str(t_env["env_id"].iloc[0])
    ok = t_env[t_env["status"] == "completed"]
    done = rows[(rows["env"] == env) & (rows["status"] == "completed")].sort_values(["trial_id", "step"])
    by_trial = {tid: g for tid, g in done.groupby("trial_id")}
    curves = {tid: g["reward"].to_numpy(float) for tid, g in by_trial.items()}
    best = {tid: float(np.nanmax(curves[tid])) if len(curves.get(tid, ())) else np.nan for tid in ok["trial_id"]}
    found = [b for b in best.values() if np.isfinite(b)]
    given = pick(best_known, env, env_id)
    known = max(found + ([float(given)] if given is not None else []), default=np.nan)
    tv = resolve_target(pick(target, env, env_id), known)
    ett = {tid: float(evals_to_target(curves.get(tid, ()), tv) or np.inf) for tid in best}
    pcols = [c for c in done.columns if c.startswith("p_") and done[c].notna().any()]
    out: dict[str, Any] = {"env": env, "env_id": env_id, "target": tv, "best_known": known, "notes": [],
                           "names": []}
    # hypervolume per trial, under the trial's own objective
    objectives = {tid: objective_of(manifests.get(tid, {})) for tid in ok["trial_id"]}
    hv_curve = {tid: obj.hypervolume_curve(_metrics_of(by_trial[tid])) for tid, obj in objectives.items()
                if obj is not None and tid in by_trial}
    hv = {tid: (float(c[-1]) if len(c) else 0.0) for tid, c in hv_curve.items()}
    signature = {tid: pd.util.hash_pandas_object(by_trial[tid][pcols], index=False).to_numpy().tobytes()
                 for tid in by_trial}
    metric_cols = [c[2:] for c in done.columns if c.startswith("m_") and done[c].notna().any()]
    if len(ok) and not done.empty:
        objs = {json.dumps(manifests.get(t, {}).get("objective"), sort_keys=True) for t in ok["trial_id"]}
        if len(objs) > 1:
            out["notes"].append("trials use different objectives: their rewards and hypervolumes are not comparable")
        manifest = manifests.get(ok["trial_id"].iloc[0], {})
        out["names"] = _pareto_names(pick(pareto_metrics, env, env_id), env, metric_cols, manifest.get("objective"))
    if len(out["names"]) == 2:
        names = out["names"]
        dirs, missing = directions(env_id, manifest, names)
        if missing:
            out["notes"].append(f"direction of {missing} unknown (env does not build): assumed lower-is-better")
        minimise, cols = [dirs[n] for n in names], [f"m_{n}" for n in names]
        designs = done[np.isfinite(done[cols].to_numpy(float)).all(axis=1)]
        feas = designs[designs["feasible"].eq(True)]
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
        hv_ids = [t for t in ids if t in hv]
        union = np.nan
        if hv_ids and len({json.dumps(manifests[t].get("objective"), sort_keys=True) for t in hv_ids}) == 1:
            union = objectives[hv_ids[0]].hypervolume(_metrics_of(pd.concat([by_trial[t] for t in hv_ids])))
        sigs = [signature[t] for t in ids if t in signature]
        recs.append({"env": env, "env_id": env_id, "agent": agent, "setting": setting,
                     "agent_params": g["agent_params"].iloc[0], "trials": len(ids), "failed": len(g) - len(ids),
                     "best_reward_median": med, "best_reward_q25": q25, "best_reward_q75": q75,
                     "best_reward_max": max([best[t] for t in ids], default=np.nan), "target": tv,
                     "evals_to_target_median": _median_with_misses(e),
                     "hit_rate": float(np.mean(np.isfinite(e))) if e else np.nan,
                     "identical_trials": len(sigs) >= 2 and len(set(sigs)) == 1,
                     "hv_median": _stats([hv[t] for t in hv_ids])[0], "hv_union": union})
    summary = pd.DataFrame(recs)
    out["summary"] = summary
    out["best"] = _best_settings(summary)
    out["curves"] = _curves(ok, out["best"], "setting", {t: best_so_far(c) for t, c in curves.items() if len(c)})
    hv_best = _best_settings(summary, "hv_median")
    out["hv_curves"] = _curves(ok, hv_best, "setting", hv_curve) if hv_curve else {}
    return out


def _best_settings(summary: pd.DataFrame, by: str = "best_reward_median") -> pd.DataFrame:
    """Each agent's best setting (by ``by``): that setting's own summary row, and how many were compared."""
    rows = []
    for _agent, g in summary.groupby("agent", sort=True):
        top = g.loc[g[by].fillna(-np.inf).idxmax()]
        rows.append({"settings_compared": len(g), **top.drop(["env_id", "agent_params"]).to_dict()})
    cols = ["env", "agent", "setting", "settings_compared"]
    df = pd.DataFrame(rows)
    return df[cols + [c for c in df.columns if c not in cols]] if len(df) else df


def _curves(ok: pd.DataFrame, chosen: pd.DataFrame, key: str, per_trial: Mapping[str, np.ndarray]) -> dict:
    """agent → (legend label, trials × evaluations matrix, NaN-padded) for each agent's chosen setting."""
    out = {}
    for b in chosen.to_dict("records"):
        ids = ok["trial_id"][(ok["agent"] == b["agent"]) & (ok["setting"] == b[key])]
        mats = [per_trial[t] for t in ids if t in per_trial and len(per_trial[t])]
        if mats:
            mat = np.full((len(mats), max(map(len, mats))), np.nan)
            for i, c in enumerate(mats):
                mat[i, : len(c)] = c
            out[b["agent"]] = (f"{b['agent']} ({b[key]})", mat)
    return out
