"""Lesson 09's playground and live dashboard: a training run's vital signs for any setting.

`BabysittingPlayground` has three controls — the learning rate (log slider),
the initialization scale (a log slider multiplying a fixed Glorot draw) and the
L2 strength — and trains a small tanh MLP on the bundled digits afresh on
every move (`monitor.train_monitored`, a short run of a few hundred steps that
takes tens of milliseconds once compiled; every control is a traced value, so
no move recompiles). It shows the dashboard of `plots.monitor.Dashboard`:
mini-batch loss, train and validation accuracy, update/weight ratios.

`LiveDashboard` is the same dashboard as a widget that follows a long run
chunk by chunk: display it, then pass its `update` as `on_chunk`.
"""

from typing import Callable

import ipywidgets as widgets
import jax
import numpy as np

from lesson_lib import _checks, mlp, monitor, optim
from lesson_lib.playground.base import Playground, float_slider, log_slider, two_keys
from lesson_lib.plots.monitor import Dashboard

__all__ = ["BabysittingPlayground", "LiveDashboard", "status_line", "SIZES"]

SIZES = (64, 32, 32, 10)
"""The lesson's network: 64 pixels, two tanh layers of 32 units, 10 classes."""

LR_RANGE = (1e-4, 10.0)
SCALE_RANGE = (1e-2, 30.0)
L2_RANGE = (0.0, 0.1)


def status_line(lr: float, scale: float, l2: float, record: monitor.Record) -> str:
    """One line: the settings, the end of the run, and the verdict on the update/weight ratio.

    Example:
      >>> rec = monitor.Record(np.array([2.3, 0.5]), np.array([[1.0, 2e-3], [1.0, 2e-3]]), np.ones((2, 2)),
      ...     np.array([0, 2]), np.array([0.1, 0.9]), np.array([0.1, 0.85]), np.array([2.3, 0.6]),
      ...     np.zeros((2, 1)), None, None, ("b1", "w1"), 2, 32, 1000, None, None)
      >>> status_line(0.1, 1.0, 0.0, rec)
      'lr 1.0e-01, init ×1, L2 0 | train acc 0.90, val acc 0.85 | update/weight w1 2e-03: healthy'
    """
    ratios = record.weight_ratio()
    end = "diverged" if record.diverged_at is not None else (
        f"train acc {record.train_acc[-1]:.2f}, val acc {record.val_acc[-1]:.2f}")
    shown = ", ".join(f"{name} {value:.0e}" for name, value in ratios.items())
    return (f"lr {lr:.1e}, init ×{scale:.2g}, L2 {l2:.3g} | {end} | "
            f"update/weight {shown}: {monitor.ratios_verdict(ratios)}")


class LiveDashboard(Playground):
    """The dashboard of a run as a live widget that follows the run chunk by chunk.

    Args:
      steps: the run's length (the x axes end there).
      run_fn: optional `run_fn(key, on_chunk=..., **kwargs) -> Record`, a run
        that calls `on_chunk` after each chunk (e.g. `monitor.train_monitored`
        with the lesson's settings). `train(key)` runs it while the dashboard
        follows, and the "train again" button reruns it with new mini-batches.
      title: the figure's title.

    Without `run_fn`, pass `update` yourself as `on_chunk`. A playground
    without controls: errors of the button's run are shown under the plot.

    Example:
      >>> live = LiveDashboard(400, title="a run")
      >>> live.frames
      0
    """

    def __init__(self, steps: int, run_fn: Callable | None = None, *, layers: int = len(SIZES) - 1,
                 title: str = "Training run"):
        if run_fn is not None and not callable(run_fn):
            raise ValueError(f"run_fn must be a function (key, on_chunk=...) -> Record, got {run_fn!r}")
        self.dashboard = Dashboard(steps, layers=layers, title=title)
        super().__init__(fig=self.dashboard.fig, artists=self.dashboard.artists)
        self.frames, self.runs, self.record, self._run_fn = 0, 0, None, run_fn
        self.button = widgets.Button(description="train again (new batches)",
                                     layout={"width": "auto"}, disabled=run_fn is None)
        self.button.on_click(self.action(self._train_again, failure="This run failed"))

    def draw(self):
        """Nothing to draw until a run reports (see `update`)."""

    def update(self, record: monitor.Record):
        """Show the record so far (a callback for `train_monitored(..., on_chunk=...)`)."""
        self.dashboard.update(record)
        self.show()
        self.frames += 1
        ratios = ", ".join(f"{k} {v:.0e}" for k, v in record.weight_ratio().items())
        self.status.value = (f"step {record.steps}: train acc {record.train_acc[-1]:.2f}, "
                             f"val acc {record.val_acc[-1]:.2f}, update/weight {ratios}")

    def train(self, key, **kwargs) -> monitor.Record:
        """Run `run_fn(key, on_chunk=self.update, **kwargs)` while the dashboard follows; returns its Record."""
        if self._run_fn is None:
            raise ValueError("this dashboard has no run_fn to train: pass one to LiveDashboard")
        self.record = self._run_fn(key, on_chunk=self.update, **kwargs)
        self.runs += 1
        return self.record

    def _train_again(self):
        self.status.value = "training with new mini-batches…"
        self.dashboard.clear()  # at once: the old run disappears, the new one grows in its place
        self.show()
        self.train(jax.random.key(1000 + self.runs))

    def control_rows(self):
        """The "train again" button, when there is a run to repeat."""
        return [self.button] if self._run_fn is not None else []

    @property
    def description(self) -> str:
        return "A live dashboard of a training run. (Run the notebook to watch it.)"


def _check_settings(steps, every, batch_size, lr, scale, l2) -> None:
    _checks.int_in_range("every", every, 1)
    _checks.int_in_range("steps", steps, every)
    if steps % every:
        raise ValueError(f"steps must be a multiple of every ({every}), got {steps}")
    _checks.int_in_range("batch_size", batch_size, 1)
    for name, value, (low, high) in (("lr", lr, LR_RANGE), ("scale", scale, SCALE_RANGE),
                                     ("l2", l2, L2_RANGE)):
        _checks.finite_float(name, value)
        if not low <= float(value) <= high:
            raise ValueError(f"{name} must lie in [{low}, {high}], got {value!r}")


class BabysittingPlayground(Playground):
    """Learning rate, initialization scale and L2 strength driving a training run's dashboard.

    Args:
      digits: a `monitor.Digits` split (default `monitor.load_digits_split()`,
        1000 training and 500 validation images).
      steps: steps per run (a multiple of `every`).
      every: steps between accuracy checks.
      batch_size: examples per step.
      lr, scale, l2: the controls' starting values.
      key: a `jax.random` key, split into one for the initial weights and one
        for the mini-batches, the same for every move (default: the lesson's,
        weights from `key(0)` and batches from `key(1)`).

    Attributes (besides `Playground`'s):
      record: the current run's `monitor.Record`.
      dashboard: the `plots.monitor.Dashboard` drawn.
    """

    def __init__(self, digits: monitor.Digits | None = None, *, steps: int = 160, every: int = 20,
                 batch_size: int = 32, lr: float = 0.1, scale: float = 1.0, l2: float = 0.0,
                 key=None):
        _check_settings(steps, every, batch_size, lr, scale, l2)
        init_key, self._key = two_keys(key)
        self.digits = digits if digits is not None else monitor.load_digits_split()
        self._base = mlp.init_mlp(SIZES, key=init_key)
        self._run_kwargs = dict(data=(self.digits.x, self.digits.y),
                                val=(self.digits.x_val, self.digits.y_val), every=int(every),
                                batch_size=int(batch_size), histograms=True)
        self._steps = int(steps)
        self.record = None
        self.dashboard = Dashboard(self._steps, layers=len(SIZES) - 1,
                                   title=f"A {'–'.join(map(str, SIZES))} tanh network on the digits, "
                                         f"{steps} steps of batch {batch_size}")
        super().__init__({
            "lr": log_slider("learning rate", lr, *LR_RANGE),
            "scale": log_slider("init scale", scale, *SCALE_RANGE, readout_format=".2g"),
            "l2": float_slider("L2 strength", l2, *L2_RANGE, 0.005, readout_format=".3f"),
        }, fig=self.dashboard.fig, artists=self.dashboard.artists)

    def run(self, lr: float, scale: float, l2: float) -> monitor.Record:
        """Train with these settings and return the `Record` (no drawing)."""
        return monitor.train_monitored(
            mlp.scaled_weights(self._base, float(scale)), optim.make("sgd", learning_rate=float(lr)),
            self._steps, key=self._key, l2=float(l2), **self._run_kwargs)

    def compute(self, lr, scale, l2):
        return self.run(lr, scale, l2)

    def draw(self, record, lr, scale, l2):
        self.record = record
        self.dashboard.update(record)
        return status_line(float(lr), float(scale), float(l2), record)
