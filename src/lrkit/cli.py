"""The ``lrkit`` command: look at a schedule before training with it.

::

    lrkit plot --sched cosine --epochs 100 --warmup-epochs 5 --lr 0.1 -o cosine.png
    lrkit plot --config sched.yaml                 # the terminal, when no -o is given
    lrkit plot --compare a.yaml b.yaml -o both.svg
    lrkit table --sched step --decay-epochs 30 --epochs 90 --csv lr.csv
    lrkit describe --sched cosine --epochs 50 --warmup-epochs 60

A schedule comes from the scheduler flags of timm's ``train.py`` (the shared flag set of
:func:`lrkit.config.add_argparse_args`, built as timm's ``create_scheduler`` builds it), or from
a YAML / JSON file: either the same settings keyed by flag name with underscores
(``sched: cosine``, ``warmup_epochs: 3``, ``lr: 0.1``; the command line overrides them) or a
schedule's :meth:`~lrkit.Schedule.to_dict` tree. Errors are one line naming the flag and the
value, with exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import importlib.util
import io
import json
import math
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from lrkit import config
from lrkit.combinators import Sequential, Stairs, Warmup
from lrkit.recipes import timm as timm_recipes
from lrkit.schedule import Schedule, from_dict
from lrkit.shapes import FiniteShape, MultiStep, Step

__all__ = ["main"]

# Core argument names and the flags that set them, so an error names what the user typed.
_FLAG_OF = {
    "t_initial": "--epochs",
    "warmup_t": "--warmup-epochs",
    "warmup_lr_init": "--warmup-lr",
    "lr_min": "--min-lr",
    "decay_t": "--decay-epochs",
    "decay_epochs": "--decay-epochs",
    "milestones": "--decay-milestones",
    "decay_rate": "--decay-rate",
    "power": "--decay-rate",
    "cycle_mul": "--lr-cycle-mul",
    "cycle_decay": "--lr-cycle-decay",
    "cycle_limit": "--lr-cycle-limit",
    "k_decay": "--lr-k-decay",
    "pct": "--lr-noise-pct",
    "std": "--lr-noise-std",
    "range_t": "--lr-noise",
    "decay_fn": "--lr-decay-fn",
    "stable_timescale": "--lr-stable-timescale",
}


class UsageError(Exception):
    """A mistake in the command line or a config file: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


@dataclasses.dataclass
class _Source:
    """A schedule to look at, with the clock it runs on."""

    label: str
    schedule: Schedule
    unit: str  # what t counts: "epoch" or "update"
    t_end: float  # in `unit`
    updates_per_epoch: int
    base: float
    settings: dict[str, Any] | None  # the flag settings it came from, for describe's checks


def _parser() -> _Parser:
    parser = _Parser(prog="lrkit", description="Plot, tabulate and describe learning-rate schedules.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, summary in (
        ("plot", "draw the schedule (a PNG/SVG/PDF with -o, else in the terminal)"),
        ("table", "the value per epoch or per update, as text, CSV or JSON"),
        ("describe", "say in words what the schedule does, and warn about likely mistakes"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary)
        config.add_argparse_args(sub)
        sub.add_argument(
            "--config", metavar="FILE", help="YAML or JSON: flag settings, or a schedule's to_dict tree"
        )
        sub.add_argument("--lr", type=float, default=None, help="the base lr (default: 1, a multiplier)")
        sub.add_argument("--seed", type=int, default=42, help="noise seed, as timm's --seed (default: 42)")
        sub.add_argument(
            "--updates-per-epoch",
            type=int,
            default=None,
            metavar="N",
            help="draw or list per update, N per epoch",
        )
        if name == "plot":
            sub.add_argument(
                "-o", "--output", metavar="PATH", help="write a .png, .svg or .pdf; else draw in the terminal"
            )
            sub.add_argument("--log", action="store_true", help="a logarithmic lr axis")
            sub.add_argument("--title", default=None, help="the plot's title")
            sub.add_argument(
                "--compare", nargs="+", metavar="FILE", help="overlay the schedules of these config files"
            )
        if name == "table":
            sub.add_argument(
                "--per", choices=("epoch", "update"), default="epoch", help="one row per epoch or update"
            )
            out = sub.add_mutually_exclusive_group()
            out.add_argument("--csv", metavar="PATH", help="write CSV ('-' for standard output)")
            out.add_argument("--json", metavar="PATH", help="write JSON ('-' for standard output)")
    commands.add_parser("names", help="list the scheduler names lrkit.create and --config know")
    return parser


# -- reading the schedule -------------------------------------------------------------------------


def _read_settings(path: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    try:
        data = config._read(path)
    except FileNotFoundError:
        raise UsageError(f"--config: no such file {path!r}") from None
    except (ValueError, ImportError) as error:
        raise UsageError(f"--config {path}: {error}") from None
    if not isinstance(data, Mapping):
        raise UsageError(f"--config {path}: expected a mapping, got {type(data).__name__}")
    if "type" in data:
        return dict(data)
    known = {action.dest for action in parser._actions}
    for key in data:
        if key not in known or key in ("help", "config", "compare", "output"):
            raise UsageError(
                f"--config {path}: unknown setting {key!r} (settings are flag names with underscores)"
            )
    return dict(data)


def _source(args: argparse.Namespace, settings: Mapping[str, Any] | None, label: str) -> _Source:
    base = 1.0 if args.lr is None else args.lr
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number, got {args.lr!r}")
    upe = args.updates_per_epoch
    if upe is not None and upe < 1:
        raise UsageError(f"--updates-per-epoch must be >= 1, got {upe!r}")
    if settings is not None and "type" in settings:
        try:
            schedule = from_dict(settings)
        except (TypeError, ValueError) as error:
            raise UsageError(f"--config {label}: {error}") from None
        _check_positive("--epochs", args.epochs)
        unit = "update" if args.sched_on_updates else "epoch"
        if unit == "update" and upe is None:
            raise UsageError("--sched-on-updates needs --updates-per-epoch")
        t_end = args.epochs * (upe if unit == "update" else 1)
        return _Source(label, schedule, unit, t_end, upe or 1, base, None)

    _check_positive("--epochs", args.epochs)
    for flag in ("warmup_epochs", "cooldown_epochs", "warmup_lr", "min_lr"):
        value = getattr(args, flag)
        if value is not None and value < 0:
            raise UsageError(f"--{flag.replace('_', '-')} must be >= 0, got {value!r}")
    if args.sched_on_updates and upe is None:
        raise UsageError("--sched-on-updates needs --updates-per-epoch")
    try:
        plan = timm_recipes.plan(**timm_recipes.scheduler_kwargs(args), updates_per_epoch=upe or 0)
        schedule = plan.schedule(noise_generator=_noise_generator())
    except (TypeError, ValueError) as error:
        raise UsageError(_flag_message(str(error))) from None
    if plan.step_on_epochs:
        # timm sets an epoch schedule once per epoch: every update of epoch e sees its value at e.
        unit, t_end = "epoch", plan.num_epochs
        if upe:
            schedule = Stairs(schedule, every=1)
    else:
        unit, t_end = "update", plan.num_epochs * upe
    settings = dict(vars(args), num_epochs=plan.num_epochs)
    return _Source(label, schedule, unit, t_end, upe or 1, base, settings)


def _noise_generator() -> str:
    # With torch at hand, draw timm's very noise, so the picture is the run's.
    if importlib.util.find_spec("torch") is None:
        return "lrkit"
    importlib.import_module("lrkit.torch")
    return "torch"


def _check_positive(flag: str, value: float) -> None:
    if not value > 0:
        raise UsageError(f"{flag} must be > 0, got {value!r}")


def _flag_message(message: str) -> str:
    for name, flag in _FLAG_OF.items():
        message = re.sub(rf"\b{name}\b", flag, message, count=1)
    return message


def _sources(parser: _Parser, argv: Sequence[str]) -> tuple[argparse.Namespace, list[_Source]]:
    args = parser.parse_args(argv)
    if args.command == "names":
        return args, []
    sub = parser._subparsers._group_actions[0].choices[args.command]  # type: ignore[union-attr]
    settings = None
    if args.config:
        settings = _read_settings(args.config, sub)
        if "type" not in settings:
            # As timm's train.py does: the file sets the defaults, the command line wins.
            sub.set_defaults(**settings)
            args = parser.parse_args(argv)
    sources = [_source(args, settings, args.config or args.sched)]
    for path in getattr(args, "compare", None) or ():
        file_settings = _read_settings(path, sub)
        if "type" in file_settings:
            sources.append(_source(args, file_settings, path))
        else:
            merged = argparse.Namespace(**{**vars(args), **file_settings})
            sources.append(_source(merged, file_settings, path))
    return args, sources


# -- the commands -----------------------------------------------------------------------------------


def _plot(args: argparse.Namespace, sources: list[_Source]) -> None:
    first = sources[0]
    if any(s.unit != first.unit or s.updates_per_epoch != first.updates_per_epoch for s in sources[1:]):
        raise UsageError(
            "--compare: the schedules step in different units; give them the same --sched-on-updates"
        )
    t_end = max(s.t_end for s in sources)
    if args.output is None:
        _terminal_plot(sources, t_end, args)
        return
    from lrkit.plot import plot

    curves: Schedule | dict[str, Schedule] = (
        first.schedule if len(sources) == 1 else {s.label: s.schedule for s in sources}
    )
    ylabel = "learning rate" if args.lr is not None else "lr (relative to the base)"
    title = args.title or (first.label if len(sources) == 1 else "schedules compared")
    try:
        plot(
            curves,
            t_end=t_end,
            base=first.base,
            updates_per_epoch=first.updates_per_epoch,
            unit=first.unit,
            log=args.log,
            title=title,
            ylabel=ylabel,
            marks="auto",
            path=args.output,
        )
    except ValueError as error:  # matplotlib: an unknown file extension
        raise UsageError(f"--output {args.output}: {error}") from None
    print(args.output)


def _samples(source: _Source, per_update: bool) -> tuple[np.ndarray, np.ndarray]:
    per = source.updates_per_epoch if (source.unit == "update" or per_update) else 1
    if source.unit == "update":
        t = np.arange(math.ceil(source.t_end), dtype=np.float64)
        return t / source.updates_per_epoch, np.asarray(source.schedule(t, source.base), dtype=np.float64)
    t = np.arange(math.ceil(source.t_end * per), dtype=np.float64) / per
    return t, np.asarray(source.schedule(t, source.base), dtype=np.float64)


def _terminal_plot(sources: list[_Source], t_end: float, args: argparse.Namespace) -> None:
    try:
        import plotext as plt
    except ImportError:
        raise UsageError(
            "drawing in the terminal needs plotext (pip install plotext); or give -o FILE"
        ) from None
    plt.clear_figure()
    plain = not sys.stdout.isatty()
    if plain:
        plt.clear_color()
    for source in sources:
        x, y = _samples(source, per_update=source.updates_per_epoch > 1)
        plt.plot(x.tolist(), y.tolist(), label=source.label if len(sources) > 1 else None)
    if args.log:
        plt.yscale("log")
    plt.xlabel("epoch")
    plt.ylabel("learning rate" if args.lr is not None else "lr (relative)")
    plt.title(args.title or (sources[0].label if len(sources) == 1 else "schedules compared"))
    canvas = plt.build()
    if plain:
        canvas = re.sub(r"\x1b\[[0-9;]*m", "", canvas)  # escape codes are noise in a file or a pipe
    print(canvas)


def _table(args: argparse.Namespace, source: _Source) -> None:
    per_update = args.per == "update"
    if per_update and source.updates_per_epoch == 1 and source.unit == "epoch" and not args.updates_per_epoch:
        raise UsageError("--per update needs --updates-per-epoch")
    epochs, values = _samples(source, per_update)
    rows = []
    for i, (epoch, value) in enumerate(zip(epochs.tolist(), values.tolist(), strict=True)):
        row: dict[str, Any] = {"epoch": epoch if per_update or source.unit == "update" else int(epoch)}
        if per_update or source.unit == "update":
            row = {"update": i, **row}
        row["lr"] = value
        rows.append(row)
    if args.json:
        _write(args.json, json.dumps(rows, indent=1) + "\n")
    elif args.csv:
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["epoch", "lr"])
        writer.writeheader()
        writer.writerows(rows)
        _write(args.csv, buffer.getvalue())
    else:
        names = list(rows[0]) if rows else ["epoch", "lr"]
        print("  ".join(f"{n:>12}" for n in names))
        for row in rows:
            print("  ".join(f"{row[n]:>12.6g}" if n == "lr" else f"{row[n]:>12g}" for n in names))


def _write(path: str, text: str) -> None:
    if path == "-":
        sys.stdout.write(text)
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as file:
            file.write(text)
    except OSError as error:
        raise UsageError(f"cannot write {path!r}: {error.strerror}") from None
    print(path)


def _finite_shapes(node: Schedule, offset: float = 0.0) -> Iterator[tuple[Schedule, float]]:
    """Every node of ``node`` with the time its own clock starts at (prefix warmups, pieces)."""
    if isinstance(node, Warmup):
        yield node, offset
        yield from _finite_shapes(node.schedule, offset + (float(node.warmup_t) if node.prefix else 0.0))
        return
    if isinstance(node, Sequential):
        starts = (offset, *(offset + float(b) for b in node.boundaries))
        for piece, start in zip(node.schedules, starts, strict=True):
            yield from _finite_shapes(piece, start)
        return
    if isinstance(node, Stairs):
        yield from _finite_shapes(node.schedule, offset)
        return
    yield node, offset
    if dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            for child in value if isinstance(value, tuple) else (value,):
                if isinstance(child, Schedule):
                    yield from _finite_shapes(child, offset)


def _describe(source: _Source) -> list[str]:
    from lrkit.plot import auto_marks

    scale = source.updates_per_epoch if source.unit == "update" else 1
    unit_name = "update" if source.unit == "update" else "epoch"
    epochs, values = _samples(source, per_update=False)
    lines = [f"{source.label}: {source.schedule!r}"]
    total = f"{source.t_end / scale:g} epochs"
    if source.unit == "update":
        total += f" ({source.t_end:g} updates, {source.updates_per_epoch} per epoch)"
    lines.append(f"length: {total}; values for a base lr of {source.base:g}")
    if not len(values):
        return lines
    marks = auto_marks(source.schedule, t_end=source.t_end)
    if marks:
        phases = ", ".join(f"{label} at {unit_name} {t:g}" for t, label in marks.items())
        lines.append(f"phases: {phases}")
    peak = int(np.argmax(values))
    low = int(np.argmin(values))
    lines.append(f"start: {values[0]:.6g}")
    lines.append(f"peak: {values[peak]:.6g} at epoch {epochs[peak]:g}")
    lines.append(f"minimum: {values[low]:.6g}, first at epoch {epochs[low]:g}")
    lines.append(f"final: {values[-1]:.6g} at epoch {epochs[-1]:g}")
    lines.extend(f"warning: {w}" for w in _warnings(source, values))
    return lines


def _warnings(source: _Source, values: np.ndarray) -> list[str]:
    found = []
    end = source.t_end
    s = source.settings
    if s is not None:
        # Flag settings: the mistakes people make with timm's train.py.
        if s["warmup_epochs"] and not s["warmup_prefix"] and s["warmup_epochs"] >= s["epochs"]:
            found.append(
                f"--warmup-epochs {s['warmup_epochs']} is as long as the run (--epochs {s['epochs']}): "
                "the lr never leaves the warmup"
            )
        if s["sched"] == "step" and s["decay_epochs"] >= s["epochs"]:
            found.append(
                f"--decay-epochs {s['decay_epochs']:g} is past the end (--epochs {s['epochs']}): no decay"
            )
        if s["sched"] == "multistep":
            late = [m for m in s["decay_milestones"] if m >= s["epochs"]]
            if late:
                found.append(f"--decay-milestones {late} are past the end (--epochs {s['epochs']})")
        if s["lr"] is not None and s["min_lr"] > s["lr"]:
            found.append(f"--min-lr {s['min_lr']:g} is above the base lr (--lr {s['lr']:g})")
    for shape, offset in _finite_shapes(source.schedule):
        if isinstance(shape, Warmup) and offset + float(shape.warmup_t) >= end and s is None:
            found.append(
                f"the warmup ({shape.warmup_t:g}) is as long as the run ({end:g}): the lr never leaves it"
            )
        if isinstance(shape, Step) and offset + float(shape.decay_t) >= end and s is None:
            found.append(f"decay_t={shape.decay_t:g} is past the end of the run ({end:g}): no decay")
        if isinstance(shape, MultiStep) and s is None:
            late = [m for m in shape.milestones if offset + m >= end]
            if late:
                found.append(f"milestones {list(late)} are past the end of the run ({end:g})")
        lr_min = getattr(shape, "lr_min", None)
        if isinstance(shape, FiniteShape) and lr_min is not None:
            if lr_min > source.base:
                found.append(f"{shape.name}: lr_min={lr_min:g} is above the base lr {source.base:g}")
            elif (
                len(values)
                and values[-1] > lr_min * (1 + 1e-9) + 1e-300
                and offset + shape.t_initial >= end - 1
            ):
                reached = offset + shape.t_initial
                found.append(
                    f"{shape.name}(t_initial={shape.t_initial:g}) reaches its minimum ({lr_min:g}) only at "
                    f"t={reached:g}, and the run's last value is at t={end - 1:g} "
                    f"(ending at {values[-1]:.6g}); "
                    "lengthen the run or add cooldown epochs"
                )
    return found


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lrkit`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    try:
        args, sources = _sources(parser, argv)
        if args.command == "names":
            for name in config.names():
                sources_of = sorted({v.source for v in config.variants(name)})
                print(f"{name:32} {', '.join(sources_of)}")
        elif args.command == "plot":
            _plot(args, sources)
        elif args.command == "table":
            _table(args, sources[0])
        else:
            print("\n".join(_describe(sources[0])))
    except UsageError as error:
        print(f"lrkit: error: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `lrkit table ... | head`
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
