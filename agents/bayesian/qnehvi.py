"""Multi-objective Bayesian optimisation: BoTorch's qLogNEHVI over the traded metrics, with constraints.

The surrogate, encoding, candidate pool and refit schedule are those of :mod:`agents.bayesian.bo`; what is
modelled and maximised differs:

* **Outcomes:** one GP output per traded metric, its gain over the objective's reference point
  (:meth:`~archgym_lite.core.objective.Objective.gains_batch`, a log-ratio, standardised), plus — when the
  objective has constraints — one output for ``log1p(violation)``, whose prediction must stay below half
  the way to the least infeasible design seen (BoTorch's smoothed constraint indicator, so infeasible regions
  are avoided rather than forbidden).
* **Acquisition:** ``qLogNoisyExpectedHypervolumeImprovement`` (Daulton et al., 2021; Ament et al., 2023)
  with the objective's reference point (the hypervolume the trial is scored by) once a feasible design beats
  it; before that, with the reference inferred from the observed front (``infer_reference_point``: the nadir
  moved 10% of the front's range outwards), so the acquisition is never flat. Batches of ``q`` are built greedily over the candidate pool as in ``bo``, after
  a cheaper pre-selection of ``n_finalists`` candidates by their single-point qLogNEHVI. The simulators are
  deterministic, so the baseline of NEHVI is the observed feasible front (not every design evaluated, which
  made a 256-evaluation trial take ~120 s of CPU, a third of it pruning the baseline).
* The objective comes from the run loop (:meth:`QNEHVI.set_objective`). With one traded metric, or with no
  objective at all, the agent is plain ``bo`` on the scalar reward (``acquisition`` applies only then).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from pydantic import Field

from agents.bayesian.bo import N_INCUMBENTS, BayesianOptimization
from agents.bayesian.models import ScheduledGP, candidate_pool, torch_generator_seed
from agents.common import design_key
from archgym_lite.core.objective import Objective
from archgym_lite.core.space import Design, DesignSpace


class QNEHVI(BayesianOptimization):
    """Multi-objective BO: BoTorch qLogNEHVI over the objective's traded metrics, constraint-aware."""

    name = "qnehvi"

    class Params(BayesianOptimization.Params):
        n_candidates: int = Field(250, ge=1, description="uniform random candidate designs scored per ask")
        n_local: int = Field(250, ge=0, description="mutations of the five best designs added to the candidates")
        mc_samples: int = Field(64, ge=8, description="quasi-Monte-Carlo samples of the acquisition function")
        n_finalists: int = Field(64, ge=1, description="candidates with the best single-point qLogNEHVI that "
                                                       "compete for the joint q-batch")

    def __init__(self, space: DesignSpace, seed: int | None = None, **params: Any) -> None:
        super().__init__(space, seed, **params)
        self.objective: Objective | None = None
        self.gains = np.zeros((0, 0))
        self.violation = np.zeros(0)
        self.mo_gp = ScheduledGP(self.encoder.cat_dims, self.params.refit_every, kernel=self.params.kernel)  # one output per outcome

    def set_objective(self, objective: Objective) -> None:
        """Search the front of ``objective``'s traded metrics."""
        self.objective = objective
        self.gains = np.zeros((0, len(objective.trade_metrics)))

    @property
    def _multi(self) -> bool:
        return self.objective is not None and len(self.objective.trade_metrics) >= 2

    def tell(self, designs: Sequence[Design], rewards: np.ndarray, metrics: Mapping[str, np.ndarray]) -> None:
        if self._multi:
            assert self.objective is not None
            gains, viol = self.objective.gains_batch(metrics), self.objective.violation_batch(metrics)
            ok = np.isfinite(gains).all(axis=1) & np.isfinite(viol) & np.isfinite(np.asarray(rewards, float))
            self.gains = np.vstack([self.gains, gains[ok]])
            self.violation = np.append(self.violation, viol[ok])
        super().tell(designs, rewards, metrics)

    def ask(self, n: int = 1) -> list[Design]:
        if not self._multi or len(self.y) < max(self.params.n_init, 2):
            return super().ask(n)
        import torch
        from botorch.optim import optimize_acqf_discrete

        p = self.params
        incumbents = [self.designs[i] for i in np.argsort(-self.y, kind="stable")[:N_INCUMBENTS]]
        cands = candidate_pool(self.space, self.rng, incumbents, self._seen, p.n_candidates, p.n_local)
        if not cands:
            return self.space.sample_batch(self.rng, n)
        X = self.encoder.encode(self.designs)
        acq = self._acquisition(X)
        Xc = self.encoder.encode(cands)
        keep = torch.arange(len(cands))
        with torch.no_grad():
            if len(cands) > p.n_finalists:
                score = acq(Xc.unsqueeze(-2))
                keep = torch.topk(score, p.n_finalists).indices
            picked, _ = optimize_acqf_discrete(acq, q=min(n, len(keep)), choices=Xc[keep], unique=True)
        out = [cands[int(keep[torch.nonzero((Xc[keep] == row).all(dim=-1))[0, 0]])] for row in picked]
        for d in out:
            self._seen.add(design_key(self.space, d))
        return out + self._random(n - len(out))

    def _acquisition(self, X: Any) -> Any:
        import torch
        from botorch.acquisition.multi_objective import qLogNoisyExpectedHypervolumeImprovement
        from botorch.acquisition.multi_objective.objective import IdentityMCMultiOutputObjective
        from botorch.sampling import SobolQMCNormalSampler
        from botorch.utils.multi_objective.hypervolume import infer_reference_point
        from botorch.utils.multi_objective.pareto import is_non_dominated

        assert self.objective is not None
        k = self.gains.shape[1]
        mean, sd = self.gains.mean(axis=0), self.gains.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        outcomes = [(self.gains - mean) / sd]
        constrained = bool(self.objective.constraints)
        if constrained:
            c = np.log1p(self.violation)
            c_sd = float(c.std()) or 1.0
            z = (c - c.mean()) / c_sd
            outcomes.append(z.reshape(-1, 1))
            # feasible designs sit at z(0); the bound lies halfway to the least infeasible one
            bound = float(-c.mean() / c_sd)
            if (c > 0).any():
                bound += 0.5 * (float(z[c > 0].min()) - bound)
        Y = torch.as_tensor(np.hstack(outcomes), dtype=X.dtype)
        model = self.mo_gp.model(X, Y)
        feasible = torch.as_tensor(self.violation == 0.0)
        origin = torch.as_tensor(-mean / sd, dtype=X.dtype)  # the objective's reference point, standardised
        front = Y[feasible, :k] if bool(feasible.any()) else Y[:, :k]
        beats = bool(feasible.any()) and bool((Y[feasible, :k] > origin).all(dim=-1).any())
        ref = origin if beats else infer_reference_point(front[is_non_dominated(front)])
        sampler = SobolQMCNormalSampler(torch.Size([self.params.mc_samples]), seed=torch_generator_seed(self.rng))
        constraints = [lambda Z: Z[..., k] - bound] if constrained else None
        # the simulators are deterministic: the baseline that matters is the observed front (feasible designs),
        # or the best designs by reward while none is feasible
        if bool(feasible.any()):
            idx = torch.nonzero(feasible).squeeze(-1)
            baseline = X[idx[is_non_dominated(Y[idx, :k])]]
        else:
            baseline = X[torch.as_tensor(np.argsort(-self.y, kind="stable")[:N_INCUMBENTS])]
        return qLogNoisyExpectedHypervolumeImprovement(
            model, ref_point=ref, X_baseline=baseline, sampler=sampler, prune_baseline=False,
            objective=IdentityMCMultiOutputObjective(outcomes=list(range(k))), constraints=constraints)
