"""Tree ensembles as plain arrays, predicted by a compiled (numba) kernel on one core.

A fitted scikit-learn forest, decision tree or histogram gradient-boosting model is *flattened* into arrays
over the split nodes of all its trees: ``feature``, ``threshold``, ``left`` and ``right``. A child ``c >= 0``
is another split node; ``c < 0`` is a leaf whose outputs are row ``-c - 1`` of ``leaf_values``. A design
goes left when ``x[feature] <= threshold``, as in scikit-learn. Leaf outputs are summed over trees and then
averaged (forests) or added to a baseline (boosting), so the flattened model reproduces scikit-learn's
predictions. scikit-learn's trees compare float32 features with float64 thresholds; for a float32 ``x``,
``x <= t`` holds exactly when ``x <= t32`` with ``t32`` the largest float32 not above ``t``, so those
thresholds are stored as float32 and the kernel compares float32 (half the memory traffic). Boosting
compares float64 features and keeps float64 thresholds.

Why not keep the scikit-learn objects: a 200-tree forest pickled by skops is 100+ MB and predicts ~10 us per
design, while the same trees as arrays are a few MB, load as plain ``.npy`` members (nothing executable) and
the kernel walks them tree by tree over a block of designs so that one tree's nodes stay in cache.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numba import njit

#: Designs per block of the kernel: one tree's nodes stay in cache while it walks a block.
BLOCK = 8192


@njit(cache=True, nogil=True)
def _accumulate(X: np.ndarray, roots: np.ndarray, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray,
                right: np.ndarray, leaf_values: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - numba
    n, n_out = X.shape[0], leaf_values.shape[1]
    for t in range(roots.shape[0]):
        root = roots[t]
        for i in range(n):
            node = root
            while node >= 0:
                if X[i, feature[node]] <= threshold[node]:
                    node = left[node]
                else:
                    node = right[node]
            row = -node - 1
            for k in range(n_out):
                out[i, k] += leaf_values[row, k]


@njit(cache=True, nogil=True)
def _leaf_rows(X: np.ndarray, roots: np.ndarray, feature: np.ndarray, threshold: np.ndarray, left: np.ndarray,
               right: np.ndarray, out: np.ndarray) -> None:  # pragma: no cover - numba
    for t in range(roots.shape[0]):
        root = roots[t]
        for i in range(X.shape[0]):
            node = root
            while node >= 0:
                node = left[node] if X[i, feature[node]] <= threshold[node] else right[node]
            out[i, t] = -node - 1


@dataclass
class TreeEnsemble:
    """Flattened trees predicting ``n_outputs`` values.

    Attributes:
        roots: Each tree's root (a split node ``>= 0``, or ``-row - 1`` for a tree that is one leaf).
        feature, threshold, left, right: Per split node (see the module docstring).
        leaf_values: ``(n_leaves, n_outputs)`` float32 outputs of the leaves.
        aggregate: ``"mean"`` (forests) or ``"sum"`` (boosting).
        baseline: Added after aggregation (boosting's initial prediction), one per output.
    """

    roots: np.ndarray
    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    leaf_values: np.ndarray
    aggregate: str
    baseline: np.ndarray

    @property
    def float32_features(self) -> bool:
        """Whether features are compared as float32 (scikit-learn trees) rather than float64 (boosting)."""
        return self.threshold.dtype == np.float32

    @property
    def n_trees(self) -> int:
        return len(self.roots)

    @property
    def n_nodes(self) -> int:
        """Split nodes plus leaves."""
        return len(self.feature) + len(self.leaf_values)

    @property
    def n_outputs(self) -> int:
        return int(self.leaf_values.shape[1])

    def _features(self, X: np.ndarray) -> np.ndarray:
        """``X`` in the dtype the thresholds compare in; a C- or Fortran-ordered block as it is (the encoder writes
        Fortran order: one contiguous column per feature), anything else copied to C order."""
        X = np.asarray(X, dtype=np.float32 if self.float32_features else np.float64)
        return X if X.flags.c_contiguous or X.flags.f_contiguous else np.ascontiguousarray(X)

    def predict(self, X: np.ndarray) -> np.ndarray:
        """``(n, n_outputs)`` predictions."""
        out = np.zeros((len(X), self.n_outputs))
        for s in range(0, len(X), BLOCK):
            _accumulate(self._features(X[s:s + BLOCK]), self.roots, self.feature, self.threshold, self.left,
                        self.right, self.leaf_values, out[s:s + BLOCK])
        if self.aggregate == "mean" and self.n_trees > 1:
            out /= self.n_trees
        if self.baseline.any():
            out += self.baseline
        return out

    def per_tree(self, X: np.ndarray) -> np.ndarray:
        """``(n_trees, n, n_outputs)`` outputs of each tree (before aggregation and baseline)."""
        rows = np.empty((len(X), self.n_trees), dtype=np.int64)
        _leaf_rows(self._features(X), self.roots, self.feature, self.threshold, self.left, self.right, rows)
        return self.leaf_values[rows.T].astype(np.float64)

    def arrays(self) -> dict[str, np.ndarray]:
        return {"roots": self.roots, "feature": self.feature, "threshold": self.threshold, "left": self.left,
                "right": self.right, "leaf_values": self.leaf_values, "baseline": self.baseline}

    def nbytes(self) -> int:
        return sum(a.nbytes for a in self.arrays().values())

    def check(self, n_features: int, n_outputs: int) -> None:
        """Raise ValueError unless the arrays form trees the kernel can walk safely (it does no bounds checks).

        A split node's children must have larger indices than the node (scikit-learn numbers nodes so),
        which rules out cycles; every index must be in range.
        """
        n, n_leaves = len(self.feature), len(self.leaf_values)
        if not (len(self.threshold) == len(self.left) == len(self.right) == n) or self.aggregate not in ("mean", "sum"):
            raise ValueError("tree arrays of different lengths or unknown aggregation")
        if self.leaf_values.ndim != 2 or self.leaf_values.shape[1] != n_outputs or self.baseline.shape != (n_outputs,):
            raise ValueError(f"leaf values {self.leaf_values.shape} do not give {n_outputs} outputs")
        idx = np.arange(n)
        for name, child in (("roots", self.roots), ("left", self.left), ("right", self.right)):
            bad = (child >= n) | (child < -n_leaves) | ((child >= 0) & (child <= idx) if name != "roots" else False)
            if len(child) == 0 and name == "roots" or np.any(bad):
                raise ValueError(f"tree {name} out of order or out of range")
        if n and (self.feature.min() < 0 or self.feature.max() >= n_features):
            raise ValueError(f"split features out of range 0..{n_features - 1}")

    def to_payload(self) -> dict[str, Any]:
        return {"type": "trees", "aggregate": self.aggregate, **self.arrays()}

    @classmethod
    def from_payload(cls, d: dict[str, Any]) -> TreeEnsemble:
        thr = np.asarray(d["threshold"])
        return cls(np.asarray(d["roots"], np.int64), np.asarray(d["feature"], np.int32),
                   thr.astype(np.float32 if thr.dtype == np.float32 else np.float64),
                   np.asarray(d["left"], np.int32), np.asarray(d["right"], np.int32),
                   np.asarray(d["leaf_values"], np.float32), str(d["aggregate"]), np.asarray(d["baseline"], np.float64))


def _round_down_f32(t: np.ndarray) -> np.ndarray:
    """The largest float32 not above each value (exact float32 comparison, see the module docstring)."""
    t32 = np.asarray(t, np.float64).astype(np.float32)
    above = t32.astype(np.float64) > t
    t32[above] = np.nextafter(t32[above], np.float32(-np.inf))
    return t32


def _flatten(trees: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
             n_outputs: int, aggregate: str, baseline: np.ndarray, float32_features: bool) -> TreeEnsemble:
    """Trees given as (children_left, children_right, feature, threshold, node_values) in local numbering."""
    roots, feats, thrs, lefts, rights, leaves = [], [], [], [], [], []
    n_split = n_leaf = 0
    for cl, cr, feat, thr, values in trees:
        cl, cr = np.asarray(cl, np.int64), np.asarray(cr, np.int64)
        is_leaf = cl < 0
        # new code of every local node: split nodes count up from n_split, leaves are -(row + 1)
        code = np.where(is_leaf, -(np.cumsum(is_leaf) - 1 + n_leaf) - 1, np.cumsum(~is_leaf) - 1 + n_split)
        split = ~is_leaf
        roots.append(code[0])
        lefts.append(code[cl[split]])
        rights.append(code[cr[split]])
        feats.append(np.asarray(feat)[split])
        thrs.append(np.asarray(thr, np.float64)[split])
        leaves.append(np.asarray(values, np.float64).reshape(len(cl), n_outputs)[is_leaf])
        n_split += int(split.sum())
        n_leaf += int(is_leaf.sum())
    threshold = np.concatenate(thrs)
    return TreeEnsemble(np.asarray(roots, np.int64), np.concatenate(feats).astype(np.int32),
                        _round_down_f32(threshold) if float32_features else threshold,
                        np.concatenate(lefts).astype(np.int32), np.concatenate(rights).astype(np.int32),
                        np.concatenate(leaves).astype(np.float32), aggregate,
                        np.asarray(baseline, np.float64).reshape(n_outputs))


def from_sklearn_trees(estimators: Sequence[Any]) -> TreeEnsemble:
    """A forest's trees (``forest.estimators_``) or ``[decision_tree]``, averaged."""
    trees, n_out = [], None
    for est in estimators:
        t = est.tree_
        n_out = t.n_outputs
        trees.append((t.children_left, t.children_right, t.feature, t.threshold, t.value[:, :, 0]))
    assert n_out is not None
    return _flatten(trees, n_out, "mean", np.zeros(n_out), float32_features=True)


def from_hist_gb(model: Any) -> TreeEnsemble:
    """A fitted single-output ``HistGradientBoostingRegressor`` (numeric features, no missing values)."""
    trees = []
    for (pred,) in model._predictors:
        nodes = pred.nodes
        leaf = nodes["is_leaf"].astype(bool)
        if nodes["is_categorical"].any():
            raise ValueError("categorical splits are not supported; one-hot encode instead")
        cl = np.where(leaf, -1, nodes["left"].astype(np.int64))
        cr = np.where(leaf, -1, nodes["right"].astype(np.int64))
        trees.append((cl, cr, nodes["feature_idx"], nodes["num_threshold"], nodes["value"][:, None]))
    base = np.asarray(model._baseline_prediction, np.float64).reshape(1)
    return _flatten(trees, 1, "sum", base, float32_features=False)
