"""The browser suite: every playground of every lesson in headless Chromium, for one front end.

`test_browser_lab.py` and `test_browser_notebook.py` run it in JupyterLab and in
Notebook 7 (two files, so the two front ends run side by side under xdist).
For each front end one server serves the lessons' playgrounds editions: each
lesson's code cells that its playgrounds need (`write_playgrounds_edition`:
the setup cell, the cells that show a playground, and the cells that define
what they use). The lessons' other cells, their experiments and static
figures, are run and checked by strict nbval; executing them again in two
front ends would triple the browser time. The lessons open one after the other
in one page per front end (JupyterLab loads once), each run top to bottom, its
kernel shut down when its test ends. Then every visible slider, dropdown, Play and
button of every playground is used in turn, as a learner would, and after each
a plot must show new pixels; then the first slider is dragged towards its
farther end for 0.6 s (from inside the page, one mouse move per animation
frame): its handle must never jump back, and a plot must change whenever the
drag crossed values. At the end: every live canvas is a whole opaque picture,
no playground printed an error, and no figure is wider than its output area in
a 1280 × 800 window.
Skips (with how to install Chromium) when no Chromium is found, except in CI.
"""

import os
from pathlib import Path

import pytest

from jupyter_browser import (
    CHROMIUM_ARGS, INSTALL_HINT, PLAYGROUND_OUTPUT, drag_in_page, find_chromium, jupyter_server,
    close_notebook, open_and_run_all, opaque_fraction, plot_hash, use_control, visible_controls,
    wait_for_plot_change, wait_until_drawn, went_back, wide_figures, write_playgrounds_edition,
)

LESSONS = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(p.name for p in LESSONS.glob("*.ipynb"))

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


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 800}}


@pytest.fixture(scope="module")
def server(front_end, tmp_path_factory):
    editions = tmp_path_factory.mktemp(f"{front_end}-playgrounds")
    lessons = [write_playgrounds_edition(LESSONS / name, editions) for name in NOTEBOOKS]
    with jupyter_server([], tmp_path_factory.mktemp(front_end), front_end, extra=lessons) as url:
        yield front_end, url


@pytest.fixture(scope="module")
def lesson_page(browser, browser_context_args):
    """One page per front end: the lessons open one after the other in it."""
    context = browser.new_context(**browser_context_args)
    page = context.new_page()
    page.set_default_timeout(60_000)
    yield page
    context.close()


@pytest.fixture
def lesson(lesson_page, server):
    """Open a lesson (the test's `notebook`) and run it; afterwards shut its kernel down."""
    front_end, url = server

    def open_lesson(notebook):
        open_and_run_all(lesson_page, url, notebook, front_end=front_end)
        return lesson_page

    yield open_lesson
    close_notebook(lesson_page)


@pytest.mark.parametrize("notebook", NOTEBOOKS)
def test_every_control_of_every_playground_changes_a_plot(lesson, server, notebook):
    front_end, _ = server
    page = lesson(notebook)
    outputs = page.locator(PLAYGROUND_OUTPUT)
    assert outputs.count() >= 1, f"{notebook}: no live figure shown"
    silent, used = [], 0
    for index in range(outputs.count()):
        output = outputs.nth(index)
        output.scroll_into_view_if_needed()
        output.locator("canvas.lesson-live-canvas").first.wait_for(state="visible")
        assert wait_until_drawn(output), f"{notebook}: live figure {index} never drew"
        for kind, control in visible_controls(output):  # a live dashboard may have none
            page.wait_for_timeout(150)  # let a previous update finish drawing
            before = plot_hash(output)
            action = use_control(kind, control)
            used += 1
            # A button may start a whole training run (lesson 09's "train again"): more time.
            if not wait_for_plot_change(output, before, 30.0 if kind == "button" else 10.0):
                silent.append(f"playground {index}: no plot changed after {action}")
            if kind == "play":  # stop the animation before the next control
                output.locator(".widget-play button:has(.fa-stop)").first.click()
        sliders = [c for kind, c in visible_controls(output) if kind == "slider"]
        if sliders:
            page.wait_for_timeout(150)
            before = plot_hash(output)
            drag = drag_in_page(sliders[0], output.locator("canvas.lesson-live-canvas").first,
                                seconds=0.6, back=False)
            if went_back(drag):
                silent.append(f"playground {index}: the dragged slider jumped back: {drag['values']}")
            if drag["changes"] and not wait_for_plot_change(output, before, 10.0):
                silent.append(f"playground {index}: no plot changed while its first slider was dragged")
        for canvas in output.locator("canvas.lesson-live-canvas").all():
            assert opaque_fraction(canvas) > 0.99, f"{notebook}: a canvas is not a whole picture"
        text = output.inner_text()
        assert "This update failed" not in text and "Traceback" not in text, text[-2000:]
    assert used, f"{notebook}: no playground control found"
    assert not silent, f"{notebook} ({front_end}): " + "; ".join(silent)
    assert not wide_figures(page), f"{notebook} ({front_end}): figures wider than the output area"
