"""DRAMPower-style energy: per-command energies from IDD currents plus background energy by state.

Per device and rail (voltage V, clock tCK), following DRAMPower's current-difference formulas:

    E_ACT  = V * (IDD0 - IDD3N) * tRAS * tCK            E_PRE = V * (IDD0 - IDD2N) * (tRC - tRAS) * tCK
    E_RD   = V * (IDD4R - IDD3N) * BL/2 * tCK           E_WR  = V * (IDD4W - IDD3N) * BL/2 * tCK
    E_REF  = V * (IDD5B - IDD3N) * tRFC * tCK           E_REFpb = V * (IDD5PB - IDD3N) * tRFCpb * tCK

Background power by state: active standby IDD3N, precharge standby IDD2N, active power-down IDD3P, precharge
power-down IDD2P, self-refresh IDD6 (times V; DRAMPower counts the first tRFC of a self-refresh as a refresh,
see ``DRAMSimulator._energy_parts``). A rail without a current contributes 0 (e.g. DDR4's VPP rail only has IPP0,
which makes every activate cost V_PP * IPP0 * tRC). Rank totals multiply by the number of devices.
"""

from __future__ import annotations

from simulators.dram.devices import DeviceSpec

COMMAND_ENERGY_KEYS = ("ACT", "PRE", "RD", "WR", "REF", "REFPB")
STATES = ("act_standby", "pre_standby", "act_powerdown", "pre_powerdown", "self_refresh")
_STATE_CURRENT = {"act_standby": "idd3n", "pre_standby": "idd2n", "act_powerdown": "idd3p",
                  "pre_powerdown": "idd2p", "self_refresh": "idd6"}


def command_energies_nj(dev: DeviceSpec) -> dict[str, float]:
    """Energy of one command, per device, in nJ."""
    out = dict.fromkeys(COMMAND_ENERGY_KEYS, 0.0)
    tck = dev.tck_ns
    for r in dev.rails:
        v = r.voltage
        out["ACT"] += v * (r.i("idd0") - r.i("idd3n")) * dev.RAS * tck
        out["PRE"] += v * (r.i("idd0") - r.i("idd2n")) * (dev.RC - dev.RAS) * tck
        out["RD"] += v * (r.i("idd4r") - r.i("idd3n")) * dev.burst_clocks * tck
        out["WR"] += v * (r.i("idd4w") - r.i("idd3n")) * dev.burst_clocks * tck
        out["REF"] += v * (r.i("idd5b") - r.i("idd3n")) * dev.RFC * tck
        if dev.RFCpb:
            out["REFPB"] += v * (r.i("idd5pb") - r.i("idd3n")) * dev.RFCpb * tck
    return out


def background_power_mw(dev: DeviceSpec) -> dict[str, float]:
    """Background power of one device in each state, in mW."""
    return {s: sum(r.voltage * r.i(c) for r in dev.rails) * 1e3 for s, c in _STATE_CURRENT.items()}
