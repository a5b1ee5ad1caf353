"""mmengine's parameter schedulers (``mmengine.optim.scheduler``) and its ``param_scheduler`` configs.

Every scheduler class registers under its own name, ``"mmengine:LinearLR"``,
``"mmengine:CosineAnnealingMomentum"``, ``"mmengine:PolyParamScheduler"`` (all but
``ReduceOnPlateauMomentum``, which configs name and are refused for), with mmengine's
keyword arguments (the optimizer and ``last_step`` aside) plus ``epoch_length``, the number of
optimizer updates per epoch that mmengine's runner hands its schedulers. What a builder returns
counts optimizer updates: the lr for update ``t`` (from 0) is ``schedule(t, base)``, ``base``
being the param group's initial lr, as mmengine's values are fractions of it.

>>> s = linear_lr(start_factor=0.25, begin=0, end=5, by_epoch=False)
>>> [s(t, base=1.0) for t in range(7)]
[0.25, 0.4375, 0.625, 0.8125, 1.0, 1.0, 1.0]

mmengine's rules, which these schedules follow:

- A scheduler acts on the steps ``begin <= step < end`` of its own count (``INF = 10 ** 9``
  when ``end`` is left out) and leaves the value alone outside them; its local step
  ``k = step - begin``. ``LinearLR``, ``ConstantLR`` and ``PolyLR`` reach their end at the last
  step of the window, ``k = end - begin - 1``: ``ConstantLR`` restores the value there, one step
  before ``end``.
- ``by_epoch=True`` (mmengine's default) steps once per epoch, at its end, so within an epoch
  every update has that epoch's value (:func:`lrkit.stairs` of ``epoch_length``);
  ``by_epoch=False`` steps after every update. ``convert_to_iter_based=True`` rescales an epoch
  scheduler to updates as mmengine's ``build_iter_from_epoch`` does (``begin``, a finite
  ``end``, ``step_size``, ``milestones``, ``T_max``, ``total_steps``, ``periods`` times
  ``epoch_length``; ``begin`` and ``end`` truncated to integers).
- The schedulers of a list all update the same value, in list order, each step. The chainable
  ones (step, multistep, constant, exponential, linear, poly and cosine down to 0) multiply it
  by their own ratio, so any number of them, overlapping or not, is the product of their
  factors. The others set it: ``OneCycleLR`` and ``CosineRestartLR`` write values of their own,
  ``CosineAnnealingLR`` with an ``eta_min`` (or past ``T_max``) and ``PolyLR`` with an
  ``eta_min`` move it towards that floor from the value they find. Such a scheduler takes over
  from the value the list left it, and the chainable factors that change later multiply what
  it left; while it moves the value, no other scheduler of the list may change it (mmengine's
  recursion has no closed form then, and the list is refused with both names).
- ``OneCycleLR`` overwrites each group's ``initial_lr`` with ``eta_max / div_factor`` when it is
  built; the schedulers listed after it that read the initial lr (``eta_min_ratio``,
  ``CosineRestartLR``'s restarts, a cosine past ``T_max``) read that value.
- Values are absolute where mmengine's are: ``eta_min``, ``OneCycleLR``'s ``eta_max``,
  ``ReduceOnPlateauLR``'s ``min_value``.

Momentum. ``*Momentum`` schedulers drive each group's ``momentum`` (``betas[0]`` of Adam-style
optimizers); the generic ``*ParamScheduler`` forms drive their ``param_name``. A schedule is one
field's, so their builders give the lr schedule (:func:`lrkit.constant`: the lr is left alone)
and register the curve as a field beside it, which ``lrkit.create(name, optimizer, ...)``
writes (into ``beta1`` for ``betas``). :func:`read_config` gives all fields of a list.

Configs. :func:`read_config` (``lrkit.load(cfg, format="mmengine", epoch_length=...)``) reads a
``param_scheduler`` entry: one scheduler dict, a list of them, or a whole config holding a
``param_scheduler`` key, whose ``train_cfg`` gives the default ``end`` (``max_epochs`` or
``max_iters``) as mmengine's runner does. mmengine's ``.py`` config files are Python and are not
read (they are run by mmengine's ``Config``); write the block as YAML or JSON, or pass
``mmengine.Config.fromfile(path).to_dict()``.

Export. ``lrkit.config.export(schedule, "mmengine", base=...)`` (``lrkit export --to mmengine``)
writes a schedule as a ``param_scheduler`` list of by-iteration schedulers with begin/end
windows: one scheduler where one gives the values (``StepLR``, ``MultiStepLR``,
``ExponentialLR``, ``LinearLR``, ``ConstantLR``, ``CosineAnnealingLR``, ``PolyLR``,
``OneCycleLR``, ``CosineRestartLR``), else a window per piece (``LinearLR`` warmup then
``CosineAnnealingLR``, milestones, jumps between pieces as one-update ``MultiStepLR`` windows).
Cosine floors are ``eta_min_ratio``; ``PolyLR``'s ``eta_min`` and ``OneCycleLR``'s ``eta_max`` are
absolute (mmengine has no other form), for the base exported for. No list leaves a value of 0
(mmengine's ratios keep it), starts a cosine mid-way (timm's warmup without prefix), or follows
noise, a user's function or a curve mmengine has no scheduler for.

What does not carry over: a scheduler's ``last_step`` (an lrkit driver resumes from its
``state_dict``); ``OneCycleLR`` past ``total_steps`` steps (mmengine extrapolates one step and
then raises; lrkit holds the end value); lists in which a setting scheduler overlaps another
that changes the value (refused); ``ReduceOnPlateau*`` beside other lr schedulers, with a
window, or driving anything but the lr.
"""

from __future__ import annotations

import dataclasses
import inspect
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.combinators import Product, Rebase, Scale, Sequential, Shift, Stairs
from lrkit.recipes.registry import (
    Reading,
    qualified_only,
    register,
    register_examples,
    register_export,
    register_format,
)
from lrkit.recipes.torch import MOMENTUM
from lrkit.schedule import SCALAR, Schedule, _set, schedule_class
from lrkit.shapes import Constant, CosineWave, Exponential, Linear, MultiStep, OneCycle, Poly, Step

__all__ = [
    "FAMILIES",
    "INF",
    "TYPES",
    "Chain",
    "CosineAnnealing",
    "CosineRestart",
    "PolyFloor",
    "Window",
    "detect",
    "read_config",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("mmengine")

#: mmengine's ``end`` when none is given.
INF = 10**9

#: The stem of each scheduler family, ``"Linear"`` for ``LinearLR``, ``LinearMomentum`` and
#: ``LinearParamScheduler``.
FAMILIES = (
    "Constant",
    "CosineAnnealing",
    "CosineRestart",
    "Exponential",
    "Linear",
    "MultiStep",
    "OneCycle",
    "Poly",
    "ReduceOnPlateau",
    "Step",
)

_SUFFIXES = {"LR": "lr", "Momentum": MOMENTUM, "ParamScheduler": None}

#: Every mmengine scheduler type name, with its family and the field it drives (``None``: its
#: ``param_name``). mmengine has no ``OneCycleMomentum``.
TYPES: dict[str, tuple[str, str | None]] = {
    f"{family}{suffix}": (family, field)
    for family in FAMILIES
    for suffix, field in _SUFFIXES.items()
    if (family, suffix) != ("OneCycle", "Momentum")
}


# -- mmengine's nodes ------------------------------------------------------------------------------


@schedule_class
class Window(Schedule):
    """``schedule`` acting on the steps ``begin <= t < end`` only: ``base`` before, held after.

    ``v(t) = base`` for ``t < begin``, else ``schedule(min(t, end - 1) - begin)``: an mmengine
    scheduler's window, the inner schedule on the local step.

    >>> s = Window(Linear(t_initial=2, start_factor=0.5, end_factor=1.0), begin=2, end=5)
    >>> [s(t) for t in range(7)]
    [1.0, 1.0, 0.5, 0.75, 1.0, 1.0, 1.0]
    """

    name: ClassVar[str] = "mmengine:window"
    affine: ClassVar[bool] = True
    schedule: Schedule
    begin: int = 0
    end: int = INF

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise v.wrong_type("schedule", f"must be an lrkit schedule, got {self.schedule!r}")
        _set(self, "begin", v.integer("begin", self.begin, minimum=0))
        _set(self, "end", v.integer("end", self.end))
        if self.end <= self.begin:
            raise v.invalid(
                "end", f"must be larger than {{begin}}, got begin={self.begin}, end={self.end}", "begin"
            )

    @property
    def length(self) -> float | None:
        inner = self.schedule.length
        if inner is not None:
            return min(self.begin + inner, self.end - 1)
        return None if self.end >= INF else self.end - 1

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        if xp is SCALAR:
            if t < self.begin:
                return base
            return self.schedule._value(xp, min(t, self.end - 1) - self.begin, base)
        local = xp.clip(t, float(self.begin), float(self.end - 1)) - self.begin
        return xp.where(t < self.begin, base + 0.0 * t, self.schedule._value(xp, local, base))


@schedule_class
class Chain(Schedule):
    """``schedule`` times chainable factors: what mmengine's list leaves after a setting scheduler.

    ``v(t) = schedule(t, base) * factors[0](t, 1) * factors[1](t, 1) * ...``: unlike
    :func:`lrkit.product`, ``schedule`` sees the group's base, so its absolute parts (an
    ``eta_min``) are multiplied by the factors too, as mmengine's later ratios multiply them.

    >>> s = Chain(Constant(), (Window(Constant(0.5), begin=2),))
    >>> [s(t, base=0.2) for t in range(4)]
    [0.2, 0.2, 0.1, 0.1]
    """

    name: ClassVar[str] = "mmengine:chain"
    affine: ClassVar[bool] = True
    schedule: Schedule
    factors: tuple[Schedule, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.schedule, Schedule):
            raise v.wrong_type("schedule", f"must be an lrkit schedule, got {self.schedule!r}")
        if isinstance(self.factors, (str, bytes)) or not isinstance(self.factors, Sequence):
            raise v.wrong_type("factors", f"must be a list of lrkit schedules, got {self.factors!r}")
        _set(self, "factors", tuple(self.factors))
        for i, factor in enumerate(self.factors):
            if not isinstance(factor, Schedule):
                raise v.wrong_type(f"factors[{i}]", f"must be an lrkit schedule, got {factor!r}")

    @property
    def length(self) -> float | None:
        lengths = [self.schedule.length, *(f.length for f in self.factors)]
        return None if any(x is None for x in lengths) else max(lengths)  # type: ignore[type-var]

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        value = self.schedule._value(xp, t, base)
        for factor in self.factors:
            value = value * factor._value(xp, t, 1.0)
        return value


def _floor_of(eta_min: float | None, eta_min_ratio: float | None, base_value: Any) -> Any:
    return eta_min if eta_min_ratio is None else eta_min_ratio * base_value


def _check_floor(obj: Any) -> None:
    if (obj.eta_min is None) == (obj.eta_min_ratio is None):
        raise v.InvalidValueError(
            "give one of {eta_min} and {eta_min_ratio}, got "
            f"eta_min={obj.eta_min!r}, eta_min_ratio={obj.eta_min_ratio!r}",
            "eta_min",
            "eta_min_ratio",
        )
    for name in ("eta_min", "eta_min_ratio"):
        if getattr(obj, name) is not None:
            _set(obj, name, v.real_or_int(name, getattr(obj, name), minimum=0.0))
    if obj.base_value is not None:
        _set(obj, "base_value", v.real_or_int("base_value", obj.base_value, minimum=0.0))


@schedule_class
class CosineAnnealing(Schedule):
    """mmengine's ``CosineAnnealingLR`` from the value it finds, towards a floor.

    With ``c(k) = (1 + cos(pi * k / T_max)) / 2``, the start ``V = start_scale * base +
    start_offset``, the initial value ``B`` (``base_value``, else ``base``) and the floor
    ``m = eta_min`` (or ``eta_min_ratio * B``): ``v(k) = m + (V - m) * c(k)`` for ``k <= T_max``,
    then ``m + (B - m) * c(k)``: mmengine's recursion climbs back on ``B`` past ``T_max``.

    >>> s = CosineAnnealing(T_max=4, eta_min=0.1, start_scale=0.5)
    >>> [round(s(k, base=1.0), 12) for k in (0, 2, 4, 6, 8)]
    [0.5, 0.3, 0.1, 0.55, 1.0]
    """

    name: ClassVar[str] = "mmengine:cosine_annealing"
    affine: ClassVar[bool] = True
    T_max: int
    eta_min: float | None = None
    eta_min_ratio: float | None = None
    start_scale: float = 1.0
    start_offset: float = 0.0
    base_value: float | None = None

    def __post_init__(self) -> None:
        _set(self, "T_max", v.integer("T_max", self.T_max, minimum=1))
        _check_floor(self)
        _set(self, "start_scale", v.real_or_int("start_scale", self.start_scale))
        _set(self, "start_offset", v.real_or_int("start_offset", self.start_offset))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        initial = base if self.base_value is None else self.base_value
        floor = _floor_of(self.eta_min, self.eta_min_ratio, initial)
        start = self.start_scale * base + self.start_offset
        height = 0.5 * (1.0 + xp.cos(math.pi * t / self.T_max))
        if xp is SCALAR:
            return floor + ((start if t <= self.T_max else initial) - floor) * height
        return floor + (xp.where(t <= self.T_max, start + 0.0 * t, initial + 0.0 * t) - floor) * height


@schedule_class
class PolyFloor(Schedule):
    """mmengine's ``PolyLR`` with a floor, from the value it finds.

    ``v(k) = eta_min + (V - eta_min) * (1 - min(k, total_iters) / total_iters) ** power`` with
    ``V = start_scale * base + start_offset``; ``total_iters = end - begin - 1``.

    >>> s = PolyFloor(total_iters=4, power=1.0, eta_min=0.2)
    >>> [round(s(k, base=1.0), 12) for k in range(6)]
    [1.0, 0.8, 0.6, 0.4, 0.2, 0.2]
    """

    name: ClassVar[str] = "mmengine:poly"
    affine: ClassVar[bool] = True
    total_iters: int
    power: float = 1.0
    eta_min: float = 0.0
    start_scale: float = 1.0
    start_offset: float = 0.0

    def __post_init__(self) -> None:
        _set(self, "total_iters", v.integer("total_iters", self.total_iters, minimum=1))
        _set(self, "power", v.real_or_int("power", self.power, minimum=0.0))
        _set(self, "eta_min", v.real_or_int("eta_min", self.eta_min, minimum=0.0))
        for name in ("start_scale", "start_offset"):
            _set(self, name, v.real_or_int(name, getattr(self, name)))

    @property
    def length(self) -> float | None:
        return self.total_iters

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        start = self.start_scale * base + self.start_offset
        left = 1.0 - xp.minimum(t, float(self.total_iters)) / self.total_iters
        return self.eta_min + (start - self.eta_min) * left**self.power


@schedule_class
class CosineRestart(Schedule):
    """mmengine's ``CosineRestartLR``: cosine periods, each restarting at ``B * restart_weights[i]``.

    In period ``i`` (of ``periods[i]`` steps), ``s`` steps in:
    ``v = m + (B * restart_weights[i] - m) * (1 + cos(pi * s / periods[i])) / 2``, with ``B``
    the initial value (``base_value``, else ``base``) and ``m = eta_min`` (or
    ``eta_min_ratio * B``). After the last period it holds the value of its last step.

    >>> s = CosineRestart(periods=(2, 4), restart_weights=(1.0, 0.5), eta_min=0.0)
    >>> [round(s(k), 12) for k in range(8)]
    [1.0, 0.5, 0.5, 0.426776695297, 0.25, 0.073223304703, 0.073223304703, 0.073223304703]
    """

    name: ClassVar[str] = "mmengine:cosine_restart"
    affine: ClassVar[bool] = True
    periods: tuple[int, ...]
    restart_weights: tuple[float, ...] = (1,)
    eta_min: float | None = None
    eta_min_ratio: float | None = None
    base_value: float | None = None

    def __post_init__(self) -> None:
        periods = _list_of("periods", self.periods)
        if not periods:
            raise v.invalid("periods", "must hold at least one period, got []")
        _set(self, "periods", tuple(v.integer(f"periods[{i}]", p, minimum=1) for i, p in enumerate(periods)))
        weights = _list_of("restart_weights", self.restart_weights)
        _set(
            self,
            "restart_weights",
            tuple(v.real_or_int(f"restart_weights[{i}]", w, minimum=0.0) for i, w in enumerate(weights)),
        )
        if len(self.restart_weights) != len(self.periods):
            raise v.InvalidValueError(
                "{periods} and {restart_weights} must have the same length, got "
                f"{len(self.periods)} and {len(self.restart_weights)}",
                "periods",
                "restart_weights",
            )
        _check_floor(self)

    @property
    def length(self) -> float | None:
        return sum(self.periods) - 1

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        initial = base if self.base_value is None else self.base_value
        floor = _floor_of(self.eta_min, self.eta_min_ratio, initial)
        t = xp.minimum(t, float(sum(self.periods) - 1))
        value = None
        start = sum(self.periods)
        # The first period not yet passed wins: built from the last one backwards.
        for period, weight in reversed(list(zip(self.periods, self.restart_weights, strict=True))):
            start -= period
            local = xp.maximum(t - start, 0.0)
            inside = floor + (initial * weight - floor) * (0.5 * (1.0 + xp.cos(math.pi * local / period)))
            value = inside if value is None else xp.where(t < start + period, inside, value)
        return value


# -- one scheduler of a config ---------------------------------------------------------------------


def _list_of(name: str, value: Any) -> tuple[Any, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise v.wrong_type(name, f"must be a list, got {value!r}")
    return tuple(value)


def _whole(name: str, value: Any, minimum: int | None = None) -> int:
    """An integer, or a float with an integral value (YAML's ``8.0``), as mmengine compares them."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return v.integer(name, value, minimum=minimum)


def _number(name: str, value: Any, **bounds: Any) -> int | float:
    return v.real_or_int(name, value, **bounds)


_COMMON = {"begin": 0, "end": INF, "by_epoch": True, "verbose": False, "convert_to_iter_based": False}

#: Each family's own arguments and mmengine's defaults (``...``: required).
_ARGUMENTS: dict[str, dict[str, Any]] = {
    "Constant": {"factor": 1.0 / 3},
    "CosineAnnealing": {"T_max": None, "eta_min": None, "eta_min_ratio": None},
    "CosineRestart": {"periods": ..., "restart_weights": (1,), "eta_min": None, "eta_min_ratio": None},
    "Exponential": {"gamma": ...},
    "Linear": {"start_factor": 1.0 / 3, "end_factor": 1.0},
    "MultiStep": {"milestones": ..., "gamma": 0.1},
    "OneCycle": {
        "eta_max": 0,
        "total_steps": None,
        "pct_start": 0.3,
        "anneal_strategy": "cos",
        "div_factor": 25.0,
        "final_div_factor": 1e4,
        "three_phase": False,
    },
    "Poly": {"eta_min": 0, "power": 1.0},
    "ReduceOnPlateau": {
        "monitor": "loss",
        "rule": "less",
        "factor": 0.1,
        "patience": 10,
        "threshold": 1e-4,
        "threshold_rule": "rel",
        "cooldown": 0,
        "min_value": 0.0,
        "eps": 1e-8,
    },
    "Step": {"step_size": ..., "gamma": 0.1},
}

#: The arguments ``build_iter_from_epoch`` multiplies by the epoch length.
_SCALED = {
    "Step": ("step_size",),
    "MultiStep": ("milestones",),
    "CosineAnnealing": ("T_max",),
    "OneCycle": ("total_steps",),
    "CosineRestart": ("periods",),
}


@dataclasses.dataclass
class _Scheduler:
    """One scheduler of a list, its arguments checked and converted to the steps it counts."""

    type: str
    family: str
    field: str
    args: dict[str, Any]
    begin: int
    end: int
    by_epoch: bool
    #: Updates per step of its own count (the epoch length for an epoch scheduler), or 1.
    per: int = 1

    @property
    def last(self) -> int:
        """The last local step inside its window, ``end - begin - 1``."""
        return self.end - self.begin - 1

    def __str__(self) -> str:
        return self.type


def _parse(
    cfg: Mapping[str, Any],
    at: str,
    epoch_length: int | None,
    default_end: Callable[[bool], int | None] | None = None,
) -> _Scheduler:
    """The scheduler a config dict describes, as mmengine's registry would build it."""
    if not isinstance(cfg, Mapping):
        raise TypeError(f"{at} must be a scheduler dict with a 'type', got {cfg!r}")
    kind = cfg.get("type")
    if not isinstance(kind, str):
        raise ValueError(f"{at} needs a 'type' naming an mmengine scheduler, got {kind!r}")
    name = kind.removeprefix("mmengine.")
    if name not in TYPES:
        raise ValueError(
            f"{at}.type {kind!r} is not one of mmengine's schedulers ({', '.join(sorted(TYPES))}); "
            "schedulers of other OpenMMLab packages (mmdet's QuadraticWarmupLR, ...) are not mmengine's"
        )
    family, field = TYPES[name]
    own = _ARGUMENTS[family]
    allowed = {**own, **_COMMON}
    if field is None:
        allowed["param_name"] = ...
    args = {key: value for key, value in cfg.items() if key not in ("type", "_scope_", "epoch_length")}
    if "last_step" in args:
        raise ValueError(
            f"{at}: last_step is mmengine's resume counter; an lrkit driver resumes from its state_dict"
        )
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise ValueError(
            f"{at}: {name} takes no argument(s) {', '.join(map(repr, unknown))}; it takes "
            + ", ".join(sorted(allowed))
        )
    missing = sorted(key for key, default in allowed.items() if default is ... and key not in args)
    if missing:
        raise ValueError(f"{at}: {name} needs {', '.join(map(repr, missing))}")
    args = {**{k: d for k, d in allowed.items() if d is not ...}, **args}
    if field is None:
        field = args.pop("param_name")
        if not isinstance(field, str) or not field:
            raise TypeError(f"{at}: param_name must be the name of a param-group field, got {field!r}")
    by_epoch = v.flag("by_epoch", args.pop("by_epoch"))
    convert = v.flag("convert_to_iter_based", args.pop("convert_to_iter_based"))
    args.pop("verbose")
    if "end" not in cfg and default_end is not None:
        end = default_end(by_epoch)
        if end is not None:
            args["end"] = end
    begin, end = args.pop("begin"), args.pop("end")
    if convert:
        if not by_epoch:
            raise ValueError(
                f"{at}: convert_to_iter_based=True converts an epoch scheduler; it has by_epoch=False"
            )
        if epoch_length is None:
            raise ValueError(
                f"{at}: convert_to_iter_based=True needs epoch_length (the updates per epoch, "
                "len(train_dataloader) in mmengine's runner)"
            )
        if family == "ReduceOnPlateau":
            raise ValueError(f"{at}: {name} has no iteration-based form (mmengine's build_iter_from_epoch)")
        begin = int(_number("begin", begin, minimum=0) * epoch_length)
        if end != INF:
            end = int(_number("end", end) * epoch_length)
        for key in _SCALED.get(family, ()):
            value = args[key]
            if value is None:
                continue
            if isinstance(value, (list, tuple)):
                args[key] = [_number(f"{key}[{i}]", x) * epoch_length for i, x in enumerate(value)]
            else:
                args[key] = _number(key, value) * epoch_length
        by_epoch = False
    begin = _whole("begin", begin, minimum=0)
    end = _whole("end", end)
    if end <= begin:
        raise v.invalid("end", f"must be larger than {{begin}}, got begin={begin}, end={end}", "begin")
    if family == "OneCycle" and field != "lr":
        raise ValueError(f"{at}: OneCycleParamScheduler schedules the lr only, got param_name={field!r}")
    return _Scheduler(name, family, field, args, begin, end, by_epoch)


# -- each family's curve ---------------------------------------------------------------------------

# A chainable scheduler multiplies the value by f(k) / f(k - 1) at local step k; after the
# steps 0..k the value is base * f(k). Each gives f as a schedule of the local step (base 1)
# and the local steps at which f changes.


def _factor(s: _Scheduler) -> tuple[Schedule, Callable[[int, int], bool]] | None:
    """``(f, changes(lo, hi))`` for a chainable scheduler; ``None`` for one that sets the value."""
    a, last = s.args, s.last
    never = _never
    every = _every_after(0 if s.family == "Linear" else 1, last)
    if s.family == "Step":
        step_size = _whole("step_size", a["step_size"], minimum=1)
        gamma = _number("gamma", a["gamma"], minimum=0.0)
        with v.renamed(decay_rate="gamma"):
            f = Step(decay_t=step_size, decay_rate=gamma)
        return f, (never if gamma == 1 else lambda lo, hi: _multiple_in(step_size, max(lo, 1), hi))
    if s.family == "MultiStep":
        raw = _list_of("milestones", a["milestones"])
        milestones = sorted(_whole(f"milestones[{i}]", m) for i, m in enumerate(raw))
        milestones = [m for m in milestones if 0 <= m <= last]  # mmengine never reaches the others
        gamma = _number("gamma", a["gamma"], minimum=0.0)
        with v.renamed(decay_rate="gamma"):
            f = MultiStep(milestones=milestones, decay_rate=gamma)
        return f, (never if gamma == 1 else lambda lo, hi: any(lo <= m <= hi for m in milestones))
    if s.family == "Constant":
        factor = _number("factor", a["factor"], minimum=0.0, maximum=1.0)
        if last == 0:
            return Constant(factor), (never if factor == 1 else lambda lo, hi: lo <= 0 <= hi)
        if factor == 0 and s.end < INF:
            raise v.invalid(
                "factor", f"=0 is undone by dividing by it at step end - 1 = {s.end - 1} (mmengine)"
            )
        f = Sequential([Constant(factor), Constant()], boundaries=[last])
        return f, (never if factor == 1 else lambda lo, hi: lo <= 0 <= hi or lo <= last <= hi)
    if s.family == "Exponential":
        gamma = _number("gamma", a["gamma"], minimum=0.0, strict_minimum=True)
        return Exponential(gamma=gamma), (never if gamma == 1 else every)
    if s.family == "Linear":
        start = _number("start_factor", a["start_factor"], minimum=0.0, maximum=1.0)
        end = _number("end_factor", a["end_factor"], minimum=0.0, maximum=1.0)
        if last == 0:
            return Constant(start), (never if start == 1 else lambda lo, hi: lo <= 0 <= hi)
        if start == 0:
            raise v.invalid("start_factor", "=0: mmengine divides by it at the second step of the window")
        f = Linear(t_initial=last, start_factor=start, end_factor=end)
        if start == end:
            return f, (never if start == 1 else lambda lo, hi: lo <= 0 <= hi)
        return f, every
    if s.family == "Poly":
        eta_min = _number("eta_min", a["eta_min"], minimum=0.0)
        power = _number("power", a["power"], minimum=0.0)
        if last == 0 or power == 0:
            return Constant(), never
        if eta_min != 0:
            return None
        return Poly(t_initial=last, power=power), every
    if s.family == "CosineAnnealing":
        t_max = _cosine_t_max(s)
        if last == 0:
            return Constant(), never
        floor = _cosine_floor(s)
        if (floor != (0, None) and floor != (None, 0)) or last > t_max:
            return None
        return CosineWave(t_initial=t_max), every
    return None


def _never(lo: int, hi: int) -> bool:
    return False


def _every_after(first: int, last: int) -> Callable[[int, int], bool]:
    return lambda lo, hi: max(lo, first) <= min(hi, last)


def _multiple_in(step: int, lo: int, hi: int) -> bool:
    return lo <= hi and (hi // step) * step >= lo


def _cosine_t_max(s: _Scheduler) -> int:
    t_max = s.args["T_max"]
    # mmengine's `T_max or (end - begin)`: 0 and None both mean the window's length.
    if t_max is None or t_max == 0:
        return s.end - s.begin
    return _whole("T_max", t_max, minimum=1)


def _cosine_floor(s: _Scheduler) -> tuple[Any, Any]:
    eta_min, ratio = s.args["eta_min"], s.args["eta_min_ratio"]
    if eta_min is None and ratio is None:
        eta_min = 0.0  # mmengine's default when neither is given
    if (eta_min is None) == (ratio is None):
        raise v.InvalidValueError(
            "give one of {eta_min} and {eta_min_ratio}, not both", "eta_min", "eta_min_ratio"
        )
    if eta_min is not None:
        eta_min = _number("eta_min", eta_min, minimum=0.0)
    if ratio is not None:
        ratio = _number("eta_min_ratio", ratio, minimum=0.0)
    return eta_min, ratio


@dataclasses.dataclass
class _Setter:
    """A scheduler that sets the value: its curve from a start value, and the local steps it acts."""

    scheduler: _Scheduler
    #: ``build(start_scale, start_offset)``: the curve on local steps, from ``V = scale * base + offset``.
    build: Callable[[float, float], Schedule]
    first: int
    last: int
    #: Whether its curve reads the value it finds (``V``); ``OneCycleLR`` and restarts do not.
    reads_start: bool = True


def _setter(s: _Scheduler, base_value: float | None) -> _Setter:
    a, last = s.args, s.last
    if s.family == "CosineAnnealing":
        t_max = _cosine_t_max(s)
        eta_min, ratio = _cosine_floor(s)

        def cosine(scale: float, offset: float) -> Schedule:
            return CosineAnnealing(
                T_max=t_max,
                eta_min=eta_min,
                eta_min_ratio=ratio,
                start_scale=scale,
                start_offset=offset,
                base_value=base_value,
            )

        return _Setter(s, cosine, 1, last)
    if s.family == "Poly":
        eta_min = _number("eta_min", a["eta_min"], minimum=0.0)
        power = _number("power", a["power"], minimum=0.0)
        return _Setter(
            s,
            lambda scale, offset: PolyFloor(
                total_iters=last, power=power, eta_min=eta_min, start_scale=scale, start_offset=offset
            ),
            1,
            last,
        )
    if s.family == "OneCycle":
        shape, total = _one_cycle(s)
        return _Setter(s, lambda scale, offset: shape, 0, min(last, total), reads_start=False)
    if s.family == "CosineRestart":
        eta_min, ratio = a["eta_min"], a["eta_min_ratio"]
        periods = [
            _whole(f"periods[{i}]", p, minimum=1) for i, p in enumerate(_list_of("periods", a["periods"]))
        ]
        node = CosineRestart(
            periods=tuple(periods),
            restart_weights=tuple(_list_of("restart_weights", a["restart_weights"])),
            eta_min=eta_min,
            eta_min_ratio=ratio,
            base_value=base_value,
        )
        return _Setter(s, lambda scale, offset: node, 0, min(last, sum(periods) - 1), reads_start=False)
    raise AssertionError(s.family)  # every other family is chainable


def _one_cycle(s: _Scheduler) -> tuple[Schedule, int]:
    a = s.args
    eta_max = a["eta_max"]
    if isinstance(eta_max, (list, tuple)):
        raise TypeError(
            "eta_max: a schedule is one param group's; for mmengine's per-group list build one "
            "schedule per group: Scheduler(optimizer, unit='update', lr=[...])"
        )
    eta_max = _number("eta_max", eta_max, minimum=0.0)
    total = a["total_steps"]
    total = s.end - s.begin if total is None else _whole("total_steps", total, minimum=1)
    with v.renamed(total_t="total_steps", anneal="anneal_strategy"):
        shape = OneCycle(
            total_t=total,
            pct_start=_number("pct_start", a["pct_start"], minimum=0.0, maximum=1.0),
            anneal=a["anneal_strategy"],
            div_factor=_number("div_factor", a["div_factor"], minimum=0.0, strict_minimum=True),
            final_div_factor=_number(
                "final_div_factor", a["final_div_factor"], minimum=0.0, strict_minimum=True
            ),
            three_phase=v.flag("three_phase", a["three_phase"]),
        )
    return Rebase(shape, base=eta_max), total


# -- a list of schedulers --------------------------------------------------------------------------


def _own_steps(s: _Scheduler, lo: int, hi: int) -> tuple[int, int]:
    """The local steps of ``s`` taken at the updates ``lo..hi``."""
    first = -(-lo // s.per) - s.begin
    return max(first, 0), min(hi // s.per - s.begin, s.last)


def _stepped(schedule: Schedule, per: int) -> Schedule:
    return schedule if per == 1 else Stairs(schedule, every=per)


def _field_schedule(schedulers: list[_Scheduler], at: str) -> Schedule:
    """The schedule of one field driven by ``schedulers`` (in list order), in the reading's unit."""
    factors: list[tuple[_Scheduler, Schedule, Callable[[int, int], bool]]] = []
    setters: list[_Setter] = []
    base_value: float | None = None
    for s in schedulers:
        found = _factor(s)
        if found is None:
            setters.append(_setter(s, base_value))
        else:
            f, changes = found
            factors.append((s, _stepped(Window(f, begin=s.begin, end=s.end), s.per), changes))
        if s.family == "OneCycle":
            # OneCycle writes initial_lr = eta_max / div_factor, which later schedulers read.
            base_value = float(s.args["eta_max"]) / float(s.args["div_factor"])
    spans = []
    for setter in setters:
        s = setter.scheduler
        start, stop = (s.begin + setter.first) * s.per, (s.begin + setter.last) * s.per
        for s2, _, changes in factors:
            lo, hi = _own_steps(s2, start, stop)
            if lo <= hi and changes(lo, hi):
                raise ValueError(_overlap(at, s, s2, start, stop))
        for other, (o_start, o_stop) in zip(setters, spans, strict=False):
            if start <= o_stop and o_start <= stop:
                raise ValueError(_overlap(at, s, other.scheduler, start, stop))
        spans.append((start, stop))
    order = sorted(range(len(setters)), key=lambda i: spans[i][0])
    factor_nodes = [node for _, node, _ in factors]

    def chained(pieces: list[Schedule], boundaries: list[int]) -> Schedule:
        inner = pieces[0] if len(pieces) == 1 else Sequential(pieces, boundaries=boundaries)
        return Chain(inner, tuple(factor_nodes)) if factor_nodes else inner

    pieces: list[Schedule] = [Constant()]
    boundaries: list[int] = []
    for i in order:
        setter, (start, _) = setters[i], spans[i]
        s = setter.scheduler
        scale, offset = 1.0, 0.0
        gain = 1.0
        if start > 0:
            gain = math.prod(float(node(start - 1, 1.0)) for node in factor_nodes)
            if setter.reads_start:
                before = chained(pieces, boundaries)
                offset = float(before(start - 1, 0.0))
                scale = float(before(start - 1, 1.0)) - offset
        if gain == 0:
            raise ValueError(
                f"{at}: {s} starts at update {start}, where the chainable schedulers before it have "
                "brought the value to 0, and mmengine's ratios keep it there"
            )
        piece = Window(setter.build(scale, offset), begin=0, end=s.last + 1)
        if setter.first:
            piece = Shift(piece, by=-setter.first)
        piece = _stepped(piece, s.per)
        if gain != 1:
            piece = Scale(piece, 1.0 / gain)
        if start == 0:
            pieces = [piece]
        else:
            pieces.append(piece)
            boundaries.append(start)
    if not setters:
        if not factor_nodes:
            return Constant()
        return factor_nodes[0] if len(factor_nodes) == 1 else Product(factor_nodes)
    return chained(pieces, boundaries)


def _overlap(at: str, setter: _Scheduler, other: _Scheduler, start: int, stop: int) -> str:
    return (
        f"{at}: {setter} sets the value at updates {start} to {stop}, where {other} changes it too; "
        "mmengine's recursion of the two has no closed form: move one's begin/end so they do not overlap"
    )


def _plateau(s: _Scheduler, at: str) -> dict[str, Any]:
    if s.field != "lr":
        raise ValueError(
            f"{at}: {s} reduces {s.field!r}; lrkit.torch.Plateau reduces the lr only "
            "(use ReduceOnPlateauLR, or param_name='lr')"
        )
    if not s.by_epoch:
        raise ValueError(f"{at}: {s} needs by_epoch=True, as mmengine's does")
    if s.begin != 0 or s.end != INF:
        raise ValueError(
            f"{at}: {s} with begin/end: lrkit.torch.Plateau counts every metric it is given; "
            "step it only on the epochs of the window"
        )
    a = s.args
    rule = v.choice("rule", a["rule"], ("less", "greater"))
    with v.renamed(mode="rule", threshold_mode="threshold_rule", min_lr="min_value"):
        return dict(
            mode={"less": "min", "greater": "max"}[rule],
            factor=_number("factor", a["factor"], minimum=0.0, maximum=1.0, strict_maximum=True),
            patience=v.integer("patience", a["patience"], minimum=0),
            threshold=_number("threshold", a["threshold"], minimum=0.0),
            threshold_mode=v.choice("threshold_rule", a["threshold_rule"], ("rel", "abs")),
            cooldown=v.integer("cooldown", a["cooldown"], minimum=0),
            min_lr=a["min_value"],
            eps=_number("eps", a["eps"], minimum=0.0),
        )


def _read_list(
    configs: Sequence[Any],
    at: str,
    epoch_length: int | None,
    default_end: Callable[[bool], int | None] | None = None,
    base: float | None = None,
) -> Reading:
    schedulers = [_parse(cfg, f"{at}[{i}]", epoch_length, default_end) for i, cfg in enumerate(configs)]
    if epoch_length is None:
        epochs = [s for s in schedulers if s.by_epoch]
        iters = [s for s in schedulers if not s.by_epoch]
        if epochs and iters:
            raise ValueError(
                f"{at}: {epochs[0]} steps per epoch (by_epoch=True) and {iters[0]} per update: "
                "give epoch_length (the updates per epoch) to put them on one clock"
            )
        unit = "epoch" if epochs else "update"
    else:
        unit = "update"
        for s in schedulers:
            s.per = epoch_length if s.by_epoch else 1
    plateaus = [s for s in schedulers if s.family == "ReduceOnPlateau"]
    if plateaus:
        if len(schedulers) > 1:
            others = ", ".join(str(s) for s in schedulers if s is not plateaus[0])
            raise ValueError(
                f"{at}: {plateaus[0]} beside {others}: lrkit.torch.Plateau follows the metric alone"
            )
        return Reading(None, unit="epoch", plateau=_plateau(plateaus[0], at), base=base)
    fields: dict[str, list[_Scheduler]] = {}
    for s in schedulers:
        fields.setdefault(s.field, []).append(s)
    built = {name: _field_schedule(group, at) for name, group in fields.items()}
    if unit == "epoch":
        # mmengine holds an epoch's value through the epoch: a fractional epoch gets it too.
        built = {name: Stairs(schedule, every=1) for name, schedule in built.items()}
    lr = built.pop("lr", Constant())
    # Without a training loop to say, the run lasts as long as the last finite window.
    ends = [s.end * s.per for s in schedulers if s.end < INF]
    length = max(ends) if ends else None
    return Reading(lr, unit=unit, length=length, base=base, fields=built)


# -- the config format -----------------------------------------------------------------------------


def _is_scheduler(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and isinstance(data.get("type"), str)
        and data["type"].removeprefix("mmengine.") in TYPES
        and not {"params", "sched", "format"} & set(data)
    )


def _is_block(data: Any) -> bool:
    if isinstance(data, (list, tuple)):
        return bool(data) and all(_is_scheduler(item) for item in data)
    return _is_scheduler(data)


def detect(data: Any) -> bool:
    """Whether ``data`` is mmengine's ``param_scheduler``: a scheduler dict, a list, or a config holding one.

    >>> detect([{"type": "LinearLR", "end": 5}, {"type": "MultiStepLR", "milestones": [8]}])
    True
    >>> detect({"type": "cosine", "t_initial": 10}), detect({"type": "WarmupLR", "params": {}})
    (False, False)
    """
    try:
        if _is_block(data):
            return True
        return isinstance(data, Mapping) and "type" not in data and _is_block(data.get("param_scheduler"))
    except Exception:  # detect never raises, whatever it is handed
        return False


def _train_loop(train_cfg: Any, epoch_length: int | None) -> tuple[int | None, int | None, bool | None]:
    """``(max_epochs, max_iters, by_epoch)`` of a ``train_cfg``, as mmengine's runner sees them."""
    if not isinstance(train_cfg, Mapping):
        return None, None, None
    kind = train_cfg.get("type")
    by_epoch = train_cfg.get("by_epoch")
    if kind in ("EpochBasedTrainLoop", "mmengine.EpochBasedTrainLoop"):
        by_epoch = True
    elif kind in ("IterBasedTrainLoop", "mmengine.IterBasedTrainLoop"):
        by_epoch = False
    if by_epoch is True and "max_epochs" in train_cfg:
        epochs = _whole("train_cfg.max_epochs", train_cfg["max_epochs"], minimum=1)
        return epochs, None if epoch_length is None else epochs * epoch_length, True
    if by_epoch is False and "max_iters" in train_cfg:
        # mmengine's IterBasedTrainLoop counts one epoch for the epoch schedulers' default end.
        return 1, _whole("train_cfg.max_iters", train_cfg["max_iters"], minimum=1), False
    return None, None, None


def _optimizer_lr(data: Mapping[str, Any]) -> float | None:
    for outer in ("optim_wrapper", None):
        block = data.get(outer) if outer else data
        if not isinstance(block, Mapping):
            continue
        optimizer = block.get("optimizer")
        if isinstance(optimizer, Mapping) and isinstance(optimizer.get("lr"), (int, float)):
            return float(optimizer["lr"])
    return None


@register_format(
    "mmengine",
    description="an mmengine param_scheduler (a scheduler dict, a list of them, or a config holding one)",
    detect=detect,
)
def read_config(data: Any, *, where: str = "the config", epoch_length: int | None = None) -> Reading:
    """The schedules of an mmengine ``param_scheduler``, as its runner steps them.

    ``data`` is one scheduler dict, a list of them, or a whole config (its ``param_scheduler``
    key; ``train_cfg``'s ``max_epochs``/``max_iters`` give a missing ``end``, as mmengine's
    runner sets it, and the run's length; ``optim_wrapper.optimizer.lr`` the base). With
    ``epoch_length`` the schedules count updates; without it, a list of epoch schedulers counts
    epochs. The lr is the Reading's schedule, every other field driven (``momentum``, a
    ``param_name``) is in its ``fields``.

    >>> r = read_config([{"type": "LinearLR", "start_factor": 0.5, "by_epoch": False, "end": 3},
    ...                  {"type": "MultiStepLR", "milestones": [1], "gamma": 0.1}], epoch_length=4)
    >>> r.unit, [round(r.schedule(t, 1.0), 12) for t in (0, 1, 2, 3, 4, 8)]
    ('update', [0.5, 0.75, 1.0, 1.0, 0.1, 0.1])
    """
    base = None
    max_epochs = max_iters = None
    default_end = None
    at = "param_scheduler"
    if isinstance(data, Mapping) and "type" not in data and "param_scheduler" in data:
        block = data["param_scheduler"]
        base = _optimizer_lr(data)
        max_epochs, max_iters, loop_by_epoch = _train_loop(data.get("train_cfg"), epoch_length)
        if loop_by_epoch is not None:

            def default_end(by_epoch: bool) -> int | None:
                end = max_epochs if by_epoch else max_iters
                if end is None:
                    raise ValueError(
                        "train_cfg: a by-iteration scheduler without end in an epoch-based loop ends at "
                        "max_epochs * epoch_length: give epoch_length"
                    )
                return end

    else:
        block = data
        at = "the scheduler" if isinstance(data, Mapping) else at
    if isinstance(block, Mapping) and "type" not in block:
        raise ValueError(
            f"{at} holds one list per optimizer ({', '.join(map(repr, block))}): pick one with "
            "key='param_scheduler.<name>'"
        )
    if isinstance(block, Mapping):
        block = [block]
    if isinstance(block, (str, bytes)) or not isinstance(block, Sequence) or not block:
        raise TypeError(f"{at} must be a scheduler dict or a non-empty list of them, got {block!r}")
    reading = _read_list(list(block), at, epoch_length, default_end, base)
    if default_end is not None:
        # The run's length is the training loop's, in the reading's unit, where it is known.
        length = max_iters if reading.unit == "update" else max_epochs
        if length is not None:
            reading = dataclasses.replace(reading, length=length)
    return reading


# -- the builders ----------------------------------------------------------------------------------


def _build_one(type_name: str, arguments: Mapping[str, Any]) -> Reading:
    """What one mmengine scheduler, given ``arguments``, drives (a one-item list)."""
    cfg = {"type": type_name, **{k: x for k, x in arguments.items() if k != "epoch_length"}}
    epoch_length = arguments.get("epoch_length")
    if epoch_length is not None:
        epoch_length = v.integer("epoch_length", epoch_length, minimum=1)
    elif arguments.get("by_epoch", True) and TYPES[type_name][0] != "ReduceOnPlateau":
        raise v.invalid(
            "by_epoch",
            "is True (mmengine's default): the scheduler steps once per epoch; give epoch_length "
            "(the updates per epoch) to count updates, or by_epoch=False for one stepped every update",
        )
    return _read_list([cfg], "the scheduler", epoch_length)


def _lr_of(type_name: str) -> Callable[..., Any]:
    def build(**arguments: Any) -> Any:
        reading = _build_one(type_name, arguments)
        if reading.plateau is not None:
            return dict(reading.plateau)
        return reading.schedule

    return build


def _fields_of(type_name: str) -> Callable[..., dict[str, Schedule]]:
    def fields(**arguments: Any) -> dict[str, Schedule]:
        if TYPES[type_name][0] == "ReduceOnPlateau":
            return {}
        return dict(_build_one(type_name, arguments).fields)

    return fields


def _signature(type_name: str) -> str:
    family, field = TYPES[type_name]
    parts = ["param_name"] if field is None else []
    for key, default in {**_ARGUMENTS[family], **_COMMON, "epoch_length": None}.items():
        parts.append(key if default is ... else f"{key}={default!r}")
    return ", ".join(parts)


#: Each family's formula (``k`` the local step, ``L = end - begin - 1``, ``V`` the value it finds,
#: the group's base when it acts alone), an example's arguments and its values at ``k = 0..5``.
_DOCS: dict[str, tuple[str, str, list[float]]] = {
    "Step": ("base * gamma ** (k // step_size)", "step_size=2, gamma=0.5", [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]),
    "MultiStep": (
        "base * gamma ** #{m in milestones : m <= k} (a milestone listed twice decays twice)",
        "milestones=[1, 3], gamma=0.5",
        [1.0, 0.5, 0.5, 0.25, 0.25, 0.25],
    ),
    "Constant": (
        "base * factor for k < L, then base: restored at the window's last step",
        "factor=0.5, end=4",
        [0.5, 0.5, 0.5, 1.0, 1.0, 1.0],
    ),
    "Exponential": ("base * gamma ** k", "gamma=0.5", [1.0, 0.5, 0.25, 0.125, 0.0625, 0.03125]),
    "Linear": (
        "base * (start_factor + (end_factor - start_factor) * min(k, L) / L)",
        "start_factor=0.25, end=5",
        [0.25, 0.4375, 0.625, 0.8125, 1.0, 1.0],
    ),
    "Poly": (
        "eta_min + (V - eta_min) * (1 - min(k, L) / L) ** power",
        "power=2.0, eta_min=0.1, end=5",
        [1.0, 0.60625, 0.325, 0.15625, 0.1, 0.1],
    ),
    "CosineAnnealing": (
        "m + (V - m) * (1 + cos(pi * k / T_max)) / 2, m = eta_min or eta_min_ratio * base, T_max "
        "defaulting to end - begin (past T_max it climbs back on base, see CosineAnnealing)",
        "T_max=4, eta_min=0.2, end=5",
        [1.0, 0.882842712475, 0.6, 0.317157287525, 0.2, 0.2],
    ),
    "OneCycle": (
        "torch's one-cycle on the absolute eta_max: eta_max / div_factor up to eta_max, down to "
        "eta_max / div_factor / final_div_factor over total_steps (default end - begin)",
        "eta_max=1.0, total_steps=6, pct_start=0.5, anneal_strategy='linear', div_factor=10.0, "
        "final_div_factor=10.0",
        [0.1, 0.55, 1.0, 0.67, 0.34, 0.01],
    ),
    "CosineRestart": (
        "in period i, s steps in: m + (base * restart_weights[i] - m) * (1 + cos(pi * s / periods[i])) / 2",
        "periods=[2, 3], restart_weights=[1, 0.5], eta_min=0.0",
        [1.0, 0.5, 0.5, 0.375, 0.125, 0.125],
    ),
}


def _docstring(type_name: str, builder: str) -> str:
    family, field = TYPES[type_name]
    if family == "ReduceOnPlateau":
        return (
            f"mmengine's ``{type_name}``: :class:`lrkit.torch.Plateau`'s arguments (torch's rules).\n\n"
            "``rule`` 'less'/'greater' is ``mode`` 'min'/'max', ``threshold_rule`` is ``threshold_mode``, "
            "``min_value`` is ``min_lr``; ``monitor`` names the metric to hand ``Plateau.step``.\n\n"
            f"Arguments: {_signature(type_name)}.\n\n"
            + (f"    >>> {builder}(rule='greater', patience=2)['mode']\n    'max'\n" if field == "lr" else "")
        )
    formula, example, values = _DOCS[family]
    curve = "its lr" if field == "lr" else f"the {field or 'param_name'} field (the lr left alone)"
    param = "param_name='weight_decay', " if field is None and family != "OneCycle" else ""
    param = "param_name='lr', " if field is None and family == "OneCycle" else param
    fetch = "schedule"
    if field is None and family != "OneCycle":
        fetch = "fields['weight_decay']"
    elif field not in ("lr", None):
        fetch = f"fields[{field!r}]"
    return (
        f"mmengine's ``{type_name}``: {curve}, ``{formula}``.\n\n"
        f"Arguments: {_signature(type_name)}.\n\n"
        f"    >>> s = read_config(dict(type={type_name!r}, {param}{example}, by_epoch=False)).{fetch}\n"
        f"    >>> [round(s(k, 1.0), 12) for k in range(6)]\n"
        f"    {values!r}\n"
    )


def _make_builder(type_name: str) -> Callable[..., Any]:
    """The registered builder of ``type_name``: mmengine's keyword arguments, checked by name."""
    family, field = TYPES[type_name]
    build = _lr_of(type_name)
    params = []
    if field is None:
        params.append(inspect.Parameter("param_name", inspect.Parameter.KEYWORD_ONLY))
    for key, default in {**_ARGUMENTS[family], **_COMMON, "epoch_length": None}.items():
        if family == "ReduceOnPlateau" and key == "convert_to_iter_based":
            continue
        params.append(
            inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if default is ... else default,
            )
        )

    def builder(**arguments: Any) -> Any:
        return build(**arguments)

    builder.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    builder.__name__ = builder.__qualname__ = _snake(type_name)
    builder.__doc__ = _docstring(type_name, builder.__name__)
    return builder


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if (
            ch.isupper()
            and i
            and (not name[i - 1].isupper() or (i + 1 < len(name) and name[i + 1].islower()))
        ):
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


def _register_all() -> None:
    for type_name, (family, field) in TYPES.items():
        if type_name == "ReduceOnPlateauMomentum":
            # lrkit.torch.Plateau reduces the lr only: the name is read (and refused) in configs.
            continue
        builder = _make_builder(type_name)
        globals()[builder.__name__] = builder
        plateau = family == "ReduceOnPlateau"
        register(
            f"mmengine:{type_name}",
            unit="epoch" if plateau else "update",
            plateau=plateau,
            fields=None if field == "lr" or plateau else _fields_of(type_name),
        )(builder)


_register_all()


# -- export ----------------------------------------------------------------------------------------

# The exporter reads the run's values as fractions of the base (mmengine's terms) and covers
# them left to right with windows, each the mmengine scheduler that follows the most updates
# from where the last one left the value. mmengine's recursion makes the value of a list easy
# to follow piece by piece: outside every window it holds; a chainable window multiplies the
# value it finds by its factor ``f(k)`` (``f(0) = 1`` but for ``LinearLR``, ``ConstantLR`` and a
# milestone at 0, which act at their first step); ``CosineAnnealingLR`` and ``PolyLR`` with a
# floor leave their first step alone and move from the value found there.

#: How closely a fitted piece follows the values, in fractions of the base. The front door asks
#: for 1e-9; the fits ask for the values' own rounding plus that of 12-digit parameters, so that
#: a piece never runs on into the next one's first, slowly moving, updates.
_FIT = 2e-12
#: More windows than this are no recipe but a table of the values: the exporter gives up.
_MAX_WINDOWS = 32
#: Jumps at as many updates in a row are a table too (a curve that no scheduler follows).
_MAX_JUMPS_IN_A_ROW = 3


def _round(x: float) -> float:
    # A fitted factor or ratio, written as the short number it most likely was.
    return float(f"{x:.12g}")


def _short(x: float) -> float:
    """The shortest decimal within 1e-10 of ``x``: a parameter solved from slopes, as it was written."""
    for digits in range(1, 13):
        y = float(f"{x:.{digits}g}")
        if abs(y - x) <= 1e-10 * abs(x):
            return y
    return _round(x)


def _same(a: float, b: float) -> bool:
    """Whether two values are one held value (exactly, but for the last bits)."""
    return abs(a - b) <= 1e-14 * max(abs(a), abs(b), 1e-300)


def _cfg(kind: str, begin: int, end: int | None, **arguments: Any) -> dict[str, Any]:
    """One by-iteration scheduler dict acting on ``begin <= update < end`` (``None``: no end)."""
    out: dict[str, Any] = {"type": kind, **arguments, "by_epoch": False, "begin": int(begin)}
    if end is not None:
        out["end"] = int(end)
    return out


def _reach(y: Any, model: Any) -> int:
    """The last local step ``K`` with ``model[k]`` within ``_FIT`` of ``y[k]`` for all ``k <= K``, or -1."""
    import numpy as np

    with np.errstate(all="ignore"):
        bad = np.nonzero(~(np.abs(np.asarray(model, dtype=np.float64) - y) <= _FIT))[0]
    return int(bad[0]) - 1 if bad.size else len(y) - 1


@dataclasses.dataclass
class _Fit:
    """A piece: the windows that reproduce the values up to update ``last``."""

    windows: list[dict[str, Any]]
    last: int
    kind: str
    #: The last update a setter of the piece moves the value (-1: it holds no setter).
    setter_stop: int = -1


class _Cover:
    """The greedy cover of ``f`` (the values over the base) by mmengine windows.

    ``rounding`` writes fitted numbers (``_round``, or ``float`` to keep every digit where the
    short form drifts over a long window); ``forever`` says the schedule never settles, so a
    window reaching the run's end has no end.
    """

    ORDER = ("linear", "cosine", "poly", "exponential", "step", "jump")

    def __init__(self, f: Any, base: float, forever: bool, length: float | None, rounding: Any) -> None:
        self.f, self.base, self.forever, self.length, self.r = f, base, forever, length, rounding
        self.n = len(f) - 1

    def end(self, begin: int, last: int) -> int | None:
        """The ``end`` of a window whose last step is at update ``last``."""
        return None if self.forever and last >= self.n else last + 1

    def lift(self, at: int, cur: float, target: float) -> list[dict[str, Any]] | None:
        """The windows taking the value from ``cur`` to ``target`` at update ``at`` (``None``: none can)."""
        if _same(cur, target):
            return []
        if cur <= 0:
            return None  # mmengine's ratios keep a 0 at 0
        if target == 0:
            return [_cfg("ConstantLR", at, None, factor=0.0)]  # never restored (no end)
        return [_cfg("MultiStepLR", at, at + 1, milestones=[0], gamma=self.r(target / cur))]

    # Each fitter gets the piece's start ``begin`` and its values ``y`` from there on (the
    # first being the value found there, ``cur``, when it continues the last piece), the
    # windows that bring the value to ``y[0]`` (or its top), and returns the piece or None.

    def fits(self, a: int, cur: float, held: int, setter_stop: int, first: bool) -> list[_Fit]:
        """Every piece that starts by update ``a``: the value is ``cur`` since update ``held``."""
        f = self.f
        out: list[_Fit] = []
        jump = self.lift(a, cur, float(f[a]))
        if jump is not None:
            out.append(_Fit(jump, a, "jump"))
        starts = []
        # Continuing from the value found at a - 1, or from where it began to hold (a StepLR
        # whose first step_size updates hold the value).
        starts += [(b, f[b:], []) for b in dict.fromkeys((a - 1, held)) if 0 <= b < a]
        if jump is not None:
            starts.append((a, f[a:], jump))
        for begin, y, lift in starts:
            continuing = begin < a
            for fit in (
                self.linear(begin, y, cur, continuing and setter_stop >= begin),
                self.cosine(begin, y, lift, first and begin == 0 and not lift),
                self.poly(begin, y, lift),
                self.exponential(begin, y, lift),
                self.step(begin, y, lift),
            ):
                if fit is not None and fit.last > a:  # one new update is a jump's
                    out.append(fit)
        return out

    def linear(self, begin: int, y: Any, cur: float, blocked: bool) -> _Fit | None:
        import numpy as np

        # LinearLR acts at its first step: after a setter that moved the value there, it may not.
        if blocked or len(y) < 2 or y[0] <= 0 or _same(float(y[0]), float(y[1])):
            return None  # a held value is no line: it needs no window
        k = np.arange(len(y), dtype=np.float64)
        span = _reach(y, y[0] + (y[1] - y[0]) * k)
        if span < 2:
            return None  # two updates are two jumps
        top = max(cur, float(y[0]), float(y[span]))  # LinearLR's factors are at most 1
        lift = self.lift(begin, cur, top)
        if lift is None:
            return None
        for r in dict.fromkeys((self.r, float)):
            start, stop = r(float(y[0]) / top), r(float(y[span]) / top)
            if _reach(y[: span + 1], top * (start + (stop - start) * k[: span + 1] / span)) == span:
                arguments: dict[str, Any] = {"start_factor": start}
                if stop != 1:
                    arguments["end_factor"] = stop
                window = _cfg("LinearLR", begin, self.end(begin, begin + span), **arguments)
                return _Fit([*lift, window], begin + span, "linear")
        return None

    def cosine(self, begin: int, y: Any, lift: list[dict[str, Any]], climbs: bool) -> _Fit | None:
        import numpy as np

        if len(y) < 3 or not y[1] < y[0] or _same(float(y[0]), float(y[1])):
            return None
        y0 = float(y[0])
        diff = np.diff(y)
        rises = np.nonzero(diff > _FIT)[0]
        holds = np.nonzero(np.abs(diff) <= 1e-15 * max(y0, 1e-300))[0]
        rise = int(rises[0]) + 1 if rises.size else None
        guesses = []
        if rise is not None:
            guesses += [rise - 1, rise]  # torch's climb back after T_max; a restart at T_max
        if holds.size:
            guesses.append(int(holds[0]))  # timm's floor, reached at T_max
        if self.length is not None:
            guesses.append(round(self.length) - begin)
        ratio = (y0 - float(y[2])) / (4 * (y0 - float(y[1])))
        if 0.25 < ratio < 1:
            # (y0 - y1) / (y0 - y2) = 1 / (4 cos(pi / (2 T)) ** 2), whatever the floor
            guesses.append(round(math.pi / (2 * math.acos(math.sqrt(ratio)))))
        inside = (rise - 1) if rise is not None else len(y) - 1
        best = None
        for t_max in dict.fromkeys(g for g in guesses if g >= 2):
            at = min(t_max, inside)
            c = 0.5 * (1 + math.cos(math.pi * at / t_max))
            floor = float(y[at]) if at == t_max else (float(y[at]) - y0 * c) / (1 - c)
            k = np.arange(len(y), dtype=np.float64)
            for r in dict.fromkeys((self.r, float)):
                m = r(floor) if floor != 0 else 0.0
                model = m + (y0 - m) * 0.5 * (1 + np.cos(math.pi * k / t_max))
                span = _reach(y, model)
                if not (climbs and _same(y0, 1.0)):
                    span = min(span, t_max)  # past T_max mmengine climbs back on the base, not y0
                if span >= 2 and (best is None or span > best[0]):
                    best = (span, t_max, m)
                    break
        if best is None:
            return None
        span, t_max, m = best
        arguments: dict[str, Any] = {"T_max": t_max}
        if m != 0:
            arguments["eta_min_ratio"] = m
        window = _cfg("CosineAnnealingLR", begin, self.end(begin, begin + span), **arguments)
        setter = m != 0 or span > t_max
        return _Fit([*lift, window], begin + span, "cosine", begin + span if setter else -1)

    def poly(self, begin: int, y: Any, lift: list[dict[str, Any]]) -> _Fit | None:
        import numpy as np

        if len(y) < 4 or not y[1] < y[0] or _same(float(y[0]), float(y[1])):
            return None
        y0 = float(y[0])
        diff = np.diff(y)
        guesses = [len(y) - 1]
        for stop in (np.nonzero(np.abs(diff) <= 1e-15 * max(y0, 1e-300))[0], np.nonzero(diff > _FIT)[0]):
            if stop.size:
                guesses.append(int(stop[0]))
        if self.length is not None:
            guesses.append(round(self.length) - begin)
        for total in dict.fromkeys(g for g in guesses if 3 <= g < len(y)):
            floor, mid = float(y[total]), total // 2
            left = (float(y[mid]) - floor) / (y0 - floor) if y0 > floor else 0.0
            if not 0 < left < 1:
                continue
            power = math.log(left) / math.log(1 - mid / total)
            k = np.minimum(np.arange(total + 1, dtype=np.float64), total)
            for r in dict.fromkeys((self.r, float)):
                p, m = r(power), r(floor * self.base) / self.base
                if _reach(y[: total + 1], m + (y0 - m) * (1 - k / total) ** p) == total:
                    arguments: dict[str, Any] = {"power": p}
                    if floor != 0:
                        arguments["eta_min"] = r(floor * self.base)  # PolyLR's floor is absolute
                    window = _cfg("PolyLR", begin, self.end(begin, begin + total), **arguments)
                    stop = begin + total if floor != 0 else -1
                    return _Fit([*lift, window], begin + total, "poly", stop)
        return None

    def exponential(self, begin: int, y: Any, lift: list[dict[str, Any]]) -> _Fit | None:
        import numpy as np

        if len(y) < 3 or y[0] <= 0 or y[1] <= 0 or _same(float(y[0]), float(y[1])):
            return None
        k = np.arange(len(y), dtype=np.float64)
        for r in dict.fromkeys((self.r, float)):
            gamma = r(float(y[1]) / float(y[0]))
            span = _reach(y, float(y[0]) * gamma**k)
            if span >= 3:  # two decays are milestones
                window = _cfg("ExponentialLR", begin, self.end(begin, begin + span), gamma=gamma)
                return _Fit([*lift, window], begin + span, "exponential")
        return None

    def step(self, begin: int, y: Any, lift: list[dict[str, Any]]) -> _Fit | None:
        import numpy as np

        if len(y) < 3 or y[0] <= 0:
            return None
        moved = np.nonzero(np.abs(y - y[0]) > _FIT)[0]
        if not moved.size:
            return None
        size = int(moved[0])
        k = np.arange(len(y), dtype=np.float64)
        for r in dict.fromkeys((self.r, float)):
            gamma = r(float(y[size]) / float(y[0]))
            span = _reach(y, float(y[0]) * gamma ** (k // size))
            if span >= 3 * size:  # one or two drops are milestones (MultiStepLR)
                arguments = {"step_size": size, "gamma": gamma}
                window = _cfg("StepLR", begin, self.end(begin, begin + span), **arguments)
                return _Fit([*lift, window], begin + span, "step")
        return None

    def cover(self) -> list[dict[str, Any]] | None:
        """The windows, in list order, or ``None`` where no short list follows the values."""
        import numpy as np

        f, a, cur = self.f, 0, 1.0
        windows: list[dict[str, Any]] = []
        setter_stop, jumps, last_kind, held = -1, 0, None, 0
        while a <= self.n:
            if _same(float(f[a]), cur):
                a, last_kind = a + 1, None  # the value holds
                continue
            with np.errstate(all="ignore"):  # a guess's curve may overflow: it is then no fit
                fits = self.fits(a, cur, held, setter_stop, not windows)
            if not fits:
                return None
            best = max(fits, key=lambda x: (x.last, -len(x.windows), -self.ORDER.index(x.kind)))
            jumps = jumps + 1 if best.kind == "jump" and last_kind == "jump" else int(best.kind == "jump")
            windows += best.windows
            if jumps >= _MAX_JUMPS_IN_A_ROW or len(windows) > _MAX_WINDOWS:
                return None
            if best.setter_stop >= 0:
                setter_stop = best.setter_stop
            cur, a, last_kind, held = float(f[best.last]), best.last + 1, best.kind, best.last
        return _merge(windows) or [_cfg("ConstantLR", 0, None, factor=1.0)]


def _is_jump(w: Mapping[str, Any]) -> bool:
    return w["type"] == "MultiStepLR" and w["milestones"] == [0] and w.get("end") == w["begin"] + 1


def _merge(windows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The cover's one-update jumps written as mmengine configs write them.

    A drop by ``g`` undone by the next jump is ``ConstantLR(factor=g)`` over the two; the jumps
    by one ``gamma`` are one ``MultiStepLR`` (a ``StepLR`` when evenly spaced from 0), where
    the first of them was. Jumps change the value at updates where no other window does but
    those starting there (chainable, so the order does not matter), so moving them is safe.
    """
    out: list[dict[str, Any]] = []
    i = 0
    while i < len(windows):
        w = windows[i]
        nxt = windows[i + 1] if i + 1 < len(windows) else None
        if _is_jump(w) and nxt is not None and _is_jump(nxt) and w["gamma"] < 1:
            if abs(w["gamma"] * nxt["gamma"] - 1) <= 1e-11:
                out.append(_cfg("ConstantLR", w["begin"], nxt["begin"] + 1, factor=w["gamma"]))
                i += 2
                continue
        out.append(w)
        i += 1
    groups: dict[float, list[int]] = {}
    for i, w in enumerate(out):
        if _is_jump(w):
            groups.setdefault(w["gamma"], []).append(i)
    merged: list[dict[str, Any]] = []
    for i, w in enumerate(out):
        if not _is_jump(w):
            merged.append(w)
            continue
        same = groups[w["gamma"]]
        if len(same) == 1:
            merged.append(w)
        elif i == same[0]:
            at = [out[j]["begin"] for j in same]
            gaps = {b - a for a, b in itertools.pairwise([0, *at])}
            if len(gaps) == 1 and at[0] > 0 and len(at) >= 3:
                merged.append(_cfg("StepLR", 0, at[-1] + 1, step_size=at[0], gamma=w["gamma"]))
            else:
                merged.append(_cfg("MultiStepLR", 0, at[-1] + 1, milestones=at, gamma=w["gamma"]))
    return merged


def _restart_candidates(f: Any, forever: bool, length: float | None, r: Any) -> Any:
    """``CosineRestartLR`` guesses: the periods end where the value jumps up."""
    import numpy as np

    n = len(f) - 1
    rises = [int(k) + 1 for k in np.nonzero(np.diff(f) > _FIT)[0]]
    if not rises or f[0] <= 0 or len(rises) > 10_000:
        return
    starts = [0, *rises]
    periods = [b - a for a, b in itertools.pairwise(starts)]
    left = n + 1 - starts[-1]
    lasts = [left]
    if len(periods) >= 2:
        lasts.append(round(periods[-1] * periods[-1] / periods[-2]))  # torch's T_mult
    lasts.append(periods[-1])
    if length is not None:
        lasts.append(round(length) + 1 - starts[-1])
    first = periods[0]
    if first < 2:
        return
    c = 0.5 * (1 + math.cos(math.pi * (first - 1) / first))
    floor = (float(f[first - 1]) - float(f[0]) * c) / (1 - c)
    weights = [r(float(f[s])) for s in starts]
    for last in dict.fromkeys(x for x in lasts if x >= left):
        end = None if forever else starts[-1] + last
        yield [
            _cfg(
                "CosineRestartLR",
                0,
                end,
                periods=[*periods, last],
                restart_weights=weights,
                eta_min_ratio=r(floor) if abs(floor) > 1e-15 else 0.0,
            )
        ]


def _one_cycle_candidates(values: Any, length: float | None) -> Any:
    """``OneCycleLR`` guesses (its values are absolute: ``values`` are the group's lrs)."""
    n = len(values) - 1
    peak = int(values.argmax())
    init = float(values[0])
    if not (0 < peak < n and 0 < init < values[peak]) or n < 4:
        return
    u1, u2 = float(values[1]) - init, float(values[2]) - init
    if not 0 < u1 < u2:
        return  # OneCycleLR rises from its first update on
    total = round(length) + 1 if length is not None else n + 1
    if total - 1 != n:
        return  # mmengine's OneCycleLR raises when stepped past total_steps
    low = float(values[total - 1])
    for anneal in ("cos", "linear"):
        for three in (False, True):
            # Where the first phase ends (E = pct_start * total_steps - 1), from the slopes.
            ends = [float(peak)]
            if anneal == "cos" and 0 < u2 / (4 * u1) < 1:
                ends.append(math.pi / (2 * math.acos(math.sqrt(u2 / (4 * u1)))))
            if anneal == "linear":
                tail = float(values[total - 2]) - low
                if three and tail > 0:
                    ends.append((total - 1 - (init - low) / tail) / 2)
                elif not three and u1 + tail > 0:
                    ends.append((tail * (total - 1) - init + low) / (u1 + tail))
            pcts = {round((e + 1) / total, digits) for e in ends for digits in (2, 3, 4, 6, 12)}
            # The shortest first: pct_start is a round number more often than not.
            for pct in sorted((p for p in pcts if 0 < p < (0.5 if three else 1)), key=lambda p: len(repr(p))):
                e = pct * total - 1
                if e <= 1:
                    continue
                top = init + (u1 * 2 / (1 - math.cos(math.pi / e)) if anneal == "cos" else u1 * e)
                tops = (_short(top), _round(float(values[peak])))
                if abs(e - round(e)) < 1e-9:
                    tops = tops[::-1]  # the peak is on an update: its value is eta_max
                for eta_max in dict.fromkeys(tops):
                    yield [
                        _cfg(
                            "OneCycleLR",
                            0,
                            None,
                            eta_max=eta_max,
                            total_steps=total,
                            pct_start=pct,
                            anneal_strategy=anneal,
                            div_factor=_short(eta_max / init),
                            final_div_factor=_short(init / low) if low > 0 else 1e4,
                            three_phase=three,
                        )
                    ]


def _export_candidates(outline: Any) -> Any:
    """``param_scheduler`` lists (``(None, list)``) whose by-iteration schedulers may give the values.

    First the one-scheduler forms that no cover writes (``CosineRestartLR`` where the value
    jumps up, ``OneCycleLR`` where it rises and falls), then the greedy cover of the run by
    windows (see :class:`_Cover`): a single ``StepLR``, ``LinearLR`` warmup then
    ``CosineAnnealingLR`` or ``MultiStepLR``, any sequence of such pieces. Floors of cosines are
    ``eta_min_ratio`` (fractions, like every mmengine value); ``PolyLR``'s and ``OneCycleLR``'s
    are absolute (mmengine has no other form), written for the outline's base.
    """
    import numpy as np

    values = np.asarray(outline.values, dtype=np.float64)
    f = values / outline.base
    forever = outline.length is None
    for rounding in (_round, float):
        for cfg in _restart_candidates(f, forever, outline.length, rounding):
            yield None, cfg
    for cfg in _one_cycle_candidates(values, outline.length):
        yield None, cfg
    covers = []
    for rounding in (_round, float):
        cover = _Cover(f, outline.base, forever, outline.length, rounding).cover()
        if cover is not None and cover not in covers:
            covers.append(cover)
            yield None, cover
    zero = np.nonzero(f == 0)[0]
    if zero.size and np.any(f[zero[0] :] > 0):
        at = int(zero[0])
        rise = at + int(np.argmax(f[at:] > 0))
        raise ValueError(
            f"the lr is 0 at update {at} and rises at update {rise}: mmengine's schedulers multiply the "
            "value they find, and none leaves 0 (LinearLR's start_factor must be above 0)"
        )


def _export_write(qualified: str | None, arguments: Any, base: float) -> list[dict[str, Any]]:
    """The ``param_scheduler`` list itself (what mmengine's runner and ``lrkit.load`` read)."""
    return [dict(w) for w in arguments]


register_export(
    "mmengine",
    description="a param_scheduler list of by-iteration schedulers (by_epoch=False) with begin/end windows",
    write=_export_write,
    # The nodes mmengine's lists read into, and lrkit's own that give the same curves.
    nodes={
        Window.name,
        Chain.name,
        CosineAnnealing.name,
        PolyFloor.name,
        CosineRestart.name,
        "constant",
        "step",
        "multistep",
        "exponential",
        "linear",
        "poly",
        "cosine",
        "cosine_wave",
        "one_cycle",
        "cycles",
        "timm:cycles",
        "warmup",
        "timm:warmup",
        "sequence",
        "piecewise_constant",
        "piecewise_linear",
        "cyclic",
        "multiplier",
        "rebase",
        "scale",
        "shift",
        "product",
        "reverse",
        "stairs",
    },
)(_export_candidates)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "mmengine:StepLR": [
            {"step_size": 3, "gamma": 0.5, "by_epoch": False},
            {"step_size": 2, "epoch_length": 4},
        ],
        "mmengine:StepMomentum": [
            {"step_size": 3, "gamma": 0.5, "by_epoch": False},
            {"step_size": 2, "epoch_length": 4},
        ],
        "mmengine:StepParamScheduler": [
            {"param_name": "weight_decay", "step_size": 3, "gamma": 0.5, "by_epoch": False},
            {"param_name": "weight_decay", "step_size": 2, "epoch_length": 4},
        ],
        "mmengine:MultiStepLR": [
            {"milestones": [3, 6], "gamma": 0.5, "by_epoch": False},
            {"milestones": [1, 2], "epoch_length": 5, "convert_to_iter_based": True},
        ],
        "mmengine:MultiStepMomentum": [
            {"milestones": [3, 6], "gamma": 0.5, "by_epoch": False},
            {"milestones": [1, 2], "epoch_length": 5, "convert_to_iter_based": True},
        ],
        "mmengine:MultiStepParamScheduler": [
            {"param_name": "weight_decay", "milestones": [3, 6], "gamma": 0.5, "by_epoch": False},
            {
                "param_name": "weight_decay",
                "milestones": [1, 2],
                "epoch_length": 5,
                "convert_to_iter_based": True,
            },
        ],
        "mmengine:ConstantLR": [{"factor": 0.5, "end": 5, "by_epoch": False}],
        "mmengine:ConstantMomentum": [{"factor": 0.5, "end": 5, "by_epoch": False}],
        "mmengine:ConstantParamScheduler": [
            {"param_name": "weight_decay", "factor": 0.5, "end": 5, "by_epoch": False}
        ],
        "mmengine:ExponentialLR": [{"gamma": 0.9, "begin": 2, "by_epoch": False}],
        "mmengine:ExponentialMomentum": [{"gamma": 0.9, "begin": 2, "by_epoch": False}],
        "mmengine:ExponentialParamScheduler": [
            {"param_name": "weight_decay", "gamma": 0.9, "begin": 2, "by_epoch": False}
        ],
        "mmengine:LinearLR": [{"start_factor": 0.1, "end": 8, "by_epoch": False}],
        "mmengine:LinearMomentum": [{"start_factor": 0.1, "end": 8, "by_epoch": False}],
        "mmengine:LinearParamScheduler": [
            {"param_name": "weight_decay", "start_factor": 0.1, "end": 8, "by_epoch": False}
        ],
        "mmengine:PolyLR": [
            {"power": 2.0, "end": 20, "by_epoch": False},
            {"eta_min": 0.01, "power": 0.9, "end": 5, "epoch_length": 4},
        ],
        "mmengine:PolyMomentum": [
            {"power": 2.0, "end": 20, "by_epoch": False},
            {"eta_min": 0.01, "power": 0.9, "end": 5, "epoch_length": 4},
        ],
        "mmengine:PolyParamScheduler": [
            {"param_name": "weight_decay", "power": 2.0, "end": 20, "by_epoch": False},
            {"param_name": "weight_decay", "eta_min": 0.01, "power": 0.9, "end": 5, "epoch_length": 4},
        ],
        "mmengine:CosineAnnealingLR": [
            {"T_max": 10, "end": 10, "by_epoch": False},
            {"eta_min_ratio": 0.05, "begin": 1, "end": 6, "epoch_length": 3, "convert_to_iter_based": True},
        ],
        "mmengine:CosineAnnealingMomentum": [
            {"T_max": 10, "end": 10, "by_epoch": False},
            {"eta_min_ratio": 0.05, "begin": 1, "end": 6, "epoch_length": 3, "convert_to_iter_based": True},
        ],
        "mmengine:CosineAnnealingParamScheduler": [
            {"param_name": "weight_decay", "T_max": 10, "end": 10, "by_epoch": False},
            {
                "param_name": "weight_decay",
                "eta_min_ratio": 0.05,
                "begin": 1,
                "end": 6,
                "epoch_length": 3,
                "convert_to_iter_based": True,
            },
        ],
        "mmengine:OneCycleLR": [{"eta_max": 0.1, "total_steps": 30, "by_epoch": False}],
        "mmengine:OneCycleParamScheduler": [
            {"param_name": "lr", "eta_max": 0.1, "total_steps": 30, "by_epoch": False}
        ],
        "mmengine:CosineRestartLR": [
            {"periods": [5, 10], "restart_weights": [1, 0.5], "eta_min": 0.001, "by_epoch": False}
        ],
        "mmengine:CosineRestartMomentum": [
            {"periods": [5, 10], "restart_weights": [1, 0.5], "eta_min": 0.001, "by_epoch": False}
        ],
        "mmengine:CosineRestartParamScheduler": [
            {
                "param_name": "weight_decay",
                "periods": [5, 10],
                "restart_weights": [1, 0.5],
                "eta_min": 0.001,
                "by_epoch": False,
            }
        ],
        "mmengine:ReduceOnPlateauLR": [{}, {"rule": "greater", "factor": 0.5, "patience": 2}],
        "mmengine:ReduceOnPlateauParamScheduler": [{"param_name": "lr"}],
    }
)
