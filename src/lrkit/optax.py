"""lrkit schedules as optax schedules: ``count -> value``, traceable under ``jax.jit``.

An optax schedule is a function of the update count (an int32 JAX array, 0 for the first
update) that returns the hyperparameter's value for that update. :func:`schedule` makes one of
any lrkit schedule and a base value; give it wherever optax takes a schedule::

    import optax
    import lrkit
    import lrkit.optax

    sched = lrkit.warmup(lrkit.cosine(t_initial=10_000, lr_min=1e-5), warmup_t=500)
    opt = optax.adamw(learning_rate=lrkit.optax.schedule(sched, base=3e-4))

    # Several hyperparameters at once, each from its own schedule (and readable in the state):
    opt = optax.inject_hyperparams(optax.adamw)(
        learning_rate=lrkit.optax.schedule(sched, base=3e-4),
        b1=lrkit.optax.schedule(lrkit.piecewise_linear([(0, 0.85), (500, 0.95)])),  # base 1
        weight_decay=lrkit.optax.schedule(lrkit.cosine(t_initial=10_000), base=0.05),
    )

The value is ``schedule(t, base)`` with ``t = count`` (or ``count / updates_per_epoch`` for a
schedule that counts epochs), evaluated in JAX, an integer count as JAX's default float
(float32, float64 with ``jax_enable_x64``): a closed form of the count, so the jitted update
step compiles once and a resumed run (whose optimizer state holds the count) continues with
the same values.
A concrete count on the CPU is checked as lrkit checks any time (a negative one raises);
inside ``jax.jit`` the count is traced, and nothing reads it back.

This module imports JAX; ``import lrkit`` does not import it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import jax
import jax.numpy as jnp

from lrkit import checks as v
from lrkit.schedule import Schedule

__all__ = ["OptaxSchedule", "schedule"]


@dataclasses.dataclass(frozen=True)
class OptaxSchedule:
    """An lrkit schedule as an optax schedule: called with the update count, returns the value.

    ``OptaxSchedule(schedule, base)(count) == schedule(count, base)`` as a JAX array (of the
    default float dtype for an integer count), with ``count`` divided by ``updates_per_epoch``
    first when that is given (an epoch schedule evaluated smoothly per update, whole epochs
    exact). ``schedule`` is any lrkit schedule; ``base`` is what it scales from (the lr for a
    learning rate, the optimizer's ``b1`` for a beta), a finite number ``>= 0``. Instances
    compare by value, hash (so a jitted function may take one as a static argument), and
    print as the call that builds them; :func:`schedule` is the same class.
    """

    schedule: Schedule
    base: float = 1.0
    updates_per_epoch: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise v.wrong_type("schedule", f"must be an lrkit schedule, got {self.schedule!r}")
        object.__setattr__(self, "base", v.real_or_int("base", self.base, minimum=0.0))
        if self.updates_per_epoch is not None:
            upe = v.integer("updates_per_epoch", self.updates_per_epoch, minimum=1)
            object.__setattr__(self, "updates_per_epoch", upe)

    def __call__(self, count: Any) -> jax.Array:
        """The value for update number ``count`` (an int or a JAX array of them, traced or not)."""
        t = jnp.asarray(count)
        if t.dtype == jnp.bool_:
            raise v.wrong_type("count", f"must be an update count, got {count!r}")
        if not jnp.issubdtype(t.dtype, jnp.floating):
            # The default float dtype, before any division: in JAX an int32 divided by an int is
            # float32 even with jax_enable_x64 on.
            t = t.astype(jnp.result_type(float))
        upe = self.updates_per_epoch
        if upe is not None:
            # Whole epochs exactly, then the fraction: XLA on CPU divides an array by a constant
            # as a multiplication by its reciprocal, so 41 * 41 updates / 41 would come out just
            # below epoch 41 and a step at epoch 41 would come one update late. floor_divide
            # and remainder are exact.
            t = t // upe + (t % upe) / upe
        return self.schedule(t, self.base)

    def __repr__(self) -> str:
        upe = "" if self.updates_per_epoch is None else f", updates_per_epoch={self.updates_per_epoch!r}"
        return f"lrkit.optax.schedule({self.schedule!r}, base={self.base!r}{upe})"


# The public factory is the class under the name users call.
schedule = OptaxSchedule
