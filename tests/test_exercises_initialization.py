"""Lesson 05's checkers: the Xavier standard deviation and ReLU signal scale, against the formulas by hand."""

import math

import numpy as np
import pytest

from lesson_lib.exercises.initialization import (RELU_CASES, XAVIER_CASES, check_relu_depth_std,
                                                 check_xavier_std, relu_depth_std)


def xavier(fan_in, fan_out, gain):
    return gain * math.sqrt(2.0 / (fan_in + fan_out))  # Glorot & Bengio (2010), by hand


def test_the_right_xavier_answer_passes():
    result = check_xavier_std(xavier)
    assert result.passed and result.message == (
        f"✅ Correct: the Xavier standard deviation matches on {len(XAVIER_CASES)} layer shapes.")


@pytest.mark.parametrize("slip, hint", [
    (lambda i, o, g: g / math.sqrt(i), "He's rule"),
    (lambda i, o, g: xavier(i, o, g) * math.sqrt(3.0), "uniform bound"),
    (lambda i, o, g: xavier(i, o, g) / g, "gain is missing"),
    (lambda i, o, g: xavier(i, o, g) / math.sqrt(2.0), "the 2 is missing"),
    (lambda i, o, g: xavier(i, o, g) ** 2, "variance"),
])
def test_each_xavier_slip_gets_its_hint(slip, hint):
    result = check_xavier_std(slip)
    assert not result.passed and "expected" in result.message and hint in result.message


def test_unfinished_and_junk_xavier_answers_are_answered():
    def todo(i, o, g):
        raise NotImplementedError

    assert "Not implemented yet" in check_xavier_std(todo).message
    assert "expected one number" in check_xavier_std(lambda i, o, g: "small").message
    assert "ZeroDivisionError" in check_xavier_std(lambda i, o, g: 1 / 0).message


def numpy_relu_rms(depth, scale, width=2000, seed=0):
    """A Monte Carlo check of the recursion: push a Gaussian batch through `depth` ReLU layers."""
    rng = np.random.default_rng(seed)
    h = rng.normal(size=(200, width))
    for _ in range(depth):
        h = np.maximum(h @ (rng.normal(size=(width, width)) * scale / math.sqrt(width)), 0.0)
    return float(np.sqrt(np.mean(h ** 2)))


@pytest.mark.slow
def test_relu_depth_std_is_the_recursion_and_agrees_with_a_simulation():
    for depth, scale in RELU_CASES:
        assert relu_depth_std(depth, scale) == pytest.approx((scale / math.sqrt(2.0)) ** depth, rel=1e-12)
    assert relu_depth_std(4, math.sqrt(2.0)) == pytest.approx(numpy_relu_rms(4, math.sqrt(2.0)), rel=0.05)


def test_relu_checker():
    assert check_relu_depth_std(lambda d, s: (s / math.sqrt(2.0)) ** d).passed
    forgot_half = check_relu_depth_std(lambda d, s: s ** d)
    assert not forgot_half.passed and "1/2 (ReLU)" in forgot_half.message
    assert "Not implemented yet" in check_relu_depth_std(
        lambda d, s: (_ for _ in ()).throw(NotImplementedError())).message
