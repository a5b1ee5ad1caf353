"""Schedules on a traced time: inside ``torch.compile(..., fullgraph=True)`` and ``jax.jit``.

Every schedule of ``conftest.SCHEDULES`` and every recipe example that builds one traces with
the time as an input: one graph, no graph break, no recompile for a new step value, and the
eager values. What reads ``t`` on the host by nature (a Python function of time, timm's
``TorchNoise``) says so under tracing. The check of ``t`` reads only data already in host
memory. The torch part skips without torch, the JAX part without JAX.

The per-schedule checks give dynamo a backend that runs its graph as traced (tracing whole
graphs is dynamo's job; inductor only compiles what it is given); two inductor compiles
check the code inductor generates from a schedule, the lrkit noise's integer hash among it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from recipe_examples import build, case_id, cases

import lrkit
from conftest import SCHEDULES, TIMES
from lrkit.combinators import _counter_noise, _mix, _Native, _Pairs
from lrkit.recipes.timm import TorchNoise
from lrkit.schedule import _namespace
from lrkit.shapes import WSD, FromCallable

# array-api-compat caches its type tests with lru_cache; dynamo traces through the cache and
# says so at every compile. Nothing to act on here.
pytestmark = pytest.mark.filterwarnings("ignore:Dynamo detected a call to a `functools.lru_cache`")


def _recipe_schedules() -> dict[str, lrkit.Schedule]:
    from lrkit.recipes import registry

    plateaus = {r.qualified for r in registry.recipes() if r.plateau}
    return {case_id(case): build(case[0], case[2]) for case in cases() if case[0] not in plateaus}


ALL = {**SCHEDULES, **_recipe_schedules()}


def reads_values(schedule: lrkit.Schedule) -> bool:
    """Whether ``schedule`` holds what needs ``t``'s values: a Python function called with one
    float per time, or timm's draws from a ``torch.Generator`` per step."""
    for visit in lrkit.tree.walk(schedule):
        node = visit.node
        if isinstance(node, FromCallable) and not node.vectorized:
            return True
        if (isinstance(node, WSD) and callable(node.decay_fn)) or isinstance(node, TorchNoise):
            return True
    return False


TRACEABLE = {name: s for name, s in ALL.items() if not reads_values(s)}
HOST_ONLY = {
    **{name: s for name, s in ALL.items() if reads_values(s)},
    "timm_noise": TorchNoise(lrkit.cosine(t_initial=20), range_t=(2, 15), pct=0.2, seed=3),
}
# What the refusals say, whichever node refuses.
REFUSAL = r"a traced t \(torch\.compile, jax\.jit\) (has no values|does not have)"
BASE = 0.1
EPS32 = float(np.finfo(np.float32).eps)


def test_the_tables_cover_both_kinds():
    # The split follows what the nodes hold: Python functions of time (the core tables' and
    # the torch recipes') and timm's noise need values; everything else must trace.
    assert {"from_callable", "wsd_callable", "nested_callable", "timm_noise"} <= set(HOST_ONLY)
    assert {"torch:LambdaLR#0", "torch:MultiplicativeLR#0", "torch:CyclicLR#2"} <= set(HOST_ONLY)
    assert {"noise", "nested", "from_callable_vectorized", "timm:cosine#1", "torch:OneCycleLR#1"} <= set(
        TRACEABLE
    )


# -- torch -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch")


@pytest.fixture
def dynamo(torch):
    # Compiled code and counters are process-global: each test starts and ends clean.
    torch._dynamo.reset()
    torch._dynamo.utils.counters.clear()
    yield torch._dynamo
    torch._dynamo.reset()


def graph_counter():
    """A dynamo backend that runs each graph as traced and keeps it, to count them."""
    graphs = []

    def backend(gm, example_inputs):
        graphs.append(gm)
        return gm.forward

    return backend, graphs


@pytest.mark.parametrize("name", TRACEABLE)
def test_torch_compile_fullgraph_gives_eager_values_in_one_graph(torch, dynamo, name):
    s = TRACEABLE[name]
    backend, graphs = graph_counter()
    compiled = torch.compile(lambda t: s(t, BASE), backend=backend, fullgraph=True)
    times = [torch.tensor(x, dtype=torch.float64) for x in TIMES]
    got = [compiled(times[0])]
    # Every later step value is an input of the same graph: a recompile is an error here.
    with torch.compiler.set_stance("fail_on_recompile"):
        got += [compiled(t) for t in times[1:]]
    assert len(graphs) == dynamo.utils.counters["stats"]["unique_graphs"] == 1
    got = torch.stack(got)
    assert got.dtype == torch.float64
    want = s(torch.tensor(TIMES, dtype=torch.float64), BASE)
    np.testing.assert_allclose(got.numpy(), want.numpy(), rtol=1e-12, atol=0)


def test_torch_compile_with_per_group_bases(torch, dynamo):
    s = ALL["nested"]
    bases = torch.tensor([0.1, 0.02, 0.3], dtype=torch.float64)
    compiled = torch.compile(lambda t, b: s(t, b), backend="eager", fullgraph=True)
    for x in (0.0, 7.5, 31.0):
        t = torch.tensor(x, dtype=torch.float64)
        np.testing.assert_allclose(compiled(t, bases).numpy(), s(t, bases).numpy(), rtol=1e-12, atol=0)


def test_dynamo_explain_counts_one_graph_and_no_break(torch, dynamo):
    # The example: 6 graphs and 5 breaks before the check of t learned not to read it.
    s = lrkit.warmup(lrkit.cosine(t_initial=1000, lr_min=1e-5), warmup_t=50, warmup_lr_init=1e-6)
    explained = dynamo.explain(lambda t: s(t, 0.1))(torch.tensor(100.0))
    assert (explained.graph_count, explained.graph_break_count) == (1, 0)


@pytest.mark.parametrize(
    "schedule, dtype, tolerance",
    [
        # The example, in float32 as a training step holds it: inductor fuses and
        # reorders float32 arithmetic, so a few roundings of the scale.
        (
            lrkit.warmup(lrkit.cosine(t_initial=1000, lr_min=1e-5), warmup_t=50, warmup_lr_init=1e-6),
            "float32",
            8 * EPS32,
        ),
        # lrkit's noise in float64: its hash is integer code, which must come out exact.
        (
            lrkit.noise(lrkit.cosine(t_initial=1000), range_t=(10, 900), pct=0.2, seed=3),
            "float64",
            1e-12,
        ),
    ],
    ids=["warmup_cosine_float32", "noise_float64"],
)
def test_inductor_compiles_schedules_to_their_eager_values(torch, dynamo, schedule, dtype, tolerance):
    compiled = torch.compile(lambda t: schedule(t, 0.1), fullgraph=True)
    times = torch.arange(0.0, 1000.0, 7.25, dtype=getattr(torch, dtype))
    got = [compiled(times[0])]
    with torch.compiler.set_stance("fail_on_recompile"):
        got += [compiled(t) for t in times[1:]]
    want = schedule(times, 0.1)
    scale = float(want.abs().max())
    np.testing.assert_allclose(torch.stack(got).numpy(), want.numpy(), rtol=0, atol=tolerance * scale)


@pytest.mark.parametrize("name", HOST_ONLY)
def test_torch_fullgraph_refuses_what_needs_values_and_says_why(torch, dynamo, name):
    s = HOST_ONLY[name]
    compiled = torch.compile(lambda t: s(t, BASE), backend="eager", fullgraph=True)
    with pytest.raises(dynamo.exc.Unsupported, match=REFUSAL) as error:
        compiled(torch.tensor(3.0, dtype=torch.float64))
    # The message names the node that needs the values.
    assert (
        "from_callable(" in str(error.value) or "wsd(" in str(error.value) or "TorchNoise" in str(error.value)
    )


def test_torch_compile_without_fullgraph_breaks_there_and_gives_the_eager_value(torch, dynamo):
    s = HOST_ONLY["nested_callable"]
    t = torch.tensor(3.0, dtype=torch.float64)
    assert dynamo.explain(lambda t: s(t, BASE))(t).graph_break_count >= 1
    dynamo.reset()
    assert torch.compile(lambda t: s(t, BASE), backend="eager")(t).item() == s(t, BASE).item()


@pytest.mark.parametrize("name", TRACEABLE)
def test_a_tensor_without_data_is_evaluated_without_reading_it(torch, name):
    # A meta tensor has a device, a dtype and a shape but no values: any read of t (the check,
    # a host copy) fails on it, so this is what evaluating on an accelerator's memory does.
    t = torch.tensor([-1.0, 0.0, 2.5, math.nan], dtype=torch.float64, device="meta")
    result = TRACEABLE[name](t, BASE)
    assert result.device.type == "meta" and result.shape == (4,) and result.dtype == torch.float64


def test_cuda_evaluation_never_synchronizes(torch):
    # A read of t, or a copy to or from the host, is an error in this mode.
    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA device")
    t = torch.tensor(TIMES, dtype=torch.float64, device="cuda")
    torch.cuda.set_sync_debug_mode("error")
    try:
        got = {name: s(t, BASE) for name, s in TRACEABLE.items()}
    finally:
        torch.cuda.set_sync_debug_mode("default")
    for name, values in got.items():
        want = TRACEABLE[name](t.cpu(), BASE)
        np.testing.assert_allclose(values.cpu().numpy(), want.numpy(), rtol=1e-12, atol=0, err_msg=name)


# -- JAX -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jax():
    return pytest.importorskip("jax")


@pytest.fixture
def x64(jax):
    """64-bit JAX for exact comparisons (JAX's default is float32), restored afterwards."""
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", True)
    yield
    jax.config.update("jax_enable_x64", previous)


@pytest.fixture
def x32(jax):
    previous = jax.config.jax_enable_x64
    jax.config.update("jax_enable_x64", False)
    yield
    jax.config.update("jax_enable_x64", previous)


@pytest.mark.parametrize("name", TRACEABLE)
def test_jax_jit_gives_eager_values_from_one_trace(jax, x64, name):
    jnp = jax.numpy
    s = TRACEABLE[name]
    jitted = jax.jit(lambda t: s(t, BASE))
    got = [jitted(jnp.asarray(x, dtype=jnp.float64)) for x in TIMES]
    assert jitted._cache_size() == 1  # every step value went through the one trace
    assert got[0].dtype == jnp.float64
    want = s(jnp.asarray(TIMES, dtype=jnp.float64), BASE)
    np.testing.assert_allclose(np.asarray(got), np.asarray(want), rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", TRACEABLE)
def test_jax_jit_float32_gives_eager_float32_values(jax, x32, name):
    # JAX's default: float32, and no 64-bit integers (lrkit's noise hashes in uint32 words).
    jnp = jax.numpy
    s = TRACEABLE[name]
    times = jnp.asarray(TIMES, dtype=jnp.float32)
    got = jax.jit(lambda t: s(t, BASE))(times)
    want = s(times, BASE)
    assert got.dtype == want.dtype == jnp.float32
    # One XLA computation folds and reorders float32 arithmetic that eager JAX rounds op by
    # op (t / T as t * (1 / T)). An angle or a phase grows with t, and its last bit with it: a
    # cosine of 390 radians (a 10-step cosine_wave at t=1234.5) moves by ~390 roundings of
    # the scale for one of the angle's.
    scale = float(np.max(np.abs(np.asarray(want))))
    bound = 4 * EPS32 * scale * np.maximum(1.0, np.asarray(TIMES))
    assert np.all(np.abs(np.asarray(got) - np.asarray(want)) <= bound)


def test_jax_jit_takes_python_and_integer_times_without_retracing(jax, x64):
    s = ALL["nested"]
    jitted = jax.jit(lambda t: s(t, 0.3))
    for t in (0.0, 2.5, 17.0, 100.0):
        assert float(jitted(t)) == pytest.approx(s(t, 0.3), rel=1e-12)
    assert jitted._cache_size() == 1
    assert float(jax.jit(lambda t: s(t, 0.3))(7)) == pytest.approx(s(7, 0.3), rel=1e-12)


@pytest.mark.parametrize(("pct", "rounds"), [(0.16, (300, 334)), (0.05, (1, 10)), (1e-9, (1, 1))])
def test_lrkit_noise_traced_takes_the_hosts_candidates_for_a_narrow_cut(jax, x64, pct, rounds):
    # pct / std = 0.16: one normal candidate in eight is kept, so some times redraw dozens of
    # times; the traced draw takes them all at once and picks the one the host's redraws stop
    # at. Narrower cuts draw uniform candidates, nearly all kept.
    jnp = jax.numpy
    s = lrkit.noise(lrkit.constant(), range_t=0, pct=pct, std=1.0, seed=11)
    assert rounds[0] <= s._rounds() <= rounds[1]
    times = jnp.arange(300.0, dtype=jnp.float64)
    np.testing.assert_allclose(np.asarray(jax.jit(lambda t: s(t))(times)), s(np.arange(300.0)), rtol=1e-12)


@pytest.mark.parametrize("name", HOST_ONLY)
def test_jax_jit_refuses_what_needs_values_and_says_why(jax, name):
    s = HOST_ONLY[name]
    with pytest.raises(TypeError, match=REFUSAL):
        jax.jit(lambda t: s(t, BASE))(3.0)


@pytest.mark.parametrize("t", [-1.0, -1e-300, math.nan, math.inf])
def test_concrete_cpu_jax_times_are_still_checked(jax, x64, t):
    jnp = jax.numpy
    s = ALL["warmup"]
    with pytest.raises(ValueError, match="t must be finite and >= 0"):
        s(jnp.asarray([0.0, t]))
    # Under tracing there is nothing to read, so nothing is checked.
    assert jax.jit(lambda t: s(t))(jnp.asarray([0.0, t])).shape == (2,)


# -- lrkit's noise: the traced arithmetic is the host's ------------------------------------------


def _hash_words(as_words):
    """The traced hash of 2100 keys on word pairs made by ``as_words``, and the host's."""
    rng = np.random.default_rng(7)
    keys = np.concatenate([np.arange(-50, 50), rng.integers(-(2**63), 2**63 - 1, 2000)])
    words = keys.astype(np.int64).view(np.uint64)
    pair = as_words(words >> np.uint64(32)), as_words(words & np.uint64(0xFFFFFFFF))
    high, low = (np.asarray(w).astype(np.uint64) for w in _mix(_Pairs(_namespace(pair[0]), pair[0]), pair))
    return (high << np.uint64(32)) | low, _mix(_Native(np), words)


def test_word_pairs_hash_as_native_uint64():
    # The traced draws hash on (high, low) word pairs, the host's on uint64: the same bits, here
    # in int64 words (as NumPy and torch hold them).
    np.testing.assert_array_equal(*_hash_words(lambda w: w.astype(np.int64)))


def test_word_pairs_hash_as_native_uint64_in_jax_uint32(jax, x32):
    # JAX without 64-bit integers holds each word in a uint32, which wraps by itself.
    np.testing.assert_array_equal(*_hash_words(lambda w: jax.numpy.asarray(w.astype(np.uint32))))


@pytest.mark.parametrize(
    "kind, pct, std", [("normal", 0.67, 1.0), ("normal", 0.1, 2.0), ("uniform", 0.3, 1.0)]
)
def test_traced_noise_formula_draws_the_hosts_numbers(kind, pct, std):
    # The draw that runs where t is (all candidates at once, the first accepted kept), on NumPy
    # here, against the host's redraws: the same numbers, on every time of the range.
    s = lrkit.noise(lrkit.constant(), range_t=(3, 4000), pct=pct, std=std, seed=-5, kind=kind)
    t = np.arange(0.0, 4100.0, 0.75)
    xp = _namespace(t)
    traced, host = s._traced_relative(xp, t), s._relative(xp, t)
    assert np.count_nonzero(host) > 5000
    np.testing.assert_allclose(traced, host, rtol=1e-12, atol=0)


def test_host_noise_draws_the_numbers_it_always_drew():
    # Fixed numbers on every platform: these are what the uint64 implementation before traced
    # draws gave for these keys, bit for bit.
    keys = np.array([0, 1, 42, -7, 2**40], dtype=np.int64)
    assert _counter_noise(keys, "uniform", 1.0, 1.0).tolist() == [
        0.3048969727480644,
        -0.2636209686966611,
        -0.31341615580265314,
        -0.8336863242525958,
        -0.6002815393846908,
    ]
    assert _counter_noise(keys, "normal", 0.5, 1.0).tolist() == [
        0.13673214651748788,
        0.17257939326179267,
        0.2305380871677982,
        0.39350831591938384,
        0.07963212437403258,
    ]
