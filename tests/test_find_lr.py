"""lrkit.torch.find_lr: the sweep, smoothing, divergence stop, restoration, suggestion, plot."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from lrkit.torch import find_lr  # noqa: E402
from lrkit.torch.lr_finder import LRFinderResult  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    # Tensors of a few hundred numbers: extra threads only add synchronisation, which on a
    # busy machine stalls a step for seconds. Put back afterwards for the other test files.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def blobs(n=96, seed=0):
    """Three Gaussian blobs in 4-d: a classification problem a small MLP learns in a few steps."""
    g = torch.Generator().manual_seed(seed)
    labels = torch.arange(n) % 3
    centers = torch.tensor([[2.0, 0, 0, 0], [0, 2.0, 0, 0], [0, 0, 2.0, 0]])
    return centers[labels] + torch.randn(n, 4, generator=g), labels


def batches(x, y, size=16):
    return [(x[i : i + size], y[i : i + size]) for i in range(0, len(x), size)]


def mlp(seed=0):
    torch.manual_seed(seed)
    # BatchNorm gives the model buffers (running stats, a step count) to restore, not only weights.
    return torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.BatchNorm1d(16), torch.nn.ReLU(), torch.nn.Linear(16, 3)
    )


def two_group_sgd(model, lr=0.1):
    """SGD with momentum; the head's group at a tenth of the body's lr."""
    body, head = list(model[:-1].parameters()), list(model[-1].parameters())
    return torch.optim.SGD(
        [{"params": body}, {"params": head, "lr": lr / 10}], lr=lr, momentum=0.9, weight_decay=1e-4
    )


def train_a_little(model, optimizer, data, steps=3):
    """Some updates first, so that momentum buffers and gradients exist to be restored."""
    loss_fn = torch.nn.functional.cross_entropy
    for inputs, targets in data[:steps]:
        optimizer.zero_grad()
        loss_fn(model(inputs), targets).backward()
        optimizer.step()


def sweep(mode="exp", num_iter=30, start_lr=1e-4, end_lr=0.1, **kwargs):
    x, y = blobs()
    model = mlp()
    optimizer = two_group_sgd(model)
    result = find_lr(
        model,
        optimizer,
        torch.nn.functional.cross_entropy,
        batches(x, y),
        start_lr=start_lr,
        end_lr=end_lr,
        num_iter=num_iter,
        mode=mode,
        progress=False,
        **kwargs,
    )
    return result, model, optimizer


def record_lrs(optimizer):
    """A list that fills with every group's lr as each optimizer.step() starts."""
    seen = []
    optimizer.register_step_pre_hook(
        lambda opt, args, kwargs: seen.append([g["lr"] for g in opt.param_groups])
    )
    return seen


def snapshot(model, optimizer):
    return {
        "model": copy.deepcopy(model.state_dict()),
        "grads": [None if p.grad is None else p.grad.clone() for p in model.parameters()],
        "training": [m.training for m in model.modules()],
        "optimizer": copy.deepcopy(optimizer.state_dict()),
        "groups": [
            {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            for group in optimizer.param_groups
        ],
        "group_ids": [id(group) for group in optimizer.param_groups],
        "params": [[id(p) for p in group["params"]] for group in optimizer.param_groups],
    }


def assert_same_tensors(a, b):
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def assert_same_nested(a, b, where="state"):
    """Equal dicts/lists with equal tensors (same dtype, shape and values) at every leaf."""
    if isinstance(a, torch.Tensor):
        assert isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b), where
    elif isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            assert_same_nested(a[key], b[key], f"{where}[{key!r}]")
    elif isinstance(a, (list, tuple)):
        assert type(a) is type(b) and len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            assert_same_nested(x, y, f"{where}[{i}]")
    else:
        assert a == b, where


def assert_restored(before, model, optimizer):
    after = snapshot(model, optimizer)
    assert_same_tensors(before["model"], after["model"])
    for g0, g1 in zip(before["grads"], after["grads"], strict=True):
        assert (g0 is None and g1 is None) or torch.equal(g0, g1)
    assert before["training"] == after["training"]
    assert_same_nested(before["optimizer"], after["optimizer"], "optimizer")
    assert_same_nested(before["groups"], after["groups"], "param_groups")
    assert before["group_ids"] == after["group_ids"]
    assert before["params"] == after["params"]


# -- the sweep -------------------------------------------------------------------------------------


def test_exp_sweep_is_geometric_from_start_to_end():
    result, _, _ = sweep("exp", num_iter=30, start_lr=1e-4, end_lr=0.1, diverge_threshold=math.inf)
    lrs = np.array(result.lrs)
    assert len(lrs) == 30 and not result.diverged
    assert lrs[0] == pytest.approx(1e-4, rel=1e-12)
    assert lrs[-1] == pytest.approx(0.1, rel=1e-9)
    assert np.all(np.diff(lrs) > 0)
    assert lrs[1:] / lrs[:-1] == pytest.approx(np.full(29, 1000 ** (1 / 29)), rel=1e-9)


def test_linear_sweep_is_arithmetic_from_start_to_end():
    result, _, _ = sweep("linear", num_iter=25, start_lr=1e-3, end_lr=0.05, diverge_threshold=math.inf)
    lrs = np.array(result.lrs)
    assert len(lrs) == 25 and not result.diverged
    assert lrs[0] == pytest.approx(1e-3, rel=1e-12)
    assert lrs[-1] == pytest.approx(0.05, rel=1e-9)
    assert np.all(np.diff(lrs) > 0)
    assert np.diff(lrs) == pytest.approx(np.full(24, 0.049 / 24), rel=1e-9)


def test_every_update_runs_at_the_recorded_lr_with_group_ratios_kept():
    x, y = blobs()
    model = mlp()
    optimizer = two_group_sgd(model, lr=0.2)  # body 0.2, head 0.02
    seen = record_lrs(optimizer)
    result = find_lr(
        model,
        optimizer,
        torch.nn.functional.cross_entropy,
        batches(x, y),
        start_lr=1e-3,
        end_lr=1.0,
        num_iter=20,
        diverge_threshold=math.inf,
        progress=False,
    )
    assert len(seen) == len(result.lrs) == 20
    # The driver may evaluate a shared schedule as a(t) * base + b(t): equal to the last bits.
    assert [body for body, _ in seen] == pytest.approx(list(result.lrs), rel=1e-12)
    assert [head for _, head in seen] == pytest.approx([lr / 10 for lr in result.lrs], rel=1e-12)


def test_group_base_is_initial_lr_when_a_scheduler_set_one():
    # After some scheduled training, lr is mid-schedule but initial_lr is the base the ratio uses.
    x, y = blobs()
    model = mlp()
    optimizer = two_group_sgd(model, lr=0.2)
    optimizer.param_groups[0].update(lr=0.01, initial_lr=0.2)
    optimizer.param_groups[1].update(lr=0.001, initial_lr=0.05)
    seen = record_lrs(optimizer)
    result = find_lr(
        model,
        optimizer,
        torch.nn.functional.cross_entropy,
        batches(x, y),
        start_lr=1e-3,
        end_lr=0.1,
        num_iter=10,
        progress=False,
    )
    assert [body for body, _ in seen] == pytest.approx(list(result.lrs), rel=1e-12)
    assert [head for _, head in seen] == pytest.approx([lr / 4 for lr in result.lrs], rel=1e-12)
    assert optimizer.param_groups[0]["lr"] == 0.01 and optimizer.param_groups[0]["initial_lr"] == 0.2


def test_smoothed_losses_follow_the_documented_formula():
    result, _, _ = sweep(num_iter=40, smooth=0.1, diverge_threshold=math.inf)
    avg, expected = 0.0, []
    for i, loss in enumerate(result.raw_losses):
        avg = 0.1 * loss + 0.9 * avg
        expected.append(avg / (1 - 0.9 ** (i + 1)))
    assert result.losses == pytest.approx(expected, rel=1e-12)
    assert result.losses[0] == pytest.approx(result.raw_losses[0], rel=1e-12)


def test_smooth_one_records_the_raw_losses():
    result, _, _ = sweep(num_iter=15, smooth=1.0, diverge_threshold=math.inf)
    assert result.losses == pytest.approx(result.raw_losses, rel=1e-12)


def test_the_loader_starts_over_when_it_runs_out():
    x, y = blobs(n=48)
    data = batches(x, y)  # 3 batches
    used = []

    def loss_fn(outputs, targets):
        used.append(next(i for i, (_, t) in enumerate(data) if t is targets))
        return torch.nn.functional.cross_entropy(outputs, targets)

    model = mlp()
    result = find_lr(
        model, two_group_sgd(model), loss_fn, data, start_lr=1e-4, end_lr=1e-2, num_iter=10, progress=False
    )
    assert len(result.lrs) == 10
    assert used == [0, 1, 2, 0, 1, 2, 0, 1, 2, 0]


# -- stopping --------------------------------------------------------------------------------------


def regression(n=64, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 3, generator=g)
    return x, (x @ torch.tensor([1.0, -2.0, 0.5]))[:, None]


def test_a_diverging_sweep_stops_at_the_threshold():
    x, y = regression()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    result = find_lr(
        model,
        optimizer,
        torch.nn.functional.mse_loss,
        batches(x, y),
        start_lr=1e-3,
        end_lr=100.0,
        num_iter=100,
        diverge_threshold=5,
        progress=False,
    )
    # SGD on least squares diverges above lr ~ 1 here, far below end_lr.
    assert result.diverged
    assert 10 < len(result.lrs) < 100
    assert result.lrs[-1] < 100.0
    losses = result.losses
    assert losses[-1] > 5 * min(losses)  # the last step recorded is the one that crossed
    assert all(loss <= 5 * min(losses[: i + 1]) for i, loss in enumerate(losses[:-1]))


def test_a_higher_threshold_goes_further():
    x, y = regression()
    lengths = []
    for threshold in (2, 50):
        torch.manual_seed(0)
        model = torch.nn.Linear(3, 1)
        result = find_lr(
            model,
            torch.optim.SGD(model.parameters(), lr=0.1),
            torch.nn.functional.mse_loss,
            batches(x, y),
            start_lr=1e-3,
            end_lr=100.0,
            diverge_threshold=threshold,
            progress=False,
        )
        lengths.append(len(result.lrs))
    assert lengths[0] < lengths[1] < 100


def test_a_non_finite_loss_stops_the_sweep_unrecorded():
    x, y = blobs()
    calls = []

    def loss_fn(outputs, targets):
        calls.append(1)
        loss = torch.nn.functional.cross_entropy(outputs, targets)
        return loss * float("nan") if len(calls) == 7 else loss

    model = mlp()
    optimizer = two_group_sgd(model)
    steps = []
    optimizer.register_step_post_hook(lambda *args: steps.append(1))
    result = find_lr(
        model, optimizer, loss_fn, batches(x, y), num_iter=20, diverge_threshold=math.inf, progress=False
    )
    assert result.diverged
    assert len(result.lrs) == len(result.losses) == len(result.raw_losses) == 6
    assert len(steps) == 6  # no update on the NaN loss
    assert all(math.isfinite(loss) for loss in result.losses)


# -- restoring ---------------------------------------------------------------------------------------


def test_model_and_optimizer_are_restored_exactly():
    x, y = blobs()
    data = batches(x, y)
    model = mlp()
    optimizer = two_group_sgd(model)
    train_a_little(model, optimizer, data)
    model.eval()  # a mode find_lr must change for the sweep and put back
    before = snapshot(model, optimizer)
    assert "initial_lr" not in before["groups"][0]

    changed = []

    def loss_fn(outputs, targets):
        # Guards against a vacuous pass: the sweep really trains and really writes lrs.
        changed.append(
            (
                not torch.equal(model[0].weight, before["model"]["0.weight"]),
                optimizer.param_groups[0]["lr"],
                model.training,
            )
        )
        return torch.nn.functional.cross_entropy(outputs, targets)

    result = find_lr(model, optimizer, loss_fn, data, start_lr=1e-4, end_lr=1.0, num_iter=25, progress=False)
    assert len(result.lrs) >= 10
    assert any(weights_moved for weights_moved, _, _ in changed)
    assert [lr for _, lr, _ in changed] == pytest.approx(list(result.lrs), rel=1e-12)
    assert all(training for _, _, training in changed)

    assert_restored(before, model, optimizer)
    assert "initial_lr" not in optimizer.param_groups[0]
    assert not model.training


def test_adam_with_a_tensor_lr_keeps_the_very_tensor():
    x, y = blobs()
    data = batches(x, y)
    model = mlp()
    lr = torch.tensor(0.01)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    train_a_little(model, optimizer, data)  # Adam's step counts and moments exist now
    before = snapshot(model, optimizer)
    find_lr(
        model, optimizer, torch.nn.functional.cross_entropy, data, start_lr=1e-5, end_lr=1.0, progress=False
    )
    assert_restored(before, model, optimizer)
    assert optimizer.param_groups[0]["lr"] is lr
    assert lr.item() == pytest.approx(0.01)


def test_existing_initial_lr_is_restored_with_its_value():
    x, y = blobs()
    model = mlp()
    optimizer = two_group_sgd(model)
    for group in optimizer.param_groups:
        group["initial_lr"] = group["lr"] * 3
    before = snapshot(model, optimizer)
    find_lr(model, optimizer, torch.nn.functional.cross_entropy, batches(x, y), num_iter=20, progress=False)
    assert_restored(before, model, optimizer)


def test_state_is_restored_when_the_sweep_raises():
    x, y = blobs()
    data = batches(x, y)
    model = mlp()
    optimizer = two_group_sgd(model)
    train_a_little(model, optimizer, data)
    before = snapshot(model, optimizer)
    calls = []

    def loss_fn(outputs, targets):
        calls.append(1)
        if len(calls) == 8:
            raise RuntimeError("out of memory, say")
        return torch.nn.functional.cross_entropy(outputs, targets)

    with pytest.raises(RuntimeError, match="out of memory"):
        find_lr(model, optimizer, loss_fn, data, num_iter=20, progress=False)
    assert_restored(before, model, optimizer)


# -- the suggestion ----------------------------------------------------------------------------------


def steepest_index(lrs, losses):
    """The documented rule, written out: central differences in log lr, both ends skipped."""
    n = len(lrs)
    skip = max(1, n // 10)
    log_lr = [math.log(lr) for lr in lrs]
    best, best_slope = None, math.inf
    for i in range(skip, n - skip):
        slope = (losses[i + 1] - losses[i - 1]) / (log_lr[i + 1] - log_lr[i - 1])
        if slope < best_slope:
            best, best_slope = i, slope
    return best


def test_suggestion_is_the_steepest_descent_of_a_real_sweep():
    x, y = regression()
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 1)
    result = find_lr(
        model,
        torch.optim.SGD(model.parameters(), lr=0.1),
        torch.nn.functional.mse_loss,
        batches(x, y),
        start_lr=1e-4,
        end_lr=10.0,
        num_iter=80,
        progress=False,
    )
    index = steepest_index(result.lrs, result.losses)
    assert result.suggestion_index == index
    assert result.suggestion == result.lrs[index]
    assert 1e-4 < result.suggestion < 10.0
    # The smoothed loss falls there: the steepest point is a descent, before the minimum.
    assert result.losses[index + 1] < result.losses[index - 1]
    assert index < int(np.argmin(result.losses))


def test_suggestion_skips_the_noisy_ends():
    lrs = tuple(np.geomspace(1e-5, 1.0, 40))
    losses = list(np.linspace(3.0, 1.0, 40))  # a steady descent: slope -2 / log(1e5) everywhere
    # skip = 40 // 10 = 4: slopes at indices 4..35 count. A dip at index k makes the central
    # difference at k - 1 steeply negative (and the one at k + 1 positive).
    losses[3] = 0.5  # the steepest slope of all, at index 2: ignored
    losses[37] = -5.0  # another at index 36: ignored
    losses[20] = 1.4  # the steepest slope that counts, at index 19
    result = LRFinderResult(lrs, tuple(losses), tuple(losses), "exp", False)
    assert result.suggestion_index == steepest_index(lrs, losses) == 19
    assert result.suggestion == lrs[19]


def test_too_short_a_sweep_has_no_suggestion():
    assert LRFinderResult((1e-3, 1e-2), (2.0, 1.0), (2.0, 1.0), "exp", True).suggestion is None
    three = LRFinderResult((1e-3, 1e-2, 1e-1), (2.0, 1.0, 5.0), (2.0, 1.0, 5.0), "exp", True)
    assert three.suggestion == 1e-2


# -- the plot ----------------------------------------------------------------------------------------


def test_plot_writes_a_png_with_labels_and_the_suggestion(tmp_path):
    pytest.importorskip("matplotlib")
    from matplotlib.image import imread

    result, _, _ = sweep(num_iter=60, start_lr=1e-4, end_lr=10.0)
    path = tmp_path / "find_lr.png"
    fig = result.plot(path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500
    assert image[..., :3].std() > 0.05

    (ax,) = fig.axes
    assert ax.get_xscale() == "log"
    assert "learning rate" in ax.get_xlabel() and "loss" in ax.get_ylabel()
    markers = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(markers) == 1
    assert list(markers[0].get_xdata()) == [result.suggestion]
    assert list(markers[0].get_ydata()) == [result.losses[result.suggestion_index]]
    assert any(f"{result.suggestion:.3g}" in text.get_text() for text in ax.get_legend().get_texts())


def test_plot_linear_axis(tmp_path):
    pytest.importorskip("matplotlib")
    result, _, _ = sweep("linear", num_iter=20)
    fig = result.plot(tmp_path / "linear.png", log=False)
    assert fig.axes[0].get_xscale() == "linear"
    assert (tmp_path / "linear.png").read_bytes().startswith(PNG_SIGNATURE)


# -- progress and arguments --------------------------------------------------------------------------


def test_progress_bar_goes_to_stderr_and_can_be_turned_off(capsys):
    pytest.importorskip("tqdm")
    x, y = blobs()
    for progress in (True, False):
        model = mlp()
        find_lr(
            model,
            two_group_sgd(model),
            torch.nn.functional.cross_entropy,
            batches(x, y),
            num_iter=12,
            progress=progress,
        )
        err = capsys.readouterr().err
        assert ("find_lr" in err) is progress


def call(**overrides):
    x, y = blobs(n=32)
    model = mlp()
    kwargs = dict(
        model=model,
        optimizer=two_group_sgd(model),
        loss_fn=torch.nn.functional.cross_entropy,
        loader=batches(x, y),
        num_iter=5,
        progress=False,
    )
    kwargs.update(overrides)
    return find_lr(**kwargs)


@pytest.mark.parametrize(
    "overrides, name",
    [
        (dict(start_lr=0.0), "start_lr"),
        (dict(start_lr=-1e-3), "start_lr"),
        (dict(start_lr=math.nan), "start_lr"),
        (dict(start_lr=1e-3, end_lr=1e-3), "end_lr"),
        (dict(start_lr=1e-3, end_lr=1e-4), "end_lr"),
        (dict(end_lr=math.inf), "end_lr"),
        (dict(num_iter=1), "num_iter"),
        (dict(num_iter=0), "num_iter"),
        (dict(mode="cosine"), "mode"),
        (dict(smooth=0.0), "smooth"),
        (dict(smooth=1.5), "smooth"),
        (dict(diverge_threshold=1.0), "diverge_threshold"),
        (dict(diverge_threshold=-5), "diverge_threshold"),
        (dict(loader=[]), "loader"),
    ],
)
def test_bad_arguments_raise_value_error_naming_them(overrides, name):
    with pytest.raises(ValueError, match=name):
        call(**overrides)


@pytest.mark.parametrize(
    "overrides, name",
    [
        (dict(num_iter=2.5), "num_iter"),
        (dict(start_lr="1e-3"), "start_lr"),
        (dict(progress=1), "progress"),
        (dict(model=lambda x: x), "model"),
        (dict(optimizer=object()), "optimizer"),
        (dict(loss_fn=None), "loss_fn"),
        (dict(loader=None), "loader"),
        (dict(loader=[torch.zeros(3)]), "loader"),
    ],
)
def test_arguments_of_the_wrong_kind_raise_type_error_naming_them(overrides, name):
    with pytest.raises(TypeError, match=name):
        call(**overrides)


def test_a_zero_lr_group_zero_is_refused():
    x, y = blobs(n=32)
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.0)
    with pytest.raises(ValueError, match="optimizer"):
        find_lr(model, optimizer, torch.nn.functional.cross_entropy, batches(x, y), progress=False)


def test_a_bad_argument_changes_nothing():
    x, y = blobs(n=32)
    model = mlp()
    optimizer = two_group_sgd(model)
    before = snapshot(model, optimizer)
    with pytest.raises(ValueError, match="num_iter"):
        find_lr(model, optimizer, torch.nn.functional.cross_entropy, batches(x, y), num_iter=1)
    assert_restored(before, model, optimizer)


def test_repr_is_short():
    result = LRFinderResult((1e-3, 1e-2, 1e-1), (2.0, 1.0, 5.0), (2.0, 1.0, 5.0), "exp", True)
    assert repr(result) == (
        "LRFinderResult(mode='exp', steps=3, diverged=True, lrs=0.001..0.1, suggestion=0.01)"
    )


# -- batches of every kind --------------------------------------------------------------------------


class Classifier(torch.nn.Module):
    """The blobs MLP behind keyword and extra positional inputs, as real models take them."""

    def __init__(self):
        super().__init__()
        self.net = mlp()

    def forward(self, features, scale=None):
        return self.net(features if scale is None else features * scale)


def same_sweeps(a, b):
    assert a.lrs == b.lrs and a.raw_losses == b.raw_losses and a.losses == b.losses


def test_a_step_fn_equals_the_loss_fn_it_computes_and_positional_calls_still_work():
    x, y = blobs()
    loss_fn = torch.nn.functional.cross_entropy
    results = []
    for call in (
        lambda m, o: find_lr(m, o, loss_fn, batches(x, y), 1e-4, 0.1, 20, progress=False),
        lambda m, o: find_lr(
            m,
            o,
            loss_fn=loss_fn,
            loader=batches(x, y),
            start_lr=1e-4,
            end_lr=0.1,
            num_iter=20,
            progress=False,
        ),
        lambda m, o: find_lr(
            m,
            o,
            loader=batches(x, y),
            step_fn=lambda net, b: loss_fn(net(b[0]), b[1]),
            start_lr=1e-4,
            end_lr=0.1,
            num_iter=20,
            progress=False,
        ),
    ):
        model = mlp()
        results.append(call(model, two_group_sgd(model)))
    same_sweeps(results[0], results[1])
    same_sweeps(results[0], results[2])
    assert len(results[0].lrs) == 20


def test_tuples_of_any_length_are_inputs_then_targets():
    x, y = blobs()
    scale = torch.full((len(x), 1), 0.5)
    loss_fn = torch.nn.functional.cross_entropy
    triples = [(x[i : i + 16], scale[i : i + 16], y[i : i + 16]) for i in range(0, len(x), 16)]
    model = Classifier()
    got = find_lr(model, two_group_sgd(model.net), loss_fn, triples, num_iter=15, progress=False)
    model = Classifier()
    expected = find_lr(
        model,
        two_group_sgd(model.net),
        loader=triples,
        step_fn=lambda m, b: loss_fn(m(b[0], b[1]), b[2]),
        num_iter=15,
        progress=False,
    )
    same_sweeps(got, expected)


def test_mapping_batches_with_a_loss_fn_take_their_targets_from_labels():
    x, y = blobs()
    loss_fn = torch.nn.functional.cross_entropy
    dicts = [{"features": features, "labels": labels} for features, labels in batches(x, y)]
    model = Classifier()
    got = find_lr(model, two_group_sgd(model.net), loss_fn, dicts, num_iter=15, progress=False)
    model = Classifier()
    expected = find_lr(model, two_group_sgd(model.net), loss_fn, batches(x, y), num_iter=15, progress=False)
    same_sweeps(got, expected)
    singular = [{"features": b["features"], "label": b["labels"]} for b in dicts]
    model = Classifier()
    same_sweeps(
        find_lr(model, two_group_sgd(model.net), loss_fn, singular, num_iter=15, progress=False), expected
    )


def tiny_bert():
    """A transformers classifier built from a config: random weights, nothing downloaded."""
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        vocab_size=50,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        max_position_embeddings=16,
        num_labels=3,
        hidden_dropout_prob=0.0,  # the losses then depend on the weights alone
        attention_probs_dropout_prob=0.0,
    )
    torch.manual_seed(0)
    return transformers.BertForSequenceClassification(config)


def token_batches(n=4, size=8, length=10):
    g = torch.Generator().manual_seed(1)
    out = []
    for _ in range(n):
        ids = torch.randint(1, 50, (size, length), generator=g)
        # The label is read off the first token, so there is something to learn.
        out.append({"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": ids[:, 0] % 3})
    return out


def test_a_transformers_model_computes_its_own_loss_from_dict_batches():
    model = tiny_bert()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    loader = token_batches()
    model.train()
    with torch.no_grad():
        first = model(**loader[0]).loss.item()
    before = snapshot(model, optimizer)
    result = find_lr(model, optimizer, loader=loader, start_lr=1e-5, end_lr=1.0, num_iter=24, progress=False)
    assert result.raw_losses[0] == pytest.approx(first, rel=1e-6)
    assert len(result.lrs) >= 3 and result.suggestion is not None
    assert_restored(before, model, optimizer)
    # The same sweep written as a step function of the user's own.
    model = tiny_bert()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    again = find_lr(
        model,
        optimizer,
        loader=loader,
        step_fn=lambda m, batch: m(**batch).loss,
        start_lr=1e-5,
        end_lr=1.0,
        num_iter=24,
        progress=False,
    )
    same_sweeps(result, again)


def test_a_step_fn_for_a_model_with_two_heads():
    x, y = blobs()

    class TwoHeads(torch.nn.Module):
        def __init__(self):
            super().__init__()
            torch.manual_seed(0)
            self.body = torch.nn.Linear(4, 16)
            self.classes = torch.nn.Linear(16, 3)
            self.norm = torch.nn.Linear(16, 1)

        def forward(self, features):
            h = torch.relu(self.body(features))
            return self.classes(h), self.norm(h)

    def step_fn(model, batch):
        features, labels = batch
        logits, norm = model(features)
        return (
            torch.nn.functional.cross_entropy(logits, labels)
            + (norm.squeeze(1) - features.norm(dim=1)).pow(2).mean()
        )

    model = TwoHeads()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    with torch.no_grad():
        first = step_fn(model, batches(x, y)[0]).item()
    result = find_lr(model, optimizer, loader=batches(x, y), step_fn=step_fn, num_iter=20, progress=False)
    assert result.raw_losses[0] == pytest.approx(first, rel=1e-6)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(step_fn=lambda m, b: m(b[0]).sum()), "not both"),
        (dict(loss_fn=None, step_fn=3), "step_fn must be callable"),
        (dict(loss_fn=None), "no loss_fn was given"),
        (dict(loader=[(torch.zeros(2, 4),)]), "step_fn"),
        (dict(loader=[{"features": torch.zeros(2, 4)}]), "without 'labels'"),
        (dict(loader=[torch.zeros(2, 4)]), "step_fn"),
        (dict(loss_fn=None, step_fn=lambda m, b: 1.0), "tensor"),
        (dict(loss_fn=None, step_fn=lambda m, b: m(b[0])), "scalar"),
    ],
)
def test_a_batch_that_gives_no_loss_says_what_to_give(kwargs, message):
    x, y = blobs(n=32)
    model = Classifier()
    optimizer = two_group_sgd(model.net)
    before = snapshot(model, optimizer)
    arguments = dict(
        loss_fn=torch.nn.functional.cross_entropy, loader=batches(x, y), num_iter=5, progress=False
    )
    with pytest.raises(TypeError, match=message):
        find_lr(model, optimizer, **{**arguments, **kwargs})
    assert_restored(before, model, optimizer)


def test_a_model_output_without_a_loss_is_refused_naming_the_ways_out():
    model = tiny_bert()
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    unlabelled = [{k: v for k, v in b.items() if k != "labels"} for b in token_batches()]
    with pytest.raises(
        TypeError, match=r"model\(\*\*batch\) returned a SequenceClassifierOutput without a loss"
    ):
        find_lr(model, optimizer, loader=unlabelled, num_iter=5, progress=False)


def test_the_loader_is_required():
    model = mlp()
    with pytest.raises(TypeError, match="loader is required"):
        find_lr(model, two_group_sgd(model), torch.nn.functional.cross_entropy)


# -- applying the suggestion ------------------------------------------------------------------------


def swept(num_iter=40):
    x, y = blobs()
    model = mlp()
    optimizer = two_group_sgd(model)
    result = find_lr(
        model, optimizer, torch.nn.functional.cross_entropy, batches(x, y), 1e-4, 10, num_iter, progress=False
    )
    assert result.suggestion is not None
    return result, optimizer


def applied(make):
    """A sweep's suggestion applied to ``make(optimizer)``, and the same built at it from the start."""
    result, optimizer = swept()
    scheduler = make(optimizer)
    lr = result.apply(scheduler)
    reference_optimizer = two_group_sgd(mlp(), lr=lr)
    return lr, optimizer, scheduler, reference_optimizer, make(reference_optimizer)


def test_apply_to_an_lrkit_scheduler_runs_as_one_built_at_the_suggestion():
    import warnings

    import lrkit
    from lrkit.torch import DriverConflictWarning, Scheduler

    x, y = blobs()
    model = mlp()
    optimizer = two_group_sgd(model)
    schedule = lrkit.warmup(lrkit.cosine(t_initial=10), warmup_t=2, warmup_lr_init=1e-3)
    scheduler = Scheduler(optimizer, lr=schedule)
    result = find_lr(
        model, optimizer, torch.nn.functional.cross_entropy, batches(x, y), 1e-4, 10, 40, progress=False
    )
    lr = result.suggestion
    with warnings.catch_warnings():
        warnings.simplefilter("error", DriverConflictWarning)  # the sweep's own driver is gone
        assert result.apply(scheduler) == lr
        assert scheduler.base_lrs == pytest.approx([lr, lr / 10], rel=1e-15)
        assert scheduler.base_lrs[0] == lr  # to the bit
        reference = Scheduler(two_group_sgd(mlp(), lr=lr), lr=schedule)
        for epoch in range(12):
            if epoch:
                scheduler.step(epoch)
                reference.step(epoch)
            assert [g["lr"] for g in optimizer.param_groups] == pytest.approx(
                reference.get_last_lr(), rel=1e-14
            )


def test_apply_to_an_optimizer_and_to_the_plateau_drivers():
    from lrkit.torch import Plateau

    result, optimizer = swept()
    lr = result.apply(optimizer)
    assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([lr, lr / 10], rel=1e-15)
    assert optimizer.param_groups[0]["lr"] == lr
    for make in (
        lambda opt: Plateau(opt, factor=0.5, patience=0),
        lambda opt: torch.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0),
    ):
        optimizer = two_group_sgd(mlp())
        plateau = make(optimizer)
        result.apply(plateau)
        assert [g["lr"] for g in optimizer.param_groups] == pytest.approx([lr, lr / 10], rel=1e-15)
        for _ in range(3):
            plateau.step(1.0)
        # The metric never improved: halved at each step after the first.
        assert optimizer.param_groups[0]["lr"] < lr
        assert optimizer.param_groups[0]["lr"] / optimizer.param_groups[1]["lr"] == pytest.approx(
            10, rel=1e-12
        )


def test_apply_a_lr_of_ones_own_choosing():
    result, optimizer = swept()
    assert result.apply(optimizer, lr=result.suggestion / 10) == result.suggestion / 10
    assert optimizer.param_groups[0]["lr"] == pytest.approx(result.suggestion / 10, rel=1e-15)
    with pytest.raises(ValueError, match="lr"):
        result.apply(optimizer, lr=0.0)


def test_apply_refuses_schedules_whose_lrs_are_their_own():
    import lrkit
    from lrkit.torch import Scheduler

    result, optimizer = swept()
    one_cycle = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=[0.1, 0.01], total_steps=10)
    with pytest.raises(TypeError, match="max_lr="):
        result.apply(one_cycle)
    optimizer = two_group_sgd(mlp())
    scheduler = Scheduler(optimizer, lr=lrkit.rebase(lrkit.cosine(t_initial=10), base=0.1))
    before = [g["lr"] for g in optimizer.param_groups]
    with pytest.raises(TypeError, match="lrs of its own"):
        result.apply(scheduler)
    assert [g["lr"] for g in optimizer.param_groups] == before
    with pytest.raises(TypeError, match="scheduler or an optimizer"):
        result.apply(object())


def test_apply_without_a_suggestion_asks_for_an_lr():
    result = LRFinderResult((1e-3, 1e-2), (2.0, 1.0), (2.0, 1.0), "exp", True)
    model = mlp()
    with pytest.raises(ValueError, match="give lr="):
        result.apply(two_group_sgd(model))


@pytest.mark.parametrize(
    "make, stepped",
    [
        (
            lambda opt: __import__("lrkit.timm").timm.CosineLRScheduler(
                opt, t_initial=10, warmup_t=3, warmup_lr_init=1e-4, lr_min=1e-5
            ),
            "epoch",
        ),
        (
            lambda opt: __import__("lrkit.timm").timm.StepLRScheduler(opt, decay_t=2, decay_rate=0.5),
            "epoch",
        ),
        (
            lambda opt: __import__("lrkit.timm").timm.CosineLRScheduler(
                opt, t_initial=40, warmup_t=6, warmup_lr_init=1e-4, t_in_epochs=False
            ),
            "update",
        ),
        (
            lambda opt: __import__("lrkit.timm").timm.PlateauLRScheduler(
                opt, decay_rate=0.5, patience_t=0, warmup_t=2, warmup_lr_init=1e-4, mode="min"
            ),
            "epoch",
        ),
        (
            lambda opt: __import__("lrkit.timm").timm.PlateauLRScheduler(
                opt, decay_rate=0.5, patience_t=0, mode="min"
            ),
            "epoch",
        ),
    ],
    ids=["cosine-warmup", "step", "cosine-per-update", "plateau-warmup", "plateau"],
)
def test_apply_to_a_timm_twin_runs_as_one_built_at_the_suggestion(make, stepped):
    """timm derives its warmup's slope from the bases: a twin applied to ramps to the new ones."""
    lr, optimizer, scheduler, reference_optimizer, reference = applied(make)
    for t in range(8):
        if t:
            for driver in (scheduler, reference):
                driver.step(t, 1.0) if stepped == "epoch" else driver.step_update(t)
        lrs = [g["lr"] for g in optimizer.param_groups]
        assert lrs == pytest.approx([g["lr"] for g in reference_optimizer.param_groups], rel=1e-12), t
    assert scheduler.base_values == pytest.approx(reference.base_values, rel=1e-15)
    assert scheduler.base_values[0] == lr


def test_apply_mid_run_keeps_the_time_and_the_plateau_s_levels():
    from lrkit.torch import Plateau

    result, optimizer = swept()
    plateau = Plateau(optimizer, factor=0.5, patience=0)
    for _ in range(3):
        plateau.step(1.0)  # never better: two halvings after the first step
    level = optimizer.param_groups[0]["lr"] / plateau.base_lrs[0]
    lr = result.apply(plateau)
    assert optimizer.param_groups[0]["lr"] == pytest.approx(lr * level, rel=1e-12)
    assert plateau.base_lrs[0] == pytest.approx(lr, rel=1e-15)


def test_apply_to_a_capturable_scheduler_fills_its_lr_tensors():
    import lrkit
    from lrkit.torch import Scheduler

    result, _ = swept()
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=torch.tensor(0.1), momentum=0.9)
    tensor = optimizer.param_groups[0]["lr"]
    scheduler = Scheduler(optimizer, lr=lrkit.cosine(t_initial=10), capturable=True)
    lr = result.apply(scheduler)
    assert optimizer.param_groups[0]["lr"] is tensor
    assert float(tensor) == pytest.approx(lr, rel=1e-6)
    scheduler.step()
    assert float(tensor) == pytest.approx(lr * lrkit.cosine(t_initial=10)(1, 1.0), rel=1e-6)


@pytest.mark.parametrize(
    "make",
    [
        lambda opt: torch.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5),
        lambda opt: torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=5),
        lambda opt: torch.optim.lr_scheduler.LambdaLR(opt, lambda e: 1 / (e + 1)),
        lambda opt: __import__("lrkit").create("torch:CosineAnnealingLR", opt, T_max=6),
        lambda opt: __import__("lrkit").create("torch:StepLR", opt, step_size=2),
        # YOLOv5's: the bias group warms up from an lr of its own, the others from 0.
        lambda opt: __import__("lrkit.yolo").yolo.scheduler(
            opt, epochs=6, batches_per_epoch=5, bias_group=1, min_warmup_iters=10
        ),
    ],
    ids=["StepLR", "CosineAnnealingLR", "LambdaLR", "create-CosineAnnealingLR", "create-StepLR", "yolov5"],
)
def test_apply_to_a_scheduler_runs_as_one_built_at_the_suggestion(make):
    """torch's schedulers and lrkit's other drivers, stepped as torch steps them."""
    _, optimizer, scheduler, reference_optimizer, reference = applied(make)
    for _ in range(12):
        assert [g["lr"] for g in optimizer.param_groups] == pytest.approx(
            [g["lr"] for g in reference_optimizer.param_groups], rel=1e-12
        )
        assert scheduler.get_last_lr() == pytest.approx(reference.get_last_lr(), rel=1e-12)
        optimizer.step()
        reference_optimizer.step()
        scheduler.step()
        reference.step()
