"""Sweep throughput: trials/s with 1 vs N local workers (target >= 1.8x with 2), and logging's share of time.

Both worker counts run the same trials through the process pool into fresh run directories, after one
warm-up trial has started the pool's fork server (which both then share). The logging share is measured in-process by timing every TrialLogger call.

    python experiments/bench/bench_sweep.py [--env archgym/Synthetic-v0] [--trials 16] [--budget 2000]
        [--workers 2] [--agent random]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from archgym_lite.sweep import parse_spec, run_sweep
from archgym_lite.trials import logs


def spec_for(args: argparse.Namespace, name: str):
    return parse_spec({"name": name, "budget": args.budget, "seeds": args.trials,
                       "envs": [{"id": args.env}], "agents": [{"name": args.agent}]})


def timed_sweep(args: argparse.Namespace, workers: int, root: Path) -> float:
    t0 = time.perf_counter()
    res = run_sweep(spec_for(args, f"w{workers}"), root / f"w{workers}", workers=workers, show_progress=False)
    wall = time.perf_counter() - t0
    assert res.completed == args.trials and not res.failed
    return wall


def logging_share(args: argparse.Namespace, root: Path) -> tuple[float, float]:
    spent = {"t": 0.0}
    originals = {n: getattr(logs.TrialLogger, n) for n in ("__init__", "log", "log_batch", "close")}

    def wrap(fn):
        def timed(*a, **k):
            t = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                spent["t"] += time.perf_counter() - t
        return timed

    for n, fn in originals.items():
        setattr(logs.TrialLogger, n, wrap(fn))
    try:
        t0 = time.perf_counter()
        run_sweep(spec_for(args, "inproc"), root / "inproc", workers=0, show_progress=False)
        wall = time.perf_counter() - t0
    finally:
        for n, fn in originals.items():
            setattr(logs.TrialLogger, n, fn)
    return spent["t"], wall


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--env", default="archgym/Synthetic-v0")
    ap.add_argument("--agent", default="random")
    ap.add_argument("--trials", type=int, default=16)
    ap.add_argument("--budget", type=int, default=2000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        # warm the pool's fork server (imports the core, simulators, agents) so neither run pays it
        warm = argparse.Namespace(**{**vars(args), "trials": 1, "budget": 1})
        run_sweep(spec_for(warm, "warm"), root / "warm", workers=1, show_progress=False)
        w1 = timed_sweep(args, 1, root)
        wn = timed_sweep(args, args.workers, root)
        log_t, in_wall = logging_share(args, root)
    print(f"env {args.env}, agent {args.agent}, {args.trials} trials x {args.budget} evaluations")
    print(f"1 worker      : {w1:7.2f} s  {args.trials / w1:7.2f} trials/s")
    print(f"{args.workers} workers     : {wn:7.2f} s  {args.trials / wn:7.2f} trials/s")
    print(f"speedup       : {w1 / wn:7.2f}x  (target >= 1.8x with 2 workers)")
    print(f"logging share : {100 * log_t / in_wall:6.2f}% of in-process sweep wall time "
          f"({log_t * 1e6 / (args.trials * args.budget):.2f} us per evaluation)")


if __name__ == "__main__":
    main()
