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
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from lrkit import config
from lrkit.combinators import Cycles, Sequential, Stairs, Warmup
from lrkit.recipes import timm as timm_recipes
from lrkit.schedule import Schedule, from_dict
from lrkit.shapes import Constant, FiniteShape, MultiStep, Step

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
                "--compare",
                nargs="+",
                metavar="FILE",
                help="overlay the schedules of these config files (and the --config file's, or the "
                "flags' when schedule flags other than --epochs are given)",
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


def _parse_errors() -> tuple[type[Exception], ...]:
    """What reading a config file raises when the file is no valid JSON / YAML."""
    errors: tuple[type[Exception], ...] = (ValueError, ImportError)
    try:
        import yaml
    except ImportError:
        return errors
    return (*errors, yaml.YAMLError)


def _read_settings(path: str, parser: argparse.ArgumentParser) -> dict[str, Any]:
    try:
        data = config._read(path)
    except FileNotFoundError:
        raise UsageError(f"--config: no such file {path!r}") from None
    except OSError as error:  # a directory, no permission
        raise UsageError(f"--config {path}: {error.strerror or error}") from None
    except _parse_errors() as error:
        # YAML's messages span several lines (with a caret under the spot): keep them to one.
        raise UsageError(f"--config {path}: {' '.join(str(error).split())}") from None
    if not isinstance(data, Mapping):
        raise UsageError(f"--config {path}: expected a mapping, got {type(data).__name__}")
    if "type" in data:
        return dict(data)
    actions = {action.dest: action for action in parser._actions}
    settings = {}
    for key, value in data.items():
        if key not in actions or key in ("help", "config", "compare", "output"):
            raise UsageError(
                f"--config {path}: unknown setting {key!r} (settings are flag names with underscores)"
            )
        settings[key] = _setting(path, key, value, actions[key])
    return settings


_KINDS = {int: "an integer", float: "a number", str: "a string"}


def _setting(path: str, key: str, value: Any, action: argparse.Action) -> Any:
    """``value`` as its flag would parse it, else a one-line error naming the setting.

    argparse checks neither the type nor the choices of a default, and the file's settings
    become defaults: unchecked, a list for --epochs or an unknown --sched ends in a traceback.
    """
    if value is None and action.default is None:
        return None
    if action.nargs == 0:  # --warmup-prefix, --sched-on-updates, --log
        if not isinstance(value, bool):
            raise UsageError(f"--config {path}: {key}: expected true or false, got {value!r}")
        return value
    many = action.nargs in ("+", "*")
    # A single number for a list flag is a one-item list, as `--decay-milestones 30` is.
    items = value if many and isinstance(value, list) and value else [value]
    kind = action.type if isinstance(action.type, type) else str
    converted = []
    for item in items:
        try:
            if isinstance(item, str):
                item = kind(item)  # as argparse converts what is typed
            elif isinstance(item, bool) or not isinstance(item, (int, float)) or kind is str:
                raise ValueError(item)
            elif kind is int and not float(item).is_integer():
                raise ValueError(item)
            else:
                item = kind(item)
        except (TypeError, ValueError):
            what = _KINDS.get(kind, kind.__name__) + (" or a list of them" if many else "")
            raise UsageError(f"--config {path}: {key}: expected {what}, got {value!r}") from None
        if action.choices is not None and item not in action.choices:
            raise UsageError(
                f"--config {path}: {key}: {item!r} is not one of {', '.join(map(str, action.choices))}"
            )
        converted.append(item)
    return converted if many else converted[0]


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
    if args.sched == "plateau":
        raise UsageError(
            "--sched plateau lowers the lr when a metric stops improving: "
            "it is no function of time to draw, tabulate or describe"
        )
    try:
        plan = timm_recipes.plan(**timm_recipes.scheduler_kwargs(args), updates_per_epoch=upe or 0)
        # timm's train.py builds no scheduler for 'none': the lr stays where the optimizer set it.
        if plan.name == "none":
            schedule = Constant()
        else:
            # Only noise needs torch: importing it for nothing would take seconds of every call.
            generator = _noise_generator() if args.lr_noise is not None else "lrkit"
            schedule = plan.schedule(noise_generator=generator)
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
    compare = getattr(args, "compare", None) or []
    command_line = args
    settings = None
    if args.config:
        settings = _read_settings(args.config, sub)
        if "type" not in settings:
            # As timm's train.py does: the file sets the defaults, the command line wins.
            sub.set_defaults(**settings)
            args = parser.parse_args(argv)
    sources = []
    # `plot --compare a.yaml b.yaml` draws the two files; the command line's own schedule joins
    # them only when it is given (--config, or schedule flags), not timm's defaults unasked.
    if args.config or not compare or _schedule_flags_given(parser, sub, argv):
        sources.append(_source(args, settings, args.config or args.sched))
    for path in compare:
        file_settings = _read_settings(path, sub)
        if "type" in file_settings:
            sources.append(_source(args, file_settings, path))
        else:
            # A compared file over the command line alone, never over --config's file: each
            # curve is what its own file says, whichever files are drawn next to it.
            merged = argparse.Namespace(**{**vars(command_line), **file_settings})
            sources.append(_source(merged, file_settings, path))
    return args, sources


def _schedule_flags_given(parser: _Parser, sub: argparse.ArgumentParser, argv: Sequence[str]) -> bool:
    """Whether ``argv`` sets any of timm's schedule flags but --epochs and --sched-on-updates.

    Those two are shared by every compared curve (a schedule tree takes its length from
    --epochs), so they make no curve of their own. Parsed again with a marker for every
    default: a flag typed with its default value counts, and so does an abbreviation.
    """
    unset = object()
    dests = {dest for dest in vars(_flag_defaults()) if dest not in ("epochs", "sched_on_updates")}
    saved = {dest: sub.get_default(dest) for dest in dests}
    sub.set_defaults(**dict.fromkeys(dests, unset))
    try:
        parsed = vars(parser.parse_args(argv))
    finally:
        sub.set_defaults(**saved)
    return any(parsed[dest] is not unset for dest in dests)


def _flag_defaults() -> argparse.Namespace:
    flags = argparse.ArgumentParser(add_help=False)
    config.add_argparse_args(flags)
    return flags.parse_args([])


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
    from matplotlib.backend_bases import FigureCanvasBase

    from lrkit.plot import plot

    # Checked before drawing: matplotlib saves a name without an extension as NAME.png, a file
    # other than the one named, and its message for an unknown one lists every format it has.
    suffix = os.path.splitext(args.output)[1].lower().lstrip(".")
    if suffix not in FigureCanvasBase.get_supported_filetypes():
        raise UsageError(
            f"--output {args.output}: "
            + (f"unknown image format '.{suffix}'" if suffix else "no file extension")
            + "; give a .png, .svg or .pdf path"
        )
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
            marks=_marks(sources, t_end),
            path=args.output,
        )
    except OSError as error:  # no such folder, no permission
        raise UsageError(f"--output {args.output}: {error.strerror or error}") from None
    print(args.output)


def _marks(sources: list[_Source], t_end: float) -> dict[float, str]:
    """Every curve's phase boundaries, with a label only where it has room to be read.

    Compared schedules often mark the same phase a few epochs apart (two warmups): their
    labels, drawn above the frame, would print over each other. The dashed lines all stay.
    """
    from lrkit.plot import auto_marks

    found: dict[float, str] = {}
    for source in sources:
        for t, label in auto_marks(source.schedule, t_end=t_end).items():
            found.setdefault(t, label)
    # A small-font character is about 1% of the 7-inch figure's axis: two labels overlap when
    # their centres are closer than half their lengths together, plus a character of space.
    char = 0.011 * t_end
    last_t, last_len = -math.inf, 0
    for t in sorted(found):
        if t - last_t < ((last_len + len(found[t])) / 2 + 1) * char:
            found[t] = ""
        else:
            last_t, last_len = t, len(found[t])
    return dict(sorted(found.items()))


def _samples(source: _Source, per_update: bool) -> tuple[np.ndarray, np.ndarray]:
    per = source.updates_per_epoch if (source.unit == "update" or per_update) else 1
    if source.unit == "update":
        t = np.arange(math.ceil(source.t_end), dtype=np.float64)
        return t / source.updates_per_epoch, np.asarray(source.schedule(t, source.base), dtype=np.float64)
    t = np.arange(math.ceil(source.t_end * per), dtype=np.float64) / per
    return t, np.asarray(source.schedule(t, source.base), dtype=np.float64)


_PLAIN_MARKERS = ("hd", "dot", "x", "+", "*")


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
    low, high = math.inf, 0.0
    for index, source in enumerate(sources):
        x, y = _samples(source, per_update=source.updates_per_epoch > 1)
        # Without colours only the marker tells compared curves (and their legend entries) apart.
        marker = _PLAIN_MARKERS[index % len(_PLAIN_MARKERS)] if plain else None
        plt.plot(x.tolist(), y.tolist(), label=source.label if len(sources) > 1 else None, marker=marker)
        positive = y[y > 0]
        if positive.size:
            low, high = min(low, float(positive.min())), max(high, float(positive.max()))
    for t in _marks(sources, t_end):
        # Phase boundaries as in the file plots; the marks are in the schedule's unit, x in epochs.
        plt.vline(t / (sources[0].updates_per_epoch if sources[0].unit == "update" else 1))
    if args.log:
        plt.yscale("log")
        if high > 0:
            # plotext spaces log ticks evenly between the extremes (0.021544, 0.004642, ...):
            # powers of ten read at a glance.
            decades = [10.0**k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]
            plt.yticks(decades, [f"{d:g}" for d in decades])
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
    if isinstance(node, Cycles):
        # The inner clock restarts every cycle: its times are no times of the run.
        return
    if dataclasses.is_dataclass(node):
        for field in dataclasses.fields(node):
            value = getattr(node, field.name)
            for child in value if isinstance(value, tuple) else (value,):
                if isinstance(child, Schedule):
                    yield from _finite_shapes(child, offset)


def _describe(source: _Source) -> list[str]:
    from lrkit.plot import auto_marks

    scale = source.updates_per_epoch if source.unit == "update" else 1
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
        # In epochs, as the values below are; the update too when the schedule counts updates.
        phases = ", ".join(
            f"{label} at epoch {t / scale:g}" + (f" (update {t:g})" if scale != 1 else "")
            for t, label in marks.items()
        )
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
    if s is not None and s["sched"] != "none":  # 'none' has no warmup or decay to get wrong
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
        # Restarts reach the shape's minimum only at the end of the last cycle.
        restarts = shape if isinstance(shape, Cycles) and shape.cycle_limit is not None else None
        inner = shape.schedule if restarts is not None else shape
        lr_min = getattr(inner, "lr_min", None)
        if isinstance(inner, FiniteShape) and lr_min is not None:
            length = restarts.cycle_length() if restarts is not None else inner.t_initial
            if lr_min > source.base:
                if s is None or s["lr"] is None:  # else the --min-lr warning above says it
                    found.append(f"{inner.name}: lr_min={lr_min:g} is above the base lr {source.base:g}")
            elif len(values) and values[-1] > lr_min * (1 + 1e-9) + 1e-300 and offset + length >= end - 1:
                unit = source.unit
                what = f"{inner.name}(t_initial={inner.t_initial:g})"
                if restarts is not None:
                    what += f" over {restarts.cycle_limit} cycles"
                found.append(
                    f"{what} reaches its minimum ({lr_min:g}) only at {unit} {offset + length:g}, "
                    f"and the run's last value is at {unit} {end - 1:g} "
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
        # One line, always: a message quoting a library's own (a parser's) may hold newlines.
        print(f"lrkit: error: {' '.join(str(error).splitlines())}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `lrkit table ... | head`
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
