"""Built-in search agents behind the archgym_lite.agent.Agent ask/tell interface."""
