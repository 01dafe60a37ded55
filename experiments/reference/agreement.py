"""Our DRAM model against the stored DRAMSys 5 results (``tests/data/dramsys_reference.json``): per run and per
knob effect. Used by ``tests/test_dram_dramsys.py`` and ``experiments/bench/bench_dram.py``; needs no DRAMSys.

Definitions:

* A run compares simulated time (last response), average power (DDR4: DRAMPower) and mean read latency (trace
  timestamp to the controller's response, DRAMSys's RESP phase).
* A trace is **bandwidth-bound** when requests queue in DRAMSys's baseline run: it ends more than 5% after the
  trace's last request arrives, or its mean read latency exceeds three times the device's unloaded row-conflict
  latency (tRP + tRCD + read data), as in bursts that offer more than the memory delivers.
* A **knob effect** is a variant's change of one metric relative to the baseline of its trace and device. Its
  direction agrees when our change has the same sign; effects below 5% in DRAMSys are not counted.
* Runs where DRAMSys breaks JEDEC timing (its trace database shows a same-bank activate earlier than tRC or than
  ``max(ACT + tRAS, RDA + tRTP | WRA + WL + BL/2 + tWR) + tRP`` after an auto-precharge) are left out of the
  effect count and listed; so are runs DRAMSys did not finish (hangs, rejected configurations).
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REFERENCE = Path(__file__).resolve().parents[2] / "tests" / "data" / "dramsys_reference.json"
METRICS = ("sim_time_ns", "power_mw", "avg_read_latency_ns")
EFFECT_MIN = 0.05
BOUND_MARGIN = 1.05
QUEUE_FACTOR = 3.0


@dataclass
class Run:
    """One reference run with our values beside DRAMSys's."""

    trace: str
    device: str
    variant: str
    status: str
    dramsys: dict[str, float]
    ours: dict[str, float] = field(default_factory=dict)
    jedec_breaks: dict[str, int] = field(default_factory=dict)
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def load(path: str | Path = REFERENCE) -> dict[str, Any]:
    return json.loads(Path(path).read_text())


def _trace(spec: dict[str, Any], device: str, seed: int):
    from simulators.dram.devices import get_device
    from simulators.dram.traces import generate, stl_text

    tr = generate(spec["generator"], spec["n"], seed, capacity=get_device(device).capacity_bytes,
                  **spec["kwargs"])
    digest = hashlib.sha256(stl_text(tr).encode()).hexdigest()
    if digest != spec["sha256"]:
        raise RuntimeError(f"trace {spec} on {device} no longer matches the one DRAMSys ran (sha256 differs); "
                           "rerun experiments/reference/run_dramsys.py")
    return tr


def compare(ref: dict[str, Any] | None = None, traces: tuple[str, ...] | None = None) -> list[Run]:
    """Run our model on every reference run (optionally only ``traces``); returns the runs with both results."""
    from simulators.dram import DRAMSimulator

    ref = ref or load()
    base, variants, seed = ref["meta"]["baseline_mcconfig"], ref["meta"]["variants"], ref["meta"]["trace_seed"]
    knobs = [k for k in base if k not in ("CmdMux", "RefreshManagement", "RequestBufferSizeRead",
                                          "RequestBufferSizeWrite")]
    sims: dict[tuple[str, str], Any] = {}
    out = []
    for r in ref["runs"]:
        if traces and r["trace"] not in traces:
            continue
        key = (r["trace"], r["device"])
        if key not in sims:
            sims[key] = DRAMSimulator(_trace(ref["traces"][f"{r['trace']}/{r['device']}"], r["device"], seed),
                                      r["device"])
        sim = sims[key]
        ds = {"sim_time_ns": r.get("sim_time_ps", math.nan) / 1e3, "power_mw": r.get("power_mw", math.nan),
              "avg_read_latency_ns": r.get("avg_read_latency_ns", math.nan)}
        run = Run(r["trace"], r["device"], r["variant"], r["status"], ds, jedec_breaks=r.get("jedec_breaks", {}),
                  message=r.get("message", ""))
        design = {k: base[k] for k in knobs}
        design.update(variants[r["variant"]])
        if design["RefreshPolicy"] == "PerBank" and not sim.device.has_per_bank_refresh:
            run.ours = {}  # rejected by both (DRAMSys: "Per-bank refresh not supported"; ours: DesignError)
        else:
            res = sim.run(sim.space.validate(design))
            reads = sim.prepared.req_is_read
            run.ours = {"sim_time_ns": res.metrics["sim_time_ns"], "power_mw": res.metrics["power_mw"],
                        "avg_read_latency_ns": float(res.ctrl_latency_ns[reads].mean())}
        out.append(run)
    return out


def baselines(runs: list[Run]) -> dict[tuple[str, str], Run]:
    return {(r.trace, r.device): r for r in runs if r.variant == "base"}


def bandwidth_bound(ref: dict[str, Any], trace: str, device: str, base: Run) -> bool:
    from simulators.dram.devices import get_device

    spec = ref["traces"][f"{trace}/{device}"]
    last_ns = _trace(spec, device, ref["meta"]["trace_seed"]).cycle[-1] * 1e3 / ref["meta"]["player_clock_mhz"]
    dev = get_device(device)
    conflict_ns = (dev.RP + dev.RCD + dev.RD_DATA + dev.burst_clocks) * dev.tck_ns
    return (base.dramsys["sim_time_ns"] > BOUND_MARGIN * last_ns
            or base.dramsys["avg_read_latency_ns"] > QUEUE_FACTOR * conflict_ns)


@dataclass
class Effect:
    trace: str
    device: str
    variant: str
    metric: str
    dramsys: float
    ours: float

    @property
    def agrees(self) -> bool:
        return math.copysign(1, self.ours) == math.copysign(1, self.dramsys) and abs(self.ours) > 1e-12


def effects(runs: list[Run]) -> tuple[list[Effect], list[Run]]:
    """Knob effects larger than 5% in DRAMSys, and the runs left out (JEDEC breaks, not finished by DRAMSys)."""
    base = baselines(runs)
    out, left_out = [], []
    for r in runs:
        if r.variant == "base":
            continue
        if not r.ok or r.jedec_breaks or not r.ours:
            left_out.append(r)
            continue
        b = base[(r.trace, r.device)]
        for m in METRICS:
            d0, d1, o0, o1 = b.dramsys[m], r.dramsys[m], b.ours.get(m, math.nan), r.ours.get(m, math.nan)
            if any(math.isnan(v) for v in (d0, d1, o0, o1)) or d0 == 0 or o0 == 0:
                continue
            de, oe = d1 / d0 - 1, o1 / o0 - 1
            if abs(de) > EFFECT_MIN:
                out.append(Effect(r.trace, r.device, r.variant, m, de, oe))
    return out, left_out
