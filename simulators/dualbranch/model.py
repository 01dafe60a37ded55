"""The dual-branch mapping model, vectorised over designs.

**Per layer** (reused from the accelerator simulator): each sub-accelerator runs its branch's layers, and the
fusion layers when the design places them there, through the template's stage-1 columns
(:mod:`simulators.dualbranch.templates`) and the accelerator's ``layer_dram`` (DRAM reuse, double-buffered
stalls over that sub-accelerator's share of the DRAM interface's bandwidth). Sub-accelerator ``i`` has three
double-buffered SRAMs (``acc{i}_ifmap_kib``, ``_filter_kib``, ``_ofmap_kib``), as in the accelerator simulator.

**Costs** are the accelerator's (``simulators/accelerator/model.py``): per sub-accelerator, MAC and SRAM dynamic
energy at the shared clock's voltage (RS adds its scratchpad accesses), DRAM energy per byte of the shared
interface; for the whole critical path, the leakage of both sub-accelerators (they leak while one waits at a
barrier) and the interface's background power. Area: the layout factor times both sub-accelerators' PE cells,
scratchpads and SRAM macros, plus one DRAM PHY.

**Critical path** (a fork-join barrier per stage; the latency is the sum over stages, all in cycles):

* branches: ``TA`` = branch A's layers back to back on sub-accelerator 1, ``TB`` likewise on 2, in parallel;
* cross tensors whose producer and consumer sit on different sub-accelerators go through DRAM: the producer
  writes ``ceil(bytes / bw_producer)`` cycles after it finishes, the consumer reads ``ceil(bytes /
  bw_consumer)``. Writes of one sub-accelerator are serial, and both sub-accelerators read in parallel after
  the join;
* **bandwidth**: while both sub-accelerators are active (branch layers, branch writes, reads) each has its
  share of the shared DRAM bandwidth (``bw_share_acc1`` eighths to sub-accelerator 1, the rest to 2); the
  fusion layers and the fusion's write-backs run while the other sub-accelerator waits at the barrier, so they
  get the whole bandwidth (a work-conserving shared channel, not a hard partition);
* ``stage = max(TA + WA, TB + WB) + max(R1, R2) + F + W_post + max(R1_post, R2_post)`` where ``WA``/``WB``
  are the branches' writes, ``R1``/``R2`` the reads by each sub-accelerator, ``F`` the fusion layers on the
  chosen sub-accelerator, and ``*_post`` the writes and reads of tensors the fusion sends back to a branch.

Transfers do not overlap computation (conservative), and the barrier makes a branch wait for the stage's fusion
even when it does not consume its result. Cross-tensor energy is one DRAM write + one read per crossing byte.

**Budgets**: the total PE count and area are metrics; ``budget_violation`` is
``max(0, area / area_budget - 1) + max(0, PEs / pe_budget - 1)`` (0 when within both budgets).

Every per-layer and per-stage quantity is an exact integer in float64, so sums are exact in any order and the
single-design path (the batch path with one row) equals the batch path bit for bit.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from simulators.accelerator.costs import get_datatype
from simulators.accelerator.dataflow import STAGE1_KEYS
from simulators.accelerator.model import core_area_mm2, design_costs, layer_dram, leakage_mw, sram_pj
from simulators.accelerator.workloads import Workload
from simulators.dualbranch.networks import DualBranchNet
from simulators.dualbranch.templates import (
    STAT_KEYS,
    TEMPLATES,
    rs_extra_pj_per_mac,
    rs_pe_cell_um2,
    rs_spad_macro,
    template_stats,
)

_ENDPOINT = {"a": 0, "b": 1, "fusion": 2}


class _SubAcc:
    """Precomputed per-template stage-1 tables for one sub-accelerator's layers (branch ++ fusion)."""

    def __init__(self, net: DualBranchNet, branch: str, row_levels: np.ndarray, col_levels: np.ndarray) -> None:
        self.branch_layers = net.layers(branch)
        self.fusion_layers = net.layers("fusion")
        self.n_branch = len(self.branch_layers)
        self.workload = Workload(f"{net.name}_{branch}_plus_fusion", (*self.branch_layers, *self.fusion_layers),
                                 net.source)
        self.row_levels, self.col_levels = row_levels, col_levels
        rr, cc = np.meshgrid(row_levels, col_levels, indexing="ij")
        rr, cc = rr.reshape(-1), cc.reshape(-1)
        parts = [template_stats(self.workload, t, rr, cc) for t in TEMPLATES]
        self.table = {k: np.concatenate([p[k] for p in parts]) for k in STAT_KEYS}  # (3 * nr * nc, L)
        macs = np.array([lay.macs for lay in self.workload.layers], dtype=np.float64)
        self.macs_branch = float(macs[: self.n_branch].sum())
        self.macs_fusion = float(macs[self.n_branch:].sum())
        stage_of = [k for k, s in enumerate(net.stages) for _ in getattr(s, branch)]
        stage_of += [k for k, s in enumerate(net.stages) for _ in s.fusion]
        ind = np.zeros((len(stage_of), len(net.stages)))
        ind[np.arange(len(stage_of)), stage_of] = 1.0
        self.stage_ind_branch, self.stage_ind_fusion = ind[: self.n_branch], ind[self.n_branch:]

    def key(self, template: np.ndarray, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
        t = np.zeros(len(template), dtype=np.int64)
        for i, name in enumerate(TEMPLATES):
            t[np.asarray(template, dtype=object) == name] = i
        ir = np.searchsorted(self.row_levels, rows)
        ic = np.searchsorted(self.col_levels, cols)
        return (t * len(self.row_levels) + ir) * len(self.col_levels) + ic


class DualBranchModel:
    """The vectorised model of one network under fixed system constants (see module docstring).

    Args:
        net: The network.
        row_levels, col_levels: The allowed array rows / columns (the design space's levels).
        datatype: Datatype of the network (``int8``, ``int16``, ``fp16``, ``bf16``).
        clock_mhz: Shared clock (sets the shared supply voltage).
        dram: Shared DRAM interface; its bandwidth is split in eighths between the sub-accelerators.
        pe_budget: Total PEs allowed.
        area_budget_mm2: Total area allowed.
    """

    def __init__(self, net: DualBranchNet, row_levels: np.ndarray, col_levels: np.ndarray, *, datatype: str,
                 clock_mhz: float, dram: str, pe_budget: int, area_budget_mm2: float) -> None:
        self.net = net
        self.dt = get_datatype(datatype)
        self.word = float(self.dt.word_bytes)
        self.clock_mhz = float(clock_mhz)
        self.dram = dram
        base = design_costs(self.dt, {"ifmap_sram_kib": [16], "filter_sram_kib": [16], "ofmap_sram_kib": [16],
                                      "dram": [dram], "clock_mhz": [self.clock_mhz]})
        self.sys = {k: float(v[0]) for k, v in base.items()}
        self.dram_bw = self.sys["dram_gbps"] * 1e3 / self.clock_mhz  # bytes per cycle
        self.pe_budget = float(pe_budget)
        self.area_budget = float(area_budget_mm2)
        self.accs = (_SubAcc(net, "branch_a", row_levels, col_levels), _SubAcc(net, "branch_b", row_levels,
                                                                                   col_levels))
        spad = rs_spad_macro()
        self.pe_um2 = {False: self.dt.pe_cell_um2, True: rs_pe_cell_um2(self.dt)}
        self.spad_mm2, self.spad_leak_mw = spad["area_mm2"], spad["leakage_mw"]
        self.rs_pj = rs_extra_pj_per_mac(self.dt)
        tensors = [(k, t) for k, s in enumerate(net.stages) for t in s.cross]
        self.tensors = [t for _, t in tensors]
        n_x, n_s = len(tensors), len(net.stages)
        self.x_bytes = np.array([t.words * self.word for _, t in tensors], dtype=np.float64)
        self.x_src = np.array([_ENDPOINT[t.src] for _, t in tensors], dtype=np.int64)
        self.x_dst = np.array([_ENDPOINT[t.dst] for _, t in tensors], dtype=np.int64)
        self.x_stage = np.zeros((n_x, n_s))
        self.x_stage[np.arange(n_x), [k for k, _ in tensors]] = 1.0
        self.macs_total = float(net.macs)

    # --- the model -------------------------------------------------------------------------------------------
    def evaluate(self, cols: dict[str, np.ndarray], parts: bool = False) -> dict[str, Any]:
        """Validated design columns → metric arrays (and, with ``parts=True``, the per-layer/per-tensor pieces)."""
        n = len(cols["fusion_on"])
        share = np.asarray(cols["bw_share_acc1"], dtype=np.float64)
        bw = (self.dram_bw * share / 8.0, self.dram_bw * (8.0 - share) / 8.0)
        fus1 = np.asarray(cols["fusion_on"], dtype=object) == "acc1"
        on = (fus1.astype(np.float64), (~fus1).astype(np.float64))
        out: dict[str, Any] = {}
        dyn_pj = np.zeros(n)  # at 0.9 V; scaled by the clock's voltage below
        dram_pj = np.zeros(n)
        leak = np.zeros(n)
        area = np.zeros(n)
        pes = np.zeros(n)
        sys = self.sys
        t_branch, t_fusion, layer_cycles = [], np.zeros((n, len(self.net.stages))), []
        for i, acc in enumerate(self.accs):
            p = f"acc{i + 1}_"
            key = acc.key(cols[p + "template"], cols[p + "rows"], cols[p + "cols"])
            s1 = {k: acc.table[k][key] for k in STAT_KEYS}
            kib = [np.asarray(cols[p + f"{op}_kib"], dtype=np.float64) for op in ("ifmap", "filter", "ofmap")]
            costs = design_costs(self.dt, {"ifmap_sram_kib": kib[0], "filter_sram_kib": kib[1],
                                           "ofmap_sram_kib": kib[2], "dram": np.full(n, self.dram, dtype=object),
                                           "clock_mhz": np.full(n, self.clock_mhz)})
            nb = acc.n_branch
            layer_bw = np.concatenate([np.broadcast_to(bw[i][:, None], (n, nb)),
                                       np.full((n, len(acc.fusion_layers)), self.dram_bw)], axis=1)
            st2 = layer_dram({k: s1[k] for k in STAGE1_KEYS}, self.word, kib[0][:, None], kib[1][:, None],
                             kib[2][:, None], layer_bw)
            cyc = st2["cycles"]
            layer_cycles.append(cyc)
            t_branch.append(cyc[:, :nb] @ acc.stage_ind_branch)
            t_fusion += (cyc[:, nb:] @ acc.stage_ind_fusion) * on[i][:, None]
            fus_w = on[i][:, None]

            def ran(x: np.ndarray, nb: int = nb, fus_w: np.ndarray = fus_w) -> np.ndarray:
                return x[:, :nb].sum(axis=1) + x[:, nb:].sum(axis=1) * fus_w[:, 0]

            macs = acc.macs_branch + acc.macs_fusion * on[i]
            is_rs = np.asarray(cols[p + "template"], dtype=object) == "RS"
            r = np.asarray(cols[p + "rows"], dtype=np.float64)
            c = np.asarray(cols[p + "cols"], dtype=np.float64)
            d_if, d_f, d_ofw, d_ofr = (ran(st2[k]) for k in ("dram_if", "dram_f", "dram_ofw", "dram_ofr"))
            dyn_i = (macs * (self.dt.mac_pj + is_rs * self.rs_pj)
                     + sram_pj(ran(s1["sram_if"]), ran(s1["sram_f"]), ran(s1["sram_of"]), d_if, d_f, d_ofw, d_ofr,
                               self.word, costs))
            cells = r * c * np.where(is_rs, self.pe_um2[True], self.pe_um2[False]) * 1e-6
            spads = is_rs * r * c
            leak = leak + leakage_mw(cells, costs) + spads * self.spad_leak_mw * costs["leak"]
            dyn_pj = dyn_pj + dyn_i
            dram_pj = dram_pj + ((d_if + d_f + d_ofr) * self.word * sys["dram_read_pj_per_byte"]
                                 + d_ofw * self.word * sys["dram_write_pj_per_byte"])
            area_i = core_area_mm2(cells + spads * self.spad_mm2, costs)
            area = area + area_i
            pes = pes + r * c
            out[p + "area_mm2"] = area_i
        # cross tensors
        acc_of = np.stack([np.zeros(n), np.ones(n), np.where(fus1, 0.0, 1.0)], axis=1)  # endpoint -> acc index
        src_acc, dst_acc = acc_of[:, self.x_src], acc_of[:, self.x_dst]
        crosses = (src_acc != dst_acc).astype(np.float64)
        bw_mat = np.stack(bw, axis=1)  # (n, 2)
        rows = np.arange(n)[:, None]
        w_bw = np.where(self.x_src == 2, self.dram_bw, bw_mat[rows, src_acc.astype(np.int64)])
        w_cyc = np.ceil(self.x_bytes / w_bw) * crosses
        r_cyc = np.ceil(self.x_bytes / bw_mat[rows, dst_acc.astype(np.int64)]) * crosses
        pre = (self.x_src != 2).astype(np.float64)
        post = 1.0 - pre
        from_a = (self.x_src == 0).astype(np.float64)
        from_b = (self.x_src == 1).astype(np.float64)
        to1, to2 = (dst_acc == 0).astype(np.float64), (dst_acc == 1).astype(np.float64)
        xs = self.x_stage
        wa, wb = (w_cyc * from_a) @ xs, (w_cyc * from_b) @ xs
        r_pre = np.maximum((r_cyc * pre * to1) @ xs, (r_cyc * pre * to2) @ xs)
        w_post = (w_cyc * post) @ xs
        r_post = np.maximum((r_cyc * post * to1) @ xs, (r_cyc * post * to2) @ xs)
        ta, tb = t_branch
        stage = np.maximum(ta + wa, tb + wb) + r_pre + t_fusion + w_post + r_post
        lat = stage.sum(axis=1)
        xfer_bytes = (crosses * self.x_bytes).sum(axis=1)
        latency_s = lat / (self.clock_mhz * 1e6)
        dram_pj = dram_pj + xfer_bytes * (sys["dram_write_pj_per_byte"] + sys["dram_read_pj_per_byte"])
        dram_pj = dram_pj + sys["dram_static_mw"] * latency_s * 1e9
        energy = dyn_pj * sys["dyn"] + leak * latency_s * 1e9 + dram_pj
        area = area + sys["dram_phy_area_mm2"]
        fusion_cycles = t_fusion.sum(axis=1)
        viol = (np.maximum(area / self.area_budget - 1.0, 0.0) + np.maximum(pes / self.pe_budget - 1.0, 0.0))
        metrics = {
            "latency_cycles": lat,
            "latency_s": latency_s,
            "energy_pj": energy,
            "area_mm2": area,
            "edp_js": energy * 1e-12 * latency_s,
            "pe_count": pes,
            "budget_violation": viol,
            "utilisation": self.macs_total / (lat * pes),
            "branch_a_cycles": ta.sum(axis=1),
            "branch_b_cycles": tb.sum(axis=1),
            "fusion_cycles": fusion_cycles,
            "transfer_cycles": lat - np.maximum(ta, tb).sum(axis=1) - fusion_cycles,
            "transfer_bytes": xfer_bytes,
            "dram_energy_pj": dram_pj,
            "acc1_area_mm2": out["acc1_area_mm2"],
            "acc2_area_mm2": out["acc2_area_mm2"],
        }
        if parts:
            metrics["_parts"] = {"layer_cycles": layer_cycles, "w_cyc": w_cyc, "r_cyc": r_cyc, "crosses": crosses,
                                 "dst_acc": dst_acc, "src_acc": src_acc, "fus1": fus1, "stage": stage}
        return metrics
