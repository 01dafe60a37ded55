"""Registrations of the built-in envs and agents (string entry points: nothing is imported until used)."""

from __future__ import annotations

from archgym_lite.core.registry import register, register_agent

BUILTIN_ENVS = [
    ("archgym/Synthetic-v0", "simulators.synthetic:make_env",
     "Smooth synthetic benchmark over every parameter kind, with a known optimum"),
    ("archgym/Accelerator-v0", "simulators.accelerator:make_env",
     "Systolic-array DNN accelerator (SCALE-Sim 3 cycle semantics) with energy and area"),
    ("archgym/DRAM-v0", "simulators.dram:make_env",
     "Trace-driven DDR4/LPDDR4 memory controller with DRAMSys knobs and DRAMPower-style energy"),
    ("archgym/DualBranch-v0", "simulators.dualbranch:make_env",
     "Dual-branch network mapped onto two heterogeneous sub-accelerators (NASAIC-style)"),
    ("archgym/SoC-v0", "simulators.soc:make_env",
     "AR/VR SoC (FARSI-exact): tasks on A53 cores or IPs, memories and buses, FARSI's budgets"),
]

BUILTIN_AGENTS = [
    ("random", "agents.random_search:RandomSearch", "Uniform random search over the design space"),
    ("random-walk", "agents.random_search:RandomWalk", "Random walk: a random neighbour of the best design so far"),
    ("ga", "agents.evolutionary.ga:GeneticAlgorithm",
     "Genetic algorithm: tournament selection, uniform crossover, typed mutation, elitism"),
    ("aco", "agents.evolutionary.aco:AntColony",
     "Ant colony optimisation: per-parameter pheromones over levels, rank-based elitist deposits"),
    ("nsga2", "agents.evolutionary.nsga2:NSGA2",
     "NSGA-II: the GA's multi-objective form (non-dominated sorting, crowding, constraint domination)"),
    ("bo", "agents.bayesian.bo:BayesianOptimization",
     "Bayesian optimisation on BoTorch: GP + batch qLogEI over valid candidates, periodic refits"),
    ("qnehvi", "agents.bayesian.qnehvi:QNEHVI",
     "Multi-objective BO on BoTorch: qLogNEHVI over the objective's traded metrics, constraint-aware"),
    ("optuna-tpe", "agents.optuna_tpe:OptunaTPE", "Optuna's TPE sampler with Optuna's defaults (a peer baseline)"),
    ("optuna", "agents.optuna_tpe:OptunaSampler",
     "Any Optuna sampler by name (tpe, cmaes, nsga2, gp, random, qmc) with its defaults (peer baselines)"),
    ("ppo", "agents.rl.sb3:PPOAgent", "stable-baselines3 PPO over MultiDiscrete design actions"),
    ("a2c", "agents.rl.sb3:A2CAgent", "stable-baselines3 A2C over MultiDiscrete design actions"),
    ("dqn", "agents.rl.sb3:DQNAgent", "stable-baselines3 DQN over Discrete(2d+1) one-parameter moves"),
    ("sac", "agents.rl.sb3:SACAgent", "stable-baselines3 SAC over a [0, 1]^d continuous design encoding"),
    ("marl", "agents.marl.independent:IndependentLearners",
     "Multi-agent RL: independent policy-gradient learners per parameter/branch, shared reward"),
]


def register_builtins() -> None:
    for env_id, entry_point, description in BUILTIN_ENVS:
        register(env_id, entry_point, description=description, override=True)
    for name, entry_point, description in BUILTIN_AGENTS:
        register_agent(name, entry_point, description=description, override=True)
