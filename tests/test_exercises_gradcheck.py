"""Lesson 08's checker for a learner's centred finite differences.

Answers are written here by hand in plain NumPy: a correct loop, and the usual slips.
"""

import numpy as np

from lesson_lib.exercises.gradcheck import _cases, check_numerical_grad


def centred(f, x, h):
    g = np.zeros_like(x)
    for j in np.ndindex(x.shape):
        old = x[j]
        x[j] = old + h
        plus = f(x)
        x[j] = old - h
        minus = f(x)
        x[j] = old
        g[j] = (plus - minus) / (2 * h)
    return g


def test_the_cases_closed_forms_are_right():
    for name, f_np, _, x, exact in _cases():
        np.testing.assert_allclose(centred(f_np, x.copy(), 1e-6), exact, rtol=1e-6, err_msg=name)


def test_a_correct_loop_passes():
    result = check_numerical_grad(centred)
    assert result.passed and result.message.startswith("✅")


def test_one_sided_gets_its_hint():
    def one_sided(f, x, h):
        g, base = np.zeros_like(x), f(x)
        for j in np.ndindex(x.shape):
            x[j] += h
            g[j] = (f(x) - base) / h
            x[j] -= h
        return g

    result = check_numerical_grad(one_sided)
    assert not result.passed and "one-sided" in result.message


def test_missing_factor_two():
    result = check_numerical_grad(lambda f, x, h: 2 * centred(f, x, h))
    assert not result.passed and "twice too large" in result.message
    result = check_numerical_grad(lambda f, x, h: centred(f, x, h) / 2)
    assert not result.passed and "half" in result.message


def test_x_left_changed():
    def sloppy(f, x, h):
        g = centred(f, x, h)
        x += 1.0
        return g

    assert "left x changed" in check_numerical_grad(sloppy).message


def test_unfinished_broken_and_misshapen_answers():
    def unfinished(f, x, h):
        raise NotImplementedError

    assert "Not implemented yet" in check_numerical_grad(unfinished).message
    assert "ZeroDivisionError" in check_numerical_grad(lambda f, x, h: 1 / 0).message
    assert "shape" in check_numerical_grad(lambda f, x, h: np.zeros(7)).message
    wrong = check_numerical_grad(lambda f, x, h: np.ones_like(x))
    assert not wrong.passed and "Hint" in wrong.message and "got" in wrong.message
