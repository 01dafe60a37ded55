"""Proxy accuracy vs training-set size, and batched speedup over the simulator, per env.

For each env and training size N: N fresh Latin-hypercube designs are simulated and a proxy is trained
(one model per metric, chosen by 3-fold CV); accuracy is measured on fresh uniform designs the model never
saw. The speedup is the simulator's batch evaluation vs the proxy's batch prediction of the same designs,
timed side by side. Goals (issue 9): <= 0.5% relative RMSE on DRAM latency and power with <= 5,000 designs;
>= 10,000x batched speedup against the DRAM simulator.

    python experiments/bench/bench_proxy.py [--envs archgym/DRAM-v0 archgym/Accelerator-v0]
        [--sizes 500 1000 2500 5000] [--test 1000] [--trees 200]
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

import archgym_lite
from archgym_lite.proxy import accuracy_table, dataset_from_samples, fit_proxy, measure_speedup


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--envs", nargs="+", default=["archgym/DRAM-v0", "archgym/Accelerator-v0"])
    ap.add_argument("--sizes", nargs="+", type=int, default=[500, 1000, 2500, 5000])
    ap.add_argument("--test", type=int, default=1000)
    ap.add_argument("--trees", type=int, default=200)
    ap.add_argument("--speed-designs", type=int, default=5000)
    ap.add_argument("--metrics", nargs="*", default=None, help="only these metrics in the table")
    args = ap.parse_args()
    rows, speed_rows = [], []
    for env_id in args.envs:
        sim = archgym_lite.make(env_id).simulator
        t0 = time.perf_counter()
        test = dataset_from_samples(sim, env_id, args.test, "uniform", seed=12345)
        t_sim_test = time.perf_counter() - t0
        model = None
        for n in args.sizes:
            train = dataset_from_samples(sim, env_id, n, "lhs", seed=n)
            t0 = time.perf_counter()
            model = fit_proxy(sim, train, n_estimators=args.trees, metrics=args.metrics or None)
            fit_s = time.perf_counter() - t0
            table = accuracy_table(model, test, "fresh-uniform")
            for r in table.to_dict("records"):
                if args.metrics and r["metric"] not in args.metrics:
                    continue
                rows.append({"env": env_id, "train": len(train), "metric": r["metric"], "model": r["model"],
                             "rel_rmse_%": 100 * r["rel_rmse"], "mape_%": 100 * r["mape"], "r2": r["r2"],
                             "spearman": r["spearman"], "fit_s": fit_s})
            print(f"{env_id}: trained on {len(train)} in {fit_s:.1f} s", flush=True)
        cols = sim.space.columns(sim.space.sample_columns(7, args.speed_designs))
        s = measure_speedup(model, sim, cols)
        speed_rows.append({"env": env_id, "designs": int(s["designs"]), "sim_us/design": s["simulator_us_per_design"],
                           "proxy_us/design": s["proxy_us_per_design"], "speedup_x": s["speedup"],
                           "test_sim_s": t_sim_test})
    pd.set_option("display.width", 200)
    print("\nAccuracy on fresh uniform designs (never in training):")
    print(pd.DataFrame(rows).to_string(index=False, float_format=lambda v: f"{v:.4g}"))
    print("\nBatched speedup (same designs, one run):")
    print(pd.DataFrame(speed_rows).to_string(index=False, float_format=lambda v: f"{v:.4g}"))


if __name__ == "__main__":
    main()
