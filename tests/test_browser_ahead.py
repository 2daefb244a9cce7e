"""Frames sent ahead, in a real browser (JupyterLab, headless Chromium).

A small playground: a slider `a` bends a parabola, a button shifts it (state no
slider holds). After Run All and a pause (the kernel draws the neighbours), a
key press must be answered by a frame sent ahead, and the picture the page
shows first must be the kernel's own: every key press leaves exactly one new
picture, never a wrong one replaced by the right one, also after the button
made the frames sent before it stale (and turned sending ahead off).
"""

import pytest

from browser_suite import browser_context_args, browser_type_launch_args  # noqa: F401  (fixtures)
from jupyter_browser import (
    PLAYGROUND_OUTPUT, jupyter_server, open_and_run_all, wait_for_plot_change, wait_until_drawn, write_notebook,
)

pytestmark = pytest.mark.browser

CELLS = [
    "import ipywidgets as widgets\nimport numpy as np\n"
    "from lesson_lib.playground import Playground, float_slider, log_slider",
    '''class Parabola(Playground):
    """y = a x² + offset."""

    def __init__(self):
        # The log slider shows 0.05 as its nearest step, 10^-1.3: the page sends that value.
        super().__init__({"a": float_slider("a", 0.5, -2.0, 2.0, 0.1),
                          "lr": log_slider("lr", 0.05, 1e-3, 1.0)}, figsize=(4, 3))
        ax = self.fig.subplots()
        ax.set(xlim=(-1, 1), ylim=(-3, 4))
        self.offset = 0.0
        self.line = self.moving(*ax.plot([], [], lw=3))
        self.button = widgets.Button(description="shift")
        self.button.on_click(self.action(self.shift))

    def shift(self):
        """Move the curve up; from now on nothing is drawn ahead, so only stale frames could be."""
        self.offset += 0.5
        self.prefetch = False
        self.clear_cache()
        self.refresh()

    def compute(self, a, lr):
        x = np.linspace(-1, 1, 41)
        return x, a * x**2 + self.offset + lr

    def draw(self, curve, a, lr):
        self.line.set_data(*curve)
        return f"a = {a:.2f}, offset {self.offset:.1f}, lr {lr:.3f}"

    def control_rows(self):
        return [*super().control_rows(), self.button]


pg = Parabola()
pg''',
    'pg.set(a=1.2, lr=0.3)  # a cell moving the sliders after the playground is shown',
]

# Watch the canvas from the next keydown for `ms`: every distinct picture it shows, in order.
WATCH_JS = """([c, ms]) => {
  const hash = (c) => {
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261 >>> 0;
    for (let i = 0; i < d.length; i += 4 * 3) h = Math.imul(h ^ d[i] ^ (d[i+1] << 8) ^ (d[i+2] << 16), 16777619) >>> 0;
    return h;
  };
  window.__pictures = [hash(c)];
  window.__watchDone = false;
  document.addEventListener('keydown', () => {
    const start = performance.now();
    function watch() {
      const now = hash(c);
      if (now !== window.__pictures[window.__pictures.length - 1]) window.__pictures.push(now);
      if (performance.now() - start < ms) requestAnimationFrame(watch); else window.__watchDone = true;
    }
    watch();
  }, {capture: true, once: true});
}"""


@pytest.fixture(scope="module")
def playground(browser, tmp_path_factory):
    folder = tmp_path_factory.mktemp("ahead")
    notebook = write_notebook(folder / "ahead.ipynb", CELLS)
    with jupyter_server([], folder / "server", "lab", extra=[notebook]) as url:
        context = browser.new_context(viewport={"width": 1280, "height": 800})
        page = context.new_page()
        page.set_default_timeout(60_000)
        open_and_run_all(page, url, notebook.name)
        output = page.locator(PLAYGROUND_OUTPUT).first
        output.locator("canvas.lesson-live-canvas").first.wait_for(state="visible")
        assert wait_until_drawn(output), "the playground never drew"
        yield page, output
        context.close()


def _status(page, output, expected: str) -> str:
    status = output.locator(".widget-label").last
    for _ in range(50):
        if status.inner_text().startswith(expected):
            break
        page.wait_for_timeout(100)
    return status.inner_text()


def _press(page, output, key: str) -> list:
    """Press `key` on the slider after a pause; returns the pictures the canvas showed."""
    page.wait_for_timeout(1500)  # the kernel draws the neighbours meanwhile
    canvas = output.locator("canvas.lesson-live-canvas").first
    page.evaluate(WATCH_JS, [canvas.element_handle(), 1200])
    output.locator(".widget-slider .noUi-handle").first.press(key)
    page.wait_for_function("() => window.__watchDone")
    return page.evaluate("() => window.__pictures")


def test_a_cell_moving_the_slider_is_not_undone_by_the_pages_first_value(playground):
    page, output = playground
    assert _status(page, output, "a = 1.20").startswith("a = 1.20")
    page.wait_for_timeout(1500)
    lr = float(_status(page, output, "a = 1.20").rsplit("lr ", 1)[1])
    # 0.3 or the slider's nearest step to it (10^-0.52 = 0.302, which the page sends back); the
    # page's first value, 10^-1.3 = 0.050, arriving after the cell ran, would have undone it.
    assert lr in (0.300, 0.302), f"the page's first lr undid the cell: lr {lr}"
    assert output.locator(".widget-slider .widget-readout").first.inner_text() == "1.20"


def test_a_key_press_is_answered_by_a_frame_sent_ahead_and_it_is_the_kernels_frame(playground):
    page, output = playground
    a = float(output.locator(".widget-slider .widget-readout").first.inner_text())
    ahead = page.evaluate("() => window.__lessonFramesAhead || 0")
    pictures = _press(page, output, "ArrowRight")
    assert page.evaluate("() => window.__lessonFramesAhead || 0") > ahead, "no frame was sent ahead"
    assert _status(page, output, f"a = {a + 0.1:.2f}").startswith(f"a = {a + 0.1:.2f}, offset 0.0")
    assert len(pictures) == 2, "one new picture, the kernel's own (a wrong one was shown first)"


def test_after_a_button_changes_the_state_no_stale_frame_is_shown(playground):
    # Whether or not the test before ran in this page (xdist may run it elsewhere): from a, one
    # step left, whose frame was sent ahead before the shift.
    page, output = playground
    a = float(output.locator(".widget-slider .widget-readout").first.inner_text())
    before = page.evaluate("() => window.__lessonFramesAhead || 0")
    output.locator("button", has_text="shift").click()
    assert "offset 0.5" in _status(page, output, f"a = {a:.2f}, offset 0.5")
    pictures = _press(page, output, "ArrowLeft")
    assert _status(page, output, f"a = {a - 0.1:.2f}").startswith(f"a = {a - 0.1:.2f}, offset 0.5")
    assert len(pictures) == 2, "a frame from before the shift was shown, then replaced"
    assert page.evaluate("() => window.__lessonFramesAhead || 0") == before
