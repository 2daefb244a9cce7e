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


def open_view(playground, sent: list | None = None) -> None:
    """Attach a stand-in browser view to `playground.canvas`: frames are recorded, not sent.

    From then on every update takes the live path a real browser gets (compute,
    move the artists, record them as drawing operations, hand them to the
    comm), minus the network.
    """
    canvas = playground.canvas
    canvas.send = (lambda content, buffers=None: None) if sent is None else (
        lambda content, buffers=None: sent.append((content, buffers)))
    canvas._on_message(canvas, {"type": "ready", "ratio": 1.0}, [])


def slider_latency_ms(playground, name: str, values, repeats: int = 3) -> float:
    """Median ms from setting `playground.controls[name].value` to its frame being ready to send.

    The observer recomputes and records the moving artists synchronously, so the
    setter returns once the frame for the browser is built (the browser's own
    share, websocket and drawing, is what `bench_browser` measures).
    """
    control = playground.controls[name]
    open_view(playground)
    times = []
    for _ in range(repeats):
        for value in values:
            start = time.perf_counter()
            control.value = value
            times.append((time.perf_counter() - start) * 1e3)
    return statistics.median(times)
