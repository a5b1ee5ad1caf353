"""The torch drivers under hostile input (issue 14): loads, steps, values written, two drivers.

- A refused ``load_state_dict`` changes nothing, and a loaded state is valid: states from real
  runs, with one key corrupted (deleted, wrong type, NaN, infinite, negative, wrong length),
  are refused, and the driver's ``state_dict()`` and the optimizer's param groups are exactly
  those of before.
- A step that raises leaves the driver as it was: the run that goes on after it equals a run
  that never made the refused call.
- No NaN, infinite, negative or missing value is written, whoever computed it; a base that is
  one is refused at construction.
- Two live drivers on one field warn :class:`DriverConflictWarning`; replacing, handing over,
  lrkit's own temporary drivers and drivers of other fields do not.
"""

import copy
import gc
import io
import math
import pickle
import warnings

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from torch.optim.lr_scheduler import ReduceLROnPlateau  # noqa: E402

import lrkit  # noqa: E402
from lrkit.torch import Plateau, Scheduler, find_lr  # noqa: E402
from lrkit.torch.scheduler import DriverConflictWarning  # noqa: E402

NAN, INF = math.nan, math.inf
HYPOTHESIS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def sgd(lrs=(0.1, 0.02), momentum=0.9):
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=momentum)


def groups_of(optimizer):
    """The param groups without their parameters, tensors as (kind, value): comparable exactly."""
    return [
        {
            k: (("tensor", value.item()) if isinstance(value, torch.Tensor) else copy.deepcopy(value))
            for k, value in group.items()
            if k != "params"
        }
        for group in optimizer.param_groups
    ]


def round_trip(state):
    buffer = io.BytesIO()
    torch.save(state, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


COSINE = lrkit.warmup(lrkit.cosine(t_initial=20, lr_min=1e-4), warmup_t=3, warmup_lr_init=1e-5)
MOMENTUM = lrkit.linear(t_initial=10, start_factor=1.0, end_factor=0.9)


def scheduler(optimizer=None):
    return Scheduler(optimizer or sgd(), lr=COSINE, momentum=MOMENTUM, updates_per_epoch=4)


def scheduler_state(epochs=5):
    """A state from a real run: two groups, two fields, fractional epochs."""
    sched = scheduler()
    for n in range(1, 4 * epochs + 2):
        sched.step_update(n)
    return round_trip(sched.state_dict())


PLATEAU_KINDS = {
    "owns": dict(patience=1, factor=0.5, warmup_t=3, noise_range_t=(0, 30), noise_pct=0.2),
    "torch": dict(patience=1, factor=0.5, min_lr=1e-4),
}
METRICS = [1.0, 0.9, 0.9, 0.95, 0.9, 0.91, 0.92, 0.8, 0.85, 0.85, 0.86, 0.87]


def plateau(kind, optimizer=None):
    return Plateau(optimizer or sgd(), **PLATEAU_KINDS[kind])


def plateau_state(kind):
    p = plateau(kind)
    for metric in METRICS:
        p.step(metric)
    return round_trip(p.state_dict())


def torch_plateau_state():
    ref = ReduceLROnPlateau(sgd(), **PLATEAU_KINDS["torch"])
    for metric in METRICS:
        ref.step(metric)
    return round_trip(ref.state_dict())


def assert_refused_and_unchanged(opt, driver, state, match=None, **kwargs):
    before, groups = driver.state_dict(), groups_of(opt)
    with pytest.raises((ValueError, TypeError), match=match) as info:
        driver.load_state_dict(state, **kwargs)  # never a bare KeyError, say
    assert driver.state_dict() == before
    assert groups_of(opt) == groups
    return info.value


# -- a refused load changes nothing: the issue's reproducers -------------------------------------


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("path", "value", "key"),
    [
        (("t",), NAN, "t"),
        (("t",), -5, "t"),
        (("ticks",), "x", "ticks"),
        (("fields", "lr", "bases"), [-1, 0.02], r"fields\['lr'\]\['bases'\]\[0\]"),
        (("fields", "momentum", "bases"), [0.9, NAN], r"fields\['momentum'\]\['bases'\]\[1\]"),
        (("num_groups",), 2.5, "num_groups"),
    ],
)
def test_the_issues_scheduler_states_are_refused_naming_the_key(path, value, key):
    state = scheduler_state()
    target = state
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    opt = sgd((0.3, 0.05))
    sched = scheduler(opt)
    sched.step_update(3)
    assert_refused_and_unchanged(opt, sched, state, match=key)


@pytest.mark.timeout(30)
def test_a_refused_load_leaves_no_base_behind_nor_the_first_of_two_fields_loaded():
    state = scheduler_state()
    # The lr (the first field) is fine, the momentum's bases are not: before, the lr's bases
    # were loaded (and written into initial_lr) before the momentum's were refused.
    state["fields"]["momentum"]["bases"] = [0.9, -1.0]
    opt = sgd((0.3, 0.05))
    sched = scheduler(opt)
    assert_refused_and_unchanged(opt, sched, state, match="momentum")
    assert sched.base_lrs == [0.3, 0.05]
    assert [g["initial_lr"] for g in opt.param_groups] == [0.3, 0.05]
    # Control: the same state, whole, loads and moves the bases.
    sched.load_state_dict(scheduler_state())
    assert sched.base_lrs == [0.1, 0.02]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("key", ["t", "ticks", "fields", "num_groups", "unit", "updates_per_epoch"])
def test_a_missing_scheduler_key_is_a_value_error_naming_it(key):
    state = scheduler_state()
    del state[key]
    opt = sgd()
    error = assert_refused_and_unchanged(opt, scheduler(opt), state, match=f"it has no '{key}'")
    assert isinstance(error, ValueError)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    ("kind", "key", "value"),
    [
        ("owns", "levels", [NAN, 0.01]),
        ("owns", "levels", [-1.0, 0.01]),
        ("owns", "base_lrs", [0.1, INF]),
        ("owns", "num_bad_epochs", -5),
        ("owns", "best", NAN),
        ("owns", "epoch", -5),
        ("torch", "num_bad_epochs", -5),
        ("torch", "cooldown_counter", 1.5),
        ("torch", "best", "x"),
        ("torch", "last_epoch", NAN),
        ("torch", "_last_lr", [0.1, -0.1]),
        ("torch", "min_lrs", [1e-4, NAN]),
    ],
)
def test_the_issues_plateau_states_are_refused_naming_the_key_and_best_is_kept(kind, key, value):
    state = plateau_state(kind)
    state[key] = value
    opt = sgd((0.3, 0.05))
    p = plateau(kind, opt)
    p.step(2.0)
    best = p.best
    assert_refused_and_unchanged(opt, p, state, match=key)
    assert p.best == best


@pytest.mark.timeout(30)
def test_a_first_format_state_with_an_empty_config_does_not_bypass_the_settings_check():
    saved = plateau_state("owns")
    first = {
        "format": "lrkit.torch.Plateau/1",
        "num_groups": 2,
        "config": {},
        **{k: saved[k] for k in ("best", "num_bad_epochs", "cooldown_counter", "last_epoch", "epoch")},
        "levels": saved["levels"],
        "base_lrs": saved["base_lrs"],
    }
    opt = sgd()
    p = Plateau(opt, patience=7, factor=0.3, warmup_t=3, noise_range_t=(0, 30))  # other settings
    for settings_mode in ("refuse", "checkpoint"):
        assert_refused_and_unchanged(opt, p, first, match=r"config\['mode'\]", settings=settings_mode)


@pytest.mark.timeout(30)
def test_a_lrkit_plateau_state_missing_a_setting_is_refused_naming_it():
    state = plateau_state("owns")
    del state["factor"]
    opt = sgd()
    assert_refused_and_unchanged(opt, plateau("owns", opt), state, match="it has no 'factor'")


def test_control_every_state_of_a_real_run_loads_and_continues_exactly():
    # Scheduler: a loaded state continues as the run it came from.
    sched = scheduler()
    for n in range(1, 22):
        sched.step_update(n)
    other = scheduler(sgd((0.3, 0.05)))
    other.load_state_dict(scheduler_state())
    assert other.state_dict() == sched.state_dict()
    # Plateaus, and torch's plateau state into a plateau whose lr lives in the optimizer.
    for kind in PLATEAU_KINDS:
        source = plateau(kind)
        for metric in METRICS:
            source.step(metric)
        resumed = plateau(kind)
        resumed.load_state_dict(plateau_state(kind))
        assert resumed.state_dict() == source.state_dict()
    plateau("torch").load_state_dict(torch_plateau_state())


# -- a refused load changes nothing: generated corruptions ---------------------------------------

BAD = {
    "delete": None,
    "string": "x",
    "none": None,
    "nan": NAN,
    "inf": INF,
    "negative": -5,
    "mapping": {"a": 1},
}


def _corrupted(state, path, how):
    """``state`` with the item at ``path`` corrupted ``how``; None when it cannot be."""
    state = copy.deepcopy(state)
    target = state
    for part in path[:-1]:
        target = target[part]
    last = path[-1]
    if how == "delete":
        if isinstance(target, list):
            return None
        del target[last]
    elif how in ("shorter", "longer"):
        if not isinstance(target[last], list):
            return None
        target[last] = target[last][:-1] if how == "shorter" else [*target[last], target[last][-1]]
    else:
        target[last] = BAD[how]
    return state


def _scheduler_paths(state):
    paths = [(key,) for key in state if key != "format"]
    for name, entry in state["fields"].items():
        paths.append(("fields", name))
        for key in entry:
            paths.append(("fields", name, key))
            paths.extend(("fields", name, key, i) for i in range(len(entry[key])))
    return paths


SCHEDULER_STATE = scheduler_state()
SCHEDULER_PATHS = _scheduler_paths(SCHEDULER_STATE)
HOWS = [*BAD, "shorter", "longer"]


@pytest.mark.timeout(60)
@HYPOTHESIS
@given(path=st.sampled_from(SCHEDULER_PATHS), how=st.sampled_from(HOWS))
def test_a_corrupted_scheduler_state_is_refused_and_changes_nothing(path, how):
    state = _corrupted(SCHEDULER_STATE, path, how)
    if state is None:
        return
    # Each of these makes the state no state of this scheduler: a time or base that is no
    # finite number >= 0, a missing or mistyped key, a list of the wrong length, a setting or
    # a schedule other than this one's.
    opt = sgd((0.3, 0.05))
    sched = scheduler(opt)
    sched.step_update(5)
    assert_refused_and_unchanged(opt, sched, state)
    # Still whole: the state as saved loads into it and continues as the run it came from.
    sched.load_state_dict(SCHEDULER_STATE)
    assert sched.state_dict() == SCHEDULER_STATE


PLATEAU_STATES = {kind: plateau_state(kind) for kind in PLATEAU_KINDS}
PLATEAU_STATES["torch state"] = torch_plateau_state()
# What a value may be without being a corruption: best is any number but NaN (infinite before
# the first metric); the keys lrkit does not read (mode_worse, and torch's own bookkeeping).
UNREAD = {"mode_worse", "verbose", "_step_count", "_get_lr_called_within_step", "_is_initial"}
# Keys torch's states may lack (younger than torch 2.1), so that their absence is no corruption
# (lrkit's own states may lack _last_lr too: the plateau records or rewrites the lrs).
OPTIONAL_IN_TORCH = {"default_min_lr", "_last_lr"}


def _plateau_cases():
    cases = []
    for kind, state in PLATEAU_STATES.items():
        for key, value in state.items():
            if key in UNREAD:
                continue
            for how in HOWS:
                if key == "best" and how in ("negative", "inf"):
                    continue  # a valid best
                if how in ("delete", "none") and key == "_last_lr":
                    continue  # absent (None as torch writes it before a step): recorded or rewritten
                if how == "delete" and kind == "torch state" and key in OPTIONAL_IN_TORCH:
                    continue
                if how in ("shorter", "longer") and not isinstance(value, list):
                    continue
                if key == "min_lrs" and how in ("shorter", "longer") and state["default_min_lr"] is not None:
                    continue  # torch's rule: a scalar min_lr is extended to every group
                if how == "none" and value is None:
                    continue  # no change
                if kind == "torch" and key == "format" and how in ("delete", "none"):
                    continue  # then it is a torch state, which this plateau reads as torch's
                if kind == "torch state" and key == "_last_lr" and how in ("none", "shorter", "longer"):
                    continue  # torch's: None or absent for an older torch, per group at its last step
                if kind == "torch" and key == "levels" and how in ("delete", "none"):
                    continue  # the lr lives in the optimizer: it reads no levels
                cases.append((kind, key, how))
            if isinstance(value, list):
                cases.extend(
                    (kind, (key, i), how) for i in range(len(value)) for how in BAD if how != "delete"
                )
    return cases


PLATEAU_CASES = _plateau_cases()


@pytest.mark.timeout(60)
@HYPOTHESIS
@given(case=st.sampled_from(PLATEAU_CASES))
def test_a_corrupted_plateau_state_is_refused_and_changes_nothing(case):
    kind, key, how = case
    state = _corrupted(PLATEAU_STATES[kind], key if isinstance(key, tuple) else (key,), how)
    opt = sgd((0.3, 0.05))
    p = plateau("torch" if kind == "torch state" else kind, opt)
    p.step(2.0)
    p.step(2.0)
    assert_refused_and_unchanged(opt, p, state)
    p.load_state_dict(PLATEAU_STATES[kind])  # still whole


def test_every_corruption_of_every_key_is_refused_and_changes_nothing():
    # All of the cases the two generated tests above draw from, each once.
    for case in PLATEAU_CASES:
        test_a_corrupted_plateau_state_is_refused_and_changes_nothing.hypothesis.inner_test(case=case)
    for path in SCHEDULER_PATHS:
        for how in HOWS:
            test_a_corrupted_scheduler_state_is_refused_and_changes_nothing.hypothesis.inner_test(
                path=path, how=how
            )
    assert len(PLATEAU_CASES) > 400 and len(SCHEDULER_PATHS) * len(HOWS) > 150


@pytest.mark.timeout(60)
def test_settings_checkpoint_checks_the_settings_it_takes_as_the_constructor_does():
    count = 0
    for kind, key, how in PLATEAU_CASES:
        path = key if isinstance(key, tuple) else (key,)
        if kind == "torch state" or (path[0] == "format" and how in ("delete", "none")):
            continue  # torch's state is what is left: its settings are taken, as torch's load does
        if path[0] in ("warmup", "noise", "default_min_lr") and how in ("delete", "none"):
            continue  # none is a setting too (no warmup, no noise, min_lr per group)
        opt = sgd((0.3, 0.05))
        p = plateau(kind, opt)
        p.step(2.0)
        state = _corrupted(PLATEAU_STATES[kind], path, how)
        assert_refused_and_unchanged(opt, p, state, settings="checkpoint")
        count += 1
    assert count > 300


# -- a step that raises leaves the driver as it was -----------------------------------------------


def bad_after(threshold, value):
    """A user's multiplier that is fine before ``threshold`` and ``value`` from there."""
    return lrkit.from_callable(lambda t: value if t >= threshold else 1.0 / (1.0 + t))


@pytest.mark.timeout(30)
def test_the_issues_step_past_the_float_range_is_refused_and_later_steps_work():
    sched, reference = scheduler(), scheduler()
    sched.step(2)
    reference.step(2)
    before, groups = sched.state_dict(), groups_of(sched.optimizer)
    for bad in (10**400, -1, NAN, INF, "3", True, torch.tensor([1.0, 2.0]), torch.tensor(1 + 2j)):
        with pytest.raises((ValueError, TypeError), match="epoch"):
            sched.step(bad)
        assert sched.state_dict() == before and groups_of(sched.optimizer) == groups
    # An epoch whose count of updates is past the float range.
    with pytest.raises(ValueError, match="past the float range"):
        sched.step(int(1.7e308))
    for n in range(9, 30):
        sched.step_update(n)
        reference.step_update(n)
        sched.step()
        reference.step()
        assert groups_of(sched.optimizer) == groups_of(reference.optimizer)
    assert sched.state_dict() == reference.state_dict()


CALLS = st.lists(
    st.one_of(
        st.tuples(st.just("step"), st.integers(0, 40)),
        st.tuples(st.just("step_update"), st.integers(0, 40)),
        st.tuples(st.just("bare"), st.none()),
        st.tuples(
            st.sampled_from(["step", "step_update"]),
            st.sampled_from([10**400, -3, NAN, INF, -INF, "x", None, True, 2.5j]),
        ),
    ),
    min_size=1,
    max_size=25,
)


@pytest.mark.timeout(60)
@HYPOTHESIS
@given(calls=CALLS, unit=st.sampled_from(["epoch", "update"]), bad_at=st.integers(3, 30))
def test_any_refused_call_changes_nothing_and_the_run_goes_on_as_without_it(calls, unit, bad_at):
    def build():
        opt = sgd()
        lr = [COSINE, bad_after(bad_at, NAN)]  # group 1's lr is NaN from t = bad_at
        return Scheduler(opt, lr=lr, momentum=MOMENTUM, unit=unit, updates_per_epoch=3)

    sched, reference = build(), build()
    for call, arg in calls:
        before, groups, last = sched.state_dict(), groups_of(sched.optimizer), sched.get_last_values()
        try:
            getattr(sched, "step" if call == "bare" else call)(*([] if call == "bare" else [arg]))
        except (ValueError, TypeError):
            assert sched.state_dict() == before
            assert groups_of(sched.optimizer) == groups and sched.get_last_values() == last
            continue
        getattr(reference, "step" if call == "bare" else call)(*([] if call == "bare" else [arg]))
        assert groups_of(sched.optimizer) == groups_of(reference.optimizer)
        assert all(0 <= x < INF for g in sched.optimizer.param_groups for x in (g["lr"], g["momentum"]))
    assert sched.state_dict() == reference.state_dict()


@pytest.mark.timeout(30)
def test_a_refused_value_of_one_field_writes_no_other_field_either():
    opt = sgd()
    sched = Scheduler(opt, lr=COSINE, momentum=[MOMENTUM, bad_after(4, -1.0)])
    sched.step(3)
    before, groups = sched.state_dict(), groups_of(opt)
    with pytest.raises(
        ValueError, match=r"momentum of param group 1 at t=4 is no finite number .*gave -1\.0 at t=4"
    ):
        sched.step(4)
    assert sched.state_dict() == before and groups_of(opt) == groups
    assert sched.get_last_values("lr") == [COSINE(3, 0.1), COSINE(3, 0.02)]


@pytest.mark.timeout(30)
def test_a_write_that_fails_half_way_puts_back_what_it_wrote():
    opt = sgd((torch.tensor(0.1), torch.tensor(0.02)))
    sched = Scheduler(opt, lr=COSINE)
    sched.step(2)
    groups = groups_of(opt)
    opt.param_groups[1]["lr"].requires_grad_(True)  # fill_ now refuses group 1's lr
    with pytest.raises(RuntimeError, match="in-place"):
        sched.step(3)
    assert groups_of(opt) == groups and sched.t == 2
    opt.param_groups[1]["lr"].requires_grad_(False)
    sched.step(3)
    expected = [torch.tensor(COSINE(3, base)).item() for base in sched.base_lrs]
    assert [g["lr"].item() for g in opt.param_groups] == expected


@pytest.mark.timeout(30)
def test_a_refused_step_adopts_no_added_group():
    opt = sgd((0.1,))
    sched = Scheduler(opt, lr=lrkit.from_callable(lambda t: -1.0 if t >= 3 else 1.0))
    sched.step(2)
    opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.5})
    before = sched.state_dict()
    with pytest.raises(ValueError, match="lr of param group 0 at t=3"):
        sched.step(3)
    assert sched.state_dict() == before and "initial_lr" not in opt.param_groups[1]
    sched.step(2)  # the group joins at a step that is written
    assert opt.param_groups[1]["initial_lr"] == 0.5 and sched.state_dict()["num_groups"] == 2


@pytest.mark.timeout(30)
def test_a_refused_plateau_step_changes_nothing():
    opt = sgd()
    p = Plateau(opt, patience=0, factor=0.5, warmup_t=2)
    for metric in (1.0, 0.9, 0.8):
        p.step(metric)
    before, groups = p.state_dict(), groups_of(opt)
    for bad in (10**400, NAN, -1, "x"):
        with pytest.raises((ValueError, TypeError), match="epoch"):
            p.step(1.0, epoch=bad)
    # A value the plateau would write that no driver writes: a negative lr_scale.
    opt.param_groups[1]["lr_scale"] = -1.0
    with pytest.raises(ValueError, match=r"lr of param group 1 at t=4 would be -"):
        p.step(5.0)  # a bad epoch: it would count (and the level decay) if the write went through
    del opt.param_groups[1]["lr_scale"]
    assert p.state_dict() == before and groups_of(opt) == groups
    # A group added at that step does not join either.
    opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3, "lr_scale": -2.0})
    with pytest.raises(ValueError, match="param group 2"):
        p.step(5.0)
    assert p.state_dict() == before and "initial_lr" not in opt.param_groups[2]


# -- no negative, NaN, infinite or missing value is written -------------------------------------------


BAD_VALUES = [NAN, INF, -INF, -1.0, None]


def _lambda_driver(source, value, when, opt):
    fn = lambda step: value if step >= when else 0.5  # noqa: E731
    if source == "from_callable":
        return Scheduler(opt, lr=[lrkit.constant(), lrkit.from_callable(fn)], unit="update")
    if source == "LambdaLR":
        return lrkit.create("LambdaLR", opt, lr_lambda=fn)
    if source == "MultiplicativeLR":
        return lrkit.create("MultiplicativeLR", opt, lr_lambda=fn)
    return lrkit.create(
        "CyclicLR", opt, base_lr=0.01, max_lr=0.1, step_size_up=4, scale_fn=fn, cycle_momentum=False
    )


@pytest.mark.timeout(60)
@HYPOTHESIS
@given(
    source=st.sampled_from(["from_callable", "LambdaLR", "MultiplicativeLR", "CyclicLR"]),
    value=st.sampled_from(BAD_VALUES),
    when=st.integers(1, 12),
)
def test_a_users_function_giving_no_writable_value_is_refused_naming_group_field_and_time(
    source, value, when
):
    opt = sgd()
    group = "1" if source == "from_callable" else "0"
    groups = groups_of(opt)
    try:
        driver = _lambda_driver(source, value, when, opt)
    except ValueError as error:
        # CyclicLR calls scale_fn with the cycle, 1 at t = 0: refused at construction.
        assert source == "CyclicLR" and when == 1
        assert f"lr of param group {group} at t=0" in str(error)
        assert groups_of(opt) == groups
        return
    for step in range(1, 16):
        before, groups = driver.state_dict(), groups_of(opt)
        try:
            driver.step()
        except ValueError as error:
            assert f"lr of param group {group} at t={step}" in str(error)
            assert driver.state_dict() == before and groups_of(opt) == groups
            break
        assert all(0 <= g["lr"] < INF for g in opt.param_groups)
    else:
        # CyclicLR's scale_fn is called with the cycle (1, 2, ...), and a negative scale may
        # still give an lr >= 0; every other source must have been refused.
        assert source == "CyclicLR"


@pytest.mark.timeout(30)
@pytest.mark.parametrize("bad", [NAN, INF, -1.0])
@pytest.mark.parametrize("where", ["lr", "initial_lr"])
def test_a_group_whose_base_is_no_finite_number_is_refused_at_construction(bad, where):
    opt = sgd()
    opt.param_groups[1][where] = bad
    groups = groups_of(opt)
    with pytest.raises(ValueError, match=rf"lr: param group 1 holds {where}="):
        Scheduler(opt, lr=COSINE)
    for kind in PLATEAU_KINDS:
        with pytest.raises(ValueError, match=rf"lr: param group 1 holds {where}="):
            plateau(kind, opt)
    assert groups_of(opt) == groups  # no initial_lr left behind
    # torch's own optimizer takes such an lr; lrkit's drivers do not drive it.
    nan_opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=NAN)
    with pytest.raises(ValueError, match="param group 0 holds lr=nan"):
        Scheduler(nan_opt, lr=lrkit.constant())


@pytest.mark.timeout(30)
def test_a_refused_first_write_leaves_no_initial_value_behind():
    opt = sgd()
    groups = groups_of(opt)
    with pytest.raises(ValueError, match=r"lr of param group 0 at t=0 is no finite number .*gave nan at t=0"):
        Scheduler(opt, lr=lrkit.from_callable(lambda t: NAN), momentum=MOMENTUM)
    with pytest.raises(ValueError, match="lr of param group 0 at t=0 is no finite number"):
        Scheduler(opt, lr=lrkit.from_callable(lambda t: None))
    opt.param_groups[0]["lr_scale"] = -1.0
    with pytest.raises(ValueError, match=r"lr of param group 0 at t=0 would be -0\.01"):
        Plateau(opt, warmup_t=2, warmup_lr_init=0.01)
    del opt.param_groups[0]["lr_scale"]
    assert groups_of(opt) == groups
    # and the optimizer takes a driver afterwards, as if nothing had happened
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriverConflictWarning)
        sched = Scheduler(opt, lr=COSINE)
        sched.step()


# -- two drivers on one field -------------------------------------------------------------------------


def conflicts(record):
    return [w for w in record if issubclass(w.category, DriverConflictWarning)]


def twin(opt):
    from lrkit import timm

    return timm.CosineLRScheduler(opt, t_initial=10)


FIGHTS = {
    "two schedulers": lambda opt: (Scheduler(opt, lr=COSINE), Scheduler(opt, lr=lrkit.constant())),
    "scheduler, then a plateau": lambda opt: (Scheduler(opt, lr=COSINE), Plateau(opt, patience=0)),
    "plateau owning the lr, then a scheduler": lambda opt: (
        Plateau(opt, warmup_t=3),
        Scheduler(opt, lr=COSINE),
    ),
    "scheduler, then a timm twin": lambda opt: (Scheduler(opt, lr=COSINE), twin(opt)),
    "two plateaus": lambda opt: (Plateau(opt, patience=0), Plateau(opt, warmup_t=2)),
}


def step(driver, epoch):
    if isinstance(driver, ReduceLROnPlateau):
        driver.step(1.0)
    elif epoch % 2 and not hasattr(driver, "t_initial"):  # bare steps too (timm's need an epoch)
        driver.step()
    else:
        driver.step(epoch)


@pytest.mark.timeout(30)
@pytest.mark.parametrize("fight", list(FIGHTS))
def test_two_live_drivers_stepped_on_one_field_warn_once(fight):
    assert issubclass(DriverConflictWarning, UserWarning)
    opt = sgd()
    first, second = FIGHTS[fight](opt)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        for epoch in range(1, 6):
            step(second, epoch)
            step(first, epoch)
    (warning, *more) = conflicts(record)
    assert len(more) <= 1  # once per driver at most
    message = str(warning.message)
    assert "two drivers write lr of the same optimizer" in message
    assert "lrkit.sequence" in message and "lrkit.product" in message and "`del`" in message
    assert warning.filename == __file__  # it points at the step of the loop


@pytest.mark.timeout(30)
def test_no_warning_where_no_two_drivers_write_one_field():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriverConflictWarning)
        # Different fields of one optimizer.
        opt = sgd()
        lr, momentum = Scheduler(opt, lr=COSINE), Scheduler(opt, momentum=MOMENTUM)
        decay = Plateau(sgd(), patience=0)
        for epoch in range(1, 4):
            lr.step(epoch)
            momentum.step(epoch)
            decay.step(1.0)
        # A driver built again, under the same name, replaces the one before.
        opt = sgd()
        sched = Scheduler(opt, lr=COSINE)
        sched.step(1)
        sched = Scheduler(opt, lr=COSINE)
        sched.step(2)
        # A new driver loaded from the old one's state, the old one still alive, not stepped.
        old = Scheduler(opt, lr=lrkit.constant())
        old.step(3)
        new = Scheduler(opt, lr=lrkit.constant())
        new.load_state_dict(old.state_dict())
        new.step(4)
        # A driver that was garbage-collected.
        gone = Scheduler(opt, lr=COSINE)
        del gone
        gc.collect()
        new.step(5)
        # A warmup driver stepped first, then a plateau: a handover, not a fight.
        opt = sgd()
        warm = Scheduler(opt, lr=lrkit.warmup(lrkit.constant(), warmup_t=3))
        decay = Plateau(opt, patience=0)
        for epoch in range(1, 4):
            warm.step(epoch)
        for _ in range(4):
            decay.step(1.0)
        # A loaded plateau takes the lr over from the driver it replaces.
        fresh = Plateau(opt, patience=0)
        fresh.load_state_dict(decay.state_dict())
        fresh.step(1.0)
        # torch's chained and sequential schedulers are one lrkit driver.
        for name, kwargs in [
            ("SequentialLR", dict(schedulers=[lrkit.constant(0.5), COSINE], milestones=[2])),
            ("ChainedScheduler", dict(schedulers=[lrkit.constant(0.5), lrkit.exponential(gamma=0.9)])),
        ]:
            chained = lrkit.create(name, sgd(), **kwargs)
            for _ in range(4):
                chained.step()
        # timm's plateau twin holds a plateau on the lr it drives.
        from lrkit import timm

        timm_plateau = timm.PlateauLRScheduler(sgd(), warmup_t=2, noise_range_t=(0, 9), patience_t=0)
        for epoch in range(8):
            timm_plateau.step(epoch, 1.0)
        # The LR range test drives the optimizer for a while, then gives it back as it was.
        model = torch.nn.Linear(3, 1)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        sched = Scheduler(opt, lr=COSINE)
        sched.step(1)
        x, y = torch.randn(32, 3), torch.randn(32, 1)
        find_lr(model, opt, torch.nn.functional.mse_loss, [(x, y)], num_iter=8, progress=False)
        sched.step(2)
        # A copied or unpickled driver drives its copied optimizer.
        for other in (copy.deepcopy(sched), pickle.loads(pickle.dumps(sched))):
            other.step(3)
            sched.step(3)
        assert all(g["lr"] == COSINE(3, 0.1) for g in opt.param_groups)
