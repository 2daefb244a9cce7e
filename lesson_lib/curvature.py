"""Curvature: the Hessian of a loss, its largest eigenvalue, and the largest stable learning rate.

Introduced in lesson 03: the largest learning rate at which gradient descent is
stable near a point is `2 / λ_max`, with `λ_max` the largest eigenvalue of the
loss's Hessian there. Along that eigenvector, a step multiplies the distance
to the minimum by `1 − lr·λ_max`; beyond `2/λ_max` that factor is below −1 and
every step overshoots further than the last. Lesson 01 uses the same Hessian to
classify critical points (`landscapes.classify_critical_point`).

The Hessian is computed in float64 (`jax.enable_x64` inside the call only) by
one function jitted at module level. The loss enters it as data (see
`lesson_lib.compilation`): a loss object such as `nets.NarrowLoss(x, y)`
compiles once per kind and shapes, whatever its data; a plain function compiles
once per function object, with its data passed through `args`.
"""

import math
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from lesson_lib import _checks
from lesson_lib.compilation import as_pytree

__all__ = ["hessian", "hessian_eigenvalues", "sharpness", "max_stable_lr"]


@jax.jit
def _flat_hessian(loss, params, args):
    flat, unravel = ravel_pytree(params)
    return jax.hessian(lambda v: loss(unravel(v), *args))(flat)


def _as64(tree):
    """Floating leaves in float64, integer leaves (a depth) unchanged."""
    def convert(leaf):
        leaf = jnp.asarray(leaf)
        return leaf.astype(jnp.float64) if jnp.issubdtype(leaf.dtype, jnp.inexact) else leaf
    return jax.tree.map(convert, tree)


def hessian(loss_fn: Callable, params, *, args: tuple = ()) -> np.ndarray:
    """The Hessian of `loss_fn(params, *args)` with respect to the flattened `params`, in float64.

    `params` may be any pytree; the matrix is `n × n` for its `n` entries in
    `jax.flatten_util.ravel_pytree` order.

    Raises:
      ValueError: `params` (or a float array in `args`) empty or not finite.

    Example:
      >>> import jax.numpy as jnp
      >>> hessian(lambda w: w[0] ** 2 * w[1], jnp.array([1.0, 2.0])).tolist()
      [[4.0, 2.0], [2.0, 0.0]]
    """
    _checks.finite_array("params", params)
    _checks.finite_args(tuple(args))
    loss = as_pytree(loss_fn)
    with jax.enable_x64():
        return np.asarray(_flat_hessian(_as64(loss), _as64(params), _as64(tuple(args))))


def hessian_eigenvalues(loss_fn: Callable, params, *, args: tuple = ()) -> np.ndarray:
    """Eigenvalues (ascending, float64) of `hessian(loss_fn, params, args=args)`.

    Example:
      >>> import jax.numpy as jnp
      >>> hessian_eigenvalues(lambda p: p[0] ** 2 - 3.0 * p[1] ** 2, jnp.zeros(2)).tolist()
      [-6.0, 2.0]
    """
    return np.linalg.eigvalsh(hessian(loss_fn, params, args=args))


def sharpness(loss_fn: Callable, params, *, args: tuple = ()) -> float:
    """`λ_max`, the largest eigenvalue of the Hessian of `loss_fn(params, *args)` (float64).

    `params` may be any pytree; the Hessian is taken with respect to its
    flattened entries. A loss object (`nets.NarrowLoss(x, y)`) or a fixed
    function with its data in `args` compiles once per shape: a second call with
    new data or a new point compiles nothing.

    Raises:
      ValueError: `params` (or a float array in `args`) empty or not finite.

    Example:
      >>> import jax.numpy as jnp
      >>> sharpness(lambda w: 3.0 * w[0] ** 2 + w[1] ** 2, jnp.zeros(2))
      6.0
      >>> sharpness(lambda w, x: jnp.mean((x * w[0]) ** 2), jnp.zeros(1), args=(jnp.ones(4),))
      2.0
    """
    return float(np.max(hessian_eigenvalues(loss_fn, params, args=args)))


def max_stable_lr(loss_fn: Callable, params, *, args: tuple = ()) -> float:
    """The largest stable gradient-descent learning rate near `params`, `2 / λ_max`.

    Returns `math.inf` when `λ_max <= 0` (no direction curves upwards). Raises
    `ValueError` when `params` is empty or not finite (see `sharpness`).

    Example:
      >>> import jax.numpy as jnp
      >>> max_stable_lr(lambda w: 2.0 * jnp.sum(w ** 2), jnp.zeros(3))
      0.5
    """
    top = sharpness(loss_fn, params, args=args)
    return math.inf if top <= 0 else 2.0 / top
