"""Where the student is: JupyterLab in headless Chromium, key press to new pixels, drag frame rate.

One JupyterLab serves copies of every lesson and of a yardstick notebook: the
trivial ipympl playground (one 6 × 4 in line plot, `set_data` + `draw_idle`).
At device pixel ratio 1 and 2, each lesson is opened and run top to bottom;
then, for the first slider of each playground:
- key press → new pixels: a PageUp/PageDown press, timed *inside the page*
  from the trusted `keydown` event to the first animation frame at which the
  playground's canvas shows other pixels, watched by the page itself (the
  kernel's compute, the websocket both ways, the browser's drawing, all
  included; the test driver's round trips not);
- frames per second while dragging: the mouse holds the slider's handle and
  moves every ~16 ms for 2 s; an animation-frame loop in the page counts the
  frames whose canvas pixels changed.
Also: cold start (opening a lesson to its first interactive plot after Run All,
first open with an empty JAX compilation cache vs second open).
"""

import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from jupyter_browser import (  # noqa: E402
    CHROMIUM_ARGS, PLAYGROUND_OUTPUT, ROOT, find_chromium, jupyter_server, key_with_room,
    open_and_run_all,
)

PRESSES = 15
DRAG_S = 2.0
YARDSTICK = "00_yardstick_ipympl.ipynb"
YARDSTICK_CELLS = [
    "%matplotlib widget\nimport ipywidgets as widgets\nimport matplotlib.pyplot as plt\nimport numpy as np",
    "with plt.ioff():\n    fig, ax = plt.subplots(figsize=(6, 4))\n"
    "x = np.linspace(0, 1, 200)\n(line,) = ax.plot(x, np.sin(6 * x))\nax.set_ylim(-2, 2)\n"
    "slider = widgets.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.01, description='frequency')\n"
    "def on_change(change):\n    line.set_ydata(np.sin(6 * slider.value * x))\n    fig.canvas.draw_idle()\n"
    "slider.observe(on_change, names='value')\nwidgets.VBox([slider, fig.canvas])",
]

HASH_JS = """(c) => {
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 2166136261 >>> 0;
  for (let i = 0; i < d.length; i += 4 * 7) h = Math.imul(h ^ d[i] ^ (d[i+1] << 8) ^ (d[i+2] << 16), 16777619) >>> 0;
  return h;
}"""

ARM_JS = f"""(c) => {{
  // Before a key press: note the trusted keydown's time, and watch the canvas on every
  // animation frame from now on; the first frame with other pixels is the answer. All
  // in the page, so the test driver's own round trips never enter the figure.
  const hash = {HASH_JS};
  const before = hash(c);
  window.__keyAt = null; window.__pixelsAt = null;
  document.addEventListener('keydown', () => {{ window.__keyAt = performance.now(); }},
                            {{capture: true, once: true}});
  const started = performance.now();
  function watch() {{
    if (window.__keyAt !== null && hash(c) !== before) {{ window.__pixelsAt = performance.now(); return; }}
    if (performance.now() - started < 15000) requestAnimationFrame(watch);
  }}
  requestAnimationFrame(watch);
}}"""


COUNT_FRAMES_JS = f"""([c, seconds]) => {{
  // Starts an animation-frame loop that counts the frames whose canvas pixels changed;
  // the count lands in window.__framesPerSecond when `seconds` have passed.
  const hash = {HASH_JS};
  let last = hash(c), changed = 0;
  const start = performance.now();
  window.__framesPerSecond = null;
  function tick() {{
    const now = hash(c);
    if (now !== last) {{ changed += 1; last = now; }}
    if (performance.now() - start < seconds * 1000) requestAnimationFrame(tick);
    else window.__framesPerSecond = changed / seconds;
  }}
  requestAnimationFrame(tick);
}}"""


def _write_yardstick(folder: Path) -> None:
    cells = [{"cell_type": "code", "metadata": {}, "source": src, "outputs": [], "execution_count": None}
             for src in YARDSTICK_CELLS]
    notebook = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}},
                "nbformat": 4, "nbformat_minor": 5}
    (folder / YARDSTICK).write_text(json.dumps(notebook))


def _press_latencies(page, handle, canvas) -> list[float]:
    latencies = []
    handle.focus()
    for _ in range(PRESSES):
        page.wait_for_timeout(250)
        canvas.evaluate(ARM_JS)
        handle.press(key_with_room(handle, page_keys=True))
        page.wait_for_function("() => window.__pixelsAt !== null", timeout=15_000)
        latencies.append(float(page.evaluate("() => window.__pixelsAt - window.__keyAt")))
    return latencies


def _drag_fps(page, handle, canvas) -> float:
    box = handle.bounding_box()
    track = handle.locator("xpath=ancestor::*[contains(@class,'noUi-target')]").first.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    left, right = track["x"] + 4, track["x"] + track["width"] - 4
    page.mouse.move(x, y)
    page.mouse.down()
    page.evaluate(COUNT_FRAMES_JS, [canvas.element_handle(), DRAG_S])
    start, step = time.perf_counter(), 0
    while time.perf_counter() - start < DRAG_S:
        step += 1
        phase = (step * 0.016 / DRAG_S) % 1.0  # sweep across the track and back
        position = left + (right - left) * (2 * phase if phase < 0.5 else 2 - 2 * phase)
        page.mouse.move(position, y)
        time.sleep(0.016)
    page.mouse.up()
    page.wait_for_function("() => window.__framesPerSecond !== null", timeout=10_000)
    return float(page.evaluate("() => window.__framesPerSecond"))


def _canvas_of(output, yardstick: bool):
    selector = ".jupyter-matplotlib-canvas-div canvas" if yardstick else "canvas.lesson-live-canvas"
    return output.locator(selector).first


def measure_notebook(context, url: str, notebook: str) -> list[dict]:
    page = context.new_page()
    page.set_default_timeout(240_000)
    start = time.perf_counter()
    open_and_run_all(page, url, notebook)
    yardstick = notebook == YARDSTICK
    outputs = page.locator(".jp-OutputArea-output:has(.jupyter-matplotlib)" if yardstick else PLAYGROUND_OUTPUT)
    _canvas_of(outputs.first, yardstick).wait_for(state="visible")
    ready_s = time.perf_counter() - start
    rows = []
    for index in range(outputs.count()):
        output = outputs.nth(index)
        output.scroll_into_view_if_needed()
        handles = output.locator(".widget-slider .noUi-handle")
        visible = [handles.nth(i) for i in range(handles.count()) if handles.nth(i).is_visible()]
        if not visible:
            continue
        handle, canvas = visible[0], _canvas_of(output, yardstick)
        label = visible[0].locator("xpath=ancestor::*[contains(@class,'widget-slider')]").first \
            .locator(".widget-label").first.inner_text()
        page.wait_for_timeout(1000)
        latencies = _press_latencies(page, handle, canvas)
        fps = _drag_fps(page, handle, canvas)
        rows.append({"notebook": notebook, "playground": index, "slider": label,
                     "median_ms": statistics.median(latencies), "max_ms": max(latencies),
                     "fps": fps, "ready_s": ready_s})
    page.close()
    return rows


def measure(notebooks: list[str]) -> dict:
    from playwright.sync_api import sync_playwright

    results = {}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        tmp = Path(tmp)
        (tmp / "extra").mkdir()
        _write_yardstick(tmp / "extra")
        cache = tmp / "jax-cache"
        os.environ["LESSON_LIB_JAX_CACHE"] = str(cache)  # first open: an empty compilation cache
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        with jupyter_server(notebooks, tmp / "server", "lab", extra=[tmp / "extra" / YARDSTICK]) as url:
            for ratio in (1, 2):
                context = browser.new_context(viewport={"width": 1280, "height": 800},
                                              device_scale_factor=ratio)
                for notebook in [YARDSTICK, *notebooks]:
                    results.setdefault(ratio, []).extend(measure_notebook(context, url, notebook))
                context.close()
        browser.close()
    return results


def _table(rows_1, rows_2) -> str:
    lines = ["| lesson | playground: first slider | ratio 1: key → pixels (median / max) | ratio 1: drag fps "
             "| ratio 2: key → pixels (median / max) | ratio 2: drag fps |",
             "| --- | --- | ---: | ---: | ---: | ---: |"]
    for a, b in zip(rows_1, rows_2):
        name = "yardstick: trivial ipympl plot" if a["notebook"] == YARDSTICK else a["notebook"].removesuffix(".ipynb")
        lines.append(f"| {name} | {a['playground']}: {a['slider']} | {a['median_ms']:.0f} / {a['max_ms']:.0f} ms "
                     f"| {a['fps']:.0f} | {b['median_ms']:.0f} / {b['max_ms']:.0f} ms | {b['fps']:.0f} |")
    return "\n".join(lines) + "\n"


def run() -> str:
    title = "## In the browser: key press → new pixels, and frames per second while dragging\n\n"
    if find_chromium() is None:
        return title + "Not measured: no Chromium found.\n"
    notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    results = measure(notebooks)
    rows_1, rows_2 = results[1], results[2]
    lessons = [r for r in rows_1 + rows_2 if r["notebook"] != YARDSTICK]
    yard = [r for r in rows_1 + rows_2 if r["notebook"] == YARDSTICK]
    worst = max(r["median_ms"] for r in lessons)
    slowest_fps = min(r["fps"] for r in lessons)
    cold = {r["notebook"]: r["ready_s"] for r in rows_1}
    warm = {r["notebook"]: r["ready_s"] for r in rows_2}
    return title + (
        "JupyterLab 4 with this environment's server (TCP_NODELAY on kernel websockets), headless "
        "Chromium, a 1280 × 800 window, device pixel ratio 1 and 2, this machine's 2 cores shared by "
        f"server, kernel and browser. Key press → pixels: {PRESSES} PageUp/PageDown presses per "
        "slider, timed in the page from `keydown` to the first animation frame with new canvas "
        f"pixels. Drag: {DRAG_S:.0f} s of mouse moves every ~16 ms along the handle's track; frames "
        "counted in the page. Targets: ≤ 50 ms and ≥ 30 frames/s.\n\n"
        + _table(rows_1, rows_2) + "\n"
        f"- Every lesson playground: worst median key → pixels {worst:.0f} ms, lowest drag rate "
        f"{slowest_fps:.0f} frames/s; the ipympl yardstick in the same run: "
        f"{min(r['median_ms'] for r in yard):.0f}–{max(r['median_ms'] for r in yard):.0f} ms, "
        f"{min(r['fps'] for r in yard):.0f}–{max(r['fps'] for r in yard):.0f} frames/s.\n"
        "- Cold start, opening a lesson to its first interactive plot after Run All (first open "
        "with an empty JAX compilation cache → second open): "
        + ", ".join(f"{n[:2]} {cold[n]:.0f} → {warm[n]:.0f} s" for n in sorted(cold) if n != YARDSTICK)
        + ".\n"
    )


if __name__ == "__main__":
    print(run())
