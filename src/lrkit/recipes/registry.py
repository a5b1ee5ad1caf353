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
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Mapping
from typing import Any

from lrkit import schedule as _schedule

__all__ = ["Recipe", "discover", "qualified_names", "recipes", "register", "resolve"]

UNITS = ("epoch", "update")


@dataclasses.dataclass(frozen=True)
class Recipe:
    """One way to build a schedule: a framework's name for it, its builder, the unit it counts.

    ``plateau`` marks a metric-driven recipe, whose builder returns the keyword arguments of
    :class:`lrkit.torch.Plateau` instead of a schedule.
    """

    source: str
    name: str
    builder: Callable[..., Any]
    unit: str = "epoch"
    plateau: bool = False

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
            parts.append(name if p.default is inspect.Parameter.empty else f"{name}={p.default!r}")
        return ", ".join(parts)

    def build(self, **kwargs: Any) -> Any:
        return self.builder(**kwargs)


_RECIPES: dict[str, Recipe] = {}
_DISCOVERED = False


def register(
    qualified: str, *, unit: str = "epoch", plateau: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator: register ``builder`` as the recipe ``qualified`` (``"SOURCE:NAME"``).

    The builder takes keyword arguments and returns an :class:`~lrkit.Schedule` (for a
    plateau: a dict of keyword arguments for :class:`lrkit.torch.Plateau`); ``unit`` is what
    its times count.
    """
    source, _, name = qualified.partition(":")
    if not source or not name or ":" in name:
        raise ValueError(f"a recipe name is 'SOURCE:NAME', got {qualified!r}")
    if unit not in UNITS:
        raise ValueError(f"unit must be 'epoch' or 'update', got {unit!r}")

    def decorate(builder: Callable[..., Any]) -> Callable[..., Any]:
        recipe = Recipe(source, name, builder, unit, plateau)
        known = _RECIPES.get(qualified)
        if known is not None and known.builder is not builder:
            raise ValueError(f"recipe {qualified!r} is already registered to {known.builder!r}")
        _RECIPES[qualified] = recipe
        return builder

    return decorate


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


def resolve(name: str, kwargs: Mapping[str, Any], *, unit_matters: bool = True) -> tuple[Recipe, Any]:
    """The recipe ``name`` (qualified, or bare by the module's rule) and what it builds from ``kwargs``.

    ``unit_matters=False`` lets recipes that build the same schedule in different units agree
    (a schedule alone, not yet bound to a driver's clock).

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
        if not recipe.accepts(keys):
            raise ValueError(_misfit(name, [recipe], keys))
        return recipe, recipe.build(**kwargs)
    candidates = sorted((r for r in _RECIPES.values() if r.name == name), key=lambda r: r.source)
    if not candidates:
        raise ValueError(_unknown(name))
    fitting = [r for r in candidates if r.accepts(keys)]
    if not fitting:
        raise ValueError(_misfit(name, candidates, keys))
    built = [(r, r.build(**kwargs)) for r in fitting]
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


def _unknown(name: str) -> str:
    bare = name.partition(":")[2] or name
    near = [r.qualified for r in _RECIPES.values() if r.name.lower() == bare.lower()]
    hint = f" (did you mean {', '.join(map(repr, sorted(near)))}?)" if near else ""
    known = ", ".join(sorted({r.name for r in _RECIPES.values()}, key=str.lower))
    return (
        f"unknown scheduler {name!r}{hint}; known: {known} "
        f"(each also as SOURCE:NAME, SOURCE one of {', '.join(sources())}; `lrkit names` lists them)"
    )


def _misfit(name: str, candidates: list[Recipe], keys: set[str]) -> str:
    known = set().union(*(set(r.parameters) for r in candidates))
    unknown = sorted(keys - known)
    takes = "; ".join(f"{r.qualified}({r.signature()})" for r in candidates)
    if unknown:
        return f"{name}: unknown argument(s) {', '.join(map(repr, unknown))}; it takes {takes}"
    missing = sorted(set().union(*(r.required - keys for r in candidates)))
    return f"{name}: missing argument(s) {', '.join(map(repr, missing))}; it takes {takes}"


def _find_node(name: str) -> None:
    # A framework's node ("timm:noise") lives in that framework's recipe module.
    discover()


_schedule.add_finder(_find_node)
