"""SRAM macro area, access energy and leakage at 45 nm, from CACTI 7 runs (table in ``data/cacti_sram_45nm.json``).

**Source.** CACTI 7.0 (HewlettPackard/cacti, commit ``1ffd8df``; Balasubramonian et al., "CACTI 7: New Tools for
Interconnect Exploration in Innovative Off-Chip Memories", ACM TACO 14(2), 2017), run as a scratchpad
(``cache type "ram"``): 45 nm, ITRS low-operating-power cells and periphery (``itrs-lop``), one read/write port,
one bank, 360 K, CACTI's ED^2 optimisation, everything else as in CACTI's shipped ``cache.cfg``. The table keeps
CACTI's numbers as printed: macro height x width (mm^2), dynamic read and write energy per access (nJ, one
``block``-byte access) and leakage power (mW). The design-space SRAMs (16 KiB - 4 MiB) use 64-byte blocks; the
small entries (0.5 KiB / 16 B, 2 KiB / 32 B) are for the calibration chips' scratchpads and buffers.

Regenerate (needs a CACTI 7 binary; ``make`` in a CACTI checkout builds one)::

    python -m simulators.accelerator.sram_table /path/to/cacti
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path
from typing import Any

TABLE_PATH = Path(__file__).with_name("data") / "cacti_sram_45nm.json"

#: (size in bytes, access block in bytes) entries of the table.
ENTRIES = [(512, 16), (2048, 32)] + [(2 ** k * 1024, 64) for k in range(1, 13)]

_CONFIG = """-size (bytes) {size}
-Array Power Gating - "false"
-WL Power Gating - "false"
-CL Power Gating - "false"
-Bitline floating - "false"
-Interconnect Power Gating - "false"
-Power Gating Performance Loss 0.01
-block size (bytes) {block}
-associativity 1
-read-write port 1
-exclusive read port 0
-exclusive write port 0
-single ended read ports 0
-UCA bank count 1
-technology (u) 0.045
-page size (bits) 8192
-burst length 8
-internal prefetch width 8
-Data array cell type - "itrs-lop"
-Data array peripheral type - "itrs-lop"
-Tag array cell type - "itrs-lop"
-Tag array peripheral type - "itrs-lop"
-output/input bus width {bus}
-operating temperature (K) 360
-cache type "ram"
-tag size (b) "default"
-access mode (normal, sequential, fast) - "normal"
-design objective (weight delay, dynamic power, leakage power, cycle time, area) 0:0:0:100:0
-deviate (delay, dynamic power, leakage power, cycle time, area) 20:100000:100000:100000:100000
-NUCAdesign objective (weight delay, dynamic power, leakage power, cycle time, area) 100:100:0:0:100
-NUCAdeviate (delay, dynamic power, leakage power, cycle time, area) 10:10000:10000:10000:10000
-Optimize ED or ED^2 (ED, ED^2, NONE): "ED^2"
-Cache model (NUCA, UCA)  - "UCA"
-NUCA bank count 0
-Wire signaling (fullswing, lowswing, default) - "Global_30"
-Wire inside mat - "semi-global"
-Wire outside mat - "semi-global"
-Interconnect projection - "conservative"
-Core count 8
-Cache level (L2/L3) - "L3"
-Add ECC - "false"
-Print level (DETAILED, CONCISE) - "DETAILED"
-Print input parameters - "false"
-Force cache config - "false"
-Ndwl 1
-Ndbl 1
-Nspd 0
-Ndcm 1
-Ndsam1 0
-Ndsam2 0
-dram_type "DDR3"
-io state "WRITE"
-addr_timing 1.0
-mem_density 4 Gb
-bus_freq 800 MHz
-duty_cycle 1.0
-activity_dq 1.0
-activity_ca 0.5
-num_dq 72
-num_dqs 18
-num_ca 25
-num_clk  2
-num_mem_dq 2
-mem_data_width 8
-rtt_value 10000
-ron_value 34
-tflight_value
-num_bobs 1
-capacity 80
-num_channels_per_bob 1
-first metric "Cost"
-second metric "Bandwidth"
-third metric "Energy"
-DIMM model "ALL"
-mirror_in_bob "F"
"""


def run_cacti(binary: str, size: int, block: int) -> dict[str, float]:
    """One CACTI run; the numbers it prints for the macro."""
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as fh:
        fh.write(_CONFIG.format(size=size, block=block, bus=8 * block))
    out = subprocess.run([binary, "-infile", fh.name], capture_output=True, text=True, check=True,
                         cwd=str(Path(binary).resolve().parent)).stdout
    Path(fh.name).unlink()

    def num(pattern: str) -> float:
        return float(re.search(pattern, out).group(1))  # type: ignore[union-attr]

    h, w = re.search(r"Cache height x width \(mm\): ([\d.e+-]+) x ([\d.e+-]+)", out).groups()  # type: ignore
    return {"size_bytes": size, "block_bytes": block, "area_mm2": float(h) * float(w),
            "read_nj": num(r"Total dynamic read energy per access \(nJ\): ([\d.e+-]+)"),
            "write_nj": num(r"Total dynamic write energy per access \(nJ\): ([\d.e+-]+)"),
            "leakage_mw": num(r"Total leakage power of a bank \(mW\): ([\d.e+-]+)"),
            "cycle_ns": num(r"Cycle time \(ns\):\s+([\d.e+-]+)")}


def regenerate(binary: str, out: Path = TABLE_PATH) -> None:
    """Run CACTI on every entry and write the table (atomically)."""
    rows = [run_cacti(binary, s, b) for s, b in ENTRIES]
    doc = {"source": "CACTI 7.0, HewlettPackard/cacti 1ffd8dfb10303d306ecd8d215320aea07651e878; config in "
                     "simulators/accelerator/sram_table.py (_CONFIG): 45 nm, ram, itrs-lop, 1 RW port, 1 bank, "
                     "360 K, ED^2", "rows": rows}
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, indent=1) + "\n")
    tmp.replace(out)


@lru_cache(maxsize=1)
def table() -> dict[tuple[int, int], dict[str, float]]:
    """The committed table, keyed by ``(size_bytes, block_bytes)``."""
    doc = json.loads(TABLE_PATH.read_text())
    return {(int(r["size_bytes"]), int(r["block_bytes"])): r for r in doc["rows"]}


def macro(size_bytes: float, block: int = 64) -> dict[str, float]:
    """CACTI numbers for a macro of ``size_bytes``: exact at table sizes, log-log interpolated between them.

    Returns ``area_mm2``, ``read_pj_per_byte``, ``write_pj_per_byte`` and ``leakage_mw``.
    """
    rows = sorted((s, r) for (s, b), r in table().items() if b == block)
    sizes = [s for s, _ in rows]
    if not sizes[0] <= size_bytes <= sizes[-1]:
        raise ValueError(f"no CACTI entry for {size_bytes} B with {block}-byte blocks (table: {sizes[0]}-{sizes[-1]})")
    i = min(max(0, next((k for k, s in enumerate(sizes) if s >= size_bytes), 0) - 1), len(sizes) - 2)
    (s0, r0), (s1, r1) = rows[i], rows[i + 1]
    if size_bytes in (s0, s1):
        r = r0 if size_bytes == s0 else r1
        f = {k: r[k] for k in ("area_mm2", "read_nj", "write_nj", "leakage_mw")}
    else:
        t = math.log(size_bytes / s0) / math.log(s1 / s0)
        f = {k: math.exp((1 - t) * math.log(r0[k]) + t * math.log(r1[k]))
             for k in ("area_mm2", "read_nj", "write_nj", "leakage_mw")}
    return {"area_mm2": f["area_mm2"], "read_pj_per_byte": f["read_nj"] * 1e3 / block,
            "write_pj_per_byte": f["write_nj"] * 1e3 / block, "leakage_mw": f["leakage_mw"]}


def main(argv: list[str] | None = None) -> Any:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("usage: python -m simulators.accelerator.sram_table /path/to/cacti")
    regenerate(args[0])
    print(f"wrote {TABLE_PATH}")


if __name__ == "__main__":
    main()
