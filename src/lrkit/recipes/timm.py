"""timm's schedulers as core schedules: the names ``--sched`` accepts, as ``timm:NAME``.

The builders take timm's keyword arguments and return ``noise(warmup(cycles(shape)))``. Where
timm's values differ from the core's, the difference is a node of this module:
:class:`FloatCycles` (timm's float cycle index), :class:`CurveWarmup` (the tanh warmup that
ramps to where the curve picks up) and :class:`TorchNoise` (the numbers timm draws from
``torch.Generator(seed + t)``); multistep's ``t + 1`` rule is ``shift(multistep, by=-1)``.
:mod:`lrkit.timm` evaluates these very builders past its warmup (its ramp is timm's own, from
timm's ``warmup_steps`` attribute).

>>> s = cosine(t_initial=10, warmup_t=2, noise_range_t=5)
>>> s
TorchNoise(warmup(cosine(t_initial=10), warmup_t=2), range_t=5)
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np

from lrkit import checks as v
from lrkit import schedule as _schedule
from lrkit.combinators import Cycles, Noise, Shift, Warmup, _candidates_needed
from lrkit.recipes.registry import PlateauArguments, register, register_examples
from lrkit.schedule import SCALAR, Schedule, schedule_class
from lrkit.shapes import Constant, Cosine, MultiStep, Poly, Step, Tanh, wsd

__all__ = [
    "BUILDERS",
    "CurveWarmup",
    "FloatCycles",
    "Plan",
    "TorchNoise",
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
    "torch_draw",
    "torch_noise",
]

NoiseRange = Any

_NOISE_NAMES = dict(
    range_t="noise_range_t", pct="noise_pct", std="noise_std", seed="noise_seed", kind="noise_type"
)


# -- timm's nodes --------------------------------------------------------------------------------


@schedule_class
class FloatCycles(Cycles):
    """:func:`lrkit.cycles` with timm's cycle index: ``floor(log(...))`` as the float falls.

    timm does not settle the index against the cycle starts, so the first instant of a cycle
    can land at the end of the one before (``t=211`` with ``t_initial=16, cycle_mul=1.5``).
    As in timm, the curve is evaluated only inside a cycle below ``cycle_limit``; past it, and
    past the end of all the cycles of a shrinking run (``cycle_mul < 1``, where timm's log
    fails), the value is the floor.

    >>> from lrkit import cycles
    >>> timm_way = FloatCycles(Cosine(t_initial=16), cycle_mul=1.5, cycle_limit=10)
    >>> settled = cycles(Cosine(t_initial=16), cycle_mul=1.5, cycle_limit=10)
    >>> timm_way(211) < 0.01 < 0.99 < settled(211)
    True
    """

    name: ClassVar[str] = "timm:cycles"
    affine: ClassVar[bool] = True

    def _settle(self, xp: Any, t: Any, index: Any) -> Any:
        return index

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        first, mul, limit = self.first_length, self.cycle_mul, self.cycle_limit
        if mul == 1 or limit is None:
            # No log to leave its domain, and the cycle length never shrinks to nothing.
            return super()._value(xp, t, base)
        position = 1 - t / first * (1 - mul)
        if xp is SCALAR:
            # As timm: past the limit the curve is not evaluated at all. Far cycles of a
            # shrinking run have lengths that underflow (``length ** k_decay`` is then 0, and
            # the curve divides by it), and past the end of all of them timm's log has no value
            # (its domain error) where no cycle is left: both are the floor here.
            if position <= 0:
                return self._past_limit(xp, t, base)
            index = math.floor(math.log(position) / math.log(mul))
            if index >= limit:
                return self._past_limit(xp, t, base)
            return self._in_cycle(xp, t, base, index)
        index = xp.floor(xp.log(xp.maximum(position, 1e-300)) / math.log(mul))
        inside = (position > 0) & (index < limit)
        # Arrays evaluate both sides: the discarded one at the first cycle, which is finite.
        curve = self._in_cycle(xp, t, base, xp.where(inside, index, 0.0))
        return xp.where(inside, curve, self._past_limit(xp, t, base))

    def _in_cycle(self, xp: Any, t: Any, base: Any, index: Any) -> Any:
        """The curve of cycle ``index`` at ``t``, as timm computes it (``cycle_mul != 1``)."""
        first, mul = self.first_length, self.cycle_mul
        length = mul**index * first
        local = xp.clip(t - (1 - mul**index) / (1 - mul) * first, 0.0, length)
        peak = base * self.cycle_decay**index
        inner = self.schedule
        return inner._curve(xp, local, length, peak) if inner.finite else inner._value(xp, local, peak)

    def _past_limit(self, xp: Any, t: Any, base: Any) -> Any:
        """What ``cycle_limit`` cycles leave behind: the floor of the last one."""
        last = max(self.cycle_limit - 1, 0)
        peak = base * self.cycle_decay**last
        inner = self.schedule
        if inner.finite:
            return inner._floor(peak)
        return inner._value(xp, xp.full_like(t, self.cycle_mul**last * self.first_length), peak)


@schedule_class
class CurveWarmup(Warmup):
    """timm's tanh warmup: a ramp to the value where ``schedule`` picks up, not to ``base``.

    ``v(t) = warmup_lr_init + t * (s(h) - warmup_lr_init) / warmup_t`` for ``t < warmup_t``,
    ``h`` being where the inner schedule takes over (0 with ``prefix``, else ``warmup_t``),
    then as :func:`lrkit.warmup`: continuous where the plain warmup jumps.

    >>> s = CurveWarmup(Tanh(t_initial=10), warmup_t=5)
    >>> s(5) == s.schedule(5) and round(s(2.5), 12) == round(s.schedule(5) / 2, 12)
    True
    """

    name: ClassVar[str] = "timm:warmup"
    affine: ClassVar[bool] = True

    def _target(self, xp: Any, t: Any, base: Any, after: Any) -> Any:
        return self.schedule._value(xp, xp.full_like(t, 0.0 if self.prefix else self.warmup_t), base)


def _torch() -> Any:
    # torch is imported here, when numbers are drawn: only the draw needs it.
    try:
        import torch
    except ImportError:
        raise ImportError(
            "timm's noise is drawn by torch.Generator(seed + t): pip install torch "
            "(or use lrkit.noise, lrkit's own platform-independent draws)"
        ) from None
    return torch


# timm redraws a normal noise until it is kept, for as long as that takes. Past this many
# candidates per epoch at most (one in about 690 kept) the twin refuses the arguments: timm's
# loop has no bound and lrkit.noise draws the same truncated normal in bounded time.
_MAX_TORCH_DRAWS = 2**15


def _kept(pct: float, std: float) -> float:
    """The chance that one of timm's normal candidates is kept."""
    return math.erf(pct / (std * math.sqrt(2.0)))


def _torch_rounds(pct: float, std: float) -> int:
    """How many of timm's normal candidates a draw takes at most: more is a chance below 2 ** -64."""
    kept = _kept(pct, std)
    return _candidates_needed(kept) if kept > 0.0 else _MAX_TORCH_DRAWS + 1


def _draw(generator: Any, key: int, kind: str, pct: float, std: float) -> float:
    torch = _torch()
    generator.manual_seed(key)
    if kind == "uniform":
        return 2 * (torch.rand(1, generator=generator).item() - 0.5) * pct
    for _ in range(_torch_rounds(pct, std)):
        draw = torch.randn(1, generator=generator).item() * std
        if abs(draw) < pct:
            return draw
    return 0.0  # every candidate refused: as lrkit.noise, no noise at this time


def torch_draw(key: int, kind: str, pct: float, std: float) -> float:
    """The relative noise of one key, drawn as timm draws it (see :func:`torch_noise`)."""
    return _draw(_torch().Generator(), key, kind, pct, std)


def torch_noise(keys: np.ndarray, kind: str, pct: float, std: float) -> np.ndarray:
    """One relative noise per key, drawn as timm draws it from ``torch.Generator(key)``.

    ``normal``: ``randn() * std``, drawn again from the same generator until its magnitude is
    below ``pct``; ``uniform``: ``2 * (rand() - 0.5) * pct``. Each distinct key is drawn once.
    torch is imported when numbers are drawn: only the draw needs it.
    """
    keys = np.asarray(keys, dtype=np.int64)
    unique, inverse = np.unique(keys, return_inverse=True)
    generator = _torch().Generator()
    drawn = np.array([_draw(generator, key, kind, pct, std) for key in unique.tolist()], dtype=np.float64)
    return drawn[inverse].reshape(keys.shape)


@schedule_class
class TorchNoise(Noise):
    """:func:`lrkit.noise` with timm's draws: ``torch.Generator`` seeded with ``seed + floor(t)``.

    The same arguments and rules as :func:`lrkit.noise`; the numbers are timm's, so a noisy
    timm schedule gives timm's lrs. Drawing needs torch (building and loading do not).
    """

    name: ClassVar[str] = "timm:noise"
    affine: ClassVar[bool] = True
    _host_draws: ClassVar[str] = "timm's numbers come from a torch.Generator seeded with seed + floor(t)"

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kind == "normal" and _torch_rounds(float(self.pct), float(self.std)) > _MAX_TORCH_DRAWS:
            raise v.invalid(
                "std",
                f"is too wide for {{pct}}: timm redraws {{std}} * randn() until it is below {{pct}}, and "
                f"with {{std}}={self.std!r}, {{pct}}={self.pct!r} it keeps one draw in "
                f"{1 / max(_kept(float(self.pct), float(self.std)), 1e-300):.3g}: timm's loop has no bound "
                "there; lrkit.noise draws the same truncated normal in bounded time",
                "pct",
            )

    def _draw(self, keys: np.ndarray) -> np.ndarray:
        return torch_noise(keys, self.kind, float(self.pct), float(self.std))


def _read_old_trees() -> None:
    """Trees saved before these nodes existed wrote them as options of the core nodes."""

    def cycles(data: dict[str, Any]) -> dict[str, Any]:
        if "settle_index" in data and not data.pop("settle_index"):
            data["type"] = FloatCycles.name
        return data

    def warmup(data: dict[str, Any]) -> dict[str, Any]:
        target = data.get("target", "base")
        if target == "base":
            data.pop("target", None)
        elif target == "end":
            del data["target"]
            data["type"] = CurveWarmup.name
        return data

    def noise(data: dict[str, Any]) -> dict[str, Any]:
        generator = data.pop("generator", "lrkit")
        if generator == "torch":
            data["type"] = TorchNoise.name
        elif generator != "lrkit":
            raise ValueError(f"noise: this version draws no noise from generator {generator!r}")
        return data

    def multistep(data: dict[str, Any]) -> dict[str, Any]:
        lead = data.pop("lead_t", 0)
        return {"type": "shift", "schedule": data, "by": -lead} if lead else data

    for name, reader in (("cycles", cycles), ("warmup", warmup), ("noise", noise), ("multistep", multistep)):
        _schedule.add_reader(name, reader)


_read_old_trees()


# -- timm's pieces -------------------------------------------------------------------------------


def add_noise(
    schedule: Schedule,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    noise_type: str = "normal",
) -> Schedule:
    """``schedule`` with timm's relative noise over ``noise_range_t`` (None: no noise).

    The noise's arguments are checked without noise too: a typo there is one today, and a
    switched-on noise tomorrow.
    """
    span = 0 if noise_range_t is None else noise_range_t
    if isinstance(span, Sequence) and not isinstance(span, (str, bytes)):
        span = tuple(span)
    with v.renamed(**_NOISE_NAMES):
        noisy = TorchNoise(
            schedule, range_t=span, pct=noise_pct, std=noise_std, seed=noise_seed, kind=noise_type
        )
    return schedule if noise_range_t is None else noisy


def add_warmup(
    schedule: Schedule, warmup_t: float, warmup_lr_init: float, warmup_prefix: bool, to_curve: bool = False
) -> Schedule:
    """``schedule`` behind timm's linear warmup (none when ``warmup_t`` is 0)."""
    node = CurveWarmup if to_curve else Warmup
    with v.renamed(prefix="warmup_prefix"):
        wrapped = node(schedule, warmup_t=warmup_t, warmup_lr_init=warmup_lr_init, prefix=warmup_prefix)
    return wrapped if warmup_t else schedule


def restart(shape: Schedule, cycle_mul: float, cycle_decay: float, cycle_limit: int) -> Schedule:
    """``shape`` restarted as timm restarts it, with timm's float cycle index.

    One cycle of constant length is the shape itself, value for value, so it is left bare.
    """
    # Built either way: the restart arguments are checked even where they change nothing.
    cycles = FloatCycles(shape, cycle_mul=cycle_mul, cycle_decay=cycle_decay, cycle_limit=cycle_limit)
    return shape if cycles.cycle_limit == 1 and cycles.cycle_mul == 1 else cycles


@register("timm:cosine")
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
    k_decay: float = 1.0,
) -> Schedule:
    """timm's ``CosineLRScheduler``: cosine with restarts, warmup, noise and k-decay."""
    shape = restart(
        Cosine(t_initial=t_initial, lr_min=lr_min, k_decay=k_decay), cycle_mul, cycle_decay, cycle_limit
    )
    shape = add_warmup(shape, warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed)


@register("timm:tanh")
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
) -> Schedule:
    """timm's ``TanhLRScheduler``; without a warmup prefix the ramp ends where tanh picks up."""
    shape = restart(
        Tanh(t_initial=t_initial, lb=lb, ub=ub, lr_min=lr_min), cycle_mul, cycle_decay, cycle_limit
    )
    shape = add_warmup(shape, warmup_t, warmup_lr_init, warmup_prefix, to_curve=not warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed)


@register("timm:poly")
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
    k_decay: float = 1.0,
) -> Schedule:
    """timm's ``PolyLRScheduler``: polynomial decay with restarts, warmup, noise and k-decay."""
    shape = Poly(t_initial=t_initial, power=power, lr_min=lr_min, k_decay=k_decay)
    shape = add_warmup(
        restart(shape, cycle_mul, cycle_decay, cycle_limit), warmup_t, warmup_lr_init, warmup_prefix
    )
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed)


@register("timm:step")
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
) -> Schedule:
    """timm's ``StepLRScheduler`` (its warmup is a prefix by default)."""
    shape = add_warmup(Step(decay_t=decay_t, decay_rate=decay_rate), warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed)


@register("timm:constant")
def constant(
    *,
    warmup_t: float = 0,
    warmup_lr_init: float = 0.0,
    warmup_prefix: bool = True,
    noise_range_t: NoiseRange = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
) -> Schedule:
    """timm's ``constant``: the base lr after an optional warmup."""
    shape = add_warmup(Constant(), warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed)


@register("timm:multistep")
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
) -> Schedule:
    """timm's ``MultiStepLRScheduler``: milestone ``m`` applies at ``t = m - 1``."""
    with v.renamed(milestones="decay_t"):
        shape = Shift(MultiStep(milestones=decay_t, decay_rate=decay_rate), by=-1)
    shape = add_warmup(shape, warmup_t, warmup_lr_init, warmup_prefix)
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed)


@register("timm:wsd")
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
    return add_noise(shape, noise_range_t, noise_pct, noise_std, noise_seed)


@register("timm:rsqrt")
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
    )


@register("timm:plateau", plateau=True)
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
    arguments = _plateau_arguments(**locals())
    names = dict(factor="decay_rate", patience="patience_t", cooldown="cooldown_t", min_lr="lr_min")
    return PlateauArguments(arguments, names)


def _plateau_arguments(
    *,
    decay_rate: float,
    patience_t: int,
    threshold: float,
    cooldown_t: int,
    warmup_t: float,
    warmup_lr_init: float,
    lr_min: float,
    mode: str,
    noise_range_t: NoiseRange,
    noise_type: str,
    noise_pct: float,
    noise_std: float,
    noise_seed: int,
) -> dict[str, Any]:
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

    def schedule(self) -> Schedule:
        """The plan as a schedule with timm's values (a plateau has none: it follows the metrics)."""
        if self.name == "plateau":
            raise ValueError(
                "sched='plateau' follows a metric: it is no function of time to evaluate or draw"
            )
        if self.name == "none":
            return Constant()  # timm's train.py builds no scheduler: the lr stays where it is
        return BUILDERS[self.name](**self.kwargs)


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
        raise ValueError(f"sched must be one of {', '.join(map(repr, sorted(names)))}; got {v.shown(sched)}")
    # The factory's own arguments, by its own names and as given (before any is turned into
    # updates), whichever scheduler reads them: an unused one is checked too.
    num_epochs = v.real_or_int("num_epochs", num_epochs, minimum=0.0, strict_minimum=True)
    if decay_epochs is not None:
        decay_epochs = v.real_or_int("decay_epochs", decay_epochs, minimum=0.0)
    if isinstance(decay_milestones, (str, bytes)) or not isinstance(decay_milestones, Sequence):
        raise v.wrong_type("decay_milestones", f"must be a list of epochs, got {v.shown(decay_milestones)}")
    decay_milestones = [
        v.real_or_int(f"decay_milestones[{i}]", d, minimum=0.0) for i, d in enumerate(decay_milestones)
    ]
    cooldown_epochs = v.real_or_int("cooldown_epochs", cooldown_epochs, minimum=0.0)
    patience_epochs = v.integer("patience_epochs", patience_epochs, minimum=0)
    decay_rate = v.real_or_int("decay_rate", decay_rate, minimum=0.0)
    min_lr = v.real_or_int("min_lr", min_lr, minimum=0.0)
    warmup_lr = v.real_or_int("warmup_lr", warmup_lr, minimum=0.0)
    warmup_epochs = v.real_or_int("warmup_epochs", warmup_epochs, minimum=0.0)
    warmup_prefix = v.flag("warmup_prefix", warmup_prefix)
    if noise is not None:
        if isinstance(noise, (list, tuple)):
            noise = [v.real_or_int(f"noise[{i}]", n, minimum=0.0) for i, n in enumerate(noise)]
        else:
            noise = v.real_or_int("noise", noise, minimum=0.0)
    if decay_fn is not None and not isinstance(decay_fn, str):
        raise v.wrong_type("decay_fn", f"must be a name or None, got {v.shown(decay_fn)}")
    if stable_timescale is not None:
        stable_timescale = v.real_or_int(
            "stable_timescale", stable_timescale, minimum=0.0, strict_minimum=True
        )
    k_decay = v.real_or_int("k_decay", k_decay, minimum=0.0, strict_minimum=True)
    v.choice("plateau_mode", plateau_mode, ("min", "max"))
    step_on_epochs = v.flag("step_on_epochs", step_on_epochs)
    updates_per_epoch = v.integer("updates_per_epoch", updates_per_epoch, minimum=0)
    with v.renamed(t_initial="num_epochs"):
        FloatCycles(
            Constant(), t_initial=1, cycle_mul=cycle_mul, cycle_decay=cycle_decay, cycle_limit=cycle_limit
        )
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
            raise v.InvalidValueError(
                f"{{decay_epochs}}: {sched} needs 0 < decay <= {{num_epochs}}"
                f"{'' if warmup_prefix else ' - {warmup_epochs}'}, "
                f"got decay {decay_t} and stable + decay length {t_sched}",
                "decay_epochs",
                "num_epochs",
                "warmup_epochs",
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


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "timm:constant": [{}, {"warmup_t": 3, "warmup_lr_init": 0.01}],
        "timm:cosine": [
            {"t_initial": 10},
            {
                "t_initial": 10,
                "lr_min": 0.01,
                "cycle_mul": 2,
                "cycle_decay": 0.5,
                "cycle_limit": 3,
                "warmup_t": 2,
                "warmup_lr_init": 0.01,
            },
        ],
        "timm:multistep": [{"decay_t": [3, 6], "decay_rate": 0.5, "warmup_t": 2}],
        "timm:plateau": [{}, {"decay_rate": 0.5, "patience_t": 2, "mode": "min"}],
        "timm:poly": [{"t_initial": 10, "power": 2.0, "warmup_t": 2, "warmup_prefix": True}],
        "timm:rsqrt": [{"t_initial": 20, "decay_t": 4, "warmup_t": 2}],
        "timm:step": [{"decay_t": 3, "decay_rate": 0.5}],
        "timm:tanh": [
            {"t_initial": 10, "warmup_t": 3},
            {"t_initial": 10, "warmup_t": 3, "warmup_prefix": True, "cycle_limit": 2},
        ],
        "timm:wsd": [{"t_initial": 20, "decay_t": 5, "lr_min": 0.01}],
    }
)
