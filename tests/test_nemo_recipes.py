"""lrkit's ``nemo:`` recipes against NeMo's own lr policies, update for update.

NeMo's classes come from its ``lr_scheduler.py``, loaded by ``tests/nemo_ref.py`` without the
rest of NeMo. For every policy, configurations drawn from a seeded ``random.Random`` (warmup,
hold and constant phases given as steps or as ratios, shorter and longer than the run, fractional
counts, ``min_lr`` floors, powers, cycles, decay rates, ``d_model``) build NeMo's scheduler on an
SGD optimizer of one or three groups at different lrs and ``lrkit.create("nemo:<Name>", ...)``
with the same keywords; every group's lr after construction and after each
``optimizer.step(); scheduler.step()`` is compared with ``schedule(t, base)`` for ``t`` up to
past every phase and ``max_steps``. The policies that give every group the first group's
values get ``first_lr``.

Measured tolerances: on Python floats the values are NeMo's bit for bit (``RTOL = 0``): the node
does NeMo's arithmetic in NeMo's order. On NumPy arrays the powers and cosines are NumPy's, whose
last bit may differ from ``math``'s: within ``ARRAY_RTOL`` (a few ulps measured; 1e-14 held).
The lrkit driver (``lrkit.create`` with the optimizer) writes the same values. Configurations on
which NeMo fails (a division by zero at some update, a missing ``constant_steps``) are refused by
lrkit when the schedule is built, with an error naming NeMo's argument. Every schedule survives
``to_dict`` / ``from_dict`` and JSON, settles at its ``length``, and the ``nemo`` config format
reads generated NeMo configs (an ``optim`` section, or a whole config with ``model.optim`` and
``trainer.max_steps``) into the same values.
"""

from __future__ import annotations

import json
import math
import random
import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from nemo_ref import load_nemo_lr_scheduler  # noqa: E402

import lrkit  # noqa: E402
from lrkit import checks  # noqa: E402
from lrkit.config import read  # noqa: E402
from lrkit.recipes import nemo, registry  # noqa: E402
from lrkit.recipes.nemo import POLICIES, NemoPolicy  # noqa: E402

NEMO = load_nemo_lr_scheduler()
RTOL = 0.0
ARRAY_RTOL = 1e-14
# Where NeMo subtracts a root from 1 near 1, an ulp of the root is more of the result: absolute, per base.
ARRAY_ATOL = 1e-16
CONFIGS_PER_POLICY = 24

WARMUP = {"warmup_steps", "warmup_ratio"}
HOLD = {"hold_steps", "hold_ratio"}
CONSTANT = {"constant_steps", "constant_ratio"}
# The arguments each policy takes beside max_steps and min_lr (NeMo's signatures).
TAKES = {
    "WarmupPolicy": WARMUP,
    "SquareAnnealing": WARMUP,
    "SquareRootAnnealing": WARMUP,
    "WarmupAnnealing": WARMUP,
    "InverseSquareRootAnnealing": WARMUP,
    "PolynomialDecayAnnealing": WARMUP | {"power", "cycle"},
    "WarmupHoldPolicy": WARMUP | HOLD,
    "NoamHoldAnnealing": WARMUP | HOLD | {"decay_rate"},
    "PolynomialHoldDecayAnnealing": WARMUP | HOLD | {"power", "cycle"},
    "WarmupHoldAnnealOneMinusSquareRoot": WARMUP | HOLD,
    "WarmupHoldAnnealLinear": WARMUP | HOLD,
    "CosineAnnealing": WARMUP | CONSTANT,
    "NoamAnnealing": WARMUP | {"d_model"},
    "SquareRootConstantPolicy": {"constant_steps"},
    "T5InverseSquareRootAnnealing": {"constant_steps"},
}
# Those that give every group the first group's lr (in the anneal; CosineAnnealing with constant steps).
FIRST_LR = {"WarmupAnnealing", "CosineAnnealing"}
# Those that refuse a group lr below min_lr.
NO_LR_BELOW_MIN = {"CosineAnnealing", "NoamAnnealing"}


def test_the_policies_are_nemos():
    assert set(POLICIES) == set(TAKES)
    assert set(POLICIES) <= set(NEMO.AVAILABLE_SCHEDULERS) | {"SquareRootConstantPolicy"}
    assert {f"nemo:{p}" for p in POLICIES} == {n for n in registry.qualified_names() if n.startswith("nemo:")}


def log_uniform(rng: random.Random, low: float, high: float) -> float:
    return 10 ** rng.uniform(math.log10(low), math.log10(high))


def count(rng: random.Random, total: int) -> float:
    """A phase length: short, long, past the run, now and then fractional."""
    value = rng.choice([0, 1, 2, rng.randint(0, max(1, total // 3)), rng.randint(0, total + 5)])
    if rng.random() < 0.1:
        value += 0.5
    return value


def make_config(rng: random.Random, policy: str) -> dict[str, Any]:
    takes = TAKES[policy]
    total = rng.choice([rng.randint(1, 12), rng.randint(10, 150)])
    lrs = (
        [log_uniform(rng, 1e-4, 1.0)]
        if rng.random() < 0.5
        else [log_uniform(rng, 1e-4, 1.0) for _ in range(3)]
    )
    kw: dict[str, Any] = {}
    if not (policy in ("WarmupPolicy", "NoamAnnealing") and rng.random() < 0.2):
        kw["max_steps"] = total
    for steps, ratio in (("warmup_steps", "warmup_ratio"), ("hold_steps", "hold_ratio")):
        if steps not in takes:
            continue
        roll = rng.random()
        if roll < 0.5 or (policy == "NoamHoldAnnealing" and steps == "warmup_steps"):
            kw[steps] = count(rng, total)
            if policy == "NoamHoldAnnealing" and steps == "warmup_steps":
                kw[steps] = max(kw[steps], 1)
        elif roll < 0.8 and "max_steps" in kw:
            kw[ratio] = rng.choice([0.0, 0.1, 0.25, round(rng.uniform(0, 0.6), 3)])
    if policy == "CosineAnnealing":
        roll = rng.random()
        if roll < 0.35:
            kw["constant_steps"] = count(rng, total)
        elif roll < 0.55:
            kw["constant_ratio"] = rng.choice([0.0, 0.1, round(rng.uniform(0, 0.5), 3)])
    if "max_steps" in kw and rng.random() < 0.15:
        # A run that ends where a phase does (or at once): where NeMo divides by zero, or does not.
        ends = [kw.get(k) or 0 for k in ("warmup_steps", "hold_steps", "constant_steps")]
        kw["max_steps"] = rng.choice([0, int(ends[0]), int(sum(ends)), int(ends[0] + ends[1])])
    if policy in ("SquareRootConstantPolicy", "T5InverseSquareRootAnnealing"):
        kw["constant_steps"] = rng.choice([1, 2, rng.randint(1, total + 3)]) + rng.choice([0, 0, 0.5])
    if "power" in takes and rng.random() < 0.7:
        kw["power"] = rng.choice([0.5, 1.0, 2.0, 0.0, round(rng.uniform(0.1, 3.0), 3)])
    if "cycle" in takes and rng.random() < 0.5:
        kw["cycle"] = True
    if "decay_rate" in takes and rng.random() < 0.7:
        kw["decay_rate"] = rng.choice([0.5, 1.0, round(rng.uniform(0.1, 1.5), 3)])
    if "d_model" in takes:
        kw["d_model"] = rng.choice([64, 256, 512, 1024, 7])
    roll = rng.random()
    if roll < 0.4:
        # Below every group's lr (CosineAnnealing and NoamAnnealing refuse a group below it).
        kw["min_lr"] = min(lrs) * rng.choice([0.0, 0.01, 0.5, rng.random()])
    elif roll < 0.5 and policy not in NO_LR_BELOW_MIN:
        kw["min_lr"] = log_uniform(rng, 1e-5, 2.0)  # above some groups' lrs: a floor over them
    return {"policy": policy, "kwargs": kw, "lrs": lrs}


def configs(policy: str) -> list[dict[str, Any]]:
    rng = random.Random(f"nemo:{policy}")
    return [make_config(rng, policy) for _ in range(CONFIGS_PER_POLICY)]


def horizon(kwargs: dict[str, Any]) -> int:
    ends = [kwargs.get(k) or 0 for k in ("max_steps", "warmup_steps", "hold_steps", "constant_steps")]
    return int(sum(ends)) + 6


def make_optimizer(lrs: list[float]) -> torch.optim.Optimizer:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0])


def nemo_lrs(policy: str, kwargs: dict[str, Any], lrs: list[float], n: int) -> list[list[float]]:
    """Every group's lr for NeMo's first ``n`` updates; raises what NeMo raises."""
    optimizer = make_optimizer(lrs)
    scheduler = getattr(NEMO, policy)(optimizer, **kwargs)
    out = []
    for _ in range(n):
        out.append([float(g["lr"]) for g in optimizer.param_groups])
        optimizer.step()
        scheduler.step()
    return out


def lrkit_kwargs(config: dict[str, Any]) -> dict[str, Any]:
    kwargs = dict(config["kwargs"])
    if config["policy"] in FIRST_LR and len(config["lrs"]) > 1:
        kwargs["first_lr"] = config["lrs"][0]
    return kwargs


def rel_diff(theirs: float, mine: float) -> float:
    if theirs == mine:
        return 0.0
    if theirs == 0 or mine == 0:
        return math.inf
    return abs(theirs - mine) / max(abs(theirs), abs(mine))


CASES = [(p, i) for p in POLICIES for i in range(CONFIGS_PER_POLICY)]
CONFIGS = {p: configs(p) for p in POLICIES}


def run_both(config: dict[str, Any]):
    """``(NeMo's lrs, the lrkit schedule)``, or ``(the error NeMo raised, lrkit's error)``."""
    policy, kwargs, lrs = config["policy"], config["kwargs"], config["lrs"]
    n = horizon(kwargs)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch's note on the scheduler's first step
            theirs: Any = nemo_lrs(policy, kwargs, lrs, n)
    except Exception as error:  # NeMo's failures are ZeroDivisionError, TypeError, ValueError
        theirs = error
    try:
        mine: Any = lrkit.create(f"nemo:{policy}", **lrkit_kwargs(config))
    except ValueError as error:
        mine = error
    return theirs, mine


@pytest.mark.parametrize("policy", POLICIES)
def test_every_policy_matches_nemo_on_generated_configurations(policy):
    worst, compared, refused = 0.0, 0, 0
    for index, config in enumerate(CONFIGS[policy]):
        theirs, mine = run_both(config)
        label = (policy, index, config["kwargs"], config["lrs"])
        if isinstance(theirs, Exception):
            # NeMo fails during the run: lrkit refuses the configuration up front.
            assert isinstance(mine, ValueError), (label, theirs, mine)
            refused += 1
            continue
        assert not isinstance(mine, Exception), (label, mine)
        for t, row in enumerate(theirs):
            for lr, value in zip(config["lrs"], row, strict=True):
                d = rel_diff(value, mine(t, lr))
                worst = max(worst, d)
                assert d <= RTOL, (label, t, lr, value, mine(t, lr))
        compared += 1
    assert worst <= RTOL
    assert compared >= CONFIGS_PER_POLICY // 2, (policy, compared, refused)


@pytest.mark.parametrize("policy", POLICIES)
def test_arrays_and_tensors_give_the_scalar_values(policy):
    for config in CONFIGS[policy]:
        try:
            schedule = lrkit.create(f"nemo:{policy}", **lrkit_kwargs(config))
        except ValueError:
            continue
        n = horizon(config["kwargs"])
        t = np.concatenate([np.arange(n, dtype=np.float64), np.linspace(0.0, n, 7 * n + 1)])
        bases = np.asarray(config["lrs"])
        scalar = np.array([[schedule(float(x), float(b)) for b in bases] for x in t])
        array = schedule(t[:, None], bases)
        atol = ARRAY_ATOL * max(1.0, *bases)
        np.testing.assert_allclose(array, scalar, rtol=ARRAY_RTOL, atol=atol)
        tensor = schedule(torch.tensor(t[:, None]), torch.tensor(bases))
        np.testing.assert_allclose(tensor.numpy(), scalar, rtol=ARRAY_RTOL, atol=atol)


def test_the_driver_writes_nemos_lrs():
    rng = random.Random(7)
    for policy in POLICIES:
        for config in rng.sample(CONFIGS[policy], 3):
            theirs, _ = run_both(config)
            if isinstance(theirs, Exception):
                continue
            optimizer = make_optimizer(config["lrs"])
            driver = lrkit.create(f"nemo:{policy}", optimizer, **lrkit_kwargs(config))
            for t, row in enumerate(theirs):
                assert [g["lr"] for g in optimizer.param_groups] == row, (policy, config, t)
                optimizer.step()
                driver.step()


@pytest.mark.parametrize("policy", POLICIES)
def test_schedules_round_trip_and_settle_at_their_length(policy):
    for config in CONFIGS[policy]:
        try:
            schedule = lrkit.create(f"nemo:{policy}", **lrkit_kwargs(config))
        except ValueError:
            continue
        data = schedule.to_dict()
        assert lrkit.from_dict(data) == schedule
        assert lrkit.from_dict(json.loads(json.dumps(data))) == schedule
        assert eval(repr(schedule), {"NemoPolicy": NemoPolicy}) == schedule
        length = schedule.length
        if length is None:
            continue
        t = length + np.concatenate([np.linspace(0.0, 10.0, 81), np.arange(10.0, 500.0, 7.0)])
        for base in (*config["lrs"], 1.0):
            values = schedule(t, base)
            assert np.all(values == values[0]), (config, length, base)
            assert schedule(float(length), base) == values[0]


# -- exact tables ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "kwargs"),
    [
        ("CosineAnnealing", {"warmup_steps": 3, "max_steps": 10, "min_lr": 0.01}),
        ("CosineAnnealing", {"warmup_steps": 3, "constant_steps": 2, "max_steps": 10, "min_lr": 0.01}),
        ("PolynomialHoldDecayAnnealing", {"warmup_steps": 3, "max_steps": 20, "cycle": True}),
        ("PolynomialHoldDecayAnnealing", {"warmup_steps": 3, "max_steps": 20}),
        ("NoamAnnealing", {"d_model": 512, "warmup_steps": 4}),
        ("T5InverseSquareRootAnnealing", {"constant_steps": 4, "max_steps": 12}),
    ],
)
def test_quirks_on_three_groups(policy, kwargs):
    # The first group's lr for every group (CosineAnnealing with constant steps), NeMo's t (not
    # t - W) with a cycle and no hold, max(1, t), and absolute lrs: as NeMo has them.
    lrs = [0.1, 0.02, 0.5]
    theirs = nemo_lrs(policy, kwargs, lrs, horizon(kwargs))
    extra = {"first_lr": lrs[0]} if policy == "CosineAnnealing" and "constant_steps" in kwargs else {}
    schedule = lrkit.create(f"nemo:{policy}", **kwargs, **extra)
    assert [[schedule(t, lr) for lr in lrs] for t in range(len(theirs))] == theirs


def test_the_first_groups_lr_reaches_every_group_only_where_nemo_uses_it():
    lrs = [0.1, 0.02]
    kwargs = {"warmup_steps": 2, "max_steps": 8}
    theirs = nemo_lrs("WarmupAnnealing", kwargs, lrs, 12)
    mine = lrkit.create("nemo:WarmupAnnealing", first_lr=0.1, **kwargs)
    # Its warmup is each group's own, its anneal the first group's.
    assert [[mine(t, lr) for lr in lrs] for t in range(12)] == theirs
    assert theirs[1][1] == 0.02 * (2 / 3) and theirs[4][1] == theirs[4][0]
    # CosineAnnealing without constant steps reads each group's own lr: first_lr is not kept.
    assert lrkit.create("nemo:CosineAnnealing", first_lr=0.1, **kwargs) == lrkit.create(
        "nemo:CosineAnnealing", **kwargs
    )


# -- errors -----------------------------------------------------------------------------------------

NEMO_FAILS = [
    ("SquareRootAnnealing", {"max_steps": 0}, "max_steps"),
    ("CosineAnnealing", {"max_steps": 0}, "max_steps"),
    ("CosineAnnealing", {"max_steps": 5, "constant_steps": 5}, "max_steps"),
    ("WarmupAnnealing", {"max_steps": 0}, "max_steps"),
    ("PolynomialDecayAnnealing", {"max_steps": 0}, "max_steps"),
    ("PolynomialHoldDecayAnnealing", {"max_steps": 5, "warmup_steps": 2, "hold_steps": 3}, "max_steps"),
    ("WarmupHoldAnnealLinear", {"max_steps": 4, "hold_steps": 4}, "max_steps"),
    ("WarmupHoldAnnealOneMinusSquareRoot", {"max_steps": 0}, "max_steps"),
    ("NoamHoldAnnealing", {"max_steps": 10}, "warmup_steps"),
    ("SquareRootConstantPolicy", {"max_steps": 10}, "constant_steps"),
    ("SquareRootConstantPolicy", {"max_steps": 10, "constant_steps": 0}, "constant_steps"),
    ("T5InverseSquareRootAnnealing", {"max_steps": 10, "constant_ratio": 0.5}, "constant_ratio"),
    ("WarmupHoldPolicy", {"warmup_steps": 2}, "max_steps"),
    ("SquareAnnealing", {"max_steps": 10, "warmup_steps": 1, "warmup_ratio": 0.1}, "warmup_steps"),
    ("WarmupPolicy", {"warmup_ratio": 0.1}, "warmup_ratio"),
    ("NoamAnnealing", {"d_model": 0}, "d_model"),
]


@pytest.mark.parametrize(("policy", "kwargs", "argument"), NEMO_FAILS)
def test_what_nemo_fails_on_is_refused_naming_its_argument(policy, kwargs, argument):
    with pytest.raises(Exception):  # noqa: B017 - NeMo's own: ZeroDivisionError, TypeError, ...
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            nemo_lrs(policy, kwargs, [0.1], horizon(kwargs))
    with pytest.raises(ValueError, match=argument) as caught:
        lrkit.create(f"nemo:{policy}", **kwargs)
    assert isinstance(caught.value, checks.ArgumentError)
    assert caught.value.argument == argument


@pytest.mark.parametrize(
    ("policy", "kwargs", "error", "argument"),
    [
        ("CosineAnnealing", {"max_steps": 10, "last_epoch": 3}, ValueError, "last_epoch"),
        ("CosineAnnealing", {"max_steps": 10, "warmup_steps": -1}, ValueError, "warmup_steps"),
        ("CosineAnnealing", {"max_steps": 10, "min_lr": -0.1}, ValueError, "min_lr"),
        (
            "CosineAnnealing",
            {"max_steps": 10, "constant_steps": 2, "min_lr": 0.2, "first_lr": 0.1},
            ValueError,
            "first_lr",
        ),
        ("PolynomialDecayAnnealing", {"max_steps": 10, "power": -1.0}, ValueError, "power"),
        ("PolynomialDecayAnnealing", {"max_steps": 10, "cycle": 1}, TypeError, "cycle"),
        ("WarmupHoldPolicy", {"max_steps": 10, "hold_steps": 1, "hold_ratio": 0.1}, ValueError, "hold_steps"),
        ("NoamAnnealing", {"d_model": "512"}, TypeError, "d_model"),
        ("SquareAnnealing", {"max_steps": "10"}, TypeError, "max_steps"),
    ],
)
def test_bad_arguments_are_named(policy, kwargs, error, argument):
    with pytest.raises(error, match=argument) as caught:
        lrkit.create(f"nemo:{policy}", **kwargs)
    assert caught.value.argument == argument


def test_the_node_refuses_arguments_its_policy_does_not_take():
    with pytest.raises(ValueError, match="power is not an argument of NeMo's CosineAnnealing"):
        NemoPolicy(policy="CosineAnnealing", max_steps=10, power=2.0)
    with pytest.raises(ValueError, match="policy must be one of"):
        NemoPolicy(policy="StepLR", max_steps=10)
    with pytest.raises(ValueError, match="max_steps is required"):
        NemoPolicy(policy="SquareAnnealing")


def test_numpy_and_torch_integers_are_taken():
    a = lrkit.create("nemo:CosineAnnealing", max_steps=np.int64(10), warmup_steps=torch.tensor(2))
    assert a == lrkit.create("nemo:CosineAnnealing", max_steps=10, warmup_steps=2)
    assert repr(a) == "NemoPolicy(policy='CosineAnnealing', max_steps=10, warmup_steps=2)"


# -- the config format ------------------------------------------------------------------------------


def nemo_config(rng: random.Random, config: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A NeMo config holding ``config`` (``max_steps`` in the block or the trainer), and how to read it."""
    kwargs = dict(config["kwargs"])
    sched = {"name": config["policy"], **kwargs}
    optim = {"name": rng.choice(["adamw", "sgd", "novograd"]), "lr": config["lrs"][0], "sched": sched}
    if rng.random() < 0.5:
        sched["monitor"] = "val_loss"
        sched["reduce_on_plateau"] = False
    shape = rng.choice(["model", "optim", "bare"])
    if shape == "bare":
        return optim, {"format": "nemo"}
    whole: dict[str, Any] = {"model": {"optim": optim}} if shape == "model" else {"optim": optim}
    if rng.random() < 0.5 and "max_steps" in sched:
        whole["trainer"] = {"max_steps": sched.pop("max_steps"), "devices": 1}
    elif rng.random() < 0.5:
        whole["trainer"] = {"max_steps": -1, "max_epochs": 3}
    return whole, {}


def test_the_config_format_reads_generated_nemo_configs():
    rng = random.Random(11)
    read_any = 0
    for policy in POLICIES:
        for config in CONFIGS[policy][:8]:
            if "max_steps" not in config["kwargs"]:
                continue
            config = {**config, "lrs": config["lrs"][:1]}
            theirs, _ = run_both(config)
            data, options = nemo_config(rng, config)
            if isinstance(theirs, Exception):
                with pytest.raises(ValueError):
                    read(data, **options)
                continue
            spec = read(data, **options)
            assert spec.format == "nemo" and spec.unit == "update"
            assert spec.base == config["lrs"][0] and spec.length == config["kwargs"]["max_steps"]
            assert [[spec.schedule(t, spec.base)] for t in range(len(theirs))] == theirs
            read_any += 1
    assert read_any > 60


def test_load_builds_the_schedule_and_the_driver():
    data = {
        "model": {
            "optim": {
                "name": "adamw",
                "lr": 0.1,
                "sched": {"name": "CosineAnnealing", "warmup_ratio": 0.1, "min_lr": 1e-4},
            }
        },
        "trainer": {"max_steps": 50},
    }
    schedule = lrkit.load(data)
    assert schedule == lrkit.create("nemo:CosineAnnealing", warmup_ratio=0.1, min_lr=1e-4, max_steps=50)
    optimizer = make_optimizer([0.1])
    theirs = nemo_lrs("CosineAnnealing", {"warmup_ratio": 0.1, "min_lr": 1e-4, "max_steps": 50}, [0.1], 55)
    driver = lrkit.load(data, optimizer)
    for row in theirs:
        assert [g["lr"] for g in optimizer.param_groups] == row
        optimizer.step()
        driver.step()


def test_detect_claims_only_nemo_policies():
    good = {"optim": {"lr": 0.1, "sched": {"name": "NoamAnnealing", "d_model": 8, "max_steps": 9}}}
    assert nemo.detect_config(good)
    assert nemo.detect_config({"model": good})
    bare = {"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": 9}}
    assert nemo.detect_config(bare)  # a bare optim section: its sched is a mapping
    assert lrkit.config.read(bare).format == "nemo"
    for other in (
        {"optim": {"lr": 0.1, "sched": {"name": "StepLR"}}},
        {"optim": {"lr": 0.1, "sched": "cosine"}},
        {"sched": {"name": "StepLR", "max_steps": 9}},
        {"sched": "timm:cosine", "t_initial": 10},
        {"type": "cosine", "t_initial": 10},
        {"format": "timm", "sched": "cosine"},
        {"optim": None},
        {"model": [1, 2]},
        [1, 2],
        "optim",
        None,
    ):
        assert nemo.detect_config(other) is False, other


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"optim": {"lr": 0.1, "sched": {"name": "CosineAnnealing"}}}, r"optim\.sched\.max_steps"),
        (
            {"optim": {"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": -1}}},
            "builds no scheduler",
        ),
        (
            {"optim": {"lr": 0.1, "sched": {"name": "CosineAnnealing", "max_steps": 9, "decay": 2}}},
            r"optim\.sched\.decay: NeMo's CosineAnnealing takes no such argument",
        ),
        (
            {
                "model": {
                    "optim": {
                        "lr": 0.1,
                        "sched": {"name": "CosineAnnealing", "max_steps": 9, "warmup_steps": -2},
                    }
                }
            },
            r"model\.optim\.sched\.warmup_steps must be >= 0",
        ),
        (
            {
                "optim": {
                    "lr": 0.1,
                    "sched": {"name": "CosineAnnealing", "max_steps": 9, "args": {"name": "auto"}},
                }
            },
            r"optim\.sched\.args",
        ),
    ],
)
def test_config_errors_name_the_key(data, message):
    with pytest.raises(ValueError, match=message):
        read(data, format="nemo")
