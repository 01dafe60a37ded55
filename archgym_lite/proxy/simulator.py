"""`ProxySimulator`: a trained proxy behind the ordinary Simulator interface (drop-in for envs and agents)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.proxy.model import ProxyModel
from archgym_lite.simulator import MetricTable, Simulator
from archgym_lite.space import Columns


class ProxySimulator(Simulator):
    """Predicts the metrics of the simulator it was trained on.

    Metrics the proxy does not predict (none, for models trained by ``archgym proxy train``) are NaN.
    ``is_proxy`` lets :class:`~archgym_lite.env.DesignEnv` mark its ``info`` as predicted.
    """

    is_proxy = True

    def __init__(self, model: ProxyModel) -> None:
        self.model = model
        self.space = model.space
        self.metrics = model.metrics

    def _evaluate_batch(self, columns: Columns) -> MetricTable:
        pred = self.model.predict(columns)
        n = len(next(iter(columns.values())))
        return {m.name: pred.get(m.name, np.full(n, np.nan)) for m in self.metrics}


def proxy_env(env: Any, model_path: str | Path) -> Any:
    """Swap a DesignEnv's simulator for the proxy in ``model_path`` (checked against the env's space)."""
    from archgym_lite.proxy.persist import load_proxy

    env.simulator = ProxySimulator(load_proxy(model_path, env))
    env.proxy_path = str(model_path)
    return env
