"""Lesson 03's checker: the largest stable learning rate of the narrow net, derived by hand.

The reference values are written here from the closed forms: at depth 1 the loss
`mean((y − w x)²)` has second derivative `2 mean(x²)`; at depth 2 the Hessian at
the balanced minimum has eigenvalues 0 and `4 mean(xy)`.
"""

import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib.exercises.learning_rate import check_max_stable_lr, reference_max_stable_lr


def depth1(x, y):
    return 1.0 / float(np.mean(np.asarray(x, np.float64) ** 2))


def depth2(x, y):
    return 1.0 / (2.0 * float(np.mean(np.asarray(x, np.float64) * np.asarray(y, np.float64))))


def test_reference_matches_the_closed_forms():
    x = jnp.array([0.5, -1.5, 2.0, 1.0])
    y = 1.5 * x + jnp.array([0.1, -0.2, 0.05, 0.0])
    assert reference_max_stable_lr(1, x, y) == pytest.approx(depth1(x, y), rel=1e-5)
    assert reference_max_stable_lr(2, x, y) == pytest.approx(depth2(x, y), rel=1e-5)


def test_the_reference_takes_depth_then_data_and_checks_both():
    x = jnp.array([0.5, -1.5])
    with pytest.raises(ValueError, match="depth must be an integer"):
        reference_max_stable_lr(2.0, x, x)
    with pytest.raises(ValueError, match="x and y must have the same shape"):
        reference_max_stable_lr(1, x, x[:1])


def test_correct_answers_pass():
    first = check_max_stable_lr(depth1)
    assert first.passed and first.message.startswith("✅")
    assert check_max_stable_lr(depth2, depth=2).passed


def test_a_wrong_depth_answer_fails():
    result = check_max_stable_lr(depth2, depth=1)
    assert not result.passed and "expected" in result.message and "got" in result.message


@pytest.mark.parametrize(
    "factor, words",
    [(0.5, "1/λ_max"), (2.0, "twice too large")],
)
def test_common_slips_get_a_targeted_hint(factor, words):
    result = check_max_stable_lr(lambda x, y: factor * depth1(x, y))
    assert not result.passed and "Hint:" in result.message and words in result.message


def test_unfinished_and_broken_answers_get_a_friendly_message():
    def unfinished(x, y):
        raise NotImplementedError

    assert "Not implemented yet" in check_max_stable_lr(unfinished).message
    assert "ZeroDivisionError" in check_max_stable_lr(lambda x, y: 1 / 0).message
    assert "one number" in check_max_stable_lr(lambda x, y: "fast").message
    assert not check_max_stable_lr(lambda x, y: 0.3).passed


@pytest.mark.parametrize("depth", [3, 0, 2.0, True])
def test_only_depths_one_and_two_and_the_checker_says_so(depth):
    result = check_max_stable_lr(depth1, depth=depth)  # answered, never raised
    assert not result.passed
    assert result.message.startswith("❌ This check cannot run: depth must be an integer in [1, 2], got ")


def test_depth_is_keyword_only():
    with pytest.raises(TypeError):
        check_max_stable_lr(depth1, 2)
