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
from lrkit.recipes import registry
from lrkit.recipes.timm import CurveWarmup, FloatCycles, TorchNoise
from lrkit.recipes.transformers import HardRestarts
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
