"""lrkit.optax: lrkit schedules driving optax optimizers, and against optax's own schedules.

Two kinds of checks. A small least-squares problem trained under ``jax.jit`` with
``optax.adamw(learning_rate=lrkit.optax.schedule(...))``, and with ``optax.inject_hyperparams``
scheduling the lr, ``b1`` and the weight decay at once, must compile its step once and give the
parameters (and per-step hyperparameters) of the same loop driven by optax's own schedules.
Then every optax schedule that lrkit can express is compared value for value with lrkit's
expression of it, on generated arguments, at integer counts around every phase boundary and
past the end, with ``jax_enable_x64`` on: optax's values at float64 counts against the adapter's
at int32 counts (what optax passes), both float64.

Optax counts updates from 0 and lrkit's ``t`` is that count, so no step is shifted anywhere. The
expressions are the table of docs/guides/from-keras-optax.md; where optax computes the same
function by other operations (``(init - end) * (1 - c / T) + end`` against
``base * (1 + (end / base - 1) * c / T)``) the values differ in the last bits, and the bound
below is that rounding, measured.
"""

from __future__ import annotations

import dataclasses
import math
import operator
from collections.abc import Callable
from itertools import accumulate, pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

import lrkit  # noqa: E402
import lrkit.optax  # noqa: E402

# Float64 rounding of two ways to compute one formula: a few ulps (see compare below).
RTOL = 1e-13
# Below this (a decay run for hundreds of steps) both sides are subnormal or nearly: few bits.
ATOL = 1e-290
EXAMPLES = 30
COUNTS = 128


@pytest.fixture
def x64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


# -- lrkit's expressions of optax's schedules ------------------------------------------------------


def exponential_decay(
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> lrkit.Schedule:
    """optax.exponential_decay from the base.

    The staircase is exact: ``decay_rate ** floor(c / T)``. The smooth decay needs the time
    stretched by ``1 / T``, which lrkit has no node for; ``gamma = decay_rate ** (1 / T)``
    raised to ``c`` carries gamma's rounding ``c`` times, so it differs by about ``c`` ulps.
    """
    if staircase:
        inner = lrkit.stairs(lrkit.exponential(gamma=decay_rate), every=transition_steps)
    else:
        inner = lrkit.exponential(gamma=decay_rate ** (1 / transition_steps))
    inner = lrkit.shift(inner, by=transition_begin)
    if end_value is None:
        return inner
    if decay_rate < 1:
        return lrkit.clamp(inner, min_value=end_value)
    return lrkit.clamp(inner, max_value=end_value)


def cosine_decay(decay_steps: int, end_value: float, exponent: int = 1) -> lrkit.Schedule:
    """optax's cosine decay from the base to ``end_value`` (its ``alpha * init_value``).

    ``exponent`` raises the cosine factor to a power: lrkit has a product of schedules but no
    power of one, nor a sum, so only an integer exponent with ``end_value = 0`` is expressible.
    """
    if exponent == 1:
        return lrkit.cosine(t_initial=decay_steps, lr_min=end_value)
    if end_value != 0 or exponent != int(exponent) or exponent < 1:
        raise ValueError(f"no lrkit expression for exponent={exponent!r} with end_value={end_value!r}")
    return lrkit.product([lrkit.cosine(t_initial=decay_steps)] * int(exponent))


def warmup_cosine(
    init_value: float, warmup_steps: int, decay_steps: int, end_value: float, exponent: int = 1
) -> lrkit.Schedule:
    """optax.warmup_cosine_decay_schedule with the base as its peak_value."""
    return lrkit.warmup(
        cosine_decay(decay_steps - warmup_steps, end_value, exponent),
        warmup_t=warmup_steps,
        warmup_lr_init=init_value,
        prefix=True,
    )


def piecewise_constant(boundaries_and_scales: dict[int, float]) -> lrkit.Schedule:
    """optax.piecewise_constant_schedule from the base: one constant per interval."""
    items = sorted(boundaries_and_scales.items())
    factor = math.prod(scale for boundary, scale in items if boundary <= 0)  # scaled from count 0
    factors, boundaries = [factor], []
    for boundary, scale in items:
        if boundary > 0:
            factor *= scale
            factors.append(factor)
            boundaries.append(boundary)
    pieces = [lrkit.constant(factor=f) for f in factors]
    return lrkit.sequence(pieces, boundaries=boundaries) if boundaries else pieces[0]


def interpolate(kind: str, boundaries_and_scales: dict[int, float]) -> lrkit.Schedule:
    """optax.piecewise_interpolate_schedule from the base (positive boundaries)."""
    items = sorted(boundaries_and_scales.items())
    bounds = [0] + [b for b, _ in items]
    factors = list(accumulate([1.0] + [s for _, s in items], operator.mul))
    if kind == "linear":
        return lrkit.piecewise_linear(list(zip(bounds, factors, strict=True)))
    # Each segment a cosine from its factor to the next; the last one's floor holds after it.
    pieces = [
        lrkit.rebase(lrkit.cosine(t_initial=end - start, lr_min=after), base=before)
        for start, end, before, after in zip(bounds, bounds[1:], factors, factors[1:], strict=False)
    ]
    return lrkit.multiplier(lrkit.sequence(pieces, boundaries=bounds[1:-1]) if len(pieces) > 1 else pieces[0])


# -- generated cases -------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Case:
    theirs: Callable[[Any], Any]  # the optax schedule
    mine: lrkit.Schedule
    base: float
    marks: tuple[int, ...]  # counts where a phase begins or ends

    def counts(self) -> list[int]:
        """0, 1, 2; each mark and its neighbours; points between marks; and well past the last.

        Always COUNTS of them (evenly spread ones fill up): an eager JAX operation compiles once
        per shape, and a new length per case would compile every operation again.
        """
        marks = sorted({0, *self.marks})
        end = 2 * marks[-1] + 7
        points = {0, 1, 2, end}
        for mark in marks:
            points |= {mark - 1, mark, mark + 1}
        for a, b in pairwise(marks):
            points |= {a + (b - a) // 4, (a + b) // 2, b - (b - a) // 4}
        points = sorted(p for p in points if p >= 0)
        assert len(points) <= COUNTS, self
        fill = np.linspace(0, end, COUNTS - len(points) + 2)[1:-1].round().astype(int).tolist()
        return sorted(points + fill)


positive = st.floats(-5, 1).map(lambda e: 10.0**e)  # 1e-5 .. 10, spread over the decades
nonnegative = st.one_of(st.just(0.0), positive)
lengths = st.integers(1, 1000)
begins = st.one_of(st.just(0), st.integers(1, 300))
rates = st.floats(0.05, 2.0)


@st.composite
def constant_schedule(draw) -> Case:
    value = draw(nonnegative)
    return Case(optax.constant_schedule(value), lrkit.constant(), value, ())


@st.composite
def linear_schedule(draw) -> Case:
    init, end, steps, begin = draw(positive), draw(nonnegative), draw(lengths), draw(begins)
    mine = lrkit.shift(lrkit.linear(t_initial=steps, start_factor=1.0, end_factor=end / init), by=begin)
    return Case(optax.linear_schedule(init, end, steps, begin), mine, init, (begin, begin + steps))


@st.composite
def polynomial_schedule(draw) -> Case:
    init, end, steps, begin = draw(positive), draw(nonnegative), draw(lengths), draw(begins)
    power = draw(st.floats(0.1, 5.0))
    mine = lrkit.shift(lrkit.poly(t_initial=steps, power=power, lr_min=end), by=begin)
    return Case(optax.polynomial_schedule(init, end, power, steps, begin), mine, init, (begin, begin + steps))


@st.composite
def exponential_decay_args(draw) -> dict[str, Any]:
    init = draw(positive)
    end = draw(st.one_of(st.none(), st.floats(0.01, 3.0).map(lambda f: f * init)))
    return {
        "init_value": init,
        "transition_steps": draw(st.integers(1, 300)),
        "decay_rate": draw(rates),
        "transition_begin": draw(begins),
        "staircase": draw(st.booleans()),
        "end_value": end,
    }


def exponential_marks(args: dict[str, Any], offset: int = 0) -> tuple[int, ...]:
    begin, steps = offset + args["transition_begin"], args["transition_steps"]
    return tuple(begin + k * steps for k in range(4))


@st.composite
def exponential_decay_schedule(draw) -> Case:
    args = draw(exponential_decay_args())
    mine_args = {k: v for k, v in args.items() if k != "init_value"}
    return Case(
        optax.exponential_decay(**args),
        exponential_decay(**mine_args),
        args["init_value"],
        exponential_marks(args),
    )


@st.composite
def cosine_decay_schedule(draw) -> Case:
    init, steps = draw(positive), draw(lengths)
    exponent = draw(st.sampled_from([1, 1, 2, 3]))
    alpha = draw(st.floats(0.0, 1.0)) if exponent == 1 else 0.0
    theirs = optax.cosine_decay_schedule(init, steps, alpha, exponent)
    return Case(theirs, cosine_decay(steps, alpha * init, exponent), init, (steps,))


@st.composite
def warmup_constant_schedule(draw) -> Case:
    # warmup_steps=0 is optax's linear schedule of no length: init_value for ever, never the peak.
    init, peak, warmup = draw(nonnegative), draw(positive), draw(st.integers(1, 500))
    mine = lrkit.warmup(lrkit.constant(), warmup_t=warmup, warmup_lr_init=init)
    return Case(optax.warmup_constant_schedule(init, peak, warmup), mine, peak, (warmup,))


@st.composite
def warmup_cosine_args(draw) -> dict[str, Any]:
    warmup = draw(st.integers(0, 300))
    exponent = draw(st.sampled_from([1, 1, 2]))
    return {
        "init_value": draw(nonnegative),
        "peak_value": draw(positive),  # a peak of 0 makes optax drop end_value (alpha = 0)
        "warmup_steps": warmup,
        "decay_steps": warmup + draw(lengths),
        "end_value": draw(nonnegative) if exponent == 1 else 0.0,
        "exponent": exponent,
    }


def warmup_cosine_of(args: dict[str, Any]) -> lrkit.Schedule:
    return warmup_cosine(
        args["init_value"], args["warmup_steps"], args["decay_steps"], args["end_value"], args["exponent"]
    )


@st.composite
def warmup_cosine_decay_schedule(draw) -> Case:
    args = draw(warmup_cosine_args())
    marks = (args["warmup_steps"], args["decay_steps"])
    return Case(optax.warmup_cosine_decay_schedule(**args), warmup_cosine_of(args), args["peak_value"], marks)


@st.composite
def warmup_exponential_decay_schedule(draw) -> Case:
    args = draw(exponential_decay_args())
    init, peak, warmup = draw(nonnegative), args["init_value"], draw(st.integers(0, 300))
    decay = {k: v for k, v in args.items() if k != "init_value"}
    theirs = optax.warmup_exponential_decay_schedule(init, peak, warmup, **decay)
    mine = lrkit.warmup(exponential_decay(**decay), warmup_t=warmup, warmup_lr_init=init, prefix=True)
    return Case(theirs, mine, peak, (warmup, *exponential_marks(args, offset=warmup)))


@st.composite
def sgdr_schedule(draw) -> Case:
    cycles = draw(st.lists(warmup_cosine_args(), min_size=1, max_size=4))
    starts = list(accumulate([0] + [c["decay_steps"] for c in cycles]))
    pieces = [lrkit.rebase(warmup_cosine_of(c), base=c["peak_value"]) for c in cycles]
    mine = lrkit.sequence(pieces, boundaries=starts[1:-1]) if len(pieces) > 1 else pieces[0]
    marks = (*starts, *(s + c["warmup_steps"] for s, c in zip(starts, cycles, strict=False)))
    return Case(optax.sgdr_schedule(cycles), mine, 1.0, marks)


@st.composite
def sgdr_schedule_as_cycles(draw) -> Case:
    # Regular restarts, no warmup: lrkit.cycles, each cycle cycle_mul times longer, its peak
    # cycle_decay times lower.
    peak, end, first = draw(positive), draw(nonnegative), draw(st.integers(1, 200))
    mul, decay, count = draw(st.sampled_from([1, 2, 3])), draw(st.floats(0.1, 1.0)), draw(st.integers(1, 5))
    cycles = [
        {"init_value": 0.0, "peak_value": peak * decay**i, "warmup_steps": 0, "decay_steps": first * mul**i}
        | {"end_value": end}
        for i in range(count)
    ]
    mine = lrkit.cycles(
        lrkit.cosine(t_initial=first, lr_min=end), cycle_mul=mul, cycle_decay=decay, cycle_limit=count
    )
    marks = tuple(accumulate([0] + [c["decay_steps"] for c in cycles]))
    return Case(optax.sgdr_schedule(cycles), mine, peak, marks)


def simple_piece() -> st.SearchStrategy[Case]:
    return st.one_of(
        constant_schedule(),
        linear_schedule(),
        polynomial_schedule(),
        cosine_decay_schedule(),
        exponential_decay_schedule(),
    )


@st.composite
def join_schedules(draw) -> Case:
    pieces = draw(st.lists(simple_piece(), min_size=2, max_size=3))
    gaps = draw(st.lists(st.integers(1, 400), min_size=len(pieces) - 1, max_size=len(pieces) - 1))
    boundaries = list(accumulate(gaps))
    theirs = optax.join_schedules([p.theirs for p in pieces], boundaries)
    mine = lrkit.sequence([lrkit.rebase(p.mine, base=p.base) for p in pieces], boundaries=boundaries)
    marks = [*boundaries]
    for start, piece in zip([0, *boundaries], pieces, strict=True):
        marks += [start + m for m in piece.marks]
    return Case(theirs, mine, 1.0, tuple(marks))


@st.composite
def piecewise_constant_schedule(draw) -> Case:
    init = draw(positive)
    entries = draw(st.dictionaries(st.integers(0, 500), st.floats(0.0, 3.0), max_size=4))
    theirs = optax.piecewise_constant_schedule(init, entries)
    return Case(theirs, piecewise_constant(entries), init, tuple(entries))


@st.composite
def piecewise_constant_schedule_as_multistep(draw) -> Case:
    init, scale = draw(positive), draw(st.floats(0.01, 1.0))
    milestones = sorted(draw(st.sets(st.integers(1, 500), min_size=1, max_size=4)))
    theirs = optax.piecewise_constant_schedule(init, dict.fromkeys(milestones, scale))
    return Case(theirs, lrkit.multistep(milestones=milestones, decay_rate=scale), init, tuple(milestones))


@st.composite
def piecewise_interpolate_schedule(draw) -> Case:
    kind, init = draw(st.sampled_from(["linear", "cosine"])), draw(positive)
    entries = draw(st.dictionaries(st.integers(1, 500), st.floats(0.0, 3.0), min_size=1, max_size=4))
    theirs = optax.piecewise_interpolate_schedule(kind, init, entries)
    return Case(theirs, interpolate(kind, entries), init, tuple(entries))


@st.composite
def onecycle_args(draw) -> dict[str, Any]:
    return {
        "transition_steps": draw(st.integers(3, 2000)),
        "peak_value": draw(positive),
        "pct_start": draw(st.floats(0.05, 0.6)),
        "div_factor": draw(st.floats(1.5, 100.0)),
        "final_div_factor": draw(st.floats(1.5, 1e4)),
    }


@st.composite
def linear_onecycle_schedule(draw) -> Case:
    args = draw(onecycle_args())
    args["pct_final"] = draw(st.floats(args["pct_start"] + 0.05, 0.95))
    steps, div = args["transition_steps"], args["div_factor"]
    up, down = int(args["pct_start"] * steps), int(args["pct_final"] * steps)
    # optax's phases are a dict keyed by these counts: two that coincide are one phase there.
    assume(0 < up < down < steps)
    points = [(0, 1 / div), (up, 1.0), (down, 1 / div), (steps, 1 / div / args["final_div_factor"])]
    theirs = optax.linear_onecycle_schedule(**args)
    return Case(theirs, lrkit.piecewise_linear(points), args["peak_value"], (up, down, steps))


@st.composite
def cosine_onecycle_schedule(draw) -> Case:
    args = draw(onecycle_args())
    steps = args["transition_steps"]
    up = int(args["pct_start"] * steps)
    assume(up > 0)  # else optax starts at the peak, a warmup of no length lrkit refuses
    # lrkit's one_cycle (torch's phases) ends its warmup at pct_start * total_t - 1 and its
    # decay at total_t - 1, with optax's interpolation formula.
    mine = lrkit.one_cycle(
        total_t=steps + 1,
        pct_start=(up + 1) / (steps + 1),
        div_factor=args["div_factor"],
        final_div_factor=args["final_div_factor"],
    )
    return Case(optax.cosine_onecycle_schedule(**args), mine, args["peak_value"], (up, steps))


FAMILIES: dict[str, st.SearchStrategy[Case]] = {
    "constant_schedule": constant_schedule(),
    "linear_schedule": linear_schedule(),
    "polynomial_schedule": polynomial_schedule(),
    "exponential_decay": exponential_decay_schedule(),
    "cosine_decay_schedule": cosine_decay_schedule(),
    "warmup_constant_schedule": warmup_constant_schedule(),
    "warmup_cosine_decay_schedule": warmup_cosine_decay_schedule(),
    "warmup_exponential_decay_schedule": warmup_exponential_decay_schedule(),
    "sgdr_schedule": sgdr_schedule(),
    "sgdr_schedule_as_cycles": sgdr_schedule_as_cycles(),
    "join_schedules": join_schedules(),
    "piecewise_constant_schedule": piecewise_constant_schedule(),
    "piecewise_constant_schedule_as_multistep": piecewise_constant_schedule_as_multistep(),
    "piecewise_interpolate_schedule": piecewise_interpolate_schedule(),
    "linear_onecycle_schedule": linear_onecycle_schedule(),
    "cosine_onecycle_schedule": cosine_onecycle_schedule(),
}


# -- the comparison --------------------------------------------------------------------------------


def smooth_exponential(schedule: lrkit.Schedule) -> bool:
    return any(
        isinstance(visit.node, lrkit.combinators.Shift)
        and isinstance(visit.node.schedule, lrkit.shapes.Exponential)
        and visit.node.schedule.gamma != 1
        for visit in lrkit.tree.walk(schedule)
    )


def optax_values(case: Case, counts: np.ndarray) -> np.ndarray:
    """optax's values at float64 ``counts``, vectorized."""
    values = jax.vmap(case.theirs)(jnp.asarray(counts, dtype=jnp.float64))
    return np.broadcast_to(np.asarray(values, dtype=np.float64), counts.shape)  # constant_schedule: a number


def optax_exact_values(case: Case, counts: np.ndarray) -> np.ndarray:
    """optax's values count by count, where its divisions are exact.

    On an array, and under jit, XLA on CPU divides by a constant as a multiplication by its
    reciprocal: ``49 * (1 / 49) < 1``. optax's ``floor(count / transition_steps)`` then puts
    count 49 of transition_steps=49 on the stair before, and its polynomial decay to 0 with
    power 0.5 ends at ``sqrt(1.1e-16) * init = 1e-8 * init``. A 0-d count divides exactly.
    """
    return np.array([float(case.theirs(jnp.asarray(c, dtype=jnp.float64))) for c in counts])


def compare(case: Case) -> None:
    """Fails where lrkit's value is off by more than rounding.

    Rounding is RTOL relative, or a few ulps of the schedule's scale (its largest value) where
    a value is small beside it: optax computes an end value as ``(init - end) * frac + end``,
    so at the end of a linear decay to 0 it gives ``1.1e-16 * init`` (see optax_exact_values
    for why ``frac`` is not 0), not 0. A smooth exponential decay adds gamma's rounding raised
    to the count. Counts where the vectorized optax differs are evaluated again one by one.
    """
    counts = np.asarray(case.counts())
    mine = lrkit.optax.schedule(case.mine, case.base)(jnp.asarray(counts, dtype=jnp.int32))
    assert mine.dtype == jnp.float64
    mine = np.asarray(mine)
    eps = np.finfo(np.float64).eps
    rtol = RTOL + (4 * eps * counts if smooth_exponential(case.mine) else 0.0)

    def outside(theirs: np.ndarray) -> np.ndarray:
        assert np.isfinite(theirs).all() and np.isfinite(mine).all(), (case, theirs, mine)
        scale = max(float(np.abs(theirs).max()), ATOL)
        bound = rtol * np.maximum(np.abs(theirs), np.abs(mine)) + 8 * eps * scale + ATOL
        return np.abs(theirs - mine) > bound

    theirs = optax_values(case, counts)
    bad = outside(theirs)
    if bad.any():
        theirs = theirs.copy()
        theirs[bad] = optax_exact_values(case, counts[bad])
        bad = outside(theirs)
    assert not bad.any(), (
        f"{case.mine!r} at base {case.base!r}: counts {counts[bad].tolist()}, "
        f"optax {theirs[bad].tolist()}, lrkit {mine[bad].tolist()}"
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_lrkit_gives_optax_values(family, x64):
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(FAMILIES[family])
    def check(case: Case) -> None:
        compare(case)

    check()


def test_the_comparison_sees_a_one_step_shift(x64):
    # The tolerance is far below what an off-by-one (the classic schedule bug) changes.
    case = Case(
        optax.warmup_cosine_decay_schedule(0.0, 0.1, 10, 100, 1e-4),
        lrkit.shift(warmup_cosine(0.0, 10, 100, 1e-4), by=1),
        0.1,
        (10, 100),
    )
    with pytest.raises(AssertionError, match="counts"):
        compare(case)


# -- the adapter, eagerly --------------------------------------------------------------------------

WARMUP_COSINE = lrkit.warmup(lrkit.cosine(t_initial=90, lr_min=1e-4), warmup_t=10, prefix=True)


def test_it_evaluates_the_schedule_at_the_count():
    sched = lrkit.optax.schedule(WARMUP_COSINE, base=0.1)
    values = sched(jnp.arange(120, dtype=jnp.int32))
    assert values.dtype == jnp.float32 and values.shape == (120,)
    expected = WARMUP_COSINE(np.arange(120.0), 0.1)
    np.testing.assert_allclose(np.asarray(values), expected, rtol=2e-6, atol=1e-8)
    # A Python int, a NumPy int, a 0-d array: a 0-d JAX array.
    for count in (7, np.int64(7), jnp.asarray(7, dtype=jnp.int32)):
        value = sched(count)
        assert isinstance(value, jax.Array) and value.shape == ()
        assert float(value) == pytest.approx(WARMUP_COSINE(7, 0.1), rel=1e-6)


def test_float64_with_x64(x64):
    sched = lrkit.optax.schedule(WARMUP_COSINE, base=0.1)
    value = sched(jnp.asarray(37, dtype=jnp.int32))
    assert value.dtype == jnp.float64
    assert float(value) == pytest.approx(WARMUP_COSINE(37, 0.1), rel=1e-15)


def test_updates_per_epoch_evaluates_an_epoch_schedule_per_update(x64):
    epochs = lrkit.warmup(lrkit.cosine(t_initial=20), warmup_t=2)
    sched = lrkit.optax.schedule(epochs, base=0.1, updates_per_epoch=7)
    counts = np.arange(200)
    np.testing.assert_allclose(
        np.asarray(sched(jnp.asarray(counts, dtype=jnp.int32))), epochs(counts / 7, 0.1), rtol=1e-12
    )


@pytest.mark.parametrize("x64_on", [False, True], ids=["float32", "float64"])
def test_updates_per_epoch_counts_whole_epochs_exactly(x64_on, request):
    # A decay at each epoch comes at the first update of that epoch, for every updates_per_epoch
    # (count / 41 on an array is just below 1 after XLA's reciprocal).
    if x64_on:
        request.getfixturevalue("x64")
    halving = lrkit.step(decay_t=1, decay_rate=0.5)
    epochs = np.arange(1, 31)
    for upe in range(1, 100):
        sched = lrkit.optax.schedule(halving, updates_per_epoch=upe)
        first = jnp.asarray(upe * epochs, dtype=jnp.int32)
        np.testing.assert_array_equal(np.asarray(sched(first)), 0.5**epochs, err_msg=f"{upe=}")
        np.testing.assert_array_equal(np.asarray(sched(first - 1)), 0.5 ** (epochs - 1), err_msg=f"{upe=}")


def test_it_is_a_value():
    a = lrkit.optax.schedule(WARMUP_COSINE, base=0.1)
    assert a == lrkit.optax.OptaxSchedule(WARMUP_COSINE, 0.1) and hash(a) == hash(
        lrkit.optax.schedule(WARMUP_COSINE, 0.1)
    )
    assert a != lrkit.optax.schedule(WARMUP_COSINE, base=0.2)
    assert repr(a) == f"lrkit.optax.schedule({WARMUP_COSINE!r}, base=0.1)"
    assert repr(lrkit.optax.schedule(lrkit.constant(), 2, updates_per_epoch=5)) == (
        "lrkit.optax.schedule(constant(), base=2, updates_per_epoch=5)"
    )
    # Not a stateful schedule (init/update), so inject_hyperparams wraps it as a count -> value.
    assert callable(a) and not isinstance(a, optax.schedules.StatefulSchedule)


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"schedule": lambda t: 0.1}, TypeError, "schedule"),
        ({"schedule": WARMUP_COSINE, "base": -0.1}, ValueError, "base"),
        ({"schedule": WARMUP_COSINE, "base": "0.1"}, TypeError, "base"),
        ({"schedule": WARMUP_COSINE, "base": math.nan}, ValueError, "base"),
        ({"schedule": WARMUP_COSINE, "updates_per_epoch": 0}, ValueError, "updates_per_epoch"),
        ({"schedule": WARMUP_COSINE, "updates_per_epoch": 2.5}, TypeError, "updates_per_epoch"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, argument):
    with pytest.raises(error, match=rf"^{argument}\b"):
        lrkit.optax.schedule(**kwargs)


def test_bad_counts_are_refused_where_they_can_be_read():
    sched = lrkit.optax.schedule(WARMUP_COSINE, base=0.1)
    with pytest.raises(ValueError, match="t must be"):
        sched(-1)
    with pytest.raises(ValueError, match="t must be"):
        sched(jnp.asarray([3, -2], dtype=jnp.int32))
    with pytest.raises(TypeError, match=r"^count"):
        sched(jnp.asarray(True))


# -- inside optax, under jax.jit -------------------------------------------------------------------

STEPS = 150
WARMUP = 15
BASE_LR, END_LR, BETA1 = (0.05, 1e-4, (0.85, 0.95))
BASE_WD = 1e-2
LR = lrkit.warmup(lrkit.cosine(t_initial=STEPS - WARMUP, lr_min=END_LR), warmup_t=WARMUP, prefix=True)
B1 = lrkit.piecewise_linear([(0, BETA1[0]), (WARMUP, BETA1[1])])  # an absolute value: base 1
WD = lrkit.cosine(t_initial=STEPS)


def optax_lr():
    return optax.warmup_cosine_decay_schedule(0.0, BASE_LR, WARMUP, STEPS, END_LR)


def problem():
    kx, kw = jax.random.split(jax.random.PRNGKey(0))
    x = jax.random.normal(kx, (64, 8))
    y = x @ jax.random.normal(kw, (8,)) + 0.5

    def loss(params):
        return jnp.mean((x @ params["w"] + params["b"] - y) ** 2)

    return loss, {"w": jnp.zeros(8), "b": jnp.zeros(())}


def train(opt, steps: int, *, jit: bool) -> tuple[Any, list[float], list[dict[str, float]], int]:
    """``steps`` updates; the parameters, each step's loss and hyperparameters, and the traces."""
    loss, params = problem()
    traces = []

    def step(params, state):
        traces.append(None)  # runs when jax traces the function, not when it runs compiled
        value, grads = jax.value_and_grad(loss)(params)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, value

    step = jax.jit(step) if jit else step
    state = opt.init(params)
    losses, hyper = [], []
    for _ in range(steps):
        params, state, value = step(params, state)
        losses.append(float(value))
        if hasattr(state, "hyperparams"):
            hyper.append({k: float(v) for k, v in state.hyperparams.items()})
    return params, losses, hyper, len(traces)


@pytest.mark.parametrize(("jit", "steps"), [(False, 8), (True, STEPS)], ids=["eager", "jit"])
def test_adamw_with_an_lrkit_schedule_trains_as_with_optax_s(jit, steps):
    mine = train(optax.adamw(learning_rate=lrkit.optax.schedule(LR, BASE_LR)), steps, jit=jit)
    theirs = train(optax.adamw(learning_rate=optax_lr()), steps, jit=jit)
    if jit:
        assert mine[3] == 1  # one trace: the count is an input, not a constant of the graph
        assert mine[1][-1] < 1e-2 * mine[1][0]
    for name in ("w", "b"):
        np.testing.assert_allclose(mine[0][name], theirs[0][name], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(mine[1], theirs[1], rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize(("jit", "steps"), [(False, 8), (True, STEPS)], ids=["eager", "jit"])
def test_inject_hyperparams_schedules_the_lr_b1_and_weight_decay(jit, steps):
    factory = optax.inject_hyperparams(optax.adamw)
    mine = train(
        factory(
            learning_rate=lrkit.optax.schedule(LR, BASE_LR),
            b1=lrkit.optax.schedule(B1),
            weight_decay=lrkit.optax.schedule(WD, BASE_WD),
        ),
        steps,
        jit=jit,
    )
    theirs = train(
        factory(
            learning_rate=optax_lr(),
            b1=optax.linear_schedule(BETA1[0], BETA1[1], WARMUP),
            weight_decay=optax.cosine_decay_schedule(BASE_WD, STEPS),
        ),
        steps,
        jit=jit,
    )
    if jit:
        assert mine[3] == 1
        assert mine[1][-1] < 1e-2 * mine[1][0]
    # The state after update c holds the values update c used: the schedules at count c.
    for field, schedule, base in (
        ("learning_rate", LR, BASE_LR),
        ("b1", B1, 1.0),
        ("weight_decay", WD, BASE_WD),
    ):
        used = np.array([h[field] for h in mine[2]])
        expected = schedule(np.arange(steps, dtype=np.float64), base)
        assert expected.min() < expected.max()  # each one moves
        np.testing.assert_allclose(used, expected, rtol=2e-6, atol=2e-7 * base)
        np.testing.assert_allclose(used, [h[field] for h in theirs[2]], rtol=2e-6, atol=2e-7 * base)
    for name in ("w", "b"):
        np.testing.assert_allclose(mine[0][name], theirs[0][name], rtol=1e-5, atol=1e-6)


def test_a_new_count_does_not_retrace():
    traces = []
    sched = lrkit.optax.schedule(LR, BASE_LR)

    def value(count):
        traces.append(None)
        return sched(count)

    jitted = jax.jit(value)
    got = [float(jitted(jnp.asarray(c, dtype=jnp.int32))) for c in (0, 5, 15, 80, 149, 10_000)]
    assert len(traces) == 1
    np.testing.assert_allclose(
        got, [LR(c, BASE_LR) for c in (0, 5, 15, 80, 149, 10_000)], rtol=2e-6, atol=1e-9
    )


@pytest.mark.parametrize("family", FAMILIES)
def test_under_jit_the_values_are_the_eager_ones(family, x64):
    # A few generated cases per family (each one a compile), the counts a traced input. XLA
    # compiles t / length as t * (1 / length): an ulp of t, which a value computed as a small
    # difference of large ones (a cosine near its end) carries as an ulp of the schedule's scale.
    @settings(max_examples=3, deadline=None)
    @given(FAMILIES[family])
    def check(case: Case) -> None:
        sched = lrkit.optax.schedule(case.mine, case.base)
        counts = jnp.asarray(case.counts(), dtype=jnp.int32)
        jitted, eager = np.asarray(jax.jit(sched)(counts)), np.asarray(sched(counts))
        scale = max(float(np.abs(eager).max()), ATOL)
        atol = 8 * np.finfo(np.float64).eps * scale + ATOL
        np.testing.assert_allclose(jitted, eager, rtol=1e-12, atol=atol)

    check()


def test_under_jit_a_staircase_and_whole_epochs_step_at_their_count():
    # transition_steps=41 is one where optax's own staircase, jitted on CPU, decays an update
    # late (its 41 / 41 is just below 1, see optax_exact_values); these floor-divide.
    stairs = lrkit.optax.schedule(exponential_decay(41, 0.5, staircase=True))
    epochs = lrkit.optax.schedule(lrkit.step(decay_t=1, decay_rate=0.5), updates_per_epoch=41)
    counts = jnp.asarray([40, 41, 81, 82, 122, 123], dtype=jnp.int32)
    theirs = optax.exponential_decay(1.0, 41, 0.5, staircase=True)
    expected = [float(theirs(jnp.asarray(c, dtype=jnp.float32))) for c in counts]
    assert expected == [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    for sched in (stairs, epochs):
        np.testing.assert_array_equal(np.asarray(jax.jit(sched)(counts)), expected)
