"""The ``lrkit`` command: plot / table / describe / names, config files, and its errors.

Most cases call ``lrkit.cli.main`` in-process (capsys holds what it prints); a few go through the
console script and ``python -m lrkit`` to see what a user's shell sees. Table values are checked
against what timm-style training would set: lrkit.timm's scheduler, built from the same flags
by ``create_scheduler_v2`` and stepped as timm's train.py steps it.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import io
import json
import math
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

import lrkit
from lrkit import cli, config

HAS = {
    name: importlib.util.find_spec(name) is not None for name in ("matplotlib", "plotext", "yaml", "torch")
}
needs_matplotlib = pytest.mark.skipif(not HAS["matplotlib"], reason="plots to files need matplotlib")
needs_plotext = pytest.mark.skipif(not HAS["plotext"], reason="terminal plots need plotext")
needs_yaml = pytest.mark.skipif(not HAS["yaml"], reason="YAML config files need PyYAML")
needs_torch = pytest.mark.skipif(not HAS["torch"], reason="lrkit.timm needs torch")

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
COSINE = ["--sched", "cosine", "--epochs", "20", "--warmup-epochs", "3", "--lr", "0.1"]
# Three cycles of cosine behind a warmup: marks at the warmup's end and at each restart.
CYCLES = [*COSINE, "--lr-cycle-limit", "3", "--lr-cycle-decay", "0.5"]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def ok(capsys, *argv: str) -> str:
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert err == ""
    return out


def rows_json(capsys, *argv: str) -> list[dict]:
    return json.loads(ok(capsys, "table", *argv, "--json", "-"))


def lrs(capsys, *argv: str) -> np.ndarray:
    return np.array([row["lr"] for row in rows_json(capsys, *argv)])


def svg_text(path: Path) -> str:
    """The SVG's source; matplotlib draws text as paths and keeps each string in a comment."""
    text = path.read_text(encoding="utf-8")
    root = ET.fromstring(text)
    assert root.tag.rsplit("}", 1)[-1] == "svg"
    return text


def svg_strings(path: Path) -> set[str]:
    text = svg_text(path)
    return {part.split("-->", 1)[0].strip() for part in text.split("<!--")[1:]}


def svg_lines(path: Path) -> str:
    """The SVG's texts, one per line."""
    # An SVG comment cannot hold "--": matplotlib writes "- -" there.
    return "\n".join(text.replace("- -", "--") for text in svg_strings(path))


def write_yaml(path: Path, data: dict) -> Path:
    import yaml

    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def timm_flags(argv: list[str]) -> argparse.Namespace:
    """The namespace timm's train.py parses from ``argv``: its scheduler flags, --lr, --seed."""
    parser = argparse.ArgumentParser()
    config.add_argparse_args(parser)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--seed", type=int, default=42)
    return parser.parse_args(argv)


def timm_training_lrs(argv: list[str], updates_per_epoch: int = 1) -> tuple[list[float], list[float]]:
    """The lr of every epoch's first update and of every update, as timm's train.py steps it."""
    import torch

    from lrkit.timm import create_scheduler_v2, scheduler_kwargs

    args = timm_flags(argv)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=args.lr or 1.0)
    scheduler, num_epochs = create_scheduler_v2(
        optimizer, **scheduler_kwargs(args), updates_per_epoch=updates_per_epoch
    )
    per_epoch, per_update = [], []
    num_updates = 0
    for epoch in range(num_epochs):
        per_epoch.append(optimizer.param_groups[0]["lr"])
        for _ in range(updates_per_epoch):
            per_update.append(optimizer.param_groups[0]["lr"])
            num_updates += 1
            scheduler.step_update(num_updates=num_updates)
        scheduler.step(epoch + 1)
    return per_epoch, per_update


# -- names ----------------------------------------------------------------------------------------


def test_names_lists_every_scheduler_by_source_with_its_arguments(capsys):
    lines = ok(capsys, "names").splitlines()
    listed, source = {}, None
    for line in lines[:-1]:  # the last line states the bare-name rule
        if not line.startswith(" "):
            source = line.rstrip(":")
            continue
        name, rest = line.strip().split("(", 1)
        listed[f"{source}:{name}"] = rest
    assert sorted(listed) == sorted(config.names())
    for name in ("cosine", "step", "multistep", "tanh", "poly", "wsd", "plateau"):
        assert f"timm:{name}" in listed
    # Each recipe's arguments with their defaults, and the unit it counts.
    assert listed["torch:StepLR"] == "step_size, gamma=0.1)  [per update]"
    assert listed["timm:plateau"].endswith("[metric-driven]")
    assert "fits" not in lines[-1] and "SOURCE:NAME" in lines[-1]


# -- plot to a file -------------------------------------------------------------------------------


@needs_matplotlib
def test_plot_png_is_an_image(capsys, tmp_path):
    from matplotlib.image import imread

    path = tmp_path / "cosine.png"
    assert ok(capsys, "plot", *COSINE, "-o", str(path)).strip() == str(path)
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE)
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500, image.shape
    assert image[..., :3].std() > 0.05, "blank image"


@needs_matplotlib
def test_plot_svg_labels_axes_with_units_and_marks_phases(capsys, tmp_path):
    path = tmp_path / "cycles.svg"
    ok(capsys, "plot", *CYCLES, "-o", str(path))
    strings = svg_strings(path)
    assert {"epoch", "learning rate", "cosine"} <= strings  # axes, title
    assert {"warmup end", "cycle 2", "cycle 3"} <= strings


@needs_matplotlib
def test_plot_without_lr_says_the_values_are_relative(capsys, tmp_path):
    path = tmp_path / "relative.svg"
    ok(capsys, "plot", "--sched", "step", "--epochs", "30", "--decay-epochs", "10", "-o", str(path))
    assert "lr (relative to the base)" in svg_strings(path)


@needs_matplotlib
def test_plot_pdf(capsys, tmp_path):
    path = tmp_path / "cosine.pdf"
    ok(capsys, "plot", *COSINE, "-o", str(path))
    data = path.read_bytes()
    assert data.startswith(b"%PDF-")
    assert b"%%EOF" in data[-64:]


@needs_matplotlib
def test_plot_log_axis(capsys, tmp_path):
    linear, log = tmp_path / "linear.svg", tmp_path / "log.svg"
    ok(capsys, "plot", *COSINE, "-o", str(linear))
    ok(capsys, "plot", *COSINE, "--log", "-o", str(log))
    decades = {s for s in svg_strings(log) if "10^{" in s}
    # Warmup from 1e-5 to 0.1: the log axis spans those decades; the linear one shows none.
    assert r"$\mathdefault{10^{-5}}$" in decades and r"$\mathdefault{10^{-1}}$" in decades
    assert not {s for s in svg_strings(linear) if "10^{" in s}


@needs_matplotlib
@pytest.mark.parametrize(
    ("extra", "xlabel"),
    [
        ([], "epoch (10 updates each)"),
        (["--sched-on-updates"], "update (10 per epoch)"),
    ],
)
def test_plot_per_update(capsys, tmp_path, extra, xlabel):
    path = tmp_path / "updates.svg"
    ok(capsys, "plot", *COSINE, "--updates-per-epoch", "10", *extra, "-o", str(path))
    strings = svg_strings(path)
    assert xlabel in strings and "warmup end" in strings


@needs_matplotlib
@needs_yaml
def test_compare_two_files_draws_those_two_with_a_legend(capsys, tmp_path):
    a = write_yaml(
        tmp_path / "a.yaml", {"format": "timm", "sched": "cosine", "epochs": 30, "warmup_epochs": 3}
    )
    b = write_yaml(tmp_path / "b.yaml", {"format": "timm", "sched": "step", "epochs": 30, "decay_epochs": 10})
    path = tmp_path / "both.svg"
    ok(capsys, "plot", "--compare", str(a), str(b), "--lr", "0.1", "-o", str(path))
    strings = svg_strings(path)
    assert {str(a), str(b), "schedules compared"} <= strings
    # Nothing but the two files: timm's default flags (a cosine) are no third curve.
    assert "cosine" not in strings


@needs_yaml
def test_compare_curves_are_each_files_own(tmp_path):
    """With --config a --compare b, b is drawn as b says, without a's settings leaking in."""
    a = write_yaml(
        tmp_path / "a.yaml", {"format": "timm", "sched": "cosine", "epochs": 30, "warmup_epochs": 3}
    )
    b = write_yaml(tmp_path / "b.yaml", {"format": "timm", "sched": "step", "epochs": 30, "decay_epochs": 10})
    argv = ["plot", "--config", str(a), "--compare", str(b), "--lr", "0.1"]
    _, sources = cli._sources(cli._parser(), argv)
    assert [s.label for s in sources] == [str(a), str(b)]
    t = np.arange(30.0)
    alone = timm_flags(["--sched", "step", "--epochs", "30", "--decay-epochs", "10", "--lr", "0.1"])
    expected = lrkit.recipes.timm.plan(**lrkit.recipes.timm.scheduler_kwargs(alone)).schedule()
    np.testing.assert_allclose(sources[1].schedule(t, 0.1), expected(t, 0.1), rtol=1e-12)
    # b's warmup is timm's default (5 epochs), not a's 3.
    assert sources[1].schedule(3.0, 0.1) < 0.1


@needs_yaml
def test_compare_with_schedule_flags_adds_their_curve(tmp_path):
    b = write_yaml(tmp_path / "b.yaml", {"format": "timm", "sched": "step", "decay_epochs": 10})
    _, sources = cli._sources(cli._parser(), ["plot", *COSINE, "--compare", str(b)])
    assert [s.label for s in sources] == ["cosine", str(b)]
    assert sources[1].t_end == 20  # the command line's --epochs, which b.yaml leaves unset


@needs_yaml
def test_compare_epochs_alone_is_the_shared_run_length(tmp_path):
    """A schedule tree needs --epochs for its length: that makes no curve of timm's defaults."""
    tree = tmp_path / "tree.json"
    tree.write_text(json.dumps(lrkit.cosine(t_initial=10).to_dict()), encoding="utf-8")
    a = write_yaml(tmp_path / "a.yaml", {"format": "timm", "sched": "cosine"})
    _, sources = cli._sources(cli._parser(), ["plot", "--compare", str(tree), str(a), "--epochs", "30"])
    assert [(s.label, s.t_end) for s in sources] == [(str(tree), 30), (str(a), 30)]


@needs_matplotlib  # the picture is checked for before it is drawn
@needs_yaml
def test_compared_curves_each_run_on_their_own_lr(tmp_path, monkeypatch):
    """b.yaml's lr is 0.05: its curve peaks there, not at a.yaml's 0.1, and the axis says lrs."""
    a = write_yaml(
        tmp_path / "a.yaml",
        {"format": "timm", "sched": "cosine", "epochs": 30, "warmup_epochs": 0, "lr": 0.1},
    )
    b = write_yaml(
        tmp_path / "b.yaml",
        {"format": "timm", "sched": "step", "epochs": 30, "decay_epochs": 10, "warmup_epochs": 8, "lr": 0.05},
    )
    drawn = _drawn(monkeypatch, "plot", "--compare", str(a), str(b), "-o", str(tmp_path / "x.png"))
    assert drawn["ylabel"] == "learning rate"
    t = np.arange(30.0)
    peaks = {label: float(np.max(curve(t, drawn["base"]))) for label, curve in drawn["schedules"].items()}
    assert peaks == {str(a): pytest.approx(0.1, rel=1e-12), str(b): pytest.approx(0.05, rel=1e-12)}
    assert drawn["marks"] == "auto"  # each curve's own marks, in its colour (see test_plot)


@needs_matplotlib  # the picture is checked for before it is drawn
@needs_yaml
def test_compared_factors_are_labelled_as_factors(tmp_path, monkeypatch):
    a = write_yaml(tmp_path / "a.yaml", {"format": "timm", "sched": "cosine", "epochs": 30})
    b = write_yaml(tmp_path / "b.yaml", {"format": "timm", "sched": "step", "epochs": 30, "decay_epochs": 10})
    argv = ["plot", "--compare", str(a), str(b), "-o", str(tmp_path / "x.png")]
    drawn = _drawn(monkeypatch, *argv)
    assert drawn["ylabel"] == "lr (relative to the base)"
    assert list(drawn["schedules"]) == [str(a), str(b)]
    # One file with an lr among files without: the axis shows lrs, the legend says which are not.
    write_yaml(a, {"format": "timm", "sched": "cosine", "epochs": 30, "lr": 0.1})
    drawn = _drawn(monkeypatch, *argv)
    assert drawn["ylabel"] == "learning rate"
    assert list(drawn["schedules"]) == [str(a), f"{b} (relative: no lr given)"]
    # --lr makes every curve one of lrs.
    drawn = _drawn(monkeypatch, *argv, "--lr", "0.2")
    assert drawn["ylabel"] == "learning rate" and list(drawn["schedules"]) == [str(a), str(b)]


@needs_matplotlib  # the picture is checked for before it is drawn
def test_a_schedule_of_its_own_lrs_is_drawn_as_lrs(monkeypatch, tmp_path):
    drawn = _drawn(
        monkeypatch, "plot", "--sched", "torch:OneCycleLR", "max_lr=0.1", "total_steps=100", "-o", "x.png"
    )
    assert drawn["ylabel"] == "learning rate"
    drawn = _drawn(
        monkeypatch,
        "plot",
        "--sched",
        "torch:StepLR",
        "step_size=3",
        "--epochs",
        "9",
        "--updates-per-epoch",
        "1",
        "-o",
        "x.png",
    )
    assert drawn["ylabel"] == "lr (relative to the base)"


def test_a_config_s_own_lr_is_the_base(capsys, tmp_path):
    path = tmp_path / "ds.json"
    path.write_text(
        json.dumps(
            {
                "optimizer": {"type": "Adam", "params": {"lr": 0.02}},
                "scheduler": {
                    "type": "WarmupLR",
                    "params": {"warmup_num_steps": 10, "warmup_type": "linear"},
                },
            }
        ),
        encoding="utf-8",
    )
    out = ok(capsys, "describe", "--config", str(path), "--epochs", "2", "--updates-per-epoch", "10")
    assert "values for a base lr of 0.02" in out and "peak: 0.02 " in out
    out = ok(
        capsys, "describe", "--config", str(path), "--epochs", "2", "--updates-per-epoch", "10", "--lr", "1"
    )
    assert "peak: 1 " in out  # the command line wins


TIMM_STEP_DEFAULTS = (
    "train.py defaults: --epochs 300 --warmup-epochs 5 --warmup-lr 1e-05 --decay-epochs 90 --decay-rate 0.1"
)


@needs_matplotlib  # the picture is checked for before it is drawn
def test_the_subtitle_names_the_defaults_that_shaped_the_plot(monkeypatch):
    def subtitle(*argv: str) -> str | None:
        text = _drawn(monkeypatch, "plot", *argv, "-o", "x.png")["subtitle"]
        return None if text is None else " ".join(text.split())

    assert subtitle("--sched", "step") == TIMM_STEP_DEFAULTS
    # Typed, even at the default's value, a setting is no default any more; neither is one
    # that does nothing (--min-lr 0), nor the warmup lr of no warmup.
    given = ["--sched", "step", "--epochs", "300", "--warmup-epochs", "0", "--decay-epochs", "30"]
    assert subtitle(*given) == "train.py defaults: --decay-rate 0.1"
    assert subtitle(*given, "--decay-rate", "0.5") is None


def test_the_subtitle_never_parts_a_flag_from_its_value():
    argv = ["plot", "--sched", "cosine", "--epochs", "60", "--warmup-epochs", "5", "--lr-noise", "0.1", "0.7"]
    _, sources = cli._sources(cli._parser(), argv)
    for width in range(30, 90):
        lines = cli._subtitle(sources, width=width, most_lines=None).splitlines()
        assert not any(line.split()[-1].startswith("--") for line in lines), (width, lines)
        assert " ".join(" ".join(lines).split()) == (
            "train.py defaults: --warmup-lr 1e-05 --lr-noise-pct 0.67 --lr-noise-std 1 --seed 42"
        )


@needs_matplotlib
def test_the_picture_shows_the_subtitle(capsys, tmp_path):
    path = tmp_path / "step.svg"
    ok(capsys, "plot", "--sched", "step", "--decay-epochs", "30", "-o", str(path))
    # Wrapped, each line of a text is an SVG text of its own.
    assert "--decay-rate 0.1" in svg_lines(path) and "step" in svg_strings(path)


@needs_yaml
def test_the_defaults_of_each_source_are_named(capsys, tmp_path):
    out = ok(capsys, "describe", "--sched", "step")
    assert TIMM_STEP_DEFAULTS in out.splitlines()
    # A timm file's settings are given too.
    timm_file = write_yaml(tmp_path / "t.yaml", {"format": "timm", "sched": "step", "epochs": 30})
    out = ok(capsys, "describe", "--config", str(timm_file))
    assert "train.py defaults: --warmup-epochs 5 --warmup-lr 1e-05 --decay-epochs 90 --decay-rate 0.1" in out
    # Cycles bring their decay; noise its settings; wsd its cooldown's shape.
    out = ok(
        capsys,
        "describe",
        "--sched",
        "cosine",
        "--epochs",
        "10",
        "--warmup-epochs",
        "0",
        "--lr-cycle-limit",
        "2",
        "--lr-noise",
        "0.5",
    )
    noise = "--lr-noise-pct 0.67 --lr-noise-std 1 --seed 42"
    assert f"train.py defaults: --lr-cycle-mul 1 --lr-cycle-decay 0.5 {noise}" in out
    out = ok(
        capsys,
        "describe",
        "--sched",
        "wsd",
        "--epochs",
        "100",
        "--warmup-epochs",
        "0",
        "--decay-epochs",
        "20",
    )
    assert "train.py defaults: --lr-decay-fn 1-sqrt" in out
    # A recipe: its arguments left at their defaults (None ones, alternatives unused, are not).
    out = ok(capsys, "describe", "--sched", "torch:OneCycleLR", "max_lr=0.1", "total_steps=100")
    line = next(line for line in out.splitlines() if line.startswith("defaults: "))
    assert line.startswith("defaults: pct_start=0.3, anneal_strategy=cos, ")
    assert "epochs=" not in line and "total_steps" not in line
    assert "base_momentum" not in line  # it shapes the momentum, not the lr curve drawn
    # Defaults that do nothing in this call are not named: noise settings without noise, the
    # decay and length of cycles when there is one cycle.
    out = ok(capsys, "describe", "--sched", "timm:cosine", "t_initial=100", "warmup_t=5")
    line = next(line for line in out.splitlines() if line.startswith("defaults: "))
    assert line == "defaults: lr_min=0, cycle_limit=1, warmup_lr_init=0, warmup_prefix=False, k_decay=1"


@needs_matplotlib  # the picture is checked for before it is drawn
@needs_yaml
def test_compared_defaults_say_whose(monkeypatch, tmp_path):
    a = write_yaml(
        tmp_path / "a.yaml", {"format": "timm", "sched": "cosine", "epochs": 30, "warmup_epochs": 0}
    )
    b = write_yaml(tmp_path / "b.yaml", {"format": "timm", "sched": "step", "epochs": 30, "warmup_epochs": 0})
    drawn = _drawn(monkeypatch, "plot", "--compare", str(a), str(b), "-o", str(tmp_path / "x.png"))
    assert (
        " ".join(drawn["subtitle"].split()) == f"{b}: train.py defaults: --decay-epochs 90 --decay-rate 0.1"
    )


def _drawn(monkeypatch, *argv: str) -> dict:
    """What the command passed to lrkit.plot.plot (nothing is drawn)."""
    import lrkit.plot

    calls = []
    monkeypatch.setattr(
        lrkit.plot, "plot", lambda schedules, **kwargs: calls.append({"schedules": schedules, **kwargs})
    )
    assert cli.main(list(argv)) == 0
    (call,) = calls
    if not isinstance(call["schedules"], dict):
        call["schedules"] = {None: call["schedules"]}
    return call


# -- plot in the terminal -------------------------------------------------------------------------


@needs_plotext
def test_terminal_plot_has_the_title_and_no_escape_codes(capsys):
    out = ok(capsys, "plot", *CYCLES, "--title", "three cosine cycles")
    assert "three cosine cycles" in out
    assert "epoch" in out and "learning rate" in out
    assert "\x1b" not in out
    assert len(out.splitlines()) > 10


@needs_plotext
def test_terminal_plot_log_ticks_are_powers_of_ten(capsys):
    out = ok(capsys, "plot", *COSINE, "--log")
    ticks = {line.split("┤")[0].strip() for line in out.splitlines() if "┤" in line}
    assert {"0.1", "0.01", "0.001", "0.0001", "1e-05"} <= ticks


@needs_plotext
@needs_yaml
def test_terminal_compare_has_a_legend(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # names as typed; the legend has room for short ones
    write_yaml(tmp_path / "a.yaml", {"format": "timm", "sched": "cosine", "epochs": 30})
    write_yaml(tmp_path / "b.yaml", {"format": "timm", "sched": "step", "epochs": 30, "decay_epochs": 10})
    out = ok(capsys, "plot", "--compare", "a.yaml", "b.yaml")
    canvas, _, below = out.partition("\na.yaml: train.py defaults")
    assert "a.yaml" in canvas and "b.yaml" in canvas and "\x1b" not in out
    # Under the canvas, every default of both, however long (a terminal has the room).
    assert " ".join(below.split()) == (
        ": --warmup-epochs 5 --warmup-lr 1e-05; b.yaml: train.py defaults: --warmup-epochs 5 "
        "--warmup-lr 1e-05 --decay-rate 0.1"
    )


# -- config files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".json", pytest.param(".yaml", marks=needs_yaml)])
def test_config_flag_settings_equal_the_flags(capsys, tmp_path, suffix):
    settings = {
        "format": "timm",
        "sched": "cosine",
        "epochs": 15,
        "warmup_epochs": 2,
        "min_lr": 1e-4,
        "lr_cycle_limit": 2,
    }
    path = tmp_path / f"sched{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(settings), encoding="utf-8")
    else:
        write_yaml(path, settings)
    flags = ["--sched", "cosine", "--epochs", "15", "--warmup-epochs", "2", "--min-lr", "1e-4"]
    from_file = rows_json(capsys, "--config", str(path), "--lr", "0.1")
    from_flags = rows_json(capsys, *flags, "--lr-cycle-limit", "2", "--lr", "0.1")
    assert len(from_file) == 30
    assert from_file == from_flags
    # The command line wins over the file.
    overridden = rows_json(capsys, "--config", str(path), "--epochs", "5", "--lr-cycle-limit", "1")
    assert len(overridden) == 5


@pytest.mark.parametrize("suffix", [".json", pytest.param(".yaml", marks=needs_yaml)])
def test_config_schedule_tree(capsys, tmp_path, suffix):
    schedule = lrkit.warmup(lrkit.cycles(lrkit.cosine(t_initial=10), cycle_limit=3), warmup_t=2)
    path = tmp_path / f"tree{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(schedule.to_dict()), encoding="utf-8")
    else:
        write_yaml(path, schedule.to_dict())
    rows = rows_json(capsys, "--config", str(path), "--epochs", "30", "--lr", "0.1")
    assert [row["epoch"] for row in rows] == list(range(30))
    np.testing.assert_allclose([row["lr"] for row in rows], schedule(np.arange(30.0), 0.1), rtol=1e-12)
    # Per update, the tree's epoch clock is read at each update's fractional epoch.
    rows = rows_json(
        capsys, "--config", str(path), "--epochs", "4", "--per", "update", "--updates-per-epoch", "4"
    )
    epochs = np.arange(16) / 4
    assert [row["epoch"] for row in rows] == epochs.tolist()
    np.testing.assert_allclose([row["lr"] for row in rows], schedule(epochs, 1.0), rtol=1e-12)


@needs_matplotlib
def test_config_tree_plot_marks_its_phases(capsys, tmp_path):
    schedule = lrkit.warmup(lrkit.cycles(lrkit.cosine(t_initial=10), cycle_limit=3), warmup_t=2)
    tree = tmp_path / "tree.json"
    tree.write_text(json.dumps(schedule.to_dict()), encoding="utf-8")
    path = tmp_path / "tree.svg"
    ok(capsys, "plot", "--config", str(tree), "--epochs", "30", "-o", str(path))
    assert {"warmup end", "cycle 2", "cycle 3", str(tree)} <= svg_strings(path)


# -- table: the values of timm-style training -----------------------------------------------------

TIMM_CASES = {
    "cosine_cooldown": [
        "--sched", "cosine", "--epochs", "12", "--warmup-epochs", "3", "--min-lr", "1e-4",
        "--cooldown-epochs", "2",
    ],
    "cosine_cycles_prefix": [
        "--sched", "cosine", "--epochs", "6", "--lr-cycle-limit", "3", "--lr-cycle-mul", "1.5",
        "--lr-cycle-decay", "0.5", "--warmup-epochs", "2", "--warmup-prefix", "--lr-k-decay", "1.5",
    ],
    "tanh": ["--sched", "tanh", "--epochs", "10", "--warmup-epochs", "2"],
    "poly": ["--sched", "poly", "--epochs", "10", "--decay-rate", "2", "--warmup-epochs", "1"],
    "step": ["--sched", "step", "--epochs", "20", "--decay-epochs", "4", "--decay-rate", "0.5"],
    "multistep": ["--sched", "multistep", "--epochs", "20", "--decay-milestones", "5", "12"],
    "wsd": ["--sched", "wsd", "--epochs", "20", "--decay-epochs", "0.25", "--warmup-epochs", "2"],
    "constant": ["--sched", "constant", "--epochs", "6", "--warmup-epochs", "2"],
    "noise": ["--sched", "cosine", "--epochs", "20", "--lr-noise", "0.3", "0.8", "--seed", "7"],
}  # fmt: skip


@needs_torch
@pytest.mark.parametrize("flags", list(TIMM_CASES.values()), ids=list(TIMM_CASES))
def test_table_per_epoch_is_what_timm_training_uses(capsys, flags):
    expected, _ = timm_training_lrs([*flags, "--lr", "0.1"])
    rows = rows_json(capsys, *flags, "--lr", "0.1")
    assert [row["epoch"] for row in rows] == list(range(len(expected)))
    np.testing.assert_allclose([row["lr"] for row in rows], expected, rtol=1e-9, atol=1e-15)


@needs_torch
@pytest.mark.parametrize("sched_on_updates", [False, True], ids=["epoch_schedule", "update_schedule"])
@pytest.mark.parametrize("name", ["cosine_cooldown", "step", "noise"])
def test_table_per_update_is_what_timm_training_uses(capsys, name, sched_on_updates):
    flags = [*TIMM_CASES[name], "--lr", "0.1", *(["--sched-on-updates"] if sched_on_updates else [])]
    _, expected = timm_training_lrs(flags, updates_per_epoch=3)
    extra = [] if sched_on_updates else ["--per", "update"]
    rows = rows_json(capsys, *flags, "--updates-per-epoch", "3", *extra)
    assert [row["update"] for row in rows] == list(range(len(expected)))
    assert [row["epoch"] for row in rows] == pytest.approx([u / 3 for u in range(len(expected))])
    np.testing.assert_allclose([row["lr"] for row in rows], expected, rtol=1e-9, atol=1e-15)


def test_table_equals_the_planned_schedule(capsys):
    """Without torch too: the table is timm's plan for these flags, at every epoch."""
    flags = [*CYCLES, "--cooldown-epochs", "2"]
    plan = lrkit.recipes.timm.plan(**lrkit.recipes.timm.scheduler_kwargs(timm_flags(flags)))
    values = lrs(capsys, *flags)
    assert len(values) == plan.num_epochs == 62
    np.testing.assert_allclose(values, plan.schedule()(np.arange(62.0), 0.1), rtol=1e-12)


def test_sched_none_keeps_the_lr(capsys):
    np.testing.assert_array_equal(lrs(capsys, "--sched", "none", "--epochs", "4", "--lr", "0.3"), [0.3] * 4)


def test_table_text(capsys):
    lines = ok(capsys, "table", *COSINE).splitlines()
    assert lines[0].split() == ["epoch", "lr"]
    body = [line.split() for line in lines[1:]]
    assert [int(epoch) for epoch, _ in body] == list(range(20))
    np.testing.assert_allclose([float(lr) for _, lr in body], lrs(capsys, *COSINE), rtol=1e-5)


def test_table_csv_and_json_files(capsys, tmp_path):
    csv_path, json_path = tmp_path / "lr.csv", tmp_path / "lr.json"
    assert ok(capsys, "table", *COSINE, "--csv", str(csv_path)).strip() == str(csv_path)
    assert ok(capsys, "table", *COSINE, "--json", str(json_path)).strip() == str(json_path)
    with csv_path.open(newline="", encoding="utf-8") as file:
        reader = csv.DictReader(file)
        assert reader.fieldnames == ["epoch", "lr"]
        from_csv = list(reader)
    from_json = json.loads(json_path.read_text(encoding="utf-8"))
    assert len(from_csv) == len(from_json) == 20
    assert [int(row["epoch"]) for row in from_csv] == [row["epoch"] for row in from_json] == list(range(20))
    assert [float(row["lr"]) for row in from_csv] == [row["lr"] for row in from_json]


def test_table_csv_and_json_without_a_path_go_to_standard_output(capsys):
    dash = ok(capsys, "table", *COSINE, "--json", "-")
    assert ok(capsys, "table", *COSINE, "--json") == dash
    assert [row["epoch"] for row in json.loads(dash)] == list(range(20))
    csv_out = ok(capsys, "table", *COSINE, "--csv")
    assert csv_out == ok(capsys, "table", *COSINE, "--csv", "-")
    assert csv_out.splitlines()[0] == "epoch,lr" and len(csv_out.splitlines()) == 21


def test_table_per_update_of_an_epoch_schedule_says_what_to_add(capsys):
    code, out, err = run(capsys, "table", *COSINE, "--per", "update")
    assert code == 2 and out == ""
    assert err.startswith("lrkit: error: --per update: ") and err.count("\n") == 1
    assert "add --updates-per-epoch N" in err
    # An update schedule needs no such number.
    rows = json.loads(
        ok(capsys, "table", "--sched", "torch:MultiStepLR", "milestones=[2, 4]", "--per", "update", "--json")
    )
    assert [row["lr"] for row in rows] == pytest.approx([1.0, 1.0, 0.1, 0.1, 0.01])


def test_lrkit_alone_lists_the_commands_and_an_example(capsys):
    code, out, err = run(capsys)
    assert code == 2 and err == ""
    lines = out.splitlines()
    assert lines[0].startswith("usage: lrkit COMMAND")
    for command in ("plot", "table", "describe", "export", "names"):
        assert any(line.split()[:1] == [command] for line in lines), command
    assert any(line.strip().startswith("lrkit describe --sched cosine") for line in lines)


def test_table_csv_per_update_to_stdout(capsys):
    out = ok(capsys, "table", *COSINE, "--updates-per-epoch", "4", "--per", "update", "--csv", "-")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert list(rows[0]) == ["update", "epoch", "lr"]
    assert len(rows) == 80
    assert [int(row["update"]) for row in rows] == list(range(80))
    assert [float(row["epoch"]) for row in rows] == [u / 4 for u in range(80)]
    # An epoch schedule holds each epoch's value through its updates.
    per_epoch = lrs(capsys, *COSINE)
    np.testing.assert_allclose([float(row["lr"]) for row in rows], np.repeat(per_epoch, 4), rtol=1e-12)


# -- describe -------------------------------------------------------------------------------------


def describe(capsys, *argv: str) -> tuple[dict[str, str], list[str]]:
    fields, warnings, _ = describe_all(capsys, *argv)
    return fields, warnings


def describe_all(capsys, *argv: str) -> tuple[dict[str, str], list[str], list[str]]:
    """The fields, the warnings and the notes ``describe`` prints."""
    lines = ok(capsys, "describe", *argv).splitlines()
    said = ("warning: ", "note: ")
    fields = dict(line.split(": ", 1) for line in lines[1:] if not line.startswith(said))
    return (
        fields,
        [line for line in lines if line.startswith("warning: ")],
        [line for line in lines if line.startswith("note: ")],
    )


def test_describe_a_clean_schedule(capsys):
    flags = [
        "--sched",
        "cosine",
        "--epochs",
        "10",
        "--warmup-epochs",
        "2",
        "--lr",
        "0.1",
        "--cooldown-epochs",
        "1",
    ]
    fields, warnings = describe(capsys, *flags)
    assert warnings == []
    assert fields["length"] == "11 epochs; values for a base lr of 0.1"
    assert fields["phases"] == "warmup end at epoch 2"
    assert float(fields["start"]) == pytest.approx(1e-5)
    peak = 0.05 * (1 + math.cos(math.pi * 2 / 10))  # timm: the warmup ends where the cosine is
    assert fields["peak"] == f"{peak:.6g} at epoch 2"
    assert fields["minimum"] == "0, first at epoch 10"
    assert fields["final"] == "0 at epoch 10"


def test_describe_cycles_and_updates(capsys):
    flags = [*CYCLES, "--updates-per-epoch", "5", "--sched-on-updates", "--cooldown-epochs", "1"]
    fields, warnings = describe(capsys, *flags)
    assert warnings == []
    assert fields["length"].startswith("61 epochs (305 updates, 5 per epoch)")
    assert fields["phases"] == (
        "warmup end at epoch 3 (update 15), cycle 2 at epoch 20 (update 100), "
        "cycle 3 at epoch 40 (update 200)"
    )
    assert fields["final"] == "0 at epoch 60.8"


WARNINGS = {
    "warmup_longer_than_run": (
        ["--sched", "cosine", "--epochs", "50", "--warmup-epochs", "60"],
        "--warmup-epochs 60 is as long as the run",
    ),
    "decay_past_end": (
        ["--sched", "step", "--epochs", "50", "--decay-epochs", "60", "--warmup-epochs", "0"],
        "--decay-epochs 60 is past the end",
    ),
    "milestones_past_end": (
        ["--sched", "multistep", "--epochs", "50", "--decay-milestones", "10", "60", "--warmup-epochs", "0"],
        "--decay-milestones [60] are past the end",
    ),
    "min_lr_above_lr": (
        ["--sched", "cosine", "--epochs", "50", "--min-lr", "0.5", "--lr", "0.1", "--cooldown-epochs", "1"],
        "--min-lr 0.5 is above the base lr (--lr 0.1)",
    ),
}

# timm's train.py makes t_initial the run's length: its schedules reach their minimum one step
# after the last epoch. That is the framework's rule, not a mistake: a note, never a warning.
NOTES = {
    "cosine_ends_with_the_run": (
        ["--sched", "cosine", "--epochs", "50", "--warmup-epochs", "0", "--min-lr", "1e-4"],
        "cosine(t_initial=50) reaches its minimum (0.0001) at epoch 50, one step after the run's last "
        "epoch, 49",
    ),
    "cycles_end_with_the_run": (
        ["--sched", "cosine", "--epochs", "10", "--lr-cycle-limit", "3", "--warmup-epochs", "0"],
        "over 3 cycles reaches its minimum (0) at epoch 30, one step after",
    ),
    "the_demo_cosine": (
        ["--sched", "cosine", "--epochs", "60", "--warmup-epochs", "5", "--lr", "0.1", "--min-lr", "1e-4"],
        "as timm's train.py builds it; --cooldown-epochs N trains N more epochs at the minimum",
    ),
}


@pytest.mark.parametrize(("flags", "expected"), list(NOTES.values()), ids=list(NOTES))
def test_describe_notes_timms_rule_without_a_warning(capsys, flags, expected):
    _, warnings, notes = describe_all(capsys, *flags)
    assert warnings == []
    assert len(notes) == 1 and expected in notes[0], notes


@pytest.mark.parametrize(("flags", "expected"), list(WARNINGS.values()), ids=list(WARNINGS))
def test_describe_warns(capsys, flags, expected):
    _, warnings = describe(capsys, *flags)
    matching = [w for w in warnings if expected in w]
    assert len(matching) == 1, warnings
    if "--warmup-epochs 60" not in expected:
        # One mistake, one warning (a warmup past the end also leaves the cosine short of its end).
        assert len(warnings) == 1, warnings


TREE_WARNINGS = {
    "warmup": (
        lrkit.warmup(lrkit.step(decay_t=5), warmup_t=40),
        "the warmup (40) is as long as the run (20)",
    ),
    "decay_t": (lrkit.step(decay_t=30), "decay_t=30 is past the end of the run (20)"),
    "milestones": (lrkit.multistep(milestones=[5, 50]), "milestones [50] are past the end of the run (20)"),
    "lr_min": (lrkit.cosine(t_initial=10, lr_min=2), "cosine: lr_min=2 is above the base lr 1"),
    "short": (
        lrkit.cosine(t_initial=30),
        "cosine(t_initial=30) reaches its minimum (0) only at epoch 30, past the run's last epoch, 19",
    ),
}


@pytest.mark.parametrize(("schedule", "expected"), list(TREE_WARNINGS.values()), ids=list(TREE_WARNINGS))
def test_describe_warns_about_a_tree(capsys, tmp_path, schedule, expected):
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(schedule.to_dict()), encoding="utf-8")
    _, warnings = describe(capsys, "--config", str(path), "--epochs", "20")
    assert [w for w in warnings if expected in w], warnings


def test_describe_no_warning_for_a_tree_that_ends_at_its_minimum(capsys, tmp_path):
    path = tmp_path / "tree.json"
    path.write_text(json.dumps(lrkit.cosine(t_initial=19).to_dict()), encoding="utf-8")
    _, warnings, notes = describe_all(capsys, "--config", str(path), "--epochs", "20")
    assert warnings == notes == []
    # One step short of it: a note on how to end there, no warning.
    path.write_text(json.dumps(lrkit.cosine(t_initial=20).to_dict()), encoding="utf-8")
    _, warnings, notes = describe_all(capsys, "--config", str(path), "--epochs", "20")
    assert warnings == [] and len(notes) == 1
    assert "one step after the run's last epoch, 19" in notes[0] and "one step longer" in notes[0]


# -- errors ---------------------------------------------------------------------------------------


def files(tmp_path: Path) -> dict[str, Path]:
    made = {
        "unknown_key.json": '{"format": "timm", "sched": "cosine", "epochz": 3}',
        "unknown_argument.json": '{"sched": "timm:cosine", "t_initial": 3, "epochz": 3}',
        "bad_sched.json": '{"format": "timm", "sched": "bogus"}',
        "bad_recipe.json": '{"sched": "bogus", "t_initial": 3}',
        "bad_type.json": '{"format": "timm", "epochs": [1, 2]}',
        "broken.json": '{"sched": "cosine", ',
        "bad_tree.json": '{"type": "cosine", "t_initial": -1}',
    }
    for name, text in made.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return {name: tmp_path / name for name in made}


ERRORS = {
    "unknown_sched": (["plot", "--sched", "bogus"], ["--sched", "'bogus'"]),
    "negative_epochs": (["table", "--epochs", "-5"], ["--epochs", "-5"]),
    "zero_epochs": (["describe", "--epochs", "0"], ["--epochs", "0"]),
    "lr_not_a_number": (["table", "--lr", "abc"], ["--lr", "'abc'"]),
    "negative_lr": (["table", "--lr", "-0.1"], ["--lr", "-0.1"]),
    "negative_warmup": (["table", "--warmup-epochs", "-1"], ["--warmup-epochs", "-1"]),
    "zero_updates_per_epoch": (["plot", "--updates-per-epoch", "0"], ["--updates-per-epoch", "0"]),
    "unknown_config_key": (["table", "--config", "{unknown_key.json}"], ["unknown_key.json", "'epochz'"]),
    "unknown_recipe_argument": (
        ["table", "--config", "{unknown_argument.json}"],
        ["unknown_argument.json", "read as the recipe 'timm:cosine'", "'epochz'"],
    ),
    "config_sched": (["table", "--config", "{bad_sched.json}"], ["bad_sched.json", "sched", "'bogus'"]),
    "config_recipe": (
        ["table", "--config", "{bad_recipe.json}"],
        ["bad_recipe.json", "read as the recipe 'bogus'", "unknown scheduler 'bogus'"],
    ),
    "recipe_argument": (
        ["table", "--sched", "torch:StepLR", "step_size=0"],
        ["--sched torch:StepLR", "step_size must be > 0"],
    ),
    "recipe_word": (["table", "--sched", "torch:StepLR", "step_size"], ["'step_size'", "KEY=VALUE"]),
    "recipe_with_timm_flags": (
        ["table", "--sched", "torch:StepLR", "step_size=3", "--warmup-epochs", "2"],
        ["--warmup-epochs", "KEY=VALUE"],
    ),
    "endless_recipe": (["table", "--sched", "torch:StepLR", "step_size=3"], ["never settles", "--epochs"]),
    "config_type": (["table", "--config", "{bad_type.json}"], ["bad_type.json", "epochs", "[1, 2]"]),
    "config_not_json": (["table", "--config", "{broken.json}"], ["--config", "broken.json"]),
    "config_tree": (["plot", "--config", "{bad_tree.json}"], ["bad_tree.json", "t_initial", "-1"]),
    "missing_config": (["plot", "--config", "{tmp}/missing.yaml"], ["--config", "missing.yaml"]),
    "config_is_a_folder": (["plot", "--config", "{tmp}"], ["--config"]),
    "missing_compare": (["plot", "--compare", "{tmp}/missing.yaml"], ["--config", "missing.yaml"]),
    "bad_extension": (["plot", "-o", "{tmp}/lr.txt"], ["--output", "lr.txt"]),
    "no_extension": (["plot", "-o", "{tmp}/lr"], ["--output", "extension"]),
    "missing_folder": (["plot", "-o", "{tmp}/no/such/folder/lr.png"], ["--output", "lr.png"]),
    "sched_on_updates_alone": (
        ["table", "--sched-on-updates"],
        ["--sched-on-updates", "--updates-per-epoch"],
    ),
    "per_update_alone": (["table", "--per", "update"], ["--per update", "--updates-per-epoch"]),
    "plateau_plot": (["plot", "--sched", "plateau"], ["--sched plateau"]),
    "plateau_file": (["plot", "--sched", "plateau", "-o", "{tmp}/p.png"], ["--sched plateau"]),
    "plateau_table": (["table", "--sched", "plateau"], ["--sched plateau"]),
    "wsd_decay": (["plot", "--sched", "wsd", "--epochs", "20", "--decay-epochs", "30"], ["--decay-epochs"]),
    "cycle_mul": (["table", "--lr-cycle-mul", "-1"], ["--lr-cycle-mul", "-1"]),
    "unknown_flag": (["table", "--bogus"], ["--bogus"]),
}


@pytest.mark.parametrize(("argv", "named"), list(ERRORS.values()), ids=list(ERRORS))
def test_errors_are_one_line_with_exit_status_2(capsys, tmp_path, argv, named):
    if "-o" in argv and "--sched" not in argv and not HAS["matplotlib"]:
        pytest.skip("checking an output path needs matplotlib's list of formats")
    paths = {f"{{{name}}}": str(path) for name, path in files(tmp_path).items()}
    paths["{tmp}"] = str(tmp_path)
    argv = [paths.get(a, a.replace("{tmp}", str(tmp_path))) for a in argv]
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.endswith("\n") and err.count("\n") == 1, err
    assert err.startswith("lrkit: error: ")
    for part in named:
        assert part in err, (part, err)
    if "-o" in argv:  # nothing written, or a file of another name
        assert not [p for p in tmp_path.iterdir() if p.suffix in (".png", ".txt", "") and p.is_file()]


@needs_yaml
def test_yaml_syntax_error_is_one_line(capsys, tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("sched: [\n", encoding="utf-8")  # YAML's message spans lines, with a caret
    code, out, err = run(capsys, "describe", "--config", str(path))
    assert code == 2 and out == ""
    assert err.startswith(f"lrkit: error: --config {path}: ") and err.count("\n") == 1, err


# -- as a user runs it ----------------------------------------------------------------------------

SCRIPT = Path(sys.executable).with_name("lrkit.exe" if os.name == "nt" else "lrkit")


def shell(*argv: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=120, check=False)


@needs_matplotlib
@pytest.mark.skipif(not SCRIPT.exists(), reason="the lrkit console script is not installed next to python")
def test_console_script(tmp_path):
    done = shell(str(SCRIPT), "plot", *COSINE, "-o", "cosine.png", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "cosine.png"
    assert (tmp_path / "cosine.png").read_bytes().startswith(PNG_SIGNATURE)
    done = shell(str(SCRIPT), "table", "--sched", "wat", cwd=tmp_path)
    assert done.returncode == 2
    assert (
        done.stderr.startswith("lrkit: error: --sched wat: unknown scheduler 'wat'")
        and done.stderr.count("\n") == 1
    )
    assert "Traceback" not in done.stderr


@needs_plotext
def test_python_m_lrkit(tmp_path):
    done = shell(sys.executable, "-m", "lrkit", "plot", *COSINE, "--title", "piped", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "piped" in done.stdout and "\x1b" not in done.stdout
    done = shell(sys.executable, "-m", "lrkit", "describe", "--config", "nowhere.yaml", cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr == "lrkit: error: --config: no such file 'nowhere.yaml'\n"


def test_help_shows_every_default_it_applies(capsys):
    for command in ("plot", "table", "describe"):
        with pytest.raises(SystemExit):
            cli.main([command, "--help"])
        text = " ".join(capsys.readouterr().out.split())
        for shown in (
            "--min-lr LR lower lr bound for cyclic schedules (default: 0)",
            "--warmup-epochs N epochs to warmup LR (default: 5)",
            "--warmup-lr LR warmup learning rate (default: 1e-5)",
            "--cooldown-epochs N epochs to cooldown LR at min_lr (default: 0)",
            "timm's flags: default 300",
            "--seed SEED noise seed, as timm's --seed (default: 42)",
        ):
            assert shown in text, (command, shown)


@pytest.mark.parametrize("command", ["plot", "table", "describe", "export"])
def test_help_names_a_default_for_every_option(capsys, command):
    """Each option's entry in --help says what happens when it is left out (but --to: required)."""
    with pytest.raises(SystemExit):
        cli.main([command, "--help"])
    text = capsys.readouterr().out
    options = text[text.index("options:") :]
    entries = re.split(r"\n  (?=-)", options)[1:]
    assert len(entries) > 20
    missing = [
        entry.split()[0]
        for entry in entries
        if "default" not in entry and not entry.startswith(("-h", "--to"))
    ]
    assert missing == []


@needs_yaml
@pytest.mark.parametrize("command", ["plot", "table", "describe"])
def test_every_command_reads_a_file_as_load_does(tmp_path, command):
    tree = tmp_path / "tree.yaml"
    write_yaml(tree, lrkit.warmup(lrkit.cosine(t_initial=30), warmup_t=4, prefix=True).to_dict())
    recipe = write_yaml(tmp_path / "recipe.yaml", {"sched": "torch:StepLR", "step_size": 3})
    timm_file = write_yaml(tmp_path / "timm.yaml", {"format": "timm", "sched": "step", "epochs": 12})
    for path, argv, t_end in [
        (tree, [], 35),  # through its length, 34
        (recipe, ["--epochs", "4", "--updates-per-epoch", "5"], 20),
        (timm_file, [], 12),
    ]:
        _, (source,) = cli._sources(cli._parser(), [command, "--config", str(path), *argv])
        assert source.schedule == lrkit.load(str(path))
        assert source.t_end == t_end


# -- long tables stream ----------------------------------------------------------------------------


def test_a_table_streams_what_json_dumps_would_write(capsys, monkeypatch):
    monkeypatch.setattr(cli, "_CHUNK", 7)  # several chunks, one row past the last full one
    out = ok(
        capsys,
        "table",
        "--sched",
        "cosine",
        "--epochs",
        "50",
        "--updates-per-epoch",
        "3",
        "--per",
        "update",
        "--json",
        "-",
    )
    rows = json.loads(out)
    assert len(rows) == 150 and rows[0] == {"update": 0, "epoch": 0.0, "lr": rows[0]["lr"]}
    assert out == json.dumps(rows, indent=1) + "\n"
    monkeypatch.undo()
    assert out == ok(
        capsys,
        "table",
        "--sched",
        "cosine",
        "--epochs",
        "50",
        "--updates-per-epoch",
        "3",
        "--per",
        "update",
        "--json",
        "-",
    )


def test_a_table_past_the_row_limit_is_refused_at_once(capsys, monkeypatch):
    monkeypatch.setattr(cli, "MAX_TABLE_ROWS", 1000)
    code, out, err = run(
        capsys,
        "table",
        "--sched",
        "cosine",
        "--epochs",
        "101",
        "--updates-per-epoch",
        "10",
        "--per",
        "update",
    )
    assert code == 2 and out == ""
    assert err == (
        "lrkit: error: the table would have 1,010 rows; lrkit table writes at most 1,000 "
        "(check --epochs and --updates-per-epoch)\n"
    )


class _NanAfter(lrkit.Schedule):
    """A node of a user's own whose value is NaN from t = 3 on (lrkit's own never are, and
    from_callable refuses a function's NaN where it comes out)."""

    def _value(self, xp, t, base):
        return base * xp.where(t < 3, 1.0, math.nan)


def test_a_value_no_table_holds_is_named():
    nan_after = _NanAfter()
    source = cli._Source("x", nan_after, "epoch", 5, 1, 0.1, None)
    rows = cli._rows(source, False, 5, cli._sample_times(source, False)[1])
    with pytest.raises(cli.UsageError, match=r"^the lr at row 3 \(epoch 3\) is nan: no table holds it$"):
        list(cli._json_lines(rows))


@pytest.mark.parametrize(
    ("module", "argv", "message"),
    [
        (
            "matplotlib.backend_bases",
            ["-o", "lr.png"],
            "drawing a picture needs matplotlib: pip install 'lrkit[plot]'",
        ),
        ("plotext", [], "drawing in the terminal needs plotext: pip install 'lrkit[plot]'; or give -o FILE"),
    ],
)
def test_a_picture_without_its_library_is_one_line_naming_the_extra(
    capsys, monkeypatch, module, argv, message
):
    # What a core-only install (`pip install lrkit`) sees: the import fails, the command says why.
    monkeypatch.setitem(sys.modules, module, None)
    code, out, err = run(capsys, "plot", "--sched", "cosine", "--epochs", "10", *argv)
    assert code == 2 and out == ""
    assert err.startswith("lrkit: error: ") and err.rstrip().endswith(message) and err.count("\n") == 1


def test_a_yaml_config_without_pyyaml_names_the_extra(capsys, monkeypatch, tmp_path):
    path = tmp_path / "s.yaml"
    path.write_text("type: cosine\nt_initial: 10\n", encoding="utf-8")
    monkeypatch.setitem(sys.modules, "yaml", None)
    code, _, err = run(capsys, "describe", "--config", str(path))
    assert code == 2 and err.rstrip().endswith("needs PyYAML: pip install 'lrkit[yaml]'")
