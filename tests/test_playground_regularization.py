"""Lesson 11's penalty playground: the slider refits at exactly its λ, moves the drawn artists, never recompiles.

References: scikit-learn's Lasso and Ridge at the slider's strength; nonzero counts by hand.
"""

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge

from lesson_lib.compilation import count_compilations
from lesson_lib.playground.regularization import PenaltyPlayground, diabetes_split, penalty_status, validation_mse


@pytest.fixture(scope="module")
def pg():
    playground = PenaltyPlayground(strength=0.03, grid=12)
    yield playground
    plt.close(playground.fig)


@pytest.mark.slow
def test_slider_fits_match_sklearn_at_its_strength(pg):
    control = pg.controls["strength"]
    assert isinstance(control, widgets.FloatLogSlider)
    control.value = 0.1
    assert pg.last_error is None
    x, y = pg.x, pg.y
    lasso = Lasso(alpha=0.1, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(x, y).coef_
    ridge = Ridge(alpha=0.1 * len(y), fit_intercept=False).fit(x, y).coef_
    np.testing.assert_allclose(pg.fitted["l1"], lasso, atol=1e-5)
    np.testing.assert_allclose(pg.fitted["l2"], ridge, rtol=1e-8)
    assert pg.shown["nonzero"] == {"l1": int(np.sum(lasso != 0)), "l2": 10}
    mse = float(np.mean((pg.y_val - pg.x_val @ lasso) ** 2))
    assert pg.shown["mse"]["l1"] == pytest.approx(mse, rel=1e-5)
    assert pg.status.value.startswith("λ = 0.1: nonzero coefficients L1 ")


@pytest.mark.slow
def test_slider_moves_the_artists_and_nothing_recompiles(pg):
    control = pg.controls["strength"]
    control.value = 0.01
    before_line = pg.lines[0].get_xdata()[0]
    before_dots = pg.dots["l1"].get_offsets().copy()
    with count_compilations() as count:
        for value in (0.002, 0.05, 0.7, 20.0):
            control.value = value
    assert count.compiles == 0
    assert pg.lines[0].get_xdata()[0] == pytest.approx(20.0, rel=0.02) != before_line
    assert not np.allclose(pg.dots["l1"].get_offsets(), before_dots)
    assert np.all(pg.dots["l1"].get_offsets()[:, 1] == 0.0)  # λ = 20: every lasso coefficient is 0


def test_pixels_change_when_the_slider_moves(pg):
    pg.controls["strength"].value = 0.003
    before = np.asarray(pg.fig.canvas.buffer_rgba()).copy()
    pg.controls["strength"].value = 10.0
    assert not np.array_equal(before, np.asarray(pg.fig.canvas.buffer_rgba()))


def test_paths_and_validation_curves_are_consistent(pg):
    np.testing.assert_allclose(pg.val_mse["l2"], validation_mse(pg.paths["l2"], pg.x_val, pg.y_val))
    assert np.all(pg.paths["l1"][-1] == 0.0) and np.all(pg.paths["l2"][-1] != 0.0)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="strength"):
        PenaltyPlayground(strength=1e4)
    with pytest.raises(ValueError, match="n_train"):
        diabetes_split(5)


def test_status_line():
    assert penalty_status(3.0, {"l1": 0, "l2": 10}, {"l1": 0.8, "l2": 0.6}, 10) == (
        "λ = 3: nonzero coefficients L1 0 of 10, L2 10 of 10 · validation MSE L1 0.800, L2 0.600")
