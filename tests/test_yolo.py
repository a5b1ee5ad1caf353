"""lrkit.yolo against YOLOv5's hand-written loop (seed 003), iteration by iteration."""

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import lrkit  # noqa: E402
import lrkit.yolo  # noqa: E402


def tiny_model():
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )


def seed_loop(
    optimizer, *, epochs, nb, lrf, cos_lr, nw, bias_group, warmup_bias_lr, warmup_momentum, momentum
):
    """Seed 003's loop (YOLOv5's train.py), kept as written but for its parameters."""
    if cos_lr:
        lf = lambda x: ((1 + math.cos(x * math.pi / epochs)) / 2) * (1 - lrf) + lrf  # noqa: E731
    else:
        lf = lambda x: (1 - x / epochs) * (1.0 - lrf) + lrf  # noqa: E731
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer=optimizer, lr_lambda=lf)
    start_epoch = 0
    scheduler.last_epoch = start_epoch - 1
    seen = []
    for epoch in range(start_epoch, epochs):
        for i in range(nb):
            ni = i + nb * epoch
            if ni <= nw:
                xi = [0, nw]
                for j, x in enumerate(optimizer.param_groups):
                    x["lr"] = np.interp(
                        ni, xi, [warmup_bias_lr if j == bias_group else 0.0, x["initial_lr"] * lf(epoch)]
                    )
                    if "momentum" in x:
                        x["momentum"] = np.interp(ni, xi, [warmup_momentum, momentum])
            seen.append([(float(g["lr"]), float(g.get("momentum", 0.0))) for g in optimizer.param_groups])
        scheduler.step()
    return seen


def our_loop(optimizer, *, epochs, nb, **kwargs):
    sched = lrkit.yolo.scheduler(optimizer, epochs, nb, **kwargs)
    seen = []
    for epoch in range(epochs):
        for i in range(nb):
            sched.step_update(i + nb * epoch)
            seen.append([(g["lr"], g.get("momentum", 0.0)) for g in optimizer.param_groups])
    return seen


CASES = [
    # seed 003 as written: 100 epochs, 600 samples / batch 20, lf from 1 to 0.2, 1000-iteration warmup
    dict(epochs=100, nb=30, lrf=0.2, cos_lr=True, warmup_epochs=3, min_warmup_iters=1000, bias_group=2),
    dict(epochs=100, nb=30, lrf=0.2, cos_lr=False, warmup_epochs=3, min_warmup_iters=1000, bias_group=2),
    # today's YOLOv5: 100-iteration minimum, lrf 0.01, bias group first
    dict(epochs=30, nb=17, lrf=0.01, cos_lr=True, warmup_epochs=3, min_warmup_iters=100, bias_group=0),
    dict(epochs=30, nb=17, lrf=0.01, cos_lr=False, warmup_epochs=3, min_warmup_iters=100, bias_group=0),
    dict(epochs=12, nb=9, lrf=0.05, cos_lr=True, warmup_epochs=2.5, min_warmup_iters=0, bias_group=1),
    dict(epochs=12, nb=9, lrf=0.05, cos_lr=True, warmup_epochs=0, min_warmup_iters=0, bias_group=2),
    dict(epochs=8, nb=250, lrf=0.1, cos_lr=False, warmup_epochs=0.3, min_warmup_iters=10, bias_group=2),
]


# The seed's loop steps LambdaLR without an optimizer step, as the tutorial does.
@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")
@pytest.mark.parametrize("case", CASES, ids=[f"case{i}" for i in range(len(CASES))])
def test_equals_the_hand_written_loop(case):
    case = dict(case)
    hyp = dict(warmup_bias_lr=0.1, warmup_momentum=0.8, momentum=0.937)
    epochs, nb = case.pop("epochs"), case.pop("nb")
    nw = lrkit.yolo.warmup_iterations(case["warmup_epochs"], nb, case["min_warmup_iters"])
    theirs = seed_loop(
        lrkit.yolo.optimizer(tiny_model(), lr=0.01, momentum=0.937),
        epochs=epochs,
        nb=nb,
        lrf=case["lrf"],
        cos_lr=case["cos_lr"],
        nw=nw,
        bias_group=case["bias_group"],
        **hyp,
    )
    ours = our_loop(
        lrkit.yolo.optimizer(tiny_model(), lr=0.01, momentum=0.937), epochs=epochs, nb=nb, **case, **hyp
    )
    assert len(ours) == len(theirs) == epochs * nb
    worst = 0.0
    for a, b in zip(ours, theirs, strict=True):
        for (lr, m), (lr_ref, m_ref) in zip(a, b, strict=True):
            for ours_v, ref in ((lr, lr_ref), (m, m_ref)):
                if ours_v != ref:
                    worst = max(worst, abs(ours_v - ref) / abs(ref))
    # lf is written once in the core (cosine / linear with lr_min = lrf) where YOLOv5 writes it
    # in another order of operations, and the driver evaluates a schedule shared by several
    # groups as a(t) * base + b(t): values can differ in the last bits, nowhere more.
    assert worst <= 1e-14, worst


def test_param_groups_split_like_yolov5():
    model = tiny_model()
    groups = lrkit.yolo.param_groups(model, weight_decay=1e-3)
    conv, norm, linear = model[0], model[1], model[4]
    ids = [{id(p) for p in g["params"]} for g in groups]
    assert ids[0] == {id(norm.weight)}
    assert ids[1] == {id(conv.weight), id(linear.weight)}
    assert ids[2] == {id(conv.bias), id(norm.bias), id(linear.bias)}
    assert [g["weight_decay"] for g in groups] == [0.0, 1e-3, 0.0]
    assert sum(len(g["params"]) for g in groups) == len(list(model.parameters()))


def test_resumes_mid_epoch_exactly():
    def run(stop=None, state=None):
        opt = lrkit.yolo.optimizer(tiny_model())
        sched = lrkit.yolo.scheduler(opt, 10, 7, min_warmup_iters=20)
        if state is not None:
            opt.load_state_dict(state[0])
            sched.load_state_dict(state[1])
        seen = []
        start = 0 if state is None else state[2] + 1
        for ni in range(start, 70):
            sched.step_update(ni)
            seen.append([(g["lr"], g["momentum"]) for g in opt.param_groups])
            if ni == stop:
                return seen, (opt.state_dict(), sched.state_dict(), ni)
        return seen, None

    full, _ = run()
    for stop in (5, 19, 20, 23, 45):  # in the warmup, at its end, mid-epoch after it
        head, state = run(stop=stop)
        tail, _ = run(state=state)
        assert head + tail == full


def test_schedules_are_core_schedules_that_round_trip():
    opt = lrkit.yolo.optimizer(tiny_model())
    sched = lrkit.yolo.scheduler(opt, 20, 11)
    for field in sched.fields:
        for schedule in sched.schedules(field):
            assert lrkit.from_dict(schedule.to_dict()) == schedule


def test_adam_groups_get_no_momentum_schedule():
    opt = torch.optim.Adam(lrkit.yolo.param_groups(tiny_model()), lr=1e-3, betas=(0.937, 0.999))
    sched = lrkit.yolo.scheduler(opt, 5, 4)
    assert sched.fields == ("lr",)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        (dict(bias_group=3), "bias_group"),
        (dict(batches_per_epoch=0), "batches_per_epoch"),
        (dict(warmup_epochs=-1), "warmup_epochs"),
        (dict(lrf=-0.1), "lrf"),
        (dict(epochs=0), "epochs"),
    ],
)
def test_bad_arguments_are_named(kwargs, name):
    args = dict(epochs=10, batches_per_epoch=5)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        lrkit.yolo.scheduler(
            lrkit.yolo.optimizer(tiny_model()), args.pop("epochs"), args.pop("batches_per_epoch"), **args
        )


@pytest.mark.filterwarnings("ignore:Detected call of `lr_scheduler.step\\(\\)` before")
@pytest.mark.parametrize("start_epoch", [0, 1, 4])
def test_yolov5s_own_lambdalr_lines_keep_their_meaning(start_epoch):
    # YOLOv5's loop with the import swapped but its LambdaLR lines kept: last_epoch set to
    # start_epoch - 1 when (re)starting, step() at each epoch's end, step_update(ni) added.
    epochs, nb = 8, 5
    lf = lambda x: (1 - x / epochs) * 0.9 + 0.1  # noqa: E731
    reference_opt = lrkit.yolo.optimizer(tiny_model(), lr=0.01, momentum=0.937)
    reference = torch.optim.lr_scheduler.LambdaLR(reference_opt, lr_lambda=lf)
    reference.last_epoch = start_epoch - 1
    expected = our_loop(
        lrkit.yolo.optimizer(tiny_model(), lr=0.01, momentum=0.937),
        epochs=epochs,
        nb=nb,
        cos_lr=False,
        lrf=0.1,
        min_warmup_iters=7,
        warmup_epochs=0,
    )
    opt = lrkit.yolo.optimizer(tiny_model(), lr=0.01, momentum=0.937)
    sched = lrkit.yolo.scheduler(opt, epochs, nb, cos_lr=False, lrf=0.1, min_warmup_iters=7, warmup_epochs=0)
    sched.last_epoch = start_epoch - 1
    assert sched.last_epoch == reference.last_epoch
    seen = []
    for epoch in range(start_epoch, epochs):
        for i in range(nb):
            sched.step_update(i + nb * epoch)
            seen.append([(g["lr"], g.get("momentum", 0.0)) for g in opt.param_groups])
            assert sched.last_epoch == reference.last_epoch
        sched.step()
        reference.step()
        assert sched.last_epoch == reference.last_epoch
        # LambdaLR's value at its new count is the value of the next epoch's first iteration.
        if epoch + 1 < epochs:
            assert [g["lr"] for g in opt.param_groups] == [lr for lr, _ in expected[(epoch + 1) * nb]]
    assert seen == expected[start_epoch * nb :]
