"""Lesson 07's figure helpers: they fit a 760-px output area, are labelled, and refuse bad input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lesson_lib.plots import schedules as schedule_plots  # noqa: E402

MAX_INCHES = 7.4  # 740 px at matplotlib's 100 dpi


def _figures():
    steps = np.arange(50)
    yield schedule_plots.excess_loss_figure({"a": np.exp(-steps / 10.0), "b": np.full(50, 0.1)},
                                            drops=(10, 20))
    yield schedule_plots.plateau_figure({"fixed": np.linspace(2, 0.1, 50)},
                                        {"fixed": np.full(50, 0.01)}, threshold=1.0)
    lrs = np.geomspace(1e-4, 2.8, 40)
    yield schedule_plots.range_test_figure(lrs, np.linspace(2.3, 0.5, 40), np.linspace(2.3, 0.6, 40),
                                           lowest=1.7, suggested=0.17, title="range test")
    yield schedule_plots.comparison_figure({"fixed": np.full(50, 0.5)}, np.arange(0, 51, 10),
                                           {"fixed": np.linspace(1, 0.1, 6)}, ylabel="val loss")


@pytest.mark.slow
@pytest.mark.parametrize("index", range(4))
def test_figures_fit_the_output_area_and_are_labelled(index):
    fig = list(_figures())[index]
    width, height = fig.get_size_inches()
    assert width <= MAX_INCHES and height <= 7.0
    for ax in fig.axes:
        assert ax.get_xlabel() or ax.get_shared_x_axes().get_siblings(ax) != [ax]
        assert ax.get_ylabel()
    assert any(ax.get_title() for ax in fig.axes)
    fig.canvas.draw()  # renders without error
    fonts = [t.get_fontsize() for ax in fig.axes for t in (ax.title, ax.xaxis.label, ax.yaxis.label)]
    assert min(fonts) >= 8
    plt.close(fig)


@pytest.mark.slow
def test_rates_are_on_log_axes():
    figures = list(_figures())
    assert figures[1].axes[1].get_yscale() == "log"        # plateau: the rates
    assert figures[2].axes[0].get_xscale() == "log"        # range test: lr on x
    assert figures[3].axes[0].get_yscale() == "log"        # comparison: the schedules
    for fig in figures:
        plt.close(fig)


def test_helpers_draw_exactly_the_data_given():
    fig = schedule_plots.comparison_figure({"a": np.array([0.5, 0.25])}, np.array([0, 10]),
                                           {"a": np.array([2.0, 1.0])}, ylabel="val")
    (rate_line,) = fig.axes[0].get_lines()
    np.testing.assert_allclose(rate_line.get_ydata(), [0.5, 0.25])
    np.testing.assert_allclose(fig.axes[1].get_lines()[0].get_xydata(), [[0, 2.0], [10, 1.0]])
    plt.close(fig)


@pytest.mark.parametrize("call, name", [
    (lambda: schedule_plots.excess_loss_figure({}), "excess"),
    (lambda: schedule_plots.excess_loss_figure({"a": np.array([])}), "excess"),
    (lambda: schedule_plots.plateau_figure({"a": np.ones(3)}, {"b": np.ones(3)}, 1.0), "rates"),
    (lambda: schedule_plots.range_test_figure([], [], [], 1.0, 0.1, "t"), "lrs"),
    (lambda: schedule_plots.range_test_figure([1, 2], [1, 2, 3], [1, 2], 1.0, 0.1, "t"), "lrs"),
    (lambda: schedule_plots.comparison_figure({"a": np.ones(3)}, [0], {"b": np.ones(1)}, "v"),
     "val_curves"),
    (lambda: schedule_plots.comparison_figure({"a": np.ones((2, 2))}, [0], {"a": np.ones(1)}, "v"),
     "rates"),
])
def test_bad_input_names_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()
