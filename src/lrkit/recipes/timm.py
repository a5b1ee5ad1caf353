"""timm's schedulers as core schedules: the names ``--sched`` accepts.

The builders take timm's keyword arguments and return ``noise(warmup(cycles(shape)))``, with
timm's conventions set through core options: a float cycle index (``settle_index=False``),
the tanh warmup ramping to where the curve picks up, multistep's ``t + 1`` rule
(``lead_t=1``). :mod:`lrkit.timm` drives optimizers with these very builders.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

from lrkit.combinators import Cycles, Noise, Warmup
from lrkit.config import register
from lrkit.schedule import Schedule
from lrkit.shapes import Constant, Cosine, MultiStep, Poly, Step, Tanh, wsd

__all__ = [
    "BUILDERS",
    "Plan",
    "add_noise",
    "add_warmup",
    "cosine",
    "cycle_length",
    "multistep",
    "plan",
    "poly",
    "restart",
    "scheduler_kwargs",
    "step",
    "tanh",
]

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

    One cycle of constant length is the shape itself, value for value, so it is left bare.
    """
    if cycle_limit == 1 and cycle_mul == 1:
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


def cycle_length(
    t_initial: float, cycle_mul: float, cycles: int, warmup_t: float = 0, warmup_prefix: bool = False
) -> float:
    """timm's ``get_cycle_length``: ``cycles`` cycles (floored when they stretch), plus a warmup prefix."""
    length = Cycles(Constant(), t_initial=t_initial, cycle_mul=cycle_mul, cycle_limit=cycles).cycle_length()
    if cycle_mul != 1.0:
        length = math.floor(length)
    return length + warmup_t if warmup_prefix else length


@dataclasses.dataclass(frozen=True)
class Plan:
    """What timm's factory builds: a recipe name, its keyword arguments, the unit, the epochs."""

    name: str
    kwargs: dict[str, Any]
    step_on_epochs: bool
    num_epochs: int | float

    def schedule(self, noise_generator: str = "lrkit") -> Schedule:
        """The plan as a core schedule (a plateau has none: it depends on the metrics)."""
        if self.name == "plateau":
            raise ValueError(
                "sched='plateau' follows a metric: it is no function of time to evaluate or draw"
            )
        return BUILDERS[self.name](**self.kwargs, noise_generator=noise_generator)


def plan(
    *,
    sched: str = "cosine",
    num_epochs: int = 300,
    decay_epochs: float | None = None,
    decay_milestones: Sequence[int] = (90, 180, 270),
    cooldown_epochs: int = 0,
    patience_epochs: int = 10,
    decay_rate: float = 0.1,
    min_lr: float = 0.0,
    warmup_lr: float = 1e-5,
    warmup_epochs: int = 0,
    warmup_prefix: bool = False,
    noise: float | Sequence[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    cycle_mul: float = 1.0,
    cycle_decay: float = 0.1,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    decay_fn: str | None = None,
    stable_timescale: float | None = None,
    plateau_mode: str = "max",
    step_on_epochs: bool = True,
    updates_per_epoch: int = 0,
) -> Plan:
    """timm's ``create_scheduler_v2`` arguments as a :class:`Plan` (named "none" for no scheduler).

    Lengths are in epochs, turned into updates when ``step_on_epochs`` is False; noise on/off
    points are fractions of the schedule length; ``wsd`` / ``rsqrt`` take ``decay_epochs`` in
    (0, 1) as a fraction of their stable + decay length, and fit inside ``num_epochs`` unless
    the warmup is a prefix. The plan's epoch count includes cycles, a warmup prefix and the
    cooldown, as timm's does.
    """
    names = (*BUILDERS, "constant", "rsqrt", "plateau", "none")
    if sched not in names:
        raise ValueError(f"sched must be one of {', '.join(map(repr, sorted(names)))}; got {sched!r}")
    if decay_epochs is None:
        decay_epochs = 0.2 if sched in ("wsd", "rsqrt") else 90
    t_initial, warmup_t, decay_t, cooldown_t, timescale_t = (
        num_epochs,
        warmup_epochs,
        decay_epochs,
        cooldown_epochs,
        stable_timescale,
    )
    if not step_on_epochs:
        if not updates_per_epoch or updates_per_epoch <= 0:
            raise ValueError(
                f"updates_per_epoch must be > 0 (the number of dataloader batches) when stepping per "
                f"update, got {updates_per_epoch!r}"
            )
        t_initial = t_initial * updates_per_epoch
        warmup_t = warmup_t * updates_per_epoch
        decay_t = decay_t * updates_per_epoch
        decay_milestones = [d * updates_per_epoch for d in decay_milestones]
        cooldown_t = cooldown_t * updates_per_epoch
        if timescale_t is not None:
            timescale_t = timescale_t * updates_per_epoch

    warmup_args: dict[str, Any] = dict(
        warmup_lr_init=warmup_lr, warmup_t=warmup_t, warmup_prefix=warmup_prefix
    )
    if noise is None:
        noise_range: Any = None
    elif isinstance(noise, (list, tuple)):
        noise_range = [n * t_initial for n in noise]
        if len(noise_range) == 1:
            noise_range = noise_range[0]
    else:
        noise_range = noise * t_initial
    noise_args = dict(
        noise_range_t=noise_range, noise_pct=noise_pct, noise_std=noise_std, noise_seed=noise_seed
    )
    cycle_args = dict(cycle_mul=cycle_mul, cycle_decay=cycle_decay, cycle_limit=cycle_limit)

    if sched in ("cosine", "tanh", "poly"):
        kwargs: dict[str, Any] = dict(
            t_initial=t_initial, lr_min=min_lr, **cycle_args, **warmup_args, **noise_args
        )
        if sched == "cosine":
            kwargs["k_decay"] = k_decay
        if sched == "poly":
            kwargs.update(power=decay_rate, k_decay=k_decay)  # timm overloads decay_rate as the power
        total = cycle_length(t_initial, cycle_mul, max(1, cycle_limit), warmup_t, warmup_prefix) + cooldown_t
        epochs = total if step_on_epochs else total // updates_per_epoch
        return Plan(sched, kwargs, step_on_epochs, epochs)
    if sched in ("wsd", "rsqrt"):
        # The warmup is always a prefix here; without warmup_prefix the stable + decay phases
        # fit inside num_epochs, so --epochs means what it means for the other schedules.
        t_sched = t_initial if warmup_prefix else t_initial - warmup_t
        if 0 < decay_epochs < 1:
            decay_t = decay_epochs * t_sched
        decay_t = round(decay_t)
        if not 0 < decay_t <= t_sched:
            raise ValueError(
                f"decay_epochs: {sched} needs 0 < decay <= epochs"
                f"{'' if warmup_prefix else ' - warmup_epochs'}, "
                f"got decay {decay_t} and stable + decay length {t_sched}"
            )
        kwargs = dict(
            t_initial=t_sched,
            decay_t=decay_t,
            lr_min=min_lr,
            stable_fn="rsqrt" if sched == "rsqrt" else "constant",
            stable_timescale=timescale_t,
            decay_fn=decay_fn or ("linear" if sched == "rsqrt" else "1-sqrt"),
            warmup_t=warmup_t,
            warmup_lr_init=warmup_lr,
            **noise_args,
        )
        total = warmup_t + t_sched + cooldown_t
        return Plan("wsd", kwargs, step_on_epochs, total if step_on_epochs else total // updates_per_epoch)

    epochs = num_epochs + warmup_epochs if warmup_prefix else num_epochs
    if sched == "none":
        return Plan("none", {}, step_on_epochs, epochs)
    if sched == "plateau":
        if not step_on_epochs:
            raise ValueError("sched='plateau' steps per epoch only; got step_on_epochs=False")
        warmup_args.pop("warmup_prefix")
        kwargs = dict(
            decay_rate=decay_rate,
            patience_t=patience_epochs,
            cooldown_t=0,
            **warmup_args,
            lr_min=min_lr,
            mode=plateau_mode,
            **noise_args,
        )
        return Plan("plateau", kwargs, step_on_epochs, epochs)
    if sched == "multistep":
        kwargs = dict(decay_t=list(decay_milestones), decay_rate=decay_rate, **warmup_args, **noise_args)
        return Plan("multistep", kwargs, step_on_epochs, epochs)
    # 'constant' is a step schedule that never decays: warmup and lr_scale still apply.
    step_args = (
        dict(decay_t=decay_t, decay_rate=decay_rate) if sched == "step" else dict(decay_t=1, decay_rate=1.0)
    )
    return Plan("step", dict(**step_args, **warmup_args, **noise_args), step_on_epochs, epochs)


def scheduler_kwargs(cfg: Any, decreasing_metric: bool | None = None) -> dict[str, Any]:
    """timm's ``scheduler_kwargs``: :func:`plan`'s arguments from argparse args or a config object.

    Attributes missing from ``cfg`` take timm's fallbacks (which differ from train.py's flag
    defaults, as in timm).
    """
    eval_metric = getattr(cfg, "eval_metric", "top1")
    if decreasing_metric is not None:
        plateau_mode = "min" if decreasing_metric else "max"
    else:
        plateau_mode = "min" if "loss" in eval_metric else "max"
    return dict(
        sched=cfg.sched,
        num_epochs=getattr(cfg, "epochs", 100),
        decay_epochs=getattr(cfg, "decay_epochs", 30),
        decay_milestones=getattr(cfg, "decay_milestones", [30, 60]),
        warmup_epochs=getattr(cfg, "warmup_epochs", 5),
        cooldown_epochs=getattr(cfg, "cooldown_epochs", 0),
        patience_epochs=getattr(cfg, "patience_epochs", 10),
        decay_rate=getattr(cfg, "decay_rate", 0.1),
        min_lr=getattr(cfg, "min_lr", 0.0),
        warmup_lr=getattr(cfg, "warmup_lr", 1e-5),
        warmup_prefix=getattr(cfg, "warmup_prefix", False),
        noise=getattr(cfg, "lr_noise", None),
        noise_pct=getattr(cfg, "lr_noise_pct", 0.67),
        noise_std=getattr(cfg, "lr_noise_std", 1.0),
        noise_seed=getattr(cfg, "seed", 42),
        cycle_mul=getattr(cfg, "lr_cycle_mul", 1.0),
        cycle_decay=getattr(cfg, "lr_cycle_decay", 0.1),
        cycle_limit=getattr(cfg, "lr_cycle_limit", 1),
        k_decay=getattr(cfg, "lr_k_decay", 1.0),
        decay_fn=getattr(cfg, "lr_decay_fn", None),
        stable_timescale=getattr(cfg, "lr_stable_timescale", None),
        plateau_mode=plateau_mode,
        step_on_epochs=not getattr(cfg, "sched_on_updates", False),
    )


#: The builder of each class timm's factory instantiates, by recipe name.
BUILDERS = {"cosine": cosine, "tanh": tanh, "poly": poly, "step": step, "multistep": multistep, "wsd": wsd_}
