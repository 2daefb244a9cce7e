"""Exercise checkers: compare a learner's answer with the library's and say so kindly.

A checker returns a `CheckResult` whose text is the message: what was
expected, what was got, and a hint. It never raises on a wrong or unfinished
answer; the learner just reads the message and tries again. Each lesson's
checkers live in a module of this package named after the lesson's idea.
"""

from typing import Callable, NamedTuple

import numpy as np


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
