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

import csv
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from archgym_lite import SpecError, TraceError

DATA_DIR = Path(__file__).resolve().parent / "data"
WORKLOADS = ("audio_decoder", "edge_detection", "hpvm_cava")
#: Burst size (bytes) that sets the dice factor of work units: ArchGym's FARSI ``burst_size_options`` [1024].
BURST_BYTES = 1024
#: ``gen_loop_itr_range``: geometric spawn with factor 2, at most ``max_spawn_ip`` = 17 levels (ArchGym's config).
UNROLL_FACTOR, MAX_SPAWN_IP = 2, 17
DUMMY_MARKERS = ("souurce", "siink", "dummy_last")  # FARSI Task.is_task_dummy (substring match)
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


def is_dummy(task: str) -> bool:
    """FARSI's dummy tasks (``souurce``, ``siink``, ``dummy_last``) take no time and no energy."""
    return any(m in task for m in DUMMY_MARKERS)


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
    tables = {f: _read(root / f"{workload}_database - {f}.csv") for f in _FILES}
    blocks = _block_library(_read(root / "misc_database - Block Characteristics.csv"))
    tasks, edges = _data_movement(tables["Task Data Movement"])
    perf = _task_columns(tables["Task PE Performance"], tasks, ("A53", "IP0"))
    a53 = np.array([_cell(perf, t, "A53", required=True, minimum=0.0) for t in tasks])
    ip = np.array([_cell(perf, t, "IP0", required=False, minimum=0.0, strict=True) for t in tasks])
    energy = _task_columns(tables["Task PE Energy"], tasks, ("IP0",))
    area = _task_columns(tables["Task PE Area"], tasks, ("IP0",))
    ip_e = np.array([_cell(energy, t, "IP0", required=ip[i] > 0, minimum=0.0) for i, t in enumerate(tasks)])
    ip_a = np.array([_cell(area, t, "IP0", required=ip[i] > 0, minimum=0.0) for i, t in enumerate(tasks)])
    iters = _iterations(tables["Task Itr Count"], tasks)
    for i, t in enumerate(tasks):
        if not is_dummy(t) and a53[i] <= 0:
            raise _err(perf, perf.rows.index(t) + 2, "A53",
                       f"task {t!r} needs a positive A53 cycle count (it sets the task's work)")
        if is_dummy(t) and a53[i] != 0:
            raise _err(perf, perf.rows.index(t) + 2, "A53", f"dummy task {t!r} must have 0 cycles (it takes no time)")
    budget = _budget(_read(root / "misc_database - Budget.csv"), workload)
    last = _last_task(_read(root / "misc_database - Last Tasks.csv"), workload, tasks)
    _check_graph(tables["Task Data Movement"], tasks, edges)
    return Workload(workload, tuple(tasks), tuple(edges), a53, ip, ip_e, ip_a, iters, last, budget, blocks, root)


# --- CSV helpers ----------------------------------------------------------------------------------


@dataclass
class _Table:
    path: Path
    header: list[str]
    body: list[list[str]]
    rows: list[str] = field(default_factory=list)  # first-column names, in order


def _read(path: Path) -> _Table:
    if not path.is_file():
        raise TraceError(f"missing database file {path.name!r} in {str(path.parent)!r}")
    try:
        with open(path, newline="", encoding="utf-8-sig") as fh:
            lines = list(csv.reader(fh))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise TraceError(f"{path.name!r}: not a readable CSV file ({exc})") from None
    lines = [ln for ln in lines if any(c.strip() for c in ln)] if lines else []
    if not lines:
        raise TraceError(f"{path.name!r}: the file is empty")
    header = [c.strip() for c in lines[0]]
    body = [[c.strip() for c in ln] + [""] * (len(header) - len(ln)) for ln in lines[1:]]
    for r, ln in enumerate(body, start=2):
        if len(ln) > len(header) and any(ln[len(header):]):
            raise TraceError(f"{path.name!r}, row {r}: {len(ln)} cells but the header has {len(header)} columns")
    return _Table(path, header, body, [ln[0] for ln in body])


def _err(tab: _Table, row: int, column: str, message: str) -> TraceError:
    return TraceError(f"{tab.path.name!r}, row {row}, column {column!r}: {message}")


def _number(tab: _Table, row: int, column: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise _err(tab, row, column, f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise _err(tab, row, column, f"expected a finite number, got {text!r}")
    return value


def _column(tab: _Table, name: str) -> int:
    if name not in tab.header:
        raise _err(tab, 1, name, f"missing column; the header has {tab.header}")
    return tab.header.index(name)


def _data_movement(tab: _Table) -> tuple[list[str], list[tuple[str, str, float]]]:
    if tab.header[0] != "Task Name":
        raise _err(tab, 1, tab.header[0], "the first column must be 'Task Name'")
    tasks = tab.rows
    if not tasks:
        raise _err(tab, 2, "Task Name", "no task rows")
    seen: set[str] = set()
    for r, t in enumerate(tasks, start=2):
        if not t:
            raise _err(tab, r, "Task Name", "empty task name")
        if t in seen:
            raise _err(tab, r, "Task Name", f"task {t!r} appears twice")
        seen.add(t)
    for c in tab.header[1:]:
        if c not in seen:
            raise _err(tab, 1, c, f"column names an unknown task; tasks (rows): {tasks}")
    edges = []
    for r, ln in enumerate(tab.body, start=2):
        for child, text in zip(tab.header[1:], ln[1:], strict=False):
            if not text or child == ln[0]:  # FARSI skips self movement (it would need a scratchpad)
                continue
            value = _number(tab, r, child, text)
            if value <= 0:
                raise _err(tab, r, child, f"bytes moved must be > 0 (leave the cell empty for no edge), got {text!r}")
            edges.append((ln[0], child, value))
    return tasks, edges


def _task_columns(tab: _Table, tasks: list[str], columns: tuple[str, ...]) -> _Table:
    if tab.header[0] != "Task Name":
        raise _err(tab, 1, tab.header[0], "the first column must be 'Task Name'")
    for c in columns:
        _column(tab, c)
    for r, t in enumerate(tab.rows, start=2):
        if t not in tasks:
            raise _err(tab, r, "Task Name", f"unknown task {t!r}; tasks: {tasks}")
    return tab


def _cell(tab: _Table, task: str, column: str, *, required: bool, minimum: float, strict: bool = False) -> float:
    if task not in tab.rows:
        if required:
            raise _err(tab, len(tab.body) + 2, "Task Name", f"no row for task {task!r}")
        return 0.0
    r = tab.rows.index(task)
    text = tab.body[r][tab.header.index(column)]
    if not text:
        if required:
            raise _err(tab, r + 2, column, f"task {task!r} needs a value")
        return 0.0
    value = _number(tab, r + 2, column, text)
    if value < minimum or (strict and value == 0):
        raise _err(tab, r + 2, column, f"must be {'>' if strict else '>='} {minimum:g}, got {text!r}")
    return value


def _iterations(tab: _Table, tasks: list[str]) -> np.ndarray:
    col = _column(tab, "number of iterations")
    out = np.ones(len(tasks), dtype=np.int64)
    for r, ln in enumerate(tab.body, start=2):
        if ln[0] not in tasks:
            continue  # FARSI never looks such a row up (hpvm_cava names 'source')
        value = _number(tab, r, "number of iterations", ln[col])
        if value < 1 or value != int(value):
            raise _err(tab, r, "number of iterations", f"must be a positive integer, got {ln[col]!r}")
        out[tasks.index(ln[0])] = int(value)
    return out


def _block_library(tab: _Table) -> BlockLibrary:
    name_col = _column(tab, "Name")

    def value(block: str, column: str) -> float:
        names = [ln[name_col] for ln in tab.body]
        if block not in names:
            raise _err(tab, len(tab.body) + 2, "Name", f"no row for block {block!r}")
        r = names.index(block)
        return _number(tab, r + 2, column, tab.body[r][_column(tab, column)])

    widths = []
    for k in range(6):
        w = value(f"LMEM_{k}", "BitWidth")
        for prefix in ("GMEM", "LMEM_ic"):
            if value(f"{prefix}_{k}", "BitWidth") != w:
                raise _err(tab, 1, "BitWidth", f"{prefix}_{k} and LMEM_{k} must have the same width")
        widths.append(int(w))
    return BlockLibrary(
        a53_ipc=value("A53", "dhrystone_IPC"), a53_freq_hz=value("A53", "Freq"),
        a53_instr_per_j=value("A53", "Inst_per_joul"), a53_area_mm2=value("A53", "Gpp_area") * 1e6,
        ip_freq_hz=value("IP", "Freq"), mem_freq_hz=value("LMEM_0", "Freq"), bus_freq_hz=value("LMEM_ic_0", "Freq"),
        widths=tuple(widths),
    )


def _budget(tab: _Table, workload: str) -> dict[str, float]:
    col = _column(tab, "Workload")
    for r, ln in enumerate(tab.body, start=2):
        if ln[col] == workload:
            return {key: _number(tab, r, column, ln[_column(tab, column)])
                    for key, column in (("latency_s", "latency"), ("power_w", "power"))} | {
                "area_mm2": _number(tab, r, "area", ln[_column(tab, "area")]) * 1e6}
    raise _err(tab, len(tab.body) + 2, "Workload", f"no budget row for workload {workload!r}")


def _last_task(tab: _Table, workload: str, tasks: list[str]) -> str:
    col, tcol = _column(tab, "workload"), _column(tab, "last_task")
    for r, ln in enumerate(tab.body, start=2):
        if ln[col] == workload:
            if ln[tcol] not in tasks:
                raise _err(tab, r, "last_task", f"unknown task {ln[tcol]!r}; tasks: {tasks}")
            return ln[tcol]
    raise _err(tab, len(tab.body) + 2, "workload", f"no last-task row for workload {workload!r}")


def _check_graph(tab: _Table, tasks: list[str], edges: list[tuple[str, str, float]]) -> None:
    """FARSI needs a DAG rooted at ``souurce``; every real task reads and writes something."""
    for marker in ("souurce", "siink"):
        if sum(marker in t for t in tasks) != 1:
            raise _err(tab, 1, "Task Name", f"needs exactly one task named {marker!r} (FARSI's dummy source/sink)")
    has_parent = {c for _, c, _ in edges}
    has_child = {p for p, _, _ in edges}
    for r, t in enumerate(tasks, start=2):
        if "souurce" in t and t in has_parent:
            raise _err(tab, r, "Task Name", f"{t!r} is the source and must have no parent")
        if not is_dummy(t) and (t not in has_parent or t not in has_child):
            raise _err(tab, r, "Task Name", f"task {t!r} needs at least one parent and one child")
    # Kahn: every task reachable in topological order, i.e. no cycle
    indeg = {t: 0 for t in tasks}
    for _, c, _ in edges:
        indeg[c] += 1
    ready = [t for t in tasks if indeg[t] == 0]
    seen = 0
    while ready:
        t = ready.pop()
        seen += 1
        for p, c, _ in edges:
            if p == t:
                indeg[c] -= 1
                if indeg[c] == 0:
                    ready.append(c)
    if seen != len(tasks):
        cyc = [t for t in tasks if indeg[t] > 0]
        raise _err(tab, 1, "Task Name", f"the task graph has a cycle through {cyc}")


def param_stem(task: str) -> str:
    """The design-parameter prefix of a task: its name without FARSI's ``_fxp_cloned`` suffix, as an identifier."""
    stem = re.sub(r"_fxp_cloned$", "", task)
    stem = re.sub(r"\W", "_", stem)
    return stem if stem.isidentifier() else f"t_{stem}"
