"""The training process that ``test_resume.py`` starts, kills and resumes.

``python resume_child.py KIND RUN_DIR [--resume] [--hold-at STEP [--in-save MOMENT]]`` trains a
tiny model for ``KINDS[KIND].steps`` steps under one lrkit driver. After every step it appends the lr and
momentum of every param group that step used (as ``float.hex``, so the parent compares bits,
not rounded decimals) to ``RUN_DIR/log.jsonl``, flushed at once so the parent can follow it,
and every ``KINDS[KIND].every`` steps it saves
``{"model", "optimizer", "scheduler", "step"}`` to ``RUN_DIR/ckpt.pt`` atomically (written to
``ckpt.pt.tmp``, flushed, ``fsync``ed, ``os.replace``d, the directory synced: a kill leaves the
previous checkpoint or the new one, never a torn file). A finished run appends a last
``{"final": ...}`` line with the model's weights.

Everything a step uses is a function of the step number alone (the batch comes from a
generator seeded with it, the plateau metric is computed from it), so a run resumed at step
``s`` sees exactly what the uninterrupted run saw there.

``--resume`` reads a checkpoint's path from stdin, loads it into a freshly built model, optimizer
and scheduler and finishes the run. ``--hold-at STEP`` blocks on stdin right after logging that
step, so the parent's SIGKILL lands at that very step, mid-run, however fast or slow this machine
is; with ``--in-save MOMENT`` it blocks instead inside the save that ends that step, at that
moment of it (``mid-write``: half the checkpoint in the temporary file; ``before-replace``: all of
it there, synced; ``after-replace``: renamed into place), having created ``RUN_DIR/holding`` for
the parent to see. ``run(..., forget_time=True)`` is the control: a resume that loses the schedule's time (the
scheduler state is not loaded, and a loop that passes the time explicitly restarts it at 0),
which must diverge.

Nothing here runs on import: ``pytest --doctest-modules`` imports every module under tests/,
and ``test_resume.py`` imports it to build the same drivers and run the control in-process.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

import lrkit
import lrkit.timm
import lrkit.torch

Clock = Callable[[int], int]


@dataclass(frozen=True)
class Kind:
    """One driver under test: how it is built and where the training loop calls it.

    ``before(sched, i, clock)`` runs at the start of step ``i`` (before the values are read),
    ``after(sched, i, clock)`` after ``optimizer.step()``; ``clock(i)`` is the time the loop
    hands the scheduler (``i``, or ``i - start`` under ``forget_time``). ``levels`` reads
    extra state worth comparing (a plateau's lr before noise).
    """

    steps: int
    every: int
    build: Callable[[], tuple[torch.nn.Module, torch.optim.Optimizer, Any]]
    before: Callable[[Any, int, Clock], None] = lambda sched, i, clock: None
    after: Callable[[Any, int, Clock], None] = lambda sched, i, clock: None
    levels: Callable[[Any], list[float]] | None = None


def _linear(inputs: int = 4) -> torch.nn.Module:
    # Seeded so that the fresh model a resume builds is the same every time (its weights are
    # then replaced by the checkpoint's anyway).
    torch.manual_seed(0)
    return torch.nn.Linear(inputs, 1)


# -- 1. lrkit.torch.Scheduler, one composed schedule with noise, bare step() per update ---------


def composed_schedule(noise_seed: int = 7) -> lrkit.Schedule:
    return lrkit.warmup(
        lrkit.noise(
            lrkit.cycles(lrkit.cosine(t_initial=20, lr_min=1e-3), cycle_decay=0.7, cycle_limit=3),
            range_t=(10, 70),
            pct=0.3,
            seed=noise_seed,
        ),
        warmup_t=8,
        warmup_lr_init=1e-3,
    )


def composed_optimizer() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = _linear()
    return model, torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)


def build_composed() -> tuple[torch.nn.Module, torch.optim.Optimizer, Any]:
    model, opt = composed_optimizer()
    # A bare step() counts ticks: the time lives only in the scheduler's state, the hardest
    # case for a resume.
    return model, opt, lrkit.torch.Scheduler(opt, unit="update", lr=composed_schedule())


# -- 2. per-group lr and momentum lists, unit="epoch", a bare step() per update ----------------

PER_GROUP_UPE = 7


def per_group_lrs(noise_seed: int = 3) -> list[lrkit.Schedule]:
    return [
        lrkit.warmup(lrkit.cosine(t_initial=12, lr_min=1e-3), warmup_t=2, warmup_lr_init=1e-3),
        lrkit.one_cycle(total_t=12),
        lrkit.noise(lrkit.step(decay_t=3, decay_rate=0.5), range_t=(1, 10), pct=0.25, seed=noise_seed),
    ]


def per_group_momenta() -> list[lrkit.Schedule]:
    return [
        lrkit.linear(t_initial=12, start_factor=1.0, end_factor=0.9),
        lrkit.cyclic(max_lr=0.99, step_size_up=1.5),
        lrkit.piecewise_linear([(0, 1.0), (4, 0.9), (12, 1.0)]),
    ]


def per_group_optimizer() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(4, 6), torch.nn.Tanh(), torch.nn.Linear(6, 1))
    first, last = model[0], model[2]
    opt = torch.optim.SGD(
        [
            {"params": [first.weight]},
            # lr_scale multiplies the scheduled lr (timm's layer decay): it must survive too.
            {"params": [first.bias, last.weight], "lr": 0.05, "momentum": 0.85, "lr_scale": 0.5},
            {"params": [last.bias], "lr": 0.2, "momentum": 0.95},
        ],
        lr=0.1,
        momentum=0.9,
    )
    return model, opt


def build_per_group() -> tuple[torch.nn.Module, torch.optim.Optimizer, Any]:
    model, opt = per_group_optimizer()
    sched = lrkit.torch.Scheduler(
        opt, unit="epoch", updates_per_epoch=PER_GROUP_UPE, lr=per_group_lrs(), momentum=per_group_momenta()
    )
    return model, opt, sched


# -- 3. the YOLOv5 recipe: step_update(ni) at the start of every iteration ----------------------

YOLO_NB = 8


def build_yolo() -> tuple[torch.nn.Module, torch.optim.Optimizer, Any]:
    import lrkit.yolo  # imported here: the other kinds must not depend on it

    torch.manual_seed(0)
    # A norm weight, weights and biases: all three of YOLOv5's groups hold something.
    model = torch.nn.Sequential(
        torch.nn.Linear(4, 8), torch.nn.BatchNorm1d(8), torch.nn.ReLU(), torch.nn.Linear(8, 1)
    )
    opt = lrkit.yolo.optimizer(model, lr=0.01, momentum=0.937)
    # nw = max(2 * 8, 20) = 20 iterations of warmup, then the lagged per-epoch cosine.
    sched = lrkit.yolo.scheduler(
        opt, epochs=10, batches_per_epoch=YOLO_NB, warmup_epochs=2, min_warmup_iters=20
    )
    return model, opt, sched


# -- 4. lrkit.torch.Plateau with warmup and noise, step(metric) per epoch (= per step here) -----


def plateau_metric(epoch: int) -> float:
    # Improves every 12 epochs and is flat in between, so (patience 2, cooldown 1) the lr
    # decays three times per flat stretch, all through the run.
    return 1.0 / (1 + epoch // 12)


def plateau_optimizer(groups: int = 2) -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = _linear()
    params: list[dict[str, Any]] = [{"params": [model.weight]}, {"params": [model.bias], "lr": 0.05}]
    if groups == 3:
        params[1]["params"] = []
        params.append({"params": [model.bias], "lr": 0.02})
    return model, torch.optim.SGD(params, lr=0.1, momentum=0.9)


def make_plateau(opt: torch.optim.Optimizer, factor: float = 0.7) -> lrkit.torch.Plateau:
    return lrkit.torch.Plateau(
        opt,
        mode="min",
        factor=factor,
        patience=2,
        cooldown=1,
        min_lr=1e-4,
        warmup_t=5,
        warmup_lr_init=1e-3,
        noise_range_t=(8, 70),
        noise_pct=0.2,
        noise_seed=5,
    )


def build_plateau() -> tuple[torch.nn.Module, torch.optim.Optimizer, Any]:
    model, opt = plateau_optimizer()
    return model, opt, make_plateau(opt)


# -- 5. the timm twin: timm's loop (step_update(num_updates), then step(epoch + 1)) -------------

TIMM_UPE = 6
TIMM_EPOCHS_UPE = 4
TIMM_PLATEAU_UPE = 2


def _timm_optimizer() -> tuple[torch.nn.Module, torch.optim.Optimizer]:
    model = _linear()
    opt = torch.optim.SGD(
        [{"params": [model.weight]}, {"params": [model.bias], "lr_scale": 0.3}], lr=0.05, momentum=0.9
    )
    return model, opt


def build_timm_cosine() -> tuple[torch.nn.Module, torch.optim.Optimizer, Any]:
    model, opt = _timm_optimizer()
    # Per update: cycles of 20, 30 and 45 updates (cycle_mul 1.5) after a 6-update warmup.
    sched = lrkit.timm.CosineLRScheduler(
        opt,
        t_initial=20,
        lr_min=1e-4,
        cycle_mul=1.5,
        cycle_decay=0.6,
        cycle_limit=3,
        warmup_t=6,
        warmup_lr_init=1e-4,
        t_in_epochs=False,
        noise_range_t=(10, 80),
        noise_pct=0.3,
        noise_seed=13,
    )
    return model, opt, sched


def build_timm_cosine_epochs() -> tuple[torch.nn.Module, torch.optim.Optimizer, Any]:
    model, opt = _timm_optimizer()
    # timm's default: the lr changes per epoch, so a mid-epoch kill resumes inside an epoch.
    sched = lrkit.timm.CosineLRScheduler(
        opt,
        t_initial=6,
        lr_min=1e-4,
        cycle_decay=0.5,
        cycle_limit=3,
        warmup_t=2,
        warmup_lr_init=1e-4,
        noise_range_t=(3, 20),
        noise_pct=0.3,
        noise_seed=17,
    )
    return model, opt, sched


def timm_plateau_metric(epoch: int) -> float:
    # An accuracy (mode="max") that improves every 6 epochs and is flat in between.
    return 1.0 - 1.0 / (2 + epoch // 6)


def build_timm_plateau() -> tuple[torch.nn.Module, torch.optim.Optimizer, Any]:
    model, opt = _timm_optimizer()
    sched = lrkit.timm.PlateauLRScheduler(
        opt,
        decay_rate=0.6,
        patience_t=1,
        cooldown_t=1,
        warmup_t=3,
        warmup_lr_init=1e-3,
        lr_min=1e-4,
        mode="max",
        noise_range_t=(5, 40),
        noise_pct=0.2,
        noise_seed=11,
    )
    return model, opt, sched


def _timm_loop(upe: int, metric: Callable[[int], float] | None = None) -> Callable[[Any, int, Clock], None]:
    """timm's train.py: step_update after every update, step(epoch + 1[, metric]) per epoch."""

    def after(sched: Any, i: int, clock: Clock) -> None:
        sched.step_update(num_updates=clock(i) + 1)
        if (i + 1) % upe == 0:
            epoch = clock(i) // upe
            if metric is None:
                sched.step(epoch + 1)
            else:
                # The metric is the true epoch's (it is data); only the time may be forgotten.
                sched.step(epoch + 1, metric(i // upe))

    return after


KINDS: dict[str, Kind] = {
    "composed": Kind(steps=90, every=8, build=build_composed, after=lambda s, i, c: s.step()),
    "per_group": Kind(
        steps=12 * PER_GROUP_UPE,
        every=10,  # not a multiple of the 7 updates per epoch: checkpoints fall mid-epoch
        build=build_per_group,
        # With updates_per_epoch, a bare step() is one update: t = ticks / 7, fractional epochs.
        after=lambda s, i, c: s.step(),
    ),
    "yolo": Kind(
        steps=10 * YOLO_NB,
        every=6,
        build=build_yolo,
        # ni = i + nb * epoch, which for a global step counter is the counter itself.
        before=lambda s, i, c: s.step_update(c(i)),
    ),
    "plateau": Kind(
        steps=80,
        every=7,
        build=build_plateau,
        after=lambda s, i, c: s.step(plateau_metric(i)),
        levels=lambda s: s.levels,
    ),
    "timm_cosine": Kind(steps=16 * TIMM_UPE, every=9, build=build_timm_cosine, after=_timm_loop(TIMM_UPE)),
    "timm_cosine_epochs": Kind(
        steps=25 * TIMM_EPOCHS_UPE,
        every=9,
        build=build_timm_cosine_epochs,
        after=_timm_loop(TIMM_EPOCHS_UPE),
    ),
    "timm_plateau": Kind(
        steps=50 * TIMM_PLATEAU_UPE,
        every=7,
        build=build_timm_plateau,
        after=_timm_loop(TIMM_PLATEAU_UPE, timm_plateau_metric),
        levels=lambda s: s.lr_scheduler.levels,
    ),
}


def batch(step: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The batch of ``step``: a pure function of the step number."""
    generator = torch.Generator().manual_seed(1000 + step)
    x = torch.randn(8, 4, generator=generator)
    return x, torch.sin(x.sum(dim=1, keepdim=True))


def _hex(values: Any) -> list[str]:
    return [float(value).hex() for value in values]


SAVE_MOMENTS = ("mid-write", "before-replace", "after-replace")


def _hold(run_dir: Path) -> None:
    """Wait for the parent's SIGKILL; EOF means the parent is gone: exit unfinished."""
    (run_dir / "holding").touch()
    sys.stdin.read()
    sys.exit(3)


def _atomic_save(obj: Any, path: Path, hold: str | None = None) -> None:
    """Replace ``path`` by ``obj`` atomically; ``hold`` stops at that moment of the save (see above)."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    data = buffer.getvalue()
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "wb") as file:
        # In two halves so that a kill can land in the middle of the file.
        file.write(data[: len(data) // 2])
        file.flush()
        if hold == "mid-write":
            _hold(path.parent)
        file.write(data[len(data) // 2 :])
        file.flush()
        os.fsync(file.fileno())
    if hold == "before-replace":
        _hold(path.parent)
    os.replace(tmp, path)
    if hold == "after-replace":
        _hold(path.parent)
    fd = os.open(path.parent, os.O_RDONLY)  # POSIX only, as the SIGKILL test is
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def run(
    kind_name: str,
    run_dir: Path,
    resume_from: Path | None = None,
    forget_time: bool = False,
    hold_at: int | None = None,
    in_save: str | None = None,
) -> None:
    """Train ``kind_name`` in ``run_dir``, from scratch or from the checkpoint ``resume_from``."""
    kind = KINDS[kind_name]
    if in_save is not None and (hold_at is None or (hold_at + 1) % kind.every):
        raise ValueError(f"--in-save needs a --hold-at step that ends in a save, every {kind.every}")
    model, opt, sched = kind.build()
    start = 0
    if resume_from is not None:
        checkpoint = torch.load(resume_from, weights_only=True)
        model.load_state_dict(checkpoint["model"])
        opt.load_state_dict(checkpoint["optimizer"])
        if not forget_time:
            sched.load_state_dict(checkpoint["scheduler"])
        start = checkpoint["step"]

    def clock(i: int) -> int:
        return i - start if forget_time else i

    with open(run_dir / "log.jsonl", "a", encoding="utf-8") as log:
        for i in range(start, kind.steps):
            kind.before(sched, i, clock)
            lrs = _hex(group["lr"] for group in opt.param_groups)
            momenta = _hex(group["momentum"] for group in opt.param_groups)
            x, y = batch(i)
            loss = torch.nn.functional.mse_loss(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            kind.after(sched, i, clock)
            record = {"step": i, "lr": lrs, "momentum": momenta, "loss": loss.item().hex()}
            if kind.levels is not None:
                record["levels"] = _hex(kind.levels(sched))
            log.write(json.dumps(record) + "\n")
            log.flush()
            if i == hold_at and in_save is None:
                _hold(run_dir)
            if (i + 1) % kind.every == 0:
                state = {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "step": i + 1,
                }
                _atomic_save(state, run_dir / "ckpt.pt", hold=in_save if i == hold_at else None)
        weights = torch.cat(
            [p.detach().flatten() for p in model.state_dict().values() if p.is_floating_point()]
        )
        log.write(json.dumps({"final": _hex(weights.tolist())}) + "\n")
        log.flush()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(KINDS))
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--resume", action="store_true", help="read the checkpoint's path from stdin")
    parser.add_argument("--hold-at", type=int)
    parser.add_argument("--in-save", choices=SAVE_MOMENTS, help="hold inside the save ending --hold-at")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)  # bitwise-reproducible CPU math, and no oversubscription
    resume_from = None
    if args.resume:
        # The parent starts a resume while the run it resumes is still going, so that the
        # imports overlap with it; the first optimizer imports torch._dynamo (about a second),
        # so that is paid now too. Nothing is built before the checkpoint's path arrives.
        importlib.import_module("torch._dynamo")

        line = sys.stdin.readline()
        if not line:
            sys.exit(3)  # the parent is gone
        resume_from = Path(line.strip())
    run(args.kind, args.run_dir, resume_from, hold_at=args.hold_at, in_save=args.in_save)


if __name__ == "__main__":
    main()
