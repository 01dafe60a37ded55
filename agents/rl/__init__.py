"""Single-agent reinforcement learning through stable-baselines3 (:mod:`.sb3`).

These agents drive the Gymnasium :class:`~archgym_lite.core.env.DesignEnv` themselves (``uses_env = True``).
Multi-agent RL over the PettingZoo view will live in a sibling ``agents/marl`` package.
"""
