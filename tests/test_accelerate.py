"""lrkit's drivers under Accelerate's scheduler wrapper, beside torch's, in a one-process run.

``accelerator.prepare(..., scheduler)`` wraps a scheduler in ``AcceleratedScheduler``, whose
``step()`` calls the scheduler's ``step()`` once per process per optimizer step (unless
``split_batches``), not at all while gradients accumulate (then it bumps ``_step_count``), and not
when an optimizer's step was skipped (``step_was_skipped``: a GradScaler that found inf
gradients). A bare-stepped lrkit driver follows that rule as torch's schedulers do; explicit
times (``prepared.scheduler.step_update(n)``) go to the driver itself, and are idempotent.
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")
accelerate = pytest.importorskip("accelerate")

from accelerate.scheduler import AcceleratedScheduler  # noqa: E402

import lrkit  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402

STEPS = 12


def setup(make_scheduler, accumulation: int = 1):
    accelerate.state.AcceleratorState._reset_state(True)
    accelerator = accelerate.Accelerator(cpu=True, gradient_accumulation_steps=accumulation)
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = make_scheduler(opt)
    model, opt, sched = accelerator.prepare(model, opt, sched)
    return accelerator, model, opt, sched


def train(accelerator, model, opt, sched, batches: int) -> list[float]:
    seen = []
    for i in range(batches):
        with accelerator.accumulate(model):
            x = torch.full((2, 3), float(i + 1))
            loss = model(x).pow(2).mean()
            accelerator.backward(loss)
            opt.step()
            sched.step()
            opt.zero_grad()
        seen.append(opt.param_groups[0]["lr"])
    return seen


def cosine_lambda(step: int) -> float:
    return lrkit.cosine(t_initial=STEPS)(step, 1.0)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("accumulation", [1, 3])
def test_bare_steps_through_accelerate_count_as_torch_s(accumulation):
    theirs = train(
        *setup(lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, cosine_lambda), accumulation),
        STEPS * accumulation,
    )
    accelerator, model, opt, sched = setup(
        lambda opt: Scheduler(opt, lr=lrkit.cosine(t_initial=STEPS), unit="update"), accumulation
    )
    assert isinstance(sched, AcceleratedScheduler)
    ours = train(accelerator, model, opt, sched, STEPS * accumulation)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert sched.scheduler.t == STEPS
    named = train(
        *setup(lambda opt: lrkit.create("LambdaLR", opt, lr_lambda=cosine_lambda), accumulation),
        STEPS * accumulation,
    )
    assert named == theirs


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_explicit_times_go_to_the_driver_and_are_idempotent():
    _, _, opt, sched = setup(lambda opt: Scheduler(opt, lr=lrkit.cosine(t_initial=STEPS), unit="update"))
    for n in (3, 3, 3, 7):  # a wrapper stepping once per process repeats the same time
        sched.scheduler.step_update(n)
    assert sched.scheduler.t == 7
    assert opt.param_groups[0]["lr"] == lrkit.cosine(t_initial=STEPS)(7, 0.1)
    state = sched.state_dict()  # passed through to the driver
    assert state["t"] == 7


def test_a_skipped_optimizer_step_does_not_advance_a_bare_stepped_driver():
    class Optimizer:
        step_was_skipped = False

    accelerate.state.AcceleratorState._reset_state(True)
    accelerate.Accelerator(cpu=True)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    driver = Scheduler(opt, lr=lrkit.exponential(gamma=0.5), unit="update")
    marker = Optimizer()
    wrapped = AcceleratedScheduler(driver, [marker])
    wrapped.step()
    marker.step_was_skipped = True  # a GradScaler found inf gradients: no update happened
    wrapped.step()
    marker.step_was_skipped = False
    wrapped.step()
    assert driver.t == 2 and opt.param_groups[0]["lr"] == 0.1 * 0.5**2


def test_one_cycle_through_accelerate_stops_at_total_steps_as_torch_s():
    # Accelerate steps OneCycleLR only while _step_count <= total_steps; the driver has both.
    accelerate.state.AcceleratorState._reset_state(True)
    accelerate.Accelerator(cpu=True)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1, momentum=0.9)
    driver = lrkit.create("OneCycleLR", opt, max_lr=0.5, total_steps=10)
    assert driver.total_steps == 10 and driver._step_count == 1
    opt.step()
    wrapped = AcceleratedScheduler(driver, [type("O", (), {"step_was_skipped": False})()])
    for _ in range(15):
        wrapped.step()
    assert driver._step_count == 11 and driver.last_epoch == 10
