"""Run the real DRAMSys 5 (+ DRAMPower) on the project's traces and store what it reports as a small JSON.

Build DRAMSys outside the repository first (``/work/shared/dramsys/BUILD.md``), then::

    python experiments/reference/run_dramsys.py --dramsys /work/dramsys/build/bin/DRAMSys \\
        --resources /work/dramsys/src/configs --out tests/data/dramsys_reference.json

Every run (trace x device x knob variant, see :mod:`dramsys_setup`) goes under ``timeout``; a run that does not
finish is stored with ``status: "timeout"``, one that stops with requests unanswered with ``"stalled"``, one that
DRAMSys rejects with ``"error"`` and its message. From stdout: simulated time, average bandwidth, total energy and
average power (DDR4). From the SQLite trace database (``DatabaseRecording``): command counts, mean read latency
(controller: request phase to response phase; trace: trace timestamp to response) and the JEDEC timing rules the
run breaks (same-bank ACT->ACT below tRC, or an ACT after an auto-precharge earlier than
``max(ACT + tRAS, RDA + tRTP | WRA + WL + BL/2 + tWR) + tRP``), counted independently of DRAMSys's checker.

``--only TRACE`` / ``--device`` restrict the runs; results are merged into an existing ``--out`` file.
"""

from __future__ import annotations

import argparse
import json
import re
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import dramsys_setup as S  # noqa: E402

_NUM = r"([0-9.]+)"
UNIT_PS = {"fs": 1e-3, "ps": 1.0, "ns": 1e3, "us": 1e6, "ms": 1e9, "s": 1e12}
PATTERNS = {
    "sim_time_ps": re.compile(rf"Total Time:\s+{_NUM} (fs|ps|ns|us|ms|s)\b"),
    "energy_pj": re.compile(rf"Total Energy:\s+{_NUM} pJ"),
    "power_mw": re.compile(rf"Average Power:\s+{_NUM} mW"),
    "bandwidth_gbps": re.compile(rf"AVG BW:.*?\|\s+{_NUM}\s+GB/s"),
    "sim_wall_s": re.compile(rf"Simulation took {_NUM} seconds"),  # DRAMSys's own timing of sc_start
}


def memspec_timings(resources: Path, device: str) -> dict[str, float]:
    ms = json.loads((resources / "memspec" / S.DEVICES[device]["memspec"]).read_text())["memspec"]
    t = {k.upper(): v for k, v in ms["memtimingspec"].items()}
    arch = ms["memarchitecturespec"]
    return {"tck_ps": t["TCK"], "RAS": t["RAS"], "RC": t.get("RC", t.get("RCPB")), "RP": t.get("RP", t.get("RPPB")),
            "RTP": t["RTP"], "WL": t["WL"], "WR": t["WR"], "BURST": arch["burstLength"] // 2}


def jedec_breaks(phases: list[tuple], tm: dict[str, float]) -> dict[str, int]:
    """Count same-bank activate rules broken in a DRAMSys command log (cycles)."""
    tck = tm["tck_ps"]
    last_act: dict[int, int] = {}
    ready: dict[int, int] = {}
    out = Counter()
    for name, begin, bank in phases:
        t = round(begin / tck)
        if name == "ACT":
            if bank in last_act and t < last_act[bank] + tm["RC"]:
                out["ACT_before_tRC"] += 1
            if bank in ready and t < ready[bank]:
                out["ACT_before_autoprecharge_tRAS_tRP"] += 1
            last_act[bank] = t
            ready.pop(bank, None)
        elif name in ("RDA", "WRA"):
            a = last_act.get(bank, -10**9)
            implied = t + tm["RTP"] if name == "RDA" else t + tm["WL"] + tm["BURST"] + tm["WR"]
            ready[bank] = max(a + tm["RAS"], implied) + tm["RP"]
    return dict(out)


def read_db(db: Path, trace_ps: np.ndarray, is_read: np.ndarray, tm: dict[str, float]) -> dict:
    con = sqlite3.connect(db)
    try:
        counts = dict(con.execute("SELECT PhaseName, COUNT(*) FROM Phases GROUP BY PhaseName").fetchall())
        rows = con.execute(
            "SELECT t.ID, q.PhaseBegin, r.PhaseBegin FROM Transactions t "
            "JOIN Phases q ON q.Transact = t.ID AND q.PhaseName = 'REQ' "
            "JOIN Phases r ON r.Transact = t.ID AND r.PhaseName = 'RESP' "
            "WHERE t.Command IN ('R', 'W') ORDER BY t.ID").fetchall()  # refresh dummies ('X') share the IDs
        cmds = con.execute("SELECT PhaseName, PhaseBegin, Bank FROM Phases WHERE PhaseName IN "
                           "('ACT', 'RDA', 'WRA') ORDER BY PhaseBegin").fetchall()
    finally:
        con.close()
    out: dict = {"counts": counts, "jedec_breaks": jedec_breaks(cmds, tm)}
    if rows and len(rows) == len(trace_ps):  # k-th request transaction = k-th trace line
        req = np.array([r[1] for r in rows], dtype=float)
        resp = np.array([r[2] for r in rows], dtype=float)
        if is_read.any():
            out["avg_read_latency_ctrl_ns"] = float((resp[is_read] - req[is_read]).mean() / 1e3)
            out["avg_read_latency_ns"] = float((resp[is_read] - trace_ps[is_read]).mean() / 1e3)
    out["n_responses"] = len(rows)
    return out


def run_one(exe: Path, resources: Path, trace: str, device: str, vname: str, variant: dict, trace_file: str,
            trace_ps: np.ndarray, is_read: np.ndarray, timeout: float, record: bool) -> dict:
    design = S.design_of(variant)
    name = f"{device}_{trace}_{re.sub(r'[^A-Za-z0-9]+', '_', vname)}"
    rec: dict = {"trace": trace, "device": device, "variant": vname, "changes": variant}
    with tempfile.TemporaryDirectory(prefix="dramsys-run-") as tmp:
        cfg = Path(tmp) / "config.json"
        cfg.write_text(json.dumps(S.dramsys_config(device, design, trace_file, name, record), indent=1))
        t0 = time.perf_counter()
        try:
            proc = subprocess.run(["timeout", str(timeout), str(exe), str(cfg), str(resources)], cwd=tmp,
                                  capture_output=True, text=True)
        finally:
            rec["wall_s"] = round(time.perf_counter() - t0, 3)
        out = proc.stdout + proc.stderr
        if proc.returncode == 124:
            rec["status"] = "timeout"
            return rec
        if proc.returncode != 0 or "Error:" in out:
            msgs = [ln.strip() for ln in out.splitlines() if "Error" in ln or "Fatal" in ln or "not supported" in ln]
            rec.update(status="error", message=" | ".join(msgs[-3:])[:300])
            return rec
        for key, pat in PATTERNS.items():
            m = pat.search(out)
            if m:
                rec[key] = float(m.group(1)) * (UNIT_PS[m.group(2)] if key == "sim_time_ps" else 1.0)
        rec["status"] = "stalled" if "without explicit sc_stop" in out else "ok"
        dbs = list(Path(tmp).glob("*.tdb"))
        if record and dbs:
            rec.update(read_db(dbs[0], trace_ps, is_read, memspec_timings(resources, device)))
        if vname == "base" and rec["status"] == "ok":  # DRAMSys's own speed, without the trace database
            cfg.write_text(json.dumps(S.dramsys_config(device, design, trace_file, name, False), indent=1))
            quick = subprocess.run(["timeout", str(timeout), str(exe), str(cfg), str(resources)], cwd=tmp,
                                   capture_output=True, text=True)
            m = PATTERNS["sim_wall_s"].search(quick.stdout + quick.stderr)
            if m:
                rec["sim_wall_s_no_db"] = float(m.group(1))
    return rec


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dramsys", type=Path, default=Path("/work/dramsys/build/bin/DRAMSys"))
    ap.add_argument("--resources", type=Path, default=Path("/work/dramsys/src/configs"))
    ap.add_argument("--out", type=Path, default=Path("tests/data/dramsys_reference.json"))
    ap.add_argument("--only", nargs="*", default=None, help="trace names (default: all)")
    ap.add_argument("--device", nargs="*", default=None, help="devices (default: both)")
    ap.add_argument("--timeout", type=float, default=20.0, help="seconds per DRAMSys run (normal runs take < 2 s)")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-db", action="store_true", help="skip the trace database (no latency / counts)")
    args = ap.parse_args()
    traces = args.only or list(S.TRACES)
    devices = args.device or list(S.DEVICES)
    resources = args.resources.resolve()
    (resources / "traces").mkdir(exist_ok=True)

    data = json.loads(args.out.read_text()) if args.out.exists() else {}
    data["meta"] = {
        "dramsys_commit": S.DRAMSYS_COMMIT, "drampower_commit": S.DRAMPOWER_COMMIT,
        "player_clock_mhz": S.PLAYER_CLOCK_MHZ, "trace_seed": S.TRACE_SEED,
        "devices": S.DEVICES, "baseline_mcconfig": S.mcconfig(S.BASELINE),
        "simconfig": S.simconfig("<run>", not args.no_db), "variants": S.variants(),
        "notes": "one knob changed at a time from the baseline; MaxActiveTransactions under Arbiter Fifo; "
                 "ReadWrite buffers: RequestBufferSizeRead = RequestBufferSizeWrite = RequestBufferSize",
    }
    data.setdefault("traces", {})
    runs = {(r["trace"], r["device"], r["variant"]): r for r in data.get("runs", [])}
    jobs = []
    for trace in traces:
        for device in devices:
            tr = S.make_trace(trace, device)
            text = S.stl_text(tr)
            fname = f"archgym_{trace}_{device}.stl"
            (resources / "traces" / fname).write_text(text)
            gen, kwargs, _ = S.TRACES[trace]
            data["traces"][f"{trace}/{device}"] = {"generator": gen, "kwargs": kwargs, "n": len(tr),
                                                   "sha256": S.sha256(text)}
            trace_ps = tr.cycle.astype(float) * 1e6 / S.PLAYER_CLOCK_MHZ
            for vname, variant in S.variants().items():
                jobs.append((trace, device, vname, variant, fname, trace_ps, ~tr.is_write))
    t0 = time.perf_counter()
    with ThreadPoolExecutor(args.jobs) as pool:
        futs = [pool.submit(run_one, args.dramsys, resources, t, d, vn, v, f, tp, rd, args.timeout, not args.no_db)
                for t, d, vn, v, f, tp, rd in jobs]
        for k, fut in enumerate(futs, 1):
            r = fut.result()
            runs[(r["trace"], r["device"], r["variant"])] = r
            print(f"[{k}/{len(futs)}] {r['device']:11s} {r['trace']:8s} {r['variant']:40s} {r['status']:8s} "
                  f"{r.get('sim_time_ps', float('nan')) / 1e6:10.2f} us {r.get('power_mw', float('nan')):8.1f} mW "
                  f"{r['wall_s']:6.2f} s", flush=True)
    data["runs"] = sorted(runs.values(), key=lambda r: (r["trace"], r["device"], r["variant"]))
    args.out.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    print(f"{len(jobs)} runs in {time.perf_counter() - t0:.0f} s -> {args.out}")


if __name__ == "__main__":
    main()
