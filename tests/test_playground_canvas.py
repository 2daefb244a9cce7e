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
