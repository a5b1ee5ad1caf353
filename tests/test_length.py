"""``Schedule.length``: when each node's value stops changing, and that it does stop there.

Core and recipes only (the framework nodes are torch-free to build): numpy and lrkit, never torch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recipe_examples import case_id, schedule_cases

import lrkit
from conftest import SCHEDULES
from lrkit import tree
from lrkit.recipes import fvcore, registry
from lrkit.recipes.deepspeed import (
    DeepSpeedOneCycle,
    DeepSpeedOneCycleMomentum,
    DeepSpeedRangeTest,
    DeepSpeedWarmup,
    DeepSpeedWarmupCosine,
)
from lrkit.recipes.detectron2 import WarmupParamScheduler
from lrkit.recipes.keras import CosineRestarts
from lrkit.recipes.megatron import MegatronLR, MegatronWeightDecay
from lrkit.recipes.mmengine import Chain, CosineAnnealing, CosineRestart, PolyFloor, Window
from lrkit.recipes.nemo import NemoPolicy
from lrkit.recipes.pytorch_optimizer import Chebyshev, CosineWarmupRestarts, LinearWarmupDecay, Rex
from lrkit.recipes.pytorch_warmup import Dampened, ExponentialFactor, LinearFactor, RAdamFactor
from lrkit.recipes.timm import CurveWarmup, FloatCycles, TorchNoise
from lrkit.recipes.transformers import HardRestarts
from lrkit.recipes.ultralytics import LF, HeldWarmup
from lrkit.recipes.yolov5 import FollowWarmup
from lrkit.shapes import WSD

C10 = lrkit.cosine(t_initial=10)
C90 = lrkit.cosine(t_initial=90)
EXP = lrkit.exponential(gamma=0.9)

LENGTHS = {
    # The shapes.
    "constant": (lrkit.constant(factor=0.5), 0),
    "step": (lrkit.step(decay_t=3), None),
    "multistep": (lrkit.multistep(milestones=[30, 60]), 60),
    "multistep_repeated": (lrkit.multistep(milestones=[2, 5, 5, 9.5]), 9.5),
    "multistep_empty": (lrkit.multistep(milestones=[]), 0),
    "exponential": (EXP, None),
    "exponential_one": (lrkit.exponential(gamma=1), 0),
    "linear": (lrkit.linear(t_initial=8, start_factor=0.1, end_factor=1.0), 8),
    "cosine": (C90, 90),
    "cosine_fractional": (lrkit.cosine(t_initial=12.5, k_decay=1.5), 12.5),
    "tanh": (lrkit.tanh(t_initial=7), 7),
    "poly": (lrkit.poly(t_initial=10, power=2.0), 10),
    "cosine_wave": (lrkit.cosine_wave(t_initial=10), None),
    "cosine_wave_flat": (lrkit.cosine_wave(t_initial=10, cycles=0), 0),
    "rsqrt": (lrkit.rsqrt(timescale=5), None),
    "wsd_core": (WSD(t_initial=20, decay_t=5), 20),
    "wsd_with_warmup": (lrkit.wsd(t_initial=20, decay_t=5, warmup_t=3), 23),
    "one_cycle": (lrkit.one_cycle(total_t=30), 29),
    "one_cycle_three_phase": (lrkit.one_cycle(total_t=40, pct_start=0.25, three_phase=True), 39),
    "cyclic": (lrkit.cyclic(max_lr=2.0, step_size_up=3), None),
    "piecewise_linear": (lrkit.piecewise_linear([(0, 0.0), (5, 1.0), (10.5, 0.2)]), 10.5),
    "from_callable": (lrkit.from_callable(math.exp), None),
    # The combinators.
    "warmup": (lrkit.warmup(C90, warmup_t=5), 90),
    "warmup_prefix": (lrkit.warmup(C90, warmup_t=5, prefix=True), 95),
    "warmup_longer_than_inner": (lrkit.warmup(lrkit.constant(), warmup_t=5), 5),
    "warmup_of_unsettled": (lrkit.warmup(EXP, warmup_t=5, prefix=True), None),
    "sequence": (lrkit.sequence([lrkit.constant(), C10, lrkit.linear(t_initial=4)], boundaries=[3, 8]), 12),
    "sequence_ending_unsettled": (lrkit.sequence([C10, EXP], boundaries=[10]), None),
    "sequence_settled_before_unsettled_cut": (lrkit.sequence([EXP, C10], boundaries=[4]), 14),
    "cycles": (lrkit.cycles(lrkit.cosine(t_initial=5), cycle_decay=0.5, cycle_limit=4), 20),
    "cycles_default_limit": (lrkit.cycles(C10), 10),
    "cycles_mul": (lrkit.cycles(lrkit.linear(t_initial=4), cycle_mul=2, cycle_limit=4), 60),
    "cycles_shrinking": (
        lrkit.cycles(lrkit.poly(t_initial=8, power=1.5), cycle_mul=0.5, cycle_limit=5),
        15.5,
    ),
    "cycles_schedule": (lrkit.cycles(EXP, t_initial=4, cycle_limit=3), 12),
    "cycles_zero": (lrkit.cycles(C10, cycle_limit=0), 0),
    "cycles_unlimited": (lrkit.cycles(C10, cycle_limit=None), None),
    "noise_window": (lrkit.noise(lrkit.cosine(t_initial=20), range_t=(2, 15)), 20),
    "noise_window_past_inner": (lrkit.noise(C10, range_t=(2, 15)), 15),
    "noise_open": (lrkit.noise(C10, range_t=5), None),
    "clamp": (lrkit.clamp(C10, min_value=0.1), 10),
    "clamp_unsettled": (lrkit.clamp(EXP, min_value=0.05), None),
    "scale": (0.5 * C10, 10),
    "scale_by_zero": (0 * EXP, 0),
    "multiplier": (lrkit.multiplier(C10), 10),
    "product": (lrkit.product([C10, lrkit.linear(t_initial=4), lrkit.constant(0.5)]), 10),
    "product_unsettled": (lrkit.product([C10, EXP]), None),
    "rebase": (lrkit.rebase(lrkit.one_cycle(total_t=30), base=0.4), 29),
    "stairs": (lrkit.stairs(lrkit.cosine(t_initial=5), every=7), 35),
    "stairs_fractional": (lrkit.stairs(lrkit.cosine(t_initial=4.5), every=10), 50),
    "stairs_unsettled": (lrkit.stairs(EXP, every=7), None),
    "shift_lag": (lrkit.shift(C10, by=2.5), 12.5),
    "shift_lead": (lrkit.shift(lrkit.multistep(milestones=[3, 6]), by=-1), 5),
    "shift_lead_past_zero": (lrkit.shift(C10, by=-20), 0),
    "shift_unsettled": (lrkit.shift(EXP, by=-3), None),
    "reverse": (lrkit.reverse(lrkit.cosine(t_initial=8)), 8),
    "reverse_schedule": (lrkit.reverse(EXP, t_initial=6), 6),
    # Keras's and optax's shapes and time maps.
    "cosine_power": (lrkit.cosine_power(t_initial=12, exponent=2.0), 12),
    "inverse_time": (lrkit.inverse_time(decay_rate=0.5), None),
    "log_ramp": (lrkit.log_ramp(t_initial=7, start_factor=0.2), 7),
    "exp_ramp": (lrkit.exp_ramp(period=3), None),
    # NeMo: min_lr past max_steps (at it where the decay ends there for every base).
    "nemo_cosine_constant": (
        NemoPolicy(policy="CosineAnnealing", max_steps=30, warmup_steps=3, constant_steps=5),
        25,
    ),
    "nemo_linear": (
        NemoPolicy(policy="WarmupHoldAnnealLinear", max_steps=20, warmup_steps=2, hold_steps=3, min_lr=0.01),
        math.nextafter(20, math.inf),
    ),
    "nemo_poly_hold_without_hold": (
        NemoPolicy(policy="PolynomialHoldDecayAnnealing", max_steps=20, warmup_steps=4),
        16,
    ),
    "nemo_warmup_open": (NemoPolicy(policy="WarmupPolicy", warmup_steps=5), 5),
    "nemo_noam": (NemoPolicy(policy="NoamAnnealing", d_model=512, warmup_steps=10, min_lr=1e-4), None),
    "inverse_time_flat": (lrkit.inverse_time(decay_rate=0), 0),
    "piecewise_constant": (lrkit.piecewise_constant(boundaries=[3, 8], factors=[1.0, 0.5, 0.1]), 8),
    "piecewise_constant_empty": (lrkit.piecewise_constant(boundaries=[], factors=[0.5]), 0),
    "piecewise_cosine": (lrkit.piecewise_cosine([(0, 0.0), (5, 1.0), (10.5, 0.2)]), 10.5),
    "stretch": (lrkit.stretch(C10, by=2.5), 25),
    "stretch_unsettled": (lrkit.stretch(EXP, by=3), None),
    "horizon": (lrkit.horizon(lrkit.poly(t_initial=10, power=1.0)), None),
    "keras_restarts": (CosineRestarts(first_decay_steps=10), None),
    # The framework nodes of the recipes (torch-free to build and to measure).
    "timm_cycles": (FloatCycles(lrkit.linear(t_initial=3), cycle_mul=3, cycle_limit=6), 1092),
    "timm_cycles_unlimited": (FloatCycles(C10, cycle_limit=None), None),
    "timm_warmup": (CurveWarmup(lrkit.tanh(t_initial=10), warmup_t=5), 10),
    "timm_warmup_prefix": (CurveWarmup(lrkit.tanh(t_initial=10), warmup_t=5, prefix=True), 15),
    "timm_noise_window": (TorchNoise(C10, range_t=(0, 30)), 30),
    "timm_noise_open": (TorchNoise(C10, range_t=0), None),
    "yolov5_warmup": (FollowWarmup(lrkit.linear(t_initial=20), warmup_t=5), 20),
    "yolov5_warmup_prefix": (FollowWarmup(lrkit.linear(t_initial=20), warmup_t=5, prefix=True), 25),
    "transformers_hard_restarts": (HardRestarts(t_initial=12, cycles=2.5), None),
    "transformers_hard_restarts_cut": (
        lrkit.sequence([HardRestarts(t_initial=12, cycles=2), lrkit.constant(0.0)], boundaries=[12]),
        12,
    ),
    # DeepSpeed: n = t - 1 reaches warmup_num_steps (and total_num_steps) one update late.
    "deepspeed_warmup_log": (DeepSpeedWarmup(warmup_num_steps=8), 9),
    "deepspeed_warmup_decay": (
        DeepSpeedWarmup(warmup_num_steps=5, warmup_type="linear", total_num_steps=20),
        21,
    ),
    "deepspeed_warmup_decay_past_total": (
        DeepSpeedWarmup(warmup_num_steps=5, warmup_type="linear", total_num_steps=3),
        6,  # the decay is over before the warmup ends: 0 from the warmup's end
    ),
    "deepspeed_warmup_cosine": (DeepSpeedWarmupCosine(total_num_steps=20, warmup_num_steps=4), 20),
    "deepspeed_warmup_cosine_fractional": (
        DeepSpeedWarmupCosine(total_num_steps=15.5, warmup_num_steps=6, warmup_type="linear"),
        15.5,
    ),
    "deepspeed_warmup_cosine_past_total": (DeepSpeedWarmupCosine(total_num_steps=3, warmup_num_steps=4), 5),
    "deepspeed_range_test": (DeepSpeedRangeTest(step_size=4, staircase=True), None),
    "deepspeed_range_test_flat": (DeepSpeedRangeTest(step_size=4, step_rate=0), 0),
    "deepspeed_one_cycle": (
        DeepSpeedOneCycle(
            cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=5, cycle_second_step_size=7
        ),
        13,  # the cycle's 12 updates, and its last lr at n = t - 1 = 12
    ),
    "deepspeed_one_cycle_decay": (
        DeepSpeedOneCycle(
            cycle_min_lr=0.01, cycle_max_lr=0.1, cycle_first_step_size=5, decay_lr_rate=0.5, decay_step_size=3
        ),
        None,
    ),
    "deepspeed_one_cycle_momentum": (DeepSpeedOneCycleMomentum(cycle_first_step_size=4), 9),
    "deepspeed_one_cycle_momentum_decay": (
        DeepSpeedOneCycleMomentum(cycle_first_step_size=4, decay_mom_rate=0.1, decay_step_size=5),
        None,
    ),
    # Megatron: at num_steps = t * increment.
    "megatron_cosine": (
        MegatronLR(
            init_lr=0.0, max_lr=1.0, min_lr=0.1, lr_warmup_steps=3, lr_decay_steps=15, lr_decay_style="cosine"
        ),
        15,
    ),
    "megatron_constant": (
        MegatronLR(
            init_lr=0.1,
            max_lr=1.0,
            min_lr=0.0,
            lr_warmup_steps=5,
            lr_decay_steps=15,
            lr_decay_style="constant",
        ),
        5,
    ),
    "megatron_constant_no_warmup": (
        MegatronLR(
            init_lr=0.0,
            max_lr=1.0,
            min_lr=0.0,
            lr_warmup_steps=0,
            lr_decay_steps=15,
            lr_decay_style="constant",
        ),
        0,
    ),
    "megatron_wsd_samples": (
        MegatronLR(
            init_lr=0.0,
            max_lr=0.5,
            min_lr=0.01,
            lr_warmup_steps=8,
            lr_decay_steps=80,
            lr_decay_style="WSD",
            wsd_decay_steps=40,
            lr_wsd_decay_style="exponential",
            increment=4,
        ),
        20,
    ),
    "megatron_inverse_sqrt": (
        MegatronLR(
            init_lr=0.0,
            max_lr=0.5,
            min_lr=0.05,
            lr_warmup_steps=4,
            lr_decay_steps=30,
            lr_decay_style="inverse-square-root",
        ),
        # Still 0.5 * 2 / sqrt(30) at 30, min_lr for num_steps > 30: from the next float on.
        math.nextafter(30, math.inf),
    ),
    "megatron_weight_decay": (
        MegatronWeightDecay(start_wd=0.01, end_wd=0.1, wd_incr_steps=12, wd_incr_style="cosine"),
        12,
    ),
    "megatron_weight_decay_increment": (
        MegatronWeightDecay(start_wd=0.0, end_wd=0.05, wd_incr_steps=20, wd_incr_style="linear", increment=3),
        20 / 3,
    ),
    "megatron_weight_decay_constant": (
        MegatronWeightDecay(start_wd=0.1, end_wd=0.1, wd_incr_steps=20, wd_incr_style="constant"),
        0,
    ),
    # mmengine: a window's value holds from its last step, end - 1.
    "mmengine_window": (Window(lrkit.linear(t_initial=2, start_factor=0.5), begin=2, end=5), 4),
    "mmengine_window_cut": (Window(C10, begin=3, end=8), 7),
    "mmengine_window_of_unsettled": (Window(EXP, begin=2, end=9), 8),
    "mmengine_window_open": (Window(EXP, begin=2), None),
    "mmengine_chain": (
        Chain(lrkit.cosine(t_initial=10, lr_min=0.1), (Window(lrkit.constant(0.5), begin=12),)),
        12,
    ),
    "mmengine_chain_unsettled": (Chain(lrkit.constant(), (Window(EXP, begin=3),)), None),
    "mmengine_cosine_annealing": (CosineAnnealing(T_max=4, eta_min=0.1), None),  # climbs back past T_max
    "mmengine_poly": (PolyFloor(total_iters=6, power=2.0, eta_min=0.1), 6),
    "mmengine_cosine_restart": (CosineRestart(periods=(2, 4), restart_weights=(1.0, 0.5), eta_min=0.0), 5),
    # fvcore: the nodes' time is where, held from 1; their step look-ups settle before that
    # (the last value holds from the last milestone), but they say the end of the run.
    "fvcore_constant": (fvcore.ConstantParamScheduler(value=0.1), 0),
    "fvcore_cosine": (fvcore.CosineParamScheduler(start_value=1.0, end_value=0.0), 1),
    "fvcore_exponential": (fvcore.ExponentialParamScheduler(start_value=2.0, decay=0.25), 1),
    "fvcore_linear": (fvcore.LinearParamScheduler(start_value=0.0, end_value=2.0), 1),
    "fvcore_polynomial_decay": (fvcore.PolynomialDecayParamScheduler(base_value=0.1, power=2), 1),
    "fvcore_multistep": (fvcore.MultiStepParamScheduler(values=[1.0, 0.1, 0.01], milestones=[30, 60, 90]), 1),
    "fvcore_step": (fvcore.StepParamScheduler(num_updates=120, values=[0.1, 0.01, 0.001]), 1),
    "fvcore_step_with_fixed_gamma": (
        fvcore.StepWithFixedGammaParamScheduler(base_value=1.0, num_decays=2, gamma=0.5, num_updates=90),
        1,
    ),
    "fvcore_composite": (
        fvcore.CompositeParamScheduler(
            (
                fvcore.LinearParamScheduler(start_value=0.0, end_value=1.0),
                fvcore.CosineParamScheduler(start_value=1.0, end_value=0.0),
            ),
            lengths=[0.3, 0.7],
            interval_scaling=["rescaled", "rescaled"],
        ),
        1,
    ),
    "fvcore_progress": (
        fvcore.Progress(fvcore.CosineParamScheduler(start_value=1.0, end_value=0.0), total_t=40),
        40,
    ),
    "fvcore_progress_of_constant": (fvcore.Progress(fvcore.ConstantParamScheduler(value=0.1), total_t=10), 0),
    "fvcore_progress_unsettled": (fvcore.Progress(EXP, total_t=10), None),
    "detectron2_warmup": (
        WarmupParamScheduler(
            fvcore.CosineParamScheduler(start_value=1.0, end_value=0.0), warmup_factor=0.1, warmup_length=0.5
        ),
        1,
    ),
    "detectron2_warmup_on_a_run": (SCHEDULES["detectron2_warmup_rescaled"], 16),
    # pytorch-optimizer: the library's formulas past the end (a line or cosine that goes on).
    "pytorch_optimizer_cosine_warmup_restarts": (
        CosineWarmupRestarts(first_cycle_steps=4, max_lr=1.0, min_lr=0.1, warmup_steps=2),
        None,
    ),
    "pytorch_optimizer_rex": (Rex(total_steps=5, max_lr=1.0, min_lr=0.1), 5),
    "pytorch_optimizer_rex_empty": (Rex(total_steps=0, max_lr=1.0, min_lr=0.1), 0),
    "pytorch_optimizer_linear_warmup": (
        LinearWarmupDecay(t_max=6, max_lr=1.0, min_lr=0.1, init_lr=0.2, warmup_steps=2),
        None,
    ),
    "pytorch_optimizer_chebyshev": (Chebyshev(num_epochs=5), 9),  # 8 multipliers from t = 2
    # pytorch-warmup's factors, and a schedule dampened by one.
    "pytorch_warmup_linear": (LinearFactor(warmup_period=4), 3),
    "pytorch_warmup_exponential": (ExponentialFactor(warmup_period=4), None),
    "pytorch_warmup_radam": (RAdamFactor(beta2=0.99), None),
    "pytorch_warmup_dampen": (
        Dampened(lrkit.cosine(t_initial=10, lr_min=0.1), LinearFactor(warmup_period=15)),
        14,
    ),
    "pytorch_warmup_dampen_unsettled": (
        Dampened(lrkit.cosine(t_initial=10, lr_min=0.1), ExponentialFactor(warmup_period=3)),
        None,
    ),
    # ultralytics: lf of the epoch, and the warmup whose last write holds.
    "ultralytics_lf": (LF(epochs=10, lrf=0.1), 10),
    "ultralytics_lf_cosine": (LF(epochs=10, lrf=0.1, cos_lr=True), None),  # the cosine turns back up
    "ultralytics_held_warmup": (HeldWarmup(lrkit.constant(), warmup_t=4, hold_t=6), 6),
    "ultralytics_held_warmup_forever": (HeldWarmup(C10, warmup_t=4), 4),
    "ultralytics_held_warmup_of_longer": (HeldWarmup(C10, warmup_t=4, hold_t=6), 10),
    "ultralytics_held_warmup_unsettled": (HeldWarmup(EXP, warmup_t=3, hold_t=5), None),
    "ultralytics_yolo": (SCHEDULES["ultralytics_yolo"], 40),  # lf's 10 epochs of 4 iterations
}


@pytest.mark.parametrize("name", list(LENGTHS))
def test_length(name):
    schedule, expected = LENGTHS[name]
    assert schedule.length == expected


def test_the_lengths_table_has_every_node_kind():
    # A new node (core or recipes) needs a row above.
    kinds = {type(v.node).name for schedule, _ in LENGTHS.values() for v in tree.walk(schedule)}
    assert kinds >= set(lrkit.registered())
    assert set(lrkit.registered()) >= {"timm:cycles", "timm:warmup", "timm:noise", "yolov5:warmup"}


def test_a_timm_noise_length_needs_no_torch_draw():
    # Measured from the window alone: nothing is drawn (which would need torch).
    assert TorchNoise(lrkit.constant(), range_t=(3, 7)).length == 7


# -- the value stops changing at the length -------------------------------------------------------

SETTLED = [name for name, s in SCHEDULES.items() if s.length is not None]


def test_the_shared_schedules_hold_settling_ones():
    # Guards the property below against an empty parametrization.
    assert len(SETTLED) > 30
    assert {"cycles_unsettled", "noise", "stairs", "yolo_like", "shift_lag", "rebase"} <= set(SETTLED)


@pytest.mark.parametrize("name", SETTLED)
@settings(max_examples=50, deadline=None)
@given(after=st.one_of(st.floats(0.0, 1000.0), st.integers(0, 1000).map(float)))
def test_the_value_no_longer_changes_after_the_length(name, after):
    schedule = SCHEDULES[name]
    length = schedule.length
    for base in (1.0, 0.3):
        assert schedule(length + after, base) == schedule(length, base), (name, length + after)


@pytest.mark.parametrize("name", SETTLED)
def test_the_value_no_longer_changes_after_the_length_on_a_grid(name):
    schedule = SCHEDULES[name]
    length = float(schedule.length)
    t = length + np.concatenate([np.linspace(0.0, 10.0, 81), np.arange(10.0, 1001.0, 7.0)])
    values = schedule(t, base=0.7)
    assert np.all(values == values[0]), (name, t[values != values[0]][:5].tolist())


RECIPE_CASES = [c for c in schedule_cases() if registry.resolve(c[0], c[2])[1].length is not None]


@pytest.mark.parametrize("case", RECIPE_CASES, ids=case_id)
def test_recipes_no_longer_change_after_their_length(case):
    name, _, kwargs = case
    schedule = registry.resolve(name, kwargs)[1]
    length = float(schedule.length)
    t = length + np.concatenate([np.linspace(0.0, 10.0, 81), np.arange(10.0, 1001.0, 7.0)])
    values = schedule(t, base=0.7)
    assert np.all(values == values[0]), (name, t[values != values[0]][:5].tolist())


RECIPE_LENGTHS = {
    ("timm:cosine", 0): 10,
    ("timm:cosine", 1): 70,  # three cycles of 10, 20, 40
    ("timm:multistep", 0): 7,  # a prefix of 2, then the last decay one step early at 5
    ("timm:poly", 0): 12,
    ("timm:rsqrt", 0): 22,
    ("timm:step", 0): None,
    ("timm:tanh", 0): 10,
    ("timm:tanh", 1): 23,
    ("timm:constant", 1): 3,
    ("torch:ConstantLR", 0): 5,
    ("torch:CosineAnnealingLR", 0): None,
    ("torch:CosineAnnealingWarmRestarts", 0): None,
    ("torch:OneCycleLR", 0): 29,
    ("torch:OneCycleLR", 1): 29,
    ("torch:MultiStepLR", 0): 6,
    ("torch:LinearLR", 1): 8,
    ("transformers:constant_with_warmup", 0): 4,
    ("transformers:cosine", 0): None,
    ("transformers:cosine_with_restarts", 0): 20,
    ("transformers:linear", 0): 20,
    ("transformers:polynomial", 0): 20,
    ("transformers:warmup_stable_decay", 0): 20,
    ("transformers:inverse_sqrt", 0): None,
}


@pytest.mark.parametrize("key", list(RECIPE_LENGTHS), ids=lambda k: f"{k[0]}#{k[1]}")
def test_recipe_length(key):
    from recipe_examples import EXAMPLES

    name, index = key
    assert registry.resolve(name, EXAMPLES[name][index])[1].length == RECIPE_LENGTHS[key]
