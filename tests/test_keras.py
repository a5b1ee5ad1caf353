"""lrkit.keras: an lrkit schedule as a Keras 3 optimizer's learning rate, fitted, saved, loaded.

The model is one weight fitted by SGD to a target it never reaches under a mean absolute error,
so every gradient is -1 and each update adds exactly the lr it used to the weight: the weight's
steps are the lrs the optimizer applied, read off the training itself, not off the schedule.

Keras fixes its backend when it is first imported, once per process. This module runs on the
torch backend; ``test_the_jax_backend`` runs it again in a child process on the JAX backend
(``LRKIT_KERAS_BACKEND=jax``), where ``fit`` jits the train step and the schedule sees a traced
iteration count.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import numpy as np
import pytest

BACKEND = os.environ.get("LRKIT_KERAS_BACKEND", "torch")
os.environ["KERAS_BACKEND"] = BACKEND  # before keras's first import: it reads it once

keras = pytest.importorskip("keras")
pytest.importorskip(BACKEND)
if keras.backend.backend() != BACKEND:
    pytest.skip(
        f"keras was imported with the {keras.backend.backend()} backend first", allow_module_level=True
    )

# keras's own conversions to NumPy (convert_to_numpy, Variable.__array__) warn under NumPy 2.
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation doesn't accept a copy keyword")

import lrkit  # noqa: E402
import lrkit.keras  # noqa: E402
from lrkit.keras import LearningRateSchedule  # noqa: E402

BASE = 0.1
STEPS = 12
# Warms up over 3 updates from 0.02, then a cosine to 0.01 over 9: every update's lr differs.
SCHEDULE = lrkit.warmup(lrkit.cosine(t_initial=9, lr_min=0.01), warmup_t=3, warmup_lr_init=0.02, prefix=True)
# Float32 weights: the weight (at most ~1) is rounded to its ulp after every update.
ATOL = 4 * float(np.finfo(np.float32).eps)


class Record(keras.callbacks.Callback):
    """After each update: the weight, the iteration count, and the lr the optimizer reads now."""

    def __init__(self) -> None:
        super().__init__()
        self.weights: list[float] = []
        self.iterations: list[int] = []
        self.lrs: list[float] = []

    def on_train_batch_end(self, batch, logs=None):
        if BACKEND == "jax":
            self.model.jax_state_sync()  # the jitted step keeps the state to itself until asked
        self.weights.append(float(keras.ops.convert_to_numpy(self.model.layers[0].kernel).item()))
        self.iterations.append(int(keras.ops.convert_to_numpy(self.model.optimizer.iterations)))
        self.lrs.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


def build(learning_rate: LearningRateSchedule) -> keras.Model:
    model = keras.Sequential(
        [keras.Input((1,)), keras.layers.Dense(1, use_bias=False, kernel_initializer="zeros")]
    )
    model.compile(optimizer=keras.optimizers.SGD(learning_rate), loss="mae")
    return model


def fit(model: keras.Model, steps: int) -> Record:
    record = Record()
    x = np.ones((steps, 1), dtype=np.float32)
    y = np.full((steps, 1), 1000.0, dtype=np.float32)
    model.fit(x, y, batch_size=1, epochs=1, shuffle=False, verbose=0, callbacks=[record])
    return record


def check(record: Record, first: int, start_weight: float = 0.0) -> None:
    """The updates first, first + 1, ... used the schedule's values there."""
    steps = len(record.weights)
    used = np.diff([start_weight, *record.weights])
    expected = SCHEDULE(np.arange(first, first + steps, dtype=np.float64), BASE)
    np.testing.assert_allclose(used, expected, rtol=0, atol=ATOL)
    assert record.iterations == list(range(first + 1, first + steps + 1))
    after = SCHEDULE(np.arange(first + 1, first + steps + 1, dtype=np.float64), BASE)
    np.testing.assert_allclose(record.lrs, after, rtol=1e-6)


def test_fit_applies_the_schedule_at_every_update(monkeypatch):
    seen = []
    call = LearningRateSchedule.__call__

    def spy(self, step):
        seen.append(keras.ops.convert_to_tensor(step))
        return call(self, step)

    monkeypatch.setattr(LearningRateSchedule, "__call__", spy)
    record = fit(build(LearningRateSchedule(SCHEDULE, BASE)), STEPS)
    check(record, first=0)
    if BACKEND == "jax":
        import jax

        # Inside the jitted train step the iteration count is traced.
        assert any(isinstance(step, jax.core.Tracer) for step in seen)
    else:
        assert all(keras.ops.is_tensor(step) for step in seen)
    # An off-by-one schedule would be caught: consecutive lrs differ by far more than ATOL.
    values = SCHEDULE(np.arange(STEPS + 1.0), BASE)
    assert np.abs(np.diff(values)).min() > 100 * ATOL


def test_the_value_is_a_backend_float_tensor_of_the_count():
    sched = LearningRateSchedule(SCHEDULE, BASE)
    for count in (0, 2, 3, 7, 12, 40):
        value = sched(keras.Variable(count, dtype="int", trainable=False))
        assert keras.ops.is_tensor(value) and keras.backend.standardize_dtype(value.dtype) == "float32"
        assert float(keras.ops.convert_to_numpy(value)) == pytest.approx(SCHEDULE(count, BASE), rel=1e-6)
    with pytest.raises(ValueError, match="t must be"):
        sched(keras.ops.convert_to_tensor(-1))  # a count that can be read is checked


def test_updates_per_epoch_counts_whole_epochs_exactly():
    halving = lrkit.step(decay_t=1, decay_rate=0.5)
    epochs = np.arange(1, 31)
    for upe in (7, 13, 41, 55, 97):
        sched = LearningRateSchedule(halving, updates_per_epoch=upe)
        first = keras.ops.convert_to_tensor(upe * epochs, dtype="int32")
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(sched(first)), 0.5**epochs)
        np.testing.assert_array_equal(keras.ops.convert_to_numpy(sched(first - 1)), 0.5 ** (epochs - 1))
    smooth = LearningRateSchedule(SCHEDULE, BASE, updates_per_epoch=4)
    np.testing.assert_allclose(
        float(keras.ops.convert_to_numpy(smooth(keras.ops.convert_to_tensor(10)))), SCHEDULE(2.5, BASE)
    )


def test_get_config_round_trips_through_json_and_keras():
    sched = LearningRateSchedule(SCHEDULE, BASE, updates_per_epoch=5)
    config = sched.get_config()
    assert config == {"schedule": SCHEDULE.to_dict(), "base": BASE, "updates_per_epoch": 5}
    assert json.loads(json.dumps(config)) == config
    assert LearningRateSchedule.from_config(json.loads(json.dumps(config))) == sched
    # As the optimizer's config holds it: registered, and rebuilt by keras's own deserializer.
    saved = json.loads(json.dumps(keras.optimizers.schedules.serialize(sched)))
    assert saved["registered_name"] == "lrkit>LearningRateSchedule"
    again = keras.optimizers.schedules.deserialize(saved)
    assert type(again) is LearningRateSchedule and again == sched
    optimizer = keras.optimizers.AdamW.from_config(
        json.loads(json.dumps(keras.optimizers.AdamW(sched).get_config()))
    )
    assert optimizer.get_config()["learning_rate"] == keras.optimizers.schedules.serialize(sched)
    assert repr(again) == f"lrkit.keras.LearningRateSchedule({SCHEDULE!r}, base=0.1, updates_per_epoch=5)"


def test_save_and_load_a_compiled_model_continues_the_schedule(tmp_path):
    model = build(LearningRateSchedule(SCHEDULE, BASE))
    first = fit(model, 5)
    path = tmp_path / "model.keras"
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert loaded.optimizer.get_config()["learning_rate"] == model.optimizer.get_config()["learning_rate"]
    assert int(keras.ops.convert_to_numpy(loaded.optimizer.iterations)) == 5
    # Continuing from update 5, with the schedule and the count the file carried.
    check(fit(loaded, STEPS - 5), first=5, start_weight=first.weights[-1])


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "argument"),
    [
        ((lambda t: 0.1,), {}, TypeError, "schedule"),
        ((SCHEDULE, -0.1), {}, ValueError, "base"),
        ((SCHEDULE, math.inf), {}, ValueError, "base"),
        ((SCHEDULE,), {"updates_per_epoch": 0}, ValueError, "updates_per_epoch"),
    ],
)
def test_bad_arguments_are_refused_by_name(args, kwargs, error, argument):
    with pytest.raises(error, match=rf"^{argument}\b"):
        LearningRateSchedule(*args, **kwargs)


def test_a_schedule_holding_a_callable_runs_but_does_not_save():
    sched = LearningRateSchedule(lrkit.from_callable(lambda t: 1 / (1 + t), vectorized=True), BASE)
    assert float(keras.ops.convert_to_numpy(sched(keras.ops.convert_to_tensor(3)))) == pytest.approx(0.025)
    with pytest.raises(TypeError, match="cannot be serialized"):
        sched.get_config()


@pytest.mark.skipif(BACKEND != "torch", reason="runs the torch-backend process's tests again")
def test_the_jax_backend(tmp_path):
    pytest.importorskip("jax")
    env = {**os.environ, "LRKIT_KERAS_BACKEND": "jax"}
    env.pop("KERAS_BACKEND", None)
    report = tmp_path / "report.xml"
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", f"--junitxml={report}"]
    command += [str(Path(__file__)), "-k", "not test_the_jax_backend"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=300, env=env, check=False)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    suite = ElementTree.parse(report).getroot().find("testsuite")
    ran = {key: int(suite.get(key)) for key in ("tests", "failures", "errors", "skipped")}
    # Every other test of this module ran there, and none was skipped.
    others = [name for name in globals() if name.startswith("test_") and name != "test_the_jax_backend"]
    assert ran["tests"] >= len(others) and ran["failures"] == ran["errors"] == ran["skipped"] == 0, ran
