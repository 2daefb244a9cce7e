"""Lesson-01 playground: right trajectories, honest status, no recompilation, visible errors."""

import warnings

import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.compilation import count_compilations
from lesson_lib.data import linear_regression_data
from lesson_lib.nets import narrow_solution
from lesson_lib.plots import decade_levels
from lesson_lib.plots.narrow import MAX_WIDTH
from lesson_lib.playground.landscape import LandscapePlayground


def numpy_descent(w1, w2, lr, steps, x, y):
    """Gradient descent on mean((y - w1 w2 x)²) with the hand-derived gradient, float64."""
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    path = [(w1, w2)]
    for _ in range(steps):
        r = np.mean(x * (y - w1 * w2 * x))
        w1, w2 = w1 + 2 * lr * r * w2, w2 + 2 * lr * r * w1
        path.append((w1, w2))
    return np.array(path)


@pytest.fixture(scope="module")
def data():
    return linear_regression_data(key=jax.random.key(0))


@pytest.fixture(scope="module")
def pg():
    playground = LandscapePlayground(steps=120, grid_n=41)
    playground.fig.canvas.draw()  # first display: caches the background
    yield playground
    plt.close(playground.fig)


def set_values(pg, **values):
    for name, value in values.items():
        pg.controls[name].value = value


def test_narrow_solution_is_the_least_squares_answer(data):
    x, y = (np.asarray(a, dtype=float) for a in data)
    slope = np.linalg.lstsq(x[:, None], y, rcond=None)[0][0]
    solution = narrow_solution(*data)
    assert solution.product == pytest.approx(slope, rel=1e-5)
    assert solution.loss == pytest.approx(np.mean((y - slope * x) ** 2), rel=1e-4)
    assert solution.product == pytest.approx(2.0, abs=0.05)  # slope 2, small noise


def test_decade_levels_span_whole_decades():
    levels = decade_levels(np.array([[0.011, 5.0], [24.0, np.nan]]), per_decade=2)
    assert levels[0] == pytest.approx(1e-2) and levels[-1] == pytest.approx(1e2)
    np.testing.assert_allclose(levels[::2], [1e-2, 1e-1, 1.0, 1e1, 1e2])


@pytest.mark.slow
def test_trajectory_matches_a_hand_written_descent(pg, data):
    set_values(pg, w1=0.5, w2=-1.5, lr=0.05)
    expected = numpy_descent(0.5, -1.5, 0.05, 120, *data)
    xs, ys = pg.path.get_data()
    np.testing.assert_allclose(np.column_stack([xs, ys]), expected, rtol=1e-3, atol=1e-4)
    assert pg.start.get_data()[0][0] == pytest.approx(0.5)
    # it reaches the valley of global minima
    final = expected[-1]
    assert final[0] * final[1] == pytest.approx(narrow_solution(*data).product, rel=1e-3)
    assert pg.status.value == (
        "start (0.50, -1.50), lr 5.0e-02: loss 1.1e-02 after 120 steps, w1·w2 = 2.00"
    )
    assert not pg.curve.marker.get_visible()


@pytest.mark.slow
def test_start_on_the_antidiagonal_slides_into_the_saddle(pg, data):
    # On w1 = -w2 the gradient keeps w1 = -w2, and the product (<0) only shrinks:
    # gradient descent ends on the saddle at the origin, with loss mean(y²).
    set_values(pg, w1=-1.0, w2=1.0, lr=0.05)
    final = np.asarray(pg.run.params[-1])
    assert np.all(np.abs(final) < 1e-3)
    mean_y2 = float(np.mean(np.asarray(data[1], dtype=float) ** 2))
    assert float(pg.run.losses[-1]) == pytest.approx(mean_y2, rel=1e-4)


def test_divergence_is_shown_not_crashed(pg):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        set_values(pg, w1=2.0, w2=2.0, lr=1.0)
    assert pg.last_error is None
    assert pg.run.diverged_at is not None
    assert pg.status.value.endswith(f"diverged at step {pg.run.diverged_at}")
    assert pg.curve.marker.get_visible()
    xs, ys = pg.path.get_data()
    assert np.all(np.isfinite(xs)) and np.all(np.isfinite(ys))
    assert np.max(np.abs(xs)) <= 2 * pg.lim and np.max(np.abs(ys)) <= 2 * pg.lim
    end = pg.end.get_data()
    assert abs(end[0][0]) <= pg.lim and abs(end[1][0]) <= pg.lim  # pinned to the frame
    assert pg.end.get_marker() == "X"


def test_slider_move_changes_the_rendered_pixels(pg):
    set_values(pg, w1=0.5, w2=-1.5, lr=0.05)
    before = np.asarray(pg.fig.canvas.buffer_rgba()).copy()
    set_values(pg, w1=-2.0)
    after = np.asarray(pg.fig.canvas.buffer_rgba())
    assert np.any(before != after)


@pytest.mark.slow
def test_no_recompilation_over_every_slider_range(pg):
    set_values(pg, w1=0.5, w2=-1.5, lr=0.05)
    sweeps = {
        "w1": np.linspace(-2.5, 2.5, 21),
        "w2": np.linspace(-2.5, 2.5, 21),
        "lr": np.geomspace(1e-3, 1.0, 21),
    }
    with count_compilations() as count:
        for name, values in sweeps.items():
            for value in values:
                pg.controls[name].value = float(value)
    assert pg.last_error is None
    assert count.compiles == 0 and count.traces == 0


def test_an_exception_in_draw_shows_under_the_plot(pg, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("lesson_lib.playground.landscape.gradient_descent", broken)
    pg.controls["lr"].value = 0.07
    assert isinstance(pg.last_error, RuntimeError)
    assert "boom" in "".join(out.get("text", "") for out in pg.errors.outputs)
    monkeypatch.undo()
    pg.controls["lr"].value = 0.05
    assert pg.last_error is None and pg.errors.outputs == ()


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"steps": 0}, "steps"),
        ({"lim": 0.0}, "lim"),
        ({"lr": -0.1}, "lr"),
        ({"lr": float("nan")}, "lr"),
        ({"w1": 3.0}, "w1"),
        ({"w2": float("inf")}, "w2"),
        ({"grid_n": 1}, "grid_n"),
        ({"x": np.zeros(3), "y": np.zeros(4)}, "x and y"),
        ({"x": np.zeros(3)}, "x and y"),
        ({"x": np.array([1.0, np.nan]), "y": np.ones(2)}, "x must contain only finite"),
        ({"x": np.ones(2), "y": np.array([1.0, np.inf])}, "y must contain only finite"),
        ({"x": np.array([]), "y": np.array([])}, "x must be a non-empty"),
        ({"x": np.ones((2, 2)), "y": np.ones((2, 2))}, "x must be a non-empty 1-D"),
        ({"lr": float("inf")}, "lr"),
        ({"steps": 2.5}, "steps"),
    ],
)
def test_invalid_arguments_name_the_argument(kwargs, name):
    with pytest.raises(ValueError, match=name):
        LandscapePlayground(grid_n=kwargs.pop("grid_n", 11), **kwargs)
    plt.close("all")


def test_figure_fits_the_screen_and_is_labelled(pg):
    assert pg.fig.get_size_inches()[0] <= MAX_WIDTH
    land, loss = pg.fig.axes[0], pg.fig.axes[1]
    for ax in (land, loss):
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
        assert ax.xaxis.label.get_fontsize() >= 8
    assert loss.get_yscale() == "log"


def test_valley_drawn_on_the_hyperbola(pg, data):
    dashed = [line for line in pg.fig.axes[0].get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    best = narrow_solution(*data).product
    for line in dashed:
        np.testing.assert_allclose(line.get_xdata() * line.get_ydata(), best, rtol=1e-6)


@pytest.mark.slow
def test_a_click_on_the_landscape_moves_the_start_and_the_trajectory_follows():
    pg = LandscapePlayground(steps=50, grid_n=41)
    pg.fig.canvas.draw()
    x_px, y_px = pg.ax_land.transData.transform((1.234, 0.8))
    pg.canvas._on_message(pg.canvas, {"type": "click", "x": x_px, "y": pg.fig.bbox.height - y_px}, [])
    assert (pg.controls["w1"].value, pg.controls["w2"].value) == (pytest.approx(1.23), pytest.approx(0.8))
    assert pg.status.value.startswith("start (1.23, 0.80), lr 5.0e-02")
    np.testing.assert_allclose(pg.path.get_data()[0][0], 1.23, atol=1e-6)
    x_px, y_px = pg.fig.axes[1].transData.transform((10, 1.0))  # the loss panel: no new start
    pg.canvas._on_message(pg.canvas, {"type": "click", "x": x_px, "y": pg.fig.bbox.height - y_px}, [])
    assert pg.controls["w1"].value == pytest.approx(1.23) and pg.last_error is None
