"""Process technology: the voltage a clock needs, how energy and leakage follow the voltage, and node scaling.

The accelerator is modelled in a **45 nm** process at a nominal **0.9 V** (the node and voltage of Horowitz's
ISSCC 2014 energy/area table, the source of the arithmetic costs in :mod:`simulators.accelerator.costs`).

**Voltage and frequency (alpha-power law).** Gate delay ~ ``C V / (V - Vth)^alpha`` (T. Sakurai and A. R.
Newton, "Alpha-power law MOSFET model and its applications to CMOS inverter delay and other formulas", IEEE JSSC
25(2), 1990; ``alpha`` ~ 1.3 for velocity-saturated short-channel devices), so the highest clock at supply ``V``
is ``f(V) = F_NOM * g(V) / g(V_NOM)`` with ``g(V) = (V - V_TH)^ALPHA / V``. ``V_TH = 0.35 V`` is a 45 nm
low-operating-power threshold (ITRS 2007 LOP, 0.3-0.4 V) -- an assumption stated here, not a measurement.
``F_NOM`` anchors the curve: DianNao's systolic-free MAC datapath closes timing at 0.98 GHz after layout in 65 nm
(T. Chen et al., ASPLOS 2014); gate delay scales with feature size (Dennard), so 0.98 GHz * 65/45 = 1.416 GHz at
the 45 nm nominal voltage. The supply may range over ``[V_MIN, V_MAX] = [0.6, 1.0] V``: 0.6 V is the assumed
6T-SRAM minimum operating voltage at 45 nm (the SRAMs share the supply), 1.0 V the usual nominal + 10% reliability
limit. So the clock spans f(0.6 V) = 762 MHz to f(1.0 V) = 1582 MHz; every clock level of the design space lies
inside that range, so each level runs at its own, distinct voltage (a slower clock buys a lower voltage).

**Energy with voltage.** Dynamic (switching) energy ~ ``C V^2``: every dynamic cost of the 0.9 V tables is scaled
by ``(V / 0.9)^2``. Leakage power ~ ``V * I_off`` with ``I_off ~ exp(eta * V / (n * kT/q))`` through drain-induced
barrier lowering (K. Roy, S. Mukhopadhyay, H. Mahmoodi-Meimand, "Leakage current mechanisms and leakage
reduction techniques in deep-submicrometer CMOS circuits", Proc. IEEE 91(2), 2003): ``eta = 0.1`` (100 mV/V DIBL),
``n = 1.5``, ``kT/q`` at 360 K (CACTI's temperature). Leakage energy = leakage power x run time, so a slow clock
pays leakage (and DRAM background power) for longer: the energy-optimal clock is an interior point.

**Node scaling** (used to compare with chips built in other nodes, never inside the 45 nm model): area ~
``(node / 45)^2``; switched capacitance ~ ``node / 45`` so dynamic energy ~ ``(node / 45) * (V / 0.9)^2``; delay ~
``node / 45`` at the same relative overdrive (classic Dennard scaling, R. Dennard et al., IEEE JSSC 9(5), 1974).
Real nodes scale less than ideally below 45 nm; this rule is the documented approximation the calibration tests use.
"""

from __future__ import annotations

import math

NODE_NM = 45.0
V_NOM = 0.9
V_MIN = 0.6
V_MAX = 1.0
V_TH = 0.35
ALPHA = 1.3
#: Highest clock at 0.9 V in 45 nm (MHz): DianNao's 0.98 GHz in 65 nm scaled by 65/45.
F_NOM_MHZ = 980.0 * 65.0 / 45.0

DIBL_ETA = 0.1
SUBTHRESHOLD_N = 1.5
THERMAL_V = 8.617333262e-5 * 360.0  # kT/q at 360 K


def _g(v: float) -> float:
    return (v - V_TH) ** ALPHA / v


def f_max_mhz(v: float) -> float:
    """Highest clock (MHz) at supply ``v`` (alpha-power law anchored at ``F_NOM_MHZ`` at 0.9 V)."""
    return F_NOM_MHZ * _g(v) / _g(V_NOM)


def voltage_for(clock_mhz: float) -> float:
    """Lowest supply (V) that meets ``clock_mhz``, found by bisection on the monotone alpha-power law.

    Raises:
        ValueError: The clock is above ``f_max_mhz(V_MAX)``.
    """
    if clock_mhz > f_max_mhz(V_MAX) * (1 + 1e-12):
        raise ValueError(f"{clock_mhz} MHz needs more than V_MAX = {V_MAX} V (max {f_max_mhz(V_MAX):.0f} MHz)")
    if clock_mhz <= f_max_mhz(V_MIN):
        return V_MIN
    lo, hi = V_MIN, V_MAX
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        if f_max_mhz(mid) < clock_mhz:
            lo = mid
        else:
            hi = mid
    return hi


def dynamic_scale(v: float) -> float:
    """Dynamic energy at ``v`` relative to 0.9 V: ``(v / 0.9)^2``."""
    return (v / V_NOM) ** 2


def leakage_scale(v: float) -> float:
    """Leakage power at ``v`` relative to 0.9 V: ``(v / 0.9) * exp(eta (v - 0.9) / (n kT/q))``."""
    return (v / V_NOM) * math.exp(DIBL_ETA * (v - V_NOM) / (SUBTHRESHOLD_N * THERMAL_V))


def area_to_node(mm2: float, node_nm: float) -> float:
    """A 45 nm area scaled to ``node_nm`` by the ideal rule ``(node / 45)^2``."""
    return mm2 * (node_nm / NODE_NM) ** 2


def dynamic_energy_to_node(pj: float, node_nm: float, volts: float = V_NOM) -> float:
    """A 45 nm, 0.9 V dynamic energy scaled to ``node_nm`` at ``volts``: ``* (node/45) * (volts/0.9)^2``."""
    return pj * (node_nm / NODE_NM) * dynamic_scale(volts)
