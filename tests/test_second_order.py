"""Newton's method, L-BFGS and clipped descent against NumPy and SciPy references."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import minimize

from lesson_lib import landscapes
from lesson_lib.compilation import count_compilations
from lesson_lib.second_order import MAX_CONDITION, clipped_descent, lbfgs, newton
from lesson_lib.train import Trajectory


def smooth(x):
    return jnp.sum(jnp.exp(0.5 * x)) + x[0] ** 2 + 0.5 * x[0] * x[1] + x[1] ** 2


def smooth_np(x):
    """Gradient and Hessian of `smooth`, written out by hand."""
    e = np.exp(0.5 * x)
    grad = 0.5 * e + np.array([2 * x[0] + 0.5 * x[1], 0.5 * x[0] + 2 * x[1]])
    hess = np.diag(0.25 * e) + np.array([[2.0, 0.5], [0.5, 2.0]])
    return grad, hess


def numpy_newton(x0, steps, lr):
    xs = [np.asarray(x0, dtype=float)]
    for _ in range(steps):
        grad, hess = smooth_np(xs[-1])
        xs.append(xs[-1] - lr * np.linalg.solve(hess, grad))
    return np.array(xs)


@pytest.mark.parametrize("lr", [1.0, 0.5])
def test_newton_matches_numpy(lr):
    run = newton(smooth, jnp.array([1.5, -2.0]), 6, lr=lr)
    assert isinstance(run, Trajectory)
    np.testing.assert_allclose(run.params, numpy_newton([1.5, -2.0], 6, lr), rtol=1e-5, atol=1e-5)
    assert run.singular_at is None and run.diverged_at is None
    assert run.condition.shape == (6,) and np.all(run.condition >= 1)


def test_newton_solves_a_quadratic_in_one_step():
    a = np.array([[3.0, 1.0], [1.0, 2.0]])
    b = np.array([1.0, -1.0])
    f = lambda x: 0.5 * x @ jnp.asarray(a, jnp.float32) @ x - jnp.asarray(b, jnp.float32) @ x
    run = newton(f, jnp.array([5.0, 5.0]), 1)
    np.testing.assert_allclose(run.params[1], np.linalg.solve(a, b), atol=1e-5)


def test_newton_is_drawn_into_the_saddle():
    run = newton(landscapes.saddle(), jnp.array([1.0, 0.5]), 3)
    np.testing.assert_allclose(run.params[-1], [0.0, 0.0], atol=1e-6)
    assert landscapes.classify_critical_point(landscapes.saddle(), run.params[-1]) == "saddle"


def test_singular_hessian_is_flagged_not_raised():
    run = newton(lambda p: p[0] ** 2 + 0.0 * p[1], jnp.array([1.0, 1.0]), 3)
    assert run.singular_at == 0
    assert "singular" in repr(run)
    assert not np.isfinite(run.condition[0]) or run.condition[0] > MAX_CONDITION


def test_newton_never_recompiles_for_a_new_start_or_rate():
    newton(smooth, jnp.array([1.0, 1.0]), 5, lr=1.0)
    with count_compilations() as count:
        newton(smooth, jnp.array([0.3, -1.0]), 5, lr=0.7)
        newton(smooth, np.array([2.0, 1.0]), 5, lr=0.2)
    assert count.compiles == 0


@pytest.mark.slow
@pytest.mark.parametrize("method", ["L-BFGS-B", "BFGS"])
def test_lbfgs_ends_where_scipy_does_on_rosenbrock(method):
    rosen = landscapes.rosenbrock()
    run = lbfgs(rosen, jnp.array([-1.2, 1.0]), 80)
    reference = minimize(lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2, [-1.2, 1.0],
                         method=method, options={"gtol": 1e-10})
    np.testing.assert_allclose(run.params[-1], reference.x, atol=1e-3)
    assert float(run.losses[-1]) < 1e-8
    assert run.evaluations.shape == (80,) and run.evaluations.min() >= 1


@pytest.mark.slow
def test_lbfgs_on_a_quadratic_in_five_dimensions():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(5, 5))
    a = m @ m.T + 5 * np.eye(5)
    b = rng.normal(size=5)
    f = lambda x: 0.5 * x @ jnp.asarray(a, jnp.float32) @ x - jnp.asarray(b, jnp.float32) @ x
    run = lbfgs(f, jnp.zeros(5), 30)
    reference = minimize(lambda x: 0.5 * x @ a @ x - b @ x, np.zeros(5), method="L-BFGS-B")
    np.testing.assert_allclose(run.params[-1], reference.x, atol=1e-4)
    assert np.all(np.diff(np.asarray(run.losses)) <= 1e-6)  # the line search never climbs


@pytest.mark.slow
def test_lbfgs_compiles_once():
    rosen = landscapes.rosenbrock()
    lbfgs(rosen, jnp.array([-1.2, 1.0]), 20)
    with count_compilations() as count:
        lbfgs(rosen, jnp.array([0.5, -0.5]), 20)
    assert count.compiles == 0


def numpy_clipped(grad_fn, x0, lr, steps, threshold, mode):
    xs = [np.asarray(x0, dtype=np.float64)]
    for _ in range(steps):
        g = grad_fn(xs[-1])
        if mode == "norm":
            norm = np.linalg.norm(g)
            g = g * min(1.0, threshold / norm) if norm > 0 else g
        elif mode == "value":
            g = np.clip(g, -threshold, threshold)
        xs.append(xs[-1] - lr * g)
    return np.array(xs)


@pytest.mark.parametrize("mode, threshold", [("norm", 2.0), ("value", 0.5), ("none", None)])
def test_clipped_descent_matches_numpy(mode, threshold):
    a = np.array([[30.0, 0.0], [0.0, 1.0]])
    f = lambda x: 0.5 * x @ jnp.asarray(a, jnp.float32) @ x
    run = clipped_descent(f, jnp.array([1.0, 2.0]), 0.05, 12, threshold=threshold, mode=mode)
    reference = numpy_clipped(lambda x: a @ x, [1.0, 2.0], 0.05, 12,
                              np.inf if threshold is None else threshold, mode)
    np.testing.assert_allclose(run.params, reference, rtol=1e-5, atol=1e-6)


def test_clipping_by_norm_bounds_every_step():
    f = lambda x: 200.0 * jnp.sum(x ** 2)
    run = clipped_descent(f, jnp.array([3.0, -4.0]), 0.1, 20, threshold=0.5)
    steps = np.linalg.norm(np.diff(np.asarray(run.params), axis=0), axis=1)
    assert steps.max() <= 0.05 + 1e-6


def test_clipped_descent_never_recompiles_for_mode_threshold_or_rate():
    f = lambda x: jnp.sum(jnp.cos(x))
    clipped_descent(f, jnp.ones(2), 0.1, 10, threshold=1.0, mode="norm")
    with count_compilations() as count:
        for mode in ("norm", "value", "none"):
            for threshold in (0.01, 3.0, 100.0):
                clipped_descent(f, jnp.array([0.5, 2.0]), 0.3, 10, threshold=threshold, mode=mode)
        clipped_descent(f, jnp.ones(2), 0.2, 10)
    assert count.compiles == 0


def test_divergence_is_reported():
    run = clipped_descent(lambda x: jnp.sum(x ** 2), jnp.ones(2), 1.5, 200, mode="none")
    assert run.diverged_at is not None


@pytest.mark.parametrize("call, name", [
    (lambda: newton(smooth, jnp.ones((2, 2)), 3), "x0"),
    (lambda: newton(smooth, jnp.array([np.nan, 1.0]), 3), "x0"),
    (lambda: newton(smooth, jnp.ones(2), 0), "steps"),
    (lambda: newton(smooth, jnp.ones(2), 3, lr=-1.0), "lr"),
    (lambda: lbfgs(smooth, jnp.ones(2), 0), "steps"),
    (lambda: clipped_descent(smooth, jnp.ones(2), 0.1, 3, mode="max"), "mode"),
    (lambda: clipped_descent(smooth, jnp.ones(2), 0.1, 3, threshold=0.0), "threshold"),
    (lambda: clipped_descent(smooth, jnp.ones(2), 0.0, 3), "lr"),
])
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()
