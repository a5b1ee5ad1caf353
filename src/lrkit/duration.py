"""How long a run is: updates per epoch, the run's number of updates, and time strings.

A schedule counts one clock, epochs or optimizer updates. What a user knows is usually
something else: the number of epochs, ``len(loader)`` on one rank, the gradient accumulation,
the world size, or a config that writes times as Composer does (``"10ep"``, ``"500ba"``,
``"0.05dur"``). This module turns those into the schedule's clock once, before the schedule is
built, so that the schedule itself stays a function of one number.

Why a fraction of the run is resolved here and not kept in the schedule: fvcore and Composer
evaluate schedules at ``where = t / total``, which makes the schedule meaningless without the
total and moves every value when the run is extended. Resolved at read time, a ``"0.05dur"``
warmup is a warmup of so many updates, which a plot, a checkpoint and a resumed run all agree
on; the cost is that extending a run means reading its config again.

>>> updates_per_epoch(loader_length=1001, grad_accum=4)
251
>>> run_updates(epochs=3, loader_length=1001, grad_accum=4)
753
>>> resolve("10ep", unit="update", epoch_length=251)
2510
>>> resolve("0.05dur", unit="update", run=753)
37.65
"""

from __future__ import annotations

import math
import re
from typing import Any

from lrkit import checks as v

__all__ = ["UNITS", "parse", "resolve", "run_updates", "updates_per_epoch"]

#: The suffixes of a time string, for epochs, batches (optimizer updates) and the run's duration.
UNITS = {"ep": "epoch", "ba": "update", "dur": "duration"}

_TIME = re.compile(
    r"\s*([0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(ep|ba|dur)\s*"
)


def updates_per_epoch(
    *,
    loader_length: int | None = None,
    dataset_size: int | None = None,
    batch_size: int | None = None,
    world_size: int = 1,
    grad_accum: int = 1,
    drop_last: bool = False,
) -> int:
    """The optimizer updates in one epoch on one rank.

    ``loader_length`` is ``len(loader)`` on one rank (a ``DistributedSampler`` has already divided
    the dataset by the world size); without it, ``dataset_size`` samples are shared by
    ``world_size`` ranks as ``DistributedSampler`` shares them (``ceil(dataset_size /
    world_size)`` each, padded) and cut into batches of ``batch_size``, the last one partial
    unless ``drop_last``. An epoch of ``n`` batches then makes ``ceil(n / grad_accum)`` updates:
    transformers' Trainer, Lightning and Accelerate all step on a last, partial accumulation.

    >>> updates_per_epoch(loader_length=100, grad_accum=8)
    13
    >>> updates_per_epoch(dataset_size=50_000, batch_size=128, world_size=8)
    49
    >>> updates_per_epoch(dataset_size=50_000, batch_size=128, world_size=8, drop_last=True)
    48
    """
    world_size = v.integer("world_size", world_size, minimum=1)
    grad_accum = v.integer("grad_accum", grad_accum, minimum=1)
    drop_last = v.flag("drop_last", drop_last)
    if loader_length is not None:
        if dataset_size is not None or batch_size is not None:
            raise v.invalid(
                "loader_length", "is len(loader) already: give it, or dataset_size and batch_size, not both"
            )
        batches = v.integer("loader_length", loader_length, minimum=1)
    else:
        if dataset_size is None or batch_size is None:
            raise v.invalid("loader_length", "is needed, or dataset_size and batch_size to compute it")
        dataset_size = v.integer("dataset_size", dataset_size, minimum=1)
        batch_size = v.integer("batch_size", batch_size, minimum=1)
        per_rank = -(-dataset_size // world_size)
        batches = per_rank // batch_size if drop_last else -(-per_rank // batch_size)
        if batches == 0:
            raise v.invalid(
                "batch_size",
                f"{batch_size} is more than the {per_rank} samples a rank gets, and drop_last drops them all",
            )
    return -(-batches // grad_accum)


def run_updates(*, epochs: float, **per_epoch: Any) -> int:
    """The optimizer updates in ``epochs`` epochs: ``epochs`` times :func:`updates_per_epoch`.

    A fractional number of epochs counts the updates of its last, partial epoch, rounded up.

    >>> run_updates(epochs=90, loader_length=5005)
    450450
    >>> run_updates(epochs=2.5, loader_length=10)
    25
    """
    epochs = v.real_or_int("epochs", epochs, minimum=0.0, strict_minimum=True)
    return math.ceil(epochs * updates_per_epoch(**per_epoch))


def parse(text: str) -> tuple[float, str]:
    """A time string as ``(amount, unit)``, the unit one of ``epoch``, ``update``, ``duration``.

    >>> parse("10ep"), parse("500ba"), parse("0.05dur")
    ((10, 'epoch'), (500, 'update'), (0.05, 'duration'))
    """
    if not isinstance(text, str):
        raise TypeError(f"a time string is text such as '10ep', '500ba' or '0.05dur', got {text!r}")
    match = _TIME.fullmatch(text)
    if match is None:
        raise ValueError(
            f"{text[:40]!r} is no time string: a number and a unit, 'ep' (epochs), 'ba' (batches, "
            "that is optimizer updates) or 'dur' (a fraction of the run), such as '10ep', '500ba', '0.05dur'"
        )
    amount = float(match.group(1))
    return (int(amount) if amount.is_integer() and "." not in match.group(1) else amount), UNITS[
        match.group(2)
    ]


def is_time_string(value: Any) -> bool:
    """Whether ``value`` is written as a time string (``"10ep"``), as a config value may be."""
    return isinstance(value, str) and _TIME.fullmatch(value) is not None


def resolve(
    value: Any,
    *,
    unit: str,
    epoch_length: int | None = None,
    run: float | None = None,
) -> Any:
    """``value`` in ``unit`` (``"epoch"`` or ``"update"``); a number is taken as already in it.

    ``epoch_length`` (updates per epoch) converts between epochs and updates; ``run`` is the
    length of the run in ``unit``, which a ``dur`` fraction is of. A conversion that needs one
    of them without it says so.

    >>> resolve("500ba", unit="epoch", epoch_length=250)
    2
    >>> resolve(12, unit="update")
    12
    """
    if unit not in ("epoch", "update"):
        raise ValueError(f"unit must be 'epoch' or 'update', got {unit!r}")
    if not isinstance(value, str):
        return value
    amount, given = parse(value)
    if given == "duration":
        if run is None:
            raise ValueError(
                f"{value!r} is a fraction of the run, and the run's length is not known: give the "
                "config a duration (such as duration: 90ep)"
            )
        result = amount * run
    elif given == unit:
        result = amount
    else:
        if epoch_length is None:
            raise ValueError(
                f"{value!r} counts {given}s and the schedule counts {unit}s: give epoch_length "
                "(the updates per epoch; lrkit.duration.updates_per_epoch computes it)"
            )
        result = amount * epoch_length if given == "epoch" else amount / epoch_length
    return int(result) if isinstance(result, float) and result.is_integer() else result
