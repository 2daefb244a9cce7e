"""The browser half of `LiveCanvas.link` (live_canvas.js), run in Node with stand-in models.

The stand-ins play ipywidgets' models: a control fires `change:value`, the canvas
model records what it sends to the kernel, and the test answers messages as the
kernel would (a frame or an ack carrying the message's `seq`). Skips without Node.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parent.parent / "lesson_lib" / "playground" / "live_canvas.js"

HARNESS = r"""
const { default: widget } = await import(process.argv[2]);
function fakeModel(attributes = {}) {
  const handlers = {};
  return {
    attributes, sent: [], _state_lock: null,
    get(name) { return this.attributes[name]; },
    on(event, fn) { (handlers[event] = handlers[event] || []).push(fn); },
    off(event, fn) { handlers[event] = (handlers[event] || []).filter((f) => f !== fn); },
    trigger(event, ...args) { for (const fn of handlers[event] || []) fn(...args); },
    send(msg) { this.sent.push(msg); },
    listeners(event) { return (handlers[event] || []).length; },
  };
}
const slider = fakeModel({ value: 0 }), dropdown = fakeModel({ index: 0 });
const models = { s1: slider, d1: dropdown };
const canvas = fakeModel({ _links: [{ model: "IPY_MODEL_s1", name: "value" },
                                    { model: "IPY_MODEL_d1", name: "index" }] });
canvas.widget_manager = { get_model: async (id) => models[id] };
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const move = (model, name, value) => { model.attributes[name] = value; model.trigger(`change:${name}`, model, value); };
const answer = (seq, type = "frame") => canvas.trigger("msg:custom", { type, seq }, []);
const log = {};

const dispose = widget.initialize({ model: canvas });
await tick(); await tick();
for (let v = 1; v <= 6; v++) move(slider, "value", v);          // a drag: six values at once
log.burst = canvas.sent.map((m) => m.changes);
answer(1);                                                        // the kernel's first frame
log.afterFirst = canvas.sent.map((m) => m.changes);
answer(2, "ack"); answer(3);
log.afterAll = canvas.sent.map((m) => [m.seq, m.changes]);
slider._state_lock = { value: 9 }; move(slider, "value", 9); slider._state_lock = null;
move(dropdown, "index", 1);
log.kernelOwnAndDropdown = canvas.sent.slice(3).map((m) => m.changes);
dispose();
log.listenersAfterDispose = slider.listeners("change:value") + canvas.listeners("msg:custom");
console.log(JSON.stringify(log));
"""

pytestmark = pytest.mark.skipif(shutil.which("node") is None, reason="needs Node.js")


@pytest.fixture(scope="module")
def log(tmp_path_factory):
    script = tmp_path_factory.mktemp("js") / "harness.mjs"
    script.write_text(HARNESS)
    out = subprocess.run(["node", str(script), JS.as_uri()], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_at_most_two_messages_travel_and_only_the_newest_value_waits(log):
    assert log["burst"] == [[[0, 1]], [[0, 2]]]  # 3..5 were overtaken while waiting
    assert log["afterFirst"] == [[[0, 1]], [[0, 2]], [[0, 6]]]


def test_every_answer_frees_a_place_and_values_only_go_forwards(log):
    assert log["afterAll"] == [[1, [[0, 1]]], [2, [[0, 2]]], [3, [[0, 6]]]]


def test_a_value_from_the_kernel_is_not_sent_back_and_every_linked_control_is_watched(log):
    assert log["kernelOwnAndDropdown"] == [[[1, 1]]]


def test_disposing_removes_every_listener(log):
    assert log["listenersAfterDispose"] == 0
