"""Lesson 03's exercise checkers: the largest stable learning rate, derived by hand.

The learner writes `fn(x, y) -> float`, the largest learning rate at which
gradient descent on the narrow network's loss is stable at its (balanced)
minimum, from a hand-derived second derivative. The checker compares it with
`curvature.max_stable_lr`, which gets `2/λ_max` from the Hessian that JAX
computes, on a few data sets, and recognises the usual slips.
"""

from typing import Callable

import jax
import numpy as np

from lesson_lib import _checks, curvature, data, nets
from lesson_lib.exercises import CheckResult, call_for_number, check_xy, checker, failed, passed

__all__ = ["reference_max_stable_lr", "check_max_stable_lr"]

# A few data sets that differ in spread (mean x²) and slope; all of the lesson's size, so
# the reference Hessian compiles once.
_CASES = (
    dict(seed=0, n=100, slope=2.0, noise=0.1),
    dict(seed=1, n=100, slope=0.5, noise=0.3),
    dict(seed=2, n=100, slope=3.0, noise=0.0),
)


def _datasets():
    for case in _CASES:
        x, y = data.linear_regression_data(
            case["n"], slope=case["slope"], noise=case["noise"], key=jax.random.key(case["seed"]))
        if case["seed"] == 1:
            x = 1.7 * x  # a wider input spread, so mean(x²) is far from 1
        yield x, y


def reference_max_stable_lr(depth: int, x, y) -> float:
    """`curvature.max_stable_lr` of the depth-`depth` narrow net's loss at its balanced minimum.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, -1.0]); y = 3.0 * x
      >>> round(reference_max_stable_lr(1, x, y), 6)
      1.0
    """
    nets.check_depth(depth)
    check_xy(x, y)
    return curvature.max_stable_lr(nets.narrow_loss_on(x, y), nets.balanced_minimum(x, y, depth))


def _slips(x, y, depth: int) -> dict[str, float]:
    """Answers that follow from common slips, with the hint each deserves."""
    xx, xy, _ = (float(m) for m in data.moments(x, y))
    lam = 2 * xx if depth == 1 else 4 * abs(xy)
    return {
        "Your answer is 1/λ_max, not 2/λ_max: 1/λ_max is the rate that lands on the minimum "
        "in one step; stability lasts until the step factor 1 − η·λ_max reaches −1.": 1 / lam,
        "Your answer is twice too large: the second derivative of (y − w x)² with respect to w "
        "is 2x², not x² (do not forget the factor 2 from the square).": 4 / lam,
        "Your answer is 2·λ_max instead of 2/λ_max.": 2 * lam,
    }


@checker
def check_max_stable_lr(fn: Callable, *, depth: int = 1) -> CheckResult:
    """Check `fn(x, y)`: the largest stable learning rate of a depth-`depth` narrow net at its minimum.

    Depth 1 is plain linear regression, whose loss is a parabola in `w`;
    depth 2 asks for the value at the balanced minimum `w1 = w2`.

    Example:
      >>> check_max_stable_lr(lambda x, y: 1 / float((x ** 2).mean())).passed
      True
    """
    depth = _checks.integer("depth", depth, 1, 2)
    for x, y in _datasets():
        got, problem = call_for_number(fn, x, y)
        if problem is not None:
            return problem
        expected = reference_max_stable_lr(depth, x, y)
        if np.isclose(got, expected, rtol=1e-3):
            continue
        hint = next((text for text, value in _slips(x, y, depth).items()
                     if np.isclose(got, value, rtol=1e-3)), "")
        if not hint:
            hint = ("Write the loss as a function of the weight(s), differentiate twice, take the "
                    "largest eigenvalue λ_max at the minimum, and return 2/λ_max."
                    if depth == 2 else
                    "L(w) = mean((y − w x)²) is a parabola in w: its second derivative is the same "
                    "at every w. The largest stable learning rate is 2 divided by it.")
        return failed(
            f"For a data set with mean(x²) = {float((x ** 2).mean()):.4g}, expected a maximum "
            f"stable learning rate of {expected:.4g}, got {got:.4g}.", hint)
    return passed(f"Correct: your formula gives 2/λ_max at depth {depth} on {len(_CASES)} data sets.")
