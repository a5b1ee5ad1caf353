"""optax's schedules (``optax.schedules``) by their function names, as core schedules.

Each builder takes the optax function's own keyword arguments, with its defaults, and returns
the schedule whose value at update ``t`` (optax's ``count``, 0 for the first update) is what
that optax schedule returns for it. optax's values are absolute: every schedule here is one,
whatever base it is evaluated at (each is built on a :func:`lrkit.rebase`).

They are built from core shapes in optax's order of operations, so with ``jax_enable_x64`` the
values are optax's to the last bit or within a few ulps (the linear interpolation of
``piecewise_interpolate_schedule``; see ``tests/test_optax_recipes.py`` for what is measured).
Two things optax itself gets wrong on arrays are not copied: XLA on CPU divides an array by
a constant as a multiplication by its reciprocal, so optax's staircase can decay an update
late and a decay to 0 can end at ``1e-16 * init``; here every division is a division.

What optax does with degenerate arguments is followed where it gives a schedule:
``transition_steps <= 0`` holds ``init_value``, a negative ``transition_begin`` counts from
0, ``decay_rate=0`` holds ``init_value``. Where optax would compute nonsense (a power of a
negative number, a negative lr) the argument is refused by name: every value must be ``>= 0``,
``decay_rate`` and ``power`` and ``exponent`` ``> 0``.

``boundaries_and_scales`` is optax's ``{step: scale}`` dict; its keys are integers, or strings
of integers as a JSON or YAML file writes a mapping's keys. :func:`join_schedules` takes its
``schedules`` as lrkit schedules (used as they are: the recipes here are absolute), as dicts
naming an optax function with its arguments (``{"name": "linear_schedule", "init_value": 0,
...}``, or a call ``{"function": "linear_schedule", "arguments": {...}}``, so that a config
file can write one) or as lrkit trees (``{"type": ...}``).

optax has no config files; the ``optax`` config format is a call written as data,
``{"function": <optax schedule function>, "arguments": {...}}``: what :func:`lrkit.config.export`
writes for ``to="optax"`` (``getattr(optax, function)(**arguments)`` builds it, join_schedules'
pieces built the same way first) and :func:`lrkit.load` reads back. The export's guesses are
checked by the front door, update for update.

>>> import lrkit
>>> s = lrkit.create("optax:warmup_cosine_decay_schedule", init_value=0.0, peak_value=1e-3,
...                  warmup_steps=10, decay_steps=100)
>>> [round(s(t), 12) for t in (0, 5, 10, 55, 100, 200)]
[0.0, 0.0005, 0.001, 0.0005, 0.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from itertools import pairwise
from typing import Any

from lrkit import checks as v
from lrkit.combinators import Clamp, Rebase, Sequential, Shift, Stairs, Stretch
from lrkit.recipes.registry import (
    Reading,
    qualified_only,
    register,
    register_examples,
    register_export,
    register_format,
    resolve,
)
from lrkit.schedule import Schedule, from_dict
from lrkit.shapes import (
    Constant,
    CosinePower,
    Exponential,
    Linear,
    PiecewiseConstant,
    PiecewiseCosine,
    Poly,
)

__all__ = [
    "constant_schedule",
    "cosine_decay_schedule",
    "cosine_onecycle_schedule",
    "exponential_decay",
    "join_schedules",
    "linear_onecycle_schedule",
    "linear_schedule",
    "piecewise_constant_schedule",
    "piecewise_interpolate_schedule",
    "polynomial_schedule",
    "sgdr_schedule",
    "warmup_constant_schedule",
    "warmup_cosine_decay_schedule",
    "warmup_exponential_decay_schedule",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("optax")

Number = int | float


def _value(name: str, value: Any) -> Number:
    return v.real_or_int(name, value, minimum=0.0)


def _held(value: Number) -> Schedule:
    """``value`` at every count."""
    return Rebase(Constant(), base=value)


def _polynomial(init: Any, end: Any, power: Any, steps: Any, begin: Any) -> Schedule:
    init, end = _value("init_value", init), _value("end_value", end)
    steps = v.real_or_int("transition_steps", steps)
    begin = v.real_or_int("transition_begin", begin)
    if steps <= 0:
        return _held(init)
    # optax's (init - end) * (1 - c / T) ** power + end is poly's formula with k_decay=1.
    shape: Schedule = Poly(t_initial=steps, power=power, lr_min=end)
    if begin > 0:
        shape = Shift(shape, by=begin)
    return Rebase(shape, base=init)


def _join(schedules: Sequence[Schedule], boundaries: Sequence[Number]) -> Schedule:
    """optax's ``join_schedules``: ``schedules[i]`` at ``t - boundaries[i - 1]`` from that boundary on.

    A later piece wins wherever its boundary is passed, so a piece shows from its boundary
    (0 if that is negative) to the first later boundary; one that never shows is dropped.
    """
    starts: list[float] = [-math.inf, *boundaries]
    shown: list[tuple[Number, Schedule]] = []
    end = math.inf
    for start, schedule in reversed(list(zip(starts, schedules, strict=True))):
        if max(start, 0) < end:
            shown.append((start, schedule))
            end = max(start, 0)
    shown.reverse()
    first_start, first = shown[0]
    if 0 > first_start > -math.inf:
        first = Shift(first, by=first_start)  # its own count is already past 0 at count 0
    pieces = [first] + [schedule for _, schedule in shown[1:]]
    if len(pieces) == 1:
        return first
    return Sequential(pieces, boundaries=[start for start, _ in shown[1:]])


def _steps_and_scales(name: str, value: Any) -> list[tuple[int, float]]:
    """optax's ``{step: scale}`` as sorted ``(step, scale)`` pairs, checked."""
    if value is None:
        return []
    if not isinstance(value, Mapping):
        raise v.wrong_type(name, f"must be a dict of {{step: scale}}, got {value!r}")
    items = []
    for key, scale in value.items():
        step = key
        if isinstance(key, str):
            try:
                step = int(key)
            except ValueError:
                raise v.wrong_type(name, f"keys must be integer steps, got {key!r}") from None
        step = v.integer(f"{name}[{key!r}]", step)
        items.append((step, v.real_or_int(f"{name}[{key!r}]", scale, minimum=0.0)))
    if len({step for step, _ in items}) != len(items):
        raise v.invalid(name, f"holds a step twice, got {value!r}")
    return sorted(items)


# -- the names ---------------------------------------------------------------------------------


@register("optax:constant_schedule", unit="update")
def constant_schedule(*, value: float) -> Schedule:
    """``optax.constant_schedule``: ``v(t) = value``."""
    return _held(_value("value", value))


@register("optax:polynomial_schedule", unit="update")
def polynomial_schedule(
    *,
    init_value: float,
    end_value: float,
    power: float,
    transition_steps: int,
    transition_begin: int = 0,
) -> Schedule:
    """``optax.polynomial_schedule``: ``init_value`` to ``end_value`` along a power of the time left.

    With ``c = clip(t - transition_begin, 0, T)``:
    ``v(t) = (init_value - end_value) * (1 - c / T) ** power + end_value``; ``init_value`` for
    ever when ``T = transition_steps <= 0``.
    """
    return _polynomial(init_value, end_value, power, transition_steps, transition_begin)


@register("optax:linear_schedule", unit="update")
def linear_schedule(
    *, init_value: float, end_value: float, transition_steps: int, transition_begin: int = 0
) -> Schedule:
    """``optax.linear_schedule``: ``polynomial_schedule`` with ``power=1``.

    ``v(t) = (init_value - end_value) * (1 - c / T) + end_value``, ``c = clip(t - transition_begin, 0, T)``.
    """
    return _polynomial(init_value, end_value, 1, transition_steps, transition_begin)


@register("optax:exponential_decay", unit="update")
def exponential_decay(
    *,
    init_value: float,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``optax.exponential_decay``: ``init_value * decay_rate ** p``, then held at ``end_value``.

    With ``c = max(t - transition_begin, 0)``: ``p = c / transition_steps`` (``floor`` of it
    with ``staircase``), ``v(t) = init_value * decay_rate ** p``, clipped from below at
    ``end_value`` when ``decay_rate < 1``, from above otherwise.
    """
    init = _value("init_value", init_value)
    steps = v.real_or_int("transition_steps", transition_steps)
    rate = v.real_or_int("decay_rate", decay_rate, minimum=0.0)
    begin = v.real_or_int("transition_begin", transition_begin)
    v.flag("staircase", staircase)
    end = None if end_value is None else _value("end_value", end_value)
    if steps <= 0 or rate == 0:
        return _held(init)
    decay = Exponential(gamma=rate)
    shape: Schedule = Stairs(decay, every=steps) if staircase else Stretch(decay, by=steps)
    if begin > 0:
        shape = Shift(shape, by=begin)
    schedule: Schedule = Rebase(shape, base=init)
    if end is None:
        return schedule
    return Clamp(schedule, min_value=end) if rate < 1 else Clamp(schedule, max_value=end)


@register("optax:cosine_decay_schedule", unit="update")
def cosine_decay_schedule(
    *, init_value: float, decay_steps: int, alpha: float = 0.0, exponent: float = 1.0
) -> Schedule:
    """``optax.cosine_decay_schedule``: a cosine (to a power) from ``init_value`` to ``alpha * init_value``.

    ``v(t) = init_value * ((1 - alpha) * (0.5 * (1 + cos(pi * min(t, T) / T))) ** exponent + alpha)``
    with ``T = decay_steps``.
    """
    init = _value("init_value", init_value)
    with v.renamed(t_initial="decay_steps", end_factor="alpha"):
        shape = CosinePower(t_initial=decay_steps, exponent=exponent, end_factor=alpha)
    return Rebase(shape, base=init)


def _warmup_cosine(
    init_value: Any, peak_value: Any, warmup_steps: Any, decay_steps: Any, end_value: Any, exponent: Any
) -> Schedule:
    peak = _value("peak_value", peak_value)
    end = _value("end_value", end_value)
    warmup = v.real_or_int("warmup_steps", warmup_steps)
    total = v.real_or_int("decay_steps", decay_steps)
    if not total - warmup > 0:
        raise v.invalid(
            "decay_steps",
            f"must be > {{warmup_steps}} (the warmup is part of it), got {total!r} and {warmup!r}",
            "warmup_steps",
        )
    # optax's own alpha, end_value / peak_value, so that the cosine ends where optax's does.
    alpha = 0.0 if peak == 0 else end / peak
    ramp = _polynomial(init_value, peak, 1, warmup, 0)
    with v.renamed(alpha="end_value"):
        decay = cosine_decay_schedule(
            init_value=peak, decay_steps=total - warmup, alpha=alpha, exponent=exponent
        )
    return _join([ramp, decay], [warmup])


@register("optax:warmup_cosine_decay_schedule", unit="update")
def warmup_cosine_decay_schedule(
    *,
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    decay_steps: int,
    end_value: float = 0.0,
    exponent: float = 1.0,
) -> Schedule:
    """``optax.warmup_cosine_decay_schedule``: a linear warmup, then a cosine to ``end_value``.

    ``linear_schedule(init_value, peak_value, warmup_steps)`` before ``w = warmup_steps``, then
    ``cosine_decay_schedule(peak_value, decay_steps - w, end_value / peak_value, exponent)`` at
    ``t - w``.
    """
    return _warmup_cosine(init_value, peak_value, warmup_steps, decay_steps, end_value, exponent)


@register("optax:warmup_constant_schedule", unit="update")
def warmup_constant_schedule(*, init_value: float, peak_value: float, warmup_steps: int) -> Schedule:
    """``optax.warmup_constant_schedule``: ``linear_schedule(init_value, peak_value, warmup_steps)``."""
    with v.renamed(end_value="peak_value", transition_steps="warmup_steps"):
        return _polynomial(init_value, peak_value, 1, warmup_steps, 0)


@register("optax:warmup_exponential_decay_schedule", unit="update")
def warmup_exponential_decay_schedule(
    *,
    init_value: float,
    peak_value: float,
    warmup_steps: int,
    transition_steps: int,
    decay_rate: float,
    transition_begin: int = 0,
    staircase: bool = False,
    end_value: float | None = None,
) -> Schedule:
    """``optax.warmup_exponential_decay_schedule``: a linear warmup, then ``exponential_decay`` from the peak.

    ``linear_schedule(init_value, peak_value, warmup_steps)`` before ``w = warmup_steps``, then
    ``exponential_decay(peak_value, ...)`` at ``t - w``.
    """
    warmup = v.real_or_int("warmup_steps", warmup_steps)
    with v.renamed(end_value="peak_value", transition_steps="warmup_steps"):
        ramp = _polynomial(init_value, peak_value, 1, warmup, 0)
    with v.renamed(init_value="peak_value"):
        decay = exponential_decay(
            init_value=peak_value,
            transition_steps=transition_steps,
            decay_rate=decay_rate,
            transition_begin=transition_begin,
            staircase=staircase,
            end_value=end_value,
        )
    return _join([ramp, decay], [warmup])


@register("optax:sgdr_schedule", unit="update")
def sgdr_schedule(*, cosine_kwargs: Sequence[Mapping[str, Any]]) -> Schedule:
    """``optax.sgdr_schedule``: ``warmup_cosine_decay_schedule`` cycles one after another.

    Cycle ``i`` is ``warmup_cosine_decay_schedule(**cosine_kwargs[i])``, from the sum of the
    ``decay_steps`` before it.
    """
    if isinstance(cosine_kwargs, (str, bytes, Mapping)) or not isinstance(cosine_kwargs, Sequence):
        raise v.wrong_type("cosine_kwargs", f"must be a list of dicts, got {cosine_kwargs!r}")
    if not cosine_kwargs:
        raise v.invalid("cosine_kwargs", "must hold at least one cycle, got []")
    known = ("init_value", "peak_value", "warmup_steps", "decay_steps", "end_value", "exponent")
    cycles, boundaries, start = [], [], 0
    for i, kwargs in enumerate(cosine_kwargs):
        where = f"cosine_kwargs[{i}]"
        if not isinstance(kwargs, Mapping):
            raise v.wrong_type(
                where, f"must be a dict of warmup_cosine_decay_schedule's arguments, got {kwargs!r}"
            )
        unknown = sorted(set(kwargs) - set(known))
        missing = sorted({"init_value", "peak_value", "warmup_steps", "decay_steps"} - set(kwargs))
        if unknown or missing:
            problem = f"unknown keys {unknown}" if unknown else f"missing keys {missing}"
            raise v.invalid(where, f"has {problem}; it takes {', '.join(known)}")
        args = {"end_value": 0.0, "exponent": 1.0, **kwargs}
        with v.renamed(**{key: f"{where}[{key!r}]" for key in known}):
            cycles.append(_warmup_cosine(*(args[key] for key in known)))
        start += args["decay_steps"]
        boundaries.append(start)
    return _join(cycles, boundaries[:-1])


def _piece(i: int, piece: Any) -> Schedule:
    where = f"schedules[{i}]"
    if isinstance(piece, Schedule):
        return piece
    if isinstance(piece, Mapping) and "type" in piece:
        return from_dict(piece)
    if isinstance(piece, Mapping) and ("name" in piece or "function" in piece):
        call = "function" in piece  # the optax format's form, {"function": ..., "arguments": {...}}
        name = piece["function" if call else "name"]
        if not isinstance(name, str):
            key = "function" if call else "name"
            raise v.wrong_type(where, f"names an optax function with a string {key!r}, got {name!r}")
        qualified = name if name.startswith("optax:") else f"optax:{name}"
        if call:
            extra = sorted(set(piece) - {"function", "arguments"})
            arguments = piece.get("arguments", {})
            if extra or not isinstance(arguments, Mapping):
                raise v.wrong_type(
                    where, f"a call is {{'function': ..., 'arguments': {{...}}}}, got {dict(piece)!r}"
                )
            arguments = dict(arguments)
        else:
            arguments = {key: value for key, value in piece.items() if key != "name"}
        try:
            return resolve(qualified, arguments)[1]
        except v.ArgumentError as error:
            # Named as the user wrote them: inside this piece's dict.
            raise error.renamed(
                {root: f"{where}[{root!r}]" for root in (n.partition("[")[0] for n in error.names.values())}
            ) from None
        except (TypeError, ValueError) as error:
            raise type(error)(f"{where}: {error}") from None
    raise v.wrong_type(
        where,
        "must be an lrkit schedule, a dict naming an optax schedule function with its arguments "
        f"({{'name': 'linear_schedule', ...}}) or an lrkit tree ({{'type': ...}}), got {piece!r}",
    )


@register("optax:join_schedules", unit="update")
def join_schedules(*, schedules: Sequence[Any], boundaries: Sequence[int]) -> Schedule:
    """``optax.join_schedules``: ``schedules[i]`` at ``t - boundaries[i - 1]`` once that boundary is passed.

    ``v(t) = schedules[i](t - boundaries[i - 1])`` for the last ``i`` whose boundary is
    ``<= t`` (``schedules[0](t)`` before them all). Each schedule is an lrkit schedule, a
    ``{"name": <optax function>, **arguments}`` dict, a call ``{"function": <optax function>,
    "arguments": {...}}`` (the optax format's, as the export writes them) or an lrkit tree dict.
    """
    if isinstance(schedules, (str, bytes, Mapping)) or not isinstance(schedules, Sequence) or not schedules:
        raise v.wrong_type("schedules", f"must be a non-empty list of schedules, got {schedules!r}")
    if isinstance(boundaries, (str, bytes)) or not isinstance(boundaries, Sequence):
        raise v.wrong_type("boundaries", f"must be a list of steps, got {boundaries!r}")
    if len(boundaries) != len(schedules) - 1:
        raise v.invalid(
            "boundaries",
            f"must have one entry fewer than {{schedules}} ({len(schedules) - 1}), got {list(boundaries)!r}",
            "schedules",
        )
    steps = [v.real_or_int(f"boundaries[{i}]", b) for i, b in enumerate(boundaries)]
    return _join([_piece(i, p) for i, p in enumerate(schedules)], steps)


@register("optax:piecewise_constant_schedule", unit="update")
def piecewise_constant_schedule(
    *, init_value: float, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """``optax.piecewise_constant_schedule``: ``init_value`` times every scale whose step is passed.

    ``v(t) = init_value * prod(scale for step, scale in boundaries_and_scales if step <= t)``,
    multiplied in the order of the steps.
    """
    value = _value("init_value", init_value)
    values, steps = [value], []
    for step, scale in _steps_and_scales("boundaries_and_scales", boundaries_and_scales):
        value = scale * value  # optax's own product, one scale at a time
        values.append(value)
        steps.append(max(step, 0))  # a step before 0 is passed at count 0
    if not steps:
        return _held(values[0])
    return Rebase(PiecewiseConstant(boundaries=steps, factors=values), base=1.0)


@register("optax:piecewise_interpolate_schedule", unit="update")
def piecewise_interpolate_schedule(
    *, interpolate_type: str, init_value: float, boundaries_and_scales: Mapping[int, float] | None = None
) -> Schedule:
    """``optax.piecewise_interpolate_schedule``: linear or cosine steps between the cumulated scales.

    With steps ``b = [0, *sorted steps]`` and values ``x = cumprod([init_value, *scales])``:
    from ``b_i`` to ``b_i+1`` (``p`` the fraction of that interval), ``x_i + (x_i+1 - x_i) * p``
    (``linear``) or ``x_i+1 + (x_i - x_i+1) / 2 * (cos(pi * p) + 1)`` (``cosine``); ``x_n``
    from the last step on.
    """
    v.choice("interpolate_type", interpolate_type, ("linear", "cosine"))
    value = _value("init_value", init_value)
    steps, values = [0], [value]
    for step, scale in _steps_and_scales("boundaries_and_scales", boundaries_and_scales):
        value = value * scale
        steps.append(step)
        values.append(value)
    # optax puts 0 in front of the sorted steps: steps at or before 0 end intervals that hold
    # no count >= 0 but the last of them, which starts the curve from its own step.
    first = max(i for i, step in enumerate(steps) if step <= 0)
    if first == len(steps) - 1:
        return _held(values[-1])
    points = [(step - steps[first], x) for step, x in zip(steps[first:], values[first:], strict=True)]
    shape: Schedule
    if interpolate_type == "cosine":
        shape = PiecewiseCosine(points)
    else:
        # optax's (x_i+1 - x_i) * ((t - b_i) / (b_i+1 - b_i)) + x_i: a line over a stretched unit
        # interval, bit for bit (piecewise_linear's precomputed slopes round differently).
        lines = [
            Stretch(Linear(t_initial=1, start_factor=x0, end_factor=x1), by=t1 - t0)
            for (t0, x0), (t1, x1) in pairwise(points)
        ]
        shape = Sequential([*lines, Constant(points[-1][1])], boundaries=[t for t, _ in points[1:]])
    if steps[first] < 0:
        shape = Shift(shape, by=steps[first])
    return Rebase(shape, base=1.0)


def _onecycle_steps(transition_steps: Any) -> int:
    steps = v.integer("transition_steps", transition_steps)
    if steps <= 0:
        raise v.invalid("transition_steps", f"must be > 0, got {steps!r}")
    return steps


@register("optax:linear_onecycle_schedule", unit="update")
def linear_onecycle_schedule(
    *,
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    pct_final: float = 0.85,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """``optax.linear_onecycle_schedule``: up to the peak, back down, then lower, in straight lines.

    ``piecewise_interpolate_schedule("linear", peak_value / div_factor, {int(pct_start * T):
    div_factor, int(pct_final * T): 1 / div_factor, T: 1 / final_div_factor})``, ``T = transition_steps``.
    """
    steps = _onecycle_steps(transition_steps)
    peak = _value("peak_value", peak_value)
    start = v.real("pct_start", pct_start, minimum=0.0)
    final = v.real("pct_final", pct_final, minimum=0.0)
    div = v.real_or_int("div_factor", div_factor, minimum=0.0, strict_minimum=True)
    final_div = v.real_or_int("final_div_factor", final_div_factor, minimum=0.0, strict_minimum=True)
    # A dict, as optax builds it: two phases ending at the same step are one, the later one's.
    scales = {int(start * steps): div, int(final * steps): 1.0 / div, steps: 1.0 / final_div}
    return piecewise_interpolate_schedule(
        interpolate_type="linear", init_value=peak / div, boundaries_and_scales=scales
    )


@register("optax:cosine_onecycle_schedule", unit="update")
def cosine_onecycle_schedule(
    *,
    transition_steps: int,
    peak_value: float,
    pct_start: float = 0.3,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> Schedule:
    """``optax.cosine_onecycle_schedule``: a cosine up to the peak, then one down to the end.

    ``piecewise_interpolate_schedule("cosine", peak_value / div_factor, {int(pct_start * T):
    div_factor, T: 1 / (div_factor * final_div_factor)})``, ``T = transition_steps``.
    """
    steps = _onecycle_steps(transition_steps)
    peak = _value("peak_value", peak_value)
    start = v.real("pct_start", pct_start, minimum=0.0)
    div = v.real_or_int("div_factor", div_factor, minimum=0.0, strict_minimum=True)
    final_div = v.real_or_int("final_div_factor", final_div_factor, minimum=0.0, strict_minimum=True)
    scales = {int(start * steps): div, steps: 1.0 / (div * final_div)}
    return piecewise_interpolate_schedule(
        interpolate_type="cosine", init_value=peak / div, boundaries_and_scales=scales
    )


# -- the config format and the export ------------------------------------------------------------
#
# optax has no config files: a schedule is a call. The export writes that call as plain data,
# {"function": <optax.schedules function>, "arguments": {...}} (join_schedules' pieces in the
# same form), which `getattr(optax, data["function"])(**data["arguments"])` calls (after its
# pieces are built the same way) and the "optax" format below reads back.

#: How far apart two values may be and still be the same value, as a fraction of the largest.
_SAME = 1e-12


def _function_names() -> set[str]:
    from lrkit.recipes.registry import recipes

    return {r.name for r in recipes() if r.source == "optax"}


def _detect(data: Any) -> bool:
    try:
        return (
            isinstance(data, Mapping)
            and set(data) <= {"function", "arguments", "format"}
            and isinstance(data.get("function"), str)
            and isinstance(data.get("arguments"), Mapping)
            and data["function"] in _function_names()
        )
    except Exception:  # a detector never raises, whatever it is shown
        return False


@register_format(
    "optax",
    description='an optax schedule call ({"function": <optax schedule function>, "arguments": {...}})',
    detect=_detect,
)
def read_call(data: Any, *, where: str, epoch_length: int | None = None) -> Reading:
    """The schedule of the optax call ``data``: ``{"function": name, "arguments": {...}}``.

    ``name`` is one of ``optax.schedules``' functions, ``arguments`` its keyword arguments as
    the ``optax:<name>`` recipe takes them (join_schedules' pieces may be calls in this form).
    optax's values are absolute, so the reading has no base of its own.

    >>> read_call({"function": "linear_schedule", "arguments": {"init_value": 1.0, "end_value": 0.0,
    ...           "transition_steps": 4}}, where="x").schedule(2)
    0.5
    """
    if not isinstance(data, Mapping):
        raise ValueError(f"expected an optax call (a mapping), got {type(data).__name__}")
    data = {key: value for key, value in data.items() if key != "format"}
    extra = sorted(set(data) - {"function", "arguments"})
    if extra:
        raise ValueError(f"unknown key(s) {extra}; an optax call has 'function' and 'arguments'")
    name, arguments = data.get("function"), data.get("arguments", {})
    if not isinstance(name, str) or name not in _function_names():
        raise ValueError(
            f"function {name!r} is no optax schedule function lrkit knows; it reads "
            f"{', '.join(sorted(_function_names()))}"
        )
    if not isinstance(arguments, Mapping):
        raise ValueError(f"'arguments' must be a mapping of {name}'s keyword arguments, got {arguments!r}")
    schedule = resolve(f"optax:{name}", dict(arguments))[1]
    return Reading(schedule, unit="update", length=schedule.length)


def _round(x: float) -> float:
    # A fitted rate, scale or exponent, written as the short number it most likely was.
    return float(f"{x:.12g}")


def _whole(x: float) -> int | float:
    return int(x) if float(x).is_integer() else x


def _steps(x: float) -> int | float:
    """A fitted step count: the whole number it is within rounding, else as found."""
    near = round(x)
    return int(near) if abs(x - near) <= 1e-6 * max(1.0, abs(x)) else _round(x)


def _settle(y: Any, tol: float) -> int:
    """The first index from which every value is the last one."""
    import numpy as np

    off = np.nonzero(np.abs(y - y[-1]) > tol)[0]
    return int(off[-1]) + 1 if off.size else 0


def _moves(y: Any, tol: float) -> int:
    """The last index at the first value before the values move (0 when they move at once)."""
    import numpy as np

    off = np.nonzero(np.abs(y - y[0]) > tol)[0]
    return max(int(off[0]) - 1, 0) if off.size else len(y) - 1


def _line(y: Any, tol: float) -> int:
    """The last index on the line through the first two values (0 with fewer than two)."""
    import numpy as np

    if len(y) < 2:
        return 0
    u = np.arange(len(y), dtype=np.float64)
    off = np.nonzero(np.abs(y - (y[0] + (y[1] - y[0]) * u)) > tol)[0]
    return int(off[0]) - 1 if off.size else len(y) - 1


def _per_step(log_rate: float, extent: int) -> tuple[int, float]:
    """``(transition_steps, decay_rate)`` for a decay of ``exp(log_rate)`` a step.

    The shortest of the usual periods over which the rate is a short number (0.5 over 100
    steps, 0.9 over 1), else the rate over the whole decay, rounded.
    """
    for steps in (1, 2, 4, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if abs(log_rate * steps) > 700:  # past a float's range: no rate of that period
            break
        rate = math.exp(log_rate * steps)
        short = float(f"{rate:.6g}")
        if abs(short - rate) <= 1e-11 * rate:
            return steps, short
    steps = max(extent, 1)
    return steps, _round(math.exp(min(log_rate * steps, 700.0)))


def _exponentials(y: Any, tol: float, *, begin: bool = True) -> Iterator[dict[str, Any]]:
    """``exponential_decay``'s arguments for the values ``y`` (from index 0), smooth and staircase.

    The decay starts where the values first move (``transition_begin``, with ``begin``); its
    rate is the ratio of the first two values after it, refined over as many values as follow
    it; where the values then hold what they reached to the end, that is its ``end_value``.
    """
    import numpy as np

    n = len(y)
    b = _moves(y, tol) if begin else 0
    init = _round(float(y[b]))
    if init <= 0 or b >= n - 1:
        return
    common: dict[str, Any] = {"init_value": init}
    if b:
        common["transition_begin"] = b
    held = _settle(y, tol)
    if y[b + 1] > 0:
        u = np.arange(n - b, dtype=np.float64)
        with np.errstate(over="ignore"):  # a fast rise overflows where it has long left the values
            off = np.nonzero(~(np.abs(y[b:] - y[b] * (y[b + 1] / y[b]) ** u) <= tol))[0]
        last = b + (int(off[0]) - 1 if off.size else n - 1 - b)
        steps, rate = _per_step(math.log(y[last] / y[b]) / (last - b), last - b)
        yield {**common, "transition_steps": steps, "decay_rate": rate}
        if b + 1 < held <= last + 1 < n:  # the decay stops where the values settle
            yield {**common, "transition_steps": steps, "decay_rate": rate, "end_value": _round(float(y[-1]))}
    # A staircase: its period is the time between its first two steps (or to its first step).
    changes = np.nonzero(np.abs(np.diff(y)) > tol)[0] + 1
    if changes.size:
        period = int(changes[1] - changes[0]) if changes.size > 1 else int(changes[0])
        start = int(changes[0]) - period
        if period > 1 and start >= 0 and y[start] > 0:
            staircase = {
                "init_value": _round(float(y[start])),
                "transition_steps": period,
                "decay_rate": _round(float(y[start + period]) / float(y[start])),
                **({"transition_begin": start} if start and begin else {}),
                "staircase": True,
            }
            if begin or not start:
                yield staircase
                if start + period < held < n - 1:
                    yield {**staircase, "end_value": _round(float(y[-1]))}


def _cosines(y: Any, tol: float) -> Iterator[dict[str, Any]]:
    """``cosine_decay_schedule``'s arguments for values that start a cosine at index 0.

    ``1 - c(t) = sin(pi * t / (2 D)) ** 2`` for ``c(t) = (1 + cos(pi * t / D)) / 2``, so
    ``(y[2k] - y[0]) / (y[k] - y[0]) = 4 * cos(pi * k / (2 D)) ** 2`` gives ``D``: first from
    ``k = 1``, then again from ``k`` near ``D / 4``, where it is well conditioned.
    """
    init = float(y[0])
    if len(y) < 3 or init <= 0 or abs(y[1] - y[0]) <= tol:
        return
    found = []
    k = 1
    for _ in range(2):
        if 2 * k >= len(y):
            break
        ratio = (y[2 * k] - y[0]) / (y[k] - y[0])
        if not 0 < ratio < 4:
            break
        length = math.pi * k / (2 * math.acos(math.sqrt(ratio) / 2))
        if not 2 * k <= length:  # y[2k] past the bottom: the formula does not hold there
            break
        found.append((k, _steps(length)))
        k = max(int(length // 4), 1)
        if k == found[-1][0]:
            break
    for k, length in dict.fromkeys(found):
        c = 0.5 * (1 + math.cos(math.pi * k / length))
        alphas = [1 - (init - float(y[k])) / ((1 - c) * init)]
        if isinstance(length, int) and length < len(y):
            alphas.insert(0, float(y[length]) / init)  # the floor itself, where the values reach it
        for alpha in dict.fromkeys(0.0 if abs(a) <= 1e-12 else _round(a) for a in alphas):
            if alpha >= 0:
                yield {"init_value": _round(init), "decay_steps": length, "alpha": alpha}


def _cosine_exponent(y: Any, start: int, length: float, alpha: float) -> float:
    """optax's cosine ``exponent``, solved at the decay's midpoint (1.0 where it is 1 within rounding)."""
    u = max(int(length // 2), 1)
    if alpha >= 1 or start + u >= len(y) or u >= length or not y[start] > 0:
        return 1.0
    c = 0.5 * (1 + math.cos(math.pi * u / length))
    rest = (float(y[start + u]) / float(y[start]) - alpha) / (1 - alpha)
    if not 0 < rest < 1 or not 0 < c < 1:
        return 1.0
    exponent = _round(math.log(rest) / math.log(c))
    return 1.0 if abs(exponent - 1) <= 1e-9 else exponent


def _local(y: Any, tol: float) -> Iterator[tuple[str, dict[str, Any]]]:
    """The pieces a join may start with at ``y[0]``: each fitted to the values from there on."""
    yield "constant_schedule", {"value": _round(float(y[0]))}
    line = _line(y, tol)
    if line:
        yield (
            "linear_schedule",
            {
                "init_value": _round(float(y[0])),
                "end_value": _round(float(y[line])),
                "transition_steps": line,
            },
        )
    for arguments in _cosines(y, tol):
        yield "cosine_decay_schedule", arguments
    for arguments in _exponentials(y, tol, begin=False):
        yield "exponential_decay", arguments


def _reach(name: str, arguments: Mapping[str, Any], y: Any, tol: float) -> int:
    """How many of the values ``y`` the piece gives, from index 0, before it first departs."""
    import numpy as np

    try:
        piece = resolve(f"optax:{name}", dict(arguments))[1]
    except (TypeError, ValueError):
        return 0
    # Over a window that doubles while the piece holds: most guesses depart within a few values.
    size = 8
    while True:
        window = y[:size]
        got = np.asarray(piece(np.arange(len(window), dtype=np.float64), base=1.0), dtype=np.float64)
        off = np.nonzero(~(np.abs(got - window) <= tol))[0]
        if off.size:
            return int(off[0])
        if size >= len(y):
            return len(y)
        size *= 4


def _fits(y: Any, tol: float) -> list[tuple[int, str, dict[str, Any]]]:
    """Every piece that may start at ``y[0]``, with how far it reaches, in ``_local``'s order."""
    return [(_reach(name, arguments, y, tol), name, arguments) for name, arguments in _local(y, tol)]


def _join_pieces(y: Any, tol: float, limit: int) -> tuple[list[dict[str, Any]], list[int]] | None:
    """The values as the fewest optax pieces one after another, or ``None`` past ``limit`` pieces.

    A piece may hand over anywhere within its reach (a warmup's peak is also a cosine's start),
    so the fewest pieces are found as a jump game: the next piece starts where, among the
    updates the current one reaches, a piece reaches furthest (the latest such update, so that
    each piece runs as long as it can). Each piece is then the first of ``_local``'s kinds that
    reaches the next one's start. More than ``limit`` pieces is no join but a table of the values.
    """
    n = len(y)
    found: dict[int, list[tuple[int, str, dict[str, Any]]]] = {}

    def fits(start: int) -> list[tuple[int, str, dict[str, Any]]]:
        if start not in found:
            found[start] = _fits(y[start:], tol)
        return found[start]

    def reach(start: int) -> int:
        return max(r for r, _, _ in fits(start))

    starts = [0]
    while starts[-1] + reach(starts[-1]) < n:
        here = starts[-1]
        after = range(here + 1, here + reach(here) + 1)
        starts.append(max(after, key=lambda s: (s + reach(s), s)))
        if len(starts) > limit:
            return None
    pieces = []
    for start, stop in zip(starts, [*starts[1:], n], strict=True):
        _, name, arguments = next(fit for fit in fits(start) if fit[0] >= stop - start)
        pieces.append({"function": name, "arguments": arguments})
    return pieces, starts[1:]


def _export_candidates(outline: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """Guesses of optax's arguments from the schedule's values, its natural names first.

    The decay's length is where the schedule settles (its own length, or where the values stop
    changing); a warmup ends where the schedule's first warmup does, at the first peak, or where
    the first straight line ends. Rates, scales and exponents are solved from values at chosen
    updates; a sequence of pieces no single function gives is a ``join_schedules`` of pieces
    fitted one after another.
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
    warmups = list(dict.fromkeys(w for w in (_whole(outline.warmup_t), peak_at, _line(y, tol)) if 0 < w < n))

    yield "optax:constant_schedule", {"value": first}
    for w in warmups:
        if y[w] > first:
            yield (
                "optax:warmup_constant_schedule",
                {
                    "init_value": first,
                    "peak_value": _round(float(y[w])),
                    "warmup_steps": w,
                },
            )
    begin = _moves(y, tol)
    for length in lengths:
        if length > begin:
            line = {"init_value": first, "end_value": end, "transition_steps": _whole(length - begin)}
            yield "optax:linear_schedule", {**line, **({"transition_begin": begin} if begin else {})}
    for w in warmups:
        peak = _round(float(y[w]))
        alpha = 0.0 if peak == 0 else _round(end / peak)
        for length in lengths:
            if length > w:
                exponent = _cosine_exponent(y, w, length - w, alpha)
                yield (
                    "optax:warmup_cosine_decay_schedule",
                    {
                        "init_value": first,
                        "peak_value": peak,
                        "warmup_steps": w,
                        "decay_steps": length,
                        "end_value": end,
                        **({"exponent": exponent} if exponent != 1 else {}),
                    },
                )
    if first > 0:
        alpha = _round(end / first)
        for length in lengths:
            exponent = _cosine_exponent(y, 0, length, alpha)
            yield (
                "optax:cosine_decay_schedule",
                {
                    "init_value": first,
                    "decay_steps": length,
                    "alpha": alpha,
                    **({"exponent": exponent} if exponent != 1 else {}),
                },
            )
    for arguments in _exponentials(y, tol):
        yield "optax:exponential_decay", arguments
    for w in warmups:
        for arguments in _exponentials(y[w:], tol):
            peak = arguments.pop("init_value")
            yield (
                "optax:warmup_exponential_decay_schedule",
                {
                    "init_value": first,
                    "peak_value": peak,
                    "warmup_steps": w,
                    **arguments,
                },
            )
    # Polynomial: (init - end) * (1 - p) ** power + end at the decay's midpoint, solved for the power.
    for length in lengths:
        steps = length - begin
        mid = begin + max(int(steps // 2), 1)
        if steps > 1 and mid < n and first != end:
            rest = (float(y[mid]) - end) / (first - end)
            p = (mid - begin) / steps
            if 0 < rest < 1:
                power = _round(math.log(rest) / math.log(1 - p))
                yield (
                    "optax:polynomial_schedule",
                    {
                        "init_value": first,
                        "end_value": end,
                        "power": power,
                        "transition_steps": _whole(steps),
                        **({"transition_begin": begin} if begin else {}),
                    },
                )
    yield from _onecycles(y, tol, lengths, peak_at)
    # A staircase of few steps, each held a while (not a table of a curve's values): each
    # change as the scale optax multiplies by there.
    changes = [t for t in range(1, n) if abs(y[t] - y[t - 1]) > tol]
    steps = changes and len(changes) <= 32 and min(np.diff([0, *changes])) >= 2
    if steps and all(y[t - 1] > 0 for t in changes):
        scales = {t: _round(float(y[t]) / float(y[t - 1])) for t in changes}
        yield "optax:piecewise_constant_schedule", {"init_value": first, "boundaries_and_scales": scales}
    joined = _join_pieces(y, tol, limit=min(16, max(n // 4, 2)))
    if joined is not None and len(joined[0]) > 1:
        pieces, boundaries = joined
        yield "optax:join_schedules", {"schedules": pieces, "boundaries": boundaries}


def _onecycles(y: Any, tol: float, lengths: list[Any], peak_at: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """The one-cycle schedules: up by ``div_factor`` to the peak, back, then down to the end."""
    first, end, peak = (_round(float(y[i])) for i in (0, -1, peak_at))
    if not (first > 0 and end > 0 and peak > first and peak_at > 0):
        return
    back = [t for t in range(peak_at + 1, len(y)) if abs(y[t] - first) <= tol]
    for length in lengths:
        if not isinstance(length, int) or length <= peak_at:
            continue
        common = {
            "transition_steps": length,
            "peak_value": peak,
            "div_factor": _round(peak / first),
            "final_div_factor": _round(first / end),
        }
        # optax takes int(pct * T) as the step: a fraction that lands on it, short if it can be.
        starts = [
            s for s in (_round(peak_at / length), (peak_at + 0.5) / length) if int(s * length) == peak_at
        ]
        for start in starts[:1]:
            yield "optax:cosine_onecycle_schedule", {**common, "pct_start": start}
            for t in back[:1]:
                finals = [f for f in (_round(t / length), (t + 0.5) / length) if int(f * length) == t]
                for final in finals[:1]:
                    yield "optax:linear_onecycle_schedule", {**common, "pct_start": start, "pct_final": final}


def _write_call(qualified: str, arguments: Mapping[str, Any], base: float) -> dict[str, Any]:
    """The optax call: ``{"function": name, "arguments": {...}}`` (optax's values are absolute).

    ``boundaries_and_scales`` keeps optax's integer keys, so the call runs as it is; a JSON file
    writes them as strings, which lrkit reads back, and optax needs turned back into ``int``.
    """
    return {"function": qualified.partition(":")[2], "arguments": dict(arguments)}


register_export(
    "optax",
    description='an optax schedule call, {"function": <optax.schedules function>, "arguments": {...}}',
    write=_write_call,
    # The nodes optax's schedules are built from, and lrkit's own that give the same curves.
    nodes={
        "constant",
        "rebase",
        "poly",
        "shift",
        "sequence",
        "clamp",
        "stairs",
        "stretch",
        "exponential",
        "cosine_power",
        "cosine",
        "linear",
        "warmup",
        "piecewise_constant",
        "piecewise_cosine",
        "piecewise_linear",
        "step",
        "multistep",
        "multiplier",
    },
)(_export_candidates)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "optax:constant_schedule": [{"value": 0.1}],
        "optax:cosine_decay_schedule": [
            {"init_value": 0.1, "decay_steps": 20},
            {"init_value": 0.1, "decay_steps": 20, "alpha": 0.1, "exponent": 2.0},
        ],
        "optax:cosine_onecycle_schedule": [{"transition_steps": 30, "peak_value": 0.1}],
        "optax:exponential_decay": [
            {"init_value": 0.1, "transition_steps": 5, "decay_rate": 0.5},
            {
                "init_value": 0.1,
                "transition_steps": 5,
                "decay_rate": 0.5,
                "transition_begin": 3,
                "staircase": True,
                "end_value": 0.01,
            },
        ],
        "optax:join_schedules": [
            {
                "schedules": [
                    {"name": "linear_schedule", "init_value": 0.0, "end_value": 0.1, "transition_steps": 5},
                    {"name": "cosine_decay_schedule", "init_value": 0.1, "decay_steps": 15},
                ],
                "boundaries": [5],
            }
        ],
        "optax:linear_onecycle_schedule": [{"transition_steps": 30, "peak_value": 0.1}],
        "optax:linear_schedule": [
            {"init_value": 0.1, "end_value": 0.0, "transition_steps": 20, "transition_begin": 2}
        ],
        "optax:piecewise_constant_schedule": [
            {"init_value": 0.1, "boundaries_and_scales": {5: 0.5, 10: 0.1}}
        ],
        "optax:piecewise_interpolate_schedule": [
            {"interpolate_type": "linear", "init_value": 0.1, "boundaries_and_scales": {5: 0.5, 10: 0.1}},
            {"interpolate_type": "cosine", "init_value": 0.1, "boundaries_and_scales": {5: 0.5, 10: 0.1}},
        ],
        "optax:polynomial_schedule": [
            {
                "init_value": 0.1,
                "end_value": 0.001,
                "power": 2.0,
                "transition_steps": 20,
                "transition_begin": 2,
            }
        ],
        "optax:sgdr_schedule": [
            {
                "cosine_kwargs": [
                    {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 2, "decay_steps": 10},
                    {
                        "init_value": 0.0,
                        "peak_value": 0.05,
                        "warmup_steps": 2,
                        "decay_steps": 20,
                        "end_value": 0.001,
                    },
                ]
            }
        ],
        "optax:warmup_constant_schedule": [{"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5}],
        "optax:warmup_cosine_decay_schedule": [
            {"init_value": 0.0, "peak_value": 0.1, "warmup_steps": 5, "decay_steps": 20},
            {"init_value": 0.01, "peak_value": 0.1, "warmup_steps": 5, "decay_steps": 20, "end_value": 0.001},
        ],
        "optax:warmup_exponential_decay_schedule": [
            {
                "init_value": 0.0,
                "peak_value": 0.1,
                "warmup_steps": 5,
                "transition_steps": 4,
                "decay_rate": 0.5,
            }
        ],
    }
)
