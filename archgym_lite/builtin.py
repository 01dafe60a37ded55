"""Registrations of the built-in envs and agents (string entry points: nothing is imported until used)."""

from __future__ import annotations

from archgym_lite.registry import register, register_agent

BUILTIN_ENVS = [
    ("archgym/Synthetic-v0", "simulators.synthetic:make_env",
     "Smooth synthetic benchmark over every parameter kind, with a known optimum"),
    ("archgym/Accelerator-v0", "simulators.accelerator:make_env",
     "Systolic-array DNN accelerator (SCALE-Sim 3 cycle semantics) with energy and area"),
    ("archgym/DRAM-v0", "simulators.dram:make_env",
     "Trace-driven DDR4/LPDDR4 memory controller with DRAMSys knobs and DRAMPower-style energy"),
]

BUILTIN_AGENTS = [
    ("random", "agents.random_search:RandomSearch", "Uniform random search over the design space"),
    ("random-walk", "agents.random_search:RandomWalk", "Random walk: a random neighbour of the best design so far"),
]


def register_builtins() -> None:
    for env_id, entry_point, description in BUILTIN_ENVS:
        register(env_id, entry_point, description=description, override=True)
    for name, entry_point, description in BUILTIN_AGENTS:
        register_agent(name, entry_point, description=description, override=True)
