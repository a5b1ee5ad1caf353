"""Migrating a running job from torch's lr_scheduler (or transformers' get_scheduler) to lrkit.

The values are compared elsewhere (tests/test_torch_equivalence.py, tests/test_transformers.py);
here is everything around them that a job swapping its import relies on: the checkpoint it
already has, both ways; torch's attributes; ``last_epoch`` as YOLOv5 resumes; torch's
``step(epoch)``; one-cycle momentum through ``lrkit.create``. The configurations are the
equivalence test's seeded ones, each driven by ``lrkit.create`` with torch's own arguments.
"""

from __future__ import annotations

import io
import math
import random
import warnings
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from test_torch_equivalence import (  # noqa: E402
    NAMES,
    REL_TOL,
    Config,
    configs,
    field_value,
    make_optimizer,
    rel,
    torch_scheduler,
)
from torch.optim import lr_scheduler as L  # noqa: E402, N812

import lrkit  # noqa: E402
from lrkit.config import build  # noqa: E402
from lrkit.torch import NamedScheduler, Scheduler  # noqa: E402


def create_kwargs(config: Config) -> dict[str, Any]:
    """What a user passes to lrkit.create: torch's arguments (children built by their names)."""
    if config.children:
        return {"schedulers": [build(n, **k) for n, k in config.children], **config.kwargs}
    kwargs = dict(config.kwargs)
    if config.from_group:
        del kwargs[config.from_group]
    return kwargs


def migratable(name: str) -> list[Config]:
    # One schedule for every group is what lrkit.create builds; per-group lists of torch's are
    # one schedule per group, built by hand (tests/test_torch_equivalence.py does that).
    return [c for c in configs(name) if not c.per_group][:8]


def cycled_key(config: Config, opt: torch.optim.Optimizer) -> str | None:
    if config.name in ("OneCycleLR", "CyclicLR") and config.kwargs.get("cycle_momentum", True):
        return "beta1" if "betas" in opt.defaults else "momentum"
    return None


class Quiet:
    """torch warns of a scheduler stepped before its optimizer, or given an epoch: not the point here."""

    def __enter__(self) -> None:
        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("ignore", UserWarning)

    def __exit__(self, *exc: Any) -> None:
        self._catcher.__exit__(*exc)


def compare(config: Config, a_opt, b_opt, scales, key) -> float:
    worst = 0.0
    for g, (a, b) in enumerate(zip(a_opt.param_groups, b_opt.param_groups, strict=True)):
        worst = max(worst, rel(float(a["lr"]), float(b["lr"]), scales[g]))
        if key:
            worst = max(worst, rel(field_value(a, key), field_value(b, key), 1.0))
    return worst


def roundtrip(state: dict[str, Any]) -> dict[str, Any]:
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


# -- checkpoints from torch ------------------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
def test_a_torch_checkpoint_continues_under_lrkit(name):
    for config in migratable(name):
        ref_opt = make_optimizer(config)
        with Quiet():
            ref = torch_scheduler(config, ref_opt)
            cut = random.Random(repr(config)).randint(1, config.steps - 1)
            for _ in range(cut):
                ref_opt.step()
                ref.step()
            opt_state, sched_state = roundtrip(ref_opt.state_dict()), roundtrip(ref.state_dict())
            # The job restarts with the import swapped: build, then load, as torch documents.
            opt = make_optimizer(config)
            ours = lrkit.create(name, opt, **create_kwargs(config))
            assert isinstance(ours, NamedScheduler)
            opt.load_state_dict(opt_state)
            ours.load_state_dict(sched_state)
            # torch's ChainedScheduler keeps neither count of its own; its children do.
            assert ours.last_epoch == getattr(ref, "last_epoch", cut)
            assert ours._step_count == getattr(ref, "_step_count", ours._step_count)
            key = cycled_key(config, opt)
            scales = [max(g["lr"], g.get("initial_lr", 0.0)) for g in ref_opt.param_groups]
            worst = compare(config, ref_opt, opt, scales, key)
            for _ in range(cut, config.steps):
                ref_opt.step()
                ref.step()
                opt.step()
                ours.step()
                worst = max(worst, compare(config, ref_opt, opt, scales, key))
        assert worst <= REL_TOL, (config, cut, worst)


# Their torch state holds one state per inner torch scheduler, which lrkit's schedules are not.
BACK_TO_TORCH = [n for n in NAMES if n not in ("SequentialLR", "ChainedScheduler")]


@pytest.mark.parametrize("name", BACK_TO_TORCH)
def test_an_lrkit_checkpoint_continues_under_torch(name):
    for config in migratable(name):
        opt = make_optimizer(config)
        with Quiet():
            ours = lrkit.create(name, opt, **create_kwargs(config))
            cut = random.Random(repr(config)).randint(1, config.steps - 1)
            for _ in range(cut):
                opt.step()
                ours.step()
            opt_state, sched_state = roundtrip(opt.state_dict()), roundtrip(ours.state_dict())
            ref_opt = make_optimizer(config)
            ref = torch_scheduler(config, ref_opt)
            ref_opt.load_state_dict(opt_state)
            ref.load_state_dict(sched_state)
            key = cycled_key(config, opt)
            scales = [max(g["lr"], g.get("initial_lr", 0.0)) for g in ref_opt.param_groups]
            worst = 0.0
            for _ in range(cut, config.steps):
                ref_opt.step()
                ref.step()
                opt.step()
                ours.step()
                worst = max(worst, compare(config, ref_opt, opt, scales, key))
        assert worst <= REL_TOL, (config, cut, worst)


def sgd(lrs=(0.1,), momentum=0.9):
    params = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(params, lr=lrs[0], momentum=momentum)


def test_a_torch_checkpoint_with_other_settings_is_refused_by_name_before_any_change():
    ref_opt = sgd()
    ref = L.StepLR(ref_opt, step_size=2, gamma=0.5)
    for _ in range(3):
        ref_opt.step()
        ref.step()
    opt = sgd()
    ours = lrkit.create("StepLR", opt, step_size=3, gamma=0.5)
    ours.step()
    before = (opt.param_groups[0]["lr"], ours.last_epoch, ours.state_dict())
    with pytest.raises(ValueError, match=r"step_size is 2 in the checkpoint, 3 here"):
        ours.load_state_dict(ref.state_dict())
    assert (opt.param_groups[0]["lr"], ours.last_epoch, ours.state_dict()) == before
    cosine = lrkit.create("CosineAnnealingLR", sgd(), T_max=10)
    with pytest.raises(ValueError, match=r"holds gamma, step_size, which torch's CosineAnnealingLR does not"):
        cosine.load_state_dict(ref.state_dict())
    with pytest.raises(ValueError, match=r"no last_epoch and base_lrs"):
        cosine.load_state_dict({"epoch": 3})
    with pytest.raises(ValueError, match=r"3 param groups in the checkpoint, 1 here"):
        three = L.StepLR(sgd((0.1, 0.2, 0.3)), step_size=3, gamma=0.5)
        ours.load_state_dict(three.state_dict())


def test_reschedule_continues_a_torch_checkpoint_under_new_settings():
    ref_opt = sgd()
    ref = L.CosineAnnealingLR(ref_opt, T_max=100)
    for _ in range(40):
        ref_opt.step()
        ref.step()
    opt = sgd()
    ours = lrkit.create("CosineAnnealingLR", opt, T_max=200)
    opt.load_state_dict(ref_opt.state_dict())
    report = ours.load_state_dict(ref.state_dict(), reschedule=True)
    assert ours.last_epoch == 40
    assert opt.param_groups[0]["lr"] == build("CosineAnnealingLR", T_max=200)(40, 0.1)
    assert [(r.field, r.group, r.t) for r in report] == [("lr", 0, 40)]
    assert report[0].before == pytest.approx(ref.get_last_lr()[0], rel=1e-12)
    assert report[0].after == opt.param_groups[0]["lr"]


# -- checkpoints from transformers -----------------------------------------------------------------

transformers = pytest.importorskip("transformers")

TRANSFORMERS_CASES = [
    ("linear", {}),
    ("cosine", {}),
    ("cosine_with_restarts", {"num_cycles": 3}),
    ("polynomial", {"lr_end": 1e-4, "power": 2.0}),
    ("constant_with_warmup", {}),
    ("inverse_sqrt", {}),
    ("cosine_with_min_lr", {"min_lr_rate": 0.1}),
    ("warmup_stable_decay", {"num_decay_steps": 20}),
]


@pytest.mark.parametrize(("name", "specific"), TRANSFORMERS_CASES)
def test_a_transformers_checkpoint_continues_both_ways(name, specific):
    def theirs(opt):
        return transformers.get_scheduler(
            name, opt, num_warmup_steps=10, num_training_steps=100, scheduler_specific_kwargs=dict(specific)
        )

    def ours(opt):
        return lrkit.create(
            f"transformers:{name}",
            opt,
            num_warmup_steps=10,
            num_training_steps=100,
            scheduler_specific_kwargs=dict(specific),
        )

    for make_from, make_to in ((theirs, ours), (ours, theirs)):
        opt = sgd((0.1, 0.1))
        first = make_from(opt)
        for _ in range(37):
            opt.step()
            first.step()
        opt_state, state = roundtrip(opt.state_dict()), roundtrip(first.state_dict())
        resumed_opt = sgd((0.1, 0.1))
        resumed = make_to(resumed_opt)
        resumed_opt.load_state_dict(opt_state)
        resumed.load_state_dict(state)
        for _ in range(60):
            opt.step()
            first.step()
            resumed_opt.step()
            resumed.step()
            for a, b in zip(opt.param_groups, resumed_opt.param_groups, strict=True):
                assert b["lr"] == pytest.approx(a["lr"], rel=1e-12, abs=1e-18)
    assert isinstance(ours(sgd()), NamedScheduler)


def test_transformers_names_have_lr_lambdas_as_transformers_does():
    opt = sgd((0.1, 0.05))
    ours = lrkit.create("transformers:cosine", opt, num_warmup_steps=5, num_training_steps=50)
    ref = transformers.get_scheduler("cosine", sgd((0.1, 0.05)), num_warmup_steps=5, num_training_steps=50)
    assert len(ours.lr_lambdas) == len(ref.lr_lambdas) == 2
    for step in (0, 3, 5, 17, 49, 50, 80):
        for mine, theirs in zip(ours.lr_lambdas, ref.lr_lambdas, strict=True):
            assert mine(step) == pytest.approx(theirs(step), rel=1e-12, abs=1e-15)


# -- torch's attributes ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", BACK_TO_TORCH)
def test_the_attributes_torch_keeps_are_there_with_torch_values(name):
    for config in migratable(name)[:3]:
        ref_opt, opt = make_optimizer(config), make_optimizer(config)
        with Quiet():
            ref = torch_scheduler(config, ref_opt)
            ours = lrkit.create(name, opt, **create_kwargs(config))
            for step in range(4):
                if step:
                    ref_opt.step()
                    ref.step()
                    opt.step()
                    ours.step()
                assert ours.last_epoch == ref.last_epoch and ours._step_count == ref._step_count
                assert ours._last_lr == pytest.approx(ref._last_lr, rel=1e-12)
                assert ours.get_last_lr() == pytest.approx(ref.get_last_lr(), rel=1e-12)
                assert ours.state_dict()["base_lrs"] == pytest.approx(ref.base_lrs, rel=1e-15)
        # The settings torch keeps as attributes (the moving parts were compared above).
        moving = {"lr_lambdas", "base_lrs", "last_epoch", "T_cur", "T_i"}
        for key, value in ref.state_dict().items():
            if key in moving or (key.startswith("_") and key != "_schedule_phases"):
                continue
            assert getattr(ours, key) == value, key


def test_step_lr_reads_as_torch_s():
    opt = sgd((0.1, 0.02))
    sched = lrkit.create("StepLR", opt, step_size=2)
    assert (sched.step_size, sched.gamma) == (2, 0.1)
    assert sched.base_lrs == [0.1, 0.02]
    assert sched.get_lr() == [0.1, 0.02]
    sched.step()
    sched.step()
    assert sched.get_lr() == pytest.approx([0.01, 0.002]) and sched._last_lr == sched.get_lr()
    assert "NamedScheduler('torch:StepLR', step_size=2; t=2)" == repr(sched)


# -- stepping as torch steps -------------------------------------------------------------------------


def epoch_steps(name: str, rng: random.Random) -> list[float]:
    if name == "CosineAnnealingWarmRestarts":
        iters = rng.randint(2, 7)
        return [epoch + i / iters for epoch in range(12) for i in range(iters)]
    steps = sorted(rng.sample(range(1, 60), 12))
    if rng.random() < 0.5:
        rng.shuffle(steps)  # jumping back and forth: each epoch is set, not counted
    return steps


EPOCH_NAMES = [n for n in BACK_TO_TORCH if n not in ("MultiplicativeLR",)]


@pytest.mark.parametrize("name", EPOCH_NAMES)
def test_step_with_an_explicit_epoch_gives_torch_values(name):
    rng = random.Random(f"epochs-{name}")
    for config in migratable(name)[:4]:
        ref_opt, opt = make_optimizer(config), make_optimizer(config)
        with Quiet():
            ref = torch_scheduler(config, ref_opt)
            ours = lrkit.create(name, opt, **create_kwargs(config))
            key = cycled_key(config, opt)
            scales = [max(g["lr"], g.get("initial_lr", 0.0)) for g in ref_opt.param_groups]
            limit = config.steps - 1 if name == "OneCycleLR" else math.inf
            for epoch in epoch_steps(name, rng):
                if epoch > limit:
                    continue
                ref.step(epoch)
                ours.step(epoch)
                assert ours.last_epoch == ref.last_epoch
                assert compare(config, ref_opt, opt, scales, key) <= REL_TOL, (config, epoch)
            # A bare step() continues from the epoch set, in both.
            if ref.last_epoch + 1 <= limit:
                ref.step()
                ours.step()
                assert compare(config, ref_opt, opt, scales, key) <= REL_TOL, config


def test_the_reported_cases():
    opt = sgd()
    sched = lrkit.create("StepLR", opt, step_size=2, gamma=0.5)
    for epoch in range(1, 6):
        sched.step(epoch)
    assert opt.param_groups[0]["lr"] == 0.025
    ref_opt = sgd()
    ref = L.CosineAnnealingWarmRestarts(ref_opt, T_0=3)
    opt = sgd()
    ours = lrkit.create("CosineAnnealingWarmRestarts", opt, T_0=3)
    iters = 4
    for epoch in range(5):
        for i in range(iters):
            ref.step(epoch + i / iters)
            ours.step(epoch + i / iters)
            assert opt.param_groups[0]["lr"] == pytest.approx(ref_opt.param_groups[0]["lr"], rel=1e-12)
    assert (ours.T_cur, ours.T_i) == pytest.approx((ref.T_cur, ref.T_i))


def test_steps_torch_takes_no_epoch_for_are_refused():
    chained = lrkit.create("ChainedScheduler", sgd(), schedulers=[build("StepLR", step_size=2)])
    with pytest.raises(TypeError, match=r"ChainedScheduler.step\(\) takes no epoch"):
        chained.step(3)
    multiplicative = lrkit.create("MultiplicativeLR", sgd(), lr_lambda=lambda step: 0.9)
    with pytest.raises(ValueError, match=r"MultiplicativeLR.step\(epoch\) is refused"):
        multiplicative.step(3)
    assert multiplicative.last_epoch == 0


def test_last_epoch_set_as_yolov5_resumes_continues_as_torch():
    def lf(epoch):
        return (1 - epoch / 30) * 0.9 + 0.1

    for start_epoch in (0, 1, 7):
        ref_opt, opt = sgd((0.1, 0.01)), sgd((0.1, 0.01))
        ref = L.LambdaLR(ref_opt, lr_lambda=lf)
        ours = lrkit.create("LambdaLR", opt, lr_lambda=lf)
        ref.last_epoch = start_epoch - 1  # YOLOv5's train.py, fresh (start 0) or resumed
        ours.last_epoch = start_epoch - 1
        assert ours.last_epoch == ref.last_epoch
        for _ in range(start_epoch, 12):
            with Quiet():
                ref.step()
            ours.step()
            assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in ref_opt.param_groups]
            assert ours.last_epoch == ref.last_epoch
    with pytest.raises(ValueError, match="last_epoch"):
        ours.last_epoch = -2
    with pytest.raises(TypeError, match="last_epoch"):
        ours.last_epoch = True


def test_native_last_epoch_setter_moves_the_count_only():
    opt = sgd()
    sched = Scheduler(opt, lr=lrkit.exponential(gamma=0.5), unit="update")
    sched.last_epoch = 4
    assert opt.param_groups[0]["lr"] == 0.1  # torch writes nothing when it is set either
    sched.step()
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5**5


# -- momentum through create ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["OneCycleLR", "CyclicLR"])
def test_create_cycles_momentum_as_torch_does(name):
    for config in migratable(name):
        ref_opt, opt = make_optimizer(config), make_optimizer(config)
        with Quiet():
            ref = torch_scheduler(config, ref_opt)
            ours = lrkit.create(name, opt, **create_kwargs(config))
            key = cycled_key(config, opt)
            scales = [max(g["lr"], g.get("initial_lr", 0.0)) for g in ref_opt.param_groups]
            for step in range(config.steps):
                if step:
                    ref_opt.step()
                    ref.step()
                    opt.step()
                    ours.step()
                assert compare(config, ref_opt, opt, scales, key) <= REL_TOL, (config, step)
        if key is None:
            assert ours.fields == ("lr",)
        else:
            assert ours.fields == ("lr", key)


def test_cycled_momentum_needs_an_optimizer_that_has_one():
    params = [torch.zeros(1, requires_grad=True)]
    with pytest.raises(ValueError, match=r"cycle_momentum=False"):
        lrkit.create("OneCycleLR", torch.optim.Adagrad(params, lr=0.1), total_steps=10)
    sched = lrkit.create(
        "OneCycleLR", torch.optim.Adagrad(params, lr=0.1), total_steps=10, cycle_momentum=False
    )
    assert sched.fields == ("lr",)
