"""DRAM device descriptions (timings in clock cycles, currents per rail) and a DRAMSys ``memspec`` JSON reader.

Built-in devices live as DRAMSys-style memspec files in ``data/`` (``DDR4-2400.json``, ``LPDDR4-3200.json``),
so adding a device is dropping another memspec there (or passing any memspec path to :func:`get_device`).

Timing names follow DRAMSys: DDR4 uses ``RRD_S/RRD_L``, ``CCD_S/CCD_L``, ``WTR_S/WTR_L``, ``RFC1``; LPDDR4 uses
``RRD``, ``CCD``, ``WTR``, ``RPpb/RPab``, ``RCpb``, ``RFCab/RFCpb``, ``REFIpb``, ``PPD``. Devices without bank
groups get ``*_L == *_S``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archgym_lite.core.errors import SpecError

DATA_DIR = Path(__file__).with_name("data")
BUILTIN_DEVICES = ("DDR4-2400", "LPDDR4-3200")

#: Current names (per rail) understood by the energy model.
CURRENTS = ("idd0", "idd2n", "idd3n", "idd4r", "idd4w", "idd5b", "idd5pb", "idd2p", "idd3p", "idd6")


@dataclass(frozen=True)
class Rail:
    """One supply rail: its voltage (V) and currents (A) by DRAMPower name (missing ones are 0)."""

    name: str
    voltage: float
    currents: dict[str, float]

    def i(self, name: str) -> float:
        return self.currents.get(name, 0.0)


@dataclass(frozen=True)
class DeviceSpec:
    """A DRAM device (one rank of ``n_devices`` chips). All timings are integer clock cycles.

    Attributes:
        name: Identifier (``"DDR4-2400"``).
        memory_type: ``"DDR4"`` or ``"LPDDR4"`` (decides per-bank refresh support).
        tck_ns: Clock period in ns.
        RD_DATA, WR_DATA: Clocks from the start of a read / write command to its first data beat (DDR4: RL / WL;
            LPDDR4: RL + tDQSCK / WL + tDQSS + tDQS2DQ, plus 3 because RL and WL count from the last clock of the
            four-clock RD-1/CAS-2 command, JESD209-4).
        XS, XS_CAS: Self-refresh exit to the next valid command / to a column command (DDR4 tXS / tXSDLL,
            LPDDR4 tXSR for both). CKESR: minimum self-refresh duration (DDR4 tCKESR, LPDDR4 tSR).
        ACTPDEN .. WRAPDEN: Earliest power-down entry after ACT, PRE, REF, RD/RDA, WR, WRA.
        rails: Supply rails with their IDD currents, per device.
    """

    name: str
    memory_type: str
    tck_ns: float
    n_banks: int
    n_bankgroups: int
    n_rows: int
    n_cols: int
    width: int
    n_devices: int
    burst_length: int
    RL: int
    WL: int
    RCD: int
    RP: int
    RPab: int
    RAS: int
    RC: int
    RRD_S: int
    RRD_L: int
    FAW: int
    CCD_S: int
    CCD_L: int
    WTR_S: int
    WTR_L: int
    WR: int
    RTP: int
    RFC: int
    RFCpb: int
    REFI: int
    REFIpb: int
    XP: int
    CKE: int
    PPD: int
    RTW: int
    WTR_extra: int
    WR_extra: int
    RD_DATA: int = 0
    WR_DATA: int = 0
    XS: int = 0
    XS_CAS: int = 0
    CKESR: int = 0
    ACTPDEN: int = 1
    PRPDEN: int = 1
    REFPDEN: int = 1
    RDPDEN: int = 1
    WRPDEN: int = 1
    WRAPDEN: int = 1
    rails: tuple[Rail, ...] = field(default=())
    source: str = ""

    @property
    def burst_clocks(self) -> int:
        """Clocks one burst occupies the data bus (double data rate)."""
        return self.burst_length // 2

    @property
    def bytes_per_burst(self) -> int:
        return self.width * self.n_devices * self.burst_length // 8

    @property
    def banks_per_group(self) -> int:
        return self.n_banks // self.n_bankgroups

    @property
    def capacity_bytes(self) -> int:
        return self.n_banks * self.n_rows * self.n_cols * self.width * self.n_devices // 8

    @property
    def peak_gbps(self) -> float:
        """Peak data-bus bandwidth in GB/s (10^9 bytes per second)."""
        return self.width * self.n_devices / 8 * 2 / self.tck_ns

    @property
    def has_per_bank_refresh(self) -> bool:
        return self.is_lpddr

    @property
    def is_lpddr(self) -> bool:
        return self.memory_type.upper().startswith("LPDDR")


def _num(d: dict[str, Any], keys: tuple[str, ...], path: str, default: float | None = None) -> float:
    for k in keys:
        if k in d:
            v = d[k]
            if isinstance(v, bool) or not isinstance(v, (int, float)):
                raise SpecError(f"must be a number, got {v!r}", f"{path}.{k}")
            return float(v)
    if default is not None:
        return default
    raise SpecError(f"missing (looked for {list(keys)})", path)


def device_from_memspec(spec: dict[str, Any], source: str = "") -> DeviceSpec:
    """Build a :class:`DeviceSpec` from a DRAMSys memspec (the dict inside or around ``"memspec"``).

    Raises:
        SpecError: A required field is missing or not a number, or the memory type is unsupported.
    """
    ms = spec.get("memspec", spec)
    if not isinstance(ms, dict):
        raise SpecError("must be a JSON object", "memspec")
    mtype = str(ms.get("memoryType", "")).upper()
    if mtype not in ("DDR4", "LPDDR4"):
        raise SpecError(f"unsupported memoryType {ms.get('memoryType')!r}; allowed: ['DDR4', 'LPDDR4']",
                        "memspec.memoryType")
    arch = ms.get("memarchitecturespec", {})
    tim = ms.get("memtimingspec", {})
    pw = ms.get("mempowerspec", {})
    a, t = "memspec.memarchitecturespec", "memspec.memtimingspec"

    def ai(*k: str, default: float | None = None) -> int:
        return int(_num(arch, k, a, default))

    def ti(*k: str, default: float | None = None) -> int:
        return int(_num(tim, k, t, default))

    if "clkMhz" in tim:
        tck_ns = 1e3 / _num(tim, ("clkMhz",), t)
    else:
        raw = _num(tim, ("tCK",), t)
        tck_ns = raw * 1e9 if raw < 1e-6 else (raw / 1e3 if raw > 100 else raw)  # s, ps or ns
    n_banks = ai("nbrOfBanks")
    n_bg = ai("nbrOfBankGroups", default=1)
    if ai("nbrOfRanks", default=1) != 1 or ai("nbrOfChannels", default=1) != 1:
        raise SpecError("only one rank and one channel are modelled", a)
    bl = ai("burstLength")
    rl, wl = ti("RL", "CL"), ti("WL", "CWL")
    ras, rcd = ti("RAS"), ti("RCD")
    rp = ti("RP", "RPpb")
    rc = ti("RC", "RCpb", default=ras + rp)
    rrd_s = ti("RRD_S", "RRD")
    ccd_s = ti("CCD_S", "CCD")
    wtr_s = ti("WTR_S", "WTR")
    lp = mtype.startswith("LPDDR")
    dqsck, rpst = ti("DQSCK", default=0), ti("RPST", default=1)
    rtw = rl + dqsck + bl // 2 - wl + ti("WPRE", default=1) + rpst
    rails = _rails(pw, lp)
    wr_t = ti("WR")
    xp, cke = ti("XP"), ti("CKE")
    if lp:  # JESD209-4 entry/exit delays in DRAMSys's CheckerLPDDR4 form (read postamble at least one clock)
        cmdcke = ti("CMDCKE", default=3)
        rd_data = rl + dqsck + 3
        wr_data = wl + ti("DQSS", default=1) + ti("DQS2DQ", default=2) + 3
        xs = xs_cas = ti("XSR", default=ti("RFCab", "RFC") + 8)
        pd = {"CKESR": ti("SR", default=cke), "ACTPDEN": 3 + cmdcke, "PRPDEN": 1 + cmdcke,
              "REFPDEN": 1 + cmdcke, "RDPDEN": rd_data + bl // 2 + max(rpst, 1), "WRPDEN": wr_data + bl // 2 + wr_t,
              "WRAPDEN": wr_data + bl // 2 + wr_t + 2}
    else:  # JESD79-4 (DRAMSys CheckerDDR4)
        rd_data, wr_data = rl, wl
        xs, xs_cas = ti("XS", default=ti("RFC1", "RFC") + 12), ti("XSDLL", default=512)
        pd = {"CKESR": ti("CKESR", default=cke + 1), "ACTPDEN": ti("ACTPDEN", default=2),
              "PRPDEN": ti("PRPDEN", default=2), "REFPDEN": ti("REFPDEN", default=2),
              "RDPDEN": rl + bl // 2 + 1, "WRPDEN": wl + bl // 2 + wr_t, "WRAPDEN": wl + bl // 2 + wr_t + 1}
    return DeviceSpec(
        name=str(ms.get("memoryId", mtype)), memory_type=mtype, tck_ns=tck_ns,
        n_banks=n_banks, n_bankgroups=n_bg, n_rows=ai("nbrOfRows"), n_cols=ai("nbrOfColumns"),
        width=ai("width"), n_devices=ai("nbrOfDevices", default=1), burst_length=bl,
        RL=rl, WL=wl, RCD=rcd, RP=rp, RPab=ti("RPab", default=rp), RAS=ras, RC=rc,
        RRD_S=rrd_s, RRD_L=ti("RRD_L", default=rrd_s), FAW=ti("FAW"),
        CCD_S=ccd_s, CCD_L=ti("CCD_L", default=ccd_s), WTR_S=wtr_s, WTR_L=ti("WTR_L", default=wtr_s),
        WR=ti("WR"), RTP=ti("RTP"), RFC=ti("RFC1", "RFC", "RFCab"), RFCpb=ti("RFCpb", default=0),
        REFI=ti("REFI"), REFIpb=ti("REFIpb", default=0), XP=xp, CKE=cke, PPD=ti("PPD", default=0),
        RTW=rtw, WTR_extra=1 if lp else 0, WR_extra=1 if lp else 0, RD_DATA=rd_data, WR_DATA=wr_data,
        XS=xs, XS_CAS=xs_cas, **pd, rails=rails, source=source,
    )


def _rails(pw: dict[str, Any], lp: bool) -> tuple[Rail, ...]:
    """Rails from a DRAMSys mempowerspec; values above 1.0 are taken as mA (older memspecs), else A."""
    vals = {k.lower(): float(v) for k, v in pw.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    scale = 1e-3 if any(v > 1.0 for k, v in vals.items() if k.startswith(("idd", "ipp"))) else 1.0
    rails = []
    if lp:
        for n in ("1", "2"):
            if f"vdd{n}" in vals:
                cur = {c: vals[c.replace("idd5b", "idd5") + n] * scale for c in CURRENTS
                       if c.replace("idd5b", "idd5") + n in vals}
                rails.append(Rail(f"VDD{n}", vals[f"vdd{n}"], cur))
    else:
        if "vdd" in vals:
            rails.append(Rail("VDD", vals["vdd"], {c: vals[c] * scale for c in CURRENTS if c in vals}))
        if "vpp" in vals:
            cur: dict[str, float] = {}
            for c in CURRENTS:
                key = "ipp" + c[3:]
                if key in vals:
                    cur[c] = vals[key] * scale
            rails.append(Rail("VPP", vals["vpp"], cur))
    return tuple(rails)


def load_memspec(path: str | Path) -> DeviceSpec:
    """Read a DRAMSys memspec JSON file."""
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except (OSError, json.JSONDecodeError) as exc:
        raise SpecError(f"cannot read memspec: {exc}", str(p)) from None
    return device_from_memspec(data, source=str(data.get("_source", p)))


def get_device(device: str | Path | DeviceSpec) -> DeviceSpec:
    """A built-in device by name, a memspec path, or a :class:`DeviceSpec` (returned as is).

    Raises:
        SpecError: Unknown name (the message lists the built-in devices).
    """
    if isinstance(device, DeviceSpec):
        return device
    name = str(device)
    if name in BUILTIN_DEVICES:
        dev = load_memspec(DATA_DIR / f"{name}.json")
        return _renamed(dev, name)
    if name.endswith(".json") and Path(name).exists():
        return load_memspec(name)
    raise SpecError(f"unknown device {name!r}; allowed: {list(BUILTIN_DEVICES)} or a DRAMSys memspec .json path",
                    "device")


def _renamed(dev: DeviceSpec, name: str) -> DeviceSpec:
    from dataclasses import replace

    return replace(dev, name=name)


def ceil_div(a: float, b: float) -> int:
    return int(math.ceil(a / b - 1e-9))
