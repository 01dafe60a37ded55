"""Shared test setup: one torch thread (RL on a loaded 2-core box is ~25x slower with two)."""

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

try:  # torch is a dependency, but core tests must not fail on its import cost
    import torch

    torch.set_num_threads(1)
except ImportError:  # pragma: no cover
    pass
