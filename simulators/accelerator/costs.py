"""Energy and area constants of the accelerator model, in one table with their published sources.

All numbers are for a 45 nm process at 0.9 V, the node of the most widely cited public table:

* **[H14]** M. Horowitz, "Computing's energy problem (and what we can do about it)", ISSCC 2014, slide tables
  "Rough energy costs for various operations in 45 nm 0.9 V" and "... area":
  8b int add 0.03 pJ / 36 um^2, 8b int mult 0.2 pJ / 282 um^2, 16b FP add 0.4 pJ / 1360 um^2,
  16b FP mult 1.1 pJ / 1640 um^2, 32b FP add 0.9 pJ / 4184 um^2, 32b FP mult 3.7 pJ / 7700 um^2;
  64-bit SRAM (cache) access 10 pJ (8 KB), 20 pJ (32 KB), 100 pJ (1 MB).
* **[EIE]** S. Han et al., "EIE: Efficient Inference Engine on Compressed Deep Neural Network", ISCA 2016,
  Table I (Horowitz's 45 nm numbers tabulated per 32-bit word): 32-bit DRAM read 640 pJ.
* **[M07]** K. Mistry et al., "A 45nm Logic Technology with High-k+Metal Gate Transistors ...", IEDM 2007:
  6T SRAM bit cell 0.346 um^2.

Derived model (all in :data:`COSTS`):

* One MAC of a ``w``-byte word = one multiply + one add of that type: int8 (w=1), fp16 (w=2), fp32 (w=4) [H14].
* SRAM energy per byte accessed = (10 pJ / 8 B) * sqrt(size / 8 KiB): [H14]'s points grow as the square root
  of capacity (8 KB -> 32 KB doubles the energy; the fit gives 113 pJ at 1 MB against the published 100 pJ).
* DRAM energy per byte = 640 pJ / 4 B = 160 pJ [EIE, H14].
* PE area = the MAC's multiplier + adder [H14] (pipeline registers and control are not modelled).
* SRAM area per KiB = 8192 bits * 0.346 um^2 [M07] / 0.5 array efficiency (a typical CACTI-style share of
  decoders, sense amplifiers and wiring; an assumption, not a measured value).
"""

from __future__ import annotations

import math
from types import MappingProxyType

#: The one constants table. Keys are stable names; units are in the names.
COSTS = MappingProxyType({
    # --- energy per MAC by word size in bytes [H14] ---------------------------------------------
    "mac_pj_w1": 0.2 + 0.03,  # int8 mult + int8 add
    "mac_pj_w2": 1.1 + 0.4,  # fp16 mult + fp16 add
    "mac_pj_w4": 3.7 + 0.9,  # fp32 mult + fp32 add
    # --- memory energy ----------------------------------------------------------------------------
    "sram_pj_per_byte_at_8kib": 10.0 / 8.0,  # 64-bit access of an 8 KB SRAM = 10 pJ [H14]
    "sram_ref_kib": 8.0,  # energy scales with sqrt(size / sram_ref_kib) [H14 fit]
    "dram_pj_per_byte": 640.0 / 4.0,  # 32-bit DRAM read 640 pJ [EIE, H14]
    # --- area -------------------------------------------------------------------------------------
    "pe_um2_w1": 282.0 + 36.0,  # int8 mult + add [H14]
    "pe_um2_w2": 1640.0 + 1360.0,  # fp16 mult + add [H14]
    "pe_um2_w4": 7700.0 + 4184.0,  # fp32 mult + add [H14]
    "sram_bitcell_um2": 0.346,  # 45 nm 6T cell [M07]
    "sram_array_efficiency": 0.5,  # cell area / macro area (assumption, CACTI-typical)
})

#: Word sizes (bytes) the model has constants for.
WORD_SIZES = (1, 2, 4)

#: Energy of one MAC (pJ), indexed by word size in bytes (index 0 and 3 unused).
MAC_PJ_BY_WORD = (math.nan, COSTS["mac_pj_w1"], COSTS["mac_pj_w2"], math.nan, COSTS["mac_pj_w4"])
#: Area of one PE (mm^2), indexed by word size in bytes.
PE_MM2_BY_WORD = (math.nan, COSTS["pe_um2_w1"] * 1e-6, COSTS["pe_um2_w2"] * 1e-6, math.nan,
                  COSTS["pe_um2_w4"] * 1e-6)
#: SRAM macro area per KiB (mm^2).
SRAM_MM2_PER_KIB = 8192 * COSTS["sram_bitcell_um2"] / COSTS["sram_array_efficiency"] * 1e-6
#: DRAM energy per byte (pJ).
DRAM_PJ_PER_BYTE = COSTS["dram_pj_per_byte"]
#: SRAM energy per byte at the reference size (pJ) and the reference size (KiB).
SRAM_PJ_PER_BYTE_REF = COSTS["sram_pj_per_byte_at_8kib"]
SRAM_REF_KIB = COSTS["sram_ref_kib"]


def sram_pj_per_byte(size_kib: float) -> float:
    """Energy (pJ) of accessing one byte of an SRAM of ``size_kib`` KiB (square-root scaling, see module doc)."""
    return SRAM_PJ_PER_BYTE_REF * math.sqrt(size_kib / SRAM_REF_KIB)
