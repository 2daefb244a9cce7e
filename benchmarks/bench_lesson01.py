"""Lesson 01 playground: slider latency of `LandscapePlayground` (kernel side).

For each slider, the median time from setting its value to its frame ready for the
browser (recompute a 150-step trajectory, record the path and the loss curve), over
a sweep of its whole range including divergent learning rates. Budget: 30 ms.
"""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.timing import median_ms, slider_latency_ms  # noqa: E402
from lesson_lib.compilation import count_compilations  # noqa: E402
from lesson_lib.nets import narrow_loss  # noqa: E402
from lesson_lib.playground.landscape import LandscapePlayground  # noqa: E402
from lesson_lib.train import gradient_descent  # noqa: E402

BUDGET_MS = 30.0
SWEEPS = {
    "w1": np.linspace(-2.5, 2.5, 21),
    "w2": np.linspace(-2.5, 2.5, 21),
    "lr": np.geomspace(1e-3, 1.0, 21),
}


def run() -> str:
    pg = LandscapePlayground()
    pg.fig.canvas.draw()
    w0 = np.array([0.5, -1.5], np.float32)
    trajectory_ms = median_ms(
        lambda: gradient_descent(narrow_loss, w0, 0.05, pg.steps, args=pg._args).losses
        .block_until_ready()
    )
    full_draw_ms = median_ms(pg.fig.canvas.draw, repeats=5, warmup=1)
    rows = []
    with count_compilations() as count:
        for name, values in SWEEPS.items():
            pg.controls["w1"].value, pg.controls["w2"].value, pg.controls["lr"].value = 0.5, -1.5, 0.05
            latency = slider_latency_ms(pg, name, [float(v) for v in values], repeats=3)
            verdict = "ok" if latency <= BUDGET_MS else "over budget"
            rows.append(f"| {name} | {values[0]:.3g} … {values[-1]:.3g} | {latency:.1f} | {verdict} |")
    plt.close(pg.fig)
    return "\n".join([
        "## Lesson 01: landscape playground (start w1, start w2, learning rate)",
        "",
        f"Median ms from setting a slider to its frame ready for the browser ({pg.steps} GD steps, "
        f"two panels, blitted), budget {BUDGET_MS:.0f} ms; each slider swept over 21 values × 3.",
        "",
        "| slider | range | median ms | |",
        "| --- | --- | ---: | --- |",
        *rows,
        "",
        f"- one {pg.steps}-step trajectory alone: {trajectory_ms:.2f} ms; a full redraw of the "
        f"figure (what blitting avoids): {full_draw_ms:.0f} ms",
        f"- JAX compilations during all sweeps: {count.compiles}",
        "",
    ])


if __name__ == "__main__":
    print(run())
