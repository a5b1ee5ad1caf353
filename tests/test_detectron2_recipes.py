"""lrkit's detectron2 format and recipes against detectron2's ``build_lr_scheduler``, step for step.

detectron2 cannot be installed here (it needs torchvision and a build), so its part is
reproduced below as a fixture, from ``detectron2/solver/lr_scheduler.py`` (``WarmupParamScheduler``,
``LRMultiplier``), ``detectron2/solver/build.py`` (``build_lr_scheduler``) and the ``SOLVER``
defaults of ``detectron2/config/defaults.py`` at facebookresearch/detectron2 commit
02b5c4e295e990042a714712c21dc79b731e8833, on the *real* fvcore schedulers and torch's
``LRScheduler``. Seeded random ``SOLVER`` sections of every ``LR_SCHEDULER_NAME`` (keys left out
for the defaults, ``STEPS`` past ``MAX_ITER`` dropped, warmups of 0, of the whole run and past
it, linear and constant, rescaled or not), in every form the format reads (a full config, the
section alone, YAML strings for ``STEPS``, a yacs ``CfgNode``), build detectron2's scheduler on
one SGD optimizer and ``lrkit.load(cfg, optimizer)`` on an identical one (1 to 3 groups of
different lrs); every group's lr must agree after construction and after every
``optimizer.step(); scheduler.step()`` up to ``MAX_ITER`` (detectron2's last ``step()``, at
``where = 1``, fails for some: there lrkit holds). The schedule without an optimizer is compared
with the fixture's multiplier at every update, on Python floats and NumPy arrays, for runs up to
the default 40,000 iterations and past a million, where fvcore's ``1e-6`` slack moves steps.

Measured tolerances (fvcore 0.1.5.post20221221, torch 2.13, NumPy 2.4): the lrs are
detectron2's exactly (``RTOL = 0``: the same products of the same fvcore values) on Python
floats; NumPy arrays within ``ARRAY_RTOL`` (NumPy's ``cos`` may round an ulp away from
``math``'s; none did over these 140,000 updates, and fvcore's own tests measure 3.3e-16).
"""

from __future__ import annotations

import json
import random
import warnings
from typing import Any

import numpy as np
import pytest

fvcore_ps = pytest.importorskip("fvcore.common.param_scheduler")
torch = pytest.importorskip("torch")

from compare import rel_diff  # noqa: E402

import lrkit  # noqa: E402
from lrkit.config import read  # noqa: E402
from lrkit.recipes import detectron2 as D  # noqa: E402, N812
from lrkit.recipes import fvcore as F  # noqa: E402, N812
from lrkit.recipes import registry  # noqa: E402

RTOL = 0.0
ARRAY_RTOL = 1e-15
CONFIGS_PER_NAME = 16
NAMES = ["WarmupMultiStepLR", "WarmupCosineLR", "WarmupStepWithFixedGammaLR"]
DROPPED = "SOLVER.STEPS contains values larger than SOLVER.MAX_ITER"


# -- detectron2, reproduced ----------------------------------------------------------------------
# facebookresearch/detectron2 @ 02b5c4e295e990042a714712c21dc79b731e8833:
# detectron2/config/defaults.py (the SOLVER keys build_lr_scheduler reads).
D2_SOLVER_DEFAULTS = {
    "LR_SCHEDULER_NAME": "WarmupMultiStepLR",
    "MAX_ITER": 40000,
    "BASE_LR": 0.001,
    "BASE_LR_END": 0.0,
    "GAMMA": 0.1,
    "STEPS": (30000,),
    "NUM_DECAYS": 3,
    "WARMUP_FACTOR": 1.0 / 1000,
    "WARMUP_ITERS": 1000,
    "WARMUP_METHOD": "linear",
    "RESCALE_INTERVAL": False,
}


# detectron2/solver/lr_scheduler.py: WarmupParamScheduler.
class D2WarmupParamScheduler(fvcore_ps.CompositeParamScheduler):
    def __init__(
        self, scheduler, warmup_factor, warmup_length, warmup_method="linear", rescale_interval=False
    ):
        end_value = scheduler(0.0) if rescale_interval else scheduler(warmup_length)
        start_value = warmup_factor * scheduler(0.0)
        if warmup_method == "constant":
            warmup = fvcore_ps.ConstantParamScheduler(start_value)
        elif warmup_method == "linear":
            warmup = fvcore_ps.LinearParamScheduler(start_value, end_value)
        else:
            raise ValueError(f"Unknown warmup method: {warmup_method}")
        super().__init__(
            [warmup, scheduler],
            interval_scaling=["rescaled", "rescaled" if rescale_interval else "fixed"],
            lengths=[warmup_length, 1 - warmup_length],
        )


# detectron2/solver/lr_scheduler.py: LRMultiplier (its state_dict override left out).
class D2LRMultiplier(torch.optim.lr_scheduler.LRScheduler):
    def __init__(self, optimizer, multiplier, max_iter, last_iter=-1):
        self._multiplier = multiplier
        self._max_iter = max_iter
        super().__init__(optimizer, last_epoch=last_iter)

    def get_lr(self):
        multiplier = self._multiplier(self.last_epoch / self._max_iter)
        return [base_lr * multiplier for base_lr in self.base_lrs]


# detectron2/solver/build.py: build_lr_scheduler, on a dict of SOLVER keys (defaults filled).
def d2_multiplier(s: dict[str, Any]) -> Any:
    name = s["LR_SCHEDULER_NAME"]
    if name == "WarmupMultiStepLR":
        steps = [x for x in s["STEPS"] if x <= s["MAX_ITER"]]
        sched = fvcore_ps.MultiStepParamScheduler(
            values=[s["GAMMA"] ** k for k in range(len(steps) + 1)],
            milestones=steps,
            num_updates=s["MAX_ITER"],
        )
    elif name == "WarmupCosineLR":
        end_value = s["BASE_LR_END"] / s["BASE_LR"]
        assert end_value >= 0.0 and end_value <= 1.0, end_value
        sched = fvcore_ps.CosineParamScheduler(1, end_value)
    elif name == "WarmupStepWithFixedGammaLR":
        sched = fvcore_ps.StepWithFixedGammaParamScheduler(
            base_value=1.0, gamma=s["GAMMA"], num_decays=s["NUM_DECAYS"], num_updates=s["MAX_ITER"]
        )
    else:
        raise ValueError(f"Unknown LR scheduler: {name}")
    return D2WarmupParamScheduler(
        sched,
        s["WARMUP_FACTOR"],
        min(s["WARMUP_ITERS"] / s["MAX_ITER"], 1.0),
        s["WARMUP_METHOD"],
        s["RESCALE_INTERVAL"],
    )


def d2_build_lr_scheduler(solver: dict[str, Any], optimizer: Any) -> D2LRMultiplier:
    s = {**D2_SOLVER_DEFAULTS, **solver}
    return D2LRMultiplier(optimizer, multiplier=d2_multiplier(s), max_iter=s["MAX_ITER"])


# -- helpers ---------------------------------------------------------------------------------------


def make_optimizer(lrs: list[float], default: float) -> torch.optim.Optimizer:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=default, momentum=0.9)


def solver_of(rng: random.Random, name: str, max_iter: int | None = None) -> dict[str, Any]:
    """One SOLVER section for ``name``: some keys left to detectron2's defaults."""
    if max_iter is None:
        max_iter = rng.choice([1, 2, 5, 10, 50, 100, rng.randint(1, 400), rng.randint(100, 1500)])
    s: dict[str, Any] = {"LR_SCHEDULER_NAME": name, "MAX_ITER": max_iter}
    base_lr = rng.choice([0.02, 0.001, 0.1, round(rng.uniform(1e-4, 1.0), 6)])
    options: dict[str, Any] = {
        "BASE_LR": base_lr,
        "GAMMA": rng.choice([0.1, 0.5, 0.3, rng.uniform(0.05, 1.0)]),
        "WARMUP_FACTOR": rng.choice([0.001, 0.0, 1.0 / 3, 0.1, rng.random()]),
        "WARMUP_ITERS": rng.choice([0, 1, max_iter // 10, rng.randint(0, max_iter), max_iter, max_iter + 7]),
        "WARMUP_METHOD": rng.choice(["linear", "constant"]),
        "RESCALE_INTERVAL": rng.choice([False, True]),
    }
    if name == "WarmupMultiStepLR":
        count = rng.randint(0, min(4, max_iter - 1))
        steps = sorted(rng.sample(range(1, max_iter), count)) if count else []
        if rng.random() < 0.2:
            steps.append(max_iter + rng.randint(1, 100))  # past MAX_ITER: dropped, with a warning
        options["STEPS"] = tuple(steps)
    elif name == "WarmupCosineLR":
        options["BASE_LR_END"] = base_lr * rng.choice([0.0, 0.01, 0.5, 1.0, rng.random()])
    else:
        options["NUM_DECAYS"] = rng.randint(1, 6)
    for key, value in options.items():
        if rng.random() < 0.85 or (key == "STEPS" and max_iter < 30001):  # default STEPS: past short runs
            s[key] = value
    return s


def config_form(rng: random.Random, solver: dict[str, Any]) -> Any:
    """The section in one of the forms the format reads."""
    section = dict(solver)
    if "STEPS" in section and rng.random() < 0.3:
        section["STEPS"] = str(tuple(section["STEPS"]))  # as YAML gives "(60000, 80000)"
    form = rng.choice(["full", "section", "cfgnode"])
    if form == "section":
        return section
    full = {
        "MODEL": {"DEVICE": "cpu"},
        "SOLVER": {**section, "MOMENTUM": 0.9, "IMS_PER_BATCH": 16},
        "VERSION": 2,
    }
    if form == "cfgnode":
        from yacs.config import CfgNode

        return CfgNode(full)
    return full


def load_quietly(config: Any, *args: Any) -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=DROPPED)
        return lrkit.load(config, *args)


# -- the differential tests ----------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_stepped_against_detectron2(name: str) -> None:
    rng = random.Random(f"detectron2-{name}")
    compared = configs = 0
    for _ in range(3 * CONFIGS_PER_NAME):
        if configs == CONFIGS_PER_NAME:
            break
        solver = solver_of(rng, name)
        config = config_form(rng, solver)
        lrs = [rng.choice([0.02, 0.001, 0.5]) * f for f in rng.choice([[1.0], [1.0, 2.0], [1.0, 0.1, 3.0]])]
        theirs_opt, mine_opt = make_optimizer(lrs, lrs[0]), make_optimizer(lrs, lrs[0])
        try:
            theirs = d2_build_lr_scheduler(solver, theirs_opt)
        except (ValueError, AssertionError):  # detectron2 asserts BASE_LR_END <= BASE_LR
            with pytest.raises(ValueError):
                load_quietly(config, mine_opt)
            continue
        except IndexError:
            # A warmup of the whole run asks fvcore's step list for its value at where = 1,
            # past its end: detectron2 fails to build it; lrkit holds the last value there.
            s = {**D2_SOLVER_DEFAULTS, **solver}
            assert s["WARMUP_ITERS"] >= s["MAX_ITER"] and not s["RESCALE_INTERVAL"]
            load_quietly(config, mine_opt)
            continue
        mine = load_quietly(config, mine_opt)
        configs += 1
        max_iter = solver["MAX_ITER"]
        for t in range(max_iter + 1):
            expected = [g["lr"] for g in theirs_opt.param_groups]
            got = [g["lr"] for g in mine_opt.param_groups]
            for a, b in zip(expected, got, strict=True):
                assert rel_diff(a, b) <= RTOL, (solver, t, expected, got)
            compared += 1
            if t == max_iter:
                break
            theirs_opt.step()
            mine_opt.step()
            mine.step()
            try:
                theirs.step()
            except (IndexError, ZeroDivisionError):
                # detectron2's step after the last iteration, at where = 1: fvcore's step index
                # runs off its list, or a rescaled piece of length 0 divides by it.
                assert t == max_iter - 1
                break
    assert configs == CONFIGS_PER_NAME and compared > 0


@pytest.mark.parametrize("name", NAMES)
def test_schedule_against_detectron2_multiplier(name: str) -> None:
    """Without an optimizer: ``schedule(t, base)`` is ``base * multiplier(t / MAX_ITER)`` at every t."""
    rng = random.Random(f"multiplier-{name}")
    worst = 0.0
    for index in range(3 * CONFIGS_PER_NAME):
        max_iter = 40000 if index == 0 else None
        solver = solver_of(rng, name, max_iter)
        if index == 0:
            solver = {"LR_SCHEDULER_NAME": name}  # detectron2's defaults throughout
            if name == "WarmupCosineLR":
                solver["BASE_LR_END"] = 0.0
        s = {**D2_SOLVER_DEFAULTS, **solver}
        try:
            multiplier = d2_multiplier(s)
        except (ValueError, AssertionError, IndexError):  # see test_stepped_against_detectron2
            continue
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=DROPPED)
            spec = read({"SOLVER": solver})
        assert spec.format == "detectron2" and spec.unit == "update"
        assert spec.length == s["MAX_ITER"] and spec.base == s["BASE_LR"]
        schedule = spec.schedule
        assert lrkit.from_dict(json.loads(json.dumps(schedule.to_dict()))) == schedule
        base = rng.choice([1.0, 0.02, 0.3])
        total = s["MAX_ITER"]
        expected = [base * multiplier(t / total) for t in range(total)]
        if index % 4 == 0:  # Python floats, one at a time (slower): every fourth configuration
            for t, a in enumerate(expected):
                assert rel_diff(a, schedule(t, base=base)) <= RTOL, (solver, t)
        got = schedule(np.arange(total, dtype=np.float64), base=base).tolist()
        for t, (a, b) in enumerate(zip(expected, got, strict=True)):
            worst = max(worst, rel_diff(a, b))
            assert rel_diff(a, b) <= ARRAY_RTOL, (solver, t, a, b)
    assert worst <= ARRAY_RTOL


def test_long_runs_move_steps_as_detectron2_does() -> None:
    """Past a million iterations fvcore's 1e-6 slack decays ``int(1e-6 * MAX_ITER)`` iterations early."""
    solver = {"MAX_ITER": 5_000_000, "STEPS": (3_000_000, 4_000_000), "WARMUP_ITERS": 1000}
    multiplier = d2_multiplier({**D2_SOLVER_DEFAULTS, **solver})
    schedule = lrkit.load({"SOLVER": solver})
    ts = [0, 500, 999, 1000, *range(2_999_990, 3_000_002), *range(3_999_990, 4_000_002), 4_999_999]
    for t in ts:
        assert schedule(t, base=0.02) == 0.02 * multiplier(t / 5_000_000), t
    assert schedule(2_999_996) < schedule(2_999_994)  # 5 iterations early, as detectron2
    arr = schedule(np.asarray(ts, dtype=np.float64))
    assert arr.tolist() == [schedule(t) for t in ts]


def test_lazy_config_lr_multiplier() -> None:
    """A LazyConfig's ``lr_multiplier`` (``_target_`` mappings) with the trainer's ``max_iter``."""
    max_iter = 900
    inner = {"values": [1.0, 0.1, 0.01], "milestones": [600, 800], "num_updates": max_iter}
    kwargs = {"warmup_length": 25 / max_iter, "warmup_factor": 0.001}
    lazy = {"_target_": "detectron2.solver.WarmupParamScheduler", **kwargs}
    lazy["scheduler"] = {"_target_": "fvcore.common.param_scheduler.MultiStepParamScheduler", **inner}
    theirs_opt, mine_opt = make_optimizer([0.1, 0.01], 0.1), make_optimizer([0.1, 0.01], 0.1)
    theirs = D2LRMultiplier(
        theirs_opt, D2WarmupParamScheduler(fvcore_ps.MultiStepParamScheduler(**inner), **kwargs), max_iter
    )
    mine = lrkit.create("detectron2:LRMultiplier", mine_opt, multiplier=lazy, max_iter=max_iter)
    direct = lrkit.create(
        "detectron2:WarmupParamScheduler",
        scheduler=F.MultiStepParamScheduler(**inner),
        **kwargs,
        max_iter=max_iter,
    )
    for t in range(max_iter):
        expected = [g["lr"] for g in theirs_opt.param_groups]
        assert [g["lr"] for g in mine_opt.param_groups] == expected, t
        assert [direct(t, base=b) for b in (0.1, 0.01)] == expected, t
        theirs_opt.step()
        mine_opt.step()
        theirs.step()
        mine.step()


def test_recipes_are_the_format() -> None:
    rng = random.Random(5)
    for name in NAMES:
        for _ in range(6):
            solver = solver_of(rng, name)
            takes = registry.resolve(f"detectron2:{name}", {})[0].parameters
            keys = {k: v for k, v in solver.items() if k in takes}
            try:
                loaded = load_quietly({"SOLVER": solver})
            except ValueError:
                continue
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message=DROPPED)
                assert lrkit.create(f"detectron2:{name}", **keys) == loaded
        with pytest.raises(ValueError, match=rf"did you mean .*'detectron2:{name}'"):
            lrkit.create(name)  # detectron2's names are qualified only


def test_cosine_reads_the_optimizers_lr() -> None:
    optimizer = make_optimizer([0.2, 0.02], 0.2)
    scheduler = lrkit.create(
        "detectron2:WarmupCosineLR", optimizer, MAX_ITER=10, BASE_LR_END=0.02, WARMUP_ITERS=0
    )
    theirs_opt = make_optimizer([0.2, 0.02], 0.2)
    solver = {"LR_SCHEDULER_NAME": "WarmupCosineLR", "MAX_ITER": 10, "BASE_LR": 0.2, "BASE_LR_END": 0.02}
    theirs = d2_build_lr_scheduler({**solver, "WARMUP_ITERS": 0}, theirs_opt)
    for _ in range(10):
        assert [g["lr"] for g in optimizer.param_groups] == [g["lr"] for g in theirs_opt.param_groups]
        optimizer.step()
        theirs_opt.step()
        scheduler.step()
        theirs.step()
    assert registry.resolve("detectron2:WarmupCosineLR", {})[0].optimizer_lr == "BASE_LR"


def test_dropped_steps_warn() -> None:
    with pytest.warns(UserWarning, match=DROPPED):
        lrkit.load({"SOLVER": {"MAX_ITER": 100, "STEPS": (50, 150)}})


def test_defaults_are_detectron2s() -> None:
    assert D.DEFAULTS == D2_SOLVER_DEFAULTS
    assert lrkit.load({"SOLVER": {}}) == lrkit.load({"SOLVER": dict(D2_SOLVER_DEFAULTS)})


def test_detect() -> None:
    fmt = registry.formats()["detectron2"]
    assert fmt.detect({"SOLVER": {"MAX_ITER": 10}, "MODEL": {}, "_BASE_": "x.yaml", "VERSION": 2})
    assert fmt.detect({"MAX_ITER": 10, "STEPS": [5]})
    assert fmt.detect({"SOLVER": {}})
    for other in (
        {"type": "cosine", "t_initial": 10},
        {"sched": "cosine", "t_initial": 10},
        {"format": "timm", "sched": "cosine"},
        {"solver": {"max_iter": 10}},
        {"SOLVER": {"max_iter": 10}},
        {"SOLVER": 3},
        {"MODEL": {}},
        {1: 2},
        [{"SOLVER": {}}],
        "SOLVER",
        None,
    ):
        assert not fmt.detect(other), other
    assert read({"SOLVER": {"MAX_ITER": 10, "STEPS": (5,)}}).format == "detectron2"


@pytest.mark.parametrize(
    ("config", "error", "words"),
    [
        ({"_BASE_": "../Base-RCNN-FPN.yaml", "SOLVER": {"MAX_ITER": 10}}, ValueError, "_BASE_"),
        ({"SOLVER": {"LR_SCHEDULER_NAME": "WarmupPolyLR"}}, ValueError, "SOLVER.LR_SCHEDULER_NAME"),
        ({"SOLVER": {"MAX_ITER": 0}}, ValueError, "SOLVER.MAX_ITER"),
        ({"SOLVER": {"MAX_ITER": 10.5}}, TypeError, "SOLVER.MAX_ITER"),
        ({"SOLVER": {"MAX_ITER": 10, "STEPS": (10,)}}, ValueError, "SOLVER.STEPS"),
        ({"SOLVER": {"MAX_ITER": 10, "STEPS": (6, 3)}}, ValueError, "SOLVER.STEPS"),
        ({"SOLVER": {"MAX_ITER": 10, "STEPS": "(6, 3"}}, ValueError, "SOLVER.STEPS"),
        (
            {"SOLVER": {"MAX_ITER": 10, "WARMUP_METHOD": "exp", "STEPS": ()}},
            ValueError,
            "SOLVER.WARMUP_METHOD",
        ),
        ({"SOLVER": {"MAX_ITER": 10, "WARMUP_FACTOR": -1, "STEPS": ()}}, ValueError, "SOLVER.WARMUP_FACTOR"),
        (
            {"SOLVER": {"MAX_ITER": 10, "RESCALE_INTERVAL": 1, "STEPS": ()}},
            TypeError,
            "SOLVER.RESCALE_INTERVAL",
        ),
        (
            {"SOLVER": {"LR_SCHEDULER_NAME": "WarmupCosineLR", "BASE_LR": 0.1, "BASE_LR_END": 0.2}},
            ValueError,
            "SOLVER.BASE_LR_END",
        ),
        ({"SOLVER": {"LR_SCHEDULER_NAME": "WarmupCosineLR", "BASE_LR": 0}}, ValueError, "SOLVER.BASE_LR"),
        (
            {"SOLVER": {"LR_SCHEDULER_NAME": "WarmupStepWithFixedGammaLR", "NUM_DECAYS": 0}},
            ValueError,
            "SOLVER.NUM_DECAYS",
        ),
        ({"LR_SCHEDULER_NAME": "WarmupStepWithFixedGammaLR", "GAMMA": 0}, ValueError, "GAMMA"),
    ],
)
def test_errors_name_the_key(config: dict[str, Any], error: type, words: str) -> None:
    with pytest.raises(error, match=words.replace(".", r"\.")):
        lrkit.load(config, format="detectron2")


def test_refused_where_detectron2_refuses() -> None:
    for solver in (
        {"MAX_ITER": 10, "STEPS": (10,)},
        {"MAX_ITER": 10, "STEPS": (0, 5)},
        {"LR_SCHEDULER_NAME": "WarmupCosineLR", "BASE_LR": 0.1, "BASE_LR_END": 0.2},
        {"LR_SCHEDULER_NAME": "WarmupStepWithFixedGammaLR", "GAMMA": 0},
    ):
        with pytest.raises((ValueError, AssertionError)):
            d2_build_lr_scheduler(solver, make_optimizer([0.1], 0.1))
        with pytest.raises(ValueError):
            lrkit.load({"SOLVER": solver})


def test_warmup_node_round_trips() -> None:
    node = D.WarmupParamScheduler(
        {"_target_": "CosineParamScheduler", "start_value": 1, "end_value": 0.1},
        warmup_factor=0.01,
        warmup_length=0.1,
        warmup_method="constant",
        rescale_interval=True,
    )
    assert lrkit.from_dict(json.loads(json.dumps(node.to_dict()))) == node
    assert repr(node).startswith("WarmupParamScheduler(CosineParamScheduler(start_value=1, end_value=0.1), ")
    theirs = D2WarmupParamScheduler(fvcore_ps.CosineParamScheduler(1, 0.1), 0.01, 0.1, "constant", True)
    for where in [*np.linspace(0, 1, 101)[:-1].tolist(), 0.1 - 1e-6, 0.1 - 2e-6, 0.1 + 1e-9]:
        assert node(where) == theirs(where), where


def test_recipe_errors_name_their_arguments() -> None:
    cosine = {"_target_": "CosineParamScheduler", "start_value": 1, "end_value": 0}
    with pytest.raises(ValueError, match=r"^max_iter "):
        lrkit.create("detectron2:LRMultiplier", multiplier=cosine, max_iter=0)
    with pytest.raises(ValueError, match=r"^warmup_length "):
        lrkit.create(
            "detectron2:WarmupParamScheduler",
            scheduler=cosine,
            warmup_factor=0.1,
            warmup_length=1.5,
            max_iter=9,
        )
    with pytest.raises(TypeError, match=r"^scheduler\.end_value "):
        lrkit.create(
            "detectron2:WarmupParamScheduler",
            scheduler={**cosine, "end_value": "0"},
            warmup_factor=0.1,
            warmup_length=0.5,
            max_iter=9,
        )
