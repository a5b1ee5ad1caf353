"""torch's ``lr_scheduler`` classes against their lrkit expressions, stepped side by side.

For every class, seeded random configurations (1 or 3 param groups with different lrs, SGD with
momentum or Adam) build torch's scheduler on one optimizer and the lrkit expression on an
identical one: the builder registered under the class's name, called with the very keyword
arguments torch got (one call per group where torch takes a per-group list), driven by
``lrkit.torch.Scheduler(..., unit="update")`` together with ``one_cycle_momentum`` /
``cyclic_momentum`` where torch cycles momentum. After construction and after every step
(``optimizer.step()`` first, so torch warns of nothing: warnings are errors here) every group's
lr, and its momentum or beta1 where cycled, must agree within ``REL_TOL``.

Drift. torch updates ``StepLR``, ``MultiStepLR``, ``ConstantLR``, ``LinearLR``, ``ExponentialLR``,
``PolynomialLR``, ``CosineAnnealingLR``, ``MultiplicativeLR`` and the chains and sequences of them
recursively, one multiplication per step; lrkit evaluates the closed form. Where torch has a
closed form (``_get_closed_form_lr``; for chains the product of the children's, for
``MultiplicativeLR`` the product of its factors), lrkit is also held to it within ``CLOSED_TOL``,
and torch's recursive values are measured against it. Measured over these configurations
(torch 2.13.0, 50 to 300 steps): torch's recursive values stray from its closed form by at most
1.2e-13 relative (a ``CosineAnnealingLR`` piece of a ``SequentialLR``; 4.3e-14 alone, 3.7e-15 for
``LinearLR``, under 3e-15 for the others); lrkit is within 1.0e-14 of the closed form, and
within 3.0e-12 of torch's values (``OneCycleLR``'s linear anneal down to
``max_lr / div_factor / final_div_factor`` cancels digits in both; every other class within
1.2e-13). Over 10,000 steps the recursion strays further, still far from 1e-9: 1.6e-13 for
``LinearLR`` from 1 to 0.001, 1.3e-12 for ``CosineAnnealingLR(T_max=100, eta_min=0.05)``
after 100 half periods, 7e-15 for ``ExponentialLR(gamma=0.999)``. So every class is held to
torch's recursive values as well as to its closed form.

Values that are exactly 0 in the closed form (``PolynomialLR`` at ``total_iters``, ``LinearLR``
to ``end_factor=0``) come out of torch's recursion, and out of its closed form, as a few ulps of
the base either side of 0 (``-4e-19`` for a base of ``7.6e-3``); differences within
``ABS_FLOOR`` times the group's base are that rounding, not a relative error.
"""

from __future__ import annotations

import bisect
import math
import random
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from torch.optim import lr_scheduler as L  # noqa: E402, N812

import lrkit  # noqa: E402
from lrkit.config import build, variants  # noqa: E402
from lrkit.recipes import torch as recipes  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402

REL_TOL = 1e-9
CLOSED_TOL = 1e-12
ABS_FLOOR = 1e-15
CONFIGS_PER_CLASS = 24
MOMENTUM_KEYS = ("cycle_momentum", "base_momentum", "max_momentum")


# -- the functions LambdaLR and MultiplicativeLR are given ---------------------------------------------


def decay(rate: float) -> Callable[[int], float]:
    def fn(step: int) -> float:
        return rate**step

    return fn


def inverse(scale: float) -> Callable[[int], float]:
    def fn(step: int) -> float:
        return 1.0 / (1.0 + scale * step)

    return fn


def ramp(length: int) -> Callable[[int], float]:
    def fn(step: int) -> float:
        return min(1.0, (step + 1) / length)

    return fn


def table(every: int) -> Callable[[int], float]:
    # Indexes a list, as such lambdas do: it needs the int step torch passes.
    values = [1.0, 0.5, 0.2, 0.05]

    def fn(step: int) -> float:
        return values[min(step // every, len(values) - 1)]

    return fn


def constant_factor(rate: float) -> Callable[[int], float]:
    def fn(step: int) -> float:
        return rate

    return fn


def every_nth(n: int, rate: float) -> Callable[[int], float]:
    def fn(step: int) -> float:
        return rate if step % n == 0 else 1.0

    return fn


def shrinking(scale: float) -> Callable[[int], float]:
    def fn(step: int) -> float:
        return 1.0 - scale / (1.0 + step)

    return fn


def lambdas(rng: random.Random) -> Callable[[int], float]:
    return rng.choice(
        [
            lambda: decay(rng.uniform(0.95, 0.999)),
            lambda: inverse(rng.uniform(0.01, 0.5)),
            lambda: ramp(rng.randint(1, 30)),
            lambda: table(rng.randint(1, 40)),
        ]
    )()


def multiplicative_lambdas(rng: random.Random) -> Callable[[int], float]:
    return rng.choice(
        [
            lambda: constant_factor(rng.uniform(0.95, 1.0)),
            lambda: every_nth(rng.randint(1, 20), rng.uniform(0.3, 0.9)),
            lambda: shrinking(rng.uniform(0.0, 0.2)),
        ]
    )()


# -- configurations -------------------------------------------------------------------------------


@dataclass
class Config:
    """One torch scheduler (or a SequentialLR / ChainedScheduler of several) and its setting."""

    name: str
    kwargs: dict[str, Any]
    groups: int
    steps: int
    optimizer: str = "sgd"
    # Per-group lists among kwargs (torch takes them; lrkit builds one schedule per group).
    per_group: tuple[str, ...] = ()
    # For SequentialLR and ChainedScheduler: (name, kwargs) of each child.
    children: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    lrs: list[float] = field(default_factory=list)
    # An absolute lr (OneCycleLR's max_lr, CyclicLR's base_lr) the lrkit side leaves out: the
    # optimizer is built with it instead, and each group's lr takes its place.
    from_group: str | None = None

    def group_kwargs(self, g: int) -> dict[str, Any]:
        return {k: (v[g] if k in self.per_group else v) for k, v in self.kwargs.items()}


def group_lrs(rng: random.Random, groups: int) -> list[float]:
    return [10 ** rng.uniform(-4, 0) for _ in range(groups)]


def gen_step(rng: random.Random, steps: int) -> dict[str, Any]:
    return {"step_size": rng.randint(1, 40), "gamma": rng.uniform(0.05, 1.0)}


def gen_multistep(rng: random.Random, steps: int) -> dict[str, Any]:
    # Unsorted, repeated and step-0 milestones all occur in torch's Counter.
    milestones = [rng.randint(0, steps) for _ in range(rng.randint(0, 6))]
    if milestones and rng.random() < 0.3:
        milestones.append(rng.choice(milestones))
    rng.shuffle(milestones)
    return {"milestones": milestones, "gamma": rng.uniform(0.05, 1.0)}


def gen_constant(rng: random.Random, steps: int) -> dict[str, Any]:
    # factor 0 is left out: torch's recursion divides by it at total_iters.
    return {"factor": rng.choice([1.0 / 3, rng.uniform(0.01, 1.0)]), "total_iters": rng.randint(1, steps)}


def gen_linear(rng: random.Random, steps: int) -> dict[str, Any]:
    return {
        "start_factor": rng.uniform(0.01, 1.0),
        "end_factor": rng.choice([0.0, 1.0, rng.uniform(0.0, 1.0)]),
        "total_iters": rng.randint(1, steps),
    }


def gen_exponential(rng: random.Random, steps: int) -> dict[str, Any]:
    return {"gamma": rng.uniform(0.9, 1.0)}


def gen_polynomial(rng: random.Random, steps: int) -> dict[str, Any]:
    return {"total_iters": rng.randint(1, steps), "power": rng.choice([1.0, 2.0, rng.uniform(0.3, 3.0)])}


def gen_cosine(rng: random.Random, steps: int, eta_min: float = 0.0) -> dict[str, Any]:
    # T_max well below the step count too: the cosine comes back up, and round again.
    return {"T_max": rng.randint(1, steps), "eta_min": rng.choice([0.0, eta_min])}


def gen_warm_restarts(rng: random.Random, steps: int, eta_min: float = 0.0) -> dict[str, Any]:
    return {"T_0": rng.randint(1, 30), "T_mult": rng.randint(1, 3), "eta_min": rng.choice([0.0, eta_min])}


def gen_lambda(rng: random.Random, steps: int) -> dict[str, Any]:
    return {"lr_lambda": lambdas(rng)}


def gen_multiplicative(rng: random.Random, steps: int) -> dict[str, Any]:
    return {"lr_lambda": multiplicative_lambdas(rng)}


SIMPLE = {
    "StepLR": gen_step,
    "MultiStepLR": gen_multistep,
    "ConstantLR": gen_constant,
    "LinearLR": gen_linear,
    "ExponentialLR": gen_exponential,
    "PolynomialLR": gen_polynomial,
    "CosineAnnealingLR": gen_cosine,
    "CosineAnnealingWarmRestarts": gen_warm_restarts,
    "LambdaLR": gen_lambda,
    "MultiplicativeLR": gen_multiplicative,
}
# What a product of factors is in torch's chain (CosineAnnealingLR only with eta_min=0, up to
# T_max: past it torch adds to the lr instead of multiplying it).
CHAINABLE = (
    "StepLR",
    "MultiStepLR",
    "ConstantLR",
    "LinearLR",
    "ExponentialLR",
    "PolynomialLR",
    "MultiplicativeLR",
)
# Later pieces of a SequentialLR restart from their own step 0; MultiplicativeLR would multiply
# the previous piece's last lr instead, which lrkit does not express.
SEQUENCEABLE = tuple(name for name in SIMPLE if name != "MultiplicativeLR")


def generate(name: str, rng: random.Random) -> Config:
    groups = rng.choice([1, 3])
    steps = rng.randint(50, 300)
    lrs = group_lrs(rng, groups)
    eta_min = 0.5 * min(lrs)
    if name in SIMPLE:
        gen = SIMPLE[name]
        kwargs = gen(rng, steps, eta_min) if name.startswith("Cosine") else gen(rng, steps)
        if name in ("LambdaLR", "MultiplicativeLR") and groups > 1 and rng.random() < 0.7:
            return Config(
                name, {"lr_lambda": [gen(rng, steps)["lr_lambda"] for _ in range(groups)]}, groups, steps,
                per_group=("lr_lambda",), lrs=lrs,
            )  # fmt: skip
        return Config(name, kwargs, groups, steps, lrs=lrs)
    if name == "CyclicLR":
        return generate_cyclic(rng, groups, steps, lrs)
    if name == "OneCycleLR":
        return generate_one_cycle(rng, groups, steps, lrs)
    if name == "SequentialLR":
        count = rng.randint(2, 3)
        milestones = sorted(rng.sample(range(1, steps), count - 1))
        children = [
            (child, pick_child(child, rng, steps, eta_min)) for child in rng.choices(SEQUENCEABLE, k=count)
        ]
        return Config(name, {"milestones": milestones}, groups, steps, children=children, lrs=lrs)
    if name == "ChainedScheduler":
        children = [
            (child, pick_child(child, rng, steps, eta_min))
            for child in rng.choices(CHAINABLE, k=rng.randint(2, 4))
        ]
        if rng.random() < 0.4:
            children.insert(
                rng.randint(0, len(children)), ("CosineAnnealingLR", {"T_max": rng.randint(steps, 2 * steps)})
            )
        return Config(name, {}, groups, steps, children=children, lrs=lrs)
    raise AssertionError(name)


def pick_child(name: str, rng: random.Random, steps: int, eta_min: float) -> dict[str, Any]:
    gen = SIMPLE[name]
    return gen(rng, steps, eta_min) if name.startswith("Cosine") else gen(rng, steps)


def maybe_list(rng: random.Random, groups: int, make: Callable[[], float]) -> tuple[Any, bool]:
    if groups > 1 and rng.random() < 0.5:
        return [make() for _ in range(groups)], True
    return make(), False


def generate_cyclic(rng: random.Random, groups: int, steps: int, lrs: list[float]) -> Config:
    kwargs: dict[str, Any] = {
        "step_size_up": rng.randint(1, 40),
        "step_size_down": rng.choice([None, rng.randint(1, 40)]),
        "mode": rng.choice(["triangular", "triangular2", "exp_range"]),
        "gamma": rng.uniform(0.95, 1.0),
        "cycle_momentum": rng.random() < 0.6,
        "base_momentum": rng.uniform(0.0, 0.85),
        "max_momentum": rng.uniform(0.85, 0.99),
    }
    per_group = []
    kwargs["base_lr"], listed = maybe_list(rng, groups, lambda: 10 ** rng.uniform(-5, -2))
    per_group += ["base_lr"] * listed
    kwargs["max_lr"], listed = maybe_list(rng, groups, lambda: 10 ** rng.uniform(-2, 0))
    per_group += ["max_lr"] * listed
    if rng.random() < 0.25:
        kwargs["scale_fn"] = rng.choice([decay(rng.uniform(0.9, 0.999)), inverse(rng.uniform(0.05, 1.0))])
        kwargs["scale_mode"] = rng.choice(["cycle", "iterations"])
    optimizer = rng.choice(["sgd", "adam"])
    config = Config("CyclicLR", kwargs, groups, steps, optimizer, tuple(per_group), lrs=lrs)
    # A custom scale_fn needs the absolute base_lr (lrkit's Cyclic has torch's three modes).
    return config if "scale_fn" in kwargs else from_group(rng, config, "base_lr")


def from_group(rng: random.Random, config: Config, key: str) -> Config:
    if rng.random() < 0.3:
        config.from_group = key
        config.lrs = [config.group_kwargs(g)[key] for g in range(config.groups)]
    return config


def generate_one_cycle(rng: random.Random, groups: int, steps: int, lrs: list[float]) -> Config:
    while True:
        total = rng.randint(51, 301)
        three_phase = rng.random() < 0.4
        pct_start = rng.uniform(0.05, 0.45 if three_phase else 0.9)
        # The phases each need a positive length, in torch (else a division by zero) as here.
        ends = (
            [pct_start * total - 1, 2 * pct_start * total - 2, total - 1]
            if three_phase
            else [pct_start * total - 1, total - 1]
        )
        if ends[0] > 0 and all(b > a for a, b in pairwise(ends)):
            break
    kwargs: dict[str, Any] = {
        "pct_start": pct_start,
        "anneal_strategy": rng.choice(["cos", "linear"]),
        "div_factor": rng.uniform(2.0, 50.0),
        "final_div_factor": 10 ** rng.uniform(0.5, 4),
        "three_phase": three_phase,
        "cycle_momentum": rng.random() < 0.7,
        "base_momentum": rng.choice([0.0, 0.85, rng.uniform(0.5, 0.9)]),
        "max_momentum": rng.choice([0.95, rng.uniform(0.9, 0.99)]),
    }
    if rng.random() < 0.3 and total % 2 == 0:
        kwargs["epochs"], kwargs["steps_per_epoch"] = 2, total // 2
    else:
        kwargs["total_steps"] = total
    kwargs["max_lr"], listed = maybe_list(rng, groups, lambda: 10 ** rng.uniform(-3, 0))
    optimizer = rng.choice(["sgd", "adam"])
    # OneCycleLR's last step (total_steps) extrapolates the last phase; see test below.
    config = Config("OneCycleLR", kwargs, groups, total - 1, optimizer, ("max_lr",) * listed, lrs=lrs)
    return from_group(rng, config, "max_lr")


# -- running both sides ---------------------------------------------------------------------------


def make_optimizer(config: Config) -> torch.optim.Optimizer:
    params = [{"params": [torch.nn.Parameter(torch.zeros(2))], "lr": lr} for lr in config.lrs]
    if config.optimizer == "adam":
        return torch.optim.Adam(params, lr=config.lrs[0])
    # A momentum unlike torch's cycled ones: the lrkit side must not depend on it.
    return torch.optim.SGD(params, lr=config.lrs[0], momentum=0.5)


def torch_scheduler(config: Config, opt: torch.optim.Optimizer) -> L.LRScheduler:
    if config.name == "SequentialLR":
        children = [getattr(L, name)(opt, **kwargs) for name, kwargs in config.children]
        return L.SequentialLR(opt, children, **config.kwargs)
    if config.name == "ChainedScheduler":
        return L.ChainedScheduler([getattr(L, name)(opt, **kwargs) for name, kwargs in config.children])
    return getattr(L, config.name)(opt, **config.kwargs)


def lrkit_fields(config: Config) -> tuple[dict[str, Any], str | None]:
    """The lrkit side: the registered builder's schedule per group, and the cycled field."""
    if config.children:
        kids = [build(name, **kwargs) for name, kwargs in config.children]
        key = "schedulers"
        return {"lr": build(config.name, **{key: kids}, **config.kwargs)}, None
    lr, momentum = [], []
    for g in range(config.groups):
        kwargs = config.group_kwargs(g)
        cycled = {k: kwargs.pop(k) for k in MOMENTUM_KEYS if k in kwargs}
        if config.from_group:
            del kwargs[config.from_group]
        lr.append(build(config.name, **kwargs))
        if cycled.get("cycle_momentum", True) and config.name in ("OneCycleLR", "CyclicLR"):
            shape = {
                k: kwargs[k]
                for k in kwargs
                if k not in ("max_lr", "base_lr", "div_factor", "final_div_factor")
            }
            helper = recipes.one_cycle_momentum if config.name == "OneCycleLR" else recipes.cyclic_momentum
            momentum.append(
                helper(**shape, base_momentum=cycled["base_momentum"], max_momentum=cycled["max_momentum"])
            )
    if not config.per_group:
        # One schedule for every group, as lrkit.create() binds it (the driver then evaluates
        # it once per step for all groups); per-group arguments need one schedule each.
        lr, momentum = lr[:1], momentum[:1]
    fields: dict[str, Any] = {"lr": lr[0] if len(lr) == 1 else lr}
    if not momentum:
        return fields, None
    key = "beta1" if config.optimizer == "adam" else "momentum"
    fields[key] = momentum[0] if len(momentum) == 1 else momentum
    return fields, key


def closed_form(config: Config, sched: L.LRScheduler) -> list[float] | None:
    """torch's closed-form lrs at the scheduler's current step, where torch has one."""
    if config.name == "SequentialLR":
        active = sched._schedulers[bisect.bisect_right(sched._milestones, sched.last_epoch)]
        return _closed(active)
    if config.name == "ChainedScheduler":
        bases = [g["initial_lr"] for g in sched.optimizer.param_groups]
        values = list(bases)
        for child in sched._schedulers:
            closed = _closed(child)
            if closed is None:
                return None
            values = [v * c / b for v, c, b in zip(values, closed, bases, strict=True)]
        return values
    return _closed(sched)


def _closed(sched: L.LRScheduler) -> list[float] | None:
    if isinstance(sched, L.MultiplicativeLR):
        # No closed form in torch: the product of the factors, in the order torch applies them.
        return [
            base * math.prod(fn(k) for k in range(1, sched.last_epoch + 1))
            for base, fn in zip(sched.base_lrs, sched.lr_lambdas, strict=True)
        ]
    if hasattr(sched, "_get_closed_form_lr"):
        return [float(x) for x in sched._get_closed_form_lr()]
    return None


def field_value(group: dict[str, Any], key: str) -> float:
    return float(group["betas"][0] if key == "beta1" else group[key])


def rel(a: float, b: float, scale: float) -> float:
    """The relative difference of ``a`` and ``b``; 0 within ``ABS_FLOOR * scale`` of each other."""
    diff = abs(a - b)
    return 0.0 if diff <= ABS_FLOOR * scale else diff / max(abs(a), abs(b))


@dataclass
class Outcome:
    lr: float = 0.0  # lrkit vs torch's recursive values
    momentum: float = 0.0
    closed: float = 0.0  # lrkit vs torch's closed form
    drift: float = 0.0  # torch's recursive values vs its closed form
    compared: int = 0
    compared_closed: int = 0


def run(config: Config) -> Outcome:
    ref_opt, opt = make_optimizer(config), make_optimizer(config)
    out = Outcome()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ref = torch_scheduler(config, ref_opt)
        fields, cycled = lrkit_fields(config)
        ours = Scheduler(opt, unit="update", **fields)
        scales = [max(g["lr"], g.get("initial_lr", 0.0)) for g in ref_opt.param_groups]
        for step in range(config.steps + 1):
            if step:
                ref_opt.step()
                ref.step()
                opt.step()
                ours.step()
            closed = closed_form(config, ref)
            for g, (theirs, mine) in enumerate(zip(ref_opt.param_groups, opt.param_groups, strict=True)):
                lr, mine_lr = float(theirs["lr"]), float(mine["lr"])
                out.lr = max(out.lr, rel(mine_lr, lr, scales[g]))
                if closed is not None:
                    out.closed = max(out.closed, rel(mine_lr, closed[g], scales[g]))
                    out.drift = max(out.drift, rel(lr, closed[g], scales[g]))
                    out.compared_closed += 1
                if cycled:
                    m_theirs, m_mine = field_value(theirs, cycled), field_value(mine, cycled)
                    out.momentum = max(out.momentum, rel(m_mine, m_theirs, 1.0))
                out.compared += 1
    return out


NAMES = [*SIMPLE, "CyclicLR", "OneCycleLR", "SequentialLR", "ChainedScheduler"]
# The classes torch updates recursively (closed forms aside, the rest compute each value afresh).
RECURSIVE = (*CHAINABLE, "CosineAnnealingLR", "ChainedScheduler")


def configs(name: str) -> list[Config]:
    rng = random.Random(f"lrkit-torch-{name}")
    return [generate(name, rng) for _ in range(CONFIGS_PER_CLASS)]


@pytest.mark.parametrize("name", NAMES)
def test_matches_torch(name):
    compared = compared_closed = 0
    for config in configs(name):
        out = run(config)
        assert out.lr <= REL_TOL, (config, out)
        assert out.momentum <= REL_TOL, (config, out)
        assert out.closed <= CLOSED_TOL, (config, out)
        compared += out.compared
        compared_closed += out.compared_closed
    # Every step of every config was compared, and to the closed form where torch has one.
    assert compared >= CONFIGS_PER_CLASS * 51
    if name in RECURSIVE:
        assert compared_closed == compared


def test_the_configurations_cover_the_options():
    # Guards the test above against generators that never reach an option.
    seen = {(c.name, k, str(v)) for name in NAMES for c in configs(name) for k, v in c.kwargs.items()}
    for mode in ("triangular", "triangular2", "exp_range"):
        assert ("CyclicLR", "mode", mode) in seen
    for flag in ("True", "False"):
        assert ("OneCycleLR", "three_phase", flag) in seen
        assert ("OneCycleLR", "cycle_momentum", flag) in seen
        assert ("CyclicLR", "cycle_momentum", flag) in seen
    for strategy in ("cos", "linear"):
        assert ("OneCycleLR", "anneal_strategy", strategy) in seen
    assert ("OneCycleLR", "base_momentum", "0.0") in seen
    assert any(c.name == "CyclicLR" and "scale_fn" in c.kwargs for c in configs("CyclicLR"))
    cases = [c for name in NAMES for c in configs(name)]
    assert {c.groups for c in cases} == {1, 3} and {c.optimizer for c in cases} == {"sgd", "adam"}
    assert any(c.per_group for c in cases)
    assert any(c.from_group for c in cases)
    assert min(c.steps for c in cases) >= 50 and max(c.steps for c in cases) <= 300


# -- what is documented to differ, and the registry ---------------------------------------------------


def test_one_cycle_at_total_steps_torch_extrapolates_lrkit_holds():
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    ref = L.OneCycleLR(opt, max_lr=0.1, total_steps=20, anneal_strategy="linear", cycle_momentum=False)
    for _ in range(20):
        opt.step()
        ref.step()
    ours = build("OneCycleLR", max_lr=0.1, total_steps=20, anneal_strategy="linear")
    end = ours(19, base=0.5)
    assert end == pytest.approx(0.1 / 25 / 1e4, rel=1e-12)
    assert ours(20, base=0.5) == end
    assert opt.param_groups[0]["lr"] < 0  # torch's linear phase, carried one step past its end


def test_cosine_annealing_goes_on_past_t_max():
    s = build("CosineAnnealingLR", T_max=10, eta_min=0.01)
    assert s(10, base=0.1) == pytest.approx(0.01, rel=1e-12)
    assert s(15, base=0.1) == pytest.approx(0.055, rel=1e-12)
    assert s(20, base=0.1) == pytest.approx(0.1, rel=1e-12)


def test_every_torch_class_is_registered_by_its_name():
    expected = {*NAMES, "ReduceLROnPlateau"}
    for name in expected:
        (variant,) = [v for v in variants(name) if v.source == "torch"]
        assert variant.unit == "update", name
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    driver = lrkit.create("StepLR", opt, step_size=2, gamma=0.5)
    assert isinstance(driver, Scheduler) and driver.unit == "update"
    for _ in range(4):
        driver.step()
    assert opt.param_groups[0]["lr"] == pytest.approx(0.025, rel=1e-15)
    plateau = lrkit.create("ReduceLROnPlateau", opt, patience=0, factor=0.5)
    assert isinstance(plateau, lrkit.torch.Plateau)


def test_absolute_values_do_not_depend_on_the_optimizer():
    lr = build("OneCycleLR", max_lr=0.3, total_steps=50)
    cyc = build("CyclicLR", base_lr=0.01, max_lr=0.1, step_size_up=5)
    momentum = recipes.cyclic_momentum(step_size_up=5, base_momentum=0.8, max_momentum=0.9)
    for t in (0, 3, 14, 49):
        assert lr(t, base=1.0) == lr(t, base=1e-4)
        assert cyc(t, base=1.0) == cyc(t, base=0.5)
        assert momentum(t, base=0.0) == momentum(t, base=0.99)
    assert lr(14, base=1.0) == 0.3 and cyc(5, base=1.0) == 0.1 and momentum(5, base=0.0) == 0.8
    # Without them, the group's own lr is torch's max_lr / base_lr.
    assert build("OneCycleLR", total_steps=50)(14, base=0.7) == 0.7
    assert build("CyclicLR", max_lr=0.1, step_size_up=5)(0, base=0.02) == 0.02


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "words"),
    [
        ("StepLR", {"step_size": 0}, ValueError, "step_size"),
        ("ConstantLR", {"factor": 1.5}, ValueError, "factor"),
        ("LinearLR", {"total_iters": 0}, ValueError, "total_iters"),
        ("CosineAnnealingWarmRestarts", {"T_0": 10, "T_mult": 1.5}, TypeError, "T_mult"),
        ("OneCycleLR", {"max_lr": 0.1}, ValueError, "total_steps"),
        ("OneCycleLR", {"max_lr": [0.1, 0.2], "total_steps": 10}, TypeError, "per-group"),
        ("OneCycleLR", {"total_steps": 10, "anneal_strategy": "cosine"}, ValueError, "anneal_strategy"),
        ("CyclicLR", {"max_lr": 0.1, "scale_fn": decay(0.9)}, ValueError, "base_lr"),
        ("LambdaLR", {"lr_lambda": [decay(0.9), decay(0.8)]}, TypeError, "one schedule per group"),
        ("SequentialLR", {"schedulers": [lrkit.constant()] * 2, "milestones": []}, ValueError, "milestones"),
        (
            "SequentialLR",
            {"schedulers": [lrkit.constant()] * 3, "milestones": [5, 5]},
            ValueError,
            "increasing",
        ),
        ("ChainedScheduler", {"schedulers": []}, ValueError, "schedulers"),
        ("ChainedScheduler", {"schedulers": [lrkit.constant(), "StepLR"]}, TypeError, r"schedulers\[1\]"),
    ],
)
def test_arguments_are_checked_by_torch_name(name, kwargs, error, words):
    with pytest.raises(error, match=words):
        build(name, **kwargs)


def test_last_epoch_is_not_taken():
    with pytest.raises(ValueError, match="last_epoch"):
        build("StepLR", step_size=3, last_epoch=5)


def test_one_cycle_momentum_runs_against_the_lr():
    m = recipes.one_cycle_momentum(total_steps=101, pct_start=0.2, anneal_strategy="linear")
    # Phases end at 101 * 0.2 - 1 = 19.2 and at 100: 0.95 -> 0.85 -> 0.95.
    assert m(0) == pytest.approx(0.95, rel=1e-15)
    assert m(19.2) == pytest.approx(0.85, rel=1e-15)
    assert m(100) == pytest.approx(0.95, rel=1e-15)
    assert m(59.6) == pytest.approx(0.9, rel=1e-12)
    zero = recipes.one_cycle_momentum(total_steps=101, pct_start=0.2, base_momentum=0.0)
    assert [zero(t) for t in (0, 19.2, 100, 500)] == pytest.approx([0.95, 0.0, 0.95, 0.95], abs=1e-15)


def test_lambdas_get_int_steps_and_products_are_kept():
    calls = []

    def fn(step):
        calls.append(step)
        return 0.5

    s = build("MultiplicativeLR", lr_lambda=fn)
    assert s(3, base=1.0) == 0.125 and s(2, base=1.0) == 0.25
    assert calls == [1, 2, 3] and all(type(c) is int for c in calls)
    assert build("LambdaLR", lr_lambda=table(2))(5, base=2.0) == 0.4
    assert repr(build("LambdaLR", lr_lambda=table(2))).startswith(
        "from_callable(test_torch_equivalence.table"
    )
