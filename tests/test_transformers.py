"""lrkit's transformers names against transformers' own ``get_scheduler``, value for value.

The differential test draws configurations of every ``SchedulerType`` name from a seeded
``random.Random``, builds ``transformers.get_scheduler(...)`` on one optimizer and
``lrkit.create(name, optimizer, ...)`` with the same keywords on an identical one, and compares
every group's lr after construction and after every step up to ``num_training_steps + 10``. The
schedule built without an optimizer must give the same lrs as ``schedule(t, base)`` and survive
``to_dict`` / ``from_dict``. A hypothesis search does the same for fractional and edge step
counts, and the names that read the optimizer's lr are checked on groups with other lrs.
"""

from __future__ import annotations

import json
import math
import random
import re
import warnings
from typing import Any

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from compare import rel_diff  # noqa: E402
from transformers import SchedulerType, get_scheduler  # noqa: E402

import lrkit  # noqa: E402
from lrkit import checks  # noqa: E402
from lrkit.config import variants  # noqa: E402
from lrkit.recipes import registry  # noqa: E402
from lrkit.recipes.transformers import HardRestarts  # noqa: E402

RTOL = 1e-12
NAMES = [t.value for t in SchedulerType if t.value != "greedy"]
# The names whose transformers schedule reads optimizer.defaults["lr"].
READS_OPTIMIZER_LR = {"polynomial", "cosine_with_min_lr", "cosine_warmup_with_min_lr"}
# How a configuration of those gives base_lr: not at all (lrkit.create fills in the optimizer's
# lr), explicitly as that lr, or explicitly as None (the absolute reading, which is transformers'
# only for a group at the optimizer's lr).
BASE_LR_MODES = ("filled", "given", "absolute")
CONFIGS_PER_NAME = 24
# warmup_stable_decay has nine warmup and decay type pairs to cover.
CONFIGS_PER_WSD = 60
STABLE_WARNING = "num_stable_steps will be used"


def make_optimizer(lrs: list[float], default_lr: float) -> torch.optim.Optimizer:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=default_lr)


def lrs_of(optimizer: torch.optim.Optimizer) -> list[float]:
    return [float(group["lr"]) for group in optimizer.param_groups]


# -- generated configurations --------------------------------------------------------------------


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return 10 ** rng.uniform(math.log10(low), math.log10(high))


def cycles(rng: random.Random, pool: tuple[float, ...]) -> float:
    # Fractional and integral counts, some not exactly representable, and an arbitrary one.
    return rng.choice([*pool, round(rng.uniform(0.1, 4.0), 3)])


def specific_kwargs(rng: random.Random, name: str, w: int, total: int, lrs: list[float], default: float):
    """``(scheduler_specific_kwargs, num_training_steps)`` for one configuration of ``name``."""
    kw: dict[str, Any] = {}
    if name == "cosine" and rng.random() < 0.8:
        kw["num_cycles"] = cycles(rng, (0.5, 0.25, 1, 1.5, 2, 3, 0.3, 1.7))
    elif name == "cosine_with_restarts" and rng.random() < 0.8:
        kw["num_cycles"] = cycles(rng, (1, 2, 3, 4, 5, 7, 0.5, 1.5, 2.5, 1.3, 2.7))
    elif name == "polynomial":
        if rng.random() < 0.7:
            kw["lr_end"] = default * rng.choice([0.0, 1e-3, 0.1, 0.5, 0.99, rng.random()])
        if rng.random() < 0.7:
            kw["power"] = rng.choice([0.5, 1.0, 2.0, 3, round(rng.uniform(0.1, 4.0), 3)])
    elif name == "inverse_sqrt":
        choice = rng.random()
        if choice < 0.3:
            kw["timescale"] = None
        elif choice < 0.8:
            kw["timescale"] = rng.choice([rng.randint(1, 300), round(rng.uniform(0.5, 300.0), 2)])
    elif name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        if rng.random() < 0.6:
            kw["num_cycles"] = cycles(rng, (0.5, 1, 1.5, 0.25, 0.3))
        if rng.random() < 0.5:
            kw["min_lr"] = default * rng.choice([0.0, 0.01, 0.1, 0.5, rng.random()])
        else:
            kw["min_lr_rate"] = rng.choice([0.0, 0.01, 0.1, 0.5, rng.random()])
        if name == "cosine_warmup_with_min_lr" and rng.random() < 0.5:
            kw["warmup_lr_rate"] = rng.choice([0.0, 0.1, 0.5, rng.random()])
    elif name == "warmup_stable_decay":
        decay = rng.choice([0, rng.randint(1, total), rng.randint(1, 60), total + rng.randint(0, 50)])
        kw["num_decay_steps"] = decay
        if rng.random() < 0.3:
            kw["num_stable_steps"] = rng.randint(0, 300)
            if rng.random() < 0.6:
                total = None
        for key in ("warmup_type", "decay_type"):
            if rng.random() < 0.85:
                kw[key] = rng.choice(["linear", "cosine", "1-sqrt"])
        if rng.random() < 0.6:
            kw["min_lr_ratio"] = rng.choice([0.0, 0.1, 0.5, 1.0, rng.random()])
        if rng.random() < 0.4:
            kw["num_cycles"] = cycles(rng, (0.5, 1, 1.5, 0.25, 0.3))
    elif name == "reduce_lr_on_plateau":
        options = {
            "mode": lambda: rng.choice(["min", "max"]),
            "factor": lambda: rng.choice([0.1, 0.5, round(rng.uniform(0.05, 0.95), 3)]),
            "patience": lambda: rng.randint(0, 6),
            "threshold": lambda: rng.choice([0.0, 1e-4, 0.01, 0.1]),
            "threshold_mode": lambda: rng.choice(["rel", "abs"]),
            "cooldown": lambda: rng.randint(0, 4),
            "min_lr": lambda: rng.choice([0.0, 1e-4, [lr * rng.random() for lr in lrs]]),
            "eps": lambda: rng.choice([1e-8, 1e-6, 1e-3]),
        }
        kw = {key: make() for key, make in options.items() if rng.random() < 0.6}
    if rng.random() < 0.15 and not kw:
        return None, total
    return kw, total


def make_config(rng: random.Random, name: str) -> dict[str, Any]:
    w = rng.choice([0, 0, 1, 2, rng.randint(0, 50)])
    total = rng.randint(20, 500)
    if rng.random() < 0.12:
        # A warmup as long as the whole run, or longer: the decays must not start anyway.
        total = rng.randint(20, 45)
        w = rng.randint(total, 50)
    if name == "polynomial" and total == w:
        # transformers divides by T - w = 0 at t = T there (ZeroDivisionError).
        total += 1
    if rng.random() < 0.4:
        default = log_uniform(rng, 1e-5, 1.0)
        lrs = [default]
    else:
        default = log_uniform(rng, 1e-5, 1.0)
        lrs = [log_uniform(rng, 1e-5, 1.0), log_uniform(rng, 1e-5, 1.0), default]
    specific, total = specific_kwargs(rng, name, w, total, lrs, default)
    extra = {}
    if name in READS_OPTIMIZER_LR:
        modes = BASE_LR_MODES if len(lrs) == 1 else BASE_LR_MODES[:2]
        mode = rng.choice(modes)
        if mode != "filled":
            extra["base_lr"] = default if mode == "given" else None
    return dict(name=name, w=w, total=total, specific=specific, lrs=lrs, default=default, extra=extra)


def base_lr_mode(config: dict[str, Any]) -> str:
    if "base_lr" not in config["extra"]:
        return "filled"
    return "absolute" if config["extra"]["base_lr"] is None else "given"


def steps_of(config: dict[str, Any]) -> int:
    total = config["total"]
    if total is None:
        specific = config["specific"]
        total = config["w"] + specific["num_stable_steps"] + specific["num_decay_steps"]
    return total + 10


def metric_series(rng: random.Random, n: int) -> list[float]:
    """Stretches of improvement, ties and small worsenings, so that decays and cooldowns happen."""
    value, series = rng.uniform(0.5, 2.0), []
    for _ in range(n):
        roll = rng.random()
        if roll < 0.25:
            value *= rng.uniform(0.8, 0.999)
        elif roll < 0.35:
            value *= rng.uniform(1.0, 1.02)
        series.append(value)
    return series


def build_both(config: dict[str, Any]):
    """transformers' scheduler and lrkit's driver, each on its own optimizer, and the warnings."""
    name, w, total, specific = config["name"], config["w"], config["total"], config["specific"]
    theirs_opt = make_optimizer(config["lrs"], config["default"])
    mine_opt = make_optimizer(config["lrs"], config["default"])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        theirs = get_scheduler(
            name,
            theirs_opt,
            num_warmup_steps=w,
            num_training_steps=total,
            scheduler_specific_kwargs=specific,
        )
        mine = lrkit.create(
            name,
            mine_opt,
            num_warmup_steps=w,
            num_training_steps=total,
            scheduler_specific_kwargs=specific,
            **config["extra"],
        )
    stable_warnings = sum(STABLE_WARNING in str(w.message) for w in caught)
    return theirs, theirs_opt, mine, mine_opt, stable_warnings


def run_config(config: dict[str, Any], seed: int) -> float:
    """Drive both schedulers side by side; the largest relative difference seen."""
    theirs, theirs_opt, mine, mine_opt, stable_warnings = build_both(config)
    specific = config["specific"] or {}
    both_stable_counts = config["total"] is not None and "num_stable_steps" in specific
    assert stable_warnings == (2 if both_stable_counts else 0), config

    plateau = config["name"] == "reduce_lr_on_plateau"
    schedule = None
    if not plateau:
        # Without an optimizer nothing fills base_lr in: give the lr the driver was given.
        alone = dict(config["extra"])
        if config["name"] in READS_OPTIMIZER_LR:
            alone.setdefault("base_lr", config["default"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the num_stable_steps warning, checked above
            schedule = lrkit.create(
                config["name"],
                num_warmup_steps=config["w"],
                num_training_steps=config["total"],
                scheduler_specific_kwargs=config["specific"],
                **alone,
            )
        assert lrkit.from_dict(json.loads(json.dumps(schedule.to_dict()))) == schedule, config

    metrics = metric_series(random.Random(seed), steps_of(config)) if plateau else []
    worst = 0.0
    for t in range(steps_of(config) + 1):
        if t:
            theirs_opt.step()
            mine_opt.step()
            if plateau:
                theirs.step(metrics[t - 1])
                mine.step(metrics[t - 1])
            else:
                theirs.step()
                mine.step()
        expected, got = lrs_of(theirs_opt), lrs_of(mine_opt)
        for group, (a, b) in enumerate(zip(expected, got, strict=True)):
            diff = rel_diff(a, b)
            assert diff <= RTOL, f"t={t} group={group}: transformers {a!r}, lrkit {b!r}; {config}"
            worst = max(worst, diff)
        if schedule is not None:
            # The driver writes schedule(t, base) (through a(t) * base + b(t) for several groups,
            # which can differ in the last bits).
            for a, base in zip(got, config["lrs"], strict=True):
                assert rel_diff(a, schedule(t, base)) <= RTOL, (t, base, config)
    return worst


CONFIGS = [
    (name, index, make_config(random.Random(f"{name}-{index}"), name))
    for name in NAMES
    for index in range(CONFIGS_PER_WSD if name == "warmup_stable_decay" else CONFIGS_PER_NAME)
]


@pytest.mark.parametrize("name", NAMES)
def test_matches_get_scheduler(name):
    worst = 0.0
    for _, index, config in (c for c in CONFIGS if c[0] == name):
        worst = max(worst, run_config(config, seed=index))
    assert worst <= RTOL


def test_configurations_reach_every_branch():
    # The generator is seeded; this keeps it honest about what the differential test covers.
    seen = set()
    for name, _, c in CONFIGS:
        s, w, total = c["specific"] or {}, c["w"], c["total"]
        seen.add((name, "warmup" if w else "no warmup"))
        seen.add((name, f"{len(c['lrs'])} groups"))
        if total is not None and w >= total:
            seen.add((name, "warmup past T"))
        if name == "warmup_stable_decay":
            if w and s["num_decay_steps"]:
                seen.add((s.get("warmup_type", "linear"), s.get("decay_type", "cosine")))
            stable = s.get("num_stable_steps", (total or 0) - w - s["num_decay_steps"])
            seen.add(("wsd", "negative stable" if stable < 0 else "stable"))
        if name in READS_OPTIMIZER_LR:
            seen.add((name, "min_lr" if "min_lr" in s or "lr_end" in s else "rate"))
            seen.add((name, base_lr_mode(c), f"{len(c['lrs'])} groups"))
        if "num_cycles" in s:
            seen.add((name, "integral cycles" if s["num_cycles"] == int(s["num_cycles"]) else "fractional"))
        if name == "inverse_sqrt":
            seen.add((name, "timescale" if s.get("timescale") is not None else "default timescale"))
    for name in NAMES:
        assert {(name, "warmup"), (name, "no warmup"), (name, "1 groups"), (name, "3 groups")} <= seen
    types = ("linear", "cosine", "1-sqrt")
    assert {(a, b) for a in types for b in types} <= seen
    assert {("wsd", "negative stable"), ("wsd", "stable")} <= seen
    for name in READS_OPTIMIZER_LR:
        assert {(name, "min_lr"), (name, "rate")} <= seen
        # The optimizer's lr read for groups at other lrs, not only at it.
        assert {(name, "filled", "3 groups"), (name, "given", "3 groups")} <= seen
        assert {(name, mode, "1 groups") for mode in BASE_LR_MODES} <= seen
    for name in ("cosine", "cosine_with_restarts"):
        assert {(name, "integral cycles"), (name, "fractional")} <= seen
    for name in ("linear", "cosine", "cosine_with_restarts", "polynomial", *READS_OPTIMIZER_LR):
        assert (name, "warmup past T") in seen
    assert {("inverse_sqrt", "timescale"), ("inverse_sqrt", "default timescale")} <= seen


def test_plateau_series_decay():
    # The plateau comparison is only worth something if transformers' side actually decays.
    decayed = 0
    for name, index, config in CONFIGS:
        if name != "reduce_lr_on_plateau":
            continue
        theirs, theirs_opt, *_ = build_both(config)
        for metric in metric_series(random.Random(index), steps_of(config)):
            theirs.step(metric)
        decayed += lrs_of(theirs_opt) != config["lrs"]
    assert decayed >= CONFIGS_PER_NAME // 2


# -- names, keywords, variants -------------------------------------------------------------------


def test_every_schedule_name_is_registered_and_greedy_is_not():
    registered = {r.name for r in lrkit.config.recipes() if r.source == "transformers"}
    assert registered == set(NAMES)
    assert {f"transformers:{name}" for name in NAMES} <= set(lrkit.config.names())
    assert not lrkit.config.recipes("greedy")
    for name in NAMES:
        (variant,) = [v for v in variants(name) if v.source == "transformers"]
        assert variant.unit == "update"
        assert variant.plateau == (name == "reduce_lr_on_plateau")


def test_shared_names_keep_timm_variants():
    from lrkit.recipes import timm

    assert lrkit.create("cosine", t_initial=100) == timm.cosine(t_initial=100)
    assert lrkit.create("constant") == lrkit.constant()
    assert lrkit.create("constant", warmup_t=3) == timm.constant(warmup_t=3)
    ours = lrkit.create("cosine", num_warmup_steps=5, num_training_steps=100)
    assert (
        ours != timm.cosine(t_initial=100) and ours(5, 0.1) == 0.1 and ours(52.5, 0.1) == pytest.approx(0.05)
    )


def test_extra_arguments_as_keywords_or_in_scheduler_specific_kwargs():
    steps = dict(num_warmup_steps=10, num_training_steps=100)
    cases = [
        ("cosine_with_restarts", {"num_cycles": 3}),
        ("cosine", {"num_cycles": 1.5}),
        ("polynomial", {"lr_end": 1e-4, "power": 2.0}),
        ("inverse_sqrt", {"timescale": 50}),
        ("cosine_with_min_lr", {"min_lr_rate": 0.1, "num_cycles": 1}),
        ("cosine_warmup_with_min_lr", {"min_lr": 1e-3, "warmup_lr_rate": 0.2}),
        ("warmup_stable_decay", {"num_decay_steps": 20, "decay_type": "1-sqrt", "min_lr_ratio": 0.1}),
    ]
    for name, extra in cases:
        direct = lrkit.create(name, **steps, **extra)
        assert direct == lrkit.create(name, **steps, scheduler_specific_kwargs=extra)
        if name in ("cosine_with_restarts", "cosine", "polynomial", "inverse_sqrt"):
            assert direct != lrkit.create(name, **steps)  # the keywords are not dropped
    (plateau,) = [v.builder for v in variants("reduce_lr_on_plateau") if v.source == "transformers"]
    assert plateau(patience=3) == plateau(scheduler_specific_kwargs={"patience": 3})
    assert plateau(patience=3)["patience"] == 3 and plateau()["patience"] == 10


def test_unknown_or_doubled_keys_are_errors():
    for name in NAMES:
        with pytest.raises(ValueError, match="unknown key 'bogus'"):
            lrkit.create(
                name,
                make_optimizer([0.1], 0.1),
                num_warmup_steps=5,
                num_training_steps=50,
                scheduler_specific_kwargs={"bogus": 1},
            )
    with pytest.raises(ValueError, match=r"'last_epoch'.*state_dict"):
        lrkit.create(
            "linear", num_warmup_steps=5, num_training_steps=50, scheduler_specific_kwargs={"last_epoch": 3}
        )
    with pytest.raises(ValueError, match="'num_cycles' is given both"):
        lrkit.create(
            "cosine",
            num_warmup_steps=5,
            num_training_steps=50,
            num_cycles=1,
            scheduler_specific_kwargs={"num_cycles": 2},
        )
    with pytest.raises(ValueError, match="only one of min_lr or min_lr_rate"):
        lrkit.create(
            "cosine_with_min_lr", num_warmup_steps=5, num_training_steps=50, min_lr=1e-3, min_lr_rate=0.1
        )
    with pytest.raises(ValueError, match="min_lr or min_lr_rate should be set"):
        lrkit.create("cosine_warmup_with_min_lr", num_warmup_steps=5, num_training_steps=50)
    with pytest.raises(ValueError, match="warmup_type"):
        lrkit.create(
            "warmup_stable_decay",
            num_warmup_steps=5,
            num_training_steps=50,
            num_decay_steps=5,
            warmup_type="exp",
        )
    with pytest.raises(ValueError, match=r"lr_end \(0.5\) must be smaller than initial lr \(0.1\)"):
        lrkit.create("polynomial", num_warmup_steps=5, num_training_steps=50, lr_end=0.5, base_lr=0.1)


# The extra arguments get_scheduler needs besides the step counts, for a configuration to build.
NEEDS = {
    "cosine_with_min_lr": {"min_lr_rate": 0.1},
    "cosine_warmup_with_min_lr": {"min_lr_rate": 0.1},
    "warmup_stable_decay": {"num_decay_steps": 5},
}


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("given", ["neither", "warmup", "training", "both"])
def test_missing_step_counts_fail_as_in_get_scheduler(name, given):
    steps = {
        "num_warmup_steps": 5 if given in ("warmup", "both") else None,
        "num_training_steps": 50 if given in ("training", "both") else None,
    }
    specific = NEEDS.get(name, {})
    try:
        get_scheduler(name, make_optimizer([0.1], 0.1), **steps, scheduler_specific_kwargs=specific)
    except ValueError as error:
        missing = next(arg for arg in ("num_warmup_steps", "num_training_steps") if arg in str(error))
        with pytest.raises(ValueError, match=missing):
            lrkit.create(name, make_optimizer([0.1], 0.1), **steps, scheduler_specific_kwargs=specific)
    else:
        lrkit.create(name, make_optimizer([0.1], 0.1), **steps, scheduler_specific_kwargs=specific)


def test_missing_num_training_steps_names_it():
    for name in ("linear", "cosine", "cosine_with_restarts", "polynomial", "cosine_with_min_lr"):
        extra = NEEDS.get(name, {})
        with pytest.raises(ValueError, match=rf"^{name} requires `num_training_steps`"):
            lrkit.create(name, num_warmup_steps=10, **extra)
    with pytest.raises(ValueError, match="requires `num_decay_steps`"):
        lrkit.create("warmup_stable_decay", num_warmup_steps=10, num_training_steps=100)


# -- the optimizer's lr ---------------------------------------------------------------------------

# lr_end / min_lr as absolute lrs, with the step counts the cases below share.
ABSOLUTE_ENDS = {
    "polynomial": {"lr_end": 1e-4, "power": 2.0},
    "cosine_with_min_lr": {"min_lr": 1e-3},
    "cosine_warmup_with_min_lr": {"min_lr": 1e-3, "warmup_lr_rate": 0.1},
}
STEPS = dict(num_warmup_steps=3, num_training_steps=30)


def end_step(name: str) -> int:
    """The step where the schedule reaches its lr_end / min_lr (the warmup-lr-rate cosine is a step ahead)."""
    return STEPS["num_training_steps"] - (name == "cosine_warmup_with_min_lr")


def test_the_names_that_read_the_optimizer_lr_declare_it():
    declared = {r.name: r.optimizer_lr for r in lrkit.config.recipes() if r.source == "transformers"}
    assert {name for name, argument in declared.items() if argument} == READS_OPTIMIZER_LR
    assert {declared[name] for name in READS_OPTIMIZER_LR} == {"base_lr"}


@pytest.mark.parametrize("name", sorted(READS_OPTIMIZER_LR))
@pytest.mark.parametrize(("lrs", "default"), [([0.1, 0.02], 0.1), ([0.05, 0.2], 0.1)])
@pytest.mark.parametrize("specific", ["absolute", "rate"])
def test_every_group_reads_the_optimizer_lr_by_default(name, lrs, default, specific):
    if specific == "absolute":
        kwargs = dict(ABSOLUTE_ENDS[name])
    elif name == "polynomial":
        kwargs = {"power": 0.5}  # the default lr_end, 1e-7, is absolute too
    else:
        kwargs = {"min_lr_rate": 0.05}
    config = dict(
        name=name,
        w=STEPS["num_warmup_steps"],
        total=STEPS["num_training_steps"],
        specific=kwargs,
        lrs=lrs,
        default=default,
        extra={},
    )
    assert run_config(config, seed=0) <= RTOL


def test_polynomial_on_two_groups_ends_where_transformers_does():
    kwargs = dict(num_warmup_steps=2, num_training_steps=10, scheduler_specific_kwargs={"lr_end": 1e-4})
    theirs_opt, mine_opt = make_optimizer([0.1, 0.02], 0.1), make_optimizer([0.1, 0.02], 0.1)
    theirs = get_scheduler("polynomial", theirs_opt, **kwargs)
    mine = lrkit.create("polynomial", mine_opt, **kwargs)
    for _ in range(12):
        theirs_opt.step()
        theirs.step()
        mine.step()
    assert lrs_of(mine_opt) == pytest.approx(lrs_of(theirs_opt), rel=RTOL)
    # The absolute reading would end both groups at lr_end; transformers does not.
    assert lrs_of(theirs_opt)[0] != lrs_of(theirs_opt)[1]


def test_a_config_read_with_an_optimizer_reads_its_lr():
    source = {"sched": "transformers:cosine_with_min_lr", **STEPS, "min_lr": 1e-3}
    theirs_opt, mine_opt = make_optimizer([0.1, 0.02], 0.1), make_optimizer([0.1, 0.02], 0.1)
    theirs = get_scheduler(
        "cosine_with_min_lr", theirs_opt, **STEPS, scheduler_specific_kwargs={"min_lr": 1e-3}
    )
    mine = lrkit.load(source, mine_opt)
    for _ in range(end_step("cosine_with_min_lr")):
        theirs_opt.step()
        theirs.step()
        mine.step()
    assert lrs_of(mine_opt) == pytest.approx(lrs_of(theirs_opt), rel=RTOL)
    # Without an optimizer there is no lr to read: the schedule keeps min_lr absolute.
    alone = lrkit.config.read(source).schedule
    assert alone == lrkit.create("cosine_with_min_lr", **STEPS, min_lr=1e-3, base_lr=None)


@pytest.mark.parametrize("name", sorted(READS_OPTIMIZER_LR))
def test_an_explicit_base_lr_none_keeps_lr_end_and_min_lr_absolute(name):
    lrs, default = [0.1, 0.02, 0.5], 0.1
    specific = ABSOLUTE_ENDS[name]
    theirs_opt, mine_opt = make_optimizer(lrs, default), make_optimizer(lrs, default)
    theirs = get_scheduler(name, theirs_opt, **STEPS, scheduler_specific_kwargs=specific)
    mine = lrkit.create(name, mine_opt, **STEPS, scheduler_specific_kwargs=specific, base_lr=None)
    for _ in range(end_step(name)):
        theirs_opt.step()
        theirs.step()
        mine.step()
    # Every group ends at the absolute lr: transformers' lr for the group at the optimizer's lr,
    # and not transformers' lr for the others.
    at_default = lrs_of(theirs_opt)[0]
    assert lrs_of(mine_opt) == pytest.approx([at_default] * 3, rel=RTOL)
    assert lrs_of(theirs_opt)[1:] != pytest.approx([at_default] * 2, rel=1e-3)
    # Without an optimizer that is the reading by default; base_lr= gives transformers'.
    alone = lrkit.create(name, **STEPS, scheduler_specific_kwargs=specific)
    assert alone == lrkit.create(name, **STEPS, scheduler_specific_kwargs=specific, base_lr=None)
    relative = lrkit.create(name, **STEPS, scheduler_specific_kwargs=specific, base_lr=default)
    assert [relative(end_step(name), base) for base in lrs] == pytest.approx(lrs_of(theirs_opt), rel=RTOL)


def test_an_optimizer_lr_of_zero_fails_only_where_transformers_divides_by_it():
    # min_lr_rate needs no division: all zeros, as in transformers.
    config = dict(
        name="cosine_with_min_lr",
        w=3,
        total=30,
        specific={"min_lr_rate": 0.1},
        lrs=[0.0],
        default=0.0,
        extra={},
    )
    assert run_config(config, seed=0) == 0.0
    with pytest.raises(ZeroDivisionError):
        get_scheduler(
            "cosine_with_min_lr",
            make_optimizer([0.0], 0.0),
            **STEPS,
            scheduler_specific_kwargs={"min_lr": 1e-3},
        )
    # The error names the optimizer's lr, which the user set, not base_lr, which they did not type.
    with pytest.raises(
        ValueError, match=r"^the optimizer's lr must be > 0 to read min_lr as a fraction"
    ) as error:
        lrkit.create("cosine_with_min_lr", make_optimizer([0.0], 0.0), **STEPS, min_lr=1e-3)
    assert "base_lr" not in str(error.value)
    # A base_lr the user typed is named as such.
    with pytest.raises(ValueError, match=r"^base_lr must be > 0 to read min_lr"):
        lrkit.create("cosine_with_min_lr", make_optimizer([0.1], 0.1), **STEPS, min_lr=1e-3, base_lr=0)


def test_an_optimizer_lr_below_lr_end_fails_as_in_transformers():
    with pytest.raises(ValueError) as theirs:
        get_scheduler("polynomial", make_optimizer([1e-8], 1e-8), **STEPS)
    with pytest.raises(ValueError, match=f"^{re.escape(str(theirs.value))}$"):
        lrkit.create("polynomial", make_optimizer([1e-8], 1e-8), **STEPS)
    # Read absolutely, lr_end above the optimizer's lr is not refused (nothing divides by it).
    lrkit.create("polynomial", make_optimizer([1e-8], 1e-8), **STEPS, base_lr=None)


# -- registry: filling in the optimizer's lr -----------------------------------------------------------

POLY = {"num_warmup_steps": 2, "num_training_steps": 10, "lr_end": 1e-4}


def test_resolve_fills_the_optimizer_lr_only_where_the_user_did_not_give_it():
    kwargs = dict(POLY)
    recipe, filled = registry.resolve("polynomial", kwargs, optimizer_lr=0.1)
    assert kwargs == POLY  # the caller's dict is not changed
    assert recipe.qualified == "transformers:polynomial"
    assert filled == registry.resolve("polynomial", {**POLY, "base_lr": 0.1})[1]
    assert filled != registry.resolve("polynomial", POLY)[1]
    # Given, even as None, base_lr is the user's.
    for base_lr in (None, 0.5):
        given = {**POLY, "base_lr": base_lr}
        assert (
            registry.resolve("polynomial", given, optimizer_lr=0.1)[1]
            == registry.resolve("polynomial", given)[1]
        )
    # No optimizer lr (no optimizer, or none in its defaults): nothing to fill.
    assert (
        registry.resolve("polynomial", POLY, optimizer_lr=None)[1] == registry.resolve("polynomial", POLY)[1]
    )


def test_a_base_lr_that_is_no_optimizer_lr_argument_is_not_filled():
    # torch's CyclicLR takes base_lr as an absolute lower bound: filling it would change the schedule.
    kwargs = {"max_lr": 0.5, "step_size_up": 4}
    assert (
        registry.resolve("torch:CyclicLR", kwargs, optimizer_lr=0.1)[1]
        == registry.resolve("torch:CyclicLR", kwargs)[1]
    )


def test_the_fill_is_each_candidates_own(monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))

    @registry.register("mine:polynomial", unit="update")
    def mine(*, t_initial):
        return lrkit.poly(t_initial=t_initial, power=2.0)

    # The other candidate gets no base_lr it does not take, and is picked by the user's keywords.
    recipe, built = registry.resolve("polynomial", {"t_initial": 10}, optimizer_lr=0.1)
    assert (recipe.qualified, built) == ("mine:polynomial", lrkit.poly(t_initial=10, power=2.0))
    recipe, built = registry.resolve("polynomial", POLY, optimizer_lr=0.1)
    assert (recipe.qualified, built) == (
        "transformers:polynomial",
        registry.resolve("polynomial", {**POLY, "base_lr": 0.1})[1],
    )
    # An error lists the keywords the user gave, not the fill.
    with pytest.raises(ValueError, match=r"polynomial: unknown argument\(s\) 'bogus'; it takes") as error:
        registry.resolve("polynomial", {"bogus": 1}, optimizer_lr=0.1)
    assert "missing" not in str(error.value)


def test_an_ambiguity_names_the_users_keywords_only(monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))

    @registry.register("mine:polynomial", unit="update")
    def mine(*, num_warmup_steps, num_training_steps, lr_end):
        return lrkit.poly(t_initial=num_training_steps, power=1.0)

    with pytest.raises(
        ValueError,
        match=(
            r"^'polynomial' with lr_end, num_training_steps, num_warmup_steps fits "
            r"'mine:polynomial', 'transformers:polynomial', which build different schedules"
        ),
    ):
        registry.resolve("polynomial", POLY, optimizer_lr=0.1)


def test_a_required_optimizer_lr_argument_is_met_by_the_fill(monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))

    @registry.register("mine:scaled", optimizer_lr="lr")
    def scaled(*, t_initial, lr):
        return lrkit.linear(t_initial=t_initial, end_factor=checks.real("lr", lr, minimum=0.0))

    assert registry.resolve("scaled", {"t_initial": 4}, optimizer_lr=0.5)[1] == lrkit.linear(
        t_initial=4, end_factor=0.5
    )
    with pytest.raises(
        ValueError,
        match=(
            r"^scaled: missing argument\(s\) 'lr'; "
            r"it takes mine:scaled\(t_initial, lr=<the optimizer's lr>\)$"
        ),
    ):
        registry.resolve("scaled", {"t_initial": 4})
    # An optimizer lr the builder rejects is named as the optimizer's.
    with pytest.raises(ValueError, match=r"^the optimizer's lr must be >= 0"):
        registry.resolve("scaled", {"t_initial": 4}, optimizer_lr=-1.0)


def test_optimizer_lr_must_name_a_keyword_of_the_builder(monkeypatch):
    monkeypatch.setattr(registry, "_RECIPES", dict(registry._RECIPES))
    before = dict(registry._RECIPES)
    with pytest.raises(
        ValueError,
        match=(
            r"^optimizer_lr='base': mine:poly's builder takes no keyword argument of that name; "
            r"it takes t_initial, base_lr=None$"
        ),
    ):

        @registry.register("mine:poly", optimizer_lr="base")
        def poly(*, t_initial, base_lr=None):
            return lrkit.poly(t_initial=t_initial, power=1.0)

    with pytest.raises(TypeError, match="optimizer_lr must be the name of a builder argument"):
        registry.register("mine:poly", optimizer_lr=1)
    assert registry._RECIPES == before


def test_names_lists_the_optimizer_lr_default():
    (recipe,) = lrkit.config.recipes("transformers:polynomial")
    assert recipe.signature().endswith("power=None, base_lr=<the optimizer's lr, or None>")


# -- fractional and edge step counts -------------------------------------------------------------

STEP_NAMES = [name for name in NAMES if name != "reduce_lr_on_plateau"]
# A value's last digits can come from rounding a step count (transformers forms (t - w) - S where
# lrkit forms t - (w + S)): near a zero that is more than RTOL of the value, and at most a few
# units in the last place of the step count (below 100 here) of the base.
ATOL = 1e-13


def compare_at_every_step(name, w, total, specific, lrs, default):
    """transformers' and lrkit's lr of every group at every step, through the end and past it."""
    theirs_opt, mine_opt = make_optimizer(lrs, default), make_optimizer(lrs, default)
    steps = dict(num_warmup_steps=w, num_training_steps=total, scheduler_specific_kwargs=specific)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # both counts given to warmup_stable_decay
        try:
            theirs = get_scheduler(name, theirs_opt, **steps)
        except ZeroDivisionError:
            reject()  # polynomial with T == w == 0 divides by zero at step 0: nothing to compare
        mine = lrkit.create(name, mine_opt, **steps)
    s = specific or {}
    counts = [w, total or 0, w + s.get("num_stable_steps", 0) + s.get("num_decay_steps", 0)]
    for t in range(math.ceil(max(counts)) + 3):
        try:
            expected = [base * f(t) for base, f in zip(theirs.base_lrs, theirs.lr_lambdas, strict=True)]
        except (ZeroDivisionError, ValueError):
            reject()  # transformers itself fails at this step (a division by 0, sqrt of -1e-16)
        mine.step_update(t)
        for group, (a, b, base) in enumerate(zip(expected, lrs_of(mine_opt), lrs, strict=True)):
            assert abs(a - b) <= RTOL * max(abs(a), abs(b)) + ATOL * base, (
                f"t={t} group={group}: transformers {a!r}, lrkit {b!r}"
            )


def step_counts() -> st.SearchStrategy[int | float]:
    whole = st.integers(0, 40)
    return st.one_of(
        whole,
        st.builds(lambda n, k: n + k / 8, whole, st.integers(1, 7)),  # sums stay exact
        st.builds(lambda n, k: n + k / 1000, whole, st.integers(1, 999)),  # sums are rounded
    )


BELOW_ONE = st.integers(1, 999).map(lambda k: k / 1000)
LRS = st.sampled_from([0.1, 0.03, 1e-3])


@st.composite
def fractional_configs(draw, name):
    w = draw(step_counts())
    # A run shorter than a step after the warmup is an edge of its own (max(1, T - w)).
    total = draw(st.one_of(step_counts(), BELOW_ONE.map(lambda f: w + f)))
    lrs, default = [draw(LRS), draw(LRS)], draw(LRS)
    s: dict[str, Any] = {}
    if name in ("cosine", "cosine_with_restarts", "cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        s["num_cycles"] = draw(st.sampled_from([0.5, 1, 1.5, 0.3, 2]))
    if name == "polynomial":
        s["lr_end"] = default * draw(st.sampled_from([0.0, 0.01, 0.5]))
        s["power"] = draw(st.sampled_from([1.0, 2.0, 0.5]))
    elif name == "inverse_sqrt":
        s["timescale"] = draw(st.one_of(st.none(), step_counts().filter(bool)))
    elif name in ("cosine_with_min_lr", "cosine_warmup_with_min_lr"):
        if draw(st.booleans()):
            s["min_lr"] = default * draw(st.sampled_from([0.0, 0.01, 0.5]))
        else:
            s["min_lr_rate"] = draw(st.sampled_from([0.0, 0.01, 0.5]))
        if name == "cosine_warmup_with_min_lr":
            s["warmup_lr_rate"] = draw(st.sampled_from([None, 0.0, 0.3, 1.0, 2.0, 5.0]))
    elif name == "warmup_stable_decay":
        s["num_decay_steps"] = draw(st.one_of(step_counts(), BELOW_ONE))
        if draw(st.booleans()):
            s["num_stable_steps"] = draw(step_counts())
            if draw(st.booleans()):
                total = None
        s["warmup_type"] = draw(st.sampled_from(["linear", "cosine", "1-sqrt"]))
        s["decay_type"] = draw(st.sampled_from(["linear", "cosine", "1-sqrt"]))
        s["min_lr_ratio"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
    return w, total, s, lrs, default


@pytest.mark.parametrize("name", STEP_NAMES)
@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_fractional_step_counts_match_get_scheduler(name, data):
    w, total, specific, lrs, default = data.draw(fractional_configs(name))
    rate = specific.get("warmup_lr_rate")
    try:
        compare_at_every_step(name, w, total, specific, lrs, default)
    except ValueError as error:
        # A rate above 1 with a fractional warmup can take transformers' ramp below 0 at its last
        # step; lrkit refuses that, and says so.
        assert rate is not None and rate > 1 and "warmup_lr_rate" in str(error), error
        theirs = get_scheduler(
            name,
            make_optimizer(lrs, default),
            num_warmup_steps=w,
            num_training_steps=total,
            scheduler_specific_kwargs=specific,
        )
        assert theirs.lr_lambdas[0](math.ceil(w) - 1) < 0


# Cases the search found, kept so that a run of it need not find them again.
EDGE_CASES = [
    ("linear", 0, 0.5, None),  # T - w < 1: transformers divides by max(1, T - w)
    ("linear", 2, 2.5, None),
    ("cosine_warmup_with_min_lr", 0.5, 10, {"min_lr_rate": 0.1}),  # a warmup shorter than a step
    ("cosine_warmup_with_min_lr", 2.5, 10, {"min_lr": 1e-3}),  # the ramp passes base at step 2
    ("cosine_warmup_with_min_lr", 3.5, 10, {"min_lr_rate": 0.1, "warmup_lr_rate": 0.2}),
    ("cosine_warmup_with_min_lr", 2.5, 10, {"min_lr_rate": 0.1, "warmup_lr_rate": 2.0}),
    ("warmup_stable_decay", 0, 0.25, {"num_decay_steps": 0.5, "decay_type": "linear"}),
    ("warmup_stable_decay", 2, 10.5, {"num_decay_steps": 0.75}),  # step 10 is in the decay
    # A stable phase below the last digit of w: no step is in it.
    ("warmup_stable_decay", 1, None, {"num_decay_steps": 2, "num_stable_steps": 1e-17}),
]


@pytest.mark.parametrize(("name", "w", "total", "specific"), EDGE_CASES)
def test_edge_step_counts_match_get_scheduler(name, w, total, specific):
    compare_at_every_step(name, w, total, specific, [0.1, 0.03], 0.1)


def test_a_warmup_rate_that_takes_transformers_below_zero_is_refused():
    specific = {"min_lr_rate": 0.1, "warmup_lr_rate": 5.0}
    theirs_opt = make_optimizer([0.1], 0.1)
    theirs = get_scheduler(
        "cosine_warmup_with_min_lr",
        theirs_opt,
        num_warmup_steps=2.5,
        num_training_steps=10,
        scheduler_specific_kwargs=specific,
    )
    for _ in range(2):
        theirs_opt.step()
        theirs.step()
    assert lrs_of(theirs_opt)[0] < 0
    with pytest.raises(
        ValueError, match=r"^warmup_lr_rate 5.0 with num_warmup_steps=2.5 .* negative at step 2"
    ):
        lrkit.create(
            "cosine_warmup_with_min_lr",
            num_warmup_steps=2.5,
            num_training_steps=10,
            scheduler_specific_kwargs=specific,
        )


# -- the core shapes and the node these recipes need --------------------------------------------------


@pytest.mark.parametrize("restart", [False, True])
@pytest.mark.parametrize(("t_initial", "cycles", "lr_min"), [(10, 0.5, 0.0), (37, 1.3, 0.02), (5, 3, 0.5)])
def test_cosine_wave_formula(t_initial, cycles, lr_min, restart):
    node = HardRestarts if restart else lrkit.cosine_wave
    s = node(t_initial=t_initial, cycles=cycles, lr_min=lr_min)
    for t in [0, 0.5, 1, 2.5, 4.999, 5, 9, 10, 11, 36.9, 37, 100.25]:
        u = cycles * t / t_initial
        wave = 0.5 * (1 + math.cos(math.pi * (u % 1.0) if restart else 2 * math.pi * u))
        assert s(t, base=0.3) == pytest.approx(lr_min + (0.3 - lr_min) * wave, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    ("build", "error", "argument"),
    [
        (lambda: lrkit.cosine_wave(t_initial=0), ValueError, "t_initial"),
        (lambda: lrkit.cosine_wave(t_initial=10, cycles=-0.5), ValueError, "cycles"),
        (lambda: lrkit.cosine_wave(t_initial=10, lr_min=-1e-3), ValueError, "lr_min"),
        (lambda: lrkit.cosine_wave(t_initial=10, restart=1), TypeError, "restart"),
        (lambda: lrkit.reverse(lrkit.exponential(gamma=0.9)), ValueError, "t_initial"),
        (lambda: lrkit.reverse(lrkit.linear(t_initial=4), t_initial=-2), ValueError, "t_initial"),
        (lambda: lrkit.reverse(0.5, t_initial=2), TypeError, "schedule"),
    ],
)
def test_core_additions_name_bad_arguments(build, error, argument):
    with pytest.raises(error, match=argument):
        build()
