"""The SoC detail report: per-task timeline and per-block utilisation (see ``SoCSimulator.detail_report``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from simulators.soc import layout as L
from simulators.soc.database import is_dummy
from simulators.soc.space import task_stems


def detail_frame(sim: Any, design: dict[str, Any]) -> Any:
    """Timeline and block table of one validated design, as one DataFrame with a ``section`` column."""
    import pandas as pd

    w = sim.workload
    run = sim.model.run(sim.model.encoder.row(design))
    latency = float(run.metrics[0])
    n_pe = L.N_CORES + len(w.tasks)
    stems = task_stems(w)
    blk = run.blocks
    bus_name = {b: f"bus{i}" for i, b in enumerate(b for b in range(2) if blk[n_pe + 2 + b, L.B_EXISTS])}
    mem_name = {m: f"mem{i}" for i, m in enumerate(m for m in range(2) if blk[n_pe + m, L.B_EXISTS])}
    rows: list[dict[str, Any]] = []
    for i, t in enumerate(w.tasks):
        if is_dummy(t):
            pe, mem = "core0", mem_name[0]
        else:
            s = stems[t]
            pe = f"ip:{t}" if design[f"{s}_pe"] == "ip" else design[f"{s}_pe"]
            mem = mem_name[int(design[f"{s}_mem"][-1])]
        tt = run.tasks[i]
        pe_row = L.N_CORES + i if pe.startswith("ip:") else int(pe[-1])
        rows.append({"section": "task", "name": t, "pe": pe, "mem": mem, "bus": bus_name[int(blk[pe_row, L.B_BUS])],
                     "launch_s": tt[L.T_LAUNCH],
                     "start_s": tt[L.T_START], "end_s": tt[L.T_END], "wait_s": tt[L.T_START] - tt[L.T_LAUNCH],
                     "busy_s": tt[L.T_BUSY], "read_bytes": tt[L.T_READ], "write_bytes": tt[L.T_WRITE],
                     "energy_j": tt[L.T_ENERGY]})
    peak_bw = {}
    for m in range(2):
        peak_bw[n_pe + m] = design[f"mem{m}_width"] * w.blocks.mem_freq_hz * design[f"mem{m}_clock"]
        peak_bw[n_pe + 2 + m] = design[f"bus{m}_width"] * w.blocks.bus_freq_hz * design[f"bus{m}_clock"]
    for r in range(n_pe + 4):
        b = blk[r]
        if not b[L.B_EXISTS]:
            continue
        if r < L.N_CORES:
            name, kind = f"core{r}", "A53"
        elif r < n_pe:
            t = w.tasks[r - L.N_CORES]
            name, kind = f"ip:{t}", f"IP u={design[stems[t] + '_unroll']} x{design[stems[t] + '_clock']}"
        elif r < n_pe + 2:
            m = r - n_pe
            name, kind = mem_name[m], f"{design[f'mem{m}_type']} {design[f'mem{m}_width']}B x{design[f'mem{m}_clock']}"
        else:
            bb = r - n_pe - 2
            name, kind = bus_name[bb], f"bus {design[f'bus{bb}_width']}B x{design[f'bus{bb}_clock']}"
        if r < n_pe:
            util = b[L.B_BUSY] / latency if latency > 0 else np.nan
            where = bus_name[int(b[L.B_BUS])]
        else:
            util = max(b[L.B_READ], b[L.B_WRITE]) / (peak_bw[r] * latency) if latency > 0 else np.nan
            where = bus_name[int(b[L.B_BUS])] if r < n_pe + 2 else ("bridged" if len(bus_name) == 2 else "")
        rows.append({"section": "block", "name": name, "kind": kind, "bus": where,
                     "busy_s": b[L.B_BUSY] if r < n_pe else np.nan,
                     "utilisation": util, "read_bytes": b[L.B_READ] if r >= n_pe else np.nan,
                     "write_bytes": b[L.B_WRITE] if r >= n_pe else np.nan,
                     "energy_j": b[L.B_ENERGY], "area_mm2": b[L.B_AREA],
                     "peak_bytes": b[L.B_PEAK] if n_pe <= r < n_pe + 2 else np.nan,
                     "cacti_bytes": b[L.B_SIZE] if n_pe <= r < n_pe + 2 else np.nan})
    cols = ["section", "name", "pe", "mem", "kind", "bus", "launch_s", "start_s", "end_s", "wait_s", "busy_s", "utilisation",
            "read_bytes", "write_bytes", "energy_j", "area_mm2", "peak_bytes", "cacti_bytes"]
    return pd.DataFrame(rows, columns=cols)
