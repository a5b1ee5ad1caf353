"""The ``lrkit`` command: look at a schedule before training with it.

::

    lrkit plot --sched cosine --epochs 100 --warmup-epochs 5 --lr 0.1 -o cosine.png
    lrkit plot --sched torch:OneCycleLR max_lr=0.1 total_steps=1000
    lrkit plot --config sched.yaml                 # the terminal, when no -o is given
    lrkit plot --compare a.yaml b.yaml -o both.svg
    lrkit table --sched step --decay-epochs 30 --epochs 90 --csv lr.csv
    lrkit describe --config conf/train.yaml --key scheduler

A schedule comes from timm's ``train.py`` flags (``--sched`` with one of timm's names and the
flags below, built as timm's ``create_scheduler`` builds it), from any registry name with its
own arguments as ``KEY=VALUE`` words, or from a config file in any format :func:`lrkit.load`
reads (a tree, a recipe, timm settings under ``format: timm``; the command line overrides
timm settings, as train.py's ``--config`` does). A tree or recipe is drawn over its own length
unless ``--epochs`` says otherwise. Errors are one line naming the flag, setting or argument,
with exit status 2.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import inspect
import io
import json
import math
import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import numpy as np

from lrkit import config, tree
from lrkit.checks import ArgumentError
from lrkit.combinators import Cycles, Rebase, Stairs, Warmup
from lrkit.recipes import registry
from lrkit.schedule import Schedule, ignores_base
from lrkit.shapes import FiniteShape, MultiStep, Step

__all__ = ["main"]

# Core argument names and the flags (settings, with underscores) that set them, so an error
# names what the user typed.
_FLAG_OF = {
    "t_initial": "--epochs",
    "num_epochs": "--epochs",
    "warmup_epochs": "--warmup-epochs",
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
    "noise_pct": "--lr-noise-pct",
    "noise_std": "--lr-noise-std",
    "noise_range_t": "--lr-noise",
    "decay_fn": "--lr-decay-fn",
    "stable_timescale": "--lr-stable-timescale",
}


class UsageError(Exception):
    """A mistake in the command line or a config file: one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


class _Help(argparse.HelpFormatter):
    """Every option's help says the default it applies, unless it already does."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if "default" in text or not action.option_strings or action.default is argparse.SUPPRESS:
            return text
        if isinstance(action, argparse._StoreTrueAction):
            return f"{text} (default: off)"
        # `is`, not `==`: a default of 0 (--min-lr) is a value to show, None says nothing.
        if action.default is None:
            return text
        return f"{text} (default: %(default)s)"


@dataclasses.dataclass
class _Source:
    """A schedule to look at, with the clock it runs on."""

    label: str
    schedule: Schedule
    unit: str  # what t counts: "epoch" or "update"
    t_end: float  # in `unit`
    updates_per_epoch: int
    base: float
    settings: dict[str, Any] | None  # the timm settings it came from, for describe's checks
    epochs_known: bool = True  # False for updates without --updates-per-epoch: no epoch to name
    absolute: bool = False  # its values are lrs (an lr was given, or it ignores the base)
    defaults: tuple[str, ...] = ()  # the defaults that shaped it, as flags or KEY=VALUE

    @property
    def defaults_text(self) -> str | None:
        """``train.py defaults: --epochs 300 ...`` or ``defaults: pct_start=0.3, ...``; None if none."""
        return self._defaults_text(self.defaults)

    def _defaults_text(self, items: Sequence[str]) -> str | None:
        if not items:
            return None
        if self.settings is not None:  # timm's flags, as they would be typed
            return "train.py defaults: " + " ".join(items)
        return "defaults: " + ", ".join(items)

    @property
    def clock(self) -> str:
        """The word for the x axis and the times in words: epochs, unless only updates are known."""
        return "epoch" if self.epochs_known else "update"


_EPOCHS_HELP = (
    "number of epochs (timm's flags: default 300, as train.py; a tree or recipe: default its own length)"
)


def _parser() -> _Parser:
    parser = _Parser(
        prog="lrkit",
        description="Plot, tabulate and describe learning-rate schedules.",
        formatter_class=_Help,
    )
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, summary in (
        ("plot", "draw the schedule (a PNG/SVG/PDF with -o, else in the terminal)"),
        ("table", "the value per epoch or per update, as text, CSV or JSON"),
        ("describe", "say in words what the schedule does, and warn about likely mistakes"),
        ("export", "the schedule in another framework's own config, with the same values"),
    ):
        sub = commands.add_parser(name, help=summary, description=summary, formatter_class=_Help)
        group = config.add_argparse_args(sub)
        for action in group._group_actions:
            if action.dest == "sched":
                action.choices = None  # any registry name; timm's names take the flags
                action.help = (
                    f"a scheduler: one of timm's {', '.join(config.timm_names())}, built from the "
                    "flags below as train.py does (default: cosine); or any name `lrkit names` lists, "
                    "with its arguments as KEY=VALUE"
                )
            if action.dest == "epochs":
                action.default = None
                action.help = _EPOCHS_HELP
        sub.add_argument(
            "arguments",
            nargs="*",
            metavar="KEY=VALUE",
            help="arguments of the --sched recipe (values read as YAML: 0.1, [30, 60], true)",
        )
        sub.add_argument(
            "--config",
            metavar="FILE",
            help="YAML or JSON: a schedule tree, a recipe (sched: NAME and its arguments), timm "
            "settings (format: timm) or another framework's config (see --format) "
            "(default: none, the schedule is --sched and the flags)",
        )
        sub.add_argument(
            "--key",
            metavar="PATH",
            help="the block of --config to read, dotted (scheduler) (default: the whole file)",
        )
        sub.add_argument(
            "--format",
            choices=list(config.formats()),
            default=None,
            help="what --config (and --compare's files) hold: "
            + ", ".join(config.formats())
            + " (default: the block's format: marker, else the one format that reads it)",
        )
        for flags, options in config._EXTRA_SETTINGS:
            sub.add_argument(*flags, **options)
        sub.add_argument(
            "--updates-per-epoch",
            type=int,
            default=None,
            metavar="N",
            help="draw or list per update, N per epoch (default: one value per epoch; "
            "a schedule that counts updates is then drawn per update, with no epochs)",
        )
        if name == "plot":
            sub.add_argument(
                "-o",
                "--output",
                metavar="PATH",
                help="write a .png, .svg or .pdf (default: draw in the terminal)",
            )
            sub.add_argument("--log", action="store_true", help="a logarithmic lr axis")
            sub.add_argument(
                "--title",
                default=None,
                help="the plot's title (default: the schedule's name, or 'schedules compared')",
            )
            sub.add_argument(
                "--compare",
                nargs="+",
                metavar="FILE",
                help="overlay the schedules of these config files (and the --config file's, or the "
                "flags' when schedule flags other than --epochs are given) (default: one schedule)",
            )
        if name == "table":
            sub.add_argument(
                "--per", choices=("epoch", "update"), default="epoch", help="one row per epoch or update"
            )
            out = sub.add_mutually_exclusive_group()
            # Without a path (or with '-'), to standard output: where `| head` and `> file` expect it.
            out.add_argument(
                "--csv",
                metavar="PATH",
                nargs="?",
                const="-",
                help="CSV, to PATH or else to standard output (default: a text table on standard output)",
            )
            out.add_argument(
                "--json",
                metavar="PATH",
                nargs="?",
                const="-",
                help="JSON, to PATH or else to standard output (default: a text table on standard output)",
            )
        if name == "export":
            targets = config.exports()
            sub.add_argument(
                "--to",
                required=True,
                choices=list(targets),
                help="the framework: " + "; ".join(f"{k}: {d}" for k, d in targets.items()),
            )
            sub.add_argument(
                "-o",
                "--output",
                metavar="PATH",
                help="write JSON (or YAML for .yaml/.yml) there (default: JSON on standard output)",
            )
    commands.add_parser("names", help="list every scheduler name, by source, with its arguments and defaults")
    return parser


# -- reading the schedule -------------------------------------------------------------------------


def _parse_errors() -> tuple[type[Exception], ...]:
    """What reading a config file raises when the file is no valid JSON / YAML."""
    errors: tuple[type[Exception], ...] = (ValueError, TypeError, ImportError)
    try:
        import yaml
    except ImportError:
        return errors
    return (*errors, yaml.YAMLError)


def _read_spec(
    path: str, key: str | None, upe: int | None, raw: bool = False, format: str | None = None
) -> Any:
    """The file's :class:`config.Spec` (or, ``raw``, its data), errors as one line."""
    try:
        if raw:
            data = config._read_file(path)
            return config._select(config._plain(data), key, path)[0]
        return config.read(path, key=key, format=format, epoch_length=upe)
    except FileNotFoundError:
        raise UsageError(f"--config: no such file {path!r}") from None
    except OSError as error:  # a directory, no permission
        raise UsageError(f"--config {path}: {error.strerror or error}") from None
    except _parse_errors() as error:
        # YAML's messages span several lines (with a caret under the spot): keep them to one.
        text = " ".join(str(error).split())
        raise UsageError(text if text.startswith(path) else f"--config {path}: {text}") from None


def _is_timm_file(data: Any, format: str | None = None) -> bool:
    return isinstance(data, Mapping) and (data.get("format") or format) == "timm"


def _values(words: Sequence[str]) -> dict[str, Any]:
    """``KEY=VALUE`` words as recipe arguments, each value read as YAML (or JSON without PyYAML)."""
    arguments: dict[str, Any] = {}
    for word in words:
        key, sep, text = word.partition("=")
        if not sep or not key.isidentifier():
            raise UsageError(f"{word!r}: recipe arguments are KEY=VALUE words, such as max_lr=0.1")
        if key in arguments:
            raise UsageError(f"{key}= is given twice")
        arguments[key] = _scalar(text)
    return arguments


def _scalar(text: str) -> Any:
    try:
        import yaml

        return yaml.safe_load(text) if text else ""
    except ImportError:
        try:
            return json.loads(text)
        except ValueError:
            return text
    except Exception:  # a YAML syntax error: keep the word as it was typed
        return text


def _timm_source(args: argparse.Namespace, label: str, given: set[str]) -> _Source:
    """The schedule timm's train.py builds from the flags (and a timm file's settings).

    ``given`` holds the settings typed or written in the file; the rest are train.py's defaults.
    """
    base = 1.0 if args.lr is None else args.lr
    upe = args.updates_per_epoch
    settings = dict(vars(args))
    if settings["epochs"] is None:
        settings["epochs"] = 300  # train.py's default
    _check_positive("--epochs", settings["epochs"])
    for flag in ("warmup_epochs", "cooldown_epochs", "warmup_lr", "min_lr"):
        value = settings[flag]
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
        spec = config.timm_spec(label, settings, upe)
    except ArgumentError as error:
        raise UsageError(str(error.renamed(_FLAG_OF))) from None
    except (TypeError, ValueError, ImportError) as error:
        raise UsageError(str(error)) from None
    schedule = spec.schedule
    assert schedule is not None
    if spec.unit == "epoch" and upe:
        # timm sets an epoch schedule once per epoch: every update of epoch e sees its value at e.
        schedule = Stairs(schedule, every=1)
    settings["num_epochs"] = spec.length if spec.unit == "epoch" else spec.length // (upe or 1)
    return _Source(
        label,
        schedule,
        spec.unit,
        spec.length,
        upe or 1,
        base,
        settings,
        absolute=args.lr is not None,
        defaults=tuple(_timm_defaults(settings, given)),
    )


def _spec_source(args: argparse.Namespace, spec: config.Spec, label: str) -> _Source:
    """A tree's or a recipe's schedule, over its own length unless --epochs says otherwise.

    The base is --lr, else the lr the config gives (a DeepSpeed optimizer's, detectron2's
    BASE_LR), else 1: the values are then factors of whatever lr the optimizer has.
    """
    base = args.lr if args.lr is not None else spec.base if spec.base is not None else 1.0
    upe = args.updates_per_epoch
    if spec.schedule is None:
        raise UsageError(
            f"{label}: {spec.description} lowers the lr when a metric stops improving: "
            "it is no function of time to draw, tabulate or describe"
        )
    unit = spec.unit
    if spec.format == "tree" and args.sched_on_updates:
        unit = "update"
    if unit == "update" and args.sched_on_updates and upe is None:
        raise UsageError("--sched-on-updates needs --updates-per-epoch")
    if args.epochs is not None:
        _check_positive("--epochs", args.epochs)
        if unit == "update" and upe is None:
            raise UsageError(f"{label} counts updates: --epochs needs --updates-per-epoch")
        t_end = args.epochs * (upe if unit == "update" else 1)
    else:
        length = spec.schedule.length
        if not length:
            why = "never settles" if length is None else "is constant"
            raise UsageError(f"{label}: {spec.schedule!r} {why}, so it has no length to draw: give --epochs")
        # Up to and with the first settled value: the curve's end is part of what it does.
        t_end = math.floor(length) + 1
    known = unit == "epoch" or upe is not None
    absolute = (
        args.lr is not None
        or spec.base is not None
        or ignores_base(spec.schedule, np.arange(math.ceil(t_end) + 1))
    )
    defaults = (
        [] if spec.recipe is None else _recipe_defaults(spec.recipe, spec.arguments, spec.schedule, t_end)
    )
    return _Source(
        label,
        spec.schedule,
        unit,
        t_end,
        upe or 1,
        base,
        None,
        epochs_known=known,
        absolute=absolute,
        defaults=tuple(defaults),
    )


# The train.py settings each of timm's schedulers reads, in the order they shape it.
_RUN = ("epochs", "warmup_epochs", "warmup_lr")
_CYCLES = ("min_lr", "lr_cycle_limit", "lr_cycle_mul", "lr_cycle_decay")
_WSD = ("decay_epochs", "lr_decay_fn", "min_lr", "cooldown_epochs")
_TIMM_READS = {
    "cosine": (*_RUN, *_CYCLES, "lr_k_decay", "cooldown_epochs"),
    "tanh": (*_RUN, *_CYCLES, "cooldown_epochs"),
    "poly": (*_RUN, "decay_rate", *_CYCLES, "lr_k_decay", "cooldown_epochs"),
    "step": (*_RUN, "decay_epochs", "decay_rate"),
    "multistep": (*_RUN, "decay_milestones", "decay_rate"),
    "constant": _RUN,
    "wsd": (*_RUN, *_WSD),
    "rsqrt": (*_RUN, "lr_stable_timescale", *_WSD),
    "none": ("epochs",),
}
#: Defaults that leave the schedule as it would be without the setting: not worth naming.
_NEUTRAL = {"min_lr": 0, "cooldown_epochs": 0, "lr_cycle_limit": 1, "lr_k_decay": 1.0}


def _timm_defaults(settings: Mapping[str, Any], given: set[str]) -> list[str]:
    """The train.py defaults that shaped the schedule, as the flags that would change them.

    A default is named when the scheduler reads it, nobody gave it, and it does something: no
    floor (``--min-lr 0``) or a single cycle is no choice anyone needs reminding of, while
    train.py's 300 epochs and 5-epoch warmup from 1e-5 are.
    """
    sched = settings["sched"]
    reads = list(_TIMM_READS.get(sched, ()))
    if not settings["warmup_epochs"]:
        reads = [r for r in reads if r != "warmup_lr"]
    if settings["lr_cycle_limit"] <= 1:
        reads = [r for r in reads if r not in ("lr_cycle_mul", "lr_cycle_decay")]
    if settings["lr_noise"] is not None:
        reads += ["lr_noise_pct", "lr_noise_std", "seed"]
    named = []
    for dest in reads:
        value = settings[dest]
        if dest in given or (dest in _NEUTRAL and value == _NEUTRAL[dest]):
            continue
        if dest == "lr_decay_fn" and value is None:
            value = "linear" if sched == "rsqrt" else "1-sqrt"
        if dest == "lr_stable_timescale" and value is None:
            value = settings["warmup_epochs"]  # as timm's wsd: the warmup's length
        shown = " ".join(map(_shown, value)) if isinstance(value, (list, tuple)) else _shown(value)
        named.append(f"--{dest.replace('_', '-')} {shown}")
    return named


def _recipe_defaults(
    recipe: registry.Recipe, arguments: Mapping[str, Any], schedule: Schedule, t_end: float
) -> list[str]:
    """The recipe's arguments left at defaults that shaped the curve, as ``KEY=VALUE``.

    A recipe's defaults include many that do nothing in a given call (timm's noise settings
    without noise, a cycle decay with one cycle, torch's momentum bounds for an lr curve), so
    each is tried at other values: it is named if one of them changes the curve over the run,
    or if no other value can be tried (a string, or a value that builds no schedule). A default
    of None stands for an argument not used (torch's ``epochs`` beside ``total_steps``) or one
    derived from the others, and is left out.
    """
    t = _probe_times(t_end)
    drawn = np.asarray(schedule(t, 1.0), dtype=np.float64)
    named = []
    for name, p in recipe.parameters.items():
        if name in arguments or p.default is inspect.Parameter.empty or p.default is None:
            continue
        if _shapes(recipe, {**arguments, name: p.default}, name, t, drawn):
            named.append(f"{name}={_shown(p.default)}")
    return named


def _shapes(
    recipe: registry.Recipe, arguments: dict[str, Any], name: str, t: np.ndarray, drawn: np.ndarray
) -> bool:
    """Whether another value of ``arguments[name]`` builds a different curve (or none can be tried)."""
    default = arguments[name]
    if isinstance(default, bool):
        others: list[Any] = [not default]
    elif isinstance(default, int):
        others = [default + 1, default - 1]
    elif isinstance(default, float):
        others = [default / 2, default * 2] if default else [0.5, 1.5]
    else:
        return True
    tried = False
    for other in others:
        try:
            _, built = registry.resolve(recipe.qualified, {**arguments, name: other})
            with np.errstate(all="ignore"):
                values = np.asarray(built(t, 1.0), dtype=np.float64)
        except (TypeError, ValueError, ArithmeticError):
            continue  # out of the argument's range
        tried = True
        if not np.array_equal(values, drawn, equal_nan=True):
            return True
    return not tried


def _probe_times(t_end: float) -> np.ndarray:
    """Every integer time of the run (its first 4096) and 1025 times spread over all of it."""
    whole = np.arange(min(math.ceil(t_end), 4096) + 1, dtype=np.float64)
    return np.unique(np.concatenate([whole, np.linspace(0.0, t_end, 1025)]))


def _shown(value: Any) -> str:
    """A value as it would be typed: 1e-05, 0.1, 300, cos, [30, 60]."""
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e16 else f"{value:g}"
    if isinstance(value, str):
        return value
    return repr(value)


def _check_lr(args: argparse.Namespace) -> None:
    if args.lr is not None and not (math.isfinite(args.lr) and args.lr > 0):
        raise UsageError(f"--lr must be a positive number, got {args.lr!r}")
    upe = args.updates_per_epoch
    if upe is not None and upe < 1:
        raise UsageError(f"--updates-per-epoch must be >= 1, got {upe!r}")


def _check_positive(flag: str, value: float) -> None:
    if not value > 0:
        raise UsageError(f"{flag} must be > 0, got {value!r}")


def _recipe_source(args: argparse.Namespace, sub: argparse.ArgumentParser, argv: Sequence[str]) -> _Source:
    """``--sched NAME KEY=VALUE...``: a registry recipe with its own arguments."""
    flags = _schedule_flags_given(sub, argv, exclude=("epochs", "sched_on_updates", "sched"))
    if flags:
        raise UsageError(
            f"{', '.join(flags)}: timm's train.py flags build timm's schedules; "
            f"give {args.sched}'s own arguments as KEY=VALUE"
        )
    arguments = _values(args.arguments)
    try:
        recipe, built = registry.resolve(args.sched, arguments)
    except (TypeError, ValueError) as error:
        raise UsageError(f"--sched {args.sched}: {error}") from None
    spec = config.Spec(
        "recipe",
        args.sched,
        None if recipe.plateau else built,
        recipe.unit,
        None if recipe.plateau else built.length,
        recipe=recipe,
        arguments=arguments,
    )
    return _spec_source(args, spec, recipe.qualified)


def _source(
    args: argparse.Namespace,
    sub: argparse.ArgumentParser,
    argv: Sequence[str],
    path: str | None,
    given: set[str],
) -> _Source:
    if path is not None:
        spec = _read_spec(path, args.key, args.updates_per_epoch, format=args.format)
        if spec.format == "timm":
            return _timm_source(args, path, given)
        if args.arguments:
            raise UsageError(f"KEY=VALUE arguments go with --sched, not with --config {path}")
        return _spec_source(args, spec, path)
    if args.arguments or args.sched not in config.timm_names():
        return _recipe_source(args, sub, argv)
    return _timm_source(args, args.sched, given)


def _sources(parser: _Parser, argv: Sequence[str]) -> tuple[argparse.Namespace, list[_Source]]:
    args = parser.parse_args(argv)
    if args.command == "names":
        return args, []
    sub = parser._subparsers._group_actions[0].choices[args.command]  # type: ignore[union-attr]
    _check_lr(args)
    compare = getattr(args, "compare", None) or []
    command_line = args
    typed = _typed(sub, argv, [*vars(_flag_defaults()), "lr", "seed"])
    given = set(typed)
    if args.config:
        data = _read_spec(args.config, args.key, None, raw=True)
        if _is_timm_file(data, args.format):
            # As timm's train.py does: the file sets the defaults, the command line wins.
            settings = _file_settings(args.config, data)
            given |= set(settings)
            sub.set_defaults(**settings)
            args = parser.parse_args(argv)
    sources = []
    # `plot --compare a.yaml b.yaml` draws the two files; the command line's own schedule joins
    # them only when it is given (--config, or schedule flags), not timm's defaults unasked.
    if args.config or not compare or args.arguments or _schedule_flags_given(sub, argv):
        sources.append(_source(args, sub, argv, args.config, given))
    for path in compare:
        data = _read_spec(path, args.key, None, raw=True)
        if _is_timm_file(data, args.format):
            # A compared file over the command line alone, never over --config's file: each
            # curve is what its own file says, whichever files are drawn next to it.
            settings = _file_settings(path, data)
            merged = argparse.Namespace(**{**vars(command_line), **settings})
            sources.append(_timm_source(merged, path, typed | set(settings)))
        else:
            spec = _read_spec(path, args.key, args.updates_per_epoch, format=args.format)
            sources.append(_spec_source(args, spec, path))
    return args, sources


def _file_settings(path: str, data: Mapping[str, Any]) -> dict[str, Any]:
    """A timm file's own settings, checked, under the names the flags parse into."""
    given = {k: v for k, v in data.items() if k != "format"}
    try:
        settings = config.timm_settings(given, f"--config {path}")
    except (TypeError, ValueError) as error:
        raise UsageError(str(error)) from None
    return {key: settings[key] for key in given}


def _schedule_flags_given(
    sub: argparse.ArgumentParser, argv: Sequence[str], exclude: Sequence[str] = ("epochs", "sched_on_updates")
) -> list[str]:
    """The timm schedule flags ``argv`` sets (but the excluded), as typed.

    Those excluded by default are shared by every compared curve (a schedule tree takes its
    length from --epochs), so they make no curve of their own.
    """
    dests = [dest for dest in vars(_flag_defaults()) if dest not in exclude]
    return sorted("--" + dest.replace("_", "-") for dest in _typed(sub, argv, dests))


def _typed(sub: argparse.ArgumentParser, argv: Sequence[str], dests: Sequence[str]) -> set[str]:
    """Which of the settings ``dests`` the command line sets.

    Parsed again with a marker for every default: a flag typed with its default value counts,
    and so does an abbreviation.
    """
    unset = object()
    saved = {dest: sub.get_default(dest) for dest in dests}
    sub.set_defaults(**dict.fromkeys(dests, unset))
    try:
        parsed = vars(sub.parse_args(argv[1:]))
    finally:
        sub.set_defaults(**saved)
    return {dest for dest in dests if parsed[dest] is not unset}


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
    try:
        from matplotlib.backend_bases import FigureCanvasBase
    except ImportError:
        # The core install has no plotting library: one line that says which extra brings it.
        raise UsageError(
            f"--output {args.output}: drawing a picture needs matplotlib: pip install 'lrkit[plot]'"
        ) from None

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
    curves: Schedule | dict[str, Schedule]
    if len(sources) == 1:
        curves, base = first.schedule, first.base
    else:
        # Each file's curve on its own base (its lr), not on the first one's.
        curves = {_legend(s, sources): Rebase(s.schedule, base=s.base) for s in sources}
        base = 1.0
    try:
        plot(
            curves,
            t_end=t_end,
            base=base,
            updates_per_epoch=first.updates_per_epoch,
            unit=first.unit,
            log=args.log,
            title=_title(args, sources),
            subtitle=_subtitle(sources),
            ylabel=_ylabel(sources),
            marks="auto",
            path=args.output,
        )
    except OSError as error:  # no such folder, no permission
        raise UsageError(f"--output {args.output}: {error.strerror or error}") from None
    print(args.output)


def _title(args: argparse.Namespace, sources: list[_Source]) -> str:
    return args.title or (sources[0].label if len(sources) == 1 else "schedules compared")


def _ylabel(sources: list[_Source]) -> str:
    """lrs where every curve is one; factors of the base where none is."""
    if any(s.absolute for s in sources):
        return "learning rate"
    return "lr (relative to the base)"


def _legend(source: _Source, sources: list[_Source]) -> str:
    """A curve's legend entry; one of factors among lrs says so (its base is 1)."""
    if source.absolute or not any(s.absolute for s in sources):
        return source.label
    return f"{source.label} (relative: no lr given)"


def _subtitle(sources: list[_Source], width: int = 96, most_lines: int | None = 3) -> str | None:
    """The defaults that shaped the curves, wrapped; None when every setting was given.

    A picture has room for ``most_lines`` lines (the rest is cut, pointing to ``describe``);
    the terminal, ``most_lines=None``, for all of them.
    """
    import textwrap

    # A flag and its value (--seed 42) stay on one line: their spaces do not break, until the
    # lines are made.
    parts = [
        (f"{source.label}: " if len(sources) > 1 else "")
        + source._defaults_text([item.replace(" ", _KEEP) for item in source.defaults])
        for source in sources
        if source.defaults
    ]
    if not parts:
        return None
    lines = textwrap.wrap("; ".join(parts), width, break_on_hyphens=False)
    if most_lines is not None and len(lines) > most_lines:
        lines = [
            *lines[: most_lines - 1],
            textwrap.shorten(" ".join(lines[most_lines - 1 :]), width - 20) + " (all: lrkit describe)",
        ]
    return "\n".join(lines).replace(_KEEP, " ")


_KEEP = "\xa0"  # a space textwrap does not break at


def _samples(source: _Source, per_update: bool) -> tuple[np.ndarray, np.ndarray]:
    count, times = _sample_times(source, per_update)
    epochs, t = times(0, count)
    return epochs, np.asarray(source.schedule(t, source.base), dtype=np.float64)


def _sample_times(source: _Source, per_update: bool) -> tuple[int, Any]:
    """How many samples the source's run has, and ``times(i, j)``: samples ``i`` to ``j`` as
    ``(epochs, schedule times)``, so a long run is evaluated a slice at a time."""
    if source.unit == "update":
        count = math.ceil(source.t_end)

        def updates(i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
            t = np.arange(i, j, dtype=np.float64)
            return t / source.updates_per_epoch, t

        return count, updates
    per = source.updates_per_epoch if per_update else 1
    count = math.ceil(source.t_end * per)

    def epochs(i: int, j: int) -> tuple[np.ndarray, np.ndarray]:
        t = np.arange(i, j, dtype=np.float64) / per
        return t, t

    return count, epochs


_PLAIN_MARKERS = ("hd", "dot", "x", "+", "*")


def _terminal_plot(sources: list[_Source], t_end: float, args: argparse.Namespace) -> None:
    try:
        import plotext as plt
    except ImportError:
        raise UsageError(
            "drawing in the terminal needs plotext: pip install 'lrkit[plot]'; or give -o FILE"
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
        label = _legend(source, sources) if len(sources) > 1 else None
        plt.plot(x.tolist(), y.tolist(), label=label, marker=marker)
        positive = y[y > 0]
        if positive.size:
            low, high = min(low, float(positive.min())), max(high, float(positive.max()))
    from lrkit.plot import auto_marks

    marks = {t for source in sources for t in auto_marks(source.schedule, t_end=t_end)}
    for t in sorted(marks):
        # Phase boundaries as in the file plots; the marks are in the schedule's unit, x in epochs.
        plt.vline(t / (sources[0].updates_per_epoch if sources[0].unit == "update" else 1))
    if args.log:
        plt.yscale("log")
        if high > 0:
            # plotext spaces log ticks evenly between the extremes (0.021544, 0.004642, ...):
            # powers of ten read at a glance.
            decades = [10.0**k for k in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)]
            plt.yticks(decades, [f"{d:g}" for d in decades])
    plt.xlabel(sources[0].clock)
    plt.ylabel(_ylabel(sources))
    plt.title(_title(args, sources))
    canvas = plt.build()
    if plain:
        canvas = re.sub(r"\x1b\[[0-9;]*m", "", canvas)  # escape codes are noise in a file or a pipe
    print(canvas)
    subtitle = _subtitle(sources, width=80, most_lines=None)
    if subtitle is not None:
        print(subtitle)


#: The most rows ``lrkit table`` writes: rows are streamed, so memory is not the bound, but a
#: table past this is a typo in --epochs (hours of output), not a table anyone reads.
MAX_TABLE_ROWS = 100_000_000
_CHUNK = 65_536  # rows evaluated at a time: one array of times, not one per row


def _table(args: argparse.Namespace, source: _Source) -> None:
    per_update = args.per == "update"
    if per_update and source.updates_per_epoch == 1 and source.unit == "epoch" and not args.updates_per_epoch:
        raise UsageError(
            f"--per update: {source.label} counts epochs, so a row per update needs how many updates "
            "one epoch has: add --updates-per-epoch N (e.g. --updates-per-epoch 100)"
        )
    count, times = _sample_times(source, per_update)
    if count > MAX_TABLE_ROWS:
        raise UsageError(
            f"the table would have {count:,} rows; lrkit table writes at most {MAX_TABLE_ROWS:,} "
            "(check --epochs and --updates-per-epoch)"
        )
    names = ["update"] if per_update or source.unit == "update" else []
    names += ["epoch", "lr"] if source.epochs_known else ["lr"]
    rows = _rows(source, per_update, count, times)
    if args.json:
        _stream(args.json, _json_lines(rows))
    elif args.csv:
        _stream(args.csv, _csv_lines(names, rows))
    else:
        _stream("-", _text_lines(names, rows), announce=False)


def _rows(source: _Source, per_update: bool, count: int, times: Any) -> Any:
    """Every row of the table as a dict, evaluated a chunk at a time."""
    whole_epochs = not (per_update or source.unit == "update")
    for first in range(0, count, _CHUNK):
        epochs, t = times(first, min(first + _CHUNK, count))
        values = np.asarray(source.schedule(t, source.base), dtype=np.float64)
        for i, (epoch, value) in enumerate(zip(epochs.tolist(), values.tolist(), strict=True), first):
            if not math.isfinite(value):
                raise UsageError(f"the lr at row {i} (epoch {epoch:g}) is {value}: no table holds it")
            row: dict[str, Any] = {"update": i} if not whole_epochs else {}
            if source.epochs_known:
                row["epoch"] = int(epoch) if whole_epochs else epoch
            row["lr"] = value
            yield row


def _json_lines(rows: Any) -> Any:
    # As json.dumps(rows, indent=1) writes the whole list, one row at a time (strict JSON).
    yield "["
    empty = True
    for row in rows:
        yield ("\n " if empty else ",\n ") + json.dumps(row, indent=1, allow_nan=False).replace("\n", "\n ")
        empty = False
    yield "]\n" if empty else "\n]\n"


def _csv_lines(names: list[str], rows: Any) -> Any:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=names)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
        if buffer.tell() > 1 << 16:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def _text_lines(names: list[str], rows: Any) -> Any:
    yield "  ".join(f"{n:>12}" for n in names) + "\n"
    for row in rows:
        yield "  ".join(f"{row[n]:>12.6g}" if n == "lr" else f"{row[n]:>12g}" for n in names) + "\n"


def _stream(path: str, pieces: Any, announce: bool = True) -> None:
    """Write ``pieces`` to ``path`` (``-``: standard output) as they come."""
    if path == "-":
        for piece in pieces:
            sys.stdout.write(piece)
        return
    try:
        with open(path, "w", encoding="utf-8", newline="") as file:
            for piece in pieces:
                file.write(piece)
    except OSError as error:
        raise UsageError(f"cannot write {path!r}: {error.strerror}") from None
    if announce:
        print(path)


def _describe(source: _Source) -> list[str]:
    from lrkit.plot import auto_marks

    scale = source.updates_per_epoch if source.unit == "update" else 1
    epochs, values = _samples(source, per_update=False)
    lines = [f"{source.label}: {source.schedule!r}"]
    total = f"{source.t_end / scale:g} epochs"
    if source.unit == "update":
        total += f" ({source.t_end:g} updates, {source.updates_per_epoch} per epoch)"
    if not source.epochs_known:
        total = f"{source.t_end:g} updates"
    at = source.clock
    settles = source.schedule.length
    if source.settings is None and settles and scale == 1 and source.t_end == math.floor(settles) + 1:
        # Drawn over its own length: say where it settles, and that its settled value is shown.
        total = f"{settles:g} {at}s, where its value settles (shown through {at} {source.t_end - 1:g})"
    lines.append(f"length: {total}; values for a base lr of {source.base:g}")
    if source.defaults_text is not None:
        lines.append(source.defaults_text)
    if not len(values):
        return lines
    marks = auto_marks(source.schedule, t_end=source.t_end)
    if marks:
        # In epochs, as the values below are; the update too when the schedule counts updates.
        phases = ", ".join(
            f"{label} at {at} {t / scale:g}" + (f" (update {t:g})" if scale != 1 else "")
            for t, label in marks.items()
        )
        lines.append(f"phases: {phases}")
    peak = int(np.argmax(values))
    low = int(np.argmin(values))
    lines.append(f"start: {values[0]:.6g}")
    lines.append(f"peak: {values[peak]:.6g} at {at} {epochs[peak]:g}")
    lines.append(f"minimum: {values[low]:.6g}, first at {at} {epochs[low]:g}")
    lines.append(f"final: {values[-1]:.6g} at {at} {epochs[-1]:g}")
    warnings, notes = _warnings(source, values)
    lines.extend(f"warning: {w}" for w in warnings)
    lines.extend(f"note: {n}" for n in notes)
    return lines


def _warnings(source: _Source, values: np.ndarray) -> tuple[list[str], list[str]]:
    """What is likely a mistake (warnings), and what is a rule worth knowing (notes)."""
    found: list[str] = []
    notes: list[str] = []
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
    for visit in tree.walk(source.schedule):
        shape, offset = visit.node, visit.offset
        if offset is None or visit.scale != 1:
            continue  # inside a restart or on a stretched clock: its times are no times of the run
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
            elif len(values) and values[-1] > lr_min * (1 + 1e-9) + 1e-300 and offset + length > end - 1:
                unit = source.unit
                what = f"{inner.name}(t_initial={inner.t_initial:g})"
                if restarts is not None:
                    what += f" over {restarts.cycle_limit} cycles"
                reach = f"{what} reaches its minimum ({lr_min:g})"
                last = f"the run's last {unit}, {end - 1:g} (at {values[-1]:.6g})"
                if offset + length > end:
                    found.append(
                        f"{reach} only at {unit} {offset + length:g}, past {last}: the run stops "
                        "before the decay ends; lengthen the run or shorten the schedule"
                    )
                elif s is not None:
                    # t_initial = epochs is how timm's train.py builds every schedule: its rule, no mistake.
                    notes.append(
                        f"{reach} at {unit} {offset + length:g}, one step after {last}, as timm's "
                        "train.py builds it; --cooldown-epochs N trains N more epochs at the minimum"
                    )
                else:
                    notes.append(
                        f"{reach} at {unit} {offset + length:g}, one step after {last}; "
                        "a run one step longer ends at the minimum"
                    )
    return found, notes


def _export(args: argparse.Namespace, source: _Source) -> None:
    """The schedule in ``--to``'s terms, over the run drawn for it, for a group of lr ``--lr``."""
    if source.unit == "epoch" and not args.updates_per_epoch:
        raise UsageError(f"{source.label} counts epochs: export needs --updates-per-epoch")
    upe = args.updates_per_epoch
    run = math.ceil(source.t_end * (upe if source.unit == "epoch" else 1))
    try:
        data = config.export(
            source.schedule, args.to, base=source.base, run=run, unit=source.unit, epoch_length=upe
        )
    except (TypeError, ValueError) as error:
        raise UsageError(f"export --to {args.to}: {error}") from None
    path = args.output
    if path and path.endswith((".yaml", ".yml")):
        import yaml

        text = yaml.safe_dump(data, sort_keys=False)
    else:
        text = json.dumps(data, indent=2) + "\n"
    if path and path != "-":
        with open(path, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        sys.stdout.write(text)


def _names() -> list[str]:
    """Every registered recipe, grouped by source, with its unit, arguments and defaults."""
    lines = []
    for source in registry.sources():
        recipes = [r for r in registry.recipes() if r.source == source]
        lines.append(f"{source}:")
        for recipe in recipes:
            kind = "metric-driven" if recipe.plateau else f"per {recipe.unit}"
            lines.append(f"  {recipe.name}({recipe.signature()})  [{kind}]")
    lines.append(
        "A bare name means the recipe of that name whose arguments fit; where several fit and differ, "
        "write SOURCE:NAME."
    )
    return lines


def _overview(parser: _Parser) -> str:
    """What ``lrkit`` alone prints: each command in one line, and a first command to try."""
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    width = max(len(c.dest) for c in commands._choices_actions)
    lines = [f"usage: lrkit COMMAND [options]    ({parser.description})", "", "commands:"]
    lines += [f"  {c.dest:<{width}}  {c.help}" for c in commands._choices_actions]
    lines += [
        "",
        "for example:",
        "  lrkit describe --sched cosine --epochs 100 --warmup-epochs 5 --lr 0.1",
        "  lrkit plot --sched cosine --epochs 100 --warmup-epochs 5 --lr 0.1 -o cosine.png",
        "",
        "`lrkit COMMAND --help` lists a command's options and the defaults each applies.",
    ]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``lrkit`` command; returns the exit status."""
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = _parser()
    if not argv:
        # Nothing asked: say what there is to ask, rather than only that something is missing.
        print(_overview(parser))
        return 2
    try:
        args, sources = _sources(parser, argv)
        if args.command == "names":
            print("\n".join(_names()))
        elif args.command == "plot":
            _plot(args, sources)
        elif args.command == "table":
            _table(args, sources[0])
        elif args.command == "export":
            _export(args, sources[0])
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
