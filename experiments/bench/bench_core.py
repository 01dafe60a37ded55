"""Core overheads: env step (simulator excluded) and logging, per step.

Targets (issue 3): env-step overhead <= 20 us, logging overhead <= 5 us per step amortised (Parquet write
included). The simulator is a constant-output stub, so what is timed is the env and logger themselves.

    python experiments/bench/bench_core.py [--steps 20000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np

from archgym_lite import DesignEnv, Metric, Simulator
from archgym_lite.trials.logs import TrialLogger
from simulators.synthetic import SyntheticSimulator

N_METRICS = 6


class ConstantSimulator(Simulator):
    """Same design space as the synthetic env, constant metrics: isolates env/logging cost."""

    def __init__(self) -> None:
        self.space = SyntheticSimulator().space
        self.metrics = tuple(Metric(f"m{i}") for i in range(N_METRICS))
        self._out = {f"m{i}": float(i + 1) for i in range(N_METRICS)}

    def _evaluate(self, design):
        return self._out


def time_steps(env: DesignEnv, actions: np.ndarray) -> float:
    env.reset(seed=0)
    t0 = time.perf_counter()
    for a in actions:
        env.step(a)
    return (time.perf_counter() - t0) / len(actions)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    sim = ConstantSimulator()
    env = DesignEnv(sim, max_steps=10**9)
    actions = np.stack([env.action_space.sample() for _ in range(args.steps)])
    t_sim = []
    design = sim.space.default()
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        for _ in range(args.steps):
            sim._evaluate(design)
        t_sim.append((time.perf_counter() - t0) / args.steps)

    bare, logged = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.repeats):
            env.logger = None
            bare.append(time_steps(env, actions))
            env.logger = TrialLogger(tmp, f"t{r}", sim.space, sim.metric_names, env_id="bench", agent="bench")
            t0 = time.perf_counter()
            per_step = time_steps(env, actions)
            t_close = time.perf_counter()
            env.logger.close()
            close_per_step = (time.perf_counter() - t_close) / args.steps
            logged.append(per_step + close_per_step)
            del t0
    sim_us = statistics.median(t_sim) * 1e6
    bare_us = statistics.median(bare) * 1e6
    logged_us = statistics.median(logged) * 1e6
    print(f"steps per repeat: {args.steps}, repeats: {args.repeats}, metrics: {N_METRICS}, params: {len(sim.space)}")
    print(f"stub simulator call          : {sim_us:6.2f} us")
    print(f"env step overhead (no sim)   : {bare_us - sim_us:6.2f} us   (target <= 20 us)")
    print(f"logging overhead per step    : {logged_us - bare_us:6.2f} us   (target <= 5 us, Parquet write included)")
    print(f"ratio logged/bare step       : {logged_us / bare_us:6.3f}")


if __name__ == "__main__":
    main()
