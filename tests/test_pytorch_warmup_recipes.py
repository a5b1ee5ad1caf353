"""lrkit's ``pytorch_warmup:`` names against pytorch-warmup's own warmups, step for step.

Configurations drawn from a seeded ``random.Random`` build each pytorch-warmup class on a
two-group Adam (groups at different lrs and, for the names that read it, different
``betas[1]``) and the lrkit schedule of each group from the same keywords (``beta2`` given
explicitly); the lr of every group after construction and after each ``with
warmup.dampening(): ...`` is compared with ``schedule(t, base=group's lr)`` on Python floats,
with ``lrkit.sample`` (NumPy) and with a float64 torch tensor of times. With a torch scheduler
underneath, pytorch-warmup's lr must be the real scheduler's undampened lr times lrkit's factor,
bit for bit, and :func:`lrkit.recipes.pytorch_warmup.dampen` over lrkit's ``torch:`` recipe of
that scheduler must agree with it within that recipe's own tolerance against torch's recursions
(``TORCH_RTOL = 1e-12``, as tests/test_torch_equivalence.py holds it; measured here 3e-16).
Every tree round-trips through ``to_dict`` and JSON.

Measured tolerances: Python floats are bit-exact (difference 0) for every name, alone and over
torch schedulers, and held to it. NumPy and torch arrays use vectorized ``exp``, ``pow`` and
``sqrt``, an ulp away from ``math``'s; ``1 - exp(-(t + 1) / period)`` cancels near 0, so the
difference is measured on the factor, absolutely (``|theirs - mine| / base``): 0 for the linear
warmups, at most 2.2e-16 for the exponential ones, held to ``TOL = 1e-15``. ``RAdamWarmup``'s
``1 - beta2 ** t`` cancels too, more for ``beta2`` near 1 (0.9999: 3.0e-13 on NumPy, 1.5e-14 on
torch), held to ``RADAM_TOL = 1e-12``.
"""

from __future__ import annotations

import json
import random
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytorch_warmup = pytest.importorskip("pytorch_warmup")

from compare import max_rel_diff  # noqa: E402

import lrkit  # noqa: E402
from lrkit.recipes import registry  # noqa: E402
from lrkit.recipes.pytorch_warmup import Dampened, LinearFactor, dampen  # noqa: E402

TOL = 1e-15
RADAM_TOL = 1e-12
TORCH_RTOL = 1e-12
CONFIGS = 25
LRS = (0.001, 0.02)
NAMES = [
    "ExponentialWarmup",
    "LinearWarmup",
    "RAdamWarmup",
    "UntunedExponentialWarmup",
    "UntunedLinearWarmup",
]
READS_BETA2 = {"RAdamWarmup", "UntunedExponentialWarmup", "UntunedLinearWarmup"}


def optimizer(betas2: tuple[float, float] = (0.999, 0.999)) -> torch.optim.Optimizer:
    groups = [
        {"params": [torch.zeros(1, requires_grad=True)], "lr": lr, "betas": (0.9, b2)}
        for lr, b2 in zip(LRS, betas2, strict=True)
    ]
    return torch.optim.Adam(groups, lr=LRS[0])


def err(theirs: Any, mine: Any, base: float) -> float:
    """The largest difference, in units of the group's lr ``base`` (so: of the factor)."""
    theirs, mine = np.asarray(theirs, dtype=np.float64), np.asarray(mine, dtype=np.float64)
    return float(np.abs(theirs - mine).max(initial=0.0)) / base


def draw(name: str, rng: random.Random) -> tuple[Any, tuple[float, float]]:
    """The warmup keyword (a period, or each group's beta2) and the groups' beta2."""
    if name in READS_BETA2:
        low = 0.6 if name == "RAdamWarmup" else 0.0
        pick = [0.999, 0.99, 0.98, 0.95, 0.9999]
        betas = tuple(rng.choice([*pick, rng.uniform(low + 0.01, 0.9999)]) for _ in range(2))
        return betas, betas  # type: ignore[return-value]
    period = rng.choice([1, 2, rng.randint(1, 50), rng.randint(50, 3000)])
    return period, (0.999, 0.999)


def theirs_alone(
    name: str, arg: Any, betas: tuple[float, float], n: int, scheduler: Any = None
) -> np.ndarray:
    return theirs_both(name, arg, betas, n, scheduler)[0]


def theirs_both(
    name: str, arg: Any, betas: tuple[float, float], n: int, scheduler: Any = None
) -> tuple[np.ndarray, np.ndarray]:
    """Every group's dampened lr at updates ``0 .. n - 1``, and the undampened lr the scheduler wrote."""
    opt = optimizer(betas)
    under = scheduler(opt) if scheduler is not None else None
    cls = getattr(pytorch_warmup, name)
    warm = cls(opt) if name in READS_BETA2 else cls(opt, warmup_period=arg)
    out, undampened = [[g["lr"] for g in opt.param_groups]], [list(warm.lrs)]
    for _ in range(n - 1):
        opt.step()
        with warm.dampening():
            if under is not None:
                under.step()
        out.append([g["lr"] for g in opt.param_groups])
        undampened.append(list(warm.lrs))
    return np.asarray(out, dtype=np.float64), np.asarray(undampened, dtype=np.float64)


def mine(name: str, arg: Any, group: int) -> lrkit.Schedule:
    if name in READS_BETA2:
        return lrkit.create(f"pytorch_warmup:{name}", beta2=arg[group])
    return lrkit.create(f"pytorch_warmup:{name}", warmup_period=arg)


def test_every_name_is_registered() -> None:
    assert {r.name for r in registry.recipes() if r.source == "pytorch_warmup"} == set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_alone_matches_every_step(name: str) -> None:
    rng = random.Random(f"pytorch_warmup:{name}")
    tol = RADAM_TOL if name == "RAdamWarmup" else TOL
    for index in range(CONFIGS):
        arg, betas = draw(name, rng)
        n = rng.randint(2, 400) if index % 3 else rng.randint(1000, 3000)
        theirs = theirs_alone(name, arg, betas, n)
        for g, base in enumerate(LRS):
            s = mine(name, arg, g)
            assert err(theirs[:, g], [s(t, base=base) for t in range(n)], base) == 0.0, (index, arg, g)
            assert err(theirs[:, g], lrkit.sample(s, n, base=base), base) <= tol, (index, arg, g)
            tensor = s(torch.arange(n, dtype=torch.float64), base=base).numpy()
            assert err(theirs[:, g], tensor, base) <= tol, (index, arg, g)
            assert lrkit.from_dict(json.loads(json.dumps(s.to_dict()))) == s


# A torch scheduler underneath: how pytorch-warmup builds it, how lrkit's torch recipe names it.
UNDER = [
    ("StepLR", {"step_size": 7, "gamma": 0.5}),
    ("ExponentialLR", {"gamma": 0.97}),
    ("CosineAnnealingLR", {"T_max": 60, "eta_min": 1e-5}),
    ("LinearLR", {"start_factor": 0.5, "total_iters": 30}),
    ("MultiStepLR", {"milestones": [10, 25], "gamma": 0.3}),
]


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize(("under", "kw"), UNDER)
@pytest.mark.parametrize("name", NAMES)
def test_over_a_torch_scheduler(name: str, under: str, kw: dict[str, Any]) -> None:
    rng = random.Random(f"pytorch_warmup:{name}:{under}")
    for _ in range(3):
        arg, betas = draw(name, rng)
        n = 120
        cls = getattr(torch.optim.lr_scheduler, under)
        theirs, undampened = theirs_both(name, arg, betas, n, scheduler=lambda opt, cls=cls: cls(opt, **kw))
        for g, base in enumerate(LRS):
            factor = mine(name, arg, g)
            assert theirs[:, g].tolist() == [lr * factor(t) for t, lr in enumerate(undampened[:, g])]
            s = dampen(lrkit.create(f"torch:{under}", **kw), factor)
            assert isinstance(s, Dampened)
            assert max_rel_diff(theirs[:, g], [s(t, base=base) for t in range(n)]) <= TORCH_RTOL, (arg, g)
            # On arrays, the factor's own difference (see RADAM_TOL), in units of the undampened lr.
            curve = lrkit.sample(s, n, base=base)
            factor_err = float(np.max(np.abs(theirs[:, g] - curve) / undampened[:, g]))
            assert factor_err <= (RADAM_TOL if name == "RAdamWarmup" else TORCH_RTOL)
            assert lrkit.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_exact_values() -> None:
    assert lrkit.create("pytorch_warmup:UntunedLinearWarmup", beta2=0.999) == LinearFactor(warmup_period=1999)
    s = lrkit.create("pytorch_warmup:LinearWarmup", warmup_period=3)
    theirs = theirs_alone("LinearWarmup", 3, (0.999, 0.999), 4)[:, 0].tolist()
    assert [s(t, base=LRS[0]) for t in range(4)] == theirs
    assert s.length == 2


@pytest.mark.parametrize(
    ("name", "kw", "argument", "error"),
    [
        ("LinearWarmup", {"warmup_period": 0}, "warmup_period", ValueError),
        ("LinearWarmup", {"warmup_period": [5, 10]}, "warmup_period", TypeError),
        ("ExponentialWarmup", {"warmup_period": 2.5}, "warmup_period", TypeError),
        ("UntunedLinearWarmup", {"beta2": 1.0}, "beta2", ValueError),
        ("RAdamWarmup", {"beta2": 0.6}, "beta2", ValueError),
        ("RAdamWarmup", {}, "beta2", ValueError),
    ],
)
def test_errors_name_the_argument(name: str, kw: dict[str, Any], argument: str, error: type) -> None:
    with pytest.raises(error, match=argument):
        lrkit.create(f"pytorch_warmup:{name}", **kw)


def test_dampened_checks_its_children() -> None:
    with pytest.raises(TypeError, match="warmup"):
        Dampened(lrkit.constant(), 0.5)  # type: ignore[arg-type]
