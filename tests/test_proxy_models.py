"""Proxy model internals: flattened trees equal scikit-learn's, the numpy MLP equals a torch forward pass,
identity-based categorical codes equal the parameter's lookup, aliases, distillation, malformed files, goals."""

import zipfile

import numpy as np
import pytest
import skops.io as sio
import torch
from sklearn.ensemble import ExtraTreesRegressor, HistGradientBoostingRegressor, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

import archgym_lite
from archgym_lite import Metric, ModelFileError, OutputError, SpecError
from archgym_lite.proxy import (
    dataset_from_samples,
    fit_proxy,
    goals_table,
    load_proxy,
    save_proxy,
    train_proxy,
)
from archgym_lite.proxy.dataset import level_codes
from archgym_lite.proxy.mlp import fit_mlp_ensemble
from archgym_lite.proxy.persist import read_payload, seal
from archgym_lite.proxy.trees import _round_down_f32, from_hist_gb, from_sklearn_trees
from simulators.synthetic import SyntheticSimulator

torch.set_num_threads(1)


@pytest.fixture(scope="module")
def xy():
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.integers(0, 8, 400), rng.random(400), rng.integers(0, 2, 400)]).astype(float)
    Y = np.column_stack([X[:, 0] * 2 + np.sin(6 * X[:, 1]), X[:, 2] - X[:, 1] ** 2])
    Xt = np.column_stack([rng.integers(0, 8, 300), rng.random(300), rng.integers(0, 2, 300)]).astype(float)
    return X, Y, Xt


@pytest.mark.parametrize("forest", [ExtraTreesRegressor, RandomForestRegressor])
def test_flattened_forest_predicts_as_sklearn(xy, forest):
    X, Y, Xt = xy
    est = forest(n_estimators=7, random_state=0).fit(X, Y)
    flat = from_sklearn_trees(est.estimators_)
    flat.check(3, 2)
    # leaves are stored as float32: agreement to float32 precision, every split decided the same way
    np.testing.assert_allclose(flat.predict(Xt), est.predict(Xt), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(flat.per_tree(Xt).mean(axis=0), est.predict(Xt), rtol=1e-6, atol=1e-6)
    tree = DecisionTreeRegressor(random_state=0).fit(X, Y)
    np.testing.assert_allclose(from_sklearn_trees([tree]).predict(Xt), tree.predict(Xt), rtol=1e-6, atol=1e-6)


def test_flattened_boosting_predicts_as_sklearn(xy):
    X, Y, Xt = xy
    gb = HistGradientBoostingRegressor(max_iter=40, random_state=0).fit(X, Y[:, 0])
    flat = from_hist_gb(gb)
    flat.check(3, 1)
    np.testing.assert_allclose(flat.predict(Xt)[:, 0], gb.predict(Xt), rtol=1e-6, atol=1e-6)


def test_float32_thresholds_rounded_down_decide_exactly_as_float64():
    rng = np.random.default_rng(1)
    x = rng.normal(size=20_000).astype(np.float32)
    t = np.concatenate([rng.normal(size=19_000), x[:1000].astype(np.float64) + 1e-12])  # thresholds just above x
    t32 = _round_down_f32(t)
    assert t32.dtype == np.float32 and (t32.astype(np.float64) <= t).all()
    # x <= t (scikit-learn: float32 feature vs float64 threshold) iff x <= t32, for every pair
    assert ((x[:, None] <= t[None, :1000]) == (x[:, None] <= t32[None, :1000])).all()


def test_numpy_mlp_equals_a_torch_forward_pass_and_fits_a_smooth_target(xy):
    X, Y, Xt = xy
    Z = (Y - Y.mean(0)) / Y.std(0)
    ens = fit_mlp_ensemble(X, Z, members=3, width=16, depth=2, epochs=60, seed=0)
    ens.check(3, 2)
    h = torch.tensor((Xt - ens.x_center) / ens.x_scale, dtype=torch.float32)
    outs = []
    for m in range(3):  # an independent forward pass: torch.nn.functional on each member's weights
        a = h
        for i, (w, b) in enumerate(zip(ens.weights, ens.biases, strict=True)):
            a = torch.nn.functional.linear(a, torch.tensor(w[m]).T, torch.tensor(b[m, 0]))
            a = torch.relu(a) if i < len(ens.weights) - 1 else a
        outs.append(a.numpy())
    np.testing.assert_allclose(ens.predict(Xt), np.mean(outs, axis=0), rtol=1e-4, atol=1e-4)
    Zt = ((np.column_stack([Xt[:, 0] * 2 + np.sin(6 * Xt[:, 1]), Xt[:, 2] - Xt[:, 1] ** 2])) - Y.mean(0)) / Y.std(0)
    r2 = 1 - ((ens.predict(Xt) - Zt) ** 2).sum(0) / ((Zt - Zt.mean(0)) ** 2).sum(0)
    assert (r2 > 0.95).all(), r2


def test_categorical_codes_by_identity_and_by_value_agree_with_the_lookup():
    p = archgym_lite.make("archgym/DRAM-v0").simulator.space["PagePolicy"]
    levels = list(p.levels)
    same_objects = np.array([levels[i] for i in [3, 0, 2, 1, 0]], dtype=object)
    copies = np.array(["".join(list(levels[i])) for i in [3, 0, 2, 1, 0]], dtype=object)  # equal, not identical
    assert copies[0] is not levels[3]
    expected = [3, 0, 2, 1, 0]
    assert level_codes(p, same_objects).tolist() == expected == p.index_of(same_objects).tolist()
    assert level_codes(p, copies).tolist() == expected
    assert level_codes(p, np.array(levels, dtype="U20")).tolist() == [0, 1, 2, 3]
    with pytest.raises(KeyError):
        level_codes(p, np.array(["Open", "Sideways"], dtype=object))


class Scaled(SyntheticSimulator):
    """Synthetic plus ``area_cm2`` = area_mm2 / 100: the same standardised target, so an alias."""

    def __init__(self):
        super().__init__()
        self.metrics = (*self.metrics, Metric("area_cm2", "cm^2"))

    def _evaluate_batch(self, columns):
        out = super()._evaluate_batch(columns)
        return {**out, "area_cm2": out["area_mm2"] / 100.0}


def test_an_exactly_scaled_metric_is_copied_not_learnt():
    sim = Scaled()
    data = dataset_from_samples(sim, "archgym/Synthetic-v0", 300, "lhs", seed=3)
    model = fit_proxy(sim, data, ("extra_trees",), n_estimators=8, settings={"distill": False})
    assert model.aliases == {"area_cm2": "area_mm2"}
    assert sum(len(h.outputs) for h in model.heads) == 2
    pred = model.predict(sim.space.columns(sim.space.sample_columns(9, 50)))
    np.testing.assert_allclose(pred["area_cm2"], pred["area_mm2"] / 100.0, rtol=1e-12)


def test_distilled_tree_is_kept_when_it_agrees_and_refused_when_too_large():
    sim = SyntheticSimulator()
    data = dataset_from_samples(sim, "archgym/Synthetic-v0", 400, "uniform", seed=2)
    settings = {"distill_designs": 20_000}
    model = fit_proxy(sim, data, ("extra_trees",), n_estimators=8, metrics=["area_mm2"], settings=settings)
    # area = x_pow2 * x_list / 64 is piecewise constant: one tree reproduces the forest almost exactly
    assert model.kinds == {"area_mm2": "tree<-extra_trees"} and len(model.heads) == 1
    info = model.meta["distillation"]
    assert info["kept"] and info["disagreement"]["area_mm2"] <= 0.3 * model.cv["area_mm2"]["extra_trees"] + 1e-4
    refused = fit_proxy(sim, data, ("extra_trees",), n_estimators=8, metrics=["area_mm2"],
                        settings={**settings, "max_model_mb": 1e-6})
    assert refused.kinds == {"area_mm2": "extra_trees"} and refused.meta["distillation"]["kept"] is False
    # the refused model is the teacher itself (same data and seed): the tree agrees with it on fresh designs
    cols = sim.space.columns(sim.space.sample_columns(11, 2000))
    tree, forest = model.predict(cols)["area_mm2"], refused.predict(cols)["area_mm2"]
    assert np.mean(np.isclose(tree, forest, rtol=1e-6)) > 0.95
    assert np.sqrt(np.mean((tree - forest) ** 2)) / forest.mean() < 0.3 * model.cv["area_mm2"]["extra_trees"] + 2e-4


def test_unknown_setting_and_candidate_name_the_allowed_ones():
    sim = SyntheticSimulator()
    data = dataset_from_samples(sim, "archgym/Synthetic-v0", 40)
    with pytest.raises(SpecError, match=r"trees_per_forest: .*allowed: \[.*'trees'"):
        fit_proxy(sim, data, settings={"trees_per_forest": 3})
    with pytest.raises(SpecError, match=r"model: got 'xgboost'; allowed: \['extra_trees', 'random_forest'"):
        fit_proxy(sim, data, ("xgboost",))
    with pytest.raises(SpecError, match=r"sampling: got 'sobol'; allowed: \['uniform', 'lhs', 'active'\]"):
        train_proxy("archgym/Synthetic-v0", sample=10, sampling="sobol")


def test_train_checks_its_output_before_any_work(tmp_path):
    (tmp_path / "model.skops").mkdir()
    # a billion designs would take hours: the refusal comes first
    with pytest.raises(OutputError, match="is a directory"):
        train_proxy("archgym/Synthetic-v0", sample=10**9, out=tmp_path / "model.skops")


@pytest.fixture(scope="module")
def small_model(tmp_path_factory):
    sim = SyntheticSimulator()
    data = dataset_from_samples(sim, "archgym/Synthetic-v0", 200, "lhs", seed=1)
    model = fit_proxy(sim, data, ("extra_trees",), n_estimators=4, settings={"distill": False})
    path = tmp_path_factory.mktemp("small") / "m.skops"
    save_proxy(model, path)
    return path


def _reseal_with(path, tmp_path, edit):
    """Rewrite ``path``'s payload through ``edit`` and re-seal it, as an attacker who knows the format would."""
    payload = read_payload(path)
    edit(payload)
    out = tmp_path / "edited.skops"
    sio.dump(payload, out, compression=zipfile.ZIP_DEFLATED)
    seal(out)
    return out


@pytest.mark.parametrize("edit, what", [
    (lambda p: p["heads"][0]["predictor"]["parts"][0]["left"].__setitem__(0, 0), "out of order"),  # a cycle
    (lambda p: p["heads"][0]["predictor"]["parts"][0]["right"].__setitem__(0, 10**6), "out of range"),
    (lambda p: p["heads"][0]["predictor"]["parts"][0]["feature"].__setitem__(0, 99), "features out of range"),
    (lambda p: p["heads"][0].__setitem__("outputs", [0]), "every metric exactly once"),
])
def test_structurally_malformed_trees_are_refused_before_the_kernel_walks_them(small_model, tmp_path, edit, what):
    bad = _reseal_with(small_model, tmp_path, edit)
    with pytest.raises(ModelFileError, match=f"malformed proxy payload .*{what}"):
        load_proxy(bad)


def test_a_file_from_the_previous_format_says_to_retrain(tmp_path):
    old = tmp_path / "old.skops"
    sio.dump({"format": "archgym-lite-proxy/2"}, old)
    seal(old)
    with pytest.raises(ModelFileError, match="format 'archgym-lite-proxy/2' by an older archgym-lite.*re-train"):
        load_proxy(old)


def test_goals_table_marks_each_goal():
    import pandas as pd

    report = pd.DataFrame([{"test_set": "fresh-uniform", "metric": "lat", "rel_rmse": 0.004},
                           {"test_set": "fresh-uniform", "metric": "pow", "rel_rmse": 0.006},
                           {"test_set": "held-out", "metric": "lat", "rel_rmse": 0.5}])
    goals = goals_table(report, ["lat", "pow"], 5000, 12_000_000, 1.5e6).set_index("goal")
    assert goals["met"].to_dict() == {"rel RMSE lat (fresh uniform)": True, "rel RMSE pow (fresh uniform)": False,
                                      "training designs": True, "model file": False,
                                      "batched prediction, one core": True}
    assert goals.loc["rel RMSE lat (fresh uniform)", "measured"] == "0.4%"
