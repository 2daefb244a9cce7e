"""Lesson 08's playground: the step h and the precision of a finite-difference gradient.

A log slider sets h; two dropdowns pick the precision (float32 or float64) and
the formula (centred or one-sided). The panel shows the relative error of the
numerical derivative against h for all four combinations (faint, computed once
when the playground is built), the chosen one highlighted, and a marker at the
slider's h; the status line reads the error at that h and its verdict.

The math lives in `lesson_lib.gradcheck` (`error_vs_h`, `verdict_of`).
"""

import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks
from lesson_lib.gradcheck import default_derivative, default_function, error_vs_h, verdict_of
from lesson_lib.playground.base import Playground, dropdown, log_slider
from lesson_lib.plots.gradcheck import CURVE_STYLES, MAX_WIDTH, _shown, curve_label, error_axes

__all__ = [
    "H_RANGE",
    "PRECISIONS",
    "FORMULAS",
    "status_line",
    "StepSizePlayground",
]

H_RANGE = (1e-12, 1.0)
"""The slider's range of step sizes."""

PRECISIONS = ("float32", "float64")
FORMULAS = {"centred": True, "one-sided": False}


def status_line(dtype: str, formula: str, h: float, error: float) -> str:
    """The playground's readout.

    Example:
      >>> status_line("float64", "centred", 1e-5, 2.5e-11)
      'float64, centred, h = 1.0e-05: relative error 2.5e-11 (correct)'
    """
    return f"{dtype}, {formula}, h = {h:.1e}: relative error {error:.1e} ({verdict_of(error)})"


def _checked(f, x, exact, h, grid):
    """The playground's arguments checked; returns `(f, exact)` (the lesson's example if no f)."""
    if f is None:
        f = default_function
        exact = default_derivative(x) if exact is None else exact
    elif exact is None:
        raise ValueError("exact is missing: pass the true derivative of f at x")
    if not callable(f):
        raise ValueError(f"f must be a function of one number, got {f!r}")
    _checks.finite_float("x", x)
    _checks.finite_float("exact", exact)
    _checks.positive_float("h", h)
    _checks.int_in_range("grid", grid, 2)
    if not H_RANGE[0] <= float(h) <= H_RANGE[1]:
        raise ValueError(f"h must lie in [{H_RANGE[0]:g}, {H_RANGE[1]:g}], got {h!r}")
    return f, exact


class StepSizePlayground(Playground):
    """A log slider for h and dropdowns for precision and formula, driving the error-vs-h curve.

    Args:
      f: a scalar function of one number (default `default_function`).
      x: where to differentiate (default 0.5).
      exact: the true derivative there (default: `default_derivative(x)`,
        required when `f` is given).
      h: the slider's starting step.
      grid: how many step sizes the background curves use (log-spaced over `H_RANGE`).

    Attributes (besides `Playground`'s):
      hs, curves: the grid and the four precomputed curves, `(dtype, centered) -> errors`.
      error: the relative error at the current settings.
    """

    def __init__(self, f=None, x: float = 0.5, exact: float | None = None, *, h: float = 1e-5,
                 grid: int = 121):
        f, exact = _checked(f, x, exact, h, grid)
        self._f, self._x, self._exact = f, float(x), float(exact)
        self.hs = np.geomspace(*H_RANGE, int(grid))
        self.curves = {}
        for dtype in PRECISIONS:
            for centered in FORMULAS.values():
                self.curves[(dtype, centered)] = error_vs_h(f, self._x, self._exact, self.hs,
                                                            centered=centered, dtype=dtype)
                self._error_at(float(h), dtype, centered)  # compile the readout once here
        super().__init__({
            "h": log_slider("step h", float(h), *H_RANGE, step=0.05),
            "precision": dropdown("precision", PRECISIONS, "float64"),
            "formula": dropdown("formula", FORMULAS, "centred"),
        }, figsize=(MAX_WIDTH, 3.9))
        self.ax = ax = self.fig.subplots()
        error_axes(ax, H_RANGE, title=f"Relative error of the numerical derivative of f at θ = "
                                      f"{self._x:g}")
        for (dtype, centered), errors in self.curves.items():
            ax.plot(self.hs, _shown(errors), lw=1, alpha=0.35, label=curve_label(dtype, centered),
                    **CURVE_STYLES[(dtype, centered)])
        ax.legend(loc="lower left", fontsize=7, ncols=2)
        self.line = self.moving(*ax.plot([], [], lw=2.5))
        self.h_line = self.moving(*ax.plot([h, h], list(ax.get_ylim()), color="k", lw=1))
        self.dot = self.moving(*ax.plot([], [], "o", color="k", ms=8, mfc="white", mew=2,
                                        zorder=6))

    def _error_at(self, h: float, dtype: str, centered: bool) -> float:
        return float(error_vs_h(self._f, self._x, self._exact, np.array([h]), centered=centered,
                                dtype=dtype)[0])

    def compute(self, h, precision, formula):
        """The relative error at this step, precision and formula."""
        return self._error_at(float(h), precision, FORMULAS[formula])

    def draw(self, error, h, precision, formula):
        h = float(h)
        style = CURVE_STYLES[(precision, FORMULAS[formula])]
        self.line.set_data(self.hs, _shown(self.curves[(precision, FORMULAS[formula])]))
        self.line.set_color(style["color"])
        self.line.set_linestyle(style["ls"])
        self.error = error
        self.h_line.set_xdata([h, h])
        self.dot.set_data([h], _shown([error]))
        self.dot.set_markeredgecolor(style["color"])
        return status_line(precision, formula, h, error)
