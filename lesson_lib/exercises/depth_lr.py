"""Lesson 04's exercise checkers: depth and learning rate.

1. `check_best_lr`: read the fastest learning rate for a depth off a sweep.
2. `check_edge_of_stability`: the largest stable learning rate of a depth-D
   narrow net at its balanced minimum, as a formula in D, mean x² and p*,
   compared with `curvature.max_stable_lr` (the Hessian JAX computes).
"""

import math
from typing import Callable

import numpy as np

from lesson_lib import _checks, curvature, nets
from lesson_lib.exercises import CheckResult, call_answer, check_xy, checker, failed, passed
from lesson_lib.narrow_sweep import SweepResult, best_lr_per_depth, steps_to_converge
from lesson_lib.nets import narrow_solution

__all__ = ["format_lr", "check_best_lr", "reference_edge_of_stability", "check_edge_of_stability"]


def format_lr(lr: float) -> str:
    """A learning rate in a checker's message: `3.2e-02`, or `inf` (no plotting stack needed).

    Example:
      >>> format_lr(0.0321), format_lr(float("inf"))
      ('3.2e-02', 'inf')
    """
    return "inf" if not math.isfinite(lr) else f"{lr:.1e}"


@checker
def check_best_lr(fn: Callable, result: SweepResult, threshold: float, *,
                  depths=(1, 10, 50)) -> CheckResult:
    """Check `fn(result, depth, threshold) -> lr`: the grid's fastest converging lr for `depth`.

    "Fastest" means fewest steps until the loss stays at or below `threshold`
    (`narrow_sweep.steps_to_converge`); ties go to the smaller learning rate. Never
    raises: a wrong call (not a sweep, a non-finite threshold, a depth the sweep
    does not hold) is a failed result naming the argument.

    Example:
      >>> import numpy as np
      >>> from lesson_lib.narrow_sweep import depth_lr_sweep
      >>> x = np.array([1.0, -1.0]); y = 2.0 * x
      >>> result = depth_lr_sweep([1, 2], [0.05, 0.1, 0.5], init=1.0, steps=30, x=x, y=y)
      >>> check_best_lr(lambda r, d, t: 0.5 if d == 1 else 0.1, result, 1e-3, depths=[1, 2])
      ✅ Correct: the best learning rate for depths [1, 2] matches the sweep.
    """
    if not isinstance(result, SweepResult):
        raise ValueError(f"result must be a narrow_sweep.SweepResult, got {type(result).__name__}")
    _checks.finite_float("threshold", threshold)
    depth_list = [int(d) for d in result.depths]
    depths = [_checks.integer("depths", d, 1) for d in depths]
    for depth in depths:
        if depth not in depth_list:
            raise ValueError(f"depths must be depths of the sweep ({depth_list}), got {depth}")
    best = best_lr_per_depth(result, threshold)
    for depth in depths:
        got, problem = call_answer(fn, result, depth, threshold)
        if problem is not None:
            return problem
        i = depth_list.index(depth)
        expected = float(best.lrs[i])
        try:
            got = float(got)
        except (TypeError, ValueError):
            return failed(f"For depth {depth} your function returned {got!r}, not a number.")
        if np.isclose(got, expected, rtol=1e-5):
            continue
        j = int(np.argmin(np.abs(np.log(result.lrs) - np.log(max(got, 1e-30)))))
        hint = (
            "Use steps_to_converge(result.losses[i], threshold) for the depth's row i, "
            "ignore the −1 entries (never converged or diverged), and take the lr with the "
            "fewest steps."
        )
        if got == float(result.lrs[j]) and best.steps[i] >= 0:
            steps = int(steps_to_converge(result.losses[i, j], threshold))
            verdict = "never converges" if steps < 0 else f"needs {steps} steps"
            hint = f"At depth {depth} lr {format_lr(got)} {verdict}; the best needs {best.steps[i]}. " + hint
        return failed(
            f"Depth {depth}: expected lr {format_lr(expected)}, got {format_lr(got)}.", hint
        )
    return passed(f"Correct: the best learning rate for depths {depths} matches the sweep.")


def reference_edge_of_stability(depth: int, x, y) -> float:
    """`curvature.max_stable_lr` of the depth-`depth` narrow net at `w_i = p*^(1/D)`.

    Example:
      >>> import numpy as np
      >>> x = np.array([1.0, -1.0]); y = 4.0 * x
      >>> round(reference_edge_of_stability(2, x, y), 6)   # 1 / (D · Sxx · p*^(2(D−1)/D))
      0.125
    """
    nets.check_depth(depth)
    check_xy(x, y)
    product = narrow_solution(x, y).product
    if product <= 0:
        raise ValueError("the balanced minimum p*^(1/D) needs p* > 0 (a positive slope)")
    # The masked loss (layers >= depth are identities with zero curvature) has one
    # shape for every depth, and the depth and data reach it through `args`, so
    # one loss function serves every depth: its Hessian compiles once per data
    # shape (`curvature.sharpness`), not once per depth.
    w = nets.pad_narrow(nets.init_narrow(depth, product ** (1.0 / depth)))
    return curvature.max_stable_lr(nets.masked_narrow_loss, w, args=(int(depth), x, y))


@checker
def check_edge_of_stability(fn: Callable, x, y, *, depths=(1, 2, 5, 20, 50)) -> CheckResult:
    """Check `fn(depth, sxx, p_star) -> lr`: the largest stable lr at the balanced minimum.

    Never raises: a wrong call (no depths, a depth out of range, bad data) is a
    failed result naming the argument.

    Example:
      >>> import numpy as np
      >>> x = np.array([1.0, -1.0]); y = 4.0 * x
      >>> check_edge_of_stability(lambda d, sxx, p: 1 / (d * sxx * p ** (2 * (d - 1) / d)), x, y, depths=[1, 3])
      ✅ Correct: your formula matches 2/λ_max from the Hessian for depths [1, 3].
    """
    depths = list(depths)
    if not depths:
        raise ValueError("depths must list at least one depth, got none")
    for depth in depths:
        nets.check_depth(depth)
    check_xy(x, y)
    solution = narrow_solution(x, y)
    sxx = float(np.mean(np.square(np.asarray(x, dtype=np.float64))))
    for depth in depths:
        got, problem = call_answer(fn, depth, sxx, solution.product)
        if problem is not None:
            return problem
        expected = reference_edge_of_stability(depth, x, y)
        try:
            got = float(got)
        except (TypeError, ValueError):
            return failed(f"For depth {depth} your function returned {got!r}, not a number.")
        if np.isclose(got, expected, rtol=1e-4):
            continue
        hint = (
            "At the minimum the Hessian is 2·Sxx·g gᵀ with g_k = ∂p/∂w_k = p/w_k, so its only "
            "nonzero eigenvalue is 2·Sxx·|g|² = 2·Sxx·D·p*^(2(D−1)/D); the edge is 2/λ_max."
        )
        if np.isclose(got, expected / 2, rtol=1e-4):
            hint = "You have 1/λ_max; the edge of stability is 2/λ_max. " + hint
        elif np.isclose(got, expected * depth, rtol=1e-4) and depth > 1:
            hint = "Your formula misses the factor D: every one of the D weights adds to |g|². " + hint
        return failed(
            f"Depth {depth}: expected {format_lr(expected)}, got {format_lr(got)}.", hint
        )
    return passed(
        f"Correct: your formula matches 2/λ_max from the Hessian for depths {list(depths)}."
    )
