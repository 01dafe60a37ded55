"""Benchmark of the DRAM model (``archgym/DRAM-v0``): speed, agreement with DRAMSys 5, and DRAM-v0's landscape.

Run: ``python experiments/bench/bench_dram.py [--quick] [--skip speed agreement landscape]``.

* **Speed** (after numba warm-up; best of 25 repeats, in wall time and in this thread's CPU time, since the
  shared machine is noisy): ms per 10,000 requests of the kernel and of ``evaluate`` on each trace, beside
  DRAMSys's own time for the same trace (``Simulation took``, stored with the reference runs); ``.stl`` parsing
  per 10,000 lines, beside a regular expression per line.
* **Agreement**: every stored DRAMSys run (``tests/data/dramsys_reference.json``) against ours: baselines per
  trace and device, then every knob value's effect on time, power and read latency (DRAMSys / ours), the
  direction agreement over effects above 5% and the runs left out (see ``experiments/reference/agreement.py``).
* **Landscape** of DRAM-v0 (default trace and objective): distinct rewards among 1,000 random designs, each
  knob's share of the reward variance (main effects), each knob's largest reward change from the best design
  known, and how often random search with 64 evaluations reaches that best reward (within 0.1%).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "experiments" / "reference"))

from archgym_lite.report.landscape import CoordinateDescent  # noqa: E402
from simulators.dram import DRAMSimulator, load_stl  # noqa: E402
from simulators.dram import controller as K  # noqa: E402
from simulators.dram.traces import generate, stl_text  # noqa: E402

BASE = {"PagePolicy": "Open", "Scheduler": "FrFcfs", "SchedulerBuffer": "Bankwise", "RequestBufferSize": 8,
        "RespQueue": "Fifo", "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 8, "RefreshMaxPulledin": 8,
        "PowerDownPolicy": "NoPowerDown", "Arbiter": "Simple", "MaxActiveTransactions": 128}


def best_of(fn, repeats: int) -> tuple[float, float]:
    """Best wall time and best thread CPU time of ``repeats`` calls (after one warm-up call)."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        w, c = time.perf_counter(), time.thread_time()
        fn()
        cpu.append(time.thread_time() - c)
        wall.append(time.perf_counter() - w)
    return min(wall), min(cpu)


def speed(reps: int, ref: dict) -> None:
    t0 = time.perf_counter()
    DRAMSimulator("stream", n_requests=10).evaluate(BASE)
    print(f"warm-up (numba compile or cache load): {time.perf_counter() - t0:.2f} s\n")
    ds_wall = {(r["trace"], r["device"]): r.get("sim_wall_s_no_db") for r in ref.get("runs", [])
               if r["variant"] == "base"}
    print("ms per 10,000 requests (baseline design; best of repeats; wall / this thread's CPU time)")
    print(f"{'device':12s} {'trace':8s} {'bursts':>7s} {'kernel wall':>12s} {'kernel cpu':>11s} "
          f"{'evaluate':>9s} {'DRAMSys':>8s} {'x faster':>9s}")
    n = 10_000
    for device in ("DDR4-2400", "LPDDR4-3200"):
        for trace in ("stream", "random", "cloud", "strided", "sparse"):
            sim = DRAMSimulator(trace, device, n_requests=n)
            d = sim.space.validate(BASE)
            p = sim.prepared
            args = sim.kernel_args(d)
            k_wall, k_cpu = best_of(lambda args=args: K.simulate(*args), reps)
            e_wall, _ = best_of(lambda sim=sim, d=d: sim.evaluate(d), reps)
            ds = ds_wall.get((trace, device))
            ratio = f"{ds / e_wall:9.0f}" if ds else f"{'-':>9s}"
            print(f"{device:12s} {trace:8s} {p.n_transactions:7d} {k_wall * 1e3:12.2f} {k_cpu * 1e3:11.2f} "
                  f"{e_wall * 1e3:9.2f} {(ds or float('nan')) * 1e3:8.1f} {ratio}")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "t.stl"
        path.write_text(stl_text(generate("cloud", n, 0)))
        grammar = re.compile(r"^(\d+)\s*:\s*(?:\(\s*(\d+)\s*\)\s*)?(read|write)\s+(?:0x)?([0-9a-f]+)(?:\s+\S+)?$",
                             re.I)

        def by_regex() -> int:
            return sum(1 for line in path.read_text().splitlines() if grammar.match(line.strip()))

        p_wall, _ = best_of(lambda: load_stl(path), reps)
        r_wall, _ = best_of(by_regex, max(3, reps // 3))
    print(f"\n.stl parsing, 10,000 lines: {p_wall * 1e3:.2f} ms (load_stl: numba parser + Trace); a regular "
          f"expression per line alone: {r_wall * 1e3:.1f} ms ({r_wall / p_wall:.0f}x)")


def agreement(full: bool) -> None:
    import agreement as A

    ref = A.load()
    t0 = time.perf_counter()
    runs = A.compare(ref)
    print(f"({len(runs)} runs of DRAMSys {ref['meta']['dramsys_commit'][:10]} compared in "
          f"{time.perf_counter() - t0:.1f} s)\n")
    print("Baselines (ours / DRAMSys; latency = trace timestamp to the controller's response)")
    print(f"{'device':12s} {'trace':8s} {'bound':5s} {'time us':>19s} {'err':>6s} {'power mW':>17s} {'err':>6s} "
          f"{'read latency ns':>21s}")
    for (trace, device), b in sorted(A.baselines(runs).items(), key=lambda kv: (kv[0][1], kv[0][0])):
        o, d = b.ours, b.dramsys
        bound = "yes" if A.bandwidth_bound(ref, trace, device, b) else "no"
        pw = (f"{o['power_mw']:8.1f}/{d['power_mw']:8.1f} {100 * (o['power_mw'] / d['power_mw'] - 1):+5.1f}%"
              if d["power_mw"] == d["power_mw"] else f"{o['power_mw']:8.1f}/{'-':>8s} {'':6s}")
        print(f"{device:12s} {trace:8s} {bound:5s} {o['sim_time_ns'] / 1e3:9.2f}/{d['sim_time_ns'] / 1e3:9.2f} "
              f"{100 * (o['sim_time_ns'] / d['sim_time_ns'] - 1):+5.1f}% {pw} "
              f"{o['avg_read_latency_ns']:10.1f}/{d['avg_read_latency_ns']:10.1f}")
    effects, left_out = A.effects(runs)
    base = A.baselines(runs)
    if full:
        print("\nKnob effects (change from the baseline, DRAMSys / ours; '*' = DRAMSys breaks JEDEC there, "
              "'!' = DRAMSys did not finish)")
        for (trace, device) in sorted(base, key=lambda k: (k[1], k[0])):
            print(f"-- {device} {trace}")
            b = base[(trace, device)]
            for r in runs:
                if (r.trace, r.device) != (trace, device) or r.variant == "base":
                    continue
                mark = "*" if r.jedec_breaks else ("!" if not r.ok else " ")
                cells = []
                for m, short in (("sim_time_ns", "time"), ("power_mw", "power"), ("avg_read_latency_ns", "lat")):
                    def eff(x, x0):
                        return 100 * (x / x0 - 1) if x0 and x == x and x0 == x0 else float("nan")
                    de = eff(r.dramsys[m], b.dramsys[m]) if r.ok else float("nan")
                    oe = eff(r.ours.get(m, float("nan")), b.ours.get(m, float("nan")))
                    cells.append(f"{short} {de:+7.1f}/{oe:+7.1f}%")
                print(f"  {mark} {r.variant:38s} " + "  ".join(cells))
    agree = sum(e.agrees for e in effects)
    print(f"\nKnob effects above {100 * A.EFFECT_MIN:.0f}% in DRAMSys (time, power, read latency): {len(effects)}; "
          f"same direction in ours: {agree} ({100 * agree / max(len(effects), 1):.1f}%)")
    for m in A.METRICS:
        sub = [e for e in effects if e.metric == m]
        if sub:
            err = statistics.median(abs((1 + e.ours) / (1 + e.dramsys) - 1) for e in sub)
            print(f"  {m:20s} {sum(e.agrees for e in sub):3d}/{len(sub):3d} agree; median |ratio error| "
                  f"{100 * err:.1f}%")
    for e in effects:
        if not e.agrees:
            print(f"  disagrees: {e.device} {e.trace} {e.variant} {e.metric}: DRAMSys {100 * e.dramsys:+.1f}%, "
                  f"ours {100 * e.ours:+.1f}%")
    breaks = sorted({(r.device, r.trace, r.variant) for r in left_out if r.jedec_breaks})
    hangs = sorted({(r.device, r.trace, r.variant) for r in left_out if r.status == "timeout"})
    errors = sorted({(r.device, r.variant, r.message[:50]) for r in left_out if r.status == "error"})
    print(f"\nLeft out, DRAMSys breaks JEDEC timing ({len(breaks)} runs): " +
          "; ".join(f"{d} {t} {v}" for d, t, v in breaks))
    print(f"Left out, DRAMSys did not finish in 20 s ({len(hangs)} runs; ours completes them): " +
          "; ".join(f"{d} {t} {v}" for d, t, v in hangs))
    print("Left out, DRAMSys rejects: " + "; ".join(f"{d} {v} ({msg})" for d, v, msg in errors))


def landscape(n_designs: int, seeds: int) -> None:
    from simulators.dram import make_env

    env = make_env()
    sim, obj = env.unwrapped.simulator, env.unwrapped.objective
    space = sim.space
    print(f"DRAM-v0 default: trace {sim.trace.name} ({len(sim.trace)} requests), {sim.device.name}, objective "
          f"{ {t.metric: t.weight for t in obj.targets} }, {len(space)} knobs, {space.size:,.0f} designs")
    t0 = time.perf_counter()
    designs = space.sample_batch(12345, n_designs)
    r = obj.reward_batch(sim.evaluate_batch(designs))
    climber = CoordinateDescent(space, lambda d: obj.reward(sim.evaluate(d)))
    reward = climber.reward
    best_d, best_r = climber.best(designs[i] for i in np.argsort(-r)[:8])  # from the 8 best random designs
    if r.max() > best_r:
        best_r, best_d = float(r.max()), designs[int(r.argmax())]
    tol = 1e-3 * max(abs(best_r), 1.0)
    print(f"distinct rewards among {n_designs} random designs: {len(np.unique(np.round(r, 9)))}; reward range "
          f"{r.min():.3f} .. {r.max():.3f}; best known {best_r:.4f} (random's best {r.max():.4f})")
    print(f"best known design: {best_d}")
    print("knob: share of reward variance (main effect) | largest reward change from the best design (nepers)")
    moving = 0
    for p in space.params:
        vals = np.array([d[p.name] for d in designs], dtype=object)
        groups = [r[vals == v] for v in p.levels if (vals == v).any()]
        share = sum(len(g) * (g.mean() - r.mean()) ** 2 for g in groups) / len(r) / r.var()
        change = max((abs(reward({**best_d, p.name: v}) - best_r) for v in p.levels if v != best_d[p.name]),
                     default=0.0)
        moving += change > 0.01
        print(f"  {p.name:22s} {share:6.3f} | {change:.4f}")
    print(f"knobs that move the reward by more than 1% (0.01 nepers) from the best design: {moving}")
    hits = 0
    for s in range(seeds):
        rr = obj.reward_batch(sim.evaluate_batch(space.sample_batch(10_000 + s, 64)))
        hits += rr.max() >= best_r - tol
    print(f"random search, 64 evaluations: reaches the best known reward (within 0.1%) in {hits}/{seeds} seeds; "
          f"({time.perf_counter() - t0:.0f} s)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer repeats and seeds, no per-knob agreement rows")
    ap.add_argument("--skip", nargs="*", default=[], choices=["speed", "agreement", "landscape"])
    args = ap.parse_args()
    import agreement as A

    ref = A.load() if A.REFERENCE.exists() else {}
    if "speed" not in args.skip:
        print("== Speed ==")
        speed(5 if args.quick else 25, ref)
    if "agreement" not in args.skip:
        print("\n== Agreement with DRAMSys 5 + DRAMPower ==")
        agreement(full=not args.quick)
    if "landscape" not in args.skip:
        print("\n== DRAM-v0 landscape ==")
        landscape(300 if args.quick else 1000, 10 if args.quick else 50)


if __name__ == "__main__":
    main()
