"""pytorch-optimizer's lr schedulers (``pytorch_optimizer.lr_scheduler``) as core schedules.

Each builder takes the keywords of the class or function of the same name (less the optimizer
and ``last_epoch``: an lrkit driver resumes from its ``state_dict``) and returns the schedule
whose value at update ``t`` is the lr the optimizer holds after the scheduler was built and
stepped ``t`` times, the lr of the ``t``-th update in the usual ``optimizer.step();
scheduler.step()`` loop. A loop that steps the scheduler before the update instead uses the
value at ``t + 1``: ``lrkit.shift(s, by=-1)``.

That reading exposes each class's start. pytorch-optimizer's own classes overwrite every
group's lr with ``min_lr`` when built, so the first update runs at ``min_lr``: for
``CosineAnnealingWarmupRestarts`` and ``REXScheduler`` the update ``t >= 1`` then runs at the
curve's step ``t`` (their constructor already took step 0), for the ``BaseLinearWarmupScheduler``
family (``LinearScheduler``, ``CosineScheduler``, ``PolyScheduler``), whose ``step()`` returns
step ``s`` and then counts it, at step ``s = t - 1``. Their values are absolute lrs, the same for
every group whatever its own lr. ``get_chebyshev_schedule`` and ``get_wsd_schedule`` are
``LambdaLR`` multipliers of each group's lr.

Formulas are the library's as it computes them, past the end of a run too: ``LinearScheduler``'s
line goes on below ``min_lr`` after ``t_max``, ``CosineScheduler``'s cosine rises again, and
``PolyScheduler`` computes ``min_lr + (max_lr - min_lr) * (s - warmup_steps) ** poly_order``,
which grows with the steps past the warmup and does not read ``t_max``. One exception: where the
library's line (or a poly falling from ``max_lr < min_lr``) goes below 0, lrkit holds 0, as no
lrkit schedule writes a negative lr.

Not registered: ``ProportionScheduler`` maps another scheduler's lr to a value such as GSAM's
rho (it schedules no lr), ``deberta_v3_large_lr_scheduler`` builds param groups, and the torch
classes the package re-exports (``StepLR``, ``CosineAnnealingLR``, ...) are ``torch:``'s.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, ClassVar

import numpy as np

from lrkit import checks as v
from lrkit.combinators import Multiplier, Sequential
from lrkit.recipes.registry import qualified_only, register, register_examples
from lrkit.schedule import SCALAR, Schedule, _device, _set, schedule_class
from lrkit.shapes import WSD, Constant, CosineWave, Linear

__all__ = [
    "Chebyshev",
    "CosineWarmupRestarts",
    "LinearWarmupDecay",
    "Rex",
    "chebyshev_table",
    "cosine_annealing_warmup_restarts",
    "cosine_scheduler",
    "get_chebyshev_schedule",
    "get_wsd_schedule",
    "linear_scheduler",
    "poly_scheduler",
    "rex_scheduler",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("pytorch_optimizer")

# Cycles whose lengths are listed before the last listed length is taken to repeat (it does
# repeat once the lengths settle, as they do for cycle_mult <= 1 and most cycle_mult > 1).
_MAX_CYCLES = 1 << 16
_EXACT = float(2**53)  # past it, steps are no longer whole numbers in a float


def _steps(name: str, value: Any) -> int:
    return v.integer(name, value, minimum=0)


def _lr(name: str, value: Any) -> int | float:
    return v.real_or_int(name, value, minimum=0.0)


def _table(xp: Any, values: tuple[float, ...], like: Any) -> Any:
    return xp.asarray(values, dtype=like.dtype, device=_device(xp, like))


def _index(xp: Any, i: Any) -> Any:
    return xp.astype(i, xp.int64)


def _lookup(xp: Any, values: tuple[float, ...], i: Any, like: Any) -> Any:
    """``values[i]`` for an array of indices ``i`` (of any shape), in ``like``'s dtype and device."""
    # take() wants a vector of indices (torch's index_select); the shape is put back after.
    found = xp.take(_table(xp, values, like), xp.reshape(i, (-1,)), axis=0)
    return xp.reshape(found, tuple(i.shape))


# -- CosineAnnealingWarmupRestarts -------------------------------------------------------------


@schedule_class
class CosineWarmupRestarts(Schedule):
    """``CosineAnnealingWarmupRestarts``: per cycle a warmup to a decaying peak, a cosine to ``min_lr``.

    Cycle ``k`` lasts ``c_k`` steps, ``c_0 = first_cycle_steps`` and
    ``c_k+1 = max(1, int((c_k - warmup_steps) * cycle_mult)) + warmup_steps``, and peaks at
    ``m_k = max_lr * gamma ** k``. With ``s`` the step within the cycle and ``w = warmup_steps``:
    ``v(t) = (m_k - min_lr) * s / w + min_lr`` for ``s < w``, else
    ``min_lr + (m_k - min_lr) * (1 + cos(pi * (s - w) / (c_k - w))) / 2``; ``v(t) = min_lr`` for
    ``t < 1`` (the constructor's overwrite). Absolute: ``base`` is not read. Past the 65,536th
    cycle the last listed cycle length repeats.

    >>> s = CosineWarmupRestarts(first_cycle_steps=4, max_lr=1.0, min_lr=0.1, warmup_steps=2)
    >>> [round(s(t), 12) for t in range(6)]
    [0.1, 0.55, 1.0, 0.55, 0.1, 0.5]
    """

    name: ClassVar[str] = "pytorch_optimizer:cosine_warmup_restarts"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    first_cycle_steps: int
    cycle_mult: float = 1.0
    max_lr: float = 1e-4
    min_lr: float = 1e-6
    warmup_steps: int = 0
    gamma: float = 0.9

    def __post_init__(self) -> None:
        first = v.integer("first_cycle_steps", self.first_cycle_steps, minimum=1)
        _set(self, "first_cycle_steps", first)
        _set(self, "cycle_mult", v.real_or_int("cycle_mult", self.cycle_mult, minimum=0.0))
        _set(self, "max_lr", _lr("max_lr", self.max_lr))
        _set(self, "min_lr", _lr("min_lr", self.min_lr))
        warm = _steps("warmup_steps", self.warmup_steps)
        if warm >= first:
            raise v.invalid(
                "warmup_steps",
                f"must be < {{first_cycle_steps}} ({first}), got {warm}",
                "first_cycle_steps",
            )
        _set(self, "warmup_steps", warm)
        _set(self, "gamma", v.real_or_int("gamma", self.gamma, minimum=0.0))
        starts, lengths = [0], [first]
        while len(starts) < _MAX_CYCLES:
            following = max(1, int((lengths[-1] - warm) * self.cycle_mult)) + warm
            start = starts[-1] + lengths[-1]
            if following == lengths[-1] or start > _EXACT:
                break  # the last length repeats from here on
            starts.append(start)
            lengths.append(following)
        _set(self, "_starts", tuple(float(s) for s in starts))
        _set(self, "_lengths", tuple(float(c) for c in lengths))

    length = None

    def _cycle(self, xp: Any, t: Any) -> tuple[Any, Any, Any]:
        """``(k, s, c_k)``: the cycle of step ``t``, the step within it, its length."""
        starts, lengths = self._starts, self._lengths
        last, period, n = starts[-1], lengths[-1], len(starts) - 1
        if xp is SCALAR:
            i = bisect.bisect_right(starts, t) - 1
            if i < n:
                return float(i), t - starts[i], lengths[i]
            repeats = math.floor((t - last) / period)
            return float(n + repeats), t - last - repeats * period, period
        i = _index(xp, xp.searchsorted(_table(xp, starts, t), t, side="right") - 1)
        start = _lookup(xp, starts, i, t)
        length = _lookup(xp, lengths, i, t)
        # Past the last listed start the last length repeats; before it the count is 0.
        repeats = xp.floor(xp.maximum(t - last, 0.0) / period)
        k = xp.astype(i, t.dtype) + repeats
        return k, t - start - repeats * length, length

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        k, s, length = self._cycle(xp, t)
        peak = self.max_lr * self.gamma**k
        low, w = self.min_lr, self.warmup_steps
        ramp = (peak - low) * s / max(w, 1) + low
        phase = math.pi * xp.maximum(s - w, 0.0) / (length - w)
        curve = low + (peak - low) * (1 + xp.cos(phase)) / 2.0
        value = xp.where(s < w, ramp, curve) if w else curve
        return xp.where(t < 1, low, value)


@register("pytorch_optimizer:CosineAnnealingWarmupRestarts", unit="update")
def cosine_annealing_warmup_restarts(
    *,
    first_cycle_steps: int,
    cycle_mult: float = 1.0,
    max_lr: float = 1e-4,
    min_lr: float = 1e-6,
    warmup_steps: int = 0,
    gamma: float = 0.9,
) -> Schedule:
    """``CosineAnnealingWarmupRestarts``: see :class:`CosineWarmupRestarts` (the formula is there).

    >>> s = cosine_annealing_warmup_restarts(first_cycle_steps=10, max_lr=0.1, min_lr=0.0, warmup_steps=2)
    >>> [round(s(t), 6) for t in (0, 1, 2, 6, 10, 11)]
    [0.0, 0.05, 0.1, 0.05, 0.0, 0.045]
    """
    return CosineWarmupRestarts(
        first_cycle_steps=first_cycle_steps,
        cycle_mult=cycle_mult,
        max_lr=max_lr,
        min_lr=min_lr,
        warmup_steps=warmup_steps,
        gamma=gamma,
    )


# -- REXScheduler -----------------------------------------------------------------------------


@schedule_class
class Rex(Schedule):
    """``REXScheduler``'s rational decay from ``max_lr`` to ``min_lr`` over ``total_steps``.

    With ``p = t / total_steps``: ``v(t) = min_lr + (max_lr - min_lr) * ((1 - p) / (1 - p / 2))``
    for ``1 <= t < total_steps``, and ``min_lr`` otherwise (``t < 1`` is the constructor's
    overwrite). Absolute: ``base`` is not read.

    >>> s = Rex(total_steps=5, max_lr=1.0, min_lr=0.1)
    >>> [round(s(t), 6) for t in range(6)]
    [0.1, 0.9, 0.775, 0.614286, 0.4, 0.1]
    """

    name: ClassVar[str] = "pytorch_optimizer:rex"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    total_steps: int
    max_lr: float = 1.0
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        _set(self, "total_steps", _steps("total_steps", self.total_steps))
        _set(self, "max_lr", _lr("max_lr", self.max_lr))
        _set(self, "min_lr", _lr("min_lr", self.min_lr))

    @property
    def length(self) -> float | None:
        return self.total_steps

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        total, low = self.total_steps, self.min_lr
        if not total:
            return low + 0.0 * t
        progress = xp.minimum(t, total) / total
        value = low + (self.max_lr - low) * ((1.0 - progress) / (1.0 - progress / 2.0))
        if xp is SCALAR:
            return low if t < 1 or t >= total else value
        return xp.where((t < 1) | (t >= total), low, value)


@register("pytorch_optimizer:REXScheduler", unit="update")
def rex_scheduler(*, total_steps: int, max_lr: float = 1.0, min_lr: float = 0.0) -> Schedule:
    """``REXScheduler``: see :class:`Rex` (the formula is there).

    >>> [round(rex_scheduler(total_steps=4, max_lr=0.1)(t), 6) for t in range(5)]
    [0.0, 0.085714, 0.066667, 0.04, 0.0]
    """
    return Rex(total_steps=total_steps, max_lr=max_lr, min_lr=min_lr)


# -- BaseLinearWarmupScheduler: LinearScheduler, CosineScheduler, PolyScheduler --------------------

_DECAYS = ("linear", "cosine", "poly")


@schedule_class
class LinearWarmupDecay(Schedule):
    """pytorch-optimizer's ``BaseLinearWarmupScheduler`` family: a linear warmup, then ``decay``.

    With ``s = t - 1`` (its ``step()`` returns step ``s``, then counts it) and ``w = warmup_steps``:
    ``v(t) = min_lr`` for ``t < 1``; ``init_lr + (max_lr - init_lr) * s / w`` for ``s < w``;
    ``max_lr`` at ``s = w``; past it ``max_lr + (min_lr - max_lr) * (s - w) / (t_max - w)``
    (linear), ``min_lr + (max_lr - min_lr) * (cos(pi * (s - w) / (t_max - w)) + 1) / 2``
    (cosine) or ``min_lr + (max_lr - min_lr) * (s - w) ** poly_order`` (poly), the linear and the
    poly held at 0 where they would go below it. Absolute: ``base`` is not read.

    >>> s = LinearWarmupDecay(t_max=6, max_lr=1.0, min_lr=0.1, init_lr=0.2, warmup_steps=2)
    >>> [round(s(t), 6) for t in range(8)]
    [0.1, 0.2, 0.6, 1.0, 0.775, 0.55, 0.325, 0.1]
    """

    name: ClassVar[str] = "pytorch_optimizer:linear_warmup"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    t_max: int
    max_lr: float
    min_lr: float = 0.0
    init_lr: float = 0.0
    warmup_steps: int = 0
    decay: str = "linear"
    poly_order: float = 0.5

    def __post_init__(self) -> None:
        v.choice("decay", self.decay, _DECAYS)
        for name in ("min_lr", "max_lr", "init_lr"):
            _set(self, name, _lr(name, getattr(self, name)))
        _set(self, "t_max", _steps("t_max", self.t_max))
        _set(self, "warmup_steps", _steps("warmup_steps", self.warmup_steps))
        if self.decay != "poly" and self.t_max <= self.warmup_steps:
            # The decay divides by t_max - warmup_steps (the library fails there at that step).
            raise v.invalid(
                "t_max",
                f"must be > {{warmup_steps}} ({self.warmup_steps}), got {self.t_max}",
                "warmup_steps",
            )
        _set(
            self, "poly_order", v.real_or_int("poly_order", self.poly_order, minimum=0.0, strict_minimum=True)
        )

    length = None

    def _decay(self, xp: Any, past: Any) -> Any:
        top, low, span = self.max_lr, self.min_lr, self.t_max - self.warmup_steps
        if self.decay == "linear":
            return xp.maximum(top + (low - top) * past / span, 0.0)
        if self.decay == "cosine":
            return low + (top - low) * (xp.cos(past / span * math.pi) + 1.0) / 2.0
        return xp.maximum(low + (top - low) * past**self.poly_order, 0.0)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        s, w, top = t - 1, self.warmup_steps, self.max_lr
        ramp = self.init_lr + (top - self.init_lr) * s / max(w, 1)
        decayed = self._decay(xp, xp.maximum(s - w, 0.0))
        if xp is SCALAR:
            return self.min_lr if t < 1 else ramp if s < w else top if s == w else decayed
        value = xp.where(s == w, top, decayed)
        return xp.where(t < 1, self.min_lr, xp.where(s < w, ramp, value))


def _linear_family(decay: str, **kwargs: Any) -> Schedule:
    return LinearWarmupDecay(decay=decay, **kwargs)


@register("pytorch_optimizer:LinearScheduler", unit="update")
def linear_scheduler(
    *, t_max: int, max_lr: float, min_lr: float = 0.0, init_lr: float = 0.0, warmup_steps: int = 0
) -> Schedule:
    """``LinearScheduler``: warmup from ``init_lr``, then a line from ``max_lr`` to ``min_lr`` at ``t_max``.

    :class:`LinearWarmupDecay` with ``decay="linear"`` (the formula is there).

    >>> s = linear_scheduler(t_max=4, max_lr=1.0)
    >>> [s(t) for t in range(6)]
    [0.0, 1.0, 0.75, 0.5, 0.25, 0.0]
    """
    return _linear_family(
        "linear", t_max=t_max, max_lr=max_lr, min_lr=min_lr, init_lr=init_lr, warmup_steps=warmup_steps
    )


@register("pytorch_optimizer:CosineScheduler", unit="update")
def cosine_scheduler(
    *, t_max: int, max_lr: float, min_lr: float = 0.0, init_lr: float = 0.0, warmup_steps: int = 0
) -> Schedule:
    """``CosineScheduler``: warmup from ``init_lr``, then a cosine from ``max_lr`` to ``min_lr`` at ``t_max``.

    :class:`LinearWarmupDecay` with ``decay="cosine"`` (the formula is there).

    >>> s = cosine_scheduler(t_max=4, max_lr=1.0)
    >>> [round(s(t), 6) for t in range(6)]
    [0.0, 1.0, 0.853553, 0.5, 0.146447, 0.0]
    """
    return _linear_family(
        "cosine", t_max=t_max, max_lr=max_lr, min_lr=min_lr, init_lr=init_lr, warmup_steps=warmup_steps
    )


@register("pytorch_optimizer:PolyScheduler", unit="update")
def poly_scheduler(
    *,
    t_max: int,
    max_lr: float,
    min_lr: float = 0.0,
    init_lr: float = 0.0,
    warmup_steps: int = 0,
    poly_order: float = 0.5,
) -> Schedule:
    """``PolyScheduler``: warmup from ``init_lr``, then ``min_lr + (max_lr - min_lr) * (s - w) ** order``.

    :class:`LinearWarmupDecay` with ``decay="poly"`` (the formula is there; it grows past the
    warmup, as the library computes it).

    >>> s = poly_scheduler(t_max=10, max_lr=0.5, min_lr=0.1, warmup_steps=2)
    >>> [round(s(t), 6) for t in range(6)]
    [0.1, 0.0, 0.25, 0.5, 0.5, 0.665685]
    """
    return _linear_family(
        "poly",
        t_max=t_max,
        max_lr=max_lr,
        min_lr=min_lr,
        init_lr=init_lr,
        warmup_steps=warmup_steps,
        poly_order=poly_order,
    )


# -- get_chebyshev_schedule --------------------------------------------------------------------


def chebyshev_table(num_epochs: int) -> tuple[float, ...]:
    """The multipliers ``get_chebyshev_schedule``'s lambda picks from, in the order it picks them.

    With ``P = 2 ** (int(log2(num_epochs - 1)) + 1)`` (1 for ``num_epochs <= 1``), the ``P``
    reciprocal Chebyshev nodes ``1 / (0.525 - 0.475 * cos((k + 0.5) * pi / P))`` of ``[0.05, 1]``,
    taken in the fractal order of ``P - 2`` (each round of doubling interleaves ``p`` with
    ``2 len(p) - 1 - p``), indices below ``P`` only.

    >>> [round(x, 4) for x in chebyshev_table(3)]
    [11.6067, 2.9135]
    """
    # The library builds this table whole, as lrkit does: past 2 ** 22 entries it is memory, not a schedule.
    n = v.integer("num_epochs", num_epochs, minimum=1, maximum=2**22)
    power = int(2 ** (int(np.log2(n - 1)) + 1)) if n > 1 else 1
    centre, radius = (1.0 + 0.05) / 2.0, (1.0 - 0.05) / 2.0
    angles = (np.arange(power) + 0.5) * np.pi / power
    nodes = 1.0 / (centre - radius * np.cos(angles))
    order = np.zeros(1, dtype=np.int64)
    while order.size < power - 2:
        order = np.stack([order, 2 * order.size - 1 - order], axis=1).reshape(-1)
    return tuple(float(x) for x in nodes[order[order < power]])


@schedule_class
class Chebyshev(Schedule):
    """``get_chebyshev_schedule``'s multiplier: a fractal order of reciprocal Chebyshev nodes.

    ``v(t) = base * c[min(max(floor(t) - 2, 0), len(c) - 1)]`` with ``c`` the
    :func:`chebyshev_table` of ``num_epochs``.

    >>> s = Chebyshev(num_epochs=5)
    >>> [round(s(t), 4) for t in range(6)]
    [16.9127, 16.9127, 16.9127, 1.0092, 2.313, 1.619]
    """

    name: ClassVar[str] = "pytorch_optimizer:chebyshev"
    affine: ClassVar[bool] = True
    num_epochs: int

    def __post_init__(self) -> None:
        _set(self, "_table", chebyshev_table(self.num_epochs))
        _set(self, "num_epochs", v.integer("num_epochs", self.num_epochs))

    @property
    def length(self) -> float | None:
        return len(self._table) + 1  # from floor(t) - 2 = len - 1 on, the last multiplier

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        last = len(self._table) - 1
        if xp is SCALAR:
            return base * self._table[min(max(math.floor(t) - 2, 0), last)]
        i = _index(xp, xp.clip(xp.floor(t) - 2, 0.0, float(last)))
        return base * _lookup(xp, self._table, i, t)


@register("pytorch_optimizer:get_chebyshev_schedule", unit="update")
def get_chebyshev_schedule(*, num_epochs: int, is_warmup: bool = False) -> Schedule:
    """``get_chebyshev_schedule``: :class:`Chebyshev`'s multipliers, or 1 throughout with ``is_warmup``.

    ``v(t) = base`` with ``is_warmup``, else :class:`Chebyshev` (the formula is there).

    >>> get_chebyshev_schedule(num_epochs=8, is_warmup=True)(3, base=0.1)
    0.1
    """
    v.flag("is_warmup", is_warmup)
    num_epochs = v.integer("num_epochs", num_epochs, minimum=1)
    return Constant() if is_warmup else Chebyshev(num_epochs=num_epochs)


# -- get_wsd_schedule --------------------------------------------------------------------------

_COOLDOWNS = ("cosine", "1-sqrt", "linear", "1-square")


@register("pytorch_optimizer:get_wsd_schedule", unit="update")
def get_wsd_schedule(
    *,
    num_warmup_steps: int,
    num_stable_steps: int,
    num_decay_steps: int,
    min_lr_ratio: float = 0.0,
    num_cycles: float = 0.5,
    cooldown_type: str = "1-sqrt",
) -> Schedule:
    """``get_wsd_schedule``: warmup from 0, stable at ``base``, a cooldown, then ``min_lr_ratio * base``.

    With ``w, S, D`` the three step counts, ``m = min_lr_ratio`` and ``q = (t - w - S) / D``:
    ``v(t) = base * f`` with ``f = t / w`` for ``t < w``, 1 for ``t < w + S``, for
    ``t < w + S + D`` the cooldown ``m + (1 - m) * 0.5 * (1 + cos(2 pi num_cycles q))`` (cosine,
    ``q`` divided by ``max(1, D)``), ``1 - sqrt(q)``, ``1 - q`` or ``1 - q ** 2`` (these three
    fall to 0, not to ``m``), and ``m`` from ``w + S + D`` on.

    >>> s = get_wsd_schedule(
    ...     num_warmup_steps=2, num_stable_steps=2, num_decay_steps=4, cooldown_type="linear"
    ... )
    >>> [s(t) for t in range(9)]
    [0.0, 0.5, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0]
    """
    w = _steps("num_warmup_steps", num_warmup_steps)
    stable = _steps("num_stable_steps", num_stable_steps)
    decay = _steps("num_decay_steps", num_decay_steps)
    ratio = v.real_or_int("min_lr_ratio", min_lr_ratio, minimum=0.0)
    cycles = v.real_or_int("num_cycles", num_cycles, minimum=0.0)
    kind = v.choice("cooldown_type", cooldown_type, _COOLDOWNS)
    pieces: list[Schedule] = []
    starts: list[int] = []
    if w:
        pieces.append(Linear(t_initial=w, start_factor=0, end_factor=1))
        starts.append(0)
    if stable:
        pieces.append(Constant())
        starts.append(w)
    if decay:
        if kind == "cosine":
            cooldown: Schedule = CosineWave(t_initial=decay, cycles=cycles, lr_min=ratio)
        else:
            # WSD with its stable phase cut to nothing: 0 + (1 - 0) * d(q), the library's own d.
            fn = {"1-sqrt": "1-sqrt", "linear": "linear", "1-square": "power"}[kind]
            power = {"decay_power": 2} if fn == "power" else {}
            cooldown = WSD(t_initial=decay, decay_t=decay, decay_fn=fn, **power)
        pieces.append(cooldown)
        starts.append(w + stable)
    pieces.append(Constant(ratio))
    starts.append(w + stable + decay)
    whole = pieces[0] if len(pieces) == 1 else Sequential(tuple(pieces), tuple(starts[1:]))
    return Multiplier(whole)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "pytorch_optimizer:CosineAnnealingWarmupRestarts": [
            {"first_cycle_steps": 10, "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 2, "cycle_mult": 2.0}
        ],
        "pytorch_optimizer:CosineScheduler": [
            {"t_max": 20, "max_lr": 0.1, "min_lr": 0.001, "warmup_steps": 3}
        ],
        # Past t_max the library's line goes below 0 (its own quirk, kept): the run here stays inside.
        "pytorch_optimizer:LinearScheduler": [{"t_max": 60, "max_lr": 0.1, "warmup_steps": 3}],
        "pytorch_optimizer:PolyScheduler": [{"t_max": 20, "max_lr": 0.1, "warmup_steps": 3}],
        "pytorch_optimizer:REXScheduler": [{"total_steps": 20, "max_lr": 0.1}],
        "pytorch_optimizer:get_chebyshev_schedule": [{"num_epochs": 8}],
        "pytorch_optimizer:get_wsd_schedule": [
            {"num_warmup_steps": 3, "num_stable_steps": 5, "num_decay_steps": 6}
        ],
    }
)
