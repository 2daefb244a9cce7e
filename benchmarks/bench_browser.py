"""Where the student is: JupyterLab in headless Chromium, key press to new pixels, drag frame rate.

One JupyterLab serves copies of every lesson and of a yardstick notebook: the
trivial ipympl playground (one 6 × 4 in line plot, `set_data` + `draw_idle`).
One lesson at a time, as a student goes: it is opened at device pixel ratio 1
and run top to bottom, then reopened at ratio 2 into its running kernel, then
its kernel is shut down. At each ratio, for the first slider of each playground:
- key press → new pixels: a PageUp/PageDown press, timed *inside the page*
  from the trusted `keydown` event to the first animation frame at which the
  playground's canvas shows other pixels, watched by the page itself (the
  kernel's compute, the websocket both ways, the browser's drawing, all
  included; the test driver's round trips not);
- frames per second while dragging: the page itself holds the slider's handle
  and moves the mouse once per animation frame (60 times a second, as a real
  mouse's moves reach a page) across the track and back for 2 s, and counts the
  frames whose canvas pixels changed (read at the canvas's CSS size, so the
  measuring costs the page ~1 ms a frame at either ratio), and how many distinct slider values the
  drag crossed (a slider with few steps cannot show more frames than values).
  The mouse events are made in the page because driving them from here costs a
  round trip each: under load Playwright's `mouse.move` managed only 8-18 moves
  a second, so the figure measured the driver, not the playground.
Beside the lessons: the trivial ipympl playground (the yardstick) and a toy
`LiveCanvas` (one line, one slider) with its slider linked (`LiveCanvas.link`)
and without: the harness's ceiling, and what linking alone changes.
Also: cold start (opening a lesson to its first interactive plot after Run All,
first open with an empty JAX compilation cache vs second open).

Run one lesson at a time on a busy machine, e.g.
`python -m benchmarks.bench_browser 03 --ratios 1 --preview-link` (see `--help`).
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
    CHROMIUM_ARGS, PLAYGROUND_OUTPUT, ROOT, SHOWN_HASH_JS, drag_in_page, find_chromium, jupyter_server,
    key_with_room, linked_toy_cells, open_and_run_all, shut_down_kernels, wait_until_drawn, write_notebook,
)

PRESSES = 15
DRAG_S = 2.0
YARDSTICK = "00_yardstick_ipympl.ipynb"
TOY = "00_toy_linked.ipynb"
TOY_UNLINKED = "00_toy_unlinked.ipynb"
TOYS = (YARDSTICK, TOY, TOY_UNLINKED)
# With --preview-link: a first cell that makes every playground link its controls, as the
# one line `self.canvas.link(*self.controls.values())` in the Playground base will.
PREVIEW_LINK = """# benchmark preview: every playground links its controls to its canvas
from lesson_lib.playground import base as _base
_meta = type(_base.Playground)
if _meta is not type:
    _call = _meta.__call__
    def _linked_call(cls, *args, **kwargs):
        self = _call(cls, *args, **kwargs)
        self.canvas.link(*self.controls.values())
        return self
    _meta.__call__ = _linked_call
else:
    _init = _base.Playground.__init__
    def _linked_init(self, *args, **kwargs):
        _init(self, *args, **kwargs)
        self.canvas.link(*self.controls.values())
    _base.Playground.__init__ = _linked_init
"""
YARDSTICK_CELLS = [
    "%matplotlib widget\nimport ipywidgets as widgets\nimport matplotlib.pyplot as plt\nimport numpy as np",
    "with plt.ioff():\n    fig, ax = plt.subplots(figsize=(6, 4))\n"
    "x = np.linspace(0, 1, 200)\n(line,) = ax.plot(x, np.sin(6 * x))\nax.set_ylim(-2, 2)\n"
    "slider = widgets.FloatSlider(value=1.0, min=0.1, max=3.0, step=0.01, description='frequency')\n"
    "def on_change(change):\n    line.set_ydata(np.sin(6 * slider.value * x))\n    fig.canvas.draw_idle()\n"
    "slider.observe(on_change, names='value')\nwidgets.VBox([slider, fig.canvas])",
]


ARM_JS = f"""(c) => {{
  // Before a key press: note the trusted keydown's time, and watch the canvas on every
  // animation frame from now on; the first frame with other pixels is the answer. All
  // in the page, so the test driver's own round trips never enter the figure.
  const hash = {SHOWN_HASH_JS};
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


def _write_toys(folder: Path) -> list[Path]:
    return [write_notebook(folder / YARDSTICK, YARDSTICK_CELLS),
            write_notebook(folder / TOY, linked_toy_cells(link=True)),
            write_notebook(folder / TOY_UNLINKED, linked_toy_cells(link=False))]


def _with_preview_link(notebook: Path, folder: Path) -> Path:
    """A copy of `notebook` whose first cell links every playground's controls."""
    content = json.loads(notebook.read_text())
    content["cells"].insert(0, {"cell_type": "code", "metadata": {}, "source": PREVIEW_LINK,
                                "outputs": [], "execution_count": None})
    copy = folder / notebook.name
    copy.write_text(json.dumps(content))
    return copy


NO_ANSWER_MS = 15_000


def _press_latencies(page, handle, canvas, presses: int = PRESSES) -> list[float]:
    """Key press → new pixels in ms, per press; a press with no new pixels in 15 s counts as 15 000
    (and is reported on stderr with the slider's values, so one such press cannot void a run)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    latencies = []
    handle.focus()
    for _ in range(presses):
        page.wait_for_timeout(250)
        canvas.evaluate(ARM_JS)
        before = handle.get_attribute("aria-valuenow")
        key = key_with_room(handle, page_keys=True)
        handle.press(key)
        try:
            page.wait_for_function("() => window.__pixelsAt !== null", timeout=NO_ANSWER_MS)
        except PlaywrightTimeout:
            print(f"no new pixels after {key}: slider {before} -> {handle.get_attribute('aria-valuenow')} "
                  f"({page.url})", file=sys.stderr, flush=True)
            latencies.append(float(NO_ANSWER_MS))
            continue
        latencies.append(float(page.evaluate("() => window.__pixelsAt - window.__keyAt")))
    return latencies


def _drag(page, handle, canvas) -> dict:
    """Frames/s with new pixels, distinct slider values/s and mouse moves/s during a drag."""
    drag = drag_in_page(handle, canvas, DRAG_S)
    return {"fps": drag["frames"] / DRAG_S, "values": drag["changes"] / DRAG_S,
            "moves": drag["moves"] / DRAG_S}


def _canvas_of(output, yardstick: bool):
    selector = ".jupyter-matplotlib-canvas-div canvas" if yardstick else "canvas.lesson-live-canvas"
    return output.locator(selector).first


PAGE_STATE_JS = """() => {
  // What a notebook shows when its figures did not draw: for the report of a failed measurement.
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const kernel = panel && panel.sessionContext && panel.sessionContext.session
    && panel.sessionContext.session.kernel;
  const canvases = [...document.querySelectorAll('canvas.lesson-live-canvas')];
  const text = (selector) => [...document.querySelectorAll(selector)]
    .map((e) => e.textContent.trim().slice(0, 120)).filter(Boolean).slice(0, 3);
  return JSON.stringify({kernel: kernel ? kernel.status : null, outputs: document.querySelectorAll('.jp-OutputArea-output').length,
    canvases: canvases.map((c) => [c.width, c.height]),
    stderr: text('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'),
    errors: text('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]'),
    cells: document.querySelectorAll('.jp-CodeCell').length,
    prompts: [...document.querySelectorAll('.jp-InputArea-prompt')].map((p) => p.textContent.trim()).join(' ').slice(0, 200),
    widgetErrors: text('.jupyter-widgets.jupyter-widget-error, .widget-error'),
    running: [...document.querySelectorAll('.jp-InputArea-prompt')].filter((p) => p.textContent.includes('*')).length,
    kernelLog: (window.__kernelLog || []).filter((e) => e[1] !== 'request').slice(-40),
    requests: (window.__kernelLog || []).filter((e) => e[1] === 'request').length});
}"""


def _page_state(page) -> str:
    try:
        return page.evaluate(PAGE_STATE_JS)
    except Exception as error:  # noqa: BLE001  (a report, never a second failure)
        return f"page state unreadable: {type(error).__name__}"


def measure_notebook(context, url: str, notebook: str, presses: int = PRESSES) -> list[dict]:
    page = context.new_page()
    try:
        return _measure_page(page, url, notebook, presses)
    finally:
        page.close()


def _measure_page(page, url: str, notebook: str, presses: int) -> list[dict]:
    page.set_default_timeout(240_000)
    start = time.perf_counter()
    open_and_run_all(page, url, notebook)
    yardstick = notebook == YARDSTICK
    outputs = page.locator(".jp-OutputArea-output:has(.jupyter-matplotlib)" if yardstick else PLAYGROUND_OUTPUT)
    if yardstick:
        _canvas_of(outputs.first, yardstick).wait_for(state="visible")
    elif not wait_until_drawn(outputs.first, 240.0):
        raise TimeoutError(f"the first live figure did not draw within 240 s ({_page_state(page)})")
    ready_s = time.perf_counter() - start
    # A figure's first picture is new pixels too: no key is pressed before every one is drawn.
    if not (yardstick or wait_until_drawn(page.locator(".jp-Notebook").first, 240.0)):
        raise TimeoutError(f"not every live figure drew within 240 s ({_page_state(page)})")
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
            .locator(".widget-label").first.text_content().strip()
        page.wait_for_timeout(1000)
        latencies = _press_latencies(page, handle, canvas, presses)
        page.wait_for_timeout(500)
        drag = _drag(page, handle, canvas)
        rows.append({"notebook": notebook, "playground": index, "slider": label,
                     "median_ms": statistics.median(latencies), "max_ms": max(latencies),
                     "unanswered": latencies.count(float(NO_ANSWER_MS)),
                     "fps": drag["fps"], "values_per_s": drag["values"], "moves_per_s": drag["moves"],
                     "ready_s": ready_s})
    return rows


def measure(notebooks: list[str], ratios=(1, 2), *, toys: bool = True, preview_link: bool = False,
            presses: int = PRESSES) -> tuple[dict, list]:
    """`({ratio: rows}, failures)` for the toys (unless `toys` is False) and `notebooks`, at each
    pixel ratio; a notebook that could not be measured is a failure `(ratio, notebook, error)`
    (reported, not fatal: the other notebooks' figures still count)."""
    from playwright.sync_api import sync_playwright

    results, failures = {}, []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as playwright:
        tmp = Path(tmp)
        (tmp / "extra").mkdir()
        extra = _write_toys(tmp / "extra") if toys else []
        lessons = [ROOT / "notebooks" / n for n in notebooks]
        if preview_link:
            extra += [_with_preview_link(n, tmp / "extra") for n in lessons]
        cache = tmp / "jax-cache"
        os.environ["LESSON_LIB_JAX_CACHE"] = str(cache)  # first open: an empty compilation cache
        browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        served = [] if preview_link else notebooks
        with jupyter_server(served, tmp / "server", "lab", extra=extra) as url:
            # One lesson at a time, as a student goes: each at every ratio (the second open goes
            # into the first's running kernel), then its kernel is shut down. With every
            # lesson's kernel left running, the last lessons were measured on a busier machine.
            contexts = {ratio: browser.new_context(viewport={"width": 1280, "height": 800},
                                                   device_scale_factor=ratio) for ratio in ratios}
            for notebook in (list(TOYS) if toys else []) + list(notebooks):
                for ratio, context in contexts.items():
                    try:
                        rows = measure_notebook(context, url, notebook, presses)
                    except Exception as error:  # noqa: BLE001  (reported in the section)
                        print(f"{notebook} at ratio {ratio} not measured: {error}", file=sys.stderr, flush=True)
                        failures.append((ratio, notebook, f"{type(error).__name__}: {str(error).splitlines()[0][:400]}"))
                        continue
                    results.setdefault(ratio, []).extend(rows)
                shut_down_kernels(url)
            for context in contexts.values():
                context.close()
        browser.close()
    return results, failures


def _name(notebook: str) -> str:
    return {YARDSTICK: "yardstick: trivial ipympl plot",
            TOY: "toy: LiveCanvas, slider linked",
            TOY_UNLINKED: "toy: LiveCanvas, not linked"}.get(notebook, notebook.removesuffix(".ipynb"))


def _table(results: dict) -> str:
    ratios = sorted(results)
    head = "| lesson | playground: first slider | " + " | ".join(
        f"ratio {r}: key → pixels (median / max) | ratio {r}: drag fps (values/s)" for r in ratios) + " |"
    lines = [head, "| --- | --- |" + " ---: | ---: |" * len(ratios)]
    by_ratio = {r: {(row["notebook"], row["playground"]): row for row in results[r]} for r in ratios}
    order = list(dict.fromkeys(key for r in ratios for key in by_ratio[r]))
    for key in order:
        rows = [by_ratio[r].get(key) for r in ratios]
        a = next(row for row in rows if row)
        cells = " | ".join(f"{b['median_ms']:.0f} / {b['max_ms']:.0f} ms | {b['fps']:.0f} ({b['values_per_s']:.0f})"
                           if b else "not measured | —" for b in rows)
        lines.append(f"| {_name(a['notebook'])} | {a['playground']}: {a['slider']} | {cells} |")
    return "\n".join(lines) + "\n"


def run(notebooks: list[str] | None = None, ratios=(1, 2), *, preview_link: bool = False,
        presses: int = PRESSES) -> str:
    title = "## In the browser: key press → new pixels, and frames per second while dragging\n\n"
    if find_chromium() is None:
        return title + "Not measured: no Chromium found.\n"
    if notebooks is None:
        notebooks = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    results, failures = measure(notebooks, ratios, preview_link=preview_link, presses=presses)
    every = [r for rows in results.values() for r in rows]
    lessons = [r for r in every if r["notebook"] not in TOYS]
    yard = [r for r in every if r["notebook"] == YARDSTICK]
    lines = [
        f"- Every lesson playground: worst median key → pixels {max(r['median_ms'] for r in lessons):.0f} ms, "
        f"lowest drag rate {min(r['fps'] for r in lessons):.0f} frames/s; " if lessons else "- ",
        "the ipympl yardstick in the same run: "
        f"{min(r['median_ms'] for r in yard):.0f}–{max(r['median_ms'] for r in yard):.0f} ms, "
        f"{min(r['fps'] for r in yard):.0f}–{max(r['fps'] for r in yard):.0f} frames/s.\n",
    ]
    if len(ratios) > 1:
        cold = {r["notebook"]: r["ready_s"] for r in results.get(ratios[0], [])}
        warm = {r["notebook"]: r["ready_s"] for r in results.get(ratios[1], [])}
        lines.append("- Cold start, opening a lesson to its first interactive plot after Run All (first open "
                     "with an empty JAX compilation cache → second open): "
                     + ", ".join(f"{n[:2]} {cold[n]:.0f} → {warm[n]:.0f} s" for n in sorted(cold)
                                 if n not in TOYS and n in warm) + ".\n")
    for ratio, notebook, error in failures:
        lines.append(f"- Not measured: {_name(notebook)} at ratio {ratio} ({error}).\n")
    silent = [f"{_name(r['notebook'])} {r['playground']} ({r['unanswered']})" for r in every if r["unanswered"]]
    if silent:
        lines.append(f"- Key presses with no new pixels within {NO_ANSWER_MS // 1000} s (counted as "
                     f"{NO_ANSWER_MS} ms): " + ", ".join(silent) + ".\n")
    moves = min(r["moves_per_s"] for r in every)
    lines.append(f"- The page made at least {moves:.0f} mouse moves a second during every drag"
                 + (" (below 50: the page itself was starved, so the drag figures are too low)"
                    if moves < 50 else "") + ".\n")
    if preview_link:
        lines.append("- Preview: each lesson ran with a first cell that links every playground's "
                     "controls (`canvas.link(*controls.values())`).\n")
    load = os.getloadavg()[0]
    return title + (
        "JupyterLab 4 with this environment's server (TCP_NODELAY on kernel websockets), headless "
        f"Chromium, a 1280 × 800 window, device pixel ratio {' and '.join(map(str, ratios))}, this "
        f"machine's {os.cpu_count()} cores shared by server, kernel and browser (1-minute load "
        f"average at the end: {load:.1f}). Key press → pixels: {presses} PageUp/PageDown presses "
        "per slider, timed in the page from `keydown` to the first animation frame with new canvas "
        f"pixels. Drag: {DRAG_S:.0f} s, one mouse move per animation frame along the handle's track, "
        "made and counted in the page; in brackets the distinct slider values crossed per second "
        "(the most frames a drag can show). Targets: ≤ 50 ms and ≥ 30 frames/s.\n\n"
        + _table(results) + "\n" + "".join(lines)
    )


def main(argv=None):
    import argparse

    parser = argparse.ArgumentParser(description="Key press → pixels and drag frame rates in JupyterLab.")
    parser.add_argument("lessons", nargs="*", help="lesson notebooks by name or number prefix (e.g. 03 06); "
                        "default: every lesson")
    parser.add_argument("--ratios", nargs="+", type=int, default=[1, 2], help="device pixel ratios")
    parser.add_argument("--presses", type=int, default=PRESSES, help="key presses per slider")
    parser.add_argument("--preview-link", action="store_true",
                        help="run each lesson with every playground's controls linked to its canvas")
    parser.add_argument("--json", action="store_true", help="print the raw rows as JSON")
    args = parser.parse_args(argv)
    every = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
    chosen = [n for n in every if any(n.startswith(prefix) for prefix in args.lessons)] if args.lessons else every
    if args.json:
        print(json.dumps(measure(chosen, args.ratios, preview_link=args.preview_link, presses=args.presses)))
    else:
        print(run(chosen, args.ratios, preview_link=args.preview_link, presses=args.presses))


if __name__ == "__main__":
    main()
