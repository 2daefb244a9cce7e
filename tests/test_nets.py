"""Tests of lesson_lib.nets against NumPy references written here (float64 math)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import nets, train
from lesson_lib.compilation import count_compilations


@pytest.fixture(scope="module")
def xy():
    rng = np.random.default_rng(0)
    x = rng.normal(size=40)
    y = 2.0 * x + 0.1 * rng.normal(size=40)
    return x.astype(np.float32), y.astype(np.float32)


def numpy_loss(w, x, y):
    p = np.prod(np.asarray(w, dtype=np.float64))
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    return np.mean((y - p * x) ** 2)


def numpy_grad(w, x, y):
    """∂L/∂w_i = (∏_{j≠i} w_j) · dL/dp, the product of the others taken without division."""
    w = np.asarray(w, dtype=np.float64)
    x, y = np.asarray(x, np.float64), np.asarray(y, np.float64)
    p = np.prod(w)
    dL_dp = -2.0 * np.mean(x * (y - p * x))
    others = np.array([np.prod(np.delete(w, i)) for i in range(w.size)])
    return others * dL_dp


# ---------------------------------------------------------------- init_narrow


@pytest.mark.parametrize("depth", [1, 2, 7, nets.MAX_DEPTH])
def test_init_narrow_shape_dtype_values(depth):
    w = nets.init_narrow(depth, 0.7)
    assert w.shape == (depth,) and w.dtype == jnp.float32
    np.testing.assert_array_equal(np.asarray(w), np.full(depth, np.float32(0.7)))


def test_init_narrow_default_is_point_nine():
    np.testing.assert_array_equal(np.asarray(nets.init_narrow(3)), np.full(3, np.float32(0.9)))


@pytest.mark.parametrize("depth", [0, -1, nets.MAX_DEPTH + 1, 2.5, True, "3", None])
def test_init_narrow_rejects_bad_depth(depth):
    with pytest.raises(ValueError, match="depth"):
        nets.init_narrow(depth)


@pytest.mark.parametrize("init", [float("nan"), float("inf"), "a"])
def test_init_narrow_rejects_bad_init(init):
    with pytest.raises(ValueError, match="init"):
        nets.init_narrow(3, init)


# ---------------------------------------------------------------- narrow_loss


@pytest.mark.slow
@pytest.mark.parametrize("w", [[0.9], [0.5, -1.5], [1.2, 0.7, -0.4, 1.1], [0.0, 2.0, 3.0]])
def test_narrow_loss_and_gradient_match_numpy(w, xy):
    x, y = xy
    w = np.asarray(w, np.float32)
    loss, grad = jax.value_and_grad(nets.narrow_loss)(jnp.asarray(w), x, y)
    np.testing.assert_allclose(float(loss), numpy_loss(w, x, y), rtol=1e-5)
    np.testing.assert_allclose(np.asarray(grad), numpy_grad(w, x, y), rtol=1e-4, atol=1e-6)


def test_narrow_loss_is_zero_on_exact_fit():
    x = jnp.array([1.0, -2.0, 3.0])
    assert float(nets.narrow_loss(jnp.array([4.0, 0.5]), x, 2.0 * x)) == 0.0


def test_narrow_predict_is_product_times_x():
    x = jnp.array([1.0, 2.0])
    np.testing.assert_allclose(np.asarray(nets.narrow_predict(jnp.array([2.0, 3.0]), x)), [6.0, 12.0])


def test_narrow_loss_rejects_mismatched_data():
    with pytest.raises(ValueError, match="x and y"):
        nets.narrow_loss(jnp.ones(2), jnp.ones(3), jnp.ones(4))


# ---------------------------------------------------------------- padding and masking


def test_pad_narrow_appends_identity_layers():
    padded = nets.pad_narrow(jnp.array([0.5, 2.0]), max_depth=5)
    np.testing.assert_array_equal(np.asarray(padded), [0.5, 2.0, 1.0, 1.0, 1.0])
    assert nets.pad_narrow(jnp.ones(3)).shape == (nets.MAX_DEPTH,)


@pytest.mark.parametrize("depth", [1, 50, nets.MAX_DEPTH])
def test_pad_narrow_keeps_weights_then_ones(depth):
    w = np.linspace(0.5, 1.5, depth).astype(np.float32)
    padded = np.asarray(nets.pad_narrow(jnp.asarray(w)))
    np.testing.assert_array_equal(padded, np.concatenate([w, np.ones(nets.MAX_DEPTH - depth, np.float32)]))


def test_pad_narrow_rejects_too_deep():
    with pytest.raises(ValueError, match="depth"):
        nets.pad_narrow(jnp.ones(nets.MAX_DEPTH + 1))


@pytest.mark.parametrize("depth", [0, nets.MAX_DEPTH + 1])
def test_depth_mask_rejects_bad_depth(depth):
    with pytest.raises(ValueError, match="depth"):
        nets.depth_mask(depth)


def test_depth_mask_marks_first_layers():
    np.testing.assert_array_equal(np.asarray(nets.depth_mask(2, 4)), [True, True, False, False])


@pytest.fixture(scope="module")
def masked_value_and_grad():
    return jax.jit(jax.value_and_grad(nets.masked_narrow_loss))


@pytest.mark.slow
def test_masked_loss_and_grad_equal_unpadded_for_every_depth(xy, masked_value_and_grad):
    """Every depth 1..MAX_DEPTH: same loss and gradient as the unpadded net; padding gets 0."""
    x, y = xy
    rng = np.random.default_rng(1)
    for depth in range(1, nets.MAX_DEPTH + 1):
        # Product stays O(1) even at depth 100; padding is garbage to prove it is ignored.
        w = rng.uniform(0.97, 1.03, size=depth).astype(np.float32)
        garbage = rng.uniform(-3.0, 3.0, size=nets.MAX_DEPTH - depth).astype(np.float32)
        ones = np.ones(nets.MAX_DEPTH - depth, np.float32)  # what pad_narrow appends (tested above)
        for padded in (np.concatenate([w, ones]), np.concatenate([w, garbage])):
            loss, grad = masked_value_and_grad(padded, depth, x, y)
            grad = np.asarray(grad)
            np.testing.assert_allclose(float(loss), numpy_loss(w, x, y), rtol=1e-4,
                                       err_msg=f"depth {depth}")
            np.testing.assert_allclose(grad[:depth], numpy_grad(w, x, y), rtol=1e-3, atol=1e-5,
                                       err_msg=f"depth {depth}")
            assert np.all(grad[depth:] == 0.0), f"masked layers got a gradient at depth {depth}"


@pytest.mark.slow
@pytest.mark.parametrize("depth", [1, 3, 17])
def test_masked_grad_equals_jax_grad_of_unpadded(depth, xy, masked_value_and_grad):
    x, y = xy
    w = jnp.asarray(np.linspace(0.8, 1.2, depth), jnp.float32)
    _, grad = masked_value_and_grad(nets.pad_narrow(w), depth, x, y)
    expected = jax.grad(nets.narrow_loss)(w, x, y)
    np.testing.assert_allclose(np.asarray(grad)[:depth], np.asarray(expected), rtol=1e-5, atol=1e-7)


def test_masked_loss_serves_every_depth_without_recompiling(xy, masked_value_and_grad):
    x, y = xy
    w = nets.pad_narrow(nets.init_narrow(1))
    masked_value_and_grad(w, 1, x, y)
    with count_compilations() as count:
        for depth in range(1, nets.MAX_DEPTH + 1):
            masked_value_and_grad(w, depth, x, y)
    assert count.compiles == 0


@pytest.mark.parametrize("depth", [1, 4, 30])
def test_masked_layers_never_move_under_gradient_descent(depth, xy):
    x, y = xy
    rng = np.random.default_rng(depth)
    w = np.full(depth, 0.9, np.float32)
    padding = rng.uniform(-2.0, 2.0, size=nets.MAX_DEPTH - depth).astype(np.float32)
    w0 = jnp.asarray(np.concatenate([w, padding]))
    run = train.gradient_descent(nets.masked_narrow_loss, w0, 0.003, 300, args=(depth, x, y))
    params = np.asarray(run.params)
    np.testing.assert_array_equal(params[:, depth:], np.broadcast_to(padding, params[:, depth:].shape))
    assert not np.allclose(params[-1, :depth], w), "the live layers should have trained"
    # ... and the live layers follow the unpadded network's trajectory.
    plain = train.gradient_descent(nets.narrow_loss, jnp.asarray(w), 0.003, 300, args=(x, y))
    np.testing.assert_allclose(params[:, :depth], np.asarray(plain.params), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(np.asarray(run.losses), np.asarray(plain.losses), rtol=1e-4)


def test_gradient_descent_step_by_hand(xy):
    """Two steps of w ← w − lr·∇L computed in NumPy match the masked, padded run."""
    x, y = xy
    lr, w = 0.01, np.array([0.9, 0.9, 0.9])
    expected = [w]
    for _ in range(2):
        w = w - lr * numpy_grad(w, x, y)
        expected.append(w)
    run = train.gradient_descent(nets.masked_narrow_loss, nets.pad_narrow(nets.init_narrow(3)), lr, 2,
                                 args=(3, x, y))
    np.testing.assert_allclose(np.asarray(run.params)[:, :3], np.array(expected), rtol=1e-5)


def test_new_depths_cost_no_compilation():
    """Sliders build weights for every depth: that must launch no shape-specific JAX op."""
    nets.pad_narrow(nets.init_narrow(3))
    with count_compilations() as count:
        for depth in range(1, nets.MAX_DEPTH + 1):
            nets.pad_narrow(nets.init_narrow(depth, 0.8))
    assert count.compiles == 0


def test_loss_on_fixed_data_refuses_non_finite_data():
    import jax.numpy as jnp

    with pytest.raises(ValueError, match="y must contain only finite numbers"):
        nets.narrow_loss_on(jnp.ones(3), jnp.array([1.0, float("inf"), 0.0]))


def test_narrow_loss_object_equals_the_numpy_reference_and_is_data():
    from references import narrow_loss as numpy_narrow_loss

    x, y = np.linspace(-1, 1, 9), 2.0 * np.linspace(-1, 1, 9) + 0.1
    loss = nets.narrow_loss_on(x, y)
    for w in ([1.0, 2.0], [0.3, -0.7, 1.1]):
        assert float(loss(jnp.array(w))) == pytest.approx(numpy_narrow_loss(w, x, y), rel=1e-6)
    leaves, treedef = jax.tree.flatten(loss)
    assert len(leaves) == 2 and treedef == jax.tree.structure(nets.narrow_loss_on(x * 3, y))
    assert repr(loss) == "NarrowLoss(x: float64[9], y: float64[9])"


def test_a_jitted_function_of_a_narrow_loss_compiles_once_for_new_data():
    grad_at = jax.jit(lambda loss, w: jax.grad(loss)(w))
    x = np.linspace(-1, 1, 8)
    grad_at(nets.narrow_loss_on(x, x), jnp.ones(2))
    with count_compilations() as count:
        g = grad_at(nets.narrow_loss_on(x, -x), jnp.ones(2))
    assert count.compiles == 0
    from references import narrow_grad

    np.testing.assert_allclose(g, narrow_grad([1.0, 1.0], x, -x), rtol=1e-5)
