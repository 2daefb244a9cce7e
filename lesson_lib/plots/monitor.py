"""Lesson 09 figures: the dashboards of a training run (`lesson_lib.monitor.Record`).

`Dashboard` is three panels with fixed axes — the mini-batch loss (log axis),
train and validation accuracy, and the update/weight ratio of every weight
matrix (log axis, the healthy band around 1e-3 shaded) — whose lines
`update(record)` replaces, so it can follow a run chunk by chunk. The other
helpers draw a finished record: a grid of dashboards (one row per run), the
first layer's weights as 8 × 8 images, and per-layer histograms.
"""

import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
import numpy as np

from lesson_lib import _checks
from lesson_lib.monitor import ACT_EDGES, GRAD_EDGES, Record

__all__ = ["MAX_WIDTH", "LOSS_YLIM", "RATIO_YLIM", "Dashboard", "plot_dashboards",
           "plot_first_layer", "plot_histograms"]

MAX_WIDTH = 7.4
"""The widest figure (inches at 100 dpi) that fits the lessons' output area."""

LOSS_YLIM = (1e-3, 1e2)
"""Loss axis: from a well-trained network (1e-3) to a blown-up one (1e2); log 10 ≈ 2.3 is chance."""

RATIO_YLIM = (1e-7, 1.0)
"""Update/weight ratio axis; the healthy band is 1e-4 to 1e-2 around the rule of thumb 1e-3."""

_LAYER_COLORS = ("C0", "C1", "C2", "C4", "C5")


def _weight_columns(record: Record):
    return [(i, name) for i, name in enumerate(record.names) if name.startswith("w")]


def _style_dashboard(axes, steps: int, small: bool = False):
    ax_loss, ax_acc, ax_ratio = axes
    size = 8 if small else 9
    for ax in axes:
        ax.set_xlim(0, steps)
        ax.grid(True, which="major", alpha=0.3)
        ax.set_xlabel("step", fontsize=size)
        ax.tick_params(labelsize=size - 1)
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(*LOSS_YLIM)
    ax_loss.set_ylabel("loss (cross-entropy)", fontsize=size)
    ax_loss.axhline(np.log(10), color="gray", ls=":", lw=1)
    ax_acc.set_ylim(0, 1.02)
    ax_acc.set_ylabel("accuracy", fontsize=size)
    ax_acc.axhline(0.1, color="gray", ls=":", lw=1)
    ax_ratio.set_yscale("log")
    ax_ratio.set_ylim(*RATIO_YLIM)
    ax_ratio.set_ylabel("‖update‖ / ‖weights‖", fontsize=size)
    ax_ratio.axhspan(1e-4, 1e-2, color="C2", alpha=0.12, lw=0)
    ax_ratio.axhline(1e-3, color="C2", ls="--", lw=1)


class Dashboard:
    """Loss, accuracies and update/weight ratios of one run, on fixed axes, updated in place.

    Args:
      steps: the run's length (the x axes end there).
      layers: how many weight matrices the network has (one ratio line each).
      title: the figure's title.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> dash = Dashboard(400, layers=3, title="a run")
      >>> len(dash.artists), float(dash.fig.get_figwidth()) <= MAX_WIDTH
      (6, True)
    """

    def __init__(self, steps: int, *, layers: int = 3, title: str = "Training run"):
        _checks.int_in_range("steps", steps, 1)
        _checks.int_in_range("layers", layers, 1, len(_LAYER_COLORS))
        # A plain Figure on Agg, not pyplot: the dashboard lives on a LiveCanvas (no ipympl widget).
        fig = Figure(figsize=(MAX_WIDTH, 2.7), layout="constrained")
        FigureCanvasAgg(fig)
        axes = fig.subplots(1, 3)
        _style_dashboard(axes, steps)
        ax_loss, ax_acc, ax_ratio = axes
        ax_loss.set_title("Mini-batch loss", fontsize=10)
        ax_acc.set_title("Accuracy", fontsize=10)
        ax_ratio.set_title("Update / weight ratio", fontsize=10)
        (self.loss_line,) = ax_loss.plot([], [], color="0.3", lw=0.8, label="batch loss")
        (self.train_line,) = ax_acc.plot([], [], "-o", ms=2.5, color="C0", label="train")
        (self.val_line,) = ax_acc.plot([], [], "-o", ms=2.5, color="C3", label="validation")
        ax_acc.legend(loc="lower right", fontsize=8)
        self.ratio_lines = [ax_ratio.plot([], [], lw=0.9, color=_LAYER_COLORS[k], label=f"w{k + 1}")[0]
                            for k in range(layers)]
        ax_ratio.legend(loc="lower right", fontsize=7, ncol=layers)
        fig.suptitle(title, fontsize=11)
        self.fig, self.axes, self.steps = fig, axes, steps
        self.artists = [self.loss_line, self.train_line, self.val_line, *self.ratio_lines]

    def clear(self):
        """Empty every line (before a new run streams in)."""
        for line in self.artists:
            line.set_data([], [])
        return self

    def update(self, record: Record):
        """Show `record` (complete or partial); non-finite values are left out, big ones pinned to the top."""
        steps = np.arange(record.steps)
        with np.errstate(invalid="ignore"):
            loss = np.where(np.isfinite(record.loss), np.clip(record.loss, *LOSS_YLIM), LOSS_YLIM[1])
        end = record.steps if record.diverged_at is None else record.diverged_at + 1
        self.loss_line.set_data(steps[:end], loss[:end])
        self.train_line.set_data(record.eval_steps, record.train_acc)
        self.val_line.set_data(record.eval_steps, record.val_acc)
        for line, (i, _) in zip(self.ratio_lines, _weight_columns(record)):
            ratio = record.update_ratio[:, i]
            keep = np.isfinite(ratio)
            line.set_data(steps[keep], np.clip(ratio[keep], *RATIO_YLIM))
        return self


def plot_dashboards(records: dict, *, steps: int | None = None):
    """One row per run (`{label: Record}`): loss, accuracies, update/weight ratios.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> rec = Record(np.ones(4), np.full((4, 2), 1e-3), np.ones((4, 2)), np.array([0, 4]),
      ...              np.array([0.1, 0.5]), np.array([0.1, 0.4]), np.ones(2), np.zeros((2, 1)),
      ...              None, None, ("b1", "w1"), 4, None, 10, None, None)
      >>> fig = plot_dashboards({"run_a": rec, "run_b": rec})
      >>> len(fig.axes), float(fig.get_figwidth()) <= MAX_WIDTH
      (6, True)
    """
    if not records:
        raise ValueError("records must hold at least one {label: Record}")
    steps = steps or max(r.steps for r in records.values())
    with plt.ioff():
        fig, grid = plt.subplots(len(records), 3, figsize=(MAX_WIDTH, 0.4 + 1.9 * len(records)),
                                 layout="constrained", squeeze=False)
    for row, (label, record) in zip(grid, records.items()):
        _style_dashboard(row, steps, small=True)
        dash = Dashboard.__new__(Dashboard)
        weights = _weight_columns(record)
        dash.loss_line = row[0].plot([], [], color="0.3", lw=0.7)[0]
        dash.train_line = row[1].plot([], [], "-o", ms=2, color="C0", label="train")[0]
        dash.val_line = row[1].plot([], [], "-o", ms=2, color="C3", label="validation")[0]
        dash.ratio_lines = [row[2].plot([], [], lw=0.8, color=_LAYER_COLORS[k], label=name)[0]
                            for k, (_, name) in enumerate(weights)]
        Dashboard.update(dash, record)
        row[0].set_title(f"{label}: mini-batch loss", fontsize=9)
        row[1].set_title(f"{label}: accuracy", fontsize=9)
        row[2].set_title(f"{label}: update / weight", fontsize=9)
    for row in grid[:-1]:
        for ax in row:
            ax.set_xlabel("")
    grid[0][1].legend(loc="lower right", fontsize=7)
    grid[0][2].legend(loc="lower right", fontsize=7, ncol=3)
    return fig


def plot_first_layer(params, *, columns: int = 8, title: str = "First-layer weights"):
    """Each hidden unit's 64 input weights as an 8 × 8 image (blue negative, red positive).

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> fig = plot_first_layer([{"w": np.ones((64, 16)), "b": np.zeros(16)}], columns=8)
      >>> len(fig.axes), float(fig.get_figwidth()) <= MAX_WIDTH
      (16, True)
    """
    w = np.asarray(params[0]["w"], float)
    if w.ndim != 2 or w.shape[0] != 64:
        raise ValueError(f"params[0]['w'] must have shape (64, units) for 8 × 8 images, got {w.shape}")
    _checks.int_in_range("columns", columns, 1)
    units = w.shape[1]
    rows = -(-units // columns)
    with plt.ioff():
        fig, axes = plt.subplots(rows, columns, figsize=(min(MAX_WIDTH, 0.8 * columns), 0.85 * rows + 0.4),
                                 layout="constrained", squeeze=False)
    for k, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        if k >= units:
            ax.remove()
            continue
        image = w[:, k].reshape(8, 8)
        bound = float(np.max(np.abs(image))) or 1.0
        ax.imshow(image, cmap="RdBu_r", vmin=-bound, vmax=bound)
        ax.set_title(f"unit {k + 1}", fontsize=7)
    fig.suptitle(title, fontsize=10)
    return fig


def plot_histograms(record: Record, *, checkpoint: int = -1, nonlinearity: str = "tanh",
                    title: str | None = None):
    """Per hidden layer: its activations and its backpropagated gradients at one checkpoint.

    Top row: the activations on the validation set (fraction of values per
    bin). Bottom row: log10 of |∂L_i/∂h| for each example and unit.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> hist = np.ones((2, 2, 20), int)
      >>> rec = Record(np.ones(4), np.ones((4, 2)), np.ones((4, 2)), np.array([0, 4]), np.ones(2),
      ...              np.ones(2), np.ones(2), np.zeros((2, 2)), hist, hist, ("b1", "w1"), 4, None,
      ...              10, None, None)
      >>> len(plot_histograms(rec).axes)
      4
    """
    if record.act_hist is None:
        raise ValueError("record has no histograms: train with histograms=True")
    layers = record.act_hist.shape[1]
    step = int(record.eval_steps[checkpoint])
    if nonlinearity not in ACT_EDGES:
        raise ValueError(f"nonlinearity must be one of {sorted(ACT_EDGES)}, got {nonlinearity!r}")
    edges = ACT_EDGES[nonlinearity]
    with plt.ioff():
        fig, axes = plt.subplots(2, layers, figsize=(min(MAX_WIDTH, 2.6 * layers + 0.6), 4.0),
                                 layout="constrained", squeeze=False)
    for layer in range(layers):
        acts = record.act_hist[checkpoint, layer].astype(float)
        grads = record.grad_hist[checkpoint, layer].astype(float)
        ax = axes[0][layer]
        ax.bar(edges[:-1], acts / max(acts.sum(), 1), width=np.diff(edges), align="edge", color="C0")
        ax.set_ylim(0, 1)
        ax.set_xlabel(f"activation h{layer + 1}", fontsize=8)
        ax.set_ylabel("fraction of values", fontsize=8)
        ax.set_title(f"hidden layer {layer + 1}: activations", fontsize=9)
        ax = axes[1][layer]
        ax.bar(GRAD_EDGES[:-1], grads / max(grads.sum(), 1), width=np.diff(GRAD_EDGES), align="edge",
               color="C1")
        ax.set_ylim(0, 1)
        ax.set_xlabel("log10 |∂L/∂h| (per example)", fontsize=8)
        ax.set_ylabel("fraction of values", fontsize=8)
        ax.set_title(f"hidden layer {layer + 1}: gradients", fontsize=9)
        for a in axes[:, layer]:
            a.tick_params(labelsize=7)
            a.grid(True, alpha=0.3)
    fig.suptitle(title or f"Histograms at step {step}", fontsize=10)
    return fig
