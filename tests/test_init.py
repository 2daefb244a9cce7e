"""lesson_lib.init: the statistics of every scheme against its formula (NumPy), and its errors."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import init

KEY = jax.random.key(42)
SHAPE = (600, 1400)  # 840,000 draws: sample std within ~0.1 % of the truth
SQRT3 = math.sqrt(3.0)
# Fraction of draws within one standard deviation of the mean.
WITHIN_ONE_STD = {"normal": math.erf(1 / math.sqrt(2)), "uniform": 1 / SQRT3}


def summary(w):
    w = np.asarray(w, dtype=np.float64)
    std = w.std()
    return {"mean": w.mean(), "std": std, "max_abs": np.abs(w).max(),
            "within": np.mean(np.abs(w - w.mean()) <= std)}


def expected_std(name, fan_in, fan_out, g):
    """The textbook formulas, written independently of the library."""
    if name.startswith("xavier"):
        return g * np.sqrt(2.0 / (fan_in + fan_out))
    return g / np.sqrt(fan_in)


SCALED = [
    ("xavier_normal", 1.0), ("xavier_normal", 5.0 / 3.0), ("xavier_uniform", 1.0),
    ("xavier_uniform", 0.5), ("he_normal", math.sqrt(2.0)), ("he_normal", 1.0),
    ("he_uniform", math.sqrt(2.0)), ("he_uniform", 3.0),
]


@pytest.mark.slow
@pytest.mark.parametrize("name,g", SCALED)
def test_scaled_schemes_match_their_formulas(name, g):
    fan_in, fan_out = SHAPE
    w = getattr(init, name)(g)(KEY, SHAPE)
    assert w.shape == SHAPE and w.dtype == jnp.float32
    stats = summary(w)
    std = expected_std(name, fan_in, fan_out, g)
    assert stats["std"] == pytest.approx(std, rel=0.01)
    assert abs(stats["mean"]) < 0.01 * std
    kind = "uniform" if name.endswith("uniform") else "normal"
    assert stats["within"] == pytest.approx(WITHIN_ONE_STD[kind], abs=0.005)
    if kind == "uniform":
        bound = std * SQRT3
        assert stats["max_abs"] <= bound * (1 + 1e-6)
        assert stats["max_abs"] > 0.999 * bound
    else:
        # Untruncated: 840,000 normal draws reach beyond 4 std (a truncated
        # normal, like jax's glorot_normal, would stop at 2 std).
        assert stats["max_abs"] > 4.0 * std


@pytest.mark.slow
def test_default_gains():
    fan_in, fan_out = SHAPE
    assert summary(init.xavier_normal()(KEY, SHAPE))["std"] == pytest.approx(
        np.sqrt(2.0 / (fan_in + fan_out)), rel=0.01)
    assert summary(init.he_normal()(KEY, SHAPE))["std"] == pytest.approx(
        np.sqrt(2.0 / fan_in), rel=0.01)
    assert summary(init.he_uniform()(KEY, SHAPE))["max_abs"] <= np.sqrt(6.0 / fan_in) * (1 + 1e-6)


def test_std_helpers():
    assert init.xavier_std(300, 500, 2.0) == pytest.approx(2.0 * np.sqrt(2.0 / 800))
    assert init.he_std(50) == pytest.approx(np.sqrt(2.0 / 50))
    assert init.he_std(50, gain=1.0) == pytest.approx(np.sqrt(1.0 / 50))


@pytest.mark.slow
def test_normal_and_uniform():
    stats = summary(init.normal(0.3)(KEY, SHAPE))
    assert stats["std"] == pytest.approx(0.3, rel=0.01)
    assert stats["within"] == pytest.approx(WITHIN_ONE_STD["normal"], abs=0.005)
    stats = summary(init.uniform(0.7)(KEY, SHAPE))
    assert stats["std"] == pytest.approx(0.7 / SQRT3, rel=0.01)
    assert abs(stats["mean"]) < 0.005
    assert 0.699 < stats["max_abs"] <= 0.7
    w = np.asarray(init.uniform(0.7)(KEY, SHAPE))
    assert (w < 0).mean() == pytest.approx(0.5, abs=0.005)  # centred, not [0, bound)


def test_constant():
    w = init.constant(-1.5)(KEY, (3, 4))
    np.testing.assert_array_equal(np.asarray(w), np.full((3, 4), -1.5, np.float32))


@pytest.mark.parametrize("shape", [(64, 64), (100, 30), (30, 100)])
@pytest.mark.parametrize("g", [1.0, 5.0 / 3.0])
def test_orthogonal(shape, g):
    w = np.asarray(init.orthogonal(g)(KEY, shape), dtype=np.float64)
    fan_in, fan_out = shape
    gram = w.T @ w if fan_in >= fan_out else w @ w.T
    np.testing.assert_allclose(gram, g ** 2 * np.eye(min(shape)), atol=1e-5)
    if fan_in == fan_out:
        np.testing.assert_allclose(w @ w.T, g ** 2 * np.eye(fan_in), atol=1e-5)


def test_orthogonal_is_random_not_identity():
    a = np.asarray(init.orthogonal()(jax.random.key(0), (50, 50)))
    b = np.asarray(init.orthogonal()(jax.random.key(1), (50, 50)))
    assert np.abs(a - b).max() > 0.1
    assert np.abs(a - np.eye(50)).max() > 0.1


ALL = [init.constant(0.3), init.normal(1.0), init.uniform(1.0), init.xavier_normal(),
       init.xavier_uniform(), init.he_normal(), init.he_uniform(), init.orthogonal()]


@pytest.mark.slow
@pytest.mark.parametrize("initializer", ALL)
def test_deterministic_per_key_and_jittable(initializer):
    first = initializer(jax.random.key(7), (20, 30))
    again = initializer(jax.random.key(7), (20, 30))
    np.testing.assert_array_equal(np.asarray(first), np.asarray(again))
    jitted = jax.jit(lambda key: initializer(key, (20, 30)))(jax.random.key(7))
    np.testing.assert_allclose(np.asarray(jitted), np.asarray(first), rtol=1e-6, atol=1e-7)
    assert initializer(jax.random.key(7), (20, 30), jnp.float16).dtype == jnp.float16


@pytest.mark.parametrize("initializer", ALL[1:])
def test_different_keys_give_different_weights(initializer):
    a = initializer(jax.random.key(1), (20, 30))
    b = initializer(jax.random.key(2), (20, 30))
    assert float(jnp.abs(a - b).max()) > 0.0


@pytest.mark.slow
def test_agrees_with_jax_where_the_schemes_coincide():
    shape = (40, 70)
    pairs = [
        (init.xavier_uniform(), jax.nn.initializers.glorot_uniform()),
        (init.he_uniform(), jax.nn.initializers.he_uniform()),
        (init.orthogonal(1.5), jax.nn.initializers.orthogonal(1.5)),
        (init.normal(0.2), jax.nn.initializers.normal(0.2)),
    ]
    for ours, theirs in pairs:
        np.testing.assert_allclose(np.asarray(ours(KEY, shape)), np.asarray(theirs(KEY, shape)),
                                   rtol=1e-6)


def test_gain():
    assert init.gain("linear") == 1.0
    assert init.gain("tanh") == pytest.approx(5.0 / 3.0)
    assert init.gain("relu") == pytest.approx(math.sqrt(2.0))
    with pytest.raises(ValueError, match="nonlinearity must be one of .linear., .tanh., .relu., got .sigmoidal."):
        init.gain("sigmoidal")


@pytest.mark.parametrize("factory,arg,name", [
    (init.normal, 0.0, "std"), (init.normal, -1.0, "std"), (init.normal, float("nan"), "std"),
    (init.normal, "big", "std"), (init.uniform, 0.0, "bound"), (init.uniform, -2.0, "bound"),
    (init.uniform, float("inf"), "bound"), (init.xavier_normal, 0.0, "gain"),
    (init.xavier_uniform, -1.0, "gain"), (init.he_normal, float("nan"), "gain"),
    (init.he_uniform, 0.0, "gain"), (init.orthogonal, -1.0, "gain"),
    (init.constant, float("nan"), "value"), (init.constant, "x", "value"),
])
def test_bad_arguments(factory, arg, name):
    with pytest.raises(ValueError, match=name):
        factory(arg)


@pytest.mark.parametrize("shape", [(3,), (0, 3), (3, -1), (2.5, 3), (2.0, 3), (2, 3, 4), "ab", 5, (True, 2)])
@pytest.mark.parametrize("initializer", ALL)
def test_bad_shape(initializer, shape):
    with pytest.raises(ValueError, match="shape must be"):
        initializer(KEY, shape)


@pytest.mark.parametrize("initializer", ALL)
def test_numpy_integer_shapes_are_integers(initializer):
    assert initializer(KEY, (np.int64(2), np.int32(3))).shape == (2, 3)


def test_bad_std_helper_arguments():
    with pytest.raises(ValueError, match="gain"):
        init.xavier_std(3, 4, gain=0.0)
    with pytest.raises(ValueError, match="shape"):
        init.he_std(0)


def test_relu_depth_std_refuses_bad_input():
    from lesson_lib.exercises.initialization import relu_depth_std

    assert relu_depth_std(0, 1.0) == 1.0
    assert relu_depth_std(4, 1.0) == pytest.approx(0.25)  # (1/√2)^4, by hand
    for depth in (-1, 2.5):
        with pytest.raises(ValueError, match="depth"):
            relu_depth_std(depth, 1.0)
    for scale in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError, match="scale"):
            relu_depth_std(3, scale)
    with pytest.raises(ValueError, match="input_std"):
        relu_depth_std(3, 1.0, input_std=float("nan"))
