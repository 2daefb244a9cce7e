"""Lesson 03: sweeps over learning rates, reading loss curves, the learning-rate playground.

References are independent: NumPy gradient descent with the narrow net's
hand-derived gradient, the closed-form minimum and curvature of the loss
`L(w1, w2) = a p² − 2 b p + c` (p = w1 w2, a = mean x², b = mean xy, c = mean y²),
and textbook facts about gradient descent on a parabola.
"""

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import nets, train
from lesson_lib.compilation import count_compilations
from lesson_lib.data import linear_regression_data
from lesson_lib.plots import LOSS_LIM
from lesson_lib.curves import Diagnosis, Outcomes, boundaries, diagnose, sweep_outcomes
from lesson_lib.nets import balanced_minimum
from lesson_lib.playground.learning_rate import LearningRatePlayground, status_line
from lesson_lib.plots.learning_rate import MAX_WIDTH
from lesson_lib.sweep import lr_sweep


@pytest.fixture(scope="module")
def xy():
    return linear_regression_data(key=jax.random.key(0))


def moments64(x, y):
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return np.mean(x * x), np.mean(x * y), np.mean(y * y)


def numpy_gd_depth2(x, y, w0, lr, steps):
    """Gradient descent on mean((y − w1 w2 x)²) with the hand-derived gradient, in float64."""
    a, b, c = moments64(x, y)
    w = np.array(w0, dtype=np.float64)
    losses = []
    for _ in range(steps + 1):
        p = w[0] * w[1]
        losses.append(a * p * p - 2 * b * p + c)
        dp = 2 * (a * p - b)
        w = w - lr * dp * np.array([w[1], w[0]])
    return np.array(losses)


# --- lr_sweep -------------------------------------------------------------------------------


def test_lr_sweep_matches_gradient_descent_row_by_row(xy):
    x, y = xy
    w0 = nets.init_narrow(2)
    lrs = np.array([1e-3, 0.1, 0.2, 0.5], np.float32)
    sweep = lr_sweep(nets.narrow_loss, w0, lrs, 40, args=(x, y))
    assert sweep.shape == (4, 41)
    for row, lr in zip(sweep, lrs):
        run = train.gradient_descent(nets.narrow_loss, w0, float(lr), 40, args=(x, y))
        np.testing.assert_allclose(row, np.asarray(run.losses), rtol=1e-5)
        bad = np.flatnonzero(~np.isfinite(row))
        assert (int(bad[0]) if bad.size else None) == run.diverged_at


def test_lr_sweep_matches_a_numpy_reference(xy):
    x, y = xy
    for lr in (0.01, 0.1, 0.2):
        got = lr_sweep(nets.narrow_loss, jnp.array([0.9, 0.7]), [lr], 30, args=(x, y))[0]
        np.testing.assert_allclose(got, numpy_gd_depth2(x, y, [0.9, 0.7], lr, 30), rtol=2e-4)


def test_lr_sweep_on_a_parabola_by_hand():
    # L = 3 w², so w ← (1 − 6 lr) w and L_t = 3 (1 − 6 lr)^(2t).
    got = lr_sweep(lambda w: 3.0 * jnp.sum(w ** 2), jnp.ones(1), [0.05, 0.3], 3)
    expected = [[3 * 0.7 ** (2 * t) for t in range(4)], [3 * 0.8 ** (2 * t) for t in range(4)]]
    np.testing.assert_allclose(got, expected, rtol=1e-6)


def test_lr_sweep_never_recompiles_for_new_rates_or_starts(xy):
    x, y = xy
    lrs = np.geomspace(1e-3, 1.0, 8)
    lr_sweep(nets.narrow_loss, nets.init_narrow(2), lrs, 20, args=(x, y))
    with count_compilations() as count:
        lr_sweep(nets.narrow_loss, jnp.array([2.0, -1.0]), lrs * 3, 20, args=(x, y))
        lr_sweep(nets.narrow_loss, nets.init_narrow(2, 0.5), np.geomspace(0.1, 9.0, 8), 20, args=(x, y))
    assert count.compiles == 0


@pytest.mark.parametrize("lrs", [[0.1, 0.0], [0.1, -1.0], [np.nan], [np.inf], [], [[0.1]]])
def test_lr_sweep_rejects_bad_rates(lrs):
    with pytest.raises(ValueError, match="lrs"):
        lr_sweep(lambda w: jnp.sum(w ** 2), jnp.ones(1), lrs, 3)


def test_lr_sweep_rejects_bad_steps():
    with pytest.raises(ValueError, match="steps"):
        lr_sweep(lambda w: jnp.sum(w ** 2), jnp.ones(1), [0.1], 0)


# --- diagnose -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "losses, verdict",
    [
        ([1.0, 0.999, 0.998, 0.997], "barely moved"),
        ([1.0, 0.5, 0.25, 0.125, 0.0625], "still decreasing"),
        ([1.0, 0.1, 0.01, 0.01, 0.01], "converged"),
        ([1.0, 0.2, 0.5, 0.2, 0.5], "bouncing"),
        ([1.0, 0.5, 2.0, 4.0, 8.0], "growing"),
        ([1.0, 30.0, np.inf, np.nan], "diverged"),
    ],
)
def test_diagnose_reads_the_curve(losses, verdict):
    assert diagnose(losses, window=2).verdict == verdict


def test_diagnose_numbers():
    d = diagnose([2.0, 1.0, 0.5], None)
    assert d == Diagnosis("still decreasing", 0.75, False, 0.5, None)
    d = diagnose([2.0, 5.0, np.nan], None)
    assert d.verdict == "diverged" and d.diverged_at == 2 and d.rose and np.isnan(d.final)
    assert str(d) == "diverged at step 2"
    # the trajectory's own diverged_at wins
    assert diagnose([2.0, 1.0, 1e30, np.inf], 3).diverged_at == 3


def test_diagnose_ignores_rounding_noise_at_the_floor():
    losses = np.r_[np.geomspace(1.0, 0.01, 20), 0.01 * (1 + 1e-7 * np.tile([1, -1], 8))]
    assert diagnose(losses).verdict == "converged"


def test_diagnose_rejects_a_point():
    with pytest.raises(ValueError, match="losses"):
        diagnose([1.0])


# --- edges of convergence and divergence ----------------------------------------------------


def test_sweep_edges_of_a_parabola_are_two_over_its_curvature():
    # L = 1 + 2.5 (w − 1)², λ = 5: converges iff lr < 2/5, diverges iff lr > 2/5.
    def loss(w):
        return 1.0 + 2.5 * jnp.sum((w - 1.0) ** 2)

    lrs = np.linspace(0.2, 0.6, 81)  # step 0.005, with 0.4 on the grid
    losses = lr_sweep(loss, jnp.zeros(1), lrs, 3000)
    out = sweep_outcomes(losses, min_loss=1.0)
    edges = boundaries(lrs, out)
    assert edges.last_converged == pytest.approx(0.395, abs=1e-6)
    assert edges.first_diverged == pytest.approx(0.405, abs=1e-6)
    at_edge = np.argmin(np.abs(lrs - 0.4))  # factor 1 − lr·λ = −1: bounces forever
    assert not out.converged[at_edge] and not out.diverged[at_edge]


def test_depth2_edges_are_two_and_four_over_lambda_max(xy):
    """GD from w1 = w2 stays on the diagonal: a cubic map that stops converging at 2/λ_max and
    diverges at 4/λ_max = 1/mean(xy), with λ_max = 4 mean(xy) at the balanced minimum."""
    x, y = xy
    a, b, c = moments64(x, y)
    eta = 2 / (4 * b)
    ratios = np.linspace(0.9, 2.2, 131)  # step 0.01
    losses = lr_sweep(nets.narrow_loss, nets.init_narrow(2), ratios * eta, 1500, args=(x, y))
    out = sweep_outcomes(losses, min_loss=c - b * b / a)
    edges = boundaries(ratios, out)
    assert abs(edges.last_converged - 1.0) <= 0.011
    assert abs(edges.first_diverged - 2.0) <= 0.011
    # in between: bounded, but still bouncing well above the minimum at the end
    between = (ratios > 1.05) & (ratios < 1.95)
    assert not out.converged[between].any() and not out.diverged[between].any()
    assert np.all(losses[between, -50:].max(axis=1) > 1.5 * (c - b * b / a))


def test_sweep_outcomes_and_boundaries_by_hand():
    losses = np.array([[4.0, 1.0, 1.0, 1.0], [4.0, 1.0, 1.005, 1.0], [4.0, 2.0, 4.0, 2.0],
                       [4.0, 50.0, 600.0, 7000.0], [4.0, np.inf, np.nan, np.nan]])
    out = sweep_outcomes(losses, min_loss=1.0, window=2)
    np.testing.assert_array_equal(out.converged, [True, True, False, False, False])
    # a run that only passes by the minimum at its last step has not converged
    passing = sweep_outcomes(np.array([[4.0, 3.0, 2.0, 1.0]]), min_loss=1.0, window=2)
    assert not passing.converged[0]
    np.testing.assert_array_equal(out.diverged, [False, False, False, True, True])
    assert boundaries([1, 2, 3, 4, 5], out) == (2.0, 4.0)
    none = Outcomes(np.zeros(2, bool), np.zeros(2, bool))
    assert boundaries([1, 2], none) == (None, None)


# --- the balanced minimum -------------------------------------------------------------------


def test_balanced_minimum_is_a_minimum_with_equal_layers(xy):
    x, y = xy
    a, b, c = moments64(x, y)
    for depth in (1, 2, 3):
        w = np.asarray(balanced_minimum(x, y, depth), np.float64)
        np.testing.assert_allclose(np.prod(w), b / a, rtol=1e-6)
        np.testing.assert_allclose(w, np.full(depth, w[0]), rtol=1e-7)
    # gradient descent from equal weights ends there
    run = train.gradient_descent(nets.narrow_loss, nets.init_narrow(2), 0.1, 300, args=(x, y))
    np.testing.assert_allclose(run.params[-1], balanced_minimum(x, y, 2), rtol=1e-5)


def test_balanced_minimum_with_a_negative_slope():
    x = jnp.array([1.0, -2.0, 0.5])
    w = np.asarray(balanced_minimum(x, -4.0 * x, 2))
    np.testing.assert_allclose(w, [-2.0, 2.0], rtol=1e-6)


# --- the playground -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def playground(xy):
    pg = LearningRatePlayground(*xy, steps=60, lr=0.1, grid=41)
    pg.fig.canvas.draw()
    yield pg
    plt.close(pg.fig)


@pytest.mark.slow
def test_the_first_control_is_a_log_learning_rate_slider(playground):
    first = next(iter(playground.controls.values()))
    assert isinstance(first, widgets.FloatLogSlider)
    assert first.description == "learning rate"
    assert (first.base ** first.min, first.base ** first.max) == pytest.approx((1e-4, 10.0))


@pytest.mark.slow
def test_playground_max_lr_is_two_over_the_curvature_of_the_minimum(playground, xy):
    a, b, c = moments64(*xy)
    assert playground.max_lr == pytest.approx(1 / (2 * b), rel=1e-5)  # λ_max = 4 mean(xy)
    assert playground.min_loss == pytest.approx(c - b * b / a, rel=1e-4)


def test_playground_precomputed_map_matches_the_sweep(playground, xy):
    assert playground.sweep.shape == (41, 61)
    row = np.argmin(np.abs(playground.lrs - 0.1))
    run = train.gradient_descent(nets.narrow_loss, nets.init_narrow(2), float(playground.lrs[row]), 60,
                                 args=xy)
    np.testing.assert_allclose(playground.sweep[row], run.losses, rtol=1e-5)


def test_playground_status_and_divergence_marker(playground):
    control = playground.controls["lr"]
    control.value = 0.1
    assert playground.status.value.startswith("lr 1.0e-01: converged, loss 1.1e-02")
    assert playground.status.value.endswith("(max stable lr 1.8e-01)")
    assert not playground.curve.marker.get_visible()
    control.value = 2.0
    assert playground.status.value == "lr 2.0e+00: diverged at step 3 (max stable lr 1.8e-01)"
    assert playground.curve.marker.get_visible()
    assert tuple(playground.lr_dot.get_data()[1]) == (LOSS_LIM[1],)
    control.value = 1e-4
    assert "barely moved" in playground.status.value
    assert playground.last_error is None


def test_playground_pixels_change_with_the_slider(playground):
    control = playground.controls["lr"]
    control.value = 0.1
    before = np.asarray(playground.fig.canvas.buffer_rgba()).copy()
    control.value = 0.3
    after = np.asarray(playground.fig.canvas.buffer_rgba())
    assert not np.array_equal(before, after)


def test_playground_never_recompiles_over_the_whole_slider_range(playground):
    control = playground.controls["lr"]
    control.value = 0.05
    with count_compilations() as count:
        for lr in np.geomspace(1e-4, 10.0, 60):
            control.value = float(lr)
        control.value = 10 ** control.min
        control.value = 10 ** control.max
    assert count.compiles == 0
    assert playground.last_error is None


@pytest.mark.slow
def test_playground_shows_errors_from_draw(xy):
    pg = LearningRatePlayground(*xy, steps=20, grid=5)

    def broken(*result, **values):
        raise RuntimeError("boom")

    pg.draw = broken
    pg.controls["lr"].value = 0.2
    assert isinstance(pg.last_error, RuntimeError)
    assert any("boom" in out.get("text", "") for out in pg.errors.outputs)
    plt.close(pg.fig)


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(lr=20.0), "lr"), (dict(lr=float("nan")), "lr"), (dict(steps=1), "steps"),
     (dict(depth=0), "depth"), (dict(init=float("inf")), "init"),
     (dict(lr_range=(1.0, 0.1)), "lr_range"), (dict(lr_range=(0.0, 1.0)), "lr_range"),
     (dict(lr_range=(1e-3, float("nan"))), "lr_range"), (dict(grid=1), "grid")],
)
def test_playground_rejects_bad_arguments(xy, kwargs, name):
    with pytest.raises(ValueError, match=name):
        LearningRatePlayground(*xy, **kwargs)


def test_status_line_formats():
    assert (status_line(0.32, Diagnosis("converged", 0.99, False, 0.0097, None), 0.61)
            == "lr 3.2e-01: converged, loss 9.7e-03 (max stable lr 6.1e-01)")
    assert (status_line(2.0, Diagnosis("diverged", np.nan, True, np.nan, 12), 0.61)
            == "lr 2.0e+00: diverged at step 12 (max stable lr 6.1e-01)")


def test_playground_refuses_x_without_y(xy):
    x, _ = xy
    with pytest.raises(ValueError, match="y is missing"):
        LearningRatePlayground(x)
    with pytest.raises(ValueError, match="x is missing"):
        LearningRatePlayground(y=x)


@pytest.mark.parametrize(
    "x, y, message",
    [(np.array([1.0, np.nan]), np.ones(2), "x must contain only finite"),
     (np.ones(2), np.array([np.inf, 1.0]), "y must contain only finite"),
     (np.array([]), np.array([]), "x"),
     (np.ones(3), np.ones(2), "same shape")],
)
def test_playground_refuses_bad_data(x, y, message):
    with pytest.raises(ValueError, match=message):
        LearningRatePlayground(x, y, steps=5, grid=3)


@pytest.mark.slow
def test_playground_figure_fits_the_output_area(playground):
    width, height = playground.fig.get_size_inches()
    assert width <= MAX_WIDTH and height <= 5
