"""Built-in search agents behind the :class:`archgym_lite.core.agent.Agent` interface, one module or subpackage
per algorithm family:

* :mod:`agents.random_search` — uniform random search and a (greedy) random walk;
* :mod:`agents.evolutionary` — genetic algorithm (``ga``) and ant colony optimisation (``aco``);
* :mod:`agents.bayesian` — Gaussian-process Bayesian optimisation (``bo``);
* :mod:`agents.optuna_tpe` — Optuna's TPE sampler as a peer baseline (``optuna-tpe``);
* :mod:`agents.rl` — stable-baselines3 PPO, A2C, DQN and SAC (``uses_env`` agents);
* :mod:`agents.common` — typed mutation, design keys and feature encodings shared by the above.

Multi-agent RL over the PettingZoo view will be a sibling ``agents.marl`` subpackage. Agents import only the
archgym_lite core types (and their own algorithm libraries), never simulators; the registry names them by
string entry points in :mod:`archgym_lite.core.builtin`, so importing this package imports nothing heavy.
"""
