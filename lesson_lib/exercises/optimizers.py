"""Lesson 06 exercises: write the momentum and Adam updates by hand.

Each checker runs the learner's one-step function for a few steps on the bowl
`L(x) = ½ (x₁² + 10 x₂²)` (gradient `(x₁, 10 x₂)`) and compares every iterate
with `lesson_lib.optim.make(...)` driven by `lesson_lib.train.optimize`.
"""

import jax.numpy as jnp
import numpy as np

from lesson_lib import optim
from lesson_lib.exercises import CheckResult, call_answer, check_close, failed, passed
from lesson_lib.train import optimize

_CURVATURE = np.array([1.0, 10.0])
_START = np.array([1.0, -0.5])
_STEPS = 5


def _bowl(x):
    return 0.5 * jnp.sum(jnp.asarray(_CURVATURE, jnp.float32) * x**2)


def _library_path(name, **hyper):
    run = optimize(_bowl, jnp.asarray(_START, jnp.float32), optim.make(name, **hyper), _STEPS)
    return np.asarray(run.params, dtype=float)


def _compare(path, expected, what, hint) -> CheckResult:
    for step in range(1, _STEPS + 1):
        result = check_close(path[step], expected[step], what=f"x after step {step}", hint=hint,
                             rtol=1e-4, atol=1e-6)
        if not result:
            return result
    return passed(f"Correct: your {what} matches lesson_lib.optim for {_STEPS} steps.")


def check_momentum_step(momentum_step, lr: float = 0.05, mu: float = 0.9) -> CheckResult:
    """Check `momentum_step(x, v, g, lr, mu) -> (x_new, v_new)`.

    Expected: `v_new = mu·v + g`, `x_new = x − lr·v_new` (v starts at 0).

    Example:
      >>> def momentum_step(x, v, g, lr, mu):
      ...     v = mu * v + g
      ...     return x - lr * v, v
      >>> check_momentum_step(momentum_step)
      ✅ Correct: your momentum update matches lesson_lib.optim for 5 steps.
    """
    x, v = _START.copy(), np.zeros(2)
    path = [x]
    for _ in range(_STEPS):
        answer, problem = call_answer(momentum_step, x, v, _CURVATURE * x, lr, mu)
        if problem is not None:
            return problem
        if not (isinstance(answer, tuple) and len(answer) == 2):
            return failed("momentum_step must return a pair (x_new, v_new).")
        x, v = (np.asarray(a, dtype=float) for a in answer)
        path.append(x)
    expected = _library_path("momentum", learning_rate=lr, momentum=mu)
    return _compare(np.array(path), expected, "momentum update",
                    "v = mu * v + g first, then x = x - lr * v (the new v).")


def check_adam_step(adam_step, lr: float = 0.1, b1: float = 0.9, b2: float = 0.999,
                    eps: float = 1e-8) -> CheckResult:
    """Check `adam_step(x, m, s, g, t, lr, b1, b2, eps) -> (x_new, m_new, s_new)`, `t = 1, 2, …`.

    Expected: `m = b1·m + (1−b1)·g`, `s = b2·s + (1−b2)·g²`, `m̂ = m/(1−b1ᵗ)`,
    `ŝ = s/(1−b2ᵗ)`, `x_new = x − lr·m̂/(sqrt(ŝ) + eps)` (m and s start at 0).

    Example:
      >>> import numpy as np
      >>> def adam_step(x, m, s, g, t, lr, b1, b2, eps):
      ...     m = b1 * m + (1 - b1) * g
      ...     s = b2 * s + (1 - b2) * g**2
      ...     m_hat, s_hat = m / (1 - b1**t), s / (1 - b2**t)
      ...     return x - lr * m_hat / (np.sqrt(s_hat) + eps), m, s
      >>> check_adam_step(adam_step)
      ✅ Correct: your Adam update matches lesson_lib.optim for 5 steps.
    """
    x, m, s = _START.copy(), np.zeros(2), np.zeros(2)
    path = [x]
    for t in range(1, _STEPS + 1):
        answer, problem = call_answer(adam_step, x, m, s, _CURVATURE * x, t, lr, b1, b2, eps)
        if problem is not None:
            return problem
        if not (isinstance(answer, tuple) and len(answer) == 3):
            return failed("adam_step must return a triple (x_new, m_new, s_new).")
        x, m, s = (np.asarray(a, dtype=float) for a in answer)
        path.append(x)
    expected = _library_path("adam", learning_rate=lr, b1=b1, b2=b2, eps=eps)
    return _compare(np.array(path), expected, "Adam update",
                    "update m and s first, divide them by (1 - b1**t) and (1 - b2**t) with t "
                    "counting from 1, and put eps outside the square root.")
