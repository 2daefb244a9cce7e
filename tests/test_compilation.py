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


def test_as_pytree_wraps_plain_functions_and_keeps_pytrees():
    import functools

    import pytest

    from lesson_lib.compilation import Static, as_pytree

    def f(w):
        return 2 * w

    wrapped = as_pytree(f)
    assert isinstance(wrapped, Static) and jax.tree.leaves(wrapped) == []
    assert float(wrapped(jnp.float32(2.0))) == 4.0
    assert jax.tree.structure(as_pytree(f)) == jax.tree.structure(as_pytree(f))  # keyed on f
    assert jax.tree.structure(as_pytree(lambda w: w)) != jax.tree.structure(as_pytree(f))
    assert isinstance(as_pytree(functools.partial(f)), Static)
    loss = jax.tree_util.Partial(jnp.multiply, jnp.float32(3.0))
    assert as_pytree(loss) is loss and as_pytree(wrapped) is wrapped and as_pytree(None) is None
    with pytest.raises(ValueError, match="function"):
        as_pytree(3.0)


def test_static_functions_compile_once_per_object():
    from lesson_lib.compilation import as_pytree

    run = jax.jit(lambda fn, x: fn(x))
    square = lambda x: x * x  # noqa: E731
    run(as_pytree(square), jnp.float32(1.0))
    with count_compilations() as same:
        run(as_pytree(square), jnp.float32(2.0))
    with count_compilations() as new:
        run(as_pytree(lambda x: x * x), jnp.float32(2.0))
    assert (same.compiles, new.compiles) == (0, 1)
