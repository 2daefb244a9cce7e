"""Lesson 01 exercise: the gradient of the one-hidden-unit network `y = x w1 w2`.

With `L(w1, w2) = mean((y - w1 w2 x)²)` the chain rule gives

    dL/dw1 = -2 mean(x (y - w1 w2 x)) · w2
    dL/dw2 = -2 mean(x (y - w1 w2 x)) · w1

The learner writes `grad_w(w1, w2, x, y) -> (dL/dw1, dL/dw2)`; `check_grad_w`
compares it with `jax.grad` of `nets.narrow_loss` at several points and, when it
is wrong, recognises the usual slips (a lost minus sign, the two components
swapped, a lost factor 2, a sum where the mean belongs) to give a precise hint.
"""

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks
from lesson_lib.exercises import (CheckResult, call_answer, check_close, check_xy, checker, failed,
                                  lesson_data_or, passed)
from lesson_lib.nets import narrow_loss

__all__ = ["CHECK_POINTS", "reference_grad", "check_grad_w"]

# Points chosen so that every slip the checker names gives a different answer:
# w1 != ±w2 (a swap shows), the product on both sides of the valley (a sign
# error shows) and one point on an axis.
CHECK_POINTS = ((0.5, -1.0), (1.5, 0.3), (-2.0, 1.2), (0.0, 0.7), (1.2, 1.9))

_FORMULA = "dL/dw1 = -2·mean(x·(y - w1·w2·x))·w2, and dL/dw2 the same with w1 in place of w2"


def reference_grad(w1: float, w2: float, x, y) -> np.ndarray:
    """`(dL/dw1, dL/dw2)` by automatic differentiation of `nets.narrow_loss`.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, -1.0]); y = 2.0 * x
      >>> reference_grad(1.0, 1.0, x, y).tolist()   # -2·mean(x(y - x))·1 = -2
      [-2.0, -2.0]
    """
    _checks.finite_float("w1", w1)
    _checks.finite_float("w2", w2)
    check_xy(x, y)
    w = jnp.array([w1, w2], dtype=jnp.float32)
    return np.asarray(jax.grad(narrow_loss)(w, jnp.asarray(x), jnp.asarray(y)), dtype=float)


def _diagnose(got, expected, n) -> str:
    """A hint naming the slip that turns `expected` into `got`, if it is a known one."""
    slips = (
        (-expected, "The sign is flipped. The loss grows when the prediction moves away "
                    "from y, and d/dw1 of (y - w1 w2 x)² brings a factor -x·w2 from the inside."),
        (expected[:, ::-1], "The two components are swapped: dL/dw1 carries the factor w2 "
                            "(w1 is multiplied by w2 in the output), and dL/dw2 carries w1."),
        (expected / 2, "A factor 2 is missing: the derivative of a square u² is 2u·du."),
        (expected * n, "This is n times too large: the loss is a mean over the examples, "
                       "so the gradient is a mean too (use np.mean, not np.sum)."),
    )
    for wrong, hint in slips:
        if np.allclose(got, wrong, rtol=1e-3, atol=1e-5):
            return hint
    return "Work it out with the chain rule: " + _FORMULA + "."


@checker
def check_grad_w(grad_w: Callable, x=None, y=None) -> CheckResult:
    """Check a learner's `grad_w(w1, w2, x, y) -> (dL/dw1, dL/dw2)` against `jax.grad`.

    Tries every point of `CHECK_POINTS` on the data `(x, y)`: both given, or
    neither for the lesson's `linear_regression_data(key=jax.random.key(0))`.
    This never raises: whatever the learner's function does, the message says
    what was expected, what came back, and a hint; a wrong call (only `x`, data
    that are empty, NaN or inf, `x` and `y` of different shapes) is a failed
    result naming the argument.

    Example:
      >>> import numpy as np
      >>> def grad_w(w1, w2, x, y):
      ...     r = y - w1 * w2 * x
      ...     return -2 * np.mean(x * r) * w2, -2 * np.mean(x * r) * w1
      >>> check_grad_w(grad_w)
      ✅ Correct: your gradient matches jax.grad at 5 points.
      >>> bool(check_grad_w(lambda w1, w2, x, y: (w2, w1)))
      False
      >>> check_grad_w(grad_w, np.ones(3))
      ❌ This check cannot run: x and y must be given together (or neither, for the lesson's data), got only x.
    """
    x, y = lesson_data_or(x, y)
    x_np, y_np = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)
    got_rows, expected_rows = [], []
    for w1, w2 in CHECK_POINTS:
        got, problem = call_answer(grad_w, w1, w2, x_np, y_np)
        if problem is not None:
            return problem
        try:
            got = np.asarray(got, dtype=float).reshape(-1)
        except (TypeError, ValueError):
            return failed(f"grad_w should return two numbers (dL/dw1, dL/dw2), got {got!r}.",
                          "return a tuple like (dL_dw1, dL_dw2).")
        if got.shape != (2,):
            return failed(
                f"grad_w should return two numbers (dL/dw1, dL/dw2), got {got.size} "
                f"value{'' if got.size == 1 else 's'} at (w1, w2) = ({w1}, {w2}).",
                "return a tuple (dL_dw1, dL_dw2) of two scalars (means over the data).",
            )
        got_rows.append(got)
        expected_rows.append(reference_grad(w1, w2, x_np, y_np))
    got_all, expected_all = np.stack(got_rows), np.stack(expected_rows)
    for (w1, w2), got, expected in zip(CHECK_POINTS, got_all, expected_all):
        verdict = check_close(got, expected, what="your gradient", rtol=1e-4, atol=1e-5)
        if not verdict:
            hint = _diagnose(got_all, expected_all, x_np.size)
            return check_close(got, expected, what=f"your gradient at (w1, w2) = ({w1}, {w2})",
                               hint=hint, rtol=1e-4, atol=1e-5)
    return passed(f"Correct: your gradient matches jax.grad at {len(CHECK_POINTS)} points.")
