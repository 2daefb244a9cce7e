"""Lesson 02's checker: the gradient of a deep narrow network, layer by layer.

For `L(w) = mean((y - p x)²)` with `p = w_D ··· w_1`, the chain rule gives

    ∂L/∂w_i = (∏_{j≠i} w_j) · dL/dp,    dL/dp = -2 · mean(x · (y - p x)).

Every layer's gradient carries the product of all the *other* weights, which is
why it vanishes when that product is small. The learner codes this by hand;
the checker compares it with `jax.grad` on several depths, including one with
a zero weight (where the shortcut `p / w_i` divides by zero).
"""

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks, nets
from lesson_lib.exercises import (CheckResult, call_answer, check_close, check_xy, checker, failed,
                                  lesson_data_or, passed)

__all__ = ["reference_layer_gradients", "check_layer_gradients"]

_GENERAL_HINT = (
    "∂L/∂w_k = (product of all weights except w_k) · dL/dp, with p = ∏ w and "
    "dL/dp = -2·mean(x·(y - p·x)). Return one number per layer."
)


def _cases():
    """(description, w) pairs the checker tries, from shallow to deep."""
    return [
        ("depth 1, w = [0.9]", [0.9]),
        ("depth 2, w = [0.5, -1.5]", [0.5, -1.5]),
        ("depth 3, w = [1.2, 0.7, -0.4]", [1.2, 0.7, -0.4]),
        ("depth 20, every w = 0.9", [0.9] * 20),
        ("depth 4 with a zero weight, w = [0.8, 0.0, 1.1, 0.6]", [0.8, 0.0, 1.1, 0.6]),
    ]


_grad64 = jax.jit(jax.grad(nets.narrow_loss))  # one compile per depth, not one per primitive


def reference_layer_gradients(w, x, y) -> np.ndarray:
    """`jax.grad(nets.narrow_loss)` at `w`, in double precision.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, -1.0]); y = 2.0 * x
      >>> reference_layer_gradients([1.0, 3.0], x, y).tolist()   # p = 3, dL/dp = 2
      [6.0, 2.0]
    """
    _checks.finite_array("w", w)
    _checks.array_shape("w", w, (None,), "(depth,), one weight per layer")
    check_xy(x, y)
    with jax.enable_x64():
        w64, x64, y64 = (jnp.asarray(np.asarray(a, dtype=np.float64)) for a in (w, x, y))
        return np.asarray(_grad64(w64, x64, y64))


def _hint(got, expected, description) -> str:
    got, expected = np.asarray(got, dtype=float), np.asarray(expected, dtype=float)
    if got.shape == expected.shape and np.all(np.isfinite(got)):
        if np.allclose(got, -expected, rtol=1e-3, atol=1e-6):
            return "Check the sign: the loss is (y - p·x)², so dL/dp = -2·mean(x·(y - p·x))."
        if np.allclose(got, 2 * expected, rtol=1e-3, atol=1e-6) or np.allclose(
            2 * got, expected, rtol=1e-3, atol=1e-6
        ):
            return "Check the factor 2 that comes from differentiating the square."
    if "zero weight" in description:
        return ("Do not compute the product of the others as p / w_k: it divides by zero when "
                "a weight is 0. Multiply the other weights instead (e.g. replace w_k by 1 and "
                "take the product).")
    return _GENERAL_HINT


@checker
def check_layer_gradients(grad_fn, x=None, y=None) -> CheckResult:
    """Check `grad_fn(w, x, y) -> ∂L/∂w` (one entry per layer) against `jax.grad`.

    `w`, `x` and `y` are passed as float32 JAX arrays; give both `x` and `y`, or
    neither for the lesson's `data.linear_regression_data(key=jax.random.key(0))`.
    This never raises: the learner's mistakes and a wrong call (only `x`, data
    that are empty, NaN or inf, mismatched shapes) come back as a message.

    Example:
      >>> import jax
      >>> check_layer_gradients(jax.grad(nets.narrow_loss))
      ✅ Correct: your gradients match jax.grad at depths 1, 2, 3, 20 and at a zero weight.
    """
    x, y = lesson_data_or(x, y)
    x, y = jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32)
    for description, w in _cases():
        w = jnp.asarray(w, dtype=jnp.float32)
        got, problem = call_answer(grad_fn, w, x, y)
        if problem is not None:
            return problem
        expected = reference_layer_gradients(w, x, y)
        if got is None:
            return failed(f"For {description}, your function returned None.",
                          "Did you forget the `return` statement?")
        try:
            got = np.asarray(got, dtype=float)
        except (TypeError, ValueError):
            return failed(f"For {description}, your function returned {got!r}, not numbers.",
                          _GENERAL_HINT)
        scale = float(np.max(np.abs(expected)))
        verdict = check_close(got, expected, what=f"the gradient for {description}",
                              hint=_hint(got, expected, description),
                              rtol=1e-3, atol=1e-5 * scale + 1e-7)
        if not verdict:
            return verdict
    return passed("Correct: your gradients match jax.grad at depths 1, 2, 3, 20 and at a zero weight.")
