"""Lesson 02 (depth): slider latency of DepthPlayground, and the cost of padding to MAX_DEPTH.

(JAX vs NumPy gradient descent at depth 50 is `bench_gd.py`.) Run alone with
`python -m benchmarks lesson02`.
"""

import jax
import matplotlib

matplotlib.use("Agg")  # headless: latency is measured to its frame ready for the browser

import matplotlib.pyplot as plt  # noqa: E402

from benchmarks.timing import median_ms, slider_latency_ms  # noqa: E402
from lesson_lib import data, nets, train  # noqa: E402
from lesson_lib.playground.depth import LR, STEPS, DepthPlayground  # noqa: E402

DEPTH = 50
GD_STEPS = 1000


def run() -> str:
    x, y = data.linear_regression_data(key=jax.random.key(0))
    pg = DepthPlayground(x, y)
    latency = slider_latency_ms(pg, "depth", [1, 5, 10, 20, 30, 40, 50, 25, 2], repeats=3)
    compute = median_ms(lambda: pg.descend(DEPTH).losses.block_until_ready(), repeats=20)
    full = median_ms(pg.fig.canvas.draw, repeats=5, warmup=1)
    plt.close(pg.fig)

    w0 = nets.init_narrow(DEPTH)
    padded = nets.pad_narrow(w0)
    masked = median_ms(lambda: train.gradient_descent(
        nets.masked_narrow_loss, padded, LR, GD_STEPS, args=(DEPTH, x, y)).losses.block_until_ready(),
        repeats=10)
    plain = median_ms(lambda: train.gradient_descent(
        nets.narrow_loss, w0, LR, GD_STEPS, args=(x, y)).losses.block_until_ready(), repeats=10)
    return (
        "## Lesson 02 — depth\n\n"
        f"- Depth slider (DepthPlayground, {STEPS} steps, padded to MAX_DEPTH={nets.MAX_DEPTH}): "
        f"**{latency:.1f} ms** median from setting the slider to its frame ready for the browser "
        f"(budget 30 ms); of which training alone {compute:.1f} ms. "
        f"A full redraw of the two log-axis panels would cost {full:.1f} ms.\n"
        f"- The price of one compiled function for every depth: gradient descent at depth {DEPTH}, "
        f"{GD_STEPS} steps, padded and masked to {nets.MAX_DEPTH} layers {masked:.1f} ms vs "
        f"unpadded {plain:.1f} ms.\n"
    )
