"""Train a small CNN on scikit-learn's digits with timm's scheduler flags, driven by lrkit.

    python examples/train.py                         # cosine, 12 epochs, into out/train/
    python examples/train.py --sched step --decay-epochs 4 --decay-rate 0.5
    python examples/train.py --sched plateau --patience-epochs 1
    python examples/train.py --sched-on-updates      # the lr changes every update
    python examples/train.py --find-lr               # LR range test first, train at its suggestion
    python examples/train.py --resume out/train/checkpoint-6.pt   # continue exactly
    python examples/train.py --resume                # from the newest good checkpoint in out/train/

The data are the 1797 8x8 images bundled with scikit-learn (no download), split 80/20 with a
fixed seed. The scheduler is what timm's ``create_scheduler`` builds from the same flags
(``lrkit.config.from_args``), stepped the way timm's ``train.py`` steps it:
``step_update(num_updates)`` after every optimizer update and ``step(epoch + 1, metric)`` at
every epoch end, the metric being the test top-1 accuracy (a plateau schedule decays on it).

Into ``--output`` it writes ``checkpoint-<N>.pt`` after epoch N (model, optimizer, scheduler,
epoch, and the history so far), ``history.json`` (lr and loss of every update, accuracy of
every epoch), ``train.png`` (lr and loss per update) and, with ``--find-lr``, ``find_lr.png``.

Checkpoints and the history are saved atomically (:func:`save_atomically`): a run killed at any
moment, in the middle of a save included, leaves each file as it was before that save or as it
is after it, never empty or torn. ``--resume`` takes a checkpoint or a directory (``--output``
when no path is given); it skips a file it cannot read whole, saying which and why, and continues
from the newest good checkpoint.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from matplotlib.figure import Figure
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from tqdm import tqdm

import lrkit.config
from lrkit.torch import find_lr

# The LR range test's sweep: wide enough to start where nothing happens and end in divergence.
FIND_LR_START, FIND_LR_END, FIND_LR_STEPS = 1e-5, 10.0, 100

CHECKPOINT_NAME = re.compile(r"checkpoint-([0-9]+)\.pt")
# What save_atomically writes before the rename: a file of this name is a save that was cut short.
LEFTOVER_NAME = re.compile(r"\.(checkpoint-[0-9]+\.pt|history\.json)\.[0-9]+\.tmp")
CHECKPOINT_KEYS = ("model", "optimizer", "scheduler", "epoch", "history")
# "--resume" with no path: the newest good checkpoint in --output.
RESUME_FROM_OUTPUT = object()
# A test hook (tests/test_example.py): "checkpoint-2.pt:mid-write" stops the save of that file at
# that moment (mid-write, before-replace or after-replace) until stdin closes, so that the test's
# SIGKILL lands there however fast or slow the machine is.
HOLD_IN_SAVE = os.environ.get("LRKIT_EXAMPLE_HOLD_IN_SAVE", "")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """timm's scheduler flags (with defaults sized for this data set) and the training flags."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    lrkit.config.add_argparse_args(parser)
    # timm's defaults are for 300 ImageNet epochs; these fit a dataset that trains in seconds.
    parser.set_defaults(epochs=12, warmup_epochs=2, warmup_lr=1e-3, min_lr=1e-4, decay_epochs=4)
    group = parser.add_argument_group("Training parameters")
    group.add_argument("--lr", type=float, default=0.05, help="base learning rate (default: 0.05)")
    group.add_argument("--momentum", type=float, default=0.9, help="SGD momentum (default: 0.9)")
    group.add_argument("--weight-decay", type=float, default=5e-4, help="weight decay (default: 5e-4)")
    group.add_argument("--batch-size", type=int, default=64, help="batch size (default: 64)")
    group.add_argument("--seed", type=int, default=0, help="seed of the split, init and shuffles")
    group.add_argument("--output", type=Path, default=Path("out/train"), metavar="DIR", help="output dir")
    group.add_argument(
        "--resume",
        type=Path,
        nargs="?",
        const=RESUME_FROM_OUTPUT,
        default=None,
        metavar="PATH",
        help="continue from this checkpoint, or from the newest good one in this directory "
        "(default: in --output)",
    )
    group.add_argument(
        "--find-lr", action="store_true", help="run an LR range test first and train at its suggestion"
    )
    group.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = parser.parse_args(argv)
    if args.find_lr and args.resume:
        # The resumed optimizer already holds the lr of the run it continues.
        parser.error("--find-lr and --resume do not go together")
    if args.resume is RESUME_FROM_OUTPUT:
        args.resume = args.output
    return args


def _hold(path: Path, phase: str) -> None:
    """The test hook: wait at this moment of the save of ``path`` for a SIGKILL (or stdin's end)."""
    if HOLD_IN_SAVE == f"{path.name}:{phase}":
        print(f"holding in the save of {path.name} ({phase})", flush=True)
        sys.stdin.read()
        sys.exit(3)


def _fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable, where the platform can (POSIX; not Windows)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # Windows cannot open a directory
        return
    try:
        os.fsync(fd)
    except OSError:  # and some file systems refuse to sync one: the rename is still atomic
        pass
    finally:
        os.close(fd)


def save_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` by ``data``: a kill or a crash at any moment leaves the old file or the new one.

    The bytes go to a temporary file beside ``path`` (the same file system, so the rename cannot
    turn into a copy), are flushed and ``fsync``ed, and only then renamed over ``path`` with
    ``os.replace``, which is atomic; the directory is synced last so that the rename survives a
    power cut too. A save that fails removes its temporary file; one that is killed leaves it,
    named ``.<name>.<pid>.tmp``, for :func:`find_checkpoint` to remove.
    """
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as file:
            # In two halves so that the test hook can stop the save in the middle of the file.
            half = len(data) // 2
            file.write(data[:half])
            file.flush()
            _hold(path, "mid-write")
            file.write(data[half:])
            file.flush()
            os.fsync(file.fileno())
        _hold(path, "before-replace")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _hold(path, "after-replace")
    _fsync_directory(path.parent)


def _one_line(error: BaseException, limit: int = 200) -> str:
    """``error`` as one line of at most ``limit`` characters: an exception's text can be anything."""
    text = " ".join(f"{type(error).__name__}: {error}".split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def read_checkpoint(path: Path) -> dict[str, Any]:
    """The checkpoint in ``path``; ``ValueError`` saying why when it is not one this script wrote whole."""
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ValueError(f"cannot be read ({_one_line(error)})") from None
    if size == 0:
        raise ValueError("empty (0 bytes)")
    try:
        # weights_only: a checkpoint is data; one that would run code is refused like a torn one.
        checkpoint = torch.load(path, weights_only=True)
    # A torn file fails in many ways (EOFError, RuntimeError from the zip reader, UnpicklingError,
    # ...); which one does not matter here, only that the file is not a whole checkpoint.
    except Exception as error:
        raise ValueError(f"truncated or corrupt, {size} bytes ({_one_line(error)})") from None
    if not isinstance(checkpoint, dict) or not all(key in checkpoint for key in CHECKPOINT_KEYS):
        raise ValueError(f"not a checkpoint of this script (it has no {', '.join(CHECKPOINT_KEYS)})")
    epoch, history = checkpoint["epoch"], checkpoint["history"]
    if type(epoch) is not int or epoch < 1:
        raise ValueError("not a checkpoint of this script (its epoch is not a positive integer)")
    if not (
        isinstance(history, dict)
        and all(isinstance(history.get(key), list) for key in ("lr", "loss", "epochs"))
        and len(history["epochs"]) == epoch
    ):
        raise ValueError(f"not a checkpoint of this script (its history does not end at epoch {epoch})")
    return checkpoint


def _remove_leftovers(directory: Path) -> None:
    """Remove the temporary files of saves that were cut short, one line each."""
    for path in sorted(directory.iterdir()):
        if LEFTOVER_NAME.fullmatch(path.name):
            # Never resumed from, even when whole: it was not renamed into place, so it is not
            # known to be whole. The save it belongs to is done again after the resume.
            try:
                path.unlink()
                done = "removed"
            except OSError as error:
                done = f"not removed: {_one_line(error)}"
            print(f"skipping {path}: left over from a save that was cut short ({done})", file=sys.stderr)


def find_checkpoint(path: Path) -> tuple[Path, dict[str, Any]]:
    """The checkpoint to resume from, and its path: ``path`` itself, or the newest good one in it.

    ``path`` is a checkpoint or a directory of ``checkpoint-<N>.pt``. A file that cannot be read
    whole (empty, truncated, corrupt, not written by this script) is skipped with a one-line
    message naming it and why, and the next older ``checkpoint-<N>.pt`` in the same directory
    is tried; temporary files of saves that were cut short are removed, saying so. Exits with an
    error when no good checkpoint is found.
    """
    if path.is_dir():
        directory, named = path, None
    elif path.exists():
        directory, named = path.parent, path
    else:
        sys.exit(f"cannot resume: {path} does not exist")
    _remove_leftovers(directory)
    numbered = sorted(
        (int(match[1]), file)
        for file in directory.iterdir()
        if (match := CHECKPOINT_NAME.fullmatch(file.name)) and file.is_file()
    )
    if named is None:
        candidates = [file for _, file in reversed(numbered)]
    else:
        match = CHECKPOINT_NAME.fullmatch(named.name)
        older = [file for number, file in reversed(numbered) if match and number < int(match[1])]
        candidates = [named, *older]
    for candidate in candidates:
        try:
            return candidate, read_checkpoint(candidate)
        except ValueError as why:
            print(f"skipping {candidate}: {why}", file=sys.stderr)
    # An error, not a fresh start: whoever asked for --resume expects the run to continue, and a
    # fresh run would silently cost the whole run again and write over the files skipped above,
    # which may be worth a look. Without --resume the run starts afresh.
    found = f"{len(candidates)} skipped" if candidates else "none found"
    sys.exit(
        f"cannot resume: no good checkpoint in {directory} ({found}); run without --resume to start afresh"
    )


def resume_history(path: Path, history: dict[str, Any], source: Path) -> None:
    """Rewrite the ``history.json`` at ``path`` from the resumed checkpoint's ``history``.

    The file may be behind the checkpoint or ahead of it (when a newer checkpoint was skipped),
    or torn by an older, non-atomic save: a corrupt one is skipped with a message, and in every
    case it is written again to match the run as it continues.
    """
    if path.exists():
        try:
            if not isinstance(json.loads(path.read_bytes()), dict):
                raise ValueError("not a JSON object")
        except (OSError, ValueError, RecursionError) as error:
            print(
                f"skipping {path}: not a history ({_one_line(error)}); rewritten from {source}",
                file=sys.stderr,
            )
    save_atomically(path, json.dumps(history, indent=1).encode())


def load_data(seed: int) -> tuple[TensorDataset, TensorDataset]:
    """Digits as (N, 1, 8, 8) float images standardized with the training split's statistics."""
    digits = load_digits()
    x_train, x_test, y_train, y_test = train_test_split(
        digits.images, digits.target, test_size=0.2, random_state=seed, stratify=digits.target
    )
    mean, std = x_train.mean(), x_train.std()

    def tensors(x: np.ndarray, y: np.ndarray) -> TensorDataset:
        images = torch.tensor((x - mean) / std, dtype=torch.float32).unsqueeze(1)
        return TensorDataset(images, torch.tensor(y, dtype=torch.long))

    return tensors(x_train, y_train), tensors(x_test, y_test)


def make_model() -> nn.Module:
    """Two 3x3 conv layers with batch norm, one pooling, one linear layer: about 10k weights."""
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),  # 8x8 -> 4x4
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )


def make_optimizer(model: nn.Module, args: argparse.Namespace) -> torch.optim.Optimizer:
    """SGD with momentum and weight decay at ``args.lr``."""
    return torch.optim.SGD(
        model.parameters(), lr=args.lr, momentum=args.momentum, weight_decay=args.weight_decay
    )


def train_loader(data: TensorDataset, args: argparse.Namespace, epoch: int) -> DataLoader:
    """Shuffled batches of ``data`` for ``epoch``."""
    # The shuffle of epoch e depends on (seed, e) only, so a resumed run sees the same batches.
    generator = torch.Generator().manual_seed(args.seed * 1000 + epoch)
    return DataLoader(data, batch_size=args.batch_size, shuffle=True, generator=generator)


@torch.no_grad()
def evaluate(model: nn.Module, data: TensorDataset) -> float:
    """Top-1 accuracy in percent (timm's eval metric) on ``data``."""
    model.eval()
    images, labels = data.tensors
    return 100.0 * (model(images).argmax(dim=1) == labels).float().mean().item()


def run_find_lr(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    scheduler: Any,
    args: argparse.Namespace,
    data: TensorDataset,
) -> float:
    """The LR range test on the run's own optimizer; the run then starts at its suggestion.

    find_lr puts the model and the optimizer back as they were; ``apply`` makes the suggestion
    the base of the scheduler already built (its warmup's slope included), so nothing is built
    twice. Returns the lr the run trains at.
    """
    result = find_lr(
        model,
        optimizer,
        nn.functional.cross_entropy,
        train_loader(data, args, epoch=-1),
        start_lr=FIND_LR_START,
        end_lr=FIND_LR_END,
        num_iter=FIND_LR_STEPS,
        progress=not args.no_progress and sys.stderr.isatty(),
    )
    path = args.output / "find_lr.png"
    result.plot(path)
    print(f"find_lr: {len(result.lrs)} updates, {'diverged' if result.diverged else 'no divergence'}")
    print(f"find_lr: plot in {path}")
    if result.suggestion is None:
        print(f"find_lr: too few points for a suggestion; training with --lr {args.lr}")
        return args.lr
    print(f"find_lr: suggested lr {result.suggestion:.4g} (steepest descent of the smoothed loss)")
    return result.apply(optimizer if scheduler is None else scheduler)


def plot_history(history: dict[str, Any], path: Path) -> None:
    """Two panels, lr per update over loss per update, with the epoch boundaries, into ``path``."""
    lrs, losses = history["lr"], history["loss"]
    per_epoch = history["updates_per_epoch"]
    steps = np.arange(len(lrs))
    fig = Figure(figsize=(8, 6), layout="constrained")
    ax_lr, ax_loss = fig.subplots(2, 1, sharex=True)
    # Each lr holds for its whole update: closing the last step at len(lrs) keeps it visible.
    ax_lr.plot(np.append(steps, len(lrs)), [*lrs, lrs[-1]], drawstyle="steps-post", color="C0")
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_xlabel("update")
    ax_lr.tick_params(labelbottom=True)  # sharex hides them; each panel stands on its own
    ax_lr.set_title(f"{history['sched']} schedule, {len(lrs)} updates ({per_epoch} per epoch)")
    ax_loss.plot(steps, losses, color="C1", alpha=0.35, linewidth=0.8, label="batch loss")
    # A running mean over one epoch shows the trend that batch-to-batch noise hides.
    if len(losses) >= per_epoch:
        mean = np.convolve(losses, np.ones(per_epoch) / per_epoch, mode="valid")
        ax_loss.plot(steps[per_epoch - 1 :], mean, color="C1", label=f"mean of last {per_epoch}")
    ax_loss.set_yscale("log")
    ax_loss.set_ylabel("training loss (log scale)")
    ax_loss.set_xlabel("update")
    ax_loss.legend(fontsize="small")
    for ax in (ax_lr, ax_loss):
        ax.grid(True, alpha=0.3)
        for boundary in range(per_epoch, len(lrs), per_epoch):
            ax.axvline(boundary, color="0.8", linewidth=0.6, zorder=0)
    fig.savefig(path, dpi=120)


def main(argv: list[str] | None = None) -> float:
    """Train, checkpoint every epoch, plot; returns the final test accuracy in percent."""
    args = parse_args(argv)
    started = time.perf_counter()
    args.output.mkdir(parents=True, exist_ok=True)
    # Convolutions on 8x8 images are too small to split across threads: one thread is faster
    # than several here (about twice, on 2 cores) and gives the same numbers on any machine.
    torch.set_num_threads(1)
    train_data, test_data = load_data(args.seed)
    torch.manual_seed(args.seed)
    model = make_model()

    optimizer = make_optimizer(model, args)
    updates_per_epoch = len(train_loader(train_data, args, 0))
    scheduler, num_epochs = lrkit.config.from_args(args, optimizer, updates_per_epoch)
    if args.find_lr:
        args.lr = run_find_lr(model, optimizer, scheduler, args, train_data)

    start_epoch = 0
    history: dict[str, Any] = {
        "sched": args.sched,
        "base_lr": args.lr,
        "updates_per_epoch": updates_per_epoch,
        "lr": [],
        "loss": [],
        "epochs": [],
    }
    if args.resume:
        checkpoint_path, checkpoint = find_checkpoint(args.resume)
        try:
            model.load_state_dict(checkpoint["model"])
            optimizer.load_state_dict(checkpoint["optimizer"])
            if scheduler is not None:
                # timm's train.py re-steps the scheduler to start_epoch because timm saves no
                # scheduler state; lrkit's state (plateau counters included) is exact, so load it.
                scheduler.load_state_dict(checkpoint["scheduler"])
        # A whole checkpoint that does not fit (another model, other flags): an older one of the
        # same run would not fit either, so this is the user's to fix, not a file to skip.
        except (RuntimeError, ValueError, TypeError, KeyError, AttributeError) as error:
            sys.exit(
                f"cannot resume from {checkpoint_path}: {_one_line(error, limit=500)}; "
                "resume with the flags of the run that wrote it"
            )
        start_epoch = checkpoint["epoch"]
        history = checkpoint["history"]
        resume_history(args.output / "history.json", history, checkpoint_path)
        print(f"resumed from {checkpoint_path} after epoch {start_epoch}")

    show_progress = not args.no_progress and sys.stderr.isatty()
    for epoch in range(start_epoch, num_epochs):
        model.train()
        num_updates = epoch * updates_per_epoch
        batches = tqdm(
            train_loader(train_data, args, epoch),
            desc=f"epoch {epoch + 1}/{num_epochs}",
            disable=not show_progress,
            leave=False,
        )
        epoch_loss = 0.0
        for batch_index, (images, labels) in enumerate(batches):
            lr = optimizer.param_groups[0]["lr"]  # the lr this update runs at
            loss = nn.functional.cross_entropy(model(images), labels)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            num_updates += 1
            history["lr"].append(float(lr))
            history["loss"].append(loss.item())
            epoch_loss += loss.item()
            if scheduler is not None:
                # timm passes the epoch's running mean loss; only a plateau could use it, and
                # timm's plateau ignores metrics given per update.
                scheduler.step_update(num_updates=num_updates, metric=epoch_loss / (batch_index + 1))
            batches.set_postfix(loss=f"{loss.item():.3f}", lr=f"{lr:.2e}", refresh=False)
        accuracy = evaluate(model, test_data)
        if scheduler is not None:
            scheduler.step(epoch + 1, accuracy)  # sets the lr of the next epoch
        mean_loss = epoch_loss / updates_per_epoch
        history["epochs"].append({"epoch": epoch + 1, "train_loss": mean_loss, "test_acc": accuracy})
        print(
            f"epoch {epoch + 1:3d}/{num_epochs}  lr {history['lr'][-1]:.3e}  "
            f"train loss {mean_loss:.4f}  test acc {accuracy:6.2f}%"
        )
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": None if scheduler is None else scheduler.state_dict(),
            "epoch": epoch + 1,
            "history": history,
        }
        buffer = io.BytesIO()
        torch.save(state, buffer)
        # The checkpoint first: a kill between the two leaves a history one epoch behind it,
        # which a resume rewrites from the checkpoint's own history.
        save_atomically(args.output / f"checkpoint-{epoch + 1}.pt", buffer.getvalue())
        save_atomically(args.output / "history.json", json.dumps(history, indent=1).encode())

    accuracy = evaluate(model, test_data)
    plot_path = args.output / "train.png"
    plot_history(history, plot_path)
    print(f"test accuracy: {accuracy:.2f}%")
    print(f"checkpoints: {args.output}/checkpoint-<epoch>.pt")
    print(f"history: {args.output / 'history.json'}")
    print(f"plot: {plot_path}")
    print(f"took {time.perf_counter() - started:.1f} s")
    return accuracy


if __name__ == "__main__":
    main()
