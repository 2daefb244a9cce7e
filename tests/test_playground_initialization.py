"""Lesson 05 playground: signals through a deep wide net (against NumPy), controls, no recompilation."""

import math

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import init, mlp
from lesson_lib.compilation import count_compilations
from lesson_lib.exercises.initialization import relu_depth_std
from lesson_lib.playground.initialization import (
    GAIN_RANGE,
    NONLINEARITIES,
    SCHEMES,
    InitializationPlayground,
    layer_signals,
    stacked_weights,
    step_outlines,
)

PHI = {"linear": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}
DPHI = {"linear": lambda z: np.ones_like(z), "tanh": lambda z: 1 - np.tanh(z) ** 2,
        "relu": lambda z: (z > 0).astype(float)}


def numpy_signals(weights, x, r, nonlinearity, depth):
    """Forward and backward pass written out in NumPy (float64)."""
    phi, dphi = PHI[nonlinearity], DPHI[nonlinearity]
    h, zs, hs = np.asarray(x, float), [], []
    for w in np.asarray(weights, float)[:depth]:
        z = h @ w
        h = phi(z)
        zs.append(z)
        hs.append(h)
    deltas = [None] * depth
    upstream = np.asarray(r, float)  # ∂L/∂h_depth
    for layer in range(depth - 1, -1, -1):
        deltas[layer] = upstream * dphi(zs[layer])
        upstream = deltas[layer] @ np.asarray(weights, float)[layer].T
    return np.stack(hs), np.stack(deltas)


@pytest.fixture(scope="module")
def small_net():
    key_w, key_x, key_r = jax.random.split(jax.random.key(3), 3)
    weights = stacked_weights(init.xavier_normal(1.3), key_w, 6, 16)
    x = jax.random.normal(key_x, (5, 16))
    r = jax.random.normal(key_r, (5, 16))
    return weights, x, r


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("depth", [1, 4, 6])
def test_layer_signals_match_numpy(small_net, nonlinearity, depth):
    weights, x, r = small_net
    h, delta = layer_signals(weights, x, r, nonlinearity, depth)
    ref_h, ref_delta = numpy_signals(weights, x, r, nonlinearity, depth)
    np.testing.assert_allclose(np.asarray(h[:depth]), ref_h, rtol=2e-4, atol=1e-5)
    np.testing.assert_allclose(np.asarray(delta[:depth]), ref_delta, rtol=2e-4, atol=1e-5)
    assert not np.asarray(h[depth:]).any() and not np.asarray(delta[depth:]).any()


def test_activations_agree_with_mlp_module(small_net):
    weights, x, _ = small_net
    params = [{"w": w, "b": jnp.zeros(16)} for w in weights] + [
        {"w": jnp.eye(16), "b": jnp.zeros(16)}]
    expected = mlp.mlp_activations(params, x, "tanh")[:-1]
    h, _ = layer_signals(weights, x, jnp.ones_like(x), "tanh")
    np.testing.assert_allclose(np.asarray(h), np.asarray(jnp.stack(expected)), rtol=1e-5, atol=1e-6)


def test_variance_laws_in_a_wide_net():
    """Xavier keeps a linear net's scale, halves E[h²] per ReLU layer; He keeps ReLU."""
    width, depth = 256, 10
    key_w, key_x, key_r = jax.random.split(jax.random.key(0), 3)
    x = jax.random.normal(key_x, (400, width))
    r = jax.random.normal(key_r, (400, width))
    rms = lambda a: np.sqrt(np.mean(np.asarray(a, float) ** 2, axis=(1, 2)))
    h, d = layer_signals(stacked_weights(init.xavier_normal(), key_w, depth, width), x, r, "linear")
    assert rms(h)[-1] == pytest.approx(1.0, rel=0.15)
    assert rms(d)[0] == pytest.approx(1.0, rel=0.15)
    h, d = layer_signals(stacked_weights(init.xavier_normal(), key_w, depth, width), x, r, "relu")
    assert rms(h)[-1] == pytest.approx(relu_depth_std(depth, 1.0), rel=0.25)
    assert rms(d)[0] < 0.1
    h, d = layer_signals(stacked_weights(init.he_normal(), key_w, depth, width), x, r, "relu")
    assert rms(h)[-1] == pytest.approx(1.0, rel=0.25)
    assert 0.3 < rms(d)[0] < 3.0
    h, _ = layer_signals(stacked_weights(init.orthogonal(), key_w, depth, width), x, r, "linear")
    # An orthogonal linear stack preserves every input vector's length exactly.
    np.testing.assert_allclose(np.linalg.norm(np.asarray(h[-1]), axis=1),
                               np.linalg.norm(np.asarray(x), axis=1), rtol=1e-4)


def test_layer_signals_errors(small_net):
    weights, x, r = small_net
    with pytest.raises(ValueError, match="nonlinearity"):
        layer_signals(weights, x, r, "sigmoid")
    with pytest.raises(ValueError, match="depth"):
        layer_signals(weights, x, r, "tanh", depth=7)
    with pytest.raises(ValueError, match="depth"):
        layer_signals(weights, x, r, "tanh", depth=0)


def test_step_outlines():
    edges = np.array([0.0, 1.0, 2.0])
    outline = step_outlines(edges, np.array([[0.5, 0.25]]))
    expected = [[0, 1], [0, 0.5], [1, 0.5], [1, 0.75], [2, 0.75], [2, 1]]
    np.testing.assert_allclose(outline[0], expected)


@pytest.fixture(scope="module")
def playground():
    pg = InitializationPlayground(width=32, batch=16, max_depth=8, depth=5)
    pg.fig.canvas.draw()
    yield pg
    plt.close(pg.fig)


def numpy_std(pg, depth, scheme, nonlinearity, gain):
    factory, _ = SCHEMES[scheme]
    weights = gain * np.asarray(pg._unit_weights[scheme], float)
    h, d = numpy_signals(weights, pg._x, pg._r, nonlinearity, depth)
    return h.std(axis=(1, 2)), d.std(axis=(1, 2))


def test_playground_statistics_match_numpy(playground):
    pg = playground
    pg.controls["nonlinearity"].value = "relu"
    pg.controls["scheme"].value = "he_uniform"
    assert pg.controls["gain"].value == pytest.approx(math.sqrt(2.0))  # the scheme's default
    pg.controls["gain"].value = 1.7
    pg.controls["depth"].value = 6
    assert pg.last_error is None
    h_std, d_std = numpy_std(pg, 6, "he_uniform", "relu", 1.7)
    np.testing.assert_allclose(pg.std[0, :6], h_std, rtol=1e-3)
    np.testing.assert_allclose(pg.std[1, :6], d_std, rtol=1e-3)
    assert "he_uniform (gain 1.70), relu, depth 6" in pg.status.value
    counts, _ = pg.compute(6, "he_uniform", "relu", 1.7)
    assert counts.shape == (2, 8, pg.bins)
    assert (counts[:, :6].sum(axis=2) == 16 * 32).all()  # every value lands in a bin
    # The drawn histograms: one outline per visible layer.
    assert len(pg.histograms[0].get_paths()) == 6


def test_unit_weights_scale_to_the_library_schemes(playground):
    """The playground's gain-1 weights times the gain are the library's scheme at that gain."""
    for scheme, (factory, _) in SCHEMES.items():
        unit = np.asarray(playground._unit_weights[scheme][0])
        direct = np.asarray(factory(2.0)(jax.random.key(1), (32, 32)))
        assert np.std(2.0 * unit) == pytest.approx(np.std(direct), rel=0.15)
    # He and Xavier coincide on square layers (same key): He's default gain √2 is the difference.
    np.testing.assert_allclose(np.asarray(playground._unit_weights["he_normal"]),
                               np.asarray(playground._unit_weights["xavier_normal"]), rtol=1e-6)


def test_changing_scheme_resets_gain_with_one_refresh(playground):
    pg = playground
    calls = []
    original = pg.draw
    pg.draw = lambda **values: (calls.append(values), original(**values))
    try:
        pg.controls["scheme"].value = "orthogonal"
    finally:
        del pg.draw
    assert len(calls) == 1 and calls[0]["gain"] == 1.0 and calls[0]["scheme"] == "orthogonal"


def test_no_recompilation_over_every_control(playground):
    pg = playground
    for nonlinearity in NONLINEARITIES:  # warm up: first draw already compiled
        pg.controls["nonlinearity"].value = nonlinearity
    with count_compilations() as count:
        for depth in range(1, pg.max_depth + 1):
            pg.controls["depth"].value = depth
        for gain in np.linspace(*GAIN_RANGE, 12):
            pg.controls["gain"].value = float(gain)
        for scheme in SCHEMES:
            pg.controls["scheme"].value = scheme
        for nonlinearity in NONLINEARITIES:
            pg.controls["nonlinearity"].value = nonlinearity
        pg.controls["gain"].value = GAIN_RANGE[1]
        pg.controls["depth"].value = pg.max_depth
    assert count.compiles == 0, count
    assert pg.last_error is None
    assert np.isfinite(pg.std).all()


def test_error_in_draw_is_shown(playground):
    pg = playground
    pg._unit_weights["orthogonal"], saved = None, pg._unit_weights["orthogonal"]
    try:
        pg.controls["scheme"].value = "xavier_uniform"
        pg.controls["scheme"].value = "orthogonal"
        assert pg.last_error is not None
        assert pg.errors.outputs and "This update failed" in pg.errors.outputs[0]["text"]
    finally:
        pg._unit_weights["orthogonal"] = saved
    pg.controls["scheme"].value = "xavier_normal"
    assert pg.last_error is None


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="scheme"):
        InitializationPlayground(scheme="lecun")
    with pytest.raises(ValueError, match="nonlinearity"):
        InitializationPlayground(nonlinearity="gelu")
    with pytest.raises(ValueError, match="depth"):
        InitializationPlayground(depth=30, max_depth=20)
    with pytest.raises(ValueError, match="width"):
        InitializationPlayground(width=0)
