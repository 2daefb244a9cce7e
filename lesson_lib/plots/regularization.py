"""Lesson 11's figures: L1 and L2 coefficient paths, validation curves with early stopping, estimate spreads.

Every function takes numbers the notebook (or a playground) has already
computed and only draws them; each returns the figure. All figures are at most
`MAX_WIDTH` inches wide. Create them inside `with plt.ioff():`.
"""

import matplotlib.pyplot as plt
import numpy as np

__all__ = ["MAX_WIDTH", "PENALTY_STYLE", "paths_axes", "curves_figure", "spread_figure"]

MAX_WIDTH = 7.2
"""Width of every figure here, in inches (the output area is about 7.6 in at 100 dpi)."""

PENALTY_STYLE = {"l1": dict(color="C3", label="L1 (lasso)"), "l2": dict(color="C0", label="L2 (ridge)")}
"""One colour per penalty, shared by the figures and the playground."""


def paths_axes(ax, strengths, coefs, *, title: str, names=None):
    """Draw coefficient paths `coefs` `(len(strengths), features)` against the strength λ on a log axis.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> fig, ax = plt.subplots()
      >>> len(paths_axes(ax, [0.1, 1.0], np.ones((2, 3)), title="t").get_lines())
      4
    """
    strengths, coefs = np.asarray(strengths, float), np.asarray(coefs, float)
    if coefs.ndim != 2 or coefs.shape[0] != strengths.size:
        raise ValueError(f"coefs must have shape ({strengths.size}, features), got {coefs.shape}")
    for j in range(coefs.shape[1]):
        ax.plot(strengths, coefs[:, j], lw=1.3, color=plt.cm.tab10(j % 10),
                label=None if names is None else names[j])
    ax.axhline(0.0, color="black", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlim(strengths.min(), strengths.max())
    ax.set_xlabel("strength λ (log scale)")
    ax.set_ylabel("coefficient")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    return ax


def curves_figure(curves: dict, stops: dict | None = None, *, ylabel: str = "validation loss",
                  title: str = "Validation loss during training", ylim=None):
    """Mean curves (over seeds) per label, with the mean best step (●) and stop step (✕) if given.

    Args:
      curves: label -> `(seeds, steps)` values (e.g. `Runs.val_loss`).
      stops: label -> list of `EarlyStop` (one per seed), optional.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> fig = curves_figure({"plain": np.ones((2, 5))})
      >>> bool(fig.get_figwidth() <= MAX_WIDTH)
      True
    """
    if not isinstance(curves, dict) or not curves:
        raise ValueError("curves must be a non-empty dict label -> (seeds, steps) array")
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.4), layout="constrained")
    for i, (label, values) in enumerate(curves.items()):
        values = np.atleast_2d(np.asarray(values, float))
        mean = values.mean(axis=0)
        (line,) = ax.plot(np.arange(1, mean.size + 1), mean, lw=1.8, color=f"C{i}", label=label)
        if stops and label in stops:
            early = stops[label]
            best = int(round(np.mean([s.best for s in early])))
            stop = int(round(np.mean([s.stop for s in early])))
            ax.plot([best + 1], [mean[best]], "o", ms=8, color=line.get_color(), mec="black")
            ax.plot([stop + 1], [mean[stop]], "X", ms=9, color=line.get_color(), mec="black")
    if stops:
        ax.plot([], [], "o", color="grey", mec="black", label="best step (mean)")
        ax.plot([], [], "X", color="grey", mec="black", label="patience runs out (mean)")
    if ylim is not None:
        ax.set_ylim(*ylim)
    ax.set_xlabel("step")
    ax.set_ylabel(f"{ylabel}\n(mean over seeds)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="upper right")
    return fig


def spread_figure(estimates: dict, *, truth: float | None = None, xlabel: str = "estimated error (%)",
                  title: str = "The same model, estimated on different shuffles"):
    """One row of dots per label (one dot per seed) with its mean ± standard deviation.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> fig = spread_figure({"one split": [1.0, 3.0], "5-fold": [1.8, 2.2]}, truth=2.0)
      >>> len(fig.axes[0].get_yticks())
      2
    """
    if not isinstance(estimates, dict) or not estimates:
        raise ValueError("estimates must be a non-empty dict label -> values (one per seed)")
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 1.0 + 0.6 * len(estimates)), layout="constrained")
    for row, (label, values) in enumerate(estimates.items()):
        values = np.asarray(values, float)
        jitter = 0.12 * np.sin(np.arange(values.size) * 2.4)
        ax.plot(values, row + jitter, "o", ms=5, alpha=0.7, color=f"C{row}")
        mean, sd = values.mean(), values.std()
        ax.errorbar([mean], [row], xerr=[sd], fmt="|", ms=18, color="black", capsize=6, lw=1.5)
    if truth is not None:
        ax.axvline(truth, color="grey", ls="--", lw=1, label="test error (held-out data)")
        ax.legend(fontsize=8, loc="upper right")
    ax.set_yticks(range(len(estimates)), list(estimates))
    ax.set_ylim(-0.6, len(estimates) - 0.4)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.grid(True, axis="x", alpha=0.3)
    return fig
