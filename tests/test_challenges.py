"""lesson_lib.challenges against NumPy references: step changes, the cliff, the wells,
critical points of random landscapes, repeated products and noisy descent."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.optimize import minimize

from lesson_lib import challenges as C
from lesson_lib.compilation import count_compilations


def test_step_change_is_exact_on_a_quadratic():
    rng = np.random.default_rng(0)
    m = rng.normal(size=(3, 3))
    h = m @ m.T + np.eye(3)
    x = rng.normal(size=3)
    g = h @ x
    f = lambda v: 0.5 * v @ h @ v
    for lr in (1e-3, 0.1, 1.0):
        first, second = C.step_change(g, h, lr)
        assert first + second == pytest.approx(f(x - lr * g) - f(x), rel=1e-9, abs=1e-12)


def test_loss_raising_lr_is_where_the_change_turns_positive():
    rng = np.random.default_rng(1)
    m = rng.normal(size=(4, 4))
    h = m @ m.T + 0.1 * np.eye(4)
    g = rng.normal(size=4)
    lr = C.loss_raising_lr(g, h)
    eig = np.linalg.eigvalsh(h)
    assert 2 / eig.max() <= lr <= 2 / eig.min()
    assert sum(C.step_change(g, h, 0.99 * lr)) < 0 < sum(C.step_change(g, h, 1.01 * lr))
    assert C.loss_raising_lr([1.0, 0.0], np.diag([-1.0, 1.0])) == np.inf


def test_quadratic():
    assert float(C.quadratic(jnp.array([2.0, 1.0]), 50.0)) == pytest.approx(27.0)


@pytest.mark.slow
def test_cliff_face_and_floor():
    grad = jax.grad(C.cliff)
    on_face = float(jnp.linalg.norm(grad(jnp.array([0.16, 0.0]))))
    assert on_face == pytest.approx(20.0 / 0.4, rel=0.02)
    for point in ([-2.5, 2.0], [1.5, 0.0], [4.0, 3.0]):
        assert float(jnp.linalg.norm(grad(jnp.array(point)))) < 5.0
    best = minimize(lambda p: float(C.cliff(jnp.array(p, jnp.float32))), [1.5, 0.5], method="Nelder-Mead",
                    options={"xatol": 1e-6, "fatol": 1e-10})
    np.testing.assert_allclose(best.x, C.CLIFF_MINIMUM, atol=1e-3)
    assert float(C.cliff(jnp.array(C.CLIFF_START))) > 19.0


def wells_np(p):
    centers, depths, widths = (np.asarray(v) for v in (C.WELL_CENTERS, C.WELL_DEPTHS, C.WELL_WIDTHS))
    d2 = np.sum((np.asarray(p)[None] - centers) ** 2, axis=1)
    return 0.05 * np.sum(np.asarray(p) ** 2) - np.sum(depths * np.exp(-d2 / (2 * widths ** 2)))


def test_wells_has_five_minima_and_the_deepest_is_well_four():
    minima = [minimize(wells_np, c, method="BFGS").x for c in C.WELL_CENTERS]
    assert C.nearest_well(np.array(minima)).tolist() == [0, 1, 2, 3, 4]
    values = [wells_np(m) for m in minima]
    assert int(np.argmin(values)) == 4 and sorted(values)[1] > values[4] + 0.4
    for m in minima:
        assert float(C.wells(jnp.asarray(m, jnp.float32))) == pytest.approx(wells_np(m), abs=1e-5)


@pytest.mark.slow
def test_descend_from_matches_a_numpy_loop_and_compiles_once():
    rng = np.random.default_rng(5)
    starts = rng.uniform(-4, 4, size=(6, 2)).astype(np.float32)
    centers, depths, widths = (np.asarray(v) for v in (C.WELL_CENTERS, C.WELL_DEPTHS, C.WELL_WIDTHS))

    def grad_np(p):
        d = p[None] - centers
        weight = depths * np.exp(-np.sum(d ** 2, axis=1) / (2 * widths ** 2)) / widths ** 2
        return 0.1 * p + weight @ d

    expected = []
    for x in starts.astype(np.float64):
        for _ in range(40):
            x = x - 0.3 * grad_np(x)
        expected.append(x)
    np.testing.assert_allclose(C.descend_from(C.wells, starts, 0.3, 40), expected, atol=1e-4)
    with count_compilations() as count:
        C.descend_from(C.wells, starts[::-1].copy(), 0.1, 40)
    assert count.compiles == 0


def landscape_np(x, omega, b, a):
    c = np.sqrt(2.0 / a.size)
    phase = omega @ x + b
    grad = -c * (a * np.sin(phase)) @ omega
    hess = -c * (omega.T * (a * np.cos(phase))) @ omega
    return c * np.sum(a * np.cos(phase)), grad, hess


@pytest.mark.slow
def test_critical_points_of_a_random_landscape_match_numpy():
    params = C.random_landscape(3, 16, key=jax.random.key(0))
    starts = jax.random.uniform(jax.random.key(1), (60, 3), minval=-2.0, maxval=2.0)
    found = C.critical_points(C.random_landscape_value, starts, args=params, steps=30)
    assert found.converged.sum() > 30
    omega, b, a = (np.asarray(v, dtype=np.float64) for v in params)
    for point, value, index in zip(found.points[found.converged], found.values[found.converged],
                                   found.index[found.converged]):
        f, grad, hess = landscape_np(point.astype(np.float64), omega, b, a)
        assert f == pytest.approx(float(value), abs=1e-4)
        assert np.linalg.norm(grad) < 1e-3
        assert np.mean(np.linalg.eigvalsh(hess) < 0) == pytest.approx(float(index))


@pytest.mark.slow
def test_critical_points_compile_once_per_shape():
    starts, other = jnp.zeros((4, 3)), jnp.asarray(np.full((4, 3), 0.5), jnp.float32)
    first, second = (C.random_landscape(3, 8, key=jax.random.key(seed)) for seed in (0, 7))
    C.critical_points(C.random_landscape_value, starts, args=first)
    with count_compilations() as count:
        C.critical_points(C.random_landscape_value, other, args=second)
    assert count.compiles == 0


def test_repeated_product_matches_matrix_powers():
    rng = np.random.default_rng(2)
    w = rng.normal(size=(3, 3)) / 2
    x0 = rng.normal(size=3)
    got = np.asarray(C.repeated_product(w, x0, 12))
    expected = np.array([np.linalg.matrix_power(w, t) @ x0 for t in range(13)])
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-6)


def test_noisy_descent_matches_numpy_with_the_same_draws():
    key = jax.random.key(4)
    run = C.noisy_descent(C.quadratic, jnp.array([1.0, -0.5]), 0.05, 30, noise=0.7, key=key,
                          args=(jnp.float32(10.0),))
    z = np.asarray(jax.random.normal(key, (30, 2)), dtype=np.float64)
    x = np.array([1.0, -0.5])
    path = [x]
    for t in range(30):
        x = x - 0.05 * (np.array([1.0, 10.0]) * x + 0.7 * z[t])
        path.append(x)
    np.testing.assert_allclose(run.params, np.array(path), rtol=1e-5, atol=1e-6)
    losses = [0.5 * (p[0] ** 2 + 10 * p[1] ** 2) for p in path]
    np.testing.assert_allclose(run.losses, losses, rtol=1e-5, atol=1e-7)


def test_noisy_descent_never_recompiles():
    args = (jnp.float32(10.0),)
    C.noisy_descent(C.quadratic, jnp.ones(2), 0.05, 20, noise=0.1, key=jax.random.key(0), args=args)
    with count_compilations() as count:
        for seed, noise in enumerate((0.0, 1.0, 3.0)):
            C.noisy_descent(C.quadratic, jnp.ones(2), 0.01 * (seed + 1), 20, noise=noise,
                            key=jax.random.key(seed), args=(jnp.float32(seed + 1.0),))
    assert count.compiles == 0


@pytest.mark.parametrize("call, name", [
    (lambda: C.step_change([1.0, 2.0], np.eye(3), 0.1), "hessian"),
    (lambda: C.step_change([[1.0]], np.eye(1), 0.1), "g"),
    (lambda: C.step_change([1.0], np.eye(1), -0.1), "lr"),
    (lambda: C.loss_raising_lr([np.nan], np.eye(1)), "g"),
    (lambda: C.random_landscape(0, key=jax.random.key(0)), "dims"),
    (lambda: C.random_landscape(2, key=3), "key"),
    (lambda: C.critical_points(C.random_landscape_value, jnp.zeros(3)), "starts"),
    (lambda: C.repeated_product(np.eye(2), np.ones(3), 3), "w must be"),
    (lambda: C.descend_from(C.wells, jnp.zeros(2), 0.1, 3), "starts"),
    (lambda: C.descend_from(C.wells, jnp.zeros((2, 2)), 0.0, 3), "lr"),
    (lambda: C.repeated_product(np.eye(2), np.ones(2), 0), "steps"),
    (lambda: C.noisy_descent(C.quadratic, jnp.ones(2), 0.1, 3, noise=-1.0, key=jax.random.key(0)), "noise"),
    (lambda: C.noisy_descent(C.quadratic, jnp.ones(2), 0.1, 3, noise=1.0, key=None), "key"),
])
def test_bad_arguments(call, name):
    with pytest.raises(ValueError, match=name):
        call()
