"""Ways to build a schedule out of others: warmup, sequence, restarts, noise, clamp, scale,
and the time and base transforms (stairs, shift, multiplier).

Every combinator is itself a :class:`~lrkit.Schedule`, so they nest freely and round-trip
through :meth:`~lrkit.Schedule.to_dict`. Inner schedules always see a local time ``>= 0``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any, ClassVar

import array_api_compat
import numpy as np

from lrkit import _validate as v
from lrkit.schedule import SCALAR, Schedule, _set, schedule_class

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
    "register_noise_generator",
    "reverse",
    "scale",
    "sequence",
    "shift",
    "stairs",
    "warmup",
]


def _check_schedule(name: str, value: Any) -> Schedule:
    if not isinstance(value, Schedule):
        raise TypeError(f"{name} must be an lrkit schedule, got {value!r}")
    return value


@schedule_class
class Warmup(Schedule):
    """A linear ramp from ``warmup_lr_init`` over ``warmup_t``, then ``schedule``.

    ``v(t) = warmup_lr_init + t * ((target - warmup_lr_init) / warmup_t)`` for ``t < warmup_t``,
    then ``schedule(t - warmup_t if prefix else t)``. ``target`` is ``base`` (timm's warmup,
    ``target="base"``), the inner value where the warmup hands over (``"end"``, continuous, as
    timm's tanh), or the inner value at the same time (``"follow"``, YOLOv5's ``np.interp``
    towards the current lr).

    >>> from lrkit import constant
    >>> s = warmup(constant(), warmup_t=4, warmup_lr_init=0.0)
    >>> [s(t, base=1.0) for t in range(6)]
    [0.0, 0.25, 0.5, 0.75, 1.0, 1.0]
    """

    name: ClassVar[str] = "warmup"
    schedule: Schedule
    warmup_t: float
    warmup_lr_init: float = 0.0
    prefix: bool = False
    target: str = "base"

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "warmup_t", v.real_or_int("warmup_t", self.warmup_t, minimum=0.0))
        _set(self, "warmup_lr_init", v.real_or_int("warmup_lr_init", self.warmup_lr_init, minimum=0.0))
        v.flag("prefix", self.prefix)
        v.choice("target", self.target, ("base", "end", "follow"))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        inner, length = self.schedule, self.warmup_t
        if not length:
            return inner._value(xp, t, base)
        if xp is SCALAR and t >= length and self.target != "end":
            # Past the ramp a scalar needs only the inner value (this runs on every step).
            return inner._value(xp, t - length if self.prefix else t, base)
        inner_t = xp.maximum(t - length, 0.0) if self.prefix else t
        after = inner._value(xp, inner_t, base)
        if self.target == "base":
            target = base
        elif self.target == "follow":
            target = after
        else:
            target = inner._value(xp, xp.full_like(t, 0.0 if self.prefix else length), base)
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
    schedules: tuple[Schedule, ...]
    boundaries: tuple[float, ...]

    def __post_init__(self) -> None:
        schedules = _sequence_of("schedules", self.schedules)
        if not schedules:
            raise ValueError("schedules must hold at least one schedule, got []")
        _set(self, "schedules", tuple(_check_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)))
        boundaries = tuple(
            v.real_or_int(f"boundaries[{i}]", b, minimum=0.0, strict_minimum=True)
            for i, b in enumerate(_sequence_of("boundaries", self.boundaries))
        )
        if len(boundaries) != len(schedules) - 1:
            raise ValueError(
                f"boundaries must have one entry fewer than schedules ({len(schedules) - 1}), "
                f"got {len(boundaries)}: {list(boundaries)!r}"
            )
        if any(b <= a for a, b in pairwise(boundaries)):
            raise ValueError(f"boundaries must be strictly increasing, got {list(boundaries)!r}")
        _set(self, "boundaries", boundaries)

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
    cycle's end value for a schedule without one). ``t_initial`` defaults to the shape's.
    ``settle_index=False`` keeps the float ``floor(log(...))`` as it falls, as timm does, which
    can place the first instant of a cycle at the end of the one before. ``cycle_limit=None``
    restarts forever (torch's ``CosineAnnealingWarmRestarts``; JSON ``null``), which needs
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
    schedule: Schedule
    t_initial: float | None = None
    cycle_mul: float = 1.0
    cycle_decay: float = 1.0
    cycle_limit: int | None = 1
    settle_index: bool = True

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        v.flag("settle_index", self.settle_index)
        if self.t_initial is None:
            if not self.schedule.finite:
                raise ValueError(
                    f"t_initial is required: {self.schedule!r} has no length of its own to restart"
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
            raise ValueError(
                f"cycle_limit=None (unlimited cycles) needs cycle_mul >= 1, got cycle_mul={self.cycle_mul!r}"
            )

    @property
    def length(self) -> float:
        """The first cycle's length."""
        return self.schedule.t_initial if self.t_initial is None else self.t_initial

    def cycle_length(self, cycles: int | None = None) -> float:
        """The total length of the first ``cycles`` cycles (all of them by default).

        ``t_initial * cycles`` when ``cycle_mul == 1``, else
        ``t_initial * (cycle_mul ** cycles - 1) / (cycle_mul - 1)``.
        """
        if cycles is None and self.cycle_limit is None:
            raise ValueError("cycle_limit=None restarts forever: give cycles, how many cycles to measure")
        n = self.cycle_limit if cycles is None else v.integer("cycles", cycles, minimum=1)
        if self.cycle_mul == 1:
            return self.length * n
        return -self.length * (self.cycle_mul**n - 1) / (1 - self.cycle_mul)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        first, mul, decay, limit = self.length, self.cycle_mul, self.cycle_decay, self.cycle_limit
        if mul != 1:
            # Clamped so that t past the total length of infinitely many shrinking cycles
            # (cycle_mul < 1) lands in a cycle past the limit instead of a log domain error.
            position = xp.maximum(1 - t / first * (1 - mul), 1e-300)
            index = xp.floor(xp.log(position) / math.log(mul))
            if self.settle_index:
                # The log ratio can round either way at a cycle's first instant (log(243) /
                # log(3) is 4.999...); settle the index against the cycle starts themselves.
                index = xp.where(t < (1 - mul**index) / (1 - mul) * first, index - 1, index)
                index = xp.where(t >= (1 - mul ** (index + 1)) / (1 - mul) * first, index + 1, index)
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


NoiseGenerator = Callable[[np.ndarray, str, float, float], np.ndarray]
_NOISE_GENERATORS: dict[str, NoiseGenerator] = {"lrkit": _counter_noise}
_GENERATOR_HOMES = {"torch": "lrkit.torch"}


def register_noise_generator(name: str, generator: NoiseGenerator) -> None:
    """Make ``noise(..., generator=name)`` draw with ``generator(keys, kind, pct, std)``.

    ``keys`` is an int64 array of ``seed + floor(t)``; the result holds one relative noise per
    key, within ``(-pct, pct)``. ``lrkit.torch`` registers ``"torch"``, timm's generator.
    """
    if not callable(generator):
        raise TypeError(f"generator must be callable, got {generator!r}")
    _NOISE_GENERATORS[name] = generator


@schedule_class
class Noise(Schedule):
    """Relative noise, drawn afresh for each unit of time, on top of ``schedule``.

    ``v(t) = s + s * n(seed + floor(t))`` while ``t`` is in ``range_t`` (``t >= range_t``, or
    ``start <= t < end`` for a pair), ``s = schedule(t)``. ``n`` is a normal draw times ``std``,
    redrawn until ``|n| < pct`` (``kind="normal"``), or uniform in ``[-pct, pct)``
    (``kind="uniform"``). The same ``t`` always gives the same noise. ``generator="torch"``
    (after ``import lrkit.torch``) draws timm's numbers.

    >>> from lrkit import constant
    >>> s = noise(constant(), range_t=(0, 10), pct=0.1, seed=1)
    >>> s(3) == s(3) and 0.9 < s(3) < 1.1 and s(10) == 1.0
    True
    """

    name: ClassVar[str] = "noise"
    schedule: Schedule
    range_t: Any
    pct: float = 0.67
    std: float = 1.0
    seed: int = 42
    kind: str = "normal"
    generator: str = "lrkit"

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        span = self.range_t
        if isinstance(span, Sequence) and not isinstance(span, (str, bytes)):
            if len(span) != 2:
                raise ValueError(f"range_t must be a start or a (start, end) pair, got {span!r}")
            start = v.real_or_int("range_t[0]", span[0], minimum=0.0)
            end = v.real_or_int("range_t[1]", span[1], minimum=0.0)
            if end < start:
                raise ValueError(f"range_t must have start <= end, got {span!r}")
            _set(self, "range_t", (start, end))
        else:
            _set(self, "range_t", v.real_or_int("range_t", span, minimum=0.0))
        _set(self, "pct", v.real_or_int("pct", self.pct, minimum=0.0, strict_minimum=True))
        _set(self, "std", v.real_or_int("std", self.std, minimum=0.0, strict_minimum=True))
        _set(self, "seed", v.integer("seed", self.seed))
        v.choice("kind", self.kind, ("normal", "uniform"))
        if self.generator not in _NOISE_GENERATORS:
            home = _GENERATOR_HOMES.get(self.generator)
            hint = f"; import {home} to register it" if home else ""
            raise ValueError(
                f"generator must be one of {', '.join(map(repr, sorted(_NOISE_GENERATORS)))}; "
                f"got {self.generator!r}{hint}"
            )

    def _in_range(self, t: Any) -> Any:
        if isinstance(self.range_t, tuple):
            return (self.range_t[0] <= t) & (t < self.range_t[1])
        return t >= self.range_t

    def _draw(self, keys: np.ndarray) -> np.ndarray:
        return _NOISE_GENERATORS[self.generator](keys, self.kind, float(self.pct), float(self.std))

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
    affine: ClassVar[bool] = False
    schedule: Schedule
    min_value: float | None = None
    max_value: float | None = None

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        if self.min_value is None and self.max_value is None:
            raise ValueError("clamp needs min_value, max_value or both; got neither")
        for field in ("min_value", "max_value"):
            if getattr(self, field) is not None:
                _set(self, field, v.real_or_int(field, getattr(self, field)))
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValueError(f"min_value must be <= max_value, got {self.min_value!r} > {self.max_value!r}")

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        # In t's kind even for an inner constant: torch's maximum() rejects two Python floats.
        value = self.schedule._value(xp, t, base) + 0.0 * t
        if self.min_value is not None:
            value = xp.maximum(value, self.min_value)
        if self.max_value is not None:
            value = xp.minimum(value, self.max_value)
        return value


@schedule_class
class Scale(Schedule):
    """``schedule`` multiplied by a number; ``0.5 * s`` builds one.

    ``v(t) = factor * schedule(t)``

    >>> from lrkit import constant
    >>> (0.5 * constant())(3, base=0.2)
    0.1
    """

    name: ClassVar[str] = "scale"
    schedule: Schedule
    factor: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "factor", v.real_or_int("factor", self.factor))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.factor * self.schedule._value(xp, t, base)

    def __repr__(self) -> str:
        inner = repr(self.schedule)
        if isinstance(self.schedule, Scale):
            inner = f"({inner})"  # else 0.5 * 0.5 * s reads back as one scale by 0.25
        return f"{self.factor!r} * {inner}"


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
    schedule: Schedule

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)

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
    schedules: tuple[Schedule, ...]

    def __post_init__(self) -> None:
        schedules = _sequence_of("schedules", self.schedules)
        if not schedules:
            raise ValueError("schedules must hold at least one schedule, got []")
        _set(self, "schedules", tuple(_check_schedule(f"schedules[{i}]", s) for i, s in enumerate(schedules)))

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
    schedule: Schedule
    base: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "base", v.real_or_int("base", self.base, minimum=0.0))

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
    schedule: Schedule
    every: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "every", v.real_or_int("every", self.every, minimum=0.0, strict_minimum=True))

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
    schedule: Schedule
    by: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "by", v.real_or_int("by", self.by))

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
    schedule: Schedule
    t_initial: float | None = None

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        if self.t_initial is None:
            if not self.schedule.finite:
                raise ValueError(f"t_initial is required: {self.schedule!r} has no length of its own")
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
        raise TypeError(f"{name} must be a list, got {value!r}")
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
