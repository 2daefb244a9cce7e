"""Lesson 05: slider-to-frame latency of the initialization playground (Agg, headless)."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from benchmarks.timing import median_ms, slider_latency_ms  # noqa: E402


def run() -> str:
    import matplotlib.pyplot as plt

    from lesson_lib.playground.initialization import GAIN_RANGE, InitializationPlayground

    pg = InitializationPlayground()
    pg.controls["nonlinearity"].value = "relu"
    rows = []
    gains = list(np.linspace(GAIN_RANGE[0], GAIN_RANGE[1], 12))
    for name, values in (
        ("gain (depth 10)", gains),
        ("depth 1..20", list(range(1, pg.max_depth + 1))),
        ("nonlinearity", ["linear", "tanh", "relu"] * 2),
        ("scheme", ["he_normal", "orthogonal", "xavier_uniform", "xavier_normal"]),
    ):
        control = name.split(" ")[0]
        if control == "gain":
            pg.controls["depth"].value = 10
        rows.append((name, slider_latency_ms(pg, control, values)))
    pg.controls["depth"].value = pg.max_depth
    rows.append(("gain (depth 20)", slider_latency_ms(pg, "gain", gains)))
    compute = median_ms(lambda: pg.compute(20, "xavier_normal", "tanh", 1.3), repeats=15)
    blit = median_ms(pg.canvas.update, repeats=15)
    plt.close(pg.fig)
    width, batch = pg._x.shape[1], pg._x.shape[0]
    lines = [
        "## Lesson 05: initialization playground",
        "",
        f"`InitializationPlayground()` ({width} units, {batch} inputs, up to {pg.max_depth} layers): "
        "median ms from setting a control to its frame ready for the browser (forward and backward "
        "pass, 2 × 20 histograms, recorded for the browser). Budget: 30 ms.",
        "",
        "| control | median ms |",
        "| --- | --- |",
        *[f"| {name} | {ms:.1f} |" for name, ms in rows],
        f"| (compute only, depth 20) | {compute:.1f} |",
        f"| (recording the frame only) | {blit:.1f} |",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
