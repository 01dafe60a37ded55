"""Every agent on every env at an equal evaluation budget, side by side with Optuna TPE and random search.

For each available env and each registered agent, runs ``--seeds`` trials of ``--budget`` evaluations and
prints the best reward found (the env's default objective; higher is better, 0 means every target met):
median, inter-quartile range and min..max over seeds, plus the mean wall time per trial. Below each
table is the exhaustive optimum:

* over the full level grid when it has at most ``--exhaustive-limit`` designs and evaluating them (timed
  on a probe batch) would take under ``--exhaustive-seconds``; real parameters are enumerated on their
  level grid, so an agent that proposes off-grid reals can beat this "grid optimum" slightly;
* otherwise over a sub-space: as many parameters as fit in that many designs (fewest levels first) are
  enumerated, the others fixed at the best design any agent found. That is a lower bound on the optimum.

Designs are evaluated in batches of ``--chunk`` straight on the simulator.

    python experiments/bench/bench_agents.py --budget 64 --seeds 5
    python experiments/bench/bench_agents.py --budget 256 --seeds 10 --jobs 2 --csv bench_agents.csv
"""

from __future__ import annotations

import argparse
import math
import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import archgym_lite  # noqa: E402
from archgym_lite.plugins.testing import env_availability  # noqa: E402
from archgym_lite.trials.run import run_trial  # noqa: E402


@dataclass
class Cell:
    """Results of one agent on one env over seeds."""

    env_id: str
    agent: str
    best: np.ndarray
    wall_s: np.ndarray
    designs: list[dict[str, Any]]
    errors: list[str]


def _run_one(env_id: str, agent: str, budget: int, seed: int) -> tuple[float, float, dict | None, str | None]:
    try:
        import torch

        torch.set_num_threads(1)
    except ImportError:  # pragma: no cover
        pass
    res = run_trial(env_id, agent, budget, seed=seed)
    if res.status != "completed" or res.n_evals != budget:
        err = (res.error or "").strip().splitlines()[-1:] or [f"{res.n_evals} evaluations"]
        return math.nan, res.wall_time_s, None, f"seed {seed}: {err[0]}"
    return res.best_reward, res.wall_time_s, res.best_design, None


def bench(env_ids: list[str], agents: list[str], budget: int, seeds: int, jobs: int) -> list[Cell]:
    """Run every (env, agent, seed) trial; in ``jobs`` worker processes when > 1."""
    tasks = [(e, a, budget, s) for e in env_ids for a in agents for s in range(seeds)]
    if jobs > 1:
        with ProcessPoolExecutor(jobs) as pool:
            results = list(pool.map(_run_one, *zip(*tasks, strict=True)))
    else:
        results = [_run_one(*t) for t in tasks]
    cells, k = [], 0
    for e in env_ids:
        for a in agents:
            chunk = results[k : k + seeds]
            k += seeds
            cells.append(Cell(e, a, np.array([r[0] for r in chunk]), np.array([r[1] for r in chunk]),
                              [r[2] for r in chunk if r[2] is not None], [r[3] for r in chunk if r[3]]))
    return cells


# --- exhaustive optimum --------------------------------------------------------------------------


def _grid_best(sim: Any, objective: Any, free: list[int], base_idx: np.ndarray,
               chunk: int) -> tuple[float, dict[str, Any], int]:
    """Best reward over every level combination of the ``free`` parameters (the others at ``base_idx``)."""
    space = sim.space
    shape = tuple(int(space.nvec[i]) for i in free)
    total = int(np.prod(shape))
    best_r, best_idx = -math.inf, base_idx
    for start in range(0, total, chunk):
        flat = np.arange(start, min(start + chunk, total))
        idx = np.tile(base_idx, (len(flat), 1))
        idx[:, free] = np.stack(np.unravel_index(flat, shape), axis=1)
        rewards = objective.reward_batch(sim._evaluate_batch(space.decode_batch(idx)))
        j = int(np.argmax(rewards))
        if rewards[j] > best_r:
            best_r, best_idx = float(rewards[j]), idx[j]
    return best_r, space.decode(best_idx), total


def affordable_designs(sim: Any, limit: int, max_seconds: float, probe: int = 2000) -> int:
    """How many designs can be enumerated: ``limit``, or fewer if the simulator's measured batch speed
    says ``limit`` would take longer than ``max_seconds``."""
    cols = sim.space.sample_columns(0, probe)
    t0 = time.perf_counter()
    sim._evaluate_batch(cols)
    per_design = (time.perf_counter() - t0) / probe
    return int(min(limit, max_seconds / max(per_design, 1e-12)))


def exhaustive_optimum(env_id: str, best_found: list[dict[str, Any]], limit: int, chunk: int,
                       max_seconds: float) -> tuple[str, float, dict[str, Any]] | None:
    """``(label, reward, design)`` of the grid (or sub-space) optimum of ``env_id``'s default objective."""
    env = archgym_lite.make(env_id)
    sim, objective, space = env.simulator, env.objective, env.space
    nvec = space.nvec
    n_max = affordable_designs(sim, limit, max_seconds)
    if float(np.prod(nvec.astype(float))) <= n_max:
        has_real = any(p.kind == "real" for p in space.params)
        what = "level grid (reals on their level grid)" if has_real else "full space"
        r, d, n = _grid_best(sim, objective, list(range(len(space))), np.zeros(len(space), np.int64), chunk)
        return f"exhaustive over the {what}, {n} designs", r, d
    if not best_found:
        return None
    base = max(best_found, key=lambda d: float(objective.reward(sim.evaluate(d))))
    free: list[int] = []
    size = 1
    for i in sorted(range(len(space)), key=lambda i: int(nvec[i])):
        if size * int(nvec[i]) <= n_max:
            free.append(i)
            size *= int(nvec[i])
    r, d, n = _grid_best(sim, objective, sorted(free), space.encode(base), chunk)
    fixed = [space.params[i].name for i in range(len(space)) if i not in free]
    return (f"sub-space exhaustive, {n} designs, with {', '.join(fixed)} fixed at the best design found: "
            "a lower bound on the optimum", r, d)


# --- report --------------------------------------------------------------------------------------


def format_table(env_id: str, cells: list[Cell], budget: int, optimum: tuple[str, float, dict] | None) -> str:
    """A plain-text table: one row per agent, best first by median."""
    rows = sorted(cells, key=lambda c: -np.nanmedian(c.best) if np.isfinite(c.best).any() else math.inf)
    lines = [f"{env_id} - best reward after {budget} evaluations over {len(cells[0].best)} seeds "
             "(higher is better; 0 = every target met)",
             f"{'agent':<12} {'median':>9} {'q25':>9} {'q75':>9} {'min':>9} {'max':>9} {'gap':>8} {'s/trial':>8}"]
    opt = optimum[1] if optimum else math.nan
    for c in rows:
        b = c.best[np.isfinite(c.best)]
        if len(b) == 0:
            lines.append(f"{c.agent:<12} failed: {c.errors[0] if c.errors else '?'}")
            continue
        q25, med, q75 = np.percentile(b, [25, 50, 75])
        gap = opt - med if optimum else math.nan
        note = f"  ({len(c.errors)} failed: {c.errors[0]})" if c.errors else ""
        lines.append(f"{c.agent:<12} {med:9.4f} {q25:9.4f} {q75:9.4f} {b.min():9.4f} {b.max():9.4f} "
                     f"{gap:8.4f} {np.mean(c.wall_s):8.2f}{note}")
    if optimum:
        lines.append(f"{'optimum':<12} {optimum[1]:9.4f}   [{optimum[0]}]")
        lines.append(f"{'':<12} design: {optimum[2]}")
    lines.append("gap = optimum - median")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budget", type=int, default=64, help="evaluations per trial")
    ap.add_argument("--seeds", type=int, default=5, help="seeds per (env, agent)")
    ap.add_argument("--envs", nargs="*", help="env ids (default: every available registered env)")
    ap.add_argument("--agents", nargs="*", help="agent names (default: every registered agent)")
    ap.add_argument("--jobs", type=int, default=1, help="worker processes")
    ap.add_argument("--exhaustive-limit", type=int, default=20_000_000, help="max designs enumerated")
    ap.add_argument("--exhaustive-seconds", type=float, default=120.0,
                    help="enumerate the full grid only if estimated to take less than this")
    ap.add_argument("--chunk", type=int, default=200_000, help="designs per simulator batch when enumerating")
    ap.add_argument("--csv", help="also write one row per (env, agent, seed) to this CSV file")
    args = ap.parse_args(argv)

    availability = env_availability()
    env_ids = args.envs or [e for e, why in availability.items() if why is None]
    for e, why in availability.items():
        if why is not None and (not args.envs or e in args.envs):
            print(f"skipping {e}: {why}")
    agents = args.agents or archgym_lite.agent_names()
    t0 = time.perf_counter()
    cells = bench(env_ids, agents, args.budget, args.seeds, args.jobs)
    for env_id in env_ids:
        env_cells = [c for c in cells if c.env_id == env_id]
        found = [d for c in env_cells for d in c.designs]
        optimum = exhaustive_optimum(env_id, found, args.exhaustive_limit, args.chunk, args.exhaustive_seconds)
        print()
        print(format_table(env_id, env_cells, args.budget, optimum))
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")
    if args.csv:
        import csv

        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["env_id", "agent", "seed", "budget", "best_reward", "wall_s"])
            for c in cells:
                for s, (b, t) in enumerate(zip(c.best, c.wall_s, strict=True)):
                    w.writerow([c.env_id, c.agent, s, args.budget, b, t])


if __name__ == "__main__":
    main()
