"""Figures of lessons 01 and 02: narrow linear networks `y = w_D ··· w_1 x`.

Lesson 01 draws the loss landscape of `y = x w1 w2` over the plane of the two
weights: the valley of global minima on the hyperbola `w1 w2 = p*`, arrows of
steepest descent and gradient-descent paths. Lesson 02 draws loss curves and
training time against depth. Every helper only draws what the notebook has
already computed, and returns the figure (created with `plt.ioff()`, so it is
shown once, where the notebook displays it). Every figure is at most
`MAX_WIDTH` inches wide, to fit a laptop screen beside JupyterLab's file browser.
"""

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import NullFormatter, ScalarFormatter

from lesson_lib import _checks
from lesson_lib.curves import first_nonfinite
from lesson_lib.plots import (
    CRITICAL_POINT_STYLE, LossCurve, decade_levels, draw_landscape, loss_axes, mark_critical_points,
)

MAX_WIDTH = 7.4
"""Widest figure, in inches at 100 dpi: about the 760 px of a 1280-px window's output area."""

DARK_LEGEND = dict(fontsize=8, facecolor="0.25", labelcolor="white", framealpha=0.75)
"""Legend style readable on the dark contours of a landscape."""


def _array(name, value, ndim=None, *, allow_nonfinite=False):
    """`value` as a float array; ValueError naming `name` if empty, NaN/inf or misshapen."""
    array = np.asarray(value, dtype=float)
    if array.size == 0:
        raise ValueError(f"{name} must be a non-empty array, got an empty one")
    if ndim is not None and array.ndim != ndim:
        raise ValueError(f"{name} must be a {ndim}-D array, got shape {array.shape}")
    if not allow_nonfinite and not np.all(np.isfinite(array)):
        raise ValueError(f"{name} must contain only finite numbers (no NaN or inf)")
    return array


def valley_branches(product: float, lim: float, n: int = 200):
    """Points of the hyperbola `w1 w2 = product` inside the box `[-lim, lim]²`.

    Returns two `(n, 2)` arrays, one per branch (`w1 > 0` and `w1 < 0`). The
    branch is parametrised by `w1` from `|product| / lim` (where it enters the
    box) to `lim`, so every point lies in the box.

    Example:
      >>> right, left = valley_branches(2.0, 2.5, n=3)
      >>> np.round(right, 2).tolist()
      [[0.8, 2.5], [1.65, 1.21], [2.5, 0.8]]
      >>> bool(np.allclose(left, -right))
      True
    """
    _checks.finite_float("product", product)
    _checks.positive_float("lim", lim)
    _checks.int_in_range("n", n, 2)
    if product == 0.0:  # the two axes: not a hyperbola
        raise ValueError("product must be nonzero: w1 w2 = 0 is the pair of axes")
    if abs(product) > lim * lim:
        raise ValueError(f"product must satisfy |product| <= lim² = {lim * lim:g} for the "
                         f"hyperbola to enter the box, got {product!r}")
    w1 = np.linspace(abs(product) / lim, lim, int(n))
    right = np.stack([w1, product / w1], axis=1)
    return right, -right


def visible_path(params, diverged_at, lim: float, margin: float = 1.0):
    """The part of a 2-D trajectory that can be drawn: `(k, 2)` finite floats.

    Rows up to `diverged_at` (the loss is finite there, so are the weights),
    non-finite rows dropped, coordinates clipped to `[-lim - margin·lim,
    lim + margin·lim]`. Points outside the plot therefore stay outside it (the
    line visibly leaves the axes) but no huge number reaches matplotlib.
    NaN and inf entries are expected here (a diverged run) and simply dropped.

    Example:
      >>> path = visible_path(np.array([[0.5, 0.5], [3e20, -1e30], [np.inf, 0.0]]), 2, 2.0)
      >>> path.tolist()
      [[0.5, 0.5], [4.0, -4.0]]
    """
    params = _array("params", params, 2, allow_nonfinite=True)
    if params.shape[1] != 2:
        raise ValueError(f"params must have shape (steps + 1, 2), got {params.shape}")
    _checks.positive_float("lim", lim)
    _checks.finite_float("margin", margin)
    if margin < 0:
        raise ValueError(f"margin must be a finite number >= 0, got {margin!r}")
    if diverged_at is not None:
        _checks.int_in_range("diverged_at", diverged_at, 0, len(params))
    end = len(params) if diverged_at is None else int(diverged_at)
    rows = params[:end]
    rows = rows[np.isfinite(rows).all(axis=1)]
    bound = lim * (1.0 + margin)
    return np.clip(rows, -bound, bound)


def unit_arrows(gradient):
    """`-gradient / |gradient|` along the last axis: arrows of steepest descent, all of length 1.

    Where the gradient is exactly zero the arrow is zero (no direction to show).

    Example:
      >>> unit_arrows(np.array([[3.0, 4.0], [0.0, 0.0]])).tolist()
      [[-0.6, -0.8], [0.0, 0.0]]
    """
    g = _array("gradient", gradient)
    if g.shape[-1] != 2:
        raise ValueError(f"gradient must end in an axis of length 2, got shape {g.shape}")
    norm = np.linalg.norm(g, axis=-1, keepdims=True)
    return np.where(norm > 0, -g / np.where(norm > 0, norm, 1.0), 0.0)


def data_figure(x, y, slope: float):
    """Lesson 01: the data as points and the best line `ŷ = slope·x` through the origin."""
    x, y = _array("x", x, 1), _array("y", y, 1)
    _checks.same_shape(x, y)
    _checks.finite_float("slope", slope)
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(5, 3.4), layout="constrained")
    ax.scatter(x, y, s=12, alpha=0.7, label="data")
    edge = float(np.abs(x).max())
    line_x = np.array([-edge, edge])
    ax.plot(line_x, slope * line_x, color="tab:red", label=f"best fit ŷ = {slope:.2f}·x")
    ax.set_xlabel("input x")
    ax.set_ylabel("target y")
    ax.set_title("The data: y = 2x + 0.1·noise")
    ax.legend()
    return fig


def landscape_figure(surface, best_product: float, title: str, *, lim: float = 2.5):
    """Lesson 01: log-scale contours of `L(w1, w2)` with the valley `w1 w2 = best_product` dashed.

    Returns `(fig, ax)` so the notebook can add arrows, paths or critical points
    (`add_arrows`, `add_paths`, `plots.mark_critical_points`). 6.2 × 5.2 inches.
    """
    _checks.finite_float("best_product", best_product)
    _checks.positive_float("lim", lim)
    z = _array("surface.z", surface.z, 2)
    levels = decade_levels(z)
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(6.2, 5.2), layout="constrained")
    contours = draw_landscape(ax, surface, levels=levels, colorbar=False)
    bar = fig.colorbar(contours, ax=ax, label="loss L(w1, w2)", ticks=levels[::6])
    bar.ax.minorticks_off()
    for i, branch in enumerate(valley_branches(best_product, lim)):
        ax.plot(branch[:, 0], branch[:, 1], "--", color="white", lw=1.2,
                label=f"w1·w2 = p* = {best_product:.2f}" if i == 0 else None)
    ax.set_xlim(-lim, lim)
    ax.set_ylim(-lim, lim)
    ax.set_aspect("equal")
    ax.set_xlabel("w1 (first weight)")
    ax.set_ylabel("w2 (second weight)")
    ax.set_title(title)
    return fig, ax


def add_arrows(ax, gx, gy, gradient):
    """Arrows of steepest descent `-∇L`, all of the same length, at the points `(gx, gy)`.

    `gx`, `gy`: the grid's coordinates, either 1-D (`len(gx)` columns, `len(gy)`
    rows, as `landscapes.gradient_field` returns them) or 2-D of the gradient's
    shape; `gradient`: `(rows, columns, 2)`.
    """
    arrows = unit_arrows(gradient)
    gx, gy = _array("gx", gx), _array("gy", gy)
    grid_shape = arrows.shape[:-1]
    one_d = gx.ndim == gy.ndim == 1 and len(grid_shape) == 2 and (gy.size, gx.size) == grid_shape
    if not (one_d or gx.shape == gy.shape == grid_shape):
        raise ValueError(f"gx and gy must match the gradient's grid {grid_shape} (1-D with "
                         f"len(gy), len(gx) = rows, columns, or 2-D of that shape), got "
                         f"{gx.shape} and {gy.shape}")
    ax.quiver(np.asarray(gx), np.asarray(gy), arrows[..., 0], arrows[..., 1], color="white",
              alpha=0.55, scale=30, width=0.003, pivot="mid")


def add_paths(ax, starts, runs, lim: float = 2.5):
    """Each run's path (red) from its start (white circle); `runs` are `train.Trajectory`s."""
    starts, runs = list(starts), list(runs)
    if len(starts) != len(runs):
        raise ValueError(f"starts and runs must have the same length, got {len(starts)} and {len(runs)}")
    for start in starts:
        _array("starts", start, 1)
    for start, run in zip(starts, runs):
        path = visible_path(run.params, run.diverged_at, lim)
        ax.plot(path[:, 0], path[:, 1], ".-", color="tab:red", ms=3, lw=1.4)
        ax.plot(*start, "o", color="white", mec="black", ms=7)


def critical_points_figure(surface, best_product, points, kinds, *, lim: float = 2.5):
    """Lesson 01: the landscape with each critical point marked by its kind."""
    points, kinds = list(points), list(kinds)
    if len(points) != len(kinds):
        raise ValueError(f"points and kinds must have the same length, got {len(points)} and {len(kinds)}")
    unknown = sorted(set(kinds) - set(CRITICAL_POINT_STYLE))
    if unknown:
        raise ValueError(f"kinds must be among {sorted(CRITICAL_POINT_STYLE)}, got {unknown}")
    fig, ax = landscape_figure(surface, best_product, "Critical points of L(w1, w2)", lim=lim)
    mark_critical_points(ax, points, kinds)
    ax.legend(loc="upper left", **DARK_LEGEND)
    return fig


def depth_curves_figure(losses_by_depth: dict, *, floor: float, threshold: float, lr: float,
                        init: float, ylim=(1e-3, 1e1)):
    """Lesson 02: one loss curve per depth on a shared log axis, noise floor and threshold marked.

    `losses_by_depth` maps a depth to its losses (steps + 1 values); every run
    must have the same number of steps.
    """
    if not losses_by_depth:
        raise ValueError("losses_by_depth must hold at least one depth, got none")
    curves = {int(d): _array(f"losses_by_depth[{d}]", v, 1, allow_nonfinite=True)
              for d, v in losses_by_depth.items()}
    steps = {len(v) - 1 for v in curves.values()}
    if len(steps) != 1 or min(steps) < 1:
        raise ValueError(f"every run in losses_by_depth must have the same >= 1 steps, got {sorted(steps)}")
    for name, value in (("floor", floor), ("threshold", threshold), ("lr", lr)):
        _checks.positive_float(name, value)
    _checks.finite_float("init", init)
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 4.2), layout="constrained")
    loss_axes(ax, steps.pop(), ylim=ylim,
              title=f"Same data, init {init:g} and learning rate {lr:g} at every depth")
    colors = plt.cm.viridis(np.linspace(0, 0.9, len(curves)))
    for (depth, losses), color in zip(curves.items(), colors):
        curve = LossCurve(ax, ylim=ylim, color=color, label=f"depth {depth}")
        curve.update(losses, first_nonfinite(losses))
    ax.axhline(floor, color="gray", ls="--", lw=1, label=f"noise floor {floor:.4f}")
    ax.axhline(threshold, color="black", ls=":", lw=1, label=f"threshold {threshold:g}")
    ax.legend(fontsize=8, ncol=2)
    return fig


def training_time_figure(depths, measured, predicted, *, fastest: int, lr: float, init: float,
                         threshold: float):
    """Lesson 02: steps to reach `threshold` against depth, measured (dots) and predicted (line)."""
    depths = _array("depths", depths, 1)
    measured = _array("measured", measured, 1)
    predicted = _array("predicted", predicted, 1)
    if not (depths.shape == measured.shape == predicted.shape):
        raise ValueError(f"depths, measured and predicted must have the same length, got "
                         f"{depths.size}, {measured.size} and {predicted.size}")
    if np.any(measured <= 0) or np.any(predicted <= 0):
        raise ValueError("measured and predicted must be step counts > 0 (a log axis)")
    for name, value in (("lr", lr), ("threshold", threshold)):
        _checks.positive_float(name, value)
    _checks.finite_float("init", init)
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    ax.semilogy(depths, measured, "o", ms=4, label="measured (gradient descent)")
    ax.semilogy(depths, predicted, "-", label="predicted from the product's dynamics")
    ax.axvline(fastest, color="gray", ls=":", lw=1, label=f"fastest depth ({fastest})")
    ax.set_xlabel("depth D (layers)")
    ax.set_ylabel(f"steps until loss ≤ {threshold:g}")
    ax.set_title(f"Training time against depth (lr {lr:g}, every weight starts at {init:g})")
    low = min(float(measured.min()), float(predicted.min()))
    high = max(float(measured.max()), float(predicted.max()))
    ticks = [t for t in (10, 25, 50, 100, 200, 300, 500, 1000, 2000) if low / 1.2 <= t <= 1.2 * high]
    ax.set_yticks(ticks)
    ax.yaxis.set_major_formatter(ScalarFormatter())
    ax.yaxis.set_minor_formatter(NullFormatter())
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8)
    return fig


def figure_width(fig) -> float:
    """A figure's width in inches (tests and notebooks check it is <= `MAX_WIDTH`)."""
    return float(fig.get_size_inches()[0])


__all__ = [
    "MAX_WIDTH", "add_arrows", "add_paths", "critical_points_figure", "data_figure",
    "depth_curves_figure", "figure_width", "landscape_figure", "training_time_figure",
    "unit_arrows", "valley_branches", "visible_path",
]
