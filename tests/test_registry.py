"""The recipe registry: every qualified name builds; the bare-name rule; registering.

Recipes only (torch-free): nothing here imports torch or evaluates a torch-drawn noise.
"""

from __future__ import annotations

import math
import random
import re
from pathlib import Path

import pytest
from recipe_examples import EXAMPLES, case_id, cases

import lrkit
from lrkit.recipes import registry
from lrkit.recipes.timm import CurveWarmup, FloatCycles, TorchNoise
from lrkit.recipes.transformers import HardRestarts
from lrkit.schedule import Schedule

RECIPES_DIR = Path(registry.__file__).parent


def test_the_examples_cover_every_registered_recipe():
    # A new recipe needs examples, registered beside it with registry.register_examples.
    missing = [r.qualified for r in registry.recipes() if not r.examples]
    assert not missing, f"recipes without examples: {missing}"
    assert set(EXAMPLES) == set(registry.qualified_names())


def test_examples_are_checked_against_the_signature_and_copied():
    with pytest.raises(ValueError, match="no recipe of that name"):
        registry.register_examples({"lrkit:no_such_shape": [{}]})
    with pytest.raises(ValueError, match=r"unknown \['decay'\]"):
        registry.register_examples({"lrkit:step": [{"decay_t": 3, "decay": 0.5}]})
    with pytest.raises(ValueError, match=r"missing \['decay_t'\]"):
        registry.register_examples({"lrkit:step": [{"decay_rate": 0.5}]})
    with pytest.raises(TypeError, match="non-empty list"):
        registry.register_examples({"lrkit:step": []})
    with pytest.raises(TypeError, match="must be a dict"):
        registry.register_examples({"lrkit:step": [("decay_t", 3)]})
    step = registry.resolve("lrkit:step", {"decay_t": 3})[0]
    before = step.examples
    # What a caller gets is a copy: changing it changes nothing the registry holds.
    step.examples[0]["decay_t"] = 99
    assert step.examples == before
    # A refused call registers nothing, even for the sets that were fine.
    with pytest.raises(ValueError):
        registry.register_examples({"lrkit:step": [{"decay_t": 1}], "lrkit:nope": [{}]})
    assert step.examples == before


def test_every_combinator_has_node_examples_rooted_at_it():
    exported = (getattr(lrkit.combinators, n) for n in lrkit.combinators.__all__)
    classes = {c.name for c in exported if isinstance(c, type) and issubclass(c, Schedule)}
    examples = registry.node_examples()
    assert len(classes) == 14 and classes <= set(examples)
    assert all(s.name == name for name, schedules in examples.items() for s in schedules)
    with pytest.raises(ValueError, match="no schedule node of that name"):
        registry.register_node_examples({"no_such_node": [lrkit.constant()]})
    with pytest.raises(ValueError, match="rooted at it"):
        registry.register_node_examples({"warmup": [lrkit.constant()]})
    with pytest.raises(TypeError, match="non-empty list"):
        registry.register_node_examples({"warmup": []})
    assert registry.node_examples() == examples


def test_every_source_is_found_by_listing_the_package():
    modules = sorted(p.stem for p in RECIPES_DIR.glob("*.py") if not p.stem.startswith("_"))
    assert registry.sources() == sorted(set(modules) - {"registry", "yolov5"})
    assert registry.sources() == [
        "deepspeed",
        "detectron2",
        "fvcore",
        "keras",
        "lrkit",
        "megatron",
        "mmengine",
        "nemo",
        "optax",
        "pytorch_optimizer",
        "pytorch_warmup",
        "timm",
        "torch",
        "transformers",
        "ultralytics",
    ]
    assert registry.qualified_names() == [r.qualified for r in registry.recipes()]
    assert registry.qualified_names()[:3] == [
        "deepspeed:LRRangeTest",
        "deepspeed:OneCycle",
        "deepspeed:WarmupCosineLR",
    ]


def test_only_the_first_four_sources_answer_bare_names():
    # A framework added later never changes what a bare name that worked before means.
    bare = sorted({r.source for r in registry.recipes() if registry.is_bare(r)})
    assert bare == ["lrkit", "timm", "torch", "transformers"]
    assert registry.resolve("StepLR", {"step_size": 3})[0].qualified == "torch:StepLR"
    with pytest.raises(
        ValueError, match=r"^unknown scheduler 'WarmupLR' \(did you mean 'deepspeed:WarmupLR'\?\)"
    ):
        registry.resolve("WarmupLR", {})
    assert registry.resolve("mmengine:StepLR", {"step_size": 3, "by_epoch": False})[0].source == "mmengine"


@pytest.mark.parametrize("case", cases(), ids=case_id)
def test_every_qualified_name_builds(case):
    name, _, kwargs = case
    recipe, built = registry.resolve(name, kwargs)
    assert recipe.qualified == name
    assert recipe.accepts(set(kwargs))
    again = registry.resolve(name, kwargs)[1]
    if recipe.plateau:
        # Plateau recipes give lrkit.torch.Plateau's keyword arguments.
        assert isinstance(built, dict) and built == again
        assert {"mode", "factor", "patience", "threshold", "cooldown", "min_lr"} <= set(built)
        return
    assert isinstance(built, Schedule)
    assert built == again
    assert recipe.unit == ("epoch" if recipe.source in ("lrkit", "timm") else "update")
    values = [built(t, base=0.1) for t in (0, 1, 2.5, 7, 19, 50)]
    assert all(math.isfinite(x) and x >= 0 for x in values), values
    callables = [x for x in _flat(kwargs) if callable(x) and not isinstance(x, Schedule)]
    if callables:
        with pytest.raises(TypeError, match="callable"):
            built.to_dict()
    else:
        assert lrkit.from_dict(built.to_dict()) == built


def _flat(kwargs):
    return [x for value in kwargs.values() for x in (value if isinstance(value, list) else [value])]


def test_plateau_recipes_give_plateau_arguments_in_its_names():
    assert registry.resolve("timm:plateau", {"decay_rate": 0.5, "patience_t": 2, "mode": "min"})[1] == {
        "mode": "min",
        "factor": 0.5,
        "patience": 2,
        "threshold": 1e-4,
        "cooldown": 0,
        "min_lr": 0.0,
        "warmup_t": 0,
        "warmup_lr_init": 0.0,
        "noise_range_t": None,
        "noise_pct": 0.67,
        "noise_std": 1.0,
        "noise_seed": 42,
        "noise_type": "normal",
    }
    torch_defaults = {
        "mode": "min",
        "factor": 0.1,
        "patience": 10,
        "threshold": 1e-4,
        "threshold_mode": "rel",
        "cooldown": 0,
        "min_lr": 0.0,
        "eps": 1e-8,
    }
    assert registry.resolve("torch:ReduceLROnPlateau", {})[1] == torch_defaults
    assert registry.resolve("transformers:reduce_lr_on_plateau", {"factor": 0.5})[1] == {
        **torch_defaults,
        "factor": 0.5,
    }
    with pytest.raises(ValueError, match="is metric-driven: give it an optimizer"):
        lrkit.create("timm:plateau")


def test_a_noisy_timm_recipe_builds_timm_noise_without_drawing():
    built = lrkit.create("timm:cosine", t_initial=10, noise_range_t=(2, 8), noise_pct=0.1)
    assert built == TorchNoise(lrkit.cosine(t_initial=10), range_t=(2, 8), pct=0.1)
    assert built.length == 10
    assert lrkit.from_dict(built.to_dict()) == built


def test_builders_name_the_framework_nodes():
    assert lrkit.create("timm:cosine", t_initial=10, cycle_mul=2, cycle_limit=2) == FloatCycles(
        lrkit.cosine(t_initial=10), cycle_mul=2, cycle_limit=2
    )
    assert lrkit.create("timm:tanh", t_initial=10, warmup_t=3) == CurveWarmup(
        lrkit.tanh(t_initial=10), warmup_t=3
    )
    assert lrkit.create(
        "transformers:cosine_with_restarts", num_warmup_steps=2, num_training_steps=12, num_cycles=2
    ) == lrkit.warmup(
        lrkit.sequence([HardRestarts(t_initial=10, cycles=2), lrkit.constant(0.0)], boundaries=[10]),
        warmup_t=2,
        prefix=True,
    )


# -- bare names -----------------------------------------------------------------------------------


def test_a_bare_name_that_several_build_alike_is_that_schedule():
    recipe, built = registry.resolve("cosine", {"t_initial": 10})
    assert built == lrkit.cosine(t_initial=10)
    assert built == registry.resolve("lrkit:cosine", {"t_initial": 10})[1]
    assert built == registry.resolve("timm:cosine", {"t_initial": 10})[1]
    assert recipe.qualified == "lrkit:cosine" and recipe.unit == "epoch"  # the first source by name


def test_a_bare_name_with_timm_keywords_is_timm():
    recipe, built = registry.resolve("cosine", {"t_initial": 10, "warmup_t": 2})
    assert recipe.qualified == "timm:cosine"
    assert built == lrkit.warmup(lrkit.cosine(t_initial=10), warmup_t=2)


def test_a_bare_name_with_transformers_keywords_is_transformers():
    recipe, built = registry.resolve("cosine", {"num_warmup_steps": 3, "num_training_steps": 13})
    assert recipe.qualified == "transformers:cosine" and recipe.unit == "update"
    assert built == lrkit.warmup(lrkit.cosine_wave(t_initial=10), warmup_t=3, prefix=True)


def test_a_bare_name_that_fits_one_recipe_reports_that_recipes_own_errors():
    # Only transformers' cosine takes num_training_steps; it needs num_warmup_steps too.
    with pytest.raises(ValueError, match=r"cosine requires `num_warmup_steps`") as info:
        registry.resolve("cosine", {"num_training_steps": 100})
    assert "timm's cosine takes t_initial instead" in str(info.value)


def test_a_bare_name_whose_fits_differ_is_an_error_naming_them():
    # lrkit's step decays by 0.1, timm's by 1.0 (not at all) unless told.
    with pytest.raises(ValueError) as info:
        registry.resolve("step", {"decay_t": 30})
    message = str(info.value)
    assert "'step' with decay_t fits 'lrkit:step', 'timm:step'" in message
    assert "build different schedules" in message
    assert "write the qualified name" in message
    assert "torch:" not in message  # torch's StepLR takes step_size: it does not fit
    # Given the rate, they agree.
    recipe, built = registry.resolve("step", {"decay_t": 30, "decay_rate": 0.5})
    assert recipe.qualified == "lrkit:step" and built == lrkit.step(decay_t=30, decay_rate=0.5)


def test_a_bare_name_built_alike_in_different_units_is_an_error_unless_units_do_not_matter():
    with pytest.raises(ValueError) as info:
        registry.resolve("constant", {})
    message = str(info.value)
    assert "'constant' with no arguments fits 'lrkit:constant', 'timm:constant', 'transformers:constant'" in (
        message
    )
    assert "count different units" in message
    recipe, built = registry.resolve("constant", {}, unit_matters=False)
    assert recipe.qualified == "lrkit:constant" and built == lrkit.constant()


def test_an_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError) as info:
        registry.resolve("cosin", {})
    message = str(info.value)
    assert message.startswith("unknown scheduler 'cosin'; known: ")
    assert "cosine" in message and "OneCycleLR" in message and "warmup_stable_decay" in message
    assert "SOURCE one of lrkit, timm, torch, transformers" in message
    assert "did you mean" not in message


def test_an_unknown_name_in_another_case_or_source_suggests_the_registered_one():
    with pytest.raises(
        ValueError,
        match=r"unknown scheduler 'onecyclelr' \(did you mean 'mmengine:OneCycleLR', 'torch:OneCycleLR'\?\)",
    ):
        registry.resolve("onecyclelr", {})
    with pytest.raises(
        ValueError,
        match=r"unknown scheduler 'timm:OneCycleLR' "
        r"\(did you mean 'mmengine:OneCycleLR', 'torch:OneCycleLR'\?\)",
    ):
        registry.resolve("timm:OneCycleLR", {})
    with pytest.raises(
        ValueError, match=r"unknown scheduler 'nosuch:cosine' \(did you mean 'lrkit:cosine', 'timm:cosine', "
    ):
        registry.resolve("nosuch:cosine", {"t_initial": 10})


def test_an_unknown_keyword_is_named_with_what_each_recipe_takes():
    with pytest.raises(ValueError) as info:
        registry.resolve("cosine", {"t_initial": 10, "warmup_epochs": 3})
    message = str(info.value)
    assert message.startswith("cosine: unknown argument(s) 'warmup_epochs'; it takes ")
    assert "lrkit:cosine(t_initial, lr_min=0.0, k_decay=1.0)" in message
    assert "timm:cosine(t_initial, lr_min=0.0, " in message
    assert "transformers:cosine(num_warmup_steps=None, " in message
    with pytest.raises(
        ValueError, match=r"^torch:StepLR: unknown argument\(s\) 'decay_t'; it takes torch:StepLR\("
    ):
        registry.resolve("torch:StepLR", {"decay_t": 3})


def test_a_missing_required_argument_is_named():
    with pytest.raises(ValueError, match=r"^poly: missing argument\(s\) 't_initial'; it takes lrkit:poly\("):
        registry.resolve("poly", {"power": 2.0})
    with pytest.raises(
        ValueError, match=r"^lrkit:poly: missing argument\(s\) 'power'; it takes lrkit:poly\("
    ):
        registry.resolve("lrkit:poly", {"t_initial": 10})
    # Arguments each optional but not all together: the builder says what it needs.
    with pytest.raises(
        ValueError, match=r"^give total_steps, or epochs and steps_per_epoch \(total_steps = "
    ):
        registry.resolve("torch:OneCycleLR", {"max_lr": 0.1})


def test_a_name_must_be_a_string():
    with pytest.raises(TypeError, match="a recipe name must be a string, got 3"):
        registry.resolve(3, {})


def test_an_argument_error_names_the_frameworks_argument():
    with pytest.raises(ValueError, match=r"^step_size must be > 0\.0, got 0$"):
        registry.resolve("torch:StepLR", {"step_size": 0})
    with pytest.raises(ValueError, match=r"^decay_t must be sorted, got \[6, 3\]$"):
        registry.resolve("timm:multistep", {"decay_t": [6, 3]})
    with pytest.raises(TypeError, match=r"^decay_t must be a sequence of numbers, got 5$"):
        registry.resolve("timm:multistep", {"decay_t": 5})


def test_an_item_error_names_the_frameworks_argument():
    with pytest.raises(ValueError, match=r"^decay_t\[1\] must be >= 0.0, got -6$"):
        registry.resolve("timm:multistep", {"decay_t": [3, -6]})


# -- the rule does not depend on the registry's order ---------------------------------------------

RULE_CASES = [
    ("cosine", {"t_initial": 10}),
    ("cosine", {"t_initial": 10, "warmup_t": 2}),
    ("cosine", {"num_warmup_steps": 3, "num_training_steps": 13}),
    ("cosine", {"num_training_steps": 100}),
    ("cosine", {"t_initial": 10, "warmup_epochs": 3}),
    ("step", {"decay_t": 30}),
    ("step", {"decay_t": 30, "decay_rate": 0.5}),
    ("constant", {}),
    ("constant", {"factor": 0.5}),
    ("poly", {"power": 2.0}),
    ("poly", {"t_initial": 10, "power": 2.0}),
    ("rsqrt", {"timescale": 5}),
    ("rsqrt", {"t_initial": 20, "decay_t": 4}),
    ("linear", {"t_initial": 10}),
    ("linear", {"num_warmup_steps": 2, "num_training_steps": 10}),
    ("multistep", {"milestones": [3, 6]}),
    ("multistep", {"decay_t": [3, 6]}),
    ("wsd", {"t_initial": 20, "decay_t": 5}),
    ("plateau", {}),
    ("cosin", {}),
    ("OneCycleLR", {"total_steps": 10}),
]


def outcome(name, kwargs, unit_matters=True):
    try:
        recipe, built = registry.resolve(name, kwargs, unit_matters=unit_matters)
    except (TypeError, ValueError) as error:
        return type(error).__name__, str(error)
    return recipe.qualified, built


def test_resolution_does_not_depend_on_the_registrys_order(monkeypatch):
    registry.discover()
    expected = [outcome(n, k, u) for n, k in RULE_CASES for u in (True, False)]
    # Guards against a vacuous comparison: the cases give answers and errors of each kind.
    assert ("lrkit:cosine", lrkit.cosine(t_initial=10)) in expected
    assert ("timm:cosine", lrkit.warmup(lrkit.cosine(t_initial=10), warmup_t=2)) in expected
    assert any(isinstance(o[1], str) and "build different schedules" in o[1] for o in expected)
    assert any(isinstance(o[1], str) and "count different units" in o[1] for o in expected)
    assert any(isinstance(o[1], str) and "unknown argument" in o[1] for o in expected)
    assert any(isinstance(o[1], str) and "missing argument" in o[1] for o in expected)
    original = list(registry._RECIPES.items())
    orders = [original[::-1], *(random.Random(seed).sample(original, len(original)) for seed in range(3))]
    for order in orders:
        monkeypatch.setattr(registry, "_RECIPES", dict(order))
        assert [outcome(n, k, u) for n, k in RULE_CASES for u in (True, False)] == expected


def test_the_rule_is_the_same_for_recipes_registered_later(monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))

    @registry.register("mine:cosine")
    def mine(*, t_initial, lr_min=0.0):
        return lrkit.cosine(t_initial=t_initial, lr_min=lr_min)

    # Building alike, it changes nothing...
    assert outcome("cosine", {"t_initial": 10}) == ("lrkit:cosine", lrkit.cosine(t_initial=10))
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))

    @registry.register("other:cosine")
    def other(*, t_initial):
        return lrkit.cosine(t_initial=t_initial + 1)

    # ...building otherwise, it makes the bare name ambiguous, and is listed.
    kind, message = outcome("cosine", {"t_initial": 10})
    assert kind == "ValueError"
    assert "fits 'lrkit:cosine', 'mine:cosine', 'other:cosine', 'timm:cosine'" in message
    assert outcome("other:cosine", {"t_initial": 10}) == ("other:cosine", lrkit.cosine(t_initial=11))


# -- registering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("qualified", ["cosine", ":cosine", "mine:", "a:b:c", ""])
def test_a_bad_qualified_name_is_refused(qualified, monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))
    before = dict(registry._RECIPES)
    with pytest.raises(ValueError, match=re.escape(f"a recipe name is 'SOURCE:NAME', got {qualified!r}")):
        registry.register(qualified)
    assert registry._RECIPES == before


def test_a_bad_unit_is_refused():
    with pytest.raises(ValueError, match="unit must be 'epoch' or 'update', got 'step'"):
        registry.register("mine:thing", unit="step")


def test_re_registering_another_builder_under_a_name_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))
    known = registry._RECIPES["lrkit:cosine"].builder
    with pytest.raises(ValueError, match="recipe 'lrkit:cosine' is already registered to "):
        registry.register("lrkit:cosine")(lambda **kwargs: lrkit.cosine(**kwargs))
    assert registry._RECIPES["lrkit:cosine"].builder is known
    # The same builder again (a module imported twice) is fine, and changes nothing.
    assert registry.register("lrkit:cosine")(known) is known
    assert registry._RECIPES["lrkit:cosine"].builder is known


def test_a_registered_recipe_is_resolvable_and_listed(monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))

    @registry.register("mine:halved", unit="update")
    def halved(*, t_initial):
        return 0.5 * lrkit.linear(t_initial=t_initial)

    assert "mine:halved" in registry.qualified_names()
    assert "mine" in registry.sources()
    recipe, built = registry.resolve("halved", {"t_initial": 4})
    assert (recipe.qualified, recipe.unit, recipe.plateau) == ("mine:halved", "update", False)
    assert recipe.signature() == "t_initial"
    assert [built(t) for t in range(5)] == [0.5, 0.375, 0.25, 0.125, 0.0]
