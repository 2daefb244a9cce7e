"""Lesson 06's race courses and its mini-batch line fit: the math behind the optimizer playgrounds.

A *course* is a 2-D landscape with a start, a plotted window and a finish line
(`Landscape`); `default_landscapes` holds the lesson's four (a tilted
ill-conditioned bowl, Rosenbrock's valley, a saddle, lesson 01's narrow net).
`race_hyperparams` says which hyperparameters each optimizer of the race reads.

The mini-batch part fits a line `ŷ = w·x + b`: `line_fit_loss` is the squared
error on the first `size` examples of a random order, scaled by `scale`
(`1/size`: the batch mean, `1`: the sum); `full_line_fit_loss` is the mean
over all the data; `shuffled_indices(n)` draws a fresh order each step.

Example:
  >>> import jax.numpy as jnp
  >>> x, y = jnp.array([0.0, 1.0, 2.0]), jnp.array([1.0, 3.0, 5.0])
  >>> float(full_line_fit_loss(jnp.array([2.0, 1.0]), x, y))
  0.0
  >>> float(line_fit_loss(jnp.array([0.0, 0.0]), jnp.array([2, 0, 1]), 2.0, 0.5, x, y))
  13.0
"""

import functools
import math
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp

from lesson_lib import landscapes
from lesson_lib.data import linear_regression_data

__all__ = ["Landscape", "default_landscapes", "ADAPTIVE", "race_hyperparams", "line_fit_loss",
           "shuffled_indices", "full_line_fit_loss"]


class Landscape(NamedTuple):
    """A race course: the loss, a start, the plotted window and the finish line."""

    loss: Callable
    start: tuple
    xlim: tuple
    ylim: tuple
    threshold: float  # "finished" = loss at or below this
    lr: float  # default learning rate of the SGD family
    adaptive_lr: float  # default learning rate of the adaptive methods
    log_loss: bool = True  # False for landscapes that go below zero (the saddle)
    minimum: tuple | None = None


def default_landscapes() -> dict:
    """The four courses of lesson 06, by name."""
    x, y = linear_regression_data(n=50, slope=2.0, noise=0.1, key=jax.random.key(0))
    return {
        "ill-conditioned bowl (κ = 50)": Landscape(
            landscapes.ill_conditioned_quadratic(50.0, math.pi / 6), (-2.5, 1.5),
            (-3.0, 3.0), (-2.0, 2.0), 1e-3, 0.02, 0.05, minimum=(0.0, 0.0),
        ),
        "Rosenbrock valley": Landscape(
            landscapes.rosenbrock(), (-1.2, 1.0), (-2.0, 2.0), (-1.0, 3.0), 1e-2,
            1.5e-3, 0.05, minimum=(1.0, 1.0),
        ),
        "saddle θ₁² − θ₂²": Landscape(
            landscapes.saddle(), (1.0, 1e-3), (-1.5, 1.5), (-1.5, 1.5), -1.0, 0.05, 0.05,
            log_loss=False,
        ),
        "narrow net y = x·w1·w2": Landscape(
            landscapes.narrow_landscape(x, y), (0.05, 0.02), (-2.5, 2.5), (-2.5, 2.5), 2e-2,
            0.05, 0.05,
        ),
    }


ADAPTIVE = ("adagrad", "rmsprop", "adam", "rprop")
"""The optimizers that scale each coordinate's step by its own gradient history."""


def race_hyperparams(name, lr, adaptive_lr, momentum, b1, b2, decay) -> dict:
    """The hyperparameters that apply to optimizer `name`, as `optim.make` keywords.

    Example:
      >>> race_hyperparams("adam", 0.1, 0.05, 0.9, 0.8, 0.99, 0.9)
      {'learning_rate': 0.05, 'b1': 0.8, 'b2': 0.99}
    """
    hyper = {"learning_rate": float(adaptive_lr if name in ADAPTIVE else lr)}
    if name in ("momentum", "nesterov"):
        hyper["momentum"] = float(momentum)
    if name == "adam":
        hyper.update(b1=float(b1), b2=float(b2))
    if name == "rmsprop":
        hyper["decay"] = float(decay)
    return hyper


def line_fit_loss(params, order, size, scale, x, y):
    """Squared error of `ŷ = w·x + b` on the first `size` examples of `order`, times `scale`.

    `scale = 1/size` gives the mean over the batch (the usual convention),
    `scale = 1` the sum. All examples are always computed and the unused ones
    masked out, so a new batch size is a new number, not a new shape: no
    recompilation.
    """
    w, b = params[0], params[1]
    errors = (y[order] - (w * x[order] + b)) ** 2
    mask = jnp.arange(order.shape[0]) < size
    return scale * jnp.sum(jnp.where(mask, errors, 0.0))


@functools.lru_cache(maxsize=16)
def shuffled_indices(n: int) -> Callable:
    """`batch_fn(key, step)`: a random order of the `n` examples (one function object per n)."""

    def order(key, step):
        del step
        return jax.random.permutation(key, n)

    return order


def full_line_fit_loss(params, x, y):
    """Mean squared error of `ŷ = w·x + b` over the whole data set."""
    return jnp.mean((y - (params[0] * x + params[1])) ** 2)
