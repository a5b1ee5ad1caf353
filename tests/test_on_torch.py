"""Schedules on torch tensors: the core's array path on torch.

The torch halves of tests/test_schedule.py, tests/test_shapes.py and tests/test_validate.py, so
that those run without torch installed; this module is skipped where torch is missing.
"""

import pytest

torch = pytest.importorskip("torch")

import math  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
from test_schedule import BAD_TIMES, rel_diff  # noqa: E402
from test_validate import check_accepts_integer, check_rejects  # noqa: E402

import lrkit  # noqa: E402
from conftest import TIMES  # noqa: E402
from lrkit import checks as v  # noqa: E402

# -- test_schedule: the same values on torch tensors --------------------------------------------


def test_same_values_on_torch_tensors(any_schedule):
    s = any_schedule
    on_floats = [s(float(t), base=0.3) for t in TIMES]
    torch_float = s(torch.tensor(TIMES, dtype=torch.float64), base=0.3)
    assert isinstance(torch_float, torch.Tensor) and torch_float.dtype == torch.float64
    assert rel_diff(torch_float.numpy(), on_floats) <= 1e-12


def test_float32_stays_float32_on_torch(any_schedule):
    t = np.array([0.0, 1.5, 4.0], dtype=np.float32)
    assert any_schedule(torch.from_numpy(t)).dtype == torch.float32


def test_torch_int_tensor_gives_default_float_dtype(any_schedule):
    t = torch.arange(6)
    assert any_schedule(t).dtype == torch.get_default_dtype()
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        result = any_schedule(t)
    finally:
        torch.set_default_dtype(previous)
    assert result.dtype == torch.float64
    assert rel_diff(result.numpy(), [any_schedule(float(x)) for x in range(6)]) <= 1e-12


def test_result_on_the_input_device(any_schedule):
    t = torch.linspace(0, 50, 11, dtype=torch.float64, device="cpu")
    result = any_schedule(t, base=torch.tensor([0.1, 0.2], dtype=torch.float64)[:, None])
    assert result.device == t.device
    assert result.shape == (2, 11)


def test_zero_dimensional_torch_tensors(any_schedule):
    expected = any_schedule(3.5, base=0.3)
    on_torch = any_schedule(torch.tensor(3.5, dtype=torch.float64), base=0.3)
    assert isinstance(on_torch, torch.Tensor) and on_torch.shape == ()
    assert float(on_torch) == pytest.approx(expected, rel=1e-12)


BASES = {
    "list": [0.1, 0.5, 2.0],
    "tuple": (0.1, 0.5, 2.0),
    "numpy": np.array([0.1, 0.5, 2.0]),
    "torch": torch.tensor([0.1, 0.5, 2.0], dtype=torch.float64),
}
# Every (times, base) pair with torch in it; NumPy times with the other bases are in test_schedule.
TORCH_PAIRS = [("numpy", "torch")] + [("torch", base) for base in BASES]


@pytest.mark.parametrize(("kind", "base"), TORCH_PAIRS, ids=[f"{k}-{b}" for k, b in TORCH_PAIRS])
def test_base_broadcasts_against_a_column_of_torch_times(any_schedule, kind, base):
    times = np.array(TIMES, dtype=np.float64)[:, None]
    t = torch.from_numpy(times) if kind == "torch" else times
    result = any_schedule(t, base=BASES[base])
    assert isinstance(result, torch.Tensor if kind == "torch" else np.ndarray)
    assert tuple(result.shape) == (len(TIMES), 3)
    result = np.asarray(result)
    for column, b in enumerate([0.1, 0.5, 2.0]):
        assert rel_diff(result[:, column], [any_schedule(float(x), base=b) for x in TIMES]) <= 1e-12


def test_scalar_time_with_torch_base():
    s = lrkit.cosine(t_initial=10)
    on_torch = s(5, base=torch.tensor([0.1, 0.2], dtype=torch.float64))
    assert isinstance(on_torch, torch.Tensor) and on_torch.tolist() == pytest.approx([0.05, 0.1], rel=1e-12)


@pytest.mark.parametrize("t", BAD_TIMES)
def test_bad_torch_time_raises(any_schedule, t):
    with pytest.raises(ValueError, match="t must be"):
        any_schedule(torch.tensor([[0.0], [t]], dtype=torch.float64))


def test_negative_integer_torch_tensor_raises():
    with pytest.raises(ValueError):
        lrkit.cosine(t_initial=10)(torch.tensor([3, -1]))


def test_bool_torch_tensor_raises_type_error(any_schedule):
    with pytest.raises(TypeError, match="t must be"):
        any_schedule(torch.tensor([True]))


# -- test_shapes: against torch's own schedulers --------------------------------------------------


def _torch_lrs(make_scheduler, n, lr=0.1):
    """The lr of a real SGD optimizer's group at steps 0 .. n - 1 under a torch scheduler."""
    param = torch.nn.Parameter(torch.zeros(1))
    optimizer = torch.optim.SGD([param], lr=lr)
    scheduler = make_scheduler(optimizer)
    lrs = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch's warnings about scheduler/optimizer call order
        for _ in range(n):
            lrs.append(optimizer.param_groups[0]["lr"])
            optimizer.step()
            scheduler.step()
    return np.array(lrs)


def _rel_diff(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(b), 1e-300)))


@pytest.mark.parametrize(
    ("total", "kwargs"),
    [
        (100, {}),
        (37, {"pct_start": 0.25, "anneal_strategy": "linear", "div_factor": 10.0, "final_div_factor": 100.0}),
        (50, {"pct_start": 0.4, "three_phase": True}),
        (61, {"pct_start": 0.3, "three_phase": True, "anneal_strategy": "linear", "div_factor": 5.0}),
    ],
)
def test_one_cycle_matches_torch(total, kwargs):
    lrs = _torch_lrs(
        lambda opt: torch.optim.lr_scheduler.OneCycleLR(
            opt, max_lr=0.3, total_steps=total, cycle_momentum=False, **kwargs
        ),
        total,
    )
    s = lrkit.one_cycle(
        total_t=total,
        pct_start=kwargs.get("pct_start", 0.3),
        anneal=kwargs.get("anneal_strategy", "cos"),
        div_factor=kwargs.get("div_factor", 25.0),
        final_div_factor=kwargs.get("final_div_factor", 1e4),
        three_phase=kwargs.get("three_phase", False),
    )
    ours = [s(t, base=0.3) for t in range(total)]
    assert _rel_diff(ours, lrs) <= 1e-12


# torch's StepLR, MultiStepLR, ExponentialLR and LinearLR update the lr recursively (each step
# multiplies the previous lr), so their rounding error grows with the step count while lrkit
# evaluates the closed form: 1e-9 leaves room for that drift, and still catches a wrong formula.
TORCH_TOLERANCE = 1e-9
N_STEPS = 60


@pytest.mark.parametrize(
    ("make", "schedule"),
    [
        (
            lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5),
            lrkit.step(decay_t=7, decay_rate=0.5),
        ),
        (
            lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=1, gamma=0.93),
            lrkit.step(decay_t=1, decay_rate=0.93),
        ),
        (
            lambda o: torch.optim.lr_scheduler.MultiStepLR(o, milestones=[3, 10, 10, 25, 59], gamma=0.3),
            lrkit.multistep(milestones=[3, 10, 10, 25, 59], decay_rate=0.3),
        ),
        (
            lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.95),
            lrkit.exponential(gamma=0.95),
        ),
        (
            lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=1.0, total_iters=17),
            lrkit.linear(t_initial=17, start_factor=0.1, end_factor=1.0),
        ),
        (
            lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1.0, end_factor=0.05, total_iters=40),
            lrkit.linear(t_initial=40, start_factor=1.0, end_factor=0.05),
        ),
    ],
    ids=["step", "step_every", "multistep", "exponential", "linear_up", "linear_down"],
)
def test_matches_torch_schedulers(make, schedule):
    lrs = _torch_lrs(make, N_STEPS, lr=0.1)
    ours = schedule(np.arange(N_STEPS), base=0.1)
    assert _rel_diff(ours, lrs) <= TORCH_TOLERANCE


@pytest.mark.parametrize("mode", ["triangular", "triangular2", "exp_range"])
@pytest.mark.parametrize(("up", "down"), [(5, None), (3, 8), (6, 2)])
def test_cyclic_matches_torch(mode, up, down):
    lrs = _torch_lrs(
        lambda o: torch.optim.lr_scheduler.CyclicLR(
            o,
            base_lr=0.01,
            max_lr=0.2,
            step_size_up=up,
            step_size_down=down,
            mode=mode,
            gamma=0.97,
            cycle_momentum=False,
        ),
        N_STEPS,
    )
    s = lrkit.cyclic(max_lr=0.2, step_size_up=up, step_size_down=down, mode=mode, gamma=0.97)
    assert _rel_diff(s(np.arange(N_STEPS), base=0.01), lrs) <= TORCH_TOLERANCE


# -- test_validate: torch numbers as arguments ----------------------------------------------------

# Same layout as test_validate.CASES: (id, build, exception, fragments the message must hold).
TORCH_CASES = [
    ("torch_nan", lambda: lrkit.cosine(t_initial=torch.tensor(math.nan)), ValueError, ["t_initial", "nan"]),
]


@pytest.mark.parametrize(
    ("build", "error", "fragments"), [c[1:] for c in TORCH_CASES], ids=[c[0] for c in TORCH_CASES]
)
def test_rejects_bad_torch_input(build, error, fragments):
    check_rejects(build, error, fragments)


@pytest.mark.parametrize(
    "integer", [torch.tensor(5), torch.tensor(5, dtype=torch.int16)], ids=["torch", "torch.int16"]
)
def test_accepts_torch_integers(integer):
    check_accepts_integer(integer)


def test_accepts_torch_floats():
    s = lrkit.cosine(t_initial=np.float32(2.5), lr_min=torch.tensor(0.25, dtype=torch.float64))
    assert type(s.t_initial) is float and s.t_initial == 2.5
    assert type(s.lr_min) is float and s.lr_min == 0.25


def test_real_or_int_keeps_torch_ints():
    assert type(v.real_or_int("x", torch.tensor(3))) is int
