"""Lesson 09's checkers: the update/weight ratio exercise and the "diagnose this run" set."""

import jax
import numpy as np
import pytest

from lesson_lib import monitor
from lesson_lib.exercises.babysitting import (DIAGNOSES, check_diagnosis, check_update_ratio,
                                              mystery_runs)


def test_a_correct_ratio_passes():
    result = check_update_ratio(lambda w, w_new: np.sqrt(np.sum((w_new - w) ** 2) / np.sum(w ** 2)))
    assert result.passed and result.message.startswith("✅")


def test_not_implemented_is_friendly():
    def todo(w, w_new):
        raise NotImplementedError

    result = check_update_ratio(todo)
    assert not result.passed and "Not implemented yet" in result.message


@pytest.mark.parametrize("fn, hint", [
    (lambda w, w_new: abs(np.linalg.norm(w_new) - np.linalg.norm(w)) / np.linalg.norm(w), "norm of the change"),
    (lambda w, w_new: np.linalg.norm(w) / np.linalg.norm(w_new - w), "upside down"),
    (lambda w, w_new: np.sum((w_new - w) ** 2) / np.sum(w ** 2), "square roots"),
    (lambda w, w_new: np.linalg.norm(w_new - w) / np.linalg.norm(w_new), "before the step"),
    (lambda w, w_new: np.max(np.abs(w_new - w)), "np.linalg.norm"),
])
def test_slips_get_their_hint(fn, hint):
    result = check_update_ratio(fn)
    assert not result.passed and hint in result.message and "expected a ratio of" in result.message


def test_a_non_number_or_a_crash_is_explained():
    assert "one number" in check_update_ratio(lambda w, w_new: "big").message
    assert "ZeroDivisionError" in check_update_ratio(lambda w, w_new: 1 / 0).message


def test_diagnoses_answers_and_aliases():
    assert check_diagnosis("run_d", "healthy").passed
    assert check_diagnosis("run_f", "Learning rate too high").passed
    assert check_diagnosis("run_b", "lr_too_low").passed
    assert check_diagnosis("run_c", "bad init").passed
    wrong = check_diagnosis("run_a", "lr too high")
    assert not wrong.passed and "not lr too high" in wrong.message and "accuracy" in wrong.message
    assert "no diagnosis yet" in check_diagnosis("run_a", "?").message
    assert "not one of the diagnoses" in check_diagnosis("run_a", "cosmic rays").message
    assert "no run 'run_q'" in check_diagnosis("run_q", "healthy").message


def test_each_run_has_exactly_one_right_answer():
    for run in ["run_a", "run_b", "run_c", "run_d", "run_e", "run_f"]:
        assert sum(check_diagnosis(run, d).passed for d in DIAGNOSES) == 1


@pytest.fixture(scope="module")
def runs():
    return mystery_runs(monitor.load_digits_split(1000, 500), steps=200, key=jax.random.key(0))


@pytest.mark.slow
def test_the_mystery_runs_show_their_signatures(runs):
    """The evidence the lesson prints, checked on shorter runs: each run's symptom is there."""
    right = {run: next(d for d in DIAGNOSES if check_diagnosis(run, d).passed) for run in runs}
    by = {d: runs[run] for run, d in right.items()}
    healthy = by["healthy"]
    assert abs(healthy.loss[0] - np.log(10)) < 0.1
    assert by["bad initialization"].loss[0] > 5
    assert max(by["lr too low"].weight_ratio().values()) < 1e-4
    assert max(by["lr too high"].weight_ratio().values()) > 1e-2
    overfit = by["overfitting"]
    assert overfit.train_acc[-1] - overfit.val_acc[-1] > 0.1
    assert healthy.train_acc[-1] - healthy.val_acc[-1] < 0.05

    def wiggle(rec):
        return np.std(np.diff(np.log(rec.loss[-100:])))

    assert wiggle(by["batch too small"]) > 2 * wiggle(healthy)


def test_reference_update_ratio_is_the_norm_of_the_step_over_the_norm_of_the_weights():
    from lesson_lib.exercises.babysitting import reference_update_ratio

    w = np.array([[3.0, 0.0], [0.0, 4.0]])
    step = np.array([[0.0, 0.003], [0.0, 0.004]])
    assert reference_update_ratio(w, w + step) == pytest.approx(0.005 / 5.0)
