"""The per-layer detail report (SCALE-Sim COMPUTE_REPORT + DETAILED_ACCESS_REPORT, plus DRAM and energy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulators.accelerator.costs import Datatype
from simulators.accelerator.dataflow import DATAFLOWS, array_stats
from simulators.accelerator.model import design_costs, finish, layer_dram
from simulators.accelerator.workloads import Workload


def detail_frame(wl: Workload, dt: Datatype, design: dict[str, Any]) -> Any:
    """Per-layer DataFrame for one validated design (see ``AcceleratorSimulator.detail_report``).

    ``energy_pj`` per layer charges leakage and DRAM background power for the layer's own cycles, so the column
    sums to the design's ``energy_pj``.
    """
    import pandas as pd

    r, c = design["array_rows"], design["array_cols"]
    s1 = array_stats(wl, np.array([r]), np.array([c]), np.array([DATAFLOWS.index(design["dataflow"])]))
    p = design_costs(dt, {k: [design[k]] for k in ("ifmap_sram_kib", "filter_sram_kib", "ofmap_sram_kib", "dram",
                                                  "clock_mhz")})
    p = {k: float(v[0]) for k, v in p.items()}
    word = float(dt.word_bytes)
    st2 = layer_dram(s1, word, float(design["ifmap_sram_kib"]), float(design["filter_sram_kib"]),
                     float(design["ofmap_sram_kib"]), p["dram_gbps"] * 1e3 / p["clock_mhz"])
    first = {k: np.asarray(v)[0] for k, v in {**s1, **st2}.items()}
    macs = np.array([layer.macs for layer in wl.layers], dtype=np.float64)
    per = finish(first["cycles"], first["dram_if"], first["dram_f"], first["dram_ofw"], first["dram_ofr"],
                 first["sram_if"], first["sram_f"], first["sram_of"], macs, float(r), float(c), dt, p)
    compute, cycles = first["compute"], first["cycles"]
    as_int = np.int64
    return pd.DataFrame({
        "layer": [layer.name for layer in wl.layers],
        "kind": [layer.kind for layer in wl.layers],
        "groups": [layer.groups for layer in wl.layers],
        "ifmap_h": [layer.ifmap_h for layer in wl.layers], "ifmap_w": [layer.ifmap_w for layer in wl.layers],
        "pad": [layer.pad for layer in wl.layers],
        "filter_h": [layer.filter_h for layer in wl.layers], "filter_w": [layer.filter_w for layer in wl.layers],
        "channels": [layer.channels for layer in wl.layers],
        "num_filters": [layer.num_filters for layer in wl.layers],
        "stride": [layer.stride_h for layer in wl.layers],
        "ofmap_h": [layer.ofmap_h for layer in wl.layers], "ofmap_w": [layer.ofmap_w for layer in wl.layers],
        "macs": macs.astype(as_int),
        "sr": first["sr"].astype(as_int), "sc": first["sc"].astype(as_int), "t": first["t"].astype(as_int),
        "row_folds": first["rf"].astype(as_int), "col_folds": first["cf"].astype(as_int),
        "compute_cycles": compute.astype(as_int),
        "stall_cycles": (cycles - compute).astype(as_int),
        "total_cycles": cycles.astype(as_int),
        "overall_util_pct": macs * 100.0 / (compute * r * c),
        "mapping_eff_pct": first["mapping_eff"] * 100.0,
        "compute_util_pct": first["compute_util"] * 100.0,
        "sram_ifmap_reads": first["sram_if"].astype(as_int),
        "sram_filter_reads": first["sram_f"].astype(as_int),
        "sram_ofmap_writes": first["sram_of"].astype(as_int),
        "dram_ifmap_reads": first["dram_if"].astype(as_int),
        "dram_filter_reads": first["dram_f"].astype(as_int),
        "dram_ofmap_writes": first["dram_ofw"].astype(as_int),
        "dram_psum_reads": first["dram_ofr"].astype(as_int),
        "dram_bytes": per["dram_bytes"].astype(as_int),
        "energy_pj": per["energy_pj"],
    })
