"""Lesson 10's figures: where grid and random search look, log sampling, searches over a range,
the Bayesian surrogate, cross-validation curves.

Every function takes numbers (or `SearchResult`s) the notebook has already
computed and only draws them; each returns the figure. All figures are at most
`MAX_WIDTH` inches wide. Create them inside `with plt.ioff():`.
"""

import matplotlib.pyplot as plt
import numpy as np

from lesson_lib.search import BORDER, SearchResult, check_space

__all__ = [
    "MAX_WIDTH",
    "METHOD_STYLE",
    "points_figure",
    "sampling_figure",
    "values_figure",
    "surrogate_axes",
    "cv_figure",
]

MAX_WIDTH = 7.2
"""Width of every figure here, in inches (the output area is about 7.6 in at 100 dpi)."""

METHOD_STYLE = {
    "grid": dict(color="C0", marker="s", label="grid"),
    "random": dict(color="C1", marker="o", label="random"),
    "bayes": dict(color="C2", marker="^", label="Bayesian"),
}
"""One colour and marker per search method, shared by the figures and the playground."""


def _check_result(name, result, dims=None):
    if not isinstance(result, SearchResult):
        raise ValueError(f"{name} must be a SearchResult (from lesson_lib.search), got {type(result).__name__}")
    if dims is not None and len(result.space) != dims:
        raise ValueError(f"{name} must search {dims} parameter(s), got {len(result.space)}")


def _axis_values(result, name):
    return np.array([p[name] for p in result.points])


def _style_axis(ax, space, name, which="x"):
    low, high, scale = space[name]
    set_scale, set_lim, set_label = ((ax.set_xscale, ax.set_xlim, ax.set_xlabel) if which == "x"
                                     else (ax.set_yscale, ax.set_ylim, ax.set_ylabel))
    set_scale("log" if scale == "log" else "linear")
    set_lim(low, high)
    set_label(f"{name} ({'log scale' if scale == 'log' else 'linear scale'})")


def points_figure(results: dict, objective_grid=None, *, title: str = "Where each search looked"):
    """Side-by-side panels of two-parameter searches: the points tried, a rug of distinct values.

    Args:
      results: label -> `SearchResult` over the same two-parameter space.
      objective_grid: optional `(xs, ys, values)` drawn as a background (darker is lower).

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> from lesson_lib.search import grid_search
      >>> r = grid_search(lambda p: p["a"], {"a": (0, 1, "linear"), "b": (0, 1, "linear")}, 3)
      >>> bool(points_figure({"grid": r}).get_figwidth() <= MAX_WIDTH)
      True
    """
    if not isinstance(results, dict) or not results:
        raise ValueError("results must be a non-empty dict label -> SearchResult")
    for label, r in results.items():
        _check_result(f"results[{label!r}]", r, dims=2)
    first = next(iter(results.values()))
    names = list(first.space)
    with plt.ioff():
        fig, axes = plt.subplots(1, len(results), figsize=(MAX_WIDTH, 3.6), layout="constrained",
                                 squeeze=False)
    for ax, (label, r) in zip(axes[0], results.items()):
        if objective_grid is not None:
            xs, ys, values = objective_grid
            ax.contourf(xs, ys, values, levels=20, cmap="Greys_r", alpha=0.6)
        style = METHOD_STYLE.get(r.method, {})
        a, b = _axis_values(r, names[0]), _axis_values(r, names[1])
        ax.plot(a, b, ls="none", marker=style.get("marker", "o"), color=style.get("color", "C0"), ms=6,
                mec="black")
        distinct = np.unique(np.round(a, 9))
        ax.plot(distinct, np.full(distinct.size, first.space[names[1]][1]), "|", color="C3", ms=14,
                mew=2, clip_on=False, label=f"{distinct.size} distinct values of {names[0]}")
        if r.best is not None:
            ax.plot(r.best[names[0]], r.best[names[1]], "*", color="gold", ms=16, mec="black",
                    label=f"best: {r.best_value:.2g}")
        _style_axis(ax, r.space, names[0], "x")
        _style_axis(ax, r.space, names[1], "y")
        ax.set_title(f"{label}: {len(r.points)} evaluations", fontsize=10, pad=12)
        ax.legend(loc="lower left", fontsize=8)
    fig.suptitle(title, fontsize=11)
    return fig


def sampling_figure(samples: dict, low: float, high: float, *, name: str = "learning rate η"):
    """Histograms, per decade, of samples of a positive hyperparameter (one panel per sampler).

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> fig = sampling_figure({"uniform": [0.5, 0.9], "log-uniform": [1e-3, 0.1]}, 1e-4, 1.0)
      >>> len(fig.axes)
      2
    """
    if not isinstance(samples, dict) or not samples:
        raise ValueError("samples must be a non-empty dict label -> array of values")
    if not 0 < low < high:
        raise ValueError(f"low and high must satisfy 0 < low < high, got {low!r}, {high!r}")
    edges = np.arange(np.floor(np.log10(low)), np.ceil(np.log10(high)) + 1)
    with plt.ioff():
        fig, axes = plt.subplots(1, len(samples), figsize=(MAX_WIDTH, 3.0), layout="constrained",
                                 sharey=True, squeeze=False)
    for ax, (label, values) in zip(axes[0], samples.items()):
        values = np.asarray(values, dtype=float)
        if values.ndim != 1 or values.size == 0 or np.any(values <= 0):
            raise ValueError(f"samples[{label!r}] must be a non-empty 1-D array of positive values")
        share = np.histogram(np.log10(values), bins=edges)[0] / values.size
        ax.bar(10 ** edges[:-1], 100 * share, width=np.diff(10 ** edges), align="edge", edgecolor="black",
               color="C1" if "log" in label else "C0")
        ax.set_xscale("log")
        ax.set_xlim(10 ** edges[0], 10 ** edges[-1])
        ax.set_xlabel(f"{name} (log scale)")
        ax.set_title(f"{label} sampling on [{low:g}, {high:g}]", fontsize=10)
        ax.grid(True, axis="y", alpha=0.3)
    axes[0][0].set_ylabel("share of the samples (%)")
    return fig


def values_figure(results: dict, name: str, *, ylabel: str = "objective (lower is better)",
                  title: str = "Objective value at each point tried", ylim=None):
    """Objective value against one hyperparameter for several searches, with their ranges shaded.

    Failed evaluations are drawn as red crosses at the top; the best of each
    search as a star, and its range's outer 5 % (the "border") hatched.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> from lesson_lib.search import grid_search
      >>> r = grid_search(lambda p: p["lr"], {"lr": (1e-4, 1.0, "log")}, 5)
      >>> values_figure({"coarse": r}, "lr").axes[0].get_xscale()
      'log'
    """
    if not isinstance(results, dict) or not results:
        raise ValueError("results must be a non-empty dict label -> SearchResult")
    for label, r in results.items():
        _check_result(f"results[{label!r}]", r)
        if name not in r.space:
            raise ValueError(f"name must be one of {list(r.space)}, got {name!r}")
    finite = np.concatenate([r.values[np.isfinite(r.values)] for r in results.values()])
    if ylim is None:
        ylim = (finite.min() - 0.1 * np.ptp(finite), finite.max() + 0.1 * np.ptp(finite) + 1e-12) \
            if finite.size else (0.0, 1.0)
    lows = [r.space[name][0] for r in results.values()]
    highs = [r.space[name][1] for r in results.values()]
    is_log = any(r.space[name][2] == "log" for r in results.values())
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.4), layout="constrained")
    for i, (label, r) in enumerate(results.items()):
        color = f"C{i}"
        low, high, scale = r.space[name]
        ax.axvspan(low, high, color=color, alpha=0.08)
        u_edge = BORDER
        if scale == "log":
            inner = (low * (high / low) ** u_edge, low * (high / low) ** (1 - u_edge))
        else:
            inner = (low + u_edge * (high - low), high - u_edge * (high - low))
        for a, b in ((low, inner[0]), (inner[1], high)):
            ax.axvspan(a, b, facecolor="none", edgecolor=color, hatch="//", alpha=0.5, lw=0)
        x = _axis_values(r, name)
        ok = np.isfinite(r.values)
        ax.plot(x[ok], r.values[ok], "o", color=color, ms=4, label=f"{label} ({len(x)} points)")
        ax.plot(x[~ok], np.full((~ok).sum(), ylim[1]), "x", color="C3", ms=6, clip_on=False)
        if r.best is not None:
            ax.plot(r.best[name], r.best_value, "*", color=color, ms=15, mec="black",
                    label=f"best of {label}: {name} = {r.best[name]:.2g}"
                          + (" (on the border!)" if name in r.on_border else ""))
    if is_log:
        ax.set_xscale("log")
    ax.set_xlim(min(lows), max(highs))
    ax.set_ylim(*ylim)
    ax.set_xlabel(f"{name} ({'log scale' if is_log else 'linear scale'})")
    ax.set_ylabel(ylabel)
    ax.set_title(title, fontsize=11)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8, loc="best")
    return fig


def surrogate_axes(ax_gp, ax_acq, space, name: str, *, ylim, title: str = ""):
    """Style a pair of panels for the Bayesian step view: surrogate above, acquisition below."""
    check_space(space)
    low, high, scale = space[name]
    for ax in (ax_gp, ax_acq):
        ax.set_xscale("log" if scale == "log" else "linear")
        ax.set_xlim(low, high)
        ax.grid(True, alpha=0.3)
    ax_gp.set_ylim(*ylim)
    ax_gp.set_ylabel("objective")
    ax_acq.set_ylabel("expected\nimprovement")
    ax_acq.set_xlabel(f"{name} ({'log scale' if scale == 'log' else 'linear scale'})")
    if title:
        ax_gp.set_title(title, fontsize=10)


def cv_figure(l2s, val, train, *, chosen=None, title: str = "k-fold cross-validation of the L2 strength"):
    """Mean validation and training error over folds against λ (log axis), folds as thin lines.

    Example:
      >>> import matplotlib; matplotlib.use("Agg")
      >>> fig = cv_figure([1e-3, 1e-1], [[0.1, 0.2], [0.3, 0.2]], [[0.0, 0.0], [0.1, 0.1]], chosen=1e-3)
      >>> fig.axes[0].get_xscale()
      'log'
    """
    l2s = np.asarray(l2s, float)
    val, train = np.asarray(val, float), np.asarray(train, float)
    if l2s.ndim != 1 or l2s.size < 2 or np.any(l2s <= 0):
        raise ValueError("l2s must be at least two positive strengths")
    if val.shape != (l2s.size, val.shape[-1]) or train.shape != val.shape:
        raise ValueError(f"val and train must have shape ({l2s.size}, folds), got {val.shape}, {train.shape}")
    with plt.ioff():
        fig, ax = plt.subplots(figsize=(MAX_WIDTH, 3.4), layout="constrained")
    ax.plot(l2s, 100 * val, color="C0", lw=0.6, alpha=0.5)
    ax.plot(l2s, 100 * val.mean(axis=1), "o-", color="C0", lw=2, label="validation (mean of folds)")
    ax.plot(l2s, 100 * train.mean(axis=1), "s--", color="C1", lw=1.5, label="training (mean of folds)")
    if chosen is not None:
        ax.axvline(chosen, color="C2", ls=":", lw=2, label=f"chosen λ = {chosen:.1e}")
    ax.set_xscale("log")
    ax.set_xlabel("L2 strength λ (log scale)")
    ax.set_ylabel("error rate (%)")
    ax.set_title(title, fontsize=11)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)
    return fig
