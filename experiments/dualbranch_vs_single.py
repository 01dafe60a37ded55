"""NASAIC-style comparison: heterogeneous dual-branch mapping vs one accelerator, by random search.

For each catalogue network, ``--budget`` random designs (fixed seed) of ``archgym/DualBranch-v0`` and as many of
the single-accelerator baseline (:class:`simulators.dualbranch.SingleAcceleratorBaseline`, the accelerator
simulator on the sequential network with the whole DRAM bandwidth), under the same PE and area budgets. The best
design of each is the feasible one (both budgets met) with the lowest energy-delay product, which is what the
default objective (equal weights on log latency and log energy) ranks by. Prints latency, energy, area and the
heterogeneous / single ratios (< 1: the heterogeneous mapping is better).

Usage: ``python experiments/dualbranch_vs_single.py [--budget 2000] [--seed 0] [--dram-bw 32] [--pe-budget 4096]
[--area-budget 6]``
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from simulators.dualbranch import NETWORKS, SYSTEM_DEFAULTS, DualBranchSimulator, SingleAcceleratorBaseline


def best_feasible(metrics: dict[str, np.ndarray]) -> int:
    """Index of the feasible design with the lowest EDP (``-1`` when none is feasible)."""
    edp = np.where(metrics["budget_violation"] == 0.0, metrics["edp_js"], np.inf)
    i = int(np.argmin(edp))
    return i if np.isfinite(edp[i]) else -1


def compare(network: str, budget: int, seed: int, **system: float) -> dict[str, object]:
    """Random search on both sides under the same system constants; the best designs and their metrics."""
    het = DualBranchSimulator(network, **system)
    cols = het.space.sample_columns(np.random.default_rng(seed), budget)
    m_het = het.evaluate_batch(cols)
    i = best_feasible(m_het)
    base = SingleAcceleratorBaseline(network, **system)
    bcols = base.sample_columns(np.random.default_rng(seed), budget)
    m_base = base.evaluate(bcols)
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
    ap.add_argument("--dram-bw", type=int, default=SYSTEM_DEFAULTS["dram_bw"], help="shared DRAM bytes/cycle")
    ap.add_argument("--pe-budget", type=int, default=SYSTEM_DEFAULTS["pe_budget"])
    ap.add_argument("--area-budget", type=float, default=SYSTEM_DEFAULTS["area_budget_mm2"], help="mm^2")
    args = ap.parse_args()
    system = {"dram_bw": args.dram_bw, "pe_budget": args.pe_budget, "area_budget_mm2": args.area_budget}
    t0 = time.perf_counter()
    results = [compare(n, args.budget, args.seed, **system) for n in NETWORKS]
    print(f"random search, {args.budget} designs per side, seed {args.seed}; best feasible design by EDP "
          f"({args.pe_budget} PEs, {args.area_budget:g} mm^2, int8, 800 MHz, {args.dram_bw} B/cycle DRAM)\n")
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
        h = r["het"]
        print(f"    het critical path: branch A {h['branch_a_cycles']:.0f}, branch B {h['branch_b_cycles']:.0f}, "
              f"fusion {h['fusion_cycles']:.0f}, transfers {h['transfer_cycles']:.0f} cycles; "
              f"{h['pe_count']:.0f} PEs, utilisation {h['utilisation']:.3f} (single {r['single']['pe_count']:.0f} "
              f"PEs, {r['single']['utilisation']:.3f})")
    print(f"\n({time.perf_counter() - t0:.1f} s)")


if __name__ == "__main__":
    main()
