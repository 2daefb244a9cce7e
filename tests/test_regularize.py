"""lesson_lib.regularize against independent references.

References: PyTorch's BatchNorm1d and dropout (stored by tools/torch_reference_regularize.py in
tests/data/torch_reference_regularize.npz), a NumPy batch norm written here, scikit-learn's Lasso and
Ridge for the coefficient paths, a plain-Python loop for early stopping (Keras's rule).
"""

from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sklearn.linear_model import Lasso, Ridge

from lesson_lib import regularize, search
from lesson_lib.compilation import count_compilations
from lesson_lib.monitor import load_digits_split

TORCH = np.load(Path(__file__).parent / "data" / "torch_reference_regularize.npz")


def numpy_batch_norm(x, gamma, beta, mean, var, momentum, eps):
    mu, v = x.mean(0), x.var(0)
    y = gamma * (x - mu) / np.sqrt(v + eps) + beta
    return y, (1 - momentum) * mean + momentum * mu, (1 - momentum) * var + momentum * x.var(0, ddof=1)


# --- dropout -----------------------------------------------------------------------------------


@pytest.mark.slow
def test_dropout_statistics_match_pytorch():
    rate = float(TORCH["dropout_rate"])
    y = np.asarray(regularize.dropout(jnp.ones((1000, 1000)), rate, key=jax.random.key(0)))
    assert abs(np.mean(y == 0) - rate) < 3e-3
    assert abs(np.mean(y == 0) - float(TORCH["dropout_zero_fraction"])) < 4e-3
    np.testing.assert_allclose(np.unique(y[y != 0]), [float(TORCH["dropout_kept_value"])], rtol=1e-6)
    assert abs(y.mean() - 1.0) < 5e-3  # inverted: the mean is kept


def test_dropout_identity_in_eval_and_at_rate_zero():
    x = jax.random.normal(jax.random.key(1), (7, 3))
    assert np.array_equal(regularize.dropout(x, 0.5, key=jax.random.key(0), train=False), x)
    assert np.array_equal(regularize.dropout(x, 0.0, key=jax.random.key(0)), x)


def test_dropout_keys_give_different_masks_and_no_recompilation():
    x = jnp.ones((50, 40))
    a = regularize.dropout(x, 0.5, key=jax.random.key(0))
    with count_compilations() as count:
        b = regularize.dropout(x, 0.25, key=jax.random.key(1))
    assert count.compiles == 0
    assert not np.array_equal(a, b)


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan"), "a"])
def test_dropout_refuses_bad_rates(rate):
    with pytest.raises(ValueError, match="rate"):
        regularize.dropout(jnp.ones(3), rate, key=jax.random.key(0))


def test_dropout_refuses_non_bool_train():
    with pytest.raises(ValueError, match="train"):
        regularize.dropout(jnp.ones(3), 0.5, key=jax.random.key(0), train="no")


# --- batch norm --------------------------------------------------------------------------------


def test_batch_norm_matches_pytorch_and_numpy_over_several_steps():
    gamma, beta = TORCH["gamma"], TORCH["beta"]
    momentum, eps = float(TORCH["momentum"]), float(TORCH["eps"])
    state = regularize.batch_norm_state(5)
    mean, var = np.zeros(5), np.ones(5)
    for i, batch in enumerate(TORCH["x"]):
        y, state = regularize.batch_norm(batch, gamma, beta, state, train=True, momentum=momentum, eps=eps)
        np.testing.assert_allclose(y, TORCH["train_y"][i], rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(state.mean, TORCH["running_mean"][i], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(state.var, TORCH["running_var"][i], rtol=1e-5, atol=1e-6)
        y_np, mean, var = numpy_batch_norm(batch.astype(np.float64), gamma, beta, mean, var, momentum, eps)
        np.testing.assert_allclose(y, y_np, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(state.var, var, rtol=1e-5)
    y_eval, after = regularize.batch_norm(TORCH["x_eval"], gamma, beta, state, train=False, eps=eps)
    np.testing.assert_allclose(y_eval, TORCH["eval_y"], rtol=1e-4, atol=1e-5)
    np.testing.assert_array_equal(after.mean, state.mean)  # evaluation leaves the statistics alone


def test_batch_norm_can_learn_the_identity():
    x = TORCH["x"][0]
    gamma = np.sqrt(x.var(0) + 1e-5)
    y, _ = regularize.batch_norm(x, gamma, x.mean(0), regularize.batch_norm_state(5), train=True)
    np.testing.assert_allclose(y, x, rtol=1e-4, atol=1e-4)


def test_batch_norm_momentum_is_traced():
    x = TORCH["x"][0]
    args = (x, np.ones(5, np.float32), np.zeros(5, np.float32), regularize.batch_norm_state(5))
    regularize.batch_norm(*args, train=True, momentum=0.1)
    with count_compilations() as count:
        regularize.batch_norm(*args, train=True, momentum=0.3)
    assert count.compiles == 0


def test_batch_norm_refuses_bad_input():
    s = regularize.batch_norm_state(3)
    ones, zeros = np.ones(3), np.zeros(3)
    with pytest.raises(ValueError, match="at least 2 examples"):
        regularize.batch_norm(np.ones((1, 3)), ones, zeros, s, train=True)
    with pytest.raises(ValueError, match="gamma"):
        regularize.batch_norm(np.ones((4, 3)), np.ones(2), zeros, s, train=True)
    with pytest.raises(ValueError, match="x must have shape"):
        regularize.batch_norm(np.ones(3), ones, zeros, s, train=True)
    with pytest.raises(ValueError, match="momentum"):
        regularize.batch_norm(np.ones((4, 3)), ones, zeros, s, train=True, momentum=1.5)
    with pytest.raises(ValueError, match="state"):
        regularize.batch_norm(np.ones((4, 3)), ones, zeros, (zeros, ones), train=True)
    with pytest.raises(ValueError, match="train"):
        regularize.batch_norm(np.ones((4, 3)), ones, zeros, s, train=1)
    with pytest.raises(ValueError, match="features"):
        regularize.batch_norm_state(0)


# --- penalties ---------------------------------------------------------------------------------


def test_penalties_count_weights_and_skip_biases():
    rng = np.random.default_rng(0)
    w1, w2, b = rng.normal(size=(3, 4)), rng.normal(size=(4, 2)), rng.normal(size=4)
    params = [{"w": w1, "b": b}, {"w": w2, "b": np.ones(2)}]
    assert float(regularize.l1_penalty(params)) == pytest.approx(np.abs(w1).sum() + np.abs(w2).sum(), rel=1e-5)
    assert float(regularize.l2_penalty(params)) == pytest.approx(0.5 * ((w1 ** 2).sum() + (w2 ** 2).sum()),
                                                                 rel=1e-5)
    net = {"w1": w1, "b1": b, "gamma": np.full(4, 3.0), "beta": np.ones(4), "w2": w2, "b2": np.ones(2)}
    assert float(regularize.l2_penalty(net)) == pytest.approx(float(regularize.l2_penalty(params)), rel=1e-6)
    assert float(regularize.l1_penalty(np.array([-1.0, 2.0]))) == 3.0  # a bare array is a weight


# --- coefficient paths -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def regression():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(80, 6))
    x[:, 1] = x[:, 0] + 0.3 * rng.normal(size=80)  # correlated, as real features are
    y = x @ np.array([1.5, 0.0, -2.0, 0.0, 0.5, 0.0]) + 0.5 * rng.normal(size=80)
    return x - x.mean(0), y - y.mean()


def test_lasso_path_matches_sklearn(regression):
    x, y = regression
    strengths = np.array([1e-3, 0.05, 0.3, 1.0, 5.0])
    w = regularize.lasso_path(x, y, strengths)
    for s, row in zip(strengths, w):
        reference = Lasso(alpha=s, fit_intercept=False, tol=1e-12, max_iter=100_000).fit(x, y).coef_
        np.testing.assert_allclose(row, reference, atol=1e-5)
    assert np.all(w[-1] == 0.0) and np.sum(w[2] != 0) < np.sum(w[0] != 0)  # exact zeros appear


def test_ridge_path_matches_sklearn(regression):
    x, y = regression
    strengths = np.array([0.0, 1e-2, 1.0, 30.0])
    w = regularize.ridge_path(x, y, strengths)
    for s, row in zip(strengths, w):
        reference = Ridge(alpha=s * len(y), fit_intercept=False, solver="svd").fit(x, y).coef_
        np.testing.assert_allclose(row, reference, rtol=1e-8, atol=1e-10)
    assert np.all(w != 0.0)  # shrinks, never exactly 0


def test_paths_compile_once_per_shape(regression):
    x, y = regression
    regularize.lasso_path(x, y, 0.1)
    regularize.ridge_path(x, y, 0.1)
    with count_compilations() as count:
        regularize.lasso_path(x, y, 0.7)
        regularize.ridge_path(x, y, 2.0)
    assert count.compiles == 0


def test_paths_refuse_bad_input(regression):
    x, y = regression
    with pytest.raises(ValueError, match="strengths"):
        regularize.lasso_path(x, y, -1.0)
    with pytest.raises(ValueError, match="y must have shape"):
        regularize.ridge_path(x, y[:-1], 1.0)
    with pytest.raises(ValueError, match="x must contain only finite"):
        regularize.ridge_path(np.where(x > 2, np.nan, x), y, 1.0)
    with pytest.raises(ValueError, match="steps"):
        regularize.lasso_path(x, y, 1.0, steps=0)


# --- early stopping ----------------------------------------------------------------------------


def reference_early_stopping(losses, patience, min_delta=0.0, warmup=0):
    best_value, best_step, wait = np.inf, None, 0
    for t, value in enumerate(losses):
        if t < warmup:
            continue
        if value < best_value - min_delta:
            best_value, best_step, wait = value, t, 0
        else:
            wait += 1
            if wait >= patience:
                return t, best_step, True
    return len(losses) - 1, best_step, False


@pytest.mark.slow
def test_early_stopping_matches_a_plain_loop():
    rng = np.random.default_rng(0)
    for trial in range(40):
        n = int(rng.integers(5, 60))
        losses = np.exp(-np.arange(n) / 10) + 0.002 * np.arange(n) + 0.05 * rng.normal(size=n)
        if trial % 7 == 0:
            losses[rng.integers(0, n)] = np.nan
        patience, min_delta, warmup = int(rng.integers(1, 10)), float(rng.choice([0.0, 0.01])), int(rng.integers(0, 3))
        got = regularize.early_stopping(losses, patience=patience, min_delta=min_delta, warmup=warmup)
        stop, best, stopped = reference_early_stopping(losses, patience, min_delta, warmup)
        assert (got.stop, got.stopped) == (stop, stopped)
        if best is not None:
            assert got.best == best


def test_early_stopping_compiles_once_per_length():
    regularize.early_stopping(np.ones(30), patience=3)
    with count_compilations() as count:
        regularize.early_stopping(np.linspace(1, 0, 30), patience=5, min_delta=0.1, warmup=2)
    assert count.compiles == 0


@pytest.mark.parametrize("kwargs, match", [
    (dict(patience=0), "patience"), (dict(patience=2, min_delta=-1.0), "min_delta"),
    (dict(patience=2, warmup=10), "warmup"),
])
def test_early_stopping_refuses_bad_settings(kwargs, match):
    with pytest.raises(ValueError, match=match):
        regularize.early_stopping(np.ones(5), **kwargs)
    with pytest.raises(ValueError, match="val_losses"):
        regularize.early_stopping(np.ones((2, 2)), patience=2)


def test_kfold_is_searchs_own():
    assert regularize.kfold is search.kfold


# --- the regularised classifier ----------------------------------------------------------------


@pytest.fixture(scope="module")
def digits():
    return load_digits_split(120, 80)


@pytest.mark.slow
def test_classifier_learns_and_every_mix_shares_one_compilation(digits):
    runs = regularize.train_classifier(digits, key=jax.random.key(0), seeds=2, steps=60, hidden=16)
    assert runs.val_loss.shape == (2, 60) and float(runs.val_error[:, -1].mean()) < 0.5
    assert float(runs.val_loss[:, -1].mean()) < float(runs.val_loss[:, 0].mean())
    with count_compilations() as count:
        regularize.train_classifier(digits, key=jax.random.key(1), seeds=2, steps=60, hidden=16, lr=1e-2,
                                    l2=1e-3, rate=0.3, batch_norm=True)
    assert count.compiles == 0


@pytest.mark.slow
def test_classifier_matches_a_numpy_forward_pass(digits):
    params, state = regularize.init_classifier(jax.random.key(2), 64, 8)
    state = regularize.BatchNormState(jnp.full(8, 0.1), jnp.full(8, 2.0))
    x = digits.x_val[:5]
    z = x @ np.asarray(params["w1"]) + np.asarray(params["b1"])
    h = np.maximum((z - 0.1) / np.sqrt(2.0 + 1e-5) * np.asarray(params["gamma"]) + np.asarray(params["beta"]), 0)
    expected = h @ np.asarray(params["w2"]) + np.asarray(params["b2"])
    np.testing.assert_allclose(regularize.classifier_logits(params, state, x)[0], expected, rtol=1e-4, atol=1e-5)
    plain = np.maximum(z, 0) @ np.asarray(params["w2"]) + np.asarray(params["b2"])
    np.testing.assert_allclose(regularize.classifier_logits(params, state, x, use_bn=False)[0], plain,
                               rtol=1e-4, atol=1e-5)


def test_classifier_refuses_bad_settings(digits):
    with pytest.raises(ValueError, match="rate"):
        regularize.train_classifier(digits, key=jax.random.key(0), rate=1.0)
    with pytest.raises(ValueError, match="batch_size"):
        regularize.train_classifier(digits, key=jax.random.key(0), batch_size=1000)
    with pytest.raises(ValueError, match="l2"):
        regularize.train_classifier(digits, key=jax.random.key(0), l2=-1.0)
    with pytest.raises(ValueError, match="batch_norm"):
        regularize.train_classifier(digits, key=jax.random.key(0), batch_norm=1)
