"""Optimizers on optax, with one fixed set of conventions for the lessons.

Introduced in lesson 06. `make(name, **hyper)` returns an optax
`GradientTransformation` for one of seven update rules. Every numeric
hyperparameter lives in the optimizer *state* (`optax.inject_hyperparams`), and
`make` hands out the *same* `update` function for the same rule and structure,
so `lesson_lib.train.optimize` (whose compiled loop is keyed on `update`) never
recompiles when a slider changes a learning rate, a momentum or a beta.

Conventions (`g` the gradient, `θ` the parameters, `lr` the learning
rate; all state starts at 0):

- ``sgd``:       `θ -= lr·g`.
- ``momentum``:  `v = mu·v + g;  θ -= lr·v` (optax and PyTorch). Under a constant
  rate this equals the lecture-notes form `v = mu·v − lr·g;  θ += v`; under a schedule
  the two differ (lesson 07). `momentum=0.9`.
- ``nesterov``:  `v = mu·v + g;  θ -= lr·(g + mu·v)` (PyTorch's form of the
  look-ahead gradient). `momentum=0.9`.
- ``adagrad``:   `c = c + g²;  θ -= lr·g / (sqrt(c) + eps)`, `c` starting at 0
  (optax's own starts at 0.1 and puts `eps` inside the root). `eps=1e-8`.
- ``rmsprop``:   `c = decay·c + (1 − decay)·g²;  θ -= lr·g / (sqrt(c) + eps)`.
  `decay=0.99`, `eps=1e-8` outside the root.
- ``adam``:      `m = b1·m + (1 − b1)·g;  s = b2·s + (1 − b2)·g²;`
  `θ -= lr·m̂ / (sqrt(ŝ) + eps)` with `m̂ = m/(1 − b1ᵗ)`, `ŝ = s/(1 − b2ᵗ)` when
  `bias_correction=True` (the default), `m̂ = m`, `ŝ = s` otherwise.
  `b1=0.9, b2=0.999, eps=1e-8`.
- ``rprop``:     PyTorch's Rprop. Each coordinate keeps a step size `Δ`
  (starting at `lr`). If `g·g_prev > 0`: `Δ = min(Δ·eta_plus, max_step_size)`;
  if `< 0`: `Δ = max(Δ·eta_minus, min_step_size)` and this step's gradient is
  set to 0 (no move, and it is remembered as 0); if `= 0`: `Δ` is kept.
  Then `θ -= Δ·sign(g)`. `eta_minus=0.5, eta_plus=1.2`, steps clipped to
  `[1e-6, 50]`. (optax 0.2.8's `optax.rprop` emits each update one step late —
  its first update is 0 — so this one is written here.)

Any numeric hyperparameter may also be a schedule, a function of the step
count (lesson 07); a schedule is part of the structure, so a new schedule
function compiles once.
"""

import functools
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax

from lesson_lib import _checks

__all__ = [
    "AdagradState",
    "scale_by_adagrad",
    "AdamState",
    "scale_by_adam_uncorrected",
    "RpropState",
    "rprop_updates",
    "NAMES",
    "defaults",
    "make",
    "hyperparams",
]

# ---------------------------------------------------------------------------
# Update rules optax does not provide with the lessons' conventions.


class AdagradState(NamedTuple):
    """Sum of squared gradients so far (starts at 0)."""

    sum_of_squares: optax.Updates


def scale_by_adagrad(eps=1e-8) -> optax.GradientTransformation:
    """`u = g / (sqrt(c) + eps)` with `c = c + g²`, `c` starting at 0."""

    def init(params):
        return AdagradState(optax.tree.zeros_like(params))

    def update(updates, state, params=None):
        del params
        total = jax.tree.map(lambda g, c: c + g * g, updates, state.sum_of_squares)
        scaled = jax.tree.map(lambda g, c: g / (jnp.sqrt(c) + eps), updates, total)
        return scaled, AdagradState(total)

    return optax.GradientTransformation(init, update)


class AdamState(NamedTuple):
    """Running first moment `mu`, second moment `nu` and step count."""

    count: jax.Array
    mu: optax.Updates
    nu: optax.Updates


def scale_by_adam_uncorrected(b1=0.9, b2=0.999, eps=1e-8) -> optax.GradientTransformation:
    """Adam without bias correction: `u = m / (sqrt(s) + eps)` (for the lesson 06 demo)."""

    def init(params):
        zeros = optax.tree.zeros_like(params)
        return AdamState(jnp.zeros([], jnp.int32), zeros, zeros)

    def update(updates, state, params=None):
        del params
        mu = jax.tree.map(lambda g, m: b1 * m + (1 - b1) * g, updates, state.mu)
        nu = jax.tree.map(lambda g, s: b2 * s + (1 - b2) * g * g, updates, state.nu)
        scaled = jax.tree.map(lambda m, s: m / (jnp.sqrt(s) + eps), mu, nu)
        return scaled, AdamState(optax.safe_increment(state.count), mu, nu)

    return optax.GradientTransformation(init, update)


class RpropState(NamedTuple):
    """Per-coordinate step sizes (0 = not yet started) and the previous gradient (maybe zeroed)."""

    step_sizes: optax.Updates
    prev_grads: optax.Updates


def rprop_updates(
    learning_rate=0.01, eta_minus=0.5, eta_plus=1.2, min_step_size=1e-6, max_step_size=50.0
) -> optax.GradientTransformation:
    """PyTorch's Rprop as a transformation returning the update `−Δ·sign(g)` itself.

    The state starts with step sizes 0, read as "start at `learning_rate`" on
    the first update (after it every step size is >= `min_step_size` > 0), so
    the state's layout does not depend on the learning rate.
    """

    def init(params):
        zeros = optax.tree.zeros_like(params)
        return RpropState(zeros, zeros)

    def update(updates, state, params=None):
        del params
        agree = jax.tree.map(lambda g, p: jnp.sign(g * p), updates, state.prev_grads)
        factor = jax.tree.map(
            lambda s: jnp.where(s > 0, eta_plus, jnp.where(s < 0, eta_minus, 1.0)), agree
        )
        previous = jax.tree.map(
            lambda d: jnp.where(d > 0, d, learning_rate).astype(d.dtype), state.step_sizes
        )
        steps = jax.tree.map(
            lambda d, f: jnp.clip(d * f, min_step_size, max_step_size), previous, factor
        )
        grads = jax.tree.map(lambda g, s: jnp.where(s < 0, jnp.zeros_like(g), g), updates, agree)
        moves = jax.tree.map(lambda g, d: -d * jnp.sign(g), grads, steps)
        return moves, RpropState(steps, grads)

    return optax.GradientTransformation(init, update)


# ---------------------------------------------------------------------------
# The registry: each rule's factory, default hyperparameters and allowed ranges.


def _sgd(learning_rate):
    return optax.sgd(learning_rate)


def _momentum(learning_rate, momentum):
    return optax.sgd(learning_rate, momentum=momentum, nesterov=False)


def _nesterov(learning_rate, momentum):
    return optax.sgd(learning_rate, momentum=momentum, nesterov=True)


def _adagrad(learning_rate, eps):
    return optax.chain(scale_by_adagrad(eps), optax.scale_by_learning_rate(learning_rate))


def _rmsprop(learning_rate, decay, eps):
    return optax.rmsprop(learning_rate, decay=decay, eps=eps, eps_in_sqrt=False)


def _adam(learning_rate, b1, b2, eps, *, bias_correction):
    if bias_correction:
        return optax.adam(learning_rate, b1=b1, b2=b2, eps=eps)
    return optax.chain(
        scale_by_adam_uncorrected(b1, b2, eps), optax.scale_by_learning_rate(learning_rate)
    )


def _rprop(learning_rate, eta_minus, eta_plus, min_step_size, max_step_size):
    return rprop_updates(learning_rate, eta_minus, eta_plus, min_step_size, max_step_size)


class _Rule(NamedTuple):
    factory: Callable
    numeric: dict  # name -> default value
    structural: dict  # name -> default value (Python options fixed at compile time)


_RULES = {
    "sgd": _Rule(_sgd, {"learning_rate": 0.01}, {}),
    "momentum": _Rule(_momentum, {"learning_rate": 0.01, "momentum": 0.9}, {}),
    "nesterov": _Rule(_nesterov, {"learning_rate": 0.01, "momentum": 0.9}, {}),
    "adagrad": _Rule(_adagrad, {"learning_rate": 0.01, "eps": 1e-8}, {}),
    "rmsprop": _Rule(_rmsprop, {"learning_rate": 0.01, "decay": 0.99, "eps": 1e-8}, {}),
    "adam": _Rule(
        _adam,
        {"learning_rate": 0.001, "b1": 0.9, "b2": 0.999, "eps": 1e-8},
        {"bias_correction": True},
    ),
    "rprop": _Rule(
        _rprop,
        {
            "learning_rate": 0.01,
            "eta_minus": 0.5,
            "eta_plus": 1.2,
            "min_step_size": 1e-6,
            "max_step_size": 50.0,
        },
        {},
    ),
}

NAMES = tuple(_RULES)
"""The seven optimizer names `make` accepts."""


def _in_unit_interval(name, value):
    _checks.number(name, value, low=0.0, high=1.0, high_open=True)


def _non_negative(name, value):
    _checks.number(name, value, low=0.0)


def _check_eta_minus(name, value):
    _checks.number(name, value, low=0.0, high=1.0, low_open=True, high_open=True)


def _check_eta_plus(name, value):
    _checks.number(name, value, low=1.0, low_open=True)


_CHECKS = {
    "learning_rate": _checks.positive_float,
    "momentum": _in_unit_interval,
    "decay": _in_unit_interval,
    "b1": _in_unit_interval,
    "b2": _in_unit_interval,
    "eps": _non_negative,
    "eta_minus": _check_eta_minus,
    "eta_plus": _check_eta_plus,
    "min_step_size": _checks.positive_float,
    "max_step_size": _checks.positive_float,
}


def _check_name(name):
    if name not in _RULES:
        raise ValueError(f"unknown optimizer name {name!r}; choose one of {', '.join(NAMES)}")


def defaults(name: str) -> dict:
    """The default hyperparameters of optimizer `name` (a fresh dict).

    Example:
      >>> defaults("rmsprop")
      {'learning_rate': 0.01, 'decay': 0.99, 'eps': 1e-08}
    """
    _check_name(name)
    rule = _RULES[name]
    return {**rule.numeric, **rule.structural}


# A true constant per key, so caching it is safe: the optax transformation for one
# (rule, structure, schedules) is a pure value. Bounded (256 entries). Sharing it keeps
# `update` the same object across `make` calls, so code compiled for it is reused.
@functools.lru_cache(maxsize=256)
def _template(name, structural, schedules):
    """One inject_hyperparams transform per (rule, structure) and its jitted `init`.

    `init` is jitted once per transform: JAX's own compilation cache then keeps one
    initial state computation per parameter layout (shapes and dtypes), with no
    dictionary of states here. No inner state depends on a hyperparameter's value
    (they all start at zero); the values are put in afterwards by `make`'s `init`.
    """
    rule = _RULES[name]
    factory = functools.partial(rule.factory, **dict(structural))
    template = optax.inject_hyperparams(factory)(**{**rule.numeric, **dict(schedules)})
    return template, jax.jit(template.init)


def make(name: str, **hyper) -> optax.GradientTransformation:
    """An optax optimizer by name, with its hyperparameters held in its state.

    Args:
      name: one of "sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam",
        "rprop" (conventions and formulas in the module docstring).
      **hyper: hyperparameters named as in optax (`learning_rate`, `momentum`,
        `decay`, `b1`, `b2`, `eps`, `eta_minus`, `eta_plus`, `min_step_size`,
        `max_step_size`) plus, for adam, `bias_correction` (bool). Numeric values
        go into `state.hyperparams` as float arrays; a callable is a schedule of
        the step count.

    Returns:
      A `GradientTransformation` whose `update` is the same object for every call
      with the same name, the same `bias_correction` and the same schedules, so
      `lesson_lib.train.optimize` compiles once for all numeric values.

    Raises:
      ValueError: for an unknown name (listing the seven) or hyperparameter
        (listing that optimizer's), or a value out of range.

    Example:
      >>> import jax.numpy as jnp
      >>> opt = make("momentum", learning_rate=0.1, momentum=0.5)
      >>> state = opt.init(jnp.zeros(1))
      >>> u1, state = opt.update(jnp.ones(1), state)
      >>> u2, state = opt.update(jnp.ones(1), state)
      >>> [round(float(u1[0]), 4), round(float(u2[0]), 4)]
      [-0.1, -0.15]
      >>> make("adam", learning_rate=0.2).update is make("adam", b1=0.5).update
      True
    """
    _check_name(name)
    rule = _RULES[name]
    unknown = sorted(set(hyper) - set(rule.numeric) - set(rule.structural))
    if unknown:
        valid = ", ".join([*rule.numeric, *rule.structural])
        raise ValueError(
            f"unknown hyperparameter {', '.join(unknown)} for optimizer {name!r}; "
            f"valid: {valid}"
        )
    structural = {**rule.structural}
    for key in rule.structural:
        if key in hyper:
            if not isinstance(hyper[key], bool):
                raise ValueError(f"{key} must be True or False, got {hyper[key]!r}")
            structural[key] = hyper[key]
    numbers, schedules = {}, {}
    for key, default in rule.numeric.items():
        value = hyper.get(key, default)
        if callable(value):
            schedules[key] = value
        else:
            _CHECKS[key](key, value)
            numbers[key] = value
    if "min_step_size" in numbers and "max_step_size" in numbers:
        low, high = numbers["min_step_size"], numbers["max_step_size"]
        if not (_checks.is_traced(low) or _checks.is_traced(high)) and float(low) > float(high):
            raise ValueError(
                f"min_step_size must be <= max_step_size, got {low!r} > {high!r}"
            )
    template, template_init = _template(name, tuple(structural.items()), tuple(schedules.items()))

    def init(params):
        state = template_init(params)
        hyperparams = dict(state.hyperparams)
        for key, value in numbers.items():
            dtype = state.hyperparams[key].dtype
            hyperparams[key] = (
                jnp.asarray(value, dtype) if _checks.is_traced(value) else np.asarray(value, dtype)
            )
        return state._replace(hyperparams=hyperparams)

    return optax.GradientTransformation(init, template.update)


def hyperparams(state) -> dict:
    """The current numeric hyperparameters in a state made by `make(...).init`, as floats.

    Example:
      >>> import jax.numpy as jnp
      >>> hyperparams(make("sgd", learning_rate=0.5).init(jnp.zeros(2)))
      {'learning_rate': 0.5}
    """
    return {key: float(value) for key, value in state.hyperparams.items()}

