"""Checkers for lesson 05 (initialization).

`check_xavier_std(fn)`: the learner writes `fn(fan_in, fan_out, gain)`, the
Xavier/Glorot standard deviation; it is compared with `lesson_lib.init.xavier_std`
on several layer shapes, and the usual slips (He's fan_in rule, the uniform
bound, a forgotten gain or factor 2) get a hint of their own.

`check_relu_depth_std(fn)`: the learner predicts the activation standard
deviation after `depth` ReLU layers initialized with `scale · √(1/fan_in)`
standard deviation; checked against the exact recursion `E[h²] ← scale² · E[h²] / 2`.
"""

import math

from lesson_lib import _checks, init
from lesson_lib.exercises import CheckResult, call_answer, check_close, checker, failed, passed

__all__ = [
    "XAVIER_CASES",
    "check_xavier_std",
    "relu_depth_std",
    "RELU_CASES",
    "check_relu_depth_std",
]

XAVIER_CASES = ((256, 256, 1.0), (100, 300, 1.0), (784, 10, 5.0 / 3.0), (3, 5, math.sqrt(2.0)))


def _mistake(got, fan_in, fan_out, g) -> str:
    """A hint naming the slip that produced `got`, if it is a common one."""
    right = init.xavier_std(fan_in, fan_out, g)
    slips = {
        "that is He's rule gain/√fan_in; Xavier averages fan_in and fan_out":
            g / math.sqrt(fan_in),
        "that is the uniform bound (std·√3), not the standard deviation": right * math.sqrt(3.0),
        "the gain is missing: multiply by gain": right / g,
        "the 2 is missing: std = gain·√(2 / (fan_in + fan_out))": right / math.sqrt(2.0),
        "that is the variance; take the square root": right ** 2,
    }
    for hint, value in slips.items():
        if math.isclose(got, value, rel_tol=1e-4) and not math.isclose(got, right, rel_tol=1e-4):
            return hint
    return "std = gain · √(2 / (fan_in + fan_out))"


@checker
def check_xavier_std(fn) -> CheckResult:
    """Check `fn(fan_in, fan_out, gain)` against the Xavier standard deviation.

    Example:
      >>> import math
      >>> check_xavier_std(lambda i, o, g: g * math.sqrt(2 / (i + o)))
      ✅ Correct: the Xavier standard deviation matches on 4 layer shapes.
      >>> print(check_xavier_std(lambda i, o, g: g / math.sqrt(i)))
      ❌ For fan_in=100, fan_out=300, gain=1 the Xavier standard deviation is off: expected 0.07071, got 0.1.
      Hint: that is He's rule gain/√fan_in; Xavier averages fan_in and fan_out
    """
    for fan_in, fan_out, g in XAVIER_CASES:
        got, problem = call_answer(fn, fan_in, fan_out, g)
        if problem is not None:
            return problem
        try:
            got = float(got)
        except (TypeError, ValueError):
            return failed(f"Your function returned {got!r}; expected one number.")
        expected = init.xavier_std(fan_in, fan_out, g)
        if not math.isclose(got, expected, rel_tol=1e-4):
            return failed(
                f"For fan_in={fan_in}, fan_out={fan_out}, gain={g:.4g} the Xavier standard "
                f"deviation is off: expected {expected:.4g}, got {got:.4g}.",
                _mistake(got, fan_in, fan_out, g),
            )
    return passed(
        f"Correct: the Xavier standard deviation matches on {len(XAVIER_CASES)} layer shapes.")


def relu_depth_std(depth: int, scale: float, input_std: float = 1.0) -> float:
    """Root mean square of the activations after `depth` ReLU layers with weight std `scale/√fan_in`.

    Each layer multiplies `E[h²]` by `scale²` (the weights) and by 1/2 (the ReLU
    keeps the positive half of a symmetric pre-activation), so
    `rms_depth = input_std · (scale / √2)^depth`. (The lesson's playground prints
    standard deviations; for ReLU outputs the mean is not zero, so the std is
    somewhat smaller than this root mean square, by the same factor at every layer.)

    Example:
      >>> round(relu_depth_std(10, 1.0), 5)  # Xavier on square ReLU layers: halves E[h²] per layer
      0.03125
    """
    _checks.int_in_range("depth", depth, 0)
    _checks.positive_float("scale", scale)
    _checks.positive_float("input_std", input_std)
    return input_std * (scale / math.sqrt(2.0)) ** depth


RELU_CASES = ((10, 1.0), (10, math.sqrt(2.0)), (5, 2.0), (20, 1.0))


@checker
def check_relu_depth_std(fn) -> CheckResult:
    """Check `fn(depth, scale)`, the root mean square of ReLU activations after `depth` layers.

    Example:
      >>> check_relu_depth_std(lambda d, s: (s / 2 ** 0.5) ** d)
      ✅ Correct: the activation scale after depth layers matches.
    """
    got, expected = [], []
    for depth, scale in RELU_CASES:
        value, problem = call_answer(fn, depth, scale)
        if problem is not None:
            return problem
        got.append(value)
        expected.append(relu_depth_std(depth, scale))
    return check_close(
        got, expected, what="the activation scale after depth layers", rtol=1e-4, atol=0.0,
        hint="per layer, E[h²] is multiplied by scale² (weights) and by 1/2 (ReLU); "
             "the scale is the square root of E[h²]",
    )
