"""Lesson 10: hyperparameter search — grid, random and Bayesian, and k-fold cross-validation.

A search *space* is a dict `name -> (low, high, scale)` with `scale` either
"linear" or "log". Every method works on the unit cube `[0, 1]^d`: a linear
axis maps `v = low + u (high − low)`, a log axis `v = low · (high/low)^u`, so
sampling `u` uniformly on a log axis gives every decade the same share of
points. An *objective* takes a dict of floats (one per name) and returns a
float to **minimise** (a validation loss or error rate).

- `grid_search`: every combination of `n_per_axis` evenly spaced values.
- `random_search`: `n` points drawn uniformly on the unit cube.
- `bayes_opt`: a Gaussian-process surrogate of the objective (RBF kernel on the
  unit cube, Cholesky solve) and the expected improvement it predicts; each
  new point maximises it over a dense random set of candidates.

All three return a `SearchResult`. A non-finite objective value (a training
run that diverged) is recorded in `failed` and never chosen as best. The names
whose best value lies in the outer 5 % of the range (on the axis's own scale)
are listed in `on_border`: widen that range and search again.

Gaussian process, as the lesson teaches it: with the observed values `y`
standardised (mean 0, standard deviation 1) and kernel
`k(u, v) = exp(−|u − v|² / (2 ℓ²))`, `K = k(X, X) + σ² I = L Lᵀ` and
`α = K⁻¹ y`, the posterior at a candidate `u*` is

    mean(u*) = k(u*, X) α,    var(u*) = 1 − |L⁻¹ k(X, u*)|²,

and the expected improvement below the best value `f*` (for minimisation),
with `z = (f* − mean − ξ) / std`, is `EI = (f* − mean − ξ) Φ(z) + std φ(z)`.

`kfold` splits example indices into k folds; `ridge_cv_errors` tunes the L2
strength of a small digits model (a hidden layer of random tanh units whose
output layer is fitted exactly) by cross-validation in one call.
"""

import dataclasses
import itertools
import math
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
from jax.scipy.stats import norm

from lesson_lib import _checks

__all__ = [
    "SCALES", "BORDER", "SearchResult", "BayesStep", "check_space", "to_unit", "from_unit",
    "grid_search", "random_search", "bayes_opt", "gp_posterior", "expected_improvement",
    "lower_confidence_bound", "on_border", "kfold", "random_features", "ridge_cv_errors",
    "important_unimportant", "lr_l2_standin", "bumpy_lr_loss", "BUMPY_SPACE",
]

SCALES = ("linear", "log")
"""How an axis of a search space is spaced."""

BORDER = 0.05
"""A best value within this fraction of the range from either end counts as "on the border"."""


# --- spaces ----------------------------------------------------------------------------------


def check_space(space) -> tuple:
    """Validate a search space; return `(names, lows, highs, is_log)`.

    Example:
      >>> check_space({"lr": (1e-4, 1.0, "log")})
      (('lr',), (0.0001,), (1.0,), (True,))
    """
    if not isinstance(space, dict) or not space:
        raise ValueError(
            f"space must be a non-empty dict name -> (low, high, 'linear' | 'log'), got {space!r}")
    names, lows, highs, logs = [], [], [], []
    for name, axis in space.items():
        if not isinstance(name, str):
            raise ValueError(f"space's names must be strings, got {name!r}")
        if not isinstance(axis, (tuple, list)) or len(axis) != 3:
            raise ValueError(f"space[{name!r}] must be (low, high, 'linear' | 'log'), got {axis!r}")
        low, high, scale = axis
        _checks.finite_float(f"space[{name!r}] low", low)
        _checks.finite_float(f"space[{name!r}] high", high)
        if scale not in SCALES:
            raise ValueError(f"space[{name!r}] scale must be 'linear' or 'log', got {scale!r}")
        if not float(low) < float(high):
            raise ValueError(f"space[{name!r}] must have low < high, got {axis!r}")
        if scale == "log" and float(low) <= 0:
            raise ValueError(f"space[{name!r}] is a log axis: low must be > 0, got {low!r}")
        names.append(name)
        lows.append(float(low))
        highs.append(float(high))
        logs.append(scale == "log")
    return tuple(names), tuple(lows), tuple(highs), tuple(logs)


def from_unit(space, u) -> np.ndarray:
    """Map unit-cube coordinates `u` of shape `(n, d)` to values of the space, `(n, d)` (float64).

    Example:
      >>> from_unit({"lr": (1e-4, 1.0, "log"), "m": (0.0, 1.0, "linear")}, [[0.5, 0.25]]).round(6)
      array([[0.01, 0.25]])
    """
    names, lows, highs, logs = check_space(space)
    u = np.asarray(u, dtype=np.float64)
    if u.ndim != 2 or u.shape[1] != len(names):
        raise ValueError(f"u must have shape (n, {len(names)}), got {u.shape}")
    lows, highs, logs = np.array(lows), np.array(highs), np.array(logs)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = lows + u * (highs - lows)
        logged = np.exp(np.log(np.where(logs, lows, 1.0))
                        + u * (np.log(np.where(logs, highs, 2.0)) - np.log(np.where(logs, lows, 1.0))))
    return np.where(logs, logged, linear)


def to_unit(space, values) -> np.ndarray:
    """The inverse of `from_unit`: values `(n, d)` (or a list of point dicts) to unit coordinates.

    Example:
      >>> to_unit({"lr": (1e-4, 1.0, "log")}, [{"lr": 1e-2}]).round(6)
      array([[0.5]])
    """
    names, lows, highs, logs = check_space(space)
    if isinstance(values, (list, tuple)) and values and isinstance(values[0], dict):
        values = [[point[name] for name in names] for point in values]
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or v.shape[1] != len(names):
        raise ValueError(f"values must have shape (n, {len(names)}), got {v.shape}")
    lows, highs, logs = np.array(lows), np.array(highs), np.array(logs)
    with np.errstate(divide="ignore", invalid="ignore"):
        linear = (v - lows) / (highs - lows)
        logged = (np.log(v) - np.log(np.where(logs, lows, 1.0))) / (
            np.log(np.where(logs, highs, 2.0)) - np.log(np.where(logs, lows, 1.0)))
    return np.where(logs, logged, linear)


def on_border(space, point: dict, border: float = BORDER) -> tuple:
    """The names whose value in `point` lies in the outer `border` fraction of their range.

    The fraction is measured on the axis's own scale (in decades on a log axis).

    Example:
      >>> on_border({"lr": (1e-6, 1.0, "log"), "m": (0.0, 1.0, "linear")}, {"lr": 0.8, "m": 0.5})
      ('lr',)
    """
    names = check_space(space)[0]
    _checks.number("border", border, low=0.0, high=0.5, high_open=True)
    u = to_unit(space, [point])[0]
    return tuple(name for name, ui in zip(names, u) if ui <= border or ui >= 1 - border)


# --- results ---------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class BayesStep:
    """One step of Bayesian optimisation: what the surrogate knew and where it looked next.

    Attributes:
      n_observed: how many evaluations the surrogate was fitted to.
      next_unit: the chosen point, in unit-cube coordinates `(d,)`.
      acquisition: the acquisition's value there (the expected improvement for "ei").
    """

    n_observed: int
    next_unit: np.ndarray
    acquisition: float


@dataclasses.dataclass(frozen=True)
class SearchResult:
    """What a search found.

    Attributes:
      method: "grid", "random" or "bayes".
      space: the search space searched.
      points: the evaluated points (dicts), in evaluation order.
      unit_points: the same points in unit-cube coordinates, `(n, d)`.
      values: the objective's values, `(n,)` (NaN or ±inf where it failed).
      failed: indices of the evaluations whose value was not finite.
      best, best_value: the lowest finite value and its point (`None`, NaN if every one failed).
      on_border: the names whose best value lies in the outer 5 % of the range.
      history: for "bayes", one `BayesStep` per point chosen by the surrogate; else empty.
      length_scale, noise: the surrogate's settings (for "bayes"), to redraw it with `gp_posterior`.
    """

    method: str
    space: dict
    points: list
    unit_points: np.ndarray
    values: np.ndarray
    failed: tuple
    best: dict | None
    best_value: float
    on_border: tuple
    history: tuple = ()
    length_scale: float | None = None
    noise: float | None = None

    def best_so_far(self) -> np.ndarray:
        """The best finite value among the first 1, 2, ..., n evaluations (inf before any)."""
        values = np.where(np.isfinite(self.values), self.values, np.inf)
        return np.minimum.accumulate(values)

    def __repr__(self):
        best = ("none (every evaluation failed)" if self.best is None else
                ", ".join(f"{k}={v:.3g}" for k, v in self.best.items()) + f" → {self.best_value:.3g}")
        extra = f", {len(self.failed)} failed" if self.failed else ""
        border = f", on the border: {', '.join(self.on_border)}" if self.on_border else ""
        return f"SearchResult({self.method}, {len(self.points)} evaluations{extra}; best {best}{border})"


def _evaluate(objective: Callable, names, values: np.ndarray, batched: bool) -> np.ndarray:
    _checks.function("objective", objective, "(dict of floats) -> float")
    if batched:
        out = np.asarray(objective({name: values[:, j] for j, name in enumerate(names)}),
                         dtype=np.float64).reshape(-1)
        if out.shape != (len(values),):
            raise ValueError(f"a batched objective must return {len(values)} values, got shape {out.shape}")
        return out
    out = np.empty(len(values))
    for i, row in enumerate(values):
        out[i] = _call(objective, {name: float(v) for name, v in zip(names, row)})
    return out


def _call(objective, point) -> float:
    try:
        value = float(objective(point))
    except (FloatingPointError, OverflowError, ZeroDivisionError):
        value = math.nan
    return value


def _result(method, space, unit, values, history=(), **extra) -> SearchResult:
    names = check_space(space)[0]
    values = np.asarray(values, dtype=np.float64)
    real = from_unit(space, unit)
    points = [{name: float(v) for name, v in zip(names, row)} for row in real]
    finite = np.isfinite(values)
    failed = tuple(int(i) for i in np.flatnonzero(~finite))
    if finite.any():
        i = int(np.argmin(np.where(finite, values, np.inf)))
        best, best_value, border = points[i], float(values[i]), on_border(space, points[i])
    else:
        best, best_value, border = None, math.nan, ()
    return SearchResult(method, dict(space), points, np.asarray(unit), values, failed, best, best_value,
                        border, tuple(history), **extra)


# --- grid and random search ------------------------------------------------------------------


def _grid_axis(m: int) -> np.ndarray:
    return np.linspace(0.0, 1.0, m) if m > 1 else np.array([0.5])


def grid_search(objective: Callable, space: dict, n_per_axis, *, batched: bool = False) -> SearchResult:
    """Evaluate `objective` on every combination of `n_per_axis` evenly spaced values per axis.

    The values of an axis include both ends of its range (evenly spaced on the
    axis's scale; a single value sits in the middle). The budget is
    `n_per_axis ** d`, yet each axis sees only `n_per_axis` distinct values.

    Args:
      objective: `point -> float`; with `batched=True`, a dict of arrays -> an array.
      space: name -> (low, high, "linear" | "log").
      n_per_axis: an int >= 1, or a dict name -> int for one per axis.

    Example:
      >>> r = grid_search(lambda p: (p["x"] - 0.3) ** 2, {"x": (0.0, 1.0, "linear")}, 11)
      >>> round(r.best["x"], 6), r.on_border
      (0.3, ())
    """
    names = check_space(space)[0]
    counts = n_per_axis if isinstance(n_per_axis, dict) else {name: n_per_axis for name in names}
    if set(counts) != set(names):
        raise ValueError(f"n_per_axis must give a count for each of {list(names)}, got {sorted(counts)}")
    for name in names:
        _checks.int_in_range(f"n_per_axis[{name!r}]", counts[name], 1)
    unit = np.array(list(itertools.product(*(_grid_axis(int(counts[n])) for n in names))), np.float64)
    values = _evaluate(objective, names, from_unit(space, unit), batched)
    return _result("grid", space, unit, values)


def random_search(objective: Callable, space: dict, n: int, *, key, batched: bool = False) -> SearchResult:
    """Evaluate `objective` at `n` points drawn uniformly on the unit cube (log axes: log-uniformly).

    Example:
      >>> import jax
      >>> r = random_search(lambda p: p["lr"], {"lr": (1e-4, 1.0, "log")}, 50, key=jax.random.key(0))
      >>> r.best["lr"] < 2e-4, r.on_border
      (True, ('lr',))
    """
    names = check_space(space)[0]
    _checks.int_in_range("n", n, 1)
    _checks.prng_key("key", key)
    unit = np.asarray(jax.random.uniform(key, (int(n), len(names))), np.float64)
    values = _evaluate(objective, names, from_unit(space, unit), batched)
    return _result("random", space, unit, values)


# --- the Gaussian-process surrogate ----------------------------------------------------------


def _capacity(n: int) -> int:
    """Observations are padded to a power of two (>= 8), so a growing search compiles a few times only."""
    return max(8, 1 << (max(n, 1) - 1).bit_length())


@jax.jit
def _posterior_padded(xs, ys, mask, candidates, length_scale, noise):
    """GP posterior on standardised values; rows with mask 0 are absent (identity rows in K)."""
    m = mask.astype(xs.dtype)
    count = jnp.maximum(jnp.sum(m), 1.0)
    mean_y = jnp.sum(m * ys) / count
    var_y = jnp.sum(m * (ys - mean_y) ** 2) / count
    scale_y = jnp.where(var_y > 0, jnp.sqrt(var_y), 1.0)
    z = m * (ys - mean_y) / scale_y

    def kernel(a, b):
        d2 = jnp.sum((a[:, None, :] - b[None, :, :]) ** 2, axis=-1)
        return jnp.exp(-0.5 * d2 / length_scale ** 2)

    k = kernel(xs, xs) * m[:, None] * m[None, :]
    k = k + jnp.diag(m * noise + (1.0 - m))
    chol = jnp.linalg.cholesky(k)
    alpha = jax.scipy.linalg.cho_solve((chol, True), z)
    k_star = kernel(xs, candidates) * m[:, None]
    mean = k_star.T @ alpha
    v = jax.scipy.linalg.solve_triangular(chol, k_star, lower=True)
    var = jnp.clip(1.0 - jnp.sum(v ** 2, axis=0), 0.0, None)
    best = jnp.min(jnp.where(m > 0, z, jnp.inf))
    return mean, jnp.sqrt(var), best, mean_y, scale_y


def _prepare(xs, ys, candidates, length_scale, noise):
    xs = np.asarray(xs, np.float64)
    ys = np.asarray(ys, np.float64).reshape(-1)
    candidates = np.asarray(candidates, np.float64)
    if xs.ndim != 2 or xs.shape[0] == 0:
        raise ValueError(f"xs must have shape (n, d) with n >= 1, got {xs.shape}")
    if ys.shape != (xs.shape[0],):
        raise ValueError(f"ys must have one value per row of xs ({xs.shape[0]}), got shape {ys.shape}")
    if candidates.ndim != 2 or candidates.shape[1] != xs.shape[1]:
        raise ValueError(f"candidates must have shape (m, {xs.shape[1]}), got {candidates.shape}")
    _checks.finite_array("xs", xs)
    _checks.finite_array("ys", ys)
    _checks.finite_array("candidates", candidates)
    _checks.positive_float("length_scale", length_scale)
    _checks.positive_float("noise", noise)
    n, cap = xs.shape[0], _capacity(xs.shape[0])
    pad_x = np.zeros((cap, xs.shape[1]))
    pad_x[:n] = xs
    pad_y = np.zeros(cap)
    pad_y[:n] = ys
    mask = np.zeros(cap)
    mask[:n] = 1.0
    return pad_x, pad_y, mask, candidates, np.float64(length_scale), np.float64(noise)


def gp_posterior(xs, ys, candidates, *, length_scale: float = 0.2, noise: float = 1e-3):
    """The Gaussian-process posterior mean and standard deviation at `candidates`.

    The observed values `ys` are standardised (mean 0, standard deviation 1)
    before fitting and the answer is scaled back, so `mean` and `std` are in
    the objective's units. Kernel `exp(−|u − v|² / (2 ℓ²))` on unit-cube
    coordinates, noise variance `noise` (in standardised units).

    Args:
      xs: observed points, `(n, d)`, unit-cube coordinates.
      ys: their (finite) objective values, `(n,)`.
      candidates: where to predict, `(m, d)`.

    Returns:
      `(mean, std)`, NumPy arrays of shape `(m,)`.

    Example:
      >>> mean, std = gp_posterior([[0.2], [0.8]], [1.0, 3.0], [[0.2], [0.5], [0.8]])
      >>> mean.round(2).tolist(), bool(std[1] > std[0])
      ([1.0, 2.0, 3.0], True)
    """
    args = _prepare(xs, ys, candidates, length_scale, noise)
    with jax.enable_x64():
        mean, std, _, mean_y, scale_y = _posterior_padded(*(jnp.asarray(a) for a in args))
        return np.asarray(mean * scale_y + mean_y), np.asarray(std * scale_y)


@jax.jit
def _ei(mean, std, best, xi):
    gap = best - mean - xi
    safe = jnp.where(std > 0, std, 1.0)
    z = gap / safe
    ei = gap * norm.cdf(z) + safe * norm.pdf(z)
    return jnp.where(std > 0, jnp.maximum(ei, 0.0), jnp.maximum(gap, 0.0))


def expected_improvement(mean, std, best, xi: float = 0.0) -> np.ndarray:
    """How far below `best` a Gaussian guess `N(mean, std²)` is expected to land (minimisation).

    `EI = E[max(best − ξ − f, 0)] = (best − mean − ξ) Φ(z) + std φ(z)`, with
    `z = (best − mean − ξ) / std`; where `std = 0`, `max(best − mean − ξ, 0)`.

    Example:
      >>> round(float(expected_improvement(0.0, 1.0, 0.0)), 4)  # φ(0) = 1/√(2π)
      0.3989
    """
    _checks.finite_float("best", best)
    _checks.finite_float("xi", xi)
    mean, std = np.asarray(mean, np.float64), np.asarray(std, np.float64)
    if np.any(std < 0):
        raise ValueError("std must be >= 0 everywhere")
    with jax.enable_x64():
        return np.asarray(_ei(jnp.asarray(mean), jnp.asarray(std), jnp.float64(best), jnp.float64(xi)))


def lower_confidence_bound(mean, std, kappa: float = 2.0) -> np.ndarray:
    """`mean − κ std`: optimistic guess of the objective; the next point minimises it.

    Example:
      >>> lower_confidence_bound([1.0, 0.0], [0.5, 0.0]).tolist()
      [0.0, 0.0]
    """
    _checks.positive_float("kappa", kappa)
    return np.asarray(mean, np.float64) - float(kappa) * np.asarray(std, np.float64)


@jax.jit
def _acquire(xs, ys, mask, candidates, length_scale, noise, xi, kappa, use_ei):
    mean, std, best, _, _ = _posterior_padded(xs, ys, mask, candidates, length_scale, noise)
    score = jnp.where(use_ei, _ei(mean, std, best, xi), -(mean - kappa * std))
    j = jnp.argmax(score)
    return j, score[j]


def bayes_opt(objective: Callable, space: dict, n_iter: int, *, n_init: int = 3, key,
              acquisition: str = "ei", n_candidates: int = 2048, length_scale: float = 0.2,
              noise: float = 1e-3, xi: float = 0.01, kappa: float = 2.0) -> SearchResult:
    """Bayesian optimisation: `n_iter` evaluations in all, the first `n_init` at random.

    After each evaluation a Gaussian process is fitted to the finite values so
    far (a failed evaluation counts as the worst finite value seen, so the
    search learns to avoid it); the next point maximises the acquisition over
    `n_candidates` fresh uniform points of the unit cube: the expected
    improvement ("ei", with margin `xi` in standardised units) or minus the
    lower confidence bound `mean − κ std` ("lcb").

    Example:
      >>> import jax
      >>> r = bayes_opt(lambda p: (p["x"] - 0.3) ** 2, {"x": (0.0, 1.0, "linear")}, 10,
      ...               key=jax.random.key(0))
      >>> abs(r.best["x"] - 0.3) < 0.02, len(r.history)
      (True, 7)
    """
    names = check_space(space)[0]
    _checks.int_in_range("n_iter", n_iter, 1)
    _checks.prng_key("key", key)
    _checks.int_in_range("n_init", n_init, 1)
    _checks.int_in_range("n_candidates", n_candidates, 1)
    _checks.positive_float("length_scale", length_scale)
    _checks.positive_float("noise", noise)
    _checks.finite_float("xi", xi)
    _checks.positive_float("kappa", kappa)
    _checks.one_of("acquisition", acquisition, ("ei", "lcb"))
    _checks.function("objective", objective, "(dict of floats) -> float")
    n_iter, d = int(n_iter), len(names)
    k_init, k_cand = jax.random.split(key)
    first = np.asarray(jax.random.uniform(k_init, (min(int(n_init), n_iter), d)), np.float64)
    cap = _capacity(n_iter)
    xs, ys, mask = np.zeros((cap, d)), np.zeros(cap), np.zeros(cap)
    unit, values, history = [], [], []
    with jax.enable_x64():  # double precision: the same argmax on every CPU and GPU
        settings = tuple(jnp.asarray(v) for v in (np.float64(length_scale), np.float64(noise), np.float64(xi),
                                                  np.float64(kappa), np.bool_(acquisition == "ei")))
        pool = jax.random.uniform(k_cand, (max(n_iter - len(first), 1), int(n_candidates), d), jnp.float64)
    for i in range(n_iter):
        if i < len(first):
            u = first[i]
        else:
            finite = np.isfinite(values)
            if finite.any():
                worst = max(v for v in values if math.isfinite(v))
                ys[:i] = np.where(finite, values, worst)
                mask[:i] = 1.0
            with jax.enable_x64():
                candidates = pool[i - len(first)]
                j, score = _acquire(*(jnp.asarray(a) for a in (xs, ys, mask)), candidates, *settings)
                u = np.asarray(candidates[int(j)], np.float64)
            history.append(BayesStep(i, u, float(score)))
        value = _call(objective, {n: float(v) for n, v in zip(names, from_unit(space, u[None])[0])})
        xs[i] = u
        unit.append(u)
        values.append(value)
    return _result("bayes", space, np.array(unit), values, history,
                   length_scale=float(length_scale), noise=float(noise))


# --- cross-validation ------------------------------------------------------------------------


def kfold(n: int, k: int, *, key=None) -> list:
    """Split the indices `0..n−1` into `k` folds: a list of `(train, validation)` index arrays.

    With `key`, the indices are shuffled first (`jax.random.permutation`);
    without it they stay in order. The first `n mod k` folds get one extra
    example, so every example is validated exactly once.

    Example:
      >>> [v.tolist() for _, v in kfold(5, 2)]
      [[0, 1, 2], [3, 4]]
    """
    _checks.int_in_range("k", k, 2)
    _checks.int_in_range("n", n, int(k))
    if key is not None:
        _checks.prng_key("key", key)
    order = np.arange(int(n)) if key is None else np.asarray(jax.random.permutation(key, int(n)))
    folds = np.array_split(order, int(k))
    return [(np.sort(np.concatenate(folds[:i] + folds[i + 1:])), np.sort(fold))
            for i, fold in enumerate(folds)]


def random_features(x, width: int = 256, *, key, scale: float = 1.0):
    """A hidden layer of `width` random tanh units: `tanh(x W + b)`, `W ~ N(0, scale²/d)`, `b ~ N(0, 1)`.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> random_features(jnp.ones((3, 64)), 10, key=jax.random.key(0)).shape
      (3, 10)
    """
    _checks.int_in_range("width", width, 1)
    _checks.prng_key("key", key)
    _checks.positive_float("scale", scale)
    if np.ndim(x) != 2 or np.shape(x)[0] == 0:
        raise ValueError(f"x must have shape (n, inputs) with n >= 1, got {np.shape(x)}")
    _checks.finite_array("x", x)
    k_w, k_b = jax.random.split(key)
    d = np.shape(x)[1]
    w = jax.random.normal(k_w, (d, int(width))) * (float(scale) / math.sqrt(d))
    b = jax.random.normal(k_b, (int(width),))
    return jnp.tanh(jnp.asarray(x, jnp.float32) @ w + b[None, :])


@jax.jit
def _ridge_fold(features, onehot, labels, train_mask, l2s):
    """Validation and training error rates of ridge readouts fitted where `train_mask` is 1, per λ.

    One eigendecomposition `ΦᵀΦ/n = V diag(e) Vᵀ` per fold serves every λ:
    `W = V diag(1/(e + λ)) Vᵀ ΦᵀY/n`.
    """
    n_train = jnp.sum(train_mask)
    weighted = features * train_mask[:, None]
    e, v = jnp.linalg.eigh(weighted.T @ features / n_train)
    projected = v.T @ (weighted.T @ onehot / n_train)
    scores_basis = features @ v
    val_mask = 1.0 - train_mask

    def errors(l2):
        scores = scores_basis @ (projected / (e + l2)[:, None])
        wrong = (jnp.argmax(scores, axis=1) != labels).astype(features.dtype)
        return jnp.sum(wrong * val_mask) / jnp.sum(val_mask), jnp.sum(wrong * train_mask) / n_train

    return jax.vmap(errors)(l2s)


def ridge_cv_errors(features, labels, l2s, folds) -> tuple:
    """Cross-validated error rates of a ridge-regression readout, for every L2 strength and fold.

    For each fold, the output weights `W` minimise
    `mean_i |φ_i W − onehot(y_i)|² + λ |W|²` over the fold's training rows
    (closed form `W = (ΦᵀΦ/n + λ I)⁻¹ ΦᵀY/n`, in double precision); the class
    predicted is the largest output.

    Args:
      features: `(n, width)`, e.g. `random_features(x, key=...)`.
      labels: `(n,)` integer classes.
      l2s: the L2 strengths λ to try (each > 0).
      folds: `(train, validation)` index pairs, as from `kfold`.

    Returns:
      `(validation_error, training_error)`, each `(len(l2s), len(folds))`, fractions in [0, 1].

    Example:
      >>> import numpy as np
      >>> phi = np.eye(4); y = np.arange(4) % 2
      >>> val, train = ridge_cv_errors(np.c_[phi, y], y, [1e-3], kfold(4, 2))
      >>> val.tolist(), train.tolist()
      ([[0.0, 0.0]], [[0.0, 0.0]])
    """
    features = np.asarray(features, np.float64)
    labels = np.asarray(labels)
    if features.ndim != 2 or features.shape[0] == 0:
        raise ValueError(f"features must have shape (n, width) with n >= 1, got {features.shape}")
    if labels.shape != (features.shape[0],) or not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be {features.shape[0]} integer classes, got {labels.dtype} "
                         f"of shape {labels.shape}")
    _checks.finite_array("features", features)
    l2s = np.asarray(l2s, np.float64).reshape(-1)
    if l2s.size == 0 or not np.all(np.isfinite(l2s)) or np.any(l2s <= 0):
        raise ValueError(f"l2s must be finite strengths > 0, got {l2s!r}")
    n = features.shape[0]
    masks = np.zeros((len(folds), n))
    for i, fold in enumerate(folds):
        train, val = (np.asarray(part) for part in fold)
        if train.size == 0 or val.size == 0 or np.intersect1d(train, val).size:
            raise ValueError(f"folds[{i}] must be a (train, validation) pair of disjoint, non-empty "
                             "index arrays")
        masks[i, train] = 1.0
    classes = int(labels.max()) + 1
    onehot = np.eye(classes)[labels]
    val, train = np.zeros((l2s.size, len(folds))), np.zeros((l2s.size, len(folds)))
    padded = np.full(32 * math.ceil(l2s.size / 32), l2s[-1])  # one shape for up to 32 strengths
    padded[:l2s.size] = l2s
    with jax.enable_x64():
        args = (jnp.asarray(features), jnp.asarray(onehot), jnp.asarray(labels))
        for i, mask in enumerate(masks):
            fold_val, fold_train = _ridge_fold(*args, jnp.asarray(mask), jnp.asarray(padded))
            val[:, i], train[:, i] = np.asarray(fold_val)[:l2s.size], np.asarray(fold_train)[:l2s.size]
    return val, train


# --- objectives for the lesson ---------------------------------------------------------------


def important_unimportant(point: dict, *, center: float = 0.62, width: float = 0.05) -> float:
    """A two-parameter objective where only `a` matters: a narrow valley in `a`, a slight tilt in `b`.

    `f(a, b) = 1 − exp(−(a − center)² / (2 width²)) + 0.02 (b − 0.5)²`, for
    `a, b` in [0, 1]; its minimum is 0 at `a = center, b = 0.5`.

    Example:
      >>> important_unimportant({"a": 0.62, "b": 0.5})
      0.0
    """
    a, b = point["a"], point["b"]
    return float(1.0 - np.exp(-0.5 * ((a - center) / width) ** 2) + 0.02 * (b - 0.5) ** 2)


def lr_l2_standin(point: dict, *, best_lr: float = 3e-3, best_l2: float = 1e-4) -> float:
    """A stand-in for a validation loss over (learning rate, L2 strength): a bowl in log space.

    `f = 0.2 + 0.3 (log10 lr − log10 best_lr)² + 0.05 (log10 l2 − log10 best_l2)²`;
    training "diverges" (NaN) for `lr > 0.3`. A missing `l2` counts as `best_l2`.

    Example:
      >>> round(lr_l2_standin({"lr": 3e-3, "l2": 1e-4}), 6), lr_l2_standin({"lr": 0.5})
      (0.2, nan)
    """
    lr = point["lr"]
    l2 = point.get("l2", best_l2)
    if lr > 0.3:
        return math.nan
    return float(0.2 + 0.3 * (math.log10(lr) - math.log10(best_lr)) ** 2
                 + 0.05 * (math.log10(l2) - math.log10(best_l2)) ** 2)


BUMPY_SPACE = {"lr": (1e-5, 1.0, "log")}
"""The learning-rate range of `bumpy_lr_loss`."""


def bumpy_lr_loss(point: dict) -> float:
    """A one-parameter stand-in for a validation loss over the learning rate, with two valleys.

    With `L = log10 lr`: `f = 0.5 + 0.06 (L + 1.5)² − 0.3 exp(−(L + 3.5)² / (2 · 0.35²))`,
    a broad valley near `lr = 0.03` and a deeper, narrow one near `lr = 3e-4`
    (global minimum ≈ 0.44 there).

    Example:
      >>> round(bumpy_lr_loss({"lr": 10 ** -3.5}), 2), round(bumpy_lr_loss({"lr": 10 ** -1.5}), 2)
      (0.44, 0.5)
    """
    level = math.log10(point["lr"])
    return float(0.5 + 0.06 * (level + 1.5) ** 2 - 0.3 * math.exp(-0.5 * ((level + 3.5) / 0.35) ** 2))
