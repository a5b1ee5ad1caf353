"""NeMo's learning-rate policies (``nemo.core.optim.lr_scheduler``) as schedules, under NeMo's class names.

``nemo:CosineAnnealing``, ``nemo:WarmupHoldPolicy``, ... take the keyword arguments of the NeMo
class they are named after (the optimizer aside) with NeMo's defaults, and return the lr
schedule in optimizer updates: the value at update ``t`` (from 0) for a group whose initial lr
is ``base`` is the lr NeMo's scheduler gives that group for its ``t``-th update (NeMo sets it
when the scheduler is built and after every ``scheduler.step()``). Every policy is one node,
:class:`NemoPolicy`, which evaluates NeMo's ``get_lr`` with its phases in NeMo's order and its
arithmetic in NeMo's order, so the values are NeMo's to the last bit on Python floats.

NeMo's values are mostly fractions of each group's initial lr, with ``min_lr`` absolute (the
floor every policy gives past ``max_steps``). The exceptions: ``SquareRootConstantPolicy`` and
``T5InverseSquareRootAnnealing`` hold ``1 / sqrt(constant_steps)`` and ``T5`` then decays as
``1 / sqrt(t)``, absolute lrs that ignore the group's; ``WarmupAnnealing``'s anneal and
``CosineAnnealing`` with ``constant_steps`` (its Megatron-style warmup from 0, cosine and
constant tail) give every group the values of the optimizer's *first* group. A schedule of
``(t, base)`` does not see the first group, so those two builders take its lr as ``first_lr``;
left out, each group uses its own lr, which is NeMo's for the first group (and so for a
one-group optimizer).

The ``warmup_ratio``, ``hold_ratio`` and ``constant_ratio`` arguments are read as NeMo reads
them, ``int(ratio * max_steps)`` steps. ``last_epoch`` is torch's resume counter: an lrkit
driver resumes from its own ``state_dict``, so only its default, -1, is taken.

Departures: what NeMo refuses only when it gets there is refused when the schedule is built (a
division by zero at some update, ``NoamHoldAnnealing`` without warmup, ``SquareRootConstantPolicy``
without ``constant_steps``, a comparison with ``max_steps=None``); NeMo's check that no group's
lr is below ``min_lr`` (``CosineAnnealing``, ``NoamAnnealing``) needs the group's lr, which a
schedule sees only when evaluated, so it is made only against ``first_lr`` where that is given;
and ``CosineAnnealing``'s ``reset_lr`` param-group key (a restart NeMo's Megatron models set
from outside) is not read.

The config format ``nemo`` (:func:`read_config`) reads a NeMo model config's ``optim`` section:
its ``lr`` is the base and its ``sched`` block names the policy, with the run's ``max_steps``
from the block or from ``trainer.max_steps``.

>>> s = cosine_annealing(warmup_steps=2, max_steps=6, min_lr=0.01)
>>> [round(s(t, base=0.1), 6) for t in range(8)]
[0.033333, 0.066667, 0.1, 0.08682, 0.055, 0.02318, 0.01, 0.01]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.recipes.registry import Reading, qualified_only, register, register_examples, register_format
from lrkit.schedule import Schedule, _set, schedule_class

__all__ = [
    "POLICIES",
    "NemoPolicy",
    "cosine_annealing",
    "detect_config",
    "inverse_square_root_annealing",
    "noam_annealing",
    "noam_hold_annealing",
    "polynomial_decay_annealing",
    "polynomial_hold_decay_annealing",
    "read_config",
    "square_annealing",
    "square_root_annealing",
    "square_root_constant_policy",
    "t5_inverse_square_root_annealing",
    "warmup_annealing",
    "warmup_hold_anneal_linear",
    "warmup_hold_anneal_one_minus_square_root",
    "warmup_hold_policy",
    "warmup_policy",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("nemo")

# The policies by the base class whose phases they share.
_WARMUP = (
    "WarmupPolicy",
    "SquareAnnealing",
    "SquareRootAnnealing",
    "WarmupAnnealing",
    "InverseSquareRootAnnealing",
    "PolynomialDecayAnnealing",
)
_HOLD = (
    "WarmupHoldPolicy",
    "NoamHoldAnnealing",
    "PolynomialHoldDecayAnnealing",
    "WarmupHoldAnnealOneMinusSquareRoot",
    "WarmupHoldAnnealLinear",
)
_CONSTANT = ("SquareRootConstantPolicy", "T5InverseSquareRootAnnealing")
#: NeMo's lr policies, the names this module registers (``"nemo:" + name``).
POLICIES = (*_WARMUP, *_HOLD, "CosineAnnealing", "NoamAnnealing", *_CONSTANT)

# The node's fields each policy reads, beside max_steps and min_lr.
_FIELDS = {
    **{p: {"warmup_steps"} for p in _WARMUP},
    **{p: {"warmup_steps", "hold_steps"} for p in _HOLD},
    "CosineAnnealing": {"warmup_steps", "constant_steps", "first_lr"},
    "NoamAnnealing": {"warmup_steps", "d_model"},
    **{p: {"constant_steps"} for p in _CONSTANT},
}
for _p in ("PolynomialDecayAnnealing", "PolynomialHoldDecayAnnealing"):
    _FIELDS[_p] = _FIELDS[_p] | {"power", "cycle"}
_FIELDS["NoamHoldAnnealing"] = _FIELDS["NoamHoldAnnealing"] | {"decay_rate"}
_FIELDS["WarmupAnnealing"] = _FIELDS["WarmupAnnealing"] | {"first_lr"}
_DEFAULTS: dict[str, Any] = {
    "warmup_steps": 0,
    "hold_steps": None,
    "constant_steps": 0,
    "power": 1.0,
    "cycle": False,
    "decay_rate": 0.5,
    "d_model": None,
    "first_lr": None,
}
# Policies whose max_steps may be None: NeMo compares the step with it only past the warmup
# (WarmupPolicy) or not at all (NoamAnnealing, which reads it for warmup_ratio only).
_OPEN = ("WarmupPolicy", "NoamAnnealing")


def _steps(name: str, value: Any) -> int | float:
    return v.real_or_int(name, value, minimum=0.0)


def _first_int_above(x: float) -> int:
    """The smallest integer ``> x``."""
    return math.floor(x) + 1


def _settled(t: float) -> int | float:
    return int(t) if float(t).is_integer() else t


# -- NeMo's node ---------------------------------------------------------------------------------


@schedule_class
class NemoPolicy(Schedule):
    """NeMo's ``policy`` (a class of ``nemo.core.optim.lr_scheduler``): its ``get_lr`` at step ``t``.

    With ``b`` the base (``b0 = first_lr``, or ``b`` without it), ``m = min_lr``, ``M =
    max_steps``, ``W = warmup_steps``, ``H = W + hold_steps`` (0 without ``hold_steps``),
    ``C = constant_steps``, the first phase that holds gives the value:
    warmup ``b * (t + 1) / (W + 1)`` for ``W > 0`` and ``t <= W`` (``CosineAnnealing`` with
    ``C > 0``: ``b0 * t / W``; the constant policies: ``1 / C ** 0.5`` for ``t <= C``); hold
    ``b`` for ``W <= t < H``; ``m`` for ``t > M`` (and ``CosineAnnealing``'s ``M - C < t``);
    else the decay, with ``T = t - W`` over ``A = M - W``:
    ``WarmupPolicy``, ``WarmupHoldPolicy``, ``SquareRootConstantPolicy``: ``b``;
    ``SquareAnnealing``: ``max(b * ((A - T) / A) ** 2, m)``;
    ``SquareRootAnnealing``: ``max(b * ((M - t) / M) ** 0.5, m)``;
    ``CosineAnnealing``: ``(b - m) * 0.5 * (1 + cos(pi * T / A)) + m``, with ``C > 0``
    ``m + 0.5 * (cos(pi * T / (A - C)) + 1) * (b0 - m)``;
    ``WarmupAnnealing``: ``m + (1 - T / A) * (b0 - m)``;
    ``InverseSquareRootAnnealing``: ``b / ((t + 1) / (W + 1)) ** 0.5``;
    ``T5InverseSquareRootAnnealing``: ``1 / t ** 0.5``;
    ``PolynomialDecayAnnealing``: ``(b - m) * (1 - T / A) ** power + m``;
    ``PolynomialHoldDecayAnnealing``: the same with ``T = t - H`` over ``M - max(W, H)``, ``T``
    held at that length (``cycle=False``) or the length stretched ``ceil(T / length)``-fold
    (``cycle=True``);
    ``NoamHoldAnnealing``: ``max(b * max(1, W ** decay_rate) / max(1, (t - hold_steps) ** decay_rate), m)``;
    ``WarmupHoldAnnealOneMinusSquareRoot``: ``max(m, b * (1 - ((t - H) / (M - H)) ** 0.5))``;
    ``WarmupHoldAnnealLinear``: ``b - (b - m) * (t - H) / (M - H)``.
    ``NoamAnnealing`` has no phases: with ``s = max(1, t)``,
    ``b * d_model ** -0.5 * min(s ** -0.5, s * W ** -1.5)`` (``s ** -0.5`` without warmup),
    at least ``m`` once ``s > W``.

    >>> s = NemoPolicy(policy="WarmupHoldAnnealLinear", max_steps=8, warmup_steps=2, hold_steps=2)
    >>> [round(s(t), 6) for t in range(10)]
    [0.333333, 0.666667, 1.0, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """

    name: ClassVar[str] = "nemo:policy"  # not affine: min_lr floors a line in base
    policy: str
    max_steps: float | None = None
    warmup_steps: float = 0
    hold_steps: float | None = None
    constant_steps: float = 0
    min_lr: float = 0.0
    power: float = 1.0
    cycle: bool = False
    decay_rate: float = 0.5
    d_model: float | None = None
    first_lr: float | None = None

    def __post_init__(self) -> None:
        policy = v.choice("policy", self.policy, POLICIES)
        for field, default in _DEFAULTS.items():
            value = getattr(self, field)
            if field not in _FIELDS[policy] and not (value is default or value == default):
                raise v.invalid(field, f"is not an argument of NeMo's {policy}, got {value!r}")
        if self.max_steps is None:
            if policy not in _OPEN:
                raise v.invalid("max_steps", f"is required: NeMo's {policy} compares the step with it")
        else:
            _set(self, "max_steps", _steps("max_steps", self.max_steps))
        for field in ("warmup_steps", "constant_steps"):
            _set(self, field, _steps(field, getattr(self, field)))
        if self.hold_steps is not None:
            _set(self, "hold_steps", _steps("hold_steps", self.hold_steps))
        _set(self, "min_lr", v.real_or_int("min_lr", self.min_lr, minimum=0.0))
        # NeMo raises math.pow's domain error at max_steps for a negative power.
        _set(self, "power", v.real_or_int("power", self.power, minimum=0.0))
        _set(self, "cycle", v.flag("cycle", self.cycle))
        _set(self, "decay_rate", v.real_or_int("decay_rate", self.decay_rate))
        if policy == "NoamAnnealing":
            if self.d_model is None:
                raise v.invalid("d_model", "is required by NeMo's NoamAnnealing, got None")
            _set(self, "d_model", v.real_or_int("d_model", self.d_model, minimum=0.0, strict_minimum=True))
        if self.first_lr is not None:
            _set(self, "first_lr", v.real_or_int("first_lr", self.first_lr, minimum=0.0))
        if policy in _CONSTANT and not self.constant_steps > 0:
            raise v.invalid(
                "constant_steps",
                f"must be > 0: NeMo's {policy} holds the lr 1 / sqrt(constant_steps), "
                f"got {self.constant_steps!r}",
            )
        if policy == "NoamHoldAnnealing" and not self.warmup_steps > 0:
            raise v.invalid(
                "warmup_steps",
                "must be > 0: NeMo's NoamHoldAnnealing cannot be used without warmup steps, "
                f"got {self.warmup_steps!r}",
            )
        if policy == "CosineAnnealing" and self.constant_steps > 0 and self.first_lr is not None:
            if not self.first_lr > self.min_lr:
                raise v.invalid(
                    "first_lr",
                    f"must be > {{min_lr}} (NeMo asserts it), got {self.first_lr!r} <= {self.min_lr!r}",
                    "min_lr",
                )
        divisor = self._divisor()
        if divisor is not None and divisor == 0 and self._decays_at_a_step():
            raise v.invalid(
                "max_steps",
                f"={self.max_steps!r} with these warmup/hold/constant steps makes NeMo's {policy} "
                f"divide by zero at step {self._first_decay_step()}",
            )

    # -- the phases ------------------------------------------------------------------------------

    @property
    def _hold_end(self) -> float:
        """NeMo's ``hold_steps`` attribute: the step the hold ends at (0 without one)."""
        return 0 if self.hold_steps is None else self.hold_steps + self.warmup_steps

    def _decay_region(self) -> tuple[float, float] | None:
        """The closed hull ``(low, high)`` of the times the decay formula gives, ``None`` if none."""
        w, m, p = self.warmup_steps, self.max_steps, self.policy
        if p == "NoamAnnealing":
            return (0.0, math.inf)
        if p in _CONSTANT:
            low, high = self.constant_steps, m
            return (low, high) if high > low else None
        if p == "CosineAnnealing" and self.constant_steps > 0:
            high = m - self.constant_steps
        else:
            high = math.inf if m is None else m
        low = w
        if p in _HOLD:
            low = max(w, self._hold_end)
            if self._hold_end > w:  # t = H itself decays
                return (low, high) if high >= low else None
        if w > 0:
            return (low, high) if high > low else None
        return (low, high) if high >= low else None

    def _live_region(self) -> tuple[float, float] | None:
        """:meth:`_decay_region`, but ``None`` where the divisor is 0 (then no integer step decays:
        NeMo never computes there, and the fractional times in it take ``min_lr``)."""
        return None if self._divisor() == 0 else self._decay_region()

    def _first_decay_step(self) -> int | None:
        """The first integer step the decay formula gives, ``None`` if there is none."""
        region = self._decay_region()
        if region is None:
            return None
        high = region[1]
        w = self.warmup_steps
        start = _first_int_above(w) if w > 0 else 0
        if self.policy in _CONSTANT:
            start = _first_int_above(self.constant_steps)
        if self.policy in _HOLD and self._hold_end > 0:
            start = max(start, math.ceil(self._hold_end))
        return start if start <= high else None

    def _decays_at_a_step(self) -> bool:
        return self._first_decay_step() is not None

    def _divisor(self) -> float | None:
        """The decay formula's divisor, whose zero NeMo meets at the decay's first step."""
        p, m, w = self.policy, self.max_steps, self.warmup_steps
        if p in ("SquareAnnealing", "WarmupAnnealing", "PolynomialDecayAnnealing"):
            return m - w
        if p == "CosineAnnealing":
            return m - w - self.constant_steps if self.constant_steps > 0 else m - w
        if p == "SquareRootAnnealing":
            return m
        if p == "PolynomialHoldDecayAnnealing":
            return m - max(w, self._hold_end)
        if p in ("WarmupHoldAnnealOneMinusSquareRoot", "WarmupHoldAnnealLinear"):
            return m - self._hold_end
        return None

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        if self.warmup_steps and self.policy not in _CONSTANT:
            yield self.warmup_steps, "warmup end"
        if self.policy in _HOLD and self._hold_end > self.warmup_steps:
            yield self._hold_end, "hold end"
        if self.policy in _CONSTANT:
            yield self.constant_steps, "constant end"
        if self.policy == "CosineAnnealing" and self.constant_steps > 0:
            yield self.max_steps - self.constant_steps, "decay end"
        if self.max_steps is not None and self.policy != "NoamAnnealing":
            yield self.max_steps, "max_steps"

    @property
    def length(self) -> float | None:
        p, m, w = self.policy, self.max_steps, self.warmup_steps
        if p == "NoamAnnealing":
            return None  # its floor min_lr is reached at a time that depends on the base
        if m is None:  # WarmupPolicy: the base from the warmup's last step on
            return w
        # min_lr for every t > end (a hold may outlast it, min_lr from its end).
        if p in _CONSTANT:
            end = max(m, self.constant_steps)
        elif p == "CosineAnnealing" and self.constant_steps > 0:
            end = max(m - self.constant_steps, w)
            if end < 0:
                return 0
        else:
            end = max(m, w)
        start = self._min_lr_from()
        if start is not None:
            # The warmup's last step (the base) comes before a decay at min_lr from its start.
            return math.nextafter(w, math.inf) if 0 < w and start <= w else _settled(start)
        if p in _HOLD and self._hold_end > end:
            return _settled(self._hold_end)
        return math.nextafter(end, math.inf)

    def _min_lr_from(self) -> float | None:
        """Where the decay formula reaches ``min_lr`` exactly for every base (``None``: it does not),
        the min_lr it holds from there on.

        Evaluated as ``min_lr`` from there, not by the formula, so that a compiler's reordering of
        the formula's arithmetic (``jax.jit`` divides by a constant as a multiplication) cannot
        leave a last bit above it.
        """
        region = self._live_region()
        if region is None or not self._ends_at_min_lr():
            return None
        w = self.warmup_steps
        if self.policy == "PolynomialHoldDecayAnnealing" and self.hold_steps is None and w > 0:
            # Without a hold NeMo decays t, not t - W, over M - W: at min_lr from M - W on.
            return max(self.max_steps - w, w)
        return region[1]

    def _ends_at_min_lr(self) -> bool:
        p = self.policy
        if p == "WarmupHoldAnnealLinear":
            return self.min_lr == 0  # base - (base - min_lr) is min_lr to the bit only for 0
        if p in ("PolynomialDecayAnnealing", "PolynomialHoldDecayAnnealing"):
            cycles = p == "PolynomialHoldDecayAnnealing" and self.cycle and self.hold_steps is None
            return self.power > 0 and not cycles
        return p in (
            "SquareAnnealing",
            "SquareRootAnnealing",
            "WarmupAnnealing",
            "CosineAnnealing",
            "WarmupHoldAnnealOneMinusSquareRoot",
        )

    # -- the values ------------------------------------------------------------------------------

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        p, w, m = self.policy, self.warmup_steps, float(self.min_lr)
        if p == "NoamAnnealing":
            return self._noam(xp, t, base, m)
        zero = 0.0 * t  # broadcasts a Python number to t's shape and dtype
        region = self._live_region()
        if region is None:
            value = m + zero
        else:
            low, high = region
            tc = xp.minimum(xp.maximum(t, low), high) if high < math.inf else xp.maximum(t, low)
            value = self._decay(xp, tc, base, m) + zero
            start = self._min_lr_from()
            if start is not None:
                value = xp.where(t >= start, m + zero, value)
        if p in _CONSTANT:
            c = self.constant_steps
            value = xp.where(t > self.max_steps, m + zero, value)
            return xp.where(t <= c, 1 / c**0.5 + zero, value)
        first = base if self.first_lr is None else float(self.first_lr)
        if p == "CosineAnnealing" and self.constant_steps > 0:
            # Megatron's schedule: constant min_lr past the decay, then past max_steps.
            value = xp.where(t > self.max_steps - self.constant_steps, m + zero, value)
        elif self.max_steps is not None:
            value = xp.where(t > self.max_steps, m + zero, value)
        if p in _HOLD and self._hold_end > w:
            value = xp.where((t >= w) & (t < self._hold_end), base + zero, value)
        if w > 0:
            if p == "CosineAnnealing" and self.constant_steps > 0:
                warm = first * t / w
            else:
                warm = base * ((t + 1.0) / (w + 1))
            value = xp.where(t <= w, warm + zero, value)
        return value

    def _decay(self, xp: Any, t: Any, base: Any, m: float) -> Any:
        """The decay phase's value, ``t`` already inside :meth:`_decay_region`."""
        p, w, steps = self.policy, self.warmup_steps, self.max_steps
        first = base if self.first_lr is None else float(self.first_lr)
        if p in ("WarmupPolicy", "WarmupHoldPolicy", "SquareRootConstantPolicy"):
            return base
        if p == "SquareAnnealing":
            length = steps - w
            return xp.maximum(base * ((length - (t - w)) / length) ** 2, m)
        if p == "SquareRootAnnealing":
            return xp.maximum(base * ((steps - t) / steps) ** 0.5, m)
        if p == "WarmupAnnealing":
            return m + (1 - (t - w) / (steps - w)) * (first - m)
        if p == "InverseSquareRootAnnealing":
            return base / ((t + 1) / (w + 1)) ** 0.5
        if p == "T5InverseSquareRootAnnealing":
            return 1 / t**0.5
        if p == "CosineAnnealing":
            if self.constant_steps > 0:
                ratio = (t - w) / (steps - self.constant_steps - w)
                return m + 0.5 * (xp.cos(math.pi * ratio) + 1.0) * (first - m)
            return (base - m) * (0.5 * (1 + xp.cos(math.pi * (t - w) / (steps - w)))) + m
        if p == "PolynomialDecayAnnealing":
            return self._poly(xp, t - w, steps - w, base, m)
        hold_end = self._hold_end
        if p == "PolynomialHoldDecayAnnealing":
            return self._poly(xp, t - hold_end, steps - max(w, hold_end), base, m)
        if p == "NoamHoldAnnealing":
            held = hold_end - w if hold_end > 0 else 0
            rate = self.decay_rate
            return xp.maximum(base * max(1, w**rate) / xp.maximum((t - held) ** rate, 1.0), m)
        ratio = (t - hold_end) / (steps - hold_end)
        if p == "WarmupHoldAnnealOneMinusSquareRoot":
            return xp.maximum(base * (1 - ratio**0.5), m)
        return base - (base - m) * ratio  # WarmupHoldAnnealLinear

    def _poly(self, xp: Any, step: Any, length: float, base: Any, m: float) -> Any:
        """NeMo's ``_poly_decay``: ``(b - m) * (1 - step / length) ** power + m``."""
        if self.cycle:
            # ceil(x) as -floor(-x), exact; 1.0 at step 0, as NeMo has it.
            times = xp.where(step == 0, 1.0 + 0.0 * step, -xp.floor(-step / length))
            length = length * times
        else:
            step = xp.minimum(step, length)
        return (base - m) * (1.0 - step / length) ** self.power + m

    def _noam(self, xp: Any, t: Any, base: Any, m: float) -> Any:
        w = self.warmup_steps
        step = xp.maximum(t, 1.0)
        normalize = self.d_model ** (-0.5)
        if w > 0:
            factor = normalize * xp.minimum(step ** (-0.5), step * (w ** (-1.5)))
        else:
            factor = normalize * step ** (-0.5)
        value = base * factor
        return xp.where(step > w, xp.maximum(value, m), value)


# -- arguments -----------------------------------------------------------------------------------


def _count(
    steps_name: str, steps: Any, ratio_name: str, ratio: Any, max_steps: Any, *, policy: str
) -> int | float | None:
    """A phase's steps, given as a count or as NeMo's ``int(ratio * max_steps)``; ``None``: neither."""
    if steps is not None and ratio is not None:
        raise v.invalid(steps_name, f"and {{{ratio_name}}}: give one (NeMo asserts it), got both", ratio_name)
    if steps is not None:
        return _steps(steps_name, steps)
    if ratio is None:
        return None
    ratio = v.real(ratio_name, ratio, minimum=0.0)
    if max_steps is None:
        raise v.invalid(
            ratio_name, f"needs {{max_steps}} (NeMo's {policy} asserts it), got max_steps=None", "max_steps"
        )
    return int(ratio * _steps("max_steps", max_steps))


def _last_epoch(last_epoch: Any) -> None:
    if last_epoch != -1 or isinstance(last_epoch, bool):
        raise v.invalid(
            "last_epoch",
            "is torch's resume counter: an lrkit Scheduler resumes from its state_dict; give -1, "
            f"got {last_epoch!r}",
        )


def _build(policy: str, *, last_epoch: Any = -1, **fields: Any) -> NemoPolicy:
    _last_epoch(last_epoch)
    return NemoPolicy(policy=policy, **{k: value for k, value in fields.items() if value is not None})


def _warmup(policy: str, warmup_steps: Any, warmup_ratio: Any, max_steps: Any) -> int | float:
    found = _count("warmup_steps", warmup_steps, "warmup_ratio", warmup_ratio, max_steps, policy=policy)
    return 0 if found is None else found


# -- the policies --------------------------------------------------------------------------------


@register("nemo:WarmupPolicy", unit="update")
def warmup_policy(
    *,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    max_steps: float | None = None,
    min_lr: float = 0.0,
    last_epoch: int = -1,
) -> Schedule:
    """``WarmupPolicy``: warmup to the base, the base, then ``min_lr`` past ``max_steps`` (if given).

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``base`` up to ``max_steps``, then ``min_lr``.

    >>> s = warmup_policy(warmup_steps=3, max_steps=6, min_lr=0.01)
    >>> [round(s(t, base=0.1), 6) for t in range(9)]
    [0.025, 0.05, 0.075, 0.1, 0.1, 0.1, 0.1, 0.01, 0.01]
    """
    w = _warmup("WarmupPolicy", warmup_steps, warmup_ratio, max_steps)
    return _build("WarmupPolicy", last_epoch=last_epoch, max_steps=max_steps, warmup_steps=w, min_lr=min_lr)


def _hold(policy: str, hold_steps: Any, hold_ratio: Any, max_steps: Any) -> int | float | None:
    return _count("hold_steps", hold_steps, "hold_ratio", hold_ratio, max_steps, policy=policy)


@register("nemo:WarmupHoldPolicy", unit="update")
def warmup_hold_policy(
    *,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    hold_steps: float | None = None,
    hold_ratio: float | None = None,
    max_steps: float | None = None,
    min_lr: float = 0.0,
    last_epoch: int = -1,
) -> Schedule:
    """``WarmupHoldPolicy``: warmup, the base (held, then on) up to ``max_steps``, then ``min_lr``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``base`` up to ``max_steps`` (and to the
    hold's end ``W + hold_steps``, if later), then ``min_lr``.

    >>> s = warmup_hold_policy(warmup_steps=1, hold_steps=2, max_steps=4)
    >>> [s(t) for t in range(7)]
    [0.5, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
    """
    w = _warmup("WarmupHoldPolicy", warmup_steps, warmup_ratio, max_steps)
    h = _hold("WarmupHoldPolicy", hold_steps, hold_ratio, max_steps)
    return _build(
        "WarmupHoldPolicy",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        hold_steps=h,
        min_lr=min_lr,
    )


@register("nemo:SquareAnnealing", unit="update")
def square_annealing(
    *,
    max_steps: float,
    min_lr: float = 1e-5,
    last_epoch: int = -1,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
) -> Schedule:
    """``SquareAnnealing``: warmup, then ``base * (1 - (t - W) / (M - W)) ** 2``, at least ``min_lr`` (1e-5).

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``,
    ``max(base * ((M - W - (t - W)) / (M - W)) ** 2, min_lr)`` up to ``M = max_steps``, then ``min_lr``.

    >>> s = square_annealing(max_steps=4, min_lr=0.0)
    >>> [s(t) for t in range(6)]
    [1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """
    w = _warmup("SquareAnnealing", warmup_steps, warmup_ratio, max_steps)
    return _build(
        "SquareAnnealing", last_epoch=last_epoch, max_steps=max_steps, warmup_steps=w, min_lr=min_lr
    )


@register("nemo:SquareRootAnnealing", unit="update")
def square_root_annealing(
    *,
    max_steps: float,
    min_lr: float = 0,
    last_epoch: int = -1,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
) -> Schedule:
    """``SquareRootAnnealing``: warmup, then ``base * sqrt((M - t) / M)`` (of ``t``, not ``t - W``).

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``max(base * ((M - t) / M) ** 0.5, min_lr)``
    up to ``M = max_steps``, then ``min_lr``.

    >>> s = square_root_annealing(max_steps=4)
    >>> [s(t) for t in range(6)]
    [1.0, 0.8660254037844386, 0.7071067811865476, 0.5, 0.0, 0.0]
    """
    w = _warmup("SquareRootAnnealing", warmup_steps, warmup_ratio, max_steps)
    return _build(
        "SquareRootAnnealing", last_epoch=last_epoch, max_steps=max_steps, warmup_steps=w, min_lr=min_lr
    )


@register("nemo:CosineAnnealing", unit="update")
def cosine_annealing(
    *,
    max_steps: float,
    min_lr: float = 0,
    last_epoch: int = -1,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    constant_steps: float | None = None,
    constant_ratio: float | None = None,
    first_lr: float | None = None,
) -> Schedule:
    """``CosineAnnealing``: warmup, then a cosine to ``min_lr`` at ``max_steps`` (or Megatron's form).

    Without constant steps: ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, then
    ``(base - min_lr) * 0.5 * (1 + cos(pi * (t - W) / (M - W))) + min_lr`` up to ``M``, then
    ``min_lr``. With ``C = constant_steps > 0`` NeMo switches to Megatron's form, from the first
    group's lr ``b0`` (``first_lr``; each group's own without it): ``b0 * t / W`` for ``t <= W``,
    ``min_lr + 0.5 * (cos(pi * (t - W) / (M - C - W)) + 1) * (b0 - min_lr)`` up to ``M - C``, then
    ``min_lr``.

    >>> s = cosine_annealing(warmup_steps=2, constant_steps=2, max_steps=8)
    >>> [round(s(t), 6) for t in range(9)]
    [0.0, 0.5, 1.0, 0.853553, 0.5, 0.146447, 0.0, 0.0, 0.0]
    """
    w = _warmup("CosineAnnealing", warmup_steps, warmup_ratio, max_steps)
    c = _count(
        "constant_steps",
        constant_steps,
        "constant_ratio",
        constant_ratio,
        max_steps,
        policy="CosineAnnealing",
    )
    c = 0 if c is None else c
    return _build(
        "CosineAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        constant_steps=c,
        min_lr=min_lr,
        # Read by the Megatron form only.
        first_lr=first_lr if c > 0 else None,
    )


@register("nemo:NoamAnnealing", unit="update")
def noam_annealing(
    *,
    d_model: float,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    max_steps: float | None = None,
    min_lr: float = 0.0,
    last_epoch: int = -1,
) -> Schedule:
    """``NoamAnnealing``: the Transformer's ``d_model ** -0.5 * min(s ** -0.5, s * W ** -1.5)``.

    With ``s = max(1, t)``: ``v(t) = base * d_model ** -0.5 * min(s ** -0.5, s * W ** -1.5)``
    (``s ** -0.5`` without warmup), at least ``min_lr`` once ``s > W``; ``max_steps`` only
    counts ``warmup_ratio``.

    >>> s = noam_annealing(d_model=4, warmup_steps=4)
    >>> [s(t) for t in (0, 1, 2, 4, 16)]
    [0.0625, 0.0625, 0.125, 0.25, 0.125]
    """
    w = _warmup("NoamAnnealing", warmup_steps, warmup_ratio, max_steps)
    return _build(
        "NoamAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        min_lr=min_lr,
        d_model=d_model,
    )


@register("nemo:NoamHoldAnnealing", unit="update")
def noam_hold_annealing(
    *,
    max_steps: float,
    decay_rate: float = 0.5,
    min_lr: float = 0.0,
    last_epoch: int = -1,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    hold_steps: float | None = None,
    hold_ratio: float | None = None,
) -> Schedule:
    """``NoamHoldAnnealing`` (Squeezeformer): warmup, hold, then ``base * (W / (t - hold)) ** decay_rate``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``base`` up to ``W + hold_steps``, then
    ``max(base * max(1, W ** r) / max(1, (t - hold_steps) ** r), min_lr)`` (``r = decay_rate``) up
    to ``max_steps``, then ``min_lr``.

    >>> s = noam_hold_annealing(warmup_steps=1, hold_steps=1, max_steps=10, decay_rate=1.0)
    >>> [s(t) for t in (0, 1, 2, 3, 5, 10, 11)]
    [0.5, 1.0, 1.0, 0.5, 0.25, 0.1111111111111111, 0.0]
    """
    w = _warmup("NoamHoldAnnealing", warmup_steps, warmup_ratio, max_steps)
    h = _hold("NoamHoldAnnealing", hold_steps, hold_ratio, max_steps)
    return _build(
        "NoamHoldAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        hold_steps=h,
        min_lr=min_lr,
        decay_rate=decay_rate,
    )


@register("nemo:WarmupAnnealing", unit="update")
def warmup_annealing(
    *,
    max_steps: float,
    last_epoch: int = -1,
    min_lr: float = 0.0,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    first_lr: float | None = None,
) -> Schedule:
    """``WarmupAnnealing``: warmup, then a straight line from the first group's lr to ``min_lr``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, then
    ``min_lr + (1 - (t - W) / (M - W)) * (b0 - min_lr)`` up to ``M = max_steps``, then ``min_lr``;
    ``b0`` is the first group's lr, ``first_lr`` (each group's own without it).

    >>> s = warmup_annealing(warmup_steps=1, max_steps=5, first_lr=0.2)
    >>> [round(s(t, base=0.1), 6) for t in range(7)]
    [0.05, 0.1, 0.15, 0.1, 0.05, 0.0, 0.0]
    """
    w = _warmup("WarmupAnnealing", warmup_steps, warmup_ratio, max_steps)
    return _build(
        "WarmupAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        min_lr=min_lr,
        first_lr=first_lr,
    )


@register("nemo:InverseSquareRootAnnealing", unit="update")
def inverse_square_root_annealing(
    *,
    max_steps: float,
    last_epoch: int = -1,
    min_lr: float = 0.0,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
) -> Schedule:
    """``InverseSquareRootAnnealing``: warmup, then ``base / sqrt((t + 1) / (W + 1))``, then ``min_lr``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``base / ((t + 1) / (W + 1)) ** 0.5`` up to
    ``max_steps``, then ``min_lr``.

    >>> s = inverse_square_root_annealing(warmup_steps=1, max_steps=10)
    >>> [round(s(t), 12) for t in (0, 1, 3, 7, 11)]
    [0.5, 1.0, 0.707106781187, 0.5, 0.0]
    """
    w = _warmup("InverseSquareRootAnnealing", warmup_steps, warmup_ratio, max_steps)
    return _build(
        "InverseSquareRootAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        min_lr=min_lr,
    )


def _constant_steps(policy: str, constant_steps: Any, constant_ratio: Any) -> Any:
    if constant_ratio is not None:
        if constant_steps is not None:
            raise v.invalid(
                "constant_steps",
                "and {constant_ratio}: give one (NeMo asserts it), got both",
                "constant_ratio",
            )
        raise v.invalid(
            "constant_ratio",
            f"cannot be used: NeMo's {policy} computes its lr 1 / sqrt(constant_steps) from "
            "constant_steps alone (and fails without it); give {constant_steps}",
            "constant_steps",
        )
    if constant_steps is None:
        raise v.invalid(
            "constant_steps", f"is required by NeMo's {policy} (its lr is 1 / sqrt(constant_steps))"
        )
    return constant_steps


@register("nemo:T5InverseSquareRootAnnealing", unit="update")
def t5_inverse_square_root_annealing(
    *,
    max_steps: float,
    last_epoch: int = -1,
    min_lr: float = 0.0,
    constant_steps: float | None = None,
    constant_ratio: float | None = None,
) -> Schedule:
    """``T5InverseSquareRootAnnealing``: the absolute lr ``1 / sqrt(max(t, C))`` up to ``max_steps``.

    ``v(t) = 1 / C ** 0.5`` for ``t <= C = constant_steps``, ``1 / t ** 0.5`` up to ``max_steps``,
    then ``min_lr``, whatever the group's lr.

    >>> s = t5_inverse_square_root_annealing(constant_steps=4, max_steps=16)
    >>> [s(t, base=0.1) for t in (0, 4, 9, 16, 17)]
    [0.5, 0.5, 0.3333333333333333, 0.25, 0.0]
    """
    c = _constant_steps("T5InverseSquareRootAnnealing", constant_steps, constant_ratio)
    return _build(
        "T5InverseSquareRootAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        constant_steps=c,
        min_lr=min_lr,
    )


@register("nemo:PolynomialDecayAnnealing", unit="update")
def polynomial_decay_annealing(
    *,
    max_steps: float,
    min_lr: float = 0.0,
    power: float = 1.0,
    cycle: bool = False,
    last_epoch: int = -1,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
) -> Schedule:
    """``PolynomialDecayAnnealing``: warmup, then a polynomial decay to ``min_lr`` at ``max_steps``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, the polynomial up to ``M = max_steps``,
    then ``min_lr`` (so ``cycle``, which NeMo applies past ``M - W`` steps of decay only, never shows).

    >>> s = polynomial_decay_annealing(warmup_steps=1, max_steps=5, power=2.0)
    >>> [s(t) for t in range(7)]
    [0.5, 1.0, 0.5625, 0.25, 0.0625, 0.0, 0.0]
    """
    w = _warmup("PolynomialDecayAnnealing", warmup_steps, warmup_ratio, max_steps)
    return _build(
        "PolynomialDecayAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        min_lr=min_lr,
        power=power,
        cycle=cycle,
    )


@register("nemo:PolynomialHoldDecayAnnealing", unit="update")
def polynomial_hold_decay_annealing(
    *,
    max_steps: float,
    min_lr: float = 0.0,
    power: float = 1.0,
    cycle: bool = False,
    last_epoch: int = -1,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    hold_steps: float | None = None,
    hold_ratio: float | None = None,
) -> Schedule:
    """``PolynomialHoldDecayAnnealing``: warmup, hold, then a polynomial decay to ``min_lr``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``base`` up to ``H = W + hold_steps``
    (``H = 0`` without ``hold_steps``, and NeMo then decays ``t`` itself over ``M - W``), then
    ``(base - min_lr) * (1 - T / L) ** power + min_lr`` with ``T = t - H``, ``L = M - max(W, H)``,
    ``T`` held at ``L`` (or, with ``cycle``, ``L`` stretched ``ceil(T / L)``-fold) up to
    ``M = max_steps``, then ``min_lr``.

    >>> s = polynomial_hold_decay_annealing(warmup_steps=1, hold_steps=1, max_steps=6)
    >>> [s(t) for t in range(8)]
    [0.5, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    w = _warmup("PolynomialHoldDecayAnnealing", warmup_steps, warmup_ratio, max_steps)
    h = _hold("PolynomialHoldDecayAnnealing", hold_steps, hold_ratio, max_steps)
    return _build(
        "PolynomialHoldDecayAnnealing",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        hold_steps=h,
        min_lr=min_lr,
        power=power,
        cycle=cycle,
    )


@register("nemo:WarmupHoldAnnealOneMinusSquareRoot", unit="update")
def warmup_hold_anneal_one_minus_square_root(
    *,
    max_steps: float,
    last_epoch: int = -1,
    min_lr: float = 0.0,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    hold_steps: float | None = None,
    hold_ratio: float | None = None,
) -> Schedule:
    """``WarmupHoldAnnealOneMinusSquareRoot``: warmup, hold, then ``base * (1 - sqrt((t - H) / (M - H)))``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``base`` up to ``H = W + hold_steps``,
    then ``max(min_lr, base * (1 - ((t - H) / (M - H)) ** 0.5))`` up to ``M = max_steps``, then ``min_lr``.

    >>> s = warmup_hold_anneal_one_minus_square_root(warmup_steps=1, hold_steps=1, max_steps=6)
    >>> [s(t) for t in (0, 1, 2, 3, 6, 7)]
    [0.5, 1.0, 1.0, 0.5, 0.0, 0.0]
    """
    w = _warmup("WarmupHoldAnnealOneMinusSquareRoot", warmup_steps, warmup_ratio, max_steps)
    h = _hold("WarmupHoldAnnealOneMinusSquareRoot", hold_steps, hold_ratio, max_steps)
    return _build(
        "WarmupHoldAnnealOneMinusSquareRoot",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        hold_steps=h,
        min_lr=min_lr,
    )


@register("nemo:WarmupHoldAnnealLinear", unit="update")
def warmup_hold_anneal_linear(
    *,
    max_steps: float,
    last_epoch: int = -1,
    min_lr: float = 0.0,
    warmup_steps: float | None = None,
    warmup_ratio: float | None = None,
    hold_steps: float | None = None,
    hold_ratio: float | None = None,
) -> Schedule:
    """``WarmupHoldAnnealLinear``: warmup, hold, then a straight line to ``min_lr`` at ``max_steps``.

    ``v(t) = base * (t + 1) / (W + 1)`` for ``t <= W``, ``base`` up to ``H = W + hold_steps``, then
    ``base - (base - min_lr) * (t - H) / (M - H)`` up to ``M = max_steps``, then ``min_lr``.

    >>> s = warmup_hold_anneal_linear(warmup_steps=1, hold_steps=1, max_steps=6)
    >>> [s(t) for t in range(8)]
    [0.5, 1.0, 1.0, 0.75, 0.5, 0.25, 0.0, 0.0]
    """
    w = _warmup("WarmupHoldAnnealLinear", warmup_steps, warmup_ratio, max_steps)
    h = _hold("WarmupHoldAnnealLinear", hold_steps, hold_ratio, max_steps)
    return _build(
        "WarmupHoldAnnealLinear",
        last_epoch=last_epoch,
        max_steps=max_steps,
        warmup_steps=w,
        hold_steps=h,
        min_lr=min_lr,
    )


@register("nemo:SquareRootConstantPolicy", unit="update")
def square_root_constant_policy(
    *,
    constant_steps: float | None = None,
    constant_ratio: float | None = None,
    max_steps: float | None = None,
    min_lr: float = 0.0,
    last_epoch: int = -1,
) -> Schedule:
    """``SquareRootConstantPolicy``: the absolute lr ``1 / sqrt(C)`` for ``C`` steps, then the base.

    ``v(t) = 1 / C ** 0.5`` for ``t <= C = constant_steps`` (whatever the group's lr), ``base`` up
    to ``max_steps``, then ``min_lr``.

    >>> s = square_root_constant_policy(constant_steps=4, max_steps=6)
    >>> [s(t, base=0.1) for t in (0, 4, 5, 6, 7)]
    [0.5, 0.5, 0.1, 0.1, 0.0]
    """
    c = _constant_steps("SquareRootConstantPolicy", constant_steps, constant_ratio)
    return _build(
        "SquareRootConstantPolicy",
        last_epoch=last_epoch,
        max_steps=max_steps,
        constant_steps=c,
        min_lr=min_lr,
    )


_BUILDERS = {
    "WarmupPolicy": warmup_policy,
    "WarmupHoldPolicy": warmup_hold_policy,
    "SquareAnnealing": square_annealing,
    "SquareRootAnnealing": square_root_annealing,
    "CosineAnnealing": cosine_annealing,
    "NoamAnnealing": noam_annealing,
    "NoamHoldAnnealing": noam_hold_annealing,
    "WarmupAnnealing": warmup_annealing,
    "InverseSquareRootAnnealing": inverse_square_root_annealing,
    "T5InverseSquareRootAnnealing": t5_inverse_square_root_annealing,
    "PolynomialDecayAnnealing": polynomial_decay_annealing,
    "PolynomialHoldDecayAnnealing": polynomial_hold_decay_annealing,
    "WarmupHoldAnnealOneMinusSquareRoot": warmup_hold_anneal_one_minus_square_root,
    "WarmupHoldAnnealLinear": warmup_hold_anneal_linear,
    "SquareRootConstantPolicy": square_root_constant_policy,
}


# -- the config format ---------------------------------------------------------------------------

# Keys of a sched block that NeMo's prepare_lr_scheduler removes before building the policy.
_NOT_ARGUMENTS = frozenset(
    {
        "name",
        "t_max_epochs",
        "t_accumulate_grad_batches",
        "t_limit_train_batches",
        "t_num_workers",
        "monitor",
        "reduce_on_plateau",
        "max_steps",
    }
)


def _optim(data: Any) -> tuple[Mapping[str, Any] | None, Mapping[str, Any] | None, str]:
    """``(optim section, trainer section, where the section is)`` of a NeMo config, or ``None``s."""
    if not isinstance(data, Mapping):
        return None, None, ""
    if isinstance(data.get("sched"), Mapping):
        return data, None, ""
    trainer = data.get("trainer") if isinstance(data.get("trainer"), Mapping) else None
    if isinstance(data.get("optim"), Mapping):
        return data["optim"], trainer, "optim."
    model = data.get("model")
    if isinstance(model, Mapping) and isinstance(model.get("optim"), Mapping):
        return model["optim"], trainer, "model.optim."
    return None, trainer, ""


def detect_config(data: Any) -> bool:
    """Whether ``data`` is a NeMo config whose ``optim`` section (at the top or in ``model``) has a
    ``sched`` block naming one of NeMo's lr policies.

    A bare ``optim`` section (its ``sched`` a mapping at the top) is one too; lrkit's own recipe
    block names its recipe there, a string.

    >>> detect_config({"optim": {"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": 10}}})
    True
    >>> detect_config({"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": 10}})
    True
    >>> detect_config({"sched": "torch:StepLR", "step_size": 3})
    False
    >>> detect_config({"optim": {"sched": {"name": "StepLR"}}})
    False
    """
    try:
        if not isinstance(data, Mapping) or "type" in data or "format" in data:
            return False
        if "sched" in data and not isinstance(data["sched"], Mapping):
            return False
        optim, _, _ = _optim(data)  # its sched is a mapping
        return optim is not None and optim["sched"].get("name") in POLICIES
    except Exception:  # detect never raises, whatever it is handed
        return False


@register_format(
    "nemo",
    description="a NeMo config's optim section (lr and a sched block naming an lr policy)",
    detect=detect_config,
)
def read_config(data: Any, *, where: str = "the config", epoch_length: int | None = None) -> Reading:
    """The schedule NeMo's ``prepare_lr_scheduler`` builds from a config's ``optim.sched`` block.

    ``data`` is an ``optim`` section (``{name, lr, sched: {name, ...}}``), or a whole config
    holding one as ``optim`` or ``model.optim``. The block's keys are the policy's arguments
    (NeMo's bookkeeping keys ``monitor``, ``reduce_on_plateau`` and ``t_*`` aside). ``max_steps``
    is ``trainer.max_steps`` when a whole config gives one ``>= 0`` (NeMo's models write it into
    the block), else the block's; NeMo builds no scheduler for -1 or without one, and counting
    it from epochs (``t_max_epochs``) needs the data loader, so both are errors here. The base
    is ``optim.lr``; the length of the run, ``max_steps``. ``epoch_length`` is not used.

    >>> r = read_config({"optim": {"name": "adamw", "lr": 0.1, "sched": {"name": "CosineAnnealing",
    ...                  "warmup_steps": 2, "min_lr": 0.01}}, "trainer": {"max_steps": 6}})
    >>> r.base, r.length, [round(r.schedule(t, r.base), 6) for t in (0, 2, 6)]
    (0.1, 6, [0.033333, 0.1, 0.01])
    """
    optim, trainer, prefix = _optim(data)
    if optim is None:
        raise ValueError("a NeMo config has an optim section (at the top, or in model) with a sched block")
    sched = optim["sched"]
    name = sched.get("name")
    block = f"{prefix}sched"
    if name not in POLICIES:
        raise ValueError(
            f"{block}.name must be one of NeMo's lr policies ({', '.join(POLICIES)}), got {name!r}"
        )
    for key in ("args", "_target_"):
        if key in sched:
            raise ValueError(
                f"{block}.{key}: NeMo's parameter classes are not read; "
                "give the policy's arguments in the block"
            )
    max_steps = sched.get("max_steps")
    if trainer is not None and trainer.get("max_steps") is not None and trainer["max_steps"] >= 0:
        max_steps = trainer["max_steps"]
    if max_steps is None:
        raise ValueError(
            f"{block}.max_steps (or trainer.max_steps) is needed: "
            "NeMo counts it from epochs only with the data loader"
        )
    if max_steps == -1:
        raise ValueError(f"{block}.max_steps is -1, with which NeMo builds no scheduler")
    arguments = {k: value for k, value in sched.items() if k not in _NOT_ARGUMENTS}
    builder = _BUILDERS[name]
    takes = set(builder.__code__.co_varnames[: builder.__code__.co_kwonlyargcount]) - {"first_lr"}
    for key in arguments:
        if key not in takes:
            raise ValueError(
                f"{block}.{key}: NeMo's {name} takes no such argument; it takes {', '.join(sorted(takes))}"
            )
    lr = optim.get("lr")
    base = None if lr is None else v.real(f"{prefix}lr", lr, minimum=0.0)
    with v.renamed(**{key: f"{block}.{key}" for key in (*takes, "max_steps")}):
        schedule = builder(max_steps=max_steps, **arguments)
    return Reading(schedule, unit="update", length=max_steps, base=base)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "nemo:WarmupPolicy": [{"warmup_steps": 5}, {"warmup_ratio": 0.1, "max_steps": 50, "min_lr": 1e-3}],
        "nemo:WarmupHoldPolicy": [{"warmup_steps": 3, "hold_steps": 4, "max_steps": 20, "min_lr": 0.01}],
        "nemo:SquareAnnealing": [{"max_steps": 20}, {"max_steps": 20, "warmup_steps": 4, "min_lr": 0.01}],
        "nemo:SquareRootAnnealing": [{"max_steps": 20, "warmup_ratio": 0.1}],
        "nemo:CosineAnnealing": [
            {"max_steps": 20, "warmup_steps": 3, "min_lr": 0.01},
            {"max_steps": 30, "warmup_ratio": 0.1, "constant_steps": 5, "min_lr": 1e-4},
        ],
        "nemo:NoamAnnealing": [{"d_model": 512, "warmup_steps": 10}, {"d_model": 64, "min_lr": 1e-4}],
        "nemo:NoamHoldAnnealing": [
            {"max_steps": 40, "warmup_steps": 5, "hold_steps": 10, "decay_rate": 1.0, "min_lr": 1e-4}
        ],
        "nemo:WarmupAnnealing": [
            {"max_steps": 20, "warmup_steps": 4},
            {"max_steps": 20, "warmup_steps": 2, "first_lr": 0.5},
        ],
        "nemo:InverseSquareRootAnnealing": [{"max_steps": 30, "warmup_steps": 5}],
        "nemo:T5InverseSquareRootAnnealing": [{"max_steps": 30, "constant_steps": 10}],
        "nemo:PolynomialDecayAnnealing": [{"max_steps": 20, "warmup_steps": 2, "power": 2.0, "min_lr": 0.01}],
        "nemo:PolynomialHoldDecayAnnealing": [
            {"max_steps": 30, "warmup_steps": 3, "hold_steps": 5, "power": 0.5},
            {"max_steps": 20, "warmup_steps": 4, "cycle": True},
        ],
        "nemo:WarmupHoldAnnealOneMinusSquareRoot": [
            {"max_steps": 30, "warmup_steps": 3, "hold_steps": 10, "min_lr": 1e-3}
        ],
        "nemo:WarmupHoldAnnealLinear": [{"max_steps": 30, "warmup_ratio": 0.1, "hold_ratio": 0.3}],
        "nemo:SquareRootConstantPolicy": [{"constant_steps": 4, "max_steps": 20}],
    }
)
