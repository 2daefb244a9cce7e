"""`lesson_lib.playground.canvas.LiveCanvas` and the base playground's display.

The browser is played by a stand-in that records what the kernel sends: a
background PNG once per layout (at the screen's pixel ratio, without the moving
artists) and one frame of drawing operations per update.
"""

import base64
import io

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure
from PIL import Image

from lesson_lib.playground import Playground, float_slider
from lesson_lib.playground.canvas import LiveCanvas


def _canvas():
    fig = Figure(figsize=(3, 2), dpi=100)
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8), xlim=(0, 1), ylim=(0, 1))
    (line,) = ax.plot([0, 1], [0.5, 0.5], color="red", lw=3)
    canvas = LiveCanvas(fig, [line])
    sent = []
    canvas.send = lambda content, buffers=None: sent.append((content, buffers or []))
    return canvas, ax, line, sent


def _open_view(canvas, ratio=1.0):
    canvas._on_message(canvas, {"type": "ready", "ratio": ratio}, [])


def _kinds(sent):
    return [content["type"] for content, _ in sent]


def test_without_a_browser_updates_paint_the_agg_buffer():
    canvas, _, line, sent = _canvas()
    canvas.figure.canvas.draw()
    before = np.asarray(canvas.figure.canvas.buffer_rgba()).copy()
    line.set_ydata([0.9, 0.9])
    canvas.update()
    assert not sent and not canvas.live
    assert not np.array_equal(before, np.asarray(canvas.figure.canvas.buffer_rgba()))


def test_a_view_gets_the_background_then_a_frame():
    canvas, _, _, sent = _canvas()
    _open_view(canvas, ratio=2.0)
    assert canvas.live and _kinds(sent) == ["background", "frame"]
    content, (png,) = sent[0]
    image = np.asarray(Image.open(io.BytesIO(png)))
    assert content["size"] == [300, 200] and image.shape[:2] == (400, 600)  # sharp at ratio 2
    red = (image[..., 0] > 200) & (image[..., 1] < 80) & (image[..., 2] < 80)
    assert not red.any(), "the moving line must not be baked into the background"
    frame, buffers = sent[1]
    assert [op["op"] for op in frame["ops"]] == ["path"] and len(buffers) == 1


def test_later_updates_send_only_frames_until_the_layout_changes():
    canvas, ax, line, sent = _canvas()
    _open_view(canvas)
    sent.clear()
    for y in (0.2, 0.4, 0.6):
        line.set_ydata([y, y])
        canvas.update()
    assert _kinds(sent) == ["frame"] * 3 and canvas.frames == 4
    ax.set_ylim(0, 2)
    canvas.invalidate()
    canvas.update()
    assert _kinds(sent)[-2:] == ["background", "frame"]


def test_a_new_pixel_ratio_re_renders_the_background():
    canvas, _, _, sent = _canvas()
    _open_view(canvas, 1.0)
    _open_view(canvas, 2.0)
    backgrounds = [c for c, _ in sent if c["type"] == "background"]
    assert [b["ratio"] for b in backgrounds] == [1.0, 2.0]


def test_a_second_view_gets_its_own_background():
    canvas, _, _, sent = _canvas()
    _open_view(canvas)
    _open_view(canvas)  # the same figure shown again (same pixel ratio)
    assert _kinds(sent) == ["background", "frame", "background", "frame"]
    assert [c["background"] for c, _ in sent if c["type"] == "frame"] == [1, 2]


def test_a_click_reports_data_coordinates_of_the_axes_hit():
    canvas, ax, _, _ = _canvas()
    clicks = []
    canvas.on_click(lambda axes, x, y: clicks.append((axes, x, y)))
    x, y = ax.transData.transform((0.25, 0.75))
    canvas._on_message(canvas, {"type": "click", "x": x, "y": canvas.figure.bbox.height - y}, [])
    canvas._on_message(canvas, {"type": "click", "x": 1.0, "y": 1.0}, [])  # outside the axes
    assert len(clicks) == 1 and clicks[0][0] is ax
    assert clicks[0][1:] == pytest.approx((0.25, 0.75), abs=1e-6)


def test_png_shows_the_moving_artists_too():
    canvas, _, _, _ = _canvas()
    image = np.asarray(Image.open(io.BytesIO(canvas.png())))
    assert image.shape[:2] == (200, 300)
    assert ((image[..., 0] > 200) & (image[..., 1] < 80)).any()


def test_a_pyplot_figure_is_released_to_a_plain_agg_canvas():
    with plt.ioff():
        fig, ax = plt.subplots()
    number = fig.number
    LiveCanvas(fig)
    assert type(fig.canvas).__name__ == "FigureCanvasAgg"
    assert number not in plt.get_fignums()


class Tiny(Playground):
    """A dot that follows a slider."""

    def __init__(self):
        fig = Figure(figsize=(3, 2))
        ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 1))
        (self.dot,) = ax.plot([0.5], [0.5], "o")
        super().__init__(fig, {"x": float_slider("x", 0.5, 0.0, 1.0, 0.1)}, [self.dot])

    def draw(self, x):
        if x > 0.85:
            raise RuntimeError("too far right")
        self.dot.set_xdata([x])


def test_a_playground_displays_as_widget_picture_and_one_line():
    pg = Tiny()
    bundle = pg._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == "A dot that follows a slider. (Run the notebook to use its controls.)"
    image = Image.open(io.BytesIO(base64.b64decode(bundle["image/png"])))
    assert image.size == (300, 200)
    assert isinstance(pg.widget, widgets.VBox) and pg.canvas in pg.widget.children


def test_a_live_playground_sends_a_frame_per_slider_move_and_shows_errors():
    pg = Tiny()
    sent = []
    pg.canvas.send = lambda content, buffers=None: sent.append(content["type"])
    _open_view(pg.canvas)
    pg.controls["x"].value = 0.3
    assert sent == ["background", "frame", "frame"]
    pg.controls["x"].value = 0.9
    assert isinstance(pg.last_error, RuntimeError)
    assert "too far right" in pg.errors.outputs[0]["text"]
    pg.controls["x"].value = 0.1
    assert pg.last_error is None and pg.errors.outputs == ()


# --- link: the browser sends linked controls' values straight to the kernel ---------------------

def _linked(**slider_kwargs):
    """A figure, a slider moving a line, a dropdown and a button, the canvas linked to all three."""
    canvas, ax, line, sent = _canvas()
    slider = widgets.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, **slider_kwargs)
    dropdown = widgets.Dropdown(options=["red", "blue"], value="red")
    seen = []

    def on_change(change):
        seen.append(change["new"])
        line.set_ydata([change["new"], change["new"]])
        canvas.update()

    slider.observe(on_change, names="value")
    canvas.link(slider, dropdown, widgets.Button())
    return canvas, slider, dropdown, seen, sent


def _set(canvas, seq, *changes):
    canvas._on_message(canvas, {"type": "set", "seq": seq, "changes": [list(c) for c in changes]}, [])


def test_link_records_what_each_control_syncs_and_skips_buttons():
    canvas, slider, dropdown, _, _ = _linked()
    assert canvas.linked == [slider, dropdown]
    assert [link["name"] for link in canvas._links] == ["value", "index"]
    state = canvas.get_state()["_links"]  # what the browser gets: widget references
    assert state == [{"model": f"IPY_MODEL_{slider.model_id}", "name": "value"},
                     {"model": f"IPY_MODEL_{dropdown.model_id}", "name": "index"}]
    assert canvas.link(slider).linked == [slider]  # linking again replaces the list
    with pytest.raises(ValueError, match="controls must be ipywidgets widgets"):
        canvas.link(0.5)


def test_a_linked_value_runs_the_observers_and_its_frame_answers_the_message():
    canvas, slider, _, seen, sent = _linked()
    _open_view(canvas)
    sent.clear()
    _set(canvas, 1, (0, 0.25))
    assert slider.value == 0.25 and seen == [0.25] and canvas.linked_updates == 1
    assert _kinds(sent) == ["frame"] and sent[0][0]["seq"] == 1
    # The slider's own message follows with the same value: nothing to redraw.
    slider.set_state({"value": 0.25})
    assert seen == [0.25]


def test_a_linked_value_is_never_echoed_back_to_the_browser():
    canvas, slider, _, _, _ = _linked()
    _open_view(canvas)
    to_browser = []
    slider._send = lambda msg, buffers=None: to_browser.append(msg)
    _set(canvas, 1, (0, 0.75))
    assert slider.value == 0.75 and to_browser == []
    # A value the kernel itself changes still goes to the browser, as always.
    slider.value = 0.1
    assert [m["method"] for m in to_browser] == ["update"]


def test_a_message_without_a_frame_is_answered_with_an_ack():
    canvas, slider, dropdown, seen, sent = _linked()
    _open_view(canvas)
    sent.clear()
    _set(canvas, 1, (0, 0.5))  # the value the slider already has: no observer runs
    _set(canvas, 2, (1, 1))  # the dropdown: nothing observes it here
    _set(canvas, 3, (7, 0.3))  # an index the links no longer have
    assert [(c["type"], c["seq"]) for c, _ in sent] == [("ack", 1), ("ack", 2), ("ack", 3)]
    assert dropdown.value == "blue" and seen == []


def test_several_changes_in_one_message_are_answered_once_by_the_last_frame():
    canvas, slider, dropdown, seen, sent = _linked()
    _open_view(canvas)
    sent.clear()
    _set(canvas, 4, (1, 1), (0, 0.9))
    assert dropdown.index == 1 and seen == [0.9]
    assert [(c["type"], c["seq"]) for c, _ in sent] == [("frame", 4)]


def test_a_failing_observer_still_answers_its_message():
    canvas, _, dropdown, _, sent = _linked()
    _open_view(canvas)

    def fail(change):
        raise RuntimeError("broken update")

    dropdown.observe(fail, names="index")
    sent.clear()
    with pytest.raises(RuntimeError, match="broken update"):  # shown as a comm handler's error
        _set(canvas, 5, (1, 1))
    assert [c for c, _ in sent] == [{"type": "ack", "seq": 5}]


def test_values_applied_in_message_order_never_go_backwards():
    # The browser sends the newest value at each send; messages arrive in order.
    canvas, slider, _, seen, sent = _linked()
    _open_view(canvas)
    drag = [0.51, 0.55, 0.6, 0.66, 0.7]
    for seq, value in enumerate(drag, start=1):
        _set(canvas, seq, (0, value))
        slider.set_state({"value": value})  # the slider's own message, later: a no-op
    assert seen == drag


def test_a_linked_message_older_than_one_applied_is_dropped_and_answered():
    # ipykernel 7 may run a comm message's handler before an earlier one's.
    canvas, slider, _, seen, sent = _linked()
    _open_view(canvas)
    _set(canvas, 2, (0, 0.6))
    _set(canvas, 1, (0, 0.55))  # sent first, handled second: stale
    _set(canvas, 3, (0, 0.7))
    assert seen == [0.6, 0.7]
    assert {"type": "ack", "seq": 1} in [c for c, _ in sent]
    _open_view(canvas)  # a reloaded page numbers its messages from 1 again
    _set(canvas, 1, (0, 0.2))
    assert seen == [0.6, 0.7, 0.2]


def test_a_linked_message_sent_before_the_page_heard_of_the_kernels_own_move_is_dropped():
    # Run All: a cell sets the slider while the page's first value is still on its way; that
    # late value must not undo the cell (the page shows the cell's value once it hears of it).
    canvas, slider, dropdown, seen, sent = _linked()
    _open_view(canvas)
    heard = canvas._kernel_moves
    _set(canvas, 1, (0, 0.6))
    assert canvas._kernel_moves == heard, "the link's own moves are not the kernel's"
    slider.value = 0.3  # code in a cell
    assert canvas._kernel_moves == heard + 1
    canvas._on_message(canvas, {"type": "set", "seq": 2, "changes": [[0, 0.61]], "heard": heard}, [])
    assert slider.value == 0.3 and seen == [0.6, 0.3] and sent[-1][0] == {"type": "ack", "seq": 2}
    canvas._on_message(canvas, {"type": "set", "seq": 3, "changes": [[0, 0.65]], "heard": heard + 1}, [])
    assert slider.value == 0.65
    _own_message(slider, 0.66)  # the slider's own sync is the page's too: not the kernel's move
    assert canvas._kernel_moves == heard + 1


def _own_message(slider, value):
    """The slider's own ipywidgets update, as its comm delivers it."""
    slider.comm.handle_msg({"content": {"data": {"method": "update", "state": {"value": value},
                                                  "buffer_paths": []}}, "buffers": []})


def test_once_the_link_delivers_a_control_its_own_copies_are_dropped():
    # The slider's own message and the link's carry the same values; ipykernel 7 may run them
    # out of order, so only the link's count once it has delivered this control.
    canvas, slider, dropdown, seen, _ = _linked()
    _open_view(canvas)
    _own_message(slider, 0.52)  # before the link delivered anything: applied
    _set(canvas, 1, (0, 0.6))
    _own_message(slider, 0.55)  # an older copy, handled late: dropped
    _set(canvas, 2, (0, 0.7))
    assert seen == [0.52, 0.6, 0.7]
    canvas.link(dropdown)  # unlinked: the slider's own messages apply again
    _own_message(slider, 0.3)
    assert seen[-1] == 0.3


def test_link_without_a_front_end_is_harmless():
    canvas, slider, _, seen, sent = _linked()
    slider.value = 0.3  # no view: the Agg buffer is painted, nothing is sent
    assert seen == [0.3] and sent == [] and not canvas.live


def test_frames_name_the_background_they_were_drawn_over():
    canvas, ax, line, sent = _canvas()
    _open_view(canvas)
    ax.set_ylim(0, 2)
    canvas.invalidate()
    canvas.update()
    backgrounds = [c["version"] for c, _ in sent if c["type"] == "background"]
    frames = [c["background"] for c, _ in sent if c["type"] == "frame"]
    assert backgrounds == [1, 2] and frames == [1, 2]


class PlaygroundLike:
    """What a playground is to the canvas: controls observed, a draw that may fail, a canvas."""

    def __init__(self):
        fig = Figure(figsize=(3, 2))
        ax = fig.add_subplot(xlim=(0, 1), ylim=(0, 1))
        (self.dot,) = ax.plot([0.5], [0.5], "o")
        self.controls = {"x": widgets.FloatSlider(value=0.5, min=0, max=1, step=0.1),
                         "go": widgets.Button(description="go")}
        self.canvas = LiveCanvas(fig, [self.dot])
        self.last_error = None
        self.controls["x"].observe(self.refresh, names="value")
        self.canvas.link(*self.controls.values())  # the one line a playground needs

    def refresh(self, _change=None):
        try:
            x = self.controls["x"].value
            if x > 0.85:
                raise RuntimeError("too far right")
            self.dot.set_xdata([x])
            self.canvas.update()
            self.last_error = None
        except RuntimeError as error:
            self.last_error = error


def test_a_playground_links_its_controls_with_one_line():
    pg = PlaygroundLike()
    assert pg.canvas.linked == [pg.controls["x"]]
    sent = []
    pg.canvas.send = lambda content, buffers=None: sent.append(content)
    _open_view(pg.canvas)
    _set(pg.canvas, 1, (0, 0.3))
    assert pg.controls["x"].value == 0.3 and sent[-1]["type"] == "frame" and sent[-1]["seq"] == 1
    _set(pg.canvas, 2, (0, 0.9))  # the update fails: the error is kept, the message still answered
    assert isinstance(pg.last_error, RuntimeError) and sent[-1] == {"type": "ack", "seq": 2}
