"""Lesson 10's exercise checker: sampling a hyperparameter on a log scale.

The learner writes `fn(u, low, high)`, which turns numbers `u` drawn uniformly
in [0, 1] into samples spread evenly over the decades between `low` and
`high` (`low · (high/low)^u`). The checker compares it with
`search.from_unit` on a log axis and recognises the usual slips.
"""

from typing import Callable

import numpy as np

from lesson_lib import search
from lesson_lib.exercises import CheckResult, call_answer, checker, failed, passed

__all__ = ["reference_log_uniform", "check_log_uniform"]

_CASES = ((1e-4, 1.0), (1e-6, 10.0), (0.5, 8.0))
_U = np.array([0.0, 0.1, 0.25, 0.5, 0.77, 1.0])


def reference_log_uniform(u, low: float, high: float) -> np.ndarray:
    """`low · (high/low)^u`: uniform `u` in [0, 1] to log-uniform samples in [low, high].

    Example:
      >>> reference_log_uniform([0.0, 0.5, 1.0], 1e-4, 1.0).round(6).tolist()
      [0.0001, 0.01, 1.0]
    """
    u = np.asarray(u, np.float64).reshape(-1, 1)
    return search.from_unit({"v": (float(low), float(high), "log")}, u)[:, 0]


def _slips(u, low, high) -> dict:
    with np.errstate(all="ignore"):
        return {
            "These are uniform samples on a linear scale (low + u·(high − low)): most of them land in the "
            "top decade. Sample the exponent uniformly instead.": low + u * (high - low),
            "Your samples ignore `low` and `high`: map u to an exponent between log10(low) and "
            "log10(high) first.": 10.0 ** u,
            "Your samples run from high down to low: u = 0 should give low.": high * (low / high) ** u,
        }


@checker
def check_log_uniform(fn: Callable) -> CheckResult:
    """Check `fn(u, low, high)`: log-uniform samples from uniform `u` (an array in [0, 1]).

    Example:
      >>> check_log_uniform(lambda u, lo, hi: lo * (hi / lo) ** u).passed
      True
    """
    for low, high in _CASES:
        got, problem = call_answer(fn, _U.copy(), low, high)
        if problem is not None:
            return problem
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return failed(f"Your function returned {got!r}; it should return an array of numbers.")
        if got.shape != _U.shape:
            return failed(f"For {_U.size} values of u your function returned shape {got.shape}; "
                          f"it should return one sample per value of u, shape {_U.shape}.")
        expected = reference_log_uniform(_U, low, high)
        if np.allclose(got, expected, rtol=1e-6):
            continue
        hint = next((text for text, value in _slips(_U, low, high).items()
                     if np.allclose(got, value, rtol=1e-6)),
                    "Take the exponent e = log10(low) + u·(log10(high) − log10(low)) and return 10**e.")
        return failed(f"For low = {low:g}, high = {high:g} and u = {_U.tolist()}, expected "
                      f"{np.array2string(expected, precision=3)}, got {np.array2string(got, precision=3)}.",
                      hint)
    return passed(f"Correct: uniform u becomes log-uniform samples on {len(_CASES)} ranges.")
