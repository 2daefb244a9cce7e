"""lesson_lib.signals: forward/backward signals and Jacobian singular values against NumPy (float64)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import init, mlp
from lesson_lib.compilation import count_compilations
from lesson_lib.exercises.initialization import relu_depth_std
from lesson_lib.signals import (
    NONLINEARITIES,
    jacobian_singular_values,
    layer_histograms,
    layer_signals,
    layer_summaries,
    nonlinearity_index,
    propagate,
    stacked_weights,
)

from references import DPHI, PHI, numpy_signals  # noqa: E402


def numpy_jacobian(weights, x, nonlinearity, depth):
    """J = W_1 D_1 W_2 D_2 ... (row-vector convention), in float64."""
    h, jac = np.asarray(x, float), np.eye(len(x))
    for w in np.asarray(weights, float)[:depth]:
        z = h @ w
        jac = jac @ w * DPHI[nonlinearity](z)[None, :]
        h = PHI[nonlinearity](z)
    return jac


@pytest.fixture(scope="module")
def small_net():
    key_w, key_x, key_r = jax.random.split(jax.random.key(3), 3)
    weights = stacked_weights(init.xavier_normal(1.3), 6, 16, key=key_w)
    x = jax.random.normal(key_x, (5, 16))
    r = jax.random.normal(key_r, (5, 16))
    return weights, x, r


@pytest.mark.slow
def test_stacked_weights_are_independent_draws_of_the_scheme():
    w = np.asarray(stacked_weights(init.he_normal(), 4, 300, key=jax.random.key(0)), float)
    assert w.shape == (4, 300, 300)
    np.testing.assert_allclose(w.std(axis=(1, 2)), np.sqrt(2.0 / 300), rtol=0.01)
    assert np.abs(w[0] - w[1]).max() > 0.1


@pytest.mark.slow
@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("depth", [1, 4, 6])
def test_layer_signals_match_numpy(small_net, nonlinearity, depth):
    weights, x, r = small_net
    h, delta = layer_signals(weights, x, r, nonlinearity, depth)
    ref_h, ref_delta = numpy_signals(weights, x, r, nonlinearity, depth)
    np.testing.assert_allclose(np.asarray(h[:depth]), ref_h, rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(delta[:depth]), ref_delta, rtol=2e-4, atol=1e-5)
    assert not np.asarray(h[depth:]).any() and not np.asarray(delta[depth:]).any()


@pytest.mark.slow
def test_backward_pass_is_the_gradient(small_net):
    """δ_1 = ∂L/∂z_1 for L = Σ h_depth ⊙ r, checked with autodiff of a plain forward pass."""
    weights, x, r = small_net

    def loss(z1):
        h = jnp.tanh(z1)
        for w in weights[1:]:
            h = jnp.tanh(h @ w)
        return jnp.sum(h * r)

    _, delta = layer_signals(weights, x, r, "tanh")
    np.testing.assert_allclose(np.asarray(delta[0]), np.asarray(jax.grad(loss)(x @ weights[0])),
                               rtol=1e-4, atol=1e-6)


@pytest.mark.slow
def test_activations_agree_with_mlp_module(small_net):
    weights, x, _ = small_net
    params = [{"w": w, "b": jnp.zeros(16)} for w in weights] + [
        {"w": jnp.eye(16), "b": jnp.zeros(16)}]
    expected = mlp.mlp_activations(params, x, "tanh")[:-1]
    h, _ = layer_signals(weights, x, jnp.ones_like(x), "tanh")
    np.testing.assert_allclose(np.asarray(h), np.asarray(jnp.stack(expected)), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_variance_laws_in_a_wide_net():
    """Xavier keeps a linear net's scale, halves E[h²] per ReLU layer; He keeps ReLU."""
    width, depth = 256, 10
    key_w, key_x, key_r = jax.random.split(jax.random.key(0), 3)
    x = jax.random.normal(key_x, (400, width))
    r = jax.random.normal(key_r, (400, width))
    rms = lambda a: np.sqrt(np.mean(np.asarray(a, float) ** 2, axis=(1, 2)))
    h, d = layer_signals(stacked_weights(init.xavier_normal(), depth, width, key=key_w), x, r, "linear")
    assert rms(h)[-1] == pytest.approx(1.0, rel=0.15)
    assert rms(d)[0] == pytest.approx(1.0, rel=0.15)
    h, d = layer_signals(stacked_weights(init.xavier_normal(), depth, width, key=key_w), x, r, "relu")
    assert rms(h)[-1] == pytest.approx(relu_depth_std(depth, 1.0), rel=0.25)
    assert rms(d)[0] < 0.1
    h, d = layer_signals(stacked_weights(init.he_normal(), depth, width, key=key_w), x, r, "relu")
    assert rms(h)[-1] == pytest.approx(1.0, rel=0.25)
    assert 0.3 < rms(d)[0] < 3.0
    h, _ = layer_signals(stacked_weights(init.orthogonal(), depth, width, key=key_w), x, r, "linear")
    # An orthogonal linear stack preserves every input vector's length exactly.
    np.testing.assert_allclose(np.linalg.norm(np.asarray(h[-1]), axis=1),
                               np.linalg.norm(np.asarray(x), axis=1), rtol=1e-4)


@pytest.mark.slow
@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("depth", [1, 3, 6])
def test_jacobian_singular_values_match_numpy(small_net, nonlinearity, depth):
    weights, x, _ = small_net
    got = np.asarray(jacobian_singular_values(weights, x[0], nonlinearity, depth))
    expected = np.linalg.svd(numpy_jacobian(weights, x[0], nonlinearity, depth), compute_uv=False)
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-5 * expected[0])
    assert np.all(np.diff(got) <= 1e-6 * got[0])  # largest first


@pytest.mark.slow
def test_dynamic_isometry_orthogonal_versus_gaussian():
    """Orthogonal linear stacks: every singular value 1. Gaussian: they spread with depth."""
    key = jax.random.key(5)
    x = jnp.ones(64)
    ortho = stacked_weights(init.orthogonal(), 12, 64, key=key)
    np.testing.assert_allclose(np.asarray(jacobian_singular_values(ortho, x)), 1.0, atol=1e-5)
    gauss = stacked_weights(init.xavier_normal(), 12, 64, key=key)
    spread = [float(np.log(s[0] / s[-1]))
              for s in (np.asarray(jacobian_singular_values(gauss, x, depth=d), float)
                        for d in (1, 4, 12))]
    assert spread[0] < spread[1] < spread[2]
    # Largest singular value of one square Gaussian layer with variance 1/n: about 2.
    assert float(jacobian_singular_values(gauss, x, depth=1)[0]) == pytest.approx(2.0, rel=0.15)


@pytest.mark.slow
def test_propagate_never_recompiles_over_depth_and_nonlinearity(small_net):
    weights, x, r = small_net
    scaled = 1.5 * weights
    _ = propagate(weights, jnp.int32(1), jnp.int32(0), x, r)
    with count_compilations() as count:
        for depth in range(1, 7):
            for index in range(len(NONLINEARITIES)):
                _ = propagate(scaled, np.int32(depth), np.int32(index), x, r)
    assert count.compiles == 0, count


def numpy_layer_histograms(values, limit, bins):
    """np.histogram per layer, values beyond ±limit moved into the edge bins first."""
    edges = np.linspace(-limit, limit, bins + 1)
    return np.stack([np.histogram(np.clip(np.asarray(v, float).ravel(), -limit, limit), edges)[0]
                     for v in values])


@pytest.mark.slow
def test_layer_histograms_match_numpy():
    values = 1.7 * jax.random.normal(jax.random.key(5), (4, 30, 7))
    values = values.at[0, 0, 0].set(jnp.inf).at[1, 0, 0].set(-50.0)  # far outside: the edge bins
    for limit, bins in ((3.0, 40), (0.5, 7)):
        counts = layer_histograms(values, limit, bins)
        np.testing.assert_array_equal(counts, numpy_layer_histograms(values, limit, bins))
        assert counts.sum(axis=1).tolist() == [210] * 4


@pytest.mark.slow
@pytest.mark.parametrize("nonlinearity, depth", [("tanh", 6), ("relu", 3)])
def test_layer_summaries_match_numpy(small_net, nonlinearity, depth):
    weights, x, r = small_net
    counts, std = layer_summaries(weights, depth, nonlinearity_index(nonlinearity), x, r, 3.0, bins=12, gain=2.0)
    hs, deltas = numpy_signals(2.0 * np.asarray(weights, float), x, r, nonlinearity, depth)
    for row, signal in enumerate((hs, deltas)):
        np.testing.assert_allclose(std[row, :depth], signal.std(axis=(1, 2)), rtol=1e-4)
        assert not np.any(std[row, depth:])  # past the depth: zeros
        # Counts agree except for values within float32 rounding of a bin edge.
        assert np.abs(np.asarray(counts[row, :depth]) - numpy_layer_histograms(signal, 3.0, 12)).sum() <= 2


def test_layer_summaries_never_recompile_over_depth_nonlinearity_gain_or_limit(small_net):
    weights, x, r = small_net
    layer_summaries(weights, np.int32(1), np.int32(0), x, r, np.float32(3.0), bins=10, gain=np.float32(1.0))
    with count_compilations() as count:
        for depth, index, gain, limit in ((6, 2, 0.5, 1.0), (3, 1, 2.0, 5.0)):
            layer_summaries(weights, np.int32(depth), np.int32(index), x, r, np.float32(limit), bins=10,
                            gain=np.float32(gain))
    assert count.compiles == 0, count


def test_nonlinearity_index():
    assert [nonlinearity_index(n) for n in NONLINEARITIES] == [0, 1, 2]
    with pytest.raises(ValueError, match="nonlinearity must be one of"):
        nonlinearity_index("sigmoid")


@pytest.mark.slow
def test_errors(small_net):
    weights, x, r = small_net
    with pytest.raises(ValueError, match="nonlinearity"):
        layer_signals(weights, x, r, "sigmoid")
    for depth in (0, 7, 2.5):
        with pytest.raises(ValueError, match="depth"):
            layer_signals(weights, x, r, "tanh", depth=depth)
    with pytest.raises(ValueError, match="weights"):
        layer_signals(weights[:, :, :3], x, r)
    with pytest.raises(ValueError, match="weights"):
        layer_signals(jnp.zeros((0, 16, 16)), x, r)
    with pytest.raises(ValueError, match="weights must contain only finite"):
        layer_signals(weights.at[0, 0, 0].set(jnp.nan), x, r)
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 16\)"):
        layer_signals(weights, x[:, :3], r)
    with pytest.raises(ValueError, match=r"x must have shape"):
        layer_signals(weights, x[:0], r)
    with pytest.raises(ValueError, match="r must contain only finite"):
        layer_signals(weights, x, r.at[1, 1].set(jnp.inf))
    with pytest.raises(ValueError, match="x must be one input vector"):
        jacobian_singular_values(weights, x)
    with pytest.raises(ValueError, match="x must contain only finite"):
        jacobian_singular_values(weights, x[0].at[0].set(jnp.nan))
    with pytest.raises(ValueError, match="depth"):
        jacobian_singular_values(weights, x[0], depth=0)
    with pytest.raises(ValueError, match="depth"):
        stacked_weights(init.orthogonal(), 0, 4, key=jax.random.key(0))
    with pytest.raises(ValueError, match="width"):
        stacked_weights(init.orthogonal(), 2, -1, key=jax.random.key(0))
    with pytest.raises(ValueError, match="initializer"):
        stacked_weights(0.1, 2, 4, key=jax.random.key(0))


def test_stacked_weights_take_the_key_by_keyword():
    assert stacked_weights(init.xavier_normal(), 2, 3, key=jax.random.key(4)).shape == (2, 3, 3)
    with pytest.raises(TypeError):
        stacked_weights(init.xavier_normal(), jax.random.key(4), 2, 3)  # a key by position is refused
    with pytest.raises(TypeError):
        stacked_weights(init.xavier_normal(), 2, 3)  # no silent default key
    with pytest.raises(ValueError, match="key must be a jax.random key"):
        stacked_weights(init.xavier_normal(), 2, 3, key=4)
    with pytest.raises(ValueError, match=r"depth must be an integer >= 1, got 2.0 \(a float"):
        stacked_weights(init.xavier_normal(), 2.0, 3, key=jax.random.key(4))
