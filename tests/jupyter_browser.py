"""Drive JupyterLab in headless Chromium: shared by the browser tests and the browser benchmark.

A throwaway JupyterLab serves a *copy* of the lessons (autosave off, its own
settings, workspace and runtime folders), so a slow run can never write outputs
back into the committed notebooks or leave checkpoints behind.
"""

import ast
import builtins
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "lesson-lib-browser-test"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic", "--disable-dev-shm-usage",
]
INSTALL_HINT = (
    "No Chromium found for the browser test. Install Debian's package "
    "(`sudo apt-get install chromium`) or set LESSON_LIB_CHROMIUM to a Chromium binary."
)


def find_chromium() -> str | None:
    """The Chromium binary to drive: $LESSON_LIB_CHROMIUM, else Debian's, else any on PATH."""
    candidates = [os.environ.get("LESSON_LIB_CHROMIUM"), "/usr/bin/chromium",
                  shutil.which("chromium"), shutil.which("chromium-browser")]
    return next((c for c in candidates if c and os.access(c, os.X_OK)), None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


FRONT_ENDS = {
    # front end: (module to run, app class for its options, URL of an open notebook)
    "lab": ("jupyterlab", "LabApp", "lab/tree/{}"),
    "notebook": ("notebook", "JupyterNotebookApp", "notebooks/{}"),
}


@contextmanager
def jupyter_server(notebooks, workdir: Path, front_end: str = "lab", extra=()):
    """Start JupyterLab or Notebook 7 on loopback over copies of `notebooks` (and the `extra`
    files); yield its base URL."""
    module, app, _ = FRONT_ENDS[front_end]
    root = workdir / "root"
    root.mkdir(parents=True)
    for notebook in notebooks:
        shutil.copy(ROOT / "notebooks" / notebook, root / notebook)
    for path in extra:
        shutil.copy(path, root / Path(path).name)
    settings = workdir / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    news = workdir / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    # Extension apps read their options from config files (the command line reaches only the
    # main app): expose window.jupyterapp in both front ends.
    config = workdir / "config"
    config.mkdir()
    exposed = json.dumps({"LabApp": {"expose_app_in_browser": True},
                          "JupyterNotebookApp": {"expose_app_in_browser": True}})
    for name in ("jupyter_server_config.json", "jupyter_notebook_config.json"):
        (config / name).write_text(exposed)
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
               JUPYTER_CONFIG_DIR=str(workdir / "config"))
    env.pop("MPLBACKEND", None)
    # XLA_FLAGS stays: `make test` compiles the lessons here as strict nbval's kernels did, so
    # they start from the JAX compilation cache that run left.
    command = [
        sys.executable, "-m", module, "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}",
        f"--{app}.user_settings_dir={workdir / 'settings'}",
        f"--{app}.workspaces_dir={workdir / 'workspaces'}",
        "--ServerApp.open_browser=False", "--ServerApp.allow_root=True", f"--{app}.news_url=",
        f"--{app}.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with serve(command, cwd=root, env=env, port=port, log_path=workdir / f"{front_end}.log") as url:
        yield url


@contextmanager
def serve(command, *, cwd, env, port: int, log_path: Path):
    """Run a Jupyter server `command` (logging to `log_path`), wait for its API, yield its URL, stop it."""
    with open(log_path, "w") as log:
        server = subprocess.Popen(command, cwd=cwd, env=env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_for(f"{url}/api/status?token={TOKEN}", server, log_path)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()


def jupyter_lab(notebooks, workdir: Path):
    """`jupyter_server` with the JupyterLab front end."""
    return jupyter_server(notebooks, workdir, "lab")


def _wait_for(url: str, server, log_path: Path, timeout: float = 120.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"JupyterLab exited early:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.5)
    raise TimeoutError(f"JupyterLab did not answer within {timeout:.0f} s:\n{log_path.read_text()[-3000:]}")


KERNEL_IDLE_JS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  if (!kernel || kernel.status !== 'idle') return false;
  const prompts = [...document.querySelectorAll('.jp-InputArea-prompt')].map(p => p.textContent);
  return prompts.length > 0 && !prompts.some(t => t.includes('*'));
}"""

KERNEL_READY_JS = """() => {
  // 'dialog' while the front end asks which kernel to start, 'ready' once the kernel is idle.
  if (document.querySelector('.jp-Dialog .jp-mod-accept')) return 'dialog';
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle' && 'ready';
}"""


KERNEL_LOG_JS = r"""() => {
  // From now on, what the kernel connection did, for the report of a notebook that did not
  // finish (window.__kernelLog): each execute reply's status and count, errors, the
  // connection's and the kernel's status changes other than busy/idle.
  const panel = window.jupyterapp.shell.currentWidget;
  const kernel = panel.sessionContext.session.kernel;
  const log = window.__kernelLog = [], t0 = performance.now();
  const note = (...entry) => log.push([Math.round(performance.now() - t0), ...entry]);
  kernel.anyMessage.connect((_, {msg, direction}) => {
    const type = msg.header.msg_type;
    if (type === 'execute_request') note('request', direction);
    else if (type === 'execute_reply') note('reply', msg.content.status, msg.content.execution_count);
    else if (type === 'error') {
      const tb = (msg.content.traceback || []).slice(-3).join(' | ').replace(/\u001b\[[0-9;]*m/g, '');
      note('error', msg.content.ename, msg.content.evalue, tb.slice(-600), msg.parent_header.msg_type);
    }
  });
  kernel.connectionStatusChanged.connect((_, status) => note('connection', status));
  kernel.statusChanged.connect((_, status) => { if (status !== 'busy' && status !== 'idle') note('status', status); });
  panel.sessionContext.kernelChanged.connect(() => note('kernel changed'));
}"""


def open_and_run_all(page, url: str, notebook: str, timeout_ms: int = 240_000, front_end: str = "lab"):
    """Open `notebook` in the front end, run every cell, and wait until the kernel is idle again.

    A page that already shows this server's JupyterLab opens the notebook in place (JupyterLab
    itself loads once); otherwise the page goes to the notebook's address.
    """
    if front_end == "lab" and page.url.startswith(f"{url}/lab"):
        page.evaluate("async (path) => { await window.jupyterapp.commands.execute('docmanager:open', {path}); }", notebook)
        page.wait_for_function(
            "(path) => { const w = window.jupyterapp.shell.currentWidget;"
            " return !!(w && w.context && w.context.path === path); }",
            arg=notebook, timeout=timeout_ms, polling=100)
    else:
        path = FRONT_ENDS[front_end][2].format(notebook)
        page.goto(f"{url}/{path}?token={TOKEN}" + ("&reset" if front_end == "lab" else ""))

    def ready():
        return page.wait_for_function(KERNEL_READY_JS, timeout=timeout_ms, polling=100).json_value()

    if ready() == "dialog":  # "Select Kernel": the file names none
        page.locator(".jp-Dialog .jp-mod-accept").click()
        while ready() == "dialog":
            page.wait_for_timeout(100)
    page.evaluate(KERNEL_LOG_JS)
    # The command's promise settles once every cell has run (NotebookActions.runAll).
    ran = page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.evaluate("(ran) => window.__kernelLog.push(['run all settled', ran])", ran)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout_ms, polling=100)


def shut_down_kernels(url: str) -> int:
    """Shut down every kernel of the server at `url` (through its REST API); returns how many."""
    def call(path, method="GET"):
        request = urllib.request.Request(f"{url}/api/{path}?token={TOKEN}", method=method)
        with urllib.request.urlopen(request, timeout=30) as response:
            body = response.read()
        return json.loads(body) if body else None

    kernels = call("kernels")
    for kernel in kernels:
        call(f"kernels/{kernel['id']}", "DELETE")
    return len(kernels)


def close_notebook(page) -> None:
    """Shut down the kernel of the notebook the page shows and close it (in JupyterLab: its tab)."""
    page.evaluate("""async () => {
      const app = window.jupyterapp, panel = app && app.shell.currentWidget;
      if (!panel || !panel.sessionContext) return;
      await panel.sessionContext.shutdown();
      if (app.name === 'JupyterLab') panel.dispose();  // Notebook 7 shows one notebook per page
    }""")


def playground_locators(page, slider_label: str):
    """The slider handle and figure canvas of the playground whose slider is labelled `slider_label`."""
    output = page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-slider .widget-label", has_text=slider_label)
    ).first
    handle = output.locator(".widget-slider", has=page.locator(".widget-label", has_text=slider_label)).locator(".noUi-handle").first
    canvas = output.locator("canvas.lesson-live-canvas").first
    return output, handle, canvas


SHOWN_HASH_JS = """(c) => {
  // A hash of the picture as the page shows it: at the canvas's CSS size, each CSS pixel the
  // average of its device pixels (drawn onto a scratch canvas), so a measurement at device
  // pixel ratio 2 reads a quarter of the data and still sees every pixel. Reading all of a
  // ratio-2 canvas's device pixels took the page 6.4 ms a frame, this 1.0 ms (headless
  // Chromium here): a frame-rate figure should not pay for its own measuring.
  const r = window.devicePixelRatio || 1;
  let source = c;
  if (r > 1) {
    const w = Math.max(1, Math.round(c.width / r)), h = Math.max(1, Math.round(c.height / r));
    const shown = window.__shownCanvas || (window.__shownCanvas = document.createElement('canvas'));
    if (shown.width !== w || shown.height !== h) { shown.width = w; shown.height = h; }
    const ctx = shown.getContext('2d', {willReadFrequently: true});
    ctx.clearRect(0, 0, w, h);
    ctx.drawImage(c, 0, 0, w, h);
    source = shown;
  }
  const d = source.getContext('2d').getImageData(0, 0, source.width, source.height).data;
  let h = 2166136261 >>> 0;
  for (let i = 0; i < d.length; i += 4) h = Math.imul(h ^ d[i] ^ (d[i+1] << 8) ^ (d[i+2] << 16), 16777619) >>> 0;
  return h;
}"""


def key_with_room(handle, page_keys: bool = False) -> str:
    """The arrow (or page) key that moves this noUiSlider handle away from its nearer end."""
    now, low, high = (float(handle.get_attribute(a)) for a in ("aria-valuenow", "aria-valuemin", "aria-valuemax"))
    up = now - low < high - now
    if page_keys:
        return "PageUp" if up else "PageDown"
    return "ArrowRight" if up else "ArrowLeft"


def opaque_fraction(canvas) -> float:
    """Share of the canvas's pixels that are opaque: 1.0 for a whole matplotlib frame.

    A canvas that only ever received blitted differences (the background never
    arrived) is mostly transparent.
    """
    return canvas.evaluate("""(c) => {
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let opaque = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] === 255) opaque++;
      return opaque / (d.length / 4);
    }""")


PLAYGROUND_OUTPUT = ".jp-OutputArea-output:has(canvas.lesson-live-canvas)"

PLOT_HASH_JS = """(root) => {
  // A cheap hash of every live canvas under `root`: a stride of pixels, not all of them,
  // so hashing does not slow the page it measures.
  return [...root.querySelectorAll('canvas.lesson-live-canvas')].map((c) => {
    if (!c.width || !c.height) return 'empty';
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let h = 2166136261 >>> 0;
    for (let i = 0; i < d.length; i += 4 * 7) {
      h = Math.imul(h ^ d[i] ^ (d[i + 1] << 8) ^ (d[i + 2] << 16), 16777619) >>> 0;
    }
    return h;
  }).join(',');
}"""


def plot_hash(output) -> str:
    """A hash of the pixels of every live canvas in `output` (an output area's locator)."""
    return output.evaluate(PLOT_HASH_JS)


def wait_for_plot_change(output, before: str, timeout_s: float = 10.0) -> bool:
    """Wait until some live canvas in `output` shows other pixels than `before`; False on timeout."""
    try:
        output.page.wait_for_function(
            f"([o, before]) => ({PLOT_HASH_JS})(o) !== before",
            arg=[output.element_handle(), before], timeout=timeout_s * 1000, polling="raf")
    except Exception:
        return False
    return True


DRAWN_JS = """(root) => {
  // Every live canvas under `root` shows a picture. A canvas nothing was painted on yet is
  // transparent (and 300 x 150, the HTML default); every lesson figure is opaque.
  const canvases = [...root.querySelectorAll('canvas.lesson-live-canvas')];
  return canvases.length > 0 && canvases.every((c) => c.width > 0 && c.height > 0
    && c.getContext('2d').getImageData(c.width >> 1, c.height >> 1, 1, 1).data[3] === 255);
}"""


def wait_until_drawn(root, timeout_s: float = 30.0) -> bool:
    """Wait until every live canvas in `root` (a locator) has painted its first frame; False on
    timeout. Before that, a canvas's pixels change with no key pressed (its first picture)."""
    try:
        root.page.wait_for_function(DRAWN_JS, arg=root.element_handle(), timeout=timeout_s * 1000,
                                    polling="raf")
    except Exception:
        return False
    return True


WIDE_FIGURES_JS = """() => {
  // Figures wider than the output area that shows them: [description, figure px, area px].
  const wide = [];
  for (const area of document.querySelectorAll('.jp-OutputArea-output')) {
    const room = area.clientWidth;
    for (const c of area.querySelectorAll('canvas.lesson-live-canvas')) {
      const w = parseFloat(c.style.width);
      if (w > room + 1) wide.push(['playground', w, room]);
    }
    for (const img of area.querySelectorAll('img')) {
      const w = img.naturalWidth / window.devicePixelRatio;
      if (img.offsetParent && w > room + 1) wide.push(['image', w, room]);
    }
    for (const fig of area.querySelectorAll('.jupyter-matplotlib-figure canvas')) {
      const box = fig.getBoundingClientRect(), outer = area.getBoundingClientRect();
      if (box.width && box.right > outer.right + 1) wide.push(['figure', box.width, room]);
    }
  }
  return wide;
}"""


def wide_figures(page) -> list:
    """Every figure on the page that is wider than its output area."""
    return page.evaluate(WIDE_FIGURES_JS)


def visible_controls(output) -> list[tuple[str, object]]:
    """The controls a learner can use in a playground's output: (kind, locator) pairs."""
    controls = []
    for kind, selector in [("slider", ".widget-slider .noUi-handle"),
                           ("dropdown", ".widget-dropdown select"),
                           ("play", ".widget-play button:has(.fa-play)"),
                           ("toggle", ".widget-toggle-buttons button:not(.mod-active)"),
                           ("button", ".widget-button:not(.widget-toggle-button)")]:
        items = output.locator(selector)
        for i in range(items.count()):
            if items.nth(i).is_visible():
                controls.append((kind, items.nth(i)))
    return controls


def use_control(kind: str, control) -> str:
    """Move or press one control as a learner would; returns what was done."""
    if kind == "slider":
        key = key_with_room(control, page_keys=True)
        control.focus()
        control.press(key)
        return f"slider {control.get_attribute('aria-valuetext') or ''} {key}"
    if kind == "dropdown":
        options = control.locator("option").all_inner_texts()
        current = control.evaluate("s => s.selectedIndex")
        choice = options[(current + 1) % len(options)]
        control.select_option(label=choice)
        return f"dropdown -> {choice}"
    control.click()
    return f"{kind} {control.inner_text() or control.get_attribute('title') or ''}".strip()


def write_notebook(path: Path, cells: list[str]) -> Path:
    """Write a notebook of code cells (no outputs) to `path`; returns it."""
    notebook = {
        "cells": [{"cell_type": "code", "metadata": {}, "source": src, "outputs": [],
                   "execution_count": None} for src in cells],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4, "nbformat_minor": 5,
    }
    Path(path).write_text(json.dumps(notebook))
    return Path(path)


# A playground's text form (what a notebook shows without a kernel) ends with this hint; a static
# figure's is "Canvas(...)" and a progress bar's its counter.
PLAYGROUND_HINT = "(Run the notebook"


def cell_tree(source: str) -> ast.Module:
    """A code cell's syntax tree; IPython magics and shell lines count as `pass` (they name nothing)."""
    return ast.parse(re.sub(r"^(\s*)[%!].*$", r"\1pass", source, flags=re.M))


def _defined_names(tree) -> set:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def _shows_playground(cell) -> bool:
    return any("application/vnd.jupyter.widget-view+json" in out.get("data", {})
               and PLAYGROUND_HINT in "".join(out["data"].get("text/plain", ""))
               for out in cell.get("outputs", []))


def playground_cells(cells) -> list[int]:
    r"""Indices of the cells a lesson's playgrounds need: the setup cell, every cell that shows a
    playground (found by its committed output) and, transitively, the last earlier cell that
    defines each name they use. The rest of the lesson (its experiments and static figures) is
    checked by strict nbval; the browser tests drive the playgrounds.

    Example:
      >>> out = {"data": {"application/vnd.jupyter.widget-view+json": {},
      ...                 "text/plain": "Sliders. (Run the notebook to use its controls.)"}}
      >>> cells = [{"cell_type": "code", "source": s, "outputs": o} for s, o in [
      ...     ("import math\nbackend = setup_notebook()", []), ("x = 2", []), ("y = 3", []),
      ...     ("pg = Toy(x)\npg", [out])]]
      >>> playground_cells(cells)
      [0, 1, 3]
    """
    code = [i for i, cell in enumerate(cells) if cell["cell_type"] == "code"]
    sources = {i: "".join(cells[i]["source"]) for i in code}
    trees = {i: cell_tree(sources[i]) for i in code}
    defined = {i: _defined_names(trees[i]) for i in code}
    keep = {i for i in code if _shows_playground(cells[i]) or "setup_notebook(" in sources[i]}
    todo = sorted(keep)
    while todo:
        i = todo.pop()
        used = {n.id for n in ast.walk(trees[i]) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
        for name in used - defined[i] - set(dir(builtins)):
            source = next((j for j in reversed(code) if j < i and name in defined[j]), None)
            if source is not None and source not in keep:
                keep.add(source)
                todo.append(source)
    return sorted(keep)


def write_playgrounds_edition(lesson: Path, folder: Path) -> Path:
    """Write the code cells of `lesson` that its playgrounds need (`playground_cells`), without
    outputs, to `folder/<same name>`; returns the new notebook's path."""
    notebook = json.loads(Path(lesson).read_text())
    cells = notebook["cells"]
    notebook["cells"] = [dict(cells[i], outputs=[], execution_count=None) for i in playground_cells(cells)]
    target = Path(folder) / Path(lesson).name
    target.write_text(json.dumps(notebook))
    return target


def linked_toy_cells(link: bool = True) -> list[str]:
    """A playground-like notebook: a figure, a slider moving a line, a `LiveCanvas` linked to it.

    A `Label` under the canvas reports what the kernel saw (read by the tests):
    "applied N linked L backwards B value V".
    """
    return [
        "import ipywidgets as widgets\nimport numpy as np\nfrom matplotlib.figure import Figure\n"
        "from lesson_lib.playground.canvas import LiveCanvas",
        "fig = Figure(figsize=(6, 3))\nax = fig.add_subplot(xlim=(0, 1), ylim=(-2, 2), title='linked toy')\n"
        "x = np.linspace(0, 1, 200)\n(line,) = ax.plot(x, np.sin(6 * x))\n"
        "slider = widgets.FloatSlider(value=0.1, min=0.1, max=3.0, step=0.01, description='frequency')\n"
        "canvas, report, applied = LiveCanvas(fig, [line]), widgets.Label('ready'), []",
        "def on_change(change):\n    applied.append(change['new'])\n"
        "    line.set_ydata(np.sin(6 * change['new'] * x))\n    canvas.update()\n"
        "    back = [i for i in range(1, len(applied)) if applied[i] < applied[i - 1]]\n"
        "    report.value = (f'applied {len(applied)} linked {canvas.linked_updates} '\n"
        "                    f'backwards {len(back)} value {slider.value:.2f}'\n"
        "                    + (f' (first at {applied[max(back[0] - 3, 0):back[0] + 2]})' if back else ''))\n"
        "slider.observe(on_change, names='value')\n"
        + ("canvas.link(slider)\n" if link else "")
        + "widgets.VBox([slider, canvas, report])",
    ]


DRAG_JS = """async ([handle, canvas, seconds, back]) => {
  // Drag a noUiSlider handle from inside the page: mouse down on it, one mouse move per
  // animation frame along the track (and back, if `back`), mouse up. Made here, not by the
  // driver, whose every call is a round trip: under load that managed 8-18 moves a second.
  // Counts the animation frames that show new canvas pixels, and lists the slider's value at
  // each frame. The pixels are read back only after the canvas was painted (a drawImage onto
  // it: every frame of a live canvas and of ipympl starts with one); reading them on every
  // frame cost the page a third of its frame rate.
  const hash = __SHOWN_HASH__;
  const proto = CanvasRenderingContext2D.prototype, drawImage = proto.drawImage;
  let painted = false;
  proto.drawImage = function (...args) {
    if (this.canvas === canvas) painted = true;
    return drawImage.apply(this, args);
  };
  const track = handle.closest('.noUi-target').getBoundingClientRect();
  const box = handle.getBoundingClientRect();
  const y = box.top + box.height / 2, x0 = box.left + box.width / 2;
  const left = track.left + 4, right = track.right - 4;
  const end = right - x0 >= x0 - left ? right : left;  // one way: towards the farther end
  const mouse = (type, x) => new MouseEvent(type, {clientX: x, clientY: y, bubbles: true,
    cancelable: true, view: window, button: 0, buttons: type === 'mouseup' ? 0 : 1});
  // noUiSlider listens on the handle's touch area (mouse down) and the document element.
  (document.elementFromPoint(x0, y) || handle).dispatchEvent(mouse('mousedown', x0));
  // The slider's value as its readout shows it (the handle's aria value is rounded).
  const readout = handle.closest('.widget-slider') && handle.closest('.widget-slider').querySelector('.widget-readout');
  const value = () => (readout ? readout.textContent.trim() : handle.getAttribute('aria-valuenow'));
  let frames = 0, moves = 0, x = x0, last = hash(canvas);
  const values = [value()];
  const start = performance.now();
  try {
    await new Promise((resolve) => {
      function tick() {
        const t = (performance.now() - start) / 1000;
        if (painted) {
          painted = false;
          const now = hash(canvas);
          if (now !== last) { frames += 1; last = now; }
        }
        values.push(value());
        if (t >= seconds) { resolve(); return; }
        const phase = t / seconds;
        x = back ? left + (right - left) * (phase < 0.5 ? 2 * phase : 2 - 2 * phase)
                 : x0 + (end - x0) * phase;
        (document.elementFromPoint(x, y) || document.documentElement).dispatchEvent(mouse('mousemove', x));
        moves += 1;
        requestAnimationFrame(tick);
      }
      requestAnimationFrame(tick);
    });
  } finally {
    proto.drawImage = drawImage;
  }
  document.documentElement.dispatchEvent(mouse('mouseup', x));
  const changes = values.filter((v, i) => i > 0 && v !== values[i - 1]).length;
  return {frames, moves, changes, values: values.map(Number), direction: end === right ? 1 : -1};
}""".replace("__SHOWN_HASH__", SHOWN_HASH_JS)


def drag_in_page(handle, canvas, seconds: float = 2.0, back: bool = True) -> dict:
    """Drag `handle` for `seconds` (across its track and back, or one way towards its farther
    end), from inside the page; returns {frames: animation frames with new canvas pixels, moves,
    changes: slider value changes, values: the slider's value at every animation frame,
    direction: +1 rightwards, -1 leftwards}."""
    handle.scroll_into_view_if_needed()
    return handle.page.evaluate(DRAG_JS, [handle.element_handle(), canvas.element_handle(), seconds, back])


def went_back(drag: dict) -> bool:
    """True if a one-way drag's slider ever moved against the drag."""
    shown, direction = drag["values"], drag["direction"]
    return any((b - a) * direction < 0 for a, b in zip(shown, shown[1:]))
