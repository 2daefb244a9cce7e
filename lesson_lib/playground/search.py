"""Lesson 10's playgrounds: an evaluation budget for three searches, and Bayesian optimisation step by step.

`SearchBudgetPlayground` runs grid, random and Bayesian search on
`search.important_unimportant` (only `a` matters) for a few seeds when it is
built, each seed moving the valley to a new place; the budget slider then only
reads those results: the mean best value found within the budget (left) and
the points each method tried for the first seed (right). A grid with budget
`B` is the largest square grid `m × m ≤ B`.

`BayesStepPlayground` runs one Bayesian optimisation of a one-parameter
objective when it is built and keeps the surrogate after every evaluation; the
step slider shows the surrogate's mean and ±2 standard
deviations, the evaluations so far, the expected improvement and the next
point chosen.
"""

import math

import jax
import matplotlib.pyplot as plt
import numpy as np

from lesson_lib import _checks, search
from lesson_lib.playground.base import Playground, int_slider
from lesson_lib.plots.search import MAX_WIDTH, METHOD_STYLE, surrogate_axes

__all__ = [
    "SQUARE",
    "FLOOR",
    "seed_centers",
    "budget_curves",
    "budget_status",
    "SearchBudgetPlayground",
    "BayesStepPlayground",
]

SQUARE = {"a": (0.0, 1.0, "linear"), "b": (0.0, 1.0, "linear")}
"""The two-parameter space of the budget playground."""

FLOOR = 3e-3
"""Best values are drawn on a log axis from here up to 2 (lower means are pinned here)."""


def seed_centers(seeds: int) -> np.ndarray:
    """Where the valley of `a` lies for each seed: evenly spread over [0.15, 0.85].

    Example:
      >>> seed_centers(2).round(3).tolist()
      [0.325, 0.675]
    """
    _checks.int_in_range("seeds", seeds, 1)
    return 0.15 + 0.7 * (np.arange(int(seeds)) + 0.5) / int(seeds)


def budget_curves(seeds: int = 8, max_budget: int = 30, *, key=None) -> dict:
    """Mean best value found within each budget 1..max_budget, per method, over `seeds` valleys.

    Returns a dict with "grid", "random", "bayes" -> `(max_budget,)` arrays of
    means and "runs" -> the `SearchResult`s of the first seed (grid: one per
    side length m, keyed m).

    Example:
      >>> curves = budget_curves(seeds=1, max_budget=4)
      >>> curves["grid"].shape, curves["sides"].tolist()
      ((4,), [1, 1, 1, 2])
    """
    _checks.int_in_range("seeds", seeds, 1)
    _checks.int_in_range("max_budget", max_budget, 4)
    key = jax.random.key(0) if key is None else key
    max_budget = int(max_budget)
    sides = np.floor(np.sqrt(np.arange(1, max_budget + 1)) + 1e-9).astype(int)
    grid, rand, bayes, runs = [], [], [], {}
    for s, center in enumerate(seed_centers(seeds)):
        f = lambda p, c=float(center): search.important_unimportant(p, center=c)
        by_side = {m: search.grid_search(f, SQUARE, int(m)) for m in np.unique(sides)}
        grid.append([by_side[m].best_value for m in sides])
        k = jax.random.fold_in(key, s)
        r = search.random_search(f, SQUARE, max_budget, key=k)
        b = search.bayes_opt(f, SQUARE, max_budget, key=k)
        rand.append(r.best_so_far())
        bayes.append(b.best_so_far())
        if s == 0:
            runs = {"grid": by_side, "random": r, "bayes": b}
    return {"grid": np.mean(grid, axis=0), "random": np.mean(rand, axis=0),
            "bayes": np.mean(bayes, axis=0), "sides": sides, "runs": runs}


def budget_status(budget: int, side: int, values: dict, seeds: int) -> str:
    """The budget playground's status line.

    Example:
      >>> budget_status(16, 4, {"grid": 0.64, "random": 0.19, "bayes": 0.013}, 8)
      'budget 16: mean best over 8 seeds: grid (4×4) 0.64, random 0.19, Bayesian 0.013'
    """
    return (f"budget {budget}: mean best over {seeds} seeds: grid ({side}×{side}) {values['grid']:.2g}, "
            f"random {values['random']:.2g}, Bayesian {values['bayes']:.2g}")


class SearchBudgetPlayground(Playground):
    """Grid, random and Bayesian search at the budget you choose.

    Args:
      seeds: how many valley positions (and random keys) to average over.
      max_budget: the slider's largest budget.
      budget: the slider's starting value.
      key: a `jax.random` key for the random and Bayesian searches.

    Attributes (besides `Playground`'s):
      curves: `budget_curves(...)`: the mean best value per budget and method.
      values: control values; `shown`: the current mean best value per method.
    """

    def __init__(self, seeds: int = 6, max_budget: int = 25, budget: int = 16, *, key=None):
        _checks.int_in_range("seeds", seeds, 1)
        _checks.int_in_range("max_budget", max_budget, 4, 200)
        _checks.int_in_range("budget", budget, 1, int(max_budget))
        self.seeds, self.max_budget = int(seeds), int(max_budget)
        self.curves = budget_curves(self.seeds, self.max_budget, key=key)
        budgets = np.arange(1, self.max_budget + 1)

        with plt.ioff():
            fig, (ax, ax_pts) = plt.subplots(1, 2, figsize=(MAX_WIDTH, 3.7), layout="constrained",
                                             gridspec_kw={"width_ratios": [1.3, 1]})
        for method in ("grid", "random", "bayes"):
            style = METHOD_STYLE[method]
            ax.step(budgets, np.clip(self.curves[method], FLOOR, None), where="post", color=style["color"],
                    lw=2, label=style["label"])
        ax.set_yscale("log")
        ax.set_ylim(FLOOR, 2.0)
        ax.set_xlim(1, self.max_budget)
        ax.set_xlabel("budget (evaluations of the objective)")
        ax.set_ylabel(f"best value found\n(mean of {self.seeds} seeds, log scale)")
        ax.set_title("Best value found within the budget", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
        self.budget_line = ax.axvline(budget, color="black", ls=":", lw=1.5, animated=True)
        self.dots = {m: ax.plot([], [], ls="none", marker=METHOD_STYLE[m]["marker"], ms=8, mec="black",
                                color=METHOD_STYLE[m]["color"], animated=True, zorder=5)[0]
                     for m in METHOD_STYLE}

        a = np.linspace(0, 1, 121)
        aa, bb = np.meshgrid(a, a)
        center = float(seed_centers(self.seeds)[0])
        zz = (1 - np.exp(-0.5 * ((aa - center) / 0.05) ** 2)) + 0.02 * (bb - 0.5) ** 2
        ax_pts.contourf(aa, bb, zz, levels=12, cmap="Greys_r", alpha=0.6)
        ax_pts.set_xlim(-0.02, 1.02)
        ax_pts.set_ylim(-0.02, 1.02)
        ax_pts.set_xlabel("a (important)")
        ax_pts.set_ylabel("b (unimportant)")
        ax_pts.set_title("Points tried (first seed)", fontsize=10)
        self.points = {m: ax_pts.plot([], [], ls="none", marker=METHOD_STYLE[m]["marker"], ms=5,
                                      mec="black", mew=0.5, color=METHOD_STYLE[m]["color"], animated=True,
                                      label=METHOD_STYLE[m]["label"])[0] for m in METHOD_STYLE}
        ax_pts.legend(loc="upper right", fontsize=7, framealpha=0.9)
        self.ax, self.ax_pts = ax, ax_pts
        controls = {"budget": int_slider("budget", int(budget), 1, self.max_budget)}
        artists = [self.budget_line, *self.dots.values(), *self.points.values()]
        super().__init__(fig, controls, artists=artists)

    def draw(self, budget):
        budget = int(budget)
        side = int(self.curves["sides"][budget - 1])
        self.shown = {m: float(self.curves[m][budget - 1]) for m in METHOD_STYLE}
        self.budget_line.set_xdata([budget, budget])
        for m, dot in self.dots.items():
            dot.set_data([budget], [max(self.shown[m], FLOOR)])
        runs = self.curves["runs"]
        tried = {"grid": runs["grid"][side].points, "random": runs["random"].points[:budget],
                 "bayes": runs["bayes"].points[:budget]}
        for m, line in self.points.items():
            line.set_data([p["a"] for p in tried[m]], [p["b"] for p in tried[m]])
        self.status.value = budget_status(budget, side, self.shown, self.seeds)


class BayesStepPlayground(Playground):
    """Bayesian optimisation of one hyperparameter, one evaluation at a time.

    Args:
      objective: `point -> float` over `space` (default `search.bumpy_lr_loss`).
      space: one axis (default `search.BUMPY_SPACE`, learning rates 1e-5..1 on a log axis).
      n_iter, n_init: evaluations in all, and how many of them are random.
      key: a `jax.random` key for `bayes_opt`.
      grid: how many points the curves are drawn at.

    Attributes (besides `Playground`'s):
      result: the `SearchResult` of the whole run.
      means, stds, eis: the surrogate and expected improvement after each step, `(steps, grid)`.
    """

    def __init__(self, objective=None, space=None, *, n_iter: int = 12, n_init: int = 2, key=None,
                 grid: int = 300):
        objective = search.bumpy_lr_loss if objective is None else objective
        space = search.BUMPY_SPACE if space is None else space
        names = search.check_space(space)[0]
        if len(names) != 1:
            raise ValueError(f"space must have exactly one axis for this playground, got {list(names)}")
        _checks.int_in_range("n_init", n_init, 1)
        _checks.int_in_range("n_iter", n_iter, int(n_init) + 1, 60)
        _checks.int_in_range("grid", grid, 10)
        self.name = names[0]
        key = jax.random.key(4) if key is None else key
        self.result = search.bayes_opt(objective, space, int(n_iter), n_init=int(n_init), key=key)
        self.n_init, self.n_iter = int(n_init), int(n_iter)
        u = np.linspace(0, 1, int(grid))[:, None]
        self.xs = search.from_unit(space, u)[:, 0]
        self.truth = np.array([objective({self.name: float(x)}) for x in self.xs])
        self.means, self.stds, self.eis = [], [], []
        for k in range(self.n_init, self.n_iter + 1):
            vals = self.result.values[:k]
            ok = np.isfinite(vals)
            ys = np.where(ok, vals, np.nanmax(np.where(ok, vals, np.nan)) if ok.any() else 0.0)
            mean, std = search.gp_posterior(self.result.unit_points[:k], ys, u,
                                            length_scale=self.result.length_scale, noise=self.result.noise)
            self.means.append(mean)
            self.stds.append(std)
            self.eis.append(search.expected_improvement(mean, std, float(ys.min())))
        self.means, self.stds, self.eis = (np.array(v) for v in (self.means, self.stds, self.eis))

        finite = self.truth[np.isfinite(self.truth)]
        span = np.ptp(finite) if finite.size else 1.0
        ylim = (finite.min() - 0.6 * span, finite.max() + 0.6 * span)
        with plt.ioff():
            fig, (ax_gp, ax_acq) = plt.subplots(2, 1, figsize=(MAX_WIDTH, 4.6), layout="constrained",
                                                sharex=True, gridspec_kw={"height_ratios": [2, 1]})
        surrogate_axes(ax_gp, ax_acq, space, self.name, ylim=ylim,
                       title="Surrogate (Gaussian process) after each evaluation")
        ax_gp.plot(self.xs, self.truth, color="0.4", lw=1, ls="--", label="true objective (hidden)")
        self.band = ax_gp.fill_between(self.xs, self.means[0] - 2 * self.stds[0],
                                       self.means[0] + 2 * self.stds[0], color="C0", alpha=0.2,
                                       animated=True, label="mean ± 2 std")
        (self.mean_line,) = ax_gp.plot(self.xs, self.means[0], color="C0", lw=2, animated=True,
                                       label="surrogate mean")
        (self.seen,) = ax_gp.plot([], [], "o", color="black", ms=6, animated=True, label="evaluations")
        (self.next_gp,) = ax_gp.plot([], [], "v", color="C3", ms=11, mec="black", animated=True,
                                     label="next point")
        ax_gp.legend(loc="upper right", fontsize=7, ncol=2)
        self.ei_top = max(float(self.eis.max()), 1e-12) * 1.1
        ax_acq.set_ylim(0, self.ei_top)
        (self.ei_line,) = ax_acq.plot(self.xs, self.eis[0], color="C2", lw=2, animated=True)
        self.next_line = ax_acq.axvline(self.xs[0], color="C3", ls=":", lw=1.5, animated=True)
        self.ax_gp, self.ax_acq = ax_gp, ax_acq
        controls = {"step": int_slider("evaluations so far", self.n_init, self.n_init, self.n_iter)}
        artists = [self.band, self.mean_line, self.seen, self.next_gp, self.ei_line, self.next_line]
        super().__init__(fig, controls, artists=artists)

    def draw(self, step):
        k = int(step)
        i = k - self.n_init
        mean, std = self.means[i], self.stds[i]
        self.band.set_verts([np.r_[np.c_[self.xs, mean - 2 * std], np.c_[self.xs[::-1], (mean + 2 * std)[::-1]]]])
        self.mean_line.set_ydata(mean)
        xs_seen = [p[self.name] for p in self.result.points[:k]]
        self.seen.set_data(xs_seen, np.clip(self.result.values[:k], *self.ax_gp.get_ylim()))
        self.ei_line.set_ydata(np.clip(self.eis[i], 0, self.ei_top))
        best = float(np.nanmin(np.where(np.isfinite(self.result.values[:k]), self.result.values[:k], np.nan)))
        if k < self.n_iter:
            nxt = self.result.points[k][self.name]
            self.next_gp.set_data([nxt], [float(np.clip(mean[np.argmin(np.abs(self.xs - nxt))],
                                                        *self.ax_gp.get_ylim()))])
            self.next_line.set_xdata([nxt, nxt])
            self.next_line.set_visible(True)
            tail = f"next: {self.name} = {nxt:.2g}"
        else:
            self.next_gp.set_data([], [])
            self.next_line.set_visible(False)
            tail = "budget spent"
        self.status.value = f"{k} evaluations, best so far {best:.3g} · {tail}"
