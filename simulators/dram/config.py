"""The DRAMSys memory-controller knobs as a design space, their integer encoding, and an ``mcconfig`` reader.

Knob names and values are DRAMSys's (``mcconfig`` JSON), so a DRAMSys configuration maps 1:1 onto a design.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.errors import DesignError, SpecError, format_allowed
from archgym_lite.core.space import CategoricalParam, Design, DesignSpace, IntListParam, Pow2Param

PAGE_POLICIES = ("Open", "OpenAdaptive", "Closed", "ClosedAdaptive")
SCHEDULERS = ("Fifo", "FrFcfs", "FrFcfsGrp")
SCHEDULER_BUFFERS = ("Bankwise", "ReadWrite", "Shared")
RESP_QUEUES = ("Fifo", "Reorder")
REFRESH_POLICIES = ("NoRefresh", "AllBank", "PerBank")
POWER_DOWN_POLICIES = ("NoPowerDown", "Staggered")
ARBITERS = ("Simple", "Fifo", "Reorder")
REFRESH_LIMITS = (1, 2, 4, 8)

class RefreshPolicyParam(CategoricalParam):
    """RefreshPolicy, whose error says why a policy is missing (PerBank on DDR4, NoRefresh in DRAM-v0)."""

    def _bad(self, value: Any) -> DesignError:
        why = {"PerBank": "the device has no per-bank refresh (JEDEC DDR4 has none; DRAMSys rejects it too)",
               "NoRefresh": "left out of this space (a DRAM without refresh loses its data; "
                            "make_env(allow_no_refresh=True) puts it back)"}.get(str(value), "")
        reason = f": {why}" if why and str(value) in REFRESH_POLICIES else ""
        return DesignError(f"invalid value {value!r}{reason}; allowed: {self.describe_range()}", self.name)


# Positions in the integer config vector passed to the kernel.
(C_PAGE, C_SCHED, C_BUF, C_BUFSIZE, C_RESP, C_REF, C_MAXPOST, C_MAXPULL, C_PD, C_ARB, C_MAXACT,
 C_LOG, C_LEN) = range(13)


def knob_space(device: Any = None, allow_no_refresh: bool = True) -> DesignSpace:
    """The DRAMSys knob space (shared README, section 3) for ``device`` (a ``DeviceSpec`` or ``None``).

    ``RefreshPolicy`` PerBank exists only where the device has per-bank refresh (LPDDR4): JEDEC DDR4 has none and
    DRAMSys rejects it, so on DDR4 the knob's levels are NoRefresh and AllBank and PerBank fails validation with
    a ``DesignError`` naming the knob and the allowed values. ``device=None`` gives the full space.
    ``allow_no_refresh=False`` drops NoRefresh: without refresh a DRAM loses its data after the retention window
    (tREFW = 64 ms, JESD79-4 / JESD209-4), so it is a study setting (DRAMSys has it), not a design choice for a
    working memory; it would otherwise be best for free.
    """
    # (the middle level is a parameter's default: AllBank in every order below)
    refresh = REFRESH_POLICIES if device is None or device.has_per_bank_refresh else ("AllBank", "NoRefresh")
    if not allow_no_refresh:
        refresh = ("AllBank", "PerBank") if "PerBank" in refresh else ("AllBank",)
    return DesignSpace([
        CategoricalParam("PagePolicy", PAGE_POLICIES, description="row-buffer policy (adaptive: look at the queue)"),
        CategoricalParam("Scheduler", SCHEDULERS, description="Fifo, first-ready FCFS, FR-FCFS with r/w grouping"),
        CategoricalParam("SchedulerBuffer", SCHEDULER_BUFFERS,
                         description="buffer organisation: per bank, per direction, or one shared buffer"),
        Pow2Param("RequestBufferSize", 1, 128, "requests",
                  "slots per buffer (per bank / per direction / total); a slot is freed when the column command "
                  "issues"),
        CategoricalParam("RespQueue", RESP_QUEUES, description="responses in completion order or request order"),
        RefreshPolicyParam("RefreshPolicy", refresh,
                         description="no refresh, all-bank REF, per-bank REFpb (LPDDR4 only; DDR4 has none)"),
        IntListParam("RefreshMaxPostponed", REFRESH_LIMITS, "refreshes", "refreshes postponed while busy"),
        IntListParam("RefreshMaxPulledin", REFRESH_LIMITS, "refreshes", "refreshes pulled in while idle"),
        CategoricalParam("PowerDownPolicy", POWER_DOWN_POLICIES,
                         description="Staggered: power-down when idle, self-refresh after a refresh while idle"),
        CategoricalParam("Arbiter", ARBITERS,
                         description="Simple: no limit; Fifo: MaxActiveTransactions; Reorder: also in-order replies"),
        Pow2Param("MaxActiveTransactions", 1, 128, "requests",
                  "outstanding transactions (only with Arbiter Fifo/Reorder)"),
    ])


def encode(design: Mapping[str, Any], log: bool = False) -> np.ndarray:
    """A validated design → the kernel's int64 config vector."""
    c = np.zeros(C_LEN, dtype=np.int64)
    c[C_PAGE] = PAGE_POLICIES.index(design["PagePolicy"])
    c[C_SCHED] = SCHEDULERS.index(design["Scheduler"])
    c[C_BUF] = SCHEDULER_BUFFERS.index(design["SchedulerBuffer"])
    c[C_BUFSIZE] = int(design["RequestBufferSize"])
    c[C_RESP] = RESP_QUEUES.index(design["RespQueue"])
    c[C_REF] = REFRESH_POLICIES.index(design["RefreshPolicy"])
    c[C_MAXPOST] = int(design["RefreshMaxPostponed"])
    c[C_MAXPULL] = int(design["RefreshMaxPulledin"])
    c[C_PD] = POWER_DOWN_POLICIES.index(design["PowerDownPolicy"])
    c[C_ARB] = ARBITERS.index(design["Arbiter"])
    c[C_MAXACT] = int(design["MaxActiveTransactions"])
    c[C_LOG] = int(log)
    return c


#: Older DRAMSys spellings accepted by :func:`read_mcconfig`.
ALIASES = {("RefreshPolicy", "Rankwise"): "AllBank", ("RefreshPolicy", "Bankwise"): "PerBank",
           ("PowerDownPolicy", "NoPowerdown"): "NoPowerDown"}


def read_mcconfig(source: str | Path | Mapping[str, Any], base: Mapping[str, Any] | None = None,
                  device: Any = None) -> Design:
    """A design from a DRAMSys ``mcconfig`` (JSON path or dict, with or without the ``"mcconfig"`` wrapper).

    Knobs the file does not set come from ``base`` (default: the space's default design); keys that are not
    knobs of this space (``CmdMux``, ``RefreshManagement``, ...) are ignored, as they do not change timing here.

    Raises:
        SpecError: Unreadable file, or a knob value outside the explored space (the message lists allowed values).
    """
    if isinstance(source, Mapping):
        data: Any = source
        where = "mcconfig"
    else:
        where = str(source)
        try:
            data = json.loads(Path(source).read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise SpecError(f"cannot read mcconfig: {exc}", where) from None
    mc = data.get("mcconfig", data) if isinstance(data, Mapping) else None
    if not isinstance(mc, Mapping):
        raise SpecError("must be a JSON object", where)
    space = knob_space(device)
    design = dict(base) if base is not None else space.default()
    for p in space.params:
        if p.name not in mc:
            continue
        value = mc[p.name]
        value = ALIASES.get((p.name, value), value) if isinstance(value, str) else value
        if value not in p.levels:
            raise SpecError(f"{value!r} is not in the explored space; allowed: {format_allowed(p.levels)}",
                            f"{where}.{p.name}")
        design[p.name] = value
    return space.validate(design)
