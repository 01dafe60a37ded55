"""Loader for FARSI-format CSV databases (the three shipped AR/VR workloads, or a user's own folder).

A database folder holds, per workload ``W``, five files ``W_database - Task Data Movement.csv``, ``- Task Itr
Count.csv``, ``- Task PE Area.csv``, ``- Task PE Energy.csv``, ``- Task PE Performance.csv``, and three shared
files ``misc_database - Block Characteristics.csv``, ``- Budget.csv``, ``- Last Tasks.csv`` (FARSI's
``specs/database_data/parsing`` layout). The shipped copies in ``simulators/soc/data/`` are FARSI's own (MIT
licence, ``data/LICENSE``).

Parsing follows FARSI's ``specs/parse_libraries/parse_library.py``: the data-movement matrix has one row per task
(the producer) and one column per task (the consumer), in bytes; empty cells are no edge and the diagonal
(self movement) is skipped; the task list is the row order. A task's work in instructions is its A53 cycles times
the A53's Dhrystone IPC (``gen_task_graph_work_dict``). Allowed IP unrolls follow ``gen_loop_itr_range``
(geometric, factor 2, ``max_spawn_ip`` 17, plus the iteration count itself). Work units follow
``Task.set_dice_factor`` / ``calc_work_unit`` with ArchGym's burst size of 1024 B.

Every malformed cell raises :class:`~archgym_lite.TraceError` naming the file, the row (1-based line number,
header = 1) and the column. Rows of the Itr Count file naming unknown tasks are ignored, as FARSI never looks
them up (the shipped ``hpvm_cava`` file names ``source`` for ``souurce``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from archgym_lite import SpecError
from simulators.soc.farsi_csv import (
    block_library,
    budget,
    cell,
    check_graph,
    data_movement,
    err,
    is_dummy,
    iterations,
    last_task,
    read,
    task_columns,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
WORKLOADS = ("audio_decoder", "edge_detection", "hpvm_cava")
#: Burst size (bytes) that sets the dice factor of work units: ArchGym's FARSI ``burst_size_options`` [1024].
BURST_BYTES = 1024
#: ``gen_loop_itr_range``: geometric spawn with factor 2, at most ``max_spawn_ip`` = 17 levels (ArchGym's config).
UNROLL_FACTOR, MAX_SPAWN_IP = 2, 17
_FILES = ("Task Data Movement", "Task Itr Count", "Task PE Area", "Task PE Energy", "Task PE Performance")


@dataclass(frozen=True)
class BlockLibrary:
    """Block constants from ``misc_database - Block Characteristics.csv``.

    Attributes:
        a53_ipc: Dhrystone IPC of the general-purpose core (instructions per cycle).
        a53_freq_hz: Its clock.
        a53_instr_per_j: Instructions per joule (dynamic energy).
        a53_area_mm2: Its area (``Gpp_area`` in m^2 times 1e6).
        ip_freq_hz: Base clock of accelerators (IPs); a design multiplies it by its clock multiplier.
        mem_freq_hz: Base clock of memories (``LMEM_k`` / ``GMEM_k``).
        bus_freq_hz: Base clock of buses (``LMEM_ic_k``).
        widths: Allowed memory and bus widths in bytes (``BitWidth`` of ``k = 0..5``).
    """

    a53_ipc: float
    a53_freq_hz: float
    a53_instr_per_j: float
    a53_area_mm2: float
    ip_freq_hz: float
    mem_freq_hz: float
    bus_freq_hz: float
    widths: tuple[int, ...]


@dataclass(frozen=True)
class Workload:
    """One workload's task graph and per-task characteristics, in FARSI's task-list (row) order.

    Attributes:
        name: Workload name (``audio_decoder``...).
        tasks: Task names, FARSI task-list order.
        edges: ``(parent, child, bytes)`` data movements, row-major.
        a53_cycles: Cycles of each task on the A53.
        ip_cycles: Cycles of each task on its IP at the IP base clock with unroll 1 (0: no IP exists).
        ip_energy_fj: Energy of one run of the IP at unroll 1, in fJ (``Task PE Energy.csv``, column IP0).
        ip_area_um2: IP area at unroll 1 in um^2 (``Task PE Area.csv``, column IP0).
        iterations: Loop iteration count (``Task Itr Count.csv``; 1 when absent).
        last_task: The task whose completion is the workload's latency.
        budget: ``{"latency_s", "power_w", "area_mm2"}`` from ``Budget.csv``.
        blocks: Block constants.
        folder: The database folder it was read from.
    """

    name: str
    tasks: tuple[str, ...]
    edges: tuple[tuple[str, str, float], ...]
    a53_cycles: np.ndarray
    ip_cycles: np.ndarray
    ip_energy_fj: np.ndarray
    ip_area_um2: np.ndarray
    iterations: np.ndarray
    last_task: str
    budget: dict[str, float]
    blocks: BlockLibrary
    folder: Path
    index: dict[str, int] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {t: i for i, t in enumerate(self.tasks)})

    @property
    def is_dummy(self) -> np.ndarray:
        return np.array([is_dummy(t) for t in self.tasks])

    @property
    def real_tasks(self) -> tuple[str, ...]:
        """Non-dummy tasks, in task-list order (the ones a design maps)."""
        return tuple(t for t in self.tasks if not is_dummy(t))

    @property
    def instructions(self) -> np.ndarray:
        """Work per task in instructions: A53 cycles x Dhrystone IPC."""
        return self.a53_cycles / self.blocks.a53_freq_hz * self.blocks.a53_ipc * self.blocks.a53_freq_hz

    def parents(self, task: str) -> list[tuple[str, float]]:
        """``(parent, bytes)`` in FARSI's parent order (the parents' row order)."""
        return [(p, b) for p, c, b in self.edges if c == task]

    def children(self, task: str) -> list[tuple[str, float]]:
        """``(child, bytes)`` in column order."""
        return [(c, b) for p, c, b in self.edges if p == task]

    def unroll_levels(self, task: str) -> tuple[int, ...]:
        """Allowed IP unrolls (FARSI ``gen_loop_itr_range``: 2^0..2^floor(log2 N), capped, plus N)."""
        n = int(self.iterations[self.index[task]])
        if n <= 1:
            return (1,)
        levels = [UNROLL_FACTOR ** k for k in range(int(math.log(n, UNROLL_FACTOR)) + 1)]
        if len(levels) > MAX_SPAWN_IP:
            levels = levels[: MAX_SPAWN_IP - 1]
        if n not in levels:
            levels.append(n)
        return tuple(levels)

    def dice_factor(self, task: str) -> int:
        """FARSI ``Task.set_dice_factor`` with the 1024-B burst."""
        if "souurce" in task or "siink" in task:
            return 1
        sr = min(b for _, b in self.parents(task))
        sw = min(b for _, b in self.children(task))
        si = self.instructions[self.index[task]]
        dice = math.floor(sr / BURST_BYTES)
        if dice == 0 or math.floor(sw / dice) == 0 or math.floor(si / dice) == 0:
            return 1
        return dice

    def has_ip(self, task: str) -> bool:
        return bool(self.ip_cycles[self.index[task]] > 0)


def available_workloads(folder: str | Path | None = None) -> list[str]:
    """Workload names with a data-movement file in ``folder`` (default: the shipped database)."""
    root = Path(folder) if folder is not None else DATA_DIR
    suffix = "_database - Task Data Movement.csv"
    return sorted(p.name[: -len(suffix)] for p in root.glob(f"*{suffix}"))


def load_workload(workload: str = "audio_decoder", folder: str | Path | None = None) -> Workload:
    """Read one workload from a FARSI-format database folder (default: the shipped one).

    Raises:
        SpecError: Unknown workload or folder.
        TraceError: A missing file or a malformed cell (the message names file, row and column).
    """
    root = Path(folder) if folder is not None else DATA_DIR
    if not root.is_dir():
        raise SpecError(f"database folder {str(root)!r} does not exist", "database")
    names = available_workloads(root)
    if workload not in names:
        raise SpecError(f"unknown workload {workload!r}; allowed: {names} (in {root})", "workload")
    tables = {f: read(root / f"{workload}_database - {f}.csv") for f in _FILES}
    blocks = BlockLibrary(**block_library(read(root / "misc_database - Block Characteristics.csv")))
    tasks, edges = data_movement(tables["Task Data Movement"])
    perf = task_columns(tables["Task PE Performance"], tasks, ("A53", "IP0"))
    a53 = np.array([cell(perf, t, "A53", required=True, minimum=0.0) for t in tasks])
    ip = np.array([cell(perf, t, "IP0", required=False, minimum=0.0, strict=True) for t in tasks])
    energy = task_columns(tables["Task PE Energy"], tasks, ("IP0",))
    area = task_columns(tables["Task PE Area"], tasks, ("IP0",))
    ip_e = np.array([cell(energy, t, "IP0", required=ip[i] > 0, minimum=0.0) for i, t in enumerate(tasks)])
    ip_a = np.array([cell(area, t, "IP0", required=ip[i] > 0, minimum=0.0) for i, t in enumerate(tasks)])
    iters = iterations(tables["Task Itr Count"], tasks)
    for i, t in enumerate(tasks):
        if not is_dummy(t) and a53[i] <= 0:
            raise err(perf, perf.rows.index(t) + 2, "A53",
                      f"task {t!r} needs a positive A53 cycle count (it sets the task's work)")
        if is_dummy(t) and a53[i] != 0:
            raise err(perf, perf.rows.index(t) + 2, "A53", f"dummy task {t!r} must have 0 cycles (it takes no time)")
    limits = budget(read(root / "misc_database - Budget.csv"), workload)
    last = last_task(read(root / "misc_database - Last Tasks.csv"), workload, tasks)
    check_graph(tables["Task Data Movement"], tasks, edges)
    return Workload(workload, tuple(tasks), tuple(edges), a53, ip, ip_e, ip_a, iters, last, limits, blocks, root)


def param_stem(task: str) -> str:
    """The design-parameter prefix of a task: its name without FARSI's ``_fxp_cloned`` suffix, as an identifier."""
    stem = re.sub(r"_fxp_cloned$", "", task)
    stem = re.sub(r"\W", "_", stem)
    return stem if stem.isidentifier() else f"t_{stem}"
