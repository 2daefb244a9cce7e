"""Lesson 12 figures: the hard parts of a landscape.

Each helper draws what the lesson has already computed and returns the figure
(created under `plt.ioff()`), never data.
"""

import matplotlib.pyplot as plt
import numpy as np

from lesson_lib import landscapes
from lesson_lib.plots import draw_landscape, log_levels

__all__ = [
    "FIGSIZE",
    "MAX_WIDTH",
    "PATH_COLORS",
    "draw_map",
    "paths_figure",
    "step_change_figure",
    "index_figure",
    "powers_figure",
    "swarm_figure",
]

MAX_WIDTH = 7.4  # inches: a 760-px output area at 100 dpi
FIGSIZE = (MAX_WIDTH, 3.4)
PATH_COLORS = ("white", "tab:orange", "tab:red", "tab:cyan", "tab:pink", "tab:green")


def _check_limits(name, lim):
    if len(lim) != 2 or not np.all(np.isfinite(lim)) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be (low, high) with finite low < high, got {lim!r}")


def draw_map(ax, f, xlim, ylim, *, log=True, n=121, levels=20):
    """Filled contours of the 2-D function `f` on `ax` (log levels for `log=True`, else linear)."""
    _check_limits("xlim", xlim)
    _check_limits("ylim", ylim)
    surface = landscapes.grid(f, xlim, ylim, n=n)
    if log:
        z = np.asarray(surface.z, dtype=float)
        contours = draw_landscape(ax, surface, levels=log_levels(z, count=levels, floor=1e-3),
                                  colorbar=False)
    else:
        contours = ax.contourf(np.asarray(surface.x), np.asarray(surface.y),
                               np.asarray(surface.z), levels=levels, cmap="viridis")
    ax.set_xlim(*xlim)
    ax.set_ylim(*ylim)
    ax.set_xlabel("θ₁")
    ax.set_ylabel("θ₂")
    return contours


def _path(run):
    params = np.asarray(getattr(run, "params", run), dtype=float)
    end = len(params) if getattr(run, "diverged_at", None) is None else int(run.diverged_at)
    return np.clip(params[:end], -1e6, 1e6)


def paths_figure(f, runs: dict, *, xlim, ylim, title: str, log_map=True, loss_ylim=(1e-6, 1e2),
                 log_loss=True, minimum=None, steps_shown=None):
    """Paths over the contours of `f` (left) and their losses per step (right).

    Args:
      f: the 2-D landscape, `f(p)`.
      runs: `{label: Trajectory}` (`params` of shape `(steps + 1, 2)` and
        `losses`); points after a divergence are not drawn.
      xlim, ylim: the map's window (paths may leave it).
      title: the figure's title.
      log_map: log-spaced contour levels (for a landscape >= 0).
      loss_ylim, log_loss: the loss axis.
      minimum: a point to mark with a star, or `None`.
      steps_shown: the loss axis's last step (default: the longest run).

    Example:
      >>> import jax.numpy as jnp
      >>> from types import SimpleNamespace
      >>> run = SimpleNamespace(params=np.zeros((3, 2)), losses=np.ones(3), diverged_at=None)
      >>> fig = paths_figure(lambda p: jnp.sum(p ** 2) + 0.1, {"gd": run}, xlim=(-1, 1),
      ...                    ylim=(-1, 1), title="a bowl")
      >>> [ax.get_xlabel() for ax in fig.axes]
      ['θ₁', 'step']
    """
    if not runs:
        raise ValueError("runs must be a non-empty dict {label: trajectory}, got an empty one")
    with plt.ioff():
        fig, (ax_map, ax_loss) = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained",
                                              gridspec_kw={"width_ratios": [1.1, 1]})
    draw_map(ax_map, f, xlim, ylim, log=log_map)
    longest = 1
    for color, (label, run) in zip(PATH_COLORS * 3, runs.items()):
        path = _path(run)
        ax_map.plot(path[:, 0], path[:, 1], ".-", color=color, lw=1.3, ms=3, label=label)
        ax_map.plot(path[:1, 0], path[:1, 1], "s", color="white", mec="black", ms=7, zorder=5)
        losses = np.asarray(run.losses, dtype=float)[: len(path)]
        longest = max(longest, len(np.asarray(run.losses)) - 1)
        shown = np.clip(losses, *loss_ylim)
        ax_loss.plot(np.arange(len(shown)), shown, color="black" if color == "white" else color,
                     lw=1.5, label=label)
    if minimum is not None:
        ax_map.plot(*minimum, "*", color="gold", mec="black", ms=14, zorder=6)
    if log_loss:
        ax_loss.set_yscale("log")
    ax_loss.set(xlim=(0, steps_shown or longest), ylim=loss_ylim, xlabel="step",
                ylabel="loss (log scale)" if log_loss else "loss")
    ax_loss.grid(True, alpha=0.3)
    ax_loss.legend(fontsize=8)
    ax_map.set_title("paths from the square", fontsize=10)
    ax_loss.set_title("loss per step", fontsize=10)
    fig.suptitle(title, fontsize=11)
    return fig


def step_change_figure(lrs, first, second, threshold: float, *, title: str):
    """The two terms of the loss change after one gradient step, and their sum, against the rate.

    Args:
      lrs: learning rates (log x axis).
      first, second: `−ε gᵀg` and `½ ε² gᵀHg` at each rate.
      threshold: the rate `2 gᵀg / gᵀHg` where the sum turns positive (a vertical line).
      title: the figure's title.
    """
    lrs, first, second = (np.asarray(v, dtype=float) for v in (lrs, first, second))
    if not (lrs.shape == first.shape == second.shape) or lrs.ndim != 1 or np.any(lrs <= 0):
        raise ValueError("lrs, first and second must be 1-D arrays of one length, lrs > 0")
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.2), layout="constrained")
    ax.plot(lrs, first, label="gain  −ε gᵀg", color="tab:green")
    ax.plot(lrs, second, label="curvature's bill  ½ε² gᵀHg", color="tab:red")
    ax.plot(lrs, first + second, label="change of the loss", color="black", lw=2)
    ax.axhline(0.0, color="gray", lw=0.8)
    ax.axvline(threshold, color="black", ls=":", lw=1)
    ax.annotate(f"ε = 2gᵀg / gᵀHg = {threshold:.3g}", (threshold, 0.0), xytext=(6, 12),
                textcoords="offset points", fontsize=8)
    low = float(np.min(first + second))
    ax.set(xscale="log", xlabel="learning rate ε (log scale)", ylabel="f(x − εg) − f(x)",
           ylim=(1.3 * low, -1.3 * low), title=title)
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(True, alpha=0.3)
    return fig


def index_figure(values, index, *, dims: int):
    """Each critical point's loss against its index (the fraction of downhill directions).

    Example:
      >>> fig = index_figure([-1.0, 0.0, 1.0], [0.0, 0.5, 1.0], dims=2)
      >>> fig.axes[0].get_xlabel()
      'loss at the critical point'
    """
    values, index = np.asarray(values, dtype=float), np.asarray(index, dtype=float)
    if values.shape != index.shape or values.ndim != 1 or values.size == 0:
        raise ValueError("values and index must be non-empty 1-D arrays of one length")
    rng = np.random.default_rng(0)  # a little vertical jitter so stacked points show
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.2), layout="constrained")
    ax.scatter(values, index + rng.uniform(-0.02, 0.02, index.shape), s=6, alpha=0.4,
               color="tab:blue")
    levels = np.unique(np.round(index * dims)) / dims
    means = [values[np.isclose(index, level)].mean() for level in levels]
    ax.plot(means, levels, "o-", color="black", ms=6, label="mean loss per index")
    ax.set_yticks(levels, [f"{int(round(level * dims))}/{dims}" for level in levels])
    ax.set(xlabel="loss at the critical point", ylabel="index (downhill directions)",
           title=f"Critical points of a random landscape in {dims} dimensions")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(True, alpha=0.3)
    return fig


def powers_figure(norms: dict, *, title: str):
    """`‖Wᵗx‖` against `t` on a log axis, one line per label.

    Example:
      >>> fig = powers_figure({"λ = 2": [1.0, 2.0, 4.0]}, title="growth")
      >>> fig.axes[0].get_yscale()
      'log'
    """
    if not norms:
        raise ValueError("norms must be a non-empty dict {label: values}, got an empty one")
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.0), layout="constrained")
    for label, values in norms.items():
        values = np.asarray(values, dtype=float)
        ax.plot(np.arange(values.size), values, label=label, lw=1.8)
    ax.set(yscale="log", xlabel="t (times multiplied by W)", ylabel="‖Wᵗ x‖ (log scale)",
           title=title)
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    return fig


def swarm_figure(f, result, *, bounds, steps=(0, 5, 15, 40), minimum=None):
    """Snapshots of a swarm over the contours of `f`: one panel per step in `steps`.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> from lesson_lib.swarm import particle_swarm
      >>> run = particle_swarm(lambda p: jnp.sum(p ** 2), [(-1, 1), (-1, 1)], n_particles=4,
      ...                      steps=3, key=jax.random.key(0))
      >>> len(swarm_figure(lambda p: jnp.sum(p ** 2), run, bounds=[(-1, 1), (-1, 1)],
      ...                  steps=(0, 3)).axes)
      2
    """
    positions = np.asarray(result.positions, dtype=float)
    steps = tuple(int(s) for s in steps)
    if not steps or min(steps) < 0 or max(steps) >= len(positions):
        raise ValueError(f"steps must be step numbers from 0 to {len(positions) - 1}, got {steps!r}")
    bounds = np.asarray(bounds, dtype=float)
    with plt.ioff():
        fig, axes = plt.subplots(1, len(steps), figsize=(MAX_WIDTH, 2.3), layout="constrained",
                                 sharey=True)
    axes = np.atleast_1d(axes)
    best = np.asarray(result.best_values, dtype=float)
    for ax, step in zip(axes, steps):
        draw_map(ax, f, tuple(bounds[0]), tuple(bounds[1]), log=False, n=81)
        ax.plot(positions[step, :, 0], positions[step, :, 1], "o", color="white", mec="black",
                ms=3.5)
        if minimum is not None:
            ax.plot(*minimum, "*", color="gold", mec="black", ms=10)
        ax.set_title(f"step {step}: best {best[step]:.2f}", fontsize=9)
        ax.set_ylabel("θ₂" if ax is axes[0] else "")
    return fig
