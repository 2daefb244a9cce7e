"""Lesson 06 playgrounds: an optimizer race on 2-D landscapes, and mini-batch noise.

`OptimizerRacePlayground` runs several optimizers from the same start on one
landscape and draws their paths over its contours, with the loss of each
beside it. A Play control scrubs or animates the step shown: it only slices
trajectories computed when a hyperparameter changed, so an animation frame is
a blit of a few lines. `MiniBatchPlayground` trains a line fit with mini-batch
gradients: a batch-size slider turns the exact gradient into a noisy one, and a
mean/sum switch shows why gradients are averaged.
"""

import functools
import math
from typing import Callable, NamedTuple

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import matplotlib.colors as mcolors
import matplotlib.pyplot as plt
import numpy as np

from lesson_lib import _checks, landscapes, optim
from lesson_lib.data import linear_regression_data
from lesson_lib.playground.base import Playground, float_slider, int_slider, log_slider
from lesson_lib.plots import draw_landscape, format_lr, log_levels
from lesson_lib.train import first_step_below, optimize

__all__ = [
    "Landscape",
    "default_landscapes",
    "COLORS",
    "ADAPTIVE",
    "SADDLE_LOSS_LIM",
    "FIGSIZE",
    "LOG_LOSS_LIM",
    "race_hyperparams",
    "OptimizerRacePlayground",
    "line_fit_loss",
    "shuffled_indices",
    "full_line_fit_loss",
    "MiniBatchPlayground",
]


class Landscape(NamedTuple):
    """A race course: the loss, a start, the plotted window and the finish line."""

    loss: Callable
    start: tuple
    xlim: tuple
    ylim: tuple
    threshold: float  # "finished" = loss at or below this
    lr: float  # default learning rate of the SGD family
    adaptive_lr: float  # default learning rate of the adaptive methods
    log_loss: bool = True  # False for landscapes that go below zero (the saddle)
    minimum: tuple | None = None


def default_landscapes() -> dict:
    """The four courses of lesson 06, by name."""
    x, y = linear_regression_data(jax.random.key(0), n=50, slope=2.0, noise=0.1)
    return {
        "ill-conditioned bowl (κ = 50)": Landscape(
            landscapes.ill_conditioned_quadratic(50.0, math.pi / 6), (-2.5, 1.5),
            (-3.0, 3.0), (-2.0, 2.0), 1e-3, 0.02, 0.05, minimum=(0.0, 0.0),
        ),
        "Rosenbrock valley": Landscape(
            landscapes.rosenbrock(), (-1.2, 1.0), (-2.0, 2.0), (-1.0, 3.0), 1e-2,
            1.5e-3, 0.05, minimum=(1.0, 1.0),
        ),
        "saddle θ₁² − θ₂²": Landscape(
            landscapes.saddle(), (1.0, 1e-3), (-1.5, 1.5), (-1.5, 1.5), -1.0, 0.05, 0.05,
            log_loss=False,
        ),
        "narrow net y = x·w1·w2": Landscape(
            landscapes.narrow_landscape(x, y), (0.05, 0.02), (-2.5, 2.5), (-2.5, 2.5), 2e-2,
            0.05, 0.05,
        ),
    }


COLORS = {
    "sgd": "white", "momentum": "tab:orange", "nesterov": "tab:red",
    "adagrad": "tab:purple", "rmsprop": "tab:cyan", "adam": "tab:green", "rprop": "tab:pink",
}
ADAPTIVE = ("adagrad", "rmsprop", "adam", "rprop")
SADDLE_LOSS_LIM = (-2.5, 2.5)
FIGSIZE = (7.4, 4.0)  # inches: fits a 760-px output area at 100 dpi
LOG_LOSS_LIM = (1e-6, 1e2)


def race_hyperparams(name, lr, adaptive_lr, momentum, b1, b2, decay) -> dict:
    """The slider values that apply to optimizer `name`, as `optim.make` keywords."""
    hyper = {"learning_rate": float(adaptive_lr if name in ADAPTIVE else lr)}
    if name in ("momentum", "nesterov"):
        hyper["momentum"] = float(momentum)
    if name == "adam":
        hyper.update(b1=float(b1), b2=float(b2))
    if name == "rmsprop":
        hyper["decay"] = float(decay)
    return hyper


def _finite_prefix(path, losses, diverged_at):
    end = len(losses) if diverged_at is None else int(diverged_at)
    return np.clip(path[:end], -1e6, 1e6), losses[:end]


class OptimizerRacePlayground(Playground):
    """Several optimizers race from one start across a 2-D landscape.

    Controls: `landscape` (Dropdown), `lr` (SGD, momentum, Nesterov), `adaptive_lr`
    (Adagrad, RMSprop, Adam, rprop), `momentum`, `b1`, `b2` (Adam), `decay`
    (RMSprop) and `step` (a Play control: the step shown). Moving a
    hyperparameter recomputes every trajectory (one compiled scan each, never
    recompiled); moving `step` only slices them. The status line gives the
    steps each optimizer needs to reach the landscape's threshold.
    """

    def __init__(
        self,
        optimizers=optim.NAMES,
        steps: int = 200,
        landscape: str | None = None,
        courses: dict | None = None,
        interval_ms: int = 40,
    ):
        if isinstance(optimizers, str) or len(tuple(optimizers)) == 0:
            raise ValueError(
                f"optimizers must be a non-empty sequence of names from {', '.join(optim.NAMES)}, "
                f"got {optimizers!r}"
            )
        for name in optimizers:
            optim.defaults(name)  # raises a ValueError naming the seven
        _checks.int_in_range("steps", steps, 1)
        _checks.int_in_range("interval_ms", interval_ms, 1)
        self.courses = default_landscapes() if courses is None else dict(courses)
        landscape = next(iter(self.courses)) if landscape is None else landscape
        if landscape not in self.courses:
            raise ValueError(
                f"landscape must be one of {', '.join(self.courses)}, got {landscape!r}"
            )
        self.names = tuple(optimizers)
        self.steps = int(steps)
        self._runs = {}
        self._key = None
        self._shown = None
        course = self.courses[landscape]
        with plt.ioff():
            fig, (self.ax_map, self.ax_loss) = plt.subplots(
                1, 2, figsize=FIGSIZE, gridspec_kw={"width_ratios": [1.1, 1]},
                layout="constrained",
            )
        self.ax_loss.set_xlim(0, self.steps)
        self.ax_loss.set_xlabel("step")
        self.ax_loss.grid(True, alpha=0.3)
        self.paths, self.heads, self.curves = {}, {}, {}
        for name in self.names:
            color = COLORS[name]
            (self.paths[name],) = self.ax_map.plot([], [], "-", color=color, lw=1.6, label=name)
            (self.heads[name],) = self.ax_map.plot(
                [], [], "o", color=color, mec="black", ms=7, zorder=6)
            (self.curves[name],) = self.ax_loss.plot(
                [], [], color="black" if name == "sgd" else color, lw=1.5, label=name)
        self.step_line = self.ax_loss.axvline(0, color="gray", lw=0.8, ls=":")
        self._contours = []
        self._finish = self.ax_loss.axhline(1.0, color="gray", lw=0.8)
        self._draw_course(landscape)
        fig.legend(handles=list(self.curves.values()), loc="outside lower center",
                   ncol=min(len(self.names), 7), fontsize=8, handlelength=1.2,
                   columnspacing=1.0)
        self.fig_title = fig.suptitle("")
        controls = {
            "landscape": widgets.Dropdown(options=list(self.courses), value=landscape,
                                          description="landscape"),
            "lr": log_slider("lr (SGD family)", course.lr, 1e-4, 1.0),
            "adaptive_lr": log_slider("lr (adaptive)", course.adaptive_lr, 1e-4, 1.0),
            "momentum": float_slider("momentum μ", 0.9, 0.0, 0.99, 0.01),
            "b1": float_slider("Adam β1", 0.9, 0.0, 0.99, 0.01),
            "b2": float_slider("Adam β2", 0.999, 0.9, 0.9999, 0.0001, readout_format=".4f"),
            "decay": float_slider("RMSprop decay", 0.99, 0.5, 0.999, 0.001,
                                  readout_format=".3f"),
            "step": widgets.Play(value=self.steps, min=0, max=self.steps, step=1,
                                 interval=int(interval_ms), description="step"),
        }
        self.step_slider = widgets.IntSlider(value=self.steps, min=0, max=self.steps,
                                             description="step", readout=True)
        widgets.jslink((controls["step"], "value"), (self.step_slider, "value"))
        self._course_name = landscape
        artists = [*self.paths.values(), *self.heads.values(), *self.curves.values(),
                   self.step_line]
        super().__init__(fig, controls, artists=artists)
        controls["landscape"].observe(self._on_landscape, names="value")

    # -- static parts -------------------------------------------------------
    def _draw_course(self, name):
        course = self.courses[name]
        for artist in self._contours:
            artist.remove()
        surface = landscapes.grid(course.loss, course.xlim, course.ylim, n=121)
        ax = self.ax_map
        if course.log_loss:
            z = np.asarray(surface.z, dtype=float)
            levels = log_levels(z - min(0.0, float(np.nanmin(z))), count=20, floor=1e-3)
            filled = draw_landscape(ax, surface, levels=levels, colorbar=False)
        else:
            levels = np.linspace(-2.25, 2.25, 19)
            filled = ax.contourf(np.asarray(surface.x), np.asarray(surface.y),
                                 np.clip(np.asarray(surface.z), -2.25, 2.25), levels=levels,
                                 cmap="viridis", norm=mcolors.Normalize(-2.25, 2.25))
        self._contours = [filled]
        (start,) = ax.plot(*course.start, "s", color="white", mec="black", ms=8, zorder=5)
        self._contours.append(start)
        if course.minimum is not None:
            (star,) = ax.plot(*course.minimum, "*", color="gold", mec="black", ms=15, zorder=5)
            self._contours.append(star)
        ax.set_xlim(*course.xlim)
        ax.set_ylim(*course.ylim)
        ax.set_xlabel("θ₁")
        ax.set_ylabel("θ₂")
        ax.set_title(f"{name}:\npaths from the square", fontsize=10)
        for curve in self.curves.values():  # old data must not meet the new scale
            curve.set_data([], [])
        if course.log_loss:
            self.ax_loss.set_yscale("log")
            self.ax_loss.set_ylim(*LOG_LOSS_LIM)
        else:
            self.ax_loss.set_yscale("linear")
            self.ax_loss.set_ylim(*SADDLE_LOSS_LIM)
        self.ax_loss.set_ylabel("loss (log scale)" if course.log_loss else "loss")
        self.ax_loss.set_title(f"loss per step\n(finish line: loss ≤ {course.threshold:g})",
                               fontsize=10)
        self._finish.set_ydata([course.threshold, course.threshold])

    def _on_landscape(self, change):
        """A new course: new contours and loss axis, learning rates reset to its defaults."""
        name = change["new"]
        course = self.courses[name]
        try:
            self._draw_course(name)
        except Exception as error:  # shown under the plot like any failed update
            self.last_error = error
            self.errors.outputs = ()
            self.errors.append_stderr(f"This update failed: {type(error).__name__}: {error}\n")
            return
        self._course_name = name
        self._hold = True
        try:
            self.controls["lr"].value = course.lr
            self.controls["adaptive_lr"].value = course.adaptive_lr
        finally:
            self._hold = False
        self.refresh()
        self.redraw()

    def _on_change(self, change):
        # The landscape has its own observer (it must redraw the axes first);
        # the learning rates it resets are drawn once, by that observer.
        if getattr(self, "_hold", False) or change["owner"] is self.controls["landscape"]:
            return
        super()._on_change(change)

    # -- moving parts -------------------------------------------------------
    def trajectories(self, landscape, lr, adaptive_lr, momentum, b1, b2, decay):
        """`{name: Trajectory}` for these hyperparameters (cached for the last setting)."""
        key = (landscape, float(lr), float(adaptive_lr), float(momentum), float(b1),
               float(b2), float(decay))
        if key != self._key:
            course = self.courses[landscape]
            start = jnp.asarray(course.start, dtype=jnp.float32)
            runs = {}
            for name in self.names:
                hyper = race_hyperparams(name, lr, adaptive_lr, momentum, b1, b2, decay)
                runs[name] = optimize(course.loss, start, optim.make(name, **hyper), self.steps)
            self._runs = {
                name: (np.asarray(run.params, dtype=float), np.asarray(run.losses, dtype=float),
                       run.diverged_at)
                for name, run in runs.items()
            }
            self._key = key
        return self._runs

    def steps_to_finish(self) -> dict:
        """Steps each optimizer of the last draw needed to reach the finish line (None: never)."""
        threshold = self.courses[self._key[0]].threshold
        return {name: first_step_below(losses, threshold)
                for name, (_, losses, _) in self._runs.items()}

    def draw(self, landscape, lr, adaptive_lr, momentum, b1, b2, decay, step):
        runs = self.trajectories(landscape, lr, adaptive_lr, momentum, b1, b2, decay)
        course = self.courses[landscape]
        step = int(step)
        low, high = LOG_LOSS_LIM if course.log_loss else SADDLE_LOSS_LIM
        for name, (path, losses, diverged_at) in runs.items():
            path, losses = _finite_prefix(path, losses, diverged_at)
            shown = path[: step + 1]
            self.paths[name].set_data(shown[:, 0], shown[:, 1])
            self.heads[name].set_data(shown[-1:, 0], shown[-1:, 1])
            loss = np.clip(losses[: step + 1], low, high)
            self.curves[name].set_data(np.arange(loss.size), loss)
        self.step_line.set_xdata([step, step])
        finish = self.steps_to_finish()
        parts = []
        for name in self.names:
            if finish[name] is not None:
                parts.append(f"{name}: {finish[name]}")
            elif runs[name][2] is not None:
                parts.append(f"{name}: diverged at {runs[name][2]}")
            else:
                parts.append(f"{name}: never")
        self.status.value = (
            f"step {step}/{self.steps} · lr {format_lr(lr)}, adaptive lr {format_lr(adaptive_lr)}"
            f" · steps to loss ≤ {course.threshold:g}: " + ", ".join(parts)
        )

    def control_rows(self):
        """Two rows: landscape and Play, then the hyperparameters."""
        c = self.controls
        sliders = widgets.HBox([c["lr"], c["adaptive_lr"], c["momentum"], c["b1"], c["b2"],
                                c["decay"]], layout={"flex_flow": "row wrap"})
        return [widgets.HBox([c["landscape"], c["step"], self.step_slider]), sliders]


# ---------------------------------------------------------------------------
# Mini-batch noise


def line_fit_loss(params, order, size, scale, x, y):
    """Squared error of `ŷ = w·x + b` on the first `size` examples of `order`, times `scale`.

    `scale = 1/size` gives the mean over the batch (the usual convention),
    `scale = 1` the sum. All examples are always computed and the unused ones
    masked out, so a new batch size is a new number, not a new shape: no
    recompilation.
    """
    w, b = params[0], params[1]
    errors = (y[order] - (w * x[order] + b)) ** 2
    mask = jnp.arange(order.shape[0]) < size
    return scale * jnp.sum(jnp.where(mask, errors, 0.0))


@functools.lru_cache(maxsize=16)
def shuffled_indices(n: int) -> Callable:
    """`batch_fn(key, step)`: a random order of the `n` examples (one function object per n)."""

    def order(key, step):
        del step
        return jax.random.permutation(key, n)

    return order


def full_line_fit_loss(params, x, y):
    """Mean squared error of `ŷ = w·x + b` over the whole data set."""
    return jnp.mean((y - (params[0] * x + params[1])) ** 2)


class MiniBatchPlayground(Playground):
    """SGD on a line fit `ŷ = w·x + b` with a batch-size slider and a mean/sum switch.

    Each step draws a fresh random batch (without replacement) of `batch_size`
    of the `n` examples. Left: the path over the full-data loss; the
    full-batch path is drawn in white for reference. Right: the loss of each
    step's batch (noisy) and the full-data loss at the same point.
    """

    def __init__(self, n: int = 64, steps: int = 100, seed: int = 0):
        _checks.int_in_range("n", n, 2)
        _checks.int_in_range("steps", steps, 1)
        _checks.int_in_range("seed", seed, 0)
        self.n = int(n)
        self.steps = int(steps)
        self.x, self.y = linear_regression_data(jax.random.key(seed), n=self.n, slope=2.0,
                                                noise=0.5)
        self.y = self.y + 1.0  # an intercept, so both parameters matter
        self.key = jax.random.key(seed + 1)
        self.start = jnp.array([-1.0, -1.0], dtype=jnp.float32)
        self._order = shuffled_indices(self.n)
        self._full_loss = jax.jit(jax.vmap(full_line_fit_loss, in_axes=(0, None, None)))
        xlim, ylim = (-1.5, 4.5), (-1.5, 3.0)
        with plt.ioff():
            fig, (ax_map, ax_loss) = plt.subplots(1, 2, figsize=FIGSIZE, layout="constrained")
        surface = landscapes.grid(lambda p: full_line_fit_loss(p, self.x, self.y), xlim, ylim,
                                  n=101)
        draw_landscape(ax_map, surface, colorbar=False)
        ax_map.set_xlabel("slope w")
        ax_map.set_ylabel("intercept b")
        ax_map.set_title("SGD path over the full-data loss", fontsize=10)
        exact = optimize(line_fit_loss, self.start, optim.make("sgd", learning_rate=0.1),
                         self.steps, args=(float(self.n), 1.0 / self.n, self.x, self.y),
                         batch_fn=self._order, key=self.key)
        exact_path = np.asarray(exact.params)
        ax_map.plot(exact_path[:, 0], exact_path[:, 1], "w--", lw=1, label="full batch, lr 0.1")
        ax_map.legend(loc="upper left", fontsize=8)
        (self.path,) = ax_map.plot([], [], "-", color="tab:red", lw=1.2)
        (self.head,) = ax_map.plot([], [], "o", color="tab:red", mec="black")
        ax_loss.set_yscale("log")
        ax_loss.set_xlim(0, self.steps)
        ax_loss.set_ylim(1e-2, 1e2)
        ax_loss.set_xlabel("step")
        ax_loss.set_ylabel("loss (MSE, log scale)")
        ax_loss.set_title("batch loss wiggles;\nfull-data loss is smoother", fontsize=10)
        ax_loss.grid(True, alpha=0.3)
        (self.batch_curve,) = ax_loss.plot([], [], color="tab:red", lw=1, label="batch loss")
        (self.full_curve,) = ax_loss.plot([], [], color="black", lw=1.5, label="full-data loss")
        ax_loss.legend(loc="upper right", fontsize=8)
        controls = {
            "batch_size": int_slider("batch size", 4, 1, self.n),
            "reduction": widgets.ToggleButtons(options=["mean", "sum"], value="mean",
                                               description="batch gradient"),
            "lr": log_slider("learning rate", 0.1, 1e-3, 1.0),
        }
        super().__init__(fig, controls, artists=[self.path, self.head, self.batch_curve,
                                                 self.full_curve])


    def run(self, batch_size, reduction, lr, *, key=None, steps=None):
        """`(path, batch losses, full-data losses, diverged_at)` for these settings.

        `key` (default: the playground's own) draws the batches; `steps`
        (default: the playground's) is the run's length. A new `steps` value
        compiles once; a new key, batch size, reduction or rate does not.
        """
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
        _checks.int_in_range("batch_size", batch_size, 1, self.n)
        _checks.positive_float("lr", lr)
        steps = self.steps if steps is None else steps
        _checks.int_in_range("steps", steps, 1)
        size = int(batch_size)
        scale = 1.0 / size if reduction == "mean" else 1.0
        run = optimize(line_fit_loss, self.start, optim.make("sgd", learning_rate=float(lr)),
                       int(steps), args=(float(size), float(scale), self.x, self.y),
                       batch_fn=self._order, key=self.key if key is None else key)
        path = np.asarray(run.params, dtype=float)
        batch = np.asarray(run.losses, dtype=float)
        if reduction == "sum":
            batch = batch / size  # show the batch's mean squared error either way
        full = np.asarray(self._full_loss(run.params, self.x, self.y), dtype=float)
        return path, batch, full, run.diverged_at

    def draw(self, batch_size, reduction, lr):
        path, batch, full, diverged_at = self.run(batch_size, reduction, lr)
        end = len(full) if diverged_at is None else int(diverged_at)
        finite = np.isfinite(full)
        end = min(end, int(np.argmin(finite)) if not finite.all() else end)
        shown = np.clip(path[:end], -1e6, 1e6)
        self.path.set_data(shown[:, 0], shown[:, 1])
        self.head.set_data(shown[-1:, 0], shown[-1:, 1])
        t = np.arange(end)
        self.batch_curve.set_data(t, np.clip(batch[:end], 1e-2, 1e2))
        self.full_curve.set_data(t, np.clip(full[:end], 1e-2, 1e2))
        if end < len(full):
            self.status.value = (f"batch {int(batch_size)} ({reduction}), lr {format_lr(lr)}: "
                                 f"diverged at step {end}")
            return
        tail = full[-20:]
        wiggle = float(np.std(np.diff(np.log(batch[-21:]))))
        self.status.value = (
            f"batch {int(batch_size)} ({reduction}), lr {format_lr(lr)}: final full-data loss "
            f"{tail[-1]:.3g}, batch-loss wiggle (std of log-changes, last 20 steps) {wiggle:.2f}"
        )
