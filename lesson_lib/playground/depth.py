"""Lesson 02's playground: drag the depth of a narrow network, keep everything else fixed.

The network is `y = w_D ··· w_1 x` with every weight starting at `init` (0.9),
trained on the same data with the same learning rate at every depth. The left
panel shows the loss (a fixed log axis, so a plateau and its sudden drop are
easy to see); the right panel shows the product `p = ∏ w`, the only thing the
network's output depends on, climbing from `init**depth` to the best slope.

The weights are padded to `nets.MAX_DEPTH` and the depth enters the loss as a
traced argument (`nets.masked_narrow_loss`), so every depth reuses one compiled
training loop: dragging the slider never recompiles.
"""

import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks, curves, nets, train
from lesson_lib.plots import LossCurve, format_lr, loss_axes, visible_losses
from lesson_lib.playground.base import Playground, int_slider
from lesson_lib.playground.landscape import lesson_data

__all__ = [
    "LR",
    "STEPS",
    "INIT",
    "THRESHOLD",
    "SLIDER_MAX_DEPTH",
    "LOSS_YLIM",
    "PRODUCT_YLIM",
    "FIGSIZE",
    "status_line",
    "DepthPlayground",
]

LR = 0.003
"""The one learning rate used at every depth: below `2/λ_max ≈ 0.0038` at depth 50's minimum."""

STEPS = 600
"""Training steps per run: enough for depth 1 (slow finish) and depth 50 (long plateau) to converge."""

INIT = 0.9
"""Every weight's initial value: the product `0.9**depth` shrinks with depth (0.005 at depth 50)."""

THRESHOLD = 0.02
"""Loss counted as "trained": about twice the noise floor (≈ 0.0108) of the lesson's data."""

SLIDER_MAX_DEPTH = 50
LOSS_YLIM = (1e-3, 1e1)
PRODUCT_YLIM = (1e-3, 1e1)
FIGSIZE = (7.4, 3.4)
"""The playground's figure, in inches: fits a 760-px output area at 100 dpi."""


def status_line(depth: int, hit: int | None, *, threshold: float, steps: int,
                diverged_at: int | None = None) -> str:
    """The playground's one-line summary of a run.

    Example:
      >>> status_line(20, 30, threshold=0.02, steps=600)
      'depth 20: loss < 0.02 after 30 steps'
      >>> status_line(50, None, threshold=0.02, steps=600)
      'depth 50: loss still above 0.02 after 600 steps'
    """
    _checks.int_in_range("depth", depth, 1)
    _checks.int_in_range("steps", steps, 1)
    _checks.positive_float("threshold", threshold)
    if hit is not None:
        _checks.int_in_range("hit", hit, 0, steps)
    if diverged_at is not None:
        _checks.int_in_range("diverged_at", diverged_at, 0, steps)
    if diverged_at is not None and (hit is None or hit > diverged_at):
        return f"depth {depth}: diverged at step {diverged_at}"
    if hit is None:
        return f"depth {depth}: loss still above {threshold:g} after {steps} steps"
    return f"depth {depth}: loss < {threshold:g} after {hit} steps"


def _check_settings(lr, steps, init, threshold, depth, max_depth) -> None:
    _checks.positive_float("lr", lr)
    _checks.int_in_range("steps", steps, 1)
    _checks.finite_float("init", init)
    _checks.positive_float("threshold", threshold)
    _checks.int_in_range("max_depth", max_depth, 1, nets.MAX_DEPTH)
    _checks.int_in_range("depth", depth, 1, int(max_depth))


class DepthPlayground(Playground):
    """A depth slider (1…`max_depth`) at a fixed learning rate: loss curve and product of weights.

    Args:
      x, y: the training data (default: `data.linear_regression_data(key=jax.random.key(0))`).
      lr: the fixed learning rate (default `LR`).
      steps: training steps per run (default `STEPS`).
      init: every weight's starting value (default `INIT`).
      threshold: the loss that counts as trained, for the status line.
      depth: the slider's starting depth.
      max_depth: the slider's largest depth (<= `nets.MAX_DEPTH`).

    Attributes:
      run: the `Trajectory` of the last draw; `hit`: its first step with loss <=
      `threshold` (or None).
    """

    def __init__(self, x=None, y=None, *, lr: float = LR, steps: int = STEPS, init: float = INIT,
                 threshold: float = THRESHOLD, depth: int = 10,
                 max_depth: int = SLIDER_MAX_DEPTH):
        x, y = lesson_data(x, y)
        _check_settings(lr, steps, init, threshold, depth, max_depth)
        self.x = jnp.asarray(x, dtype=jnp.float32)
        self.y = jnp.asarray(y, dtype=jnp.float32)
        self.lr, self.steps, self.init = float(lr), int(steps), float(init)
        self.threshold = float(threshold)
        self.run, self.hit = None, None
        # The best possible fit: p* = mean(xy)/mean(x²), loss floor = its error.
        self.best_product, self.noise_floor = nets.narrow_solution(self.x, self.y)
        # Fixed margins: a layout engine would re-measure every tick label on each full draw.
        super().__init__({"depth": int_slider("depth", int(depth), 1, int(max_depth))},
                         figsize=FIGSIZE, layout=None)
        loss_ax, product_ax = self.fig.subplots(1, 2)
        self.fig.subplots_adjust(left=0.09, right=0.985, bottom=0.14, top=0.91, wspace=0.32)
        self._loss_panel(loss_ax)
        self._product_panel(product_ax)

    def _loss_panel(self, ax):
        loss_axes(ax, self.steps, ylim=LOSS_YLIM, title=f"Loss at learning rate {format_lr(self.lr)}")
        ax.axhline(self.noise_floor, color="gray", ls="--", lw=1,
                   label=f"noise floor {self.noise_floor:.3g}")
        ax.axhline(self.threshold, color="tab:green", ls=":", lw=1,
                   label=f"threshold {self.threshold:g}")
        ax.legend(loc="upper right", fontsize=8)
        ax.title.set_fontsize(10)
        self.curve = LossCurve(ax, ylim=LOSS_YLIM, color="tab:blue")
        self.moving(*self.curve.artists)
        self.hit_line = self.moving(*ax.plot([], [], color="tab:green", lw=1, ls="-."))

    def _product_panel(self, ax):
        ax.set(yscale="log", xlim=(0, self.steps), ylim=PRODUCT_YLIM, xlabel="step",
               ylabel="slope p = w_D ··· w_1")
        ax.set_title("The network's slope p = ∏ w", fontsize=10)
        ax.grid(True, which="major", alpha=0.3)
        ax.axhline(self.best_product, color="gray", ls="--", lw=1,
                   label=f"best slope p* = {self.best_product:.3g}")
        ax.legend(loc="lower right", fontsize=8)
        self.product_line = self.moving(*ax.plot([], [], color="tab:orange"))

    def descend(self, depth: int) -> train.Trajectory:
        """Gradient descent at this depth, on padded weights (one compiled loop for all depths)."""
        nets.check_depth(depth)
        w0 = nets.pad_narrow(nets.init_narrow(depth, self.init))
        return train.gradient_descent(nets.masked_narrow_loss, w0, self.lr, self.steps,
                                      args=(int(depth), self.x, self.y))

    def compute(self, depth):
        return self.descend(int(depth))

    def draw(self, run, depth):
        depth = int(depth)
        losses = np.asarray(run.losses)
        with np.errstate(over="ignore", invalid="ignore"):  # a diverged run's product overflows
            products = np.prod(np.asarray(run.params)[:, :depth], axis=1)
        self.curve.update(losses, run.diverged_at)
        self.product_line.set_data(*visible_losses(products, run.diverged_at, PRODUCT_YLIM))
        hit = curves.first_step_below(losses, self.threshold)
        if run.diverged_at is not None and hit is not None and hit > run.diverged_at:
            hit = None
        if hit is None:
            self.hit_line.set_data([], [])
        else:
            self.hit_line.set_data([hit, hit], list(LOSS_YLIM))
        self.run, self.hit = run, hit
        return status_line(depth, hit, threshold=self.threshold, steps=self.steps,
                           diverged_at=run.diverged_at)
