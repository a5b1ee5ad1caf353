"""Hostile arguments for the timm twin (``lrkit.timm``) and the YOLOv5 recipe (``lrkit.yolo``).

What holds (issue 14): a construction that is refused leaves the optimizer exactly as it was
(its param groups, the very tensors in them, its ``state_dict()``); flags are bools (a Python
or NumPy bool, never a truthy stand-in such as ``"yes"``, ``1`` or ``None``); numbers are
numbers, a ``Decimal`` or ``Fraction`` being the number it is (the same schedule, state and
lrs as the float or int it equals) and a NumPy or torch number its Python number; the
arguments of a feature that is switched off are checked all the same; and every error names
the argument the user typed. The generated cases draw a class, one argument and a value that
argument must refuse, on optimizers whose lr is a float or a tensor, with and without
``lr_scale``.
"""

from __future__ import annotations

import copy
import decimal
import fractions
import math
import types
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

import lrkit.timm as twin  # noqa: E402
import lrkit.yolo as yolo  # noqa: E402

GENERATED = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FEW = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Each class with the least it needs to build, and its arguments by kind.
REQUIRED = {
    "CosineLRScheduler": {"t_initial": 10},
    "TanhLRScheduler": {"t_initial": 10},
    "PolyLRScheduler": {"t_initial": 10},
    "StepLRScheduler": {"decay_t": 3},
    "MultiStepLRScheduler": {"decay_t": [3, 6]},
    "WSDLRScheduler": {"t_initial": 10, "decay_t": 3},
    "PlateauLRScheduler": {},
}
CLASSES = list(REQUIRED)
FLAGS = {"warmup_prefix", "t_in_epochs", "initialize"}
#: Numeric arguments that refuse a negative value (lb and ub, and a seed, may be negative).
NON_NEGATIVE = {
    "t_initial",
    "lr_min",
    "cycle_mul",
    "cycle_decay",
    "cycle_limit",
    "warmup_t",
    "warmup_lr_init",
    "noise_pct",
    "noise_std",
    "k_decay",
    "power",
    "decay_rate",
    "patience_t",
    "cooldown_t",
    "threshold",
    "decay_power",
    "stable_power",
    "decay_ratio",
}
CHOICES = {"mode", "noise_type", "stable_fn", "decay_fn"}
#: Where None means something (no noise, the default seed, the derived timescale).
NONE_MEANS_SOMETHING = {"noise_range_t", "noise_seed", "stable_timescale"}

NOT_A_FLAG = [
    "yes",
    "",
    "False",
    None,
    0,
    1,
    2,
    1.0,
    [True],
    np.int64(1),
    torch.tensor([True, False]),
    b"1",
]
NOT_A_NUMBER = [
    "x",
    "1",
    b"1",
    True,
    False,
    np.True_,
    math.nan,
    math.inf,
    -math.inf,
    1 + 2j,
    np.complex128(3 + 4j),
    decimal.Decimal("NaN"),
    decimal.Decimal("sNaN"),
    decimal.Decimal("Infinity"),
    np.array([1.0, 2.0]),
    torch.tensor([1.0, 2.0]),
    {"a": 1},
    object(),
]


def signature_args(name: str) -> list[str]:
    import inspect

    return [p for p in inspect.signature(getattr(twin, name)).parameters if p != "optimizer"]


def bad_values(cls: str, arg: str) -> list[Any]:
    """Values ``cls`` must refuse for ``arg`` (with the other arguments at their defaults)."""
    if arg in FLAGS:
        return NOT_A_FLAG
    if arg in CHOICES:
        return ["nope", 3, b"constant", ["constant"]]
    values = [x for x in NOT_A_NUMBER if not (arg == "noise_range_t" and isinstance(x, dict))]
    if arg not in NONE_MEANS_SOMETHING:
        values.append(None)
    if arg in NON_NEGATIVE:
        values += [-1, -1e-9, decimal.Decimal("-2")]
    if arg in {"cycle_limit", "patience_t", "cooldown_t", "noise_seed"}:
        values += [2.5, decimal.Decimal("2.5")]
    if arg == "decay_t" and cls == "MultiStepLRScheduler":
        values = [x for x in values if x is not None] + [[3, "x"], [6, 3], [3, None], 5]
    return values


CASES = [
    (cls, arg)
    for cls in CLASSES
    for arg in signature_args(cls)
    if arg not in REQUIRED[cls] or arg == "decay_t"
]


def make_optimizer(kind: str) -> torch.optim.Optimizer:
    """SGD with two groups: float lrs, tensor lrs, an lr_scale, or timm's initial_lr already set."""
    w, b = torch.nn.Parameter(torch.zeros(2)), torch.nn.Parameter(torch.zeros(1))
    lr: Any = torch.tensor(0.1) if kind == "tensor" else 0.1
    opt = torch.optim.SGD([{"params": [w]}, {"params": [b], "lr": 0.5}], lr=lr, momentum=0.9)
    if kind == "tensor":
        opt.param_groups[1]["lr"] = torch.tensor(0.5)
    if kind == "lr_scale":
        opt.param_groups[0]["lr_scale"] = 0.25
    if kind == "initialized":
        for group in opt.param_groups:
            group["initial_lr"] = 0.2
    return opt


def plain(value: Any) -> Any:
    """A param group's or state's value in a form that compares by value (tensors as lists)."""
    if isinstance(value, torch.Tensor):
        return ("tensor", str(value.dtype), value.tolist())
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(plain(item) for item in value)
    return value


def snapshot(opt: torch.optim.Optimizer) -> tuple[Any, ...]:
    groups = copy.deepcopy(opt.param_groups)
    held = [[(key, id(value)) for key, value in group.items()] for group in opt.param_groups]
    return plain(groups), held, plain(copy.deepcopy(opt.state_dict()))


def assert_untouched(opt: torch.optim.Optimizer, before: tuple[Any, ...]) -> None:
    after = snapshot(opt)
    assert after[0] == before[0], "param_groups changed"
    assert after[1] == before[1], "a value in a param group was replaced by another object"
    assert after[2] == before[2], "state_dict() changed"


def build(cls: str, opt: torch.optim.Optimizer, **kwargs: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return getattr(twin, cls)(opt, **kwargs)


def refused(call: Any, opt: torch.optim.Optimizer, name: str | None = None) -> BaseException:
    """``call()`` must raise ValueError or TypeError naming ``name`` and leave ``opt`` as it was."""
    before = snapshot(opt)
    with pytest.raises((ValueError, TypeError)) as info:
        call()
    assert_untouched(opt, before)
    if name is not None:
        assert str(info.value).startswith(name), (name, str(info.value))
    return info.value


# -- 1. a refused construction writes nothing ------------------------------------------------------


@pytest.mark.timeout(30)
@GENERATED
@given(
    case=st.sampled_from(CASES),
    pick=st.integers(min_value=0, max_value=10**6),
    kind=st.sampled_from(["float", "tensor", "lr_scale", "initialized"]),
)
def test_a_refused_twin_writes_nothing_into_the_optimizer(case, pick, kind):
    cls, arg = case
    values = bad_values(cls, arg)
    bad = values[pick % len(values)]
    kwargs = {**REQUIRED[cls], **({"initialize": False} if kind == "initialized" else {}), arg: bad}
    opt = make_optimizer(kind)
    refused(lambda: build(cls, opt, **kwargs), opt, arg)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cls", CLASSES)
def test_every_argument_refuses_every_bad_value_and_writes_nothing(cls):
    # The generated test above, swept whole: each argument of cls, each value it must refuse.
    kinds = ["float", "tensor", "lr_scale", "initialized"]
    count = 0
    for arg in signature_args(cls):
        if arg in REQUIRED[cls] and arg != "decay_t":
            continue
        for bad in bad_values(cls, arg):
            kind = kinds[count % len(kinds)]
            kwargs = {**REQUIRED[cls], **({"initialize": False} if kind == "initialized" else {}), arg: bad}
            opt = make_optimizer(kind)
            refused(lambda opt=opt, kwargs=kwargs: build(cls, opt, **kwargs), opt, arg)
            count += 1
    assert count > 100


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cls", CLASSES)
def test_the_issue_reproducer_and_a_refusal_after_the_first_write(cls):
    opt = make_optimizer("float")
    if cls in ("CosineLRScheduler", "TanhLRScheduler", "PolyLRScheduler"):
        refused(lambda: build(cls, opt, t_initial=10, cycle_mul=-1), opt, "cycle_mul")
    # A group the driver cannot schedule is refused after timm's initial_lr would be written.
    opt.param_groups[1]["lr"] = "0.5"
    refused(lambda: build(cls, opt, **REQUIRED[cls]), opt)
    opt = make_optimizer("float")
    opt.param_groups[0]["lr_scale"] = "half"
    refused(lambda: build(cls, opt, **REQUIRED[cls], warmup_t=2, warmup_lr_init=0.01), opt)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cls", CLASSES)
def test_a_hook_that_raises_during_construction_leaves_the_tensors_as_they_were(cls):
    # A subclass's update_groups writes (in place, into the tensor lr) and then fails: the
    # optimizer keeps its values, in the very tensors it held.
    class Failing(getattr(twin, cls)):
        def update_groups(self, values):
            super().update_groups(values)
            raise RuntimeError("a user's hook failed")

    opt = make_optimizer("tensor")
    tensors = [group["lr"] for group in opt.param_groups]
    before = snapshot(opt)
    with pytest.raises(RuntimeError, match="hook failed"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            Failing(opt, **REQUIRED[cls], warmup_t=2, warmup_lr_init=0.01)
    assert_untouched(opt, before)
    assert [group["lr"] for group in opt.param_groups] == tensors
    assert [float(t) for t in tensors] == [pytest.approx(0.1), 0.5]


@pytest.mark.parametrize("cls", CLASSES)
def test_no_optimizer_is_a_type_error_naming_it(cls):
    with pytest.raises(TypeError, match=r"^optimizer must be a torch optimizer"):
        build(cls, object(), **REQUIRED[cls])


def test_a_user_subclass_of_the_base_class_is_checked_before_writing():
    class Exp(twin.Scheduler):
        def _get_lr(self, t):
            return [v * 0.9**t for v in self.base_values]

    for kwargs, name in [
        ({"initialize": "yes"}, "initialize"),
        ({"t_in_epochs": None}, "t_in_epochs"),
        ({"noise_pct": "x"}, "noise_pct"),  # noise off, checked anyway
        ({"noise_type": "gauss"}, "noise_type"),
        ({"noise_seed": 2.5}, "noise_seed"),
        ({"noise_range_t": np.array([1, 2])}, "noise_range_t"),
    ]:
        opt = make_optimizer("float")
        refused(lambda opt=opt, kwargs=kwargs: Exp(opt, "lr", **kwargs), opt, name)
    opt = make_optimizer("float")
    refused(lambda: Exp(opt, 3), opt, "param_group_field")


ALL_SCHEDS = ("cosine", "tanh", "poly", "step", "multistep", "wsd", "plateau")
CYCLIC = ("cosine", "tanh", "poly")
#: A bad factory argument, and the schedulers that read it (the plan leaves it out of others).
FACTORY_BAD = [
    ("sched", "cosin3", ALL_SCHEDS),
    ("num_epochs", "x", CYCLIC),
    ("num_epochs", -5, CYCLIC),
    ("warmup_prefix", "yes", ALL_SCHEDS),
    ("step_on_epochs", 1, ALL_SCHEDS),
    ("noise_pct", "x", ALL_SCHEDS),
    ("noise_std", None, ALL_SCHEDS),
    ("noise_seed", 2.5, ALL_SCHEDS),
    ("cycle_mul", True, CYCLIC),
    ("cycle_decay", math.nan, CYCLIC),
    ("cycle_limit", 1.5, CYCLIC),
    ("min_lr", -1, (*CYCLIC, "wsd", "plateau")),
    ("warmup_lr", math.inf, ALL_SCHEDS),
    ("warmup_epochs", -1, ALL_SCHEDS),
    ("k_decay", "x", ("cosine", "poly")),
    ("decay_rate", decimal.Decimal("NaN"), ("poly", "step", "multistep", "plateau")),
]


@pytest.mark.timeout(30)
@FEW
@given(case=st.sampled_from(FACTORY_BAD), pick=st.integers(min_value=0, max_value=100))
def test_a_refused_factory_call_writes_nothing(case, pick):
    name, bad, scheds = case
    kwargs = {"sched": scheds[pick % len(scheds)], "num_epochs": 20, name: bad}
    opt = make_optimizer("float")
    refused(lambda: twin.create_scheduler_v2(opt, **kwargs), opt, name)


# -- 2. flags are bools, numbers are numbers, errors name what the user typed -----------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cls", CLASSES)
def test_numpy_bools_are_bools(cls):
    for arg in sorted(FLAGS & set(signature_args(cls))):
        for value in (True, False):
            # timm's initial_lr is already there: initialize=False finds it.
            a, b = make_optimizer("initialized"), make_optimizer("initialized")
            mine = build(cls, a, **REQUIRED[cls], warmup_t=2, **{arg: np.bool_(value)})
            plain_bool = build(cls, b, **REQUIRED[cls], warmup_t=2, **{arg: value})
            if arg != "initialize":  # timm keeps no attribute of it
                assert type(getattr(mine, arg)) is bool
            assert mine.state_dict() == plain_bool.state_dict()
            assert run(mine, a, steps=8) == run(plain_bool, b, steps=8)


def run(sched: Any, opt: torch.optim.Optimizer, steps: int = 25) -> list[list[float]]:
    lrs = []
    for t in range(steps):
        if isinstance(sched, twin.PlateauLRScheduler):
            sched.step(t, metric=float(t % 3))
        elif sched.t_in_epochs:
            sched.step(t)
        else:
            sched.step_update(t)
        lrs.append([float(group["lr"]) for group in opt.param_groups])
    return lrs


D, F = decimal.Decimal, fractions.Fraction
#: (class, arguments as Python numbers, the same numbers as Decimal / Fraction / NumPy / torch)
SAME_NUMBERS = [
    (
        "CosineLRScheduler",
        dict(
            t_initial=10, lr_min=0.01, cycle_mul=1.5, cycle_decay=0.5, cycle_limit=3, warmup_t=2, k_decay=0.5
        ),
        dict(
            t_initial=D(10),
            lr_min=D("0.01"),
            cycle_mul=F(3, 2),
            cycle_decay=D("0.5"),
            cycle_limit=D(3),
            warmup_t=np.int64(2),
            k_decay=torch.tensor(0.5, dtype=torch.float64),
        ),
    ),
    (
        "TanhLRScheduler",
        dict(t_initial=12, lb=-6.5, ub=2.0, warmup_t=3, warmup_lr_init=0.001, warmup_prefix=True),
        dict(
            t_initial=np.int32(12),
            lb=D("-6.5"),
            ub=np.float64(2.0),
            warmup_t=torch.tensor(3),
            warmup_lr_init=D("0.001"),
            warmup_prefix=np.True_,
        ),
    ),
    (
        "PolyLRScheduler",
        dict(t_initial=8, power=2.0, noise_range_t=(2, 6), noise_pct=0.5, noise_seed=7),
        dict(
            t_initial=D("8.0"),
            power=F(2),
            noise_range_t=(np.int64(2), D(6)),
            noise_pct=D("0.5"),
            noise_seed=np.uint8(7),
        ),
    ),
    (
        "StepLRScheduler",
        dict(decay_t=2.5, decay_rate=0.5, warmup_t=1),
        dict(decay_t=D("2.5"), decay_rate=F(1, 2), warmup_t=D(1)),
    ),
    (
        "MultiStepLRScheduler",
        dict(decay_t=[3, 7, 11], decay_rate=0.3),
        dict(decay_t=[np.int64(3), D(7), torch.tensor(11)], decay_rate=D("0.3")),
    ),
    (
        "WSDLRScheduler",
        dict(t_initial=20, decay_t=5, lr_min=0.001, decay_ratio=0.2, warmup_t=2),
        dict(t_initial=D(20), decay_t=np.int16(5), lr_min=D("0.001"), decay_ratio=D("0.2"), warmup_t=F(2)),
    ),
    (
        "PlateauLRScheduler",
        dict(decay_rate=0.5, patience_t=1, threshold=0.01, cooldown_t=1, warmup_t=2, lr_min=1e-4),
        dict(
            decay_rate=D("0.5"),
            patience_t=np.int64(1),
            threshold=D("0.01"),
            cooldown_t=D(1),
            warmup_t=torch.tensor(2),
            lr_min=D("0.0001"),
        ),
    ),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("cls", "python", "others"), SAME_NUMBERS, ids=[c for c, _, _ in SAME_NUMBERS])
def test_a_decimal_or_numpy_number_is_the_number_it_is(cls, python, others):
    a, b = make_optimizer("float"), make_optimizer("float")
    mine, expected = build(cls, a, **others), build(cls, b, **python)
    for key in python:
        if not hasattr(expected, key):
            continue  # timm's plateau keeps its decay settings in its torch plateau
        value = getattr(mine, key)
        assert value == getattr(expected, key), key
        assert not isinstance(value, (decimal.Decimal, fractions.Fraction, np.generic, torch.Tensor)), key
    assert mine.state_dict() == expected.state_dict()
    assert run(mine, a) == run(expected, b)


@pytest.mark.timeout(30)
def test_a_factory_takes_decimal_and_numpy_numbers_as_the_numbers_they_are():
    a, b = make_optimizer("float"), make_optimizer("float")
    kwargs = dict(sched="cosine", warmup_epochs=2, noise=[0.2, 0.8], cycle_limit=2)
    mine, epochs = twin.create_scheduler_v2(
        a, num_epochs=D(10), min_lr=D("0.001"), cycle_mul=F(3, 2), warmup_prefix=np.True_, **kwargs
    )
    expected, expected_epochs = twin.create_scheduler_v2(
        b, num_epochs=10, min_lr=0.001, cycle_mul=1.5, warmup_prefix=True, **kwargs
    )
    assert epochs == expected_epochs and mine.state_dict() == expected.state_dict()
    assert run(mine, a) == run(expected, b)


#: The issue's names: what the user typed, never the inner argument it becomes.
NAMED = [
    ("CosineLRScheduler", dict(t_initial=10, warmup_prefix="yes"), "warmup_prefix"),
    ("StepLRScheduler", dict(decay_t=2, warmup_prefix=1), "warmup_prefix"),
    ("CosineLRScheduler", dict(t_initial=10, noise_range_t="x"), "noise_range_t"),
    ("CosineLRScheduler", dict(t_initial=10, noise_range_t=[1, 2, 3]), "noise_range_t"),
    ("PlateauLRScheduler", dict(noise_range_t=[1, "x"]), "noise_range_t[1]"),
    ("MultiStepLRScheduler", dict(decay_t=[30, 10, 20]), "decay_t"),
    ("MultiStepLRScheduler", dict(decay_t=[3, "x"]), "decay_t[1]"),
    ("StepLRScheduler", dict(decay_t=2, decay_rate=-1), "decay_rate"),
    ("PlateauLRScheduler", dict(decay_rate=2), "decay_rate"),
    ("PlateauLRScheduler", dict(patience_t=-1), "patience_t"),
    ("PlateauLRScheduler", dict(cooldown_t=1.5), "cooldown_t"),
    ("PlateauLRScheduler", dict(lr_min=-1), "lr_min"),
    ("PlateauLRScheduler", dict(initialize="no"), "initialize"),
    ("CosineLRScheduler", dict(t_initial=10, initialize="yes"), "initialize"),
    ("CosineLRScheduler", dict(t_initial=10, t_in_epochs=None), "t_in_epochs"),
    ("CosineLRScheduler", dict(t_initial=10, cycle_limit=True), "cycle_limit"),
    ("CosineLRScheduler", dict(t_initial=10, cycle_limit=None), "cycle_limit"),
    ("CosineLRScheduler", dict(t_initial=10, cycle_mul=torch.tensor([1.0, 2.0])), "cycle_mul"),
    ("CosineLRScheduler", dict(t_initial=D("NaN")), "t_initial"),
    ("CosineLRScheduler", dict(t_initial=10**400), "t_initial"),
    ("TanhLRScheduler", dict(t_initial=10, lb=D("sNaN")), "lb"),
    ("PolyLRScheduler", dict(t_initial=10, power=np.complex128(3 + 4j)), "power"),
    ("WSDLRScheduler", dict(t_initial=10, decay_t=2, warmup_lr_init="x"), "warmup_lr_init"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("cls", "kwargs", "name"), NAMED, ids=[f"{c}-{n}" for c, _, n in NAMED])
def test_errors_name_the_argument_the_user_typed(cls, kwargs, name):
    opt = make_optimizer("float")
    refused(lambda: build(cls, opt, **kwargs), opt, name)


FACTORY_NAMED = [
    (dict(step_on_epochs="yes"), "step_on_epochs"),
    (dict(warmup_prefix=None), "warmup_prefix"),
    (dict(num_epochs="x"), "num_epochs"),
    (dict(num_epochs=-5), "num_epochs"),
    (dict(min_lr=-1), "min_lr"),
    (dict(warmup_epochs=-1), "warmup_epochs"),
    (dict(warmup_lr=math.nan), "warmup_lr"),
    (dict(sched="poly", decay_rate="x"), "decay_rate"),
    (dict(sched="step", decay_epochs=-1), "decay_epochs"),
    (dict(sched="multistep", decay_milestones=[5, "x"]), "decay_milestones[1]"),
    (dict(sched="plateau", patience_epochs=-1), "patience_epochs"),
    (dict(sched="plateau", decay_rate=2), "decay_rate"),
    (dict(sched="plateau", min_lr=-1), "min_lr"),
    (dict(sched="plateau", plateau_mode="up"), "plateau_mode"),
    (dict(noise=[0.1, 0.2, 0.3]), "noise"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("kwargs", "name"), FACTORY_NAMED, ids=[n for _, n in FACTORY_NAMED])
def test_factory_errors_name_the_factorys_arguments(kwargs, name):
    opt = make_optimizer("float")
    refused(lambda: twin.create_scheduler_v2(opt, **{"num_epochs": 20, **kwargs}), opt, name)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("attrs", "name"),
    [
        (dict(sched_on_updates="yes"), "sched_on_updates"),
        (dict(warmup_prefix="no"), "warmup_prefix"),
        (dict(epochs=-3), "epochs"),
        (dict(lr_noise_pct="x", lr_noise=0.5), "lr_noise_pct"),
        (dict(lr_cycle_mul=True), "lr_cycle_mul"),
        (dict(lr_cycle_limit=2.5), "lr_cycle_limit"),
        (dict(lr_k_decay="x"), "lr_k_decay"),
        (dict(seed=2.5), "seed"),
    ],
)
def test_create_scheduler_names_the_train_py_flags(attrs, name):
    opt = make_optimizer("float")
    args = types.SimpleNamespace(sched="cosine", **attrs)
    refused(lambda: twin.create_scheduler(args, opt), opt, name)


# -- 3. a feature switched off still has its arguments checked ---------------------------------


@pytest.mark.timeout(30)
def test_the_issue_reproducer_noise_off_is_refused():
    opt = make_optimizer("float")
    kwargs = dict(noise_pct="x", noise_std=None, noise_seed=2.5, cycle_decay=math.nan, cycle_mul=True)
    refused(lambda: twin.CosineLRScheduler(opt, t_initial=10, **kwargs), opt)


OFF = [
    ({"noise_pct": "x"}, "noise_pct"),
    ({"noise_pct": 0}, "noise_pct"),
    ({"noise_std": None}, "noise_std"),
    ({"noise_std": -1.0}, "noise_std"),
    ({"noise_seed": 2.5}, "noise_seed"),
    ({"noise_seed": "42"}, "noise_seed"),
]
CYCLES_OFF = [
    ({"cycle_decay": math.nan}, "cycle_decay"),
    ({"cycle_decay": -0.5}, "cycle_decay"),
    ({"cycle_mul": True}, "cycle_mul"),
    ({"cycle_limit": True}, "cycle_limit"),
]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("cls", CLASSES)
def test_switched_off_arguments_are_checked(cls):
    cases = list(OFF)
    if "cycle_mul" in signature_args(cls):
        cases += CYCLES_OFF
    if cls == "PlateauLRScheduler":
        cases.append(({"noise_type": "gauss"}, "noise_type"))
    cases.append(({"warmup_lr_init": "x"}, "warmup_lr_init"))  # warmup_t=0: no ramp to start
    for bad, name in cases:
        opt = make_optimizer("float")
        refused(lambda opt=opt, bad=bad: build(cls, opt, **REQUIRED[cls], **bad), opt, name)


# -- 4. lrkit.yolo -------------------------------------------------------------------------------


def yolo_model() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3), torch.nn.BatchNorm2d(4))


YOLO_BAD = {
    "epochs": [0, -1, 2.5, "100", None, True, math.inf, D("NaN"), 10**400],
    "batches_per_epoch": [0, -3, 2.5, math.inf, math.nan, None, "50", True, 10**400],
    "lrf": [-0.1, math.nan, math.inf, "0.01", None, True],
    "cos_lr": NOT_A_FLAG,
    "lag": NOT_A_FLAG,
    "warmup_epochs": [-1, math.nan, math.inf, 1e308, "3", None, True],
    "warmup_bias_lr": [-0.1, math.nan, math.inf, "0.1", None],
    "warmup_momentum": [1.0, 1.5, -0.1, math.nan, "0.8", None, True],
    "momentum": [1.0, 1.0001, 37, -0.5, math.nan, math.inf, "0.937", None, False],
    "bias_group": [3, -4, 1.5, "2", None, True],
    "min_warmup_iters": [math.inf, math.nan, -1, 2.5, "100", None, True, 10**400],
}


@pytest.mark.timeout(30)
@GENERATED
@given(
    arg=st.sampled_from(sorted(YOLO_BAD)),
    pick=st.integers(min_value=0, max_value=10**6),
    adam=st.booleans(),
)
def test_yolo_refuses_each_bad_argument_by_name_and_writes_nothing(arg, pick, adam):
    values = YOLO_BAD[arg]
    bad = values[pick % len(values)]
    if adam:
        # No momentum to schedule: the momentum arguments are checked all the same.
        opt: torch.optim.Optimizer = torch.optim.Adam(yolo.param_groups(yolo_model()), lr=1e-3)
    else:
        opt = yolo.optimizer(yolo_model())
    kwargs: dict[str, Any] = {"epochs": 10, "batches_per_epoch": 5, arg: bad}
    refused(lambda: yolo.scheduler(opt, **kwargs), opt, arg)


@pytest.mark.timeout(30)
def test_yolo_helpers_check_their_arguments():
    for kwargs, name in [
        ({"min_warmup_iters": math.inf}, "min_warmup_iters"),
        ({"min_warmup_iters": -1}, "min_warmup_iters"),
        ({"warmup_epochs": math.nan}, "warmup_epochs"),
        ({"warmup_epochs": 1e308, "batches_per_epoch": 10}, "warmup_epochs"),
        ({"batches_per_epoch": 0}, "batches_per_epoch"),
    ]:
        args = {"warmup_epochs": 3, "batches_per_epoch": 50, **kwargs}
        with pytest.raises((ValueError, TypeError)) as info:
            yolo.warmup_iterations(**args)
        assert str(info.value).startswith(name), str(info.value)
    assert yolo.warmup_iterations(3, 50) == 150 and yolo.warmup_iterations(0.5, 50) == 100
    for kwargs, name in [
        ({"momentum": 1.0}, "momentum"),
        ({"momentum": -0.1}, "momentum"),
        ({"lr": -0.01}, "lr"),
        ({"lr": math.nan}, "lr"),
        ({"weight_decay": -1}, "weight_decay"),
        ({"nesterov": "yes"}, "nesterov"),
        ({"nesterov": True, "momentum": 0.0}, "nesterov"),
    ]:
        with pytest.raises((ValueError, TypeError)) as info:
            yolo.optimizer(yolo_model(), **kwargs)
        assert str(info.value).startswith(name), str(info.value)
    for kwargs, name in [
        ({"cos_lr": "yes"}, "cos_lr"),
        ({"lrf": math.nan}, "lrf"),
        ({"epochs": 0}, "epochs"),
    ]:
        with pytest.raises((ValueError, TypeError)) as info:
            yolo.lf(**{"epochs": 10, **kwargs})
        assert str(info.value).startswith(name), str(info.value)


@pytest.mark.timeout(30)
def test_yolo_numpy_bools_and_numbers_are_what_they_stand_for():
    a, b = yolo.optimizer(yolo_model()), yolo.optimizer(yolo_model())
    mine = yolo.scheduler(
        a,
        np.int64(6),
        np.int64(4),
        cos_lr=np.False_,
        lag=np.True_,
        momentum=D("0.9"),
        warmup_epochs=F(1, 2),
        min_warmup_iters=np.int32(3),
    )
    expected = yolo.scheduler(
        b, 6, 4, cos_lr=False, lag=True, momentum=0.9, warmup_epochs=0.5, min_warmup_iters=3
    )
    for t in range(24):
        mine.step_update(t)
        expected.step_update(t)
        assert [(g["lr"], g["momentum"]) for g in a.param_groups] == [
            (g["lr"], g["momentum"]) for g in b.param_groups
        ]
    # YOLOv5's own defaults still build (and test_yolo.py compares them with YOLOv5's loop).
    yolo.scheduler(yolo.optimizer(yolo_model()), 300, 100)


@pytest.mark.timeout(30)
def test_yolo_refused_by_the_driver_after_writing_the_momentum_bases_restores_them():
    opt = yolo.optimizer(yolo_model())
    opt.param_groups[1]["lr"] = "0.01"  # no number: the driver refuses the group
    opt.param_groups[0]["initial_momentum"] = 0.5
    refused(lambda: yolo.scheduler(opt, 10, 5), opt)
    assert "initial_momentum" not in opt.param_groups[2]
