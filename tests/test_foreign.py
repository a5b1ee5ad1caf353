""":class:`lrkit.torch.foreign.Dampening` against pytorch-warmup over the same torch schedulers.

Two identical optimizers (two groups at different lrs and betas) each get the same torch
scheduler; one is dampened by a pytorch-warmup class, the other by ``Dampening`` with lrkit's
schedule of that class (per group where the class reads each group's ``beta2``). Every group's
lr after construction and after each step is compared, bit for bit (relative 0, measured and
held: both write ``scheduler_lr * omega`` with the same ``omega``). Chainable torch schedulers
read the lr back, so they check that the undampened lr is what they see. A ``state_dict`` taken
mid-run resumes exactly, one of pytorch-warmup's loads, and tensor lrs are written in place.
"""

from __future__ import annotations

import random
from typing import Any

import pytest

torch = pytest.importorskip("torch")
pytorch_warmup = pytest.importorskip("pytorch_warmup")

import lrkit  # noqa: E402
from lrkit.torch.foreign import Dampening  # noqa: E402

LRS = (0.001, 0.03)
BETAS2 = (0.999, 0.98)
STEPS = 150

SCHEDULERS = [
    ("StepLR", {"step_size": 9, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.98}),
    ("CosineAnnealingLR", {"T_max": 70, "eta_min": 1e-6}),
    ("CosineAnnealingWarmRestarts", {"T_0": 20, "T_mult": 2}),
    ("OneCycleLR", {"max_lr": 0.05, "total_steps": STEPS + 5}),
    ("CyclicLR", {"base_lr": 1e-4, "max_lr": 0.01, "step_size_up": 15}),
    ("LinearLR", {"start_factor": 0.25, "total_iters": 40}),
    ("MultiStepLR", {"milestones": [30, 60, 61], "gamma": 0.2}),
    (None, {}),
]
WARMUPS = [
    "LinearWarmup",
    "ExponentialWarmup",
    "UntunedLinearWarmup",
    "UntunedExponentialWarmup",
    "RAdamWarmup",
]


def optimizer() -> torch.optim.Optimizer:
    groups = [
        {"params": [torch.zeros(2, requires_grad=True)], "lr": lr, "betas": (0.9, b2)}
        for lr, b2 in zip(LRS, BETAS2, strict=True)
    ]
    return torch.optim.Adam(groups, lr=LRS[0])


def scheduler(name: str | None, opt: torch.optim.Optimizer, kw: dict[str, Any]) -> Any:
    if name is None:
        return None
    if name == "CyclicLR":
        kw = {**kw, "cycle_momentum": False}
    return getattr(torch.optim.lr_scheduler, name)(opt, **kw)


def pair(warmup: str, period: int) -> tuple[Any, list[lrkit.Schedule]]:
    """pytorch-warmup's class with its arguments, and lrkit's factor for each group."""
    cls = getattr(pytorch_warmup, warmup)
    if warmup in ("LinearWarmup", "ExponentialWarmup"):
        return (lambda opt: cls(opt, warmup_period=period)), [
            lrkit.create(f"pytorch_warmup:{warmup}", warmup_period=period)
        ] * len(LRS)
    return cls, [lrkit.create(f"pytorch_warmup:{warmup}", beta2=b2) for b2 in BETAS2]


def lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [float(g["lr"]) for g in opt.param_groups]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("under", "kw"), SCHEDULERS)
@pytest.mark.parametrize("warmup", WARMUPS)
def test_matches_pytorch_warmup(warmup: str, under: str | None, kw: dict[str, Any]) -> None:
    period = random.Random(f"{warmup}:{under}").randint(1, 60)
    make, factors = pair(warmup, period)
    opt_a, opt_b = optimizer(), optimizer()
    sched_a, sched_b = scheduler(under, opt_a, kw), scheduler(under, opt_b, kw)
    theirs = make(opt_a)
    mine = Dampening(opt_b, factors if len(set(factors)) > 1 else factors[0])
    assert lrs(opt_a) == lrs(opt_b)
    for step in range(STEPS):
        opt_a.step()
        opt_b.step()
        with theirs.dampening():
            if sched_a is not None:
                sched_a.step()
        if step % 2:
            with mine.dampening():
                if sched_b is not None:
                    sched_b.step()
        else:
            mine.step(*([sched_b] if sched_b is not None else []))
        assert lrs(opt_a) == lrs(opt_b), step
    assert mine.last_step == theirs.last_step


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_resume_from_either_state_dict() -> None:
    make, factors = pair("LinearWarmup", 40)
    step_lr = {"step_size": 7, "gamma": 0.5}

    def run(opt: torch.optim.Optimizer, warm: Any, sched: Any, steps: int) -> list[list[float]]:
        seen = []
        for _ in range(steps):
            opt.step()
            with warm.dampening():
                sched.step()
            seen.append(lrs(opt))
        return seen

    opt_ref = optimizer()
    sched_ref = scheduler("StepLR", opt_ref, step_lr)
    reference = run(opt_ref, make(opt_ref), sched_ref, 47)
    opt_b, opt_x = optimizer(), optimizer()
    sched_b, sched_x = scheduler("StepLR", opt_b, step_lr), scheduler("StepLR", opt_x, step_lr)
    mine, theirs = Dampening(opt_b, factors[0]), make(opt_x)
    assert run(opt_b, mine, sched_b, 17) == run(opt_x, theirs, sched_x, 17) == reference[:17]
    for state in (mine.state_dict(), theirs.state_dict()):
        opt_c = optimizer()
        sched_c = scheduler("StepLR", opt_c, step_lr)
        sched_c.load_state_dict(sched_b.state_dict())
        resumed = Dampening(opt_c, factors[0])
        opt_c.load_state_dict(opt_b.state_dict())  # the dampened lrs of step 16, as a checkpoint holds
        resumed.load_state_dict(state)
        assert run(opt_c, resumed, sched_c, 30) == reference[17:]


def test_tensor_lr_written_in_place() -> None:
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": torch.tensor(0.02)}]
    opt = torch.optim.Adam(groups, lr=torch.tensor(0.02))
    lr = opt.param_groups[0]["lr"]
    warm = Dampening(opt, lrkit.create("pytorch_warmup:LinearWarmup", warmup_period=4))
    values = [float(lr)]
    for _ in range(5):
        warm.step()
        values.append(float(opt.param_groups[0]["lr"]))
    assert opt.param_groups[0]["lr"] is lr
    expected = [torch.tensor(0.02) * min(1.0, (t + 1) / 4) for t in range(6)]
    assert values == [float(x) for x in expected]


def test_errors() -> None:
    opt = optimizer()
    with pytest.raises(ValueError, match="factor"):
        Dampening(opt, [lrkit.constant()])
    with pytest.raises(TypeError, match=r"factor\[1\]"):
        Dampening(opt, [lrkit.constant(), 0.5])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="optimizer"):
        Dampening("sgd", lrkit.constant())  # type: ignore[arg-type]
    warm = Dampening(opt, lrkit.constant())
    with pytest.raises(ValueError, match="last_step"):
        warm.load_state_dict({"format": "x"})
    assert "Dampening(constant()" in repr(warm)
