"""Lesson 11's exercise checker: inverted dropout.

The learner writes `fn(x, rate, *, key, train=True)`: in training, zero each
entry with probability `rate` and scale the survivors by `1/(1 − rate)`; in
evaluation return `x` unchanged. The checker runs it on large arrays and
checks the statistics (the zero fraction, the survivors' value, the mean), the
identity in evaluation and at `rate = 0`, and that a new key gives a new mask.
It recognises the usual slips and never raises.
"""

from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib.exercises import CheckResult, call_answer, failed, passed

__all__ = ["check_dropout"]

_SHAPE = (400, 500)
_RATES = (0.5, 0.2, 0.8)
_TOLERANCE = 0.01  # 200 000 entries: the zero fraction's standard deviation is about 0.001


def _as_array(got, shape):
    try:
        array = np.asarray(got, dtype=np.float64)
    except (TypeError, ValueError):
        return None, failed(f"Your function returned {type(got).__name__}; it should return an array.")
    if array.shape != shape:
        return None, failed(f"Your function returned shape {array.shape}; dropout keeps the shape {shape}.")
    return array, None


def _run(fn, x, rate, key, train):
    got, problem = call_answer(lambda: fn(x, rate, key=key, train=train))
    if problem is not None:
        return None, problem
    return _as_array(got, x.shape)


def check_dropout(fn: Callable) -> CheckResult:
    """Check `fn(x, rate, *, key, train=True)`, an inverted dropout.

    Example:
      >>> from lesson_lib import regularize
      >>> check_dropout(regularize.dropout).passed
      True
      >>> print(check_dropout(lambda x, rate, *, key, train=True: x))
      ❌ With rate = 0.5 no entry was zeroed; expected about 50 % zeros.
      Hint: draw keep = jax.random.bernoulli(key, 1 - rate, x.shape) and zero the entries where keep is False.
    """
    x = jnp.ones(_SHAPE, jnp.float32)
    for i, rate in enumerate(_RATES):
        y, problem = _run(fn, x, rate, jax.random.key(i), True)
        if problem is not None:
            return problem
        zeros = float(np.mean(y == 0))
        kept = y[y != 0]
        if zeros == 0:
            return failed(f"With rate = {rate} no entry was zeroed; expected about {100 * rate:.0f} % zeros.",
                          "draw keep = jax.random.bernoulli(key, 1 - rate, x.shape) and zero the entries "
                          "where keep is False.")
        if abs(zeros - (1 - rate)) < _TOLERANCE and abs(rate - 0.5) > 0.05:
            return failed(f"With rate = {rate} you zeroed {100 * zeros:.0f} % of the entries; expected "
                          f"{100 * rate:.0f} %.", "rate is the probability of dropping an entry, so an entry "
                          "is kept with probability 1 − rate.")
        if abs(zeros - rate) > _TOLERANCE:
            return failed(f"With rate = {rate} you zeroed {100 * zeros:.1f} % of the entries; expected "
                          f"{100 * rate:.0f} % (± {100 * _TOLERANCE:.0f}).",
                          "each entry should be zeroed independently with probability rate.")
        expected = 1.0 / (1.0 - rate)
        if kept.size and np.allclose(kept, 1.0):
            return failed(f"With rate = {rate} the surviving entries of ones are still 1; expected "
                          f"1/(1 − rate) = {expected:.3g}.", "inverted dropout scales the survivors by "
                          "1/(1 − rate) in training, so that the mean stays what it was.")
        if kept.size and np.allclose(kept, 1.0 - rate):
            return failed(f"With rate = {rate} the surviving entries are {1 - rate:.3g}; expected "
                          f"1/(1 − rate) = {expected:.3g}.", "divide by (1 − rate), do not multiply: "
                          "that is the old, non-inverted scaling done at test time.")
        if not np.allclose(kept, expected, rtol=1e-5):
            return failed(f"With rate = {rate} the surviving entries of ones should all be {expected:.4g}; "
                          f"got values from {kept.min():.4g} to {kept.max():.4g}.",
                          "keep x where the mask is True, scaled by 1/(1 − rate), and 0 elsewhere.")
    first, problem = _run(fn, x, 0.5, jax.random.key(0), True)
    again, problem2 = _run(fn, x, 0.5, jax.random.key(7), True)
    if problem is not None or problem2 is not None:
        return problem or problem2
    if np.array_equal(first, again):
        return failed("Two different keys gave the same mask.", "draw the mask from the `key` argument.")
    z = jax.random.normal(jax.random.key(3), (30, 20))
    for rate, train, what in ((0.5, False, "with train=False"), (0.0, True, "with rate = 0")):
        y, problem = _run(fn, z, rate, jax.random.key(1), train)
        if problem is not None:
            return problem
        if not np.allclose(y, np.asarray(z), rtol=1e-6, atol=1e-7):
            return failed(f"{what[0].upper() + what[1:]} dropout should return x unchanged; it did not "
                          f"(largest difference {np.abs(y - np.asarray(z)).max():.3g}).",
                          "in evaluation (train=False) return x as it is: the scaling already happened "
                          "in training.")
    return passed(f"Correct: about rate of the entries zeroed and the rest scaled by 1/(1 − rate) for rates "
                  f"{', '.join(str(r) for r in _RATES)}; a new key gives a new mask; identity in evaluation "
                  "and at rate 0.")
