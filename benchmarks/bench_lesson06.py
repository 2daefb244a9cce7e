"""Lesson 06 playgrounds: slider latency and Play animation frame rate (headless, Agg)."""

import os
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from benchmarks.timing import median_ms, slider_latency_ms  # noqa: E402
from lesson_lib import optim  # noqa: E402
from lesson_lib.playground.optimizers import (  # noqa: E402
    MiniBatchPlayground,
    OptimizerRacePlayground,
)


def play_frames_per_second(playground, steps: int) -> float:
    """Frames per second when the Play control steps through 0..steps (set value -> frame ready for the browser)."""
    control = playground.controls["step"]
    control.value = 0
    start = time.perf_counter()
    for step in range(1, steps + 1):
        control.value = step
    return steps / (time.perf_counter() - start)


def run() -> str:
    race = OptimizerRacePlayground(steps=200)
    race.fig.canvas.draw()
    for name in race.courses:  # warm-up: compile every landscape's loops once
        race.controls["landscape"].value = name
    race.controls["landscape"].value = next(iter(race.courses))
    lrs = [float(v) for v in np.geomspace(1e-3, 0.1, 8)]
    rows = [
        ("race: lr slider (5 optimizers × 200 steps recomputed)",
         slider_latency_ms(race, "lr", lrs)),
        ("race: momentum slider", slider_latency_ms(race, "momentum", [0.5, 0.7, 0.8, 0.9, 0.95])),
        ("race: Adam β1 slider", slider_latency_ms(race, "b1", [0.5, 0.7, 0.8, 0.9, 0.95])),
        ("race: step (Play) frame", slider_latency_ms(race, "step", list(range(0, 201, 10)))),
    ]
    names = list(race.courses)
    landscape_ms = slider_latency_ms(race, "landscape", names[1:] + names[:1], repeats=1)
    race.controls["step"].value = 200
    fps = play_frames_per_second(race, 200)
    noise = MiniBatchPlayground()
    noise.fig.canvas.draw()
    rows.append(("mini-batch: batch-size slider", slider_latency_ms(noise, "batch_size",
                                                                    [1, 2, 4, 8, 16, 32, 64])))
    rows.append(("mini-batch: lr slider", slider_latency_ms(noise, "lr", lrs)))
    make_us = 1e3 * median_ms(lambda: optim.make("adam", learning_rate=0.1, b1=0.8), repeats=200)
    lines = [
        "## Lesson 06: optimizer race and mini-batch noise",
        "",
        "Median ms from setting a control to its frame ready for the browser (target ≤ 30 ms).",
        "",
        "| control | median ms |",
        "| --- | --- |",
        *[f"| {name} | {ms:.1f} |" for name, ms in rows],
        f"| race: landscape dropdown (full redraw of contours and axes) | {landscape_ms:.1f} |",
        "",
        f"- Load average while measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores.",
        f"- Play animation through 200 steps: {fps:.0f} frames/s (target ≥ 20).",
        f"- `optim.make('adam', ...)`: {make_us:.0f} µs per call.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
