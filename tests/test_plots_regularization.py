"""Lesson 11's figures draw what they are given: paths per coefficient, mean curves with stop markers, spreads."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.plots import regularization as reg_plots
from lesson_lib.regularize import EarlyStop

MAX_INCHES = 7.4


def test_paths_axes_draws_one_line_per_coefficient_and_the_zero_line():
    fig, ax = plt.subplots()
    coefs = np.array([[1.0, -2.0, 0.5], [0.5, -1.0, 0.0]])
    reg_plots.paths_axes(ax, [0.01, 1.0], coefs, title="paths")
    lines = ax.get_lines()
    assert len(lines) == 4 and ax.get_xscale() == "log"
    np.testing.assert_allclose(lines[1].get_ydata(), [-2.0, -1.0])
    with pytest.raises(ValueError, match="coefs"):
        reg_plots.paths_axes(ax, [0.01, 1.0, 2.0], coefs, title="paths")
    plt.close(fig)


def test_curves_figure_plots_means_and_marks_best_and_stop():
    values = np.array([[3.0, 2.0, 1.0, 2.0], [1.0, 2.0, 1.0, 4.0]])
    stops = {"a": [EarlyStop(3, 2, True), EarlyStop(3, 2, True)]}
    fig = reg_plots.curves_figure({"a": values}, stops)
    ax = fig.axes[0]
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), values.mean(0))
    best, stop = ax.get_lines()[1], ax.get_lines()[2]
    assert (best.get_xdata()[0], best.get_ydata()[0]) == (3, 1.0)
    assert (stop.get_xdata()[0], stop.get_ydata()[0]) == (4, 3.0)
    assert fig.get_figwidth() <= MAX_INCHES
    plt.close(fig)
    with pytest.raises(ValueError, match="curves"):
        reg_plots.curves_figure({})


def test_spread_figure_one_row_per_estimate_with_mean_and_truth():
    fig = reg_plots.spread_figure({"one split": [1.0, 3.0, 5.0], "5-fold": [2.5, 3.0, 3.5]}, truth=3.0)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["one split", "5-fold"]
    np.testing.assert_allclose(ax.get_lines()[0].get_xdata(), [1.0, 3.0, 5.0])
    assert fig.get_figwidth() <= MAX_INCHES
    plt.close(fig)
    with pytest.raises(ValueError, match="estimates"):
        reg_plots.spread_figure([])
