"""mmengine's parameter schedulers against lrkit's, stepped side by side.

Every configuration builds real mmengine schedulers (``PARAM_SCHEDULERS.build`` with the
runner's ``default_args``, so ``convert_to_iter_based`` goes through mmengine's own
``build_iter_from_epoch``) on one optimizer and the lrkit driver on an identical one, from the
very same config dicts: ``lrkit.create("mmengine:<Type>", optimizer, ...)`` for one scheduler,
``lrkit.load(param_scheduler, optimizer, epoch_length=...)`` for a list (``read_config`` and a
``beta1=`` field for Adam). The loop is mmengine's runner's: an update, then
``ParamSchedulerHook`` steps the by-iteration schedulers after it and the by-epoch ones after
the epoch's last update. Before every update, every group's lr and momentum (``betas[0]`` for
Adam, and ``weight_decay`` where a ``param_name`` drives it) must agree.

Tolerance. mmengine updates the values recursively (one multiplication, or for its cosines and
its floored poly an affine map, per step); lrkit evaluates closed forms. Measured over these
configurations (mmengine 0.10.7, torch's float64 Python floats, up to ~170 updates, 1 to 3
groups with lrs from 1e-4 to 1; 239 chainable-only and 89 setter-holding configurations): the
largest relative difference is 1.5e-14 (a floored ``PolyLR``'s recursion), 5.2e-15 for the
cosines and ``LinearLR``, under 4.3e-15 for every other family. ``REL_TOL`` holds them to
1e-12. Differences below ``ABS_FLOOR`` (1e-16) times the group's base are the rounding of
values that are 0 in the closed form (a poly or a linear decay to 0, a cosine at ``T_max``),
where a relative error means nothing.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("mmengine")

from mmengine.optim.scheduler import ReduceOnPlateauLR  # noqa: E402
from mmengine.registry import PARAM_SCHEDULERS  # noqa: E402

import lrkit  # noqa: E402
from lrkit.config import read  # noqa: E402
from lrkit.recipes import mmengine as mm  # noqa: E402
from lrkit.recipes.registry import formats  # noqa: E402
from lrkit.torch import Plateau, Scheduler  # noqa: E402

REL_TOL = 1e-12
ABS_FLOOR = 1e-16
INF = mm.INF

# -- the two sides ---------------------------------------------------------------------------------


def optimizer(kind: str, lrs: list[float], weight_decay: float = 1e-3) -> torch.optim.Optimizer:
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    for i, group in enumerate(params):
        group["weight_decay"] = weight_decay * (i + 1)
        if kind == "sgd":
            group["momentum"] = 0.9 - 0.1 * i
        else:
            group["betas"] = (0.9 - 0.05 * i, 0.999)
    if kind == "sgd":
        return torch.optim.SGD(params, lr=lrs[0], momentum=0.9)
    return torch.optim.Adam(params, lr=lrs[0])


def snapshot(opt: torch.optim.Optimizer, kind: str) -> list[float]:
    values = []
    for group in opt.param_groups:
        momentum = group["momentum"] if kind == "sgd" else group["betas"][0]
        values += [group["lr"], momentum, group["weight_decay"]]
    return values


def bases(opt: torch.optim.Optimizer, kind: str) -> list[float]:
    return snapshot(opt, kind)


def run_mmengine(cfgs: list[dict], kind: str, lrs: list[float], epoch_length: int | None, epochs: int):
    opt = optimizer(kind, lrs)
    default_args: dict[str, Any] = {"optimizer": opt}
    if epoch_length is not None:
        default_args["epoch_length"] = epoch_length
    schedulers = [PARAM_SCHEDULERS.build(dict(cfg), default_args=default_args) for cfg in cfgs]
    out = []
    for _ in range(epochs):
        for _ in range(epoch_length or 1):
            out.append(snapshot(opt, kind))
            opt.step()
            for s in schedulers:
                if not s.by_epoch and epoch_length is not None:
                    s.step()
        for s in schedulers:
            if s.by_epoch or epoch_length is None:
                s.step()
    return out


def run_lrkit(driver: Scheduler, opt: torch.optim.Optimizer, kind: str, steps: int):
    out = []
    for _ in range(steps):
        out.append(snapshot(opt, kind))
        opt.step()
        driver.step()
    return out


def lrkit_driver(cfgs: list[dict], kind: str, lrs: list[float], epoch_length: int | None):
    opt = optimizer(kind, lrs)
    if kind == "sgd":
        driver = lrkit.load(cfgs, opt, epoch_length=epoch_length)
    else:
        reading = mm.read_config(cfgs, epoch_length=epoch_length)
        fields = dict(reading.fields)
        if "momentum" in fields:
            fields["beta1"] = fields.pop("momentum")
        driver = Scheduler(opt, unit=reading.unit, lr=reading.schedule, **fields)
    return driver, opt


def compare(expected: list[list[float]], got: list[list[float]], base: list[float], what: Any) -> float:
    assert len(expected) == len(got)
    worst = 0.0
    for step, (a, b) in enumerate(zip(expected, got, strict=True)):
        for i, (x, y, scale) in enumerate(zip(a, b, base, strict=True)):
            if abs(x - y) <= ABS_FLOOR * max(scale, 1e-300):
                continue
            rel = abs(x - y) / abs(x)
            worst = max(worst, rel)
            assert rel <= REL_TOL, f"{what}: update {step}, value {i}: mmengine {x!r}, lrkit {y!r}"
    return worst


def round_trips(schedule: lrkit.Schedule) -> None:
    data = json.loads(json.dumps(schedule.to_dict()))
    assert lrkit.from_dict(data) == schedule


# -- generated configurations ----------------------------------------------------------------------


def window(rng: random.Random, span: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    begin = rng.choice([0, 0, rng.randint(0, span // 2)])
    if begin:
        out["begin"] = begin
    if rng.random() < 0.8:
        out["end"] = begin + rng.randint(1, span)
    return out


def clocking(rng: random.Random, epoch_length: int) -> tuple[dict[str, Any], int]:
    """by_epoch and convert_to_iter_based, and the updates per step of the resulting scheduler."""
    choice = rng.choice(["iter", "epoch", "convert"])
    if choice == "iter":
        return {"by_epoch": False}, 1
    if choice == "epoch":
        return ({} if rng.random() < 0.5 else {"by_epoch": True}), epoch_length
    return {"by_epoch": True, "convert_to_iter_based": True}, 1


def chainable(
    rng: random.Random, family: str, span: int, cfg: dict[str, Any] | None = None
) -> dict[str, Any]:
    if family == "Step":
        return {"step_size": rng.randint(1, max(1, span // 3)), "gamma": rng.uniform(0.1, 0.9)}
    if family == "MultiStep":
        milestones = [rng.randint(0, span) for _ in range(rng.randint(0, 4))]
        return {"milestones": sorted(milestones), "gamma": rng.uniform(0.1, 0.9)}
    if family == "Constant":
        return {"factor": rng.choice([1.0 / 3, rng.uniform(0.05, 1.0)])}
    if family == "Exponential":
        return {"gamma": rng.uniform(0.8, 1.0)}
    if family == "Linear":
        return {
            "start_factor": rng.uniform(0.01, 1.0),
            "end_factor": rng.choice([1.0, rng.uniform(0.0, 1.0)]),
        }
    if family == "Poly":
        return {"power": rng.choice([1.0, 2.0, rng.uniform(0.5, 3.0)])}
    if family == "CosineAnnealing":
        # Chainable while the window ends by T_max: mmengine's cosine down to 0 is a ratio there.
        if cfg is None or "end" not in cfg or rng.random() < 0.5:
            return {}
        return {"T_max": cfg["end"] - cfg.get("begin", 0) + rng.randint(-1, span)}
    raise AssertionError(family)


CHAINABLE = ("Step", "MultiStep", "Constant", "Exponential", "Linear", "Poly", "CosineAnnealing")
SETTERS = ("CosineAnnealing", "Poly", "OneCycle", "CosineRestart")


def setter(rng: random.Random, family: str, span: int) -> dict[str, Any]:
    if family == "CosineAnnealing":
        out: dict[str, Any] = rng.choice(
            [{"eta_min": rng.uniform(1e-5, 1e-2)}, {"eta_min_ratio": rng.uniform(0, 0.3)}]
        )
        if rng.random() < 0.5:
            out["T_max"] = rng.randint(1, span)  # often shorter than the window: past T_max
        return out
    if family == "Poly":
        return {"eta_min": rng.uniform(1e-5, 1e-2), "power": rng.choice([1.0, 0.9, rng.uniform(0.5, 3.0)])}
    if family == "OneCycle":
        return {
            "eta_max": rng.uniform(0.01, 1.0),
            "pct_start": rng.uniform(0.2, 0.45),
            "anneal_strategy": rng.choice(["cos", "linear"]),
            "div_factor": rng.uniform(5, 30),
            "final_div_factor": rng.choice([1e4, rng.uniform(2, 100)]),
            "three_phase": rng.random() < 0.3,
        }
    if family == "CosineRestart":
        n = rng.randint(1, 3)
        out = {
            "periods": [rng.randint(1, max(1, span // n)) for _ in range(n)],
            "restart_weights": [rng.uniform(0.2, 1.0) for _ in range(n)],
        }
        out.update(rng.choice([{"eta_min": rng.uniform(0, 1e-3)}, {"eta_min_ratio": rng.uniform(0, 0.2)}]))
        return out
    raise AssertionError(family)


def suffixed(rng: random.Random, family: str, field: str) -> dict[str, Any]:
    if field == "lr":
        return (
            {"type": f"{family}LR"}
            if rng.random() < 0.85
            else {"type": f"{family}ParamScheduler", "param_name": "lr"}
        )
    if field == "momentum":
        return {"type": f"{family}Momentum"}
    return {"type": f"{family}ParamScheduler", "param_name": field}


def single_config(rng: random.Random, type_name: str, epoch_length: int, span: int) -> dict[str, Any]:
    family = mm.TYPES[type_name][0]
    cfg: dict[str, Any] = {"type": type_name}
    if mm.TYPES[type_name][1] is None:
        cfg["param_name"] = rng.choice(["lr", "momentum", "weight_decay"]) if family != "OneCycle" else "lr"
    clock, per = clocking(rng, epoch_length)
    cfg.update(clock)
    span_steps = max(2, span // per)
    cfg.update(window(rng, span_steps))
    if family == "OneCycle":
        cfg["end"] = cfg.get("begin", 0) + rng.randint(12, max(12, span_steps))
        cfg.update(setter(rng, family, span_steps))
        length = cfg["end"] - cfg.get("begin", 0)
        if rng.random() < 0.3:
            cfg["total_steps"] = length + rng.randint(0, 5)
        if (cfg.get("total_steps", length)) < 12:
            cfg["three_phase"] = False
    elif family == "CosineRestart":
        cfg.update(setter(rng, family, span_steps))
    elif family in ("CosineAnnealing", "Poly") and rng.random() < 0.5:
        cfg.update(setter(rng, family, span_steps))
    else:
        cfg.update(chainable(rng, family, span_steps, cfg))
    return cfg


def list_config(rng: random.Random, epoch_length: int, span: int) -> list[dict[str, Any]]:
    """A warmup, a main scheduler (a setter after the warmup, or chainable overlapping it), a tail."""
    cfgs: list[dict[str, Any]] = []
    warm = rng.randint(1, span // 3)
    warm_family = rng.choice(["Linear", "Constant"])
    cfgs.append(
        {
            **suffixed(rng, warm_family, "lr"),
            "by_epoch": False,
            "end": warm,
            **chainable(rng, warm_family, warm),
        }
    )
    clock, per = clocking(rng, epoch_length)
    family = rng.choice(SETTERS + CHAINABLE)
    main: dict[str, Any] = {**suffixed(rng, family, "lr"), **clock}
    if family in SETTERS and (family in ("OneCycle", "CosineRestart") or rng.random() < 0.6):
        begin = (
            -(-warm // per) if per > 1 or not clock.get("convert_to_iter_based") else -(-warm // epoch_length)
        )
        length = rng.randint(12, max(12, span // per))
        main.update({"begin": begin, "end": begin + length, **setter(rng, family, length)})
        main_end = (begin + length) * (per if not clock.get("convert_to_iter_based") else epoch_length)
    else:
        main.update(window(rng, max(2, span // per)))
        main.update(chainable(rng, family, max(2, span // per), main))
        main_end = None
    cfgs.append(main)
    if main_end is not None and rng.random() < 0.6:
        tail_family = rng.choice(["Constant", "Step", "Exponential", "MultiStep"])
        cfgs.append(
            {
                **suffixed(rng, tail_family, "lr"),
                "by_epoch": False,
                "begin": main_end + rng.randint(0, 3),
                "end": main_end + rng.randint(5, 20),
                **chainable(rng, tail_family, 10),
            }
        )
    for field in ("momentum", "weight_decay"):
        if rng.random() < 0.4:
            momentum_family = rng.choice(CHAINABLE)
            extra = {**suffixed(rng, momentum_family, field), "by_epoch": rng.random() < 0.5}
            extra.update(window(rng, span // (epoch_length if extra["by_epoch"] else 1) or 2))
            extra.update(chainable(rng, momentum_family, span, extra))
            cfgs.insert(rng.randint(0, len(cfgs)), extra)
    return cfgs


def steps_for(cfgs: list[dict], epoch_length: int, span: int) -> int:
    return math.ceil((span + 10) / epoch_length)


SCHEDULER_TYPES = sorted(name for name, (family, _) in mm.TYPES.items() if family != "ReduceOnPlateau")


# -- one scheduler, by its type name ---------------------------------------------------------------


@pytest.mark.parametrize("type_name", SCHEDULER_TYPES)
def test_every_scheduler_matches_mmengine(type_name: str) -> None:
    rng = random.Random(f"mmengine {type_name}")
    worst = 0.0
    for case in range(8):
        kind = "sgd" if case % 2 == 0 else "adam"
        if type_name.endswith("Momentum") or "param_name" in type_name:
            kind = rng.choice(["sgd", "adam"])
        lrs = [10 ** rng.uniform(-4, 0) for _ in range(rng.choice([1, 3]))]
        epoch_length = rng.randint(1, 6)
        span = rng.randint(10, 60)
        cfg = single_config(rng, type_name, epoch_length, span)
        if kind == "adam" and cfg.get("param_name") == "momentum":
            cfg["param_name"] = "lr"  # mmengine's generic form finds no 'momentum' key in Adam's groups
        epochs = steps_for([cfg], epoch_length, span)
        expected = run_mmengine([cfg], kind, lrs, epoch_length, epochs)
        opt = optimizer(kind, lrs)
        kwargs = {k: x for k, x in cfg.items() if k != "type"}
        driver = lrkit.create(f"mmengine:{type_name}", opt, epoch_length=epoch_length, **kwargs)
        got = run_lrkit(driver, opt, kind, len(expected))
        worst = max(worst, compare(expected, got, bases(optimizer(kind, lrs), kind), cfg))
        for field in driver.fields:
            for schedule in set(driver.schedules(field)):
                round_trips(schedule)
    assert worst <= REL_TOL


def test_lists_match_mmengine() -> None:
    rng = random.Random("mmengine lists")
    worst = 0.0
    for _ in range(70):
        kind = rng.choice(["sgd", "adam"])
        lrs = [10 ** rng.uniform(-4, 0) for _ in range(rng.choice([1, 2, 3]))]
        epoch_length = rng.randint(1, 7)
        span = rng.randint(20, 120)
        cfgs = list_config(rng, epoch_length, span)
        epochs = steps_for(cfgs, epoch_length, span)
        expected = run_mmengine(cfgs, kind, lrs, epoch_length, epochs)
        driver, opt = lrkit_driver(cfgs, kind, lrs, epoch_length)
        got = run_lrkit(driver, opt, kind, len(expected))
        worst = max(worst, compare(expected, got, bases(optimizer(kind, lrs), kind), cfgs))
        for field in driver.fields:
            round_trips(driver.schedules(field)[0])
    assert worst <= REL_TOL


def test_chainable_lists_overlap_multiplicatively() -> None:
    # Two to four chainable schedulers of any windows and clocks: mmengine's ratios compose.
    rng = random.Random("mmengine overlaps")
    for _ in range(30):
        kind = rng.choice(["sgd", "adam"])
        lrs = [10 ** rng.uniform(-4, 0) for _ in range(rng.choice([1, 2]))]
        epoch_length = rng.randint(1, 5)
        span = rng.randint(10, 60)
        cfgs = []
        for _ in range(rng.randint(2, 4)):
            family = rng.choice(CHAINABLE)
            clock, per = clocking(rng, epoch_length)
            cfg = {**suffixed(rng, family, rng.choice(["lr", "lr", "momentum"])), **clock}
            cfg.update(window(rng, max(2, span // per)))
            cfg.update(chainable(rng, family, max(2, span // per), cfg))
            cfgs.append(cfg)
        expected = run_mmengine(cfgs, kind, lrs, epoch_length, steps_for(cfgs, epoch_length, span))
        driver, opt = lrkit_driver(cfgs, kind, lrs, epoch_length)
        compare(
            expected, run_lrkit(driver, opt, kind, len(expected)), bases(optimizer(kind, lrs), kind), cfgs
        )


def test_epoch_lists_without_epoch_length_count_epochs() -> None:
    rng = random.Random("mmengine epochs")
    for _ in range(20):
        lrs = [10 ** rng.uniform(-3, 0) for _ in range(2)]
        span = rng.randint(8, 40)
        family = rng.choice(CHAINABLE)
        cfgs = [
            {"type": "LinearLR", "start_factor": rng.uniform(0.1, 1), "end": rng.randint(1, 5)},
            {"type": f"{family}LR", **window(rng, span), **chainable(rng, family, span)},
        ]
        reading = mm.read_config(cfgs)
        assert reading.unit == "epoch"
        expected = run_mmengine(cfgs, "sgd", lrs, None, span + 5)
        opt = optimizer("sgd", lrs)
        driver = lrkit.load(cfgs, opt)
        assert driver.unit == "epoch"
        compare(expected, run_lrkit(driver, opt, "sgd", len(expected)), bases(opt, "sgd"), cfgs)
        # Within an epoch the value is that epoch's, as mmengine holds it.
        assert reading.schedule(2.5, 1.0) == reading.schedule(2, 1.0)


# -- mmengine's rules, value by value ---------------------------------------------------------------


def mmengine_values(cfgs: list[dict], steps: int, epoch_length: int = 1) -> list[float]:
    rows = run_mmengine(cfgs, "sgd", [1.0], epoch_length, math.ceil(steps / epoch_length))
    return [row[0] for row in rows[:steps]]


@pytest.mark.parametrize(
    "cfg",
    [
        {"type": "ConstantLR", "factor": 0.5, "begin": 2, "end": 6, "by_epoch": False},
        {"type": "LinearLR", "start_factor": 0.2, "end_factor": 0.6, "begin": 1, "end": 5, "by_epoch": False},
        {"type": "PolyLR", "eta_min": 0.1, "power": 2.0, "end": 5, "by_epoch": False},
        {"type": "CosineAnnealingLR", "T_max": 3, "eta_min": 0.25, "end": 10, "by_epoch": False},
        {"type": "MultiStepLR", "milestones": [0, 2, 2, 30], "gamma": 0.5, "end": 10, "by_epoch": False},
        {"type": "StepLR", "step_size": 2, "gamma": 0.5, "begin": 3, "end": 8, "by_epoch": False},
        {
            "type": "CosineRestartLR",
            "periods": [3, 2],
            "restart_weights": [1, 0.5],
            "eta_min": 0.0,
            "by_epoch": False,
        },
    ],
)
def test_value_tables(cfg: dict) -> None:
    expected = mmengine_values([cfg], 12)
    s = lrkit.create(f"mmengine:{cfg['type']}", **{k: x for k, x in cfg.items() if k != "type"})
    got = [s(t, 1.0) for t in range(12)]
    assert got == pytest.approx(expected, rel=REL_TOL, abs=ABS_FLOOR)


def test_window_rules() -> None:
    # ConstantLR restores the value at its window's last step, end - 1; LinearLR and PolyLR end
    # there too; outside its window a scheduler leaves the value alone.
    constant = lrkit.create("mmengine:ConstantLR", factor=0.5, begin=2, end=6, by_epoch=False)
    assert [constant(t) for t in range(7)] == [1.0, 1.0, 0.5, 0.5, 0.5, 1.0, 1.0]
    linear = lrkit.create("mmengine:LinearLR", start_factor=0.5, end=3, by_epoch=False)
    assert [linear(t) for t in range(4)] == [0.5, 0.75, 1.0, 1.0]
    assert mmengine_values([{"type": "LinearLR", "start_factor": 0.5, "end": 3, "by_epoch": False}], 4) == [
        linear(t) for t in range(4)
    ]


def test_epoch_schedulers_hold_through_the_epoch() -> None:
    s = lrkit.create("mmengine:StepLR", step_size=1, gamma=0.5, epoch_length=4)
    assert [s(t) for t in range(9)] == mmengine_values(
        [{"type": "StepLR", "step_size": 1, "gamma": 0.5}], 9, 4
    )
    assert [s(t) for t in (0, 3, 4, 7, 8)] == [1.0, 1.0, 0.5, 0.5, 0.25]
    converted = lrkit.create(
        "mmengine:StepLR", step_size=1, gamma=0.5, epoch_length=4, convert_to_iter_based=True
    )
    assert converted == s or [converted(t) for t in range(9)] == [s(t) for t in range(9)]


def test_one_cycle_overwrites_initial_lr_for_later_schedulers() -> None:
    cfgs = [
        {"type": "OneCycleLR", "eta_max": 0.5, "by_epoch": False, "end": 20, "div_factor": 10.0},
        {
            "type": "CosineRestartLR",
            "periods": [5, 5],
            "restart_weights": [1, 0.5],
            "eta_min_ratio": 0.1,
            "by_epoch": False,
            "begin": 20,
            "end": 30,
        },
    ]
    expected = run_mmengine(cfgs, "sgd", [0.1, 0.02], 1, 32)
    driver, opt = lrkit_driver(cfgs, "sgd", [0.1, 0.02], 1)
    compare(expected, run_lrkit(driver, opt, "sgd", 32), bases(opt, "sgd"), cfgs)


# -- configs ---------------------------------------------------------------------------------------


def test_whole_config_with_train_cfg() -> None:
    cfg = {
        "optim_wrapper": {"optimizer": {"type": "SGD", "lr": 0.02, "momentum": 0.9}},
        "train_cfg": {"type": "EpochBasedTrainLoop", "max_epochs": 12},
        "param_scheduler": [
            {"type": "LinearLR", "start_factor": 0.001, "by_epoch": False, "begin": 0, "end": 40},
            {"type": "CosineAnnealingLR", "eta_min": 1e-4, "by_epoch": True, "begin": 3},
        ],
    }
    spec = read(cfg, epoch_length=10)
    assert spec.format == "mmengine" and spec.unit == "update" and spec.length == 120 and spec.base == 0.02
    # mmengine's runner gives a scheduler without end the loop's max_epochs (or max_iters).
    with_end = [dict(c) for c in cfg["param_scheduler"]]
    with_end[1]["end"] = 12
    expected = run_mmengine(with_end, "sgd", [0.02], 10, 12)
    opt = optimizer("sgd", [0.02])
    driver = lrkit.load(cfg, opt, epoch_length=10)
    compare(expected, run_lrkit(driver, opt, "sgd", 120), bases(opt, "sgd"), cfg)


def test_single_dict_and_detect() -> None:
    assert read({"type": "StepLR", "step_size": 2, "by_epoch": False}).format == "mmengine"
    assert read([{"type": "mmengine.ExponentialLR", "gamma": 0.9, "by_epoch": False}]).unit == "update"
    claims = formats()["mmengine"].detect
    assert claims({"param_scheduler": {"type": "StepLR", "step_size": 1}, "train_cfg": {}})
    for other in (
        {"type": "cosine", "t_initial": 10},
        {"sched": "torch:StepLR", "step_size": 3},
        {"type": "WarmupLR", "params": {"warmup_num_steps": 10}},
        {"type": "StepLR", "params": {"step_size": 3}},
        {"scheduler": {"type": "OneCycle", "params": {}}},
        {"format": "timm", "sched": "cosine"},
        [{"type": "cosine", "t_initial": 3}],
        [],
        "StepLR",
        None,
    ):
        assert not claims(other), other


def test_momentum_schedulers_drive_beta1_of_adam() -> None:
    cfg = {"type": "CosineAnnealingMomentum", "T_max": 10, "eta_min": 0.5, "by_epoch": False, "end": 10}
    opt = optimizer("adam", [0.1])
    driver = lrkit.create(
        "mmengine:CosineAnnealingMomentum", opt, **{k: x for k, x in cfg.items() if k != "type"}
    )
    assert driver.fields == ("lr", "beta1")
    expected = run_mmengine([cfg], "adam", [0.1], 1, 12)
    compare(expected, run_lrkit(driver, opt, "adam", 12), bases(opt, "adam"), cfg)
    assert lrkit.config.build("mmengine:LinearMomentum", by_epoch=False, end=3) == lrkit.constant()


def test_reduce_on_plateau_matches_mmengine() -> None:
    rng = random.Random("plateau")
    for _ in range(10):
        kwargs = {
            "rule": rng.choice(["less", "greater"]),
            "factor": rng.uniform(0.1, 0.9),
            "patience": rng.randint(0, 3),
            "threshold": rng.choice([1e-4, 0.05]),
            "threshold_rule": rng.choice(["rel", "abs"]),
            "cooldown": rng.randint(0, 2),
            "min_value": rng.choice([0.0, 1e-3]),
        }
        metrics = [rng.choice([1.0, 0.9, 0.95, 1.1]) * (1 - 0.01 * i) for i in range(30)]
        opt_a, opt_b = optimizer("sgd", [0.1, 0.05]), optimizer("sgd", [0.1, 0.05])
        theirs = ReduceOnPlateauLR(opt_a, monitor="loss", **kwargs)
        plateau = lrkit.create("mmengine:ReduceOnPlateauLR", opt_b, monitor="loss", **kwargs)
        assert isinstance(plateau, Plateau)
        for metric in metrics:
            opt_a.step()
            opt_b.step()
            theirs.step()  # the runner's after_train_epoch, which only counts
            theirs.step({"loss": metric})
            plateau.step(metric)
            assert [g["lr"] for g in opt_b.param_groups] == pytest.approx(
                [g["lr"] for g in opt_a.param_groups], rel=1e-15
            )
    spec = read([{"type": "ReduceOnPlateauLR", "patience": 2}])
    assert spec.schedule is None and spec.plateau["patience"] == 2


# -- errors ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "epoch_length", "words"),
    [
        ([{"type": "StepLR", "step_size": 2}, {"type": "LinearLR", "by_epoch": False}], None, "epoch_length"),
        ([{"type": "StepLR", "step_size": 2, "convert_to_iter_based": True}], None, "convert_to_iter_based"),
        (
            [{"type": "StepLR", "step_size": 2, "by_epoch": False, "convert_to_iter_based": True}],
            3,
            "by_epoch",
        ),
        ([{"type": "QuadraticWarmupLR"}], 3, "QuadraticWarmupLR"),
        ([{"type": "StepLR", "step": 2}], 3, "'step'"),
        ([{"type": "StepLR"}], 3, "'step_size'"),
        ([{"type": "StepLR", "step_size": 2, "begin": 5, "end": 5}], 3, "end must be larger than begin"),
        ([{"type": "StepLR", "step_size": 2, "last_step": 4}], 3, "last_step"),
        ([{"type": "LinearLR", "start_factor": 1.5}], 3, "start_factor"),
        ([{"type": "CosineAnnealingLR", "eta_min": 0.1, "eta_min_ratio": 0.1}], 3, "eta_min_ratio"),
        ([{"type": "CosineRestartLR", "periods": [2, 3], "eta_min": 0}], 3, "restart_weights"),
        ([{"type": "CosineRestartLR", "periods": [2]}], 3, "eta_min"),
        ([{"type": "OneCycleParamScheduler", "param_name": "momentum", "eta_max": 1}], 3, "param_name"),
        ([{"type": "ReduceOnPlateauMomentum"}], 3, "lr only"),
        ([{"type": "ReduceOnPlateauLR"}, {"type": "LinearLR"}], 3, "ReduceOnPlateauLR beside LinearLR"),
        (
            {"param_scheduler": {"gen": [{"type": "StepLR", "step_size": 1}]}},
            3,
            "key='param_scheduler.<name>'",
        ),
        (
            [
                {"type": "LinearLR", "by_epoch": False, "end": 20},
                {"type": "CosineAnnealingLR", "eta_min": 0.1, "by_epoch": False, "begin": 5, "end": 30},
            ],
            3,
            "CosineAnnealingLR sets the value at updates 6 to 29, where LinearLR changes it too",
        ),
    ],
)
def test_errors_name_mmengine_arguments(source: Any, epoch_length: int | None, words: str) -> None:
    with pytest.raises((ValueError, TypeError), match=None) as info:
        read(source, format="mmengine", epoch_length=epoch_length)
    assert words in str(info.value)


def test_builder_errors() -> None:
    with pytest.raises(ValueError, match="by_epoch is True"):
        lrkit.create("mmengine:StepLR", step_size=3)
    with pytest.raises(ValueError, match="'gama'"):
        lrkit.create("mmengine:StepLR", step_size=3, gama=0.5, by_epoch=False)
    with pytest.raises(ValueError, match="param_name"):
        lrkit.create("mmengine:StepParamScheduler", step_size=3, by_epoch=False)
    with pytest.raises(ValueError, match="gamma"):
        lrkit.create("mmengine:StepLR", step_size=3, gamma=-1, by_epoch=False)


def test_every_type_is_registered() -> None:
    names = set(lrkit.config.names())
    for type_name in mm.TYPES:
        # ReduceOnPlateauMomentum is read in configs, and refused there: Plateau reduces the lr only.
        assert (f"mmengine:{type_name}" in names) == (type_name != "ReduceOnPlateauMomentum")
    assert len(mm.TYPES) == len(PARAM_SCHEDULERS.module_dict)
