"""One walk over a schedule's tree, for everything that reads a schedule's structure.

Plots mark phases, ``describe`` checks lengths, the driver decides whether groups may share
one evaluation: each needs every node with the time its clock starts at on the run's clock.
Each node says what its children are and where their clocks sit (:meth:`Schedule.children`);
this module composes those maps, so no reader keeps its own list of node types.

>>> import lrkit
>>> s = lrkit.warmup(lrkit.sequence([lrkit.constant(), lrkit.cosine(t_initial=10)], boundaries=[5]),
...                  warmup_t=2, prefix=True)
>>> [(v.node.name, v.offset) for v in walk(s)]
[('warmup', 0.0), ('sequence', 2.0), ('constant', 2.0), ('cosine', 7.0)]
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

from lrkit.schedule import Schedule

__all__ = ["Visit", "is_affine", "marks", "walk"]


@dataclasses.dataclass(frozen=True)
class Visit:
    """A node, and where its own time 0 sits on the root's clock.

    ``root_t = offset + scale * node_t``, and the node shows in the root's value while
    ``start <= root_t < end``. ``offset`` and ``scale`` are ``None`` below a node that keeps
    a clock of its own (each restart of :func:`lrkit.cycles`, :func:`lrkit.reverse`).
    """

    node: Schedule
    offset: float | None
    scale: float | None
    start: float
    end: float
    depth: int

    def to_root(self, t: float) -> float | None:
        """A time on the node's clock as a time on the root's (None without a clock)."""
        if self.offset is None or self.scale is None:
            return None
        return self.offset + self.scale * t


def walk(schedule: Schedule) -> Iterator[Visit]:
    """Every node of ``schedule``, parents before children, with its clock on the root's."""
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be an lrkit schedule, got {schedule!r}")
    stack = [Visit(schedule, 0.0, 1.0, 0.0, math.inf, 0)]
    while stack:
        visit = stack.pop()
        yield visit
        found = []
        for child, clock in visit.node.children():
            if clock is None or visit.offset is None or visit.scale is None:
                found.append(Visit(child, None, None, visit.start, visit.end, visit.depth + 1))
                continue
            offset = visit.offset + visit.scale * clock.offset
            scale = visit.scale * clock.scale
            start = max(visit.start, visit.offset + visit.scale * clock.start)
            end = min(visit.end, visit.offset + visit.scale * clock.end)
            found.append(Visit(child, offset, scale, start, end, visit.depth + 1))
        stack.extend(reversed(found))


def is_affine(schedule: Schedule) -> bool:
    """Whether every node declares its value ``a(t) * base + b(t)`` (given affine children).

    A declaration counts only on the class that makes it: a subclass that changes the value
    (clamps it, say) and declares nothing is not taken to be affine because its parent was.
    """
    return all(type(visit.node).__dict__.get("affine", False) for visit in walk(schedule))


def marks(schedule: Schedule, t_end: float = math.inf) -> dict[float, str]:
    """Every node's marks on the root's clock, where that node shows, before ``t_end``.

    Where two coincide the outer node's label is kept.
    """
    found: dict[float, str] = {}
    for visit in walk(schedule):
        if visit.offset is None or visit.scale is None or not visit.scale > 0:
            continue
        horizon = min(t_end, visit.end)
        until = (horizon - visit.offset) / visit.scale
        for t, label in visit.node.marks(until):
            at = visit.to_root(t)
            if visit.start < at < visit.end and 0.0 < at < t_end:
                found.setdefault(at, label)
    return dict(sorted(found.items()))
