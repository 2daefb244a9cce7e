"""`LiveCanvas.link` in a real browser: JupyterLab and Notebook 7, headless Chromium, a toy.

The toy (`jupyter_browser.linked_toy_cells`) is a figure, a slider moving a line
and a `LiveCanvas` linked to the slider; a label under it reports what the
kernel applied. The slider is dragged from inside the page (one mouse move per
animation frame), as a student would drag it.
"""

import re

import pytest

from browser_suite import browser_context_args, browser_type_launch_args  # noqa: F401  (fixtures)
from jupyter_browser import (
    PLAYGROUND_OUTPUT, drag_in_page, jupyter_server, key_with_room, linked_toy_cells,
    opaque_fraction, open_and_run_all, plot_hash, wait_for_plot_change, wait_until_drawn, went_back,
    write_notebook,
)

pytestmark = pytest.mark.browser

REPORT = re.compile(r"applied (\d+) linked (\d+) backwards (\d+) value ([\d.]+)")


@pytest.fixture(scope="module", params=["lab", "notebook"])
def toy_page(request, browser, tmp_path_factory):
    front_end = request.param
    folder = tmp_path_factory.mktemp(f"link-{front_end}")
    notebook = write_notebook(folder / "toy_linked.ipynb", linked_toy_cells(link=True))
    with jupyter_server([], folder / "server", front_end, extra=[notebook]) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_and_run_all(page, url, notebook.name, front_end=front_end)
        output = page.locator(PLAYGROUND_OUTPUT).first
        output.locator("canvas.lesson-live-canvas").first.wait_for(state="visible")
        assert wait_until_drawn(output), "the toy never drew"
        # Let the page settle before the first key press: without this pause (which run-all
        # used to end with), one run of three under the full suite's load failed here.
        page.wait_for_timeout(1000)
        yield page, output
        context.close()


def _readout(output) -> float:
    return float(output.locator(".widget-slider .widget-readout").first.inner_text())


def _label(output) -> str:
    return output.locator(".widget-label").last.inner_text()


def _report(output, page, expect_value=None):
    """The kernel's report, once it has settled (and shows `expect_value`, if given)."""
    for _ in range(50):
        match = REPORT.search(_label(output))
        if match and (expect_value is None or abs(float(match[4]) - expect_value) < 1e-6):
            break
        page.wait_for_timeout(200)
    assert match, _label(output)
    return int(match[1]), int(match[2]), int(match[3]), float(match[4])


def test_a_key_press_and_a_drag_reach_the_kernel_in_order_through_the_link(toy_page):
    # One test per front end, so that each starts one server and one kernel.
    page, output = toy_page
    handle = output.locator(".widget-slider .noUi-handle").first
    canvas = output.locator("canvas.lesson-live-canvas").first
    # A key press: a new frame, and the kernel applied the slider's value through the link.
    before = plot_hash(output)
    handle.focus()
    handle.press(key_with_room(handle, page_keys=True))
    assert wait_for_plot_change(output, before), "no new frame after a key press"
    value = _readout(output)
    report = _report(output, page, value)
    applied_before, linked_before, backwards_before, kernel_value = report
    assert linked_before >= 1 and kernel_value == pytest.approx(value), f"slider {value}, kernel {report}"
    assert opaque_fraction(canvas) > 0.99
    # A drag, one way: in the browser the handle never jumps back (no late, stale value pulls it).
    drag = drag_in_page(handle, canvas, seconds=1.5, back=False)
    assert not went_back(drag), drag["values"]
    assert drag["changes"] >= 3 and drag["frames"] >= 2, drag
    final = _readout(output)
    report = _report(output, page, final)
    applied, linked, backwards, kernel_value = report
    # In the kernel: every value applied in order, through the link, ending where the slider is.
    assert backwards == backwards_before, (report, _label(output))
    assert linked - linked_before >= 2 and applied - applied_before >= 2, (report, drag)
    assert kernel_value == pytest.approx(final), f"slider {final}, kernel {report}"
    assert opaque_fraction(canvas) > 0.99
    assert "Traceback" not in output.inner_text()
