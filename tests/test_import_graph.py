"""The layers, read from the source: who imports whom inside lrkit, and where torch may come in.

core (checks, schedule, shapes, combinators, tree, duration) < recipes (lrkit.recipes.*) < torch layer
(lrkit.torch.*, lrkit.timm, lrkit.yolo) < front doors (lrkit, config, plot, cli). A module
imports from its own layer or lower ones, never in a circle; core never imports torch, and
recipes only inside a function. The adapters (lrkit.optax, lrkit.keras) sit beside the torch
layer: they import core and recipes only, and are the only modules that import their framework
(jax and optax, keras); nothing below the front doors imports them, and ``import lrkit`` loads
no framework at all.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from recipe_examples import EXAMPLES

import lrkit

SRC = Path(lrkit.__file__).resolve().parent
TESTS = Path(__file__).resolve().parent

CORE, RECIPES, TORCH, ADAPTERS, FRONT = 0, 1, 2, 3, 4
LAYER_NAMES = {
    CORE: "core",
    RECIPES: "recipes",
    TORCH: "torch layer",
    ADAPTERS: "adapter",
    FRONT: "front door",
}
# Each adapter and the frameworks it alone may import.
ADAPTER_FRAMEWORKS = {"lrkit.optax": {"jax", "optax"}, "lrkit.keras": {"keras"}}
OTHER_FRAMEWORKS = {"jax", "optax", "flax", "keras", "tensorflow"}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(p): p for p in sorted(SRC.rglob("*.py"))}


def layer(module: str) -> int:
    if module in {
        "lrkit.checks",
        "lrkit.schedule",
        "lrkit.shapes",
        "lrkit.combinators",
        "lrkit.tree",
        "lrkit.duration",
    }:
        return CORE
    if module == "lrkit.recipes" or module.startswith("lrkit.recipes."):
        return RECIPES
    if module in ("lrkit.torch", "lrkit.timm", "lrkit.yolo") or module.startswith("lrkit.torch."):
        return TORCH
    if module in ADAPTER_FRAMEWORKS:
        return ADAPTERS
    if module in ("lrkit", "lrkit.config", "lrkit.plot", "lrkit.cli", "lrkit.__main__"):
        return FRONT
    raise KeyError(f"{module} is in no layer: add it to this test's layer()")


@dataclass(frozen=True)
class Import:
    target: str  # the module imported (an lrkit module resolved as far as it is one)
    line: int
    top_level: bool  # runs when the module is imported (not inside a function)


def _is_package(module: str) -> bool:
    return MODULES.get(module, Path()).name == "__init__.py"


def _from_target(module: str, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    package = module if _is_package(module) else module.rpartition(".")[0]
    for _ in range(node.level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{node.module}" if node.module else package


class _Imports(ast.NodeVisitor):
    def __init__(self, module: str) -> None:
        self.module = module
        self.depth = 0
        self.found: list[Import] = []

    def _add(self, target: str, node: ast.AST) -> None:
        self.found.append(Import(target, node.lineno, self.depth == 0))

    def _function(self, node: ast.AST) -> None:
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _function  # noqa: N815

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self._add(alias.name, node)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = _from_target(self.module, node)
        for alias in node.names:
            # `from lrkit import checks` imports the module lrkit.checks; `from lrkit.x import Y`, lrkit.x.
            candidate = f"{base}.{alias.name}"
            self._add(candidate if candidate in MODULES else base, node)

    def visit_Call(self, node: ast.Call) -> None:
        # importlib.import_module("name") and __import__("name") with a literal name import it too.
        func = node.func
        called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if called in ("import_module", "__import__") and node.args:
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                self._add(first.value, node)
        self.generic_visit(node)


def imports_of(module: str) -> list[Import]:
    visitor = _Imports(module)
    visitor.visit(ast.parse(MODULES[module].read_text(encoding="utf-8"), filename=str(MODULES[module])))
    return visitor.found


IMPORTS = {module: imports_of(module) for module in MODULES}


def is_lrkit(target: str) -> bool:
    return target == "lrkit" or target.startswith("lrkit.")


def is_torch(target: str) -> bool:
    return target == "torch" or target.startswith("torch.")


def framework(target: str) -> str | None:
    """The framework an import of ``target`` brings in, of those only an adapter may import."""
    root = target.partition(".")[0]
    return root if root in OTHER_FRAMEWORKS else None


def graph() -> dict[str, set[str]]:
    return {
        m: {i.target for i in found if is_lrkit(i.target) and i.target != m} for m, found in IMPORTS.items()
    }


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``edges`` as a path that ends where it starts, or None."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        state[node] = 2
        return None

    for node in sorted(edges):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def where(module: str, found: Import) -> str:
    return f"{MODULES[module].relative_to(SRC.parent)}:{found.line}: {found.target}"


# -- the scanner sees what it must ----------------------------------------------------------------


def test_every_module_has_a_layer():
    assert {
        "lrkit",
        "lrkit.tree",
        "lrkit.recipes.registry",
        "lrkit.torch.scheduler",
        "lrkit.optax",
        "lrkit.keras",
        "lrkit.cli",
    } <= set(MODULES)
    for module in MODULES:
        layer(module)


def test_the_scanner_sees_imports_inside_functions_and_by_name():
    timm_imports = {(i.target, i.top_level) for i in IMPORTS["lrkit.recipes.timm"]}
    assert ("torch", False) in timm_imports  # torch_noise's own import
    assert ("lrkit.checks", True) in timm_imports  # from lrkit import checks as v
    assert ("lrkit.combinators", True) in timm_imports  # from lrkit.combinators import Cycles, ...
    config_imports = {(i.target, i.top_level) for i in IMPORTS["lrkit.config"]}
    assert ("lrkit.torch", False) in config_imports  # importlib.import_module("lrkit.torch")
    assert ("lrkit.recipes.timm", True) in config_imports  # from lrkit.recipes import timm as ...
    assert ("lrkit.combinators", False) in {(i.target, i.top_level) for i in IMPORTS["lrkit.shapes"]}
    assert ("jax.numpy", True) in {(i.target, i.top_level) for i in IMPORTS["lrkit.optax"]}
    assert framework("jax.numpy") == "jax" and framework("keras") == "keras" and framework("jaxlib2") is None


def test_the_cycle_finder_finds_cycles():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"x": {"y"}, "y": {"y2"}, "y2": {"y"}}) == ["y", "y2", "y"]


# -- the rules ------------------------------------------------------------------------------------


def test_every_lrkit_import_names_a_module_that_exists():
    missing = [
        where(m, i)
        for m, found in IMPORTS.items()
        for i in found
        if is_lrkit(i.target) and i.target not in MODULES
    ]
    assert not missing


def test_no_import_cycles():
    cycle = find_cycle(graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_core_imports_only_core_and_never_torch():
    bad = [
        where(m, i)
        for m, found in IMPORTS.items()
        if layer(m) == CORE
        for i in found
        if is_torch(i.target) or (is_lrkit(i.target) and layer(i.target) != CORE)
    ]
    assert not bad


FRAMEWORKS = re.compile(r"torch|timm|transformers|yolo|lightning|keras|tensorflow|jax", re.IGNORECASE)


def test_core_code_names_no_framework():
    # Docstrings and messages may speak of frameworks; the names in the code do not.
    bad = []
    for module, path in MODULES.items():
        if layer(module) != CORE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Name):
                names = [node.id]
            elif isinstance(node, ast.Attribute):
                names = [node.attr]
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, ast.arg):
                names = [node.arg]
            elif isinstance(node, ast.alias):
                names = [node.name, node.asname or ""]
            bad += [f"{module}:{getattr(node, 'lineno', '?')}: {n}" for n in names if FRAMEWORKS.search(n)]
    assert not bad


def test_recipes_import_torch_only_inside_functions_and_nothing_above_them():
    bad = [
        where(m, i)
        for m, found in IMPORTS.items()
        if layer(m) == RECIPES
        for i in found
        if (is_torch(i.target) and i.top_level) or (is_lrkit(i.target) and layer(i.target) > RECIPES)
    ]
    assert not bad


def test_the_torch_layer_imports_no_front_door():
    bad = [
        where(m, i)
        for m, found in IMPORTS.items()
        if layer(m) == TORCH
        for i in found
        if is_lrkit(i.target) and layer(i.target) == FRONT
    ]
    assert not bad


def test_adapters_import_only_core_and_recipes():
    # Beside the torch layer, not above it: an optax user needs no torch, a keras user no jax.
    bad = [
        where(m, i)
        for m, found in IMPORTS.items()
        if layer(m) == ADAPTERS
        for i in found
        if is_torch(i.target) or (is_lrkit(i.target) and layer(i.target) > RECIPES)
    ]
    assert not bad


def test_only_an_adapter_imports_its_framework():
    bad = [
        where(m, i)
        for m, found in IMPORTS.items()
        for i in found
        if framework(i.target) and framework(i.target) not in ADAPTER_FRAMEWORKS.get(m, ())
    ]
    assert not bad


def test_no_module_imports_a_higher_layer():
    bad = [
        f"{where(m, i)} ({LAYER_NAMES[layer(m)]} imports {LAYER_NAMES[layer(i.target)]})"
        for m, found in IMPORTS.items()
        for i in found
        if is_lrkit(i.target) and i.target in MODULES and layer(i.target) > layer(m)
    ]
    assert not bad


# -- in a fresh interpreter -----------------------------------------------------------------------


def run(script: str, *args: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", script, *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_import_lrkit_loads_no_torch():
    run("import lrkit, sys; assert 'torch' not in sys.modules, 'torch was imported'")


def test_import_lrkit_loads_no_jax_optax_or_keras():
    run(
        "import lrkit, sys; "
        "loaded = sorted({'jax', 'optax', 'keras', 'tensorflow'} & set(sys.modules)); "
        "assert not loaded, f'{loaded} imported'"
    )


def test_each_adapter_loads_its_framework_and_no_other():
    pytest.importorskip("jax")
    pytest.importorskip("optax")
    out = run("import lrkit.optax, sys; print(sorted({'jax', 'torch', 'keras'} & set(sys.modules)))")
    assert out.strip() == "['jax']"  # so the check above can see jax
    pytest.importorskip("keras")
    # With the JAX backend, keras needs no torch; lrkit.keras adds none of its own.
    script = "import os; os.environ['KERAS_BACKEND'] = 'jax'; import lrkit.keras, sys; "
    script += "print(sorted({'jax', 'optax', 'torch', 'keras'} & set(sys.modules)))"
    assert run(script).strip() == "['jax', 'keras']"


def test_the_torch_check_sees_torch():
    pytest.importorskip("torch")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import lrkit.torch, sys; assert 'torch' not in sys.modules, 'torch was imported'",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1 and "torch was imported" in result.stderr


def test_building_every_recipe_and_reading_configs_loads_no_torch():
    script = f"""
import sys
sys.path.insert(0, {str(TESTS)!r})
import lrkit
from lrkit import config
from lrkit.recipes import registry
from recipe_examples import cases
for name, _, kwargs in cases():
    recipe, built = registry.resolve(name, kwargs)
    if not recipe.plateau:
        built(3.0, base=0.1)
noisy = lrkit.create("timm:cosine", t_initial=10, noise_range_t=2)  # built, not drawn
assert lrkit.from_dict(noisy.to_dict()) == noisy
config.read({{"format": "timm", "sched": "cosine", "epochs": 40, "warmup_epochs": 3, "lr_noise": [0.5]}})
config.read({{"sched": "torch:OneCycleLR", "max_lr": 0.1, "total_steps": 100}})
import lrkit.cli
for name in ("torch", "jax", "optax", "keras"):
    assert name not in sys.modules, f"{{name}} was imported"
print(len(registry.qualified_names()))
"""
    assert int(run(script).strip()) == len(EXAMPLES)


def test_a_timm_noise_tree_loads_in_a_fresh_process_with_the_same_values():
    pytest.importorskip("torch")
    schedule = lrkit.create("timm:cosine", t_initial=10, noise_range_t=0)
    expected = [schedule(t) for t in range(10)]
    # The noise is there (else the comparison below proves little).
    assert expected != [lrkit.cosine(t_initial=10)(t) for t in range(10)]
    script = """
import json, sys
import lrkit
s = lrkit.from_dict(json.loads(sys.argv[1]))
print(json.dumps({"type": s.name, "values": [s(t) for t in range(10)]}))
"""
    out = json.loads(run(script, json.dumps(schedule.to_dict())).strip().splitlines()[-1])
    assert out == {"type": "timm:noise", "values": expected}


def test_framework_nodes_load_in_a_fresh_process_before_their_module_is_imported():
    restarts = lrkit.create(
        "transformers:cosine_with_restarts", num_warmup_steps=2, num_training_steps=12, num_cycles=2
    )
    from lrkit.recipes.yolov5 import FollowWarmup

    follow = FollowWarmup(lrkit.linear(t_initial=10), warmup_t=4)
    script = """
import json, sys
import lrkit
before = sorted(m for m in sys.modules if m in ("lrkit.recipes.transformers", "lrkit.recipes.yolov5"))
out = {"before": before}
for key, data in json.loads(sys.argv[1]).items():
    s = lrkit.from_dict(data)
    out[key] = [s(t) for t in range(14)]
print(json.dumps(out))
"""
    trees = {"restarts": restarts.to_dict(), "follow": follow.to_dict()}
    out = json.loads(run(script, json.dumps(trees)).strip().splitlines()[-1])
    assert out == {
        "before": [],  # so the finder, not an earlier import, brought them in
        "restarts": [restarts(t) for t in range(14)],
        "follow": [follow(t) for t in range(14)],
    }
