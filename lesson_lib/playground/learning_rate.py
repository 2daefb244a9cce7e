"""Lesson 03's playground: drag the learning rate and watch the five regimes go by.

The model is lesson 01's narrow network `y = w_2 w_1 x` (depth 2) started at
`w = (0.9, 0.9)`. The left panel shows the loss curve for the slider's learning
rate (a fixed log axis; divergence is marked at the top). The right panel is a
map of every learning rate at once, computed once when the playground is built:
for each rate on a log grid, the losses of the last few steps of its run, so a
converged rate shows one dot, a bouncing rate a vertical spread of dots and a
diverged rate a cross at the top. A vertical line marks `2/λ_max`, the largest
learning rate at which the minimum is stable, and a moving marker the slider's
rate.

The math it draws on lives in the math modules: `sweep.lr_sweep` (every rate
in one call), `curves.diagnose` (reading one loss curve),
`curves.sweep_outcomes` and `curves.boundaries` (where training stops
converging and starts to diverge), `curvature.max_stable_lr`,
`nets.balanced_minimum`.
"""

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks, curvature, data, nets, train
from lesson_lib.curves import Diagnosis, diagnose
from lesson_lib.nets import balanced_minimum, narrow_loss_on
from lesson_lib.sweep import lr_sweep
from lesson_lib.plots import LOSS_LIM, LossCurve, format_lr, loss_axes
from lesson_lib.plots.learning_rate import MAX_WIDTH
from lesson_lib.playground.base import Playground, log_slider

__all__ = ["DEPTH", "INIT", "STEPS", "LR_RANGE", "TAIL", "status_line", "LearningRatePlayground"]

DEPTH = 2
"""Lesson 01's network `y = x w1 w2`: the smallest depth whose landscape is not a parabola."""

INIT = 0.9
"""Both weights start at 0.9 (lesson 01's default start)."""

STEPS = 100
"""Steps per run in the playground: enough for a good rate to converge, short enough to see a slow one."""

LR_RANGE = (1e-4, 10.0)
"""The slider's range: from "barely moves" to "diverges within three steps"."""

TAIL = 16
"""How many final losses per learning rate the right-hand panel shows (a spread = bouncing)."""



def status_line(lr: float, diagnosis: Diagnosis, max_lr: float) -> str:
    """The playground's one-line summary of a run.

    Example:
      >>> status_line(0.32, Diagnosis("converged", 0.99, False, 0.0097, None), 0.61)
      'lr 3.2e-01: converged, loss 9.7e-03 (max stable lr 6.1e-01)'
      >>> status_line(2.0, Diagnosis("diverged", float("nan"), True, float("nan"), 12), 0.61)
      'lr 2.0e+00: diverged at step 12 (max stable lr 6.1e-01)'
    """
    if diagnosis.verdict == "diverged":
        what = f"diverged at step {diagnosis.diverged_at}"
    else:
        what = f"{diagnosis.verdict}, loss {diagnosis.final:.1e}"
    return f"lr {format_lr(lr)}: {what} (max stable lr {format_lr(max_lr)})"


def _checked(x, y, depth, init, steps, lr, lr_range, grid):
    """The playground's arguments checked: returns `(x, y, low, high)` (the lessons' data if neither)."""
    if (x is None) != (y is None):
        missing = "y" if y is None else "x"
        raise ValueError(f"{missing} is missing: pass both x and y, or neither for the lessons' data")
    nets.check_depth(depth)
    _checks.finite_float("init", init)
    _checks.positive_float("lr", lr)
    _checks.int_in_range("steps", steps, 2)
    _checks.int_in_range("grid", grid, 2)
    low, high = (float(v) for v in lr_range)
    _checks.positive_float("lr_range[0]", low)
    _checks.positive_float("lr_range[1]", high)
    if not low < high:
        raise ValueError(f"lr_range must be (low, high) with low < high, got {lr_range!r}")
    if not low <= float(lr) <= high:
        raise ValueError(f"lr must lie in lr_range [{low}, {high}], got {lr!r}")
    if x is None:
        x, y = data.linear_regression_data(key=jax.random.key(0))
    _checks.same_shape(x, y)
    _checks.finite_array("x", x)
    _checks.finite_array("y", y)
    return x, y, low, high


class LearningRatePlayground(Playground):
    """A log-scale learning-rate slider driving a loss curve and a map of all learning rates.

    Args:
      x, y: the data, both or neither (neither: the lessons' data,
        `data.linear_regression_data(key=jax.random.key(0))`).
      depth: layers of the narrow network (default 2, lesson 01's `y = x w1 w2`).
      init: every weight's starting value.
      steps: gradient-descent steps per run.
      lr: the slider's starting learning rate.
      lr_range: the slider's (and the map's) range of learning rates.
      grid: how many learning rates the map precomputes (log-spaced).

    Attributes (besides `Playground`'s):
      max_lr: `2/λ_max` at the balanced minimum (`curvature.max_stable_lr`).
      lrs, sweep: the map's learning rates and their loss curves `(grid, steps + 1)`.
      run, diagnosis: the current slider value's `Trajectory` and `Diagnosis`.
    """

    def __init__(self, x=None, y=None, *, depth: int = DEPTH, init: float = INIT, steps: int = STEPS,
                 lr: float = 0.1, lr_range=LR_RANGE, grid: int = 321):
        x, y, low, high = _checked(x, y, depth, init, steps, lr, lr_range, grid)
        self._args = (jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32))
        self._w0 = nets.init_narrow(depth, init)
        self._steps = int(steps)
        w_min = balanced_minimum(*self._args, depth)
        self.min_loss = float(nets.narrow_loss(w_min, *self._args))
        self.max_lr = curvature.max_stable_lr(narrow_loss_on(*self._args), w_min)
        self.lrs = np.geomspace(low, high, int(grid)).astype(np.float32)
        self.sweep = lr_sweep(nets.narrow_loss, self._w0, self.lrs, self._steps, args=self._args)
        super().__init__({"lr": log_slider("learning rate", lr, low, high)},
                         figsize=(MAX_WIDTH, 3.6))
        self.ax_curve, self.ax_map = self.fig.subplots(1, 2)
        loss_axes(self.ax_curve, self._steps, title=f"Loss curve (depth {depth}, start w = {init})")
        self.ax_curve.title.set_fontsize(10)
        self.ax_curve.axhline(self.min_loss, color="gray", ls=":", lw=1, label="lowest possible loss")
        self.curve = LossCurve(self.ax_curve, color="C0", lw=2, label="this learning rate")
        self.moving(*self.curve.artists)
        self.ax_curve.legend(loc="lower left", fontsize=8)
        self._draw_map(self.ax_map, low, high)
        self.lr_line = self.moving(*self.ax_map.plot([lr, lr], LOSS_LIM, color="C0", lw=1.5))
        self.lr_dot = self.moving(*self.ax_map.plot([], [], "o", color="C0", ms=9, mec="black",
                                                    clip_on=False, zorder=6))

    def _draw_map(self, ax, low, high):
        """The static right panel: the last `TAIL` losses of every precomputed run."""
        tail = self.sweep[:, -TAIL:]
        finite = np.all(np.isfinite(self.sweep), axis=1)
        with np.errstate(all="ignore"):
            shown = np.clip(np.where(np.isfinite(tail), tail, LOSS_LIM[1]), *LOSS_LIM)
        lrs = np.repeat(self.lrs[finite], TAIL)
        ax.plot(lrs, shown[finite].ravel(), ".", color="0.25", ms=2,
                label=f"last {TAIL} losses of each run")
        ax.plot(self.lrs[~finite], np.full((~finite).sum(), LOSS_LIM[1]), "x", color="C3", ms=5,
                clip_on=False, label="diverged")
        ax.axvline(self.max_lr, color="C2", ls="--", lw=1.5,
                   label=f"2/λ_max = {format_lr(self.max_lr)}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(low, high)
        ax.set_ylim(*LOSS_LIM)
        ax.set_xlabel("learning rate η (log scale)")
        ax.set_ylabel(f"loss (MSE), steps {self._steps - TAIL + 1}–{self._steps}")
        ax.set_title("Every learning rate at once", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)

    def compute(self, lr):
        """Gradient descent at this rate: a `train.Trajectory`."""
        return train.gradient_descent(nets.narrow_loss, self._w0, float(lr), self._steps,
                                      args=self._args)

    def draw(self, run, lr):
        lr = float(lr)
        self.run = run
        losses = np.asarray(run.losses)
        self.curve.update(losses, run.diverged_at)
        self.diagnosis = diagnose(losses, run.diverged_at)
        final = LOSS_LIM[1] if run.diverged_at is not None else float(np.clip(losses[-1], *LOSS_LIM))
        self.lr_line.set_xdata([lr, lr])
        self.lr_dot.set_data([lr], [final])
        return status_line(lr, self.diagnosis, self.max_lr)
