"""DeepSpeed's ``lr_schedules`` classes as core schedules, and DeepSpeed's JSON config.

Each builder takes the keyword arguments of the DeepSpeed class it is registered as, with
DeepSpeed's defaults (the optimizer and ``last_batch_iteration`` aside: an lrkit driver resumes
from its own ``state_dict``), and returns the schedule whose value at update ``t`` (counted from
0) is the lr DeepSpeed's optimizer uses for its ``t``-th update. DeepSpeed's engine steps the
scheduler after every optimizer step, and each class writes a first lr when it is built, so
update ``t`` runs at the lr the class computes for ``last_batch_iteration = t - 1``:

- ``WarmupLR`` and ``WarmupDecayLR`` write ``warmup_min_lr`` at construction and again after
  the first step (``log(0 + 1) = 0``): their ramp reaches ``warmup_max_lr`` at update
  ``warmup_num_steps`` (log) or ``warmup_num_steps + 1`` (linear), and the linear decay of
  ``WarmupDecayLR`` reaches 0 at update ``total_num_steps + 1``. DeepSpeed raises a
  ``warmup_num_steps`` below 2 to 2.
- ``WarmupCosineLR`` writes ``0.0`` at construction: update 0 runs at lr 0, whatever
  ``warmup_min_ratio``; update ``t >= 1`` at ``base * ratio(t - 1)``. With the linear warmup the
  ramp stops one step short of ``base`` and the cosine is already a step in at update
  ``warmup_num_steps + 1``. Its ratios are fractions of each group's lr (``base``).
- ``OneCycle`` and ``LRRangeTest`` compute from ``last_batch_iteration + 1``, so update ``t`` is
  their formula at ``t``. ``OneCycle``'s post-cycle decay divides by ``decay_step_size``
  (it is no staircase), and its momentum, at construction, is ``cycle_min_mom`` (the cycle then
  starts from ``cycle_max_mom``).

Absolute values stay absolute: ``warmup_min_lr``, ``warmup_max_lr``, ``cycle_*_lr``,
``lr_range_test_min_lr`` are lrs whatever the group's base (``WarmupLR`` without
``warmup_max_lr`` peaks at each group's own lr, as DeepSpeed reads it from the group). A
per-group list (DeepSpeed takes one for the lrs) is one schedule per group:
``Scheduler(opt, unit="update", lr=[warmup_lr(warmup_max_lr=m) for m in max_lrs])``.

Momentum. With ``cycle_momentum=True`` (the class's default) ``OneCycle`` writes each group's
``betas`` as ``(momentum, 0.99)``: ``beta1`` cycles inversely to the lr and ``beta2`` is set to
0.99, whatever the optimizer had. ``lrkit.create("deepspeed:OneCycle", optimizer, ...)`` writes
both (:func:`one_cycle_fields`). DeepSpeed turns the cycling off, with a logged warning, for
an optimizer without ``betas`` (SGD); lrkit's driver refuses to schedule ``beta1`` there
instead: give ``cycle_momentum=False``, which is what DeepSpeed then does.

Unlike DeepSpeed, an unknown ``warmup_type`` is a ``ValueError`` (DeepSpeed logs a warning
and uses ``"log"``), and negative rates and ratios are refused.

The config format ``deepspeed`` (:func:`read_config`) reads a DeepSpeed JSON config, the whole
file or its ``scheduler`` block (``{"type": ..., "params": {...}}``), with the lr of its
``optimizer.params`` as the base.

The export target ``deepspeed`` (``export_candidates``, ``write_block``) writes a
schedule as that ``scheduler`` block, for ``lrkit.config.export(schedule, "deepspeed",
base=...)`` and ``lrkit export --to deepspeed``: ``WarmupLR`` / ``WarmupDecayLR`` (lrs absolute,
for the group lr ``base``), ``WarmupCosineLR`` (ratios of the optimizer's lr), ``OneCycle``
(lr only: ``cycle_momentum`` is written off) and ``LRRangeTest``, whichever gives the
schedule's values at every update of the run. Besides DeepSpeed's own schedules that covers a
ramp one update late (``shift(warmup(...), by=1)``), a linear warmup and decay to the start
value (transformers' ``linear``, torch's linear ``OneCycleLR`` with ``final_div_factor=1``),
transformers' ``constant_with_warmup`` and linear ramps up (and their stairs). Restarts,
noise and step decays have no DeepSpeed equivalent, nor has a ramp from a nonzero lr that
moves at update 1 (DeepSpeed holds ``warmup_min_lr`` for updates 0 and 1), a decay from
update 0, or a linear warmup into a cosine (DeepSpeed's linear ramp stops a step short of
the top).

>>> from lrkit.config import export
>>> export(warmup_lr(warmup_max_lr=0.1, warmup_num_steps=100, warmup_type="linear"), "deepspeed")["scheduler"]
{'type': 'WarmupLR', 'params': {'warmup_min_lr': 0.0, 'warmup_max_lr': 0.1, 'warmup_num_steps': 100, \
'warmup_type': 'linear'}}
>>> s = warmup_decay_lr(total_num_steps=10, warmup_num_steps=4, warmup_max_lr=0.1, warmup_type="linear")
>>> [round(s(t), 6) for t in (0, 1, 2, 5, 8, 11)]
[0.0, 0.0, 0.025, 0.1, 0.05, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import numpy as np

from lrkit import checks as v
from lrkit.combinators import Rebase
from lrkit.recipes import registry
from lrkit.recipes.registry import Reading, qualified_only, register, register_examples, register_format
from lrkit.schedule import SCALAR, Schedule, _set, schedule_class
from lrkit.shapes import Constant

__all__ = [
    "DeepSpeedWarmup",
    "DeepSpeedOneCycle",
    "DeepSpeedOneCycleMomentum",
    "DeepSpeedRangeTest",
    "DeepSpeedWarmupCosine",
    "detect_config",
    "lr_range_test",
    "one_cycle",
    "one_cycle_fields",
    "read_config",
    "warmup_cosine_lr",
    "warmup_decay_lr",
    "warmup_lr",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("deepspeed")

TYPES = ("LRRangeTest", "OneCycle", "WarmupLR", "WarmupDecayLR", "WarmupCosineLR")
_WARMUP_TYPES = ("log", "linear")
#: What ``OneCycle`` writes as ``beta2`` beside its cycled ``beta1``.
ONE_CYCLE_BETA2 = 0.99


def _lr(name: str, value: Any, builder: str) -> int | float:
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name}: a schedule is one param group's; for DeepSpeed's per-group list build one per "
            f"group: Scheduler(optimizer, unit='update', lr=[{builder}({name}=x, ...) for x in {name}s])"
        )
    return v.real_or_int(name, value, minimum=0.0)


def _steps(name: str, value: Any) -> int:
    # DeepSpeed refuses anything but a positive Python int here; NumPy and torch ints are fine.
    return v.integer(name, value, minimum=1)


# -- DeepSpeed's nodes ---------------------------------------------------------------------------


def _gamma(xp: Any, n: Any, warmup: int, kind: str) -> Any:
    """DeepSpeed's warmup fraction at ``last_batch_iteration = n`` (``0 <= n``, meant for ``n < warmup``)."""
    if kind == "log":
        # The log ramp reaches 1 at n = W - 1; held there, fractional times never pass the peak.
        return (1.0 / math.log(warmup)) * xp.log(xp.minimum(n, warmup - 1.0) + 1.0)
    return n / warmup


@schedule_class
class DeepSpeedWarmup(Schedule):
    """DeepSpeed's ``WarmupLR`` / ``WarmupDecayLR`` from ``warmup_min_lr`` to ``base``, by update.

    With ``n = max(t - 1, 0)`` (the class's ``last_batch_iteration``) and ``W = warmup_num_steps``:
    ``v(t) = warmup_min_lr + (base - warmup_min_lr) * g(n)`` with ``g(n) = log(n + 1) / log(W)``
    (log) or ``n / W`` (linear) for ``n < W``; then ``g = 1``, or with ``total_num_steps``
    (``T``) ``g = max(0, (T - n) / max(1, T - W))``. ``warmup_min_lr`` is absolute; a fixed
    peak is ``rebase(..., base=warmup_max_lr)``.

    >>> s = DeepSpeedWarmup(warmup_num_steps=4, warmup_type="linear", total_num_steps=8)
    >>> [s(t) for t in range(0, 11)]
    [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    name: ClassVar[str] = "deepspeed:warmup"
    affine: ClassVar[bool] = True
    warmup_num_steps: int
    warmup_type: str = "log"
    warmup_min_lr: float = 0.0
    total_num_steps: float | None = None

    def __post_init__(self) -> None:
        _set(self, "warmup_type", v.choice("warmup_type", self.warmup_type, _WARMUP_TYPES))
        # log(1) = 0 divides: DeepSpeed lifts every count below 2 to 2 before this.
        _set(self, "warmup_num_steps", v.integer("warmup_num_steps", self.warmup_num_steps, minimum=2))
        _set(self, "warmup_min_lr", v.real_or_int("warmup_min_lr", self.warmup_min_lr, minimum=0.0))
        if self.total_num_steps is not None:
            _set(self, "total_num_steps", v.real_or_int("total_num_steps", self.total_num_steps, minimum=0.0))

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        yield float(self.warmup_num_steps + 1), "warmup end"

    @property
    def length(self) -> float | None:
        if self.total_num_steps is None:
            return self.warmup_num_steps + 1
        return max(self.total_num_steps, self.warmup_num_steps) + 1

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        w, low = self.warmup_num_steps, self.warmup_min_lr
        n = xp.maximum(t - 1.0, 0.0)
        ramp = _gamma(xp, xp.minimum(n, float(w)), w, self.warmup_type)
        total = self.total_num_steps
        if total is None:
            after = 1.0 + 0.0 * n
        else:
            after = xp.maximum(0.0, (total - n) / max(1.0, total - w))
        gamma = xp.where(n < w, ramp, after)
        return low + (base - low) * gamma


@schedule_class
class DeepSpeedWarmupCosine(Schedule):
    """DeepSpeed's ``WarmupCosineLR``: ratios of ``base``, 0 for the first update.

    With ``n = t - 1`` and ``W = warmup_num_steps``, ``v(t) = 0`` for ``t < 1``, then
    ``base * r(n)``: ``r = m + g(n) * (1 - m)`` (``m = warmup_min_ratio``, ``g`` the warmup of
    :class:`DeepSpeedWarmup`) for ``n < W``, then with ``p = min(1, (n - W + 1) / max(1, T - W))``
    ``r = max(0, c + (1 - c) * (1 + cos(pi * p)) / 2)`` (``c = cos_min_ratio``, ``T =
    total_num_steps``).

    >>> s = DeepSpeedWarmupCosine(total_num_steps=6, warmup_num_steps=2, warmup_type="linear",
    ...                           cos_min_ratio=0)
    >>> [round(s(t), 12) for t in range(8)]
    [0.0, 0.0, 0.5, 0.853553390593, 0.5, 0.146446609407, 0.0, 0.0]
    """

    name: ClassVar[str] = "deepspeed:warmup_cosine"
    affine: ClassVar[bool] = True
    total_num_steps: float
    warmup_num_steps: int
    warmup_min_ratio: float = 0.0
    cos_min_ratio: float = 0.0001
    warmup_type: str = "log"

    def __post_init__(self) -> None:
        _set(self, "total_num_steps", v.real_or_int("total_num_steps", self.total_num_steps, minimum=0.0))
        _set(self, "warmup_num_steps", v.integer("warmup_num_steps", self.warmup_num_steps, minimum=2))
        for field in ("warmup_min_ratio", "cos_min_ratio"):
            _set(self, field, v.real_or_int(field, getattr(self, field), minimum=0.0))
        _set(self, "warmup_type", v.choice("warmup_type", self.warmup_type, _WARMUP_TYPES))

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        yield float(self.warmup_num_steps + 1), "cosine from here"

    @property
    def length(self) -> float | None:
        return max(self.total_num_steps, self.warmup_num_steps + 1)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        w, low = self.warmup_num_steps, self.warmup_min_ratio
        n = xp.maximum(t - 1.0, 0.0)
        warm = low + _gamma(xp, xp.minimum(n, float(w)), w, self.warmup_type) * (1.0 - low)
        progress = xp.minimum(1.0, (n - w + 1.0) / max(1, self.total_num_steps - w))
        c = self.cos_min_ratio
        cosine = xp.maximum(0.0, c + (1.0 - c) * ((1.0 + xp.cos(math.pi * progress)) / 2.0))
        ratio = xp.where(n < w, warm, cosine)
        # DeepSpeed's construction writes 0.0 for update 0 (its "not started yet" value).
        return xp.where(t < 1.0, 0.0 * ratio, base * ratio)


@schedule_class
class DeepSpeedRangeTest(Schedule):
    """DeepSpeed's ``LRRangeTest``: the lr grows by ``step_rate * base`` every ``step_size`` updates.

    ``v(t) = base * (1 + step_rate * t / step_size)``, or ``floor(t / step_size)`` in place of
    ``t / step_size`` with ``staircase``. A fixed start is ``rebase(..., base=lr_range_test_min_lr)``.

    >>> s = DeepSpeedRangeTest(step_size=4, step_rate=1.0, staircase=True)
    >>> [s(t, base=0.1) for t in (0, 3, 4, 9)]
    [0.1, 0.1, 0.2, 0.30000000000000004]
    """

    name: ClassVar[str] = "deepspeed:range_test"
    affine: ClassVar[bool] = True
    step_size: int
    step_rate: float = 1.0
    staircase: bool = False

    def __post_init__(self) -> None:
        _set(self, "step_size", v.integer("step_size", self.step_size, minimum=1))
        _set(self, "step_rate", v.real_or_int("step_rate", self.step_rate, minimum=0.0))
        _set(self, "staircase", v.flag("staircase", self.staircase))

    @property
    def length(self) -> float | None:
        return 0 if self.step_rate == 0 else None

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        interval = t / self.step_size
        if self.staircase:
            interval = xp.floor(interval)
        return base * (1.0 + self.step_rate * interval)


def _check_cycle(node: Any) -> None:
    """The cycle geometry of both one-cycle nodes, checked once for each."""
    _set(node, "cycle_first_step_size", v.real_or_int("cycle_first_step_size", node.cycle_first_step_size))
    if not node.cycle_first_step_size > 0:
        raise v.invalid("cycle_first_step_size", f"must be > 0, got {node.cycle_first_step_size!r}")
    if node.cycle_second_step_size is not None:
        second = v.real_or_int("cycle_second_step_size", node.cycle_second_step_size, minimum=0.0)
        _set(node, "cycle_second_step_size", second)
    # -1 (DeepSpeed's command-line default) and 0 both mean "no stairs".
    _set(
        node,
        "cycle_first_stair_count",
        v.integer("cycle_first_stair_count", node.cycle_first_stair_count, minimum=-1),
    )
    if node.cycle_second_stair_count is not None:
        count = v.integer("cycle_second_stair_count", node.cycle_second_stair_count, minimum=-1)
        _set(node, "cycle_second_stair_count", count)
    _set(node, "decay_step_size", v.real_or_int("decay_step_size", node.decay_step_size, minimum=0.0))


class _Cycle:
    """What both one-cycle nodes share: DeepSpeed's cycle geometry and its scale factor."""

    cycle_first_step_size: float
    cycle_second_step_size: float | None
    cycle_first_stair_count: int
    cycle_second_stair_count: int | None
    decay_step_size: float

    @property
    def _sizes(self) -> tuple[float, float, float]:
        first = float(self.cycle_first_step_size)
        second = first if self.cycle_second_step_size is None else float(self.cycle_second_step_size)
        return first, second, first + second

    def _scale(self, xp: Any, t: Any) -> Any:
        """DeepSpeed's ``_get_scale_factor`` at ``batch_iteration = t``, in its order of operations."""
        first, second, total = self._sizes
        ratio = first / total
        u = 1.0 + t / total
        x = u - xp.floor(u)
        up = x / ratio
        # A cycle with no second half (ratio 1) never takes the falling branch.
        down = (x - 1.0) / (ratio - 1.0 if ratio != 1.0 else 1.0)
        counts = (self.cycle_first_stair_count, self._second_stairs)
        if max(counts) > 0:
            # The position in the cycle by the integer offset, as DeepSpeed quantises it.
            position = t - total * xp.floor(t / total)
            rising = position <= first

            def stairs(count: int) -> Any:
                at = xp.where(
                    rising,
                    position * count / first,
                    (total - position) * count / (second if second else 1.0),
                )
                return xp.floor(at) / count

            if counts[0] > 0:
                up = stairs(counts[0])
            if counts[1] > 0:
                down = stairs(counts[1])
        return xp.where(x <= ratio, up, down)

    @property
    def _second_stairs(self) -> int:
        s = self.cycle_second_stair_count
        return self.cycle_first_stair_count if s is None else s

    def _phases(self, xp: Any, t: Any) -> tuple[Any, Any]:
        """(in the cycle, the decay interval): ``last_batch_iteration < total``, and the decay's
        ``(t - 1 - total + 1) / decay_step_size``, kept >= 0 where the cycle is taken."""
        _, _, total = self._sizes
        n = t - 1.0
        decay = xp.maximum((n - total + 1.0) / (self.decay_step_size or 1.0), 0.0)
        return n < total, decay

    @property
    def _decay_rate(self) -> float:
        raise NotImplementedError

    @property
    def _decays(self) -> bool:
        return not (math.isclose(self.decay_step_size, 0) or math.isclose(self._decay_rate, 0))

    @property
    def length(self) -> float | None:
        # The cycle, and the update DeepSpeed first writes after it; a decay never settles.
        return None if self._decays else self._sizes[2] + 1

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        first, _, total = self._sizes
        yield first, "cycle peak"
        yield total, "cycle end"


@schedule_class
class DeepSpeedOneCycle(_Cycle, Schedule):
    """DeepSpeed's ``OneCycle`` lr: ``cycle_min_lr`` up to ``cycle_max_lr`` and back, then a decay.

    With ``s(t)`` DeepSpeed's scale factor (``x / r`` rising, ``(x - 1) / (r - 1)`` falling, ``x``
    the position in the cycle of ``total = first + second`` updates, ``r = first / total``;
    ``floor(position * stairs / half) / stairs`` with stairs): ``v(t) = cycle_min_lr +
    (cycle_max_lr - cycle_min_lr) * s(t)`` while ``t - 1 < total``, then ``cycle_min_lr / (1 +
    decay_lr_rate * (t - total) / decay_step_size)`` (``cycle_min_lr`` when either is 0).
    Absolute, whatever the base.

    >>> s = DeepSpeedOneCycle(cycle_min_lr=0.1, cycle_max_lr=0.5, cycle_first_step_size=4)
    >>> [round(s(t), 12) for t in (0, 2, 4, 6, 8, 20)]
    [0.1, 0.3, 0.5, 0.3, 0.1, 0.1]
    """

    name: ClassVar[str] = "deepspeed:one_cycle"
    affine: ClassVar[bool] = True
    cycle_min_lr: float
    cycle_max_lr: float
    decay_lr_rate: float = 0.0
    cycle_first_step_size: float = 2000
    cycle_second_step_size: float | None = None
    cycle_first_stair_count: int = 0
    cycle_second_stair_count: int | None = None
    decay_step_size: float = 0

    def __post_init__(self) -> None:
        for field in ("cycle_min_lr", "cycle_max_lr"):
            _set(self, field, _lr(field, getattr(self, field), "DeepSpeedOneCycle"))
        _set(self, "decay_lr_rate", v.real_or_int("decay_lr_rate", self.decay_lr_rate, minimum=0.0))
        _check_cycle(self)

    @property
    def _decay_rate(self) -> float:
        return self.decay_lr_rate

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        low, high = self.cycle_min_lr, self.cycle_max_lr
        cycle = low + (high - low) * self._scale(xp, t)
        inside, interval = self._phases(xp, t)
        if not self._decays:
            return xp.where(inside, cycle, low + 0.0 * cycle)
        return xp.where(inside, cycle, low / (1.0 + self.decay_lr_rate * interval))


@schedule_class
class DeepSpeedOneCycleMomentum(_Cycle, Schedule):
    """DeepSpeed's ``OneCycle`` momentum (``beta1``): against the lr, from ``cycle_max_mom`` down and back.

    ``v(0) = cycle_min_mom`` (what the class writes when it is built); then
    ``v(t) = cycle_max_mom - (cycle_max_mom - cycle_min_mom) * s(t)`` (``s`` as in
    :class:`DeepSpeedOneCycle`) while ``t - 1 < total``, then ``cycle_max_mom * (1 + decay_mom_rate *
    (t - total) / decay_step_size)`` (``cycle_max_mom`` when either is 0). Absolute.

    >>> m = DeepSpeedOneCycleMomentum(cycle_first_step_size=4)
    >>> [round(m(t), 12) for t in (0, 1, 4, 8, 20)]
    [0.8, 0.875, 0.8, 0.9, 0.9]
    """

    name: ClassVar[str] = "deepspeed:one_cycle_momentum"
    affine: ClassVar[bool] = True
    cycle_min_mom: float = 0.8
    cycle_max_mom: float = 0.9
    decay_mom_rate: float = 0.0
    cycle_first_step_size: float = 2000
    cycle_second_step_size: float | None = None
    cycle_first_stair_count: int = 0
    cycle_second_stair_count: int | None = None
    decay_step_size: float = 0

    def __post_init__(self) -> None:
        for field in ("cycle_min_mom", "cycle_max_mom"):
            _set(self, field, _lr(field, getattr(self, field), "DeepSpeedOneCycleMomentum"))
        _set(self, "decay_mom_rate", v.real_or_int("decay_mom_rate", self.decay_mom_rate, minimum=0.0))
        _check_cycle(self)

    @property
    def _decay_rate(self) -> float:
        return self.decay_mom_rate

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        low, high = self.cycle_min_mom, self.cycle_max_mom
        cycle = high - (high - low) * self._scale(xp, t)
        inside, interval = self._phases(xp, t)
        after = high * (1.0 + self.decay_mom_rate * interval) if self._decays else high + 0.0 * cycle
        value = xp.where(inside, cycle, after)
        if xp is SCALAR:
            return low if t < 1.0 else value
        return xp.where(t < 1.0, low + 0.0 * value, value)


# -- the names ----------------------------------------------------------------------------------


def _warmup_type(value: Any) -> str:
    return v.choice("warmup_type", value, _WARMUP_TYPES)


@register("deepspeed:WarmupLR", unit="update")
def warmup_lr(
    *,
    warmup_min_lr: float = 0.0,
    warmup_max_lr: float | None = None,
    warmup_num_steps: int = 1000,
    warmup_type: str = "log",
) -> Schedule:
    """``WarmupLR``: from ``warmup_min_lr`` up to ``warmup_max_lr`` (the group's lr if ``None``), then held.

    With ``n = max(t - 1, 0)``, ``W = max(2, warmup_num_steps)``:
    ``v(t) = min + (max - min) * g(n)``, ``g(n) = log(n + 1) / log(W)`` (log) or ``n / W``
    (linear) for ``n < W``, then 1 (:class:`DeepSpeedWarmup`).

    >>> s = warmup_lr(warmup_max_lr=0.1, warmup_num_steps=100)
    >>> [round(s(t), 6) for t in (0, 1, 10, 100, 500)]
    [0.0, 0.0, 0.05, 0.1, 0.1]
    """
    steps = max(2, _steps("warmup_num_steps", warmup_num_steps))
    shape = DeepSpeedWarmup(
        warmup_num_steps=steps,
        warmup_type=_warmup_type(warmup_type),
        warmup_min_lr=_lr("warmup_min_lr", warmup_min_lr, "warmup_lr"),
    )
    if warmup_max_lr is None:
        return shape
    return Rebase(shape, base=_lr("warmup_max_lr", warmup_max_lr, "warmup_lr"))


@register("deepspeed:WarmupDecayLR", unit="update")
def warmup_decay_lr(
    *,
    total_num_steps: int,
    warmup_min_lr: float = 0.0,
    warmup_max_lr: float = 0.001,
    warmup_num_steps: int = 1000,
    warmup_type: str = "log",
) -> Schedule:
    """``WarmupDecayLR``: ``WarmupLR``'s warmup to ``warmup_max_lr``, then linearly down to ``warmup_min_lr``.

    As :func:`warmup_lr` for ``n = max(t - 1, 0) < W``, then
    ``min + (max - min) * max(0, (T - n) / max(1, T - W))`` with ``T = total_num_steps``.
    ``warmup_max_lr=None`` peaks at each group's own lr.
    """
    steps = max(2, _steps("warmup_num_steps", warmup_num_steps))
    shape = DeepSpeedWarmup(
        warmup_num_steps=steps,
        warmup_type=_warmup_type(warmup_type),
        warmup_min_lr=_lr("warmup_min_lr", warmup_min_lr, "warmup_decay_lr"),
        total_num_steps=v.real_or_int("total_num_steps", total_num_steps, minimum=0.0),
    )
    if warmup_max_lr is None:
        return shape
    return Rebase(shape, base=_lr("warmup_max_lr", warmup_max_lr, "warmup_decay_lr"))


@register("deepspeed:WarmupCosineLR", unit="update")
def warmup_cosine_lr(
    *,
    total_num_steps: int,
    warmup_min_ratio: float = 0.0,
    warmup_num_steps: int = 1000,
    cos_min_ratio: float = 0.0001,
    warmup_type: str = "log",
) -> Schedule:
    """``WarmupCosineLR``: fractions of each group's lr, 0 for update 0, a warmup, then a cosine.

    ``v(0) = 0``; ``v(t) = base * r(t - 1)``, ``r`` rising from ``warmup_min_ratio`` over
    ``W = max(2, warmup_num_steps)`` and falling by a cosine to ``cos_min_ratio`` at ``T =
    total_num_steps`` (:class:`DeepSpeedWarmupCosine`).

    >>> s = warmup_cosine_lr(total_num_steps=100, warmup_num_steps=10)
    >>> [round(s(t, base=0.1), 6) for t in (0, 1, 10, 55, 100)]
    [0.0, 0.0, 0.1, 0.050005, 1e-05]
    """
    return DeepSpeedWarmupCosine(
        total_num_steps=v.real_or_int("total_num_steps", total_num_steps, minimum=0.0),
        warmup_num_steps=max(2, _steps("warmup_num_steps", warmup_num_steps)),
        warmup_min_ratio=warmup_min_ratio,
        cos_min_ratio=cos_min_ratio,
        warmup_type=_warmup_type(warmup_type),
    )


def _geometry(arguments: Mapping[str, Any]) -> dict[str, Any]:
    keys = (
        "cycle_first_step_size",
        "cycle_second_step_size",
        "cycle_first_stair_count",
        "cycle_second_stair_count",
        "decay_step_size",
    )
    return {key: arguments[key] for key in keys if key in arguments}


def one_cycle_fields(
    *,
    cycle_momentum: bool = True,
    cycle_min_mom: float = 0.8,
    cycle_max_mom: float = 0.9,
    decay_mom_rate: float = 0.0,
    **arguments: Any,
) -> dict[str, Schedule]:
    """The fields ``OneCycle`` writes beside the lr: ``beta1`` (:class:`DeepSpeedOneCycleMomentum`) and
    ``beta2`` (0.99), unless ``cycle_momentum=False``; the cycle's geometry is the lr's.

    >>> sorted(one_cycle_fields(cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=10))
    ['beta1', 'beta2']
    """
    if not v.flag("cycle_momentum", cycle_momentum):
        return {}
    momentum = DeepSpeedOneCycleMomentum(
        cycle_min_mom=cycle_min_mom,
        cycle_max_mom=cycle_max_mom,
        decay_mom_rate=decay_mom_rate,
        **_geometry(arguments),
    )
    return {"beta1": momentum, "beta2": Rebase(Constant(), base=ONE_CYCLE_BETA2)}


@register("deepspeed:OneCycle", unit="update", fields=one_cycle_fields)
def one_cycle(
    *,
    cycle_min_lr: float,
    cycle_max_lr: float,
    decay_lr_rate: float = 0.0,
    cycle_first_step_size: float = 2000,
    cycle_second_step_size: float | None = None,
    cycle_first_stair_count: int = 0,
    cycle_second_stair_count: int | None = None,
    decay_step_size: float = 0,
    cycle_momentum: bool = True,
    cycle_min_mom: float = 0.8,
    cycle_max_mom: float = 0.9,
    decay_mom_rate: float = 0.0,
) -> Schedule:
    """``OneCycle``'s lr: :class:`DeepSpeedOneCycle`, absolute; the momentum arguments are the fields'.

    ``cycle_momentum``, ``cycle_min_mom``, ``cycle_max_mom`` and ``decay_mom_rate`` make the
    ``beta1``/``beta2`` fields (:func:`one_cycle_fields`, which checks them) that a driver built
    by ``lrkit.create`` writes; this lr schedule ignores them.
    """
    return DeepSpeedOneCycle(
        cycle_min_lr=cycle_min_lr,
        cycle_max_lr=cycle_max_lr,
        decay_lr_rate=decay_lr_rate,
        cycle_first_step_size=cycle_first_step_size,
        cycle_second_step_size=cycle_second_step_size,
        cycle_first_stair_count=cycle_first_stair_count,
        cycle_second_stair_count=cycle_second_stair_count,
        decay_step_size=decay_step_size,
    )


@register("deepspeed:LRRangeTest", unit="update")
def lr_range_test(
    *,
    lr_range_test_min_lr: float = 1e-3,
    lr_range_test_step_size: int = 2000,
    lr_range_test_step_rate: float = 1.0,
    lr_range_test_staircase: bool = False,
) -> Schedule:
    """``LRRangeTest``: ``min_lr * (1 + step_rate * t / step_size)`` (``floor`` of it with staircase).

    Absolute: ``rebase(DeepSpeedRangeTest(...), base=lr_range_test_min_lr)``.

    >>> s = lr_range_test(lr_range_test_min_lr=0.01, lr_range_test_step_size=10)
    >>> [round(s(t), 12) for t in (0, 5, 10, 100)]
    [0.01, 0.015, 0.02, 0.11]
    """
    with v.renamed(
        step_size="lr_range_test_step_size",
        step_rate="lr_range_test_step_rate",
        staircase="lr_range_test_staircase",
    ):
        shape = DeepSpeedRangeTest(
            step_size=lr_range_test_step_size,
            step_rate=lr_range_test_step_rate,
            staircase=lr_range_test_staircase,
        )
    return Rebase(shape, base=_lr("lr_range_test_min_lr", lr_range_test_min_lr, "lr_range_test"))


# -- the config format ---------------------------------------------------------------------------

# torch optimizers that DeepSpeed can build by name and that hold no betas: OneCycle's momentum
# is off for them.
_NO_BETAS = {"sgd", "adagrad", "rmsprop", "adadelta", "asgd", "rprop", "lbfgs"}


def _is_block(data: Any) -> bool:
    return (
        isinstance(data, Mapping)
        and data.get("type") in TYPES
        and isinstance(data.get("params"), Mapping)
        and set(data) <= {"type", "params"}
    )


def detect_config(data: Any) -> bool:
    """Whether ``data`` is a DeepSpeed config with one of DeepSpeed's schedulers, or that
    ``scheduler`` block (``{"type": "WarmupLR", "params": {...}}``) itself.

    >>> detect_config({"scheduler": {"type": "WarmupLR", "params": {}}, "train_batch_size": 8})
    True
    >>> detect_config({"type": "cosine", "t_initial": 10}), detect_config({"type": "CosineAnnealingLR"})
    (False, False)
    """
    try:
        if not isinstance(data, Mapping):
            return False
        return _is_block(data) or ("type" not in data and _is_block(data.get("scheduler")))
    except Exception:  # detect never raises, whatever it is handed
        return False


@register_format(
    "deepspeed",
    description="a DeepSpeed config (its scheduler block)",
    detect=detect_config,
)
def read_config(data: Any, *, where: str = "the config", epoch_length: int | None = None) -> Reading:
    """The schedule of a DeepSpeed config: the whole JSON, or its ``scheduler`` block.

    The block's ``type`` is one of DeepSpeed's schedulers, built from its ``params`` as the
    recipe ``deepspeed:<type>``, or a torch ``lr_scheduler`` class, which DeepSpeed falls back
    to (the recipe ``torch:<type>``). The base is ``optimizer.params.lr`` where the config gives
    it; a config without a scheduler keeps that lr. ``OneCycle``'s momentum is a field (left out
    when the config's optimizer holds no betas, as DeepSpeed leaves it). ``"auto"`` values (the
    transformers Trainer's placeholders) are refused: they are only numbers once the Trainer
    has filled them in. ``epoch_length`` is not used (DeepSpeed counts optimizer steps).

    >>> r = read_config({"optimizer": {"type": "AdamW", "params": {"lr": 3e-4}},
    ...                  "scheduler": {"type": "WarmupCosineLR", "params": {"total_num_steps": 100}}})
    >>> r.base, r.length, type(r.schedule).__name__
    (0.0003, 100, 'DeepSpeedWarmupCosine')
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"a DeepSpeed config is a mapping, got {type(data).__name__}")
    whole = "type" not in data
    block = data.get("scheduler") if whole else data
    at = "scheduler" if whole else "the scheduler block"
    optimizer = data.get("optimizer") if whole else None
    base = _optimizer_lr(optimizer)
    if block is None:
        return Reading(Constant(), unit="update", base=base)
    if not isinstance(block, Mapping) or not isinstance(block.get("type"), str):
        raise ValueError(f"{at} must be a mapping with a 'type' (one of {', '.join(TYPES)}), got {block!r}")
    kind = block["type"]
    params = block.get("params", {})
    if not isinstance(params, Mapping):
        raise TypeError(f"{at}.params must be a mapping of the scheduler's arguments, got {params!r}")
    extra = sorted(set(block) - {"type", "params"})
    if extra:
        raise ValueError(f"{at}: unknown key(s) {', '.join(map(repr, extra))}; it holds 'type' and 'params'")
    for key, value in params.items():
        if value == "auto":
            raise ValueError(
                f"{at}.params.{key} is 'auto', which the transformers Trainer fills in when it builds "
                "the engine; give the number it stands for"
            )
        if key == "last_batch_iteration":
            raise ValueError(
                f"{at}.params.last_batch_iteration is DeepSpeed's resume counter: an lrkit Scheduler "
                "resumes from its state_dict"
            )
    if kind in TYPES:
        name = f"deepspeed:{kind}"
    else:
        name = f"torch:{kind}"
        if name not in registry.qualified_names():
            raise ValueError(
                f"{at}.type {kind!r} is neither one of DeepSpeed's schedulers ({', '.join(TYPES)}) "
                "nor a torch lr_scheduler class lrkit knows"
            )
    recipe, schedule = registry.resolve(name, dict(params))
    if recipe.plateau:
        raise ValueError(f"{at}.type {kind!r} follows a metric, which DeepSpeed's engine never hands it")
    fields = dict(recipe.fields(**params)) if recipe.fields else {}
    betas = _has_betas(optimizer)
    if kind == "OneCycle" and betas is False:
        fields = {}  # DeepSpeed turns the momentum off for an optimizer without betas
    if "momentum" in fields and betas:
        fields["beta1"] = fields.pop("momentum")  # torch's rule for its own cycled momentum
    length = params.get("total_num_steps")
    return Reading(schedule, unit="update", length=length, base=base, fields=fields)


def _optimizer_lr(optimizer: Any) -> float | None:
    if not isinstance(optimizer, Mapping) or not isinstance(optimizer.get("params"), Mapping):
        return None
    lr = optimizer["params"].get("lr")
    if lr is None or lr == "auto":
        return None
    return v.real("optimizer.params.lr", lr, minimum=0.0)


def _has_betas(optimizer: Any) -> bool | None:
    """Whether the config's optimizer holds betas; ``None`` where the config does not say."""
    if not isinstance(optimizer, Mapping) or not isinstance(optimizer.get("type"), str):
        return None
    return optimizer["type"].lower() not in _NO_BETAS


# -- export --------------------------------------------------------------------------------------


def _round(x: float) -> float:
    # A fitted lr, ratio or step size, written as the short number it most likely was.
    return float(f"{x:.12g}")


def _read(x: float) -> float:
    # An lr or ratio read off the values: 15 digits drop the last bits of arithmetic noise (a plateau
    # of 0.1 * 1.0000000000000002) and keep a random lr within 5e-16 of itself.
    return float(f"{x:.15g}")


def _whole(x: float) -> int | float:
    # DeepSpeed refuses a float warmup_num_steps or lr_range_test_step_size: integral values
    # are written as ints.
    x = _round(x)
    return int(x) if x.is_integer() else x


def _counts(*guesses: float) -> list[int]:
    """The guesses that are (nearly) integers, as DeepSpeed's step counts (at least 2), once each."""
    out: list[int] = []
    for guess in guesses:
        if not math.isfinite(guess) or guess < 0.5:
            continue
        n = round(guess)
        if abs(guess - n) > 1e-6 * max(1.0, guess):
            continue
        n = max(2, n)  # DeepSpeed lifts 1 to 2 itself: 2 is what it runs
        if n not in out:
            out.append(n)
    return out


def _warmup_counts(outline: Any, top: float, far: int) -> list[int]:
    """Guesses of ``warmup_num_steps`` (``W``) for a warmup from ``outline(0)`` to ``top``.

    DeepSpeed's own warmups mark their end at ``W + 1`` (a ramp shifted by one update as
    DeepSpeed's is, too); the linear ramp reaches ``top`` at update ``W + 1``, the log one at
    ``W``; and the step from update 1 to 2 is ``(top - low) / W`` (linear) or
    ``(top - low) * log(2) / log(W)`` (log), solved for ``W``.
    """
    low, step = outline(0), outline(2) - outline(1)
    guesses = [outline.warmup_t - 1, outline.warmup_t, far - 1, far]
    if step and 0 < (top - low) / step:
        guesses.append((top - low) / step)
        if (top - low) / step < 64:  # log2(W): no warmup runs 2 ** 64 updates
            guesses.append(2.0 ** ((top - low) / step))
    return _counts(*guesses)


def _warmups(outline: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``WarmupLR`` then ``WarmupDecayLR``: both start at ``warmup_min_lr`` for updates 0 and 1."""
    values, tolerance = outline.values, 1e-9 * outline.base
    low, end, run = outline(0), outline.end, len(values) - 1
    if abs(outline(1) - low) > tolerance:
        return  # DeepSpeed's warmups hold warmup_min_lr for the first two updates
    if float(np.max(np.abs(values - low))) <= tolerance:
        # A constant: a warmup from the lr to itself.
        yield "deepspeed:WarmupLR", {"warmup_min_lr": _read(low), "warmup_max_lr": _read(low)}
        return
    far = int(np.argmax(np.abs(values - low)))  # the top of the ramp (below the start for a ramp down)
    for count in _warmup_counts(outline, end, far):
        for kind in _WARMUP_TYPES:
            yield (
                "deepspeed:WarmupLR",
                {
                    "warmup_min_lr": _read(low),
                    "warmup_max_lr": _read(end),
                    "warmup_num_steps": count,
                    "warmup_type": kind,
                },
            )
    # The decay reaches warmup_min_lr at update total_num_steps + 1, where the schedule settles;
    # with total_num_steps <= W it drops there right after the ramp, whose linear top is then
    # one step short of warmup_max_lr.
    settles = outline.length if outline.length is not None else run
    peak = float(values[far])
    for count in _warmup_counts(outline, peak, far):
        tops = [peak]
        if far >= 2:
            tops.append(low + (peak - low) * far / (far - 1))
        for total in _counts(settles - 1, count):
            for kind in _WARMUP_TYPES:
                for top in tops:
                    yield (
                        "deepspeed:WarmupDecayLR",
                        {
                            "total_num_steps": total,
                            "warmup_min_lr": _read(low),
                            "warmup_max_lr": _read(top),
                            "warmup_num_steps": count,
                            "warmup_type": kind,
                        },
                    )


def _warmup_cosine(outline: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``WarmupCosineLR``: 0 at update 0, ``warmup_min_ratio`` at update 1, ``cos_min_ratio`` at the end."""
    values, base = outline.values, outline.base
    if abs(outline(0)) > 1e-9 * base:
        return
    low = outline(1) / base
    step = (outline(2) - outline(1)) / base
    far = int(np.argmax(values))
    guesses = [far - 1, far, far + 1]
    if step and 0 < (1 - low) / step:
        guesses.append((1 - low) / step)
        if (1 - low) / step < 64:
            guesses.append(2.0 ** ((1 - low) / step))
    # It settles at update total_num_steps (or W + 1 when that comes later).
    totals = [outline.length if outline.length is not None else len(values) - 1]
    for count in _counts(*guesses):
        for total in totals:
            for kind in _WARMUP_TYPES:
                yield (
                    "deepspeed:WarmupCosineLR",
                    {
                        "total_num_steps": _whole(total),
                        "warmup_min_ratio": _read(low),
                        "warmup_num_steps": count,
                        "cos_min_ratio": _read(outline.end / base),
                        "warmup_type": kind,
                    },
                )


def _one_cycle(outline: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``OneCycle``: linear from ``cycle_min_lr`` (update 0) to ``cycle_max_lr`` and back, then a decay.

    The trough is update 0's value, the peak where the climb away from it stops. Step sizes
    are the peak's update and the return to the trough, or solved from the two lines: the
    rise ``low + s_up * t`` and the fall ``low + s_down * (total - t)``, fitted at updates 0, 1
    and after the peak, meet at ``first = s_down * total / (s_up + s_down)``. Past the cycle
    (``t >= total + 1``) ``low / (1 + k * (t - total))`` gives ``k = decay_lr_rate /
    decay_step_size`` (DeepSpeed only uses their ratio; :func:`_rate_and_size` splits it).
    ``cycle_momentum`` is written off: the export is the lr's; DeepSpeed would otherwise write
    each group's betas.
    """
    values, tolerance = outline.values, 1e-9 * outline.base
    run, low = len(values) - 1, outline(0)
    # The peak: where the climb away from the trough stops (a decay past the cycle can fall
    # farther from it than the peak rose).
    moves = np.diff(values) * (1.0 if outline(1) >= low else -1.0)
    stops = np.flatnonzero(moves <= tolerance)
    far = int(stops[0]) if stops.size else run
    if far == 0 or far >= run:
        return  # no peak inside the run: nothing to place a cycle by
    back = (far + 1 + np.flatnonzero(np.abs(values[far + 1 :] - low) <= tolerance)).tolist()
    geometries: list[tuple[float, float, float]] = []  # (first, second, peak)
    if back:
        geometries.append((far, back[0] - far, float(values[far])))
        if back[0] == far + 1 and far >= 1:
            # No second half: the ramp stops one step short of its top, then drops.
            geometries.append((far + 1, 0, low + (float(values[far]) - low) * (far + 1) / far))
    rise, fall = outline(1) - low, outline(far + 1) - outline(far + 2)
    if far + 2 <= run and rise and fall and (rise > 0) == (fall > 0):
        total = far + 1 + (outline(far + 1) - low) / fall
        first, total = _round(fall * total / (rise + fall)), _round(total)
        geometries.append((first, total - first, low + rise * first))
    elif not back:
        drop = outline(far) - outline(far + 1)
        if drop and (drop > 0) == (outline(far) > low):
            geometries.append((far, (outline(far) - low) / drop, float(values[far])))
    seen = set()
    for first, second, peak in geometries:
        first, second = _whole(first), _whole(second)
        if (first, second) in seen or not first > 0 or second < 0:
            continue
        seen.add((first, second))
        arguments: dict[str, Any] = {
            "cycle_min_lr": _read(low),
            "cycle_max_lr": _read(peak),
            "cycle_first_step_size": first,
            "cycle_second_step_size": second,
        }
        # The decay's first update: DeepSpeed leaves the cycle once t - 1 >= total (a cycle of a
        # fractional length starts its second cycle in between).
        after = math.ceil(first + second + 1)
        decays: list[dict[str, Any]] = [{}]
        if after <= run and low and abs(values[after] - low) > tolerance and values[after]:
            rate = (low / float(values[after]) - 1.0) / (after - (first + second))
            decays = [
                {"decay_lr_rate": r, "decay_step_size": size} for r, size in _rate_and_size(rate) if r > 0
            ]
        for decay in decays:
            yield "deepspeed:OneCycle", {**arguments, **decay, "cycle_momentum": False}


def _rate_and_size(per_update: float) -> list[tuple[float, int]]:
    """``(rate, step_size)`` pairs with ``rate / step_size = per_update``, DeepSpeed's only use of them.

    First the rate 1 over the whole step size it implies where there is one (DeepSpeed's
    default rate, a range test's ``step_size=2000``), then the per-update rate over one update.
    """
    pairs = []
    size = round(1 / per_update) if per_update > 0 else 0
    if size >= 2 and abs(1 / per_update - size) <= 1e-6 * size:
        pairs.append((1.0, size))
    pairs.append((_round(per_update), 1))
    return pairs


def _range_test(outline: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """``LRRangeTest``: ``min_lr * (1 + rate * t / size)``, continuous or in stairs of ``size`` updates."""
    values, low = outline.values, outline(0)
    if not low > 0:
        return
    per_update = (outline(1) - low) / low
    if per_update > 0:
        for rate, size in _rate_and_size(per_update):
            yield (
                "deepspeed:LRRangeTest",
                {
                    "lr_range_test_min_lr": _read(low),
                    "lr_range_test_step_size": size,
                    "lr_range_test_step_rate": rate,
                },
            )
    tolerance = 1e-9 * outline.base
    moved = (1 + np.flatnonzero(np.abs(values[1:] - low) > tolerance)).tolist()
    if moved and moved[0] >= 2 and values[moved[0]] > low:
        size = moved[0]
        yield (
            "deepspeed:LRRangeTest",
            {
                "lr_range_test_min_lr": _read(low),
                "lr_range_test_step_size": size,
                "lr_range_test_step_rate": _round(float(values[size]) / low - 1.0),
                "lr_range_test_staircase": True,
            },
        )


def export_candidates(outline: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Guesses of a DeepSpeed scheduler's ``params`` from the schedule's landmarks, in DeepSpeed's terms.

    ``warmup_min_lr`` is update 0's value, ``warmup_max_lr`` the plateau (``WarmupLR``) or the
    ramp's top (``WarmupDecayLR``), ``warmup_num_steps`` where the ramp ends (its mark, where it
    reaches the top, or solved from the step between updates 1 and 2), ``total_num_steps``
    where the schedule settles; ``WarmupCosineLR``'s ratios are update 1's and the last value
    over ``base``; ``OneCycle`` and ``LRRangeTest`` as :func:`_one_cycle` and :func:`_range_test`.
    Each is verified by :func:`lrkit.config.export`, which keeps the first that gives the values.
    """
    seen: set[tuple[str, str]] = set()
    for source in (_warmups, _warmup_cosine, _one_cycle, _range_test):
        for qualified, arguments in source(outline):
            key = (qualified, repr(sorted(arguments.items())))
            if key not in seen:
                seen.add(key)
                yield qualified, arguments


def write_block(qualified: str, arguments: Mapping[str, Any], base: float) -> dict[str, Any]:
    """The DeepSpeed config's ``scheduler`` entry: ``{"scheduler": {"type": ..., "params": {...}}}``.

    ``base`` is not written: the absolute lrs were fitted for it, and ``WarmupCosineLR``'s
    ratios take the optimizer's lr (the config's ``optimizer.params.lr``, or the optimizer
    handed to ``deepspeed.initialize``).
    """
    return {"scheduler": {"type": qualified.partition(":")[2], "params": dict(arguments)}}


registry.register_export(
    "deepspeed",
    description="a DeepSpeed config's scheduler block ({'scheduler': {'type': ..., 'params': {...}}})",
    write=write_block,
    # DeepSpeed's nodes, and lrkit's own shapes that give the same curves (a ramp shifted by an
    # update, a triangle, a linear ramp up, its stairs, an inverse-time tail); cosines too, as
    # WarmupCosineLR has one: a cosine that misses is named by the nearest scheduler instead.
    nodes={
        DeepSpeedWarmup.name,
        DeepSpeedWarmupCosine.name,
        DeepSpeedOneCycle.name,
        DeepSpeedRangeTest.name,
        "rebase",
        "constant",
        "warmup",
        "linear",
        "reverse",
        "shift",
        "sequence",
        "stairs",
        "piecewise_linear",
        "one_cycle",
        "inverse_time",
        "cosine",
        "cosine_wave",
        "multiplier",
    },
)(export_candidates)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "deepspeed:WarmupLR": [
            {"warmup_num_steps": 8},
            {"warmup_num_steps": 5, "warmup_max_lr": 0.1, "warmup_type": "linear"},
        ],
        "deepspeed:WarmupDecayLR": [{"total_num_steps": 20, "warmup_num_steps": 5, "warmup_type": "linear"}],
        "deepspeed:WarmupCosineLR": [{"total_num_steps": 30, "warmup_num_steps": 6}],
        "deepspeed:OneCycle": [{"cycle_min_lr": 0.01, "cycle_max_lr": 0.1, "cycle_first_step_size": 5}],
        "deepspeed:LRRangeTest": [
            {"lr_range_test_step_size": 4},
            {"lr_range_test_step_size": 3, "lr_range_test_staircase": True},
        ],
    }
)
