"""Figures of lesson 05 (initialization).

Each function takes numbers the notebook has already computed and returns a new
`matplotlib.figure.Figure` (created with interactive mode off, so it is shown
once, where the notebook displays it). No function returns data: compute first,
then plot. Every figure is at most `MAX_WIDTH` inches wide, to fit a laptop's
notebook column (about 760 px at 100 dpi).
"""

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["MAX_WIDTH", "plot_learning_time", "plot_fits", "plot_layer_histograms",
           "plot_singular_values"]

MAX_WIDTH = 7.4
"""The widest figure, in inches."""


def _non_empty(name, value):
    """Raise unless `value` is a non-empty 1-D array; return it as float."""
    array = np.asarray(value, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    return array


def _figure(nrows, ncols, figsize, **kwargs):
    with plt.ioff():
        return plt.subplots(nrows, ncols, figsize=figsize, layout="constrained", squeeze=False,
                            **kwargs)


def plot_learning_time(inits, steps, diverged, *, budget: int, depth: int, lr: float, target: float):
    """Steps to reach the target loss against the initial weight of every layer (log y).

    Args:
      inits: the initial weights `a`, shape `(n,)`.
      steps: steps to reach the target, NaN where it was not reached, shape `(n,)`.
      diverged: True where the run diverged, shape `(n,)`.
      budget: the number of steps each run had (where the markers of failed runs sit).
      depth, lr, target: shown in the title and legend.
    """
    inits, steps = _non_empty("inits", inits), _non_empty("steps", steps)
    diverged = np.asarray(diverged, bool)
    if not (inits.shape == steps.shape == diverged.shape):
        raise ValueError(f"inits, steps and diverged must have the same shape, got "
                         f"{inits.shape}, {steps.shape} and {diverged.shape}")
    if not np.all(np.isfinite(inits)):
        raise ValueError("inits must contain only finite numbers")
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise ValueError(f"budget must be an integer >= 1, got {budget!r}")
    fig, axes = _figure(1, 1, (MAX_WIDTH, 3.8))
    ax = axes[0, 0]
    ok = ~np.isnan(steps)
    stuck = ~ok & ~diverged
    ax.semilogy(inits[ok], steps[ok], "o-", ms=3, label=f"steps to reach loss {target:g}")
    ax.plot(inits[stuck], np.full(stuck.sum(), budget), "v", color="gray",
            label=f"not reached in {budget} steps")
    ax.plot(inits[diverged], np.full(diverged.sum(), budget), "X", color="red", label="diverged")
    ax.axvline(1.0, color="0.7", ls="--", lw=1)
    ax.set_xlabel("initial weight a (every layer)")
    ax.set_ylabel("learning time (steps, log scale)")
    ax.set_ylim(0.8, budget * 1.6)
    ax.set_title(f"Depth-{depth} narrow linear network, learning rate {lr:g}:\n"
                 "learning time against the initial weight", fontsize=11)
    ax.legend(loc="upper left", fontsize=9)
    return fig


def plot_fits(x, y, predictions: dict, *, title: str):
    """The data `y(x)` as dots and one fitted curve per entry of `predictions` (label -> outputs)."""
    x, y = _non_empty("x", np.ravel(x)), _non_empty("y", np.ravel(y))
    if x.shape != y.shape:
        raise ValueError(f"x and y must have the same number of points, got {x.size} and {y.size}")
    fig, axes = _figure(1, 1, (7.0, 3.6))
    ax = axes[0, 0]
    ax.plot(x, y, "k.", ms=4, label="data")
    for label, values in predictions.items():
        ax.plot(x, np.ravel(values), lw=2, label=label)
    ax.set_xlabel("input x")
    ax.set_ylabel("output y")
    ax.set_title(title, fontsize=11)
    ax.legend(loc="lower right", fontsize=9)
    return fig


def plot_layer_histograms(signals: dict, *, title: str, layers=(1, 4, 7, 10), limit: float = 3.0):
    """Per-layer histograms of activations (top row) and gradients (bottom row), one column per nonlinearity.

    Args:
      signals: nonlinearity name -> `(h, delta)`, each `(depth, batch, width)`
        (entry `l-1` is layer `l`), as `lesson_lib.signals.layer_signals` returns.
      title: the figure's title.
      layers: the layers to show (from 1).
      limit: values are clipped to `[-limit, limit]`.
    """
    if not signals:
        raise ValueError("signals must map at least one nonlinearity to (h, delta)")
    if not (np.isfinite(limit) and limit > 0):
        raise ValueError(f"limit must be a finite number > 0, got {limit!r}")
    edges = np.linspace(-limit, limit, 61)
    colors = plt.cm.viridis(np.linspace(0.0, 0.85, len(layers)))
    fig, axes = _figure(2, len(signals), (MAX_WIDTH, 5.0), sharex=True, sharey=True)
    for col, (nonlinearity, pair) in enumerate(signals.items()):
        for row, (values, what) in enumerate(zip(pair, ("activations", "gradients"))):
            ax = axes[row, col]
            for layer, color in zip(layers, colors):
                v = np.clip(np.ravel(np.asarray(values[layer - 1])), -limit, limit)
                density, _ = np.histogram(v, edges, density=True)
                ax.stairs(density, edges, color=color, lw=1.3, label=f"layer {layer}")
            ax.set_ylim(0, 2.0)
            ax.set_title(f"{nonlinearity}: {what}", fontsize=9)
            ax.tick_params(labelsize=8)
            if col == 0:
                ax.set_ylabel("density", fontsize=9)
            if row == 1:
                ax.set_xlabel(f"value (clipped to ±{limit:g})", fontsize=9)
    axes[0, 0].legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    return fig


def plot_singular_values(values: dict, *, title: str):
    """Sorted singular values of input-output Jacobians, one panel per scheme, one line per depth.

    Args:
      values: scheme name -> {depth: singular values (largest first)}.
      title: the figure's title.
    """
    if not values or not all(values.values()):
        raise ValueError("values must map each scheme to a non-empty {depth: singular values}")
    fig, axes = _figure(1, len(values), (MAX_WIDTH, 3.4), sharey=True)
    for ax, (scheme, by_depth) in zip(axes[0], values.items()):
        colors = plt.cm.viridis(np.linspace(0.0, 0.85, len(by_depth)))
        for (depth, s), color in zip(by_depth.items(), colors):
            s = np.asarray(s, float)
            ax.semilogy(np.arange(1, s.size + 1), np.maximum(s, 1e-12), color=color, lw=1.8,
                        label=f"depth {depth}")
        ax.axhline(1.0, color="0.6", ls="--", lw=1)
        ax.set_ylim(1e-9, 1e2)
        ax.set_title(scheme, fontsize=10)
        ax.set_xlabel("rank (largest first)", fontsize=9)
        ax.tick_params(labelsize=8)
    axes[0, 0].set_ylabel("singular value (log scale)", fontsize=9)
    for ax in axes[0]:
        ax.legend(fontsize=8, loc="lower left")
    fig.suptitle(title, fontsize=10)
    return fig
