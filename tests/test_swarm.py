"""The particle swarm against a NumPy reference driven by the same random draws."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib.compilation import count_compilations
from lesson_lib.swarm import particle_swarm, swarm_draws


def bumpy(x):
    return jnp.sum((x - 0.5) ** 2) + 0.3 * jnp.sum(jnp.cos(3 * x))


def bumpy_np(x):
    return np.sum((x - 0.5) ** 2, axis=-1) + 0.3 * np.sum(np.cos(3 * x), axis=-1)


def numpy_swarm(u0, r, bounds, inertia, c1, c2, active, start=None):
    low, high = np.asarray(bounds, np.float64).T
    start_low, start_high = np.asarray(bounds if start is None else start, np.float64).T
    n = u0.shape[0]
    live = np.arange(n) < active
    x = start_low + u0 * (start_high - start_low)
    v = np.zeros_like(x)
    fx = np.where(live, bumpy_np(x), np.inf)
    pbest, pbest_f = x.copy(), fx.copy()
    gbest = pbest[np.argmin(pbest_f)]
    positions, bests = [x.copy()], [pbest_f.min()]
    for t in range(r.shape[0]):
        v = inertia * v + c1 * r[t, 0] * (pbest - x) + c2 * r[t, 1] * (gbest - x)
        v[~live] = 0.0
        x = np.clip(x + v, low, high)
        fx = np.where(live, bumpy_np(x), np.inf)
        better = fx < pbest_f
        pbest[better], pbest_f[better] = x[better], fx[better]
        gbest = pbest[np.argmin(pbest_f)]
        positions.append(x.copy())
        bests.append(pbest_f.min())
    return np.array(positions), np.array(bests), gbest


BOUNDS = [(-2.0, 3.0), (-1.0, 1.0), (0.0, 4.0)]


@pytest.mark.slow
@pytest.mark.parametrize("inertia, c1, c2, active, start", [
    (0.7, 1.5, 1.5, 12, None), (0.4, 2.0, 0.5, 5, None),
    (0.5, 1.0, 1.5, 12, [(2.0, 3.0), (-1.0, -0.5), (1.0, 1.5)]),  # all start in one corner
])
def test_matches_numpy_with_the_same_draws(inertia, c1, c2, active, start):
    key = jax.random.key(3)
    run = particle_swarm(bumpy, BOUNDS, n_particles=12, steps=8, key=key, inertia=inertia, c1=c1,
                         c2=c2, active=active, start=start)
    u0, r = (np.asarray(a, dtype=np.float64) for a in swarm_draws(key, 12, 3, 8))
    positions, bests, gbest = numpy_swarm(u0, r, BOUNDS, inertia, c1, c2, active, start)
    np.testing.assert_allclose(run.positions[:, :active], positions[:, :active], rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(run.best_values, bests, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(run.best_point, gbest, atol=1e-4)
    assert run.best_value == pytest.approx(float(bests[-1]), abs=1e-5)


@pytest.mark.slow
def test_inactive_particles_neither_move_nor_count():
    run = particle_swarm(bumpy, BOUNDS, n_particles=10, steps=5, key=jax.random.key(0), active=3)
    positions = np.asarray(run.positions)
    assert np.all(positions[:, 3:] == positions[:1, 3:])
    assert np.all(np.isinf(np.asarray(run.values)[:, 3:]))
    assert run.best_value == pytest.approx(float(np.min(np.asarray(run.values)[:, :3])))


@pytest.mark.slow
def test_shapes_bounds_and_monotone_best():
    run = particle_swarm(bumpy, BOUNDS, n_particles=7, steps=20, key=jax.random.key(1))
    assert run.positions.shape == (21, 7, 3) and run.values.shape == (21, 7)
    low, high = np.asarray(BOUNDS).T
    assert np.all(np.asarray(run.positions) >= low) and np.all(np.asarray(run.positions) <= high)
    assert np.all(np.diff(np.asarray(run.best_values)) <= 0)
    assert "particles=7" in repr(run)


@pytest.mark.slow
def test_finds_the_minimum_of_a_bowl():
    run = particle_swarm(lambda x: jnp.sum((x - 1.0) ** 2), [(-5, 5)] * 2, n_particles=20, steps=60,
                         key=jax.random.key(0))
    np.testing.assert_allclose(run.best_point, [1.0, 1.0], atol=1e-3)


@pytest.mark.slow
def test_one_compilation_per_swarm_shape():
    particle_swarm(bumpy, BOUNDS, n_particles=9, steps=6, key=jax.random.key(0))
    with count_compilations() as count:
        for seed, (inertia, c1, c2) in enumerate([(0.1, 0.5, 2.5), (1.1, 2.0, 0.0), (0.7, 1.5, 1.5)]):
            particle_swarm(bumpy, [(-1, 1), (-3, 3), (0, 1)], n_particles=9, steps=6,
                           key=jax.random.key(seed + 5), inertia=inertia, c1=c1, c2=c2, active=seed + 1,
                           start=[(-1, 0), (seed - 3, seed - 2), (0, 0.5)])
    assert count.compiles == 0


@pytest.mark.parametrize("kwargs, name", [
    (dict(bounds=[(1.0, 0.0)]), "bounds"),
    (dict(bounds=[(0.0, np.inf)]), "bounds"),
    (dict(bounds=[0.0, 1.0]), "bounds"),
    (dict(n_particles=0), "n_particles"),
    (dict(steps=0), "steps"),
    (dict(key=0), "key"),
    (dict(inertia=-0.1), "inertia"),
    (dict(c2=float("nan")), "c2"),
    (dict(active=11), "active"),
    (dict(start=[(0.5, 1.5)]), "start"),  # not inside bounds
    (dict(start=[(0.2, 0.4), (0.2, 0.4)]), "start"),  # another dimension
    (dict(start=[(0.4, 0.2)]), "start"),
])
def test_bad_arguments(kwargs, name):
    arguments = dict(bounds=[(0.0, 1.0)], n_particles=10, steps=3, key=jax.random.key(0))
    arguments.update(kwargs)
    bounds = arguments.pop("bounds")
    with pytest.raises(ValueError, match=name):
        particle_swarm(lambda x: jnp.sum(x ** 2), bounds, **arguments)
