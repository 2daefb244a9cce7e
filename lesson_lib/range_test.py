"""Smith's learning-rate range test: train briefly while the learning rate grows exponentially.

Introduced in lesson 07. One short run whose learning rate sweeps geometrically
from `min_lr` to `max_lr` shows where the loss falls fastest and where training
breaks down; the suggestion is a tenth of the rate at the smoothed loss's
minimum. The loss record is read with `curves.smoothed_losses` and cut where it
diverges.
"""

import math
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from lesson_lib import _checks, optim, train
from lesson_lib.curves import finite_prefix, smoothed_losses

__all__ = ["DIVERGENCE_FACTOR", "LRRangeResult", "lr_range_test"]


DIVERGENCE_FACTOR = 4.0
"""The range test stops once the loss exceeds this many times its smoothed minimum."""

_DIVERGENCE_RUN = 3  # ... for this many points in a row (a lone spike is not divergence)


class LRRangeResult(NamedTuple):
    """The outcome of `lr_range_test`, cut where the loss diverged.

    Attributes:
      lrs: the learning rate of each update, increasing geometrically.
      losses: the loss right after each of those updates (raw; with
        mini-batches, on the next batch).
      smoothed: `losses` after bias-corrected exponential smoothing (outliers
        capped, see `smoothed_losses`).
      suggested_lr: the learning rate where `smoothed` is lowest, divided by
        10 (NaN when not even the first point had a finite loss).
    """

    lrs: np.ndarray
    losses: np.ndarray
    smoothed: np.ndarray
    suggested_lr: float

    def __repr__(self):
        if not len(self.lrs):
            return "LRRangeResult(no finite loss: lower min_lr)"
        return (
            f"LRRangeResult({len(self.lrs)} points, lr {self.lrs[0]:.1e} to {self.lrs[-1]:.1e}, "
            f"suggested_lr={self.suggested_lr:.1e})"
        )


def _divergence_cut(raw, smoothed) -> int:
    """How many points to keep: up to the first one that starts a diverging run.

    A point is "high" when its raw loss exceeds `DIVERGENCE_FACTOR ×` the
    smallest smoothed loss so far; divergence starts at the first of
    `_DIVERGENCE_RUN` high points in a row (a run cut short by the end of the
    record counts), so a single spike does not end the test.
    """
    best = np.minimum.accumulate(smoothed)
    ceiling = best + (DIVERGENCE_FACTOR - 1.0) * np.abs(best)
    high = raw > ceiling
    padded = np.concatenate([high, np.ones(_DIVERGENCE_RUN - 1, dtype=bool)])
    runs = np.all([padded[k:k + len(high)] for k in range(_DIVERGENCE_RUN)], axis=0)
    starts = np.flatnonzero(runs)
    return len(raw) if not starts.size else int(starts[0]) + 1


class _RampState(NamedTuple):
    inner: object          # the wrapped optimizer's state (learning rate 1)
    count: jax.Array       # updates so far
    log_min: jax.Array     # log(min_lr)
    log_step: jax.Array    # log(max_lr / min_lr) / (steps − 1)


def _ramp_lr(log_min, log_step, count):
    """`min_lr · (max_lr/min_lr)^(count/(steps−1))`, as `schedules.exponential_ramp` computes it."""
    return jnp.exp(log_min + log_step * jnp.asarray(count, dtype=jnp.float32))


class _Ramped:
    """The update of an optimizer run at learning rate 1, scaled by the range test's growing rate.

    Every optimizer a range test accepts applies its learning rate as a last
    factor (`θ -= lr · direction`), so scaling the rate-1 update by `lr_i` is the
    same step as running it with the rate `lr_i`. Equal for equal inner updates,
    so `train.optimize`'s compiled loop is reused by every test of one optimizer
    rule, whatever `min_lr`, `max_lr` and hyperparameter values.
    """

    def __init__(self, inner_update):
        self.inner_update = inner_update

    def __eq__(self, other):
        return isinstance(other, _Ramped) and other.inner_update is self.inner_update

    def __hash__(self):
        return hash((_Ramped, id(self.inner_update)))

    def __call__(self, grads, state, params=None):
        updates, inner = self.inner_update(grads, state.inner, params)
        lr = _ramp_lr(state.log_min, state.log_step, state.count)
        updates = jax.tree.map(lambda u: (lr * u).astype(u.dtype), updates)
        return updates, state._replace(inner=inner, count=state.count + 1)


def lr_range_test(
    loss_fn: Callable,
    params0,
    optimizer_name: str,
    *,
    min_lr: float = 1e-7,
    max_lr: float = 10.0,
    steps: int = 100,
    smoothing: float = 0.98,
    batch_fn: Callable | None = None,
    key=None,
    args: tuple = (),
    **hyper,
) -> LRRangeResult:
    """Smith's learning-rate range test: train briefly while the rate grows exponentially.

    Introduced in lesson 07. One run of `steps` updates, the `i`-th with learning rate
    `lr_i = min_lr · (max_lr/min_lr)^(i/(steps−1))`, recording the loss after
    each update. The losses are smoothed (`smoothed_losses`, each loss capped
    at 4× the best smoothed loss before it enters the average) and the record
    is cut where training diverges: at the first non-finite loss, or where the
    loss stays above 4× the smallest smoothed loss for three updates in a row
    (the first of those is kept, to show the turn upwards). So a single early
    spike neither ends the test nor moves the suggestion much.

    Suggestion rule: the learning rate at the minimum of the smoothed loss,
    divided by 10 — "to the left of the minimum", where the loss still falls
    quickly and training is safely stable (fastai v1's "min / 10"). If the
    minimum is the last point kept, `max_lr` was too small to find the edge.

    Args:
      loss_fn: `loss_fn(params, *args)`, or `loss_fn(params, batch, *args)` with
        `batch_fn`; the losses should be >= 0 (cross-entropy, MSE).
      params0: the starting parameters.
      optimizer_name: a `lesson_lib.optim` name whose learning rate scales every
        step ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam");
        not "rprop", whose learning rate is only its first step size.
      min_lr, max_lr: the sweep's ends, `0 < min_lr < max_lr`.
      steps: number of updates, >= 2.
      smoothing: the moving average's `β`, in [0, 1).
      batch_fn, key: mini-batches as in `lesson_lib.train.optimize` (the key
        defaults to `jax.random.key(0)`).
      args: extra traced arguments for `loss_fn`.
      **hyper: other hyperparameters of the optimizer (`momentum=0.9`, ...).

    Returns:
      An `LRRangeResult`.

    Example:
      >>> import jax.numpy as jnp
      >>> result = lr_range_test(lambda w: 2.0 * jnp.sum(w ** 2), jnp.ones(2), "sgd",
      ...                        min_lr=1e-4, max_lr=10.0, steps=60)
      >>> from lesson_lib.curvature import max_stable_lr
      >>> result.suggested_lr < max_stable_lr(lambda w: 2.0 * jnp.sum(w ** 2), jnp.ones(2))
      True
    """
    if optimizer_name == "rprop":
        raise ValueError(
            "optimizer_name 'rprop' cannot be range-tested (its learning_rate is only the first "
            "step size); choose one of " + ", ".join(n for n in optim.NAMES if n != "rprop")
        )
    optim.defaults(optimizer_name)  # a ValueError listing the names if unknown
    if "learning_rate" in hyper:
        raise ValueError("learning_rate is set by the range test; give min_lr and max_lr instead")
    _checks.positive_float("min_lr", min_lr)
    _checks.positive_float("max_lr", max_lr)
    if float(max_lr) <= float(min_lr):
        raise ValueError(f"max_lr must be > min_lr, got max_lr={max_lr!r} <= min_lr={min_lr!r}")
    _checks.int_in_range("steps", steps, 2)
    _checks.finite_float("smoothing", smoothing)
    if not 0.0 <= float(smoothing) < 1.0:
        raise ValueError(f"smoothing must be a number in [0, 1), got {smoothing!r}")

    log_min = np.float32(math.log(float(min_lr)))
    log_step = np.float32((math.log(float(max_lr)) - math.log(float(min_lr))) / (int(steps) - 1))
    inner = optim.make(optimizer_name, learning_rate=1.0, **hyper)
    ramped = _Ramped(inner.update)

    def init(params):
        return _RampState(inner.init(params), np.int32(0), log_min, log_step)

    run = train.optimize(
        loss_fn, params0, optax.GradientTransformation(init, ramped), int(steps), args=args,
        batch_fn=batch_fn, key=jax.random.key(0) if key is None and batch_fn is not None else key,
    )
    lrs = np.asarray(_ramp_lr(log_min, log_step, jnp.arange(int(steps))), dtype=float)
    raw = np.asarray(run.losses[1:], dtype=float)
    finite = finite_prefix(raw)
    smoothed = smoothed_losses(finite, float(smoothing), clip=DIVERGENCE_FACTOR)
    keep = _divergence_cut(finite, smoothed) if finite.size else 0
    lrs, raw, smoothed = lrs[:keep], raw[:keep], smoothed[:keep]
    suggested = float(lrs[np.argmin(smoothed)] / 10.0) if keep else math.nan
    return LRRangeResult(lrs, raw, smoothed, suggested)
