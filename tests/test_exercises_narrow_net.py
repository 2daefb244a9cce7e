"""The lesson-01 gradient exercise: the checker accepts the right answer and names the usual slips."""

import jax
import numpy as np
import pytest

from lesson_lib.data import linear_regression_data
from lesson_lib.exercises.narrow_net import CHECK_POINTS, check_grad_w, reference_grad
from references import narrow_grad, narrow_loss


def numpy_grad(w1, w2, x, y):
    """The right answer, from the float64 NumPy reference (independent of JAX)."""
    return tuple(narrow_grad([w1, w2], x, y))


@pytest.fixture(scope="module")
def data():
    return linear_regression_data(key=jax.random.key(0))


def test_reference_grad_matches_the_hand_derived_formula(data):
    x, y = data
    for w1, w2 in CHECK_POINTS + ((0.0, 0.0), (np.sqrt(2.0), np.sqrt(2.0))):
        np.testing.assert_allclose(
            reference_grad(w1, w2, x, y), numpy_grad(w1, w2, x, y), rtol=1e-5, atol=1e-5
        )


@pytest.mark.slow
def test_reference_grad_by_centered_differences():
    x = np.array([0.5, -1.0, 2.0], dtype=np.float32)
    y = np.array([1.0, -2.5, 3.0], dtype=np.float32)

    def loss(w1, w2):
        return narrow_loss([w1, w2], x, y)

    h = 1e-6
    w1, w2 = 0.7, -1.3
    numeric = [(loss(w1 + h, w2) - loss(w1 - h, w2)) / (2 * h),
               (loss(w1, w2 + h) - loss(w1, w2 - h)) / (2 * h)]
    np.testing.assert_allclose(reference_grad(w1, w2, x, y), numeric, rtol=1e-4)


@pytest.mark.slow
def test_correct_answer_passes(data):
    result = check_grad_w(numpy_grad)
    assert result.passed and result.message.startswith("✅")
    assert check_grad_w(numpy_grad, *data).passed


def test_correct_answer_with_jax_arrays_passes():
    def jax_grad(w1, w2, x, y):
        r = jax.numpy.mean(x * (y - w1 * w2 * x))
        return jax.numpy.stack([-2 * r * w2, -2 * r * w1])

    assert check_grad_w(jax_grad).passed


def test_not_implemented_is_a_friendly_message():
    def grad_w(w1, w2, x, y):
        raise NotImplementedError

    result = check_grad_w(grad_w)
    assert not result.passed
    assert "Not implemented yet" in result.message


def test_an_exception_is_reported_not_raised():
    result = check_grad_w(lambda w1, w2, x, y: 1 / 0)
    assert not result.passed and "ZeroDivisionError" in result.message


@pytest.mark.parametrize(
    "slip, words",
    [
        (lambda g: (-g[0], -g[1]), "sign is flipped"),
        (lambda g: (g[1], g[0]), "swapped"),
        (lambda g: (g[0] / 2, g[1] / 2), "factor 2"),
        (lambda g: (g[0] * 100, g[1] * 100), "np.mean"),
        (lambda g: (g[0] + 0.3, g[1]), "chain rule"),
    ],
)
def test_common_slips_get_a_precise_hint(slip, words):
    result = check_grad_w(lambda w1, w2, x, y: slip(numpy_grad(w1, w2, x, y)))
    assert not result.passed
    assert "expected" in result.message and "got" in result.message
    assert words in result.message


def test_wrong_shape_is_explained():
    result = check_grad_w(lambda w1, w2, x, y: x)
    assert not result.passed and "two numbers" in result.message
    result = check_grad_w(lambda w1, w2, x, y: "not numbers")
    assert not result.passed and "two numbers" in result.message


def test_right_only_at_symmetric_points_is_caught():
    # Using w1 in both components agrees with the truth only where w1 = w2.
    def half_right(w1, w2, x, y):
        g1, _ = numpy_grad(w1, w2, x, y)
        return g1, g1

    assert not check_grad_w(half_right).passed


@pytest.mark.parametrize(
    "x, y, words",
    [
        (np.array([1.0, np.nan]), np.array([2.0, 2.0]), "x must contain only finite"),
        (np.array([1.0, 2.0]), np.array([np.inf, 2.0]), "y must contain only finite"),
        (np.array([]), np.array([]), "x must be a non-empty"),
        (np.ones(3), np.ones(4), "x and y"),
        (np.ones(3), None, "x and y"),
    ],
)
def test_a_wrong_call_is_answered_not_raised(x, y, words):
    result = check_grad_w(numpy_grad, x, y)  # the docstring's "never raises" holds
    assert not result.passed and result.message.startswith("❌ This check cannot run: ")
    assert words in result.message


def test_x_without_y_is_named():
    message = check_grad_w(numpy_grad, np.ones(3)).message
    assert "x and y must be given together" in message and "got only x" in message


def test_reference_grad_refuses_bad_input():
    x = np.array([1.0, -1.0])
    with pytest.raises(ValueError, match="w1"):
        reference_grad(float("nan"), 1.0, x, x)
    with pytest.raises(ValueError, match="w2"):
        reference_grad(1.0, float("inf"), x, x)
    with pytest.raises(ValueError, match="y must contain only finite"):
        reference_grad(1.0, 1.0, x, np.array([1.0, np.nan]))
