"""Config sources: the three formats from every kind of source, their errors, the command's
agreement with ``config.read``, and old trees.

Needs PyYAML; never torch.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit import cli, config
from lrkit.recipes import registry
from lrkit.recipes.timm import CurveWarmup, FloatCycles, TorchNoise
from lrkit.recipes.transformers import HardRestarts
from lrkit.recipes.yolov5 import FollowWarmup

yaml = pytest.importorskip("yaml")

TREE = {"type": "warmup", "schedule": {"type": "cosine", "t_initial": 20, "lr_min": 0.01}, "warmup_t": 3}
TREE_SCHEDULE = lrkit.warmup(lrkit.cosine(t_initial=20, lr_min=0.01), warmup_t=3)
RECIPE = {"sched": "torch:OneCycleLR", "max_lr": 0.1, "total_steps": 50}
RECIPE_SCHEDULE = lrkit.rebase(lrkit.one_cycle(total_t=50), base=0.1)
TIMM = {"format": "timm", "sched": "cosine", "epochs": 40, "warmup_epochs": 3, "lr": 0.1}
TIMM_SCHEDULE = lrkit.warmup(lrkit.cosine(t_initial=40), warmup_t=3, warmup_lr_init=1e-5)


def write(tmp_path, name, data):
    path = tmp_path / name
    if name.endswith(".json"):
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return str(path)


# -- the three formats ----------------------------------------------------------------------------


def check_tree(spec, source="the config"):
    assert (spec.format, spec.source, spec.unit, spec.length) == ("tree", source, "epoch", 20)
    assert spec.schedule == TREE_SCHEDULE and spec.base is None and spec.recipe is None


def check_recipe(spec, source="the config"):
    assert (spec.format, spec.source, spec.unit, spec.length) == ("recipe", source, "update", 49)
    assert spec.schedule == RECIPE_SCHEDULE
    assert spec.recipe.qualified == "torch:OneCycleLR"
    assert dict(spec.arguments) == {"max_lr": 0.1, "total_steps": 50}


def check_timm(spec, source="the config"):
    assert (spec.format, spec.source, spec.unit, spec.length, spec.base) == ("timm", source, "epoch", 40, 0.1)
    assert spec.schedule == TIMM_SCHEDULE
    assert spec.settings["epochs"] == 40 and spec.settings["lr_cycle_decay"] == 0.5  # train.py's default


@pytest.mark.parametrize(
    ("data", "check"),
    [(TREE, check_tree), (RECIPE, check_recipe), (TIMM, check_timm)],
    ids=["tree", "recipe", "timm"],
)
def test_read_a_mapping(data, check):
    check(config.read(data))


@pytest.mark.parametrize("suffix", [".yaml", ".yml", ".json"])
@pytest.mark.parametrize(
    ("data", "check"),
    [(TREE, check_tree), (RECIPE, check_recipe), (TIMM, check_timm)],
    ids=["tree", "recipe", "timm"],
)
def test_read_a_file(tmp_path, suffix, data, check):
    path = write(tmp_path, "sched" + suffix, data)
    check(config.read(path), source=path)


@pytest.mark.parametrize(
    ("data", "check"),
    [(TREE, check_tree), (RECIPE, check_recipe), (TIMM, check_timm)],
    ids=["tree", "recipe", "timm"],
)
def test_read_a_nested_block(tmp_path, data, check):
    whole = {"model": {"name": "resnet"}, "train": {"epochs": 3, "scheduler": data}}
    check(config.read(whole, key="train.scheduler"), source="the config, key 'train.scheduler'")
    path = write(tmp_path, "train.yaml", whole)
    check(config.read(path, key="train.scheduler"), source=f"{path}, key 'train.scheduler'")


def test_load_gives_the_schedule_of_each_format(tmp_path):
    assert lrkit.load(TREE) == TREE_SCHEDULE
    assert lrkit.load(RECIPE) == RECIPE_SCHEDULE
    assert lrkit.load(TIMM) == TIMM_SCHEDULE
    path = write(tmp_path, "train.yaml", {"train": {"scheduler": TIMM}})
    assert lrkit.load(path, key="train.scheduler") == TIMM_SCHEDULE


def test_read_a_dictconfig():
    omegaconf = pytest.importorskip("omegaconf")
    whole = omegaconf.OmegaConf.create(
        {"epochs": 40, "train": {"scheduler": {**TIMM, "epochs": "${epochs}"}, "tree": TREE}}
    )
    check_timm(config.read(whole, key="train.scheduler"), source="the config, key 'train.scheduler'")
    check_tree(config.read(whole.train.tree))
    assert lrkit.load(whole, key="train.tree") == TREE_SCHEDULE


def test_the_format_argument():
    settings = {k: v for k, v in TIMM.items() if k != "format"}
    check_timm(config.read(settings, format="timm"))
    check_timm(config.read(TIMM, format="timm"))
    check_tree(config.read(TREE, format="lrkit"))
    check_recipe(config.read(RECIPE, format="lrkit"))
    check_recipe(config.read({**RECIPE, "format": "lrkit"}))
    assert lrkit.load(settings, format="timm") == TIMM_SCHEDULE
    with pytest.raises(ValueError, match=r"^the config: says format: 'timm', read with format='lrkit'$"):
        config.read(TIMM, format="lrkit")
    known = ", ".join(map(repr, config.formats()))
    assert known.startswith("'lrkit', 'timm'")
    with pytest.raises(ValueError, match=rf"^format must be one of {known} or None, got 'yaml'$"):
        config.read(TREE, format="yaml")
    with pytest.raises(ValueError, match=rf"^the config: format: must be one of {known}, got 'hydra'$"):
        config.read({**TREE, "format": "hydra"})


def test_a_tree_may_carry_the_lrkit_marker():
    check_tree(config.read({**TREE, "format": "lrkit"}))


def test_a_timm_file_on_updates():
    spec = config.read({**TIMM, "sched_on_updates": True}, updates_per_epoch=10)
    assert (spec.unit, spec.length) == ("update", 400)
    assert spec.schedule == lrkit.warmup(lrkit.cosine(t_initial=400), warmup_t=30, warmup_lr_init=1e-5)


# -- errors ---------------------------------------------------------------------------------------


def test_an_unknown_key_of_a_tree_is_named_with_the_format():
    with pytest.raises(ValueError) as info:
        config.read({**TREE, "warmup": 3})
    assert str(info.value) == (
        "the config: read as a schedule tree: warmup: unknown key 'warmup'; "
        "expected one of schedule, warmup_t, warmup_lr_init, prefix"
    )


def test_an_unknown_key_of_a_recipe_is_named_with_the_format(tmp_path):
    path = write(tmp_path, "r.yaml", {**RECIPE, "warmup_t": 3})
    with pytest.raises(ValueError) as info:
        config.read(path)
    assert str(info.value).startswith(
        f"{path}: read as the recipe 'torch:OneCycleLR' with its arguments: "
        "torch:OneCycleLR: unknown argument(s) 'warmup_t'; it takes torch:OneCycleLR(max_lr=None, "
    )
    assert "format: timm" not in str(info.value)  # warmup_t is a recipe's argument, no train.py setting


def test_an_unknown_key_of_timm_settings_is_named_with_the_format():
    with pytest.raises(ValueError) as info:
        config.read({**TIMM, "warmup_t": 3})
    assert str(info.value) == (
        "the config: read as timm train.py settings: unknown setting 'warmup_t' "
        "(settings are train.py's flag names with underscores)"
    )


def test_timm_settings_are_checked_as_their_flags():
    with pytest.raises(ValueError, match=r"^the config: epochs: expected an integer, got 4\.5$"):
        config.read({**TIMM, "epochs": 4.5})
    with pytest.raises(ValueError, match=r"^the config: warmup_prefix: expected true or false, got 1$"):
        config.read({**TIMM, "warmup_prefix": 1})
    with pytest.raises(ValueError, match=r"^the config: sched: 'cosin' is not one of constant, cosine, "):
        config.read({**TIMM, "sched": "cosin"})


def test_a_source_with_no_marker(tmp_path):
    path = write(tmp_path, "x.json", {"t_initial": 10, "lr_min": 0.0})
    with pytest.raises(ValueError) as info:
        config.read(path)
    frameworks = list(registry.formats())
    listed = f", nor a config of {', '.join(frameworks)} (say which with format=)" if frameworks else ""
    assert str(info.value) == (
        f"{path}: neither a schedule tree (a 'type' key), a recipe ('sched' and its arguments) nor "
        f"timm train.py settings ('format: timm'){listed}; got keys ['lr_min', 't_initial']"
    )


def test_a_missing_key_path_is_named(tmp_path):
    path = write(tmp_path, "train.yaml", {"train": {"optimizer": {"lr": 0.1}}, "model": {}})
    with pytest.raises(ValueError, match=rf"^{path}: no key 'scheduler' at train \(it holds 'optimizer'\)$"):
        config.read(path, key="train.scheduler")
    with pytest.raises(
        ValueError, match=r"^the config: no key 'trian' at the top \(it holds 'model', 'train'\)$"
    ):
        config.read({"train": {}, "model": {}}, key="trian.scheduler")
    with pytest.raises(ValueError, match=r"^the config: key 'train\.scheduler': train is no mapping$"):
        config.read({"train": 3}, key="train.scheduler")
    with pytest.raises(TypeError, match="key must be a dotted path"):
        config.read(TREE, key="")


def test_timm_settings_without_the_marker_get_a_hint():
    settings = {k: v for k, v in TIMM.items() if k != "format"}
    with pytest.raises(ValueError) as info:
        config.read(settings)
    message = str(info.value)
    assert message.startswith(
        "the config: read as the recipe 'cosine' with its arguments: "
        "cosine: unknown argument(s) 'epochs', 'lr', 'warmup_epochs'"
    )
    assert message.endswith(
        "timm train.py settings (epochs, warmup_epochs, lr, ...) need the marker format: timm"
    )


def test_what_is_no_mapping_is_refused(tmp_path):
    with pytest.raises(ValueError, match=r"^the config: expected a mapping, got list$"):
        config.read([TREE])
    path = write(tmp_path, "list.yaml", [TREE])
    with pytest.raises(ValueError, match=rf"^{path}: expected a mapping, got list$"):
        config.read(path)


def test_a_tree_missing_an_argument_names_the_format():
    with pytest.raises(TypeError, match=r"^the config: read as a schedule tree: .*'t_initial'"):
        config.read({"type": "cosine"})


def test_a_plateau_recipe_reads_without_a_schedule():
    spec = config.read({"sched": "torch:ReduceLROnPlateau", "patience": 3})
    assert (spec.format, spec.schedule, spec.unit, spec.length) == ("recipe", None, "update", None)
    assert spec.recipe.plateau and dict(spec.arguments) == {"patience": 3}


# -- the command reads the same ------------------------------------------------------------------


def table(tmp_path, path, *extra):
    out = tmp_path / "table.json"
    assert cli.main(["table", "--config", path, "--json", str(out), *extra]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def expected_rows(spec, base):
    # timm settings cover the run timm trains (t < length); a tree or a recipe is shown
    # through the time its value settles (t <= length).
    end = math.ceil(spec.length) if spec.format == "timm" else math.floor(spec.length) + 1
    t = np.arange(end, dtype=np.float64)
    return spec.schedule(t, base).tolist()


@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_the_command_tabulates_a_tree_as_read(tmp_path, suffix):
    path = write(tmp_path, "tree" + suffix, TREE)
    spec = config.read(path)
    rows = table(tmp_path, path)
    assert spec.length == 20 and [r["epoch"] for r in rows] == list(range(21))
    assert [r["lr"] for r in rows] == expected_rows(spec, 1.0)
    assert [r["lr"] for r in table(tmp_path, path, "--lr", "0.5")] == expected_rows(spec, 0.5)
    assert rows[0]["lr"] == 0.0 and rows[3]["lr"] == spec.schedule(3, 1.0)


def test_the_command_tabulates_a_recipe_as_read(tmp_path):
    path = write(tmp_path, "recipe.yaml", {"scheduler": RECIPE})
    spec = config.read(path, key="scheduler")
    rows = table(tmp_path, path, "--key", "scheduler", "--lr", "3")
    # Updates, and no epoch column: without --updates-per-epoch there is no epoch to name.
    assert spec.length == 49 and [list(r) for r in rows] == [["update", "lr"]] * 50
    assert [r["update"] for r in rows] == list(range(50))
    # OneCycleLR(max_lr=...) overwrites the lr: --lr changes nothing.
    assert [r["lr"] for r in rows] == expected_rows(spec, 3.0) == expected_rows(spec, 1.0)


def test_the_command_tabulates_timm_settings_as_read(tmp_path):
    path = write(tmp_path, "timm.yaml", TIMM)
    spec = config.read(path)
    rows = table(tmp_path, path)
    assert len(rows) == spec.length == 40
    assert [r["epoch"] for r in rows] == list(range(40))
    # The file's lr is the base, as train.py's --lr; the command line's wins.
    assert [r["lr"] for r in rows] == expected_rows(spec, spec.base)
    assert [r["lr"] for r in table(tmp_path, path, "--lr", "0.5")] == expected_rows(spec, 0.5)
    longer = write(
        tmp_path, "longer.yaml", {**TIMM, "lr_cycle_limit": 2, "lr_cycle_decay": 0.5, "cooldown_epochs": 5}
    )
    spec = config.read(longer)
    assert spec.length == 85
    assert [r["lr"] for r in table(tmp_path, longer)] == expected_rows(spec, 0.1)


# -- old trees ------------------------------------------------------------------------------------

COSINE = {"type": "cosine", "t_initial": 5}
LINEAR = {"type": "linear", "t_initial": 10}

OLD_TREES = {
    "cycles_unsettled": (
        {"type": "cycles", "schedule": COSINE, "cycle_mul": 2, "cycle_limit": 3, "settle_index": False},
        FloatCycles(lrkit.cosine(t_initial=5), cycle_mul=2, cycle_limit=3),
    ),
    "cycles_settled": (
        {"type": "cycles", "schedule": COSINE, "cycle_mul": 2, "cycle_limit": 3, "settle_index": True},
        lrkit.cycles(lrkit.cosine(t_initial=5), cycle_mul=2, cycle_limit=3),
    ),
    "warmup_end": (
        {"type": "warmup", "schedule": {"type": "tanh", "t_initial": 10}, "warmup_t": 3, "target": "end"},
        CurveWarmup(lrkit.tanh(t_initial=10), warmup_t=3),
    ),
    "warmup_base": (
        {"type": "warmup", "schedule": LINEAR, "warmup_t": 3, "target": "base", "prefix": True},
        lrkit.warmup(lrkit.linear(t_initial=10), warmup_t=3, prefix=True),
    ),
    "warmup_follow": (
        {"type": "warmup", "schedule": LINEAR, "warmup_t": 4, "target": "follow"},
        FollowWarmup(lrkit.linear(t_initial=10), warmup_t=4),
    ),
    "noise_torch": (
        {"type": "noise", "schedule": COSINE, "range_t": [0, 4], "pct": 0.1, "generator": "torch"},
        TorchNoise(lrkit.cosine(t_initial=5), range_t=(0, 4), pct=0.1),
    ),
    "noise_lrkit": (
        {"type": "noise", "schedule": COSINE, "range_t": 2, "generator": "lrkit"},
        lrkit.noise(lrkit.cosine(t_initial=5), range_t=2),
    ),
    "multistep_lead": (
        {"type": "multistep", "milestones": [3, 6], "decay_rate": 0.5, "lead_t": 1},
        lrkit.shift(lrkit.multistep(milestones=[3, 6], decay_rate=0.5), by=-1),
    ),
    "multistep_no_lead": (
        {"type": "multistep", "milestones": [3, 6], "lead_t": 0},
        lrkit.multistep(milestones=[3, 6]),
    ),
    "cosine_wave_restart": (
        {"type": "cosine_wave", "t_initial": 12, "cycles": 2, "restart": True},
        HardRestarts(t_initial=12, cycles=2),
    ),
    "cosine_wave_no_restart": (
        {"type": "cosine_wave", "t_initial": 12, "cycles": 2, "restart": False},
        lrkit.cosine_wave(t_initial=12, cycles=2),
    ),
    "nested": (
        {
            "type": "sequence",
            "schedules": [
                {"type": "warmup", "schedule": LINEAR, "warmup_t": 2, "target": "end", "prefix": True},
                {"type": "cycles", "schedule": COSINE, "cycle_limit": 2, "settle_index": False},
            ],
            "boundaries": [12],
        },
        lrkit.sequence(
            [
                CurveWarmup(lrkit.linear(t_initial=10), warmup_t=2, prefix=True),
                FloatCycles(lrkit.cosine(t_initial=5), cycle_limit=2),
            ],
            boundaries=[12],
        ),
    ),
}


@pytest.mark.parametrize("name", list(OLD_TREES))
def test_an_old_tree_loads_as_todays(name, tmp_path):
    data, expected = OLD_TREES[name]
    original = json.loads(json.dumps(data))
    assert lrkit.from_dict(data) == expected
    assert data == original  # the caller's dict is left as it was
    assert lrkit.load(data) == expected
    path = write(tmp_path, "old.yaml", {"scheduler": data})
    spec = config.read(path, key="scheduler")
    assert spec.format == "tree" and spec.schedule == expected and spec.length == expected.length


def test_an_old_noise_from_an_unknown_generator_is_refused():
    with pytest.raises(
        ValueError, match=r"^the config: read as a schedule tree: noise: this version draws no noise"
    ):
        config.read({"type": "noise", "schedule": COSINE, "range_t": 2, "generator": "numpy"})


FRESH = """
import json, sys
import lrkit
s = lrkit.from_dict(json.loads(sys.argv[1]))
print(repr(s))
"""


def load_fresh(data):
    result = subprocess.run(
        [sys.executable, "-c", FRESH, json.dumps(data)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr.strip().splitlines()[-1]
    return result.stdout.strip()


@pytest.mark.parametrize("name", sorted(OLD_TREES))
def test_an_old_tree_loads_in_a_fresh_process(name):
    # Readers of old forms live in the recipe modules, which `import lrkit` alone must reach.
    data, expected = OLD_TREES[name]
    assert load_fresh(data) == repr(expected)


# -- removed keywords -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: lrkit.warmup(lrkit.tanh(t_initial=10), warmup_t=3, target="end"),
            "warmup() no longer takes target=: target='end' (timm's tanh) is lrkit.recipes.timm.CurveWarmup, "
            "target='follow' (YOLOv5) is lrkit.recipes.yolov5.FollowWarmup",
        ),
        (
            lambda: lrkit.warmup(lrkit.linear(t_initial=10), warmup_t=3, target="follow"),
            "lrkit.recipes.yolov5.FollowWarmup",
        ),
        (
            lambda: lrkit.cycles(lrkit.cosine(t_initial=5), cycle_limit=2, settle_index=False),
            "cycles() no longer takes settle_index=: settle_index=False (timm's float cycle index) is "
            "lrkit.recipes.timm.FloatCycles",
        ),
        (
            lambda: lrkit.noise(lrkit.cosine(t_initial=5), range_t=0, generator="torch"),
            "noise() no longer takes generator=: generator='torch' (timm's draws) is "
            "lrkit.recipes.timm.TorchNoise",
        ),
        (
            lambda: lrkit.multistep(milestones=[3, 6], lead_t=1),
            "multistep() no longer takes lead_t=: every decay lead_t earlier is "
            "lrkit.shift(lrkit.multistep(...), by=-lead_t)",
        ),
        (
            lambda: lrkit.cosine_wave(t_initial=10, restart=True),
            "cosine_wave() no longer takes restart=: restart=True (transformers' hard restarts) is "
            "lrkit.recipes.transformers.HardRestarts",
        ),
    ],
    ids=[
        "warmup_target_end",
        "warmup_target_follow",
        "cycles_settle_index",
        "noise_generator",
        "multistep_lead_t",
        "cosine_wave_restart",
    ],
)
def test_a_removed_keyword_says_what_to_write_instead(build, message):
    with pytest.raises(TypeError) as info:
        build()
    assert message in str(info.value)


def test_an_unknown_keyword_is_still_pythons_error():
    with pytest.raises(TypeError, match="unexpected keyword argument 'targett'"):
        lrkit.warmup(lrkit.constant(), warmup_t=3, targett="end")


def test_register_noise_generator_is_gone_with_a_hint():
    with pytest.raises(
        TypeError, match=r"subclass of lrkit\.noise overriding _draw.*lrkit\.recipes\.timm\.TorchNoise"
    ):
        lrkit.register_noise_generator("torch", object())


# -- the example files the config guide shows -----------------------------------------------------

EXAMPLE_CONFIGS = Path(__file__).resolve().parent.parent / "examples" / "configs"


@pytest.mark.parametrize(
    ("name", "key", "form", "expected"),
    [
        (
            "tree.yaml",
            None,
            "tree",
            lrkit.warmup(
                lrkit.cosine(t_initial=90, lr_min=1e-5), warmup_t=5, warmup_lr_init=1e-6, prefix=True
            ),
        ),
        (
            "recipe.yaml",
            None,
            "recipe",
            config.build("torch:OneCycleLR", max_lr=0.1, total_steps=1000, pct_start=0.25),
        ),
        (
            "timm.yaml",
            None,
            "timm",
            config.build("timm:cosine", t_initial=40, warmup_t=3, warmup_lr_init=1e-5, lr_min=1e-5),
        ),
        (
            "hydra.yaml",
            "train.scheduler",
            "recipe",
            config.build("timm:cosine", t_initial=100, warmup_t=5, warmup_lr_init=1e-6, lr_min=1e-5),
        ),
    ],
)
def test_the_example_configs_read_as_readme_says(name, key, form, expected, tmp_path):
    path = str(EXAMPLE_CONFIGS / name)
    spec = config.read(path, key=key)
    assert (spec.format, spec.schedule) == (form, expected)
    assert lrkit.load(path, key=key) == expected
    extra = ["--key", key] if key else []
    assert [r["lr"] for r in table(tmp_path, path, *extra)] == expected_rows(spec, spec.base or 1.0)


def test_a_larger_file_read_whole_points_to_key():
    nested = {"model": {"name": "resnet"}, "train": {"epochs": 3}, "scheduler": RECIPE}
    with pytest.raises(ValueError, match=r"got keys \['model', 'scheduler', 'train'\]; .*key=.*'scheduler'"):
        config.read(nested)
    assert config.read(nested, key="scheduler").schedule == config.read(RECIPE).schedule


def test_a_block_two_formats_claim_is_never_guessed(monkeypatch):
    # DeepSpeed's block is DeepSpeed's alone; a second format claiming it makes read() refuse
    # to choose, naming both, until format= says which.
    block = {"type": "WarmupLR", "params": {"warmup_num_steps": 10}}
    assert config.read(block).format == "deepspeed"
    greedy = registry.Format("greedy", "a format claiming everything", lambda data: True, None)
    monkeypatch.setitem(registry._FORMATS, "greedy", greedy)
    with pytest.raises(ValueError) as info:
        config.read(block)
    deepspeed = registry.formats()["deepspeed"].description
    assert str(info.value).startswith(
        f"the config: reads as more than one format: 'deepspeed' ({deepspeed}); "
    )
    assert "'greedy' (a format claiming everything)" in str(info.value)
    assert str(info.value).endswith("say which with format= (or a 'format:' key)")
    assert config.read(block, format="deepspeed").format == "deepspeed"
    # An lrkit tree is claimed by lrkit too: the same refusal names it first.
    with pytest.raises(
        ValueError, match=r"^the config: reads as more than one format: 'lrkit' \(a schedule tree"
    ):
        config.read(TREE)


# -- what a file may hold ----------------------------------------------------------------------------


def nested_aliases(levels: int, width: int = 9) -> str:
    """A YAML file of a few hundred bytes whose aliases stand for ``width ** levels`` values."""
    lines = [f"l0: &l0 [{', '.join(['x'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def test_nested_aliases_are_refused_at_once(tmp_path):
    path = tmp_path / "bomb.yaml"
    path.write_text(nested_aliases(9), encoding="utf-8")  # 9 ** 9: 387 million values
    assert path.stat().st_size < 500
    with pytest.raises(
        ValueError, match=r"expands to more than 100,000 values \(its aliases counted at every use\)"
    ):
        lrkit.load(str(path))
    assert cli.main(["describe", "--config", str(path)]) == 2


def test_a_recursive_alias_is_refused(tmp_path):
    path = tmp_path / "loop.yaml"
    path.write_text("a: &a [1, *a]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="expands to more than"):
        config.read(str(path))


def test_aliases_within_the_bound_read(tmp_path):
    path = tmp_path / "shared.yaml"
    path.write_text(
        "base: &cos {type: cosine, t_initial: 10}\nscheduler: {type: warmup, schedule: *cos, warmup_t: 2}\n",
        encoding="utf-8",
    )
    assert lrkit.load(str(path), key="scheduler") == lrkit.warmup(lrkit.cosine(t_initial=10), warmup_t=2)
    assert config._load_yaml(nested_aliases(5), "x")["l4"][0][0][0][0] == ["x"] * 9  # 9 ** 5 values


def test_a_file_too_large_or_endless_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(config, "MAX_CONFIG_BYTES", 1000)
    path = tmp_path / "big.json"
    path.write_text(json.dumps({"type": "constant", "pad": "x" * 2000}), encoding="utf-8")
    with pytest.raises(ValueError, match=r"big\.json: larger than the 0 MiB a config may be"):
        config.read(str(path))
    monkeypatch.undo()
    if Path("/dev/zero").exists():
        with pytest.raises(ValueError, match=r"^/dev/zero: larger than the 8 MiB a config may be$"):
            config.read("/dev/zero")


def test_a_file_that_is_not_utf8_says_so(tmp_path):
    path = tmp_path / "latin1.json"
    text = '{"type": "constant", "note": "caf\xe9"}'
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(ValueError, match=rf"latin1\.json: not UTF-8 text \(byte {text.index(chr(0xE9))}\)"):
        config.read(str(path))
