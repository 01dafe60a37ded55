"""Model-based search: Bayesian optimisation with a scikit-learn Gaussian process (:mod:`.bo`)."""
