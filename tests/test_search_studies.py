"""lesson_lib.search_studies: lesson 10's budget study and the surrogate replayed step by step."""

import jax
import numpy as np
import pytest

from lesson_lib import search
from lesson_lib.search_studies import budget_curves, seed_centers, surrogate_steps


@pytest.mark.slow
def test_grid_budget_curve_is_the_best_of_the_largest_square_grid():
    curves = budget_curves(seeds=2, max_budget=10, key=jax.random.key(0))
    for budget in range(1, 11):
        m = int(np.floor(np.sqrt(budget) + 1e-9))
        axis = np.linspace(0.0, 1.0, m) if m > 1 else np.array([0.5])  # ends included
        bests = []
        for center in seed_centers(2):  # an independent grid search in NumPy
            a, b = np.meshgrid(axis, axis)
            values = 1 - np.exp(-0.5 * ((a - center) / 0.05) ** 2) + 0.02 * (b - 0.5) ** 2
            bests.append(values.min())
        assert curves["sides"][budget - 1] == m
        assert curves["grid"][budget - 1] == pytest.approx(np.mean(bests), rel=1e-6, abs=1e-9)
    for method in ("random", "bayes"):
        assert np.all(np.diff(curves[method]) <= 1e-12)  # best so far never gets worse


@pytest.mark.slow
def test_surrogate_steps_interpolate_the_evaluations_and_improvement_is_nonnegative():
    result = search.bayes_opt(search.bumpy_lr_loss, search.BUMPY_SPACE, 6, n_init=2,
                              key=jax.random.key(4))
    u = np.asarray(result.unit_points, dtype=float)[:, :1]
    means, stds, eis = surrogate_steps(result, u, 2, 6)
    assert means.shape == stds.shape == eis.shape == (5, 6)
    spread = np.ptp(result.values)
    for step, k in enumerate(range(2, 7)):  # after k evaluations the first k are near-known
        np.testing.assert_allclose(means[step, :k], result.values[:k], atol=0.05 * spread)
        assert np.all(stds[step, :k] < 0.1 * spread)
    assert np.all(eis >= 0)
    with pytest.raises(ValueError, match="n_iter"):
        surrogate_steps(result, u, 3, 2)
