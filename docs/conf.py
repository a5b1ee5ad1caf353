"""Sphinx configuration for lrkit's documentation site (``make docs``).

Sphinx, not MkDocs: lrkit's docstrings are written in reST (``:func:`lrkit.cycles```,
``:class:`~lrkit.Schedule```, doctest blocks), which autodoc renders and cross-links as they
are, and nitpicky mode turns every reference that resolves to nothing into a failure. The pages
are Markdown (MyST), so README.md is the front page without a copy. The gallery and the proofs
page are written at build time by ``_ext/gallery.py`` from the registry, never by hand.

No ``sphinx.ext.viewcode``: its source pages link back to each object under the name of the
module that defines it (``lrkit.config.create``), while a re-exported name is documented where
users import it (``lrkit.create``), so those links would all be broken.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE / "_ext"))
# lrkit.keras imports Keras, which needs a backend; matplotlib must never open a window.
os.environ.setdefault("KERAS_BACKEND", "torch")
os.environ.setdefault("MPLBACKEND", "Agg")

project = "lrkit"
author = "the lrkit developers"
copyright = "2026, the lrkit developers"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "myst_parser",
    "gallery",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "README.md", "images/README.md"]
templates_path: list[str] = []

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# The class attributes every node declares for the registry and the driver (its name, whether
# it is affine or finite) repeat on every class; the Schedule class documents them once.
autodoc_default_options = {
    "member-order": "bysource",
    "exclude-members": "name, affine, finite, moved",
}
# A few docstrings (lrkit.plot's) use Google-style "Args:" sections; the rest is plain reST.
napoleon_google_docstring = True
napoleon_numpy_docstring = False
autodoc_typehints = "signature"
autodoc_typehints_format = "short"
autoclass_content = "class"
autodoc_preserve_defaults = True

# Every reference into lrkit must resolve. Names outside it (numpy, torch, typing, the
# standard library) have no inventory offline, so they are let through by module.
nitpicky = True
nitpick_ignore_regex = [
    (
        r"py:.*",
        r"(numpy|np|torch|jax|optax|keras|matplotlib|typing|collections|argparse|pathlib|os|io|"
        r"dataclasses|enum|types|abc|datetime|numbers|inspect|random)(\..*)?",
    ),
    (
        r"py:.*",
        r"(int|float|str|bytes|bool|object|dict|list|tuple|set|frozenset|type|None|"
        r"Callable|Any|Iterable|Iterator|Mapping|Sequence|MutableMapping|Literal|Union|Optional|"
        r"TypeVar|ClassVar|Self|Path|Figure|Axes|Tensor|ndarray|ArrayLike|SupportsIndex|"
        r"ValueError|TypeError|Warning|UserWarning|Exception|OverflowError|KeyError|"
        r"optional|callable|array|arrays)",
    ),
]

html_theme = "furo"
html_title = "lrkit"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}


#: Per build environment: id(object) -> (its documented name, its domain entry).
_DOCUMENTED: dict[int, dict[int, tuple[str, object]]] = {}


def _object_at(path: str) -> object | None:
    """The Python object a dotted name names, importing its module, or None."""
    import importlib

    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: object = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for name in parts[cut:]:
                found = getattr(found, name)
        except AttributeError:
            return None
        return found
    return None


def _same_object_documented(app, env, node, contnode):
    """Resolve a reference to an object by any of its names to where it is documented.

    ``lrkit.cosine`` is :class:`lrkit.shapes.Cosine`, and a type hint names
    ``lrkit.schedule.Schedule`` where the reference documents ``lrkit.Schedule``: the same
    object under another name. A name that is no object, or an object documented nowhere,
    stays unresolved, and nitpicky mode fails the build on it.
    """
    if node.get("refdomain") != "py":
        return None
    from sphinx.util.nodes import make_refnode

    target = node["reftarget"]
    module = node.get("py:module")
    klass = node.get("py:class")
    candidates = [target]
    if module:
        candidates += [f"{module}.{klass}.{target}" if klass else None, f"{module}.{target}"]
    domain = env.get_domain("py")
    wanted = next((o for c in candidates if c and (o := _object_at(c)) is not None), None)
    if wanted is None and "." not in target:
        # A short name in a docstring shown outside its module: the one documented object
        # whose name ends in it, if exactly one does.
        ends = [n for n in domain.objects if n.rsplit(".", 1)[-1] == target]
        wanted = _object_at(ends[0]) if len(ends) == 1 else None
    if wanted is None:
        return None
    # References resolve after every page is read: the documented objects are known by then,
    # and indexed once per build.
    index = _DOCUMENTED.setdefault(id(env), {})
    if not index:
        for name, entry in domain.objects.items():
            found = _object_at(name)
            if found is not None:
                index.setdefault(id(found), (name, entry))
    hit = index.get(id(wanted))
    if hit is None:
        return None
    name, entry = hit
    return make_refnode(app.builder, node["refdoc"], entry.docname, entry.node_id, contnode, name)


def setup(app):
    app.connect("missing-reference", _same_object_documented)
