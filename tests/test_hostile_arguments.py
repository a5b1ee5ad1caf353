"""Every input is checked once, with the user's own names (issue 14's reproducers).

Numbers past the float range, arrays where a number goes, arguments of a switched-off feature,
and the inner names a layer used to leak (``prefix`` for ``warmup_prefix``) are refused where
they are defined, naming what the user typed, with the value cut short in the message.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrkit
from lrkit import checks as v


@pytest.mark.parametrize("value", [10**400, -(10**400)])
def test_an_integer_past_the_float_range_is_refused_by_name_and_shown_short(value):
    with pytest.raises(
        v.InvalidValueError, match=r"^t_initial must be finite, got -?1000.*\(past the float range\)$"
    ) as error:
        lrkit.cosine(t_initial=value)
    assert len(str(error.value)) < 120


@settings(max_examples=50, deadline=None)
@given(st.one_of(st.integers(), st.text(), st.lists(st.integers(), max_size=500), st.binary(max_size=10_000)))
def test_no_message_holds_an_untruncated_value(value):
    for check in (v.real, v.integer, v.flag):
        try:
            check("x", value)
        except (ValueError, TypeError) as error:
            assert len(str(error)) < 200


def test_an_array_of_several_numbers_is_no_number():
    with pytest.raises(TypeError, match=r"cycle_mul must be a single number, got an array of shape \(2,\)"):
        lrkit.create("cosine", t_initial=10, cycle_mul=np.array([1.0, 2.0]))
    assert lrkit.create("cosine", t_initial=10, cycle_mul=np.float64(2.0), cycle_limit=2).length == 30


def test_an_array_for_a_number_torch():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"cycle_mul must be a single number, got an array of shape \(2,\)"):
        lrkit.create("cosine", t_initial=10, cycle_mul=torch.tensor([1.0, 2.0]))
    assert lrkit.cosine(t_initial=torch.tensor(10)).t_initial == 10


def test_a_cycle_limit_no_float_counts_is_refused_at_construction():
    with pytest.raises(ValueError, match=r"^cycle_limit must be <= 9007199254740992, got 1000"):
        lrkit.cycles(lrkit.cosine(t_initial=10), cycle_limit=10**400)
    with pytest.raises(ValueError, match="end past the float range"):
        lrkit.cycles(lrkit.cosine(t_initial=10), cycle_mul=2, cycle_limit=2000)
    long = lrkit.cycles(lrkit.cosine(t_initial=10), cycle_limit=2**53)
    assert long.length == 10 * 2**53 and long(5.0) == lrkit.cosine(t_initial=10)(5.0)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"noise_pct": "x"}, "noise_pct must be a number, got 'x'"),
        ({"noise_std": None}, "noise_std must be a number, got None"),
        ({"noise_seed": 2.5}, "noise_seed must be an integer, got 2.5"),
        ({"cycle_decay": math.nan}, "cycle_decay must be finite, got nan"),
        ({"cycle_mul": True}, "cycle_mul must be a number, got True"),
        ({"warmup_prefix": 3}, "warmup_prefix must be True or False, got 3"),
    ],
)
def test_a_switched_off_features_arguments_are_checked(arguments, message):
    # No noise (noise_range_t=None), one cycle, no warmup: each argument changes nothing, and a
    # typo in it is refused all the same.
    with pytest.raises((ValueError, TypeError), match="^" + message):
        lrkit.create("cosine", t_initial=10, **arguments)


def test_the_issues_switched_off_arguments_together_are_refused():
    with pytest.raises((ValueError, TypeError)):
        lrkit.create(
            "cosine",
            t_initial=10,
            noise_pct="x",
            noise_std=None,
            noise_seed=2.5,
            cycle_decay=math.nan,
            cycle_mul=True,
        )


def test_errors_name_the_argument_the_user_typed():
    cases = [
        ({"name": "cosine", "t_initial": 10, "noise_range_t": -1}, "noise_range_t must be >= 0"),
        (
            {"name": "cosine", "t_initial": 10, "warmup_t": 2, "warmup_prefix": "yes"},
            "warmup_prefix must be True",
        ),
        ({"name": "step", "decay_t": -1}, "decay_t must be > 0"),
        ({"name": "multistep", "decay_t": [5, 2]}, "decay_t must be sorted"),
        ({"name": "step", "decay_t": 3, "decay_rate": -1}, "decay_rate must be > 0"),
    ]
    for arguments, message in cases:
        name = arguments.pop("name")
        with pytest.raises((ValueError, TypeError), match="^" + message):
            lrkit.create(name, **arguments)


def test_a_plateau_recipe_names_its_own_arguments():
    torch = pytest.importorskip("torch")
    import lrkit.torch

    opt = torch.optim.SGD([torch.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match=r"^patience_t must be >= 0"):
        lrkit.create("plateau", opt, patience_t=-1)
    with pytest.raises(ValueError, match=r"^decay_rate must be < 1"):
        lrkit.create("plateau", opt, decay_rate=2)
    assert "initial_lr" not in opt.param_groups[0]


@pytest.mark.parametrize("flag", [np.True_, np.False_])
def test_numpy_bools_are_bools_for_a_flag_and_no_number(flag):
    assert lrkit.warmup(lrkit.constant(), warmup_t=2, prefix=flag).prefix is bool(flag)
    with pytest.raises(TypeError, match="must be a number"):
        lrkit.cosine(t_initial=flag)


@pytest.mark.parametrize("make", ["noise", "timm_noise", "from_callable"])
@pytest.mark.parametrize("kind", ["bfloat16", "requires_grad"])
def test_bfloat16_and_grad_tensors_evaluate(make, kind):
    torch = pytest.importorskip("torch")
    from lrkit.recipes.timm import TorchNoise

    schedule = {
        "noise": lrkit.noise(lrkit.constant(), range_t=0, pct=0.5, seed=1),
        "timm_noise": TorchNoise(lrkit.constant(), range_t=0, pct=0.5, seed=1),
        "from_callable": lrkit.from_callable(lambda t: 1 / (1 + t)),
    }[make]
    if kind == "bfloat16":
        t = torch.arange(4, dtype=torch.bfloat16)
    else:
        t = torch.arange(4.0, requires_grad=True)
    values = schedule(t)
    assert values.dtype == t.dtype
    expected = schedule(np.arange(4.0))
    tolerance = 1e-2 if kind == "bfloat16" else 1e-6
    np.testing.assert_allclose(values.detach().float().numpy(), expected, rtol=tolerance)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"sched": "step", "num_epochs": "x"}, "num_epochs must be a number, got 'x'"),
        ({"sched": "wsd", "num_epochs": "x"}, "num_epochs must be a number, got 'x'"),
        ({"noise": "x" * 10_000}, "noise must be a number, got 'xxxx"),
        ({"updates_per_epoch": "x", "step_on_epochs": False}, "updates_per_epoch must be a number"),
        ({"cooldown_epochs": "x"}, "cooldown_epochs must be a number"),
        ({"sched": "step", "decay_fn": 3}, "decay_fn must be a name or None, got 3"),
        ({"sched": "step", "plateau_mode": "x"}, "plateau_mode must be one of 'min', 'max'"),
        ({"sched": "step", "patience_epochs": -1}, "patience_epochs must be >= 0"),
        ({"sched": "step", "cycle_mul": -1}, "cycle_mul must be > 0"),
        ({"sched": "step", "k_decay": "x"}, "k_decay must be a number"),
    ],
)
def test_timms_factory_checks_every_argument_by_its_own_name(arguments, message):
    torch = pytest.importorskip("torch")
    import lrkit.timm

    opt = torch.optim.SGD([torch.zeros(1)], lr=0.1)
    with pytest.raises((ValueError, TypeError), match="^" + message) as error:
        lrkit.timm.create_scheduler_v2(opt, **arguments)
    assert len(str(error.value)) < 200
    assert "initial_lr" not in opt.param_groups[0]
