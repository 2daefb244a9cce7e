"""Lesson 07's checkers: the triangular cycle and the range test's smoother, against NumPy written here."""

import numpy as np

from lesson_lib.exercises.schedules import TRIANGULAR_CASES, check_smoothing, check_triangular


def numpy_triangle(step, base_lr, max_lr, step_size_up):
    """Smith (2017): up for step_size_up steps, down as long, repeat."""
    position = step % (2 * step_size_up)
    rise = position / step_size_up if position <= step_size_up else 2 - position / step_size_up
    return base_lr + (max_lr - base_lr) * rise


def numpy_smoothed(losses, beta):
    """Bias-corrected exponential moving average, one loss at a time."""
    out, average = [], 0.0
    for i, loss in enumerate(losses):
        average = beta * average + (1 - beta) * loss
        out.append(average / (1 - beta ** (i + 1)))
    return np.array(out)


def test_the_right_answers_pass():
    assert check_triangular(numpy_triangle).passed
    assert check_smoothing(numpy_smoothed).passed


def test_a_triangle_that_does_not_repeat_is_named():
    def one_cycle(step, base_lr, max_lr, step_size_up):
        return numpy_triangle(min(step, 2 * step_size_up), base_lr, max_lr, step_size_up)

    result = check_triangular(one_cycle)
    assert not result.passed and "does not repeat" in result.message
    base_lr, max_lr, size = TRIANGULAR_CASES[0]
    assert f"At step {2 * size + 1} with base_lr={base_lr}" in result.message


def test_a_triangle_that_starts_at_the_top_is_named():
    result = check_triangular(lambda t, lo, hi, n: numpy_triangle(t + n, lo, hi, n))
    assert not result.passed and "at step 0 the rate should be base_lr" in result.message


def test_smoothing_without_bias_correction_fails_at_the_first_value():
    def uncorrected(losses, beta):
        out, average = [], 0.0
        for loss in losses:
            average = beta * average + (1 - beta) * loss
            out.append(average)
        return out

    result = check_smoothing(uncorrected)
    assert not result.passed and "value 0" in result.message and "bias correction" in result.message


def test_junk_is_answered():
    assert "one number per step" in check_triangular(lambda *a: "fast").message
    assert "smoothed values" in check_smoothing(lambda losses, beta: losses[:-1]).message
