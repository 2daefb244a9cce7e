"""Lesson 07: schedule playground latency and the LR range test on load_digits."""

import time

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402

from benchmarks.timing import median_ms, slider_latency_ms  # noqa: E402


def _digits_range_test_seconds():
    import jax
    import jax.numpy as jnp
    import optax
    from sklearn.datasets import load_digits

    from lesson_lib.range_test import lr_range_test
    from lesson_lib.mlp import init_mlp, mlp_apply

    x, y = load_digits(return_X_y=True)
    x = jnp.asarray(x / 16.0, jnp.float32)
    y = jnp.asarray(y, jnp.int32)

    def loss(params, batch):
        xb, yb = batch
        return optax.softmax_cross_entropy_with_integer_labels(mlp_apply(params, xb), yb).mean()

    def batch_fn(key, step):
        idx = jax.random.randint(key, (64,), 0, x.shape[0])
        return x[idx], y[idx]

    params = init_mlp((64, 64, 10), key=jax.random.key(0))
    start = time.perf_counter()
    first = lr_range_test(loss, params, "momentum", min_lr=1e-4, max_lr=10.0, steps=100,
                          batch_fn=batch_fn)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    lr_range_test(loss, params, "momentum", min_lr=1e-4, max_lr=10.0, steps=100,
                  batch_fn=batch_fn)
    warm = time.perf_counter() - start
    return cold, warm, first.suggested_lr


def run() -> str:
    from lesson_lib.playground.schedules import SCHEDULES, SchedulePlayground

    start = time.perf_counter()
    pg = SchedulePlayground()
    build_s = time.perf_counter() - start
    lrs = list(np.geomspace(1e-3, 1.0, 12))
    rows = []
    for name in SCHEDULES:
        pg.controls["schedule"].value = name
        rows.append((name, slider_latency_ms(pg, "lr", lrs, repeats=2)))
    names = list(SCHEDULES)
    state = {"i": 0}

    def switch():
        state["i"] += 1
        pg.controls["schedule"].value = names[state["i"] % len(names)]

    switch_ms = median_ms(switch, repeats=14, warmup=2)
    cold, warm, suggested = _digits_range_test_seconds()
    lines = [
        "## Lesson 07: learning-rate schedules",
        "",
        f"- `SchedulePlayground()` built (every schedule compiled once): {build_s:.2f} s",
        "- slider move (`lr`) to frame ready for the browser, median ms:",
        "",
        "| schedule | ms |",
        "|---|---|",
        *[f"| {name} | {ms:.1f} |" for name, ms in rows],
        "",
        f"- schedule dropdown switch (full redraw of the figure): {switch_ms:.1f} ms median",
        f"- LR range test, 64-64-10 MLP on load_digits, 100 mini-batch steps: "
        f"{cold:.2f} s first call (compiles), {warm:.2f} s repeated; "
        f"suggested lr {suggested:.1e}",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run())
