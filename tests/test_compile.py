"""lrkit.torch.Scheduler under torch.compile: PyTorch's "compiled optimizer with an LR scheduler" recipe.

The recipe: hold the lr (and betas) in tensors, compile ``opt.step()``, and step the scheduler
outside the compiled function. A compiled graph guards on every Python float it reads, so a float
lr that changes each step invalidates the graph; a tensor is a graph input whose contents may
change freely. The driver fills tensors in place, so the graph keeps reading the very tensor it
was compiled against.

What torch 2.13 (CPU, inductor) does, measured here and asserted exactly:

* tensor lr (Adam, AdamW, SGD) and tensor betas (Adam): one compile, no recompile in 300 steps
  with a value that changes every step. SGD with momentum recompiles once, at its 2nd step,
  because its momentum buffers appear in ``optimizer.state`` then; the lr has nothing to do with it.
* float lr, Adam (AdamW subclasses Adam and shares its step): one recompile at the 2nd step (guard
  ``lr == 0.0`` fails), after which automatic dynamic shapes turn the lr into a symbolic float and
  no further recompile happens.
* float lr, SGD, and a float beta1 on Adam: the float is specialized into the graph (SGD passes the
  lr as ``alpha=``), so every new value recompiles until ``recompile_limit``; then dynamo gives up
  on the frame and runs the optimizer step eagerly for the rest of training.
* tensor momentum, SGD: eager SGD accepts it, but ``if momentum != 0`` on a tensor is a
  data-dependent branch, so dynamo skips the SGD update and it runs eagerly: nothing compiled.

Counting: ``counters["frames"]["total"]`` counts every frame dynamo compiles (first compiles,
resume functions after graph breaks and recompiles); after the first call it must stay put. The
cache entries of the optimizer's ``step`` code are its compiled versions. ``fail_on_recompile``
turns any recompile into an error, so the tensor tests cannot pass by miscounting.
"""

from __future__ import annotations

import inspect

import pytest

torch = pytest.importorskip("torch")

from torch._dynamo.eval_frame import _debug_get_cache_entry_list  # noqa: E402
from torch._dynamo.utils import counters, guard_failures  # noqa: E402

import lrkit  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402

STEPS = 300
# Changes at every step: a linear ramp from 0, then a strictly decreasing cosine.
LR = lrkit.warmup(lrkit.cosine(t_initial=STEPS), warmup_t=20)
BETA1 = lrkit.linear(t_initial=STEPS, start_factor=1.0, end_factor=0.85 / 0.9)  # 0.9 -> ~0.85
MOMENTUM = lrkit.cosine(t_initial=STEPS, lr_min=0.5)  # 0.9 -> 0.5


@pytest.fixture(scope="module", autouse=True)
def inductor_compiles():
    # Inductor on CPU builds C++ kernels; without a working compiler there is nothing to test.
    torch._dynamo.reset()
    try:
        torch.compile(lambda x: x * 2 + 1)(torch.ones(3))
    except Exception as error:  # any failure means "cannot compile here", whatever its type
        pytest.skip(f"torch.compile (inductor, CPU) does not work here: {error!r}")
    finally:
        torch._dynamo.reset()


@pytest.fixture(autouse=True)
def fresh_dynamo():
    # Compiled code, counters and guard-failure records are process-global: each test starts clean.
    torch._dynamo.reset()
    counters.clear()
    guard_failures.clear()
    yield
    torch._dynamo.reset()


def as_float32(value: float) -> float:
    """``value`` as a float32 tensor holds it: what ``fill_`` leaves in a float32 lr tensor."""
    return torch.tensor(value, dtype=torch.float32).item()


class Run:
    """A tiny regression model, an optimizer from ``make_opt`` and a driver on ``fields``."""

    def __init__(self, make_opt, **fields):
        torch.manual_seed(0)
        self.model = torch.nn.Linear(8, 4)
        self.x = torch.randn(16, 8)
        self.y = torch.randn(16, 4)
        self.opt = make_opt(self.model.parameters())
        self.sched = Scheduler(self.opt, unit="update", **fields)

    def backward(self):
        self.opt.zero_grad()
        ((self.model(self.x) - self.y) ** 2).mean().backward()


def compiled_step(opt):
    # Exactly the recipe's shape: the compiled function only calls opt.step().
    @torch.compile(fullgraph=False)
    def opt_step():
        opt.step()

    return opt_step


def frames_compiled() -> int:
    return counters["frames"]["total"]


def step_cache_entries(opt) -> int:
    """How many compiled versions dynamo holds for ``type(opt).step`` (one per (re)compile)."""
    return len(_debug_get_cache_entry_list(inspect.unwrap(type(opt).step).__code__))


def reasons() -> list[str]:
    return [reason for failures in guard_failures.values() for reason in failures]


def eager_params(make_opt, steps, **fields):
    """The parameters after ``steps`` eager steps: what the compiled run must arrive at."""
    run = Run(make_opt, **fields)
    for _ in range(steps):
        run.backward()
        run.opt.step()
        run.sched.step()
    return [p.detach().clone() for p in run.model.parameters()]


def assert_same_params(run, expected):
    # Compiled kernels may fuse and reorder float32 arithmetic, so bit equality is not promised;
    # a graph that had baked in one lr value would be off by far more than this.
    for got, want in zip(run.model.parameters(), expected, strict=True):
        torch.testing.assert_close(got.detach(), want, rtol=1e-4, atol=1e-6)


# -- tensors: one compile ------------------------------------------------------------------------

TENSOR_LR = {
    "Adam": (lambda p: torch.optim.Adam(p, lr=torch.tensor(0.01)), 1, 1),
    "AdamW": (lambda p: torch.optim.AdamW(p, lr=torch.tensor(0.01), weight_decay=0.1), 1, 1),
    # SGD's momentum buffers appear in optimizer.state at its first step, and the compiled step
    # guards on that state: one recompile at the 2nd call, for a reason other than the lr.
    "SGD-momentum": (lambda p: torch.optim.SGD(p, lr=torch.tensor(0.01), momentum=0.9), 2, 2),
}


@pytest.mark.parametrize("name", list(TENSOR_LR))
def test_tensor_lr_changes_every_step_without_recompiling(name):
    make_opt, warmup_calls, versions = TENSOR_LR[name]
    run = Run(make_opt, lr=LR)
    group = run.opt.param_groups[0]
    lr = group["lr"]
    base = group["initial_lr"]
    opt_step = compiled_step(run.opt)

    for t in range(warmup_calls):
        run.backward()
        opt_step()
        run.sched.step()
        assert lr.item() == as_float32(LR(t + 1, base))
    compiled = frames_compiled()
    assert compiled > 0  # it did compile
    # From here on, any recompile is an error, not merely a count.
    with torch.compiler.set_stance("fail_on_recompile"):
        for t in range(warmup_calls, STEPS):
            run.backward()
            opt_step()
            run.sched.step()
            assert group["lr"] is lr  # the tensor the graph was compiled against, never replaced
            assert lr.item() == as_float32(LR(t + 1, base))

    assert frames_compiled() == compiled
    assert step_cache_entries(run.opt) == versions
    # Whatever recompiled did so on the optimizer state, never on the lr.
    assert all("'lr'" not in reason for reason in reasons())
    if versions > 1:
        assert any("self.state" in reason for reason in reasons())
    assert_same_params(run, eager_params(make_opt, STEPS, lr=LR))


def test_tensor_betas_are_scheduled_in_place_without_recompiling():
    # AdamW is a subclass of Adam sharing its step in torch 2.13, so Adam stands for both.
    def make_opt(p):
        return torch.optim.Adam(p, lr=torch.tensor(0.01), betas=(torch.tensor(0.9), torch.tensor(0.999)))

    run = Run(make_opt, lr=LR, beta1=BETA1)
    group = run.opt.param_groups[0]
    lr, betas = group["lr"], group["betas"]
    beta1, beta2 = betas
    lr_base, beta1_base = group["initial_lr"], group["initial_beta1"]
    opt_step = compiled_step(run.opt)

    run.backward()
    opt_step()
    run.sched.step()
    compiled = frames_compiled()
    with torch.compiler.set_stance("fail_on_recompile"):
        for t in range(1, STEPS):
            run.backward()
            opt_step()
            run.sched.step()
            # Same tuple, same tensors: filled in place, never rebuilt.
            assert group["betas"] is betas
            assert group["betas"][0] is beta1 and group["lr"] is lr
            assert beta1.item() == as_float32(BETA1(t + 1, beta1_base))
            assert lr.item() == as_float32(LR(t + 1, lr_base))
            assert beta2.item() == as_float32(0.999)  # not scheduled, untouched

    assert beta1.item() < 0.86  # it really moved, from 0.9 towards 0.85
    assert frames_compiled() == compiled
    assert step_cache_entries(run.opt) == 1
    assert reasons() == []
    assert_same_params(run, eager_params(make_opt, STEPS, lr=LR, beta1=BETA1))


# -- floats: why tensors matter ------------------------------------------------------------------


def test_float_lr_on_adam_recompiles_once_then_goes_dynamic():
    def make_opt(p):
        return torch.optim.Adam(p, lr=0.01)

    run = Run(make_opt, lr=LR)
    opt_step = compiled_step(run.opt)
    compiled_by_call = []
    for _ in range(STEPS):
        run.backward()
        opt_step()
        run.sched.step()
        compiled_by_call.append(frames_compiled())

    # The first graph specialised on lr == 0.0 (the warmup's start); the 2nd call's 0.0005 fails
    # that guard and automatic dynamic shapes recompile with the lr as a symbolic input. Then the
    # lr changes 298 more times without a recompile.
    first = compiled_by_call[0]
    assert compiled_by_call[1:] == [first + 1] * (STEPS - 1)
    assert step_cache_entries(run.opt) == 2
    assert len(reasons()) == 1
    assert "param_groups[0]['lr'] == 0.0 " in reasons()[0]
    # The values are still right: a recompile costs time, not correctness.
    assert_same_params(run, eager_params(make_opt, STEPS, lr=LR))


@pytest.mark.parametrize(
    "case",
    ["SGD-float-lr", "Adam-float-beta1"],
)
def test_float_that_specializes_recompiles_until_the_limit_then_runs_eagerly(case):
    if case == "SGD-float-lr":
        # SGD hands the lr to the update as alpha=-lr, which must be a Python number: specialized.
        def make_opt(p):
            return torch.optim.SGD(p, lr=0.01)

        fields = {"lr": LR}
        field = "'lr'"
    else:
        # A float beta1 is specialized too, even next to a tensor lr.
        def make_opt(p):
            return torch.optim.Adam(p, lr=torch.tensor(0.01), betas=(0.9, 0.999))

        fields = {"lr": LR, "beta1": BETA1}
        field = "'betas'][0]"
    limit = 4  # torch's default is 8; a smaller limit shows the same thing sooner
    steps = 30
    with torch._dynamo.config.patch(recompile_limit=limit):
        run = Run(make_opt, **fields)
        opt_step = compiled_step(run.opt)
        compiled_by_call = []
        for _ in range(steps):
            run.backward()
            opt_step()
            run.sched.step()
            compiled_by_call.append(frames_compiled())

    first = compiled_by_call[0]
    # One recompile per new value at calls 2..limit, then one last attempt that hits the limit
    # (counted as a frame, compiles nothing), then no attempt at all: the frame runs eagerly.
    assert compiled_by_call[:limit] == [first + i for i in range(limit)]
    assert compiled_by_call[limit:] == [first + limit] * (steps - limit)
    assert step_cache_entries(run.opt) == limit
    assert counters["stats"]["unique_graphs"] == limit
    assert any("recompile limit exceeded" in key for key in counters["unimplemented"])
    assert reasons() and all(field in reason for reason in reasons())
    assert_same_params(run, eager_params(make_opt, steps, **fields))


def test_tensor_momentum_on_sgd_is_not_compiled_at_all():
    # Eager SGD takes a tensor momentum, but `if momentum != 0:` on a tensor is a data-dependent
    # branch: dynamo skips the SGD update and runs it eagerly. Schedule SGD's momentum as a float
    # (recompiles) or use Adam's tensor betas.
    def make_opt(p):
        return torch.optim.SGD(p, lr=torch.tensor(0.01), momentum=torch.tensor(0.9))

    run = Run(make_opt, lr=LR, momentum=MOMENTUM)
    group = run.opt.param_groups[0]
    momentum = group["momentum"]
    base = group["initial_momentum"]
    opt_step = compiled_step(run.opt)
    steps = 20
    for t in range(steps):
        run.backward()
        opt_step()
        run.sched.step()
        assert group["momentum"] is momentum
        assert momentum.item() == as_float32(MOMENTUM(t + 1, base))

    assert counters["stats"]["unique_graphs"] == 0
    assert any("Data-dependent branching" in key for key in counters["graph_break"])
    assert_same_params(run, eager_params(make_opt, steps, lr=LR, momentum=MOMENTUM))
