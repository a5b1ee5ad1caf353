"""fvcore's ``ParamScheduler`` classes (``fvcore.common.param_scheduler``) as lrkit schedules.

An fvcore scheduler is a function of ``where``, the fraction of training done, in ``[0, 1)``;
its values are absolute (``start_value``, ``values``), whatever the optimizer's lr. Each class
is a node of this module under fvcore's own name, taking fvcore's constructor arguments, whose
time *is* ``where``: ``CosineParamScheduler(start_value=1, end_value=0)(0.25)`` is fvcore's
``CosineParamScheduler(1, 0)(0.25)``, with fvcore's arithmetic (its ``WHERE_EPSILON`` of
``1e-6`` in the step and composite look-ups, its truncation of the step index, its running
totals of composite lengths) so that the values are fvcore's, bit for bit on Python floats.
:class:`Progress` puts such a schedule on a run of ``total_t`` updates, ``where = t / total_t``,
the division detectron2's ``LRMultiplier`` makes (``last_epoch / max_iter``).

The recipes ``fvcore:<ClassName>`` take the class's arguments and ``total_t``, the number of
updates ``where`` is measured over, and return ``Progress(<node>, total_t=total_t)``: at update
``t`` the value fvcore's scheduler gives at ``t / total_t``, the same for every group.
``fvcore:CompositeParamScheduler`` takes its ``schedulers`` as nodes of this module (any lrkit
schedule, its time read as ``where``), as lrkit trees (``{"type": ...}``), or as Hydra-style
``{"_target_": "fvcore.common.param_scheduler.CosineParamScheduler", ...}`` mappings, the way a
detectron2 LazyConfig writes them.

Where fvcore fails or extrapolates, these nodes hold: ``where`` past 1 is read as 1 (fvcore
raises there, or runs its formula on: a cosine back up, a polynomial to a complex number);
the step schedulers keep their last value where fvcore's index runs off its list (at
``where = 1``, and for ``where > 1 - 1e-6``, which a run of more than a million updates
reaches in its last updates); ``ConstantParamScheduler`` holds its value at ``where >= 1``,
where fvcore raises. A rescaled composite piece of length 0 is never chosen before
``where = 1 - 1e-6``; there fvcore divides by its zero length, and lrkit reads its time as
``where - start``. Unlike fvcore, ``CompositeParamScheduler`` refuses a negative length and
leaves the caller's ``lengths`` list as it was (fvcore writes its corrected last length into
it). The nodes' values ignore the base; a piece that is another lrkit schedule (its time read
as ``where``) gets the base passed through.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.recipes.registry import discover, qualified_only, register, register_examples
from lrkit.schedule import SCALAR, Clock, Schedule, _power, _set, from_dict, schedule_class

__all__ = [
    "WHERE_EPSILON",
    "CompositeParamScheduler",
    "ConstantParamScheduler",
    "CosineParamScheduler",
    "ExponentialParamScheduler",
    "LinearParamScheduler",
    "MultiStepParamScheduler",
    "PolynomialDecayParamScheduler",
    "Progress",
    "StepParamScheduler",
    "StepWithFixedGammaParamScheduler",
    "TARGETS",
    "where_schedule",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("fvcore")

#: fvcore's ``ParamScheduler.WHERE_EPSILON``: the slack of its step and composite look-ups.
WHERE_EPSILON = 1e-6


def _number(name: str, value: Any, **bounds: Any) -> int | float:
    return v.real_or_int(name, value, **bounds)


def _numbers(name: str, values: Any, *, empty: bool = False) -> tuple[int | float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise v.wrong_type(name, f"must be a list of numbers, got {values!r}")
    if not values and not empty:
        raise v.invalid(name, "must hold at least one value, got []")
    # Every list of fvcore's holds values or times: neither is ever negative.
    return tuple(_number(f"{name}[{i}]", x, minimum=0.0) for i, x in enumerate(values))


def _held(xp: Any, where: Any) -> Any:
    """``where`` read as at most 1: fvcore's schedules end there, and these nodes hold."""
    return xp.minimum(where, 1.0)


def _index(xp: Any, where: Any, count: int | float) -> Any:
    """fvcore's ``int((where + WHERE_EPSILON) * count)``: truncated, so never below 0 here."""
    return xp.floor(xp.maximum((where + WHERE_EPSILON) * count, 0.0))


class _WhereSchedule(Schedule):
    """A schedule whose time is fvcore's ``where``; its value ignores the base (it is absolute)."""

    affine: ClassVar[bool] = True  # a(t) = 0

    @property
    def length(self) -> float | None:
        return 1


# -- the nodes ----------------------------------------------------------------------------------


@schedule_class
class ConstantParamScheduler(_WhereSchedule):
    """fvcore's ``ConstantParamScheduler``: one value throughout.

    ``v(where) = value`` (at ``where >= 1`` too, where fvcore raises).

    >>> ConstantParamScheduler(value=0.1)(0.5, base=7.0)
    0.1
    """

    name: ClassVar[str] = "fvcore:constant"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    length: ClassVar[int] = 0
    value: float

    def __post_init__(self) -> None:
        _set(self, "value", _number("value", self.value, minimum=0.0))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.value if xp is SCALAR else self.value + 0.0 * t


@schedule_class
class CosineParamScheduler(_WhereSchedule):
    """fvcore's ``CosineParamScheduler``: a half cosine from ``start_value`` to ``end_value``.

    ``v(where) = end_value + 0.5 * (start_value - end_value) * (1 + cos(pi * min(where, 1)))``

    >>> s = CosineParamScheduler(start_value=1.0, end_value=0.0)
    >>> [round(s(w), 12) for w in (0, 0.5, 1, 2)]
    [1.0, 0.5, 0.0, 0.0]
    """

    name: ClassVar[str] = "fvcore:cosine"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    start_value: float
    end_value: float

    def __post_init__(self) -> None:
        _set(self, "start_value", _number("start_value", self.start_value, minimum=0.0))
        _set(self, "end_value", _number("end_value", self.end_value, minimum=0.0))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        where = _held(xp, t)
        return self.end_value + 0.5 * (self.start_value - self.end_value) * (1 + xp.cos(math.pi * where))


@schedule_class
class ExponentialParamScheduler(_WhereSchedule):
    """fvcore's ``ExponentialParamScheduler``: ``start_value`` times ``decay`` to the power ``where``.

    ``v(where) = start_value * decay ** min(where, 1)``

    >>> s = ExponentialParamScheduler(start_value=2.0, decay=0.25)
    >>> [s(w) for w in (0, 0.5, 1, 3)]
    [2.0, 1.0, 0.5, 0.5]
    """

    name: ClassVar[str] = "fvcore:exponential"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    start_value: float
    decay: float

    def __post_init__(self) -> None:
        _set(self, "start_value", _number("start_value", self.start_value, minimum=0.0))
        # decay ** where for the slightly negative where a composite can pass: decay > 0.
        _set(self, "decay", _number("decay", self.decay, minimum=0.0, strict_minimum=True))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.start_value * _power(xp, self.decay, _held(xp, t))


@schedule_class
class LinearParamScheduler(_WhereSchedule):
    """fvcore's ``LinearParamScheduler``: a straight line from ``start_value`` to ``end_value``.

    ``v(where) = end_value * w + start_value * (1 - w)`` with ``w = min(where, 1)``

    >>> s = LinearParamScheduler(start_value=0.0, end_value=2.0)
    >>> [s(w) for w in (0, 0.25, 1, 5)]
    [0.0, 0.5, 2.0, 2.0]
    """

    name: ClassVar[str] = "fvcore:linear"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    start_value: float
    end_value: float

    def __post_init__(self) -> None:
        _set(self, "start_value", _number("start_value", self.start_value, minimum=0.0))
        _set(self, "end_value", _number("end_value", self.end_value, minimum=0.0))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        where = _held(xp, t)
        return self.end_value * where + self.start_value * (1 - where)


@schedule_class
class MultiStepParamScheduler(_WhereSchedule):
    """fvcore's ``MultiStepParamScheduler``: ``values[i]`` from milestone ``i`` on, out of ``num_updates``.

    With ``e = int((min(where, 1) + 1e-6) * num_updates)``:
    ``v(where) = values[#{m in milestones : m <= e}]``. Given ``milestones`` without
    ``num_updates``, the last milestone is ``num_updates``; given ``num_updates`` alone, the
    milestones split it evenly, every ``ceil(num_updates / len(values))`` (fvcore's rules; the
    node keeps ``num_updates`` and the inner milestones).

    >>> s = MultiStepParamScheduler(values=[1.0, 0.1, 0.01], milestones=[30, 60, 90])
    >>> s.num_updates, s.milestones
    (90, (30, 60))
    >>> [s(w) for w in (0, 0.34, 0.5, 0.7, 1)]
    [1.0, 0.1, 0.1, 0.01, 0.01]
    """

    name: ClassVar[str] = "fvcore:multistep"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    values: tuple[float, ...]
    num_updates: int | None = None
    milestones: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        values = _numbers("values", self.values)
        num_updates, milestones = self.num_updates, self.milestones
        if num_updates is None and milestones is None:
            raise v.invalid("num_updates", "or {milestones} is needed; got neither", "milestones")
        if num_updates is not None:
            num_updates = _number("num_updates", num_updates)
        if milestones is None:
            width = math.ceil(num_updates / float(len(values)))
            milestones = tuple(width * (i + 1) for i in range(len(values) - 1))
        else:
            milestones = _numbers("milestones", milestones, empty=True)
            wanted = len(values) - (num_updates is not None)
            if len(milestones) != wanted:
                given = "" if num_updates is None else " with {num_updates}"
                raise v.InvalidValueError(
                    f"{{milestones}} must hold {wanted} milestones for {len(values)} {{values}}{given}, "
                    f"got {len(milestones)}: {list(milestones)!r}",
                    "milestones",
                    "values",
                    "num_updates",
                )
            if num_updates is None:
                if not milestones:
                    raise v.invalid(
                        "milestones", "must hold at least one milestone (the last is num_updates)"
                    )
                num_updates, milestones = milestones[-1], milestones[:-1]
        if num_updates < len(values):
            raise v.invalid(
                "num_updates",
                f"must be >= the number of {{values}} ({len(values)}), got {num_updates!r}",
                "values",
            )
        start = 0
        for i, milestone in enumerate(milestones):
            if milestone >= num_updates:
                raise v.invalid(
                    f"milestones[{i}]",
                    f"must be < {{num_updates}} ({num_updates!r}), got {milestone!r}",
                    "num_updates",
                )
            if milestone <= start:
                raise v.invalid(
                    f"milestones[{i}]", f"must be > {start!r} (increasing, above 0), got {milestone!r}"
                )
            start = milestone
        _set(self, "values", values)
        _set(self, "num_updates", num_updates)
        _set(self, "milestones", milestones)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        reached = _index(xp, _held(xp, t), self.num_updates)
        if xp is SCALAR:
            return self.values[sum(1 for m in self.milestones if m <= reached)]
        value = self.values[0] + 0.0 * t
        for milestone, after in zip(self.milestones, self.values[1:], strict=True):
            value = xp.where(reached >= milestone, after, value)
        return value


class _Steps(_WhereSchedule):
    """fvcore's ``StepParamScheduler`` look-up over ``self._values``."""

    def _steps(self) -> tuple[float, ...]:
        raise NotImplementedError

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        values = self._steps()
        # fvcore's index runs past the list at where = 1 (and just before it on long runs):
        # the last value is held there.
        index = _index(xp, _held(xp, t), len(values))
        if xp is SCALAR:
            return values[min(int(index), len(values) - 1)]
        value = values[0] + 0.0 * t
        for k in range(1, len(values)):
            value = xp.where(index >= k, values[k], value)
        return value


@schedule_class
class StepParamScheduler(_Steps):
    """fvcore's ``StepParamScheduler``: ``values`` one after another, each for an equal share of the run.

    ``v(where) = values[min(int((min(where, 1) + 1e-6) * len(values)), len(values) - 1)]``;
    ``num_updates`` is checked (> 0) and not used, as in fvcore.

    >>> s = StepParamScheduler(num_updates=120, values=[0.1, 0.01, 0.001, 0.0001])
    >>> [s(w) for w in (0, 0.25, 0.5, 0.99, 1)]
    [0.1, 0.01, 0.001, 0.0001, 0.0001]
    """

    name: ClassVar[str] = "fvcore:step"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    num_updates: float
    values: tuple[float, ...]

    def __post_init__(self) -> None:
        _set(self, "num_updates", _number("num_updates", self.num_updates, minimum=0.0, strict_minimum=True))
        _set(self, "values", _numbers("values", self.values))

    def _steps(self) -> tuple[float, ...]:
        return self.values


@schedule_class
class StepWithFixedGammaParamScheduler(_Steps):
    """fvcore's ``StepWithFixedGammaParamScheduler``: ``num_decays`` equal steps down by ``gamma``.

    ``StepParamScheduler`` over ``[b, b * gamma, (b * gamma) * gamma, ...]`` (``num_decays + 1``
    values, each the last times ``gamma``, as fvcore multiplies them), ``b = base_value``.

    >>> s = StepWithFixedGammaParamScheduler(base_value=1.0, num_decays=2, gamma=0.5, num_updates=90)
    >>> [s(w) for w in (0, 0.34, 0.67, 1)]
    [1.0, 0.5, 0.25, 0.25]
    """

    name: ClassVar[str] = "fvcore:step_with_fixed_gamma"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    base_value: float
    num_decays: int
    gamma: float
    num_updates: int

    def __post_init__(self) -> None:
        _set(self, "base_value", _number("base_value", self.base_value, minimum=0.0, strict_minimum=True))
        # fvcore lists every step's value, as lrkit does: past 2 ** 22 it is memory, not a schedule.
        _set(self, "num_decays", v.integer("num_decays", self.num_decays, minimum=1, maximum=2**22))
        _set(self, "gamma", _number("gamma", self.gamma, minimum=0.0, strict_minimum=True))
        _set(self, "num_updates", v.integer("num_updates", self.num_updates, minimum=1))
        values = [self.base_value]
        for _ in range(self.num_decays):
            values.append(values[-1] * self.gamma)
        _set(self, "_values", tuple(values))

    def _steps(self) -> tuple[float, ...]:
        return self._values  # type: ignore[attr-defined]


@schedule_class
class PolynomialDecayParamScheduler(_WhereSchedule):
    """fvcore's ``PolynomialDecayParamScheduler``: ``base_value * (1 - where) ** power``.

    ``v(where) = base_value * (1 - min(where, 1)) ** power``

    >>> s = PolynomialDecayParamScheduler(base_value=0.1, power=2)
    >>> [round(s(w), 12) for w in (0, 0.5, 1, 2)]
    [0.1, 0.025, 0.0, 0.0]
    """

    name: ClassVar[str] = "fvcore:polynomial_decay"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    base_value: float
    power: float

    def __post_init__(self) -> None:
        _set(self, "base_value", _number("base_value", self.base_value, minimum=0.0))
        # 0 ** power at where = 1: a negative power divides by zero (fvcore raises there).
        _set(self, "power", _number("power", self.power, minimum=0.0))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.base_value * (1 - _held(xp, t)) ** self.power


_SCALINGS = ("rescaled", "fixed")


@schedule_class
class CompositeParamScheduler(_WhereSchedule):
    """fvcore's ``CompositeParamScheduler``: ``schedulers`` in turn, each for its share of ``lengths``.

    With ``w = min(where, 1)``, running totals ``T_j = l_0 + ... + l_j`` (added up in that order,
    the last length first corrected to ``1 - sum(others)`` unless they sum to 1 exactly) and
    ``i`` the first ``j < n - 1`` with ``w + 1e-6 <= T_j`` (else ``n - 1``):
    ``v(where) = schedulers[i](w)`` for ``"fixed"`` scaling, ``schedulers[i]((w - S_i) / l_i)``
    with ``S_i = T_i - l_i`` for ``"rescaled"``.

    >>> s = CompositeParamScheduler(
    ...     [ConstantParamScheduler(value=0.42), CosineParamScheduler(start_value=0.42, end_value=0.0)],
    ...     lengths=[0.3, 0.7],
    ...     interval_scaling=["rescaled", "rescaled"],
    ... )
    >>> [round(s(w), 12) for w in (0, 0.29, 0.3, 0.65, 1)]
    [0.42, 0.42, 0.42, 0.21, 0.0]
    """

    name: ClassVar[str] = "fvcore:composite"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    schedulers: tuple[Schedule, ...]
    lengths: tuple[float, ...]
    interval_scaling: tuple[str, ...]

    def __post_init__(self) -> None:
        if isinstance(self.schedulers, (str, bytes)) or not isinstance(self.schedulers, Sequence):
            raise v.wrong_type("schedulers", f"must be a list of schedules, got {self.schedulers!r}")
        schedulers = tuple(where_schedule(f"schedulers[{i}]", s) for i, s in enumerate(self.schedulers))
        if not schedulers:
            raise v.invalid("schedulers", "must hold at least one scheduler, got []")
        lengths = list(_numbers("lengths", self.lengths, empty=True))
        if len(lengths) != len(schedulers):
            raise v.invalid(
                "lengths",
                f"must have one entry per scheduler ({len(schedulers)}), got {len(lengths)}: {lengths!r}",
                "schedulers",
            )
        for i, length in enumerate(lengths):
            if length < 0:
                raise v.invalid(f"lengths[{i}]", f"must be >= 0, got {length!r}")
        # fvcore's sum, with this interpreter's sum() (whose rounding changed in Python 3.12).
        if abs(sum(lengths) - 1.0) >= 1e-3:
            raise v.invalid("lengths", f"must sum to 1, got {lengths!r} (sum {sum(lengths)!r})")
        if sum(lengths) != 1.0:
            lengths[-1] = 1.0 - sum(lengths[:-1])
        scaling = self.interval_scaling
        if isinstance(scaling, (str, bytes)) or not isinstance(scaling, Sequence):
            raise v.wrong_type(
                "interval_scaling", f"must be a list of 'rescaled' or 'fixed', got {scaling!r}"
            )
        scaling = tuple(v.choice(f"interval_scaling[{i}]", s, _SCALINGS) for i, s in enumerate(scaling))
        if len(scaling) != len(schedulers):
            raise v.invalid(
                "interval_scaling",
                f"must have one entry per scheduler ({len(schedulers)}), got {list(scaling)!r}",
                "schedulers",
            )
        _set(self, "schedulers", schedulers)
        _set(self, "lengths", tuple(lengths))
        _set(self, "interval_scaling", scaling)
        totals, total = [], 0.0
        for i, length in enumerate(lengths):
            total = length if i == 0 else total + length  # fvcore's running total
            totals.append(total)
        _set(self, "_totals", tuple(totals))
        _set(self, "_starts", tuple(total - length for total, length in zip(totals, lengths, strict=True)))

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        found = []
        for piece, start, end, length, scaling in self._pieces():
            if scaling == "fixed":
                found.append((piece, Clock(start=start, end=end)))
            else:
                found.append((piece, Clock(offset=start, scale=length, start=start, end=end)))
        return tuple(found)

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        for piece, start, _, _, _ in self._pieces()[1:]:
            if start < until:
                yield float(start), f"{piece.name} from here"

    def _pieces(self) -> list[tuple[Schedule, float, float, float, str]]:
        ends = (*self._totals[:-1], math.inf)  # type: ignore[attr-defined]
        return list(
            zip(self.schedulers, self._starts, ends, self.lengths, self.interval_scaling, strict=True)  # type: ignore[attr-defined]
        )

    def _piece(self, xp: Any, i: int, where: Any, base: Any) -> Any:
        piece = self.schedulers[i]
        if self.interval_scaling[i] == "fixed":
            return piece._value(xp, where, base)
        # A piece of length 0 is only ever chosen as the last one, at where > 1 - 1e-6, where
        # fvcore divides by zero: its time is then where - start.
        length = self.lengths[i] or 1.0
        return piece._value(xp, (where - self._starts[i]) / length, base)  # type: ignore[attr-defined]

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        where = _held(xp, t)
        last = len(self.schedulers) - 1
        totals = self._totals  # type: ignore[attr-defined]
        if xp is SCALAR:
            i = 0
            while where + WHERE_EPSILON > totals[i] and i < last:
                i += 1
            return self._piece(xp, i, where, base)
        value = self._piece(xp, last, where, base) + 0.0 * t
        for i in range(last - 1, -1, -1):
            value = xp.where(where + WHERE_EPSILON > totals[i], value, self._piece(xp, i, where, base))
        return value


@schedule_class
class Progress(Schedule):
    """A schedule of ``where`` (the fraction of a run done) on a run of ``total_t`` updates.

    ``v(t) = schedule(t / total_t)``, the one division detectron2's ``LRMultiplier`` makes; past
    ``total_t`` the fvcore nodes hold their value at ``where = 1``.

    >>> s = Progress(LinearParamScheduler(start_value=1.0, end_value=0.0), total_t=4)
    >>> [s(t) for t in range(6)]
    [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    name: ClassVar[str] = "fvcore:progress"
    affine: ClassVar[bool] = True
    schedule: Schedule
    total_t: float

    def __post_init__(self) -> None:
        _set(self, "schedule", where_schedule("schedule", self.schedule))
        _set(self, "total_t", _number("total_t", self.total_t, minimum=0.0, strict_minimum=True))

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        return ((self.schedule, Clock(scale=float(self.total_t))),)

    @property
    def length(self) -> float | None:
        inner = self.schedule.length
        return None if inner is None else inner * self.total_t

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.schedule._value(xp, t / self.total_t, base)


# -- schedules given as configs -------------------------------------------------------------------

#: What a Hydra-style ``{"_target_": ...}`` mapping may name (the last dotted part of the
#: target), with what builds its node from the mapping's other keys. detectron2's recipe
#: module adds ``WarmupParamScheduler``.
TARGETS: dict[str, Callable[..., Schedule]] = {
    cls.__name__: cls
    for cls in (
        ConstantParamScheduler,
        CosineParamScheduler,
        ExponentialParamScheduler,
        LinearParamScheduler,
        MultiStepParamScheduler,
        PolynomialDecayParamScheduler,
        StepParamScheduler,
        StepWithFixedGammaParamScheduler,
        CompositeParamScheduler,
    )
}


def where_schedule(name: str, value: Any) -> Schedule:
    """``value`` as a schedule of ``where``: a schedule, an lrkit tree, or a ``_target_`` mapping.

    >>> where_schedule("s", {"_target_": "fvcore.common.param_scheduler.ConstantParamScheduler", "value": 2})
    ConstantParamScheduler(value=2)
    """
    if isinstance(value, Schedule):
        return value
    if isinstance(value, Mapping) and "_target_" in value:
        target = value["_target_"]
        label = target.__name__ if isinstance(target, type) else target
        if isinstance(label, str) and label.rpartition(".")[2] not in TARGETS:
            discover()  # other recipe modules add their targets (detectron2's WarmupParamScheduler)
        if not isinstance(label, str) or label.rpartition(".")[2] not in TARGETS:
            raise v.invalid(
                name,
                f"names _target_ {target!r}; lrkit knows {', '.join(sorted(TARGETS))} "
                "(by the last dotted part)",
            )
        arguments = {key: item for key, item in value.items() if key != "_target_"}
        with v.renamed(**{key: f"{name}.{key}" for key in arguments}):
            return TARGETS[label.rpartition(".")[2]](**arguments)
    if isinstance(value, Mapping) and "type" in value:
        return from_dict(value)
    raise v.wrong_type(
        name,
        f"must be a schedule of where (an fvcore node of lrkit.recipes.fvcore), an lrkit tree or a "
        f"{{'_target_': ...}} mapping, got {value!r}",
    )


# -- the recipes ----------------------------------------------------------------------------------


def _run(node: Schedule, total_t: Any) -> Schedule:
    return Progress(node, total_t=total_t)


@register("fvcore:ConstantParamScheduler", unit="update")
def constant(*, value: float, total_t: float) -> Schedule:
    """``ConstantParamScheduler(value)`` over ``total_t`` updates: ``value`` throughout.

    ``v(t) = value``

    >>> import lrkit
    >>> lrkit.create("fvcore:ConstantParamScheduler", value=0.1, total_t=10)(3, base=5.0)
    0.1
    """
    return _run(ConstantParamScheduler(value=value), total_t)


@register("fvcore:CosineParamScheduler", unit="update")
def cosine(*, start_value: float, end_value: float, total_t: float) -> Schedule:
    """``CosineParamScheduler(start_value, end_value)`` over ``total_t`` updates.

    ``v(t) = end_value + 0.5 * (start_value - end_value) * (1 + cos(pi * (t / total_t)))``,
    held from ``t = total_t``.

    >>> s = cosine(start_value=0.1, end_value=0.0, total_t=10)
    >>> [round(s(t), 12) for t in (0, 5, 10, 20)]
    [0.1, 0.05, 0.0, 0.0]
    """
    return _run(CosineParamScheduler(start_value=start_value, end_value=end_value), total_t)


@register("fvcore:ExponentialParamScheduler", unit="update")
def exponential(*, start_value: float, decay: float, total_t: float) -> Schedule:
    """``ExponentialParamScheduler(start_value, decay)`` over ``total_t`` updates.

    ``v(t) = start_value * decay ** (t / total_t)``, held from ``t = total_t``.

    >>> s = exponential(start_value=2.0, decay=0.25, total_t=10)
    >>> [s(t) for t in (0, 5, 10)]
    [2.0, 1.0, 0.5]
    """
    return _run(ExponentialParamScheduler(start_value=start_value, decay=decay), total_t)


@register("fvcore:LinearParamScheduler", unit="update")
def linear(*, start_value: float, end_value: float, total_t: float) -> Schedule:
    """``LinearParamScheduler(start_value, end_value)`` over ``total_t`` updates.

    With ``w = t / total_t``: ``v(t) = end_value * w + start_value * (1 - w)``, held from ``t = total_t``.

    >>> s = linear(start_value=0.0, end_value=1.0, total_t=4)
    >>> [s(t) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """
    return _run(LinearParamScheduler(start_value=start_value, end_value=end_value), total_t)


@register("fvcore:MultiStepParamScheduler", unit="update")
def multistep(
    *,
    values: Sequence[float],
    num_updates: int | None = None,
    milestones: Sequence[int] | None = None,
    total_t: float,
) -> Schedule:
    """``MultiStepParamScheduler(values, num_updates, milestones)`` over ``total_t`` updates.

    With ``e = int((t / total_t + 1e-6) * num_updates)``: ``v(t) = values[#{m in milestones : m <= e}]``.

    >>> s = multistep(values=[1.0, 0.1, 0.01], milestones=[6, 8], num_updates=10, total_t=10)
    >>> [s(t) for t in range(10)]
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    """
    return _run(
        MultiStepParamScheduler(values=values, num_updates=num_updates, milestones=milestones), total_t
    )


@register("fvcore:PolynomialDecayParamScheduler", unit="update")
def polynomial_decay(*, base_value: float, power: float, total_t: float) -> Schedule:
    """``PolynomialDecayParamScheduler(base_value, power)`` over ``total_t`` updates.

    ``v(t) = base_value * (1 - t / total_t) ** power``, then 0 from ``t = total_t``.

    >>> s = polynomial_decay(base_value=0.1, power=2, total_t=10)
    >>> [round(s(t), 12) for t in (0, 5, 10)]
    [0.1, 0.025, 0.0]
    """
    return _run(PolynomialDecayParamScheduler(base_value=base_value, power=power), total_t)


@register("fvcore:StepParamScheduler", unit="update")
def step(*, num_updates: float, values: Sequence[float], total_t: float) -> Schedule:
    """``StepParamScheduler(num_updates, values)`` over ``total_t`` updates: each value for an equal share.

    ``v(t) = values[min(int((t / total_t + 1e-6) * len(values)), len(values) - 1)]``

    >>> s = step(num_updates=4, values=[1.0, 0.5], total_t=4)
    >>> [s(t) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.5]
    """
    return _run(StepParamScheduler(num_updates=num_updates, values=values), total_t)


@register("fvcore:StepWithFixedGammaParamScheduler", unit="update")
def step_with_fixed_gamma(
    *, base_value: float, num_decays: int, gamma: float, num_updates: int, total_t: float
) -> Schedule:
    """``StepWithFixedGammaParamScheduler(...)`` over ``total_t`` updates: ``num_decays`` equal steps.

    ``v(t) = base_value * gamma ** k`` (multiplied out one ``gamma`` at a time) with
    ``k = min(int((t / total_t + 1e-6) * (num_decays + 1)), num_decays)``.

    >>> s = step_with_fixed_gamma(base_value=1.0, num_decays=1, gamma=0.5, num_updates=4, total_t=4)
    >>> [s(t) for t in range(5)]
    [1.0, 1.0, 0.5, 0.5, 0.5]
    """
    node = StepWithFixedGammaParamScheduler(
        base_value=base_value, num_decays=num_decays, gamma=gamma, num_updates=num_updates
    )
    return _run(node, total_t)


@register("fvcore:CompositeParamScheduler", unit="update")
def composite(
    *,
    schedulers: Sequence[Any],
    lengths: Sequence[float],
    interval_scaling: Sequence[str],
    total_t: float,
) -> Schedule:
    """``CompositeParamScheduler(schedulers, lengths, interval_scaling)`` over ``total_t`` updates.

    ``v(t) = CompositeParamScheduler(...)(t / total_t)``: the scheduler whose share of
    ``lengths`` holds ``t / total_t`` (fvcore's look-up), on that time (``"fixed"``) or on its own
    share's progress (``"rescaled"``).

    >>> ramp = {"_target_": "LinearParamScheduler", "start_value": 0, "end_value": 1}
    >>> hold = {"_target_": "fvcore.common.param_scheduler.ConstantParamScheduler", "value": 1}
    >>> s = composite(
    ...     schedulers=[ramp, hold],
    ...     lengths=[0.5, 0.5],
    ...     interval_scaling=["rescaled", "fixed"],
    ...     total_t=8,
    ... )
    >>> [s(t) for t in range(8)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0]
    """
    node = CompositeParamScheduler(schedulers, lengths=lengths, interval_scaling=interval_scaling)
    return _run(node, total_t)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "fvcore:ConstantParamScheduler": [{"value": 0.1, "total_t": 10}],
        "fvcore:CosineParamScheduler": [{"start_value": 0.1, "end_value": 0.001, "total_t": 20}],
        "fvcore:ExponentialParamScheduler": [{"start_value": 0.1, "decay": 0.02, "total_t": 20}],
        "fvcore:LinearParamScheduler": [{"start_value": 0.0, "end_value": 0.1, "total_t": 20}],
        "fvcore:MultiStepParamScheduler": [
            {"values": [0.1, 0.01, 0.001], "milestones": [5, 8], "num_updates": 10, "total_t": 10}
        ],
        "fvcore:PolynomialDecayParamScheduler": [{"base_value": 0.1, "power": 2.0, "total_t": 20}],
        "fvcore:StepParamScheduler": [{"num_updates": 10, "values": [0.1, 0.01], "total_t": 10}],
        "fvcore:StepWithFixedGammaParamScheduler": [
            {"base_value": 0.1, "num_decays": 2, "gamma": 0.1, "num_updates": 9, "total_t": 18}
        ],
        "fvcore:CompositeParamScheduler": [
            {
                "schedulers": [
                    {"_target_": "LinearParamScheduler", "start_value": 0.0, "end_value": 0.1},
                    {"_target_": "CosineParamScheduler", "start_value": 0.1, "end_value": 0.0},
                ],
                "lengths": [0.2, 0.8],
                "interval_scaling": ["rescaled", "rescaled"],
                "total_t": 20,
            },
        ],
    }
)
