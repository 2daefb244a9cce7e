"""Compile once per shape: every public compiled entry point of the math modules, called a second
time with a NEW loss object of the same kind and shapes (new data, new parameters), compiles nothing.

Each case runs twice: first with loss A (compiles), then with loss B, whose data or parameters
differ; the second call must compile nothing and must give a different answer (so the new data
really reached the compiled code).
"""

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from lesson_lib import curvature, landscapes, narrow_sweep, nets, optim, range_test, sweep, train
from lesson_lib.compilation import count_compilations

X = np.linspace(-1.0, 1.0, 16, dtype=np.float32)
DATA_A = (X, 1.5 * X + 0.1)
DATA_B = (0.5 * X, -0.7 * X + 0.3)
W0 = jnp.array([0.9, 0.8])


def _narrow(data):
    return nets.narrow_loss_on(*data)


def _answer(value):
    """A comparable summary of any result (a number, an array, a NamedTuple of arrays)."""
    leaves = [np.asarray(leaf, dtype=float).ravel() for leaf in jax.tree.leaves(value)
              if isinstance(leaf, (int, float, np.ndarray, jax.Array, np.generic))]
    return np.concatenate(leaves) if leaves else np.array([])


def _curve(scale, *, a):
    return scale * jnp.stack([a, a * a])


CASES = {
    "train.optimize": lambda d: train.optimize(_narrow(d), W0, optim.make("momentum", learning_rate=0.05), 30),
    "train.optimize(optax.sgd)": lambda d, sgd=optax.sgd(0.05): train.optimize(_narrow(d), W0, sgd, 30),
    "train.gradient_descent": lambda d: train.gradient_descent(_narrow(d), W0, 0.05, 30),
    "train.loss_curve": lambda d: train.loss_curve(_narrow(d), W0, 0.05, 30),
    "sweep.grid_sweep": lambda d: sweep.grid_sweep(
        jax.tree_util.Partial(_curve, jnp.float32(d[1][3])), a=[1.0, 2.0, 3.0]),
    "sweep.lr_sweep": lambda d: sweep.lr_sweep(_narrow(d), W0, [0.01, 0.05, 0.1], 30),
    "narrow_sweep.depth_lr_sweep": lambda d: narrow_sweep.depth_lr_sweep(
        [1, 2, 5], [0.01, 0.1], init=0.9, steps=30, x=d[0], y=d[1]),
    "curvature.hessian": lambda d: curvature.hessian(_narrow(d), W0),
    "curvature.hessian_eigenvalues": lambda d: curvature.hessian_eigenvalues(_narrow(d), W0),
    "curvature.sharpness": lambda d: curvature.sharpness(_narrow(d), W0),
    "curvature.max_stable_lr": lambda d: curvature.max_stable_lr(_narrow(d), W0),
    "curvature.max_stable_lr(masked, args)": lambda d: curvature.max_stable_lr(
        nets.masked_narrow_loss, nets.pad_narrow(W0), args=(2, *d)),
    "range_test.lr_range_test": lambda d: range_test.lr_range_test(
        _narrow(d), W0, "adam", min_lr=1e-4, max_lr=1.0, steps=40),
    "landscapes.grid": lambda d: landscapes.grid(landscapes.narrow_landscape(*d), (-2, 2), (-2, 2), n=21),
    "landscapes.gradient_field": lambda d: landscapes.gradient_field(
        landscapes.narrow_landscape(*d), (-2, 2), (-2, 2), n=7),
    "landscapes.hessian_eigenvalues": lambda d: landscapes.hessian_eigenvalues(
        landscapes.narrow_landscape(*d), [0.3, 0.4]),
    "landscapes.classify_critical_point": lambda d: landscapes.classify_critical_point(
        landscapes.narrow_landscape(*d), [0.0, 0.0], grad_tol=10.0),
}

# The 2-D landscapes of lesson 06: new parameters of the same kind of landscape.
LANDSCAPES = {
    "quadratic": (lambda: landscapes.ill_conditioned_quadratic(10.0, 0.2),
                  lambda: landscapes.ill_conditioned_quadratic(50.0, -0.9)),
    "rosenbrock": (lambda: landscapes.rosenbrock(1.0, 100.0), lambda: landscapes.rosenbrock(-0.5, 3.0)),
}
LANDSCAPE_CALLS = {
    "train.optimize": lambda f: train.optimize(f, jnp.array([0.7, -0.4]), optim.make("adam", learning_rate=0.01), 25),
    "landscapes.grid": lambda f: landscapes.grid(f, (-2, 2), (-1, 3), n=31),
    "landscapes.gradient_field": lambda f: landscapes.gradient_field(f, (-2, 2), (-1, 3), n=9),
    "curvature.sharpness": lambda f: curvature.sharpness(f, jnp.array([0.7, -0.4])),
}


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_a_new_loss_object_of_the_same_shapes_compiles_nothing(name):
    call = CASES[name]
    first = call(DATA_A)
    with count_compilations() as count:
        second = call(DATA_B)
    assert count.compiles == 0, f"{name} recompiled for new data: {count}"
    assert first is not None and second is not None
    if name != "landscapes.classify_critical_point":  # a verdict, the same for both data sets
        assert not np.array_equal(_answer(first), _answer(second)), f"{name} ignored the new data"
    else:
        assert first == second == "saddle"


@pytest.mark.parametrize("kind", list(LANDSCAPES))
@pytest.mark.parametrize("name", list(LANDSCAPE_CALLS))
def test_new_landscape_parameters_compile_nothing(name, kind):
    call, (make_a, make_b) = LANDSCAPE_CALLS[name], LANDSCAPES[kind]
    first = call(make_a())
    with count_compilations() as count:
        second = call(make_b())
    assert count.compiles == 0, f"{name} recompiled for a new {kind}: {count}"
    assert not np.array_equal(_answer(first), _answer(second))


def test_a_plain_function_compiles_once_per_function_object():
    """Plain functions are still accepted: the same object reuses its compilation, a new one does not."""
    def bowl(w, scale):
        return scale * jnp.sum(w**2)

    train.gradient_descent(bowl, W0, 0.1, 20, args=(jnp.float32(1.0),))
    with count_compilations() as same:
        train.gradient_descent(bowl, W0, 0.1, 20, args=(jnp.float32(3.0),))
    with count_compilations() as fresh:
        train.gradient_descent(lambda w, s: s * jnp.sum(w**2), W0, 0.1, 20, args=(jnp.float32(3.0),))
    assert same.compiles == 0 and fresh.compiles >= 1
