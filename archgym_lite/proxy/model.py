"""Proxy cost models: one scikit-learn regressor per metric, chosen by cross-validation.

Candidates: random forest, extra trees, histogram gradient boosting. The forest-based models also give an
uncertainty estimate (the spread of per-tree predictions, mapped back through the target transform).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.model_selection import KFold, cross_val_score

from archgym_lite.core.errors import SpecError
from archgym_lite.core.simulator import Simulator
from archgym_lite.proxy.dataset import FeatureEncoder, ProxyDataset

CANDIDATES = ("random_forest", "extra_trees", "hist_gb")
LOG_SPAN = 100.0  # log-transform a positive target whose max/min exceeds this


def make_estimator(kind: str, seed: int, n_estimators: int = 200) -> Any:
    if kind == "random_forest":
        return RandomForestRegressor(n_estimators=n_estimators, min_samples_leaf=1, random_state=seed, n_jobs=1)
    if kind == "extra_trees":
        return ExtraTreesRegressor(n_estimators=n_estimators, min_samples_leaf=1, random_state=seed, n_jobs=1)
    if kind == "hist_gb":
        return HistGradientBoostingRegressor(max_iter=500, learning_rate=0.1, max_leaf_nodes=63,
                                             l2_regularization=1e-6, random_state=seed)
    raise SpecError(f"got {kind!r}; allowed: {list(CANDIDATES)}", "model")


@dataclass
class MetricModel:
    """The fitted regressor of one metric and its target transform (``"log"`` or ``"identity"``)."""

    kind: str
    transform: str
    estimator: Any
    cv_rmse: float

    def _forward(self, y: np.ndarray) -> np.ndarray:
        return np.log(y) if self.transform == "log" else y

    def _inverse(self, z: np.ndarray) -> np.ndarray:
        return np.exp(z) if self.transform == "log" else z

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self._inverse(self.estimator.predict(X))

    def predict_std(self, X: np.ndarray) -> np.ndarray:
        """Spread of per-tree predictions (in metric units); NaN for boosting models."""
        trees = getattr(self.estimator, "estimators_", None)
        if trees is None:
            return np.full(len(X), np.nan)
        per_tree = np.stack([self._inverse(t.predict(X)) for t in trees])
        return per_tree.std(axis=0)


class ProxyModel:
    """Per-metric regressors over a design space's feature encoding.

    Attributes:
        env_id, env_kwargs: What was learnt.
        space_signature: ``DesignSpace.signature()`` of the env at training time.
        metric_names: The predicted metrics.
        models: metric → :class:`MetricModel`.
    """

    def __init__(self, simulator: Simulator, env_id: str, env_kwargs: Mapping[str, Any],
                 models: dict[str, MetricModel], train_size: int, meta: dict[str, Any] | None = None) -> None:
        self.space = simulator.space
        self.metrics = simulator.metrics
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs)
        self.space_signature = simulator.space.signature()
        self.metric_names = tuple(models)
        self.models = models
        self.train_size = train_size
        self.meta = dict(meta or {})
        self.encoder = FeatureEncoder(simulator.space, simulator)

    def predict(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        X = self.encoder.transform(columns)
        return {m: self.models[m].predict(X) for m in self.metric_names}

    def predict_std(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        X = self.encoder.transform(columns)
        return {m: self.models[m].predict_std(X) for m in self.metric_names}


def choose_transform(y: np.ndarray) -> str:
    y = np.asarray(y, dtype=float)
    return "log" if (y > 0).all() and y.max() / y.min() > LOG_SPAN else "identity"


def fit_proxy(simulator: Simulator, data: ProxyDataset, candidates: Sequence[str] = CANDIDATES,
              cv_folds: int = 3, seed: int = 0, n_estimators: int = 200,
              metrics: Sequence[str] | None = None) -> ProxyModel:
    """Fit one model per metric, choosing among ``candidates`` by ``cv_folds``-fold CV RMSE (transformed).

    ``metrics`` restricts the proxy to some metrics (the others then predict NaN); default: all.
    """
    chosen = list(metrics) if metrics else list(simulator.metric_names)
    for m in chosen:
        simulator.metric(m)  # unknown names raise SpecError listing the allowed ones
    if len(data) < max(cv_folds, 2) * 2:
        raise SpecError(f"only {len(data)} unique designs; need at least {max(cv_folds, 2) * 2}", "dataset")
    for c in candidates:
        make_estimator(c, seed)  # validates names
    X = FeatureEncoder(simulator.space, simulator).transform(data.columns)
    models: dict[str, MetricModel] = {}
    t0 = time.perf_counter()
    for m in chosen:
        y = data.metrics[m]
        transform = choose_transform(y)
        z = np.log(y) if transform == "log" else y
        best_kind, best_rmse = candidates[0], np.inf
        if len(candidates) > 1 and np.ptp(z) > 0:
            folds = KFold(n_splits=cv_folds, shuffle=True, random_state=seed)
            for kind in candidates:
                scores = cross_val_score(make_estimator(kind, seed, n_estimators), X, z, cv=folds,
                                         scoring="neg_root_mean_squared_error")
                rmse = float(-scores.mean())
                if rmse < best_rmse:
                    best_kind, best_rmse = kind, rmse
        est = make_estimator(best_kind, seed, n_estimators).fit(X, z)
        models[m] = MetricModel(best_kind, transform, est, float(best_rmse))
    meta = {"fit_seconds": time.perf_counter() - t0, "candidates": list(candidates), "cv_folds": cv_folds,
            "notes": data.notes}
    return ProxyModel(simulator, data.env_id, data.env_kwargs, models, len(data), meta)
