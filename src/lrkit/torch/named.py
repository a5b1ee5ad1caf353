"""Drivers built from a torch or transformers name, with the API and checkpoints of torch's class.

A job migrating from ``torch.optim.lr_scheduler.StepLR`` (or from transformers'
``get_scheduler``, which returns a torch ``LambdaLR``) to ``lrkit.create("StepLR", ...)`` keeps
the code around the scheduler: it reads ``base_lrs``, ``step_size``, ``_last_lr``; it sets
``last_epoch`` to resume; it steps with ``step()`` or, for warm restarts, ``step(epoch + i /
iters)``; it loads the checkpoint its old scheduler saved. :class:`NamedScheduler` is the
:class:`~lrkit.torch.Scheduler` that :func:`lrkit.create` builds for those names, and it does
all of that with torch's meaning, while every value is still the schedule evaluated afresh.

Checkpoints. torch's ``state_dict()`` is the scheduler's ``__dict__``: its constructor's
settings under torch's attribute names, the step count, the base lrs. To speak that format
exactly, the driver builds torch's own class once, at construction, on a copy of the param
groups, and keeps only the settings it saved (so nothing here restates torch's attribute
names or defaults). A torch checkpoint whose settings differ is refused, naming each; one from
another class is refused, naming what it holds that this class does not. The driver's own
``state_dict()`` holds torch's keys with torch's values plus lrkit's state under ``"lrkit"``,
so torch's class can load it too (except ``SequentialLR`` and ``ChainedScheduler``, whose torch
state holds one state per inner torch scheduler, which lrkit's schedules are not).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping
from typing import Any

import torch
from torch.optim import lr_scheduler

from lrkit import checks as v
from lrkit.recipes.registry import Recipe
from lrkit.recipes.torch import MOMENTUM
from lrkit.schedule import Schedule
from lrkit.torch.scheduler import _FORMAT, Rescheduled, Scheduler, _changed_settings, _time

__all__ = ["NamedScheduler", "driver_for"]

#: The torch class behind each source's names: torch's own, or transformers' LambdaLR.
_TORCH_CLASS: dict[str, Callable[[str], str]] = {
    "torch": lambda name: name,
    "transformers": lambda name: "LambdaLR",
}

# What torch's state holds that moves with time (or with the optimizer), as opposed to the
# settings it was built with, which must match for a checkpoint to continue.
_MOVING = frozenset(
    {
        "base_lrs",
        "last_epoch",
        "_step_count",
        "_last_lr",
        "_is_initial",
        "_get_lr_called_within_step",
        "verbose",
        "T_cur",
        "T_i",
        "lr_lambdas",
        "_schedulers",
        "lrkit",
    }
)
# torch's step() of these takes no epoch; MultiplicativeLR's multiplies the lr the group holds.
_NO_EPOCH = frozenset({"SequentialLR", "ChainedScheduler"})


class _Multiplier:
    """A group's ``lr_lambda``: the schedule's value over the group's base (what LambdaLR multiplies)."""

    def __init__(self, schedule: Schedule, base: float) -> None:
        self.schedule = schedule
        self.base = base

    def __call__(self, step: float) -> float:
        if self.base:
            return float(self.schedule(step, self.base)) / self.base
        return float(self.schedule(step, 1.0))

    def __repr__(self) -> str:
        return f"lr_lambda({self.schedule!r}, base={self.base!r})"


class _Mirror(torch.optim.Optimizer):
    """A copy of an optimizer's param groups, for torch's class to be built on without touching it."""

    def __init__(self, optimizer: torch.optim.Optimizer) -> None:
        groups = []
        for group in optimizer.param_groups:
            copy = {
                k: (value.detach().clone() if isinstance(value, torch.Tensor) else value)
                for k, value in group.items()
                if k != "params"
            }
            groups.append({**copy, "params": [torch.empty(0, requires_grad=True)]})
        super().__init__(groups, dict(optimizer.defaults))

    def step(self, closure: Any = None) -> None:  # pragma: no cover - never stepped
        return None


class NamedScheduler(Scheduler):
    """A :class:`~lrkit.torch.Scheduler` for a torch or transformers name, with torch's API.

    Stepping contract, torch's: construction writes the values at step 0 and leaves
    ``last_epoch == 0``; each bare ``step()`` advances one step; ``step(epoch)`` sets the step
    to ``epoch`` (any number >= 0, fractions included, as ``CosineAnnealingWarmRestarts``
    documents ``step(epoch + i / iters)``) and writes the values there. Setting ``last_epoch``
    moves only the count; the next ``step()`` evaluates at ``last_epoch + 1``.
    ``SequentialLR`` and ``ChainedScheduler`` take no epoch (torch's neither), and
    ``MultiplicativeLR.step(epoch)`` is refused: torch multiplies whatever lr the group holds by
    ``lr_lambda(epoch)``, a value no function of the epoch gives.

    Attributes: torch's (``base_lrs``, ``last_epoch``, ``_step_count``, ``_last_lr``,
    ``get_lr()``) and the settings torch's class keeps (``step_size``, ``gamma``,
    ``milestones``, ``total_steps``, ``T_0``, ...; ``lr_lambdas`` for ``LambdaLR``,
    ``MultiplicativeLR`` and transformers' names). The settings are read-only information:
    the schedule was built from the arguments, and changing them does not rebuild it.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        recipe: Recipe,
        arguments: Mapping[str, Any],
        *,
        unit: str = "update",
        updates_per_epoch: int | None = None,
        capturable: bool = False,
        **fields: Any,
    ) -> None:
        self.recipe = recipe
        self.arguments = dict(arguments)
        self.torch_class = _TORCH_CLASS[recipe.source](recipe.name)
        # torch's class, built before anything is written, on a copy of the groups as they are.
        self._settings, self._no_settings, self._fixed_bases = _torch_settings(
            self.torch_class, optimizer, recipe, self.arguments
        )
        super().__init__(
            optimizer, unit=unit, updates_per_epoch=updates_per_epoch, capturable=capturable, **fields
        )
        if self.torch_class == "CosineAnnealingWarmRestarts":
            self._step_count = 0  # torch's step() of warm restarts never counts
        if self.torch_class == "OneCycleLR" and self._own_peaks():
            groups = optimizer.param_groups
            if any("max_lr" in g for g in groups):
                # An optimizer restored from a one-cycle checkpoint holds torch's keys: its
                # initial_lr is where the cycle starts, its max_lr the peak that lrkit's base is.
                field = self._field("lr")
                field.bases = [float(g.get("max_lr", b)) for g, b in zip(groups, field.bases, strict=True)]
                field.prepare(groups)
                self._apply(0)
        self._write_torch_keys()
        for key, value in self._settings.items():
            if not key.startswith("_") or key in ("_milestones", "_schedule_phases", "_anneal_func_type"):
                object.__setattr__(self, key, value)
        if self.torch_class in ("LambdaLR", "MultiplicativeLR"):
            function = self.arguments.get("lr_lambda")
            self.lr_lambdas = (
                [function] * self._num_groups
                if callable(function)
                else [_Multiplier(s, b) for s, b in zip(self.schedules("lr"), self.base_lrs, strict=True)]
            )

    # -- torch's stepping -----------------------------------------------------------------------

    def _own_peaks(self) -> bool:
        return self.arguments.get("max_lr") is None

    def _write_torch_keys(self) -> None:
        """The group keys torch's OneCycleLR keeps, and reads back from an optimizer's state."""
        if self.torch_class != "OneCycleLR":
            return
        div = float(self.arguments.get("div_factor", 25.0))
        final = float(self.arguments.get("final_div_factor", 1e4))
        peaks = self.base_lrs if self._own_peaks() else [float(self.arguments["max_lr"])] * self._num_groups
        cycled = self.arguments.get("cycle_momentum", True)
        for group, peak in zip(self.optimizer.param_groups, peaks, strict=True):
            group["max_lr"] = peak
            group["initial_lr"] = peak / div
            group["min_lr"] = group["initial_lr"] / final
            if cycled:
                group["max_momentum"] = float(self.arguments.get("max_momentum", 0.95))
                group["base_momentum"] = float(self.arguments.get("base_momentum", 0.85))

    def step(self, epoch: float | None = None, metric: float | None = None) -> None:  # type: ignore[override]
        """One step (``epoch=None``), or to step ``epoch``, as torch's ``scheduler.step`` does."""
        if epoch is None:
            if self.torch_class == "CosineAnnealingWarmRestarts":
                self._step_count -= 1
            super().step(None, metric)
            return
        name = self.torch_class
        if name in _NO_EPOCH:
            raise TypeError(f"{name}.step() takes no epoch, in torch as here: call step()")
        if name == "MultiplicativeLR":
            raise ValueError(
                "MultiplicativeLR.step(epoch) is refused: torch multiplies whatever lr the group "
                "holds by lr_lambda(epoch) once, which is no function of the epoch; call step() "
                "once per step (or set last_epoch, then step())"
            )
        epoch = _time("epoch", epoch)
        # Written first: a refused time or value leaves the count, the time and the metric as they were.
        self._advance(epoch, self._time_of_ticks(epoch))
        self.metric = metric
        self._step_count += name != "CosineAnnealingWarmRestarts"

    @property
    def last_epoch(self) -> float:  # type: ignore[override]
        """torch's step count, the ``floor`` of a fractional epoch for warm restarts as torch keeps it."""
        if self.torch_class == "CosineAnnealingWarmRestarts":
            return math.floor(self._ticks)
        return self._ticks

    @last_epoch.setter
    def last_epoch(self, value: float) -> None:
        Scheduler.last_epoch.fset(self, value)  # type: ignore[attr-defined]

    @property
    def T_cur(self) -> float:  # noqa: N802 - torch's name
        """Steps into the current restart cycle (``CosineAnnealingWarmRestarts``)."""
        return self._restart_position()[0]

    @property
    def T_i(self) -> float:  # noqa: N802 - torch's name
        """The current restart cycle's length (``CosineAnnealingWarmRestarts``)."""
        return self._restart_position()[1]

    def _restart_position(self) -> tuple[float, float]:
        if self.torch_class != "CosineAnnealingWarmRestarts":
            raise AttributeError(f"{self.torch_class} has no restart cycles (T_cur, T_i)")
        t = max(self._ticks, 0)
        t_0, t_mult = self._settings["T_0"], self._settings["T_mult"]
        # torch's own arithmetic in CosineAnnealingWarmRestarts.step(epoch).
        if t < t_0:
            return t, t_0
        if t_mult == 1:
            return t % t_0, t_0
        n = int(math.log(t / t_0 * (t_mult - 1) + 1, t_mult))
        cur = t - t_0 * (t_mult**n - 1) / (t_mult - 1)
        return (int(cur) if isinstance(t, int) and float(cur).is_integer() else cur), t_0 * t_mult**n

    def __repr__(self) -> str:
        parts = [repr(self.recipe.qualified), *(f"{k}={value!r}" for k, value in self.arguments.items())]
        return f"{type(self).__name__}({', '.join(parts)}; t={self._t!r})"

    # -- checkpoints ------------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """torch's state for this class, with torch's values, and lrkit's own under ``"lrkit"``."""
        state = dict(self._settings)
        state.update(
            base_lrs=self._torch_base_lrs(),
            last_epoch=self.last_epoch,
            _step_count=self._step_count,
            _is_initial=False,
            _get_lr_called_within_step=False,
            _last_lr=self.get_last_lr(),
        )
        if self.torch_class == "CosineAnnealingWarmRestarts":
            state["T_cur"], state["T_i"] = self._restart_position()
        if self.torch_class in ("LambdaLR", "MultiplicativeLR"):
            # torch saves a callable object's __dict__ and nothing for a function; lrkit's
            # schedule is in "lrkit", so torch's class gets nothing to update its lambdas with.
            state["lr_lambdas"] = [None] * self._num_groups
        state["lrkit"] = super().state_dict()
        return state

    def load_state_dict(  # type: ignore[override]
        self, state_dict: Mapping[str, Any], *, reschedule: bool = False
    ) -> list[Rescheduled] | None:
        """Restore lrkit's state, or continue from the state torch's class saved.

        A torch state continues at its step count (``last_epoch``, and for warm restarts the
        fraction in ``T_cur``) from its ``base_lrs``. Its settings must be this scheduler's;
        each that differs is named, and nothing changes. ``reschedule=True`` continues at the
        saved step under this scheduler's settings and reports the change, as for lrkit's own
        states (:meth:`lrkit.torch.Scheduler.load_state_dict`).
        """
        if isinstance(state_dict, Mapping) and isinstance(state_dict.get("lrkit"), Mapping):
            report = super().load_state_dict(state_dict["lrkit"], reschedule=reschedule)
            if "_step_count" in state_dict:
                self._step_count = int(state_dict["_step_count"])
        elif isinstance(state_dict, Mapping) and state_dict.get("format") == _FORMAT:
            report = super().load_state_dict(state_dict, reschedule=reschedule)
        else:
            report = self._load_torch(state_dict, reschedule)
        self._write_torch_keys()
        return report

    def _load_torch(self, state: Any, reschedule: bool) -> list[Rescheduled] | None:
        name = self.torch_class
        bases = _torch_bases(state)
        time = _torch_time(state)
        if bases is None or time is None:
            held = ", ".join(map(repr, state)) if isinstance(state, Mapping) else type(state).__name__
            raise ValueError(
                f"not a state_dict of torch's {name} nor of lrkit: it has no last_epoch and "
                f"base_lrs (it holds {held})"
            )
        problems = []
        if len(bases) != self._num_groups:
            problems.append(f"{len(bases)} param groups in the checkpoint, {self._num_groups} here")
        if not self._no_settings:
            foreign = sorted(k for k in state if k not in _MOVING and k not in self._settings)
            if foreign:
                problems.append(
                    f"the checkpoint holds {', '.join(foreign)}, which torch's {name} does not: "
                    "it was saved by another scheduler"
                )
            missing = sorted(k for k in self._settings if k not in state)
            if missing:
                problems.append(f"the checkpoint lacks {', '.join(missing)}, which torch's {name} saves")
        differ = _changed_settings(state, self._settings)
        if not reschedule:
            problems.extend(differ)
        if problems:
            hint = (
                "; give reschedule=True to continue under the new settings"
                if differ and not reschedule
                else ""
            )
            raise ValueError(f"cannot load this {name} state: " + "; ".join(problems) + hint)
        # Everything is checked before anything is assigned: a refused load changes nothing.
        t: float = _time("last_epoch", max(v.real_or_int("last_epoch", time, minimum=-1.0), 0))
        if name == "CosineAnnealingWarmRestarts" and "T_cur" in state:
            cur = v.real("T_cur", state["T_cur"], minimum=0.0)
            t = t + (cur - math.floor(cur))
        checked = [v.real(f"base_lrs[{i}]", b, minimum=0.0) for i, b in enumerate(bases)]
        count = v.integer("_step_count", state.get("_step_count", self._step_count), minimum=0)
        groups = self.optimizer.param_groups
        before = [float(g["lr"]) for g in groups]
        field = self._field("lr")
        kept = (list(field.bases), [g.get(field.initial_key) for g in groups], self._step_count, self._ticks)
        try:
            if self._fixed_bases is None:
                # An absolute max_lr (OneCycleLR) or base_lr (CyclicLR) makes the bases moot.
                field.bases = [self._base_from_torch(b) for b in checked]
            for group, base in zip(groups, field.bases, strict=True):
                group[field.initial_key] = base
            field.prepare(groups)
            self._step_count = count
            self._ticks = t
            self._apply(self._time_of_ticks(t))
        except BaseException:
            field.bases, initial, self._step_count, self._ticks = kept
            for group, value in zip(groups, initial, strict=True):
                group[field.initial_key] = value
            field.prepare(groups)
            raise
        if not reschedule:
            return None
        report = [
            Rescheduled("lr", i, t, b, a)
            for i, (b, a) in enumerate(zip(before, self.get_last_lr(), strict=True))
        ]
        return report if differ else []

    def _torch_base_lrs(self) -> list[float]:
        if self._fixed_bases is not None:
            return list(self._fixed_bases)
        bases = self.base_lrs
        if self.torch_class == "OneCycleLR":
            # torch's base lr is where the cycle starts; lrkit's base is its peak.
            return [b / self._settings_div() for b in bases]
        return bases

    def _base_from_torch(self, base: float) -> float:
        if self.torch_class == "OneCycleLR":
            return base * self._settings_div()
        return base

    def _settings_div(self) -> float:
        return float(self.arguments.get("div_factor", 25.0))


def _torch_time(state: Any) -> float | None:
    """A torch state's step count: its own, or for ChainedScheduler its first child's."""
    if not isinstance(state, Mapping):
        return None
    if "last_epoch" in state:
        return state["last_epoch"]
    children = state.get("_schedulers")
    if isinstance(children, list) and children and isinstance(children[0], Mapping):
        return _torch_time(children[0])
    return None


def _torch_bases(state: Any) -> list[float] | None:
    """A torch state's base lrs: its own, or for SequentialLR and ChainedScheduler its first child's."""
    if not isinstance(state, Mapping):
        return None
    if "base_lrs" in state:
        return list(state["base_lrs"])
    children = state.get("_schedulers")
    if isinstance(children, list) and children and isinstance(children[0], Mapping):
        return _torch_bases(children[0])
    return None


def _torch_settings(
    name: str, optimizer: torch.optim.Optimizer, recipe: Recipe, arguments: Mapping[str, Any]
) -> tuple[dict[str, Any], bool, list[float] | None]:
    """The settings torch's ``name`` saves when built from ``arguments``, whether it could not be
    built, and its base lrs where an absolute argument fixes them.

    Built on a copy of the groups, so torch's class writes nothing the caller sees.
    """
    kwargs = dict(arguments)
    if recipe.source != "torch":
        # transformers' names are a LambdaLR: it saves no settings, only the time.
        return {}, False, None
    if name in _NO_EPOCH:
        # Their arguments are lrkit schedules, not torch schedulers; the milestones are all
        # torch keeps of its own.
        return ({"_milestones": list(kwargs["milestones"])} if "milestones" in kwargs else {}), True, None
    mirror = _Mirror(optimizer)
    bases = [float(g.get("initial_lr", g["lr"])) for g in mirror.param_groups]
    if name == "OneCycleLR" and kwargs.get("max_lr") is None:
        kwargs["max_lr"] = bases
    if name == "CyclicLR" and kwargs.get("base_lr") is None:
        kwargs["base_lr"] = bases
    cls = getattr(lr_scheduler, name)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            built = cls(mirror, **kwargs)
    except (TypeError, ValueError, KeyError):
        return {}, True, None
    state = built.state_dict()
    settings = {k: value for k, value in state.items() if k not in _MOVING}
    absolute = (name == "OneCycleLR" and arguments.get("max_lr") is not None) or (
        name == "CyclicLR" and arguments.get("base_lr") is not None
    )
    return settings, False, (list(state["base_lrs"]) if absolute else None)


def optimizer_fields(
    fields: Mapping[str, Schedule], optimizer: torch.optim.Optimizer, who: str, what: str, fix: str
) -> dict[str, Schedule]:
    """``fields`` under the names ``optimizer``'s groups hold them: a momentum is Adam's ``beta1``.

    A framework's "momentum" is the first beta where the optimizer has betas, as torch's
    one-cycle and mmengine's momentum schedulers decide; an optimizer with neither is refused,
    ``who`` and ``what`` saying which schedule asked for it and ``fix`` how to do without.
    """
    out = {}
    for name, schedule in fields.items():
        if name == MOMENTUM:
            defaults = getattr(optimizer, "defaults", {})
            if "betas" in defaults:
                name = "beta1"
            elif "momentum" not in defaults:
                raise ValueError(
                    f"{who} {what}, and {type(optimizer).__name__} has neither momentum nor betas: {fix}"
                )
        out[name] = schedule
    return out


def driver_for(
    recipe: Recipe,
    arguments: Mapping[str, Any],
    schedule: Schedule,
    optimizer: torch.optim.Optimizer,
    *,
    unit: str | None = None,
    updates_per_epoch: int | None = None,
    capturable: bool = False,
    **fields: Schedule,
) -> Scheduler:
    """The driver :func:`lrkit.create` builds: torch's API for the sources that name torch classes.

    The recipe's other fields (torch's cycled momentum) are written beside the lr, into
    ``beta1`` where the optimizer's defaults hold ``betas``, as torch decides.
    """
    unit = unit or recipe.unit
    fields = dict(fields)
    extras = recipe.fields(**arguments) if recipe.fields else {}
    hint = "cycles the momentum (cycle_momentum=True, torch's default)"
    fields.update(optimizer_fields(extras, optimizer, recipe.qualified, hint, "give cycle_momentum=False"))
    if recipe.source in _TORCH_CLASS:
        return NamedScheduler(
            optimizer,
            recipe,
            arguments,
            unit=unit,
            updates_per_epoch=updates_per_epoch,
            capturable=capturable,
            lr=schedule,
            **fields,
        )
    return Scheduler(
        optimizer,
        unit=unit,
        updates_per_epoch=updates_per_epoch,
        capturable=capturable,
        lr=schedule,
        **fields,
    )
