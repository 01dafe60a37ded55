"""The core that simulator and agent authors import; it imports nothing from the rest of archgym_lite.

- ``params``, ``space``: typed design parameters and :class:`DesignSpace`;
- ``simulator``: the :class:`Simulator` protocol and :class:`Metric`;
- ``objective``: metrics → reward (targets, weights, constraints);
- ``env``: :class:`DesignEnv`, the Gymnasium env around (simulator, objective);
- ``multiagent``: the PettingZoo ``ParallelEnv`` view of any env;
- ``agent``: the ask/tell :class:`Agent` base and its typed hyperparameters;
- ``registry``, ``builtin``: ids → env factories and agent classes, entry-point plugins;
- ``errors``: the exception families (each names the offending field).
"""
