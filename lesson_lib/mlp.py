"""Wide multilayer perceptrons: the networks of lessons 05 (initialization) and 07 (schedules).

`params` is a list of layers, each a dict with weights `w` of shape
`(fan_in, fan_out)` and biases `b` of shape `(fan_out,)`. Hidden layers compute
`h_{l+1} = φ(h_l W_l + b_l)`; the last layer is linear.
"""

from typing import Callable

import jax
import jax.numpy as jnp

ACTIVATIONS: dict[str, Callable] = {
    "linear": lambda z: z,
    "tanh": jnp.tanh,
    "relu": jax.nn.relu,
}


def activation(name: str) -> Callable:
    """The nonlinearity called `name` (one of `ACTIVATIONS`)."""
    if name not in ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(ACTIVATIONS)}, got {name!r}")
    return ACTIVATIONS[name]


def init_mlp(key, sizes, initializer: Callable | None = None, bias: float = 0.0):
    """Layers for widths `sizes = (inputs, hidden..., outputs)`.

    Args:
      key: a `jax.random` key (split once per layer).
      sizes: layer widths, at least two entries, each >= 1.
      initializer: `(key, (fan_in, fan_out)) -> weights`, e.g. from
        `lesson_lib.init`; default Glorot/Xavier normal.
      bias: the constant every bias starts at.

    Example:
      >>> import jax
      >>> params = init_mlp(jax.random.key(0), (3, 4, 2))
      >>> [layer["w"].shape for layer in params]
      [(3, 4), (4, 2)]
    """
    sizes = [int(s) for s in sizes]
    if len(sizes) < 2 or min(sizes) < 1:
        raise ValueError(f"sizes must list at least two widths, each >= 1, got {sizes!r}")
    initializer = initializer or jax.nn.initializers.glorot_normal()
    keys = jax.random.split(key, len(sizes) - 1)
    return [
        {"w": initializer(k, (n_in, n_out)).astype(jnp.float32),
         "b": jnp.full((n_out,), bias, jnp.float32)}
        for k, n_in, n_out in zip(keys, sizes[:-1], sizes[1:])
    ]


def mlp_apply(params, x, nonlinearity: str = "tanh"):
    """The network's output for a batch `x` of shape `(batch, inputs)`."""
    phi = activation(nonlinearity)
    h = x
    for layer in params[:-1]:
        h = phi(h @ layer["w"] + layer["b"][None, :])
    return h @ params[-1]["w"] + params[-1]["b"][None, :]


def mlp_activations(params, x, nonlinearity: str = "tanh"):
    """Every hidden layer's activations `[h_1, ..., h_{L-1}]` and the output, for histograms."""
    phi = activation(nonlinearity)
    h, record = x, []
    for layer in params[:-1]:
        h = phi(h @ layer["w"] + layer["b"][None, :])
        record.append(h)
    record.append(h @ params[-1]["w"] + params[-1]["b"][None, :])
    return record
