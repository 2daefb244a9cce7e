"""lesson_lib.plots.initialization: every figure fits a laptop column, has titles and labels, and draws what it is given."""

import matplotlib

matplotlib.use("agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.plots.initialization import (
    MAX_WIDTH,
    plot_fits,
    plot_layer_histograms,
    plot_learning_time,
    plot_singular_values,
)


def check_figure(fig):
    width, _ = fig.get_size_inches()
    assert width <= MAX_WIDTH <= 7.4
    for ax in fig.axes:
        assert ax.get_title()
        assert ax.title.get_fontsize() >= 8
        for label in (ax.xaxis.label, ax.yaxis.label):
            if label.get_text():
                assert label.get_fontsize() >= 8
    fig.canvas.draw()  # renders without error
    plt.close(fig)


def test_learning_time():
    inits = np.array([0.9, 1.0, 1.1, 1.2])
    steps = np.array([np.nan, 3.0, np.nan, np.nan])
    diverged = np.array([False, False, False, True])
    fig = plot_learning_time(inits, steps, diverged, budget=100, depth=50, lr=2e-3, target=0.01)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() and ax.get_ylabel()
    reached, stuck, failed = ax.lines[:3]
    np.testing.assert_array_equal(reached.get_xdata(), [1.0])
    np.testing.assert_array_equal(stuck.get_xdata(), [0.9, 1.1])
    np.testing.assert_array_equal(failed.get_xdata(), [1.2])
    check_figure(fig)


def test_fits():
    x = np.linspace(-1, 1, 5)
    fig = plot_fits(x, x ** 2, {"a": x, "b": -x}, title="fits")
    ax = fig.axes[0]
    assert len(ax.lines) == 3 and ax.get_xlabel() and ax.get_ylabel()
    np.testing.assert_allclose(ax.lines[2].get_ydata(), -x)
    check_figure(fig)


@pytest.mark.slow
def test_layer_histograms():
    rng = np.random.default_rng(0)
    pair = (rng.normal(size=(10, 50, 8)), rng.normal(size=(10, 50, 8)))
    fig = plot_layer_histograms({"linear": pair, "tanh": pair, "relu": pair}, title="t")
    assert len(fig.axes) == 6
    # Each panel: one histogram per shown layer; a density integrates to 1 over the clipped range.
    patch = fig.axes[0].patches[0]
    values, edges, _ = patch.get_data()
    assert np.sum(values * np.diff(edges)) == pytest.approx(1.0)
    check_figure(fig)


def test_singular_values():
    values = {"gaussian": {1: np.array([2.0, 0.5]), 10: np.array([5.0, 1e-13])},
              "orthogonal": {1: np.ones(2), 10: np.ones(2)}}
    fig = plot_singular_values(values, title="t")
    assert len(fig.axes) == 2 and fig.axes[0].get_yscale() == "log"
    assert fig.axes[0].lines[1].get_ydata()[-1] == pytest.approx(1e-12)  # clipped for the log axis
    check_figure(fig)


def test_bad_input():
    with pytest.raises(ValueError, match="inits"):
        plot_learning_time([], [], [], budget=10, depth=2, lr=0.1, target=0.01)
    with pytest.raises(ValueError, match="same shape"):
        plot_learning_time([1.0, 2.0], [1.0], [False], budget=10, depth=2, lr=0.1, target=0.01)
    with pytest.raises(ValueError, match="inits must contain only finite"):
        plot_learning_time([np.nan], [1.0], [False], budget=10, depth=2, lr=0.1, target=0.01)
    with pytest.raises(ValueError, match="budget"):
        plot_learning_time([1.0], [1.0], [False], budget=0, depth=2, lr=0.1, target=0.01)
    with pytest.raises(ValueError, match="same number"):
        plot_fits([1.0, 2.0], [1.0], {}, title="t")
    with pytest.raises(ValueError, match="x must be a non-empty"):
        plot_fits([], [], {}, title="t")
    with pytest.raises(ValueError, match="signals"):
        plot_layer_histograms({}, title="t")
    with pytest.raises(ValueError, match="limit"):
        plot_layer_histograms({"linear": (np.ones((1, 2, 2)),) * 2}, title="t", limit=np.nan)
    with pytest.raises(ValueError, match="values"):
        plot_singular_values({"gaussian": {}}, title="t")
