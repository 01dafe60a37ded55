"""Read a SCALE-Sim ``.cfg`` file into an accelerator design (for users migrating from SCALE-Sim).

Mapped keys (section ``architecture_presets``, case-insensitive like SCALE-Sim's ``configparser``):
``ArrayHeight`` → ``array_rows``, ``ArrayWidth`` → ``array_cols``, ``IfmapSramSzkB`` / ``FilterSramSzkB`` /
``OfmapSramSzkB`` → the SRAM sizes, ``Dataflow`` (os/ws/is) → ``dataflow``, and the first ``Bandwidth`` value
(words/cycle; SCALE-Sim words are 1 byte) → ``dram_bw`` when ``[run_presets] InterfaceBandwidth = USER``.
SCALE-Sim has no word size or clock: they come from the arguments.
"""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

from archgym_lite.core.errors import DesignError, TraceError
from archgym_lite.core.space import Design, DesignSpace

_KEYS = (("ArrayHeight", "array_rows"), ("ArrayWidth", "array_cols"), ("IfmapSramSzkB", "ifmap_sram_kib"),
         ("FilterSramSzkB", "filter_sram_kib"), ("OfmapSramSzkB", "ofmap_sram_kib"))


def read_scalesim_cfg(path: str | Path, space: DesignSpace | None = None, *, word_bytes: int = 1,
                      clock_mhz: int = 1000, dram_bw: int | None = None) -> Design:
    """A validated design from a SCALE-Sim config file.

    Args:
        path: The ``.cfg`` file.
        space: The design space to validate against (default: the accelerator space).
        word_bytes: Word size (SCALE-Sim assumes 1 byte).
        clock_mhz: Clock (SCALE-Sim counts cycles only).
        dram_bw: DRAM bytes/cycle when the file does not give a USER bandwidth (default: the space's default).

    Raises:
        TraceError: The file is unreadable, or a key is missing or not an integer (file and key named).
        DesignError: A value is not in the design space (parameter and allowed values named).
    """
    from simulators.accelerator.simulator import accelerator_space

    space = space or accelerator_space()
    p = Path(path)
    parser = configparser.ConfigParser()
    try:
        with p.open() as fh:
            parser.read_file(fh)
    except (OSError, configparser.Error) as exc:
        raise TraceError(f"{p}: cannot read SCALE-Sim config ({exc})") from None
    section = "architecture_presets"
    if not parser.has_section(section):
        raise TraceError(f"{p}: missing section [{section}]")
    sec = parser[section]

    def get(key: str) -> str:
        if key not in sec:
            raise TraceError(f"{p}: [{section}] is missing key {key!r}")
        return sec[key].strip()

    def as_int(key: str, text: str) -> int:
        try:
            return int(text)
        except ValueError:
            raise TraceError(f"{p}: [{section}] {key} must be an integer, got {text!r}") from None

    design: dict[str, Any] = {name: as_int(key, get(key)) for key, name in _KEYS}
    design["dataflow"] = get("Dataflow").upper()
    user_bw = parser.has_option("run_presets", "InterfaceBandwidth") and \
        parser.get("run_presets", "InterfaceBandwidth").strip().upper() == "USER"
    if user_bw and "Bandwidth" in sec:
        design["dram_bw"] = as_int("Bandwidth", get("Bandwidth").split(",")[0].strip())
    else:
        design["dram_bw"] = dram_bw if dram_bw is not None else space["dram_bw"].default
    design["word_bytes"] = word_bytes
    design["clock_mhz"] = clock_mhz
    try:
        return space.validate(design)
    except DesignError as exc:
        raise DesignError(f"{p}: {exc}", exc.field) from None
