"""Lesson 10's figure helpers: they fit a 760-px output area, are labelled, and refuse bad input."""

import matplotlib

matplotlib.use("Agg")

import jax  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lesson_lib import search  # noqa: E402
from lesson_lib.plots import search as search_plots  # noqa: E402

MAX_INCHES = 7.4
SQUARE = {"a": (0.0, 1.0, "linear"), "b": (0.0, 1.0, "linear")}
LR = {"lr": (1e-6, 1.0, "log")}


def _figures():
    grid = search.grid_search(search.important_unimportant, SQUARE, 3)
    rand = search.random_search(search.important_unimportant, SQUARE, 9, key=jax.random.key(0))
    a = np.linspace(0, 1, 20)
    aa, bb = np.meshgrid(a, a)
    yield search_plots.points_figure({"grid": grid, "random": rand}, (aa, bb, aa + bb))
    yield search_plots.sampling_figure({"uniform": np.linspace(1e-4, 1, 50),
                                        "log-uniform": np.geomspace(1e-4, 1, 50)}, 1e-4, 1.0)
    coarse = search.random_search(search.lr_l2_standin, LR, 12, key=jax.random.key(1))
    yield search_plots.values_figure({"coarse": coarse}, "lr")
    l2s = np.geomspace(1e-6, 1, 5)
    yield search_plots.cv_figure(l2s, np.full((5, 3), 0.1), np.zeros((5, 3)), chosen=1e-3)


@pytest.mark.slow
@pytest.mark.parametrize("index", range(4))
def test_figures_fit_the_output_area_and_are_labelled(index):
    fig = list(_figures())[index]
    width, height = fig.get_size_inches()
    assert width <= MAX_INCHES and height <= 7.0
    for ax in fig.axes:
        assert ax.get_xlabel() and "(" in ax.get_xlabel()  # with units or scale
    assert any(ax.get_title() for ax in fig.axes)
    assert any(ax.get_ylabel() for ax in fig.axes)
    fig.canvas.draw()
    plt.close(fig)


def test_points_figure_counts_distinct_values():
    grid = search.grid_search(search.important_unimportant, SQUARE, 3)
    fig = search_plots.points_figure({"grid": grid})
    labels = fig.axes[0].get_legend_handles_labels()[1]
    assert "3 distinct values of a" in labels
    plt.close(fig)


def test_sampling_figure_shares_per_decade():
    fig = search_plots.sampling_figure({"uniform": [0.5, 0.6, 0.7, 0.05]}, 1e-4, 1.0)
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert heights == pytest.approx([0, 0, 25, 75])  # decades 1e-4.., 1e-3.., 1e-2.., 1e-1..
    plt.close(fig)


def test_values_figure_marks_failures_and_the_border():
    r = search.grid_search(search.lr_l2_standin, {"lr": (1e-4, 1.0, "log")}, 9)
    assert r.failed  # lr > 0.3 "diverges"
    fig = search_plots.values_figure({"wide": r}, "lr")
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    crosses = [line for line in ax.lines if line.get_marker() == "x"]
    assert len(crosses[0].get_xdata()) == len(r.failed)
    low = search.grid_search(search.lr_l2_standin, {"lr": (1e-6, 1e-3, "log")}, 4)
    fig2 = search_plots.values_figure({"too low": low}, "lr")
    assert any("on the border" in t for t in fig2.axes[0].get_legend_handles_labels()[1])
    plt.close(fig)
    plt.close(fig2)


def test_helpers_refuse_bad_input():
    with pytest.raises(ValueError, match="SearchResult"):
        search_plots.points_figure({"grid": [1, 2]})
    with pytest.raises(ValueError, match="name must be"):
        r = search.grid_search(lambda p: 0.0, LR, 3)
        search_plots.values_figure({"r": r}, "momentum")
    with pytest.raises(ValueError, match="positive"):
        search_plots.sampling_figure({"u": [0.0, 1.0]}, 1e-4, 1.0)
    with pytest.raises(ValueError, match="shape"):
        search_plots.cv_figure([1e-3, 1e-2], np.zeros((3, 2)), np.zeros((3, 2)))
