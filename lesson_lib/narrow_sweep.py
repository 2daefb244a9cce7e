"""The depth × learning-rate sweep of deep narrow linear networks, in closed form.

Introduced in lesson 04: "carefully optimise all hyperparameters for every
architecture" becomes one call, `depth_lr_sweep(depths, lrs, ...)`, which trains
deep narrow linear networks `ŷ = w_D ··· w_1 x` with gradient descent for every
(depth, learning rate) pair on the generic engine `sweep.grid_sweep`; and the
readers of its result, `steps_to_converge` and `best_lr_per_depth`.

Why `depth_lr_sweep` is fast (and still exact). With `p = ∏_i w_i`, the loss
`L = mean((y − p x)²) = L* + Sxx (p − p*)²` depends on the data only through
`Sxx = mean x²`, `p* = mean(xy) / Sxx` and the best loss `L* = mean((y − p* x)²)`.
Its gradient is `∂L/∂w_i = 2 Sxx (p − p*) ∏_{j≠i} w_j`. When all weights are
equal (`nets.init_narrow` starts them so) every weight gets the same gradient,
so they stay equal forever, and a depth-D run is the scalar recursion

    w ← w − lr · 2 Sxx (w^D − p*) · w^(D−1),        L_t = L* + Sxx (w_t^D − p*)².

The power is taken by repeated squaring with a *traced* exponent, so a new
depth never recompiles and each step costs a few dozen flops instead of a pass
over the data and a 100-layer product.
"""

import dataclasses
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lesson_lib import _checks, nets
from lesson_lib.curves import first_nonfinite
from lesson_lib.nets import narrow_solution
from lesson_lib.sweep import grid_sweep

__all__ = [
    "SweepResult",
    "depth_lr_sweep",
    "steps_to_converge",
    "BestLR",
    "best_lr_per_depth",
]


class SweepResult(NamedTuple):
    """Loss curves of narrow networks over a depth × learning-rate grid.

    Attributes:
      depths: the depths, int array `(n_depths,)`.
      lrs: the learning rates, float32 array `(n_lrs,)`.
      losses: `(n_depths, n_lrs, steps + 1)`; `losses[i, j, t]` is the loss of
        depth `depths[i]` trained with `lrs[j]` after `t` steps. Entries from
        the divergence step on are non-finite.
      diverged_at: int array `(n_depths, n_lrs)`: the first step whose loss is
        not finite, −1 where training did not diverge (`curves.first_nonfinite`).
    """

    depths: np.ndarray
    lrs: np.ndarray
    losses: np.ndarray
    diverged_at: np.ndarray

    def __repr__(self):
        steps = self.losses.shape[-1] - 1
        diverged = int((self.diverged_at >= 0).sum())
        return (
            f"SweepResult({len(self.depths)} depths × {len(self.lrs)} learning rates × "
            f"{steps} steps, {diverged} of {self.diverged_at.size} runs diverged)"
        )


_EXPONENT_BITS = max(1, int(nets.MAX_DEPTH).bit_length())


def _int_power(w, exponent):
    """`w ** exponent` for an integer `0 <= exponent < 2**_EXPONENT_BITS`, by repeated squaring.

    `exponent` may be traced (a depth from the grid), so one compiled function
    serves every depth. Example:
      >>> float(_int_power(jnp.float32(1.5), jnp.int32(5)))
      7.59375
    """
    return _power_by_bits(w, _bits(exponent))


def _bits(exponent):
    return [((exponent >> bit) & 1) == 1 for bit in range(_EXPONENT_BITS)]


def _power_by_bits(w, bits):
    result = jnp.ones_like(w)
    square = w
    for bit in bits:
        result = jnp.where(bit, result * square, result)
        square = square * square
    return result


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class _NarrowCurve:
    """The loss curve of one equal-weight narrow net; `steps` is its static part (the scan length)."""

    steps: int = dataclasses.field(metadata=dict(static=True))

    def __call__(self, init, sxx, p_star, loss_min, n, *, depth, lr):
        bits = _bits(depth - 1)  # loop-invariant: computed once, not every step

        def step(w, _):
            before = _power_by_bits(w, bits)  # ∏_{j≠i} w_j = w^(D−1)
            p = before * w
            loss = loss_min + sxx * jnp.square(p - p_star)
            # gradient_descent sums n squared residuals in float32: that sum
            # overflows (loss = inf) before our one-term formula would.
            loss = jnp.where(jnp.isinf(n * loss), jnp.inf, loss)
            grad = 2.0 * sxx * (p - p_star) * before
            return w - lr * grad, loss

        # steps + 1 losses: the last iteration's update is never used, which
        # saves concatenating the final loss (a copy of every curve).
        _, losses = lax.scan(step, init, None, length=self.steps + 1)
        return losses


def _check_depths(depths) -> np.ndarray:
    array = np.asarray(depths)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"depths must be a non-empty 1-D list of integers, got shape {array.shape}")
    for depth in array.tolist():
        _checks.int_in_range("depths", depth, 1, nets.MAX_DEPTH)
    return array.astype(np.int32)


def _check_lrs(lrs) -> np.ndarray:
    array = np.asarray(lrs)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"lrs must be a non-empty 1-D list of numbers, got shape {array.shape}")
    for lr in array.tolist():
        _checks.positive_float("lrs", lr)
    return array.astype(np.float32)


def depth_lr_sweep(
    depths, lrs, *, init, steps: int, x, y, chunk_size: int | None = None, progress: bool = True
) -> SweepResult:
    """Gradient descent on narrow nets for every (depth, learning rate) pair.

    Each run starts from `nets.init_narrow(depth, init)` and takes `steps` full-batch
    steps on `nets.narrow_loss`; the result equals running `train.gradient_descent`
    one configuration at a time, up to float32 rounding (see the module docstring
    for the exact scalar recursion used). In chaotic cells (a learning rate just
    below divergence) rounding differences grow, as they would between any two
    float32 implementations.

    Args:
      depths: 1-D integers in `[1, nets.MAX_DEPTH]`.
      lrs: 1-D learning rates, finite and > 0.
      init: the initial value of every weight (a finite scalar).
      steps: number of gradient steps, >= 1.
      x, y: the data, arrays of the same shape.
      chunk_size, progress: as in `sweep.grid_sweep`.

    Returns:
      A `SweepResult`. New depth or learning-rate values with the same counts
      and the same `steps` reuse the compiled code.

    Example:
      >>> import numpy as np
      >>> x = np.array([1.0, -1.0]); y = 2.0 * x
      >>> result = depth_lr_sweep([1, 2], [0.1, 2.0], init=1.0, steps=50, x=x, y=y)
      >>> result.losses.shape
      (2, 2, 51)
      >>> result.diverged_at.tolist()   # lr = 2 diverges at both depths
      [[-1, 41], [-1, 4]]
    """
    depths = _check_depths(depths)
    lrs = _check_lrs(lrs)
    _checks.finite_float("init", init)
    _checks.int_in_range("steps", steps, 1)
    solution = narrow_solution(x, y)
    stats = (
        np.float32(init),
        np.float32(np.mean(np.square(np.asarray(x, dtype=np.float64)))),
        np.float32(solution.product),
        np.float32(solution.loss),
        np.float32(np.size(x)),
    )
    losses = grid_sweep(
        _NarrowCurve(int(steps)), depth=depths, lr=lrs, args=stats,
        chunk_size=chunk_size, progress=progress,
    )
    return SweepResult(depths, lrs, losses, first_nonfinite(losses))


# ------------------------------------------------------------ reading a sweep


def steps_to_converge(losses, threshold: float) -> np.ndarray:
    """The step from which the loss stays at or below `threshold`, −1 if it never settles.

    A run "converges" at step `t` when every loss from `t` to the end is
    `<= threshold`; a run whose last loss is above it (or non-finite) gets −1.
    Works on any array of curves (last axis = steps).

    Example:
      >>> steps_to_converge(np.array([[4.0, 0.1, 2.0, 0.1, 0.1], [4.0, 1.0, 1.0, 1.0, 1.0]]), 0.5)
      array([ 3, -1])
    """
    _checks.finite_float("threshold", threshold)
    losses = np.asarray(losses)
    if losses.ndim == 0 or losses.shape[-1] == 0:
        raise ValueError(f"losses must be curves with at least one step on the last axis, got shape {losses.shape}")
    above = ~(losses <= threshold)
    steps = above.shape[-1]
    last_above = steps - 1 - np.argmax(above[..., ::-1], axis=-1)
    settled = np.where(above.any(axis=-1), last_above + 1, 0)
    return np.where(above[..., -1], -1, settled)


class BestLR(NamedTuple):
    """Per depth: the fastest learning rate in the grid and its steps to converge."""

    lrs: np.ndarray
    steps: np.ndarray


def best_lr_per_depth(result: SweepResult, threshold: float) -> BestLR:
    """For each depth, the grid's learning rate that converges in the fewest steps.

    Ties go to the smaller learning rate. Depths where no learning rate
    converges get `lr = nan` and `steps = -1`.

    Example:
      >>> import numpy as np
      >>> x = np.array([1.0, -1.0]); y = 2.0 * x
      >>> result = depth_lr_sweep([1], [0.05, 0.5, 2.0], init=1.0, steps=50, x=x, y=y)
      >>> best_lr_per_depth(result, 1e-3)
      BestLR(lrs=array([0.5], dtype=float32), steps=array([1]))
    """
    if not isinstance(result, SweepResult):
        raise ValueError(f"result must be a SweepResult (from depth_lr_sweep), got {type(result).__name__}")
    times = steps_to_converge(result.losses, threshold)
    ranked = np.where(times >= 0, times, np.iinfo(np.int64).max)
    best = ranked.argmin(axis=-1)
    steps = np.take_along_axis(times, best[:, None], axis=-1)[:, 0]
    lrs = np.where(steps >= 0, result.lrs[best], np.float32(np.nan)).astype(np.float32)
    return BestLR(lrs, steps)
