"""Lesson 02 (depth): slider latency of DepthPlayground, and JAX vs NumPy gradient descent at depth 50.

Run alone with `python -m benchmarks lesson02`.
"""

import jax
import matplotlib

matplotlib.use("Agg")  # headless: latency is measured to the finished Agg render

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.timing import median_ms, slider_latency_ms  # noqa: E402
from lesson_lib import data, nets, train  # noqa: E402
from lesson_lib.playground.depth import LR, STEPS, DepthPlayground, padded_init  # noqa: E402

DEPTH = 50
GD_STEPS = 1000


def numpy_loop(w, x, y, lr, steps):
    """Gradient descent the way classroom notebooks usually write it: a Python loop per step and per layer."""
    w = np.array(w, dtype=np.float64)
    losses = []
    for _ in range(steps):
        p = np.prod(w)
        losses.append(np.mean((y - p * x) ** 2))
        dL_dp = -2.0 * np.mean(x * (y - p * x))
        grad = np.array([np.prod(np.delete(w, i)) * dL_dp for i in range(w.size)])
        w = w - lr * grad
    return w, np.array(losses)


def numpy_vectorized(w, x, y, lr, steps):
    """A careful NumPy version: a Python loop over steps only (prefix/suffix products per step)."""
    w = np.array(w, dtype=np.float64)
    losses = np.empty(steps)
    for t in range(steps):
        p = np.prod(w)
        losses[t] = np.mean((y - p * x) ** 2)
        before = np.concatenate([[1.0], np.cumprod(w)[:-1]])
        after = np.concatenate([np.cumprod(w[::-1])[:-1][::-1], [1.0]])
        w = w - lr * before * after * (-2.0 * np.mean(x * (y - p * x)))
    return w, losses


def run() -> str:
    x, y = data.linear_regression_data(jax.random.key(0))
    xn, yn = np.asarray(x, np.float64), np.asarray(y, np.float64)

    pg = DepthPlayground(x, y)
    latency = slider_latency_ms(pg, "depth", [1, 5, 10, 20, 30, 40, 50, 25, 2], repeats=3)
    compute = median_ms(lambda: pg.descend(DEPTH).losses.block_until_ready(), repeats=20)
    full = median_ms(pg.fig.canvas.draw, repeats=5, warmup=1)
    plt.close(pg.fig)

    w0 = nets.init_narrow(DEPTH)
    padded = padded_init(DEPTH)
    masked = median_ms(lambda: train.gradient_descent(
        nets.masked_narrow_loss, padded, LR, GD_STEPS, args=(DEPTH, x, y)), repeats=10)
    plain = median_ms(lambda: train.gradient_descent(
        nets.narrow_loss, w0, LR, GD_STEPS, args=(x, y)), repeats=10)
    loop = median_ms(lambda: numpy_loop(w0, xn, yn, LR, GD_STEPS), repeats=3, warmup=1)
    vectorized = median_ms(lambda: numpy_vectorized(w0, xn, yn, LR, GD_STEPS), repeats=3, warmup=1)
    # Same trajectory, so the speed comparison is fair.
    _, ref_losses = numpy_vectorized(w0, xn, yn, LR, GD_STEPS)
    jax_losses = np.asarray(train.gradient_descent(
        nets.masked_narrow_loss, padded, LR, GD_STEPS, args=(DEPTH, x, y)).losses[:-1])
    agree = np.allclose(jax_losses, ref_losses, rtol=1e-2, atol=1e-5)

    device = jax.devices()[0]
    return (
        "## Lesson 02 — depth\n\n"
        f"Device: {device.platform} ({device.device_kind}).\n\n"
        f"- Depth slider (DepthPlayground, {STEPS} steps, padded to MAX_DEPTH={nets.MAX_DEPTH}): "
        f"**{latency:.1f} ms** median from setting the slider to the finished Agg render "
        f"(budget 30 ms); of which training alone {compute:.1f} ms. "
        f"A full redraw of the two log-axis panels would cost {full:.1f} ms.\n"
        f"- Gradient descent, depth {DEPTH}, {GD_STEPS} steps: JAX masked/padded {masked:.1f} ms, "
        f"JAX unpadded {plain:.1f} ms; NumPy per-step-and-layer loop {loop:.0f} ms "
        f"(**{loop / masked:.0f}×** slower than JAX masked), NumPy vectorized per step "
        f"{vectorized:.0f} ms ({vectorized / masked:.0f}×). Trajectories agree: {agree}.\n"
    )


if __name__ == "__main__":
    print(run())
