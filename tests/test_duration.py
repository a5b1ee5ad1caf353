"""lrkit.duration: updates per epoch, the run's updates, time strings, and time strings in configs.

The core tests need no torch; the counts are checked against torch's ``DistributedSampler`` and
``DataLoader`` and against the optimizer steps Lightning really takes, where installed.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lrkit
from lrkit import duration

# -- counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (dict(loader_length=1), 1),
        (dict(loader_length=10, grad_accum=3), 4),
        (dict(loader_length=12, grad_accum=3), 4),
        (dict(loader_length=2, grad_accum=8), 1),
        (dict(dataset_size=10, batch_size=3), 4),
        (dict(dataset_size=10, batch_size=3, drop_last=True), 3),
        (dict(dataset_size=10, batch_size=3, world_size=4), 1),  # 3 samples a rank, padded
        (dict(dataset_size=1_281_167, batch_size=256, world_size=8, grad_accum=2), 313),
    ],
)
def test_updates_per_epoch(kwargs, expected):
    assert duration.updates_per_epoch(**kwargs) == expected


@given(
    n=st.integers(1, 10_000), accum=st.integers(1, 64), epochs=st.integers(1, 50), world=st.integers(1, 16)
)
def test_run_updates_is_epochs_times_the_epoch(n, accum, epochs, world):
    per_epoch = duration.updates_per_epoch(loader_length=n, grad_accum=accum)
    assert per_epoch == math.ceil(n / accum) >= 1
    assert duration.run_updates(epochs=epochs, loader_length=n, grad_accum=accum) == epochs * per_epoch


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(), r"^loader_length is needed, or dataset_size and batch_size"),
        (dict(loader_length=0), r"^loader_length must be >= 1"),
        (dict(loader_length=5, batch_size=2), r"^loader_length is len\(loader\) already"),
        (dict(loader_length=5, grad_accum=0), r"^grad_accum must be >= 1"),
        (dict(loader_length=5, world_size=1.5), r"^world_size"),
        (dict(dataset_size=3, batch_size=4, drop_last=True), r"^batch_size 4 is more than the 3 samples"),
    ],
)
def test_count_errors_name_the_argument(kwargs, match):
    with pytest.raises((TypeError, ValueError), match=match):
        duration.updates_per_epoch(**kwargs)


def test_counts_take_numpy_integers():
    np = pytest.importorskip("numpy")
    assert duration.updates_per_epoch(loader_length=np.int64(10), grad_accum=np.int32(3)) == 4


def test_the_loader_torch_builds_has_that_length():
    torch = pytest.importorskip("torch")
    from torch.utils.data import DataLoader, DistributedSampler

    for size, batch, world, drop_last in [
        (10, 3, 4, False),
        (1000, 7, 3, True),
        (64, 8, 8, False),
        (5, 2, 1, True),
    ]:
        data = list(range(size))
        sampler = DistributedSampler(data, num_replicas=world, rank=world - 1, shuffle=False)
        loader = DataLoader(data, batch_size=batch, sampler=sampler, drop_last=drop_last)
        expected = duration.updates_per_epoch(
            dataset_size=size, batch_size=batch, world_size=world, drop_last=drop_last
        )
        assert len(loader) == expected
    del torch


def test_lightning_takes_that_many_optimizer_steps():
    torch = pytest.importorskip("torch")
    lightning = pytest.importorskip("lightning.pytorch")

    class Model(lightning.LightningModule):
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(1, 1)

        def training_step(self, batch, _):
            return self.layer(batch).sum()

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=0.01)

    loader = torch.utils.data.DataLoader(torch.ones(10, 1), batch_size=1)
    trainer = lightning.Trainer(
        max_epochs=2,
        accumulate_grad_batches=3,
        logger=False,
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        accelerator="cpu",
        devices=1,
    )
    trainer.fit(Model(), loader)
    assert trainer.global_step == duration.run_updates(epochs=2, loader_length=len(loader), grad_accum=3) == 8


# -- time strings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("10ep", (10, "epoch")),
        ("500ba", (500, "update")),
        ("0.05dur", (0.05, "duration")),
        (" 2.5 ep ", (2.5, "epoch")),
        ("1e3ba", (1000, "update")),
        ("10.0ep", (10.0, "epoch")),
        (".5dur", (0.5, "duration")),
    ],
)
def test_parse(text, expected):
    amount, unit = duration.parse(text)
    assert (amount, unit) == expected and type(amount) is type(expected[0])


@pytest.mark.parametrize("text", ["10", "ep", "-1ep", "10 epochs", "1dur2", "nanep", "10sp", ""])
def test_not_a_time_string(text):
    assert not duration.is_time_string(text)
    with pytest.raises(ValueError, match="is no time string"):
        duration.parse(text)


def test_a_long_bad_string_is_cut_in_the_message():
    with pytest.raises(ValueError) as info:
        duration.parse("x" * 10_000)
    assert len(str(info.value)) < 300


@given(amount=st.integers(0, 10**6), per_epoch=st.integers(1, 10**4))
def test_epochs_and_updates_convert_both_ways(amount, per_epoch):
    updates = duration.resolve(f"{amount}ep", unit="update", epoch_length=per_epoch)
    assert updates == amount * per_epoch
    assert duration.resolve(f"{updates}ba", unit="epoch", epoch_length=per_epoch) == amount


def test_resolve_needs_what_it_converts_with():
    with pytest.raises(
        ValueError, match=r"^'2ep' counts epochs and the schedule counts updates: give epoch_length"
    ):
        duration.resolve("2ep", unit="update")
    with pytest.raises(ValueError, match=r"^'0.1dur' is a fraction of the run"):
        duration.resolve("0.1dur", unit="update", epoch_length=3)
    assert duration.resolve("0.1dur", unit="update", run=50) == 5
    assert duration.resolve("3ba", unit="update") == 3
    assert duration.resolve(7.5, unit="epoch") == 7.5


# -- in configs -----------------------------------------------------------------------------------


def test_a_recipe_block_with_time_strings():
    block = {"sched": "torch:OneCycleLR", "max_lr": 0.1, "total_steps": "1dur", "duration": "3ep"}
    assert lrkit.load(block, epoch_length=100) == lrkit.load(
        {"sched": "torch:OneCycleLR", "max_lr": 0.1, "total_steps": 300}
    )
    # An epoch recipe reads batches as fractions of an epoch.
    timm = lrkit.load(
        {"sched": "timm:cosine", "t_initial": "1dur", "warmup_t": "250ba", "duration": "90ep"},
        epoch_length=500,
    )
    assert timm == lrkit.load({"sched": "timm:cosine", "t_initial": 90, "warmup_t": 0.5})


def test_a_tree_with_time_strings():
    tree = {
        "type": "warmup",
        "schedule": {"type": "cosine", "t_initial": "0.9dur", "lr_min": 1e-5},
        "warmup_t": "0.1dur",
        "duration": "20ep",
    }
    assert lrkit.load(tree) == lrkit.warmup(lrkit.cosine(t_initial=18, lr_min=1e-5), warmup_t=2)


def test_time_string_errors_say_where():
    with pytest.raises(
        ValueError, match=r"^the config: read as a schedule tree: warmup_t: '0.1dur' is a fraction"
    ):
        lrkit.load({"type": "warmup", "schedule": {"type": "cosine", "t_initial": 10}, "warmup_t": "0.1dur"})
    with pytest.raises(ValueError, match=r"duration: '1dur' is a fraction of itself"):
        lrkit.load({"sched": "torch:StepLR", "step_size": 3, "duration": "1dur"})
    with pytest.raises(ValueError, match=r"step_size: '2ep' counts epochs and the schedule counts updates"):
        lrkit.load({"sched": "torch:StepLR", "step_size": "2ep"})
    with pytest.raises(
        ValueError, match=r"'cosine' names recipes that count epochs and recipes that count updates"
    ):
        lrkit.load({"sched": "cosine", "t_initial": "2ep"}, epoch_length=4)
