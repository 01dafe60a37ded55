"""What the DRAMSys reference runs are: DRAMSys build, devices, traces, knob variants and config files.

Shared by :mod:`run_dramsys` (which runs the real DRAMSys 5 + DRAMPower built as in
``/work/shared/dramsys/BUILD.md``) and the tests that compare ``simulators.dram`` against the stored results.

* **Devices.** DDR4-2400 (DRAMSys's ``JEDEC_4Gb_DDR4-2400_8bit_A.json``, 8 x8 devices, 64-bit rank) with its
  example address mapping ``am_ddr4_8x4Gbx8_dimm_p1KB_brc.json`` (bank bits on top); LPDDR4-3200
  (``JEDEC_8Gb_LPDDR4-3200_16bit.json``, one x16 channel) with ``am_lpddr4_8Gbx16_brc.json``. Both mappings are
  the ``"default"`` mapping of :mod:`simulators.dram.mapping`. DRAMSys reports energy (DRAMPower) for DDR4 only.
* **Traces.** The project's generators (``simulators.dram.traces``) with their default arguments, seed 0,
  ``N_REQUESTS`` requests of 64 B, written as ``.stl`` at an 800 MHz player clock; plus ``dram-v0``, exactly
  the default trace of ``archgym/DRAM-v0`` (``cloud``, 2,000 requests).
* **Designs.** The baseline of ``BUILD.md`` and every other value of each knob, one knob at a time.
  ``MaxActiveTransactions`` is read only by the Fifo and Reorder arbiters, so its values are run with
  ``Arbiter: Fifo``. DRAMSys's ReadWrite buffer ignores ``RequestBufferSize`` and reads ``RequestBufferSizeRead``
  / ``RequestBufferSizeWrite``; the knob sets both, as the explored space means it (slots per direction).
"""

from __future__ import annotations

import hashlib
from typing import Any

DRAMSYS_COMMIT = "6b0146713a89b49eb9401fd3d50d36836ba2ab89"
DRAMPOWER_COMMIT = "ebd9ff708f944d583cc18d51db10a5936cbf9299"
PLAYER_CLOCK_MHZ = 800
N_REQUESTS = 10_000
TRACE_SEED = 0

DEVICES: dict[str, dict[str, str]] = {
    "DDR4-2400": {"memspec": "JEDEC_4Gb_DDR4-2400_8bit_A.json",
                  "addressmapping": "am_ddr4_8x4Gbx8_dimm_p1KB_brc.json"},
    "LPDDR4-3200": {"memspec": "JEDEC_8Gb_LPDDR4-3200_16bit.json",
                    "addressmapping": "am_lpddr4_8Gbx16_brc.json"},
}

#: Trace name -> (generator, keyword arguments, requests). Generator defaults unless stated.
TRACES: dict[str, tuple[str, dict[str, Any], int]] = {
    "stream": ("stream", {}, N_REQUESTS),
    "random": ("random", {}, N_REQUESTS),
    "strided": ("strided", {}, N_REQUESTS),
    "cloud": ("cloud", {}, N_REQUESTS),
    "sparse": ("sparse", {}, N_REQUESTS),
    "dram-v0": ("cloud", {}, 2000),
}

BASELINE: dict[str, Any] = {
    "PagePolicy": "Open", "Scheduler": "FrFcfs", "SchedulerBuffer": "Bankwise", "RequestBufferSize": 8,
    "RespQueue": "Fifo", "RefreshPolicy": "AllBank", "RefreshMaxPostponed": 8, "RefreshMaxPulledin": 8,
    "PowerDownPolicy": "NoPowerDown", "Arbiter": "Simple", "MaxActiveTransactions": 128,
}

KNOB_VALUES: dict[str, tuple[Any, ...]] = {
    "PagePolicy": ("Open", "OpenAdaptive", "Closed", "ClosedAdaptive"),
    "Scheduler": ("Fifo", "FrFcfs", "FrFcfsGrp"),
    "SchedulerBuffer": ("Bankwise", "ReadWrite", "Shared"),
    "RequestBufferSize": (1, 2, 4, 8, 16, 32, 64, 128),
    "RespQueue": ("Fifo", "Reorder"),
    "RefreshPolicy": ("NoRefresh", "AllBank", "PerBank"),
    "RefreshMaxPostponed": (1, 2, 4, 8),
    "RefreshMaxPulledin": (1, 2, 4, 8),
    "PowerDownPolicy": ("NoPowerDown", "Staggered"),
    "Arbiter": ("Simple", "Fifo", "Reorder"),
    "MaxActiveTransactions": (1, 2, 4, 8, 16, 32, 64, 128),
}


def variants() -> dict[str, dict[str, Any]]:
    """Variant name -> changes from :data:`BASELINE` (``"base"`` is the baseline itself)."""
    out: dict[str, dict[str, Any]] = {"base": {}}
    for knob, values in KNOB_VALUES.items():
        for v in values:
            if knob == "MaxActiveTransactions":
                out[f"Arbiter=Fifo,{knob}={v}"] = {"Arbiter": "Fifo", knob: v}
            elif v != BASELINE[knob]:
                out[f"{knob}={v}"] = {knob: v}
    return out


def design_of(variant: dict[str, Any]) -> dict[str, Any]:
    return {**BASELINE, **variant}


def mcconfig(design: dict[str, Any]) -> dict[str, Any]:
    """DRAMSys ``mcconfig`` for a design of the explored space."""
    mc = {k: design[k] for k in BASELINE}
    mc["CmdMux"] = "Oldest"
    mc["RefreshManagement"] = False
    if design["SchedulerBuffer"] == "ReadWrite":
        mc["RequestBufferSizeRead"] = mc["RequestBufferSizeWrite"] = design["RequestBufferSize"]
        del mc["RequestBufferSize"]
    return mc


def simconfig(name: str, record: bool, power: bool = True) -> dict[str, Any]:
    """DRAMSys ``simconfig``; ``power`` (DRAMPower) only for DDR4, DRAMSys 5 has no LPDDR4 power model."""
    return {"AddressOffset": 0, "CheckTLM2Protocol": False, "DatabaseRecording": record, "Debug": False,
            "EnableWindowing": False, "PowerAnalysis": power, "SimulationName": name,
            "SimulationProgressBar": False, "StoreMode": "NoStorage", "UseMalloc": False, "WindowSize": 1000}


def dramsys_config(device: str, design: dict[str, Any], trace_file: str, name: str, record: bool) -> dict:
    """A complete DRAMSys configuration (sub-configs inlined except memspec and address mapping)."""
    dev = DEVICES[device]
    return {"simulation": {
        "simulationid": name, "memspec": dev["memspec"], "addressmapping": dev["addressmapping"],
        "mcconfig": mcconfig(design), "simconfig": simconfig(name, record, device.startswith("DDR4")),
        "tracesetup": [{"clkMhz": PLAYER_CLOCK_MHZ, "name": trace_file}],
    }}


def make_trace(trace: str, device: str, n: int | None = None):
    """The project's trace for ``trace`` on ``device`` (as ``DRAMSimulator`` generates it)."""
    from simulators.dram.devices import get_device
    from simulators.dram.traces import generate

    gen, kwargs, n_default = TRACES[trace]
    return generate(gen, n or n_default, TRACE_SEED, capacity=get_device(device).capacity_bytes, **kwargs)


def stl_text(tr) -> str:
    """A :class:`~simulators.dram.traces.Trace` as DRAMSys ``.stl`` text (explicit request lengths)."""
    from simulators.dram.traces import stl_text as text

    return text(tr)


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()
