"""lrkit.torch.Plateau: torch's decisions, warmup, noise, non-finite metrics, checkpoints, arguments.

The decision rule is checked side by side against ``torch.optim.lr_scheduler.ReduceLROnPlateau``
on hundreds of generated configurations and metric series. The series are generated against the
reference's own ``best`` as they go, so that exact ties and metrics one ulp either side of the
improvement threshold actually occur; equality is exact because both do the same float operations.
"""

import copy
import io
import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

torch = pytest.importorskip("torch")

from torch.optim.lr_scheduler import ReduceLROnPlateau  # noqa: E402

import lrkit  # noqa: E402
from lrkit.recipes.timm import TorchNoise  # noqa: E402
from lrkit.torch import Plateau  # noqa: E402
from lrkit.torch.plateau import GroupCountError  # noqa: E402

# Distinct lrs, so that a mix-up between groups (or between a group and min_lr) shows.
LR_POOL = (1.0, 0.7, 0.1, 0.05, 0.03, 3e-4, 1e-5)


def make_optimizer(lrs, momentum=0.0):
    groups = [{"params": [torch.zeros(2, requires_grad=True)], "lr": lr} for lr in lrs]
    return torch.optim.SGD(groups, lr=lrs[0], momentum=momentum)


def lrs_of(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def counters(scheduler):
    """What torch's ReduceLROnPlateau exposes of its decision state (Plateau uses the same names)."""
    return (scheduler.best, scheduler.num_bad_epochs, scheduler.cooldown_counter, scheduler.last_epoch)


class CountingReference(ReduceLROnPlateau):
    """torch's scheduler, counting its reductions so the tests can show they exercised something."""

    reductions = 0

    def _reduce_lr(self, epoch):
        self.reductions += 1
        super()._reduce_lr(epoch)


# -- generated configurations and metric series -------------------------------------------------


def random_config(rng):
    """Keyword arguments shared by ReduceLROnPlateau and Plateau, and the groups' lrs."""
    lrs = rng.sample(LR_POOL, rng.choice((1, 3)))
    threshold_mode = rng.choice(("rel", "abs"))
    if threshold_mode == "rel":
        threshold = rng.choice((0.0, 1e-4, 1e-2, 0.1, rng.uniform(0.0, 0.3)))
    else:
        threshold = rng.choice((0.0, 1e-3, 0.05, 0.5, rng.uniform(0.0, 1.0)))
    min_lr_kind = rng.choice(("int zero", "scalar", "list"))
    if min_lr_kind == "int zero":
        min_lr = 0  # torch's default is the int 0
    elif min_lr_kind == "scalar":
        min_lr = rng.choice((1e-4, 1e-3, 0.01, 0.02))
    else:
        min_lr = [lr * rng.choice((0.0, 1e-3, 0.05, 0.3)) for lr in lrs]
    kwargs = {
        "mode": rng.choice(("min", "max")),
        "factor": rng.choice((0.1, 0.5, 0.9, 0.0, rng.uniform(0.01, 0.99))),
        "patience": rng.randint(0, 5),
        "threshold": threshold,
        "threshold_mode": threshold_mode,
        "cooldown": rng.randint(0, 3),
        "min_lr": min_lr,
        # 1e-3 is larger than some decays (3e-4 * 0.9): those must be skipped, as torch does.
        "eps": rng.choice((1e-8, 0.0, 1e-12, 1e-3)),
    }
    floor = min_lr[0] if isinstance(min_lr, list) else min_lr
    first_decay = lrs[0] - max(lrs[0] * kwargs["factor"], floor)
    if first_decay > 0 and rng.random() < 0.2:
        # eps exactly equal to group 0's first decay: torch keeps the lr (the test is old - new > eps).
        kwargs["eps"] = first_decay
    return {"lrs": lrs, "kwargs": kwargs, "steps": rng.randint(60, 150)}


def threshold_edge(best, mode, threshold, threshold_mode):
    """torch's dynamic threshold: a metric must be strictly beyond it to count as better."""
    if mode == "min":
        return best * (1.0 - threshold) if threshold_mode == "rel" else best - threshold
    return best * (threshold + 1.0) if threshold_mode == "rel" else best + threshold


class MetricSource:
    """Metrics in phases (improvements, exact plateaus, threshold edges, worsening, wandering).

    Each metric is placed relative to the reference's current best, so ties with the best and
    values one ulp either side of the threshold are produced on purpose, not by luck.
    """

    PHASES = ("improve", "tie", "repeat", "edge", "worse", "wander")

    def __init__(self, rng, mode, threshold, threshold_mode, nonfinite=False):
        self.rng = rng
        self.mode, self.threshold, self.threshold_mode = mode, threshold, threshold_mode
        self.phases = (*self.PHASES, "nonfinite") if nonfinite else self.PHASES
        self.phase, self.left, self.last = None, 0, 1.0
        self.edge_hits = self.nonfinite_fed = 0

    def next(self, best):
        rng = self.rng
        if self.left == 0:
            self.phase, self.left = rng.choice(self.phases), rng.randint(1, 8)
        self.left -= 1
        better = 1.0 if self.mode == "max" else -1.0
        if self.phase == "nonfinite":
            metric = rng.choice((math.nan, math.inf, -math.inf))
            self.nonfinite_fed += 1
        elif not math.isfinite(best):
            metric = rng.uniform(-2.0, 5.0)  # nothing seen yet (or an infinite best): anything
        else:
            scale = abs(best) + 0.01
            edge = threshold_edge(best, self.mode, self.threshold, self.threshold_mode)
            if self.phase == "improve":
                metric = edge + better * rng.uniform(1e-3, 0.2) * scale
            elif self.phase == "tie":
                metric = best
            elif self.phase == "repeat":
                metric = self.last
            elif self.phase == "edge":
                metric = rng.choice(
                    (edge, math.nextafter(edge, better * math.inf), math.nextafter(edge, -better * math.inf))
                )
                self.edge_hits += 1
            elif self.phase == "worse":
                metric = best - better * rng.uniform(0.0, 0.3) * scale
            else:
                metric = best + rng.gauss(0.0, 0.05 * scale)
        self.last = metric
        return metric


def new_stats():
    return dict.fromkeys(
        ("configs", "steps", "decays", "blocked", "cooldown_steps", "edge_hits", "nonfinite"), 0
    )


def first_mismatch(config, seed, *, reference_overrides=None, stats=None, nonfinite=False):
    """Step torch's scheduler and Plateau side by side; describe the first difference, or None."""
    rng = random.Random(seed)
    kwargs = config["kwargs"]
    ref_opt, opt = make_optimizer(config["lrs"]), make_optimizer(config["lrs"])
    ref = CountingReference(ref_opt, **{**kwargs, **(reference_overrides or {})})
    plateau = Plateau(opt, **kwargs, nonfinite="count" if nonfinite else "raise")
    source = MetricSource(rng, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"], nonfinite)
    decays = cooldown_steps = 0
    for step in range(1, config["steps"] + 1):
        metric = source.next(ref.best)
        before = lrs_of(ref_opt)
        ref.step(metric)
        plateau.step(metric)
        expected, got = lrs_of(ref_opt), lrs_of(opt)
        if got != expected or plateau.get_last_lr() != expected or plateau.levels != expected:
            return f"step {step}, metric {metric!r}: lrs {got} (levels {plateau.levels}), torch {expected}"
        if counters(plateau) != counters(ref):
            return (
                f"step {step}, metric {metric!r}: (best, num_bad_epochs, cooldown_counter, last_epoch) "
                f"{counters(plateau)}, torch {counters(ref)}"
            )
        decays += expected != before
        cooldown_steps += ref.cooldown_counter > 0
    if stats is not None:
        stats["configs"] += 1
        stats["steps"] += config["steps"]
        stats["decays"] += decays
        stats["blocked"] += ref.reductions - decays  # reductions that changed no lr at all
        stats["cooldown_steps"] += cooldown_steps
        stats["edge_hits"] += source.edge_hits
        stats["nonfinite"] += source.nonfinite_fed
    return None


# -- the differential test ----------------------------------------------------------------------

BLOCKS = 10
CONFIGS_PER_BLOCK = 60


@pytest.mark.parametrize("block", range(BLOCKS))
def test_same_decisions_as_torch_reduce_lr_on_plateau(block):
    stats = new_stats()
    for i in range(CONFIGS_PER_BLOCK):
        seed = block * CONFIGS_PER_BLOCK + i
        config = random_config(random.Random(seed))
        mismatch = first_mismatch(config, seed, stats=stats)
        assert mismatch is None, f"seed {seed}, {config}: {mismatch}"
    # The configurations must have exercised what they are meant to: decays, reductions that
    # eps or min_lr turned into no change, cooldowns, and metrics on the threshold edge.
    assert stats["configs"] == CONFIGS_PER_BLOCK
    assert stats["decays"] > 3 * CONFIGS_PER_BLOCK
    assert stats["blocked"] > 0
    assert stats["cooldown_steps"] > 0
    assert stats["edge_hits"] > 10 * CONFIGS_PER_BLOCK


CONTROL_CONFIGS = [random_config(random.Random(10_000 + i)) for i in range(40)]


def test_control_side_by_side_catches_a_different_patience():
    # If the comparison were too weak, a reference with one more epoch of patience would agree.
    found = [
        first_mismatch(c, 10_000 + i, reference_overrides={"patience": c["kwargs"]["patience"] + 1})
        for i, c in enumerate(CONTROL_CONFIGS)
    ]
    assert sum(m is not None for m in found) >= 0.75 * len(found)
    # The counters are compared too, and catch the difference before the lr does.
    assert any(m is not None and "num_bad_epochs" in m for m in found)


def test_control_side_by_side_catches_a_one_ulp_threshold():
    # Metrics land exactly on the threshold edge, so even a one-ulp change of threshold shows.
    configs = [c for c in CONTROL_CONFIGS if c["kwargs"]["threshold"] > 0]
    found = [
        first_mismatch(
            c, 10_000 + i, reference_overrides={"threshold": math.nextafter(c["kwargs"]["threshold"], 1)}
        )
        for i, c in enumerate(configs)
    ]
    assert any(m is not None for m in found)


def test_count_equals_torch_on_series_with_nan_and_infinities():
    # torch turns the metric into a float and compares: NaN is never better (a bad epoch), +inf
    # is worse in min mode, and -inf is an improvement in min mode that nothing beats afterwards.
    stats = new_stats()
    for i in range(120):
        seed = 20_000 + i
        config = random_config(random.Random(seed))
        mismatch = first_mismatch(config, seed, stats=stats, nonfinite=True)
        assert mismatch is None, f"seed {seed}, {config}: {mismatch}"
    assert stats["decays"] > 120
    assert stats["nonfinite"] > 500


# -- warmup -------------------------------------------------------------------------------------


def test_warmup_values_then_torch_fed_only_the_post_warmup_metrics():
    warmup_epochs = 0
    for i in range(120):
        seed = 30_000 + i
        rng = random.Random(seed)
        config = random_config(rng)
        kwargs = config["kwargs"]
        warmup_t = rng.choice((0.5, 1, 2, 2.5, 3, 6))
        warmup_lr_init = rng.choice((0.0, 1e-5, 0.01))
        ramp = lrkit.warmup(lrkit.constant(), warmup_t, warmup_lr_init)
        ref_opt, opt = make_optimizer(config["lrs"]), make_optimizer(config["lrs"])
        ref = ReduceLROnPlateau(ref_opt, **kwargs)
        plateau = Plateau(opt, **kwargs, warmup_t=warmup_t, warmup_lr_init=warmup_lr_init)
        source = MetricSource(rng, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"])
        assert lrs_of(opt) == [ramp(0, lr) for lr in config["lrs"]]
        initial = counters(plateau)
        for epoch in range(1, config["steps"] + 1):
            metric = source.next(ref.best)
            plateau.step(metric)
            if epoch < warmup_t:
                warmup_epochs += 1
                assert lrs_of(opt) == [ramp(epoch, lr) for lr in config["lrs"]], (seed, epoch)
                assert counters(plateau) == initial, (seed, epoch)  # the metric was not counted
                continue
            ref.step(metric)
            assert lrs_of(opt) == lrs_of(ref_opt), (seed, epoch, config)
            assert counters(plateau) == counters(ref), (seed, epoch, config)
    assert warmup_epochs > 100


def test_metrics_during_warmup_are_not_counted():
    def run(warmup_t):
        opt = make_optimizer([0.1])
        plateau = Plateau(opt, factor=0.5, patience=0, warmup_t=warmup_t, warmup_lr_init=0.01)
        for metric in (1.0, 2.0, 3.0):  # worse and worse: with patience 0, decays if counted
            plateau.step(metric)
        plateau.step(3.0)  # epoch 4: the first counted metric when warmup_t == 4
        return lrs_of(opt), plateau

    lrs, plateau = run(warmup_t=4)
    assert lrs == [0.1]
    assert (plateau.best, plateau.num_bad_epochs, plateau.last_epoch) == (3.0, 0, 1)
    # Control: the same metrics without warmup do decay (0.1 -> 0.05 -> 0.025 -> 0.0125).
    lrs, _ = run(warmup_t=0)
    assert lrs == [0.1 * 0.5 * 0.5 * 0.5]


# -- noise --------------------------------------------------------------------------------------

NOISE_KWARGS = {"mode": "min", "factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": [1e-3, 0.0, 0.0]}


def plateau_series(n, seed):
    """A loss that improves, then stalls in exact plateaus, so that several decays happen."""
    rng = random.Random(seed)
    loss, out = 2.0, []
    for _ in range(n):
        if rng.random() < 0.35:
            loss *= rng.uniform(0.8, 0.99)
        out.append(loss if rng.random() < 0.7 else loss * rng.uniform(1.0, 1.1))
    return out


@pytest.mark.parametrize("generator", ["lrkit", "torch"])
@pytest.mark.parametrize("noise_type", ["normal", "uniform"])
@pytest.mark.parametrize("range_t", [(1, 40), 5])
def test_noise_is_relative_on_the_level_and_never_steers_decisions(generator, noise_type, range_t):
    lrs = [0.1, 0.05, 0.7]
    noise = {"noise_pct": 0.3, "noise_std": 0.5, "noise_seed": 7, "noise_type": noise_type}
    node = TorchNoise if generator == "torch" else lrkit.noise
    relative = node(
        lrkit.constant(), range_t=range_t, pct=0.3, std=0.5, seed=7, kind=noise_type
    ).relative_noise
    warmup = {"warmup_t": 3, "warmup_lr_init": 1e-4}
    noisy_opt, twin_opt = make_optimizer(lrs), make_optimizer(lrs)
    noisy = Plateau(
        noisy_opt, **NOISE_KWARGS, **warmup, noise_range_t=range_t, noise_generator=generator, **noise
    )
    twin = Plateau(twin_opt, **NOISE_KWARGS, **warmup)  # the same, without noise
    noisy_epochs = 0
    for epoch, metric in enumerate(plateau_series(50, seed=1), start=1):
        noisy.step(metric)
        twin.step(metric)
        # The decisions are those of the noise-free twin: noise only touches what is written.
        assert noisy.levels == twin.levels
        assert counters(noisy) == counters(twin)
        n = relative(epoch)
        assert lrs_of(noisy_opt) == [lr + lr * n for lr in lrs_of(twin_opt)], epoch
        assert noisy.get_last_lr() == lrs_of(noisy_opt)
        noisy_epochs += n != 0
        if n:  # control: the noise does show in the lr (the check above is not lr == lr)
            assert all(a != b for a, b in zip(lrs_of(noisy_opt), lrs_of(twin_opt), strict=True))
    assert twin.levels[0] < lrs[0] / 4  # at least two decays happened under the noise
    assert noisy_epochs == (39 if isinstance(range_t, tuple) else 46)


def test_noise_generators_differ_and_twin_follows_torch():
    # Control for the generator parameter: the torch and lrkit generators draw different numbers,
    # so a Plateau ignoring noise_generator would fail the test above for one of them.
    def written(generator):
        opt = make_optimizer([0.1])
        plateau = Plateau(opt, noise_range_t=0, noise_pct=0.5, noise_generator=generator)
        out = []
        for epoch in range(1, 8):
            plateau.step(1.0)
            out.append((epoch, lrs_of(opt)[0]))
        return out

    assert written("lrkit") != written("torch")
    # And the twin used above is itself right: its levels follow torch's scheduler.
    ref_opt, opt = make_optimizer([0.1, 0.05, 0.7]), make_optimizer([0.1, 0.05, 0.7])
    ref = ReduceLROnPlateau(ref_opt, **NOISE_KWARGS)
    plateau = Plateau(opt, **NOISE_KWARGS)
    for metric in plateau_series(50, seed=1):
        ref.step(metric)
        plateau.step(metric)
        assert lrs_of(opt) == lrs_of(ref_opt)


def test_explicit_epochs_equal_counted_ones_and_may_jump():
    kwargs = {
        **NOISE_KWARGS,
        "warmup_t": 3,
        "warmup_lr_init": 1e-4,
        "noise_range_t": (0, 40),
        "noise_pct": 0.2,
    }
    counted_opt, explicit_opt = make_optimizer([0.1, 0.05, 0.7]), make_optimizer([0.1, 0.05, 0.7])
    counted, explicit = Plateau(counted_opt, **kwargs), Plateau(explicit_opt, **kwargs)
    # last_epoch is torch's: that of a ReduceLROnPlateau given the counted metrics, with the
    # same epoch= (torch records the epoch it is given, and warns that the argument is deprecated).
    ref = ReduceLROnPlateau(make_optimizer([0.1, 0.05, 0.7]), **NOISE_KWARGS)
    without_last_epoch = lambda state: {k: v for k, v in state.items() if k != "last_epoch"}  # noqa: E731
    for epoch, metric in enumerate(plateau_series(30, seed=6), start=1):
        counted.step(metric)
        explicit.step(metric, epoch=epoch)
        if epoch >= kwargs["warmup_t"]:
            with pytest.warns(UserWarning, match="epoch parameter"):
                ref.step(metric, epoch=epoch)
        assert lrs_of(explicit_opt) == lrs_of(counted_opt)
        assert without_last_epoch(explicit.state_dict()) == without_last_epoch(counted.state_dict())
        assert counters(explicit) == counters(ref)
    assert counted.last_epoch == 30 - kwargs["warmup_t"] + 1  # implicit epochs count, as torch's
    assert explicit.levels[0] < 0.1  # it decayed, so the explicit epochs went through decisions
    # A jump writes the lr of the epoch jumped to (its noise) and counts the metric once.
    explicit.step(10.0, epoch=35)
    with pytest.warns(UserWarning, match="epoch parameter"):
        ref.step(10.0, epoch=35)
    n = lrkit.noise(lrkit.constant(), range_t=(0, 40), pct=0.2).relative_noise(35)
    assert (explicit.epoch, counters(explicit)) == (35, counters(ref))
    assert explicit.levels == lrs_of(ref.optimizer)
    assert lrs_of(explicit_opt) == [level + level * n for level in explicit.levels]


# -- non-finite metrics -------------------------------------------------------------------------

BAD_METRICS = [math.nan, math.inf, -math.inf, torch.tensor(math.nan), torch.tensor(-math.inf)]
BAD_IDS = ["nan", "inf", "-inf", "tensor-nan", "tensor--inf"]


@pytest.mark.parametrize("bad", BAD_METRICS, ids=BAD_IDS)
def test_nonfinite_raises_by_default_and_changes_nothing(bad):
    metrics = plateau_series(40, seed=2)
    ref_opt, opt = make_optimizer([0.1, 0.05, 0.7]), make_optimizer([0.1, 0.05, 0.7])
    ref = ReduceLROnPlateau(ref_opt, **NOISE_KWARGS)
    plateau = Plateau(opt, **NOISE_KWARGS, noise_range_t=(0, 30), noise_pct=0.2)
    states_seen = set()
    for metric in metrics:
        # A failed step at every point of the run: fresh, with bad epochs counted, in cooldown.
        before, lrs_before = plateau.state_dict(), lrs_of(opt)
        with pytest.raises(ValueError, match="metric is"):
            plateau.step(bad)
        assert plateau.state_dict() == before
        assert lrs_of(opt) == lrs_before and plateau.get_last_lr() == lrs_before
        states_seen.add((plateau.num_bad_epochs > 0, plateau.cooldown_counter > 0))
        plateau.step(metric)
        ref.step(metric)
        # ...and the run goes on as if the failed steps never happened.
        assert plateau.levels == lrs_of(ref_opt)
        assert counters(plateau) == counters(ref)
        # Control: a good step does change the state, so the equality above could fail.
        assert plateau.state_dict() != before
    assert {(True, False), (False, True), (False, False)} <= states_seen


def test_skip_ignores_the_metric_but_advances_the_epoch():
    rng = random.Random(3)
    metrics = [
        m if rng.random() > 0.2 else rng.choice((math.nan, math.inf, -math.inf))
        for m in plateau_series(60, 3)
    ]
    noise = lrkit.noise(lrkit.constant(), range_t=(0, 50), pct=0.2).relative_noise
    ref_opt, opt = make_optimizer([0.1, 0.05, 0.7]), make_optimizer([0.1, 0.05, 0.7])
    ref = ReduceLROnPlateau(ref_opt, **NOISE_KWARGS)
    plateau = Plateau(opt, **NOISE_KWARGS, nonfinite="skip", noise_range_t=(0, 50), noise_pct=0.2)
    skipped = 0
    for epoch, metric in enumerate(metrics, start=1):
        before = plateau.state_dict()
        plateau.step(metric)
        after = plateau.state_dict()
        if math.isfinite(metric):
            ref.step(metric)  # torch sees only the finite metrics
        else:
            skipped += 1
            # Time moves on (and with it the noise in the written lr); nothing else does.
            timeless = ("epoch", "_last_lr")
            assert {k: v for k, v in after.items() if k not in timeless} == {
                k: v for k, v in before.items() if k not in timeless
            }
        assert after["epoch"] == epoch  # time advances on every step, skipped or not
        assert plateau.levels == lrs_of(ref_opt)
        assert counters(plateau) == counters(ref)
        n = noise(epoch)
        assert lrs_of(opt) == [lr + lr * n for lr in lrs_of(ref_opt)]
    assert skipped > 5
    assert plateau.levels != [0.1, 0.05, 0.7]  # it decayed along the way
    # Control: counting the same non-finite metrics as torch does ends elsewhere.
    count = Plateau(make_optimizer([0.1, 0.05, 0.7]), **NOISE_KWARGS, nonfinite="count")
    for metric in metrics:
        count.step(metric)
    assert (count.levels, counters(count)) != (plateau.levels, counters(plateau))


# -- checkpoints --------------------------------------------------------------------------------

CKPT_KWARGS = {
    "mode": "min",
    "factor": 0.5,
    "patience": 1,
    "cooldown": 2,
    "min_lr": [1e-3, 1e-4],
    "warmup_t": 3,
    "warmup_lr_init": 1e-4,
    "noise_range_t": (2, 30),
    "noise_pct": 0.2,
    "noise_seed": 3,
}
CKPT_METRICS = plateau_series(40, seed=4)


def build(lrs=(0.1, 0.02), **changes):
    opt = make_optimizer(list(lrs), momentum=0.9)
    return opt, Plateau(opt, **{**CKPT_KWARGS, **changes})


def train_step(opt, plateau, metric):
    # A real optimizer step first, so the optimizer's own state (momentum) is in the checkpoint.
    for group in opt.param_groups:
        for p in group["params"]:
            p.grad = torch.ones_like(p)
    opt.step()
    plateau.step(metric)


def round_trip(opt, plateau):
    buffer = io.BytesIO()
    torch.save({"optimizer": opt.state_dict(), "plateau": plateau.state_dict()}, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


def test_resumed_run_continues_exactly():
    opt, plateau = build()
    unbroken = [lrs_of(opt)]
    for metric in CKPT_METRICS:
        train_step(opt, plateau, metric)
        unbroken.append(lrs_of(opt))
    final_state = plateau.state_dict()

    covered = set()
    for k in range(len(CKPT_METRICS)):
        opt, plateau = build()
        for metric in CKPT_METRICS[:k]:
            train_step(opt, plateau, metric)
        if plateau.epoch < CKPT_KWARGS["warmup_t"]:
            covered.add("warmup")
        if plateau.cooldown_counter:
            covered.add("cooldown")
        if plateau.num_bad_epochs:
            covered.add("bad epochs")
        if plateau.noise.relative_noise(plateau.epoch):
            covered.add("noise")
        saved = round_trip(opt, plateau)

        opt, plateau = build()
        opt.load_state_dict(saved["optimizer"])
        plateau.load_state_dict(saved["plateau"])
        assert lrs_of(opt) == unbroken[k], k
        for step, metric in enumerate(CKPT_METRICS[k:], start=k + 1):
            train_step(opt, plateau, metric)
            assert lrs_of(opt) == unbroken[step], (k, step)
        assert plateau.state_dict() == final_state, k
    assert covered == {"warmup", "cooldown", "bad epochs", "noise"}


def test_control_resuming_without_the_plateau_state_differs():
    # The checkpoint is what makes the resumed run exact: a fresh plateau on the restored
    # optimizer forgets best, counters and levels, and the run goes elsewhere.
    opt, plateau = build()
    unbroken = []
    for metric in CKPT_METRICS:
        train_step(opt, plateau, metric)
        unbroken.append(lrs_of(opt))
    opt, plateau = build()
    for metric in CKPT_METRICS[:20]:
        train_step(opt, plateau, metric)
    saved = round_trip(opt, plateau)
    opt, plateau = build()
    opt.load_state_dict(saved["optimizer"])
    resumed = []
    for metric in CKPT_METRICS[20:]:
        train_step(opt, plateau, metric)
        resumed.append(lrs_of(opt))
    assert resumed != unbroken[20:]


def stepped(metrics, lrs=(0.1, 0.02), **changes):
    opt, plateau = build(lrs, **changes)
    for metric in metrics:
        train_step(opt, plateau, metric)
    return opt, plateau


# (the change to the settings, the config key the refusal names)
OTHER_SETTINGS = [
    ({"factor": 0.2}, "factor"),
    ({"patience": 3}, "patience"),
    ({"mode": "max"}, "mode"),
    ({"threshold": 1e-3}, "threshold"),
    ({"threshold_mode": "abs"}, "threshold_mode"),
    ({"cooldown": 0}, "cooldown"),
    ({"min_lr": [1e-3, 0.0]}, "min_lrs"),
    ({"eps": 1e-6}, "eps"),
    ({"warmup_t": 4}, "warmup"),
    ({"warmup_lr_init": 0.0}, "warmup"),
    ({"noise_range_t": None}, "noise"),
    ({"noise_range_t": (2, 31)}, "noise"),
    ({"noise_seed": 4}, "noise"),
    ({"noise_pct": 0.1}, "noise"),
    ({"noise_std": 0.5}, "noise"),
    ({"noise_type": "uniform"}, "noise"),
    ({"noise_generator": "torch"}, "noise"),
]


@pytest.mark.parametrize(("change", "key"), OTHER_SETTINGS, ids=[k for _, k in OTHER_SETTINGS])
def test_a_state_from_other_settings_is_refused_and_changes_nothing(change, key):
    saved = round_trip(*stepped(CKPT_METRICS[:12]))["plateau"]
    opt, plateau = stepped(CKPT_METRICS[20:26], **change)
    before, lrs_before = plateau.state_dict(), lrs_of(opt)
    initial_before = [g["initial_lr"] for g in opt.param_groups]
    with pytest.raises(ValueError, match=rf"\b{key} is "):
        plateau.load_state_dict(saved)
    assert plateau.state_dict() == before
    assert lrs_of(opt) == lrs_before
    assert [g["initial_lr"] for g in opt.param_groups] == initial_before


def test_control_a_state_from_the_same_settings_loads():
    source = stepped(CKPT_METRICS[:12])[1]
    _, plateau = stepped(CKPT_METRICS[20:26])
    assert plateau.state_dict() != source.state_dict()
    plateau.load_state_dict(round_trip(*stepped(CKPT_METRICS[:12]))["plateau"])
    assert plateau.state_dict() == source.state_dict()


def test_a_state_for_another_number_of_groups_or_not_a_plateau_is_refused():
    saved = round_trip(*stepped(CKPT_METRICS[:12]))["plateau"]
    opt, plateau = stepped(CKPT_METRICS[20:26], lrs=(0.1, 0.02, 0.3), min_lr=1e-4)
    before, lrs_before = plateau.state_dict(), lrs_of(opt)
    with pytest.raises(ValueError, match="2 param groups in the checkpoint, 3 here"):
        plateau.load_state_dict(saved)
    step_lr = torch.optim.lr_scheduler.StepLR(make_optimizer([0.1, 0.02, 0.3]), step_size=2)
    with pytest.raises(ValueError, match="not a ReduceLROnPlateau state_dict"):
        plateau.load_state_dict(step_lr.state_dict())
    with pytest.raises(TypeError, match="state_dict must be a mapping"):
        plateau.load_state_dict([("best", 1.0)])
    with pytest.raises(ValueError, match="it has no 'best'"):
        plateau.load_state_dict({k: v for k, v in saved.items() if k != "best"})
    with pytest.raises(ValueError, match="the checkpoint has no levels"):
        plateau.load_state_dict({k: v for k, v in saved.items() if k != "levels"})
    assert plateau.state_dict() == before and lrs_of(opt) == lrs_before


def test_tensor_lr_is_updated_in_place():
    param = torch.zeros(2, requires_grad=True)
    opt = torch.optim.Adam([param], lr=torch.tensor(0.01))
    lr = opt.param_groups[0]["lr"]
    base = float(lr)  # read now: the plateau writes its warmup start into this very tensor
    kwargs = {"factor": 0.5, "patience": 0, "warmup_t": 2, "warmup_lr_init": 1e-3, "noise_range_t": (0, 10)}
    plateau = Plateau(opt, **kwargs)
    # The twin on a float lr says what the values are; the tensor holds them in its own dtype.
    twin_opt = make_optimizer([base])
    twin = Plateau(twin_opt, **kwargs)
    decayed = False
    for metric in plateau_series(20, seed=5):
        param.grad = torch.ones_like(param)
        opt.step()
        plateau.step(metric)
        twin.step(metric)
        assert opt.param_groups[0]["lr"] is lr
        assert lr.item() == torch.tensor(lrs_of(twin_opt)[0], dtype=lr.dtype).item()
        decayed = twin.levels[0] < base
    assert decayed  # the decays were written into the tensor too

    # Restoring writes into the tensor the restored optimizer holds, also in place.
    saved = round_trip(opt, plateau)
    opt2 = torch.optim.Adam([param], lr=torch.tensor(0.01))
    plateau2 = Plateau(opt2, **kwargs)
    opt2.load_state_dict(saved["optimizer"])
    lr2 = opt2.param_groups[0]["lr"]
    lr2.fill_(123.0)  # so that only the plateau's write can bring it back
    plateau2.load_state_dict(saved["plateau"])
    assert opt2.param_groups[0]["lr"] is lr2 and lr2.item() == lr.item()
    plateau2.step(1e9)
    plateau.step(1e9)
    assert opt2.param_groups[0]["lr"] is lr2 and lr2.item() == lr.item()


# -- arguments ----------------------------------------------------------------------------------

BAD_ARGUMENTS = [
    ({"factor": 1.0}, ValueError, "factor"),
    ({"factor": 1.5}, ValueError, "factor"),
    ({"factor": -0.1}, ValueError, "factor"),
    ({"factor": "0.5"}, TypeError, "factor"),
    ({"patience": -1}, ValueError, "patience"),
    ({"patience": 2.5}, TypeError, "patience"),
    ({"mode": "minimum"}, ValueError, "mode"),
    ({"threshold": -1e-4}, ValueError, "threshold"),
    ({"threshold_mode": "relative"}, ValueError, "threshold_mode"),
    ({"cooldown": -1}, ValueError, "cooldown"),
    ({"min_lr": [0.0]}, ValueError, "min_lr"),  # two groups
    ({"min_lr": [0.0, 0.0, 0.0]}, ValueError, "min_lr"),
    ({"min_lr": -1.0}, ValueError, "min_lr"),
    ({"min_lr": [0.0, -1.0]}, ValueError, r"min_lr\[1\]"),
    ({"eps": -1.0}, ValueError, "eps"),
    ({"nonfinite": "ignore"}, ValueError, "nonfinite"),
    ({"nonfinite": None}, ValueError, "nonfinite"),
    ({"distributed": "yes"}, TypeError, "distributed"),
    ({"warmup_t": -1}, ValueError, "warmup_t"),
    ({"warmup_lr_init": -1.0}, ValueError, "warmup_lr_init"),
]


@pytest.mark.parametrize(
    ("kwargs", "error", "name"), BAD_ARGUMENTS, ids=[repr(k) for k, _, _ in BAD_ARGUMENTS]
)
def test_bad_arguments_are_refused_by_name_before_touching_the_optimizer(kwargs, error, name):
    opt = make_optimizer([0.1, 0.02])
    # The name leads the message; (?!\w) keeps "threshold" from matching "threshold_mode".
    with pytest.raises(error, match=rf"^{name}(?!\w)"):
        Plateau(opt, **kwargs)
    assert lrs_of(opt) == [0.1, 0.02]
    assert all("initial_lr" not in g for g in opt.param_groups)


def test_control_good_arguments_are_accepted_and_touch_the_optimizer():
    # The boundaries just inside the refused values; and construction with a warmup does set
    # initial_lr, so the check above that it did not is meaningful.
    opt = make_optimizer([0.1, 0.02])
    Plateau(opt, factor=0.0, patience=0, threshold=0.0, cooldown=0, min_lr=[0.0, 1e-3], eps=0.0)
    Plateau(opt, factor=0.999, mode="max", threshold_mode="abs", nonfinite="count", distributed=False)
    assert all("initial_lr" not in g for g in opt.param_groups)  # torch's arguments: torch's groups
    Plateau(opt, warmup_t=0.5, warmup_lr_init=0.0)
    assert [g["initial_lr"] for g in opt.param_groups] == [0.1, 0.02]


def test_not_an_optimizer_is_a_type_error():
    with pytest.raises(TypeError, match="optimizer"):
        Plateau([torch.zeros(1)])


# -- where the lr lives: torch's arguments only --------------------------------------------------

# torch's own keys, asked of torch: the ones Plateau's state must hold with torch's values.
TORCH_KEYS = tuple(ReduceLROnPlateau(make_optimizer([0.1])).state_dict())


def comparable(value):
    """Tensors as (value, dtype), so that == compares them whole, in lists and dicts too."""
    if isinstance(value, torch.Tensor):
        return (value.item(), value.dtype)
    if isinstance(value, (list, tuple)):
        return [comparable(x) for x in value]
    if isinstance(value, dict):
        return {k: comparable(x) for k, x in value.items() if k != "params"}
    return value


def torch_part(state):
    """What torch's load_state_dict reads of a state: its own keys, comparable."""
    return {key: comparable(state[key]) for key in TORCH_KEYS}


def tensor_optimizer(lrs, dtype):
    groups = [
        {"params": [torch.zeros(2, requires_grad=True)], "lr": torch.tensor(lr, dtype=dtype)} for lr in lrs
    ]
    return torch.optim.SGD(groups, lr=lrs[0])


def set_lr(group, value):
    # What a hand-written warmup does: a tensor lr filled in place, a float one replaced.
    if isinstance(group["lr"], torch.Tensor):
        group["lr"].fill_(value)
    else:
        group["lr"] = value


def same_as_torch(plateau, ref, where):
    """The lrs, get_last_lr() and torch's part of the state are torch's, value for value."""
    assert comparable(plateau.optimizer.param_groups) == comparable(ref.optimizer.param_groups), where
    assert comparable(plateau.get_last_lr()) == comparable(ref.get_last_lr()), where
    assert torch_part(plateau.state_dict()) == torch_part(ref.state_dict()), where
    assert plateau.in_cooldown == ref.in_cooldown, where
    if isinstance(plateau, Plateau):
        # Without warmup or noise the levels are the lrs after the last step, torch's _last_lr.
        assert plateau.levels == [float(lr) for lr in ref.get_last_lr()], where


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    lr_kind=st.sampled_from(["float", "float32 tensor", "float64 tensor"]),
    warmup_steps=st.sampled_from([0, 0, 3, 8]),
    meddling=st.dictionaries(st.integers(1, 60), st.sampled_from([0.3, 1.7, 0.02]), max_size=5),
)
def test_lr_set_between_steps_is_the_one_reduced_as_in_torch(seed, lr_kind, warmup_steps, meddling):
    # A LambdaLR warmup before the plateau, and lrs set by hand between steps (meddling: at
    # which step, by how much), on two identical optimizers: one under torch's scheduler, one
    # under Plateau. torch reduces whatever lr a group holds; so must Plateau.
    rng = random.Random(seed)
    config = random_config(rng)
    kwargs = config["kwargs"]

    def optimizer():
        if lr_kind == "float":
            return make_optimizer(config["lrs"])
        return tensor_optimizer(config["lrs"], torch.float32 if "32" in lr_kind else torch.float64)

    ref_opt, opt = optimizer(), optimizer()
    tensors = [g["lr"] for g in opt.param_groups]
    warmups = [
        torch.optim.lr_scheduler.LambdaLR(o, lambda s: min(1.0, (s + 1) / warmup_steps))
        for o in (ref_opt, opt)
        if warmup_steps
    ]
    ref = ReduceLROnPlateau(ref_opt, **kwargs)
    plateau = Plateau(opt, **kwargs)
    same_as_torch(plateau, ref, "built")  # building wrote nothing: the groups are torch's
    source = MetricSource(rng, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"])
    for step in range(1, min(config["steps"], 70) + 1):
        for o in (ref_opt, opt):
            o.step()  # (no gradients) so that torch does not warn about LambdaLR's order
        for warmup in warmups:
            if step <= warmup_steps:
                warmup.step()
        if step in meddling:
            for o in (ref_opt, opt):
                for group in o.param_groups:
                    set_lr(group, float(group["lr"]) * meddling[step])
        metric = source.next(ref.best)
        ref.step(metric)
        plateau.step(metric)
        same_as_torch(plateau, ref, f"step {step}, metric {metric!r}")
        if lr_kind != "float":
            assert [g["lr"] for g in opt.param_groups] == tensors  # the same tensors, filled in place
            assert all(a is not b for a, b in zip(plateau.get_last_lr(), tensors, strict=True))


def meddled_run(scheduler, metrics):
    """A LambdaLR warmup over 5 steps, then group 0's lr tripled by hand at step 30."""
    opt = make_optimizer([0.1, 0.05])
    warmup = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / 5))
    plateau = scheduler(opt)
    for step, metric in enumerate(metrics, start=1):
        opt.step()
        if step <= 5:
            warmup.step()
        if step == 30:
            opt.param_groups[0]["lr"] *= 3.0
        plateau.step(metric)
    return lrs_of(opt)


def test_control_a_plateau_that_owns_the_lr_overwrites_what_was_set_between_steps():
    # The test above would pass with the old rule if nothing ever set an lr between steps: here
    # it does, and a plateau that keeps its own levels (noise far in the future) ends elsewhere.
    metrics = plateau_series(60, seed=8)
    expected = meddled_run(lambda opt: ReduceLROnPlateau(opt, factor=0.5, patience=2), metrics)
    assert meddled_run(lambda opt: Plateau(opt, factor=0.5, patience=2), metrics) == expected
    owning = meddled_run(lambda opt: Plateau(opt, factor=0.5, patience=2, noise_range_t=10**6), metrics)
    assert owning != expected
    assert expected[0] < 0.1 / 4  # it decayed more than once


BUILDERS = {
    "Plateau": Plateau,
    "ReduceLROnPlateau": lambda opt, **kw: lrkit.create("ReduceLROnPlateau", opt, **kw),
    "torch:ReduceLROnPlateau": lambda opt, **kw: lrkit.create("torch:ReduceLROnPlateau", opt, **kw),
    "transformers:reduce_lr_on_plateau": lambda opt, **kw: lrkit.create(
        "transformers:reduce_lr_on_plateau", opt, **kw
    ),
}


def decayed_torch_run(seed, steps_range=(15, 40), lrs=None):
    """A torch plateau run with at least one decay: (config, optimizer, scheduler, metric source)."""
    for attempt in range(100):
        rng = random.Random(seed * 1000 + attempt)
        config = random_config(rng)
        if lrs is not None:
            config["lrs"] = lrs
            if isinstance(config["kwargs"]["min_lr"], list):
                config["kwargs"]["min_lr"] = [0.0] * len(lrs)
        opt = make_optimizer(config["lrs"], momentum=0.9)
        ref = ReduceLROnPlateau(opt, **config["kwargs"])
        kw = config["kwargs"]
        source = MetricSource(rng, kw["mode"], kw["threshold"], kw["threshold_mode"])
        for _ in range(rng.randint(*steps_range)):
            train_step(opt, ref, source.next(ref.best))
        if lrs_of(opt) != config["lrs"]:
            return config, opt, ref, source
    raise AssertionError("no decay in 100 attempts")


@pytest.mark.parametrize("builder", list(BUILDERS), ids=list(BUILDERS))
def test_building_then_loading_only_the_optimizer_state_continues_at_the_loaded_lr(builder):
    for seed in range(8):
        config, source_opt, _, source = decayed_torch_run(seed)
        saved = round_trip(source_opt, ReduceLROnPlateau(make_optimizer([0.1])))["optimizer"]
        kwargs = config["kwargs"]
        # torch's order: build the scheduler on a fresh optimizer, then load the optimizer's state.
        ref_opt, opt = make_optimizer(config["lrs"], 0.9), make_optimizer(config["lrs"], 0.9)
        ref, plateau = ReduceLROnPlateau(ref_opt, **kwargs), BUILDERS[builder](opt, **kwargs)
        assert isinstance(plateau, Plateau)
        ref_opt.load_state_dict(saved)
        opt.load_state_dict(saved)
        assert lrs_of(opt) == lrs_of(source_opt) != config["lrs"]  # the loaded, decayed lr
        for step in range(40):
            metric = source.next(ref.best)
            train_step(ref_opt, ref, metric)
            train_step(opt, plateau, metric)
            same_as_torch(plateau, ref, (seed, step))


# -- torch's attributes --------------------------------------------------------------------------


def test_torch_attributes_have_torch_meaning_and_reset_as_torch():
    edges_seen = 0
    for seed in range(40):
        rng = random.Random(40_000 + seed)
        config = random_config(rng)
        kwargs = config["kwargs"]
        ref_opt, opt = make_optimizer(config["lrs"]), make_optimizer(config["lrs"])
        ref, plateau = ReduceLROnPlateau(ref_opt, **kwargs), Plateau(opt, **kwargs)
        source = MetricSource(rng, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"])
        reset_at = rng.randint(5, 40)
        for step in range(1, 60):
            for name in ("mode_worse", "default_min_lr", "min_lrs", "best", "num_bad_epochs"):
                assert getattr(plateau, name) == getattr(ref, name), (seed, step, name)
            for name in ("cooldown_counter", "last_epoch", "eps", "in_cooldown", "mode", "factor"):
                assert getattr(plateau, name) == getattr(ref, name), (seed, step, name)
            assert plateau._last_lr == ref._last_lr
            if math.isfinite(ref.best):
                edge = threshold_edge(ref.best, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"])
                for a in (edge, math.nextafter(edge, math.inf), math.nextafter(edge, -math.inf), ref.best):
                    expected = ref._is_better(a, ref.best)
                    assert plateau.is_better(a, plateau.best) is expected, (seed, step, a)
                    assert plateau._is_better(a, plateau.best) is expected, (seed, step, a)
                    edges_seen += expected
            if step == reset_at:
                ref._reset()
                plateau._reset()
            metric = source.next(ref.best)
            ref.step(metric)
            plateau.step(metric)
    assert edges_seen > 100  # the edges did fall on both sides


# -- step() without a metric ---------------------------------------------------------------------

KINDS = {
    "torch's arguments": {},
    "warmup": {"warmup_t": 2, "warmup_lr_init": 1e-3},
    "noise": {"noise_range_t": (0, 50), "noise_pct": 0.2},
}


@pytest.mark.parametrize("kind", list(KINDS), ids=list(KINDS))
def test_step_without_a_metric_is_a_type_error_saying_what_to_pass(kind):
    ref = ReduceLROnPlateau(make_optimizer([0.1, 0.05]))
    with pytest.raises(TypeError):
        ref.step()  # torch requires it too
    opt = make_optimizer([0.1, 0.05])
    plateau = Plateau(opt, factor=0.5, patience=1, **KINDS[kind])
    twin = Plateau(make_optimizer([0.1, 0.05]), factor=0.5, patience=1, **KINDS[kind])
    for epoch, metric in enumerate(plateau_series(30, seed=9), start=1):
        before, lrs_before = plateau.state_dict(), lrs_of(opt)
        for args, kwargs in (((), {}), ((None,), {}), ((), {"epoch": epoch})):
            with pytest.raises(TypeError, match=r"needs the metric it monitors.*step\(val_loss\)"):
                plateau.step(*args, **kwargs)
        with pytest.raises(TypeError, match="metric twice"):
            plateau.step(metric, metric=metric)
        assert plateau.state_dict() == before and lrs_of(opt) == lrs_before
        # torch's keyword, lrkit's keyword and the positional metric are one and the same.
        if epoch % 3 == 0:
            plateau.step(metrics=metric)
        elif epoch % 3 == 1:
            plateau.step(metric=metric)
        else:
            plateau.step(metric)
        twin.step(metric)
        assert plateau.state_dict() == twin.state_dict()
    assert twin.levels[0] < 0.1  # decisions were taken


# -- add_param_group -----------------------------------------------------------------------------


def test_added_group_with_the_lr_in_the_optimizer_is_handled_as_torch():
    raised = extended = 0
    for seed in range(60):
        rng = random.Random(50_000 + seed)
        config = random_config(rng)
        kwargs = config["kwargs"]
        ref_opt, opt = make_optimizer(config["lrs"]), make_optimizer(config["lrs"])
        ref, plateau = ReduceLROnPlateau(ref_opt, **kwargs), Plateau(opt, **kwargs)
        source = MetricSource(rng, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"])
        add_at, new_lr = rng.randint(1, 30), rng.choice(LR_POOL)
        for step in range(1, 80):
            if step == add_at:
                for o in (ref_opt, opt):
                    o.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": new_lr})
            metric = source.next(ref.best)
            ref_before, before = copy.deepcopy(ref.state_dict()), plateau.state_dict()
            try:
                ref.step(metric)
            except RuntimeError as torch_error:
                assert "min_lrs" in str(torch_error)
                # torch raised at the decision; Plateau raises too, but with nothing changed.
                with pytest.raises(GroupCountError, match=r"^min_lr was given per param group") as info:
                    plateau.step(metric)
                assert isinstance(info.value, ValueError) and isinstance(info.value, RuntimeError)
                assert plateau.state_dict() == before
                raised += 1
                # What torch's message asks for: min_lrs for every group; then both go on.
                ref.load_state_dict(ref_before)
                for s in (ref, plateau):
                    s.min_lrs = [*s.min_lrs, new_lr * 0.01]
                ref.step(metric)
            else:
                extended += len(ref_before["min_lrs"]) < len(ref.min_lrs)  # torch extended a scalar
            plateau.step(metric)
            same_as_torch(plateau, ref, (seed, step))
    assert raised > 5 and extended > 5


def test_added_group_joins_a_plateau_that_owns_the_lr_at_its_own_lr():
    # Warmup 4, no noise: past the warmup, Plateau's lrs are those of torch's plateau fed the
    # counted metrics, on an optimizer given the same group at the same step.
    ramp = lrkit.warmup(lrkit.constant(), 4, 1e-3)
    joined_in_warmup = joined_after = 0
    for seed in range(30):
        rng = random.Random(60_000 + seed)
        add_at, new_lr = rng.randint(1, 25), rng.choice(LR_POOL)
        kwargs = {"factor": 0.5, "patience": rng.randint(0, 2), "min_lr": rng.choice((0.0, 1e-4))}
        ref_opt, opt = make_optimizer([0.1, 0.05]), make_optimizer([0.1, 0.05])
        ref = ReduceLROnPlateau(ref_opt, **kwargs)
        plateau = Plateau(opt, **kwargs, warmup_t=4, warmup_lr_init=1e-3)
        for epoch, metric in enumerate(plateau_series(40, seed=seed), start=1):
            if epoch == add_at:
                for o in (ref_opt, opt):
                    o.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": new_lr})
                joined_in_warmup += epoch < 4
                joined_after += epoch >= 4
            plateau.step(metric)
            if epoch < 4:
                assert lrs_of(opt) == [ramp(epoch, float(g["initial_lr"])) for g in opt.param_groups]
                continue
            ref.step(metric)
            assert lrs_of(opt) == lrs_of(ref_opt), (seed, epoch)
            assert counters(plateau) == counters(ref), (seed, epoch)
        assert opt.param_groups[2]["initial_lr"] == new_lr
        assert len(plateau.min_lrs) == len(plateau.levels) == len(plateau.base_lrs) == 3
    assert joined_in_warmup and joined_after


def test_added_group_under_a_per_group_min_lr_needs_its_min_lr_first():
    opt = make_optimizer([0.1, 0.05])
    plateau = Plateau(opt, factor=0.5, patience=0, min_lr=[1e-3, 1e-4], noise_range_t=(0, 30), noise_pct=0.1)
    twin = Plateau(make_optimizer([0.1, 0.05]), factor=0.5, patience=0, min_lr=[1e-3, 1e-4])
    for metric in (1.0, 2.0, 3.0):
        plateau.step(metric)
        twin.step(metric)
    opt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": 0.3})
    before, lrs_before = plateau.state_dict(), lrs_of(opt)
    with pytest.raises(GroupCountError, match=r"^min_lr was given per param group \(2 values\).*3 param"):
        plateau.step(4.0)
    assert plateau.state_dict() == before and lrs_of(opt) == lrs_before
    assert "initial_lr" not in opt.param_groups[2]
    plateau.min_lrs = [*plateau.min_lrs, 0.2]
    plateau.step(4.0)
    twin.step(4.0)
    noise = lrkit.noise(lrkit.constant(), range_t=(0, 30), pct=0.1).relative_noise(4)
    # The old groups decayed as the twin's; the new one joined at its lr and decayed once, to its floor.
    assert plateau.levels == [*twin.levels, max(0.3 * 0.5, 0.2)]
    assert lrs_of(opt) == [x + x * noise for x in plateau.levels]
    # A group gone is refused: there is no telling which one it was.
    opt.param_groups.pop()
    opt.param_groups.pop()
    with pytest.raises(GroupCountError, match=r"^optimizer has 1 param groups, fewer than the 3"):
        plateau.step(5.0)


# -- checkpoints between torch and Plateau ---------------------------------------------------------


@pytest.mark.parametrize("builder", list(BUILDERS), ids=list(BUILDERS))
def test_a_torch_state_loads_into_plateau_and_continues_as_torch(builder):
    for seed in range(10):
        config, ref_opt, ref, source = decayed_torch_run(100 + seed)
        saved = round_trip(ref_opt, ref)  # weights_only=True
        opt = make_optimizer(config["lrs"], 0.9)
        plateau = BUILDERS[builder](opt, **config["kwargs"])
        opt.load_state_dict(saved["optimizer"])
        plateau.load_state_dict(saved["plateau"])
        same_as_torch(plateau, ref, (seed, "loaded"))
        for step in range(40):
            metric = source.next(ref.best)
            train_step(ref_opt, ref, metric)
            train_step(opt, plateau, metric)
            same_as_torch(plateau, ref, (seed, step))


def test_a_torch_state_with_tensor_lrs_loads_into_plateau():
    rng = random.Random(7)
    config = random_config(rng)
    kwargs = config["kwargs"]
    ref_opt = tensor_optimizer(config["lrs"], torch.float32)
    ref = ReduceLROnPlateau(ref_opt, **kwargs)
    source = MetricSource(rng, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"])
    for _ in range(40):
        ref.step(source.next(ref.best))
    saved = round_trip(ref_opt, ref)
    assert isinstance(saved["plateau"]["_last_lr"][0], torch.Tensor)
    opt = tensor_optimizer(config["lrs"], torch.float32)
    plateau = Plateau(opt, **kwargs)
    opt.load_state_dict(saved["optimizer"])
    plateau.load_state_dict(saved["plateau"])
    saved["plateau"]["_last_lr"][0].fill_(123.0)  # the loaded state must not alias the checkpoint
    for step in range(40):
        metric = source.next(ref.best)
        ref.step(metric)
        plateau.step(metric)
        same_as_torch(plateau, ref, step)


def test_a_plateau_state_loads_into_torch_and_continues_with_the_same_decisions():
    kinds_seen = set()
    for seed in range(30):
        rng = random.Random(70_000 + seed)
        config = random_config(rng)
        kwargs = config["kwargs"]
        extra = rng.choice(list(KINDS.values()))
        opt = make_optimizer(config["lrs"], 0.9)
        plateau = Plateau(opt, **kwargs, **extra)
        source = MetricSource(rng, kwargs["mode"], kwargs["threshold"], kwargs["threshold_mode"])
        for _ in range(rng.randint(10, 40)):
            train_step(opt, plateau, source.next(plateau.best))
        saved = round_trip(opt, plateau)
        ref_opt = make_optimizer(config["lrs"], 0.9)
        ref = ReduceLROnPlateau(ref_opt, **kwargs)
        ref_opt.load_state_dict(saved["optimizer"])
        ref.load_state_dict(saved["plateau"])
        kinds_seen.add((bool(extra), plateau.num_bad_epochs > 0, plateau.cooldown_counter > 0))
        for step in range(40):
            metric = source.next(plateau.best)
            train_step(ref_opt, ref, metric)
            train_step(opt, plateau, metric)
            assert counters(ref) == counters(plateau), (seed, step)
            if not extra:
                same_as_torch(plateau, ref, (seed, step))
            else:  # torch decays the lr the groups hold; the decisions are Plateau's
                assert ref.min_lrs == plateau.min_lrs
    assert {
        (False, True, False),
        (True, True, False),
        (False, False, True),
        (True, False, True),
    } <= kinds_seen


def test_a_torch_state_saved_after_add_param_group_loads_as_torch():
    # torch extends a scalar min_lr to an added group only at its next decision, so its state
    # can hold fewer min_lrs than there are groups; it loads, into torch and into Plateau alike.
    ref_opt = make_optimizer([0.1, 0.02])
    ref = ReduceLROnPlateau(ref_opt, factor=0.5, patience=1, min_lr=1e-4)
    for metric in (1.0, 1.0, 1.0, 1.0):
        ref.step(metric)
    ref_opt.add_param_group({"params": [torch.zeros(2, requires_grad=True)], "lr": 0.3})
    saved = round_trip(ref_opt, ref)
    assert len(saved["plateau"]["min_lrs"]) == 2
    resumed = []
    for scheduler in (ReduceLROnPlateau, Plateau):
        opt = make_optimizer([0.1, 0.02, 0.3])
        resumed.append(scheduler(opt, factor=0.5, patience=1, min_lr=1e-4))
        opt.load_state_dict(saved["optimizer"])
        resumed[-1].load_state_dict(saved["plateau"])
    torch_resumed, plateau = resumed
    same_as_torch(plateau, torch_resumed, "loaded")
    for step, metric in enumerate((1.0, 1.0, 0.5, 1.0, 1.0)):
        for scheduler in (ref, torch_resumed, plateau):
            scheduler.step(metric)
        same_as_torch(plateau, ref, step)
        same_as_torch(plateau, torch_resumed, step)
    assert lrs_of(plateau.optimizer)[2] < 0.3  # the added group was reduced too


def torch_state(**kwargs):
    ref = ReduceLROnPlateau(make_optimizer([0.1, 0.02]), **kwargs)
    for metric in plateau_series(12, seed=11):
        ref.step(metric)
    return round_trip(ref.optimizer, ref)["plateau"]


# (a change to torch's scheduler, the settings the refusal must name)
TORCH_OTHER_SETTINGS = [
    ({"factor": 0.5}, ["factor"]),
    ({"patience": 3}, ["patience"]),
    ({"mode": "max"}, ["mode"]),
    ({"threshold": 1e-3}, ["threshold"]),
    ({"threshold_mode": "abs"}, ["threshold_mode"]),
    ({"cooldown": 2}, ["cooldown"]),
    ({"eps": 1e-6}, ["eps"]),
    ({"min_lr": 1e-3}, ["min_lrs", "default_min_lr"]),
    ({"min_lr": [0.0, 0.0]}, ["default_min_lr"]),  # per group: torch then refuses added groups
    ({"factor": 0.5, "patience": 2, "cooldown": 1}, ["factor", "patience", "cooldown"]),
]


@pytest.mark.parametrize(
    ("change", "keys"), TORCH_OTHER_SETTINGS, ids=[repr(c) for c, _ in TORCH_OTHER_SETTINGS]
)
def test_a_torch_state_from_other_settings_is_refused_naming_each(change, keys):
    saved = torch_state(**change)
    opt = make_optimizer([0.1, 0.02])
    plateau = Plateau(opt)
    for metric in plateau_series(5, seed=12):
        plateau.step(metric)
    before, groups_before = plateau.state_dict(), comparable(opt.param_groups)
    with pytest.raises(ValueError, match=r"^cannot load this plateau state: ") as info:
        plateau.load_state_dict(saved)
    mine = plateau.state_dict()
    for key in keys:
        assert f"{key} is {saved[key]!r} in the checkpoint, {mine[key]!r} here" in str(info.value)
    assert str(info.value).count(" in the checkpoint, ") == len(keys)
    assert plateau.state_dict() == before and comparable(opt.param_groups) == groups_before
    # Control: the same settings load.
    Plateau(make_optimizer([0.1, 0.02]), **change).load_state_dict(saved)


def test_a_torch_state_into_a_plateau_with_warmup_or_noise_is_refused_naming_them():
    saved = torch_state()
    plateau = Plateau(make_optimizer([0.1, 0.02]), warmup_t=2, noise_range_t=(0, 9))
    with pytest.raises(
        ValueError, match=r"warmup is None in the checkpoint.*noise is None in the checkpoint"
    ):
        plateau.load_state_dict(saved)


def test_settings_checkpoint_takes_the_checkpoints_settings_as_torchs_load_does():
    change = {"mode": "max", "factor": 0.5, "patience": 2, "cooldown": 1, "min_lr": [1e-3, 1e-4]}
    for seed in range(10):
        rng = random.Random(80_000 + seed)
        ref_opt = make_optimizer([0.1, 0.02])
        ref = ReduceLROnPlateau(ref_opt, **change)
        source = MetricSource(rng, "max", 1e-4, "rel")
        for _ in range(rng.randint(5, 30)):
            ref.step(source.next(ref.best))
        saved = round_trip(ref_opt, ref)
        # torch takes the checkpoint's settings whatever it was built with; so does settings="checkpoint".
        torch_opt, opt = make_optimizer([0.1, 0.02]), make_optimizer([0.1, 0.02])
        torch_resumed, plateau = ReduceLROnPlateau(torch_opt), Plateau(opt, warmup_t=3, noise_range_t=(0, 9))
        for o, s in ((torch_opt, torch_resumed), (opt, plateau)):
            o.load_state_dict(saved["optimizer"])
            s.load_state_dict(saved["plateau"], **({"settings": "checkpoint"} if s is plateau else {}))
        assert (plateau.warmup.warmup_t, plateau.noise) == (0, None)  # torch's has neither
        for step in range(30):
            metric = source.next(ref.best)
            for s in (ref, torch_resumed, plateau):
                s.step(metric)
            same_as_torch(plateau, ref, (seed, step))
            same_as_torch(torch_resumed, ref, (seed, step))
    with pytest.raises(ValueError, match=r"^settings must be one of"):
        plateau.load_state_dict(saved["plateau"], settings="mine")


def test_settings_checkpoint_takes_warmup_and_noise_from_an_lrkit_state():
    _, source = stepped(CKPT_METRICS[:12])
    opt = make_optimizer([0.1, 0.02], momentum=0.9)
    plateau = Plateau(opt, factor=0.9)
    plateau.load_state_dict(round_trip(*stepped(CKPT_METRICS[:12]))["plateau"], settings="checkpoint")
    assert plateau.state_dict() == source.state_dict()
    for metric in CKPT_METRICS[12:]:
        plateau.step(metric)
        source.step(metric)
        assert plateau.state_dict() == source.state_dict()
        assert lrs_of(opt) == lrs_of(source.optimizer)


def first_format(state):
    """A state in lrkit's first format (lrkit.torch.Plateau/1), from the same values."""
    config = {key: state[key] for key in ("mode", "factor", "patience", "threshold", "threshold_mode")}
    config.update(cooldown=state["cooldown"], min_lrs=state["min_lrs"], eps=state["eps"])
    warmup = state["warmup"] or lrkit.warmup(lrkit.constant(), 0, 0.0).to_dict()
    config.update(warmup=warmup, noise=state["noise"])
    keep = ("best", "num_bad_epochs", "cooldown_counter", "last_epoch", "epoch", "levels", "base_lrs")
    return {
        "format": "lrkit.torch.Plateau/1",
        "num_groups": len(state["levels"]),
        "config": config,
        **{key: state[key] for key in keep},
    }


@pytest.mark.parametrize("kind", list(KINDS), ids=list(KINDS))
def test_lrkits_first_format_still_loads_and_resumes_exactly(kind):
    kwargs = {"factor": 0.5, "patience": 1, "cooldown": 1, "min_lr": [1e-3, 1e-4], **KINDS[kind]}
    metrics = plateau_series(40, seed=13)
    opt = make_optimizer([0.1, 0.02], momentum=0.9)
    unbroken = Plateau(opt, **kwargs)
    for metric in metrics[:15]:
        train_step(opt, unbroken, metric)
    saved = round_trip(opt, unbroken)
    resumed_opt = make_optimizer([0.1, 0.02], momentum=0.9)
    resumed = Plateau(resumed_opt, **kwargs)
    resumed_opt.load_state_dict(saved["optimizer"])
    resumed.load_state_dict(first_format(saved["plateau"]))
    for metric in metrics[15:]:
        train_step(opt, unbroken, metric)
        train_step(resumed_opt, resumed, metric)
        assert lrs_of(resumed_opt) == lrs_of(opt)
        assert resumed.state_dict() == unbroken.state_dict()
    # The first format's plateau always wrote the lr, and its load restored it: it still does,
    # even on an optimizer whose own state was not loaded.
    alone_opt = make_optimizer([0.1, 0.02], momentum=0.9)
    Plateau(alone_opt, **kwargs).load_state_dict(first_format(saved["plateau"]))
    assert lrs_of(alone_opt) == saved["plateau"]["_last_lr"] != [0.1, 0.02]
    with pytest.raises(ValueError, match="patience is 1 in the checkpoint, 2 here"):
        Plateau(make_optimizer([0.1, 0.02]), **{**kwargs, "patience": 2}).load_state_dict(
            first_format(saved["plateau"])
        )
