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
from lrkit.torch.scheduler import _time, _write

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
_MISSING: Any = object()


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
    """

    # An instance of torch's ReduceLROnPlateau (its __init__ is not run) because trainers such as
    # Lightning recognise plateaus by that type and then pass the monitored metric to step().
    # The twin of timm keeps levels with lr_scale already applied, as timm's plateau does.
    _levels_scaled = False

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
        self.base_lrs = [float(group.get("initial_lr", group["lr"])) for group in groups]
        self._reset()
        self.last_epoch = 0  # counted metrics, as torch counts its steps
        self.epoch: float = 0
        self._last_lr: list[Any] = []
        if self._owns_lr:
            for group, base in zip(groups, self.base_lrs, strict=True):
                group.setdefault("initial_lr", base)
            self.levels = [
                self._scaled(group, base) if self._levels_scaled else base
                for group, base in zip(groups, self.base_lrs, strict=True)
            ]
            self._write_epoch(0)
        else:
            self._record()

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
        if len(self.min_lrs) == count:
            return list(self.min_lrs)
        if self.default_min_lr is None:
            raise GroupCountError(
                f"{{min_lr}} was given per param group ({len(self.min_lrs)} values) and the optimizer "
                f"now has {count} param groups (after add_param_group?); set the plateau's min_lrs to "
                f"{count} values, as torch's ReduceLROnPlateau asks",
                "min_lr",
            )
        return [self.default_min_lr] * count

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
        for group, min_lr in zip(self.optimizer.param_groups, min_lrs, strict=True):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                _write(group, "lr", None, new)

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
        if joining is not None:
            self._join(*joining)
        if counted:
            self._count(value, None if epoch_given is None else epoch)
        self.epoch = epoch
        if self._owns_lr:
            self._write_epoch(epoch)
        else:
            self._record()

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
        return new, min_lrs, [float(group.get("initial_lr", group["lr"])) for group in new]

    def _join(self, new: list[dict[str, Any]], min_lrs: list[float], bases: list[float]) -> None:
        self.min_lrs = min_lrs
        self.base_lrs = [*self.base_lrs, *bases]
        for group, base in zip(new, bases, strict=True):
            group.setdefault("initial_lr", base)
            self.levels.append(self._scaled(group, base) if self._levels_scaled else base)

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
        if noisy and self.noise is not None:
            n = self.noise.relative_noise(epoch)
            if n:
                values = [value + value * n for value in values]
        for group, value in zip(self.optimizer.param_groups, values, strict=True):
            _write(group, "lr", None, value)
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
        """
        settings = v.choice("settings", settings, ("refuse", "checkpoint"))
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"state_dict must be a mapping, got {type(state_dict).__name__}")
        saved = _read(state_dict)
        groups = self.optimizer.param_groups
        if settings == "checkpoint":
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

        if settings == "checkpoint":
            self._apply_settings(chosen)
        self.best = saved["best"]
        self.num_bad_epochs = saved["num_bad_epochs"]
        self.cooldown_counter = saved["cooldown_counter"]
        self.last_epoch = saved["last_epoch"]
        self.epoch = saved["epoch"]
        if saved["base_lrs"] is not None:
            self.base_lrs = list(saved["base_lrs"])
        if not owns and not first_format:
            # As torch's load: min_lrs as saved (a scalar min_lr is extended at the next
            # decision), the optimizer's lr untouched.
            self.min_lrs = list(saved["settings"]["min_lrs"])
            if saved["last_lr"] is None:
                self._record()
            else:
                self._last_lr = [_copied(lr) for lr in saved["last_lr"]]
                self.levels = [float(lr) for lr in self._last_lr]
            return
        self.min_lrs = self._min_lrs_for(len(groups))
        self.levels = levels
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
            if theirs != ours:
                problems.append(f"{key} is {saved[key]!r} in the checkpoint, {mine[key]!r} here")
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
        raise ValueError(f"{name} in the checkpoint is {data!r}, not a plateau's {name}")
    return node


def _read(state: Mapping[str, Any]) -> dict[str, Any]:
    """A checkpoint of any format read into one shape, every value checked; nothing is set."""
    try:
        return _read_fields(state)
    except KeyError as error:
        raise ValueError(f"not a whole plateau state_dict: it has no {error.args[0]!r}") from None


def _read_fields(state: Mapping[str, Any]) -> dict[str, Any]:
    fmt = state.get("format")
    if fmt == _FORMAT_1:
        config = state["config"]
        found = {key: config[key] for key in _SETTINGS if key in config}
        # The first format saved a warmup even when warmup_t was 0; that one does nothing.
        if found.get("warmup") is not None and found["warmup"].get("warmup_t") == 0:
            found["warmup"] = None
        last_lr = None
        levels, base_lrs = state["levels"], state["base_lrs"]
        if len(levels) != state["num_groups"]:
            raise ValueError("not a Plateau state_dict: levels and num_groups disagree")
    elif fmt == _FORMAT or (fmt is None and all(key in state for key in _TORCH_KEYS)):
        found = {key: state[key] for key in _SETTINGS if key in state}
        if fmt is None:
            found.update(warmup=None, noise=None)  # torch's plateau has neither
        last_lr = state.get("_last_lr")
        levels, base_lrs = state.get("levels"), state.get("base_lrs")
    else:
        raise ValueError(
            f"not a ReduceLROnPlateau state_dict: neither torch's keys ({', '.join(_TORCH_KEYS)}) "
            f"nor an lrkit Plateau format ({_FORMAT!r}, {_FORMAT_1!r}); got format {fmt!r}"
        )
    last_epoch = _time("last_epoch", state["last_epoch"])
    if levels is not None and base_lrs is not None and len(levels) != len(base_lrs):
        raise ValueError("not a Plateau state_dict: levels and base_lrs disagree in length")
    found["min_lrs"] = [v.real(f"min_lrs[{i}]", m, minimum=0.0) for i, m in enumerate(found["min_lrs"])]
    return {
        "format": fmt,
        "settings": found,
        "best": float(state["best"]),
        "num_bad_epochs": v.integer("num_bad_epochs", state["num_bad_epochs"], minimum=0),
        "cooldown_counter": v.integer("cooldown_counter", state["cooldown_counter"], minimum=0),
        "last_epoch": last_epoch,
        # torch has no epoch of its own: every one of its steps counted a metric.
        "epoch": _time("epoch", state.get("epoch", last_epoch)),
        "last_lr": None if last_lr is None else list(last_lr),
        "levels": None if levels is None else [float(x) for x in levels],
        "base_lrs": None if base_lrs is None else [float(x) for x in base_lrs],
    }
