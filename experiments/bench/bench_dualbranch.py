"""DualBranch-v0 speed: milliseconds per env step (the simulator included) and batched evaluations per second.

This is where the step-time goal of the dual-branch env (<= 1 ms per step) is measured; it used to be a
timed unit test, which failed on a loaded machine.

    OMP_NUM_THREADS=1 python experiments/bench/bench_dualbranch.py [--steps 200] [--repeats 5]
"""

from __future__ import annotations

import argparse
import time

import archgym_lite


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    for network in ("crossvit", "two_stream", "dynamic_perceiver"):
        env = archgym_lite.make("archgym/DualBranch-v0", network=network)
        env.reset(seed=0)
        actions = [env.action_space.sample() for _ in range(args.steps)]
        step_s = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            for a in actions:
                env.step(a)
            step_s.append((time.perf_counter() - t0) / len(actions))
        sim = env.simulator
        designs = sim.space.sample_batch(0, 2000)
        t0 = time.perf_counter()
        sim.evaluate_batch(designs)
        batch_s = time.perf_counter() - t0
        print(f"{network:18s} env step: best {min(step_s) * 1e3:.3f} ms, median "
              f"{sorted(step_s)[len(step_s) // 2] * 1e3:.3f} ms (goal <= 1 ms); "
              f"batch: {len(designs) / batch_s:,.0f} designs/s")


if __name__ == "__main__":
    main()
