"""The curves: each a small frozen class whose docstring carries its formula.

``base`` is the value a curve scales from (a group's initial lr, or 1.0 for a multiplier).
Targets named ``lr_min`` or ``max_lr`` are absolute values, as in timm and torch; names ending
in ``_factor`` or ``_rate`` multiply ``base``.

Finite shapes (``cosine``, ``tanh``, ``poly``, ``linear``) have a length ``t_initial``; past it
they hold their floor. :func:`lrkit.cycles` restarts them with a new length each cycle.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from itertools import pairwise
from typing import Any, ClassVar

import numpy as np

from lrkit import checks as v
from lrkit.schedule import (
    SCALAR,
    Schedule,
    _device,
    _needs_values,
    _on_host,
    _power,
    _readable,
    _set,
    schedule_class,
)

__all__ = [
    "Constant",
    "Cosine",
    "CosinePower",
    "CosineWave",
    "Cyclic",
    "ExpRamp",
    "Exponential",
    "FromCallable",
    "InverseTime",
    "Linear",
    "LogRamp",
    "MultiStep",
    "OneCycle",
    "PiecewiseConstant",
    "PiecewiseCosine",
    "PiecewiseLinear",
    "Poly",
    "Rsqrt",
    "Step",
    "Tanh",
    "WSD",
    "constant",
    "cosine",
    "cosine_power",
    "cosine_wave",
    "cyclic",
    "exp_ramp",
    "exponential",
    "from_callable",
    "inverse_time",
    "linear",
    "log_ramp",
    "multistep",
    "one_cycle",
    "piecewise_constant",
    "piecewise_cosine",
    "piecewise_linear",
    "poly",
    "rsqrt",
    "step",
    "tanh",
    "wsd",
]


class FiniteShape(Schedule):
    """A curve over ``[0, t_initial]`` that holds its floor afterwards.

    Subclasses give ``_curve(xp, t, length, base)`` for ``0 <= t <= length`` and
    ``_floor(base)``; :func:`lrkit.cycles` calls both with a length of its own.
    """

    finite: ClassVar[bool] = True
    t_initial: Any

    @property
    def length(self) -> float | None:
        return self.t_initial

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        length = self.t_initial
        if xp is SCALAR:
            # One branch for a scalar, the same formulas: the driver calls this every step.
            return self._curve(xp, t, length, base) if t < length else self._floor(base)
        inside = self._curve(xp, xp.minimum(t, length), length, base)
        return xp.where(t < length, inside, self._floor(base))

    def _curve(self, xp: Any, t: Any, length: Any, base: Any) -> Any:
        raise NotImplementedError

    def _floor(self, base: Any) -> Any:
        raise NotImplementedError


@schedule_class
class Constant(Schedule):
    """A constant multiple of the base value.

    ``v(t) = factor * base``

    >>> constant()(7, base=0.1)
    0.1
    >>> constant(factor=0.5)(7, base=0.1)
    0.05
    """

    name: ClassVar[str] = "constant"
    affine: ClassVar[bool] = True
    length: ClassVar[int] = 0
    factor: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "factor", v.real_or_int("factor", self.factor, minimum=0.0))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.factor * base


@schedule_class
class Step(Schedule):
    """Multiply by ``decay_rate`` every ``decay_t`` (torch ``StepLR``, timm ``StepLRScheduler``).

    ``v(t) = base * decay_rate ** floor(t / decay_t)``

    >>> s = step(decay_t=30, decay_rate=0.1)
    >>> [round(s(t, base=0.1), 12) for t in (0, 29, 30, 60)]
    [0.1, 0.1, 0.01, 0.001]
    """

    name: ClassVar[str] = "step"
    affine: ClassVar[bool] = True
    decay_t: float
    decay_rate: float = 0.1

    def __post_init__(self) -> None:
        _set(self, "decay_t", v.real_or_int("decay_t", self.decay_t, minimum=0.0, strict_minimum=True))
        _set(
            self,
            "decay_rate",
            v.real_or_int("decay_rate", self.decay_rate, minimum=0.0, strict_minimum=True),
        )

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base * _power(xp, self.decay_rate, t // self.decay_t)


@schedule_class
class MultiStep(Schedule):
    """Multiply by ``decay_rate`` at each milestone (torch ``MultiStepLR``).

    ``v(t) = base * decay_rate ** #{m in milestones : m <= t}``

    A milestone listed twice decays twice, as in torch. Every decay one step earlier (timm's
    rule) is ``shift(multistep(...), by=-1)``.

    >>> s = multistep(milestones=[2, 4], decay_rate=0.5)
    >>> [s(t) for t in range(6)]
    [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """

    name: ClassVar[str] = "multistep"
    affine: ClassVar[bool] = True
    moved: ClassVar[dict[str, str]] = {
        "lead_t": "every decay lead_t earlier is lrkit.shift(lrkit.multistep(...), by=-lead_t)",
    }
    milestones: tuple[float, ...]
    decay_rate: float = 0.1

    def __post_init__(self) -> None:
        if isinstance(self.milestones, (str, bytes)) or not isinstance(self.milestones, Sequence):
            raise v.wrong_type("milestones", f"must be a sequence of numbers, got {self.milestones!r}")
        milestones = tuple(
            v.real_or_int(f"milestones[{i}]", m, minimum=0.0) for i, m in enumerate(self.milestones)
        )
        if any(b < a for a, b in pairwise(milestones)):
            raise v.invalid("milestones", f"must be sorted, got {list(self.milestones)!r}")
        _set(self, "milestones", milestones)
        _set(
            self,
            "decay_rate",
            v.real_or_int("decay_rate", self.decay_rate, minimum=0.0, strict_minimum=True),
        )

    @property
    def length(self) -> float | None:
        return self.milestones[-1] if self.milestones else 0

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        passed = 0.0 * t  # a count in t's dtype (where() on two Python floats would not be)
        for milestone in self.milestones:
            passed = xp.where(t >= milestone, passed + 1.0, passed)
        return base * _power(xp, self.decay_rate, passed)


@schedule_class
class Exponential(Schedule):
    """Multiply by ``gamma`` every unit of time (torch ``ExponentialLR``).

    ``v(t) = base * gamma ** t``

    >>> exponential(gamma=0.5)(3, base=0.8)
    0.1
    """

    name: ClassVar[str] = "exponential"
    affine: ClassVar[bool] = True
    gamma: float

    def __post_init__(self) -> None:
        _set(self, "gamma", v.real_or_int("gamma", self.gamma, minimum=0.0, strict_minimum=True))

    @property
    def length(self) -> float | None:
        return 0 if self.gamma == 1 else None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base * _power(xp, self.gamma, t)


@schedule_class
class Linear(FiniteShape):
    """Move linearly from ``start_factor * base`` to ``end_factor * base`` (torch ``LinearLR``).

    ``v(t) = base * (start_factor + (end_factor - start_factor) * min(t, t_initial) / t_initial)``

    >>> s = linear(t_initial=4, start_factor=1.0, end_factor=0.0)
    >>> [s(t) for t in range(6)]
    [1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    name: ClassVar[str] = "linear"
    affine: ClassVar[bool] = True
    t_initial: float
    start_factor: float = 1.0
    end_factor: float = 0.0

    def __post_init__(self) -> None:
        _check_length(self)
        for field in ("start_factor", "end_factor"):
            _set(self, field, v.real_or_int(field, getattr(self, field), minimum=0.0))

    def _curve(self, xp: Any, t: Any, length: Any, base: Any) -> Any:
        return base * (self.start_factor + (self.end_factor - self.start_factor) * t / length)

    def _floor(self, base: Any) -> Any:
        return base * self.end_factor


@schedule_class
class Cosine(FiniteShape):
    """Cosine annealing from ``base`` to ``lr_min``, with timm's k-decay.

    ``v(t) = lr_min + 0.5 * (base - lr_min) * (1 + cos(pi * t**k_decay / t_initial**k_decay))``
    for ``t < t_initial``, then ``lr_min``.

    >>> s = cosine(t_initial=10, lr_min=0.5)
    >>> s(0, base=1.0), s(5, base=1.0), s(10, base=1.0)
    (1.0, 0.75, 0.5)
    """

    name: ClassVar[str] = "cosine"
    affine: ClassVar[bool] = True
    t_initial: float
    lr_min: float = 0.0
    k_decay: float = 1.0

    def __post_init__(self) -> None:
        _check_length(self)
        _set(self, "lr_min", v.real_or_int("lr_min", self.lr_min, minimum=0.0))
        _set(self, "k_decay", _exponent("k_decay", self.k_decay))

    def _curve(self, xp: Any, t: Any, length: Any, base: Any) -> Any:
        k = self.k_decay
        # x ** 1.0 is x exactly, so skipping the powers for k == 1 changes no bit.
        angle = math.pi * t / length if k == 1 else _power_ratio(xp, t, length, k, scale=math.pi)
        return self.lr_min + 0.5 * (base - self.lr_min) * (1 + xp.cos(angle))

    def _floor(self, base: Any) -> Any:
        return float(self.lr_min)


@schedule_class
class CosineWave(Schedule):
    """A cosine wave of ``cycles`` periods per ``t_initial`` that keeps going (transformers' cosines).

    ``v(t) = lr_min + (base - lr_min) * 0.5 * (1 + cos(pi * cycles * 2 * t / t_initial))``, the
    phase multiplied out in that order. It has no floor of its own: :func:`lrkit.sequence` cuts
    it.

    >>> s = cosine_wave(t_initial=10)
    >>> [round(s(t), 12) for t in (0, 5, 10, 15, 20)]
    [1.0, 0.5, 0.0, 0.5, 1.0]
    """

    name: ClassVar[str] = "cosine_wave"
    affine: ClassVar[bool] = True
    moved: ClassVar[dict[str, str]] = {
        "restart": "restart=True (transformers' hard restarts) is lrkit.recipes.transformers.HardRestarts",
    }
    t_initial: float
    cycles: float = 0.5
    lr_min: float = 0.0

    def __post_init__(self) -> None:
        _check_length(self)
        _set(self, "cycles", v.real_or_int("cycles", self.cycles, minimum=0.0))
        _set(self, "lr_min", v.real_or_int("lr_min", self.lr_min, minimum=0.0))

    @property
    def length(self) -> float | None:
        return 0 if self.cycles == 0 else None

    def _wave(self, xp: Any, progress: Any) -> Any:
        """The wave's height in ``[0, 1]`` at ``progress = t / t_initial``."""
        return 0.5 * (1.0 + xp.cos(math.pi * self.cycles * 2.0 * progress))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.lr_min + (base - self.lr_min) * self._wave(xp, t / self.t_initial)


@schedule_class
class Tanh(FiniteShape):
    """Hyperbolic-tangent decay from ``lb`` to ``ub`` (timm ``TanhLRScheduler``).

    ``v(t) = lr_min + 0.5 * (base - lr_min) * (1 - tanh(lb * (1 - t / t_initial) + ub * t / t_initial))``
    for ``t < t_initial``, then ``lr_min``.

    >>> s = tanh(t_initial=10, lb=-3.0, ub=3.0)
    >>> s(5, base=0.1)
    0.05
    """

    name: ClassVar[str] = "tanh"
    affine: ClassVar[bool] = True
    t_initial: float
    lb: float = -7.0
    ub: float = 3.0
    lr_min: float = 0.0

    def __post_init__(self) -> None:
        _check_length(self)
        _set(self, "lb", v.real_or_int("lb", self.lb))
        _set(self, "ub", v.real_or_int("ub", self.ub))
        if not self.lb < self.ub:
            raise v.invalid("lb", f"must be < {{ub}}, got lb={self.lb!r}, ub={self.ub!r}", "ub")
        _set(self, "lr_min", v.real_or_int("lr_min", self.lr_min, minimum=0.0))

    def _curve(self, xp: Any, t: Any, length: Any, base: Any) -> Any:
        tr = t / length
        return self.lr_min + 0.5 * (base - self.lr_min) * (1 - xp.tanh(self.lb * (1.0 - tr) + self.ub * tr))

    def _floor(self, base: Any) -> Any:
        return float(self.lr_min)


@schedule_class
class Poly(FiniteShape):
    """Polynomial decay from ``base`` to ``lr_min``, with timm's k-decay.

    ``v(t) = lr_min + (base - lr_min) * (1 - t**k_decay / t_initial**k_decay) ** power``
    for ``t < t_initial``, then ``lr_min``.

    >>> s = poly(t_initial=10, power=2.0)
    >>> s(5, base=0.1)
    0.025
    """

    name: ClassVar[str] = "poly"
    affine: ClassVar[bool] = True
    t_initial: float
    power: float
    lr_min: float = 0.0
    k_decay: float = 1.0

    def __post_init__(self) -> None:
        _check_length(self)
        _set(self, "power", _positive("power", self.power))
        _set(self, "lr_min", v.real_or_int("lr_min", self.lr_min, minimum=0.0))
        _set(self, "k_decay", _exponent("k_decay", self.k_decay))

    def _curve(self, xp: Any, t: Any, length: Any, base: Any) -> Any:
        k = self.k_decay
        return self.lr_min + (base - self.lr_min) * (1 - _power_ratio(xp, t, length, k)) ** self.power

    def _floor(self, base: Any) -> Any:
        return float(self.lr_min)


@schedule_class
class Rsqrt(Schedule):
    """Reciprocal square-root decay (Big Vision, timm WSD's ``rsqrt`` stable phase).

    ``v(t) = base * (1 + t / timescale) ** -0.5``

    >>> rsqrt(timescale=100)(300, base=0.1)
    0.05
    """

    name: ClassVar[str] = "rsqrt"
    affine: ClassVar[bool] = True
    timescale: float

    def __post_init__(self) -> None:
        _set(self, "timescale", _positive("timescale", self.timescale))

    length = None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base * (1 + t / self.timescale) ** -0.5


_STABLE_FNS = ("constant", "rsqrt", "power")
_DECAY_FNS = ("linear", "1-sqrt", "cosine", "power", "exp")


@schedule_class
class WSD(Schedule):
    """Stable then decay to ``lr_min`` over the last ``decay_t`` of ``t_initial`` (timm WSD).

    ``v(t) = s(t)`` while ``t <= t_initial - decay_t``, else
    ``lr_min + (s(t) - lr_min) * d(min((t - t_initial + decay_t) / decay_t, 1))``, with
    ``s(t) = max(base * stable(t), lr_min)``; ``stable`` is ``1`` (constant),
    ``(1 + t / stable_timescale) ** -0.5`` (rsqrt) or ``** -stable_power`` (power), and ``d`` is
    ``1 - f`` (linear), ``1 - sqrt(f)`` (1-sqrt), ``0.5 * (1 + cos(pi * f))`` (cosine),
    ``1 - f ** decay_power`` (power) or ``(decay_ratio ** f - decay_ratio) / (1 - decay_ratio)``
    (exp), or ``decay_fn(f)`` for a callable (which cannot be serialized). The warmup is a
    prefix: build it with :func:`wsd`, which adds one.

    >>> s = WSD(t_initial=10, decay_t=4, decay_fn="linear")
    >>> [s(t) for t in (0, 6, 8, 10)]
    [1.0, 1.0, 0.5, 0.0]
    """

    name: ClassVar[str] = "wsd"  # not affine: max(base * stable, lr_min)
    t_initial: float
    decay_t: float
    lr_min: float = 0.0
    stable_fn: str = "constant"
    stable_timescale: float | None = None
    stable_power: float = 0.5
    decay_fn: str | Callable[[float], float] = "1-sqrt"
    decay_power: float = 0.5
    decay_ratio: float = 0.1

    def __post_init__(self) -> None:
        _check_length(self)
        decay_t = v.real_or_int("decay_t", self.decay_t, minimum=0.0, strict_minimum=True)
        if decay_t > self.t_initial:
            raise v.invalid(
                "decay_t", f"must be <= {{t_initial}} ({self.t_initial!r}), got {decay_t!r}", "t_initial"
            )
        _set(self, "decay_t", decay_t)
        _set(self, "lr_min", v.real_or_int("lr_min", self.lr_min, minimum=0.0))
        v.choice("stable_fn", self.stable_fn, _STABLE_FNS)
        if not callable(self.decay_fn):
            v.choice("decay_fn", self.decay_fn, _DECAY_FNS)
        if self.stable_fn != "constant" or self.stable_timescale is not None:
            if self.stable_timescale is None:
                raise v.invalid(
                    "stable_timescale",
                    f"must be > 0 for {{stable_fn}}={self.stable_fn!r}, got None",
                    "stable_fn",
                )
            _set(self, "stable_timescale", _positive("stable_timescale", self.stable_timescale))
        _set(self, "stable_power", _positive("stable_power", self.stable_power))
        _set(self, "decay_power", _positive("decay_power", self.decay_power))
        ratio = v.real("decay_ratio", self.decay_ratio, minimum=0.0, maximum=1.0, strict_minimum=True)
        if ratio == 1.0:
            raise v.invalid("decay_ratio", f"must be < 1, got {self.decay_ratio!r}")
        _set(self, "decay_ratio", v.real_or_int("decay_ratio", self.decay_ratio))

    @property
    def length(self) -> float | None:
        return self.t_initial

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        yield float(self.t_initial - self.decay_t), "decay start"

    def _stable(self, xp: Any, t: Any) -> Any:
        if self.stable_fn == "constant":
            return 1.0 + 0.0 * t  # in t's kind: torch's maximum() rejects two Python floats
        power = 0.5 if self.stable_fn == "rsqrt" else self.stable_power
        return (1.0 + t / self.stable_timescale) ** -power

    def _decay(self, xp: Any, frac: Any) -> Any:
        if callable(self.decay_fn):
            return _map(self.decay_fn, xp, frac, self)
        if self.decay_fn == "linear":
            return 1.0 - frac
        if self.decay_fn == "1-sqrt":
            return 1.0 - xp.sqrt(frac)
        if self.decay_fn == "cosine":
            return 0.5 * (1.0 + xp.cos(math.pi * frac))
        if self.decay_fn == "power":
            return 1.0 - frac**self.decay_power
        r = self.decay_ratio
        return (r**frac - r) / (1.0 - r)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        stable = xp.maximum(base * self._stable(xp, t), self.lr_min)
        t_decay = t - (self.t_initial - self.decay_t)
        frac = xp.clip(t_decay / self.decay_t, 0.0, 1.0)
        decayed = self.lr_min + (stable - self.lr_min) * self._decay(xp, frac)
        return xp.where(t_decay <= 0, stable, decayed)


def wsd(
    t_initial: float,
    decay_t: float,
    *,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    lr_min: float = 0.0,
    stable_fn: str = "constant",
    stable_timescale: float | None = None,
    stable_power: float = 0.5,
    decay_fn: str | Callable[[float], float] = "1-sqrt",
    decay_power: float = 0.5,
    decay_ratio: float = 0.1,
) -> Schedule:
    """Warmup-stable-decay: a linear warmup prefix, then :class:`WSD` over ``t_initial``.

    ``v(t) = warmup_lr_init + t * (base - warmup_lr_init) / warmup_t`` for ``t < warmup_t``,
    then ``WSD(t - warmup_t)``; the stable timescale defaults to ``warmup_t`` as in timm.

    >>> s = wsd(t_initial=10, decay_t=4, warmup_t=2, decay_fn="linear")
    >>> [s(t) for t in (0, 1, 2, 10, 12)]
    [0.0, 0.5, 1.0, 0.5, 0.0]
    """
    from lrkit.combinators import warmup

    if stable_fn != "constant" and stable_timescale is None and warmup_t:
        stable_timescale = warmup_t
    core = WSD(
        t_initial=t_initial,
        decay_t=decay_t,
        lr_min=lr_min,
        stable_fn=stable_fn,
        stable_timescale=stable_timescale,
        stable_power=stable_power,
        decay_fn=decay_fn,
        decay_power=decay_power,
        decay_ratio=decay_ratio,
    )
    if not v.real("warmup_t", warmup_t, minimum=0.0):
        return core
    return warmup(core, warmup_t=warmup_t, warmup_lr_init=warmup_lr_init, prefix=True)


@schedule_class
class OneCycle(Schedule):
    """The 1cycle policy with torch ``OneCycleLR``'s phases; ``base`` is the peak (``max_lr``).

    With ``lo = base / div_factor`` and ``end = lo / final_div_factor``, phases end at
    ``pct_start * total_t - 1`` (``lo -> base``) and ``total_t - 1`` (``base -> end``); with
    ``three_phase`` at ``pct_start * total_t - 1`` (``lo -> base``),
    ``2 * pct_start * total_t - 2`` (``base -> lo``) and ``total_t - 1`` (``lo -> end``). Within
    a phase from ``a`` to ``b`` at progress ``p``: ``b + (a - b) / 2 * (cos(pi * p) + 1)``
    (``anneal="cos"``) or ``(b - a) * p + a`` (``"linear"``). ``t`` past ``total_t - 1`` holds
    ``end``.

    >>> s = one_cycle(total_t=11, pct_start=0.5, anneal="linear", div_factor=10.0)
    >>> round(s(0), 12), round(s(4.5), 12), round(s(10), 12)
    (0.1, 1.0, 1e-05)
    """

    name: ClassVar[str] = "one_cycle"
    affine: ClassVar[bool] = True
    total_t: float
    pct_start: float = 0.3
    anneal: str = "cos"
    div_factor: float = 25.0
    final_div_factor: float = 1e4
    three_phase: bool = False

    def __post_init__(self) -> None:
        _set(self, "total_t", _positive("total_t", self.total_t))
        _set(self, "pct_start", v.real("pct_start", self.pct_start, minimum=0.0, maximum=1.0))
        v.choice("anneal", self.anneal, ("cos", "linear"))
        _set(self, "div_factor", _positive("div_factor", self.div_factor))
        _set(self, "final_div_factor", _positive("final_div_factor", self.final_div_factor))
        _set(self, "three_phase", v.flag("three_phase", self.three_phase))
        ends = [end for end, _, _ in self._phases(1.0)]
        if ends[0] <= 0 or any(b <= a for a, b in pairwise(ends)):
            raise v.InvalidValueError(
                f"{{pct_start}}={self.pct_start!r} with {{total_t}}={self.total_t!r} gives phases ending at "
                f"{ends}; each phase needs a positive length",
                "pct_start",
                "total_t",
            )

    @property
    def length(self) -> float | None:
        return self.total_t - 1

    def _phases(self, base: Any) -> list[tuple[float, Any, Any]]:
        low = base / self.div_factor
        end = low / self.final_div_factor
        warm_end = float(self.pct_start * self.total_t) - 1
        if self.three_phase:
            return [
                (warm_end, low, base),
                (float(2 * self.pct_start * self.total_t) - 2, base, low),
                (self.total_t - 1, low, end),
            ]
        return [(warm_end, low, base), (self.total_t - 1, base, end)]

    def _anneal(self, xp: Any, start: Any, end: Any, pct: Any) -> Any:
        if self.anneal == "cos":
            return end + (start - end) / 2.0 * (xp.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        # Held from the last phase's end: extrapolating past it (as OneCycleLR does at step
        # total_steps) leaves [end, base], down to a negative lr with anneal="linear".
        t = xp.minimum(t, self.total_t - 1)
        phases = self._phases(base)
        begins = [0.0] + [end for end, _, _ in phases[:-1]]
        value = None
        # The first phase whose end is not yet passed wins; the last one takes the rest.
        for begin, (end, start_v, end_v) in reversed(list(zip(begins, phases, strict=True))):
            inside = self._anneal(xp, start_v, end_v, (t - begin) / (end - begin))
            value = inside if value is None else xp.where(t <= end, inside, value)
        return value


@schedule_class
class Cyclic(Schedule):
    """Cyclical learning rates between ``base`` and ``max_lr`` (torch ``CyclicLR``).

    With ``c = floor(1 + t / (up + down))``, ``x = 1 + t / (up + down) - c`` and
    ``r = up / (up + down)``: ``v(t) = base + (max_lr - base) * s * g``, where ``s = x / r`` if
    ``x <= r`` else ``(x - 1) / (r - 1)``, and ``g`` is ``1`` (triangular),
    ``1 / 2 ** (c - 1)`` (triangular2) or ``gamma ** t`` (exp_range).

    >>> s = cyclic(max_lr=1.0, step_size_up=2)
    >>> [s(t, base=0.25) for t in range(5)]
    [0.25, 0.625, 1.0, 0.625, 0.25]
    """

    name: ClassVar[str] = "cyclic"
    affine: ClassVar[bool] = True
    max_lr: float
    step_size_up: float = 2000
    step_size_down: float | None = None
    mode: str = "triangular"
    gamma: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "max_lr", v.real_or_int("max_lr", self.max_lr, minimum=0.0))
        _set(self, "step_size_up", _positive("step_size_up", self.step_size_up))
        if self.step_size_down is not None:
            _set(self, "step_size_down", _positive("step_size_down", self.step_size_down))
        v.choice("mode", self.mode, ("triangular", "triangular2", "exp_range"))
        _set(self, "gamma", _positive("gamma", self.gamma))

    length = None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        up = float(self.step_size_up)
        down = up if self.step_size_down is None else float(self.step_size_down)
        total = up + down
        ratio = up / total
        cycle = xp.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        scale = xp.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
        height = (self.max_lr - base) * scale
        if self.mode == "triangular":
            return base + height * 1.0
        if self.mode == "triangular2":
            # 2 ** -(c - 1), not 1 / 2 ** (c - 1): the same powers of two, but past cycle 1024
            # it underflows to 0 where the other overflows (OverflowError on Python floats).
            return base + height * 2.0 ** (1 - cycle)
        # A growing gamma below a base above max_lr would run negative: held at 0.
        return xp.maximum(base + height * _power(xp, self.gamma, t), 0.0)


@schedule_class
class PiecewiseLinear(Schedule):
    """Linear interpolation between ``(t, factor)`` points, ``np.interp`` semantics.

    ``v(t) = base * interp(t, [t_0, t_1, ...], [f_0, f_1, ...])``: ``f_0`` before the first
    point, ``f_n`` after the last, ``(f_j+1 - f_j) / (t_j+1 - t_j) * (t - t_j) + f_j`` between.

    >>> s = piecewise_linear([(0, 0.0), (10, 1.0), (20, 0.5)])
    >>> [s(t) for t in (0, 5, 10, 15, 30)]
    [0.0, 0.5, 1.0, 0.75, 0.5]
    """

    name: ClassVar[str] = "piecewise_linear"
    affine: ClassVar[bool] = True
    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        if isinstance(self.points, (str, bytes)) or not isinstance(self.points, Sequence) or not self.points:
            raise TypeError(f"points must be a non-empty sequence of (t, factor) pairs, got {self.points!r}")
        points = []
        for i, point in enumerate(self.points):
            if isinstance(point, (str, bytes)) or not isinstance(point, Sequence) or len(point) != 2:
                raise TypeError(f"points[{i}] must be a (t, factor) pair, got {point!r}")
            points.append(
                (
                    v.real_or_int(f"points[{i}][0]", point[0], minimum=0.0),
                    v.real_or_int(f"points[{i}][1]", point[1], minimum=0.0),
                )
            )
        if any(b[0] <= a[0] for a, b in pairwise(points)):
            raise v.invalid("points", f"must have strictly increasing t, got {list(self.points)!r}")
        _set(self, "points", tuple(points))

    @property
    def length(self) -> float | None:
        return self.points[-1][0]

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        points = self.points
        value = points[0][1] + 0.0 * t
        for (t0, f0), (t1, f1) in pairwise(points):
            slope = (f1 - f0) / (t1 - t0)
            value = xp.where(t >= t0, slope * (t - t0) + f0, value)
        value = xp.where(t >= points[-1][0], points[-1][1], value)
        return base * value


@schedule_class
class CosinePower(FiniteShape):
    """A cosine factor raised to ``exponent``, from ``base`` to ``end_factor * base`` (optax, Keras).

    ``v(t) = base * ((1 - end_factor) * (0.5 * (1 + cos(pi * t / t_initial))) ** exponent + end_factor)``
    for ``t < t_initial``, then ``base * end_factor``: optax's ``cosine_decay_schedule`` (its
    ``alpha`` is ``end_factor``) in its order of operations, and with ``exponent=1`` Keras's
    ``CosineDecay`` (over :func:`lrkit.stretch` of a ``t_initial=1`` shape, as Keras divides).

    >>> s = cosine_power(t_initial=10, exponent=2.0, end_factor=0.1)
    >>> [round(s(t), 12) for t in (0, 5, 10, 20)]
    [1.0, 0.325, 0.1, 0.1]
    """

    # A shape of its own, not an exponent option on cosine: every field is written by
    # to_dict, so a new field would change every saved cosine tree, and the floor here is a
    # fraction of base mixed in after the power, where cosine's lr_min is an absolute value
    # mixed in before it (the two round differently even at exponent 1).
    name: ClassVar[str] = "cosine_power"
    affine: ClassVar[bool] = True
    t_initial: float
    exponent: float = 1.0
    end_factor: float = 0.0

    def __post_init__(self) -> None:
        _check_length(self)
        _set(self, "exponent", _positive("exponent", self.exponent))
        _set(self, "end_factor", v.real_or_int("end_factor", self.end_factor, minimum=0.0))

    def _curve(self, xp: Any, t: Any, length: Any, base: Any) -> Any:
        factor = 0.5 * (1 + xp.cos(math.pi * t / length))
        if self.exponent != 1:
            factor = factor**self.exponent
        return base * ((1 - self.end_factor) * factor + self.end_factor)

    def _floor(self, base: Any) -> Any:
        return base * self.end_factor


@schedule_class
class InverseTime(Schedule):
    """Inverse-time decay (Keras ``InverseTimeDecay``): ``1 / (1 + decay_rate * t / decay_t)``.

    ``v(t) = base / (1 + decay_rate * (t / decay_t))``; Keras's ``staircase=True`` is
    :func:`lrkit.stairs` of it with ``decay_t=1``.

    >>> s = inverse_time(decay_rate=0.5, decay_t=10)
    >>> [s(t, base=0.3) for t in (0, 10, 40)]
    [0.3, 0.19999999999999998, 0.09999999999999999]
    """

    name: ClassVar[str] = "inverse_time"
    affine: ClassVar[bool] = True
    decay_rate: float
    decay_t: float = 1

    def __post_init__(self) -> None:
        _set(self, "decay_rate", v.real_or_int("decay_rate", self.decay_rate, minimum=0.0))
        _set(self, "decay_t", _positive("decay_t", self.decay_t))

    @property
    def length(self) -> float | None:
        return 0 if self.decay_rate == 0 else None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base / (1 + self.decay_rate * (t / self.decay_t))


@schedule_class
class LogRamp(FiniteShape):
    """A logarithmic ramp from ``start_factor * base`` up to ``base`` (DeepSpeed's log warmup).

    ``v(t) = base * (start_factor + (1 - start_factor) * log(1 + t) / log(1 + t_initial))`` for
    ``t < t_initial``, then ``base``: steep first, flat near the top. A warmup of this shape in
    front of a schedule is ``sequence([log_ramp(t_initial=w), schedule], boundaries=[w])``.

    >>> s = log_ramp(t_initial=7)
    >>> [round(s(t), 6) for t in (0, 1, 3, 7, 9)]
    [0.0, 0.333333, 0.666667, 1.0, 1.0]
    """

    name: ClassVar[str] = "log_ramp"
    affine: ClassVar[bool] = True
    t_initial: float
    start_factor: float = 0.0

    def __post_init__(self) -> None:
        _check_length(self)
        _set(self, "start_factor", v.real_or_int("start_factor", self.start_factor, minimum=0.0))

    def _curve(self, xp: Any, t: Any, length: Any, base: Any) -> Any:
        start = self.start_factor
        # length is a number, or an array of cycle lengths under cycles(): made t's kind either way.
        return base * (start + (1.0 - start) * xp.log1p(t) / xp.log1p(length + 0.0 * t))

    def _floor(self, base: Any) -> Any:
        return base * 1.0


@schedule_class
class ExpRamp(Schedule):
    """An exponential approach to ``base`` with time constant ``period`` (pytorch-warmup's).

    ``v(t) = base * (1 - exp(-t / period))``: ``1 - 1/e`` of the way at ``t = period``, never
    quite there. As a multiplier of another schedule it is a warmup laid over it:
    ``product([exp_ramp(period=w), schedule])``.

    >>> s = exp_ramp(period=10)
    >>> [round(s(t), 6) for t in (0, 10, 50)]
    [0.0, 0.632121, 0.993262]
    """

    name: ClassVar[str] = "exp_ramp"
    affine: ClassVar[bool] = True
    period: float

    def __post_init__(self) -> None:
        _set(self, "period", _positive("period", self.period))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return base * (1.0 - xp.exp(-t / self.period))


@schedule_class
class PiecewiseConstant(Schedule):
    """One factor per interval between boundaries (Keras ``PiecewiseConstantDecay``, optax's).

    ``v(t) = base * factors[#{b in boundaries : b <= t}]``: ``factors[0]`` before the first
    boundary, ``factors[i]`` from boundary ``i - 1`` on. A boundary listed twice skips a factor.

    >>> s = piecewise_constant(boundaries=[2, 4], factors=[1.0, 0.5, 0.1])
    >>> [s(t) for t in range(6)]
    [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]
    """

    name: ClassVar[str] = "piecewise_constant"
    affine: ClassVar[bool] = True
    boundaries: tuple[float, ...]
    factors: tuple[float, ...]

    def __post_init__(self) -> None:
        boundaries = _numbers("boundaries", self.boundaries, minimum=0.0)
        if any(b < a for a, b in pairwise(boundaries)):
            raise v.invalid("boundaries", f"must be sorted, got {list(self.boundaries)!r}")
        factors = _numbers("factors", self.factors, minimum=0.0)
        if len(factors) != len(boundaries) + 1:
            raise v.invalid(
                "factors",
                f"must have one entry more than {{boundaries}} ({len(boundaries) + 1}), "
                f"got {len(factors)}: {list(factors)!r}",
                "boundaries",
            )
        _set(self, "boundaries", boundaries)
        _set(self, "factors", factors)

    @property
    def length(self) -> float | None:
        return self.boundaries[-1] if self.boundaries else 0

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        value = self.factors[0] + 0.0 * t  # in t's dtype (where() on two Python floats would not be)
        for boundary, factor in zip(self.boundaries, self.factors[1:], strict=True):
            value = xp.where(t >= boundary, factor, value)
        return base * value


@schedule_class
class PiecewiseCosine(Schedule):
    """Cosine interpolation between ``(t, factor)`` points (optax ``piecewise_interpolate_schedule``).

    ``v(t) = base * f``: ``f_0`` before the first point, ``f_n`` after the last, and between
    ``t_j`` and ``t_j+1``, with ``p = (t - t_j) / (t_j+1 - t_j)``,
    ``f = f_j+1 + (f_j - f_j+1) / 2 * (cos(pi * p) + 1)``.

    >>> s = piecewise_cosine([(0, 1.0), (10, 0.0), (20, 0.5)])
    >>> [round(s(t), 12) for t in (0, 5, 10, 15, 30)]
    [1.0, 0.5, 0.0, 0.25, 0.5]
    """

    name: ClassVar[str] = "piecewise_cosine"
    affine: ClassVar[bool] = True
    points: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        _set(self, "points", PiecewiseLinear(self.points).points)

    @property
    def length(self) -> float | None:
        return self.points[-1][0]

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        points = self.points
        value = points[0][1] + 0.0 * t
        for (t0, f0), (t1, f1) in pairwise(points):
            # Outside its segment p leaves [0, 1], which cos takes as well: no domain to keep.
            inside = f1 + (f0 - f1) / 2.0 * (xp.cos(math.pi * ((t - t0) / (t1 - t0))) + 1)
            value = xp.where(t >= t0, inside, value)
        value = xp.where(t >= points[-1][0], points[-1][1], value)
        return base * value


def _power_ratio(xp: Any, t: Any, length: Any, k: float, scale: float = 1.0) -> Any:
    """``scale * t ** k / length ** k`` in timm's order of operations (its k-decay), and
    ``scale * (t / length) ** k`` where those powers leave the float range (a large
    ``k_decay``: ``10 ** 400`` overflows, ``0.1 ** 400`` is 0)."""
    if isinstance(length, (int, float)):
        try:
            bottom = float(length) ** k
        except OverflowError:
            bottom = math.inf
        if not 0.0 < bottom < math.inf:
            return scale * _overflowing_power(xp, t / length, k)
        return scale * _overflowing_power(xp, t, k) / bottom
    # A cycle's stretched length is an array: both forms, kept where each is in range.
    bottom = length**k
    fits = (bottom > 0.0) & (bottom < math.inf)
    return xp.where(fits, scale * t**k / xp.where(fits, bottom, 1.0), scale * (t / length) ** k)


def _overflowing_power(xp: Any, x: Any, k: float) -> Any:
    """``x ** k``, infinite past the float range as an array's is (a float's raises)."""
    if xp is SCALAR:
        try:
            return x**k
        except OverflowError:
            return math.inf
    return x**k


def _numbers(name: str, values: Any, **bounds: Any) -> tuple[int | float, ...]:
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise v.wrong_type(name, f"must be a sequence of numbers, got {values!r}")
    return tuple(v.real_or_int(f"{name}[{i}]", x, **bounds) for i, x in enumerate(values))


@schedule_class
class FromCallable(Schedule):
    """A user's function of time as a multiplier of the base (torch ``LambdaLR``).

    ``v(t) = base * fn(t)``

    ``fn`` is called with Python floats, one time at a time, unless ``vectorized=True`` says it
    takes arrays. A value of ``fn``'s that is no finite number ``>= 0`` (NaN, an infinity, -1)
    is refused where it comes out, with the time: a driver then names the group and the field
    and writes nothing (``None`` is a ``TypeError``, the same there). It cannot be serialized:
    :meth:`to_dict` raises ``TypeError``.

    >>> s = from_callable(lambda t: 1 / (1 + t))
    >>> s(3, base=0.1)
    0.025
    """

    name: ClassVar[str] = "from_callable"
    affine: ClassVar[bool] = True
    fn: Callable[[float], float]
    vectorized: bool = False

    def __post_init__(self) -> None:
        if not callable(self.fn):
            raise TypeError(f"fn must be callable, got {self.fn!r}")
        _set(self, "vectorized", v.flag("vectorized", self.vectorized))
        # Named once here: the message that refuses a traced t is built under torch.compile,
        # whose dynamo reads a function's __qualname__ as the descriptor, not the name.
        module = getattr(self.fn, "__module__", None) or "?"
        _set(self, "_label", f"{module}.{getattr(self.fn, '__qualname__', type(self.fn).__name__)}")

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        if xp is SCALAR:
            value = float(self.fn(t))  # a NumPy float in a param group breaks torch.load
            if not 0.0 <= value < math.inf:  # NaN fails it too
                raise _unwritable(self, value, t)
            return base * value
        values = self.fn(t) if self.vectorized else _map(self.fn, xp, t, self)
        if _readable(xp, values) and math.prod(values.shape):
            low, high = float(xp.min(values)), float(xp.max(values))
            if not (0.0 <= low and high < math.inf):
                raise _unwritable(self, low if not 0.0 <= low else high, "some t")
        return base * values

    def __repr__(self) -> str:
        extra = ", vectorized=True" if self.vectorized else ""
        return f"from_callable({self._label}{extra})"

    def to_dict(self) -> dict[str, Any]:
        raise TypeError(
            f"{self!r} wraps a Python callable and cannot be serialized; "
            "build the schedule from lrkit's shapes to save it in a config or checkpoint"
        )


def _unwritable(owner: Schedule, value: float, t: Any) -> ValueError:
    return ValueError(
        f"{owner!r}'s function gave {v.shown(value)} at t={v.shown(t)}: a schedule's value is a "
        "finite number >= 0"
    )


def _map(fn: Callable[[float], float], xp: Any, t: Any, owner: Schedule) -> Any:
    """``fn`` applied to each element of ``t``: user functions take Python floats.

    So ``t``'s values are read on the host (copied from a device): a traced ``t`` has none,
    and is refused with what ``owner`` (the node holding ``fn``) needs instead.
    """
    if xp is SCALAR:
        return fn(t)
    _needs_values(
        xp,
        t,
        lambda: (
            f"{owner!r} calls a Python function with one float per time, and a traced t "
            "(torch.compile, jax.jit) has no values to call it with: evaluate it outside the "
            "traced function, or build the schedule from lrkit's shapes"
            + (
                ", or pass vectorized=True for a function of arrays"
                if isinstance(owner, FromCallable)
                else ""
            )
        ),
    )
    flat = _on_host(xp, t).ravel().tolist()
    values = np.asarray([float(fn(x)) for x in flat], dtype=np.float64).reshape(tuple(t.shape))
    return xp.asarray(values, dtype=t.dtype, device=_device(xp, t))


def _check_length(schedule: Schedule) -> None:
    _set(schedule, "t_initial", _positive("t_initial", schedule.t_initial))


def _exponent(name: str, value: Any) -> int | float:
    """A positive exponent; an integer one past 1024 as a float.

    ``t_initial ** k`` of two integers is computed exactly, which for ``k = 2 ** 63`` is a number
    of quintillions of digits (the process hangs); as a float it overflows at once, as any
    power past ``2 ** 1024`` of a length of 2 or more must.
    """
    value = _positive(name, value)
    return float(value) if isinstance(value, int) and value > 1024 else value


def _positive(name: str, value: Any) -> int | float:
    return v.real_or_int(name, value, minimum=0.0, strict_minimum=True)


# The public factories are the classes under the names users call.
constant = Constant
step = Step
multistep = MultiStep
exponential = Exponential
linear = Linear
cosine = Cosine
cosine_wave = CosineWave
tanh = Tanh
poly = Poly
rsqrt = Rsqrt
one_cycle = OneCycle
cyclic = Cyclic
piecewise_linear = PiecewiseLinear
from_callable = FromCallable
cosine_power = CosinePower
inverse_time = InverseTime
log_ramp = LogRamp
exp_ramp = ExpRamp
piecewise_constant = PiecewiseConstant
piecewise_cosine = PiecewiseCosine
