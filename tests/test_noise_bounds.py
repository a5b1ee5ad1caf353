"""Noise is drawn in bounded time whatever its ``pct`` and ``std`` (issue 14).

A normal noise is kept within ``(-pct, pct)``. Redrawing until a draw is kept has no bound when
``std`` is wide against ``pct`` (``std=1e12`` keeps one draw in ``10 ** 12``); lrkit draws the
same truncated normal from a bounded number of candidates (``_noise_plan``), the same on the
host and under tracing, and timm's twin, which must draw timm's numbers, refuses arguments
where timm's own loop has no bound. Core tests need no torch; the twin's skip without it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lrkit
from lrkit.combinators import _counter_noise, _noise_plan

pcts = st.floats(min_value=1e-12, max_value=1.0)
stds = st.floats(min_value=1e-12, max_value=1e300)


@pytest.mark.timeout(60)
@settings(max_examples=200, deadline=None)
@given(pct=pcts, std=stds)
def test_any_pct_and_std_take_a_bounded_number_of_candidates(pct, std):
    _, rounds = _noise_plan(pct, std)
    assert 1 <= rounds <= 333
    s = lrkit.noise(lrkit.constant(), range_t=0, pct=pct, std=std, seed=7)
    values = s(np.arange(64.0))
    assert np.all(np.abs(values - 1.0) < pct)
    # The host's draws of one time at a time are the array's (math's and NumPy's log and cos
    # may differ in the last bit).
    np.testing.assert_allclose([s(t) for t in (0.0, 5.0, 63.0)], values[[0, 5, 63]], rtol=4e-16, atol=0)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("pct", "std"), [(0.67, 1e12), (1e-9, 1.0), (5e-324, 1.0), (1.0, 1e300)])
def test_the_issues_reproducers_draw_at_once(pct, std):
    s = lrkit.noise(lrkit.constant(), range_t=0, pct=pct, std=std)
    assert abs(s(3) - 1.0) < pct or pct < 1e-300
    assert s(np.arange(1000.0)).shape == (1000,)


def _truncated_normal_cdf(x: np.ndarray, pct: float, std: float) -> np.ndarray:
    def phi(z):
        return 0.5 * (1.0 + np.vectorize(math.erf)(z / (std * math.sqrt(2.0))))

    return (phi(x) - phi(-pct)) / (phi(pct) - phi(-pct))


@pytest.mark.parametrize(("pct", "std"), [(0.67, 1.0), (0.16, 1.0), (0.1, 1.0), (0.67, 1e12), (0.5, 2.0)])
def test_both_ways_of_drawing_give_the_truncated_normal(pct, std):
    # Kolmogorov-Smirnov against the exact truncated normal: 20000 draws, the 0.1% critical value.
    draws = _counter_noise(np.arange(20_000, dtype=np.int64), "normal", pct, std)
    assert np.all(np.abs(draws) < pct)
    xs = np.sort(draws)
    expected = _truncated_normal_cdf(xs, pct, std)
    n = xs.size
    distance = max(np.max(np.arange(1, n + 1) / n - expected), np.max(expected - np.arange(n) / n))
    assert distance < 1.95 / math.sqrt(n)


def test_the_way_of_drawing_switches_where_one_normal_in_eight_is_kept():
    assert _noise_plan(0.67, 1.0) == (True, 65)  # timm's defaults: the draws lrkit always made
    assert _noise_plan(0.16, 1.0)[0] is True
    assert _noise_plan(0.15, 1.0)[0] is False
    assert _noise_plan(0.67, 1e12) == (False, 1)


def test_traced_draws_equal_the_hosts_for_every_way():
    torch = pytest.importorskip("torch")
    for pct, std in [(0.67, 1.0), (0.16, 1.0), (0.05, 1.0), (0.67, 1e12)]:
        s = lrkit.noise(lrkit.constant(), range_t=0, pct=pct, std=std, seed=3)
        t = torch.arange(500.0, dtype=torch.float64)
        host = s(t.numpy())
        traced = torch.compile(lambda t, s=s: s(t), fullgraph=True, dynamic=False)(t)
        np.testing.assert_allclose(traced.numpy(), host, rtol=1e-12, atol=0)


def test_pct_past_1_is_refused_as_it_would_write_negative_values():
    with pytest.raises(ValueError, match="pct must be <= 1"):
        lrkit.noise(lrkit.constant(), range_t=0, pct=2.5)
    with pytest.raises(ValueError, match="noise_pct must be <= 1"):
        lrkit.create("cosine", t_initial=10, noise_range_t=0, noise_pct=5)


def test_a_seed_is_a_64_bit_key():
    with pytest.raises(ValueError, match="seed must be <= 9223372036854775807"):
        lrkit.noise(lrkit.constant(), range_t=0, seed=2**64)


@pytest.mark.timeout(30)
def test_timms_twin_refuses_where_timms_own_loop_has_no_bound():
    pytest.importorskip("torch")
    import lrkit.torch

    with pytest.raises(ValueError, match="noise_std is too wide for noise_pct"):
        lrkit.create("cosine", t_initial=10, noise_range_t=0, noise_std=1e12)
    torch = pytest.importorskip("torch")
    opt = torch.optim.SGD([torch.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match="noise_std is too wide for noise_pct"):
        lrkit.torch.Plateau(opt, noise_range_t=0, noise_pct=1e-9, noise_generator="torch")
    # lrkit's own draws serve the same arguments at once.
    plateau = lrkit.torch.Plateau(opt, noise_range_t=0, noise_pct=1e-9)
    plateau.step(1.0)
    assert abs(opt.param_groups[0]["lr"] / 0.1 - 1.0) < 1e-9
    # Arguments timm's loop serves (one draw in 700 kept) still draw timm's numbers.
    assert lrkit.create("cosine", t_initial=10, noise_range_t=0, noise_pct=0.002, noise_std=1.0)(3) > 0


@pytest.mark.timeout(60)
def test_the_command_refuses_or_draws_at_once():
    import subprocess
    import sys

    pytest.importorskip("torch")
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "lrkit",
            "describe",
            "--sched",
            "cosine",
            "--epochs",
            "20",
            "--lr-noise",
            "0.1",
            "--lr-noise-std",
            "1e12",
        ],
        capture_output=True,
        text=True,
        timeout=50,
    )
    assert run.returncode == 2 and "--lr-noise-std is too wide for --lr-noise-pct" in run.stderr
