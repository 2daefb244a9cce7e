"""Diagnostics that tell whether training is healthy.

Introduced in lesson 03: the largest learning rate at which gradient descent is
stable near a point is `2 / λ_max`, with `λ_max` the largest eigenvalue of the
loss's Hessian there. Along that eigenvector, a step multiplies the distance
to the minimum by `1 − lr·λ_max`; beyond `2/λ_max` that factor is below −1 and
every step overshoots further than the last.
"""

import math
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree


def sharpness(loss_fn: Callable, params) -> float:
    """`λ_max`, the largest eigenvalue of the Hessian of `loss_fn` at `params` (float64).

    `params` may be any pytree; it is flattened to a vector first.

    Example:
      >>> import jax.numpy as jnp
      >>> sharpness(lambda w: 3.0 * w[0] ** 2 + w[1] ** 2, jnp.zeros(2))
      6.0
    """
    with jax.enable_x64():
        flat, unravel = ravel_pytree(jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), params))
        hessian = jax.hessian(lambda v: loss_fn(unravel(v)))(flat)
        return float(np.max(np.linalg.eigvalsh(np.asarray(hessian))))


def max_stable_lr(loss_fn: Callable, params) -> float:
    """The largest stable gradient-descent learning rate near `params`, `2 / λ_max`.

    Returns `math.inf` when `λ_max <= 0` (no direction curves upwards).

    Example:
      >>> import jax.numpy as jnp
      >>> max_stable_lr(lambda w: 2.0 * jnp.sum(w ** 2), jnp.zeros(3))
      0.5
    """
    top = sharpness(loss_fn, params)
    return math.inf if top <= 0 else 2.0 / top
