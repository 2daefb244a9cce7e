"""Figures of lesson 08 (gradient checking): the error of finite differences against the step h.

Compute first (`lesson_lib.gradcheck.error_vs_h`), then plot: the helpers draw
arrays the lesson already holds and return matplotlib objects only. Figures
are at most `MAX_WIDTH` inches wide.
"""

import matplotlib.pyplot as plt
import numpy as np

from lesson_lib.gradcheck import THRESHOLDS

__all__ = ["CURVE_STYLES", "ERROR_LIM", "MAX_WIDTH", "error_axes", "error_vs_h_figure"]

MAX_WIDTH = 7.4
"""The widest figure (inches at 100 dpi) that fits the lessons' output area."""

ERROR_LIM = (1e-13, 10.0)
"""The relative-error axis: from below float64's best to "no digit right"."""

CURVE_STYLES = {
    ("float32", False): dict(color="C1", ls="--"),
    ("float32", True): dict(color="C1", ls="-"),
    ("float64", False): dict(color="C0", ls="--"),
    ("float64", True): dict(color="C0", ls="-"),
}
"""Colour per precision (orange float32, blue float64), dashes for one-sided, solid for centred."""


def curve_label(dtype: str, centered: bool) -> str:
    return f"{dtype}, {'centred' if centered else 'one-sided'}"


def error_axes(ax, h_range, *, title: str | None = None):
    """Style `ax` as relative error against h, both on log axes, with the verdict thresholds shaded."""
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlim(*h_range)
    ax.set_ylim(*ERROR_LIM)
    ax.axhspan(THRESHOLDS[0], ERROR_LIM[1], color="C3", alpha=0.08, lw=0)
    ax.axhspan(THRESHOLDS[1], THRESHOLDS[0], color="C1", alpha=0.08, lw=0)
    ax.axhline(THRESHOLDS[2], color="0.5", lw=0.8, ls=":")
    ax.text(h_range[0] * 1.5, 1.2, "wrong", fontsize=7, color="C3", va="bottom")
    ax.text(h_range[0] * 1.5, 1.5e-3, "suspect", fontsize=7, color="C1", va="center")
    ax.text(h_range[0] * 1.5, 6e-8, "correct below 1e-7", fontsize=7, color="0.4", va="top")
    ax.set_xlabel("finite-difference step h (log scale)")
    ax.set_ylabel("relative error of the numerical gradient")
    if title:
        ax.set_title(title, fontsize=10)
    ax.grid(True, which="major", alpha=0.3)
    return ax


def _shown(errors):
    """Errors as drawn: exact zeros and non-finite values pinned inside the axis."""
    errors = np.asarray(errors, dtype=float)
    return np.clip(np.where(np.isfinite(errors), errors, ERROR_LIM[1]), *ERROR_LIM)


def error_vs_h_figure(hs, curves: dict, *, title: str = "Error of the numerical gradient against h",
                      guides: bool = True):
    """One log-log panel: relative error against h for each `(dtype, centered) -> errors` curve.

    With `guides`, grey reference lines of slope 1 and 2 show the O(h) and O(h²) laws.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> hs = np.geomspace(1e-8, 1e-1, 8)
      >>> fig = error_vs_h_figure(hs, {("float64", True): hs ** 2})
      >>> float(fig.get_figwidth()) <= MAX_WIDTH
      True
    """
    hs = np.asarray(hs, dtype=float)
    if hs.ndim != 1 or hs.size < 2 or np.any(hs <= 0) or not np.all(np.isfinite(hs)):
        raise ValueError("hs must be a 1-D array of at least two finite step sizes > 0")
    if not curves:
        raise ValueError("curves must hold at least one (dtype, centered) -> errors entry")
    for key, errors in curves.items():
        if key not in CURVE_STYLES:
            raise ValueError(f"curves keys must be (dtype, centered) among {sorted(CURVE_STYLES)}, got {key!r}")
        if np.shape(errors) != hs.shape:
            raise ValueError(f"curve {key!r} has shape {np.shape(errors)}, expected {hs.shape} (one per h)")
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 4.0), layout="constrained")
    error_axes(ax, (hs[0], hs[-1]), title=title)
    for (dtype, centered), errors in curves.items():
        ax.plot(hs, _shown(errors), lw=1.8, label=curve_label(dtype, centered),
                **CURVE_STYLES[(dtype, centered)])
    if guides:
        h = np.array([1e-4, 1e-1])
        ax.plot(h, 0.3 * h, color="0.35", lw=1, ls=(0, (1, 2)))
        ax.plot(h, 0.3 * h ** 2, color="0.35", lw=1, ls=(0, (1, 2)))
        ax.text(1e-1, 0.03, " slope 1", fontsize=7, color="0.3", ha="left", va="center")
        ax.text(1e-1, 0.003, " slope 2", fontsize=7, color="0.3", ha="left", va="center")
    ax.legend(loc="lower left", fontsize=8, ncols=2)
    return fig
