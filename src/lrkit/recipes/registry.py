"""The registry of recipes: every framework's schedules under ``SOURCE:NAME``.

A recipe module (one file per framework in :mod:`lrkit.recipes`) registers each builder with
:func:`register` under a qualified name, ``"timm:cosine"``, ``"torch:OneCycleLR"``,
``"lrkit:cosine"``. The modules are found by listing the package, so adding a framework is
adding its file; no front door keeps a list.

A bare name (``"cosine"``) resolves by one rule, the same whatever was imported or
registered first: among the sources that register the name, the recipes whose signature
takes the keywords given (every keyword known, every required one present). One fits: it.
Several fit and build the same schedule in the same unit (``cosine`` with only ``t_initial``
is lrkit's and timm's alike): that schedule. Several fit and differ: an error listing the
qualified names to choose from. None fits: an error listing what each takes.

A source whose names repeat another framework's with other meanings (mmengine's ``StepLR``
steps per epoch by default, torch's per update) declares itself :func:`qualified_only`: its
recipes are reached by ``SOURCE:NAME`` only, so adding a framework never changes what a bare
name that worked before means.

A recipe may read the optimizer's default lr, as transformers' polynomial and min-lr cosines
do: ``register(..., optimizer_lr="base_lr")`` names the builder argument for it. A front door
that has an optimizer passes ``resolve(..., optimizer_lr=optimizer.defaults["lr"])``, and each
candidate that declares such an argument, and was not given it, gets that lr there. The fill
is the candidate's own: it never makes another candidate's arguments unknown, and the keywords
an error lists are the ones the user gave. Given explicitly (even as ``None``), the argument is
the user's.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from lrkit import checks as v
from lrkit import schedule as _schedule
from lrkit.schedule import Schedule

__all__ = [
    "Export",
    "Format",
    "Outline",
    "PlateauArguments",
    "Reading",
    "Recipe",
    "discover",
    "formats",
    "qualified_names",
    "qualified_only",
    "recipes",
    "register",
    "node_examples",
    "register_examples",
    "register_node_examples",
    "register_export",
    "register_format",
    "resolve",
]

UNITS = ("epoch", "update")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One way to build a schedule: a framework's name for it, its builder, the unit it counts.

    ``plateau`` marks a metric-driven recipe, whose builder returns the keyword arguments of
    :class:`lrkit.torch.Plateau` instead of a schedule. ``optimizer_lr`` is the builder argument
    that :func:`resolve` fills with the optimizer's default lr, if any (see the module).
    ``fields`` builds, from the same keywords, the other param-group fields the framework's
    scheduler writes beside the lr (``{"momentum": schedule}`` for torch's one-cycle), which a
    driver built by :func:`lrkit.create` writes too.
    """

    source: str
    name: str
    builder: Callable[..., Any]
    unit: str = "epoch"
    plateau: bool = False
    optimizer_lr: str | None = None
    fields: Callable[..., dict[str, Any]] | None = None

    @property
    def qualified(self) -> str:
        return f"{self.source}:{self.name}"

    @property
    def parameters(self) -> dict[str, inspect.Parameter]:
        return {
            name: p
            for name, p in inspect.signature(self.builder).parameters.items()
            if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        }

    @property
    def required(self) -> frozenset[str]:
        return frozenset(n for n, p in self.parameters.items() if p.default is inspect.Parameter.empty)

    def accepts(self, keys: set[str]) -> bool:
        return keys <= set(self.parameters) and self.required <= keys

    def signature(self) -> str:
        """The arguments with their defaults, as ``lrkit names`` prints them."""
        parts = []
        for name, p in self.parameters.items():
            if name == self.optimizer_lr:
                # The default is what a driver has; without an optimizer it is the builder's own.
                default = "the optimizer's lr" + (
                    "" if p.default is inspect.Parameter.empty else f", or {p.default!r}"
                )
                parts.append(f"{name}=<{default}>")
            else:
                parts.append(name if p.default is inspect.Parameter.empty else f"{name}={p.default!r}")
        return ", ".join(parts)

    def build(self, **kwargs: Any) -> Any:
        return self.builder(**kwargs)

    @property
    def examples(self) -> list[dict[str, Any]]:
        """The example arguments its module gave it (:func:`register_examples`), as fresh copies."""
        return copy.deepcopy([dict(e) for e in _EXAMPLES.get(self.qualified, ())])


_RECIPES: dict[str, Recipe] = {}
_EXAMPLES: dict[str, tuple[dict[str, Any], ...]] = {}
_NODE_EXAMPLES: dict[str, tuple[Schedule, ...]] = {}
_DISCOVERED = False
_QUALIFIED_ONLY: set[str] = set()


def qualified_only(source: str) -> None:
    """Declare that ``source``'s recipes are reached by their qualified name only (see the module)."""
    if not isinstance(source, str) or not source or ":" in source:
        raise ValueError(f"a source is a name such as 'mmengine', got {source!r}")
    _QUALIFIED_ONLY.add(source)


def is_bare(recipe: Recipe) -> bool:
    """Whether a bare name may mean ``recipe``."""
    return recipe.source not in _QUALIFIED_ONLY


def register(
    qualified: str,
    *,
    unit: str = "epoch",
    plateau: bool = False,
    optimizer_lr: str | None = None,
    fields: Callable[..., dict[str, Any]] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``builder`` as the recipe ``qualified`` (``"SOURCE:NAME"``).

    The builder takes keyword arguments and returns an :class:`~lrkit.Schedule` (for a
    plateau: a dict of keyword arguments for :class:`lrkit.torch.Plateau`); ``unit`` is what
    its times count. ``optimizer_lr`` names the keyword argument that a front door with an
    optimizer fills with the optimizer's default lr when the user does not give it.
    """
    source, _, name = qualified.partition(":")
    if not source or not name or ":" in name:
        raise ValueError(f"a recipe name is 'SOURCE:NAME', got {qualified!r}")
    if unit not in UNITS:
        raise ValueError(f"unit must be 'epoch' or 'update', got {unit!r}")

    if optimizer_lr is not None and not isinstance(optimizer_lr, str):
        raise TypeError(f"optimizer_lr must be the name of a builder argument, got {optimizer_lr!r}")

    def decorate(builder: Callable[..., Any]) -> Callable[..., Any]:
        recipe = Recipe(source, name, builder, unit, plateau, optimizer_lr, fields)
        if optimizer_lr is not None:
            p = recipe.parameters.get(optimizer_lr)
            if p is None or p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD):
                raise ValueError(
                    f"optimizer_lr={optimizer_lr!r}: {qualified}'s builder takes no keyword argument of "
                    f"that name; it takes {recipe.signature()}"
                )
        known = _RECIPES.get(qualified)
        if known is not None and known.builder is not builder:
            raise ValueError(f"recipe {qualified!r} is already registered to {known.builder!r}")
        _RECIPES[qualified] = recipe
        return builder

    return decorate


def register_examples(examples: Mapping[str, Sequence[Mapping[str, Any]]]) -> None:
    """Give recipes of this module example arguments, one or more sets each.

    Every recipe must have one: the documentation draws each name's picture from them, and the
    tests build every recipe from every set. They sit beside the registrations, so a recipe and
    its example are added in the same file; a name added without one fails the docs build and
    ``tests/test_registry.py``. Each set is checked here against the recipe's signature, and
    kept as a copy, so a caller's dict changing later changes nothing.
    """
    if not isinstance(examples, Mapping):
        raise TypeError(f"examples must map qualified recipe names to argument sets, got {examples!r}")
    checked: dict[str, tuple[dict[str, Any], ...]] = {}
    for qualified, sets in examples.items():
        recipe = _RECIPES.get(qualified)
        if recipe is None:
            raise ValueError(f"examples for {qualified!r}: no recipe of that name is registered (yet)")
        if isinstance(sets, Mapping) or not isinstance(sets, Sequence) or not sets:
            raise TypeError(f"examples for {qualified!r} must be a non-empty list of argument dicts")
        for i, arguments in enumerate(sets):
            if not isinstance(arguments, Mapping):
                raise TypeError(f"examples for {qualified!r}[{i}] must be a dict, got {arguments!r}")
            keys = set(arguments)
            missing = recipe.required - keys - {recipe.optimizer_lr}
            unknown = keys - set(recipe.parameters)
            if missing or unknown:
                raise ValueError(
                    f"examples for {qualified!r}[{i}] do not fit {qualified}({recipe.signature()}): "
                    f"missing {sorted(missing)}, unknown {sorted(unknown)}"
                )
        checked[qualified] = tuple(copy.deepcopy(dict(a)) for a in sets)
    _EXAMPLES.update(checked)


def register_node_examples(examples: Mapping[str, Sequence[Schedule]]) -> None:
    """Give schedule nodes that are no recipe (the combinators: ``"warmup"``, ``"cycles"``) examples.

    A combinator takes schedules, so it has no keyword arguments a name could be built from; its
    examples are whole schedules with that node at the root, which the gallery draws as it
    draws a recipe's. Each is checked here: a registered node's name, its schedules rooted at it.
    """
    if not isinstance(examples, Mapping):
        raise TypeError(f"examples must map node names to schedules, got {examples!r}")
    known = _schedule.registered()
    checked: dict[str, tuple[Schedule, ...]] = {}
    for name, schedules in examples.items():
        if name not in known:
            raise ValueError(f"node examples for {name!r}: no schedule node of that name is registered")
        if isinstance(schedules, Mapping) or not isinstance(schedules, Sequence) or not schedules:
            raise TypeError(f"node examples for {name!r} must be a non-empty list of schedules")
        for i, schedule in enumerate(schedules):
            if not isinstance(schedule, Schedule) or schedule.name != name:
                raise ValueError(
                    f"node examples for {name!r}[{i}] must be a schedule rooted at it, got {schedule!r}"
                )
        checked[name] = tuple(schedules)
    _NODE_EXAMPLES.update(checked)


def node_examples() -> dict[str, list[Schedule]]:
    """Every node's examples from :func:`register_node_examples` (schedules are immutable: shared)."""
    discover()
    return {name: list(schedules) for name, schedules in _NODE_EXAMPLES.items()}


class PlateauArguments(dict):
    """A metric-driven recipe's :class:`lrkit.torch.Plateau` keyword arguments, with the names
    its user typed for them (``{"factor": "decay_rate"}``): the front door builds the plateau
    under those names, so an error names ``decay_rate``, the argument the user gave."""

    def __init__(self, arguments: Mapping[str, Any], names: Mapping[str, str]) -> None:
        super().__init__(arguments)
        self.names = dict(names)


@dataclasses.dataclass(frozen=True)
class Reading:
    """What a framework's config file describes, read by that framework's :class:`Format`.

    ``schedule`` is the lr schedule in ``unit`` (``None`` for a metric-driven config, whose
    :class:`lrkit.torch.Plateau` keyword arguments are ``plateau``); ``fields`` the other
    param-group fields the framework's scheduler writes beside the lr (``{"momentum": ...}``).
    ``length`` is how long the run it describes lasts, in ``unit``, where the config says;
    ``base`` the lr the config gives, where it gives one.
    """

    schedule: Schedule | None
    unit: str = "update"
    length: float | None = None
    base: float | None = None
    fields: Mapping[str, Schedule] = dataclasses.field(default_factory=dict)
    plateau: Mapping[str, Any] | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be 'epoch' or 'update', got {self.unit!r}")


@dataclasses.dataclass(frozen=True)
class Format:
    """A framework's config format: how to recognise a block of it, and how to read one.

    ``detect(data)`` is a cheap look at plain data (dicts, lists, numbers and strings, a file's
    contents after ``key=``), true when the block is written in this format; it never raises.
    ``read(data, *, where, epoch_length)`` returns the :class:`Reading`; ``where`` names the
    block in messages, ``epoch_length`` is the number of optimizer updates per epoch, for the
    formats that count in epochs.
    """

    name: str
    description: str
    detect: Callable[[Any], bool]
    read: Callable[..., Reading]


_FORMATS: dict[str, Format] = {}


def register_format(
    name: str, *, description: str, detect: Callable[[Any], bool]
) -> Callable[[Callable[..., Reading]], Callable[..., Reading]]:
    """Decorator: register ``read`` as the reader of the config format ``name`` (``"mmengine"``).

    The recipe module of a framework registers its format beside its recipes, so that
    :func:`lrkit.load` reads it by ``format=name`` or, when no other format claims the same
    block, by ``detect``.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"a format name is an identifier such as 'mmengine', got {name!r}")

    def decorate(read: Callable[..., Reading]) -> Callable[..., Reading]:
        known = _FORMATS.get(name)
        if known is not None and known.read is not read:
            raise ValueError(f"format {name!r} is already registered to {known.read!r}")
        _FORMATS[name] = Format(name, description, detect, read)
        return read

    return decorate


def formats() -> dict[str, Format]:
    """Every registered config format by name (the recipe modules' own; lrkit's and timm's are
    read by :mod:`lrkit.config` itself)."""
    discover()
    return dict(sorted(_FORMATS.items()))


@dataclasses.dataclass(frozen=True)
class Outline:
    """What an exporter is shown of a schedule: its landmarks, in optimizer updates.

    ``values`` are the schedule's values at updates ``0, 1, ..., len(values) - 1`` for a group
    whose lr is ``base``: the run an export must reproduce. ``length`` is when the schedule
    settles (``None``: never, and ``values`` then end at the run's last update), ``warmup_t`` where
    its first warmup ends (0 without one). Exporters read these to guess their framework's
    arguments; :func:`lrkit.config.export` keeps the first guess whose values are these.
    """

    values: Any
    base: float
    length: float | None
    warmup_t: float

    def __call__(self, t: int) -> float:
        """The value at update ``t`` (clamped to the run)."""
        return float(self.values[min(max(int(t), 0), len(self.values) - 1)])

    @property
    def end(self) -> float:
        """The last value of the run."""
        return float(self.values[-1])


@dataclasses.dataclass(frozen=True)
class Export:
    """How to write schedules in a framework's own terms.

    ``candidates(outline)`` yields ``(recipe, arguments)`` guesses: a registered recipe's
    qualified name and the framework's own arguments for it, or ``(None, config)``: a config
    of the framework's format (an mmengine list of windows), read by that format, in the
    order to try them; ``write(recipe, arguments, base)`` turns the accepted one into the
    framework's config
    (what that framework, or :func:`lrkit.load` with ``format=target``, reads). A framework
    whose values are absolute gets ``base``, the lr of the group exported for. ``nodes`` are
    the node names the framework's schedules are built from: a schedule holding any other
    (noise, a user's function) is named as the part with no equivalent.
    """

    target: str
    description: str
    candidates: Callable[[Outline], Any]
    write: Callable[[str, Mapping[str, Any], float], Any]
    nodes: frozenset[str] = frozenset()


_EXPORTS: dict[str, Export] = {}


def register_export(
    target: str,
    *,
    description: str,
    write: Callable[[str, Mapping[str, Any], float], Any],
    nodes: frozenset[str] | set[str] = frozenset(),
) -> Callable[[Callable[[Outline], Any]], Callable[[Outline], Any]]:
    """Decorator: register ``candidates`` as the exporter to ``target`` (``"transformers"``)."""
    if not isinstance(target, str) or not target.isidentifier():
        raise ValueError(f"an export target is an identifier such as 'transformers', got {target!r}")

    def decorate(candidates: Callable[[Outline], Any]) -> Callable[[Outline], Any]:
        known = _EXPORTS.get(target)
        if known is not None and known.candidates is not candidates:
            raise ValueError(f"export target {target!r} is already registered to {known.candidates!r}")
        _EXPORTS[target] = Export(target, description, candidates, write, frozenset(nodes))
        return candidates

    return decorate


def exports() -> dict[str, Export]:
    """Every registered export target by name."""
    discover()
    return dict(sorted(_EXPORTS.items()))


def discover() -> None:
    """Import every recipe module of :mod:`lrkit.recipes` (once), so that all are registered."""
    global _DISCOVERED
    if _DISCOVERED:
        return
    _DISCOVERED = True
    package = importlib.import_module("lrkit.recipes")
    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        if not module.startswith("_") and module != "registry":
            importlib.import_module(f"lrkit.recipes.{module}")


def recipes() -> list[Recipe]:
    """Every registered recipe, by source then name."""
    discover()
    return sorted(_RECIPES.values(), key=lambda r: (r.source, r.name.lower()))


def qualified_names() -> list[str]:
    return [r.qualified for r in recipes()]


def sources() -> list[str]:
    return sorted({r.source for r in recipes()})


def resolve(
    name: str,
    kwargs: Mapping[str, Any],
    *,
    unit_matters: bool = True,
    optimizer_lr: Any = None,
) -> tuple[Recipe, Any]:
    """The recipe ``name`` (qualified, or bare by the module's rule) and what it builds from ``kwargs``.

    ``unit_matters=False`` lets recipes that build the same schedule in different units agree
    (a schedule alone, not yet bound to a driver's clock). ``optimizer_lr`` is the default lr
    of the optimizer the schedule will drive, for the recipes that read it (``None``: no
    optimizer, or one without a default lr); ``kwargs`` itself is never changed.

    >>> import lrkit
    >>> recipe, built = resolve("cosine", {"t_initial": 10, "warmup_t": 2})
    >>> recipe.qualified
    'timm:cosine'
    """
    if not isinstance(name, str):
        raise TypeError(f"a recipe name must be a string, got {name!r}")
    discover()
    keys = set(kwargs)
    if ":" in name:
        recipe = _RECIPES.get(name)
        if recipe is None:
            raise ValueError(_unknown(name))
        arguments = _arguments(recipe, kwargs, optimizer_lr)
        if not recipe.accepts(set(arguments)):
            raise ValueError(_misfit(name, {recipe: arguments}, keys))
        return recipe, _build(recipe, arguments, kwargs)
    candidates = sorted(
        (r for r in _RECIPES.values() if r.name == name and is_bare(r)), key=lambda r: r.source
    )
    if not candidates:
        raise ValueError(_unknown(name))
    arguments_of = {r: _arguments(r, kwargs, optimizer_lr) for r in candidates}
    fitting = [r for r in candidates if r.accepts(set(arguments_of[r]))]
    if not fitting:
        raise ValueError(_misfit(name, arguments_of, keys))
    built = [(r, _build(r, arguments_of[r], kwargs)) for r in fitting]
    first_recipe, first = built[0]
    same = all(b == first for _, b in built[1:])
    if same and (not unit_matters or all(r.unit == first_recipe.unit for r, _ in built[1:])):
        return first_recipe, first
    given = ", ".join(sorted(keys)) or "no arguments"
    choices = ", ".join(repr(r.qualified) for r in fitting)
    differ = "count different units" if same else "build different schedules"
    raise ValueError(
        f"{name!r} with {given} fits {choices}, which {differ}; write the qualified name of the one you mean"
    )


def _arguments(recipe: Recipe, kwargs: Mapping[str, Any], optimizer_lr: Any) -> Mapping[str, Any]:
    """What ``recipe`` is built from: a new dict with its optimizer-lr argument filled, or ``kwargs`` itself.

    It is filled where the recipe declares one, ``optimizer_lr`` is known, and the user did not
    give that argument.
    """
    if optimizer_lr is None or recipe.optimizer_lr is None or recipe.optimizer_lr in kwargs:
        return kwargs
    return {**kwargs, recipe.optimizer_lr: optimizer_lr}


def _build(recipe: Recipe, arguments: Mapping[str, Any], kwargs: Mapping[str, Any]) -> Any:
    if arguments is kwargs:  # nothing filled (see _arguments)
        return recipe.build(**arguments)
    # A filled value that the builder rejects is the optimizer's lr, not an argument the user typed.
    with v.renamed(**{str(recipe.optimizer_lr): "the optimizer's lr"}):
        return recipe.build(**arguments)


def _unknown(name: str) -> str:
    bare = name.partition(":")[2] or name
    near = [r.qualified for r in _RECIPES.values() if r.name.lower() == bare.lower()]
    hint = f" (did you mean {', '.join(map(repr, sorted(near)))}?)" if near else ""
    known = ", ".join(sorted({r.name for r in _RECIPES.values() if is_bare(r)}, key=str.lower))
    bare_sources = sorted({r.source for r in _RECIPES.values() if is_bare(r)})
    others = sorted({r.source for r in _RECIPES.values() if not is_bare(r)})
    also = f"; and by SOURCE:NAME only, the names of {', '.join(others)}" if others else ""
    return (
        f"unknown scheduler {name!r}{hint}; known: {known} "
        f"(each also as SOURCE:NAME, SOURCE one of {', '.join(bare_sources)}{also}; "
        "`lrkit names` lists them)"
    )


def _misfit(name: str, candidates: Mapping[Recipe, Mapping[str, Any]], keys: set[str]) -> str:
    """Why no candidate fits the user's ``keys`` (each candidate with its arguments, fill included)."""
    known = set().union(*(set(r.parameters) for r in candidates))
    unknown = sorted(keys - known)
    takes = "; ".join(f"{r.qualified}({r.signature()})" for r in candidates)
    if unknown:
        return f"{name}: unknown argument(s) {', '.join(map(repr, unknown))}; it takes {takes}"
    missing = sorted(set().union(*(r.required - set(arguments) for r, arguments in candidates.items())))
    return f"{name}: missing argument(s) {', '.join(map(repr, missing))}; it takes {takes}"


def _find_node(name: str) -> None:
    # A framework's node ("timm:noise") lives in that framework's recipe module.
    discover()


_schedule.add_finder(_find_node)
