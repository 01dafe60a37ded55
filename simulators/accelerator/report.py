"""The per-layer detail report (SCALE-Sim COMPUTE_REPORT + DETAILED_ACCESS_REPORT, plus DRAM and energy)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulators.accelerator.costs import DRAM_PJ_PER_BYTE, MAC_PJ_BY_WORD, sram_pj_per_byte
from simulators.accelerator.model import DATAFLOWS, array_stats, layer_dram
from simulators.accelerator.workloads import Workload


def detail_frame(wl: Workload, design: dict[str, Any]) -> Any:
    """Per-layer DataFrame for one validated design (see ``AcceleratorSimulator.detail_report``)."""
    import pandas as pd

    r, c, word = design["array_rows"], design["array_cols"], float(design["word_bytes"])
    s1 = array_stats(wl, np.array([r]), np.array([c]), np.array([DATAFLOWS.index(design["dataflow"])]))
    st2 = layer_dram(s1, wl, word, float(design["ifmap_sram_kib"]), float(design["filter_sram_kib"]),
                     float(design["ofmap_sram_kib"]), float(design["dram_bw"]))
    first = {k: np.asarray(v)[0] if np.ndim(v) == 2 else np.asarray(v) for k, v in {**s1, **st2}.items()}
    macs = np.array([layer.macs for layer in wl.layers], dtype=np.float64)
    compute, cycles = first["compute"], first["cycles"]
    sram = {op: first[f"sram_{op}"] + first[f"dram_{op}"] for op in ("if", "f", "of")}
    e_sram = word * (sram["if"] * sram_pj_per_byte(design["ifmap_sram_kib"])
                     + sram["f"] * sram_pj_per_byte(design["filter_sram_kib"])
                     + sram["of"] * sram_pj_per_byte(design["ofmap_sram_kib"]))
    dram_bytes = (first["dram_if"] + first["dram_f"] + first["dram_of"]) * word
    as_int = np.int64
    return pd.DataFrame({
        "layer": [layer.name for layer in wl.layers],
        "kind": [layer.kind for layer in wl.layers],
        "groups": [layer.groups for layer in wl.layers],
        "ifmap_h": [layer.ifmap_h for layer in wl.layers], "ifmap_w": [layer.ifmap_w for layer in wl.layers],
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
        "dram_ifmap_bytes": (first["dram_if"] * word).astype(as_int),
        "dram_filter_bytes": (first["dram_f"] * word).astype(as_int),
        "dram_ofmap_bytes": (first["dram_of"] * word).astype(as_int),
        "energy_pj": macs * MAC_PJ_BY_WORD[int(word)] + e_sram + dram_bytes * DRAM_PJ_PER_BYTE,
    })
