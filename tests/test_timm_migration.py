"""Moving a run between timm and lrkit.timm: checkpoints, attributes, hooks, edge cases.

A job that swaps ``from timm.scheduler import X`` for ``from lrkit.timm import X`` mid-run loads
the checkpoint timm wrote and must continue with exactly timm's values; a twin's checkpoint must
load into timm and continue with the twin's. Everything that timm reads at step time (its
attributes, its overridable methods, each group's ``lr_scale``, groups added to the optimizer)
must change the values as it changes timm's. Every check runs the real timm beside the twin on
the same arguments and compares lrs exactly (``==``): the twin's values are timm's to the bit.
"""

from __future__ import annotations

import copy
import io
import logging
import math
import types
import warnings
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from test_timm import call as step_as  # noqa: E402
from timm_ref import load_timm_scheduler  # noqa: E402

import lrkit.timm as ours  # noqa: E402

_timm = load_timm_scheduler()
TIMM = types.SimpleNamespace(**vars(_timm), Scheduler=_timm.scheduler.Scheduler)
FAST = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
STATELESS = [
    "CosineLRScheduler",
    "TanhLRScheduler",
    "PolyLRScheduler",
    "StepLRScheduler",
    "MultiStepLRScheduler",
    "WSDLRScheduler",
]


@pytest.fixture(autouse=True)
def _quiet():
    # timm deprecates its plateau (a FutureWarning) and logs about t_initial=1 cosines.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)
        logging.disable(logging.WARNING)
        yield
        logging.disable(logging.NOTSET)


# -- building both sides --------------------------------------------------------------------------


def optimizer(groups: list[tuple[float, float | None]]) -> torch.optim.Optimizer:
    """SGD with one group per ``(lr, lr_scale)``; distinct lrs show a mix-up between groups."""
    param_groups = []
    for lr, scale in groups:
        group: dict[str, Any] = {"params": [torch.zeros(2, requires_grad=True)], "lr": lr}
        if scale is not None:
            group["lr_scale"] = scale
        param_groups.append(group)
    return torch.optim.SGD(param_groups, lr=groups[0][0], momentum=0.9)


def build(mod: Any, name: str, kwargs: dict, groups: list) -> tuple[torch.optim.Optimizer, Any]:
    # A copy each: both sides keep the lists they are given (decay_t), and a test changes them.
    opt = optimizer(groups)
    return opt, getattr(mod, name)(opt, **copy.deepcopy(kwargs))


def lrs(opt: torch.optim.Optimizer) -> list[float]:
    return [group["lr"] for group in opt.param_groups]


def loop(epochs: int, updates: int, metrics: list[float] | None = None) -> list[tuple]:
    """timm's train.py calls: step_update after every update, step(epoch + 1) after every epoch."""
    calls = []
    for epoch in range(epochs):
        for u in range(updates):
            calls.append(("step_update", epoch * updates + u + 1, None))
        calls.append(("step", epoch + 1, None if metrics is None else metrics[epoch]))
    return calls


def run(sched: Any, opt: torch.optim.Optimizer, calls: list[tuple]) -> list[list[float]]:
    out = []
    for method, t, metric in calls:
        step_as(sched, method, t, metric)
        out.append(lrs(opt))
    return out


def checkpointed(opt: torch.optim.Optimizer, sched: Any) -> dict:
    """A training checkpoint after ``torch.save`` and ``torch.load(weights_only=True)``."""
    buffer = io.BytesIO()
    torch.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


# -- generated arguments --------------------------------------------------------------------------

GROUPS = st.lists(
    st.tuples(st.sampled_from([0.1, 0.05, 0.3, 1e-3]), st.sampled_from([None, None, 0.5, 0.25])),
    min_size=1,
    max_size=3,
)
NOISE = st.fixed_dictionaries(
    {},
    optional={
        "noise_range_t": st.sampled_from([None, 2, 5, (1, 6), [3, 9]]),
        "noise_pct": st.sampled_from([0.67, 0.2]),
        "noise_std": st.sampled_from([1.0, 0.5]),
        "noise_seed": st.integers(0, 1000),
    },
)
WARMUP = st.fixed_dictionaries(
    {},
    optional={
        "warmup_t": st.integers(0, 4),
        "warmup_lr_init": st.sampled_from([0.0, 1e-4, 0.02]),
        "warmup_prefix": st.booleans(),
    },
)
CYCLES = st.fixed_dictionaries(
    {"t_initial": st.integers(2, 12)},
    optional={
        "lr_min": st.sampled_from([0.0, 1e-5, 1e-3]),
        "cycle_mul": st.sampled_from([1.0, 1.5, 2.0]),
        "cycle_decay": st.sampled_from([1.0, 0.5]),
        "cycle_limit": st.integers(1, 3),
        "t_in_epochs": st.booleans(),
    },
)
K_DECAY = st.fixed_dictionaries({}, optional={"k_decay": st.sampled_from([1.0, 2.0, 0.5])})
STEP = st.fixed_dictionaries(
    {"decay_t": st.sampled_from([1, 2, 3, 2.5])},
    optional={"decay_rate": st.sampled_from([0.5, 0.1]), "t_in_epochs": st.booleans()},
)
MULTISTEP = st.fixed_dictionaries(
    {"decay_t": st.lists(st.integers(1, 12), min_size=1, max_size=4).map(sorted)},
    optional={"decay_rate": st.sampled_from([0.5, 0.1]), "t_in_epochs": st.booleans()},
)


@st.composite
def wsd_kwargs(draw: Any) -> dict:
    t_initial = draw(st.integers(2, 12))
    kwargs = {"t_initial": t_initial, "decay_t": draw(st.integers(1, t_initial))}
    warmup_t = draw(st.integers(0, 4))
    kwargs.update(warmup_t=warmup_t, warmup_lr_init=draw(st.sampled_from([0.0, 1e-4])))
    stable_fn = draw(st.sampled_from(["constant", "rsqrt", "power"]))
    kwargs["stable_fn"] = stable_fn
    if stable_fn != "constant" and not warmup_t:
        kwargs["stable_timescale"] = draw(st.sampled_from([2, 3.5]))
    kwargs["decay_fn"] = draw(st.sampled_from(["linear", "1-sqrt", "cosine", "power", "exp"]))
    kwargs["lr_min"] = draw(st.sampled_from([0.0, 1e-4]))
    kwargs["t_in_epochs"] = draw(st.booleans())
    return kwargs


def merged(*parts: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(*parts).map(lambda ds: {k: v for d in ds for k, v in d.items()})


KWARGS = {
    "CosineLRScheduler": merged(CYCLES, K_DECAY, WARMUP, NOISE),
    "TanhLRScheduler": merged(
        CYCLES,
        st.fixed_dictionaries({}, optional={"lb": st.sampled_from([-7.0, -3.0]), "ub": st.just(3.0)}),
        WARMUP,
        NOISE,
    ),
    "PolyLRScheduler": merged(
        CYCLES, K_DECAY, st.fixed_dictionaries({"power": st.sampled_from([0.5, 2.0])}), WARMUP, NOISE
    ),
    "StepLRScheduler": merged(STEP, WARMUP, NOISE),
    "MultiStepLRScheduler": merged(MULTISTEP, WARMUP, NOISE),
    "WSDLRScheduler": merged(wsd_kwargs(), NOISE),
}
CASES = st.sampled_from(STATELESS).flatmap(
    lambda name: st.tuples(st.just(name), KWARGS[name], GROUPS, st.integers(1, 3), st.data())
)


def calls_for(kwargs: dict, updates: int, epochs: int = 14) -> list[tuple]:
    return loop(epochs, updates)


# -- 1. checkpoints between timm and the twin --------------------------------------------------


@FAST
@given(CASES)
def test_a_timm_checkpoint_continues_in_the_twin_with_timms_values(case):
    name, kwargs, groups, updates, data = case
    calls = calls_for(kwargs, updates)
    stop = data.draw(st.integers(1, len(calls) - 1), label="checkpoint after call")
    ref_opt, ref = build(TIMM, name, kwargs, groups)
    expected = run(ref, ref_opt, calls)

    opt, theirs = build(TIMM, name, kwargs, groups)
    run(theirs, opt, calls[:stop])
    saved = checkpointed(opt, theirs)
    # The job is restarted with the import swapped: the twin, fresh, loads timm's checkpoint.
    opt, twin = build(ours, name, kwargs, groups)
    opt.load_state_dict(saved["optimizer"])
    twin.load_state_dict(saved["scheduler"])
    assert lrs(opt) == expected[stop - 1]
    assert run(twin, opt, calls[stop:]) == expected[stop:]


@FAST
@given(CASES)
def test_a_twin_checkpoint_continues_in_timm_with_the_twins_values(case):
    name, kwargs, groups, updates, data = case
    calls = calls_for(kwargs, updates)
    stop = data.draw(st.integers(1, len(calls) - 1), label="checkpoint after call")
    ref_opt, ref = build(ours, name, kwargs, groups)
    expected = run(ref, ref_opt, calls)

    opt, twin = build(ours, name, kwargs, groups)
    run(twin, opt, calls[:stop])
    saved = checkpointed(opt, twin)
    opt, theirs = build(TIMM, name, kwargs, groups)
    opt.load_state_dict(saved["optimizer"])
    theirs.load_state_dict(saved["scheduler"])
    assert run(theirs, opt, calls[stop:]) == expected[stop:]


@FAST
@given(CASES)
def test_state_dict_holds_timms_keys_with_timms_values(case):
    name, kwargs, groups, updates, _ = case
    calls = calls_for(kwargs, updates)[:5]
    (opt_t, theirs), (opt_o, twin) = build(TIMM, name, kwargs, groups), build(ours, name, kwargs, groups)
    for step in [None, *calls]:
        if step is not None:
            run(theirs, opt_t, [step])
            run(twin, opt_o, [step])
        state = twin.state_dict()
        extra = state.pop(ours.LRKIT_KEY)
        assert state == theirs.state_dict()
        assert extra["format"].startswith("lrkit.timm/")


def plateau_case(seed: int) -> tuple[dict, list, list[float]]:
    kwargs = {
        "decay_rate": 0.5,
        "patience_t": seed % 3,
        "cooldown_t": seed % 2,
        "warmup_t": seed % 4,
        "warmup_lr_init": 1e-4,
        "lr_min": 1e-4,
        "mode": "min",
        "noise_range_t": [None, 3, (2, 9)][seed % 3],
        "noise_pct": 0.3,
        "noise_seed": seed,
    }
    metrics = [1.0 / (1 + (e // (2 + seed % 3))) for e in range(16)]
    return kwargs, [(0.1, None), (0.03, 0.5)], metrics


@pytest.mark.parametrize("seed", range(6))
def test_plateau_checkpoints_move_between_timm_and_the_twin(seed):
    # timm's plateau saves only best and last_epoch; a run resumed from them in timm continues in
    # a way of its own (fresh counters, the lr the optimizer holds). Either side must continue
    # from either side's checkpoint exactly as timm does from its own.
    kwargs, groups, metrics = plateau_case(seed)
    calls = loop(16, 2, metrics)

    def resumed_run(saver: Any, loader: Any, stop: int) -> list[list[float]]:
        opt, first = build(saver, "PlateauLRScheduler", kwargs, groups)
        run(first, opt, calls[:stop])
        saved = checkpointed(opt, first)
        opt, second = build(loader, "PlateauLRScheduler", kwargs, groups)
        opt.load_state_dict(saved["optimizer"])
        second.load_state_dict(saved["scheduler"])
        return run(second, opt, calls[stop:])

    for stop in (5, 11, 20, 29):
        expected = resumed_run(TIMM, TIMM, stop)
        assert resumed_run(TIMM, ours, stop) == expected, stop
        assert resumed_run(ours, TIMM, stop) == expected, stop


def test_plateau_state_dict_is_timms_plus_lrkits():
    kwargs, groups, metrics = plateau_case(1)
    (opt_t, theirs), (opt_o, twin) = (build(m, "PlateauLRScheduler", kwargs, groups) for m in (TIMM, ours))
    for call in loop(16, 1, metrics):
        run(theirs, opt_t, [call])
        run(twin, opt_o, [call])
        state = twin.state_dict()
        state.pop(ours.LRKIT_KEY)
        assert state == theirs.state_dict()


# -- 1b. refused checkpoints ----------------------------------------------------------------------


def snapshot(opt: torch.optim.Optimizer, sched: Any) -> tuple:
    groups = [{k: v for k, v in g.items() if k != "params"} for g in opt.param_groups]
    return groups, sched.state_dict()


@pytest.mark.parametrize(
    ("name", "saved_kwargs", "kwargs", "messages"),
    [
        (
            "CosineLRScheduler",
            {"t_initial": 100},
            {"t_initial": 200},
            ["t_initial is 100 in the checkpoint, 200 here"],
        ),
        (
            "CosineLRScheduler",
            {"t_initial": 10, "warmup_t": 2, "noise_range_t": 3, "k_decay": 2.0},
            {"t_initial": 10, "warmup_t": 3, "noise_range_t": 4},
            [
                "warmup_t is 2 in the checkpoint, 3 here",
                "noise_range_t is 3 in the checkpoint, 4 here",
                "k_decay is 2.0 in the checkpoint, 1.0 here",
            ],
        ),
        (
            "MultiStepLRScheduler",
            {"decay_t": [3, 6], "decay_rate": 0.5},
            {"decay_t": [3, 7], "decay_rate": 0.5},
            ["decay_t is [3, 6] in the checkpoint, [3, 7] here"],
        ),
        (
            "WSDLRScheduler",
            {"t_initial": 10, "decay_t": 4, "decay_fn": "linear"},
            {"t_initial": 10, "decay_t": 4},
            ["decay_fn is 'linear' in the checkpoint, '1-sqrt' here"],
        ),
        (
            "StepLRScheduler",
            {"decay_t": 3, "t_in_epochs": False},
            {"decay_t": 3},
            ["t_in_epochs is False in the checkpoint, True here"],
        ),
    ],
)
def test_a_checkpoint_with_other_settings_is_refused_and_nothing_changes(
    name, saved_kwargs, kwargs, messages
):
    groups = [(0.1, None)]
    for saver in (TIMM, ours):
        opt, first = build(saver, name, saved_kwargs, groups)
        run(first, opt, loop(3, 2))
        saved = checkpointed(opt, first)["scheduler"]
        opt, twin = build(ours, name, kwargs, groups)
        run(twin, opt, loop(2, 2))
        before = snapshot(opt, twin)
        with pytest.raises(ValueError, match="cannot load this scheduler state") as info:
            twin.load_state_dict(saved)
        for message in messages:
            assert message in str(info.value)
        assert "reschedule=True" in str(info.value)
        assert snapshot(opt, twin) == before


@pytest.mark.parametrize(
    ("name", "kwargs", "other", "other_kwargs", "missing", "extra"),
    [
        (
            "CosineLRScheduler",
            {"t_initial": 10},
            "TanhLRScheduler",
            {"t_initial": 10},
            ["k_decay"],
            ["lb", "ub"],
        ),
        (
            "StepLRScheduler",
            {"decay_t": 3},
            "CosineLRScheduler",
            {"t_initial": 10},
            ["decay_t"],
            ["t_initial"],
        ),
        (
            "WSDLRScheduler",
            {"t_initial": 10, "decay_t": 2},
            "PolyLRScheduler",
            {"t_initial": 10},
            ["decay_t", "stable_fn", "decay_fn"],
            ["power", "cycle_mul", "warmup_prefix", "k_decay"],
        ),
    ],
)
def test_a_checkpoint_of_another_class_says_what_is_missing(
    name, kwargs, other, other_kwargs, missing, extra
):
    opt, theirs = build(TIMM, other, other_kwargs, [(0.1, None)])
    saved = checkpointed(opt, theirs)["scheduler"]
    opt, twin = build(ours, name, kwargs, [(0.1, None)])
    before = snapshot(opt, twin)
    with pytest.raises(ValueError, match="cannot load this scheduler state") as info:
        twin.load_state_dict(saved)
    message = str(info.value)
    assert all(f"no {key}" in message or f", {key}" in message for key in missing), message
    assert all(key in message for key in extra), message
    assert "reschedule=True" not in message  # nothing to continue under: the state is another's
    assert snapshot(opt, twin) == before


def test_what_cannot_carry_over_is_refused_with_what_is_missing():
    opt, twin = build(ours, "CosineLRScheduler", {"t_initial": 10}, [(0.1, None), (0.2, None)])
    before = snapshot(opt, twin)
    state = twin.state_dict()
    for broken, words in [
        ({k: v for k, v in state.items() if k != "cycle_limit"}, "no cycle_limit"),
        (
            {**state, "base_values": [0.1]},
            "base_values has 1 values (one per param group) in the checkpoint, 2",
        ),
        ({**state, ours.LRKIT_KEY: {"format": "other"}}, "'lrkit' entry"),
        ({"format": "lrkit.torch.Scheduler/1", "t": 3}, "none of CosineLRScheduler's settings"),
    ]:
        with pytest.raises(ValueError, match="cannot load this scheduler state") as info:
            twin.load_state_dict(broken)
        assert words in str(info.value)
        assert snapshot(opt, twin) == before
    with pytest.raises(ValueError, match="a mapping"):
        twin.load_state_dict([("t_initial", 10)])
    kwargs, groups, _ = plateau_case(0)
    opt, plateau = build(ours, "PlateauLRScheduler", kwargs, groups)
    with pytest.raises(ValueError, match="no 'best'"):
        plateau.load_state_dict({"last_epoch": 3})


def test_a_plateau_checkpoint_with_other_settings_is_refused():
    kwargs, groups, metrics = plateau_case(2)
    opt, first = build(ours, "PlateauLRScheduler", kwargs, groups)
    run(first, opt, loop(8, 1, metrics))
    saved = checkpointed(opt, first)["scheduler"]
    opt, twin = build(ours, "PlateauLRScheduler", {**kwargs, "decay_rate": 0.7, "patience_t": 5}, groups)
    before = snapshot(opt, twin)
    with pytest.raises(ValueError, match="cannot load this plateau state") as info:
        twin.load_state_dict(saved)
    assert "decay_rate is 0.5 in the checkpoint, 0.7 here" in str(info.value)
    assert "patience_t is 2 in the checkpoint, 5 here" in str(info.value)
    assert snapshot(opt, twin) == before
    assert twin.load_state_dict(saved, reschedule=True) == []
    assert twin.lr_scheduler.best == first.lr_scheduler.best
    assert twin.lr_scheduler.factor == 0.7


def test_reschedule_continues_under_the_new_settings_and_reports_the_change(caplog):
    groups = [(0.1, None), (0.05, 0.5)]
    old, new = {"t_initial": 10, "warmup_t": 2}, {"t_initial": 20, "warmup_t": 2}
    calls = loop(12, 1)
    opt, first = build(ours, "CosineLRScheduler", old, groups)
    run(first, opt, calls[:6])
    saved = checkpointed(opt, first)["scheduler"]
    opt, twin = build(ours, "CosineLRScheduler", new, groups)
    with caplog.at_level(logging.WARNING, logger="lrkit"):
        logging.disable(logging.NOTSET)
        report = twin.load_state_dict(saved, reschedule=True)
    assert "t_initial is 10 in the checkpoint, 20 here" in caplog.text
    # The report: what each schedule writes at the checkpoint's time (the epoch of its last
    # step, 3), as timm computes them.
    at_3 = {}
    for kwargs in (old, new):
        ref_opt, ref = build(TIMM, "CosineLRScheduler", kwargs, groups)
        ref.step(3)
        at_3[kwargs["t_initial"]] = lrs(ref_opt)
    assert [(r.field, r.group, r.t) for r in report] == [("lr", 0, 3), ("lr", 1, 3)]
    assert [r.before for r in report] == at_3[10]
    assert [r.after for r in report] == at_3[20]
    # From here on, the new schedule's values: timm's for t_initial=20.
    ref_opt, ref = build(TIMM, "CosineLRScheduler", new, groups)
    assert run(twin, opt, calls[6:]) == run(ref, ref_opt, calls[6:])


# -- 2. warmup_steps --------------------------------------------------------------------------


def test_warmup_steps_of_the_example_are_timms():
    kwargs = {"t_initial": 20, "warmup_t": 3, "warmup_lr_init": 1e-4}
    steps = [build(m, "CosineLRScheduler", kwargs, [(0.1, None)])[1].warmup_steps for m in (TIMM, ours)]
    assert steps[0] == steps[1] == [(0.1 - 1e-4) / 3]


@FAST
@given(CASES)
def test_warmup_steps_are_timms(case):
    name, kwargs, groups, _, data = case
    # A decay inside the warmup (without a prefix) must not move the ramp's slope.
    kwargs = {**kwargs, "warmup_t": data.draw(st.integers(1, 6)), "warmup_lr_init": 1e-4}
    theirs, twin = (build(m, name, kwargs, groups)[1] for m in (TIMM, ours))
    assert twin.warmup_steps == theirs.warmup_steps


@pytest.mark.parametrize("warmup_t", [0, 1, 4])
def test_plateau_warmup_steps_are_timms(warmup_t):
    kwargs = {"warmup_t": warmup_t, "warmup_lr_init": 1e-3}
    groups = [(0.1, None), (0.02, 0.5)]
    theirs, twin = (build(m, "PlateauLRScheduler", kwargs, groups)[1] for m in (TIMM, ours))
    assert twin.warmup_steps == theirs.warmup_steps


# -- 3. shrinking cycles whose curve timm never evaluates --------------------------------------


def compare_steps(name: str, kwargs: dict, times: list[float]) -> int:
    """Step both with ``times`` while timm runs; the number of steps compared."""
    groups = [(0.1, None), (0.02, 0.5)]
    opt_o, twin = build(ours, name, kwargs, groups)
    try:
        opt_t, theirs = build(TIMM, name, kwargs, groups)
    except (ValueError, ArithmeticError):
        # timm's tanh evaluates its curve at warmup_t when it builds: past the last shrinking
        # cycle its log fails there. The twin builds (its ramp ends at lr_min).
        return 0
    assert lrs(opt_o) == lrs(opt_t)
    compared = 0
    for t in times:
        try:
            theirs.step(t)
        except (ValueError, ArithmeticError):
            break  # timm's own domain ends here (past the last shrinking cycle)
        twin.step(t)
        assert lrs(opt_o) == lrs(opt_t), (name, kwargs, t)
        compared += 1
    return compared


def test_the_shrinking_cycles_of_the_report_build_and_run_as_timm():
    kwargs = {"t_initial": 2, "cycle_mul": 0.5, "cycle_limit": 4, "k_decay": 2.0, "warmup_t": 10}
    assert compare_steps("CosineLRScheduler", kwargs, list(range(12))) == 10
    # Past the end of all the cycles, where timm's log fails, the twin holds lr_min.
    opt, twin = build(ours, "CosineLRScheduler", {**kwargs, "lr_min": 1e-5}, [(0.1, None)])
    twin.step(11)
    assert lrs(opt) == [1e-5]
    # The last instant before the end of cycles that shrink a hundredfold: cycle 7, past the
    # limit, whose length ** k_decay underflows to 0. timm holds lr_min there without
    # evaluating the curve.
    last = 1 / 0.99 - 2e-16
    for name in ("CosineLRScheduler", "PolyLRScheduler"):
        kwargs = {"t_initial": 1, "cycle_mul": 0.01, "cycle_limit": 5, "k_decay": 25.0, "lr_min": 1e-5}
        assert compare_steps(name, {**kwargs, "t_in_epochs": True}, [0, 0.5, 1.0, last]) == 4


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from(["CosineLRScheduler", "PolyLRScheduler", "TanhLRScheduler"]),
    st.sampled_from([1, 2, 3, 2.5]),
    st.sampled_from([0.01, 0.1, 0.5, 0.75, 0.9]),
    st.sampled_from([0, 1, 4, 40, 5000]),
    st.sampled_from([1.0, 0.5, 2.0, 25.0]),
    st.integers(0, 12),
    st.booleans(),
    st.lists(st.one_of(st.integers(0, 40), st.floats(0, 40)), min_size=1, max_size=8),
)
def test_shrinking_cycles_never_fail_where_timm_runs(name, t_initial, mul, limit, k, warmup_t, prefix, times):
    # The family of the report: cycles that shrink (cycle_mul < 1) add up to t_initial / (1 - mul);
    # near and past that their lengths underflow, and k-decay divides by length ** k. timm only
    # evaluates the curve inside a cycle below the limit, after the warmup; neither may the twin.
    kwargs = {"t_initial": t_initial, "cycle_mul": mul, "cycle_limit": limit, "warmup_t": warmup_t}
    kwargs.update(warmup_prefix=prefix, lr_min=1e-5)
    if name != "TanhLRScheduler":
        kwargs["k_decay"] = k
    compare_steps(name, kwargs, times)


# -- 4. noise arguments named as the user typed them -------------------------------------------

NOISE_ERRORS = [
    ({"noise_pct": -1}, "noise_pct"),
    ({"noise_pct": 0}, "noise_pct"),
    ({"noise_std": 0}, "noise_std"),
    ({"noise_range_t": (5, 2)}, "noise_range_t"),
    ({"noise_range_t": [1, 2, 3]}, "noise_range_t"),
    ({"noise_range_t": -1}, "noise_range_t"),
    ({"noise_seed": 1.5}, "noise_seed"),
]
NOISE_TARGETS = {
    "CosineLRScheduler": {"t_initial": 10},
    "StepLRScheduler": {"decay_t": 3},
    "WSDLRScheduler": {"t_initial": 10, "decay_t": 3},
    "PlateauLRScheduler": {},
}


class Exponential:
    """A user subclass of each side's base class: timm's extension point."""

    @staticmethod
    def of(mod: Any) -> type:
        class Exp(mod.Scheduler):
            def _get_lr(self, t):
                return [v * 0.9**t for v in self.base_values]

        return Exp


@pytest.mark.parametrize(("bad", "name"), NOISE_ERRORS, ids=[n for _, n in NOISE_ERRORS])
@pytest.mark.parametrize("target", [*NOISE_TARGETS, "Scheduler"])
def test_noise_errors_name_the_noise_argument(target, bad, name):
    kwargs = {"noise_range_t": 5, **bad}
    opt = optimizer([(0.1, None)])
    with pytest.raises((ValueError, TypeError)) as info:
        if target == "Scheduler":
            Exponential.of(ours)(opt, "lr", **kwargs)
        else:
            getattr(ours, target)(opt, **NOISE_TARGETS[target], **kwargs)
    message = str(info.value)
    assert message.startswith(name), message
    assert opt.param_groups[0]["lr"] == 0.1 and "initial_lr" not in opt.param_groups[0]


@pytest.mark.parametrize(("bad", "name"), NOISE_ERRORS[:4], ids=[n for _, n in NOISE_ERRORS[:4]])
def test_a_noise_setting_changed_later_is_checked_under_its_name(bad, name):
    opt, twin = build(ours, "CosineLRScheduler", {"t_initial": 10, "noise_range_t": 2}, [(0.1, None)])
    twin.step(3)
    before = snapshot(opt, twin)
    for key, value in bad.items():
        setattr(twin, key, value)
    with pytest.raises(ValueError, match=rf"^{name}\b"):
        twin.step(4, metric=0.5)
    assert snapshot(opt, twin)[0] == before[0]  # the refused step wrote nothing
    assert twin.metric is None and twin.t == 3


# -- 5. hooks and attributes, as timm reads them ------------------------------------------------


def hooked(mod: Any, name: str, hook: str) -> type:
    """``mod``'s class ``name`` with one of timm's methods overridden, the same way on both sides."""
    cls = getattr(mod, name)

    def _get_lr(self, t):
        return [v * (1.0 + 0.01 * t) for v in cls._get_lr(self, t)]

    def update_groups(self, values):
        if isinstance(values, (list, tuple)):
            values = [v * 0.5 for v in values]
        cls.update_groups(self, values)

    def _calculate_noise(self, t):
        return 0.1 * math.sin(t)

    def _is_apply_noise(self, t):
        return t % 3 == 1

    def _add_noise(self, lrs, t):
        return [v * (1.0 - 0.001 * t) for v in cls._add_noise(self, lrs, t)]

    methods = {
        "_get_lr": _get_lr,
        "update_groups": update_groups,
        "_calculate_noise": _calculate_noise,
        "_is_apply_noise": _is_apply_noise,
        "_add_noise": _add_noise,
    }
    return type(f"{name}With{hook}", (cls,), {hook: methods[hook]})


HOOKS = ["_get_lr", "update_groups", "_calculate_noise", "_is_apply_noise", "_add_noise"]


@pytest.mark.parametrize("hook", HOOKS)
@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("CosineLRScheduler", {"t_initial": 12, "warmup_t": 2, "noise_range_t": 4, "cycle_limit": 2}),
        ("TanhLRScheduler", {"t_initial": 12, "warmup_t": 3, "noise_range_t": (2, 9)}),
        ("MultiStepLRScheduler", {"decay_t": [4, 8], "decay_rate": 0.5, "warmup_t": 2, "noise_range_t": 5}),
        ("WSDLRScheduler", {"t_initial": 12, "decay_t": 5, "warmup_t": 2, "noise_range_t": 3}),
    ],
)
def test_an_overridden_hook_changes_the_values_as_in_timm(hook, name, kwargs):
    groups = [(0.1, None), (0.05, 0.5)]
    results = []
    for mod in (TIMM, ours):
        opt = optimizer(groups)
        sched = hooked(mod, name, hook)(opt, **kwargs)
        results.append([lrs(opt), *run(sched, opt, loop(16, 1))])
    assert results[1] == results[0]
    plain = build(ours, name, kwargs, groups)
    assert run(plain[1], plain[0], loop(16, 1)) != results[1][1:]  # the hook did change something


@pytest.mark.parametrize("hook", ["_calculate_noise", "_is_apply_noise"])
def test_plateau_noise_hooks_are_timms(hook):
    kwargs, groups, metrics = plateau_case(4)
    results = []
    for mod in (TIMM, ours):
        opt = optimizer(groups)
        sched = hooked(mod, "PlateauLRScheduler", hook)(opt, **kwargs)
        results.append(run(sched, opt, loop(16, 1, metrics)))
    assert results[1] == results[0]


# (class, constructor arguments, attribute, new value): what timm reads at step time.
CHANGES = [
    ("CosineLRScheduler", {"t_initial": 10}, "t_initial", 30),
    ("CosineLRScheduler", {"t_initial": 10}, "lr_min", 0.01),
    ("CosineLRScheduler", {"t_initial": 4}, "cycle_limit", 3),
    ("CosineLRScheduler", {"t_initial": 4, "cycle_limit": 3}, "cycle_mul", 1.5),
    ("CosineLRScheduler", {"t_initial": 4, "cycle_limit": 3}, "cycle_decay", 0.5),
    ("CosineLRScheduler", {"t_initial": 10}, "k_decay", 2.0),
    ("CosineLRScheduler", {"t_initial": 10}, "base_values", [0.3, 0.2]),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 8}, "warmup_lr_init", 0.05),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 8}, "warmup_steps", [0.001, 0.002]),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 8}, "warmup_t", 5),
    ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 3}, "warmup_prefix", True),
    ("CosineLRScheduler", {"t_initial": 10}, "noise_range_t", 4),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": 2}, "noise_range_t", (6, 9)),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": 2}, "noise_pct", 0.1),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": 2}, "noise_std", 0.3),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": 2}, "noise_seed", 7),
    ("CosineLRScheduler", {"t_initial": 10, "noise_range_t": 2}, "noise_type", "uniform"),
    ("CosineLRScheduler", {"t_initial": 10}, "t_in_epochs", False),
    ("TanhLRScheduler", {"t_initial": 10}, "lb", -3.0),
    ("TanhLRScheduler", {"t_initial": 10}, "ub", 5.0),
    ("PolyLRScheduler", {"t_initial": 10}, "power", 2.0),
    ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0.5}, "decay_t", 2),
    ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0.5}, "decay_rate", 0.1),
    ("MultiStepLRScheduler", {"decay_t": [3, 6], "decay_rate": 0.5}, "decay_t", [2, 9]),
    ("WSDLRScheduler", {"t_initial": 12, "decay_t": 4}, "decay_fn", "cosine"),
    ("WSDLRScheduler", {"t_initial": 12, "decay_t": 4}, "t_initial", 16),
    ("WSDLRScheduler", {"t_initial": 12, "decay_t": 4}, "lr_min", 0.01),
    ("WSDLRScheduler", {"t_initial": 12, "decay_t": 4, "decay_fn": "exp"}, "decay_ratio", 0.5),
    ("WSDLRScheduler", {"t_initial": 12, "decay_t": 4, "decay_fn": "power"}, "decay_power", 2.0),
    (
        "WSDLRScheduler",
        {"t_initial": 12, "decay_t": 4, "stable_fn": "rsqrt", "warmup_t": 2},
        "stable_timescale",
        5,
    ),
    ("WSDLRScheduler", {"t_initial": 12, "decay_t": 4}, "decay_t", 8),
    ("WSDLRScheduler", {"t_initial": 12, "decay_t": 4, "stable_timescale": 3}, "stable_fn", "rsqrt"),
    (
        "WSDLRScheduler",
        {"t_initial": 12, "decay_t": 4, "stable_fn": "power", "warmup_t": 2},
        "stable_power",
        1.0,
    ),
]


@pytest.mark.parametrize(
    ("name", "kwargs", "attribute", "value"), CHANGES, ids=[f"{c[0]}.{c[2]}" for c in CHANGES]
)
def test_an_attribute_changed_after_construction_takes_effect_as_in_timm(name, kwargs, attribute, value):
    groups = [(0.1, None), (0.05, 0.5)]
    calls = loop(20, 2)
    results = []
    for mod in (TIMM, ours):
        opt, sched = build(mod, name, kwargs, groups)
        values = run(sched, opt, calls[:9])
        setattr(sched, attribute, value)
        values += run(sched, opt, calls[9:])
        results.append(values)
    assert results[1] == results[0]
    opt, unchanged = build(ours, name, kwargs, groups)
    assert run(unchanged, opt, calls) != results[1]  # the change did change something


@pytest.mark.parametrize("where", ["lr_scale", "decay_t in place", "base_values in place"])
def test_changes_in_place_take_effect_as_in_timm(where):
    groups = [(0.1, 0.5), (0.05, None)]
    name, kwargs = ("MultiStepLRScheduler", {"decay_t": [4, 8], "decay_rate": 0.5})
    calls = loop(14, 1)
    results = []
    for mod in (TIMM, ours):
        opt, sched = build(mod, name, kwargs, groups)
        values = run(sched, opt, calls[:3])
        if where == "lr_scale":
            opt.param_groups[0]["lr_scale"] = 0.25
            opt.param_groups[1]["lr_scale"] = 2.0
        elif where == "decay_t in place":
            sched.decay_t[0] = 2
        else:
            sched.base_values[1] = 0.5
        values += run(sched, opt, calls[3:])
        results.append(values)
    assert results[1] == results[0]


PLATEAU_CHANGES = [
    ("warmup_steps", [0.05, 0.01]),
    ("warmup_lr_init", 0.02),
    ("noise_range_t", (4, 9)),
    ("noise_seed", 5),
    ("lr_scheduler.factor", 0.2),
    ("lr_scheduler.patience", 0),
]


@pytest.mark.parametrize(("attribute", "value"), PLATEAU_CHANGES, ids=[c[0] for c in PLATEAU_CHANGES])
def test_a_plateau_attribute_changed_after_construction_takes_effect_as_in_timm(attribute, value):
    kwargs = {"decay_rate": 0.5, "patience_t": 1, "warmup_t": 3, "noise_range_t": 6, "mode": "min"}
    groups = [(0.1, None), (0.05, 0.5)]
    calls = loop(14, 1, [1.0] * 14)
    results = []
    for mod in (TIMM, ours):
        opt, sched = build(mod, "PlateauLRScheduler", kwargs, groups)
        values = run(sched, opt, calls[:2])
        owner, _, name = attribute.rpartition(".")
        setattr(getattr(sched, owner) if owner else sched, name, value)
        values += run(sched, opt, calls[2:])
        results.append(values)
    assert results[1] == results[0]
    opt, unchanged = build(ours, "PlateauLRScheduler", kwargs, groups)
    assert run(unchanged, opt, calls) != results[1]


def test_the_drivers_readings_follow_timms_attributes():
    # get_lr() and base_lrs, which the twin has as an lrkit driver, read timm's state.
    kwargs = {"t_initial": 10, "noise_range_t": 2, "warmup_t": 1}
    opt, twin = build(ours, "CosineLRScheduler", kwargs, [(0.1, None), (0.05, 0.5)])
    for t in range(1, 6):
        twin.step(t)
        assert twin.get_lr() == lrs(opt)
    opt_t, theirs = build(TIMM, "CosineLRScheduler", kwargs, [(0.3, None), (0.2, 0.5)])
    twin.load_state_dict(checkpointed(opt_t, theirs)["scheduler"])
    assert twin.base_lrs == theirs.base_values == [0.3, 0.2]
    twin.base_lrs = [0.4, 0.1]
    theirs.base_values = [0.4, 0.1]
    twin.step(7)
    theirs.step(7)
    assert lrs(opt) == lrs(opt_t)
    with pytest.raises(ValueError, match="base_lrs"):
        twin.base_lrs = [0.1]


# -- 6. the plateau's restore_lr ------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(6))
def test_plateau_restore_lr_is_timms(seed):
    kwargs, groups, metrics = plateau_case(seed)
    kwargs = {**kwargs, "noise_range_t": (1 + seed % 3, 12)}
    (opt_t, theirs), (opt_o, twin) = (build(m, "PlateauLRScheduler", kwargs, groups) for m in (TIMM, ours))
    assert twin.restore_lr is theirs.restore_lr is None
    noised = 0
    for call in loop(16, 1, metrics):
        run(theirs, opt_t, [call])
        run(twin, opt_o, [call])
        assert lrs(opt_o) == lrs(opt_t), call
        assert twin.restore_lr == theirs.restore_lr, call
        noised += twin.restore_lr is not None
    assert noised > 0


def test_plateau_follows_an_lr_set_between_steps_as_timm():
    # timm's plateau decays whatever lr the groups hold (a user's, or one loaded with the
    # optimizer's state), not a copy of its own.
    kwargs, groups, metrics = plateau_case(0)
    results = []
    for mod in (TIMM, ours):
        opt, sched = build(mod, "PlateauLRScheduler", kwargs, groups)
        values = run(sched, opt, loop(6, 1, metrics))
        opt.param_groups[0]["lr"] = 0.5
        values += run(sched, opt, loop(16, 1, metrics)[6:])
        results.append(values)
    assert results[1] == results[0]


# -- 7. a param group added after the scheduler was built --------------------------------------


@pytest.mark.parametrize(
    ("name", "kwargs"),
    [
        ("CosineLRScheduler", {"t_initial": 10, "warmup_t": 2, "noise_range_t": 3}),
        ("StepLRScheduler", {"decay_t": 3, "decay_rate": 0.5, "noise_range_t": (2, 8)}),
        ("WSDLRScheduler", {"t_initial": 10, "decay_t": 4, "warmup_t": 3}),
        ("PlateauLRScheduler", {"decay_rate": 0.5, "patience_t": 0, "warmup_t": 2, "noise_range_t": 4}),
    ],
)
def test_a_param_group_added_later_is_handled_as_timm_handles_it(name, kwargs):
    groups = [(0.1, None), (0.05, 0.5)]
    metrics = [1.0] * 14
    calls = loop(14, 1, metrics if name == "PlateauLRScheduler" else None)
    results = []
    for mod in (TIMM, ours):
        opt, sched = build(mod, name, kwargs, groups)
        values = run(sched, opt, calls[:5])
        opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.7, "lr_scale": 0.5})
        values += run(sched, opt, calls[5:])
        results.append(values)
    assert results[1] == results[0]
    assert len(results[1][-1]) == 3


# -- 8. the unit's ignored calls stay silent, as in timm ----------------------------------------


def test_ignored_calls_do_not_warn():
    assert ours.Scheduler._warn_ignored is False
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        per_epoch = build(ours, "CosineLRScheduler", {"t_initial": 10}, [(0.1, None)])[1]
        per_update = build(ours, "CosineLRScheduler", {"t_initial": 10, "t_in_epochs": False}, [(0.1, None)])[
            1
        ]
        per_epoch.step_update(5)
        per_update.step(1)
        ours.PlateauLRScheduler(optimizer([(0.1, None)])).step_update(3)
