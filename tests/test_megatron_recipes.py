"""lrkit's Megatron recipe against Megatron-core's own ``OptimizerParamScheduler``, step for step.

The differential test draws configurations of every decay style (the four WSD anneal styles
included) and weight-decay increment style from a seeded ``random.Random``, with increments of
1 and of a global batch size, builds the real ``OptimizerParamScheduler`` on a torch AdamW
optimizer, and drives an identical optimizer with ``lrkit.create("megatron:OptimizerParamScheduler",
...)`` (one group) or a ``Scheduler`` of :func:`lrkit.recipes.megatron.group_schedules` (three
groups with their own ``max_lr``, ``min_lr``, ``start_wd``, ``end_wd`` and ``wd_mult``, as
Megatron's optimizer builds them). Every group's lr and weight decay is compared after
construction (Megatron's ``step(0)``) and after every ``step(increment)``; the schedules must
give the same values alone, on NumPy arrays too, and survive ``to_dict`` / ``from_dict``.

Only megatron-core is installed: Megatron-LM's training code (``get_optimizer_param_scheduler``,
which turns ``--train-iters``, ``--lr-warmup-fraction``, ... into the class's arguments) is not,
and neither is NeMo. The config-format test therefore spells that mapping out (the function is
a dozen lines of multiplications by the global batch size) and compares the format's schedule
with the real class built from what it gives.

Held tolerance: relative 1e-12 (room for the driver's ``a(t) * base + b(t)`` and NumPy's
``cos``/``sqrt``/``pow`` against ``math``'s). Measured: every lr and weight decay, driver and
schedule alone, bit for bit equal to Megatron's over all generated configurations.
"""

from __future__ import annotations

import inspect
import json
import random
import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
with warnings.catch_warnings():
    # megatron.core warns that Transformer Engine and Apex are missing, and torch.jit deprecations.
    warnings.simplefilter("ignore")
    scheduler_module = pytest.importorskip("megatron.core.optimizer_param_scheduler")
OptimizerParamScheduler = scheduler_module.OptimizerParamScheduler

from compare import rel_diff  # noqa: E402

import lrkit  # noqa: E402
from lrkit.config import read  # noqa: E402
from lrkit.recipes import megatron as mg  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402

RTOL = 1e-12
NAME = "megatron:OptimizerParamScheduler"
STYLES = [(s, None) for s in mg.DECAY_STYLES if s != "WSD"] + [("WSD", w) for w in mg.WSD_DECAY_STYLES]
CONFIGS_PER_STYLE = 24


def make_optimizer(groups: list[dict[str, Any]]) -> torch.optim.Optimizer:
    params = [{"params": [torch.zeros(1, requires_grad=True)], **g} for g in groups]
    return torch.optim.AdamW(params, lr=1.0, weight_decay=0.5)


def values_of(optimizer: torch.optim.Optimizer) -> list[tuple[float, float]]:
    return [(float(g["lr"]), float(g["weight_decay"])) for g in optimizer.param_groups]


# -- generated configurations --------------------------------------------------------------------


def make_config(rng: random.Random, style: str, wsd_style: str | None) -> dict[str, Any]:
    increment = rng.choice([1, 1, rng.randint(2, 64)])
    decay_updates = rng.randint(2, 150)
    warm_updates = rng.choice([0, 0, 1, rng.randint(0, decay_updates - 1)])
    if rng.random() < 0.25:
        # A warmup of a fraction of the decay, as lr_warmup_fraction gives: not a whole step.
        warm = rng.uniform(0, 0.5) * decay_updates * increment
    else:
        warm = warm_updates * increment
    high = 10 ** rng.uniform(-5, 0)
    low = rng.choice([0.0, high * rng.random(), high])
    init = rng.choice([0.0, low, high * rng.random()])
    kw: dict[str, Any] = dict(
        init_lr=init,
        max_lr=high,
        min_lr=low,
        lr_warmup_steps=warm,
        lr_decay_steps=decay_updates * increment,
        lr_decay_style=style,
    )
    if style == "WSD":
        kw["wsd_decay_steps"] = (
            rng.choice([0, 1, rng.randint(0, decay_updates), decay_updates + 5]) * increment
        )
        kw["lr_wsd_decay_style"] = wsd_style
    wd_style = rng.choice(mg.WD_INCR_STYLES)
    start = rng.choice([0.0, rng.uniform(0, 0.1)])
    kw.update(
        start_wd=start,
        end_wd=start if wd_style == "constant" else start + rng.uniform(0, 0.2),
        wd_incr_steps=rng.randint(1, 200) * increment,
        wd_incr_style=wd_style,
    )
    groups: list[dict[str, Any]] = [{}]
    if rng.random() < 0.5:
        # Megatron's optimizer groups: their own lr bounds, no-decay groups, a decoupled lr.
        groups = [
            {"max_lr": high, "min_lr": low, "wd_mult": 1.0},
            {"max_lr": high, "min_lr": low, "wd_mult": 0.0},
            {"max_lr": max(high * 0.5, init), "min_lr": low * 0.5, "wd_mult": 0.5, "start_wd": 0.0},
        ]
        # The constant style asserts that a group's bounds agree.
        groups[2]["end_wd"] = 0.0 if wd_style == "constant" else kw["end_wd"] * 2
    steps = int(max(kw["lr_decay_steps"], kw["wd_incr_steps"]) / increment) + 10
    return dict(kwargs=kw, increment=increment, groups=groups, steps=steps)


CONFIGS = [
    (style, wsd, index, make_config(random.Random(f"megatron-{style}-{wsd}-{index}"), style, wsd))
    for style, wsd in STYLES
    for index in range(CONFIGS_PER_STYLE)
]


def build_mine(config: dict[str, Any], optimizer: torch.optim.Optimizer):
    kwargs = {**config["kwargs"], "increment": config["increment"]}
    if config["groups"] == [{}]:
        return lrkit.create(NAME, optimizer, **kwargs), None
    per_group = mg.group_schedules(optimizer.param_groups, **kwargs)
    return Scheduler(optimizer, unit="update", **per_group), per_group


def run_config(config: dict[str, Any]) -> float:
    theirs_opt, mine_opt = make_optimizer(config["groups"]), make_optimizer(config["groups"])
    theirs = OptimizerParamScheduler(theirs_opt, **config["kwargs"])
    mine, per_group = build_mine(config, mine_opt)
    kwargs = {**config["kwargs"], "increment": config["increment"]}
    if per_group is None:
        per_group = {
            "lr": [lrkit.create(NAME, **kwargs)],
            "weight_decay": [mg.weight_decay_fields(**kwargs)["weight_decay"]],
        }
    for schedules in per_group.values():
        for s in schedules:
            assert lrkit.from_dict(json.loads(json.dumps(s.to_dict()))) == s, config

    worst = 0.0
    history = []
    for t in range(config["steps"] + 1):
        if t:
            mine_opt.step()
            theirs.step(config["increment"])
            mine.step()
        expected, got = values_of(theirs_opt), values_of(mine_opt)
        for group, (a, b) in enumerate(zip(expected, got, strict=True)):
            for field, x, y in zip(("lr", "weight_decay"), a, b, strict=True):
                diff = rel_diff(x, y)
                assert diff <= RTOL, f"t={t} group={group} {field}: Megatron {x!r}, lrkit {y!r}; {config}"
                worst = max(worst, diff)
                alone = per_group[field][group](t)
                assert rel_diff(x, alone) <= RTOL, (t, group, field, config)
        history.append(expected[0])
    times = np.arange(config["steps"] + 1, dtype=np.float64)
    for index, field in enumerate(("lr", "weight_decay")):
        np.testing.assert_allclose(
            per_group[field][0](times), [h[index] for h in history], rtol=RTOL, atol=0, err_msg=str(config)
        )
    return worst


@pytest.mark.parametrize(("style", "wsd_style"), STYLES)
def test_matches_optimizer_param_scheduler(style, wsd_style):
    worst = 0.0
    for *_, config in (c for c in CONFIGS if c[:2] == (style, wsd_style)):
        worst = max(worst, run_config(config))
    assert worst <= RTOL


def test_configurations_reach_every_branch():
    seen = set()
    for style, wsd, _, c in CONFIGS:
        kw = c["kwargs"]
        seen.add((style, "warmup" if kw["lr_warmup_steps"] else "no warmup"))
        seen.add((style, "groups" if len(c["groups"]) > 1 else "one group"))
        seen.add((style, "increment" if c["increment"] > 1 else "unit increment"))
        seen.add(("wd", kw["wd_incr_style"]))
        if kw["lr_warmup_steps"] and not float(kw["lr_warmup_steps"]).is_integer():
            seen.add((style, "fractional warmup"))
        if style == "WSD":
            start = kw["lr_decay_steps"] - kw["wsd_decay_steps"]
            seen.add((wsd, "anneal before warmup end" if start < kw["lr_warmup_steps"] else "stable phase"))
    for style, _ in STYLES:
        for kind in ("warmup", "no warmup", "groups", "one group", "increment", "unit increment"):
            assert (style, kind) in seen, (style, kind)
    assert {("wd", s) for s in mg.WD_INCR_STYLES} <= seen
    assert {(s, "fractional warmup") for s in mg.DECAY_STYLES} <= seen
    assert {(w, "stable phase") for w in mg.WSD_DECAY_STYLES} <= seen


def test_the_recipe_takes_the_class_arguments():
    theirs = inspect.signature(OptimizerParamScheduler.__init__).parameters
    recipe = lrkit.config.recipes(NAME)[0]
    mine = recipe.parameters
    assert set(mine) == (set(theirs) - {"self", "optimizer"}) | {"increment"}
    for key in ("use_checkpoint_opt_param_scheduler", "override_opt_param_scheduler", "wsd_decay_steps"):
        assert mine[key].default == theirs[key].default
    assert recipe.unit == "update"


BASE = dict(
    init_lr=0.0, max_lr=0.1, min_lr=0.01, lr_warmup_steps=10, lr_decay_steps=100, lr_decay_style="cosine"
)


@pytest.mark.parametrize(
    ("changes", "error", "argument"),
    [
        ({"min_lr": -1.0}, ValueError, "min_lr"),
        ({"max_lr": 0.001}, ValueError, "max_lr"),
        ({"init_lr": 0.5}, ValueError, "init_lr"),
        ({"lr_decay_steps": 0}, ValueError, "lr_decay_steps"),
        ({"lr_warmup_steps": 100}, ValueError, "lr_warmup_steps"),
        ({"lr_decay_style": "exp"}, ValueError, "lr_decay_style"),
        ({"lr_decay_style": "WSD"}, ValueError, "wsd_decay_steps"),
        ({"lr_decay_style": "WSD", "wsd_decay_steps": 5}, ValueError, "lr_wsd_decay_style"),
        ({"lr_wsd_decay_style": "1-sqrt"}, ValueError, "lr_wsd_decay_style"),
        ({"increment": 0}, ValueError, "increment"),
        ({"start_wd": 0.1}, ValueError, "end_wd"),
        (
            {"start_wd": 0.1, "end_wd": 0.0, "wd_incr_steps": 5, "wd_incr_style": "linear"},
            ValueError,
            "end_wd",
        ),
        (
            {"start_wd": 0.1, "end_wd": 0.2, "wd_incr_steps": 5, "wd_incr_style": "constant"},
            ValueError,
            "start_wd",
        ),
        (
            {"start_wd": 0.0, "end_wd": 0.2, "wd_incr_steps": 0, "wd_incr_style": "linear"},
            ValueError,
            "wd_incr_steps",
        ),
        ({"override_opt_param_scheduler": True}, ValueError, "override_opt_param_scheduler"),
        ({"use_checkpoint_opt_param_scheduler": 1}, TypeError, "use_checkpoint_opt_param_scheduler"),
    ],
)
def test_bad_arguments_are_named(changes, error, argument):
    with pytest.raises(error, match=argument):
        lrkit.create(NAME, **{**BASE, **changes})


def test_megatron_refuses_what_lrkit_refuses():
    # The class's own assertions, for the bounds lrkit checks at construction.
    opt = make_optimizer([{}])
    for changes in ({"max_lr": 0.001}, {"init_lr": 0.5}, {"lr_warmup_steps": 100}, {"lr_decay_steps": 0}):
        with pytest.raises(AssertionError):
            OptimizerParamScheduler(
                opt, **{**BASE, **changes}, start_wd=0, end_wd=0, wd_incr_steps=1, wd_incr_style="constant"
            )


# -- the config format ---------------------------------------------------------------------------


def megatron_lm_arguments(args: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """What Megatron-LM's ``get_optimizer_param_scheduler`` hands the class (iteration-based
    training, ``validate_args``'s weight-decay defaults), and the increment it steps by."""
    gbs = args.get("global_batch_size", 1)
    iters = args["train_iters"]
    decay_iters = args.get("lr_decay_iters") or iters
    decay = decay_iters * gbs
    if args.get("lr_warmup_fraction") is not None:
        warmup = args["lr_warmup_fraction"] * decay
    else:
        warmup = args.get("lr_warmup_iters", 0) * gbs
    wsd = args.get("lr_wsd_decay_iters")
    style = args.get("weight_decay_incr_style", "constant")
    if style == "constant":
        start = end = args.get("weight_decay", 0.01)
    else:
        start, end = args["start_weight_decay"], args["end_weight_decay"]
    kwargs = dict(
        init_lr=args.get("lr_warmup_init", 0.0),
        max_lr=args["lr"],
        min_lr=args.get("min_lr", 0.0),
        lr_warmup_steps=warmup,
        lr_decay_steps=decay,
        lr_decay_style=args.get("lr_decay_style", "linear"),
        start_wd=start,
        end_wd=end,
        wd_incr_steps=iters * gbs,
        wd_incr_style=style,
        wsd_decay_steps=None if wsd is None else wsd * gbs,
        lr_wsd_decay_style=args.get("lr_wsd_decay_style", "exponential"),
    )
    return kwargs, gbs


def make_arguments(rng: random.Random, style: str, wsd_style: str | None) -> dict[str, Any]:
    iters = rng.randint(5, 120)
    args: dict[str, Any] = {"lr": 10 ** rng.uniform(-5, -1), "train_iters": iters, "lr_decay_style": style}
    if rng.random() < 0.5:
        args["lr_decay_iters"] = rng.randint(2, iters)
    decay = args.get("lr_decay_iters", iters)
    if rng.random() < 0.4:
        args["lr_warmup_fraction"] = rng.choice([0.0, 0.01, 0.1, rng.uniform(0, 0.9)])
    elif rng.random() < 0.7:
        args["lr_warmup_iters"] = rng.randint(0, decay - 1)
    if rng.random() < 0.6:
        args["min_lr"] = args["lr"] * rng.random()
    if rng.random() < 0.3:
        args["lr_warmup_init"] = args.get("min_lr", 0.0)
    if rng.random() < 0.7 or style == "inverse-square-root":
        args["global_batch_size"] = rng.choice([1, 8, 256, rng.randint(2, 1000)])
    if style == "WSD":
        args["lr_wsd_decay_iters"] = rng.randint(0, decay)
        if wsd_style != "exponential" or rng.random() < 0.5:
            args["lr_wsd_decay_style"] = wsd_style
    wd_style = rng.choice(mg.WD_INCR_STYLES)
    if wd_style == "constant":
        if rng.random() < 0.5:
            args["weight_decay"] = rng.uniform(0, 0.2)
    else:
        args["weight_decay_incr_style"] = wd_style
        args["start_weight_decay"] = rng.uniform(0, 0.05)
        args["end_weight_decay"] = args["start_weight_decay"] + rng.uniform(0, 0.1)
    # Keys of a whole arguments file, which the format passes over.
    args.update(num_layers=12, hidden_size=768, micro_batch_size=4, seq_length=2048)
    return args


@pytest.mark.parametrize(("style", "wsd_style"), STYLES)
def test_megatron_lm_arguments_read_as_megatron_builds_them(style, wsd_style):
    for index in range(8):
        args = make_arguments(random.Random(f"megatron-args-{style}-{wsd_style}-{index}"), style, wsd_style)
        assert mg.detect_config(args)
        spec = read(json.loads(json.dumps(args)))
        assert spec.format == "megatron" and spec.unit == "update"
        assert spec.length == args["train_iters"] and spec.base == args["lr"]
        kwargs, gbs = megatron_lm_arguments(args)
        theirs_opt, mine_opt = make_optimizer([{}]), make_optimizer([{}])
        theirs = OptimizerParamScheduler(theirs_opt, **kwargs)
        mine = lrkit.load(args, mine_opt)
        for t in range(args["train_iters"] + 6):
            if t:
                theirs.step(gbs)
                mine.step()
            for x, y in zip(values_of(theirs_opt)[0], values_of(mine_opt)[0], strict=True):
                assert rel_diff(x, y) <= RTOL, (t, args)


def test_dashed_names_and_sample_based_training():
    dashed = {"--lr": 0.1, "--train-iters": 50, "--lr-decay-style": "cosine", "--lr-warmup-iters": 5}
    underscored = {"lr": 0.1, "train_iters": 50, "lr_decay_style": "cosine", "lr_warmup_iters": 5}
    assert read(dashed).schedule == read(underscored).schedule
    samples = {"lr": 0.1, "train_samples": 1000, "global_batch_size": 10, "lr_warmup_samples": 100}
    spec = read(samples, format="megatron")
    assert spec.length == 100
    theirs_opt = make_optimizer([{}])
    theirs = OptimizerParamScheduler(
        theirs_opt,
        init_lr=0.0,
        max_lr=0.1,
        min_lr=0.0,
        lr_warmup_steps=100,
        lr_decay_steps=1000,
        lr_decay_style="linear",
        start_wd=0.01,
        end_wd=0.01,
        wd_incr_steps=1000,
        wd_incr_style="constant",
    )
    for t in range(110):
        if t:
            theirs.step(10)
        assert rel_diff(theirs_opt.param_groups[0]["lr"], spec.schedule(t)) <= RTOL


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ({"train_iters": 10, "lr_decay_style": "cosine"}, "lr is required"),
        ({"lr": 0.1, "lr_decay_style": "cosine"}, "train_iters or train_samples"),
        ({"lr": 0.1, "train_iters": 10, "lr_warmup_iters": 2, "lr_warmup_fraction": 0.1}, "one of"),
        ({"lr": 0.1, "train_iters": 10, "lr_warmup_samples": 2}, "lr_warmup_samples"),
        ({"lr": 0.1, "train_samples": 100, "lr_warmup_samples": 2}, "global_batch_size"),
        ({"lr": 0.1, "train_iters": 10, "lr_decay_style": "inverse-square-root"}, "global_batch_size"),
        ({"lr": 0.1, "train_iters": 10, "rampup_batch_size": [16, 16, 100]}, "rampup_batch_size"),
        ({"lr": 0.1, "train_iters": 10, "weight_decay_incr_style": "linear"}, "start_weight_decay"),
        ({"lr": 0.1, "train_iters": 10, "start_weight_decay": 0.1}, "constant style"),
        ({"lr": 0.1, "train_iters": 10, "lr_warmup_iters": 10}, r"the warmup \(lr_warmup_\*\)"),
        ({"lr": 0.1, "train_iters": 10, "min_lr": 0.5}, r"^lr must be >= min_lr"),
        ({"lr": 0.1, "train_iters": 10, "lr_decay_style": "exp"}, "lr_decay_style"),
    ],
)
def test_config_errors(args, match):
    with pytest.raises(ValueError, match=match):
        mg.read_config(args)


@pytest.mark.parametrize(
    "data",
    [
        {"type": "cosine", "t_initial": 10},
        {"sched": "megatron:OptimizerParamScheduler", "lr_decay_style": "cosine", "train_iters": 10},
        {"format": "timm", "sched": "cosine", "epochs": 10, "lr_decay_style": "x", "train_iters": 1},
        {"type": "CosineAnnealingLR", "T_max": 10},
        {"scheduler": {"type": "WarmupLR", "params": {}}, "train_iters": 10, "lr_decay_style": "x"},
        {"lr": 0.1, "train_iters": 100},  # no scheduler key of Megatron's own
        {"lr_decay_style": "cosine"},  # no length
        ["lr_decay_style"],
        None,
    ],
)
def test_detect_claims_only_megatron_arguments(data):
    assert mg.detect_config(data) is False


def test_load_with_an_optimizer_writes_weight_decay():
    args = {"lr": 0.1, "train_iters": 20, "lr_decay_style": "cosine", "weight_decay": 0.05}
    opt = make_optimizer([{}])
    lrkit.load(args, opt)
    assert values_of(opt)[0] == (0.1, 0.05)
