"""The gallery and the proofs page, written at build time from the registry.

Every page under ``docs/gallery/`` comes from here, never from a hand: one page per source the
registry knows, and on it, for every name, the picture :func:`lrkit.plot.plot` draws from the
registry's own example arguments (warmup ends and restarts marked), the formula of each node
the recipe builds, the arguments with their defaults, the lrkit expression it equals, and a
link to the test that proves it equal to the original library. A name without examples, or
without such a test, stops the build: the gallery is complete or it is not built.

Which test proves which name is found by asking pytest (``--collect-only``) for the test ids,
so a renamed test or a name it no longer covers fails here, not silently in a reader's click.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent.parent
ROOT = DOCS.parent
OUT = DOCS / "gallery"
#: The README's thumbnail: committed, because GitHub shows README.md without a build. The build
#: rewrites it, and ``tests/test_docs_site.py`` checks that it was drawn from today's examples.
THUMBNAIL = DOCS / "images" / "most_used.png"

#: The schedules people reach for most, drawn together for the front page: each name with the
#: example (its index in the name's registered examples) that shows it best, and where to stop
#: drawing one that keeps going past its run (None: where it settles).
MOST_USED = (
    ("timm:cosine", 1, None),
    ("timm:step", 0, None),
    ("torch:OneCycleLR", 0, None),
    ("torch:CosineAnnealingWarmRestarts", 0, None),
    ("transformers:linear", 0, None),
    ("transformers:cosine", 0, 20),  # its wave goes on past num_training_steps=20
    ("lrkit:wsd", 1, None),
    ("optax:warmup_cosine_decay_schedule", 0, None),
    ("torch:ReduceLROnPlateau", 0, None),
)

#: What each source's page is called, and what it compares with.
TITLES = {
    "lrkit": ("lrkit's own shapes", "lrkit's exact-value tables"),
    "combinators": ("lrkit's combinators", "lrkit's exact-value tables"),
    "timm": ("timm", "timm 1.0.31"),
    "torch": ("torch.optim.lr_scheduler", "torch"),
    "transformers": ("transformers", "transformers"),
    "keras": ("Keras 3", "Keras"),
    "optax": ("optax", "optax"),
    "mmengine": ("mmengine", "mmengine 0.10.7"),
    "deepspeed": ("DeepSpeed", "DeepSpeed 0.19.8"),
    "megatron": ("Megatron-core", "megatron-core"),
    "fvcore": ("fvcore", "fvcore"),
    "detectron2": ("detectron2", "detectron2's solver (through fvcore)"),
    "nemo": ("NeMo", "NeMo's lr_scheduler.py"),
    "pytorch_optimizer": ("pytorch-optimizer", "pytorch-optimizer"),
    "pytorch_warmup": ("pytorch-warmup", "pytorch-warmup"),
    "ultralytics": ("ultralytics (YOLOv8 and later)", "ultralytics' trainer"),
}

#: Where each source's comparisons live: test files, searched in this order. A name is proved
#: by the tests whose parameters name it (``test_matches_torch[StepLR]``); a source with one
#: name whose tests are parametrized otherwise (by style, by version) lists ``any`` tests.
PROOF_FILES = {
    "lrkit": ["tests/test_shapes.py"],
    "combinators": ["tests/test_combinators.py"],
    "timm": ["tests/test_timm.py::test_matches_timm_every_call"],
    "torch": ["tests/test_torch_equivalence.py::test_matches_torch", "tests/test_plateau.py"],
    "transformers": ["tests/test_transformers.py::test_matches_get_scheduler"],
    "keras": ["tests/test_keras_recipes.py::test_lrkit_gives_keras_values"],
    "optax": ["tests/test_optax_recipes.py::test_lrkit_gives_optax_values"],
    "mmengine": ["tests/test_mmengine_recipes.py::test_every_scheduler_matches_mmengine"],
    "deepspeed": ["tests/test_deepspeed_recipes.py::test_matches_deepspeed"],
    "megatron": ["any tests/test_megatron_recipes.py::test_matches_optimizer_param_scheduler"],
    "fvcore": ["tests/test_fvcore_recipes.py::test_against_fvcore"],
    "detectron2": [
        "tests/test_detectron2_recipes.py::test_stepped_against_detectron2",
        "tests/test_detectron2_recipes.py::test_schedule_against_detectron2_multiplier",
        "tests/test_detectron2_recipes.py",
    ],
    "nemo": ["tests/test_nemo_recipes.py::test_every_policy_matches_nemo_on_generated_configurations"],
    "pytorch_optimizer": ["tests/test_pytorch_optimizer_recipes.py::test_matches_the_library_every_step"],
    "pytorch_warmup": ["tests/test_pytorch_warmup_recipes.py::test_alone_matches_every_step"],
    "ultralytics": ["any tests/test_ultralytics_recipes.py::test_matches_the_trainer_every_iteration"],
}
#: Names whose comparison is a test of its own, not a parameter of the source's main one.
PROOF_OVERRIDES = {
    "torch:ReduceLROnPlateau": "tests/test_plateau.py::test_same_decisions_as_torch_reduce_lr_on_plateau",
    "mmengine:ReduceOnPlateauLR": "tests/test_mmengine_recipes.py::test_reduce_on_plateau_matches_mmengine",
    "mmengine:ReduceOnPlateauParamScheduler": (
        "tests/test_mmengine_recipes.py::test_reduce_on_plateau_matches_mmengine"
    ),
    "detectron2:LRMultiplier": "tests/test_detectron2_recipes.py::test_lazy_config_lr_multiplier",
    "detectron2:WarmupParamScheduler": "tests/test_detectron2_recipes.py::test_lazy_config_lr_multiplier",
}

#: The lr every picture scales from: relative schedules peak there, absolute ones (Keras',
#: optax's, fvcore's) draw their own values, which the examples keep at the same scale.
BASE = 0.1
#: Where a schedule that never settles stops being drawn, in its own unit.
ENDLESS_T = 40.0


class GalleryError(Exception):
    """The gallery cannot be complete: a name lacks an example, a picture or a proof."""


@dataclass(frozen=True)
class Proof:
    """The tests that prove one name equal to the original library."""

    file: str
    function: str
    ids: tuple[str, ...]

    @property
    def anchor(self) -> str:
        return _slug(f"{Path(self.file).stem}-{self.function}")


# -- the tests --------------------------------------------------------------------------------


def collect_test_ids(files: Iterable[str]) -> list[str]:
    """Every test id pytest collects in ``files`` (run from the repository's root)."""
    command = [
        sys.executable,
        "-m",
        "pytest",
        "--collect-only",
        "-q",
        "-o",
        "addopts=",
        "-p",
        "no:cacheprovider",
    ]
    done = subprocess.run(
        [*command, *sorted(set(files))], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    ids = [line.strip() for line in done.stdout.splitlines() if "::" in line]
    if done.returncode != 0 or not ids:
        raise GalleryError(
            f"pytest could not collect the comparison tests:\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return ids


def _params(test_id: str) -> list[str]:
    inside = test_id.partition("[")[2].rstrip("]")
    return inside.split("-") if inside else []


def _function_of(test_id: str) -> tuple[str, str]:
    file, _, rest = test_id.partition("::")
    return file, rest.partition("[")[0]


def find_proof(qualified: str, ids: list[str], siblings: Iterable[str] = ()) -> Proof:
    """The first test, in the source's :data:`PROOF_FILES` order, whose ids name ``qualified``.

    ``siblings`` are the other names of its source, for test files named after what they test:
    ``test_cosine_wave_exact`` is cosine_wave's, not cosine's.
    """
    source, _, name = qualified.partition(":")
    places = [PROOF_OVERRIDES[qualified]] if qualified in PROOF_OVERRIDES else PROOF_FILES.get(source, [])
    for place in places:
        take_any = place.startswith("any ")
        place = place.removeprefix("any ")
        if qualified in PROOF_OVERRIDES or take_any:
            found = [i for i in ids if i == place or i.startswith(place + "[")]
        elif "::" in place:
            found = [i for i in ids if i.startswith(place + "[") and name in _params(i)]
        else:
            # A file of exact-value tests named after what they test: test_<name>, test_<name>_...
            pattern = re.compile(rf"^{re.escape(place)}::test_{re.escape(name)}(_[a-z]+)*(\[|$)")
            found = [i for i in ids if pattern.match(i) and not _longer_name_owns(i, name, siblings)]
        if found:
            # The test named after the name, or its exact-value table, says it best.
            preferred = [f"test_{name}", f"test_{name}_exact", f"test_{name}_formula"]
            functions = {_function_of(i) for i in found}
            file, function = min(
                functions, key=lambda f: (preferred.index(f[1]) if f[1] in preferred else 3, f)
            )
            return Proof(file, function, tuple(i for i in found if _function_of(i) == (file, function)))
    raise GalleryError(
        f"{qualified}: no test proves it (looked in {places or 'nothing: add its source to PROOF_FILES'})"
    )


def _longer_name_owns(test_id: str, name: str, siblings: Iterable[str]) -> bool:
    """Whether a longer sibling name owns the test (``cosine_wave`` owns ``test_cosine_wave_exact``)."""
    function = _function_of(test_id)[1].removeprefix("test_")
    return any(
        len(o) > len(name) and (function == o or function.startswith(o + "_")) for o in siblings if o != name
    )


# -- one name ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class NodeRecipe:
    """A combinator, shown as a recipe is: its class builds it, its examples are schedules.

    Combinators take schedules rather than keywords, so they are no registry recipes; their
    examples come from :func:`lrkit.recipes.registry.register_node_examples`.
    """

    builder: type
    source: str = "combinators"
    unit: str = "epoch"
    plateau: bool = False

    @property
    def name(self) -> str:
        return self.builder.name

    @property
    def qualified(self) -> str:
        return f"{self.source}:{self.name}"

    @property
    def shown(self) -> str:
        return f"lrkit.{self.name}"

    def signature(self) -> str:
        """The arguments with their defaults, as :meth:`Recipe.signature` writes a recipe's."""
        parameters = inspect.signature(self.builder).parameters.values()
        return ", ".join(p.name if p.default is p.empty else f"{p.name}={p.default!r}" for p in parameters)


@dataclass
class Entry:
    recipe: Any
    examples: list[dict[str, Any]]
    built: list[Any]
    proof: Proof

    @property
    def qualified(self) -> str:
        return self.recipe.qualified

    @property
    def image(self) -> str:
        # Sphinx copies every picture into one folder: the source in the name keeps them apart.
        return f"img/{self.recipe.source}-{_slug(self.recipe.name)}.png"


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _build(recipe: Any, arguments: dict[str, Any]) -> Any:
    from lrkit.recipes import registry

    found, built = registry.resolve(recipe.qualified, arguments)
    assert found is recipe
    return built


def _call(qualified: str, arguments: dict[str, Any], *, optimizer: bool = False) -> str:
    shown = [f'"{qualified}"'] + (["optimizer"] if optimizer else [])
    shown += [f"{k}={_python(v)}" for k, v in arguments.items()]
    return f"lrkit.create({', '.join(shown)})"


def _python(value: Any) -> str:
    import lrkit

    if isinstance(value, lrkit.Schedule):
        return f"lrkit.{value!r}"
    if callable(value) and hasattr(value, "__name__"):
        return value.__name__
    if isinstance(value, list):
        return "[" + ", ".join(_python(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_python(k)}: {_python(v)}" for k, v in value.items()) + "}"
    return repr(value)


def _ylabel(recipe: Any, arguments: dict[str, Any]) -> str:
    field = arguments.get("param_name")
    if field and field != "lr":
        return field.replace("_", " ")
    if recipe.name.endswith("Momentum"):
        return "momentum"
    if recipe.source == "pytorch_warmup":
        return "warmup factor"
    return "learning rate"


def _t_end(schedules: list[Any]) -> float:
    """Where the longest of ``schedules`` settles, or :data:`ENDLESS_T` past one that never does."""
    lengths = [s.length for s in schedules]
    if all(length for length in lengths):
        return float(max(lengths))
    finite = [float(length) for length in lengths if length]
    return max([ENDLESS_T, *finite])


#: The metric every plateau picture follows (see :func:`_plateau_schedule`).
PLATEAU_METRIC = "metric improving for 8 epochs, then flat"


def _plateau_schedule(recipe: Any, arguments: dict[str, Any]) -> Any:
    """What a plateau recipe does to the lr under :data:`PLATEAU_METRIC`.

    A plateau has no curve of its own: it follows a metric. The picture steps it, through
    :func:`lrkit.create` with a real torch optimizer, on a metric that stops improving, and
    draws the lrs it wrote as a piecewise-constant schedule.
    """
    import torch

    import lrkit

    parameter = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([parameter], lr=BASE)
    driver = lrkit.create(recipe.qualified, optimizer, **arguments)
    mode = getattr(driver, "mode", "min")
    lrs = []
    for epoch in range(int(ENDLESS_T)):
        loss = 1.0 / (1 + min(epoch, 8))
        lrs.append(optimizer.param_groups[0]["lr"])
        driver.step(loss if mode == "min" else -loss)
    boundaries = [i for i in range(1, len(lrs)) if lrs[i] != lrs[i - 1]]
    factors = [lrs[0] / BASE] + [lrs[i] / BASE for i in boundaries]
    return lrkit.piecewise_constant(boundaries=boundaries, factors=factors)


def draw(entry: Entry, path: Path) -> None:
    """The name's picture: every example as its own curve, marks where each node has them."""
    from matplotlib.figure import Figure

    from lrkit.plot import plot

    recipe = entry.recipe
    # Each example built (a plateau stepped) once: its schedule, and the unit it counts.
    drawn = [_example_schedule(entry, i) for i in range(len(entry.examples))]
    curves = {f"example {i}": schedule for i, (schedule, _) in enumerate(drawn, 1)}
    unit = drawn[0][1]
    shown = getattr(recipe, "shown", recipe.qualified)
    title = f"{shown}: {PLATEAU_METRIC}" if recipe.plateau else shown
    t_end = _t_end(list(curves.values()))
    # Drawn at the size it is shown, so the mark labels are laid out for that size.
    fig = Figure(figsize=(6.4, 3.4), layout="constrained")
    plot(
        curves if len(curves) > 1 else next(iter(curves.values())),
        t_end=t_end,
        base=BASE,
        unit=unit,
        # A plateau decides once per epoch: its lr is a step function of whole epochs.
        updates_per_epoch=1 if recipe.plateau else _samples_per(unit, t_end),
        title=title,
        ylabel=_ylabel(recipe, entry.examples[0]),
        marks="auto",
        ax=fig.add_subplot(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, metadata={"Software": None})


def _formulas(entry: Entry) -> list[tuple[str, str]]:
    """Each node class the examples build, with its docstring's formula (or its summary)."""
    from lrkit import tree

    seen: dict[type, tuple[str, str]] = {}
    for schedule in entry.built:
        if schedule is None or isinstance(schedule, dict):
            continue
        for visit in tree.walk(schedule):
            cls = type(visit.node)
            if cls not in seen:
                seen[cls] = (f"{cls.__module__}.{cls.__qualname__}", _formula(cls))
    return list(seen.values())


def _formula(cls: type) -> str:
    doc = inspect.getdoc(cls) or ""
    paragraphs = [p.strip() for p in doc.split("\n\n")]
    before_examples = [p for p in paragraphs if not p.startswith(">>>")]
    formulas = [p for p in before_examples[1:] if "``" in p and re.search(r"``[^`]*=[^`]*``", p)]
    text = formulas[0] if formulas else before_examples[0]
    module = sys.modules[cls.__module__]

    def qualify(match: re.Match[str]) -> str:
        # Short references are the class's own module's names; the bullet stands elsewhere.
        role, _tilde, target = match.groups()
        if "." not in target and hasattr(module, target):
            return f":{role}:`~{cls.__module__}.{target}`"
        return match.group(0)

    return re.sub(r":(\w+):`(~?)([\w.]+)`", qualify, " ".join(text.split()))


# -- the pages --------------------------------------------------------------------------------


def entries(ids: list[str]) -> dict[str, list[Entry]]:
    from lrkit.recipes import registry

    by_source: dict[str, list[Entry]] = {}
    missing = []
    names: dict[str, list[str]] = {}
    for recipe in registry.recipes():
        names.setdefault(recipe.source, []).append(recipe.name)
    for recipe in registry.recipes():
        examples = recipe.examples
        if not examples:
            missing.append(recipe.qualified)
            continue
        built = [None if recipe.plateau else _build(recipe, a) for a in examples]
        entry = Entry(recipe, examples, built, find_proof(recipe.qualified, ids, names[recipe.source]))
        by_source.setdefault(recipe.source, []).append(entry)
    if missing:
        raise GalleryError(
            f"registered without examples: {', '.join(missing)}; give each one with "
            "registry.register_examples(...) beside its registration"
        )
    by_source["combinators"] = _combinators(ids)
    unknown = sorted(set(by_source) - set(TITLES))
    if unknown:
        raise GalleryError(f"sources without a gallery title: {unknown}; add them to TITLES in {__file__}")
    return by_source


def _combinators(ids: list[str]) -> list[Entry]:
    """An entry for every node class :mod:`lrkit.combinators` exports, from its node examples."""
    from lrkit import combinators
    from lrkit.recipes import registry
    from lrkit.schedule import Schedule

    # Scale lives in lrkit.schedule (``0.5 * s`` needs it there) and is exported here too.
    classes = [
        c
        for c in (getattr(combinators, n) for n in combinators.__all__)
        if isinstance(c, type) and issubclass(c, Schedule)
    ]
    examples = registry.node_examples()
    missing = sorted(c.name for c in classes if c.name not in examples)
    if missing:
        raise GalleryError(
            f"combinators without examples: {', '.join(missing)}; give each one with "
            "registry.register_node_examples(...) in lrkit/recipes/lrkit.py"
        )
    names = [c.name for c in classes]
    found = []
    for cls in sorted(set(classes), key=lambda c: c.name):
        node = NodeRecipe(cls)
        schedules = examples[cls.name]
        proof = find_proof(node.qualified, ids, names)
        found.append(Entry(node, [{} for _ in schedules], schedules, proof))
    return found


def _rst_heading(text: str, underline: str) -> str:
    return f"{text}\n{underline * len(text)}\n"


def _indent(text: str, by: int = 3) -> str:
    return textwrap.indent(text, " " * by)


def source_page(source: str, items: list[Entry]) -> str:
    title, compared = TITLES[source]
    unit_words = {"epoch": "epochs", "update": "optimizer updates"}
    lines = [
        f".. _gallery-{source}:\n",
        _rst_heading(title, "="),
        f"Every name lrkit knows from {title}: {len(items)}, drawn from the examples its recipe module "
        f"registers, with the lr scaled from a base of {BASE}. Each picture draws every example as "
        "the function of time it is: an epoch schedule at several samples per epoch on a short "
        "run. Dashed lines are warmup ends, restarts and hand-overs, read from the schedule itself "
        f"(:func:`lrkit.plot.auto_marks`). Each name links to the test that compares it "
        f"with {compared}.\n",
    ]
    for entry in items:
        recipe = entry.recipe
        lines.append(f".. _gallery-{_slug(entry.qualified)}:\n")
        lines.append(_rst_heading(recipe.name, "-"))
        doc = inspect.getdoc(recipe.builder) or ""
        # The docstring's short references (:class:`WSD`) are its own module's names.
        lines.append(f".. currentmodule:: {recipe.builder.__module__}\n")
        lines.append(doc.strip() + "\n")
        lines.append(
            f".. image:: {entry.image}\n   :alt: {entry.qualified}, drawn from its examples\n"
            "   :width: 640px\n"
        )
        if isinstance(recipe, NodeRecipe):
            lines.append(
                f"``lrkit.{recipe.name}`` counts whatever the schedules it holds count. "
                "Arguments, with their defaults:\n"
            )
        else:
            lines.append(
                f"``{entry.qualified}`` counts {unit_words[recipe.unit]}. Arguments, with their defaults:\n"
            )
        lines.append(".. code-block:: text\n\n" + _indent(f"{recipe.name}({recipe.signature()})") + "\n")
        if recipe.plateau:
            lines.append(
                "A metric-driven recipe: it builds the keyword arguments of :class:`lrkit.torch.Plateau`, "
                "which :func:`lrkit.create` turns into the driver.\n"
            )
            code = "\n".join(_call(entry.qualified, a, optimizer=True) for a in entry.examples)
            lines.append(".. code-block:: python\n\n" + _indent(code) + "\n")
        elif isinstance(recipe, NodeRecipe):
            lines.append("The examples drawn above (every name is ``lrkit``'s):\n")
            code = "\n".join(f"# example {i}\n{s!r}" for i, s in enumerate(entry.built, 1))
            lines.append(".. code-block:: python\n\n" + _indent(code) + "\n")
        else:
            lines.append("The examples, and the lrkit expression each equals:\n")
            code = "\n".join(
                f"{_call(entry.qualified, a)}\n# example {i}: {s!r}"
                for i, (a, s) in enumerate(zip(entry.examples, entry.built, strict=True), 1)
            )
            lines.append(".. code-block:: python\n\n" + _indent(code) + "\n")
            formulas = _formulas(entry)
            # A recipe that is a node class itself (lrkit's shapes) showed its formula above.
            own = f"{recipe.builder.__module__}.{recipe.builder.__qualname__}"
            if [path for path, _ in formulas] != [own]:
                lines.append("The nodes it builds, each with its formula:\n")
                for path, formula in formulas:
                    lines.append(f"* :class:`~{path}`: {formula}")
                lines.append("")
        shown = ", ".join(f"``{i.partition('::')[2]}``" for i in entry.proof.ids[:4])
        more = f" and {len(entry.proof.ids) - 4} more" if len(entry.proof.ids) > 4 else ""
        lines.append(
            f"Proved by :ref:`{entry.proof.file}::{entry.proof.function} <proof-{entry.proof.anchor}>` "
            f"({shown}{more}).\n"
        )
    return "\n".join(lines)


def proofs_page(items: dict[str, list[Entry]]) -> str:
    proofs: dict[tuple[str, str], list[str]] = {}
    anchors: dict[tuple[str, str], str] = {}
    for entry in (e for es in items.values() for e in es):
        key = (entry.proof.file, entry.proof.function)
        proofs.setdefault(key, []).append(entry.qualified)
        anchors[key] = entry.proof.anchor
    lines = [
        ".. _proofs:\n",
        _rst_heading("The proofs", "="),
        "Each test below runs lrkit and the original library side by side and asserts the same "
        "values (``make test`` runs them all). Run one with ``.venv/bin/python -m pytest '<id>'``.\n",
    ]
    for (file, function), names in sorted(proofs.items()):
        lines.append(f".. _proof-{anchors[(file, function)]}:\n")
        lines.append(_rst_heading(f"{file}::{function}", "-"))
        lines.append("Proves " + ", ".join(f":ref:`{n} <gallery-{_slug(n)}>`" for n in names) + ".\n")
        lines.append(f".. literalinclude:: ../../{file}\n   :language: python\n   :pyobject: {function}\n")
    return "\n".join(lines)


def index_page(items: dict[str, list[Entry]]) -> str:
    count = sum(len(es) for es in items.values())
    first = ["lrkit", "combinators", "timm", "torch", "transformers"]
    order = [*first, *sorted(set(items) - set(first))]
    lines = [
        _rst_heading("Gallery", "="),
        f"Every name the registry knows, {count} in all, drawn by lrkit itself at build time. "
        "The most used ones:\n",
        ".. image:: ../images/most_used.png\n   :alt: the most used schedules, drawn from their examples\n",
        ".. toctree::\n   :maxdepth: 1\n",
    ]
    lines += [f"   {s}" for s in order] + ["   proofs", ""]
    return "\n".join(lines)


def draw_most_used(items: dict[str, list[Entry]], path: Path) -> str:
    """The front page's grid of the most used schedules; returns the digest it is stamped with."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from lrkit.plot import plot

    by_name = {e.qualified: e for es in items.values() for e in es}
    chosen = _most_used(by_name)
    digest = _digest(chosen)
    fig, axes = plt.subplots(3, 3, figsize=(12, 7.5))
    for ax, (qualified, schedule, unit, t_end) in zip(axes.flat, chosen, strict=True):
        plateau = by_name[qualified].recipe.plateau
        plot(
            schedule,
            t_end=t_end,
            base=BASE,
            unit=unit,
            updates_per_epoch=1 if plateau else _samples_per(unit, t_end),
            title=qualified,
            ylabel="lr",
            marks="auto",
            ax=ax,
        )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=80, metadata={"Software": None, "Description": f"lrkit-gallery {digest}"})
    plt.close(fig)
    return digest


def _example_schedule(entry: Entry, index: int) -> tuple[Any, str]:
    """The schedule one example builds and its unit (a plateau's, as its picture steps it)."""
    if entry.recipe.plateau:
        return _plateau_schedule(entry.recipe, entry.examples[index]), "epoch"
    return entry.built[index], entry.recipe.unit


def _samples_per(unit: str, t_end: float) -> int:
    """Samples per epoch for a picture: an epoch schedule is a function of fractional epochs, so a
    short run gets several samples in each; an update schedule is drawn at every update only,
    which is all an optimizer ever sees of it."""
    return max(1, math.ceil(200 / t_end)) if unit == "epoch" else 1


def _most_used(by_name: dict[str, Entry]) -> list[tuple[str, Any, str, float]]:
    """Each :data:`MOST_USED` name with its chosen example's schedule, unit and end, built once."""
    chosen = []
    for qualified, index, stop in MOST_USED:
        schedule, unit = _example_schedule(by_name[qualified], index)
        chosen.append((qualified, schedule, unit, stop or _t_end([schedule])))
    return chosen


def _digest(chosen: list[tuple[str, Any, str, float]]) -> str:
    import numpy as np

    parts = []
    for qualified, schedule, _, t_end in chosen:
        values = np.asarray(schedule(np.arange(math.ceil(t_end), dtype=np.float64), BASE), dtype=np.float64)
        parts.append([qualified, repr(schedule), [float(f"{x:.12g}") for x in values]])
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()[:16]


def thumbnail_digest(by_name: dict[str, Entry]) -> str:
    """What the thumbnail shows, hashed: each name's chosen example and its values on a grid."""
    return _digest(_most_used(by_name))


def proof_files() -> set[str]:
    """The test files the proofs are looked for in."""
    files = {p.removeprefix("any ").partition("::")[0] for ps in PROOF_FILES.values() for p in ps}
    return files | {p.partition("::")[0] for p in PROOF_OVERRIDES.values()}


def generate(out: Path = OUT) -> dict[str, int]:
    """Write the gallery into ``out`` (emptied first); returns the count of names per source."""
    items = entries(collect_test_ids(proof_files()))
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for source, es in items.items():
        (out / f"{source}.rst").write_text(source_page(source, es), encoding="utf-8")
        for entry in es:
            draw(entry, out / entry.image)
    (out / "proofs.rst").write_text(proofs_page(items), encoding="utf-8")
    (out / "index.rst").write_text(index_page(items), encoding="utf-8")
    draw_most_used(items, THUMBNAIL)
    return {s: len(es) for s, es in items.items()}


def _on_builder_inited(app: Any) -> None:
    from sphinx.errors import ExtensionError

    try:
        counts = generate()
    except GalleryError as error:
        raise ExtensionError(f"the gallery is incomplete: {error}") from None
    print(f"gallery: {sum(counts.values())} names from {len(counts)} sources", file=sys.stderr)


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", _on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
