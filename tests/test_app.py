"""App mode (`make app`): lessons served by Voilà as apps, driven in headless Chromium.

Voilà runs as an extension of a Jupyter server, as `make app` starts it, over the app edition
(tools/editions.py) of lesson 03, one of the quickest to execute (a log learning-rate slider):
the page renders prose and playgrounds without code, a slider key press gives the live canvas new
pixels, and no error shows. The server's log proves lesson_lib.server (TCP_NODELAY) was loaded.
The playgrounds themselves are the same objects in every front end; the browser suite drives
them all in JupyterLab and Notebook 7.
"""

import json
import os
import sys

import pytest

from browser_suite import browser_context_args, browser_type_launch_args  # noqa: F401 (fixtures)
from jupyter_browser import (
    PLAYGROUND_OUTPUT, ROOT, TOKEN, _free_port, key_with_room, plot_hash, serve, wait_for_plot_change,
    wait_until_drawn,
)

sys.path.insert(0, str(ROOT / "tools"))
import editions  # noqa: E402

pytestmark = pytest.mark.browser

APPS = ["03_learning_rate.ipynb"]
ERROR_TEXT = ["Traceback", "This update failed", "There was an error", "Error:"]


@pytest.fixture(scope="module")
def app_server(tmp_path_factory):
    work = tmp_path_factory.mktemp("app")
    root = work / "root"
    editions.build("app", [ROOT / "notebooks" / name for name in APPS], root)
    (work / "config").mkdir()
    (work / "config" / "jupyter_server_config.json").write_text(json.dumps({}))
    port = _free_port()
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(work / "runtime"), JUPYTER_CONFIG_DIR=str(work / "config"))
    env.pop("MPLBACKEND", None)
    # XLA_FLAGS stays: `make test` compiles the lessons here as strict nbval's kernels did, so
    # they start from the JAX compilation cache that run left.
    log_path = work / "server.log"
    command = [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={root}",
               "--ServerApp.allow_root=True", "--VoilaConfiguration.show_tracebacks=True"]
    with serve(command, cwd=root, env=env, port=port, log_path=log_path) as url:
        yield url, log_path


def test_app_server_loads_the_nodelay_extension(app_server):
    _, log_path = app_server
    assert "kernel websockets send without delay" in log_path.read_text()


@pytest.mark.parametrize("notebook", APPS)
def test_app_slider_changes_its_plot_and_no_error_shows(page, app_server, notebook):
    url, _ = app_server
    page.set_default_timeout(60_000)
    page.goto(f"{url}/voila/render/{notebook}?token={TOKEN}", timeout=300_000)
    output = page.locator(PLAYGROUND_OUTPUT).first
    output.wait_for(state="visible", timeout=300_000)  # Voilà executes the whole lesson first
    output.scroll_into_view_if_needed()
    assert wait_until_drawn(output), f"{notebook}: the live figure never drew"
    handle = output.locator(".widget-slider .noUi-handle").first
    before = plot_hash(output)
    handle.focus()
    handle.press(key_with_room(handle))
    assert wait_for_plot_change(output, before, 15.0), f"{notebook}: no new pixels after a slider key press"
    page.wait_for_load_state("load")
    text = page.locator("body").inner_text()
    assert not [e for e in ERROR_TEXT if e in text], text[-2000:]
    assert page.locator(".jp-InputArea-editor, .jp-CodeMirrorEditor").count() == 0, "code shown in the app"
    assert "import jax" not in text


def test_app_tree_lists_every_lesson(page, app_server):
    url, _ = app_server
    page.goto(f"{url}/voila/tree?token={TOKEN}")
    for notebook in APPS:
        page.get_by_text(notebook).first.wait_for(state="visible", timeout=30_000)
