"""Lesson 04's checkers (best learning rate per depth, edge of stability) against NumPy, independently.

The right answers are computed here without the library: gradient descent from
tests/references.py, "steps to converge" counted in NumPy, and the edge of
stability from its closed form 1 / (D · mean x² · p*^(2(D−1)/D)).
"""

import jax
import numpy as np
import pytest

from lesson_lib import data, narrow_sweep
from lesson_lib.compilation import count_compilations
from lesson_lib.exercises.depth_lr import (
    check_best_lr, check_edge_of_stability, reference_edge_of_stability,
)
from references import narrow_gd

DEPTHS = [1, 3, 6]
LRS = np.geomspace(2e-3, 0.5, 9)
STEPS, INIT = 80, 0.9


@pytest.fixture(scope="module")
def xy():
    x, y = data.linear_regression_data(100, key=jax.random.key(0))
    return np.asarray(x), np.asarray(y)


@pytest.fixture(scope="module")
def threshold(xy):
    x, y = (a.astype(np.float64) for a in xy)
    p_star = np.mean(x * y) / np.mean(x * x)
    return float(np.mean((y - p_star * x) ** 2)) + 1e-2  # the least-squares loss plus a margin


@pytest.fixture(scope="module")
def result(xy):
    return narrow_sweep.depth_lr_sweep(DEPTHS, LRS, init=INIT, steps=STEPS, x=xy[0], y=xy[1])


def numpy_best_lr(depth, x, y, threshold):
    """The grid's learning rate with the fewest steps until the loss stays <= threshold (ties: smaller lr)."""
    best, best_steps = None, None
    for lr in LRS:
        with np.errstate(all="ignore"):
            losses = narrow_gd(np.full(depth, INIT), x, y, float(np.float32(lr)), STEPS)[1]
        ok = np.isfinite(losses) & (losses <= threshold)
        if not ok[-1]:
            continue  # never settles
        steps = int(len(ok) - np.argmin(ok[::-1])) if not ok.all() else 0
        if best_steps is None or steps < best_steps:
            best, best_steps = float(np.float32(lr)), steps
    return best


@pytest.mark.slow
def test_check_best_lr_accepts_the_right_answer(result, xy, threshold):
    answers = {depth: numpy_best_lr(depth, *xy, threshold) for depth in DEPTHS}
    assert all(lr is not None for lr in answers.values())  # the grid holds a converging lr per depth
    verdict = check_best_lr(lambda r, depth, t: answers[depth], result, threshold, depths=DEPTHS)
    assert verdict.passed and verdict.message.startswith("✅")


def test_check_best_lr_explains_wrong_answers(result, xy, threshold):
    right = numpy_best_lr(3, *xy, threshold)
    neighbour = float(LRS[max(0, int(np.argmin(np.abs(LRS - right))) - 1)])
    wrong = check_best_lr(lambda r, d, t: neighbour, result, threshold, depths=[3])
    assert not wrong.passed and "Depth 3: expected lr" in wrong.message and "Hint" in wrong.message
    unfinished = check_best_lr(lambda r, d, t: (_ for _ in ()).throw(NotImplementedError()),
                               result, threshold, depths=[3])
    assert not unfinished.passed and "Not implemented yet" in unfinished.message
    assert "not a number" in check_best_lr(lambda r, d, t: "fast", result, threshold, depths=[3]).message


@pytest.mark.parametrize("call, words", [
    (lambda r, t: check_best_lr(lambda *a: 0.1, r, t, depths=[99]), "depths must be depths of the sweep"),
    (lambda r, t: check_best_lr(lambda *a: 0.1, r, t, depths=[3.0]), "depths must be an integer"),
    (lambda r, t: check_best_lr(lambda *a: 0.1, r, float("nan"), depths=[3]), "threshold must be a finite"),
    (lambda r, t: check_best_lr(lambda *a: 0.1, "not a sweep", t), "result must be a narrow_sweep.SweepResult"),
])
def test_check_best_lr_answers_a_wrong_call(result, threshold, call, words):
    verdict = call(result, threshold)  # never raises
    assert not verdict.passed and verdict.message.startswith("❌ This check cannot run: ")
    assert words in verdict.message


def test_check_best_lr_takes_depths_by_keyword(result, threshold):
    with pytest.raises(TypeError):
        check_best_lr(lambda *a: 0.1, result, threshold, [3])


def edge_formula(depth, sxx, p_star):
    return 1.0 / (depth * sxx * p_star ** (2.0 * (depth - 1) / depth))


@pytest.mark.slow
def test_reference_edge_is_the_closed_form(xy):
    x, y = (a.astype(np.float64) for a in xy)
    sxx, p_star = np.mean(x * x), np.mean(x * y) / np.mean(x * x)
    for depth in [1, 3, 30]:
        assert reference_edge_of_stability(depth, *xy) == pytest.approx(edge_formula(depth, sxx, p_star), rel=1e-5)


@pytest.mark.slow
def test_check_edge_of_stability(xy):
    x, y = xy
    assert check_edge_of_stability(edge_formula, x, y, depths=(1, 4)).passed
    half = check_edge_of_stability(lambda d, s, p: edge_formula(d, s, p) / 2, x, y, depths=(4,))
    assert not half.passed and "1/λ_max" in half.message
    no_depth = check_edge_of_stability(lambda d, s, p: edge_formula(d, s, p) * d, x, y, depths=(4,))
    assert not no_depth.passed and "factor D" in no_depth.message


@pytest.mark.parametrize("kwargs, words", [
    (dict(depths=(0,)), "depth must be an integer in [1, "),
    (dict(depths=(2.0,)), "depth must be an integer in [1, "),
    (dict(depths=()), "depths must list at least one depth"),
])
def test_check_edge_of_stability_answers_a_wrong_call(xy, kwargs, words):
    verdict = check_edge_of_stability(edge_formula, *xy, **kwargs)
    assert not verdict.passed and words in verdict.message
    bad = check_edge_of_stability(edge_formula, xy[0], xy[1][:-1])
    assert not bad.passed and "x and y must have the same shape" in bad.message


def test_reference_edge_refuses_bad_input(xy):
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        reference_edge_of_stability(2, xy[0], xy[1][:3])
    with pytest.raises(ValueError, match="depth must be an integer"):
        reference_edge_of_stability(2.0, *xy)


def test_reference_edge_compiles_nothing_for_a_new_depth(xy):
    x, y = xy
    reference_edge_of_stability(2, x, y)
    with count_compilations() as count:
        for depth in [3, 17, 41]:
            reference_edge_of_stability(depth, x, y)
    assert count.compiles == 0
