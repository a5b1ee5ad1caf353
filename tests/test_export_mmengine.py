"""lrkit.config.export to mmengine: a schedule written as a ``param_scheduler`` list of windows.

Seeded configurations of torch's, timm's, transformers' and lrkit's own schedules (built by
``lrkit.create`` and by hand) are exported for a group of lr ``base`` and the exported list is
run through mmengine itself: every dict built by ``PARAM_SCHEDULERS.build`` on one torch SGD
optimizer whose lr is ``base``, stepped after every update as mmengine's runner steps
by-iteration schedulers (the lr read before each update). Every lr up to the end of the run
must be lrkit's; the export read back by ``lrkit.load(..., format="mmengine")`` gives the same
values. Schedules with no equivalent say which part lacks one.

Tolerance. Two comparisons. mmengine's lrs against the schedule's are the export's contract
(the front door keeps a list within 1e-9 of the base; fitted numbers are written with 12
digits): measured, the largest gap is 4.1e-12 of the base (a sequence whose jumps between pieces
are ratios of unround values), under 7e-13 for every single framework name; ``CONTRACT`` is the
front door's 1e-9. mmengine's lrs against lrkit's reading of the same list (``lrkit.load(...,
format="mmengine")``) differ only by mmengine's recursion (a ratio, or for its floored cosines and
polys an affine map, per update) against lrkit's closed forms: measured over these
configurations (mmengine 0.10.7, up to ~600 updates, bases 3e-4 to 1), the largest relative
difference is 6.6e-13 (torch's cosine climbing back past ``T_max`` for up to 2 ``T_max``, near its
floor), under 8e-15 for everything else; ``REL_TOL`` holds them to 1e-12. Differences below
``ABS_FLOOR`` times the base are the rounding of values that are 0 in the closed form.
"""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mmengine")

import mmengine.optim.scheduler  # noqa: E402, F401  (registers the schedulers)
from mmengine.registry import PARAM_SCHEDULERS  # noqa: E402

import lrkit  # noqa: E402
from lrkit import cli, config  # noqa: E402

REL_TOL = 1e-12
CONTRACT = 1e-9
ABS_FLOOR = 1e-15
CONFIGS_PER_NAME = 6
BASES = [0.1, 3e-4, 1.0, 0.02]

#: The largest relative difference seen, per test (the module docstring's numbers).
WORST: dict[str, float] = {}
#: The largest difference between mmengine's lrs and the schedule's, over the base, per test.
GAP: dict[str, float] = {}


def mmengine_lrs(exported: list[dict], base: float, run: int) -> list[float]:
    """The lrs mmengine's schedulers give updates 0..run of an SGD group whose lr is ``base``."""
    assert isinstance(exported, list) and exported
    for cfg in exported:
        assert cfg["by_epoch"] is False, cfg
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=base)
    schedulers = [PARAM_SCHEDULERS.build(dict(cfg), default_args={"optimizer": opt}) for cfg in exported]
    lrs = []
    for t in range(run + 1):
        lrs.append(opt.param_groups[0]["lr"])
        if t == run:
            break  # OneCycleLR raises when stepped past total_steps
        opt.step()
        for s in schedulers:
            s.step()
    return lrs


def compare(theirs: list[float], mine, base: float, what) -> float:
    worst = 0.0
    for t, (x, y) in enumerate(zip(theirs, mine, strict=True)):
        if abs(x - y) <= ABS_FLOOR * base:
            continue
        rel = abs(x - y) / abs(x)
        worst = max(worst, rel)
        assert rel <= REL_TOL, f"{what}: update {t}: mmengine {x!r}, lrkit {y!r}"
    return worst


def check(schedule: lrkit.Schedule, base: float, run: int | None = None, label: str = "") -> list[dict]:
    """Export ``schedule``, run it through mmengine and through ``lrkit.load``; returns the export."""
    exported = config.export(schedule, "mmengine", base=base, run=run)
    json.dumps(exported)  # plain data
    if run is None:
        run = max(math.ceil(schedule.length), 1)
    mine = np.asarray(schedule(np.arange(run + 1, dtype=np.float64), base=base), dtype=np.float64)
    what = f"{schedule!r} as {exported}"
    theirs = mmengine_lrs(exported, base, run)
    # The export's contract: the schedule's values within 1e-9 of the base (its fitted numbers
    # are written with 12 digits), mmengine's and lrkit's reading of it within REL_TOL.
    np.testing.assert_allclose(theirs, mine, rtol=0, atol=CONTRACT * base, err_msg=what)
    GAP[label] = max(GAP.get(label, 0.0), float(np.max(np.abs(np.asarray(theirs) - mine))) / base)
    again = lrkit.load(exported, format="mmengine")(np.arange(run + 1.0), base=base)
    WORST[label] = max(WORST.get(label, 0.0), compare(theirs, again, base, what))
    return exported


def types(exported: list[dict]) -> list[str]:
    return [cfg["type"] for cfg in exported]


# -- seeded configurations of the frameworks' names ------------------------------------------------


def torch_configs(name: str, rng: random.Random):
    for _ in range(CONFIGS_PER_NAME):
        base = rng.choice(BASES)
        if name == "StepLR":
            kw, run = (
                {"step_size": rng.randint(2, 40), "gamma": rng.choice([0.1, 0.5, 0.9])},
                rng.randint(50, 300),
            )
        elif name == "MultiStepLR":
            run = rng.randint(30, 300)
            milestones = sorted(rng.sample(range(1, run, 3), rng.randint(1, 4)))  # 3 apart: no exponential
            kw = {"milestones": milestones, "gamma": rng.choice([0.1, 0.5])}
        elif name == "ExponentialLR":
            kw, run = {"gamma": rng.choice([0.9, 0.97, 0.995])}, rng.randint(20, 400)
        elif name == "LinearLR":
            total = rng.randint(2, 100)
            start = rng.choice([0.001, 0.1, 1 / 3, 1.0])
            end = rng.choice([1.0, 0.5, 0.0]) if start == 1.0 else rng.choice([1.0, 0.5])
            kw, run = (
                {"start_factor": start, "end_factor": end, "total_iters": total},
                total + rng.randint(0, 50),
            )
        elif name == "ConstantLR":
            total = rng.randint(1, 60)
            kw, run = (
                {"factor": rng.choice([0.1, 0.5, 1 / 3]), "total_iters": total},
                total + rng.randint(1, 50),
            )
        elif name == "CosineAnnealingLR":
            t_max = rng.randint(5, 200)
            kw = {"T_max": t_max, "eta_min": rng.choice([0.0, 0.01, 0.1]) * base}
            run = rng.choice([t_max, t_max + rng.randint(1, 2 * t_max)])  # past T_max it climbs back
        elif name == "PolynomialLR":
            total = rng.randint(5, 300)
            kw = {"total_iters": total, "power": rng.choice([0.5, 1.0, 2.0, 3.0])}
            run = total + rng.randint(0, 30)
        elif name == "OneCycleLR":
            kw = {
                "max_lr": base * rng.choice([1.0, 2.0]),
                "total_steps": rng.randint(20, 400),
                "pct_start": rng.choice([0.1, 0.25, 0.3, 0.4]),
                "anneal_strategy": rng.choice(["cos", "linear"]),
                "div_factor": rng.choice([25.0, 10.0]),
                "final_div_factor": rng.choice([1e4, 100.0]),
                "three_phase": rng.random() < 0.3,
            }
            run = kw["total_steps"] - 1
        elif name == "CosineAnnealingWarmRestarts":
            kw = {
                "T_0": rng.randint(5, 40),
                "T_mult": rng.choice([1, 2]),
                "eta_min": rng.choice([0.0, 0.01]) * base,
            }
            run = rng.randint(2 * kw["T_0"], 300)
        yield kw, base, run


TORCH = [
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "LinearLR",
    "ConstantLR",
    "CosineAnnealingLR",
    "PolynomialLR",
    "OneCycleLR",
    "CosineAnnealingWarmRestarts",
]

#: The scheduler each torch name is written as (mmengine's own name for the same curve).
TORCH_AS = {
    "StepLR": {"StepLR"},
    "MultiStepLR": {"MultiStepLR", "StepLR"},
    "ExponentialLR": {"ExponentialLR"},
    "LinearLR": {"LinearLR"},
    "ConstantLR": {"ConstantLR"},
    "CosineAnnealingLR": {"CosineAnnealingLR"},
    "PolynomialLR": {"PolyLR"},
    "OneCycleLR": {"OneCycleLR"},
    "CosineAnnealingWarmRestarts": {"CosineRestartLR"},
}


@pytest.mark.parametrize("name", TORCH)
def test_torch_schedulers_export_as_mmengine_gives_them(name):
    rng = random.Random(f"export-mmengine-{name}")
    for kw, base, run in torch_configs(name, rng):
        schedule = lrkit.create(f"torch:{name}", **kw)
        exported = check(schedule, base, run, name)
        # One scheduler of the same name where torch's has one.
        if not (name == "ConstantLR" and kw["factor"] == 1.0):
            written = TORCH_AS[name] | ({"LinearLR"} if kw.get("power") == 1.0 else set())
            assert len(exported) == 1 and exported[0]["type"] in written, exported


def test_timm_schedules_export():
    rng = random.Random("export-mmengine-timm")
    for _ in range(CONFIGS_PER_NAME * 2):
        base = rng.choice(BASES)
        t = rng.randint(10, 200)
        warmup = {"warmup_t": rng.randint(1, 20), "warmup_lr_init": base * 1e-3, "warmup_prefix": True}
        kind = rng.choice(["cosine", "step", "multistep", "poly"])
        if kind == "cosine":
            kw = {"t_initial": t, "lr_min": base * rng.choice([0.0, 1e-3, 0.05])}
            if rng.random() < 0.4:
                kw.update(cycle_limit=rng.randint(2, 3), cycle_decay=rng.choice([1.0, 0.5]))
        elif kind == "poly":
            kw = {"t_initial": t, "power": rng.choice([0.5, 2.0]), "lr_min": base * rng.choice([0.0, 0.01])}
        elif kind == "step":
            kw = {"decay_t": rng.randint(3, 30), "decay_rate": 0.5}
        else:
            kw = {"decay_t": sorted(rng.sample(range(2, 100), 3)), "decay_rate": 0.1}
        schedule = lrkit.create(f"timm:{kind}", **kw, **warmup)
        run = None if schedule.length is not None else rng.randint(50, 200)
        check(schedule, base, run, f"timm:{kind}")


def test_transformers_schedules_without_warmup_export():
    rng = random.Random("export-mmengine-transformers")
    for name in ("linear", "cosine", "polynomial", "cosine_with_min_lr", "constant"):
        for _ in range(3):
            base = rng.choice(BASES)
            kw = {"num_warmup_steps": 0, "num_training_steps": rng.randint(20, 300)}
            if name == "polynomial":
                kw.update(power=rng.choice([1.0, 2.0]), lr_end=base * 1e-3, base_lr=base)
            elif name == "cosine_with_min_lr":
                kw["min_lr_rate"] = rng.choice([0.01, 0.1])
            elif name == "constant":
                del kw["num_warmup_steps"], kw["num_training_steps"]
            schedule = lrkit.create(f"transformers:{name}", **kw)
            check(schedule, base, kw.get("num_training_steps", 40), f"transformers:{name}")


# -- the common recipes and sequences --------------------------------------------------------------


def test_linear_warmup_then_cosine_or_multistep_is_mmdet_s_recipe():
    w = 500
    cosine = lrkit.warmup(
        lrkit.cosine(t_initial=3500, lr_min=1e-5), warmup_t=w, warmup_lr_init=1e-5, prefix=True
    )
    exported = check(cosine, 0.01, label="warmup+cosine")
    assert exported == [
        {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": w + 1},
        {
            "type": "CosineAnnealingLR",
            "T_max": 3500,
            "eta_min_ratio": 0.001,
            "by_epoch": False,
            "begin": w,
            "end": w + 3501,
        },
    ]
    steps = lrkit.sequence(
        [
            lrkit.linear(t_initial=w, start_factor=0.001, end_factor=1.0),
            lrkit.multistep(milestones=[8000, 11000]),
        ],
        boundaries=[w],
    )
    exported = check(steps, 0.02, run=12000, label="warmup+multistep")
    assert types(exported) == ["LinearLR", "MultiStepLR"]
    assert exported[1]["milestones"] == [w + 8000, w + 11000]


def test_sequences_of_pieces():
    rng = random.Random("export-mmengine-pieces")
    for _ in range(CONFIGS_PER_NAME * 2):
        base = rng.choice(BASES)
        pieces, boundaries, at = [], [], 0
        for i in range(rng.randint(2, 4)):
            n = rng.randint(5, 80)
            kind = rng.choice(["linear-up", "linear-down", "cosine", "constant", "exponential", "poly"])
            if kind == "linear-up":
                piece = lrkit.linear(t_initial=n, start_factor=rng.choice([0.01, 0.2]), end_factor=1.0)
            elif kind == "linear-down":
                piece = lrkit.linear(t_initial=n, start_factor=1.0, end_factor=rng.choice([0.1, 0.5]))
            elif kind == "cosine":
                piece = lrkit.cosine(t_initial=n, lr_min=base * rng.choice([0.0, 0.05]))
            elif kind == "constant":
                piece = lrkit.constant(rng.choice([0.5, 0.25, 1.0]))
            elif kind == "poly":
                # PolyLR's curve ends with its window: a poly cut before its floor has no window.
                piece = lrkit.poly(t_initial=n - 1, power=2.0, lr_min=base * 0.01)
            else:
                piece = lrkit.exponential(gamma=rng.choice([0.9, 0.95]))
            if i:
                boundaries.append(at)
            pieces.append(piece)
            at += n
        schedule = lrkit.sequence(pieces, boundaries=boundaries)
        check(schedule, base, run=at + rng.randint(0, 20), label="sequence")


def test_a_whole_schedule_scaled_and_shapes_by_hand():
    check(lrkit.constant(), 0.1, run=10, label="by hand")
    assert config.export(lrkit.constant(), "mmengine", run=10) == [
        {"type": "ConstantLR", "factor": 1.0, "by_epoch": False, "begin": 0}
    ]
    check(lrkit.constant(0.5), 0.1, run=10, label="by hand")
    check(lrkit.scale(lrkit.cosine(t_initial=40, lr_min=0.001), 0.5), 0.1, label="by hand")
    restarts = lrkit.warmup(
        lrkit.cycles(lrkit.cosine(t_initial=30, lr_min=0.002), cycle_limit=3, cycle_decay=0.5),
        warmup_t=10,
        warmup_lr_init=0.001,
        prefix=True,
    )
    check(restarts, 0.1, label="by hand")
    check(lrkit.stairs(lrkit.step(decay_t=2, decay_rate=0.5), every=1), 0.1, run=30, label="by hand")


def test_a_config_file_counting_epochs_exports_per_update():
    source = {"type": "warmup", "schedule": {"type": "linear", "t_initial": 9}, "warmup_t": 1, "prefix": True}
    with pytest.raises(ValueError, match="counts epochs: give epoch_length"):
        config.export(source, "mmengine")
    source = {"sched": "torch:MultiStepLR", "milestones": [30, 60], "gamma": 0.1}
    exported = config.export(source, "mmengine", run=90)
    assert exported == [
        {
            "type": "MultiStepLR",
            "milestones": [30, 60],
            "gamma": 0.1,
            "by_epoch": False,
            "begin": 0,
            "end": 61,
        }
    ]


def test_an_mmengine_list_round_trips():
    param_scheduler = [
        {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 201},
        {
            "type": "CosineAnnealingLR",
            "T_max": 800,
            "eta_min_ratio": 0.01,
            "by_epoch": False,
            "begin": 200,
            "end": 1001,
        },
    ]
    assert config.export(param_scheduler, "mmengine", format="mmengine") == param_scheduler


# -- what has no equivalent ------------------------------------------------------------------------


def test_what_has_no_equivalent_is_named():
    noisy = lrkit.noise(lrkit.cosine(t_initial=90), pct=0.5, range_t=(0, 50))
    with pytest.raises(ValueError, match=r"noise\(cosine\(t_initial=90\).*\) has no equivalent in mmengine$"):
        config.export(noisy, "mmengine")
    mine = lrkit.from_callable(lambda t: 1 / (1 + t))
    with pytest.raises(ValueError, match=r"from_callable.* has no equivalent in mmengine$"):
        config.export(mine, "mmengine", run=50)
    with pytest.raises(ValueError, match=r"tanh\(.*\) has no equivalent in mmengine$"):
        config.export(lrkit.tanh(t_initial=50), "mmengine")
    # A warmup from 0 (transformers'): mmengine's ratios cannot leave 0.
    with pytest.raises(ValueError, match=r"the lr is 0 at update 0 and rises at update 1: mmengine's"):
        config.export(
            lrkit.create("transformers:linear", num_warmup_steps=5, num_training_steps=50), "mmengine"
        )
    # Every part known, the values no list's: timm's warmup over the cosine's first updates.
    with pytest.raises(ValueError, match=r"none of mmengine's schedules gives these values .*the nearest"):
        config.export(lrkit.create("timm:cosine", t_initial=100, warmup_t=5, warmup_lr_init=1e-4), "mmengine")
    # An epoch-stepped cosine: by-iteration schedulers have no stairs of a curve; a few epochs are
    # a few milestones, sixty are a table of values, no recipe.
    epochs = lrkit.stairs(lrkit.cosine(t_initial=4, lr_min=0.01), every=1)
    exported = config.export(epochs, "mmengine", base=0.1, epoch_length=20, unit="epoch")
    assert types(exported) == ["MultiStepLR"] * 4
    np.testing.assert_allclose(
        mmengine_lrs(exported, 0.1, 100), epochs(np.arange(101) / 20, base=0.1), rtol=1e-12
    )
    with pytest.raises(ValueError, match=r"mmengine has no schedule of this kind$"):
        config.export(
            lrkit.stairs(lrkit.cosine(t_initial=60), every=1), "mmengine", epoch_length=20, unit="epoch"
        )


def test_the_command_exports(tmp_path):
    out = tmp_path / "param_scheduler.json"
    argv = ["export", "--to", "mmengine", "--sched", "torch:LinearLR", "start_factor=0.1", "total_iters=10"]
    assert cli.main([*argv, "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == [
        {"type": "LinearLR", "start_factor": 0.1, "by_epoch": False, "begin": 0, "end": 11}
    ]


def test_measured_tolerance_is_below_the_bound():
    # Run last (file order): the differences the other tests met stay within the docstring's.
    if WORST:
        assert max(WORST.values()) <= REL_TOL
