"""pytorch-warmup's warmups (``pytorch_warmup``) as dampening factors of the lr.

pytorch-warmup multiplies the lr that is already in a param group (the optimizer's own, or
what an lr scheduler just wrote) by a factor ``omega(t)`` in ``[0, 1]`` at every step ``t``,
counted from 0 (the dampening its constructor does is step 0). Each builder here returns that
factor as a multiplier schedule, ``v(t) = base * omega(t)``: alone, the lr pytorch-warmup gives
a group whose lr is ``base`` and which no scheduler changes. On top of an lrkit schedule,
:func:`dampen` multiplies it in pytorch-warmup's order; on top of a torch scheduler that stays a
torch scheduler, :class:`lrkit.torch.foreign.Dampening` does what ``warmup.dampening()`` does.

The untuned warmups and ``RAdamWarmup`` read ``beta2`` from each param group's ``betas``. A
schedule of ``(t, base)`` cannot see the optimizer, and the registry fills in only an
optimizer's lr, so their builders take ``beta2`` as a required keyword:
``lrkit.create("pytorch_warmup:UntunedLinearWarmup", beta2=optimizer.defaults["betas"][1])``.
A group with betas of its own needs its own schedule (one per group, in a
:class:`lrkit.torch.Scheduler` or a :class:`~lrkit.torch.foreign.Dampening`); likewise a list
``warmup_period``, which pytorch-warmup reads as one period per group. ``last_step`` is not
taken: a driver resumes from its ``state_dict``.
"""

from __future__ import annotations

from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.recipes.registry import qualified_only, register, register_examples
from lrkit.schedule import SCALAR, Schedule, _set, schedule_class

__all__ = [
    "Dampened",
    "ExponentialFactor",
    "LinearFactor",
    "RAdamFactor",
    "dampen",
    "exponential_warmup",
    "linear_warmup",
    "radam_warmup",
    "untuned_exponential_warmup",
    "untuned_linear_warmup",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("pytorch_warmup")


def _period(value: Any) -> int:
    if isinstance(value, (list, tuple)):
        raise v.wrong_type(
            "warmup_period",
            f"must be one integer here, got {value!r}: build one schedule per param group for a list",
        )
    return v.integer("warmup_period", value, minimum=1)


def _beta2(value: Any, *, above: float = 0.0) -> float:
    beta2 = v.real("beta2", value, minimum=above, maximum=1.0, strict_minimum=above > 0, strict_maximum=True)
    return beta2


@schedule_class
class LinearFactor(Schedule):
    """pytorch-warmup's linear factor: ``v(t) = base * min(1, (t + 1) / warmup_period)``.

    >>> s = LinearFactor(warmup_period=4)
    >>> [s(t) for t in range(6)]
    [0.25, 0.5, 0.75, 1.0, 1.0, 1.0]
    """

    name: ClassVar[str] = "pytorch_warmup:linear"
    affine: ClassVar[bool] = True
    warmup_period: int

    def __post_init__(self) -> None:
        _set(self, "warmup_period", _period(self.warmup_period))

    @property
    def length(self) -> float | None:
        return self.warmup_period - 1

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base * xp.minimum(1.0, (t + 1) / self.warmup_period)


@schedule_class
class ExponentialFactor(Schedule):
    """pytorch-warmup's exponential factor: ``v(t) = base * (1 - exp(-(t + 1) / warmup_period))``.

    >>> s = ExponentialFactor(warmup_period=2)
    >>> [round(s(t), 6) for t in range(3)]
    [0.393469, 0.632121, 0.77687]
    """

    name: ClassVar[str] = "pytorch_warmup:exponential"
    affine: ClassVar[bool] = True
    warmup_period: int

    def __post_init__(self) -> None:
        _set(self, "warmup_period", _period(self.warmup_period))

    length = None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base * (1.0 - xp.exp(-(t + 1) / self.warmup_period))


def _rho_inf(beta2: float) -> float:
    return 2.0 / (1 - beta2) - 1


def _rho(xp: Any, t: Any, beta2: float, rho_inf: float) -> Any:
    """RAdam's ``rho_t = rho_inf - 2 t beta2 ** t / (1 - beta2 ** t)``."""
    power = beta2**t
    return rho_inf - 2 * t * power / (1 - power)


@schedule_class
class RAdamFactor(Schedule):
    """pytorch-warmup's RAdam factor, RAdam's variance rectification term at step ``t + delta``.

    With ``rho_inf = 2 / (1 - beta2) - 1``, ``rho_t = rho_inf - 2 t beta2 ** t / (1 - beta2 ** t)``,
    ``delta`` the first step ``>= 1`` with ``rho_delta > 4`` and ``r = rho_(t + delta)``:
    ``v(t) = base * sqrt((r - 4) * (r - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * r))``.

    >>> s = RAdamFactor(beta2=0.999)
    >>> [round(s(t), 6) for t in (0, 10, 1000)]
    [0.017312, 0.069031, 0.646639]
    """

    name: ClassVar[str] = "pytorch_warmup:radam"
    affine: ClassVar[bool] = True
    beta2: float = 0.999

    def __post_init__(self) -> None:
        # pytorch-warmup's bound: at or below 0.6 rho_t never passes 4 (no step to start at).
        beta2 = _beta2(self.beta2, above=0.6)
        _set(self, "beta2", v.real_or_int("beta2", self.beta2))
        rho_inf = _rho_inf(beta2)
        offset = 1
        while _rho(SCALAR, offset, beta2, rho_inf) <= 4:
            offset += 1
        _set(self, "_rho_inf", rho_inf)
        _set(self, "_offset", offset)

    length = None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        rho_inf = self._rho_inf
        rho = _rho(xp, t + self._offset, float(self.beta2), rho_inf)
        numerator = (rho - 4) * (rho - 2) * rho_inf
        denominator = (rho_inf - 4) * (rho_inf - 2) * rho
        return base * xp.sqrt(numerator / denominator)


@schedule_class
class Dampened(Schedule):
    """``schedule`` dampened by a warmup factor, as pytorch-warmup dampens a scheduler's lr.

    ``v(t) = schedule(t, base) * warmup(t, base=1)``: the lr first, then the factor, in
    pytorch-warmup's order (``group["lr"] *= omega``).

    >>> from lrkit import cosine
    >>> s = Dampened(cosine(t_initial=10), LinearFactor(warmup_period=5))
    >>> [round(s(t, base=0.1), 6) for t in (0, 4, 5)]
    [0.02, 0.065451, 0.05]
    """

    name: ClassVar[str] = "pytorch_warmup:dampen"
    affine: ClassVar[bool] = True
    schedule: Schedule
    warmup: Schedule

    def __post_init__(self) -> None:
        for field in ("schedule", "warmup"):
            if not isinstance(getattr(self, field), Schedule):
                raise v.wrong_type(field, f"must be an lrkit schedule, got {getattr(self, field)!r}")

    @property
    def length(self) -> float | None:
        a, b = self.schedule.length, self.warmup.length
        return None if a is None or b is None else max(a, b)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.schedule._value(xp, t, base) * self.warmup._value(xp, t, 1.0)


def dampen(schedule: Schedule, warmup: Schedule) -> Schedule:
    """``schedule`` with the warmup factor ``warmup`` applied on top: :class:`Dampened`.

    ``v(t) = schedule(t, base) * warmup(t, base=1)``

    >>> from lrkit import constant
    >>> dampen(constant(), linear_warmup(warmup_period=2))(0, base=0.5)
    0.25
    """
    return Dampened(schedule, warmup)


# -- the names ----------------------------------------------------------------------------------


@register("pytorch_warmup:LinearWarmup", unit="update")
def linear_warmup(*, warmup_period: int) -> Schedule:
    """``LinearWarmup``: ``v(t) = base * min(1, (t + 1) / warmup_period)`` (:class:`LinearFactor`).

    >>> linear_warmup(warmup_period=10)(4, base=0.1)
    0.05
    """
    return LinearFactor(warmup_period=warmup_period)


@register("pytorch_warmup:ExponentialWarmup", unit="update")
def exponential_warmup(*, warmup_period: int) -> Schedule:
    """``ExponentialWarmup``: ``v(t) = base * (1 - exp(-(t + 1) / warmup_period))``, ExponentialFactor.

    >>> round(exponential_warmup(warmup_period=10)(9, base=0.1), 6)
    0.063212
    """
    return ExponentialFactor(warmup_period=warmup_period)


@register("pytorch_warmup:UntunedLinearWarmup", unit="update")
def untuned_linear_warmup(*, beta2: float) -> Schedule:
    """``UntunedLinearWarmup``: ``LinearWarmup`` over ``int(2 / (1 - beta2))`` steps (Adam's ``beta2``).

    ``v(t) = base * min(1, (t + 1) / int(2 / (1 - beta2)))``; for ``beta2=0.999`` that is 1999
    steps, as pytorch-warmup's float arithmetic truncates it.

    >>> untuned_linear_warmup(beta2=0.999)
    LinearFactor(warmup_period=1999)
    """
    return LinearFactor(warmup_period=int(2.0 / (1.0 - _beta2(beta2))))


@register("pytorch_warmup:UntunedExponentialWarmup", unit="update")
def untuned_exponential_warmup(*, beta2: float) -> Schedule:
    """``UntunedExponentialWarmup``: ``ExponentialWarmup`` with ``warmup_period = int(1 / (1 - beta2))``.

    ``v(t) = base * (1 - exp(-(t + 1) / int(1 / (1 - beta2))))``

    >>> untuned_exponential_warmup(beta2=0.99)
    ExponentialFactor(warmup_period=99)
    """
    return ExponentialFactor(warmup_period=int(1.0 / (1.0 - _beta2(beta2))))


@register("pytorch_warmup:RAdamWarmup", unit="update")
def radam_warmup(*, beta2: float) -> Schedule:
    """``RAdamWarmup``: RAdam's rectification term as the factor (:class:`RAdamFactor`, the formula is there).

    >>> round(radam_warmup(beta2=0.99)(100, base=1.0), 6)
    0.647608
    """
    return RAdamFactor(beta2=beta2)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "pytorch_warmup:LinearWarmup": [{"warmup_period": 5}],
        "pytorch_warmup:ExponentialWarmup": [{"warmup_period": 5}],
        "pytorch_warmup:UntunedLinearWarmup": [{"beta2": 0.99}],
        "pytorch_warmup:UntunedExponentialWarmup": [{"beta2": 0.99}],
        "pytorch_warmup:RAdamWarmup": [{"beta2": 0.99}],
    }
)
