"""`lesson_lib.range_test`: sweep, smoothing, divergence cut, suggestion, robustness."""

import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import curvature, optim, schedules, train
from lesson_lib.compilation import count_compilations
from lesson_lib.range_test import LRRangeResult, lr_range_test


def quadratic(w):
    """Curvature 4 in every direction: gradient descent is stable for lr < 2/4 = 0.5."""
    return 2.0 * jnp.sum(w**2)


def ref_smoothing(losses, beta):
    """fastai's smoother, written independently: running average, then debias."""
    out, avg = [], 0.0
    for i, loss in enumerate(losses):
        avg = beta * avg + (1 - beta) * loss
        out.append(avg / (1 - beta ** (i + 1)))
    return out


def test_sweep_is_geometric_and_losses_follow_the_updates():
    result = lr_range_test(quadratic, jnp.ones(3), "sgd", min_lr=1e-5, max_lr=1e-2, steps=30)
    assert isinstance(result, LRRangeResult)
    assert len(result.lrs) == len(result.losses) == len(result.smoothed) == 30  # no divergence
    np.testing.assert_allclose(result.lrs, [1e-5 * 1e3 ** (i / 29) for i in range(30)], rtol=1e-5)
    # losses[i] is the loss after update i with lr_i: w_{i+1} = w_i (1 − 4 lr_i), L = 2·3·w².
    w, expected = 1.0, []
    for lr in result.lrs:
        w *= 1 - 4 * lr
        expected.append(6 * w * w)
    np.testing.assert_allclose(result.losses, expected, rtol=1e-4)
    np.testing.assert_allclose(result.smoothed, ref_smoothing(expected, 0.98), rtol=1e-4)


def test_finds_the_edge_of_stability_on_a_quadratic():
    result = lr_range_test(quadratic, jnp.ones(2), "sgd", min_lr=1e-5, max_lr=100.0, steps=100)
    edge = curvature.max_stable_lr(quadratic, jnp.ones(2))  # 0.5
    assert edge == pytest.approx(0.5)
    assert len(result.lrs) < 100  # cut before the end: it diverged
    assert np.all(np.isfinite(result.losses)) and np.all(np.isfinite(result.smoothed))
    assert result.lrs[-1] > edge  # the record runs past the edge to show the turn up ...
    assert result.lrs[-1] < 100.0  # ... but stops once the loss explodes
    assert result.suggested_lr == pytest.approx(result.lrs[np.argmin(result.smoothed)] / 10)
    assert 1e-3 < result.suggested_lr < edge  # left of the minimum, inside the stable range


def test_smoothing_zero_keeps_raw_losses():
    result = lr_range_test(quadratic, jnp.ones(2), "adam", min_lr=1e-4, max_lr=1e-2, steps=20,
                           smoothing=0.0)
    np.testing.assert_allclose(result.smoothed, result.losses)


def test_nan_losses_end_the_record_cleanly():
    """A loss that turns NaN (while the gradient stays finite) ends the test, no NaN kept."""

    def fragile(w):
        return jnp.where(jnp.abs(w[0]) > 3.0, jnp.nan, quadratic(w))

    result = lr_range_test(fragile, jnp.ones(2), "sgd", min_lr=1e-4, max_lr=10.0, steps=80)
    assert 0 < len(result.lrs) < 80
    assert np.all(np.isfinite(result.losses)) and np.all(np.isfinite(result.smoothed))
    assert math.isfinite(result.suggested_lr) and result.suggested_lr < 0.5


def test_all_nan_gives_no_suggestion():
    result = lr_range_test(lambda w: jnp.sum(w) * jnp.nan, jnp.ones(2), "sgd", steps=10)
    assert len(result.lrs) == 0 and math.isnan(result.suggested_lr)
    assert "no finite loss" in repr(result)


@pytest.mark.slow
def test_an_early_spike_does_not_stop_the_test():
    """Batch 2 is an outlier (loss ~1e4 × the others): a naive 4× rule would stop at once."""

    def loss(w, target):
        return jnp.mean((w - target) ** 2)

    def batch_fn(key, step):
        return jnp.where(step == 2, 100.0, 0.0) + 0.0 * jax.random.normal(key, ())

    result = lr_range_test(loss, jnp.ones(2), "sgd", min_lr=1e-5, max_lr=100.0, steps=100,
                           batch_fn=batch_fn, key=jax.random.key(1))
    assert result.losses[1] > 1e3  # the spike is in the record (loss after update 1 is on batch 2)
    assert len(result.lrs) > 50  # ... and the test went on well past it
    # Same problem without the spike: the same suggestion.
    calm = lr_range_test(loss, jnp.ones(2), "sgd", min_lr=1e-5, max_lr=100.0, steps=100,
                         args=(), batch_fn=lambda key, step: 0.0 * jax.random.normal(key, ()),
                         key=jax.random.key(1))
    assert result.suggested_lr == pytest.approx(calm.suggested_lr, rel=0.5)
    assert abs(len(result.lrs) - len(calm.lrs)) <= 2


def test_optimizer_hyperparameters_pass_through():
    plain = lr_range_test(quadratic, jnp.ones(2), "momentum", min_lr=1e-5, max_lr=1e-3, steps=10,
                          momentum=0.0)
    sgd = lr_range_test(quadratic, jnp.ones(2), "sgd", min_lr=1e-5, max_lr=1e-3, steps=10)
    np.testing.assert_allclose(plain.losses, sgd.losses, rtol=1e-6)


def test_repeating_a_test_does_not_recompile():
    lr_range_test(quadratic, jnp.ones(2), "adam", min_lr=1e-4, max_lr=1.0, steps=40)
    elsewhere = 3.0 * jnp.ones(2)
    with count_compilations() as count:
        lr_range_test(quadratic, elsewhere, "adam", min_lr=1e-4, max_lr=1.0, steps=40)
    assert count.compiles == 0


@pytest.mark.parametrize("kwargs, name", [
    (dict(optimizer_name="sgdd"), "optimizer"),
    (dict(optimizer_name="rprop"), "optimizer_name"),
    (dict(optimizer_name="sgd", min_lr=0.0), "min_lr"),
    (dict(optimizer_name="sgd", min_lr=1.0, max_lr=0.5), "max_lr"),
    (dict(optimizer_name="sgd", steps=1), "steps"),
    (dict(optimizer_name="sgd", smoothing=1.0), "smoothing"),
    (dict(optimizer_name="sgd", learning_rate=0.1), "learning_rate"),
    (dict(optimizer_name="sgd", momentum=0.9), "momentum"),
])
def test_bad_arguments(kwargs, name):
    name_arg = kwargs.pop("optimizer_name")
    with pytest.raises(ValueError, match=name):
        lr_range_test(quadratic, jnp.ones(2), name_arg, **kwargs)


def test_unknown_optimizer_lists_the_choices():
    with pytest.raises(ValueError) as error:
        lr_range_test(quadratic, jnp.ones(2), "lion")
    for name in optim.NAMES:
        assert name in str(error.value)


@pytest.mark.parametrize("name, hyper", [("sgd", {}), ("momentum", {"momentum": 0.8}),
                                         ("nesterov", {}), ("adagrad", {}), ("rmsprop", {}),
                                         ("adam", {"b1": 0.5})])
@pytest.mark.slow
def test_each_step_equals_training_with_the_ramp_as_a_schedule(name, hyper):
    """Reference: the optimizer given the ramp as its learning-rate schedule (optax's own path)."""
    steps, params0 = 25, jnp.array([1.0, -0.5])
    result = lr_range_test(quadratic, params0, name, min_lr=1e-3, max_lr=0.3, steps=steps,
                           smoothing=0.0, **hyper)
    ramp = schedules.exponential_ramp(1e-3, 0.3, steps)
    run = train.optimize(quadratic, params0, optim.make(name, learning_rate=ramp, **hyper), steps)
    np.testing.assert_allclose(result.lrs, np.asarray(ramp(jnp.arange(steps)))[: len(result.lrs)], rtol=1e-6)
    np.testing.assert_allclose(result.losses, np.asarray(run.losses[1:])[: len(result.losses)], rtol=1e-5)


def test_new_sweep_ends_hyperparameters_and_loss_objects_compile_nothing():
    loss = jax.tree_util.Partial(lambda c, w: c * jnp.sum(w**2), jnp.float32(2.0))
    lr_range_test(loss, jnp.ones(2), "momentum", min_lr=1e-4, max_lr=1.0, steps=40, momentum=0.9)
    other = jax.tree_util.Partial(loss.func, jnp.float32(0.5))
    with count_compilations() as count:
        lr_range_test(other, jnp.ones(2), "momentum", min_lr=1e-6, max_lr=3.0, steps=40, momentum=0.5)
    assert count.compiles == 0

