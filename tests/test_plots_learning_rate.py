"""Lessons 03–04's figure helpers: they fit the output area, draw what they are given, refuse bad input."""

import jax
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

from lesson_lib import data, narrow_sweep  # noqa: E402
from lesson_lib.plots.learning_rate import (  # noqa: E402
    MAX_WIDTH, best_lr_figure, bifurcation_figure, depth_lr_heatmap, heatmap_figure, regimes_figure,
    tuned_steps_figure,
)
from lesson_lib.train import Trajectory  # noqa: E402


def _run(losses, diverged_at=None):
    losses = np.asarray(losses, dtype=float)
    return Trajectory(np.ones((len(losses), 2)), losses, np.ones(len(losses) - 1), diverged_at)


@pytest.fixture(scope="module")
def result():
    x, y = data.linear_regression_data(key=jax.random.key(0))
    return narrow_sweep.depth_lr_sweep(np.arange(1, 7), np.geomspace(1e-3, 1.0, 13), init=0.9, steps=40, x=x, y=y)


def test_regimes_figure_has_a_panel_per_rate_and_fits():
    regimes = {f"r{k}": 10.0 ** -k for k in range(5)}
    runs = {name: _run([1.0, 0.5, 0.25]) for name in regimes}
    runs["r0"] = _run([1.0, 10.0, np.inf], diverged_at=2)
    fig = regimes_figure(regimes, runs, 2)
    assert fig.get_figwidth() <= MAX_WIDTH
    visible = [ax for ax in fig.axes if ax.axison]
    assert len(visible) == 5
    assert visible[0].get_title().startswith("r0") and "1.0e+00" in visible[0].get_title()
    assert all(ax.get_yscale() == "log" for ax in visible)
    np.testing.assert_allclose(visible[1].lines[0].get_ydata(), [1.0, 0.5, 0.25])
    assert min(t.get_fontsize() for ax in visible for t in [ax.title, ax.xaxis.label]) >= 8
    plt.close(fig)


def test_regimes_figure_refuses_bad_input():
    with pytest.raises(ValueError, match="regimes"):
        regimes_figure({}, {}, 3)
    with pytest.raises(ValueError, match="missing"):
        regimes_figure({"a": 0.1}, {}, 3)


def test_bifurcation_figure_leaves_out_diverged_runs():
    tails = np.array([[1.0, 1.0], [0.5, 2.0], [np.inf, np.nan]])
    fig = bifurcation_figure([0.9, 1.5, 2.1], tails, steps=10)
    assert fig.get_figwidth() <= MAX_WIDTH
    ax = fig.axes[0]
    assert len(ax.lines[0].get_xdata()) == 4
    assert ax.get_yscale() == "log" and "2/λ_max" in ax.get_xlabel()
    plt.close(fig)
    with pytest.raises(ValueError, match="one per learning rate"):
        bifurcation_figure([0.9, 1.0], tails, steps=10)
    with pytest.raises(ValueError, match="2-D"):
        bifurcation_figure([0.9], np.ones(3), steps=10)


def test_heatmap_colours_what_it_is_given(result):
    times = narrow_sweep.steps_to_converge(result.losses, 0.02)
    fig = heatmap_figure(result, times, 0.02, title="map")
    assert fig.get_figwidth() <= MAX_WIDTH
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    assert "learning rate" in ax.get_xlabel() and "depth" in ax.get_ylabel()
    mesh = ax.collections[1]
    shown = np.ma.getdata(mesh.get_array()).reshape(times.shape)
    mask = np.ma.getmaskarray(mesh.get_array()).reshape(times.shape)
    np.testing.assert_array_equal(mask, times < 0)
    np.testing.assert_array_equal(shown[~mask], np.maximum(times, 1)[~mask])
    plt.close(fig)


def test_heatmap_refuses_times_of_another_shape(result):
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="times"):
        depth_lr_heatmap(ax, result, np.zeros((2, 2)), 0.02)
    plt.close(fig)


def test_best_lr_figure_draws_the_three_series():
    depths = np.arange(1, 5)
    fig = best_lr_figure(depths, [0.4, 0.2, 0.1, 0.05], {1: 0.8, 4: 0.1}, [1.0, 0.5, 0.3, 0.2], title="t")
    ax = fig.axes[0]
    assert fig.get_figwidth() <= MAX_WIDTH
    assert ax.get_xscale() == ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [0.8, 0.1])
    assert [t.get_text() for t in ax.get_legend().get_texts()][2] == "every larger lr diverges"
    plt.close(fig)
    with pytest.raises(ValueError, match="walls"):
        best_lr_figure(depths, [0.4, 0.2, 0.1, 0.05], {}, [1.0], title="t")


def test_tuned_steps_figure_draws_zero_steps_as_one():
    fig = tuned_steps_figure([1, 2, 3], {"start 0.9": [0, 5, 50], "start 1.0": [1, 2, 2]}, title="t")
    ax = fig.axes[0]
    assert fig.get_figwidth() <= MAX_WIDTH and ax.get_yscale() == "log"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1, 5, 50])
    assert len(ax.lines) == 2
    plt.close(fig)
    with pytest.raises(ValueError, match="start 1.0"):
        tuned_steps_figure([1, 2], {"start 1.0": [1]}, title="t")
