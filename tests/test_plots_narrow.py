"""Figures of lessons 01 and 02 (lesson_lib.plots.narrow): right geometry, screen-sized, bad input refused."""

import warnings

import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import landscapes
from lesson_lib.data import linear_regression_data
from lesson_lib.plots import narrow
from lesson_lib.plots.narrow import (
    MAX_WIDTH, critical_points_figure, data_figure, depth_curves_figure, landscape_figure,
    training_time_figure, unit_arrows, valley_branches, visible_path,
)
from lesson_lib.train import Trajectory


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def surface():
    x, y = linear_regression_data(key=jax.random.key(0))
    return landscapes.grid(landscapes.narrow_landscape(x, y), (-2.5, 2.5), (-2.5, 2.5), n=21)


def test_valley_branches_lie_on_the_hyperbola_inside_the_box():
    right, left = valley_branches(2.0, 2.5, n=50)
    for branch in (right, left):
        np.testing.assert_allclose(branch[:, 0] * branch[:, 1], 2.0, rtol=1e-12)
        assert np.all(np.abs(branch) <= 2.5 + 1e-12)
    assert np.all(right > 0) and np.all(left < 0)
    # a negative product: the branches lie in the quadrants w1 w2 < 0
    right, left = valley_branches(-1.0, 2.0, n=5)
    np.testing.assert_allclose(right[:, 0] * right[:, 1], -1.0)
    assert np.all(right[:, 0] > 0) and np.all(right[:, 1] < 0)


@pytest.mark.parametrize(
    "args, name",
    [((0.0, 2.5), "product"), ((float("nan"), 2.5), "product"), ((7.0, 2.5), "product"),
     ((2.0, -1.0), "lim"), ((2.0, float("inf")), "lim"), ((2.0, 2.5, 1), "n"),
     ((2.0, 2.5, 0), "n")],
)
def test_valley_branches_refuse_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        valley_branches(*args)


def test_visible_path_stops_at_divergence_and_clips():
    params = np.array([[0.5, 0.5], [1.0, -2.0], [1e25, -1e25], [np.inf, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        path = visible_path(params, 3, lim=2.0)
    np.testing.assert_array_equal(path, [[0.5, 0.5], [1.0, -2.0], [4.0, -4.0]])
    assert visible_path(params[:2], None, lim=2.0).shape == (2, 2)
    # without a divergence step, the non-finite rows are dropped
    assert visible_path(params, None, lim=2.0).shape == (3, 2)


@pytest.mark.parametrize(
    "args, name",
    [((np.zeros((0, 2)), None, 2.0), "params"), ((np.zeros((3, 3)), None, 2.0), "params"),
     ((np.zeros(4), None, 2.0), "params"), ((np.zeros((3, 2)), None, 0.0), "lim"),
     ((np.zeros((3, 2)), 5, 2.0), "diverged_at"), ((np.zeros((3, 2)), -1, 2.0), "diverged_at")],
)
def test_visible_path_refuses_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        visible_path(*args)
    with pytest.raises(ValueError, match="margin"):
        visible_path(np.zeros((3, 2)), None, 2.0, margin=-1.0)


def test_unit_arrows_have_length_one_and_point_downhill():
    rng = np.random.default_rng(0)
    g = rng.normal(size=(5, 4, 2))
    g[0, 0] = 0.0
    arrows = unit_arrows(g)
    lengths = np.linalg.norm(arrows, axis=-1)
    np.testing.assert_allclose(lengths.ravel()[1:], 1.0, rtol=1e-12)
    assert lengths[0, 0] == 0.0
    # opposite to the gradient: negative dot product, parallel (zero cross product)
    assert np.all(np.sum(arrows * g, axis=-1).ravel()[1:] < 0)
    np.testing.assert_allclose(arrows[..., 0] * g[..., 1] - arrows[..., 1] * g[..., 0], 0.0, atol=1e-12)
    with pytest.raises(ValueError, match="gradient"):
        unit_arrows(np.array([[np.nan, 1.0]]))
    with pytest.raises(ValueError, match="gradient"):
        unit_arrows(np.zeros((3, 3)))


@pytest.mark.slow
def test_every_figure_fits_the_screen(surface):
    x = np.linspace(-2, 2, 10)
    run = Trajectory(params=np.array([[0.5, -1.5], [1.0, -1.0]]), losses=np.array([10.0, 5.0]),
                     update_ratios=np.array([0.1]), diverged_at=None)
    figures = [data_figure(x, 2 * x, 2.0)]
    fig, ax = landscape_figure(surface, 2.0, "title")
    narrow.add_arrows(ax, np.zeros((2, 2)), np.zeros((2, 2)), np.ones((2, 2, 2)))
    narrow.add_paths(ax, [(0.5, -1.5)], [run])
    figures += [fig, critical_points_figure(surface, 2.0, [(0.0, 0.0)], ["saddle"])]
    figures.append(depth_curves_figure({1: np.geomspace(5, 0.01, 11), 50: np.full(11, 5.0)},
                                       floor=0.0108, threshold=0.02, lr=0.003, init=0.9))
    figures.append(training_time_figure([1, 2, 3], [300, 100, 30], [310, 90, 31], fastest=3,
                                        lr=0.003, init=0.9, threshold=0.02))
    for figure in figures:
        assert narrow.figure_width(figure) <= MAX_WIDTH
        for ax in figure.axes:
            if ax.get_label() == "<colorbar>":
                continue
            assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()
            assert ax.title.get_fontsize() >= 8 and ax.xaxis.label.get_fontsize() >= 8


def test_depth_curves_draw_each_depth_and_mark_divergence():
    losses = {1: np.geomspace(5, 0.01, 11), 2: np.array([5.0, 50.0, np.inf] + [np.nan] * 8)}
    fig = depth_curves_figure(losses, floor=0.0108, threshold=0.02, lr=0.003, init=0.9)
    ax = fig.axes[0]
    labels = [line.get_label() for line in ax.get_lines()]
    assert "depth 1" in labels and "depth 2" in labels
    line = ax.get_lines()[labels.index("depth 2")]
    assert len(line.get_xdata()) == 2  # drawn up to the divergence only
    assert ax.get_yscale() == "log"


@pytest.mark.parametrize(
    "kwargs, name",
    [({"losses_by_depth": {}}, "losses_by_depth"),
     ({"losses_by_depth": {1: np.ones(3), 2: np.ones(4)}}, "losses_by_depth"),
     ({"losses_by_depth": {1: np.array([])}}, "losses_by_depth"),
     ({"lr": float("nan")}, "lr"), ({"lr": 0.0}, "lr"), ({"threshold": -1.0}, "threshold"),
     ({"floor": float("inf")}, "floor"), ({"init": float("nan")}, "init")],
)
def test_depth_curves_refuse_bad_input(kwargs, name):
    args = dict(losses_by_depth={1: np.ones(3)}, floor=0.01, threshold=0.02, lr=0.003, init=0.9)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        depth_curves_figure(args.pop("losses_by_depth"), **args)


@pytest.mark.parametrize(
    "kwargs, name",
    [({"measured": [1.0, np.nan, 3.0]}, "measured"), ({"depths": []}, "depths"),
     ({"predicted": [1.0, 2.0]}, "same length"), ({"measured": [0, 1, 2]}, "measured"),
     ({"lr": -1.0}, "lr"), ({"threshold": float("nan")}, "threshold")],
)
def test_training_time_refuses_bad_input(kwargs, name):
    args = dict(depths=[1, 2, 3], measured=[30, 20, 40], predicted=[31, 19, 41], fastest=2,
                lr=0.003, init=0.9, threshold=0.02)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        training_time_figure(**args)


@pytest.mark.parametrize(
    "args, name",
    [((np.array([1.0, np.nan]), np.ones(2), 2.0), "x"), ((np.ones(2), np.ones(3), 2.0), "x and y"),
     ((np.array([]), np.array([]), 2.0), "x"), ((np.ones(2), np.ones(2), float("inf")), "slope")],
)
def test_data_figure_refuses_bad_input(args, name):
    with pytest.raises(ValueError, match=name):
        data_figure(*args)


def test_landscape_figure_draws_the_valley(surface):
    fig, ax = landscape_figure(surface, 2.0, "Loss")
    dashed = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(dashed) == 2
    for line in dashed:
        np.testing.assert_allclose(line.get_xdata() * line.get_ydata(), 2.0, rtol=1e-12)
    assert ax.get_xlim() == (-2.5, 2.5) and ax.get_ylim() == (-2.5, 2.5)
    with pytest.raises(ValueError, match="best_product"):
        landscape_figure(surface, float("nan"), "Loss")


def test_overlays_refuse_mismatched_input(surface):
    fig, ax = landscape_figure(surface, 2.0, "Loss")
    with pytest.raises(ValueError, match="gx and gy must match"):
        narrow.add_arrows(ax, np.zeros((2, 2)), np.zeros((3, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="gx and gy must match"):
        narrow.add_arrows(ax, np.zeros(3), np.zeros(2), np.ones((3, 2, 2)))  # rows, columns swapped
    narrow.add_arrows(ax, np.zeros(2), np.zeros(3), np.ones((3, 2, 2)))       # 1-D grid coordinates
    with pytest.raises(ValueError, match="gx"):
        narrow.add_arrows(ax, np.full((2, 2), np.nan), np.zeros((2, 2)), np.ones((2, 2, 2)))
    with pytest.raises(ValueError, match="starts and runs"):
        narrow.add_paths(ax, [(0.5, -1.5), (1.0, 1.0)], [])
    with pytest.raises(ValueError, match="points and kinds"):
        critical_points_figure(surface, 2.0, [(0.0, 0.0)], [])
    with pytest.raises(ValueError, match="kinds must be among"):
        critical_points_figure(surface, 2.0, [(0.0, 0.0)], ["hilltop"])
