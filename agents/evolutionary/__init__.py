"""Population-based search: a genetic algorithm (:mod:`.ga`) and ant colony optimisation (:mod:`.aco`).

Submodules are imported on demand (the registry uses ``"agents.evolutionary.ga:GeneticAlgorithm"``).
"""
