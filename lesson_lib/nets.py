"""Deep narrow linear networks: `y = w_D ··· w_2 w_1 x`, one number per layer.

Introduced in lesson 01 (depth 2: `y = x w1 w2`) and used by every lesson on
depth, learning rate and initialization. The network computes a product of
scalars, so it is linear in `x` but not in its weights: that is what makes its
loss landscape (valleys, saddles) and its depth dependence interesting.

Sliders that change the depth must not recompile, so the library also keeps a
*masked* form: weights padded to `MAX_DEPTH` with ones, and layers at or beyond
`depth` replaced by the identity (weight 1, gradient 0).
"""

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks

MAX_DEPTH = 100


def check_depth(depth) -> None:
    """Raise `ValueError` unless `1 <= depth <= MAX_DEPTH`."""
    _checks.int_in_range("depth", depth, 1, MAX_DEPTH)


def init_narrow(depth: int, init: float = 0.9):
    """Weights of a depth-`depth` narrow network, all equal to `init`.

    Example:
      >>> init_narrow(3, 0.5)
      Array([0.5, 0.5, 0.5], dtype=float32)
    """
    check_depth(depth)
    _checks.finite_float("init", init)
    return jax.device_put(np.full(int(depth), init, dtype=np.float32))  # no per-depth compile


def narrow_predict(w, x):
    """The network's output `ŷ = (∏_i w_i) · x`."""
    return jnp.prod(w) * x


def narrow_loss(w, x, y):
    """Mean squared error `L(w) = mean((y - ∏_i w_i · x)²)`.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, 2.0]); y = 2.0 * x
      >>> float(narrow_loss(jnp.array([1.0, 2.0]), x, y))
      0.0
    """
    _checks.same_shape(x, y)
    return jnp.mean((y - narrow_predict(w, x)) ** 2)


def depth_mask(depth, max_depth: int = MAX_DEPTH):
    """Boolean mask of shape `(max_depth,)`: True for the first `depth` layers."""
    check_depth(depth)
    return jnp.arange(max_depth) < depth


def pad_narrow(w, max_depth: int = MAX_DEPTH):
    """Pad a narrow net's weights with ones (identity layers) to `max_depth`.

    Concrete weights are padded in NumPy, so a new depth costs no compilation.

    Example:
      >>> pad_narrow([0.5, 2.0], max_depth=4)
      Array([0.5, 2. , 1. , 1. ], dtype=float32)
    """
    check_depth(len(w))
    if _checks.is_traced(w):
        return jnp.concatenate([w, jnp.ones((max_depth - w.shape[0],), w.dtype)])
    w = np.asarray(w, dtype=np.float32)
    return jax.device_put(np.concatenate([w, np.ones(max_depth - w.shape[0], np.float32)]))


def masked_weights(w_padded, depth):
    """The padded weights with every layer at index >= `depth` set to 1.

    Because `jnp.where` routes the gradient only to the selected branch, the
    masked layers get gradient exactly 0 and never move during training.
    """
    return jnp.where(depth_mask(depth, w_padded.shape[0]), w_padded, 1.0)


def masked_narrow_loss(w_padded, depth, x, y):
    """`narrow_loss` of the first `depth` layers of padded weights.

    `depth` may be a traced integer, so one compiled function serves every depth.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, 2.0]); y = 2.0 * x
      >>> w = pad_narrow(jnp.array([1.0, 2.0]))
      >>> float(masked_narrow_loss(w, 2, x, y))
      0.0
    """
    return narrow_loss(masked_weights(w_padded, depth), x, y)
