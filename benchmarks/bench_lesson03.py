"""Lesson 03 (learning rate): slider latency of the playground, cost of its precomputed map."""

import time

import jax
import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.timing import median_ms, slider_latency_ms  # noqa: E402
from lesson_lib import data, nets, train  # noqa: E402
from lesson_lib.playground.learning_rate import LearningRatePlayground  # noqa: E402
from lesson_lib.sweep import lr_sweep  # noqa: E402


def run() -> str:
    x, y = data.linear_regression_data(key=jax.random.key(0))
    start = time.perf_counter()
    pg = LearningRatePlayground(x, y)
    build_s = time.perf_counter() - start
    # every regime: flat, slow, good, chaotic, diverging
    values = [float(v) for v in np.geomspace(1e-4, 10.0, 25)]
    latency = slider_latency_ms(pg, "lr", values, repeats=3)
    grid = len(pg.lrs)
    plt.close(pg.fig)

    w0 = nets.init_narrow(2)
    one_run = median_ms(lambda: train.gradient_descent(nets.narrow_loss, w0, 0.1, 100, args=(x, y)).losses
                        .block_until_ready())
    lrs = np.geomspace(1e-4, 10.0, grid)
    sweep = median_ms(lambda: lr_sweep(nets.narrow_loss, w0, lrs, 100, args=(x, y)), repeats=10)
    fine = np.linspace(0.1, 0.4, 301)
    edges = median_ms(lambda: lr_sweep(nets.narrow_loss, w0, fine, 2000, args=(x, y)), repeats=3, warmup=1)
    device = jax.devices()[0]
    return (
        "## Lesson 03: learning rate\n\n"
        f"Device: {device.platform} ({device.device_kind}).\n\n"
        "| what | time |\n| --- | --- |\n"
        f"| slider move → frame ready for the browser (median over 25 rates from 1e-4 to 10, ×3) | {latency:.1f} ms |\n"
        f"| one 100-step gradient-descent run, depth 2 | {one_run:.2f} ms |\n"
        f"| the playground's map: {grid} rates × 100 steps, one vmap | {sweep:.1f} ms |\n"
        f"| an edge-finding sweep: 301 rates × 2000 steps | {edges:.0f} ms |\n"
        f"| building the playground (first compile included) | {build_s:.1f} s |\n"
    )


if __name__ == "__main__":
    print(run())
