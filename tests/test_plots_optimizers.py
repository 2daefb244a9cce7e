"""lesson_lib.plots.optimizers: the figure shows the data it was given, fits the screen, rejects bad input."""

from types import SimpleNamespace

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from lesson_lib.plots import optimizers as plots  # noqa: E402


def _run(values):
    values = np.asarray(values, dtype=float)
    return SimpleNamespace(params=np.c_[values, -values])


def test_one_line_per_run_with_the_chosen_coordinate():
    runs = {0.0: _run([-2.0, -1.0, 0.0]), 0.9: _run([-2.0, 0.5, 1.0])}
    fig = plots.plot_flat_coordinate(runs, lr=0.05, steps_shown=2)
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label().startswith("μ")]
    assert [line.get_label() for line in lines] == ["μ = 0.0", "μ = 0.9"]
    np.testing.assert_array_equal(lines[1].get_ydata(), [-2.0, 0.5, 1.0])
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 1, 2])
    assert "0.05" in ax.get_title() and ax.get_xlim() == (0, 2)
    steep = plots.plot_flat_coordinate(runs, lr=0.05, coordinate=1).axes[0]
    np.testing.assert_array_equal(steep.get_lines()[1].get_ydata(), [2.0, -0.5, -1.0])


def test_figure_fits_a_760_pixel_output_area_with_readable_text():
    fig = plots.plot_flat_coordinate({0.5: _run([1.0, 0.0])}, lr=0.1)
    width, _ = fig.get_size_inches()
    assert width <= 7.4
    ax = fig.axes[0]
    for text in [ax.title, ax.xaxis.label, ax.yaxis.label, *ax.get_legend().get_texts()]:
        assert text.get_fontsize() >= 8


@pytest.mark.parametrize("kwargs,argument", [
    (dict(runs={}), "runs"), (dict(steps_shown=0), "steps_shown"),
    (dict(steps_shown=1.5), "steps_shown"), (dict(coordinate=2), "coordinate"),
    (dict(lr=float("nan")), "lr"), (dict(lr=0.0), "lr"), (dict(lr=float("inf")), "lr"),
])
def test_bad_input_names_the_argument(kwargs, argument):
    args = dict(runs={0.5: _run([1.0, 0.0])}, lr=0.1)
    args.update(kwargs)
    with pytest.raises(ValueError, match=argument):
        plots.plot_flat_coordinate(**args)
