"""Reading FARSI's CSV tables with errors that name the file, the row (1-based line, header = 1) and the column.

Parsing follows FARSI's ``specs/parse_libraries/parse_library.py`` (see :mod:`simulators.soc.database`).
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite import TraceError

DUMMY_MARKERS = ("souurce", "siink", "dummy_last")  # FARSI Task.is_task_dummy (substring match)


def is_dummy(task: str) -> bool:
    """FARSI's dummy tasks (``souurce``, ``siink``, ``dummy_last``) take no time and no energy."""
    return any(m in task for m in DUMMY_MARKERS)


@dataclass
class Table:
    """One CSV file: its header, body rows (cells stripped, padded to the header) and first-column names."""

    path: Path
    header: list[str]
    body: list[list[str]]
    rows: list[str] = field(default_factory=list)  # first-column names, in order


def read(path: Path) -> Table:
    """Read a CSV file (blank lines dropped); a missing or unreadable file raises TraceError."""
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
    return Table(path, header, body, [ln[0] for ln in body])


def err(tab: Table, row: int, column: str, message: str) -> TraceError:
    """The error for one cell: file, row (1-based line), column."""
    return TraceError(f"{tab.path.name!r}, row {row}, column {column!r}: {message}")


def number(tab: Table, row: int, column: str, text: str) -> float:
    """A finite number from a cell."""
    try:
        value = float(text)
    except ValueError:
        raise err(tab, row, column, f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise err(tab, row, column, f"expected a finite number, got {text!r}")
    return value


def column_index(tab: Table, name: str) -> int:
    """Position of a header column (missing: an error on row 1)."""
    if name not in tab.header:
        raise err(tab, 1, name, f"missing column; the header has {tab.header}")
    return tab.header.index(name)


def data_movement(tab: Table) -> tuple[list[str], list[tuple[str, str, float]]]:
    """Tasks (row order) and ``(parent, child, bytes)`` edges; the diagonal is skipped as FARSI does."""
    if tab.header[0] != "Task Name":
        raise err(tab, 1, tab.header[0], "the first column must be 'Task Name'")
    tasks = tab.rows
    if not tasks:
        raise err(tab, 2, "Task Name", "no task rows")
    seen: set[str] = set()
    for r, t in enumerate(tasks, start=2):
        if not t:
            raise err(tab, r, "Task Name", "empty task name")
        if t in seen:
            raise err(tab, r, "Task Name", f"task {t!r} appears twice")
        seen.add(t)
    for c in tab.header[1:]:
        if c not in seen:
            raise err(tab, 1, c, f"column names an unknown task; tasks (rows): {tasks}")
    edges = []
    for r, ln in enumerate(tab.body, start=2):
        for child, text in zip(tab.header[1:], ln[1:], strict=False):
            if not text or child == ln[0]:  # FARSI skips self movement (it would need a scratchpad)
                continue
            value = number(tab, r, child, text)
            if value <= 0:
                raise err(tab, r, child, f"bytes moved must be > 0 (leave the cell empty for no edge), got {text!r}")
            edges.append((ln[0], child, value))
    return tasks, edges


def task_columns(tab: Table, tasks: list[str], columns: tuple[str, ...]) -> Table:
    """Check a per-task table: ``Task Name`` first, the ``columns`` present, only known tasks."""
    if tab.header[0] != "Task Name":
        raise err(tab, 1, tab.header[0], "the first column must be 'Task Name'")
    for c in columns:
        column_index(tab, c)
    for r, t in enumerate(tab.rows, start=2):
        if t not in tasks:
            raise err(tab, r, "Task Name", f"unknown task {t!r}; tasks: {tasks}")
    return tab


def cell(tab: Table, task: str, column: str, *, required: bool, minimum: float, strict: bool = False) -> float:
    """One task's value in ``column`` (0 when absent and not required); below ``minimum`` is an error."""
    if task not in tab.rows:
        if required:
            raise err(tab, len(tab.body) + 2, "Task Name", f"no row for task {task!r}")
        return 0.0
    r = tab.rows.index(task)
    text = tab.body[r][tab.header.index(column)]
    if not text:
        if required:
            raise err(tab, r + 2, column, f"task {task!r} needs a value")
        return 0.0
    value = number(tab, r + 2, column, text)
    if value < minimum or (strict and value == 0):
        raise err(tab, r + 2, column, f"must be {'>' if strict else '>='} {minimum:g}, got {text!r}")
    return value


def iterations(tab: Table, tasks: list[str]) -> np.ndarray:
    """Loop iteration count per task (1 when absent; rows naming unknown tasks are ignored, as in FARSI)."""
    col = column_index(tab, "number of iterations")
    out = np.ones(len(tasks), dtype=np.int64)
    for r, ln in enumerate(tab.body, start=2):
        if ln[0] not in tasks:
            continue  # FARSI never looks such a row up (hpvm_cava names 'source')
        value = number(tab, r, "number of iterations", ln[col])
        if value < 1 or value != int(value):
            raise err(tab, r, "number of iterations", f"must be a positive integer, got {ln[col]!r}")
        out[tasks.index(ln[0])] = int(value)
    return out


def block_library(tab: Table) -> dict[str, Any]:
    """Fields of :class:`~simulators.soc.database.BlockLibrary` from the Block Characteristics table."""
    name_col = column_index(tab, "Name")

    def value(block: str, column: str) -> float:
        names = [ln[name_col] for ln in tab.body]
        if block not in names:
            raise err(tab, len(tab.body) + 2, "Name", f"no row for block {block!r}")
        r = names.index(block)
        return number(tab, r + 2, column, tab.body[r][column_index(tab, column)])

    widths = []
    for k in range(6):
        w = value(f"LMEM_{k}", "BitWidth")
        for prefix in ("GMEM", "LMEM_ic"):
            if value(f"{prefix}_{k}", "BitWidth") != w:
                raise err(tab, 1, "BitWidth", f"{prefix}_{k} and LMEM_{k} must have the same width")
        widths.append(int(w))
    return dict(
        a53_ipc=value("A53", "dhrystone_IPC"), a53_freq_hz=value("A53", "Freq"),
        a53_instr_per_j=value("A53", "Inst_per_joul"), a53_area_mm2=value("A53", "Gpp_area") * 1e6,
        ip_freq_hz=value("IP", "Freq"), mem_freq_hz=value("LMEM_0", "Freq"), bus_freq_hz=value("LMEM_ic_0", "Freq"),
        widths=tuple(widths),
    )


def budget(tab: Table, workload: str) -> dict[str, float]:
    """The workload's latency (s), power (W) and area (m^2 in the file, mm^2 here) budgets."""
    col = column_index(tab, "Workload")
    for r, ln in enumerate(tab.body, start=2):
        if ln[col] == workload:
            return {key: number(tab, r, column, ln[column_index(tab, column)])
                    for key, column in (("latency_s", "latency"), ("power_w", "power"))} | {
                "area_mm2": number(tab, r, "area", ln[column_index(tab, "area")]) * 1e6}
    raise err(tab, len(tab.body) + 2, "Workload", f"no budget row for workload {workload!r}")


def last_task(tab: Table, workload: str, tasks: list[str]) -> str:
    """The task whose completion is the workload's latency."""
    col, tcol = column_index(tab, "workload"), column_index(tab, "last_task")
    for r, ln in enumerate(tab.body, start=2):
        if ln[col] == workload:
            if ln[tcol] not in tasks:
                raise err(tab, r, "last_task", f"unknown task {ln[tcol]!r}; tasks: {tasks}")
            return ln[tcol]
    raise err(tab, len(tab.body) + 2, "workload", f"no last-task row for workload {workload!r}")


def check_graph(tab: Table, tasks: list[str], edges: list[tuple[str, str, float]]) -> None:
    """FARSI needs a DAG rooted at ``souurce``; every real task reads and writes something."""
    for marker in ("souurce", "siink"):
        if sum(marker in t for t in tasks) != 1:
            raise err(tab, 1, "Task Name", f"needs exactly one task named {marker!r} (FARSI's dummy source/sink)")
    has_parent = {c for _, c, _ in edges}
    has_child = {p for p, _, _ in edges}
    for r, t in enumerate(tasks, start=2):
        if "souurce" in t and t in has_parent:
            raise err(tab, r, "Task Name", f"{t!r} is the source and must have no parent")
        if not is_dummy(t) and (t not in has_parent or t not in has_child):
            raise err(tab, r, "Task Name", f"task {t!r} needs at least one parent and one child")
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
        raise err(tab, 1, "Task Name", f"the task graph has a cycle through {cyc}")
