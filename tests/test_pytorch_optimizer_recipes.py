"""lrkit's ``pytorch_optimizer:`` names against pytorch-optimizer's own lr schedulers, step for step.

For every registered name, configurations drawn from a seeded ``random.Random`` build the
library's scheduler on a two-group SGD (groups at different lrs) and ``lrkit.create(name, ...)``
with the same keywords; every group's lr after construction and after each ``step()`` (the lr
of update ``t``) is compared with ``schedule(t, base=group's lr)`` on Python floats, with the
NumPy curve ``lrkit.sample`` and with a float64 torch tensor of times, and with the driver
``lrkit.create(name, optimizer, ...)`` stepped beside it. Every built tree round-trips through
``to_dict`` and JSON.

Measured tolerances: the Python-float path (and so the driver) is bit-exact, relative 0, for
every name, and is held to it. NumPy and float64 torch arrays differ from the library by at
most 3.1e-16 relative (their vectorized ``cos`` and ``pow``: ``CosineAnnealingWarmupRestarts``
2.8e-16, ``CosineScheduler`` 3.1e-16, ``PolyScheduler`` 2.4e-16, the rest 0), held to
``RTOL = 1e-15``.
"""

from __future__ import annotations

import json
import math
import random
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("pytorch_optimizer")

from compare import max_rel_diff  # noqa: E402
from pytorch_optimizer.lr_scheduler import (  # noqa: E402
    CosineAnnealingWarmupRestarts,
    CosineScheduler,
    LinearScheduler,
    PolyScheduler,
    REXScheduler,
    get_chebyshev_schedule,
    get_wsd_schedule,
)

import lrkit  # noqa: E402
from lrkit.recipes import registry  # noqa: E402
from lrkit.recipes.pytorch_optimizer import CosineWarmupRestarts  # noqa: E402

RTOL = 1e-15
CONFIGS = 30
LRS = (0.05, 0.3)


def draw(name: str, rng: random.Random) -> tuple[dict[str, Any], int]:
    """Keywords for ``name`` and how many updates to compare."""
    if name == "CosineAnnealingWarmupRestarts":
        first = rng.randint(1, 40)
        kw = {
            "first_cycle_steps": first,
            "cycle_mult": rng.choice([1.0, 0.5, 0.8, 1.5, 2.0, 1.01, rng.uniform(0.1, 3.0)]),
            "max_lr": rng.uniform(0.01, 1.0),
            "min_lr": rng.choice([0.0, 1e-6, rng.uniform(0.0, 0.01)]),
            "warmup_steps": rng.randint(0, first - 1),
            "gamma": rng.choice([1.0, 0.9, rng.uniform(0.1, 1.0)]),
        }
        return kw, rng.randint(1, 8) * first + rng.randint(0, 50)
    if name == "REXScheduler":
        total = rng.randint(0, 80)
        kw = {"total_steps": total, "max_lr": rng.uniform(0.01, 1.0), "min_lr": rng.choice([0.0, 0.001])}
        return kw, total + rng.randint(1, 10)
    if name in ("LinearScheduler", "CosineScheduler", "PolyScheduler"):
        warm = rng.randint(0, 20)
        t_max = warm + rng.randint(1, 80)
        kw = {
            "t_max": t_max,
            "max_lr": rng.uniform(0.01, 1.0),
            "min_lr": rng.choice([0.0, rng.uniform(0.0, 0.01)]),
            "init_lr": rng.choice([0.0, rng.uniform(0.0, 0.01)]),
            "warmup_steps": warm,
        }
        if name == "PolyScheduler":
            kw["poly_order"] = rng.choice([0.5, 1.0, 2.0, rng.uniform(0.1, 3.0)])
        return kw, t_max + rng.randint(1, 20)
    if name == "get_chebyshev_schedule":
        epochs = rng.randint(1, 300)
        return {"num_epochs": epochs, "is_warmup": rng.random() < 0.1}, epochs + 10
    assert name == "get_wsd_schedule"
    w, s, d = (rng.choice([0, rng.randint(1, 30)]) for _ in range(3))
    kw = {
        "num_warmup_steps": w,
        "num_stable_steps": s,
        "num_decay_steps": d,
        "min_lr_ratio": rng.choice([0.0, rng.uniform(0.0, 0.5)]),
        "num_cycles": rng.choice([0.5, rng.uniform(0.1, 2.0)]),
        "cooldown_type": rng.choice(["cosine", "1-sqrt", "linear", "1-square"]),
    }
    return kw, w + s + d + 10


THEIRS = {
    "CosineAnnealingWarmupRestarts": CosineAnnealingWarmupRestarts,
    "REXScheduler": REXScheduler,
    "LinearScheduler": LinearScheduler,
    "CosineScheduler": CosineScheduler,
    "PolyScheduler": PolyScheduler,
    "get_chebyshev_schedule": get_chebyshev_schedule,
    "get_wsd_schedule": get_wsd_schedule,
}
NAMES = sorted(THEIRS)


def optimizer() -> torch.optim.Optimizer:
    return torch.optim.SGD(
        [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in LRS], lr=LRS[0]
    )


def their_lrs(name: str, kw: dict[str, Any], n: int) -> np.ndarray:
    """The lr of every group at updates ``0 .. n - 1``: after construction, then after each step()."""
    opt = optimizer()
    sched = THEIRS[name](opt, **kw)
    out = [[float(g["lr"]) for g in opt.param_groups]]
    for _ in range(n - 1):
        sched.step()
        out.append([float(g["lr"]) for g in opt.param_groups])
    return np.asarray(out)


def configs(name: str) -> list[tuple[dict[str, Any], int]]:
    rng = random.Random(f"pytorch_optimizer:{name}")
    return [draw(name, rng) for _ in range(CONFIGS)]


def test_every_name_is_registered() -> None:
    mine = {r.name for r in registry.recipes() if r.source == "pytorch_optimizer"}
    assert mine == set(NAMES)
    assert all(r.unit == "update" for r in registry.recipes() if r.source == "pytorch_optimizer")


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's "lr_scheduler.step() before optimizer.step()"
def test_the_line_past_t_max_holds_0_where_the_library_goes_negative() -> None:
    kw = {"t_max": 10, "max_lr": 0.1, "min_lr": 0.01, "warmup_steps": 2}
    theirs = their_lrs("LinearScheduler", kw, 40)[:, 0]
    s = lrkit.create("pytorch_optimizer:LinearScheduler", **kw)
    ours = [s(t) for t in range(40)]
    below = theirs < 0
    assert below.any() and not below[:12].any()
    assert [ours[t] for t in np.nonzero(below)[0]] == [0.0] * int(below.sum())
    assert max_rel_diff(theirs[~below], np.asarray(ours)[~below]) <= RTOL


@pytest.mark.filterwarnings("ignore::UserWarning")  # torch's "lr_scheduler.step() before optimizer.step()"
@pytest.mark.parametrize("name", NAMES)
def test_matches_the_library_every_step(name: str) -> None:
    worst = 0.0
    for index, (kw, n) in enumerate(configs(name)):
        # The library's line goes below 0 past t_max; lrkit holds 0 there (see the next test).
        theirs = np.maximum(their_lrs(name, kw, n), 0.0)
        s = lrkit.create(f"pytorch_optimizer:{name}", **kw)
        for g, base in enumerate(LRS):
            scalar = [s(t, base=base) for t in range(n)]
            worst = max(worst, max_rel_diff(theirs[:, g], scalar))
        curve = lrkit.sample(s, n, base=np.asarray(LRS))
        assert max_rel_diff(theirs, curve) <= RTOL, (index, kw)
        tensor = s(torch.arange(n, dtype=torch.float64)[:, None], base=torch.tensor(LRS, dtype=torch.float64))
        assert max_rel_diff(theirs, tensor.numpy()) <= RTOL, (index, kw)
        assert lrkit.from_dict(json.loads(json.dumps(s.to_dict()))) == s
        if index % 5 == 0:
            opt = optimizer()
            driver = lrkit.create(f"pytorch_optimizer:{name}", opt, **kw)
            seen = [[g["lr"] for g in opt.param_groups]]
            for _ in range(n - 1):
                opt.step()
                driver.step()
                seen.append([g["lr"] for g in opt.param_groups])
            assert max_rel_diff(theirs, seen) == 0.0, (index, kw)
    assert worst == 0.0


def test_exact_values() -> None:
    s = lrkit.create("pytorch_optimizer:REXScheduler", total_steps=4, max_lr=1.0)
    assert [s(t) for t in range(5)] == their_lrs("REXScheduler", {"total_steps": 4, "max_lr": 1.0}, 5)[
        :, 0
    ].tolist()
    kw = {"first_cycle_steps": 5, "warmup_steps": 0, "max_lr": 1.0, "min_lr": 0.0}
    s = lrkit.create("pytorch_optimizer:CosineAnnealingWarmupRestarts", **kw)
    # The constructor's min_lr, not the cosine's max_lr, at update 0.
    assert s(0) == 0.0 and s(5) == 0.9  # gamma 0.9 after the first cycle
    assert [s(t) for t in range(12)] == their_lrs("CosineAnnealingWarmupRestarts", kw, 12)[:, 0].tolist()


@pytest.mark.filterwarnings("ignore::UserWarning")
def test_long_cycle_tables() -> None:
    # Cycle lengths that settle (cycle_mult < 1) and grow (> 1), far out.
    for mult in (0.3, 0.999, 1.3):
        kw = {"first_cycle_steps": 50, "cycle_mult": mult, "warmup_steps": 3, "max_lr": 0.5, "min_lr": 0.01}
        n = 3000
        theirs = their_lrs("CosineAnnealingWarmupRestarts", kw, n)[:, 0]
        s = CosineWarmupRestarts(**kw)
        assert max_rel_diff(theirs, [s(t) for t in range(n)]) == 0.0
        assert max_rel_diff(theirs, lrkit.sample(s, n)) <= RTOL


@pytest.mark.parametrize(
    ("name", "kw", "argument"),
    [
        ("CosineAnnealingWarmupRestarts", {"first_cycle_steps": 5, "warmup_steps": 5}, "warmup_steps"),
        ("CosineAnnealingWarmupRestarts", {"first_cycle_steps": 0}, "first_cycle_steps"),
        ("REXScheduler", {"total_steps": -1}, "total_steps"),
        ("LinearScheduler", {"t_max": 5, "max_lr": -0.1}, "max_lr"),
        ("CosineScheduler", {"t_max": 5, "max_lr": 0.1, "warmup_steps": 5}, "t_max"),
        ("PolyScheduler", {"t_max": 5, "max_lr": 0.1, "poly_order": 0}, "poly_order"),
        ("get_chebyshev_schedule", {"num_epochs": 0}, "num_epochs"),
        (
            "get_wsd_schedule",
            {"num_warmup_steps": 1, "num_stable_steps": 1, "num_decay_steps": -1},
            "num_decay_steps",
        ),
        (
            "get_wsd_schedule",
            {"num_warmup_steps": 1, "num_stable_steps": 1, "num_decay_steps": 1, "cooldown_type": "exp"},
            "cooldown_type",
        ),
    ],
)
def test_errors_name_the_argument(name: str, kw: dict[str, Any], argument: str) -> None:
    with pytest.raises(ValueError, match=argument):
        lrkit.create(f"pytorch_optimizer:{name}", **kw)


def test_integer_types_accepted() -> None:
    a = lrkit.create("pytorch_optimizer:REXScheduler", total_steps=np.int64(10))
    b = lrkit.create("pytorch_optimizer:REXScheduler", total_steps=torch.tensor(10))
    assert a == b == lrkit.create("pytorch_optimizer:REXScheduler", total_steps=10)
    with pytest.raises(TypeError, match="total_steps"):
        lrkit.create("pytorch_optimizer:REXScheduler", total_steps=10.5)


def test_length() -> None:
    s = lrkit.create("pytorch_optimizer:get_chebyshev_schedule", num_epochs=20)
    assert s.length is not None and all(s(t) == s(s.length) for t in range(int(s.length), int(s.length) + 40))
    assert lrkit.create("pytorch_optimizer:REXScheduler", total_steps=7).length == 7
    assert math.isfinite(s(10**9))
