"""The ultralytics (YOLOv8 and later) trainer's lr and momentum, per param group, in iterations.

``ultralytics/engine/trainer.py`` builds ``LambdaLR(optimizer, lf)`` over epochs, with
``lf(x) = ((1 - cos(x * pi / epochs)) / 2) * (lrf - 1) + 1`` (``cos_lr``, its ``one_cycle``) or
``max(1 - x / epochs, 0) * (1 - lrf) + lrf``, and at iteration ``ni = i + nb * epoch`` of the
warmup writes every group's ``lr = np.interp(ni, [0, nw], [start, initial_lr * lf(epoch)])``
(``start`` is ``warmup_bias_lr`` for the bias group, 0 for the others) and
``momentum = np.interp(ni, [0, nw], [warmup_momentum, momentum])``. The recipe
``"ultralytics:yolo"`` gives that lr for one group as a schedule of ``ni``, ``base`` being the
group's ``initial_lr``; its ``momentum`` field is the momentum (absolute). ``ni`` counts
batches: it is the optimizer's update count only without gradient accumulation (ultralytics
steps the optimizer every ``accumulate`` batches, and ramps ``accumulate`` in the warmup too,
which is no lr and not modelled).

The rules moved between releases; ``version`` (default the newest checked, 8.4.190) picks them:

- before 8.1.42 ``scheduler.step()`` ran at each epoch's end, so after the warmup epoch ``e``
  ran at ``lf(max(e - 1, e_w))``, ``e_w = nw // nb`` (YOLOv5's lag); since, at its start
  (``lf(e)``);
- before 8.4.103 ``nw = max(round(warmup_epochs * nb), 100)`` (none for ``warmup_epochs=0``);
  since, ``nw = round(w * nb)`` with ``w = min(warmup_epochs, max(epochs - 1, 0))`` (none for 0);
- from 8.4.103 to 8.4.182 the test was ``ni < nw``: the warmup's last write is at ``nw - 1``, so
  the momentum stays just below ``momentum`` for the rest of the run and the lr stays just below
  its target for the rest of that epoch; otherwise ``ni <= nw``, which lands on both;
- the bias group is the first group before 8.4.3 (ultralytics built its optimizer on the biases)
  and the group tagged ``param_group="bias"`` since (the third of ultralytics' own groups).
  Give ``bias=True`` for that group's schedule; one driver for all groups takes a list:

>>> from lrkit.recipes.ultralytics import yolo, yolo_momentum
>>> kw = dict(epochs=100, nb=50, cos_lr=True)
>>> lrs = [yolo(**kw), yolo(**kw), yolo(**kw, bias=True)]
>>> [round(s(0, base=0.01), 6) for s in lrs], round(yolo_momentum(**kw)(0, base=0.937), 6)
([0.0, 0.0, 0.1], 0.8)

(``lrkit.torch.Scheduler(optimizer, unit="update", lr=lrs, momentum=yolo_momentum(**kw))``
writes them into ultralytics' three groups.)

The ``time=`` option (training for hours) re-plans ``epochs`` while training and is not
covered; neither are the first 8.0 releases, in which ``warmup_epochs=0`` still warmed up for
100 iterations.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.combinators import Multiplier, Rebase, Sequential, Shift, Stairs, Warmup
from lrkit.recipes.registry import qualified_only, register, register_examples
from lrkit.recipes.yolov5 import FollowWarmup
from lrkit.schedule import SCALAR, Clock, Schedule, _set, schedule_class
from lrkit.shapes import Constant

__all__ = ["HeldWarmup", "LF", "warmup_iterations", "yolo", "yolo_momentum"]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("ultralytics")

NEWEST = "8.4.190"
_LAG_UNTIL = (8, 1, 42)  # scheduler.step() moved from the epoch's end to its start
_NW_FROM = (8, 4, 103)  # the warmup length capped at epochs - 1, no minimum of 100
_STRICT = ((8, 4, 103), (8, 4, 183))  # `ni < nw` instead of `ni <= nw`


@schedule_class
class LF(Schedule):
    """The ultralytics trainer's ``lf(x)``, a multiplier of the epoch ``x``.

    ``v(x) = base * (max((1 - cos(x * pi / epochs)) / 2, 0) * (lrf - 1) + 1)`` with ``cos_lr``
    (its ``one_cycle(1, lrf, epochs)``), else ``base * (max(1 - x / epochs, 0) * (1 - lrf) + lrf)``.

    >>> [round(LF(epochs=10, lrf=0.1, cos_lr=c)(5), 12) for c in (True, False)]
    [0.55, 0.55]
    """

    name: ClassVar[str] = "ultralytics:lf"
    affine: ClassVar[bool] = True
    epochs: int
    lrf: float = 0.01
    cos_lr: bool = False

    def __post_init__(self) -> None:
        _set(self, "epochs", v.integer("epochs", self.epochs, minimum=1))
        _set(self, "lrf", v.real_or_int("lrf", self.lrf, minimum=0.0))
        _set(self, "cos_lr", v.flag("cos_lr", self.cos_lr))

    @property
    def length(self) -> float | None:
        return None if self.cos_lr else self.epochs

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        if self.cos_lr:
            ramp = xp.maximum((1 - xp.cos(t * math.pi / self.epochs)) / 2, 0.0)
            return base * (ramp * (self.lrf - 1) + 1)
        return base * (xp.maximum(1 - t / self.epochs, 0.0) * (1.0 - self.lrf) + self.lrf)


@schedule_class
class HeldWarmup(FollowWarmup):
    """The warmup of ultralytics 8.4.103 to 8.4.182 (``ni < nw``): its last write holds a while.

    ``v(t) = warmup_lr_init + t * (s(t) - warmup_lr_init) / warmup_t`` for ``t < warmup_t`` (the
    ramp towards the inner value of the moment, as :class:`~lrkit.recipes.yolov5.FollowWarmup`);
    that ramp at ``t = warmup_t - 1`` for ``warmup_t <= t < hold_t`` (``None``: ever after); then
    ``s(t)``.

    >>> from lrkit import constant
    >>> s = HeldWarmup(constant(), warmup_t=4, hold_t=6)
    >>> [s(t) for t in range(8)]
    [0.0, 0.25, 0.5, 0.75, 0.75, 0.75, 1.0, 1.0]
    """

    name: ClassVar[str] = "ultralytics:held_warmup"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    hold_t: float | None = None

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.warmup_t < 1:
            raise v.invalid(
                "warmup_t", f"must be >= 1 (its last step is warmup_t - 1), got {self.warmup_t!r}"
            )
        if self.prefix:
            raise v.invalid("prefix", "is not taken: the ramp follows the inner value on the same clock")
        if self.hold_t is not None:
            hold = v.real_or_int("hold_t", self.hold_t, minimum=float(self.warmup_t))
            _set(self, "hold_t", hold)

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        end = math.inf if self.hold_t is None else float(self.hold_t)
        return ((self.schedule, Clock(start=end)),)

    @property
    def length(self) -> float | None:
        inner = self.schedule.length
        if self.hold_t is None:
            return self.warmup_t
        return None if inner is None else max(self.hold_t, inner)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        last = float(self.warmup_t - 1)
        hold = math.inf if self.hold_t is None else self.hold_t
        if xp is SCALAR:
            if t < self.warmup_t or t >= hold:
                return super()._value(xp, t, base)  # the ramp, or past it the inner value
            return super()._value(xp, last, base)
        moving = super()._value(xp, t, base)
        held = super()._value(xp, xp.full_like(t, last), base)
        return xp.where((t >= self.warmup_t) & (t < hold), held, moving)


def _version(version: Any) -> tuple[int, int, int]:
    if not isinstance(version, str):
        raise v.wrong_type(
            "version", f"must be an ultralytics version string such as {NEWEST!r}, got {version!r}"
        )
    parts = version.split(".")
    try:
        numbers = tuple(int(p) for p in parts)
    except ValueError:
        numbers = ()
    if len(numbers) != 3 or numbers < (8, 0, 0):
        raise v.invalid(
            "version", f"must be an ultralytics release from 8.0.0 on, such as {NEWEST!r}; got {version!r}"
        )
    return numbers  # type: ignore[return-value]


def warmup_iterations(*, epochs: int, nb: int, warmup_epochs: float = 3.0, version: str = NEWEST) -> int:
    """The trainer's ``nw``, the warmup's length in iterations (0: no warmup).

    ``max(round(warmup_epochs * nb), 100)`` before 8.4.103; since, ``round(w * nb)`` with
    ``w = min(warmup_epochs, max(epochs - 1, 0))``; 0 when the warmup epochs are not positive.

    >>> warmup_iterations(epochs=100, nb=10), warmup_iterations(epochs=100, nb=10, version="8.3.0")
    (30, 100)
    """
    numbers = _version(version)
    epochs = v.integer("epochs", epochs, minimum=1)
    nb = v.integer("nb", nb, minimum=1)
    warmup_epochs = v.real("warmup_epochs", warmup_epochs, minimum=0.0)
    if numbers >= _NW_FROM:
        w = min(warmup_epochs, max(epochs - 1, 0))
        return round(w * nb) if w > 0 else 0
    return max(round(warmup_epochs * nb), 100) if warmup_epochs > 0 else 0


def _rules(epochs: int, nb: int, warmup_epochs: float, version: str) -> tuple[int, bool, bool]:
    """``(nw, lag, strict)`` of ``version``."""
    numbers = _version(version)
    nw = warmup_iterations(epochs=epochs, nb=nb, warmup_epochs=warmup_epochs, version=version)
    return nw, numbers < _LAG_UNTIL, _STRICT[0] <= numbers < _STRICT[1]


@register("ultralytics:yolo", unit="update", fields=lambda **kw: {"momentum": yolo_momentum(**kw)})
def yolo(
    *,
    epochs: int,
    nb: int,
    lrf: float = 0.01,
    cos_lr: bool = False,
    warmup_epochs: float = 3.0,
    warmup_bias_lr: float = 0.1,
    warmup_momentum: float = 0.8,
    momentum: float = 0.937,
    bias: bool = False,
    version: str = NEWEST,
) -> Schedule:
    """One group's lr in the ultralytics trainer at iteration ``t`` (its ``ni``), ``nb`` batches an epoch.

    With ``e = t // nb``, ``nw`` from :func:`warmup_iterations` and ``start = warmup_bias_lr`` for
    the bias group (``bias=True``), else 0: ``np.interp(t, [0, nw], [start, base * lf(e)])`` while
    ``t <= nw`` (``t < nw`` for 8.4.103 to 8.4.182, whose last value then holds to the epoch's
    end), then ``base * lf(e)``, or before 8.1.42 ``base * lf(max(e - 1, nw // nb))``; ``lf`` as
    :class:`LF`. (``warmup_momentum`` and ``momentum`` are the momentum field's.)

    >>> s = yolo(epochs=10, nb=100, lrf=0.1)
    >>> [round(s(t, base=0.01), 6) for t in (0, 150, 300, 450, 999)]
    [0.0, 0.00455, 0.0073, 0.0064, 0.0019]
    """
    v.flag("bias", bias)
    lf = LF(epochs=epochs, lrf=lrf, cos_lr=cos_lr)
    nb = v.integer("nb", nb, minimum=1)
    nw, lag, strict = _rules(lf.epochs, nb, warmup_epochs, version)
    start = v.real_or_int("warmup_bias_lr", warmup_bias_lr, minimum=0.0) if bias else 0.0
    for name, value in (("warmup_momentum", warmup_momentum), ("momentum", momentum)):
        v.real(name, value, minimum=0.0)
    target = Multiplier(Stairs(lf, every=nb))
    if not lag:
        if not nw:
            return target
        if strict:
            return HeldWarmup(target, warmup_t=nw, warmup_lr_init=start, hold_t=math.ceil(nw / nb) * nb)
        return FollowWarmup(target, warmup_t=nw, warmup_lr_init=start)
    # LambdaLR stepped at the epoch's end: epoch e runs at lf(max(e - 1, e_w)), the epoch e_w in
    # which the warmup ends keeping the ramp's last target lf(e_w) to its end.
    last_warm = nw // nb
    lagged = Shift(Shift(lf, by=-last_warm), by=1 + last_warm) if last_warm else Shift(lf, by=1)
    after = Multiplier(Stairs(lagged, every=nb))
    if not nw:
        return after
    ramp = FollowWarmup(target, warmup_t=nw, warmup_lr_init=start)
    return Sequential((ramp, Shift(after, by=-(nw + 1))), (nw + 1,))


def yolo_momentum(
    *,
    epochs: int,
    nb: int,
    lrf: float = 0.01,
    cos_lr: bool = False,
    warmup_epochs: float = 3.0,
    warmup_bias_lr: float = 0.1,
    warmup_momentum: float = 0.8,
    momentum: float = 0.937,
    bias: bool = False,
    version: str = NEWEST,
) -> Schedule:
    """The momentum the ultralytics trainer writes (absolute), for ``"ultralytics:yolo"``'s keywords.

    ``np.interp(t, [0, nw], [warmup_momentum, momentum])`` while ``t <= nw``, then ``momentum``;
    for 8.4.103 to 8.4.182 (``t < nw``) the value at ``nw - 1`` from then on; ``momentum``
    throughout without a warmup (the optimizer's own, which ultralytics builds from it).

    >>> m = yolo_momentum(epochs=10, nb=100)
    >>> [round(m(t), 6) for t in (0, 150, 300)]
    [0.8, 0.8685, 0.937]
    >>> round(yolo_momentum(epochs=10, nb=100, version="8.4.150")(300), 6)  # ni < nw: held below
    0.936543
    """
    nb = v.integer("nb", nb, minimum=1)
    epochs = v.integer("epochs", epochs, minimum=1)
    nw, _, strict = _rules(epochs, nb, warmup_epochs, version)
    final = v.real_or_int("momentum", momentum, minimum=0.0)
    first = v.real_or_int("warmup_momentum", warmup_momentum, minimum=0.0)
    if not nw:
        return Rebase(Constant(), base=final)
    if strict:
        return Rebase(HeldWarmup(Constant(), warmup_t=nw, warmup_lr_init=first), base=final)
    return Rebase(Warmup(Constant(), warmup_t=nw, warmup_lr_init=first), base=final)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "ultralytics:yolo": [
            {"epochs": 5, "nb": 10},
            {"epochs": 4, "nb": 30, "cos_lr": True, "warmup_epochs": 1.0},
        ],
    }
)
