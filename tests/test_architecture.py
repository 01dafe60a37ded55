"""The package's shape: no import cycles, and dependencies that point inward only.

Imports are read from the source with ``ast`` (every ``import``/``from ... import``, also the ones inside
functions, which hide cycles from a plain import), resolved to modules of this repository, and checked:

- no cycle among the modules of ``archgym_lite``, ``simulators`` and ``agents`` (a cycle is a strongly
  connected component of the import graph with more than one module, or a module importing itself);
- ``archgym_lite.core`` imports nothing from the rest of ``archgym_lite``;
- ``simulators`` and ``agents`` import only the core (and the facade ``archgym_lite``) of ``archgym_lite``;
- the application rooms are layered: ``utils`` -> ``trials`` -> {``sweep``, ``report``, ``proxy``,
  ``plugins``} -> ``cli``; a room imports only rooms on its left (and itself).
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("archgym_lite", "simulators", "agents")
LAYER = {"core": 0, "utils": 1, "trials": 2, "sweep": 3, "report": 3, "proxy": 3, "plugins": 3, "cli": 4}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect_modules() -> dict[str, Path]:
    return {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}


def imports_of(name: str, path: Path, modules: dict[str, Path]) -> set[str]:
    """Repository modules imported anywhere in ``path`` (``from pkg import mod`` resolves to ``pkg.mod``)."""
    is_pkg = path.name == "__init__.py"
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = name.split(".") if is_pkg else name.split(".")[:-1]
                base = base[: len(base) - (node.level - 1)]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            targets = [f"{stem}.{a.name}" if f"{stem}.{a.name}" in modules else stem for a in node.names]
        else:
            continue
        for t in targets:
            while t and t not in modules:  # `import a.b.c` of a non-module attribute: its module
                t = t.rpartition(".")[0]
            if t:
                out.add(t)
    return out


def graph() -> dict[str, set[str]]:
    modules = collect_modules()
    return {name: imports_of(name, path, modules) for name, path in modules.items()}


def cycles(g: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node, or a self-loop (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in g.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in g.get(v, ()):
                found.append(sorted(comp))

    for v in sorted(g):
        if v not in index:
            visit(v)
    return found


def room(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "archgym_lite" and len(parts) > 1 and parts[1] in LAYER else None


def test_cycle_finder_finds_a_planted_cycle():
    g = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert sorted(cycles(g)) == [["a", "b", "c"], ["e"]]


def test_import_graph_covers_the_package():
    g = graph()
    assert "archgym_lite.core.registry" in g and "archgym_lite.cli.main" in g
    assert "archgym_lite.core.space" in g["archgym_lite.core.env"]  # a plain import is seen
    assert "archgym_lite.trials.run" in g["archgym_lite.cli.trials"]  # an import inside a function is seen


def test_no_import_cycles():
    assert cycles(graph()) == []


def test_core_imports_nothing_from_the_application():
    bad = [(m, t) for m, ts in graph().items() if room(m) == "core"
           for t in ts if t.startswith("archgym_lite") and room(t) != "core" and t != "archgym_lite._version"]
    assert bad == []


def test_simulators_and_agents_import_only_the_core():
    bad = [(m, t) for m, ts in graph().items() if m.split(".")[0] in ("simulators", "agents")
           for t in ts if t.startswith("archgym_lite") and t != "archgym_lite" and room(t) != "core"]
    assert bad == []


def test_application_rooms_point_inward():
    bad = []
    for m, ts in graph().items():
        r = room(m)
        if r is None:
            continue
        for t in ts:
            rt = room(t)
            if rt is not None and rt != r and LAYER[rt] >= LAYER[r]:
                bad.append((m, t))
    assert bad == []
