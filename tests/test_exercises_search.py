"""Lesson 10's checker: log-uniform sampling. References are written out by hand here."""

import numpy as np
import pytest

from lesson_lib.exercises.search import check_log_uniform, reference_log_uniform


def by_hand(u, low, high):
    return 10.0 ** (np.log10(low) + np.asarray(u) * (np.log10(high) - np.log10(low)))


def test_reference_is_geometric():
    np.testing.assert_allclose(reference_log_uniform([0, 0.25, 0.5, 1], 1e-6, 1e2),
                               [1e-6, 1e-4, 1e-2, 1e2], rtol=1e-12)


def test_correct_answers_pass():
    result = check_log_uniform(by_hand)
    assert result.passed and result.message.startswith("✅")
    assert check_log_uniform(lambda u, lo, hi: np.exp(np.log(lo) + u * np.log(hi / lo))).passed


@pytest.mark.parametrize("answer, words", [
    (lambda u, lo, hi: lo + u * (hi - lo), "linear scale"),
    (lambda u, lo, hi: 10.0 ** u, "ignore `low` and `high`"),
    (lambda u, lo, hi: hi * (lo / hi) ** u, "high down to low"),
    (lambda u, lo, hi: 2 * by_hand(u, lo, hi), "exponent e = log10(low)"),
])
def test_slips_get_a_targeted_hint(answer, words):
    result = check_log_uniform(answer)
    assert not result.passed and "Hint:" in result.message and words in result.message
    assert "expected" in result.message and "got" in result.message


def test_unfinished_and_broken_answers_get_a_friendly_message():
    def unfinished(u, low, high):
        raise NotImplementedError

    assert "Not implemented yet" in check_log_uniform(unfinished).message
    assert "ZeroDivisionError" in check_log_uniform(lambda u, lo, hi: 1 / 0).message
    assert "shape" in check_log_uniform(lambda u, lo, hi: 0.1).message
    assert "array of numbers" in check_log_uniform(lambda u, lo, hi: "fast").message
