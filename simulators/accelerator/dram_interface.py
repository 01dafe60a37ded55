"""DRAM interfaces the accelerator can be built with: bandwidth, energy per byte, background power, PHY area.

The DRAM is a design choice, not a free number: each interface is a JEDEC part and channel count, and it costs
what its devices, I/O and PHY cost.

**Bandwidth** (peak, JEDEC): LPDDR4-3200 x16 channel 6.4 GB/s; DDR4-2400 x64 channel (eight x8 devices)
19.2 GB/s. The accelerator sees ``GB/s * 1000 / clock_MHz`` bytes per cycle on one shared bus (ifmap, filter and
ofmap traffic share it, as they share the pins). Peak rates are optimistic: a real controller sustains less.

**Device energy** follows DRAMPower's current-difference formulas -- the same ones the project's DRAM simulator
uses (``simulators/dram/energy.py``; a test checks these numbers against it) -- on the project's device data:

* DDR4-2400 x8, 4 Gb (``/work/shared/README.md`` section 2, checked against DRAMSys + DRAMPower within 0.2%):
  VDD 1.2 V, IDD0 60.75, IDD2N 38.25, IDD3N 44, IDD4R 184.5, IDD4W 168.75, IDD5B 118 mA; VPP 2.5 V, IPP0 4.05 mA;
  tCK 0.833 ns, tRAS 39, tRC 55, tRFC 312, tREFI 9360, burst 8 (4 clocks), 1 KiB page per device.
* LPDDR4-3200 x16, 8 Gb (``simulators/dram/data/LPDDR4-3200.json``: JEDEC JESD209-4 timings; currents are Micron
  MT53-class values that file marks approximate): VDD1 1.8 V (IDD0 3.5, IDD2N 0.8, IDD3N 1.5, IDD4R/W 2.5,
  IDD5 20 mA), VDD2 1.1 V (IDD0 45, IDD2N 26, IDD3N 33, IDD4R 275, IDD4W 205, IDD5 110 mA); tCK 0.625 ns, tRAS 68,
  tRC 97, tRFCab 448, tREFI 6246, burst 16 (8 clocks), 2 KiB page.

Per byte read (written): the read (write) burst energy over the burst's bytes, plus one activate + precharge per
page (streaming DMA reads whole pages). Background: active-standby power (IDD3N) plus refresh energy per
refresh interval, for the whole run (the devices are on while the accelerator runs).

**I/O energy per bit** (data pins; strobes and command/address pins not counted): termination current while a
pin drives the terminated level (half the bits for random data) plus switching the pin capacitance (half the bits
toggle): ``0.5 * VDDQ^2 / (RON + RTT) * t_bit + 0.5 * C * VDDQ * V_swing`` with ``V_swing = VDDQ * RTT / (RON +
RTT)``. DDR4 POD12 (JEDEC JESD79-4): VDDQ 1.2 V, RON 34 ohm (RZQ/7), RTT 60 ohm (RZQ/4), t_bit = 1/2400 MHz.
LPDDR4 LVSTL (JESD209-4): VDDQ 1.1 V, RON 40 ohm (RZQ/6), ODT 60 ohm (RZQ/4), t_bit = 1/3200 MHz. Pin
capacitance: CACTI-IO's defaults (N. P. Jouppi et al., "CACTI-IO: CACTI With Off-Chip Power-Area-Timing
Models", IEEE TVLSI 23(7), 2015; CACTI 7 ``extio_technology.cc``): DDR4 c_tx + c_data + c_int = 2 + 1 + 1.5 pF,
LPDDR 2 + 1.5 + 1.5 pF. The PHY's datapath, clocking and receivers add CACTI-IO's default dynamic power per Gb/s
(DDR4 1.76, LPDDR 0.96 mW per Gb/s = pJ/bit) and static power (DDR4 30 mW, LPDDR 10 mW per PHY).

**PHY area**: CACTI-IO's per-pin I/O area ``c + k0/RON + (k1 f + k2 f^2 + k3 f^3)/RON`` (mm^2, f in MHz) with its
DDR4 (c 0.01, k0 0.35, k1 8e-5, k2 3.5e-8, k3 1e-11) and LPDDR (0.01, 0.5, 8e-5, 3e-8, 8e-12) coefficients, times
the channel's pins: DDR4 x64 = 64 DQ + 16 DQS + 25 command/address + 2 clock; LPDDR4 x16 = 16 DQ + 4 DQS + 6 CA +
CS + CKE + 2 clock. The memory controller's logic is not counted (small next to its PHY). I/O area does not shrink
with the logic node; it is added to the 45 nm core area as is.

HBM2 is not offered: the project has no HBM2 device data to derive its energy and background power from.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from archgym_lite.core.errors import SpecError, format_allowed

# Device data (see module docstring). Currents in A, voltages in V, times in clock cycles.
DDR4_X8 = MappingProxyType({
    "tck_ns": 1e3 / 1200.0, "ras": 39, "rc": 55, "rfc": 312, "refi": 9360, "burst_clocks": 4, "burst_bytes": 8,
    "page_bytes": 1024, "io_gbps_per_pin": 2.4,
    "rails": ((1.2, {"idd0": 60.75e-3, "idd2n": 38.25e-3, "idd3n": 44.0e-3, "idd4r": 184.5e-3, "idd4w": 168.75e-3,
                     "idd5b": 118.0e-3}),
              (2.5, {"idd0": 4.05e-3})),
})
LPDDR4_X16 = MappingProxyType({
    "tck_ns": 1e3 / 1600.0, "ras": 68, "rc": 97, "rfc": 448, "refi": 6246, "burst_clocks": 8, "burst_bytes": 32,
    "page_bytes": 2048, "io_gbps_per_pin": 3.2,
    "rails": ((1.8, {"idd0": 3.5e-3, "idd2n": 0.8e-3, "idd3n": 1.5e-3, "idd4r": 2.5e-3, "idd4w": 2.5e-3,
                     "idd5b": 20.0e-3}),
              (1.1, {"idd0": 45.0e-3, "idd2n": 26.0e-3, "idd3n": 33.0e-3, "idd4r": 275.0e-3, "idd4w": 205.0e-3,
                     "idd5b": 110.0e-3})),
})


def device_energies(dev: MappingProxyType) -> dict[str, float]:
    """DRAMPower-style energies of one device: ACT, PRE, RD, WR, REF (nJ) and active-standby power (mW)."""
    tck = dev["tck_ns"]
    out = {"ACT": 0.0, "PRE": 0.0, "RD": 0.0, "WR": 0.0, "REF": 0.0, "standby_mw": 0.0}
    for v, i in dev["rails"]:
        g = i.get
        out["ACT"] += v * (g("idd0", 0) - g("idd3n", 0)) * dev["ras"] * tck
        out["PRE"] += v * (g("idd0", 0) - g("idd2n", 0)) * (dev["rc"] - dev["ras"]) * tck
        out["RD"] += v * (g("idd4r", 0) - g("idd3n", 0)) * dev["burst_clocks"] * tck
        out["WR"] += v * (g("idd4w", 0) - g("idd3n", 0)) * dev["burst_clocks"] * tck
        out["REF"] += v * (g("idd5b", 0) - g("idd3n", 0)) * dev["rfc"] * tck
        out["standby_mw"] += v * g("idd3n", 0) * 1e3
    return out


def io_pj_per_bit(vddq: float, ron: float, rtt: float, gbps: float, cap_pf: float) -> float:
    """Termination + switching energy of one data bit on a terminated pin (see module docstring)."""
    t_bit_ns = 1.0 / gbps
    term = 0.5 * vddq * vddq / (ron + rtt) * t_bit_ns * 1e3  # W * ns = nJ -> pJ
    swing = 0.5 * cap_pf * vddq * (vddq * rtt / (ron + rtt))
    return term + swing


def io_area_mm2_per_pin(c: float, k0: float, k1: float, k2: float, k3: float, ron: float, f_mhz: float) -> float:
    """CACTI-IO's area of one I/O (mm^2)."""
    return c + k0 / ron + (k1 * f_mhz + k2 * f_mhz ** 2 + k3 * f_mhz ** 3) / ron


@dataclass(frozen=True)
class DramInterface:
    """One DRAM interface option: ``channels`` channels of ``devices`` devices each."""

    name: str
    gbps: float
    read_pj_per_byte: float
    write_pj_per_byte: float
    static_mw: float
    phy_area_mm2: float


def _build(name: str, dev: MappingProxyType, devices: int, channels: int, channel_gbps: float, io_bit_pj: float,
           phy_bit_pj: float, phy_static_mw: float, phy_mm2: float) -> DramInterface:
    e = device_energies(dev)
    bytes_per_burst = dev["burst_bytes"] * devices
    act_pre_per_byte = (e["ACT"] + e["PRE"]) * 1e3 / dev["page_bytes"]  # one page per device per activate
    io = (io_bit_pj + phy_bit_pj) * 8.0
    refresh_mw = e["REF"] / (dev["refi"] * dev["tck_ns"]) * 1e3
    return DramInterface(
        name=name, gbps=channel_gbps * channels,
        read_pj_per_byte=e["RD"] * 1e3 * devices / bytes_per_burst + act_pre_per_byte + io,
        write_pj_per_byte=e["WR"] * 1e3 * devices / bytes_per_burst + act_pre_per_byte + io,
        static_mw=channels * (devices * (e["standby_mw"] + refresh_mw) + phy_static_mw),
        phy_area_mm2=channels * phy_mm2,
    )


_DDR4_IO = io_pj_per_bit(1.2, 34.0, 60.0, 2.4, 2.0 + 1.0 + 1.5)
_LP4_IO = io_pj_per_bit(1.1, 40.0, 60.0, 3.2, 2.0 + 1.5 + 1.5)
_DDR4_PHY_MM2 = (64 + 16 + 25 + 2) * io_area_mm2_per_pin(0.01, 0.35, 8e-5, 3.5e-8, 1e-11, 34.0, 1200.0)
_LP4_PHY_MM2 = (16 + 4 + 6 + 1 + 1 + 2) * io_area_mm2_per_pin(0.01, 0.5, 8e-5, 3e-8, 8e-12, 40.0, 1600.0)
_DDR4_PHY_BIT_PJ = 0.5 + 0.01 + 0.5 + 0.5 + 0.05 + 0.1 + 0.05 + 0.05  # CACTI-IO DDR4 phy_*_d, mW per Gb/s
_LP4_PHY_BIT_PJ = 0.3 + 0.01 + 0.4 + 0.2 + 0.05  # CACTI-IO LPDDR phy_*_d


def _lpddr4(channels: int) -> DramInterface:
    return _build(f"LPDDR4-3200-x{16 * channels}", LPDDR4_X16, 1, channels, 6.4, _LP4_IO, _LP4_PHY_BIT_PJ, 10.0,
                  _LP4_PHY_MM2)


def _ddr4(channels: int) -> DramInterface:
    return _build(f"DDR4-2400-x{64 * channels}", DDR4_X8, 8, channels, 19.2, _DDR4_IO, _DDR4_PHY_BIT_PJ, 30.0,
                  _DDR4_PHY_MM2)


#: The interfaces of the design space, in order of bandwidth.
INTERFACES = MappingProxyType({i.name: i for i in (_lpddr4(1), _lpddr4(2), _ddr4(1), _lpddr4(4), _ddr4(2))})


def get_interface(name: str | DramInterface) -> DramInterface:
    """An interface by name.

    Raises:
        SpecError: Unknown name (the message lists the allowed ones).
    """
    if isinstance(name, DramInterface):
        return name
    if name not in INTERFACES:
        raise SpecError(f"got {name!r}; allowed: {format_allowed(INTERFACES)}", "dram")
    return INTERFACES[name]
