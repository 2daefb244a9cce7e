"""Lesson 07 playground: every learning-rate schedule, with sliders for its parameters.

`SchedulePlayground` has a schedule dropdown and the sliders of the chosen
schedule (the others are hidden). The top panel draws the learning rate over
the steps on a fixed log axis, the bottom one the momentum (one-cycle moves it
inversely to the rate; the other schedules keep it fixed). A move evaluates the
schedule on all steps at once (a few vectorized JAX operations, compiled once
for every schedule in `__init__`) and blits two lines: nothing recompiles.
"""

import ipywidgets as widgets
import numpy as np

from lesson_lib import _checks, schedules
from lesson_lib.playground.base import Playground, float_slider, int_slider, log_slider

__all__ = ["SCHEDULES", "LR_LIM", "MOMENTUM_LIM", "FIXED_MOMENTUM", "SchedulePlayground"]

SCHEDULES = tuple(schedules.KINDS)
"""The schedules the dropdown offers, in the lesson's order (`lesson_lib.schedules.KINDS`)."""

LR_LIM = (1e-7, 3.0)
MOMENTUM_LIM = (0.8, 1.0)
FIXED_MOMENTUM = 0.9


def _controls(steps: int, schedule: str) -> dict:
    return {
        "schedule": widgets.Dropdown(options=SCHEDULES, value=schedule, description="schedule"),
        "lr": log_slider("lr (start / peak)", 0.1, 1e-4, 1.0),
        "drop": float_slider("drop", 0.5, 0.05, 1.0, 0.05),
        "every": int_slider("every (steps)", steps // 4, 1, steps),
        "k": log_slider("k (per step)", 0.005, 1e-4, 0.1),
        "base_lr": log_slider("base_lr", 0.01, 1e-5, 1.0),
        "step_size_up": int_slider("step_size_up", steps // 10, 1, steps // 2),
        "mode": widgets.Dropdown(options=schedules.CYCLICAL_MODES, value="triangular",
                                 description="mode"),
        "gamma": float_slider("gamma", 0.998, 0.99, 1.0, 0.0005, readout_format=".4f"),
        "period": int_slider("period (steps)", steps // 10, 1, steps),
        "period_mult": int_slider("period_mult", 2, 1, 4),
        "min_lr": log_slider("min_lr", 1e-4, 1e-6, 1e-1),
        "pct_start": float_slider("pct_start", 0.3, 0.05, 0.95, 0.05),
        "div_factor": log_slider("div_factor", 25.0, 1.0, 1e3),
        "final_div_factor": log_slider("final_div_factor", 1e4, 1.0, 1e5),
    }


class SchedulePlayground(Playground):
    """Pick a schedule, drag its parameters, watch the learning-rate (and momentum) curve.

    Args:
      steps: the horizon drawn (and one-cycle's `total_steps`), >= 20.
      schedule: the schedule shown first, one of `SCHEDULES`.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> pg = SchedulePlayground(steps=200, schedule="step_decay")
      >>> pg.controls["drop"].value = 0.1
      >>> pg.status.value
      'step_decay: starts 1.00e-01, peaks 1.00e-01 at step 0, ends 1.00e-04 at step 199'
    """

    def __init__(self, steps: int = 1000, schedule: str = "one_cycle"):
        _checks.one_of("schedule", schedule, SCHEDULES)
        _checks.int_in_range("steps", steps, 20)
        self.steps = int(steps)
        self._t = np.arange(self.steps)
        # fixed margins: a layout engine would double the cost of every full redraw
        super().__init__(_controls(self.steps, schedule), figsize=(7.2, 5.0), layout=None)
        ax_lr, ax_mom = self.fig.subplots(2, 1, sharex=True, gridspec_kw=dict(
            height_ratios=[3, 1], hspace=0.08, left=0.1, right=0.98, top=0.94, bottom=0.1))
        ax_lr.set(yscale="log", ylim=LR_LIM, xlim=(0, self.steps - 1), ylabel="learning rate")
        ax_lr.set_title("Learning-rate schedule (drag the sliders)")
        ax_lr.grid(True, which="major", alpha=0.3)
        ax_mom.set(ylim=MOMENTUM_LIM, xlabel="step t", ylabel="momentum β")
        ax_mom.grid(True, alpha=0.3)
        self.lr_line = self.moving(*ax_lr.plot([], [], color="tab:blue", lw=2))
        self.momentum_line = self.moving(*ax_mom.plot([], [], color="tab:orange", lw=2))
        # The formula is a widget, not figure text: a text artist costs more to
        # render than the whole blit, and changing it would force full redraws.
        self.formula = widgets.Label()
        self._warm_up()
        self._show_relevant(schedule)

    def changed(self, name, value):
        """A new schedule: show only its controls."""
        if name == "schedule":
            self._show_relevant(value)

    def _warm_up(self):
        """Evaluate every schedule once in each of its code paths, so no later move compiles."""
        values = {name: control.value for name, control in _controls(self.steps, "constant").items()}
        variants = [{}] + [{"mode": mode} for mode in schedules.CYCLICAL_MODES] + [
            {"period_mult": 1}
        ]
        for name in SCHEDULES:
            for variant in variants:
                lr_fn, momentum_fn = schedules.by_name(name, self.steps, **{**values, **variant})
                schedules.values(lr_fn, self.steps)
                if momentum_fn is not None:
                    schedules.values(momentum_fn, self.steps)

    def _show_relevant(self, name):
        used = set(schedules.KINDS[name].params) | {"schedule"}
        for key, control in self.controls.items():
            display = "" if key in used else "none"
            if control.layout.display != display:
                control.layout.display = display

    def curves(self, **values):
        """`(lrs, momenta)` over the steps for these control values (NumPy arrays)."""
        lr_fn, momentum_fn = schedules.by_name(values["schedule"], self.steps, **values)
        lrs = schedules.values(lr_fn, self.steps)
        if momentum_fn is None:
            momenta = np.full(self.steps, FIXED_MOMENTUM)
        else:
            momenta = schedules.values(momentum_fn, self.steps)
        return lrs, momenta

    def compute(self, **values):
        return self.curves(**values)

    def draw(self, curves, **values):
        name = values["schedule"]
        lrs, momenta = curves
        self.lr_line.set_data(self._t, np.clip(lrs, LR_LIM[0], LR_LIM[1]))
        self.momentum_line.set_data(self._t, np.clip(momenta, *MOMENTUM_LIM))
        momentum = ("momentum cycles inversely to the rate" if name == "one_cycle"
                    else f"momentum held at {FIXED_MOMENTUM}")
        self.formula.value = f"{name}: {schedules.KINDS[name].formula}; {momentum}"
        peak = int(np.argmax(lrs))
        return (f"{name}: starts {lrs[0]:.2e}, peaks {lrs[peak]:.2e} at step {peak}, "
                f"ends {lrs[-1]:.2e} at step {self.steps - 1}")

    def control_rows(self):
        """The controls, then the formula of the chosen schedule."""
        return [*super().control_rows(), self.formula]
