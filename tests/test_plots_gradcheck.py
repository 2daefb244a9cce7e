"""Lesson 08's figure: relative error against h on log-log axes."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.plots.gradcheck import ERROR_LIM, MAX_WIDTH, error_vs_h_figure


def test_figure_draws_each_curve_on_log_axes():
    hs = np.geomspace(1e-10, 1e-1, 10)
    curves = {("float64", True): hs ** 2, ("float32", False): np.r_[np.zeros(5), hs[5:]]}
    fig = error_vs_h_figure(hs, curves)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_title() and "h" in ax.get_xlabel() and "error" in ax.get_ylabel()
    labels = [line.get_label() for line in ax.get_lines()]
    assert "float64, centred" in labels and "float32, one-sided" in labels
    line = next(l for l in ax.get_lines() if l.get_label() == "float32, one-sided")
    y = line.get_ydata()
    assert np.all(y >= ERROR_LIM[0])  # zeros pinned to the axis, not dropped by the log scale
    np.testing.assert_allclose(y[5:], hs[5:])
    assert fig.get_figwidth() <= MAX_WIDTH
    fig.canvas.draw()
    plt.close(fig)


@pytest.mark.parametrize("hs, curves, match", [
    (np.array([1e-3]), {("float64", True): [1.0]}, "hs"),
    (np.array([1e-3, -1.0]), {("float64", True): [1.0, 1.0]}, "hs"),
    (np.array([1e-3, 1e-2]), {}, "curves"),
    (np.array([1e-3, 1e-2]), {("float16", True): [1.0, 1.0]}, "keys"),
    (np.array([1e-3, 1e-2]), {("float64", True): [1.0]}, "shape"),
])
def test_figure_refuses_bad_input(hs, curves, match):
    with pytest.raises(ValueError, match=match):
        error_vs_h_figure(hs, curves)
