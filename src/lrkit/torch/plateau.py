"""Metric-driven decay (torch's ``ReduceLROnPlateau`` rules) whose whole state checkpoints.

A plateau schedule is the one schedule that is not a pure function of time: it depends on the
metrics seen so far. Everything it depends on (best metric, bad-epoch and cooldown counters,
the lr of every group before noise, the epoch) lives in :meth:`Plateau.state_dict`, so a
resumed run continues exactly. Warmup and noise come from the core (``lrkit.warmup``,
``lrkit.noise``), so they are the same curves and draws as everywhere else in lrkit.
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
from lrkit.shapes import Constant
from lrkit.torch.scheduler import _groups, _time, _write

__all__ = ["Plateau"]

_FORMAT = "lrkit.torch.Plateau/1"
# The noise's draws: lrkit's own, or timm's (what the timm twin's plateau uses).
_NOISE_NODES: dict[str, type[Noise]] = {"lrkit": Noise, "torch": TorchNoise}


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

    Args:
        optimizer: the optimizer whose groups' ``lr`` is written.
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
    work; ``step(metric, epoch=e)`` sets the epoch explicitly.
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
        self.factor = v.real("factor", factor, minimum=0.0, maximum=1.0, strict_maximum=True)
        self.patience = v.integer("patience", patience, minimum=0)
        self.threshold = v.real("threshold", threshold, minimum=0.0)
        self.threshold_mode = v.choice("threshold_mode", threshold_mode, ("rel", "abs"))
        self.cooldown = v.integer("cooldown", cooldown, minimum=0)
        if isinstance(min_lr, Sequence) and not isinstance(min_lr, (str, bytes)):
            if len(min_lr) != len(groups):
                raise ValueError(f"min_lr: got {len(min_lr)} values for {len(groups)} param groups")
            self.min_lrs = [v.real(f"min_lr[{i}]", m, minimum=0.0) for i, m in enumerate(min_lr)]
        else:
            self.min_lrs = [v.real("min_lr", min_lr, minimum=0.0)] * len(groups)
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
        for group, base in zip(groups, self.base_lrs, strict=True):
            group.setdefault("initial_lr", base)
        self._num_groups = len(groups)
        self.best = math.inf if self.mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0  # metric observations, as torch counts them
        self.epoch: float = 0
        self.levels = [
            self._scaled(group, base) if self._levels_scaled else base
            for group, base in zip(groups, self.base_lrs, strict=True)
        ]
        self._last_lr: list[float] = []
        self._write_epoch(0)

    @staticmethod
    def _noise(range_t: Any, pct: float, std: float, seed: int, kind: str, generator: str) -> Noise | None:
        node = v.choice("generator", generator, tuple(_NOISE_NODES))
        if range_t is None:
            return None
        return _NOISE_NODES[node](Constant(), range_t=range_t, pct=pct, std=std, seed=seed, kind=kind)

    # -- the decision -------------------------------------------------------------------------

    def _is_better(self, metric: float) -> bool:
        if self.mode == "min":
            if self.threshold_mode == "rel":
                return metric < self.best * (1.0 - self.threshold)
            return metric < self.best - self.threshold
        if self.threshold_mode == "rel":
            return metric > self.best * (self.threshold + 1.0)
        return metric > self.best + self.threshold

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

    def observe(self, metric: Any) -> bool:
        """Count ``metric`` (torch's rules) and decay the levels if due; True when it decayed.

        A non-finite metric is handled by ``nonfinite`` before any state changes.
        """
        value = self._reduced_metric(metric)
        if not self._finite(value):
            return False
        self.last_epoch += 1
        if self._is_better(value):
            self.best = value
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in cooldown do not count
        if self.num_bad_epochs > self.patience:
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
            for i, old in enumerate(self.levels):
                new = max(old * self.factor, self.min_lrs[i])
                if old - new > self.eps:
                    self.levels[i] = new
            return True
        return False

    # -- stepping -----------------------------------------------------------------------------

    def step(self, metric: Any = None, epoch: float | None = None) -> None:  # type: ignore[override]
        """Advance one epoch (or to ``epoch``), count ``metric`` unless in warmup, write the lr."""
        epoch = self.epoch + 1 if epoch is None else _time("epoch", epoch)
        in_warmup = epoch < self.warmup.warmup_t
        if metric is not None:
            if in_warmup:
                # Not counted, but a NaN loss in warmup is as wrong as one after it.
                self._finite(self._reduced_metric(metric))
            else:
                self.observe(metric)
        self.epoch = epoch
        self._write_epoch(epoch)

    def _scaled(self, group: Mapping[str, Any], value: float) -> float:
        return value * group["lr_scale"] if "lr_scale" in group else value

    def _write_epoch(self, epoch: float) -> None:
        groups = _groups(self.optimizer, self._num_groups, "Plateau")
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

    def get_last_lr(self) -> list[float]:
        """The lr of each group as last written (noise included)."""
        return list(self._last_lr)

    # -- checkpoints --------------------------------------------------------------------------

    def _config(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "factor": self.factor,
            "patience": self.patience,
            "threshold": self.threshold,
            "threshold_mode": self.threshold_mode,
            "cooldown": self.cooldown,
            "min_lrs": list(self.min_lrs),
            "eps": self.eps,
            "warmup": self.warmup.to_dict(),
            "noise": None if self.noise is None else self.noise.to_dict(),
        }

    def state_dict(self) -> dict[str, Any]:
        """The whole state: counters, best metric, epoch, the lr before noise, the settings."""
        return {
            "format": _FORMAT,
            "num_groups": self._num_groups,
            "config": self._config(),
            "best": self.best,
            "num_bad_epochs": self.num_bad_epochs,
            "cooldown_counter": self.cooldown_counter,
            "last_epoch": self.last_epoch,
            "epoch": self.epoch,
            "levels": list(self.levels),
            "base_lrs": list(self.base_lrs),
        }

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        """Restore a :meth:`state_dict` and write the lr it implies; a mismatch changes nothing."""
        state = state_dict
        if not isinstance(state, Mapping) or state.get("format") != _FORMAT:
            raise ValueError(f"not an lrkit Plateau state_dict (format {_FORMAT!r} expected)")
        problems = []
        if state["num_groups"] != self._num_groups:
            problems.append(f"{state['num_groups']} param groups in the checkpoint, {self._num_groups} here")
        mine = self._config()
        for key, value in state["config"].items():
            if mine.get(key) != value:
                problems.append(f"{key} is {value!r} in the checkpoint, {mine.get(key)!r} here")
        if problems:
            raise ValueError("cannot load this plateau state: " + "; ".join(problems))
        self.best = float(state["best"])
        self.num_bad_epochs = int(state["num_bad_epochs"])
        self.cooldown_counter = int(state["cooldown_counter"])
        self.last_epoch = int(state["last_epoch"])
        self.epoch = state["epoch"]
        self.levels = [float(x) for x in state["levels"]]
        self.base_lrs = [float(x) for x in state["base_lrs"]]
        for group, base in zip(self.optimizer.param_groups, self.base_lrs, strict=True):
            group["initial_lr"] = base
        self._restore_written(state)

    def _restore_written(self, state: Mapping[str, Any]) -> None:
        # The lr is a function of the restored state: write it again.
        self._write_epoch(self.epoch)
