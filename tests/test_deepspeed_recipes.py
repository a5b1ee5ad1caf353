"""lrkit's DeepSpeed names against DeepSpeed's own ``lr_schedules`` classes, update for update.

The differential test draws configurations of every scheduler class from a seeded
``random.Random``, builds the DeepSpeed class on one torch optimizer (SGD with momentum or Adam,
one group or three with different lrs) and ``lrkit.create("deepspeed:<Type>", optimizer, ...)``
with the same keywords on an identical one, and compares every group's lr (and, for
``OneCycle`` on Adam, both betas) after construction and after every ``scheduler.step()``,
which is when DeepSpeed's engine steps it: the value after ``t`` steps is the lr of update
``t``. The schedule built without an optimizer must give the same values as
``schedule(t, base)``, on NumPy arrays too, and survive ``to_dict`` / ``from_dict`` through JSON.
The ``deepspeed`` config format is read back against the same classes, as DeepSpeed's engine
builds them from a config (``scheduler_class(optimizer, **params)``).

``OneCycle`` on SGD is compared with ``cycle_momentum=False`` on lrkit's side: DeepSpeed turns
the cycling off (with a logged warning) for an optimizer without betas, and lrkit refuses to
schedule a ``beta1`` SGD lacks (tested on its own).

Held tolerance: relative 1e-12, for the driver, the schedule alone and its NumPy evaluation
against DeepSpeed. Measured: every value bit for bit equal, except ``WarmupLR`` without
``warmup_max_lr`` on three groups, up to 9.4e-15 (the driver evaluates a schedule shared by
several groups as ``a(t) * base + b(t)``). DeepSpeed logs an accelerator warning on import and
a "before it has started" warning at each warmup's construction; the latter is silenced here.
"""

from __future__ import annotations

import json
import logging
import random
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
lr_schedules = pytest.importorskip("deepspeed.runtime.lr_schedules")

from compare import rel_diff  # noqa: E402

import lrkit  # noqa: E402
from lrkit.config import read  # noqa: E402
from lrkit.recipes import deepspeed as ds  # noqa: E402
from lrkit.recipes import registry  # noqa: E402

RTOL = 1e-12
NAMES = list(ds.TYPES)
CONFIGS_PER_NAME = 30


@pytest.fixture(autouse=True, scope="module")
def quiet_deepspeed():
    logger = logging.getLogger("DeepSpeed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def make_optimizer(kind: str, lrs: list[float]) -> torch.optim.Optimizer:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lrs[0], betas=(0.9, 0.999))
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def state_of(optimizer: torch.optim.Optimizer) -> list[tuple[float, ...]]:
    out = []
    for group in optimizer.param_groups:
        values = [float(group["lr"])]
        if "betas" in group:
            values += [float(b) for b in group["betas"]]
        out.append(tuple(values))
    return out


# -- generated configurations --------------------------------------------------------------------


def lr_value(rng: random.Random) -> float:
    return 10 ** rng.uniform(-5, 0)


def maybe(rng: random.Random, kwargs: dict[str, Any], key: str, make, p: float = 0.7) -> None:
    if rng.random() < p:
        kwargs[key] = make()


def make_kwargs(rng: random.Random, name: str) -> tuple[dict[str, Any], int]:
    """DeepSpeed keyword arguments for ``name`` and how many steps to compare."""
    kw: dict[str, Any] = {}
    if name in ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR"):
        maybe(rng, kw, "warmup_num_steps", lambda: rng.choice([1, 2, 3, rng.randint(1, 80)]), 0.9)
        maybe(rng, kw, "warmup_type", lambda: rng.choice(["log", "linear"]))
        w = max(2, kw.get("warmup_num_steps", 1000))
        if name != "WarmupCosineLR":
            maybe(rng, kw, "warmup_min_lr", lambda: rng.choice([0.0, lr_value(rng) * 0.1]))
            none = name == "WarmupLR"
            maybe(rng, kw, "warmup_max_lr", lambda: None if none and rng.random() < 0.3 else lr_value(rng))
        else:
            maybe(rng, kw, "warmup_min_ratio", lambda: rng.choice([0.0, 0.1, rng.random()]))
            maybe(rng, kw, "cos_min_ratio", lambda: rng.choice([0.0, 0.01, rng.random(), 1.5]))
        if name == "WarmupLR":
            return kw, w + 20
        kw["total_num_steps"] = rng.choice([rng.randint(0, w), rng.randint(w, w + 150), w, w + 1])
        return kw, max(kw["total_num_steps"], w) + 15
    if name == "OneCycle":
        kw["cycle_min_lr"] = lr_value(rng) * 0.1
        kw["cycle_max_lr"] = rng.choice([lr_value(rng), kw["cycle_min_lr"] * 0.5])
        kw["cycle_first_step_size"] = rng.choice([1, 2, rng.randint(1, 40), rng.randint(2, 60) / 2])
        maybe(rng, kw, "cycle_second_step_size", lambda: rng.choice([None, 0, rng.randint(1, 40), 7.5]))
        maybe(rng, kw, "cycle_first_stair_count", lambda: rng.choice([0, -1, rng.randint(1, 6)]), 0.5)
        maybe(rng, kw, "cycle_second_stair_count", lambda: rng.choice([None, 0, rng.randint(1, 6)]), 0.4)
        maybe(rng, kw, "decay_step_size", lambda: rng.choice([0, rng.randint(1, 20), 2.5]))
        maybe(rng, kw, "decay_lr_rate", lambda: rng.choice([0.0, rng.uniform(0, 3)]))
        maybe(rng, kw, "cycle_min_mom", lambda: rng.uniform(0.5, 0.9), 0.5)
        maybe(rng, kw, "cycle_max_mom", lambda: rng.uniform(0.85, 0.99), 0.5)
        maybe(rng, kw, "decay_mom_rate", lambda: rng.choice([0.0, rng.uniform(0, 0.05)]), 0.5)
        first = kw["cycle_first_step_size"]
        second = kw.get("cycle_second_step_size")
        total = first + (first if second is None else second)
        return kw, int(total) + 40
    kw["lr_range_test_min_lr"] = lr_value(rng) * 0.01
    maybe(rng, kw, "lr_range_test_step_size", lambda: rng.randint(1, 50), 0.9)
    maybe(rng, kw, "lr_range_test_step_rate", lambda: rng.choice([0.0, 1.0, rng.uniform(0, 5)]))
    maybe(rng, kw, "lr_range_test_staircase", lambda: rng.random() < 0.5)
    return kw, kw.get("lr_range_test_step_size", 2000) * 4 if "lr_range_test_step_size" in kw else 300


def make_config(rng: random.Random, name: str) -> dict[str, Any]:
    kwargs, steps = make_kwargs(rng, name)
    lrs = [lr_value(rng)] if rng.random() < 0.5 else [lr_value(rng) for _ in range(3)]
    return dict(name=name, kwargs=kwargs, steps=steps, lrs=lrs, optimizer=rng.choice(["adam", "sgd"]))


CONFIGS = [
    (name, index, make_config(random.Random(f"deepspeed-{name}-{index}"), name))
    for name in NAMES
    for index in range(CONFIGS_PER_NAME)
]


def lrkit_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(config["kwargs"])
    if config["name"] == "OneCycle" and config["optimizer"] == "sgd":
        # DeepSpeed turns the momentum cycling off for an optimizer without betas; lrkit is told.
        kwargs["cycle_momentum"] = False
    return kwargs


def run_config(config: dict[str, Any]) -> float:
    name, kwargs = config["name"], config["kwargs"]
    theirs_opt = make_optimizer(config["optimizer"], config["lrs"])
    mine_opt = make_optimizer(config["optimizer"], config["lrs"])
    theirs = getattr(lr_schedules, name)(theirs_opt, **kwargs)
    mine = lrkit.create(f"deepspeed:{name}", mine_opt, **lrkit_kwargs(config))

    recipe = registry.resolve(f"deepspeed:{name}", kwargs)[0]
    schedule = lrkit.create(f"deepspeed:{name}", **lrkit_kwargs(config))
    fields = recipe.fields(**lrkit_kwargs(config)) if recipe.fields else {}
    for tree in (schedule, *fields.values()):
        assert lrkit.from_dict(json.loads(json.dumps(tree.to_dict()))) == tree, config

    worst = 0.0
    expected_lrs = []
    for t in range(config["steps"] + 1):
        if t:
            theirs.step()
            mine.step()
        expected, got = state_of(theirs_opt), state_of(mine_opt)
        for group, (a, b) in enumerate(zip(expected, got, strict=True)):
            assert len(a) == len(b)
            for x, y in zip(a, b, strict=True):
                diff = rel_diff(x, y)
                assert diff <= RTOL, f"t={t} group={group}: DeepSpeed {a!r}, lrkit {b!r}; {config}"
                worst = max(worst, diff)
            base = config["lrs"][group]
            assert rel_diff(a[0], schedule(t, base)) <= RTOL, (t, group, config)
            if "beta1" in fields:
                assert rel_diff(a[1], fields["beta1"](t, 0.9)) <= RTOL, (t, config)
                assert rel_diff(a[2], fields["beta2"](t, 0.999)) <= RTOL, (t, config)
        expected_lrs.append(expected[0][0])
    # Arrays follow the scalar path.
    times = np.arange(config["steps"] + 1, dtype=np.float64)
    values = schedule(times, config["lrs"][0])
    np.testing.assert_allclose(values, expected_lrs, rtol=RTOL, atol=0)
    return worst


@pytest.mark.parametrize("name", NAMES)
def test_matches_deepspeed(name):
    worst = 0.0
    for _, _, config in (c for c in CONFIGS if c[0] == name):
        worst = max(worst, run_config(config))
    assert worst <= RTOL


def test_configurations_reach_every_branch():
    seen = set()
    for name, _, c in CONFIGS:
        kw = c["kwargs"]
        seen.add((name, c["optimizer"]))
        seen.add((name, f"{len(c['lrs'])} groups"))
        if name.startswith("Warmup"):
            w = max(2, kw.get("warmup_num_steps", 1000))
            seen.add((name, kw.get("warmup_type", "log")))
            if "total_num_steps" in kw:
                seen.add((name, "T < W" if kw["total_num_steps"] < w else "T >= W"))
        if name == "WarmupLR":
            seen.add((name, "own max" if kw.get("warmup_max_lr") is None else "fixed max"))
        if name == "OneCycle":
            stairs = kw.get("cycle_first_stair_count", 0) > 0 or (kw.get("cycle_second_stair_count") or 0) > 0
            seen.add((name, "stairs" if stairs else "continuous"))
            seen.add((name, "decay" if kw.get("decay_step_size") and kw.get("decay_lr_rate") else "held"))
            seen.add((name, "no second half" if kw.get("cycle_second_step_size") == 0 else "two halves"))
        if name == "LRRangeTest":
            seen.add((name, "staircase" if kw.get("lr_range_test_staircase") else "continuous"))
    for name in NAMES:
        assert {(name, "adam"), (name, "sgd"), (name, "1 groups"), (name, "3 groups")} <= seen
    for name in ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR"):
        assert {(name, "log"), (name, "linear")} <= seen
    for name in ("WarmupDecayLR", "WarmupCosineLR"):
        assert {(name, "T < W"), (name, "T >= W")} <= seen
    assert {("WarmupLR", "own max"), ("WarmupLR", "fixed max")} <= seen
    assert {("OneCycle", x) for x in ("stairs", "continuous", "decay", "held")} <= seen
    assert {("OneCycle", "no second half"), ("OneCycle", "two halves")} <= seen
    assert {("LRRangeTest", "staircase"), ("LRRangeTest", "continuous")} <= seen


def test_deepspeed_quirks_hold_on_both_sides():
    """What the module documents, asked of DeepSpeed itself."""

    def lrs(cls_name, steps, **kwargs):
        opt = make_optimizer("adam", [0.1])
        sched = getattr(lr_schedules, cls_name)(opt, **kwargs)
        out = [state_of(opt)[0]]
        for _ in range(steps):
            sched.step()
            out.append(state_of(opt)[0])
        return out

    cosine = lrs("WarmupCosineLR", 3, total_num_steps=10, warmup_num_steps=4, warmup_min_ratio=0.5)
    assert cosine[0][0] == 0.0 and cosine[1][0] > 0
    assert lrkit.create("deepspeed:WarmupCosineLR", total_num_steps=10, warmup_min_ratio=0.5)(0, 0.1) == 0.0
    warm = lrs("WarmupLR", 2, warmup_min_lr=0.01, warmup_max_lr=0.1, warmup_num_steps=5)
    assert warm[0][0] == warm[1][0] == 0.01 < warm[2][0]
    cycle = lrs("OneCycle", 1, cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=4)
    assert cycle[0][1:] == (0.8, 0.99)  # construction: cycle_min_mom, and beta2 = 0.99
    assert cycle[1][1] > 0.8
    momentum = ds.one_cycle_fields(cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=4)["beta1"]
    assert (momentum(0), momentum(1)) == (cycle[0][1], cycle[1][1])


def test_sgd_with_cycled_momentum_is_refused_where_deepspeed_turns_it_off():
    opt = make_optimizer("sgd", [0.1])
    with pytest.raises(ValueError, match="beta1"):
        lrkit.create("deepspeed:OneCycle", opt, cycle_min_lr=0.01, cycle_max_lr=0.1)
    assert opt.param_groups[0]["lr"] == 0.1  # a refused call changes nothing


def test_every_class_is_registered_with_deepspeeds_signature():
    import inspect

    for name in NAMES:
        recipe = registry.resolve(f"deepspeed:{name}", _required(name))[0]
        theirs = inspect.signature(getattr(lr_schedules, name).__init__).parameters
        expected = {
            k: p.default for k, p in theirs.items() if k not in ("self", "optimizer", "last_batch_iteration")
        }
        mine = {k: p.default for k, p in recipe.parameters.items()}
        assert mine == expected, name
        assert recipe.unit == "update"


def _required(name: str) -> dict[str, Any]:
    return {
        "WarmupDecayLR": {"total_num_steps": 10},
        "WarmupCosineLR": {"total_num_steps": 10},
        "OneCycle": {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1},
    }.get(name, {})


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "argument"),
    [
        ("WarmupLR", {"warmup_type": "cos"}, ValueError, "warmup_type"),
        ("WarmupLR", {"warmup_num_steps": 0}, ValueError, "warmup_num_steps"),
        ("WarmupLR", {"warmup_num_steps": 2.5}, TypeError, "warmup_num_steps"),
        ("WarmupLR", {"warmup_max_lr": [0.1, 0.2]}, TypeError, "warmup_max_lr"),
        ("WarmupLR", {"warmup_min_lr": -1.0}, ValueError, "warmup_min_lr"),
        ("WarmupDecayLR", {"total_num_steps": -1}, ValueError, "total_num_steps"),
        ("WarmupCosineLR", {"total_num_steps": 10, "cos_min_ratio": -0.1}, ValueError, "cos_min_ratio"),
        ("WarmupCosineLR", {"total_num_steps": 10, "warmup_min_ratio": "0"}, TypeError, "warmup_min_ratio"),
        ("OneCycle", {"cycle_first_step_size": 0}, ValueError, "cycle_first_step_size"),
        ("OneCycle", {"cycle_second_step_size": -1}, ValueError, "cycle_second_step_size"),
        ("OneCycle", {"cycle_first_stair_count": 1.5}, TypeError, "cycle_first_stair_count"),
        ("OneCycle", {"decay_lr_rate": -0.5}, ValueError, "decay_lr_rate"),
        ("OneCycle", {"cycle_min_lr": [0.1]}, TypeError, "cycle_min_lr"),
        ("LRRangeTest", {"lr_range_test_step_size": 0}, ValueError, "lr_range_test_step_size"),
        ("LRRangeTest", {"lr_range_test_staircase": 1}, TypeError, "lr_range_test_staircase"),
        ("LRRangeTest", {"lr_range_test_step_rate": -1}, ValueError, "lr_range_test_step_rate"),
    ],
)
def test_bad_arguments_are_named(name, kwargs, error, argument):
    with pytest.raises(error, match=argument):
        lrkit.create(f"deepspeed:{name}", **{**_required(name), **kwargs})


def test_momentum_arguments_are_checked_by_the_fields():
    opt = make_optimizer("adam", [0.1])
    with pytest.raises(ValueError, match="decay_mom_rate"):
        lrkit.create("deepspeed:OneCycle", opt, cycle_min_lr=0.01, cycle_max_lr=0.1, decay_mom_rate=-1)
    with pytest.raises(TypeError, match="cycle_momentum"):
        lrkit.create("deepspeed:OneCycle", opt, cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_momentum=1)


# -- the config format ---------------------------------------------------------------------------


def engine_like(config: dict[str, Any], optimizer: torch.optim.Optimizer):
    """The scheduler DeepSpeed's engine builds from a config (``_scheduler_from_config``)."""
    block = config["scheduler"]
    return getattr(lr_schedules, block["type"])(optimizer, **block["params"])


@pytest.mark.parametrize("name", NAMES)
def test_config_reads_as_deepspeed_builds_it(name):
    for _, index, c in [x for x in CONFIGS if x[0] == name][:6]:
        lr = c["lrs"][0]
        kind = "Adam" if c["optimizer"] == "adam" else "SGD"
        config = {
            "train_batch_size": 8,
            "optimizer": {"type": kind, "params": {"lr": lr}},
            "scheduler": {"type": name, "params": dict(c["kwargs"])},
        }
        assert ds.detect_config(config) and ds.detect_config(config["scheduler"])
        spec = read(json.loads(json.dumps(config)))
        assert spec.format == "deepspeed" and spec.base == lr and spec.unit == "update"
        theirs_opt, mine_opt = make_optimizer(c["optimizer"], [lr]), make_optimizer(c["optimizer"], [lr])
        theirs = engine_like(config, theirs_opt)
        mine = lrkit.load(config, mine_opt)
        for t in range(c["steps"] + 1):
            if t:
                theirs.step()
                mine.step()
            for a, b in zip(state_of(theirs_opt)[0], state_of(mine_opt)[0], strict=True):
                assert rel_diff(a, b) <= RTOL, (t, index, config)
        block = lrkit.load(config["scheduler"])
        assert block == spec.schedule


def test_config_without_scheduler_keeps_the_lr_and_torch_types_fall_back():
    spec = read({"optimizer": {"type": "AdamW", "params": {"lr": 0.01}}}, format="deepspeed")
    assert spec.schedule == lrkit.constant() and spec.base == 0.01
    block = {"type": "StepLR", "params": {"step_size": 3, "gamma": 0.5}}
    assert not ds.detect_config(block)  # a torch name is DeepSpeed's only when said so
    spec = read(block, format="deepspeed")
    assert spec.schedule == lrkit.create("torch:StepLR", step_size=3, gamma=0.5)
    onecycle = {"type": "OneCycleLR", "params": {"max_lr": 0.1, "total_steps": 20}}
    adam = {"optimizer": {"type": "Adam", "params": {"lr": 0.1}}, "scheduler": onecycle}
    assert set(read(adam, format="deepspeed").fields) == {"beta1"}


def test_config_with_an_sgd_optimizer_drops_onecycle_momentum():
    block = {"type": "OneCycle", "params": {"cycle_min_lr": 0.01, "cycle_max_lr": 0.1}}
    assert set(read({"scheduler": block}).fields) == {"beta1", "beta2"}
    sgd = {"optimizer": {"type": "SGD", "params": {"lr": 0.1, "momentum": 0.9}}, "scheduler": block}
    assert read(sgd).fields == {}


@pytest.mark.parametrize(
    "data",
    [
        {"type": "cosine", "t_initial": 10},
        {"type": "WarmupLR", "warmup_num_steps": 10},  # no params mapping
        {"type": "WarmupLR", "params": {}, "by_epoch": True},  # more than DeepSpeed's block
        {"type": "CosineAnnealingLR", "T_max": 10},  # mmengine
        {"sched": "deepspeed:WarmupLR", "warmup_num_steps": 10},  # a recipe block
        {"format": "timm", "sched": "cosine", "epochs": 10},
        {"scheduler": {"type": "StepLR", "params": {"step_size": 3}}},
        {"scheduler": "WarmupLR"},
        ["WarmupLR"],
        None,
        {"type": {"unhashable": []}, "params": {}},
    ],
)
def test_detect_claims_only_deepspeed_blocks(data):
    assert ds.detect_config(data) is False


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"total_num_steps": "auto"}, r"scheduler\.params\.total_num_steps is 'auto'"),
        ({"total_num_steps": 10, "last_batch_iteration": 3}, "last_batch_iteration"),
        ({"total_num_steps": 10, "warmup_steps": 3}, "warmup_steps"),
    ],
)
def test_config_errors_name_the_key(params, match):
    config = {"scheduler": {"type": "WarmupCosineLR", "params": params}}
    with pytest.raises(ValueError, match=match):
        read(config)


def test_unknown_type_is_an_error():
    with pytest.raises(ValueError, match="'Bogus'"):
        read({"scheduler": {"type": "Bogus", "params": {}}}, format="deepspeed")
