"""Small synthetic data sets for the lessons.

Introduced in lesson 01: a one-dimensional regression problem `y = slope·x + noise`
that a (deep) narrow linear network `y = w_D ··· w_1 x` can fit exactly.
"""

from functools import partial

import jax
import jax.numpy as jnp

from lesson_lib import _checks

__all__ = ["linear_regression_data", "moments"]


@partial(jax.jit, static_argnames="n")
def _sample(key, slope, noise, *, n):
    key_x, key_noise = jax.random.split(key)
    x = jax.random.normal(key_x, (n,), dtype=jnp.float32)
    y = slope * x + noise * jax.random.normal(key_noise, (n,), dtype=jnp.float32)
    return x, y


def linear_regression_data(n: int = 100, slope: float = 2.0, noise: float = 0.1, *, key):
    """Sample `n` points of `y = slope·x + noise·ε`, with `x, ε ~ N(0, 1)`.

    There is no intercept, so `noise=0` gives exactly `y = slope·x` and the
    narrow network `y = w_D ··· w_1 x` can reach zero loss.

    Args:
      n: number of examples, an integer >= 1.
      slope: the true input-output map.
      noise: standard deviation of the additive Gaussian noise, >= 0.
      key: a `jax.random` key (keyword-only, like every key in the library).

    Returns:
      `(x, y)`, two float32 arrays of shape `(n,)`.

    Example:
      >>> import jax
      >>> x, y = linear_regression_data(5, noise=0.0, key=jax.random.key(0))
      >>> bool(jax.numpy.allclose(y, 2.0 * x))
      True
    """
    n = _checks.integer("n", n, 1)
    slope = _checks.finite_float("slope", slope)
    noise = _checks.number("noise", noise, low=0.0)
    _checks.prng_key("key", key)
    return _sample(key, jnp.float32(slope), jnp.float32(noise), n=n)


def moments(x, y):
    """The three numbers the narrow net's loss depends on: `(mean x², mean x·y, mean y²)`.

    For `ŷ = p·x`, `mean((y - p x)²) = mean y² - 2 p mean(xy) + p² mean x²`, so a
    whole training run needs only these moments, not the data.

    Example:
      >>> import jax.numpy as jnp
      >>> [float(m) for m in moments(jnp.array([1.0, -1.0]), jnp.array([2.0, -2.0]))]
      [1.0, 2.0, 4.0]
    """
    _checks.same_shape(x, y)
    _checks.finite_array("x", x)
    _checks.finite_array("y", y)
    return jnp.mean(x * x), jnp.mean(x * y), jnp.mean(y * y)
