"""The YOLOv5 / ultralytics schedule as one call.

YOLOv5's ``train.py`` builds three param groups, scales every lr by a per-epoch ``lf(epoch)``
through ``LambdaLR``, and at the start of every iteration ``ni`` of the warmup overwrites each
group's lr with ``np.interp(ni, [0, nw], [start, initial_lr * lf(epoch)])`` (the bias group
starts at ``warmup_bias_lr``, the others at 0) and the momentum with
``np.interp(ni, [0, nw], [warmup_momentum, momentum])``. :func:`scheduler` gives the same
values from per-group core schedules, stepped with ``sched.step_update(ni)`` alone, and resumes
mid-epoch from a ``state_dict`` exactly.

>>> import torch, lrkit.yolo
>>> model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))
>>> opt = lrkit.yolo.optimizer(model, lr=0.01)
>>> sched = lrkit.yolo.scheduler(opt, epochs=100, batches_per_epoch=50)
>>> [round(g["lr"], 6) for g in opt.param_groups]   # ni = 0: the bias group starts at 0.1
[0.0, 0.0, 0.1]
"""

from __future__ import annotations

import math
from typing import Any

import torch

from lrkit import checks as v
from lrkit.combinators import Multiplier, Sequential, Shift, Stairs, Warmup
from lrkit.recipes.yolov5 import FollowWarmup
from lrkit.schedule import Schedule
from lrkit.shapes import Constant, Cosine, Linear
from lrkit.torch.scheduler import Scheduler

__all__ = ["YoloScheduler", "lf", "optimizer", "param_groups", "scheduler", "warmup_iterations"]


def _momentum(name: str, value: Any) -> float:
    # 1 or more never lets the velocity decay: SGD diverges.
    return v.real(name, value, minimum=0.0, maximum=1.0, strict_maximum=True)


def param_groups(model: torch.nn.Module, weight_decay: float = 5e-4) -> list[dict[str, Any]]:
    """YOLOv5's three groups: ``[the rest, weights with weight decay, biases]``.

    Biases and the weights of normalization layers take no weight decay; every other
    parameter (conv and linear weights, embeddings) does. Group order is the seed tutorial's
    (``pg0, pg1, pg2``), so the bias group is ``2``.
    """
    weight_decay = v.real("weight_decay", weight_decay, minimum=0.0)
    norms = tuple(cls for name, cls in vars(torch.nn).items() if isinstance(cls, type) and "Norm" in name)
    rest, decay, biases = [], [], []
    for module in model.modules():
        for name, param in module.named_parameters(recurse=False):
            if name == "bias":
                biases.append(param)
            elif name == "weight" and isinstance(module, norms):
                rest.append(param)
            else:
                decay.append(param)
    return [
        {"params": rest, "weight_decay": 0.0},
        {"params": decay, "weight_decay": weight_decay},
        {"params": biases, "weight_decay": 0.0},
    ]


def optimizer(
    model: torch.nn.Module,
    lr: float = 0.01,
    momentum: float = 0.937,
    weight_decay: float = 5e-4,
    nesterov: bool = True,
) -> torch.optim.SGD:
    """YOLOv5's SGD over :func:`param_groups` (bias group ``2``).

    ``lr`` >= 0, ``0 <= momentum < 1`` (Nesterov's needs it above 0), ``weight_decay`` >= 0.
    """
    lr = v.real("lr", lr, minimum=0.0)
    momentum = _momentum("momentum", momentum)
    if v.flag("nesterov", nesterov) and momentum == 0:
        raise v.invalid("nesterov", "needs {momentum} > 0 (Nesterov momentum), got 0", "momentum")
    return torch.optim.SGD(param_groups(model, weight_decay), lr=lr, momentum=momentum, nesterov=nesterov)


def lf(epochs: int, lrf: float = 0.01, cos_lr: bool = True) -> Schedule:
    """YOLOv5's ``lf(epoch)`` as a multiplier schedule of the epoch.

    ``cos_lr``: the one-cycle cosine from 1 to ``lrf``,
    ``lrf + (1 - lrf) * (1 + cos(pi * x / epochs)) / 2``; else the linear
    ``(1 - x / epochs) * (1 - lrf) + lrf``.

    >>> round(lf(100, lrf=0.2)(50), 12)
    0.6
    """
    epochs = v.integer("epochs", epochs, minimum=1)
    lrf = v.real("lrf", lrf, minimum=0.0)
    cos_lr = v.flag("cos_lr", cos_lr)
    with v.renamed(t_initial="epochs", lr_min="lrf", end_factor="lrf"):
        if cos_lr:
            return Cosine(t_initial=epochs, lr_min=lrf)
        return Linear(t_initial=epochs, start_factor=1.0, end_factor=lrf)


class YoloScheduler(Scheduler):
    """The driver :func:`scheduler` returns: lrkit's, with the epoch count of YOLOv5's ``LambdaLR``.

    Stepping contract: ``step_update(ni)`` at the start of every iteration writes that
    iteration's values, and is all a loop needs. A loop migrated from YOLOv5 may keep its two
    ``LambdaLR`` lines with their meaning: ``scheduler.step()`` at an epoch's end moves to the
    next epoch's first iteration, and ``last_epoch`` is ``LambdaLR``'s count, the epoch whose
    ``lf`` the lr follows (``epoch - 1`` during an epoch with ``lag``, YOLOv5's
    ``scheduler.last_epoch = start_epoch - 1``; ``epoch`` without), so setting it places the
    driver at the start of the epoch that count implies. Neither writes a value the next
    ``step_update(ni)`` would not.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, *, lag: bool, **kwargs: Any) -> None:
        self._lag = int(lag)
        super().__init__(optimizer, **kwargs)

    @property
    def last_epoch(self) -> float:  # type: ignore[override]
        upe = self.updates_per_epoch or 1
        return math.floor(self._ticks / upe) - self._lag

    @last_epoch.setter
    def last_epoch(self, value: float) -> None:
        Scheduler.last_epoch.fset(self, value)  # type: ignore[attr-defined]
        self._ticks = (self._ticks + self._lag) * (self.updates_per_epoch or 1)

    def step(self, epoch: float | None = None, metric: float | None = None) -> None:  # type: ignore[override]
        """At an epoch's end (``LambdaLR.step()``): to the next epoch's first iteration."""
        if epoch is not None:
            super().step(epoch, metric)
            return
        upe = self.updates_per_epoch or 1
        ticks = (math.floor(self._ticks / upe) + 1) * upe
        self._advance(ticks, ticks)  # raising, it changes nothing
        self._step_count += 1


def warmup_iterations(warmup_epochs: float, batches_per_epoch: int, min_warmup_iters: int = 100) -> int:
    """YOLOv5's warmup length: ``max(round(warmup_epochs * nb), min_warmup_iters)``.

    ``warmup_epochs`` >= 0, ``batches_per_epoch`` >= 1 and ``min_warmup_iters`` >= 0 (an int).
    """
    return _warmup_iterations(*_warmup_arguments(warmup_epochs, batches_per_epoch, min_warmup_iters))


def _warmup_arguments(
    warmup_epochs: Any, batches_per_epoch: Any, min_warmup_iters: Any
) -> tuple[float, int, int]:
    """The arguments of :func:`warmup_iterations`, checked."""
    warmup_epochs = v.real("warmup_epochs", warmup_epochs, minimum=0.0)
    nb = v.integer("batches_per_epoch", batches_per_epoch, minimum=1)
    min_warmup_iters = v.integer("min_warmup_iters", min_warmup_iters, minimum=0)
    # Iteration counts become float times of the schedules: they must be within the float range.
    v.real("batches_per_epoch", nb)
    v.real("min_warmup_iters", min_warmup_iters)
    if not math.isfinite(warmup_epochs * nb):
        raise v.invalid(
            "warmup_epochs",
            f"times {{batches_per_epoch}} ({nb}) must be finite, got {warmup_epochs!r}",
            "batches_per_epoch",
        )
    return warmup_epochs, nb, min_warmup_iters


def _warmup_iterations(warmup_epochs: float, nb: int, min_warmup_iters: int) -> int:
    return max(round(warmup_epochs * nb), min_warmup_iters)


def scheduler(
    optimizer: torch.optim.Optimizer,
    epochs: int,
    batches_per_epoch: int,
    *,
    lrf: float = 0.01,
    cos_lr: bool = True,
    warmup_epochs: float = 3,
    warmup_bias_lr: float = 0.1,
    warmup_momentum: float = 0.8,
    momentum: float = 0.937,
    bias_group: int = 2,
    min_warmup_iters: int = 100,
    lag: bool = True,
) -> YoloScheduler:
    """A :class:`YoloScheduler` giving YOLOv5's lr and momentum at every iteration.

    Step it with ``sched.step_update(ni)`` at the start of every iteration, with
    ``ni = i + batches_per_epoch * epoch``; nothing else is needed (YOLOv5's
    ``scheduler.step()`` and ``scheduler.last_epoch = start_epoch - 1`` may stay, see
    :class:`YoloScheduler`). Per group, in iterations ``t``:

    - while ``t <= nw`` (``nw`` from :func:`warmup_iterations`): ``np.interp(t, [0, nw],
      [start, base * lf(t // nb)])``, ``start`` being ``warmup_bias_lr`` for ``bias_group``
      and 0 for the others;
    - after it: ``base * lf(max(t // nb - 1, nw // nb))`` with ``lag`` (YOLOv5 sets
      ``scheduler.last_epoch = start_epoch - 1`` and steps ``LambdaLR`` at each epoch's end,
      so an epoch runs at the previous epoch's ``lf``, and the epoch in which the warmup ends
      keeps the warmup's last target), ``base * lf(t // nb)`` without;
    - momentum (groups that have one): ``np.interp(t, [0, nw], [warmup_momentum,
      momentum])``, then ``momentum``.

    ``base`` is each group's ``initial_lr``; ``momentum`` is written as each group's
    ``initial_momentum``, since YOLOv5's momentum target is the absolute hyperparameter.

    Every argument is checked, the momentum ones (``0 <= momentum, warmup_momentum < 1``) also
    for an optimizer without momentum, before the optimizer changes; a refused call leaves it
    as it was.
    """
    if not hasattr(optimizer, "param_groups"):
        raise TypeError(f"optimizer must be a torch optimizer, got {type(optimizer).__name__}")
    groups = optimizer.param_groups
    warmup_epochs, nb, min_warmup_iters = _warmup_arguments(
        warmup_epochs, batches_per_epoch, min_warmup_iters
    )
    nw = _warmup_iterations(warmup_epochs, nb, min_warmup_iters)
    bias_group = v.integer("bias_group", bias_group, minimum=-len(groups))
    if bias_group >= len(groups):
        raise v.invalid("bias_group", f"must name one of the {len(groups)} param groups, got {bias_group}")
    lag = v.flag("lag", lag)
    warmup_bias_lr = v.real("warmup_bias_lr", warmup_bias_lr, minimum=0.0)
    momentum = _momentum("momentum", momentum)
    warmup_momentum = _momentum("warmup_momentum", warmup_momentum)
    curve = lf(epochs, lrf, cos_lr)
    target = Multiplier(Stairs(curve, every=nb))
    after = target
    if lag:
        # Epoch e runs at lf(max(e - 1, e_w)): the rest of the epoch e_w in which the warmup
        # ends keeps the ramp's last target, lf(e_w), until LambdaLR first steps at its end.
        last_warm = nw // nb
        lagged = Shift(Shift(curve, by=-last_warm), by=1 + last_warm) if last_warm else Shift(curve, by=1)
        after = Multiplier(Stairs(lagged, every=nb))

    def lr_schedule(start: float) -> Schedule:
        if not nw:
            return after
        ramp = FollowWarmup(target, warmup_t=nw, warmup_lr_init=start)
        if after is target:
            return ramp
        # The ramp covers t <= nw (np.interp's right end is the target itself); the lagged
        # curve takes over at nw + 1 on the global time, which Shift gives back.
        return Sequential([ramp, Shift(after, by=-(nw + 1))], boundaries=[nw + 1])

    plain = lr_schedule(0.0)
    bias = lr_schedule(warmup_bias_lr)
    lrs = [bias if i == bias_group % len(groups) else plain for i in range(len(groups))]
    fields: dict[str, Any] = {"lr": lrs}
    if not all("momentum" in group for group in groups):
        return YoloScheduler(optimizer, lag=lag, unit="update", updates_per_epoch=nb, **fields)
    fields["momentum"] = Warmup(Constant(), warmup_t=nw, warmup_lr_init=warmup_momentum) if nw else Constant()
    missing = object()
    before = [group.get("initial_momentum", missing) for group in groups]
    for group in groups:
        group["initial_momentum"] = momentum
    try:
        return YoloScheduler(optimizer, lag=lag, unit="update", updates_per_epoch=nb, **fields)
    except BaseException:
        # The driver's own checks refused: the momentum bases go back to what they were.
        for group, value in zip(groups, before, strict=True):
            if value is missing:
                del group["initial_momentum"]
            else:
                group["initial_momentum"] = value
        raise
