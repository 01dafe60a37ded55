"""Proxy accuracy, size, speed and memory per env, against the goals of issue 18.

Each (env, sampling, training size N) runs in a fresh process, exactly as ``archgym proxy train --env ENV
--sample N --sampling S`` does: N simulated designs (``active``: Latin hypercube, then where the proxy is
unsure; or ``lhs``/``uniform``), a model per metric chosen by 3-fold CV among extra trees, random forest,
histogram GBM and an MLP ensemble, distilled into one tree when it agrees. Then, side by side in that
process: accuracy on ``--test`` fresh uniform designs never trained on; the model file's size; batched
prediction on one core (200,000 designs, CPU time; wall time beside it); the speedup, i.e. the simulator's
batched evaluation time over the proxy's batched prediction time on the same test designs; peak resident
memory of the process.

Goals: <= 0.5% relative RMSE on DRAM read latency and power with <= 5,000 training designs; model files
<= 10 MB; >= 1,000,000 designs/s for all metrics on one core.

    python experiments/bench/bench_proxy.py [--envs archgym/DRAM-v0 archgym/Accelerator-v0]
        [--sizes 5000] [--sampling active lhs] [--test 2000] [--models extra_trees ...]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def one_run(env_id: str, n: int, sampling: str, test: int, models: list[str] | None, seed: int) -> dict:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    import torch

    torch.set_num_threads(1)
    from archgym_lite.proxy import CANDIDATES, train_proxy

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = train_proxy(env_id, sample=n, sampling=sampling, fresh_test=test, seed=seed,
                          candidates=tuple(models or CANDIDATES), out=Path(tmp) / "proxy.skops")
        total = time.perf_counter() - t0
    rows = [{"env": env_id, "sampling": sampling, "train": res.train_size, "metric": r["metric"], "model": r["model"],
             "rel_rmse_%": 100 * r["rel_rmse"], "mape_%": 100 * r["mape"], "r2": r["r2"], "spearman": r["spearman"]}
            for r in res.report.to_dict("records") if r["test_set"] == "fresh-uniform"]
    s, tp = res.speedup, res.throughput
    speed = {"env": env_id, "sampling": sampling, "train": res.train_size, "file_MB": (res.file_bytes or 0) / 1e6,
             "designs/s_1core_cpu": tp["designs_per_s"], "designs/s_1core_wall": tp["designs_per_wall_s"],
             "speedup_x": s["speedup"], "sim_us/design": s["simulator_us_per_design"],
             "proxy_us/design": s["proxy_us_per_design"], "fit_s": res.model.meta.get("fit_seconds", float("nan")),
             "total_s": total, "peak_RSS_MB": res.peak_rss_mb, "load_avg": tp["load_average"],
             "model": res.model.describe()}
    goals = res.goals.assign(env=env_id, sampling=sampling, train=res.train_size)
    return {"rows": rows, "speed": speed, "goals": goals.to_dict("records")}


def commit() -> str:
    def git(*a: str) -> str:
        return subprocess.run(["git", *a], cwd=ROOT, capture_output=True, text=True).stdout.strip()

    head = git("rev-parse", "--short", "HEAD")
    if not head:
        return "unknown (not a git checkout)"
    dirty = git("status", "--porcelain", "--", "simulators", "archgym_lite")
    return head + (" (+ uncommitted changes in simulators/ or archgym_lite/)" if dirty else "")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--envs", nargs="+", default=["archgym/DRAM-v0", "archgym/Accelerator-v0"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[5000])
    ap.add_argument("--sampling", nargs="+", default=["active"], choices=["active", "lhs", "uniform"])
    ap.add_argument("--test", type=int, default=2000, help="fresh uniform test designs")
    ap.add_argument("--models", nargs="*", default=None, help="candidate models (default: all four)")
    ap.add_argument("--metrics", nargs="*", default=None, help="only these metrics in the accuracy table")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    print(f"commit {commit()}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}", flush=True)
    rows, speed, goals = [], [], []
    ctx = mp.get_context("spawn")  # a fresh process per run: its peak memory is that run's
    for env_id in args.envs:
        for sampling in args.sampling:
            for n in args.sizes:
                with ctx.Pool(1) as pool:
                    out = pool.apply(one_run, (env_id, n, sampling, args.test, args.models, args.seed))
                rows += [r for r in out["rows"] if not args.metrics or r["metric"] in args.metrics]
                speed.append(out["speed"])
                goals += out["goals"]
                print(f"{env_id} {sampling} {n}: {out['speed']['total_s']:.0f} s; {out['speed']['model']}", flush=True)
    pd.set_option("display.width", 250)
    fmt = {"float_format": lambda v: f"{v:.4g}", "index": False}
    print("\nAccuracy on fresh uniform designs (never trained on):")
    print(pd.DataFrame(rows).to_string(**fmt))
    print("\nSize, speed (speedup = batched simulator time / batched proxy time, same designs) and memory:")
    print(pd.DataFrame(speed).drop(columns="model").to_string(**fmt))
    print("\nGoals:")
    print(pd.DataFrame(goals)[["env", "sampling", "train", "goal", "target", "measured", "met"]].to_string(index=False))


if __name__ == "__main__":
    main()
