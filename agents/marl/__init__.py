"""Multi-agent RL: independent learners over the PettingZoo view of an env."""

from agents.marl.independent import IndependentLearners

__all__ = ["IndependentLearners"]
