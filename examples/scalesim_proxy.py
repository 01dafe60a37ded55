"""Where a proxy pays: train a proxy on a few hundred runs of the real SCALE-Sim 3, search it, check it.

Needs the example plugin (``examples/scalesim_plugin``; imported from there if not installed) and the
SCALE-Sim venv (built on first use with ``--build-venv``, shared with the SCALE-Sim peer test):

    python examples/scalesim_proxy.py --build-venv --sample 150 --top-k 10 --exhaustive --out runs/scalesim-proxy

Prints the proxy's accuracy against SCALE-Sim, the SCALE-Sim time per design, the wall time of the proxy
route against simulating what the search evaluated, and (``--exhaustive``: every one of the 432 designs is
simulated too, ~15 min on 2 cores) whether the proxy's best designs are SCALE-Sim's best.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

try:
    import archgym_scalesim
except ImportError:  # not pip-installed: use the example package in place
    sys.path.insert(0, str(Path(__file__).resolve().parent / "scalesim_plugin"))
    import archgym_scalesim


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="runs/scalesim-proxy")
    ap.add_argument("--layers", default="cnn", help="layer set: cnn or tiny")
    ap.add_argument("--sample", type=int, default=150, help="SCALE-Sim runs to train the proxy on")
    ap.add_argument("--agent", default="random")
    ap.add_argument("--budget", type=int, default=2000, help="evaluations of the search on the proxy")
    ap.add_argument("--top-k", type=int, default=10, help="proxy's best designs re-simulated with SCALE-Sim")
    ap.add_argument("--exhaustive", action="store_true", help="also simulate every design (the true best)")
    ap.add_argument("--workers", type=int, default=2, help="SCALE-Sim runs at a time")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--build-venv", action="store_true", help="build the SCALE-Sim venv if missing (needs PyPI)")
    args = ap.parse_args()

    from archgym_scalesim.study import run_study
    from archgym_scalesim.venv import scalesim_python

    from archgym_lite.proxy import RichReporter

    archgym_scalesim.register()

    def plain(design: dict) -> dict:
        return {k: v.item() if hasattr(v, "item") else v for k, v in design.items()}

    python = scalesim_python(build=args.build_venv)
    with RichReporter() as rep:
        r = run_study(args.out, layers=args.layers, sample=args.sample, agent=args.agent, budget=args.budget,
                      top_k=args.top_k, exhaustive=args.exhaustive, seed=args.seed, python=python,
                      max_workers=args.workers, reporter=rep)
    print(f"proxy: {r['model']}")
    print(f"SCALE-Sim: {r['scalesim_s_per_design']:.2f} s per design ({args.workers} at a time); "
          f"{r['sampled']} sampled of {r['designs_in_space']} designs")
    print("accuracy on the re-simulated top-k (relative RMSE): "
          + ", ".join(f"{m} {100 * v:.2f}%" for m, v in r["top_k_rel_rmse"].items()))
    print(f"proxy route: {r['proxy_route_s']:.0f} s (sample {r['sample_s']:.0f} s, fit {r['fit_s']:.0f} s, search + "
          f"{r['top_k']} SCALE-Sim checks {r['search_and_verify_s']:.0f} s); the same search on SCALE-Sim: "
          f"{r['search_designs']} designs ~ {r['search_on_scalesim_s_estimate']:.0f} s")
    print(f"proxy's pick (best SCALE-Sim reward of its top-k): {plain(r['proxy_pick'])} reward {r['proxy_pick_real_reward']:.4g}")
    if args.exhaustive:
        print("accuracy on every design the proxy never saw ({} designs): {}".format(
            r["unseen_designs"], ", ".join(f"{m} {100 * v:.2f}%" for m, v in r["unseen_rel_rmse"].items())))
        print(f"SCALE-Sim's best: {plain(r['real_best'])} reward {r['real_best_reward']:.4g}; the proxy's pick ranks "
              f"#{r['proxy_pick_rank']} of {r['designs_in_space']}; SCALE-Sim's best in the proxy's top-{r['top_k']}: "
              f"{r['real_best_in_top_k']}; SCALE-Sim ranks of the top-k: {r['top_k_real_ranks']}")
        print(f"exhaustive SCALE-Sim sweep: {r['exhaustive_s']:.0f} s; proxy route: {r['proxy_route_s']:.0f} s "
              f"({r['exhaustive_s'] / r['proxy_route_s']:.1f}x less wall time)")


if __name__ == "__main__":
    main()
