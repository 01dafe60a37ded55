"""Our agents against the samplers researchers already use, at equal evaluation budgets, in one run.

Every trial goes through :func:`archgym_lite.trials.run.run_trial` with the env's default objective, so ours and
the peers see the same simulator, objective, evaluation cache and budget accounting (a repeated design still
costs one evaluation). The peers are Optuna's own samplers with their defaults — TPE (multivariate), CMA-ES,
NSGA-II (``--peers`` adds ``optuna-gp``, Optuna's GPSampler) — and plain random search.

For each env (Accelerator, DualBranch, DRAM and SoC once registered: every available built-in env but the
synthetic one by default), each budget (default 64 and 256) and each agent it runs ``--seeds`` trials and prints:

* median best reward and its IQR over seeds (higher is better; 0 = every target met);
* ``to95``: median evaluations until the best-so-far reward is within 5% of the best known reward
  (``best - 0.05 * |best|``; ``-`` when half or more seeds never get there) and ``hit``, how many seeds do;
* seconds per trial, wall and CPU (CPU time is what one core spends; wall time depends on the machine's load);
* ``uniq``: median share of distinct designs among the evaluations.

The best known reward is the exhaustive optimum over the level grid when the space has at most
``--exhaustive-limit`` designs and enumerating them is estimated to take under ``--exhaustive-seconds``;
otherwise the best of every trial and of a sub-space enumeration around the best design found (a lower bound).

Below the tables, the verdict on the two goals: on every env some agent of ours beats Optuna's default TPE
median at the smallest budget, and the best agent overall is ours (overall = the best mean rank of the median
best reward over every env x budget; 1 = first).

    python experiments/bench/bench_agents.py                           # the full comparison (~15 min, 2 jobs)
    python experiments/bench/bench_agents.py --envs archgym/DRAM-v0 --budgets 64 --seeds 3 --jobs 2
    python experiments/bench/bench_agents.py --csv bench_agents.csv   # also one row per trial
"""

from __future__ import annotations

import argparse
import math
import os
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np  # noqa: E402

import archgym_lite  # noqa: E402
from archgym_lite.plugins.testing import env_availability  # noqa: E402
from archgym_lite.trials import logs  # noqa: E402
from archgym_lite.trials.run import run_trial  # noqa: E402

#: Peer label -> (registered agent, hyperparameters): Optuna's samplers with their defaults, random search.
PEERS = {"optuna-tpe": ("optuna-tpe", {}), "optuna-cmaes": ("optuna", {"sampler": "cmaes"}),
         "optuna-nsga2": ("optuna", {"sampler": "nsga2"}), "random": ("random", {})}
OPTIONAL_PEERS = {"optuna-gp": ("optuna", {"sampler": "gp"})}
#: Agents of ours that search a Pareto front rather than the scalar reward (run them with --agents).
MULTI_OBJECTIVE = ("nsga2", "qnehvi")
REFERENCE = "optuna-tpe"


@dataclass
class Cell:
    """Results of one agent on one env at one budget, over seeds."""

    env_id: str
    label: str
    budget: int
    best: np.ndarray
    curves: list[np.ndarray]
    wall_s: np.ndarray
    cpu_s: np.ndarray
    unique: np.ndarray
    designs: list[dict[str, Any]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ours(self) -> bool:
        return self.label not in PEERS and self.label not in OPTIONAL_PEERS


def _run_one(env_id: str, agent: str, params: dict, budget: int, seed: int) -> tuple:
    """One trial in a worker: (best, best-so-far curve, wall s, cpu s, unique designs, best design, error)."""
    import optuna
    import torch

    torch.set_num_threads(1)
    optuna.logging.set_verbosity(optuna.logging.ERROR)  # CMA-ES's per-trial notes on categorical fallbacks
    cpu0 = time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        res = run_trial(env_id, agent, budget, seed=seed, agent_params=params, out_dir=tmp)
        cpu = time.process_time() - cpu0
        if res.status != "completed" or res.n_evals != budget:
            err = (res.error or "").strip().splitlines()[-1:] or [f"{res.n_evals} evaluations"]
            return math.nan, np.zeros(0), res.wall_time_s, cpu, 0, None, f"seed {seed}: {err[0]}"
        curve = np.fmax.accumulate(logs.load(res.log_path)["reward"].to_numpy(float))
    return res.best_reward, curve, res.wall_time_s, cpu, res.n_unique, res.best_design, None


def bench(env_ids: list[str], agents: dict[str, tuple[str, dict]], budgets: list[int], seeds: int,
          jobs: int) -> list[Cell]:
    """Run every (env, agent, budget, seed) trial; in ``jobs`` worker processes when > 1."""
    tasks = [(e, lab, b, s) for e in env_ids for lab in agents for b in budgets for s in range(seeds)]
    args = [(e, agents[lab][0], agents[lab][1], b, s) for e, lab, b, s in tasks]
    if jobs > 1:  # slowest first, so the pool does not end on one long trial
        order = sorted(range(len(args)), key=lambda i: -args[i][3])
        with ProcessPoolExecutor(jobs) as pool:
            done = dict(zip(order, pool.map(_run_one, *zip(*[args[i] for i in order], strict=True)), strict=True))
        results = [done[i] for i in range(len(args))]
    else:
        results = [_run_one(*a) for a in args]
    cells, k = [], 0
    for e in env_ids:
        for lab in agents:
            for b in budgets:
                chunk = results[k : k + seeds]
                k += seeds
                cells.append(Cell(e, lab, b, np.array([r[0] for r in chunk]), [r[1] for r in chunk],
                                  np.array([r[2] for r in chunk]), np.array([r[3] for r in chunk]),
                                  np.array([r[4] / b for r in chunk]), [r[5] for r in chunk if r[5] is not None],
                                  [r[6] for r in chunk if r[6]]))
    return cells


# --- best known reward -------------------------------------------------------------------------------


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


def best_known(env_id: str, found: list[dict[str, Any]], limit: int, chunk: int,
               max_seconds: float) -> tuple[str, float, dict[str, Any] | None]:
    """``(how, reward, design)``: the exhaustive grid optimum, or the best of the trials and of a sub-space
    enumeration around the best design found."""
    env = archgym_lite.make(env_id)
    sim, objective, space = env.simulator, env.objective, env.space
    nvec = space.nvec
    n_max = affordable_designs(sim, limit, max_seconds)
    if float(np.prod(nvec.astype(float))) <= n_max:
        has_real = any(p.kind == "real" for p in space.params)
        what = "level grid (reals on their level grid)" if has_real else "full space"
        r, d, n = _grid_best(sim, objective, list(range(len(space))), np.zeros(len(space), np.int64), chunk)
        return f"exhaustive optimum over the {what}, {n} designs", r, d
    if not found:
        return "no trial completed", math.nan, None
    scored = [(float(objective.reward(sim.evaluate(d))), d) for d in found]
    r0, base = max(scored, key=lambda t: t[0])
    free: list[int] = []
    size = 1
    for i in sorted(range(len(space)), key=lambda i: int(nvec[i])):
        if size * int(nvec[i]) <= n_max:
            free.append(i)
            size *= int(nvec[i])
    r, d, n = _grid_best(sim, objective, sorted(free), space.encode(base), chunk)
    fixed = [space.params[i].name for i in range(len(space)) if i not in free]
    if r0 >= r:
        return "best found by any trial (the sub-space enumeration around it found nothing better)", r0, base
    named = ", ".join(fixed) if len(fixed) <= 8 else f"{len(fixed)} of {len(space)} parameters"
    return f"sub-space optimum ({n} designs; {named} fixed at the best design found): a lower bound", r, d


# --- report ------------------------------------------------------------------------------------------


def within(best: float) -> float:
    """The 95% target: ``best - 0.05 * |best|``."""
    return best - 0.05 * abs(best)


def evals_to(curve: np.ndarray, target: float) -> float:
    hit = np.flatnonzero(curve >= target)
    return float(hit[0] + 1) if hit.size else math.inf


def stats(cell: Cell, known: float) -> dict[str, float]:
    b = cell.best[np.isfinite(cell.best)]
    if not len(b):
        return {}
    q25, med, q75 = np.percentile(b, [25, 50, 75])
    ett = [evals_to(c, within(known)) for c in cell.curves if len(c)]
    m = float(np.median(ett)) if ett else math.inf
    return {"median": med, "q25": q25, "q75": q75, "to95": m, "hit": int(np.isfinite(ett).sum()),
            "wall": float(np.mean(cell.wall_s)), "cpu": float(np.mean(cell.cpu_s)),
            "uniq": float(np.median(cell.unique))}


def format_table(env_id: str, budget: int, cells: list[Cell], known: tuple[str, float, Any]) -> str:
    """One row per agent, best median first; peers marked with ``*``."""
    rows = [(c, stats(c, known[1])) for c in cells]
    rows.sort(key=lambda t: -t[1].get("median", -math.inf))
    n_seeds = len(cells[0].best)
    lines = [f"{env_id} @ {budget} evaluations, {n_seeds} seeds (* = peer; best known {known[1]:.4f}, "
             f"to95 target {within(known[1]):.4f})",
             f"  {'agent':<14} {'median':>8} {'q25':>8} {'q75':>8} {'to95':>5} {'hit':>4} {'wall s':>7} "
             f"{'cpu s':>7} {'uniq':>5}"]
    for c, s in rows:
        mark = " " if c.ours else "*"
        if not s:
            lines.append(f"{mark} {c.label:<14} failed: {c.errors[0] if c.errors else '?'}")
            continue
        to95 = f"{s['to95']:.0f}" if np.isfinite(s["to95"]) else "-"
        note = f"  ({len(c.errors)} failed: {c.errors[0]})" if c.errors else ""
        lines.append(f"{mark} {c.label:<14} {s['median']:8.4f} {s['q25']:8.4f} {s['q75']:8.4f} {to95:>5} "
                     f"{s['hit']:>2}/{n_seeds} {s['wall']:7.2f} {s['cpu']:7.2f} {s['uniq']:5.2f}{note}")
    lines.append(f"  best known: {known[0]}")
    return "\n".join(lines)


def verdict(cells: list[Cell], known: dict[str, float], budgets: list[int]) -> list[str]:
    """The two goals (see the module docstring), as printable lines."""
    lines, small = [], min(budgets)
    for env_id in known:
        at = {c.label: stats(c, known[env_id]) for c in cells if c.env_id == env_id and c.budget == small}
        ref = at.get(REFERENCE, {}).get("median", math.nan)
        ours = {lab: s["median"] for lab, s in at.items() if s and lab not in PEERS and lab not in OPTIONAL_PEERS}
        top = max(ours, key=ours.get) if ours else None
        ok = top is not None and ours[top] > ref
        lines.append(f"{'PASS' if ok else 'FAIL'} {env_id} @ {small}: best of ours {top} {ours.get(top, math.nan):.4f}"
                     f" vs {REFERENCE} {ref:.4f}")
    ranks: dict[str, list[float]] = {}
    for env_id in known:
        for b in budgets:
            med = {c.label: stats(c, known[env_id]).get("median", -math.inf) for c in cells
                   if c.env_id == env_id and c.budget == b}
            order = sorted(med.values(), reverse=True)
            for lab, m in med.items():  # ties share the mean of their ranks
                first = order.index(m) + 1
                ranks.setdefault(lab, []).append(first + (order.count(m) - 1) / 2)
    mean = {lab: float(np.mean(v)) for lab, v in ranks.items()}
    ranked = sorted(mean, key=lambda lab: mean[lab])
    lines.append("overall (mean rank of the median best reward over every env x budget, 1 = first): "
                 + ", ".join(f"{lab} {mean[lab]:.2f}" for lab in ranked))
    if ranked:
        best = ranked[0]
        ours = best not in PEERS and best not in OPTIONAL_PEERS
        lines.append(f"{'PASS' if ours else 'FAIL'} best agent overall: {best} ({'ours' if ours else 'a peer'})")
    return lines


def parse_agents(names: list[str] | None, peers: list[str] | None) -> dict[str, tuple[str, dict]]:
    """Label -> (agent, params): ours (every registered non-Optuna agent but the multi-objective ones, or
    ``names``; ``name:key=value,...`` sets hyperparameters) and the peers."""
    out: dict[str, tuple[str, dict]] = {}
    if names is None:
        names = [a for a in archgym_lite.agent_names()
                 if not a.startswith("optuna") and a != "random" and a not in MULTI_OBJECTIVE]
    for spec in names:
        name, _, rest = spec.partition(":")
        params: dict[str, Any] = {}
        for kv in filter(None, rest.split(",")):
            k, _, v = kv.partition("=")
            params[k] = _value(v)
        out[spec] = (name, params)
    for p in peers if peers is not None else list(PEERS):
        out[p] = {**PEERS, **OPTIONAL_PEERS}[p]
    return out


def _value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--budgets", type=int, nargs="+", default=[64, 256], help="evaluations per trial")
    ap.add_argument("--seeds", type=int, default=5, help="seeds per (env, agent, budget)")
    ap.add_argument("--envs", nargs="*", help="env ids (default: every available built-in env but Synthetic)")
    ap.add_argument("--agents", nargs="*", help="our agents, name or name:key=value,... (default: every "
                                                "registered single-objective agent of ours)")
    ap.add_argument("--peers", nargs="*", choices=sorted({**PEERS, **OPTIONAL_PEERS}),
                    help=f"peer samplers (default: {' '.join(PEERS)})")
    ap.add_argument("--jobs", type=int, default=2, help="worker processes")
    ap.add_argument("--exhaustive-limit", type=int, default=20_000_000, help="max designs enumerated")
    ap.add_argument("--exhaustive-seconds", type=float, default=120.0,
                    help="enumerate the full grid only if estimated to take less than this")
    ap.add_argument("--chunk", type=int, default=200_000, help="designs per simulator batch when enumerating")
    ap.add_argument("--csv", help="also write one row per (env, agent, budget, seed) to this CSV file")
    args = ap.parse_args(argv)

    availability = env_availability()
    env_ids = args.envs or [e for e, why in availability.items() if why is None and "Synthetic" not in e]
    for e, why in availability.items():
        if why is not None and (not args.envs or e in args.envs):
            print(f"skipping {e}: {why}")
    agents = parse_agents(args.agents, args.peers)
    t0 = time.perf_counter()
    cells = bench(env_ids, agents, sorted(args.budgets), args.seeds, args.jobs)
    known: dict[str, float] = {}
    for env_id in env_ids:
        env_cells = [c for c in cells if c.env_id == env_id]
        found = [d for c in env_cells for d in c.designs]
        how, r, _ = best_known(env_id, found, args.exhaustive_limit, args.chunk, args.exhaustive_seconds)
        known[env_id] = max([r, *[float(np.nanmax(c.best)) for c in env_cells if np.isfinite(c.best).any()]])
        for b in sorted(args.budgets):
            print()
            print(format_table(env_id, b, [c for c in env_cells if c.budget == b], (how, known[env_id], None)))
    print()
    print("\n".join(verdict(cells, known, args.budgets)))
    print(f"\ntotal {time.perf_counter() - t0:.1f}s")
    if args.csv:
        import csv

        with open(args.csv, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["env_id", "agent", "peer", "budget", "seed", "best_reward", "evals_to_95", "wall_s", "cpu_s",
                        "unique_share"])
            for c in cells:
                for s, (b, cur, t, cpu, u) in enumerate(zip(c.best, c.curves, c.wall_s, c.cpu_s, c.unique,
                                                            strict=True)):
                    w.writerow([c.env_id, c.label, not c.ours, c.budget, s, b,
                                evals_to(cur, within(known[c.env_id])) if len(cur) else math.nan, t, cpu, u])


if __name__ == "__main__":
    main()
