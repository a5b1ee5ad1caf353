"""A drop-in twin of ``timm.scheduler`` (timm 1.0.31): same signatures, defaults, attributes,
checkpoints and values.

Change ``from timm.scheduler import CosineLRScheduler`` to
``from lrkit.timm import CosineLRScheduler`` and nothing else changes. Stepping follows timm's
own control flow, hook for hook: ``step(epoch)`` / ``step_update(num_updates)`` call
``_get_values``, which calls ``_get_lr(t)``; ``_add_noise`` (through ``_is_apply_noise`` and
``_calculate_noise``) perturbs the values and ``update_groups`` writes them, times each group's
``lr_scale`` as it is at that step. So a subclass that overrides any of these methods, and an
attribute changed after construction (``t_initial``, ``base_values``, ``lr_min``,
``cycle_limit``, ``warmup_steps``, ``noise_range_t``, ``t_in_epochs``, ...), changes the values
as it does in timm. A param group added to the optimizer afterwards is left as it is, as timm
leaves it (the plateau scheduler decays and noises it, as timm's does).

The built-in ``_get_lr`` ramps with timm's ``warmup_steps`` and then evaluates a core lrkit
schedule from :mod:`lrkit.recipes.timm`, rebuilt (and its arguments checked) when a setting it
depends on changes. No curve is written here; where timm has a quirk (the ``t + 1`` milestone
rule of multistep, the float cycle index, noise drawn from ``torch.Generator(seed + t)``),
:mod:`lrkit.recipes.timm` has a node for it.

Checkpoints: ``state_dict()`` holds timm's keys with timm's values (timm saves its
``__dict__`` without the optimizer; its plateau saves ``best`` and ``last_epoch``) and one more
entry, ``"lrkit"``, with lrkit's own state. A state saved by timm loads into the twin and one
saved by the twin loads into timm, either way continuing with the same values. A state whose
settings differ from the scheduler's (another ``t_initial``, another class) is refused with
``ValueError`` naming each difference, before anything changes. Loading writes nothing into
the optimizer, as in timm: its own state holds the lr, and the next step writes the schedule's.

Where timm is weak, the twin is not: bad arguments raise ``ValueError`` or ``TypeError``
naming the argument the user typed (timm asserts, or fails at a later step; the factories name
their own arguments, ``num_epochs`` or ``lr_noise``, not the class's), and a refused
construction leaves the optimizer exactly as it was. Flags (``warmup_prefix``,
``t_in_epochs``, ``initialize``) are True or False, a NumPy bool too, where timm takes any
truthy value; a number may be a NumPy or torch number, a ``Decimal`` or a ``Fraction``, each
taken as the number it is (an int when integral, else the nearest float) and kept as a Python
number; the settings of a feature that is off (the noise without ``noise_range_t``, the cycles
of a single cycle, ``warmup_lr_init`` without a warmup) are checked all the same.
``create_scheduler_v2`` refuses an unknown name, and :class:`PlateauLRScheduler` keeps its
whole state in ``state_dict()`` (timm deprecates it because a resumed run loses that state).
Past the end of shrinking cycles (``cycle_mul < 1``), where timm's ``math.log`` fails, the twin
holds ``lr_min``.
"""

from __future__ import annotations

import abc
import contextlib
import copy
import decimal
import fractions
import logging
import math
import operator
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ClassVar, cast

import numpy as np
import torch

from lrkit import checks as v
from lrkit.combinators import Cycles, Noise, Warmup
from lrkit.recipes import timm as recipes
from lrkit.schedule import Schedule
from lrkit.shapes import Constant
from lrkit.torch import Scheduler as _Driver
from lrkit.torch.plateau import Plateau
from lrkit.torch.scheduler import Rescheduled, _changed_settings, _refuse_unwritable, _writable, rebasing
from lrkit.torch.scheduler import _time as _time_arg

__all__ = [
    "CosineLRScheduler",
    "MultiStepLRScheduler",
    "PlateauLRScheduler",
    "PolyLRScheduler",
    "Scheduler",
    "StepLRScheduler",
    "TanhLRScheduler",
    "WSDLRScheduler",
    "create_scheduler",
    "create_scheduler_v2",
    "scheduler_kwargs",
]

NoiseRange = list[int] | tuple[int, int] | int | None

#: The entry of a twin's ``state_dict()`` that holds lrkit's state beside timm's keys.
LRKIT_KEY = "lrkit"
_FORMAT = "lrkit.timm/1"
_PLATEAU_FORMAT = "lrkit.timm.PlateauLRScheduler/1"
_log = logging.getLogger("lrkit")
# timm's keys that a checkpoint restores rather than compares: the base values (and the warmup
# slopes made from them) are the optimizer's, which a resumed run may have changed on purpose;
# the metric is the last one seen.
_RESTORED = ("base_values", "warmup_steps", "metric")


class _GetLr(Schedule):
    """Group ``index``'s value from the owner's ``_get_lr(t)``: what the driver shows as its schedule."""

    name: ClassVar[str] = "timm_get_lr"

    def __init__(self, owner: Scheduler, index: int) -> None:
        object.__setattr__(self, "owner", owner)
        object.__setattr__(self, "index", index)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.owner._get_lr(t)[self.index]

    def __repr__(self) -> str:
        return f"{type(self.owner).__qualname__}._get_lr[{self.index}]"


def _frozen(value: Any) -> Any:
    """``value`` with its lists as tuples: a list compares unequal to the tuple it equals."""
    if isinstance(value, (list, tuple)):
        return tuple(_frozen(item) for item in value)
    return value


def _copied(value: Any) -> Any:
    """A state's value that the caller may change without changing the scheduler, or back."""
    if isinstance(value, list):
        return [_copied(item) for item in value]
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    return value


def _refusal(problems: list[str], changed: list[str]) -> str:
    """Why a checkpoint is refused; a change of settings alone can be continued deliberately."""
    hint = "" if problems else "; give reschedule=True to continue under this scheduler's settings"
    return "; ".join(problems + changed) + hint


def _write_field(group: dict[str, Any], field: str, value: Any) -> None:
    # A tensor is filled in place, never replaced by a float: compiled optimizer steps and CUDA
    # graphs hold on to that very tensor (timm replaces it).
    current = group.get(field)
    if type(current) is not float and isinstance(current, torch.Tensor):
        current.fill_(value)
    else:
        group[field] = value


def _plain(name: str, value: Any) -> Any:
    """A timm argument as the plain Python value it stands for, so that it computes as one.

    timm computes with whatever it is given; the twin keeps Python numbers, so its values,
    attributes and checkpoints (``torch.load(weights_only=True)`` reads no NumPy scalar) are
    the same whatever numeric type was passed. A NumPy scalar or a 0-d array or tensor is its
    Python int, float or bool; a ``decimal.Decimal`` or ``fractions.Fraction`` is the number it
    is: the int when integral, else the nearest float (a NaN, an infinity or a signalling NaN is
    refused under ``name``). A list or tuple is converted item by item; an array or tensor of
    more dimensions is refused. Everything else (a str, None, a callable) is left as it is, for
    the argument's own check.
    """
    if isinstance(value, np.generic):  # before the built-in types: np.float64 is a float
        value = value.item()
    if value is None or isinstance(value, (bool, int, float, str, bytes)):
        return value
    if isinstance(value, (list, tuple)):
        items = [_plain(f"{name}[{i}]", item) for i, item in enumerate(value)]
        return items if isinstance(value, list) else tuple(items)
    if isinstance(value, (torch.Tensor, np.ndarray)):
        if value.ndim:
            # timm's arguments are numbers and lists; a comparison with an array has no truth.
            raise v.wrong_type(
                name,
                f"must be a Python number or list, got a {type(value).__name__} of shape {list(value.shape)}",
            )
        value = value.item()  # a bool or complex one is then refused by the argument's own check
    if isinstance(value, (decimal.Decimal, fractions.Fraction)):
        nearest = v.real(name, value)
        whole = int(value)
        return whole if whole == value else nearest
    return value


@contextlib.contextmanager
def _unchanged_on_error(optimizer: Any) -> Iterator[None]:
    """A construction that raises inside leaves the optimizer's param groups as they were.

    Every argument is checked before the first write; this covers what is refused after it
    (by the driver's own checks, or by a subclass's hook called during construction). A
    tensor value is restored in place: compiled steps hold on to that very tensor.
    """
    groups = list(optimizer.param_groups)
    saved = [dict(group) for group in groups]
    tensors = [
        [(value, value.detach().clone()) for value in group.values() if isinstance(value, torch.Tensor)]
        for group in groups
    ]
    try:
        yield
    except BaseException:
        with torch.no_grad():
            for group, before, held in zip(groups, saved, tensors, strict=True):
                group.clear()
                group.update(before)
                for tensor, value in held:
                    tensor.copy_(value)
        optimizer.param_groups[:] = groups
        raise


def _check_optimizer(optimizer: Any) -> None:
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"optimizer must be a torch optimizer, got {v.shown(optimizer)}")


def _check_groups(optimizer: Any, param_group_field: str, initialize: bool) -> None:
    """timm's checks of the param groups, made before anything is written into them."""
    _check_optimizer(optimizer)
    if not isinstance(param_group_field, str):
        raise v.wrong_type(
            "param_group_field",
            f"must be the name of a param group field, got {v.shown(param_group_field)}",
        )
    initial = f"initial_{param_group_field}"
    for i, group in enumerate(optimizer.param_groups):
        # KeyError, as timm raises, so code that catches it keeps working.
        if initialize and param_group_field not in group:
            raise KeyError(f"{param_group_field} missing from param_groups[{i}]")
        if not initialize and initial not in group:
            raise KeyError(f"{initial} missing from param_groups[{i}]")


def _noise_node(range_t: Any, pct: Any, std: Any, seed: Any, kind: Any) -> Noise:
    """timm's noise as an lrkit node (its draws, its range), its errors naming timm's arguments."""
    # A range is needed to build the node; without one only the draws are asked for (by a
    # subclass whose _is_apply_noise says yes), and those do not depend on it.
    return cast(Noise, recipes.add_noise(Constant(), 0 if range_t is None else range_t, pct, std, seed, kind))


class Scheduler(_Driver, metaclass=abc.ABCMeta):
    """timm's scheduler base class: one param-group field, stepped per epoch or per update.

    Subclass it as in timm, overriding ``_get_lr(t)`` to return one value per param group; the
    base class adds noise, applies ``lr_scale`` and writes the values, through the same methods
    as timm's (each one a hook a subclass may override).
    """

    # timm ignores step(epoch) when stepped per update and step_update(n) when per epoch, on
    # every call of its training loop: that is its rule, not a mistake to warn about.
    _warn_ignored: ClassVar[bool] = False

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        param_group_field: str,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_type: str = "normal",
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int | None = None,
        initialize: bool = True,
    ) -> None:
        initialize = v.flag("initialize", initialize)
        t_in_epochs = v.flag("t_in_epochs", t_in_epochs)
        _check_groups(optimizer, param_group_field, initialize)
        noise_range_t = _plain("noise_range_t", noise_range_t)
        noise_pct = _plain("noise_pct", noise_pct)
        noise_std = _plain("noise_std", noise_std)
        noise_seed = _plain("noise_seed", noise_seed)
        seed = noise_seed if noise_seed is not None else 42
        # The noise settings are checked with the noise off too: a typo there would otherwise
        # surface only on the day the noise is switched on.
        _noise_node(noise_range_t, noise_pct, noise_std, seed, noise_type)
        with _unchanged_on_error(optimizer):
            # Checked: from here on the optimizer changes, attribute by attribute as in timm.
            self.optimizer = optimizer
            self.param_group_field = param_group_field
            self._initial_param_group_field = f"initial_{param_group_field}"
            initial = self._initial_param_group_field
            if initialize:
                for group in optimizer.param_groups:
                    group.setdefault(initial, group[param_group_field])
            self.base_values = [group[initial] for group in optimizer.param_groups]
            self.metric = None
            self.t_in_epochs = t_in_epochs
            self.noise_range_t = noise_range_t
            self.noise_pct = noise_pct
            self.noise_type = noise_type
            self.noise_std = noise_std
            self.noise_seed = seed
            # What the driver adds is lrkit's, not timm's: state_dict() keeps it apart.
            before = set(self.__dict__)
            self._setup(
                optimizer,
                "epoch" if t_in_epochs else "update",
                None,
                {param_group_field: [_GetLr(self, i) for i in range(len(optimizer.param_groups))]},
            )
            self._lrkit_driver_keys = frozenset(set(self.__dict__) - before)
            self.update_groups(self.base_values)

    # -- timm's API ---------------------------------------------------------------------------

    @abc.abstractmethod
    def _get_lr(self, t: float) -> list[float]:
        """One value per param group at time ``t``, before noise and ``lr_scale``."""

    def _get_values(self, t: float, on_epoch: bool = True) -> list[float] | None:
        if on_epoch != self.t_in_epochs:
            return None
        return self._get_lr(t)

    def get_epoch_values(self, epoch: float) -> list[float] | None:
        """The values at ``epoch`` (no noise, no lr_scale), or None when stepped per update."""
        return self._get_values(epoch, on_epoch=True)

    def get_update_values(self, num_updates: float) -> list[float] | None:
        """The values at ``num_updates`` (no noise, no lr_scale), or None when stepped per epoch."""
        return self._get_values(num_updates, on_epoch=False)

    def step(self, epoch: float, metric: float | None = None) -> None:  # type: ignore[override]
        """Write the values at ``epoch`` when stepped per epoch (``t_in_epochs``); else nothing."""
        epoch = _time_arg("epoch", epoch)
        previous, self.metric = self.metric, metric  # set first: a subclass's _get_lr may read it
        try:
            values = self._get_values(epoch, on_epoch=True)
            if values is not None:
                values = self._add_noise(values, epoch)
        except BaseException:
            self.metric = previous  # a refused step changes nothing
            raise
        if values is not None:
            self.update_groups(values)
            self._t = self._ticks = epoch

    def step_update(self, num_updates: float, metric: float | None = None) -> None:
        """Write the values at ``num_updates`` when stepped per update; else nothing."""
        num_updates = _time_arg("num_updates", num_updates)
        previous, self.metric = self.metric, metric
        try:
            values = self._get_values(num_updates, on_epoch=False)
            if values is not None:
                values = self._add_noise(values, num_updates)
        except BaseException:
            self.metric = previous
            raise
        if values is not None:
            self.update_groups(values)
            self._t = self._ticks = num_updates

    def update_groups(self, values: float | list[float]) -> None:
        """Write ``values`` (one, or one per group) into the field, times each group's ``lr_scale``.

        A group beyond the values (added to the optimizer after the scheduler was built) is left
        as it is, as timm leaves it.
        """
        groups = self.optimizer.param_groups
        if not isinstance(values, (list, tuple)):
            values = [values] * len(groups)
        field = self.param_group_field
        if not _writable(list(values)):
            # Before any write: a value no driver writes (a subclass's _get_lr) changes nothing.
            _refuse_unwritable(field, values, getattr(self, "_t", "?"), [], what=f"{type(self).__name__}")
        written = []
        # Indexed rather than zipped: this runs at every step, and zip(strict=False) costs more
        # than the writes. As timm's zip, it stops at the shorter of the two.
        for i in range(min(len(groups), len(values))):
            group, value = groups[i], values[i]
            if "lr_scale" in group:
                value = value * group["lr_scale"]
            current = group.get(field)
            # type() first: isinstance() against torch.Tensor's metaclass is the slow check.
            if type(current) is not float and isinstance(current, torch.Tensor):
                current.fill_(value)  # in place: compiled steps and CUDA graphs hold this tensor
            else:
                group[field] = value
            written.append(value)
        self._last[field] = written

    def _add_noise(self, lrs: list[float], t: float) -> list[float]:
        if self._is_apply_noise(t):
            noise = self._calculate_noise(t)
            lrs = [value + value * noise for value in lrs]  # relative noise, as lrkit.noise adds it
        return lrs

    def _is_apply_noise(self, t: float) -> bool:
        """Whether ``t`` is in ``noise_range_t`` (``t >= start``, or ``start <= t < end``)."""
        if self.noise_range_t is None:
            return False
        return bool(self._lrkit_noise()._in_range(t))

    def _calculate_noise(self, t: float) -> float:
        """The relative noise at ``t``, drawn as timm draws it from ``torch.Generator(noise_seed + t)``."""
        noise = self._lrkit_noise()  # the settings checked, under their names
        return recipes.torch_draw(noise.seed + math.floor(t), noise.kind, float(noise.pct), float(noise.std))

    def _lrkit_noise(self) -> Noise:
        """The noise node of the current noise settings, rebuilt (and checked) when one changes."""
        settings = (
            _frozen(self.noise_range_t),
            self.noise_pct,
            self.noise_std,
            self.noise_seed,
            self.noise_type,
        )
        cached = self.__dict__.get("_lrkit_noise_cache")
        if cached is None or cached[0] != settings:
            cached = (settings, _noise_node(*settings))
            self._lrkit_noise_cache = cached
        return cached[1]

    # -- the driver's readings, from timm's attributes -------------------------------------------

    @property
    def base_lrs(self) -> list[float]:
        """Each group's base lr under torch's name, timm's ``base_values`` when it drives the lr."""
        if self.param_group_field == "lr":
            return [float(b) for b in self.base_values]
        return [float(g.get("initial_lr", g["lr"])) for g in self.optimizer.param_groups]

    @base_lrs.setter
    def base_lrs(self, values: Sequence[float]) -> None:
        if self.param_group_field != "lr":
            raise ValueError(f"base_lrs: this scheduler drives {self.param_group_field!r}, not the lr")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"base_lrs must be a list of numbers, one per param group, got {values!r}")
        if len(values) != len(self.base_values):
            raise ValueError(f"base_lrs: got {len(values)} values for {len(self.base_values)} param groups")
        self.base_values = [v.real(f"base_lrs[{i}]", b, minimum=0.0) for i, b in enumerate(values)]

    def _rebase_lr(self, lr: float) -> None:
        """Make ``lr`` group 0's base value (the others keeping their ratio), as if built on it.

        timm derives more than the values from its bases (the warmup's slope): those are derived
        again, and the values at the current time written, so the run goes on as one built on
        the new lrs would (:meth:`lrkit.torch.LRFinderResult.apply`).
        """
        if self.param_group_field != "lr":
            raise TypeError(f"{type(self).__name__} drives {self.param_group_field!r}, not the lr")
        scale = rebasing(self, lr, float(self.base_values[0]))
        kept = dict(self.__dict__)
        groups = self.optimizer.param_groups
        initial = self._initial_param_group_field
        before = [(group.get(initial), group.get("lr")) for group in groups]
        try:
            self.base_values = [scale(b) for b in self.base_values]
            for group in groups:
                if group.get(initial) is not None:
                    group[initial] = scale(group[initial])
            self._rebased(scale)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(kept)
            for group, (base, value) in zip(groups, before, strict=True):
                if base is not None:
                    group[initial] = base
                _write_field(group, "lr", value)
            raise

    def _rebased(self, scale: Callable[[float], float]) -> None:
        """After the bases moved: what timm derives from them, and the values now."""
        if hasattr(self, "warmup_steps"):
            self.warmup_steps = self._warmup_steps()
        on_epoch = self.t_in_epochs
        values = self._get_values(self._t, on_epoch=on_epoch)
        if values is not None:
            self.update_groups(self._add_noise(values, self._t))

    def get_lr(self) -> list[float]:
        """The lr a step at the current time writes (noise and ``lr_scale`` included), written nowhere."""
        if self.param_group_field != "lr":
            return [float(g["lr"]) for g in self.optimizer.param_groups]
        return self._values_at(self._t)

    # -- checkpoints --------------------------------------------------------------------------

    def _timm_state(self) -> dict[str, Any]:
        """What timm's ``state_dict()`` holds: every attribute but the optimizer (and lrkit's own)."""
        lrkit_keys = self._lrkit_driver_keys
        return {
            key: value
            for key, value in self.__dict__.items()
            if key != "optimizer" and key not in lrkit_keys and not key.startswith("_lrkit")
        }

    def _lrkit_state(self) -> dict[str, Any]:
        return {
            "format": _FORMAT,
            "t": self._t,
            "ticks": self._ticks,
            "last": {field: list(values) for field, values in self._last.items()},
        }

    def state_dict(self) -> dict[str, Any]:
        """timm's state (its keys, its values), and lrkit's under ``"lrkit"``."""
        state = {key: _copied(value) for key, value in self._timm_state().items()}
        state[LRKIT_KEY] = self._lrkit_state()
        return state

    def load_state_dict(
        self, state_dict: Mapping[str, Any], *, reschedule: bool = False
    ) -> list[Rescheduled] | None:
        """Continue from a state saved by this class, here or in timm; the optimizer is not written.

        The settings must be this scheduler's: a state with another ``t_initial`` (any other
        setting) is refused with ``ValueError`` naming each difference and its two values, and
        nothing changes; so is a state of another class, or one that lacks timm's keys.
        ``base_values``, ``warmup_steps`` and ``metric`` are restored, as timm restores them.

        ``reschedule=True`` continues under this scheduler's settings instead (a run extended
        from 100 to 200 epochs): the base values and the metric are restored, ``warmup_steps``
        is made anew from them, and the change is logged as a warning on the ``lrkit`` logger
        and returned, per group, as the value the checkpoint's settings give at its time and
        the one these give (a state saved by timm has no time: the list is empty).
        """
        v.flag("reschedule", reschedule)
        if not isinstance(state_dict, Mapping):
            raise ValueError(f"state_dict must be a mapping (a scheduler's state_dict()), got {state_dict!r}")
        mine = self._timm_state()
        problems = self._foreign(state_dict, mine)
        changed = _changed_settings(state_dict, mine, skip=_RESTORED)
        if problems or (changed and not reschedule):
            raise ValueError("cannot load this scheduler state: " + _refusal(problems, changed))
        lrkit_state = state_dict.get(LRKIT_KEY)
        t = None if lrkit_state is None else lrkit_state["t"]
        before = None
        if changed and t is not None:
            # The checkpoint's scheduler, on this one's optimizer, for what it would write at t.
            saved = copy.copy(self)
            saved.__dict__.update({key: _copied(state_dict[key]) for key in mine})
            before = saved._values_at(t)
        for key in _RESTORED:
            if key in mine:
                setattr(self, key, _copied(state_dict[key]))
        if changed and isinstance(self, _Shaped):
            self.warmup_steps = self._warmup_steps()
        if lrkit_state is not None:
            self._t, self._ticks = lrkit_state["t"], lrkit_state["ticks"]
            self._last = {field: list(values) for field, values in lrkit_state["last"].items()}
        if not reschedule:
            return None
        report = []
        if before is not None and t is not None:
            after = self._values_at(t)
            report = [
                Rescheduled(self.param_group_field, i, t, old, new)
                for i, (old, new) in enumerate(zip(before, after, strict=False))
                if old != new
            ]
        if changed:
            _log.warning(
                "continuing under new settings (%s)%s",
                "; ".join(changed),
                "".join(f"; group {r.group} at t={r.t}: {r.before!r} -> {r.after!r}" for r in report),
            )
        return report

    def _foreign(self, state_dict: Mapping[str, Any], mine: Mapping[str, Any]) -> list[str]:
        """What keeps ``state_dict`` from carrying over to this scheduler at all."""
        name = type(self).__name__
        if "format" in state_dict and not any(key in state_dict for key in mine):
            return [
                f"it is an lrkit state of format {state_dict['format']!r}, with none of {name}'s "
                "settings (timm's keys)"
            ]
        problems = []
        missing = [key for key in mine if key not in state_dict]
        if missing:
            problems.append(f"the checkpoint has no {', '.join(missing)} (settings of {name})")
        extra = [key for key in state_dict if key not in mine and key != LRKIT_KEY]
        if extra:
            problems.append(
                f"the checkpoint has {', '.join(extra)}, which {name} does not "
                "(a state of another scheduler class?)"
            )
        for key in ("base_values", "warmup_steps"):
            saved = state_dict.get(key)
            if key in mine and isinstance(saved, Sequence) and len(saved) != len(mine[key]):
                problems.append(
                    f"{key} has {len(saved)} values (one per param group) in the checkpoint, "
                    f"{len(mine[key])} here"
                )
        lrkit_state = state_dict.get(LRKIT_KEY)
        if lrkit_state is not None and not (
            isinstance(lrkit_state, Mapping) and lrkit_state.get("format") == _FORMAT
        ):
            problems.append(f"its {LRKIT_KEY!r} entry is not lrkit.timm's (format {_FORMAT!r} expected)")
        return problems

    def _values_at(self, t: float) -> list[float]:
        """What a step at ``t`` writes (noise and ``lr_scale`` included), written nowhere.

        What cannot be evaluated (settings that no longer build) is each group's current value.
        """
        groups = self.optimizer.param_groups
        try:
            values = self._add_noise(self._get_lr(t), t)
        except (TypeError, ValueError, ArithmeticError):
            return [float(group[self.param_group_field]) for group in groups]
        return [
            float(value * group["lr_scale"] if "lr_scale" in group else value)
            for group, value in zip(groups, values, strict=False)
        ]


class _Shaped:
    """Built-in schedulers: timm's warmup ramp, then a core schedule of :mod:`lrkit.recipes.timm`."""

    #: Arguments that timm's base class takes; the rest build the schedule.
    _BASE_ARGS = ("t_in_epochs", "noise_range_t", "noise_pct", "noise_std", "noise_seed", "initialize")
    #: The recipe of the whole schedule (its arguments are the constructor's).
    _RECIPE: ClassVar[Callable[..., Schedule]]
    #: The attributes the schedule after the warmup is built from, read at every step as timm reads them.
    _CORE: ClassVar[tuple[str, ...]]

    # Declared for the type checker; Scheduler provides them.
    base_values: list[Any]
    warmup_t: Any
    warmup_lr_init: Any
    warmup_prefix: bool
    warmup_steps: list[Any]

    #: The values of ``_CORE``, read at every step (a list among them is copied into a tuple, so
    #: that a change made in place shows).
    _core_settings: ClassVar[Callable[[Any], tuple[Any, ...]]]
    #: timm's WSD has no ``warmup_prefix``: its warmup is always one.
    _ALWAYS_PREFIX: ClassVar[bool] = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "_CORE" in cls.__dict__ and "_core_settings" not in cls.__dict__:
            cls._core_settings = staticmethod(operator.attrgetter(*cls._CORE))  # type: ignore[assignment]

    def _core(self, settings: tuple[Any, ...]) -> Schedule:
        """The schedule after the warmup for ``settings``, built (and checked) when they change."""
        cached = self._lrkit_core_cache
        if cached[0] != settings:
            core = type(self)._RECIPE(**dict(zip(self._CORE, settings, strict=True)))
            cached = self._lrkit_core_cache = (settings, core)
        return cached[1]

    def _get_lr(self, t: float) -> list[float]:
        if t < self.warmup_t:
            # timm's ramp from its own per-group slopes, an attribute a subclass or a user may set.
            return [self.warmup_lr_init + t * s for s in self.warmup_steps]
        core = self._core(self._core_settings(self))
        if self._ALWAYS_PREFIX or self.warmup_prefix:
            t = t - self.warmup_t
        bases = self.base_values
        if len(bases) == 1:
            return [core._held(t, float(bases[0]))]
        # One evaluation per distinct base value: exactly timm's value for each group, at the
        # cost of one evaluation when the groups share a base (lr_scale layer decay).
        values = []
        seen: dict[Any, float] = {}
        for base in bases:
            value = seen.get(base)
            if value is None:
                value = seen[base] = core._held(t, float(base))
            values.append(value)
        return values

    def _build(self, args: dict[str, Any]) -> None:
        """Build from a constructor's ``locals()``: timm's base, timm's attributes, the warmup.

        Every argument is checked first (the whole schedule is built, and what it leaves unused
        checked too), so a bad one is refused before the optimizer is touched; anything refused
        later leaves the optimizer as it was.
        """
        del args["self"]
        optimizer = args.pop("optimizer")
        _check_optimizer(optimizer)
        args = {key: _plain(key, value) for key, value in args.items()}
        if "warmup_prefix" in args:
            args["warmup_prefix"] = v.flag("warmup_prefix", args["warmup_prefix"])
        base = {key: args.pop(key) for key in self._BASE_ARGS}
        type(self)._RECIPE(**args)
        self._check_unused(args)
        self._lrkit_core_cache: tuple[Any, Schedule | None] = (None, None)
        with _unchanged_on_error(optimizer):
            Scheduler.__init__(self, optimizer, "lr", **base)  # type: ignore[arg-type]
            for key, value in args.items():  # timm keeps every argument as an attribute
                setattr(self, key, value)
            self._finish()

    def _check_unused(self, args: Mapping[str, Any]) -> None:
        """Check the arguments the schedule leaves out (those of a feature switched off)."""
        # Without a warmup (warmup_t=0) a schedule has no ramp to start from warmup_lr_init.
        Warmup(Constant(), warmup_t=args["warmup_t"], warmup_lr_init=args["warmup_lr_init"])

    def _finish(self) -> None:
        """timm's last steps of construction, after its attributes are set."""
        self._start_warmup()

    def _warmup_targets(self) -> list[Any]:
        """Where timm's ramp ends, per group: the base values."""
        return list(self.base_values)

    def _warmup_steps(self) -> list[Any]:
        """timm's ``warmup_steps``: the ramp's slope per group (1 each without a warmup)."""
        if not self.warmup_t:
            return [1 for _ in self.base_values]
        return [(value - self.warmup_lr_init) / self.warmup_t for value in self._warmup_targets()]

    def _start_warmup(self) -> None:
        """timm's last steps of construction: ``warmup_steps``, and the ramp's first value."""
        self.warmup_steps = self._warmup_steps()
        if self.warmup_t:
            # timm's super().update_groups: the base class's, whatever a subclass overrides.
            Scheduler.update_groups(self, self.warmup_lr_init)  # type: ignore[arg-type]


class _CyclicMixin(_Shaped):
    """timm's ``cycle_*`` attributes and ``get_cycle_length``."""

    t_initial: Any
    cycle_mul: Any
    cycle_limit: Any

    def _check_unused(self, args: Mapping[str, Any]) -> None:
        super()._check_unused(args)
        if args["cycle_limit"] is None:
            # lrkit's cycles read None as "for ever"; timm compares the cycle index with it.
            raise v.wrong_type("cycle_limit", "must be an integer (timm counts the cycles), got None")
        # One cycle of constant length leaves the cycle settings out of the schedule (it is the
        # shape itself): they are checked all the same, as the cycles would check them.
        Cycles(
            Constant(),
            t_initial=args["t_initial"],
            cycle_mul=args["cycle_mul"],
            cycle_decay=args["cycle_decay"],
            cycle_limit=args["cycle_limit"],
        )

    def get_cycle_length(self, cycles: int = 0) -> int | float:
        """The length of ``cycles`` cycles (``cycle_limit`` by default), plus a warmup prefix."""
        cycles = max(1, cycles or self.cycle_limit)
        return recipes.cycle_length(self.t_initial, self.cycle_mul, cycles, self.warmup_t, self.warmup_prefix)


class CosineLRScheduler(_CyclicMixin, Scheduler):
    """Cosine decay with restarts (SGDR), warmup, noise and k-decay, as timm's."""

    _RECIPE = staticmethod(recipes.cosine)
    _CORE = ("t_initial", "lr_min", "cycle_mul", "cycle_decay", "cycle_limit", "k_decay")

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        k_decay: float = 1.0,
        initialize: bool = True,
    ) -> None:
        self._build(dict(locals()))


class TanhLRScheduler(_CyclicMixin, Scheduler):
    """Hyperbolic-tangent decay with restarts, warmup and noise, as timm's."""

    _RECIPE = staticmethod(recipes.tanh)
    _CORE = ("t_initial", "lb", "ub", "lr_min", "cycle_mul", "cycle_decay", "cycle_limit")

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        lb: float = -7.0,
        ub: float = 3.0,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._build(dict(locals()))

    def _warmup_targets(self) -> list[Any]:
        # Without a prefix timm's ramp ends where the curve is at warmup_t (its _get_lr there).
        return list(self.base_values) if self.warmup_prefix else self._get_lr(self.warmup_t)


class PolyLRScheduler(_CyclicMixin, Scheduler):
    """Polynomial decay with restarts, warmup, noise and k-decay, as timm's."""

    _RECIPE = staticmethod(recipes.poly)
    _CORE = ("t_initial", "power", "lr_min", "cycle_mul", "cycle_decay", "cycle_limit", "k_decay")

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        power: float = 0.5,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        k_decay: float = 1.0,
        initialize: bool = True,
    ) -> None:
        self._build(dict(locals()))


class StepLRScheduler(_Shaped, Scheduler):
    """Step decay every ``decay_t`` with warmup (a prefix by default) and noise, as timm's."""

    _RECIPE = staticmethod(recipes.step)
    _CORE = ("decay_t", "decay_rate")

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        decay_t: float,
        decay_rate: float = 1.0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = True,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._build(dict(locals()))


class MultiStepLRScheduler(_Shaped, Scheduler):
    """Decay at milestones with warmup and noise, as timm's: milestone ``m`` applies at ``t = m - 1``."""

    _RECIPE = staticmethod(recipes.multistep)
    _CORE = ("decay_t", "decay_rate")

    decay_t: Any
    decay_rate: Any

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        decay_t: list[int],
        decay_rate: float = 1.0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = True,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._build(dict(locals()))

    @staticmethod
    def _core_settings(self: Any) -> tuple[Any, ...]:
        # The milestones' list may be changed in place: the cached one must be a copy.
        return (_frozen(self.decay_t), self.decay_rate)

    def get_curr_decay_steps(self, t: float) -> int:
        """How many milestones apply at ``t`` (after any warmup prefix)."""
        return sum(1 for m in self.decay_t if m <= t + 1)


class WSDLRScheduler(_Shaped, Scheduler):
    """Warmup-stable-decay with selectable stable and decay functions, as timm's."""

    _RECIPE = staticmethod(recipes.wsd_)
    _CORE = (
        "t_initial",
        "decay_t",
        "lr_min",
        "stable_fn",
        "stable_timescale",
        "stable_power",
        "decay_fn",
        "decay_power",
        "decay_ratio",
    )
    _ALWAYS_PREFIX = True

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        decay_t: int,
        lr_min: float = 0.0,
        stable_fn: str = "constant",
        stable_timescale: float | None = None,
        stable_power: float = 0.5,
        decay_fn: str | Callable[[float], float] = "1-sqrt",
        decay_power: float = 0.5,
        decay_ratio: float = 0.1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._build(dict(locals()))

    def _finish(self) -> None:
        if self.stable_fn != "constant" and self.stable_timescale is None:
            self.stable_timescale = self.warmup_t  # the default timm derives
        self._start_warmup()

    def get_cycle_length(self, cycles: int = 0) -> int | float:
        return self.warmup_t + self.t_initial


class _TimmPlateau(Plateau):
    """lrkit's Plateau deciding as timm's ``torch.optim.lr_scheduler.ReduceLROnPlateau`` does.

    timm steps its plateau with the metric alone, and the lrs it decays are the param groups'
    own, whatever wrote them (timm's warmup, its restore of the lr from before its noise, a
    user): so are this one's. It writes nothing but a decay; the timm twin writes the rest.
    """

    _levels_scaled = True
    # The twin keeps the decision's levels itself: read from the groups before each decision,
    # written back only where one was reduced (what torch's plateau does to the groups' lrs).
    _lr_in_optimizer = False

    def __init__(self, optimizer: torch.optim.Optimizer, lr_min: float, **kwargs: Any) -> None:
        super().__init__(optimizer, min_lr=lr_min, **kwargs)
        self._lr_min = self.min_lrs[0] if self.min_lrs else float(lr_min)

    def _write_epoch(self, epoch: float) -> None:
        pass  # torch's ReduceLROnPlateau writes an lr only when it decays one

    def step(self, metric: Any = None, epoch: float | None = None) -> None:  # type: ignore[override]
        """Count ``metric`` and decay the groups' lrs if due (torch's rules, which timm uses)."""
        groups = self.optimizer.param_groups
        self.levels = [float(group["lr"]) for group in groups]
        if len(self.min_lrs) != len(groups):
            # A group added since: torch gives every group the single min_lr it was built with.
            self.min_lrs = [self._lr_min] * len(groups)
        before = list(self.levels)
        if metric is not None and self.observe(metric):
            for group, old, new in zip(groups, before, self.levels, strict=True):
                if new != old:
                    _write_field(group, "lr", new)
        if epoch is not None:
            self.last_epoch = epoch  # torch's (deprecated) explicit epoch
        self._last_lr = [float(group["lr"]) for group in groups]


class PlateauLRScheduler(Scheduler):
    """Decay the lr when a metric plateaus (torch's rules), with warmup and noise, as timm's.

    As timm's: ``restore_lr`` holds the lrs from before the last noise, put back at the next
    step past the warmup; the lrs the plateau decays are the groups' own. Unlike timm's, it is
    not deprecated: ``state_dict()`` holds, beside timm's ``best`` and ``last_epoch``, the
    bad-epoch and cooldown counters and ``restore_lr``, so a resumed run continues exactly.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        decay_rate: float = 0.1,
        patience_t: int = 10,
        threshold: float = 1e-4,
        cooldown_t: int = 0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        lr_min: float = 0.0,
        mode: str = "max",
        noise_range_t: NoiseRange = None,
        noise_type: str = "normal",
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int | None = None,
        initialize: bool = True,
    ) -> None:
        # Every argument is checked before the optimizer changes (the noise's with the noise off).
        decay_rate = _plain("decay_rate", decay_rate)
        patience_t = _plain("patience_t", patience_t)
        threshold = _plain("threshold", threshold)
        cooldown_t = _plain("cooldown_t", cooldown_t)
        warmup_t = _plain("warmup_t", warmup_t)
        warmup_lr_init = _plain("warmup_lr_init", warmup_lr_init)
        lr_min = _plain("lr_min", lr_min)
        noise_range_t = _plain("noise_range_t", noise_range_t)
        noise_pct = _plain("noise_pct", noise_pct)
        noise_std = _plain("noise_std", noise_std)
        noise_seed = _plain("noise_seed", noise_seed)
        initialize = v.flag("initialize", initialize)
        _check_groups(optimizer, "lr", initialize)
        Warmup(Constant(), warmup_t=warmup_t, warmup_lr_init=warmup_lr_init)
        _noise_node(noise_range_t, noise_pct, noise_std, 42 if noise_seed is None else noise_seed, noise_type)
        with _unchanged_on_error(optimizer):
            with v.renamed(
                factor="decay_rate", patience="patience_t", cooldown="cooldown_t", min_lr="lr_min"
            ):
                plateau = _TimmPlateau(
                    optimizer,
                    mode=mode,
                    factor=decay_rate,
                    patience=patience_t,
                    threshold=threshold,
                    cooldown=cooldown_t,
                    lr_min=lr_min,
                    nonfinite="count",  # torch counts a NaN metric as a bad epoch; timm inherits that
                    distributed=False,  # timm's train.py reduces its metrics across ranks itself
                )
            super().__init__(
                optimizer,
                "lr",
                noise_range_t=noise_range_t,
                noise_type=noise_type,
                noise_pct=noise_pct,
                noise_std=noise_std,
                noise_seed=noise_seed,
                initialize=initialize,
            )
            self.lr_scheduler = plateau
            self.warmup_t = warmup_t
            self.warmup_lr_init = warmup_lr_init
            self.warmup_steps = self._warmup_steps()
            if self.warmup_t:
                super().update_groups(self.warmup_lr_init)
            self.restore_lr: list[float] | None = None

    def _warmup_steps(self) -> list[Any]:
        """timm's ``warmup_steps``: the ramp's slope per group, up to its base (1 each without a warmup)."""
        if not self.warmup_t:
            return [1 for _ in self.base_values]
        return [(value - self.warmup_lr_init) / self.warmup_t for value in self.base_values]

    def step(self, epoch: float, metric: float | None = None) -> None:  # type: ignore[override]
        """timm's plateau step: the warmup through ``epoch <= warmup_t``, then restore, decide, noise."""
        epoch = _time_arg("epoch", epoch)
        groups = self.optimizer.param_groups
        if epoch <= self.warmup_t:
            # timm's ramp (with no warmup, warmup_lr_init + epoch * 1 at its only epoch, 0).
            super().update_groups([self.warmup_lr_init + epoch * s for s in self.warmup_steps])
        else:
            if self.restore_lr is not None:
                # The lrs from before the last noise, so the plateau decays those, not noised ones.
                for group, lr in zip(groups, self.restore_lr, strict=False):
                    _write_field(group, "lr", lr)
                self.restore_lr = None
            if metric is not None:
                self.lr_scheduler.step(metric)
            if self._is_apply_noise(epoch):
                self._apply_noise(epoch)
        self._t = self._ticks = epoch
        self._last["lr"] = [float(group["lr"]) for group in groups]

    def step_update(self, num_updates: float, metric: float | None = None) -> None:
        return None

    def _rebased(self, scale: Callable[[float], float]) -> None:
        # In the warmup the ramp to the new bases; past it, the levels the plateau reached (the
        # groups' own lrs, and those from before the last noise) scale alike.
        self.warmup_steps = self._warmup_steps()
        self.lr_scheduler.base_lrs = [scale(b) for b in self.lr_scheduler.base_lrs]
        groups = self.optimizer.param_groups
        if self.warmup_t and self._t <= self.warmup_t:
            Scheduler.update_groups(self, [self.warmup_lr_init + self._t * s for s in self.warmup_steps])
        else:
            for group in groups:
                _write_field(group, "lr", scale(group["lr"]))
            if self.restore_lr is not None:
                self.restore_lr = [scale(lr) for lr in self.restore_lr]
        self._last["lr"] = [float(group["lr"]) for group in groups]

    def _apply_noise(self, epoch: float) -> None:
        """Noise every group's lr, keeping the lrs before it in ``restore_lr`` (timm's method)."""
        noise = self._calculate_noise(epoch)
        restore_lr = []
        for group in self.optimizer.param_groups:
            old_lr = float(group["lr"])
            restore_lr.append(old_lr)
            _write_field(group, "lr", old_lr + old_lr * noise)
        self.restore_lr = restore_lr

    def _get_lr(self, t: float) -> list[float]:
        raise TypeError(
            "a plateau schedule depends on the metrics seen, not on t alone; it has no _get_lr(t)"
        )

    def get_epoch_values(self, epoch: float) -> list[float] | None:
        return None

    def get_update_values(self, num_updates: float) -> list[float] | None:
        return None

    # -- checkpoints --------------------------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        """The settings a checkpoint must share, by the names timm's constructor gives them."""
        plateau = self.lr_scheduler
        min_lrs = list(plateau.min_lrs)
        return {
            "decay_rate": plateau.factor,
            "patience_t": plateau.patience,
            "threshold": plateau.threshold,
            "cooldown_t": plateau.cooldown,
            "warmup_t": self.warmup_t,
            "warmup_lr_init": self.warmup_lr_init,
            "lr_min": min_lrs[0] if min_lrs and min_lrs == [min_lrs[0]] * len(min_lrs) else min_lrs,
            "mode": plateau.mode,
            "noise_range_t": _copied(self.noise_range_t),
            "noise_type": self.noise_type,
            "noise_pct": self.noise_pct,
            "noise_std": self.noise_std,
            "noise_seed": self.noise_seed,
        }

    def state_dict(self) -> dict[str, Any]:
        """timm's ``best`` and ``last_epoch``, and under ``"lrkit"`` all the rest a resumed run needs."""
        plateau = self.lr_scheduler
        return {
            "best": plateau.best,
            "last_epoch": plateau.last_epoch,
            LRKIT_KEY: {
                "format": _PLATEAU_FORMAT,
                "settings": self._settings(),
                "num_bad_epochs": plateau.num_bad_epochs,
                "cooldown_counter": plateau.cooldown_counter,
                "levels": list(plateau.levels),
                "restore_lr": _copied(self.restore_lr),
                "base_values": _copied(self.base_values),
                "warmup_steps": _copied(self.warmup_steps),
                "t": self._t,
                "ticks": self._ticks,
                "last": {field: list(values) for field, values in self._last.items()},
            },
        }

    def load_state_dict(
        self, state_dict: Mapping[str, Any], *, reschedule: bool = False
    ) -> list[Rescheduled] | None:
        """Continue from a state saved here or by timm (whose ``best`` and ``last_epoch`` are all it has).

        From timm's state, as in timm, the counters and the lrs are this scheduler's and the
        optimizer's. From the twin's, everything; settings that differ are refused with
        ``ValueError`` naming each, and nothing changes, unless ``reschedule=True``: then the
        run continues under this scheduler's settings, the change logged on the ``lrkit``
        logger (the lrs are the optimizer's, so the list of changed values returned is empty).
        """
        v.flag("reschedule", reschedule)
        if not isinstance(state_dict, Mapping) or "best" not in state_dict:
            raise ValueError(
                "cannot load this plateau state: it has no 'best' (timm's plateau state holds "
                f"'best' and 'last_epoch'), got {state_dict!r}"
            )
        lrkit_state = state_dict.get(LRKIT_KEY)
        changed = []
        if lrkit_state is not None:
            if not isinstance(lrkit_state, Mapping) or lrkit_state.get("format") != _PLATEAU_FORMAT:
                raise ValueError(
                    f"cannot load this plateau state: its {LRKIT_KEY!r} entry is not lrkit.timm's "
                    f"PlateauLRScheduler state (format {_PLATEAU_FORMAT!r} expected)"
                )
            saved = lrkit_state["settings"]
            problems = [f"the checkpoint has no {key}" for key in self._settings() if key not in saved]
            groups = len(self.base_values)
            if len(lrkit_state["levels"]) != groups:
                problems.append(f"{len(lrkit_state['levels'])} param groups in the checkpoint, {groups} here")
            changed = _changed_settings(saved, self._settings())
            if problems or (changed and not reschedule):
                hint = (
                    "" if problems else "; give reschedule=True to continue under this scheduler's settings"
                )
                raise ValueError("cannot load this plateau state: " + "; ".join(problems + changed) + hint)
        plateau = self.lr_scheduler
        plateau.best = state_dict["best"]
        if "last_epoch" in state_dict:
            plateau.last_epoch = state_dict["last_epoch"]
        if lrkit_state is not None:
            plateau.num_bad_epochs = lrkit_state["num_bad_epochs"]
            plateau.cooldown_counter = lrkit_state["cooldown_counter"]
            plateau.levels = [float(x) for x in lrkit_state["levels"]]
            self.restore_lr = _copied(lrkit_state["restore_lr"])
            self.base_values = _copied(lrkit_state["base_values"])
            self.warmup_steps = _copied(lrkit_state["warmup_steps"])
            if changed:
                self.warmup_steps = self._warmup_steps()
            self._t, self._ticks = lrkit_state["t"], lrkit_state["ticks"]
            self._last = {field: list(values) for field, values in lrkit_state["last"].items()}
        if not reschedule:
            return None
        if changed:
            _log.warning("continuing under new settings (%s)", "; ".join(changed))
        return []


# -- the factory ------------------------------------------------------------------------------


def scheduler_kwargs(cfg: Any, decreasing_metric: bool | None = None) -> dict[str, Any]:
    """Keyword arguments for :func:`create_scheduler_v2` from argparse args or a config object."""
    return recipes.scheduler_kwargs(cfg, decreasing_metric)


#: ``create_scheduler_v2``'s arguments by the names of timm's ``train.py`` flags (``args``).
_ARGS_NAMES = {
    "num_epochs": "epochs",
    "noise": "lr_noise",
    "noise_pct": "lr_noise_pct",
    "noise_std": "lr_noise_std",
    "noise_seed": "seed",
    "cycle_mul": "lr_cycle_mul",
    "cycle_decay": "lr_cycle_decay",
    "cycle_limit": "lr_cycle_limit",
    "k_decay": "lr_k_decay",
    "decay_fn": "lr_decay_fn",
    "stable_timescale": "lr_stable_timescale",
}

#: The class arguments that ``create_scheduler_v2``'s arguments become, by ``sched``.
_FACTORY_NAMES = {
    "t_in_epochs": "step_on_epochs",
    "t_initial": "num_epochs",
    "warmup_t": "warmup_epochs",
    "warmup_lr_init": "warmup_lr",
    "lr_min": "min_lr",
    "noise_range_t": "noise",
}
_FACTORY_NAMES_BY_SCHED = {
    "poly": {"power": "decay_rate"},
    "step": {"decay_t": "decay_epochs"},
    "wsd": {"decay_t": "decay_epochs"},
    "rsqrt": {"decay_t": "decay_epochs"},
    "multistep": {"decay_t": "decay_milestones"},
    "plateau": {"patience_t": "patience_epochs", "mode": "plateau_mode"},
}


def create_scheduler(
    args: Any, optimizer: torch.optim.Optimizer, updates_per_epoch: int = 0
) -> tuple[Any, int]:
    """Build the scheduler timm's ``train.py`` builds from its flags: ``(scheduler, num_epochs)``.

    A bad flag is refused under its attribute's name (``lr_noise``, ``sched_on_updates``).
    """
    # timm negates this flag as it reads it, which would turn any value into a bool.
    v.flag("sched_on_updates", getattr(args, "sched_on_updates", False))
    with v.renamed(**_ARGS_NAMES):
        return create_scheduler_v2(
            optimizer=optimizer, **scheduler_kwargs(args), updates_per_epoch=updates_per_epoch
        )


def create_scheduler_v2(
    optimizer: torch.optim.Optimizer,
    sched: str = "cosine",
    num_epochs: int = 300,
    decay_epochs: float | None = None,
    decay_milestones: list[int] = (90, 180, 270),
    cooldown_epochs: int = 0,
    patience_epochs: int = 10,
    decay_rate: float = 0.1,
    min_lr: float = 0.0,
    warmup_lr: float = 1e-5,
    warmup_epochs: int = 0,
    warmup_prefix: bool = False,
    noise: float | list[float] | None = None,
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
) -> tuple[Any, int]:
    """A scheduler by name, as timm's factory builds it, and the number of epochs to train.

    ``sched`` is one of 'cosine', 'tanh', 'step', 'constant', 'multistep', 'plateau', 'poly',
    'wsd', 'rsqrt' or 'none' (no scheduler: ``None``); any other name raises ``ValueError``.
    Lengths are in epochs and become updates when ``step_on_epochs`` is False. The epoch count
    returned includes cycles, a warmup prefix and cooldown, as timm's does.
    """
    # The signature above is timm's, spelled out for drop-in use; the plan takes the same names.
    arguments = {key: _plain(key, value) for key, value in locals().items() if key != "optimizer"}
    for key in ("warmup_prefix", "step_on_epochs"):
        arguments[key] = v.flag(key, arguments[key])
    # The plan and the class it names speak of the class's arguments; errors name the factory's.
    names = {**_FACTORY_NAMES, **_FACTORY_NAMES_BY_SCHED.get(sched, {})} if isinstance(sched, str) else {}
    with v.renamed(**names):
        planned = recipes.plan(**arguments)
        if planned.name == "none":
            return None, planned.num_epochs
        if planned.name == "plateau":
            return PlateauLRScheduler(optimizer, **planned.kwargs), planned.num_epochs
        cls = _CLASSES[planned.name]
        return cls(optimizer, **planned.kwargs, t_in_epochs=planned.step_on_epochs), planned.num_epochs


_CLASSES: dict[str, type[Scheduler]] = {
    "cosine": CosineLRScheduler,
    "tanh": TanhLRScheduler,
    "poly": PolyLRScheduler,
    "step": StepLRScheduler,
    "multistep": MultiStepLRScheduler,
    "wsd": WSDLRScheduler,
}
