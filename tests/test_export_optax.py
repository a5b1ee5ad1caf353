"""lrkit.config.export(..., to="optax"): a schedule written as an optax call, run by optax itself.

Seeded configurations of every optax schedule function are built by lrkit
(``lrkit.create("optax:<function>", ...)``), exported, and the exported call
``{"function": ..., "arguments": {...}}`` is built by the real optax
(``getattr(optax, function)(**arguments)``, join_schedules' pieces built the same way first)
and evaluated, with ``jax_enable_x64``, at every update 0..run: each value must be lrkit's within
``1e-9 * base`` (the export's contract; ``base`` is the schedule's largest value, so that the
bound is relative to it). ``lrkit.load`` of the export gives the same values. Hand-built lrkit
expressions (warmup and cosine, lines, exponentials, staircases, sequences of pieces) export too.

Measured: the exported arguments are the schedule's own or fitted ones rounded to 12 significant
digits, so optax's values differ from lrkit's by at most 3e-12 of ``base`` (held to MEASURED below:
the rounding of a fitted rate or scale), well within the contract. As in
tests/test_optax_recipes.py, optax evaluated on an array of counts divides by a constant as a
multiplication by its reciprocal (a staircase can step an update late): counts where the
vectorized optax departs are evaluated again one at a time, where optax divides.
"""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

jax = pytest.importorskip("jax")
optax = pytest.importorskip("optax")

import jax.numpy as jnp  # noqa: E402

import lrkit  # noqa: E402
from lrkit import config  # noqa: E402

CONTRACT = 1e-9  # of base: what the export promises
MEASURED = 5e-12  # of base: measured 3e-12 (a 12-digit rounding of a fitted argument)
CONFIGS = 8
# lrkit's own rising exponential overflows past its cap before the cap is applied (its recipe's affair).
pytestmark = pytest.mark.filterwarnings("ignore:overflow encountered in power:RuntimeWarning")
COUNTS = 2048  # the counts optax is evaluated at, at least (see optax_values)


@pytest.fixture(autouse=True)
def x64():
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    try:
        yield
    finally:
        jax.config.update("jax_enable_x64", previous)


def optax_function(call: dict):
    """The optax schedule the exported call describes, built by optax."""
    assert set(call) == {"function", "arguments"}, call
    arguments = dict(call["arguments"])
    if call["function"] == "join_schedules":
        arguments["schedules"] = [optax_function(piece) for piece in arguments["schedules"]]
    return getattr(optax, call["function"])(**arguments)


def optax_values(call: dict, run: int, expected: np.ndarray, bound: float) -> np.ndarray:
    fn = optax_function(call)
    counts = np.arange(run + 1)
    # Every run padded to one length: jax compiles each operation once per shape, not per run.
    padded = np.arange(max(COUNTS, run + 1))
    theirs = np.array(jax.vmap(fn)(jnp.asarray(padded, dtype=jnp.float64)), dtype=np.float64)
    theirs = np.broadcast_to(theirs, padded.shape)[: run + 1].copy()
    bad = ~(np.abs(theirs - expected) <= bound)
    # XLA's reciprocal division on arrays (see the module); one count at a time divides.
    theirs[bad] = [float(fn(jnp.asarray(c, dtype=jnp.float64))) for c in counts[bad]]
    return theirs


def check(schedule, run: int, *, base: float | None = None) -> dict:
    """Export ``schedule`` for a group of lr ``base``; optax's values must be lrkit's; returns the call."""
    t = np.arange(run + 1, dtype=np.float64)
    values = np.asarray(schedule(t, base=base or 1.0), dtype=np.float64)
    base = base or float(values.max()) or 1.0
    values = np.asarray(schedule(t, base=base), dtype=np.float64)
    call = config.export(schedule, "optax", base=base, run=run)
    assert json.loads(json.dumps(call)) is not None  # plain data
    theirs = optax_values(call, run, values, CONTRACT * base)
    gap = np.abs(theirs - values)
    assert gap.max() <= MEASURED * base, (call, int(gap.argmax()), float(gap.max() / base))
    again = lrkit.load(json.loads(json.dumps(call)))  # the optax format, from a JSON file
    np.testing.assert_allclose(again(t, base=base), values, rtol=0, atol=MEASURED * base)
    assert lrkit.load(call, format="optax") == again
    return call


# -- seeded configurations of every optax function -------------------------------------------------

LRS = (1.0, 0.1, 3e-4, 2e-3)


def _polynomial(rng: random.Random) -> dict:
    return {
        "init_value": rng.choice(LRS),
        "end_value": rng.choice((0.0, 1e-5, 0.5)),
        "power": rng.choice((0.5, 2.0, 3.0, 1.7)),
        "transition_steps": rng.randint(2, 300),
        "transition_begin": rng.choice((0, rng.randint(1, 100))),
    }


def _exponential(rng: random.Random, init: float | None = None) -> dict:
    init = rng.choice(LRS) if init is None else init
    rate = rng.choice((0.5, 0.9, 0.1, 0.96, 1.5))
    return {
        "init_value": init,
        "transition_steps": rng.choice((1, rng.randint(2, 60))),
        "decay_rate": rate,
        "transition_begin": rng.choice((0, rng.randint(1, 50))),
        "staircase": rng.random() < 0.5,
        # A rise has its cap (else it leaves every float behind); a decay may have a floor.
        "end_value": init * 20.0 if rate > 1 else rng.choice((None, init * 0.01)),
    }


def _cosine(rng: random.Random, exponent: bool = True) -> dict:
    return {
        "init_value": rng.choice(LRS),
        "decay_steps": rng.randint(3, 400),
        "alpha": rng.choice((0.0, 0.01, 0.1, 0.5)),
        "exponent": rng.choice((1.0, 2.0, 0.5)) if exponent else 1.0,
    }


def _warmup_cosine(rng: random.Random) -> dict:
    warmup = rng.randint(1, 100)
    peak = rng.choice(LRS)
    return {
        "init_value": rng.choice((0.0, peak / 10)),
        "peak_value": peak,
        "warmup_steps": warmup,
        "decay_steps": warmup + rng.randint(3, 400),
        "end_value": rng.choice((0.0, peak / 100)),
        "exponent": rng.choice((1.0, 1.0, 2.0)),
    }


def _piece(rng: random.Random) -> dict:
    name = rng.choice(("constant_schedule", "linear_schedule", "exponential_decay", "cosine_decay_schedule"))
    if name == "constant_schedule":
        return {"name": name, "value": rng.choice(LRS)}
    if name == "linear_schedule":
        arguments = {k: v for k, v in _polynomial(rng).items() if k not in ("power", "transition_begin")}
    elif name == "exponential_decay":
        arguments = {**_exponential(rng), "transition_begin": 0, "staircase": False, "end_value": None}
    else:
        arguments = _cosine(rng, exponent=False)
    return {"name": name, **arguments}


def _onecycle(rng: random.Random) -> dict:
    return {
        "transition_steps": rng.randint(20, 600),
        "peak_value": rng.choice(LRS),
        "pct_start": rng.choice((0.3, 0.25, 0.1)),
        "div_factor": rng.choice((25.0, 10.0)),
        "final_div_factor": rng.choice((1e4, 100.0)),
    }


GENERATORS = {
    "constant_schedule": lambda rng: {"value": rng.choice(LRS)},
    "linear_schedule": lambda rng: {k: v for k, v in _polynomial(rng).items() if k != "power"},
    "polynomial_schedule": _polynomial,
    "exponential_decay": _exponential,
    "cosine_decay_schedule": _cosine,
    "warmup_cosine_decay_schedule": _warmup_cosine,
    "warmup_constant_schedule": lambda rng: {
        "init_value": rng.choice((0.0, 1e-5)),
        "peak_value": rng.choice(LRS),
        "warmup_steps": rng.randint(1, 200),
    },
    "warmup_exponential_decay_schedule": lambda rng: {
        "init_value": rng.choice((0.0, 1e-5)),
        "warmup_steps": rng.randint(1, 100),
        **{("peak_value" if k == "init_value" else k): v for k, v in _exponential(rng).items()},
    },
    "sgdr_schedule": lambda rng: {
        "cosine_kwargs": [{**_warmup_cosine(rng), "exponent": 1.0} for _ in range(rng.randint(1, 3))]
    },
    "piecewise_constant_schedule": lambda rng: {
        "init_value": rng.choice(LRS),
        "boundaries_and_scales": {
            rng.randint(1, 300): rng.choice((0.1, 0.5, 2.0, 0.3)) for _ in range(rng.randint(1, 4))
        },
    },
    "piecewise_interpolate_schedule": lambda rng: {
        "interpolate_type": rng.choice(("linear", "cosine")),
        "init_value": rng.choice(LRS),
        "boundaries_and_scales": {
            rng.randint(1, 300): rng.choice((0.1, 0.5, 2.0, 0.3)) for _ in range(rng.randint(1, 3))
        },
    },
    "linear_onecycle_schedule": lambda rng: {**_onecycle(rng), "pct_final": rng.choice((0.85, 0.7))},
    "cosine_onecycle_schedule": _onecycle,
    "join_schedules": lambda rng: {
        "schedules": (pieces := [_piece(rng) for _ in range(rng.randint(2, 3))]),
        "boundaries": sorted(rng.sample(range(5, 400), len(pieces) - 1)),
    },
}


def test_every_optax_function_is_generated():
    assert set(GENERATORS) == {r.name for r in config.recipes() if r.source == "optax"}


@pytest.mark.parametrize("name", GENERATORS)
def test_an_optax_schedule_exports_to_values_optax_gives(name):
    rng = random.Random(f"export-optax-{name}")
    natural = 0
    for _ in range(CONFIGS):
        arguments = GENERATORS[name](rng)
        schedule = lrkit.create(f"optax:{name}", **arguments)
        run = math.ceil(schedule.length or 300) + rng.randint(1, 50)  # past the end: what it holds
        call = check(schedule, run)
        natural += call["function"] == name
    # Most exports are written with the function they were built by (others: an equal simpler one).
    assert natural >= CONFIGS // 2 or name in ("piecewise_interpolate_schedule", "sgdr_schedule")


# -- hand-built lrkit expressions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "function"),
    [
        (lrkit.warmup(lrkit.cosine(t_initial=90), warmup_t=10, prefix=True), "warmup_cosine_decay_schedule"),
        (
            lrkit.warmup(lrkit.cosine(t_initial=95, lr_min=1e-3), warmup_t=5, prefix=True),
            "warmup_cosine_decay_schedule",
        ),
        (lrkit.cosine(t_initial=50, lr_min=0.01), "cosine_decay_schedule"),
        (lrkit.linear(t_initial=200), "linear_schedule"),
        (lrkit.linear(t_initial=30, start_factor=0.1, end_factor=1.0), "warmup_constant_schedule"),
        (lrkit.exponential(gamma=0.97), "exponential_decay"),
        (lrkit.step(decay_t=30, decay_rate=0.5), "exponential_decay"),
        (lrkit.multistep(milestones=[30, 80, 90], decay_rate=0.1), "piecewise_constant_schedule"),
        (lrkit.constant(), "constant_schedule"),
        (
            lrkit.sequence(
                [lrkit.constant(), lrkit.cosine(t_initial=40, lr_min=0.01), lrkit.constant(0.2)], [10, 60]
            ),
            "join_schedules",
        ),
        (
            lrkit.sequence(
                [
                    lrkit.linear(t_initial=20, start_factor=0.1, end_factor=1.0),
                    lrkit.exponential(gamma=0.95),
                    lrkit.cosine(t_initial=100, lr_min=0.001),
                ],
                [20, 100],
            ),
            "join_schedules",
        ),
    ],
    ids=[
        "warmup-cosine",
        "warmup-cosine-to-min",
        "cosine-to-min",
        "linear",
        "linear-up",
        "exponential",
        "step",
        "multistep",
        "constant",
        "hold-cosine-hold",
        "warmup-exponential-cosine",
    ],
)
def test_lrkit_expressions_export_too(schedule, function):
    run = math.ceil(schedule.length or 0) + 20 if schedule.length else 250
    call = check(schedule, run, base=0.1)
    assert call["function"] == function, call


def test_the_natural_names_and_arguments():
    s = lrkit.warmup(lrkit.cosine(t_initial=90), warmup_t=10, prefix=True)
    assert config.export(s, "optax", base=0.1) == {
        "function": "warmup_cosine_decay_schedule",
        "arguments": {
            "init_value": 0.0,
            "peak_value": 0.1,
            "warmup_steps": 10,
            "decay_steps": 100,
            "end_value": 0.0,
        },
    }
    assert config.export(lrkit.step(decay_t=30, decay_rate=0.5), "optax", base=0.1, run=100) == {
        "function": "exponential_decay",
        "arguments": {"init_value": 0.1, "transition_steps": 30, "decay_rate": 0.5, "staircase": True},
    }
    decay = lrkit.create("optax:exponential_decay", init_value=0.1, transition_steps=100, decay_rate=0.5)
    assert config.export(decay, "optax", base=0.1, run=500)["arguments"] == {
        "init_value": 0.1,
        "transition_steps": 100,
        "decay_rate": 0.5,
    }


def test_the_optax_format_reads_calls():
    call = {
        "function": "linear_schedule",
        "arguments": {"init_value": 1.0, "end_value": 0.0, "transition_steps": 4},
    }
    spec = config.read(call)
    assert (spec.format, spec.unit, spec.length) == ("optax", "update", 4)
    joined = {
        "function": "join_schedules",
        "arguments": {
            "schedules": [call, {"function": "constant_schedule", "arguments": {"value": 0.5}}],
            "boundaries": [4],
        },
    }
    assert [lrkit.load(joined)(t) for t in (0, 2, 4, 9)] == [1.0, 0.5, 0.5, 0.5]
    with pytest.raises(ValueError, match="no optax schedule function"):
        lrkit.load({"function": "nope", "arguments": {}}, format="optax")
    with pytest.raises(ValueError, match="unknown key"):
        lrkit.load({**call, "extra": 1}, format="optax")
    from lrkit.recipes.optax import _detect

    assert _detect(call) and not _detect({"function": "print", "arguments": {}}) and not _detect([call])
    assert _detect({"function": object()}) is False


def test_what_has_no_equivalent_is_named():
    noisy = lrkit.noise(lrkit.cosine(t_initial=90), pct=0.5, range_t=(0, 50))
    with pytest.raises(ValueError, match=r"noise\(cosine\(t_initial=90\).*\) has no equivalent in optax$"):
        config.export(noisy, "optax", base=0.1)
    with pytest.raises(ValueError, match=r"tanh\(.*\) has no equivalent in optax$"):
        config.export(lrkit.tanh(t_initial=100), "optax", base=0.1)
    # timm's warmup (no prefix) hands over to a cosine already under way: optax's pieces all
    # start at their own count 0, so no call gives it; the nearest is named.
    timm_style = lrkit.warmup(lrkit.cosine(t_initial=100, lr_min=1e-3), warmup_t=5)
    with pytest.raises(ValueError, match=r"none of optax's schedules gives these values .*the nearest"):
        config.export(timm_style, "optax", base=0.1)
