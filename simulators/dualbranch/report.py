"""The detail report: a per-layer / per-transfer timeline that follows the critical-path model step by step."""

from __future__ import annotations

from typing import Any

import numpy as np


def timeline(sim: Any, design: dict[str, Any]) -> Any:
    """Timeline DataFrame of one validated design (see ``DualBranchSimulator.detail_report``)."""
    import pandas as pd

    cols = {k: np.array([v], dtype=object if isinstance(v, str) else None) for k, v in design.items()}
    model = sim.model
    parts = model.evaluate(cols, parts=True)["_parts"]
    cyc = [c[0] for c in parts["layer_cycles"]]
    w_cyc, r_cyc = parts["w_cyc"][0], parts["r_cyc"][0]
    crosses, dst_acc = parts["crosses"][0], parts["dst_acc"][0]
    fus = 0 if parts["fus1"][0] else 1
    acc_name = ("acc1", "acc2")
    tmpl = (design["acc1_template"], design["acc2_template"])
    rows: list[dict[str, Any]] = []
    nxt = [0, 0]  # next branch-layer index per sub-accelerator
    nfus = 0
    xi = 0
    t0 = 0.0

    def add(stage: int, section: str, name: str, acc: int, macs: int, nbytes: float, cycles: float,
            start: float) -> float:
        rows.append({"stage": stage, "section": section, "name": name, "accelerator": acc_name[acc],
                     "template": tmpl[acc], "macs": macs, "bytes": int(nbytes), "cycles": int(cycles),
                     "start_cycle": int(start), "end_cycle": int(start + cycles)})
        return start + cycles

    for k, st in enumerate(model.net.stages):
        ends = []
        xs = list(range(xi, xi + len(st.cross)))
        xi += len(st.cross)
        for acc, (section, layers) in enumerate((("branch_a", st.branch_a), ("branch_b", st.branch_b))):
            t = t0
            for lay in layers:
                t = add(k, section, lay.name, acc, lay.macs, 0, cyc[acc][nxt[acc]], t)
                nxt[acc] += 1
            for x in xs:
                if model.x_src[x] == acc and crosses[x]:
                    t = add(k, "write", model.tensors[x].name, acc, 0, model.x_bytes[x], w_cyc[x], t)
            ends.append(t)
        join = max(ends)
        ends = [join]
        for acc in (0, 1):
            t = join
            for x in xs:
                if model.x_src[x] != 2 and crosses[x] and dst_acc[x] == acc:
                    t = add(k, "read", model.tensors[x].name, acc, 0, model.x_bytes[x], r_cyc[x], t)
            ends.append(t)
        t = max(ends)
        base = model.accs[fus].n_branch
        for lay in st.fusion:
            t = add(k, "fusion", lay.name, fus, lay.macs, 0, cyc[fus][base + nfus], t)
            nfus += 1
        for x in xs:
            if model.x_src[x] == 2 and crosses[x]:
                t = add(k, "write", model.tensors[x].name, fus, 0, model.x_bytes[x], w_cyc[x], t)
        ends = [t]
        for acc in (0, 1):
            ta = t
            for x in xs:
                if model.x_src[x] == 2 and crosses[x] and dst_acc[x] == acc:
                    ta = add(k, "read", model.tensors[x].name, acc, 0, model.x_bytes[x], r_cyc[x], ta)
            ends.append(ta)
        t0 = max(ends)
    return pd.DataFrame(rows)
