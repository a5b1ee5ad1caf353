"""lrkit.config.export to DeepSpeed: a schedule written as a DeepSpeed config's ``scheduler`` block.

Seeded configurations of every DeepSpeed scheduler are built by lrkit
(``lrkit.create("deepspeed:<Type>", ...)``), exported for a group lr ``base``, and the exported
block built as DeepSpeed's engine builds it (``getattr(lr_schedules, type)(optimizer,
**params)``, the real ``deepspeed.runtime.lr_schedules`` class on a torch Adam whose lr is
``base``) and stepped after every update as the engine steps it: the lr after ``t`` steps is
the lr of update ``t``, compared with lrkit's value at every update of the run (and the betas
left alone: the export cycles no momentum). Hand-built lrkit expressions (a ramp shifted by an
update, transformers' linear and constant_with_warmup, torch's linear ``OneCycleLR``, a linear
ramp and its stairs) export too and are checked the same way. ``lrkit.load`` of the export,
alone and inside a whole DeepSpeed config, gives the same values. Schedules with no
equivalent (noise, hard restarts, a step decay, a timm-style ramp from a nonzero lr, a linear
warmup into a cosine, a decay from update 0) raise errors that name the part, or the nearest
scheduler.

Held tolerance: ``|DeepSpeed - lrkit| <= RTOL * max(|value|, 1e-6 * base)`` at every update,
``RTOL = 1e-11`` (the front door accepts ``1e-9 * base``). Measured: 3.7e-12 (LRRangeTest,
whose per-update rate is fitted and written with 12 significant digits), 1.1e-12 (OneCycle, a
fitted decay rate), at most 3.2e-15 for the warmups and 2.3e-14 for the hand-built
expressions (DeepSpeed's order of operations, lrs read off the values with 15 digits).
Checked once by hand, not here (its first start compiles a communication op for a minute):
the same blocks in a whole config through ``deepspeed.initialize`` on the CPU, stepping a real
engine, give the same lrs (at most 3.5e-15 apart).
DeepSpeed logs an accelerator warning on import and a "before it has started" warning at each
warmup's construction; the latter is silenced here.
"""

from __future__ import annotations

import json
import logging
import math
import random
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
lr_schedules = pytest.importorskip("deepspeed.runtime.lr_schedules")

import lrkit  # noqa: E402
from lrkit import cli, config  # noqa: E402
from lrkit.recipes import deepspeed as ds  # noqa: E402

RTOL = 1e-11
CONFIGS_PER_NAME = 25
NAMES = list(ds.TYPES)


@pytest.fixture(autouse=True, scope="module")
def quiet_deepspeed():
    logger = logging.getLogger("DeepSpeed")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


def deepspeed_lrs(exported: dict[str, Any], base: float, run: int) -> list[float]:
    """The lrs DeepSpeed's engine uses for updates 0..run with the exported block, on Adam at ``base``.

    The engine builds ``scheduler_class(optimizer, **params)`` and steps it after every
    optimizer step; the betas must stay the optimizer's (the export cycles no momentum).
    """
    assert set(exported) == {"scheduler"} and set(exported["scheduler"]) == {"type", "params"}, exported
    block = json.loads(json.dumps(exported))["scheduler"]  # plain JSON, as a config file holds it
    optimizer = torch.optim.Adam([torch.zeros(1, requires_grad=True)], lr=base, betas=(0.9, 0.999))
    scheduler = getattr(lr_schedules, block["type"])(optimizer, **block["params"])
    lrs = []
    for _ in range(run + 1):
        lrs.append(float(optimizer.param_groups[0]["lr"]))
        optimizer.step()
        scheduler.step()
    assert optimizer.param_groups[0]["betas"] == (0.9, 0.999), exported
    return lrs


def gap_of(theirs: Any, mine: Any, base: float) -> float:
    """The worst difference relative to the value (to at least ``1e-6 * base`` near 0)."""
    theirs, mine = np.asarray(theirs, dtype=np.float64), np.asarray(mine, dtype=np.float64)
    scale = np.maximum(np.maximum(np.abs(theirs), np.abs(mine)), 1e-6 * base)
    return float(np.max(np.abs(theirs - mine) / scale))


def check(schedule: lrkit.Schedule, base: float, run: int | None = None) -> tuple[dict[str, Any], float]:
    """Export ``schedule``, run the export through DeepSpeed and ``lrkit.load``: the worst gap."""
    exported = config.export(schedule, "deepspeed", base=base, run=run)
    run = run if run is not None else max(math.ceil(schedule.length), 1)
    t = np.arange(run + 1, dtype=np.float64)
    theirs = deepspeed_lrs(exported, base, run)
    gap = gap_of(theirs, schedule(t, base=base), base)
    assert gap <= RTOL, (gap, exported, schedule)
    again = lrkit.load(json.loads(json.dumps(exported)))
    assert gap_of(theirs, again(t, base=base), base) <= RTOL, exported
    whole = {"train_batch_size": 8, "optimizer": {"type": "Adam", "params": {"lr": base}}, **exported}
    spec = config.read(whole)
    assert (spec.format, spec.base, spec.unit) == ("deepspeed", base, "update")
    assert gap_of(theirs, spec.schedule(t, base=base), base) <= RTOL, exported
    return exported, gap


# -- generated configurations --------------------------------------------------------------------


def lr_value(rng: random.Random) -> float:
    return 10 ** rng.uniform(-5, 0)


def make_kwargs(rng: random.Random, name: str) -> tuple[dict[str, Any], int]:
    """DeepSpeed keyword arguments for ``name`` and the run to export over."""
    kw: dict[str, Any] = {}
    if name.startswith("Warmup"):
        kw["warmup_num_steps"] = rng.choice([1, 2, 3, rng.randint(2, 80)])
        kw["warmup_type"] = rng.choice(["log", "linear"])
        w = max(2, kw["warmup_num_steps"])
        if name == "WarmupCosineLR":
            kw["warmup_min_ratio"] = rng.choice([0.0, 0.1, rng.random()])
            kw["cos_min_ratio"] = rng.choice([0.0, 0.0001, 0.01, rng.random(), 1.5])
        else:
            kw["warmup_min_lr"] = rng.choice([0.0, lr_value(rng) * 0.1])
            kw["warmup_max_lr"] = rng.choice([None, lr_value(rng)]) if name == "WarmupLR" else lr_value(rng)
        if name == "WarmupLR":
            return kw, w + rng.randint(1, 30)
        kw["total_num_steps"] = rng.choice([rng.randint(0, w), rng.randint(w, w + 150), w, w + 1])
        return kw, max(kw["total_num_steps"], w) + rng.randint(1, 15)
    if name == "OneCycle":
        kw["cycle_min_lr"] = rng.choice([0.0, lr_value(rng) * 0.1])
        kw["cycle_max_lr"] = rng.choice([lr_value(rng), max(kw["cycle_min_lr"], 1e-4) * 0.5])
        kw["cycle_first_step_size"] = rng.choice([2, rng.randint(2, 40), rng.randint(4, 60) / 2])
        kw["cycle_second_step_size"] = rng.choice([None, 0, rng.randint(1, 40), 7.5])
        if rng.random() < 0.6:
            kw["decay_step_size"] = rng.choice([rng.randint(1, 20), 2.5])
            kw["decay_lr_rate"] = rng.choice([0.0, rng.uniform(0.01, 3)])
        first = kw["cycle_first_step_size"]
        second = kw["cycle_second_step_size"]
        return kw, int(first + (first if second is None else second)) + rng.randint(3, 40)
    kw["lr_range_test_min_lr"] = lr_value(rng) * 0.01
    kw["lr_range_test_step_size"] = rng.choice([2000, rng.randint(1, 50)])
    kw["lr_range_test_step_rate"] = rng.choice([0.0, 1.0, rng.uniform(0, 5)])
    kw["lr_range_test_staircase"] = rng.random() < 0.5
    # A staircase of DeepSpeed's default 2000 updates needs two of them in the run to be seen.
    if kw["lr_range_test_step_size"] == 2000:
        return kw, 4100 if kw["lr_range_test_staircase"] else 300
    return kw, kw["lr_range_test_step_size"] * 3


CONFIGS = [
    (name, index, *make_kwargs(random.Random(f"export-deepspeed-{name}-{index}"), name))
    for name in NAMES
    for index in range(CONFIGS_PER_NAME)
]


def is_constant(schedule: lrkit.Schedule, base: float, run: int) -> bool:
    values = schedule(np.arange(run + 1.0), base=base)
    return bool(np.all(np.abs(values - values[0]) <= 1e-9 * base))


@pytest.mark.parametrize("name", NAMES)
def test_a_deepspeed_schedule_exports_to_values_deepspeed_gives(name):
    rng = random.Random(f"export-deepspeed-base-{name}")
    worst = 0.0
    for _, index, kwargs, run in (c for c in CONFIGS if c[0] == name):
        base = rng.choice([0.1, 3e-4, 1.0, lr_value(rng)])
        schedule = lrkit.create(f"deepspeed:{name}", **kwargs)
        exported, gap = check(schedule, base, run)
        worst = max(worst, gap)
        kind = exported["scheduler"]["type"]
        if is_constant(schedule, base, run):
            assert kind == "WarmupLR", exported  # a warmup from the lr to itself
        elif kind != name:
            # A cosine that never runs (total_num_steps <= W + 1) from ratio 0 to 0 is a ramp
            # dropping to 0 after its top: WarmupDecayLR's values, and first in line.
            w = max(2, kwargs["warmup_num_steps"])
            assert name == "WarmupCosineLR" and kind == "WarmupDecayLR", (index, kwargs, exported)
            assert kwargs["total_num_steps"] <= w + 1 and kwargs["warmup_min_ratio"] == 0, kwargs
            assert kwargs["cos_min_ratio"] == 0, kwargs
    assert worst <= RTOL


def test_configurations_reach_every_branch():
    seen = set()
    for name, _, kw, _ in CONFIGS:
        seen.add((name, kw.get("warmup_type")))
        if "total_num_steps" in kw:
            seen.add((name, "T <= W" if kw["total_num_steps"] <= max(2, kw["warmup_num_steps"]) else "T > W"))
        if name == "WarmupLR":
            seen.add((name, "own max" if kw["warmup_max_lr"] is None else "fixed max"))
        if name == "OneCycle":
            decays = kw.get("decay_lr_rate") and kw["cycle_min_lr"]
            seen.add((name, "decay" if decays else "held"))
            seen.add((name, "fractional" if kw["cycle_first_step_size"] % 1 else "whole"))
            seen.add((name, "no second half" if kw["cycle_second_step_size"] == 0 else "two halves"))
            seen.add((name, "inverted" if kw["cycle_max_lr"] < kw["cycle_min_lr"] else "upright"))
        if name == "LRRangeTest":
            seen.add((name, "staircase" if kw["lr_range_test_staircase"] else "continuous"))
    for name in ("WarmupLR", "WarmupDecayLR", "WarmupCosineLR"):
        assert {(name, "log"), (name, "linear")} <= seen
    for name in ("WarmupDecayLR", "WarmupCosineLR"):
        assert {(name, "T <= W"), (name, "T > W")} <= seen
    assert {("WarmupLR", "own max"), ("WarmupLR", "fixed max")} <= seen
    one_cycle = (
        "decay",
        "held",
        "fractional",
        "whole",
        "no second half",
        "two halves",
        "inverted",
        "upright",
    )
    assert {("OneCycle", x) for x in one_cycle} <= seen
    assert {("LRRangeTest", "staircase"), ("LRRangeTest", "continuous")} <= seen


# -- lrkit's own expressions ---------------------------------------------------------------------

HAND_BUILT = [
    # DeepSpeed's linear warmup is lrkit's ramp one update later (update 0 and 1 at the start).
    (
        "shifted-ramp",
        lrkit.shift(lrkit.warmup(lrkit.constant(), warmup_t=8, warmup_lr_init=0.01), by=1),
        40,
        "WarmupLR",
    ),
    # warmup_lr_init is an lr, end_factor a fraction of the base: they meet at base 0.1 only.
    (
        "shifted-ramp-and-decay",
        lrkit.shift(
            lrkit.warmup(
                lrkit.linear(t_initial=40, end_factor=0.25), warmup_t=8, warmup_lr_init=0.025, prefix=True
            ),
            by=1,
        ),
        None,
        "WarmupDecayLR",
    ),
    ("warmup-linear", lrkit.warmup(lrkit.linear(t_initial=90), warmup_t=10, prefix=True), None, "OneCycle"),
    (
        "transformers-linear",
        lrkit.create("transformers:linear", num_warmup_steps=25, num_training_steps=300),
        None,
        "OneCycle",
    ),
    (
        "torch-onecycle-linear",
        lrkit.create(
            "torch:OneCycleLR", max_lr=0.1, total_steps=37, anneal_strategy="linear", final_div_factor=1
        ),
        None,
        "OneCycle",
    ),
    (
        "torch-onecycle-three-phase",
        lrkit.create(
            "torch:OneCycleLR",
            max_lr=0.1,
            total_steps=50,
            anneal_strategy="linear",
            final_div_factor=1,
            three_phase=True,
        ),
        80,
        "OneCycle",
    ),
    ("constant", lrkit.constant(), 30, "WarmupLR"),
    # 0 at update 0, then t / w: WarmupCosineLR's linear ramp from 1 / w over w - 1 updates,
    # its cosine held at cos_min_ratio = 1.
    (
        "transformers-constant-with-warmup",
        lrkit.create("transformers:constant_with_warmup", num_warmup_steps=12),
        60,
        "WarmupCosineLR",
    ),
    ("linear-ramp-up", lrkit.linear(t_initial=50, start_factor=0.1, end_factor=1.0), None, "LRRangeTest"),
    (
        "ramp-in-stairs",
        lrkit.stairs(lrkit.linear(t_initial=10, start_factor=0.1, end_factor=1.0), every=5),
        50,
        "LRRangeTest",
    ),
]


#: Expressions mixing an absolute lr with fractions of the base, exported for the one base at
#: which they are DeepSpeed's.
ONE_BASE = {"shifted-ramp-and-decay"}


@pytest.mark.parametrize(("label", "schedule", "run", "kind"), HAND_BUILT, ids=[c[0] for c in HAND_BUILT])
def test_lrkit_expressions_export_too(label, schedule, run, kind):
    for base in (0.1,) if label in ONE_BASE else (0.1, 1.0):
        exported, _ = check(schedule, base, run)
        assert exported["scheduler"]["type"] == kind, exported


def test_the_export_is_written_in_deepspeeds_terms():
    s = lrkit.create("transformers:linear", num_warmup_steps=10, num_training_steps=100)
    assert config.export(s, "deepspeed", base=3e-4) == {
        "scheduler": {
            "type": "OneCycle",
            "params": {
                "cycle_min_lr": 0.0,
                "cycle_max_lr": 3e-4,
                "cycle_first_step_size": 10,
                "cycle_second_step_size": 90,
                "cycle_momentum": False,
            },
        }
    }
    warm = lrkit.create("deepspeed:WarmupLR", warmup_num_steps=100, warmup_type="linear")
    assert config.export(warm, "deepspeed", base=0.02)["scheduler"]["params"] == {
        "warmup_min_lr": 0.0,
        "warmup_max_lr": 0.02,  # the group's lr, written: WarmupLR's lrs are absolute
        "warmup_num_steps": 100,
        "warmup_type": "linear",
    }
    # The range test's default geometry comes back as it was written, not as a per-update rate.
    probe = lrkit.create("deepspeed:LRRangeTest")
    assert config.export(probe, "deepspeed", run=5000)["scheduler"]["params"] == {
        "lr_range_test_min_lr": 0.001,
        "lr_range_test_step_size": 2000,
        "lr_range_test_step_rate": 1.0,
    }
    # WarmupCosineLR's ratios are fractions of the optimizer's lr: one export serves every base.
    cosine = lrkit.create("deepspeed:WarmupCosineLR", total_num_steps=200, warmup_num_steps=20)
    assert config.export(cosine, "deepspeed", base=0.1) == config.export(cosine, "deepspeed", base=5e-5)


def test_what_has_no_equivalent_is_named():
    noisy = lrkit.noise(lrkit.create("deepspeed:WarmupLR", warmup_num_steps=10), pct=0.5, range_t=(0, 50))
    with pytest.raises(ValueError, match=r"noise\(.*\) has no equivalent in deepspeed$"):
        config.export(noisy, "deepspeed", run=60)
    restarts = lrkit.create(
        "transformers:cosine_with_restarts", num_warmup_steps=5, num_training_steps=60, num_cycles=3
    )
    with pytest.raises(ValueError, match=r"HardRestarts\(.*\) has no equivalent in deepspeed$"):
        config.export(restarts, "deepspeed")
    with pytest.raises(
        ValueError, match=r"step\(decay_t=10, decay_rate=0.5\) has no equivalent in deepspeed"
    ):
        config.export(lrkit.step(decay_t=10, decay_rate=0.5), "deepspeed", run=50)
    # Every part known, the values none of DeepSpeed's: its warmups hold the start for updates
    # 0 and 1, or start at 0 (WarmupCosineLR, whose linear ramp stops a step short of the top),
    # and a OneCycle ends where it started.
    for schedule in (
        lrkit.warmup(lrkit.cosine(t_initial=90), warmup_t=10, prefix=True),
        lrkit.warmup(lrkit.constant(), warmup_t=10, warmup_lr_init=0.01),
        lrkit.warmup(lrkit.linear(t_initial=90), warmup_t=10, warmup_lr_init=0.01, prefix=True),
    ):
        with pytest.raises(
            ValueError, match=r"none of deepspeed's schedules gives these values \(tried .*\); the nearest, "
        ):
            config.export(schedule, "deepspeed", base=0.1, run=100)
    # A decay from update 0 on: every DeepSpeed scheduler starts at its low end.
    decay = lrkit.create("transformers:linear", num_warmup_steps=0, num_training_steps=100)
    with pytest.raises(ValueError, match=r"deepspeed has no schedule of this kind$"):
        config.export(decay, "deepspeed")


def test_the_command_exports(tmp_path):
    out = tmp_path / "ds.json"
    argv = ["export", "--to", "deepspeed", "--sched", "deepspeed:WarmupDecayLR", "total_num_steps=50"]
    assert cli.main([*argv, "warmup_num_steps=5", "warmup_max_lr=0.1", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == {
        "scheduler": {
            "type": "WarmupDecayLR",
            "params": {
                "total_num_steps": 50,
                "warmup_min_lr": 0.0,
                "warmup_max_lr": 0.1,
                "warmup_num_steps": 5,
                "warmup_type": "log",
            },
        }
    }
