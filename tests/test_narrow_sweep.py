"""Tests for lesson_lib.narrow_sweep: the depth × learning-rate sweep of narrow nets and its readers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import curvature, curves, data, narrow_sweep, nets, train
from lesson_lib.compilation import count_compilations

from references import narrow_gd


@pytest.fixture(scope="module")
def xy():
    x, y = data.linear_regression_data(n=100, key=jax.random.key(0))
    return np.asarray(x), np.asarray(y)


# ------------------------------------------------------------- depth_lr_sweep


def _max_stable_lr(depth, x, y):
    solution = nets.narrow_solution(x, y)
    w = nets.init_narrow(depth, solution.product ** (1 / depth))
    return curvature.max_stable_lr(lambda v: nets.narrow_loss(v, x, y), w)


def _assert_same_curves(got, ref, *, rtol):
    """Equal up to float32 rounding, with non-finite entries in the same places."""
    assert np.array_equal(np.isfinite(got), np.isfinite(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(got[finite], ref[finite], rtol=rtol, atol=1e-6)


@pytest.mark.slow
@pytest.mark.parametrize("init", [1.0, 0.9])
@pytest.mark.parametrize("depth", [1, 2, 3, 7, 20, 50])
def test_depth_lr_sweep_equals_gradient_descent(xy, depth, init):
    """Converging (well below, near the edge) and diverging learning rates.

    Learning rates between the edge of stability and divergence are chaotic:
    there, any two float32 implementations part ways after a few steps, so
    those cells are left out (only their first steps are compared, below).
    """
    x, y = xy
    fractions = [0.02, 0.3, 0.9, 10.0] + ([1.5, 3.0] if depth == 1 else [])
    lrs = np.array(fractions) * _max_stable_lr(depth, x, y)
    steps = 200
    result = narrow_sweep.depth_lr_sweep([depth], lrs, init=init, steps=steps, x=x, y=y)
    assert result.losses.shape == (1, len(lrs), steps + 1)
    assert result.diverged_at.dtype.kind == "i"
    for j, lr in enumerate(result.lrs):
        run = train.gradient_descent(
            nets.narrow_loss, nets.init_narrow(depth, init), float(lr), steps, args=(x, y)
        )
        _assert_same_curves(result.losses[0, j], np.asarray(run.losses), rtol=2e-3)
        expected = -1 if run.diverged_at is None else run.diverged_at
        assert result.diverged_at[0, j] == expected
    assert result.diverged_at[0, 3] >= 0  # lr = 10 × the stable limit diverges
    assert (result.diverged_at[0, :3] == -1).all()


@pytest.mark.slow
def test_chaotic_cells_agree_for_their_first_steps(xy):
    x, y = xy
    lrs = np.array([1.5, 3.0]) * _max_stable_lr(7, x, y)
    result = narrow_sweep.depth_lr_sweep([7], lrs, init=1.0, steps=20, x=x, y=y)
    for j, lr in enumerate(result.lrs):
        run = train.gradient_descent(nets.narrow_loss, nets.init_narrow(7, 1.0), float(lr), 20, args=(x, y))
        _assert_same_curves(result.losses[0, j, :5], np.asarray(run.losses)[:5], rtol=1e-4)


def _numpy_gradient_descent(depth, init, lr, steps, x, y):
    """The shared float64 reference (tests/references.py) from equal weights `init`."""
    return narrow_gd(np.full(depth, init), x, y, lr, steps)[1]


@pytest.mark.parametrize("depths, lrs, init, steps", [
    ([1, 4, 12], [0.003, 0.02, 0.05], 0.95, 60),           # matches an independent NumPy reference
    ([2, 5, 9], [0.001, 0.004, 0.01, 0.03], 1.0, 30),      # every cell of a grid lands in its place
])
def test_depth_lr_sweep_matches_an_independent_numpy_reference_cell_by_cell(xy, depths, lrs, init, steps):
    x, y = xy
    result = narrow_sweep.depth_lr_sweep(depths, lrs, init=init, steps=steps, x=x, y=y)
    for i, depth in enumerate(depths):
        for j, lr in enumerate(lrs):
            ref = _numpy_gradient_descent(depth, init, lr, steps, x, y)
            np.testing.assert_allclose(result.losses[i, j], ref, rtol=1e-4)


@pytest.mark.slow
def test_depth_lr_sweep_never_recompiles_for_new_values(xy):
    x, y = xy
    narrow_sweep.depth_lr_sweep([1, 3, 5], [0.01, 0.1], init=1.0, steps=50, x=x, y=y)
    x2, y2 = data.linear_regression_data(n=100, slope=-1.0, key=jax.random.key(1))
    with count_compilations() as count:
        narrow_sweep.depth_lr_sweep([100, 2, 40], [0.5, 1e-3], init=0.7, steps=50, x=x2, y=y2)
        narrow_sweep.depth_lr_sweep([7, 8, 9], [0.2, 0.3], init=1.2, steps=50, x=x, y=y)
    assert count.compiles == 0


def test_depth_lr_sweep_result_fields(xy):
    x, y = xy
    result = narrow_sweep.depth_lr_sweep([1, 2], [0.1, 5.0], init=1.0, steps=10, x=x, y=y)
    depths, lrs, losses, diverged_at = result
    assert depths.tolist() == [1, 2]
    np.testing.assert_allclose(lrs, [0.1, 5.0])
    assert losses.shape == (2, 2, 11) and diverged_at.shape == (2, 2)
    np.testing.assert_array_equal(diverged_at, curves.first_nonfinite(losses))
    assert "2 depths × 2 learning rates × 10 steps" in repr(result)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(depths=[0]), "depths"),
        (dict(depths=[nets.MAX_DEPTH + 1]), "depths"),
        (dict(depths=[2.5]), "depths"),
        (dict(depths=[]), "depths"),
        (dict(depths=[[1, 2]]), "depths"),
        (dict(lrs=[0.0]), "lrs"),
        (dict(lrs=[-0.1]), "lrs"),
        (dict(lrs=[float("nan")]), "lrs"),
        (dict(lrs=[]), "lrs"),
        (dict(init=float("inf")), "init"),
        (dict(steps=0), "steps"),
        (dict(y=np.ones(3)), "x and y"),
        (dict(x=np.array([]), y=np.array([])), "at least one example"),
        (dict(x=np.array([1.0, np.nan]), y=np.ones(2)), "finite"),
    ],
)
def test_depth_lr_sweep_rejects_bad_input(xy, kwargs, name):
    x, y = xy
    arguments = dict(depths=[1, 2], lrs=[0.1], init=1.0, steps=5, x=x, y=y) | kwargs
    with pytest.raises(ValueError, match=name):
        narrow_sweep.depth_lr_sweep(**arguments)


def test_narrow_solution_is_the_least_squares_fit(xy):
    x, y = xy
    solution = nets.narrow_solution(x, y)
    slope = np.linalg.lstsq(x[:, None].astype(np.float64), y.astype(np.float64), rcond=None)[0][0]
    assert solution.product == pytest.approx(slope, rel=1e-12)
    assert solution.loss == pytest.approx(np.mean((y - slope * x) ** 2), rel=1e-9)


def test_int_power_matches_numpy_for_every_depth():
    w = jnp.float32(-1.03)
    got = jax.vmap(lambda e: narrow_sweep._int_power(w, e))(jnp.arange(nets.MAX_DEPTH, dtype=jnp.int32))
    np.testing.assert_allclose(got, (-1.03) ** np.arange(nets.MAX_DEPTH), rtol=2e-6)


# --------------------------------------------------------- reading a sweep


def test_steps_to_converge_waits_until_the_loss_stays_below():
    curves = np.array(
        [
            [5.0, 0.5, 0.05, 0.01, 0.01],  # below from step 2
            [5.0, 0.05, 3.0, 0.05, 0.01],  # dips, bounces, settles at 3
            [5.0, 1.0, 1.0, 1.0, 1.0],  # never
            [5.0, 0.01, np.inf, np.nan, np.nan],  # diverged
            [0.01, 0.01, 0.01, 0.01, 0.01],  # from the start
        ]
    )
    assert narrow_sweep.steps_to_converge(curves, 0.1).tolist() == [2, 3, -1, -1, 0]
    with pytest.raises(ValueError, match="threshold"):
        narrow_sweep.steps_to_converge(curves, float("nan"))


def test_best_lr_per_depth_picks_the_fastest_converging_rate():
    losses = np.array(
        [
            [[1.0, 0.5, 0.01, 0.01], [1.0, 0.01, 0.01, 0.01], [1.0, np.inf, np.nan, np.nan]],
            [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]],
            [[1.0, 0.01, 0.01, 0.01], [1.0, 0.01, 0.01, 0.01], [1.0, 0.5, 0.5, 0.01]],
        ]
    )
    result = narrow_sweep.SweepResult(
        np.array([1, 2, 3]), np.array([0.1, 0.2, 0.4], np.float32), losses,
        curves.first_nonfinite(losses),
    )
    best = narrow_sweep.best_lr_per_depth(result, 0.1)
    np.testing.assert_allclose(best.lrs, [0.2, np.nan, 0.1])  # depth 3: tie -> smaller lr
    assert best.steps.tolist() == [1, -1, 1]


@pytest.mark.parametrize(
    "losses, threshold, message",
    [
        (np.ones((2, 0)), 0.5, "losses"),
        (np.float32(1.0), 0.5, "losses"),
        (np.ones((2, 3)), float("nan"), "threshold"),
        (np.ones((2, 3)), float("inf"), "threshold"),
    ],
)
def test_steps_to_converge_rejects_bad_input(losses, threshold, message):
    with pytest.raises(ValueError, match=message):
        narrow_sweep.steps_to_converge(losses, threshold)


def test_best_lr_per_depth_rejects_what_is_not_a_sweep():
    with pytest.raises(ValueError, match="SweepResult"):
        narrow_sweep.best_lr_per_depth(np.ones((2, 3, 4)), 0.5)
