"""Figures of lessons 03 and 04 (learning rate; depth × learning rate).

Every helper draws data that the lesson computed beforehand and returns only
matplotlib objects (a figure, an artist), never numbers a later cell analyses:
compute first, then plot. Each figure is at most `MAX_WIDTH` inches wide, so it
fits a 1280-px laptop window with JupyterLab's file browser open (an output
area of about 760 px at matplotlib's 100 dpi).
"""

import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from lesson_lib.plots import LossCurve, format_lr, loss_axes

__all__ = [
    "MAX_WIDTH",
    "NOT_CONVERGED_COLOR",
    "DIVERGED_COLOR",
    "REGIME_COLORS",
    "regimes_figure",
    "bifurcation_figure",
    "depth_lr_heatmap",
    "heatmap_figure",
    "best_lr_figure",
    "tuned_steps_figure",
]

MAX_WIDTH = 7.4
"""The widest figure (inches at 100 dpi) that fits the lessons' output area."""

NOT_CONVERGED_COLOR = "#d9d9d9"
DIVERGED_COLOR = "#3b0a0a"

REGIME_COLORS = ("C7", "C1", "C2", "C4", "C3")
"""Lesson 03's five regimes, from "too small" to "way too big"."""


def _check_same_length(name: str, values, expected: int) -> None:
    if len(values) != expected:
        raise ValueError(f"{name} must have {expected} entries (one per learning rate), got {len(values)}")


def regimes_figure(regimes: dict, runs: dict, steps: int):
    """Lesson 03's five regimes: one loss-curve panel per learning rate, on a 2 × 3 grid.

    Args:
      regimes: name -> learning rate, in the order to draw them (1 to 6 of them).
      runs: name -> a `train.Trajectory` (its `losses` and `diverged_at` are drawn).
      steps: the steps of every run (the x-axis range).

    Returns the figure (7.4 × 4.8 in); the sixth panel holds the legend of colours.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> from lesson_lib.train import Trajectory
      >>> run = Trajectory(np.ones((3, 1)), np.array([1.0, 0.5, 0.25]), np.ones(2), None)
      >>> fig = regimes_figure({"fine": 0.1}, {"fine": run}, 2)
      >>> float(fig.get_figwidth()) <= MAX_WIDTH
      True
    """
    if not 1 <= len(regimes) <= 6:
        raise ValueError(f"regimes must name 1 to 6 learning rates, got {len(regimes)}")
    missing = [name for name in regimes if name not in runs]
    if missing:
        raise ValueError(f"runs must hold a run for every regime, missing {missing}")
    with plt.ioff():
        fig, axes = plt.subplots(2, 3, figsize=(MAX_WIDTH, 4.8), sharey=True, layout="constrained")
    flat = axes.ravel()
    for k, (ax, (name, lr)) in enumerate(zip(flat, regimes.items())):
        loss_axes(ax, steps, title=f"{name}\nη = {format_lr(lr)}")
        ax.title.set_fontsize(9)
        LossCurve(ax, color=REGIME_COLORS[k % len(REGIME_COLORS)], lw=2).update(
            np.asarray(runs[name].losses), runs[name].diverged_at)
        if k % 3:
            ax.set_ylabel("")
    for ax in flat[len(regimes):]:
        ax.axis("off")
    fig.suptitle(f"One network, one start, {len(regimes)} learning rates ({steps} steps)", fontsize=10)
    return fig


def bifurcation_figure(ratios, tails, *, steps: int):
    """Every loss a run visits at the end of training, against η / (2/λ_max) (lesson 03).

    Args:
      ratios: the learning rates as multiples of `2/λ_max`, shape `(n,)`.
      tails: the last losses of each run, shape `(n, k)`; non-finite entries
        (diverged runs) are left out.
      steps: the length of each run (for the axis label).

    Returns the figure (7.4 × 4 in).
    """
    ratios = np.asarray(ratios, dtype=float)
    tails = np.asarray(tails, dtype=float)
    if tails.ndim != 2 or ratios.ndim != 1:
        raise ValueError(f"ratios must be 1-D and tails 2-D, got shapes {ratios.shape} and {tails.shape}")
    _check_same_length("tails", tails, len(ratios))
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 4), layout="constrained")
    keep = np.isfinite(tails)
    ax.plot(np.repeat(ratios, tails.shape[1])[keep.ravel()], tails[keep], ",", color="k", alpha=0.5)
    ax.axvline(1.0, color="C2", ls="--", label="2/λ_max: the minimum stops being stable")
    ax.axvline(2.0, color="C3", ls="--", label="4/λ_max: training diverges")
    ax.axvspan(2.0, ratios.max(), color="C3", alpha=0.1)
    ax.set(yscale="log", ylim=(5e-3, 2e1), xlim=(ratios.min(), ratios.max()),
           xlabel="learning rate η / (2/λ_max)",
           ylabel=f"loss (MSE), last {tails.shape[1]} of {steps} steps",
           title="Depth 2: from one value, to 2, to 4, to chaos, to divergence")
    ax.legend(loc="upper left", fontsize=8)
    return fig


def depth_lr_heatmap(ax, result, times, threshold: float, *, colorbar: bool = True):
    """Lesson 04's map: steps to converge over learning rate (x, log) × depth (y).

    Args:
      ax: the axes to draw on.
      result: a `narrow_sweep.SweepResult` (its depths, learning rates and `diverged_at`).
      times: `narrow_sweep.steps_to_converge(result.losses, threshold)`, computed by the caller.
      threshold: the loss counted as converged (for the title).
      colorbar: add a colour bar for the step counts.

    Converged cells are coloured by their step count (log colour scale); runs
    that stay finite but never settle below `threshold` are light grey, and
    diverged runs dark red. Returns the step-count mesh (an artist).
    """
    times = np.asarray(times)
    if times.shape != result.diverged_at.shape:
        raise ValueError(f"times must have the sweep's shape {result.diverged_at.shape}, got {times.shape}")
    steps = result.losses.shape[-1] - 1
    lr_edges = _edges(np.asarray(result.lrs, dtype=float), log=True)
    depth_edges = _edges(np.asarray(result.depths, dtype=float), log=False)
    status = np.where(result.diverged_at >= 0, 1.0, 0.0)
    ax.pcolormesh(lr_edges, depth_edges, status,
                  cmap=mcolors.ListedColormap([NOT_CONVERGED_COLOR, DIVERGED_COLOR]),
                  vmin=0, vmax=1, rasterized=True)
    shown = np.ma.masked_where(times < 0, np.maximum(times, 1).astype(float))  # 0 steps drawn as 1
    mesh = ax.pcolormesh(lr_edges, depth_edges, shown, cmap="viridis",
                         norm=mcolors.LogNorm(1, max(steps, 2)), rasterized=True)
    ax.set_xscale("log")
    ax.set_xlim(lr_edges[0], lr_edges[-1])
    ax.set_ylim(depth_edges[0], depth_edges[-1])
    ax.set_xlabel("learning rate η (log scale)")
    ax.set_ylabel("depth D (layers)")
    ax.set_title(f"steps until loss ≤ {threshold:.3g} ({steps} steps run)")
    if colorbar:
        ax.figure.colorbar(mesh, ax=ax, label="steps to converge (log scale)")
    ax.legend(
        handles=[Patch(color=NOT_CONVERGED_COLOR, label=f"not converged in {steps} steps"),
                 Patch(color=DIVERGED_COLOR, label="diverged")],
        loc="lower left", fontsize=8, framealpha=0.9,
    )
    return mesh


def _edges(centers, log: bool):
    """Cell edges around sorted centers (geometric midpoints on a log axis).

    Example:
      >>> _edges(np.array([1.0, 2.0, 3.0]), log=False).tolist()
      [0.5, 1.5, 2.5, 3.5]
    """
    c = np.log10(centers) if log else np.asarray(centers, dtype=float)
    if len(c) == 1:
        mids = np.array([c[0] - 0.5, c[0] + 0.5])
    else:
        inner = (c[1:] + c[:-1]) / 2
        mids = np.concatenate([[2 * c[0] - inner[0]], inner, [2 * c[-1] - inner[-1]]])
    return 10.0**mids if log else mids


def heatmap_figure(result, times, threshold: float, *, title: str):
    """`depth_lr_heatmap` on a figure of its own (7.4 × 5 in); returns the figure."""
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 5), layout="constrained")
    depth_lr_heatmap(ax, result, times, threshold)
    ax.set_title(title, fontsize=10)
    return fig


def best_lr_figure(depths, best_lrs, edges: dict, walls, *, title: str):
    """Lesson 04: the fastest learning rate per depth against the edge of stability (log-log).

    Args:
      depths: the depths, shape `(n,)`.
      best_lrs: the fastest learning rate of each depth, shape `(n,)` (NaN: none converged).
      edges: depth -> `2/λ_max` at the minimum, for the depths where it was computed.
      walls: per depth, the learning rate from which every larger rate diverged, shape `(n,)`.
      title: the figure's title.

    Returns the figure (7 × 4.5 in).
    """
    depths = np.asarray(depths, dtype=float)
    _check_same_length("best_lrs", best_lrs, len(depths))
    _check_same_length("walls", walls, len(depths))
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    ax.loglog(depths, best_lrs, "o", ms=4, color="C0", label="fastest lr in the grid")
    ax.loglog(list(edges), list(edges.values()), "s--", color="C3",
              label="edge of stability 2/λ_max at the minimum")
    ax.loglog(depths, walls, ":", color="k", label="every larger lr diverges")
    ax.set(xlabel="depth D (layers, log scale)", ylabel="learning rate η (log scale)", title=title)
    ax.legend(fontsize=9)
    ax.grid(True, which="major", alpha=0.3)
    return fig


def tuned_steps_figure(depths, steps_by_start: dict, *, title: str):
    """Lesson 04: steps to converge at each depth's best learning rate, one line per start.

    Args:
      depths: the depths, shape `(n,)`.
      steps_by_start: label -> steps to converge per depth, shape `(n,)` (0 is drawn as 1 on the log axis).
      title: the figure's title.

    Returns the figure (7 × 4.5 in).
    """
    depths = np.asarray(depths, dtype=float)
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(7, 4.5), layout="constrained")
    for (label, steps), marker in zip(steps_by_start.items(), "os^v"):
        _check_same_length(f"steps_by_start[{label!r}]", steps, len(depths))
        ax.semilogy(depths, np.maximum(np.asarray(steps), 1), marker + "-", ms=3, label=label)
    ax.set(xlabel="depth D (layers)", ylabel="steps to converge at the best lr (log scale)", title=title)
    ax.legend()
    ax.grid(True, which="major", alpha=0.3)
    return fig
