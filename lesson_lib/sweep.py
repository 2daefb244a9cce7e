"""Sweeps: train a whole grid of small models in one vmapped, jitted, sharded call.

Introduced in lesson 04 (depth × learning rate) and used again in lesson 05
(initial weight × depth). "Carefully optimise all hyperparameters for every
architecture (this may require many computers)" becomes one call here:

- `grid_sweep(fn, **axes)` evaluates `fn(**point)` at every point of the
  Cartesian product of the axes, `vmap`ped over the flattened grid, compiled
  once per grid shape, sharded over every device (`jax.sharding`), and split
  into chunks (with a progress bar) when the output would not fit at once.
- `depth_lr_sweep(depths, lrs, ...)` trains deep narrow linear networks
  `ŷ = w_D ··· w_1 x` with gradient descent for every (depth, learning rate).

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

import math
from functools import lru_cache, partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from tqdm.auto import tqdm

from lesson_lib import _checks, nets, train
from lesson_lib.nets import NarrowSolution, narrow_solution  # noqa: F401  (public here too)

__all__ = [
    "CHUNK_BYTES",
    "chunk_plan",
    "grid_sweep",
    "SweepResult",
    "first_nonfinite",
    "depth_lr_sweep",
    "steps_to_converge",
    "BestLR",
    "best_lr_per_depth",
    "lr_sweep",
]

CHUNK_BYTES = 256 * 2**20
"""Default memory bound of one chunk's output (about 256 MB)."""

_FLOAT32_MAX = float(np.finfo(np.float32).max)


# ---------------------------------------------------------------- grid_sweep


def _axis_values(name: str, values) -> np.ndarray:
    """One axis as a 1-D NumPy array of JAX's default dtype (int32 / float32 / bool)."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"axis {name!r} must be a 1-D array of values, got shape {array.shape}")
    if array.size == 0:
        raise ValueError(f"axis {name!r} must not be empty")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"axis {name!r} must hold numbers, got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        raise ValueError(f"axis {name!r} must hold finite numbers, got a NaN or infinity")
    return array.astype(jax.dtypes.canonicalize_dtype(array.dtype))


def chunk_plan(total: int, chunk_size: int, devices: int) -> tuple[int, int]:
    """How to split `total` grid points: `(chunks, points_per_chunk)`.

    Every chunk has the same size (one compilation), a multiple of `devices`
    (even sharding), at most `chunk_size` rounded up to that multiple; the
    padding `chunks · points_per_chunk − total` stays below `chunks · devices`.

    Example:
      >>> chunk_plan(10, 100, 4)     # one chunk of 12: 2 padded points
      (1, 12)
      >>> chunk_plan(10, 4, 1)       # three chunks of 4
      (3, 4)
    """
    _checks.int_in_range("total", total, 1)
    _checks.int_in_range("chunk_size", chunk_size, 1)
    _checks.int_in_range("devices", devices, 1)
    chunks = -(-total // chunk_size)
    per = -(-total // chunks)
    per = -(-per // devices) * devices
    return chunks, per


@lru_cache(maxsize=128)
def _compiled(fn: Callable, names: tuple, devices: tuple):
    """The jitted, vmapped, sharded form of `fn` (cached: one trace per grid shape)."""
    mesh = Mesh(np.array(devices), ("grid",))
    spread = NamedSharding(mesh, PartitionSpec("grid"))
    whole = NamedSharding(mesh, PartitionSpec())

    def at_points(points, args):
        return jax.vmap(lambda *values: fn(*args, **dict(zip(names, values))))(*points)

    compiled = jax.jit(at_points, in_shardings=(spread, whole), out_shardings=spread)
    # Shape of one point's output; jit caches the trace per argument shapes.
    point = jax.jit(lambda args, *values: fn(*args, **dict(zip(names, values))))
    return compiled, point, spread, whole


def grid_sweep(
    fn: Callable,
    *,
    args: tuple = (),
    chunk_size: int | None = None,
    progress: bool = True,
    **axes,
) -> np.ndarray:
    """Evaluate `fn` at every point of a grid of hyperparameters, all at once.

    `fn(*args, **point)` takes one scalar per axis (by the axis's name) and
    returns an array (e.g. a loss curve). The grid (the Cartesian product of
    the axes) is flattened, padded to a multiple of the device count, sharded
    over a `Mesh` of all `jax.devices()`, evaluated by one `jit(vmap(fn))`, and
    the padding dropped. A call with the same axis lengths, `args` shapes and
    `chunk_size` reuses the compiled code whatever the values.

    Args:
      fn: the function to sweep. Keep one function object (a new lambda per
        call compiles anew).
      args: extra arguments passed first to every call, the same at every point
        (data, fixed hyperparameters); traced, so new values do not recompile.
      chunk_size: at most this many grid points per compiled call. The default
        keeps one chunk's output under about 256 MB (`CHUNK_BYTES`).
      progress: show a `tqdm` progress bar when the grid needs more than one chunk.
      **axes: `name=values`, each a non-empty 1-D array of numbers.

    Returns:
      A NumPy array of shape `(len(axis_1), ..., len(axis_k)) + fn's output shape`.

    Example:
      >>> import jax.numpy as jnp
      >>> grid_sweep(lambda a, b: jnp.stack([a * b, a + b]), a=[1.0, 2.0], b=[10.0, 20.0, 30.0])[:, :, 0]
      array([[10., 20., 30.],
             [20., 40., 60.]], dtype=float32)
    """
    if not axes:
        raise ValueError("grid_sweep needs at least one axis, e.g. lr=[0.01, 0.1]")
    names = tuple(axes)
    values = [_axis_values(name, axes[name]) for name in names]
    shape = tuple(len(v) for v in values)
    total = math.prod(shape)
    devices = tuple(jax.devices())
    compiled, point_fn, spread, whole = _compiled(fn, names, devices)
    args = tuple(jax.tree.map(jnp.asarray, tuple(args)))
    point = point_fn.eval_shape(args, *[jax.ShapeDtypeStruct((), v.dtype) for v in values])
    if not isinstance(point, jax.ShapeDtypeStruct):
        raise ValueError(f"fn must return one array, got {type(point).__name__}")
    point_bytes = max(1, math.prod(point.shape) * point.dtype.itemsize)
    if chunk_size is None:
        chunk_size = max(1, CHUNK_BYTES // point_bytes)
    _checks.int_in_range("chunk_size", chunk_size, 1)
    chunks, per = chunk_plan(total, int(chunk_size), len(devices))

    # Flattened grid, padded by repeating the first point (valid inputs, no NaNs).
    flat = [m.ravel() for m in np.meshgrid(*values, indexing="ij")]
    pad = chunks * per - total
    flat = [np.concatenate([f, np.full(pad, f[0], f.dtype)]) if pad else f for f in flat]
    args = jax.device_put(args, whole)

    def launch(i):
        part = slice(i * per, (i + 1) * per)
        return compiled(tuple(jax.device_put(f[part], spread) for f in flat), args)

    if chunks == 1:
        out = np.asarray(launch(0))[:total]
        return out.reshape(shape + point.shape)

    out = np.empty((chunks * per,) + point.shape, point.dtype)
    with tqdm(total=chunks, desc="sweep", unit="chunk", disable=not progress) as bar:
        running = launch(0)
        for i in range(chunks):
            following = launch(i + 1) if i + 1 < chunks else None  # overlap with the copy
            out[i * per:(i + 1) * per] = np.asarray(running)
            running = following
            bar.update(1)
    return out[:total].reshape(shape + point.shape)


# ------------------------------------------------------- depth × learning rate


class SweepResult(NamedTuple):
    """Loss curves of narrow networks over a depth × learning-rate grid.

    Attributes:
      depths: the depths, int array `(n_depths,)`.
      lrs: the learning rates, float32 array `(n_lrs,)`.
      losses: `(n_depths, n_lrs, steps + 1)`; `losses[i, j, t]` is the loss of
        depth `depths[i]` trained with `lrs[j]` after `t` steps. Entries from
        the divergence step on are non-finite.
      diverged_at: int array `(n_depths, n_lrs)`: the first step whose loss is
        not finite, −1 where training did not diverge.
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


@lru_cache(maxsize=None)
def _narrow_curve(steps: int):
    """The loss curve of one equal-weight narrow net (one function object per `steps`)."""

    def curve(init, sxx, p_star, loss_min, n, *, depth, lr):
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
        _, losses = lax.scan(step, init, None, length=steps + 1)
        return losses

    return curve


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


def first_nonfinite(losses) -> np.ndarray:
    """Index of the first non-finite entry along the last axis, −1 where all are finite.

    Example:
      >>> first_nonfinite(np.array([[1.0, np.inf, np.nan], [1.0, 0.5, 0.1]]))
      array([ 1, -1])
    """
    bad = ~np.isfinite(losses)
    return np.where(bad.any(axis=-1), bad.argmax(axis=-1), -1)


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
      chunk_size, progress: as in `grid_sweep`.

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
        _narrow_curve(int(steps)), depth=depths, lr=lrs, args=stats,
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


# --- gradient descent at many learning rates at once (lesson 03) -------------------------


@partial(jax.jit, static_argnames=("loss_fn", "steps"))
def _lr_sweep(w0, lrs, args, *, loss_fn, steps):
    def losses_at(lr):
        return train.loss_curve(loss_fn, w0, lr, steps, args=args)

    return jax.vmap(losses_at)(lrs)


def lr_sweep(loss_fn: Callable, w0, lrs, steps: int, *, args: tuple = ()) -> np.ndarray:
    """Losses of full-batch gradient descent at every learning rate in `lrs`, in one call.

    Row `i` is the loss curve `L(w_0), L(w_1), ..., L(w_steps)` of
    `w ← w − lrs[i]·∇L(w)`, exactly what `train.gradient_descent` gives for that
    rate (it is the same loop, `vmap`-ed over the rates); a diverged run holds
    non-finite values from its divergence on. Compiled once per number of rates,
    step count and loss function: new rate values or `w0` never recompile.

    Args:
      loss_fn: `loss_fn(w, *args) -> scalar`; keep one function object.
      w0: initial weights.
      lrs: 1-D array of learning rates, each finite and > 0.
      steps: number of updates, >= 1.
      args: extra arguments of `loss_fn` (the data).

    Returns:
      A float32 NumPy array of shape `(len(lrs), steps + 1)`.

    Example:
      >>> import jax.numpy as jnp
      >>> lr_sweep(lambda w: jnp.sum(w ** 2), jnp.ones(1), [0.25, 1.5], 2).tolist()
      [[1.0, 0.25, 0.0625], [1.0, 4.0, 16.0]]
    """
    _checks.int_in_range("steps", steps, 1)
    lrs = np.asarray(lrs, dtype=np.float32)
    if lrs.ndim != 1 or lrs.size == 0:
        raise ValueError(f"lrs must be a non-empty 1-D array of learning rates, got shape {lrs.shape}")
    if not (np.all(np.isfinite(lrs)) and np.all(lrs > 0)):
        bad = lrs[~(np.isfinite(lrs) & (lrs > 0))][0]
        raise ValueError(f"lrs must all be finite numbers > 0, got {bad!r}")
    _checks.finite_array("w0", w0)
    _checks.finite_args(tuple(args))
    w0 = jnp.asarray(w0, dtype=jnp.float32)
    return np.asarray(_lr_sweep(w0, jnp.asarray(lrs), tuple(args), loss_fn=loss_fn, steps=int(steps)))
