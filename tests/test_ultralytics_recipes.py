"""``"ultralytics:yolo"`` against a reproduction of the ultralytics trainer's loop, every iteration.

ultralytics cannot be installed here (it needs torchvision), so :func:`trainer_loop` reproduces
the lines of ``ultralytics/engine/trainer.py`` that set the lr and momentum, from the PyPI
releases' sources: ``_setup_scheduler`` (``LambdaLR`` over ``one_cycle(1, lrf, epochs)`` or the
linear ``lf``), ``scheduler.last_epoch = start_epoch - 1`` in ``_setup_train``, and in
``_do_train`` the warmup length ``nw``, the ``scheduler.step()`` per epoch and the warmup's
``np.interp`` of every group's lr (``warmup_bias_lr`` for the bias group) and momentum at each
iteration ``ni``. The rules of each era were read from the releases that bound it: 8.1.0 and
8.1.41 (``scheduler.step()`` at the epoch's end) / 8.1.42 (at its start); 8.4.2 (bias group
``j == 0``) / 8.4.3 (``x.get("param_group") == "bias"``); 8.4.102 (``nw = max(round(warmup_epochs
* nb), 100)``) / 8.4.103 (``_get_warmup_iterations``, ``if ni < nw``); 8.4.182 / 8.4.183 and
8.4.190 (``if nw and ni <= nw``). Only the torch scheduler and NumPy run, as ultralytics runs them.

Seeded configurations of every keyword, for releases of every era and at every boundary, are
compared for every group (bias and not, each at its own lr) at every iteration of the run,
with the schedule on Python floats and on NumPy, the momentum field too, and with the driver
``lrkit.create("ultralytics:yolo", optimizer, ...)``. Measured: Python floats bit-exact
(difference 0), held to it; NumPy also 0 on these configurations (its vectorized ``cos`` may
differ by an ulp), and the driver, which evaluates a schedule shared by groups as
``a(t) * base + b(t)``, differs in the last bit; both held to ``RTOL = 1e-15``. Every tree
round-trips through ``to_dict`` and JSON.
"""

from __future__ import annotations

import json
import math
import random
import warnings
from typing import Any

import numpy as np
import pytest

torch = pytest.importorskip("torch")

import lrkit  # noqa: E402
from lrkit.recipes import registry  # noqa: E402
from lrkit.recipes.ultralytics import NEWEST, HeldWarmup, warmup_iterations, yolo, yolo_momentum  # noqa: E402

RTOL = 1e-15
CONFIGS = 12
VERSIONS = [
    "8.0.200", "8.1.0", "8.1.41", "8.1.42", "8.3.253", "8.4.2", "8.4.3",
    "8.4.102", "8.4.103", "8.4.150", "8.4.182", "8.4.183", NEWEST,
]  # fmt: skip
GROUP_LRS = (0.01, 0.02, 0.005)


def _v(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def trainer_loop(version: str, kw: dict[str, Any]) -> tuple[list[bool], np.ndarray, np.ndarray]:
    """Which groups are the bias group, and every group's lr and momentum at each iteration ``ni``.

    The values the optimizer holds when the batch of iteration ``ni`` is forwarded, as the
    trainer of ``version`` sets them (see the module docstring for the releases read).
    """
    v = _v(version)
    epochs, nb, lrf = kw["epochs"], kw["nb"], kw["lrf"]
    # build_optimizer: biases first (SGD(g[2]), then add_param_group) before 8.4.3; since,
    # [weight, bn, bias] tagged with param_group.
    tagged = v >= (8, 4, 3)
    names = ["weight", "bn", "bias"] if tagged else ["bias", "weight", "bn"]
    groups = [
        {"params": [torch.zeros(1, requires_grad=True)], "lr": lr, "param_group": name}
        for lr, name in zip(GROUP_LRS, names, strict=True)
    ]
    opt = torch.optim.SGD(groups, lr=GROUP_LRS[0], momentum=kw["momentum"], nesterov=True)
    if kw["cos_lr"]:
        steps = epochs

        def lf(x: float) -> float:  # torch_utils.one_cycle(1, lrf, epochs)
            return max((1 - math.cos(x * math.pi / steps)) / 2, 0) * (lrf - 1) + 1
    else:

        def lf(x: float) -> float:
            return max(1 - x / epochs, 0) * (1.0 - lrf) + lrf

    scheduler = torch.optim.lr_scheduler.LambdaLR(opt, lr_lambda=lf)
    scheduler.last_epoch = -1  # start_epoch - 1
    warmup_epochs = kw["warmup_epochs"]
    if v >= (8, 4, 103):
        w = min(warmup_epochs, max(epochs - 1, 0))
        nw = round(w * nb) if w > 0 else 0
    else:
        nw = max(round(warmup_epochs * nb), 100) if warmup_epochs > 0 else -1
    step_at_start = v >= (8, 1, 42)
    lrs, momenta = [], []
    for epoch in range(epochs):
        if step_at_start:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # as the trainer: "step() before optimizer.step()"
                scheduler.step()
        for i in range(nb):
            ni = i + nb * epoch
            if (8, 4, 103) <= v < (8, 4, 183):
                warm = ni < nw
            elif v >= (8, 4, 183):
                warm = bool(nw) and ni <= nw
            else:
                warm = ni <= nw
            if warm:
                xi = [0, nw]
                for j, x in enumerate(opt.param_groups):
                    is_bias = x.get("param_group") == "bias" if tagged else j == 0
                    start = kw["warmup_bias_lr"] if is_bias else 0.0
                    x["lr"] = float(np.interp(ni, xi, [start, x["initial_lr"] * lf(epoch)]))
                    if "momentum" in x:
                        x["momentum"] = float(np.interp(ni, xi, [kw["warmup_momentum"], kw["momentum"]]))
            lrs.append([float(g["lr"]) for g in opt.param_groups])
            momenta.append([float(g["momentum"]) for g in opt.param_groups])
        if not step_at_start:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                scheduler.step()
    return [name == "bias" for name in names], np.asarray(lrs), np.asarray(momenta)


def draw(rng: random.Random) -> dict[str, Any]:
    return {
        "epochs": rng.choice([1, 2, rng.randint(1, 12), rng.randint(10, 40)]),
        "nb": rng.choice([1, 7, rng.randint(1, 60), rng.randint(60, 200)]),
        "lrf": rng.choice([0.01, 0.1, rng.uniform(0.0, 1.0)]),
        "cos_lr": rng.random() < 0.5,
        "warmup_epochs": rng.choice([0.0, 0.5, 1.0, 3.0, rng.uniform(0.0, 6.0)]),
        "warmup_bias_lr": rng.choice([0.1, 0.0, rng.uniform(0.0, 0.2)]),
        "warmup_momentum": rng.choice([0.8, rng.uniform(0.5, 0.95)]),
        "momentum": rng.choice([0.937, rng.uniform(0.8, 0.99)]),
    }


def rel(theirs: Any, mine: Any) -> float:
    theirs, mine = np.asarray(theirs, dtype=np.float64), np.asarray(mine, dtype=np.float64)
    diff = np.abs(theirs - mine)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(diff == 0, 0.0, diff / np.maximum(np.abs(theirs), np.abs(mine)))
    return float(r.max(initial=0.0))


def test_registered() -> None:
    recipe = next(r for r in registry.recipes() if r.qualified == "ultralytics:yolo")
    assert recipe.unit == "update" and recipe.fields is not None


@pytest.mark.parametrize("version", VERSIONS)
def test_matches_the_trainer_every_iteration(version: str) -> None:
    rng = random.Random(f"ultralytics:{version}")
    for index in range(CONFIGS):
        kw = draw(rng)
        bias, lrs, momenta = trainer_loop(version, kw)
        n = len(lrs)
        m = yolo_momentum(**kw, version=version)
        assert [m(t) for t in range(n)] == momenta[:, 0].tolist(), (index, kw)
        assert lrkit.from_dict(json.loads(json.dumps(m.to_dict()))) == m
        for g, base in enumerate(GROUP_LRS):
            s = yolo(**kw, bias=bias[g], version=version)
            assert [s(t, base=base) for t in range(n)] == lrs[:, g].tolist(), (index, kw, g)
            assert rel(lrs[:, g], lrkit.sample(s, n, base=base)) <= RTOL, (index, kw, g)
            assert lrkit.from_dict(json.loads(json.dumps(s.to_dict()))) == s


def test_driver_for_groups_without_a_bias_ramp() -> None:
    kw = {"epochs": 6, "nb": 40, "lrf": 0.05, "cos_lr": True, "warmup_epochs": 2.0, "warmup_bias_lr": 0.0}
    kw |= {"warmup_momentum": 0.85, "momentum": 0.9}
    _, lrs, momenta = trainer_loop(NEWEST, kw)
    groups = [{"params": [torch.zeros(1, requires_grad=True)], "lr": lr} for lr in GROUP_LRS]
    opt = torch.optim.SGD(groups, lr=GROUP_LRS[0], momentum=0.9)
    driver = lrkit.create("ultralytics:yolo", opt, **kw)
    for t in range(len(lrs)):
        if t:
            opt.step()
            driver.step()
        # The driver shares one affine evaluation among the groups: equal up to the last bits.
        assert rel(lrs[t], [g["lr"] for g in opt.param_groups]) <= RTOL
        assert [g["momentum"] for g in opt.param_groups] == momenta[t].tolist()


def test_strict_warmup_leaves_momentum_below_target() -> None:
    # 8.4.103 to 8.4.182: `ni < nw` last writes at nw - 1.
    kw = {"epochs": 10, "nb": 30, "warmup_epochs": 1.5}
    m = yolo_momentum(**kw, version="8.4.150")
    assert m(10**6) < 0.937 == yolo_momentum(**kw)(10**6)
    s = yolo(**kw, version="8.4.150")
    assert isinstance(s, HeldWarmup) and s.hold_t == 60
    # The lr too, below its target to the end of the epoch in which the warmup ends.
    newest = yolo(**kw)
    assert s(44, base=1.0) == s(59, base=1.0) < newest(59, base=1.0)
    assert s(60, base=1.0) == newest(60, base=1.0)


def test_warmup_iterations() -> None:
    assert warmup_iterations(epochs=3, nb=50, warmup_epochs=5.0) == 100  # capped at epochs - 1
    assert warmup_iterations(epochs=1, nb=50) == 0
    assert warmup_iterations(epochs=100, nb=5, version="8.2.0") == 100  # the old minimum
    assert warmup_iterations(epochs=100, nb=5, warmup_epochs=0, version="8.2.0") == 0


@pytest.mark.parametrize(
    ("kw", "argument", "error"),
    [
        ({"epochs": 0, "nb": 5}, "epochs", ValueError),
        ({"epochs": 5, "nb": 0}, "nb", ValueError),
        ({"epochs": 5, "nb": 5, "version": "7.0.0"}, "version", ValueError),
        ({"epochs": 5, "nb": 5, "version": 8.4}, "version", TypeError),
        ({"epochs": 5, "nb": 5, "warmup_epochs": -1}, "warmup_epochs", ValueError),
        ({"epochs": 5, "nb": 5, "bias": 1}, "bias", TypeError),
        ({"epochs": 5, "nb": 5, "lrf": -0.1}, "lrf", ValueError),
    ],
)
def test_errors_name_the_argument(kw: dict[str, Any], argument: str, error: type) -> None:
    with pytest.raises(error, match=argument):
        lrkit.create("ultralytics:yolo", **kw)
