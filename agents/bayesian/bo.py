"""Bayesian optimisation: a scikit-learn Gaussian process with expected improvement.

* **Encoding** (:class:`~agents.common.FeatureEncoder`): ordered parameters → one feature in [0, 1] (level
  index for discrete kinds, log/linear value for reals); categoricals → one-hot, so the kernel sees no
  artificial order between choices.
* **Surrogate:** ``Constant * Matern(nu=2.5, one length scale per feature) + White`` fitted by maximum
  likelihood (``n_restarts`` restarts) on transformed, standardised rewards. Constraint penalties make raw
  rewards heavy-tailed (one infeasible design can score -400 where feasible ones span [-1, 0]), which
  flattens a GP everywhere else, so by default the rewards are first Gaussianised by rank
  (``output_transform="copula"``: ``Phi^-1(rank / (n + 1))``, as in Salinas et al., 2020); ``"clip"``
  instead raises rewards below ``median - IQR`` to that value, and ``"none"`` uses them raw.
* **Acquisition:** expected improvement over the best reward, with margin ``xi`` times the reward spread,
  maximised over a candidate set: ``n_candidates`` uniform random designs plus ``n_local`` mutations of the
  five best designs so far (a local search that reaches the discrete neighbours of the incumbents).
  Candidates are real designs, so every proposal is valid; already evaluated ones are dropped.
* **Batches:** ``ask(n)`` picks ``n`` designs by the *kriging believer* heuristic: after each pick the GP is
  refitted (same kernel hyperparameters) with the pick's predicted mean as a fake observation, which
  shrinks the uncertainty around it so the next pick goes elsewhere.
* **Initial design:** the first ``n_init`` designs are distinct uniform random samples, asked as one batch.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field
from scipy.stats import norm, rankdata
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel

from agents.common import FeatureEncoder, design_key, draw_unique, mutate_design
from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design, DesignSpace

N_INCUMBENTS = 5


def expected_improvement(mu: np.ndarray, sigma: np.ndarray, best: float, xi: float) -> np.ndarray:
    """Expected improvement of a maximisation problem over ``best`` (with margin ``xi``)."""
    sigma = np.maximum(sigma, 1e-12)
    z = (mu - best - xi) / sigma
    return (mu - best - xi) * norm.cdf(z) + sigma * norm.pdf(z)


class BayesianOptimization(Agent):
    """Bayesian optimisation: Gaussian process + expected improvement, one-hot categoricals, batch ask."""

    name = "bo"

    class Params(AgentParams):
        n_init: int = Field(8, ge=1, description="random designs evaluated before the first model fit")
        batch_size: int = Field(4, ge=1, description="designs per ask after the initial batch (kriging believer)")
        n_candidates: int = Field(1000, ge=1, description="random candidate designs scored per pick")
        n_local: int = Field(250, ge=0, description="mutations of the best designs added to the candidates")
        xi: float = Field(0.01, ge=0.0, description="EI margin, as a fraction of the reward standard deviation")
        n_restarts: int = Field(2, ge=0, description="restarts of the kernel hyperparameter optimiser")
        output_transform: Literal["copula", "clip", "none"] = Field(
            "copula", description="reward transform before the GP fit: rank-Gaussianise, clip the low tail, none")

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        self.encoder = FeatureEncoder(space)
        self.X = np.zeros((0, self.encoder.dim))
        self.y = np.zeros(0)
        self.designs: list[Design] = []
        self._seen: set[tuple[Any, ...]] = set()

    def batch_size(self) -> int:
        remaining_init = self.params.n_init - len(self.y)
        return remaining_init if remaining_init > 0 else self.params.batch_size

    # --- model ----------------------------------------------------------------------------------
    def _targets(self) -> np.ndarray:
        """The rewards as the GP sees them (see ``output_transform``); order-preserving."""
        y = self.y.copy()
        if self.params.output_transform == "copula":
            return norm.ppf(rankdata(y) / (len(y) + 1))
        if self.params.output_transform == "clip" and len(y) >= 4:
            q25, q50, q75 = np.percentile(y, [25, 50, 75])
            return np.maximum(y, q50 - max(q75 - q25, 1e-9))
        return y

    def _fit(self, X: np.ndarray, y: np.ndarray, kernel: Any = None) -> GaussianProcessRegressor:
        optimise = kernel is None
        if kernel is None:
            kernel = (ConstantKernel(1.0, (1e-3, 1e3))
                      * Matern(length_scale=np.full(X.shape[1], 0.5), length_scale_bounds=(1e-2, 1e2), nu=2.5)
                      + WhiteKernel(1e-3, (1e-8, 1e-1)))
        gp = GaussianProcessRegressor(kernel=kernel, normalize_y=True,
                                      optimizer="fmin_l_bfgs_b" if optimise else None,
                                      n_restarts_optimizer=self.params.n_restarts if optimise else 0,
                                      random_state=int(self.rng.integers(2**31 - 1)))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            gp.fit(X, y)
        return gp

    def _candidates(self) -> list[Design]:
        cands = self.space.sample_batch(self.rng, self.params.n_candidates)
        if self.params.n_local and self.designs:
            top = np.argsort(-self.y)[:N_INCUMBENTS]
            prob = 1.0 / len(self.space)
            for k in range(self.params.n_local):
                base = self.designs[int(top[k % len(top)])]
                cands.append(mutate_design(self.space, base, self.rng, prob, scale=0.1))
        fresh, keys = [], set()
        for d in cands:
            key = design_key(self.space, d)
            if key not in self._seen and key not in keys:
                keys.add(key)
                fresh.append(d)
        return fresh

    # --- ask / tell -----------------------------------------------------------------------------
    def ask(self, n: int = 1) -> list[Design]:
        if len(self.y) < self.params.n_init or len(self.y) < 2:
            return [draw_unique(lambda: self.space.sample(self.rng), self.space, self._seen) for _ in range(n)]
        cands = self._candidates()
        if not cands:  # every candidate was evaluated already (tiny space): fall back to random repeats
            return self.space.sample_batch(self.rng, n)
        Xc = self.encoder.encode(cands)
        X, y = self.X, self._targets()
        gp = self._fit(X, y)
        xi = self.params.xi * float(np.std(y))
        out: list[Design] = []
        available = np.ones(len(cands), dtype=bool)
        for k in range(n):
            if not available.any():
                out.extend(self.space.sample_batch(self.rng, n - k))
                break
            mu, sigma = gp.predict(Xc, return_std=True)
            ei = expected_improvement(mu, sigma, float(y.max()), xi)
            ei[~available] = -np.inf
            pick = int(np.argmax(ei))
            available[pick] = False
            out.append(cands[pick])
            self._seen.add(design_key(self.space, cands[pick]))
            if k + 1 < n:  # kriging believer: pretend the pick returned its predicted mean
                X, y = np.vstack([X, Xc[pick : pick + 1]]), np.append(y, mu[pick])
                gp = self._fit(X, y, kernel=gp.kernel_)
        return out

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        rewards = np.asarray(rewards, dtype=float)
        ok = np.isfinite(rewards)
        kept = [dict(d) for d, good in zip(designs, ok, strict=True) if good]
        for d in designs:
            self._seen.add(design_key(self.space, d))
        if kept:
            self.X = np.vstack([self.X, self.encoder.encode(kept)])
            self.y = np.append(self.y, rewards[ok])
            self.designs.extend(kept)
