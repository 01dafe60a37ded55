"""The proxy in the loop: sample -> train -> search on the proxy -> verify -> retrain, until the proxy is right.

Round ``r``:

1. **train** a proxy on every design simulated so far (round 0: ``init`` fresh designs);
2. **search** on it: ``agent`` spends ``budget`` evaluations on the proxy env (logged like any trial);
3. **verify**: the ``top_k`` best designs by proxy reward *that were never simulated* are simulated;
4. the **verified gap** is the relative RMSE between the proxy's and the simulator's values on those designs,
   the largest over the objective's metrics. Below ``tolerance`` the loop stops (converged); otherwise the
   verified designs join the training data (active learning: exactly where the search goes, the proxy
   learns) and the next round starts.

Only unseen designs are verified: the training designs are predicted almost exactly by construction, so
counting them would understate the gap. Every row of the round table says how many simulator evaluations
were spent so far and what the best *simulated* design's reward is.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from archgym_lite.core.errors import SpecError
from archgym_lite.core.registry import agent_spec, make
from archgym_lite.proxy.active import merge, unseen
from archgym_lite.proxy.candidates import CANDIDATES, ProxySettings
from archgym_lite.proxy.dataset import SAMPLINGS, ProxyDataset, dataset_from_samples, simulate
from archgym_lite.proxy.model import ProxyModel, fit_proxy, rel_rmse
from archgym_lite.proxy.persist import save_proxy
from archgym_lite.proxy.progress import Reporter
from archgym_lite.proxy.simulator import make_proxy_env
from archgym_lite.trials.logs import load
from archgym_lite.utils.files import atomic_path, ensure_output_dir


@dataclass
class LoopResult:
    model: ProxyModel
    path: Path
    rounds: pd.DataFrame      # one row per round
    verified: pd.DataFrame    # every verified design: parameters, proxy and simulated metrics, round
    converged: bool
    data: ProxyDataset        # every simulated design


def proxy_loop(env_id: str, out_dir: str | Path, *, env_kwargs: Mapping[str, Any] | None = None,
               objective: Mapping[str, Any] | None = None, init: int = 500, sampling: str = "lhs",
               agent: str = "random", agent_params: Mapping[str, Any] | None = None, budget: int = 2000,
               top_k: int = 20, tolerance: float = 0.01, max_rounds: int = 10, seed: int = 0,
               candidates: Sequence[str] = CANDIDATES, settings: ProxySettings | Mapping[str, Any] | None = None,
               reporter: Reporter | None = None) -> LoopResult:
    """Run the loop of the module docstring; ``out_dir`` gets ``proxy.skops``, ``rounds.csv`` and search logs."""
    from archgym_lite.trials.run import run_trial

    out = ensure_output_dir(out_dir, "out_dir")
    if sampling not in SAMPLINGS:
        raise SpecError(f"got {sampling!r}; allowed: {list(SAMPLINGS)}", "sampling")
    for name, value, low in (("init", init, 2), ("budget", budget, 1), ("top_k", top_k, 1),
                             ("max_rounds", max_rounds, 1)):
        if value < low:
            raise SpecError(f"must be >= {low}, got {value}", name)
    if not tolerance > 0:
        raise SpecError(f"must be > 0, got {tolerance}", "tolerance")
    agent_spec(agent)  # an unknown agent fails here, not after the first samples
    rep = reporter or Reporter()
    env_kwargs = dict(env_kwargs or {})
    env = make(env_id, objective=objective, **env_kwargs)
    sim, obj = env.simulator, env.objective
    focus = list(dict.fromkeys([t.metric for t in obj.targets] + [c.metric for c in obj.constraints]))
    focus = [m for m in focus if m in sim.metric_names] or list(sim.metric_names)
    names = list(sim.space.names)
    model_path = out / "proxy.skops"
    data = dataset_from_samples(sim, env_id, init, sampling, seed, env_kwargs, rep)
    rows, verified_frames, converged = [], [], False
    model: ProxyModel | None = None
    for r in range(max_rounds):
        t0 = time.perf_counter()
        model = fit_proxy(sim, data, candidates, seed=seed + r, settings=settings, reporter=rep)
        save_proxy(model, model_path)
        trial = run_trial(env_id, agent, budget, seed + r, out_dir=out / "search", env_kwargs=env_kwargs,
                          agent_params=agent_params, objective=objective, raise_errors=True,
                          env_factory=lambda env_id, **kw: make_proxy_env(env_id, model_path, **kw),
                          manifest={"proxy_model": str(model_path), "loop_round": r},
                          tid=f"loop-{r:02d}-{agent}-s{seed + r}")
        log = load(trial.log_path).sort_values("reward", ascending=False, kind="stable")
        log = log.drop_duplicates([f"p_{n}" for n in names])
        cols = {n: log[f"p_{n}"].to_numpy() for n in names}
        cols = sim.space.columns(cols)
        new = np.flatnonzero(unseen(cols, data))[:top_k]
        if len(new) == 0:
            rep.note(f"round {r}: every design the search found was simulated before; stopping")
            converged = True
            break
        cand = {n: cols[n][new] for n in names}
        proxy_vals = model.predict(cand)
        real = simulate(sim, cand, rep, f"round {r}: verifying {len(new)} designs")
        gaps = {m: rel_rmse(real[m], proxy_vals[m]) for m in focus}
        gap = max(gaps.values())
        real_reward = obj.reward_batch(real)
        data = merge(data, ProxyDataset(env_id, env_kwargs, cand, real, len(new)))
        all_reward = obj.reward_batch(data.metrics)
        frame = pd.DataFrame({**{f"p_{n}": cand[n] for n in names},
                              **{f"proxy_{m}": proxy_vals[m] for m in focus}, **{f"real_{m}": real[m] for m in focus},
                              "proxy_reward": log["reward"].to_numpy()[new], "real_reward": real_reward, "round": r})
        verified_frames.append(frame)
        rows.append({"round": r, "train_designs": model.train_size, "verified": len(new),
                     "gap_%": 100 * gap, **{f"gap_{m}_%": 100 * v for m, v in gaps.items()},
                     "proxy_best_reward": float(log["reward"].iloc[0]),
                     "verified_best_real_reward": float(np.nanmax(real_reward)),
                     "best_real_reward": float(np.nanmax(all_reward)), "simulated": len(data),
                     "model": model.describe(), "round_s": time.perf_counter() - t0})
        rep.note(f"round {r}: {len(new)} designs verified, gap {100 * gap:.3g}% (tolerance {100 * tolerance:g}%)")
        if gap <= tolerance:
            converged = True
            break
    assert model is not None
    rounds = pd.DataFrame(rows)
    with atomic_path(out / "rounds.csv") as tmp:
        rounds.to_csv(tmp, index=False)
    verified = pd.concat(verified_frames, ignore_index=True) if verified_frames else pd.DataFrame()
    return LoopResult(model, model_path, rounds, verified, converged, data)
