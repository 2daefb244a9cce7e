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

The studies themselves are lesson math, in `lesson_lib.search_studies`.
"""

import jax
import numpy as np

from lesson_lib import _checks, search
from lesson_lib.search_studies import FLOOR, budget_curves, seed_centers, surrogate_steps
from lesson_lib.playground.base import Playground, int_slider
from lesson_lib.plots.search import MAX_WIDTH, METHOD_STYLE, surrogate_axes

__all__ = [
    "budget_status",
    "SearchBudgetPlayground",
    "BayesStepPlayground",
]


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
        super().__init__({"budget": int_slider("budget", int(budget), 1, self.max_budget)},
                         figsize=(MAX_WIDTH, 3.7))
        self.ax, self.ax_pts = self.fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.3, 1]})
        self._best_panel(self.ax, budget)
        self._points_panel(self.ax_pts)

    def _best_panel(self, ax, budget):
        """Each method's mean best value against the budget; a moving line and dots at the budget."""
        budgets = np.arange(1, self.max_budget + 1)
        for method in ("grid", "random", "bayes"):
            style = METHOD_STYLE[method]
            ax.step(budgets, np.clip(self.curves[method], FLOOR, None), where="post",
                    color=style["color"], lw=2, label=style["label"])
        ax.set(yscale="log", ylim=(FLOOR, 2.0), xlim=(1, self.max_budget),
               xlabel="budget (evaluations of the objective)",
               ylabel=f"best value found\n(mean of {self.seeds} seeds, log scale)")
        ax.set_title("Best value found within the budget", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(loc="lower left", fontsize=8)
        self.budget_line = self.moving(ax.axvline(budget, color="black", ls=":", lw=1.5))
        self.dots = {m: self.moving(*ax.plot([], [], ls="none", marker=METHOD_STYLE[m]["marker"],
                                             ms=8, mec="black", color=METHOD_STYLE[m]["color"],
                                             zorder=5)) for m in METHOD_STYLE}

    def _points_panel(self, ax):
        """The first seed's objective, and the points each method tried (moving)."""
        a = np.linspace(0, 1, 121)
        aa, bb = np.meshgrid(a, a)
        center = float(seed_centers(self.seeds)[0])
        zz = np.vectorize(lambda a, b: search.important_unimportant({"a": a, "b": b}, center=center))(aa, bb)
        ax.contourf(aa, bb, zz, levels=12, cmap="Greys_r", alpha=0.6)
        ax.set(xlim=(-0.02, 1.02), ylim=(-0.02, 1.02), xlabel="a (important)",
               ylabel="b (unimportant)")
        ax.set_title("Points tried (first seed)", fontsize=10)
        self.points = {m: self.moving(*ax.plot([], [], ls="none", marker=METHOD_STYLE[m]["marker"],
                                               ms=5, mec="black", mew=0.5,
                                               color=METHOD_STYLE[m]["color"],
                                               label=METHOD_STYLE[m]["label"]))
                       for m in METHOD_STYLE}
        ax.legend(loc="upper right", fontsize=7, framealpha=0.9)

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
        return budget_status(budget, side, self.shown, self.seeds)


def _one_axis(space, n_init, n_iter, grid) -> str:
    """Check the Bayesian step view's arguments; returns the name of the space's one axis."""
    names = search.check_space(space)[0]
    if len(names) != 1:
        raise ValueError(f"space must have exactly one axis for this playground, got {list(names)}")
    _checks.int_in_range("n_init", n_init, 1)
    _checks.int_in_range("n_iter", n_iter, int(n_init) + 1, 60)
    _checks.int_in_range("grid", grid, 10)
    return names[0]


def _ylim(truth):
    """The surrogate panel's range: the finite objective values with 60 % room either side."""
    finite = truth[np.isfinite(truth)]
    span = np.ptp(finite) if finite.size else 1.0
    return finite.min() - 0.6 * span, finite.max() + 0.6 * span


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
        self.name = _one_axis(space, n_init, n_iter, grid)
        self.n_init, self.n_iter = int(n_init), int(n_iter)
        self.result = search.bayes_opt(objective, space, self.n_iter, n_init=self.n_init,
                                       key=jax.random.key(4) if key is None else key)
        u = np.linspace(0, 1, int(grid))[:, None]
        self.xs = search.from_unit(space, u)[:, 0]
        self.truth = np.array([objective({self.name: float(x)}) for x in self.xs])
        self.means, self.stds, self.eis = surrogate_steps(self.result, u, self.n_init, self.n_iter)
        super().__init__({"step": int_slider("evaluations so far", self.n_init, self.n_init,
                                             self.n_iter)}, figsize=(MAX_WIDTH, 4.6))
        self.ax_gp, self.ax_acq = self.fig.subplots(2, 1, sharex=True,
                                                    gridspec_kw={"height_ratios": [2, 1]})
        surrogate_axes(self.ax_gp, self.ax_acq, space, self.name, ylim=_ylim(self.truth),
                       title="Surrogate (Gaussian process) after each evaluation")
        self._surrogate_artists(self.ax_gp)
        self.ei_top = max(float(self.eis.max()), 1e-12) * 1.1
        self.ax_acq.set_ylim(0, self.ei_top)
        self.ei_line = self.moving(*self.ax_acq.plot(self.xs, self.eis[0], color="C2", lw=2))
        self.next_line = self.moving(self.ax_acq.axvline(self.xs[0], color="C3", ls=":", lw=1.5))

    def _surrogate_artists(self, ax):
        ax.plot(self.xs, self.truth, color="0.4", lw=1, ls="--", label="true objective (hidden)")
        self.band = self.moving(ax.fill_between(
            self.xs, self.means[0] - 2 * self.stds[0], self.means[0] + 2 * self.stds[0],
            color="C0", alpha=0.2, label="mean ± 2 std"))
        self.mean_line = self.moving(*ax.plot(self.xs, self.means[0], color="C0", lw=2,
                                              label="surrogate mean"))
        self.seen = self.moving(*ax.plot([], [], "o", color="black", ms=6, label="evaluations"))
        self.next_gp = self.moving(*ax.plot([], [], "v", color="C3", ms=11, mec="black",
                                            label="next point"))
        ax.legend(loc="upper right", fontsize=7, ncol=2)

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
        return f"{k} evaluations, best so far {best:.3g} · {tail}"
