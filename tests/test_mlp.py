"""lesson_lib.mlp: shapes, initializers, and the forward pass against NumPy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import init, mlp

PHI = {"linear": lambda z: z, "tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0)}


def numpy_forward(params, x, nonlinearity):
    h, hidden = np.asarray(x, float), []
    for layer in params[:-1]:
        h = PHI[nonlinearity](h @ np.asarray(layer["w"], float) + np.asarray(layer["b"], float))
        hidden.append(h)
    out = h @ np.asarray(params[-1]["w"], float) + np.asarray(params[-1]["b"], float)
    return hidden, out


def test_init_mlp_shapes_initializer_and_bias():
    params = mlp.init_mlp((3, 5, 4, 2), init.constant(0.25), bias=-1.0, key=jax.random.key(0))
    assert [layer["w"].shape for layer in params] == [(3, 5), (5, 4), (4, 2)]
    assert [layer["b"].shape for layer in params] == [(5,), (4,), (2,)]
    for layer in params:
        assert layer["w"].dtype == jnp.float32
        np.testing.assert_array_equal(np.asarray(layer["w"]), 0.25)
        np.testing.assert_array_equal(np.asarray(layer["b"]), -1.0)


@pytest.mark.slow
def test_init_mlp_default_is_glorot_and_layers_differ():
    params = mlp.init_mlp((400, 400, 400), key=jax.random.key(1))
    stds = [float(layer["w"].std()) for layer in params]
    for std in stds:
        assert std == pytest.approx(np.sqrt(2.0 / 800), rel=0.03)
    assert float(jnp.abs(params[0]["w"] - params[1]["w"]).max()) > 0


@pytest.mark.slow
@pytest.mark.parametrize("nonlinearity", ["linear", "tanh", "relu"])
def test_forward_pass_matches_numpy(nonlinearity):
    params = mlp.init_mlp((3, 6, 5, 2), init.xavier_normal(), bias=0.1, key=jax.random.key(2))
    x = jax.random.normal(jax.random.key(3), (7, 3))
    hidden, out = numpy_forward(params, x, nonlinearity)
    got_out = mlp.mlp_apply(params, x, nonlinearity)
    record = mlp.mlp_activations(params, x, nonlinearity)
    np.testing.assert_allclose(np.asarray(got_out), out, rtol=1e-5, atol=1e-6)
    assert len(record) == len(params)
    for got, expected in zip(record[:-1], hidden):
        np.testing.assert_allclose(np.asarray(got), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(record[-1]), out, rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_forward_pass_without_rank_promotion():
    """The bias is broadcast explicitly: works under jax_numpy_rank_promotion='raise'."""
    params = mlp.init_mlp((3, 4, 1), key=jax.random.key(2))
    assert mlp.mlp_apply(params, jnp.ones((2, 3)), "tanh").shape == (2, 1)


def test_bad_arguments():
    with pytest.raises(ValueError, match="activation must be one of"):
        mlp.activation("sigmoidal")
    with pytest.raises(ValueError, match="sizes"):
        mlp.init_mlp((3,), key=jax.random.key(0))
    with pytest.raises(ValueError, match="sizes"):
        mlp.init_mlp((3, 0, 2), key=jax.random.key(0))


@pytest.mark.slow
def test_bad_inputs_name_the_argument():
    import jax
    import jax.numpy as jnp
    import numpy as np
    import pytest

    from lesson_lib import mlp

    key = jax.random.key(0)
    for sizes in ((3,), (3, 0, 1), (3, -2), (3, 2.5, 1), (3, float("nan"))):
        with pytest.raises(ValueError, match="sizes"):
            mlp.init_mlp(sizes, key=key)
    with pytest.raises(ValueError, match="bias"):
        mlp.init_mlp((2, 2), key=key, bias=float("inf"))
    with pytest.raises(ValueError, match="initializer"):
        mlp.init_mlp((2, 2), key=key, initializer=0.1)
    params = mlp.init_mlp((2, 3, 1), key=key)
    with pytest.raises(ValueError, match="activation"):
        mlp.mlp_apply(params, jnp.ones((4, 2)), "gelu")
    with pytest.raises(ValueError, match=r"x must have shape \(batch, 2\)"):
        mlp.mlp_apply(params, jnp.ones((4, 3)))
    with pytest.raises(ValueError, match="x must have shape"):
        mlp.mlp_apply(params, jnp.ones((0, 2)))
    with pytest.raises(ValueError, match="x must contain only finite"):
        mlp.mlp_activations(params, jnp.array([[1.0, np.nan]]))
    with pytest.raises(ValueError, match="params"):
        mlp.mlp_apply([], jnp.ones((1, 2)))
    # Inside jit the checks step aside and the function stays transformable.
    out = jax.jit(lambda p, x: mlp.mlp_apply(p, x))(params, jnp.ones((4, 2)))
    assert out.shape == (4, 1)


def test_init_mlp_takes_its_key_by_keyword():
    with pytest.raises(TypeError):
        mlp.init_mlp(jax.random.key(9), (3, 2))  # a key by position is refused
    with pytest.raises(TypeError):
        mlp.init_mlp((3, 2))  # no silent default key
    with pytest.raises(ValueError, match="key must be a jax.random key"):
        mlp.init_mlp((3, 2), key=9)
    assert mlp.init_mlp((np.int64(3), 2), key=jax.random.key(9))[0]["w"].shape == (3, 2)
