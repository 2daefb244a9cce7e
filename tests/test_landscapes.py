"""`lesson_lib.landscapes`: grids, gradient fields, critical points (lesson 01) and the 2-D landscapes of lesson 06."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import landscapes
from lesson_lib.compilation import count_compilations
from lesson_lib.data import linear_regression_data
from lesson_lib.landscapes import (
    classify_critical_point, gradient_field, grid, hessian_eigenvalues, narrow_landscape,
)

POINTS = np.array([[0.3, -1.2], [-2.0, 0.5], [1.0, 1.0], [0.0, 0.0]])


@pytest.mark.parametrize("kappa,angle", [(1.0, 0.0), (10.0, 0.0), (50.0, math.pi / 6)])
def test_ill_conditioned_quadratic_matches_its_formula(kappa, angle):
    f = landscapes.ill_conditioned_quadratic(kappa, angle)
    rotation = np.array([[math.cos(angle), math.sin(angle)], [-math.sin(angle), math.cos(angle)]])
    hessian = rotation.T @ np.diag([1.0, kappa]) @ rotation
    for p in POINTS:
        assert float(f(jnp.asarray(p, jnp.float32))) == pytest.approx(0.5 * p @ hessian @ p,
                                                                       rel=1e-5, abs=1e-6)
    np.testing.assert_allclose(landscapes.hessian_eigenvalues(f, [0.3, 0.2]), [1.0, kappa],
                               rtol=1e-9)


def test_rosenbrock_formula_and_minimum():
    f = landscapes.rosenbrock(2.0, 10.0)
    for x, y in POINTS:
        expected = (2.0 - x) ** 2 + 10.0 * (y - x * x) ** 2
        assert float(f(jnp.array([x, y], jnp.float32))) == pytest.approx(expected, rel=1e-5)
    assert float(f(jnp.array([2.0, 4.0]))) == 0.0
    assert landscapes.classify_critical_point(landscapes.rosenbrock(), [1.0, 1.0]) == "minimum"
    # The valley: the Hessian at the minimum has condition number ~2500.
    eig = landscapes.hessian_eigenvalues(landscapes.rosenbrock(), [1.0, 1.0])
    assert eig[1] / eig[0] > 2000


def test_saddle_formula_and_kind():
    f = landscapes.saddle()
    for x, y in POINTS:
        assert float(f(jnp.array([x, y], jnp.float32))) == pytest.approx(x * x - y * y, rel=1e-6)
    assert landscapes.classify_critical_point(f, [0.0, 0.0]) == "saddle"
    np.testing.assert_allclose(landscapes.hessian_eigenvalues(f, [0.0, 0.0]), [-2.0, 2.0])


def test_landscapes_are_loss_objects_whose_parameters_are_traced():
    """A new condition number, angle, a or b is new data for compiled code, not a new function."""
    f, g = landscapes.ill_conditioned_quadratic(10.0, 0.3), landscapes.ill_conditioned_quadratic(20.0, -1.0)
    assert jax.tree.structure(f) == jax.tree.structure(g)
    assert len(jax.tree.leaves(landscapes.rosenbrock(2.0, 5.0))) == 2
    assert jax.tree.leaves(landscapes.saddle()) == []
    assert repr(landscapes.rosenbrock(2.0, 5.0)) == "Rosenbrock(a=2, b=5)"
    assert repr(f) == "IllConditionedQuadratic(condition_number=10, angle=0.3)"
    grid(landscapes.rosenbrock(), (-1.0, 1.0), (-1.0, 1.0), n=9)
    with count_compilations() as count:
        surface = grid(landscapes.rosenbrock(0.5, 3.0), (-1.0, 1.0), (-1.0, 1.0), n=9)
    assert count.compiles == 0
    assert float(surface.z[4, 4]) == pytest.approx(0.25)  # f(0, 0) = a² = 0.25


@pytest.mark.parametrize("call,argument", [
    (lambda: landscapes.ill_conditioned_quadratic(0.5), "condition_number"),
    (lambda: landscapes.ill_conditioned_quadratic(float("inf")), "condition_number"),
    (lambda: landscapes.ill_conditioned_quadratic(2.0, angle="x"), "angle"),
    (lambda: landscapes.rosenbrock(a=float("nan")), "a must"),
    (lambda: landscapes.rosenbrock(b=0.0), "b must"),
])
def test_bad_arguments_name_the_argument(call, argument):
    with pytest.raises(ValueError, match=argument):
        call()


# ------------------------------------------------ grids and critical points (lesson 01)


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
    x, y = linear_regression_data(key=jax.random.key(0))
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


def test_a_point_with_nan_is_refused():
    with pytest.raises(ValueError, match="point"):
        classify_critical_point(landscapes.saddle(), [0.0, float("nan")])
