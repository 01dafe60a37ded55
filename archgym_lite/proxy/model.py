"""Proxy cost models: the candidates chosen per metric by cross-validation, distilled into one fast tree.

Targets: every metric that is positive in the training data is learnt as its logarithm (relative errors
matter, and latencies span orders of magnitude), the others as they are; each is then standardised.

Choice: every candidate of :mod:`.candidates` predicts all metrics in ``cv_folds``-fold cross-validation over
the (deduplicated) training designs; each metric takes the candidate with the lowest out-of-fold relative
RMSE *in the metric's own units* (the number reported on fresh designs). Where the training set holds at
least ``MIN_SPREAD_DESIGNS`` designs drawn over the whole space (uniform or Latin hypercube, e.g. the first
stage of active sampling) beside chosen ones, that error is measured on those alone: actively sampled designs
crowd where the metrics are hard, and a model that wins there can lose on the space at large (on DRAM-v0,
histogram GBM won the CV for energy over all designs and then lost to extra trees on fresh uniform designs).

Distillation: the chosen models label ``distill_designs`` fresh designs, and one decision tree is grown on
them and the training designs until its leaves are pure. It predicts all metrics with one walk of ~20-30
nodes (millions of designs a second on one core, a few MB on disk) where a 32-tree forest walks 32 trees.
The tree is kept only if, on another fresh sample, it agrees with the chosen models within
``distill_tolerance`` of their CV error for every metric, and is smaller than ``max_model_mb``; otherwise
the chosen models themselves are kept.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

from archgym_lite.core.errors import SpecError
from archgym_lite.core.simulator import Simulator
from archgym_lite.proxy.candidates import (
    CANDIDATES,
    PerOutput,
    Predictor,
    ProxySettings,
    check_candidates,
    fit_candidate,
    settings_from,
)
from archgym_lite.proxy.dataset import FeatureEncoder, ProxyDataset, dedupe
from archgym_lite.proxy.progress import Reporter
from archgym_lite.proxy.trees import TreeEnsemble

#: Designs drawn over the whole space (uniform or Latin hypercube) needed to judge the candidates on them alone.
MIN_SPREAD_DESIGNS = 200

#: Designs encoded and predicted at a time: the feature block (~BLOCK x features x 4 B) stays in cache, and
#: prediction memory is bounded whatever the batch size.
BLOCK = 8192


@dataclass
class Head:
    """One fitted predictor and the metrics (indices into ``ProxyModel.metric_names``) it serves."""

    kind: str
    predictor: Predictor
    outputs: list[int]


def rel_rmse(y: np.ndarray, p: np.ndarray) -> float:
    """RMSE / |mean of y| (NaN when the mean is 0)."""
    mean = float(np.mean(y))
    return float(np.sqrt(np.mean((np.asarray(p) - y) ** 2)) / abs(mean)) if mean != 0 else float("nan")


class ProxyModel:
    """Predicts a simulator's metrics from designs.

    Attributes:
        env_id, env_kwargs: What was learnt.
        space_signature: ``DesignSpace.signature()`` of the env at training time.
        metric_names: The predicted metrics.
        transforms: metric → ``"log"`` or ``"identity"``.
        aliases: metric → the metric whose standardised target it equals on every training design (e.g.
            bandwidth and bandwidth as a share of the peak): it is predicted by copying, not learnt twice.
        kinds: metric → the model that predicts it (``"tree<-extra_trees"``: distilled from extra trees).
        heads: The predictors.
        cv: metric → candidate → cross-validated relative RMSE.
    """

    def __init__(self, simulator: Simulator, env_id: str, env_kwargs: Mapping[str, Any], metric_names: Sequence[str],
                 transforms: Mapping[str, str], center: np.ndarray, scale: np.ndarray, heads: list[Head],
                 kinds: Mapping[str, str], train_size: int, cv: Mapping[str, Mapping[str, float]] | None = None,
                 meta: dict[str, Any] | None = None, aliases: Mapping[str, str] | None = None) -> None:
        self.space = simulator.space
        self.metrics = simulator.metrics
        self.env_id = env_id
        self.env_kwargs = dict(env_kwargs)
        self.space_signature = simulator.space.signature()
        self.metric_names = tuple(metric_names)
        self.transforms = dict(transforms)
        self.center = np.asarray(center, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        self.heads = heads
        self.kinds = dict(kinds)
        self.train_size = train_size
        self.cv = {m: dict(v) for m, v in (cv or {}).items()}
        self.meta = dict(meta or {})
        self.aliases = dict(aliases or {})
        self.encoder = FeatureEncoder(simulator.space, simulator)
        self._copy = [(self.metric_names.index(a), self.metric_names.index(b)) for a, b in self.aliases.items()]
        self._log = np.array([self.transforms[m] == "log" for m in self.metric_names])
        self._check()

    def _check(self) -> None:
        """Raise ValueError unless the heads cover every metric once with well-formed predictors."""
        k = len(self.metric_names)
        if self.center.shape != (k,) or self.scale.shape != (k,) or set(self.transforms) != set(self.metric_names):
            raise ValueError("target scaling does not match the metrics")
        if not set(self.aliases) <= set(self.metric_names) or set(self.aliases) & set(self.aliases.values()):
            raise ValueError("aliases must map metrics to predicted (not aliased) metrics")
        own = [j for j, m in enumerate(self.metric_names) if m not in self.aliases]
        if sorted(j for h in self.heads for j in h.outputs) != own:
            raise ValueError("the models do not predict every metric exactly once")
        for h in self.heads:
            h.predictor.check(len(self.encoder.feature_names), len(h.outputs))

    def predict_z(self, X: np.ndarray) -> np.ndarray:
        """Standardised transformed predictions ``(n, n_metrics)`` from a feature matrix."""
        Z = np.empty((len(X), len(self.metric_names)))
        for h in self.heads:
            Z[:, h.outputs] = h.predictor.predict(X)
        for dst, src in self._copy:
            Z[:, dst] = Z[:, src]
        return Z

    def to_metrics(self, Z: np.ndarray) -> np.ndarray:
        """Standardised transformed values → metric units (in place)."""
        _to_units_inplace(Z, self.scale, self.center, self._log.astype(np.uint8))
        return Z

    @property
    def feature_dtype(self) -> Any:
        """float32 when every head is a scikit-learn-style tree ensemble (they compare float32), else float64."""
        f32 = all(isinstance(h.predictor, (TreeEnsemble, PerOutput)) and h.predictor.float32_features
                  for h in self.heads)
        return np.float32 if f32 else np.float64

    def predict_array(self, columns: Mapping[str, np.ndarray]) -> np.ndarray:
        """``(n, n_metrics)`` predictions, computed ``BLOCK`` designs at a time."""
        n = len(np.asarray(next(iter(columns.values()))))
        out = np.empty((n, len(self.metric_names)))
        dtype = self.feature_dtype
        for s in range(0, n, BLOCK):
            block = {k: np.asarray(v)[s:s + BLOCK] for k, v in columns.items()}
            out[s:s + BLOCK] = self.to_metrics(self.predict_z(self.encoder.transform(block, dtype)))
        return out

    def predict(self, columns: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        out = self.predict_array(columns)
        return {m: out[:, j] for j, m in enumerate(self.metric_names)}

    def nbytes(self) -> int:
        return sum(h.predictor.nbytes() for h in self.heads)

    def describe(self) -> str:
        parts = []
        for h in self.heads:
            p = h.predictor
            size = (f"{p.n_trees} trees, {p.n_nodes} nodes" if hasattr(p, "n_trees")
                    else f"{p.members} networks")  # type: ignore[union-attr]
            parts.append(f"{h.kind} ({size}) for {[self.metric_names[j] for j in h.outputs]}")
        return "; ".join(parts)


@njit(cache=True, nogil=True)
def _to_units_inplace(Z: np.ndarray, scale: np.ndarray, center: np.ndarray,
                      is_log: np.ndarray) -> None:  # pragma: no cover - numba
    for i in range(Z.shape[0]):
        for j in range(Z.shape[1]):
            v = Z[i, j] * scale[j] + center[j]
            Z[i, j] = math.exp(v) if is_log[j] else v


def choose_transform(y: np.ndarray) -> str:
    return "log" if (np.asarray(y, dtype=float) > 0).all() else "identity"


def target_matrix(data: ProxyDataset, metrics: Sequence[str]) -> tuple[np.ndarray, list[str], np.ndarray, np.ndarray]:
    Y = np.column_stack([np.asarray(data.metrics[m], dtype=float) for m in metrics])
    transforms = [choose_transform(Y[:, j]) for j in range(Y.shape[1])]
    T = np.where([t == "log" for t in transforms], np.log(np.where(Y > 0, Y, 1.0)), Y)
    center, scale = T.mean(axis=0), T.std(axis=0)
    scale[scale == 0] = 1.0
    return Y, transforms, center, scale


def _to_units(Z: np.ndarray, transforms: Sequence[str], center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    T = Z * scale + center
    return np.where([t == "log" for t in transforms], np.exp(T), T)


def fit_proxy(simulator: Simulator, data: ProxyDataset, candidates: Sequence[str] = CANDIDATES,
              cv_folds: int | None = None, seed: int = 0, n_estimators: int | None = None,
              metrics: Sequence[str] | None = None, settings: ProxySettings | Mapping[str, Any] | None = None,
              reporter: Reporter | None = None) -> ProxyModel:
    """Choose a model per metric by cross-validation, fit it on all designs, optionally distil (see module doc).

    ``metrics`` restricts the proxy to some metrics (the others then predict NaN); default: all.
    ``n_estimators`` and ``cv_folds`` override the same-named settings (``trees``, ``cv_folds``).
    """
    rep = reporter or Reporter()
    cfg = settings_from(dict(settings) if isinstance(settings, Mapping) else settings)
    if n_estimators is not None:
        cfg = cfg.model_copy(update={"trees": int(n_estimators)})
    if cv_folds is not None:
        cfg = cfg.model_copy(update={"cv_folds": int(cv_folds)})
    chosen = list(metrics) if metrics else list(simulator.metric_names)
    for m in chosen:
        simulator.metric(m)  # unknown names raise SpecError listing the allowed ones
    cands = check_candidates(list(candidates))
    if len(data) < cfg.cv_folds * 2:
        raise SpecError(f"only {len(data)} unique designs; need at least {cfg.cv_folds * 2}", "dataset")
    t0 = time.perf_counter()
    encoder = FeatureEncoder(simulator.space, simulator)
    X = encoder.transform(data.columns)
    Y, transforms, center, scale = target_matrix(data, chosen)
    Z = (np.where([t == "log" for t in transforms], np.log(np.where(Y > 0, Y, 1.0)), Y) - center) / scale
    aliases = find_aliases(Z, chosen)
    own = [j for j, m in enumerate(chosen) if m not in aliases]
    Zo = Z[:, own]
    cv: dict[str, dict[str, float]] = {m: {} for m in chosen}
    choice = {m: cands[0] for m in chosen}
    meta_cv_spread: dict[str, Any] | None = None
    will_distill = cfg.distill and cfg.distill_designs > 0 and cands != ("tree",)
    if len(cands) > 1 or will_distill:  # the distilled tree is judged against the CV error
        from sklearn.model_selection import KFold

        folds = list(KFold(n_splits=cfg.cv_folds, shuffle=True, random_state=seed).split(X))
        # the choice is scored on the designs drawn over the whole space where there are enough of them: the
        # others (actively sampled, logged by an agent) crowd where the metrics are hard, and a model that wins
        # there can lose on the space at large; the CV error kept per model (for distillation) is on all designs
        spread = np.flatnonzero(data.spread_mask())
        judge = spread if MIN_SPREAD_DESIGNS <= len(spread) < len(data) else None
        scores: dict[str, dict[str, float]] = {m: {} for m in chosen}
        with rep.step(f"cross-validating {len(cands)} models", len(cands) * len(folds)) as advance:
            for kind in cands:
                oof = np.empty_like(Zo)
                for tr, va in folds:
                    oof[va] = fit_candidate(kind, X[tr], Zo[tr], cfg, seed).predict(X[va])
                    advance(1)
                units = _to_units(oof, [transforms[j] for j in own], center[own], scale[own])
                for i, j in enumerate(own):
                    cv[chosen[j]][kind] = rel_rmse(Y[:, j], units[:, i])
                    scores[chosen[j]][kind] = (cv[chosen[j]][kind] if judge is None
                                               else rel_rmse(Y[judge, j], units[judge, i]))
        for j in own:
            m = chosen[j]
            choice[m] = min(cands, key=lambda k: (np.nan_to_num(scores[m][k], nan=np.inf), cands.index(k)))
        if judge is not None:
            meta_cv_spread = {"designs": len(judge), "rel_rmse": scores}
    for a, src in aliases.items():
        choice[a], cv[a] = choice[src], dict(cv[src])
    heads: list[Head] = []
    used = [k for k in cands if any(choice[chosen[j]] == k for j in own)]
    with rep.step("fitting the chosen models", len(used)) as advance:
        for kind in used:
            outs = [j for j in own if choice[chosen[j]] == kind]
            heads.append(Head(kind, fit_candidate(kind, X, Z[:, outs], cfg, seed), outs))
            advance(1)
    meta: dict[str, Any] = {"candidates": list(cands), "cv_folds": cfg.cv_folds, "notes": list(data.notes),
                            "settings": cfg.model_dump()}
    if meta_cv_spread is not None:
        meta["cv_spread"] = meta_cv_spread
    model = ProxyModel(simulator, data.env_id, data.env_kwargs, chosen, dict(zip(chosen, transforms, strict=True)),
                       center, scale, heads, choice, len(data), cv, meta, aliases)
    if will_distill:
        distill(model, simulator, X, Zo, own, cfg, seed, rep)
    model.meta["fit_seconds"] = time.perf_counter() - t0
    return model


def find_aliases(Z: np.ndarray, names: Sequence[str], tol: float = 1e-9) -> dict[str, str]:
    """metric → an earlier metric whose standardised target column equals its own (within ``tol``)."""
    out: dict[str, str] = {}
    for j in range(Z.shape[1]):
        for i in range(j):
            if names[i] not in out and np.allclose(Z[:, j], Z[:, i], rtol=0.0, atol=tol):
                out[names[j]] = names[i]
                break
    return out


def distill(model: ProxyModel, simulator: Simulator, X: np.ndarray, Z: np.ndarray, outputs: list[int],
            cfg: ProxySettings, seed: int, rep: Reporter) -> bool:
    """Replace ``model``'s heads by one decision tree if it agrees with them (module docstring); True if so."""
    space = simulator.space
    n_designs = min(cfg.distill_designs, max(20_000, 40 * len(X)))  # a larger teacher needs a denser sample
    cols = space.columns(space.sample_columns(seed + 7919, n_designs))
    cols, _ = dedupe(cols, {}, space.names)
    n_check = min(20_000, max(2_000, cfg.distill_designs // 10))
    check = space.columns(space.sample_columns(seed + 104_729, n_check))
    n = len(cols[space.names[0]])
    with rep.step("distilling into one tree", 4) as advance:
        # the tree is grown on float32 features (scikit-learn's trees convert to float32 anyway): ~n x 4 B per
        # feature; the chosen models label the designs block by block from float64 features
        Xd = np.empty((len(X) + n, X.shape[1]), dtype=np.float32)
        Zd = np.empty((len(X) + n, len(outputs)))
        Xd[:len(X)], Zd[:len(X)] = X, Z
        for s in range(0, n, BLOCK):
            Xb = model.encoder.transform({k: v[s:s + BLOCK] for k, v in cols.items()})
            Xd[len(X) + s:len(X) + s + len(Xb)] = Xb
            Zd[len(X) + s:len(X) + s + len(Xb)] = model.predict_z(Xb)[:, outputs]
        advance(1)
        student = fit_candidate("tree", Xd, Zd, cfg, seed)
        del Xd, Zd
        advance(1)
        Xc = model.encoder.transform(check)
        teacher = model.predict_z(Xc)
        pupil = teacher.copy()
        pupil[:, outputs] = student.predict(Xc)
        for dst, src in model._copy:
            pupil[:, dst] = pupil[:, src]
        pupil = model.to_metrics(pupil)
        advance(1)
        teacher = model.to_metrics(teacher)
        gaps = {m: rel_rmse(teacher[:, j], pupil[:, j]) for j, m in enumerate(model.metric_names)}
        limits = {m: cfg.distill_tolerance * np.nan_to_num(model.cv[m].get(model.kinds[m], 0.0)) + 1e-4
                  for m in model.metric_names}
        worse = [m for m in model.metric_names if not gaps[m] <= limits[m]]
        size_mb = student.nbytes() / 1e6
        advance(1)
    info = {"designs": n + len(X), "nodes": student.n_nodes,
            "size_mb": size_mb, "disagreement": gaps, "kept": not worse and size_mb <= cfg.max_model_mb}
    model.meta["distillation"] = info
    if not info["kept"]:
        why = (f"disagrees on {worse}" if worse else f"{size_mb:.1f} MB > {cfg.max_model_mb} MB")
        rep.note(f"distilled tree not kept ({why}); keeping {model.describe()}")
        return False
    teachers = dict(model.kinds)
    model.heads = [Head("tree", student, list(outputs))]
    model.kinds = {m: f"tree<-{teachers[m]}" for m in model.metric_names}
    rep.note(f"distilled into one tree of {student.n_nodes} nodes ({size_mb:.1f} MB); largest disagreement with "
             f"the chosen models {100 * max(gaps.values()):.3g}% relative RMSE")
    return True
