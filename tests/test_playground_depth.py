"""Tests of lesson 02's depth playground (Agg backend, see conftest.py)."""

import warnings

import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import data, nets
from lesson_lib.compilation import count_compilations
from lesson_lib.plots.narrow import MAX_WIDTH
from lesson_lib.playground.depth import (
    INIT, LR, STEPS, THRESHOLD, DepthPlayground, status_line,
)


@pytest.fixture(scope="module")
def xy():
    return data.linear_regression_data(key=jax.random.key(0))


@pytest.fixture(scope="module")
def playground(xy):
    pg = DepthPlayground(*xy)
    pg.fig.canvas.draw()  # first display: caches the blitting background
    yield pg
    plt.close(pg.fig)


def numpy_descent(depth, x, y, lr=LR, steps=STEPS, init=INIT):
    """Reference gradient descent in float64 NumPy: ∂L/∂w_i = (∏_{j≠i} w_j)·dL/dp."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    w = np.full(depth, init, dtype=np.float64)
    weights, losses = [w], []
    for _ in range(steps):
        p = np.prod(w)
        losses.append(np.mean((y - p * x) ** 2))
        before = np.concatenate([[1.0], np.cumprod(w)[:-1]])
        after = np.concatenate([np.cumprod(w[::-1])[:-1][::-1], [1.0]])
        w = w - lr * before * after * (-2.0 * np.mean(x * (y - p * x)))
        weights.append(w)
    losses.append(np.mean((y - np.prod(w) * x) ** 2))
    return np.array(weights), np.array(losses)


def first_below(losses, threshold=THRESHOLD):
    return int(np.flatnonzero(losses <= threshold)[0])


def test_status_line_cases():
    assert status_line(20, 30, threshold=0.02, steps=600) == "depth 20: loss < 0.02 after 30 steps"
    assert status_line(3, None, threshold=0.02, steps=600) == "depth 3: loss still above 0.02 after 600 steps"
    assert status_line(50, None, threshold=0.02, steps=600, diverged_at=16) == "depth 50: diverged at step 16"


@pytest.mark.slow
def test_slider_range_and_defaults(playground):
    slider = playground.controls["depth"]
    assert (slider.min, slider.max, slider.value) == (1, 50, 10)
    assert playground.last_error is None


@pytest.mark.slow
@pytest.mark.parametrize("depth", [1, 2, 10, 50])
def test_draw_matches_numpy_reference(playground, xy, depth):
    playground.controls["depth"].value = depth
    weights, losses = numpy_descent(depth, *xy)
    run = playground.run
    # float32 vs float64: rounding is amplified during depth 50's steep drop (loss ÷25 per step).
    rtol = 1e-2 if depth == 50 else 2e-3
    np.testing.assert_allclose(np.asarray(run.losses), losses, rtol=rtol, atol=1e-5)
    np.testing.assert_allclose(np.asarray(run.params)[:, :depth], weights, rtol=rtol, atol=1e-5)
    np.testing.assert_array_equal(np.asarray(run.params)[:, depth:], 1.0)  # identity layers stay put
    hit = first_below(losses)
    assert abs(playground.hit - hit) <= 1
    assert playground.status.value == f"depth {depth}: loss < {THRESHOLD:g} after {playground.hit} steps"
    # The artists show this run: loss curve, threshold marker, product of the live weights.
    _, line_y = playground.curve.line.get_data()
    np.testing.assert_allclose(line_y, np.clip(losses, 1e-3, 1e1), rtol=rtol)
    assert list(playground.hit_line.get_xdata()) == [playground.hit, playground.hit]
    _, product_y = playground.product_line.get_data()
    np.testing.assert_allclose(product_y, np.prod(weights, axis=1), rtol=rtol)


def test_deep_nets_plateau_and_shallow_nets_finish_slowly(playground, xy):
    """The physics the lesson teaches: a U-shaped training time with a long plateau at depth 50."""
    hits = {}
    for depth in (1, 11, 50):
        playground.controls["depth"].value = depth
        hits[depth] = playground.hit
    assert hits[11] < hits[50] < hits[1]
    playground.controls["depth"].value = 50
    losses = np.asarray(playground.run.losses)
    assert losses[150] > 0.95 * losses[0]  # still on the plateau
    assert first_below(losses) - first_below(losses, 0.9 * losses[0]) < 30  # then a sudden drop


@pytest.mark.slow
def test_depth_sweep_never_recompiles(playground):
    playground.controls["depth"].value = 10
    with count_compilations() as count:
        for depth in range(1, 51):
            playground.controls["depth"].value = depth
    assert count.compiles == 0 and count.traces == 0
    assert playground.last_error is None


def test_axes_stay_fixed_during_sweep(playground):
    loss_ax, product_ax = playground.fig.axes
    before = (loss_ax.get_xlim(), loss_ax.get_ylim(), product_ax.get_xlim(), product_ax.get_ylim())
    for depth in (1, 25, 50):
        playground.controls["depth"].value = depth
    assert (loss_ax.get_xlim(), loss_ax.get_ylim(), product_ax.get_xlim(), product_ax.get_ylim()) == before
    for ax in (loss_ax, product_ax):
        assert ax.get_yscale() == "log" and ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.slow
def test_error_in_draw_is_shown(xy, monkeypatch):
    pg = DepthPlayground(*xy, depth=3)

    def broken(depth):
        raise RuntimeError("boom")

    monkeypatch.setattr(pg, "descend", broken)
    pg.controls["depth"].value = 4
    assert isinstance(pg.last_error, RuntimeError)
    assert any("boom" in output.get("text", "") for output in pg.errors.outputs)
    monkeypatch.undo()
    pg.controls["depth"].value = 5
    assert pg.last_error is None and pg.errors.outputs == ()
    plt.close(pg.fig)


@pytest.mark.slow
def test_divergence_is_a_result_not_a_crash(xy):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pg = DepthPlayground(*xy, lr=0.05, depth=50)
    assert pg.last_error is None
    assert pg.run.diverged_at is not None
    assert pg.curve.marker.get_visible()
    assert pg.status.value == f"depth 50: diverged at step {pg.run.diverged_at}"
    assert np.all(np.isfinite(pg.product_line.get_ydata()))
    plt.close(pg.fig)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(lr=0.0), "lr"), (dict(lr=-1.0), "lr"), (dict(lr=float("nan")), "lr"),
        (dict(steps=0), "steps"), (dict(depth=0), "depth"), (dict(depth=51), "depth"),
        (dict(max_depth=nets.MAX_DEPTH + 1), "max_depth"), (dict(init=float("inf")), "init"),
        (dict(threshold=0.0), "threshold"),
    ],
)
def test_invalid_arguments(xy, kwargs, name):
    with pytest.raises(ValueError, match=name):
        DepthPlayground(*xy, **kwargs)


def test_invalid_data(xy):
    x, y = xy
    with pytest.raises(ValueError, match="x and y"):
        DepthPlayground(x, y[:50])
    with pytest.raises(ValueError, match="x and y"):
        DepthPlayground(x)
    bad = np.asarray(x).copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match="x must contain only finite"):
        DepthPlayground(bad, y)
    with pytest.raises(ValueError, match="y must contain only finite"):
        DepthPlayground(x, np.full(np.shape(y), np.inf))
    with pytest.raises(ValueError, match="x must be a non-empty"):
        DepthPlayground(np.array([]), np.array([]))


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(depth=0), "depth"), (dict(steps=0), "steps"), (dict(threshold=float("nan")), "threshold"),
     (dict(hit=601), "hit"), (dict(hit=-1), "hit"), (dict(diverged_at=700), "diverged_at")],
)
def test_status_line_refuses_bad_input(kwargs, name):
    args = dict(depth=3, hit=10, threshold=0.02, steps=600)
    args.update(kwargs)
    with pytest.raises(ValueError, match=name):
        status_line(args.pop("depth"), args.pop("hit"), **args)


@pytest.mark.slow
def test_figure_fits_the_screen(playground):
    assert playground.fig.get_size_inches()[0] <= MAX_WIDTH
    for ax in playground.fig.axes:
        assert ax.title.get_fontsize() >= 8 and ax.yaxis.label.get_fontsize() >= 8
