"""lesson_lib.averaging against NumPy loops: EMA and Polyak averages, ensembles' averaged predictions."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import averaging, mlp
from lesson_lib.compilation import count_compilations


def numpy_ema(sequence, decay):
    out, average = [], None
    for t, theta in enumerate(sequence):
        if average is None:
            average = theta.copy()
        else:
            size = 1.0 / (t + 1) if decay is None else 1.0 - decay
            average = (1 - size) * average + size * theta
        out.append(average.copy())
    return np.stack(out)


@pytest.mark.parametrize("decay", [0.0, 0.5, 0.9, None])
def test_ema_matches_a_numpy_loop(decay):
    rng = np.random.default_rng(0)
    seq = {"w": rng.normal(size=(25, 3, 2)), "b": rng.normal(size=(25, 2))}
    got = averaging.ema(seq, decay)
    for name in seq:
        np.testing.assert_allclose(got[name], numpy_ema(seq[name], decay), rtol=1e-5, atol=1e-6)


def test_polyak_is_the_running_mean():
    seq = np.arange(10.0)
    np.testing.assert_allclose(averaging.ema(seq), np.cumsum(seq) / np.arange(1, 11), rtol=1e-6)


def test_ema_of_noise_around_a_point_is_closer_to_it():
    rng = np.random.default_rng(1)
    seq = 3.0 + rng.normal(size=(400, 50))
    averaged = np.asarray(averaging.ema(seq, 0.95))
    assert np.abs(averaged[-1] - 3.0).mean() < 0.3 * np.abs(seq[-1] - 3.0).mean()


def test_ema_decay_is_traced():
    seq = jnp.ones((12, 4))
    averaging.ema(seq, 0.9)
    with count_compilations() as count:
        averaging.ema(seq, 0.5)
    assert count.compiles == 0


@pytest.mark.parametrize("decay", [1.0, -0.1, float("nan")])
def test_ema_refuses_bad_decay(decay):
    with pytest.raises(ValueError, match="decay"):
        averaging.ema(np.ones((3, 2)), decay)


def test_ema_refuses_ragged_sequences():
    with pytest.raises(ValueError, match="leading step axis"):
        averaging.ema({"a": np.ones((3, 2)), "b": np.ones((4,))})
    with pytest.raises(ValueError, match="leading step axis"):
        averaging.ema(np.float32(1.0))


def _apply(params, x):
    return mlp.mlp_apply(params, x, "tanh")


@pytest.mark.slow
def test_ensemble_members_are_independent_and_average_matches_a_loop():
    stacked = averaging.init_ensemble(lambda k: mlp.init_mlp((4, 8, 3), key=k), 5, key=jax.random.key(0))
    assert stacked[0]["w"].shape == (5, 4, 8)
    assert not np.allclose(stacked[0]["w"][0], stacked[0]["w"][1])
    x = jax.random.normal(jax.random.key(1), (6, 4))
    loop = []
    for m in range(5):
        member = jax.tree.map(lambda a: a[m], stacked)
        logits = np.asarray(_apply(member, x), np.float64)
        e = np.exp(logits - logits.max(1, keepdims=True))
        loop.append(e / e.sum(1, keepdims=True))
    np.testing.assert_allclose(averaging.member_probabilities(_apply, stacked, x), np.stack(loop), rtol=1e-5)
    np.testing.assert_allclose(averaging.ensemble_probabilities(_apply, stacked, x), np.mean(loop, 0), rtol=1e-5)
    shifted = x + 1.0
    with count_compilations() as count:
        averaging.ensemble_probabilities(_apply, stacked, shifted)
    assert count.compiles == 0


def test_error_rate_counts_wrong_argmax():
    p = np.array([[[0.9, 0.1], [0.2, 0.8]], [[0.3, 0.7], [0.6, 0.4]]])
    np.testing.assert_allclose(averaging.error_rate(p, np.array([0, 1])), [0.0, 1.0])
    with pytest.raises(ValueError, match="labels"):
        averaging.error_rate(p, np.array([0, 1, 1]))


def test_ensemble_refuses_bad_arguments():
    with pytest.raises(ValueError, match="members"):
        averaging.init_ensemble(lambda k: k, 0, key=jax.random.key(0))
    with pytest.raises(ValueError, match="init_fn"):
        averaging.init_ensemble(3, 2, key=jax.random.key(0))
    with pytest.raises(ValueError, match="apply_fn"):
        averaging.member_probabilities(None, {}, np.ones((2, 2)))
