"""Particle swarm optimization: a search for good starting points that needs no gradient.

Introduced in lesson 12. Gradient methods are local: from a poor start they
settle in the nearest basin. A particle swarm spreads `n` particles over a box
and lets them fly; each remembers the best point it has seen (`pbest`), the
swarm the best of all (`gbest`), and each step every particle is pulled
towards both:

    v ← w·v + c1·r1 ⊙ (pbest − x) + c2·r2 ⊙ (gbest − x),    x ← clip(x + v, bounds)

with fresh uniform random numbers `r1, r2 ∈ [0, 1)` per particle and
coordinate, `w` the inertia. Velocities start at zero. The best point found is
then a starting point for a local method.

The particles move together (`vmap` over particles, one `lax.scan` over the
steps), compiled once per function, swarm shape and number of steps: a new
`key`, `inertia`, `c1`, `c2`, `bounds` or `start` box never recompiles.
"""

from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax import lax

from lesson_lib import _checks

__all__ = ["SwarmResult", "swarm_draws", "particle_swarm"]


class SwarmResult(NamedTuple):
    """A particle swarm's run.

    Attributes:
      positions: every particle's position before the first step and after each,
        shape `(steps + 1, n_particles, dims)`.
      values: `f` at those positions, shape `(steps + 1, n_particles)`.
      best_values: the best value found so far after each step (row 0: the
        start), shape `(steps + 1,)`; never increases.
      best_point: the best point found, shape `(dims,)`.
      best_value: `f(best_point)`, a float.
    """

    positions: jax.Array
    values: jax.Array
    best_values: jax.Array
    best_point: jax.Array
    best_value: float

    def __repr__(self):
        steps, n, dims = self.positions.shape
        point = ", ".join(f"{v:.3g}" for v in np.asarray(self.best_point).tolist())
        return (f"SwarmResult(particles={n}, steps={steps - 1}, best_value={self.best_value:.4g} "
                f"at ({point}))")


def swarm_draws(key, n_particles: int, dims: int, steps: int):
    """The swarm's random numbers: `(u0, r)`, uniform in [0, 1).

    With `k_start, k_steps = jax.random.split(key)`: `u0 = uniform(k_start,
    (n_particles, dims))` places particle `i` at `low + u0[i]·(high − low)` (the
    start box's corners),
    and `r = uniform(k_steps, (steps, 2, n_particles, dims))` holds its `r1`
    (`r[t, 0, i]`) and `r2` (`r[t, 1, i]`) at step `t`.

    Example:
      >>> u0, r = swarm_draws(jax.random.key(0), 3, 2, 4)
      >>> u0.shape, r.shape
      ((3, 2), (4, 2, 3, 2))
    """
    k_start, k_steps = jax.random.split(key)
    return (jax.random.uniform(k_start, (n_particles, dims)),
            jax.random.uniform(k_steps, (steps, 2, n_particles, dims)))


@partial(jax.jit, static_argnames=("f", "n_particles", "steps"))
def _swarm(f, key, low, high, start_low, start_high, inertia, c1, c2, active, *, n_particles, steps):
    dims = low.shape[0]
    u0, draws = swarm_draws(key, n_particles, dims, steps)
    live = jnp.arange(n_particles) < active  # particles beyond `active` sit still, unseen
    values_of = jax.vmap(f)

    def masked(values):
        return jnp.where(live, values, jnp.inf)

    x0 = start_low[None] + u0 * (start_high - start_low)[None]
    v0 = jnp.zeros_like(x0)
    f0 = masked(values_of(x0))

    def step(carry, r):
        x, v, pbest, pbest_f, gbest, gbest_f = carry
        v = inertia * v + c1 * r[0] * (pbest - x) + c2 * r[1] * (gbest[None] - x)
        v = jnp.where(live[:, None], v, 0.0)
        x = jnp.clip(x + v, low[None], high[None])
        fx = masked(values_of(x))
        better = fx < pbest_f
        pbest = jnp.where(better[:, None], x, pbest)
        pbest_f = jnp.where(better, fx, pbest_f)
        best = jnp.argmin(pbest_f)
        gbest, gbest_f = pbest[best], pbest_f[best]
        return (x, v, pbest, pbest_f, gbest, gbest_f), (x, fx, gbest_f)

    first = jnp.argmin(f0)
    carry0 = (x0, v0, x0, f0, x0[first], f0[first])
    (_, _, _, _, gbest, gbest_f), (xs, fs, best) = lax.scan(step, carry0, draws)
    positions = jnp.concatenate([x0[None], xs])
    values = jnp.concatenate([f0[None], fs])
    return positions, values, jnp.append(f0[first], best), gbest, gbest_f


def _check_bounds(bounds, name="bounds"):
    try:
        array = np.asarray(bounds, dtype=float)
    except (TypeError, ValueError):
        array = None
    if array is None or array.ndim != 2 or array.shape[1] != 2 or array.shape[0] < 1 \
            or not np.all(np.isfinite(array)) or not np.all(array[:, 0] < array[:, 1]):
        raise ValueError(f"{name} must be a sequence of (low, high) pairs, one per coordinate, "
                         f"with finite low < high, got {bounds!r}")
    return array


def particle_swarm(f: Callable, bounds, *, n_particles: int, steps: int, key, inertia=0.7,
                   c1=1.5, c2=1.5, active=None, start=None) -> SwarmResult:
    """Minimise `f` over a box with a particle swarm (see the module docstring for the update).

    Args:
      f: `f(x) -> scalar` for `x` of shape `(dims,)`; evaluated on all particles
        at once with `vmap`.
      bounds: `[(low, high), ...]`, one pair per coordinate: the particles are
        clipped to this box (and start uniformly inside it, unless `start`).
      n_particles: swarm size, >= 1 (a new size compiles once).
      steps: number of steps, >= 1.
      key: a `jax.random` key (the draws are `swarm_draws(key, ...)`).
      inertia: `w`, a finite number >= 0 (traced); above about 1 the swarm
        does not settle.
      c1, c2: pulls towards each particle's own best and the swarm's best,
        finite numbers >= 0 (traced).
      active: how many of the `n_particles` take part (default all; traced):
        the others neither move nor count. One compiled swarm of the largest
        size then serves every smaller one (a slider); particle `i` keeps its
        draws whatever `active` is.
      start: a smaller box inside `bounds`, in the same form, where the
        particles start uniformly (default: all of `bounds`; traced). A swarm
        started in one basin shows that it searches only where it spreads.

    Returns:
      A `SwarmResult`.

    Raises:
      ValueError: for bad bounds, a start box outside them, sizes, steps,
        coefficients or a missing key.

    Example:
      >>> f = lambda x: jnp.sum((x - 1.0) ** 2)
      >>> run = particle_swarm(f, [(-5, 5), (-5, 5)], n_particles=20, steps=60, key=jax.random.key(0))
      >>> [round(v, 3) for v in run.best_point.tolist()], run.best_value < 1e-6
      ([1.0, 1.0], True)
      >>> run = particle_swarm(f, [(-5, 5), (-5, 5)], n_particles=20, steps=60, key=jax.random.key(0),
      ...                      start=[(-5, -4), (-5, -4)])
      >>> bool(jnp.all(run.positions[0] <= -4.0)), run.best_value < 1e-6
      (True, True)
    """
    array = _check_bounds(bounds)
    box = array if start is None else _check_bounds(start, "start")
    if box.shape != array.shape or np.any(box[:, 0] < array[:, 0]) or np.any(box[:, 1] > array[:, 1]):
        raise ValueError(f"start must be a box inside bounds {array.tolist()}, one (low, high) "
                         f"pair per coordinate, got {start!r}")
    _checks.int_in_range("n_particles", n_particles, 1)
    _checks.int_in_range("steps", steps, 1)
    _checks.prng_key("key", key)
    for name, value in (("inertia", inertia), ("c1", c1), ("c2", c2)):
        _checks.number(name, value, low=0.0)
    active = n_particles if active is None else active
    _checks.int_in_range("active", active, 1, n_particles)
    low, high = jnp.asarray(array[:, 0], jnp.float32), jnp.asarray(array[:, 1], jnp.float32)
    start_low, start_high = jnp.asarray(box[:, 0], jnp.float32), jnp.asarray(box[:, 1], jnp.float32)
    positions, values, best_values, best_point, best_value = _swarm(
        f, key, low, high, start_low, start_high, jnp.float32(float(inertia)), jnp.float32(float(c1)),
        jnp.float32(float(c2)), jnp.int32(int(active)), n_particles=int(n_particles),
        steps=int(steps))
    return SwarmResult(positions, values, best_values, best_point, float(best_value))
