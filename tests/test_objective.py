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
    ({"targets": {"latncy_s": 1}}, "objective.targets.latncy_s: unknown metric; allowed: ['area_mm2', 'energy_pj',"),
    ({"targets": {"latency_s": -1}}, "objective.targets.latency_s.target: must be > 0"),
    ({"targets": {"latency_s": {"target": 1, "weight": -2}}}, "objective.targets.latency_s.weight: must be >= 0"),
    ({"targets": {"latency_s": {"target": "fast"}}}, "objective.targets.latency_s.target: must be a finite number"),
    ({"targets": {}}, "objective.targets: needs at least one metric target"),
    ({"targets": {"latency_s": 1}, "constraints": {"area_mm2": {"maximum": 3}}},
     "objective.constraints.area_mm2: must be {max: number} and/or {min: number}"),
    ({"targets": {"latency_s": 1}, "weights": {}}, "objective.weights: unknown key"),
    ([1, 2], "objective: must be a mapping"),
])
def test_spec_errors_name_the_field(spec, message):
    with pytest.raises(SpecError) as exc:
        Objective.from_spec(spec, METRICS)
    assert message in str(exc.value)
