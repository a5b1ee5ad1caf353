"""Keras 3's learning-rate schedules (``keras.optimizers.schedules``) by their class names.

Each builder takes the class's own arguments with its defaults (but ``name``, which only names
Keras's ops) and returns the schedule whose value at update ``t`` (the optimizer's
``iterations``, 0 for the first update) is the lr Keras computes for it. Keras's values are
absolute: every schedule here is one, whatever base it is evaluated at.

The schedules follow Keras's order of operations, so where Keras computes in float64
(``keras.config.set_floatx("float64")``, or float64 tensors as arguments) the values are
Keras's to the last bit or within a few ulps of its backend's ``pow``, ``log`` and ``cos``. By
default Keras computes in float32 (``floatx``), within float32 rounding of these values. One
difference in any precision: ``CosineDecayRestarts`` with ``t_mul != 1`` takes its cycle index
as a rounded ``log``, which can put a cycle's first step in the cycle before (here the index
is settled against the cycles' starts, themselves rounded). ``tests/test_keras_recipes.py``
measures all of it.

``PiecewiseConstantDecay`` compares the integer iteration count with its boundaries cast to
that integer dtype: ``values[i + 1]`` from the first step *past* boundary ``i`` (``int(b) + 1``),
which is what this schedule does at every whole step.

The ``keras`` config format reads what ``keras.optimizers.schedules.serialize(schedule)`` writes
(``{"module": ..., "class_name": ..., "config": {...}}``), ``{"class_name": ..., "config":
{...}}``, and a bare ``schedule.get_config()`` dict, whose keys name the class when one class
takes them all: ``ExponentialDecay`` and ``InverseTimeDecay`` take the same keys, and the
``name`` Keras gives each by default tells them apart; a renamed one needs its ``class_name``.

:func:`lrkit.config.export` with ``to="keras"`` writes a schedule as ``serialize()`` does, for the
one class (and its arguments, fitted to the values) that gives it; Keras joins no schedules, so
a sequence none of them gives alone has no equivalent.

>>> import lrkit
>>> s = lrkit.create("keras:CosineDecay", initial_learning_rate=0.1, decay_steps=100)
>>> [round(s(t), 12) for t in (0, 50, 100, 200)]
[0.1, 0.05, 0.0, 0.0]
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping, Sequence
from itertools import pairwise
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.combinators import Horizon, Rebase, Sequential, Stairs, Stretch
from lrkit.recipes.registry import (
    Reading,
    qualified_only,
    register,
    register_examples,
    register_export,
    register_format,
)
from lrkit.schedule import SCALAR, Schedule, _power, _set, schedule_class
from lrkit.shapes import CosinePower, Exponential, InverseTime, Linear, PiecewiseConstant, Poly

__all__ = [
    "CosineRestarts",
    "cosine_decay",
    "cosine_decay_restarts",
    "exponential_decay",
    "inverse_time_decay",
    "piecewise_constant_decay",
    "polynomial_decay",
    "read_keras",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("keras")


# -- Keras's node ---------------------------------------------------------------------------------


@schedule_class
class CosineRestarts(Schedule):
    """Cosine decays restarting after periods ``t_mul`` times longer, each ``m_mul`` times lower (SGDR).

    With ``f = t / first_decay_steps``: the period ``i = floor(f)`` and ``g = f - i`` when
    ``t_mul == 1``, else ``i = floor(log(1 - f * (1 - t_mul)) / log(t_mul))`` and
    ``g = (f - (1 - t_mul ** i) / (1 - t_mul)) / t_mul ** i``;
    ``v(t) = base * ((1 - alpha) * (0.5 * m_mul ** i * (1 + cos(pi * g))) + alpha)``. Keras's
    ``CosineDecayRestarts`` in its order of operations, but for its index: there a rounded
    ``log`` may put a period's first step in the period before (which steps, depends on the
    backend's ``log``); here the index is settled against the periods' starts. Shrinking periods
    (``t_mul < 1``) all end by ``first_decay_steps / (1 - t_mul)``, where Keras's value becomes
    NaN; this one holds ``alpha * base`` from there.

    >>> s = CosineRestarts(first_decay_steps=10, t_mul=2.0, m_mul=0.5)
    >>> [round(s(t), 12) for t in (0, 5, 10, 20, 30, 70)]
    [1.0, 0.5, 0.5, 0.25, 0.25, 0.125]
    """

    name: ClassVar[str] = "keras:cosine_restarts"
    affine: ClassVar[bool] = True
    first_decay_steps: float
    t_mul: float = 2.0
    m_mul: float = 1.0
    alpha: float = 0.0

    def __post_init__(self) -> None:
        positive = {"minimum": 0.0, "strict_minimum": True}
        _set(
            self, "first_decay_steps", v.real_or_int("first_decay_steps", self.first_decay_steps, **positive)
        )
        _set(self, "t_mul", v.real_or_int("t_mul", self.t_mul, **positive))
        _set(self, "m_mul", v.real_or_int("m_mul", self.m_mul, minimum=0.0))
        # A floor above the restarts' peak (alpha > 1) runs the lr negative once m_mul grows them.
        _set(self, "alpha", v.real_or_int("alpha", self.alpha, minimum=0.0, maximum=1.0))

    def _done(self, index: Any) -> Any:
        """Where period ``index`` starts, in units of the first period: ``(1 - t_mul ** i) / (1 - t_mul)``."""
        return (1.0 - self.t_mul**index) / (1.0 - self.t_mul)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        fraction = t / self.first_decay_steps
        t_mul = self.t_mul
        if t_mul == 1:
            index = xp.floor(fraction)
            fraction = fraction - index
            ended = None
        else:
            position = 1.0 - fraction * (1.0 - t_mul)
            # Past every shrinking period log has nothing to take: there the formulas below
            # run on a position in their domain, and the floor is taken instead.
            if xp is SCALAR:
                if position <= 0:
                    return base * self.alpha
                ended = None
            else:
                ended = position <= 0
                position = xp.where(ended, 1.0, position)
            index = xp.floor(xp.log(position) / math.log(t_mul))
            # The log ratio rounds either way at a period's first step (and each backend's
            # log its own way): the index is settled against the periods' starts themselves.
            index = xp.where(fraction < self._done(index), index - 1, index)
            index = xp.where(fraction >= self._done(index + 1), index + 1, index)
            fraction = (fraction - self._done(index)) / t_mul**index
        decayed = 0.5 * _power(xp, self.m_mul, index) * (1.0 + xp.cos(math.pi * fraction))
        value = base * ((1 - self.alpha) * decayed + self.alpha)
        if ended is None:
            return value
        return xp.where(ended, base * self.alpha, value)


# -- the names ---------------------------------------------------------------------------------

Number = int | float


def _lr(name: str, value: Any) -> Number:
    return v.real_or_int(name, value, minimum=0.0)


def _decay_steps(name: str, value: Any) -> Number:
    # Keras's own check, in its words but naming the argument as lrkit's checks do.
    return v.real_or_int(name, value, minimum=0.0, strict_minimum=True)


@register("keras:CosineDecay", unit="update")
def cosine_decay(
    *,
    initial_learning_rate: float,
    decay_steps: int,
    alpha: float = 0.0,
    warmup_target: float | None = None,
    warmup_steps: int = 0,
) -> Schedule:
    """``keras.optimizers.schedules.CosineDecay``: an optional linear warmup, then a cosine decay.

    With ``I = initial_learning_rate``, ``D = decay_steps``: without ``warmup_target``,
    ``v(t) = I * ((1 - alpha) * 0.5 * (1 + cos(pi * min(t, D) / D)) + alpha)``. With it (``W``,
    over ``w = warmup_steps``): ``(W - I) * (t / w) + I`` for ``t < w``, then the same decay
    from ``W`` at ``t - w``.
    """
    initial = _lr("initial_learning_rate", initial_learning_rate)
    steps = _decay_steps("decay_steps", decay_steps)
    with v.renamed(end_factor="alpha"):
        curve = CosinePower(t_initial=1, end_factor=alpha)
    if warmup_target is None:
        return Rebase(Stretch(curve, by=steps), base=initial)
    target = _lr("warmup_target", warmup_target)
    warmup = v.real_or_int("warmup_steps", warmup_steps, minimum=0.0)
    decay = Rebase(Stretch(curve, by=steps), base=target)
    if not warmup:
        return decay
    # (W - I) * (t / w) + I: a line over a stretched unit interval, in Keras's order.
    ramp = Rebase(Stretch(Linear(t_initial=1, start_factor=initial, end_factor=target), by=warmup), base=1.0)
    return Sequential([ramp, decay], boundaries=[warmup])


@register("keras:CosineDecayRestarts", unit="update")
def cosine_decay_restarts(
    *,
    initial_learning_rate: float,
    first_decay_steps: int,
    t_mul: float = 2.0,
    m_mul: float = 1.0,
    alpha: float = 0.0,
) -> Schedule:
    """``keras.optimizers.schedules.CosineDecayRestarts``: SGDR, each period ``t_mul`` times longer.

    ``v(t) = initial_learning_rate * ((1 - alpha) * 0.5 * m_mul ** i * (1 + cos(pi * g)) + alpha)``
    in period ``i`` at fraction ``g`` of it (see :class:`CosineRestarts`).
    """
    initial = _lr("initial_learning_rate", initial_learning_rate)
    restarts = CosineRestarts(first_decay_steps=first_decay_steps, t_mul=t_mul, m_mul=m_mul, alpha=alpha)
    return Rebase(restarts, base=initial)


def _decay_rate(value: Any) -> Number:
    return v.real_or_int("decay_rate", value, minimum=0.0)


@register("keras:ExponentialDecay", unit="update")
def exponential_decay(
    *, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``keras.optimizers.schedules.ExponentialDecay``: ``I * decay_rate ** (t / decay_steps)``.

    ``v(t) = initial_learning_rate * decay_rate ** p``, ``p = t / decay_steps`` (``floor`` of
    it with ``staircase``).
    """
    initial = _lr("initial_learning_rate", initial_learning_rate)
    steps = _decay_steps("decay_steps", decay_steps)
    with v.renamed(gamma="decay_rate"):
        decay = Exponential(gamma=decay_rate)
    v.flag("staircase", staircase)
    shape = Stairs(decay, every=steps) if staircase else Stretch(decay, by=steps)
    return Rebase(shape, base=initial)


@register("keras:InverseTimeDecay", unit="update")
def inverse_time_decay(
    *, initial_learning_rate: float, decay_steps: int, decay_rate: float, staircase: bool = False
) -> Schedule:
    """``keras.optimizers.schedules.InverseTimeDecay``: ``I / (1 + decay_rate * t / decay_steps)``.

    ``v(t) = initial_learning_rate / (1 + decay_rate * p)``, ``p = t / decay_steps`` (``floor``
    of it with ``staircase``).
    """
    initial = _lr("initial_learning_rate", initial_learning_rate)
    steps = _decay_steps("decay_steps", decay_steps)
    rate = _decay_rate(decay_rate)
    v.flag("staircase", staircase)
    if staircase:
        shape: Schedule = Stairs(InverseTime(decay_rate=rate), every=steps)
    else:
        shape = InverseTime(decay_rate=rate, decay_t=steps)
    return Rebase(shape, base=initial)


@register("keras:PiecewiseConstantDecay", unit="update")
def piecewise_constant_decay(*, boundaries: Sequence[int], values: Sequence[float]) -> Schedule:
    """``keras.optimizers.schedules.PiecewiseConstantDecay``: ``values[i]`` while ``t <= boundaries[i]``.

    ``v(t) = values[#{b in boundaries : int(b) < t}]`` at every whole step ``t``: ``values[0]``
    up to and at ``boundaries[0]``, ``values[-1]`` past the last boundary.
    """
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, Sequence):
        raise v.wrong_type("boundaries", f"must be a list of steps, got {boundaries!r}")
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise v.wrong_type("values", f"must be a list of learning rates, got {values!r}")
    if len(boundaries) != len(values) - 1:
        raise v.invalid(
            "boundaries",
            f"must have one entry fewer than {{values}} ({len(values) - 1}), got {len(boundaries)}: "
            f"{list(boundaries)!r}",
            "values",
        )
    steps = [v.real(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
    if any(b < a for a, b in pairwise(steps)):
        raise v.invalid("boundaries", f"must be sorted, got {list(boundaries)!r}")
    lrs = [_lr(f"values[{i}]", x) for i, x in enumerate(values)]
    # Keras casts each boundary to the step's integer dtype (towards 0) and compares step > b.
    firsts = [max(int(b) + 1, 0) for b in steps]
    return Rebase(PiecewiseConstant(boundaries=firsts, factors=lrs), base=1.0)


@register("keras:PolynomialDecay", unit="update")
def polynomial_decay(
    *,
    initial_learning_rate: float,
    decay_steps: int,
    end_learning_rate: float = 0.0001,
    power: float = 1.0,
    cycle: bool = False,
) -> Schedule:
    """``keras.optimizers.schedules.PolynomialDecay``: to ``end_learning_rate`` along a power of time left.

    ``v(t) = (I - E) * (1 - min(t, D) / D) ** power + E`` (``I = initial_learning_rate``,
    ``E = end_learning_rate``, ``D = decay_steps``); with ``cycle``, ``D`` grows to
    ``decay_steps * ceil(t / decay_steps)`` past each multiple instead (at least ``decay_steps``).
    """
    initial = _lr("initial_learning_rate", initial_learning_rate)
    steps = _decay_steps("decay_steps", decay_steps)
    end = _lr("end_learning_rate", end_learning_rate)
    v.flag("cycle", cycle)
    shape: Schedule = Poly(t_initial=steps, power=power, lr_min=end)
    if cycle:
        shape = Horizon(shape)
    return Rebase(shape, base=initial)


# -- the config format -------------------------------------------------------------------------

_Builder = Callable[..., Schedule]

#: Keras's class name -> (builder, the keys of its get_config(), the name it gives by default).
_CLASSES: dict[str, tuple[_Builder, tuple[str, ...], str]] = {
    "CosineDecay": (
        cosine_decay,
        ("initial_learning_rate", "decay_steps", "alpha", "name", "warmup_target", "warmup_steps"),
        "CosineDecay",
    ),
    "CosineDecayRestarts": (
        cosine_decay_restarts,
        ("initial_learning_rate", "first_decay_steps", "t_mul", "m_mul", "alpha", "name"),
        "SGDRDecay",
    ),
    "ExponentialDecay": (
        exponential_decay,
        ("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name"),
        "ExponentialDecay",
    ),
    "InverseTimeDecay": (
        inverse_time_decay,
        ("initial_learning_rate", "decay_steps", "decay_rate", "staircase", "name"),
        "InverseTimeDecay",
    ),
    "PiecewiseConstantDecay": (
        piecewise_constant_decay,
        ("boundaries", "values", "name"),
        "PiecewiseConstant",
    ),
    "PolynomialDecay": (
        polynomial_decay,
        ("initial_learning_rate", "decay_steps", "end_learning_rate", "power", "cycle", "name"),
        "PolynomialDecay",
    ),
}
_KEYS = frozenset(key for _, keys, _ in _CLASSES.values() for key in keys)
_WRAPPER = frozenset({"module", "class_name", "config", "registered_name"})


def _required(builder: _Builder) -> set[str]:
    return {
        name
        for name, p in inspect.signature(builder).parameters.items()
        if p.default is inspect.Parameter.empty
    }


def _candidates(config: Mapping[str, Any]) -> list[str]:
    keys = set(config)
    return [
        cls
        for cls, (builder, known, _) in _CLASSES.items()
        if keys <= set(known) and _required(builder) <= keys
    ]


def _detect(data: Any) -> bool:
    try:
        if not isinstance(data, Mapping):
            return False
        if "class_name" in data:
            return data["class_name"] in _CLASSES and set(data) <= _WRAPPER | _KEYS | {"format"}
        keys = set(data) - {"format"}
        return (
            bool(keys)
            and keys <= _KEYS
            and ("initial_learning_rate" in keys or {"boundaries", "values"} <= keys)
        )
    except Exception:  # a detector never raises, whatever it is shown
        return False


def _class_of(config: Mapping[str, Any]) -> str:
    """The one Keras class whose ``get_config()`` has these keys (its default ``name`` breaks a tie)."""
    found = _candidates(config)
    if len(found) > 1 and isinstance(config.get("name"), str):
        named = [cls for cls in found if _CLASSES[cls][2] == config["name"]]
        found = named or found
    if len(found) == 1:
        return found[0]
    keys = ", ".join(sorted(map(str, config))) or "no keys"
    if not found:
        takes = "; ".join(f"{cls}({', '.join(known)})" for cls, (_, known, _) in _CLASSES.items())
        raise ValueError(
            f"a Keras schedule config with keys {keys} fits no Keras schedule; they take {takes}"
        )
    raise ValueError(
        f"a Keras schedule config with keys {keys} fits {', '.join(found)}; "
        "say which with 'class_name' (as keras.optimizers.schedules.serialize writes it)"
    )


@register_format(
    "keras",
    description="a Keras learning-rate schedule (serialize() or get_config())",
    detect=_detect,
)
def read_keras(data: Any, *, where: str, epoch_length: int | None = None) -> Reading:
    """The Keras schedule ``data`` describes: ``serialize(schedule)``, or a bare ``get_config()``."""
    if not isinstance(data, Mapping):
        raise ValueError(f"expected a Keras schedule's config (a mapping), got {type(data).__name__}")
    data = {key: value for key, value in data.items() if key != "format"}
    if "class_name" in data:
        cls = data["class_name"]
        if cls not in _CLASSES:
            raise ValueError(
                f"class_name {cls!r} is no Keras learning-rate schedule lrkit knows; "
                f"it reads {', '.join(_CLASSES)}"
            )
        module = data.get("module", "keras.optimizers.schedules")
        if not (isinstance(module, str) and module.startswith("keras")):
            raise ValueError(f"module {module!r} is not Keras's (keras.optimizers.schedules)")
        if data.get("registered_name") not in (None, cls):
            raise ValueError(f"registered_name {data['registered_name']!r} is not Keras's {cls}")
        if "config" in data:
            extra = sorted(set(data) - _WRAPPER)
            if extra:
                raise ValueError(f"unknown keys {extra} beside 'config'")
            config = data["config"]
            if not isinstance(config, Mapping):
                raise ValueError(f"'config' must be a mapping, got {config!r}")
        else:
            config = {key: value for key, value in data.items() if key not in _WRAPPER}
    else:
        config = data
        cls = _class_of(config)
    builder, known, _ = _CLASSES[cls]
    unknown = sorted(set(config) - set(known))
    missing = sorted(_required(builder) - set(config))
    if unknown or missing:
        problem = f"unknown key(s) {unknown}" if unknown else f"missing key(s) {missing}"
        raise ValueError(f"{cls}: {problem}; its config takes {', '.join(known)}")
    name = config.get("name")
    if name is not None and not isinstance(name, str):
        raise v.wrong_type("name", f"must be a string, got {name!r}")
    # name only labels Keras's ops; it changes no value.
    arguments = {key: value for key, value in config.items() if key != "name"}
    schedule = builder(**arguments)
    base = arguments.get("initial_learning_rate")
    return Reading(
        schedule, unit="update", length=schedule.length, base=None if base is None else float(base)
    )


# -- export ------------------------------------------------------------------------------------


def _round(x: float) -> float:
    # A fitted rate, floor or exponent, written as the short number it most likely was.
    return float(f"{x:.12g}")


def _whole(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _settle(y: Any, tol: float) -> int:
    """The first index from which every value is the last one."""
    import numpy as np

    off = np.nonzero(np.abs(y - y[-1]) > tol)[0]
    return int(off[-1]) + 1 if off.size else 0


def _line(y: Any, tol: float) -> int:
    """The last index on the line through the first two values (0 with fewer than two)."""
    import numpy as np

    if len(y) < 2:
        return 0
    u = np.arange(len(y), dtype=np.float64)
    off = np.nonzero(np.abs(y - (y[0] + (y[1] - y[0]) * u)) > tol)[0]
    return int(off[0]) - 1 if off.size else len(y) - 1


#: The periods a decay rate is usually given over, shortest first.
_PERIODS = (1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000)


def _short(x: float) -> float | None:
    """``x`` as a number of at most 6 significant digits, if it is one within rounding."""
    short = float(f"{x:.6g}")
    return short if abs(short - x) <= 1e-11 * abs(x) else None


def _per_period(per_step: Callable[[int], float], extent: int) -> tuple[int, float]:
    """``(decay_steps, decay_rate)``: the shortest usual period over which the rate is a short number,
    else the whole decay's, rounded."""
    for steps in _PERIODS:
        rate = per_step(steps)
        if not math.isfinite(rate):
            break
        short = _short(rate)
        if short is not None:
            return steps, short
    steps = max(extent, 1)
    return steps, _round(per_step(steps))


def _decays(y: Any, tol: float, first: float) -> Any:
    """ExponentialDecay's and InverseTimeDecay's arguments, smooth and staircase, from the values.

    Smooth: the rate per step over the whole run (``y[n] / y[0]``'s ``n``-th root, or
    ``(y[0] / y[n] - 1) / n``), written over the shortest usual period that makes it short.
    Staircase: the first change is one period.
    """
    import numpy as np

    n = len(y) - 1
    if not (first > 0 and n >= 1 and y[n] > 0):
        return
    common = {"initial_learning_rate": first}
    log_rate = math.log(float(y[n]) / float(y[0])) / n
    if log_rate:

        def exponential(steps: int) -> float:
            return math.exp(log_rate * steps) if abs(log_rate * steps) < 700 else math.inf

        steps, rate = _per_period(exponential, n)
        yield "keras:ExponentialDecay", {**common, "decay_steps": steps, "decay_rate": rate}
        inverse = (float(y[0]) / float(y[n]) - 1) / n
        if inverse > 0:
            steps, rate = _per_period(lambda steps: inverse * steps, n)
            yield "keras:InverseTimeDecay", {**common, "decay_steps": steps, "decay_rate": rate}
    changes = np.nonzero(np.abs(np.diff(y)) > tol)[0] + 1
    if changes.size and changes[0] > 1 and y[changes[0]] > 0:
        k = int(changes[0])
        ratio = float(y[k]) / float(y[0])
        stairs = {**common, "decay_steps": k, "staircase": True}
        yield "keras:ExponentialDecay", {**stairs, "decay_rate": _round(ratio)}
        if ratio < 1:
            yield "keras:InverseTimeDecay", {**stairs, "decay_rate": _round(1 / ratio - 1)}


def _restarts(y: Any, tol: float, first: float) -> Any:
    """CosineDecayRestarts' arguments: the first period ends at the first rise, the second at the next.

    In period ``i`` at fraction ``g``: ``v = I * ((1 - alpha) * m_mul ** i * c(g) + alpha)``,
    ``c(g) = (1 + cos(pi * g)) / 2``; ``alpha`` is solved at the first period's midpoint, ``m_mul``
    at the second period's start; ``t_mul`` is the ratio of the periods, or a short number
    whose period starts at the same step (a period starts at the first step at or past its start).
    """
    import numpy as np

    rises = np.nonzero(np.diff(y) > tol)[0] + 1
    if not (first > 0 and rises.size and rises[0] >= 2):
        return
    period = int(rises[0])
    u = period // 2
    c = 0.5 * (1 + math.cos(math.pi * u / period))
    alpha = (float(y[u]) / first - c) / (1 - c)
    alpha = 0.0 if abs(alpha) <= 1e-12 else _round(alpha)
    if not 0 <= alpha < 1:
        return
    m_mul = _round((float(y[period]) / first - alpha) / (1 - alpha))
    if rises.size > 1:
        second = int(rises[1])
        t_muls = [_round((second - period) / period)]
        t_muls += [
            x for x in (0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 3.0, 4.0) if second - 1 < period * (1 + x) <= second
        ]
    else:
        t_muls = [2.0, 1.0]  # Keras's default; the one other common choice
    for t_mul in dict.fromkeys(t_muls):
        yield (
            "keras:CosineDecayRestarts",
            {
                "initial_learning_rate": first,
                "first_decay_steps": period,
                "t_mul": t_mul,
                "m_mul": m_mul,
                "alpha": alpha,
            },
        )


def _export_candidates(outline: Any) -> Any:
    """Guesses of a Keras schedule's arguments from the values, its most common classes first.

    The decay's length is where the schedule settles (its own length, or where the values stop
    changing); a warmup (CosineDecay's) ends where the schedule's first warmup does, at the
    first peak, or where the first straight line ends. Rates, floors and powers are solved from
    values at chosen updates. Keras has no way to join schedules: a schedule that none of its
    classes gives alone has no equivalent.
    """
    import numpy as np

    y = np.asarray(outline.values, dtype=np.float64)
    n = len(y)
    tol = 1e-9 * outline.base
    first, end = _round(float(y[0])), _round(float(y[-1]))
    settle = max(_settle(y, tol), 1)
    lengths = [_whole(outline.length)] if outline.length else []
    lengths = list(dict.fromkeys([*lengths, settle]))
    peak_at = int(np.argmax(y >= y.max() - tol))
    warmups = [w for w in (_whole(outline.warmup_t), peak_at, _line(y, tol)) if 0 < w < n]
    warmups = list(dict.fromkeys(warmups))

    # A constant: a decay that does not decay (Keras's schedules all take an lr that moves).
    yield "keras:ExponentialDecay", {"initial_learning_rate": first, "decay_steps": 1, "decay_rate": 1.0}
    if first > 0:
        for length in lengths:
            yield (
                "keras:CosineDecay",
                {
                    "initial_learning_rate": first,
                    "decay_steps": length,
                    "alpha": _round(end / first),
                },
            )
    for w in warmups:
        peak = _round(float(y[w]))
        if not peak > 0:
            continue
        for length in lengths:
            if length > w:
                yield (
                    "keras:CosineDecay",
                    {
                        "initial_learning_rate": first,
                        "decay_steps": _whole(length - w),
                        "alpha": _round(end / peak),
                        "warmup_target": peak,
                        "warmup_steps": w,
                    },
                )
    # Polynomial: (I - E) * (1 - t / D) ** power + E at the decay's midpoint, solved for the power.
    for length in lengths:
        mid = max(int(length // 2), 1)
        if length > 1 and mid < n and first != end:
            rest = (float(y[mid]) - end) / (first - end)
            if 0 < rest < 1:
                power = _round(math.log(rest) / math.log(1 - mid / length))
                yield (
                    "keras:PolynomialDecay",
                    {
                        "initial_learning_rate": first,
                        "decay_steps": length,
                        "end_learning_rate": end,
                        "power": 1.0 if abs(power - 1) <= 1e-9 else power,
                    },
                )
    yield from _decays(y, tol, first)
    yield from _restarts(y, tol, first)
    # Polynomial with cycle: the horizon grows past each multiple, so the values rise there.
    rises = np.nonzero(np.diff(y) > tol)[0] + 1
    if rises.size and rises[0] >= 2 and first > 0:
        length = int(rises[0]) - 1  # the first horizon: the last step at its floor
        floor = _round(float(y[length]))
        mid = max(length // 2, 1)
        rest = (float(y[mid]) - floor) / (first - floor) if first != floor else 0
        if 0 < rest < 1 and mid < length:
            power = _round(math.log(rest) / math.log(1 - mid / length))
            yield (
                "keras:PolynomialDecay",
                {
                    "initial_learning_rate": first,
                    "decay_steps": length,
                    "end_learning_rate": floor,
                    "power": 1.0 if abs(power - 1) <= 1e-9 else power,
                    "cycle": True,
                },
            )
    # A staircase of few steps, each held a while (not a table of a curve's values): Keras
    # changes the value on the step after each boundary.
    changes = [t for t in range(1, n) if abs(y[t] - y[t - 1]) > tol]
    if changes and len(changes) <= 32 and min(np.diff([0, *changes])) >= 2:
        yield (
            "keras:PiecewiseConstantDecay",
            {
                "boundaries": [t - 1 for t in changes],
                "values": [first, *(_round(float(y[t])) for t in changes)],
            },
        )
    # A warmup to a constant: CosineDecay's warmup, then a cosine whose floor is its top.
    for w in warmups:
        if y[w] > 0:
            yield (
                "keras:CosineDecay",
                {
                    "initial_learning_rate": first,
                    "decay_steps": 1,
                    "alpha": 1.0,
                    "warmup_target": _round(float(y[w])),
                    "warmup_steps": w,
                },
            )


def _write(qualified: str, arguments: Mapping[str, Any], base: float) -> dict[str, Any]:
    """What ``keras.optimizers.schedules.serialize`` writes for the class (Keras's values are absolute)."""
    cls = qualified.partition(":")[2]
    return {
        "module": "keras.optimizers.schedules",
        "class_name": cls,
        "config": {**arguments, "name": _CLASSES[cls][2]},
        "registered_name": None,
    }


register_export(
    "keras",
    description="a Keras learning-rate schedule, as keras.optimizers.schedules.serialize writes it",
    write=_write,
    # The nodes Keras's schedules are built from, and lrkit's own that give the same curves.
    # No sequence, shift or clamp: Keras joins, delays and caps no schedules (CosineDecay's
    # warmup is lrkit's warmup).
    nodes={
        "constant",
        "rebase",
        "stretch",
        "cosine_power",
        "cosine",
        "linear",
        "warmup",
        "stairs",
        "exponential",
        "step",
        "inverse_time",
        "piecewise_constant",
        "multistep",
        "poly",
        "horizon",
        CosineRestarts.name,
        "multiplier",
    },
)(_export_candidates)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "keras:CosineDecay": [
            {"initial_learning_rate": 0.1, "decay_steps": 20},
            {
                "initial_learning_rate": 0.01,
                "decay_steps": 20,
                "alpha": 0.1,
                "warmup_target": 0.1,
                "warmup_steps": 4,
            },
        ],
        "keras:CosineDecayRestarts": [
            {"initial_learning_rate": 0.1, "first_decay_steps": 5},
            {"initial_learning_rate": 0.1, "first_decay_steps": 5, "t_mul": 1.0, "m_mul": 0.5, "alpha": 0.1},
        ],
        "keras:ExponentialDecay": [
            {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5},
            {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": True},
        ],
        "keras:InverseTimeDecay": [
            {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5},
            {"initial_learning_rate": 0.1, "decay_steps": 5, "decay_rate": 0.5, "staircase": True},
        ],
        "keras:PiecewiseConstantDecay": [{"boundaries": [3, 10], "values": [0.1, 0.05, 0.01]}],
        "keras:PolynomialDecay": [
            {"initial_learning_rate": 0.1, "decay_steps": 20},
            {
                "initial_learning_rate": 0.1,
                "decay_steps": 8,
                "end_learning_rate": 0.01,
                "power": 2.0,
                "cycle": True,
            },
        ],
    }
)
