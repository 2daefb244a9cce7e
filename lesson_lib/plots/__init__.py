"""Plotting helpers shared by the lessons: loss curves that show divergence, landscapes, blitting.

Axis limits are fixed from the physics of each lesson (losses live between
`LOSS_LIM`), so a slider move only has to redraw the artists that changed:
`Blitter` pastes them onto a cached background in about a millisecond, where a
full redraw of a log-scale figure costs tens of milliseconds.
"""

import math

import matplotlib.colors as mcolors
import numpy as np

LOSS_LIM = (1e-4, 1e2)
"""Default loss-axis range: a log axis from 1e-4 to 1e2."""


def loss_axes(ax, steps: int, *, ylim=LOSS_LIM, title: str | None = None, ylabel="loss (MSE)"):
    """Style `ax` as a loss-vs-step panel with a fixed log loss axis."""
    ax.set_yscale("log")
    ax.set_xlim(0, steps)
    ax.set_ylim(*ylim)
    ax.set_xlabel("step")
    ax.set_ylabel(ylabel)
    if title:
        ax.set_title(title)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def visible_losses(losses, diverged_at, ylim=LOSS_LIM):
    """The part of a loss curve to draw: `(steps, values)` up to divergence, clipped to `ylim`.

    Values beyond the axis are pinned to its edges so a curve that leaves the
    plot is seen leaving it, and nothing non-finite reaches matplotlib.
    """
    losses = np.asarray(losses, dtype=float)
    end = len(losses) if diverged_at is None else int(diverged_at)
    values = np.clip(losses[:end], ylim[0], ylim[1])
    return np.arange(end), values


class LossCurve:
    """A loss curve plus a marker that says where (and whether) training diverged.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> import matplotlib.pyplot as plt
      >>> fig, ax = plt.subplots()
      >>> curve = LossCurve(loss_axes(ax, 10), label="lr = 0.1")
      >>> curve.update(np.array([1.0, 10.0, np.inf]), diverged_at=2)
      >>> curve.marker.get_visible()
      True
    """

    def __init__(self, ax, *, ylim=LOSS_LIM, animated=False, **line_kwargs):
        self.ax = ax
        self.ylim = ylim
        (self.line,) = ax.plot([], [], animated=animated, **line_kwargs)
        color = self.line.get_color()
        (self.marker,) = ax.plot(
            [], [], "X", ms=11, color=color, mec="black", clip_on=False, animated=animated,
            zorder=5,
        )
        self.label = ax.annotate(
            "", (0, ylim[1]), xytext=(0, -14), textcoords="offset points", ha="center",
            fontsize=8, color=color, animated=animated, annotation_clip=False,
        )
        self.marker.set_visible(False)
        self.label.set_visible(False)

    @property
    def artists(self):
        return [self.line, self.marker, self.label]

    def update(self, losses, diverged_at):
        steps, values = visible_losses(losses, diverged_at, self.ylim)
        self.line.set_data(steps, values)
        diverged = diverged_at is not None
        self.marker.set_visible(diverged)
        self.label.set_visible(diverged)
        if diverged:
            self.marker.set_data([diverged_at], [self.ylim[1]])
            self.label.xy = (diverged_at, self.ylim[1])
            self.label.set_text(f"diverged at step {diverged_at}")


class Blitter:
    """Redraw only the artists that change, on a cached background.

    The artists are marked animated, so a full draw leaves them out of the
    cached background; every `draw_event` (first display, resize) refreshes the
    cache and paints them again. This follows matplotlib's blitting guide. In
    the browser `playground.canvas.LiveCanvas` sends the artists instead; this
    keeps the figure's own (Agg) pixels current where no browser is attached.
    """

    def __init__(self, canvas, artists=()):
        self.canvas = canvas
        self.artists = []
        self.background = None
        self._size = None  # canvas size (pixels) when the background was cached
        for artist in artists:
            self.add(artist)
        canvas.mpl_connect("draw_event", self._on_draw)
        # A resize (ipympl resizes the figure when the browser attaches) makes the
        # cached background stale: pasting it would corrupt the new frame.
        canvas.mpl_connect("resize_event", self._forget)

    def add(self, artist):
        artist.set_animated(True)
        self.artists.append(artist)

    def _on_draw(self, event):
        self.background = self.canvas.copy_from_bbox(self.canvas.figure.bbox)
        self._size = self.canvas.get_width_height(physical=True)
        self._paint()

    def _forget(self, event=None):
        self.background = None

    def _paint(self):
        for artist in self.artists:
            artist.figure.draw_artist(artist)

    def update(self):
        """Show the artists' new state: blit if a background is cached, else draw all."""
        if self.background is None or self._size != self.canvas.get_width_height(physical=True):
            self._forget()
            self.canvas.draw_idle()
            return
        self.canvas.restore_region(self.background)
        self._paint()
        self.canvas.blit(self.canvas.figure.bbox)


def log_levels(z, count: int = 25, floor: float = 1e-4):
    """`count` log-spaced contour levels spanning the finite values of `z` (>= `floor`)."""
    z = np.asarray(z, dtype=float)
    finite = z[np.isfinite(z)]
    low = max(float(finite.min()), floor)
    high = max(float(finite.max()), low * 10)
    return np.geomspace(low, high, count)


def decade_levels(z, per_decade: int = 6, floor: float = 1e-4):
    """Log-spaced contour levels from the decade below min(z) to the decade above max(z).

    Every `per_decade`-th level is a power of ten, so a colorbar can tick at
    `levels[::per_decade]` with round labels.

    Example:
      >>> decade_levels(np.array([0.02, 30.0]), per_decade=1).tolist()
      [0.01, 0.1, 1.0, 10.0, 100.0]
    """
    z = np.asarray(z, dtype=float)
    finite = z[np.isfinite(z)]
    low = math.floor(math.log10(max(float(finite.min()), floor)))
    high = max(math.ceil(math.log10(max(float(finite.max()), floor))), low + 1)
    return np.logspace(low, high, (high - low) * per_decade + 1)


def draw_landscape(ax, surface, *, levels=None, cmap="viridis", colorbar=True, label="loss"):
    """Filled log-scale contours of a `landscapes.Surface` on `ax`; returns the contour set."""
    levels = log_levels(surface.z) if levels is None else levels
    z = np.clip(np.asarray(surface.z, dtype=float), levels[0], levels[-1])
    contours = ax.contourf(
        np.asarray(surface.x), np.asarray(surface.y), z, levels=levels, cmap=cmap,
        norm=mcolors.LogNorm(levels[0], levels[-1]),
    )
    if colorbar:
        bar = ax.figure.colorbar(contours, ax=ax, label=label)
        bar.ax.minorticks_off()
    return contours


CRITICAL_POINT_STYLE = {
    "minimum": dict(marker="*", color="gold", ms=14, mec="black"),
    "maximum": dict(marker="^", color="red", ms=11, mec="black"),
    "saddle": dict(marker="P", color="white", ms=11, mec="black"),
    "degenerate": dict(marker="o", color="orange", ms=9, mec="black"),
}


def mark_critical_points(ax, points, kinds):
    """Mark each point with its kind (minimum, maximum, saddle, degenerate), one legend entry per kind."""
    seen = set()
    for point, kind in zip(points, kinds):
        style = CRITICAL_POINT_STYLE[kind]
        label = None if kind in seen else kind
        seen.add(kind)
        ax.plot([point[0]], [point[1]], linestyle="none", label=label, zorder=6, **style)


def format_lr(lr: float) -> str:
    """A learning rate for titles and readouts: `3.2e-02`, or `inf`."""
    return "inf" if not math.isfinite(lr) else f"{lr:.1e}"
