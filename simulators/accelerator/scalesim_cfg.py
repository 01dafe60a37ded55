"""Read a SCALE-Sim ``.cfg`` file into an accelerator design (for users migrating from SCALE-Sim).

Mapped keys (section ``architecture_presets``, case-insensitive like SCALE-Sim's ``configparser``):
``ArrayHeight`` → ``array_rows``, ``ArrayWidth`` → ``array_cols``, ``IfmapSramSzkB`` / ``FilterSramSzkB`` /
``OfmapSramSzkB`` → the SRAM sizes, ``Dataflow`` (os/ws/is) → ``dataflow``. SCALE-Sim has no DRAM part and no
clock (its ``Bandwidth`` is a free words-per-cycle number, which this model replaces by a DRAM interface): the
interface and clock come from the arguments. The datatype is the simulator's (SCALE-Sim assumes 1-byte words).
"""

from __future__ import annotations

import configparser
from pathlib import Path
from typing import Any

from archgym_lite.core.errors import DesignError, TraceError
from archgym_lite.core.space import Design, DesignSpace

_KEYS = (("ArrayHeight", "array_rows"), ("ArrayWidth", "array_cols"), ("IfmapSramSzkB", "ifmap_sram_kib"),
         ("FilterSramSzkB", "filter_sram_kib"), ("OfmapSramSzkB", "ofmap_sram_kib"))


def read_scalesim_cfg(path: str | Path, space: DesignSpace | None = None, *, dram: str | None = None,
                      clock_mhz: int | None = None) -> Design:
    """A validated design from a SCALE-Sim config file.

    Args:
        path: The ``.cfg`` file.
        space: The design space to validate against (default: the accelerator space).
        dram: DRAM interface (default: the space's default).
        clock_mhz: Clock (default: the space's default; SCALE-Sim counts cycles only).

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
    design["dram"] = dram if dram is not None else space["dram"].default
    design["clock_mhz"] = clock_mhz if clock_mhz is not None else space["clock_mhz"].default
    try:
        return space.validate(design)
    except DesignError as exc:
        raise DesignError(f"{p}: {exc}", exc.field) from None
