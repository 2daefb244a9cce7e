"""`lesson_lib._checks`: the one conventions layer (intervals, the integer policy, arrays, keys)."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import _checks


# ----------------------------------------------------------------- the integer policy


@pytest.mark.parametrize("value", [3, np.int64(3), np.int32(3), np.uint8(3), np.array(3), jnp.array(3)])
def test_integers_of_every_kind_are_accepted(value):
    got = _checks.integer("depth", value, 1, 10)
    assert got == 3 and type(got) is int


@pytest.mark.parametrize(
    "value, note",
    [
        (2.0, "(a float: write 2, not 2.0)"),
        (np.float32(2.0), "(a float: write 2, not"),
        (True, "(a bool, not a count)"),
        (np.bool_(True), "(a bool, not a count)"),
        (2.5, ""),
        ("3", ""),
        (None, ""),
        (np.array([3]), ""),
        (jnp.array(3.0), ""),
        (float("nan"), ""),
    ],
)
def test_everything_else_is_refused_naming_the_argument(value, note):
    with pytest.raises(ValueError) as error:
        _checks.integer("depth", value, 1, 10)
    message = str(error.value)
    assert message.startswith("depth must be an integer in [1, 10], got ")
    assert note in message


def test_bounds_are_inclusive_and_named():
    assert _checks.integer("n", 1, 1) == 1 and _checks.integer("n", 5, None, 5) == 5
    assert _checks.integer("n", 4, 2, 4) == 4 and _checks.integer("n", -7) == -7
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got 0$"):
        _checks.integer("n", 0, 1)
    with pytest.raises(ValueError, match=r"n must be an integer <= 5, got 6$"):
        _checks.integer("n", 6, None, 5)
    with pytest.raises(ValueError, match=r"n must be an integer in \[2, 4\], got 5$"):
        _checks.integer("n", 5, 2, 4)


def test_int_in_range_keeps_its_name_and_the_same_policy():
    assert _checks.int_in_range("steps", np.int64(5), 1) == 5
    for bad in (5.0, True, 0):
        with pytest.raises(ValueError, match="steps must be an integer >= 1"):
            _checks.int_in_range("steps", bad, 1)


def test_traced_integers_step_aside():
    assert jax.jit(lambda n: _checks.integer("n", n, 1, 3) * 2)(7) == 14  # the check does not run in jit


# ----------------------------------------------------------------- numbers and intervals


@pytest.mark.parametrize("kwargs, good, bad, allowed", [
    (dict(low=0.0, low_open=True), [1e-9, 5, np.float32(2.0)], [0.0, -1.0], "a finite number > 0"),
    (dict(low=0.0), [0.0, 3], [-1e-9], "a finite number >= 0"),
    (dict(high=1.0, high_open=True), [0.999, -5], [1.0], "a finite number < 1"),
    (dict(low=0.0, high=1.0, high_open=True), [0.0, 0.5], [1.0, -0.1], r"a number in \[0, 1\)"),
    (dict(low=0.0, high=1.0, low_open=True), [1.0, 0.5], [0.0, 1.5], r"a number in \(0, 1\]"),
])
def test_intervals(kwargs, good, bad, allowed):
    for value in good:
        assert _checks.number("x", value, **kwargs) == float(value)
    for value in bad + [float("nan"), float("inf"), "a", None, True]:
        with pytest.raises(ValueError, match=f"x must be {allowed}, got "):
            _checks.number("x", value, **kwargs)


def test_positive_and_finite_shorthands():
    assert _checks.positive_float("lr", 0.1) == 0.1
    assert _checks.finite_float("init", -3) == -3.0
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got 0"):
        _checks.positive_float("lr", 0)
    with pytest.raises(ValueError, match="init must be a finite number, got inf"):
        _checks.finite_float("init", float("inf"))


# ----------------------------------------------------------------- arrays and choices


def test_finite_array_counts_the_bad_entries():
    _checks.finite_array("x", np.ones(3))
    _checks.finite_array("x", np.arange(3))  # integers are finite by construction
    with pytest.raises(ValueError, match="x must contain only finite numbers, got 2 NaN or infinite entries of 3"):
        _checks.finite_array("x", np.array([np.nan, 1.0, np.inf]))
    with pytest.raises(ValueError, match="x must be a non-empty array"):
        _checks.finite_array("x", np.array([]))
    _checks.finite_array("x", np.array([]), allow_empty=True)
    with pytest.raises(ValueError, match="x must be an array of finite numbers"):
        _checks.finite_array("x", np.array(["a", "b"]))
    with pytest.raises(ValueError, match="params must contain only finite"):
        _checks.finite_array("params", [{"w": np.ones(2), "b": np.array([np.nan])}])


def test_shapes():
    _checks.same_shape(np.ones(3), np.zeros(3))
    with pytest.raises(ValueError, match=r"x and y must have the same shape, got \(3,\) and \(4,\)"):
        _checks.same_shape(np.ones(3), np.ones(4))
    assert _checks.array_shape("x", np.ones((2, 64)), (None, 64)) == (2, 64)
    for bad in (np.ones((0, 64)), np.ones((2, 63)), np.ones(64)):
        with pytest.raises(ValueError, match=r"x must have shape \(batch, 64\), got"):
            _checks.array_shape("x", bad, (None, 64), "(batch, 64)")


def test_one_of():
    assert _checks.one_of("mode", "log", ("lin", "log")) == "log"
    for bad in ("Log", None, ["log"]):
        with pytest.raises(ValueError, match="mode must be one of 'lin', 'log', got "):
            _checks.one_of("mode", bad, ("lin", "log"))


# ----------------------------------------------------------------- keys


def test_prng_keys():
    _checks.prng_key("key", jax.random.key(0))
    _checks.prng_key("key", jax.random.PRNGKey(0))
    for bad in (0, None, np.zeros(2, np.uint32), jax.random.split(jax.random.key(0), 2)):
        with pytest.raises(ValueError, match="key must be a jax.random key such as jax.random.key"):
            _checks.prng_key("key", bad)


def test_function():
    assert _checks.function("f", len, "of one array") is len
    assert _checks.function("grad_fn", None, "of the parameters", optional=True) is None
    for bad in (None, 0.1, "f"):
        with pytest.raises(ValueError, match="f must be a function of one array, got "):
            _checks.function("f", bad, "of one array")
