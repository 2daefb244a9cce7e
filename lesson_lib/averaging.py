"""Lesson 11: averaging — running averages of the weights along a trajectory, and ensembles.

- `ema(params_sequence, decay)`: the exponential moving average of the weights
  after every step of a trajectory,

      a_0 = θ_0,    a_t = decay · a_{t−1} + (1 − decay) · θ_t,

  and with `decay=None` Polyak averaging, the plain running mean
  `a_t = (θ_0 + … + θ_t) / (t + 1)` (step size `1/(t + 1)`). Each step is
  `optax.incremental_update(θ_t, a_{t−1}, step_size)`, optax's average of
  *parameters* (`optax.ema` averages *updates* instead), inside one `lax.scan`.
- Ensembles: `init_ensemble` stacks independently initialised models (one key
  each, `vmap`), `member_probabilities` runs every member on a batch and
  `ensemble_probabilities` averages their predicted class probabilities
  `p(y | x) = (1/M) Σ_m softmax(f_m(x))`; `error_rate` scores either.

Everything compiles once per shape; `decay` is traced.
"""

from functools import partial
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from lesson_lib import _checks

__all__ = ["ema", "init_ensemble", "member_probabilities", "ensemble_probabilities", "error_rate"]


def _sequence_length(params_sequence) -> int:
    leaves = jax.tree.leaves(params_sequence)
    if not leaves:
        raise ValueError("params_sequence must be a pytree of arrays with a leading step axis, got no arrays")
    lengths = {np.shape(leaf)[0] if np.ndim(leaf) else None for leaf in leaves}
    if None in lengths or len(lengths) != 1 or 0 in lengths:
        raise ValueError("params_sequence must have leaves that share one leading step axis of length >= 1, "
                         f"got leading sizes {sorted(str(n) for n in lengths)}")
    return lengths.pop()


@partial(jax.jit, static_argnames="polyak")
def _ema(sequence, decay, polyak):
    first = jax.tree.map(lambda a: a[0], sequence)
    rest = jax.tree.map(lambda a: a[1:], sequence)

    def step(average, inputs):
        t, params = inputs
        size = 1.0 / (t + 1.0) if polyak else 1.0 - decay
        average = optax.incremental_update(params, average, size)
        return average, average

    n = jax.tree.leaves(sequence)[0].shape[0]
    _, averages = lax.scan(step, first, (jnp.arange(1, n, dtype=jnp.float32), rest))
    return jax.tree.map(lambda a0, a: jnp.concatenate([a0[None], a], axis=0), first, averages)


def ema(params_sequence, decay=None):
    """Running averages of the weights along a trajectory: one average after each step.

    Args:
      params_sequence: a pytree (e.g. an MLP's parameters) whose leaves have a
        leading step axis `T`: the weights after steps 0..T−1.
      decay: the EMA's decay in [0, 1) (0.99 remembers about the last 100
        steps); `None` for Polyak averaging, the running mean of all steps so far.

    Returns:
      A pytree like `params_sequence`: the average after each step (`a_0 = θ_0`).

    Example:
      >>> import jax.numpy as jnp
      >>> ema(jnp.array([0.0, 2.0, 4.0]), 0.5).tolist()       # 0, ½·0 + ½·2, ½·1 + ½·4
      [0.0, 1.0, 2.5]
      >>> ema({"w": jnp.array([0.0, 2.0, 4.0])})["w"].tolist()  # running mean
      [0.0, 1.0, 2.0]
    """
    _sequence_length(params_sequence)
    if decay is not None:
        _checks.finite_float("decay", decay)
        if not 0.0 <= float(decay) < 1.0:
            raise ValueError(f"decay must be in [0, 1), or None for the running mean, got {decay!r}")
    _checks.finite_array("params_sequence", params_sequence)
    sequence = jax.tree.map(lambda a: jnp.asarray(a, jnp.float32), params_sequence)
    return _ema(sequence, jnp.float32(0.0 if decay is None else decay), decay is None)


def init_ensemble(init_fn: Callable, members: int, *, key):
    """`members` independently initialised models, stacked: every leaf gets a leading member axis.

    Args:
      init_fn: `key -> params` (a pytree), e.g. `lambda k: mlp.init_mlp((64, 32, 10), key=k)`.
      members: how many models, an int >= 1.
      key: a `jax.random` key, split into one key per member.

    Example:
      >>> import jax
      >>> from lesson_lib import mlp
      >>> stacked = init_ensemble(lambda k: mlp.init_mlp((3, 4, 2), key=k), 5, key=jax.random.key(0))
      >>> stacked[0]["w"].shape
      (5, 3, 4)
    """
    if not callable(init_fn):
        raise ValueError(f"init_fn must be a function key -> params, got {init_fn!r}")
    _checks.int_in_range("members", members, 1)
    return jax.vmap(init_fn)(jax.random.split(key, int(members)))


@partial(jax.jit, static_argnums=0)
def _members(apply_fn, stacked, x):
    return jax.vmap(lambda p: jax.nn.softmax(apply_fn(p, x), axis=-1))(stacked)


def member_probabilities(apply_fn: Callable, stacked, x):
    """Every member's class probabilities `softmax(apply_fn(params_m, x))`: `(members, batch, classes)`.

    `apply_fn(params, x) -> logits` must be one function object reused from
    call to call (a new lambda each time compiles anew).

    Example:
      >>> import jax.numpy as jnp
      >>> stacked = {"w": jnp.stack([jnp.eye(2), -jnp.eye(2)])}
      >>> probs = member_probabilities(lambda p, x: x @ p["w"], stacked, jnp.array([[5.0, 0.0]]))
      >>> [[[round(float(v), 2) for v in row] for row in member] for member in probs]
      [[[0.99, 0.01]], [[0.01, 0.99]]]
    """
    if not callable(apply_fn):
        raise ValueError(f"apply_fn must be a function (params, x) -> logits, got {apply_fn!r}")
    _checks.finite_array("x", x)
    return _members(apply_fn, stacked, jnp.asarray(x))


def ensemble_probabilities(apply_fn: Callable, stacked, x):
    """The ensemble's prediction: the members' class probabilities averaged, `(batch, classes)`.

    Example:
      >>> import jax.numpy as jnp
      >>> stacked = {"w": jnp.stack([jnp.eye(2), -jnp.eye(2)])}
      >>> probs = ensemble_probabilities(lambda p, x: x @ p["w"], stacked, jnp.array([[5.0, 0.0]]))
      >>> [[round(float(v), 2) for v in row] for row in probs]
      [[0.5, 0.5]]
    """
    return jnp.mean(member_probabilities(apply_fn, stacked, x), axis=0)


def error_rate(probabilities, labels):
    """The fraction of examples whose most probable class is not the label (any leading axes).

    Example:
      >>> import jax.numpy as jnp
      >>> float(error_rate(jnp.array([[0.9, 0.1], [0.4, 0.6]]), jnp.array([0, 0])))
      0.5
    """
    p = jnp.asarray(probabilities)
    labels = jnp.asarray(labels)
    if p.shape[-2:-1] != labels.shape[-1:]:
        raise ValueError(f"probabilities (..., batch, classes) and labels (batch,) disagree: "
                         f"{p.shape} and {labels.shape}")
    predicted = jnp.argmax(p, axis=-1)
    return jnp.mean(predicted != jnp.broadcast_to(labels, predicted.shape), axis=-1)
