"""Kits for plugin authors: ``scaffold`` (``archgym new-env``), ``checks`` (env conformance, ``archgym check``),
``testing`` (agent conformance), ``external`` (wrap an external simulator binary as a Simulator)."""
