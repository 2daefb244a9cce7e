"""Lesson 12's exercise checker: the learning rate at which a gradient step starts to raise the loss.

The learner writes `loss_raising_lr(g, H)`: from the second-order change
`f(x − εg) − f(x) ≈ −ε gᵀg + ½ ε² gᵀHg`, the rate `ε = 2 gᵀg / gᵀHg` where the
change turns positive. The checker compares it with
`lesson_lib.challenges.loss_raising_lr` on a few gradients and Hessians and
recognises the usual slips (a missing 2, the ratio upside down, `2/λmax`).
"""

from typing import Callable

import numpy as np

from lesson_lib.challenges import loss_raising_lr
from lesson_lib.exercises import CheckResult, call_for_number, failed, passed

__all__ = ["check_loss_raising_lr"]


def _cases():
    """(name, g, H): a bowl of condition number 100, a tilted bowl, a 3-D one."""
    tilted = np.array([[3.0, 1.0], [1.0, 2.0]])
    return [
        ("g = (1, 1), H = diag(1, 100)", np.array([1.0, 1.0]), np.diag([1.0, 100.0])),
        ("g = (0.5, −2), H = [[3, 1], [1, 2]]", np.array([0.5, -2.0]), tilted),
        ("g = (1, 0, 2), H = diag(4, 1, 0.5)", np.array([1.0, 0.0, 2.0]), np.diag([4.0, 1.0, 0.5])),
    ]


def check_loss_raising_lr(fn: Callable) -> CheckResult:
    """Check `fn(g, H)`: the rate `2 gᵀg / gᵀHg` above which a step along `−g` raises the loss.

    Example:
      >>> check_loss_raising_lr(lambda g, H: 2 * (g @ g) / (g @ H @ g)).passed
      True
      >>> print(check_loss_raising_lr(lambda g, H: (g @ g) / (g @ H @ g)))  # doctest: +ELLIPSIS
      ❌ For g = (1, 1), H = diag(1, 100), expected 0.0396, got 0.0198.
      Hint: Half the answer: ...
    """
    for name, g, hessian in _cases():
        got, problem = call_for_number(fn, g.copy(), hessian.copy())
        if problem is not None:
            return problem
        expected = loss_raising_lr(g, hessian)
        if np.isclose(got, expected, rtol=1e-6):
            continue
        gg, ghg = float(g @ g), float(g @ hessian @ g)
        if np.isclose(got, expected / 2, rtol=1e-6):
            hint = ("Half the answer: solve −ε gᵀg + ½ ε² gᵀHg = 0 for ε ≠ 0; the ½ in front of "
                    "ε² puts a 2 in the result.")
        elif np.isclose(got, ghg / (2 * gg), rtol=1e-6) or np.isclose(got, ghg / gg, rtol=1e-6):
            hint = "Your ratio is upside down: the answer is small when the curvature gᵀHg is large."
        elif np.isclose(got, 2 / np.linalg.eigvalsh(hessian).max(), rtol=1e-6):
            hint = ("That is 2/λmax, the limit for every direction at once; the question is about "
                    "this g: use gᵀg and gᵀHg.")
        else:
            hint = "Set −ε gᵀg + ½ ε² gᵀHg = 0 and divide by ε: ε = 2 gᵀg / gᵀHg."
        return failed(f"For {name}, expected {expected:.3g}, got {got:.3g}.", hint)
    return passed(f"Correct: 2 gᵀg / gᵀHg on all {len(_cases())} cases. Above that rate the "
                  "step's curvature bill exceeds its gain.")
