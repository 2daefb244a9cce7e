"""`lesson_lib.server`: every Jupyter server of the environment sends kernel messages at once.

Starts `jupyter server` exactly as the environment provides it (no extra
flags: the extension must be enabled by the installed config), opens a kernel
websocket and times execute round trips. With Nagle's algorithm on, each
message after the first of a burst waits ~40 ms for the browser's delayed ACK.
"""

import asyncio
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

TOKEN = "lesson-lib-server-test"
# ~15 ms is what a quiet machine shows; the limit leaves room for a fully loaded CI machine
# (whose fastest of 30 reached 15.4 ms) and still sits far below Nagle's ~40 ms wait.
ROUND_TRIP_LIMIT_MS = 25.0

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture()
def server(tmp_path):
    port = _free_port()
    jupyter = Path(sys.executable).with_name("jupyter")
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"),
               JUPYTER_CONFIG_DIR=str(tmp_path / "config"))
    log = open(tmp_path / "server.log", "w")
    process = subprocess.Popen(
        [str(jupyter if jupyter.exists() else shutil.which("jupyter")), "server", "--no-browser",
         "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", f"--IdentityProvider.token={TOKEN}",
         f"--ServerApp.root_dir={tmp_path}", "--allow-root"],
        env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"http://{url}/api/status?token={TOKEN}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError((tmp_path / "server.log").read_text())
                time.sleep(0.3)
        yield url, tmp_path / "server.log"
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


def _message(code: str) -> dict:
    msg_id = uuid.uuid4().hex
    header = {"msg_id": msg_id, "msg_type": "execute_request", "username": "test",
              "session": "test", "version": "5.3", "date": ""}
    return {"header": header, "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": code, "silent": False, "store_history": False,
                        "user_expressions": {}, "allow_stdin": False}}


async def _round_trips(url: str, count: int) -> list[float]:
    from tornado.httpclient import AsyncHTTPClient, HTTPRequest
    from tornado.websocket import websocket_connect

    reply = await AsyncHTTPClient().fetch(f"http://{url}/api/kernels?token={TOKEN}", method="POST",
                                          body=json.dumps({"name": "python3"}))
    kernel = json.loads(reply.body)["id"]
    ws = await websocket_connect(HTTPRequest(f"ws://{url}/api/kernels/{kernel}/channels?token={TOKEN}"))
    times = []
    for i in range(count + 3):  # the first few warm the kernel up
        message = _message("1 + 1")
        start = time.perf_counter()
        await ws.write_message(json.dumps(message))
        while True:  # an execute is done when the kernel says "idle" for it
            answer = json.loads(await asyncio.wait_for(ws.read_message(), 30))
            if (answer.get("parent_header", {}).get("msg_id") == message["header"]["msg_id"]
                    and answer["msg_type"] == "status"
                    and answer["content"]["execution_state"] == "idle"):
                break
        if i >= 3:
            times.append((time.perf_counter() - start) * 1e3)
    ws.close()
    return times


def test_the_environment_loads_the_extension(server):
    _, log = server
    assert "kernel websockets send without delay" in log.read_text()


def test_an_execute_round_trip_through_the_server_is_fast(server):
    # The fastest of 30, not the median: other tests load the same two cores and load only
    # ever adds time, while Nagle's ~40 ms wait is in every single round trip (44-60 ms here
    # without the extension, 5-19 ms with it here and up to 15.4 ms on a loaded CI machine).
    url, _ = server
    times = asyncio.run(_round_trips(url, 30))
    assert min(times) < ROUND_TRIP_LIMIT_MS, (
        f"execute round trip: fastest {min(times):.1f} ms, median {statistics.median(times):.1f} ms "
        f"(all: {[round(t) for t in times]})")


def test_enable_nodelay_patches_a_handler_once():
    from lesson_lib.server import enable_nodelay

    calls = []

    class Handler:
        async def open(self, *args):
            calls.append(("open", args))

        def set_nodelay(self, value):
            calls.append(("nodelay", value))

    assert enable_nodelay(Handler) and enable_nodelay(Handler)
    asyncio.run(Handler().open("kernel-id"))
    assert calls == [("nodelay", True), ("open", ("kernel-id",))]
