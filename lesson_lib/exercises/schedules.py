"""Lesson 07 exercises: write a cyclical schedule and the range test's smoother yourself.

`check_triangular(fn)` compares a learner's `fn(step, base_lr, max_lr,
step_size_up) -> lr` with `lesson_lib.schedules.cyclical` (mode "triangular")
step by step on a few settings; `check_smoothing(fn)` compares
`fn(losses, beta) -> smoothed` with the bias-corrected moving average of
`lesson_lib.curves.smoothed_losses`. Both report the first place where
the answer goes wrong, with a hint.
"""

import numpy as np

from lesson_lib import curves, schedules
from lesson_lib.exercises import CheckResult, call_answer, checker, failed, passed

__all__ = ["TRIANGULAR_CASES", "check_triangular", "check_smoothing"]

TRIANGULAR_CASES = ((0.001, 0.006, 5), (0.1, 1.0, 3), (0.01, 0.02, 1))
"""(base_lr, max_lr, step_size_up) settings the triangular checker tries."""


def _triangular_hint(t, base_lr, max_lr, size, got):
    if t == 0:
        return "at step 0 the rate should be base_lr."
    if t == size:
        return "after step_size_up steps the rate should have climbed to max_lr."
    if t < 2 * size:
        return ("within the first cycle the rate rises linearly to max_lr at step "
                "step_size_up, then falls linearly back to base_lr at 2·step_size_up.")
    return ("the first cycle is right but the pattern does not repeat: a cycle lasts "
            "2·step_size_up steps (try the position t % (2·step_size_up)).")


@checker
def check_triangular(fn) -> CheckResult:
    """Check `fn(step, base_lr, max_lr, step_size_up)` against the library's triangular cycle.

    Example:
      >>> def triangle(step, base_lr, max_lr, step_size_up):
      ...     x = abs(step / step_size_up % 2 - 1)
      ...     return base_lr + (max_lr - base_lr) * (1 - x)
      >>> check_triangular(triangle)
      ✅ Correct: your triangular schedule matches the library at every step tried.
    """
    for base_lr, max_lr, size in TRIANGULAR_CASES:
        expected = schedules.values(schedules.cyclical(base_lr, max_lr, size), 4 * size + 3)
        for t, want in enumerate(expected):
            got, problem = call_answer(fn, t, base_lr, max_lr, size)
            if problem is not None:
                return problem
            try:
                value = float(np.asarray(got, dtype=float).reshape(()))
            except (TypeError, ValueError):
                return failed(f"Your function should return one number per step, got {got!r}.")
            if not np.isclose(value, want, rtol=1e-4, atol=1e-9):
                return failed(
                    f"At step {t} with base_lr={base_lr}, max_lr={max_lr}, "
                    f"step_size_up={size}: expected {want:.6g}, got {value:.6g}.",
                    _triangular_hint(t, base_lr, max_lr, size, value),
                )
    return passed("Correct: your triangular schedule matches the library at every step tried.")


@checker
def check_smoothing(fn) -> CheckResult:
    """Check `fn(losses, beta) -> smoothed` against the bias-corrected moving average.

    Example:
      >>> def smooth(losses, beta):
      ...     out, avg = [], 0.0
      ...     for i, loss in enumerate(losses):
      ...         avg = beta * avg + (1 - beta) * loss
      ...         out.append(avg / (1 - beta ** (i + 1)))
      ...     return out
      >>> check_smoothing(smooth)
      ✅ Correct: your smoothed losses match the library's.
    """
    losses = np.array([2.3, 2.1, 2.2, 1.7, 1.9, 1.2, 1.4, 0.9, 1.1, 0.8])
    for beta in (0.9, 0.5, 0.0):
        got, problem = call_answer(fn, losses.copy(), beta)
        if problem is not None:
            return problem
        expected = curves.smoothed_losses(losses, beta)
        got = np.asarray(got, dtype=float)
        if got.shape != expected.shape:
            return failed(f"Expected {expected.shape[0]} smoothed values, got shape {got.shape}.")
        wrong = np.flatnonzero(~np.isclose(got, expected, rtol=1e-6))
        if wrong.size:
            i = int(wrong[0])
            hint = ("the first value should equal the first loss: divide the running average by "
                    "1 − beta^(i+1) (the bias correction)." if i == 0 else
                    "keep a running average a = beta·a + (1 − beta)·loss starting at a = 0, and "
                    "report a / (1 − beta^(i+1)) for the i-th loss (i from 0).")
            return failed(
                f"With beta={beta}, value {i}: expected {expected[i]:.6g}, got {got[i]:.6g}.",
                hint,
            )
    return passed("Correct: your smoothed losses match the library's.")
