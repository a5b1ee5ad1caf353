"""lrkit.torch.Scheduler inside trainers that step schedulers themselves: Lightning, transformers.

Neither trainer is told anything about lrkit: Lightning gets the driver through
``configure_optimizers`` and steps it with its default ``lr_scheduler_step`` (a bare
``scheduler.step()``), transformers' Trainer gets it through ``optimizers=(optimizer, scheduler)``
and calls ``lr_scheduler.step()`` after every optimizer step. The tests check the exact relation
between the trainers' step counts and the schedule time, with what the trainers themselves log.

How Lightning 2.6 steps and logs (training_epoch_loop.py, callbacks/lr_monitor.py):

* ``interval="step"``: ``scheduler.step()`` right after each optimizer step (inside the batch's
  ``advance``). ``LearningRateMonitor(logging_interval="step")`` logs in ``on_train_batch_start``,
  before that batch's optimizer step, at ``step=_batches_that_stepped``, the number of optimizer
  steps taken so far. So the value logged at step ``k`` is the lr of the ``k``-th update (from 0),
  and a driver with ``unit="update"`` has been stepped ``k`` times by then: ``schedule(k)``.
* ``interval="epoch"``: ``scheduler.step()`` once per epoch, at the epoch's last batch.
  ``LearningRateMonitor(logging_interval="epoch")`` logs in ``on_train_epoch_start`` at
  ``step=epoch * batches_per_epoch``: the lr of epoch ``e`` is ``schedule(e)``.
"""

from __future__ import annotations

import math

import pytest

torch = pytest.importorskip("torch")

from torch.optim.lr_scheduler import LRScheduler  # noqa: E402

import lrkit  # noqa: E402
from lrkit.torch import Scheduler  # noqa: E402

RTOL = 1e-12
BATCHES_PER_EPOCH = 4
EPOCHS = 3
STEPS = BATCHES_PER_EPOCH * EPOCHS
BASES = {"weight": 0.1, "bias": 0.05}

# Update-unit schedules change at every one of the 12 steps; the epoch one at every epoch.
LR_UPDATES = lrkit.warmup(lrkit.cosine(t_initial=STEPS, lr_min=1e-4), warmup_t=3, warmup_lr_init=1e-3)
MOMENTUM_UPDATES = lrkit.linear(t_initial=STEPS, start_factor=1.0, end_factor=0.85 / 0.95)
LR_EPOCHS = lrkit.warmup(lrkit.cosine(t_initial=EPOCHS + 1, lr_min=1e-4), warmup_t=1, warmup_lr_init=1e-3)


def close(a: float, b: float) -> bool:
    return a == b or abs(a - b) <= RTOL * max(abs(a), abs(b))


def assert_close_lists(got, expected, where=""):
    # Not bit for bit: with several groups on one schedule the driver may evaluate an affine
    # schedule once as a(t) * base + b(t), which can differ from schedule(t, base) in the last bits.
    assert len(got) == len(expected), f"{where}: {len(got)} values, expected {len(expected)}"
    for i, (a, b) in enumerate(zip(got, expected, strict=True)):
        assert close(a, b), f"{where}[{i}]: {a!r} != {b!r}"


def sgd(model):
    """SGD with two named groups (weight, bias) of different lrs."""
    return torch.optim.SGD(
        [
            {"params": [model.weight], "lr": BASES["weight"], "name": "weight"},
            {"params": [model.bias], "lr": BASES["bias"], "name": "bias"},
        ],
        lr=0.1,
        momentum=0.95,
    )


def data(n=BATCHES_PER_EPOCH * 8):
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(n, 4, generator=generator)
    y = x @ torch.tensor([[1.0], [-2.0], [0.5], [3.0]]) + 0.1 * torch.randn(n, 1, generator=generator)
    return x, y


# -- the driver as an LRScheduler ----------------------------------------------------------------


def wrapped_by_torch(opt) -> bool:
    """torch's LRScheduler.__init__ replaces ``opt.step`` by an instance attribute, a wrapper
    marked ``_wrapped_by_lr_sched`` that sets ``opt._opt_called`` (to warn when the scheduler
    steps before the optimizer)."""
    return "step" in vars(opt) or hasattr(opt.step, "_wrapped_by_lr_sched") or hasattr(opt, "_opt_called")


def test_driver_is_an_lr_scheduler_that_neither_steps_nor_wraps():
    # The check itself, on torch's own scheduler: it does wrap, and it steps at construction.
    reference_opt = sgd(torch.nn.Linear(4, 1))
    reference = torch.optim.lr_scheduler.LambdaLR(reference_opt, lambda epoch: 1.0)
    assert wrapped_by_torch(reference_opt) and reference.last_epoch == 0 and reference._step_count == 1

    opt = sgd(torch.nn.Linear(4, 1))
    step_function = type(opt).step
    driver = Scheduler(opt, lr=LR_UPDATES, unit="update")
    assert isinstance(driver, LRScheduler)
    assert driver.t == 0 and driver.last_epoch == 0
    assert not wrapped_by_torch(opt) and type(opt).step is step_function
    # torch's counter of step() calls counts as torch's does (Accelerate reads and bumps it).
    assert driver._step_count == reference._step_count == 1
    # Construction wrote the values at t = 0, it did not advance to t = 1.
    assert_close_lists([g["lr"] for g in opt.param_groups], [LR_UPDATES(0, b) for b in BASES.values()])
    driver.step()
    reference.step()
    assert driver.t == 1 and driver._step_count == reference._step_count == 2
    assert_close_lists([g["lr"] for g in opt.param_groups], [LR_UPDATES(1, b) for b in BASES.values()])


# -- Lightning ------------------------------------------------------------------------------------

lightning = pytest.importorskip("lightning")
from lightning.pytorch.callbacks import LearningRateMonitor  # noqa: E402
from lightning.pytorch.loggers import Logger  # noqa: E402


class MemoryLogger(Logger):
    """Keeps every (step, metrics) Lightning hands to a logger, values untouched."""

    def __init__(self):
        super().__init__()
        self.records: list[tuple[int, dict[str, float]]] = []

    @property
    def name(self):
        return "memory"

    @property
    def version(self):
        return 0

    def log_metrics(self, metrics, step=None):
        self.records.append((step, dict(metrics)))

    def log_hyperparams(self, params, *args, **kwargs):
        pass

    def logged(self, key):
        return [(step, metrics[key]) for step, metrics in self.records if key in metrics]


class Regression(lightning.LightningModule):
    """Linear regression; the driver comes from ``make_driver(optimizer)``.

    Only hooks that observe are overridden: ``lr_scheduler_step`` is Lightning's own.
    """

    def __init__(self, make_driver, interval):
        super().__init__()
        self.layer = torch.nn.Linear(4, 1)
        self.make_driver = make_driver
        self.interval = interval
        self.used: list[list[float]] = []  # the lrs each optimizer step ran with
        self.used_momentum: list[list[float]] = []

    def training_step(self, batch, batch_idx):
        x, y = batch
        return torch.nn.functional.mse_loss(self.layer(x), y)

    def on_before_optimizer_step(self, optimizer):
        self.used.append([g["lr"] for g in optimizer.param_groups])
        self.used_momentum.append([g["momentum"] for g in optimizer.param_groups])

    def train_dataloader(self):
        x, y = data()
        return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=8)

    def configure_optimizers(self):
        opt = sgd(self.layer)
        self.driver = self.make_driver(opt)
        return {"optimizer": opt, "lr_scheduler": {"scheduler": self.driver, "interval": self.interval}}


def fit(make_driver, interval):
    model = Regression(make_driver, interval)
    logger = MemoryLogger()
    trainer = lightning.Trainer(
        max_epochs=EPOCHS,
        accelerator="cpu",
        devices=1,
        logger=logger,
        callbacks=[LearningRateMonitor(logging_interval=interval, log_momentum=True)],
        log_every_n_steps=1,  # the monitor logs a step only when the logger connector would
        enable_checkpointing=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        num_sanity_val_steps=0,
    )
    trainer.fit(model)
    assert trainer.global_step == STEPS
    return model, logger


@pytest.mark.filterwarnings("ignore:The '?train_dataloader'? does not have many workers")
def test_lightning_interval_step_counts_updates():
    model, logger = fit(
        lambda opt: Scheduler(opt, lr=LR_UPDATES, momentum=MOMENTUM_UPDATES, unit="update"), "step"
    )
    # Lightning stepped the driver once per optimizer step, and only then.
    assert model.driver.t == STEPS and model.driver.last_epoch == STEPS
    expected = [[LR_UPDATES(k, b) for b in BASES.values()] for k in range(STEPS)]
    for k in range(STEPS):
        assert_close_lists(model.used[k], expected[k], f"lr of update {k}")
        assert_close_lists(model.used_momentum[k], [MOMENTUM_UPDATES(k, 0.95)] * 2, f"momentum {k}")
    for name, base in BASES.items():
        logged = logger.logged(f"lr-SGD/{name}")
        # One record per batch, at step k = optimizer steps so far, holding schedule(k).
        assert [step for step, _ in logged] == list(range(STEPS))
        assert_close_lists([lr for _, lr in logged], [LR_UPDATES(k, base) for k in range(STEPS)], name)
        momentum = logger.logged(f"lr-SGD/{name}-momentum")
        assert_close_lists([m for _, m in momentum], [MOMENTUM_UPDATES(k, 0.95) for k in range(STEPS)])
    # The logged lrs are the ones the updates used, not shifted by one either way.
    assert [lr for _, lr in logger.logged("lr-SGD/weight")] == [used[0] for used in model.used]


@pytest.mark.filterwarnings("ignore:The '?train_dataloader'? does not have many workers")
def test_lightning_interval_step_with_an_epoch_schedule_and_updates_per_epoch():
    # unit="epoch" with updates_per_epoch: each bare step() is one update, 1/4 of an epoch, so
    # an epoch-long schedule moves smoothly within epochs.
    model, logger = fit(
        lambda opt: Scheduler(opt, lr=LR_EPOCHS, unit="epoch", updates_per_epoch=BATCHES_PER_EPOCH), "step"
    )
    assert model.driver.t == EPOCHS and model.driver.last_epoch == STEPS
    times = [k / BATCHES_PER_EPOCH for k in range(STEPS)]
    for name, base in BASES.items():
        logged = logger.logged(f"lr-SGD/{name}")
        assert [step for step, _ in logged] == list(range(STEPS))
        assert_close_lists([lr for _, lr in logged], [LR_EPOCHS(t, base) for t in times], name)
    assert_close_lists([used[1] for used in model.used], [LR_EPOCHS(t, BASES["bias"]) for t in times])


@pytest.mark.filterwarnings("ignore:The '?train_dataloader'? does not have many workers")
def test_lightning_interval_epoch_counts_epochs():
    model, logger = fit(lambda opt: Scheduler(opt, lr=LR_EPOCHS), "epoch")
    # One step per epoch, at the end of each: the driver ends at epoch EPOCHS.
    assert model.driver.t == EPOCHS and model.driver.last_epoch == EPOCHS
    for name, base in BASES.items():
        logged = logger.logged(f"lr-SGD/{name}")
        # Logged at each epoch's start, at step = epoch * batches per epoch, holding schedule(epoch).
        assert [step for step, _ in logged] == [e * BATCHES_PER_EPOCH for e in range(EPOCHS)]
        assert_close_lists([lr for _, lr in logged], [LR_EPOCHS(e, base) for e in range(EPOCHS)], name)
    # Every update of epoch e ran with schedule(e).
    expected = [LR_EPOCHS(k // BATCHES_PER_EPOCH, BASES["weight"]) for k in range(STEPS)]
    assert_close_lists([used[0] for used in model.used], expected)
    assert len({lr for _, lr in logger.logged("lr-SGD/weight")}) == EPOCHS  # it did change


# -- transformers' Trainer ------------------------------------------------------------------------

transformers = pytest.importorskip("transformers")


class LossModel(torch.nn.Module):
    """The least a Trainer needs: a module whose forward returns {"loss": ...}."""

    def __init__(self):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.zeros(1, 4))
        self.bias = torch.nn.Parameter(torch.zeros(1))

    def forward(self, x, y):
        return {"loss": torch.nn.functional.mse_loss(x @ self.weight.T + self.bias, y)}


class RecordLR(transformers.TrainerCallback):
    """The lrs in the optimizer when each step begins: the ones that step's update uses."""

    def __init__(self, opt):
        self.opt = opt
        self.seen: list[tuple[int, list[float]]] = []

    def on_step_begin(self, args, state, control, **kwargs):
        self.seen.append((state.global_step, [g["lr"] for g in self.opt.param_groups]))


def training_arguments(output_dir):
    """TrainingArguments, or a skip carrying transformers' own reason when it cannot train here."""
    try:
        return transformers.TrainingArguments(
            output_dir=str(output_dir),
            max_steps=STEPS,
            per_device_train_batch_size=8,
            learning_rate=0.1,  # unused: the optimizer is ours; only the lrkit schedule counts
            logging_steps=1,
            save_strategy="no",
            report_to=[],
            use_cpu=True,
            disable_tqdm=True,
            remove_unused_columns=False,
            dataloader_num_workers=0,
            seed=0,
        )
    except ImportError as error:
        # transformers 5.23 builds its device setup in TrainingArguments.__post_init__ and needs
        # accelerate>=1.1.0 for it; this environment has no accelerate.
        pytest.skip(f"transformers.TrainingArguments cannot be built here: {error}")


def test_transformers_trainer_steps_the_driver_once_per_update(tmp_path):
    args = training_arguments(tmp_path)
    model = LossModel()
    opt = sgd(model)
    driver = Scheduler(opt, lr=LR_UPDATES, unit="update")
    x, y = data()
    dataset = [{"x": x[i], "y": y[i]} for i in range(len(x))]
    record = RecordLR(opt)
    trainer = transformers.Trainer(
        model=model, args=args, train_dataset=dataset, optimizers=(opt, driver), callbacks=[record]
    )
    trainer.train()

    assert trainer.lr_scheduler is driver  # used as given, not replaced by one of transformers'
    assert trainer.state.global_step == STEPS
    assert driver.t == STEPS  # one scheduler.step() after every optimizer step
    # Step k (from 0) began with the lrs of schedule(k).
    assert [step for step, _ in record.seen] == list(range(STEPS))
    for k, lrs in record.seen:
        assert_close_lists(lrs, [LR_UPDATES(k, b) for b in BASES.values()], f"step {k}")
    # Trainer logs get_last_lr()[0] read after the optimizer step and before scheduler.step():
    # the lr the update at global step s (from 1) used, schedule(s - 1).
    logged = [
        (entry["step"], entry["learning_rate"])
        for entry in trainer.state.log_history
        if "learning_rate" in entry
    ]
    assert [s for s, _ in logged] == list(range(1, STEPS + 1))
    assert_close_lists([lr for _, lr in logged], [LR_UPDATES(s - 1, BASES["weight"]) for s, _ in logged])
    assert all(math.isfinite(lr) for _, lr in logged)
