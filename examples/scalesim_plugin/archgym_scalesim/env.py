"""``example/SCALESim-v0``: the real SCALE-Sim 3, one subprocess per design, behind an archgym-lite env.

Built on :class:`archgym_lite.plugins.external.ExternalSimulator`: every evaluation gets a fresh directory,
a SCALE-Sim ``.cfg`` written from the design, and a run of ``run_scalesim.py`` by the SCALE-Sim interpreter
(:mod:`.venv`), whose JSON line is the metrics. Designs of a batch run ``max_workers`` at a time.

Design space (432 designs): systolic array ``array_rows`` x ``array_cols`` (8..64 each), ``dataflow``
(os/ws/is), ifmap and filter SRAM (2, 8 or 32 KB; the ofmap SRAM is 16 KB). SCALE-Sim runs in its
``CALC`` interface mode (no DRAM stalls), 1-byte words.

Default objective: few cycles and little DRAM traffic, under a budget of 512 PEs and 56 KB of SRAM, so the
best design trades the array's shape, its dataflow and the SRAM split.

One design takes SCALE-Sim 1-10 s on one core (layer set ``cnn``), so sweeping the space costs tens of
minutes: where a proxy pays (see ``examples/scalesim_proxy.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from archgym_lite import CategoricalParam, DesignEnv, DesignSpace, IntListParam, Metric, Pow2Param, SpecError
from archgym_lite.plugins.external import ExternalSimulator
from archgym_scalesim.venv import scalesim_python

HERE = Path(__file__).resolve().parent
RUNNER = HERE / "run_scalesim.py"

#: Layer sets (SCALE-Sim topology rows: name, ifmap H, W, filter H, W, channels, filters, stride).
LAYER_SETS = {
    "cnn": [("conv1", 32, 32, 3, 3, 3, 16, 1), ("conv2", 16, 16, 3, 3, 16, 32, 1),
            ("conv3_pw", 8, 8, 1, 1, 32, 64, 1), ("fc", 1, 1, 1, 1, 256, 10, 1)],
    "tiny": [("conv1", 8, 8, 3, 3, 3, 8, 1), ("fc", 1, 1, 1, 1, 32, 8, 1)],
}

CONFIG = """[general]
run_name = run

[architecture_presets]
ArrayHeight: {array_rows}
ArrayWidth: {array_cols}
IfmapSramSzkB: {ifmap_kb}
FilterSramSzkB: {filter_kb}
OfmapSramSzkB: 16
IfmapOffset: 0
FilterOffset: 10000000
OfmapOffset: 20000000
Dataflow: {dataflow}
Bandwidth: 10
ReadRequestBuffer: 32
WriteRequestBuffer: 32

[layout]
IfmapCustomLayout: False
IfmapSRAMBankBandwidth: 10
IfmapSRAMBankNum: 10
IfmapSRAMBankPort: 2
FilterCustomLayout: False
FilterSRAMBankBandwidth: 10
FilterSRAMBankNum: 10
FilterSRAMBankPort: 2

[sparsity]
SparsitySupport: false
SparseRep: ellpack_block
OptimizedMapping: false
BlockSize: 8
RandomNumberGeneratorSeed: 40

[run_presets]
InterfaceBandwidth: CALC
UseRamulatorTrace: False
"""

METRICS = (
    Metric("cycles", "cycles", True, "SCALE-Sim total compute cycles over the layers"),
    Metric("utilisation_pct", "%", False, "compute utilisation, weighted by cycles"),
    Metric("sram_reads", "words", True, "ifmap + filter SRAM reads"),
    Metric("dram_words", "words", True, "DRAM ifmap + filter reads and ofmap writes"),
    Metric("pes", "PEs", True, "array rows x columns"),
    Metric("sram_kb", "KB", True, "ifmap + filter + ofmap SRAM"),
)

DEFAULT_OBJECTIVE = {
    "targets": {"cycles": {"target": 4000.0, "weight": 1.0}, "dram_words": {"target": 60000.0, "weight": 0.5}},
    "constraints": {"pes": {"max": 512.0}, "sram_kb": {"max": 56.0}},
}


def space(arrays: tuple[int, int] = (8, 64), sram_kb: tuple[int, ...] = (2, 8, 32)) -> DesignSpace:
    """Array rows and columns: powers of two in ``arrays``; ifmap and filter SRAM: ``sram_kb``."""
    return DesignSpace([
        Pow2Param("array_rows", arrays[0], arrays[1], "PEs", "systolic array height"),
        Pow2Param("array_cols", arrays[0], arrays[1], "PEs", "systolic array width"),
        CategoricalParam("dataflow", ["os", "ws", "is"], description="output, weight or input stationary"),
        IntListParam("ifmap_kb", list(sram_kb), "KB", "ifmap SRAM"),
        IntListParam("filter_kb", list(sram_kb), "KB", "filter SRAM"),
    ])


def write_topology(layers: str, path: Path) -> Path:
    if layers not in LAYER_SETS:
        raise SpecError(f"unknown layer set {layers!r}; allowed: {sorted(LAYER_SETS)}", "layers")
    path.write_text("Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, "
                    "Strides,\n" + "".join(",".join(map(str, r)) + ",\n" for r in LAYER_SETS[layers]))
    return path


def make_simulator(layers: str = "cnn", python: str | None = None, max_workers: int = 2,
                   timeout_s: float = 600.0, workdir_root: str | Path | None = None,
                   arrays: tuple[int, int] = (8, 64), sram_kb: tuple[int, ...] = (2, 8, 32)) -> ExternalSimulator:
    """The SCALE-Sim external simulator (``python``: the SCALE-Sim interpreter, default :func:`scalesim_python`;
    ``arrays`` and ``sram_kb`` shrink the space, e.g. for tests)."""
    py = python or scalesim_python()
    root = Path(workdir_root) if workdir_root is not None else Path.home() / ".cache" / "archgym-lite" / "scalesim-runs"
    root.mkdir(parents=True, exist_ok=True)
    topo = write_topology(layers, root / f"topology-{layers}.csv")
    return ExternalSimulator(space(tuple(arrays), tuple(sram_kb)), METRICS, [py, str(RUNNER), "{config}", str(topo), "{workdir}"],
                             config=CONFIG, config_name="scalesim.cfg", timeout_s=timeout_s, max_workers=max_workers,
                             workdir_root=root, name="scalesim")


def make_env(layers: str = "cnn", python: str | None = None, max_workers: int = 2, timeout_s: float = 600.0,
             objective: Any = None, env_id: str = "example/SCALESim-v0", arrays: tuple[int, int] = (8, 64),
             sram_kb: tuple[int, ...] = (2, 8, 32), **env_kwargs: Any) -> DesignEnv:
    """Entry point of ``example/SCALESim-v0`` (env kwargs ``layers``, ``python``, ``max_workers``, ``arrays``,
    ``sram_kb``)."""
    sim = make_simulator(layers, python, max_workers, timeout_s, arrays=arrays, sram_kb=sram_kb)
    return DesignEnv.build(sim, objective, DEFAULT_OBJECTIVE, env_id=env_id, **env_kwargs)
