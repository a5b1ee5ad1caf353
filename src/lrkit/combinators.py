"""Ways to build a schedule out of others: warmup, sequence, restarts, noise, clamp, scale,
and the time and base transforms (stairs, shift, multiplier).

Every combinator is itself a :class:`~lrkit.Schedule`, so they nest freely and round-trip
through :meth:`~lrkit.Schedule.to_dict`. Inner schedules always see a local time ``>= 0``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Any, ClassVar

import array_api_compat
import numpy as np

from lrkit import checks as v
from lrkit.schedule import SCALAR, Clock, Scale, Schedule, _set, schedule_class

_MAX_RESTART_MARKS = 200

__all__ = [
    "Clamp",
    "Cycles",
    "Multiplier",
    "Noise",
    "Product",
    "Rebase",
    "Reverse",
    "Scale",
    "Sequential",
    "Shift",
    "Stairs",
    "Warmup",
    "clamp",
    "cycles",
    "multiplier",
    "noise",
    "product",
    "rebase",
    "reverse",
    "scale",
    "sequence",
    "shift",
    "stairs",
    "warmup",
]


def _check_schedule(name: str, value: Any) -> Schedule:
    if not isinstance(value, Schedule):
        raise v.wrong_type(name, f"must be an lrkit schedule, got {value!r}")
    return value


def _later(*lengths: float | None) -> float | None:
    """The latest of some lengths, ``None`` (never settles) if any is."""
    return None if any(x is None for x in lengths) else max(lengths)  # type: ignore[type-var]


@schedule_class
class Warmup(Schedule):
    """A linear ramp from ``warmup_lr_init`` to ``base`` over ``warmup_t``, then ``schedule``.

    ``v(t) = warmup_lr_init + t * ((base - warmup_lr_init) / warmup_t)`` for ``t < warmup_t``,
    then ``schedule(t - warmup_t if prefix else t)``. Ramps that aim elsewhere are nodes of
    the recipes that need them (timm's tanh ramps to where its curve picks up).

    >>> from lrkit import constant
    >>> s = warmup(constant(), warmup_t=4, warmup_lr_init=0.0)
    >>> [s(t, base=1.0) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """

    name: ClassVar[str] = "warmup"
    affine: ClassVar[bool] = True
    moved: ClassVar[dict[str, str]] = {
        "target": "target='end' (timm's tanh) is lrkit.recipes.timm.CurveWarmup, target='follow' "
        "(YOLOv5) is lrkit.recipes.yolov5.FollowWarmup; the ramp to base is warmup() itself",
    }
    schedule: Schedule
    warmup_t: float
    warmup_lr_init: float = 0.0
    prefix: bool = False

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "warmup_t", v.real_or_int("warmup_t", self.warmup_t, minimum=0.0))
        _set(self, "warmup_lr_init", v.real_or_int("warmup_lr_init", self.warmup_lr_init, minimum=0.0))
        v.flag("prefix", self.prefix)

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        w = float(self.warmup_t)
        return ((self.schedule, Clock(offset=w if self.prefix else 0.0, start=w)),)

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        if self.warmup_t:
            yield float(self.warmup_t), "warmup end"

    @property
    def length(self) -> float | None:
        inner = self.schedule.length
        if inner is None:
            return None
        return self.warmup_t + inner if self.prefix else max(self.warmup_t, inner)

    def _target(self, xp: Any, t: Any, base: Any, after: Any) -> Any:
        """What the ramp reaches at ``warmup_t``; ``after`` is the inner value at ``t``."""
        return base

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        inner, length = self.schedule, self.warmup_t
        if not length:
            return inner._value(xp, t, base)
        if xp is SCALAR and t >= length:
            # Past the ramp a scalar needs only the inner value (this runs on every step).
            return inner._value(xp, t - length if self.prefix else t, base)
        inner_t = xp.maximum(t - length, 0.0) if self.prefix else t
        after = inner._value(xp, inner_t, base)
        target = self._target(xp, t, base, after)
        ramp = self.warmup_lr_init + t * ((target - self.warmup_lr_init) / length)
        return xp.where(t < length, ramp, after)


@schedule_class
class Sequential(Schedule):
    """Schedules one after another, each on its own local time.

    ``v(t) = schedules[i](t - boundaries[i - 1])`` for ``boundaries[i - 1] <= t < boundaries[i]``
    (``boundaries[-1] = 0``).

    >>> from lrkit import constant, linear
    >>> s = sequence([linear(t_initial=2, start_factor=0.0, end_factor=1.0), constant(0.5)], boundaries=[2])
    >>> [s(t) for t in range(4)]
    [0.0, 0.5, 0.5, 0.5]
    """

    name: ClassVar[str] = "sequence"
    affine: ClassVar[bool] = True
    schedules: tuple[Schedule, ...]
    boundaries: tuple[float, ...]

    def __post_init__(self) -> None:
        schedules = _sequence_of("schedules", self.schedules)
        if not schedules:
            raise v.invalid("schedules", "must hold at least one schedule, got []")
        _set(self, "schedules", tuple(_check_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)))
        boundaries = tuple(
            v.real_or_int(f"boundaries[{i}]", b, minimum=0.0, strict_minimum=True)
            for i, b in enumerate(_sequence_of("boundaries", self.boundaries))
        )
        if len(boundaries) != len(schedules) - 1:
            raise v.invalid(
                "boundaries",
                f"must have one entry fewer than {{schedules}} ({len(schedules) - 1}), "
                f"got {len(boundaries)}: {list(boundaries)!r}",
                "schedules",
            )
        if any(b <= a for a, b in pairwise(boundaries)):
            raise v.invalid("boundaries", f"must be strictly increasing, got {list(boundaries)!r}")
        _set(self, "boundaries", boundaries)

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        starts = (0.0, *map(float, self.boundaries))
        ends = (*starts[1:], math.inf)
        return tuple(
            (piece, Clock(offset=start, start=start, end=end))
            for piece, start, end in zip(self.schedules, starts, ends, strict=True)
        )

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        for start, piece in zip(self.boundaries, self.schedules[1:], strict=True):
            yield float(start), f"{piece.name} from here"

    @property
    def length(self) -> float | None:
        last = self.schedules[-1].length
        if last is None:
            return None
        return (self.boundaries[-1] if self.boundaries else 0) + last

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        value = self.schedules[0]._value(xp, t, base)
        for start, piece in zip(self.boundaries, self.schedules[1:], strict=True):
            local = piece._value(xp, xp.maximum(t - start, 0.0), base)
            value = xp.where(t >= start, local, value)
        return value


@schedule_class
class Cycles(Schedule):
    """SGDR warm restarts of ``schedule`` (timm's ``cycle_*`` arguments).

    Cycle ``i`` lasts ``t_i = t_initial * cycle_mul ** i`` and peaks at
    ``base * cycle_decay ** i``: with ``cycle_mul == 1``, ``i = t // t_initial``; else
    ``i = floor(log(1 - t / t_initial * (1 - cycle_mul)) / log(cycle_mul))`` and the cycle
    starts at ``(1 - cycle_mul ** i) / (1 - cycle_mul) * t_initial``. A finite shape (cosine,
    tanh, poly, linear) is stretched to each cycle's length; any other schedule runs on the
    cycle's local time. After ``cycle_limit`` cycles it holds the shape's floor (the last
    cycle's end value for a schedule without one). ``t_initial`` defaults to the shape's. The
    index is settled against the cycle starts themselves, so every cycle begins at its own
    first instant. ``cycle_limit=None`` restarts forever (JSON ``null``), which needs
    ``cycle_mul >= 1``.

    >>> from lrkit import linear
    >>> s = cycles(linear(t_initial=2), cycle_decay=0.5, cycle_limit=2)
    >>> [s(t) for t in range(6)]
    [1.0, 0.5, 0.5, 0.25, 0.0, 0.0]
    >>> forever = cycles(linear(t_initial=2), cycle_limit=None)
    >>> [forever(t) for t in (0, 1, 2, 3, 1001)]
    [1.0, 0.5, 1.0, 0.5, 0.5]
    """

    name: ClassVar[str] = "cycles"
    affine: ClassVar[bool] = True
    moved: ClassVar[dict[str, str]] = {
        "settle_index": "settle_index=False (timm's float cycle index) is lrkit.recipes.timm.FloatCycles",
    }
    schedule: Schedule
    t_initial: float | None = None
    cycle_mul: float = 1.0
    cycle_decay: float = 1.0
    cycle_limit: int | None = 1

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        if self.t_initial is None:
            if not self.schedule.finite:
                raise v.invalid(
                    "t_initial", f"is required: {self.schedule!r} has no length of its own to restart"
                )
        else:
            _set(
                self,
                "t_initial",
                v.real_or_int("t_initial", self.t_initial, minimum=0.0, strict_minimum=True),
            )
        _set(self, "cycle_mul", v.real_or_int("cycle_mul", self.cycle_mul, minimum=0.0, strict_minimum=True))
        _set(
            self,
            "cycle_decay",
            v.real_or_int("cycle_decay", self.cycle_decay, minimum=0.0),
        )
        if self.cycle_limit is not None:
            _set(self, "cycle_limit", v.integer("cycle_limit", self.cycle_limit, minimum=0))
        elif self.cycle_mul < 1:
            # Shrinking cycles all fit before t_initial / (1 - cycle_mul): past it there is no
            # cycle to be in, and no floor to hold without a last cycle.
            raise v.InvalidValueError(
                "{cycle_limit}=None (unlimited cycles) needs {cycle_mul} >= 1, "
                f"got cycle_mul={self.cycle_mul!r}",
                "cycle_limit",
                "cycle_mul",
            )

    @property
    def first_length(self) -> float:
        """The first cycle's length."""
        return self.schedule.t_initial if self.t_initial is None else self.t_initial

    @property
    def length(self) -> float | None:
        """The end of the last cycle (``None`` for unlimited restarts)."""
        if self.cycle_limit is None:
            return None
        return self.cycle_length() if self.cycle_limit else 0

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        # Each cycle restarts the inner clock (and stretches a finite shape): no single map.
        return ((self.schedule, None),)

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        # Unlimited restarts stop where the plot does, or after a screenful of marks.
        count = self.cycle_limit if self.cycle_limit is not None else _MAX_RESTART_MARKS
        for index in range(1, count):
            start = float(self.cycle_length(index))
            if start >= until:
                return
            yield start, f"cycle {index + 1}"

    def cycle_length(self, cycles: int | None = None) -> float:
        """The total length of the first ``cycles`` cycles (all of them by default).

        ``t_initial * cycles`` when ``cycle_mul == 1``, else
        ``t_initial * (cycle_mul ** cycles - 1) / (cycle_mul - 1)``.
        """
        if cycles is None and self.cycle_limit is None:
            raise v.invalid(
                "cycles", "is needed: cycle_limit=None restarts forever; give how many to measure"
            )
        n = self.cycle_limit if cycles is None else v.integer("cycles", cycles, minimum=1)
        if self.cycle_mul == 1:
            return self.first_length * n
        return -self.first_length * (self.cycle_mul**n - 1) / (1 - self.cycle_mul)

    def _settle(self, xp: Any, t: Any, index: Any) -> Any:
        """The cycle index of ``t``, from the float ``floor(log(...))`` estimate ``index``."""
        first, mul = self.first_length, self.cycle_mul
        # The log ratio can round either way at a cycle's first instant (log(243) / log(3) is
        # 4.999...); settle the index against the cycle starts themselves.
        index = xp.where(t < (1 - mul**index) / (1 - mul) * first, index - 1, index)
        return xp.where(t >= (1 - mul ** (index + 1)) / (1 - mul) * first, index + 1, index)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        first, mul, decay, limit = self.first_length, self.cycle_mul, self.cycle_decay, self.cycle_limit
        if mul != 1:
            # Clamped so that t past the total length of infinitely many shrinking cycles
            # (cycle_mul < 1) lands in a cycle past the limit instead of a log domain error.
            position = xp.maximum(1 - t / first * (1 - mul), 1e-300)
            index = self._settle(xp, t, xp.floor(xp.log(position) / math.log(mul)))
            length = mul**index * first
            local = t - (1 - mul**index) / (1 - mul) * first
        else:
            index = t // first
            length = first
            local = t - first * index
        peak = base * decay**index
        local = xp.clip(local, 0.0, length)
        inner = self.schedule
        if limit is None:
            # Unlimited restarts: every t is inside a cycle, and there is no floor to reach.
            return inner._curve(xp, local, length, peak) if inner.finite else inner._value(xp, local, peak)
        # The floor is where the last cycle ends (cycle_limit=0, which timm allows, holds the
        # first cycle's end from the start).
        last = max(limit - 1, 0)
        if inner.finite:
            inside = inner._curve(xp, local, length, peak)
            floor = inner._floor(base * decay**last)
        else:
            inside = inner._value(xp, local, peak)
            floor = inner._value(xp, xp.full_like(t, mul**last * first), base * decay**last)
        return xp.where(index < limit, inside, floor)


def _counter_uniform(keys: np.ndarray, draw: int) -> np.ndarray:
    """Uniform floats in [0, 1), a pure function of (key, draw): splitmix64, twice mixed."""

    def mix(z: np.ndarray) -> np.ndarray:
        z = z + np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))

    stream = np.uint64((draw * 0xD1B54A32D192ED03) % 2**64)
    z = mix(mix(keys) ^ stream)
    return (z >> np.uint64(11)).astype(np.float64) * 2.0**-53


def _counter_noise(keys: np.ndarray, kind: str, pct: float, std: float) -> np.ndarray:
    """lrkit's own noise: vectorised, the same numbers on every platform and NumPy version."""
    keys = np.asarray(keys, dtype=np.int64).view(np.uint64)
    if kind == "uniform":
        return 2 * (_counter_uniform(keys, 0) - 0.5) * pct
    out = np.empty(keys.shape, dtype=np.float64)
    pending = np.arange(keys.size)
    draw = 0
    while pending.size:
        u1 = _counter_uniform(keys[pending], 2 * draw)
        u2 = _counter_uniform(keys[pending], 2 * draw + 1)
        z = np.sqrt(-2.0 * np.log1p(-u1)) * np.cos(2.0 * np.pi * u2) * std
        ok = np.abs(z) < pct
        out[pending[ok]] = z[ok]
        pending = pending[~ok]
        draw += 1
    return out


@schedule_class
class Noise(Schedule):
    """Relative noise, drawn afresh for each unit of time, on top of ``schedule``.

    ``v(t) = s + s * n(seed + floor(t))`` while ``t`` is in ``range_t`` (``t >= range_t``, or
    ``start <= t < end`` for a pair), ``s = schedule(t)``. ``n`` is a normal draw times ``std``,
    redrawn until ``|n| < pct`` (``kind="normal"``), or uniform in ``[-pct, pct)``
    (``kind="uniform"``), drawn by a counter-based hash of ``seed + floor(t)``: the same ``t``
    always gives the same noise, on every platform. A recipe that must draw another library's
    numbers subclasses this node and overrides ``_draw``.

    >>> from lrkit import constant
    >>> s = noise(constant(), range_t=(0, 10), pct=0.1, seed=1)
    >>> s(3) == s(3) and 0.9 < s(3) < 1.1 and s(10) == 1.0
    True
    """

    name: ClassVar[str] = "noise"
    affine: ClassVar[bool] = True
    moved: ClassVar[dict[str, str]] = {
        "generator": "generator='torch' (timm's draws) is lrkit.recipes.timm.TorchNoise, with the same "
        "arguments; other draws: subclass lrkit.noise and override _draw",
    }
    schedule: Schedule
    range_t: Any
    pct: float = 0.67
    std: float = 1.0
    seed: int = 42
    kind: str = "normal"

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        span = self.range_t
        if isinstance(span, Sequence) and not isinstance(span, (str, bytes)):
            if len(span) != 2:
                raise v.invalid("range_t", f"must be a start or a (start, end) pair, got {span!r}")
            start = v.real_or_int("range_t[0]", span[0], minimum=0.0)
            end = v.real_or_int("range_t[1]", span[1], minimum=0.0)
            if end < start:
                raise v.invalid("range_t", f"must have start <= end, got {span!r}")
            _set(self, "range_t", (start, end))
        else:
            _set(self, "range_t", v.real_or_int("range_t", span, minimum=0.0))
        _set(self, "pct", v.real_or_int("pct", self.pct, minimum=0.0, strict_minimum=True))
        _set(self, "std", v.real_or_int("std", self.std, minimum=0.0, strict_minimum=True))
        _set(self, "seed", v.integer("seed", self.seed))
        v.choice("kind", self.kind, ("normal", "uniform"))

    @property
    def length(self) -> float | None:
        if isinstance(self.range_t, tuple):
            return _later(self.range_t[1], self.schedule.length)
        return None

    def _in_range(self, t: Any) -> Any:
        if isinstance(self.range_t, tuple):
            return (self.range_t[0] <= t) & (t < self.range_t[1])
        return t >= self.range_t

    def _draw(self, keys: np.ndarray) -> np.ndarray:
        """One relative noise per int64 key (``seed + floor(t)``), each within ``(-pct, pct)``."""
        return _counter_noise(keys, self.kind, float(self.pct), float(self.std))

    def relative_noise(self, t: float) -> float:
        """The relative noise ``n`` applied at time ``t`` (0.0 outside ``range_t``)."""
        if not self._in_range(t):
            return 0.0
        return float(self._draw(np.array([self.seed + math.floor(t)], dtype=np.int64))[0])

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        value = self.schedule._value(xp, t, base)
        if xp is SCALAR:
            n = self.relative_noise(t)
            return value + value * n if n else value
        times = np.asarray(array_api_compat.to_device(t, "cpu"), dtype=np.float64)
        mask = self._in_range(times)
        rel = np.zeros(times.shape, dtype=np.float64)
        if mask.any():
            rel[mask] = self._draw(self.seed + np.floor(times[mask]).astype(np.int64))
        rel = xp.asarray(rel, dtype=t.dtype, device=array_api_compat.device(t))
        return value + value * rel


@schedule_class
class Clamp(Schedule):
    """``schedule`` kept within absolute bounds.

    ``v(t) = min(max(schedule(t), min_value), max_value)`` (a bound left ``None`` is not applied)

    >>> from lrkit import exponential
    >>> s = clamp(exponential(gamma=0.5), min_value=0.2)
    >>> [s(t) for t in range(4)]
    [1.0, 0.5, 0.25, 0.2]
    """

    name: ClassVar[str] = "clamp"
    schedule: Schedule
    min_value: float | None = None
    max_value: float | None = None

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        if self.min_value is None and self.max_value is None:
            raise v.invalid("min_value", "or {max_value} is needed (or both); got neither", "max_value")
        for field in ("min_value", "max_value"):
            if getattr(self, field) is not None:
                _set(self, field, v.real_or_int(field, getattr(self, field)))
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise v.invalid(
                "min_value",
                f"must be <= {{max_value}}, got {self.min_value!r} > {self.max_value!r}",
                "max_value",
            )

    @property
    def length(self) -> float | None:
        return self.schedule.length

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        # In t's kind even for an inner constant: torch's maximum() rejects two Python floats.
        value = self.schedule._value(xp, t, base) + 0.0 * t
        if self.min_value is not None:
            value = xp.maximum(value, self.min_value)
        if self.max_value is not None:
            value = xp.minimum(value, self.max_value)
        return value


@schedule_class
class Multiplier(Schedule):
    """``schedule`` evaluated as a multiplier of the base (torch ``LambdaLR``'s reading).

    ``v(t) = base * schedule(t, base=1)``: absolute targets inside ``schedule`` (``lr_min``)
    become fractions of each group's base.

    >>> from lrkit import cosine
    >>> s = multiplier(cosine(t_initial=10, lr_min=0.5))
    >>> s(10, base=0.2)
    0.1
    """

    name: ClassVar[str] = "multiplier"
    affine: ClassVar[bool] = True
    schedule: Schedule

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)

    @property
    def length(self) -> float | None:
        return self.schedule.length

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base * self.schedule._value(xp, t, 1.0)


@schedule_class
class Product(Schedule):
    """Schedules multiplied together, each as a multiplier of the base (torch ``ChainedScheduler``).

    ``v(t) = base * schedules[0](t, base=1) * schedules[1](t, base=1) * ...``: the factors of
    chainable schedules (step, multistep, exponential, linear, poly, a constant factor) compose
    as torch's chain of recursive updates composes them.

    >>> from lrkit import exponential, step
    >>> s = product([step(decay_t=2, decay_rate=0.5), exponential(gamma=0.5)])
    >>> [s(t, base=8.0) for t in range(4)]
    [8.0, 4.0, 1.0, 0.5]
    """

    name: ClassVar[str] = "product"
    affine: ClassVar[bool] = True
    schedules: tuple[Schedule, ...]

    def __post_init__(self) -> None:
        schedules = _sequence_of("schedules", self.schedules)
        if not schedules:
            raise v.invalid("schedules", "must hold at least one schedule, got []")
        _set(self, "schedules", tuple(_check_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)))

    @property
    def length(self) -> float | None:
        return _later(*(s.length for s in self.schedules))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        value = self.schedules[0]._value(xp, t, 1.0)
        for factor in self.schedules[1:]:
            value = value * factor._value(xp, t, 1.0)
        return base * value


@schedule_class
class Rebase(Schedule):
    """``schedule`` on a base of its own, whatever the group's (torch's absolute values).

    ``v(t) = schedule(t, base=base)``: the value no longer depends on the group's base, as
    torch's ``OneCycleLR(max_lr=...)`` and ``CyclicLR(base_lr=...)`` overwrite the optimizer's
    lr, and their ``base_momentum``/``max_momentum`` its momentum.

    >>> from lrkit import linear
    >>> s = rebase(linear(t_initial=4), base=0.5)
    >>> [s(t, base=9.0) for t in (0, 2, 4)]
    [0.5, 0.25, 0.0]
    """

    name: ClassVar[str] = "rebase"
    affine: ClassVar[bool] = True
    schedule: Schedule
    base: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "base", v.real_or_int("base", self.base, minimum=0.0))

    @property
    def length(self) -> float | None:
        return self.schedule.length

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.schedule._value(xp, t, self.base)


@schedule_class
class Stairs(Schedule):
    """``schedule`` held over each period of ``every``, on the period count as its time.

    ``v(t) = schedule(floor(t / every))``: an epoch schedule stepped per update, each update
    taking its epoch's value (``every`` = updates per epoch).

    >>> from lrkit import linear
    >>> s = stairs(linear(t_initial=4), every=10)
    >>> [s(t) for t in (0, 9, 10, 25, 39)]
    [1.0, 1.0, 0.75, 0.5, 0.25]
    """

    name: ClassVar[str] = "stairs"
    affine: ClassVar[bool] = True
    schedule: Schedule
    every: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "every", v.real_or_int("every", self.every, minimum=0.0, strict_minimum=True))

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        return ((self.schedule, Clock(scale=float(self.every))),)

    @property
    def length(self) -> float | None:
        inner = self.schedule.length
        return None if inner is None else self.every * math.ceil(inner)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.schedule._value(xp, t // self.every, base)


@schedule_class
class Shift(Schedule):
    """``schedule`` moved later in time by ``by`` (earlier for a negative ``by``).

    ``v(t) = schedule(max(t - by, 0))``: a lag (``by > 0``) holds the start value first; in a
    :func:`sequence`, ``by = -boundary`` gives a piece back the global time.

    >>> from lrkit import linear
    >>> s = shift(linear(t_initial=4), by=2)
    >>> [s(t) for t in range(7)]
    [1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]
    """

    name: ClassVar[str] = "shift"
    affine: ClassVar[bool] = True
    schedule: Schedule
    by: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "by", v.real_or_int("by", self.by))

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        return ((self.schedule, Clock(offset=float(self.by))),)

    @property
    def length(self) -> float | None:
        inner = self.schedule.length
        return None if inner is None else max(self.by + inner, 0)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        if not self.by:
            return self.schedule._value(xp, t, base)
        return self.schedule._value(xp, xp.maximum(t - self.by, 0.0), base)


@schedule_class
class Reverse(Schedule):
    """``schedule`` run backwards over ``[0, t_initial]``: a decay turned into a ramp up.

    ``v(t) = schedule(max(t_initial - t, 0))``: it ends, and then holds, at ``schedule(0)``.
    ``t_initial`` defaults to the shape's length.

    >>> from lrkit import linear
    >>> s = reverse(linear(t_initial=4))
    >>> [s(t) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """

    name: ClassVar[str] = "reverse"
    affine: ClassVar[bool] = True
    schedule: Schedule
    t_initial: float | None = None

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        return ((self.schedule, None),)  # time runs backwards inside

    @property
    def length(self) -> float | None:
        return self.schedule.t_initial if self.t_initial is None else self.t_initial

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        if self.t_initial is None:
            if not self.schedule.finite:
                raise v.invalid("t_initial", f"is required: {self.schedule!r} has no length of its own")
        else:
            _set(
                self,
                "t_initial",
                v.real_or_int("t_initial", self.t_initial, minimum=0.0, strict_minimum=True),
            )

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        length = self.schedule.t_initial if self.t_initial is None else self.t_initial
        return self.schedule._value(xp, xp.maximum(length - t, 0.0), base)


def _sequence_of(name: str, value: Any) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise v.wrong_type(name, f"must be a list, got {value!r}")
    return tuple(value)


# The public factories are the classes under the names users call.
warmup = Warmup
sequence = Sequential
cycles = Cycles
noise = Noise
clamp = Clamp
scale = Scale
multiplier = Multiplier
product = Product
rebase = Rebase
stairs = Stairs
shift = Shift
reverse = Reverse
