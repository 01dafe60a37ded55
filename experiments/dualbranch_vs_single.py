"""NASAIC-style comparison: heterogeneous dual-branch mapping vs one accelerator, by random search + refinement.

For each catalogue network, ``--budget`` random designs (fixed seed) of ``archgym/DualBranch-v0`` and as many of
the single-accelerator baseline, each side then refined greedily (coordinate descent on EDP from its best
feasible design, every level of every parameter, until no move helps) so the larger heterogeneous space is not
under-searched. Both use the baseline (:class:`simulators.dualbranch.SingleAcceleratorBaseline`, the accelerator
simulator on the sequential network with the whole DRAM interface), under the same datatype, clock, DRAM
interface, PE and area budgets. The best design of each is the feasible one (both budgets met) with the lowest
energy-delay product, which is what the default objective (equal weights on log latency and log energy) ranks by.
Prints latency, energy, area and the heterogeneous / single ratios (< 1: the heterogeneous mapping is better),
and where the energy of each best design goes (compute + SRAM, leakage, DRAM).

Usage: ``python experiments/dualbranch_vs_single.py [--budget 2000] [--seed 0] [--dram LPDDR4-3200-x64]
[--clock 1000] [--pe-budget 4096] [--area-budget 20]``
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from simulators.dualbranch import NETWORKS, SYSTEM_DEFAULTS, DualBranchSimulator, SingleAcceleratorBaseline


def best_feasible(metrics: dict[str, np.ndarray]) -> int:
    """Index of the feasible design with the lowest EDP (``-1`` when none is feasible)."""
    edp = np.where(metrics["budget_violation"] == 0.0, metrics["edp_js"], np.inf)
    i = int(np.argmin(edp))
    return i if np.isfinite(edp[i]) else -1


def refine(evaluate: Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]], levels: dict[str, tuple],
           cols: dict[str, np.ndarray], metrics: dict[str, np.ndarray]) -> tuple[dict, dict]:
    """Greedy coordinate descent on EDP from the best feasible design: try every level of every free parameter,
    keep the best feasible move, until no move helps. Returns the (columns, metrics) of all designs seen."""
    seen_cols = {k: [np.asarray(v)] for k, v in cols.items()}
    seen_m = {k: [v] for k, v in metrics.items()}
    i = best_feasible(metrics)
    if i < 0:
        return cols, metrics
    cur = {k: np.asarray(v)[i] for k, v in cols.items()}
    best = float(metrics["edp_js"][i])
    while True:
        cand = [{**cur, name: v} for name, lv in levels.items() for v in lv if v != cur[name]]
        cc = {k: np.array([c[k] for c in cand], dtype=np.asarray(cols[k]).dtype) for k in cur}
        mm = evaluate(cc)
        for k in seen_cols:
            seen_cols[k].append(cc[k])
        for k in seen_m:
            seen_m[k].append(mm[k])
        j = best_feasible(mm)
        if j < 0 or mm["edp_js"][j] >= best:
            break
        best, cur = float(mm["edp_js"][j]), cand[j]
    return ({k: np.concatenate(v) for k, v in seen_cols.items()}, {k: np.concatenate(v) for k, v in seen_m.items()})


def compare(network: str, budget: int, seed: int, **system: float) -> dict[str, object]:
    """Random search, then greedy refinement, on both sides under the same system constants."""
    het = DualBranchSimulator(network, **system)
    cols = het.space.sample_columns(np.random.default_rng(seed), budget)
    cols, m_het = refine(het.evaluate_batch, {p.name: p.levels for p in het.space.params}, cols,
                         het.evaluate_batch(cols))
    i = best_feasible(m_het)
    base = SingleAcceleratorBaseline(network, **system)
    bcols = base.sample_columns(np.random.default_rng(seed), budget)
    bcols, m_base = refine(base.evaluate, {n: base.sim.space[n].levels for n in base.free}, bcols,
                           base.evaluate(bcols))
    j = best_feasible(m_base)
    return {
        "network": network,
        "het": {k: float(v[i]) for k, v in m_het.items()},
        "het_design": {k: np.asarray(v).tolist()[i] for k, v in cols.items()},
        "single": {k: float(v[j]) for k, v in m_base.items()},
        "single_design": {k: np.asarray(v).tolist()[j] for k, v in bcols.items()},
        "feasible": (int((m_het["budget_violation"] == 0).sum()), int((m_base["budget_violation"] == 0).sum())),
    }


def _design_text(d: dict[str, object], keys: tuple[str, ...]) -> str:
    return " ".join(f"{k}={d[k]}" for k in keys)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--budget", type=int, default=2000, help="random designs per side")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--dram", default=SYSTEM_DEFAULTS["dram"], help="shared DRAM interface")
    ap.add_argument("--clock", type=int, default=int(SYSTEM_DEFAULTS["clock_mhz"]), help="MHz (an accelerator level)")
    ap.add_argument("--pe-budget", type=int, default=SYSTEM_DEFAULTS["pe_budget"])
    ap.add_argument("--area-budget", type=float, default=SYSTEM_DEFAULTS["area_budget_mm2"], help="mm^2")
    args = ap.parse_args()
    system = {"dram": args.dram, "clock_mhz": args.clock, "pe_budget": args.pe_budget,
              "area_budget_mm2": args.area_budget}
    t0 = time.perf_counter()
    results = [compare(n, args.budget, args.seed, **system) for n in NETWORKS]
    print(f"random search ({args.budget} designs per side, seed {args.seed}) + greedy refinement; best feasible by EDP "
          f"({args.pe_budget} PEs, {args.area_budget:g} mm^2 incl. DRAM PHY, int8, {args.clock} MHz, {args.dram})\n")
    head = (f"{'network':18} {'het lat ms':>10} {'single ms':>10} {'lat x':>6} {'het mJ':>8} {'single mJ':>9} "
            f"{'en x':>6} {'het mm2':>8} {'single':>7} {'area x':>6} {'EDP x':>6}  feasible het/single")
    print(head)
    print("-" * len(head))
    for r in results:
        h, s = r["het"], r["single"]
        print(f"{r['network']:18} {h['latency_s'] * 1e3:10.3f} {s['latency_s'] * 1e3:10.3f} "
              f"{h['latency_s'] / s['latency_s']:6.3f} {h['energy_pj'] * 1e-9:8.3f} {s['energy_pj'] * 1e-9:9.3f} "
              f"{h['energy_pj'] / s['energy_pj']:6.3f} {h['area_mm2']:8.3f} {s['area_mm2']:7.3f} "
              f"{h['area_mm2'] / s['area_mm2']:6.3f} {h['edp_js'] / s['edp_js']:6.3f}  {r['feasible'][0]}/"
              f"{r['feasible'][1]}")
    print("\nbest designs:")
    for r in results:
        hd, sd = r["het_design"], r["single_design"]
        print(f"  {r['network']}:")
        print("    het:    " + _design_text(hd, tuple(hd)))
        print("    single: " + _design_text(sd, ("array_rows", "array_cols", "dataflow", "ifmap_sram_kib",
                                                  "filter_sram_kib", "ofmap_sram_kib")))
        h, sg = r["het"], r["single"]
        print(f"    DRAM share of energy: het {h['dram_energy_pj'] / h['energy_pj']:.0%}, single "
              f"{sg['dram_energy_pj'] / sg['energy_pj']:.0%}; DRAM bytes (cross-branch) het "
              f"{h['transfer_bytes'] / 1e6:.2f} MB")
        print(f"    het critical path: branch A {h['branch_a_cycles']:.0f}, branch B {h['branch_b_cycles']:.0f}, "
              f"fusion {h['fusion_cycles']:.0f}, transfers {h['transfer_cycles']:.0f} cycles; "
              f"{h['pe_count']:.0f} PEs, utilisation {h['utilisation']:.3f} (single {r['single']['pe_count']:.0f} "
              f"PEs, {r['single']['utilisation']:.3f})")
    print(f"\n({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
