"""The front door: ``create`` and ``load``, reading names from the registry and config files.

Names come from :mod:`lrkit.recipes.registry` (``timm:cosine``, ``torch:OneCycleLR``, a bare
``cosine`` by its documented rule). A config source (a YAML or JSON path, a mapping, an
OmegaConf/Hydra ``DictConfig``, with ``key=`` to pick a block out of a larger file) holds one
of three formats, told apart by a marker so that nothing is guessed:

- a schedule tree, :meth:`~lrkit.Schedule.to_dict`'s output (a ``type`` key);
- a recipe name with that recipe's own arguments (a ``sched`` key:
  ``{sched: torch:OneCycleLR, max_lr: 0.1, total_steps: 1000}``);
- timm ``train.py`` settings (``format: timm``, then ``sched``, ``epochs``,
  ``warmup_epochs``, ``lr``, ... as train.py's flags with underscores), built as timm's
  ``create_scheduler`` builds them.

:func:`read` turns any of them into a :class:`Spec` (the schedule, the unit it counts, the
length of the run it describes); :func:`load` and the ``lrkit`` command both read through
it, so a file means the same in Python and on the command line. Only the calls that are
handed a torch optimizer reach for ``lrkit.torch``, at call time.
"""

from __future__ import annotations

import argparse
import dataclasses
import functools
import json
import math
import os
import re
from collections.abc import Mapping
from typing import Any

import numpy as np

from lrkit import checks, duration, tree
from lrkit.combinators import Stairs
from lrkit.recipes import registry
from lrkit.recipes import timm as timm_recipes
from lrkit.recipes.registry import Recipe
from lrkit.schedule import _FINDERS, _REGISTRY, Schedule, from_dict

__all__ = [
    "Spec",
    "export",
    "exports",
    "add_argparse_args",
    "build",
    "create",
    "from_args",
    "load",
    "names",
    "read",
    "recipes",
    "timm_names",
]

FORMATS = ("lrkit", "timm")


def names() -> list[str]:
    """Every registered recipe's qualified name (``SOURCE:NAME``), by source."""
    return registry.qualified_names()


def variants(name: str) -> list[Recipe]:
    """The recipes a bare ``name`` may mean (the registry's name for them was variants)."""
    found = recipes(name)
    if not found:
        registry.resolve(name, {})  # raises the unknown-name error, with the known names
    return found


def recipes(name: str | None = None) -> list[Recipe]:
    """The registered recipes (those a bare ``name`` may mean, when given)."""
    found = registry.recipes()
    if name is None:
        return found
    if ":" in name:
        return [r for r in found if r.qualified == name]
    return [r for r in found if r.name == name]


def build(name: str, **kwargs: Any) -> Schedule:
    """The schedule the recipe ``name`` builds from ``kwargs``.

    >>> build("timm:cosine", t_initial=100, warmup_t=5)
    warmup(cosine(t_initial=100), warmup_t=5)
    """
    recipe, built = registry.resolve(name, kwargs, unit_matters=False)
    if recipe.plateau:
        raise ValueError(
            f"{recipe.qualified} is metric-driven: give it an optimizer, "
            f"lrkit.create({recipe.qualified!r}, optimizer, ...)"
        )
    return built


def create(
    name: str,
    optimizer: Any = None,
    *,
    unit: str | None = None,
    updates_per_epoch: int | None = None,
    capturable: bool = False,
    **kwargs: Any,
) -> Any:
    """A driver for ``optimizer`` when one is given, else the schedule.

    With an optimizer, a schedule is bound to every group's lr by :class:`lrkit.torch.Scheduler`
    (``unit`` defaults to the recipe's: epochs for timm's and lrkit's names, updates for
    torch's and transformers'), and a plateau becomes an :class:`lrkit.torch.Plateau`. torch's
    and transformers' names get :class:`lrkit.torch.NamedScheduler`, which has the API and
    reads the checkpoints of the torch class behind the name. ``capturable=True`` keeps the
    driver's time in a device tensor (see :class:`lrkit.torch.Scheduler`).

    >>> import lrkit
    >>> lrkit.create("timm:cosine", t_initial=10, warmup_t=2)(1, base=0.1)
    0.05
    """
    if optimizer is None:
        if capturable:
            raise ValueError("capturable=True is a driver's option: give the optimizer it drives")
        return build(name, **kwargs)
    # A driver counts in the recipe's unit unless told: recipes that differ only there differ.
    # Recipes that read the optimizer's lr (transformers' lr_end, min_lr) get it unless given.
    defaults = getattr(optimizer, "defaults", None)
    optimizer_lr = defaults.get("lr") if isinstance(defaults, Mapping) else None
    recipe, built = registry.resolve(name, kwargs, unit_matters=unit is None, optimizer_lr=optimizer_lr)
    # The optimizer is torch's, so torch is loaded already; lrkit.torch is what drives it.
    from lrkit.torch import Plateau
    from lrkit.torch.named import driver_for

    if recipe.plateau:
        if capturable:
            raise ValueError(f"{recipe.qualified} follows a metric read on the host: it cannot be capturable")
        with checks.renamed(**getattr(built, "names", {})):
            return Plateau(optimizer, **built)
    return driver_for(
        recipe,
        kwargs,
        built,
        optimizer,
        unit=unit,
        updates_per_epoch=updates_per_epoch,
        capturable=capturable,
    )


# -- config sources ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Spec:
    """What a config source describes, read once for :func:`load` and the ``lrkit`` command.

    ``schedule`` is ``None`` for a plateau (it follows a metric; a framework's plateau has
    :class:`lrkit.torch.Plateau`'s arguments in ``plateau``). ``length`` is how long the run
    it describes lasts, in ``unit``: the schedule's own length, or for timm settings timm's
    epoch count (cycles, warmup prefix and cooldown included). ``base`` is the lr the settings
    give (timm's ``lr``), if any. ``fields`` are the other param-group fields a framework's
    config schedules beside the lr (``{"momentum": ...}``).
    """

    format: str
    source: str
    schedule: Schedule | None
    unit: str
    length: float | None
    base: float | None = None
    recipe: Recipe | None = None
    arguments: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    settings: Mapping[str, Any] | None = None
    fields: Mapping[str, Schedule] = dataclasses.field(default_factory=dict)
    plateau: Mapping[str, Any] | None = None
    described: str | None = None

    @property
    def description(self) -> str:
        """The format as an error message names it."""
        if self.described is not None:
            return self.described
        if self.format == "tree":
            return "a schedule tree"
        if self.format == "recipe":
            return f"the recipe {self.recipe.qualified if self.recipe else '?'}"
        return "timm train.py settings"


#: The most a config file may hold: schedules are a few hundred bytes, and a file of any size
#: (``/dev/zero``) would otherwise be read until memory runs out.
MAX_CONFIG_BYTES = 8 * 2**20
#: The most values a YAML file may expand to, its aliases counted at every use: 400 bytes of
#: nested aliases (``&a [...]``, ``[*a, *a, ...]``) otherwise stand for billions of them.
MAX_CONFIG_NODES = 100_000
#: The most updates :func:`export` samples and checks (each candidate is evaluated at every one).
MAX_EXPORT_UPDATES = 2**24


def _read_file(path: str | os.PathLike[str]) -> Any:
    with open(path, "rb") as file:
        raw = file.read(MAX_CONFIG_BYTES + 1)
    if len(raw) > MAX_CONFIG_BYTES:
        limit = MAX_CONFIG_BYTES // 2**20
        raise ValueError(f"{os.fspath(path)}: larger than the {limit} MiB a config may be")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValueError(f"{os.fspath(path)}: not UTF-8 text (byte {error.start})") from None
    if str(path).endswith((".yaml", ".yml")):
        return _load_yaml(text, os.fspath(path))
    return json.loads(text)


@functools.cache
def _yaml_loader(yaml: Any) -> type:
    """PyYAML's safe loader, reading ``3e-4`` as the number YAML 1.2, OmegaConf and Hydra read.

    PyYAML follows YAML 1.1, where a float needs a dot: ``lr: 3e-4``, as NeMo's and many other
    configs write it, would be the string ``'3e-4'`` and refused as no number. Only that form
    is added; everything else resolves as ``yaml.safe_load`` resolves it.
    """

    class Loader(yaml.SafeLoader):
        pass

    # add_implicit_resolver copies the table into the subclass first: SafeLoader is untouched.
    Loader.add_implicit_resolver(
        "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+$"), list("-+0123456789")
    )
    return Loader


def _load_yaml(text: str, where: str) -> Any:
    """``yaml.safe_load(text)``, refused when its aliases expand past :data:`MAX_CONFIG_NODES`.

    The node graph is composed first and its expanded size counted once per distinct node
    (an alias's size is its anchor's), so the count costs what the file's size does.
    """
    try:
        import yaml
    except ImportError:
        raise ImportError(f"reading {where} needs PyYAML: pip install 'lrkit[yaml]'") from None
    loader = _yaml_loader(yaml)(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        sizes: dict[int, int] = {}

        def size(n: Any) -> int:
            known = sizes.get(id(n))
            if known is not None:
                return known
            sizes[id(n)] = MAX_CONFIG_NODES + 1  # a node inside itself (a recursive alias) is too big
            if isinstance(n, yaml.SequenceNode):
                total = 1 + sum(size(child) for child in n.value)
            elif isinstance(n, yaml.MappingNode):
                total = 1 + sum(size(k) + size(x) for k, x in n.value)
            else:
                total = 1
            sizes[id(n)] = total = min(total, MAX_CONFIG_NODES + 1)
            return total

        if size(node) > MAX_CONFIG_NODES:
            raise ValueError(
                f"{where}: expands to more than {MAX_CONFIG_NODES:,} values (its aliases counted at "
                "every use): no schedule needs that many"
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _plain(data: Any) -> Any:
    """An OmegaConf container as plain dicts and lists, resolved; anything else as it is."""
    if type(data).__module__.startswith("omegaconf"):
        from omegaconf import OmegaConf

        return OmegaConf.to_container(data, resolve=True)
    return data


def _select(data: Any, key: str | None, where: str) -> tuple[Any, str]:
    if key is None:
        return data, where
    if not isinstance(key, str) or not key:
        raise TypeError(f"key must be a dotted path such as 'scheduler' or 'train.lr_schedule', got {key!r}")
    node = data
    path: list[str] = []
    for part in key.split("."):
        if not isinstance(node, Mapping):
            raise ValueError(f"{where}: key {key!r}: {'.'.join(path) or 'the top'} is no mapping")
        if part not in node:
            inside = ", ".join(map(repr, sorted(map(str, node)))) or "nothing"
            at = ".".join(path) or "the top"
            raise ValueError(f"{where}: no key {part!r} at {at} (it holds {inside})")
        node = node[part]
        path.append(part)
    return node, f"{where}, key {key!r}"


def read(
    source: Any,
    key: str | None = None,
    format: str | None = None,
    updates_per_epoch: int | None = None,
    *,
    epoch_length: int | None = None,
) -> Spec:
    """The :class:`Spec` of a config ``source``: a path, a mapping, a list or an OmegaConf ``DictConfig``.

    ``key`` picks a block (dotted for a nested one). ``format`` is ``"lrkit"`` (a tree or a
    recipe), ``"timm"`` (train.py settings, the marker then optional) or a framework's format
    registered by its recipe module (``"mmengine"``, ``"deepspeed"``, ...;
    :func:`lrkit.recipes.registry.formats` lists them). Without it, the block's ``format:``
    marker decides, else the one format that recognises the block; a block that several
    formats claim is an error naming them, never a guess. ``epoch_length``
    (``updates_per_epoch`` is the same number under timm's name) is the number of optimizer
    updates per epoch, for the formats that count in epochs.

    >>> spec = read({"sched": "torch:StepLR", "step_size": 30})
    >>> spec.format, spec.unit, spec.length, spec.schedule
    ('recipe', 'update', None, step(decay_t=30))
    """
    known = formats()
    if format is not None and format not in known:
        raise ValueError(f"format must be one of {', '.join(map(repr, known))} or None, got {format!r}")
    if updates_per_epoch is not None and epoch_length is not None and updates_per_epoch != epoch_length:
        raise ValueError(
            f"updates_per_epoch={updates_per_epoch!r} and epoch_length={epoch_length!r} are the same "
            "number under two names: give one"
        )
    epoch_length = epoch_length if epoch_length is not None else updates_per_epoch
    if epoch_length is not None:
        epoch_length = checks.integer("epoch_length", epoch_length, minimum=1)
    if isinstance(source, (str, os.PathLike)):
        where = os.fspath(source)
        data = _read_file(source)
    else:
        where = "the config"
        data = source
    data, where = _select(_plain(data), key, where)
    data = _plain(data)
    marker = data.get("format") if isinstance(data, Mapping) else None
    if marker is not None and format is not None and marker != format:
        raise ValueError(f"{where}: says format: {marker!r}, read with format={format!r}")
    if marker is not None and marker not in known:
        raise ValueError(f"{where}: format: must be one of {', '.join(map(repr, known))}, got {marker!r}")
    chosen = format or marker
    if chosen is None:
        chosen = _detect(data, where)
    if chosen not in (None, *FORMATS):
        return _framework_spec(registry.formats()[chosen], data, where, epoch_length, marker is not None)
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected a mapping, got {type(data).__name__}")
    if chosen == "timm":
        settings = {k: v for k, v in data.items() if k != "format"}
        try:
            return timm_spec(where, timm_settings(settings, where), epoch_length)
        except (TypeError, ValueError) as error:
            if str(error).startswith(where):
                raise
            raise type(error)(f"{where}: read as timm train.py settings: {error}") from None
    if "type" in data:
        try:
            tree = _times({k: v for k, v in data.items() if k != "format"}, "epoch", epoch_length)
            schedule = from_dict(tree)
        except (TypeError, ValueError) as error:
            raise type(error)(f"{where}: read as a schedule tree: {error}") from None
        return Spec("tree", where, schedule, "epoch", schedule.length)
    if "sched" in data:
        arguments = {k: v for k, v in data.items() if k not in ("sched", "format")}
        name = data["sched"]
        try:
            arguments = _recipe_times(name, arguments, epoch_length)
            recipe, built = registry.resolve(name, arguments)
        except (TypeError, ValueError) as error:
            hint = ""
            if set(arguments) & _timm_only():
                hint = (
                    "; timm train.py settings (epochs, warmup_epochs, lr, ...) need the marker format: timm"
                )
            raise type(error)(
                f"{where}: read as the recipe {name!r} with its arguments: {error}{hint}"
            ) from None
        if recipe.plateau:
            return Spec("recipe", where, None, recipe.unit, None, recipe=recipe, arguments=arguments)
        return Spec("recipe", where, built, recipe.unit, built.length, recipe=recipe, arguments=arguments)
    blocks = [
        str(k) for k, v in data.items() if isinstance(v, Mapping) and {"type", "sched", "format"} & set(v)
    ]
    hint = (
        f"; to read a block of a larger file, give key= (here: {', '.join(map(repr, blocks))})"
        if blocks
        else ""
    )
    others = list(registry.formats())
    frameworks = f", nor a config of {', '.join(others)} (say which with format=)" if others else ""
    raise ValueError(
        f"{where}: neither a schedule tree (a 'type' key), a recipe ('sched' and its arguments) nor "
        f"timm train.py settings ('format: timm'){frameworks}; got keys {sorted(map(str, data))}{hint}"
    )


def _times(data: dict[str, Any], unit: str, epoch_length: int | None) -> dict[str, Any]:
    """``data`` with its time strings (``"10ep"``, ``"500ba"``, ``"0.05dur"``) in ``unit``, a new dict.

    A top-level ``duration`` is the run's length, which ``dur`` fractions are of; it is read
    first and is not passed on.
    """
    if not _has_times(data):
        return data
    data = dict(data)
    run = data.pop("duration", None)
    if run is not None:
        if isinstance(run, str) and duration.parse(run)[1] == "duration":
            raise ValueError(f"duration: {run!r} is a fraction of itself; write it in ep or ba")
        try:
            run = duration.resolve(run, unit=unit, epoch_length=epoch_length)
        except ValueError as error:
            raise ValueError(f"duration: {error}") from None
        run = checks.real_or_int("duration", run, minimum=0.0, strict_minimum=True)

    def convert(node: Any, path: str) -> Any:
        if isinstance(node, Mapping):
            return {k: convert(x, f"{path}.{k}" if path else str(k)) for k, x in node.items()}
        if isinstance(node, list):
            return [convert(x, f"{path}[{i}]") for i, x in enumerate(node)]
        if duration.is_time_string(node):
            try:
                return duration.resolve(node, unit=unit, epoch_length=epoch_length, run=run)
            except ValueError as error:
                raise ValueError(f"{path}: {error}") from None
        return node

    return convert(data, "")


def _has_times(data: Mapping[str, Any]) -> bool:
    """Whether a block has a ``duration`` or a time string anywhere in it."""
    return "duration" in data or any(duration.is_time_string(x) for x in _leaves(data))


def _leaves(node: Any) -> list[Any]:
    if isinstance(node, Mapping):
        return [leaf for x in node.values() for leaf in _leaves(x)]
    if isinstance(node, list):
        return [leaf for x in node for leaf in _leaves(x)]
    return [node]


def _recipe_times(name: Any, arguments: dict[str, Any], epoch_length: int | None) -> dict[str, Any]:
    """A recipe's arguments with their time strings in the unit the recipe counts."""
    if not _has_times(arguments):
        return arguments
    units = {r.unit for r in recipes(name)} if isinstance(name, str) else set()
    if len(units) != 1:
        if not units:
            registry.resolve(name, {})  # the unknown-name error
        raise ValueError(
            f"{name!r} names recipes that count epochs and recipes that count updates, so a time "
            "string has no one meaning: write the qualified name (SOURCE:NAME)"
        )
    return _times(arguments, units.pop(), epoch_length)


def formats() -> dict[str, str]:
    """Every config format :func:`read` takes, with what it is."""
    described = {"lrkit": "a schedule tree or a recipe with its arguments", "timm": "timm train.py settings"}
    described.update({f.name: f.description for f in registry.formats().values()})
    return described


def _is_tree(data: Any) -> bool:
    """A block that :meth:`~lrkit.Schedule.to_dict` could have written: a ``type`` lrkit knows."""
    if not isinstance(data, Mapping) or not isinstance(data.get("type"), str):
        return False
    name = data["type"]
    if name not in _REGISTRY:
        for finder in _FINDERS:
            finder(name)
    return name in _REGISTRY


def _detect(data: Any, where: str) -> str | None:
    """The one format that claims ``data``; ``None`` is lrkit's own reading (and its errors)."""
    claims = [f.name for f in registry.formats().values() if f.detect(data)]
    # A recipe block names its recipe in "sched"; NeMo's optim section holds a mapping there.
    recipe = isinstance(data, Mapping) and "sched" in data and not isinstance(data["sched"], Mapping)
    lrkit_claims = _is_tree(data) or recipe
    if lrkit_claims:
        claims.insert(0, "lrkit")
    if len(claims) > 1:
        described = formats()
        raise ValueError(
            f"{where}: reads as more than one format: "
            + "; ".join(f"{name!r} ({described[name]})" for name in claims)
            + "; say which with format= (or a 'format:' key)"
        )
    if not claims or claims[0] == "lrkit":
        return None
    return claims[0]


def _framework_spec(fmt: Any, data: Any, where: str, epoch_length: int | None, marked: bool) -> Spec:
    if marked:
        data = {k: v for k, v in data.items() if k != "format"}
    try:
        reading = fmt.read(data, where=where, epoch_length=epoch_length)
    except (TypeError, ValueError) as error:
        if str(error).startswith(where):
            raise
        raise type(error)(f"{where}: read as {fmt.description}: {error}") from None
    return Spec(
        fmt.name,
        where,
        reading.schedule,
        reading.unit,
        reading.length,
        base=reading.base,
        fields=dict(reading.fields),
        plateau=None if reading.plateau is None else _copied(reading.plateau),
        described=fmt.description,
    )


def load(
    source: Any,
    optimizer: Any = None,
    *,
    key: str | None = None,
    format: str | None = None,
    epoch_length: int | None = None,
    **driver: Any,
) -> Any:
    """A schedule from a config source (see :func:`read`); given an optimizer, its driver.

    A tree becomes :class:`lrkit.torch.Scheduler` (``driver`` its options), a recipe what
    :func:`create` makes of it, timm settings what timm's ``create_scheduler`` builds (the
    :mod:`lrkit.timm` twin; ``epoch_length=`` is its ``updates_per_epoch``). A framework's
    config becomes the schedule that framework follows, in optimizer updates once
    ``epoch_length`` says how many make an epoch; with an optimizer, a
    :class:`lrkit.torch.Scheduler` writing it, and the other fields the framework schedules
    (its momentum), into every group, or a :class:`lrkit.torch.Plateau` for a metric-driven one.

    >>> import lrkit
    >>> lrkit.load({"sched": "timm:cosine", "t_initial": 100, "warmup_t": 5})
    warmup(cosine(t_initial=100), warmup_t=5)
    >>> lrkit.load({"train": {"scheduler": {"type": "cosine", "t_initial": 10}}}, key="train.scheduler")
    cosine(t_initial=10)
    """
    upe = driver.get("updates_per_epoch")
    spec = read(source, key=key, format=format, updates_per_epoch=upe, epoch_length=epoch_length)
    upe = epoch_length if upe is None else upe
    if spec.format == "timm":
        if optimizer is None:
            return spec.schedule
        args = argparse.Namespace(**spec.settings)  # type: ignore[arg-type]
        from lrkit.timm import create_scheduler

        return create_scheduler(args, optimizer, upe or 0)[0]
    if spec.format == "recipe":
        assert spec.recipe is not None
        if upe is not None:
            driver["updates_per_epoch"] = upe
        return create(spec.recipe.qualified, optimizer, **driver, **spec.arguments)
    if optimizer is None:
        if spec.schedule is None:
            raise ValueError(
                f"{spec.source}: {spec.description} lowers the lr when a metric stops improving: "
                "give it an optimizer, lrkit.load(source, optimizer)"
            )
        return spec.schedule
    from lrkit.torch import Plateau, Scheduler

    if spec.format == "tree":
        return Scheduler(optimizer, lr=spec.schedule, **driver)
    if spec.plateau is not None:
        with checks.renamed(**getattr(spec.plateau, "names", {})):
            return Plateau(optimizer, **spec.plateau, **driver)
    from lrkit.torch.named import optimizer_fields

    if upe is not None and spec.unit == "epoch":
        driver.setdefault("updates_per_epoch", upe)
    driver.setdefault("unit", spec.unit)
    fix = "drop its momentum schedule"
    fields = optimizer_fields(spec.fields, optimizer, spec.source, "schedules the momentum", fix)
    return Scheduler(optimizer, lr=spec.schedule, **fields, **driver)


# -- export --------------------------------------------------------------------------------------


def exports() -> dict[str, str]:
    """Every framework :func:`export` writes, with what it writes."""
    return {e.target: e.description for e in registry.exports().values()}


def export(
    source: Any,
    to: str,
    *,
    base: float = 1.0,
    run: int | None = None,
    epoch_length: int | None = None,
    key: str | None = None,
    format: str | None = None,
    unit: str = "update",
) -> Any:
    """The config of framework ``to`` whose schedule has the values of ``source``, update for update.

    ``source`` is a schedule counting ``unit`` (optimizer updates; ``"epoch"`` needs
    ``epoch_length``, and reads the schedule at fractional epochs as a per-update driver does),
    or a config source as :func:`read` takes it (one counting epochs needs ``epoch_length``;
    timm's settings step once an epoch unless they say ``sched_on_updates``). The values
    compared are those of a group whose lr is ``base``, at every update up to and with
    ``run``, the run's number of updates (default: where the schedule settles; a schedule that
    never settles needs it). The first of the framework's schedules whose values agree within
    ``1e-9`` of ``base`` at every one of them is written, in the framework's own terms; where
    none does, a ``ValueError`` says which part of the schedule has no equivalent there, or
    how close the nearest came.

    >>> import lrkit
    >>> s = lrkit.warmup(lrkit.linear(t_initial=90), warmup_t=10, prefix=True)
    >>> export(s, "transformers")
    {'lr_scheduler_type': 'linear', 'warmup_steps': 10, 'max_steps': 100}
    """
    targets = registry.exports()
    if to not in targets:
        raise ValueError(f"to must be one of {', '.join(map(repr, targets))}, got {to!r}")
    base = checks.real_or_int("base", base, minimum=0.0, strict_minimum=True)
    if isinstance(source, Schedule):
        if unit not in registry.UNITS:
            raise ValueError(f"unit must be 'epoch' or 'update', got {unit!r}")
        schedule, where = source, repr(source)
    else:
        spec = read(source, key=key, format=format, epoch_length=epoch_length)
        if spec.schedule is None:
            raise ValueError(
                f"{spec.source}: {spec.description} follows a metric: it has no values to export"
            )
        schedule, unit, where = spec.schedule, spec.unit, spec.source
        if spec.format == "timm" and unit == "epoch":
            schedule = Stairs(schedule, every=1)  # timm sets an epoch's value once, at its start
    scale = 1
    if unit == "epoch":
        if epoch_length is None:
            raise ValueError(f"{where} counts epochs: give epoch_length (updates per epoch) to export it")
        scale = checks.integer("epoch_length", epoch_length, minimum=1)
    length = schedule.length
    if run is None:
        if length is None:
            raise ValueError(f"{where} never settles: give run= (the number of updates to match)")
        run = max(math.ceil(length * scale), 1)
    run = checks.integer("run", run, minimum=1)
    if run > MAX_EXPORT_UPDATES:
        raise ValueError(
            f"{where}: an export checks every update of the run, and {checks.shown(run)} updates is "
            f"more than the {MAX_EXPORT_UPDATES} it checks; give run= (the updates to match)"
        )
    times = np.arange(run + 1, dtype=np.float64) / scale
    values = np.asarray(schedule(times, base=base), dtype=np.float64)
    ends = [t for t, label in tree.marks(schedule).items() if label == "warmup end"]
    outline = registry.Outline(
        values=values,
        base=base,
        length=None if length is None else length * scale,
        warmup_t=ends[0] * scale if ends else 0,
    )
    exporter = targets[to]
    tolerance = 1e-9 * base
    nearest: tuple[float, str, int] | None = None
    tried = []
    for qualified, arguments in exporter.candidates(outline):
        label = qualified or f"a {to} config"
        try:
            if qualified is None:  # the framework's config itself, as its format reads it
                candidate = read(arguments, format=to).schedule
            else:
                candidate = build(qualified, **arguments)
        except (TypeError, ValueError):
            continue  # a guess the framework would refuse is no equivalent
        if candidate is None:
            continue
        tried.append(label)
        got = np.asarray(candidate(np.arange(run + 1, dtype=np.float64), base=base), dtype=np.float64)
        error = np.abs(got - values)
        if np.all(error <= tolerance):
            return exporter.write(qualified, arguments, base)
        worst = int(np.argmax(error))
        if nearest is None or error[worst] < nearest[0]:
            nearest = (float(error[worst]), label, worst)
    parts = _foreign_parts(schedule, exporter, to)
    if parts:
        raise ValueError(f"{where}: {parts} has no equivalent in {to}")
    if nearest is None:
        raise ValueError(f"{where}: {to} has no schedule of this kind")
    gap, qualified, at = nearest
    raise ValueError(
        f"{where}: none of {to}'s schedules gives these values (tried {', '.join(dict.fromkeys(tried))}); "
        f"the nearest, {qualified}, differs by {gap:.3g} at update {at}"
    )


def _foreign_parts(schedule: Schedule, exporter: registry.Export, to: str) -> str:
    """The nodes of ``schedule`` that no schedule of ``to`` is built from (noise, a user's function)."""
    if not exporter.nodes:
        return ""
    foreign = [visit.node for visit in tree.walk(schedule) if visit.node.name not in exporter.nodes]
    # A part inside a foreign one is not named again (noise's inner cosine is not the problem).
    inner = {id(visit.node) for node in foreign for visit in list(tree.walk(node))[1:]}
    foreign = [node for node in foreign if id(node) not in inner]
    return ", ".join(dict.fromkeys(repr(node) if len(repr(node)) < 80 else node.name for node in foreign))


# -- timm's train.py settings -------------------------------------------------------------------

#: What timm's train.py calls the settings it uses beyond the scheduler's flags.
_EXTRA_SETTINGS: list[tuple[tuple[str, ...], dict[str, Any]]] = [
    (("--lr",), dict(type=float, default=None, help="the base lr (default: 1, a multiplier)")),
    (("--seed",), dict(type=int, default=42, help="noise seed, as timm's --seed (default: 42)")),
]


def _settings_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(add_help=False)
    add_argparse_args(parser)
    for flags, options in _EXTRA_SETTINGS:
        parser.add_argument(*flags, **options)
    return parser


_KINDS = {int: "an integer", float: "a number", str: "a string"}


def timm_settings(data: Mapping[str, Any], where: str = "the config") -> dict[str, Any]:
    """train.py's settings from ``data`` (keys as its flags with underscores), defaults filled in.

    Each value is checked as its flag would parse it: argparse checks neither the type nor the
    choices of a default, and a file's settings are defaults of the command line.
    """
    parser = _settings_parser()
    actions = {action.dest: action for action in parser._actions}
    settings = vars(parser.parse_args([]))
    for key, value in data.items():
        if key not in actions:
            raise ValueError(
                f"{where}: read as timm train.py settings: unknown setting {key!r} "
                "(settings are train.py's flag names with underscores)"
            )
        settings[key] = _setting(where, key, value, actions[key])
    return settings


def _setting(where: str, key: str, value: Any, action: argparse.Action) -> Any:
    if value is None and action.default is None:
        return None
    if action.nargs == 0:  # --warmup-prefix, --sched-on-updates
        if not isinstance(value, bool):
            raise ValueError(f"{where}: {key}: expected true or false, got {value!r}")
        return value
    many = action.nargs in ("+", "*")
    # A single number for a list flag is a one-item list, as `--decay-milestones 30` is.
    items = value if many and isinstance(value, list) and value else [value]
    kind = action.type if isinstance(action.type, type) else str
    converted = []
    for item in items:
        try:
            if isinstance(item, str):
                item = kind(item)  # as argparse converts what is typed
            elif isinstance(item, bool) or not isinstance(item, (int, float)) or kind is str:
                raise ValueError(item)
            elif kind is int and not float(item).is_integer():
                raise ValueError(item)
            else:
                item = kind(item)
        except (TypeError, ValueError):
            what = _KINDS.get(kind, kind.__name__) + (" or a list of them" if many else "")
            raise ValueError(f"{where}: {key}: expected {what}, got {value!r}") from None
        if action.choices is not None and item not in action.choices:
            raise ValueError(f"{where}: {key}: {item!r} is not one of {', '.join(map(str, action.choices))}")
        converted.append(item)
    return converted if many else converted[0]


def timm_spec(where: str, settings: Mapping[str, Any], updates_per_epoch: int | None = None) -> Spec:
    """The schedule timm's ``create_scheduler`` builds from train.py ``settings``."""
    args = argparse.Namespace(**settings)
    plan = timm_recipes.plan(**timm_recipes.scheduler_kwargs(args), updates_per_epoch=updates_per_epoch or 0)
    schedule = None if plan.name == "plateau" else plan.schedule()
    unit = "epoch" if plan.step_on_epochs else "update"
    length = plan.num_epochs if plan.step_on_epochs else plan.num_epochs * (updates_per_epoch or 0)
    return Spec("timm", where, schedule, unit, length, base=settings.get("lr"), settings=dict(settings))


def _timm_only() -> set[str]:
    """train.py settings that no recipe takes: a file with them is likely missing its marker."""
    return {a.dest for a in _settings_parser()._actions} - {"sched", "decay_rate", "warmup_prefix", "seed"}


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
            help="learning rate noise on/off epoch percentages (default: no noise)",
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
    (
        ("--lr-decay-fn",),
        dict(
            type=str,
            default=None,
            help="decay function of the wsd / rsqrt schedules (default: 1-sqrt for wsd, linear for rsqrt)",
        ),
    ),
    (
        ("--lr-stable-timescale",),
        dict(type=float, default=None, help="rsqrt timescale in epochs (default: the warmup's length)"),
    ),
]


def timm_names() -> list[str]:
    """The names ``--sched`` accepts: those timm's ``create_scheduler`` builds."""
    return sorted({r.name for r in registry.recipes() if r.source == "timm"} | {"none"})


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
    from lrkit.timm import create_scheduler

    return create_scheduler(args, optimizer, updates_per_epoch)


def _copied(arguments: Mapping[str, Any]) -> dict[str, Any]:
    """A reading's plateau arguments, copied, with the names its user typed for them."""
    names = getattr(arguments, "names", None)
    return dict(arguments) if names is None else registry.PlateauArguments(arguments, names)
