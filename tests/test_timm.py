"""lrkit.timm against timm 1.0.31's timm.scheduler, which it must be able to replace unchanged.

Every check builds the timm object and the lrkit.timm object from the same arguments on two
identical optimizers and drives both the same way. timm runs first; where timm itself breaks on a
generated config (a math domain error, an lr that is complex or infinite) only the calls before
that are compared, and where timm rejects a config with ValueError lrkit must reject it too.

The differential test draws 2,350 configurations from seeded ``random.Random`` generators, in
batches of 25 so a failure names its batch and prints the configuration, the call and both values.
"""

from __future__ import annotations

import collections
import copy
import functools
import inspect
import io
import math
import random
import types
import warnings
from dataclasses import dataclass, field
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from timm_ref import load_timm_scheduler  # noqa: E402

import lrkit.timm as ours  # noqa: E402

_timm = load_timm_scheduler()
# timm.scheduler does not re-export its base class, which lives in timm.scheduler.scheduler;
# lrkit.timm exports it so that user subclasses can switch over too.
TIMM = types.SimpleNamespace(**vars(_timm), Scheduler=_timm.scheduler.Scheduler)
RTOL = 1e-12

CLASSES = [
    "Scheduler",
    "StepLRScheduler",
    "MultiStepLRScheduler",
    "CosineLRScheduler",
    "TanhLRScheduler",
    "PolyLRScheduler",
    "WSDLRScheduler",
    "PlateauLRScheduler",
]
FUNCTIONS = ["create_scheduler", "create_scheduler_v2", "scheduler_kwargs"]
SCHED_NAMES = ["cosine", "tanh", "step", "constant", "multistep", "poly", "wsd", "rsqrt", "plateau"]


# -- comparing values --------------------------------------------------------------------------


def same(theirs: Any, mine: Any) -> bool:
    """Equal, or within RTOL of each other; a zero only matches a zero."""
    if isinstance(theirs, float) and type(mine) is not float:
        # A NumPy scalar in a param group breaks torch.load(weights_only=True) of the optimizer
        # state, so an lr that timm writes as a float must be written as a plain float.
        return False
    if theirs == mine:
        return True
    if not isinstance(mine, (int, float)):
        return False
    return abs(theirs - mine) <= RTOL * max(abs(theirs), abs(mine))


def same_list(theirs: list | None, mine: list | None) -> bool:
    if theirs is None or mine is None:
        return theirs is mine
    return len(theirs) == len(mine) and all(same(a, b) for a, b in zip(theirs, mine, strict=True))


def is_real(value: Any) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


# -- building both sides from one description ------------------------------------------------


def quadratic_decay(frac):
    # Module-level so that the same object goes to both sides (WSD takes a decay callable).
    return (1.0 - frac) ** 2


def exponential_scheduler(mod: types.ModuleType) -> type:
    """The smallest user subclass of ``mod.Scheduler``: timm's base class is public API."""

    class Exponential(mod.Scheduler):
        def __init__(self, optimizer, gamma, **kwargs):
            self.gamma = gamma
            super().__init__(optimizer, **kwargs)

        def _get_lr(self, t):
            return [v * self.gamma**t for v in self.base_values]

    return Exponential


def make_optimizer(groups: dict) -> torch.optim.Optimizer:
    param_groups = []
    for lr, scale, wd in zip(groups["lrs"], groups["lr_scales"], groups["weight_decays"], strict=True):
        group = {"params": [torch.zeros(2, requires_grad=True)], "lr": lr, "weight_decay": wd}
        if scale is not None:
            group["lr_scale"] = scale
        param_groups.append(group)
    for key, values in groups.get("preset", {}).items():
        for group, value in zip(param_groups, values, strict=True):
            group[key] = value
    if groups["opt"] == "sgd":
        return torch.optim.SGD(param_groups, lr=groups["lrs"][0], momentum=0.9)
    return torch.optim.AdamW(param_groups, lr=groups["lrs"][0])


def metric_series(seed: int, mode: str, p_none: float, n: int) -> list[float | None]:
    """A validation metric with improvements, exact plateaus, jitter and near-threshold moves."""
    rng = random.Random(seed)
    value = rng.uniform(0.5, 3.0) if mode == "min" else rng.uniform(10.0, 60.0)
    better = -1.0 if mode == "min" else 1.0
    out: list[float | None] = []
    while len(out) < n:
        kind = rng.choice(["improve", "improve", "plateau", "plateau", "jitter", "tiny", "worse"])
        for _ in range(rng.randint(1, 8)):
            if kind == "improve":
                value *= 1.0 + better * rng.uniform(0.005, 0.15)
            elif kind == "jitter":
                value *= 1.0 + rng.uniform(-0.03, 0.03)
            elif kind == "tiny":
                value *= 1.0 + better * rng.uniform(0.0, 3e-4)
            elif kind == "worse":
                value *= 1.0 - better * rng.uniform(0.0, 0.1)
            out.append(None if rng.random() < p_none else value)
    return out[:n]


@dataclass
class Case:
    """One configuration: what to build, on which optimizer, and how to step it."""

    target: str  # a class name in the module, "create_scheduler_v2" or "create_scheduler"
    kwargs: dict
    groups: dict
    updates: int  # step_update calls per epoch
    epochs: int | None = None  # None: the epoch count the factory returns, plus extra_epochs
    extra_epochs: int = 0
    metrics: tuple | None = None  # (seed, mode, p_none) for metric_series
    field: str = "lr"
    calls: list | None = None  # explicit (method, t, metric) calls instead of the training loop
    label: str = ""

    def describe(self) -> str:
        if self.target == "create_scheduler":
            built = f"create_scheduler(SimpleNamespace(**{self.kwargs['args']!r}), opt, "
            built += f"updates_per_epoch={self.kwargs['updates_per_epoch']!r})"
        elif self.target == "Scheduler":
            built = f"<Scheduler subclass, lr = base * gamma**t>(opt, **{self.kwargs!r})"
        else:
            built = f"{self.target}(opt, **{self.kwargs!r})"
        if self.calls is not None:
            loop = f"calls {self.calls!r}"
        else:
            epochs = self.epochs if self.epochs is not None else f"<returned epochs> + {self.extra_epochs}"
            loop = f"{epochs} epochs x {self.updates} step_update calls, then step(epoch + 1)"
            if self.metrics:
                loop += f", metric_series{self.metrics!r}"
        return f"[{self.label}] {built}\n  groups: {self.groups!r}\n  loop: {loop}"


def build(mod: types.ModuleType, case: Case):
    """(optimizer, scheduler or None, epoch count the factory returned or None)."""
    opt = make_optimizer(case.groups)
    kwargs = copy.deepcopy(case.kwargs)
    with warnings.catch_warnings():
        if mod is TIMM:
            # timm deprecates PlateauLRScheduler; lrkit does not (checked on its own below).
            warnings.simplefilter("ignore", FutureWarning)
        if case.target == "create_scheduler_v2":
            sched, epochs = mod.create_scheduler_v2(opt, **kwargs)
        elif case.target == "create_scheduler":
            args = types.SimpleNamespace(**kwargs["args"])
            sched, epochs = mod.create_scheduler(args, opt, updates_per_epoch=kwargs["updates_per_epoch"])
        elif case.target == "Scheduler":
            sched, epochs = exponential_scheduler(mod)(opt, **kwargs), None
        else:
            sched, epochs = getattr(mod, case.target)(opt, **kwargs), None
    return opt, sched, epochs


def training_loop(case: Case, factory_epochs: int | None) -> list[tuple]:
    """The calls of timm's train.py (and seed 002): step_update after each update, step(epoch + 1)."""
    if case.calls is not None:
        return case.calls
    n_epochs = case.epochs if case.epochs is not None else factory_epochs + case.extra_epochs
    metrics = metric_series(*case.metrics, n=n_epochs) if case.metrics else [None] * n_epochs
    calls = []
    for epoch in range(n_epochs):
        num_updates = epoch * case.updates
        for _ in range(case.updates):
            num_updates += 1
            calls.append(("step_update", num_updates, None))
        calls.append(("step", epoch + 1, metrics[epoch]))
    return calls


def call(sched, method: str, t: Any, metric: Any) -> None:
    if method == "step_update":
        sched.step_update(num_updates=t, metric=metric)
    elif metric is None:
        sched.step(t)
    else:
        sched.step(t, metric)


def cycle_lengths(sched) -> dict | None:
    if not hasattr(sched, "get_cycle_length"):
        return None
    out = {"default": sched.get_cycle_length()}
    for cycles in (0, 1, 2, 3, 5):
        out[cycles] = sched.get_cycle_length(cycles)
    return out


@dataclass
class Trace:
    error: BaseException | None = None
    error_at: int | None = None  # -1: at construction, k: at calls[k]
    sched_is_none: bool = False
    epochs: int | None = None
    initial: list = field(default_factory=list)
    cycles: dict | None = None
    calls: list = field(default_factory=list)
    values: list = field(default_factory=list)  # after construction, then after each call


def trace(mod: types.ModuleType, case: Case, calls: list | None = None) -> Trace:
    try:
        opt, sched, epochs = build(mod, case)
    except Exception as exc:
        return Trace(error=exc, error_at=-1)
    snapshot = lambda: [g[case.field] for g in opt.param_groups]  # noqa: E731
    out = Trace(sched_is_none=sched is None, epochs=epochs, values=[snapshot()])
    out.initial = [g.get(f"initial_{case.field}") for g in opt.param_groups]
    if sched is None:
        return out
    out.cycles = cycle_lengths(sched)
    out.calls = training_loop(case, epochs) if calls is None else calls
    for k, (method, t, metric) in enumerate(out.calls):
        try:
            call(sched, method, t, metric)
        except Exception as exc:
            out.error, out.error_at = exc, k
            break
        out.values.append(snapshot())
    return out


def first_unreal(values: list) -> int | None:
    for k, lrs in enumerate(values):
        if not all(is_real(v) for v in lrs):
            return k
    return None


def describe_call(calls: list, k: int) -> str:
    if k == 0:
        return "right after construction"
    method, t, metric = calls[k - 1]
    return f"after call #{k - 1}: {method}({t!r}{'' if metric is None else f', {metric!r}'})"


def compare(case: Case) -> tuple[str, str | None]:
    """(status, failure or None); status is 'full', 'partial', 'rejected' or 'skipped'."""
    ref = trace(TIMM, case)
    if ref.error_at == -1:
        if not isinstance(ref.error, ValueError):
            return "skipped", None
        try:
            build(ours, case)
        except ValueError:
            return "rejected", None
        except Exception as exc:
            return "rejected", f"{case.describe()}\n  timm: {ref.error!r}\n  lrkit raised {exc!r}"
        return "rejected", f"{case.describe()}\n  timm: {ref.error!r}\n  lrkit accepted it"
    bad = first_unreal(ref.values)
    if bad == 0:
        return "skipped", None
    if bad is not None:
        ref.values = ref.values[:bad]
    n_calls = len(ref.values) - 1
    status = "full" if n_calls == len(ref.calls) else "partial"

    got = trace(ours, case, calls=ref.calls[:n_calls])
    head = case.describe()
    if got.error_at == -1:
        return status, f"{head}\n  lrkit raised at construction: {got.error!r}"
    if got.sched_is_none != ref.sched_is_none:
        return (
            status,
            f"{head}\n  timm returned scheduler None: {ref.sched_is_none}, lrkit: {got.sched_is_none}",
        )
    if got.epochs != ref.epochs:
        return status, f"{head}\n  returned epochs: timm {ref.epochs!r}, lrkit {got.epochs!r}"
    if got.initial != ref.initial:
        return status, f"{head}\n  initial_{case.field}: timm {ref.initial!r}, lrkit {got.initial!r}"
    if got.cycles != ref.cycles:
        return status, f"{head}\n  get_cycle_length: timm {ref.cycles!r}, lrkit {got.cycles!r}"
    for k, (theirs, mine) in enumerate(zip(ref.values, got.values, strict=False)):
        if not same_list(theirs, mine):
            where = describe_call(ref.calls, k)
            return status, f"{head}\n  {where}\n  timm:  {theirs!r}\n  lrkit: {mine!r}"
    if got.error is not None:
        where = describe_call(ref.calls, len(got.values))
        return status, f"{head}\n  lrkit raised {where.replace('after', 'at')}: {got.error!r}"
    return status, None


def run_batch(cases: list[Case], min_full: float) -> None:
    failures = []
    statuses: collections.Counter = collections.Counter()
    for case in cases:
        status, failure = compare(case)
        statuses[status] += 1
        if failure:
            failures.append(failure)
    assert not failures, f"{len(failures)} of {len(cases)} configs differ:\n\n" + "\n\n".join(failures[:3])
    # Guards the generator: a batch that timm mostly refuses would check little.
    assert statuses["full"] >= min_full * len(cases), dict(statuses)


# -- generators -----------------------------------------------------------------------------


def put(rng: random.Random, kwargs: dict, name: str, value: Any, p_default: float = 0.2) -> None:
    """Pass ``value``, or sometimes leave the argument out so that both sides use their default."""
    if rng.random() >= p_default:
        kwargs[name] = value


def gen_groups(rng: random.Random) -> dict:
    n = rng.choice([1, 3])
    base = 10 ** rng.uniform(-4, 0)
    lrs = [base] if n == 1 else [base, base * rng.uniform(0.1, 0.9), base * rng.uniform(1.1, 3.0)]
    scales = [
        rng.choice([0.5, 0.1, 0.75**3, rng.uniform(0.05, 1.0)]) if rng.random() < 0.3 else None for _ in lrs
    ]
    wds = [rng.choice([0.0, 0.05, rng.uniform(1e-4, 0.1)]) for _ in lrs]
    return {"opt": rng.choice(["sgd", "adamw"]), "lrs": lrs, "lr_scales": scales, "weight_decays": wds}


def gen_loop(rng: random.Random) -> tuple[int, int]:
    """(epochs, updates per epoch) for a few hundred calls in all."""
    epochs = rng.randint(12, 60)
    updates = max(1, round(rng.uniform(200, 600) / epochs) - 1)
    return epochs, updates


def gen_unit(rng: random.Random, kwargs: dict, epochs: int, updates: int) -> int:
    """Chooses t_in_epochs; returns the span of t the loop reaches."""
    if rng.random() < 0.5:
        put(rng, kwargs, "t_in_epochs", True)
        return epochs
    kwargs["t_in_epochs"] = False
    return epochs * updates


def gen_warmup(rng: random.Random, kwargs: dict, span: int, groups: dict, prefix: bool) -> int:
    if rng.random() < 0.4:
        put(rng, kwargs, "warmup_t", 0, p_default=0.7)
        return 0
    warmup_t = rng.randint(1, max(1, span // 5))
    kwargs["warmup_t"] = warmup_t
    lo = min(groups["lrs"])
    init = rng.choice([0.0, 0, 1e-6, 1e-5, lo * rng.uniform(0.0, 0.5)])
    if rng.random() < 0.05:
        init = max(groups["lrs"]) * rng.uniform(1.0, 2.0)  # warming down also goes in a line
    put(rng, kwargs, "warmup_lr_init", init)
    if prefix:
        put(rng, kwargs, "warmup_prefix", rng.random() < 0.5)
    return warmup_t


def gen_noise(rng: random.Random, kwargs: dict, span: int, noise_type: bool = False) -> None:
    form = rng.choice(["none", "none", "start", "tuple", "list"])
    if form == "none":
        put(rng, kwargs, "noise_range_t", None, p_default=0.8)
    else:
        a, b = sorted(rng.randint(0, span) for _ in range(2))
        kwargs["noise_range_t"] = {"start": a, "tuple": (a, b), "list": [a, b]}[form]
    put(rng, kwargs, "noise_pct", rng.choice([0.67, 0.1, 0.3, rng.uniform(0.05, 0.9)]))
    put(rng, kwargs, "noise_std", rng.choice([1.0, 0.5, rng.uniform(0.1, 1.5)]))
    put(rng, kwargs, "noise_seed", rng.choice([42, 0, None, rng.randint(1, 10**6)]))
    if noise_type:
        put(rng, kwargs, "noise_type", rng.choice(["normal", "uniform"]))


def gen_lr_min(rng: random.Random, groups: dict) -> float:
    if rng.random() < 0.05:
        return max(groups["lrs"]) * rng.uniform(1.0, 1.5)  # above the base: the curve rises
    return rng.choice([0.0, 0.0, 1e-6, min(groups["lrs"]) * rng.uniform(0.0, 0.3)])


def gen_cycles(rng: random.Random, kwargs: dict, span: int, k_decay: bool) -> None:
    mul = rng.choice([1.0, 1.0, 1, 0.5, 0.75, 1.5, 2.0, round(rng.uniform(1.1, 2.5), 3)])
    limit = rng.randint(1, 4)
    if mul == 1:
        t_initial = round(span / limit * rng.uniform(0.5, 1.2))
    elif mul > 1:
        t_initial = round(span * (mul - 1) / (mul**limit - 1) * rng.uniform(0.5, 1.2))
    else:
        # Shrinking cycles add up to t_initial / (1 - mul); timm's log fails for t past that.
        t_initial = math.ceil(span * (1 - mul) * rng.uniform(1.05, 1.6))
    t_initial = max(1, t_initial)
    if rng.random() < 0.1:
        t_initial += 0.5
    kwargs["t_initial"] = t_initial
    put(rng, kwargs, "cycle_mul", mul)
    put(rng, kwargs, "cycle_decay", rng.choice([1.0, 0.5, 0.8, 0.1, rng.uniform(0.3, 1.0)]))
    put(rng, kwargs, "cycle_limit", limit)
    if k_decay:
        put(rng, kwargs, "k_decay", rng.choice([1.0, 1.0, 0.5, 2.0, 1.5, rng.uniform(0.3, 3.0)]))


def gen_metrics(rng: random.Random, mode: str) -> tuple | None:
    if rng.random() < 0.3:
        return None
    return (rng.randint(0, 10**9), mode, rng.choice([0.0, 0.0, 0.1]))


def gen_step(rng: random.Random) -> Case:
    groups, kwargs = gen_groups(rng), {}
    epochs, updates = gen_loop(rng)
    span = gen_unit(rng, kwargs, epochs, updates)
    kwargs["decay_t"] = rng.choice([rng.randint(1, max(1, span // 3)), round(rng.uniform(1.0, span / 3), 1)])
    put(rng, kwargs, "decay_rate", rng.choice([0.1, 0.5, 0.8, 0.97, 1.0]))
    gen_warmup(rng, kwargs, span, groups, prefix=True)
    gen_noise(rng, kwargs, span)
    return Case("StepLRScheduler", kwargs, groups, updates, epochs, metrics=gen_metrics(rng, "max"))


def gen_multistep(rng: random.Random) -> Case:
    groups, kwargs = gen_groups(rng), {}
    epochs, updates = gen_loop(rng)
    span = gen_unit(rng, kwargs, epochs, updates)
    # Sorted, repeats allowed: timm counts a repeated milestone twice.
    kwargs["decay_t"] = sorted(rng.randint(1, max(1, int(span * 1.1))) for _ in range(rng.randint(1, 5)))
    put(rng, kwargs, "decay_rate", rng.choice([0.1, 0.5, 0.8, 1.0]))
    gen_warmup(rng, kwargs, span, groups, prefix=True)
    gen_noise(rng, kwargs, span)
    return Case("MultiStepLRScheduler", kwargs, groups, updates, epochs, metrics=gen_metrics(rng, "min"))


def gen_cyclic(target: str, rng: random.Random) -> Case:
    groups, kwargs = gen_groups(rng), {}
    epochs, updates = gen_loop(rng)
    span = gen_unit(rng, kwargs, epochs, updates)
    warmup_t = gen_warmup(rng, kwargs, span, groups, prefix=True)
    gen_cycles(
        rng, kwargs, span - warmup_t if kwargs.get("warmup_prefix") else span, target != "TanhLRScheduler"
    )
    put(rng, kwargs, "lr_min", gen_lr_min(rng, groups))
    if target == "TanhLRScheduler" and rng.random() < 0.7:
        lb = rng.uniform(-10.0, 1.0)
        put(rng, kwargs, "lb", lb)
        put(rng, kwargs, "ub", lb + rng.uniform(0.5, 12.0) if "lb" in kwargs else rng.uniform(-6.0, 6.0))
    if target == "PolyLRScheduler":
        put(rng, kwargs, "power", rng.choice([0.5, 1.0, 2.0, 0.9, 3.0, rng.uniform(0.2, 3.0)]))
    gen_noise(rng, kwargs, span)
    return Case(target, kwargs, groups, updates, epochs, metrics=gen_metrics(rng, "max"))


def gen_wsd(rng: random.Random) -> Case:
    groups, kwargs = gen_groups(rng), {}
    epochs, updates = gen_loop(rng)
    span = gen_unit(rng, kwargs, epochs, updates)
    warmup_t = gen_warmup(rng, kwargs, span, groups, prefix=False)
    t_initial = max(1, round((span - warmup_t) * rng.uniform(0.5, 1.1)))
    kwargs["t_initial"] = t_initial
    kwargs["decay_t"] = rng.choice([rng.randint(1, t_initial), t_initial, max(1, t_initial // 5)])
    put(rng, kwargs, "lr_min", gen_lr_min(rng, groups))
    stable_fn = rng.choice(["constant", "constant", "rsqrt", "power"])
    put(rng, kwargs, "stable_fn", stable_fn)
    timescale = rng.choice([None, rng.uniform(1.0, span / 3), rng.randint(1, max(1, span // 3))])
    if stable_fn != "constant" and not warmup_t and rng.random() < 0.9:
        # Without it timm raises ValueError (then lrkit must too), which the other 10% check.
        kwargs["stable_timescale"] = timescale or rng.randint(1, max(1, span // 3))
    else:
        put(rng, kwargs, "stable_timescale", timescale)
    put(rng, kwargs, "stable_power", rng.uniform(0.1, 1.5))
    put(rng, kwargs, "decay_fn", rng.choice(["linear", "1-sqrt", "cosine", "power", "exp", quadratic_decay]))
    put(rng, kwargs, "decay_power", rng.uniform(0.2, 3.0))
    put(rng, kwargs, "decay_ratio", rng.uniform(0.01, 0.9))
    gen_noise(rng, kwargs, span)
    return Case("WSDLRScheduler", kwargs, groups, updates, epochs, metrics=gen_metrics(rng, "min"))


def gen_plateau(rng: random.Random) -> Case:
    groups, kwargs = gen_groups(rng), {}
    epochs, updates = rng.randint(20, 80), rng.randint(1, 6)
    put(rng, kwargs, "decay_rate", rng.choice([0.1, 0.5, 0.8, rng.uniform(0.05, 0.95)]))
    put(rng, kwargs, "patience_t", rng.randint(0, 6))
    put(rng, kwargs, "threshold", rng.choice([1e-4, 0.0, 1e-2, 0.1]))
    put(rng, kwargs, "cooldown_t", rng.randint(0, 4))
    gen_warmup(rng, kwargs, 10, groups, prefix=False)
    put(rng, kwargs, "lr_min", rng.choice([0.0, 1e-6, min(groups["lrs"]) * rng.uniform(0.01, 0.3)]))
    mode = rng.choice(["min", "max"])
    put(rng, kwargs, "mode", mode, p_default=0.5 if mode == "max" else 0.0)
    gen_noise(rng, kwargs, epochs, noise_type=True)
    metrics = (rng.randint(0, 10**9), mode, rng.choice([0.0, 0.0, 0.1]))
    return Case("PlateauLRScheduler", kwargs, groups, updates, epochs, metrics=metrics)


def gen_scheduler(rng: random.Random) -> Case:
    groups = gen_groups(rng)
    epochs, updates = gen_loop(rng)
    kwargs: dict = {"param_group_field": rng.choice(["lr", "weight_decay"])}
    span = gen_unit(rng, kwargs, epochs, updates)
    kwargs["gamma"] = rng.uniform(0.8, 0.99) ** (epochs / span)
    gen_noise(rng, kwargs, span, noise_type=True)
    return Case("Scheduler", kwargs, groups, updates, epochs, field=kwargs["param_group_field"])


def gen_factory_kwargs(rng: random.Random, sched: str) -> tuple[dict, int, bool]:
    """create_scheduler_v2 kwargs (every argument, relevant to `sched` or not), updates, per epoch."""
    updates = rng.randint(1, 10)
    num_epochs = rng.randint(8, 50)
    warmup = rng.choice([0, 0, rng.randint(1, max(1, num_epochs // 4))])
    prefix = rng.random() < 0.5
    on_epochs = sched == "plateau" or rng.random() < 0.5
    kw: dict = {"sched": sched, "num_epochs": num_epochs}
    put(rng, kw, "warmup_epochs", warmup)
    put(rng, kw, "warmup_prefix", prefix)
    put(rng, kw, "warmup_lr", rng.choice([1e-5, 0.0, 1e-6, rng.uniform(1e-6, 1e-3)]))
    put(rng, kw, "min_lr", rng.choice([0.0, 1e-6, rng.uniform(1e-6, 1e-4)]))
    if sched in ("wsd", "rsqrt"):
        t_sched = num_epochs if prefix else num_epochs - kw.get("warmup_epochs", 0)
        decay = rng.choice([None, rng.uniform(0.05, 0.95), rng.randint(1, max(1, t_sched))])
    else:
        decay = rng.choice([None, rng.randint(1, max(1, num_epochs // 2)), rng.uniform(1.0, num_epochs / 2)])
    put(rng, kw, "decay_epochs", decay)
    put(rng, kw, "decay_milestones", sorted(rng.randint(1, num_epochs) for _ in range(rng.randint(1, 4))))
    put(rng, kw, "cooldown_epochs", rng.choice([0, rng.randint(1, 5)]))
    put(rng, kw, "patience_epochs", rng.randint(0, 8))
    if sched == "poly":
        rate = rng.choice([0.1, 0.5, 0.9, 1.0, 2.0])
    elif sched == "plateau":
        rate = rng.choice([0.1, 0.5, 0.8])
    else:
        rate = rng.choice([0.1, 0.5, 0.8, 1.0])
    put(rng, kw, "decay_rate", rate)
    noise = rng.choice(["none", "none", "float", "list1", "list2"])
    if noise != "none":
        a, b = sorted(rng.uniform(0.0, 1.0) for _ in range(2))
        kw["noise"] = {"float": a, "list1": [a], "list2": [a, b]}[noise]
    put(rng, kw, "noise_pct", rng.choice([0.67, 0.1, rng.uniform(0.05, 0.9)]))
    put(rng, kw, "noise_std", rng.choice([1.0, rng.uniform(0.1, 1.5)]))
    put(rng, kw, "noise_seed", rng.choice([42, rng.randint(0, 10**6)]))
    put(rng, kw, "cycle_mul", rng.choice([1.0, 1.0, 0.5, 1.5, 2.0]))
    put(rng, kw, "cycle_decay", rng.choice([0.1, 0.5, 1.0]))
    put(rng, kw, "cycle_limit", rng.randint(1, 3))
    put(rng, kw, "k_decay", rng.choice([1.0, 0.5, 2.0]))
    put(rng, kw, "decay_fn", rng.choice([None, "linear", "1-sqrt", "cosine", "power", "exp"]))
    timescale = rng.choice([None, rng.uniform(1.0, num_epochs / 3)])
    if sched == "rsqrt" and not kw.get("warmup_epochs") and rng.random() < 0.9:
        # rsqrt's timescale defaults to the warmup; with none timm raises ValueError (checked too).
        kw["stable_timescale"] = timescale or rng.uniform(1.0, num_epochs / 3)
    else:
        put(rng, kw, "stable_timescale", timescale)
    put(rng, kw, "plateau_mode", rng.choice(["min", "max"]))
    if on_epochs:
        put(rng, kw, "step_on_epochs", True)
        put(rng, kw, "updates_per_epoch", updates, p_default=0.5)
    else:
        kw["step_on_epochs"] = False
        kw["updates_per_epoch"] = updates
    return kw, updates, on_epochs


def gen_factory(sched: str, rng: random.Random) -> Case:
    kwargs, updates, _ = gen_factory_kwargs(rng, sched)
    mode = kwargs.get("plateau_mode", "max")
    metrics = (rng.randint(0, 10**9), mode, 0.0) if sched == "plateau" else gen_metrics(rng, mode)
    return Case(
        "create_scheduler_v2",
        kwargs,
        gen_groups(rng),
        updates,
        extra_epochs=rng.randint(0, 5),
        metrics=metrics,
    )


def gen_create_scheduler(rng: random.Random) -> Case:
    """train.py's path: an argparse-like namespace through scheduler_kwargs."""
    sched = rng.choice([*SCHED_NAMES, "none"])
    on_updates = sched != "plateau" and rng.random() < 0.5
    updates = rng.randint(1, 4)
    names = {
        "epochs": rng.randint(8, 40),
        "decay_epochs": rng.choice([rng.randint(2, 15), 0.3]),
        "decay_milestones": sorted(rng.sample(range(1, 40), 3)),
        "warmup_epochs": rng.randint(0, 5),
        "cooldown_epochs": rng.randint(0, 3),
        "patience_epochs": rng.randint(0, 5),
        "decay_rate": rng.choice([0.1, 0.5]),
        "min_lr": rng.choice([0.0, 1e-6]),
        "warmup_lr": rng.choice([1e-5, 1e-6]),
        "warmup_prefix": rng.random() < 0.5,
        "lr_noise": rng.choice([None, 0.5, [0.2, 0.6], [0.4]]),
        "lr_noise_pct": rng.uniform(0.1, 0.67),
        "lr_noise_std": rng.uniform(0.5, 1.0),
        "seed": rng.randint(0, 1000),
        "lr_cycle_mul": rng.choice([1.0, 2.0]),
        "lr_cycle_decay": rng.choice([0.1, 0.5]),
        "lr_cycle_limit": rng.randint(1, 3),
        "lr_k_decay": rng.choice([1.0, 2.0]),
        "lr_decay_fn": rng.choice([None, "cosine"]),
        "lr_stable_timescale": rng.choice([None, 3.0]),
        "eval_metric": rng.choice(["top1", "loss"]),
        "sched_on_updates": on_updates,
    }
    args = {"sched": sched}
    for name, value in names.items():
        # Missing attributes take scheduler_kwargs' defaults (e.g. 100 epochs, 5 warmup epochs).
        if rng.random() < 0.85 or (name == "sched_on_updates" and on_updates):
            args[name] = value
    mode = "min" if "loss" in args.get("eval_metric", "top1") else "max"
    kwargs = {"args": args, "updates_per_epoch": updates if on_updates or rng.random() < 0.5 else 0}
    return Case(
        "create_scheduler",
        kwargs,
        gen_groups(rng),
        updates,
        extra_epochs=rng.randint(0, 3),
        metrics=(rng.randint(0, 10**9), mode, 0.0),
    )


GENERATORS = {
    "step": gen_step,
    "multistep": gen_multistep,
    "cosine": functools.partial(gen_cyclic, "CosineLRScheduler"),
    "tanh": functools.partial(gen_cyclic, "TanhLRScheduler"),
    "poly": functools.partial(gen_cyclic, "PolyLRScheduler"),
    "wsd": gen_wsd,
    "plateau": gen_plateau,
    "scheduler": gen_scheduler,
    "create_scheduler": gen_create_scheduler,
    **{f"v2-{name}": functools.partial(gen_factory, name) for name in SCHED_NAMES},
}
BATCHES = {
    "step": 8,
    "multistep": 8,
    "cosine": 14,
    "tanh": 10,
    "poly": 10,
    "wsd": 10,
    "plateau": 10,
    "scheduler": 4,
    "create_scheduler": 2,
    **{f"v2-{name}": 2 for name in SCHED_NAMES},
}
PER_BATCH = 25
# Shrinking cycles, fractional t_initial with k-decay and out-of-range wsd decays make timm stop or
# refuse some configs; the rest must run to the end.
MIN_FULL = collections.defaultdict(lambda: 0.9, {"cosine": 0.75, "tanh": 0.75, "poly": 0.75, "wsd": 0.8})


def cases_for(family: str, batch: int, n: int = PER_BATCH, salt: str = "") -> list[Case]:
    rng = random.Random(f"{salt}{family}/{batch}")
    cases = []
    for i in range(n):
        case = GENERATORS[family](rng)
        case.label = f"{family} batch {batch} #{i}"
        if "v2" not in family and "create" not in family and rng.random() < 0.15:
            preset_initial_values(rng, case)
        cases.append(case)
    return cases


def preset_initial_values(rng: random.Random, case: Case) -> None:
    """Groups that already hold ``initial_<field>`` (a resumed or re-created scheduler): timm takes
    it as the base rather than the current value, and with ``initialize=False`` requires it."""
    values = case.groups["lrs"] if case.field == "lr" else case.groups["weight_decays"]
    case.groups["preset"] = {f"initial_{case.field}": [v * rng.uniform(0.5, 2.0) for v in values]}
    case.kwargs["initialize"] = rng.random() < 0.5


@pytest.mark.parametrize(
    ("family", "batch"), [(family, batch) for family, n in BATCHES.items() for batch in range(n)]
)
def test_matches_timm_every_call(family, batch):
    run_batch(cases_for(family, batch), MIN_FULL[family])


def test_factory_none_returns_none_the_same_way():
    for warmup_prefix in (False, True):
        for sched in ("none", "cosine"):
            results = []
            for mod in (TIMM, ours):
                opt = make_optimizer(
                    {"opt": "sgd", "lrs": [0.1], "lr_scales": [None], "weight_decays": [0.0]}
                )
                sched_obj, epochs = mod.create_scheduler_v2(
                    opt, sched=sched, num_epochs=20, warmup_epochs=3, warmup_prefix=warmup_prefix
                )
                results.append((sched_obj is None, epochs, opt.param_groups[0]["lr"]))
            assert results[0] == results[1], (sched, warmup_prefix)


# -- signatures ----------------------------------------------------------------------------------


def params_of(obj) -> list[tuple]:
    return [(p.name, p.kind, p.default) for p in inspect.signature(obj).parameters.values()]


@pytest.mark.parametrize("name", CLASSES + FUNCTIONS)
def test_signature_matches_timm(name):
    # No extra parameters are allowed: a drop-in twin needs none, and any extra one would be a
    # name that timm code could not pass anyway.
    assert params_of(getattr(ours, name)) == params_of(getattr(TIMM, name))


@pytest.mark.parametrize("name", CLASSES)
def test_method_signatures_match_timm(name):
    theirs, mine = getattr(TIMM, name), getattr(ours, name)
    for method in (
        "step",
        "step_update",
        "update_groups",
        "state_dict",
        "load_state_dict",
        "get_cycle_length",
    ):
        if hasattr(theirs, method):
            expected = params_of(getattr(theirs, method))
            if method == "load_state_dict":
                # lrkit's one addition, keyword-only so that no timm call can pass it by accident:
                # the deliberate continuation of a checkpoint under changed settings.
                expected.append(("reschedule", inspect.Parameter.KEYWORD_ONLY, False))
            assert params_of(getattr(mine, method)) == expected, method


def test_legacy_method_signatures():
    # As timm < 1.0 declared them: get_epoch_values(self, epoch), get_update_values(self, num_updates).
    positional = inspect.Parameter.POSITIONAL_OR_KEYWORD
    empty = inspect.Parameter.empty
    for name in CLASSES:
        cls = getattr(ours, name)
        assert params_of(cls.get_epoch_values)[1:] == [("epoch", positional, empty)], name
        assert params_of(cls.get_update_values)[1:] == [("num_updates", positional, empty)], name


def test_class_hierarchy_matches_timm():
    for name in CLASSES[1:]:
        assert issubclass(getattr(ours, name), ours.Scheduler), name


def test_scheduler_is_abstract_like_timms():
    # timm's Scheduler is an ABC: instantiating it without _get_lr is a TypeError there.
    opt = make_optimizer({"opt": "sgd", "lrs": [0.1], "lr_scales": [None], "weight_decays": [0.0]})
    with pytest.raises(TypeError):
        TIMM.Scheduler(opt, "lr")
    with pytest.raises(TypeError):
        ours.Scheduler(opt, "lr")


def test_scheduler_kwargs_matches_timm():
    rng = random.Random("scheduler_kwargs")
    for _ in range(200):
        args = gen_create_scheduler(rng).kwargs["args"]
        decreasing = rng.choice([None, True, False])
        cfg = types.SimpleNamespace(**args)
        expected = TIMM.scheduler_kwargs(cfg, decreasing_metric=decreasing)
        assert ours.scheduler_kwargs(cfg, decreasing_metric=decreasing) == expected, (args, decreasing)
        assert ours.scheduler_kwargs(cfg) == TIMM.scheduler_kwargs(cfg), args


# -- the pre-1.0 API -----------------------------------------------------------------------------

LEGACY_FAMILIES = ["step", "multistep", "cosine", "tanh", "poly", "wsd", "scheduler"] + [
    f"v2-{name}" for name in SCHED_NAMES if name != "plateau"
]


@pytest.mark.parametrize("family", LEGACY_FAMILIES)
def test_get_epoch_and_update_values(family):
    checked = 0
    for case in legacy_cases(family):
        try:
            _, theirs, _ = build(TIMM, case)
        except Exception:
            continue
        opt, mine, _ = build(ours, case)
        before = [dict(g, params=None) for g in opt.param_groups]
        span = (case.epochs or case.kwargs["num_epochs"]) * (case.updates + 1) + 5
        times = [*range(span), 0.5, 2.25, span + 0.5, 10 * span]
        for t in times:
            try:
                expected = theirs._get_lr(t)
            except Exception:
                continue
            epoch_values, update_values = mine.get_epoch_values(t), mine.get_update_values(t)
            if theirs.t_in_epochs:
                assert update_values is None, (case.describe(), t)
                assert isinstance(epoch_values, list), (case.describe(), t)
                assert same_list(expected, epoch_values), (case.describe(), t, expected, epoch_values)
            else:
                assert epoch_values is None, (case.describe(), t)
                assert isinstance(update_values, list), (case.describe(), t)
                assert same_list(expected, update_values), (case.describe(), t, expected, update_values)
            checked += 1
        # Old timm's getters were pure: they never wrote the optimizer.
        assert [dict(g, params=None) for g in opt.param_groups] == before, case.describe()
    assert checked > 1000


def legacy_cases(family: str) -> list[Case]:
    return [GENERATORS[family](random.Random(f"legacy/{family}/{i}")) for i in range(12)]


# -- edge stepping -------------------------------------------------------------------------------

EDGE_FAMILIES = ["step", "multistep", "cosine", "tanh", "poly", "wsd", "plateau", "scheduler"] + [
    f"v2-{name}" for name in SCHED_NAMES
]


def edge_calls(rng: random.Random, span: int, fractional: bool) -> list[tuple]:
    """Repeated times, time going backwards, far past the end, then (optionally) fractional times."""
    whole = [0, 0, 1, 1, 2, 5, 5, 3, 1, 0, span // 2, span // 2, span - 1, span, span, span + 1]
    whole += [2 * span, 10 * span + 3, 10**6, span // 3, 4, 4]
    frac = [2.5, 2.5, 7.25, 0.5, span / 2 + 0.75, span + 0.25, 1.5] if fractional else []
    calls = []
    for t in whole + frac:
        metric = rng.choice([None, rng.uniform(0.5, 2.0)])
        calls.append((rng.choice(["step", "step_update"]), t, metric))
        calls.append(("step" if calls[-1][0] == "step_update" else "step_update", t, metric))
    return calls


@pytest.mark.parametrize("family", EDGE_FAMILIES)
def test_edge_stepping(family):
    cases = []
    for i in range(20):
        rng = random.Random(f"edge/{family}/{i}")
        case = GENERATORS[family](rng)
        fractional = i % 2 == 0
        if fractional:
            # timm seeds its noise generator with seed + t, which torch refuses for a float t.
            case.kwargs.pop("noise_range_t", None)
            case.kwargs.pop("noise", None)
        span = case.epochs or case.kwargs.get("num_epochs", 30)
        if case.kwargs.get("t_in_epochs") is False or case.kwargs.get("step_on_epochs") is False:
            span *= case.updates
        case.calls = edge_calls(rng, span, fractional)
        case.label = f"edge {family} #{i}"
        cases.append(case)
    run_batch(cases, min_full=0.5)


def cycle_starts(t_initial: int, mul: float, n: int) -> list[int]:
    """Integer times where cycles 1..n start, in exact arithmetic."""
    starts, end, length = [], 0.0, float(t_initial)
    for _ in range(n):
        end += length
        length *= mul
        if abs(end - round(end)) < 1e-9:
            starts.append(round(end))
    return starts


@pytest.mark.parametrize("target", ["CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"])
@pytest.mark.parametrize(
    ("t_initial", "mul"),
    [(16, 1.5), (1, 3.0), (4, 3.0), (3, 2.0), (16, 0.5), (12, 0.75), (25, 1.2), (8, 2.5)],
)
def test_cycle_boundaries_follow_timms_float_cycle_index(target, t_initial, mul):
    # timm finds the cycle with floor(log(1 - t / t_initial * (1 - mul), mul)) in floats, which
    # puts some exact cycle starts in the previous cycle (its end, lr_min) - e.g. t=211 for
    # t_initial=16, mul=1.5, or t=121 for t_initial=1, mul=3. The twin must land on the same side.
    calls = []
    for start in cycle_starts(t_initial, mul, 5):
        calls += [("step", t, None) for t in (start - 1, start, start + 1)]
    if mul < 1:  # shrinking cycles end at t_initial / (1 - mul), where timm's log fails
        calls = [c for c in calls if c[1] < t_initial / (1 - mul)]
    groups = {"opt": "sgd", "lrs": [0.1], "lr_scales": [None], "weight_decays": [0.0]}
    kwargs = {"t_initial": t_initial, "cycle_mul": mul, "cycle_limit": 6, "lr_min": 1e-4}
    case = Case(target, kwargs, groups, updates=1, calls=calls, label="cycle boundaries")
    status, failure = compare(case)
    assert failure is None, failure
    assert status == "full"


@pytest.mark.parametrize(
    ("target", "kwargs"),
    [
        ("CosineLRScheduler", {"t_initial": 10, "lr_min": 1e-5, "cycle_limit": 2, "warmup_t": 3}),
        ("CosineLRScheduler", {"t_initial": 4, "lr_min": 2e-4, "cycle_mul": 2.0, "cycle_limit": 3}),
        ("TanhLRScheduler", {"t_initial": 10, "lr_min": 1e-5, "cycle_decay": 0.5, "cycle_limit": 3}),
        ("PolyLRScheduler", {"t_initial": 10, "lr_min": 1e-5, "power": 2.0, "k_decay": 1.5}),
        ("WSDLRScheduler", {"t_initial": 10, "decay_t": 4, "lr_min": 1e-5, "decay_fn": "cosine"}),
    ],
)
@pytest.mark.parametrize("t_in_epochs", [True, False])
def test_far_past_the_end_holds_lr_min(target, kwargs, t_in_epochs):
    groups = {"opt": "sgd", "lrs": [0.1, 0.02], "lr_scales": [None, 0.5], "weight_decays": [0.0, 0.0]}
    results = []
    for mod in (TIMM, ours):
        opt, sched, _ = build(mod, Case(target, dict(kwargs, t_in_epochs=t_in_epochs), groups, 1))
        values = []
        for t in (10**3, 10**6, 10**9):
            (sched.step if t_in_epochs else sched.step_update)(t)
            values.append([g["lr"] for g in opt.param_groups])
        results.append(values)
    assert results[0] == results[1] == [[kwargs["lr_min"], kwargs["lr_min"] * 0.5]] * 3


# -- plateau: state and deprecation ----------------------------------------------------------


def run_with_restart(mod: types.ModuleType, case: Case, stop: int | None) -> list[list[float]]:
    """lrs after every call; with ``stop``, the run is checkpointed after ``stop`` calls and
    continued in fresh optimizer and scheduler objects, as a resumed training job would be."""
    opt, sched, epochs = build(mod, case)
    calls = training_loop(case, epochs)
    values = []
    for k, (method, t, metric) in enumerate(calls):
        if k == stop:
            buffer = io.BytesIO()
            torch.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, buffer)
            buffer.seek(0)
            state = torch.load(buffer, weights_only=True)
            opt, sched, _ = build(mod, case)
            opt.load_state_dict(state["optimizer"])
            sched.load_state_dict(state["scheduler"])
        call(sched, method, t, metric)
        values.append([g["lr"] for g in opt.param_groups])
    return values


@pytest.mark.parametrize("family", ["plateau", "v2-plateau"])
def test_plateau_resumes_exactly(family):
    for i, case in enumerate(cases_for(family, 0, n=30, salt="resume/")):
        n_calls = len(training_loop(case, build(ours, case)[2]))
        stop = random.Random(i).randint(1, n_calls - 1)
        assert run_with_restart(ours, case, stop) == run_with_restart(ours, case, None), (
            stop,
            case.describe(),
        )


@pytest.mark.parametrize("family", ["step", "multistep", "cosine", "tanh", "poly", "wsd", "v2-rsqrt"])
def test_stateless_schedulers_resume_exactly(family):
    for i, case in enumerate(cases_for(family, 0, n=8, salt="resume/")):
        if callable(case.kwargs.get("decay_fn")):
            continue  # a function cannot go through torch.load(weights_only=True)
        try:
            build(TIMM, case)
            expected = run_with_restart(ours, case, None)
        except Exception:
            continue  # configs timm refuses, or that break past its domain, are covered elsewhere
        stop = random.Random(i).randint(1, len(expected) - 1)
        assert run_with_restart(ours, case, stop) == expected, (stop, case.describe())


def plateau_case(kwargs: dict, metrics: list[float]) -> Case:
    return Case(
        "PlateauLRScheduler",
        kwargs,
        {"opt": "sgd", "lrs": [0.1], "lr_scales": [None], "weight_decays": [0.0]},
        updates=1,
        epochs=len(metrics),
        calls=[("step", epoch + 1, metric) for epoch, metric in enumerate(metrics)],
    )


@pytest.mark.parametrize(
    ("kwargs", "metrics", "stop", "straight"),
    [
        # Two bad epochs counted at the checkpoint (after epoch 4); patience 3 decays at epoch 6.
        (
            {"decay_rate": 0.5, "patience_t": 3, "mode": "min"},
            [1.0, 0.9] + [0.9] * 10,
            4,
            [0.1] * 5 + [0.05] * 4 + [0.025] * 3,
        ),
        # In cooldown at the checkpoint (after epoch 3): no decay until the cooldown has passed.
        (
            {"decay_rate": 0.5, "patience_t": 0, "cooldown_t": 3, "mode": "max"},
            [0.5] * 10,
            3,
            [0.1, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.025, 0.0125],
        ),
    ],
)
def test_plateau_survives_a_checkpoint_where_timm_does_not(kwargs, metrics, stop, straight):
    # This is why lrkit keeps the whole plateau state: timm saves only `best` and `last_epoch`, so
    # its resumed run restarts the bad-epoch and cooldown counts and decays at other epochs.
    case = plateau_case(kwargs, metrics)
    assert [v[0] for v in run_with_restart(TIMM, case, None)] == straight
    assert run_with_restart(TIMM, case, stop) != run_with_restart(TIMM, case, None)
    assert run_with_restart(ours, case, None) == run_with_restart(TIMM, case, None)
    assert run_with_restart(ours, case, stop) == run_with_restart(ours, case, None)


def test_plateau_noise_restart_restores_the_lr_before_noise():
    # Checkpointed right after a noised epoch: the optimizer holds the noised lr, and the next
    # step must start from the lr before the noise, as the uninterrupted run does.
    case = Case(
        "PlateauLRScheduler",
        {"decay_rate": 0.5, "patience_t": 1, "mode": "min", "noise_range_t": 3, "noise_pct": 0.5},
        {"opt": "adamw", "lrs": [0.1, 0.03], "lr_scales": [None, 0.5], "weight_decays": [0.0, 0.01]},
        updates=1,
        epochs=12,
        calls=[("step", epoch + 1, 1.0) for epoch in range(12)],
    )
    straight = run_with_restart(ours, case, None)
    assert straight == run_with_restart(TIMM, case, None)
    for stop in range(1, 12):
        assert run_with_restart(ours, case, stop) == straight, stop


def test_plateau_is_not_deprecated():
    opt = make_optimizer({"opt": "sgd", "lrs": [0.1], "lr_scales": [None], "weight_decays": [0.0]})
    with pytest.warns(FutureWarning):
        TIMM.PlateauLRScheduler(opt)  # the difference is by design: timm does warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours.PlateauLRScheduler(opt, patience_t=2)
        ours.create_scheduler_v2(opt, sched="plateau", num_epochs=10)
        ours.create_scheduler(types.SimpleNamespace(sched="plateau"), opt)


# -- validation ----------------------------------------------------------------------------------

BAD = [
    # (what to call, arguments, the argument the message must name, does timm refuse it too)
    ("CosineLRScheduler", {"t_initial": -5}, "t_initial", True),
    ("TanhLRScheduler", {"t_initial": -1}, "t_initial", True),
    ("PolyLRScheduler", {"t_initial": -10}, "t_initial", True),
    ("CosineLRScheduler", {"t_initial": 10, "lr_min": -1e-3}, "lr_min", True),
    ("TanhLRScheduler", {"t_initial": 10, "lr_min": -1.0}, "lr_min", True),
    ("PolyLRScheduler", {"t_initial": 10, "lr_min": -1e-6}, "lr_min", True),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 4, "lr_min": -1e-6}, "lr_min", True),
    ("WSDLRScheduler", {"t_initial": 10, "decay_t": 11}, "decay_t", True),
    ("MultiStepLRScheduler", {"decay_t": [30, 10, 20]}, "decay_t", False),
    ("TanhLRScheduler", {"t_initial": 10, "lb": 3.0, "ub": -7.0}, "lb", True),
    ("TanhLRScheduler", {"t_initial": 10, "lb": 1.0, "ub": 1.0}, "lb", True),
    ("TanhLRScheduler", {"t_initial": 10, "cycle_limit": -1}, "cycle_limit", True),
    ("TanhLRScheduler", {"t_initial": 10, "warmup_t": -1}, "warmup_t", True),
    ("TanhLRScheduler", {"t_initial": 10, "warmup_lr_init": -1e-3}, "warmup_lr_init", True),
    ("create_scheduler_v2", {"sched": "cosin3"}, "sched", True),
    (
        "create_scheduler_v2",
        {"sched": "plateau", "step_on_epochs": False, "updates_per_epoch": 5},
        "step_on_epochs",
        True,
    ),
    ("create_scheduler_v2", {"sched": "cosine", "step_on_epochs": False}, "updates_per_epoch", True),
    ("create_scheduler_v2", {"sched": "wsd", "num_epochs": 10, "decay_epochs": 20}, "decay_epochs", True),
]


@pytest.mark.parametrize(
    ("target", "kwargs", "name", "timm_refuses"), BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD]
)
def test_bad_arguments_raise_value_error_naming_them(target, kwargs, name, timm_refuses):
    def make(mod):
        opt = make_optimizer({"opt": "sgd", "lrs": [0.1], "lr_scales": [None], "weight_decays": [0.0]})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FutureWarning)
            return getattr(mod, target)(opt, **kwargs)

    if timm_refuses:
        with pytest.raises((AssertionError, ValueError)):
            make(TIMM)
    with pytest.raises(ValueError, match=rf"\b{name}\b") as info:
        make(ours)
    if target == "create_scheduler_v2" and name == "sched":
        assert "cosin3" in str(info.value)
