"""Loss landscapes: 2-D surfaces, their gradients and their critical points.

Introduced in lesson 01, where the landscape of `y = x w1 w2` over `(w1, w2)` is
small enough to draw whole: a valley of global minima along `w1 w2 = slope`
(two hyperbola branches) and a saddle at the origin. Every landscape here is a
function of a point `p` of shape `(2,)`.

The test landscapes of lesson 06 are loss objects (`lesson_lib.compilation`):
pytrees whose parameters (a condition number, Rosenbrock's `a` and `b`) are
traced arrays. `grid`, `gradient_field`, the Hessian and every training loop
compile once per kind of landscape, whatever its parameters; a plain function
compiles once per function object.
"""

import dataclasses
import math
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks, curvature
from lesson_lib.compilation import as_pytree
from lesson_lib.nets import NarrowLoss, narrow_loss_on

__all__ = [
    "Surface",
    "grid",
    "gradient_field",
    "narrow_landscape",
    "hessian_eigenvalues",
    "classify_critical_point",
    "IllConditionedQuadratic",
    "ill_conditioned_quadratic",
    "Rosenbrock",
    "rosenbrock",
    "Saddle",
    "saddle",
]


class Surface(NamedTuple):
    """A function sampled on a grid: `z[i, j] = f([x[j], y[i]])` (matplotlib's layout)."""

    x: jax.Array
    y: jax.Array
    z: jax.Array


@partial(jax.jit, static_argnames=("n",))
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

    Compiled once per `n` and kind of `f` (a loss object's parameters are traced).

    Example:
      >>> s = grid(lambda p: p[0] ** 2 + p[1] ** 2, (-1, 1), (-1, 1), n=3)
      >>> s.z.tolist()
      [[2.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 2.0]]
    """
    _check_limits("xlim", xlim)
    _check_limits("ylim", ylim)
    _checks.int_in_range("n", n, 2)
    lims = (jnp.asarray(xlim, jnp.float32), jnp.asarray(ylim, jnp.float32))
    return _grid(as_pytree(f), *lims, n=int(n))


@partial(jax.jit, static_argnames=("n",))
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
    return _gradient_field(as_pytree(f), *lims, n=int(n))


def narrow_landscape(x, y) -> NarrowLoss:
    """The loss of `ŷ = x w1 w2` as a function of `p = (w1, w2)` (lesson 01).

    A `nets.NarrowLoss`: new data of the same shape compiles nothing.
    """
    return narrow_loss_on(x, y)


def hessian_eigenvalues(f: Callable, point) -> np.ndarray:
    """Eigenvalues (ascending) of the Hessian of `f` at `point`, in float64 (`curvature.hessian`).

    Example:
      >>> hessian_eigenvalues(saddle(), [0.0, 0.0]).tolist()
      [-2.0, 2.0]
    """
    return curvature.hessian_eigenvalues(f, np.asarray(point, dtype=np.float64))


@jax.jit
def _gradient(f, point):
    return jax.grad(f)(point)


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
    _checks.finite_array("point", point)
    with jax.enable_x64():
        p = jnp.asarray(point, dtype=jnp.float64)
        grad_norm = float(np.linalg.norm(np.asarray(_gradient(curvature._as64(as_pytree(f)), p))))
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
# Two-dimensional test landscapes for the optimizer race (lesson 06): loss
# objects whose parameters are NumPy float64 scalars, traced by compiled code
# (in float32, or float64 inside `jax.enable_x64`, as a Python number would be).


def _scalar(value) -> np.float64:
    return np.float64(value)


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True, eq=False)
class IllConditionedQuadratic:
    """The bowl `½ (u² + κ v²)` with axes turned by an angle; build it with `ill_conditioned_quadratic`.

    Its arrays are `κ` and the angle's cosine and sine (computed in float64 on
    the host).
    """

    condition_number: jax.Array
    cos: jax.Array
    sin: jax.Array

    def __call__(self, p):
        along = self.cos * p[0] + self.sin * p[1]
        across = -self.sin * p[0] + self.cos * p[1]
        return 0.5 * (along**2 + self.condition_number * across**2)

    def __repr__(self):
        try:
            angle = math.atan2(float(self.sin), float(self.cos))
            return f"IllConditionedQuadratic(condition_number={float(self.condition_number):g}, angle={angle:.4g})"
        except Exception:  # inside a trace
            return "IllConditionedQuadratic(...)"


def ill_conditioned_quadratic(condition_number: float, angle: float = 0.0) -> IllConditionedQuadratic:
    """The bowl `f(p) = ½ (u² + κ v²)`, its axes `(u, v)` turned by `angle` radians.

    `u = cos θ·x + sin θ·y`, `v = −sin θ·x + cos θ·y`. The Hessian has eigenvalues
    1 (along `u`) and `κ = condition_number` (along `v`): gradient descent is
    stable only for `lr < 2/κ`, and at such a rate the flat direction shrinks by
    at most `1 − 2/κ` per step, so a large `κ` means slow progress. Minimum 0 at
    the origin. A loss object: a new `κ` or angle compiles nothing.

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
    angle = float(angle)
    return IllConditionedQuadratic(_scalar(condition_number), _scalar(np.cos(angle)), _scalar(np.sin(angle)))


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True, eq=False)
class Rosenbrock:
    """Rosenbrock's valley `(a − x)² + b (y − x²)²`; build it with `rosenbrock`."""

    a: jax.Array
    b: jax.Array

    def __call__(self, p):
        return (self.a - p[0]) ** 2 + self.b * (p[1] - p[0] ** 2) ** 2

    def __repr__(self):
        try:
            return f"Rosenbrock(a={float(self.a):g}, b={float(self.b):g})"
        except Exception:  # inside a trace
            return "Rosenbrock(...)"


def rosenbrock(a: float = 1.0, b: float = 100.0) -> Rosenbrock:
    """Rosenbrock's banana valley `f(p) = (a − x)² + b (y − x²)²`.

    A curved, narrow valley (floor `y = x²`) with its minimum 0 at `(a, a²)`:
    easy to reach, hard to follow to the end. A loss object: new `a`, `b`
    compile nothing.

    Example:
      >>> f = rosenbrock()
      >>> float(f(jnp.array([1.0, 1.0]))), float(f(jnp.array([0.0, 0.0])))
      (0.0, 1.0)
    """
    _checks.finite_float("a", a)
    _checks.positive_float("b", b)
    return Rosenbrock(_scalar(a), _scalar(b))


@jax.tree_util.register_dataclass
@dataclasses.dataclass(frozen=True)
class Saddle:
    """The saddle `x² − y²` (no parameters); build it with `saddle`."""

    def __call__(self, p):
        return p[0] ** 2 - p[1] ** 2


def saddle() -> Saddle:
    """The saddle `f(p) = x² − y²`: a minimum along x, a maximum along y, at the origin.

    Unbounded below along y. Plain gradient descent started near the x axis
    crawls into the saddle and lingers; the gradient along y, `−2y`, is tiny there.

    Example:
      >>> classify_critical_point(saddle(), [0.0, 0.0])
      'saddle'
    """
    return Saddle()
