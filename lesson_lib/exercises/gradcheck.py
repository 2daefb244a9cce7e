"""Lesson 08's exercise checker: a centred finite-difference gradient written by the learner.

The learner writes `numerical_grad(f, x, h)`: for a scalar function `f` of a
NumPy float64 array `x`, the array of `(f(x + h e_j) − f(x − h e_j)) / (2h)`,
one entry per entry of `x` (any shape). The checker tries it on a few functions
whose gradients are known in closed form and compares it with
`lesson_lib.gradcheck.numerical_gradient`; it recognises the usual slips (the
one-sided formula, a missing factor 2, an `x` left changed).
"""

from typing import Callable

import jax.numpy as jnp
import numpy as np

from lesson_lib.exercises import CheckResult, call_answer, checker, failed, passed
from lesson_lib.gradcheck import numerical_gradient, relative_error

__all__ = ["H", "check_numerical_grad"]

H = 1e-5


def _cases():
    """(name, f for NumPy, f for JAX, x, closed-form gradient)."""
    a = np.array([[1.0, -2.0], [0.5, 3.0]])
    x2 = np.array([[0.3, -0.7], [1.2, 0.1]])
    v = np.array([0.2, -1.0, 0.5])
    return [
        ("f(x) = Σ x³", lambda x: float(np.sum(x ** 3)), lambda x: jnp.sum(x ** 3),
         np.array([1.0, -2.0, 0.5]), 3 * np.array([1.0, -2.0, 0.5]) ** 2),
        ("f(X) = Σ sin(A ⊙ X) (a 2×2 matrix)", lambda x: float(np.sum(np.sin(a * x))),
         lambda x: jnp.sum(jnp.sin(a * x)), x2, a * np.cos(a * x2)),
        ("f(x) = ln Σ exp(x) (softmax's log-normaliser)",
         lambda x: float(np.log(np.sum(np.exp(x)))), lambda x: jnp.log(jnp.sum(jnp.exp(x))),
         v, np.exp(v) / np.sum(np.exp(v))),
    ]


@checker
def check_numerical_grad(fn: Callable) -> CheckResult:
    """Check `fn(f, x, h)`: the centred finite-difference gradient of `f` at `x`.

    Example:
      >>> def good(f, x, h):
      ...     g = np.zeros_like(x)
      ...     for j in np.ndindex(x.shape):
      ...         old = x[j]
      ...         x[j] = old + h; plus = f(x)
      ...         x[j] = old - h; minus = f(x)
      ...         x[j] = old
      ...         g[j] = (plus - minus) / (2 * h)
      ...     return g
      >>> check_numerical_grad(good).passed
      True
    """
    for name, f_np, f_jax, x, exact in _cases():
        x_in = x.copy()
        got, problem = call_answer(fn, f_np, x_in, H)
        if problem is not None:
            return problem
        if np.shape(x_in) != x.shape or not np.allclose(x_in, x, rtol=0, atol=1e-9):  # x += h; x -= h is fine
            return failed(f"For {name}, your function left x changed.",
                          "After evaluating f(x + h) and f(x − h), put the entry back to its old value.")
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return failed(f"For {name}, your function returned {got!r}; it should return an array.")
        if got.shape != x.shape:
            return failed(f"For {name}, your gradient has shape {got.shape}, expected {x.shape} "
                          "(one entry per entry of x).")
        reference = numerical_gradient(f_jax, x, h=H)
        worst = float(np.max(relative_error(reference, got)))
        if worst <= 1e-6:
            continue
        one_sided = numerical_gradient(f_jax, x, h=H, centered=False)
        if np.max(relative_error(one_sided, got)) <= 1e-6:
            hint = ("This is the one-sided formula (f(x + h) − f(x)) / h, whose error shrinks like h. "
                    "Use (f(x + h) − f(x − h)) / (2h).")
        elif np.max(relative_error(2 * reference, got)) <= 1e-6:
            hint = "Your values are twice too large: divide by 2h, the distance between x − h and x + h."
        elif np.max(relative_error(0.5 * reference, got)) <= 1e-6:
            hint = "Your values are half the gradient: divide by 2h, not by 4h (or by h², ...)."
        else:
            hint = ("Perturb one entry at a time: the j-th entry of the gradient only moves x[j], "
                    "by +h and by −h, with every other entry unchanged.")
        return failed(f"For {name}, your gradient differs from the closed form "
                      f"{np.array2string(exact, precision=4)}: got "
                      f"{np.array2string(got, precision=4)} (worst relative error {worst:.1e}).", hint)
    return passed(f"Correct: your centred differences match the true gradient on {len(_cases())} "
                  "functions (relative error below 1e-6).")
