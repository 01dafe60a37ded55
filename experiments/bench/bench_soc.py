"""Benchmark of the SoC simulator (``archgym/SoC-v0``) beside FARSI's measured cost.

Usage::

    python experiments/bench/bench_soc.py [--designs 20000] [--repeats 2000] [--threads 2]

Prints, in one run: (1) for each of FARSI's 12 calibration designs, FARSI's measured wall time per design (from
``tests/data/soc_reference_calibration.json``, ``farsi_wall_s``: FARSI warm, CACTI results cached) next to ours
(median ``SoCSimulator.evaluate``, design validation included) and the ratio; (2) per workload on random designs:
``evaluate`` (validated), the env path (``_evaluate``, what ``DesignEnv.step`` calls), a full ``env.step``, and
batch throughput on 1 thread and on ``--threads`` threads (the numba kernel releases the GIL); (3) the cold start of
a fresh process (import, CSV load, numba cache load, first design) against FARSI's ~2.5 s start and 1.5-7 s of
CACTI per new memory size (which the CACTI table here replaces).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import json  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from simulators.soc import WORKLOADS, SoCSimulator, make_env  # noqa: E402

CALIBRATION = ROOT / "tests" / "data" / "soc_reference_calibration.json"


def median_time(fn, args_list) -> float:
    times = []
    for a in args_list:
        t0 = time.perf_counter()
        fn(a)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def calibration_table(repeats: int) -> list[float]:
    designs = json.loads(CALIBRATION.read_text())["designs"]
    sims = {w: SoCSimulator(w) for w in WORKLOADS}
    print("FARSI calibration designs (FARSI wall time measured by the reference run, warm, CACTI cached)")
    print(f"{'design':<22} {'category':<20} {'FARSI s':>9} {'ours us':>9} {'speed-up':>10}")
    ratios, ours_times = [], []
    for ref in designs:
        sim = sims[ref["workload"]]
        d = sim.from_neutral(ref["design"])
        sim.evaluate(d)
        ours = median_time(sim.evaluate, [d] * repeats)
        ratios.append(ref["farsi_wall_s"] / ours)
        ours_times.append(ours)
        print(f"{ref['id']:<22} {ref['category']:<20} {ref['farsi_wall_s']:>9.4f} {ours * 1e6:>9.1f} "
              f"{ratios[-1]:>9.0f}x")
    print(f"speed-up over FARSI on these designs: min {min(ratios):.0f}x, median {statistics.median(ratios):.0f}x")
    worst = max(ours_times)
    print(f"FARSI's quoted warm cost, 0.04-0.25 s per design (SEMANTICS.md), vs our slowest median here "
          f"({worst * 1e6:.0f} us): {0.04 / worst:.0f}x-{0.25 / worst:.0f}x")
    return ratios


def random_designs(n: int, repeats: int, threads: int) -> None:
    print(f"\nrandom designs ({repeats} single evaluations, batches of {n})")
    print(f"{'workload':<16} {'params':>6} {'evaluate us':>12} {'env path us':>12} {'env.step us':>12} "
          f"{'batch/s 1 thr':>14} {f'batch/s {threads} thr':>14}")
    for w in WORKLOADS:
        sim = SoCSimulator(w)
        designs = sim.space.sample_batch(0, repeats)
        sim.evaluate(designs[0])
        t_eval = median_time(sim.evaluate, designs)
        t_env = median_time(sim._evaluate, designs)
        env = make_env(w)
        env.reset(seed=0)
        rng = np.random.default_rng(0)
        actions = [rng.integers(0, env.action_space.nvec) for _ in range(repeats)]
        t_step = median_time(env.step, actions)
        cols = sim.space.columns(sim.space.sample_batch(1, n))
        rows = sim.model.encoder.rows(cols)
        best1 = min(_timed(sim.model.evaluate_rows, rows) for _ in range(3))
        chunks = np.array_split(rows, threads)
        with ThreadPoolExecutor(threads) as pool:
            bestn = min(_timed(lambda parts, s=sim, p=pool: list(p.map(s.model.evaluate_rows, parts)), chunks)
                        for _ in range(3))
        t_cols = min(_timed(sim.evaluate_batch, cols) for _ in range(3))
        print(f"{w:<16} {len(sim.space):>6} {t_eval * 1e6:>12.1f} {t_env * 1e6:>12.1f} {t_step * 1e6:>12.1f} "
              f"{n / best1:>14,.0f} {n / bestn:>14,.0f}   (evaluate_batch incl. validation: {n / t_cols:,.0f}/s)")


def _timed(fn, arg) -> float:
    t0 = time.perf_counter()
    fn(arg)
    return time.perf_counter() - t0


def cold_start() -> None:
    code = ("import time; t0 = time.perf_counter(); from simulators.soc import SoCSimulator; "
            "s = SoCSimulator('audio_decoder'); s.evaluate(s.space.default()); print(time.perf_counter() - t0)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    print(f"\ncold start in a fresh process (import, CSVs, numba cache, first design): {float(out.stdout):.2f} s "
          "(FARSI: ~2.5 s to start, then 1.5-7 s of CACTI for each new memory size)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", type=int, default=20000, help="designs per batch")
    ap.add_argument("--repeats", type=int, default=2000, help="single evaluations timed per case")
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    calibration_table(max(args.repeats // 10, 20))
    random_designs(args.designs, args.repeats, args.threads)
    cold_start()


if __name__ == "__main__":
    main()
