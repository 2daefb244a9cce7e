"""Loss surfaces on grids and the classification of critical points (lesson 01)."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib.data import linear_regression_data
from lesson_lib.landscapes import (
    classify_critical_point, gradient_field, grid, hessian_eigenvalues, narrow_landscape,
)


def test_grid_matches_a_python_double_loop():
    f = lambda p: jnp.sin(p[0]) * p[1] ** 2 + p[0]
    surface = grid(f, (-1.0, 2.0), (0.0, 3.0), n=7)
    xs, ys = np.linspace(-1, 2, 7), np.linspace(0, 3, 7)
    expected = np.array([[math.sin(xv) * yv**2 + xv for xv in xs] for yv in ys])
    np.testing.assert_allclose(surface.x, xs, atol=1e-6)
    np.testing.assert_allclose(surface.y, ys, atol=1e-6)
    np.testing.assert_allclose(surface.z, expected, rtol=1e-5, atol=1e-6)


def test_gradient_field_matches_the_analytic_gradient():
    xs, ys, g = gradient_field(lambda p: p[0] ** 2 * p[1], (-1.0, 1.0), (-2.0, 2.0), n=5)
    X, Y = np.meshgrid(xs, ys)
    np.testing.assert_allclose(g[..., 0], 2 * X * Y, atol=1e-6)
    np.testing.assert_allclose(g[..., 1], X**2, atol=1e-6)


@pytest.mark.parametrize("bad", [(1.0, 1.0), (2.0, 1.0), (0.0, float("nan")), (0.0,)])
def test_grid_rejects_bad_limits(bad):
    with pytest.raises(ValueError, match="xlim"):
        grid(lambda p: p[0], bad, (0.0, 1.0), n=3)
    with pytest.raises(ValueError, match="n"):
        grid(lambda p: p[0], (0.0, 1.0), (0.0, 1.0), n=1)


@pytest.mark.parametrize(
    "f, point, kind",
    [
        (lambda p: p[0] ** 2 + 3 * p[1] ** 2, [0.0, 0.0], "minimum"),
        (lambda p: -(p[0] ** 2) - p[1] ** 2, [0.0, 0.0], "maximum"),
        (lambda p: p[0] ** 2 - p[1] ** 2, [0.0, 0.0], "saddle"),
        (lambda p: p[0] ** 4 + p[1] ** 2, [0.0, 0.0], "degenerate"),
        (lambda p: jnp.sum(p**3), [0.0, 0.0], "degenerate"),
        (lambda p: jnp.cos(p[0]) + jnp.cos(p[1]), [math.pi, 0.0], "saddle"),
    ],
)
def test_textbook_critical_points(f, point, kind):
    assert classify_critical_point(f, point) == kind


def test_a_point_that_is_not_critical_is_refused():
    with pytest.raises(ValueError, match="not a critical point"):
        classify_critical_point(lambda p: p[0] ** 2 + p[1], [0.0, 0.0])


def test_narrow_net_landscape_facts():
    """y = x w1 w2: a saddle at the origin and a degenerate valley of global minima."""
    x, y = linear_regression_data(jax.random.key(0))
    loss = narrow_landscape(x, y)
    xn, yn = np.asarray(x, float), np.asarray(y, float)
    sxx, sxy, syy = np.mean(xn * xn), np.mean(xn * yn), np.mean(yn * yn)
    assert classify_critical_point(loss, [0.0, 0.0]) == "saddle"
    # Analytic Hessian at the origin: [[0, -2 Sxy], [-2 Sxy, 0]], eigenvalues ±2 Sxy.
    np.testing.assert_allclose(hessian_eigenvalues(loss, [0.0, 0.0]), [-2 * sxy, 2 * sxy], rtol=1e-5)
    best = sxy / sxx
    minimum = syy - sxy**2 / sxx
    for w1 in (0.5, 1.0, -2.0):
        point = [w1, best / w1]
        assert classify_critical_point(loss, point) == "degenerate"
        assert float(loss(jnp.array(point))) == pytest.approx(minimum, rel=1e-4)
        eig = hessian_eigenvalues(loss, point)
        assert abs(eig[0]) < 1e-6 * eig[1] and eig[1] > 0
