"""A small ensemble of multi-layer perceptrons: trained with torch, stored and run as plain numpy arrays.

Every member maps the standardised features to all (standardised, transformed) targets at once through
``depth`` ReLU layers of ``width`` units. The members differ in their initial weights and in the order of
their mini-batches; the ensemble predicts their mean and, as an uncertainty, their spread. All members are
trained together as one batched network (``torch.baddbmm`` over a leading member axis), which on a CPU costs
about as much as training one.

The fitted weights leave torch as float32 arrays, so a model file holds no code and prediction needs no
torch import: a block of designs goes through one matrix product per layer and member.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

BLOCK = 16384


@dataclass
class MLPEnsemble:
    """Weights of ``members`` identical ReLU networks.

    Attributes:
        x_center, x_scale: Feature standardisation.
        weights: Per layer, ``(members, fan_in, fan_out)`` float32.
        biases: Per layer, ``(members, 1, fan_out)`` float32.
    """

    x_center: np.ndarray
    x_scale: np.ndarray
    weights: list[np.ndarray]
    biases: list[np.ndarray]

    @property
    def members(self) -> int:
        return int(self.weights[0].shape[0])

    @property
    def n_outputs(self) -> int:
        return int(self.weights[-1].shape[2])

    def per_member(self, X: np.ndarray) -> np.ndarray:
        """``(members, n, n_outputs)`` predictions of every member."""
        X = np.asarray(X, dtype=np.float64)
        out = np.empty((self.members, len(X), self.n_outputs))
        first_w = self.weights[0].transpose(1, 0, 2).reshape(self.weights[0].shape[1], -1)  # (fan_in, m*width)
        first_b = self.biases[0].reshape(-1)
        for s in range(0, len(X), BLOCK):
            x = ((X[s:s + BLOCK] - self.x_center) / self.x_scale).astype(np.float32)
            h = x @ first_w + first_b  # every member's first layer in one product
            h = np.ascontiguousarray(np.maximum(h, 0.0, out=h).reshape(len(x), self.members, -1).transpose(1, 0, 2))
            for i in range(1, len(self.weights)):
                h = np.matmul(h, self.weights[i])  # contiguous stacks: one BLAS product per member
                h += self.biases[i]
                if i < len(self.weights) - 1:
                    np.maximum(h, 0.0, out=h)
            out[:, s:s + BLOCK] = h
        return out

    def predict(self, X: np.ndarray) -> np.ndarray:
        return self.per_member(X).mean(axis=0)

    def check(self, n_features: int, n_outputs: int) -> None:
        """Raise ValueError unless the layer shapes chain from ``n_features`` inputs to ``n_outputs``."""
        fan_in = n_features
        if self.x_center.shape != (n_features,) or self.x_scale.shape != (n_features,) or \
                len(self.weights) != len(self.biases) or not self.weights:
            raise ValueError("MLP feature scaling or layer count does not match")
        for w, b in zip(self.weights, self.biases, strict=True):
            if w.ndim != 3 or w.shape[:2] != (self.members, fan_in) or b.shape != (self.members, 1, w.shape[2]):
                raise ValueError(f"MLP layer shapes {w.shape} / {b.shape} do not chain")
            fan_in = w.shape[2]
        if fan_in != n_outputs:
            raise ValueError(f"MLP predicts {fan_in} outputs, expected {n_outputs}")

    def nbytes(self) -> int:
        return sum(a.nbytes for a in (*self.weights, *self.biases, self.x_center, self.x_scale))

    def to_payload(self) -> dict[str, Any]:
        return {"type": "mlp", "x_center": self.x_center, "x_scale": self.x_scale,
                "weights": list(self.weights), "biases": list(self.biases)}

    @classmethod
    def from_payload(cls, d: dict[str, Any]) -> MLPEnsemble:
        return cls(np.asarray(d["x_center"], np.float64), np.asarray(d["x_scale"], np.float64),
                   [np.asarray(w, np.float32) for w in d["weights"]], [np.asarray(b, np.float32) for b in d["biases"]])


def fit_mlp_ensemble(X: np.ndarray, Z: np.ndarray, *, members: int = 4, width: int = 64, depth: int = 2,
                     epochs: int = 200, batch_size: int = 128, lr: float = 3e-3, weight_decay: float = 1e-5,
                     seed: int = 0, min_steps: int = 2000) -> MLPEnsemble:
    """Train ``members`` networks on features ``X`` and targets ``Z`` (already standardised), all at once.

    AdamW with a one-cycle learning-rate schedule, mean squared error, mini-batches drawn independently for
    every member; ``epochs`` passes, but at least ``min_steps`` optimiser steps (a few hundred designs give
    one or two mini-batches per pass: 150 passes would stop far from converged). Runs on the CPU in the
    calling thread's torch thread pool (tests set one thread).
    """
    import torch

    X = np.asarray(X, dtype=np.float64)
    Z = np.asarray(Z, dtype=np.float64).reshape(len(X), -1)
    center = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    gen = torch.Generator().manual_seed(seed)
    xs = torch.tensor((X - center) / scale, dtype=torch.float32)
    zs = torch.tensor(Z, dtype=torch.float32)
    sizes = [X.shape[1]] + [width] * depth + [Z.shape[1]]
    params = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        w_bound, b_bound = np.sqrt(6.0 / fan_in), 1.0 / np.sqrt(fan_in)  # He-uniform weights for ReLU layers
        w = (torch.rand(members, fan_in, fan_out, generator=gen) * 2 - 1) * w_bound
        b = (torch.rand(members, 1, fan_out, generator=gen) * 2 - 1) * b_bound
        params += [w.requires_grad_(), b.requires_grad_()]
    n = len(X)
    batch_size = min(batch_size, n)
    steps_per_epoch = max(1, n // batch_size)
    epochs = max(epochs, -(-min_steps // steps_per_epoch))
    opt = torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=epochs * steps_per_epoch)
    for _ in range(epochs):
        order = torch.argsort(torch.rand(members, n, generator=gen), dim=1)
        for s in range(steps_per_epoch):
            idx = order[:, s * batch_size:(s + 1) * batch_size]  # (members, batch)
            h = xs[idx]
            for i in range(0, len(params), 2):
                h = torch.baddbmm(params[i + 1], h, params[i])
                if i < len(params) - 2:
                    h = torch.relu(h)
            loss = torch.mean((h - zs[idx]) ** 2)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    arrays = [p.detach().numpy().astype(np.float32) for p in params]
    return MLPEnsemble(center, scale, arrays[0::2], arrays[1::2])
