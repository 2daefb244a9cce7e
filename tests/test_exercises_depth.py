"""Tests of lesson 02's checker: right answers pass, each kind of wrong answer gets a useful hint."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import data
from lesson_lib.exercises.depth import check_layer_gradients, reference_layer_gradients
from references import narrow_grad


def correct(w, x, y):
    """A right answer: the float64 NumPy reference of tests/references.py."""
    return narrow_grad(w, x, y)


@pytest.mark.slow
def test_reference_matches_numpy_formula():
    x, y = data.linear_regression_data(20, key=jax.random.key(3))
    for w in ([0.9], [1.5, -0.5, 2.0], [0.3, 0.0, 1.2], list(np.linspace(0.8, 1.1, 30))):
        np.testing.assert_allclose(reference_layer_gradients(w, x, y), correct(w, x, y),
                                   rtol=1e-6, atol=1e-9)


@pytest.mark.slow
def test_correct_answers_pass():
    assert check_layer_gradients(correct).passed
    assert check_layer_gradients(jax.grad(lambda w, x, y: jnp.mean((y - jnp.prod(w) * x) ** 2))).passed
    result = check_layer_gradients(correct)
    assert result.message.startswith("✅")


@pytest.mark.slow
def test_correct_answer_passes_on_other_data():
    x, y = data.linear_regression_data(30, slope=-1.0, key=jax.random.key(7))
    assert check_layer_gradients(correct, x, y).passed


def test_not_implemented():
    def todo(w, x, y):
        raise NotImplementedError

    result = check_layer_gradients(todo)
    assert not result.passed and "Not implemented yet" in result.message


def test_wrong_sign_gets_sign_hint():
    result = check_layer_gradients(lambda w, x, y: -correct(w, x, y))
    assert not result.passed
    assert "expected" in result.message and "got" in result.message and "sign" in result.message


def test_missing_factor_two_gets_hint():
    result = check_layer_gradients(lambda w, x, y: correct(w, x, y) / 2)
    assert not result.passed and "factor 2" in result.message


@pytest.mark.slow
def test_dividing_by_the_weight_fails_only_at_the_zero_weight():
    def divide(w, x, y):
        w, x, y = (np.asarray(a, np.float64) for a in (w, x, y))
        p = np.prod(w)
        with np.errstate(divide="ignore", invalid="ignore"):
            return p / w * (-2.0 * np.mean(x * (y - p * x)))

    result = check_layer_gradients(divide)
    assert not result.passed
    assert "zero weight" in result.message and "divides by zero" in result.message


def test_wrong_shape_and_junk_and_errors():
    scalar = check_layer_gradients(lambda w, x, y: np.sum(correct(w, x, y)))
    assert not scalar.passed and "shape" in scalar.message
    none = check_layer_gradients(lambda w, x, y: None)
    assert not none.passed and "return" in none.message
    junk = check_layer_gradients(lambda w, x, y: "abc")
    assert not junk.passed and "not numbers" in junk.message

    def crash(w, x, y):
        raise KeyError("oops")

    crashed = check_layer_gradients(crash)
    assert not crashed.passed and "KeyError" in crashed.message


def test_only_last_layer_wrong_is_caught():
    def off_by_one(w, x, y):
        g = correct(w, x, y)
        g[-1] *= 1.01
        return g

    assert not check_layer_gradients(off_by_one).passed


def test_a_wrong_call_is_answered_not_raised():
    x = np.array([1.0, 2.0])
    for args, words in [((np.array([np.nan, 1.0]), x), "x must contain only finite"),
                        ((np.array([]), np.array([])), "x must be a non-empty"),
                        ((x, np.ones(3)), "x and y must have the same shape"),
                        ((x,), "x and y must be given together"),
                        ((None, x), "got only y")]:
        result = check_layer_gradients(correct, *args)
        assert not result.passed and result.message.startswith("❌ This check cannot run: ")
        assert words in result.message


def test_the_reference_refuses_bad_input():
    import pytest

    x = np.array([1.0, 2.0])
    with pytest.raises(ValueError, match="w must contain only finite"):
        reference_layer_gradients([1.0, np.inf], x, x)
    with pytest.raises(ValueError, match="w must be a non-empty"):
        reference_layer_gradients([], x, x)
