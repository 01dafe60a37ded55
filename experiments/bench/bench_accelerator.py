"""Benchmark the accelerator simulator: env step latency, batch throughput, speed against SCALE-Sim, landscape.

Usage::

    python experiments/bench/bench_accelerator.py [--designs 200000] [--steps 3000] [--threads 2]
                                                  [--scalesim-python PATH | --no-scalesim]
                                                  [--landscape 20000] [--landscape-only]
                                                  [--landscape-workload resnet18] [--calibration]

Prints: the median time of one ``archgym/Accelerator-v0`` step (a full ResNet-18 evaluation, every metric),
batched full ResNet-18 evaluations per second (1 thread and ``--threads`` threads; numpy releases the GIL), and,
when a SCALE-Sim 3 interpreter is found (``~/.cache/archgym-lite/scalesim-venv``, built by the peer test), the
speed ratio against SCALE-Sim on the same ResNet-18 layers.

**Landscape check** (``--landscape N``, default 20,000): for each parameter, N random designs are evaluated at
every value of that parameter (the others held), and a value counts as *never worse* than another when it is
<= on latency, energy, area and EDP for every one of the N designs. A value never worse than all others is a
free lunch (every agent would "find" it); a value some other value is never worse than has no reason to exist.
The goal is no line in either column, unless physics says so (then the model docs say why). Also printed: where
the default objective's targets sit among random designs that meet the area budget.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from simulators.accelerator import (  # noqa: E402
    DEFAULT_OBJECTIVE,
    AcceleratorSimulator,
    Workload,
    make_env,
    resnet18_scalesim,
)

LANDSCAPE_METRICS = ("latency_s", "energy_pj", "area_mm2", "edp_js")

SCALESIM_VENV_PY = Path.home() / ".cache" / "archgym-lite" / "scalesim-venv" / "bin" / "python"
PEER_LAYERS = ("CBa5s", "FC6")  # small ResNet-18 layers: SCALE-Sim takes seconds even on these


def bench_env_step(steps: int) -> tuple[float, float]:
    env = make_env()
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    actions = [rng.integers(0, env.action_space.nvec) for _ in range(steps)]
    for a in actions[:200]:
        env.step(a)
    step_t, sim_t = [], []
    for a in actions:
        t0 = time.perf_counter()
        env.step(a)
        step_t.append(time.perf_counter() - t0)
        sim_t.append(env.last_sim_time_s)
    return float(np.median(step_t)) * 1e6, float(np.median(sim_t)) * 1e6


def bench_batch(n: int, threads: int) -> dict[str, float]:
    sim = AcceleratorSimulator()
    cols = sim.space.columns(sim.space.sample_columns(0, n))
    sim._evaluate_batch({k: v[:1000] for k, v in cols.items()})
    out = {}
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        sim._evaluate_batch(cols)
        best = min(best, time.perf_counter() - t0)
    out["1 thread"] = n / best
    chunks = [{k: v[i::threads] for k, v in cols.items()} for i in range(threads)]
    best = float("inf")
    with ThreadPoolExecutor(threads) as pool:
        for _ in range(3):
            t0 = time.perf_counter()
            list(pool.map(sim._evaluate_batch, chunks))
            best = min(best, time.perf_counter() - t0)
    out[f"{threads} threads"] = n / best
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        sim.evaluate_batch(cols)
        best = min(best, time.perf_counter() - t0)
    out["1 thread incl. validation"] = n / best
    return out


def bench_scalesim(py: str, rows: int = 32, cols: int = 32) -> None:
    layers = tuple(layer for layer in resnet18_scalesim().layers if layer.name in PEER_LAYERS)
    with tempfile.TemporaryDirectory() as tmp:
        topo = Path(tmp) / "peer.csv"
        topo.write_text("Layer name,IFMAP Height,IFMAP Width,Filter Height,Filter Width,Channels,Num Filter,Strides,\n"
                        + "".join(f"{la.name},{la.ifmap_h},{la.ifmap_w},{la.filter_h},{la.filter_w},{la.channels},"
                                  f"{la.num_filters},{la.stride_h},\n" for la in layers))
        sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "tests"))
        from test_accelerator_peer import CFG, RUNNER  # the peer test's SCALE-Sim config and runner

        runner = Path(tmp) / "run.py"
        runner.write_text(RUNNER)
        sim = AcceleratorSimulator(Workload("peer", layers))
        for df in ("os", "ws", "is"):
            cfg = Path(tmp) / f"{df}.cfg"
            cfg.write_text(CFG.format(name=df, rows=rows, cols=cols, df=df, kb=64))
            t0 = time.perf_counter()
            subprocess.run([py, str(runner), str(cfg), str(topo), str(Path(tmp) / "out"), "conv"], check=True,
                           capture_output=True)
            t_ss = time.perf_counter() - t0
            design = {"array_rows": rows, "array_cols": cols, "dataflow": df.upper(), "ifmap_sram_kib": 64,
                      "filter_sram_kib": 64, "ofmap_sram_kib": 64, "dram": "DDR4-2400-x64", "clock_mhz": 1000}
            sim.evaluate(design)
            t0 = time.perf_counter()
            reps = 2000
            for _ in range(reps):
                sim.evaluate(design)
            t_us = (time.perf_counter() - t0) / reps
            print(f"  {df.upper()}: SCALE-Sim {t_ss:.2f} s (incl. ~0.3 s interpreter start), ours {t_us * 1e6:.1f} us"
                  f" -> {t_ss / t_us:,.0f}x faster  [{', '.join(PEER_LAYERS)}; {rows}x{cols}]")


def landscape(n: int, seed: int = 0, workload: str = "resnet18") -> list[tuple[str, list[str], list[str]]]:
    """Per parameter: (name, values never worse than all others, "a <= b" pairs where b never beats a)."""
    sim = AcceleratorSimulator(workload)
    base = sim.space.columns(sim.space.sample_columns(seed, n))
    out = []
    for param in sim.space.params:
        levels = list(param.levels)
        metrics = []
        for v in levels:
            cols = dict(base)
            cols[param.name] = np.full(n, v, dtype=object if isinstance(v, str) else np.int64)
            m = sim.evaluate_batch(cols)
            metrics.append(np.stack([m[k] for k in LANDSCAPE_METRICS]))
        never_worse = [[bool(np.all(metrics[i] <= metrics[j])) for j in range(len(levels))] for i in range(len(levels))]
        dominant = [str(levels[i]) for i in range(len(levels))
                    if all(never_worse[i][j] for j in range(len(levels)) if j != i)]
        useless = [f"{levels[j]} <= {levels[i]}" for i in range(len(levels)) for j in range(len(levels))
                   if i != j and never_worse[j][i]]
        out.append((param.name, dominant, useless))
    return out


def objective_position(n: int, seed: int = 1) -> str:
    """Where the default targets sit among random designs that meet the default area budget."""
    sim = AcceleratorSimulator()
    m = sim.evaluate_batch(sim.space.sample_columns(seed, n))
    ok = m["area_mm2"] <= DEFAULT_OBJECTIVE["constraints"]["area_mm2"]["max"]
    lat_t = DEFAULT_OBJECTIVE["targets"]["latency_s"]["target"]
    en_t = DEFAULT_OBJECTIVE["targets"]["energy_pj"]["target"]
    both = ok & (m["latency_s"] <= lat_t) & (m["energy_pj"] <= en_t)
    return (f"{ok.mean():.1%} of {n} random designs meet the area budget; among those, latency <= target "
            f"{(m['latency_s'][ok] <= lat_t).mean():.1%}, energy <= target {(m['energy_pj'][ok] <= en_t).mean():.1%}, "
            f"both {both.sum() / max(ok.sum(), 1):.2%} ({int(both.sum())} designs); best feasible latency "
            f"{m['latency_s'][ok].min() * 1e3:.3f} ms, energy {m['energy_pj'][ok].min() * 1e-9:.2f} mJ")


def print_landscape(n: int, workload: str = "resnet18") -> None:
    t0 = time.perf_counter()
    rows = landscape(n, workload=workload)
    print(f"landscape check on {n} random {workload} designs (never worse = <= on {', '.join(LANDSCAPE_METRICS)} "
          "for every design):")
    for name, dominant, useless in rows:
        print(f"  {name:16} free lunch: {', '.join(dominant) or 'none':10}  no reason to exist: "
              f"{'; '.join(useless) or 'none'}")
    print(f"  ({time.perf_counter() - t0:.1f} s)")
    if workload == "resnet18":
        print("default objective: " + objective_position(n))


def chip_design_energy(r: int, c: int, df: str, kib: tuple[float, float, float], dram: str, clock: float,
                       datatype: str, workload: str = "resnet18") -> dict[str, float]:
    """Metrics of a design outside the design-space grid (any R x C, SRAM size, clock), through the model's stages."""
    from simulators.accelerator.costs import get_datatype
    from simulators.accelerator.dataflow import DATAFLOWS, array_stats
    from simulators.accelerator.model import design_costs, finish, layer_dram
    from simulators.accelerator.networks import get_workload

    wl, dt = get_workload(workload), get_datatype(datatype)
    s1 = array_stats(wl, np.array([r]), np.array([c]), np.array([DATAFLOWS.index(df)]))
    p = {k: float(v[0]) for k, v in design_costs(dt, {"ifmap_sram_kib": [kib[0]], "filter_sram_kib": [kib[1]],
                                                     "ofmap_sram_kib": [kib[2]], "dram": [dram],
                                                     "clock_mhz": [clock]}).items()}
    st = layer_dram(s1, float(dt.word_bytes), *kib, p["dram_gbps"] * 1e3 / clock)
    tot = {k: float(v.sum()) for k, v in {**st, **{k: s1[k] for k in ("sram_if", "sram_f", "sram_of")}}.items()}
    m = finish(tot["cycles"], tot["dram_if"], tot["dram_f"], tot["dram_ofw"], tot["dram_ofr"], tot["sram_if"],
               tot["sram_f"], tot["sram_of"], float(wl.macs), float(r), float(c), dt, p)
    return {**m, "macs": float(wl.macs), "volts": p["volts"]}


def print_calibration() -> None:
    """Area and energy per MAC of an Eyeriss-like and a TPU-like design next to the published figures."""
    from simulators.accelerator import calibration as cal
    from simulators.accelerator.technology import V_NOM, dynamic_energy_to_node

    print(f"area calibration: layout factor {cal.LAYOUT_FACTOR:.3f} (DianNao 3.02 mm^2 in 65 nm / its parts "
          f"{cal.diannao_cells_mm2():.3f} mm^2 at 45 nm, node-scaled)")
    for chip, (model, published) in cal.predicted_mm2().items():
        print(f"  {chip:28} model {model:7.2f} mm^2  published {published:7.2f} mm^2  ({model / published - 1:+.1%})")
    from simulators.accelerator.costs import DATATYPES
    from simulators.accelerator.technology import dynamic_scale
    from simulators.dualbranch.templates import rs_extra_pj_per_mac

    rows = [
        ("Eyeriss-like: 12x14 int16 + RS scratchpads, 64+16+32 KiB, 200 MHz", 12, 14, "WS", (64, 16, 32),
         "LPDDR4-3200-x16", 200.0, "int16", 65.0, 1.0, rs_extra_pj_per_mac(DATATYPES["int16"]),
         "12.0 pJ/MAC (278 mW at 34.7 fps x 666 MMAC, AlexNet conv; chip, no DRAM)"),
        ("TPU-like: 256x256 int8 WS, 3 x 4 MiB, 700 MHz", 256, 256, "WS", (4096, 4096, 4096), "DDR4-2400-x128",
         700.0, "int8", 28.0, V_NOM, 0.0, "0.87 pJ/MAC (40 W busy / 46 TMAC/s peak; die incl. DDR3 I/O)"),
    ]
    print("energy per MAC on ResNet-18 (model at 45 nm; core = MAC + SRAM + leakage; x node rule to the chip's node):")
    for name, r, c, df, kib, dram, clock, dt, node, volts, extra, published in rows:
        m = chip_design_energy(r, c, df, kib, dram, clock, dt)
        core = (m["energy_pj"] - m["dram_energy_pj"]) / m["macs"] + extra * dynamic_scale(m["volts"])
        total = m["energy_pj"] / m["macs"] + extra * dynamic_scale(m["volts"])
        scaled = dynamic_energy_to_node(core, node) * (volts / m["volts"]) ** 2
        print(f"  {name}: utilisation {m['utilisation']:.2f}, core {core:.2f} pJ/MAC at {m['volts']:.2f} V "
              f"(~{scaled:.2f} at {node:g} nm, {volts:g} V), with DRAM {total:.2f} pJ/MAC; published {published}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--designs", type=int, default=200_000)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--scalesim-python", default=str(SCALESIM_VENV_PY))
    ap.add_argument("--no-scalesim", action="store_true")
    ap.add_argument("--landscape", type=int, default=20_000, help="random designs for the landscape check")
    ap.add_argument("--landscape-only", action="store_true")
    ap.add_argument("--landscape-workload", default="resnet18", help="built-in workload of the landscape check")
    ap.add_argument("--calibration", action="store_true", help="only the area / energy-per-MAC calibration table")
    args = ap.parse_args()
    if args.calibration:
        print_calibration()
        return
    if args.landscape:
        print_landscape(args.landscape, args.landscape_workload)
    if args.landscape_only:
        return

    step_us, sim_us = bench_env_step(args.steps)
    print(f"env step (full ResNet-18, all metrics): median {step_us:.1f} us/step "
          f"(simulator alone {sim_us:.1f} us; target <= 50 us)")
    for label, rate in bench_batch(args.designs, args.threads).items():
        print(f"batch, {label}: {rate:,.0f} full ResNet-18 evaluations/s (target >= 300,000 on 2 cores)")
    if not args.no_scalesim and Path(args.scalesim_python).exists():
        print("speed against SCALE-Sim 3.0.0 (same layers, compute report):")
        bench_scalesim(args.scalesim_python)
    elif not args.no_scalesim:
        print(f"SCALE-Sim not found at {args.scalesim_python} (run the peer test once to build it); ratio skipped")


if __name__ == "__main__":
    main()
