"""``Scheduler(..., capturable=True)``: the time in a device tensor, the schedule inside the step.

Eager, the capturable driver writes what the float driver writes (into float32 tensors: its
rounding). Compiled, ``opt.step(); sched.step()`` in one function has as many frames as
``opt.step()`` alone and never recompiles as the lr changes; the lrs equal the eager run's.
With a CUDA device, the same step is captured in a CUDA graph and replayed (skipped here
without one).
"""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from torch._dynamo.utils import counters  # noqa: E402

import lrkit  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402

LR = lrkit.warmup(lrkit.cosine(t_initial=300, lr_min=1e-5), warmup_t=20, warmup_lr_init=1e-6)
BETA1 = lrkit.linear(t_initial=300, start_factor=1.0, end_factor=0.85 / 0.9)


def adam(params, lr=0.01, dtype=torch.float32, device="cpu"):
    return torch.optim.Adam(
        params,
        lr=torch.tensor(lr, dtype=dtype, device=device),
        betas=(
            torch.tensor(0.9, dtype=dtype, device=device),
            torch.tensor(0.999, dtype=dtype, device=device),
        ),
    )


def groups(n=3):
    return [
        {
            "params": [torch.nn.Parameter(torch.zeros(2))],
            "lr": torch.tensor(0.01 * (i + 1), dtype=torch.float64),
        }
        for i in range(n)
    ]


def values(opt, key="lr"):
    return [float(g[key]) for g in opt.param_groups]


@pytest.mark.parametrize(
    ("unit", "updates_per_epoch", "calls"),
    [
        ("update", None, "bare"),
        ("update", None, "step_update"),
        ("epoch", 7, "bare"),
        ("epoch", None, "step"),
    ],
)
def test_capturable_writes_what_the_eager_driver_writes(unit, updates_per_epoch, calls):
    made = []
    for capturable in (False, True):
        opt = torch.optim.SGD(groups(), lr=torch.tensor(0.01, dtype=torch.float64), momentum=0.9)
        opt.param_groups[1]["lr_scale"] = 0.5
        sched = Scheduler(opt, lr=LR, unit=unit, updates_per_epoch=updates_per_epoch, capturable=capturable)
        seen = [values(opt)]
        for n in range(1, 40):
            if calls == "bare":
                sched.step()
            elif calls == "step_update":
                sched.step_update(n)
            else:
                sched.step(n)
            seen.append(values(opt))
        made.append((seen, sched.t, sched.last_epoch, sched.get_last_lr()))
    (eager, *rest_eager), (captured, *rest_captured) = made
    # float64 tensors throughout: the capturable driver's float64 evaluation on a tensor.
    for a, b in zip(eager, captured, strict=True):
        assert b == pytest.approx(a, rel=1e-12, abs=0)
    assert rest_captured[0] == rest_eager[0] and rest_captured[1] == rest_eager[1]
    assert rest_captured[2] == pytest.approx(rest_eager[2], rel=1e-12)


def test_capturable_fills_the_tensors_the_groups_hold_lr_and_betas():
    p = [torch.nn.Parameter(torch.zeros(2))]
    opt = adam(p)
    lr, (beta1, beta2) = opt.param_groups[0]["lr"], opt.param_groups[0]["betas"]
    sched = Scheduler(opt, lr=LR, beta1=BETA1, unit="update", capturable=True)
    assert type(sched).__name__ == "CapturableScheduler" and sched.capturable
    for _ in range(25):
        sched.step()
    group = opt.param_groups[0]
    assert group["lr"] is lr and group["betas"][0] is beta1 and group["betas"][1] is beta2
    assert lr.item() == torch.tensor(LR(25, 0.01), dtype=torch.float32).item()
    assert beta1.item() == torch.tensor(BETA1(25, 0.9), dtype=torch.float32).item()
    assert sched.get_last_values("beta1") == [beta1.item()]


def test_new_base_lrs_reach_the_capturable_driver_s_tensors():
    p = [torch.nn.Parameter(torch.zeros(2))]
    eager_opt, opt = adam(p), adam(p)
    eager = Scheduler(eager_opt, lr=LR, unit="update")
    sched = Scheduler(opt, lr=LR, unit="update", capturable=True)
    for driver in (eager, sched):
        driver.base_lrs = [0.05]
        for _ in range(7):
            driver.step()
    lr = opt.param_groups[0]["lr"].item()
    assert lr == eager_opt.param_groups[0]["lr"].item()
    assert lr == torch.tensor(LR(7, 0.05), dtype=torch.float32).item()


def test_checkpoints_cross_between_capturable_and_eager_drivers():
    opt = torch.optim.SGD(groups(2), lr=torch.tensor(0.01, dtype=torch.float64))
    sched = Scheduler(opt, lr=LR, unit="update", capturable=True)
    for _ in range(30):
        sched.step()
    state = sched.state_dict()
    assert (state["ticks"], state["t"]) == (30, 30)
    eager_opt = torch.optim.SGD(groups(2), lr=torch.tensor(0.01, dtype=torch.float64))
    eager = Scheduler(eager_opt, lr=LR, unit="update")
    eager.load_state_dict(state)
    assert values(eager_opt) == pytest.approx(values(opt), rel=1e-12)
    back_opt = torch.optim.SGD(groups(2), lr=torch.tensor(0.01, dtype=torch.float64))
    back = Scheduler(back_opt, lr=LR, unit="update", capturable=True)
    back.load_state_dict(eager.state_dict())
    back.step()
    eager.step()
    assert back.t == eager.t == 31
    assert values(back_opt) == pytest.approx(values(eager_opt), rel=1e-12)


def test_capturable_needs_tensor_values_and_names_the_field():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(2))], lr=0.01, momentum=0.9)
    with pytest.raises(TypeError, match=r"param group 0 holds lr=0.01, a float.*lr=torch.tensor\(0.01\)"):
        Scheduler(opt, lr=LR, capturable=True)
    assert opt.param_groups[0]["lr"] == 0.01 and "initial_lr" not in opt.param_groups[0]  # untouched
    with pytest.raises(TypeError, match="capturable"):
        Scheduler(opt, lr=LR, capturable="yes")
    opt.param_groups[0]["lr"] = torch.tensor(0.01)
    sched = Scheduler(opt, lr=LR, capturable=True)
    opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": torch.tensor(0.1)})
    with pytest.raises(RuntimeError, match="add_param_group"):
        sched.step()


# -- compiled: the schedule inside the step's graph ------------------------------------------------


@pytest.fixture
def fresh_dynamo():
    torch._dynamo.reset()
    counters.clear()
    yield
    torch._dynamo.reset()


def compile_works() -> bool:
    try:
        torch.compile(lambda x: x * 2 + 1)(torch.ones(3))
    except Exception:  # any failure means "cannot compile here", whatever its type
        return False
    finally:
        torch._dynamo.reset()
    return True


def train(steps, capturable, compiled, schedule_inside=True):
    torch.manual_seed(0)
    model = torch.nn.Linear(8, 4)
    x, y = torch.randn(16, 8), torch.randn(16, 4)
    opt = torch.optim.AdamW(model.parameters(), lr=torch.tensor(0.01), weight_decay=0.1)
    sched = Scheduler(opt, lr=LR, unit="update", capturable=capturable)

    def update():
        opt.step()
        if schedule_inside:
            sched.step()

    step = torch.compile(update) if compiled else update
    seen = []
    for n in range(steps):
        opt.zero_grad()
        ((model(x) - y) ** 2).mean().backward()
        if n == 2 and compiled:
            # Compiled by now: from here any recompile is an error, not merely a count.
            torch.compiler.set_stance("fail_on_recompile")
        step()
        seen.append(float(opt.param_groups[0]["lr"]))
    torch.compiler.set_stance("default")
    return seen, counters["stats"]["unique_graphs"], sched


@pytest.mark.usefixtures("fresh_dynamo")
@pytest.mark.parametrize("backend", ["inductor", "aot_eager"])
def test_a_compiled_step_of_the_scheduler_alone_moves_the_clock(backend):
    # A graph whose only work is the driver's in-place updates: torch 2.13 on CPU drops the
    # update of a 0-d float64 tensor there, so a 0-d float64 clock stood still. (The same holds
    # for a user's 0-d float64 lr tensor on CPU, which is why these lrs are float32.)
    if backend == "inductor" and not compile_works():
        pytest.skip("torch.compile (inductor, CPU) does not work here")
    opt = torch.optim.SGD(groups(2), lr=0.01, momentum=0.9)
    for group in opt.param_groups:
        group["lr"] = torch.tensor(float(group["lr"]), dtype=torch.float32)
    sched = Scheduler(opt, lr=LR, unit="update", capturable=True)
    step = torch.compile(sched.step, backend=backend)
    for n in range(1, 8):
        step()
        assert sched.t == n
        assert [float(g["lr"]) for g in opt.param_groups] == pytest.approx(
            [LR(n, 0.01), LR(n, 0.02)], rel=1e-6
        )


@pytest.mark.usefixtures("fresh_dynamo")
def test_the_compiled_step_holds_the_schedule_and_never_recompiles():
    if not compile_works():
        pytest.skip("torch.compile (inductor, CPU) does not work here")
    counters.clear()
    steps = 300
    # torch's optimizer step breaks the graph around its own body on purpose (no_grad for AOT,
    # torch/optim/optimizer.py _use_grad), so code after opt.step() is a graph of its own:
    # opt.step() alone compiles to its graphs, opt.step(); sched.step() to those and one more.
    _, graphs_alone, _ = train(3, capturable=False, compiled=True, schedule_inside=False)
    torch._dynamo.reset()
    counters.clear()
    eager, _, _ = train(steps, capturable=False, compiled=False)
    counters.clear()
    seen, graphs, sched = train(steps, capturable=True, compiled=True)
    assert graphs == graphs_alone + 1
    assert sched.t == steps
    # The lr tensor is float32: the eager driver rounds a float64 value into it once, as here.
    assert seen == pytest.approx(eager, rel=2**-23, abs=0)


@pytest.mark.usefixtures("fresh_dynamo")
def test_the_capturable_step_traces_whole(fresh_dynamo):
    opt = torch.optim.SGD(groups(2), lr=torch.tensor(0.01, dtype=torch.float64), momentum=0.9)
    opt.param_groups[0]["lr_scale"] = 0.25
    for group in opt.param_groups:
        group["momentum"] = torch.tensor(float(group["momentum"]), dtype=torch.float64)
    sched = Scheduler(opt, lr=LR, momentum=lrkit.constant(0.5), unit="update", capturable=True)
    explained = torch._dynamo.explain(sched.step)()
    assert (explained.graph_count, explained.graph_break_count) == (1, 0)
    step = torch.compile(sched.step, fullgraph=True, backend="eager")
    for n in range(2, 40):
        step()
        assert [float(g["lr"]) for g in opt.param_groups] == pytest.approx(
            [LR(n, 0.01) * 0.25, LR(n, 0.02)], rel=1e-12
        )
    assert counters["stats"]["unique_graphs"] == 2  # explain's graph and the compiled one


def test_create_builds_a_capturable_named_driver_with_torch_s_api():
    def sgd():
        return torch.optim.SGD(groups(2), lr=torch.tensor(0.01, dtype=torch.float64), momentum=0.9)

    opt, ref_opt = sgd(), sgd()
    sched = lrkit.create("StepLR", opt, step_size=3, gamma=0.5, capturable=True)
    ref = lrkit.create("StepLR", ref_opt, step_size=3, gamma=0.5)
    assert type(sched).__name__ == "CapturableNamedScheduler" and sched.step_size == 3
    for epoch in (1, 2, 5):
        sched.step(epoch)
        ref.step(epoch)
    sched.step()
    ref.step()
    assert values(opt) == values(ref_opt) and sched.last_epoch == ref.last_epoch == 6
    assert sched.state_dict()["last_epoch"] == 6
    with pytest.raises(ValueError, match="give the optimizer"):
        lrkit.create("StepLR", step_size=3, capturable=True)
    with pytest.raises(ValueError, match="cannot be capturable"):
        lrkit.create("ReduceLROnPlateau", opt, capturable=True)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="a CUDA graph needs a CUDA device")
def test_a_cuda_graph_captures_the_scheduled_step_and_replays_the_eager_lrs():
    def make(capturable):
        torch.manual_seed(0)
        model = torch.nn.Linear(8, 4).cuda()
        for p in model.parameters():
            p.grad = torch.randn_like(p) * 1e-3
        opt = torch.optim.AdamW(
            model.parameters(), lr=torch.tensor(0.01, device="cuda"), capturable=True, foreach=True
        )
        return opt, Scheduler(opt, lr=LR, unit="update", capturable=capturable)

    from lrkit.torch.capture import cuda_graph

    opt, sched = make(True)

    def step():
        opt.step()
        sched.step()

    graph = cuda_graph(step, warmup=3)
    # Capturing ran nothing; each replay is one step. The eager driver gives the reference.
    ref_opt, ref = make(False)
    for _ in range(3):
        ref_opt.step()
        ref.step()
    for _ in range(50):
        graph.replay()
        ref_opt.step()
        ref.step()
        torch.cuda.synchronize()
        assert opt.param_groups[0]["lr"].item() == ref_opt.param_groups[0]["lr"].item()
    assert sched.t == ref.t == 53
