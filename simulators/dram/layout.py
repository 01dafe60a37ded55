"""Layout of the DRAM kernel's vectors: command codes, timing-vector and state-vector positions.

The kernel (:mod:`simulators.dram.kernel`) takes the device timings as one int64 vector (built by
:func:`timing_vector`) and keeps the controller state shared by its command, refresh and power-down code in
an int64 state vector ``S``; the positions below name their entries.
"""

from __future__ import annotations

import numpy as np

from simulators.dram.devices import DeviceSpec

BIG = 1 << 60
RING = 1 << 14  # command-bus occupancy ring: slot t & MASK holds t when cycle t carries a command
MASK = RING - 1

# Command codes in the log.
ACT, PRE, PREA, RD, WR, RDA, WRA, REF, REFPB, PDEA, PDEP, PDX = range(12)
CMD_NAMES = ("ACT", "PRE", "PREA", "RD", "WR", "RDA", "WRA", "REF", "REFPB", "PDEA", "PDEP", "PDX")

# Timing vector positions.
(T_RL, T_WL, T_BURST, T_RCD, T_RP, T_RPAB, T_RAS, T_RC, T_RRDS, T_RRDL, T_FAW, T_CCDS, T_CCDL, T_WTRS, T_WTRL,
 T_WR, T_RTP, T_RFC, T_RFCPB, T_REFI, T_REFIPB, T_XP, T_CKE, T_PPD, T_RTW, T_WTRX, T_WRX, T_NB, T_BPG, T_HASPB,
 T_LOOK, T_LEN) = range(32)

# Scalar state positions.
(S_LAST_ACT, S_LAST_CAS, S_LAST_DIR, S_LAST_RD, S_LAST_WR_END, S_BUS_FREE, S_LAST_PRE, S_LAST_CMD, S_LAST_RD_END,
 S_LAST_AP, S_REF_END, S_LAST_REF, S_FAW_I, S_NLOG, S_NIV, S_PD_ON, S_PD_START, S_PD_TYPE, S_PD_EXIT, S_TPD_ACT,
 S_TPD_PRE, S_REF_DONE, S_REF_BANK, S_HITS, S_MISSES, S_CONFL, S_CNT) = range(27)
S_LEN = S_CNT + len(CMD_NAMES)


def timing_vector(dev: DeviceSpec) -> np.ndarray:
    """The kernel's int64 timing vector for ``dev``."""
    t = np.zeros(T_LEN, dtype=np.int64)
    vals = {T_RL: dev.RL, T_WL: dev.WL, T_BURST: dev.burst_clocks, T_RCD: dev.RCD, T_RP: dev.RP,
            T_RPAB: dev.RPab, T_RAS: dev.RAS, T_RC: dev.RC, T_RRDS: dev.RRD_S, T_RRDL: dev.RRD_L, T_FAW: dev.FAW,
            T_CCDS: dev.CCD_S, T_CCDL: dev.CCD_L, T_WTRS: dev.WTR_S, T_WTRL: dev.WTR_L, T_WR: dev.WR,
            T_RTP: dev.RTP, T_RFC: dev.RFC, T_RFCPB: dev.RFCpb, T_REFI: dev.REFI, T_REFIPB: dev.REFIpb,
            T_XP: dev.XP, T_CKE: dev.CKE, T_PPD: dev.PPD, T_RTW: dev.RTW, T_WTRX: dev.WTR_extra,
            T_WRX: dev.WR_extra, T_NB: dev.n_banks, T_BPG: dev.banks_per_group,
            T_HASPB: int(dev.has_per_bank_refresh), T_LOOK: dev.RP + dev.RCD}
    for k, v in vals.items():
        t[k] = v
    return t
