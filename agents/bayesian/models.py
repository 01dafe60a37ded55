"""What the BoTorch agents share: design encoding, reward transform, candidate pools, GP fits on a schedule.

* **Encoding** (:class:`TorchEncoder`): ordered parameters (int, pow2, int_list, real) → one feature in [0, 1]
  (level index for discrete kinds, linear or log value for reals); a categorical → one-hot features
  (``"onehot"``, for :class:`~botorch.models.SingleTaskGP`) or its choice index (``"mixed"``, for
  :class:`~botorch.models.MixedSingleTaskGP`, whose categorical kernel compares choices by equality).
* **Outputs** are Gaussianised by rank before a fit (:func:`copula`, ``Phi^-1(rank / (n + 1))``, as in
  Salinas et al., 2020): constraint penalties make raw rewards heavy-tailed (one infeasible design can score
  -400 where feasible ones span [-1, 0]), which flattens a GP everywhere else.
* **Candidates** (:func:`candidate_pool`) are real designs: uniform random ones, mutations of the incumbents
  (Gaussian steps on ordered parameters, so reals take continuous values) and every one-step neighbour of
  the best design, minus those already evaluated. The acquisition function is maximised over this pool, so
  every proposal is valid for any mix of parameter kinds.
* **Hyperparameters** (:class:`ScheduledGP`) are fitted by maximum marginal likelihood
  (``fit_gpytorch_mll``, L-BFGS, warm-started from the previous fit) only every ``refit_every`` new
  observations; in between, the model is rebuilt on all the data with the last fitted hyperparameters (one
  Cholesky factorisation, no optimisation). Refitting on every ask was ~70% of the time of the old
  scikit-learn BO.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from scipy.stats import norm, rankdata

from agents.common import design_key, mutate_design
from archgym_lite.core.space import Design, DesignSpace

DTYPE = torch.double


class TorchEncoder:
    """Designs → ``(n, dim)`` double tensors (see module docstring).

    Args:
        space: The design space.
        categorical: ``"onehot"`` or ``"mixed"`` (choice index; :attr:`cat_dims` lists those columns).
    """

    def __init__(self, space: DesignSpace, categorical: str = "onehot") -> None:
        self.space, self.categorical = space, categorical
        widths = [1 if (p.ordered or categorical == "mixed") else p.n_levels for p in space.params]
        starts = np.cumsum([0, *widths])
        self.dim = int(starts[-1])
        self.cat_dims = [int(starts[i]) for i, p in enumerate(space.params) if not p.ordered and categorical == "mixed"]

    def encode(self, designs: Sequence[Mapping[str, Any]]) -> torch.Tensor:
        cols = self.space.columns(designs)
        blocks = []
        for p in self.space.params:
            col = np.asarray(cols[p.name])
            if p.ordered:
                blocks.append(np.asarray(p.to_unit(col), dtype=float).reshape(-1, 1))
            elif self.categorical == "mixed":
                blocks.append(p.index_of(col).astype(float).reshape(-1, 1))
            else:
                blocks.append(np.eye(p.n_levels)[p.index_of(col)])
        return torch.as_tensor(np.hstack(blocks), dtype=DTYPE)


def copula(y: np.ndarray) -> np.ndarray:
    """Rank-Gaussianised values (order-preserving, ties share a rank), standardised, as a column."""
    return standardize(norm.ppf(rankdata(y) / (len(y) + 1)))


def standardize(y: np.ndarray) -> np.ndarray:
    """Zero mean, unit standard deviation (a constant stays 0), as a column."""
    y = np.asarray(y, dtype=float)
    sd = float(np.std(y))
    return ((y - y.mean()) / (sd if sd > 0 else 1.0)).reshape(-1, 1)


def candidate_pool(space: DesignSpace, rng: np.random.Generator, incumbents: Sequence[Design],
                   seen: set[tuple[Hashable, ...]], n_random: int, n_local: int,
                   scale: float = 0.1) -> list[Design]:
    """Fresh candidate designs: ``n_random`` uniform ones, ``n_local`` mutations of ``incumbents`` (best first)
    and every neighbour of ``incumbents[0]``; designs in ``seen`` and duplicates are dropped."""
    cands = space.sample_batch(rng, n_random)
    if incumbents:
        prob = 1.0 / len(space)
        cands += [mutate_design(space, incumbents[k % len(incumbents)], rng, prob, scale) for k in range(n_local)]
        cands += space.neighbours(incumbents[0])
    fresh, keys = [], set()
    for d in cands:
        key = design_key(space, d)
        if key not in seen and key not in keys:
            keys.add(key)
            fresh.append(d)
    return fresh


class ScheduledGP:
    """Builds GP models for BoTorch, fitting their hyperparameters only every ``refit_every`` observations.

    Args:
        cat_dims: Categorical (choice index) columns; non-empty selects ``MixedSingleTaskGP``.
        refit_every: New observations between two hyperparameter fits.
        maxiter: L-BFGS iterations per fit.
    """

    def __init__(self, cat_dims: Sequence[int] = (), refit_every: int = 16, maxiter: int = 50,
                 kernel: str = "rbf") -> None:
        self.cat_dims, self.refit_every, self.maxiter, self.kernel = list(cat_dims), refit_every, maxiter, kernel
        self._state: dict[str, torch.Tensor] | None = None
        self._fitted_at: int | None = None
        self.n_fits = 0

    def _new(self, X: torch.Tensor, Y: torch.Tensor) -> Any:
        from botorch.models import MixedSingleTaskGP, SingleTaskGP
        from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior

        rbf = self.kernel == "rbf"
        if self.cat_dims:
            def factory(batch_shape: Any, ard_num_dims: int, active_dims: Sequence[int]) -> Any:
                return get_covar_module_with_dim_scaled_prior(ard_num_dims, batch_shape, rbf, active_dims)

            return MixedSingleTaskGP(X, Y, cat_dims=self.cat_dims, outcome_transform=None,
                                     cont_kernel_factory=factory)
        batch = torch.Size([Y.shape[-1]]) if Y.shape[-1] > 1 else torch.Size([])
        covar = get_covar_module_with_dim_scaled_prior(X.shape[-1], batch, rbf)
        return SingleTaskGP(X, Y, outcome_transform=None, covar_module=covar)

    def due(self, n: int) -> bool:
        """Whether a model on ``n`` observations refits its hyperparameters."""
        return self._fitted_at is None or n - self._fitted_at >= self.refit_every

    def model(self, X: torch.Tensor, Y: torch.Tensor) -> Any:
        """A GP on ``(X, Y)`` (``Y``: ``n × m``, already transformed), refitted when :meth:`due`."""
        from botorch.fit import fit_gpytorch_mll
        from gpytorch.mlls import ExactMarginalLogLikelihood

        with warnings.catch_warnings():  # BoTorch's input-scaling advice: the encoding is scaled by design
            warnings.simplefilter("ignore")
            model = self._new(X, Y)
        if self._state is not None:
            model.load_state_dict(self._state)
        if self.due(len(X)):
            mll = ExactMarginalLogLikelihood(model.likelihood, model)
            with warnings.catch_warnings():  # a fit stopped at maxiter is still a good warm start
                warnings.simplefilter("ignore")
                try:
                    fit_gpytorch_mll(mll, optimizer_kwargs={"options": {"maxiter": self.maxiter}}, max_attempts=1)
                except Exception:  # numerical failure: keep the previous (or prior) hyperparameters
                    if self._state is not None:
                        model.load_state_dict(self._state)
            self._state = {k: v.detach().clone() for k, v in model.state_dict().items()}
            self._fitted_at = len(X)
            self.n_fits += 1
        model.eval()
        return model


def torch_generator_seed(rng: np.random.Generator) -> int:
    """A seed for torch's samplers drawn from the agent's generator (reproducible per agent seed)."""
    return int(rng.integers(2**31 - 1))
