"""Lesson 07's figures: annealing under noise, a plateau, the LR range test, schedules compared.

Every function takes numbers the notebook has already computed and only draws
them: it returns the matplotlib figure and nothing that later analysis uses.
All figures are at most `MAX_WIDTH` inches wide (about 740 px at 100 dpi), so
they fit a laptop window with JupyterLab's file browser open. Create them
inside `with plt.ioff():` (the notebook does), so ipympl shows each one once.
"""

import matplotlib.pyplot as plt
import numpy as np

__all__ = [
    "MAX_WIDTH",
    "excess_loss_figure",
    "plateau_figure",
    "range_test_figure",
    "comparison_figure",
]

MAX_WIDTH = 7.2
"""Width of every figure here, in inches (the output area is about 7.6 in at 100 dpi)."""


def _finite_curves(curves: dict, name: str) -> dict:
    if not curves:
        raise ValueError(f"{name} must be a non-empty dict of label -> 1-D array, got {curves!r}")
    out = {}
    for label, values in curves.items():
        array = np.asarray(values, dtype=float)
        if array.ndim != 1 or array.size == 0:
            raise ValueError(f"{name}[{label!r}] must be a non-empty 1-D array, got shape {array.shape}")
        out[label] = array
    return out


def excess_loss_figure(excess: dict, drops=()):
    """Excess loss (full-data loss minus the best) of mini-batch SGD runs, log axis.

    Args:
      excess: label -> excess loss after each step (values below 1e-5 are drawn at 1e-5).
      drops: steps where a schedule lowers the rate (dotted vertical lines).
    """
    excess = _finite_curves(excess, "excess")
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.4), layout="constrained")
    for label, values in excess.items():
        ax.plot(np.clip(values, 1e-5, None), label=label, lw=1.2)
    for drop in drops:
        ax.axvline(drop, color="gray", ls=":", lw=1)
    ax.set_yscale("log")
    ax.set_ylim(1e-5, 10)
    ax.set_xlabel("step")
    ax.set_ylabel("excess loss (MSE above the best)")
    ax.set_title("Mini-batch SGD: a high rate is fast but noisy; decaying it settles")
    ax.legend(fontsize=9)
    return fig


def plateau_figure(losses: dict, rates: dict, threshold: float):
    """Loss curves of a deep narrow network leaving its plateau (top) and their rates (bottom).

    Args:
      losses: label -> loss after each step.
      rates: label -> learning rate at each step (same labels).
      threshold: the loss that counts as "escaped" (a dashed line).
    """
    losses = _finite_curves(losses, "losses")
    rates = _finite_curves(rates, "rates")
    if set(rates) != set(losses):
        raise ValueError(f"rates must have the labels of losses {sorted(losses)}, got {sorted(rates)}")
    fig, (ax_loss, ax_lr) = plt.subplots(
        2, 1, figsize=(MAX_WIDTH, 4.6), sharex=True, layout="constrained",
        gridspec_kw=dict(height_ratios=[2, 1]),
    )
    for label, values in losses.items():
        (line,) = ax_loss.plot(values, label=label, lw=1.5)
        ax_lr.plot(rates[label], color=line.get_color(), lw=1.2)
    ax_loss.axhline(threshold, color="gray", ls="--", lw=1, label="half the initial loss")
    ax_loss.set_yscale("log")
    top = max(float(np.max(values)) for values in losses.values())
    ax_loss.set_ylim(1e-4, 3 * top)  # the plateau and the drop; not float32's floor near 1e-12
    ax_loss.set_ylabel("loss (MSE)")
    ax_loss.set_title("A deep narrow network leaves its plateau")
    ax_loss.legend(fontsize=9, loc="lower left")
    ax_lr.set_yscale("log")
    ax_lr.set_xlabel("step")
    ax_lr.set_ylabel("learning rate")
    return fig


def range_test_figure(lrs, losses, smoothed, lowest: float, suggested: float, title: str):
    """The LR range test: raw and smoothed loss against the rate (log axis), minimum and suggestion."""
    lrs, losses, smoothed = (np.asarray(v, dtype=float) for v in (lrs, losses, smoothed))
    if lrs.size == 0 or lrs.shape != losses.shape or lrs.shape != smoothed.shape:
        raise ValueError(
            f"lrs, losses and smoothed must be non-empty and of one shape, got {lrs.shape}, "
            f"{losses.shape}, {smoothed.shape}"
        )
    fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.6), layout="constrained")
    ax.plot(lrs, losses, color="lightgray", lw=1, label="loss after each step")
    ax.plot(lrs, smoothed, color="tab:blue", lw=2, label="smoothed")
    ax.axvline(lowest, color="tab:red", ls=":", label=f"minimum, lr {lowest:.2g}")
    ax.axvline(suggested, color="tab:green", ls="--", label=f"suggestion, lr {suggested:.2g}")
    ax.set_xscale("log")
    ax.set_xlim(lrs[0], 10 ** np.ceil(np.log10(lrs[-1])))
    ax.set_ylim(0, 3)
    ax.set_xlabel("learning rate (log scale)")
    ax.set_ylabel("cross-entropy loss")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=9)
    return fig


def comparison_figure(rates: dict, checkpoints, val_curves: dict, ylabel: str):
    """The schedules (top) and the mean validation loss they give (bottom), stacked.

    Args:
      rates: label -> learning rate at each step.
      checkpoints: the steps at which the validation loss was measured.
      val_curves: label -> validation loss at those steps (same labels).
      ylabel: the bottom panel's y label (say what was averaged).
    """
    rates = _finite_curves(rates, "rates")
    val_curves = _finite_curves(val_curves, "val_curves")
    if set(rates) != set(val_curves):
        raise ValueError(f"val_curves must have the labels of rates {sorted(rates)}, "
                         f"got {sorted(val_curves)}")
    fig, (ax_lr, ax_val) = plt.subplots(2, 1, figsize=(MAX_WIDTH, 6.4), sharex=True,
                                        layout="constrained")
    for label in rates:
        (line,) = ax_lr.plot(rates[label], label=label, lw=1.3)
        ax_val.plot(checkpoints, val_curves[label], color=line.get_color(), lw=1.3)
    ax_lr.set_yscale("log")
    ax_lr.set_ylabel("learning rate")
    ax_lr.set_title("The schedules")
    ax_lr.legend(fontsize=8, ncols=2, loc="lower left")
    ax_val.set_yscale("log")
    ax_val.set_xlabel("step")
    ax_val.set_ylabel(ylabel)
    ax_val.set_title("Validation loss every 10 steps")
    return fig
