"""lrkit.torch.Scheduler: fields, per-group schedules, stepping styles, tensors, checkpoints."""

import io
import warnings

import pytest
from timm_ref import load_timm_scheduler

torch = pytest.importorskip("torch")

import lrkit  # noqa: E402
from lrkit.recipes.timm import TorchNoise  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402


def sgd(groups=3, lr=0.1, momentum=0.9, **extra):
    params = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr * (i + 1)} for i in range(groups)]
    return torch.optim.SGD(params, lr=lr, momentum=momentum, **extra)


def adam(lr=1e-3, **kwargs):
    return torch.optim.Adam([torch.zeros(2, requires_grad=True)], lr=lr, **kwargs)


COSINE = lrkit.warmup(lrkit.cosine(t_initial=20, lr_min=1e-4), warmup_t=3, warmup_lr_init=1e-5)


def group_values(opt, key="lr"):
    return [g[key] for g in opt.param_groups]


# -- what gets written ---------------------------------------------------------------------------


def test_construction_writes_the_value_at_t0_and_sets_initial_fields():
    opt = sgd()
    Scheduler(opt, lr=COSINE)
    assert group_values(opt) == [1e-5] * 3  # the warmup start, not the optimizer's lr
    assert group_values(opt, "initial_lr") == [0.1, 0.2, 0.30000000000000004]


def test_existing_initial_lr_is_the_base():
    opt = sgd(groups=1)
    opt.param_groups[0]["initial_lr"] = 0.5
    Scheduler(opt, lr=lrkit.constant(0.5))
    assert opt.param_groups[0]["lr"] == 0.25


# Several groups sharing an affine schedule get a(t) * base + b(t), evaluated once: equal to
# the pure function up to the last bits (a single group, or a clamp, gets it exactly).
ULPS = 1e-15


def test_driver_equals_the_pure_function_every_step():
    opt = sgd()
    momentum = lrkit.linear(t_initial=10, start_factor=1.0, end_factor=0.5)
    sched = Scheduler(opt, lr=COSINE, momentum=momentum)
    bases = group_values(opt, "initial_lr")
    for epoch in range(1, 30):
        sched.step(epoch)
        assert group_values(opt) == pytest.approx([COSINE(epoch, b) for b in bases], rel=ULPS, abs=0)
        assert group_values(opt, "momentum") == pytest.approx([momentum(epoch, 0.9)] * 3, rel=ULPS, abs=0)
        assert sched.get_last_lr() == group_values(opt)
        assert sched.get_last_values("momentum") == group_values(opt, "momentum")
        assert all(type(v) is float for v in group_values(opt) + group_values(opt, "momentum"))


@pytest.mark.parametrize(
    "schedule",
    [COSINE, lrkit.clamp(lrkit.exponential(gamma=0.7), min_value=0.01)],
    ids=["one-group", "clamp"],
)
def test_exact_where_evaluated_per_group(schedule):
    # One group, or a schedule that is not affine in the base: schedule(t, base) to the bit.
    opt = sgd(groups=1 if schedule is COSINE else 3)
    sched = Scheduler(opt, lr=schedule)
    bases = group_values(opt, "initial_lr")
    for epoch in range(1, 30):
        sched.step(epoch)
        assert group_values(opt) == [schedule(epoch, b) for b in bases]


def test_shared_schedule_is_affine_to_the_last_bits():
    opt = sgd(groups=5)
    sched = Scheduler(opt, lr=COSINE, unit="update")
    bases = group_values(opt, "initial_lr")
    worst = 0.0
    for n in range(0, 40):
        sched.step_update(n)
        for value, base in zip(group_values(opt), bases, strict=True):
            exact = COSINE(n, base)
            worst = max(worst, abs(value - exact) / exact)
    assert worst <= ULPS


def test_per_group_schedules():
    opt = sgd()
    schedules = [lrkit.constant(), lrkit.step(decay_t=2, decay_rate=0.5), lrkit.exponential(gamma=0.9)]
    sched = Scheduler(opt, lr=schedules, unit="update")
    for n in range(1, 6):
        sched.step_update(n)
        assert group_values(opt) == [
            s(n, b) for s, b in zip(schedules, [0.1, 0.2, 0.30000000000000004], strict=True)
        ]
    assert sched.schedules("lr") == tuple(schedules)


@pytest.mark.parametrize(
    ("field", "key", "index"),
    [
        ("beta1", "betas", 0),
        ("beta2", "betas", 1),
        ("weight_decay", "weight_decay", None),
        ("eps", "eps", None),
    ],
)
def test_adam_fields(field, key, index):
    opt = adam(weight_decay=0.01)
    before = opt.param_groups[0][key]
    base = before if index is None else before[index]
    schedule = lrkit.linear(t_initial=4, start_factor=1.0, end_factor=0.5)
    sched = Scheduler(opt, **{field: schedule}, unit="update")
    for n in range(6):
        sched.step_update(n)
        now = opt.param_groups[0][key]
        assert (now if index is None else now[index]) == schedule(n, base)
    if index is not None:
        # The other entry of the pair is left alone and the pair stays a tuple.
        assert isinstance(opt.param_groups[0][key], tuple)
        assert opt.param_groups[0][key][1 - index] == before[1 - index]


def test_lr_scale_multiplies_the_lr_only():
    opt = sgd(groups=2)
    opt.param_groups[1]["lr_scale"] = 0.25
    sched = Scheduler(opt, lr=lrkit.cosine(t_initial=10), momentum=lrkit.constant(0.5))
    sched.step(4)
    assert opt.param_groups[1]["lr"] == lrkit.cosine(t_initial=10)(4, 0.2) * 0.25
    assert opt.param_groups[1]["momentum"] == 0.45
    assert sched.get_last_lr()[1] == opt.param_groups[1]["lr"]


# -- stepping styles ---------------------------------------------------------------------------


def test_timm_style_loop_epoch_unit_ignores_updates():
    opt = sgd(groups=1)
    sched = Scheduler(opt, lr=lrkit.step(decay_t=2, decay_rate=0.5))
    # An epoch scheduler without updates_per_epoch listens to epochs only, and says so once.
    with pytest.warns(UserWarning, match=r"ignores step_update.*updates_per_epoch"):
        sched.step_update(123)
    assert opt.param_groups[0]["lr"] == 0.1
    sched.step(2)
    assert opt.param_groups[0]["lr"] == 0.05
    assert sched.t == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step_update(124)  # once is enough


def test_a_loop_that_makes_the_matching_call_first_is_not_warned():
    sched = Scheduler(sgd(groups=1), lr=lrkit.exponential(gamma=0.5), unit="update")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for epoch in range(2):
            for i in range(3):
                sched.step_update(epoch * 3 + i + 1)
            sched.step(epoch + 1)  # timm's loop makes both calls
    assert sched.t == 6


def test_update_unit_ignores_epochs_without_updates_per_epoch():
    opt = sgd(groups=1)
    sched = Scheduler(opt, lr=lrkit.exponential(gamma=0.5), unit="update")
    with pytest.warns(UserWarning, match=r"ignores step\(epoch\).*step_update"):
        sched.step(3)
    assert opt.param_groups[0]["lr"] == 0.1
    sched.step_update(3)
    assert opt.param_groups[0]["lr"] == 0.1 * 0.5**3


def test_updates_per_epoch_gives_fractional_epochs():
    opt = sgd(groups=1)
    schedule = lrkit.cosine(t_initial=5)
    sched = Scheduler(opt, lr=schedule, unit="epoch", updates_per_epoch=4)
    sched.step_update(6)
    assert sched.t == 1.5
    assert opt.param_groups[0]["lr"] == schedule(1.5, 0.1)
    sched.step(2)  # the end-of-epoch call agrees with the update count
    assert sched.t == 2 and sched.last_epoch == 8
    sched.step()  # a bare step is one update when updates are known
    assert sched.t == 9 / 4


def test_update_unit_with_updates_per_epoch_converts_epochs():
    opt = sgd(groups=1)
    sched = Scheduler(opt, lr=lrkit.exponential(gamma=0.9), unit="update", updates_per_epoch=10)
    sched.step(2)
    assert sched.t == 20


def test_bare_step_counts_like_torch():
    opt = sgd(groups=1)
    schedule = lrkit.step(decay_t=30, decay_rate=0.1)
    sched = Scheduler(opt, lr=schedule)
    seen = []
    for _ in range(65):
        seen.append(opt.param_groups[0]["lr"])
        sched.step()
    assert seen == [schedule(e, 0.1) for e in range(65)]
    # Compare with torch's own StepLR, the loop of seed 001.
    opt_t = sgd(groups=1)
    torch_sched = torch.optim.lr_scheduler.StepLR(opt_t, step_size=30, gamma=0.1)
    theirs = []
    for _ in range(65):
        theirs.append(opt_t.param_groups[0]["lr"])
        opt_t.step()
        torch_sched.step()
    assert seen == pytest.approx(theirs, rel=1e-12)


def test_bare_step_continues_from_explicit_time():
    opt = sgd(groups=1)
    sched = Scheduler(opt, lr=lrkit.exponential(gamma=0.5), unit="update")
    sched.step_update(10)
    sched.step()
    assert sched.t == 11


@pytest.mark.parametrize("bad", [-1, float("nan"), float("inf"), True, "3"])
def test_bad_times_are_refused(bad):
    sched = Scheduler(sgd(groups=1), lr=lrkit.constant(), unit="update")
    with pytest.raises((ValueError, TypeError), match="num_updates"):
        sched.step_update(bad)


def test_numpy_and_torch_integers_are_times():
    np = pytest.importorskip("numpy")
    sched = Scheduler(sgd(groups=1), lr=lrkit.exponential(gamma=0.5))
    sched.step(np.int64(2))
    sched.step(torch.tensor(3))
    assert sched.t == 3


# -- tensors -----------------------------------------------------------------------------------


def test_tensor_lr_is_updated_in_place():
    lr = torch.tensor(1e-3)
    opt = adam(lr=lr)
    schedule = lrkit.exponential(gamma=0.5)
    sched = Scheduler(opt, lr=schedule, unit="update")
    for n in range(1, 4):
        sched.step_update(n)
        assert opt.param_groups[0]["lr"] is lr
        assert lr.item() == pytest.approx(schedule(n, 1e-3), rel=1e-6)  # float32 storage
    assert opt.param_groups[0]["initial_lr"] == pytest.approx(1e-3, rel=1e-7)


def test_tensor_betas_are_updated_in_place():
    beta1 = torch.tensor(0.9)
    opt = adam(lr=torch.tensor(1e-3), betas=(beta1, torch.tensor(0.999)))
    sched = Scheduler(opt, beta1=lrkit.linear(t_initial=2, start_factor=1.0, end_factor=0.5), unit="update")
    sched.step_update(2)
    assert opt.param_groups[0]["betas"][0] is beta1
    assert beta1.item() == pytest.approx(0.45)


def test_optimizer_still_steps_with_scheduled_tensor_lr():
    param = torch.nn.Parameter(torch.ones(3))
    opt = torch.optim.Adam([param], lr=torch.tensor(0.1))
    sched = Scheduler(opt, lr=lrkit.cosine(t_initial=10), unit="update")
    for n in range(3):
        opt.zero_grad()
        (param**2).sum().backward()
        opt.step()
        sched.step_update(n + 1)
    assert torch.all(param < 1)


# -- construction errors -----------------------------------------------------------------------


def test_is_an_lr_scheduler_without_its_side_effects():
    opt = sgd(groups=1)
    step_before = opt.step
    sched = Scheduler(opt, lr=lrkit.constant())
    assert isinstance(sched, torch.optim.lr_scheduler.LRScheduler)
    assert opt.step == step_before  # not wrapped
    assert sched.t == 0 and sched.last_epoch == 0  # not stepped


def test_errors_name_the_field_and_change_nothing():
    opt = adam()
    before = [dict(g) for g in opt.param_groups]
    with pytest.raises(ValueError, match=r"momentum.*beta1"):
        Scheduler(opt, lr=lrkit.constant(), momentum=lrkit.constant())
    assert [dict(g) for g in opt.param_groups] == before  # no initial_lr left behind
    with pytest.raises(ValueError, match=r"lr: got 2 schedules for 3 param groups"):
        Scheduler(sgd(), lr=[lrkit.constant(), lrkit.constant()])
    with pytest.raises(TypeError, match=r"lr\[1\] must be an lrkit schedule"):
        Scheduler(sgd(groups=2), lr=[lrkit.constant(), 0.1])
    with pytest.raises(TypeError, match="lr must be an lrkit schedule"):
        Scheduler(sgd(), lr=0.1)
    with pytest.raises(ValueError, match="at least one field"):
        Scheduler(sgd())
    with pytest.raises(ValueError, match="unit"):
        Scheduler(sgd(), lr=lrkit.constant(), unit="epochs")
    with pytest.raises(ValueError, match="updates_per_epoch"):
        Scheduler(sgd(), lr=lrkit.constant(), updates_per_epoch=0)
    with pytest.raises(TypeError, match=r"nesterov.*not a number"):
        Scheduler(sgd(), nesterov=lrkit.constant())


def test_a_group_added_afterwards_follows_the_shared_schedule_from_its_own_lr():
    opt = sgd(groups=1)
    schedule = lrkit.cosine(t_initial=10)
    sched = Scheduler(opt, lr=schedule, momentum=lrkit.constant(0.5))
    sched.step(3)
    opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.02, "momentum": 0.8})
    sched.step(4)
    assert [g["lr"] for g in opt.param_groups] == [schedule(4, 0.1), schedule(4, 0.02)]
    assert opt.param_groups[1]["initial_lr"] == 0.02
    assert opt.param_groups[1]["momentum"] == 0.4
    assert sched.base_lrs == [0.1, 0.02]
    # The new group is part of the state from now on.
    assert sched.state_dict()["num_groups"] == 2


def test_a_group_added_under_per_group_schedules_is_refused_before_any_write():
    opt = sgd(groups=2)
    sched = Scheduler(opt, lr=[lrkit.cosine(t_initial=10), lrkit.constant()])
    opt.add_param_group({"params": [torch.zeros(1, requires_grad=True)], "lr": 0.3})
    before = [g["lr"] for g in opt.param_groups]
    with pytest.raises(RuntimeError, match=r"one lr schedule per group.*lr=\[\.\.\.\] for all 3 groups"):
        sched.step()
    assert [g["lr"] for g in opt.param_groups] == before
    opt.param_groups.pop()
    opt.param_groups.pop()
    with pytest.raises(RuntimeError, match="cannot be removed"):
        sched.step()


# -- checkpoints -------------------------------------------------------------------------------


def build(groups=3):
    opt = sgd(groups=groups)
    schedule = lrkit.noise(
        lrkit.cycles(lrkit.cosine(t_initial=7, lr_min=1e-4), cycle_mul=1.5, cycle_decay=0.7, cycle_limit=4),
        range_t=(0, 25),
        pct=0.2,
    )
    momenta = [lrkit.linear(t_initial=10, start_factor=1.0, end_factor=0.9)] * groups
    return opt, Scheduler(opt, lr=schedule, momentum=momenta, unit="epoch", updates_per_epoch=5)


def test_state_dict_round_trip_continues_exactly():
    opt, sched = build()
    reference = []
    for n in range(1, 120):
        sched.step_update(n)
        reference.append((group_values(opt), group_values(opt, "momentum")))

    opt, sched = build()
    for n in range(1, 50):
        sched.step_update(n)
    buffer = io.BytesIO()
    torch.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, buffer)
    buffer.seek(0)
    saved = torch.load(buffer, weights_only=True)

    opt2, sched2 = build()
    opt2.load_state_dict(saved["optimizer"])
    sched2.load_state_dict(saved["scheduler"])
    assert sched2.t == sched.t and sched2.last_epoch == sched.last_epoch
    resumed = []
    for _ in range(50, 120):
        sched2.step()
        resumed.append((group_values(opt2), group_values(opt2, "momentum")))
    assert resumed == reference[49:]


def test_load_restores_bases_from_the_checkpoint():
    opt, sched = build(groups=1)
    sched.step(3)
    state = sched.state_dict()
    fresh = sgd(groups=1, lr=0.7)  # a different lr in the new process
    sched2 = Scheduler(
        fresh,
        lr=sched.schedules("lr")[0],
        momentum=sched.schedules("momentum"),
        unit="epoch",
        updates_per_epoch=5,
    )
    sched2.load_state_dict(state)
    assert fresh.param_groups[0]["lr"] == opt.param_groups[0]["lr"]
    assert fresh.param_groups[0]["initial_lr"] == 0.1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda: build(groups=2), "param groups"),
        (
            lambda: (
                lambda o: (
                    o,
                    Scheduler(
                        o, lr=lrkit.constant(), momentum=lrkit.constant(), unit="epoch", updates_per_epoch=5
                    ),
                )
            )(sgd()),
            "lr of group 0",
        ),
        (lambda: (lambda o: (o, Scheduler(o, lr=lrkit.constant())))(sgd()), "fields"),
        (
            lambda: (
                lambda o: (o, Scheduler(o, lr=lrkit.constant(), momentum=lrkit.constant(), unit="update"))
            )(sgd()),
            "unit",
        ),
    ],
)
def test_mismatched_checkpoints_are_refused_whole(change, message):
    _, sched = build()
    sched.step(4)
    state = sched.state_dict()
    opt, other = change()
    before = [dict(g) for g in opt.param_groups]
    t_before = other.t
    with pytest.raises(ValueError, match=message):
        other.load_state_dict(state)
    assert [dict(g) for g in opt.param_groups] == before and other.t == t_before


def test_not_a_state_dict_says_whose_it_is_and_what_reads_it():
    sched = Scheduler(sgd(), lr=lrkit.constant())
    with pytest.raises(ValueError, match=r"torch lr_scheduler's state_dict.*lrkit.create"):
        sched.load_state_dict(torch.optim.lr_scheduler.StepLR(sgd(), step_size=2).state_dict())
    timm = load_timm_scheduler()
    with pytest.raises(ValueError, match=r"timm scheduler's state_dict.*lrkit.timm"):
        sched.load_state_dict(timm.CosineLRScheduler(sgd(), t_initial=10).state_dict())
    with pytest.raises(ValueError, match=r"not an lrkit.torch.Scheduler state_dict.*'epoch'"):
        sched.load_state_dict({"epoch": 3})
    with pytest.raises(ValueError, match=r"got list"):
        sched.load_state_dict([])


def test_a_named_driver_state_loads_into_the_plain_driver_of_the_same_schedule():
    named = lrkit.create("StepLR", sgd(), step_size=2)
    for _ in range(3):
        named.step()
    plain = Scheduler(sgd(), lr=lrkit.step(decay_t=2), unit="update")
    plain.load_state_dict(named.state_dict())
    assert plain.t == 3 and plain.get_last_lr() == named.get_last_lr()


def test_from_callable_schedules_checkpoint_by_name():
    def warm(t):
        return min(1.0, (t + 1) / 5)

    opt = sgd(groups=1)
    sched = Scheduler(opt, lr=lrkit.from_callable(warm))
    sched.step(2)
    state = sched.state_dict()
    other = Scheduler(sgd(groups=1), lr=lrkit.from_callable(warm))
    other.load_state_dict(state)
    assert other.get_last_lr() == sched.get_last_lr()


# -- noise drawn as timm draws it ---------------------------------------------------------------


@pytest.fixture(scope="module")
def timm_scheduler():
    return load_timm_scheduler()


@pytest.mark.parametrize("kind", ["normal", "uniform"])
@pytest.mark.parametrize(("pct", "std", "seed"), [(0.67, 1.0, 42), (0.1, 1.0, 7), (0.3, 0.5, 123)])
def test_torch_generator_matches_timm(timm_scheduler, kind, pct, std, seed):
    opt = sgd(groups=1)
    theirs = timm_scheduler.StepLRScheduler(
        opt,
        decay_t=1000,
        decay_rate=1.0,
        noise_range_t=(0, 200),
        noise_pct=pct,
        noise_std=std,
        noise_seed=seed,
    )
    theirs.noise_type = kind  # StepLRScheduler does not take it, but its base class reads it
    ours = TorchNoise(lrkit.constant(), range_t=(0, 200), pct=pct, std=std, seed=seed, kind=kind)
    for t in range(0, 220, 3):
        theirs.step(t)
        assert opt.param_groups[0]["lr"] == ours(t, 0.1)


def test_a_checkpoint_of_the_previous_version_loads():
    # The previous version fingerprinted timm's noise as noise(generator="torch") and timm's
    # cycles as cycles(settle_index=False); those trees now read as TorchNoise and FloatCycles.
    opt = sgd(groups=2)
    sched = lrkit.create("timm:cosine", opt, t_initial=10, cycle_limit=3, cycle_mul=2, noise_range_t=2)
    for epoch in range(1, 6):
        sched.step(epoch)
    state = sched.state_dict()
    (fingerprint, *_) = state["fields"]["lr"]["schedules"]
    assert fingerprint["type"] == "timm:noise" and fingerprint["schedule"]["type"] == "timm:cycles"
    old = {**fingerprint, "type": "noise", "generator": "torch"}
    old["schedule"] = {**fingerprint["schedule"], "type": "cycles", "settle_index": False}
    state["fields"]["lr"]["schedules"] = [old, old]
    fresh = lrkit.create(
        "timm:cosine", sgd(groups=2), t_initial=10, cycle_limit=3, cycle_mul=2, noise_range_t=2
    )
    fresh.load_state_dict(state)
    assert fresh.get_last_lr() == sched.get_last_lr() and fresh.t == 5
    # An old fingerprint of another schedule is still refused, naming the field and group.
    other = {**old, "schedule": {**old["schedule"], "cycle_mul": 3}}
    state["fields"]["lr"]["schedules"] = [other, other]
    with pytest.raises(ValueError, match="lr of group 0"):
        lrkit.create(
            "timm:cosine", sgd(groups=2), t_initial=10, cycle_limit=3, cycle_mul=2, noise_range_t=2
        ).load_state_dict(state)


# -- continuing under a changed schedule, on purpose ------------------------------------------------


def test_an_extended_run_is_refused_by_default_and_continues_with_reschedule(caplog):
    short, longer = lrkit.cosine(t_initial=100, lr_min=1e-4), lrkit.cosine(t_initial=200, lr_min=1e-4)
    opt = sgd(groups=2)
    sched = Scheduler(opt, lr=short, momentum=lrkit.constant(0.5))
    sched.step(60)
    state = sched.state_dict()
    resumed_opt = sgd(groups=2)
    resumed = Scheduler(resumed_opt, lr=longer, momentum=lrkit.constant(0.5))
    before = [dict(g) for g in resumed_opt.param_groups]
    # The refusal names what differs, not the two whole trees.
    expected = (
        r"lr of group 0: t_initial is 100 in the checkpoint, 200 here; lr of group 1: .*reschedule=True"
    )
    with pytest.raises(ValueError, match=expected):
        resumed.load_state_dict(state)
    assert [dict(g) for g in resumed_opt.param_groups] == before and resumed.t == 0
    with caplog.at_level("WARNING", logger="lrkit"):
        report = resumed.load_state_dict(state, reschedule=True)
    assert resumed.t == 60
    assert [g["lr"] for g in resumed_opt.param_groups] == [longer(60, 0.1), longer(60, 0.2)]
    # Only the field whose schedule changed is reported, per group, before and after.
    assert [(r.field, r.group, r.t) for r in report] == [("lr", 0, 60), ("lr", 1, 60)]
    assert [r.before for r in report] == [short(60, 0.1), short(60, 0.2)]
    assert [r.after for r in report] == [longer(60, 0.1), longer(60, 0.2)]
    assert "continuing at t=60 under a new schedule" in caplog.text
    # The same schedule under reschedule=True: nothing to report.
    same = Scheduler(sgd(groups=2), lr=short, momentum=lrkit.constant(0.5))
    assert same.load_state_dict(state, reschedule=True) == []
    # What reschedule cannot bridge is still refused: the fields, the unit, the groups.
    with pytest.raises(ValueError, match="fields"):
        Scheduler(sgd(groups=2), lr=longer).load_state_dict(state, reschedule=True)
    with pytest.raises(ValueError, match="param groups"):
        Scheduler(sgd(groups=3), lr=longer, momentum=lrkit.constant(0.5)).load_state_dict(
            state, reschedule=True
        )
    with pytest.raises(TypeError, match="reschedule"):
        resumed.load_state_dict(state, reschedule="yes")


def test_a_reschedule_from_a_schedule_that_does_not_rebuild_reports_the_value_the_group_holds():
    opt = sgd(groups=1)
    sched = Scheduler(opt, lr=lrkit.from_callable(lambda t: 0.5))
    sched.step(3)
    state = sched.state_dict()
    resumed_opt = sgd(groups=1)
    resumed = Scheduler(resumed_opt, lr=lrkit.constant(0.25))
    resumed_opt.param_groups[0]["lr"] = 0.05  # as loading the optimizer's state leaves it
    (change,) = resumed.load_state_dict(state, reschedule=True)
    assert (change.before, change.after) == (0.05, 0.025)


def test_messages_point_to_the_fix():
    # A plain function where a schedule goes names the wrapper that takes one.
    with pytest.raises(
        TypeError, match=r"got <function .*; for a function of t, give lr=lrkit\.from_callable\(fn\)"
    ):
        Scheduler(sgd(), lr=lambda t: 0.5)
    with pytest.raises(TypeError, match=r"must be an lrkit schedule or a list of them, got 0\.5$"):
        Scheduler(sgd(), lr=0.5)
    # A twin prints its own class's name.
    from lrkit.timm import CosineLRScheduler

    twin = CosineLRScheduler(sgd(), t_initial=10)
    assert repr(twin).startswith("CosineLRScheduler(lr=")
    assert repr(Scheduler(sgd(), lr=lrkit.constant())).startswith("Scheduler(lr=constant()")
    # A refusal between two kinds of schedule shows both, each cut short.
    saved = Scheduler(sgd(groups=1), lr=lrkit.cosine(t_initial=4)).state_dict()
    other = Scheduler(sgd(groups=1), lr=lrkit.step(decay_t=5))
    with pytest.raises(
        ValueError,
        match=r"lr of group 0: the schedule is \{.*'cosine'\} in the checkpoint, \{.*'step'\} here",
    ):
        other.load_state_dict(saved)
    # Nested trees name the path to what changed.
    saved = Scheduler(sgd(groups=1), lr=lrkit.warmup(lrkit.cosine(t_initial=4), warmup_t=2)).state_dict()
    other = Scheduler(sgd(groups=1), lr=lrkit.warmup(lrkit.cosine(t_initial=4, lr_min=0.01), warmup_t=3))
    with pytest.raises(
        ValueError, match=r"schedule\.lr_min is 0\.0 in the checkpoint, 0\.01 here; warmup_t is 2 in the"
    ):
        other.load_state_dict(saved)
