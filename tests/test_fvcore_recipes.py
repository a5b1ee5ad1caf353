"""lrkit's fvcore nodes and ``fvcore:<ClassName>`` recipes against fvcore's own ``param_scheduler``.

The differential test draws configurations of every fvcore class from a seeded
``random.Random`` (composites nested two deep, of every class, with lengths that sum to 1
exactly, within fvcore's 1e-3 and so corrected, further off and refused, or with pieces of
length 0), builds the real
fvcore scheduler and the lrkit recipe from the same arguments (the composite's pieces given as
lrkit nodes, as ``_target_`` mappings and as lrkit trees) and compares, for runs of ``total_t``
updates, fvcore's value at ``where = t / total_t`` with lrkit's at ``t`` for every ``t`` below
``total_t``, on Python floats and on a NumPy array of all of them. The nodes are also compared at
``where`` values drawn at and around every boundary (a milestone, a composite's running total,
each within fvcore's ``1e-6``), and a configuration fvcore refuses must be refused by lrkit
with a ``ValueError`` too; a hypothesis search compares the nodes at any ``where`` in ``[0, 1)``.
Every built tree survives ``to_dict`` / ``from_dict`` and JSON.

Measured tolerances (fvcore 0.1.5.post20221221, NumPy 2.4, CPython 3.11): on Python floats
lrkit's values are fvcore's exactly (``SCALAR_RTOL = 0``: the same operations in the same
order); on NumPy arrays within ``ARRAY_RTOL`` (NumPy's ``power`` may round an ulp away from
Python's ``**``: the largest difference measured here is 3.3e-16 relative, a composite's
polynomial piece; 2.8e-16 for a polynomial alone, 2.5e-16 for an exponential, 0 for the rest).
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

fvcore_ps = pytest.importorskip("fvcore.common.param_scheduler")

from compare import rel_diff  # noqa: E402

import lrkit  # noqa: E402
from lrkit.recipes import fvcore as F  # noqa: E402, N812

SCALAR_RTOL = 0.0
ARRAY_RTOL = 1e-15
CONFIGS_PER_CLASS = 24
CLASSES = [
    "ConstantParamScheduler",
    "CosineParamScheduler",
    "ExponentialParamScheduler",
    "LinearParamScheduler",
    "MultiStepParamScheduler",
    "PolynomialDecayParamScheduler",
    "StepParamScheduler",
    "StepWithFixedGammaParamScheduler",
    "CompositeParamScheduler",
]


# -- generated configurations --------------------------------------------------------------------


def value(rng: random.Random) -> float | int:
    return rng.choice([1, 0, 0.1, rng.random(), 10 ** rng.uniform(-5, 1), rng.randint(1, 5)])


def kwargs_of(rng: random.Random, name: str, depth: int = 0) -> dict[str, Any]:
    """fvcore's constructor keywords for one configuration of ``name``."""
    if name == "ConstantParamScheduler":
        return {"value": value(rng)}
    if name in ("CosineParamScheduler", "LinearParamScheduler"):
        return {"start_value": value(rng), "end_value": value(rng)}
    if name == "ExponentialParamScheduler":
        return {"start_value": value(rng), "decay": rng.choice([0.02, 0.5, 1, 2, rng.uniform(0.001, 3)])}
    if name == "PolynomialDecayParamScheduler":
        return {"base_value": value(rng), "power": rng.choice([0, 0.5, 0.9, 1, 2, rng.uniform(0.0, 4.0)])}
    if name == "StepParamScheduler":
        return {
            "num_updates": rng.choice([1, 90, rng.randint(1, 500), 12.5]),
            "values": [value(rng) for _ in range(rng.randint(1, 6))],
        }
    if name == "StepWithFixedGammaParamScheduler":
        return {
            "base_value": rng.choice([1.0, 0.1, rng.uniform(0.01, 2)]),
            "num_decays": rng.randint(1, 5),
            "gamma": rng.choice([0.1, 0.5, rng.uniform(0.01, 1.5)]),
            "num_updates": rng.randint(1, 1000),
        }
    if name == "MultiStepParamScheduler":
        values = [value(rng) for _ in range(rng.randint(1, 5))]
        # Few updates for many values: fvcore's even split may reach num_updates, and is refused.
        num_updates = rng.randint(len(values), rng.choice([len(values) + 3, 400]))
        milestones = sorted(rng.sample(range(1, num_updates), min(len(values) - 1, num_updates - 1)))
        style = rng.random()
        if style < 0.3:
            return {"values": values, "num_updates": num_updates}
        if style < 0.65:
            return {"values": values, "num_updates": num_updates, "milestones": milestones}
        return {"values": values, "milestones": [*milestones, num_updates]}
    assert name == "CompositeParamScheduler"
    count = rng.randint(1, 4)
    pool = CLASSES if depth < 1 else CLASSES[:-1]
    pieces = [(piece, kwargs_of(rng, piece, depth + 1)) for piece in rng.choices(pool, k=count)]
    weights = [rng.random() + (0.0 if rng.random() < 0.15 else 0.05) for _ in range(count)]
    lengths = [w / sum(weights) for w in weights]
    style = rng.random()
    if style < 0.15:
        lengths = [round(x, 2) for x in lengths]  # off 1 by up to 2e-2: most are refused
    elif style < 0.3:
        lengths = [round(x, 3) for x in lengths]  # within fvcore's 1e-3 of 1, and corrected
    elif style < 0.45 and count > 1:
        lengths[rng.randrange(count - 1)] = 0.0
        lengths[-1] = 1.0 - sum(lengths[:-1])
    scaling = [rng.choice(["rescaled", "fixed"]) for _ in range(count)]
    return {"schedulers": pieces, "lengths": lengths, "interval_scaling": scaling}


def build_fvcore(name: str, kwargs: dict[str, Any]) -> Any:
    kwargs = copy.deepcopy(kwargs)  # fvcore's composite writes into its lengths
    if name == "CompositeParamScheduler":
        kwargs["schedulers"] = [build_fvcore(piece, kw) for piece, kw in kwargs["schedulers"]]
    return getattr(fvcore_ps, name)(**kwargs)


def lrkit_piece(rng: random.Random, name: str, kwargs: dict[str, Any]) -> Any:
    """One composite piece for lrkit: a node, a ``_target_`` mapping or an lrkit tree."""
    kwargs = lrkit_kwargs(rng, name, kwargs)
    form = rng.choice(["node", "target", "tree"])
    if form == "target":
        return {"_target_": f"fvcore.common.param_scheduler.{name}", **kwargs}
    node = getattr(F, name)(**kwargs)
    return node if form == "node" else json.loads(json.dumps(node.to_dict()))


def lrkit_kwargs(rng: random.Random, name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    if name != "CompositeParamScheduler":
        return dict(kwargs)
    return {**kwargs, "schedulers": [lrkit_piece(rng, piece, kw) for piece, kw in kwargs["schedulers"]]}


def boundaries(name: str, kwargs: dict[str, Any]) -> list[float]:
    """The ``where`` values at which ``name`` changes piece or step (fvcore's 1e-6 aside)."""
    if name == "StepParamScheduler":
        n = len(kwargs["values"])
        return [k / n for k in range(1, n)]
    if name == "StepWithFixedGammaParamScheduler":
        n = kwargs["num_decays"] + 1
        return [k / n for k in range(1, n)]
    if name == "MultiStepParamScheduler":
        node = F.MultiStepParamScheduler(**kwargs)
        return [m / node.num_updates for m in node.milestones]
    if name == "CompositeParamScheduler":
        totals = np.cumsum(kwargs["lengths"]).tolist()
        return totals[:-1]
    return []


def wheres(rng: random.Random, name: str, kwargs: dict[str, Any]) -> list[float]:
    out = [0.0, 1e-7, 0.5, 1 - 1e-5, rng.random(), rng.random()]
    for b in boundaries(name, kwargs):
        for d in (0.0, 1e-6, -1e-6, 2e-6, -2e-6, 1e-12, -1e-12, 1e-3):
            if 0 <= b + d < 1:
                out.append(b + d)
    return out


def configurations(name: str) -> list[tuple[int, dict[str, Any]]]:
    rng = random.Random(f"fvcore-{name}")
    return [(seed, kwargs_of(rng, name)) for seed in range(CONFIGS_PER_CLASS)]


# -- the differential test -----------------------------------------------------------------------


@pytest.mark.parametrize("name", CLASSES)
def test_against_fvcore(name: str) -> None:
    worst_array = 0.0
    compared = 0
    for seed, kwargs in configurations(name):
        rng = random.Random(f"{name}-{seed}")
        try:
            theirs = build_fvcore(name, kwargs)
        except ValueError:
            with pytest.raises(ValueError):
                lrkit.create(f"fvcore:{name}", **lrkit_kwargs(rng, name, kwargs), total_t=10)
            continue
        mine_kwargs = lrkit_kwargs(rng, name, kwargs)
        before = copy.deepcopy(mine_kwargs)
        total = rng.choice([1, 2, 3, 7, 10, 64, 97, 100, 333, 1000, rng.randint(1, 3000)])
        schedule = lrkit.create(f"fvcore:{name}", **mine_kwargs, total_t=total)
        assert mine_kwargs == before  # the caller's lists (lengths) are left as they were
        assert isinstance(schedule, F.Progress) and schedule.total_t == total
        assert lrkit.from_dict(json.loads(json.dumps(schedule.to_dict()))) == schedule

        expected = [theirs(t / total) for t in range(total)]
        got = [schedule(t, base=rng.choice([1.0, 0.1, 3.0])) for t in range(total)]
        for t, (a, b) in enumerate(zip(expected, got, strict=True)):
            assert rel_diff(a, b) <= SCALAR_RTOL, (name, kwargs, total, t, a, b)
        array = schedule(np.arange(total, dtype=np.float64), base=0.5)
        for t, (a, b) in enumerate(zip(expected, array.tolist(), strict=True)):
            worst_array = max(worst_array, rel_diff(a, b))
            assert rel_diff(a, b) <= ARRAY_RTOL, (name, kwargs, total, t, a, b)
        compared += total

        # The node itself on where, at and around every boundary.
        node = schedule.schedule
        points = wheres(rng, name, kwargs)
        for where in points:
            assert rel_diff(theirs(where), node(where)) <= SCALAR_RTOL, (name, kwargs, where)
        array = node(np.asarray(points, dtype=np.float64))
        for where, b in zip(points, array.tolist(), strict=True):
            assert rel_diff(theirs(where), b) <= ARRAY_RTOL, (name, kwargs, where)
    assert compared > 0
    assert worst_array <= ARRAY_RTOL


def test_where_epsilon_is_fvcores() -> None:
    assert F.WHERE_EPSILON == fvcore_ps.ParamScheduler.WHERE_EPSILON


def test_long_runs_hold_where_fvcore_runs_off_its_list() -> None:
    """Past a million updates fvcore's step index reaches the end of its list before the run does."""
    total = 3_000_000
    theirs = fvcore_ps.StepParamScheduler(num_updates=total, values=[1.0, 0.5, 0.25])
    mine = lrkit.create(
        "fvcore:StepParamScheduler", num_updates=total, values=[1.0, 0.5, 0.25], total_t=total
    )
    held = 0
    for t in [0, 999_996, 999_997, 1_000_000, 1_999_997, *range(total - 10, total + 2)]:
        try:
            expected = theirs(t / total)
        except IndexError:
            expected = 0.25
            held += 1
        assert mine(t) == expected, t
    assert held > 0
    # MultiStep's milestones come early by int(1e-6 * num_updates) updates, as in fvcore.
    values = [1.0, 0.1]
    theirs = fvcore_ps.MultiStepParamScheduler(values=values, milestones=[2_000_000], num_updates=total)
    mine = lrkit.create(
        "fvcore:MultiStepParamScheduler",
        values=values,
        milestones=[2_000_000],
        num_updates=total,
        total_t=total,
    )
    for t in range(1_999_990, 2_000_002):
        assert mine(t) == theirs(t / total), t
    assert mine(1_999_998) == 0.1


def test_exact_values_table() -> None:
    """A detectron2-like run, value for value with fvcore at chosen updates."""
    total = 90_000
    kwargs = {"values": [1.0, 0.1, 0.01], "milestones": [60_000, 80_000], "num_updates": total}
    theirs = fvcore_ps.MultiStepParamScheduler(**kwargs)
    mine = lrkit.create("fvcore:MultiStepParamScheduler", **kwargs, total_t=total)
    for t in (0, 59_999, 60_000, 79_999, 80_000, 89_999):
        assert mine(t) == theirs(t / total)
    assert mine(total) == mine(10 * total) == 0.01


def test_beyond_the_run_holds() -> None:
    for name in CLASSES[:-1]:
        kwargs = kwargs_of(random.Random(name), name)
        try:
            node = getattr(F, name)(**kwargs)
        except ValueError:
            continue
        end = node(1.0)
        assert node(1.5) == node(7.0) == end
        assert node.length in (0, 1)
    cosine = F.CosineParamScheduler(start_value=1.0, end_value=0.25)
    assert cosine(1.0) == cosine(3.0) == fvcore_ps.CosineParamScheduler(1.0, 0.25)(1.0)


def test_values_are_absolute() -> None:
    s = lrkit.create("fvcore:LinearParamScheduler", start_value=0.1, end_value=0.0, total_t=10)
    assert s(3, base=1.0) == s(3, base=0.01) == s(3, base=7)
    arr = s(np.arange(4.0), base=np.array([[1.0], [2.0]]))
    assert arr.shape == (2, 4) and (arr[0] == arr[1]).all()


def test_torch_tensors() -> None:
    torch = pytest.importorskip("torch")
    kwargs = kwargs_of(random.Random(3), "CompositeParamScheduler")
    while True:
        try:
            build_fvcore("CompositeParamScheduler", kwargs)
            break
        except ValueError:
            kwargs = kwargs_of(random.Random(len(str(kwargs))), "CompositeParamScheduler")
    s = lrkit.create(
        "fvcore:CompositeParamScheduler",
        **lrkit_kwargs(random.Random(0), "CompositeParamScheduler", kwargs),
        total_t=50,
    )
    t = torch.arange(60, dtype=torch.float64)
    assert np.allclose(s(t).numpy(), s(t.numpy()), rtol=ARRAY_RTOL, atol=0)


def test_composite_reprs_and_round_trips() -> None:
    s = F.CompositeParamScheduler(
        [F.ConstantParamScheduler(value=0.5), F.CosineParamScheduler(start_value=1, end_value=0)],
        lengths=[0.25, 0.75],
        interval_scaling=["rescaled", "fixed"],
    )
    assert repr(s).startswith("CompositeParamScheduler((ConstantParamScheduler(value=0.5), ")
    assert lrkit.from_dict(json.loads(json.dumps(s.to_dict()))) == s
    stepped = F.MultiStepParamScheduler(values=[1, 0.1, 0.01], num_updates=90)
    assert stepped == F.MultiStepParamScheduler(values=[1, 0.1, 0.01], milestones=[30, 60, 90])
    assert lrkit.from_dict(stepped.to_dict()) == stepped


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "argument"),
    [
        ("fvcore:CosineParamScheduler", {"start_value": "1", "end_value": 0}, TypeError, "start_value"),
        (
            "fvcore:CosineParamScheduler",
            {"start_value": 1, "end_value": 0, "total_t": 0},
            ValueError,
            "total_t",
        ),
        ("fvcore:ExponentialParamScheduler", {"start_value": 1, "decay": 0}, ValueError, "decay"),
        ("fvcore:PolynomialDecayParamScheduler", {"base_value": 1, "power": -1}, ValueError, "power"),
        ("fvcore:StepParamScheduler", {"num_updates": 0, "values": [1]}, ValueError, "num_updates"),
        ("fvcore:StepParamScheduler", {"num_updates": 5, "values": []}, ValueError, "values"),
        ("fvcore:MultiStepParamScheduler", {"values": [1, 0.1]}, ValueError, "num_updates"),
        (
            "fvcore:MultiStepParamScheduler",
            {"values": [1, 0.1], "milestones": [5, 3]},
            ValueError,
            "milestones[0]",
        ),
        (
            "fvcore:MultiStepParamScheduler",
            {"values": [1, 0.1, 0.01], "milestones": [5], "num_updates": 9},
            ValueError,
            "milestones",
        ),
        (
            "fvcore:MultiStepParamScheduler",
            {"values": [1, 0.1, 0.01], "num_updates": 2},
            ValueError,
            "num_updates",
        ),
        (
            "fvcore:StepWithFixedGammaParamScheduler",
            {"base_value": 1, "num_decays": 0, "gamma": 0.1, "num_updates": 9},
            ValueError,
            "num_decays",
        ),
        (
            "fvcore:StepWithFixedGammaParamScheduler",
            {"base_value": 1, "num_decays": 2, "gamma": 0.1, "num_updates": 9.5},
            TypeError,
            "num_updates",
        ),
        (
            "fvcore:CompositeParamScheduler",
            {
                "schedulers": [F.ConstantParamScheduler(value=1)],
                "lengths": [0.9],
                "interval_scaling": ["fixed"],
            },
            ValueError,
            "lengths",
        ),
        (
            "fvcore:CompositeParamScheduler",
            {
                "schedulers": [F.ConstantParamScheduler(value=1)] * 2,
                "lengths": [0.5, 0.5],
                "interval_scaling": ["fixed", "stretched"],
            },
            ValueError,
            "interval_scaling[1]",
        ),
        (
            "fvcore:CompositeParamScheduler",
            {
                "schedulers": [F.ConstantParamScheduler(value=1)] * 2,
                "lengths": [0.5, 0.5],
                "interval_scaling": ["fixed"],
            },
            ValueError,
            "interval_scaling",
        ),
        (
            "fvcore:CompositeParamScheduler",
            {
                "schedulers": [{"_target_": "CosineParamScheduler", "start_value": None, "end_value": 0}],
                "lengths": [1],
                "interval_scaling": ["fixed"],
            },
            TypeError,
            "schedulers[0].start_value",
        ),
        (
            "fvcore:CompositeParamScheduler",
            {
                "schedulers": [{"_target_": "a.b.NoSuchScheduler"}],
                "lengths": [1],
                "interval_scaling": ["fixed"],
            },
            ValueError,
            "schedulers[0]",
        ),
        (
            "fvcore:CompositeParamScheduler",
            {"schedulers": [lambda where: 1.0], "lengths": [1], "interval_scaling": ["fixed"]},
            TypeError,
            "schedulers[0]",
        ),
    ],
)
def test_errors_name_the_argument(name: str, kwargs: dict[str, Any], error: type, argument: str) -> None:
    kwargs = {"total_t": 10, **kwargs}
    with pytest.raises(error) as info:
        lrkit.create(name, **kwargs)
    assert str(info.value).startswith(argument + " ") or f" {argument} " in f" {info.value}", str(info.value)


def test_accepts_numpy_integers() -> None:
    s = lrkit.create(
        "fvcore:StepWithFixedGammaParamScheduler",
        base_value=1.0,
        num_decays=np.int64(2),
        gamma=0.5,
        num_updates=np.int32(90),
        total_t=np.int64(90),
    )
    assert s.schedule.num_decays == 2 and type(s.schedule.num_decays) is int
    assert s(89) == 0.25


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("MultiStepParamScheduler", {"values": [1, 0.1, 0.01, 0.001], "num_updates": 6}),  # split reaches 6
        ("MultiStepParamScheduler", {"values": [1, 0.1], "milestones": [5], "num_updates": 5}),
        ("MultiStepParamScheduler", {"values": [1, 0.1], "milestones": [0], "num_updates": 5}),
        ("MultiStepParamScheduler", {"values": [1, 0.1, 0.01], "milestones": [3, 3], "num_updates": 5}),
        ("MultiStepParamScheduler", {"values": [1, 0.1, 0.01], "milestones": [2, 3]}),
        ("StepParamScheduler", {"num_updates": -1, "values": [1]}),
        (
            "StepWithFixedGammaParamScheduler",
            {"base_value": 0, "num_decays": 1, "gamma": 0.1, "num_updates": 2},
        ),
        (
            "StepWithFixedGammaParamScheduler",
            {"base_value": 1, "num_decays": 1, "gamma": -1, "num_updates": 2},
        ),
        ("CompositeParamScheduler", {"schedulers": [], "lengths": [], "interval_scaling": []}),
        (
            "CompositeParamScheduler",
            {
                "schedulers": [("ConstantParamScheduler", {"value": 1})],
                "lengths": [0.998],
                "interval_scaling": ["fixed"],
            },
        ),
    ],
)
def test_refused_where_fvcore_refuses(name: str, kwargs: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        build_fvcore(name, kwargs)
    with pytest.raises(ValueError):
        lrkit.create(f"fvcore:{name}", **lrkit_kwargs(random.Random(0), name, kwargs), total_t=10)


@settings(max_examples=150, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), where=st.floats(0.0, 1.0, exclude_max=True))
def test_nodes_at_any_where(seed: int, where: float) -> None:
    rng = random.Random(seed)
    name = rng.choice(CLASSES)
    kwargs = kwargs_of(rng, name)
    try:
        theirs = build_fvcore(name, kwargs)
    except ValueError:
        reject()
    node = getattr(F, name)(**lrkit_kwargs(rng, name, kwargs))
    try:
        expected = theirs(where)
    except IndexError:  # fvcore's step index past its list, within 1e-6 of the end: lrkit holds
        assert where > 1 - 2e-6
        expected = node(1.0)
    assert rel_diff(expected, node(where)) <= SCALAR_RTOL
    assert rel_diff(expected, float(node(np.asarray([where]))[0])) <= ARRAY_RTOL
