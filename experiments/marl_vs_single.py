"""The multi-agent DSE claim on the memory controller: decentralised learners (one agent per knob) against
single-agent PPO and SAC, Bayesian optimisation and random search, at equal evaluation budgets.

On ``archgym/DRAM-v0`` (default trace and device) for two targets, the ``low_power`` and ``low_latency`` objective
presets of :mod:`simulators.dram` (power, resp. read latency first, the other at a quarter weight), every agent
runs ``--budget`` evaluations for each of ``--seeds`` seeds with its default hyperparameters (the agents are used
as they are; rerun after they change). Reported per target and agent: the best reward found (mean, standard
deviation, worst and best seed), its gap to the best reward known (random designs plus coordinate descent, plus
every design any agent found), the best-so-far reward at budget checkpoints, and per baseline in how many seeds
MARL's best beats it; then what holds of the claim that the decentralised agents win.

Usage: ``python experiments/marl_vs_single.py [--budget 256] [--seeds 5] [--agents marl ppo sac bo random]
[--targets low_power low_latency] [--out runs/marl_vs_single]`` (logs every evaluation as Parquet under ``--out``;
about 2-3 minutes on 2 cores with the defaults; ``--quick`` for a 2-seed, 64-evaluation smoke run).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("OMP_NUM_THREADS", "1")

from archgym_lite.report.landscape import CoordinateDescent  # noqa: E402
from archgym_lite.trials.logs import load  # noqa: E402
from archgym_lite.trials.run import run_trial  # noqa: E402
from simulators.dram import OBJECTIVES, make_env  # noqa: E402

ENV = "archgym/DRAM-v0"


def best_known(objective: dict, extra: list[dict], n: int = 1000) -> float:
    """Best reward known: random designs, coordinate descent from the best ones and the agents' best designs."""
    env = make_env(objective=objective)
    sim, obj, space = env.unwrapped.simulator, env.unwrapped.objective, env.unwrapped.simulator.space
    designs = space.sample_batch(2024, n)
    r = obj.reward_batch(sim.evaluate_batch(designs))
    starts = [designs[i] for i in np.argsort(-r)[:4]] + extra
    climber = CoordinateDescent(space, lambda d: obj.reward(sim.evaluate(d)))
    return max(float(r.max()), climber.best(starts)[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--budget", type=int, default=256)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--agents", nargs="+", default=["marl", "ppo", "sac", "bo", "random"])
    ap.add_argument("--targets", nargs="+", default=["low_power", "low_latency"], choices=sorted(OBJECTIVES))
    ap.add_argument("--out", type=Path, default=Path("runs/marl_vs_single"))
    ap.add_argument("--quick", action="store_true", help="2 seeds, 64 evaluations")
    args = ap.parse_args()
    if args.quick:
        args.budget, args.seeds = 64, 2
    checkpoints = [c for c in (16, 32, 64, 128, 256, 512, 1024) if c < args.budget] + [args.budget]
    summary: dict[str, dict] = {}
    for target in args.targets:
        objective = OBJECTIVES[target]
        out = args.out / target
        best: dict[str, list[float]] = {a: [] for a in args.agents}
        curves: dict[str, list[np.ndarray]] = {a: [] for a in args.agents}
        designs: list[dict] = []
        wall: dict[str, float] = dict.fromkeys(args.agents, 0.0)
        for agent in args.agents:
            for seed in range(args.seeds):
                t0 = time.perf_counter()
                res = run_trial(ENV, agent, args.budget, seed, out_dir=out, objective=objective, raise_errors=True)
                wall[agent] += time.perf_counter() - t0
                rewards = load(res.log_path)["reward"].to_numpy()
                best[agent].append(res.best_reward)
                curves[agent].append(np.maximum.accumulate(rewards))
                designs.append(res.best_design)
                print(f"{target:12s} {agent:7s} seed {seed}: best reward {res.best_reward:8.4f} "
                      f"({len(rewards)} evaluations, {res.n_unique} distinct, {time.perf_counter() - t0:.0f} s)",
                      flush=True)
        ref = max(best_known(objective, designs), max(max(v) for v in best.values()))
        print(f"\n== {target}: objective {json.dumps(objective['targets'])}; best reward known {ref:.4f}; "
              f"{args.budget} evaluations, {args.seeds} seeds")
        print(f"{'agent':8s} {'mean':>8s} {'std':>7s} {'worst':>8s} {'best':>8s} {'gap':>7s}  best-so-far mean at "
              + " ".join(f"{c:>7d}" for c in checkpoints) + "   s/trial")
        rows = {}
        for agent in args.agents:
            b = np.array(best[agent])
            c = np.array(curves[agent])
            at = [float(c[:, k - 1].mean()) for k in checkpoints]
            rows[agent] = {"mean": float(b.mean()), "std": float(b.std()), "worst": float(b.min()),
                           "best": float(b.max()), "gap": float(ref - b.mean()), "curve": at,
                           "s_per_trial": wall[agent] / args.seeds}
            print(f"{agent:8s} {b.mean():8.4f} {b.std():7.4f} {b.min():8.4f} {b.max():8.4f} {ref - b.mean():7.4f}"
                  f"  {'':19s}" + " ".join(f"{v:7.3f}" for v in at) + f"   {wall[agent] / args.seeds:7.1f}")
        if "marl" in best:
            m = np.array(best["marl"])
            for agent in args.agents:
                if agent != "marl":
                    o = np.array(best[agent])
                    wins, ties = int((m > o + 1e-9).sum()), int((np.abs(m - o) <= 1e-9).sum())
                    print(f"  marl vs {agent:7s}: marl better in {wins}/{args.seeds} seeds, tied in {ties}; "
                          f"mean difference {m.mean() - o.mean():+.4f}")
            ranked = sorted(args.agents, key=lambda a: -rows[a]["mean"])
            print(f"  ranking by mean best reward: {' > '.join(ranked)}")
        summary[target] = {"best_known": ref, "agents": rows}
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps(summary, indent=1))
    print(f"\nsummary: {args.out / 'summary.json'}")


if __name__ == "__main__":
    main()
