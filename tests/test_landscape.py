"""CoordinateDescent (archgym_lite.report.landscape) on hand-worked reward tables."""

import pytest

from archgym_lite.core.space import CategoricalParam, DesignSpace, IntParam
from archgym_lite.report.landscape import CoordinateDescent


def test_separable_reward_reaches_the_global_optimum_and_caches():
    space = DesignSpace([IntParam("x", 0, 4), IntParam("y", 0, 2)])
    calls = []

    def reward(d):
        calls.append((d["x"], d["y"]))
        return -((d["x"] - 3) ** 2) - (d["y"] - 1) ** 2

    cd = CoordinateDescent(space, reward)
    design, r = cd.climb({"x": 0, "y": 0})
    assert design == {"x": 3, "y": 1} and r == 0.0
    # Hand-traced: x levels 1..4 from (0,0) -> x=3 (x=4 is worse); y levels 1,2 from (3,0) -> y=1;
    # second sweep finds nothing better. Every design is simulated once: 5x3 = 15 designs at most.
    assert len(calls) == len(set(calls)) <= 15
    n = len(calls)
    assert cd.climb({"x": 0, "y": 0}) == (design, r) and len(calls) == n  # all cached


def test_stops_at_a_local_optimum_under_one_parameter_moves():
    # a and b must change together to reach 10; any single change from (p, p) loses.
    table = {("p", "p"): 5.0, ("p", "q"): 0.0, ("q", "p"): 0.0, ("q", "q"): 10.0}
    space = DesignSpace([CategoricalParam("a", ["p", "q"]), CategoricalParam("b", ["p", "q"])])
    cd = CoordinateDescent(space, lambda d: table[(d["a"], d["b"])])
    assert cd.climb({"a": "p", "b": "p"}) == ({"a": "p", "b": "p"}, 5.0)
    # From (q, p) the first parameter moves first: a -> p gives 5 > 0, then stuck at (p, p).
    assert cd.climb({"a": "q", "b": "p"}) == ({"a": "p", "b": "p"}, 5.0)
    # From (p, q): a -> q gives 10.
    assert cd.best([{"a": "p", "b": "p"}, {"a": "p", "b": "q"}]) == ({"a": "q", "b": "q"}, 10.0)
    with pytest.raises(ValueError, match="at least one"):
        cd.best([])
