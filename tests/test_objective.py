"""Objective: hand-worked rewards, constraints, batch == single, spec errors naming the field."""

import math

import numpy as np
import pytest

from archgym_lite import Metric, Objective, SpecError

METRICS = (Metric("latency_s", "s"), Metric("energy_pj", "pJ"), Metric("utilisation", "", lower_is_better=False),
           Metric("area_mm2", "mm^2"))
SPEC = {"targets": {"latency_s": {"target": 1e-3, "weight": 2.0}, "energy_pj": 1e6,
                    "utilisation": {"target": 0.5}},
        "constraints": {"area_mm2": {"max": 10.0}}, "penalty": 4.0}


def test_reward_is_hand_computed():
    obj = Objective.from_spec(SPEC, METRICS)
    m = {"latency_s": 5e-4, "energy_pj": 4e6, "utilisation": 0.25, "area_mm2": 12.0}
    # 2*ln(1e-3/5e-4) + 1*ln(1e6/4e6) + 1*ln(0.25/0.5) - 4 * (12-10)/10
    expected = 2 * math.log(2) - math.log(4) - math.log(2) - 0.8
    assert obj.reward(m) == pytest.approx(expected, abs=1e-12)
    assert not obj.feasible(m)
    assert obj.violation(m) == pytest.approx(0.2)


def test_reward_is_zero_at_targets_and_finite_near_them():
    obj = Objective.from_spec(SPEC, METRICS)
    at = {"latency_s": 1e-3, "energy_pj": 1e6, "utilisation": 0.5, "area_mm2": 1.0}
    assert obj.reward(at) == 0.0
    near = {**at, "latency_s": 1e-3 * (1 + 1e-12)}
    assert abs(obj.reward(near)) < 1e-9  # ArchGym's target/|x-target| would be ~1e12 here


def test_scale_free():
    obj = Objective.from_spec({"targets": {"latency_s": 1.0}}, METRICS)
    obj_ms = Objective.from_spec({"targets": {"latency_s": 1e-3}}, METRICS)
    assert obj.reward({"latency_s": 0.5}) == pytest.approx(obj_ms.reward({"latency_s": 0.5e-3}))


def test_batch_equals_single():
    obj = Objective.from_spec(SPEC, METRICS)
    rng = np.random.default_rng(0)
    table = {"latency_s": rng.uniform(1e-4, 1e-2, 40), "energy_pj": rng.uniform(1e5, 1e7, 40),
             "utilisation": rng.uniform(0.01, 1, 40), "area_mm2": rng.uniform(1, 20, 40)}
    batch = obj.reward_batch(table)
    for i in range(40):
        assert batch[i] == pytest.approx(obj.reward({k: v[i] for k, v in table.items()}), rel=1e-12)


def test_round_trip_spec():
    obj = Objective.from_spec(SPEC, METRICS)
    assert Objective.from_spec(obj.to_spec(), METRICS) == obj


def test_yaml_style_exponent_strings_are_numbers():
    obj = Objective.from_spec({"targets": {"latency_s": "1e-3"}}, METRICS)
    assert obj.targets[0].target == 1e-3


@pytest.mark.parametrize(("spec", "message"), [
    ({"targets": {"latncy_s": 1}}, "objective.targets.latncy_s: unknown metric 'latncy_s'; allowed: {'area_mm2', "
                                   "'energy_pj', 'latency_s', 'utilisation'}. Did you mean 'latency_s'?"),
    ({"targets": {"latency_s": -1}}, "objective.targets.latency_s.target: must be > 0"),
    ({"targets": {"latency_s": {"target": 1, "weight": -2}}}, "objective.targets.latency_s.weight: must be >= 0"),
    ({"targets": {"latency_s": {"target": "fast"}}}, "objective.targets.latency_s.target: must be a finite number"),
    ({"targets": {}}, "objective.targets: needs at least one metric target"),
    ({"targets": {"latency_s": 1}, "constraints": {"area_mm2": {"maximum": 3}}},
     "objective.constraints.area_mm2: must be {max: number} and/or {min: number}"),
    ({"targets": {"latency_s": 1}, "weights": {}}, "objective.weights: unknown key 'weights'; allowed: "
                                                    "{'constraints', 'penalty', 'reference', 'targets', 'trade'}"),
    ({"targets": {"latency_s": 1}, "constraint": {}}, "objective.constraint: unknown key 'constraint'; allowed: "
     "{'constraints', 'penalty', 'reference', 'targets', 'trade'}. Did you mean 'constraints'?"),
    ([1, 2], "objective: must be a mapping"),
])
def test_spec_errors_name_the_field(spec, message):
    with pytest.raises(SpecError) as exc:
        Objective.from_spec(spec, METRICS)
    assert message in str(exc.value)


# --- the multi-objective form -------------------------------------------------------------------------------
TRADE_SPEC = {"targets": {"latency_s": 1e-3, "energy_pj": 1e6, "utilisation": 0.5}, "trade": ["latency_s", "utilisation"],
              "reference": {"latency_s": 4e-3}, "constraints": {"area_mm2": {"max": 10.0}}}


def test_trade_spec_round_trip_and_scalar_reward_unchanged():
    obj = Objective.from_spec(TRADE_SPEC, METRICS)
    assert obj.is_multi_objective and obj.trade_metrics == ("latency_s", "utilisation")
    assert Objective.from_spec(obj.to_spec(), METRICS) == obj
    scalar = Objective.from_spec({k: v for k, v in TRADE_SPEC.items() if k not in ("trade", "reference")}, METRICS)
    m = {"latency_s": 5e-4, "energy_pj": 4e6, "utilisation": 0.25, "area_mm2": 12.0}
    assert obj.reward(m) == scalar.reward(m)  # the logged reward is the scalar form's
    assert not scalar.is_multi_objective and scalar.trade_metrics == ("latency_s", "energy_pj", "utilisation")


def test_gains_are_log_ratios_over_the_reference_point():
    obj = Objective.from_spec(TRADE_SPEC, METRICS)
    # latency: reference 4e-3 given; utilisation (higher is better): no reference, so its target 0.5
    np.testing.assert_allclose(obj.reference_point(), [4e-3, 0.5])
    table = {"latency_s": np.array([1e-3, 8e-3]), "utilisation": np.array([1.0, 0.25]),
             "energy_pj": np.ones(2), "area_mm2": np.array([1.0, 20.0])}
    np.testing.assert_allclose(obj.gains_batch(table), [[math.log(4), math.log(2)], [-math.log(2), -math.log(2)]])


def test_with_reference_takes_the_worse_of_target_and_baseline_loosened_by_two():
    obj = Objective.from_spec({**TRADE_SPEC, "reference": {}}, METRICS)
    baseline = {"latency_s": 2e-3, "utilisation": 0.8, "energy_pj": 1.0, "area_mm2": 1.0}
    ref = dict(obj.with_reference(baseline).reference)
    # latency: worse of 1e-3 (target) and 2e-3 (baseline) is 2e-3, times 2; utilisation: worse of 0.5 and 0.8 is 0.5, / 2
    assert ref == {"latency_s": pytest.approx(4e-3), "utilisation": pytest.approx(0.25)}
    given = Objective.from_spec(TRADE_SPEC, METRICS).with_reference(baseline)
    assert dict(given.reference)["latency_s"] == 4e-3  # a given reference is kept


def test_hypervolume_hand_computed_and_feasible_only():
    from archgym_lite.core.objective import hypervolume

    # staircase (3,1), (2,2), (1,3) above the origin: 3*1 + 2*1 + 1*1 = 6; a dominated point adds nothing
    assert hypervolume([[3, 1], [2, 2], [1, 3], [1, 1]]) == pytest.approx(6.0)
    assert hypervolume([[3, 1], [-1, 5]]) == pytest.approx(3.0)  # a point below the reference adds nothing
    assert hypervolume(np.zeros((0, 2))) == 0.0 and hypervolume([[2.5]]) == 2.5
    # 3-D: two boxes [0,2]x[0,2]x[0,1] and [0,1]x[0,1]x[0,3] overlap in [0,1]^3: 4 + 3 - 1 = 6
    assert hypervolume([[2, 2, 1], [1, 1, 3]]) == pytest.approx(6.0)
    obj = Objective.from_spec({"targets": {"latency_s": 1.0, "energy_pj": 1.0}, "trade": ["latency_s", "energy_pj"],
                               "constraints": {"area_mm2": {"max": 1.0}}}, METRICS)
    table = {"latency_s": np.exp([-2.0, -3.0]), "energy_pj": np.exp([-2.0, -3.0]), "area_mm2": np.array([1.0, 2.0]),
             "utilisation": np.ones(2)}
    assert obj.hypervolume(table) == pytest.approx(4.0)  # the 3x3 box belongs to an infeasible design
    np.testing.assert_allclose(obj.hypervolume_curve(table), [4.0, 4.0])


def test_hypervolume_matches_botorch_in_three_dimensions():
    import torch
    from botorch.utils.multi_objective.hypervolume import Hypervolume

    rng = np.random.default_rng(0)
    for n in (1, 7, 40):
        pts = rng.normal(0.5, 1.0, (n, 3))
        expected = Hypervolume(torch.zeros(3, dtype=torch.double)).compute(torch.as_tensor(pts[(pts > 0).all(1)]))
        from archgym_lite.core.objective import hypervolume

        assert hypervolume(pts) == pytest.approx(float(expected), rel=1e-9, abs=1e-12)


def test_hypervolume_curve_is_the_hypervolume_of_each_prefix():
    obj = Objective.from_spec(TRADE_SPEC, METRICS)
    rng = np.random.default_rng(1)
    table = {"latency_s": rng.uniform(1e-4, 1e-2, 30), "utilisation": rng.uniform(0.05, 1.0, 30),
             "energy_pj": np.ones(30), "area_mm2": rng.uniform(1, 14, 30)}
    curve = obj.hypervolume_curve(table)
    for i in range(30):
        assert curve[i] == pytest.approx(obj.hypervolume({k: v[: i + 1] for k, v in table.items()}))
    assert np.all(np.diff(curve) >= 0) and curve[-1] > 0


@pytest.mark.parametrize(("extra", "message"), [
    ({"trade": ["latency_s"]}, "objective.trade: must be a list of two or more target metrics"),
    ({"trade": "latency_s"}, "objective.trade: must be a list of two or more"),
    ({"trade": ["latency_s", "area_mm2"]}, "objective.trade.area_mm2: not a target metric"),
    ({"trade": ["latency_s", "latency_s"]}, "objective.trade.latency_s: named twice"),
    ({"trade": ["latency_s", "energy_pj"], "reference": {"utilisation": 1.0}},
     "objective.reference.utilisation: not a traded metric; allowed: ['latency_s', 'energy_pj']"),
    ({"trade": ["latency_s", "energy_pj"], "reference": {"latency_s": 0}}, "objective.reference.latency_s: must be > 0"),
    ({"trade": ["latency_s", "energy_pj"], "reference": [1]}, "objective.reference: must be a mapping"),
])
def test_trade_spec_errors_name_the_field(extra, message):
    with pytest.raises(SpecError) as exc:
        Objective.from_spec({"targets": {"latency_s": 1e-3, "energy_pj": 1e6}, **extra}, METRICS)
    assert message in str(exc.value)
