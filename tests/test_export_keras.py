"""lrkit.config.export(..., to="keras"): a schedule written as Keras's serialize() dict, run by Keras.

Seeded configurations of every Keras schedule class are built by lrkit
(``lrkit.create("keras:<Class>", ...)``) and exported; hand-built lrkit expressions (warmup and
cosine, lines, exponentials, staircases) are exported too. Each export is checked three ways:

- ``lrkit.load`` of the export (the ``keras`` format, from JSON) gives the schedule's values in
  float64 at every update 0..run, within MEASURED of ``base`` (``base`` is the schedule's largest
  value, so that the bound is relative to it);
- ``keras.optimizers.schedules.deserialize`` of the export, evaluated by Keras in float64
  (``keras.config.set_floatx("float64")``, each step a 0-d int64 tensor as the optimizer gives its
  ``iterations``; see tests/test_keras_recipes.py) at every update, within MEASURED of ``base``
  plus RTOL64 of the value;
- the same in float32, Keras's default, within float32 rounding of the float64 values (the bound
  of tests/test_keras_recipes.py: 8 float32 ulps of the value, more for a power's exponent, plus
  4 of the largest value).

Measured: the exported arguments are the schedule's own or fitted ones rounded to 12 significant
digits, so the export's values differ from lrkit's by at most 1e-12 of ``base`` (MEASURED holds
2e-12), far within the contract of 1e-9; Keras in float64 adds its ulps (5e-16 relative).
``CosineDecayRestarts`` takes its period index as a rounded ``log``: a period's first step may
fall in the period before (Keras's floor there); such steps are allowed, at most two per case,
as tests/test_keras_recipes.py allows them.
"""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

keras = pytest.importorskip("keras")
pytest.importorskip(keras.backend.backend())

import lrkit  # noqa: E402
from lrkit import config  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

SCHEDULES = keras.optimizers.schedules
MEASURED = 2e-12  # of base: measured 1e-12
RTOL64 = 1e-15  # Keras's float64 ulps, measured 5e-16 (tests/test_keras_recipes.py)
EPS32 = float(np.finfo(np.float32).eps)
CONFIGS = 5


def keras_values(exported: dict, run: int, floatx: str) -> np.ndarray:
    """The lrs Keras computes for updates 0..run from the exported dict, in ``floatx``."""
    previous = keras.config.floatx()
    keras.config.set_floatx(floatx)
    try:
        schedule = SCHEDULES.deserialize(json.loads(json.dumps(exported)))
        steps = [keras.ops.convert_to_tensor(t, dtype="int64") for t in range(run + 1)]
        return np.array([float(schedule(step)) for step in steps], dtype=np.float64)
    finally:
        keras.config.set_floatx(previous)


def cycle_starts(exported: dict, run: int) -> np.ndarray:
    """The updates that start a CosineDecayRestarts period (which Keras's rounded log may misplace)."""
    starts = np.zeros(run + 1, dtype=bool)
    if exported["class_name"] == "CosineDecayRestarts":
        c = exported["config"]
        start, length = 0.0, float(c["first_decay_steps"])
        while start <= run:
            starts[min(math.ceil(start - 1e-9), run)] = True
            start, length = start + length, length * c["t_mul"]
    return starts


def check(schedule, run: int, *, base: float | None = None) -> dict:
    """Export ``schedule``; lrkit's reading and Keras's must give its values; returns the export."""
    t = np.arange(run + 1, dtype=np.float64)
    base = base or float(np.max(schedule(t, base=1.0))) or 1.0
    values = np.asarray(schedule(t, base=base), dtype=np.float64)
    exported = config.export(schedule, "keras", base=base, run=run)
    assert set(exported) == {"module", "class_name", "config", "registered_name"}, exported
    again = lrkit.load(json.loads(json.dumps(exported)))
    assert lrkit.load(exported, format="keras") == again
    np.testing.assert_allclose(again(t, base=base), values, rtol=0, atol=MEASURED * base)
    starts = cycle_starts(exported, run)

    def allowed(bad: np.ndarray) -> None:
        assert not (bad & ~starts).any(), (exported, np.nonzero(bad)[0].tolist())
        assert (bad & starts).sum() <= 2, exported

    theirs = keras_values(exported, run, "float64")
    allowed(np.abs(theirs - values) > MEASURED * base + RTOL64 * np.abs(values))
    theirs32 = keras_values(exported, run, "float32")
    scale = float(np.abs(values).max())
    ratio = np.abs(np.log(np.maximum(np.abs(values), 1e-30) / max(scale, 1e-30)))
    allowed(np.abs(theirs32 - values) > 8 * EPS32 * (1 + ratio) * np.abs(values) + 4 * EPS32 * scale)
    return exported


# -- seeded configurations of every Keras class ----------------------------------------------------

LRS = (1.0, 0.1, 3e-4, 2e-3)


def _cosine(rng: random.Random) -> dict:
    args = {
        "initial_learning_rate": rng.choice(LRS),
        "decay_steps": rng.randint(3, 300),
        "alpha": rng.choice((0.0, 0.01, 0.1)),
    }
    if rng.random() < 0.5:
        args |= {"warmup_target": args["initial_learning_rate"] * 10, "warmup_steps": rng.randint(1, 50)}
        args["initial_learning_rate"] = rng.choice((0.0, args["initial_learning_rate"]))
    return args


def _decay(rng: random.Random) -> dict:
    return {
        "initial_learning_rate": rng.choice(LRS),
        "decay_steps": rng.choice((1, 10, rng.randint(2, 100))),
        "decay_rate": rng.choice((0.5, 0.9, 0.1, 0.96)),
        "staircase": rng.random() < 0.5,
    }


GENERATORS = {
    "CosineDecay": _cosine,
    "CosineDecayRestarts": lambda rng: {
        "initial_learning_rate": rng.choice(LRS),
        "first_decay_steps": rng.randint(4, 60),
        "t_mul": rng.choice((1.0, 2.0)),
        "m_mul": rng.choice((1.0, 0.5, 0.8)),
        "alpha": rng.choice((0.0, 0.1)),
    },
    "ExponentialDecay": _decay,
    "InverseTimeDecay": _decay,
    "PiecewiseConstantDecay": lambda rng: {
        "boundaries": (b := sorted(rng.sample(range(1, 300), rng.randint(1, 4)))),
        "values": [rng.choice(LRS) for _ in range(len(b) + 1)],
    },
    "PolynomialDecay": lambda rng: {
        "initial_learning_rate": rng.choice(LRS),
        "decay_steps": rng.randint(2, 300),
        "end_learning_rate": rng.choice((0.0, 1e-4, 1e-6)),
        "power": rng.choice((1.0, 0.5, 2.0, 3.0)),
        "cycle": rng.random() < 0.3,
    },
}


def test_every_keras_class_is_generated():
    assert set(GENERATORS) == {r.name for r in config.recipes() if r.source == "keras"}


@pytest.mark.parametrize("name", GENERATORS)
def test_a_keras_schedule_exports_to_values_keras_gives(name):
    rng = random.Random(f"export-keras-{name}")
    natural = 0
    for _ in range(CONFIGS):
        arguments = GENERATORS[name](rng)
        schedule = lrkit.create(f"keras:{name}", **arguments)
        length = schedule.length
        if name == "CosineDecayRestarts" or arguments.get("cycle"):
            length = 3 * arguments.get("first_decay_steps", arguments.get("decay_steps"))
        run = math.ceil(length or 200) + rng.randint(1, 40)  # past the end: what it holds
        exported = check(schedule, run)
        natural += exported["class_name"] == name
    # Most exports are written with the class they were built by (others: an equal simpler one).
    assert natural >= CONFIGS // 2 + 1, name


# -- hand-built lrkit expressions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("schedule", "cls"),
    [
        (lrkit.warmup(lrkit.cosine(t_initial=90), warmup_t=10, prefix=True), "CosineDecay"),
        (lrkit.cosine(t_initial=50, lr_min=0.01), "CosineDecay"),
        (lrkit.linear(t_initial=200), "PolynomialDecay"),
        (lrkit.poly(t_initial=100, power=2.0), "PolynomialDecay"),
        (lrkit.exponential(gamma=0.97), "ExponentialDecay"),
        (lrkit.step(decay_t=30, decay_rate=0.5), "ExponentialDecay"),
        (lrkit.inverse_time(decay_rate=0.5, decay_t=10), "InverseTimeDecay"),
        (lrkit.multistep(milestones=[30, 80, 90], decay_rate=0.1), "PiecewiseConstantDecay"),
        (lrkit.constant(), "ExponentialDecay"),
        (lrkit.warmup(lrkit.constant(), warmup_t=20, prefix=True), "PolynomialDecay"),
    ],
    ids=[
        "warmup-cosine",
        "cosine-to-min",
        "linear",
        "poly",
        "exponential",
        "step",
        "inverse-time",
        "multistep",
        "constant",
        "warmup-constant",
    ],
)
def test_lrkit_expressions_export_too(schedule, cls):
    run = math.ceil(schedule.length) + 20 if schedule.length else 250
    assert check(schedule, run, base=0.1)["class_name"] == cls


def test_the_natural_names_and_arguments():
    s = lrkit.warmup(lrkit.cosine(t_initial=90, lr_min=1e-3), warmup_t=10, prefix=True)
    assert config.export(s, "keras", base=0.1) == {
        "module": "keras.optimizers.schedules",
        "class_name": "CosineDecay",
        "config": {
            "initial_learning_rate": 0.0,
            "decay_steps": 90,
            "alpha": 0.01,
            "warmup_target": 0.1,
            "warmup_steps": 10,
            "name": "CosineDecay",
        },
        "registered_name": None,
    }
    decay = lrkit.create("keras:ExponentialDecay", initial_learning_rate=0.1, decay_steps=100, decay_rate=0.5)
    assert config.export(decay, "keras", base=0.1, run=500)["config"] == {
        "initial_learning_rate": 0.1,
        "decay_steps": 100,
        "decay_rate": 0.5,
        "name": "ExponentialDecay",
    }


def test_what_has_no_equivalent_is_named():
    noisy = lrkit.noise(lrkit.cosine(t_initial=90), pct=0.5, range_t=(0, 50))
    with pytest.raises(ValueError, match=r"noise\(cosine\(t_initial=90\).*\) has no equivalent in keras$"):
        config.export(noisy, "keras", base=0.1)
    # Keras joins no schedules: a sequence of pieces none of its classes gives is named.
    joined = lrkit.sequence([lrkit.cosine(t_initial=40), lrkit.linear(t_initial=50)], [40])
    with pytest.raises(ValueError, match=r"sequence\(.*\) has no equivalent in keras$"):
        config.export(joined, "keras", base=0.1)
    # Nor caps one: an exponential decay held at a floor.
    floored = lrkit.clamp(lrkit.exponential(gamma=0.9), min_value=0.01)
    with pytest.raises(ValueError, match=r"clamp\(.*\) has no equivalent in keras$"):
        config.export(floored, "keras", base=0.1, run=100)
    # Every part known, the values no class's (a warmup into an exponential): the nearest is named.
    with pytest.raises(ValueError, match=r"none of keras's schedules gives these values .*the nearest"):
        config.export(lrkit.warmup(lrkit.exponential(gamma=0.9), warmup_t=10, prefix=True), "keras", run=60)
