"""`lesson_lib.plots.scene`: recorded drawing operations land where Agg paints the artists."""

import matplotlib
import numpy as np
import pytest
from matplotlib.figure import Figure

from lesson_lib.plots.scene import record_artists


def _figure():
    fig = Figure(figsize=(4, 3), dpi=100)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8), xlim=(0, 10), ylim=(1e-2, 1e2), yscale="log")
    return fig, ax


def _floats(buffers, index):
    return np.frombuffer(buffers[index], dtype=np.float32).reshape(-1, 2)


def _flip(fig, xy):
    xy = np.asarray(xy, dtype=float)
    return np.column_stack([xy[:, 0], fig.bbox.height - xy[:, 1]])


def test_a_line_is_its_data_in_canvas_pixels_with_y_down():
    fig, ax = _figure()
    x, y = np.arange(11.0), np.geomspace(50, 0.02, 11)
    (line,) = ax.plot(x, y, color="C1", lw=1.5, alpha=0.5)
    ops, buffers = record_artists(fig, [line])
    assert [op["op"] for op in ops] == ["path"]
    expected = _flip(fig, ax.transData.transform(np.column_stack([x, y])))
    np.testing.assert_allclose(_floats(buffers, ops[0]["xy"]), expected, atol=0.01)
    assert ops[0]["stroke"][:3] == pytest.approx(matplotlib.colors.to_rgb("C1"), abs=1e-3)
    assert ops[0]["stroke"][3] == 0.5 and ops[0]["fill"] is None
    assert ops[0]["width"] == pytest.approx(1.5 * 100 / 72, abs=0.01)
    # clipped to the axes, given as (left, top, width, height)
    left, bottom, width, height = ax.bbox.bounds
    assert ops[0]["clip"] == pytest.approx([left, fig.bbox.height - bottom - height, width, height], abs=0.01)


def test_dashes_are_in_pixels():
    fig, ax = _figure()
    (line,) = ax.plot([0, 10], [1, 1], ls="--", lw=2)
    ops, _ = record_artists(fig, [line])
    points = np.array(matplotlib.rcParams["lines.dashed_pattern"]) * 2  # scaled by the line width
    assert ops[0]["dash"] == pytest.approx(points * 100 / 72, abs=0.01)


def test_markers_are_one_shape_stamped_at_every_point():
    fig, ax = _figure()
    (dots,) = ax.plot([1, 5, 9], [0.1, 1, 10], "o", ms=10, color="red", mec="black", ls="none")
    ops, buffers = record_artists(fig, [dots])
    assert [op["op"] for op in ops] == ["markers"]
    at = _floats(buffers, ops[0]["at"])
    np.testing.assert_allclose(at, _flip(fig, ax.transData.transform([[1, 0.1], [5, 1], [9, 10]])), atol=0.01)
    shape = _floats(buffers, ops[0]["xy"])
    radius = 10 / 2 * 100 / 72  # ms is the diameter in points
    assert np.abs(shape).max() == pytest.approx(radius, rel=1e-3)
    assert ops[0]["fill"] == [1.0, 0.0, 0.0, 1.0] and ops[0]["stroke"][:3] == [0.0, 0.0, 0.0]


def test_text_is_filled_glyph_outlines_where_agg_puts_the_text():
    fig, ax = _figure()
    text = ax.text(5, 1, "diverged at step 53", color="C3", fontsize=12, ha="center")
    fig.canvas.draw()
    box = text.get_window_extent()
    ops, buffers = record_artists(fig, [text])
    assert ops and all(op["op"] == "path" and op["stroke"] is None for op in ops)
    assert ops[0]["fill"][:3] == pytest.approx(matplotlib.colors.to_rgb("C3"), abs=1e-3)
    xy = np.concatenate([_floats(buffers, op["xy"]) for op in ops])
    x0, x1 = xy[:, 0].min(), xy[:, 0].max()
    top, bottom = xy[:, 1].min(), xy[:, 1].max()
    assert x0 == pytest.approx(box.x0, abs=3) and x1 == pytest.approx(box.x1, abs=3)
    assert bottom <= fig.bbox.height - box.y0 + 1 and top >= fig.bbox.height - box.y1 - 1


def test_math_text_is_recorded_too():
    fig, ax = _figure()
    text = ax.text(5, 1, r"$2/\lambda_{\max}$")
    ops, _ = record_artists(fig, [text])
    assert ops and ops[0]["op"] == "path"


def test_images_travel_as_rgba_pixels():
    fig, ax = _figure()
    image = ax.imshow(np.arange(12.0).reshape(3, 4), extent=(0, 10, 1e-2, 1e2), aspect="auto")
    ops, buffers = record_artists(fig, [image])
    (op,) = [op for op in ops if op["op"] == "image"]
    width, height = op["size"]
    assert len(buffers[op["rgba"]]) == width * height * 4
    assert width == pytest.approx(ax.bbox.width, abs=2) and height == pytest.approx(ax.bbox.height, abs=2)


def test_hidden_artists_are_skipped_and_z_order_is_kept():
    fig, ax = _figure()
    (low,) = ax.plot([0, 1], [1, 1], zorder=1)
    (high,) = ax.plot([0, 1], [2, 2], zorder=3, color="k")
    (hidden,) = ax.plot([0, 1], [3, 3])
    hidden.set_visible(False)
    ops, _ = record_artists(fig, [high, hidden, low])
    assert len(ops) == 2 and ops[1]["stroke"][:3] == [0.0, 0.0, 0.0]


def test_nan_gaps_stay_nan_for_the_browser_to_skip():
    fig, ax = _figure()
    (line,) = ax.plot([0, 1, 2, 3], [1, np.nan, 2, 3])
    ops, buffers = record_artists(fig, [line])
    xy = _floats(buffers, ops[0]["xy"])
    assert np.isnan(xy[1]).any() and np.isfinite(xy[[0, 2, 3]]).all()
