"""The hard parts of a loss landscape, as small functions one can compute with.

Introduced in lesson 12:

- ill-conditioning: the second-order change of the loss after a gradient step,
  `f(x − εg) − f(x) ≈ −ε gᵀg + ½ ε² gᵀHg`, and the rate `2 gᵀg / gᵀHg` above
  which the step raises the loss (`step_change`, `loss_raising_lr`); a bowl
  whose condition number is a traced argument (`quadratic`);
- a cliff (`cliff`): a gentle slope ending in a sharp drop, where the gradient
  is huge and a plain step catapults the point away;
- local minima (`wells`): a 2-D landscape with five basins of unequal depth;
- saddles in higher dimension (`random_landscape`, `critical_points`): random
  smooth functions, their critical points found by Newton's method, and the
  index (fraction of downhill directions) of each;
- long-term dependencies (`repeated_product`): `Wᵗx`, which grows or vanishes
  like `λᵗ`;
- inexact gradients (`noisy_descent`): gradient descent on `∇f + noise`.

Every landscape takes its point `p` (shape `(2,)` for the 2-D ones) first and
its parameters as traced arguments, so a slider never recompiles.
"""

from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lesson_lib import _checks
from lesson_lib.curves import first_nonfinite
from lesson_lib.train import Trajectory

__all__ = [
    "quadratic",
    "step_change",
    "loss_raising_lr",
    "CLIFF_START",
    "CLIFF_MINIMUM",
    "cliff",
    "WELL_CENTERS",
    "WELL_DEPTHS",
    "WELL_WIDTHS",
    "WELLS_BOUNDS",
    "wells",
    "nearest_well",
    "descend_from",
    "random_landscape",
    "random_landscape_value",
    "CriticalPoints",
    "critical_points",
    "repeated_product",
    "noisy_descent",
]


def quadratic(p, condition_number):
    """The axis-aligned bowl `f(p) = ½ (p₀² + κ p₁²)`, κ = `condition_number` (traced).

    Its Hessian is `diag(1, κ)`: gradient descent is stable for `lr < 2/κ` and
    then shrinks the flat coordinate by `1 − lr` per step at best.

    Example:
      >>> float(quadratic(jnp.array([1.0, 1.0]), 10.0))
      5.5
    """
    return 0.5 * (p[0] ** 2 + condition_number * p[1] ** 2)


def _gradient_and_hessian(g, hessian):
    g = np.asarray(g, dtype=float)
    hessian = np.asarray(hessian, dtype=float)
    if g.ndim != 1 or g.size == 0 or not np.all(np.isfinite(g)):
        raise ValueError(f"g must be a non-empty 1-D array of finite numbers, got shape {g.shape}")
    if hessian.shape != (g.size, g.size) or not np.all(np.isfinite(hessian)):
        raise ValueError(f"hessian must be a finite {g.size}×{g.size} matrix (like g), "
                         f"got shape {hessian.shape}")
    return g, hessian


def step_change(g, hessian, lr):
    """The two terms of `f(x − εg) − f(x)` to second order: `(−ε gᵀg, ½ ε² gᵀHg)`.

    The first is the gain a gradient step promises, the second the curvature's
    bill. Their sum is exact on a quadratic. Computed in float64.

    Example:
      >>> step_change([1.0, 1.0], [[1.0, 0.0], [0.0, 100.0]], 0.1)
      (-0.2, 0.505)
    """
    g, hessian = _gradient_and_hessian(g, hessian)
    lr = _checks.positive_float("lr", lr)
    return round(float(-lr * g @ g), 12), round(float(0.5 * lr**2 * g @ hessian @ g), 12)


def loss_raising_lr(g, hessian) -> float:
    """The learning rate above which a gradient step raises the loss: `2 gᵀg / gᵀHg`.

    From `−ε gᵀg + ½ ε² gᵀHg > 0`. It lies between `2/λmax` and `2/λmin` of
    `H`; where `gᵀHg <= 0` (no upward curvature along `g`) no rate raises the
    second-order loss, and the result is `inf`.

    Example:
      >>> loss_raising_lr([1.0, 1.0], [[1.0, 0.0], [0.0, 100.0]])
      0.039603960396039604
    """
    g, hessian = _gradient_and_hessian(g, hessian)
    curvature = float(g @ hessian @ g)
    return float("inf") if curvature <= 0 else float(2 * g @ g / curvature)


# ---------------------------------------------------------------------------
# A cliff

CLIFF_START = (-2.5, 2.0)
CLIFF_MINIMUM = (2.0, 0.0)
_CLIFF_NORMAL = (0.8, 0.6)  # the drop runs across this direction, from 0.8 x + 0.6 y = 0
_CORNER = 40.0  # the cliff's edges are rounded over 1/40 of a unit


def cliff(p, height=20.0, width=0.4):
    """A gentle bowl with a cliff across it: `(x − 2)²/8 + y²/2 + height · (1 − ramp(s))`.

    `s = 0.8 x + 0.6 y` measures the way across the cliff; `ramp(s)` rises
    linearly from 0 (above the cliff, `s <= 0`) to 1 (below it, `s >= width`),
    its corners rounded by softplus. So the ground drops by `height` over a
    distance `width`: on the face the gradient is `height / width` (50 by
    default), everywhere else of order 1. A learning rate good for the gentle
    parts sends a point that steps onto the face flying. `height` and `width`
    may be traced. The minimum, 0, is at `CLIFF_MINIMUM = (2, 0)`, below the cliff.

    Example:
      >>> round(float(cliff(jnp.array([-1.0, 0.0]))), 2), round(float(cliff(jnp.array([2.0, 0.0]))), 2)
      (21.12, 0.0)
      >>> g = jax.grad(cliff)(jnp.array([0.16, 0.0]))          # on the face
      >>> round(float(jnp.linalg.norm(g)))
      50
    """
    s = _CLIFF_NORMAL[0] * p[0] + _CLIFF_NORMAL[1] * p[1]
    ramp = (jax.nn.softplus(_CORNER * s) - jax.nn.softplus(_CORNER * (s - width))) / (_CORNER * width)
    return 0.125 * (p[0] - 2.0) ** 2 + 0.5 * p[1] ** 2 + height * (1.0 - ramp)


# ---------------------------------------------------------------------------
# Local minima

WELL_CENTERS = ((-2.5, 2.0), (2.0, 2.5), (0.0, -0.3), (-2.8, -2.5), (2.8, -2.6))
WELL_DEPTHS = (1.0, 1.2, 0.9, 1.1, 2.2)
WELL_WIDTHS = (0.8, 0.8, 1.0, 0.8, 0.75)
WELLS_BOUNDS = ((-4.0, 4.0), (-4.0, 4.0))
"""The box the lesson searches (a swarm starts inside it)."""


def wells(p):
    """Five Gaussian wells in a shallow bowl: `0.05 |p|² − Σₖ dₖ exp(−|p − cₖ|² / (2 wₖ²))`.

    The centres `WELL_CENTERS`, depths `WELL_DEPTHS` and widths `WELL_WIDTHS`
    make five local minima; the deepest (the global one) is the well near
    `(2.8, −2.6)`, in a corner of `WELLS_BOUNDS`; the widest is the shallow one
    near the origin.

    Example:
      >>> values = [float(wells(jnp.array(c))) for c in WELL_CENTERS]
      >>> int(np.argmin(values)), round(min(values), 2)
      (4, -1.47)
    """
    centers = jnp.asarray(WELL_CENTERS, dtype=jnp.float32)
    depths = jnp.asarray(WELL_DEPTHS, dtype=jnp.float32)
    widths = jnp.asarray(WELL_WIDTHS, dtype=jnp.float32)
    distance2 = jnp.sum((p[None, :] - centers) ** 2, axis=1)
    return 0.05 * jnp.sum(p**2) - jnp.sum(depths * jnp.exp(-distance2 / (2 * widths**2)))


def nearest_well(points) -> np.ndarray:
    """The index (into `WELL_CENTERS`) of the well centre nearest to each point, shape `(n,)`.

    Example:
      >>> nearest_well([[2.7, -2.5], [0.1, 0.0]]).tolist()
      [4, 2]
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    centers = np.asarray(WELL_CENTERS)
    return np.argmin(((points[:, None, :] - centers[None]) ** 2).sum(-1), axis=1)


@partial(jax.jit, static_argnames=("f", "steps"))
def _descend_from(f, starts, lr, *, steps):
    def one(x0):
        return lax.fori_loop(0, steps, lambda _, x: x - lr * jax.grad(f)(x), x0)

    return jax.vmap(one)(starts)


def descend_from(f: Callable, starts, lr, steps: int) -> np.ndarray:
    """Where gradient descent `x ← x − lr ∇f(x)` ends after `steps` steps, from every start at once.

    Args:
      f: `f(x) -> scalar`.
      starts: shape `(n, dims)`, one start per row.
      lr: learning rate, a finite number > 0 (traced).
      steps: number of steps, >= 1.

    Returns:
      The end points, a NumPy array of shape `(n, dims)` (non-finite where a run diverged).

    Example:
      >>> descend_from(lambda x: jnp.sum(x ** 2), jnp.array([[1.0, 2.0], [4.0, 0.0]]), 0.25, 2).tolist()
      [[0.25, 0.5], [1.0, 0.0]]
    """
    _checks.finite_array("starts", starts)
    starts = jnp.asarray(starts, dtype=jnp.float32)
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (n, dims), got {starts.shape}")
    _checks.positive_float("lr", lr)
    _checks.int_in_range("steps", steps, 1)
    return np.asarray(_descend_from(f, starts, jnp.float32(float(lr)), steps=int(steps)))


# ---------------------------------------------------------------------------
# Saddles in higher dimension


def random_landscape(dims: int, features: int = 64, *, key):
    """A random smooth function of `dims` numbers, as parameters for `random_landscape_value`.

    `f(x) = √(2/K) Σₖ aₖ cos(ωₖ·x + bₖ)` with `K = features`, `ωₖ ~ N(0, I)`,
    `aₖ ~ N(0, 1)`, `bₖ ~ U(0, 2π)`: random Fourier features, a sample of a
    Gaussian process whose correlation length is 1. Such functions have many
    critical points of every index.

    Returns:
      `(omega, b, a)` of shapes `(K, dims)`, `(K,)`, `(K,)`.

    Example:
      >>> omega, b, a = random_landscape(3, 8, key=jax.random.key(0))
      >>> omega.shape, b.shape, a.shape
      ((8, 3), (8,), (8,))
    """
    _checks.int_in_range("dims", dims, 1)
    _checks.int_in_range("features", features, 1)
    _checks.prng_key("key", key)
    k1, k2, k3 = jax.random.split(key, 3)
    return (jax.random.normal(k1, (features, dims)),
            jax.random.uniform(k2, (features,), maxval=2 * jnp.pi),
            jax.random.normal(k3, (features,)))


def random_landscape_value(x, omega, b, a):
    """`√(2/K) Σₖ aₖ cos(ωₖ·x + bₖ)` at `x` (shape `(dims,)`); see `random_landscape`."""
    return jnp.sqrt(2.0 / a.shape[0]) * jnp.sum(a * jnp.cos(omega @ x + b))


class CriticalPoints(NamedTuple):
    """Where Newton's method ended from each start, and what it found there.

    Attributes:
      points: end points, shape `(n, dims)`.
      values: `f` there, `(n,)`.
      grad_norms: `‖∇f‖` there, `(n,)`.
      index: fraction of the Hessian's eigenvalues that are negative (0: a
        minimum, 1: a maximum, in between: a saddle), `(n,)`.
      converged: `grad_norms <= tol` and everything finite, `(n,)` bools.
    """

    points: np.ndarray
    values: np.ndarray
    grad_norms: np.ndarray
    index: np.ndarray
    converged: np.ndarray


@partial(jax.jit, static_argnames=("f", "steps"))
def _critical_points(f, starts, args, *, steps):
    grad = jax.grad(f)
    hess = jax.hessian(f)

    def one(x0):
        def step(x, _):
            return x - jnp.linalg.solve(hess(x, *args), grad(x, *args)), None

        x, _ = lax.scan(step, x0, None, length=steps)
        eig = jnp.linalg.eigvalsh(hess(x, *args))
        return x, f(x, *args), jnp.linalg.norm(grad(x, *args)), jnp.mean(eig < 0)

    return jax.vmap(one)(starts)


def critical_points(f: Callable, starts, *, args: tuple = (), steps: int = 30,
                    tol: float = 1e-4) -> CriticalPoints:
    """Run Newton's method `x ← x − H⁻¹∇f` from every start (vmapped) and classify the ends.

    Newton's method is attracted to any critical point, minimum or saddle, so
    many random starts find many critical points. A start whose run ends with
    `‖∇f‖ > tol` (or not finite) is marked not converged.

    Args:
      f: `f(x, *args) -> scalar`, `x` of shape `(dims,)`.
      starts: shape `(n, dims)`.
      args: traced extra arguments of `f` (a landscape's parameters).
      steps: Newton steps per start, >= 1.
      tol: gradient-norm tolerance, > 0.

    Example:
      >>> f = lambda x: x[0] ** 2 - x[1] ** 2
      >>> found = critical_points(f, jnp.array([[0.3, 0.2], [1.0, -2.0]]), steps=2)
      >>> found.index.tolist(), found.converged.tolist()
      ([0.5, 0.5], [True, True])
    """
    _checks.finite_array("starts", starts)
    starts = jnp.asarray(starts, dtype=jnp.float32)
    if starts.ndim != 2:
        raise ValueError(f"starts must have shape (n, dims), got {starts.shape}")
    _checks.int_in_range("steps", steps, 1)
    _checks.positive_float("tol", tol)
    points, values, norms, index = (np.asarray(v) for v in _critical_points(
        f, starts, tuple(args), steps=int(steps)))
    finite = np.isfinite(values) & np.all(np.isfinite(points), axis=1)
    converged = finite & (np.nan_to_num(norms, nan=np.inf) <= tol)
    return CriticalPoints(points, values, norms, index, converged)


# ---------------------------------------------------------------------------
# Long-term dependencies


@partial(jax.jit, static_argnames=("steps",))
def _powers(w, x0, *, steps):
    def step(x, _):
        x = w @ x
        return x, x

    _, xs = lax.scan(step, x0, None, length=steps)
    return jnp.concatenate([x0[None], xs])


def repeated_product(w, x0, steps: int):
    """`x_t = Wᵗ x₀` for `t = 0 … steps`: the same matrix applied again and again, shape `(steps + 1, n)`.

    With `W = V diag(λ) V⁻¹`, `Wᵗ = V diag(λᵗ) V⁻¹`: the part of `x₀` along an
    eigenvector with `|λ| > 1` explodes, the part with `|λ| < 1` vanishes.

    Example:
      >>> repeated_product(jnp.diag(jnp.array([2.0, 0.5])), jnp.ones(2), 3)[-1].tolist()
      [8.0, 0.125]
    """
    _checks.finite_array("w", w)
    _checks.finite_array("x0", x0)
    w = jnp.asarray(w, dtype=jnp.float32)
    x0 = jnp.asarray(x0, dtype=jnp.float32)
    if w.ndim != 2 or x0.ndim != 1 or w.shape != (x0.shape[0], x0.shape[0]):
        raise ValueError(f"w must be a square n×n matrix and x0 a vector of n numbers, "
                         f"got shapes {w.shape} and {x0.shape}")
    _checks.int_in_range("steps", steps, 1)
    return _powers(w, x0, steps=int(steps))


# ---------------------------------------------------------------------------
# Inexact gradients


@partial(jax.jit, static_argnames=("f", "steps"))
def _noisy(f, x0, lr, noise, key, args, *, steps):
    draws = jax.random.normal(key, (steps,) + x0.shape)

    def step(x, z):
        update = -lr * (jax.grad(f)(x, *args) + noise * z)
        ratio = jnp.linalg.norm(update) / jnp.maximum(jnp.linalg.norm(x), 1e-30)
        return x + update, (x, f(x, *args), ratio)

    last, (visited, losses, ratios) = lax.scan(step, x0, draws)
    return jnp.concatenate([visited, last[None]]), jnp.append(losses, f(last, *args)), ratios


def noisy_descent(f: Callable, x0, lr, steps: int, *, noise, key, args: tuple = ()) -> Trajectory:
    """Gradient descent on an inexact gradient: `x ← x − lr (∇f(x) + noise · z)`, `z ~ N(0, I)`.

    The draws are `jax.random.normal(key, (steps,) + x0.shape)`, row `t` at
    step `t`. The recorded losses are those of the true `f`. `lr`, `noise`
    and `key` are traced.

    Example:
      >>> f = lambda x: 0.5 * jnp.sum(x ** 2)
      >>> exact = noisy_descent(f, jnp.ones(2), 0.5, 2, noise=0.0, key=jax.random.key(0))
      >>> exact.params[-1].tolist()
      [0.25, 0.25]
    """
    _checks.finite_array("x0", x0)
    _checks.positive_float("lr", lr)
    _checks.int_in_range("steps", steps, 1)
    _checks.number("noise", noise, low=0.0)
    _checks.prng_key("key", key)
    x0 = jnp.asarray(x0, dtype=jnp.float32)
    params, losses, ratios = _noisy(f, x0, jnp.float32(float(lr)), jnp.float32(float(noise)), key,
                                    tuple(args), steps=int(steps))
    return Trajectory(params, losses, ratios, first_nonfinite(np.asarray(losses)))
