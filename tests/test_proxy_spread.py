"""Which training designs were drawn over the whole space ("spread"): carried through sampling, merges and
subsets, and the set the candidates are judged on when chosen designs sit beside them."""

import numpy as np

from archgym_lite.proxy import dataset_from_samples, fit_proxy
from archgym_lite.proxy.active import merge, sample_actively
from archgym_lite.proxy.dataset import ProxyDataset
from archgym_lite.proxy.model import MIN_SPREAD_DESIGNS
from simulators.synthetic import SyntheticSimulator

ENV = "archgym/Synthetic-v0"


def test_merge_and_subset_carry_spread():
    sim = SyntheticSimulator()
    drawn = dataset_from_samples(sim, ENV, 3, "uniform", seed=4)
    assert drawn.spread_mask().tolist() == [True, True, True]
    # two chosen designs (no spread given): a copy of the second drawn one and a new one
    d2 = {"x_int": 0, "x_pow2": 1, "x_list": 1, "mode": "a", "x_real": 0.1}
    first = {n: drawn.columns[n][1] for n in sim.space.names}
    cols = sim.space.columns([first, d2])
    chosen = ProxyDataset(ENV, {}, cols, sim.evaluate_batch(cols), 2)
    assert chosen.spread is None and chosen.spread_mask().tolist() == [False, False]
    both = merge(drawn, chosen)
    # the copy is dropped (first occurrence kept: the drawn one), the new design is chosen
    assert len(both) == 4 and both.spread_mask().tolist() == [True, True, True, False]
    assert both.subset(np.array([3, 0])).spread_mask().tolist() == [False, True]
    assert merge(chosen, chosen).spread is None


def test_active_sample_marks_its_latin_hypercube():
    sim = SyntheticSimulator()
    data = sample_actively(sim, ENV, 100, seed=0, start_fraction=0.4, rounds=3, pool=500, trees=4)
    # 40 Latin-hypercube designs drawn over the space, 60 chosen where the forest was unsure
    assert len(data) == 100 and int(data.spread_mask().sum()) == 40


def test_candidates_judged_on_spread_designs_when_enough():
    sim = SyntheticSimulator()
    drawn = dataset_from_samples(sim, ENV, MIN_SPREAD_DESIGNS + 50, "uniform", seed=1)
    rng = np.random.default_rng(0)
    extra = sim.space.columns(sim.space.sample_columns(rng, 100))
    data = merge(drawn, ProxyDataset(ENV, {}, extra, sim.evaluate_batch(extra), 100))
    n_spread = int(data.spread_mask().sum())
    model = fit_proxy(sim, data, ("extra_trees", "random_forest"), n_estimators=5, settings={"distill": False})
    judged = model.meta["cv_spread"]
    assert judged["designs"] == n_spread == len(drawn)
    for m in sim.metric_names:  # the chosen model has the lowest error on the spread designs
        scores = judged["rel_rmse"][m]
        assert model.kinds[m] == min(scores, key=scores.get)
    # only drawn designs, or too few of them: judged on all designs, as before
    assert "cv_spread" not in fit_proxy(sim, drawn, ("extra_trees", "random_forest"), n_estimators=5,
                                        settings={"distill": False}).meta
