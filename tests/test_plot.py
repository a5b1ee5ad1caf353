"""lrkit.plot and examples/demo.py: the files they write, what they draw, and lazy matplotlib."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import lrkit

pytest.importorskip("matplotlib")

from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.image import imread

from lrkit.plot import auto_marks, plot

ROOT = Path(__file__).resolve().parents[1]
DEMO = ROOT / "examples" / "demo.py"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
DEMO_FIGURES = [
    "step_decay_rate",
    "step_warmup",
    "multistep",
    "cosine_warmup",
    "cosine_cycle_limit",
    "cosine_cycle_decay",
    "cosine_cycle_mul",
    "cosine_k_decay",
    "tanh",
    "noise",
    "yolov5",
]


def _dashed_xs(ax) -> list[float]:
    return [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"]


def _top_labels(ax) -> list[str]:
    (top,) = ax.child_axes
    return [label.get_text() for label in top.get_xticklabels()]


def _check_png(path: Path) -> None:
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), path
    assert len(data) > 10_000, path
    image = imread(path)
    assert image.ndim == 3 and image.shape[0] > 300 and image.shape[1] > 500, (path, image.shape)
    assert image[..., :3].std() > 0.05, f"{path} looks blank"


# -- the demo -------------------------------------------------------------------------------------


def test_demo_writes_every_png_and_prints_its_path(tmp_path):
    out = tmp_path / "plots"
    result = subprocess.run(
        [sys.executable, str(DEMO), str(out)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    expected = [out / f"{name}.png" for name in DEMO_FIGURES]
    assert [Path(line) for line in result.stdout.splitlines()] == expected
    assert sorted(out.iterdir()) == sorted(expected)
    for path in expected:
        _check_png(path)


def test_demo_defaults_to_out(tmp_path):
    result = subprocess.run(
        [sys.executable, str(DEMO)], capture_output=True, text=True, timeout=120, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} == {f"{name}.png" for name in DEMO_FIGURES}


# -- plot() ---------------------------------------------------------------------------------------


def test_one_schedule_png(tmp_path):
    schedule = lrkit.step(decay_t=5, decay_rate=0.5)
    path = tmp_path / "one.png"
    fig = plot(schedule, t_end=20, base=0.1, title="step", path=path)

    assert isinstance(fig, Figure)
    _check_png(path)
    (ax,) = fig.axes
    (line,) = ax.lines
    assert ax.get_title() == "step"
    assert ax.get_xlabel() == "epoch"
    assert ax.get_ylabel() == "learning rate"
    assert ax.get_legend() is None
    assert ax.get_xlim() == (0.0, 20.0)
    # Drawn as steps held until the next update, closed at t_end.
    assert line.get_drawstyle() == "steps-post"
    x, y = line.get_xdata(), line.get_ydata()
    np.testing.assert_array_equal(x, np.append(np.arange(20.0), 20.0))
    np.testing.assert_allclose(y[:-1], lrkit.sample(schedule, 20, base=0.1))
    assert y[-1] == y[-2]


def test_several_schedules_get_a_legend():
    curves = {"cosine": lrkit.cosine(t_initial=10), "tanh": lrkit.tanh(t_initial=10)}
    fig = plot(curves, t_end=10, path=None, ax=Figure().add_subplot())
    (ax,) = fig.axes
    assert len(ax.lines) == 2
    assert [text.get_text() for text in ax.get_legend().get_texts()] == ["cosine", "tanh"]
    for line, schedule in zip(ax.lines, curves.values(), strict=True):
        np.testing.assert_allclose(line.get_ydata()[:-1], lrkit.sample(schedule, 10))


def test_updates_per_epoch_samples_fractional_epochs():
    schedule = lrkit.warmup(lrkit.cosine(t_initial=10), warmup_t=1)
    ax = Figure().add_subplot()
    plot(schedule, t_end=10, updates_per_epoch=4, steps=False, ax=ax)
    (line,) = ax.lines
    np.testing.assert_allclose(line.get_xdata(), np.arange(40) / 4)
    np.testing.assert_allclose(line.get_ydata(), schedule(np.arange(40) / 4))
    assert ax.get_xlabel() == "epoch (4 updates each)"


def test_update_unit_counts_updates():
    ax = Figure().add_subplot()
    plot(lrkit.linear(t_initial=100), t_end=100, unit="update", updates_per_epoch=25, ax=ax)
    np.testing.assert_array_equal(ax.lines[0].get_xdata()[:-1], np.arange(100.0))
    assert ax.get_xlabel() == "update (25 per epoch)"


def test_each_curve_is_one_array_evaluation():
    calls = []

    def fn(t):
        calls.append(t)
        return 1.0 / (1.0 + t)

    plot(lrkit.from_callable(fn, vectorized=True), t_end=50, updates_per_epoch=100, ax=Figure().add_subplot())
    (t,) = calls
    assert isinstance(t, np.ndarray) and t.shape == (5000,)


def test_log_scale(tmp_path):
    fig = plot(lrkit.exponential(gamma=0.5), t_end=30, log=True, path=tmp_path / "log.png")
    assert fig.axes[0].get_yscale() == "log"
    _check_png(tmp_path / "log.png")


def test_small_values_put_their_power_of_ten_in_the_label():
    ax = Figure().add_subplot()
    plot(lrkit.constant(), t_end=5, base=3e-4, ax=ax)
    assert ax.get_ylabel() == "learning rate ($\\times 10^{-4}$)"
    ax = Figure().add_subplot()
    plot(lrkit.constant(), t_end=5, base=0.937, ylabel="momentum", ax=ax)
    assert ax.get_ylabel() == "momentum"


@pytest.mark.parametrize(
    ("suffix", "magic"), [(".svg", b"<?xml"), (".pdf", b"%PDF"), (".png", PNG_SIGNATURE)]
)
def test_format_follows_the_extension(tmp_path, suffix, magic):
    path = tmp_path / f"curve{suffix}"
    plot(lrkit.cosine(t_initial=10), t_end=10, path=path)
    data = path.read_bytes()
    assert data.startswith(magic)
    if suffix == ".svg":
        assert b"<svg" in data


def test_marks_given_as_times_and_as_labels():
    ax = Figure().add_subplot()
    plot(lrkit.multistep([3, 6], decay_rate=0.5), t_end=10, marks=[3, 6], ax=ax)
    assert _dashed_xs(ax) == [3.0, 6.0]
    assert ax.child_axes == []  # no labels, no label axis

    ax = Figure().add_subplot()
    plot(lrkit.multistep([3, 6], decay_rate=0.5), t_end=10, marks={6: "second", 3: "first"}, ax=ax)
    assert _dashed_xs(ax) == [3.0, 6.0]
    assert _top_labels(ax) == ["first", "second"]


def test_auto_marks_on_the_plot():
    schedule = lrkit.warmup(lrkit.cycles(lrkit.cosine(t_initial=10), cycle_limit=3), warmup_t=2, prefix=True)
    other = lrkit.warmup(lrkit.constant(), warmup_t=5)
    ax = Figure().add_subplot()
    plot({"restarts": schedule, "flat": other}, t_end=25, marks="auto", ax=ax)
    assert _dashed_xs(ax) == [2.0, 5.0, 12.0, 22.0]
    assert _top_labels(ax) == ["warmup end", "warmup end", "cycle 2", "cycle 3"]


def test_each_curve_s_marks_are_in_its_colour():
    """Two warmups a few epochs apart: each end is labelled, in the colour of its curve."""
    short = lrkit.warmup(lrkit.cosine(t_initial=30), warmup_t=3)
    long = lrkit.warmup(lrkit.step(decay_t=10), warmup_t=8)
    both = lrkit.warmup(lrkit.constant(), warmup_t=8)
    ax = Figure().add_subplot()
    plot({"short": short, "long": long, "both": both}, t_end=30, marks="auto", ax=ax)
    colour = {line.get_label(): to_hex(line.get_color()) for line in ax.lines if line.get_linestyle() == "-"}
    (top,) = ax.child_axes
    labels = [(t.get_text(), to_hex(t.get_color())) for t in top.get_xticklabels()]
    # "long" and "both" share their warmup end at 8: one grey mark says it for both.
    assert labels == [("warmup end", colour["short"]), ("warmup end", to_hex("0.3"))]
    dashed = sorted(
        (line.get_xdata()[0], to_hex(line.get_color())) for line in ax.lines if line.get_linestyle() == "--"
    )
    assert dashed == [(3.0, colour["short"]), (8.0, to_hex("0.45"))]
    # One curve: its marks are grey, as they always were.
    ax = Figure().add_subplot()
    plot(short, t_end=30, marks="auto", ax=ax)
    assert [to_hex(t.get_color()) for t in ax.child_axes[0].get_xticklabels()] == [to_hex("0.3")]
    assert [to_hex(line.get_color()) for line in ax.lines if line.get_linestyle() == "--"] == [to_hex("0.45")]


def test_the_subtitle_sits_between_the_title_and_the_mark_labels():
    s = lrkit.warmup(lrkit.cosine(t_initial=30), warmup_t=3)
    fig = plot(s, t_end=30, marks="auto", title="cosine", subtitle="defaults: lr_min=0", path=None)
    ax = fig.axes[0]
    assert ax.title.get_text() == "defaults: lr_min=0"
    (title,) = [text for text in ax.texts if text.get_text() == "cosine"]
    fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    title_box, subtitle_box = title.get_window_extent(renderer), ax.title.get_window_extent(renderer)
    marks_box = ax.child_axes[0].get_tightbbox(renderer)
    assert title_box.y0 >= subtitle_box.y1 - 0.5 and subtitle_box.y0 >= marks_box.y1 - 0.5
    assert title_box.y1 <= fig.bbox.y1  # inside the figure: the layout made room for it
    # Without a subtitle the title is the axes' own, as before.
    fig = plot(s, t_end=30, title="cosine", path=None)
    assert fig.axes[0].title.get_text() == "cosine" and not fig.axes[0].texts


def test_plot_on_given_axes_returns_their_figure():
    fig = Figure()
    axes = fig.subplots(1, 2)
    assert plot(lrkit.constant(), t_end=3, ax=axes[1]) is fig
    assert len(axes[0].lines) == 0 and len(axes[1].lines) == 1
    sub = Figure().subfigures(1, 2)[0]
    ax = sub.add_subplot()
    assert plot(lrkit.constant(), t_end=3, ax=ax) is sub.figure


def test_without_path_or_axes_the_figure_goes_through_pyplot():
    import matplotlib.pyplot as plt

    fig = plot(lrkit.constant(), t_end=3)
    try:
        assert plt.fignum_exists(fig.number)
    finally:
        plt.close(fig)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"schedules": {}}, ValueError),
        ({"schedules": [lrkit.constant()]}, TypeError),
        ({"schedules": {"a": 1.0}}, TypeError),
        ({"t_end": 0}, ValueError),
        ({"unit": "step"}, ValueError),
        ({"updates_per_epoch": 0}, ValueError),
        ({"updates_per_epoch": 2.5}, TypeError),
        ({"marks": "warmup"}, ValueError),
    ],
)
def test_bad_arguments(kwargs, error):
    arguments = {"schedules": lrkit.constant(), "t_end": 5, "ax": Figure().add_subplot()} | kwargs
    with pytest.raises(error):
        plot(arguments.pop("schedules"), **arguments)


# -- auto_marks() ---------------------------------------------------------------------------------


def test_auto_marks_walks_the_tree():
    cosine = lrkit.cosine(t_initial=10)
    restarts = lrkit.cycles(cosine, cycle_limit=3, cycle_mul=2.0)  # cycles of 10, 20, 40
    schedule = lrkit.sequence([lrkit.warmup(lrkit.constant(), warmup_t=3), restarts], boundaries=[5])
    assert auto_marks(schedule) == {
        3.0: "warmup end",
        5.0: "cycles from here",
        15.0: "cycle 2",
        35.0: "cycle 3",
    }
    assert auto_marks(schedule, t_end=15) == {3.0: "warmup end", 5.0: "cycles from here"}
    # Wrappers keep the clock; a WSD marks where its decay starts.
    wrapped = lrkit.noise(lrkit.clamp(0.5 * schedule, max_value=1.0), range_t=(0, 10))
    assert auto_marks(wrapped) == auto_marks(schedule)
    assert auto_marks(lrkit.wsd(t_initial=100, decay_t=20, warmup_t=5)) == {
        5.0: "warmup end",
        85.0: "decay start",
    }


def test_auto_marks_hides_what_a_warmup_covers():
    restarts = lrkit.cycles(lrkit.cosine(t_initial=4), cycle_limit=4)  # restarts at 4, 8, 12
    # Without a prefix the inner clock is not shifted, and the ramp covers the restart at 4.
    assert auto_marks(lrkit.warmup(restarts, warmup_t=6)) == {
        6.0: "warmup end",
        8.0: "cycle 3",
        12.0: "cycle 4",
    }
    assert auto_marks(lrkit.warmup(restarts, warmup_t=0)) == {4.0: "cycle 2", 8.0: "cycle 3", 12.0: "cycle 4"}
    # A later piece of a sequence hides an earlier piece's marks past its start.
    piece = lrkit.warmup(lrkit.constant(), warmup_t=8)
    assert auto_marks(lrkit.sequence([piece, lrkit.constant(0.5)], boundaries=[4])) == {
        4.0: "constant from here"
    }
    assert auto_marks(lrkit.cosine(t_initial=10)) == {}


def test_auto_marks_rejects_non_schedules():
    with pytest.raises(TypeError):
        auto_marks(lambda t: 1.0)


# -- laziness -------------------------------------------------------------------------------------


def test_matplotlib_is_imported_only_when_drawing(tmp_path):
    script = textwrap.dedent(
        f"""
        import sys
        import lrkit
        assert "matplotlib" not in sys.modules, "import lrkit imported matplotlib"
        import lrkit.plot
        assert "matplotlib" not in sys.modules, "import lrkit.plot imported matplotlib"
        lrkit.plot.auto_marks(lrkit.warmup(lrkit.constant(), warmup_t=2))
        assert "matplotlib" not in sys.modules, "auto_marks imported matplotlib"
        lrkit.plot.plot(lrkit.constant(), t_end=3, path={str(tmp_path / "lazy.png")!r})
        assert "matplotlib" in sys.modules
        assert "matplotlib.pyplot" not in sys.modules, "saving went through pyplot"
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    _check_png(tmp_path / "lazy.png")


def test_mark_labels_that_would_overlap_are_lifted_a_row():
    # A warmup end two epochs before a restart: on a 70-epoch axis the two labels would touch.
    restarts = lrkit.cycles(lrkit.cosine(t_initial=3), cycle_mul=8, cycle_limit=3)
    s = lrkit.warmup(restarts, warmup_t=2, prefix=True)
    assert auto_marks(s) == {2.0: "warmup end", 5.0: "cycle 2", 29.0: "cycle 3"}
    fig = plot(s, t_end=70, marks="auto", path=None)
    top = fig.axes[0].child_axes[0]
    pads = {t.label2.get_text(): t.get_pad() for t in top.xaxis.get_major_ticks()}
    assert pads["cycle 2"] > pads["warmup end"] == pads["cycle 3"]
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    boxes = [t.label2.get_window_extent(renderer) for t in top.xaxis.get_major_ticks()]
    assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    # Apart, they stay on one row.
    apart = lrkit.warmup(lrkit.cycles(lrkit.cosine(t_initial=50), cycle_limit=3), warmup_t=10, prefix=True)
    fig = plot(apart, t_end=160, marks="auto", path=None)
    top = fig.axes[0].child_axes[0]
    assert len({t.get_pad() for t in top.xaxis.get_major_ticks()}) == 1
