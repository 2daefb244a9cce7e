"""Signal propagation through a deep wide network at initialization (lesson 05).

A stack of square layers without biases computes, from inputs `h_0 = x`,

    z_l = h_{l-1} W_l,      h_l = φ(z_l),      l = 1 … depth.

Backwards, a fixed error signal `r` enters at the last layer (the loss is
`L = Σ h_depth ⊙ r`, so `∂L/∂h_depth = r`) and travels down as

    δ_l = ∂L/∂z_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ φ'(z_l),      δ_depth = r ⊙ φ'(z_depth).

`layer_signals` returns every layer's `h_l` and `δ_l`, the statistics behind
the Xavier/He variance argument; `layer_summaries` reduces them to what lesson
05's playground draws (per-layer histograms and standard deviations). `jacobian_singular_values` measures **dynamic
isometry**: a network is dynamically isometric at an input `x` when all the
singular values of its input-output Jacobian `J = ∂h_depth/∂x` lie near 1, so
that every direction of a small change in the input (and, transposed, of an
error signal going back) keeps its length. For a linear stack
`J = W_1 W_2 ⋯ W_depth`; with orthogonal weights every singular value is
exactly 1, with Gaussian weights they spread out as the depth grows.

Depth changes shapes, so the weights are stacked up to a maximum depth and
layers past `depth` are skipped (they hold zeros); the depth and the
nonlinearity (an index into `NONLINEARITIES`) may be traced values, so one
compiled function serves every setting. Every matrix product runs at full
float32 precision (`Precision.HIGHEST`), so a GPU, which would otherwise round
float32 products to fewer bits, gives the same statistics as a CPU. Imports only
JAX and NumPy.
"""

from functools import partial

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lesson_lib import _checks

__all__ = [
    "NONLINEARITIES",
    "nonlinearity_index",
    "stacked_weights",
    "layer_signals",
    "propagate",
    "jacobian_singular_values",
    "layer_histograms",
    "layer_summaries",
]

NONLINEARITIES = ("linear", "tanh", "relu")
"""The nonlinearities offered, in the order of their (traceable) index."""

_PHI = (lambda z: z, jnp.tanh, jax.nn.relu)


def _matmul(a, b):
    return jnp.matmul(a, b, precision=lax.Precision.HIGHEST)


def nonlinearity_index(nonlinearity: str) -> int:
    """The position of `nonlinearity` in `NONLINEARITIES`; `ValueError` for any other name.

    Example:
      >>> nonlinearity_index("relu")
      2
    """
    return NONLINEARITIES.index(_checks.one_of("nonlinearity", nonlinearity, NONLINEARITIES))


def stacked_weights(initializer, depth: int, width: int, *, key):
    """`depth` independent `(width, width)` weight matrices from `initializer`, shape `(depth, width, width)`.

    Args:
      initializer: `(key, (fan_in, fan_out)) -> weights`, e.g. from `lesson_lib.init`.
      depth, width: integers >= 1.
      key: a `jax.random` key (keyword-only), split once per layer.

    Example:
      >>> import jax
      >>> from lesson_lib import init
      >>> stacked_weights(init.xavier_normal(), 3, 4, key=jax.random.key(0)).shape
      (3, 4, 4)
    """
    _checks.function("initializer", initializer, "(key, shape) -> weights")
    depth = _checks.integer("depth", depth, 1)
    width = _checks.integer("width", width, 1)
    _checks.prng_key("key", key)
    keys = jax.random.split(key, depth)
    return jax.vmap(lambda k: initializer(k, (width, width)))(keys)


def _phi_and_slope(index, z):
    """`φ(z)` and `φ'(z)` of nonlinearity number `index` (traced): all three are
    evaluated elementwise and one is selected, which is cheaper than branching."""
    pairs = [jax.jvp(phi, (z,), (jnp.ones_like(z),)) for phi in _PHI]
    value, slope = pairs[0]
    for number, (v, s) in enumerate(pairs[1:], start=1):
        value = jnp.where(index == number, v, value)
        slope = jnp.where(index == number, s, slope)
    return value, slope


@jax.jit
def propagate(weights, depth, index, x, r):
    """The traceable core of `layer_signals`: no checks, the nonlinearity as its index.

    Every argument may be traced (`depth` and `index` are int32 scalars), so a
    caller can change depth and nonlinearity without a recompilation. The
    backward pass is written out as a second scan rather than differentiated.
    """
    layers = jnp.arange(weights.shape[0])

    def forward(h, inputs):
        w, layer = inputs
        # Layers past `depth` are skipped and hold zeros (a shallow net costs less).
        h_next, slope = lax.cond(layer < depth, lambda h: _phi_and_slope(index, _matmul(h, w)),
                                 lambda h: (jnp.zeros_like(h), jnp.zeros_like(h)), h)
        return h_next, (h_next, slope)

    _, (hs, slopes) = lax.scan(forward, x, (weights, layers))

    def backward(upstream, inputs):
        # upstream = ∂L/∂h_l: r at the last layer, zero above it.
        w, slope, layer = inputs
        upstream = jnp.where(layer == depth - 1, r, upstream)
        delta = upstream * slope  # zero past `depth`, where the slope is zero
        return lax.cond(layer < depth, lambda d: _matmul(d, w.T), jnp.zeros_like, delta), delta

    _, deltas = lax.scan(backward, jnp.zeros_like(x), (weights, slopes, layers), reverse=True)
    return hs, deltas


def _check_weights(weights):
    shape = np.shape(weights)
    if len(shape) != 3 or shape[1] != shape[2] or 0 in shape:
        raise ValueError(
            f"weights must be a non-empty (depth, width, width) stack of square matrices, got shape {shape}")
    _checks.finite_array("weights", weights)
    return shape


def _check_depth(depth, max_depth):
    if depth is None:
        return max_depth
    return _checks.integer("depth", depth, 1, max_depth)


def _check_batch(name, value, width):
    _checks.array_shape(name, value, (None, width), f"(batch, {width}) with batch >= 1")
    _checks.finite_array(name, value)


def layer_signals(weights, x, r, nonlinearity: str = "tanh", depth: int | None = None):
    """Per-layer activations `h_l` and backpropagated gradients `δ_l = ∂L/∂z_l`.

    Args:
      weights: `(max_depth, width, width)` stacked layer weights (`W_l` maps
        layer `l-1` to layer `l` as `z_l = h_{l-1} W_l`).
      x: inputs, `(batch, width)`.
      r: the error signal `∂L/∂h_depth` injected at the last layer, `(batch, width)`.
      nonlinearity: one of `NONLINEARITIES`.
      depth: the number of layers used (default all); may be a traced integer.

    Returns:
      `(h, delta)`, each `(max_depth, batch, width)`; entry `l-1` is layer `l`.
      Layers past `depth` hold zeros.

    Example: two linear layers, the identity and twice the identity. Forward,
    the signal is 1 then 2; backward, `δ_2 = r = 1` and `δ_1 = δ_2 W_2ᵀ = 2`.

      >>> import jax.numpy as jnp
      >>> w = jnp.stack([jnp.eye(2), 2 * jnp.eye(2)])
      >>> h, delta = layer_signals(w, jnp.ones((1, 2)), jnp.ones((1, 2)), "linear")
      >>> h[:, 0, 0].tolist(), delta[:, 0, 0].tolist()
      ([1.0, 2.0], [2.0, 1.0])
    """
    index = nonlinearity_index(nonlinearity)
    max_depth, width, _ = _check_weights(weights)
    depth = _check_depth(depth, max_depth)
    _check_batch("x", x, width)
    _check_batch("r", r, width)
    return propagate(jnp.asarray(weights, jnp.float32), jnp.int32(depth), jnp.int32(index),
                     jnp.asarray(x, jnp.float32), jnp.asarray(r, jnp.float32))


def jacobian_singular_values(weights, x, nonlinearity: str = "linear", depth: int | None = None):
    """Singular values of the input-output Jacobian `J = ∂h_depth/∂x` at one input vector `x`.

    `J = W_1 D_1 W_2 D_2 ⋯ W_depth D_depth` (row-vector convention, `D_l` the
    diagonal matrix of slopes `φ'(z_l)`); for a linear stack it is the product
    of the weight matrices and does not depend on `x`. The network is
    dynamically isometric at `x` when all these singular values lie near 1.

    Args:
      weights: `(max_depth, width, width)` stacked layer weights.
      x: one input vector, `(width,)`.
      nonlinearity: one of `NONLINEARITIES`.
      depth: the number of layers used (default all).

    Returns:
      The `width` singular values, largest first (float32).

    Example: a product of orthogonal matrices is orthogonal, so every singular
    value is 1; a diagonal stack `diag(2, 1/2)` twice has singular values 4 and 1/4.

      >>> import jax, jax.numpy as jnp
      >>> from lesson_lib import init
      >>> w = stacked_weights(init.orthogonal(), 5, 8, key=jax.random.key(0))
      >>> s = jacobian_singular_values(w, jnp.ones(8))
      >>> bool(jnp.allclose(s, 1.0, atol=1e-5))
      True
      >>> d = jnp.stack([jnp.diag(jnp.array([2.0, 0.5]))] * 2)
      >>> jacobian_singular_values(d, jnp.ones(2)).tolist()
      [4.0, 0.25]
    """
    index = nonlinearity_index(nonlinearity)
    max_depth, width, _ = _check_weights(weights)
    depth = _check_depth(depth, max_depth)
    if np.shape(x) != (width,):
        raise ValueError(f"x must be one input vector of shape ({width},), got {np.shape(x)}")
    _checks.finite_array("x", x)
    weights = jnp.asarray(weights, jnp.float32)[: int(depth)]

    def network(v):
        def layer(h, w):
            return _phi_and_slope(index, _matmul(h, w))[0], None
        return lax.scan(layer, v, weights)[0]

    jacobian = jax.jacfwd(network)(jnp.asarray(x, jnp.float32))
    return jnp.linalg.svd(jacobian, compute_uv=False)


def layer_histograms(values, limit, bins: int):
    """Histogram counts of each layer's values over `[-limit, limit]`, in `bins` equal bins.

    `values` has layers on its first axis (any shape after it). A value beyond
    `±limit`, infinite included, is counted in the edge bin on its side, so
    every layer's counts add up to its number of values; a NaN lands in the
    first bin. Unlike `jnp.histogram` this needs no sorting and runs for all
    layers in one pass (one scatter-add per layer), with `limit` traced.

    Example:
      >>> import jax.numpy as jnp
      >>> layer_histograms(jnp.array([[-5.0, -0.5, 0.2, 0.7], [0.0, 0.0, 0.0, jnp.inf]]), 1.0, 2).tolist()
      [[2, 2], [0, 4]]
    """
    scaled = jnp.nan_to_num((values + limit) * (bins / (2.0 * limit)), nan=0.0)
    index = jnp.floor(jnp.clip(scaled, 0.0, bins - 1.0)).astype(jnp.int32)
    flat = index.reshape(index.shape[0], -1)
    return jax.vmap(lambda i: jnp.zeros(bins, jnp.int32).at[i].add(1))(flat)


@partial(jax.jit, static_argnames="bins")
def layer_summaries(weights, depth, index, x, r, limit, *, bins: int, gain=1.0):
    """Per-layer histogram counts and standard deviations of the activations and gradients.

    Runs `propagate(gain · weights, depth, index, x, r)` and returns `(counts, std)`:
    `counts` of shape `(2, max_depth, bins)` (`layer_histograms` over
    `[-limit, limit]`) and `std` of shape `(2, max_depth)`, row 0 for the
    activations `h_l`, row 1 for the gradients `δ_l` (layers past `depth`:
    zeros). Everything but `bins` may be traced: one compilation serves every
    depth, nonlinearity, gain and limit.

    Example: one linear layer, the identity, on inputs ±1: every activation
    and gradient is ±1 (std 1), half in each of two bins.

      >>> import jax.numpy as jnp
      >>> x = jnp.array([[1.0, -1.0], [-1.0, 1.0]])
      >>> counts, std = layer_summaries(jnp.eye(2)[None], 1, 0, x, x, 2.0, bins=2)
      >>> counts.tolist(), std.tolist()
      ([[[2, 2]], [[2, 2]]], [[1.0], [1.0]])
    """
    hs, deltas = propagate(gain * weights, depth, index, x, r)
    std = jnp.stack([hs.std(axis=(1, 2)), deltas.std(axis=(1, 2))])
    return jnp.stack([layer_histograms(hs, limit, bins), layer_histograms(deltas, limit, bins)]), std
