"""Area calibration against silicon: one layout factor from DianNao, checked on Eyeriss and TPU v1.

The parts of :mod:`simulators.accelerator.costs` are *cell* and *macro* areas: multipliers, adders and flip-flops
as synthesised, SRAM macros as CACTI lays them out. A chip is larger: placement density, clock tree, power grid,
wiring channels, control, the on-chip network. Published chips put a number on that.

**Calibration (one constant).** DianNao (T. Chen et al., ASPLOS 2014: 3.02 mm^2 after layout in 65 nm, 16-bit
fixed point, 0.98 GHz) is built from parts this model prices: its NFU has 256 multipliers and 256 adders (16
adder trees of 15 + 16 accumulators), 16 piecewise-linear activation units (a multiply and an add each) and
pipeline registers (256 synapses + 16 inputs latched at NFU-1, 256 products at NFU-2, 16 x 3 sums and outputs:
``(256 + 16 + 256 + 48) * 16`` bits -- our reading of its three-stage pipeline); its buffers are NBin and NBout
(2 KB each, 32-byte ports) and SB (32 KB). ``LAYOUT_FACTOR`` = published area / (cell + macro area scaled from
45 to 65 nm by the node rule of :mod:`simulators.accelerator.technology`).

**Validation (tests, within 30%), with that one factor and nothing else fitted:**

* Eyeriss (Y.-H. Chen et al., IEEE JSSC 52(1), 2017): 65 nm, core 3.5 x 3.5 = 12.25 mm^2, 168 PEs of 16-bit
  fixed point, each with a 12-word ifmap and 24-word psum scratchpad (registers) and a 224 x 16-bit filter
  scratchpad (SRAM), and a 108 KB global buffer.
* TPU v1 (N. P. Jouppi et al., ISCA 2017): 28 nm, die <= 331 mm^2; the 256 x 256 int8 matrix unit (24% of the
  die), the 24 MiB Unified Buffer (29%) and the 4 MiB of accumulators (6%): 59% of 331 = 195 mm^2, modelled as
  65,536 systolic int8 PEs + 7 x 4 MiB SRAM macros.

Published energy per MAC, for the report (not fitted): DianNao 485 mW at 452 GOP/s (2.1 pJ per MAC, 65 nm);
Eyeriss 278 mW at 34.7 frames/s on AlexNet's convolutions (666 MMAC a frame: 12 pJ per MAC, 65 nm, 1 V, 200 MHz);
TPU v1 40 W busy at 92 TOPS peak (0.87 pJ per MAC at full use, 28 nm).
"""

from __future__ import annotations

from simulators.accelerator.costs import DATATYPES, DFF_UM2, int_adder_um2, int_mult_um2, sram
from simulators.accelerator.technology import area_to_node

DIANNAO_MM2_65NM = 3.02
EYERISS_CORE_MM2_65NM = 3.5 * 3.5
TPU_DIE_MM2_28NM = 331.0
TPU_DATAPATH_SHARE = 0.24 + 0.29 + 0.06  # matrix unit + Unified Buffer + accumulators


def _kib_macros(*sizes_kib: tuple[float, int]) -> float:
    """Total CACTI macro area (mm^2) of ``(KiB, block bytes)`` macros."""
    return sum(float(sram(k, b)["area_mm2"][0]) for k, b in sizes_kib)


def diannao_cells_mm2() -> float:
    """DianNao's parts at 45 nm: cells + macros (mm^2), see module docstring."""
    mac = int_mult_um2(16) + int_adder_um2(16)
    units = 256 * mac + 16 * mac
    regs = (256 + 16 + 256 + 48) * 16 * DFF_UM2
    return (units + regs) * 1e-6 + _kib_macros((2, 32), (2, 32), (32, 64))


def eyeriss_cells_mm2() -> float:
    """Eyeriss's parts at 45 nm (mm^2): 168 RS PEs (16-bit MAC, 36 scratchpad words + 3 pipeline words in
    registers, 448-byte filter scratchpad SRAM) and a 108 KiB global buffer."""
    pe = int_mult_um2(16) + int_adder_um2(16) + (12 + 24 + 3) * 16 * DFF_UM2
    return 168 * pe * 1e-6 + 168 * _kib_macros((0.5, 16)) + _kib_macros((108, 64))


def tpu_cells_mm2() -> float:
    """TPU v1's matrix unit, Unified Buffer and accumulators at 45 nm (mm^2)."""
    return 65536 * DATATYPES["int8"].pe_cell_um2 * 1e-6 + 7 * _kib_macros((4096, 64))


#: Chip area / (cell + macro area), from DianNao (see module docstring).
LAYOUT_FACTOR = DIANNAO_MM2_65NM / area_to_node(diannao_cells_mm2(), 65.0)


def predicted_mm2() -> dict[str, tuple[float, float]]:
    """``{chip: (model area at the chip's node, published area)}`` for the validation chips."""
    return {
        "Eyeriss (65 nm core)": (LAYOUT_FACTOR * area_to_node(eyeriss_cells_mm2(), 65.0), EYERISS_CORE_MM2_65NM),
        "TPU v1 (28 nm MXU+UB+Acc)": (LAYOUT_FACTOR * area_to_node(tpu_cells_mm2(), 28.0),
                                      TPU_DATAPATH_SHARE * TPU_DIE_MM2_28NM),
    }
