"""Draw schedules with matplotlib, one NumPy evaluation per curve.

matplotlib is imported inside :func:`plot`, so ``import lrkit.plot`` needs only NumPy::

    import lrkit
    from lrkit.plot import plot

    s = lrkit.warmup(lrkit.cosine(t_initial=100, lr_min=1e-4), warmup_t=10, warmup_lr_init=1e-4)
    plot(s, t_end=100, base=0.1, updates_per_epoch=10, marks="auto", path="cosine.png")

:func:`auto_marks` reads the times worth a vertical line (warmup ends, restarts, the
hand-over between pieces of a sequence) from a schedule's structure.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Literal

import numpy as np

from lrkit import checks as v
from lrkit import tree
from lrkit.schedule import Schedule

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["auto_marks", "plot"]

_FIGSIZE = (7.0, 4.0)


def auto_marks(schedule: Schedule, t_end: float | None = None) -> dict[float, str]:
    """The times worth marking on a plot of ``schedule``, each with a label, in time order.

    Each node names its own phase ends (the end of a :func:`lrkit.warmup`, each restart of
    :func:`lrkit.cycles`, each hand-over of :func:`lrkit.sequence`, the start of a WSD decay);
    :func:`lrkit.tree.marks` places them on the run's clock. Times are in the schedule's own
    unit; marks at 0, at or past ``t_end``, or hidden under an outer warmup's ramp are left out.

    >>> import lrkit
    >>> restarts = lrkit.cycles(lrkit.cosine(t_initial=10), cycle_limit=3)
    >>> auto_marks(lrkit.warmup(restarts, warmup_t=2, prefix=True))
    {2.0: 'warmup end', 12.0: 'cycle 2', 22.0: 'cycle 3'}
    >>> auto_marks(lrkit.warmup(restarts, warmup_t=2, prefix=True), t_end=20)
    {2.0: 'warmup end', 12.0: 'cycle 2'}
    """
    if not isinstance(schedule, Schedule):
        raise TypeError(f"schedule must be an lrkit schedule, got {schedule!r}")
    limit = math.inf if t_end is None else v.real("t_end", t_end, minimum=0.0)
    return tree.marks(schedule, limit)


def plot(
    schedules: Schedule | Mapping[str, Schedule],
    *,
    t_end: float | None = None,
    base: float = 1.0,
    updates_per_epoch: int = 1,
    unit: Literal["epoch", "update"] = "epoch",
    log: bool = False,
    title: str | None = None,
    subtitle: str | None = None,
    ylabel: str = "learning rate",
    marks: Literal["auto"] | Mapping[float, str] | Iterable[float] | None = None,
    steps: bool = True,
    ax: Axes | None = None,
    path: str | os.PathLike[str] | None = None,
) -> Figure:
    """Draw one schedule, or several from a ``{label: schedule}`` mapping with a legend.

    Each curve is one call ``schedule(t, base)`` on a NumPy array of every update's time:
    with ``unit="epoch"`` the schedule's ``t`` counts epochs and is sampled at
    ``t = update / updates_per_epoch`` for ``0 <= t < t_end`` (fractional when
    ``updates_per_epoch > 1``); with ``unit="update"`` it counts updates, sampled at every
    integer. ``t_end`` and ``marks`` are in the same unit.

    Args:
        schedules: a schedule, or a mapping from legend label to schedule.
        t_end: where the x axis ends; by default where the longest curve stops changing
            (:attr:`Schedule.length`), an error for one that never does.
        base: the value the schedules scale from (a group's initial lr).
        updates_per_epoch: optimizer updates in one epoch.
        unit: what the schedules' ``t`` counts, ``"epoch"`` or ``"update"``.
        log: a logarithmic y axis.
        title: the axes' title.
        subtitle: a smaller line under the title (what the picture assumes: defaults, the
            base); ``title`` may be None.
        ylabel: the y axis label.
        marks: dashed vertical lines: ``"auto"`` for :func:`auto_marks` of every curve, a
            mapping ``{t: label}``, or plain times; labels go above the frame. With several
            curves, an automatic mark of one curve only is drawn, and labelled, in that
            curve's colour; one that several curves share is grey.
        steps: draw each value held until the next update, as the optimizer sees it; False
            joins the samples with straight lines.
        ax: axes to draw on; a new figure when None.
        path: save the figure there, in the format its extension names (``.png``, ``.svg``,
            ``.pdf``, ...).

    Returns:
        The figure drawn on (the root figure of ``ax`` when given).
    """
    curves = _curves(schedules)
    if t_end is None:
        lengths = [s.length for s in curves.values()]
        if any(not length for length in lengths):
            endless = next(s for s in curves.values() if not s.length)
            why = "never settles" if endless.length is None else "is constant"
            raise ValueError(f"t_end is needed: {endless!r} {why}, so it has no length of its own to draw")
        t_end = max(lengths)  # type: ignore[type-var]
    t_end = v.real("t_end", t_end, minimum=0.0, strict_minimum=True)
    base = v.real("base", base)
    updates_per_epoch = v.integer("updates_per_epoch", updates_per_epoch, minimum=1)
    v.choice("unit", unit, ("epoch", "update"))
    found = _resolve_marks(marks, curves, t_end)

    per_unit = updates_per_epoch if unit == "epoch" else 1
    t = np.arange(math.ceil(t_end * per_unit), dtype=np.float64) / per_unit

    if ax is None:
        fig = _new_figure(interactive=path is None)
        ax = fig.add_subplot()
    fig = ax.figure.figure  # the root figure, also when ax sits in a subfigure

    peak = 0.0
    colours: dict[str | None, str] = {}
    for label, schedule in curves.items():
        y = np.asarray(schedule(t, base), dtype=np.float64)
        peak = max(peak, float(np.nanmax(np.abs(y), initial=0.0)))
        if steps:
            # Closing the last step at t_end makes the final update's value visible.
            (line,) = ax.plot(np.append(t, t_end), np.append(y, y[-1]), drawstyle="steps-post", label=label)
        else:
            (line,) = ax.plot(t, y, label=label)
        colours[label] = line.get_color()

    top = _draw_marks(ax, found, colours)
    ax.set_xlim(0, t_end)
    if updates_per_epoch == 1:
        ax.set_xlabel(unit)
    elif unit == "epoch":
        ax.set_xlabel(f"epoch ({updates_per_epoch} updates each)")
    else:
        ax.set_xlabel(f"update ({updates_per_epoch} per epoch)")
    if log:
        ax.set_yscale("log")
        ax.set_ylabel(ylabel)
    else:
        _scaled_ylabel(ax, ylabel, peak)
    ax.grid(True, alpha=0.3)
    _titles(ax, title, subtitle)
    if isinstance(schedules, Mapping):
        ax.legend(fontsize="small")

    if top is not None:
        _stagger(fig, top)
    if path is not None:
        fig.savefig(path, dpi=150)
    return fig


#: A mark: its time, its label ("" for none) and the curve it belongs to (None: every curve's).
Mark = tuple[float, str, "str | None"]


def _draw_marks(ax: Axes, found: list[Mark], colours: Mapping[str | None, str]) -> Axes | None:
    """Dashed lines at the marks, their labels as ticks of a top axis (returned), by colour."""
    shared = "0.45"
    for x, _, curve in found:
        ax.axvline(
            x, color=shared if curve is None else colours[curve], linestyle="--", linewidth=0.9, zorder=1.5
        )
    labelled = [(x, label, curve) for x, label, curve in found if label]
    if not labelled:
        return None
    # Labels above the frame, as ticks of a top axis, never cover a curve and push the title
    # up to make room for themselves.
    top = ax.secondary_xaxis("top")
    top.set_xticks([x for x, _, _ in labelled], labels=[label for _, label, _ in labelled])
    top.tick_params(labelsize="small", labelcolor="0.3", color=shared)
    for tick, (_, _, curve) in zip(top.xaxis.get_major_ticks(), labelled, strict=True):
        if curve is not None:
            tick.label2.set_color(colours[curve])
            tick.tick2line.set_color(colours[curve])
    return top


def _titles(ax: Axes, title: str | None, subtitle: str | None) -> None:
    """The title, and under it a smaller grey subtitle; both above any mark labels."""
    if subtitle is None:
        if title is not None:
            ax.set_title(title)
        return
    # The subtitle is the axes' title, so constrained layout keeps it clear of the mark labels;
    # the title sits on top of it and, as a child of the axes, is made room for too.
    ax.set_title(subtitle, fontsize="small", color="0.35")
    if title is not None:
        ax.annotate(
            title,
            xy=(0.5, 1.0),
            xycoords=ax.title,
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize="large",
        )


def _stagger(fig: Figure, top: Axes) -> None:
    """Lift a mark's label one line above its neighbour's where the two would overlap.

    Marks close in time (a warmup end two epochs before a restart) would print their labels on
    top of each other. Each label takes the lowest row where it clears the label before it;
    sizes are measured by the figure's renderer, so this holds for the figure's size now: a
    figure resized afterwards keeps the rows chosen here.
    """
    if not hasattr(fig.canvas, "get_renderer"):
        # A bare Figure has no renderer until saved; Agg is what saving a PNG attaches anyway.
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        FigureCanvasAgg(fig)
    # Lay the figure out first (constrained layout moves the axes), then measure.
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    ticks = [t for t in top.xaxis.get_major_ticks() if t.label2.get_text()]
    if len(ticks) < 2:
        return
    pad = ticks[0].get_pad()
    gap = renderer.points_to_pixels(4.0)
    rows: list[float] = []  # the right edge of the last label placed in each row, in pixels
    for tick in sorted(ticks, key=lambda t: t.get_loc()):
        box = tick.label2.get_window_extent(renderer)
        row = next((i for i, end in enumerate(rows) if box.x0 >= end + gap), len(rows))
        if row == len(rows):
            rows.append(box.x1)
        rows[row] = box.x1
        if row:
            tick.set_pad(pad + row * tick.label2.get_fontsize() * 1.25)


def _curves(schedules: Schedule | Mapping[str, Schedule]) -> dict[str | None, Schedule]:
    if isinstance(schedules, Schedule):
        return {None: schedules}
    if not isinstance(schedules, Mapping):
        raise TypeError(f"schedules must be a schedule or a mapping of label -> schedule, got {schedules!r}")
    if not schedules:
        raise ValueError("schedules must hold at least one schedule, got an empty mapping")
    for label, schedule in schedules.items():
        if not isinstance(schedule, Schedule):
            raise TypeError(f"schedules[{label!r}] must be an lrkit schedule, got {schedule!r}")
    return {str(label): schedule for label, schedule in schedules.items()}


def _resolve_marks(
    marks: Literal["auto"] | Mapping[float, str] | Iterable[float] | None,
    curves: Mapping[str | None, Schedule],
    t_end: float,
) -> list[Mark]:
    """The marks to draw, in time order, each with the curve it belongs to (None: all)."""
    if marks is None:
        return []
    if isinstance(marks, str):
        if marks != "auto":
            raise ValueError(f"marks must be 'auto', a mapping, times or None; got {marks!r}")
        owners: dict[tuple[float, str], list[str | None]] = {}
        for key, schedule in curves.items():
            for t, label in auto_marks(schedule, t_end).items():
                owners.setdefault((t, label), []).append(key)
        # A mark of some curves only says whose it is (by colour); one they all share, whose
        # it is goes without saying.
        found = [(t, label, None if len(keys) > 1 else keys[0]) for (t, label), keys in owners.items()]
        if len(curves) == 1:
            found = [(t, label, None) for t, label, _ in found]
        return sorted(found, key=lambda mark: mark[0])
    if isinstance(marks, Mapping):
        given = {v.real(f"marks key {t!r}", t): str(label) for t, label in marks.items()}
    else:
        given = {v.real(f"marks[{i}]", t): "" for i, t in enumerate(marks)}
    return [(t, label, None) for t, label in sorted(given.items())]


def _scaled_ylabel(ax: Axes, ylabel: str, peak: float) -> None:
    """Label the y axis, moving a small scale such as 1e-4 out of the ticks into the label.

    matplotlib would print it as an offset text above the axis, where it runs into the title.
    """
    exponent = math.floor(math.log10(peak)) if peak > 0 else 0
    if exponent > -3:
        ax.set_ylabel(ylabel)
        return
    from matplotlib.ticker import ScalarFormatter

    formatter = ScalarFormatter(useOffset=False)
    formatter.set_powerlimits((exponent, exponent))  # equal limits: always this power of ten
    ax.yaxis.set_major_formatter(formatter)
    ax.yaxis.get_offset_text().set_visible(False)
    ax.set_ylabel(f"{ylabel} ($\\times 10^{{{exponent}}}$)")


def _new_figure(*, interactive: bool) -> Figure:
    if interactive:
        # Only a figure that is not saved goes through pyplot, so that plt.show() finds it.
        import matplotlib.pyplot as plt

        return plt.figure(figsize=_FIGSIZE, layout="constrained")
    # A bare Figure renders with the canvas its file format needs (Agg for PNG) and never
    # touches pyplot's backend, so saving works without a display and leaks no open figure.
    from matplotlib.figure import Figure

    return Figure(figsize=_FIGSIZE, layout="constrained")
