"""The library's one conventions layer: argument checks with clear `ValueError`s, never silent NaNs.

Every public function of the library checks its arguments with these helpers,
so one rule holds everywhere and every message has one shape:
`"<argument> must be <what is allowed>, got <what came>"`.

- Numbers: `number` (an interval, open or closed at either end), with the
  shorthands `positive_float` (> 0) and `finite_float`.
- Integers, ONE policy (`integer`, `int_in_range`): a Python `int`, a NumPy
  integer (`np.int64(3)`, what NumPy arrays hand out) or a 0-d integer array
  is accepted; `bool` (`True` is not a count) and every float, even `2.0`, are
  refused. An integer-valued float usually means a slider or a division gave
  a float where a count belongs, and accepting it would hide that.
- Arrays: `finite_array` (non-empty, no NaN/inf), `same_shape`, `array_shape`.
- Choices: `one_of`. Randomness: `prng_key` (a `jax.random` key).

Checks run only on concrete Python/NumPy values. Inside `jit` or `vmap` the
arguments are tracers and the checks step aside, so validated functions stay
transformable.
"""

import math

import jax
import numpy as np

__all__ = [
    "is_traced", "number", "positive_float", "finite_float", "integer", "int_in_range",
    "same_shape", "array_shape", "finite_array", "finite_args", "one_of", "function", "is_prng_key",
    "prng_key",
]


def is_traced(value) -> bool:
    """True when `value` is a JAX tracer (we are inside jit, vmap, grad...)."""
    return isinstance(value, jax.core.Tracer)


def _interval(low, high, low_open, high_open) -> str:
    if low is None and high is None:
        return "a finite number"
    if high is None:
        return f"a finite number {'>' if low_open else '>='} {low:g}"
    if low is None:
        return f"a finite number {'<' if high_open else '<='} {high:g}"
    return f"a number in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def number(name: str, value, *, low: float | None = None, high: float | None = None,
           low_open: bool = False, high_open: bool = False) -> float:
    """`float(value)`, or a `ValueError` unless it is a finite number in the interval.

    The interval is `[low, high]`; `low_open` / `high_open` leave an end out, a
    `None` end is unbounded. A `bool` is refused (it is not a quantity). A traced
    value is returned unchanged.

    Example:
      >>> number("mu", 0.9, low=0.0, high=1.0, high_open=True)
      0.9
      >>> number("mu", 1.0, low=0.0, high=1.0, high_open=True)
      Traceback (most recent call last):
      ...
      ValueError: mu must be a number in [0, 1), got 1.0
    """
    if is_traced(value):
        return value
    allowed = _interval(low, high, low_open, high_open)
    if isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {allowed}, got {value!r}") from None
    if (not math.isfinite(result)
            or (low is not None and (result < low or (low_open and result == low)))
            or (high is not None and (result > high or (high_open and result == high)))):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return result


def positive_float(name: str, value) -> float:
    """`number(name, value)` > 0 (e.g. a learning rate).

    Example:
      >>> positive_float("lr", 0)
      Traceback (most recent call last):
      ...
      ValueError: lr must be a finite number > 0, got 0
    """
    return number(name, value, low=0.0, low_open=True)


def finite_float(name: str, value) -> float:
    """`number(name, value)` with no bounds: any finite number."""
    return number(name, value)


def _is_integer(value) -> bool:
    """The one integer policy: int or NumPy integer (or a 0-d integer array); never bool or float."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, (int, np.integer)):
        return True
    if isinstance(value, (np.ndarray, jax.Array)) and np.ndim(value) == 0:
        return np.issubdtype(value.dtype, np.integer)
    return False


def integer(name: str, value, low: int | None = None, high: int | None = None) -> int:
    """`int(value)`, or a `ValueError` unless `value` is an integer with `low <= value <= high`.

    Accepted: a Python `int`, a NumPy integer, a 0-d integer array. Refused:
    `bool`, every float (even `2.0`), strings, `None`. A `None` bound is
    unbounded. A traced value is returned unchanged.

    Example:
      >>> integer("depth", np.int64(3), 1, 10)
      3
      >>> integer("depth", 2.0, 1, 10)
      Traceback (most recent call last):
      ...
      ValueError: depth must be an integer in [1, 10], got 2.0 (a float: write 2, not 2.0)
    """
    if is_traced(value):
        return value
    if low is None and high is None:
        allowed = "an integer"
    elif high is None:
        allowed = f"an integer >= {low}"
    elif low is None:
        allowed = f"an integer <= {high}"
    else:
        allowed = f"an integer in [{low}, {high}]"
    if not _is_integer(value):
        note = ""
        if isinstance(value, (float, np.floating)) and math.isfinite(value) and float(value).is_integer():
            note = f" (a float: write {int(value)}, not {value!r})"
        elif isinstance(value, (bool, np.bool_)):
            note = " (a bool, not a count)"
        raise ValueError(f"{name} must be {allowed}, got {value!r}{note}")
    result = int(value)
    if (low is not None and result < low) or (high is not None and result > high):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")
    return result


def int_in_range(name: str, value, low: int, high: int | None = None) -> int:
    """`integer(name, value, low, high)`: an integer with `low <= value (<= high)`."""
    return integer(name, value, low, high)


def same_shape(x, y, names: str = "x and y") -> None:
    """Raise unless two data arrays have the same shape."""
    if np.shape(x) != np.shape(y):
        raise ValueError(
            f"{names} must have the same shape, got {np.shape(x)} and {np.shape(y)}"
        )


def array_shape(name: str, value, shape: tuple, what: str | None = None) -> tuple:
    """`np.shape(value)`, or a `ValueError` unless it matches `shape` (`None` entries match any size >= 1).

    `what` names the expected shape in the message (default: `shape` itself).

    Example:
      >>> array_shape("x", np.zeros((5, 64)), (None, 64), "(batch, 64)")
      (5, 64)
      >>> array_shape("x", np.zeros(64), (None, 64), "(batch, 64)")
      Traceback (most recent call last):
      ...
      ValueError: x must have shape (batch, 64), got (64,)
    """
    got = tuple(np.shape(value))
    ok = len(got) == len(shape) and all(
        (want is None and size >= 1) or size == want for size, want in zip(got, shape))
    if not ok:
        raise ValueError(f"{name} must have shape {what or shape}, got {got}")
    return got


def finite_array(name: str, value, *, allow_empty: bool = False) -> None:
    """Raise unless every entry of the array (or pytree of arrays) `value` is finite.

    Integer and boolean leaves are finite by construction and skipped; an empty
    array (or a pytree without leaves) is refused unless `allow_empty`.
    """
    leaves = jax.tree.leaves(value)
    if any(is_traced(leaf) for leaf in leaves):
        return
    if not allow_empty and (not leaves or all(np.size(leaf) == 0 for leaf in leaves)):
        raise ValueError(f"{name} must be a non-empty array of finite numbers, got an empty one")
    for leaf in leaves:
        try:
            array = np.asarray(leaf)
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be an array of finite numbers, got {leaf!r}") from None
        if array.dtype == object or np.issubdtype(array.dtype, np.character):
            raise ValueError(f"{name} must be an array of finite numbers, got {leaf!r}")
        if not np.issubdtype(array.dtype, np.inexact):
            continue
        bad = int(np.size(array) - np.count_nonzero(np.isfinite(array)))
        if bad:
            raise ValueError(
                f"{name} must contain only finite numbers, got {bad} NaN or infinite "
                f"entr{'y' if bad == 1 else 'ies'} of {np.size(array)}"
            )


def finite_args(args: tuple) -> None:
    """`finite_array` for each float array among a loss function's extra `args` (data)."""
    for i, arg in enumerate(args):
        if isinstance(arg, (bool, int, np.integer)) or callable(arg):
            continue
        finite_array(f"args[{i}]", arg, allow_empty=True)


def one_of(name: str, value, allowed) -> str:
    """`value`, or a `ValueError` unless it is one of `allowed` (names of a registry).

    Example:
      >>> one_of("nonlinearity", "relu", ("linear", "tanh", "relu"))
      'relu'
      >>> one_of("nonlinearity", "elu", ("linear", "tanh", "relu"))
      Traceback (most recent call last):
      ...
      ValueError: nonlinearity must be one of 'linear', 'tanh', 'relu', got 'elu'
    """
    choices = tuple(allowed)
    try:
        ok = value in choices
    except TypeError:  # an unhashable value against a dict's keys
        ok = False
    if not ok:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, got {value!r}")
    return value


def function(name: str, value, what: str, *, optional: bool = False):
    """`value`, or a `ValueError` unless it is callable (`None` too when `optional`).

    `what` describes the function expected, e.g. `"(key, shape) -> weights"`.

    Example:
      >>> function("schedule", 0.1, "of the step")
      Traceback (most recent call last):
      ...
      ValueError: schedule must be a function of the step, got 0.1
    """
    if (value is None and optional) or callable(value):
        return value
    raise ValueError(f"{name} must be a function {what}, got {value!r}")


def is_prng_key(value) -> bool:
    """True for a `jax.random.key(...)` (typed key) or a legacy `jax.random.PRNGKey(...)` (uint32[2])."""
    if not isinstance(value, jax.Array):
        return False
    if jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
        return value.ndim == 0
    return value.dtype == np.uint32 and value.shape == (2,)


def prng_key(name: str, value) -> None:
    """Raise unless `value` is one JAX random key (`jax.random.key(0)`); tracers pass."""
    if is_traced(value):
        return
    if not is_prng_key(value):
        raise ValueError(f"{name} must be a jax.random key such as jax.random.key(0), got {value!r}")
