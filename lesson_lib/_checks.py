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
