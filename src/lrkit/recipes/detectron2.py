"""detectron2's lr schedules: its ``SOLVER`` config section, ``WarmupParamScheduler`` and ``LRMultiplier``.

detectron2 (``detectron2/solver/build.py``, ``build_lr_scheduler``) turns ``cfg.SOLVER`` into an
fvcore scheduler of ``where`` (:mod:`lrkit.recipes.fvcore`): ``MultiStepParamScheduler``
(``WarmupMultiStepLR``: values ``GAMMA ** k`` at the ``STEPS`` not past ``MAX_ITER``, out of
``num_updates=MAX_ITER``), ``CosineParamScheduler(1, BASE_LR_END / BASE_LR)``
(``WarmupCosineLR``) or ``StepWithFixedGammaParamScheduler(1, NUM_DECAYS, GAMMA, MAX_ITER)``
(``WarmupStepWithFixedGammaLR``), behind a :class:`WarmupParamScheduler` of
``warmup_length = min(WARMUP_ITERS / MAX_ITER, 1)``, and wraps it in ``LRMultiplier``: every
group's lr is its initial lr times the multiplier at ``where = last_epoch / MAX_ITER``. The
trainer steps it after every iteration, and ``LRMultiplier`` (a torch ``LRScheduler``) has
already stepped once when it is built, so iteration ``t`` (from 0) runs at
``base * multiplier(t / MAX_ITER)``: what the schedules here give at update ``t``, ``base`` the
group's lr (detectron2's groups start at ``BASE_LR`` times their factors).

The ``detectron2`` config format reads a ``SOLVER`` section (a config with a ``SOLVER`` key, a
yacs ``CfgNode`` or its YAML, or the section itself), detectron2's defaults
(``detectron2/config/defaults.py``) filling the keys it lacks; strings for non-string keys are
read as yacs reads them (``STEPS: (60000, 80000)`` in YAML), and keys that are not about the
schedule (``MOMENTUM``, ``IMS_PER_BATCH``, ...) are not read. The recipes under the
``LR_SCHEDULER_NAME`` values take the section's keys as keywords, in capitals as the config
writes them. A config with ``_BASE_`` inherits keys from another file, which lrkit does not
follow: merge it with detectron2 first (``cfg.merge_from_file(path)``) and pass ``cfg``.

detectron2's warmup: ``warmup_factor * scheduler(0)`` at ``where = 0``, then for ``"linear"``
fvcore's line up to ``scheduler(warmup_length)`` (``scheduler(0)`` with ``rescale_interval``,
which also starts the scheduler's own time at the warmup's end), for ``"constant"`` that value
throughout the warmup, the warmup's end found with fvcore's ``1e-6`` slack. The legacy
``WarmupMultiStepLR`` and ``WarmupCosineLR`` classes of ``detectron2/solver/lr_scheduler.py``
(deprecated there, with other arguments and arithmetic) are not what these names build.

Where detectron2 fails, lrkit holds (see :mod:`lrkit.recipes.fvcore`): a
``WarmupStepWithFixedGammaLR`` whose warmup is the whole run (``WARMUP_ITERS >= MAX_ITER``,
without ``RESCALE_INTERVAL``) asks fvcore's step list for its value at ``where = 1``, past its
end, and detectron2 cannot build it; here the warmup ends at the last step's value. The
``step()`` detectron2's trainer makes after the last iteration computes ``where = 1`` too,
which fails the same way for that scheduler (and divides by zero for a rescaled warmup of the
whole run), after the last lr was used.
"""

from __future__ import annotations

import ast
import warnings
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.combinators import Multiplier
from lrkit.recipes import fvcore as F  # noqa: N812
from lrkit.recipes.registry import Reading, qualified_only, register, register_examples, register_format
from lrkit.schedule import Clock, Schedule, _set, schedule_class

__all__ = [
    "DEFAULTS",
    "WarmupParamScheduler",
    "lr_multiplier",
    "read_solver",
    "warmup_cosine_lr",
    "warmup_multistep_lr",
    "warmup_param_scheduler",
    "warmup_step_with_fixed_gamma_lr",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("detectron2")

#: detectron2's defaults (``detectron2/config/defaults.py``) for the ``SOLVER`` keys the
#: schedule reads.
DEFAULTS: dict[str, Any] = {
    "LR_SCHEDULER_NAME": "WarmupMultiStepLR",
    "MAX_ITER": 40000,
    "BASE_LR": 0.001,
    "BASE_LR_END": 0.0,
    "GAMMA": 0.1,
    "STEPS": (30000,),
    "NUM_DECAYS": 3,
    "WARMUP_FACTOR": 1.0 / 1000,
    "WARMUP_ITERS": 1000,
    "WARMUP_METHOD": "linear",
    "RESCALE_INTERVAL": False,
}

_METHODS = ("linear", "constant")


# -- detectron2's node --------------------------------------------------------------------------


@schedule_class
class WarmupParamScheduler(F._WhereSchedule):
    """detectron2's ``WarmupParamScheduler``: a warmup over the first ``warmup_length`` of ``where``.

    With ``L = warmup_length``, ``s = scheduler``, ``a = warmup_factor * s(0)`` and
    ``b = s(0)`` if ``rescale_interval`` else ``s(L)``: fvcore's ``CompositeParamScheduler`` of
    ``LinearParamScheduler(a, b)`` (``warmup_method="linear"``) or ``ConstantParamScheduler(a)``
    (``"constant"``) over ``L``, rescaled, then ``s`` over ``1 - L``, rescaled with
    ``rescale_interval``, else on ``where`` itself (``"fixed"``).

    >>> from lrkit.recipes.fvcore import CosineParamScheduler
    >>> cosine = CosineParamScheduler(start_value=1, end_value=0)
    >>> s = WarmupParamScheduler(cosine, warmup_factor=0.1, warmup_length=0.5)
    >>> [round(s(w), 12) for w in (0, 0.25, 0.5, 1)]
    [0.1, 0.3, 0.5, 0.0]
    """

    name: ClassVar[str] = "detectron2:warmup"

    affine: ClassVar[bool] = True  # declared here: is_affine reads no inherited one
    scheduler: Schedule
    warmup_factor: float
    warmup_length: float
    warmup_method: str = "linear"
    rescale_interval: bool = False

    def __post_init__(self) -> None:
        scheduler = F.where_schedule("scheduler", self.scheduler)
        _set(self, "scheduler", scheduler)
        _set(self, "warmup_factor", v.real_or_int("warmup_factor", self.warmup_factor, minimum=0.0))
        length = v.real_or_int("warmup_length", self.warmup_length, minimum=0.0, maximum=1.0)
        _set(self, "warmup_length", length)
        method = v.choice("warmup_method", self.warmup_method, _METHODS)
        rescale = v.flag("rescale_interval", self.rescale_interval)
        start = scheduler(0.0)
        end = start if rescale else scheduler(length)
        first = self.warmup_factor * start
        warmup: Schedule = (
            F.ConstantParamScheduler(value=first)
            if method == "constant"
            else F.LinearParamScheduler(start_value=first, end_value=end)
        )
        composite = F.CompositeParamScheduler(
            (warmup, scheduler),
            lengths=[length, 1 - length],
            interval_scaling=["rescaled", "rescaled" if rescale else "fixed"],
        )
        _set(self, "_composite", composite)

    def children(self) -> tuple[tuple[Schedule, Clock | None], ...]:
        start = float(self.warmup_length)
        if self.rescale_interval:
            return ((self.scheduler, Clock(offset=start, scale=1.0 - start, start=start)),)
        return ((self.scheduler, Clock(start=start)),)

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        if self.warmup_length:
            yield float(self.warmup_length), "warmup end"

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self._composite._value(xp, t, base)  # type: ignore[attr-defined]


F.TARGETS["WarmupParamScheduler"] = WarmupParamScheduler


# -- the recipes ----------------------------------------------------------------------------------


def _multiplier(node: Schedule, max_iter: Any) -> Schedule:
    """``LRMultiplier``: every group's lr times ``node`` at ``where = t / max_iter``."""
    with v.renamed(total_t="max_iter"):
        return Multiplier(F.Progress(node, total_t=max_iter))


@register("detectron2:LRMultiplier", unit="update")
def lr_multiplier(*, multiplier: Any, max_iter: int) -> Schedule:
    """``LRMultiplier(optimizer, multiplier, max_iter)``: each group's lr times an fvcore scheduler.

    ``v(t) = base * multiplier(t / max_iter)``; ``multiplier`` is an fvcore node (or any lrkit
    schedule of ``where``), an lrkit tree or a LazyConfig's ``{"_target_": ...}`` mapping.

    >>> cosine = {"_target_": "CosineParamScheduler", "start_value": 1, "end_value": 0}
    >>> s = lr_multiplier(multiplier=cosine, max_iter=4)
    >>> [round(s(t, base=0.1), 12) for t in range(5)]
    [0.1, 0.085355339059, 0.05, 0.014644660941, 0.0]
    """
    return _multiplier(F.where_schedule("multiplier", multiplier), max_iter)


@register("detectron2:WarmupParamScheduler", unit="update")
def warmup_param_scheduler(
    *,
    scheduler: Any,
    warmup_factor: float,
    warmup_length: float,
    warmup_method: str = "linear",
    rescale_interval: bool = False,
    max_iter: int,
) -> Schedule:
    """``LRMultiplier(optimizer, WarmupParamScheduler(...), max_iter)``, as a LazyConfig's ``lr_multiplier``.

    ``v(t) = base * WarmupParamScheduler(scheduler, ...)(t / max_iter)`` (see :class:`WarmupParamScheduler`).

    >>> from lrkit.recipes.fvcore import MultiStepParamScheduler
    >>> steps = MultiStepParamScheduler(values=[1.0, 0.1], milestones=[6], num_updates=8)
    >>> s = warmup_param_scheduler(scheduler=steps, warmup_factor=0.0, warmup_length=2 / 8, max_iter=8)
    >>> [round(s(t), 12) for t in range(8)]
    [0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1]
    """
    node = WarmupParamScheduler(
        scheduler,
        warmup_factor=warmup_factor,
        warmup_length=warmup_length,
        warmup_method=warmup_method,
        rescale_interval=rescale_interval,
    )
    return _multiplier(node, max_iter)


def _solver(
    scheduler: Schedule,
    max_iter: int,
    warmup_factor: Any,
    warmup_iters: Any,
    warmup_method: Any,
    rescale_interval: Any,
) -> Schedule:
    """``build_lr_scheduler``'s warmup and ``LRMultiplier`` around ``scheduler``."""
    warmup_iters = v.real_or_int("WARMUP_ITERS", warmup_iters, minimum=0.0)
    with v.renamed(
        warmup_factor="WARMUP_FACTOR", warmup_method="WARMUP_METHOD", rescale_interval="RESCALE_INTERVAL"
    ):
        node = WarmupParamScheduler(
            scheduler,
            warmup_factor=warmup_factor,
            warmup_length=min(warmup_iters / max_iter, 1.0),
            warmup_method=warmup_method,
            rescale_interval=rescale_interval,
        )
    return Multiplier(F.Progress(node, total_t=max_iter))


def _max_iter(value: Any) -> int:
    return v.integer("MAX_ITER", value, minimum=1)


@register("detectron2:WarmupMultiStepLR", unit="update")
def warmup_multistep_lr(
    *,
    MAX_ITER: int = DEFAULTS["MAX_ITER"],  # noqa: N803
    STEPS: Sequence[int] = DEFAULTS["STEPS"],  # noqa: N803
    GAMMA: float = DEFAULTS["GAMMA"],  # noqa: N803
    WARMUP_FACTOR: float = DEFAULTS["WARMUP_FACTOR"],  # noqa: N803
    WARMUP_ITERS: int = DEFAULTS["WARMUP_ITERS"],  # noqa: N803
    WARMUP_METHOD: str = DEFAULTS["WARMUP_METHOD"],  # noqa: N803
    RESCALE_INTERVAL: bool = DEFAULTS["RESCALE_INTERVAL"],  # noqa: N803
) -> Schedule:
    """``SOLVER.LR_SCHEDULER_NAME: WarmupMultiStepLR``: warmup, then ``GAMMA ** k`` after the ``k``-th step.

    With ``S`` the ``STEPS`` up to ``MAX_ITER`` (later ones are dropped, with a warning, as
    detectron2 drops them), ``e = int((t / MAX_ITER + 1e-6) * MAX_ITER)`` and
    ``m(t) = GAMMA ** #{s in S : s <= e}``: ``v(t) = base * m(t)`` after the warmup of
    :class:`WarmupParamScheduler` (``warmup_length = min(WARMUP_ITERS / MAX_ITER, 1)``).

    >>> s = warmup_multistep_lr(MAX_ITER=10, STEPS=(6, 8), WARMUP_ITERS=2, WARMUP_FACTOR=0.5)
    >>> [round(s(t), 12) for t in range(10)]
    [0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 0.1, 0.1, 0.01, 0.01]
    """
    max_iter = _max_iter(MAX_ITER)
    if isinstance(STEPS, (str, bytes)) or not isinstance(STEPS, Sequence):
        raise v.wrong_type("STEPS", f"must be a list of iterations, got {STEPS!r}")
    steps = [v.real_or_int(f"STEPS[{i}]", s) for i, s in enumerate(STEPS)]
    kept = [s for s in steps if s <= max_iter]
    if len(kept) != len(steps):
        warnings.warn(
            "SOLVER.STEPS contains values larger than SOLVER.MAX_ITER. These values will be ignored.",
            stacklevel=3,
        )
    gamma = v.real_or_int("GAMMA", GAMMA, minimum=0.0)
    for i, step in enumerate(kept):
        # fvcore's MultiStepParamScheduler refuses these; named here as the config names them.
        if step >= max_iter:
            raise v.invalid("STEPS", f"must be < {{MAX_ITER}} ({max_iter}), got {step!r}", "MAX_ITER")
        if step <= (kept[i - 1] if i else 0):
            raise v.invalid("STEPS", f"must be increasing and > 0, got {list(STEPS)!r}")
    with v.renamed(num_updates="MAX_ITER", milestones="STEPS", values="STEPS"):
        scheduler = F.MultiStepParamScheduler(
            values=[gamma**k for k in range(len(kept) + 1)], milestones=kept, num_updates=max_iter
        )
    return _solver(scheduler, max_iter, WARMUP_FACTOR, WARMUP_ITERS, WARMUP_METHOD, RESCALE_INTERVAL)


@register("detectron2:WarmupCosineLR", unit="update", optimizer_lr="BASE_LR")
def warmup_cosine_lr(
    *,
    MAX_ITER: int = DEFAULTS["MAX_ITER"],  # noqa: N803
    BASE_LR: float = DEFAULTS["BASE_LR"],  # noqa: N803
    BASE_LR_END: float = DEFAULTS["BASE_LR_END"],  # noqa: N803
    WARMUP_FACTOR: float = DEFAULTS["WARMUP_FACTOR"],  # noqa: N803
    WARMUP_ITERS: int = DEFAULTS["WARMUP_ITERS"],  # noqa: N803
    WARMUP_METHOD: str = DEFAULTS["WARMUP_METHOD"],  # noqa: N803
    RESCALE_INTERVAL: bool = DEFAULTS["RESCALE_INTERVAL"],  # noqa: N803
) -> Schedule:
    """``SOLVER.LR_SCHEDULER_NAME: WarmupCosineLR``: warmup, then a half cosine to ``BASE_LR_END / BASE_LR``.

    With ``e = BASE_LR_END / BASE_LR`` (in ``[0, 1]``; ``BASE_LR`` is the optimizer's lr, which
    :func:`lrkit.create` fills in): ``m(t) = e + 0.5 * (1 - e) * (1 + cos(pi * t / MAX_ITER))``
    and ``v(t) = base * m(t)`` after the warmup of :class:`WarmupParamScheduler`.

    >>> s = warmup_cosine_lr(MAX_ITER=10, BASE_LR=0.1, BASE_LR_END=0.01, WARMUP_ITERS=0)
    >>> [round(s(t, base=0.1), 12) for t in (0, 5, 10)]
    [0.1, 0.055, 0.01]
    """
    max_iter = _max_iter(MAX_ITER)
    base_lr = v.real("BASE_LR", BASE_LR, minimum=0.0, strict_minimum=True)
    end = v.real("BASE_LR_END", BASE_LR_END) / base_lr
    if not 0.0 <= end <= 1.0:
        raise v.invalid(
            "BASE_LR_END", f"must be between 0 and {{BASE_LR}} ({base_lr!r}), got {BASE_LR_END!r}", "BASE_LR"
        )
    scheduler = F.CosineParamScheduler(start_value=1, end_value=end)
    return _solver(scheduler, max_iter, WARMUP_FACTOR, WARMUP_ITERS, WARMUP_METHOD, RESCALE_INTERVAL)


@register("detectron2:WarmupStepWithFixedGammaLR", unit="update")
def warmup_step_with_fixed_gamma_lr(
    *,
    MAX_ITER: int = DEFAULTS["MAX_ITER"],  # noqa: N803
    GAMMA: float = DEFAULTS["GAMMA"],  # noqa: N803
    NUM_DECAYS: int = DEFAULTS["NUM_DECAYS"],  # noqa: N803
    WARMUP_FACTOR: float = DEFAULTS["WARMUP_FACTOR"],  # noqa: N803
    WARMUP_ITERS: int = DEFAULTS["WARMUP_ITERS"],  # noqa: N803
    WARMUP_METHOD: str = DEFAULTS["WARMUP_METHOD"],  # noqa: N803
    RESCALE_INTERVAL: bool = DEFAULTS["RESCALE_INTERVAL"],  # noqa: N803
) -> Schedule:
    """``SOLVER.LR_SCHEDULER_NAME: WarmupStepWithFixedGammaLR``: warmup, then ``NUM_DECAYS`` equal steps.

    With ``k = min(int((t / MAX_ITER + 1e-6) * (NUM_DECAYS + 1)), NUM_DECAYS)``:
    ``m(t) = GAMMA ** k`` (multiplied out one ``GAMMA`` at a time) and ``v(t) = base * m(t)``
    after the warmup of :class:`WarmupParamScheduler`.

    >>> s = warmup_step_with_fixed_gamma_lr(MAX_ITER=9, GAMMA=0.5, NUM_DECAYS=2, WARMUP_ITERS=0)
    >>> [s(t) for t in range(9)]
    [1.0, 1.0, 1.0, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25]
    """
    max_iter = _max_iter(MAX_ITER)
    with v.renamed(gamma="GAMMA", num_decays="NUM_DECAYS", num_updates="MAX_ITER"):
        scheduler = F.StepWithFixedGammaParamScheduler(
            base_value=1.0, num_decays=NUM_DECAYS, gamma=GAMMA, num_updates=max_iter
        )
    return _solver(scheduler, max_iter, WARMUP_FACTOR, WARMUP_ITERS, WARMUP_METHOD, RESCALE_INTERVAL)


_BUILDERS = {
    "WarmupMultiStepLR": warmup_multistep_lr,
    "WarmupCosineLR": warmup_cosine_lr,
    "WarmupStepWithFixedGammaLR": warmup_step_with_fixed_gamma_lr,
}


# -- the config format ----------------------------------------------------------------------------


def _capitals(data: Any) -> bool:
    return isinstance(data, Mapping) and all(isinstance(k, str) and k.isupper() for k in data)


def _detect(data: Any) -> bool:
    """A mapping of capitalised keys with a ``SOLVER`` section, or a section with schedule keys."""
    try:
        if not _capitals(data):
            return False
        if "SOLVER" in data:
            return _capitals(data["SOLVER"])
        return bool(DEFAULTS.keys() & data.keys())
    except Exception:  # a detector never raises
        return False


def _setting(where: str, label: str, key: str, value: Any) -> Any:
    """``value`` as yacs reads a config's value: a string for a non-string key is a literal."""
    if isinstance(value, str) and not isinstance(DEFAULTS[key], str):
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            raise ValueError(f"{where}: {label}: cannot read {value!r} as a literal") from None
    if key == "STEPS" and isinstance(value, (int, float)) and not isinstance(value, bool):
        value = (value,)
    return value


@register_format(
    "detectron2",
    description="a detectron2 config's SOLVER section (cfg.SOLVER: LR_SCHEDULER_NAME, MAX_ITER, STEPS, ...)",
    detect=_detect,
)
def read_solver(data: Any, *, where: str = "the config", epoch_length: int | None = None) -> Reading:
    """The schedule detectron2's ``build_lr_scheduler`` makes of a config's ``SOLVER`` section.

    ``v(t) = base * m(t / MAX_ITER)`` with ``m`` the recipe ``LR_SCHEDULER_NAME`` names; the
    reading's ``length`` is ``MAX_ITER`` updates and its ``base`` is ``BASE_LR``.

    >>> reading = read_solver({"SOLVER": {"MAX_ITER": 100, "STEPS": "(60, 80)", "WARMUP_ITERS": 0}})
    >>> reading.length, reading.base, [round(reading.schedule(t, base=0.02), 12) for t in (0, 60, 80)]
    (100, 0.001, [0.02, 0.002, 0.0002])
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"{where}: a detectron2 config is a mapping, got {type(data).__name__}")
    if "_BASE_" in data:
        raise ValueError(
            f"{where}: has _BASE_: {data['_BASE_']!r}, keys inherited from another file, which lrkit "
            "does not follow; merge it with detectron2 (cfg = get_cfg(); cfg.merge_from_file(path)) "
            "and pass cfg"
        )
    nested = "SOLVER" in data
    section = data["SOLVER"] if nested else data
    if not isinstance(section, Mapping):
        raise TypeError(f"{where}: SOLVER must be a mapping, got {section!r}")
    prefix = "SOLVER." if nested else ""
    settings = {
        key: _setting(where, prefix + key, key, section.get(key, default))
        for key, default in DEFAULTS.items()
    }
    name = settings.pop("LR_SCHEDULER_NAME")
    if name not in _BUILDERS:
        raise ValueError(
            f"{where}: {prefix}LR_SCHEDULER_NAME: unknown LR scheduler {name!r}; "
            f"detectron2 builds {', '.join(map(repr, _BUILDERS))}"
        )
    builder = _BUILDERS[name]
    takes = set(builder.__kwdefaults__ or ())
    with v.renamed(**{key: prefix + key for key in DEFAULTS}):
        schedule = builder(**{key: value for key, value in settings.items() if key in takes})
    base = v.real(prefix + "BASE_LR", settings["BASE_LR"])
    return Reading(schedule, unit="update", length=settings["MAX_ITER"], base=base)


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "detectron2:WarmupMultiStepLR": [{"MAX_ITER": 30, "STEPS": (10, 20), "WARMUP_ITERS": 5}],
        "detectron2:WarmupCosineLR": [{"MAX_ITER": 30, "BASE_LR": 0.1, "WARMUP_ITERS": 5}],
        "detectron2:WarmupStepWithFixedGammaLR": [{"MAX_ITER": 30, "NUM_DECAYS": 2, "WARMUP_ITERS": 3}],
        "detectron2:LRMultiplier": [
            {
                "multiplier": {"_target_": "CosineParamScheduler", "start_value": 1, "end_value": 0},
                "max_iter": 20,
            }
        ],
        "detectron2:WarmupParamScheduler": [
            {
                "scheduler": {
                    "_target_": "MultiStepParamScheduler",
                    "values": [1.0, 0.1],
                    "milestones": [6],
                    "num_updates": 8,
                },
                "warmup_factor": 0.001,
                "warmup_length": 0.25,
                "max_iter": 8,
            }
        ],
    }
)
