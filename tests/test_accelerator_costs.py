"""Accelerator costs: datatypes and PEs, the CACTI SRAM table, voltage/frequency and leakage, DRAM interfaces, and
the area calibration against silicon (DianNao -> Eyeriss, TPU v1 within 30%).

Expected numbers are computed here from the published figures cited in the module docstrings (Horowitz ISSCC'14,
NanGate45, Aladdin, CACTI 7, JEDEC, the project's DRAM device data, the chips' papers).
"""

from __future__ import annotations

import json
import math

import pytest

from simulators.accelerator import DATATYPES, INTERFACES, AcceleratorSimulator, get_interface
from simulators.accelerator import calibration as cal
from simulators.accelerator import technology as tech
from simulators.accelerator.costs import sram
from simulators.accelerator.sram_table import TABLE_PATH, macro


# --- datatypes and PEs (Horowitz 45 nm, NanGate45 DFF_X1, Aladdin register) ----------------------------------
def test_int8_pe_and_mac_by_hand():
    int8 = DATATYPES["int8"]
    # 8b mult 282 + 32b add 137 um^2; operand 8 + weight 8 + shadow 8 + psum 32 + 2 control flip-flops of 4.522
    assert int8.pe_cell_um2 == pytest.approx(282 + 137 + 58 * 4.522, rel=1e-12)
    # 0.2 + 0.1 pJ, plus 8 + 32 register bits at 0.009 pJ (40 nm) * 45/40
    assert int8.mac_pj == pytest.approx(0.2 + 0.1 + 40 * 0.009 * 45 / 40, rel=1e-12)


def test_wider_datatypes_by_hand():
    exp = math.log(3495 / 282) / math.log(4)  # power law through Horowitz's 8- and 32-bit multipliers
    assert DATATYPES["int16"].mul_um2 == pytest.approx(282 * 2 ** exp, rel=1e-12)
    assert DATATYPES["int16"].mul_um2 == pytest.approx(993, rel=1e-3)
    assert DATATYPES["fp16"].mul_um2 == 1640 and DATATYPES["fp16"].acc_um2 == 4184  # fp32 accumulation
    assert DATATYPES["bf16"].mul_pj == pytest.approx(1.1 * 64 / 121, rel=1e-12)  # 8-bit vs 11-bit significands
    order = ["int8", "int16", "bf16", "fp16"]
    assert [DATATYPES[n].pe_cell_um2 for n in order] == sorted(DATATYPES[n].pe_cell_um2 for n in order)
    assert [DATATYPES[n].word_bytes for n in order] == [1, 2, 2, 2]


# --- SRAM: CACTI 7 table -------------------------------------------------------------------------------------
def test_cacti_table_provenance_and_shape():
    doc = json.loads(TABLE_PATH.read_text())
    assert "CACTI 7" in doc["source"] and "itrs-lop" in doc["source"] and "45 nm" in doc["source"]
    big = sorted((r for r in doc["rows"] if r["block_bytes"] == 64 and r["size_bytes"] >= 16384),
                 key=lambda r: r["size_bytes"])
    assert [r["size_bytes"] // 1024 for r in big] == [2 ** k for k in range(4, 13)]
    for key in ("area_mm2", "read_nj", "leakage_mw"):
        assert [r[key] for r in big] == sorted(r[key] for r in big), key  # grows with capacity
    # density of the design-space macros: 3-5 mm^2 per MiB at 45 nm (CACTI's dense macros)
    assert all(3.0 < r["area_mm2"] / (r["size_bytes"] / 2 ** 20) < 5.0 for r in big if r["size_bytes"] >= 32768)


def test_sram_lookup_exact_at_table_sizes_and_log_interpolated_between():
    rows = {r["size_bytes"]: r for r in json.loads(TABLE_PATH.read_text())["rows"] if r["block_bytes"] == 64}
    m = macro(65536)
    assert m["area_mm2"] == rows[65536]["area_mm2"]
    assert m["read_pj_per_byte"] == pytest.approx(rows[65536]["read_nj"] * 1000 / 64, rel=1e-12)
    mid = macro(96 * 1024)  # log-midway between 64 and 128 KiB? log2(1.5) = 0.585 of the way
    t = math.log(1.5) / math.log(2)
    expected = math.exp((1 - t) * math.log(rows[65536]["area_mm2"]) + t * math.log(rows[131072]["area_mm2"]))
    assert mid["area_mm2"] == pytest.approx(expected, rel=1e-12)
    assert float(sram(16)["leakage_mw"][0]) == rows[16384]["leakage_mw"]
    with pytest.raises(ValueError, match="no CACTI entry"):
        macro(8 * 2 ** 20)


# --- voltage, frequency, leakage ----------------------------------------------------------------------------
def test_alpha_power_law_by_hand():
    g = lambda v: (v - 0.35) ** 1.3 / v  # noqa: E731  Sakurai-Newton, alpha 1.3, Vth 0.35 V
    assert tech.f_max_mhz(0.9) == pytest.approx(980 * 65 / 45, rel=1e-12)  # DianNao's 0.98 GHz @65 nm -> 45 nm
    assert tech.f_max_mhz(0.6) == pytest.approx(980 * 65 / 45 * g(0.6) / g(0.9), rel=1e-12)
    assert 760 < tech.f_max_mhz(0.6) < 765 and 1580 < tech.f_max_mhz(1.0) < 1585


def test_every_clock_level_needs_its_own_voltage():
    levels = AcceleratorSimulator().space["clock_mhz"].levels
    volts = [tech.voltage_for(f) for f in levels]
    assert all(tech.V_MIN < v <= tech.V_MAX for v in volts)  # no level is pinned at the voltage floor
    assert volts == sorted(volts) and len(set(volts)) == len(volts)
    for f, v in zip(levels, volts, strict=True):
        assert tech.f_max_mhz(v) == pytest.approx(f, rel=1e-9)
    assert max(levels) <= tech.f_max_mhz(tech.V_MAX)
    with pytest.raises(ValueError, match="V_MAX"):
        tech.voltage_for(1600)


def test_energy_and_leakage_scale_with_voltage():
    assert tech.dynamic_scale(0.9) == 1.0 and tech.dynamic_scale(0.6) == pytest.approx(0.6 ** 2 / 0.81)
    kt = 8.617333262e-5 * 360
    assert tech.leakage_scale(0.7) == pytest.approx(0.7 / 0.9 * math.exp(0.1 * (0.7 - 0.9) / (1.5 * kt)), rel=1e-12)
    assert tech.area_to_node(1.0, 28) == pytest.approx((28 / 45) ** 2)
    assert tech.dynamic_energy_to_node(1.0, 65, 1.0) == pytest.approx(65 / 45 / 0.81)


# --- DRAM interfaces -----------------------------------------------------------------------------------------
def test_ddr4_device_energies_match_the_published_drampower_numbers():
    from simulators.accelerator.dram_interface import DDR4_X8, device_energies

    e = device_energies(DDR4_X8)
    # shared README section 2 (DRAMSys + DRAMPower): ACT+PRE 1.48 nJ, read burst 0.56, write 0.50, refresh 23.2
    assert e["ACT"] + e["PRE"] == pytest.approx(1.48, rel=0.01)
    assert (e["RD"], e["WR"], e["REF"]) == (pytest.approx(0.56, rel=0.01), pytest.approx(0.50, rel=0.01),
                                            pytest.approx(23.2, rel=0.01))
    assert e["standby_mw"] == pytest.approx(44.0 * 1.2, rel=1e-12)  # IDD3N * VDD


@pytest.mark.parametrize("name,dev", [("DDR4-2400", "DDR4_X8"), ("LPDDR4-3200", "LPDDR4_X16")])
def test_device_energies_agree_with_the_project_dram_simulator(name, dev):
    import simulators.accelerator.dram_interface as di
    from simulators.dram.devices import get_device
    from simulators.dram.energy import background_power_mw, command_energies_nj

    ours = di.device_energies(getattr(di, dev))
    theirs = command_energies_nj(get_device(name))
    for cmd in ("ACT", "PRE", "RD", "WR", "REF"):
        assert ours[cmd] == pytest.approx(theirs[cmd], rel=2e-3), cmd
    assert ours["standby_mw"] == pytest.approx(background_power_mw(get_device(name))["act_standby"], rel=2e-3)


def test_interface_costs_by_hand():
    ddr4 = get_interface("DDR4-2400-x64")
    assert ddr4.gbps == 19.2 and get_interface("LPDDR4-3200-x16").gbps == 6.4
    # I/O: POD12, half the bits low through RON 34 + RTT 60 ohm for 1/2.4 ns; half toggle 4.5 pF over 1.2 V *
    # 60/94; PHY datapath 1.76 pJ/bit (CACTI-IO DDR4 defaults)
    io_bit = 0.5 * 1.44 / 94 / 2.4 * 1e3 + 0.5 * 4.5 * 1.2 * (1.2 * 60 / 94) + 1.76
    # a read burst moves 8 B per x8 device; one activate + precharge per 1 KiB page on each of the 8 devices
    core = 0.562 * 1e3 / 8 + 8 * (0.9823 + 0.4950) * 1e3 / 8192
    assert ddr4.read_pj_per_byte == pytest.approx(core + 8 * io_bit, rel=1e-3)
    # background: 8 devices x (IDD3N standby 52.8 mW + 23.09 nJ per 7.8 us refresh) + 30 mW PHY
    assert ddr4.static_mw == pytest.approx(8 * (52.8 + 23.088 / (9360 / 1.2e3)) + 30, rel=1e-3)
    per_pin = 0.01 + 0.35 / 34 + (8e-5 * 1200 + 3.5e-8 * 1200 ** 2 + 1e-11 * 1200 ** 3) / 34  # CACTI-IO
    assert ddr4.phy_area_mm2 == pytest.approx(107 * per_pin, rel=1e-12)
    x128 = get_interface("DDR4-2400-x128")
    assert (x128.gbps, x128.static_mw, x128.phy_area_mm2) == (38.4, 2 * ddr4.static_mw, 2 * ddr4.phy_area_mm2)


def test_no_interface_is_free():
    # every pair trades: more bandwidth costs background power or PHY area or energy per byte
    items = list(INTERFACES.values())
    for a in items:
        for b in items:
            if a is b:
                continue
            better_everywhere = (a.gbps >= b.gbps and a.read_pj_per_byte <= b.read_pj_per_byte
                                 and a.static_mw <= b.static_mw and a.phy_area_mm2 <= b.phy_area_mm2)
            assert not better_everywhere, (a.name, b.name)


# --- area calibration against silicon ------------------------------------------------------------------------
def test_layout_factor_from_diannao_by_hand():
    mult16 = 282 * 2 ** (math.log(3495 / 282) / math.log(4))
    add16 = 36 * 2 ** (math.log(137 / 36) / math.log(4))
    rows = {(r["size_bytes"], r["block_bytes"]): r["area_mm2"] for r in json.loads(TABLE_PATH.read_text())["rows"]}
    cells = (272 * (mult16 + add16) + 576 * 16 * 4.522) * 1e-6 + 2 * rows[(2048, 32)] + rows[(32768, 64)]
    factor = 3.02 / (cells * (65 / 45) ** 2)
    assert cal.LAYOUT_FACTOR == pytest.approx(factor, rel=1e-12)
    assert 2.5 < factor < 3.5


@pytest.mark.parametrize("chip", ["Eyeriss (65 nm core)", "TPU v1 (28 nm MXU+UB+Acc)"])
def test_area_within_30_percent_of_silicon(chip):
    model, published = cal.predicted_mm2()[chip]
    assert model == pytest.approx(published, rel=0.30), f"{chip}: model {model:.1f} vs published {published:.1f}"


def test_eyeriss_and_tpu_parts_by_hand():
    rows = {(r["size_bytes"], r["block_bytes"]): r["area_mm2"] for r in json.loads(TABLE_PATH.read_text())["rows"]}
    int8 = 282 + 137 + 58 * 4.522
    assert cal.tpu_cells_mm2() == pytest.approx(65536 * int8 * 1e-6 + 7 * rows[(4 * 2 ** 20, 64)], rel=1e-12)
    # the TPU's matrix unit per PE: 24% of 331 mm^2 / 65,536 = 1212 um^2 in 28 nm; ours laid out, scaled to 28 nm
    per_pe_28 = cal.LAYOUT_FACTOR * int8 * (28 / 45) ** 2
    assert per_pe_28 == pytest.approx(0.24 * 331e6 / 65536, rel=0.40)
