"""lrkit.recipes.optax: every optax schedule by its function name, against optax itself.

Each generated case builds ``optax.<name>(**kwargs)`` and ``lrkit.create("optax:<name>",
**kwargs)`` from the same arguments and compares them, with ``jax_enable_x64`` on, at COUNTS
integer counts: 0, 1, 2, every phase boundary and its neighbours, points between, and well past
the end. lrkit's values are evaluated on NumPy float64, at two bases (they are absolute).

Measured (float64): the schedules are built in optax's order of operations, so the values agree
bit for bit but where optax's ``pow`` (XLA's) and NumPy's differ by an ulp: relative 5e-16 at
most, held to RTOL below. On arrays XLA divides by a constant as a multiplication by its
reciprocal (``49 * (1 / 49) < 1``), which moves optax's staircases an update late and ends
its decays to 0 at ``1e-16 * init``: counts where the vectorized optax differs are evaluated
again one count at a time, where optax divides (see tests/test_optax.py, which found it).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from itertools import accumulate, pairwise
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

import lrkit  # noqa: E402

RTOL = 1e-15  # measured 5e-16: one ulp of a pow, or two
EPS = float(np.finfo(np.float64).eps)
SCALE = 2  # measured 1 (see compare)
EXAMPLES = 25
COUNTS = 96
BASES = (1.0, 0.37)


@pytest.fixture(autouse=True)
def x64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


# -- generated arguments ---------------------------------------------------------------------------

positive = st.floats(-5, 1).map(lambda e: 10.0**e)
nonnegative = st.one_of(st.just(0.0), positive)
lengths = st.integers(1, 600)
begins = st.one_of(st.just(0), st.integers(-20, 200))
rates = st.floats(0.05, 2.0)


def scales(min_size=0, low=-30):
    # No subnormal scales: XLA on CPU flushes them to zero, NumPy and Python keep them.
    scales = st.floats(0.0, 3.0, allow_subnormal=False)
    return st.dictionaries(st.integers(low, 500), scales, min_size=min_size, max_size=4)


@st.composite
def polynomial_schedule(draw):
    return {
        "init_value": draw(positive),
        "end_value": draw(nonnegative),
        "power": draw(st.floats(0.1, 5.0)),
        "transition_steps": draw(st.one_of(lengths, st.integers(-3, 0))),
        "transition_begin": draw(begins),
    }


@st.composite
def linear_schedule(draw):
    args = draw(polynomial_schedule())
    del args["power"]
    return args


@st.composite
def exponential_decay(draw):
    init = draw(positive)
    return {
        "init_value": init,
        "transition_steps": draw(st.one_of(st.integers(1, 300), st.just(0))),
        "decay_rate": draw(st.one_of(rates, st.just(0.0), st.just(1.0))),
        "transition_begin": draw(begins),
        "staircase": draw(st.booleans()),
        "end_value": draw(st.one_of(st.none(), st.floats(0.01, 3.0).map(lambda f: f * init))),
    }


@st.composite
def cosine_decay_schedule(draw):
    return {
        "init_value": draw(positive),
        "decay_steps": draw(lengths),
        "alpha": draw(st.floats(0.0, 1.5)),
        "exponent": draw(st.sampled_from([1.0, 2, 0.5, 3.7])),
    }


@st.composite
def warmup_cosine_decay_schedule(draw):
    warmup = draw(st.integers(0, 300))
    return {
        "init_value": draw(nonnegative),
        "peak_value": draw(nonnegative),
        "warmup_steps": warmup,
        "decay_steps": warmup + draw(lengths),
        "end_value": draw(nonnegative),
        "exponent": draw(st.sampled_from([1.0, 2.0, 0.7])),
    }


@st.composite
def warmup_constant_schedule(draw):
    return {
        "init_value": draw(nonnegative),
        "peak_value": draw(positive),
        "warmup_steps": draw(st.integers(0, 500)),
    }


@st.composite
def warmup_exponential_decay_schedule(draw):
    decay = draw(exponential_decay())
    decay["peak_value"] = decay.pop("init_value")
    return {"init_value": draw(nonnegative), "warmup_steps": draw(st.integers(0, 300)), **decay}


@st.composite
def sgdr_schedule(draw):
    return {"cosine_kwargs": draw(st.lists(warmup_cosine_decay_schedule(), min_size=1, max_size=4))}


@st.composite
def piecewise_constant_schedule(draw):
    return {"init_value": draw(positive), "boundaries_and_scales": draw(st.one_of(st.none(), scales()))}


@st.composite
def piecewise_interpolate_schedule(draw):
    return {
        "interpolate_type": draw(st.sampled_from(["linear", "cosine"])),
        "init_value": draw(positive),
        "boundaries_and_scales": draw(st.one_of(st.none(), scales())),
    }


@st.composite
def onecycle(draw):
    return {
        "transition_steps": draw(st.integers(1, 2000)),
        "peak_value": draw(positive),
        "pct_start": draw(st.floats(0.0, 0.6)),
        "div_factor": draw(st.floats(1.5, 100.0)),
        "final_div_factor": draw(st.floats(1.5, 1e4)),
    }


@st.composite
def linear_onecycle_schedule(draw):
    args = draw(onecycle())
    return {**args, "pct_final": draw(st.floats(args["pct_start"], 1.0))}


SIMPLE = (
    "constant_schedule",
    "linear_schedule",
    "polynomial_schedule",
    "exponential_decay",
    "cosine_decay_schedule",
)


@st.composite
def constant_schedule(draw):
    return {"value": draw(nonnegative)}


@st.composite
def join_schedules(draw):
    names = draw(st.lists(st.sampled_from(SIMPLE), min_size=2, max_size=3))
    pieces = [{"name": name, **draw(FAMILIES[name])} for name in names]
    boundaries = list(
        accumulate(draw(st.lists(st.integers(1, 400), min_size=len(names) - 1, max_size=len(names) - 1)))
    )
    if draw(st.booleans()):
        boundaries = draw(st.permutations(boundaries))  # a later piece wins where its step is passed
    return {"schedules": pieces, "boundaries": boundaries}


FAMILIES: dict[str, Any] = {
    "constant_schedule": constant_schedule(),
    "linear_schedule": linear_schedule(),
    "polynomial_schedule": polynomial_schedule(),
    "exponential_decay": exponential_decay(),
    "cosine_decay_schedule": cosine_decay_schedule(),
    "warmup_constant_schedule": warmup_constant_schedule(),
    "warmup_cosine_decay_schedule": warmup_cosine_decay_schedule(),
    "warmup_exponential_decay_schedule": warmup_exponential_decay_schedule(),
    "sgdr_schedule": sgdr_schedule(),
    "piecewise_constant_schedule": piecewise_constant_schedule(),
    "piecewise_interpolate_schedule": piecewise_interpolate_schedule(),
    "linear_onecycle_schedule": linear_onecycle_schedule(),
    "cosine_onecycle_schedule": onecycle(),
    "join_schedules": join_schedules(),
}


def optax_schedule(name: str, args: dict[str, Any]) -> Callable[[Any], Any]:
    if name == "join_schedules":
        pieces = [
            optax_schedule(p["name"], {k: v for k, v in p.items() if k != "name"}) for p in args["schedules"]
        ]
        return optax.join_schedules(pieces, args["boundaries"])
    return getattr(optax, name)(**args)


def marks(args: Any) -> set[int]:
    """Every integer in the arguments, and the sums along lists: where phases begin and end."""
    found: set[int] = set()
    if isinstance(args, dict):
        for key, value in args.items():
            if isinstance(key, int):
                found.add(key)
            found |= marks(value)
        if "transition_steps" in args and isinstance(args["transition_steps"], int):
            begin = max(args.get("transition_begin", 0), 0) + args.get("warmup_steps", 0)
            found |= {begin + k * args["transition_steps"] for k in range(4)}
            if "pct_start" in args:
                steps = args["transition_steps"]
                found |= {int(args["pct_start"] * steps), int(args.get("pct_final", 0) * steps)}
    elif isinstance(args, list):
        for item in args:
            found |= marks(item)
        steps = [item["decay_steps"] for item in args if isinstance(item, dict) and "decay_steps" in item]
        found |= set(accumulate(steps))
    elif isinstance(args, int) and not isinstance(args, bool):
        found.add(args)
    return found


def counts(args: dict[str, Any]) -> np.ndarray:
    """0, 1, 2; each mark and its neighbours; points between marks; and well past the last."""
    points = sorted({0, *(m for m in marks(args) if 0 <= m <= 5000)})
    end = 2 * points[-1] + 7
    chosen = {0, 1, 2, end}
    for mark in points:
        chosen |= {mark - 1, mark, mark + 1}
    for a, b in pairwise(points):
        chosen |= {(a + b) // 2}
    chosen = sorted(c for c in chosen if c >= 0)[:COUNTS]
    fill = np.linspace(0, end, COUNTS - len(chosen) + 2)[1:-1].round().astype(int).tolist()
    return np.asarray(sorted(chosen + fill))


def compare(name: str, args: dict[str, Any]) -> None:
    theirs_fn = optax_schedule(name, args)
    mine = lrkit.create(f"optax:{name}", **args)
    c = counts(args)
    theirs = np.broadcast_to(np.asarray(jax.vmap(theirs_fn)(jnp.asarray(c, dtype=jnp.float64))), c.shape)
    values = [mine(c.astype(np.float64), base) for base in BASES]
    np.testing.assert_array_equal(values[0], values[1])  # absolute values, whatever the base
    got = values[0]

    def outside(theirs: np.ndarray) -> np.ndarray:
        assert np.isfinite(theirs).all() and np.isfinite(got).all(), (name, args)
        # An ulp of a term can be many of a small difference of terms (a rise to end_value
        # computed as end - (end - init) * frac ** power): SCALE ulps of the largest value.
        scale = float(np.abs(theirs).max())
        return np.abs(theirs - got) > RTOL * np.maximum(np.abs(theirs), np.abs(got)) + SCALE * EPS * scale

    bad = outside(theirs)
    if bad.any():  # XLA's reciprocal division on arrays; one count at a time divides
        theirs = theirs.copy()
        theirs[bad] = [float(theirs_fn(jnp.asarray(x, dtype=jnp.float64))) for x in c[bad]]
        bad = outside(theirs)
    assert not bad.any(), (
        f"{name}({args}) = {mine!r}: counts {c[bad].tolist()}, optax {theirs[bad].tolist()}, "
        f"lrkit {got[bad].tolist()}"
    )
    assert lrkit.from_dict(json.loads(json.dumps(mine.to_dict()))) == mine


@pytest.mark.parametrize("name", FAMILIES)
def test_lrkit_gives_optax_values(name):
    @settings(max_examples=EXAMPLES, deadline=None)
    @given(FAMILIES[name])
    def check(args):
        compare(name, args)

    check()


def test_every_optax_schedule_has_a_name():
    # optax.schedules' functions (its classes are types; inject_* wrap optimizers).
    public = {
        n
        for n, f in vars(optax.schedules).items()
        if callable(f) and n[0].islower() and not n.startswith(("_", "inject"))
    }
    names = {r.name for r in lrkit.config.recipes() if r.source == "optax"}
    assert public <= names and names == set(FAMILIES)


def test_the_comparison_sees_a_one_step_shift():
    args = {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 10, "decay_steps": 100, "end_value": 1e-4}
    theirs = optax.warmup_cosine_decay_schedule(**args)
    mine = lrkit.shift(lrkit.create("optax:warmup_cosine_decay_schedule", **args), by=1)
    c = counts(args).astype(np.float64)
    diff = np.abs(np.asarray(jax.vmap(theirs)(jnp.asarray(c))) - mine(c))
    assert diff.max() > 1e6 * RTOL * 0.1


# -- exact tables and edges --------------------------------------------------------------------------


def test_registration():
    s = lrkit.create(
        "optax:warmup_cosine_decay_schedule", init_value=0, peak_value=1e-3, warmup_steps=10, decay_steps=100
    )
    assert s(10) == 1e-3 and s(0, base=5.0) == 0.0 and s.length == 100
    # optax's names are qualified only: a bare one says which it may mean.
    with pytest.raises(ValueError, match=r"did you mean 'optax:warmup_cosine_decay_schedule'"):
        lrkit.create("warmup_cosine_decay_schedule", init_value=0, peak_value=1e-3)


def test_exponential_decay_edges_follow_optax():
    hold = lrkit.create("optax:exponential_decay", init_value=0.3, transition_steps=0, decay_rate=0.5)
    assert [hold(t) for t in (0, 10)] == [0.3, 0.3]
    assert (
        lrkit.create("optax:exponential_decay", init_value=0.3, transition_steps=5, decay_rate=0.0)(9) == 0.3
    )
    negative = lrkit.create(
        "optax:exponential_decay", init_value=1.0, transition_steps=2, decay_rate=0.5, transition_begin=-4
    )
    assert negative(2) == 0.5  # a negative begin counts from 0, as optax's does
    up = lrkit.create(
        "optax:exponential_decay", init_value=1.0, transition_steps=1, decay_rate=2.0, end_value=5.0
    )
    assert [up(t) for t in range(5)] == [1.0, 2.0, 4.0, 5.0, 5.0]


def test_piecewise_schedules_take_json_keys():
    as_ints = lrkit.create(
        "optax:piecewise_constant_schedule", init_value=1.0, boundaries_and_scales={10: 0.5, 20: 0.5}
    )
    as_strings = lrkit.create(
        "optax:piecewise_constant_schedule", init_value=1.0, boundaries_and_scales={"10": 0.5, "20": 0.5}
    )
    assert as_ints == as_strings and [as_ints(t) for t in (9, 10, 20)] == [1.0, 0.5, 0.25]
    loaded = lrkit.load(
        json.loads(
            '{"sched": "optax:piecewise_interpolate_schedule", "interpolate_type": "cosine",'
            ' "init_value": 1.0, "boundaries_and_scales": {"10": 0.0}}'
        )
    )
    assert [round(loaded(t), 12) for t in (0, 5, 10, 11)] == [1.0, 0.5, 0.0, 0.0]


def test_join_schedules_takes_schedules_dicts_and_trees():
    linear = {"name": "linear_schedule", "init_value": 0.0, "end_value": 1.0, "transition_steps": 10}
    cosine = lrkit.create("optax:cosine_decay_schedule", init_value=1.0, decay_steps=20)
    joined = lrkit.create("optax:join_schedules", schedules=[linear, cosine.to_dict()], boundaries=[10])
    assert joined == lrkit.create(
        "optax:join_schedules",
        schedules=[
            lrkit.create("optax:linear_schedule", **{k: v for k, v in linear.items() if k != "name"}),
            cosine,
        ],
        boundaries=[10],
    )
    assert [joined(t) for t in (0, 5, 10, 20, 30)] == [0.0, 0.5, 1.0, 0.5, 0.0]


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "argument"),
    [
        ("cosine_decay_schedule", {"init_value": 0.1, "decay_steps": 0}, ValueError, "decay_steps"),
        ("cosine_decay_schedule", {"init_value": 0.1, "decay_steps": 10, "alpha": -1}, ValueError, "alpha"),
        ("cosine_decay_schedule", {"init_value": -0.1, "decay_steps": 10}, ValueError, "init_value"),
        (
            "exponential_decay",
            {"init_value": 0.1, "transition_steps": 5, "decay_rate": -0.5},
            ValueError,
            "decay_rate",
        ),
        (
            "exponential_decay",
            {"init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5, "staircase": 1},
            TypeError,
            "staircase",
        ),
        (
            "polynomial_schedule",
            {"init_value": 0.1, "end_value": 0, "power": 0, "transition_steps": 5},
            ValueError,
            "power",
        ),
        (
            "warmup_cosine_decay_schedule",
            {"init_value": 0, "peak_value": 1, "warmup_steps": 10, "decay_steps": 10},
            ValueError,
            "decay_steps",
        ),
        (
            "warmup_constant_schedule",
            {"init_value": 0, "peak_value": -1, "warmup_steps": 10},
            ValueError,
            "peak_value",
        ),
        (
            "piecewise_constant_schedule",
            {"init_value": 1, "boundaries_and_scales": {5: -0.1}},
            ValueError,
            "boundaries_and_scales",
        ),
        (
            "piecewise_constant_schedule",
            {"init_value": 1, "boundaries_and_scales": {"x": 0.1}},
            TypeError,
            "boundaries_and_scales",
        ),
        (
            "piecewise_interpolate_schedule",
            {"interpolate_type": "cubic", "init_value": 1},
            ValueError,
            "interpolate_type",
        ),
        (
            "cosine_onecycle_schedule",
            {"transition_steps": 0, "peak_value": 1},
            ValueError,
            "transition_steps",
        ),
        (
            "sgdr_schedule",
            {"cosine_kwargs": [{"init_value": 0, "peak_value": 1, "warmup_steps": 0}]},
            ValueError,
            r"cosine_kwargs\[0\]",
        ),
        (
            "sgdr_schedule",
            {"cosine_kwargs": [{"init_value": 0, "peak_value": -1, "warmup_steps": 0, "decay_steps": 5}]},
            ValueError,
            r"cosine_kwargs\[0\]\['peak_value'\]",
        ),
        (
            "join_schedules",
            {"schedules": [{"name": "constant_schedule", "value": -1}], "boundaries": []},
            ValueError,
            r"schedules\[0\]\['value'\]",
        ),
        (
            "join_schedules",
            {"schedules": [lrkit.constant(), lrkit.constant()], "boundaries": []},
            ValueError,
            "boundaries",
        ),
        ("join_schedules", {"schedules": [lambda c: 0.1], "boundaries": []}, TypeError, r"schedules\[0\]"),
    ],
)
def test_bad_arguments_are_refused_by_name(name, kwargs, error, argument):
    with pytest.raises(error, match=rf"^{argument}"):
        lrkit.create(f"optax:{name}", **kwargs)


def test_optax_refuses_what_lrkit_refuses_too():
    # The cases above that optax itself rejects, it rejects with ValueError as well.
    with pytest.raises(ValueError):
        optax.cosine_decay_schedule(0.1, 0)
    with pytest.raises(ValueError):
        optax.piecewise_constant_schedule(1.0, {5: -0.1})
