"""Two gloo ranks on CPU training a DistributedDataParallel model: every rank writes the same lr.

The Scheduler's values are a pure function of time, so the ranks agree by construction; the
Plateau's depend on metrics, and each rank is fed its own local metric, made to disagree on
purpose: rank 0's keeps improving, rank 1's keeps getting worse. With the metric averaged across
ranks (the default) they must still write identical lrs at every step; with ``distributed=False``
(the control) they must not.
"""

import gc
import json
import os
import socket
import sys
import time
from datetime import timedelta

import pytest

torch = pytest.importorskip("torch")

import torch.distributed as dist  # noqa: E402
import torch.multiprocessing as mp  # noqa: E402

import lrkit  # noqa: E402
from lrkit.torch import Plateau, Scheduler  # noqa: E402

if not dist.is_available():
    pytest.skip("torch.distributed is not available in this torch build", allow_module_level=True)
if not dist.is_gloo_available():
    pytest.skip("torch.distributed has no gloo backend in this torch build", allow_module_level=True)

WORLD = 2
EPOCHS = 30
UPDATES = 4  # per epoch
BASE_LR = 0.05
DEADLINE_S = 120  # for the whole run, spawn included: a hung collective fails instead of hanging

# Driven per update, evaluated at fractional epochs; noisy for the first 30 epochs.
SCHEDULE = lrkit.noise(
    lrkit.warmup(lrkit.cosine(t_initial=EPOCHS, lr_min=1e-4), warmup_t=3, warmup_lr_init=1e-3),
    range_t=(0, EPOCHS),
    pct=0.2,
)
PLATEAU_KWARGS = {
    "mode": "min",
    "factor": 0.5,
    "patience": 2,
    "cooldown": 1,
    "warmup_t": 2,
    "warmup_lr_init": 1e-3,
    "noise_range_t": (0, EPOCHS),
    "noise_pct": 0.2,
    "noise_seed": 5,
}
# Added per epoch to each rank's validation loss (which stays well below 1): rank 0's metric
# improves every epoch and would never decay alone, rank 1's worsens and decays alone, and
# their mean worsens, so the averaged plateau decays on both ranks.
TREND = (-1.0, 2.0)


def _free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _train(rank, distributed):
    torch.manual_seed(0)  # the same initial model everywhere (DDP would broadcast rank 0's anyway)
    model = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    ddp = torch.nn.parallel.DistributedDataParallel(model)
    # One optimizer per layer: the first layer's lr follows the Scheduler, the last one's the Plateau.
    opt_sched = torch.optim.SGD(model[0].parameters(), lr=BASE_LR, momentum=0.9)
    opt_plateau = torch.optim.SGD(model[2].parameters(), lr=BASE_LR, momentum=0.9)
    scheduler = Scheduler(opt_sched, lr=SCHEDULE, updates_per_epoch=UPDATES)
    plateau = Plateau(opt_plateau, **PLATEAU_KWARGS, distributed=distributed)

    data = torch.Generator().manual_seed(1000 + rank)  # each rank its own data
    x = torch.randn(2 * UPDATES * 8, 4, generator=data)
    y = 0.3 * x.sum(dim=1, keepdim=True) + 0.1 * torch.randn(len(x), 1, generator=data)
    (x_train, x_val), (y_train, y_val) = x.chunk(2), y.chunk(2)
    loss_fn = torch.nn.MSELoss()

    sched_lrs, plateau_lrs, metrics, bests = [], [], [], []
    updates = 0
    for epoch in range(EPOCHS):
        for xb, yb in zip(x_train.chunk(UPDATES), y_train.chunk(UPDATES), strict=True):
            opt_sched.zero_grad()
            opt_plateau.zero_grad()
            loss_fn(ddp(xb), yb).backward()
            opt_sched.step()
            opt_plateau.step()
            updates += 1
            scheduler.step_update(updates)
            sched_lrs.append(opt_sched.param_groups[0]["lr"])
        with torch.no_grad():
            val_loss = loss_fn(model(x_val), y_val).item()
        metric = val_loss + TREND[rank] * (epoch + 1)
        plateau.step(metric)  # this rank's local metric; Plateau averages it when distributed
        metrics.append(metric)
        plateau_lrs.append(opt_plateau.param_groups[0]["lr"])
        bests.append(plateau.best)
    return {"sched": sched_lrs, "plateau": plateau_lrs, "metrics": metrics, "best": bests}


def _worker(rank, port, out_dir):
    os.environ["MASTER_ADDR"] = "127.0.0.1"
    os.environ["MASTER_PORT"] = str(port)
    if sys.platform.startswith("linux"):
        # gloo otherwise uses the interface its hostname resolves to, which a sandbox may not
        # route; loopback always works for ranks on one machine.
        os.environ.setdefault("GLOO_SOCKET_IFNAME", "lo")
    torch.set_num_threads(1)  # two ranks on few cores: no oversubscription
    dist.init_process_group("gloo", rank=rank, world_size=WORLD, timeout=timedelta(seconds=60))
    try:
        result = {"averaged": _train(rank, distributed=True), "local": _train(rank, distributed=False)}
        # DDP sits in reference cycles; left to interpreter shutdown, its reducer was seen to
        # abort the process ("terminate called without an active exception") in about one run
        # in ten. Free it now, while the process group and the interpreter are still alive.
        gc.collect()
        dist.barrier()  # neither rank tears down its connections while the other still uses them
    finally:
        dist.destroy_process_group()
    path = os.path.join(out_dir, f"rank{rank}.json")
    with open(path + ".tmp", "w") as f:
        json.dump(result, f)  # floats round-trip exactly through json
    os.replace(path + ".tmp", path)


@pytest.fixture(scope="module")
def ranks(tmp_path_factory):
    """Run the two ranks once for all the checks below; each rank's result, by rank."""
    out_dir = tmp_path_factory.mktemp("ranks")
    context = mp.start_processes(
        _worker, args=(_free_port(), str(out_dir)), nprocs=WORLD, join=False, start_method="spawn"
    )
    deadline = time.monotonic() + DEADLINE_S
    try:
        # join() re-raises a rank's exception with its traceback (and stops the other rank).
        while not context.join(timeout=1):
            if time.monotonic() > deadline:
                pytest.fail(f"the {WORLD} ranks did not finish within {DEADLINE_S} s")
    finally:
        for process in context.processes:  # only the processes started here
            if process.is_alive():
                process.kill()
            process.join(timeout=5)
    return [json.loads((out_dir / f"rank{rank}.json").read_text()) for rank in range(WORLD)]


def replay(metrics):
    """What a single-process Plateau fed ``metrics`` records: lrs and best metric per epoch, levels."""
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=BASE_LR)
    plateau = Plateau(opt, **PLATEAU_KWARGS, distributed=False)
    lrs, bests = [], []
    for metric in metrics:
        plateau.step(metric)
        lrs.append(opt.param_groups[0]["lr"])
        bests.append(plateau.best)
    return lrs, bests, plateau.levels


def test_scheduler_writes_the_same_noisy_lrs_on_every_rank(ranks):
    expected = [SCHEDULE(n / UPDATES, BASE_LR) for n in range(1, EPOCHS * UPDATES + 1)]
    for mode in ("averaged", "local"):
        assert ranks[0][mode]["sched"] == ranks[1][mode]["sched"], mode
        assert ranks[0][mode]["sched"] == expected, mode
    # The noise is in what was written (so the equality covers it): not the noise-free schedule.
    plain = lrkit.warmup(lrkit.cosine(t_initial=EPOCHS, lr_min=1e-4), warmup_t=3, warmup_lr_init=1e-3)
    assert ranks[0]["averaged"]["sched"] != [
        plain(n / UPDATES, BASE_LR) for n in range(1, EPOCHS * UPDATES + 1)
    ]


def test_plateau_averages_the_local_metrics_so_ranks_agree(ranks):
    rank0, rank1 = ranks[0]["averaged"], ranks[1]["averaged"]
    assert rank0["metrics"] != rank1["metrics"]  # the ranks did see different metrics
    assert rank0["plateau"] == rank1["plateau"]
    # ...and what they agree on is the decision on the mean (the all-reduced sum over 2). The
    # best metric shows it is the mean itself: with a relative threshold, deciding on the sum
    # or on a float32 rounding of it would write the same lrs.
    mean = [(a + b) / WORLD for a, b in zip(rank0["metrics"], rank1["metrics"], strict=True)]
    lrs, bests, levels = replay(mean)
    assert rank0["plateau"] == lrs
    assert rank0["best"] == rank1["best"] == bests
    assert levels[0] < BASE_LR / 2  # it decayed, so agreeing was not just never deciding


def test_control_without_averaging_the_ranks_decide_differently(ranks):
    rank0, rank1 = ranks[0]["local"], ranks[1]["local"]
    differing = [i for i, (a, b) in enumerate(zip(rank0["plateau"], rank1["plateau"], strict=True)) if a != b]
    assert differing, "with distributed=False the ranks should write different lrs"
    # Each rank decided on its own metric alone: rank 0 never decays, rank 1 does.
    lrs0, bests0, levels0 = replay(rank0["metrics"])
    lrs1, bests1, levels1 = replay(rank1["metrics"])
    assert (rank0["plateau"], rank1["plateau"]) == (lrs0, lrs1)
    assert (rank0["best"], rank1["best"]) == (bests0, bests1)
    assert levels0 == [BASE_LR] and levels1[0] < BASE_LR / 2
