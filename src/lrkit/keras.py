"""lrkit schedules as Keras 3 learning-rate schedules, on any backend, saved with the model.

:class:`LearningRateSchedule` wraps an lrkit schedule and a base lr; give it to any Keras
optimizer as its ``learning_rate``::

    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")  # or "jax": before keras is imported
    import keras
    import lrkit
    import lrkit.keras

    sched = lrkit.warmup(lrkit.cosine(t_initial=10_000, lr_min=1e-5), warmup_t=500)
    model.compile(optimizer=keras.optimizers.AdamW(lrkit.keras.LearningRateSchedule(sched, 3e-4)),
                  loss="mse")
    model.fit(x, y)
    model.save("model.keras")               # the schedule is in the file, as its to_dict() tree
    keras.saving.load_model("model.keras")  # with lrkit.keras imported, as for any custom object

Keras calls the schedule with the optimizer's iteration count (0 for the first update): a
Variable holding a backend tensor (a torch tensor, or a JAX array that is traced inside the
jitted train step). The value is ``schedule(t, base)`` with ``t`` that count (or the count over
``updates_per_epoch``) as a float tensor of the same backend: Keras's ``floatx()`` when it is
float32 or float64, else float32 (a 16-bit float counts whole steps only to 2048), on the
count's device, with nothing read back to the host on a traced or device count.

This module imports Keras; ``import lrkit`` does not import it. Registered for
``keras.saving`` as ``"lrkit>LearningRateSchedule"``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import keras

from lrkit import checks as v
from lrkit.schedule import Schedule, from_dict

__all__ = ["LearningRateSchedule"]


@keras.saving.register_keras_serializable(package="lrkit")
class LearningRateSchedule(keras.optimizers.schedules.LearningRateSchedule):
    """An lrkit schedule as a Keras learning-rate schedule: ``schedule(iteration, base)``.

    ``schedule`` is any lrkit schedule, ``base`` what it scales from (the lr the optimizer
    would otherwise be built with), a finite number ``>= 0``; ``updates_per_epoch`` makes an
    epoch schedule move smoothly per update, at ``t = iteration / updates_per_epoch`` with
    whole epochs exact. :meth:`get_config` holds the schedule as its ``to_dict()`` tree, so a
    schedule holding a Python callable trains but cannot be saved (``TypeError``, when Keras
    asks for the config).
    """

    def __init__(
        self, schedule: Schedule, base: float = 1.0, *, updates_per_epoch: int | None = None
    ) -> None:
        super().__init__()
        if not isinstance(schedule, Schedule):
            raise v.wrong_type("schedule", f"must be an lrkit schedule, got {schedule!r}")
        self.schedule = schedule
        self.base = v.real_or_int("base", base, minimum=0.0)
        self.updates_per_epoch = (
            None
            if updates_per_epoch is None
            else v.integer("updates_per_epoch", updates_per_epoch, minimum=1)
        )

    def __call__(self, step: Any) -> Any:
        """The lr for the update after ``step`` updates, as a backend float tensor."""
        t = keras.ops.cast(step, _time_dtype())
        upe = self.updates_per_epoch
        if upe is not None:
            # Whole epochs exactly, then the fraction: XLA (the JAX backend) divides by a
            # constant as a multiplication by its reciprocal, which puts update 41 * 41 just
            # before epoch 41 for updates_per_epoch=41. floor_divide and mod are exact.
            t = keras.ops.floor_divide(t, upe) + keras.ops.mod(t, upe) / upe
        return self.schedule(t, self.base)

    def get_config(self) -> dict[str, Any]:
        """``{"schedule": schedule.to_dict(), "base": ..., "updates_per_epoch": ...}``, plain JSON."""
        return {
            "schedule": self.schedule.to_dict(),
            "base": self.base,
            "updates_per_epoch": self.updates_per_epoch,
        }

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> LearningRateSchedule:
        """The schedule :meth:`get_config` describes; its ``schedule`` may be a tree or a schedule."""
        config = dict(config)
        schedule = config.pop("schedule", None)
        if isinstance(schedule, Mapping):
            schedule = from_dict(schedule)
        return cls(schedule, **config)

    def __repr__(self) -> str:
        upe = "" if self.updates_per_epoch is None else f", updates_per_epoch={self.updates_per_epoch!r}"
        return f"lrkit.keras.LearningRateSchedule({self.schedule!r}, base={self.base!r}{upe})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, LearningRateSchedule):
            return NotImplemented
        return (self.schedule, self.base, self.updates_per_epoch) == (
            other.schedule,
            other.base,
            other.updates_per_epoch,
        )

    def __hash__(self) -> int:
        return hash((self.schedule, self.base, self.updates_per_epoch))


def _time_dtype() -> str:
    return keras.config.floatx() if keras.config.floatx() in ("float32", "float64") else "float32"
