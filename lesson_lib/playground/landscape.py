"""Lesson 01 playground: gradient descent on the landscape of `y = x w1 w2`.

The loss `L(w1, w2) = mean((y - w1 w2 x)²)` depends on the weights only
through their product `p = w1 w2`, so its landscape over the plane is a valley
of global minima along the hyperbola `w1 w2 = p*` (with `p* = mean(xy) /
mean(x²)`, two branches) and a saddle at the origin. `LandscapePlayground`
lets the learner pick the start point and the learning rate and watch the
trajectory and its loss curve; a click on the landscape moves the start there.

The figure is 7.4 inches wide (a laptop's output area). The contour plot is
drawn once; a slider move reruns one compiled `lax.scan`
(start point and learning rate are traced, so nothing recompiles) and blits
the trajectory and loss curve onto the cached background.
"""

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks
from lesson_lib.data import linear_regression_data
from lesson_lib.landscapes import grid, narrow_landscape
from lesson_lib.nets import narrow_loss, narrow_solution
from lesson_lib.playground.base import Playground, float_slider, log_slider
from lesson_lib.plots import (
    LossCurve, decade_levels, draw_landscape, format_lr, loss_axes, mark_critical_points,
)
from lesson_lib.plots.narrow import DARK_LEGEND, valley_branches, visible_path
from lesson_lib.train import gradient_descent

__all__ = ["LandscapePlayground", "check_data", "lesson_data"]

FIGSIZE = (7.4, 3.5)
"""The playground's figure, in inches: fits a 760-px output area at 100 dpi."""


def check_data(x, y) -> None:
    """Raise a ValueError unless `x`, `y` are non-empty 1-D arrays of finite numbers, same shape.

    Example:
      >>> check_data(np.array([1.0, 2.0]), np.array([2.0, np.nan]))
      Traceback (most recent call last):
      ...
      ValueError: y must contain only finite numbers (no NaN or inf)
    """
    _checks.same_shape(x, y)
    for name, value in (("x", x), ("y", y)):
        array = np.asarray(value, dtype=float)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
        if not np.all(np.isfinite(array)):
            raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")


def lesson_data(x, y):
    """`(x, y)` as given (checked by `check_data`), or the lessons' data when both are left out.

    Example:
      >>> lesson_data(np.array([1.0]), None)
      Traceback (most recent call last):
      ...
      ValueError: x and y must be given together (or neither, for the lessons' data)
    """
    if x is None and y is None:
        return linear_regression_data(key=jax.random.key(0))
    if x is None or y is None:
        raise ValueError("x and y must be given together (or neither, for the lessons' data)")
    check_data(x, y)
    return x, y


def _check_settings(steps, lim, w1, w2, lr, grid_n) -> None:
    _checks.int_in_range("steps", steps, 1)
    _checks.positive_float("lim", lim)
    _checks.int_in_range("grid_n", grid_n, 2)
    for name, value in (("w1", w1), ("w2", w2)):
        _checks.finite_float(name, value)
        if abs(float(value)) > lim:
            raise ValueError(f"{name} must lie in [-lim, lim] = [{-lim}, {lim}], got {value!r}")
    _checks.positive_float("lr", lr)


class LandscapePlayground(Playground):
    """Pick a start `(w1, w2)` and a learning rate; watch gradient descent on the landscape.

    Left: log-scale contours of `L(w1, w2)` (drawn once), the valley of global
    minima (dashed), the saddle at the origin, and the live trajectory from the
    start (circle) to where it ends after `steps` steps (square; a cross when it
    diverged). Right: the loss curve on a fixed log axis, divergence marked.

    Args:
      x, y: the data (default: `linear_regression_data(key=jax.random.key(0))`).
      steps: gradient-descent steps per trajectory, >= 1.
      lim: the plot shows `[-lim, lim]²`; the start sliders span the same range.
      w1, w2, lr: initial slider values.
      grid_n: contour grid resolution.

    Attributes (besides `Playground`'s): `run`, the latest `train.Trajectory`.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> pg = LandscapePlayground(steps=50, grid_n=41)
      >>> pg.controls["lr"].value = 0.05
      >>> pg.status.value
      'start (0.50, -1.50), lr 5.0e-02: loss 1.1e-02 after 50 steps, w1·w2 = 2.00'
    """

    def __init__(self, x=None, y=None, *, steps: int = 150, lim: float = 2.5,
                 w1: float = 0.5, w2: float = -1.5, lr: float = 0.05, grid_n: int = 121):
        x, y = lesson_data(x, y)
        _check_settings(steps, lim, w1, w2, lr, grid_n)
        self.x, self.y = np.asarray(x, np.float32), np.asarray(y, np.float32)
        self._args = (jnp.asarray(self.x), jnp.asarray(self.y))
        self.steps, self.lim = int(steps), float(lim)
        self.best_product = narrow_solution(self.x, self.y).product
        self.run = None
        super().__init__({
            "w1": float_slider("start w1", float(w1), -self.lim, self.lim, 0.01),
            "w2": float_slider("start w2", float(w2), -self.lim, self.lim, 0.01),
            "lr": log_slider("learning rate", float(lr), 1e-3, 1.0),
        }, figsize=FIGSIZE)
        self.ax_land, ax_loss = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1]})
        self._draw_background(self.ax_land, grid_n)
        self.curve = LossCurve(loss_axes(ax_loss, self.steps, title="Loss along the trajectory"),
                               color="tab:red")
        self.moving(*self.curve.artists)
        self.path = self.moving(*self.ax_land.plot([], [], "-", color="tab:red", lw=1.6, ms=3,
                                                   marker=".", zorder=7))
        self.start = self.moving(*self.ax_land.plot([], [], "o", color="white", mec="black", ms=9,
                                                    zorder=8, label="start"))
        self.end = self.moving(*self.ax_land.plot([], [], "s", color="tab:red", mec="black", ms=7,
                                                  zorder=8, clip_on=False))
        self.ax_land.legend(loc="upper left", **DARK_LEGEND)

    def _draw_background(self, ax, grid_n):
        lim = self.lim
        surface = grid(narrow_landscape(*self._args), (-lim, lim), (-lim, lim), n=grid_n)
        levels = decade_levels(surface.z)
        contours = draw_landscape(ax, surface, levels=levels, colorbar=False)
        bar = ax.figure.colorbar(contours, ax=ax, label="loss L(w1, w2)", pad=0.02,
                                 ticks=levels[::6])
        bar.ax.minorticks_off()
        for i, branch in enumerate(valley_branches(self.best_product, lim)):
            ax.plot(branch[:, 0], branch[:, 1], "--", color="white", lw=1.2,
                    label=f"valley w1·w2 = {self.best_product:.2f}" if i == 0 else None)
        mark_critical_points(ax, [(0.0, 0.0)], ["saddle"])
        ax.set_xlim(-lim, lim)
        ax.set_ylim(-lim, lim)
        ax.set_aspect("equal")
        ax.set_xlabel("w1 (first weight)")
        ax.set_ylabel("w2 (second weight)")
        ax.set_title("Gradient descent on L(w1, w2)")

    def clicked(self, ax, x, y):
        """A click on the landscape: the start moves there (inside the plotted square)."""
        if ax is self.ax_land:
            self.set(w1=round(float(np.clip(x, -self.lim, self.lim)), 2),
                     w2=round(float(np.clip(y, -self.lim, self.lim)), 2))

    def compute(self, w1, w2, lr):
        """Gradient descent from `(w1, w2)` at rate `lr`: a `train.Trajectory`."""
        w0 = np.array([float(w1), float(w2)], dtype=np.float32)
        return gradient_descent(narrow_loss, w0, float(lr), self.steps, args=self._args)

    def draw(self, run, w1, w2, lr):
        w1, w2, lr = float(w1), float(w2), float(lr)
        self.run = run
        path = visible_path(run.params, run.diverged_at, self.lim)
        if len(path) == 0:  # not even the start was finite: show the start alone
            path = np.array([[w1, w2]])
        self.path.set_data(path[:, 0], path[:, 1])
        self.start.set_data([w1], [w2])
        last = np.clip(path[-1], -self.lim, self.lim)  # pinned to the frame if it left
        self.end.set_data([last[0]], [last[1]])
        self.end.set_marker("s" if run.diverged_at is None else "X")
        self.end.set_markersize(7 if run.diverged_at is None else 11)
        self.curve.update(run.losses, run.diverged_at)
        return self.describe(w1, w2, lr, run)

    def describe(self, w1, w2, lr, run) -> str:
        """The one-line readout: where it started, and how it ended."""
        head = f"start ({w1:.2f}, {w2:.2f}), lr {format_lr(lr)}: "
        if run.diverged_at is not None:
            return head + f"diverged at step {run.diverged_at}"
        final = np.asarray(run.params[-1], dtype=float)
        loss = float(run.losses[-1])
        product = f"{final[0] * final[1]:.2f}".replace("-0.00", "0.00")
        return head + f"loss {loss:.1e} after {self.steps} steps, w1·w2 = {product}"
