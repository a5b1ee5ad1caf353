"""Every factory rejects bad input with a message naming the argument and the value."""

import json
import math

import numpy as np
import pytest

import lrkit
from lrkit import checks as v

cos10 = lrkit.cosine(t_initial=10)

# (id, build, exception, fragments the message must hold: the argument, then the value)
CASES = [
    # negative or zero lengths
    ("cosine_t_initial_negative", lambda: lrkit.cosine(t_initial=-1), ValueError, ["t_initial", "-1"]),
    ("cosine_t_initial_zero", lambda: lrkit.cosine(t_initial=0), ValueError, ["t_initial", "0"]),
    ("linear_t_initial", lambda: lrkit.linear(t_initial=-5), ValueError, ["t_initial", "-5"]),
    ("tanh_t_initial", lambda: lrkit.tanh(t_initial=-2.5), ValueError, ["t_initial", "-2.5"]),
    ("poly_t_initial", lambda: lrkit.poly(t_initial=-1, power=1), ValueError, ["t_initial", "-1"]),
    ("wsd_t_initial", lambda: lrkit.wsd(t_initial=-10, decay_t=1), ValueError, ["t_initial", "-10"]),
    ("wsd_decay_t", lambda: lrkit.wsd(t_initial=10, decay_t=-1), ValueError, ["decay_t", "-1"]),
    ("wsd_decay_t_too_long", lambda: lrkit.wsd(t_initial=10, decay_t=11), ValueError, ["decay_t", "11"]),
    ("wsd_warmup_t", lambda: lrkit.wsd(t_initial=10, decay_t=2, warmup_t=-1), ValueError, ["warmup_t", "-1"]),
    ("step_decay_t", lambda: lrkit.step(decay_t=-3), ValueError, ["decay_t", "-3"]),
    ("step_decay_t_zero", lambda: lrkit.step(decay_t=0), ValueError, ["decay_t", "0"]),
    ("one_cycle_total_t", lambda: lrkit.one_cycle(total_t=-100), ValueError, ["total_t", "-100"]),
    ("rsqrt_timescale", lambda: lrkit.rsqrt(timescale=0), ValueError, ["timescale", "0"]),
    (
        "cyclic_step_size_up",
        lambda: lrkit.cyclic(max_lr=1, step_size_up=-2),
        ValueError,
        ["step_size_up", "-2"],
    ),
    (
        "cyclic_step_size_down",
        lambda: lrkit.cyclic(max_lr=1, step_size_down=0),
        ValueError,
        ["step_size_down", "0"],
    ),
    ("warmup_t", lambda: lrkit.warmup(cos10, warmup_t=-1), ValueError, ["warmup_t", "-1"]),
    ("cycles_t_initial", lambda: lrkit.cycles(cos10, t_initial=-4), ValueError, ["t_initial", "-4"]),
    ("sequence_boundary", lambda: lrkit.sequence([cos10, cos10], [0]), ValueError, ["boundaries[0]", "0"]),
    ("noise_range_start", lambda: lrkit.noise(cos10, range_t=-1), ValueError, ["range_t", "-1"]),
    ("milestone_negative", lambda: lrkit.multistep([-1, 2]), ValueError, ["milestones[0]", "-1"]),
    ("points_t_negative", lambda: lrkit.piecewise_linear([(-1, 0.5)]), ValueError, ["points[0][0]", "-1"]),
    # lr_min and other targets below 0
    ("cosine_lr_min", lambda: lrkit.cosine(t_initial=10, lr_min=-0.1), ValueError, ["lr_min", "-0.1"]),
    ("tanh_lr_min", lambda: lrkit.tanh(t_initial=10, lr_min=-1e-6), ValueError, ["lr_min", "-1e-06"]),
    ("poly_lr_min", lambda: lrkit.poly(t_initial=10, power=1, lr_min=-2), ValueError, ["lr_min", "-2"]),
    ("wsd_lr_min", lambda: lrkit.wsd(t_initial=10, decay_t=2, lr_min=-0.5), ValueError, ["lr_min", "-0.5"]),
    ("cyclic_max_lr", lambda: lrkit.cyclic(max_lr=-1), ValueError, ["max_lr", "-1"]),
    ("constant_factor", lambda: lrkit.constant(factor=-0.5), ValueError, ["factor", "-0.5"]),
    ("linear_start", lambda: lrkit.linear(t_initial=4, start_factor=-1), ValueError, ["start_factor", "-1"]),
    ("linear_end", lambda: lrkit.linear(t_initial=4, end_factor=-0.1), ValueError, ["end_factor", "-0.1"]),
    (
        "warmup_lr_init",
        lambda: lrkit.warmup(cos10, 2, warmup_lr_init=-1),
        ValueError,
        ["warmup_lr_init", "-1"],
    ),
    # decay rates <= 0
    ("step_rate_zero", lambda: lrkit.step(decay_t=2, decay_rate=0), ValueError, ["decay_rate", "0"]),
    (
        "step_rate_negative",
        lambda: lrkit.step(decay_t=2, decay_rate=-0.5),
        ValueError,
        ["decay_rate", "-0.5"],
    ),
    ("multistep_rate", lambda: lrkit.multistep([1], decay_rate=0.0), ValueError, ["decay_rate", "0.0"]),
    ("exponential_gamma", lambda: lrkit.exponential(gamma=0), ValueError, ["gamma", "0"]),
    ("exponential_gamma_negative", lambda: lrkit.exponential(gamma=-0.9), ValueError, ["gamma", "-0.9"]),
    ("cyclic_gamma", lambda: lrkit.cyclic(max_lr=1, gamma=0), ValueError, ["gamma", "0"]),
    ("cycles_mul", lambda: lrkit.cycles(cos10, cycle_mul=0), ValueError, ["cycle_mul", "0"]),
    ("cycles_decay", lambda: lrkit.cycles(cos10, cycle_decay=-0.5), ValueError, ["cycle_decay", "-0.5"]),
    ("poly_power", lambda: lrkit.poly(t_initial=10, power=0), ValueError, ["power", "0"]),
    ("cosine_k_decay", lambda: lrkit.cosine(t_initial=10, k_decay=-1), ValueError, ["k_decay", "-1"]),
    ("wsd_decay_ratio_one", lambda: lrkit.wsd(10, 2, decay_ratio=1), ValueError, ["decay_ratio", "1"]),
    ("wsd_decay_ratio_zero", lambda: lrkit.wsd(10, 2, decay_ratio=0), ValueError, ["decay_ratio", "0"]),
    ("noise_pct", lambda: lrkit.noise(cos10, range_t=0, pct=0), ValueError, ["pct", "0"]),
    ("noise_std", lambda: lrkit.noise(cos10, range_t=0, std=-1), ValueError, ["std", "-1"]),
    ("one_cycle_div", lambda: lrkit.one_cycle(total_t=100, div_factor=0), ValueError, ["div_factor", "0"]),
    # order
    ("milestones_unsorted", lambda: lrkit.multistep([5, 2]), ValueError, ["milestones", "[5, 2]"]),
    (
        "points_not_increasing",
        lambda: lrkit.piecewise_linear([(0, 1.0), (5, 0.5), (5, 0.2)]),
        ValueError,
        ["points", "(5, 0.2)"],
    ),
    (
        "boundaries_unsorted",
        lambda: lrkit.sequence([cos10] * 3, [5, 3]),
        ValueError,
        ["boundaries", "[5, 3]"],
    ),
    ("boundaries_count", lambda: lrkit.sequence([cos10] * 3, [5]), ValueError, ["boundaries", "[5]"]),
    ("sequence_empty", lambda: lrkit.sequence([], []), ValueError, ["schedules", "[]"]),
    ("noise_range_order", lambda: lrkit.noise(cos10, range_t=(5, 2)), ValueError, ["range_t", "(5, 2)"]),
    (
        "noise_range_length",
        lambda: lrkit.noise(cos10, range_t=(1, 2, 3)),
        ValueError,
        ["range_t", "(1, 2, 3)"],
    ),
    (
        "clamp_order",
        lambda: lrkit.clamp(cos10, min_value=0.5, max_value=0.1),
        ValueError,
        ["min_value", "0.5"],
    ),
    ("clamp_neither", lambda: lrkit.clamp(cos10), ValueError, ["min_value", "max_value"]),
    ("tanh_lb_eq_ub", lambda: lrkit.tanh(t_initial=10, lb=3, ub=3), ValueError, ["lb", "ub", "3"]),
    ("tanh_lb_gt_ub", lambda: lrkit.tanh(t_initial=10, lb=4.5, ub=-1), ValueError, ["lb=4.5", "ub=-1"]),
    (
        "one_cycle_empty_phase",
        lambda: lrkit.one_cycle(total_t=10, pct_start=0.05),
        ValueError,
        ["pct_start", "0.05", "total_t", "10"],
    ),
    (
        "one_cycle_three_phase_empty",
        lambda: lrkit.one_cycle(total_t=10, pct_start=0.6, three_phase=True),
        ValueError,
        ["pct_start", "0.6"],
    ),
    (
        "one_cycle_pct_start",
        lambda: lrkit.one_cycle(total_t=10, pct_start=1.5),
        ValueError,
        ["pct_start", "1.5"],
    ),
    ("cycle_limit_negative", lambda: lrkit.cycles(cos10, cycle_limit=-2), ValueError, ["cycle_limit", "-2"]),
    (
        "cycles_needs_length",
        lambda: lrkit.cycles(lrkit.exponential(gamma=0.9)),
        ValueError,
        ["t_initial", "exponential(gamma=0.9)"],
    ),
    (
        "wsd_stable_timescale_missing",
        lambda: lrkit.wsd(t_initial=10, decay_t=2, stable_fn="rsqrt"),
        ValueError,
        ["stable_timescale", "None"],
    ),
    # non-finite numbers
    ("t_initial_inf", lambda: lrkit.cosine(t_initial=math.inf), ValueError, ["t_initial", "inf"]),
    ("t_initial_nan", lambda: lrkit.linear(t_initial=math.nan), ValueError, ["t_initial", "nan"]),
    ("lr_min_inf", lambda: lrkit.cosine(t_initial=10, lr_min=math.inf), ValueError, ["lr_min", "inf"]),
    ("decay_t_nan", lambda: lrkit.step(decay_t=math.nan), ValueError, ["decay_t", "nan"]),
    ("gamma_nan", lambda: lrkit.exponential(gamma=np.nan), ValueError, ["gamma", "nan"]),
    ("milestone_inf", lambda: lrkit.multistep([1, math.inf]), ValueError, ["milestones[1]", "inf"]),
    ("factor_nan", lambda: lrkit.scale(cos10, math.nan), ValueError, ["factor", "nan"]),
    ("clamp_inf", lambda: lrkit.clamp(cos10, max_value=math.inf), ValueError, ["max_value", "inf"]),
    ("warmup_t_inf", lambda: lrkit.warmup(cos10, warmup_t=math.inf), ValueError, ["warmup_t", "inf"]),
    ("tanh_lb_inf", lambda: lrkit.tanh(t_initial=10, lb=-math.inf), ValueError, ["lb", "-inf"]),
    (
        "point_factor_nan",
        lambda: lrkit.piecewise_linear([(0, math.nan)]),
        ValueError,
        ["points[0][1]", "nan"],
    ),
    ("noise_range_inf", lambda: lrkit.noise(cos10, range_t=math.inf), ValueError, ["range_t", "inf"]),
    # wrong types: strings, None, bools, non-integers where an integer is needed
    ("t_initial_str", lambda: lrkit.cosine(t_initial="10"), TypeError, ["t_initial", "'10'"]),
    ("t_initial_none", lambda: lrkit.cosine(t_initial=None), TypeError, ["t_initial", "None"]),
    ("t_initial_bool", lambda: lrkit.cosine(t_initial=True), TypeError, ["t_initial", "True"]),
    ("decay_rate_str", lambda: lrkit.step(decay_t=2, decay_rate="0.1"), TypeError, ["decay_rate", "'0.1'"]),
    ("lr_min_none", lambda: lrkit.poly(t_initial=10, power=1, lr_min=None), TypeError, ["lr_min", "None"]),
    ("max_lr_bool", lambda: lrkit.cyclic(max_lr=False), TypeError, ["max_lr", "False"]),
    ("gamma_list", lambda: lrkit.exponential(gamma=[0.9]), TypeError, ["gamma", "[0.9]"]),
    ("gamma_complex", lambda: lrkit.exponential(gamma=0.9j), TypeError, ["gamma", "0.9j"]),
    ("cycle_limit_float", lambda: lrkit.cycles(cos10, cycle_limit=2.5), TypeError, ["cycle_limit", "2.5"]),
    (
        "cycle_limit_float_int",
        lambda: lrkit.cycles(cos10, cycle_limit=2.0),
        TypeError,
        ["cycle_limit", "2.0"],
    ),
    ("cycle_limit_bool", lambda: lrkit.cycles(cos10, cycle_limit=True), TypeError, ["cycle_limit", "True"]),
    ("seed_float", lambda: lrkit.noise(cos10, range_t=0, seed=1.5), TypeError, ["seed", "1.5"]),
    ("seed_str", lambda: lrkit.noise(cos10, range_t=0, seed="42"), TypeError, ["seed", "'42'"]),
    ("milestones_str", lambda: lrkit.multistep("12"), TypeError, ["milestones", "'12'"]),
    ("milestones_number", lambda: lrkit.multistep(5), TypeError, ["milestones", "5"]),
    ("milestone_none", lambda: lrkit.multistep([1, None]), TypeError, ["milestones[1]", "None"]),
    (
        "points_pair",
        lambda: lrkit.piecewise_linear([(0, 1.0, 2.0)]),
        TypeError,
        ["points[0]", "(0, 1.0, 2.0)"],
    ),
    ("points_empty", lambda: lrkit.piecewise_linear([]), TypeError, ["points", "[]"]),
    ("points_str", lambda: lrkit.piecewise_linear([(0, "1")]), TypeError, ["points[0][1]", "'1'"]),
    ("three_phase_int", lambda: lrkit.one_cycle(total_t=100, three_phase=1), TypeError, ["three_phase", "1"]),
    ("prefix_str", lambda: lrkit.warmup(cos10, 2, prefix="yes"), TypeError, ["prefix", "'yes'"]),
    (
        "vectorized_none",
        lambda: lrkit.from_callable(math.exp, vectorized=None),
        TypeError,
        ["vectorized", "None"],
    ),
    ("fn_not_callable", lambda: lrkit.from_callable(0.5), TypeError, ["fn", "0.5"]),
    ("warmup_schedule_str", lambda: lrkit.warmup("cosine", warmup_t=2), TypeError, ["schedule", "'cosine'"]),
    ("cycles_schedule_dict", lambda: lrkit.cycles({"type": "cosine"}), TypeError, ["schedule", "'cosine'"]),
    ("sequence_item", lambda: lrkit.sequence([cos10, None], [2]), TypeError, ["schedules[1]", "None"]),
    (
        "sequence_not_list",
        lambda: lrkit.sequence(cos10, []),
        TypeError,
        ["schedules", "cosine(t_initial=10)"],
    ),
    ("boundaries_str", lambda: lrkit.sequence([cos10], "5"), TypeError, ["boundaries", "'5'"]),
    ("scale_factor_str", lambda: lrkit.scale(cos10, "2"), TypeError, ["factor", "'2'"]),
    ("clamp_schedule", lambda: lrkit.clamp(0.5, min_value=0.1), TypeError, ["schedule", "0.5"]),
    ("sample_n_float", lambda: lrkit.sample(cos10, 2.5), TypeError, ["n", "2.5"]),
    ("sample_n_negative", lambda: lrkit.sample(cos10, -1), ValueError, ["n", "-1"]),
    # bad choice strings: the message lists the options too
    (
        "one_cycle_anneal",
        lambda: lrkit.one_cycle(100, anneal="cosine"),
        ValueError,
        ["anneal", "'cosine'", "'cos'"],
    ),
    ("cyclic_mode", lambda: lrkit.cyclic(1.0, mode="tri"), ValueError, ["mode", "'tri'", "'triangular2'"]),
    (
        "wsd_decay_fn",
        lambda: lrkit.wsd(10, 2, decay_fn="sqrt"),
        ValueError,
        ["decay_fn", "'sqrt'", "'1-sqrt'"],
    ),
    (
        "wsd_stable_fn",
        lambda: lrkit.wsd(10, 2, stable_fn="flat"),
        ValueError,
        ["stable_fn", "'flat'", "'rsqrt'"],
    ),
    (
        "warmup_target_moved",
        lambda: lrkit.warmup(cos10, 2, target="end"),
        TypeError,
        ["target=", "lrkit.recipes.timm.CurveWarmup", "lrkit.recipes.yolov5.FollowWarmup"],
    ),
    (
        "noise_kind",
        lambda: lrkit.noise(cos10, 0, kind="gaussian"),
        ValueError,
        ["kind", "'gaussian'", "'uniform'"],
    ),
    ("noise_kind_none", lambda: lrkit.noise(cos10, 0, kind=None), ValueError, ["kind", "None"]),
    (
        "noise_generator_moved",
        lambda: lrkit.noise(cos10, 0, generator="torch"),
        TypeError,
        ["generator=", "lrkit.recipes.timm.TorchNoise"],
    ),
    (
        "cycles_settle_index_moved",
        lambda: lrkit.cycles(cos10, settle_index=False),
        TypeError,
        ["settle_index=", "lrkit.recipes.timm.FloatCycles"],
    ),
    (
        "cosine_wave_restart_moved",
        lambda: lrkit.cosine_wave(t_initial=3, restart=True),
        TypeError,
        ["restart=", "lrkit.recipes.transformers.HardRestarts"],
    ),
]


@pytest.mark.parametrize(("build", "error", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_rejects_bad_input(build, error, fragments):
    check_rejects(build, error, fragments)


def check_rejects(build, error, fragments):
    """``build()`` raises ``error`` with every fragment (the argument, then the value) in its message."""
    with pytest.raises(error) as info:
        build()
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message


def test_register_noise_generator_says_what_to_write_instead():
    with pytest.raises(TypeError, match=r"subclass of lrkit\.noise overriding _draw.*TorchNoise"):
        lrkit.register_noise_generator("mine", lambda keys, kind, pct, std: keys)


# torch's integers: tests/test_on_torch.py, through the same check_accepts_integer.
@pytest.mark.parametrize(
    "integer", [np.int64(5), np.int32(5), np.uint8(5)], ids=["np.int64", "np.int32", "np.uint8"]
)
def test_accepts_numpy_integers(integer):
    check_accepts_integer(integer)


def check_accepts_integer(integer):
    built = [
        lrkit.cosine(t_initial=integer),
        lrkit.step(decay_t=integer),
        lrkit.multistep(milestones=[1, integer]),
        lrkit.cycles(cos10, cycle_limit=integer),
        lrkit.noise(cos10, range_t=integer, seed=integer),
        lrkit.one_cycle(total_t=integer, pct_start=0.5),
        lrkit.warmup(cos10, warmup_t=integer),
        lrkit.sequence([cos10, cos10], boundaries=[integer]),
        lrkit.piecewise_linear([(0, 1), (integer, 0)]),
    ]
    values = [built[0].t_initial, built[1].decay_t, built[2].milestones[1], built[3].cycle_limit]
    values += [
        built[4].range_t,
        built[4].seed,
        built[6].warmup_t,
        built[7].boundaries[0],
        built[8].points[1][0],
    ]
    # Stored as Python ints, so that reprs and JSON read as written.
    assert all(type(x) is int and x == 5 for x in values)
    assert built[5].total_t == 5
    for s in built:
        json.dumps(s.to_dict())
        assert eval(repr(s), vars(lrkit)) == s
    assert lrkit.cosine(t_initial=integer) == lrkit.cosine(t_initial=5)
    assert lrkit.sample(cos10, integer).shape == (5,)


def test_accepts_numpy_floats():
    # With a torch lr_min: tests/test_on_torch.py.
    s = lrkit.cosine(t_initial=np.float32(2.5), lr_min=np.float32(0.25))
    assert type(s.t_initial) is float and s.t_initial == 2.5
    assert type(s.lr_min) is float and s.lr_min == 0.25


def test_integral_floats_stay_floats():
    assert type(lrkit.cosine(t_initial=10.0).t_initial) is float
    assert type(lrkit.cosine(t_initial=10).t_initial) is int
    assert repr(lrkit.cosine(t_initial=10.0)) == "cosine(t_initial=10.0)"


def test_never_mutates_the_callers_lists():
    milestones = [5, 2.5]
    with pytest.raises(ValueError):
        lrkit.multistep(milestones)
    assert milestones == [5, 2.5]

    milestones = [np.int64(2), 4, 4.5]
    s = lrkit.multistep(milestones)
    assert milestones == [2, 4, 4.5] and type(milestones[0]) is np.int64
    assert s.milestones == (2, 4, 4.5) and type(s.milestones) is tuple
    milestones.append(10)
    assert s.milestones == (2, 4, 4.5)

    points = [[0, 1.0], [10, 0.5]]
    s = lrkit.piecewise_linear(points)
    assert points == [[0, 1.0], [10, 0.5]]
    assert s.points == ((0, 1.0), (10, 0.5))
    assert type(s.points) is tuple and all(type(p) is tuple for p in s.points)
    points[0][1] = 99.0
    assert s(0) == 1.0

    schedules, boundaries = [cos10, lrkit.constant()], [4]
    s = lrkit.sequence(schedules, boundaries)
    assert schedules == [cos10, lrkit.constant()] and boundaries == [4]
    assert type(s.schedules) is tuple and type(s.boundaries) is tuple
    schedules.append(cos10)
    boundaries.append(8)
    assert len(s.schedules) == 2 and s.boundaries == (4,)

    span = [2, 8]
    s = lrkit.noise(cos10, range_t=span)
    assert span == [2, 8] and s.range_t == (2, 8) and type(s.range_t) is tuple


# -- the checks themselves ----------------------------------------------------------------------


def test_integer_check():
    assert v.integer("n", 3) == 3
    assert v.integer("n", np.int64(-3)) == -3
    assert v.integer("n", 3, minimum=3) == 3
    with pytest.raises(ValueError, match="n must be >= 4, got 3"):
        v.integer("n", 3, minimum=4)
    with pytest.raises(TypeError, match=r"n must be an integer, got 3\.0"):
        v.integer("n", 3.0)
    with pytest.raises(TypeError, match="n must be a number, got b'3'"):
        v.integer("n", b"3")


def test_real_check_bounds():
    assert v.real("x", 2) == 2.0 and type(v.real("x", 2)) is float
    assert v.real("x", 0.0, minimum=0.0) == 0.0
    with pytest.raises(ValueError, match=r"x must be > 0.0, got 0.0"):
        v.real("x", 0.0, minimum=0.0, strict_minimum=True)
    assert v.real("x", 1.0, maximum=1.0) == 1.0
    with pytest.raises(ValueError, match=r"x must be <= 1.0, got 1.5"):
        v.real("x", 1.5, maximum=1.0)
    with pytest.raises(ValueError, match=r"x must be < 1.0, got 1.0"):
        v.real("x", 1.0, maximum=1.0, strict_maximum=True)
    with pytest.raises(TypeError, match="x must be a real number, got"):
        v.real("x", object())


def test_real_or_int_keeps_ints():
    assert type(v.real_or_int("x", 3)) is int
    assert type(v.real_or_int("x", 3.0)) is float
    assert type(v.real_or_int("x", np.float64(3.5))) is float


def test_flag_and_choice_checks():
    assert v.flag("f", True) is True
    with pytest.raises(TypeError, match="f must be True or False, got 0"):
        v.flag("f", 0)
    assert v.flag("f", np.False_) is False  # NumPy's bool is a bool, not a truthy value
    with pytest.raises(TypeError, match="f must be True or False, got 'no'"):
        v.flag("f", "no")
    with pytest.raises(TypeError, match="f must be True or False, got array"):
        v.flag("f", np.array([True, False]))
    assert v.choice("c", "a", ("a", "b")) == "a"
    with pytest.raises(ValueError, match="c must be one of 'a', 'b'; got 'A'"):
        v.choice("c", "A", ("a", "b"))


# -- kinds that convert but are mistakes ----------------------------------------------------------


@pytest.mark.parametrize("bad", [np.bool_(True), np.complex128(3 + 4j), 3 + 4j], ids=repr)
def test_a_numpy_bool_or_a_complex_is_no_number(bad):
    with pytest.raises(TypeError, match=r"^t_initial must be a number, got "):
        lrkit.cosine(t_initial=bad)


@pytest.mark.parametrize("t", [np.complex128(3 + 4j), np.array([1 + 2j, 3.0])], ids=["scalar", "array"])
def test_a_complex_time_is_refused_not_truncated(t):
    with pytest.raises(TypeError, match=r"^t must be (a )?real numbers?, got "):
        lrkit.cosine(t_initial=10)(t)


def test_torch_bools_and_complex_are_refused_too():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"^cycle_mul must be a number, got tensor\(True\)"):
        lrkit.cycles(lrkit.cosine(t_initial=10), cycle_mul=torch.tensor(True))
    with pytest.raises(TypeError, match=r"^t must be real numbers, got an array of dtype torch.complex64"):
        lrkit.cosine(t_initial=10)(torch.tensor([1 + 2j]))
    assert lrkit.cosine(t_initial=torch.tensor(10)) == lrkit.cosine(t_initial=10)


def test_a_bare_schedule_is_no_child():
    with pytest.raises(
        TypeError, match=r"^schedule must be an lrkit schedule \(a shape or a combinator\), got Schedule\(\)$"
    ):
        lrkit.warmup(lrkit.Schedule(), warmup_t=2)
