"""lrkit's transformers names against transformers' own ``get_scheduler``, value for value.

The differential test draws configurations of every ``SchedulerType`` name from a seeded
``random.Random``, builds ``transformers.get_scheduler(...)`` on one optimizer and
``lrkit.create(name, optimizer, ...)`` with the same keywords on an identical one, and compares
every group's lr after construction and after every step up to ``num_training_steps + 10``. The
schedule built without an optimizer must give the same lrs as ``schedule(t, base)`` and survive
``to_dict`` / ``from_dict``.
"""

from __future__ import annotations

import json
import math
import random
import warnings
from typing import Any

import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from transformers import SchedulerType, get_scheduler  # noqa: E402

import lrkit  # noqa: E402
from lrkit.config import variants  # noqa: E402
from lrkit.recipes.transformers import HardRestarts  # noqa: E402

RTOL = 1e-12
NAMES = [t.value for t in SchedulerType if t.value != "greedy"]
# The names whose transformers schedule reads optimizer.defaults["lr"].
READS_OPTIMIZER_LR = {"polynomial", "cosine_with_min_lr", "cosine_warmup_with_min_lr"}
CONFIGS_PER_NAME = 24
# warmup_stable_decay has nine warmup and decay type pairs to cover.
CONFIGS_PER_WSD = 60
STABLE_WARNING = "num_stable_steps will be used"


def rel_diff(theirs: float, mine: float) -> float:
    """0 for equal values; a zero only matches a zero (inf otherwise)."""
    if theirs == mine:
        return 0.0
    if theirs == 0 or mine == 0:
        return math.inf
    return abs(theirs - mine) / max(abs(theirs), abs(mine))


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
    if name in READS_OPTIMIZER_LR and (len(lrs) > 1 or rng.random() < 0.5):
        # Groups with another lr than the optimizer's default need it (see the module's docstring).
        extra["base_lr"] = default
    return dict(name=name, w=w, total=total, specific=specific, lrs=lrs, default=default, extra=extra)


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
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the num_stable_steps warning, checked above
            schedule = lrkit.create(
                config["name"],
                num_warmup_steps=config["w"],
                num_training_steps=config["total"],
                scheduler_specific_kwargs=config["specific"],
                **config["extra"],
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
            seen.add((name, "base_lr" if c["extra"] else "no base_lr"))
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
        assert {(name, "min_lr"), (name, "rate"), (name, "base_lr"), (name, "no base_lr")} <= seen
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


def test_without_base_lr_lr_end_and_min_lr_are_absolute():
    # transformers divides lr_end by optimizer.defaults["lr"] and applies that fraction to every
    # group; without base_lr lrkit keeps lr_end absolute: every group ends at it.
    opt = make_optimizer([0.1, 0.02, 0.5], 0.1)
    sched = lrkit.create("polynomial", opt, num_warmup_steps=3, num_training_steps=30, lr_end=1e-3, power=2)
    for _ in range(40):
        sched.step()
    assert lrs_of(opt) == [1e-3, 1e-3, 1e-3]
    wave = lrkit.create("cosine_with_min_lr", num_warmup_steps=3, num_training_steps=30, min_lr=1e-3)
    assert [wave(30, base) for base in (0.1, 0.02)] == [1e-3, 1e-3]
    relative = lrkit.create(
        "cosine_with_min_lr", num_warmup_steps=3, num_training_steps=30, min_lr=1e-3, base_lr=0.1
    )
    assert [relative(30, base) for base in (0.1, 0.02)] == pytest.approx([1e-3, 2e-4], rel=1e-12)


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


def test_reverse_formula():
    inner = lrkit.poly(t_initial=8, power=2.0, lr_min=0.01)
    for s, length in [
        (lrkit.reverse(inner), 8),
        (lrkit.reverse(inner, t_initial=5), 5),
    ]:
        for t in [0, 0.5, 1, 3, 4.75, 5, 7.999, 8, 9, 50]:
            assert s(t, base=0.2) == inner(max(length - t, 0), base=0.2)


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
