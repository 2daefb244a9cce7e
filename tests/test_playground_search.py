"""Lesson 10's playgrounds: the budget view reads precomputed searches, the Bayesian view its history.

References: the searches rerun here from `lesson_lib.search` for the first seed, and
`gp_posterior` against the playground's stored curves; counts of points by hand.
"""

import ipywidgets as widgets
import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import search
from lesson_lib.compilation import count_compilations
from lesson_lib.playground.search import BayesStepPlayground, SearchBudgetPlayground, budget_status
from lesson_lib.search_studies import SQUARE, seed_centers

MAX_INCHES = 7.4


@pytest.fixture(scope="module")
def budget():
    pg = SearchBudgetPlayground(seeds=2, max_budget=12, budget=9)
    yield pg
    plt.close(pg.fig)


@pytest.fixture(scope="module")
def bayes():
    pg = BayesStepPlayground(n_iter=8, n_init=2, grid=120)
    yield pg
    plt.close(pg.fig)


@pytest.mark.slow
def test_budget_curves_match_searches_rerun_here(budget):
    c = float(seed_centers(2)[0])
    f = lambda p: search.important_unimportant(p, center=c)
    g3 = search.grid_search(f, SQUARE, 3).best_value
    g3b = search.grid_search(lambda p: search.important_unimportant(p, center=float(seed_centers(2)[1])),
                             SQUARE, 3).best_value
    assert budget.curves["grid"][8] == pytest.approx((g3 + g3b) / 2)
    assert list(budget.curves["sides"]) == [1, 1, 1, 2, 2, 2, 2, 2, 3, 3, 3, 3]
    for m in ("random", "bayes"):
        assert np.all(np.diff(budget.curves[m]) <= 0)  # more budget never finds worse


@pytest.mark.slow
def test_budget_slider_moves_points_and_status(budget):
    control = budget.controls["budget"]
    assert isinstance(control, widgets.IntSlider) and (control.min, control.max) == (1, 12)
    control.value = 9
    assert budget.status.value.startswith("budget 9: mean best over 2 seeds: grid (3×3)")
    assert len(budget.points["grid"].get_xdata()) == 9 and len(budget.points["random"].get_xdata()) == 9
    control.value = 5
    assert len(budget.points["grid"].get_xdata()) == 4 and len(budget.points["bayes"].get_xdata()) == 5
    assert budget.last_error is None


def test_budget_pixels_change_and_nothing_recompiles(budget):
    control = budget.controls["budget"]
    control.value = 3
    before = np.asarray(budget.fig.canvas.buffer_rgba()).copy()
    with count_compilations() as count:
        for b in range(1, 13):
            control.value = b
    assert count.compiles == 0
    assert not np.array_equal(before, np.asarray(budget.fig.canvas.buffer_rgba()))


@pytest.mark.slow
def test_bayes_view_matches_gp_posterior(bayes):
    r = bayes.result
    assert len(r.points) == 8 and bayes.means.shape == (7, 120)
    k = 5
    u = search.to_unit(search.BUMPY_SPACE, bayes.xs[:, None])
    mean, std = search.gp_posterior(r.unit_points[:k], r.values[:k], u, length_scale=r.length_scale,
                                    noise=r.noise)
    np.testing.assert_allclose(bayes.means[k - 2], mean, rtol=1e-9)
    np.testing.assert_allclose(bayes.stds[k - 2], std, rtol=1e-9, atol=1e-12)
    ei = search.expected_improvement(mean, std, float(r.values[:k].min()))
    np.testing.assert_allclose(bayes.eis[k - 2], ei, rtol=1e-9, atol=1e-12)


@pytest.mark.slow
def test_bayes_step_control_and_status(bayes):
    step = bayes.controls["step"]
    assert isinstance(step, widgets.IntSlider) and (step.min, step.max) == (2, 8)
    step.value = 4
    assert bayes.status.value.startswith("4 evaluations, best so far ")
    assert "next: lr = " in bayes.status.value
    assert len(bayes.seen.get_xdata()) == 4 and bayes.next_line.get_visible()
    step.value = 8
    assert bayes.status.value.endswith("budget spent") and not bayes.next_line.get_visible()
    assert bayes.last_error is None


def test_bayes_pixels_change_and_nothing_recompiles(bayes):
    step = bayes.controls["step"]
    step.value = 2
    before = np.asarray(bayes.fig.canvas.buffer_rgba()).copy()
    with count_compilations() as count:
        for k in range(2, 9):
            step.value = k
    assert count.compiles == 0
    assert not np.array_equal(before, np.asarray(bayes.fig.canvas.buffer_rgba()))


@pytest.mark.slow
def test_errors_in_draw_are_shown(budget):
    pg = SearchBudgetPlayground(seeds=1, max_budget=4, budget=2)
    pg.draw = lambda **values: (_ for _ in ()).throw(RuntimeError("boom"))
    pg.controls["budget"].value = 3
    assert isinstance(pg.last_error, RuntimeError)
    assert any("boom" in out.get("text", "") for out in pg.errors.outputs)
    plt.close(pg.fig)


@pytest.mark.parametrize("kwargs, name", [(dict(seeds=0), "seeds"), (dict(max_budget=2), "max_budget"),
                                          (dict(budget=40), "budget")])
def test_budget_playground_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        SearchBudgetPlayground(**kwargs)


@pytest.mark.parametrize("kwargs, name", [(dict(n_iter=2, n_init=2), "n_iter"),
                                          (dict(space={"a": (0, 1, "linear"), "b": (0, 1, "linear")}),
                                           "exactly one axis"),
                                          (dict(grid=3), "grid")])
def test_bayes_playground_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        BayesStepPlayground(**kwargs)


@pytest.mark.slow
def test_figures_fit(budget, bayes):
    for pg in (budget, bayes):
        width, height = pg.fig.get_size_inches()
        assert width <= MAX_INCHES and height <= 5


def test_status_format():
    assert (budget_status(16, 4, {"grid": 0.64, "random": 0.19, "bayes": 0.013}, 8)
            == "budget 16: mean best over 8 seeds: grid (4×4) 0.64, random 0.19, Bayesian 0.013")
