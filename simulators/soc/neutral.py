"""The neutral design encoding of ``reference_calibration.json`` <-> designs of the SoC design space.

The neutral encoding lists ``blocks`` (``peN``: ``A53`` or ``IP`` with ``task``, ``unroll``, ``freq_mult``;
``memN``: ``memory`` with ``kind`` DRAM/SRAM, ``width_bytes``, ``freq_mult``; ``busN``: ``bus`` with
``width_bytes``, ``freq_mult``), undirected ``connections`` (each PE and memory on one bus, ``bus1``-``bus0`` the
bridge), ``task_to_pe`` and ``task_to_mem`` (the memory holding what the task writes). Derived fields
(``farsi_block``, ``clock_hz``, ``peak_bandwidth_B_per_s``) are written by :func:`to_neutral` and ignored by
:func:`from_neutral`.

:func:`from_neutral` maps the A53 that runs ``souurce`` to ``core0`` (FARSI runs the dummy tasks on the first
A53), other A53s to ``core1``/``core2`` in block order, the memory holding ``souurce``'s output to ``mem0`` and the
bus of ``mem0`` to ``bus0``. :func:`to_neutral` writes the canonical form: blocks ``pe0`` = core 0, the other used
cores, the IPs in task-list order, then memories and buses, with FARSI's pruning of buses applied. So
``to_neutral(from_neutral(x)) == x`` for every design in canonical form (all 12 calibration designs), and
``from_neutral(to_neutral(d))`` simulates exactly like ``d``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from archgym_lite import DesignError
from simulators.soc import layout as L
from simulators.soc.database import is_dummy
from simulators.soc.space import CLOCK_MULTS, MEM_TYPES, task_stems

_BLOCK_FIELDS = {"A53": (), "IP": ("task", "unroll", "freq_mult"), "memory": ("kind", "width_bytes", "freq_mult"),
                 "bus": ("width_bytes", "freq_mult")}


def from_neutral(sim: Any, neutral: Mapping[str, Any]) -> dict[str, Any]:
    """A design of ``sim``'s space from a neutral-encoding design (raises :class:`DesignError` naming the field)."""
    w, space = sim.workload, sim.space
    if not isinstance(neutral, Mapping):
        raise DesignError("a neutral design must be a mapping with blocks, connections, task_to_pe, task_to_mem")
    for key in ("blocks", "connections", "task_to_pe", "task_to_mem"):
        if key not in neutral:
            raise DesignError("missing", key)
    blocks = _blocks(neutral["blocks"])
    bus_of = _connections(neutral["connections"], blocks)
    t2pe, t2mem = _mapping(neutral, "task_to_pe", w.tasks, blocks, ("A53", "IP")), \
        _mapping(neutral, "task_to_mem", w.tasks, blocks, ("memory",))
    src = next(t for t in w.tasks if "souurce" in t)
    if blocks[t2pe[src]]["type"] != "A53":
        raise DesignError("souurce (and every dummy task) runs on an A53", f"task_to_pe.{src}")
    cores = [t2pe[src]] + [b for b, v in blocks.items() if v["type"] == "A53" and b != t2pe[src]]
    mems = [t2mem[src]] + [b for b, v in blocks.items() if v["type"] == "memory" and b != t2mem[src]]
    if len(cores) > 3:
        raise DesignError(f"at most 3 A53 cores, got {len(cores)}", "blocks")
    if len(mems) > 2:
        raise DesignError(f"at most 2 memories, got {len(mems)}", "blocks")
    buses = [bus_of[mems[0]]] + [b for b, v in blocks.items() if v["type"] == "bus" and b != bus_of[mems[0]]]
    core_name = {b: f"core{i}" for i, b in enumerate(cores)}
    hosted = {b: [t for t in w.tasks if t2pe[t] == b] for b in blocks}
    held = {b: [t for t in w.tasks if t2mem[t] == b] for b in blocks}
    design = dict(space.default())
    for t in w.tasks:
        if is_dummy(t):
            if t2pe[t] != cores[0]:
                raise DesignError(f"dummy tasks run on the A53 running souurce ({cores[0]})", f"task_to_pe.{t}")
            if t2mem[t] != mems[0] and "souurce" not in t:
                raise DesignError(f"dummy tasks keep their (empty) output in souurce's memory ({mems[0]})",
                                  f"task_to_mem.{t}")
    for t, s in task_stems(w).items():
        b = t2pe[t]
        design[f"{s}_mem"] = f"mem{mems.index(t2mem[t])}"
        if blocks[b]["type"] == "A53":
            design[f"{s}_pe"] = core_name[b]
            continue
        if blocks[b]["task"] != t or len(hosted[b]) != 1:
            raise DesignError(f"an IP runs only its own task ({blocks[b]['task']!r})", f"task_to_pe.{t}")
        if not w.has_ip(t):
            raise DesignError("the database has no IP for this task", f"task_to_pe.{t}")
        design[f"{s}_pe"], design[f"{s}_unroll"], design[f"{s}_clock"] = "ip", blocks[b]["unroll"], blocks[b]["freq_mult"]
        design[f"{s}_bus"] = f"bus{buses.index(bus_of[b])}"
    for b, v in blocks.items():
        if v["type"] in ("A53", "IP") and not hosted[b]:
            raise DesignError("hosts no task (FARSI cannot simulate an idle PE)", f"blocks.{b}")
        if v["type"] == "memory" and not held[b]:
            raise DesignError("holds no task's output", f"blocks.{b}")
    for b in cores:
        design[f"{core_name[b]}_bus"] = f"bus{buses.index(bus_of[b])}"
    for i, m in enumerate(mems):
        v = blocks[m]
        design[f"mem{i}_type"], design[f"mem{i}_width"], design[f"mem{i}_clock"] = v["kind"], v["width_bytes"], \
            v["freq_mult"]
    if len(mems) == 2:
        design["mem1_bus"] = f"bus{buses.index(bus_of[mems[1]])}"
    for i, b in enumerate(buses):
        design[f"bus{i}_width"], design[f"bus{i}_clock"] = blocks[b]["width_bytes"], blocks[b]["freq_mult"]
    return space.validate(design)


def to_neutral(sim: Any, design: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical neutral encoding of a design (FARSI's pruning applied, unused blocks dropped)."""
    w = sim.workload
    d = sim.space.validate(design)
    run = sim.model.run(sim.model.encoder.row(d))
    n_pe = L.N_CORES + len(w.tasks)
    exists = run.blocks[:, L.B_EXISTS] > 0
    bus_id = {b: f"bus{i}" for i, b in enumerate(b for b in range(2) if exists[n_pe + 2 + b])}
    bl = w.blocks
    stems = task_stems(w)
    blocks: list[dict[str, Any]] = []
    pe_id: dict[str, str] = {}
    conn: list[list[str]] = []
    for c in range(L.N_CORES):
        if exists[c]:
            pid = f"pe{len(pe_id)}"
            pe_id[f"core{c}"] = pid
            blocks.append({"id": pid, "type": "A53", "farsi_block": "A53_pe", "clock_hz": bl.a53_freq_hz})
            conn.append([pid, bus_id[int(run.blocks[c, L.B_BUS])]])
    for i, t in enumerate(w.tasks):
        if exists[L.N_CORES + i]:
            s = stems[t]
            pid = f"pe{len(pe_id)}"
            pe_id[t] = pid
            u, f = d[f"{s}_unroll"], d[f"{s}_clock"]
            blocks.append({"id": pid, "type": "IP", "task": t, "unroll": u, "freq_mult": f,
                           "farsi_block": f"{t}_IP0_{u}_{f}_pe", "clock_hz": bl.ip_freq_hz * f})
            conn.append([pid, bus_id[int(run.blocks[L.N_CORES + i, L.B_BUS])]])
    mem_id: dict[int, str] = {}
    for m in range(2):
        if exists[n_pe + m]:
            mid = mem_id[m] = f"mem{len(mem_id)}"
            kind, width, f = d[f"mem{m}_type"], d[f"mem{m}_width"], d[f"mem{m}_clock"]
            k = bl.widths.index(width)
            blocks.append({"id": mid, "type": "memory", "kind": kind, "width_bytes": width, "freq_mult": f,
                           "farsi_block": f"{'GMEM' if kind == MEM_TYPES[0] else 'LMEM'}_{k}_{f}_mem",
                           "clock_hz": bl.mem_freq_hz * f, "peak_bandwidth_B_per_s": width * bl.mem_freq_hz * f})
            conn.append([bus_id[int(run.blocks[n_pe + m, L.B_BUS])], mid])
    for b, bid in bus_id.items():
        width, f = d[f"bus{b}_width"], d[f"bus{b}_clock"]
        blocks.append({"id": bid, "type": "bus", "width_bytes": width, "freq_mult": f,
                       "farsi_block": f"LMEM_ic_{bl.widths.index(width)}_{f}_ic",
                       "clock_hz": bl.bus_freq_hz * f, "peak_bandwidth_B_per_s": width * bl.bus_freq_hz * f})
    if len(bus_id) == 2:
        conn.append(["bus1", "bus0"])
    t2pe, t2mem = {}, {}
    for t in w.tasks:
        if is_dummy(t):
            t2pe[t], t2mem[t] = pe_id["core0"], mem_id[0]
            continue
        s = stems[t]
        t2pe[t] = pe_id[t] if d[f"{s}_pe"] == "ip" else pe_id[d[f"{s}_pe"]]
        t2mem[t] = mem_id[int(d[f"{s}_mem"][-1])]
    return {"blocks": blocks, "connections": conn, "task_to_pe": t2pe, "task_to_mem": t2mem}


def _blocks(raw: Any) -> dict[str, dict[str, Any]]:
    if not isinstance(raw, list) or not raw:
        raise DesignError("must be a non-empty list of blocks", "blocks")
    out: dict[str, dict[str, Any]] = {}
    for i, b in enumerate(raw):
        path = f"blocks[{i}]"
        if not isinstance(b, Mapping) or not isinstance(b.get("id"), str):
            raise DesignError("must be a mapping with a string 'id'", path)
        if b["id"] in out:
            raise DesignError(f"duplicate block id {b['id']!r}", f"{path}.id")
        if b.get("type") not in _BLOCK_FIELDS:
            raise DesignError(f"unknown type {b.get('type')!r}; allowed: {list(_BLOCK_FIELDS)}", f"{path}.type")
        for f in _BLOCK_FIELDS[b["type"]]:
            if f not in b:
                raise DesignError("missing", f"{path}.{f}")
        if "freq_mult" in b and b["freq_mult"] not in CLOCK_MULTS:
            raise DesignError(f"got {b['freq_mult']!r}; allowed: {list(CLOCK_MULTS)}", f"{path}.freq_mult")
        if b["type"] == "memory" and b["kind"] not in MEM_TYPES:
            raise DesignError(f"got {b['kind']!r}; allowed: {list(MEM_TYPES)}", f"{path}.kind")
        if "width_bytes" in b and not (isinstance(b["width_bytes"], int) and b["width_bytes"] >= 4
                                       and math.log2(b["width_bytes"]).is_integer() and b["width_bytes"] <= 128):
            raise DesignError(f"got {b['width_bytes']!r}; allowed: 4, 8, ..., 128", f"{path}.width_bytes")
        out[b["id"]] = dict(b)
    return out


def _connections(raw: Any, blocks: dict[str, dict[str, Any]]) -> dict[str, str]:
    if not isinstance(raw, list):
        raise DesignError("must be a list of [block, block] pairs", "connections")
    bus_of: dict[str, str] = {}
    bridges = 0
    for i, pair in enumerate(raw):
        path = f"connections[{i}]"
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or any(p not in blocks for p in pair):
            raise DesignError(f"must be a pair of known block ids, got {pair!r}", path)
        types = [blocks[p]["type"] for p in pair]
        if types == ["bus", "bus"]:
            bridges += 1
            continue
        if types.count("bus") != 1:
            raise DesignError(f"a PE or memory connects to a bus, got {pair!r}", path)
        other = pair[0] if types[1] == "bus" else pair[1]
        if other in bus_of:
            raise DesignError(f"{other} is already on {bus_of[other]} (each PE and memory is on one bus)", path)
        bus_of[other] = pair[1] if types[1] == "bus" else pair[0]
    n_bus = sum(v["type"] == "bus" for v in blocks.values())
    if n_bus not in (1, 2) or bridges != n_bus - 1:
        raise DesignError(f"needs 1 bus, or 2 buses with one bridge; got {n_bus} buses, {bridges} bridges",
                          "connections")
    for b, v in blocks.items():
        if v["type"] != "bus" and b not in bus_of:
            raise DesignError("is not connected to a bus", f"blocks.{b}")
    return bus_of


def _mapping(neutral: Mapping[str, Any], key: str, tasks: tuple[str, ...], blocks: dict[str, dict[str, Any]],
             types: tuple[str, ...]) -> dict[str, str]:
    raw = neutral[key]
    if not isinstance(raw, Mapping):
        raise DesignError("must be a mapping task -> block id", key)
    extra = [t for t in raw if t not in tasks]
    if extra:
        raise DesignError(f"unknown task; tasks: {list(tasks)}", f"{key}.{extra[0]}")
    for t in tasks:
        if t not in raw:
            raise DesignError("missing", f"{key}.{t}")
        if raw[t] not in blocks or blocks[raw[t]]["type"] not in types:
            allowed = [b for b, v in blocks.items() if v["type"] in types]
            raise DesignError(f"got {raw[t]!r}; allowed: {allowed}", f"{key}.{t}")
    return dict(raw)
