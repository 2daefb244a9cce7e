"""Loss landscapes: 2-D surfaces, their gradients and their critical points.

Introduced in lesson 01, where the landscape of `y = x w1 w2` over `(w1, w2)` is
small enough to draw whole: a valley of global minima along `w1 w2 = slope`
(two hyperbola branches) and a saddle at the origin. Every landscape here is a
pure function of a point `p` of shape `(2,)`.
"""

from functools import lru_cache, partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks
from lesson_lib.nets import narrow_loss_on

__all__ = [
    "Surface",
    "grid",
    "gradient_field",
    "narrow_landscape",
    "hessian_eigenvalues",
    "classify_critical_point",
    "ill_conditioned_quadratic",
    "rosenbrock",
    "saddle",
]


class Surface(NamedTuple):
    """A function sampled on a grid: `z[i, j] = f([x[j], y[i]])` (matplotlib's layout)."""

    x: jax.Array
    y: jax.Array
    z: jax.Array


@partial(jax.jit, static_argnames=("f", "n"))
def _grid(f, xlim, ylim, *, n):
    xs = jnp.linspace(xlim[0], xlim[1], n)
    ys = jnp.linspace(ylim[0], ylim[1], n)
    along_x = jax.vmap(lambda yv: jax.vmap(lambda xv: f(jnp.stack([xv, yv])))(xs))
    return Surface(xs, ys, along_x(ys))


def _check_limits(name, lim):
    if len(lim) != 2 or not all(np.isfinite(lim)) or not lim[0] < lim[1]:
        raise ValueError(f"{name} must be (low, high) with finite low < high, got {lim!r}")


def grid(f: Callable, xlim, ylim, n: int = 101) -> Surface:
    """Evaluate `f(p)`, `p = (x, y)`, on an `n × n` grid with `vmap`.

    Example:
      >>> s = grid(lambda p: p[0] ** 2 + p[1] ** 2, (-1, 1), (-1, 1), n=3)
      >>> s.z.tolist()
      [[2.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 2.0]]
    """
    _check_limits("xlim", xlim)
    _check_limits("ylim", ylim)
    _checks.int_in_range("n", n, 2)
    lims = (jnp.asarray(xlim, jnp.float32), jnp.asarray(ylim, jnp.float32))
    return _grid(f, *lims, n=int(n))


@partial(jax.jit, static_argnames=("f", "n"))
def _gradient_field(f, xlim, ylim, *, n):
    xs = jnp.linspace(xlim[0], xlim[1], n)
    ys = jnp.linspace(ylim[0], ylim[1], n)
    points = jnp.stack(jnp.meshgrid(xs, ys), axis=-1)
    return xs, ys, jax.vmap(jax.vmap(jax.grad(f)))(points)


def gradient_field(f: Callable, xlim, ylim, n: int = 15):
    """`∇f` on an `n × n` grid: `(x, y, g)` with `g[i, j] = ∇f([x[j], y[i]])`, for quiver plots."""
    _check_limits("xlim", xlim)
    _check_limits("ylim", ylim)
    _checks.int_in_range("n", n, 2)
    lims = (jnp.asarray(xlim, jnp.float32), jnp.asarray(ylim, jnp.float32))
    return _gradient_field(f, *lims, n=int(n))


def narrow_landscape(x, y) -> Callable:
    """The loss of `ŷ = x w1 w2` as a function of `p = (w1, w2)` (lesson 01).

    Create it once per data set: each new function object compiles anew.
    """
    return narrow_loss_on(x, y)


def hessian_eigenvalues(f: Callable, point):
    """Eigenvalues (ascending) of the Hessian of `f` at `point`, in float64."""
    with jax.enable_x64():
        point = jnp.asarray(point, dtype=jnp.float64)
        flat = point.reshape(-1)
        hessian = jax.hessian(lambda q: f(q.reshape(point.shape)))(flat)
        return np.asarray(jnp.linalg.eigvalsh(hessian))


def classify_critical_point(f: Callable, point, tol: float = 1e-6, grad_tol: float = 1e-4) -> str:
    """Classify a critical point of `f` by the second-derivative test.

    With `λ` the Hessian's eigenvalues at `point`:
      - eigenvalues of both signs (beyond `tol·max|λ|`): "saddle";
      - otherwise, any `|λ| <= tol·max|λ|`: "degenerate" (the test cannot decide:
        e.g. a point on a valley floor of minima, flat along the valley);
      - all `λ > 0`: "minimum"; all `λ < 0`: "maximum".

    Raises:
      ValueError: if `‖∇f(point)‖ > grad_tol`: the point is not critical.

    Example:
      >>> classify_critical_point(lambda p: p[0] ** 2 - p[1] ** 2, [0.0, 0.0])
      'saddle'
      >>> classify_critical_point(lambda p: (p[0] * p[1] - 1.0) ** 2, [1.0, 1.0])
      'degenerate'
    """
    _checks.positive_float("tol", tol)
    with jax.enable_x64():
        p = jnp.asarray(point, dtype=jnp.float64)
        grad_norm = float(jnp.linalg.norm(jax.grad(f)(p)))
    if not grad_norm <= grad_tol:
        raise ValueError(
            f"point {np.asarray(point).tolist()} is not a critical point: "
            f"the gradient norm is {grad_norm:.3g} > grad_tol={grad_tol:g}"
        )
    eig = hessian_eigenvalues(f, point)
    scale = float(np.max(np.abs(eig)))
    if scale == 0.0:
        return "degenerate"
    zero = tol * scale
    if eig.min() < -zero and eig.max() > zero:
        return "saddle"
    if np.any(np.abs(eig) <= zero):
        return "degenerate"
    return "minimum" if eig.min() > 0 else "maximum"


# ---------------------------------------------------------------------------
# Two-dimensional test landscapes for the optimizer race (lesson 06). Each
# factory is cached, so the same arguments give the same function object and
# the compiled training loops are reused.


@lru_cache(maxsize=64)
def _ill_conditioned_quadratic(condition_number, angle):
    cos, sin = float(np.cos(angle)), float(np.sin(angle))

    def loss(p):
        along = cos * p[0] + sin * p[1]
        across = -sin * p[0] + cos * p[1]
        return 0.5 * (along**2 + condition_number * across**2)

    return loss


def ill_conditioned_quadratic(condition_number: float, angle: float = 0.0) -> Callable:
    """The bowl `f(p) = ½ (u² + κ v²)`, its axes `(u, v)` turned by `angle` radians.

    `u = cos θ·x + sin θ·y`, `v = −sin θ·x + cos θ·y`. The Hessian has eigenvalues
    1 (along `u`) and `κ = condition_number` (along `v`): gradient descent is
    stable only for `lr < 2/κ`, and at such a rate the flat direction shrinks by
    at most `1 − 2/κ` per step, so a large `κ` means slow progress. Minimum 0 at
    the origin.

    Example:
      >>> f = ill_conditioned_quadratic(10.0)
      >>> float(f(jnp.array([1.0, 1.0])))
      5.5
      >>> classify_critical_point(f, [0.0, 0.0])
      'minimum'
    """
    _checks.finite_float("condition_number", condition_number)
    if float(condition_number) < 1:
        raise ValueError(f"condition_number must be a finite number >= 1, got {condition_number!r}")
    _checks.finite_float("angle", angle)
    return _ill_conditioned_quadratic(float(condition_number), float(angle))


@lru_cache(maxsize=64)
def _rosenbrock(a, b):
    def loss(p):
        return (a - p[0]) ** 2 + b * (p[1] - p[0] ** 2) ** 2

    return loss


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Callable:
    """Rosenbrock's banana valley `f(p) = (a − x)² + b (y − x²)²`.

    A curved, narrow valley (floor `y = x²`) with its minimum 0 at `(a, a²)`:
    easy to reach, hard to follow to the end.

    Example:
      >>> f = rosenbrock()
      >>> float(f(jnp.array([1.0, 1.0]))), float(f(jnp.array([0.0, 0.0])))
      (0.0, 1.0)
    """
    _checks.finite_float("a", a)
    _checks.positive_float("b", b)
    return _rosenbrock(float(a), float(b))


def _saddle_loss(p):
    return p[0] ** 2 - p[1] ** 2


def saddle() -> Callable:
    """The saddle `f(p) = x² − y²`: a minimum along x, a maximum along y, at the origin.

    Unbounded below along y. Plain gradient descent started near the x axis
    crawls into the saddle and lingers; the gradient along y, `−2y`, is tiny there.

    Example:
      >>> classify_critical_point(saddle(), [0.0, 0.0])
      'saddle'
    """
    return _saddle_loss
