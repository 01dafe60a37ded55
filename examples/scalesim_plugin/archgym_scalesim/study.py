"""Where a proxy pays: a proxy of the real SCALE-Sim 3, searched instead of SCALE-Sim, then checked against it.

1. **sample**: ``sample`` designs (Latin hypercube) of ``example/SCALESim-v0`` are simulated with SCALE-Sim;
2. **train**: a proxy is fitted on them (per-metric models chosen by cross-validation, see
   :mod:`archgym_lite.proxy.model`);
3. **search**: an agent spends ``budget`` evaluations on the proxy, and its ``top_k`` designs are simulated
   with SCALE-Sim (:func:`archgym_lite.proxy.search_on_proxy`);
4. optionally (``exhaustive``) every design of the space is simulated with SCALE-Sim, to know the true best.

Reported: the proxy's accuracy against SCALE-Sim on the re-simulated designs (and on every design it never
saw, with ``exhaustive``), the SCALE-Sim time per design, the wall time of the proxy route against simulating
what the search evaluated (or the whole space), and whether the proxy's best designs are SCALE-Sim's best.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import archgym_lite
from archgym_lite.proxy import Reporter, dataset_from_samples, fit_proxy, save_proxy, search_on_proxy
from archgym_lite.proxy.active import merge, unseen
from archgym_lite.proxy.dataset import ProxyDataset, simulate
from archgym_lite.proxy.model import rel_rmse
from archgym_lite.utils.files import ensure_output_dir
from archgym_scalesim import ENV_ID


def run_study(out_dir: str | Path, *, layers: str = "cnn", sample: int = 150, agent: str = "random",
              budget: int = 2000, top_k: int = 10, exhaustive: bool = False, seed: int = 0, python: str | None = None,
              max_workers: int = 2, candidates: tuple[str, ...] = ("extra_trees", "random_forest", "hist_gb", "mlp"),
              settings: dict[str, Any] | None = None, reporter: Reporter | None = None,
              env_kwargs: dict[str, Any] | None = None) -> dict[str, Any]:
    """Run the study of the module docstring; returns the numbers and tables it reports.

    ``env_kwargs`` go to the env as well (``arrays``, ``sram_kb`` shrink the space).
    """
    out = ensure_output_dir(out_dir, "out_dir")
    kwargs = {"layers": layers, "max_workers": max_workers, **({"python": python} if python else {}),
              **(env_kwargs or {})}
    env = archgym_lite.make(ENV_ID, **kwargs)
    sim, obj, names = env.simulator, env.objective, list(env.simulator.space.names)
    focus = [t.metric for t in obj.targets]
    rep = reporter or Reporter()

    t0 = time.perf_counter()
    data = dataset_from_samples(sim, ENV_ID, sample, "lhs", seed, kwargs, rep)
    t_sample = time.perf_counter() - t0
    per_design = t_sample / len(data)

    t0 = time.perf_counter()
    model = fit_proxy(sim, data, candidates, seed=seed, settings=settings, reporter=rep)
    path = save_proxy(model, out / "scalesim-proxy.skops")
    t_fit = time.perf_counter() - t0

    t0 = time.perf_counter()
    found = search_on_proxy(path, agent, budget, seed=seed, top_k=top_k, out_dir=out / "search")
    t_search = time.perf_counter() - t0  # the proxy search and the SCALE-Sim runs of its top-k
    n_search_designs = int(found.attrs.get("unique_designs", budget))

    acc = {m: rel_rmse(found[f"real_{m}"].to_numpy(), found[f"proxy_{m}"].to_numpy()) for m in focus}
    pick = found.loc[found["real_reward"].idxmax()]  # what a user takes: the best of the re-simulated top-k
    result: dict[str, Any] = {
        "designs_in_space": int(np.prod([p.n_levels for p in sim.space.params])),
        "sampled": len(data), "top_k": len(found), "scalesim_s_per_design": per_design,
        "sample_s": t_sample, "fit_s": t_fit, "search_and_verify_s": t_search,
        "proxy_route_s": t_sample + t_fit + t_search,
        "search_designs": n_search_designs,
        "search_on_scalesim_s_estimate": n_search_designs * per_design,
        "top_k_rel_rmse": acc, "model": model.describe(), "found": found,
        "proxy_pick": {n: pick[f"p_{n}"] for n in names}, "proxy_pick_real_reward": float(pick["real_reward"]),
    }
    if exhaustive:
        cols = sim.space.columns(list(sim.space.enumerate()))
        known = merge(data, ProxyDataset(ENV_ID, kwargs, {n: found[f"p_{n}"].to_numpy() for n in names},
                                         {m: found[f"real_{m}"].to_numpy() for m in sim.metric_names}, len(found)))
        todo = unseen(cols, known)
        t0 = time.perf_counter()
        rest = {n: cols[n][todo] for n in names}
        every = merge(known, ProxyDataset(ENV_ID, kwargs, rest, simulate(sim, rest, rep, "SCALE-Sim: every design"),
                                          int(todo.sum())))
        result["exhaustive_s"] = time.perf_counter() - t0 + t_sample + len(found) * per_design
        reward = obj.reward_batch(every.metrics)
        order = np.argsort(-reward, kind="stable")
        best = {n: every.columns[n][order[0]] for n in names}
        rank_of = {tuple(every.columns[n][i] for n in names): r + 1 for r, i in enumerate(order)}
        unseen_by_proxy = unseen(every.columns, data)
        pred = model.predict({n: every.columns[n][unseen_by_proxy] for n in names})
        result.update({
            "real_best": best, "real_best_reward": float(reward[order[0]]),
            "proxy_pick_rank": rank_of[tuple(result["proxy_pick"][n] for n in names)],
            "real_best_in_top_k": tuple(best[n] for n in names) in {tuple(r[f"p_{n}"] for n in names)
                                                                   for _, r in found.iterrows()},
            "top_k_real_ranks": sorted(rank_of[tuple(r[f"p_{n}"] for n in names)] for _, r in found.iterrows()),
            "unseen_rel_rmse": {m: rel_rmse(every.metrics[m][unseen_by_proxy], pred[m]) for m in focus},
            "unseen_designs": int(unseen_by_proxy.sum()),
        })
        table = pd.DataFrame({**{n: every.columns[n] for n in names}, **every.metrics, "reward": reward})
        table.to_csv(out / "scalesim-all-designs.csv", index=False)
    found.to_csv(out / "top-k.csv", index=False)
    return result
