"""The 2-D landscapes of lesson 06 against their formulas and second-derivative facts."""

import math

import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import landscapes

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


def test_factories_return_the_same_function_for_the_same_arguments():
    assert landscapes.rosenbrock() is landscapes.rosenbrock(1.0, 100.0)
    assert landscapes.ill_conditioned_quadratic(10) is landscapes.ill_conditioned_quadratic(10.0)
    assert landscapes.saddle() is landscapes.saddle()


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
