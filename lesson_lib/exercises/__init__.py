"""Exercise checkers: compare a learner's answer with the library's and say so kindly.

A checker returns a `CheckResult` whose text is the message: what was
expected, what was got, and a hint. It never raises: not on a wrong or
unfinished answer, and not on a wrong call either (data that are not finite,
`x` without `y`, a depth out of range): the `checker` decorator turns the
argument check's `ValueError` into a failed result that names the argument.
The learner just reads the message and tries again. Each lesson's checkers
live in a module of this package named after the lesson's idea.

Conventions shared by every checker and reference here: the learner's function
comes first; then what the answer is about (a depth, weights, a sweep); the
data `x, y` come last, as in the library's losses `loss(w, x, y)`; optional
settings are keyword-only. Randomness enters only through a keyword-only `key`.
"""

import functools
from typing import Callable, NamedTuple

import jax
import numpy as np

from lesson_lib import _checks
from lesson_lib.data import linear_regression_data

__all__ = ["CheckResult", "passed", "failed", "checker", "lesson_data_or", "check_xy", "call_answer",
           "call_for_number", "check_close", "yours_or_reference"]


class CheckResult(NamedTuple):
    """The verdict of a checker: `passed` and a friendly `message`."""

    passed: bool
    message: str

    def __repr__(self):
        return self.message

    def __bool__(self):
        return self.passed


def passed(message: str) -> CheckResult:
    return CheckResult(True, "✅ " + message)


def failed(message: str, hint: str = "") -> CheckResult:
    return CheckResult(False, "❌ " + message + (f"\nHint: {hint}" if hint else ""))


def checker(check: Callable) -> Callable:
    """Decorator: the checker answers, it never raises.

    A `ValueError` from the checker's own argument checks (bad data, a depth out
    of range, `x` without `y`) comes back as a failed `CheckResult` with the
    error's text, which names the argument and what is allowed.

    Example:
      >>> @checker
      ... def check_positive(fn, n):
      ...     _checks.integer("n", n, 1)
      ...     return passed("fine")
      >>> check_positive(None, 0)
      ❌ This check cannot run: n must be an integer >= 1, got 0.
    """

    @functools.wraps(check)
    def polite(*args, **kwargs):
        try:
            return check(*args, **kwargs)
        except ValueError as error:
            return failed(f"This check cannot run: {error}.")

    return polite


def yours_or_reference(answer: Callable, check: Callable, reference: Callable) -> Callable:
    """The learner's function if it passes its check, else the library's reference (and say so).

    Cells after an exercise that build on its answer start with this line, so
    they run whether or not the exercise is done yet: in the student edition a
    blank exercise must not break the rest of the lesson.

    Example:
      >>> def check_double(fn):
      ...     return passed("right") if fn(2) == 4 else failed("fn(2) should be 4")
      >>> yours_or_reference(lambda v: 2 * v, check_double, lambda v: v + v)(3)
      6
      >>> fn = yours_or_reference(lambda v: v, check_double, lambda v: v + v)
      Your function does not pass its check yet, so the cells below use the library's reference.
      >>> fn(3)
      6
    """
    if check(answer):
        return answer
    print("Your function does not pass its check yet, so the cells below use the library's reference.")
    return reference


def lesson_data_or(x, y):
    """`(x, y)` as given, or the lesson's data when both are `None`; `ValueError` for one of them alone.

    The lesson's data are `data.linear_regression_data(key=jax.random.key(0))`,
    the data set lessons 01-04 train on. The pair is checked: non-empty, finite,
    the same shape.
    """
    if x is None and y is None:
        x, y = linear_regression_data(key=jax.random.key(0))
    elif x is None or y is None:
        given = "x" if y is None else "y"
        raise ValueError(f"x and y must be given together (or neither, for the lesson's data), got only {given}")
    check_xy(x, y)
    return x, y


def check_xy(x, y) -> None:
    """`ValueError` unless `x` and `y` are non-empty arrays of finite numbers of the same shape."""
    _checks.same_shape(x, y)
    _checks.finite_array("x", x)
    _checks.finite_array("y", y)


def _fmt(value) -> str:
    return np.array2string(np.asarray(value, dtype=float), precision=4, suppress_small=True)


def call_answer(fn: Callable, *args):
    """Run a learner's function: `(result, None)`, or `(None, CheckResult)` explaining what went wrong."""
    try:
        return fn(*args), None
    except NotImplementedError:
        return None, failed(
            "Not implemented yet: replace the `raise NotImplementedError` with your code.")
    except Exception as error:
        return None, failed(f"Your function raised {type(error).__name__}: {error}")


def call_for_number(fn: Callable, *args):
    """`call_answer` for a function that must return one number: `(float, None)` or `(None, CheckResult)`."""
    got, problem = call_answer(fn, *args)
    if problem is not None:
        return None, problem
    try:
        return float(got), None
    except (TypeError, ValueError):
        return None, failed(f"Your function returned {got!r}; it should return one number.")


def check_close(got, expected, *, what: str, hint: str = "", rtol=1e-4, atol=1e-6) -> CheckResult:
    """Pass when `got ≈ expected` (same shape, within `rtol`/`atol`).

    Example:
      >>> check_close([1.0, 2.0], [1.0, 2.0], what="the gradient")
      ✅ Correct: the gradient matches.
      >>> print(check_close([1.0], [2.0], what="the gradient", hint="check the sign"))
      ❌ The gradient is off: expected [2.], got [1.].
      Hint: check the sign
    """
    got_arr = np.asarray(got, dtype=float)
    expected_arr = np.asarray(expected, dtype=float)
    if got_arr.shape != expected_arr.shape:
        return failed(
            f"{what[0].upper() + what[1:]} has shape {got_arr.shape}, expected {expected_arr.shape}.",
            hint,
        )
    if np.allclose(got_arr, expected_arr, rtol=rtol, atol=atol, equal_nan=True):
        return passed(f"Correct: {what} matches.")
    return failed(
        f"{what[0].upper() + what[1:]} is off: expected {_fmt(expected_arr)}, got {_fmt(got_arr)}.",
        hint,
    )
