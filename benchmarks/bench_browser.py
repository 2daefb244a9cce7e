"""End to end in a real browser: slider key press -> new pixels on the ipympl canvas.

JupyterLab in headless Chromium runs a lesson, then we press ArrowRight on its
learning-rate slider and time, inside the page, how long until the canvas's
pixels change. This includes the websocket round trip, the kernel's update
and blit, PNG encoding and the browser's paint: what a learner feels.
"""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from jupyter_browser import (  # noqa: E402
    CHROMIUM_ARGS, canvas_hash, find_chromium, jupyter_lab, key_with_room, open_and_run_all,
    playground_locators, wait_for_new_pixels,
)

NOTEBOOK = os.environ.get("LESSON_LIB_BROWSER_NOTEBOOK", "03_learning_rate.ipynb")
SLIDER = os.environ.get("LESSON_LIB_BROWSER_SLIDER", "learning rate")
PRESSES = 20


def measure() -> list[float]:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp, jupyter_lab([NOTEBOOK], Path(tmp)) as url, \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1000})
        page.set_default_timeout(120_000)
        open_and_run_all(page, url, NOTEBOOK)
        _, handle, canvas = playground_locators(page, SLIDER)
        handle.scroll_into_view_if_needed()
        canvas.wait_for(state="visible")
        time.sleep(2)
        handle.focus()
        latencies = []
        for _ in range(PRESSES):
            # PageUp/PageDown move the slider 5 steps (0.05 decades): always a visible change,
            # where one 0.01-decade step can leave every pixel as it was.
            before = canvas_hash(canvas)
            handle.press(key_with_room(handle, page_keys=True))
            latencies.append(wait_for_new_pixels(canvas, before) * 1e3)
            time.sleep(0.2)
        browser.close()
        return latencies


def run() -> str:
    title = f"## Browser: slider key press to new pixels (`{NOTEBOOK}`, JupyterLab + ipympl, headless Chromium)\n\n"
    if find_chromium() is None:
        return title + "Not measured: no Chromium found.\n"
    latencies = measure()
    return title + (
        f"{PRESSES} PageUp/PageDown presses (5 slider steps each) on the '{SLIDER}' slider, each timed in the page until the canvas "
        f"pixels change: median {statistics.median(latencies):.0f} ms, "
        f"min {min(latencies):.0f} ms, max {max(latencies):.0f} ms.\n"
    )
