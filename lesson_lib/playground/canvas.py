"""LiveCanvas: a matplotlib figure in the browser that answers a slider within one frame.

ipympl ships a whole PNG per update: ~27 ms to encode a 1000 × 400 frame in
the kernel, as long again to decode in the browser, four times the pixels on a
high-density screen. Here matplotlib renders only the static part of the
figure (axes, ticks, labels, contours) to a PNG, once per layout, at the
screen's pixel ratio; every update then sends the moving artists as drawing
operations (`lesson_lib.plots.scene`), a few kilobytes of float32 arrays that
the browser replays on a canvas over that background in about a millisecond.

While a slider is dragged, ipywidgets sends its value one message at a time
and waits for the kernel to go idle before the next, so the frame rate is one
over the whole round trip. `link(*controls)` lets the canvas's own JavaScript
watch those controls in the browser and send each new value straight to the
kernel, with up to two messages in flight and only the newest value kept
while it waits: the kernel always has the next value queued when it finishes
a frame. The slider's own message then carries a value the kernel already has
(a no-op). Messages on one websocket arrive in the order they were sent and
each carries the browser's value at sending time, and the kernel drops a
linked message older than one it applied (ipykernel 7 may run a comm message's
handler before an earlier one's), so values never go backwards, and one sent
before the page heard of the kernel's own latest move of a linked control (a
cell setting a slider while the page's value was on its way), so code in a
cell is never undone by a late message; the kernel
never echoes a linked value back, so a late answer cannot pull a slider the
student is still dragging.

Frames sent ahead: `send_prefetched` sends the artists' current state as the
frame for given values of the linked controls (a playground draws its
sliders' neighbouring values while the kernel is idle). The browser keeps such
frames by the controls' positions on their grids and paints one the moment
the controls reach it, in the same animation frame as the key press, before
the kernel's answer. Every frame names the linked values it was drawn for
and an epoch; a frame that no linked message caused (a click, a button, code
in a cell) starts a new epoch, and the browser forgets the frames of older
ones, so a frame sent ahead is never shown once the state it was drawn from
has changed.

The widget is an anywidget, so it runs wherever anywidget does: JupyterLab,
Notebook 7, Voilà, VS Code and Colab. Without a front end (tests, benchmarks,
a plain script) updates are painted into the figure's Agg buffer by blitting
instead, so the figure is always up to date for `savefig` and pixel tests;
`link` then only records the controls.
"""

import io
import sys
import threading
from pathlib import Path

import anywidget
import ipywidgets as widgets
import numpy as np
import traitlets
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from lesson_lib.plots import Blitter
from lesson_lib.plots.scene import record_artists

__all__ = ["LiveCanvas", "agg_figure", "option_values", "png_bytes"]


def option_values(control) -> tuple:
    """A selection's option values, however its `options` were given (labels, pairs, a dict)."""
    return tuple(control._options_values)  # ipywidgets keeps them normalised here


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
      linked: the controls whose browser-side changes reach the kernel directly
        (see `link`); `linked_updates` counts the values that came that way.
      prefetched: how many frames were sent ahead (`send_prefetched`).
    """

    _esm = Path(__file__).with_name("live_canvas.js")
    _css = ".lesson-live-canvas { display: block; max-width: 100%; height: auto; }"
    # [{"model": widget, "name": "value" or "index"}]: the browser watches `name` of each model.
    _links = traitlets.List(traitlets.Dict()).tag(sync=True, **widgets.widget_serialization)
    # How often the kernel itself moved a linked control (code in a cell, a click): a linked
    # message sent before the page heard of the latest such move is stale and dropped.
    _kernel_moves = traitlets.Int(0).tag(sync=True)

    def __init__(self, fig, artists=()):
        super().__init__()
        self.figure = agg_figure(fig)
        self._blitter = Blitter(fig.canvas, artists)
        self.live = False
        self.frames = 0
        self._ratio = 1.0
        self._background = None  # (png bytes, ratio) of the current layout
        self._background_version = 0  # frames name the background they belong to
        self._click_handlers = []
        self._seq = None  # the linked message being applied (its frame acknowledges it)
        self._answered = None  # the last linked message a frame acknowledged
        self._newest = 0  # the newest linked message applied (an older one arriving later is stale)
        self._linked_live = set()  # the linked controls whose values the link has delivered
        # The threads applying the page's values now: a linked message, a linked control's own
        # ipywidgets message (thread idents, or None).
        self._linking = self._from_browser = None
        # ipykernel 7 may hand comm messages to subshell threads, so a linked message, a
        # control's own message and a cell can arrive on different threads at once: the
        # canvas's updates, and those of the playground drawing on it, take turns under `lock`.
        self.lock = threading.RLock()
        self._epoch = 0  # bumped by every frame that no linked message caused
        self.linked_updates = 0
        self.prefetched = 0
        self.on_msg(self._on_message)

    @property
    def linked(self) -> list:
        return [link["model"] for link in self._links]

    def link(self, *controls):
        """Let the browser send these controls' new values straight to the kernel.

        Each control's synced value (`value`; `index` for a dropdown or toggle
        buttons) is watched in the browser; a change goes to the kernel at once
        with up to two messages in flight, and the kernel sets the control's
        value there, which runs its observers (the playground's update) as the
        slider's own message would. Controls without a value (buttons) are
        skipped, so `canvas.link(*playground.controls.values())` is all a
        playground needs. Linking again replaces the list. Returns `self`.

        Harmless without a front end: nothing is sent, the controls are only
        recorded.

        Example:
          >>> import ipywidgets as widgets
          >>> from matplotlib.figure import Figure
          >>> slider, button = widgets.FloatSlider(), widgets.Button()
          >>> canvas = LiveCanvas(Figure()).link(slider, button)
          >>> canvas.linked == [slider]
          True
        """
        links = []
        for control in controls:
            if not isinstance(control, widgets.Widget):
                raise ValueError(f"controls must be ipywidgets widgets, got {control!r}")
            # What the browser syncs: `value`, or for a selection (dropdown) its `index`.
            name = next((n for n in ("value", "index") if n in control.keys), None)
            if name is not None and all(link["model"] is not control for link in links):
                links.append({"model": control, "name": name})
        for link in self._links:  # unlinked: the control's own messages apply again
            link["model"].unobserve(self._on_control_moved, names=link["name"])
            if link["model"].comm is not None:
                link["model"].comm.on_msg(link["model"]._handle_msg)
        for link in links:
            link["model"].observe(self._on_control_moved, names=link["name"])
            if link["model"].comm is not None:
                link["model"].comm.on_msg(self._own_message_handler(link["model"], link["name"]))
        self._links, self._linked_live = links, set()
        return self

    def _own_message_handler(self, control, name):
        """The control's comm handler once linked: its own copy of a value the link delivers is dropped.

        Once the link has delivered this control's values (since the view opened),
        the control's own ipywidgets update carries a copy that ipykernel 7 may
        run before or after the link's, out of order; only the link's are applied.
        """
        def handle(msg):
            data = msg.get("content", {}).get("data", {})
            state = data.get("state")
            if control in self._linked_live and data.get("method") == "update" and name in (state or {}):
                state = {key: value for key, value in state.items() if key != name}
                msg = {**msg, "content": {**msg["content"], "data": {**data, "state": state}}}
            with self.lock:
                self._from_browser = threading.get_ident()
                try:
                    control._handle_msg(msg)
                finally:
                    self._from_browser = None
        return handle

    def _on_control_moved(self, _change):
        """A linked control changed: counted unless the page moved it (by the link or its own sync)."""
        if threading.get_ident() not in (self._linking, self._from_browser):
            self._kernel_moves += 1

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
        with self.lock:
            if not self.live:
                self._blitter.update()
                return
            if self._background is None or self._background[1] != self._ratio:
                self._send_background()
            self._send_frame()

    def send_prefetched(self, values: dict) -> bool:
        """Send the artists' current state as the frame for these linked values, ahead of the move.

        `values` maps linked controls to the values this state was drawn for
        (the other linked controls as they are). Sent only to a live view
        whose background is current; returns whether it was sent.
        """
        if not self.live or self._background is None or self._background[1] != self._ratio:
            return False
        if any(all(link["model"] is not control for link in self._links) for control in values):
            raise ValueError("send_prefetched: values must be keyed by linked controls")
        with self.lock:
            ops, buffers = record_artists(self.figure, self.artists)
            self.send({"type": "frame", "ops": ops, "background": self._background_version, "seq": None,
                       "state": self._state(values), "epoch": self._epoch, "ahead": True}, buffers=buffers)
            self.prefetched += 1
        return True

    def _state(self, values=None) -> list:
        """The linked controls' synced values (as JSON sends them), those in `values` replaced.

        A selection (synced by `index`) is given by its value in `values`; its
        synced value is that value's position among its options.
        """
        values = values or {}
        state = []
        for link in self._links:
            control, name = link["model"], link["name"]
            given = [v for c, v in values.items() if c is control]
            if not given:
                state.append(getattr(control, name))
            elif name == "index":
                state.append(option_values(control).index(given[0]))
            else:
                state.append(given[0])
        return state

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
        self._background_version += 1
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
        self.send({"type": "background", "size": size, "ratio": self._ratio,
                   "version": self._background_version}, buffers=[png])

    def _send_frame(self):
        ops, buffers = record_artists(self.figure, self.artists)
        if self._linking is None:
            self._epoch += 1  # a click, a button, a cell: frames sent ahead before it are stale
        # `background`: the browser paints a frame only over the background it was drawn for
        # (a new one may still be decoding); `seq`: the linked message this frame answers;
        # `state` and `epoch`: what it shows, for the frames kept in the browser.
        self.send({"type": "frame", "ops": ops, "background": self._background_version,
                   "seq": self._seq, "state": self._state(), "epoch": self._epoch}, buffers=buffers)
        self._answered, self._seq = self._seq, None
        self.frames += 1

    def _on_message(self, _widget, content, _buffers):
        with self.lock:
            self._handle(content)

    def _handle(self, content):
        kind = content.get("type")
        if kind == "ready":  # a new view (or a new pixel ratio): it needs a background
            self.live = True
            self._ratio = float(content.get("ratio") or 1.0)
            self._background = None
            self._newest = 0  # a reloaded page numbers its linked messages from 1 again
            self._linked_live = set()
            self.update()
        elif kind == "click":
            self._click(float(content["x"]), float(content["y"]))
        elif kind == "set":
            self._apply_linked(content)

    def _apply_linked(self, content):
        """Set linked controls to the browser's values; acknowledge with a frame or an "ack"."""
        seq, changes = content.get("seq"), list(content.get("changes", []))
        if isinstance(seq, int):
            # ipykernel 7 may hand a comm message to its handler before an earlier one (while
            # that one waits inside the kernel): a message older than one applied is dropped,
            # so values never go backwards.
            if seq <= self._newest:
                changes = []
            self._newest = max(self._newest, seq)
        heard = content.get("heard")
        if isinstance(heard, int) and heard < self._kernel_moves:
            # Sent before the page heard of the kernel's own latest move (Run All setting a
            # slider while the page's first value was on its way): the kernel's value stands.
            changes = []
        self._linking = threading.get_ident()
        try:
            for number, (index, value) in enumerate(changes):
                links = self._links
                if not 0 <= int(index) < len(links):
                    continue  # the links changed while this message travelled
                control, name = links[int(index)]["model"], links[int(index)]["name"]
                self._linked_live.add(control)
                self.linked_updates += 1
                if number == len(changes) - 1:
                    self._seq = seq  # the frame of the last change acknowledges the message
                # As ipywidgets applies a browser's update, but without the echo: the
                # browser already shows this value (and may have moved on since).
                from_json = control.trait_metadata(name, "from_json", control._trait_from_json)
                with control._lock_property(**{name: value}), control.hold_trait_notifications():
                    control.set_trait(name, from_json(value, control))
        finally:
            self._seq, self._linking = None, None
            if seq is not None and self._answered != seq:  # no frame went out (same value, an error)
                self.send({"type": "ack", "seq": seq})

    def _click(self, x, y):
        display_xy = (x, self.figure.bbox.height - y)
        for ax in self.figure.axes:
            if ax.contains_point(display_xy):
                data_x, data_y = ax.transData.inverted().transform(display_xy)
                for callback in self._click_handlers:
                    callback(ax, float(data_x), float(data_y))
                return
