"""torch's ``lr_scheduler`` classes as core schedules, under torch's class names.

Each builder takes the keyword arguments of the torch class it is registered as (the optimizer
and ``last_epoch`` aside: an lrkit driver resumes from its own ``state_dict``) and returns the lr
schedule of one param group in updates: after ``t`` calls of torch's ``scheduler.step()`` the
group's lr is ``schedule(t, base)``, ``base`` being its initial lr. So
``lrkit.create("StepLR", optimizer, step_size=30)`` drives every group as ``StepLR`` would, and
``lrkit.torch.Scheduler(optimizer, unit="update", lr=step_lr(step_size=30))`` is the same driver.

>>> [step_lr(step_size=2, gamma=0.5)(t, base=0.1) for t in range(5)]
[0.1, 0.1, 0.05, 0.05, 0.025]
>>> m = one_cycle_momentum(total_steps=11, pct_start=0.5, anneal_strategy="linear")
>>> [round(m(t), 12) for t in (0, 4.5, 10)]
[0.95, 0.85, 0.95]

The schedules are torch's closed forms (``_get_closed_form_lr``). ``StepLR``, ``MultiStepLR``,
``ConstantLR``, ``LinearLR``, ``ExponentialLR``, ``PolynomialLR``, ``CosineAnnealingLR`` and
``MultiplicativeLR`` update the lr recursively in torch, one multiplication per step, so torch's
values drift from these by a few ulps per step (well under 1e-9 relative over thousands of
steps; ``tests/test_torch_equivalence.py`` measures it).

Absolute values. torch's ``OneCycleLR(max_lr=...)`` and ``CyclicLR(base_lr=...)`` overwrite
the optimizer's lr; given here, they are fixed with :func:`lrkit.combinators.rebase`, so every
group gets torch's value whatever its own lr. Left out (``None``), each group's own lr takes
their place: its peak for ``OneCycleLR``, its lower bound for ``CyclicLR``. A per-group list
(``max_lr=[...]``) is one schedule per group:
``Scheduler(opt, unit="update", lr=[one_cycle_lr(max_lr=m, total_steps=n) for m in max_lrs])``.

Momentum. With ``cycle_momentum=True`` (torch's default) ``OneCycleLR`` and ``CyclicLR`` also
write each group's momentum (SGD, RMSprop) or ``beta1`` (Adam-style ``betas``), and so does
``lrkit.create("OneCycleLR", optimizer, ...)``: the recipe registers that curve as a field
beside the lr (:func:`one_cycle_fields`, :func:`cyclic_fields`). A schedule is one field's, so
``lrkit.build`` gives the lr alone; :func:`one_cycle_momentum` and :func:`cyclic_momentum`
give the momentum, to drive by hand::

    Scheduler(opt, unit="update",
              lr=one_cycle_lr(max_lr=0.1, total_steps=1000),
              momentum=one_cycle_momentum(total_steps=1000))  # beta1=... for Adam

What does not carry over: ``MultiplicativeLR`` as a later piece of ``SequentialLR`` (torch
multiplies the lr the previous piece left, a value no function of the piece's own time gives);
``ChainedScheduler`` pieces that are not chainable (``LambdaLR``, ``CosineAnnealingWarmRestarts``,
``CyclicLR``, ``OneCycleLR`` and ``CosineAnnealingLR`` with ``eta_min > 0`` or past ``T_max``
write their own value in torch, which a product of factors does not); ``OneCycleLR`` at step
``total_steps`` (torch extrapolates the last phase, lrkit holds its end value); ``LambdaLR``'s
and ``MultiplicativeLR``'s functions and a custom ``CyclicLR`` ``scale_fn`` are Python callables,
so those schedules do not serialize (:meth:`~lrkit.Schedule.to_dict` raises ``TypeError``).
"""

from __future__ import annotations

import array
import inspect
import math
from collections.abc import Callable, Sequence
from itertools import pairwise
from typing import Any

from lrkit import checks as v
from lrkit.combinators import Cycles, Product, Rebase, Sequential
from lrkit.recipes.registry import register, register_examples
from lrkit.schedule import Schedule
from lrkit.shapes import (
    Constant,
    Cosine,
    CosineWave,
    Cyclic,
    Exponential,
    FromCallable,
    Linear,
    MultiStep,
    OneCycle,
    Poly,
    Step,
)

__all__ = [
    "MOMENTUM",
    "chained_scheduler",
    "constant_lr",
    "cosine_annealing_lr",
    "cosine_annealing_warm_restarts",
    "cyclic_fields",
    "cyclic_lr",
    "cyclic_momentum",
    "exponential_lr",
    "lambda_lr",
    "linear_lr",
    "multi_step_lr",
    "multiplicative_lr",
    "one_cycle_fields",
    "one_cycle_lr",
    "one_cycle_momentum",
    "polynomial_lr",
    "reduce_lr_on_plateau",
    "sequential_lr",
    "step_lr",
]


#: The field a driver writes a cycled momentum into, by torch's rule ``beta1`` where the
#: optimizer's defaults hold ``betas`` (Adam-style), else ``momentum``.
MOMENTUM = "momentum"


def _positive(name: str, value: Any) -> int | float:
    return v.real_or_int(name, value, minimum=0.0, strict_minimum=True)


def _absolute(name: str, value: Any, builder: str) -> int | float:
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name}: a schedule is one param group's; for torch's per-group list build one per "
            f"group: Scheduler(optimizer, unit='update', lr=[{builder}({name}=x, ...) for x in {name}s])"
        )
    return v.real_or_int(name, value, minimum=0.0)


def _iterations(name: str, value: Any) -> int:
    # torch divides by these (LinearLR, PolynomialLR) or never reaches them (ConstantLR): 0 is
    # a ZeroDivisionError or a factor held forever in torch's recursive form, so it is refused.
    return v.integer(name, value, minimum=1)


def _single_callable(name: str, value: Any, builder: str) -> Callable[[int], float]:
    if isinstance(value, (list, tuple)):
        raise TypeError(
            f"{name}: give one function; for one per param group, build one schedule per group: "
            f"Scheduler(optimizer, unit='update', lr=[{builder}({name}=f) for f in functions])"
        )
    if not callable(value):
        raise TypeError(f"{name} must be a function of the step, got {value!r}")
    return value


def _step_number(t: float) -> int | float:
    # torch hands its functions last_epoch, an int; the driver's times are floats.
    return int(t) if float(t).is_integer() else t


class _AtSteps:
    """``fn`` called with the step as an int where it is whole, as torch calls ``lr_lambda``."""

    label = "{}"

    def __init__(self, fn: Callable[[int], float]) -> None:
        self.fn = fn
        # What FromCallable's repr shows: the user's function, and what is made of it.
        self.__qualname__ = self.label.format(getattr(fn, "__qualname__", type(fn).__name__))
        self.__module__ = getattr(fn, "__module__", None) or "?"

    def __call__(self, t: float) -> float:
        return self.fn(_step_number(t))

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and other.fn == self.fn  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((type(self), self.fn))


class _CumulativeProduct(_AtSteps):
    """``fn(1) * fn(2) * ... * fn(floor(t))``: ``MultiplicativeLR``'s factor after ``t`` steps.

    torch calls ``fn`` once per step; the products are kept (8 bytes each), so each step costs
    one call and a jump to step ``n`` costs ``n`` calls once. A jump more than
    ``MAX_STEPS_AHEAD`` past the last step computed is refused rather than left to run for hours;
    once the product is exactly 0 it stays 0 without calling ``fn`` again. ``fn`` must not
    depend on anything but the step.
    """

    label = "cumulative_product({})"
    #: How many calls of ``fn`` one evaluation may make.
    MAX_STEPS_AHEAD = 10**7

    def __init__(self, fn: Callable[[int], float]) -> None:
        super().__init__(fn)
        self._products = array.array("d", [1.0])

    def __call__(self, t: float) -> float:
        products = self._products
        n = math.floor(t)
        if n < len(products):
            return products[n]
        if products[-1] == 0.0:
            return 0.0
        if n - len(products) >= self.MAX_STEPS_AHEAD:
            raise ValueError(
                f"MultiplicativeLR's factor at t={t!r} is the product of lr_lambda(1) ... "
                f"lr_lambda({n}): {n - len(products) + 1} calls past the last step computed, more "
                f"than the {self.MAX_STEPS_AHEAD} one evaluation makes; step there, or write the "
                "factor in closed form (lrkit.exponential for a constant one)"
            )
        while len(products) <= n:
            products.append(products[-1] * float(self.fn(len(products))))
        return products[n]


class _CyclicCurve(_AtSteps):
    """torch ``CyclicLR``'s curve with a custom ``scale_fn``, from ``start`` towards ``peak``.

    ``start + (peak - start) * s(t) * scale_fn(c or t)``, ``s`` and the cycle ``c`` as in
    :class:`lrkit.shapes.Cyclic`: the lr runs from ``base_lr`` towards ``max_lr``, the momentum
    from ``max_momentum`` towards ``base_momentum``.
    """

    label = "cyclic_scale({})"

    def __init__(
        self,
        scale_fn: Callable[[float], float],
        scale_mode: str,
        start: float,
        peak: float,
        up: float,
        down: float,
    ) -> None:
        super().__init__(scale_fn)
        self.params = (scale_mode, start, peak, up, down)

    def __call__(self, t: float) -> float:
        scale_mode, start, peak, up, down = self.params
        total = up + down
        ratio = up / total
        cycle = math.floor(1 + t / total)
        x = 1.0 + t / total - cycle
        scale = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
        height = (peak - start) * scale
        return start + height * self.fn(cycle if scale_mode == "cycle" else _step_number(t))

    def __eq__(self, other: object) -> bool:
        return super().__eq__(other) and other.params == self.params  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((super().__hash__(), self.params))


# -- the chainable decays -------------------------------------------------------------------------


@register("torch:StepLR", unit="update")
def step_lr(*, step_size: int, gamma: float = 0.1) -> Schedule:
    """torch's ``StepLR``: ``base * gamma ** (t // step_size)``."""
    with v.renamed(decay_t="step_size", decay_rate="gamma"):
        return Step(decay_t=step_size, decay_rate=gamma)


@register("torch:MultiStepLR", unit="update")
def multi_step_lr(*, milestones: Sequence[int], gamma: float = 0.1) -> Schedule:
    """torch's ``MultiStepLR``: ``base * gamma ** #{m in milestones : m <= t}``.

    Milestones may come in any order, and one listed twice decays twice, as in torch.
    """
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence):
        raise TypeError(f"milestones must be a list of steps, got {milestones!r}")
    checked = [v.real_or_int(f"milestones[{i}]", m, minimum=0.0) for i, m in enumerate(milestones)]
    return MultiStep(milestones=sorted(checked), decay_rate=_positive("gamma", gamma))


@register("torch:ConstantLR", unit="update")
def constant_lr(*, factor: float = 1.0 / 3, total_iters: int = 5) -> Schedule:
    """torch's ``ConstantLR``: ``base * factor`` for ``t < total_iters``, then ``base``."""
    factor = v.real_or_int("factor", factor, minimum=0.0, maximum=1.0)
    return Sequential([Constant(factor), Constant()], boundaries=[_iterations("total_iters", total_iters)])


@register("torch:LinearLR", unit="update")
def linear_lr(*, start_factor: float = 1.0 / 3, end_factor: float = 1.0, total_iters: int = 5) -> Schedule:
    """torch's ``LinearLR``: the factor moves linearly from ``start_factor`` to ``end_factor``.

    ``base * (start_factor + (end_factor - start_factor) * min(t, total_iters) / total_iters)``
    """
    return Linear(
        t_initial=_iterations("total_iters", total_iters), start_factor=start_factor, end_factor=end_factor
    )


@register("torch:ExponentialLR", unit="update")
def exponential_lr(*, gamma: float) -> Schedule:
    """torch's ``ExponentialLR``: ``base * gamma ** t``."""
    return Exponential(gamma=gamma)


@register("torch:PolynomialLR", unit="update")
def polynomial_lr(*, total_iters: int = 5, power: float = 1.0) -> Schedule:
    """torch's ``PolynomialLR``: ``base * (1 - min(t, total_iters) / total_iters) ** power``."""
    return Poly(t_initial=_iterations("total_iters", total_iters), power=power)


@register("torch:MultiplicativeLR", unit="update")
def multiplicative_lr(*, lr_lambda: Callable[[int], float]) -> Schedule:
    """torch's ``MultiplicativeLR``: ``base * lr_lambda(1) * lr_lambda(2) * ... * lr_lambda(t)``.

    ``lr_lambda`` is called with ints, once per step (the products are kept), and must be a
    function of the step alone.
    """
    fn = _single_callable("lr_lambda", lr_lambda, "multiplicative_lr")
    return FromCallable(_CumulativeProduct(fn))


# -- closed forms of their own ------------------------------------------------------------------


@register("torch:LambdaLR", unit="update")
def lambda_lr(*, lr_lambda: Callable[[int], float]) -> Schedule:
    """torch's ``LambdaLR``: ``base * lr_lambda(t)``, ``t`` an int as torch passes it."""
    return FromCallable(_AtSteps(_single_callable("lr_lambda", lr_lambda, "lambda_lr")))


@register("torch:CosineAnnealingLR", unit="update")
def cosine_annealing_lr(*, T_max: int, eta_min: float = 0.0) -> Schedule:  # noqa: N803
    """torch's ``CosineAnnealingLR``: ``eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    The cosine goes on past ``T_max``, back up to ``base`` at ``2 * T_max``, as torch's does
    (:class:`lrkit.shapes.CosineWave` with half a period per ``T_max``). ``eta_min`` is an
    absolute lr.
    """
    with v.renamed(t_initial="T_max", lr_min="eta_min"):
        return CosineWave(t_initial=T_max, lr_min=eta_min)


@register("torch:CosineAnnealingWarmRestarts", unit="update")
def cosine_annealing_warm_restarts(*, T_0: int, T_mult: int = 1, eta_min: float = 0.0) -> Schedule:  # noqa: N803
    """torch's ``CosineAnnealingWarmRestarts``: cosine cycles of ``T_0 * T_mult ** i`` steps, forever.

    Within cycle ``i``, ``T_cur`` steps in: ``eta_min + (base - eta_min) * (1 + cos(pi * T_cur /
    T_i)) / 2``. ``T_0`` and ``T_mult`` are integers, as torch requires.
    """
    shape = Cosine(
        t_initial=v.integer("T_0", T_0, minimum=1), lr_min=v.real_or_int("eta_min", eta_min, minimum=0.0)
    )
    return Cycles(shape, cycle_mul=v.integer("T_mult", T_mult, minimum=1), cycle_limit=None)


# -- the one-cycle and cyclical policies ----------------------------------------------------------


def _total_steps(total_steps: int | None, epochs: int | None, steps_per_epoch: int | None) -> int:
    if total_steps is not None:
        return v.integer("total_steps", total_steps, minimum=1)
    if epochs is None or steps_per_epoch is None:
        raise ValueError("give total_steps, or epochs and steps_per_epoch (total_steps = their product)")
    return v.integer("epochs", epochs, minimum=1) * v.integer("steps_per_epoch", steps_per_epoch, minimum=1)


def _one_cycle(
    total_steps: int | None,
    epochs: int | None,
    steps_per_epoch: int | None,
    pct_start: float,
    anneal_strategy: str,
    three_phase: bool,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
) -> OneCycle:
    return OneCycle(
        total_t=_total_steps(total_steps, epochs, steps_per_epoch),
        pct_start=v.real("pct_start", pct_start, minimum=0.0, maximum=1.0),
        anneal=v.choice("anneal_strategy", anneal_strategy, ("cos", "linear")),
        div_factor=_positive("div_factor", div_factor),
        final_div_factor=_positive("final_div_factor", final_div_factor),
        three_phase=v.flag("three_phase", three_phase),
    )


def _cycled_momentum(
    build: Callable[..., Schedule], cycle_momentum: Any, arguments: dict[str, Any]
) -> dict[str, Schedule]:
    """``build``'s momentum from the lr recipe's ``arguments`` (those it takes), unless turned off."""
    if not v.flag("cycle_momentum", cycle_momentum):
        return {}
    takes = inspect.signature(build).parameters
    return {MOMENTUM: build(**{k: value for k, value in arguments.items() if k in takes})}


def one_cycle_fields(*, cycle_momentum: bool = True, **arguments: Any) -> dict[str, Schedule]:
    """The fields ``OneCycleLR`` drives beside the lr: :func:`one_cycle_momentum`, unless
    ``cycle_momentum=False``; of the lr's arguments it takes those the momentum shares."""
    return _cycled_momentum(one_cycle_momentum, cycle_momentum, arguments)


def cyclic_fields(*, cycle_momentum: bool = True, **arguments: Any) -> dict[str, Schedule]:
    """The fields ``CyclicLR`` drives beside the lr: :func:`cyclic_momentum`, unless
    ``cycle_momentum=False``; of the lr's arguments it takes those the momentum shares."""
    return _cycled_momentum(cyclic_momentum, cycle_momentum, arguments)


@register("torch:OneCycleLR", unit="update", fields=one_cycle_fields)
def one_cycle_lr(
    *,
    max_lr: float | None = None,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    cycle_momentum: bool = True,
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    div_factor: float = 25.0,
    final_div_factor: float = 1e4,
    three_phase: bool = False,
) -> Schedule:
    """torch's ``OneCycleLR`` lr: ``max_lr / div_factor`` up to ``max_lr``, then down to
    ``max_lr / div_factor / final_div_factor`` (:class:`lrkit.shapes.OneCycle`'s phases).

    ``max_lr`` fixes the peak for every group, as torch does; without it each group peaks at
    its own lr. From step ``total_steps - 1`` on it holds the end value (torch allows one step
    more, extrapolating the last phase, and raises after it). ``cycle_momentum``,
    ``base_momentum`` and ``max_momentum`` are the momentum's (:func:`one_cycle_fields`, which
    checks them): a driver built by ``lrkit.create`` writes it; this lr schedule ignores them.
    """
    shape = _one_cycle(
        total_steps,
        epochs,
        steps_per_epoch,
        pct_start,
        anneal_strategy,
        three_phase,
        div_factor,
        final_div_factor,
    )
    return shape if max_lr is None else Rebase(shape, base=_absolute("max_lr", max_lr, "one_cycle_lr"))


def one_cycle_momentum(
    *,
    total_steps: int | None = None,
    epochs: int | None = None,
    steps_per_epoch: int | None = None,
    pct_start: float = 0.3,
    anneal_strategy: str = "cos",
    base_momentum: float = 0.85,
    max_momentum: float = 0.95,
    three_phase: bool = False,
) -> Schedule:
    """The momentum (or ``beta1``) ``OneCycleLR`` writes with ``cycle_momentum=True``.

    It runs against the lr, on the lr's phases: ``max_momentum`` down to ``base_momentum`` while
    the lr rises, back up to ``max_momentum`` while it falls (and, with ``three_phase``, held
    there through the last phase). That is a one-cycle curve peaking at ``base_momentum``
    and starting and ending at ``max_momentum``:
    ``rebase(one_cycle(..., div_factor=base_momentum / max_momentum, final_div_factor=1),
    base=base_momentum)``. The values are absolute, whatever momentum the optimizer was built
    with, as torch overwrites it. Drive it as ``momentum=`` (SGD) or ``beta1=`` (Adam).
    """
    low = _absolute("base_momentum", base_momentum, "one_cycle_momentum")
    high = _absolute("max_momentum", max_momentum, "one_cycle_momentum")
    if low > 0 and high > 0:
        shape = _one_cycle(
            total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, three_phase, low / high, 1.0
        )
        return Rebase(shape, base=low)
    # A bound of 0 has no ratio to the other: the same phases, each piece on its own.
    shape = _one_cycle(total_steps, epochs, steps_per_epoch, pct_start, anneal_strategy, three_phase)
    total = shape.total_t
    ends = [float(pct_start * total) - 1]
    values = [high, low]
    if three_phase:
        ends.append(float(2 * pct_start * total) - 2)
        values.append(high)
    ends.append(total - 1)
    values.append(high)
    pieces: list[Schedule] = []
    begin = 0.0
    for end, start_value, end_value in zip(ends, values, values[1:], strict=False):
        length = end - begin
        if anneal_strategy == "cos":
            # Cosine's lr_min + (base - lr_min) * (1 + cos(pi * t / length)) / 2 is torch's
            # cosine anneal from base to lr_min, whichever is larger.
            pieces.append(Rebase(Cosine(t_initial=length, lr_min=end_value), base=start_value))
        else:
            pieces.append(
                Rebase(Linear(t_initial=length, start_factor=start_value, end_factor=end_value), base=1.0)
            )
        begin = end
    return Sequential(pieces, boundaries=ends[:-1])


def _cyclic_sizes(step_size_up: float, step_size_down: float | None) -> tuple[float, float]:
    up = float(_positive("step_size_up", step_size_up))
    down = up if step_size_down is None else float(_positive("step_size_down", step_size_down))
    return up, down


def _cyclic(
    start: float | None,
    peak: float,
    step_size_up: float,
    step_size_down: float | None,
    mode: str,
    gamma: float,
    scale_fn: Callable[[float], float] | None,
    scale_mode: str,
    start_name: str,
) -> Schedule:
    """``start`` to ``peak`` and back, torch ``CyclicLR``'s way; ``start=None``: the group's base."""
    up, down = _cyclic_sizes(step_size_up, step_size_down)
    if scale_fn is None:
        shape = Cyclic(
            max_lr=peak,
            step_size_up=up,
            step_size_down=down,
            mode=v.choice("mode", mode, ("triangular", "triangular2", "exp_range")),
            gamma=_positive("gamma", gamma),
        )
        return shape if start is None else Rebase(shape, base=start)
    if not callable(scale_fn):
        raise TypeError(f"scale_fn must be a function, got {scale_fn!r}")
    v.choice("scale_mode", scale_mode, ("cycle", "iterations"))
    if start is None:
        # lrkit's Cyclic has torch's three modes only; a Python function can scale a group's
        # base, not run from it towards an absolute max_lr.
        raise ValueError(f"a custom scale_fn needs {start_name}: give the cycle's absolute lower bound")
    return Rebase(FromCallable(_CyclicCurve(scale_fn, scale_mode, start, peak, up, down)), base=1.0)


@register("torch:CyclicLR", unit="update", fields=cyclic_fields)
def cyclic_lr(
    *,
    base_lr: float | None = None,
    max_lr: float,
    step_size_up: float = 2000,
    step_size_down: float | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[float], float] | None = None,
    scale_mode: str = "cycle",
    cycle_momentum: bool = True,
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> Schedule:
    """torch's ``CyclicLR`` lr: ``base_lr + (max_lr - base_lr) * s(t) * g``.

    ``s`` rises from 0 to 1 over ``step_size_up`` steps and falls back over ``step_size_down``;
    ``g`` is 1 (``"triangular"``), halves each cycle (``"triangular2"``), is ``gamma ** t``
    (``"exp_range"``) or ``scale_fn`` of the cycle or the step (``scale_mode``). ``base_lr``
    fixes the lower bound for every group, as torch does; without it each group's own lr is
    its lower bound (a custom ``scale_fn`` needs it). The momentum arguments are
    :func:`cyclic_fields`' (a driver built by ``lrkit.create`` writes it); the lr ignores them.
    """
    start = None if base_lr is None else _absolute("base_lr", base_lr, "cyclic_lr")
    peak = _absolute("max_lr", max_lr, "cyclic_lr")
    return _cyclic(start, peak, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode, "base_lr")


def cyclic_momentum(
    *,
    step_size_up: float = 2000,
    step_size_down: float | None = None,
    mode: str = "triangular",
    gamma: float = 1.0,
    scale_fn: Callable[[float], float] | None = None,
    scale_mode: str = "cycle",
    base_momentum: float = 0.8,
    max_momentum: float = 0.9,
) -> Schedule:
    """The momentum (or ``beta1``) ``CyclicLR`` writes with ``cycle_momentum=True``.

    ``max_momentum - (max_momentum - base_momentum) * s(t) * g``: the lr's cycle, mirrored, from
    ``max_momentum`` towards ``base_momentum`` (``rebase(cyclic(max_lr=base_momentum, ...),
    base=max_momentum)``). The values are absolute, as torch overwrites the optimizer's momentum.
    """
    low = _absolute("base_momentum", base_momentum, "cyclic_momentum")
    high = _absolute("max_momentum", max_momentum, "cyclic_momentum")
    return _cyclic(high, low, step_size_up, step_size_down, mode, gamma, scale_fn, scale_mode, "max_momentum")


# -- schedulers of schedulers ---------------------------------------------------------------------


def _schedules(name: str, value: Any) -> list[Schedule]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
        raise TypeError(f"{name} must be a list of lrkit schedules, got {value!r}")
    for i, item in enumerate(value):
        if not isinstance(item, Schedule):
            raise TypeError(f"{name}[{i}] must be an lrkit schedule (a builder's result), got {item!r}")
    if not value:
        raise ValueError(f"{name} must hold at least one schedule, got []")
    return list(value)


@register("torch:SequentialLR", unit="update")
def sequential_lr(*, schedulers: Sequence[Schedule], milestones: Sequence[int]) -> Schedule:
    """torch's ``SequentialLR``: ``schedulers[i]`` from ``milestones[i - 1]``, on its own step count.

    Each piece starts afresh at its milestone (torch steps it from 0 there), so
    ``sequential_lr(schedulers=[linear_lr(...), cosine_annealing_lr(T_max=90)], milestones=[10])``
    is torch's warmup-then-cosine. Milestones are strictly increasing and positive.
    """
    pieces = _schedules("schedulers", schedulers)
    if isinstance(milestones, (str, bytes)) or not isinstance(milestones, Sequence):
        raise TypeError(f"milestones must be a list of steps, got {milestones!r}")
    if len(milestones) != len(pieces) - 1:
        raise ValueError(
            f"milestones must have one entry fewer than schedulers ({len(pieces) - 1}), "
            f"got {len(milestones)}: {list(milestones)!r}"
        )
    checked = [v.integer(f"milestones[{i}]", m, minimum=1) for i, m in enumerate(milestones)]
    if any(b <= a for a, b in pairwise(checked)):
        raise ValueError(f"milestones must be strictly increasing, got {checked!r}")
    return Sequential(pieces, boundaries=checked)


@register("torch:ChainedScheduler", unit="update")
def chained_scheduler(*, schedulers: Sequence[Schedule]) -> Schedule:
    """torch's ``ChainedScheduler`` of chainable schedulers: the product of their factors.

    ``base * schedulers[0](t, 1) * schedulers[1](t, 1) * ...``, which is what torch's chain of
    recursive updates computes for ``StepLR``, ``MultiStepLR``, ``ConstantLR``, ``LinearLR``,
    ``ExponentialLR``, ``PolynomialLR``, ``MultiplicativeLR`` and ``CosineAnnealingLR`` with
    ``eta_min=0`` up to ``T_max``. A scheduler that writes its own value in torch (``LambdaLR``,
    ``CyclicLR``, ``OneCycleLR``, warm restarts) overrides the chain there and is no factor here.
    """
    return Product(_schedules("schedulers", schedulers))


@register("torch:ReduceLROnPlateau", unit="update", plateau=True)
def reduce_lr_on_plateau(
    *,
    mode: str = "min",
    factor: float = 0.1,
    patience: int = 10,
    threshold: float = 1e-4,
    threshold_mode: str = "rel",
    cooldown: int = 0,
    min_lr: Any = 0.0,
    eps: float = 1e-8,
) -> dict[str, Any]:
    """torch's ``ReduceLROnPlateau``, as :class:`lrkit.torch.Plateau`'s arguments (the same)."""
    return dict(
        mode=mode,
        factor=factor,
        patience=patience,
        threshold=threshold,
        threshold_mode=threshold_mode,
        cooldown=cooldown,
        min_lr=min_lr,
        eps=eps,
    )


# Module-level, so that the schedules holding them print something real.
def _example_reciprocal(step: int) -> float:
    return 1.0 / (1.0 + step)


def _example_ninety_percent(step: int) -> float:
    return 0.9


def _example_halving(cycle: float) -> float:
    return 0.5 ** (cycle - 1)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "torch:ChainedScheduler": [{"schedulers": [Step(decay_t=3, decay_rate=0.5), Exponential(gamma=0.9)]}],
        "torch:ConstantLR": [{}, {"factor": 0.5, "total_iters": 3}],
        "torch:CosineAnnealingLR": [{"T_max": 10, "eta_min": 0.01}],
        "torch:CosineAnnealingWarmRestarts": [{"T_0": 3, "T_mult": 2, "eta_min": 0.01}],
        "torch:CyclicLR": [
            {"max_lr": 2.0, "step_size_up": 3},
            {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "mode": "triangular2"},
            {"base_lr": 0.1, "max_lr": 1.0, "step_size_up": 2, "scale_fn": _example_halving},
        ],
        "torch:ExponentialLR": [{"gamma": 0.9}],
        "torch:LambdaLR": [{"lr_lambda": _example_reciprocal}],
        "torch:LinearLR": [{}, {"start_factor": 0.1, "end_factor": 1.0, "total_iters": 8}],
        "torch:MultiplicativeLR": [{"lr_lambda": _example_ninety_percent}],
        "torch:MultiStepLR": [{"milestones": [6, 3], "gamma": 0.5}],
        "torch:OneCycleLR": [
            {"max_lr": 0.1, "total_steps": 30},
            {"epochs": 3, "steps_per_epoch": 10, "three_phase": True, "anneal_strategy": "linear"},
        ],
        "torch:PolynomialLR": [{"total_iters": 8, "power": 2.0}],
        "torch:ReduceLROnPlateau": [{}, {"mode": "max", "factor": 0.5}],
        "torch:SequentialLR": [
            {
                "schedulers": [
                    Linear(t_initial=5, start_factor=0.1, end_factor=1.0),
                    Cosine(t_initial=10),
                ],
                "milestones": [5],
            }
        ],
        "torch:StepLR": [{"step_size": 3, "gamma": 0.5}],
    }
)
