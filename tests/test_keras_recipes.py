"""lrkit.recipes.keras: Keras 3's schedules by their class names, against Keras itself.

Each generated case builds ``keras.optimizers.schedules.<Class>(**kwargs)`` and
``lrkit.create("keras:<Class>", **kwargs)`` from the same arguments and compares them at every
step from 0 to past the decay horizon (strided for long ones), each step given to Keras as a
0-d int64 tensor, as the optimizer gives its ``iterations`` (on a 1-d step tensor Keras's torch
backend rounds some results to float32 even in float64 mode). The backend is the one the root
conftest chose (torch when installed).

Measured, in float64 (``keras.config.set_floatx("float64")``): bit for bit but where torch's
``pow``/``cos`` and NumPy's differ by an ulp, relative 5e-16 at most (RTOL64). In float32,
Keras's default, Keras's values are within RTOL32 of the float64 ones, relative, plus a few
float32 ulps of the largest value (a value near 0 at the end of a cosine). ``CosineDecayRestarts``
with ``t_mul != 1`` takes its cycle index as a rounded ``log`` (lrkit settles it against the
cycles' starts, themselves rounded): a cycle's first step, whose start is a rounding away from
it, can fall in either cycle, one side giving the floor (the cycle before's end), the other the
next peak. Such steps are told apart and counted: at most two per case.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

keras = pytest.importorskip("keras")
pytest.importorskip(keras.backend.backend())

import lrkit  # noqa: E402
from lrkit.recipes.keras import CosineRestarts  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

SCHEDULES = keras.optimizers.schedules
RTOL64 = 1e-15  # measured 5e-16
EPS32 = float(np.finfo(np.float32).eps)
EXAMPLES = 15
MAX_STEPS = 80  # steps per case, spread over the horizon and past it


@pytest.fixture(params=["float64", "float32"])
def floatx(request):
    previous = keras.config.floatx()
    keras.config.set_floatx(request.param)
    try:
        yield request.param
    finally:
        keras.config.set_floatx(previous)


lrs = st.floats(-5, 0).map(lambda e: 10.0**e)
lengths = st.integers(1, 300)


@st.composite
def cosine_decay(draw):
    args = {
        "initial_learning_rate": draw(lrs),
        "decay_steps": draw(lengths),
        "alpha": draw(st.floats(0.0, 1.0)),
    }
    if draw(st.booleans()):
        args |= {"warmup_target": draw(lrs), "warmup_steps": draw(st.integers(0, 100))}
    return args


@st.composite
def cosine_decay_restarts(draw):
    return {
        "initial_learning_rate": draw(lrs),
        "first_decay_steps": draw(st.integers(1, 60)),
        "t_mul": draw(st.sampled_from([1.0, 2.0, 1.5, 3.0, 0.8])),
        "m_mul": draw(st.floats(0.3, 1.0)),
        "alpha": draw(st.floats(0.0, 0.5)),
    }


@st.composite
def decay(draw):
    return {
        "initial_learning_rate": draw(lrs),
        "decay_steps": draw(lengths),
        "decay_rate": draw(st.floats(0.05, 2.0)),
        "staircase": draw(st.booleans()),
    }


@st.composite
def piecewise_constant(draw):
    boundaries = sorted(
        draw(st.lists(st.one_of(st.integers(0, 300), st.floats(0, 300)), min_size=1, max_size=4))
    )
    return {
        "boundaries": boundaries,
        "values": draw(st.lists(lrs, min_size=len(boundaries) + 1, max_size=len(boundaries) + 1)),
    }


@st.composite
def polynomial(draw):
    return {
        "initial_learning_rate": draw(lrs),
        "decay_steps": draw(lengths),
        "end_learning_rate": draw(st.one_of(st.just(0.0001), lrs)),
        "power": draw(st.floats(0.2, 4.0)),
        "cycle": draw(st.booleans()),
    }


FAMILIES = {
    "CosineDecay": cosine_decay(),
    "CosineDecayRestarts": cosine_decay_restarts(),
    "ExponentialDecay": decay(),
    "InverseTimeDecay": decay(),
    "PiecewiseConstantDecay": piecewise_constant(),
    "PolynomialDecay": polynomial(),
}


def horizon(args):
    ends = [args.get(k, 0) for k in ("decay_steps", "warmup_steps")]
    if "boundaries" in args:
        ends.append(max(args["boundaries"]))
    if "first_decay_steps" in args:
        t_mul, first = args["t_mul"], args["first_decay_steps"]
        # Four cycles, or up to just before shrinking ones run out (where Keras gives NaN).
        ends.append(
            4 * first
            if t_mul == 1
            else min(first * (1 - t_mul**4) / (1 - t_mul), 0.999 * first / (1 - t_mul))
        )
    return int(sum(ends[:2]) if "warmup_steps" in args else max(ends))


def steps(args):
    end = horizon(args)
    last = 2 * end + 5 if args.get("t_mul", 1) >= 1 else end
    if last <= MAX_STEPS:
        return np.arange(last + 1)
    return np.unique(
        np.r_[np.arange(4), np.linspace(0, last, MAX_STEPS).round().astype(int), end - 1, end, end + 1]
    )


def keras_values(schedule, counts):
    return np.array([float(schedule(keras.ops.convert_to_tensor(int(c), dtype="int64"))) for c in counts])


def cycle_start(args, t):
    """Whether step ``t`` begins a cycle of CosineDecayRestarts (where the log index may round down)."""
    if "first_decay_steps" not in args or args["t_mul"] == 1:
        return False
    first, t_mul = args["first_decay_steps"], args["t_mul"]
    i = round(math.log(1 - t / first * (1 - t_mul)) / math.log(t_mul))
    return i > 0 and math.isclose(first * (1 - t_mul**i) / (1 - t_mul), t, rel_tol=1e-6)


def phase(args, counts, floatx):
    """The rounding of a restart's local time, ``(f - start) / t_mul ** i``, as a fraction of the peak.

    A difference of two fractions of the first period (``f = t / first``), each rounded, over a
    shrinking period: ulps of ``f``, times ``1 / t_mul ** i``, times the cosine's slope (pi / 2).
    """
    if "first_decay_steps" not in args:
        return 0.0
    eps = np.finfo(floatx).eps
    f = counts / args["first_decay_steps"]
    shrink = 1.0 if args["t_mul"] >= 1 else 1.0 / (1.0 - f * (1.0 - args["t_mul"])).clip(1e-3)
    return 4 * eps * (1.0 + f) * shrink * math.pi / 2


def held(value, floatx):
    """An argument as Keras holds it: a float becomes a ``floatx`` tensor before Keras computes
    or compares with it (a boundary of 1.9999999999999432 is 2.0 in float32, so Keras switches
    after step 2, not at it); integers stay exact."""
    if isinstance(value, list):
        return [held(x, floatx) for x in value]
    if isinstance(value, float):
        return float(np.asarray(value, dtype=floatx))
    return value


def compare(name, args, floatx):
    theirs = keras_values(getattr(SCHEDULES, name)(**args), counts := steps(args))
    mine = lrkit.create(f"keras:{name}", **{k: held(x, floatx) for k, x in args.items()})
    got = mine(counts.astype(np.float64), 0.5)
    np.testing.assert_array_equal(got, mine(counts.astype(np.float64), 3.0))  # absolute
    scale = float(np.abs(theirs).max())
    if floatx == "float64":
        bound = RTOL64 * np.abs(theirs) + 2 * np.finfo(np.float64).eps * scale
    else:
        # float32 arguments and steps, rounded at each operation; a power's exponent carries
        # its rounding into the value in proportion to log(value / initial).
        ratio = np.abs(np.log(np.maximum(np.abs(got), 1e-30) / scale))
        bound = 8 * EPS32 * (1 + ratio) * np.abs(theirs) + 4 * EPS32 * scale
    bad = np.abs(theirs - got) > bound + phase(args, counts, floatx) * scale
    starts = np.array([cycle_start(args, t) for t in counts], dtype=bool)
    # A cycle's first step, which one side puts at the end of the cycle before (its floor).
    floor = args.get("alpha", 0) * args.get("initial_learning_rate", 0)
    ended = np.isclose(theirs, floor, rtol=1e-5, atol=0) | np.isclose(got, floor, rtol=1e-5, atol=0)
    rounded_down = bad & starts & ended
    assert not (bad & ~rounded_down).any(), (
        f"{name}({args}) = {mine!r} in {floatx}: steps {counts[bad].tolist()}, keras {theirs[bad].tolist()}, "
        f"lrkit {got[bad].tolist()}"
    )
    return int(rounded_down.sum())


@pytest.mark.parametrize("name", FAMILIES)
def test_lrkit_gives_keras_values(name, floatx):
    rounded = []

    @settings(max_examples=EXAMPLES, deadline=None)
    @given(FAMILIES[name])
    def check(args):
        rounded.append(compare(name, args, floatx))

    check()
    # Cycle starts that Keras's rounded log puts in the cycle before: rare.
    assert sum(rounded) <= 2 * len(rounded)


def test_every_keras_schedule_has_a_name():
    classes = {
        n
        for n, c in vars(SCHEDULES).items()
        if isinstance(c, type)
        and issubclass(c, SCHEDULES.LearningRateSchedule)
        and c is not SCHEDULES.LearningRateSchedule
    }
    assert classes == {r.name for r in lrkit.config.recipes() if r.source == "keras"} == set(FAMILIES)


def test_registration_and_a_table():
    s = lrkit.create("keras:CosineDecay", initial_learning_rate=0.1, decay_steps=100)
    assert s.length == 100 and s(0, base=7.0) == 0.1
    theirs = SCHEDULES.CosineDecay(0.1, 100)
    keras.config.set_floatx("float64")
    try:
        assert [s(t) for t in (0, 25, 50, 100, 150)] == keras_values(theirs, [0, 25, 50, 100, 150]).tolist()
    finally:
        keras.config.set_floatx("float32")


def test_piecewise_constant_changes_after_each_boundary():
    s = lrkit.create("keras:PiecewiseConstantDecay", boundaries=[3, 5.5], values=[1.0, 0.5, 0.1])
    theirs = SCHEDULES.PiecewiseConstantDecay([3, 5.5], [1.0, 0.5, 0.1])
    assert [s(t) for t in range(8)] == [1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    np.testing.assert_allclose(keras_values(theirs, range(8)), [s(t) for t in range(8)], rtol=EPS32)


def test_polynomial_cycle_jumps_back_up_past_each_horizon():
    s = lrkit.create(
        "keras:PolynomialDecay", initial_learning_rate=1.0, decay_steps=10, end_learning_rate=0.0
    )
    cycled = lrkit.create(
        "keras:PolynomialDecay", initial_learning_rate=1.0, decay_steps=10, end_learning_rate=0.0, cycle=True
    )
    assert [s(t) for t in (0, 10, 11, 20)] == [1.0, 0.0, 0.0, 0.0]
    assert [round(cycled(t), 12) for t in (0, 10, 11, 20, 21)] == [1.0, 0.0, 0.45, 0.0, 0.3]


def test_restarts_with_shrinking_periods_hold_the_floor_at_their_end():
    s = CosineRestarts(first_decay_steps=10, t_mul=0.5, alpha=0.1)  # all periods end by 20
    assert [s(t) for t in (20, 25, 1000)] == [0.1, 0.1, 0.1]
    np.testing.assert_array_equal(s(np.array([20.0, 25.0, 1000.0])), 0.1)
    theirs = SCHEDULES.CosineDecayRestarts(1.0, 10, t_mul=0.5, alpha=0.1)
    assert math.isnan(keras_values(theirs, [25])[0])


# -- configs -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", FAMILIES)
def test_configs_load_as_the_schedule(name):
    @settings(max_examples=5, deadline=None)
    @given(FAMILIES[name])
    def check(args):
        built = lrkit.create(f"keras:{name}", **args)
        schedule = getattr(SCHEDULES, name)(**args)
        serialized = json.loads(json.dumps(SCHEDULES.serialize(schedule)))
        assert lrkit.load(serialized) == built
        assert lrkit.load(serialized, format="keras") == built
        assert lrkit.load({"class_name": name, "config": schedule.get_config()}) == built
        # A bare get_config(): its keys (and for two classes with the same keys, its default name).
        assert lrkit.load(json.loads(json.dumps(schedule.get_config()))) == built
        assert lrkit.load(schedule.get_config(), format="keras") == built
        spec = lrkit.config.read(schedule.get_config())
        assert (spec.format, spec.unit, spec.length) == ("keras", "update", built.length)
        assert lrkit.from_dict(json.loads(json.dumps(built.to_dict()))) == built
        # And the class Keras rebuilds from that config is the same schedule.
        rebuilt = SCHEDULES.deserialize(serialized)
        assert lrkit.load(SCHEDULES.serialize(rebuilt)) == built

    check()


def test_bare_configs_that_fit_two_classes_need_their_name():
    config = {"initial_learning_rate": 0.1, "decay_steps": 10, "decay_rate": 0.5, "staircase": False}
    with pytest.raises(
        ValueError, match="fits ExponentialDecay, InverseTimeDecay; say which with 'class_name'"
    ):
        lrkit.load(config)
    assert lrkit.load({**config, "name": "InverseTimeDecay"}) == lrkit.create(
        "keras:InverseTimeDecay", **config
    )
    with pytest.raises(ValueError, match="fits CosineDecay, PolynomialDecay"):
        lrkit.load({"initial_learning_rate": 0.1, "decay_steps": 10}, format="keras")
    with pytest.raises(ValueError, match="fits no Keras schedule"):
        lrkit.load({"initial_learning_rate": 0.1, "first_decay_steps": 10, "power": 2.0}, format="keras")


def test_the_format_claims_only_keras_blocks():
    from lrkit.recipes.keras import _detect

    assert _detect({"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 5}})
    assert _detect({"boundaries": [1], "values": [0.1, 0.01], "name": "PiecewiseConstant"})
    for other in (
        {"type": "cosine", "t_initial": 10},
        {"sched": "keras:CosineDecay"},
        {"format": "timm"},
        [1],
        None,
        {},
    ):
        assert not _detect(other)
    assert _detect({"class_name": object()}) is False  # never raises


@pytest.mark.parametrize(
    ("config", "match"),
    [
        ({"class_name": "Nope", "config": {}}, "no Keras learning-rate schedule"),
        (
            {"class_name": "CosineDecay", "config": {"decay_steps": 5}},
            r"missing key\(s\) \['initial_learning_rate'\]",
        ),
        (
            {
                "class_name": "CosineDecay",
                "config": {"initial_learning_rate": 0.1, "decay_steps": 5, "beta": 1},
            },
            "unknown key",
        ),
        ({"class_name": "CosineDecay", "module": "torch.optim", "config": {}}, "module"),
        (
            {"class_name": "CosineDecay", "config": {"initial_learning_rate": 0.1, "decay_steps": 0}},
            "decay_steps must be > 0",
        ),
    ],
)
def test_bad_configs_say_what_is_wrong(config, match):
    with pytest.raises(ValueError, match=match):
        lrkit.load(config, format="keras")


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "argument"),
    [
        ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 0}, ValueError, "decay_steps"),
        ("CosineDecay", {"initial_learning_rate": 0.1, "decay_steps": 5, "alpha": -0.5}, ValueError, "alpha"),
        (
            "CosineDecay",
            {"initial_learning_rate": 0.1, "decay_steps": 5, "warmup_target": -1},
            ValueError,
            "warmup_target",
        ),
        (
            "CosineDecayRestarts",
            {"initial_learning_rate": 0.1, "first_decay_steps": 0},
            ValueError,
            "first_decay_steps",
        ),
        (
            "CosineDecayRestarts",
            {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 0},
            ValueError,
            "t_mul",
        ),
        (
            "ExponentialDecay",
            {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0},
            ValueError,
            "decay_rate",
        ),
        (
            "InverseTimeDecay",
            {"initial_learning_rate": "0.1", "decay_steps": 5, "decay_rate": 1},
            TypeError,
            "initial_learning_rate",
        ),
        ("PiecewiseConstantDecay", {"boundaries": [1, 2], "values": [0.1, 0.2]}, ValueError, "boundaries"),
        (
            "PiecewiseConstantDecay",
            {"boundaries": [2, 1], "values": [0.1, 0.2, 0.3]},
            ValueError,
            "boundaries",
        ),
        ("PiecewiseConstantDecay", {"boundaries": [1], "values": [0.1, -0.2]}, ValueError, r"values\[1\]"),
        (
            "PolynomialDecay",
            {"initial_learning_rate": 0.1, "decay_steps": 5, "power": 0},
            ValueError,
            "power",
        ),
        (
            "PolynomialDecay",
            {"initial_learning_rate": 0.1, "decay_steps": 5, "cycle": "yes"},
            TypeError,
            "cycle",
        ),
    ],
)
def test_bad_arguments_are_refused_by_name(name, kwargs, error, argument):
    with pytest.raises(error, match=rf"^{argument}"):
        lrkit.create(f"keras:{name}", **kwargs)
