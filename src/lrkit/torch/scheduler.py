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

import dataclasses
import logging
import math
import operator
import sys
import warnings
import weakref
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any, ClassVar, NamedTuple

import torch
from torch.optim.lr_scheduler import LRScheduler

from lrkit import checks as v
from lrkit.schedule import Schedule, from_dict, ignores_base
from lrkit.tree import is_affine

__all__ = ["DriverConflictWarning", "Rescheduled", "Scheduler"]

_FORMAT = "lrkit.torch.Scheduler/1"
_TUPLE_FIELDS = {"beta1": ("betas", 0), "beta2": ("betas", 1)}
_log = logging.getLogger("lrkit")
_INF = math.inf
# The largest time a schedule can compute with: an int past it has no float (10 ** 400).
_FLOAT_MAX = sys.float_info.max
_INT_MAX = int(_FLOAT_MAX)  # the same bound, compared int to int on the path every step takes
_MISSING: Any = object()


class DriverConflictWarning(UserWarning):
    """Two live drivers write the same field of one optimizer, and each overwrites the other.

    Warned once per driver, by the one that steps after another driver took its field over
    (see :class:`Scheduler`, "Two drivers on one field"). Silence it with
    ``warnings.filterwarnings("ignore", category=DriverConflictWarning)``; make it an error
    with ``"error"``.
    """


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
    # One shared affine schedule, no lr_scale: the smallest and largest base, whose values
    # bound every group's (a(t) * base + b(t) is monotonic in the base, rounding included).
    _ends: tuple[float, float] | None = None

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
        shared_alone = len(self._plan) == 1 and self._plan[0][3] and self._scales is None
        self._ends = (min(self.bases), max(self.bases)) if shared_alone else None

    def checked_values(self, t: float) -> tuple[list[float], bool]:
        """:meth:`values`, and True where they are known to be finite and >= 0 (False: not known).

        Known from two values, for a thousand groups as for two, when one affine schedule
        serves every group.
        """
        ends = self._ends
        if ends is None:
            return self.values(t), False
        schedule, _, bases, _ = self._plan[0]
        slope, offset = _line(schedule, t)
        low, high = slope * ends[0] + offset, slope * ends[1] + offset
        return [slope * base + offset for base in bases], 0.0 <= low < _INF and 0.0 <= high < _INF

    def values(self, t: float) -> list[float]:
        """Every group's value at ``t`` (``t`` already checked)."""
        n = len(self.schedules)
        if n == 1:
            # float(): a user's function may hand back a NumPy or an int.
            value = self.schedules[0]._held(t, self.bases[0])
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

    def write(
        self, groups: list[dict[str, Any]], values: list[float], last: Mapping[str, list[float]]
    ) -> None:
        """Write ``values``; if a write fails, put ``last[name]`` back into the groups already written."""
        # The group count was checked by the caller; strict zips cost more than the writes.
        if self._plain:
            # A float into a dict entry cannot fail.
            key = self.key
            if len(values) == 1:
                groups[0][key] = values[0]
                return
            for group, value in zip(groups, values, strict=False):
                group[key] = value
            return
        key, index = self.key, self.index
        for i, (group, value) in enumerate(zip(groups, values, strict=False)):
            try:
                _write(group, key, index, value)
            except BaseException:
                # A tensor that refuses fill_ (one that requires grad): this step writes nothing.
                previous = last.get(self.name)
                if previous is not None:
                    for done, old in zip(groups[:i], previous, strict=False):
                        _write(done, key, index, old)
                raise


def _evaluate(schedule: Schedule, t: float, bases: list[float], shared: bool) -> list[float]:
    if shared:
        # An affine schedule is a(t) * base + b(t): two evaluations serve every group, which
        # keeps a step with a thousand groups near the cost of the bare assignment loop. The
        # result can differ from schedule(t, base) in the last bits; it is the same for the
        # same t, so a resumed run still writes the same values.
        slope, offset = _line(schedule, t)
        return [slope * base + offset for base in bases]
    return [schedule._held(t, base) for base in bases]


def _line(schedule: Schedule, t: float) -> tuple[float, float]:
    """``a(t)`` and ``b(t)`` of an affine schedule, ``a(t) * base + b(t)``."""
    offset = schedule._held(t, 0.0)
    return schedule._held(t, 1.0) - offset, offset


def _writable(values: list[float]) -> bool:
    """Whether every value is a finite number >= 0 (False may be a sum past the float range)."""
    if len(values) == 1:
        return 0.0 <= values[0] < _INF  # False for NaN too
    # min() and sum() run in C: a thousand groups cost next to nothing. min() finds a negative
    # value; the sum is NaN or infinite when a value is.
    return 0.0 <= min(values) and sum(values) < _INF


def _refuse_unwritable(
    field: str, values: Sequence[Any], t: Any, schedules: Sequence[Any], what: str = "the schedule"
) -> None:
    """``ValueError`` naming the first group, the field and the time of a value no driver writes.

    Returns when every value is a finite number >= 0 (``_writable`` is a quick test that may
    say no for a sum past the float range).
    """
    for i, value in enumerate(values):
        if not (isinstance(value, (int, float)) and not isinstance(value, bool) and 0.0 <= value < _INF):
            source = v.shown(schedules[i]) if i < len(schedules) else what
            raise ValueError(
                f"{field} of param group {i} at t={v.shown(t)} would be {v.shown(value)} (from {source}): "
                "a driver writes only finite values >= 0, so nothing was written at this step; a "
                "function of your own (from_callable, LambdaLR's lr_lambda, a scale_fn) or a schedule "
                "composed to go below 0 gave it"
            )


def _failing_group(field: _Field, time: float) -> int | None:
    """The first group whose value at ``time`` cannot be computed as a float (None if each can)."""
    for i, (schedule, base) in enumerate(zip(field.schedules, field.bases, strict=True)):
        try:
            schedule._held(time, base)
        except Exception:
            return i
    return None


def _note(error: BaseException, text: str) -> None:
    # Python 3.11's notes keep the error's type and message, and say where it was raised.
    if hasattr(error, "add_note"):
        error.add_note(text)


# -- two drivers on one field ------------------------------------------------------------------


class _Board:
    """Which driver last took each field of one optimizer, and a count of such changes.

    Each driver remembers the count it last saw, so a step checks one integer; only when the
    count moved does it look at who holds its fields (see :func:`_contest`).
    """

    __slots__ = ("__weakref__", "generation", "holders")

    def __init__(self) -> None:
        self.generation = 0
        self.holders: dict[str, weakref.ref[Any]] = {}

    def __reduce__(self) -> Any:
        # A copied or unpickled driver holds a new optimizer: it finds that one's board at its
        # first step (the counts differ), and weak references cannot be pickled anyway.
        return (_Board, ())


_BOARDS: weakref.WeakKeyDictionary[Any, _Board] = weakref.WeakKeyDictionary()


def _board_of(optimizer: Any) -> _Board:
    try:
        board = _BOARDS.get(optimizer)
        if board is None:
            board = _BOARDS[optimizer] = _Board()
        return board
    except TypeError:  # an optimizer-like object without weak references: no one to share it with
        return _Board()


def _claim(driver: Any, names: Iterable[str]) -> Callable[[], None]:
    """Make ``driver`` the holder of ``names`` on its optimizer; returns what undoes it."""
    board = _board_of(driver.optimizer)
    me = weakref.ref(driver)
    previous = {name: board.holders.get(name) for name in names}
    for name in previous:
        board.holders[name] = me
    board.generation += 1
    driver._board, driver._seen = board, board.generation

    def undo() -> None:
        for name, ref in previous.items():
            if board.holders.get(name) is me:
                if ref is None:
                    del board.holders[name]
                else:
                    board.holders[name] = ref

    return undo


def _watch(driver: Any) -> None:
    """Attach ``driver`` to its optimizer's board without taking any field (a plateau whose lr
    lives in the optimizer takes it at its first step)."""
    driver._board = _board_of(driver.optimizer)
    driver._seen = -1


def _caller_level() -> int:
    """The ``stacklevel`` of the first frame outside lrkit (the user's call of a step)."""
    frame, level = sys._getframe(1), 1
    while frame is not None and str(frame.f_globals.get("__name__", "")).startswith("lrkit."):
        frame, level = frame.f_back, level + 1
    return level


def _contest(driver: Any, names: Sequence[str]) -> None:
    """The slow path of a step after some driver took a field of this optimizer.

    A driver taking a field for the first time (a plateau whose lr lives in the optimizer, at
    its first step), or from a driver no longer alive, takes it silently; one whose field
    another live driver took since its own last step is in a fight, and warns once.
    """
    board = _board_of(driver.optimizer)
    took = driver._seen >= 0
    rivals = []
    for name in names:
        ref = board.holders.get(name)
        other = None if ref is None else ref()
        if other is not None and other is not driver:
            rivals.append((name, other))
    if took and rivals and not getattr(driver, "_conflict_warned", False):
        driver._conflict_warned = True
        fields = ", ".join(dict.fromkeys(name for name, _ in rivals))
        others = " and ".join(dict.fromkeys(f"a {type(other).__name__}" for _, other in rivals))
        warnings.warn(
            f"two drivers write {fields} of the same optimizer: this {type(driver).__name__} and "
            f"{others} that took it over since this one's last step are both alive, and each step "
            "overwrites the other's values (the last one stepped wins; get_last_lr() of the other is "
            "not what the optimizer holds). Drive one field with one driver: one Scheduler whose "
            "schedule composes the parts (lrkit.sequence([...], boundaries=[...]) for one after the "
            "other, lrkit.product(a, b) for factors); a Plateau(warmup_t=..., noise_range_t=...) for a "
            "warmup or noise on a plateau; or, when the new driver replaces this one, `del` this one "
            "(or stop stepping it)",
            DriverConflictWarning,
            stacklevel=_caller_level(),
        )
    _claim(driver, names)


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

    What is written: only finite numbers >= 0. A group whose base (``initial_<field>``, else its
    value: torch accepts ``SGD(lr=nan)``) is NaN, infinite or negative is refused at
    construction, naming the group and the field. A value that a function of the user's own
    gives (``from_callable``, ``LambdaLR``'s ``lr_lambda``, a ``scale_fn``) and that is NaN,
    infinite, negative or no number is refused with ``ValueError`` naming the field, the group
    and the time. The test is two comparisons per step on Python floats; a ``capturable``
    driver fills its tensors on the device and is not checked.

    A step that raises leaves the scheduler as it was: the time is checked before anything
    changes (a finite number >= 0 whose float exists: ``step(10 ** 400)`` is refused), then
    every field's values are computed and checked, and only then written; a write that fails
    (a tensor that refuses ``fill_``) puts the values written before back. So after the error
    ``t``, ``last_epoch``, ``get_last_values()`` and every param group are those of before, and
    the next step works as if the refused one had never been made.

    Two drivers on one field. Two live drivers (``Scheduler``, ``Plateau``, a timm twin) that
    write the same field of one optimizer overwrite each other at every step; the second one
    built, loaded or stepped takes the field, and the first one to step after that warns
    :class:`DriverConflictWarning`, once, naming the field and how to compose instead. It warns
    rather than refuses: refusing would stop a running job at a step, and driving one field from
    two drivers in turn is legitimate where one has stopped (a warmup driver stepped for five
    epochs, a ``Plateau`` after it, as torch allows). It warns at that step rather than at
    construction, because a second driver built while the first is alive is often no conflict:
    it replaces the first (``sched = Scheduler(opt, ...)`` run again, a new driver loaded from
    the old one's state), or it is temporary (:func:`lrkit.torch.find_lr`). A driver that was
    garbage-collected never counts.
    """

    #: Whether the time lives in a device tensor (``capturable=True``: see :mod:`lrkit.torch.capture`).
    capturable: ClassVar[bool] = False
    # Replaced by the optimizer's board when _setup takes the fields (these serve an instance
    # unpickled from a version without them: it takes its fields at its first step).
    _board: _Board = _Board()
    _seen: int = -1
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
        undo = self._setup(optimizer, unit, updates_per_epoch, fields)
        try:
            groups = optimizer.param_groups
            # What the groups hold, put back if a write at t = 0 fails half way.
            self._last = {f.name: [float(f.target(g)) for g in groups] for f in self._fields}
            if capturable:
                from lrkit.torch.capture import captured_class

                self.__class__ = captured_class(type(self))
                self._capture_setup()  # type: ignore[attr-defined]
            self._apply(0)
        except BaseException:
            undo()  # a refused construction leaves no initial_<field> behind
            raise

    def _setup(
        self,
        optimizer: torch.optim.Optimizer,
        unit: str,
        updates_per_epoch: int | None,
        fields: Mapping[str, Any],
    ) -> Callable[[], None]:
        """Bind ``fields`` to ``optimizer`` without writing any value yet; returns what undoes it.

        The undo removes the ``initial_<field>`` entries this added and gives the fields back to
        the driver that held them (for a constructor whose first write then fails).
        """
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"optimizer must be a torch optimizer, got {v.shown(optimizer)}")
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
        added = []
        for field in self._fields:
            for group, base in zip(groups, field.bases, strict=True):
                if field.initial_key not in group:
                    group[field.initial_key] = base
                    added.append((group, field.initial_key))
            field.prepare(groups)
        self._ticks: float = 0
        self._t: float = 0
        self._last: dict[str, list[float]] = {}
        # torch's count of step() calls (1 after construction, as torch's initial step leaves
        # it); Accelerate reads and bumps it.
        self._step_count = 1
        self._honoured: set[str] = set()
        self._ignored_warned = False
        self._conflict_warned = False
        give_back = _claim(self, self.fields)

        def undo() -> None:
            give_back()
            for group, key in added:
                group.pop(key, None)

        return undo

    # -- construction -------------------------------------------------------------------------

    def _bind(self, name: str, value: Any, groups: list[dict[str, Any]]) -> _Field:
        key, index = _TUPLE_FIELDS.get(name, (name, None))
        bases = [_base_of(name, key, index, group, i) for i, group in enumerate(groups)]
        schedules = self._per_group(name, value)
        return _Field(name, key, index, schedules, bases, scaled=name in self._lr_scale_fields)

    def _adopted(self, groups: list[dict[str, Any]]) -> list[_Field]:
        """The fields with the groups ``optimizer.add_param_group`` added; nothing is changed.

        Refused (``RuntimeError``) for removed groups, and for added ones under one schedule per
        group.
        """
        n, known = len(groups), self._num_groups
        if n < known:
            raise RuntimeError(
                f"the optimizer now has {n} param groups, the {type(self).__name__} was built for "
                f"{known}; groups cannot be removed under a scheduler: build a new one"
            )
        added = range(known, n)
        fields = []
        for field in self._fields:
            if len({id(s) for s in field.schedules}) != 1:
                raise RuntimeError(
                    f"param group {known} was added after this {type(self).__name__} was built with "
                    f"one {field.name} schedule per group, and no schedule for it can be guessed; "
                    f"build a new scheduler with {field.name}=[...] for all {n} groups"
                )
            bases = [_base_of(field.name, field.key, field.index, groups[i], i) for i in added]
            grown = dataclasses.replace(
                field,
                schedules=field.schedules + (field.schedules[0],) * len(added),
                bases=field.bases + bases,
            )
            grown.prepare(groups)
            fields.append(grown)
        return fields

    def _adopt(self, groups: list[dict[str, Any]], fields: list[_Field]) -> Callable[[], None]:
        """Commit :meth:`_adopted`'s fields; returns what undoes it."""
        before = self._fields, self._num_groups
        added = []
        for field in fields:
            for i in range(self._num_groups, len(groups)):
                if field.initial_key not in groups[i]:
                    groups[i][field.initial_key] = field.bases[i]
                    added.append((groups[i], field.initial_key))
        self._fields, self._num_groups = fields, len(groups)

        def undo() -> None:
            self._fields, self._num_groups = before
            for group, key in added:
                group.pop(key, None)

        return undo

    def _per_group(self, name: str, value: Any) -> tuple[Schedule, ...]:
        if isinstance(value, Schedule):
            return (value,) * self._num_groups
        if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Sequence):
            hint = (
                f"; for a function of t, give {name}=lrkit.from_callable(fn), which scales the base "
                "value by fn(t)"
                if callable(value)
                else ""
            )
            raise TypeError(f"{name} must be an lrkit schedule or a list of them, got {value!r}{hint}")
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
        """Advance to ``epoch`` (timm style), or by one tick when no epoch is given (torch style).

        Raising (a refused time, a value no driver writes), it changes nothing.
        """
        if epoch is None:
            # As _advance, for the eager driver: a capturable one counts its bare steps itself.
            ticks = self._ticks + 1
            self._apply(self._time_of_ticks(ticks))
            self._ticks = ticks
        else:
            epoch = _time("epoch", epoch)
            upe = self.updates_per_epoch
            if upe or self.unit == "epoch":
                ticks = epoch * upe if upe else epoch
                if not ticks <= _FLOAT_MAX:  # an int past the float range, or an inf
                    raise ValueError(
                        f"epoch {v.shown(epoch)} times updates_per_epoch {upe} is past the float range"
                    )
                self._advance(ticks, epoch if self.unit == "epoch" else ticks)
                self._honoured.add("step")
            else:
                self._ignored("step")
        self.metric = metric
        self._step_count += 1

    def step_update(self, num_updates: float, metric: float | None = None) -> None:
        """Advance to ``num_updates`` optimizer updates (timm style); raising, it changes nothing."""
        num_updates = _time("num_updates", num_updates)
        if self.unit == "update":
            self._advance(num_updates, num_updates)
            self._honoured.add("step_update")
        elif self.updates_per_epoch:
            self._advance(num_updates, num_updates / self.updates_per_epoch)
            self._honoured.add("step_update")
        else:
            self._ignored("step_update")
        self.metric = metric

    def _advance(self, ticks: float, t: float) -> None:
        """Write the values at ``t`` and count ``ticks``; raising, neither changed."""
        if self.capturable:
            self._ticks = ticks  # the captured write reads its time from the clock
            self._apply(t)
            return
        self._apply(t)
        self._ticks = ticks

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
        """Write every field's values at ``t``: all computed and checked first, then written."""
        if self._board.generation != self._seen:  # another driver took a field of this optimizer
            _contest(self, self.fields)
        groups = self.optimizer.param_groups
        fields = self._fields
        adopted = len(groups) != self._num_groups
        if adopted:
            fields = self._adopted(groups)
        time = float(t)
        if len(fields) == 1:
            field = fields[0]
            values = self._computed(field, time, t)
            undo = self._adopt(groups, fields) if adopted else None
            try:
                field.write(groups, values, self._last)
            except BaseException:
                if undo is not None:
                    undo()
                raise
            self._last[field.name] = values
            self._t = t
            return
        computed = [self._computed(field, time, t) for field in fields]
        undo = self._adopt(groups, fields) if adopted else None
        last = self._last
        done = 0
        try:
            for field, values in zip(fields, computed, strict=True):
                field.write(groups, values, last)
                done += 1
        except BaseException:
            for field in fields[:done]:
                if field.name in last:
                    field.write(groups, last[field.name], {})
            if undo is not None:
                undo()
            raise
        for field, values in zip(fields, computed, strict=True):
            last[field.name] = values
        self._t = t

    def _computed(self, field: _Field, time: float, t: float) -> list[float]:
        """``field``'s values at ``time``, refused unless each is a finite number >= 0."""
        try:
            if field._ends is None:  # few groups, or several schedules: checked below
                values, known = field.values(time), False
            else:
                values, known = field.checked_values(time)
        except (TypeError, OverflowError, ValueError) as error:
            # No number came out (a function of the user's own returned None, or one from_callable
            # refused), or none a float holds: refused as a NaN would be, naming where it came from.
            i = _failing_group(field, time)
            where = "the param groups" if i is None else f"param group {i}"
            source = field.schedules[0] if i is None else field.schedules[i]
            raise ValueError(
                f"{field.name} of {where} at t={v.shown(t)} is no finite number "
                f"(from {v.shown(source)}: {type(error).__name__}: {error}); nothing was written at "
                "this step"
            ) from error
        except Exception as error:
            _note(error, f"(while computing {field.name} of the param groups at t={v.shown(t)})")
            raise
        # Two comparisons on Python floats (min() and sum() run in C for many groups); NaN fails
        # them too, and the slow path below finds the group (or a sum past the float range).
        if known:
            return values
        if len(values) == 1:
            if 0.0 <= values[0] < _INF:
                return values
        elif 0.0 <= min(values) and sum(values) < _INF:
            return values
        _refuse_unwritable(field.name, values, t, field.schedules)
        return values

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
        self._ticks = _time("last_epoch", value, minimum=-1)

    @property
    def base_lrs(self) -> list[float]:
        """Each group's base lr (torch's name), what the lr schedule scales from."""
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
        self._bases_moved()

    def _bases_moved(self) -> None:
        """A hook for what a driver derives from its bases (a capturable one's tensors of them)."""

    def _rebase_lr(self, lr: float) -> None:
        """Make ``lr`` group 0's base lr (the others keeping their ratio to it), and write the
        values at the current time.

        The run goes on as if the driver had been built on those lrs: what
        :meth:`lrkit.torch.LRFinderResult.apply` does with a suggestion. A schedule whose lrs
        are its own (a :func:`lrkit.rebase`) would not move, and is refused with ``TypeError``.
        """
        schedule = self._field("lr").schedules[0]
        # Over the run ahead: from 0 past the schedule's end, and now.
        ahead = max(schedule.length or 0.0, float(self._t), 1.0) + 1.0
        if ignores_base(schedule, [ahead * i / 256 for i in range(257)] + [float(self._t)]):
            raise TypeError(
                f"{type(self).__name__}'s lr schedule gives lrs of its own, whatever the base "
                f"({schedule!r}): build it with the suggestion as its peak instead"
            )
        before = self.base_lrs
        scale = rebasing(self, lr, before[0])
        self.base_lrs = [scale(base) for base in before]
        try:
            self._apply(self._t)
        except BaseException:
            self.base_lrs = before
            raise

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
        return f"{type(self).__name__}({', '.join(parts)}, unit={self.unit!r}{upe}; t={self._t!r})"

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

        A refused load changes nothing, and a loaded state is valid. Every key is checked before
        anything is assigned: a missing one is a ``ValueError`` naming it; ``t`` must be a finite
        number >= 0 and ``ticks`` one >= -1 (``last_epoch``'s "not started"), ``num_groups`` an
        integer, each field's ``schedules`` and ``bases`` lists of one item per group, and each
        base a finite number >= 0 (``TypeError`` or ``ValueError`` naming the key, e.g.
        ``fields['lr']['bases'][1]``). Then the bases, ``initial_<field>`` entries, time and
        values are assigned; if a value at the saved time is refused (see the class doc), all of
        it is put back. A loaded driver takes its fields over from any other driver of the
        optimizer, without a :class:`DriverConflictWarning`.
        """
        state = state_dict
        if isinstance(state, Mapping) and isinstance(state.get("lrkit"), Mapping):
            state = state["lrkit"]  # a NamedScheduler's: torch's keys, and lrkit's state within
        if not isinstance(state, Mapping) or state.get("format") != _FORMAT:
            raise ValueError(_foreign(state))
        v.flag("reschedule", reschedule)
        with _refusing("cannot load this scheduler state: "):
            ticks, t, saved_fields = _read_state(state)
        problems = []
        if state["num_groups"] != self._num_groups:
            problems.append(f"{state['num_groups']} param groups in the checkpoint, {self._num_groups} here")
        for key in ("unit", "updates_per_epoch"):
            if not _same_setting(state[key], getattr(self, key)):
                problems.append(
                    f"{key} is {v.shown(state[key])} in the checkpoint, {getattr(self, key)!r} here"
                )
        if set(saved_fields) != set(self.fields):
            problems.append(
                f"fields {v.shown(sorted(saved_fields))} in the checkpoint, {sorted(self.fields)} here"
            )
        changed: list[tuple[_Field, int, Any]] = []
        if not problems:
            for field in self._fields:
                saved = saved_fields[field.name]["schedules"]
                mine = [_fingerprint(s) for s in field.schedules]
                for i, (a, b) in enumerate(zip(saved, mine, strict=True)):
                    if not _same_setting(a, b) and not _same_schedule(a, field.schedules[i]):
                        changed.append((field, i, a))
                        if not reschedule:
                            problems.append(
                                f"{field.name} of group {i}: " + "; ".join(_tree_differences(a, b))
                            )
        if problems:
            hint = "; give reschedule=True to continue under the new schedule" if changed else ""
            raise ValueError("cannot load this scheduler state: " + "; ".join(problems) + hint)
        groups = self.optimizer.param_groups
        before = {(f.name, i): _saved_value(saved, t, f, i, groups) for f, i, saved in changed}
        fields = []
        for field in self._fields:
            loaded = dataclasses.replace(field, bases=saved_fields[field.name]["bases"])
            loaded.prepare(groups)
            fields.append(loaded)
        # Everything is checked: now assign, and undo it all if the values at t are refused.
        kept = self._fields, self._ticks
        initial = [(g, f.initial_key, g.get(f.initial_key, _MISSING)) for f in fields for g in groups]
        give_back = _claim(self, self.fields)  # a loaded driver takes its fields over, silently
        try:
            self._fields = fields
            for field in fields:
                for group, base in zip(groups, field.bases, strict=True):
                    group[field.initial_key] = base
            self._advance(ticks, t)
        except BaseException:
            self._fields, self._ticks = kept
            for group, key, value in initial:
                if value is _MISSING:
                    group.pop(key, None)
                else:
                    group[key] = value
            give_back()
            raise
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


_STATE_KEYS = ("num_groups", "unit", "updates_per_epoch", "ticks", "t", "fields")


@contextmanager
def _refusing(prefix: str) -> Iterator[None]:
    """Errors of the checks helpers, with ``prefix`` before them (type and names kept)."""
    try:
        yield
    except v.ArgumentError as error:
        raise type(error)(prefix + error.template, names=error.names) from None


def _read_state(state: Mapping[str, Any]) -> tuple[float, float, dict[str, dict[str, list[Any]]]]:
    """A scheduler state's ticks, time and fields (schedules and bases), each checked; nothing set."""
    for key in _STATE_KEYS:
        if key not in state:
            raise v.InvalidValueError(
                "not a whole lrkit.torch.Scheduler state_dict: it has no '{" + key + "}'", key
            )
    count = v.integer("num_groups", state["num_groups"], minimum=0)
    ticks = _time_checked("ticks", state["ticks"], minimum=-1)
    t = _time_checked("t", state["t"])
    saved = state["fields"]
    if not isinstance(saved, Mapping):
        raise v.wrong_type("fields", f"must be a mapping of field names, got {v.shown(saved)}")
    fields = {}
    for name, entry in saved.items():
        where = f"fields[{v.shown(name)}]"
        if not isinstance(name, str) or not isinstance(entry, Mapping):
            raise v.wrong_type(where, f"must be a field name mapped to its state, got {v.shown(entry)}")
        read = {}
        for key in ("schedules", "bases"):
            if key not in entry:
                name = f"{where}[{key!r}]"
                raise v.InvalidValueError("not a whole field state: it has no '{" + name + "}'", name)
            items = entry[key]
            if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Sequence):
                raise v.wrong_type(
                    f"{where}[{key!r}]", f"must be a list, one per group, got {v.shown(items)}"
                )
            if len(items) != count:
                raise v.invalid(f"{where}[{key!r}]", f"has {len(items)} items for num_groups={count}")
            read[key] = list(items)
        read["bases"] = [
            v.real(f"{where}['bases'][{i}]", b, minimum=0.0) for i, b in enumerate(read["bases"])
        ]
        fields[name] = read
    return ticks, t, fields


def rebasing(driver: Any, lr: float, base: float) -> Callable[[float], float]:
    """How a value derived from a base moves when that base (group 0's) becomes ``lr``.

    ``x -> lr * (x / base)``: the ratio to group 0 is kept, and group 0's own base becomes
    ``lr`` to the bit (``x * (lr / base)`` would miss it by a rounding).
    """
    if not (math.isfinite(base) and base > 0):
        raise ValueError(
            f"{type(driver).__name__}'s base lr of param group 0 is {base!r}: the new lr scales every "
            "group from it, which needs one > 0"
        )
    return lambda x: lr * (float(x) / base)


def _time_checked(name: str, value: Any, minimum: int = 0) -> float:
    """:func:`_time` with the checks helpers' errors, which name ``name`` the way they do."""
    try:
        return _time(name, value, minimum=minimum)
    except v.ArgumentError:
        raise
    except TypeError:
        raise v.wrong_type(name, f"must be a number, got {v.shown(value)}") from None
    except ValueError:
        raise v.invalid(name, f"must be a finite number >= {minimum}, got {v.shown(value)}") from None


def _base_of(name: str, key: str, index: int | None, group: Mapping[str, Any], i: int) -> float:
    """Group ``i``'s base for field ``name``: its ``initial_<name>``, else its current value.

    Refused unless a finite number >= 0: torch accepts ``SGD(lr=nan)``, and every value a
    schedule gives from such a base would be as wrong.
    """
    if key not in group:
        known = ", ".join(k for k in group if k != "params")
        raise ValueError(
            f"{name}: param group {i} has no {key!r} to schedule (it has: {known})"
            + ("; Adam-style optimizers schedule momentum as beta1" if name == "momentum" else "")
        )
    current = group[key] if index is None else group[key][index]
    if not isinstance(current, (int, float, torch.Tensor)) or isinstance(current, bool):
        raise TypeError(f"{name}: param group {i} holds {v.shown(current)}, not a number")
    initial = f"initial_{name}"
    where = initial if initial in group else (key if index is None else f"{key}[{index}]")
    held = group[initial] if initial in group else current
    try:
        base = float(held)
    except (TypeError, ValueError, RuntimeError, OverflowError):
        raise TypeError(f"{name}: param group {i} holds {where}={v.shown(held)}, not a number") from None
    if not 0.0 <= base < _INF:
        raise ValueError(
            f"{name}: param group {i} holds {where}={v.shown(held)}; a scheduled value starts from a "
            "finite number >= 0 (build the optimizer with one)"
        )
    return base


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
        return isinstance(saved, Mapping) and "type" in saved and from_dict(saved) == schedule
    except (TypeError, ValueError, RecursionError):
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


def _tree_differences(saved: Any, here: Any, where: str = "") -> list[str]:
    """Where a checkpoint's schedule dict and this scheduler's differ, by key path, at most 4.

    Naming ``t_initial`` (4 in the checkpoint, 5 here) says what changed; two whole trees printed
    side by side leave the reader to find it. Trees of different node types differ as a whole.
    """
    if isinstance(saved, Mapping) and isinstance(here, Mapping) and saved.get("type") == here.get("type"):
        found = []
        for key in [*saved, *(k for k in here if k not in saved)]:
            path = f"{where}.{key}" if where else str(key)
            if key not in here:
                found.append(f"{path} is {v.shown(saved[key])} in the checkpoint, unset here")
            elif key not in saved:
                found.append(f"{path} is unset in the checkpoint, {v.shown(here[key])} here")
            else:
                found += _tree_differences(saved[key], here[key], path)
        return found[:4]
    if isinstance(saved, (list, tuple)) and isinstance(here, (list, tuple)) and len(saved) == len(here):
        return [
            d
            for i, (a, b) in enumerate(zip(saved, here, strict=True))
            for d in _tree_differences(a, b, f"{where}[{i}]")
        ][:4]
    if _same_setting(saved, here):
        return []
    return [f"{where or 'the schedule'} is {v.shown(saved)} in the checkpoint, {v.shown(here)} here"]


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
        if isinstance(saved, Mapping) and "type" in saved:
            return float(from_dict(saved)(t, field.bases[i]))
    except (TypeError, ValueError, ArithmeticError, RecursionError):
        pass
    group = groups[i]
    current = group[field.key] if field.index is None else group[field.key][field.index]
    return float(current)


def _fingerprint(schedule: Schedule) -> Any:
    try:
        return schedule.to_dict()
    except TypeError:
        return {"repr": repr(schedule)}


def _time(name: str, value: Any, minimum: int = 0) -> float:
    """``value`` as a time: a finite number >= ``minimum`` that has a float (an int stays an int)."""
    if type(value) is int and minimum <= value <= _INT_MAX:  # the common case: it runs every step
        return value
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_complex():
        value = value.item()
    if isinstance(value, bool) or "bool" in str(getattr(value, "dtype", "")):
        raise TypeError(f"{name} must be a number, got {v.shown(value)}")
    try:
        number: float = operator.index(value)
    except TypeError:
        number = v.real(name, value)
    if not minimum <= number <= _FLOAT_MAX:
        raise ValueError(f"{name} must be a finite number >= {minimum}, got {v.shown(value)}")
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
