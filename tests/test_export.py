"""lrkit.config.export and ``lrkit export``: a schedule written in another framework's terms.

For transformers, seeded configurations of every name the exporter knows are built by lrkit,
exported, and the exported ``TrainingArguments`` fields run through transformers itself (a real
``TrainingArguments``, its ``get_warmup_steps``, ``get_scheduler`` on an SGD optimizer): every
lr up to the end of the run must be lrkit's within ``RTOL``. The export read back by
``lrkit.load`` gives the same values. Schedules with no equivalent say which part lacks one.
"""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

torch = pytest.importorskip("torch")
transformers = pytest.importorskip("transformers")

from transformers import TrainingArguments, get_scheduler  # noqa: E402

import lrkit  # noqa: E402
from lrkit import cli, config  # noqa: E402

RTOL = 1e-9
CONFIGS_PER_NAME = 12


def transformers_lrs(exported: dict, base: float, run: int, tmp_path) -> list[float]:
    """The lrs transformers' Trainer would use for updates 0..run from ``exported``."""
    known = {"lr_scheduler_type", "warmup_steps", "max_steps", "lr_scheduler_kwargs", "learning_rate"}
    assert set(exported) <= known, exported
    args = TrainingArguments(
        output_dir=str(tmp_path),
        lr_scheduler_type=exported["lr_scheduler_type"],
        warmup_steps=exported.get("warmup_steps", 0),
        max_steps=exported.get("max_steps", run),
        lr_scheduler_kwargs=exported.get("lr_scheduler_kwargs", {}),
        learning_rate=exported.get("learning_rate", base),
        report_to=[],
    )
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=args.learning_rate)
    for group in optimizer.param_groups:
        group["lr"] = base  # a group at another lr than the optimizer's default scales with it
    optimizer.param_groups[0]["initial_lr"] = base
    scheduler = get_scheduler(
        args.lr_scheduler_type,
        optimizer=optimizer,
        num_warmup_steps=args.get_warmup_steps(args.max_steps),
        num_training_steps=args.max_steps,
        scheduler_specific_kwargs=args.lr_scheduler_kwargs,
    )
    lrs = []
    for _ in range(run + 1):
        lrs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    return lrs


def configs(name: str, rng: random.Random):
    for _ in range(CONFIGS_PER_NAME):
        total = rng.randint(20, 400)
        w = rng.choice([0, 1, rng.randint(0, total // 2)])
        kw = {}
        if name == "cosine_with_restarts":
            kw["num_cycles"] = rng.randint(1, 6)
        elif name == "polynomial":
            kw = {"power": rng.choice([0.5, 1.0, 2.0, 3.0]), "lr_end": rng.choice([0.0, 1e-4, 0.01])}
        elif name == "cosine_with_min_lr":
            kw["min_lr_rate"] = rng.choice([0.01, 0.1, 0.5])
        elif name == "inverse_sqrt":
            kw["timescale"] = rng.choice([None, rng.randint(1, 200)])
            if kw["timescale"] is None:
                del kw["timescale"]
                w = max(w, 1)
        elif name == "warmup_stable_decay":
            kw = {
                "num_decay_steps": rng.randint(1, total - w),
                "decay_type": rng.choice(["linear", "cosine", "1-sqrt"]),
                "min_lr_ratio": rng.choice([0.0, 0.1]),
            }
        yield {"num_warmup_steps": w, "num_training_steps": total, **kw}


NAMES = [
    "linear",
    "cosine",
    "cosine_with_restarts",
    "polynomial",
    "constant",
    "constant_with_warmup",
    "inverse_sqrt",
    "warmup_stable_decay",
    "cosine_with_min_lr",
]


@pytest.mark.parametrize("name", NAMES)
def test_a_transformers_schedule_exports_to_values_transformers_gives(name, tmp_path):
    rng = random.Random(f"export-{name}")
    for arguments in configs(name, rng):
        base = rng.choice([0.1, 3e-4, 1.0])
        if name == "polynomial":
            arguments = {**arguments, "lr_end": arguments["lr_end"] * base, "base_lr": base}
        schedule = lrkit.create(f"transformers:{name}", **arguments)
        run = arguments["num_training_steps"]
        exported = config.export(schedule, "transformers", base=base, run=run)
        json.dumps(exported)  # plain data
        theirs = transformers_lrs(exported, base, run, tmp_path)
        mine = schedule(np.arange(run + 1, dtype=np.float64), base=base)
        np.testing.assert_allclose(theirs, mine, rtol=RTOL, atol=RTOL * base * 1e-3, err_msg=str(exported))
        again = lrkit.load(exported, format="transformers")
        np.testing.assert_allclose(again(np.arange(run + 1.0), base=base), mine, rtol=RTOL, atol=1e-15)


@pytest.mark.parametrize(
    "schedule",
    [
        lrkit.warmup(lrkit.cosine(t_initial=90), warmup_t=10, prefix=True),
        lrkit.warmup(lrkit.linear(t_initial=200), warmup_t=20, prefix=True),
        lrkit.cosine(t_initial=50, lr_min=0.01),
        lrkit.constant(),
    ],
    ids=["warmup-cosine", "warmup-linear", "cosine-to-min", "constant"],
)
def test_lrkit_expressions_export_too(schedule, tmp_path):
    run = max(math.ceil(schedule.length or 0), 30)
    exported = config.export(schedule, "transformers", base=0.1, run=run)
    theirs = transformers_lrs(exported, 0.1, run, tmp_path)
    np.testing.assert_allclose(theirs, schedule(np.arange(run + 1.0), base=0.1), rtol=RTOL, atol=1e-15)


def test_a_config_file_counting_epochs_exports_per_update(tmp_path):
    source = {"type": "warmup", "schedule": {"type": "linear", "t_initial": 9}, "warmup_t": 1, "prefix": True}
    exported = config.export(source, "transformers", epoch_length=10)
    assert exported == {"lr_scheduler_type": "linear", "warmup_steps": 10, "max_steps": 100}
    with pytest.raises(ValueError, match="counts epochs: give epoch_length"):
        config.export(source, "transformers")


def test_what_has_no_equivalent_is_named():
    noisy = lrkit.noise(lrkit.cosine(t_initial=90), pct=0.5, range_t=(0, 50))
    with pytest.raises(
        ValueError, match=r"noise\(cosine\(t_initial=90\).*\) has no equivalent in transformers$"
    ):
        config.export(noisy, "transformers")
    stepped = lrkit.step(decay_t=10, decay_rate=0.5)
    with pytest.raises(ValueError, match=r"^step\(decay_t=10, decay_rate=0.5\) never settles: give run="):
        config.export(stepped, "transformers")
    with pytest.raises(ValueError, match=r"step\(.*\) has no equivalent in transformers"):
        config.export(stepped, "transformers", run=50)
    # Every part known, the values no schedule's: the nearest is named.
    with pytest.raises(
        ValueError, match=r"none of transformers's schedules gives these values .*the nearest"
    ):
        config.export(
            lrkit.warmup(lrkit.cosine(t_initial=90), warmup_t=10, warmup_lr_init=0.5), "transformers"
        )
    with pytest.raises(ValueError, match=r"^to must be one of"):
        config.export(lrkit.constant(), "nowhere")


def test_the_command_exports(tmp_path, capsys):
    out = tmp_path / "args.json"
    argv = ["export", "--to", "transformers", "--sched", "transformers:linear", "num_warmup_steps=5"]
    assert cli.main([*argv, "num_training_steps=50", "-o", str(out)]) == 0
    assert json.loads(out.read_text()) == {"lr_scheduler_type": "linear", "warmup_steps": 5, "max_steps": 50}
    assert cli.main(["export", "--to", "transformers", "--sched", "cosine", "--epochs", "10"]) == 2
    assert "export needs --updates-per-epoch" in capsys.readouterr().err


def test_a_whole_training_arguments_dict_reads(tmp_path):
    args = TrainingArguments(
        output_dir=str(tmp_path),
        lr_scheduler_type="cosine_with_min_lr",
        warmup_steps=0.1,
        num_train_epochs=2,
        learning_rate=0.02,
        lr_scheduler_kwargs={"min_lr": 0.002},
        report_to=[],
    )
    data = json.loads(json.dumps(args.to_dict()))
    spec = config.read(data, epoch_length=30)
    assert (spec.format, spec.unit, spec.base) == ("transformers", "update", 0.02)
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.02)
    scheduler = get_scheduler(
        args.lr_scheduler_type,
        optimizer=optimizer,
        num_warmup_steps=args.get_warmup_steps(60),
        num_training_steps=60,
        scheduler_specific_kwargs=args.lr_scheduler_kwargs,
    )
    theirs = []
    for _ in range(61):
        theirs.append(optimizer.param_groups[0]["lr"])
        optimizer.step()
        scheduler.step()
    mine = lrkit.load(data, epoch_length=30)(np.arange(61.0), base=0.02)
    np.testing.assert_allclose(theirs, mine, rtol=RTOL, atol=1e-15)
    with pytest.raises(
        ValueError, match=r"read as transformers TrainingArguments .*requires `num_training_steps`"
    ):
        lrkit.load(data)


# -- the command reads every format ---------------------------------------------------------------


def test_the_command_compares_an_mmengine_list_with_a_timm_file(tmp_path):
    mm = tmp_path / "mm.json"
    mm.write_text(
        json.dumps(
            {
                "param_scheduler": [
                    {"type": "LinearLR", "start_factor": 0.01, "by_epoch": False, "begin": 0, "end": 50},
                    {"type": "CosineAnnealingLR", "T_max": 9, "by_epoch": True, "begin": 1, "end": 10},
                ]
            }
        )
    )
    timm = tmp_path / "timm.json"
    timm.write_text(json.dumps({"format": "timm", "sched": "cosine", "epochs": 10, "warmup_epochs": 1}))
    argv = ["plot", "--compare", str(mm), str(timm), "--updates-per-epoch", "50", "--sched-on-updates"]
    _, sources = cli._sources(cli._parser(), argv)
    assert [s.label for s in sources] == [str(mm), str(timm)]
    expected = lrkit.load(str(mm), epoch_length=50)
    t = np.arange(500.0)
    np.testing.assert_array_equal(sources[0].schedule(t, 0.1), expected(t, base=0.1))
    assert sources[0].unit == "update"


def test_the_command_reads_a_format_it_is_told(tmp_path, capsys):
    path = tmp_path / "ds.json"
    path.write_text(
        json.dumps({"type": "WarmupLR", "params": {"warmup_num_steps": 10, "warmup_max_lr": 0.1}})
    )
    assert (
        cli.main(
            [
                "table",
                "--config",
                str(path),
                "--format",
                "deepspeed",
                "--epochs",
                "1",
                "--updates-per-epoch",
                "20",
                "--per",
                "update",
                "--json",
                "-",
            ]
        )
        == 0
    )
    rows = json.loads(capsys.readouterr().out)
    theirs = lrkit.load(str(path))
    assert [row["lr"] for row in rows] == pytest.approx(
        [theirs(t, base=1.0) for t in range(len(rows))], rel=1e-12
    )
    assert cli.main(["table", "--config", str(path), "--format", "mmengine"]) == 2
    assert "read as" in capsys.readouterr().err
