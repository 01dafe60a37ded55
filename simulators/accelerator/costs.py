"""Energy and area of the accelerator's parts at 45 nm, 0.9 V, each with its published source.

**Datatype (fixed by the workload, not a design knob).** A network is trained or quantised for one datatype; the
simulator takes it as an argument (``int8`` default, ``int16``, ``fp16``, ``bf16``). It sets the word size of
every SRAM and DRAM transfer and the cost of a MAC and of a PE:

* **[H14]** M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, tables "Rough
  energy costs for various operations in 45 nm 0.9 V" and their areas: 8b add 0.03 pJ / 36 um^2, 32b add 0.1 pJ
  / 137 um^2, 8b mult 0.2 pJ / 282 um^2, 32b mult 3.1 pJ / 3495 um^2, 16b FP add 0.4 pJ / 1360 um^2, 16b FP mult
  1.1 pJ / 1640 um^2, 32b FP add 0.9 pJ / 4184 um^2.
* 16-bit integer parts are interpolated between [H14]'s 8- and 32-bit points by the power law through both
  (multiplier area ~ bits^1.82, energy ~ bits^1.98; adder ~ bits^0.96). bfloat16 multiplies 8-bit significands
  where fp16 multiplies 11-bit ones: its multiplier is [H14]'s fp16 multiplier scaled by the significand-array
  size ``(8/11)^2``.
* Accumulation is 32-bit integer for int8/int16 (TPU v1's accumulators are 32-bit, Jouppi et al., ISCA 2017)
  and fp32 for fp16/bf16 (mixed-precision accumulation, Micikevicius et al., ICLR 2018).

**Processing element (cell area).** Multiplier + accumulator adder + registers. A systolic PE that supports
OS, WS and IS holds the input operand it forwards, the stationary weight and its double-buffered shadow (TPU v1
shifts the next weight tile in while computing), the partial sum it forwards and 2 control bits:
``3 * word_bits + acc_bits + 2`` flip-flops of **[NG45]** 4.522 um^2 each (NanGate FreePDK45 Open Cell
Library ``DFF_X1``). Control logic, wiring and placement density are not in the cell area: they are in the
layout factor of :mod:`simulators.accelerator.calibration`.

**MAC energy.** Multiply + accumulate [H14] plus the register traffic of one MAC (the forwarded operand and
the partial sum are latched): ``(word_bits + acc_bits) * 0.009 pJ`` per bit **[AL14]** (Aladdin's 40 nm
register, Y. S. Shao et al., ISCA 2014, as tabulated in Accelergy's ``hwcomponents-library``), scaled to 45 nm by
feature size (x 45/40).

**Logic leakage.** **[AL14]**'s 40 nm 32-bit multiplier leaks 80 uW on 6350 um^2: 12.6 mW per mm^2 of cell area
at nominal voltage (scaled with voltage by :func:`simulators.accelerator.technology.leakage_scale`).

**SRAM** macro area, read/write energy per byte and leakage: CACTI 7 at 45 nm (:mod:`.sram_table`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from archgym_lite.core.errors import SpecError, format_allowed
from simulators.accelerator import sram_table

# --- [H14] 45 nm, 0.9 V -------------------------------------------------------------------------------------
H14 = MappingProxyType({
    "add8_pj": 0.03, "add8_um2": 36.0, "add32_pj": 0.1, "add32_um2": 137.0,
    "mul8_pj": 0.2, "mul8_um2": 282.0, "mul32_pj": 3.1, "mul32_um2": 3495.0,
    "fadd16_pj": 0.4, "fadd16_um2": 1360.0, "fmul16_pj": 1.1, "fmul16_um2": 1640.0,
    "fadd32_pj": 0.9, "fadd32_um2": 4184.0,
})
DFF_UM2 = 4.522  # [NG45] DFF_X1
REG_PJ_PER_BIT = 0.009 * 45.0 / 40.0  # [AL14] register access, 40 nm -> 45 nm
LOGIC_LEAK_MW_PER_MM2 = 0.08 / 6350e-6  # [AL14] 32-bit multiplier: 0.08 mW on 6350 um^2
PE_CONTROL_BITS = 2


def _int_interp(v8: float, v32: float, bits: int) -> float:
    """Power law through [H14]'s 8- and 32-bit points, evaluated at ``bits``."""
    return v8 * (bits / 8.0) ** (math.log(v32 / v8) / math.log(4.0))


@dataclass(frozen=True)
class Datatype:
    """Costs of one datatype at 45 nm, 0.9 V (see module docstring)."""

    name: str
    word_bytes: int
    acc_bits: int
    mul_pj: float
    mul_um2: float
    acc_pj: float
    acc_um2: float

    @property
    def word_bits(self) -> int:
        return 8 * self.word_bytes

    @property
    def pe_reg_bits(self) -> int:
        """Flip-flops of a systolic PE: operand, weight + shadow, partial sum, control."""
        return 3 * self.word_bits + self.acc_bits + PE_CONTROL_BITS

    @property
    def pe_cell_um2(self) -> float:
        """Cell area of one systolic PE (um^2): multiplier + accumulator + registers."""
        return self.mul_um2 + self.acc_um2 + self.pe_reg_bits * DFF_UM2

    @property
    def mac_pj(self) -> float:
        """Dynamic energy of one MAC at 0.9 V (pJ): multiply + accumulate + register traffic."""
        return self.mul_pj + self.acc_pj + (self.word_bits + self.acc_bits) * REG_PJ_PER_BIT


_SIG_BF16_OVER_FP16 = (8.0 / 11.0) ** 2
DATATYPES = MappingProxyType({
    "int8": Datatype("int8", 1, 32, H14["mul8_pj"], H14["mul8_um2"], H14["add32_pj"], H14["add32_um2"]),
    "int16": Datatype("int16", 2, 32, _int_interp(H14["mul8_pj"], H14["mul32_pj"], 16),
                      _int_interp(H14["mul8_um2"], H14["mul32_um2"], 16), H14["add32_pj"], H14["add32_um2"]),
    "fp16": Datatype("fp16", 2, 32, H14["fmul16_pj"], H14["fmul16_um2"], H14["fadd32_pj"], H14["fadd32_um2"]),
    "bf16": Datatype("bf16", 2, 32, H14["fmul16_pj"] * _SIG_BF16_OVER_FP16, H14["fmul16_um2"] * _SIG_BF16_OVER_FP16,
                     H14["fadd32_pj"], H14["fadd32_um2"]),
})


def get_datatype(name: str | Datatype) -> Datatype:
    """A :class:`Datatype` by name.

    Raises:
        SpecError: Unknown name (the message lists the allowed ones).
    """
    if isinstance(name, Datatype):
        return name
    if name not in DATATYPES:
        raise SpecError(f"got {name!r}; allowed: {format_allowed(DATATYPES)}", "datatype")
    return DATATYPES[name]


def int_adder_um2(bits: int) -> float:
    """Area of a ``bits``-wide integer adder (um^2), [H14] power law."""
    return _int_interp(H14["add8_um2"], H14["add32_um2"], bits)


def int_mult_um2(bits: int) -> float:
    """Area of a ``bits x bits`` integer multiplier (um^2), [H14] power law."""
    return _int_interp(H14["mul8_um2"], H14["mul32_um2"], bits)


# --- SRAM (CACTI 7, 45 nm) ----------------------------------------------------------------------------------
SRAM_KEYS = ("area_mm2", "read_pj_per_byte", "write_pj_per_byte", "leakage_mw")


def sram(kib: np.ndarray | float, block: int = 64) -> dict[str, np.ndarray]:
    """CACTI numbers for SRAMs of ``kib`` KiB (array or scalar): exact at table sizes, log-log between them."""
    k = np.atleast_1d(np.asarray(kib, dtype=np.float64))
    uniq, inv = np.unique(k, return_inverse=True)
    rows = [sram_table.macro(float(u) * 1024.0, block) for u in uniq]
    return {key: np.array([r[key] for r in rows])[inv.reshape(-1)] for key in SRAM_KEYS}
