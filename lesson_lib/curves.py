"""Reading training curves: where a run diverged, what its loss curve says, where a sweep's edges lie.

Introduced in lesson 03 (reading a loss curve by eye, the edges of a
learning-rate sweep) and used by every later lesson that trains. All functions
here are plain NumPy on the host: they read curves that training returned.

"Never" is `None` for one curve (`first_nonfinite`, `first_step_below`). An
integer array cannot hold `None`, so the array form of `first_nonfinite` (one
answer per curve of a batch) marks "never" with −1.
"""

import math
from typing import NamedTuple

import numpy as np

__all__ = [
    "first_nonfinite",
    "finite_prefix",
    "first_step_below",
    "smoothed_losses",
    "Diagnosis",
    "diagnose",
    "Outcomes",
    "sweep_outcomes",
    "Boundaries",
    "boundaries",
]


def first_nonfinite(losses):
    """The first step whose loss is NaN or infinite: where a run diverged.

    For one curve (1-D) the answer is an `int`, or `None` if every loss is
    finite. For a batch of curves (steps on the last axis) it is an integer
    array with one answer per curve, −1 where every loss is finite.

    Example:
      >>> first_nonfinite([1.0, 0.5, float("inf"), float("nan")])
      2
      >>> first_nonfinite([1.0, 0.5]) is None
      True
      >>> first_nonfinite(np.array([[1.0, np.inf, np.nan], [1.0, 0.5, 0.1]]))
      array([ 1, -1])
    """
    bad = ~np.isfinite(np.asarray(losses, dtype=float))
    if bad.ndim == 0:
        raise ValueError("losses must be a curve (a 1-D array), or curves with steps on the last axis, got a scalar")
    first = np.where(bad.any(axis=-1), bad.argmax(axis=-1), -1)
    if bad.ndim == 1:
        return None if first < 0 else int(first)
    return first


def finite_prefix(losses) -> np.ndarray:
    """The part of a curve before it diverged: every entry up to (not including) the first non-finite one.

    Example:
      >>> finite_prefix([4.0, 2.0, float("nan"), 1.0]).tolist()
      [4.0, 2.0]
    """
    losses = np.asarray(losses)
    if losses.ndim != 1:
        raise ValueError(f"losses must be one curve (a 1-D array), got shape {losses.shape}")
    end = first_nonfinite(losses)
    return losses if end is None else losses[:end]


def first_step_below(losses, threshold: float) -> int | None:
    """The first step whose loss is at or below `threshold`, or `None` if never.

    Example:
      >>> first_step_below(np.array([4.0, 1.0, 0.1]), 0.5)
      2
      >>> first_step_below([4.0, 1.0], 0.5) is None
      True
    """
    hits = np.flatnonzero(np.asarray(losses) <= threshold)
    return int(hits[0]) if hits.size else None


def smoothed_losses(losses, smoothing: float = 0.98, *, clip: float | None = None) -> np.ndarray:
    """Bias-corrected exponential moving average of a loss record.

    `a_i = β·a_{i−1} + (1 − β)·x_i` from `a_{−1} = 0`, reported as
    `s_i = a_i / (1 − β^{i+1})`, which removes the pull towards the zero start
    (as Adam's bias correction does). `smoothing = β = 0` returns the losses.
    Normally `x_i = L_i`. With `clip = c`, each loss enters the average capped
    at `c ×` the smallest `s` so far, `x_i = min(L_i, c·min_{j<i} s_j)`: one
    wild batch then shifts the average by a bounded amount instead of
    dominating it for the next `1/(1 − β)` steps. Lesson 07.

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
    if diverged_at is None:
        diverged_at = first_nonfinite(losses)
    if diverged_at is not None:
        before = losses[:diverged_at]
        rose = bool(np.any(np.diff(before) > 0))
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
    """Label each run (row of `sweep.lr_sweep`) converged, diverged or neither.

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
    if losses.ndim != 2 or losses.shape[1] == 0:
        raise ValueError(f"losses must be one curve per row (a 2-D array), got shape {losses.shape}")
    half = losses.shape[1] // 2
    finite = first_nonfinite(losses) < 0
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
    if not lrs.ndim == 1 or conv.shape != lrs.shape or div.shape != lrs.shape:
        raise ValueError(
            f"lrs must be 1-D and outcomes must hold one entry per rate, got shapes "
            f"{lrs.shape}, {conv.shape}, {div.shape}"
        )
    failed = np.flatnonzero(~conv)
    stop = failed[0] if failed.size else lrs.size
    last_converged = float(lrs[stop - 1]) if stop > 0 else None
    first_diverged = float(lrs[np.argmax(div)]) if div.any() else None
    return Boundaries(last_converged, first_diverged)
