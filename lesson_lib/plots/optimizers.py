"""Lesson 06 figures: momentum's position along the flat axis of a bowl.

The helpers draw what the lesson has already computed and return only the
figure, never data for later analysis.
"""

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["FIGSIZE", "plot_flat_coordinate"]

FIGSIZE = (7.2, 3.2)  # inches: fits a 760-px output area at 100 dpi


def plot_flat_coordinate(runs: dict, *, lr: float, steps_shown: int = 150, coordinate: int = 0,
                         ylim=(-2.2, 2.2)):
    """One line per run: coordinate `coordinate` of the path against the step.

    Args:
      runs: `{label: Trajectory}` (anything with a `params` array of shape
        `(steps + 1, 2)`), e.g. one run per momentum value; the label is shown
        as `μ = label`.
      lr: the learning rate of the runs (for the title).
      steps_shown: the last step on the x axis (an integer >= 1).
      coordinate: 0 or 1, the coordinate of θ to plot.
      ylim: the y-axis range.

    Returns:
      The figure (created under `plt.ioff()`; show it with `plt.show()`).

    Raises:
      ValueError: for no runs, a non-positive `steps_shown`, a coordinate
        other than 0 or 1, or a non-finite or learning rate <= 0.

    Example:
      >>> from types import SimpleNamespace
      >>> run = SimpleNamespace(params=np.zeros((11, 2)))
      >>> fig = plot_flat_coordinate({0.5: run}, lr=0.05, steps_shown=10)
      >>> fig.axes[0].get_xlabel(), [float(size) for size in fig.get_size_inches()]
      ('step', [7.2, 3.2])
    """
    if not runs:
        raise ValueError("runs must be a non-empty dict {label: trajectory}, got an empty one")
    if isinstance(steps_shown, bool) or not isinstance(steps_shown, (int, np.integer)) \
            or steps_shown < 1:
        raise ValueError(f"steps_shown must be an integer >= 1, got {steps_shown!r}")
    if coordinate not in (0, 1):
        raise ValueError(f"coordinate must be 0 or 1, got {coordinate!r}")
    try:
        rate = float(lr)
    except (TypeError, ValueError):
        rate = float("nan")
    if not np.isfinite(rate) or rate <= 0:
        raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    with plt.ioff():
        fig, ax = plt.subplots(figsize=FIGSIZE, layout="constrained")
    for label, run in runs.items():
        params = np.asarray(run.params, dtype=float)
        ax.plot(params[:, coordinate], label=f"μ = {label}")
    ax.axhline(0.0, color="black", lw=0.8)
    symbol = "θ₁" if coordinate == 0 else "θ₂"
    name = f"{symbol} (flat direction)" if coordinate == 0 else f"{symbol} (steep direction)"
    ax.set(xlabel="step", ylabel=name, xlim=(0, steps_shown), ylim=ylim,
           title=f"Momentum on the bowl: {symbol} step by step, η = {rate:g}")
    ax.legend(fontsize=9)
    return fig
