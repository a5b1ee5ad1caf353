"""transformers' ``SchedulerType`` names as core schedules: what ``get_scheduler`` builds.

Each builder takes ``get_scheduler``'s keywords (``num_warmup_steps``, ``num_training_steps``,
``scheduler_specific_kwargs``) and, as plain keywords too, the extra arguments of the schedule
function behind the name (``num_cycles``, ``lr_end``, ``power``, ...). It returns the schedule
whose value at update ``t`` for a group of base lr ``base`` is the lr transformers' ``LambdaLR``
writes, ``base * lr_lambda(t)``; ``reduce_lr_on_plateau`` returns :class:`lrkit.torch.Plateau`'s
arguments. Which names need ``num_warmup_steps`` and ``num_training_steps`` follows
``get_scheduler``, as do its messages; the step counts a name does not use are ignored, as
``get_scheduler`` ignores them. A key of ``scheduler_specific_kwargs`` the schedule function does
not take is a ``ValueError`` naming it (``get_scheduler`` lets ``constant`` and
``constant_with_warmup`` drop such keys silently; here they are errors too).

Step counts may be fractional, as ``get_scheduler`` takes them: at every whole step (the only
times transformers computes) the value is transformers', its ``max(1, ...)`` divisors included.

Three schedules read the optimizer's lr (``optimizer.defaults["lr"]``), which a schedule of
``(t, base)`` cannot see: polynomial's ``lr_end`` and the two min-lr cosines' ``min_lr`` are
absolute lrs that transformers turns into a fraction of that lr, and then applies that fraction
to every group. Their builders take that lr as ``base_lr``, which :func:`lrkit.create` with an
optimizer fills with ``optimizer.defaults["lr"]`` when it is not given: every group then gets
transformers' value. ``base_lr=None``, given explicitly, keeps ``lr_end`` and ``min_lr``
absolute instead, so that every group ends at that lr. Without an optimizer (:func:`lrkit.config.build`,
``lrkit.create(name)`` without one, a config read by :func:`lrkit.config.read` or the ``lrkit``
command) there is no lr to read, and ``base_lr`` defaults to ``None``, the absolute reading: that
is transformers' value for a group whose lr is the optimizer's default lr (a one-group
optimizer, or the Trainer's groups); give ``base_lr=`` to get it for the others.

``greedy`` is not registered: ``GreedyLR`` raises the lr after ``patience`` improving metrics as
well as lowering it after ``patience`` bad ones, with warmup and cooldown counters, optional
metric smoothing and a reset after ``reset_start`` steps at ``min_lr``. That is neither a
function of time nor the decay-only rule of ``ReduceLROnPlateau`` that :class:`lrkit.torch.Plateau`
implements.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.combinators import Clamp, Multiplier, Reverse, Sequential, Shift, Warmup
from lrkit.recipes.registry import (
    Reading,
    register,
    register_examples,
    register_export,
    register_format,
    resolve,
)
from lrkit.schedule import Schedule, add_reader, schedule_class
from lrkit.shapes import WSD, Constant, Cosine, CosineWave, Linear, Poly, Rsqrt

__all__ = [
    "HardRestarts",
    "constant",
    "constant_with_warmup",
    "cosine",
    "cosine_warmup_with_min_lr",
    "cosine_with_min_lr",
    "cosine_with_restarts",
    "inverse_sqrt",
    "linear",
    "polynomial",
    "reduce_lr_on_plateau",
    "warmup_stable_decay",
]

Specific = Mapping[str, Any] | None
Steps = int | float | None

_WSD_TYPES = ("linear", "cosine", "1-sqrt")


# -- transformers' node --------------------------------------------------------------------------


@schedule_class
class HardRestarts(CosineWave):
    """``cycles`` cosine descents per ``t_initial``, each jumping back to ``base`` (hard restarts).

    With ``u = cycles * t / t_initial``:
    ``v(t) = lr_min + (base - lr_min) * 0.5 * (1 + cos(pi * (u - floor(u))))``, transformers'
    ``get_cosine_with_hard_restarts_schedule_with_warmup`` after its warmup (which stops at
    ``t_initial``; :func:`lrkit.sequence` cuts it there).

    >>> r = HardRestarts(t_initial=10, cycles=2)
    >>> [round(r(t), 12) for t in (0, 2.5, 5, 7.5)]
    [1.0, 0.5, 1.0, 0.5]
    """

    name: ClassVar[str] = "transformers:hard_restarts"
    affine: ClassVar[bool] = True

    def _wave(self, xp: Any, progress: Any) -> Any:
        u = self.cycles * progress
        # u - floor(u) is exact, and equal to transformers' u % 1.0 for u >= 0.
        return 0.5 * (1.0 + xp.cos(math.pi * (u - xp.floor(u))))


def _read_old_restarts(data: dict[str, Any]) -> dict[str, Any]:
    # Trees saved before this node existed wrote it as cosine_wave(restart=True).
    if data.pop("restart", False):
        data["type"] = HardRestarts.name
    return data


add_reader("cosine_wave", _read_old_restarts)


# -- arguments ----------------------------------------------------------------------------------


def _extra(name: str, specific: Specific, **given: Any) -> dict[str, Any]:
    """The schedule function's extra arguments: keywords and ``scheduler_specific_kwargs`` merged.

    ``None`` means "not given", as it does for transformers' optional arguments.
    """
    if specific is None:
        specific = {}
    if not isinstance(specific, Mapping):
        raise TypeError(f"{name}: scheduler_specific_kwargs must be a dict, got {specific!r}")
    merged = {key: value for key, value in given.items() if value is not None}
    for key, value in specific.items():
        if key not in given:
            takes = ", ".join(map(repr, given)) or "no keys"
            hint = (
                "; last_epoch is torch's resume counter: an lrkit Scheduler resumes from its state_dict"
                if key == "last_epoch"
                else ""
            )
            raise ValueError(
                f"{name}: unknown key {key!r} in scheduler_specific_kwargs; it takes {takes}{hint}"
            )
        if key in merged:
            raise ValueError(f"{name}: {key!r} is given both as a keyword and in scheduler_specific_kwargs")
        if value is not None:
            merged[key] = value
    return merged


def _warmup_steps(name: str, num_warmup_steps: Steps) -> int | float:
    if num_warmup_steps is None:
        hint = " (timm's cosine takes t_initial instead)" if name == "cosine" else ""
        raise ValueError(f"{name} requires `num_warmup_steps`, please provide that argument.{hint}")
    return v.real_or_int("num_warmup_steps", num_warmup_steps, minimum=0.0)


def _steps(name: str, num_warmup_steps: Steps, num_training_steps: Steps) -> tuple[int | float, int | float]:
    """``(w, T)``, checked in ``get_scheduler``'s order: warmup first."""
    w = _warmup_steps(name, num_warmup_steps)
    if num_training_steps is None:
        raise ValueError(f"{name} requires `num_training_steps`, please provide that argument.")
    return w, v.real_or_int("num_training_steps", num_training_steps, minimum=0.0)


def _warmup(schedule: Schedule, w: int | float) -> Schedule:
    """transformers' warmup ``t / w`` in front of ``schedule`` (which then starts at ``w``)."""
    return Warmup(schedule, warmup_t=w, prefix=True) if w else schedule


def _cycles(num_cycles: Any) -> int | float:
    return v.real_or_int("num_cycles", num_cycles, minimum=0.0)


def _base_lr(base_lr: Any) -> float | None:
    # An optimizer's lr may be 0 (transformers then fails only where it divides by it).
    return None if base_lr is None else v.real("base_lr", base_lr, minimum=0.0)


def _cosine_to_min_lr(
    name: str, length: int | float, num_cycles: Any, options: Mapping[str, Any], base_lr: Any
) -> Schedule:
    """The cosine of the two min-lr schedules, from ``base`` down to ``min_lr`` or ``min_lr_rate * base``."""
    min_lr, min_lr_rate = options.get("min_lr"), options.get("min_lr_rate")
    base_lr = _base_lr(base_lr)
    if min_lr is not None and min_lr_rate is not None:
        raise ValueError(f"{name}: only one of min_lr or min_lr_rate should be set")
    if min_lr is not None:
        min_lr = v.real_or_int("min_lr", min_lr, minimum=0.0)
        if base_lr is None:
            return CosineWave(t_initial=length, cycles=_cycles(num_cycles), lr_min=min_lr)
        if not base_lr:
            raise v.invalid("base_lr", "must be > 0 to read {min_lr} as a fraction of it, got 0", "min_lr")
        # transformers' own arithmetic: min_lr / optimizer.defaults["lr"].
        min_lr_rate = min_lr / base_lr
    elif min_lr_rate is None:
        raise ValueError(f"{name}: one of min_lr or min_lr_rate should be set (in scheduler_specific_kwargs)")
    rate = v.real_or_int("min_lr_rate", min_lr_rate, minimum=0.0)
    return Multiplier(CosineWave(t_initial=length, cycles=_cycles(num_cycles), lr_min=rate))


# -- the names ----------------------------------------------------------------------------------


@register("transformers:linear", unit="update")
def linear(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
) -> Schedule:
    """``get_linear_schedule_with_warmup``: warmup from 0, then a straight line to 0 at ``T``.

    ``v(t) = base * t / w`` for ``t < w``, then ``base * max(0, (T - t) / max(1, T - w))`` (which
    starts below ``base`` when ``T - w < 1``).
    """
    _extra("linear", scheduler_specific_kwargs)
    w, total = _steps("linear", num_warmup_steps, num_training_steps)
    if total <= w:
        return _warmup(Constant(0.0), w)  # the line is at (or past) 0 when the warmup ends
    # The line as the time left on the run's own clock, (T - t) / max(1, T - w), which is how
    # transformers computes it: bit for bit the same, where 1 - (t - w) / (T - w) loses digits
    # near T, and (T - w) - (t - w) does for a fractional w.
    line = Linear(t_initial=max(1, total - w), start_factor=0.0, end_factor=1.0)
    after = Reverse(line, t_initial=total)
    return Warmup(after, warmup_t=w) if w else after


@register("transformers:cosine", unit="update")
def cosine(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    num_cycles: float | None = None,
) -> Schedule:
    """``get_cosine_schedule_with_warmup``: warmup, then ``num_cycles`` (0.5) cosine waves to ``T`` and on.

    ``v(t) = base * t / w`` for ``t < w``, then
    ``base * 0.5 * (1 + cos(2 * pi * num_cycles * (t - w) / max(1, T - w)))``, past ``T`` too.
    """
    options = _extra("cosine", scheduler_specific_kwargs, num_cycles=num_cycles)
    w, total = _steps("cosine", num_warmup_steps, num_training_steps)
    wave = CosineWave(t_initial=max(1, total - w), cycles=_cycles(options.get("num_cycles", 0.5)))
    return _warmup(wave, w)


@register("transformers:cosine_with_restarts", unit="update")
def cosine_with_restarts(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    num_cycles: float | None = None,
) -> Schedule:
    """``get_cosine_with_hard_restarts_schedule_with_warmup``: ``num_cycles`` (1) cosine descents, then 0.

    With ``p = (t - w) / max(1, T - w)``: ``v(t) = base * t / w`` for ``t < w``, then
    ``base * 0.5 * (1 + cos(pi * frac(num_cycles * p)))`` while ``p < 1``, then 0.
    """
    options = _extra("cosine_with_restarts", scheduler_specific_kwargs, num_cycles=num_cycles)
    w, total = _steps("cosine_with_restarts", num_warmup_steps, num_training_steps)
    length = max(1, total - w)
    restarts = HardRestarts(t_initial=length, cycles=_cycles(options.get("num_cycles", 1)))
    return _warmup(Sequential((restarts, Constant(0.0)), (length,)), w)


@register("transformers:polynomial", unit="update", optimizer_lr="base_lr")
def polynomial(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    lr_end: float | None = None,
    power: float | None = None,
    base_lr: float | None = None,
) -> Schedule:
    """``get_polynomial_decay_schedule_with_warmup``: warmup, then polynomial decay to ``lr_end`` (1e-7).

    With ``base_lr`` (the optimizer's lr, which :func:`lrkit.create` fills in), ``lr_end`` is read
    as transformers reads it, as the fraction ``e = lr_end / base_lr`` of each group's base:
    ``v(t) = base * t / w`` for ``t < w``, then
    ``base * (e + (1 - e) * (1 - (t - w) / (T - w)) ** power)`` (power 1.0) up to ``T``, then
    ``base * e``. With ``base_lr=None`` (the default without an optimizer) ``lr_end`` is absolute:
    ``lr_end + (base - lr_end) * (1 - (t - w) / (T - w)) ** power``, then ``lr_end``.
    """
    options = _extra("polynomial", scheduler_specific_kwargs, lr_end=lr_end, power=power)
    w, total = _steps("polynomial", num_warmup_steps, num_training_steps)
    end = v.real_or_int("lr_end", options.get("lr_end", 1e-7), minimum=0.0)
    power = v.real_or_int("power", options.get("power", 1.0), minimum=0.0, strict_minimum=True)
    base_lr = _base_lr(base_lr)
    if base_lr is not None:
        if not base_lr > end:
            raise ValueError(f"lr_end ({end}) must be smaller than initial lr ({base_lr})")
        rate = end / base_lr
        if total > w:
            return _warmup(Multiplier(Poly(t_initial=total - w, power=power, lr_min=rate)), w)
        return _warmup(Constant(rate), w)
    if total > w:
        return _warmup(Poly(t_initial=total - w, power=power, lr_min=end), w)
    # No decay left after the warmup: the absolute lr_end, a zero raised to it (transformers
    # itself divides by zero at t = T when T == w).
    return _warmup(Clamp(Constant(0.0), min_value=end), w)


@register("transformers:constant", unit="update")
def constant(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
) -> Schedule:
    """``get_constant_schedule``: the base lr throughout (``get_scheduler`` ignores the step counts).

    ``v(t) = base``
    """
    _extra("constant", scheduler_specific_kwargs)
    return Constant()


@register("transformers:constant_with_warmup", unit="update")
def constant_with_warmup(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
) -> Schedule:
    """``get_constant_schedule_with_warmup``: warmup from 0, then the base lr (``T`` is not used).

    ``v(t) = base * t / w`` for ``t < w``, then ``base``.
    """
    _extra("constant_with_warmup", scheduler_specific_kwargs)
    return _warmup(Constant(), _warmup_steps("constant_with_warmup", num_warmup_steps))


@register("transformers:inverse_sqrt", unit="update")
def inverse_sqrt(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    timescale: float | None = None,
) -> Schedule:
    """``get_inverse_sqrt_schedule``: warmup, then ``1 / sqrt`` decay over ``timescale`` (``w`` or 10,000).

    ``v(t) = base * t / w`` for ``t < w``, then ``base / sqrt((t - w + timescale) / timescale)``.
    """
    options = _extra("inverse_sqrt", scheduler_specific_kwargs, timescale=timescale)
    w = _warmup_steps("inverse_sqrt", num_warmup_steps)
    scale = options.get("timescale", w or 10_000)
    return _warmup(Rsqrt(timescale=scale), w)


@register("transformers:reduce_lr_on_plateau", unit="update", plateau=True)
def reduce_lr_on_plateau(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    mode: str | None = None,
    factor: float | None = None,
    patience: int | None = None,
    threshold: float | None = None,
    threshold_mode: str | None = None,
    cooldown: int | None = None,
    min_lr: Any = None,
    eps: float | None = None,
) -> dict[str, Any]:
    """``get_reduce_on_plateau_schedule``: torch's ``ReduceLROnPlateau``, as ``Plateau``'s arguments.

    ``lr = max(lr * factor, min_lr)`` after more than ``patience`` steps without improvement
    (kept when that changes it by no more than ``eps``); the step counts are not used.
    """
    options = _extra(
        "reduce_lr_on_plateau",
        scheduler_specific_kwargs,
        mode=mode,
        factor=factor,
        patience=patience,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_lr=min_lr,
        eps=eps,
    )
    # torch's defaults, spelled out (they are also Plateau's).
    defaults = dict(
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0.0,
        eps=1e-8,
    )
    return {**defaults, **options}


@register("transformers:cosine_with_min_lr", unit="update", optimizer_lr="base_lr")
def cosine_with_min_lr(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    num_cycles: float | None = None,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    base_lr: float | None = None,
) -> Schedule:
    """``get_cosine_with_min_lr_schedule_with_warmup``: ``cosine`` waving down to ``min_lr``, not 0.

    With ``c = 0.5 * (1 + cos(2 * pi * num_cycles * (t - w) / max(1, T - w)))``:
    ``v(t) = base * t / w`` for ``t < w``, then ``base * (r + (1 - r) * c)`` with
    ``r = min_lr_rate``, or ``r = min_lr / base_lr`` (``base_lr``: the optimizer's lr, which
    :func:`lrkit.create` fills in); with ``min_lr`` and ``base_lr=None`` (the default without an
    optimizer) ``min_lr`` is absolute: ``min_lr + (base - min_lr) * c``.
    """
    name = "cosine_with_min_lr"
    options = _extra(
        name, scheduler_specific_kwargs, num_cycles=num_cycles, min_lr=min_lr, min_lr_rate=min_lr_rate
    )
    w, total = _steps(name, num_warmup_steps, num_training_steps)
    wave = _cosine_to_min_lr(name, max(1, total - w), options.get("num_cycles", 0.5), options, base_lr)
    return _warmup(wave, w)


@register("transformers:cosine_warmup_with_min_lr", unit="update", optimizer_lr="base_lr")
def cosine_warmup_with_min_lr(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    num_cycles: float | None = None,
    min_lr: float | None = None,
    min_lr_rate: float | None = None,
    warmup_lr_rate: float | None = None,
    base_lr: float | None = None,
) -> Schedule:
    """``get_cosine_with_min_lr_schedule_with_warmup_lr_rate``: ``cosine_with_min_lr`` one step ahead.

    With ``c(s)`` as in ``cosine_with_min_lr`` at ``s = t - w + 1``, ``m = max(1, ceil(w) - 1)``
    (the last step of the warmup) and ``u = min(t, m)``: ``v(t) = base * (u + 1) / max(1, w)``
    for ``t < w``, or with ``warmup_lr_rate`` (``a``) ``base * (a + (1 - a) * u / max(1, w - 1))``
    (either may pass ``base`` at ``m`` when ``w`` is fractional, as transformers computes them); then
    ``base * (r + (1 - r) * c(s))``, ``r`` as in ``cosine_with_min_lr`` (``base_lr`` the
    optimizer's lr), or with ``min_lr`` and ``base_lr=None`` ``min_lr + (base - min_lr) * c(s)``.
    A rate above 1 that takes the ramp below 0 at ``m`` is a ``ValueError`` (transformers writes
    that negative lr).
    """
    name = "cosine_warmup_with_min_lr"
    options = _extra(
        name,
        scheduler_specific_kwargs,
        num_cycles=num_cycles,
        min_lr=min_lr,
        min_lr_rate=min_lr_rate,
        warmup_lr_rate=warmup_lr_rate,
    )
    w, total = _steps(name, num_warmup_steps, num_training_steps)
    wave = _cosine_to_min_lr(name, max(1, total - w), options.get("num_cycles", 0.5), options, base_lr)
    rate = options.get("warmup_lr_rate")
    if rate is not None:
        rate = v.real_or_int("warmup_lr_rate", rate, minimum=0.0)
    ahead = Shift(wave, by=-1)  # transformers' cosine is at (t - w) + 1 from t = w on
    if not w:
        return ahead
    # transformers' ramp is a line over the steps t < w that it does not stop at base: for a
    # fractional w its last step m = ceil(w) - 1 lies past w - 1, where the line is above base
    # (below it for a rate above 1). The line from 0 to m, held after m, is that at every step.
    last = max(1, math.ceil(w) - 1)
    if rate is None:
        start, end = 1 / max(1, w), (last + 1) / max(1, w)
    else:
        start, end = rate, rate + (1 - rate) * last / max(1, w - 1)
        if end < 0:
            raise v.invalid(
                "warmup_lr_rate",
                f"{rate!r} with num_warmup_steps={w!r} makes transformers' warmup "
                f"a + (1 - a) * t / max(1, w - 1) negative at step {last}; give a rate of at most "
                f"{last / (last - max(1, w - 1))!r}",
            )
    ramp = Linear(t_initial=last, start_factor=start, end_factor=end)
    return Sequential((ramp, ahead), (w,))


@register("transformers:warmup_stable_decay", unit="update")
def warmup_stable_decay(
    *,
    num_warmup_steps: Steps = None,
    num_training_steps: Steps = None,
    scheduler_specific_kwargs: Specific = None,
    num_decay_steps: int | None = None,
    num_stable_steps: int | None = None,
    warmup_type: str | None = None,
    decay_type: str | None = None,
    min_lr_ratio: float | None = None,
    num_cycles: float | None = None,
) -> Schedule:
    """``get_wsd_schedule``: warmup from ``m * base``, stable at ``base``, decay to ``m * base``, hold.

    With ``m = min_lr_ratio`` (0), ``S = num_stable_steps`` (``T - w - num_decay_steps``),
    ``D = num_decay_steps``, ``p = t / w`` and ``q = (t - w - S) / max(1, D)``:
    ``v(t) = base * (m + (1 - m) * f)`` with ``f`` the warmup ``p``, ``0.5 * (1 - cos(pi * p))``
    or ``1 - sqrt(1 - p)`` for ``t < w``; 1 for ``t < w + S``; the decay ``1 - q``,
    ``0.5 * (1 + cos(2 * pi * num_cycles * q))`` or ``1 - sqrt(q)`` for ``t < w + S + D``; then ``f = 0``.
    """
    name = "warmup_stable_decay"
    options = _extra(
        name,
        scheduler_specific_kwargs,
        num_decay_steps=num_decay_steps,
        num_stable_steps=num_stable_steps,
        warmup_type=warmup_type,
        decay_type=decay_type,
        min_lr_ratio=min_lr_ratio,
        num_cycles=num_cycles,
    )
    w = _warmup_steps(name, num_warmup_steps)
    if "num_decay_steps" not in options:
        raise ValueError(f"{name} requires `num_decay_steps` (a keyword, or in scheduler_specific_kwargs)")
    decay_steps = v.real_or_int("num_decay_steps", options["num_decay_steps"], minimum=0.0)
    stable = options.get("num_stable_steps")
    if num_training_steps is None and stable is None:
        raise ValueError("Either num_training_steps or num_stable_steps must be specified.")
    if num_training_steps is not None and stable is not None:
        warnings.warn(
            "Both num_training_steps and num_stable_steps are specified. num_stable_steps will be used.",
            stacklevel=3,  # the lrkit.create (or build) call
        )
    if stable is None:
        total = v.real_or_int("num_training_steps", num_training_steps, minimum=0.0)
        stable = total - w - decay_steps
    # A negative stable phase is allowed as in transformers: the decay is then under way at w.
    stable = v.real_or_int("num_stable_steps", stable)
    warmup_type = v.choice("warmup_type", options.get("warmup_type", "linear"), _WSD_TYPES)
    decay_type = v.choice("decay_type", options.get("decay_type", "cosine"), _WSD_TYPES)
    # Above 1 the "floor" would be above the stable lr, which the WSD shape clips to its lr_min.
    ratio = v.real_or_int("min_lr_ratio", options.get("min_lr_ratio", 0), minimum=0.0, maximum=1.0)
    cycles = _cycles(options.get("num_cycles", 0.5))

    # Every piece is a factor of base (the whole is a multiplier), so lr_min=ratio is relative.
    pieces: list[Schedule] = []
    starts: list[int | float] = []
    if w:
        # transformers' warmups run its decays backwards: linear, cosine, 1-sqrt.
        if warmup_type == "linear":
            ramp: Schedule = Linear(t_initial=w, start_factor=ratio, end_factor=1.0)
        elif warmup_type == "cosine":
            ramp = Reverse(Cosine(t_initial=w, lr_min=ratio))
        else:
            ramp = Reverse(WSD(t_initial=w, decay_t=w, decay_fn="1-sqrt", lr_min=ratio), t_initial=w)
        pieces.append(ramp)
        starts.append(0)
    decay_start = w + max(stable, 0)
    if decay_start > w:  # not stable > 0: a stable phase below w's last digit has no step
        pieces.append(Constant())
        starts.append(w)
    decay_end = w + stable + decay_steps
    if decay_end > decay_start:
        # transformers' decay progress is (t - w - S) / max(1, D): a decay shorter than one step
        # is cut before it gets far.
        scale = max(1, decay_steps)
        if decay_type == "cosine":
            decay: Schedule = CosineWave(t_initial=scale, cycles=cycles, lr_min=ratio)
        else:
            decay = WSD(t_initial=scale, decay_t=scale, decay_fn=decay_type, lr_min=ratio)
        pieces.append(Shift(decay, by=stable) if stable < 0 else decay)
        starts.append(decay_start)
    pieces.append(Constant(ratio))
    starts.append(max(decay_end, decay_start))
    whole = pieces[0] if len(pieces) == 1 else Sequential(tuple(pieces), tuple(starts[1:]))
    return Multiplier(whole)


# -- export ---------------------------------------------------------------------------------------

_STEPS = {"num_warmup_steps": "warmup_steps", "num_training_steps": "max_steps"}


def _whole(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _round(x: float) -> float:
    # A fitted exponent or ratio, written as the short number it most likely was.
    return float(f"{x:.12g}")


def _write(qualified: str, arguments: Mapping[str, Any], base: float) -> dict[str, Any]:
    """``TrainingArguments``' fields for the schedule: what the Trainer hands ``get_scheduler``."""
    out: dict[str, Any] = {"lr_scheduler_type": qualified.partition(":")[2]}
    extra = {}
    for key, value in arguments.items():
        if key in _STEPS:
            out[_STEPS[key]] = value
        elif key == "base_lr":
            out["learning_rate"] = value  # lr_end and min_lr are fractions of it
        else:
            extra[key] = value
    if extra:
        out["lr_scheduler_kwargs"] = extra
    return out


def _candidates(outline: Any) -> Any:
    """Guesses of ``get_scheduler``'s arguments from the schedule's landmarks.

    The number of training steps is where the schedule settles, or for the cosines that keep
    going past it (as transformers' do), the length of the run exported.
    """
    values, base = outline.values, outline.base
    tolerance = 1e-9 * base
    at_base = [t for t, x in enumerate(values) if abs(x - base) <= tolerance]
    w = _whole(outline.warmup_t or (at_base[0] if at_base else 0))
    total = _whole(outline.length) if outline.length is not None else len(values) - 1
    steps = {"num_warmup_steps": w, "num_training_steps": total}
    end = outline.end / base
    yield "transformers:constant", {}
    yield "transformers:constant_with_warmup", {"num_warmup_steps": w}
    yield "transformers:linear", steps
    yield "transformers:cosine", steps
    if end:
        yield "transformers:cosine_with_min_lr", {**steps, "min_lr_rate": _round(end)}
    for cycles in range(1, 33):
        yield "transformers:cosine_with_restarts", {**steps, "num_cycles": cycles}
    # 1 / sqrt((t - w + s) / s) solved for the timescale s where it first falls below the base.
    fell = [t for t in range(math.ceil(w) + 1, len(values)) if values[t] < base - tolerance]
    if fell and (base / values[fell[0]]) ** 2 > 1:
        timescale = _round((fell[0] - w) / ((base / values[fell[0]]) ** 2 - 1))
        yield "transformers:inverse_sqrt", {"num_warmup_steps": w, "timescale": _whole(timescale)}
    # Polynomial: (1 - e) * (1 - p) ** power + e at the decay's midpoint, solved for the power.
    mid = int(w + (total - w) / 2)
    if w < mid < total and end < 1:
        p = (mid - w) / (total - w)
        rest = (values[mid] / base - end) / (1 - end)
        if 0 < rest < 1:
            power = _round(math.log(rest) / math.log(1 - p))
            yield "transformers:polynomial", {**steps, "lr_end": outline.end, "power": power, "base_lr": base}
    # Warmup, stable, decay: the decay starts at the last update at the base.
    if at_base and total - at_base[-1] > 0:
        decay = {"num_decay_steps": _whole(total - at_base[-1]), "min_lr_ratio": _round(end)}
        for kind in _WSD_TYPES:
            yield "transformers:warmup_stable_decay", {**steps, **decay, "decay_type": kind}


register_export(
    "transformers",
    description="TrainingArguments fields (lr_scheduler_type, warmup_steps, max_steps, lr_scheduler_kwargs)",
    write=_write,
    # Its schedules' nodes, and lrkit's own shapes that give the same curves.
    nodes={
        "cosine",
        "warmup",
        "reverse",
        "linear",
        "cosine_wave",
        "sequence",
        HardRestarts.name,
        "constant",
        "poly",
        "rsqrt",
        "multiplier",
        "rebase",
        "shift",
    },
)(_candidates)


# -- TrainingArguments ------------------------------------------------------------------------------


def _is_training_arguments(data: Any) -> bool:
    return isinstance(data, Mapping) and isinstance(data.get("lr_scheduler_type"), str)


@register_format(
    "transformers",
    description="transformers TrainingArguments (lr_scheduler_type, warmup_steps, max_steps, ...)",
    detect=_is_training_arguments,
)
def read_training_arguments(data: Mapping[str, Any], *, where: str, epoch_length: int | None) -> Reading:
    """The schedule the Trainer builds from ``TrainingArguments`` fields (``args.to_dict()`` will do).

    The Trainer's rules: ``max_steps`` (when > 0) is the number of training steps, else
    ``ceil(num_train_epochs * epoch_length)``; ``warmup_steps`` below 1 is a fraction of them,
    rounded up; ``lr_scheduler_kwargs`` go to the schedule function; ``learning_rate`` is the
    optimizer's lr, which polynomial's ``lr_end`` and the min-lr cosines' ``min_lr`` are
    fractions of. Fields that do not shape the schedule are ignored, so a whole
    ``TrainingArguments`` dict reads.

    >>> read_training_arguments({"lr_scheduler_type": "linear", "warmup_steps": 0.1, "max_steps": 50},
    ...                         where="x", epoch_length=None).schedule
    warmup(reverse(linear(t_initial=45, start_factor=0.0, end_factor=1.0), t_initial=50), warmup_t=5)
    """
    name = data["lr_scheduler_type"]
    max_steps = data.get("max_steps", -1)
    total: int | None = None
    if max_steps is not None and max_steps > 0:
        total = v.integer("max_steps", max_steps, minimum=1)
    elif epoch_length is not None:
        epochs = v.real_or_int("num_train_epochs", data.get("num_train_epochs", 3.0), minimum=0.0)
        total = math.ceil(epochs * epoch_length)
    # Without either, the names that need the step count say so (get_scheduler's message).
    warmup = v.real_or_int("warmup_steps", data.get("warmup_steps", 0), minimum=0.0)
    if total is not None:
        warmup = int(warmup) if warmup >= 1 else math.ceil(total * warmup)
    arguments: dict[str, Any] = {"num_warmup_steps": warmup, "num_training_steps": total}
    kwargs = data.get("lr_scheduler_kwargs") or {}
    if not isinstance(kwargs, Mapping):
        raise TypeError(f"lr_scheduler_kwargs must be a mapping, got {kwargs!r}")
    arguments["scheduler_specific_kwargs"] = dict(kwargs)
    base = data.get("learning_rate")
    qualified = f"transformers:{name}"
    recipe, built = resolve(qualified, arguments, optimizer_lr=base)
    if recipe.plateau:
        return Reading(None, plateau=built, base=base)
    return Reading(built, unit="update", length=built.length, base=base)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "transformers:constant": [{}],
        "transformers:constant_with_warmup": [{"num_warmup_steps": 4}],
        "transformers:cosine": [
            {"num_warmup_steps": 3, "num_training_steps": 20},
            {"num_warmup_steps": 0, "num_training_steps": 20, "num_cycles": 1.5},
        ],
        "transformers:cosine_warmup_with_min_lr": [
            {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr_rate": 0.1},
            {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01, "warmup_lr_rate": 0.2},
        ],
        "transformers:cosine_with_min_lr": [
            {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01},
            {"num_warmup_steps": 3, "num_training_steps": 20, "min_lr": 0.01, "base_lr": 0.1},
        ],
        "transformers:cosine_with_restarts": [
            {"num_warmup_steps": 2, "num_training_steps": 20, "num_cycles": 3}
        ],
        "transformers:inverse_sqrt": [{"num_warmup_steps": 4}, {"num_warmup_steps": 0, "timescale": 7}],
        "transformers:linear": [{"num_warmup_steps": 3, "num_training_steps": 20}],
        "transformers:polynomial": [
            {"num_warmup_steps": 3, "num_training_steps": 20, "power": 2.0},
            {"num_warmup_steps": 3, "num_training_steps": 20, "lr_end": 0.01, "base_lr": 0.1},
        ],
        "transformers:reduce_lr_on_plateau": [{}, {"factor": 0.5, "patience": 2}],
        "transformers:warmup_stable_decay": [
            {"num_warmup_steps": 3, "num_training_steps": 20, "num_decay_steps": 5},
            {
                "num_warmup_steps": 3,
                "num_training_steps": 20,
                "num_decay_steps": 5,
                "warmup_type": "1-sqrt",
                "decay_type": "linear",
                "min_lr_ratio": 0.1,
            },
        ],
    }
)
