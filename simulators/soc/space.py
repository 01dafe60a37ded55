"""The SoC design space of one workload, and its integer encoding for the numba kernel.

Per real task ``t`` (FARSI's task-list order; ``t`` is the task name without ``_fxp_cloned``):

* ``t_pe``: the PE that runs it: a general-purpose core ``core0``/``core1``/``core2`` (ARM A53, 1 GHz) or ``ip``,
  its own accelerator (only offered when the database has IP figures for the task);
* ``t_unroll``: the IP's loop unrolling, FARSI's allowed levels (``gen_loop_itr_range``) including the top one;
* ``t_clock``: the IP's clock multiplier (x 100 MHz) in {1, 4, 6, 8} (ArchGym's ``ip_freq_range``);
* ``t_mem``: the memory that holds the task's output (its children read it from there);
* ``t_bus``: the bus the IP attaches to.

Unroll, clock and bus of a task mapped to a core are ignored. Global parameters: each core's bus, each memory's
type (DRAM = FARSI ``GMEM``, SRAM = ``LMEM``), width (4-128 B) and clock multiplier, memory 1's bus, and each bus's
width and clock multiplier. ``core0`` and ``mem0`` always exist (they host the dummy source/sink tasks and the
workload's input); ``core1``, ``core2`` and ``mem1`` exist when a task is mapped to them; ``mem0`` sits on
``bus0``. A bus without a PE or a memory merges into the other (FARSI's pruning; see :mod:`simulators.soc.kernel`).
So 1-3 cores, 0-N IPs, 1-2 memories and 1-2 (bridged) buses; every point is a valid design.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from archgym_lite import CategoricalParam, DesignError, DesignSpace, IntListParam
from simulators.soc import layout as L
from simulators.soc.database import Workload, param_stem

PE_CHOICES = ("core0", "core1", "core2", "ip")
MEM_CHOICES = ("mem0", "mem1")
BUS_CHOICES = ("bus0", "bus1")
MEM_TYPES = ("DRAM", "SRAM")  # kernel/CACTI kind index 0, 1
CLOCK_MULTS = (1, 4, 6, 8)  # ArchGym FARSI ip/mem/ic freq_range
TASK_SUFFIXES = ("pe", "unroll", "clock", "mem", "bus")


def task_stems(workload: Workload) -> dict[str, str]:
    """Real task name -> parameter prefix (unique)."""
    stems: dict[str, str] = {}
    for t in workload.real_tasks:
        s = param_stem(t)
        if s in stems.values() or s in ("core0", "core1", "core2", "mem0", "mem1", "bus0", "bus1"):
            s = f"{s}_{len(stems)}"
        stems[t] = s
    return stems


def soc_space(workload: Workload) -> DesignSpace:
    """The design space of ``workload`` (see the module docstring)."""
    widths = workload.blocks.widths
    params: list[Any] = []
    for task, s in task_stems(workload).items():
        ip = workload.has_ip(task)
        params.append(CategoricalParam(f"{s}_pe", PE_CHOICES if ip else PE_CHOICES[:3],
                                       description=f"PE running {task}: an A53 core or its own IP"))
        if ip:
            params += [
                IntListParam(f"{s}_unroll", workload.unroll_levels(task),
                             description=f"loop unrolling of {task}'s IP (area and speed scale with it)"),
                IntListParam(f"{s}_clock", CLOCK_MULTS, "x100 MHz", f"clock multiplier of {task}'s IP"),
            ]
        params.append(CategoricalParam(f"{s}_mem", MEM_CHOICES, description=f"memory holding {task}'s output"))
        if ip:
            params.append(CategoricalParam(f"{s}_bus", BUS_CHOICES, description=f"bus of {task}'s IP"))
    params += [CategoricalParam(f"core{c}_bus", BUS_CHOICES, description=f"bus of A53 core {c}") for c in range(3)]
    for m in range(2):
        params += [
            CategoricalParam(f"mem{m}_type", MEM_TYPES, description=f"memory {m}: DRAM (FARSI GMEM) or SRAM (LMEM)"),
            IntListParam(f"mem{m}_width", widths, "B", f"memory {m} width per cycle and direction"),
            IntListParam(f"mem{m}_clock", CLOCK_MULTS, "x100 MHz", f"memory {m} clock multiplier"),
        ]
    params.append(CategoricalParam("mem1_bus", BUS_CHOICES, description="bus of memory 1 (memory 0 is on bus0)"))
    for b in range(2):
        params += [IntListParam(f"bus{b}_width", widths, "B", f"bus {b} width per cycle and direction"),
                   IntListParam(f"bus{b}_clock", CLOCK_MULTS, "x100 MHz", f"bus {b} clock multiplier")]
    return DesignSpace(params)


def agent_groups(workload: Workload, space: DesignSpace) -> dict[str, dict[str, list[str]]]:
    """Multi-agent splits: ``per_task`` (one agent per task + ``memory`` + ``interconnect``) and
    ``per_block_kind`` (``pe``, ``memory``, ``interconnect``)."""
    names = space.names
    per_task: dict[str, list[str]] = {}
    for s in task_stems(workload).values():
        per_task[s] = [f"{s}_{x}" for x in TASK_SUFFIXES if f"{s}_{x}" in names]
    mem_globals = [n for n in names if n.startswith(("mem0_", "mem1_"))]
    bus_globals = [n for n in names if n.startswith(("bus0_", "bus1_", "core"))]
    per_task["memory"] = mem_globals
    per_task["interconnect"] = bus_globals
    task_params = [n for ps in list(per_task.values())[:-2] for n in ps]
    kind = {
        "pe": [n for n in task_params if n.endswith(("_pe", "_unroll", "_clock"))],
        "memory": [n for n in task_params if n.endswith("_mem")] + mem_globals,
        "interconnect": [n for n in task_params if n.endswith("_bus")] + bus_globals,
    }
    return {"per_task": per_task, "per_block_kind": kind}


class Encoder:
    """Designs (dicts or validated columns) -> int64 rows of the kernel's design encoding."""

    def __init__(self, workload: Workload, space: DesignSpace) -> None:
        n_real = len(workload.real_tasks)
        g = n_real * L.TASK_COLS
        self.n_cols = g + L.N_GLOBAL
        base = np.zeros(self.n_cols, dtype=np.int64)
        self._fields: list[tuple[int, str, dict[str, int] | None]] = []
        for r, s in enumerate(task_stems(workload).values()):
            base[r * L.TASK_COLS + L.C_UNROLL] = base[r * L.TASK_COLS + L.C_CLOCK] = 1
            for col, suffix in ((L.C_PE, "pe"), (L.C_UNROLL, "unroll"), (L.C_CLOCK, "clock"), (L.C_MEM, "mem"),
                                (L.C_BUS, "bus")):
                if f"{s}_{suffix}" in space:
                    self._add(space, r * L.TASK_COLS + col, f"{s}_{suffix}")
        for c in range(3):
            self._add(space, g + L.G_CORE_BUS + c, f"core{c}_bus")
        for m in range(2):
            self._add(space, g + L.G_MEM_KIND + m, f"mem{m}_type")
            self._add(space, g + L.G_MEM_WIDTH + m, f"mem{m}_width")
            self._add(space, g + L.G_MEM_CLOCK + m, f"mem{m}_clock")
            self._add(space, g + L.G_BUS_WIDTH + m, f"bus{m}_width")
            self._add(space, g + L.G_BUS_CLOCK + m, f"bus{m}_clock")
        self._add(space, g + L.G_MEM1_BUS, "mem1_bus")
        self.base = base
        self.space = space

    def _add(self, space: DesignSpace, col: int, name: str) -> None:
        p = space[name]
        lut = {c: i for i, c in enumerate(p.levels)} if isinstance(p, CategoricalParam) else None
        self._fields.append((col, name, lut))

    def row(self, design: Mapping[str, Any]) -> np.ndarray:
        """One validated design -> its row."""
        vals = self.base.tolist()
        for col, name, lut in self._fields:
            v = design[name]
            vals[col] = lut[v] if lut is not None else v
        return np.array(vals, dtype=np.int64)

    def rows(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """Validated columns -> an ``(n, n_cols)`` matrix."""
        n = len(next(iter(columns.values())))
        out = np.tile(self.base, (n, 1))
        for col, name, lut in self._fields:
            arr = np.asarray(columns[name])
            out[:, col] = self.space[name].index_of(arr) if lut is not None else arr.astype(np.int64)
        return out

    def design(self, row: np.ndarray) -> dict[str, Any]:
        """The inverse of :meth:`row`."""
        out: dict[str, Any] = {}
        for col, name, lut in self._fields:
            out[name] = self.space[name].levels[int(row[col])] if lut is not None else int(row[col])
        if set(out) != set(self.space.names):
            raise DesignError("row does not cover every parameter")
        return self.space.validate(out)
