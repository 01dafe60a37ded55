"""Trials: the one loop that runs an agent on an env for a budget (``run``), its Parquet logs (``logs``),
and re-simulation of logged designs (``replay``)."""
