"""Weight initialization schemes for dense layers (lesson 05).

Every scheme is a factory returning an *initializer*, a function
`initializer(key, shape) -> weights` with `shape = (fan_in, fan_out)`, the same
calling convention as `jax.nn.initializers` (an optional third argument picks
the dtype, float32 by default). The key comes first here, positionally, on
purpose: it is jax's initializer protocol, so these and jax's initializers are
interchangeable. Everywhere else in the library `key` is keyword-only. A layer computes `h_out = φ(h_in @ W)`, so
`W[i, j]` connects input unit `i` to output unit `j`.

Why the scales: for `z = h @ W` with independent zero-mean weights of variance
`σ²`, `Var(z) = fan_in · σ² · E[h²]`, and backwards
`Var(∂L/∂h) = fan_out · σ² · Var(∂L/∂z)`. Keeping both near 1 through many
layers asks for `σ² ≈ 1/fan_in` and `σ² ≈ 1/fan_out`; Glorot and Bengio (2010)
compromise with `σ² = 2/(fan_in + fan_out)` (Xavier). A ReLU zeroes half of
its inputs and so halves `E[h²]`; He et al. (2015) double the variance to make
up for it (`σ² = 2/fan_in`). The `gain` of a nonlinearity is that correction
factor on the standard deviation (`gain("relu") = √2`).

Distributions, stated once for all schemes here: the "normal" schemes draw
from an **untruncated** normal distribution with exactly the stated standard
deviation (as `torch.nn.init` does). This differs from
`jax.nn.initializers.glorot_normal` and `he_normal`, which draw from a normal
truncated at two standard deviations and rescale it by `1/0.8796…` so that the
standard deviation after truncation is the stated one. The "uniform" schemes
draw from `U(-bound, bound)`, whose standard deviation is `bound/√3`.
"""

import math
from typing import Callable

import jax
import jax.numpy as jnp

from lesson_lib import _checks

__all__ = [
    "GAINS",
    "gain",
    "check_shape",
    "xavier_std",
    "he_std",
    "constant",
    "normal",
    "uniform",
    "xavier_normal",
    "xavier_uniform",
    "he_normal",
    "he_uniform",
    "orthogonal",
    "SCHEMES",
]

Initializer = Callable[..., jax.Array]

GAINS = {"linear": 1.0, "tanh": 5.0 / 3.0, "relu": math.sqrt(2.0)}
"""The recommended gain of each nonlinearity (the values of `torch.nn.init.calculate_gain`)."""


def gain(nonlinearity: str) -> float:
    """The factor by which a nonlinearity's weights' standard deviation is scaled.

    `linear`: 1. `tanh`: 5/3 (tanh shrinks its inputs; the factor keeps deep
    tanh networks away from both vanishing and saturating). `relu`: √2 (a ReLU
    passes half of the variance).

    Example:
      >>> gain("linear"), round(gain("tanh"), 4), round(gain("relu"), 4)
      (1.0, 1.6667, 1.4142)
    """
    return GAINS[_checks.one_of("nonlinearity", nonlinearity, GAINS)]


def check_shape(shape) -> tuple[int, int]:
    """Raise unless `shape` is `(fan_in, fan_out)`, two integers >= 1; return it as ints."""
    message = f"shape must be (fan_in, fan_out), two integers >= 1, got {shape!r}"
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(message) from None
    if len(dims) != 2:
        raise ValueError(message)
    try:
        return _checks.integer("fan_in", dims[0], 1), _checks.integer("fan_out", dims[1], 1)
    except ValueError:
        raise ValueError(message) from None


def _check_gain(value) -> float:
    return _checks.positive_float("gain", value)


def xavier_std(fan_in: int, fan_out: int, gain: float = 1.0) -> float:
    """Glorot/Xavier standard deviation `gain · √(2 / (fan_in + fan_out))`.

    Example:
      >>> xavier_std(256, 256)
      0.0625
    """
    fan_in, fan_out = check_shape((fan_in, fan_out))
    return _check_gain(gain) * math.sqrt(2.0 / (fan_in + fan_out))


def he_std(fan_in: int, gain: float = math.sqrt(2.0)) -> float:
    """He/Kaiming standard deviation (fan_in mode) `gain / √fan_in`; with the ReLU gain, `√(2/fan_in)`.

    Example:
      >>> round(he_std(256), 6)
      0.088388
    """
    fan_in, _ = check_shape((fan_in, 1))
    return _check_gain(gain) / math.sqrt(fan_in)


def _shaped(draw: Callable) -> Initializer:
    """Wrap `draw(key, (fan_in, fan_out), dtype)` with the shape check."""

    def initializer(key, shape, dtype=jnp.float32):
        return draw(key, check_shape(shape), dtype)

    initializer.__doc__ = draw.__doc__
    return initializer


def constant(value: float) -> Initializer:
    """Every weight equal to `value` (no randomness; the key is ignored).

    With more than one unit per layer this is a trap: units that start equal
    get equal gradients and stay equal (lesson 05, "symmetry").

    Example:
      >>> import jax
      >>> constant(0.5)(jax.random.key(0), (2, 3))
      Array([[0.5, 0.5, 0.5],
             [0.5, 0.5, 0.5]], dtype=float32)
    """
    _checks.finite_float("value", value)
    return _shaped(lambda key, shape, dtype: jax.nn.initializers.constant(float(value))(
        key, shape, dtype))


def normal(std: float) -> Initializer:
    """Weights drawn from an untruncated normal `N(0, std²)`.

    Example:
      >>> import jax
      >>> w = normal(0.1)(jax.random.key(0), (1000, 1000))
      >>> round(float(w.std()), 2)
      0.1
    """
    _checks.positive_float("std", std)
    return _shaped(lambda key, shape, dtype: jax.nn.initializers.normal(float(std))(
        key, shape, dtype))


def uniform(bound: float) -> Initializer:
    """Weights drawn from `U(-bound, bound)` (standard deviation `bound/√3`).

    Unlike `jax.nn.initializers.uniform(scale)`, which draws from `[0, scale)`,
    this is centred on zero.

    Example:
      >>> import jax
      >>> w = uniform(0.5)(jax.random.key(0), (100, 100))
      >>> bool(w.min() >= -0.5), bool(w.max() <= 0.5)
      (True, True)
    """
    _checks.positive_float("bound", bound)
    bound = float(bound)
    return _shaped(lambda key, shape, dtype: jax.random.uniform(
        key, shape, dtype, minval=-bound, maxval=bound))


def xavier_normal(gain: float = 1.0) -> Initializer:
    """Glorot/Xavier normal: untruncated `N(0, std²)`, `std = gain · √(2/(fan_in + fan_out))`.

    Built on `jax.nn.initializers.variance_scaling(gain², "fan_avg", "normal")`
    (jax's own `glorot_normal` truncates; this does not).

    Example:
      >>> import jax
      >>> w = xavier_normal()(jax.random.key(0), (200, 300))
      >>> round(float(w.std()), 3)  # √(2/500) = 0.0632
      0.063
    """
    scale = _check_gain(gain) ** 2
    return _shaped(jax.nn.initializers.variance_scaling(scale, "fan_avg", "normal"))


def xavier_uniform(gain: float = 1.0) -> Initializer:
    """Glorot/Xavier uniform: `U(-bound, bound)`, `bound = gain · √(2/(fan_in + fan_out)) · √3`.

    Same standard deviation as `xavier_normal`. Built on
    `jax.nn.initializers.variance_scaling(gain², "fan_avg", "uniform")`.

    Example:
      >>> import jax
      >>> w = xavier_uniform()(jax.random.key(0), (100, 200))
      >>> round(float(abs(w).max()), 2)  # bound = √(6/300) = 0.1414
      0.14
    """
    scale = _check_gain(gain) ** 2
    return _shaped(jax.nn.initializers.variance_scaling(scale, "fan_avg", "uniform"))


def he_normal(gain: float = math.sqrt(2.0)) -> Initializer:
    """He/Kaiming normal (fan_in mode): untruncated `N(0, std²)`, `std = gain / √fan_in`.

    The default gain √2 suits ReLU: `std = √(2/fan_in)`. Built on
    `jax.nn.initializers.variance_scaling(gain², "fan_in", "normal")` (jax's own
    `he_normal` truncates; this does not).

    Example:
      >>> import jax
      >>> w = he_normal()(jax.random.key(0), (200, 100))
      >>> round(float(w.std()), 2)  # √(2/200) = 0.1
      0.1
    """
    scale = _check_gain(gain) ** 2
    return _shaped(jax.nn.initializers.variance_scaling(scale, "fan_in", "normal"))


def he_uniform(gain: float = math.sqrt(2.0)) -> Initializer:
    """He/Kaiming uniform (fan_in mode): `U(-bound, bound)`, `bound = gain · √(3/fan_in)`.

    Same standard deviation as `he_normal`. Built on
    `jax.nn.initializers.variance_scaling(gain², "fan_in", "uniform")`.

    Example:
      >>> import jax
      >>> w = he_uniform()(jax.random.key(0), (600, 10))
      >>> bool(abs(w).max() <= 0.1)  # bound = √2 · √(3/600) = 0.1
      True
    """
    scale = _check_gain(gain) ** 2
    return _shaped(jax.nn.initializers.variance_scaling(scale, "fan_in", "uniform"))


def orthogonal(gain: float = 1.0) -> Initializer:
    """A random (Haar-distributed) orthogonal matrix times `gain`.

    For `fan_in >= fan_out` the columns are orthonormal, `Wᵀ W = gain² I`; for
    `fan_in < fan_out` the rows are, `W Wᵀ = gain² I`. A square orthogonal layer
    preserves every vector's length exactly, not only on average: in a deep
    linear network all singular values of the product stay at `gain^depth`
    ("dynamic isometry" for `gain = 1`). Not drawn from a normal distribution.
    Built on `jax.nn.initializers.orthogonal`.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> w = orthogonal(2.0)(jax.random.key(0), (5, 3))
      >>> bool(jnp.allclose(w.T @ w, 4.0 * jnp.eye(3), atol=1e-5))
      True
    """
    draw = jax.nn.initializers.orthogonal(_check_gain(gain))

    def orthogonal_draw(key, shape, dtype):
        # The QR decomposition behind it has no half-precision kernel on CPU.
        return draw(key, shape, jnp.promote_types(dtype, jnp.float32)).astype(dtype)

    return _shaped(orthogonal_draw)


SCHEMES = {
    "xavier_normal": (xavier_normal, 1.0),
    "xavier_uniform": (xavier_uniform, 1.0),
    "he_normal": (he_normal, math.sqrt(2.0)),
    "he_uniform": (he_uniform, math.sqrt(2.0)),
    "orthogonal": (orthogonal, 1.0),
}
"""The schemes lesson 05 compares: name -> (factory, its default gain). Xavier and orthogonal keep a
linear layer's variance (gain 1); He's √2 makes up for the half of its inputs a ReLU zeroes."""
