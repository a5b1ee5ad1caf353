"""Megatron-core's ``OptimizerParamScheduler`` as core schedules, and Megatron-LM's arguments.

``megatron:OptimizerParamScheduler`` takes the class's keyword arguments (the optimizer aside)
and returns the lr schedule in optimizer updates; its weight decay is a field beside it
(:func:`weight_decay_fields`), which a driver built by ``lrkit.create`` writes too. One recipe,
not one per decay style: Megatron has one class whose ``lr_decay_style`` argument picks the
curve, and its configs name the style as an argument, so the recipe keeps that argument.

The class writes a first lr and weight decay when it is built (``step(0)``) and the training
loop calls ``step(increment)`` after every optimizer step, so update ``t`` runs at the values
the class computes for ``num_steps = t * increment``. ``increment`` (the argument of ``step``)
is 1 for a loop that counts updates; Megatron-LM counts samples and passes the global batch
size, with every step count (``lr_warmup_steps``, ``lr_decay_steps``, ...) in samples too.

Values are absolute: ``max_lr``, ``min_lr``, ``init_lr``, ``start_wd``, ``end_wd`` are what
Megatron writes whatever the group's own lr. Megatron reads a group's own ``max_lr``,
``min_lr``, ``start_wd`` and ``end_wd`` keys over the class's, and multiplies its weight decay
by the group's ``wd_mult`` (0 for the groups Megatron exempts from weight decay): that is one
schedule per group, which :func:`group_schedules` builds from the param groups.

Departures: the weight-decay arguments (``start_wd``, ``end_wd``, ``wd_incr_steps``,
``wd_incr_style``) may be left out together, and the weight decay is then not scheduled (the
class requires them); an unknown style, or ``WSD`` without ``wsd_decay_steps`` and
``lr_wsd_decay_style``, is refused when the schedule is built (the class fails at the first
step that needs it).

The config format ``megatron`` (:func:`read_config`) reads Megatron-LM's training arguments
(``lr``, ``min_lr``, ``lr_decay_style``, ``lr_warmup_iters`` or ``lr_warmup_fraction``,
``train_iters``, ...) as ``get_optimizer_param_scheduler`` turns them into the class's.

>>> s = optimizer_param_scheduler(init_lr=0.0, max_lr=1.0, min_lr=0.1, lr_warmup_steps=2,
...                               lr_decay_steps=6, lr_decay_style="linear")
>>> [round(s(t), 6) for t in range(8)]
[0.0, 0.5, 1.0, 0.775, 0.55, 0.325, 0.1, 0.1]
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, ClassVar

from lrkit import checks as v
from lrkit.recipes.registry import Reading, qualified_only, register, register_examples, register_format
from lrkit.schedule import Schedule, _set, schedule_class

__all__ = [
    "MegatronLR",
    "MegatronWeightDecay",
    "detect_config",
    "group_schedules",
    "optimizer_param_scheduler",
    "read_config",
    "weight_decay_fields",
]

# Reached by SOURCE:NAME only, so that no bare name that worked before changes meaning (registry).
qualified_only("megatron")

DECAY_STYLES = ("constant", "linear", "cosine", "inverse-square-root", "WSD")
WSD_DECAY_STYLES = ("linear", "cosine", "exponential", "minus_sqrt")
WD_INCR_STYLES = ("constant", "linear", "cosine")


def _nonnegative(name: str, value: Any) -> int | float:
    return v.real_or_int(name, value, minimum=0.0)


def _increment(value: Any) -> int | float:
    return v.real_or_int("increment", value, minimum=0.0, strict_minimum=True)


def _settled(node: Schedule, steps: float, increment: float, final: float) -> float:
    """The first update from which ``node``, whose value is ``final`` once ``num_steps > steps``,
    no longer changes: ``steps / increment`` where its value is ``final`` already, else the
    first time whose ``num_steps`` passes ``steps``."""
    t = steps / increment
    if node(t) != final:
        while t * increment <= steps:
            t = math.nextafter(t, math.inf)
    return int(t) if float(t).is_integer() else t


# -- Megatron's nodes ----------------------------------------------------------------------------


@schedule_class
class MegatronLR(Schedule):
    """Megatron-core ``OptimizerParamScheduler.get_lr`` at ``num_steps = t * increment``.

    With ``n = t * increment``, ``W = lr_warmup_steps``, ``D = lr_decay_steps``:
    ``v = init_lr + (max_lr - init_lr) * n / W`` while ``W > 0`` and ``n <= W``; else ``max_lr``
    (constant); else ``min_lr`` for ``n > D``; else ``max(min_lr, max_lr * sqrt(max(W, 1)) /
    sqrt(max(n, 1)))`` (inverse-square-root), or ``min_lr + c * (max_lr - min_lr)`` with
    ``r = (n - W) / (D - W)`` and ``c = 1 - r`` (linear), ``0.5 * (cos(pi * r) + 1)`` (cosine),
    or for WSD ``c = 1`` up to ``A = D - wsd_decay_steps``, then with ``q = (n - A) /
    wsd_decay_steps`` ``1 - q``, ``0.5 * (cos(pi * q) + 1)``, ``2 * 0.5 ** q - 1`` or
    ``1 - sqrt(q)`` (``lr_wsd_decay_style``). Absolute, whatever the base.

    >>> s = MegatronLR(init_lr=0.0, max_lr=1.0, min_lr=0.0, lr_warmup_steps=0, lr_decay_steps=8,
    ...                lr_decay_style="WSD", wsd_decay_steps=4, lr_wsd_decay_style="linear")
    >>> [s(t) for t in (0, 4, 6, 8, 9)]
    [1.0, 1.0, 0.5, 0.0, 0.0]
    """

    name: ClassVar[str] = "megatron:lr"
    affine: ClassVar[bool] = True
    init_lr: float
    max_lr: float
    min_lr: float
    lr_warmup_steps: float
    lr_decay_steps: float
    lr_decay_style: str
    wsd_decay_steps: float | None = None
    lr_wsd_decay_style: str | None = None
    increment: float = 1

    def __post_init__(self) -> None:
        for field in ("init_lr", "max_lr", "min_lr", "lr_warmup_steps"):
            _set(self, field, _nonnegative(field, getattr(self, field)))
        if self.max_lr < self.min_lr:
            raise v.invalid(
                "max_lr", f"must be >= {{min_lr}}, got {self.max_lr!r} < {self.min_lr!r}", "min_lr"
            )
        if self.init_lr > self.max_lr:
            raise v.invalid(
                "init_lr", f"must be <= {{max_lr}}, got {self.init_lr!r} > {self.max_lr!r}", "max_lr"
            )
        decay = v.real_or_int("lr_decay_steps", self.lr_decay_steps, minimum=0.0, strict_minimum=True)
        _set(self, "lr_decay_steps", decay)
        if not self.lr_warmup_steps < decay:
            raise v.invalid(
                "lr_warmup_steps",
                f"must be < {{lr_decay_steps}}, got {self.lr_warmup_steps!r} >= {decay!r}",
                "lr_decay_steps",
            )
        _set(self, "lr_decay_style", v.choice("lr_decay_style", self.lr_decay_style, DECAY_STYLES))
        if self.lr_decay_style == "WSD":
            if self.wsd_decay_steps is None:
                raise v.invalid("wsd_decay_steps", "is required for lr_decay_style='WSD', got None")
            if self.lr_wsd_decay_style is None:
                raise v.invalid("lr_wsd_decay_style", "is required for lr_decay_style='WSD', got None")
        if self.wsd_decay_steps is not None:
            _set(self, "wsd_decay_steps", _nonnegative("wsd_decay_steps", self.wsd_decay_steps))
        if self.lr_wsd_decay_style is not None:
            style = v.choice("lr_wsd_decay_style", self.lr_wsd_decay_style, WSD_DECAY_STYLES)
            _set(self, "lr_wsd_decay_style", style)
        _set(self, "increment", _increment(self.increment))

    def marks(self, until: float) -> Iterator[tuple[float, str]]:
        if self.lr_warmup_steps:
            yield self.lr_warmup_steps / self.increment, "warmup end"
        if self.lr_decay_style == "WSD" and self.wsd_decay_steps:
            yield (self.lr_decay_steps - self.wsd_decay_steps) / self.increment, "anneal from here"
        if self.lr_decay_style != "constant":
            yield self.lr_decay_steps / self.increment, "decay end"

    @property
    def length(self) -> float | None:
        if self.lr_decay_style == "constant":
            return _settled(self, self.lr_warmup_steps, self.increment, float(self.max_lr))
        return _settled(self, self.lr_decay_steps, self.increment, float(self.min_lr))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        n = t * self.increment
        high, low, init = float(self.max_lr), float(self.min_lr), float(self.init_lr)
        w, d = self.lr_warmup_steps, self.lr_decay_steps
        style = self.lr_decay_style
        if style == "constant":
            value = high + 0.0 * n
        else:
            value = xp.where(n > d, low + 0.0 * n, self._decay(xp, n, high, low))
        if w > 0:
            value = xp.where(n <= w, init + (high - init) * n / w, value)
        return value

    def _decay(self, xp: Any, n: Any, high: float, low: float) -> Any:
        """The decay phase's lr (``W < n <= D``), every branch kept in its domain elsewhere."""
        w, d = self.lr_warmup_steps, self.lr_decay_steps
        if self.lr_decay_style == "inverse-square-root":
            return xp.maximum(low, high * max(w, 1) ** 0.5 / xp.maximum(n, 1.0) ** 0.5)
        ratio = (n - w) / (d - w)
        if self.lr_decay_style == "linear":
            coeff = 1.0 - ratio
        elif self.lr_decay_style == "cosine":
            coeff = 0.5 * (xp.cos(math.pi * ratio) + 1.0)
        else:
            size = self.wsd_decay_steps
            start = d - size
            q = xp.maximum((n - start) / (size or 1.0), 0.0)
            kind = self.lr_wsd_decay_style
            if kind == "linear":
                anneal = 1.0 - q
            elif kind == "cosine":
                anneal = 0.5 * (xp.cos(math.pi * q) + 1.0)
            elif kind == "exponential":
                anneal = 2.0 * 0.5**q - 1.0
            else:
                anneal = 1.0 - xp.sqrt(q)
            coeff = xp.where(n <= start, 1.0 + 0.0 * q, anneal)
        return low + coeff * (high - low)


@schedule_class
class MegatronWeightDecay(Schedule):
    """Megatron-core ``OptimizerParamScheduler.get_wd`` at ``num_steps = t * increment``.

    With ``n = t * increment`` and ``r = n / wd_incr_steps``: ``v = end_wd`` for ``n >
    wd_incr_steps`` or the constant style, else ``start_wd + c * (end_wd - start_wd)`` with
    ``c = r`` (linear) or ``0.5 * (cos(pi * (1 - r)) + 1)`` (cosine). Absolute.

    >>> s = MegatronWeightDecay(start_wd=0.0, end_wd=0.1, wd_incr_steps=4, wd_incr_style="linear")
    >>> [s(t) for t in (0, 2, 4, 9)]
    [0.0, 0.05, 0.1, 0.1]
    """

    name: ClassVar[str] = "megatron:weight_decay"
    affine: ClassVar[bool] = True
    start_wd: float
    end_wd: float
    wd_incr_steps: float
    wd_incr_style: str
    increment: float = 1

    def __post_init__(self) -> None:
        for field in ("start_wd", "end_wd", "wd_incr_steps"):
            _set(self, field, _nonnegative(field, getattr(self, field)))
        if self.end_wd < self.start_wd:
            raise v.invalid(
                "end_wd", f"must be >= {{start_wd}}, got {self.end_wd!r} < {self.start_wd!r}", "start_wd"
            )
        _set(self, "wd_incr_style", v.choice("wd_incr_style", self.wd_incr_style, WD_INCR_STYLES))
        if self.wd_incr_style == "constant" and self.start_wd != self.end_wd:
            raise v.invalid(
                "start_wd",
                f"must equal {{end_wd}} for wd_incr_style='constant', "
                f"got {self.start_wd!r} and {self.end_wd!r}",
                "end_wd",
            )
        if self.wd_incr_style != "constant" and not self.wd_incr_steps:
            raise v.invalid("wd_incr_steps", f"must be > 0 for wd_incr_style={self.wd_incr_style!r}, got 0")
        _set(self, "increment", _increment(self.increment))

    @property
    def length(self) -> float | None:
        if self.wd_incr_style == "constant":
            return 0
        return _settled(self, self.wd_incr_steps, self.increment, float(self.end_wd))

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        n = t * self.increment
        start, end = float(self.start_wd), float(self.end_wd)
        if self.wd_incr_style == "constant":
            return end + 0.0 * n
        steps = self.wd_incr_steps
        ratio = xp.minimum(n / steps, 1.0)
        if self.wd_incr_style == "linear":
            coeff = ratio
        else:
            coeff = 0.5 * (xp.cos(math.pi * (1 - ratio)) + 1.0)
        return xp.where(n > steps, end + 0.0 * n, start + coeff * (end - start))


# -- the recipe ----------------------------------------------------------------------------------

_WD_ARGUMENTS = ("start_wd", "end_wd", "wd_incr_steps", "wd_incr_style")


def _weight_decay(arguments: Mapping[str, Any]) -> MegatronWeightDecay | None:
    given = {k: arguments.get(k) for k in _WD_ARGUMENTS}
    if all(value is None for value in given.values()):
        return None
    missing = [k for k, value in given.items() if value is None]
    if missing:
        raise v.invalid(
            missing[0],
            "is needed with the other weight-decay arguments (start_wd, end_wd, wd_incr_steps, "
            "wd_incr_style: all four, or none to leave the weight decay alone), got None",
        )
    return MegatronWeightDecay(**given, increment=arguments.get("increment", 1))


def weight_decay_fields(**arguments: Any) -> dict[str, Schedule]:
    """The fields the class writes beside the lr: ``weight_decay`` (:class:`MegatronWeightDecay`),
    when the weight-decay arguments are given.

    >>> fields = weight_decay_fields(start_wd=0.01, end_wd=0.1, wd_incr_steps=100, wd_incr_style="cosine")
    >>> fields["weight_decay"]
    MegatronWeightDecay(start_wd=0.01, end_wd=0.1, wd_incr_steps=100, wd_incr_style='cosine')
    """
    schedule = _weight_decay(arguments)
    return {} if schedule is None else {"weight_decay": schedule}


@register("megatron:OptimizerParamScheduler", unit="update", fields=weight_decay_fields)
def optimizer_param_scheduler(
    *,
    init_lr: float,
    max_lr: float,
    min_lr: float,
    lr_warmup_steps: float,
    lr_decay_steps: float,
    lr_decay_style: str,
    start_wd: float | None = None,
    end_wd: float | None = None,
    wd_incr_steps: float | None = None,
    wd_incr_style: str | None = None,
    use_checkpoint_opt_param_scheduler: bool = True,
    override_opt_param_scheduler: bool = False,
    wsd_decay_steps: float | None = None,
    lr_wsd_decay_style: str | None = None,
    increment: float = 1,
) -> Schedule:
    """``OptimizerParamScheduler``'s lr, by update: :class:`MegatronLR` at ``t * increment``.

    ``increment`` is what the loop passes to ``step()`` after each update (Megatron-LM: the
    global batch size, its step counts being samples). The weight-decay arguments make the
    ``weight_decay`` field (:func:`weight_decay_fields`). The two checkpoint flags say whether a
    resumed run takes these values from the checkpoint; an lrkit driver resumes from its own
    ``state_dict``, so they are checked (not both set, as Megatron asserts) and not used.
    """
    for flag in ("use_checkpoint_opt_param_scheduler", "override_opt_param_scheduler"):
        v.flag(flag, locals()[flag])
    if override_opt_param_scheduler and use_checkpoint_opt_param_scheduler:
        raise v.invalid(
            "override_opt_param_scheduler",
            "and {use_checkpoint_opt_param_scheduler} cannot both be True (Megatron asserts it)",
            "use_checkpoint_opt_param_scheduler",
        )
    _weight_decay(locals())  # checked here too: lrkit.build() never builds the field
    return MegatronLR(
        init_lr=init_lr,
        max_lr=max_lr,
        min_lr=min_lr,
        lr_warmup_steps=lr_warmup_steps,
        lr_decay_steps=lr_decay_steps,
        lr_decay_style=lr_decay_style,
        wsd_decay_steps=wsd_decay_steps,
        lr_wsd_decay_style=lr_wsd_decay_style,
        increment=increment,
    )


def group_schedules(param_groups: Sequence[Mapping[str, Any]], **arguments: Any) -> dict[str, list[Schedule]]:
    """One lr (and weight-decay) schedule per param group, as Megatron reads each group's keys.

    A group's ``max_lr``, ``min_lr``, ``start_wd`` and ``end_wd`` replace the arguments, and
    its ``wd_mult`` (1.0) multiplies the weight decay, as in ``OptimizerParamScheduler.step``.
    ``arguments`` are the recipe's. Drive them with
    ``Scheduler(optimizer, unit="update", **group_schedules(optimizer.param_groups, ...))``.

    >>> groups = [{"max_lr": 0.1}, {"max_lr": 0.01, "wd_mult": 0.0}]
    >>> s = group_schedules(groups, init_lr=0.0, max_lr=1.0, min_lr=0.0, lr_warmup_steps=0,
    ...                     lr_decay_steps=10, lr_decay_style="constant", start_wd=0.1, end_wd=0.1,
    ...                     wd_incr_steps=10, wd_incr_style="constant")
    >>> [lr(3) for lr in s["lr"]], [wd(3) for wd in s["weight_decay"]]
    ([0.1, 0.01], [0.1, 0.0])
    """
    out: dict[str, list[Schedule]] = {"lr": []}
    for i, group in enumerate(param_groups):
        if not isinstance(group, Mapping):
            raise TypeError(f"param_groups[{i}] must be a mapping (a param group), got {group!r}")
        own = dict(arguments)
        # A group's weight-decay keys count only where the weight decay is scheduled at all.
        scheduled = any(arguments.get(key) is not None for key in _WD_ARGUMENTS)
        for key in ("max_lr", "min_lr", *(("start_wd", "end_wd") if scheduled else ())):
            if key in group:
                own[key] = group[key]
        with v.renamed(max_lr=f"param_groups[{i}]['max_lr']", min_lr=f"param_groups[{i}]['min_lr']"):
            out["lr"].append(optimizer_param_scheduler(**own))
        decay = _weight_decay(own)
        if decay is not None:
            factor = v.real("wd_mult", group.get("wd_mult", 1.0))
            out.setdefault("weight_decay", []).append(decay if factor == 1.0 else factor * decay)
    return out


# -- the config format ---------------------------------------------------------------------------

# Arguments that only Megatron-LM's scheduler settings use: one of them marks a config.
_MARKERS = frozenset(
    {
        "lr_decay_style",
        "lr_decay_iters",
        "lr_decay_samples",
        "lr_warmup_iters",
        "lr_warmup_samples",
        "lr_warmup_fraction",
        "lr_warmup_init",
        "lr_wsd_decay_style",
        "lr_wsd_decay_iters",
        "lr_wsd_decay_samples",
        "weight_decay_incr_style",
        "start_weight_decay",
        "end_weight_decay",
    }
)
_LENGTHS = frozenset({"train_iters", "train_samples"})
# Keys of lrkit's own blocks and of the other formats: a block holding one is not Megatron's.
_FOREIGN = frozenset({"type", "sched", "format", "scheduler", "params"})


def _key(name: Any) -> Any:
    # Megatron-LM's command-line spelling (--lr-decay-style) is the same argument.
    return name.lstrip("-").replace("-", "_") if isinstance(name, str) else name


def detect_config(data: Any) -> bool:
    """Whether ``data`` holds Megatron-LM scheduler arguments: a length (``train_iters`` or
    ``train_samples``) and one of the lr schedule's own keys (``lr_decay_style``,
    ``lr_warmup_iters``, ``lr_warmup_fraction``, ...), and no key of lrkit's or another
    format's blocks.

    >>> detect_config({"lr": 3e-4, "train_iters": 1000, "lr_decay_style": "cosine"})
    True
    >>> detect_config({"type": "cosine", "t_initial": 10}), detect_config({"lr": 0.1, "epochs": 9})
    (False, False)
    """
    try:
        if not isinstance(data, Mapping):
            return False
        keys = {_key(k) for k in data}
        return bool(keys & _MARKERS) and bool(keys & _LENGTHS) and not keys & _FOREIGN
    except Exception:  # detect never raises, whatever it is handed
        return False


_DEFAULTS: dict[str, Any] = {
    "lr": None,
    "min_lr": 0.0,
    "lr_decay_style": "linear",
    "lr_wsd_decay_style": "exponential",
    "lr_decay_iters": None,
    "lr_decay_samples": None,
    "lr_wsd_decay_iters": None,
    "lr_wsd_decay_samples": None,
    "lr_warmup_fraction": None,
    "lr_warmup_iters": 0,
    "lr_warmup_samples": 0,
    "lr_warmup_init": 0.0,
    "train_iters": None,
    "train_samples": None,
    "global_batch_size": None,
    "micro_batch_size": None,
    "data_parallel_size": None,
    "rampup_batch_size": None,
    "step_batch_size_schedule": None,
    "weight_decay": 0.01,
    "start_weight_decay": None,
    "end_weight_decay": None,
    "weight_decay_incr_style": "constant",
    "use_checkpoint_opt_param_scheduler": False,
    "override_opt_param_scheduler": False,
}


@register_format(
    "megatron",
    description="Megatron-LM training arguments (lr, lr_decay_style, train_iters, ...)",
    detect=detect_config,
)
def read_config(data: Any, *, where: str = "the config", epoch_length: int | None = None) -> Reading:
    """The schedule Megatron-LM's ``get_optimizer_param_scheduler`` builds from its arguments.

    Keys are Megatron-LM's argument names (with underscores, or dashes as on its command line),
    with its defaults; other keys (a whole arguments file's) are ignored. Iteration-based
    training (``train_iters``) counts ``lr_decay_iters`` (default ``train_iters``),
    ``lr_warmup_iters`` or ``lr_warmup_fraction * lr_decay_iters`` and ``lr_wsd_decay_iters``
    in iterations, which Megatron-LM multiplies by ``global_batch_size``; sample-based training
    (``train_samples``) counts samples, and needs ``global_batch_size``. The weight decay is
    ``weight_decay`` throughout for the constant style, else from ``start_weight_decay`` to
    ``end_weight_decay`` over the run: the ``weight_decay`` field.

    ``global_batch_size`` (or ``micro_batch_size`` times ``data_parallel_size``) is Megatron-LM's
    increment per iteration. Where the config gives neither, 1 is used: the same lrs, but for the
    last digit with a ``lr_warmup_fraction`` or the inverse-square-root style, except for that
    style without warmup, whose decay depends on it and is refused. A batch-size ramp-up
    (``rampup_batch_size``, ``step_batch_size_schedule``) steps by varying increments, which a
    function of the update count does not describe: refused. ``epoch_length`` is not used.

    >>> r = read_config({"lr": 1e-3, "min_lr": 1e-5, "lr_decay_style": "cosine", "train_iters": 1000,
    ...                  "lr_warmup_fraction": 0.01, "global_batch_size": 256})
    >>> r.length, r.base, round(r.schedule(10), 9), round(r.schedule(1000), 9)
    (1000, 0.001, 0.001, 1e-05)
    """
    if not isinstance(data, Mapping):
        raise TypeError(f"Megatron-LM arguments are a mapping, got {type(data).__name__}")
    given = {_key(k): value for k, value in data.items()}
    args = {**_DEFAULTS, **{k: value for k, value in given.items() if k in _DEFAULTS and value is not None}}
    if args["lr"] is None:
        raise ValueError("lr is required (Megatron-LM's --lr has no default)")
    for key in ("rampup_batch_size", "step_batch_size_schedule"):
        if args[key] is not None:
            raise ValueError(
                f"{key} changes the batch size, and so the step of Megatron's scheduler, during "
                "the run: a schedule of the update count cannot follow it"
            )
    batch = args["global_batch_size"]
    if batch is None and args["micro_batch_size"] is not None and args["data_parallel_size"] is not None:
        batch = v.integer("micro_batch_size", args["micro_batch_size"], minimum=1) * v.integer(
            "data_parallel_size", args["data_parallel_size"], minimum=1
        )
    known_batch = batch is not None
    batch = 1 if batch is None else v.integer("global_batch_size", batch, minimum=1)
    fraction = args["lr_warmup_fraction"]
    if fraction is not None:
        fraction = v.real("lr_warmup_fraction", fraction, minimum=0.0)

    if args["train_iters"]:
        iters = v.integer("train_iters", args["train_iters"], minimum=1)
        for key, unset in (("train_samples", None), ("lr_decay_samples", None), ("lr_warmup_samples", 0)):
            if args[key] != unset:
                raise ValueError(f"{key} is for sample-based training; with train_iters, give {_iters(key)}")
        if fraction is not None and args["lr_warmup_iters"]:
            raise ValueError("give one of lr_warmup_fraction and lr_warmup_iters")
        decay_iters = iters if args["lr_decay_iters"] is None else args["lr_decay_iters"]
        decay_steps = v.integer("lr_decay_iters", decay_iters, minimum=1) * batch
        wd_steps = iters * batch
        wsd = args["lr_wsd_decay_iters"]
        wsd_steps = None if wsd is None else v.integer("lr_wsd_decay_iters", wsd, minimum=0) * batch
        if fraction is not None:
            warmup_steps: float = fraction * decay_steps
        else:
            warmup_steps = v.integer("lr_warmup_iters", args["lr_warmup_iters"], minimum=0) * batch
        length: float = iters
    elif args["train_samples"]:
        samples = v.integer("train_samples", args["train_samples"], minimum=1)
        if not known_batch:
            raise ValueError("sample-based training (train_samples) needs global_batch_size: it is the step")
        for key, unset in (("lr_decay_iters", None), ("lr_warmup_iters", 0)):
            if args[key] != unset:
                raise ValueError(
                    f"{key} is for iteration-based training; with train_samples, give {_samples(key)}"
                )
        if fraction is not None and args["lr_warmup_samples"]:
            raise ValueError("give one of lr_warmup_fraction and lr_warmup_samples")
        decay_samples = samples if args["lr_decay_samples"] is None else args["lr_decay_samples"]
        decay_steps = v.integer("lr_decay_samples", decay_samples, minimum=1)
        wd_steps = samples
        wsd = args["lr_wsd_decay_samples"]
        wsd_steps = None if wsd is None else v.integer("lr_wsd_decay_samples", wsd, minimum=0)
        if fraction is not None:
            warmup_steps = fraction * decay_steps
        else:
            warmup_steps = v.integer("lr_warmup_samples", args["lr_warmup_samples"], minimum=0)
        length = samples // batch
    else:
        raise ValueError("give train_iters or train_samples (Megatron-LM needs one of them)")

    style = args["lr_decay_style"]
    if style == "inverse-square-root" and not warmup_steps and not known_batch:
        raise ValueError(
            "inverse-square-root without warmup decays as 1 / sqrt(samples seen): give global_batch_size"
        )
    incr_style = args["weight_decay_incr_style"]
    start_wd, end_wd = args["start_weight_decay"], args["end_weight_decay"]
    if incr_style == "constant":
        if given.get("start_weight_decay") is not None or given.get("end_weight_decay") is not None:
            raise ValueError(
                "start_weight_decay and end_weight_decay are for weight_decay_incr_style linear or "
                "cosine; the constant style uses weight_decay"
            )
        start_wd = end_wd = args["weight_decay"]
    elif start_wd is None or end_wd is None:
        raise ValueError(
            f"weight_decay_incr_style={incr_style!r} needs start_weight_decay and end_weight_decay"
        )
    arguments = dict(
        init_lr=args["lr_warmup_init"],
        max_lr=args["lr"],
        min_lr=args["min_lr"],
        lr_warmup_steps=warmup_steps,
        lr_decay_steps=decay_steps,
        lr_decay_style=style,
        start_wd=start_wd,
        end_wd=end_wd,
        wd_incr_steps=wd_steps,
        wd_incr_style=incr_style,
        use_checkpoint_opt_param_scheduler=args["use_checkpoint_opt_param_scheduler"],
        override_opt_param_scheduler=args["override_opt_param_scheduler"],
        wsd_decay_steps=wsd_steps,
        lr_wsd_decay_style=args["lr_wsd_decay_style"],
        increment=batch,
    )
    # The class's arguments under the names the config used.
    with v.renamed(
        init_lr="lr_warmup_init",
        max_lr="lr",
        start_wd="start_weight_decay",
        end_wd="end_weight_decay",
        wd_incr_style="weight_decay_incr_style",
        lr_warmup_steps="the warmup (lr_warmup_*)",
        lr_decay_steps="the decay (lr_decay_* or train_*)",
    ):
        schedule = optimizer_param_scheduler(**arguments)
        fields = weight_decay_fields(**arguments)
    return Reading(schedule, unit="update", length=length, base=float(args["lr"]), fields=fields)


def _iters(key: str) -> str:
    return {"train_samples": "train_iters", "lr_decay_samples": "lr_decay_iters"}.get(key, "lr_warmup_iters")


def _samples(key: str) -> str:
    return {"lr_decay_iters": "lr_decay_samples"}.get(key, "lr_warmup_samples")


# The arguments each recipe is drawn and tested with (see registry.register_examples).
register_examples(
    {
        "megatron:OptimizerParamScheduler": [
            {
                "init_lr": 0.0,
                "max_lr": 0.1,
                "min_lr": 0.01,
                "lr_warmup_steps": 4,
                "lr_decay_steps": 30,
                "lr_decay_style": "cosine",
            },
            {
                "init_lr": 0.0,
                "max_lr": 0.1,
                "min_lr": 0.0,
                "lr_warmup_steps": 2,
                "lr_decay_steps": 20,
                "lr_decay_style": "WSD",
                "wsd_decay_steps": 5,
                "lr_wsd_decay_style": "linear",
                "start_wd": 0.01,
                "end_wd": 0.1,
                "wd_incr_steps": 20,
                "wd_incr_style": "cosine",
            },
        ],
    }
)
