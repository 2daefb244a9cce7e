"""`lesson_lib.curvature`: the Hessian, sharpness and the largest stable learning rate, against NumPy."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import nets, train
from lesson_lib.data import linear_regression_data
from lesson_lib.curvature import hessian, hessian_eigenvalues, max_stable_lr, sharpness


@pytest.fixture(scope="module")
def xy():
    return linear_regression_data(key=jax.random.key(0))


def narrow2_hessian(x, y, w1, w2):
    """Hessian of a p² − 2 b p + c with p = w1 w2, by hand (a = mean x², b = mean xy)."""
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    a, b = np.mean(x * x), np.mean(x * y)
    return np.array([[2 * a * w2 ** 2, 4 * a * w1 * w2 - 2 * b],
                     [4 * a * w1 * w2 - 2 * b, 2 * a * w1 ** 2]])


def test_quadratic_form_gives_the_largest_eigenvalue():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(4, 4))
    a = m @ m.T + 0.1 * np.eye(4)
    a32 = jnp.asarray(a, jnp.float32)

    def loss(w):
        return 0.5 * w @ a32 @ w

    expected = np.linalg.eigvalsh(np.asarray(a32, np.float64)).max()
    assert sharpness(loss, jnp.ones(4)) == pytest.approx(expected, rel=1e-6)
    assert max_stable_lr(loss, jnp.zeros(4)) == pytest.approx(2 / expected, rel=1e-6)


def test_pytree_parameters():
    def loss(params):
        return 3.0 * params["a"] ** 2 + jnp.sum(params["b"] ** 2)

    params = {"a": jnp.float32(1.0), "b": jnp.ones(2)}
    assert sharpness(loss, params) == pytest.approx(6.0)
    assert max_stable_lr(loss, params) == pytest.approx(1 / 3)


@pytest.mark.parametrize("loss", [lambda w: -jnp.sum(w ** 2), lambda w: jnp.sum(0.0 * w)])
def test_no_upward_curvature_means_no_limit(loss):
    assert max_stable_lr(loss, jnp.ones(2)) == math.inf


@pytest.mark.slow
def test_depth1_is_one_over_mean_x_squared(xy):
    x, y = xy
    expected = 1 / np.mean(np.asarray(x, np.float64) ** 2)
    for w in (0.0, 2.0, -5.0):  # a parabola: the same everywhere
        got = max_stable_lr(lambda v: nets.narrow_loss(v, x, y), jnp.array([w]))
        assert got == pytest.approx(expected, rel=1e-6)


@pytest.mark.parametrize("w1, w2", [(0.9, 0.9), (1.5, -0.3), (2.5, 2.5), (0.0, 0.0)])
def test_depth2_hessian_matches_the_hand_derivation(xy, w1, w2):
    x, y = xy
    expected = np.linalg.eigvalsh(narrow2_hessian(x, y, w1, w2)).max()
    got = sharpness(lambda v: nets.narrow_loss(v, x, y), jnp.array([w1, w2]))
    assert got == pytest.approx(expected, rel=1e-5)


def test_depth2_balanced_minimum_is_two_over_four_mean_xy(xy):
    x, y = xy
    a, b = (float(np.mean(np.asarray(u, np.float64))) for u in (x * x, x * y))
    w = np.sqrt(b / a)
    assert max_stable_lr(lambda v: nets.narrow_loss(v, x, y), jnp.array([w, w])) == pytest.approx(
        2 / (4 * b), rel=1e-5)


def test_the_limit_separates_convergence_from_divergence_on_a_parabola():
    def loss(w):
        return 1.0 + 2.5 * jnp.sum((w - 1.0) ** 2)

    limit = max_stable_lr(loss, jnp.ones(1))
    assert limit == pytest.approx(0.4)
    below = train.gradient_descent(loss, jnp.zeros(1), 0.98 * limit, 2000)
    above = train.gradient_descent(loss, jnp.zeros(1), 1.02 * limit, 2000)
    assert float(below.losses[-1]) == pytest.approx(1.0, abs=1e-6)
    assert above.diverged_at is not None


def test_float64_is_not_left_switched_on():
    sharpness(lambda w: jnp.sum(w ** 2), jnp.ones(2))
    assert jnp.ones(1).dtype == jnp.float32


def test_a_second_point_and_new_data_compile_nothing(xy):
    from lesson_lib.compilation import count_compilations

    x, y = xy
    w = nets.init_narrow(2, 0.9)
    first = sharpness(nets.narrow_loss, w, args=(x, y))
    w_other, x_other = w * 0.5, x * 2.0
    with count_compilations() as count:
        second = sharpness(nets.narrow_loss, w_other, args=(x_other, y))
        max_stable_lr(nets.narrow_loss, w, args=(x, y))
    assert count.compiles == 0
    a, b = np.mean(np.asarray(x_other, np.float64) ** 2), np.mean(np.asarray(x_other * y, np.float64))
    hand = np.array([[2 * a * 0.45 ** 2, 4 * a * 0.45 ** 2 - 2 * b], [4 * a * 0.45 ** 2 - 2 * b, 2 * a * 0.45 ** 2]])
    assert second == pytest.approx(np.linalg.eigvalsh(hand).max(), rel=1e-5)
    assert first != pytest.approx(second)


@pytest.mark.parametrize("params", [jnp.array([np.nan, 1.0]), jnp.array([1.0, np.inf]), jnp.zeros(0)])
@pytest.mark.parametrize("fn", [sharpness, max_stable_lr])
def test_non_finite_or_empty_parameters_are_refused(fn, params):
    with pytest.raises(ValueError, match="params must"):
        fn(lambda w: jnp.sum(w ** 2), params)


def test_non_finite_data_is_refused(xy):
    x, y = xy
    with pytest.raises(ValueError, match=r"args\[1\] must contain only finite"):
        max_stable_lr(nets.narrow_loss, nets.init_narrow(2, 0.9), args=(x, y.at[0].set(np.inf)))


def _numpy_hessian(f, w, h=1e-4):
    """Central second differences of a float64 NumPy function (an independent reference)."""
    w = np.asarray(w, np.float64)
    n = w.size
    out = np.empty((n, n))
    for i in range(n):
        for j in range(n):
            ei, ej = np.eye(n)[i] * h, np.eye(n)[j] * h
            out[i, j] = (f(w + ei + ej) - f(w + ei - ej) - f(w - ei + ej) + f(w - ei - ej)) / (4 * h * h)
    return out


@pytest.mark.parametrize("depth", [1, 3, 5])
def test_hessian_of_the_narrow_net_matches_second_differences(xy, depth):
    from references import narrow_loss as numpy_narrow_loss

    x, y = xy
    w = np.linspace(0.6, 1.2, depth)
    got = hessian(nets.narrow_loss_on(x, y), jnp.asarray(w, jnp.float32))
    ref = _numpy_hessian(lambda v: numpy_narrow_loss(v, x, y), np.asarray(jnp.asarray(w, jnp.float32)))
    assert got.shape == (depth, depth) and got.dtype == np.float64
    np.testing.assert_allclose(got, ref, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(hessian_eigenvalues(nets.narrow_loss_on(x, y), jnp.asarray(w, jnp.float32)),
                               np.linalg.eigvalsh(ref), rtol=1e-5, atol=1e-5)


def test_a_loss_object_and_the_function_with_args_agree(xy):
    x, y = xy
    w = nets.init_narrow(3, 0.8)
    assert sharpness(nets.narrow_loss_on(x, y), w) == pytest.approx(
        sharpness(nets.narrow_loss, w, args=(x, y)), rel=1e-12)


def test_integer_arguments_stay_integers_in_float64(xy):
    """A traced depth in `args` (the masked loss) must not be turned into a float."""
    x, y = xy
    w = nets.pad_narrow(nets.init_narrow(3, 0.8), max_depth=8)
    masked = sharpness(nets.masked_narrow_loss, w, args=(3, x, y))
    assert masked == pytest.approx(sharpness(nets.narrow_loss, nets.init_narrow(3, 0.8), args=(x, y)), rel=1e-12)

