"""Scheduler names, and the three front doors that read them: ``create``, config files, flags.

One registry maps a name (``"cosine"``, ``"OneCycleLR"``, ``"warmup_stable_decay"``, ...) to
one or more *variants*: a builder taking keyword arguments and returning a core schedule, the
unit its lengths count (``"epoch"`` or ``"update"``), and whether it is metric-driven (a
plateau). A name may have several variants with different keyword sets (timm's ``cosine``
takes ``t_initial``, transformers' takes ``num_training_steps``); the keywords given pick the
variant, and keywords no variant takes are an error naming them.

The builders live in :mod:`lrkit.recipes`; :func:`create` and :func:`load` read the registry,
and so do the flags (:func:`add_argparse_args`) and the ``lrkit`` command. Only the functions
that are handed a torch optimizer reach for ``lrkit.torch``, at call time: the core itself
never imports torch.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib
import inspect
import json
import os
from collections.abc import Callable, Mapping
from typing import Any

from lrkit.schedule import Schedule, from_dict

__all__ = [
    "Variant",
    "add_argparse_args",
    "build",
    "create",
    "from_args",
    "load",
    "names",
    "register",
    "variants",
]


@dataclasses.dataclass(frozen=True)
class Variant:
    """One way to build a named scheduler."""

    name: str
    builder: Callable[..., Any]
    unit: str = "epoch"
    plateau: bool = False
    source: str = "lrkit"

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(inspect.signature(self.builder).parameters)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(
            name
            for name, p in inspect.signature(self.builder).parameters.items()
            if p.default is inspect.Parameter.empty
        )

    def accepts(self, keys: set[str]) -> bool:
        return keys <= set(self.params) and self.required <= keys


_REGISTRY: dict[str, list[Variant]] = {}


def register(
    name: str, *, unit: str = "epoch", plateau: bool = False, source: str = "lrkit"
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: add ``builder`` as a variant of ``name``.

    The builder takes keyword arguments only and returns an :class:`~lrkit.Schedule` (for a
    plateau: a dict of keyword arguments for :class:`lrkit.torch.Plateau`).
    """
    if unit not in ("epoch", "update"):
        raise ValueError(f"unit must be 'epoch' or 'update', got {unit!r}")

    def decorate(builder: Callable[..., Any]) -> Callable[..., Any]:
        _REGISTRY.setdefault(name, []).append(Variant(name, builder, unit, plateau, source))
        return builder

    return decorate


def _load_recipes() -> None:
    # Imported here, not at the top, because the recipe modules import this one to register.
    for module in ("lrkit.recipes.timm", "lrkit.recipes.torch", "lrkit.recipes.transformers"):
        importlib.import_module(module)


def names() -> list[str]:
    """Every registered scheduler name, sorted."""
    _load_recipes()
    return sorted(_REGISTRY)


def variants(name: str) -> list[Variant]:
    """The variants registered under ``name``; ``ValueError`` listing the names if unknown."""
    _load_recipes()
    if name not in _REGISTRY:
        raise ValueError(f"unknown scheduler {name!r}; known: {', '.join(sorted(_REGISTRY))}")
    return list(_REGISTRY[name])


def _pick(name: str, kwargs: Mapping[str, Any]) -> Variant:
    options = variants(name)
    keys = set(kwargs)
    for variant in options:
        if variant.accepts(keys):
            return variant
    described = "; ".join(
        f"{v.source}: {', '.join(v.params)}"
        + (f" (required: {', '.join(sorted(v.required))})" if v.required else "")
        for v in options
    )
    unknown = sorted(keys - set().union(*(set(v.params) for v in options)))
    if unknown:
        raise ValueError(f"{name}: unknown argument(s) {', '.join(map(repr, unknown))}; it takes {described}")
    raise ValueError(f"{name}: no variant takes {sorted(keys)}; it takes {described}")


def build(name: str, **kwargs: Any) -> Schedule:
    """The schedule registered as ``name``, built from ``kwargs``.

    >>> import lrkit
    >>> build("cosine", t_initial=100, warmup_t=5) == lrkit.warmup(lrkit.cosine(t_initial=100), warmup_t=5)
    True
    """
    variant = _pick(name, kwargs)
    if variant.plateau:
        raise ValueError(
            f"{name} is metric-driven: give it an optimizer, lrkit.create({name!r}, optimizer, ...)"
        )
    return variant.builder(**kwargs)


def create(
    name: str,
    optimizer: Any = None,
    *,
    unit: str | None = None,
    updates_per_epoch: int | None = None,
    **kwargs: Any,
) -> Any:
    """A driver for ``optimizer`` when one is given, else the schedule.

    With an optimizer, a schedule is bound to every group's lr by :class:`lrkit.torch.Scheduler`
    (``unit`` defaults to the variant's: epochs for timm's names, updates for torch's and
    transformers'), and a plateau becomes an :class:`lrkit.torch.Plateau`.

    >>> import lrkit
    >>> lrkit.create("cosine", t_initial=10, warmup_t=2)(1, base=0.1)
    0.05
    """
    variant = _pick(name, kwargs)
    if optimizer is None:
        if variant.plateau:
            raise ValueError(
                f"{name} is metric-driven: give it an optimizer, lrkit.create({name!r}, optimizer, ...)"
            )
        return variant.builder(**kwargs)
    # The optimizer is torch's, so torch is loaded already; lrkit.torch is what drives it.
    driver = importlib.import_module("lrkit.torch")
    if variant.plateau:
        return driver.Plateau(optimizer, **variant.builder(**kwargs))
    return driver.Scheduler(
        optimizer,
        lr=variant.builder(**kwargs),
        unit=unit or variant.unit,
        updates_per_epoch=updates_per_epoch,
    )


def _read(path: str | os.PathLike[str]) -> Any:
    with open(path, encoding="utf-8") as file:
        text = file.read()
    if str(path).endswith((".yaml", ".yml")):
        try:
            import yaml
        except ImportError:
            raise ImportError(f"reading {path} needs PyYAML: pip install pyyaml") from None
        return yaml.safe_load(text)
    return json.loads(text)


def load(path: str | os.PathLike[str], optimizer: Any = None, **driver: Any) -> Any:
    """A schedule (or, given an optimizer, a driver) from a YAML or JSON file.

    The file holds either a full :meth:`~lrkit.Schedule.to_dict` tree (a ``type`` key) or a
    scheduler name with its arguments (a ``sched`` key, the other keys its arguments)::

        sched: cosine
        t_initial: 100
        warmup_t: 5

    Unknown keys are errors naming the key.
    """
    data = _read(path)
    if not isinstance(data, Mapping):
        raise ValueError(f"{path}: expected a mapping at the top, got {type(data).__name__}")
    if "type" in data:
        schedule = from_dict(data)
        if optimizer is None:
            return schedule
        return importlib.import_module("lrkit.torch").Scheduler(optimizer, lr=schedule, **driver)
    if "sched" not in data:
        raise ValueError(f"{path}: needs a 'sched' key (a scheduler name) or a 'type' key (a schedule tree)")
    args = dict(data)
    name = args.pop("sched")
    return create(name, optimizer, **driver, **args)


# -- timm's train.py flags ----------------------------------------------------------------------

_FLAGS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (
        ("--sched",),
        dict(type=str, default="cosine", metavar="SCHEDULER", help="LR scheduler (default: cosine)"),
    ),
    (
        ("--epochs",),
        dict(type=int, default=300, metavar="N", help="number of epochs to train (default: 300)"),
    ),
    (("--decay-epochs",), dict(type=float, default=90, metavar="N", help="epoch interval to decay LR")),
    (
        ("--decay-milestones",),
        dict(
            default=[90, 180, 270],
            type=int,
            nargs="+",
            metavar="MILESTONES",
            help="list of decay epoch indices",
        ),
    ),
    (("--warmup-epochs",), dict(type=int, default=5, metavar="N", help="epochs to warmup LR")),
    (
        ("--warmup-lr",),
        dict(type=float, default=1e-5, metavar="LR", help="warmup learning rate (default: 1e-5)"),
    ),
    (("--min-lr",), dict(type=float, default=0, metavar="LR", help="lower lr bound for cyclic schedules")),
    (
        ("--warmup-prefix",),
        dict(action="store_true", default=False, help="exclude warmup from decay schedule"),
    ),
    (
        ("--lr-noise",),
        dict(
            type=float,
            nargs="+",
            default=None,
            metavar="pct, pct",
            help="learning rate noise on/off epoch percentages",
        ),
    ),
    (
        ("--lr-noise-pct",),
        dict(type=float, default=0.67, metavar="PERCENT", help="learning rate noise limit percent"),
    ),
    (
        ("--lr-noise-std",),
        dict(type=float, default=1.0, metavar="STDDEV", help="learning rate noise std-dev"),
    ),
    (
        ("--lr-cycle-mul",),
        dict(type=float, default=1.0, metavar="MULT", help="learning rate cycle len multiplier"),
    ),
    (
        ("--lr-cycle-decay",),
        dict(type=float, default=0.5, metavar="MULT", help="amount to decay each cycle by"),
    ),
    (("--lr-cycle-limit",), dict(type=int, default=1, metavar="N", help="learning rate cycle limit")),
    (("--lr-k-decay",), dict(type=float, default=1.0, help="learning rate k-decay for cosine/poly")),
    (("--decay-rate", "--dr"), dict(type=float, default=0.1, metavar="RATE", help="LR decay rate")),
    (("--patience-epochs",), dict(type=int, default=10, metavar="N", help="patience epochs for Plateau LR")),
    (("--cooldown-epochs",), dict(type=int, default=0, metavar="N", help="epochs to cooldown LR at min_lr")),
    (("--sched-on-updates",), dict(action="store_true", default=False, help="apply the schedule per update")),
    (("--lr-decay-fn",), dict(type=str, default=None, help="decay function of the wsd / rsqrt schedules")),
    (("--lr-stable-timescale",), dict(type=float, default=None, help="rsqrt timescale in epochs")),
]


def timm_names() -> list[str]:
    """The names ``--sched`` accepts: those timm's ``create_scheduler`` builds."""
    _load_recipes()
    return sorted({v.name for vs in _REGISTRY.values() for v in vs if v.source == "timm"} | {"none"})


def add_argparse_args(parser: argparse.ArgumentParser) -> argparse._ArgumentGroup:
    """Add the scheduler flags of timm's ``train.py``, with timm's defaults, to ``parser``."""
    group = parser.add_argument_group("Learning rate schedule parameters")
    choices = timm_names()
    for flags, options in _FLAGS:
        options = dict(options)
        if flags[0] == "--sched":
            options["choices"] = choices
            options["help"] = f"LR scheduler, one of {', '.join(choices)} (default: cosine)"
        group.add_argument(*flags, **options)
    return group


def from_args(args: Any, optimizer: Any, updates_per_epoch: int = 0) -> tuple[Any, int]:
    """What timm's ``create_scheduler(args, optimizer, updates_per_epoch)`` builds.

    Returns ``(scheduler, num_epochs)`` like timm: an :mod:`lrkit.timm` scheduler with timm's
    values and stepping rules, and the number of epochs to train (cycles, warmup prefix and
    cooldown included). ``sched="none"`` gives ``(None, epochs)``.
    """
    return importlib.import_module("lrkit.timm").create_scheduler(args, optimizer, updates_per_epoch)
