"""Training loops: a whole trajectory in one jit-compiled `lax.scan`.

Introduced in lesson 01. Everything a slider can change (learning rate, initial
weights, optimizer hyperparameters, traced extra arguments such as a depth) is a
traced value, so a new value never recompiles; only a new parameter shape, a new
number of steps or a new optimizer rule does.

The loss is data too (`lesson_lib.compilation`): the loop is jitted once at
module level and takes the loss as a traced pytree, so a new loss object of the
same kind and shapes (`nets.narrow_loss_on(x, y)` on new data,
`landscapes.rosenbrock(a, b)` with new `a, b`) compiles nothing. A plain
function compiles once per function object.
"""

from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from lesson_lib import _checks
from lesson_lib.compilation import as_pytree
from lesson_lib.curves import first_nonfinite

__all__ = [
    "Trajectory",
    "optimize",
    "sgd_state",
    "gradient_descent",
    "loss_curve",
]


class Trajectory(NamedTuple):
    """The record of one training run.

    Attributes:
      params: parameters before every step and after the last, leading axis
        `steps + 1` (row 0 is the initial point).
      losses: loss at each of those points, shape `(steps + 1,)`.
      update_ratios: ‖update‖ / ‖params‖ of each step, shape `(steps,)`
        (healthy training sits near 1e-3; lesson "babysitting").
      diverged_at: the first step whose loss is not finite, or `None`. Entries
        after it are left as computed (non-finite); plots stop there.
    """

    params: object
    losses: jax.Array
    update_ratios: jax.Array
    diverged_at: int | None

    def __repr__(self):
        steps = self.losses.shape[0] - 1
        last = float(self.losses[-1])
        state = "no divergence" if self.diverged_at is None else f"diverged at step {self.diverged_at}"
        return f"Trajectory(steps={steps}, final_loss={last:.4g}, {state})"


def _strong(leaf):
    """`leaf` without JAX's weak type (`jnp.full(2, 3.0)` is weakly typed): one compile serves both."""
    if getattr(leaf, "weak_type", False):
        return lax.convert_element_type(leaf, leaf.dtype)
    return leaf


def _tree_norm(tree):
    return optax.tree_utils.tree_norm(tree)


def _ratio(update_norm, param_norm):
    safe = jnp.where(param_norm > 0, param_norm, 1.0)
    return jnp.where(param_norm > 0, update_norm / safe, jnp.where(update_norm > 0, jnp.inf, 0.0))


@partial(jax.jit, static_argnames=("update_fn", "steps"))
def _descend(loss, batch, params0, opt_state, args, key, *, update_fn, steps):
    def objective(params, step):
        if batch is None:
            return loss(params, *args)
        return loss(params, batch(jax.random.fold_in(key, step), step), *args)

    def step_fn(carry, step):
        params, state = carry
        value, grads = jax.value_and_grad(objective)(params, step)
        updates, state = update_fn(grads, state, params)
        ratio = _ratio(_tree_norm(updates), _tree_norm(params))
        return (optax.apply_updates(params, updates), state), (params, value, ratio)

    (last, _), (visited, losses, ratios) = lax.scan(
        step_fn, (params0, opt_state), jnp.arange(steps)
    )
    params = jax.tree.map(lambda a, b: jnp.concatenate([a, b[None]]), visited, last)
    losses = jnp.append(losses, objective(last, steps))
    return params, losses, ratios


def optimize(
    loss_fn: Callable,
    params0,
    optimizer: optax.GradientTransformation,
    steps: int,
    *,
    args: tuple = (),
    batch_fn: Callable | None = None,
    key=None,
    opt_state=None,
) -> Trajectory:
    """Train `params0` with any optax optimizer for `steps` steps.

    Each step computes `g = ∇L(params)`, asks the optimizer for an update
    `u, state = optimizer.update(g, state, params)` and applies `params += u`.

    Args:
      loss_fn: `loss_fn(params, *args)`, or `loss_fn(params, batch, *args)` when
        `batch_fn` is given. A loss object (a pytree, e.g. `nets.NarrowLoss`)
        compiles once per kind and shapes; a plain function once per function
        object.
      params0: initial parameters (any pytree of float arrays).
      optimizer: an optax `GradientTransformation`. Its `init` runs outside the
        compiled loop, so hyperparameters held in its state (see
        `optax.inject_hyperparams`) are traced and never recompile.
      steps: number of updates, >= 1.
      args: extra traced arguments for `loss_fn` (data, a depth...).
      batch_fn: optional `batch_fn(key, step) -> batch` for mini-batch training
        (a pytree or a function, keyed like `loss_fn`).
      key: `jax.random` key for `batch_fn` (required with it).
      opt_state: a ready optimizer state, to bypass `optimizer.init`.

    Returns:
      A `Trajectory`.

    Example:
      >>> import jax.numpy as jnp, optax
      >>> run = optimize(lambda w: jnp.sum(w ** 2), jnp.ones(2), optax.sgd(0.25), 3)
      >>> [round(v, 4) for v in run.losses.tolist()]
      [2.0, 0.5, 0.125, 0.0312]
    """
    _checks.int_in_range("steps", steps, 1)
    _checks.finite_array("params0", params0)
    _checks.finite_args(tuple(args))
    if batch_fn is not None and key is None:
        raise ValueError("key must be a jax.random key when batch_fn is given")
    params0 = jax.tree.map(_strong, params0)
    if opt_state is None:
        opt_state = optimizer.init(params0)
    params, losses, ratios = _descend(
        as_pytree(loss_fn),
        as_pytree(batch_fn),
        params0,
        opt_state,
        tuple(args),
        jax.random.key(0) if key is None else key,
        update_fn=optimizer.update,
        steps=int(steps),
    )
    return Trajectory(params, losses, ratios, first_nonfinite(np.asarray(losses)))


# One shared SGD transform whose learning rate lives in its state: every
# gradient_descent call reuses the same compiled loop whatever the rate.
_SGD = optax.inject_hyperparams(optax.sgd)(learning_rate=1.0)


def sgd_state(params0, lr):
    """The state of the shared SGD transform with learning rate `lr` (may be traced)."""
    state = _SGD.init(params0)
    state.hyperparams["learning_rate"] = jnp.asarray(lr, dtype=jnp.float32)
    return state


def gradient_descent(loss_fn: Callable, w0, lr, steps: int, *, args: tuple = ()) -> Trajectory:
    """Full-batch gradient descent `w ← w − lr · ∇L(w)` for `steps` steps.

    One `lax.scan`, compiled once per parameter shape, step count and loss
    kind: the learning rate, `w0` and a loss object's data are traced.

    Args:
      loss_fn: `loss_fn(w, *args) -> scalar`.
      w0: initial weights.
      lr: learning rate, a finite number > 0.
      steps: number of updates, >= 1.
      args: extra traced arguments for `loss_fn`.

    Returns:
      A `Trajectory`; `params[0]` is `w0` and `losses[0]` is `L(w0)`.

    Raises:
      ValueError: `lr` not a finite number > 0, `steps` < 1, or `w0` (or a float
        array in `args`) empty or holding a NaN or infinity. Divergence during
        training is not an error: it is reported in `Trajectory.diverged_at`.

    Example:
      >>> import jax.numpy as jnp
      >>> run = gradient_descent(lambda w: jnp.sum(w ** 2), jnp.array([1.0]), 0.25, 2)
      >>> run.params[:, 0].tolist()
      [1.0, 0.5, 0.25]
      >>> gradient_descent(lambda w: jnp.sum(w ** 2), jnp.array([1.0]), 1.5, 200).diverged_at
      64
    """
    _checks.positive_float("lr", lr)
    _checks.int_in_range("steps", steps, 1)
    _checks.finite_array("w0", w0)
    w0 = jnp.asarray(w0, dtype=jnp.float32)
    return optimize(loss_fn, w0, _SGD, steps, args=args, opt_state=sgd_state(w0, lr))


def loss_curve(loss_fn: Callable, w0, lr, steps: int, *, args: tuple = ()):
    """The losses of `gradient_descent` as a pure array function: usable under `jit` and `vmap`.

    Same loop as `gradient_descent` (so the same numbers), without the host-side
    `diverged_at`; `lr` and `w0` may be traced. `steps` must be a Python int.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> curve = lambda lr: loss_curve(lambda w: jnp.sum(w ** 2), jnp.ones(1), lr, 2)
      >>> jax.vmap(curve)(jnp.array([0.25, 1.5])).tolist()
      [[1.0, 0.25, 0.0625], [1.0, 4.0, 16.0]]
    """
    _checks.positive_float("lr", lr)
    _checks.int_in_range("steps", steps, 1)
    w0 = jnp.asarray(w0, dtype=jnp.float32)
    _, losses, _ = _descend(as_pytree(loss_fn), None, w0, sgd_state(w0, lr), tuple(args), jax.random.key(0),
                            update_fn=_SGD.update, steps=int(steps))
    return losses
