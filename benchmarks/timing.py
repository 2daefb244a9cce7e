"""Timing helpers for the benchmarks (never used by tests)."""

import statistics
import time


def median_ms(fn, repeats: int = 30, warmup: int = 3) -> float:
    """Median wall time of `fn()` in milliseconds, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)


def slider_latency_ms(playground, name: str, values, repeats: int = 3) -> float:
    """Median ms from setting `playground.controls[name].value` to the finished Agg render.

    The playground must live on an Agg canvas (headless): its observer recomputes
    and blits synchronously, so the setter returns once the frame is rendered.
    """
    control = playground.controls[name]
    playground.fig.canvas.draw()  # cache the background as a first display would
    times = []
    for _ in range(repeats):
        for value in values:
            start = time.perf_counter()
            control.value = value
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)
