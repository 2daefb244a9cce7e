"""Gradient descent on a depth-50 narrow network, 1000 steps: JAX (one lax.scan) vs NumPy loops.

The NumPy reference is the tests' own (`tests/references.narrow_gd`), written the way
classroom notebooks usually write it: a Python loop over steps, and inside it a loop over
layers for the gradient `∂L/∂w_i = ∂L/∂p · ∏_{j≠i} w_j`. A vectorized NumPy version (one product per
step, `∏_{j≠i} w_j` from prefix and suffix products) is timed too, for honesty.
"""

import jax
import numpy as np

from benchmarks.timing import median_ms
from lesson_lib.data import linear_regression_data
from lesson_lib.nets import init_narrow, narrow_loss
from lesson_lib.train import gradient_descent
from tests.references import narrow_gd

DEPTH, STEPS, LR, INIT = 50, 1000, 0.02, 0.99


def numpy_vectorized(w0, x, y, lr, steps):
    """NumPy with the layer loop vectorized (prefix × suffix products)."""
    w = np.array(w0, dtype=np.float64)
    losses = np.empty(steps)
    for t in range(steps):
        p = np.prod(w)
        error = y - p * x
        losses[t] = np.mean(error**2)
        before = np.concatenate([[1.0], np.cumprod(w[:-1])])
        after = np.concatenate([np.cumprod(w[::-1][:-1])[::-1], [1.0]])
        w = w - lr * (-2.0 * np.mean(error * x)) * before * after
    return w, losses


def run() -> str:
    x, y = linear_regression_data(key=jax.random.key(0))
    xn, yn = np.asarray(x, np.float64), np.asarray(y, np.float64)
    w0 = init_narrow(DEPTH, INIT)

    def jax_run():
        return gradient_descent(narrow_loss, w0, LR, STEPS, args=(x, y)).losses.block_until_ready()

    first_loss = np.asarray(jax_run())
    reference = narrow_gd(np.asarray(w0), xn, yn, LR, STEPS)[1]
    agree = np.allclose(first_loss, reference[:len(first_loss)], rtol=1e-3, atol=1e-6)
    jax_ms = median_ms(jax_run, repeats=50)
    loop_ms = median_ms(lambda: narrow_gd(np.asarray(w0), xn, yn, LR, STEPS), repeats=3, warmup=1)
    vec_ms = median_ms(lambda: numpy_vectorized(np.asarray(w0), xn, yn, LR, STEPS), repeats=5, warmup=1)
    return (
        "## Gradient descent, depth 50, 1000 steps (100 data points)\n\n"
        f"Same data, lr {LR}, init {INIT}; JAX's losses agree with the NumPy loop's: {agree}.\n\n"
        "| implementation | median time | JAX speed-up |\n|---|---:|---:|\n"
        f"| `train.gradient_descent` (jit, one `lax.scan`, float32) | {jax_ms:.2f} ms | 1× |\n"
        f"| NumPy, loop over steps and layers (classroom style) | {loop_ms:.0f} ms | {loop_ms / jax_ms:.0f}× |\n"
        f"| NumPy, loop over steps, layers vectorized | {vec_ms:.1f} ms | {vec_ms / jax_ms:.0f}× |\n"
    )
