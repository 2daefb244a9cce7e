"""lesson_lib.data against its definition and NumPy."""

import jax
import numpy as np
import pytest

from lesson_lib.data import linear_regression_data, moments


def test_shapes_dtypes_and_statistics():
    x, y = linear_regression_data(key=jax.random.key(1), n=20_000, slope=-1.5, noise=0.3)
    assert x.shape == y.shape == (20_000,)
    assert x.dtype == y.dtype == np.float32
    x, y = np.asarray(x, float), np.asarray(y, float)
    assert abs(x.mean()) < 0.03 and abs(x.std() - 1) < 0.03
    residual = y - (-1.5) * x
    assert abs(residual.std() - 0.3) < 0.01
    slope_fit = (x @ y) / (x @ x)  # least squares without intercept
    assert slope_fit == pytest.approx(-1.5, abs=0.01)


def test_no_noise_is_exactly_linear_and_keys_are_explicit():
    x, y = linear_regression_data(key=jax.random.key(0), n=50, noise=0.0)
    np.testing.assert_array_equal(np.asarray(y), 2.0 * np.asarray(x))
    again = linear_regression_data(key=jax.random.key(0), n=50, noise=0.0)
    other = linear_regression_data(key=jax.random.key(1), n=50, noise=0.0)
    np.testing.assert_array_equal(x, again[0])
    assert not np.allclose(x, other[0])


@pytest.mark.parametrize(
    "kwargs, name",
    [({"n": 0}, "n"), ({"n": 2.5}, "n"), ({"n": 20.0}, "n"), ({"n": True}, "n"),
     ({"noise": -0.1}, "noise"),
     ({"slope": float("nan")}, "slope"), ({"noise": float("inf")}, "noise")],
)
def test_bad_arguments_name_themselves(kwargs, name):
    with pytest.raises(ValueError, match=name):
        linear_regression_data(key=jax.random.key(0), **kwargs)


def test_moments_match_numpy():
    x, y = linear_regression_data(key=jax.random.key(3), n=64)
    sxx, sxy, syy = (float(m) for m in moments(x, y))
    xn, yn = np.asarray(x, float), np.asarray(y, float)
    assert sxx == pytest.approx(np.mean(xn * xn), rel=1e-5)
    assert sxy == pytest.approx(np.mean(xn * yn), rel=1e-5)
    assert syy == pytest.approx(np.mean(yn * yn), rel=1e-5)
    with pytest.raises(ValueError, match="x and y"):
        moments(x, y[:-1])


@pytest.mark.parametrize("which", ["x", "y"])
def test_moments_refuse_non_finite_data(which):
    import jax.numpy as jnp

    good, bad = jnp.array([1.0, 2.0]), jnp.array([1.0, float("nan")])
    x, y = (bad, good) if which == "x" else (good, bad)
    with pytest.raises(ValueError, match=f"{which} must contain only finite numbers"):
        moments(x, y)


def test_the_key_is_keyword_only_and_checked():
    with pytest.raises(TypeError):
        linear_regression_data(jax.random.key(5), n=8)  # a key by position is refused
    with pytest.raises(TypeError):
        linear_regression_data(8)  # no key, no silent default
    for bad in (0, None, np.zeros(3)):
        with pytest.raises(ValueError, match="key must be a jax.random key"):
            linear_regression_data(n=8, key=bad)
    x, _ = linear_regression_data(np.int64(8), key=jax.random.key(5))  # NumPy integers are integers
    assert x.shape == (8,)
