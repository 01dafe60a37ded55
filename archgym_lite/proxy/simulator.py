"""`ProxySimulator`: a trained proxy behind the ordinary Simulator interface (drop-in for envs and agents)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from archgym_lite.core.registry import make
from archgym_lite.core.simulator import MetricTable, Simulator
from archgym_lite.core.space import Columns
from archgym_lite.proxy.model import ProxyModel
from archgym_lite.proxy.persist import load_proxy


class ProxySimulator(Simulator):
    """Predicts the metrics of the simulator it was trained on.

    Metrics the proxy does not predict (none, for models trained by ``archgym proxy train``) are NaN.
    ``is_proxy`` lets :class:`~archgym_lite.core.env.DesignEnv` mark its ``info`` as predicted.
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
    env.simulator = ProxySimulator(load_proxy(model_path, env))
    env.proxy_path = str(model_path)
    return env


def make_proxy_env(env_id: str, model_path: str | Path, **kwargs: Any) -> Any:
    """``make(env_id, **kwargs)`` with its simulator replaced by the proxy in ``model_path``.

    The env's ``info`` then carries ``"proxy": True``. Raises :class:`ModelFileError` when the model was
    trained on another env or design space.
    """
    return proxy_env(make(env_id, **kwargs), model_path)
