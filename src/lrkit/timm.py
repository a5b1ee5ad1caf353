"""A drop-in twin of ``timm.scheduler`` (timm 1.0.31): same signatures, defaults and values.

Change ``from timm.scheduler import CosineLRScheduler`` to
``from lrkit.timm import CosineLRScheduler`` and nothing else changes. Each class is a thin
adapter: it builds a core lrkit schedule (warmup, cycles, noise, the shape) and drives the
optimizer with :class:`lrkit.torch.Scheduler`. No formula is written here; where timm has a
quirk (the warmup target of tanh, the ``t + 1`` milestone rule of multistep, the float cycle
index, noise drawn from ``torch.Generator(seed + t)``), :mod:`lrkit.recipes.timm` has a node
for it.

Where timm is weak, the twin is not: bad arguments raise ``ValueError`` naming the argument
(timm asserts), ``create_scheduler_v2`` refuses an unknown name, and
:class:`PlateauLRScheduler` keeps its whole state in ``state_dict()`` (timm deprecates it
because a resumed run loses that state).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar

import torch

from lrkit import checks as v
from lrkit.recipes import timm as recipes
from lrkit.schedule import Schedule
from lrkit.torch import Scheduler as _Driver
from lrkit.torch.plateau import Plateau
from lrkit.torch.scheduler import _time as _time_arg

__all__ = [
    "CosineLRScheduler",
    "MultiStepLRScheduler",
    "PlateauLRScheduler",
    "PolyLRScheduler",
    "Scheduler",
    "StepLRScheduler",
    "TanhLRScheduler",
    "WSDLRScheduler",
    "create_scheduler",
    "create_scheduler_v2",
    "scheduler_kwargs",
]

NoiseRange = list[int] | tuple[int, int] | int | None


class _GetLr(Schedule):
    """Group ``index``'s value from a user subclass's ``_get_lr(t)`` (timm's extension point)."""

    name: ClassVar[str] = "timm_get_lr"

    def __init__(self, owner: Scheduler, index: int) -> None:
        object.__setattr__(self, "owner", owner)
        object.__setattr__(self, "index", index)

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return self.owner._get_lr(t)[self.index]

    def __repr__(self) -> str:
        return f"{type(self.owner).__qualname__}._get_lr[{self.index}]"


class Scheduler(_Driver, metaclass=abc.ABCMeta):
    """timm's scheduler base class: one param-group field, stepped per epoch or per update.

    Subclass it as in timm, overriding ``_get_lr(t)`` to return one value per param group; the
    base class adds noise, applies ``lr_scale`` and writes the values. The built-in subclasses
    instead hand it a core lrkit schedule.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        param_group_field: str,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_type: str = "normal",
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int | None = None,
        initialize: bool = True,
    ) -> None:
        self.optimizer = optimizer
        self.param_group_field = param_group_field
        self._initial_param_group_field = f"initial_{param_group_field}"
        initial = self._initial_param_group_field
        for i, group in enumerate(optimizer.param_groups):
            # KeyError, as timm raises, so code that catches it keeps working.
            if initialize and param_group_field not in group:
                raise KeyError(f"{param_group_field} missing from param_groups[{i}]")
            if not initialize and initial not in group:
                raise KeyError(f"{initial} missing from param_groups[{i}]")
        if initialize:
            for group in optimizer.param_groups:
                group.setdefault(initial, group[param_group_field])
        self.base_values = [group[initial] for group in optimizer.param_groups]
        self.metric = None
        self.t_in_epochs = v.flag("t_in_epochs", t_in_epochs)
        self.noise_range_t = noise_range_t
        self.noise_pct = noise_pct
        self.noise_type = noise_type
        self.noise_std = noise_std
        self.noise_seed = noise_seed if noise_seed is not None else 42
        self._lr_scale_fields = (param_group_field,)
        self._shape: Schedule | None = None
        self._drive([_GetLr(self, i) for i in range(len(optimizer.param_groups))])
        self.update_groups(self.base_values)

    # -- wiring the core --------------------------------------------------------------------

    def _with_noise(self, schedule: Schedule) -> Schedule:
        return recipes.add_noise(
            schedule,
            self.noise_range_t,
            self.noise_pct,
            self.noise_std,
            self.noise_seed,
            self.noise_type,
        )

    def _drive(self, shapes: Schedule | list[Schedule]) -> None:
        per_group = shapes if isinstance(shapes, list) else [shapes] * len(self.optimizer.param_groups)
        unit = "epoch" if self.t_in_epochs else "update"
        self._setup(
            self.optimizer, unit, None, {self.param_group_field: [self._with_noise(s) for s in per_group]}
        )
        # The driver reads bases from initial_<field>; timm's are the values read at construction.
        self._fields[0].bases = [float(b) for b in self.base_values]
        self._fields[0].prepare(self.optimizer.param_groups)

    def _set_shape(self, shape: Schedule) -> None:
        """Drive with ``shape`` (noise added here), as the built-in subclasses do."""
        self._shape = shape
        self._drive(shape)

    # -- timm's API ---------------------------------------------------------------------------

    @abc.abstractmethod
    def _get_lr(self, t: float) -> list[float]:
        """One value per param group at time ``t``, before noise and ``lr_scale``."""

    def _get_values(self, t: float, on_epoch: bool = True) -> list[float] | None:
        if on_epoch != self.t_in_epochs:
            return None
        return self._get_lr(t)

    def get_epoch_values(self, epoch: float) -> list[float] | None:
        """The values at ``epoch`` (no noise, no lr_scale), or None when stepped per update."""
        return self._get_values(epoch, on_epoch=True)

    def get_update_values(self, num_updates: float) -> list[float] | None:
        """The values at ``num_updates`` (no noise, no lr_scale), or None when stepped per epoch."""
        return self._get_values(num_updates, on_epoch=False)

    def step(self, epoch: float, metric: float | None = None) -> None:  # type: ignore[override]
        super().step(epoch, metric)

    def step_update(self, num_updates: float, metric: float | None = None) -> None:
        super().step_update(num_updates, metric)

    def update_groups(self, values: float | list[float]) -> None:
        """Write ``values`` (one, or one per group) into the field, times any ``lr_scale``."""
        groups = self.optimizer.param_groups
        if not isinstance(values, (list, tuple)):
            values = [values] * len(groups)
        written = []
        for group, value in zip(groups, values, strict=False):
            if "lr_scale" in group:
                value = value * group["lr_scale"]
            _write_field(group, self.param_group_field, value)
            written.append(value)
        self._last[self.param_group_field] = written


def _write_field(group: dict[str, Any], field: str, value: Any) -> None:
    current = group.get(field)
    if isinstance(current, torch.Tensor):
        current.fill_(value)
    else:
        group[field] = value


class _Shaped:
    """Built-in schedulers: the values come from the core schedule they drive."""

    #: Arguments that timm's base class takes; the rest build the schedule.
    _BASE_ARGS = ("t_in_epochs", "noise_range_t", "noise_pct", "noise_std", "noise_seed", "initialize")

    def _get_lr(self, t: float) -> list[float]:
        return [self._shape(t, float(base)) for base in self.base_values]

    def _from_recipe(self, recipe: Callable[..., Schedule], args: dict[str, Any]) -> None:
        """Build from a constructor's ``locals()``: the recipe's schedule, timm's base, timm's attributes.

        The schedule is built first, so a bad argument fails before the optimizer is touched.
        """
        del args["self"]
        optimizer = args.pop("optimizer")
        base = {key: args.pop(key) for key in self._BASE_ARGS}
        shape = recipe(**args)
        Scheduler.__init__(self, optimizer, "lr", **base)
        for key, value in args.items():  # timm keeps every argument as an attribute
            setattr(self, key, value)
        # WSD's warmup is always a prefix; step and multistep default to one.
        prefix = args.get("warmup_prefix", True)
        self._start(shape, args.get("warmup_t", 0), args.get("warmup_lr_init", 0.0), prefix)

    def _start(self, shape: Schedule, warmup_t: float, warmup_lr_init: float, warmup_prefix: bool) -> None:
        """Drive ``shape`` (from :mod:`lrkit.recipes.timm`) and set timm's warmup attributes."""
        self.warmup_t = warmup_t
        self.warmup_lr_init = warmup_lr_init
        self.warmup_prefix = warmup_prefix
        self._set_shape(shape)
        if not warmup_t:
            self.warmup_steps = [1 for _ in self.base_values]
            return
        # timm exposes the ramp's slope per group; the ramp ends where the core warmup hands over
        # (the base, or for a tanh without prefix the curve's value at warmup_t).
        ends = [shape(warmup_t, float(b)) for b in self.base_values]
        self.warmup_steps = [(e - warmup_lr_init) / warmup_t for e in ends]
        self.update_groups(warmup_lr_init)


class _CyclicMixin(_Shaped):
    """timm's ``cycle_*`` attributes and ``get_cycle_length``."""

    def get_cycle_length(self, cycles: int = 0) -> int | float:
        """The length of ``cycles`` cycles (``cycle_limit`` by default), plus a warmup prefix."""
        cycles = max(1, cycles or self.cycle_limit)
        return recipes.cycle_length(self.t_initial, self.cycle_mul, cycles, self.warmup_t, self.warmup_prefix)


class CosineLRScheduler(_CyclicMixin, Scheduler):
    """Cosine decay with restarts (SGDR), warmup, noise and k-decay, as timm's."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        k_decay: float = 1.0,
        initialize: bool = True,
    ) -> None:
        self._from_recipe(recipes.cosine, dict(locals()))


class TanhLRScheduler(_CyclicMixin, Scheduler):
    """Hyperbolic-tangent decay with restarts, warmup and noise, as timm's."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        lb: float = -7.0,
        ub: float = 3.0,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._from_recipe(recipes.tanh, dict(locals()))


class PolyLRScheduler(_CyclicMixin, Scheduler):
    """Polynomial decay with restarts, warmup, noise and k-decay, as timm's."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        power: float = 0.5,
        lr_min: float = 0.0,
        cycle_mul: float = 1.0,
        cycle_decay: float = 1.0,
        cycle_limit: int = 1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = False,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        k_decay: float = 1.0,
        initialize: bool = True,
    ) -> None:
        self._from_recipe(recipes.poly, dict(locals()))


class StepLRScheduler(_Shaped, Scheduler):
    """Step decay every ``decay_t`` with warmup (a prefix by default) and noise, as timm's."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        decay_t: float,
        decay_rate: float = 1.0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = True,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._from_recipe(recipes.step, dict(locals()))


class MultiStepLRScheduler(_Shaped, Scheduler):
    """Decay at milestones with warmup and noise, as timm's: milestone ``m`` applies at ``t = m - 1``."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        decay_t: list[int],
        decay_rate: float = 1.0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        warmup_prefix: bool = True,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._from_recipe(recipes.multistep, dict(locals()))

    def get_curr_decay_steps(self, t: float) -> int:
        """How many milestones apply at ``t`` (after any warmup prefix)."""
        return sum(1 for m in self.decay_t if m <= t + 1)


class WSDLRScheduler(_Shaped, Scheduler):
    """Warmup-stable-decay with selectable stable and decay functions, as timm's."""

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        t_initial: int,
        decay_t: int,
        lr_min: float = 0.0,
        stable_fn: str = "constant",
        stable_timescale: float | None = None,
        stable_power: float = 0.5,
        decay_fn: str | Callable[[float], float] = "1-sqrt",
        decay_power: float = 0.5,
        decay_ratio: float = 0.1,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        t_in_epochs: bool = True,
        noise_range_t: NoiseRange = None,
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int = 42,
        initialize: bool = True,
    ) -> None:
        self._from_recipe(recipes.wsd_, dict(locals()))
        if stable_fn != "constant" and stable_timescale is None:
            self.stable_timescale = warmup_t  # the default timm derives

    def get_cycle_length(self, cycles: int = 0) -> int | float:
        return self.warmup_t + self.t_initial


class _TimmPlateau(Plateau):
    """lrkit's Plateau with timm's conventions.

    timm's plateau keeps its levels in the param groups (lr_scale applied), warms up through
    ``epoch <= warmup_t``, and restores the lr from before its last noise only at the next
    step past warmup: a warmup step taken while noise is pending leaves that level in place.
    """

    _levels_scaled = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.noise_pending = False
        super().__init__(*args, **kwargs)

    def state_dict(self) -> dict[str, Any]:
        state = super().state_dict()
        state["noise_pending"] = self.noise_pending
        state["last_lr"] = list(self._last_lr)
        return state

    def _restore_written(self, state: Mapping[str, Any]) -> None:
        self.noise_pending = bool(state["noise_pending"])
        self._write([float(x) for x in state["last_lr"]], self.epoch, noisy=False)


class PlateauLRScheduler(Scheduler):
    """Decay the lr when a metric plateaus (torch's rules), with warmup and noise, as timm's.

    Unlike timm's, it is not deprecated: ``state_dict()`` holds the best metric, the bad-epoch
    and cooldown counters and the lr before noise, so a resumed run continues exactly.
    """

    def __init__(
        self,
        optimizer: torch.optim.Optimizer,
        decay_rate: float = 0.1,
        patience_t: int = 10,
        threshold: float = 1e-4,
        cooldown_t: int = 0,
        warmup_t: int = 0,
        warmup_lr_init: float = 0.0,
        lr_min: float = 0.0,
        mode: str = "max",
        noise_range_t: NoiseRange = None,
        noise_type: str = "normal",
        noise_pct: float = 0.67,
        noise_std: float = 1.0,
        noise_seed: int | None = None,
        initialize: bool = True,
    ) -> None:
        super().__init__(
            optimizer,
            "lr",
            noise_range_t=noise_range_t,
            noise_type=noise_type,
            noise_pct=noise_pct,
            noise_std=noise_std,
            noise_seed=noise_seed,
            initialize=initialize,
        )
        noise_span = self.noise_range_t
        if isinstance(noise_span, Sequence) and not isinstance(noise_span, (str, bytes)):
            noise_span = tuple(noise_span)
        with v.renamed(factor="decay_rate", patience="patience_t", cooldown="cooldown_t", min_lr="lr_min"):
            self.lr_scheduler = _TimmPlateau(
                optimizer,
                mode=mode,
                factor=decay_rate,
                patience=patience_t,
                threshold=threshold,
                cooldown=cooldown_t,
                min_lr=lr_min,
                warmup_t=warmup_t,
                warmup_lr_init=warmup_lr_init,
                noise_range_t=noise_span,
                noise_pct=noise_pct,
                noise_std=noise_std,
                noise_seed=self.noise_seed,
                noise_type=noise_type,
                noise_generator="torch",
                nonfinite="count",  # torch counts a NaN metric as a bad epoch; timm inherits that
                distributed=False,  # timm's train.py reduces its metrics across ranks itself
            )
        self.warmup_t = warmup_t
        self.warmup_lr_init = warmup_lr_init
        self.warmup_steps = (
            [(float(b) - warmup_lr_init) / warmup_t for b in self.base_values]
            if warmup_t
            else [1 for _ in self.base_values]
        )
        # timm's construction writes the base lrs, or warmup_lr_init under a warmup.
        self._write_levels([float(b) for b in self.base_values])
        if warmup_t:
            self._write_levels([warmup_lr_init] * len(self.base_values))

    def _write_levels(self, values: list[float], keep_pending: bool = False) -> None:
        plateau = self.lr_scheduler
        self.update_groups(values)
        plateau._last_lr = list(self._last["lr"])
        if not (keep_pending and plateau.noise_pending):
            plateau.levels = list(self._last["lr"])

    def step(self, epoch: float, metric: float | None = None) -> None:  # type: ignore[override]
        plateau = self.lr_scheduler
        epoch = _time_arg("epoch", epoch)
        if epoch <= self.warmup_t:
            if self.warmup_t:
                values = [plateau.warmup(epoch, float(b)) for b in self.base_values]
            else:
                # timm's ramp with no warmup is warmup_lr_init + epoch * 1, at its only epoch 0
                values = [self.warmup_lr_init] * len(self.base_values)
            self._write_levels(values, keep_pending=True)
        else:
            plateau.noise_pending = False
            if metric is not None:
                plateau.observe(metric)
            in_noise = plateau.noise is not None and bool(plateau.noise._in_range(epoch))
            plateau._write(list(plateau.levels), epoch, noisy=in_noise)
            plateau.noise_pending = in_noise
            self._last["lr"] = plateau.get_last_lr()
        plateau.epoch = epoch

    def step_update(self, num_updates: float, metric: float | None = None) -> None:
        return None

    def _get_lr(self, t: float) -> list[float]:
        raise TypeError(
            "a plateau schedule depends on the metrics seen, not on t alone; it has no _get_lr(t)"
        )

    def get_epoch_values(self, epoch: float) -> list[float] | None:
        return None

    def get_update_values(self, num_updates: float) -> list[float] | None:
        return None

    def state_dict(self) -> dict[str, Any]:
        return {"plateau": self.lr_scheduler.state_dict()}

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        if not isinstance(state_dict, Mapping) or "plateau" not in state_dict:
            raise ValueError("not an lrkit.timm.PlateauLRScheduler state_dict (no 'plateau' entry)")
        self.lr_scheduler.load_state_dict(state_dict["plateau"])
        self._last["lr"] = self.lr_scheduler.get_last_lr()


# -- the factory ------------------------------------------------------------------------------


def scheduler_kwargs(cfg: Any, decreasing_metric: bool | None = None) -> dict[str, Any]:
    """Keyword arguments for :func:`create_scheduler_v2` from argparse args or a config object."""
    return recipes.scheduler_kwargs(cfg, decreasing_metric)


def create_scheduler(
    args: Any, optimizer: torch.optim.Optimizer, updates_per_epoch: int = 0
) -> tuple[Any, int]:
    """Build the scheduler timm's ``train.py`` builds from its flags: ``(scheduler, num_epochs)``."""
    return create_scheduler_v2(
        optimizer=optimizer, **scheduler_kwargs(args), updates_per_epoch=updates_per_epoch
    )


def create_scheduler_v2(
    optimizer: torch.optim.Optimizer,
    sched: str = "cosine",
    num_epochs: int = 300,
    decay_epochs: float | None = None,
    decay_milestones: list[int] = (90, 180, 270),
    cooldown_epochs: int = 0,
    patience_epochs: int = 10,
    decay_rate: float = 0.1,
    min_lr: float = 0.0,
    warmup_lr: float = 1e-5,
    warmup_epochs: int = 0,
    warmup_prefix: bool = False,
    noise: float | list[float] | None = None,
    noise_pct: float = 0.67,
    noise_std: float = 1.0,
    noise_seed: int = 42,
    cycle_mul: float = 1.0,
    cycle_decay: float = 0.1,
    cycle_limit: int = 1,
    k_decay: float = 1.0,
    decay_fn: str | None = None,
    stable_timescale: float | None = None,
    plateau_mode: str = "max",
    step_on_epochs: bool = True,
    updates_per_epoch: int = 0,
) -> tuple[Any, int]:
    """A scheduler by name, as timm's factory builds it, and the number of epochs to train.

    ``sched`` is one of 'cosine', 'tanh', 'step', 'constant', 'multistep', 'plateau', 'poly',
    'wsd', 'rsqrt' or 'none' (no scheduler: ``None``); any other name raises ``ValueError``.
    Lengths are in epochs and become updates when ``step_on_epochs`` is False. The epoch count
    returned includes cycles, a warmup prefix and cooldown, as timm's does.
    """
    # The signature above is timm's, spelled out for drop-in use; the plan takes the same names.
    arguments = dict(locals())
    del arguments["optimizer"]
    planned = recipes.plan(**arguments)
    if planned.name == "none":
        return None, planned.num_epochs
    if planned.name == "plateau":
        return PlateauLRScheduler(optimizer, **planned.kwargs), planned.num_epochs
    cls = _CLASSES[planned.name]
    return cls(optimizer, **planned.kwargs, t_in_epochs=planned.step_on_epochs), planned.num_epochs


_CLASSES: dict[str, type[Scheduler]] = {
    "cosine": CosineLRScheduler,
    "tanh": TanhLRScheduler,
    "poly": PolyLRScheduler,
    "step": StepLRScheduler,
    "multistep": MultiStepLRScheduler,
    "wsd": WSDLRScheduler,
}
