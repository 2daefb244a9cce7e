"""Sweeps: evaluate a function over a whole grid of hyperparameters in one vmapped, jitted, sharded call.

Introduced in lesson 04 (depth × learning rate) and used again in lessons 03
and 05. `grid_sweep(fn, **axes)` evaluates `fn(**point)` at every point of the
Cartesian product of the axes, `vmap`ped over the flattened grid, compiled once
per grid shape, sharded over every device (`jax.sharding`), and split into
chunks (with a progress bar) when the output would not fit at once.
`lr_sweep` is lesson 03's use of it: gradient descent at many learning rates.

The function swept is data to the compiled code (`lesson_lib.compilation`): a
pytree `fn` (a loss object, a curve with its step count as its static part)
compiles once per kind and shapes; a plain function once per function object.

The narrow-net depth × learning-rate sweep, built on `grid_sweep`, lives in
`lesson_lib.narrow_sweep`.
"""

import dataclasses
import math
from functools import partial
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax
from jax.sharding import Mesh, NamedSharding, PartitionSpec
from tqdm.auto import tqdm

from lesson_lib import _checks, train
from lesson_lib.compilation import as_pytree

__all__ = [
    "CHUNK_BYTES",
    "chunk_plan",
    "grid_sweep",
    "lr_sweep",
]

CHUNK_BYTES = 256 * 2**20
"""Default memory bound of one chunk's output (about 256 MB)."""

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


def _call(fn, args, names, values):
    return fn(*args, **dict(zip(names, values)))


@partial(jax.jit, static_argnames=("names",))
def _at_points(fn, points, args, *, names):
    """`fn` at every point of a chunk, `vmap`ped (sharded as its inputs are)."""
    return jax.vmap(lambda *values: _call(fn, args, names, values))(*points)


@partial(jax.jit, static_argnames=("names",))
def _at_point(fn, args, values, *, names):
    """`fn` at one point: its `eval_shape` gives the output's shape, traced once per layout."""
    return _call(fn, args, names, values)


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
      fn: the function to sweep: a pytree (its arrays traced, so a new object
        of the same kind and shapes compiles nothing) or a plain function
        (compiled once per function object: a new lambda per call compiles anew).
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
    devices = jax.devices()
    mesh = Mesh(np.array(devices), ("grid",))
    spread = NamedSharding(mesh, PartitionSpec("grid"))
    whole = NamedSharding(mesh, PartitionSpec())
    fn = as_pytree(fn)
    args = tuple(jax.tree.map(jnp.asarray, tuple(args)))
    structs = tuple(jax.ShapeDtypeStruct((), v.dtype) for v in values)
    point = _at_point.eval_shape(fn, args, structs, names=names)
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
    fn, args = jax.device_put((fn, args), whole)

    def launch(i):
        part = slice(i * per, (i + 1) * per)
        return _at_points(fn, tuple(jax.device_put(f[part], spread) for f in flat), args, names=names)

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


# --- gradient descent at many learning rates at once (lesson 03) -------------------------


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class _LossCurve:
    """`train.loss_curve` of one loss as a function of the learning rate; `steps` is static."""

    loss: object
    steps: int = dataclasses.field(metadata=dict(static=True))

    def __call__(self, w0, args, *, lr):
        return train.loss_curve(self.loss, w0, lr, self.steps, args=args)


def lr_sweep(loss_fn: Callable, w0, lrs, steps: int, *, args: tuple = ()) -> np.ndarray:
    """Losses of full-batch gradient descent at every learning rate in `lrs`, in one call.

    Row `i` is the loss curve `L(w_0), L(w_1), ..., L(w_steps)` of
    `w ← w − lrs[i]·∇L(w)`, exactly what `train.gradient_descent` gives for that
    rate (it is the same loop, swept over the rates by `grid_sweep`); a diverged
    run holds non-finite values from its divergence on. Compiled once per number
    of rates, step count and loss kind: new rate values, a new `w0` or a new
    loss object of the same kind and shapes never recompile.

    Args:
      loss_fn: `loss_fn(w, *args) -> scalar`, a loss object or a plain function.
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
    curve = _LossCurve(as_pytree(loss_fn), int(steps))
    return grid_sweep(curve, args=(w0, tuple(args)), lr=lrs, progress=False)

