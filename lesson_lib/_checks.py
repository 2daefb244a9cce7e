"""Argument validation shared by the library: clear `ValueError`s, never silent NaNs.

Checks run only on concrete Python/NumPy values. Inside `jit` or `vmap` the
arguments are tracers and the checks step aside, so validated functions stay
transformable.
"""

import math

import jax
import numpy as np


def is_traced(value) -> bool:
    """True when `value` is a JAX tracer (we are inside jit, vmap, grad...)."""
    return isinstance(value, jax.core.Tracer)


def positive_float(name: str, value) -> None:
    """Raise unless `value` is a finite number > 0 (e.g. a learning rate)."""
    if is_traced(value):
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}") from None
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def finite_float(name: str, value) -> None:
    """Raise unless `value` is a finite number."""
    if is_traced(value):
        return
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a finite number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{name} must be a finite number, got {value!r}")


def int_in_range(name: str, value, low: int, high: int | None = None) -> None:
    """Raise unless `value` is an integer with low <= value (<= high)."""
    if is_traced(value):
        return
    allowed = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high}]"
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if not (isinstance(value, (float, np.floating)) and float(value).is_integer()):
            raise ValueError(f"{name} must be {allowed}, got {value!r}")
    if value < low or (high is not None and value > high):
        raise ValueError(f"{name} must be {allowed}, got {value!r}")


def same_shape(x, y, names: str = "x and y") -> None:
    """Raise unless two data arrays have the same shape."""
    if np.shape(x) != np.shape(y):
        raise ValueError(
            f"{names} must have the same shape, got {np.shape(x)} and {np.shape(y)}"
        )


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
        array = np.asarray(leaf)
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
