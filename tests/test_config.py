"""lrkit.config: the scheduler names and their three front doors (create, config files, timm's flags).

Values are checked against outside references wherever one exists: timm 1.0.31's own
``timm.scheduler`` classes and ``create_scheduler`` (loaded through tests/timm_ref.py), and
torch's ``ReduceLROnPlateau``. The registry is shared with the torch and transformers recipes
other work adds, so nothing here assumes the list of names is exactly timm's.
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import warnings

import pytest

torch = pytest.importorskip("torch")
yaml = pytest.importorskip("yaml")

from timm_ref import load_timm_scheduler  # noqa: E402

import lrkit  # noqa: E402
import lrkit.timm  # noqa: E402
from lrkit import config  # noqa: E402
from lrkit.torch import Plateau, Scheduler  # noqa: E402

timm = load_timm_scheduler()
RTOL = 1e-12
TIMM_NAMES = ["constant", "cosine", "multistep", "plateau", "poly", "rsqrt", "step", "tanh", "wsd"]


def close(a: float, b: float) -> bool:
    """Equal, or within RTOL of each other (a zero only matches a zero)."""
    return a == b or abs(a - b) <= RTOL * max(abs(a), abs(b))


def assert_lrs(opt_a, opt_b, where):
    a = [float(g["lr"]) for g in opt_a.param_groups]
    b = [float(g["lr"]) for g in opt_b.param_groups]
    assert len(a) == len(b) and all(close(x, y) for x, y in zip(a, b, strict=True)), f"{where}: {a} != {b}"


def assert_values(opt, expected, where=""):
    """The groups' lrs are ``expected`` within RTOL.

    Not bit for bit: with several groups on one schedule the driver evaluates an affine schedule
    once as ``a(t) * base + b(t)``, which may differ from ``schedule(t, base)`` in the last bits.
    """
    got = [float(g["lr"]) for g in opt.param_groups]
    assert all(close(a, b) for a, b in zip(got, expected, strict=True)), f"{where}: {got} != {expected}"


def optimizer(lr_scale: bool = True):
    """Two groups with different lrs; the second has timm's lr_scale (layer decay), which both apply."""
    second = {"params": [torch.zeros(2, requires_grad=True)], "lr": 0.05}
    if lr_scale:
        second["lr_scale"] = 0.5
    return torch.optim.SGD([{"params": [torch.zeros(2, requires_grad=True)]}, second], lr=0.1, momentum=0.9)


# -- create() against timm's classes ----------------------------------------------------------

# (name, create's keyword arguments, timm class, the class's keyword arguments or None when same)
CASES = [
    ("cosine", dict(t_initial=12, lr_min=1e-4, warmup_t=3, warmup_lr_init=1e-3), "CosineLRScheduler", None),
    (
        "cosine",
        dict(t_initial=5, cycle_mul=1.5, cycle_decay=0.5, cycle_limit=3, k_decay=1.5),
        "CosineLRScheduler",
        None,
    ),
    (
        "cosine",
        dict(
            t_initial=12, warmup_t=2, warmup_prefix=True, noise_range_t=(3, 10), noise_pct=0.3, noise_seed=7
        ),
        "CosineLRScheduler",
        None,
    ),
    ("tanh", dict(t_initial=10, warmup_t=3, warmup_lr_init=1e-3, lr_min=1e-4), "TanhLRScheduler", None),
    ("tanh", dict(t_initial=6, warmup_t=2, warmup_prefix=True, cycle_limit=2), "TanhLRScheduler", None),
    ("poly", dict(t_initial=10, power=2.0, warmup_t=2, k_decay=0.5), "PolyLRScheduler", None),
    ("step", dict(decay_t=3, decay_rate=0.5, warmup_t=2, warmup_lr_init=1e-3), "StepLRScheduler", None),
    ("step", dict(decay_t=2.5, decay_rate=0.7, noise_range_t=4), "StepLRScheduler", None),
    (
        "multistep",
        dict(decay_t=[3, 6, 9], decay_rate=0.5, warmup_t=2, warmup_lr_init=1e-3),
        "MultiStepLRScheduler",
        None,
    ),
    ("wsd", dict(t_initial=12, decay_t=4, warmup_t=2, lr_min=1e-4), "WSDLRScheduler", None),
    (
        "wsd",
        dict(t_initial=12, decay_t=5, decay_fn="cosine", stable_fn="rsqrt", stable_timescale=3),
        "WSDLRScheduler",
        None,
    ),
    (
        "rsqrt",
        dict(t_initial=14, decay_t=4, warmup_t=3),
        "WSDLRScheduler",
        dict(t_initial=14, decay_t=4, warmup_t=3, stable_fn="rsqrt", decay_fn="linear"),
    ),
    # timm's 'constant' is a step schedule that never decays (create_scheduler_v2 builds it so).
    (
        "constant",
        dict(warmup_t=3, warmup_lr_init=1e-3),
        "StepLRScheduler",
        dict(decay_t=1, decay_rate=1.0, warmup_t=3, warmup_lr_init=1e-3),
    ),
]
CASE_IDS = [f"{name}-{i}" for i, (name, *_) in enumerate(CASES)]


def build_pair(case, opt_ours, opt_timm, t_in_epochs=True):
    name, kwargs, cls, timm_kwargs = case
    timm_kwargs = dict(kwargs if timm_kwargs is None else timm_kwargs)
    # timm's names draw timm's noise (torch.Generator(seed + t)): compared draw for draw.
    ours = dict(kwargs)
    driver = lrkit.create(name, opt_ours, unit="epoch" if t_in_epochs else "update", **ours)
    reference = getattr(timm, cls)(opt_timm, t_in_epochs=t_in_epochs, **timm_kwargs)
    return ours, driver, reference


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
# timm's loop calls step_update too; lrkit's epoch driver says once that it ignores it.
@pytest.mark.filterwarnings("ignore:Scheduler\\(unit='epoch'\\) ignores step_update:UserWarning")
def test_create_with_optimizer_matches_timm_per_epoch(case):
    opt_ours, opt_timm = optimizer(), optimizer()
    _, driver, reference = build_pair(case, opt_ours, opt_timm)
    assert isinstance(driver, Scheduler) and driver.unit == "epoch"
    assert_lrs(opt_ours, opt_timm, "construction")
    for epoch in range(1, 30):
        # timm's loop calls both; an epoch-unit driver ignores step_update, as timm's does.
        driver.step_update(epoch * 10)
        reference.step_update(epoch * 10)
        driver.step(epoch)
        reference.step(epoch)
        assert_lrs(opt_ours, opt_timm, f"epoch {epoch}")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_create_with_optimizer_matches_timm_per_update(case):
    opt_ours, opt_timm = optimizer(), optimizer()
    _, driver, reference = build_pair(case, opt_ours, opt_timm, t_in_epochs=False)
    assert driver.unit == "update"
    for n in range(1, 30):
        driver.step_update(n)
        reference.step_update(n)
        assert_lrs(opt_ours, opt_timm, f"update {n}")
        driver.step(n // 5)  # an update-unit driver ignores epochs, as timm's t_in_epochs=False does
        reference.step(n // 5)
        assert_lrs(opt_ours, opt_timm, f"epoch call after update {n}")


@pytest.mark.parametrize("case", CASES, ids=CASE_IDS)
def test_create_without_optimizer_is_the_schedule_the_driver_writes(case):
    name = case[0]
    opt_ours, opt_timm = optimizer(lr_scale=False), optimizer(lr_scale=False)
    ours, driver, reference = build_pair(case, opt_ours, opt_timm)
    schedule = lrkit.create(name, **ours)
    assert isinstance(schedule, lrkit.Schedule)
    assert schedule == config.build(name, **ours)
    assert driver.schedules("lr") == (schedule, schedule)
    bases = [0.1, 0.05]
    for epoch in [0, 1, 2, 3, 5, 8, 13, 21]:
        driver.step(epoch)
        reference.step(epoch)
        assert_values(opt_ours, [schedule(epoch, b) for b in bases], f"epoch {epoch}")
        assert_lrs(opt_ours, opt_timm, f"epoch {epoch}")


def test_create_honours_updates_per_epoch():
    # An epoch schedule stepped per update at fractional epochs, as lrkit.timm never does but the
    # driver offers: update n is epoch n / 4.
    opt = optimizer(lr_scale=False)
    driver = lrkit.create("cosine", opt, updates_per_epoch=4, t_initial=5, warmup_t=1)
    schedule = lrkit.create("cosine", t_initial=5, warmup_t=1)
    for n in range(1, 25):
        driver.step_update(n)
        assert_values(opt, [schedule(n / 4, b) for b in (0.1, 0.05)], f"update {n}")


def test_plateau_with_optimizer_follows_torch_reduce_on_plateau():
    opt_ours = optimizer(lr_scale=False)
    opt_torch = optimizer(lr_scale=False)
    plateau = lrkit.create("plateau", opt_ours, decay_rate=0.5, patience_t=2, threshold=1e-3)
    # timm's plateau maximises by default (top-1 accuracy)
    reference = torch.optim.lr_scheduler.ReduceLROnPlateau(
        opt_torch, mode="max", factor=0.5, patience=2, threshold=1e-3
    )
    assert isinstance(plateau, Plateau)
    metrics = [10, 20, 30, 31, 31, 31, 31, 31, 40, 40, 40, 40, 40, 40, 40, 40, 40, 41, 41, 41]
    for metric in metrics:
        plateau.step(metric)
        reference.step(metric)
        assert_lrs(opt_ours, opt_torch, f"metric {metric}")
    assert opt_ours.param_groups[0]["lr"] < 0.1 / 4  # it did decay, more than once


def test_plateau_without_optimizer_is_an_error():
    with pytest.raises(ValueError, match="metric-driven"):
        lrkit.create("plateau")
    with pytest.raises(ValueError, match="metric-driven"):
        config.build("plateau", patience_t=3)


# -- create() errors ------------------------------------------------------------------------------


def test_unknown_name_lists_the_known_names():
    with pytest.raises(ValueError, match="'cosinus'") as info:
        lrkit.create("cosinus", t_initial=10)
    message = str(info.value)
    for name in TIMM_NAMES:
        assert name in message
    assert {f"timm:{name}" for name in TIMM_NAMES} <= set(config.names())
    with pytest.raises(ValueError, match="'cosinus'"):
        lrkit.create("cosinus", optimizer(), t_initial=10)


@pytest.mark.parametrize("with_optimizer", [False, True])
def test_unknown_keyword_is_named(with_optimizer):
    opt = optimizer() if with_optimizer else None
    with pytest.raises(ValueError, match="'warmup_epochs'"):
        lrkit.create("cosine", opt, t_initial=10, warmup_epochs=3)
    with pytest.raises(ValueError, match="'patience'"):
        lrkit.create("plateau", opt, patience=3)
    # Nothing was written before the error.
    if opt is not None:
        assert [g["lr"] for g in opt.param_groups] == [0.1, 0.05]
        assert all("initial_lr" not in g for g in opt.param_groups)


def test_missing_required_argument_is_an_error_naming_it():
    with pytest.raises(ValueError, match="t_initial"):
        lrkit.create("cosine", warmup_t=3)


# -- config files -----------------------------------------------------------------------------

NESTED = lrkit.warmup(
    lrkit.sequence(
        [
            lrkit.cycles(
                lrkit.cosine(t_initial=5, lr_min=0.01), cycle_mul=1.5, cycle_decay=0.7, cycle_limit=3
            ),
            lrkit.clamp(
                lrkit.noise(0.5 * lrkit.rsqrt(timescale=10), range_t=(0, 40), std=0.5, pct=0.3, seed=3),
                max_value=0.6,
            ),
        ],
        boundaries=[15],
    ),
    warmup_t=2,
    warmup_lr_init=1e-3,
    prefix=True,
)
NAMED = {"sched": "cosine", "t_initial": 20, "warmup_t": 3, "warmup_lr_init": 1e-4, "cycle_limit": 2}
TIMES = [0, 0.5, 1, 2, 3, 7.25, 10, 16, 17, 20, 30, 45, 60]


def write(path, data):
    if path.suffix == ".json":
        path.write_text(json.dumps(data), encoding="utf-8")
    else:
        path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


@pytest.fixture(params=["config.yaml", "config.yml", "config.json"])
def config_path(request, tmp_path):
    return tmp_path / request.param


def test_load_a_name_with_arguments(config_path):
    schedule = lrkit.load(write(config_path, NAMED))
    args = {k: v for k, v in NAMED.items() if k != "sched"}
    assert schedule == lrkit.create("cosine", **args)
    assert [schedule(t, 0.1) for t in TIMES] == [lrkit.create("cosine", **args)(t, 0.1) for t in TIMES]


def test_load_a_name_with_arguments_and_an_optimizer(config_path):
    write(config_path, NAMED)
    opt, opt_ref = optimizer(), optimizer()
    driver = lrkit.load(config_path, opt)
    reference = lrkit.timm.CosineLRScheduler(
        opt_ref, t_initial=20, warmup_t=3, warmup_lr_init=1e-4, cycle_limit=2
    )
    assert isinstance(driver, Scheduler) and driver.unit == "epoch"
    for epoch in range(1, 45):
        driver.step(epoch)
        reference.step(epoch)
        assert_lrs(opt, opt_ref, f"epoch {epoch}")


def test_yaml_numbers_with_an_exponent_and_no_dot_are_numbers(tmp_path):
    # PyYAML alone reads `3e-4` as a string (YAML 1.1 wants a dot); configs mean the number, and
    # OmegaConf and Hydra read it so. Quoted, it stays the string the file asks for.
    assert yaml.safe_load("lr_min: 1e-5") == {"lr_min": "1e-5"}
    path = tmp_path / "schedule.yaml"
    path.write_text("sched: cosine\nt_initial: 2e1\nlr_min: 1e-5\nwarmup_lr_init: -1E-4\n", encoding="utf-8")
    with pytest.raises(lrkit.checks.InvalidValueError, match="warmup_lr_init"):
        lrkit.load(path)
    path.write_text("sched: cosine\nt_initial: 2e1\nlr_min: 1e-5\nwarmup_lr_init: 1E-4\n", encoding="utf-8")
    assert lrkit.load(path) == lrkit.create("cosine", t_initial=20.0, lr_min=1e-5, warmup_lr_init=1e-4)
    path.write_text('sched: cosine\nt_initial: 20\nlr_min: "1e-5"\n', encoding="utf-8")
    with pytest.raises(TypeError, match="lr_min"):
        lrkit.load(path)
    # The table PyYAML's own safe loader uses is left as it was.
    assert yaml.safe_load("x: 3e-4") == {"x": "3e-4"}


def test_load_passes_driver_options(config_path):
    write(config_path, NAMED)
    opt = optimizer(lr_scale=False)
    driver = lrkit.load(config_path, opt, unit="update")
    assert driver.unit == "update"
    driver.step_update(7)
    args = {k: v for k, v in NAMED.items() if k != "sched"}
    assert_values(opt, [lrkit.create("cosine", **args)(7, b) for b in (0.1, 0.05)])


def test_load_a_plateau_by_name(config_path):
    write(config_path, {"sched": "plateau", "decay_rate": 0.5, "patience_t": 1})
    assert isinstance(lrkit.load(config_path, optimizer()), Plateau)
    with pytest.raises(ValueError, match="metric-driven"):
        lrkit.load(config_path)


def test_load_a_nested_tree(config_path):
    schedule = lrkit.load(write(config_path, NESTED.to_dict()))
    assert schedule == NESTED
    assert [schedule(t, 0.1) for t in TIMES] == [NESTED(t, 0.1) for t in TIMES]


def test_load_a_nested_tree_with_an_optimizer(config_path):
    write(config_path, NESTED.to_dict())
    opt = optimizer(lr_scale=False)
    driver = lrkit.load(config_path, opt, unit="update", updates_per_epoch=4)
    assert isinstance(driver, Scheduler) and driver.schedules("lr") == (NESTED, NESTED)
    for epoch in range(1, 12):
        driver.step(epoch)  # an update-unit driver converts epochs with updates_per_epoch
        assert_values(opt, [NESTED(epoch * 4, b) for b in (0.1, 0.05)], f"epoch {epoch}")


def test_unknown_top_level_key_in_a_named_file(config_path):
    write(config_path, {**NAMED, "warmup_epochs": 3})
    with pytest.raises(ValueError, match="'warmup_epochs'"):
        lrkit.load(config_path)
    with pytest.raises(ValueError, match="'warmup_epochs'"):
        lrkit.load(config_path, optimizer())


def test_unknown_top_level_key_in_a_tree(config_path):
    write(config_path, {**NESTED.to_dict(), "warmup_steps": 3})
    with pytest.raises(ValueError, match="'warmup_steps'"):
        lrkit.load(config_path)


def test_unknown_nested_key_in_a_tree(config_path):
    tree = NESTED.to_dict()
    # warmup -> sequence -> [cycles -> cosine, ...]: the cosine gets a key it does not have.
    cosine = tree["schedule"]["schedules"][0]["schedule"]
    assert cosine["type"] == "cosine"
    cosine["lr_max"] = 1.0
    write(config_path, tree)
    with pytest.raises(ValueError, match="'lr_max'"):
        lrkit.load(config_path)
    with pytest.raises(ValueError, match="'lr_max'"):
        lrkit.load(config_path, optimizer())


def test_a_file_with_neither_key_is_an_error(config_path):
    write(config_path, {"name": "cosine", "t_initial": 10})
    with pytest.raises(ValueError, match=r"'type'.*'sched'.*'format: timm'.*\['name', 't_initial'\]"):
        lrkit.load(config_path)


def test_a_file_that_is_not_a_mapping_is_an_error(config_path):
    write(config_path, ["cosine", 10])
    with pytest.raises(ValueError, match="mapping"):
        lrkit.load(config_path)


def test_unknown_name_in_a_file(config_path):
    write(config_path, {"sched": "cosinus", "t_initial": 10})
    with pytest.raises(ValueError, match=r"'cosinus'.*known: .*cosine"):
        lrkit.load(config_path)


# -- timm's train.py flags --------------------------------------------------------------------

# timm train.py's scheduler flags and defaults, written out independently of config._FLAGS.
TRAIN_PY_DEFAULTS = {
    "sched": "cosine",
    "epochs": 300,
    "decay_epochs": 90,
    "decay_milestones": [90, 180, 270],
    "warmup_epochs": 5,
    "warmup_lr": 1e-5,
    "min_lr": 0,
    "warmup_prefix": False,
    "lr_noise": None,
    "lr_noise_pct": 0.67,
    "lr_noise_std": 1.0,
    "lr_cycle_mul": 1.0,
    "lr_cycle_decay": 0.5,
    "lr_cycle_limit": 1,
    "lr_k_decay": 1.0,
    "decay_rate": 0.1,
    "patience_epochs": 10,
    "cooldown_epochs": 0,
    "sched_on_updates": False,
    "lr_decay_fn": None,
    "lr_stable_timescale": None,
}


def parser():
    p = argparse.ArgumentParser(prog="train.py")
    config.add_argparse_args(p)
    return p


def parse(command_line: str) -> argparse.Namespace:
    return parser().parse_args(shlex.split(command_line))


def test_flags_and_defaults_are_timm_train_py():
    p = parser()
    options = p._option_string_actions
    for flags, _ in config._FLAGS:
        for flag in flags:
            assert flag in options, flag
    dests = {options[flags[0]].dest for flags, _ in config._FLAGS}
    assert dests == set(TRAIN_PY_DEFAULTS)
    args = p.parse_args([])
    assert vars(args) == TRAIN_PY_DEFAULTS
    assert options["--dr"] is options["--decay-rate"]


def test_flags_parse_with_timm_types():
    args = parse("--sched step --decay-epochs 7 --decay-rate 0.5 --epochs 40 --warmup-epochs 3")
    assert (args.sched, args.decay_epochs, args.decay_rate, args.epochs, args.warmup_epochs) == (
        "step",
        7.0,
        0.5,
        40,
        3,
    )
    assert type(args.decay_epochs) is float and type(args.epochs) is int
    assert parse("--sched multistep --decay-milestones 10 20").decay_milestones == [10, 20]
    assert parse("--lr-noise 0.2 0.8 --lr-noise-pct 0.3").lr_noise == [0.2, 0.8]
    assert parse("--dr 0.25").decay_rate == 0.25
    assert parse("--warmup-prefix --sched-on-updates").warmup_prefix is True


def test_sched_accepts_timm_names_only(capsys):
    for name in [*TIMM_NAMES, "none"]:
        assert parse(f"--sched {name}").sched == name
    with pytest.raises(SystemExit) as info:
        parse("--sched cosinus")
    assert info.value.code == 2
    assert "invalid choice: 'cosinus'" in capsys.readouterr().err


def test_add_argparse_args_returns_its_group():
    p = argparse.ArgumentParser()
    group = config.add_argparse_args(p)
    assert {a.dest for a in group._group_actions} == set(TRAIN_PY_DEFAULTS)


COMMAND_LINES = [
    "--sched cosine --epochs 40 --warmup-epochs 3 --lr-cycle-limit 2 --lr-cycle-decay 0.5",
    "--sched cosine --epochs 12 --warmup-epochs 2 --lr-cycle-limit 3 --lr-cycle-mul 1.5 --min-lr 1e-4",
    "--sched cosine --epochs 20 --lr-k-decay 2 --cooldown-epochs 3",
    "--sched step --decay-epochs 7 --decay-rate 0.5",
    "--sched multistep --decay-milestones 10 20",
    "--sched tanh",
    "--sched tanh --epochs 20 --warmup-prefix --lr-cycle-limit 2",
    "--sched poly",
    "--sched poly --epochs 25 --decay-rate 2 --warmup-lr 1e-3",
    "--sched constant --epochs 15",
    "--sched wsd --lr-decay-fn linear",
    "--sched wsd --epochs 30 --decay-epochs 0.3 --warmup-prefix",
    "--sched rsqrt",
    "--sched rsqrt --epochs 30 --decay-epochs 5 --lr-stable-timescale 3",
    "--sched plateau",
    "--sched plateau --epochs 40 --patience-epochs 2 --decay-rate 0.5 --warmup-epochs 2 --lr-noise 0.5",
    "--lr-noise 0.2 0.8 --lr-noise-pct 0.3 --epochs 30",
    "--sched step --decay-epochs 4 --lr-noise 0.4 --lr-noise-std 0.5 --epochs 20",
    "--sched-on-updates --epochs 10 --warmup-epochs 2",
    "--sched-on-updates --sched step --decay-epochs 3 --epochs 12 --warmup-epochs 1",
    "--sched-on-updates --sched multistep --decay-milestones 3 6 --epochs 10",
    "--sched-on-updates --sched wsd --epochs 10 --decay-epochs 0.4 --warmup-epochs 1",
    "--warmup-prefix --epochs 20",
    "--warmup-prefix --sched step --decay-epochs 5 --epochs 20",
]
UPDATES_PER_EPOCH = 3


def metric(epoch: int) -> float:
    """A top-1 accuracy that climbs, stalls, climbs again and stalls: plateaus get to decide."""
    return min(epoch, 6) * 5.0 + (10.0 if epoch >= 15 else 0.0) + 0.001 * (epoch % 2)


@pytest.mark.parametrize("command_line", COMMAND_LINES)
def test_from_args_is_timm_create_scheduler(command_line):
    args = parse(command_line)
    opt_ours, opt_timm = optimizer(), optimizer()
    ours, epochs = config.from_args(args, opt_ours, UPDATES_PER_EPOCH)
    with warnings.catch_warnings():
        # timm deprecates its plateau scheduler with a FutureWarning; that is timm's business.
        warnings.simplefilter("ignore", FutureWarning)
        theirs, timm_epochs = timm.create_scheduler(args, opt_timm, UPDATES_PER_EPOCH)
    assert epochs == timm_epochs
    assert type(ours).__name__ == type(theirs).__name__
    assert isinstance(ours, lrkit.timm.Scheduler)
    assert_lrs(opt_ours, opt_timm, "construction")
    # timm train.py's loop: step_update after every optimizer update, step(epoch + 1, metric)
    # after every epoch, both with a metric (the loss average, the eval metric).
    num_updates = 0
    for epoch in range(epochs):
        for _ in range(UPDATES_PER_EPOCH):
            num_updates += 1
            ours.step_update(num_updates=num_updates, metric=1.0 / num_updates)
            theirs.step_update(num_updates=num_updates, metric=1.0 / num_updates)
            assert_lrs(opt_ours, opt_timm, f"update {num_updates}")
        ours.step(epoch + 1, metric(epoch))
        theirs.step(epoch + 1, metric(epoch))
        assert_lrs(opt_ours, opt_timm, f"epoch {epoch + 1}")
    # The run was long enough for the lr to move: the comparison was not of constants.
    assert epochs >= 10


def test_from_args_none_is_no_scheduler():
    args = parse("--sched none --epochs 17 --warmup-prefix --warmup-epochs 2")
    opt = optimizer()
    assert config.from_args(args, opt, 4) == timm.create_scheduler(args, optimizer(), 4)
    assert config.from_args(args, opt, 4) == (None, 19)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.05]


def test_from_args_on_updates_needs_updates_per_epoch():
    # timm asserts; lrkit raises ValueError naming updates_per_epoch.
    with pytest.raises(ValueError, match="updates_per_epoch"):
        config.from_args(parse("--sched-on-updates"), optimizer(), 0)


def test_lrs_are_finite_floats_after_from_args():
    # timm's values are Python floats (a NumPy scalar in a param group breaks weights-only loads).
    opt = optimizer()
    scheduler, _ = config.from_args(parse("--epochs 10 --lr-noise 0.3 0.9"), opt, UPDATES_PER_EPOCH)
    for epoch in range(1, 12):
        scheduler.step(epoch)
        assert all(type(g["lr"]) is float and math.isfinite(g["lr"]) for g in opt.param_groups)
