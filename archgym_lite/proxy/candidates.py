"""The model families a proxy chooses from, and their hyperparameters.

Every candidate maps the feature matrix to its targets (standardised, transformed metrics) and comes back
in array form, predicting through :mod:`.trees` (numba) or :mod:`.mlp` (numpy):

``extra_trees``
    Extremely randomised trees grown until their leaves are pure, averaged; one forest per metric. Strong
    on simulators whose metrics are piecewise constant in the knobs (the DRAM controller).
``random_forest``
    Bootstrapped trees with the best split over all features, averaged; one forest per metric.
``hist_gb``
    Histogram gradient boosting, one model per metric.
``mlp``
    An ensemble of small ReLU networks predicting all metrics at once (see :mod:`.mlp`); smooth metrics.
``tree``
    One decision tree for all metrics, grown until pure; used to *distil* the chosen models into one tree.

Forests are fitted per metric: a tree grown until *all* metrics are pure in its leaves splits on the knobs of
every metric, so a metric that depends on two knobs (an area) ends up in leaves cut along the others, and
where designs are sparse a leaf spans several values of the two knobs that matter.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from archgym_lite.core.errors import SpecError
from archgym_lite.proxy.mlp import MLPEnsemble, fit_mlp_ensemble
from archgym_lite.proxy.trees import TreeEnsemble, from_hist_gb, from_sklearn_trees

CANDIDATES = ("extra_trees", "random_forest", "hist_gb", "mlp")
KINDS = (*CANDIDATES, "tree")


class PerOutput:
    """Single-output predictors side by side, one per target column."""

    def __init__(self, parts: list[TreeEnsemble]) -> None:
        self.parts = parts

    @property
    def n_trees(self) -> int:
        return sum(p.n_trees for p in self.parts)

    @property
    def n_nodes(self) -> int:
        return sum(p.n_nodes for p in self.parts)

    @property
    def float32_features(self) -> bool:
        return all(p.float32_features for p in self.parts)

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.column_stack([p.predict(X) for p in self.parts])

    def per_tree(self, X: np.ndarray) -> np.ndarray:
        """``(trees, n, outputs)``: the i-th tree of every part's forest, side by side."""
        return np.concatenate([p.per_tree(X) for p in self.parts], axis=2)

    def nbytes(self) -> int:
        return sum(p.nbytes() for p in self.parts)

    def check(self, n_features: int, n_outputs: int) -> None:
        if len(self.parts) != n_outputs:
            raise ValueError(f"{len(self.parts)} single-output models for {n_outputs} outputs")
        for p in self.parts:
            p.check(n_features, 1)

    def to_payload(self) -> dict[str, Any]:
        return {"type": "per_output", "parts": [p.to_payload() for p in self.parts]}


Predictor = TreeEnsemble | MLPEnsemble | PerOutput


class ProxySettings(BaseModel):
    """Hyperparameters of the candidate models and of the distillation step."""

    model_config = ConfigDict(extra="forbid")

    trees: int = Field(32, ge=1, description="trees per forest (extra_trees, random_forest)")
    gb_iterations: int = Field(300, ge=1, description="boosting iterations per metric (hist_gb)")
    gb_leaves: int = Field(31, ge=2, description="leaves per boosting tree (hist_gb)")
    mlp_members: int = Field(4, ge=1, description="networks in the MLP ensemble")
    mlp_width: int = Field(64, ge=1, description="units per hidden layer")
    mlp_depth: int = Field(2, ge=1, description="hidden layers")
    mlp_epochs: int = Field(150, ge=1, description="passes over the training designs")
    cv_folds: int = Field(3, ge=2, description="cross-validation folds for choosing a model per metric")
    distill: bool = Field(True, description="distil the chosen models into one decision tree when it agrees")
    distill_designs: int = Field(200_000, ge=0, description="at most this many fresh designs (40 per training "
                                                           "design, at least 20,000) labelled by the chosen "
                                                           "models to grow the distilled tree on")
    distill_tolerance: float = Field(0.3, gt=0, description="keep the distilled tree only if, for every "
                                                            "metric, its disagreement with the chosen models "
                                                            "is below this share of their CV error (+0.01%)")
    max_model_mb: float = Field(10.0, gt=0, description="keep the distilled tree only below this size")


def settings_from(values: ProxySettings | dict[str, Any] | None) -> ProxySettings:
    """Validated settings; an unknown or bad field raises :class:`SpecError` naming it."""
    if isinstance(values, ProxySettings):
        return values
    from pydantic import ValidationError

    try:
        return ProxySettings(**(values or {}))
    except ValidationError as exc:
        err = exc.errors()[0]
        field = ".".join(str(p) for p in err["loc"]) or "settings"
        allowed = sorted(ProxySettings.model_fields)
        extra = f"; allowed: {allowed}" if err["type"] == "extra_forbidden" else ""
        raise SpecError(f"{err['msg']}{extra}", field) from None


def check_candidates(candidates: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    if not candidates:
        raise SpecError(f"give at least one; allowed: {list(CANDIDATES)}", "candidates")
    for c in candidates:
        if c not in KINDS:
            raise SpecError(f"got {c!r}; allowed: {list(CANDIDATES)}", "model")
    return tuple(dict.fromkeys(candidates))


def fit_candidate(kind: str, X: np.ndarray, Z: np.ndarray, settings: ProxySettings, seed: int = 0) -> Predictor:
    """Fit one candidate on features ``X`` and standardised targets ``Z`` ``(n, k)``."""
    from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor, RandomForestRegressor
    from sklearn.tree import DecisionTreeRegressor

    Z = np.asarray(Z, dtype=np.float64).reshape(len(X), -1)
    if kind in ("extra_trees", "random_forest"):
        forest = ExtraTreesRegressor if kind == "extra_trees" else RandomForestRegressor
        return PerOutput([from_sklearn_trees(forest(n_estimators=settings.trees, max_features=1.0, random_state=seed,
                                                    n_jobs=1).fit(X, Z[:, j]).estimators_)
                          for j in range(Z.shape[1])])
    if kind == "tree":
        return from_sklearn_trees([DecisionTreeRegressor(random_state=seed).fit(X, Z[:, 0] if Z.shape[1] == 1 else Z)])
    if kind == "hist_gb":
        parts = []
        for j in range(Z.shape[1]):
            gb = HistGradientBoostingRegressor(max_iter=settings.gb_iterations, learning_rate=0.1,
                                               max_leaf_nodes=settings.gb_leaves, min_samples_leaf=5,
                                               l2_regularization=0.0, early_stopping=len(X) >= 1000,
                                               random_state=seed)
            parts.append(from_hist_gb(gb.fit(X, Z[:, j])))
        return PerOutput(parts)
    if kind == "mlp":
        return fit_mlp_ensemble(X, Z, members=settings.mlp_members, width=settings.mlp_width,
                                depth=settings.mlp_depth, epochs=settings.mlp_epochs, seed=seed)
    raise SpecError(f"got {kind!r}; allowed: {list(CANDIDATES)}", "model")


def spread(predictor: Predictor, X: np.ndarray) -> np.ndarray:
    """``(members, n, k)``: the forests' trees' or the MLP ensemble's members' predictions."""
    if isinstance(predictor, MLPEnsemble):
        return predictor.per_member(X)
    if isinstance(predictor, PerOutput) or predictor.aggregate == "mean":
        return predictor.per_tree(X)
    raise ValueError("boosting models have no per-tree spread")


def predictor_from_payload(d: dict[str, Any]) -> Predictor:
    if d.get("type") == "trees":
        return TreeEnsemble.from_payload(d)
    if d.get("type") == "per_output":
        return PerOutput([TreeEnsemble.from_payload(p) for p in d["parts"]])
    if d.get("type") == "mlp":
        return MLPEnsemble.from_payload(d)
    raise ValueError(f"unknown predictor type {d.get('type')!r}")
