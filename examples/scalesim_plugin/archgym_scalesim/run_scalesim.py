"""Run SCALE-Sim 3 on one config and topology; print its totals as one JSON object (stdout).

Executed by the SCALE-Sim interpreter (see ``venv.py``), not by archgym-lite's: it imports only the standard
library and ``scalesim``. Usage: ``python run_scalesim.py CONFIG.cfg TOPOLOGY.csv WORKDIR``.

Totals over the layers, from SCALE-Sim's reports (1-byte words):
``cycles`` (COMPUTE_REPORT "Total Cycles"), ``utilisation_pct`` (its "Compute Util %", weighted by cycles),
``sram_reads`` (ifmap + filter SRAM reads), ``dram_words`` (DRAM ifmap + filter reads + ofmap writes), and from
the config: ``pes`` (array rows x columns) and ``sram_kb`` (ifmap + filter + ofmap SRAM).
"""

import configparser
import contextlib
import csv
import io
import json
import sys
from pathlib import Path


def rows(path):
    with open(path) as fh:
        return [[float(x) for x in r if x.strip()] for r in list(csv.reader(fh))[1:] if r]


def main():
    cfg_path, topo, workdir = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    from scalesim.scale_sim import scalesim

    with contextlib.redirect_stdout(io.StringIO()):  # SCALE-Sim prints progress; stdout carries our JSON
        sim = scalesim(save_disk_space=True, verbose=False, config=cfg_path, topology=topo, layout=topo,
                       input_type_gemm=False)
        sim.run_scale(top_path=str(workdir / "out"))
    cfg = configparser.ConfigParser()
    cfg.read(cfg_path)
    arch = cfg["architecture_presets"]
    run = workdir / "out" / cfg["general"]["run_name"]
    compute, detail = rows(run / "COMPUTE_REPORT.csv"), rows(run / "DETAILED_ACCESS_REPORT.csv")
    cycles = sum(r[2] for r in compute)
    print(json.dumps({
        "cycles": cycles,
        "utilisation_pct": sum(r[6] * r[2] for r in compute) / cycles,
        "sram_reads": sum(r[3] + r[6] for r in detail),
        "dram_words": sum(r[12] + r[15] + r[18] for r in detail),
        "pes": int(arch["ArrayHeight"]) * int(arch["ArrayWidth"]),
        "sram_kb": sum(int(arch[k]) for k in ("IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB")),
    }))


if __name__ == "__main__":
    main()
