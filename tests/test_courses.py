"""lesson_lib.courses: lesson 06's race courses and mini-batch line fit, against NumPy."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import courses, optim


@pytest.mark.slow
def test_line_fit_loss_is_the_masked_scaled_squared_error():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=9), rng.normal(size=9)
    order = rng.permutation(9)
    params = np.array([0.7, -0.3])
    for size, scale in ((1, 1.0), (4, 0.25), (9, 1.0 / 9)):
        chosen = order[:size]
        expected = scale * np.sum((y[chosen] - (params[0] * x[chosen] + params[1])) ** 2)
        got = courses.line_fit_loss(jnp.asarray(params), jnp.asarray(order), float(size), scale,
                                    jnp.asarray(x), jnp.asarray(y))
        assert float(got) == pytest.approx(expected, rel=1e-5)
    full = courses.full_line_fit_loss(jnp.asarray(params), jnp.asarray(x), jnp.asarray(y))
    assert float(full) == pytest.approx(np.mean((y - params[0] * x - params[1]) ** 2), rel=1e-5)


def test_shuffled_indices_draw_permutations_and_reuse_one_function_per_size():
    order = courses.shuffled_indices(7)
    assert courses.shuffled_indices(7) is order
    first = np.asarray(order(jax.random.key(0), 0))
    assert sorted(first.tolist()) == list(range(7))
    assert not np.array_equal(first, np.asarray(order(jax.random.key(1), 0)))


def test_race_hyperparams_give_each_optimizer_only_what_it_reads():
    for name in optim.NAMES:
        hyper = courses.race_hyperparams(name, 0.1, 0.05, 0.8, 0.7, 0.95, 0.6)
        rate = 0.05 if name in courses.ADAPTIVE else 0.1
        extra = {"momentum": {"momentum": 0.8}, "nesterov": {"momentum": 0.8},
                 "adam": {"b1": 0.7, "b2": 0.95}, "rmsprop": {"decay": 0.6}}.get(name, {})
        assert hyper == {"learning_rate": rate, **extra}
        optim.make(name, **hyper)  # every keyword is one optim.make accepts


def test_default_courses_start_in_their_window_and_end_at_their_minimum():
    for name, course in courses.default_landscapes().items():
        assert course.xlim[0] < course.start[0] < course.xlim[1], name
        assert course.ylim[0] < course.start[1] < course.ylim[1], name
        if course.minimum is not None:
            assert float(course.loss(jnp.asarray(course.minimum))) == pytest.approx(0.0, abs=1e-6)
