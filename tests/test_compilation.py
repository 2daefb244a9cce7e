"""The compilation counter that backs every "no recompilation" test."""

import jax
import jax.numpy as jnp

from lesson_lib.compilation import count_compilations


def test_counts_new_shapes_but_not_new_values():
    f = jax.jit(lambda v: jnp.sum(v * 3.0))
    three, other_three, four = jnp.ones(3), jnp.arange(3, dtype=jnp.float32), jnp.ones(4)
    f(three)
    with count_compilations() as same_shape:
        f(other_three)
    with count_compilations() as new_shape:
        f(four)
    assert same_shape.compiles == 0 and same_shape.traces == 0
    assert new_shape.compiles >= 1 and new_shape.traces >= 1


def test_listener_is_removed_after_the_block():
    with count_compilations() as count:
        pass
    jax.jit(lambda v: v - 1.0)(jnp.ones(5))
    assert count.compiles == 0


def test_optimize_treats_weak_and_strong_parameters_alike():
    import optax

    from lesson_lib.train import _descend, optimize

    loss = lambda w: jnp.sum(w**2)  # noqa: E731  (one function object for both calls)
    sgd = optax.sgd(0.1)
    strong, weak = jnp.ones(2, dtype=jnp.float32), jnp.full(2, 3.0)
    optimize(loss, strong, sgd, 5)
    compiled_loops = _descend._cache_size()
    run = optimize(loss, weak, sgd, 5)
    assert _descend._cache_size() == compiled_loops  # the training loop was reused
    assert float(run.losses[0]) == 18.0
