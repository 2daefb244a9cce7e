"""Lesson 04 playground: depth and learning rate, answered from a precomputed sweep.

`lesson_lib.narrow_sweep.depth_lr_sweep` trains every (depth, learning rate) pair of a
grid in one call; `DepthLRPlayground` then only *looks up* the run under the
sliders, so a move costs an array index and a blit, never a training run. The
learner hunts for the fastest learning rate at each depth and registers it with
a button; two panels grow with the registered points: learning time vs depth
and best learning rate vs depth.
"""

import ipywidgets as widgets
import numpy as np

from lesson_lib import _checks
from lesson_lib.playground.base import Playground, log_slider
from lesson_lib.plots import LossCurve, format_lr, loss_axes
from lesson_lib.plots.learning_rate import MAX_WIDTH, depth_lr_heatmap
from lesson_lib.narrow_sweep import SweepResult, steps_to_converge

__all__ = ["describe_cell", "DepthLRPlayground"]

def describe_cell(result: SweepResult, times, i: int, j: int, threshold: float) -> str:
    """A one-line verdict on run `(depth index i, lr index j)`."""
    depth, lr = int(result.depths[i]), float(result.lrs[j])
    where = f"depth {depth}, lr {format_lr(lr)}: "
    if result.diverged_at[i, j] >= 0:
        return where + f"diverged at step {int(result.diverged_at[i, j])}"
    if times[i, j] >= 0:
        return where + f"loss ≤ {threshold:.3g} from step {int(times[i, j])} on"
    final = float(result.losses[i, j, -1])
    return where + f"not converged after {result.losses.shape[-1] - 1} steps (final loss {final:.3g})"


def _check_start(result, threshold, depth, lr) -> None:
    if not isinstance(result, SweepResult):
        raise ValueError(f"result must be a narrow_sweep.SweepResult (from depth_lr_sweep), got {type(result).__name__}")
    _checks.finite_float("threshold", threshold)
    lrs, depths = np.asarray(result.lrs, dtype=float), [int(d) for d in result.depths]
    if depth is not None:
        _checks.finite_float("depth", depth)
        if not min(depths) <= float(depth) <= max(depths):
            raise ValueError(f"depth must lie in the sweep's depths [{min(depths)}, {max(depths)}], got {depth!r}")
    if lr is not None:
        _checks.positive_float("lr", lr)
        if not lrs[0] * (1 - 1e-6) <= float(lr) <= lrs[-1] * (1 + 1e-6):
            raise ValueError(f"lr must lie in the sweep's learning rates [{lrs[0]:.3g}, {lrs[-1]:.3g}], got {lr!r}")


class DepthLRPlayground(Playground):
    """Depth and learning-rate sliders over a precomputed `depth_lr_sweep`.

    Panels: the heat map of steps to converge with a cursor on the current
    cell; that run's loss curve; and, as the learner registers what they think
    is the best learning rate for a depth (the button), learning time vs depth
    and best learning rate vs depth.

    Args:
      result: a `SweepResult` (its learning rates log-spaced, as `np.geomspace` gives).
      threshold: the loss counted as "converged" (e.g. the best loss + 1e-3).
      depth, lr: the sliders' starting values (snapped to the grid).

    Attributes:
      registered: dict depth -> (learning rate, steps to converge), in the
        order registered.
      register_button: the ipywidgets `Button`; `register_button.click()`
        registers the current cell, as a click in the browser does.
    """

    def __init__(self, result: SweepResult, threshold: float, *, depth=None, lr=None):
        _check_start(result, threshold, depth, lr)
        self.result, self.threshold = result, float(threshold)
        self.times = steps_to_converge(result.losses, threshold)
        self.registered = {}
        lrs, depths = np.asarray(result.lrs, dtype=float), [int(d) for d in result.depths]
        self._log_lrs = np.log10(lrs)
        step = float(self._log_lrs[1] - self._log_lrs[0]) if len(lrs) > 1 else 0.01
        start_depth = depths[len(depths) // 2] if depth is None else depth
        super().__init__({
            "depth": widgets.SelectionSlider(
                options=depths, value=self._nearest_depth(start_depth), description="depth",
                continuous_update=True, style={"description_width": "initial"}),
            "lr": log_slider("learning rate", float(lrs[len(lrs) // 2]) if lr is None else lr,
                             lrs[0], lrs[-1], step=step),
        }, figsize=(MAX_WIDTH, 6.2))
        (heat, curve_ax), (time_ax, lr_ax) = self.fig.subplots(2, 2)
        self.cursor = self.moving(*self._draw_heatmap(heat))
        self.curve = LossCurve(self._curve_axes(curve_ax), color="C0")
        self.moving(*self.curve.artists)
        self.time_line, self.lr_line = self._registered_axes(time_ax, lr_ax, lrs, max(depths) + 1)
        self.register_button = widgets.Button(
            description="register this lr as best for this depth", icon="check",
            layout={"width": "auto"})
        self.register_button.on_click(self.action(self.register, failure="Registering failed"))

    def _draw_heatmap(self, ax):
        depth_lr_heatmap(ax, self.result, self.times, self.threshold)
        ax.set_title(f"steps until loss ≤ {self.threshold:.3g}\n(dark red: diverged, grey: not "
                     "settled)", fontsize=9)
        ax.get_legend().remove()
        return ax.plot([], [], "o", ms=12, mfc="none", mec="red", mew=2.5)

    def _curve_axes(self, ax):
        steps = self.result.losses.shape[-1] - 1
        loss_axes(ax, steps, title="loss curve of the selected run")
        ax.set_xscale("symlog", linthresh=10)
        ax.set_xlim(0, steps)
        ax.set_xlabel("step (linear to 10, then log)")
        ax.axhline(self.threshold, color="gray", ls=":", lw=1, label=f"loss {self.threshold:.3g}")
        ax.legend(loc="lower left", fontsize=8)
        return ax

    def _registered_axes(self, time_ax, lr_ax, lrs, top):
        """The two panels that grow with the registered runs; returns their (moving) lines."""
        steps = self.result.losses.shape[-1] - 1
        time_ax.set(yscale="log", xlim=(0, top), ylim=(0.7, 1.5 * steps),
                    xlabel="depth D (layers)", ylabel="steps to converge")
        time_ax.set_title("your registered runs:\nlearning time vs depth", fontsize=9)
        time_ax.grid(True, alpha=0.3)
        lr_ax.set(xscale="log", yscale="log", xlim=(0.8, top), ylim=(lrs[0], lrs[-1]),
                  xlabel="depth D (layers, log scale)", ylabel="best learning rate η (log scale)")
        lr_ax.set_title("your registered runs:\nbest learning rate vs depth", fontsize=9)
        lr_ax.grid(True, which="major", alpha=0.3)
        return (self.moving(*time_ax.plot([], [], "o-", color="C1")),
                self.moving(*lr_ax.plot([], [], "s-", color="C2")))

    def _nearest_depth(self, depth) -> int:
        depths = np.asarray(self.result.depths)
        return int(depths[np.argmin(np.abs(depths - float(depth)))])

    def cell(self, depth, lr) -> tuple[int, int]:
        """Grid indices `(i, j)` of the run nearest to `(depth, lr)` (lr compared on a log scale)."""
        i = int(np.argmin(np.abs(np.asarray(self.result.depths) - float(depth))))
        j = int(np.argmin(np.abs(self._log_lrs - np.log10(float(lr)))))
        return i, j

    def compute(self, depth, lr):
        """The grid cell `(i, j)` under the sliders (a lookup: no training)."""
        return self.cell(depth, lr)

    def draw(self, cell, depth, lr):
        i, j = cell
        diverged = int(self.result.diverged_at[i, j])
        self.curve.update(self.result.losses[i, j], None if diverged < 0 else diverged)
        self.cursor.set_data([float(self.result.lrs[j])], [int(self.result.depths[i])])
        return describe_cell(self.result, self.times, i, j, self.threshold)

    def register(self):
        """Register the current learning rate as the learner's best for the current depth."""
        i, j = self.cell(self.controls["depth"].value, self.controls["lr"].value)
        depth, lr, time = int(self.result.depths[i]), float(self.result.lrs[j]), int(self.times[i, j])
        if time < 0:
            self.status.value = (
                "not registered: " + describe_cell(self.result, self.times, i, j, self.threshold)
                + " — pick a learning rate that converges"
            )
            return
        self.registered[depth] = (lr, time)
        order = sorted(self.registered)
        self.time_line.set_data(order, [max(self.registered[d][1], 1) for d in order])
        self.lr_line.set_data(order, [self.registered[d][0] for d in order])
        self.status.value = (
            f"registered depth {depth}: lr {format_lr(lr)}, {time} steps "
            f"({len(self.registered)} depths registered)"
        )
        self.show()

    def control_rows(self):
        """The sliders with the register button beside them."""
        return [widgets.HBox(list(self.controls.values()) + [self.register_button],
                             layout={"flex_flow": "row wrap"})]
