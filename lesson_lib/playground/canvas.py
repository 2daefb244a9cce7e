"""LiveCanvas: a matplotlib figure in the browser that answers a slider within one frame.

ipympl ships a whole PNG per update: ~27 ms to encode a 1000 × 400 frame in
the kernel, as long again to decode in the browser, four times the pixels on a
high-density screen. Here matplotlib renders only the static part of the
figure (axes, ticks, labels, contours) to a PNG, once per layout, at the
screen's pixel ratio; every update then sends the moving artists as drawing
operations (`lesson_lib.plots.scene`), a few kilobytes of float32 arrays that
the browser replays on a canvas over that background in about a millisecond.

The widget is an anywidget, so it runs wherever anywidget does: JupyterLab,
Notebook 7, Voilà, VS Code and Colab. Without a front end (tests, benchmarks,
a plain script) updates are painted into the figure's Agg buffer by blitting
instead, so the figure is always up to date for `savefig` and pixel tests.
"""

import io
import sys
from pathlib import Path

import anywidget
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from lesson_lib.plots import Blitter
from lesson_lib.plots.scene import record_artists

__all__ = ["LiveCanvas", "agg_figure", "png_bytes"]


def agg_figure(fig):
    """Give `fig` a plain Agg canvas (releasing it from pyplot and ipympl); returns `fig`."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None and fig.canvas.manager is not None:
        pyplot.close(fig)  # pyplot would keep it (and ipympl its widget) alive
    if type(fig.canvas) is not FigureCanvasAgg:
        FigureCanvasAgg(fig)
    return fig


def png_bytes(rgba, compress_level: int = 1) -> bytes:
    """An RGBA pixel array as PNG bytes (fast compression: these are sent, not stored)."""
    out = io.BytesIO()
    Image.fromarray(np.asarray(rgba)).save(out, format="PNG", compress_level=compress_level)
    return out.getvalue()


class LiveCanvas(anywidget.AnyWidget):
    """Show `fig` in the browser; `update()` redraws its moving `artists` there.

    Attributes:
      figure: the matplotlib figure (on an Agg canvas).
      artists: the moving artists; they are marked animated, so the static
        background leaves them out.
      live: True once a browser view has opened (it says "ready").
      frames: how many frames were sent to the browser (a counter for tests).
    """

    _esm = Path(__file__).with_name("live_canvas.js")
    _css = ".lesson-live-canvas { display: block; max-width: 100%; height: auto; }"

    def __init__(self, fig, artists=()):
        super().__init__()
        self.figure = agg_figure(fig)
        self._blitter = Blitter(fig.canvas, artists)
        self.live = False
        self.frames = 0
        self._ratio = 1.0
        self._background = None  # (png bytes, ratio) of the current layout
        self._click_handlers = []
        self.on_msg(self._on_message)

    @property
    def artists(self) -> list:
        return self._blitter.artists

    def add(self, artist):
        """Mark `artist` as moving: drawn each frame, left out of the background."""
        self._blitter.add(artist)

    def invalidate(self):
        """The static part changed (axis limits, a new contour plot): re-render it on the next update."""
        self._background = None
        self._blitter.background = None

    def update(self):
        """Show the artists' current state in the browser (or, with no browser, in the Agg buffer)."""
        if not self.live:
            self._blitter.update()
            return
        if self._background is None or self._background[1] != self._ratio:
            self._send_background()
        self._send_frame()

    def on_click(self, callback):
        """Call `callback(ax, x, y)` with data coordinates when the figure is clicked inside axes `ax`."""
        self._click_handlers.append(callback)

    def png(self) -> bytes:
        """The whole figure, moving artists included, as a PNG (the picture shown without a kernel)."""
        out = io.BytesIO()
        self.figure.savefig(out, format="png", dpi=self.figure.dpi)
        self._blitter.background = None  # savefig drew into the Agg buffer
        return out.getvalue()

    # --- the wire -----------------------------------------------------------------------------
    def _send_background(self):
        fig, dpi = self.figure, self.figure.dpi
        try:
            if self._ratio != 1.0:
                fig.set_dpi(dpi * self._ratio)
            # An ordinary draw leaves the animated artists out; the blitter caches that
            # background (then paints the artists over it for the Agg buffer).
            fig.canvas.draw()
            png = png_bytes(np.asarray(self._blitter.background))
        finally:
            if self._ratio != 1.0:
                fig.set_dpi(dpi)
        self._blitter.background = None
        self._background = (png, self._ratio)
        size = [round(fig.bbox.width), round(fig.bbox.height)]
        self.send({"type": "background", "size": size, "ratio": self._ratio}, buffers=[png])

    def _send_frame(self):
        ops, buffers = record_artists(self.figure, self.artists)
        self.send({"type": "frame", "ops": ops}, buffers=buffers)
        self.frames += 1

    def _on_message(self, _widget, content, _buffers):
        kind = content.get("type")
        if kind == "ready":
            self.live = True
            self._ratio = float(content.get("ratio") or 1.0)
            self.update()
        elif kind == "click":
            self._click(float(content["x"]), float(content["y"]))

    def _click(self, x, y):
        display_xy = (x, self.figure.bbox.height - y)
        for ax in self.figure.axes:
            if ax.contains_point(display_xy):
                data_x, data_y = ax.transData.inverted().transform(display_xy)
                for callback in self._click_handlers:
                    callback(ax, float(data_x), float(data_y))
                return
