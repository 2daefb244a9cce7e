"""`lesson_lib.train`: gradient descent against hand-computed steps and a NumPy reference."""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from lesson_lib import nets, train
from lesson_lib.compilation import count_compilations
from lesson_lib.data import linear_regression_data

from references import narrow_gd, narrow_grad


def bowl(w):
    return jnp.sum(w ** 2)


def numpy_gd_narrow(x, y, w0, lr, steps):
    """The shared float64 reference (tests/references.py): visited weights and their losses."""
    return narrow_gd(w0, x, y, lr, steps)


@pytest.fixture(scope="module")
def xy():
    return linear_regression_data(key=jax.random.key(0))


def test_steps_on_a_bowl_by_hand():
    # ∇(w·w) = 2w, so w ← (1 − 2 lr) w: with lr = 0.1, w is multiplied by 0.8.
    run = train.gradient_descent(bowl, jnp.array([1.0, -2.0]), 0.1, 3)
    expected = np.array([[1.0, -2.0], [0.8, -1.6], [0.64, -1.28], [0.512, -1.024]])
    np.testing.assert_allclose(run.params, expected, rtol=1e-6)
    np.testing.assert_allclose(run.losses, (expected ** 2).sum(axis=1), rtol=1e-6)
    assert run.diverged_at is None


@pytest.mark.parametrize("depth, lr", [(1, 0.3), (2, 0.1), (3, 0.05), (5, 0.02)])
def test_narrow_net_matches_numpy(xy, depth, lr):
    x, y = xy
    w0 = np.linspace(0.7, 1.1, depth)
    run = train.gradient_descent(nets.narrow_loss, w0, lr, 25, args=(x, y))
    params, losses = numpy_gd_narrow(x, y, w0, lr, 25)
    np.testing.assert_allclose(run.params, params, rtol=2e-4, atol=1e-6)
    np.testing.assert_allclose(run.losses, losses, rtol=2e-4, atol=1e-7)


@pytest.mark.slow
def test_trajectory_shapes_and_first_row(xy):
    x, y = xy
    w0 = nets.init_narrow(3, 0.8)
    run = train.gradient_descent(nets.narrow_loss, w0, 0.05, 7, args=(x, y))
    assert run.params.shape == (8, 3)
    assert run.losses.shape == (8,)
    assert run.update_ratios.shape == (7,)
    np.testing.assert_array_equal(run.params[0], w0)
    assert float(run.losses[0]) == pytest.approx(float(nets.narrow_loss(w0, x, y)), rel=1e-6)
    # update ratio = |lr ∇L| / |w| at every step
    ratio0 = float(jnp.linalg.norm(run.params[1] - run.params[0]) / jnp.linalg.norm(run.params[0]))
    assert float(run.update_ratios[0]) == pytest.approx(ratio0, rel=1e-4)


def float32_divergence_step(lr):
    """First step whose loss w² overflows in float32 for GD on w² from w = 1 (NumPy reference)."""
    w = np.float32(1.0)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1000):
            if not np.isfinite(w * w):
                return step, w
            w = np.float32(w - np.float32(lr) * np.float32(2.0) * w)
    return None, w


@pytest.mark.parametrize("lr", [1.5, 3.0, 10.0])
def test_diverged_at_is_the_first_non_finite_loss(lr):
    expected, _ = float32_divergence_step(lr)
    run = train.gradient_descent(bowl, jnp.ones(1), lr, 200)
    assert isinstance(run.diverged_at, int)
    assert run.diverged_at == expected
    losses = np.asarray(run.losses)
    assert np.all(np.isfinite(losses[: run.diverged_at]))
    assert not np.any(np.isfinite(losses[run.diverged_at:]))  # left as computed, non-finite
    assert "diverged at step" in repr(run)


def test_no_divergence_is_none():
    run = train.gradient_descent(bowl, jnp.ones(2), 0.99, 200)  # factor −0.98: slow but stable
    assert run.diverged_at is None
    assert np.all(np.isfinite(run.losses))


def test_gradient_descent_equals_optax_sgd(xy):
    x, y = xy
    w0 = nets.init_narrow(2)
    ours = train.gradient_descent(nets.narrow_loss, w0, 0.07, 30, args=(x, y))
    theirs = train.optimize(nets.narrow_loss, w0, optax.sgd(0.07), 30, args=(x, y))
    np.testing.assert_allclose(ours.losses, theirs.losses, rtol=1e-6)


@pytest.mark.parametrize("lr", [0.0, -0.1, float("nan"), float("inf"), -float("inf"), "fast", None])
def test_bad_learning_rates(lr):
    with pytest.raises(ValueError, match="lr"):
        train.gradient_descent(bowl, jnp.ones(1), lr, 5)


@pytest.mark.parametrize("steps", [0, -3, 2.5, "10", True])
def test_bad_steps(steps):
    with pytest.raises(ValueError, match="steps"):
        train.gradient_descent(bowl, jnp.ones(1), 0.1, steps)


def test_new_learning_rates_and_starts_never_recompile(xy):
    x, y = xy
    train.gradient_descent(nets.narrow_loss, nets.init_narrow(2), 0.1, 40, args=(x, y))
    with count_compilations() as count:
        for lr in [1e-4, 0.3, 2.0, 7, np.float64(0.01), np.float32(0.5)]:
            train.gradient_descent(nets.narrow_loss, nets.init_narrow(2), lr, 40, args=(x, y))
        for w0 in [np.array([0.1, -3.0]), [2.0, 2.0], jnp.array([0.5, 0.5], dtype=jnp.float32)]:
            train.gradient_descent(nets.narrow_loss, w0, 0.1, 40, args=(x, y))
    assert count.compiles == 0


def test_a_loss_object_trains_like_the_function_with_its_data(xy):
    x, y = xy
    by_args = train.gradient_descent(nets.narrow_loss, nets.init_narrow(3), 0.05, 60, args=(x, y))
    by_object = train.gradient_descent(nets.narrow_loss_on(x, y), nets.init_narrow(3), 0.05, 60)
    np.testing.assert_array_equal(np.asarray(by_object.losses), np.asarray(by_args.losses))
    np.testing.assert_allclose(by_object.losses, narrow_gd(nets.init_narrow(3), x, y, 0.05, 60)[1], rtol=1e-4)


def test_mini_batches_from_a_pytree_batch_function(xy):
    """`batch_fn` may be a pytree too: its arrays (the data) are traced."""
    x, y = xy
    def window(xs, ys, key, step):  # examples 10k ... 10k + 9, k = step mod 4
        return tuple(jax.lax.dynamic_slice_in_dim(a, 10 * (step % 4), 10) for a in (xs, ys))

    data = jax.tree_util.Partial(window, x, y)
    loss = lambda w, batch: nets.narrow_loss(w, *batch)  # noqa: E731
    run = train.optimize(loss, nets.init_narrow(2), optax.sgd(0.05), 8, batch_fn=data, key=jax.random.key(0))
    w = np.asarray(nets.init_narrow(2), np.float64)
    for step in range(8):
        part = slice(10 * (step % 4), 10 * (step % 4) + 10)
        w = w - 0.05 * narrow_grad(w, x[part], y[part])
    np.testing.assert_allclose(run.params[-1], w, rtol=1e-4)


@pytest.mark.parametrize("w0", [jnp.array([np.nan, 0.9]), jnp.array([0.9, -np.inf]), jnp.zeros(0)])
def test_non_finite_or_empty_start_is_refused(xy, w0):
    with pytest.raises(ValueError, match="w0 must"):
        train.gradient_descent(nets.narrow_loss, w0, 0.1, 10, args=xy)
    with pytest.raises(ValueError, match="params0 must"):
        train.optimize(nets.narrow_loss, w0, optax.sgd(0.1), 10, args=xy)


@pytest.mark.parametrize("which", [0, 1])
def test_non_finite_data_is_refused(xy, which):
    args = list(xy)
    args[which] = args[which].at[5].set(np.nan)
    with pytest.raises(ValueError, match=rf"args\[{which}\] must contain only finite numbers"):
        train.gradient_descent(nets.narrow_loss, nets.init_narrow(2, 0.9), 0.1, 10, args=tuple(args))


def test_divergence_from_a_finite_start_is_a_result_not_an_error(xy):
    run = train.gradient_descent(nets.narrow_loss, nets.init_narrow(2, 0.9), 5.0, 50, args=xy)
    assert run.diverged_at is not None and 0 < run.diverged_at <= 50
