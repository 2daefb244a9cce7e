"""`make lab` starts JupyterLab, as root or not, and passes LAB_ARGS through.

Starts the very command a new user types, on a free loopback port with a fixed
token and no browser, waits for `/api/status` to answer, then stops it.
"""

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "make-lab-test"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_make_lab_starts_and_answers_api_status(tmp_path):
    port = _free_port()
    lab_args = (f"--no-browser --ServerApp.ip=127.0.0.1 --ServerApp.port={port} "
                f"--IdentityProvider.token={TOKEN} --LabApp.workspaces_dir={tmp_path / 'ws'} "
                f"--LabApp.user_settings_dir={tmp_path / 'settings'}")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    log = open(tmp_path / "lab.log", "w")
    server = subprocess.Popen(["make", "-s", "lab", f"LAB_ARGS={lab_args}"], cwd=ROOT, env=env,
                              stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        status = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(
                        f"http://127.0.0.1:{port}/api/status?token={TOKEN}", timeout=2) as reply:
                    status = json.load(reply)
                break
            except OSError:
                time.sleep(0.5)
        output = (tmp_path / "lab.log").read_text()
        assert server.poll() is None, f"make lab exited early:\n{output}"
        assert status is not None, f"no answer from /api/status:\n{output}"
        assert "started" in status and status.get("kernels") == 0
        assert "Running as root is not recommended" not in output
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
