"""Bayesian optimisation on BoTorch/GPyTorch: a GP surrogate, batch log expected improvement, discrete candidates.

* **Surrogate:** a BoTorch :class:`~botorch.models.SingleTaskGP` (Matérn/RBF with BoTorch's dimension-scaled
  length-scale prior) over the encoding of :mod:`agents.bayesian.models` — ordered parameters in [0, 1],
  categoricals one-hot, or with ``categorical="mixed"`` a :class:`~botorch.models.MixedSingleTaskGP` with a
  categorical kernel. Rewards are rank-Gaussianised first (``output_transform="copula"``) or only
  standardised (``"standardize"``).
* **Hyperparameters** are refitted every ``refit_every`` new observations (warm-started L-BFGS); between
  refits the model is rebuilt on all data with the last hyperparameters.
* **Acquisition:** Monte-Carlo ``qLogEI`` (Ament et al., 2023; the simulators are deterministic, so the best
  observation is the incumbent) or ``qLogNEI``, over ``mc_samples`` quasi-random samples seeded from the
  agent's seed. It is maximised over a pool of real designs (250 random ones, 750 mutations of the five best
  and every neighbour of the best; already evaluated ones dropped), so every proposal is valid for mixed
  continuous/integer/categorical spaces. The pool leans local: at 64 evaluations over 10 seeds, 250/750 beat
  1000/250 on the accelerator (median 1.32 vs 1.18), DualBranch (1.06 vs 0.56) and SoC (-2.6 vs -3.1).
* **Batches:** ``ask(q)`` builds the batch greedily with BoTorch's ``optimize_acqf_discrete``: each pick is the
  candidate with the highest joint ``q``-batch acquisition given the picks before it as pending points.
* **Initial design:** the first ``n_init`` designs are distinct uniform random samples, asked as one batch.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import Field

from agents.bayesian.models import (
    ScheduledGP,
    TorchEncoder,
    candidate_pool,
    copula,
    standardize,
    torch_generator_seed,
)
from agents.common import design_key, draw_unique
from archgym_lite.core.agent import Agent, AgentParams
from archgym_lite.core.space import Design, DesignSpace

N_INCUMBENTS = 5


class BayesianOptimization(Agent):
    """Bayesian optimisation on BoTorch: GP + batch qLogEI over valid candidate designs, periodic refits."""

    name = "bo"

    class Params(AgentParams):
        n_init: int = Field(8, ge=1, description="random designs evaluated before the first model fit")
        batch_size: int = Field(4, ge=1, description="designs per ask after the initial batch (joint q-batch)")
        acquisition: Literal["qLogEI", "qLogNEI"] = Field(
            "qLogEI", description="batch acquisition: log expected improvement, or its noisy variant")
        n_candidates: int = Field(250, ge=1, description="uniform random candidate designs scored per ask")
        n_local: int = Field(750, ge=0, description="mutations of the five best designs added to the candidates")
        refit_every: int = Field(16, ge=1, description="new observations between GP hyperparameter fits")
        mc_samples: int = Field(128, ge=8, description="quasi-Monte-Carlo samples of the acquisition function")
        n_finalists: int = Field(128, ge=1, description="candidates with the best single-point LogEI that compete "
                                                        "for the joint q-batch")
        kernel: Literal["rbf", "matern"] = Field(
            "rbf", description="continuous kernel (both with BoTorch's dimension-scaled length-scale prior)")
        categorical: Literal["onehot", "mixed"] = Field(
            "onehot", description="categoricals one-hot in one kernel, or a categorical kernel (MixedSingleTaskGP)")
        output_transform: Literal["copula", "standardize"] = Field(
            "copula", description="reward transform before a fit: rank-Gaussianise, or only standardise")

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        p = self.params
        self.encoder = TorchEncoder(space, p.categorical)
        self.gp = ScheduledGP(self.encoder.cat_dims, p.refit_every, kernel=p.kernel)
        self.designs: list[Design] = []
        self.y = np.zeros(0)
        self._seen: set[tuple[Any, ...]] = set()

    def batch_size(self) -> int:
        remaining_init = self.params.n_init - len(self.y)
        return remaining_init if remaining_init > 0 else self.params.batch_size

    def _targets(self) -> np.ndarray:
        return copula(self.y) if self.params.output_transform == "copula" else standardize(self.y)

    def _random(self, n: int) -> list[Design]:
        return [draw_unique(lambda: self.space.sample(self.rng), self.space, self._seen) for _ in range(n)]

    def acquisition(self, model: Any, X: Any, Y: Any) -> Any:
        """The BoTorch acquisition function of ``model`` fitted on ``(X, Y)``."""
        import torch
        from botorch.acquisition import qLogExpectedImprovement, qLogNoisyExpectedImprovement
        from botorch.sampling import SobolQMCNormalSampler

        sampler = SobolQMCNormalSampler(torch.Size([self.params.mc_samples]), seed=torch_generator_seed(self.rng))
        if self.params.acquisition == "qLogNEI":
            return qLogNoisyExpectedImprovement(model, X_baseline=X, sampler=sampler, prune_baseline=True)
        return qLogExpectedImprovement(model, best_f=Y.max(), sampler=sampler)

    def ask(self, n: int = 1) -> list[Design]:
        if len(self.y) < max(self.params.n_init, 2):
            return self._random(n)
        import torch
        from botorch.optim import optimize_acqf_discrete

        p = self.params
        incumbents = [self.designs[i] for i in np.argsort(-self.y, kind="stable")[:N_INCUMBENTS]]
        cands = candidate_pool(self.space, self.rng, incumbents, self._seen, p.n_candidates, p.n_local)
        if not cands:  # every candidate was evaluated already (tiny space): random repeats
            return self.space.sample_batch(self.rng, n)
        X = self.encoder.encode(self.designs)
        Y = torch.as_tensor(self._targets(), dtype=X.dtype)
        model = self.gp.model(X, Y)
        Xc = self.encoder.encode(cands)
        keep = torch.arange(len(cands))
        with torch.no_grad():
            if len(cands) > p.n_finalists:  # analytic LogEI (one posterior per candidate) picks the finalists
                from botorch.acquisition import LogExpectedImprovement

                score = LogExpectedImprovement(model, best_f=Y.max())(Xc.unsqueeze(-2))
                keep = torch.topk(score, p.n_finalists).indices
            picked, _ = optimize_acqf_discrete(self.acquisition(model, X, Y), q=min(n, len(keep)),
                                               choices=Xc[keep], unique=True)
        out = [cands[int(keep[torch.nonzero((Xc[keep] == row).all(dim=-1))[0, 0]])] for row in picked]
        for d in out:
            self._seen.add(design_key(self.space, d))
        return out + self._random(n - len(out))

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        rewards = np.asarray(rewards, dtype=float)
        for d, r in zip(designs, rewards, strict=True):
            self._seen.add(design_key(self.space, d))
            if np.isfinite(r):
                self.designs.append(dict(d))
                self.y = np.append(self.y, r)
