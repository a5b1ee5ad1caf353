"""Metric-driven decay (torch's ``ReduceLROnPlateau`` rules) whose whole state checkpoints.

A plateau schedule is the one schedule that is not a pure function of time: it depends on the
metrics seen so far. Everything it depends on (best metric, bad-epoch and cooldown counters,
the lr of every group before noise, the epoch) lives in :meth:`Plateau.state_dict`, under
torch's own keys where torch has one, so a resumed run continues exactly and a checkpoint moves
between ``Plateau`` and torch's ``ReduceLROnPlateau`` both ways. Warmup and noise come from the
core (``lrkit.warmup``, ``lrkit.noise``), so they are the same curves and draws as everywhere
else in lrkit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch.optim.lr_scheduler import ReduceLROnPlateau

from lrkit import checks as v
from lrkit.combinators import Noise, Warmup
from lrkit.recipes.timm import TorchNoise
from lrkit.schedule import from_dict
from lrkit.shapes import Constant
from lrkit.torch.scheduler import (
    _MISSING,
    _base_of,
    _Board,
    _claim,
    _contest,
    _refuse_unwritable,
    _refusing,
    _same_setting,
    _time,
    _time_checked,
    _watch,
    _writable,
    _write,
    rebasing,
)

__all__ = ["GroupCountError", "Plateau"]

_FORMAT = "lrkit.torch.Plateau/2"
# The format before torch's keys were adopted; still read, so old checkpoints resume.
_FORMAT_1 = "lrkit.torch.Plateau/1"
# The noise's draws: lrkit's own, or timm's (what the timm twin's plateau uses).
_NOISE_NODES: dict[str, type[Noise]] = {"lrkit": Noise, "torch": TorchNoise}
# The settings a checkpoint must agree on (torch's keys, then lrkit's own).
_SETTINGS = (
    "mode",
    "factor",
    "patience",
    "threshold",
    "threshold_mode",
    "cooldown",
    "min_lrs",
    "default_min_lr",
    "eps",
    "warmup",
    "noise",
)
# What every torch >= 2.1 ReduceLROnPlateau state_dict holds; default_min_lr and _last_lr are
# younger, so a state without them is still torch's.
_TORCH_KEYS = (
    "mode",
    "factor",
    "patience",
    "threshold",
    "threshold_mode",
    "cooldown",
    "min_lrs",
    "eps",
    "best",
    "num_bad_epochs",
    "cooldown_counter",
    "last_epoch",
)


class GroupCountError(v.InvalidValueError, RuntimeError):
    """The optimizer's param groups changed in a way the plateau cannot follow.

    torch's ``ReduceLROnPlateau`` raises ``RuntimeError`` for this and lrkit raises
    ``ValueError``: both, so that code written against either catches it.
    """


class Plateau(ReduceLROnPlateau):
    """Decay the lr by ``factor`` when ``metric`` stops improving; warmup and noise on top.

    The decision rule is torch's ``ReduceLROnPlateau`` (same arguments, same values): a metric
    is an improvement when it beats the best by ``threshold`` (relative or absolute); after more
    than ``patience`` epochs without one every group's lr becomes
    ``max(lr * factor, min_lr)`` (kept when that changes it by no more than ``eps``), followed
    by ``cooldown`` epochs in which bad epochs are not counted.

    >>> import torch
    >>> from lrkit.torch import Plateau
    >>> opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    >>> plateau = Plateau(opt, patience=1, factor=0.5)
    >>> for loss in [1.0, 0.9, 0.9, 0.9, 0.9]:
    ...     plateau.step(loss)
    >>> plateau.get_last_lr()
    [0.05]

    Where the lr lives. With torch's arguments only (no ``warmup_t``, no ``noise_range_t``),
    the lr lives in the optimizer, as in torch: building the plateau writes nothing, a decision
    reduces whatever lr each group holds at that moment, and a step without a decision writes
    nothing. So an lr set between steps (a warmup of your own, a ``LambdaLR`` that ran before,
    an optimizer state loaded after building) is the one that is reduced, and is kept. With a
    warmup or noise, the plateau owns the lr: it keeps each group's level (the lr before noise)
    and writes the warmup ramp, or the level with that epoch's noise, at every step. It cannot
    read the lr back from the group then, because the group holds a ramp value or a noisy one:
    reducing that would compound the noise into the level and decay from a point of the ramp.
    Load its ``state_dict`` with the optimizer's to resume it.

    Args:
        optimizer: the optimizer whose groups' ``lr`` is reduced (or written).
        mode, factor, patience, threshold, threshold_mode, cooldown, min_lr, eps: as in
            ``torch.optim.lr_scheduler.ReduceLROnPlateau``; ``min_lr`` may be one per group.
        warmup_t, warmup_lr_init: a linear warmup over the first ``warmup_t`` epochs, from
            ``warmup_lr_init`` to the group's base lr; the metrics of epochs before
            ``warmup_t`` are not counted, the one given with epoch ``warmup_t`` is (timm's
            twin also skips that one, as timm does).
        noise_range_t, noise_pct, noise_std, noise_seed, noise_type, noise_generator: relative
            noise on the written lr, as :func:`lrkit.noise` (the decisions use the lr before
            noise). ``noise_range_t=None`` turns it off.
        nonfinite: what a NaN or infinite metric does, in warmup too: ``"raise"`` (the
            default, before any state changes), ``"skip"`` (the step counts for time but not for
            the plateau), or ``"count"`` (torch's rules: NaN is a bad epoch, while an infinity
            in the improving direction becomes a best that nothing beats).
        distributed: under an initialized ``torch.distributed`` process group, average the
            metric over all ranks before deciding, so every rank decays at the same step.

    ``step(metric)`` takes the metric first, so trainers that call ``scheduler.step(metric)``
    work (``step(metrics=...)``, torch's keyword, too); ``step(metric, epoch=e)`` sets the
    epoch explicitly. torch's attributes (``best``, ``num_bad_epochs``, ``cooldown_counter``,
    ``last_epoch``, ``min_lrs``, ``default_min_lr``, ``mode_worse``, ``eps``, ``in_cooldown``,
    ``is_better``, ``_reset()``, ``_last_lr``) are there with torch's meaning; ``last_epoch``
    is that of a ``ReduceLROnPlateau`` given the metrics this plateau counted.

    A group added with ``optimizer.add_param_group`` is handled as torch does when the lr lives
    in the optimizer: at the next decision, a scalar ``min_lr`` is extended to it, and a
    per-group ``min_lr`` raises :class:`GroupCountError` unless ``min_lrs`` was given a value
    for it. With a warmup or noise, the group joins at the next step (see :meth:`step`).

    What is written: only finite numbers >= 0. A group whose lr (its ``initial_lr``, else its
    ``lr``) is NaN, infinite or negative is refused at construction, naming the group; an lr the
    warmup, the noise or a group's ``lr_scale`` would make NaN, infinite or negative is refused
    with ``ValueError`` naming the group and the epoch. A decision never makes one: it writes
    ``max(lr * factor, min_lr)`` only where that is a reduction by more than ``eps``.

    A step that raises leaves the plateau as it was: the metric (see ``nonfinite``), the epoch
    and any added group are checked before anything changes, and if the lr it would write is
    refused, the counters, ``best``, the levels, the epoch and the groups are put back as they
    were; the next step goes on as if the refused one had never been made. A load that is
    refused changes nothing either (see :meth:`load_state_dict`).

    A plateau and another driver writing the lr of one optimizer both alive warn
    :class:`~lrkit.torch.scheduler.DriverConflictWarning` at the step of the one whose lr the
    other took over (see :class:`~lrkit.torch.Scheduler`, "Two drivers on one field"). A plateau
    whose lr lives in the optimizer takes it at its first step, so a warmup driver that has
    stopped hands over to it without a warning; one with a warmup or noise takes it when built.
    """

    # An instance of torch's ReduceLROnPlateau (its __init__ is not run) because trainers such as
    # Lightning recognise plateaus by that type and then pass the monitored metric to step().
    # The twin of timm keeps levels with lr_scale already applied, as timm's plateau does.
    _levels_scaled = False
    # Replaced by the optimizer's board at construction (see lrkit.torch.Scheduler, "Two drivers
    # on one field"); these serve an instance unpickled from a version without them.
    _board: _Board = _Board()
    _seen: int = -1

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | Sequence[float] = 0.0,
        eps: float = 1e-8,
        *,
        warmup_t: float = 0,
        warmup_lr_init: float = 0.0,
        noise_range_t: Any = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        noise_type: str = "normal",
        noise_generator: str = "lrkit",
        nonfinite: str = "raise",
        distributed: bool = True,
    ) -> None:
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"optimizer must be a torch optimizer, got {optimizer!r}")
        self.optimizer = optimizer
        groups = optimizer.param_groups
        self.mode = v.choice("mode", mode, ("min", "max"))
        self.mode_worse = math.inf if self.mode == "min" else -math.inf
        self.factor = v.real("factor", factor, minimum=0.0, maximum=1.0, strict_maximum=True)
        self.patience = v.integer("patience", patience, minimum=0)
        self.threshold = v.real("threshold", threshold, minimum=0.0)
        self.threshold_mode = v.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = v.integer("cooldown", cooldown, minimum=0)
        self.default_min_lr: float | None
        if isinstance(min_lr, Sequence) and not isinstance(min_lr, (str, bytes)):
            if len(min_lr) != len(groups):
                raise ValueError(f"min_lr: got {len(min_lr)} values for {len(groups)} param groups")
            self.min_lrs = [v.real(f"min_lr[{i}]", m, minimum=0.0) for i, m in enumerate(min_lr)]
            self.default_min_lr = None  # torch's mark of a per-group min_lr
        else:
            self.default_min_lr = v.real("min_lr", min_lr, minimum=0.0)
            self.min_lrs = [self.default_min_lr] * len(groups)
        self.eps = v.real("eps", eps, minimum=0.0)
        self.warmup = Warmup(Constant(), warmup_t=warmup_t, warmup_lr_init=warmup_lr_init)
        noise_names = dict(
            range_t="noise_range_t",
            pct="noise_pct",
            std="noise_std",
            seed="noise_seed",
            kind="noise_type",
            generator="noise_generator",
        )
        with v.renamed(**noise_names):
            self.noise = self._noise(
                noise_range_t, noise_pct, noise_std, noise_seed, noise_type, noise_generator
            )
        self.nonfinite = v.choice("nonfinite", nonfinite, ("raise", "skip", "count"))
        self.distributed = v.flag("distributed", distributed)
        for i, group in enumerate(groups):
            if "lr" not in group:
                raise ValueError(f"param group {i} has no 'lr'")
        # A NaN, infinite or negative lr (torch accepts SGD(lr=nan)) is refused, naming the group.
        self.base_lrs = [_base_of("lr", "lr", None, group, i) for i, group in enumerate(groups)]
        self._reset()
        self.last_epoch = 0  # counted metrics, as torch counts its steps
        self.epoch: float = 0
        self._last_lr: list[Any] = []
        self._conflict_warned = False
        if not self._owns_lr:
            self._record()
            _watch(self)  # the lr lives in the optimizer: the plateau takes it at its first step
            return
        added = [group for group in groups if "initial_lr" not in group]
        try:
            for group, base in zip(groups, self.base_lrs, strict=True):
                group.setdefault("initial_lr", base)
            self.levels = [
                self._scaled(group, base) if self._levels_scaled else base
                for group, base in zip(groups, self.base_lrs, strict=True)
            ]
            self._write_epoch(0)
        except BaseException:
            for group in added:  # a refused construction leaves no initial_lr behind
                group.pop("initial_lr", None)
            raise
        _claim(self, ("lr",))

    @staticmethod
    def _noise(range_t: Any, pct: float, std: float, seed: int, kind: str, generator: str) -> Noise | None:
        node = v.choice("generator", generator, tuple(_NOISE_NODES))
        if range_t is None:
            return None
        return _NOISE_NODES[node](Constant(), range_t=range_t, pct=pct, std=std, seed=seed, kind=kind)

    @property
    def _owns_lr(self) -> bool:
        """Whether the plateau keeps its own levels and writes every step (see the class doc)."""
        return self.warmup.warmup_t > 0 or self.noise is not None

    # -- the decision -------------------------------------------------------------------------

    def _is_better(self, a: float, best: float) -> bool:
        # torch's comparison, written out so that the float operations are its own in every
        # torch version (and a subclass overriding it, as torch allows, is obeyed).
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def is_better(self, a: float, best: float) -> bool:
        """Whether metric ``a`` improves on ``best`` (torch's ``is_better``, before torch 2.6)."""
        return self._is_better(a, best)

    def _reduced_metric(self, metric: Any) -> float:
        value = float(metric)
        if self.distributed and torch.distributed.is_available() and torch.distributed.is_initialized():
            dist = torch.distributed
            device = torch.device("cpu")
            if dist.get_backend() == "nccl":
                device = torch.device("cuda", torch.cuda.current_device())
            total = torch.tensor([value], dtype=torch.float64, device=device)
            dist.all_reduce(total, op=dist.ReduceOp.SUM)
            value = total.item() / dist.get_world_size()
        return value

    def _finite(self, value: float) -> bool:
        """False for a metric ``nonfinite="skip"`` ignores; raises under ``"raise"``."""
        if math.isfinite(value) or self.nonfinite == "count":
            return True
        if self.nonfinite == "raise":
            raise ValueError(
                f"metric is {value!r}; Plateau(nonfinite='skip') ignores such steps, "
                "nonfinite='count' passes them to torch's rules"
            )
        return False

    def _min_lrs_for(self, count: int) -> list[float]:
        """``min_lrs`` for ``count`` groups, as torch's ``_reduce_lr`` adapts it, or refused."""
        return _min_lrs_of(self.min_lrs, self.default_min_lr, count)

    def observe(self, metrics: Any, epoch: float | None = None) -> bool:
        """Count ``metrics`` (torch's rules) and reduce the lr if due; True when a reduction was due.

        A non-finite metric is handled by ``nonfinite`` before any state changes. ``epoch`` is
        what torch's ``step(metrics, epoch)`` records as ``last_epoch``.
        """
        value = self._reduced_metric(_required(metrics))
        if not self._finite(value):
            return False
        reduced = self._count(value, epoch)
        if not self._owns_lr:
            self._record()
        return reduced

    def _count(self, value: float, epoch: float | None) -> bool:
        better = self._is_better(value, self.best)
        bad = 0 if better else self.num_bad_epochs + 1
        cooldown = self.cooldown_counter
        if cooldown > 0:
            cooldown -= 1
            bad = 0  # bad epochs in cooldown do not count
        reduce = bad > self.patience
        if reduce:
            # Checked before anything changes: torch raises here with its counters half updated.
            count = len(self.levels) if self._owns_lr else len(self.optimizer.param_groups)
            min_lrs = self._min_lrs_for(count)
        self.last_epoch = self.last_epoch + 1 if epoch is None else epoch
        if better:
            self.best = value
        if reduce:
            self.min_lrs = min_lrs
            self._reduce(min_lrs)
            cooldown, bad = self.cooldown, 0
        self.num_bad_epochs, self.cooldown_counter = bad, cooldown
        return reduce

    def _reduce(self, min_lrs: list[float]) -> None:
        # torch's _reduce_lr: new = max(old * factor, min_lr), kept unless it moves by more than eps.
        if self._owns_lr:
            for i, old in enumerate(self.levels):
                new = max(old * self.factor, min_lrs[i])
                if old - new > self.eps:
                    self.levels[i] = new
            return
        # Worked out for every group first, so that a write that fails can be undone whole.
        # (No NaN, infinite or negative value comes out: new >= min_lr >= 0, and a NaN or
        # infinite lr a user set is kept, as old - new > eps is False for it.)
        changes = []
        for group, min_lr in zip(self.optimizer.param_groups, min_lrs, strict=True):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                changes.append((group, old, new))
        _write_all([(group, new) for group, _, new in changes], [old for _, old, _ in changes])

    # -- stepping -----------------------------------------------------------------------------

    def step(  # type: ignore[override]
        self, metrics: Any = _MISSING, epoch: float | None = None, *, metric: Any = _MISSING
    ) -> None:
        """Advance one epoch (or to ``epoch``), count the metric unless in warmup, set the lr.

        The metric is required, as in torch (``metric=`` is accepted for ``metrics=``). When
        the plateau owns the lr (a warmup or noise), a group added to the optimizer since the
        last step joins here at its own lr (its ``initial_lr`` if it has one), and ramps with the
        others if the warmup is still running; a per-group ``min_lr`` then needs a value for it
        in ``min_lrs`` first (:class:`GroupCountError`, nothing changed, otherwise).
        """
        if metrics is not _MISSING and metric is not _MISSING:
            raise TypeError("step() got the metric twice, as metrics= and as metric=; pass one")
        given = metric if metrics is _MISSING else metrics
        given = _required(None if given is _MISSING else given)
        epoch_given = epoch
        epoch = self.epoch + 1 if epoch is None else _time("epoch", epoch)
        in_warmup = self._owns_lr and epoch < self.warmup.warmup_t
        value = self._reduced_metric(given)
        # A NaN loss in warmup is as wrong as one after it: checked there too, though not counted.
        counted = self._finite(value) and not in_warmup
        # Checked before anything changes; once joined, min_lrs has a value for every group, so
        # the decision below cannot fail half way.
        joining = self._joining() if self._owns_lr else None
        if self._board.generation != self._seen:  # another driver took a field of this optimizer
            _contest(self, ("lr",))
        # The rest can still fail at the write (a value no driver writes): then all is undone.
        kept = _snapshot(self)
        added: list[dict[str, Any]] = []
        try:
            if joining is not None:
                added = self._join(*joining)
            if counted:
                self._count(value, None if epoch_given is None else epoch)
            self.epoch = epoch
            if self._owns_lr:
                self._write_epoch(epoch)
            else:
                self._record()
        except BaseException:
            _restore(self, kept)
            for group in added:
                group.pop("initial_lr", None)
            raise

    def _joining(self) -> tuple[list[dict[str, Any]], list[float], list[float]] | None:
        """The groups added since the last step, with their min_lrs and base lrs; checked only.

        Adopted, not refused: a group added mid-run (unfreezing a backbone) is what torch's
        plateau takes too, and the new group's own lr is the only level it can have.
        """
        groups = self.optimizer.param_groups
        known = len(self.levels)
        if len(groups) == known:
            return None
        if len(groups) < known:
            raise GroupCountError(
                f"{{optimizer}} has {len(groups)} param groups, fewer than the {known} this plateau "
                "drives, and there is no telling which one went; build a new Plateau",
                "optimizer",
            )
        new = groups[known:]
        for i, group in enumerate(new, start=known):
            if "lr" not in group:
                raise ValueError(f"param group {i} has no 'lr'")
        min_lrs = self._min_lrs_for(len(groups))
        return (
            new,
            min_lrs,
            [_base_of("lr", "lr", None, group, i) for i, group in enumerate(new, start=known)],
        )

    def _join(
        self, new: list[dict[str, Any]], min_lrs: list[float], bases: list[float]
    ) -> list[dict[str, Any]]:
        """Adopt the groups :meth:`_joining` found; returns those given an ``initial_lr`` here."""
        self.min_lrs = min_lrs
        self.base_lrs = [*self.base_lrs, *bases]
        added = []
        for group, base in zip(new, bases, strict=True):
            if "initial_lr" not in group:
                group["initial_lr"] = base
                added.append(group)
            self.levels.append(self._scaled(group, base) if self._levels_scaled else base)
        return added

    def _rebase_lr(self, lr: float) -> None:
        """Make ``lr`` group 0's base lr (the others keeping their ratio to it) and write the lr
        of the current epoch: the levels reached so far are scaled alike, so the run goes on as
        if built on those lrs (:meth:`lrkit.torch.LRFinderResult.apply`). ``min_lr`` stays the
        floor it was.
        """
        scale = rebasing(self, lr, float(self.base_lrs[0]))
        kept = _snapshot(self)
        initial = [group.get("initial_lr") for group in self.optimizer.param_groups]
        try:
            self.base_lrs = [scale(base) for base in self.base_lrs]
            floors = self._min_lrs_for(len(self.levels))
            self.levels = [max(scale(level), floor) for level, floor in zip(self.levels, floors, strict=True)]
            for group in self.optimizer.param_groups:
                if group.get("initial_lr") is not None:
                    group["initial_lr"] = scale(group["initial_lr"])
            if self._owns_lr:
                self._write_epoch(self.epoch)
            else:
                # The groups hold the lr, as in torch: scaled there, then read back as levels.
                groups = self.optimizer.param_groups
                writes = [(g, max(scale(g["lr"]), floor)) for g, floor in zip(groups, floors, strict=True)]
                _write_all(writes, self._last_lr)
                self._record()
        except BaseException:
            _restore(self, kept)
            for group, value in zip(self.optimizer.param_groups, initial, strict=True):
                if value is not None:
                    group["initial_lr"] = value
            raise

    def _record(self) -> None:
        """What the groups hold after a step, as torch's ``_last_lr`` (tensors copied)."""
        self._last_lr = [_copied(group["lr"]) for group in self.optimizer.param_groups]
        self.levels = [float(lr) for lr in self._last_lr]

    def _scaled(self, group: Mapping[str, Any], value: float) -> float:
        return value * group["lr_scale"] if "lr_scale" in group else value

    def _write_epoch(self, epoch: float) -> None:
        groups = self.optimizer.param_groups
        if epoch < self.warmup.warmup_t:
            values = [
                self._scaled(g, self.warmup(epoch, b)) for g, b in zip(groups, self.base_lrs, strict=True)
            ]
        elif self._levels_scaled:
            values = list(self.levels)
        else:
            values = [self._scaled(g, level) for g, level in zip(groups, self.levels, strict=True)]
        self._write(values, epoch)

    def _write(self, values: list[float], epoch: float, noisy: bool = True) -> None:
        """Write ``values`` (with this epoch's noise), refused whole unless each is finite and >= 0."""
        if noisy and self.noise is not None:
            n = self.noise.relative_noise(epoch)
            if n:
                values = [value + value * n for value in values]
        if not _writable(values):
            _refuse_unwritable("lr", values, epoch, (), "the plateau's level, warmup or noise")
        groups = self.optimizer.param_groups
        if len(groups) != len(values):
            raise ValueError(f"{len(values)} lrs for {len(groups)} param groups")
        previous = self._last_lr if len(self._last_lr) == len(values) else None
        _write_all(list(zip(groups, values, strict=True)), previous)
        self._last_lr = values

    def get_last_lr(self) -> list[Any]:
        """The lr of each group after the last step (noise included), as torch's ``get_last_lr``."""
        return list(self._last_lr)

    # -- checkpoints --------------------------------------------------------------------------

    def _settings(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "factor": self.factor,
            "patience": self.patience,
            "threshold": self.threshold,
            "threshold_mode": self.threshold_mode,
            "cooldown": self.cooldown,
            "min_lrs": list(self.min_lrs),
            "default_min_lr": self.default_min_lr,
            "eps": self.eps,
            # No warmup is None whatever warmup_lr_init says: torch's checkpoints have none either.
            "warmup": self.warmup.to_dict() if self.warmup.warmup_t > 0 else None,
            "noise": None if self.noise is None else self.noise.to_dict(),
        }

    def state_dict(self) -> dict[str, Any]:
        """The whole state, under torch's keys with torch's values, and lrkit's own fields.

        torch's ``ReduceLROnPlateau.load_state_dict`` takes it as it is (and carries lrkit's
        fields along unused); lrkit's are the format, the warmup and noise settings, the epoch,
        the levels (the lr before noise) and the base lrs.
        """
        state = self._settings()
        state.update(
            mode_worse=self.mode_worse,
            best=self.best,
            num_bad_epochs=self.num_bad_epochs,
            cooldown_counter=self.cooldown_counter,
            last_epoch=self.last_epoch,
            _last_lr=[_copied(lr) for lr in self._last_lr],
            format=_FORMAT,
            epoch=self.epoch,
            levels=list(self.levels),
            base_lrs=list(self.base_lrs),
        )
        return state

    def load_state_dict(self, state_dict: Mapping[str, Any], *, settings: str = "refuse") -> None:
        """Restore a :meth:`state_dict`, or a torch ``ReduceLROnPlateau``'s, or lrkit's older one.

        Settings that differ between the checkpoint and this plateau are refused with a
        ``ValueError`` naming each, before anything changes (``settings="checkpoint"`` takes
        the checkpoint's instead, as torch's ``load_state_dict`` does). When the lr lives in
        the optimizer, loading writes no lr: the optimizer's own state holds it, as with torch.
        When the plateau owns the lr, it writes the lr the restored state implies.

        A refused load changes nothing, and a loaded state is valid: every key the format
        holds is there (``ValueError`` naming a missing one), every setting of the format is
        there to be compared (a state with fewer is no state of that format), and each value
        is checked for its type and range (``TypeError`` / ``ValueError`` naming its key: a
        NaN ``best``, a negative counter, a NaN or negative level, base lr or ``_last_lr``, a
        time that is no finite number >= 0) before any attribute or param group changes. If
        the lr that the state implies is then refused (see :class:`Plateau`), what was
        assigned is undone.
        """
        settings = v.choice("settings", settings, ("refuse", "checkpoint"))
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        saved = _read(state_dict)
        groups = self.optimizer.param_groups
        if settings == "checkpoint":
            with _refusing("cannot load this plateau state: "):
                chosen = self._chosen_settings(saved["settings"])
            problems = []
        else:
            chosen = self._settings()
            problems = self._differences(saved["settings"], len(groups))
        owns = chosen["warmup"] is not None or chosen["noise"] is not None
        first_format = saved["format"] == _FORMAT_1
        levels = saved["levels"]
        # Levels are per group, so another number of groups is another run. Without them (the
        # lr in the optimizer) only min_lrs is per group, and it is compared above as torch
        # would extend it.
        if (owns or first_format) and levels is None:
            problems.insert(0, "the checkpoint has no levels (the lr before noise of each group)")
        elif (owns or first_format) and len(levels) != len(groups):
            problems.insert(0, f"{len(levels)} param groups in the checkpoint, {len(groups)} here")
        if problems:
            raise ValueError("cannot load this plateau state: " + "; ".join(problems))
        if owns or first_format:
            # Worked out now, so that a per-group min_lr for another group count is refused
            # before anything changes.
            min_lrs = _min_lrs_of(chosen["min_lrs"], chosen["default_min_lr"], len(groups))
        else:
            min_lrs = list(saved["settings"]["min_lrs"])

        # Everything is checked: now assign, and undo it all if the lr it implies is refused.
        kept = _snapshot(self)
        initial = [(group, group.get("initial_lr", _MISSING)) for group in groups]
        try:
            self._assign(saved, chosen if settings == "checkpoint" else None, owns, min_lrs, state_dict)
        except BaseException:
            _restore(self, kept)
            for group, value in initial:
                if value is _MISSING:
                    group.pop("initial_lr", None)
                else:
                    group["initial_lr"] = value
            raise
        _claim(self, ("lr",))  # a loaded plateau takes the lr over, silently

    def _assign(
        self,
        saved: Mapping[str, Any],
        chosen: Mapping[str, Any] | None,
        owns: bool,
        min_lrs: list[float],
        state_dict: Mapping[str, Any],
    ) -> None:
        """Set what :meth:`load_state_dict` checked (``chosen``: the checkpoint's settings, if taken)."""
        groups = self.optimizer.param_groups
        if chosen is not None:
            self._apply_settings(chosen)
        self.best = saved["best"]
        self.num_bad_epochs = saved["num_bad_epochs"]
        self.cooldown_counter = saved["cooldown_counter"]
        self.last_epoch = saved["last_epoch"]
        self.epoch = saved["epoch"]
        if saved["base_lrs"] is not None:
            self.base_lrs = list(saved["base_lrs"])
        self.min_lrs = min_lrs
        if not owns and saved["format"] != _FORMAT_1:
            # As torch's load: min_lrs as saved (a scalar min_lr is extended at the next
            # decision), the optimizer's lr untouched.
            if saved["last_lr"] is None:
                self._record()
            else:
                self._last_lr = [_copied(lr) for lr in saved["last_lr"]]
                self.levels = [float(lr) for lr in self._last_lr]
            return
        levels = saved["levels"]
        self.levels = list(levels)
        if not owns:
            # lrkit's first format wrote the levels into the groups on load; it still does.
            self._write([self._scaled(g, x) for g, x in zip(groups, levels, strict=True)], self.epoch)
            self.levels = [float(lr) for lr in self._last_lr]
            return
        for group, base in zip(groups, self.base_lrs, strict=True):
            group["initial_lr"] = base
        self._restore_written(state_dict)

    def _differences(self, saved: Mapping[str, Any], count: int) -> list[str]:
        mine = self._settings()
        problems = []
        for key in _SETTINGS:
            if key not in saved:
                continue  # not recorded (an older torch's default_min_lr, lrkit's first format's)
            theirs, ours = saved[key], mine[key]
            if key == "min_lrs":
                # Compared as the next decision would use them: torch extends a scalar min_lr
                # to added groups only then.
                theirs = _extended(theirs, saved.get("default_min_lr"), count)
                ours = _extended(ours, self.default_min_lr, count)
            if not _same_setting(theirs, ours):
                problems.append(f"{key} is {v.shown(saved[key])} in the checkpoint, {mine[key]!r} here")
        return problems

    def _chosen_settings(self, saved: Mapping[str, Any]) -> dict[str, Any]:
        """The checkpoint's settings, checked as the constructor checks them; absent ones kept."""
        chosen = {**self._settings(), **saved}
        for key in ("mode", "threshold_mode"):
            chosen[key] = v.choice(key, chosen[key], ("min", "max") if key == "mode" else ("rel", "abs"))
        chosen["factor"] = v.real("factor", chosen["factor"], minimum=0.0, maximum=1.0, strict_maximum=True)
        chosen["patience"] = v.integer("patience", chosen["patience"], minimum=0)
        chosen["cooldown"] = v.integer("cooldown", chosen["cooldown"], minimum=0)
        chosen["threshold"] = v.real("threshold", chosen["threshold"], minimum=0.0)
        chosen["eps"] = v.real("eps", chosen["eps"], minimum=0.0)
        chosen["min_lrs"] = [v.real(f"min_lrs[{i}]", m, minimum=0.0) for i, m in enumerate(chosen["min_lrs"])]
        if chosen["default_min_lr"] is not None:
            chosen["default_min_lr"] = v.real("default_min_lr", chosen["default_min_lr"], minimum=0.0)
        chosen["warmup"] = _rebuilt("warmup", chosen["warmup"], (Warmup,))
        chosen["noise"] = _rebuilt("noise", chosen["noise"], tuple(_NOISE_NODES.values()))
        return chosen

    def _apply_settings(self, chosen: Mapping[str, Any]) -> None:
        for key in ("mode", "factor", "patience", "threshold", "threshold_mode", "cooldown", "eps"):
            setattr(self, key, chosen[key])
        self.mode_worse = math.inf if self.mode == "min" else -math.inf
        self.min_lrs = list(chosen["min_lrs"])
        self.default_min_lr = chosen["default_min_lr"]
        self.warmup = chosen["warmup"] or Warmup(Constant(), warmup_t=0, warmup_lr_init=0.0)
        self.noise = chosen["noise"]

    def _restore_written(self, state: Mapping[str, Any]) -> None:
        # The lr is a function of the restored state: write it again.
        self._write_epoch(self.epoch)


def _min_lrs_of(min_lrs: Sequence[float], default: float | None, count: int) -> list[float]:
    """``min_lrs`` for ``count`` groups, as torch's ``_reduce_lr`` adapts it, or refused."""
    if len(min_lrs) == count:
        return list(min_lrs)
    if default is None:
        raise GroupCountError(
            f"{{min_lr}} was given per param group ({len(min_lrs)} values) and the optimizer "
            f"now has {count} param groups (after add_param_group?); set the plateau's min_lrs to "
            f"{count} values, as torch's ReduceLROnPlateau asks",
            "min_lr",
        )
    return [default] * count


def _snapshot(plateau: Plateau) -> dict[str, Any]:
    """The plateau's attributes, its lists copied (a step changes levels in place)."""
    return {key: (list(value) if type(value) is list else value) for key, value in plateau.__dict__.items()}


def _restore(plateau: Plateau, kept: Mapping[str, Any]) -> None:
    for key in [key for key in plateau.__dict__ if key not in kept]:
        del plateau.__dict__[key]
    plateau.__dict__.update(kept)


def _write_all(writes: list[tuple[dict[str, Any], float]], previous: Sequence[Any] | None) -> None:
    """Each ``(group, lr)`` written; if one fails, the groups written before get ``previous`` back."""
    for k, (group, value) in enumerate(writes):
        try:
            _write(group, "lr", None, value)
        except BaseException:
            if previous is not None:
                for (done, _), old in zip(writes[:k], previous, strict=False):
                    _write(done, "lr", None, float(old))
            raise


def _required(metric: Any) -> Any:
    if metric is None:
        raise TypeError(
            "Plateau.step() needs the metric it monitors, as torch's ReduceLROnPlateau does: "
            "call step(val_loss) after each validation (or step(val_loss, epoch=e)); without it "
            "the lr would never be reduced"
        )
    return metric


def _copied(lr: Any) -> Any:
    # torch keeps copies of tensor lrs, so that what it reports never aliases the group's lr.
    return lr.clone() if isinstance(lr, torch.Tensor) else lr


def _extended(min_lrs: Sequence[float], default: float | None, count: int) -> list[float]:
    if len(min_lrs) == count or default is None:
        return list(min_lrs)
    return [default] * count


def _rebuilt(name: str, data: Any, kinds: tuple[type, ...]) -> Any:
    if data is None:
        return None
    node = from_dict(data)
    if not isinstance(node, kinds) or node.schedule != Constant():
        raise ValueError(f"{name} in the checkpoint is {v.shown(data)}, not a plateau's {name}")
    return node


def _read(state: Mapping[str, Any]) -> dict[str, Any]:
    """A checkpoint of any format read into one shape, every value checked; nothing is set."""
    with _refusing("cannot load this plateau state: "):
        return _read_fields(state)


# What lrkit's first format always saved in its config (default_min_lr came later).
_FIRST_SETTINGS = tuple(key for key in _SETTINGS if key != "default_min_lr")
_COUNTERS = ("best", "num_bad_epochs", "cooldown_counter", "last_epoch")
# _last_lr is left out: torch's younger key, and not needed (the lrs are recorded or rewritten).
_OWN_KEYS = ("epoch", "base_lrs")


def _has(state: Mapping[str, Any], keys: Sequence[str], where: str = "") -> None:
    for key in keys:
        if key not in state:
            name = f"{where}[{key!r}]" if where else key
            raise v.InvalidValueError(
                "not a whole plateau state_dict: it has no '{"
                + name
                + "}'"
                + (" (a state of that format holds every setting, to be compared)" if where else ""),
                name,
            )


def _read_fields(state: Mapping[str, Any]) -> dict[str, Any]:
    fmt = state.get("format")
    if fmt == _FORMAT_1:
        _has(state, ("config", "num_groups", "levels", "base_lrs", *_COUNTERS))
        config = state["config"]
        if not isinstance(config, Mapping):
            raise v.wrong_type("config", f"must be a mapping of the settings, got {v.shown(config)}")
        # Every setting the format saved must be there: a missing one would go uncompared.
        _has(config, _FIRST_SETTINGS, "config")
        found = {key: config[key] for key in _SETTINGS if key in config}
        # The first format saved a warmup even when warmup_t was 0; that one does nothing.
        warmup = found["warmup"]
        if isinstance(warmup, Mapping) and warmup.get("warmup_t") == 0:
            found["warmup"] = None
        last_lr = None
        levels, base_lrs = state["levels"], state["base_lrs"]
        count = v.integer("num_groups", state["num_groups"], minimum=0)
        if _lrs("levels", levels) and len(levels) != count:
            raise v.invalid("levels", f"has {len(levels)} values for num_groups={count}")
    elif fmt == _FORMAT or (fmt is None and all(key in state for key in _TORCH_KEYS)):
        # lrkit's own format holds every setting, its epoch and base lrs (its levels: see
        # load_state_dict); torch's holds its own (default_min_lr is younger).
        _has(state, _TORCH_KEYS + ((*_SETTINGS, *_OWN_KEYS) if fmt == _FORMAT else ()))
        found = {key: state[key] for key in _SETTINGS if key in state}
        if fmt is None:
            found.update(warmup=None, noise=None)  # torch's plateau has neither
        last_lr = state.get("_last_lr")
        levels, base_lrs = state.get("levels"), state.get("base_lrs")
        if fmt == _FORMAT:
            base_lrs = _lrs("base_lrs", base_lrs)  # always saved: None is no absence here
            if levels is not None and last_lr is not None:
                # One of each per group, at the last step (with the lr in the optimizer too).
                count = len(_lrs("levels", levels))
                if len(_lrs("_last_lr", last_lr)) != count:
                    raise v.invalid(
                        "_last_lr", f"has {len(last_lr)} values and levels {count}: both go per group"
                    )
    else:
        raise ValueError(
            f"not a ReduceLROnPlateau state_dict: neither torch's keys ({', '.join(_TORCH_KEYS)}) "
            f"nor an lrkit Plateau format ({_FORMAT!r}, {_FORMAT_1!r}); got format {v.shown(fmt)}"
        )
    last_epoch = _time_checked("last_epoch", state["last_epoch"])
    levels = None if levels is None else _lrs("levels", levels)
    base_lrs = None if base_lrs is None else _lrs("base_lrs", base_lrs)
    if levels is not None and base_lrs is not None and len(levels) != len(base_lrs):
        raise v.invalid("levels", f"has {len(levels)} values and base_lrs {len(base_lrs)}: they go per group")
    found["min_lrs"] = _lrs("min_lrs", found["min_lrs"])
    if found.get("default_min_lr") is not None:
        found["default_min_lr"] = v.real("default_min_lr", found["default_min_lr"], minimum=0.0)
    if last_lr is not None:
        _lrs("_last_lr", last_lr)  # checked only: tensors stay tensors, as torch keeps them
    return {
        "format": fmt,
        "settings": found,
        "best": _best(state["best"]),
        "num_bad_epochs": v.integer("num_bad_epochs", state["num_bad_epochs"], minimum=0),
        "cooldown_counter": v.integer("cooldown_counter", state["cooldown_counter"], minimum=0),
        "last_epoch": last_epoch,
        # torch has no epoch of its own: every one of its steps counted a metric.
        "epoch": _time_checked("epoch", state.get("epoch", last_epoch)),
        "last_lr": None if last_lr is None else list(last_lr),
        "levels": levels,
        "base_lrs": base_lrs,
    }


def _lrs(name: str, values: Any) -> list[float]:
    """A list of lrs (one per group), each a finite number >= 0, as floats."""
    if isinstance(values, (str, bytes, Mapping)) or not isinstance(values, Sequence):
        raise v.wrong_type(name, f"must be a list of numbers, one per param group, got {v.shown(values)}")
    return [v.real(f"{name}[{i}]", x, minimum=0.0) for i, x in enumerate(values)]


def _best(value: Any) -> float:
    """torch's ``best``: a number, infinite before any metric (or after an infinite one), never NaN."""
    if isinstance(value, float) and value in (math.inf, -math.inf):
        return value
    if isinstance(value, torch.Tensor) and value.numel() == 1 and value.dtype.is_floating_point:
        value = value.item()
        if value in (math.inf, -math.inf):
            return value
    return v.real("best", value)
