"""Drive JupyterLab in headless Chromium: shared by the browser tests and the browser benchmark.

A throwaway JupyterLab serves a *copy* of the lessons (autosave off, its own
settings, workspace and runtime folders), so a slow run can never write outputs
back into the committed notebooks or leave checkpoints behind.
"""

import json
import os
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


@contextmanager
def jupyter_lab(notebooks, workdir: Path):
    """Start JupyterLab on loopback over copies of `notebooks`; yield its base URL."""
    root = workdir / "root"
    root.mkdir()
    for notebook in notebooks:
        shutil.copy(ROOT / "notebooks" / notebook, root / notebook)
    settings = workdir / "settings" / "@jupyterlab" / "docmanager-extension"
    settings.mkdir(parents=True)
    (settings / "plugin.jupyterlab-settings").write_text(json.dumps({"autosave": False}))
    news = workdir / "settings" / "@jupyterlab" / "apputils-extension"
    news.mkdir(parents=True)
    (news / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false"}))
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(workdir / "runtime"),
               JUPYTER_CONFIG_DIR=str(workdir / "config"), MPLBACKEND="")
    env.pop("MPLBACKEND")
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}",
        f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
        f"--LabApp.user_settings_dir={workdir / 'settings'}",
        f"--LabApp.workspaces_dir={workdir / 'workspaces'}",
        "--ServerApp.open_browser=False", "--ServerApp.allow_root=True", "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    log = open(workdir / "jupyterlab.log", "w")
    server = subprocess.Popen(command, cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(f"{url}/api/status?token={TOKEN}", server, workdir / "jupyterlab.log")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


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
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.sessionContext) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  return !!kernel && kernel.status === 'idle';
}"""


def open_and_run_all(page, url: str, notebook: str, timeout_ms: int = 240_000):
    """Open `notebook` in JupyterLab, run every cell, and wait until the kernel is idle again."""
    page.goto(f"{url}/lab/tree/{notebook}?token={TOKEN}&reset")
    page.wait_for_function("() => !!(window.jupyterapp && window.jupyterapp.shell.currentWidget)",
                           timeout=timeout_ms, polling=250)
    accept = page.locator(".jp-Dialog .jp-mod-accept")  # "Select Kernel", if the file names none
    try:
        accept.wait_for(state="visible", timeout=3000)
        accept.click()
    except Exception:
        pass
    page.wait_for_function(KERNEL_READY_JS, timeout=timeout_ms, polling=250)
    page.evaluate("() => window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_timeout(1000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=timeout_ms, polling=250)


def playground_locators(page, slider_label: str):
    """The slider handle and figure canvas of the playground whose slider is labelled `slider_label`."""
    output = page.locator(".jp-OutputArea-output").filter(
        has=page.locator(".widget-slider .widget-label", has_text=slider_label)
    ).first
    handle = output.locator(".widget-slider", has=page.locator(".widget-label", has_text=slider_label)).locator(".noUi-handle").first
    canvas = output.locator("canvas.lesson-live-canvas").first
    return output, handle, canvas


CANVAS_HASH_JS = """(canvas) => {
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let h = 2166136261 >>> 0;
  for (let i = 0; i < data.length; i += 4) { h = Math.imul(h ^ data[i] ^ (data[i+1] << 8) ^ (data[i+2] << 16), 16777619) >>> 0; }
  return h;
}"""


def canvas_hash(canvas) -> int:
    """A hash of the canvas's pixels, computed inside the page (no screenshot)."""
    return canvas.evaluate(CANVAS_HASH_JS)


def wait_for_new_pixels(canvas, before: int, timeout_s: float = 15.0) -> float:
    """Poll (in-page) until the canvas's pixels differ from `before`; return seconds waited."""
    start = time.perf_counter()
    canvas.page.wait_for_function(
        f"([c, before]) => ({CANVAS_HASH_JS})(c) !== before", arg=[canvas.element_handle(), before],
        timeout=timeout_s * 1000, polling="raf",
    )
    return time.perf_counter() - start


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
