"""Deep narrow linear networks: `y = w_D ··· w_2 w_1 x`, one number per layer.

Introduced in lesson 01 (depth 2: `y = x w1 w2`) and used by every lesson on
depth, learning rate and initialization. The network computes a product of
scalars, so it is linear in `x` but not in its weights: that is what makes its
loss landscape (valleys, saddles) and its depth dependence interesting.

Sliders that change the depth must not recompile, so the library also keeps a
*masked* form: weights padded to `MAX_DEPTH` with ones, and layers at or beyond
`depth` replaced by the identity (weight 1, gradient 0).
"""

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks

__all__ = [
    "MAX_DEPTH",
    "check_depth",
    "init_narrow",
    "narrow_predict",
    "narrow_loss",
    "depth_mask",
    "pad_narrow",
    "masked_weights",
    "masked_narrow_loss",
    "NarrowSolution",
    "narrow_solution",
    "balanced_minimum",
    "NarrowLoss",
    "narrow_loss_on",
]

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


# --- the best a narrow net can do on given data (lessons 01, 03, 04) ---------------------


class NarrowSolution(NamedTuple):
    """Where a narrow net's loss is lowest: product `p* = mean(xy)/mean(x²)`, loss `L*`."""

    product: float
    loss: float


def narrow_solution(x, y) -> NarrowSolution:
    """The best product `p*` of a narrow net's weights on `(x, y)` and its loss `L*`.

    Computed in float64 on the host. `L* = mean((y − p* x)²)` is taken from the
    residuals, not as `mean y² − p*·mean xy`, which cancels badly near a perfect fit.
    The balanced minimum of a depth-D net is `w_i = p*^(1/D)` (for `p* > 0`).

    Example:
      >>> import numpy as np
      >>> narrow_solution(np.array([1.0, -1.0]), np.array([2.0, -2.0]))
      NarrowSolution(product=2.0, loss=0.0)
    """
    _checks.same_shape(x, y)
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size == 0:
        raise ValueError("x and y must hold at least one example, got 0")
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise ValueError("x and y must be finite")
    sxx = float(np.mean(x * x))
    product = float(np.mean(x * y)) / sxx if sxx > 0 else 0.0
    return NarrowSolution(product, float(np.mean((y - product * x) ** 2)))


def balanced_minimum(x, y, depth: int = 2):
    """The minimum of `narrow_loss` with all layers of equal size: `|w_i| = |p*|^(1/depth)`.

    `p* = mean(xy)/mean(x²)` is the best slope; the first layer carries its
    sign. Gradient descent from equal weights (`init_narrow`) keeps them
    equal, so this is the minimum it reaches when `p* > 0`. Lesson 03.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, -1.0]); y = 4.0 * x
      >>> balanced_minimum(x, y, 2).tolist()
      [2.0, 2.0]
    """
    check_depth(depth)
    slope = narrow_solution(x, y).product
    w = np.full(int(depth), abs(slope) ** (1.0 / int(depth)), dtype=np.float32)
    w[0] *= -1.0 if slope < 0 else 1.0
    return jax.device_put(w)


_jitted_narrow_loss = jax.jit(narrow_loss)


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True, eq=False)
class NarrowLoss:
    """The narrow net's loss on fixed data, as an object: `loss(w) = narrow_loss(w, x, y)`.

    A pytree whose arrays are the data (see `lesson_lib.compilation`): every
    compiled function of the library that takes a loss (`train.gradient_descent`,
    `curvature.max_stable_lr`, `landscapes.grid`, ...) compiles once for all
    `NarrowLoss` objects with data of the same shape. Build it with
    `narrow_loss_on(x, y)`, which checks the data.

    Example:
      >>> import jax.numpy as jnp
      >>> loss = NarrowLoss(jnp.array([1.0, 2.0]), jnp.array([3.0, 6.0]))
      >>> float(loss(jnp.array([1.0, 3.0])))
      0.0
      >>> loss
      NarrowLoss(x: float32[2], y: float32[2])
    """

    x: jax.Array
    y: jax.Array

    def __call__(self, w):
        return _jitted_narrow_loss(w, self.x, self.y)

    def __repr__(self):
        def shape(a):
            a = np.asarray(a) if not hasattr(a, "dtype") else a
            return f"{a.dtype}{list(a.shape)}"
        try:
            return f"NarrowLoss(x: {shape(self.x)}, y: {shape(self.y)})"
        except Exception:  # inside a trace, or leaves that are not arrays
            return "NarrowLoss(...)"


def narrow_loss_on(x, y) -> NarrowLoss:
    """`w ↦ narrow_loss(w, x, y)`: the loss on fixed data as a function of the weights alone.

    Returns a `NarrowLoss`, which is data to compiled code: any number of such
    losses (new data of the same shape) share one compilation of every training
    loop, sweep and Hessian they are handed to.

    Raises:
      ValueError: `x` and `y` of different shapes, empty, or not finite.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, 2.0])
      >>> float(narrow_loss_on(x, 3.0 * x)(jnp.array([1.0, 2.0])))
      2.5
    """
    _checks.same_shape(x, y)
    _checks.finite_array("x", x)
    _checks.finite_array("y", y)
    as_array = lambda a: a if isinstance(a, jax.Array) else np.asarray(a)  # noqa: E731
    return NarrowLoss(as_array(x), as_array(y))
