"""Record what matplotlib draws as a list of drawing operations a browser canvas can replay.

A playground's figure has a static part (axes, ticks, labels, a contour plot),
rendered once by Agg into a PNG, and a few moving artists (a loss curve, a
trajectory, a readout). Sending a whole PNG per slider move costs tens of
milliseconds to encode and decode; sending the moving artists' geometry costs
well under one. `SceneRecorder` is a matplotlib renderer that, instead of
painting pixels, records each call matplotlib makes — paths with their stroke,
fill, dashes and clip rectangle, markers stamped at many positions, images —
in figure pixels with the origin at the top left, as a browser canvas expects.

Text is recorded as the glyph outlines matplotlib itself computes (its
`TextToPath`), so moving text, math included, looks exactly like the static
text Agg renders, whatever fonts the browser has.

Why by hand: matplotlib's own web backends (webagg, ipympl) ship pixels, and
the SVG backend ships a document per frame; nothing in the field records a
frame of artists as compact arrays. The operations are plain dicts whose
arrays are float32 buffers, ready for a Jupyter comm message.

Example:
  >>> import matplotlib; matplotlib.use("Agg")
  >>> from matplotlib.figure import Figure
  >>> fig = Figure(figsize=(2, 1), dpi=100)
  >>> ax = fig.add_axes((0, 0, 1, 1), xlim=(0, 1), ylim=(0, 1))
  >>> (line,) = ax.plot([0, 1], [0, 1], color="red", lw=2)
  >>> ops, buffers = record_artists(fig, [line])
  >>> ops[0]["op"], ops[0]["stroke"], ops[0]["width"]
  ('path', [1.0, 0.0, 0.0, 1.0], 2.78)
  >>> np.frombuffer(buffers[ops[0]["xy"]], np.float32).tolist()  # (0, 0) is the bottom left
  [0.0, 100.0, 200.0, 0.0]
"""

import numpy as np
from matplotlib.backend_bases import GraphicsContextBase, RendererBase
from matplotlib.path import Path

__all__ = ["SceneRecorder", "record_artists"]

_CAPS = {"butt": "butt", "round": "round", "projecting": "square"}
_JOINS = {"miter": "miter", "round": "round", "bevel": "bevel"}


def _color(rgba, alpha=None):
    """A colour as [r, g, b, a] floats (None for "none"), with the gc's alpha applied."""
    if rgba is None:
        return None
    rgba = [float(c) for c in rgba]
    if len(rgba) == 3:
        rgba.append(1.0)
    if alpha is not None:
        rgba[3] = float(alpha)
    return None if rgba[3] == 0 else [round(c, 4) for c in rgba]


class SceneRecorder(RendererBase):
    """A matplotlib renderer that records drawing operations instead of painting.

    Coordinates are figure pixels at the figure's dpi, y pointing down, so a
    browser canvas of the figure's size replays them directly.
    """

    def __init__(self, width: float, height: float, dpi: float):
        super().__init__()
        self.width, self.height, self.dpi = width, height, dpi
        self.ops: list[dict] = []
        self.buffers: list[bytes] = []

    # --- what matplotlib asks of a renderer ---------------------------------------------
    def get_canvas_width_height(self):
        return self.width, self.height

    def points_to_pixels(self, points):
        return points * self.dpi / 72.0

    def flipy(self):
        return False

    def new_gc(self):
        return GraphicsContextBase()

    def option_image_nocomposite(self):
        return True

    # --- recording --------------------------------------------------------------------------
    def _buffer(self, array) -> int:
        self.buffers.append(np.ascontiguousarray(array, dtype=np.float32).tobytes())
        return len(self.buffers) - 1

    def _pixels(self, xy):
        """Display coordinates (origin bottom left) to canvas pixels (origin top left)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        return np.column_stack([xy[:, 0], self.height - xy[:, 1]])

    def _style(self, gc, fill) -> dict:
        width = self.points_to_pixels(gc.get_linewidth())
        stroke = _color(gc.get_rgb()) if width > 0 else None  # the gc's colour carries its alpha
        # As Agg does: a fill takes the gc's alpha when that is forced or the fill has none.
        forced = fill is not None and (gc.get_forced_alpha() or len(fill) == 3)
        offset, dashes = gc.get_dashes()
        style = {
            "stroke": stroke,
            "fill": _color(fill, gc.get_alpha() if forced else None),
            "width": round(float(width), 2),
            "cap": _CAPS.get(gc.get_capstyle(), "butt"),
            "join": _JOINS.get(gc.get_joinstyle(), "miter"),
        }
        if dashes is not None and stroke is not None:
            style["dash"] = [round(float(self.points_to_pixels(d)), 2) for d in dashes]
            style["dashOffset"] = round(float(self.points_to_pixels(offset or 0.0)), 2)
        clip = gc.get_clip_rectangle()
        if clip is not None:
            x0, y0, w, h = clip.bounds
            style["clip"] = [round(float(x0), 2), round(float(self.height - y0 - h), 2),
                             round(float(w), 2), round(float(h), 2)]
        return style

    def _codes(self, path, count):
        if path.codes is None:
            return None
        return self._buffer(np.asarray(path.codes, dtype=np.float32)[:count])

    def draw_path(self, gc, path, transform, rgbFace=None):
        style = self._style(gc, rgbFace)
        if style["stroke"] is None and style["fill"] is None:
            return
        xy = self._pixels(transform.transform(path.vertices))
        self.ops.append({"op": "path", "xy": self._buffer(xy), "codes": self._codes(path, len(xy)),
                         **style})

    def draw_markers(self, gc, marker_path, marker_trans, path, trans, rgbFace=None):
        """One operation per marker set: the marker's outline once, then where to stamp it."""
        style = self._style(gc, rgbFace)
        if style["stroke"] is None and style["fill"] is None:
            return
        shape = marker_trans.transform(marker_path.vertices) * np.array([1.0, -1.0])
        at = self._pixels(trans.transform(path.vertices))
        at = at[np.all(np.isfinite(at), axis=1)]
        self.ops.append({"op": "markers", "xy": self._buffer(shape),
                         "codes": self._codes(marker_path, len(shape)), "at": self._buffer(at),
                         **style})

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        self._draw_text_as_path(gc, x, y, s, prop, angle, ismath, mtext)

    def draw_image(self, gc, x, y, im, transform=None):
        """An RGBA image (uint8, rows from the top) placed with its bottom left at (x, y)."""
        im = np.asarray(im, dtype=np.uint8)
        height, width = im.shape[:2]
        self.buffers.append(np.ascontiguousarray(im).tobytes())
        self.ops.append({"op": "image", "rgba": len(self.buffers) - 1, "size": [width, height],
                         "at": [float(x), float(self.height - y - height)]})


def record_artists(fig, artists) -> tuple[list[dict], list[bytes]]:
    """The drawing operations of `artists` (visible ones, in z-order) on `fig`, and their buffers."""
    width, height = fig.bbox.width, fig.bbox.height
    recorder = SceneRecorder(width, height, fig.dpi)
    for artist in sorted(artists, key=lambda a: a.get_zorder()):
        if artist.get_visible():
            artist.draw(recorder)
    return recorder.ops, recorder.buffers
