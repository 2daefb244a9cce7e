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
