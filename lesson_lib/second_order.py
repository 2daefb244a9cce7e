"""Second-order methods and gradient clipping: Newton's method, L-BFGS, clipped descent.

Introduced in lesson 12. Gradient descent steps along `−∇f` with one learning
rate for every direction. Newton's method rescales the step by the curvature,
`x ← x − lr · H⁻¹ ∇f(x)` with `H` the Hessian: long steps where the function is
flat, short ones where it is steep, and on a quadratic it lands on the
critical point in one step. It is attracted to *any* critical point, saddles
included, and it needs `H` (n² numbers) and a linear solve per step. L-BFGS
(`optax.lbfgs`) approximates `H⁻¹` from the last few gradient differences and
picks each step's length with a line search. Gradient clipping
(`optax.clip_by_global_norm`, `optax.clip`) caps the step where a cliff makes
the gradient huge.

Every function runs one `lax.scan` and compiles once per function `f`, shape
and number of steps; learning rates and clipping thresholds are traced.
"""

from functools import partial
from typing import Callable

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from lesson_lib import _checks
from lesson_lib.train import Trajectory, optimize

__all__ = [
    "MAX_CONDITION",
    "NewtonTrajectory",
    "LBFGSTrajectory",
    "newton",
    "lbfgs",
    "CLIP_MODES",
    "clipped_descent",
]

MAX_CONDITION = 1e6
"""A Hessian whose condition number exceeds this is flagged: float32 keeps about 7 digits,
and solving with a matrix of condition number κ loses about log10 κ of them."""


def _first(flags) -> int | None:
    flags = np.asarray(flags)
    return int(np.argmax(flags)) if flags.any() else None


class NewtonTrajectory(Trajectory):
    """A `Trajectory` of Newton's method, with the condition of each Hessian.

    Extra attributes:
      condition: condition number `|λ|max / |λ|min` of the Hessian at each of
        the `steps` points a step was taken from (`inf` for a singular one).
      singular_at: the first step whose Hessian is singular or ill-conditioned
        (condition number above `MAX_CONDITION`, or not finite), or `None`.
        Its step `H⁻¹∇f` cannot be trusted (and may be infinite).
    """

    def __repr__(self):
        text = super().__repr__()
        if self.singular_at is None:
            return text
        return text[:-1] + f", Hessian singular or ill-conditioned at step {self.singular_at})"


class LBFGSTrajectory(Trajectory):
    """A `Trajectory` of L-BFGS, with the work of its line search.

    Extra attribute:
      evaluations: evaluations of `f` and its gradient in each step, line search
        included (one step of gradient descent costs one).
    """


def _finish(cls, params, losses, ratios, **extra):
    bad = ~np.isfinite(np.asarray(losses))
    run = cls(params, losses, ratios, _first(bad))
    for name, value in extra.items():
        setattr(run, name, value)
    return run


def _vector(name, x0):
    _checks.finite_array(name, x0)
    x0 = jnp.asarray(x0, dtype=jnp.float32)
    if x0.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array (a point), got shape {x0.shape}")
    return x0


@partial(jax.jit, static_argnames=("f", "steps"))
def _newton(f, x0, lr, *, steps):
    grad, hess = jax.grad(f), jax.hessian(f)

    def step(x, _):
        g, h = grad(x), hess(x)
        delta = jnp.linalg.solve(h, g)  # H⁻¹g without forming H⁻¹
        update = -lr * delta
        singular_values = jnp.linalg.svd(h, compute_uv=False)
        condition = singular_values[0] / singular_values[-1]
        ratio = jnp.linalg.norm(update) / jnp.maximum(jnp.linalg.norm(x), 1e-30)
        return x + update, (x, f(x), ratio, condition)

    last, (visited, losses, ratios, condition) = lax.scan(step, x0, None, length=steps)
    params = jnp.concatenate([visited, last[None]])
    return params, jnp.append(losses, f(last)), ratios, condition


def newton(f: Callable, x0, steps: int, *, lr=1.0) -> NewtonTrajectory:
    """Newton's method `x ← x − lr · H(x)⁻¹ ∇f(x)` for `steps` steps.

    The step solves `H d = ∇f` (`jnp.linalg.solve`); the inverse is never
    formed. On a quadratic `f(x) = ½ xᵀAx − bᵀx` with `A` invertible, one step
    with `lr = 1` lands on the critical point `A⁻¹b`, whatever `A`'s
    conditioning: a minimum if `A` is positive definite, a saddle if `A` has
    eigenvalues of both signs. Newton's method does not tell them apart.

    Args:
      f: `f(x) -> scalar` for a 1-D array `x`; one function object per lesson
        (a new one compiles anew).
      x0: the start, a 1-D array of finite numbers.
      steps: number of steps, >= 1.
      lr: step scale, a finite number > 0 (traced: a new value never recompiles).

    Returns:
      A `NewtonTrajectory`: a `Trajectory` whose `condition` holds the
      Hessian's condition number at each step and `singular_at` the first step
      with a singular or ill-conditioned Hessian (or `None`). A step that
      produces a non-finite point is reported by `diverged_at`, not raised.

    Raises:
      ValueError: `x0` not a 1-D array of finite numbers, `steps` < 1, or `lr`
        not a finite number > 0.

    Example:
      >>> f = lambda x: 0.5 * (x[0] ** 2 + 100.0 * x[1] ** 2)
      >>> run = newton(f, jnp.array([1.0, 1.0]), 2)
      >>> run.params.tolist(), run.singular_at
      ([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]], None)
      >>> newton(lambda x: x[0] ** 2 + 0.0 * x[1], jnp.array([1.0, 1.0]), 1).singular_at
      0
    """
    x0 = _vector("x0", x0)
    _checks.int_in_range("steps", steps, 1)
    _checks.positive_float("lr", lr)
    params, losses, ratios, condition = _newton(f, x0, jnp.float32(float(lr)), steps=int(steps))
    condition = np.asarray(condition, dtype=float)
    flagged = ~np.isfinite(condition) | (condition > MAX_CONDITION)
    return _finish(NewtonTrajectory, params, losses, ratios, condition=condition,
                   singular_at=_first(flagged))


_LBFGS = optax.lbfgs()  # one transform object: its update is the compiled loop's static argument


@partial(jax.jit, static_argnames=("f", "steps"))
def _lbfgs(f, x0, *, steps):
    value_and_grad = optax.value_and_grad_from_state(f)

    def step(carry, _):
        x, state = carry
        value, grad = value_and_grad(x, state=state)
        updates, state = _LBFGS.update(grad, state, x, value=value, grad=grad, value_fn=f)
        searched = optax.tree_utils.tree_get(state, "num_linesearch_steps")
        ratio = jnp.linalg.norm(updates) / jnp.maximum(jnp.linalg.norm(x), 1e-30)
        return (x + updates, state), (x, value, ratio, searched)

    (last, _), (visited, losses, ratios, searched) = lax.scan(
        step, (x0, _LBFGS.init(x0)), None, length=steps)
    params = jnp.concatenate([visited, last[None]])
    return params, jnp.append(losses, f(last)), ratios, searched


def lbfgs(f: Callable, x0, steps: int) -> LBFGSTrajectory:
    """L-BFGS with a zoom line search (`optax.lbfgs`) for `steps` steps.

    Each step multiplies the gradient by an estimate of `H⁻¹` built from the
    last 10 pairs `(Δx, Δ∇f)` (never a matrix), then a line search picks the
    step length so that the loss drops enough (Wolfe conditions). The
    gradients the line search computes are reused
    (`optax.value_and_grad_from_state`).

    Args:
      f: `f(x) -> scalar` for a 1-D array `x`.
      x0: the start, a 1-D array of finite numbers.
      steps: number of steps, >= 1.

    Returns:
      An `LBFGSTrajectory`: a `Trajectory` whose `evaluations` counts the
      evaluations of `f` in each step.

    Example:
      >>> f = lambda x: (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2
      >>> run = lbfgs(f, jnp.array([-1.2, 1.0]), 60)
      >>> [round(v, 3) for v in run.params[-1].tolist()], bool(run.losses[-1] < 1e-8)
      ([1.0, 1.0], True)
    """
    x0 = _vector("x0", x0)
    _checks.int_in_range("steps", steps, 1)
    params, losses, ratios, searched = _lbfgs(f, x0, steps=int(steps))
    return _finish(LBFGSTrajectory, params, losses, ratios,
                   evaluations=np.maximum(np.asarray(searched, dtype=int), 1))


CLIP_MODES = ("none", "norm", "value")
"""`none`: plain gradient descent; `norm`: `optax.clip_by_global_norm` (keeps the direction,
caps the length); `value`: `optax.clip` (caps each coordinate, which turns the direction)."""

# Both clips in one chain, their thresholds traced: the mode only sets which is finite (a clip at
# infinity passes the gradient through), so every mode and threshold shares one compilation. The
# coordinate clip comes first, so an infinite gradient it caps never reaches the norm's `inf/inf`.
_CLIPPED = optax.chain(optax.inject_hyperparams(optax.clip)(max_delta=1.0),
                       optax.inject_hyperparams(optax.clip_by_global_norm)(max_norm=1.0),
                       optax.inject_hyperparams(optax.sgd)(learning_rate=1.0))


def clipped_descent(f: Callable, x0, lr, steps: int, *, threshold=None, mode: str = "norm",
                    args: tuple = ()) -> Trajectory:
    """Gradient descent on clipped gradients: `x ← x − lr · clip(∇f(x))`.

    `mode="norm"` rescales `g` to length `threshold` when `‖g‖ > threshold`
    (`optax.clip_by_global_norm`): the direction is kept, the step is at most
    `lr · threshold` long. `mode="value"` clips each coordinate to
    `[−threshold, threshold]` (`optax.clip`). `mode="none"` (or
    `threshold=None`) is plain gradient descent.

    Args:
      f: `f(x, *args) -> scalar`.
      x0: the start (any array of finite numbers).
      lr: learning rate, a finite number > 0 (traced).
      steps: number of steps, >= 1.
      threshold: the clipping threshold, a number > 0 (traced), or `None`.
      mode: one of `CLIP_MODES`.
      args: extra traced arguments for `f`.

    Returns:
      A `Trajectory` (divergence is reported in `diverged_at`, never raised).

    Example:
      >>> f = lambda x: 50.0 * jnp.sum(x ** 2)
      >>> clipped_descent(f, jnp.array([3.0, 4.0]), 0.1, 1, threshold=1.0).params[1].tolist()
      [2.940000057220459, 3.9200000762939453]
      >>> clipped_descent(f, jnp.array([3.0, 4.0]), 0.1, 1, mode="value", threshold=1.0).params[1].tolist()
      [2.9000000953674316, 3.9000000953674316]
    """
    _checks.one_of("mode", mode, CLIP_MODES)
    _checks.positive_float("lr", lr)
    _checks.int_in_range("steps", steps, 1)
    _checks.finite_array("x0", x0)
    if threshold is not None:
        _checks.positive_float("threshold", threshold)
    x0 = jnp.asarray(x0, dtype=jnp.float32)
    state = _CLIPPED.init(x0)
    limit = float("inf") if threshold is None else float(threshold)
    state[0].hyperparams["max_delta"] = jnp.float32(limit if mode == "value" else float("inf"))
    state[1].hyperparams["max_norm"] = jnp.float32(limit if mode == "norm" else float("inf"))
    state[2].hyperparams["learning_rate"] = jnp.float32(float(lr))
    return optimize(f, x0, _CLIPPED, steps, args=args, opt_state=state)
