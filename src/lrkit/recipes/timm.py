"""timm's schedulers as core schedules: the names ``--sched`` accepts.

The builders take timm's keyword arguments and return ``noise(warmup(cycles(shape)))``, with
timm's conventions set through core options: a float cycle index (``settle_index=False``),
the tanh warmup ramping to where the curve picks up, multistep's ``t + 1`` rule
(``lead_t=1``). :mod:`lrkit.timm` drives optimizers with these very builders.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from lrkit.combinators import Cycles, Noise, Warmup
from lrkit.config import register
from lrkit.schedule import Schedule
from lrkit.shapes import Constant, Cosine, MultiStep, Poly, Step, Tanh, wsd

__all__ = ["add_noise", "add_warmup", "cosine", "multistep", "poly", "restart", "step", "tanh"]

NoiseRange = Any


def add_noise(
    schedule: Schedule,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_type: str = "normal",
    noise_generator: str = "lrkit",
) -> Schedule:
    """``schedule`` with timm's relative noise over ``noise_range_t`` (None: no noise)."""
    if noise_range_t is None:
        return schedule
    span = noise_range_t
    if isinstance(span, Sequence) and not isinstance(span, (str, bytes)):
        span = tuple(span)
    return Noise(
        schedule,
        range_t=span,
        pct=noise_pct,
        std=noise_std,
        seed=noise_seed,
        kind=noise_type,
        generator=noise_generator,
    )


def add_warmup(
    schedule: Schedule, warmup_t: float, warmup_lr_init: float, warmup_prefix: bool, target: str = "base"
) -> Schedule:
    """``schedule`` behind timm's linear warmup (none when ``warmup_t`` is 0)."""
    wrapped = Warmup(
        schedule, warmup_t=warmup_t, warmup_lr_init=warmup_lr_init, prefix=warmup_prefix, target=target
    )
    return wrapped if warmup_t else schedule


def restart(shape: Schedule, cycle_mul: float, cycle_decay: float, cycle_limit: int) -> Schedule:
    """``shape`` restarted as timm restarts it, with timm's float cycle index.

    One cycle of factor 1 is the shape itself, value for value, so it is left bare.
    """
    if (cycle_mul, cycle_decay, cycle_limit) == (1, 1, 1):
        return shape
    return Cycles(
        shape, cycle_mul=cycle_mul, cycle_decay=cycle_decay, cycle_limit=cycle_limit, settle_index=False
    )


@register("cosine", source="timm")
def cosine(
    *,
    t_initial: float,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
    k_decay: float = 1.0,
) -> Schedule:
    """timm's ``CosineLRScheduler``: cosine with restarts, warmup, noise and k-decay."""
    shape = restart(
        Cosine(t_initial=t_initial, lr_min=lr_min, k_decay=k_decay), cycle_mul, cycle_decay, cycle_limit
    )
    shape = add_warmup(shape, warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed, "normal", noise_generator)


@register("tanh", source="timm")
def tanh(
    *,
    t_initial: float,
    lb: float = -7.0,
    ub: float = 3.0,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
) -> Schedule:
    """timm's ``TanhLRScheduler``; without a warmup prefix the ramp ends where tanh picks up."""
    shape = restart(
        Tanh(t_initial=t_initial, lb=lb, ub=ub, lr_min=lr_min), cycle_mul, cycle_decay, cycle_limit
    )
    shape = add_warmup(shape, warmup_t, warmup_lr_init, warmup_prefix, "base" if warmup_prefix else "end")
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed, "normal", noise_generator)


@register("poly", source="timm")
def poly(
    *,
    t_initial: float,
    power: float = 0.5,
    lr_min: float = 0.0,
    cycle_mul: float = 1.0,
    cycle_decay: float = 1.0,
    cycle_limit: int = 1,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = False,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
    k_decay: float = 1.0,
) -> Schedule:
    """timm's ``PolyLRScheduler``: polynomial decay with restarts, warmup, noise and k-decay."""
    shape = Poly(t_initial=t_initial, power=power, lr_min=lr_min, k_decay=k_decay)
    shape = add_warmup(
        restart(shape, cycle_mul, cycle_decay, cycle_limit), warmup_t, warmup_lr_init, warmup_prefix
    )
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed, "normal", noise_generator)


@register("step", source="timm")
def step(
    *,
    decay_t: float,
    decay_rate: float = 1.0,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
) -> Schedule:
    """timm's ``StepLRScheduler`` (its warmup is a prefix by default)."""
    shape = add_warmup(Step(decay_t=decay_t, decay_rate=decay_rate), warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed, "normal", noise_generator)


@register("constant", source="timm")
def constant(
    *,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
) -> Schedule:
    """timm's ``constant``: the base lr after an optional warmup."""
    shape = add_warmup(Constant(), warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed, "normal", noise_generator)


@register("multistep", source="timm")
def multistep(
    *,
    decay_t: Sequence[float],
    decay_rate: float = 1.0,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
) -> Schedule:
    """timm's ``MultiStepLRScheduler``: milestone ``m`` applies at ``t = m - 1``."""
    shape = MultiStep(milestones=decay_t, decay_rate=decay_rate, lead_t=1)
    shape = add_warmup(shape, warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed, "normal", noise_generator)


@register("wsd", source="timm")
def wsd_(
    *,
    t_initial: float,
    decay_t: float,
    lr_min: float = 0.0,
    stable_fn: str = "constant",
    stable_timescale: float | None = None,
    stable_power: float = 0.5,
    decay_fn: Any = "1-sqrt",
    decay_power: float = 0.5,
    decay_ratio: float = 0.1,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
) -> Schedule:
    """timm's ``WSDLRScheduler``: warmup prefix, stable, then a cooldown to ``lr_min``."""
    shape = wsd(
        t_initial=t_initial,
        decay_t=decay_t,
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr_init,
        lr_min=lr_min,
        stable_fn=stable_fn,
        stable_timescale=stable_timescale,
        stable_power=stable_power,
        decay_fn=decay_fn,
        decay_power=decay_power,
        decay_ratio=decay_ratio,
    )
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed, "normal", noise_generator)


@register("rsqrt", source="timm")
def rsqrt(
    *,
    t_initial: float,
    decay_t: float,
    lr_min: float = 0.0,
    stable_timescale: float | None = None,
    decay_fn: Any = "linear",
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_generator: str = "lrkit",
) -> Schedule:
    """timm's ``rsqrt``: WSD with a reciprocal-square-root stable phase and a linear cooldown."""
    return wsd_(
        t_initial=t_initial,
        decay_t=decay_t,
        lr_min=lr_min,
        stable_fn="rsqrt",
        stable_timescale=stable_timescale,
        decay_fn=decay_fn,
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr_init,
        noise_range_t=noise_range_t,
        noise_pct=noise_pct,
        noise_std=noise_std,
        noise_seed=noise_seed,
        noise_generator=noise_generator,
    )


@register("plateau", source="timm", plateau=True)
def plateau(
    *,
    decay_rate: float = 0.1,
    patience_t: int = 10,
    threshold: float = 1e-4,
    cooldown_t: int = 0,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    lr_min: float = 0.0,
    mode: str = "max",
    noise_range_t: NoiseRange = None,
    noise_type: str = "normal",
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
) -> dict[str, Any]:
    """timm's ``PlateauLRScheduler`` arguments, as :class:`lrkit.torch.Plateau` takes them."""
    return dict(
        mode=mode,
        factor=decay_rate,
        patience=patience_t,
        threshold=threshold,
        cooldown=cooldown_t,
        min_lr=lr_min,
        warmup_t=warmup_t,
        warmup_lr_init=warmup_lr_init,
        noise_range_t=noise_range_t,
        noise_pct=noise_pct,
        noise_std=noise_std,
        noise_seed=noise_seed,
        noise_type=noise_type,
    )
