"""JEDEC command-to-command timing as tables the kernel applies when a command issues (DRAMSys's checker form).

Each rule reads "after command ``prev`` on a bank / bank group / the rank, command ``next`` on the same bank /
bank group / the rank waits ``delay`` clocks" (start to start). The rules follow DRAMSys's generated checkers
(``CheckerDDR4``, ``CheckerLPDDR4``, DRAMSys 5.0) with two corrections that make them JEDEC-exact (JESD79-4):
the same-bank ACT -> ACT gap is tRC (DRAMSys checks tRCD), and an activate after an auto-precharge waits
``max(ACT + tRAS, RDA + tRTP) + tRP``, which the tRC rule plus ``RDA -> ACT = tRTP + tRP`` express. LPDDR4 rules are
start-to-start with JEDEC values (no DRAMSys +/- 2-clock command-length offsets); LPDDR4 commands occupy the
command bus for several clocks (ACT, RD, WR: 4; PRE, REF, SRE, SRX: 2; JESD209-4 command encodings).

tFAW (four activates in a rolling window) is kept by the kernel itself.
"""

from __future__ import annotations

import numpy as np

from simulators.dram.devices import DeviceSpec

# Command codes (the command log uses them).
ACT, PRE, PREA, RD, WR, RDA, WRA, REF, REFPB, PDEA, PDEP, PDXA, PDXP, SREFEN, SREFEX = range(15)
CMD_NAMES = ("ACT", "PRE", "PREA", "RD", "WR", "RDA", "WRA", "REF", "REFPB", "PDEA", "PDEP", "PDXA", "PDXP",
             "SREFEN", "SREFEX")
NCMD = len(CMD_NAMES)
BANK, GROUP, RANK = 0, 1, 2
CAS_CMDS = (RD, WR, RDA, WRA)
READS, WRITES = (RD, RDA), (WR, WRA)


def rules(dev: DeviceSpec) -> list[tuple[int, int, int, int]]:
    """All ``(scope, prev, next, delay)`` rules for ``dev``."""
    b = dev.burst_clocks
    wr = dev.WR + dev.WR_extra
    wrpre = dev.WL + b + wr
    wrrd_s = dev.WL + b + dev.WTR_S + dev.WTR_extra
    wrrd_l = dev.WL + b + dev.WTR_L + dev.WTR_extra
    rdaact, wraact = dev.RTP + dev.RP, wrpre + dev.RP
    out: list[tuple[int, int, int, int]] = []

    def add(scope: int, prevs, nexts, delay: int) -> None:
        for p in (prevs if isinstance(prevs, tuple) else (prevs,)):
            for n in (nexts if isinstance(nexts, tuple) else (nexts,)):
                out.append((scope, p, n, int(delay)))

    # bank
    add(BANK, ACT, ACT, dev.RC)
    add(BANK, ACT, PRE, dev.RAS)
    add(BANK, ACT, CAS_CMDS, dev.RCD)
    add(BANK, PRE, ACT, dev.RP)
    add(BANK, RD, PRE, dev.RTP)
    add(BANK, RDA, ACT, rdaact)
    add(BANK, WR, PRE, wrpre)
    add(BANK, WR, RDA, max(wrrd_l, wrpre - dev.RTP))
    add(BANK, WRA, ACT, wraact)
    if dev.has_per_bank_refresh:
        add(BANK, ACT, REFPB, dev.RC)
        add(BANK, PRE, REFPB, dev.RP)
        add(BANK, RDA, REFPB, rdaact)
        add(BANK, WRA, REFPB, wraact)
        add(BANK, REFPB, ACT, dev.RFCpb)
    # bank group (LPDDR4: one group, *_L == *_S)
    add(GROUP, ACT, ACT, dev.RRD_L)
    add(GROUP, READS, READS, dev.CCD_L)
    add(GROUP, READS, WRITES, dev.RTW)
    add(GROUP, WRITES, READS, wrrd_l)
    add(GROUP, WRITES, WRITES, dev.CCD_L)
    # rank: activates, column commands, precharges
    add(RANK, ACT, ACT, dev.RRD_S)
    add(RANK, ACT, PREA, dev.RAS)
    add(RANK, ACT, (REF, SREFEN), dev.RC)
    add(RANK, ACT, PDEA, dev.ACTPDEN)
    add(RANK, READS, READS, dev.CCD_S)
    add(RANK, READS, WRITES, dev.RTW)
    add(RANK, WRITES, READS, wrrd_s)
    add(RANK, WRITES, WRITES, dev.CCD_S)
    add(RANK, READS, PREA, dev.RTP)
    add(RANK, WRITES, PREA, wrpre)
    add(RANK, RD, (PDEA, PDEP), dev.RDPDEN)
    add(RANK, RDA, (PDEA, PDEP), dev.RDPDEN)
    add(RANK, WR, (PDEA, PDEP), dev.WRPDEN)
    add(RANK, WRA, (PDEA, PDEP), dev.WRAPDEN)
    add(RANK, RDA, REF, rdaact)
    add(RANK, WRA, REF, wraact)
    add(RANK, RDA, SREFEN, max(dev.RDPDEN, rdaact))
    add(RANK, WRA, SREFEN, max(dev.WRAPDEN, wraact))
    add(RANK, PRE, (PDEA, PDEP), dev.PRPDEN)
    add(RANK, PRE, (REF, SREFEN), dev.RP)
    add(RANK, PREA, (ACT, REF, REFPB, SREFEN), dev.RPab)
    add(RANK, PREA, PDEP, dev.PRPDEN)
    if dev.PPD > 0:
        add(RANK, (PRE, PREA), (PRE, PREA), dev.PPD)
    # refresh
    add(RANK, REF, (ACT, REF, REFPB, SREFEN, PREA), dev.RFC)
    add(RANK, REF, (PDEA, PDEP), dev.REFPDEN)
    if dev.has_per_bank_refresh:
        add(RANK, REFPB, (REF, REFPB, SREFEN, PREA), dev.RFCpb)
        add(RANK, REFPB, ACT, dev.RRD_S)
        add(RANK, ACT, REFPB, dev.RRD_S)
        add(RANK, REFPB, (PDEA, PDEP), dev.REFPDEN)
    # power-down and self-refresh
    add(RANK, PDEA, PDXA, dev.CKE)
    add(RANK, PDEP, PDXP, dev.CKE)
    add(RANK, PDXA, (ACT, PRE, PREA, REF, REFPB) + CAS_CMDS, dev.XP)
    add(RANK, PDXA, (PDEA, PDEP), dev.CKE)
    add(RANK, PDXP, (ACT, PRE, PREA, REF, REFPB, SREFEN), dev.XP)
    add(RANK, PDXP, (PDEA, PDEP), dev.CKE)
    add(RANK, SREFEN, SREFEX, dev.CKESR)
    add(RANK, SREFEX, (ACT, PRE, PREA, REF, REFPB, SREFEN, PDEA, PDEP), dev.XS)
    add(RANK, SREFEX, CAS_CMDS, dev.XS_CAS)
    return out


def command_lengths(dev: DeviceSpec) -> np.ndarray:
    """Clocks each command holds the command bus."""
    n = np.ones(NCMD, dtype=np.int64)
    if dev.is_lpddr:
        n[[ACT, RD, WR, RDA, WRA]] = 4
        n[[PRE, PREA, REF, REFPB, SREFEN, SREFEX]] = 2
    return n


#: "No rule" in the dense tables (far below any time, so ``t + NO_RULE`` never binds and cannot overflow).
NO_RULE = -(1 << 40)


def dense_tables(dev: DeviceSpec) -> np.ndarray:
    """Rules as ``D[scope, prev, next]`` delays (:data:`NO_RULE` where none): the kernel applies a command's rules
    with three vector maxima over the next commands instead of a list walk."""
    D = np.full((3, NCMD, NCMD), NO_RULE, dtype=np.int64)
    for scope, p, n, d in rules(dev):
        D[scope, p, n] = max(D[scope, p, n], d)
    return D
