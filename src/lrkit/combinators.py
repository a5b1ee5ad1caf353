"""Ways to build a schedule out of others: warmup, sequence, restarts, noise, clamp, scale,
and the time and base transforms (stairs, shift, multiplier).

Every combinator is itself a :class:`~lrkit.Schedule`, so they nest freely and round-trip
through :meth:`~lrkit.Schedule.to_dict`. Inner schedules always see a local time ``>= 0``.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Sequence
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np

from lrkit import checks as v
from lrkit.schedule import (
    _FLOAT_MAX,
    SCALAR,
    Clock,
    Scale,
    Schedule,
    _device,
    _needs_values,
    _on_host,
    _power,
    _readable,
    _set,
    schedule_class,
)

_MAX_RESTART_MARKS = 200

__all__ = [
    "Clamp",
    "Cycles",
    "Horizon",
    "Multiplier",
    "Noise",
    "Product",
    "Rebase",
    "Reverse",
    "Scale",
    "Sequential",
    "Shift",
    "Stairs",
    "Stretch",
    "Warmup",
    "clamp",
    "cycles",
    "horizon",
    "multiplier",
    "noise",
    "product",
    "rebase",
    "reverse",
    "scale",
    "sequence",
    "shift",
    "stairs",
    "stretch",
    "warmup",
]


def _check_schedule(name: str, value: Any) -> Schedule:
    # A bare Schedule() (or a subclass that is no node) has no formula: refused here, not when
    # the schedule holding it is first evaluated or printed.
    if not isinstance(value, Schedule) or not dataclasses.is_dataclass(value):
        shown = f"{type(value).__name__}()" if isinstance(value, Schedule) else repr(value)
        raise v.wrong_type(name, f"must be an lrkit schedule (a shape or a combinator), got {shown}")
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
        _set(self, "prefix", v.flag("prefix", self.prefix))

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
        if length < 1:
            # Only a ramp shorter than 1 can have a slope past the float range (5e-324 long),
            # and 0 * inf at t = 0 is NaN.
            ramp = xp.where(t > 0, ramp, self.warmup_lr_init)
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
        # In t's kind even for constant pieces: torch's where() of two Python floats is a
        # float32 tensor, whatever t's dtype.
        value = self.schedules[0]._value(xp, t, base) + 0.0 * t
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
            # Past 2 ** 53 cycles no float counts them (nor the time they end at).
            _set(self, "cycle_limit", v.integer("cycle_limit", self.cycle_limit, minimum=0, maximum=2**53))
            if self.cycle_limit and not _power(SCALAR, self.cycle_mul, self.cycle_limit) < _FLOAT_MAX:
                raise v.InvalidValueError(
                    f"{{cycle_limit}}={self.cycle_limit} cycles growing by {{cycle_mul}}={self.cycle_mul!r} "
                    "end past the float range: give fewer cycles, or cycle_limit=None to restart forever",
                    "cycle_limit",
                    "cycle_mul",
                )
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
        peak = base * _power(xp, decay, index)
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
            floor = inner._floor(base * _power(xp, decay, last))
        else:
            inside = inner._value(xp, local, peak)
            floor = inner._value(xp, xp.full_like(t, mul**last * first), base * _power(xp, decay, last))
        return xp.where(index < limit, inside, floor)


# -- lrkit's noise: splitmix64, on the host or in the namespace of a traced t ------------------------

_M32 = 0xFFFFFFFF
_M64 = 2**64 - 1
_GOLDEN = 0x9E3779B97F4A7C15  # splitmix64's increment
_MIX1, _MIX2 = 0xBF58476D1CE4E5B9, 0x94D049BB133111EB  # its multipliers
_STREAM = 0xD1B54A32D192ED03  # draw n of a key is hashed with n * _STREAM
# A normal draw takes enough candidates that a time needing more has a chance below 2 ** -64,
# and its candidates are normal while at least one in _NORMAL_KEPT is kept (_noise_plan).
_MISS = 64 * math.log(2)
_NORMAL_KEPT = 1 / 8


class _Native:
    """Unsigned 64-bit arithmetic where it is native: NumPy's ``uint64``, or Python ints.

    The host's: fast, and what every other arithmetic is checked against.
    """

    def __init__(self, xp: Any) -> None:
        self.xp = xp

    def const(self, value: int) -> Any:
        return value if self.xp is SCALAR else np.uint64(value)

    def add_const(self, z: Any, value: int) -> Any:
        return (z + value) & _M64 if self.xp is SCALAR else z + np.uint64(value)

    def xor(self, a: Any, b: Any) -> Any:
        return a ^ b

    def shift_right(self, z: Any, k: int) -> Any:
        return z >> self.const(k)

    def multiply(self, z: Any, value: int) -> Any:
        return (z * value) & _M64 if self.xp is SCALAR else z * np.uint64(value)

    def stream(self, draw: int) -> Any:
        return self.const((draw * _STREAM) & _M64)

    def unit(self, z: Any, dtype: Any) -> Any:
        """The top 53 bits of ``z`` as a float in ``[0, 1)``."""
        top = z >> self.const(11)
        return (top if self.xp is SCALAR else top.astype(dtype)) * 2.0**-53


class _Pairs:
    """Unsigned 64-bit arithmetic on ``(high, low)`` pairs of 32-bit words, in any namespace.

    A traced or on-device draw is hashed where ``t`` is, in its namespace, and no namespace
    has ``uint64`` arithmetic everywhere: torch computes next to nothing on ``uint32`` or
    ``uint64``, JAX has no 64-bit integers without ``jax_enable_x64``. So each word is held
    in the namespace's ``int64`` when it has one (values below ``2 ** 32``, masked back after
    every step), else in ``uint32``, which wraps at ``2 ** 32`` by itself. Products are taken
    16 bits at a time, so none exceeds 32 bits.
    """

    def __init__(self, xp: Any, like: Any) -> None:
        self.xp = xp
        wide = "int64" in xp.__array_namespace_info__().dtypes(kind="signed integer")
        self.dtype = xp.int64 if wide else xp.uint32
        self.wraps = not wide
        self.device = _device(xp, like)

    def const(self, value: int) -> tuple[Any, Any]:
        # Arrays, not Python ints: JAX refuses an int above 2 ** 31 - 1 next to a uint32 array.
        # Filled on the device, not copied there (a copy from the host can synchronize).
        xp = self.xp
        return tuple(
            xp.full((), word, dtype=self.dtype, device=self.device) for word in (value >> 32, value & _M32)
        )

    def mask(self, x: Any) -> Any:
        return x if self.wraps else x & _M32

    def add(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
        low = self.mask(a[1] + b[1])
        return self.mask(a[0] + b[0] + (low < a[1])), low  # plus the carry

    def add_const(self, a: tuple[Any, Any], value: int) -> tuple[Any, Any]:
        return self.add(a, self.const(value))

    def xor(self, a: tuple[Any, Any], b: tuple[Any, Any]) -> tuple[Any, Any]:
        return a[0] ^ b[0], a[1] ^ b[1]

    def shift_right(self, a: tuple[Any, Any], k: int) -> tuple[Any, Any]:
        """``a >> k`` for ``0 < k < 32``."""
        return a[0] >> k, (a[1] >> k) | self.mask(a[0] << (32 - k))

    @staticmethod
    def _products(x: Any, c: int) -> tuple[Any, Any, Any, Any]:
        x0, x1, c0, c1 = x & 0xFFFF, x >> 16, c & 0xFFFF, c >> 16
        return x0 * c0, x0 * c1, x1 * c0, x1 * c1

    def _multiply_wide(self, x: Any, c: int) -> tuple[Any, Any]:
        """The 64-bit product of the word ``x`` and the Python int ``c < 2 ** 32``."""
        p00, p01, p10, p11 = self._products(x, c)
        middle = (p00 >> 16) + (p01 & 0xFFFF) + (p10 & 0xFFFF)
        high = p11 + (p01 >> 16) + (p10 >> 16) + (middle >> 16)
        return high, ((middle & 0xFFFF) << 16) | (p00 & 0xFFFF)

    def _multiply_low(self, x: Any, c: int) -> Any:
        """The low word of ``x * c``."""
        p00, p01, p10, _ = self._products(x, c)
        return self.mask(p00 + self.mask(((p01 + p10) & 0xFFFF) << 16))

    def multiply(self, a: tuple[Any, Any], value: int) -> tuple[Any, Any]:
        """``a * value`` modulo ``2 ** 64``, ``value`` a Python int."""
        low, high = value & _M32, value >> 32
        carried, result = self._multiply_wide(a[1], low)
        return self.mask(carried + self._multiply_low(a[1], high) + self._multiply_low(a[0], low)), result

    def stream(self, draw: Any) -> tuple[Any, Any]:
        """What draw ``draw`` (an int, or an array of them below ``2 ** 32``) is hashed with."""
        if isinstance(draw, int):
            return self.const((draw * _STREAM) & _M64)
        return self.multiply((0, draw), _STREAM)

    def unit(self, z: tuple[Any, Any], dtype: Any) -> Any:
        """The top 53 bits of ``z`` as a float in ``[0, 1)``."""
        high, low = self.shift_right(z, 11)
        xp = self.xp
        return (xp.astype(high, dtype) * 4294967296.0 + xp.astype(low, dtype)) * 2.0**-53

    def keys(self, t: Any, seed: int) -> tuple[Any, Any]:
        """``seed + floor(t)`` for floats ``t >= 0`` as the host's int64 key, modulo ``2 ** 64``."""
        xp, k = self.xp, self.xp.floor(t)
        high = xp.floor(k / 4294967296.0)
        low = k - high * 4294967296.0
        # A time past 2 ** 64 wraps, as no 64-bit key holds it; every word stays castable.
        words = tuple(xp.astype(w, self.dtype) for w in (high % 4294967296.0, low))
        return self.add(words, self.const(seed & _M64))


def _mix(w: Any, z: Any) -> Any:
    """splitmix64's step: the increment, then its finalizer."""
    z = w.add_const(z, _GOLDEN)
    z = w.multiply(w.xor(z, w.shift_right(z, 30)), _MIX1)
    z = w.multiply(w.xor(z, w.shift_right(z, 27)), _MIX2)
    return w.xor(z, w.shift_right(z, 31))


def _uniform(w: Any, mixed: Any, draw: Any, dtype: Any) -> Any:
    """Draw ``draw`` in ``[0, 1)`` of the keys whose :func:`_mix` is ``mixed``."""
    return w.unit(_mix(w, w.xor(mixed, w.stream(draw))), dtype)


def _noise_plan(pct: float, std: float) -> tuple[bool, int]:
    """How normal noise within ``(-pct, pct)`` is drawn: which candidates, and how many at most.

    Candidates are normal draws kept while ``|z| < pct``, as long as at least one in eight is
    kept (``pct >= 0.157 std``); past that the redraws would grow without bound (``std=1e12``
    keeps one in ``10 ** 12``), so candidates are drawn uniformly in ``(-pct, pct)`` and kept
    with the normal's relative density ``exp(-z**2 / (2 std**2))``, which keeps more than 99.6%
    of them there. Either way the draw is the same truncated normal. The bound is
    ``ceil(64 ln 2 / -ln(1 - p))`` candidates, ``p`` the chance that one is kept: a time whose
    candidates are all refused (a chance below ``2 ** -64``) has no noise. 65 for timm's
    default ``pct=0.67, std=1``; never more than 333.
    """
    ratio = pct / std
    kept = math.erf(ratio / math.sqrt(2.0))
    normal = kept >= _NORMAL_KEPT
    if not normal:
        # The mean of the density ratio over (-pct, pct); 1 - ratio**2 / 6 where erf has no digits.
        kept = math.sqrt(math.pi / 2.0) * kept / ratio if ratio > 1e-6 else 1.0 - ratio * ratio / 6.0
    return normal, _candidates_needed(kept)


def _candidates_needed(kept: float) -> int:
    """How many candidates, each kept with chance ``kept``, leave all refused with a chance below
    ``2 ** -64``: ``ceil(64 ln 2 / -ln(1 - kept))``."""
    if kept >= 1.0:
        return 1
    return max(1, math.ceil(_MISS / -math.log1p(-kept)))


def _candidate(w: Any, mixed: Any, draw: Any, pct: float, std: float, normal: bool, dtype: Any) -> Any:
    """Candidate ``draw`` of a relative noise, from draws ``2 draw`` and ``2 draw + 1``, and
    whether it is kept (see ``_noise_plan``): Box-Muller times ``std`` kept below ``pct``, or
    uniform in ``(-pct, pct)`` kept with the normal's relative density."""
    xp = w.xp
    u1 = _uniform(w, mixed, 2 * draw, dtype)
    u2 = _uniform(w, mixed, 2 * draw + 1, dtype)
    if normal:
        z = xp.sqrt(-2.0 * xp.log1p(-u1)) * xp.cos(2.0 * math.pi * u2) * std
        return z, xp.abs(z) < pct
    z = (2.0 * u1 - 1.0) * pct
    return z, (xp.abs(z) < pct) & (u2 < xp.exp(-0.5 * (z / std) ** 2))


def _counter_draw(key: int, kind: str, pct: float, std: float) -> float:
    """lrkit's relative noise for one key, in Python ints: a driver draws one at every step."""
    w = _Native(SCALAR)
    mixed = _mix(w, key & _M64)
    if kind == "uniform":
        return 2 * (_uniform(w, mixed, 0, float) - 0.5) * pct
    normal, rounds = _noise_plan(pct, std)
    for draw in range(rounds):
        z, kept = _candidate(w, mixed, draw, pct, std, normal, float)
        if kept:
            return z
    return 0.0


def _counter_noise(keys: np.ndarray, kind: str, pct: float, std: float) -> np.ndarray:
    """lrkit's relative noise for int64 keys, on the host: the same numbers on every platform.

    A normal draw is redrawn until it is kept, each key until its first kept candidate, within
    the bound of ``_noise_plan`` that a traced draw (which cannot loop on values) takes too.
    """
    w = _Native(np)
    keys = np.asarray(keys, dtype=np.int64)
    mixed = _mix(w, keys.view(np.uint64))
    if kind == "uniform":
        return 2 * (_uniform(w, mixed, 0, np.float64) - 0.5) * pct
    normal, rounds = _noise_plan(pct, std)
    flat = mixed.ravel()
    out = np.zeros(flat.shape, dtype=np.float64)
    pending = np.arange(flat.size)
    for draw in range(rounds):
        if not pending.size:
            break
        z, kept = _candidate(w, flat[pending], draw, pct, std, normal, np.float64)
        out[pending[kept]] = z[kept]
        pending = pending[~kept]
    return out.reshape(keys.shape)


@schedule_class
class Noise(Schedule):
    """Relative noise, drawn afresh for each unit of time, on top of ``schedule``.

    ``v(t) = s + s * n(seed + floor(t))`` while ``t`` is in ``range_t`` (``t >= range_t``, or
    ``start <= t < end`` for a pair), ``s = schedule(t)``. ``n`` is a normal draw times ``std``
    kept within ``|n| < pct`` (``kind="normal"``, a truncated normal), or uniform in
    ``[-pct, pct)`` (``kind="uniform"``), drawn by a counter-based hash of ``seed + floor(t)``:
    the same ``t`` always gives the same noise, on every platform. ``0 < pct <= 1``, so the value
    is never negative. A normal draw takes a bounded number of candidates whatever ``pct`` and
    ``std`` (``_noise_plan``; a time whose candidates are all refused, a chance below
    ``2 ** -64``, has no noise), the same on the host, on a device and under tracing
    (``torch.compile``, ``jax.jit``), where the hash runs where ``t`` is. A recipe that must draw another
    library's numbers subclasses this node and overrides ``_draw``, which takes NumPy keys:
    such a node is drawn on the host, eagerly only.

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
    #: What a subclass's own draws are, for the message that refuses a traced t.
    _host_draws: ClassVar[str] = "its _draw takes NumPy keys"
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
        # A relative noise past 1 would write negative values.
        _set(self, "pct", v.real_or_int("pct", self.pct, minimum=0.0, strict_minimum=True, maximum=1.0))
        _set(self, "std", v.real_or_int("std", self.std, minimum=0.0, strict_minimum=True))
        # A seed is a 64-bit key, as torch.Generator and NumPy take it.
        _set(self, "seed", v.integer("seed", self.seed, minimum=-(2**63), maximum=2**63 - 1))
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
        """One relative noise per int64 key (``seed + floor(t)``), each within ``(-pct, pct)``.

        NumPy keys, on the host. A subclass that overrides it (other draws) is evaluated there:
        eagerly only, its keys read from ``t`` (copied from a device), never under tracing.
        """
        return _counter_noise(keys, self.kind, float(self.pct), float(self.std))

    def relative_noise(self, t: float) -> float:
        """The relative noise ``n`` applied at time ``t`` (0.0 outside ``range_t``)."""
        return float(self._relative(SCALAR, float(t)))

    def _rounds(self) -> int:
        """How many normal candidates a draw takes per time at most (see ``_noise_plan``)."""
        return _noise_plan(float(self.pct), float(self.std))[1]

    def _relative(self, xp: Any, t: Any) -> Any:
        """The relative noise at each ``t``, in ``t``'s dtype: 0 outside ``range_t``."""
        # A subclass's _draw takes NumPy keys: its noise is drawn on the host.
        own_draws = type(self)._draw is Noise._draw
        if xp is SCALAR:
            if not self._in_range(t):
                return 0.0
            key = self.seed + math.floor(t)
            if own_draws:
                return _counter_draw(key, self.kind, float(self.pct), float(self.std))
            return float(self._draw(np.array([key], dtype=np.int64))[0])
        if own_draws and not _readable(xp, t):
            return self._traced_relative(xp, t)
        _needs_values(
            xp,
            t,
            lambda: (
                f"{type(self).__name__} draws its noise on the host ({self._host_draws}), so it needs "
                "the values of t, which a traced t (torch.compile, jax.jit) does not have: evaluate "
                "it outside the traced function, or use lrkit.noise, whose counter-based draws trace"
            ),
        )
        # On the host every time is redrawn for as long as it takes, and NumPy's uint64 is
        # faster than the fixed number of candidates of a traced draw. A device's t is copied
        # here only for a subclass's draws (lrkit's own stay on the device).
        times = _on_host(xp, t).astype(np.float64)
        mask = self._in_range(times)
        rel = np.zeros(times.shape, dtype=np.float64)
        if mask.any():
            rel[mask] = self._draw(self.seed + np.floor(times[mask]).astype(np.int64))
        return xp.asarray(rel, dtype=t.dtype, device=_device(xp, t))

    def _traced_relative(self, xp: Any, t: Any) -> Any:
        """lrkit's noise without reading ``t``: in its namespace, on its device, under tracing."""
        w = _Pairs(xp, t)
        mixed = _mix(w, w.keys(t, self.seed))
        if self.kind == "uniform":
            rel = 2 * (_uniform(w, mixed, 0, t.dtype) - 0.5) * self.pct
        else:
            # Every candidate at once, along a last axis; the first accepted one wins (the
            # one with the highest score), as the host's redraws would pick it.
            normal, rounds = _noise_plan(float(self.pct), float(self.std))
            draws = xp.arange(rounds, dtype=w.dtype, device=w.device)
            pair = (mixed[0][..., None], mixed[1][..., None])
            z, accepted = _candidate(w, pair, draws, float(self.pct), float(self.std), normal, t.dtype)
            score = xp.where(accepted, rounds - draws, 0)
            first = accepted & (score == xp.max(score, axis=-1, keepdims=True))
            rel = xp.sum(xp.where(first, z, 0.0), axis=-1)
        return xp.where(self._in_range(t), rel, 0.0)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        value = self.schedule._value(xp, t, base)
        rel = self._relative(xp, t)
        if xp is SCALAR:
            return value + value * rel if rel else value
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
                _set(self, field, v.real_or_int(field, getattr(self, field), minimum=0.0))
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


@schedule_class
class Stretch(Schedule):
    """``schedule`` on a time counted in units of ``by``: slowed down ``by`` times (sped up for ``by < 1``).

    ``v(t) = schedule(t / by)``, the division exact, so ``stretch(exponential(gamma=r), by=T)``
    is ``base * r ** (t / T)`` as optax's and Keras's exponential decays compute it.

    >>> from lrkit import exponential
    >>> s = stretch(exponential(gamma=0.5), by=10)
    >>> [s(t) for t in (0, 5, 10, 30)]
    [1.0, 0.7071067811865476, 0.5, 0.125]
    """

    name: ClassVar[str] = "stretch"
    affine: ClassVar[bool] = True
    schedule: Schedule
    by: float

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        _set(self, "by", v.real_or_int("by", self.by, minimum=0.0, strict_minimum=True))

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        return ((self.schedule, Clock(scale=float(self.by))),)

    @property
    def length(self) -> float | None:
        inner = self.schedule.length
        return None if inner is None else self.by * inner

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.schedule._value(xp, t / self.by, base)


@schedule_class
class Horizon(Schedule):
    """A finite shape whose end moves on to the next multiple of its length once reached (Keras's ``cycle``).

    ``v(t) = shape over [0, L(t)] at t``, with ``L(t) = t_initial * max(ceil(t / t_initial), 1)``:
    ``horizon(poly(...))`` is Keras's ``PolynomialDecay(cycle=True)``, which reaches its floor
    at every multiple of ``t_initial`` and jumps back up after it. ``t_initial`` defaults to
    the shape's.

    >>> from lrkit import linear
    >>> s = horizon(linear(t_initial=10))
    >>> [round(s(t), 12) for t in (0, 5, 10, 11, 20, 25)]
    [1.0, 0.5, 0.0, 0.45, 0.0, 0.166666666667]
    """

    name: ClassVar[str] = "horizon"
    affine: ClassVar[bool] = True
    schedule: Schedule
    t_initial: float | None = None

    def __post_init__(self) -> None:
        _check_schedule("schedule", self.schedule)
        if not self.schedule.finite:
            raise v.invalid(
                "schedule", f"must be a finite shape (cosine, poly, linear, ...), got {self.schedule!r}"
            )
        if self.t_initial is not None:
            _set(
                self,
                "t_initial",
                v.real_or_int("t_initial", self.t_initial, minimum=0.0, strict_minimum=True),
            )

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        return ((self.schedule, None),)  # the shape is stretched anew past each multiple

    length = None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        first = self.schedule.t_initial if self.t_initial is None else self.t_initial
        # ceil(x) as -floor(-x): the scalar namespace has floor only.
        horizon = first * xp.maximum(-xp.floor(-t / first), 1.0)
        return self.schedule._curve(xp, t, horizon, base)


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
stretch = Stretch
horizon = Horizon
