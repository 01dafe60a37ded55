"""Address mappings: which physical-address bits select byte, column, row, bank group and bank.

The format is DRAMSys's ``addressmapping`` JSON (``BYTE_BIT``, ``COLUMN_BIT``, ``ROW_BIT``, ``BANKGROUP_BIT``,
``BANK_BIT``: lists of address-bit indices, least significant first). Two built-ins per device:

* ``"default"``: bank bits on top (DRAMSys's DDR4 example: byte 0-2, column 3-12, row 13-27, bank group
  28-29, bank 30-31). A sequential stream stays in one bank and walks its rows.
* ``"bank_interleaved"``: consecutive bursts rotate over bank groups, then banks, then the rest of the column,
  then the row; a stream spreads over every bank.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.errors import SpecError
from simulators.dram.devices import DeviceSpec

FIELDS = ("BYTE_BIT", "COLUMN_BIT", "ROW_BIT", "BANKGROUP_BIT", "BANK_BIT")
BUILTIN_MAPPINGS = ("default", "bank_interleaved")


@dataclass(frozen=True)
class AddressMapping:
    """Bit positions of each address field (least significant bit first)."""

    byte: tuple[int, ...]
    column: tuple[int, ...]
    row: tuple[int, ...]
    bankgroup: tuple[int, ...]
    bank: tuple[int, ...]
    name: str = "custom"

    def to_dramsys(self) -> dict[str, Any]:
        return {"addressmapping": {"BYTE_BIT": list(self.byte), "COLUMN_BIT": list(self.column),
                                   "ROW_BIT": list(self.row), "BANKGROUP_BIT": list(self.bankgroup),
                                   "BANK_BIT": list(self.bank)}}

    def validate(self, dev: DeviceSpec) -> AddressMapping:
        """Check bit counts against the device and that no bit is used twice.

        Raises:
            SpecError: A field has the wrong number of bits, a bit repeats, or a burst is not contiguous.
        """
        need = {"BYTE_BIT": _log2(dev.width * dev.n_devices // 8), "COLUMN_BIT": _log2(dev.n_cols),
                "ROW_BIT": _log2(dev.n_rows), "BANKGROUP_BIT": _log2(dev.n_bankgroups),
                "BANK_BIT": _log2(dev.banks_per_group)}
        got = dict(zip(FIELDS, (self.byte, self.column, self.row, self.bankgroup, self.bank), strict=True))
        for f, n in need.items():
            if len(got[f]) != n:
                raise SpecError(f"has {len(got[f])} bits, {dev.name} needs {n}", f"addressmapping.{f}")
        allbits = [b for f in FIELDS for b in got[f]]
        if len(set(allbits)) != len(allbits) or min(allbits, default=0) < 0 or max(allbits, default=0) > 62:
            raise SpecError("bits must be distinct integers in 0..62", "addressmapping")
        burst_bits = _log2(dev.bytes_per_burst)
        low = set(range(burst_bits))
        if low != set(self.byte) | set(self.column[: _log2(dev.burst_length)]):
            raise SpecError(f"the byte bits and the lowest log2(BL) column bits must be bits 0..{burst_bits - 1} "
                            "(a burst is a contiguous, aligned block)", "addressmapping.COLUMN_BIT")
        return self

    def decode(self, addr: np.ndarray, dev: DeviceSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Vectorised decode → (global bank index, row, column) arrays (int64)."""
        a = np.asarray(addr, dtype=np.uint64)
        bg, bk, row, col = (_field(a, bits) for bits in (self.bankgroup, self.bank, self.row, self.column))
        return bg * dev.banks_per_group + bk, row, col


def _field(addr: np.ndarray, bits: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(addr.shape, dtype=np.int64)
    for i, b in enumerate(bits):
        out |= ((addr >> np.uint64(b)) & np.uint64(1)).astype(np.int64) << i
    return out


def _log2(n: int) -> int:
    if n < 1 or n & (n - 1):
        raise SpecError(f"{n} is not a power of two", "device")
    return n.bit_length() - 1


def builtin_mapping(name: str, dev: DeviceSpec) -> AddressMapping:
    """Built-in mapping ``name`` for ``dev`` (see module docstring)."""
    nb, nc, nr = _log2(dev.width * dev.n_devices // 8), _log2(dev.n_cols), _log2(dev.n_rows)
    ng, nk, nbl = _log2(dev.n_bankgroups), _log2(dev.banks_per_group), _log2(dev.burst_length)
    pos = 0

    def take(n: int) -> tuple[int, ...]:
        nonlocal pos
        out = tuple(range(pos, pos + n))
        pos += n
        return out

    byte = take(nb)
    if name == "default":
        col, row, bg, bank = take(nc), take(nr), take(ng), take(nk)
    elif name == "bank_interleaved":
        col_lo, bg, bank = take(nbl), take(ng), take(nk)
        col = col_lo + take(nc - nbl)
        row = take(nr)
    else:
        raise SpecError(f"unknown mapping {name!r}; allowed: {list(BUILTIN_MAPPINGS)}, a dict or a DRAMSys "
                        "addressmapping .json path", "mapping")
    return AddressMapping(byte, col, row, bg, bank, name).validate(dev)


def mapping_from_dramsys(spec: dict[str, Any], dev: DeviceSpec, name: str = "custom") -> AddressMapping:
    """Build from a DRAMSys ``addressmapping`` dict (channel/rank bits must be absent or empty)."""
    am = spec.get("addressmapping", spec)
    for extra in ("CHANNEL_BIT", "RANK_BIT", "PSEUDOCHANNEL_BIT"):
        if am.get(extra):
            raise SpecError("only one channel and one rank are modelled", f"addressmapping.{extra}")
    unknown = set(am) - set(FIELDS) - {"CHANNEL_BIT", "RANK_BIT", "PSEUDOCHANNEL_BIT"}
    if unknown:
        raise SpecError(f"unknown key; allowed: {list(FIELDS)}", f"addressmapping.{sorted(unknown)[0]}")
    try:
        bits = {f: tuple(int(b) for b in am.get(f, [])) for f in FIELDS}
    except (TypeError, ValueError):
        raise SpecError("every field must be a list of integers", "addressmapping") from None
    return AddressMapping(bits["BYTE_BIT"], bits["COLUMN_BIT"], bits["ROW_BIT"], bits["BANKGROUP_BIT"],
                          bits["BANK_BIT"], name).validate(dev)


def get_mapping(mapping: str | Path | dict[str, Any] | AddressMapping | None, dev: DeviceSpec) -> AddressMapping:
    """A mapping from a built-in name, a DRAMSys JSON path, a dict, or an :class:`AddressMapping`."""
    if mapping is None:
        return builtin_mapping("default", dev)
    if isinstance(mapping, AddressMapping):
        return mapping.validate(dev)
    if isinstance(mapping, dict):
        return mapping_from_dramsys(mapping, dev)
    name = str(mapping)
    if name.endswith(".json"):
        try:
            data = json.loads(Path(name).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise SpecError(f"cannot read address mapping: {exc}", name) from None
        return mapping_from_dramsys(data, dev, Path(name).stem)
    return builtin_mapping(name, dev)
