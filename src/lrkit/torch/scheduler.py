"""The torch driver: writes schedule values into an optimizer's param groups.

One :class:`Scheduler` drives any number of param-group fields (``lr``, ``momentum``,
``weight_decay``, ``beta1``/``beta2`` of ``betas``, or any other number a group holds), with one
schedule for all groups or one per group. Time is explicit (timm's ``step(epoch)`` and
``step_update(num_updates)``) or counted (torch's bare ``step()``), and every value written is
the schedule evaluated afresh at that time (no recursion), so a resumed run reproduces the same
bits. Groups that share a schedule affine in the base get ``a(t) * base + b(t)`` from two
evaluations per step: equal to ``schedule(t, base)`` up to the last bits, and the cost of a
step stays near the bare assignment loop even with a thousand groups.
"""

from __future__ import annotations

import logging
import math
import operator
import warnings
from collections.abc import Container, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, ClassVar, NamedTuple

import torch
from torch.optim.lr_scheduler import LRScheduler

from lrkit import checks as v
from lrkit.schedule import SCALAR, Schedule, from_dict
from lrkit.tree import is_affine

__all__ = ["Rescheduled", "Scheduler"]

_FORMAT = "lrkit.torch.Scheduler/1"
_TUPLE_FIELDS = {"beta1": ("betas", 0), "beta2": ("betas", 1)}
_log = logging.getLogger("lrkit")


class Rescheduled(NamedTuple):
    """One group's value when a checkpoint is continued under a new schedule."""

    field: str
    group: int
    t: float
    before: float
    after: float


@dataclass
class _Field:
    """One scheduled param-group field: where it lives, its schedules and base values."""

    name: str
    key: str
    index: int | None
    schedules: tuple[Schedule, ...]
    bases: list[float]
    scaled: bool
    # Filled by prepare(): the groups of each distinct schedule, and how to write.
    _plan: list[tuple[Schedule, list[int], list[float], bool]] = dataclass_field(default_factory=list)
    _scales: list[float] | None = None
    _plain: bool = True

    @property
    def initial_key(self) -> str:
        return f"initial_{self.name}"

    def target(self, group: dict[str, Any]) -> Any:
        """The value this field has in ``group``."""
        return group[self.key] if self.index is None else group[self.key][self.index]

    def prepare(self, groups: list[dict[str, Any]]) -> None:
        """Work out once what every step repeats: who shares a schedule, scales, value kinds."""
        by_schedule: dict[int, tuple[Schedule, list[int]]] = {}
        for i, schedule in enumerate(self.schedules):
            by_schedule.setdefault(id(schedule), (schedule, []))[1].append(i)
        self._plan = [
            (schedule, members, [self.bases[i] for i in members], len(members) > 1 and is_affine(schedule))
            for schedule, members in by_schedule.values()
        ]
        scales = [float(g["lr_scale"]) if self.scaled and "lr_scale" in g else None for g in groups]
        self._scales = None if all(x is None for x in scales) else scales
        self._plain = self.index is None and not any(isinstance(g[self.key], torch.Tensor) for g in groups)

    def values(self, t: float) -> list[float]:
        """Every group's value at ``t`` (``t`` already checked)."""
        n = len(self.schedules)
        if n == 1:
            # float(): a user's function may hand back a NumPy or an int.
            value = float(self.schedules[0]._value(SCALAR, t, self.bases[0]))
            return [value] if self._scales is None else [value * self._scales[0]]
        if len(self._plan) == 1:
            schedule, _, bases, shared = self._plan[0]
            values = _evaluate(schedule, t, bases, shared)
        else:
            values = [0.0] * n
            for schedule, members, bases, shared in self._plan:
                for i, value in zip(members, _evaluate(schedule, t, bases, shared), strict=True):
                    values[i] = value
        if self._scales is not None:
            values = [v if s is None else v * s for v, s in zip(values, self._scales, strict=False)]
        return values

    def write(self, groups: list[dict[str, Any]], values: list[float]) -> None:
        # The group count was checked by the caller; strict zips cost more than the writes.
        if self._plain:
            key = self.key
            if len(values) == 1:
                groups[0][key] = values[0]
                return
            for group, value in zip(groups, values, strict=False):
                group[key] = value
        else:
            for group, value in zip(groups, values, strict=False):
                _write(group, self.key, self.index, value)


def _evaluate(schedule: Schedule, t: float, bases: list[float], shared: bool) -> list[float]:
    if shared:
        # An affine schedule is a(t) * base + b(t): two evaluations serve every group, which
        # keeps a step with a thousand groups near the cost of the bare assignment loop. The
        # result can differ from schedule(t, base) in the last bits; it is the same for the
        # same t, so a resumed run still writes the same values.
        offset = float(schedule._value(SCALAR, t, 0.0))
        slope = float(schedule._value(SCALAR, t, 1.0)) - offset
        return [slope * base + offset for base in bases]
    return [float(schedule._value(SCALAR, t, base)) for base in bases]


class Scheduler(LRScheduler):
    """Drive param-group fields of ``optimizer`` with lrkit schedules.

    >>> import torch, lrkit
    >>> from lrkit.torch import Scheduler
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = Scheduler(opt, lr=lrkit.step(decay_t=2, decay_rate=0.5))
    >>> [round(g["lr"], 6) for g in opt.param_groups]
    [0.1]
    >>> for epoch in range(1, 4):
    ...     sched.step(epoch)
    >>> sched.get_last_lr()
    [0.05]

    Args:
        optimizer: the optimizer whose ``param_groups`` are written.
        unit: what ``t`` counts in the schedules: ``"epoch"`` or ``"update"``.
        updates_per_epoch: with ``unit="epoch"``, lets ``step_update(n)`` evaluate at the
            fractional epoch ``n / updates_per_epoch`` (smooth per-update values); with
            ``unit="update"``, lets ``step(epoch)`` evaluate at ``epoch * updates_per_epoch``.
        capturable: keep the time in a tensor on the optimizer's device and fill every
            scheduled value (each a tensor in its group) from the schedule evaluated there, so
            that ``opt.step(); sched.step()`` compiles into one graph and replays in a CUDA
            graph (:mod:`lrkit.torch.capture`); torch's optimizers use the word for the same
            promise. A driver option: never read from, or written to, a param group.
        **fields: ``field=schedule`` or ``field=[schedule_per_group, ...]``. ``beta1`` and
            ``beta2`` address the ``betas`` pair.

    The base value of each group and field is ``group["initial_<field>"]``, set from the
    group's current value when missing (as timm and torch do). A group's ``lr_scale``
    multiplies its lr. Construction writes every value at ``t = 0``; it never steps or
    patches the optimizer. A tensor value (``lr=torch.tensor(1e-3)``) is updated in place.

    Stepping: ``step(epoch)`` is honoured when ``t`` counts epochs (or ``updates_per_epoch``
    converts it) and ignored otherwise; ``step_update(num_updates)`` likewise for updates.
    A training loop can call both, as timm's does, and the scheduler follows the one that
    matches its unit; the first call it ignores before the matching one was ever made warns
    once, since a loop that makes only that call would keep the first value for ever. A bare
    ``step()`` advances by one update when the scheduler knows updates (``unit="update"`` or
    ``updates_per_epoch`` given), else by one epoch; ``last_epoch`` is that count, and setting
    it (``sched.last_epoch = start_epoch - 1``, as YOLOv5 resumes) makes the next bare
    ``step()`` continue from there, as in torch.

    Groups added with ``optimizer.add_param_group`` after construction are scheduled from their
    own value when one schedule serves every group; with one schedule per group the next step
    raises ``RuntimeError``, since no schedule for the new group can be guessed.
    """

    #: The fields a group's ``lr_scale`` multiplies (timm's twin scales whichever it drives).
    _lr_scale_fields: tuple[str, ...] = ("lr",)
    #: Whether a ``step(epoch)`` or ``step_update(n)`` the unit makes a no-op warns (timm's
    #: twin keeps timm's silent rule).
    _warn_ignored: ClassVar[bool] = True

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        *,
        unit: str = "epoch",
        updates_per_epoch: int | None = None,
        capturable: bool = False,
        **fields: Schedule | Sequence[Schedule],
    ) -> None:
        # LRScheduler.__init__ is deliberately not called: it steps once and wraps
        # optimizer.step, neither of which a pure-function driver wants.
        if v.flag("capturable", capturable) and hasattr(optimizer, "param_groups"):
            from lrkit.torch.capture import check_capturable

            check_capturable(optimizer.param_groups, {n: _TUPLE_FIELDS.get(n, (n, None)) for n in fields})
        self._setup(optimizer, unit, updates_per_epoch, fields)
        if capturable:
            from lrkit.torch.capture import captured_class

            self.__class__ = captured_class(type(self))
            self._capture_setup()  # type: ignore[attr-defined]
        self._apply(0)

    def _setup(
        self,
        optimizer: torch.optim.Optimizer,
        unit: str,
        updates_per_epoch: int | None,
        fields: Mapping[str, Any],
    ) -> None:
        """Bind ``fields`` to ``optimizer`` without writing any value yet."""
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"optimizer must be a torch optimizer, got {optimizer!r}")
        if not fields:
            raise ValueError("give at least one field to schedule, e.g. Scheduler(optimizer, lr=schedule)")
        self.optimizer = optimizer
        self.unit = v.choice("unit", unit, ("epoch", "update"))
        self.updates_per_epoch = (
            None
            if updates_per_epoch is None
            else v.integer("updates_per_epoch", updates_per_epoch, minimum=1)
        )
        groups = optimizer.param_groups
        self._num_groups = len(groups)
        self._fields = [self._bind(name, value, groups) for name, value in fields.items()]
        # Only once every field is known to be valid does the optimizer change.
        for field in self._fields:
            for group, base in zip(groups, field.bases, strict=True):
                group.setdefault(field.initial_key, base)
            field.prepare(groups)
        self._ticks: float = 0
        self._t: float = 0
        self._last: dict[str, list[float]] = {}
        # torch's count of step() calls (1 after construction, as torch's initial step leaves
        # it); Accelerate reads and bumps it.
        self._step_count = 1
        self._honoured: set[str] = set()
        self._ignored_warned = False

    # -- construction -------------------------------------------------------------------------

    def _bind(self, name: str, value: Any, groups: list[dict[str, Any]]) -> _Field:
        key, index = _TUPLE_FIELDS.get(name, (name, None))
        bases = [_base_of(name, key, index, group, i) for i, group in enumerate(groups)]
        schedules = self._per_group(name, value)
        return _Field(name, key, index, schedules, bases, scaled=name in self._lr_scale_fields)

    def _adopt_groups(self, groups: list[dict[str, Any]]) -> None:
        """Schedule the groups ``optimizer.add_param_group`` added, or refuse before any change."""
        n, known = len(groups), self._num_groups
        if n < known:
            raise RuntimeError(
                f"the optimizer now has {n} param groups, the {type(self).__name__} was built for "
                f"{known}; groups cannot be removed under a scheduler: build a new one"
            )
        added = range(known, n)
        bases = {}
        for field in self._fields:
            if len({id(s) for s in field.schedules}) != 1:
                raise RuntimeError(
                    f"param group {known} was added after this {type(self).__name__} was built with "
                    f"one {field.name} schedule per group, and no schedule for it can be guessed; "
                    f"build a new scheduler with {field.name}=[...] for all {n} groups"
                )
            bases[field.name] = [_base_of(field.name, field.key, field.index, groups[i], i) for i in added]
        for field in self._fields:
            field.schedules = field.schedules + (field.schedules[0],) * len(added)
            field.bases = field.bases + bases[field.name]
            for i, base in zip(added, bases[field.name], strict=True):
                groups[i].setdefault(field.initial_key, base)
            field.prepare(groups)
        self._num_groups = n

    def _per_group(self, name: str, value: Any) -> tuple[Schedule, ...]:
        if isinstance(value, Schedule):
            return (value,) * self._num_groups
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            raise TypeError(f"{name} must be an lrkit schedule or a list of them, got {value!r}")
        if len(value) != self._num_groups:
            raise ValueError(
                f"{name}: got {len(value)} schedules for {self._num_groups} param groups; "
                "give one schedule, or one per group"
            )
        for i, schedule in enumerate(value):
            if not isinstance(schedule, Schedule):
                raise TypeError(f"{name}[{i}] must be an lrkit schedule, got {schedule!r}")
        return tuple(value)

    # -- stepping -----------------------------------------------------------------------------

    def step(self, epoch: float | None = None, metric: float | None = None) -> None:  # type: ignore[override]
        """Advance to ``epoch`` (timm style), or by one tick when no epoch is given (torch style)."""
        self.metric = metric
        self._step_count += 1
        if epoch is None:
            self._ticks += 1
            self._apply(self._time_of_ticks(self._ticks))
            return
        epoch = _time("epoch", epoch)
        upe = self.updates_per_epoch
        if self.unit == "epoch":
            self._ticks = epoch * upe if upe else epoch
            self._apply(epoch)
        elif upe:
            self._ticks = epoch * upe
            self._apply(epoch * upe)
        else:
            self._ignored("step")
            return
        self._honoured.add("step")

    def step_update(self, num_updates: float, metric: float | None = None) -> None:
        """Advance to ``num_updates`` optimizer updates (timm style)."""
        self.metric = metric
        num_updates = _time("num_updates", num_updates)
        if self.unit == "update":
            self._ticks = num_updates
            self._apply(num_updates)
        elif self.updates_per_epoch:
            self._ticks = num_updates
            self._apply(num_updates / self.updates_per_epoch)
        else:
            self._ignored("step_update")
            return
        self._honoured.add("step_update")

    def _ignored(self, call: str) -> None:
        # A loop that also makes the matching call (timm's makes both) is driven correctly: only
        # an ignored call before any matching one may be a loop that never moves the values.
        if not self._warn_ignored or self._honoured or self._ignored_warned:
            return
        name = type(self).__name__
        if call == "step":
            message = (
                f"{name}(unit='update') ignores step(epoch): it counts updates and does not know "
                "updates_per_epoch. Call step_update(num_updates) or a bare step() per update, "
                "or give updates_per_epoch= so that step(epoch) means epoch * updates_per_epoch"
            )
        else:
            message = (
                f"{name}(unit='epoch') ignores step_update(num_updates) without updates_per_epoch: "
                "its values move at step(epoch). Give updates_per_epoch= for per-update values; a "
                "loop that also calls step(epoch) at each epoch's end needs nothing more"
            )
        warnings.warn(message, UserWarning, stacklevel=3)
        self._ignored_warned = True

    def _time_of_ticks(self, ticks: float) -> float:
        if self.unit == "epoch" and self.updates_per_epoch:
            return ticks / self.updates_per_epoch
        return ticks

    def _apply(self, t: float) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != self._num_groups:
            self._adopt_groups(groups)
        time = float(t)
        last = self._last
        for field in self._fields:
            values = field.values(time)
            field.write(groups, values)
            last[field.name] = values
        self._t = t

    # -- reading ------------------------------------------------------------------------------

    @property
    def t(self) -> float:
        """The schedule time of the values last written."""
        return self._t

    @property
    def last_epoch(self) -> float:  # type: ignore[override]
        """The tick count (updates or epochs) that a bare ``step()`` continues from.

        Setting it moves only that count, as in torch: the values written change at the next
        ``step()``, which evaluates at ``last_epoch + 1``. ``-1`` is torch's "not started".
        """
        return self._ticks

    @last_epoch.setter
    def last_epoch(self, value: float) -> None:
        if isinstance(value, bool):
            raise TypeError(f"last_epoch must be a number, got {value!r}")
        try:
            number: float = operator.index(value)
        except TypeError:
            number = v.real("last_epoch", value)
        if not -1 <= number < math.inf:
            raise ValueError(f"last_epoch must be a finite number >= -1, got {value!r}")
        self._ticks = number

    @property
    def base_lrs(self) -> list[float]:
        """Each group's base lr (torch's name): what the lr schedule scales from."""
        for field in self._fields:
            if field.name == "lr":
                return list(field.bases)
        return [float(g.get("initial_lr", g["lr"])) for g in self.optimizer.param_groups]

    @base_lrs.setter
    def base_lrs(self, values: Sequence[float]) -> None:
        field = self._field("lr")
        if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
            raise TypeError(f"base_lrs must be a list of numbers, one per param group, got {values!r}")
        if len(values) != self._num_groups:
            raise ValueError(f"base_lrs: got {len(values)} values for {self._num_groups} param groups")
        bases = [v.real(f"base_lrs[{i}]", b, minimum=0.0) for i, b in enumerate(values)]
        field.bases = bases
        for group, base in zip(self.optimizer.param_groups, bases, strict=True):
            group[field.initial_key] = base
        field.prepare(self.optimizer.param_groups)

    @property
    def _last_lr(self) -> list[float]:
        return self.get_last_lr()

    def get_lr(self) -> list[float]:
        """The lr of each group at the current time, computed afresh (nothing is written)."""
        return self._field("lr").values(float(self._t))

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(field.name for field in self._fields)

    def schedules(self, field: str = "lr") -> tuple[Schedule, ...]:
        """The schedule of each param group for ``field``."""
        return self._field(field).schedules

    def get_last_lr(self) -> list[float]:
        """The lr of each group as last written (the group's current lr if lr is not scheduled)."""
        if "lr" in self._last:
            return list(self._last["lr"])
        return [float(group["lr"]) for group in self.optimizer.param_groups]

    def get_last_values(self, field: str = "lr") -> list[float]:
        """The values of ``field`` last written, one per group."""
        self._field(field)
        return list(self._last[field])

    def _field(self, name: str) -> _Field:
        for field in self._fields:
            if field.name == name:
                return field
        raise ValueError(f"field {name!r} is not scheduled; scheduled: {', '.join(self.fields)}")

    def __repr__(self) -> str:
        parts = []
        for field in self._fields:
            unique = set(field.schedules)
            shown = repr(field.schedules[0]) if len(unique) == 1 else repr(list(field.schedules))
            parts.append(f"{field.name}={shown}")
        upe = f", updates_per_epoch={self.updates_per_epoch}" if self.updates_per_epoch else ""
        return f"Scheduler({', '.join(parts)}, unit={self.unit!r}{upe}; t={self._t!r})"

    # -- checkpoints --------------------------------------------------------------------------

    def state_dict(self) -> dict[str, Any]:
        """Everything a resumed run needs: the time, the base values and what was scheduled."""
        return {
            "format": _FORMAT,
            "unit": self.unit,
            "updates_per_epoch": self.updates_per_epoch,
            "ticks": self._ticks,
            "t": self._t,
            "num_groups": self._num_groups,
            "fields": {
                field.name: {
                    "schedules": [_fingerprint(s) for s in field.schedules],
                    "bases": list(field.bases),
                }
                for field in self._fields
            },
        }

    def load_state_dict(
        self, state_dict: Mapping[str, Any], *, reschedule: bool = False
    ) -> list[Rescheduled] | None:
        """Restore a :meth:`state_dict` and write the values at its time into the optimizer.

        A state from a different schedule, field set, unit or number of param groups is
        refused with ``ValueError`` before anything changes: a checkpoint resumed under a
        schedule it was not saved with would jump to values no run of either schedule gives.

        ``reschedule=True`` is the deliberate exception (a run extended from 100 to 200 epochs,
        a cooldown re-planned): the saved time and bases continue under this scheduler's
        schedules, and the change is reported, per field and group, as the value the saved
        schedule gives at that time (or, when it does not rebuild, the group's current value)
        and the value written now. The report is returned and logged as a warning on the
        ``lrkit`` logger. The field set, unit and group count must still match.
        """
        state = state_dict
        if isinstance(state, Mapping) and isinstance(state.get("lrkit"), Mapping):
            state = state["lrkit"]  # a NamedScheduler's: torch's keys, and lrkit's state within
        if not isinstance(state, Mapping) or state.get("format") != _FORMAT:
            raise ValueError(_foreign(state))
        v.flag("reschedule", reschedule)
        problems = []
        if state["num_groups"] != self._num_groups:
            problems.append(f"{state['num_groups']} param groups in the checkpoint, {self._num_groups} here")
        for key in ("unit", "updates_per_epoch"):
            if state[key] != getattr(self, key):
                problems.append(f"{key} is {state[key]!r} in the checkpoint, {getattr(self, key)!r} here")
        saved_fields = state["fields"]
        if set(saved_fields) != set(self.fields):
            problems.append(f"fields {sorted(saved_fields)} in the checkpoint, {sorted(self.fields)} here")
        changed: list[tuple[_Field, int, Any]] = []
        if not problems:
            for field in self._fields:
                saved = saved_fields[field.name]["schedules"]
                mine = [_fingerprint(s) for s in field.schedules]
                for i, (a, b) in enumerate(zip(saved, mine, strict=True)):
                    if a != b and not _same_schedule(a, field.schedules[i]):
                        changed.append((field, i, a))
                        if not reschedule:
                            problems.append(
                                f"{field.name} of group {i}: checkpoint has {a}, this scheduler {b}"
                            )
        if problems:
            hint = "; give reschedule=True to continue under the new schedule" if changed else ""
            raise ValueError("cannot load this scheduler state: " + "; ".join(problems) + hint)
        groups = self.optimizer.param_groups
        t = state["t"]
        before = {(f.name, i): _saved_value(saved, t, f, i, groups) for f, i, saved in changed}
        for field in self._fields:
            field.bases = [float(b) for b in saved_fields[field.name]["bases"]]
            for group, base in zip(groups, field.bases, strict=True):
                group[field.initial_key] = base
            field.prepare(groups)
        self._ticks = state["ticks"]
        self._apply(t)
        if not reschedule:
            return None
        report = [Rescheduled(f.name, i, t, before[f.name, i], self._last[f.name][i]) for f, i, _ in changed]
        if report:
            _log.warning(
                "continuing at t=%s under a new schedule: %s",
                t,
                "; ".join(f"{r.field} of group {r.group}: {r.before!r} -> {r.after!r}" for r in report),
            )
        return report


def _base_of(name: str, key: str, index: int | None, group: Mapping[str, Any], i: int) -> float:
    """Group ``i``'s base for field ``name``: its ``initial_<name>``, else its current value."""
    if key not in group:
        known = ", ".join(k for k in group if k != "params")
        raise ValueError(
            f"{name}: param group {i} has no {key!r} to schedule (it has: {known})"
            + ("; Adam-style optimizers schedule momentum as beta1" if name == "momentum" else "")
        )
    current = group[key] if index is None else group[key][index]
    if not isinstance(current, (int, float, torch.Tensor)) or isinstance(current, bool):
        raise TypeError(f"{name}: param group {i} holds {current!r}, not a number")
    initial = f"initial_{name}"
    return float(group[initial] if initial in group else current)


def _groups(optimizer: torch.optim.Optimizer, expected: int, kind: str) -> list[dict[str, Any]]:
    """The optimizer's param groups, refused if their number changed since ``kind`` was built."""
    groups = optimizer.param_groups
    if len(groups) != expected:
        raise RuntimeError(
            f"the optimizer now has {len(groups)} param groups, the {kind} was built for "
            f"{expected}; build a new {kind} after add_param_group()"
        )
    return groups


def _same_schedule(saved: Any, schedule: Schedule) -> bool:
    """Whether a checkpoint's fingerprint, saved by an older version, rebuilds ``schedule``."""
    try:
        return "type" in saved and from_dict(saved) == schedule
    except (TypeError, ValueError):
        return False


def _foreign(state: Any) -> str:
    """Why ``state`` is not an lrkit driver's, and which lrkit class reads it."""
    if not isinstance(state, Mapping):
        return f"not an lrkit.torch.Scheduler state_dict: got {type(state).__name__}"
    if "param_group_field" in state or "base_values" in state:
        return (
            "this is a timm scheduler's state_dict: load it into the lrkit.timm class of the same "
            "name (from lrkit.timm import CosineLRScheduler, ...), which reads timm's checkpoints"
        )
    if "last_epoch" in state or "_schedulers" in state:
        return (
            "this is a torch lr_scheduler's state_dict: load it into the driver that "
            "lrkit.create('<torch class name>', optimizer, ...) builds, which reads torch's "
            "checkpoints (and transformers' get_scheduler ones)"
        )
    held = ", ".join(map(repr, list(state)[:8]))
    return f"not an lrkit.torch.Scheduler state_dict (format {_FORMAT!r} expected; it holds {held})"


def _same_setting(saved: Any, here: Any) -> bool:
    """Whether a checkpoint's setting is this scheduler's (a list and a tuple of equal items are)."""
    if isinstance(saved, (list, tuple)) and isinstance(here, (list, tuple)):
        return len(saved) == len(here) and all(_same_setting(a, b) for a, b in zip(saved, here, strict=True))
    if isinstance(saved, torch.Tensor) or isinstance(here, torch.Tensor):
        return isinstance(saved, torch.Tensor) and isinstance(here, torch.Tensor) and torch.equal(saved, here)
    try:
        return bool(saved == here)
    except (TypeError, ValueError, RuntimeError):  # an array's == has no single truth value
        return False


def _changed_settings(
    saved: Mapping[str, Any], mine: Mapping[str, Any], skip: Container[str] = ()
) -> list[str]:
    """``key is A in the checkpoint, B here`` for each of ``mine``'s settings ``saved`` holds otherwise."""
    return [
        f"{key} is {saved[key]!r} in the checkpoint, {here!r} here"
        for key, here in mine.items()
        if key not in skip and key in saved and not _same_setting(saved[key], here)
    ]


def _saved_value(saved: Any, t: float, field: _Field, i: int, groups: list[dict[str, Any]]) -> float:
    """What the checkpoint's schedule gives group ``i`` at ``t``, or the value the group holds."""
    try:
        if "type" in saved:
            return float(from_dict(saved)(t, field.bases[i]))
    except (TypeError, ValueError):
        pass
    group = groups[i]
    current = group[field.key] if field.index is None else group[field.key][field.index]
    return float(current)


def _fingerprint(schedule: Schedule) -> Any:
    try:
        return schedule.to_dict()
    except TypeError:
        return {"repr": repr(schedule)}


def _time(name: str, value: Any) -> float:
    if type(value) is int and value >= 0:  # the common case, checked first: it runs every step
        return value
    if isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if isinstance(value, torch.Tensor):
        value = value.item()
    try:
        number: float = operator.index(value)
    except TypeError:
        number = v.real(name, value)
    if not 0 <= number < math.inf:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def _write(group: dict[str, Any], key: str, index: int | None, value: float) -> None:
    # A tensor is filled in place, never replaced by a float: compiled optimizer steps and
    # CUDA graphs hold on to that very tensor.
    if index is None:
        current = group[key]
        if isinstance(current, torch.Tensor):
            current.fill_(value)
        else:
            group[key] = value
        return
    pair = group[key]
    current = pair[index]
    if isinstance(current, torch.Tensor):
        current.fill_(value)
    else:
        items = list(pair)
        items[index] = value
        group[key] = type(pair)(items) if isinstance(pair, tuple) else items
