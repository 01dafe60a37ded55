"""Design-space types: validation messages, encodings (property tests), sampling, neighbours, gym spaces."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archgym_lite import (
    CategoricalParam,
    DesignError,
    DesignSpace,
    IntListParam,
    IntParam,
    Pow2Param,
    RealParam,
    SpecError,
)


def make_space() -> DesignSpace:
    return DesignSpace([
        IntParam("n", 2, 10, step=2),               # 2, 4, 6, 8, 10
        Pow2Param("rows", 4, 256, unit="PEs"),      # 4 .. 256: 7 values
        IntListParam("cin", [3, 1, 12, 6]),         # sorted: 1, 3, 6, 12
        CategoricalParam("flow", ["OS", "WS", "IS"]),
        RealParam("bw", 1.0, 64.0, log=True, n_levels=7),
    ])


SPACE = make_space()


def designs():
    return st.fixed_dictionaries({
        "n": st.sampled_from([2, 4, 6, 8, 10]),
        "rows": st.sampled_from([4, 8, 16, 32, 64, 128, 256]),
        "cin": st.sampled_from([1, 3, 6, 12]),
        "flow": st.sampled_from(["OS", "WS", "IS"]),
        "bw": st.floats(1.0, 64.0),
    })


def test_levels_and_size_are_hand_counted():
    assert SPACE["n"].levels == (2, 4, 6, 8, 10)
    assert SPACE["rows"].levels == (4, 8, 16, 32, 64, 128, 256)
    assert SPACE["cin"].levels == (1, 3, 6, 12)
    assert SPACE["bw"].levels[0] == 1.0 and SPACE["bw"].levels[-1] == 64.0
    assert SPACE["bw"].levels[3] == pytest.approx(8.0)  # log grid: 1, 2, 4, 8, 16, 32, 64
    assert math.isinf(SPACE.size)
    assert SPACE.subspace(["n", "rows", "cin", "flow"]).size == 5 * 7 * 4 * 3
    assert list(SPACE.nvec) == [5, 7, 4, 3, 7]


@given(designs())
def test_index_round_trip_for_discrete_params(d):
    decoded = SPACE.decode(SPACE.encode(d))
    for k in ("n", "rows", "cin", "flow"):
        assert decoded[k] == d[k]
    # a real snaps to the nearest log-grid level, within half a grid step (factor sqrt(2) here)
    assert decoded["bw"] / d["bw"] == pytest.approx(1.0, rel=0.42)


@given(designs())
def test_unit_round_trip(d):
    u = SPACE.to_unit(d)
    assert ((u >= 0) & (u <= 1)).all()
    back = SPACE.from_unit(u)
    assert back["bw"] == pytest.approx(d["bw"], rel=1e-9)
    assert {k: back[k] for k in ("n", "rows", "cin", "flow")} == {k: d[k] for k in ("n", "rows", "cin", "flow")}


@given(st.lists(designs(), min_size=1, max_size=20))
@settings(max_examples=30)
def test_batch_encoding_matches_single(ds):
    cols = SPACE.columns(ds)
    mat = SPACE.encode_batch(cols)
    assert mat.shape == (len(ds), 5)
    for row, d in zip(mat, ds, strict=True):
        assert (row == SPACE.encode(d)).all()
    assert SPACE.rows(SPACE.decode_batch(mat))[0] == SPACE.decode(mat[0])


@pytest.mark.parametrize(("name", "value", "fragment"), [
    ("rows", 12, "rows: invalid value 12; allowed: powers of two 4..256"),
    ("n", 3, "n: invalid value 3; allowed: integers 2..10 step 2"),
    ("cin", 2, "cin: invalid value 2; allowed: {1, 3, 6, 12}"),
    ("flow", "RS", "flow: invalid value 'RS'; allowed: {'OS', 'WS', 'IS'}"),
    ("bw", 100.0, "bw: invalid value 100.0; allowed: reals in [1, 64] (log)"),
    ("rows", "8", "rows: invalid value '8'"),
    ("rows", True, "rows: invalid value True"),
    ("bw", float("nan"), "bw: invalid value nan"),
])
def test_validation_error_names_param_value_and_allowed(name, value, fragment):
    d = {**SPACE.default(), name: value}
    with pytest.raises(DesignError) as exc:
        SPACE.validate(d)
    assert fragment in str(exc.value)
    assert exc.value.field == name
    with pytest.raises(DesignError, match=name):
        SPACE.columns({k: np.array([v]) for k, v in d.items()})


@given(st.integers(-1000, 1000))
def test_int_validation_accepts_exactly_the_grid(v):
    ok = 2 <= v <= 10 and v % 2 == 0
    if ok:
        assert SPACE["n"].validate(v) == v
    else:
        with pytest.raises(DesignError):
            SPACE["n"].validate(v)


def test_unknown_and_missing_params():
    with pytest.raises(DesignError, match=r"colz: unknown parameter 'colz'; allowed: \{'n', 'rows', 'cin', 'flow', 'bw'\}"):
        SPACE.validate({**SPACE.default(), "colz": 4})
    with pytest.raises(DesignError, match=r"rowz: unknown parameter 'rowz'; .*\. Did you mean 'rows'\?"):
        SPACE.validate({**SPACE.default(), "rowz": 4})
    d = SPACE.default()
    del d["flow"]
    with pytest.raises(DesignError, match="flow: missing from design"):
        SPACE.validate(d)
    with pytest.raises(DesignError, match="must be a mapping"):
        SPACE.validate([1, 2, 3])


def test_integral_float_is_accepted_and_canonicalised():
    d = SPACE.validate({**SPACE.default(), "rows": 64.0})
    assert d["rows"] == 64 and isinstance(d["rows"], int)


def test_sampling_is_seeded_and_valid():
    a = SPACE.sample_batch(7, 50)
    b = SPACE.sample_batch(7, 50)
    assert a == b
    assert a != SPACE.sample_batch(8, 50)
    for d in a:
        SPACE.validate(d)
    # every categorical value shows up in 50 uniform draws (probability of missing one < 3 * (2/3)^50)
    assert {d["flow"] for d in a} == {"OS", "WS", "IS"}


def test_enumerate_counts_every_design_once():
    sub = SPACE.subspace(["n", "cin", "flow"])
    all_designs = list(sub.enumerate())
    assert len(all_designs) == 5 * 4 * 3
    assert len({tuple(d.values()) for d in all_designs}) == 60
    with pytest.raises(SpecError, match="more than limit"):
        list(SPACE.enumerate())


def test_neighbours_differ_in_one_param_by_one_step():
    d = {"n": 2, "rows": 64, "cin": 6, "flow": "WS", "bw": 8.0}
    nbrs = SPACE.neighbours(d)
    # n at its lower end: 1; rows: 2; cin: 2; flow: 2 others; bw: 2 -> 9
    assert len(nbrs) == 9
    for nb in nbrs:
        assert sum(nb[k] != d[k] for k in d) == 1
    assert {nb["rows"] for nb in nbrs if nb["rows"] != 64} == {32, 128}
    assert {nb["flow"] for nb in nbrs if nb["flow"] != "WS"} == {"OS", "IS"}


def test_gym_spaces_match_the_space():
    md = SPACE.multidiscrete_space(seed=0)
    assert list(md.nvec) == [5, 7, 4, 3, 7]
    SPACE.decode(md.sample())  # any sampled action decodes to a valid design
    dct = SPACE.dict_space()
    assert set(dct.spaces) == set(SPACE.names) and dct.spaces["rows"].n == 7
    box = SPACE.box_space()
    assert box.shape == (5,) and float(box.low.min()) == 0.0 and float(box.high.max()) == 1.0


def test_bad_space_definitions():
    with pytest.raises(SpecError, match="powers of two"):
        Pow2Param("x", 3, 16)
    with pytest.raises(SpecError, match="duplicate"):
        DesignSpace([IntParam("a", 0, 1), IntParam("a", 0, 2)])
    with pytest.raises(SpecError, match="log scale needs low > 0"):
        RealParam("r", 0.0, 1.0, log=True)
    with pytest.raises(SpecError, match="identifier"):
        IntParam("bad name", 0, 1)


def test_signature_changes_with_levels():
    other = DesignSpace([IntParam("n", 2, 12, step=2), *SPACE.params[1:]])
    assert SPACE.signature() == make_space().signature()
    assert SPACE.signature() != other.signature()
