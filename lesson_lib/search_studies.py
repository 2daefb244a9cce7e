"""Lesson 10's search studies: the three searches at every budget, and a surrogate after each evaluation.

`budget_curves` runs grid, random and Bayesian search on
`search.important_unimportant` (only `a` matters) for a few seeds, each seed
moving the valley of `a` to a new place (`seed_centers`), and averages the
best value each method found within every budget; a grid with budget `B` is
the largest square grid `m × m ≤ B`. `surrogate_steps` replays a finished
Bayesian optimisation: the Gaussian process's mean and standard deviation and
the expected improvement after each evaluation.
"""

import jax
import numpy as np

from lesson_lib import _checks, search

__all__ = ["SQUARE", "FLOOR", "seed_centers", "budget_curves", "surrogate_steps"]

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


def surrogate_steps(result, unit_grid, n_init: int, n_iter: int):
    """`(means, stds, eis)`, each `(n_iter - n_init + 1, len(unit_grid))`: the surrogate after each step.

    Step `k` (from `n_init` to `n_iter`) fits the Gaussian process of
    `search.gp_posterior` to the first `k` evaluations of `result` (a
    `search.bayes_opt` result; non-finite values are replaced by the worst
    finite one, as `bayes_opt` does) and evaluates it and its expected
    improvement at `unit_grid` (points in the unit cube, shape `(m, 1)`).

    Example:
      >>> r = search.bayes_opt(search.bumpy_lr_loss, search.BUMPY_SPACE, 4, n_init=2, key=jax.random.key(4))
      >>> [a.shape for a in surrogate_steps(r, np.linspace(0, 1, 5)[:, None], 2, 4)]
      [(3, 5), (3, 5), (3, 5)]
    """
    _checks.int_in_range("n_init", n_init, 1)
    _checks.int_in_range("n_iter", n_iter, int(n_init))
    means, stds, eis = [], [], []
    for k in range(int(n_init), int(n_iter) + 1):
        vals = result.values[:k]
        ok = np.isfinite(vals)
        ys = np.where(ok, vals, np.nanmax(np.where(ok, vals, np.nan)) if ok.any() else 0.0)
        mean, std = search.gp_posterior(result.unit_points[:k], ys, unit_grid,
                                        length_scale=result.length_scale, noise=result.noise)
        means.append(mean)
        stds.append(std)
        eis.append(search.expected_improvement(mean, std, float(ys.min())))
    return np.array(means), np.array(stds), np.array(eis)
