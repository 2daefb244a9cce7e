"""Lesson 11's dropout checker: passes the library's dropout, names each usual slip, never raises."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import regularize
from lesson_lib.exercises.regularization import check_dropout


def _masked(scale_kept, keep_prob=lambda rate: 1 - rate, eval_identity=True):
    def fn(x, rate, *, key, train=True):
        if not train and eval_identity:
            return x
        keep = jax.random.bernoulli(key, keep_prob(rate), jnp.shape(x))
        return jnp.where(keep, x * scale_kept(rate), 0.0)
    return fn


@pytest.mark.slow
def test_the_library_and_a_numpy_version_pass():
    assert check_dropout(regularize.dropout).passed

    def numpy_dropout(x, rate, *, key, train=True):
        if not train:
            return x
        seed = int(jax.random.randint(key, (), 0, 2 ** 30))
        keep = np.random.default_rng(seed).random(np.shape(x)) >= rate
        return np.where(keep, np.asarray(x) / (1 - rate), 0.0)

    result = check_dropout(numpy_dropout)
    assert result.passed, result.message


@pytest.mark.parametrize("fn, words", [
    (lambda x, rate, *, key, train=True: x, "no entry was zeroed"),
    (_masked(lambda r: 1.0), "still 1"),
    (_masked(lambda r: 1 - r), "do not multiply"),
    (_masked(lambda r: 1 / (1 - r), keep_prob=lambda r: r), "kept with probability 1 − rate"),
    (_masked(lambda r: 1 / (1 - r), eval_identity=False), "train=False"),
    (_masked(lambda r: 2.0), "should all be"),
    (lambda x, rate, *, key, train=True: jnp.where(jax.random.bernoulli(jax.random.key(0), 1 - rate, x.shape),
                                                   x / (1 - rate), 0.0) if train else x, "same mask"),
    (lambda x, rate, *, key, train=True: x[:3], "shape"),
    (lambda x, rate, *, key, train=True: "dropout", "array"),
])
@pytest.mark.slow
def test_slips_get_a_friendly_hint(fn, words):
    result = check_dropout(fn)
    assert not result.passed
    assert words in result.message


def test_unfinished_and_crashing_answers_never_raise():
    def unfinished(x, rate, *, key, train=True):
        raise NotImplementedError

    assert "Not implemented yet" in check_dropout(unfinished).message
    assert "raised ZeroDivisionError" in check_dropout(lambda x, rate, *, key, train=True: 1 / 0).message
    assert "raised TypeError" in check_dropout(lambda x, rate: x).message  # no key argument
