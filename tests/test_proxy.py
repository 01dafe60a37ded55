"""Proxy models: dedup prevents leakage, accuracy metrics on known errors, skops round trip, refusals."""

import math
import zipfile

import numpy as np
import pytest
import skops.io as sio
from gymnasium.utils.env_checker import check_env

import archgym_lite
from archgym_lite import DesignEnv, IntParam, ModelFileError, SpecError
from archgym_lite.proxy import (
    accuracy,
    dataset_from_runs,
    dataset_from_samples,
    eval_proxy,
    fit_proxy,
    load_proxy,
    make_proxy_env,
    search_on_proxy,
    train_proxy,
)
from archgym_lite.proxy.persist import FORMAT, read_payload, seal
from archgym_lite.trials.run import run_trial
from simulators.synthetic import SyntheticSimulator


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("proxy")
    path = tmp / "m.skops"
    res = train_proxy("archgym/Synthetic-v0", sample=600, fresh_test=300, out=path, n_estimators=40,
                      candidates=("random_forest", "extra_trees"), throughput_designs=2000)
    return res, path


def test_accuracy_metrics_on_a_known_error():
    y = np.array([1.0, 2.0, 3.0, 4.0])
    acc = accuracy(y, 1.1 * y)
    # errors 0.1*y: RMSE = 0.1*sqrt(30/4), mean 2.5; R^2 = 1 - 0.01*30/5; MAPE = 0.1
    assert acc["rel_rmse"] == pytest.approx(0.1 * math.sqrt(7.5) / 2.5)
    assert acc["mape"] == pytest.approx(0.1)
    assert acc["r2"] == pytest.approx(0.94)
    assert acc["spearman"] == pytest.approx(1.0)
    reversed_acc = accuracy(y, y[::-1].copy())
    assert reversed_acc["spearman"] == pytest.approx(-1.0)
    assert reversed_acc["r2"] == pytest.approx(1 - 20 / 5)  # errors -3,-1,1,3 -> SSE 20, SST 5


def test_duplicated_designs_never_straddle_the_split(tmp_path):
    # the same 40 designs logged three times by three seeds of a deterministic replaying agent
    class Replay(archgym_lite.Agent):
        name = "replay"

        def ask(self, n=1):
            return SyntheticSimulator().space.sample_batch(123, 40)[:n] if n >= 40 else \
                SyntheticSimulator().space.sample_batch(123, 40)[self.i: self.i + n]

        def tell(self, *a):
            self.i = getattr(self, "i", 0) + 1

    archgym_lite.register_agent("replay", Replay, override=True)
    for seed in range(3):
        run_trial("archgym/Synthetic-v0", "random", 40, seed=99, out_dir=tmp_path / f"r{seed}",
                  agent_params={"batch_size": 40})
    sim = SyntheticSimulator()
    data = dataset_from_runs([tmp_path], "archgym/Synthetic-v0", sim)
    assert data.n_rows_read == 120 and len(data) == 40  # 3 identical trials -> 40 unique designs
    train, test = data.split(0.25, seed=0)
    key = lambda d: set(zip(*(d.columns[n].tolist() for n in sim.space.names), strict=True))  # noqa: E731
    assert not key(train) & key(test)
    assert len(train) + len(test) == 40


def test_model_is_accurate_where_the_target_is_learnable(trained):
    res, _ = trained
    fresh = res.report[res.report["test_set"] == "fresh-uniform"].set_index("metric")
    # area = x_pow2 * x_list / 64 is a function of two ordinal features: trees fit it almost exactly
    assert fresh.loc["area_mm2", "r2"] > 0.99
    assert fresh.loc["cost", "spearman"] > 0.9


def test_save_load_round_trip_predicts_identically(trained, tmp_path):
    res, path = trained
    loaded = load_proxy(path)
    cols = SyntheticSimulator().space.sample_columns(5, 50)
    for m, v in res.model.predict(cols).items():
        np.testing.assert_array_equal(loaded.predict(cols)[m], v)
    payload = read_payload(path)
    assert payload["env_id"] == "archgym/Synthetic-v0" and payload["space_signature"] == \
        SyntheticSimulator().space.signature()
    assert {"sklearn", "skops", "numpy", "archgym_lite"} <= set(payload["versions"])


class Evil:
    def __reduce__(self):  # pragma: no cover - never loaded
        return (print, ("pwned",))


def test_tampered_and_corrupt_files_are_refused(trained, tmp_path):
    _, path = trained
    tampered = tmp_path / "tampered.skops"
    sio.dump({"format": FORMAT, "evil": Evil()}, tampered)
    seal(tampered)  # an attacker who also rewrites the hashes still meets the type allowlist
    with pytest.raises(ModelFileError, match=r"refusing to load untrusted types \[.*Evil"):
        load_proxy(tampered)
    truncated = tmp_path / "truncated.skops"
    truncated.write_bytes(path.read_bytes()[:200])
    with pytest.raises(ModelFileError, match="truncated.skops: not a readable skops model file"):
        load_proxy(truncated)
    with pytest.raises(ModelFileError, match="no such model file"):
        load_proxy(tmp_path / "missing.skops")
    other = tmp_path / "other.skops"
    sio.dump({"format": "something-else"}, other)
    unsealed = other.read_bytes()
    seal(other)
    with pytest.raises(ModelFileError, match="not an archgym-lite proxy file"):
        load_proxy(other)
    other.write_bytes(unsealed)
    with pytest.raises(ModelFileError, match="other.skops: no integrity record"):
        load_proxy(other)


def test_edited_array_bytes_with_valid_crcs_are_refused(trained, tmp_path):
    _, path = trained
    edited = tmp_path / "edited.skops"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(edited, "w") as dst:
        npy = [i.filename for i in src.infolist() if i.filename.endswith(".npy")]
        victim = max(npy, key=lambda n: src.getinfo(n).file_size)  # a large array: tree thresholds or values
        for info in src.infolist():
            data = src.read(info)
            if info.filename == victim:
                data = data[:-8] + bytes(b ^ 0xFF for b in data[-8:])  # flip the last array element's bytes
            dst.writestr(info, data)  # writestr recomputes the CRC: the zip itself is valid
    with zipfile.ZipFile(edited) as z:
        assert z.testzip() is None
    with pytest.raises(ModelFileError, match=rf"edited.skops: content hash mismatch in \['{victim}'\]"):
        load_proxy(edited)
    assert load_proxy(path).metric_names  # the original still loads


def test_mismatched_design_space_is_refused(trained):
    _, path = trained
    sim = SyntheticSimulator()
    sim.space = archgym_lite.DesignSpace([IntParam("x_int", 0, 30), *sim.space.params[1:]])
    with pytest.raises(ModelFileError, match="design space mismatch"):
        load_proxy(path, DesignEnv(sim))


def test_proxy_env_is_a_drop_in_and_marks_predictions(trained):
    _, path = trained
    env = make_proxy_env("archgym/Synthetic-v0", str(path))
    check_env(env, skip_render_check=True)
    env.reset(seed=0)
    *_, info = env.step(env.action_space.sample())
    assert info["proxy"] is True


def test_search_on_proxy_resimulates_top_k(trained, tmp_path):
    _, path = trained
    table = search_on_proxy(path, "random", 64, top_k=5, out_dir=tmp_path)
    assert len(table) == 5
    sim, env = SyntheticSimulator(), archgym_lite.make("archgym/Synthetic-v0")
    for row in table.itertuples():
        design = {n: getattr(row, f"p_{n}") for n in sim.space.names}
        assert row.real_cost == sim.evaluate(design)["cost"]  # truly re-simulated
        assert row.real_reward == pytest.approx(env.objective.reward(sim.evaluate(design)))
    assert (table["proxy_reward"].diff().dropna() <= 0).all()  # sorted by proxy reward


def test_bad_inputs():
    with pytest.raises(SpecError, match="run directories with logs and/or --sample"):
        train_proxy("archgym/Synthetic-v0")
    with pytest.raises(SpecError, match=r"sampling: got 'sobol'; allowed: \['uniform', 'lhs'\]"):
        dataset_from_samples(SyntheticSimulator(), "archgym/Synthetic-v0", 10, "sobol")
    data = dataset_from_samples(SyntheticSimulator(), "archgym/Synthetic-v0", 5)
    with pytest.raises(SpecError, match="too few|need at least"):
        fit_proxy(SyntheticSimulator(), data)


def test_lhs_covers_every_level_evenly():
    data = dataset_from_samples(SyntheticSimulator(), "archgym/Synthetic-v0", 63, "lhs", seed=1)
    # 63 LHS strata over a 21-level parameter put exactly 3 samples on each level
    counts = np.bincount(SyntheticSimulator().space["x_int"].index_of(data.columns["x_int"]), minlength=21)
    assert len(data) == 63 and counts.tolist() == [3] * 21


class WithFeatures(SyntheticSimulator):
    def proxy_features(self, columns):
        return {"area_feature": columns["x_pow2"].astype(float) * columns["x_list"].astype(float)}


def test_simulator_domain_features_are_appended():
    from archgym_lite.proxy import FeatureEncoder

    sim = WithFeatures()
    enc = FeatureEncoder(sim.space, sim)
    assert enc.feature_names[-1] == "area_feature"
    # 5 params: x_int, x_pow2, x_list ordinal (1 each), mode one-hot (3), x_real (1) + 1 derived = 8
    cols = sim.space.columns([{"x_int": 3, "x_pow2": 8, "x_list": 6, "mode": "c", "x_real": 1.0}])
    row = enc.transform(cols)[0]
    assert row.tolist() == [3.0, 3.0, 3.0, 0.0, 0.0, 1.0, 0.0, 48.0]  # indices, one-hot c, log(1)=0, 8*6


def test_metric_subset_and_unknown_metric():
    sim = SyntheticSimulator()
    data = dataset_from_samples(sim, "archgym/Synthetic-v0", 60)
    model = fit_proxy(sim, data, ("extra_trees",), n_estimators=10, metrics=["cost"], settings={"distill": False})
    assert model.metric_names == ("cost",)
    with pytest.raises(SpecError, match=r"cst: unknown metric; allowed: \['cost', 'area_mm2'\]"):
        fit_proxy(sim, data, ("extra_trees",), metrics=["cst"])


def test_eval_on_logs_with_other_env_kwargs_says_which_differ(trained, tmp_path):
    _, path = trained
    run_trial("archgym/Synthetic-v0", "random", 5, out_dir=tmp_path / "logs", env_kwargs={"max_steps": 8})
    with pytest.raises(SpecError) as exc:
        eval_proxy(path, [tmp_path / "logs"])
    msg = str(exc.value)
    assert msg.startswith("run_dirs: no logged evaluations of 'archgym/Synthetic-v0' with env kwargs {}")
    assert msg.endswith("have other env kwargs: max_steps: logged 8, wanted '(unset)'")
