"""Lesson 06 exercises: write the momentum and Adam updates by hand.

Each checker runs the learner's one-step function for a few steps on the bowl
`L(θ) = ½ (θ₁² + 10 θ₂²)` (gradient `(θ₁, 10 θ₂)`) and compares every iterate
with `lesson_lib.optim.make(...)` driven by `lesson_lib.train.optimize`. The
momentum checker also tells the two ways of writing momentum apart: the
library's `v = μv + g, θ = θ − ηv` and the lecture-notes form
`v = μv − ηg, θ = θ + v`. They give the same positions under a constant rate
but not under a schedule (lesson 07), so the second is named and refused.
"""

import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks, optim
from lesson_lib.exercises import CheckResult, call_answer, check_close, checker, failed, passed
from lesson_lib.train import optimize

__all__ = ["check_momentum_step", "check_adam_step"]

_CURVATURE = np.array([1.0, 10.0])
_START = np.array([1.0, -0.5])
_STEPS = 5


def _bowl(theta):
    return 0.5 * jnp.sum(jnp.asarray(_CURVATURE, jnp.float32) * theta**2)


def _library_path(name, **hyper):
    run = optimize(_bowl, jnp.asarray(_START, jnp.float32), optim.make(name, **hyper), _STEPS)
    return np.asarray(run.params, dtype=float)


def _compare(path, expected, what, hint) -> CheckResult:
    for step in range(1, _STEPS + 1):
        result = check_close(path[step], expected[step], what=f"the position θ after step {step}", hint=hint,
                             rtol=1e-4, atol=1e-6)
        if not result:
            return result
    return passed(f"Correct: your {what} matches lesson_lib.optim for {_STEPS} steps.")


def _check_rates(**values):
    for name, value in values.items():
        if name == "lr":
            _checks.positive_float(name, value)
        elif name == "eps":
            _checks.number(name, value, low=0.0)
        else:
            _checks.number(name, value, low=0.0, high=1.0, high_open=True)


@checker
def check_momentum_step(momentum_step, *, lr: float = 0.05, mu: float = 0.9) -> CheckResult:
    """Check `momentum_step(theta, v, g, lr, mu) -> (theta_new, v_new)`.

    Expected: `v_new = mu·v + g`, `theta_new = theta − lr·v_new` (v starts at 0).
    An answer in the other convention, `v_new = mu·v − lr·g`,
    `theta_new = theta + v_new`, moves θ identically under this constant rate;
    the checker recognises it by its velocity and says so.

    Never raises: a learning rate that is not a finite number > 0 or a `mu`
    outside [0, 1) is a failed result naming the argument.

    Example:
      >>> def momentum_step(theta, v, g, lr, mu):
      ...     v = mu * v + g
      ...     return theta - lr * v, v
      >>> check_momentum_step(momentum_step)
      ✅ Correct: your momentum update matches lesson_lib.optim for 5 steps.
    """
    _check_rates(lr=lr, mu=mu)
    theta, v = _START.copy(), np.zeros(2)
    path, velocities = [theta], [v]
    for _ in range(_STEPS):
        answer, problem = call_answer(momentum_step, theta, v, _CURVATURE * theta, lr, mu)
        if problem is not None:
            return problem
        if not (isinstance(answer, tuple) and len(answer) == 2):
            return failed("momentum_step must return a pair (theta_new, v_new).")
        theta, v = (np.asarray(a, dtype=float) for a in answer)
        path.append(theta)
        velocities.append(v)
    expected = _library_path("momentum", learning_rate=lr, momentum=mu)
    hint = "v = mu * v + g first, then theta = theta - lr * v (the new v)."
    result = _compare(np.array(path), expected, "momentum update", hint)
    if not result:
        return result
    # Positions agree; the velocity tells the two conventions apart.
    library_v = [np.zeros(2)]
    for step in range(_STEPS):
        library_v.append(mu * library_v[-1] + _CURVATURE * expected[step])
    got_v, library_v = np.array(velocities), np.array(library_v)
    if np.allclose(got_v, library_v, rtol=1e-4, atol=1e-6):
        return result
    if np.allclose(got_v, -lr * library_v, rtol=1e-4, atol=1e-6):
        return failed(
            "Your positions are right, but you wrote the other momentum convention, "
            "v = mu*v - lr*g, theta = theta + v (your v is -lr times the library's). With a "
            "constant learning rate the two move theta identically; with a learning-rate "
            "schedule they do not (lesson 07). This exercise uses the library's form.",
            "keep the learning rate out of v: v = mu * v + g, then theta = theta - lr * v.",
        )
    return failed(
        f"Your positions are right, but your velocity after 5 steps is {np.round(got_v[-1], 4)}, "
        f"expected {np.round(library_v[-1], 4)}.",
        "return the new velocity v = mu * v + g as the second value.",
    )


@checker
def check_adam_step(adam_step, *, lr: float = 0.1, b1: float = 0.9, b2: float = 0.999,
                    eps: float = 1e-8) -> CheckResult:
    """Check `adam_step(theta, m, s, g, t, lr, b1, b2, eps) -> (theta_new, m_new, s_new)`.

    `t = 1, 2, …` counts the steps. Expected: `m = b1·m + (1−b1)·g`,
    `s = b2·s + (1−b2)·g²`, `m̂ = m/(1−b1ᵗ)`, `ŝ = s/(1−b2ᵗ)`,
    `theta_new = theta − lr·m̂/(sqrt(ŝ) + eps)` (m and s start at 0).

    Never raises: a learning rate that is not a finite number > 0, `b1` or
    `b2` outside [0, 1), or a negative or non-finite `eps` is a failed result
    naming the argument.

    Example:
      >>> import numpy as np
      >>> def adam_step(theta, m, s, g, t, lr, b1, b2, eps):
      ...     m = b1 * m + (1 - b1) * g
      ...     s = b2 * s + (1 - b2) * g**2
      ...     m_hat, s_hat = m / (1 - b1**t), s / (1 - b2**t)
      ...     return theta - lr * m_hat / (np.sqrt(s_hat) + eps), m, s
      >>> check_adam_step(adam_step)
      ✅ Correct: your Adam update matches lesson_lib.optim for 5 steps.
    """
    _check_rates(lr=lr, b1=b1, b2=b2, eps=eps)
    theta, m, s = _START.copy(), np.zeros(2), np.zeros(2)
    path = [theta]
    for t in range(1, _STEPS + 1):
        answer, problem = call_answer(adam_step, theta, m, s, _CURVATURE * theta, t, lr, b1, b2,
                                      eps)
        if problem is not None:
            return problem
        if not (isinstance(answer, tuple) and len(answer) == 3):
            return failed("adam_step must return a triple (theta_new, m_new, s_new).")
        theta, m, s = (np.asarray(a, dtype=float) for a in answer)
        path.append(theta)
    expected = _library_path("adam", learning_rate=lr, b1=b1, b2=b2, eps=eps)
    return _compare(np.array(path), expected, "Adam update",
                    "update m and s first, divide them by (1 - b1**t) and (1 - b2**t) with t "
                    "counting from 1, and put eps outside the square root.")
