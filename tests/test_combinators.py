"""Combinators against their docstring formulas, with easy numbers."""

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrkit
from lrkit.recipes.timm import CurveWarmup, FloatCycles
from lrkit.recipes.yolov5 import FollowWarmup

FAST = settings(max_examples=200, deadline=None)


def approx(x):
    return pytest.approx(x, rel=1e-12)


# inner(t) = 1 - t / 8 with base 1: every value below is a short binary fraction.
# The warmup that ramps to base is the core's; the two others are timm's and YOLOv5's nodes.
WARMUPS = {"base": lrkit.warmup, "end": CurveWarmup, "follow": FollowWarmup}
INNER = lrkit.linear(t_initial=8, start_factor=1.0, end_factor=0.0)


def inner(t):
    return 1 - min(t, 8) / 8


# -- warmup ------------------------------------------------------------------------------------


def test_warmup_docstring_table():
    s = lrkit.warmup(lrkit.constant(), warmup_t=4, warmup_lr_init=0.0)
    assert [s(t) for t in range(6)] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]


@pytest.mark.parametrize(
    ("target", "prefix", "init", "table"),
    [
        # target "base": ramp init -> base; after it, inner at t (or t - 4 with prefix).
        ("base", False, 0.5, {0: 0.5, 2: 0.75, 3: 0.875, 4: inner(4), 6: inner(6), 20: 0.0}),
        ("base", True, 0.5, {0: 0.5, 2: 0.75, 4: inner(0), 6: inner(2), 10: inner(6), 12: 0.0}),
        # target "end": ramp init -> the inner value where the warmup hands over.
        ("end", False, 0.0, {0: 0.0, 2: 2 * (inner(4) / 4), 4: inner(4), 5: inner(5)}),
        ("end", True, 0.0, {0: 0.0, 2: 2 * (inner(0) / 4), 4: inner(0), 5: inner(1)}),
        ("end", True, 0.25, {1: 0.25 + 1 * ((inner(0) - 0.25) / 4)}),
        # target "follow": ramp init -> the inner value at the same time.
        ("follow", False, 0.0, {0: 0.0, 2: 2 * (inner(2) / 4), 3: 3 * (inner(3) / 4), 4: inner(4)}),
        ("follow", True, 0.0, {2: 2 * (inner(0) / 4), 4: inner(0), 7: inner(3)}),
    ],
)
def test_warmup_targets(target, prefix, init, table):
    s = WARMUPS[target](INNER, warmup_t=4, warmup_lr_init=init, prefix=prefix)
    assert {t: s(t) for t in table} == table


def test_warmup_scales_with_base():
    s = lrkit.warmup(INNER, warmup_t=4, warmup_lr_init=0.5)
    assert s(2, base=3.0) == 0.5 + 2 * ((3.0 - 0.5) / 4)
    assert s(6, base=3.0) == 3.0 * inner(6)


@pytest.mark.parametrize("prefix", [False, True])
@pytest.mark.parametrize("target", ["base", "end", "follow"])
def test_warmup_zero_length_is_the_inner_schedule(prefix, target):
    s = WARMUPS[target](INNER, warmup_t=0, warmup_lr_init=0.3, prefix=prefix)
    assert [s(t, base=2.0) for t in (0, 1, 3.5, 8, 9)] == [INNER(t, base=2.0) for t in (0, 1, 3.5, 8, 9)]


@FAST
@given(
    length=st.floats(0.1, 100),
    frac=st.floats(0, 1),
    t1=st.floats(0, 1),
    t2=st.floats(0, 1),
    base=st.floats(1e-6, 10),
    target=st.sampled_from(["base", "end", "follow"]),
)
def test_warmup_ramp_monotone(length, frac, t1, t2, base, target):
    # Under a constant inner every target is base, so each ramp must rise towards it.
    s = WARMUPS[target](lrkit.constant(), warmup_t=length, warmup_lr_init=frac * base)
    t1, t2 = sorted((t1 * length, t2 * length))
    assert s(t1, base=base) <= s(t2, base=base) <= base * (1 + 1e-12)


@FAST
@given(
    length=st.floats(0.1, 100),
    init=st.floats(0, 1),
    t_initial=st.floats(1, 1e3),
    prefix=st.booleans(),
)
def test_warmup_end_target_continuous(length, init, t_initial, prefix):
    s = CurveWarmup(
        lrkit.cosine(t_initial=t_initial, lr_min=0.01), warmup_t=length, warmup_lr_init=init, prefix=prefix
    )
    dt = 1e-9 * length
    # Left of warmup_t is the ramp, whose slope is at most 1 / warmup_t: it moves by <= 1e-9.
    assert abs(s(length - dt) - s(length)) <= 1e-8


def test_warmup_base_target_jumps():
    # The check above must be able to fail: target="base" into a lower inner value is a jump.
    s = lrkit.warmup(lrkit.constant(0.5), warmup_t=4)
    assert s(4 - 1e-9) - s(4) > 0.4


# -- sequence ----------------------------------------------------------------------------------


def test_sequence_docstring_table():
    s = lrkit.sequence(
        [lrkit.linear(t_initial=2, start_factor=0.0, end_factor=1.0), lrkit.constant(0.5)], boundaries=[2]
    )
    assert [s(t) for t in range(4)] == [0.0, 0.5, 0.5, 0.5]


def test_sequence_local_time():
    s = lrkit.sequence([lrkit.constant(), INNER, lrkit.constant(0.1)], boundaries=[2, 6.5])
    table = {0: 1.0, 1.9: 1.0, 2: inner(0), 3: inner(1), 5: inner(3), 6.25: inner(4.25), 6.5: 0.1, 100: 0.1}
    assert {t: s(t) for t in table} == table
    assert s(4, base=0.5) == 0.5 * inner(2)


def test_sequence_of_one_is_the_schedule():
    s = lrkit.sequence([INNER], boundaries=[])
    assert [s(t) for t in (0, 3, 9)] == [INNER(t) for t in (0, 3, 9)]


# -- cycles ------------------------------------------------------------------------------------


def test_cycles_docstring_table():
    s = lrkit.cycles(lrkit.linear(t_initial=2), cycle_decay=0.5, cycle_limit=2)
    assert [s(t) for t in range(6)] == [1.0, 0.5, 0.5, 0.25, 0.0, 0.0]


def test_cycles_constant_length():
    s = lrkit.cycles(lrkit.linear(t_initial=4, start_factor=1.0, end_factor=0.5), cycle_limit=3)
    table = {0: 1.0, 1: 0.875, 3.5: 0.5625, 4: 1.0, 6: 0.75, 8: 1.0, 11: 0.625, 12: 0.5, 13: 0.5, 1e4: 0.5}
    assert {t: s(t) for t in table} == table


def test_cycles_decay_and_floor():
    shape = lrkit.linear(t_initial=4, start_factor=1.0, end_factor=0.5)
    s = lrkit.cycles(shape, cycle_decay=0.5, cycle_limit=3)
    # Cycle i peaks at base * 0.5 ** i; the floor is linear's floor for the last cycle's peak.
    table = {0: 1.0, 4: 0.5, 5: 0.5 * 0.875, 8: 0.25, 10: 0.25 * 0.75, 12: 0.25 * 0.5, 50: 0.25 * 0.5}
    assert {t: s(t) for t in table} == table


def test_cycles_default_limit_is_one_cycle():
    s = lrkit.cycles(lrkit.linear(t_initial=4))
    assert [s(t) for t in (0, 2, 4, 5, 40)] == [1.0, 0.5, 0.0, 0.0, 0.0]


def test_cycles_growing():
    # Cycles [0, 4), [4, 12), [12, 28), then the floor.
    s = lrkit.cycles(lrkit.linear(t_initial=4), cycle_mul=2, cycle_limit=3)
    table = {0: 1.0, 2: 0.5, 4: 1.0, 8: 0.5, 11: 0.125, 12: 1.0, 20: 0.5, 27: 0.0625, 28: 0.0, 1e3: 0.0}
    assert {t: s(t) for t in table} == table
    assert s.cycle_length() == 28
    assert s.cycle_length(2) == 12


def test_cycles_shrinking():
    # Cycles [0, 8), [8, 12), [12, 14); t past their infinite sum (16) must not break the log.
    s = lrkit.cycles(lrkit.linear(t_initial=8), cycle_mul=0.5, cycle_limit=3)
    table = {0: 1.0, 4: 0.5, 8: 1.0, 10: 0.5, 12: 1.0, 13: 0.5, 14: 0.0, 15.9: 0.0, 16: 0.0, 1e6: 0.0}
    assert {t: s(t) for t in table} == table


@pytest.mark.parametrize("mul", [3, 1.5, 0.7])
def test_cycles_restart_at_every_cycle_start(mul):
    # log(start) / log(mul) lands just below an integer for some starts (cycle 5 with mul=3).
    s = lrkit.cycles(lrkit.linear(t_initial=10), cycle_mul=mul, cycle_limit=8)
    starts = [(1 - mul**k) / (1 - mul) * 10 for k in range(8)]
    assert [s(t) for t in starts] == [1.0] * 8
    assert s(np.array(starts)).tolist() == [1.0] * 8
    for start in starts[1:]:
        # Just before a restart: the end of the previous cycle's line.
        assert s(start - 1e-9 * start) == pytest.approx(0.0, abs=1e-6)


@pytest.mark.parametrize("t", [0, 5, 10, 39.5, 40, 129, 130, 400, 1210, 1211.5, 3630, 4000])
def test_cycles_unsettled_index_is_the_float_log(t):
    # timm's FloatCycles keeps floor(log(...) / log(mul)) exactly as it rounds.
    s = FloatCycles(lrkit.linear(t_initial=10), cycle_mul=3, cycle_limit=6)
    index = math.floor(math.log(1 + t / 10 * 2) / math.log(3))
    length = 3**index * 10
    local = min(max(t - (1 - 3**index) / (1 - 3) * 10, 0.0), length)
    expected = 1.0 + (0.0 - 1.0) * local / length if index < 6 else 0.0
    assert s(t) == approx(expected)


def test_cycles_stretch_a_finite_shape():
    # t_initial overrides the shape's own length; the shape is stretched to it.
    s = lrkit.cycles(lrkit.linear(t_initial=4), t_initial=8, cycle_limit=2)
    assert [s(t) for t in (0, 4, 8, 12, 16)] == [1.0, 0.5, 1.0, 0.5, 0.0]


def test_cycles_cosine():
    s = lrkit.cycles(lrkit.cosine(t_initial=10, lr_min=0.1), cycle_decay=0.5, cycle_limit=2)
    assert s(10) == approx(0.5)
    assert s(15) == approx(0.1 + 0.5 * (0.5 - 0.1) * (1 + math.cos(math.pi * 0.5)))
    # cosine's floor is an absolute lr_min, not scaled by the decay.
    assert s(20) == 0.1
    assert s(200) == 0.1


def test_cycles_non_finite_schedule():
    s = lrkit.cycles(lrkit.exponential(gamma=0.5), t_initial=3, cycle_limit=2)
    assert [s(t) for t in range(8)] == [1.0, 0.5, 0.25, 1.0, 0.5, 0.25, 0.125, 0.125]
    decayed = lrkit.cycles(lrkit.exponential(gamma=0.5), t_initial=3, cycle_decay=0.5, cycle_limit=2)
    # The floor holds the last cycle's end value: its peak 0.5 times gamma ** 3.
    assert [decayed(t) for t in (3, 4, 5, 6, 50)] == [0.5, 0.25, 0.125, 0.0625, 0.0625]


def test_cycles_non_finite_growing():
    s = lrkit.cycles(lrkit.exponential(gamma=0.5), t_initial=2, cycle_mul=2, cycle_limit=2)
    # Cycles [0, 2) and [2, 6); the floor is the second cycle's value at its length, 4.
    assert [s(t) for t in (0, 1, 2, 3, 5, 6, 9)] == [1.0, 0.5, 1.0, 0.5, 0.125, 0.0625, 0.0625]


def test_cycles_length_property():
    assert lrkit.cycles(lrkit.cosine(t_initial=7)).length == 7
    assert lrkit.cycles(lrkit.cosine(t_initial=7), t_initial=3).length == 3
    assert lrkit.cycles(lrkit.cosine(t_initial=7), cycle_limit=4).cycle_length() == 28


def sgdr(t, t_0, t_mult, eta_min, base):
    """torch ``CosineAnnealingWarmRestarts``' bookkeeping, step by step."""
    t_i, t_cur = t_0, t
    while t_cur >= t_i:
        t_cur -= t_i
        t_i *= t_mult
    return eta_min + (base - eta_min) * (1 + math.cos(math.pi * t_cur / t_i)) / 2


def test_cycles_unlimited_exact():
    forever = lrkit.cycles(INNER, cycle_limit=None)
    assert [forever(t) for t in (0, 4, 8, 12, 8 * 1000 + 6)] == [1.0, 0.5, 1.0, 0.5, 0.25]
    # Cycles [0, 8), [8, 24), [24, 56), [56, 120): no floor after any of them.
    growing = lrkit.cycles(INNER, cycle_mul=2, cycle_decay=0.5, cycle_limit=None)
    assert [growing(t) for t in (0, 8, 16, 24, 40, 56, 88)] == [1.0, 0.5, 0.25, 0.25, 0.125, 0.125, 0.0625]


@pytest.mark.parametrize(("t_0", "t_mult"), [(3, 1), (3, 2), (5, 3), (1, 2)])
def test_cycles_unlimited_are_sgdr(t_0, t_mult):
    s = lrkit.cycles(lrkit.cosine(t_initial=t_0, lr_min=0.01), cycle_mul=t_mult, cycle_limit=None)
    for t in range(600):
        assert s(t, base=0.3) == approx(sgdr(t, t_0, t_mult, 0.01, 0.3))


def test_cycles_unlimited_serialize_as_null():
    s = lrkit.cycles(lrkit.cosine(t_initial=3), cycle_mul=2, cycle_limit=None)
    text = json.dumps(s.to_dict())
    assert '"cycle_limit": null' in text
    assert lrkit.from_dict(json.loads(text)) == s
    assert repr(s) == "cycles(cosine(t_initial=3), cycle_mul=2, cycle_limit=None)"


def test_cycles_unlimited_needs_growing_cycles_and_has_no_total_length():
    with pytest.raises(ValueError, match=r"cycle_limit=None.*cycle_mul >= 1.*0\.5"):
        lrkit.cycles(INNER, cycle_mul=0.5, cycle_limit=None)
    s = lrkit.cycles(INNER, cycle_mul=2, cycle_limit=None)
    with pytest.raises(ValueError, match="restarts forever"):
        s.cycle_length()
    assert s.cycle_length(3) == 8 + 16 + 32


# -- noise -------------------------------------------------------------------------------------


def _relative(s, t):
    return s(t) / s.schedule(t) - 1


def test_noise_deterministic_per_time():
    s = lrkit.noise(lrkit.cosine(t_initial=100), range_t=0, pct=0.3, seed=5)
    again = lrkit.noise(lrkit.cosine(t_initial=100), range_t=0, pct=0.3, seed=5)
    values = [s(t) for t in range(50)]
    assert values == [s(t) for t in range(50)] == [again(t) for t in range(50)]
    # np.cos and math.cos may differ in the last bit; the noise itself must be the same.
    assert s(np.arange(50.0)).tolist() == pytest.approx(values, rel=1e-14)


def test_noise_constant_within_a_unit():
    s = lrkit.noise(lrkit.constant(), range_t=0, pct=0.3, seed=5)
    for k in (0, 3, 17):
        assert s(k) == s(k + 0.25) == s(k + 0.999)
        assert s.relative_noise(k) == s.relative_noise(k + 0.5)
    assert len({s(k) for k in range(20)}) == 20  # but redrawn for each unit


@pytest.mark.parametrize("kind", ["normal", "uniform"])
@pytest.mark.parametrize("pct", [0.05, 0.2, 0.67])
def test_noise_bounded_and_relative(kind, pct):
    s = lrkit.noise(lrkit.cosine(t_initial=1000, lr_min=0.01), range_t=0, pct=pct, kind=kind)
    t = np.arange(1000.0)
    noisy, clean = s(t, base=0.3), s.schedule(t, base=0.3)
    relative = noisy / clean - 1
    assert np.all(np.abs(relative) < pct * (1 + 1e-12))
    assert np.all(noisy != clean)
    rel_noise = np.array([s.relative_noise(x) for x in t])
    assert np.allclose(noisy, clean + clean * rel_noise, rtol=1e-15, atol=0)


def test_noise_outside_range_is_the_schedule():
    inner = lrkit.cosine(t_initial=20)
    pair = lrkit.noise(inner, range_t=(2, 5), pct=0.5)
    start = lrkit.noise(inner, range_t=5, pct=0.5)
    for t in (0, 1, 1.99, 5, 6, 19.5, 30):
        assert pair(t) == inner(t)
        assert pair.relative_noise(t) == 0.0
    for t in (2, 3, 4.5):
        assert pair(t) != inner(t)
    for t in (0, 2, 4.99):
        assert start(t) == inner(t)
    for t in (5, 6, 19.5):
        assert start(t) != inner(t)


def test_noise_kinds_and_seeds_differ():
    t = np.arange(64.0)
    normal = lrkit.noise(lrkit.constant(), range_t=0, pct=0.5, seed=1)
    uniform = lrkit.noise(lrkit.constant(), range_t=0, pct=0.5, seed=1, kind="uniform")
    other_seed = lrkit.noise(lrkit.constant(), range_t=0, pct=0.5, seed=2)
    assert not np.any(normal(t) == uniform(t))
    assert not np.any(normal(t) == other_seed(t))


def test_noise_distributions():
    # lrkit's counter-based generator is deterministic, so these moments are fixed numbers:
    # they check that the normal is a normal times std cut at pct and the uniform is uniform.
    keys = np.arange(20_000) * 7919
    gen = lrkit.combinators._counter_noise
    wide = gen(keys, "normal", 50.0, 1.0)
    assert abs(wide.mean()) < 0.03 and 0.97 < wide.std() < 1.03
    narrow = gen(keys, "normal", 0.5, 2.0)  # std 2 cut at 0.5: nearly flat on (-0.5, 0.5)
    assert np.all(np.abs(narrow) < 0.5) and 0.27 < narrow.std() < 0.30
    uniform = gen(keys, "uniform", 0.2, 1.0)
    assert np.all((-0.2 <= uniform) & (uniform < 0.2))
    assert abs(uniform.std() - 0.2 / math.sqrt(3)) < 0.003


@FAST
@given(
    # A normal draw is redrawn until |n| < pct: a small pct / std means many redraws, slowly.
    pct=st.floats(0.01, 0.99),
    std=st.floats(0.01, 2),
    seed=st.integers(-(2**40), 2**40),
    kind=st.sampled_from(["normal", "uniform"]),
    t=st.floats(0, 1e6),
    base=st.floats(1e-6, 10),
)
def test_noise_relative_deviation_below_pct(pct, std, seed, kind, t, base):
    s = lrkit.noise(lrkit.constant(), range_t=0, pct=pct, std=std, seed=seed, kind=kind)
    value = s(t, base=base)
    assert abs(value / base - 1) < pct * (1 + 1e-12)
    assert value == s(t, base=base)


# -- clamp and scale ---------------------------------------------------------------------------


def test_clamp():
    s = lrkit.clamp(lrkit.exponential(gamma=0.5), min_value=0.2)
    assert [s(t) for t in range(4)] == [1.0, 0.5, 0.25, 0.2]
    capped = lrkit.clamp(lrkit.cyclic(max_lr=1.0, step_size_up=2), max_value=0.5)
    assert [capped(t, base=0.0) for t in range(5)] == [0.0, 0.5, 0.5, 0.5, 0.0]
    both = lrkit.clamp(lrkit.linear(t_initial=10), min_value=0.25, max_value=0.75)
    assert [both(t) for t in (0, 2, 5, 8, 10)] == [0.75, 0.75, 0.5, 0.25, 0.25]
    # Bounds are absolute: not scaled by base.
    assert both(5, base=10.0) == 0.75


def test_scale():
    s = lrkit.cosine(t_initial=10)
    for scaled in (0.5 * s, s * 0.5, lrkit.scale(s, 0.5)):
        assert scaled == lrkit.scale(s, factor=0.5)
        for t in (0, 2.5, 7, 20):
            assert scaled(t, base=0.3) == 0.5 * s(t, base=0.3)
    assert (2 * (0.25 * s))(3) == 2 * (0.25 * s(3))
    with pytest.raises(TypeError):
        s * s
    with pytest.raises(TypeError):
        s * True
    with pytest.raises(TypeError):
        s * "2"


# -- multiplier, stairs, shift ---------------------------------------------------------------------


def test_multiplier_reads_absolute_targets_as_fractions():
    inner = lrkit.cosine(t_initial=10, lr_min=0.2)
    s = lrkit.multiplier(inner)
    for t in (0, 3, 7.5, 10, 12):
        assert s(t, base=0.05) == 0.05 * inner(t, 1.0)
    # Unlike the inner schedule at that base, whose floor is the absolute 0.2.
    assert inner(10, base=0.05) == 0.2 and s(10, base=0.05) == 0.05 * 0.2


def test_stairs_holds_each_period():
    inner = lrkit.cosine(t_initial=5)
    s = lrkit.stairs(inner, every=3)
    assert [s(t) for t in range(9)] == [inner(0)] * 3 + [inner(1)] * 3 + [inner(2)] * 3
    assert s(2.999) == inner(0) and s(3.0) == inner(1)


def test_shift_lags_and_leads():
    inner = lrkit.linear(t_initial=4)
    lag = lrkit.shift(inner, by=1)
    assert [lag(t) for t in range(6)] == [inner(0), inner(0), inner(1), inner(2), inner(3), inner(4)]
    lead = lrkit.shift(inner, by=-2)
    assert [lead(t) for t in range(3)] == [inner(2), inner(3), inner(4)]
    assert lrkit.shift(inner, by=0)(1.5) == inner(1.5)


def test_shift_in_a_sequence_restores_global_time():
    inner = lrkit.exponential(gamma=0.5)
    s = lrkit.sequence([lrkit.constant(), lrkit.shift(inner, by=-3)], boundaries=[3])
    assert [s(t) for t in range(6)] == [1.0, 1.0, 1.0, inner(3), inner(4), inner(5)]


@pytest.mark.parametrize("bad", [0, -1, float("nan")])
def test_stairs_needs_a_positive_period(bad):
    with pytest.raises(ValueError, match="every"):
        lrkit.stairs(lrkit.constant(), every=bad)


# -- product, rebase ----------------------------------------------------------------------------


def test_product_exact():
    # base 4 times 0.5 ** (t // 2) times 1 - t / 8.
    s = lrkit.product([lrkit.step(decay_t=2, decay_rate=0.5), INNER])
    assert [s(t, base=4.0) for t in range(0, 10, 2)] == [4.0, 1.5, 0.5, 0.125, 0.0]
    assert s(np.arange(0.0, 10.0, 2.0), base=4.0).tolist() == [4.0, 1.5, 0.5, 0.125, 0.0]


@pytest.mark.parametrize("t", [0, 1, 2.5, 7, 9.99, 30])
def test_product_formula(t):
    parts = [lrkit.exponential(gamma=0.9), lrkit.cosine(t_initial=10, lr_min=0.2), INNER]
    expected = 0.3 * 0.9**t * (0.2 + 0.5 * (1 - 0.2) * (1 + math.cos(math.pi * min(t, 10) / 10))) * inner(t)
    assert lrkit.product(parts)(t, base=0.3) == approx(expected)


def test_product_reads_each_factor_on_base_one():
    # Absolute targets (lr_min) become fractions, as in multiplier: one factor is a multiplier.
    shape = lrkit.cosine(t_initial=10, lr_min=0.5)
    for t in (0, 3, 10, 12):
        assert lrkit.product([shape])(t, base=0.2) == lrkit.multiplier(shape)(t, base=0.2)
    assert lrkit.product([shape])(10, base=0.2) == 0.1


def test_product_arguments():
    with pytest.raises(ValueError, match=r"schedules.*at least one"):
        lrkit.product([])
    with pytest.raises(TypeError, match=r"schedules\[1\].*0.5"):
        lrkit.product([INNER, 0.5])
    with pytest.raises(TypeError, match="schedules must be a list"):
        lrkit.product(INNER)


def test_rebase_ignores_the_group_base():
    s = lrkit.rebase(INNER, base=0.5)
    assert [s(t, base=b) for t in (0, 4, 8) for b in (0.1, 7.0)] == [0.5, 0.5, 0.25, 0.25, 0.0, 0.0]
    assert s(2, base=np.array([0.1, 0.2])).tolist() == [0.375, 0.375]
    assert s(np.array([[0.0], [2.0]]), base=np.array([0.1, 0.2])).tolist() == [[0.5, 0.5], [0.375, 0.375]]


def test_rebase_gives_torch_one_cycle_its_max_lr():
    # OneCycleLR(max_lr=0.2) peaks at 0.2 whatever lr the optimizer was built with.
    s = lrkit.rebase(lrkit.one_cycle(total_t=11, pct_start=0.5, anneal="linear", div_factor=10.0), base=0.2)
    assert [s(t, base=b) for t in (0, 4.5) for b in (1e-3, 5.0)] == [0.02, 0.02, 0.2, 0.2]


def test_rebase_arguments():
    with pytest.raises(ValueError, match=r"base must be >= 0.*-1"):
        lrkit.rebase(INNER, base=-1)
    with pytest.raises(TypeError, match="base must be a number"):
        lrkit.rebase(INNER, base="0.1")
    with pytest.raises(TypeError, match="schedule must be an lrkit schedule"):
        lrkit.rebase(0.5, base=0.1)


# -- stretch and horizon -----------------------------------------------------------------------------


@FAST
@given(t=st.integers(0, 10**6), by=st.integers(1, 10**4), gamma=st.floats(0.5, 1.0))
def test_stretch_of_an_exponential_is_optax_s_and_keras_decay_bit_for_bit(t, by, gamma):
    s = lrkit.stretch(lrkit.exponential(gamma=gamma), by=by)
    assert s(t, base=0.3) == 0.3 * gamma ** (t / by)


def test_stretch_slows_time_and_its_length_and_clock():
    s = lrkit.stretch(lrkit.linear(t_initial=4), by=2.5)
    assert [s(t) for t in (0, 5, 10, 20)] == [1.0, 0.5, 0.0, 0.0]
    assert s.length == 10
    visits = list(lrkit.tree.walk(s))
    assert visits[1].to_root(4) == 10
    assert lrkit.stretch(lrkit.exponential(gamma=0.5), by=0.5)(1) == 0.25  # faster, for by < 1


def test_horizon_is_keras_cycling_polynomial_decay():
    s = lrkit.horizon(lrkit.poly(t_initial=10, power=2.0, lr_min=0.1))
    for t in (0, 3, 10, 11, 19, 20, 21, 95):
        horizon = 10 * max(math.ceil(t / 10), 1)
        assert s(t) == approx(0.1 + 0.9 * (1 - t / horizon) ** 2)
    assert s.length is None
    assert lrkit.horizon(lrkit.linear(t_initial=4), t_initial=8)(12) == 0.25


@pytest.mark.parametrize(
    ("build", "error", "argument"),
    [
        (lambda: lrkit.stretch(lrkit.constant(), by=0), ValueError, "by"),
        (lambda: lrkit.stretch(lambda t: t, by=2), TypeError, "schedule"),
        (lambda: lrkit.horizon(lrkit.exponential(gamma=0.5)), ValueError, "schedule"),
        (lambda: lrkit.horizon(lrkit.linear(t_initial=4), t_initial=-1), ValueError, "t_initial"),
    ],
)
def test_stretch_and_horizon_refuse_bad_arguments_by_name(build, error, argument):
    with pytest.raises(error, match=rf"^{argument}"):
        build()


def test_stretch_and_horizon_round_trip():
    for s in (
        lrkit.stretch(lrkit.cosine_power(t_initial=1, end_factor=0.1), by=12),
        lrkit.horizon(lrkit.poly(t_initial=10, power=2.0)),
    ):
        assert lrkit.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_reverse_formula():
    inner = lrkit.poly(t_initial=8, power=2.0, lr_min=0.01)
    for s, length in [
        (lrkit.reverse(inner), 8),
        (lrkit.reverse(inner, t_initial=5), 5),
    ]:
        for t in [0, 0.5, 1, 3, 4.75, 5, 7.999, 8, 9, 50]:
            assert s(t, base=0.2) == inner(max(length - t, 0), base=0.2)
