"""Wide multilayer perceptrons: the networks of lessons 05 (initialization) and 07 (schedules).

`params` is a list of layers, each a dict with weights `w` of shape
`(fan_in, fan_out)` and biases `b` of shape `(fan_out,)`. Hidden layers compute
`h_{l+1} = φ(h_l W_l + b_l)`; the last layer is linear. Matrix products run at
full float32 precision (`Precision.HIGHEST`), so a GPU gives the CPU's results
rather than rounding float32 products to fewer bits.
"""

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lesson_lib import _checks

__all__ = ["ACTIVATIONS", "activation", "init_mlp", "scaled_weights", "mlp_apply", "mlp_activations"]

ACTIVATIONS: dict[str, Callable] = {
    "linear": lambda z: z,
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
}


def activation(name: str) -> Callable:
    """The nonlinearity called `name` (one of `ACTIVATIONS`)."""
    return ACTIVATIONS[_checks.one_of("activation", name, ACTIVATIONS)]


def init_mlp(sizes, initializer: Callable | None = None, bias: float = 0.0, *, key):
    """Layers for widths `sizes = (inputs, hidden..., outputs)`.

    Args:
      sizes: layer widths, at least two entries, each an integer >= 1.
      initializer: `(key, (fan_in, fan_out)) -> weights`, e.g. from
        `lesson_lib.init` (the `jax.nn.initializers` protocol); default
        Glorot/Xavier normal.
      bias: the constant every bias starts at.
      key: a `jax.random` key (keyword-only; split once per layer).

    Example:
      >>> import jax
      >>> params = init_mlp((3, 4, 2), key=jax.random.key(0))
      >>> [layer["w"].shape for layer in params]
      [(3, 4), (4, 2)]
    """
    try:
        sizes = list(sizes)
    except TypeError:
        raise ValueError(f"sizes must list at least two widths, each >= 1, got {sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least two widths, each >= 1, got {sizes!r}")
    sizes = [_checks.integer("every entry of sizes", size, 1) for size in sizes]
    _checks.finite_float("bias", bias)
    _checks.prng_key("key", key)
    _checks.function("initializer", initializer, "(key, (fan_in, fan_out)) -> weights", optional=True)
    initializer = initializer or jax.nn.initializers.glorot_normal()
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {"w": initializer(k, (n_in, n_out)).astype(jnp.float32),
         "b": jnp.full((n_out,), bias, jnp.float32)}
        for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:])
    ]


def _dense(h, layer):
    return jnp.matmul(h, layer["w"], precision=lax.Precision.HIGHEST) + layer["b"][None, :]


def _check_inputs(params, x):
    """Raise unless `params` is a non-empty list of layers and `x` a finite `(batch, inputs)` batch."""
    if not isinstance(params, (list, tuple)) or not params or not all(
            isinstance(layer, dict) and "w" in layer and "b" in layer for layer in params):
        raise ValueError("params must be a non-empty list of layers {'w': ..., 'b': ...} "
                         "(as init_mlp returns)")
    inputs = np.shape(params[0]["w"])[0]
    _checks.array_shape("x", x, (None, inputs), f"(batch, {inputs}) with batch >= 1")
    _checks.finite_array("x", x)


def mlp_apply(params, x, nonlinearity: str = "tanh"):
    """The network's output for a batch `x` of shape `(batch, inputs)`.

    Example:
      >>> import jax.numpy as jnp
      >>> params = [{"w": jnp.ones((2, 3)), "b": jnp.zeros(3)},
      ...           {"w": jnp.ones((3, 1)), "b": jnp.ones(1)}]
      >>> mlp_apply(params, jnp.array([[1.0, -2.0]]), "relu").tolist()  # relu(-1)·3 + 1
      [[1.0]]
    """
    phi = activation(nonlinearity)
    _check_inputs(params, x)
    h = x
    for layer in params[:-1]:
        h = phi(_dense(h, layer))
    return _dense(h, params[-1])


def mlp_activations(params, x, nonlinearity: str = "tanh"):
    """Every hidden layer's activations `[h_1, ..., h_{L-1}]` and the output, for histograms."""
    phi = activation(nonlinearity)
    _check_inputs(params, x)
    h, record = x, []
    for layer in params[:-1]:
        h = phi(_dense(h, layer))
        record.append(h)
    record.append(_dense(h, params[-1]))
    return record


def scaled_weights(params, scale: float):
    """`params` (a list of `{"w", "b"}` layers) with every weight matrix multiplied by `scale`, biases unchanged.

    Lesson 09's initialization-scale slider: the same draw, only larger or smaller.

    Example:
      >>> import jax.numpy as jnp
      >>> scaled_weights([{"w": jnp.ones((2, 2)), "b": jnp.ones(2)}], 3.0)[0]["w"].tolist()
      [[3.0, 3.0], [3.0, 3.0]]
    """
    return [{"w": scale * layer["w"], "b": layer["b"]} for layer in params]
