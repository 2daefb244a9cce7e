"""lesson_lib.plots.monitor: the dashboards show the record they are given, fit the screen, refuse bad input."""

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from lesson_lib.monitor import Record  # noqa: E402
from lesson_lib.plots import monitor as plots  # noqa: E402


def make_record(steps=40, every=10, hist=True, diverged_at=None):
    loss = np.geomspace(2.3, 0.1, steps)
    if diverged_at is not None:
        loss[diverged_at:] = np.nan
    ratio = np.tile([1.0, 1e-3, 1.0, 2e-3], (steps, 1))
    checks = steps // every + 1
    h = np.ones((checks, 2, 20), int) if hist else None
    return Record(loss, ratio, np.ones((steps, 4)), np.arange(checks) * every,
                  np.linspace(0.1, 0.9, checks), np.linspace(0.1, 0.8, checks), np.ones(checks),
                  np.zeros((checks, 2)), h, h, ("b1", "w1", "b2", "w2"), every, 32, 1000, diverged_at,
                  None)


def test_dashboard_draws_the_record():
    dash = plots.Dashboard(40, layers=2, title="t")
    rec = make_record()
    dash.update(rec)
    np.testing.assert_allclose(dash.loss_line.get_ydata(), rec.loss)
    np.testing.assert_array_equal(dash.val_line.get_xdata(), [0, 10, 20, 30, 40])
    np.testing.assert_allclose(dash.val_line.get_ydata(), rec.val_acc)
    np.testing.assert_allclose(dash.ratio_lines[0].get_ydata(), 1e-3)  # w1 only, not b1
    np.testing.assert_allclose(dash.ratio_lines[1].get_ydata(), 2e-3)
    ax_loss, ax_acc, ax_ratio = dash.axes
    assert ax_loss.get_yscale() == "log" and ax_ratio.get_yscale() == "log"
    assert ax_loss.get_xlim() == (0, 40) and ax_ratio.get_ylim() == pytest.approx(plots.RATIO_YLIM)
    for ax in dash.axes:
        assert ax.get_xlabel() == "step" and ax.get_ylabel() and ax.get_title()


def test_dashboard_follows_a_partial_record_and_stops_at_divergence():
    dash = plots.Dashboard(40, layers=2)
    rec = make_record(diverged_at=25)
    dash.update(rec)
    ys = dash.loss_line.get_ydata()
    assert len(ys) == 26 and np.all(np.isfinite(ys))
    assert ys[-1] == plots.LOSS_YLIM[1]  # the first non-finite loss is pinned to the top


def test_dashboards_grid_has_one_row_per_run():
    fig = plots.plot_dashboards({"run_a": make_record(), "run_b": make_record(hist=False)})
    assert len(fig.axes) == 6
    assert fig.axes[0].get_title().startswith("run_a") and fig.axes[3].get_title().startswith("run_b")
    assert fig.get_figwidth() <= plots.MAX_WIDTH
    with pytest.raises(ValueError, match="records"):
        plots.plot_dashboards({})


def test_first_layer_images_are_the_weight_columns():
    rng = np.random.default_rng(0)
    w = rng.normal(size=(64, 10))
    fig = plots.plot_first_layer([{"w": w, "b": np.zeros(10)}], columns=5)
    assert len(fig.axes) == 10 and fig.get_figwidth() <= plots.MAX_WIDTH
    image = fig.axes[3].get_images()[0].get_array()
    np.testing.assert_allclose(image, w[:, 3].reshape(8, 8))
    with pytest.raises(ValueError, match="64"):
        plots.plot_first_layer([{"w": np.ones((10, 3)), "b": np.zeros(3)}])


def test_histograms_show_fractions_per_layer():
    rec = make_record()
    rec.act_hist[-1, 1, :] = 0
    rec.act_hist[-1, 1, 19] = 50  # everything saturated at +1
    fig = plots.plot_histograms(rec)
    assert len(fig.axes) == 4 and fig.get_figwidth() <= plots.MAX_WIDTH
    heights = [p.get_height() for p in fig.axes[1].patches]  # top row, layer 2
    assert heights[-1] == pytest.approx(1.0) and sum(heights) == pytest.approx(1.0)
    assert "40" in fig._suptitle.get_text()
    with pytest.raises(ValueError, match="histograms"):
        plots.plot_histograms(make_record(hist=False))
    with pytest.raises(ValueError, match="nonlinearity"):
        plots.plot_histograms(rec, nonlinearity="sigmoid")


def test_bad_dashboard_arguments():
    with pytest.raises(ValueError, match="steps"):
        plots.Dashboard(0)
    with pytest.raises(ValueError, match="layers"):
        plots.Dashboard(10, layers=0)


def test_dashboard_clear_empties_the_lines():
    dash = plots.Dashboard(40, layers=2).update(make_record())
    dash.clear()
    assert all(len(line.get_xdata()) == 0 for line in dash.artists)
