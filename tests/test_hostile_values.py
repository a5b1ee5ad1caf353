"""No value a schedule computes is negative, NaN or infinite (issue 14).

Every recipe the registry holds is built from its example arguments with each number replaced
by a hostile one (negative, zero, tiny, huge, subnormal): what builds must evaluate to finite
values >= 0 at every time, on floats and arrays alike; what does not build must be refused
with an ``ArgumentError`` naming an argument. A growth past the float range holds the largest
finite value of the dtype. Core only: no torch.
"""

from __future__ import annotations

import math
import sys
import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from recipe_examples import EXAMPLES

import lrkit
from lrkit import checks
from lrkit.recipes import registry

# Up to a time far past any run. Near the float range's end (t = 1e300) a wave that keeps going
# (transformers' cosines) has a phase past it, and no value; those times are not drawn here.
TIMES = [0.0, 0.5, 1.0, 2.0, 3.0, 7.0, 10.0, 31.0, 100.0, 1e3, 1e6, 1e12, 1e15]
HUGE = sys.float_info.max
# Negative, zero, small, around 1 and large. Lengths near the float range's ends (5e-324,
# 1e300) put t / length past it, where a phase (cos of an infinite angle) has no value; those
# are not drawn here (a warmup's, which the issue names, is tested below).
HOSTILE = [-1.0, -1e-9, 0.0, 1e-6, 0.999, 1.0, 1.001, 2.0, 1e6, 1e12]


def _numbers(arguments: dict) -> list[str]:
    return [
        key
        for key, value in arguments.items()
        if isinstance(value, (int, float)) and not isinstance(value, bool)
    ]


def _values(schedule: lrkit.Schedule, base: float) -> list[float]:
    values = []
    for t in TIMES:
        try:
            values.append(schedule(t, base=base))
        except ValueError as error:
            # A recursion that needs a call per step refuses a jump it cannot serve quickly.
            assert "calls past the last step computed" in str(error), error
            break
    return values


def _check_values(schedule: lrkit.Schedule, where: str) -> None:
    for base in (1.0, 0.1):
        scalars = _values(schedule, base)
        if len(scalars) < len(TIMES):
            continue
        for t, value in zip(TIMES, scalars, strict=True):
            assert 0.0 <= value <= HUGE, (where, t, base, value)
        with warnings.catch_warnings():  # and no overflow or invalid-value warning leaks out
            warnings.simplefilter("error", RuntimeWarning)
            array = schedule(np.asarray(TIMES), base=base)
        assert np.all((array >= 0.0) & (array <= HUGE)), (where, base, array)


def _build(name: str, arguments: dict) -> lrkit.Schedule | None:
    try:
        built = registry.resolve(name, dict(arguments), unit_matters=False)[1]
    except checks.ArgumentError as error:
        assert error.argument, (name, arguments, error)
        return None
    except (ValueError, TypeError) as error:
        # A refusal is fine; a crash from deep inside is not: the message names an argument.
        text = str(error)
        assert any(key in text for key in arguments) or "must" in text, (name, arguments, error)
        return None
    return built if isinstance(built, lrkit.Schedule) else None


@pytest.mark.timeout(120)
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_examples_give_finite_values_at_least_0(name):
    for arguments in EXAMPLES[name]:
        built = _build(name, arguments)
        if built is not None:
            _check_values(built, f"{name}{arguments}")


@pytest.mark.timeout(240)
@settings(max_examples=50, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_hostile_numbers_are_refused_or_give_finite_values_at_least_0(name, data):
    template = data.draw(st.sampled_from(EXAMPLES[name]), label="example")
    keys = _numbers(template)
    if not keys:
        return
    arguments = dict(template)
    for key in data.draw(st.lists(st.sampled_from(keys), min_size=1, max_size=3, unique=True), label="keys"):
        value = data.draw(st.sampled_from(HOSTILE), label=key)
        if isinstance(template[key], int) and value == int(value) and abs(value) < 2**62:
            value = int(value)
        arguments[key] = value
    built = _build(name, arguments)
    if built is not None:
        _check_values(built, f"{name}{arguments}")


@pytest.mark.parametrize(
    "schedule",
    [
        lrkit.exponential(gamma=1.01),
        lrkit.step(decay_t=1, decay_rate=3.0),
        lrkit.cycles(lrkit.cosine(t_initial=2), cycle_decay=1.5, cycle_limit=2**53),
    ],
    ids=["exponential", "step", "cycle_decay"],
)
def test_a_growth_past_the_float_range_holds_the_largest_finite_value(schedule):
    assert schedule(1e6) == HUGE
    assert schedule(np.asarray([0.0, 1e6])).tolist()[1] == HUGE
    torch = pytest.importorskip("torch")
    assert schedule(torch.tensor([0.0, 1e6])).tolist()[1] == torch.finfo(torch.float32).max
    assert schedule(torch.tensor([0.0, 1e6], dtype=torch.float64)).tolist()[1] == HUGE


def test_issue_reproducers():
    with pytest.raises(ValueError, match="factor must be >= 0"):
        -1 * lrkit.cosine(t_initial=10)
    with pytest.raises(ValueError, match="max_value must be >= 0"):
        lrkit.clamp(lrkit.constant(), max_value=-1)
    with pytest.raises(ValueError, match=r"points\[1\]\[1\] must be >= 0"):
        lrkit.piecewise_linear([(0, 1.0), (10, -0.5)])
    with pytest.raises(ValueError, match="pct must be <= 1"):
        lrkit.noise(lrkit.constant(), range_t=0, pct=2.5)
    assert lrkit.exponential(gamma=1.01)(1e5) == HUGE
    assert lrkit.warmup(lrkit.constant(), warmup_t=5e-324)(0) == 0.0
    assert not math.isnan(lrkit.warmup(lrkit.constant(), warmup_t=5e-324)(np.asarray([0.0]))[0])
