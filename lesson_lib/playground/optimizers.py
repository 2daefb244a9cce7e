"""Lesson 06 playgrounds: an optimizer race on 2-D landscapes, and mini-batch noise.

`OptimizerRacePlayground` runs several optimizers from the same start on one
landscape and draws their paths over its contours, with the loss of each
beside it. A Play control scrubs or animates the step shown: it only slices
trajectories computed when a hyperparameter changed, so an animation frame is
a blit of a few lines. A click on the landscape moves the start there and the
race is run again from it. `MiniBatchPlayground` trains a line fit with
mini-batch gradients: a batch-size slider turns the exact gradient into a noisy
one, and a mean/sum switch shows why gradients are averaged.

The courses and the line fit are lesson math, in `lesson_lib.courses`.
"""

import ipywidgets as widgets
import jax
import jax.numpy as jnp
import matplotlib.colors as mcolors
import numpy as np

from lesson_lib import _checks, landscapes, optim
from lesson_lib.courses import (
    default_landscapes, full_line_fit_loss, line_fit_loss, race_hyperparams, shuffled_indices,
)
from lesson_lib.curves import first_step_below
from lesson_lib.data import linear_regression_data
from lesson_lib.playground.base import (
    Playground, dropdown, float_slider, int_slider, log_slider, two_keys,
)
from lesson_lib.plots import draw_landscape, format_lr, log_levels
from lesson_lib.train import optimize

__all__ = [
    "COLORS",
    "SADDLE_LOSS_LIM",
    "FIGSIZE",
    "LOG_LOSS_LIM",
    "OptimizerRacePlayground",
    "MiniBatchPlayground",
]

COLORS = {
    "sgd": "white", "momentum": "tab:orange", "nesterov": "tab:red",
    "adagrad": "tab:purple", "rmsprop": "tab:cyan", "adam": "tab:green", "rprop": "tab:pink",
}
SADDLE_LOSS_LIM = (-2.5, 2.5)
FIGSIZE = (7.4, 4.0)  # inches: fits a 760-px output area at 100 dpi
LOG_LOSS_LIM = (1e-6, 1e2)


def _check_race(optimizers, steps, interval_ms, landscape, courses) -> str:
    """Check the race's arguments; returns the name of the first course."""
    if isinstance(optimizers, str) or len(tuple(optimizers)) == 0:
        raise ValueError(
            f"optimizers must be a non-empty sequence of names from {', '.join(optim.NAMES)}, "
            f"got {optimizers!r}"
        )
    for name in optimizers:
        optim.defaults(name)  # raises a ValueError naming the seven
    _checks.int_in_range("steps", steps, 1)
    _checks.int_in_range("interval_ms", interval_ms, 1)
    landscape = next(iter(courses)) if landscape is None else landscape
    if landscape not in courses:
        raise ValueError(f"landscape must be one of {', '.join(courses)}, got {landscape!r}")
    return landscape


def _race_controls(courses, landscape, steps, interval_ms) -> dict:
    course = courses[landscape]
    return {
        "landscape": dropdown("landscape", courses, landscape),
        "lr": log_slider("lr (SGD family)", course.lr, 1e-4, 1.0),
        "adaptive_lr": log_slider("lr (adaptive)", course.adaptive_lr, 1e-4, 1.0),
        "momentum": float_slider("momentum μ", 0.9, 0.0, 0.99, 0.01),
        "b1": float_slider("Adam β1", 0.9, 0.0, 0.99, 0.01),
        "b2": float_slider("Adam β2", 0.999, 0.9, 0.9999, 0.0001, readout_format=".4f"),
        "decay": float_slider("RMSprop decay", 0.99, 0.5, 0.999, 0.001, readout_format=".3f"),
        "step": widgets.Play(value=steps, min=0, max=steps, step=1, interval=int(interval_ms),
                             description="step"),
    }


def _finite_prefix(path, losses, diverged_at):
    end = len(losses) if diverged_at is None else int(diverged_at)
    return np.clip(path[:end], -1e6, 1e6), losses[:end]


def _race_status(names, runs, finish, step, steps, lr, adaptive_lr, threshold) -> str:
    parts = []
    for name in names:
        if finish[name] is not None:
            parts.append(f"{name}: {finish[name]}")
        elif runs[name][2] is not None:
            parts.append(f"{name}: diverged at {runs[name][2]}")
        else:
            parts.append(f"{name}: never")
    return (f"step {step}/{steps} · lr {format_lr(lr)}, adaptive lr {format_lr(adaptive_lr)}"
            f" · steps to loss ≤ {threshold:g}: " + ", ".join(parts))


class OptimizerRacePlayground(Playground):
    """Several optimizers race from one start across a 2-D landscape.

    Controls: `landscape` (Dropdown), `lr` (SGD, momentum, Nesterov), `adaptive_lr`
    (Adagrad, RMSprop, Adam, rprop), `momentum`, `b1`, `b2` (Adam), `decay`
    (RMSprop) and `step` (a Play control: the step shown). Moving a
    hyperparameter recomputes every trajectory (one compiled scan each, never
    recompiled); moving `step` only slices them. A click on the landscape
    moves the start (the square) there. The status line gives the steps each
    optimizer needs to reach the landscape's threshold.

    Attributes (besides `Playground`'s): `starts`, the start of each course
    (a click changes the current one's).
    """

    def __init__(self, optimizers=optim.NAMES, steps: int = 200, landscape: str | None = None,
                 courses: dict | None = None, interval_ms: int = 40):
        self.courses = default_landscapes() if courses is None else dict(courses)
        landscape = _check_race(optimizers, steps, interval_ms, landscape, self.courses)
        self.names, self.steps = tuple(optimizers), int(steps)
        self.starts = {name: tuple(course.start) for name, course in self.courses.items()}
        super().__init__(_race_controls(self.courses, landscape, self.steps, interval_ms),
                         figsize=FIGSIZE)
        self.ax_map, self.ax_loss = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.1, 1]})
        self.ax_loss.set(xlim=(0, self.steps), xlabel="step")
        self.ax_loss.grid(True, alpha=0.3)
        self._racers()
        self.start_mark = self.moving(*self.ax_map.plot([], [], "s", color="white", mec="black",
                                                        ms=8, zorder=5))
        self.step_line = self.moving(self.ax_loss.axvline(0, color="gray", lw=0.8, ls=":"))
        self._contours, self._finish = [], self.ax_loss.axhline(1.0, color="gray", lw=0.8)
        self._draw_course(landscape)
        self.fig.legend(handles=list(self.curves.values()), loc="outside lower center",
                        ncol=min(len(self.names), 7), fontsize=8, handlelength=1.2,
                        columnspacing=1.0)
        self.fig_title = self.fig.suptitle("")
        self.step_slider = widgets.IntSlider(value=self.steps, min=0, max=self.steps,
                                             description="step", readout=True)
        widgets.jslink((self.controls["step"], "value"), (self.step_slider, "value"))

    def _racers(self):
        """Each optimizer's moving path, head (on the map) and loss curve."""
        self.paths, self.heads, self.curves = {}, {}, {}
        for name in self.names:
            color = COLORS[name]
            self.paths[name] = self.moving(*self.ax_map.plot([], [], "-", color=color, lw=1.6))
            self.heads[name] = self.moving(*self.ax_map.plot([], [], "o", color=color, mec="black",
                                                             ms=7, zorder=6))
            self.curves[name] = self.moving(*self.ax_loss.plot(
                [], [], color="black" if name == "sgd" else color, lw=1.5, label=name))

    # -- static parts -------------------------------------------------------
    def _draw_course(self, name):
        course, ax = self.courses[name], self.ax_map
        for artist in self._contours:
            artist.remove()
        surface = landscapes.grid(course.loss, course.xlim, course.ylim, n=121)
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
        if course.minimum is not None:
            self._contours += ax.plot(*course.minimum, "*", color="gold", mec="black", ms=15,
                                      zorder=5)
        ax.set(xlim=course.xlim, ylim=course.ylim, xlabel="θ₁", ylabel="θ₂")
        ax.set_title(f"{name}:\npaths from the square", fontsize=10)
        for curve in self.curves.values():  # old data must not meet the new scale
            curve.set_data([], [])
        self.ax_loss.set_yscale("log" if course.log_loss else "linear")
        self.ax_loss.set_ylim(*(LOG_LOSS_LIM if course.log_loss else SADDLE_LOSS_LIM))
        self.ax_loss.set_ylabel("loss (log scale)" if course.log_loss else "loss")
        self.ax_loss.set_title(f"loss per step\n(finish line: loss ≤ {course.threshold:g})",
                               fontsize=10)
        self._finish.set_ydata([course.threshold, course.threshold])

    def changed(self, name, value):
        """A new course: new contours and loss axis, learning rates reset to its defaults."""
        if name == "landscape":
            self._draw_course(value)
            self.set(lr=self.courses[value].lr, adaptive_lr=self.courses[value].adaptive_lr)
            self.invalidate()

    def clicked(self, ax, x, y):
        """A click on the landscape: the race starts there."""
        if ax is self.ax_map:
            self.starts[self.controls["landscape"].value] = (x, y)
            self.clear_cache()

    # -- moving parts -------------------------------------------------------
    def compute(self, landscape, lr, adaptive_lr, momentum, b1, b2, decay):
        """`{name: (path, losses, diverged_at)}` for these hyperparameters, from the course's start."""
        start = jnp.asarray(self.starts[landscape], dtype=jnp.float32)
        runs = {}
        for name in self.names:
            hyper = race_hyperparams(name, lr, adaptive_lr, momentum, b1, b2, decay)
            run = optimize(self.courses[landscape].loss, start, optim.make(name, **hyper),
                           self.steps)
            runs[name] = (np.asarray(run.params, dtype=float), np.asarray(run.losses, dtype=float),
                          run.diverged_at)
        return runs

    def steps_to_finish(self) -> dict:
        """Steps each optimizer of the last draw needed to reach the finish line (None: never)."""
        threshold = self.courses[self._course].threshold
        return {name: first_step_below(losses, threshold)
                for name, (_, losses, _) in self._runs.items()}

    def draw(self, runs, landscape, lr, adaptive_lr, momentum, b1, b2, decay, step):
        self._runs, self._course, step = runs, landscape, int(step)
        low, high = LOG_LOSS_LIM if self.courses[landscape].log_loss else SADDLE_LOSS_LIM
        for name, (path, losses, diverged_at) in runs.items():
            path, losses = _finite_prefix(path, losses, diverged_at)
            shown = path[: step + 1]
            self.paths[name].set_data(shown[:, 0], shown[:, 1])
            self.heads[name].set_data(shown[-1:, 0], shown[-1:, 1])
            loss = np.clip(losses[: step + 1], low, high)
            self.curves[name].set_data(np.arange(loss.size), loss)
        self.start_mark.set_data(*([v] for v in self.starts[landscape]))
        self.step_line.set_xdata([step, step])
        return _race_status(self.names, runs, self.steps_to_finish(), step, self.steps, lr,
                            adaptive_lr, self.courses[landscape].threshold)

    def control_rows(self):
        """Two rows: landscape and Play, then the hyperparameters."""
        c = self.controls
        sliders = widgets.HBox([c["lr"], c["adaptive_lr"], c["momentum"], c["b1"], c["b2"],
                                c["decay"]], layout={"flex_flow": "row wrap"})
        return [widgets.HBox([c["landscape"], c["step"], self.step_slider]), sliders]


# ---------------------------------------------------------------------------
# Mini-batch noise


class MiniBatchPlayground(Playground):
    """SGD on a line fit `ŷ = w·x + b` with a batch-size slider and a mean/sum switch.

    Each step draws a fresh random batch (without replacement) of `batch_size`
    of the `n` examples. Left: the path over the full-data loss; the
    full-batch path is drawn in white for reference. Right: the loss of each
    step's batch (noisy) and the full-data loss at the same point.

    Args:
      n: examples in the data set; steps: SGD steps per run.
      key: a `jax.random` key, split into one for the data and one for the
        batches (default: the lesson's, data from `key(0)` and batches from `key(1)`).
    """

    def __init__(self, n: int = 64, steps: int = 100, *, key=None):
        _checks.int_in_range("n", n, 2)
        _checks.int_in_range("steps", steps, 1)
        data_key, self.key = two_keys(key)
        self.n, self.steps = int(n), int(steps)
        self.x, self.y = linear_regression_data(n=self.n, slope=2.0, noise=0.5, key=data_key)
        self.y = self.y + 1.0  # an intercept, so both parameters matter
        self.start = jnp.array([-1.0, -1.0], dtype=jnp.float32)
        self._order = shuffled_indices(self.n)
        self._full_loss = jax.jit(jax.vmap(full_line_fit_loss, in_axes=(0, None, None)))
        super().__init__({
            "batch_size": int_slider("batch size", 4, 1, self.n),
            "reduction": widgets.ToggleButtons(options=["mean", "sum"], value="mean",
                                               description="batch gradient"),
            "lr": log_slider("learning rate", 0.1, 1e-3, 1.0),
        }, figsize=FIGSIZE)
        ax_map, ax_loss = self.fig.subplots(1, 2)
        self._draw_map(ax_map)
        self.path = self.moving(*ax_map.plot([], [], "-", color="tab:red", lw=1.2))
        self.head = self.moving(*ax_map.plot([], [], "o", color="tab:red", mec="black"))
        ax_loss.set(yscale="log", xlim=(0, self.steps), ylim=(1e-2, 1e2), xlabel="step",
                    ylabel="loss (MSE, log scale)")
        ax_loss.set_title("batch loss wiggles;\nfull-data loss is smoother", fontsize=10)
        ax_loss.grid(True, alpha=0.3)
        self.batch_curve = self.moving(*ax_loss.plot([], [], color="tab:red", lw=1,
                                                     label="batch loss"))
        self.full_curve = self.moving(*ax_loss.plot([], [], color="black", lw=1.5,
                                                    label="full-data loss"))
        ax_loss.legend(loc="upper right", fontsize=8)

    def _draw_map(self, ax):
        """The static left panel: the full-data loss and the full-batch path."""
        surface = landscapes.grid(lambda p: full_line_fit_loss(p, self.x, self.y), (-1.5, 4.5),
                                  (-1.5, 3.0), n=101)
        draw_landscape(ax, surface, colorbar=False)
        ax.set(xlabel="slope w", ylabel="intercept b")
        ax.set_title("SGD path over the full-data loss", fontsize=10)
        exact = np.asarray(self.run(self.n, "mean", 0.1)[0])
        ax.plot(exact[:, 0], exact[:, 1], "w--", lw=1, label="full batch, lr 0.1")
        ax.legend(loc="upper left", fontsize=8)

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

    def compute(self, batch_size, reduction, lr):
        return self.run(batch_size, reduction, lr)

    def draw(self, result, batch_size, reduction, lr):
        path, batch, full, diverged_at = result
        end = len(full) if diverged_at is None else int(diverged_at)
        finite = np.isfinite(full)
        end = min(end, int(np.argmin(finite)) if not finite.all() else end)
        shown = np.clip(path[:end], -1e6, 1e6)
        self.path.set_data(shown[:, 0], shown[:, 1])
        self.head.set_data(shown[-1:, 0], shown[-1:, 1])
        t = np.arange(end)
        self.batch_curve.set_data(t, np.clip(batch[:end], 1e-2, 1e2))
        self.full_curve.set_data(t, np.clip(full[:end], 1e-2, 1e2))
        head = f"batch {int(batch_size)} ({reduction}), lr {format_lr(lr)}: "
        if end < len(full):
            return head + f"diverged at step {end}"
        wiggle = float(np.std(np.diff(np.log(batch[-21:]))))
        return head + (f"final full-data loss {full[-1]:.3g}, batch-loss wiggle (std of "
                       f"log-changes, last 20 steps) {wiggle:.2f}")
