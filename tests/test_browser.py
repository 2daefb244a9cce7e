"""Browser smoke test: a real JupyterLab in headless Chromium answers a slider with new pixels.

Runs notebook 03 top to bottom in JupyterLab, presses an arrow key on the
learning-rate slider's handle, and checks inside the page that the ipympl
canvas shows different pixels and a whole frame (not only the blitted
artists), with no error printed by the playground.
Skips (with how to install Chromium) when no Chromium is found, except in CI.
"""

import os

import pytest

from jupyter_browser import (
    CHROMIUM_ARGS, INSTALL_HINT, canvas_hash, find_chromium, jupyter_lab, key_with_room,
    opaque_fraction, open_and_run_all, playground_locators, wait_for_new_pixels,
)

NOTEBOOK = os.environ.get("LESSON_LIB_BROWSER_NOTEBOOK", "03_learning_rate.ipynb")
SLIDER = os.environ.get("LESSON_LIB_BROWSER_SLIDER", "learning rate")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    chromium = find_chromium()
    if chromium is None:
        if os.environ.get("LESSON_LIB_REQUIRE_BROWSER"):
            pytest.fail(INSTALL_HINT)
        pytest.skip(INSTALL_HINT)
    return {**browser_type_launch_args, "executable_path": chromium, "args": CHROMIUM_ARGS,
            "headless": True}


@pytest.fixture()
def lab(tmp_path):
    with jupyter_lab([NOTEBOOK], tmp_path) as url:
        yield url


def _settled_hash(canvas, page, quiet_ms=800, timeout_s=30):
    """The canvas hash once it has stopped changing for `quiet_ms` (first image arrived)."""
    last, stable_since = canvas_hash(canvas), 0.0
    for _ in range(int(timeout_s * 1000 / 100)):
        page.wait_for_timeout(100)
        current = canvas_hash(canvas)
        stable_since = stable_since + 100 if current == last else 0
        last = current
        if stable_since >= quiet_ms:
            return current
    return last


def test_slider_key_press_changes_the_plot(page, lab):
    page.set_default_timeout(60_000)
    open_and_run_all(page, lab, NOTEBOOK)
    output, handle, canvas = playground_locators(page, SLIDER)
    handle.scroll_into_view_if_needed()
    canvas.wait_for(state="visible")
    before = _settled_hash(canvas, page)
    handle.focus()
    key = key_with_room(handle)
    for _ in range(5):
        handle.press(key)
    wait_for_new_pixels(canvas, before)
    page.wait_for_timeout(500)
    # The whole figure is there (axes, ticks, labels), not just the blitted artists.
    assert opaque_fraction(canvas) > 0.99
    assert "This update failed" not in output.inner_text()
    errors = page.locator(".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
    assert "Traceback" not in " ".join(errors.all_inner_texts())
