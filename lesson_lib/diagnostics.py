"""Diagnostics that tell whether training is healthy.

Introduced in lesson 03: the largest learning rate at which gradient descent is
stable near a point is `2 / λ_max`, with `λ_max` the largest eigenvalue of the
loss's Hessian there. Along that eigenvector, a step multiplies the distance
to the minimum by `1 − lr·λ_max`; beyond `2/λ_max` that factor is below −1 and
every step overshoots further than the last.
"""

import math
from functools import lru_cache, partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from lesson_lib import _checks

__all__ = [
    "sharpness",
    "max_stable_lr",
    "DIVERGENCE_FACTOR",
    "LRRangeResult",
    "smoothed_losses",
    "lr_range_test",
    "Diagnosis",
    "diagnose",
    "Outcomes",
    "sweep_outcomes",
    "Boundaries",
    "boundaries",
]


@partial(jax.jit, static_argnums=0)
def _flat_hessian(loss_fn: Callable, params, args):
    flat, unravel = ravel_pytree(params)
    return jax.hessian(lambda v: loss_fn(unravel(v), *args))(flat)


def sharpness(loss_fn: Callable, params, *, args: tuple = ()) -> float:
    """`λ_max`, the largest eigenvalue of the Hessian of `loss_fn(params, *args)` (float64).

    `params` may be any pytree; the Hessian is taken with respect to its
    flattened entries, in float64 (`jax.enable_x64` inside this call only).
    The Hessian is compiled once per loss function and shape: pass data through
    `args` rather than closing over it in a new lambda, and a second call with
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
    _checks.finite_array("params", params)
    _checks.finite_args(tuple(args))
    with jax.enable_x64():
        as64 = lambda tree: jax.tree.map(lambda a: jnp.asarray(a, jnp.float64), tree)  # noqa: E731
        hessian = _flat_hessian(loss_fn, as64(params), as64(tuple(args)))
        return float(np.max(np.linalg.eigvalsh(np.asarray(hessian))))


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


# ---------------------------------------------------------------------------
# The learning-rate range test (lesson 07).



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


def smoothed_losses(losses, smoothing: float = 0.98, *, clip: float | None = None) -> np.ndarray:
    """Bias-corrected exponential moving average of a loss record.

    `a_i = β·a_{i−1} + (1 − β)·x_i` from `a_{−1} = 0`, reported as
    `s_i = a_i / (1 − β^{i+1})`, which removes the pull towards the zero start
    (as Adam's bias correction does). `smoothing = β = 0` returns the losses.
    Normally `x_i = L_i`. With `clip = c`, each loss enters the average capped
    at `c ×` the smallest `s` so far, `x_i = min(L_i, c·min_{j<i} s_j)`: one
    wild batch then shifts the average by a bounded amount instead of
    dominating it for the next `1/(1 − β)` steps.

    Example:
      >>> smoothed_losses([1.0, 3.0], 0.5).round(4).tolist()
      [1.0, 2.3333]
      >>> smoothed_losses([1.0, 1000.0], 0.5, clip=4.0).round(4).tolist()
      [1.0, 3.0]
    """
    losses = np.asarray(losses, dtype=float)
    out = np.empty_like(losses)
    average, best = 0.0, math.inf
    for i, loss in enumerate(losses):
        if clip is not None and i > 0:
            loss = min(loss, clip * best)
        average = smoothing * average + (1.0 - smoothing) * loss
        out[i] = average / (1.0 - smoothing ** (i + 1))
        best = min(best, out[i])
    return out


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


@lru_cache(maxsize=64)
def _range_schedule(min_lr: float, max_lr: float, steps: int):
    # One function object per sweep: repeating a test reuses its compiled loop.
    from lesson_lib import schedules

    return schedules.exponential_ramp(min_lr, max_lr, steps)


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

    One run of `steps` updates, the `i`-th with learning rate
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
      >>> result.suggested_lr < max_stable_lr(lambda w: 2.0 * jnp.sum(w ** 2), jnp.ones(2))
      True
    """
    from lesson_lib import _checks, optim, train

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

    schedule = _range_schedule(float(min_lr), float(max_lr), int(steps))
    # Strongly typed leaves: a weakly typed array (jnp.full(2, 3.0)) would compile anew.
    params0 = jax.tree.map(lambda a: jnp.asarray(a, dtype=jnp.asarray(a).dtype), params0)
    optimizer = optim.make(optimizer_name, learning_rate=schedule, **hyper)
    run = train.optimize(
        loss_fn, params0, optimizer, int(steps), args=args, batch_fn=batch_fn,
        key=jax.random.key(0) if key is None and batch_fn is not None else key,
    )
    lrs = np.asarray(schedule(jnp.arange(int(steps))), dtype=float)
    raw = np.asarray(run.losses[1:], dtype=float)
    bad = np.flatnonzero(~np.isfinite(raw))
    finite_end = int(bad[0]) if bad.size else len(raw)
    smoothed = smoothed_losses(raw[:finite_end], float(smoothing), clip=DIVERGENCE_FACTOR)
    keep = _divergence_cut(raw[:finite_end], smoothed) if finite_end else 0
    lrs, raw, smoothed = lrs[:keep], raw[:keep], smoothed[:keep]
    suggested = float(lrs[np.argmin(smoothed)] / 10.0) if keep else math.nan
    return LRRangeResult(lrs, raw, smoothed, suggested)


# --- reading loss curves and learning-rate sweeps (lesson 03) ---------------------------


class Diagnosis(NamedTuple):
    """What a loss curve says about its learning rate.

    Attributes:
      verdict: one of "diverged", "growing", "bouncing", "barely moved",
        "still decreasing", "converged".
      removed: fraction of the initial loss removed by the end, `1 − L_T/L_0`
        (nan once diverged).
      rose: True when the loss went up on at least one step (beyond rounding).
      final: the last loss (nan once diverged).
      diverged_at: the first non-finite step, or None.
    """

    verdict: str
    removed: float
    rose: bool
    final: float
    diverged_at: int | None

    def __str__(self):
        if self.verdict == "diverged":
            return f"diverged at step {self.diverged_at}"
        text = f"{self.verdict}, {100 * self.removed:.0f}% of the loss removed"
        return text + (", loss went up on some steps" if self.rose else ", loss fell on every step")


def diagnose(losses, diverged_at: int | None = None, *, barely: float = 0.1,
             settled: float = 1e-3, window: int = 10, rise_tol: float = 1e-4) -> Diagnosis:
    """Classify a loss curve the way one reads it by eye.

    In order:
      - "diverged": a non-finite loss (at `diverged_at`, or found here);
      - "growing": finite, but it ends above where it started and rose on every
        one of the last `window` steps (a slow divergence);
      - "bouncing": it went up on some step by more than `rise_tol` (relative);
      - "barely moved": less than `barely` of the initial loss removed;
      - "still decreasing": it fell by more than `settled` (relative) over the
        last `window` steps;
      - "converged": otherwise.

    Example:
      >>> diagnose([1.0, 0.5, 0.25, 0.25], window=1).verdict
      'converged'
      >>> diagnose([1.0, 0.99, 0.98]).verdict
      'barely moved'
      >>> diagnose([1.0, 0.3, 0.6, 0.3]).verdict
      'bouncing'
      >>> diagnose([1.0, 2.0, 4.0, 8.0]).verdict
      'growing'
      >>> str(diagnose([1.0, 9.0, float("inf")]))
      'diverged at step 2'
    """
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 1 or losses.size < 2:
        raise ValueError(f"losses must be a 1-D curve with at least 2 entries, got shape {losses.shape}")
    bad = np.flatnonzero(~np.isfinite(losses))
    if diverged_at is None and bad.size:
        diverged_at = int(bad[0])
    if diverged_at is not None:
        rose = bool(np.any(np.diff(losses[:diverged_at]) > 0)) if diverged_at > 1 else False
        return Diagnosis("diverged", math.nan, rose, math.nan, int(diverged_at))
    first, last = losses[0], losses[-1]
    removed = 1.0 - last / first if first > 0 else 0.0
    rose = bool(np.any(losses[1:] > losses[:-1] * (1 + rise_tol)))
    tail = losses[-min(window + 1, losses.size):]
    if last > first and np.all(np.diff(tail) > 0):
        verdict = "growing"
    elif rose:
        verdict = "bouncing"
    elif removed < barely:
        verdict = "barely moved"
    elif tail[0] - tail[-1] > settled * tail[-1]:
        verdict = "still decreasing"
    else:
        verdict = "converged"
    return Diagnosis(verdict, float(removed), rose, float(last), None)


class Outcomes(NamedTuple):
    """Per learning rate of a sweep: did the run converge to the minimum, did it diverge?"""

    converged: np.ndarray
    diverged: np.ndarray


def sweep_outcomes(losses, min_loss: float, *, rtol: float = 0.01, growth: float = 10.0,
                   window: int = 10) -> Outcomes:
    """Label each run (row of `lr_sweep`) converged, diverged or neither.

    - converged: each of the last `window` losses is within `rtol` (relative) of
      `min_loss` (one value is not enough: a chaotic run passes near the minimum
      now and then);
    - diverged: a non-finite loss, or a loss still growing without bound: the
      peak of the second half of the run is more than `growth` times the peak of
      the first half. A run that keeps bouncing inside a bounded range is
      neither converged nor diverged.

    Example:
      >>> losses = np.array([[4.0, 1.0, 1.0, 1.0], [4.0, 2.0, 4.0, 2.0], [4.0, 9.0, 80.0, 7000.0]])
      >>> sweep_outcomes(losses, min_loss=1.0, window=2)
      Outcomes(converged=array([ True, False, False]), diverged=array([False, False,  True]))
    """
    losses = np.asarray(losses, dtype=float)
    half = losses.shape[1] // 2
    finite = np.all(np.isfinite(losses), axis=1)
    with np.errstate(all="ignore"):
        safe = np.where(np.isfinite(losses), losses, np.inf)
        early, late = safe[:, : half + 1].max(axis=1), safe[:, half:].max(axis=1)
        growing = late > growth * early
        tail = losses[:, -min(window, losses.shape[1]):]
        converged = finite & np.all(np.abs(tail - min_loss) <= rtol * abs(min_loss), axis=1)
    return Outcomes(converged, ~finite | growing)


class Boundaries(NamedTuple):
    """The two edges a learning-rate sweep finds (None where the grid does not contain one)."""

    last_converged: float | None
    first_diverged: float | None


def boundaries(lrs, outcomes: Outcomes) -> Boundaries:
    """The largest rate of the grid's initial run of converged rates, and the smallest diverged rate.

    Example:
      >>> out = Outcomes(np.array([True, True, False, False]), np.array([False, False, False, True]))
      >>> boundaries([0.1, 0.2, 0.3, 0.4], out)
      Boundaries(last_converged=0.2, first_diverged=0.4)
    """
    lrs = np.asarray(lrs, dtype=float)
    conv, div = np.asarray(outcomes.converged), np.asarray(outcomes.diverged)
    failed = np.flatnonzero(~conv)
    stop = failed[0] if failed.size else lrs.size
    last_converged = float(lrs[stop - 1]) if stop > 0 else None
    first_diverged = float(lrs[np.argmax(div)]) if div.any() else None
    return Boundaries(last_converged, first_diverged)
