"""lrkit.tree: the walk's order and clocks, ``is_affine``, and what affinity claims of the values.

Core only: numpy and lrkit, never torch.
"""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from recipe_examples import case_id, schedule_cases

import lrkit
from conftest import SCHEDULES
from lrkit import tree
from lrkit.recipes import registry
from lrkit.recipes.timm import CurveWarmup, FloatCycles
from lrkit.recipes.yolov5 import FollowWarmup
from lrkit.shapes import Cosine

INF = math.inf


def visits(schedule: lrkit.Schedule) -> list[tuple[Any, ...]]:
    return [(v.node.name, v.offset, v.scale, v.start, v.end, v.depth) for v in tree.walk(schedule)]


# -- the walk -------------------------------------------------------------------------------------


def test_walk_of_a_leaf_is_the_leaf_on_the_root_clock():
    c = lrkit.cosine(t_initial=10)
    (visit,) = tree.walk(c)
    assert visit.node is c
    assert (visit.offset, visit.scale, visit.start, visit.end, visit.depth) == (0.0, 1.0, 0.0, INF, 0)
    assert visit.to_root(3.5) == 3.5


def test_walk_of_a_warmup_starts_its_inner_schedule_at_the_warmup_end():
    c = lrkit.cosine(t_initial=10)
    assert visits(lrkit.warmup(c, warmup_t=5)) == [
        ("warmup", 0.0, 1.0, 0.0, INF, 0),
        ("cosine", 0.0, 1.0, 5.0, INF, 1),  # on the warmup's own clock, shown from 5
    ]
    assert visits(lrkit.warmup(c, warmup_t=5, prefix=True)) == [
        ("warmup", 0.0, 1.0, 0.0, INF, 0),
        ("cosine", 5.0, 1.0, 5.0, INF, 1),  # its time 0 at the warmup end
    ]


def test_walk_of_framework_warmups_is_the_warmup_walk():
    c = lrkit.cosine(t_initial=10)
    for node in (CurveWarmup, FollowWarmup):
        assert [v[1:] for v in visits(node(c, warmup_t=3, prefix=True))] == [
            (0.0, 1.0, 0.0, INF, 0),
            (3.0, 1.0, 3.0, INF, 1),
        ]


def test_walk_of_a_sequence_gives_each_piece_its_window():
    s = lrkit.sequence(
        [lrkit.constant(), lrkit.cosine(t_initial=10), lrkit.linear(t_initial=4)], boundaries=[3, 8.5]
    )
    assert visits(s) == [
        ("sequence", 0.0, 1.0, 0.0, INF, 0),
        ("constant", 0.0, 1.0, 0.0, 3.0, 1),
        ("cosine", 3.0, 1.0, 3.0, 8.5, 1),
        ("linear", 8.5, 1.0, 8.5, INF, 1),
    ]


def test_walk_visits_parents_before_children_depth_first_in_order():
    inner = lrkit.sequence([lrkit.constant(0.5), lrkit.step(decay_t=2)], boundaries=[4])
    s = lrkit.sequence([lrkit.warmup(inner, warmup_t=2, prefix=True), lrkit.exponential(gamma=0.9)], [20])
    assert visits(s) == [
        ("sequence", 0.0, 1.0, 0.0, INF, 0),
        ("warmup", 0.0, 1.0, 0.0, 20.0, 1),
        ("sequence", 2.0, 1.0, 2.0, 20.0, 2),
        ("constant", 2.0, 1.0, 2.0, 6.0, 3),
        ("step", 6.0, 1.0, 6.0, 20.0, 3),
        ("exponential", 20.0, 1.0, 20.0, INF, 1),
    ]


def test_walk_of_stairs_stretches_the_clock_and_windows():
    s = lrkit.stairs(
        lrkit.sequence([lrkit.constant(), lrkit.shift(lrkit.cosine(t_initial=5), by=2)], boundaries=[3]),
        every=4,
    )
    assert visits(s) == [
        ("stairs", 0.0, 1.0, 0.0, INF, 0),
        ("sequence", 0.0, 4.0, 0.0, INF, 1),
        ("constant", 0.0, 4.0, 0.0, 12.0, 2),
        ("shift", 12.0, 4.0, 12.0, INF, 2),
        ("cosine", 20.0, 4.0, 12.0, INF, 3),
    ]
    (cosine_visit,) = [v for v in tree.walk(s) if v.node.name == "cosine"]
    assert cosine_visit.to_root(1.0) == 24.0
    # The clock is the values' clock: cosine's time 1 is where the root shows cosine(1).
    assert s(24) == lrkit.cosine(t_initial=5)(1) != s(23)


def test_walk_of_shift_moves_the_clock_both_ways():
    c = lrkit.cosine(t_initial=10)
    assert visits(lrkit.shift(c, by=2.5)) == [
        ("shift", 0.0, 1.0, 0.0, INF, 0),
        ("cosine", 2.5, 1.0, 0.0, INF, 1),  # a lag shows the start value from 0
    ]
    assert visits(lrkit.shift(lrkit.warmup(c, warmup_t=2, prefix=True), by=-1)) == [
        ("shift", 0.0, 1.0, 0.0, INF, 0),
        ("warmup", -1.0, 1.0, 0.0, INF, 1),
        ("cosine", 1.0, 1.0, 1.0, INF, 2),
    ]


def test_walk_below_cycles_and_reverse_has_no_clock():
    c = lrkit.cosine(t_initial=10)
    for root in (
        lrkit.cycles(lrkit.warmup(c, warmup_t=2), t_initial=12, cycle_limit=3),
        FloatCycles(lrkit.warmup(c, warmup_t=2), t_initial=12, cycle_mul=2, cycle_limit=3),
        lrkit.reverse(lrkit.warmup(c, warmup_t=2), t_initial=12),
    ):
        found = list(tree.walk(root))
        assert [v.node.name for v in found] == [root.name, "warmup", "cosine"]
        assert [(v.offset, v.scale) for v in found] == [(0.0, 1.0), (None, None), (None, None)]
        assert [v.depth for v in found] == [0, 1, 2]
        assert found[2].to_root(1.0) is None


def test_walk_below_cycles_inside_a_sequence_keeps_the_window():
    s = lrkit.sequence(
        [lrkit.constant(), lrkit.cycles(lrkit.cosine(t_initial=5), cycle_limit=2)], boundaries=[7]
    )
    assert visits(s)[2:] == [("cycles", 7.0, 1.0, 7.0, INF, 1), ("cosine", None, None, 7.0, INF, 2)]


def test_walk_of_a_scale_and_product_share_the_clock():
    s = lrkit.product([0.5 * lrkit.cosine(t_initial=10), lrkit.step(decay_t=3)])
    assert visits(s) == [
        ("product", 0.0, 1.0, 0.0, INF, 0),
        ("scale", 0.0, 1.0, 0.0, INF, 1),
        ("cosine", 0.0, 1.0, 0.0, INF, 2),
        ("step", 0.0, 1.0, 0.0, INF, 1),
    ]


def test_walk_refuses_what_is_no_schedule():
    with pytest.raises(TypeError, match="must be an lrkit schedule, got 3"):
        list(tree.walk(3))


def test_marks_on_the_root_clock():
    c = lrkit.cosine(t_initial=10)
    s = lrkit.sequence(
        [lrkit.warmup(c, warmup_t=3), lrkit.cycles(lrkit.cosine(t_initial=5), cycle_limit=3)], boundaries=[20]
    )
    assert tree.marks(s) == {3.0: "warmup end", 20.0: "cycles from here", 25.0: "cycle 2", 30.0: "cycle 3"}
    assert tree.marks(s, t_end=26) == {3.0: "warmup end", 20.0: "cycles from here", 25.0: "cycle 2"}
    # Stretched by stairs: the warmup ends at 3 epochs of 10 updates.
    assert tree.marks(lrkit.stairs(lrkit.warmup(c, warmup_t=3), every=10)) == {30.0: "warmup end"}
    # A shape's marks outside its window are not shown: this warmup ends after the sequence cut it.
    cut = lrkit.sequence([lrkit.warmup(c, warmup_t=8), lrkit.constant()], boundaries=[5])
    assert tree.marks(cut) == {5.0: "constant from here"}


# -- is_affine ------------------------------------------------------------------------------------


def declares(node: lrkit.Schedule) -> bool:
    return bool(type(node).__dict__.get("affine", False))


@pytest.mark.parametrize("name", list(SCHEDULES))
def test_is_affine_is_every_node_declaring(name):
    schedule = SCHEDULES[name]
    assert tree.is_affine(schedule) is all(declares(v.node) for v in tree.walk(schedule))


def test_is_affine_answers_both_ways_over_the_shared_schedules():
    # Guards the test above: the table holds schedules of both kinds.
    answers = {name: tree.is_affine(s) for name, s in SCHEDULES.items()}
    assert {name for name, a in answers.items() if not a} == {
        "wsd_core",
        "wsd_rsqrt_exp",
        "wsd_power_power",
        "wsd_cosine",
        "wsd_linear",
        "wsd_callable",
        "clamp",
        "clamp_constant",
        "nested",
        "nemo_cosine_constant",  # the min_lr floor bends it
    }


class Floor(Cosine):
    """A user's cosine that never goes below 0.02, declaring nothing."""

    def _value(self, xp: Any, t: Any, base: Any) -> Any:
        return xp.maximum(super()._value(xp, t, base), 0.02)


class DeclaredFloor(Cosine):
    affine: ClassVar[bool] = True  # a declaration of its own, which is believed


def test_a_subclass_that_declares_nothing_is_not_affine():
    floor = Floor(t_initial=10)
    assert floor(10) == 0.02 and floor(0) == 1.0
    assert isinstance(floor, lrkit.Schedule) and Floor.affine is True  # inherited, but not its own
    assert tree.is_affine(lrkit.cosine(t_initial=10)) is True
    assert tree.is_affine(floor) is False
    assert tree.is_affine(lrkit.warmup(floor, warmup_t=2)) is False
    assert tree.is_affine(lrkit.sequence([lrkit.constant(), floor], boundaries=[3])) is False
    assert tree.is_affine(DeclaredFloor(t_initial=10)) is True
    # And it is right not to be: the floor bends the value's line in base. At t = 9.2 the
    # cosine is 0.0157 for base 1 (floored to 0.02), 0.0314 for base 2 and 0 for base 0 (0.02).
    v = lrkit.cosine(t_initial=10)(9.2)
    assert 0.01 < v < 0.02
    assert second_difference(floor, 9.2) == pytest.approx(2 * v - 0.02, rel=1e-12)
    assert not within_rounding(floor, 9.2)


# -- what affinity claims -------------------------------------------------------------------------


def second_difference(schedule: lrkit.Schedule, t: float) -> float:
    """``s(t, 2) - 2 s(t, 1) + s(t, 0)``: zero when the value is ``a(t) * base + b(t)``."""
    return schedule(t, 2.0) - 2.0 * schedule(t, 1.0) + schedule(t, 0.0)


def within_rounding(schedule: lrkit.Schedule, t: float) -> bool:
    values = (schedule(t, 0.0), schedule(t, 1.0), schedule(t, 2.0))
    scale = max(*(abs(x) for x in values), 1e-300)
    return abs(values[2] - 2.0 * values[1] + values[0]) <= 1e-9 * scale


AFFINE = [name for name, s in SCHEDULES.items() if tree.is_affine(s)]
#: Not affine, and shown to be: a clamp or a WSD floor above 0 bends the value's line in base.
BENT = ["clamp", "clamp_constant", "wsd_core", "wsd_callable", "nested"]
GRID = sorted({*np.linspace(0.0, 60.0, 241).tolist(), *np.arange(0.0, 200.0, 0.5).tolist(), 1234.5})


@pytest.mark.parametrize("name", AFFINE)
@settings(max_examples=60, deadline=None)
@given(t=st.one_of(st.floats(0.0, 250.0), st.integers(0, 250).map(float)))
def test_affine_schedules_are_lines_in_base(name, t):
    assert within_rounding(SCHEDULES[name], t), (name, t, second_difference(SCHEDULES[name], t))


@pytest.mark.parametrize("name", AFFINE)
def test_affine_schedules_are_lines_in_base_over_a_grid(name):
    assert_line_in_base_over_the_grid(SCHEDULES[name], name)


def assert_line_in_base_over_the_grid(schedule, label):
    """``s(t, 2) - 2 s(t, 1) + s(t, 0)`` is 0 within rounding at every time of GRID, in one call."""
    t = np.asarray(GRID)[:, None]
    values = schedule(t, base=np.array([0.0, 1.0, 2.0]))
    d = values[:, 2] - 2.0 * values[:, 1] + values[:, 0]
    scale = np.maximum(np.abs(values).max(axis=1), 1e-300)
    bad = np.flatnonzero(np.abs(d) > 1e-9 * scale)
    assert bad.size == 0, (label, t[bad[:5], 0].tolist(), d[bad[:5]].tolist())


@pytest.mark.parametrize("name", BENT)
def test_clamps_and_floors_do_bend_the_line_somewhere(name):
    schedule = SCHEDULES[name]
    assert tree.is_affine(schedule) is False
    assert not all(within_rounding(schedule, t) for t in GRID)


def test_the_bent_list_is_every_non_affine_entry_with_a_clamp_or_floor():
    def bends(schedule):
        for visit in tree.walk(schedule):
            node = visit.node
            if node.name == "clamp" or (node.name == "wsd" and node.lr_min > 0):
                return True
        return False

    assert sorted(name for name, s in SCHEDULES.items() if bends(s)) == sorted(BENT)


# -- every recipe ---------------------------------------------------------------------------------

RECIPE_CASES = schedule_cases()


def test_the_recipe_cases_cover_every_plain_recipe():
    plain = {
        r.qualified
        for r in registry.recipes()
        if not r.plateau
        and r.qualified not in {"torch:ChainedScheduler", "torch:LambdaLR", "torch:MultiplicativeLR"}
        and r.qualified != "torch:SequentialLR"
    }
    assert {name for name, _, _ in RECIPE_CASES} == plain


@pytest.mark.parametrize("case", RECIPE_CASES, ids=case_id)
def test_recipe_is_affine_is_every_node_declaring(case):
    name, _, kwargs = case
    schedule = registry.resolve(name, kwargs)[1]
    assert tree.is_affine(schedule) is all(declares(v.node) for v in tree.walk(schedule))
    if tree.is_affine(schedule):
        assert_line_in_base_over_the_grid(schedule, name)


def test_recipes_that_floor_above_zero_are_not_affine_and_bend():
    # (Undeclared is not always bent: transformers' polynomial with no decay left is a clamp of
    # a constant, a value that ignores base, and so a line in it after all.)
    for name, kwargs in (
        ("lrkit:wsd", {"t_initial": 20, "decay_t": 5, "lr_min": 0.01}),
        ("timm:wsd", {"t_initial": 20, "decay_t": 5, "lr_min": 0.01}),
    ):
        schedule = registry.resolve(name, kwargs)[1]
        assert tree.is_affine(schedule) is False, name
        assert not all(within_rounding(schedule, t) for t in GRID), name


@pytest.mark.parametrize(
    "case", [c for c in RECIPE_CASES if tree.is_affine(registry.resolve(c[0], c[2])[1])], ids=case_id
)
@settings(max_examples=25, deadline=None)
@given(t=st.floats(0.0, 100.0))
def test_affine_recipes_are_lines_in_base(case, t):
    name, _, kwargs = case
    schedule = registry.resolve(name, kwargs)[1]
    assert within_rounding(schedule, t), (name, t, second_difference(schedule, t))
