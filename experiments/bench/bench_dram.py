"""Benchmark of the DRAM simulator (``archgym/DRAM-v0``): ms per 10,000-request trace, requests/s, batch
throughput, the DRAMSys trend numbers, and which knobs change nothing on which trace.

Run: ``python experiments/bench/bench_dram.py [--quick]``. Timings are after numba warm-up (compile once,
cached on disk), median of several repeats, single thread;
the batch is timed sequentially and with one thread per core (``max_workers``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from simulators.dram import DRAMSimulator, knob_space

BASE = {"PagePolicy": "Open", "Scheduler": "FrFcfs", "SchedulerBuffer": "Bankwise", "RequestBufferSize": 8,
        "RespQueue": "Fifo", "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 8, "RefreshMaxPulledin": 8,
        "PowerDownPolicy": "NoPowerDown", "Arbiter": "Simple", "MaxActiveTransactions": 128}


def timed(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="fewer repeats and no knob sweep")
    args = ap.parse_args()
    reps = 3 if args.quick else 11
    n = 10_000
    t0 = time.perf_counter()
    DRAMSimulator("stream", n_requests=10).evaluate(BASE)
    print(f"warm-up (numba compile or cache load): {time.perf_counter() - t0:.2f} s\n")

    print(f"{'device':12s} {'trace':8s} {'bursts':>7s} {'ms/10k (evaluate)':>18s} {'ms/10k (kernel)':>16s} "
          f"{'requests/s':>12s}")
    for device in ("DDR4-2400", "LPDDR4-3200"):
        for trace in ("stream", "random", "strided", "cloud", "sparse"):
            sim = DRAMSimulator(trace, device, n_requests=n)
            d = sim.space.validate(BASE)
            t_eval = timed(lambda sim=sim, d=d: sim.evaluate(d), reps)
            p = sim.prepared
            from simulators.dram import controller as K
            from simulators.dram.config import encode

            c = encode(d)
            t_kern = timed(lambda p=p, c=c, sim=sim: K.simulate(p.arr, p.wr, p.bank, p.row, sim._timing, c), reps)
            print(f"{device:12s} {trace:8s} {p.arr.size:7d} {t_eval * 1e3:18.3f} {t_kern * 1e3:16.3f} "
                  f"{n / t_eval:12,.0f}")

    workers = os.cpu_count() or 1
    for w in (1, workers) if workers > 1 else (1,):
        sim = DRAMSimulator("cloud", n_requests=n, max_workers=w)
        designs = sim.space.sample_batch(0, 64)
        t_batch = timed(lambda sim=sim, designs=designs: sim.evaluate_batch(designs), 1 if args.quick else 3)
        label = "sequential" if w == 1 else f"{w} threads"
        print(f"\nbatch ({label}): 64 random designs on one parsed 10k cloud trace: {t_batch * 1e3:.1f} ms "
              f"({t_batch / 64 * 1e3:.3f} ms/design)", end="")
    print()
    print("\nDRAMSys trends (DDR4-2400, 10k requests, default mapping):")
    st = DRAMSimulator("stream", n_requests=n)
    op, cl = st.evaluate(BASE), st.evaluate({**BASE, "PagePolicy": "Closed"})
    print(f"  stream open: {op['bandwidth_pct_peak']:.1f}% of peak, closed: {cl['bandwidth_pct_peak']:.1f}%, "
          f"closed/open time = {cl['sim_time_ns'] / op['sim_time_ns']:.2f}x")
    rnd = DRAMSimulator("random", n_requests=n)
    for buf in ("Shared", "Bankwise"):
        b8 = rnd.evaluate({**BASE, "SchedulerBuffer": buf})
        b1 = rnd.evaluate({**BASE, "SchedulerBuffer": buf, "RequestBufferSize": 1})
        print(f"  random, {buf} buffer 1 vs 8: {b1['sim_time_ns'] / b8['sim_time_ns']:.2f}x slower")
    rcl = rnd.evaluate({**BASE, "PagePolicy": "Closed"})
    rop = rnd.evaluate(BASE)
    print(f"  random closed/open time (JEDEC tRAS/tRC on auto-precharge): {rcl['sim_time_ns'] / rop['sim_time_ns']:.3f}")
    sp = DRAMSimulator("sparse", n_requests=2000)
    on, off = sp.evaluate({**BASE, "PowerDownPolicy": "Staggered"}), sp.evaluate(BASE)
    print(f"  sparse: Staggered power-down power {on['power_mw']:.0f} vs {off['power_mw']:.0f} mW "
          f"({100 * (1 - on['power_mw'] / off['power_mw']):.0f}% less), avg read latency "
          f"{on['avg_read_latency_ns']:.1f} vs {off['avg_read_latency_ns']:.1f} ns")
    for post in (1, 8):
        r = rnd.evaluate({**BASE, "RefreshMaxPostponed": post})
        nr = rnd.evaluate({**BASE, "RefreshPolicy": "NoRefresh"})
        print(f"  random, NoRefresh vs AllBank (MaxPostponed {post}): "
              f"{100 * (1 - nr['sim_time_ns'] / r['sim_time_ns']):.2f}% less time")
    cloud = DRAMSimulator("cloud", n_requests=n)
    r, nr = cloud.evaluate(BASE), cloud.evaluate({**BASE, "RefreshPolicy": "NoRefresh"})
    print(f"  cloud, NoRefresh vs AllBank: {100 * (1 - nr['sim_time_ns'] / r['sim_time_ns']):.2f}% less time, "
          f"{100 * (1 - nr['energy_nj'] / r['energy_nj']):.2f}% less energy")

    if args.quick:
        return
    print("\nknobs with no effect on any metric (one knob swept from the base design; 5k requests):")
    space = knob_space()
    for device in ("DDR4-2400", "LPDDR4-3200"):
        for trace in ("stream", "random", "strided", "cloud", "sparse"):
            s = DRAMSimulator(trace, device, n_requests=5000)
            ref = s.evaluate(BASE)
            dead = []
            for p in space.params:
                if all(s.evaluate({**BASE, p.name: v}) == ref for v in p.levels):
                    dead.append(p.name)
            print(f"  {device:12s} {trace:8s}: {', '.join(dead) or '-'}")


if __name__ == "__main__":
    main()
