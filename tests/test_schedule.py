"""The Schedule type: evaluation on every input kind, serialization, equality, repr."""

import dataclasses
import json
import math

import numpy as np
import pytest

import lrkit
from conftest import SCHEDULES, TIMES

INT_TIMES = tuple(t for t in TIMES if t == int(t))


def rel_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300), initial=0.0))


def walk(schedule):
    return (visit.node for visit in lrkit.tree.walk(schedule))


def test_shared_list_covers_every_registered_type():
    # A new shape or combinator must be added to conftest.SCHEDULES to get the checks below.
    used = {type(s).name for schedule in SCHEDULES.values() for s in walk(schedule)}
    core = {
        name
        for name, cls in lrkit.registered().items()
        if cls.__module__ in ("lrkit.schedule", "lrkit.shapes", "lrkit.combinators")
    }
    assert core - used == set()
    # The recipes' nodes too, but timm's noise, which needs torch to draw (tests/test_timm.py).
    framework = {name for name in lrkit.registered() if ":" in name} - {"timm:noise"}
    assert framework - used == set()
    assert {"cosine", "one_cycle", "warmup", "cycles", "noise", "scale"} <= core


# -- the same values on every kind of input ----------------------------------------------------


def test_same_values_on_every_input_kind(any_schedule):
    s = any_schedule
    on_floats = [s(float(t), base=0.3) for t in TIMES]
    assert all(type(v) is float and math.isfinite(v) for v in on_floats)
    on_ints = [s(int(t), base=0.3) for t in INT_TIMES]
    assert all(type(v) is float for v in on_ints)

    np_float = s(np.array(TIMES, dtype=np.float64), base=0.3)
    np_int = s(np.array(INT_TIMES, dtype=np.int64), base=0.3)
    assert isinstance(np_float, np.ndarray) and np_float.dtype == np.float64
    assert isinstance(np_int, np.ndarray) and np_int.dtype == np.float64

    assert rel_diff(np_float, on_floats) <= 1e-12
    assert rel_diff(on_ints, [s(float(t), base=0.3) for t in INT_TIMES]) <= 1e-12
    assert rel_diff(np_int, on_ints) <= 1e-12


def test_numpy_scalars_behave_as_python_numbers(any_schedule):
    for t in (np.float64(2.5), np.int64(3), np.float32(0.5)):
        value = any_schedule(t, base=0.3)
        assert type(value) is float
        assert value == pytest.approx(any_schedule(float(t), base=0.3), rel=1e-12)


def test_float32_stays_float32(any_schedule):
    t = np.array([0.0, 1.5, 4.0], dtype=np.float32)
    assert any_schedule(t).dtype == np.float32


def test_zero_dimensional_arrays(any_schedule):
    expected = any_schedule(3.5, base=0.3)
    on_numpy = any_schedule(np.asarray(3.5), base=0.3)
    # NumPy hands back a 0-d result as a NumPy scalar (np.float64), as its own ufuncs do.
    assert isinstance(on_numpy, (np.ndarray, np.generic)) and on_numpy.shape == ()
    assert on_numpy.dtype == np.float64
    assert float(on_numpy) == pytest.approx(expected, rel=1e-12)


# Bases of every kind on NumPy times; torch times, and a torch base: tests/test_on_torch.py.
@pytest.mark.parametrize(
    "base",
    [[0.1, 0.5, 2.0], (0.1, 0.5, 2.0), np.array([0.1, 0.5, 2.0])],
    ids=["list", "tuple", "numpy"],
)
def test_base_broadcasts_against_a_column_of_times(any_schedule, base):
    t = np.array(TIMES, dtype=np.float64)[:, None]
    result = any_schedule(t, base=base)
    assert isinstance(result, np.ndarray)
    assert tuple(result.shape) == (len(TIMES), 3)
    result = np.asarray(result)
    for column, b in enumerate([0.1, 0.5, 2.0]):
        assert rel_diff(result[:, column], [any_schedule(float(x), base=b) for x in TIMES]) <= 1e-12


def test_scalar_time_with_array_base():
    s = lrkit.cosine(t_initial=10)
    on_list = s(5.0, base=[0.1, 0.2])
    assert isinstance(on_list, np.ndarray) and on_list.tolist() == pytest.approx([0.05, 0.1], rel=1e-12)


def test_sample():
    s = lrkit.step(decay_t=2, decay_rate=0.5)
    one = lrkit.sample(s, 5, base=0.1)
    assert isinstance(one, np.ndarray) and one.dtype == np.float64 and one.shape == (5,)
    assert one.tolist() == [s(t, base=0.1) for t in range(5)]
    groups = lrkit.sample(s, 7, base=[0.1, 0.2, 0.4])
    assert groups.shape == (7, 3)
    assert groups[:, 2].tolist() == [s(t, base=0.4) for t in range(7)]
    assert lrkit.sample(s, 0).shape == (0,)
    assert lrkit.sample(s, np.int64(3)).shape == (3,)


def test_sample_every_schedule(any_schedule):
    values = lrkit.sample(any_schedule, 40, base=0.2)
    assert values.shape == (40,)
    assert rel_diff(values, [any_schedule(t, base=0.2) for t in range(40)]) <= 1e-12


# -- invalid times -----------------------------------------------------------------------------

BAD_TIMES = [-1, -0.5, -1e-300, math.nan, math.inf, -math.inf]


@pytest.mark.parametrize("t", BAD_TIMES)
def test_bad_scalar_time_raises(any_schedule, t):
    with pytest.raises(ValueError, match="t must be"):
        any_schedule(t)
    with pytest.raises(ValueError, match="t must be"):
        any_schedule(np.float64(t))
    with pytest.raises(ValueError, match="t must be"):
        any_schedule(t, base=[0.1, 0.2])


@pytest.mark.parametrize("t", BAD_TIMES)
def test_bad_array_time_raises(any_schedule, t):
    with pytest.raises(ValueError, match="t must be"):
        any_schedule(np.array([0.0, 1.0, t]))
    with pytest.raises(ValueError, match="t must be"):
        any_schedule(np.asarray(t))


def test_a_bad_array_time_is_named_with_its_place():
    s = lrkit.cosine(t_initial=10)
    with pytest.raises(ValueError, match=r"everywhere; t\[2\] is -1\.0$"):
        s(np.array([0.0, 1.0, -1.0]))
    with pytest.raises(ValueError, match=r"t\[1, 0\] is nan \(and 2 more of its 6 values\)$"):
        s(np.array([[0.0, 1.0], [math.nan, 2.0], [math.inf, -3.0]]))
    with pytest.raises(ValueError, match=r"t\[0\] is inf$"):
        s(np.array([math.inf]), base=[0.1, 0.2])


def test_negative_integer_arrays_raise():
    with pytest.raises(ValueError):
        lrkit.cosine(t_initial=10)(np.array([3, -1]))
    with pytest.raises(ValueError):
        lrkit.cosine(t_initial=10)(np.int64(-2))


@pytest.mark.parametrize(
    "t",
    [True, False, np.True_, np.array([True, False])],
    ids=["True", "False", "np.True_", "numpy"],
)
def test_bool_time_raises_type_error(any_schedule, t):
    with pytest.raises(TypeError, match="t must be"):
        any_schedule(t)


@pytest.mark.parametrize("t", ["3", None, [1.0, 2.0], 1 + 2j])
def test_non_numeric_time_raises_type_error(t):
    with pytest.raises(TypeError, match="t must be"):
        lrkit.cosine(t_initial=10)(t)


@pytest.mark.parametrize("base", ["0.1", None, True, {"lr": 0.1}])
def test_bad_base_raises_type_error(base):
    with pytest.raises(TypeError, match="base must be"):
        lrkit.cosine(t_initial=10)(3.0, base=base)


# -- serialization -----------------------------------------------------------------------------


def test_dict_round_trip(serializable_schedule):
    s = serializable_schedule
    data = s.to_dict()
    text = json.dumps(data)  # plain JSON data: no default= hook needed
    again = lrkit.from_dict(json.loads(text))
    assert again == s
    assert hash(again) == hash(s)
    assert type(again) is type(s)
    assert again.to_dict() == data
    t = np.array(TIMES)
    assert again(t, base=0.3).tolist() == s(t, base=0.3).tolist()


def test_to_dict_layout():
    s = lrkit.warmup(lrkit.multistep([2, 4]), warmup_t=1)
    data = s.to_dict()
    # Every field is written, defaults included, so a saved config does not change meaning.
    assert set(data) == {"type"} | {f.name for f in dataclasses.fields(s)}
    assert data["type"] == "warmup"
    assert [data[k] for k in ("warmup_t", "warmup_lr_init", "prefix")] == [1, 0.0, False]
    inner = data["schedule"]
    assert inner["type"] == "multistep"
    assert inner["milestones"] == [2, 4] and type(inner["milestones"]) is list
    assert inner["decay_rate"] == 0.1


def test_from_dict_fills_defaults_and_accepts_lists():
    assert lrkit.from_dict({"type": "cosine", "t_initial": 10}) == lrkit.cosine(t_initial=10)
    s = lrkit.from_dict({"type": "piecewise_linear", "points": [[0, 1.0], [5, 0.5]]})
    assert s.points == ((0, 1.0), (5, 0.5))


@pytest.mark.parametrize(
    "schedule",
    [
        lrkit.from_callable(math.exp),
        lrkit.warmup(lrkit.from_callable(math.exp), warmup_t=2),
        lrkit.sequence([lrkit.constant(), lrkit.from_callable(math.exp)], boundaries=[3]),
    ],
    ids=["bare", "in_warmup", "in_sequence"],
)
def test_from_callable_cannot_be_serialized(schedule):
    with pytest.raises(TypeError, match=r"from_callable\(math\.exp\) wraps a Python callable and cannot be"):
        schedule.to_dict()


def test_wsd_with_a_callable_decay_cannot_be_serialized():
    with pytest.raises(TypeError, match=r"holds a Python callable \(decay_fn\) and cannot be serialized"):
        lrkit.wsd(t_initial=10, decay_t=4, decay_fn=math.sqrt).to_dict()


def test_from_dict_unknown_type_lists_known_ones():
    with pytest.raises(ValueError, match="unknown schedule type 'cosinus'") as info:
        lrkit.from_dict({"type": "cosinus", "t_initial": 10})
    for name in ("cosine", "one_cycle", "warmup", "wsd", "piecewise_linear"):
        assert name in str(info.value)


def test_from_dict_unknown_key_is_named():
    with pytest.raises(ValueError, match="cosine: unknown key 'lr_max'") as info:
        lrkit.from_dict({"type": "cosine", "t_initial": 10, "lr_max": 0.1})
    assert "lr_min" in str(info.value)
    with pytest.raises(ValueError, match="unknown key 'power'"):
        inner = {"type": "cosine", "t_initial": 1, "power": 2}
        lrkit.from_dict({"type": "warmup", "warmup_t": 1, "schedule": inner})


def test_from_dict_missing_type():
    with pytest.raises(ValueError, match="needs a 'type' key") as info:
        lrkit.from_dict({"t_initial": 10})
    assert "t_initial" in str(info.value)


def test_from_dict_needs_a_mapping():
    with pytest.raises(TypeError, match="must be a mapping"):
        lrkit.from_dict([("type", "cosine")])


def test_from_dict_checks_values():
    with pytest.raises(ValueError, match="t_initial"):
        lrkit.from_dict({"type": "cosine", "t_initial": -1})
    with pytest.raises(TypeError, match="t_initial"):
        lrkit.from_dict({"type": "cosine"})


# -- value semantics ---------------------------------------------------------------------------


def test_immutable(any_schedule):
    field = dataclasses.fields(any_schedule)[0].name
    before = getattr(any_schedule, field)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(any_schedule, field, 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        any_schedule.some_new_attribute = 1
    assert getattr(any_schedule, field) is before


def test_equal_and_hash_by_value():
    def build(t_initial=10, lr_min=0.01):
        pieces = [lrkit.cosine(t_initial=t_initial, lr_min=lr_min), lrkit.constant(0.1)]
        return lrkit.warmup(lrkit.sequence(pieces, [t_initial]), warmup_t=2)

    a, b = build(), build()
    assert a is not b
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    assert build(t_initial=10.0) == a  # 10 and 10.0 are the same length
    assert build(lr_min=0.02) != a
    assert build(t_initial=11) != a
    assert lrkit.cosine(t_initial=10) != lrkit.poly(t_initial=10, power=1.0)
    assert lrkit.multistep([2, 4]) == lrkit.multistep((2, 4)) == lrkit.multistep(np.array([2, 4]).tolist())
    assert lrkit.cosine(t_initial=10) != "cosine(t_initial=10)"


def test_every_schedule_hashes_and_equals_itself(any_schedule):
    assert any_schedule == any_schedule
    assert {any_schedule: 1}[any_schedule] == 1


def test_repr_evaluates_back(serializable_schedule):
    text = repr(serializable_schedule)
    # Framework nodes print as their classes (CurveWarmup(...)), lrkit's as its factories.
    nodes = {cls.__name__: cls for name, cls in lrkit.registered().items() if ":" in name}
    assert eval(text, {**vars(lrkit), **nodes}) == serializable_schedule


def test_repr_reads_as_written():
    assert repr(lrkit.cosine(t_initial=10)) == "cosine(t_initial=10)"
    assert repr(lrkit.cosine(t_initial=10, lr_min=0.0)) == "cosine(t_initial=10)"
    assert repr(0.5 * lrkit.constant()) == "0.5 * constant()"
    assert repr(lrkit.multistep([2, 4], decay_rate=0.5)) == "multistep((2, 4), decay_rate=0.5)"
    assert repr(lrkit.warmup(lrkit.constant(), warmup_t=3)) == "warmup(constant(), warmup_t=3)"


def test_repr_of_from_callable_names_the_function():
    assert repr(lrkit.from_callable(math.exp)) == "from_callable(math.exp)"
    assert repr(lrkit.from_callable(np.sqrt, vectorized=True)) == "from_callable(numpy.sqrt, vectorized=True)"
