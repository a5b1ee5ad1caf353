"""Every recipe's example arguments, read from the registry, and the cases the tests build from them.

Each recipe module registers its examples beside its recipes
(``lrkit.recipes.registry.register_examples``); a recipe without one fails ``test_registry.py``
and the docs build. The examples draw no noise (a timm noise node needs torch to evaluate),
so every schedule built from them evaluates without torch.
"""

from __future__ import annotations

from typing import Any

import lrkit
from lrkit.recipes import registry

#: Qualified recipe name -> example keyword arguments (one or more sets), as each recipe module
#: registered them beside its recipes (``registry.register_examples``).
EXAMPLES: dict[str, list[dict[str, Any]]] = {r.qualified: r.examples for r in registry.recipes()}

#: Recipes whose examples hold Python callables or other schedules (built, not explored).
NEEDS_OBJECTS = frozenset(
    {"torch:ChainedScheduler", "torch:LambdaLR", "torch:MultiplicativeLR", "torch:SequentialLR"}
)


def holds_objects(kwargs: dict[str, Any]) -> bool:
    """Whether an example's arguments hold a Python callable or a schedule."""
    values = [x for value in kwargs.values() for x in (value if isinstance(value, list) else [value])]
    return any(callable(x) or isinstance(x, lrkit.Schedule) for x in values)


def cases() -> list[tuple[str, int, dict[str, Any]]]:
    """Every ``(qualified name, example index, kwargs)``."""
    return [(name, i, kwargs) for name, examples in EXAMPLES.items() for i, kwargs in enumerate(examples)]


def schedule_cases() -> list[tuple[str, int, dict[str, Any]]]:
    """The examples that build a schedule from plain arguments: no plateau, no callables or schedules.

    Which recipes are plateaus comes from the registry.
    """
    plateaus = {r.qualified for r in registry.recipes() if r.plateau}
    return [
        (name, i, kwargs)
        for name, i, kwargs in cases()
        if name not in plateaus and name not in NEEDS_OBJECTS and not holds_objects(kwargs)
    ]


def case_id(case: tuple[str, int, dict[str, Any]]) -> str:
    return f"{case[0]}#{case[1]}"


def build(name: str, kwargs: dict[str, Any]) -> Any:
    """What the recipe ``name`` builds from ``kwargs``, through the registry."""
    recipe, built = registry.resolve(name, kwargs)
    assert recipe.qualified == name
    return built
