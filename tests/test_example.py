"""examples/train.py end to end: files written, exact resume, and --find-lr training well."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")
pytest.importorskip("tqdm")

from matplotlib.image import imread  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT / "examples" / "train.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Two epochs, with the lr changing at every update (so the resume check compares 23 distinct
# lrs, not one repeated) and the warmup ending after the first epoch.
FAST = ["--epochs", "2", "--warmup-epochs", "1", "--sched-on-updates"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(TRAIN), "--no-progress", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        check=False,
    )
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def check_png(path: Path) -> None:
    assert path.read_bytes().startswith(PNG_SIGNATURE), path
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500, image.shape
    assert image[..., :3].std() > 0.05, f"{path} looks blank"


def final_accuracy(stdout: str) -> float:
    (match,) = re.findall(r"^test accuracy: ([0-9.]+)%$", stdout, flags=re.MULTILINE)
    return float(match)


@pytest.fixture(scope="module")
def two_epochs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    out = tmp_path_factory.mktemp("two_epochs")
    return out, run(*FAST, "--output", str(out))


def test_two_epochs_write_plot_checkpoints_and_history(two_epochs):
    out, result = two_epochs
    check_png(out / "train.png")
    for name in ("train.png", "history.json", "checkpoint-<epoch>.pt"):
        assert str(out / name) in result.stdout  # the script says where its files are

    history = json.loads((out / "history.json").read_text())
    per_epoch = history["updates_per_epoch"]
    assert per_epoch == 23  # 1437 training images in batches of 64
    assert len(history["lr"]) == len(history["loss"]) == 2 * per_epoch
    assert [e["epoch"] for e in history["epochs"]] == [1, 2]
    assert final_accuracy(result.stdout) == pytest.approx(history["epochs"][-1]["test_acc"], abs=0.01)

    for epoch in (1, 2):
        checkpoint = torch.load(out / f"checkpoint-{epoch}.pt", weights_only=True)
        assert {"model", "optimizer", "scheduler", "epoch"} <= checkpoint.keys()
        assert checkpoint["epoch"] == epoch
        assert len(checkpoint["history"]["lr"]) == epoch * per_epoch


def test_resume_from_epoch_one_reproduces_epoch_two(two_epochs, tmp_path):
    out, _ = two_epochs
    resumed = run(*FAST, "--output", str(tmp_path), "--resume", str(out / "checkpoint-1.pt"))
    assert "resumed from" in resumed.stdout
    straight = json.loads((out / "history.json").read_text())
    again = json.loads((tmp_path / "history.json").read_text())
    per_epoch = straight["updates_per_epoch"]
    epoch_two = slice(per_epoch, 2 * per_epoch)

    # Guards against a vacuous pass: per-update scheduling changes the lr within epoch 2.
    assert len(set(straight["lr"][epoch_two])) == per_epoch
    assert again["lr"][epoch_two] == straight["lr"][epoch_two]
    # Same batches, weights and momentum: the losses follow (tolerance for float reordering).
    assert again["loss"][epoch_two] == pytest.approx(straight["loss"][epoch_two], rel=1e-5)
    assert again["epochs"][1]["test_acc"] == pytest.approx(straight["epochs"][1]["test_acc"], abs=0.01)


def test_find_lr_then_train_reaches_90_percent(tmp_path):
    result = run("--find-lr", "--output", str(tmp_path))  # the default schedule and epochs
    check_png(tmp_path / "find_lr.png")
    check_png(tmp_path / "train.png")
    (suggested,) = re.findall(r"suggested lr ([0-9.e+-]+)", result.stdout)
    history = json.loads((tmp_path / "history.json").read_text())
    # The run trains at the suggestion, a point inside the sweep from 1e-5 to 10.
    assert history["base_lr"] == pytest.approx(float(suggested), rel=1e-3)
    assert 1e-5 < history["base_lr"] < 10
    # timm's cosine warmup hands over to the curve, already past its peak: below base, not far.
    assert 0.8 * history["base_lr"] < max(history["lr"]) <= history["base_lr"]
    assert final_accuracy(result.stdout) >= 90.0
