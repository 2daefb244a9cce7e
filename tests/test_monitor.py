"""lesson_lib.monitor against an independent reference: SGD on a tiny MLP by hand in NumPy float64.

The reference writes the forward pass, softmax cross-entropy, L2 penalty and
backpropagation out by hand (no JAX), takes the same steps on the same
mini-batches, and computes the update/weight ratios, gradient norms,
accuracies, saturation and histograms from its own float64 numbers.
"""

import subprocess
import sys

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from lesson_lib import mlp, monitor, optim
from lesson_lib.compilation import count_compilations
from lesson_lib.monitor import Record, batch_indices, leaf_names, ratio_verdict, train_monitored


@pytest.fixture(scope="module")
def digits():
    return monitor.load_digits_split(120, 60, seed=3)


def tiny_params(key=0, scale=1.0):
    return [{"w": scale * layer["w"], "b": layer["b"] + 0.01}
            for layer in mlp.init_mlp((64, 6, 5, 10), key=jax.random.key(key))]


def numpy_forward(params, x):
    params = [{k: np.asarray(v, np.float64) for k, v in layer.items()} for layer in params]
    hs, h = [], np.asarray(x, np.float64)
    for layer in params[:-1]:
        h = np.tanh(h @ layer["w"] + layer["b"])
        hs.append(h)
    return hs, h @ params[-1]["w"] + params[-1]["b"]


def numpy_loss_and_grads(params, x, y, l2):
    """Mean cross-entropy + (l2/2) Σ‖W‖² and its gradient, by hand."""
    hs, logits = numpy_forward(params, x)
    z = logits - logits.max(axis=1, keepdims=True)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    n = len(y)
    loss = -np.mean(np.log(p[np.arange(n), y])) + 0.5 * l2 * sum(np.sum(l["w"] ** 2) for l in params)
    delta = p.copy()
    delta[np.arange(n), y] -= 1
    delta /= n
    grads = [None] * len(params)
    inputs = [x] + hs
    for i in reversed(range(len(params))):
        grads[i] = {"w": inputs[i].T @ delta + l2 * params[i]["w"], "b": delta.sum(axis=0)}
        if i > 0:
            delta = (delta @ params[i]["w"].T) * (1 - hs[i - 1] ** 2)
    return loss, grads


def numpy_sgd(params, x, y, lr, steps, l2, batches):
    params = [{k: np.asarray(v, np.float64) for k, v in layer.items()} for layer in params]
    losses, ratios, gnorms = [], [], []
    for t in range(steps):
        idx = batches[t]
        loss, grads = numpy_loss_and_grads(params, x[idx], y[idx], l2)
        row_r, row_g = [], []
        for layer, grad in zip(params, grads):
            for name in ("b", "w"):  # the order of leaf_names
                row_r.append(np.linalg.norm(lr * grad[name]) / np.linalg.norm(layer[name]))
                row_g.append(np.linalg.norm(grad[name]))
        losses.append(loss), ratios.append(row_r), gnorms.append(row_g)
        params = [{k: layer[k] - lr * grad[k] for k in layer} for layer, grad in zip(params, grads)]
    return params, np.array(losses), np.array(ratios), np.array(gnorms)


def numpy_accuracy(params, x, y):
    return np.mean(np.argmax(numpy_forward(params, x)[1], axis=1) == y)


@pytest.mark.slow
@pytest.mark.parametrize("batch_size, l2", [(None, 0.0), (None, 0.01), (16, 0.003)])
def test_sgd_matches_numpy_by_hand(digits, batch_size, l2):
    params0 = tiny_params()
    lr, steps, key = 0.5, 12, jax.random.key(7)
    x, y = digits.x.astype(np.float64), digits.y
    batches = [np.asarray(batch_indices(t, len(y), batch_size, key=key)) for t in range(steps)]
    params, losses, ratios, gnorms = numpy_sgd(params0, x, y, lr, steps, l2, batches)
    rec = train_monitored(params0, optax.sgd(lr), steps, data=(digits.x, digits.y),
                          val=(digits.x_val, digits.y_val), key=key, batch_size=batch_size, l2=l2,
                          every=4)
    np.testing.assert_allclose(rec.loss, losses, rtol=2e-5)
    np.testing.assert_allclose(rec.update_ratio, ratios, rtol=1e-4)
    np.testing.assert_allclose(rec.grad_norm, gnorms, rtol=1e-4)
    for got, want in zip(rec.final_params, params):
        np.testing.assert_allclose(got["w"], want["w"], rtol=1e-4, atol=1e-6)
    assert rec.eval_steps.tolist() == [0, 4, 8, 12]
    assert rec.val_acc[-1] == pytest.approx(numpy_accuracy(params, digits.x_val, digits.y_val))
    assert rec.train_acc[-1] == pytest.approx(numpy_accuracy(params, x, y))
    assert rec.train_acc[0] == pytest.approx(numpy_accuracy(params0, x, y))
    assert rec.diverged_at is None


@pytest.mark.slow
def test_batches_are_drawn_with_replacement_from_the_training_set():
    idx = np.stack([np.asarray(batch_indices(t, 50, 20, key=jax.random.key(0))) for t in range(200)])
    assert idx.min() == 0 and idx.max() == 49
    assert not np.array_equal(idx[0], idx[1])
    counts = np.bincount(idx.ravel(), minlength=50)
    assert counts.min() > 40 and counts.max() < 130  # about 80 each


@pytest.mark.slow
def test_saturation_and_histograms_by_hand(digits):
    params0 = tiny_params(scale=6.0)  # large weights: many saturated tanh units
    rec = train_monitored(params0, optax.sgd(0.01), 4, data=(digits.x, digits.y),
                          val=(digits.x_val, digits.y_val), key=jax.random.key(0), every=4,
                          histograms=True)
    hs, logits = numpy_forward([{k: np.asarray(v, np.float64) for k, v in l.items()} for l in params0],
                               digits.x_val.astype(np.float64))
    for i, h in enumerate(hs):
        assert rec.saturated[0, i] == pytest.approx(np.mean(np.abs(h) > 0.99), abs=1e-6)
        counts, _ = np.histogram(np.clip(h, -1, 1), bins=monitor.ACT_EDGES["tanh"])
        assert np.abs(rec.act_hist[0, i] - counts).sum() <= 2  # an edge value may land either side
    assert rec.saturated[0, 0] > 0.3
    assert rec.act_hist.shape == (2, 2, 20) and rec.grad_hist.shape == (2, 2, 20)
    assert np.all(rec.grad_hist.sum(axis=-1) == [[60 * 6, 60 * 5]] * 2)


@pytest.mark.slow
def test_gradient_histogram_of_the_last_hidden_layer_by_hand(digits):
    params0 = tiny_params()
    rec = train_monitored(params0, optax.sgd(0.01), 4, data=(digits.x, digits.y),
                          val=(digits.x_val, digits.y_val), key=jax.random.key(0), every=4,
                          histograms=True)
    p = [{k: np.asarray(v, np.float64) for k, v in l.items()} for l in params0]
    hs, logits = numpy_forward(p, digits.x_val.astype(np.float64))
    z = np.exp(logits - logits.max(axis=1, keepdims=True))
    prob = z / z.sum(axis=1, keepdims=True)
    prob[np.arange(60), digits.y_val] -= 1
    g = prob @ p[-1]["w"].T  # ∂L_i/∂h_2 of each example's own loss
    counts, _ = np.histogram(np.clip(np.log10(np.abs(g)), -10, 0), bins=monitor.GRAD_EDGES)
    assert np.abs(rec.grad_hist[0, 1] - counts).sum() <= 2


@pytest.mark.slow
def test_a_diverging_run_is_recorded_not_raised(digits):
    rec = train_monitored(tiny_params(), optax.sgd(1e3), 20, data=(digits.x, digits.y),
                          val=(digits.x_val, digits.y_val), key=jax.random.key(0), every=5,
                          nonlinearity="linear")
    assert rec.diverged_at is not None and rec.diverged_at < 20
    assert "diverged at step" in repr(rec)
    assert ratio_verdict(float(rec.update_ratio[0, 1])) == "too high"
    assert np.isnan(rec.update_ratio[-1]).all() and np.isnan(rec.loss[-1])


@pytest.mark.slow
def test_chunks_stream_the_same_record(digits):
    kwargs = dict(data=(digits.x, digits.y), val=(digits.x_val, digits.y_val), key=jax.random.key(2),
                  every=5, histograms=True)
    whole = train_monitored(tiny_params(), optim.make("sgd", learning_rate=0.3), 40, **kwargs)
    seen = []
    parts = train_monitored(tiny_params(), optim.make("sgd", learning_rate=0.3), 40, chunk=15,
                            on_chunk=lambda r: seen.append((r.steps, len(r.val_acc))), **kwargs)
    assert seen == [(15, 3), (30, 6), (40, 9)]  # the last chunk is shorter; the end adds the final check
    for field in ("loss", "update_ratio", "grad_norm", "train_acc", "val_acc", "act_hist"):
        np.testing.assert_allclose(getattr(parts, field), getattr(whole, field), rtol=1e-5)


@pytest.mark.slow
def test_new_rates_starts_and_l2_never_recompile(digits):
    kwargs = dict(data=(digits.x, digits.y), val=(digits.x_val, digits.y_val), every=5, chunk=10)
    train_monitored(tiny_params(), optim.make("sgd", learning_rate=0.1), 20, key=jax.random.key(0),
                    **kwargs)
    with count_compilations() as count:
        for lr, scale, l2 in [(1e-3, 0.1, 0.0), (2.0, 3.0, 0.05), (0.3, 1.0, 1e-4)]:
            train_monitored(tiny_params(1, scale), optim.make("sgd", learning_rate=lr), 20,
                            key=jax.random.key(5), l2=l2, **kwargs)
    assert count.compiles == 0


@pytest.mark.slow
def test_leaf_names_and_ratio_helpers():
    params = tiny_params()
    assert leaf_names(params) == ("b1", "w1", "b2", "w2", "b3", "w3")
    old = {"w": jnp.array([3.0, 4.0]), "b": jnp.zeros(2)}
    new = {"w": jnp.array([3.0, 4.01]), "b": jnp.array([0.0, 1.0])}
    np.testing.assert_allclose(monitor.update_ratios(old, new), [np.inf, 0.002], rtol=1e-4)
    assert [ratio_verdict(r) for r in (1e-6, 3e-4, 2e-3, 0.2, np.nan)] == [
        "too low", "healthy", "healthy", "too high", "too high"]


@pytest.mark.slow
def test_record_repr_and_epochs(digits):
    rec = train_monitored(tiny_params(), optax.sgd(0.3), 10, data=(digits.x, digits.y),
                          val=(digits.x_val, digits.y_val), key=jax.random.key(0), every=5,
                          batch_size=12)
    assert isinstance(rec, Record)
    text = repr(rec)
    assert text.startswith("Record(steps=10, loss ") and "update/weight w1 " in text
    assert rec.epochs(10) == pytest.approx(1.0)  # 10 steps × 12 examples = 120 = one epoch
    assert set(rec.weight_ratio()) == {"w1", "w2", "w3"}


@pytest.mark.slow
def test_classifier_loss_at_chance_is_log_10():
    params = [{"w": jnp.zeros((64, 10)), "b": jnp.zeros(10)}]
    x = jnp.ones((7, 64))
    loss = monitor.classifier_loss(params, x, jnp.arange(7) % 10)
    assert float(loss) == pytest.approx(np.log(10), rel=1e-6)


def test_digits_split_is_disjoint_and_scaled():
    d = monitor.load_digits_split(1000, 500)
    assert d.x.shape == (1000, 64) and d.x_val.shape == (500, 64)
    assert 0.0 <= d.x.min() and d.x.max() == 1.0
    rows = {row.tobytes() for row in d.x}
    assert sum(row.tobytes() in rows for row in d.x_val) < 10  # the data set has a few duplicates
    assert set(np.unique(d.y)) == set(range(10))
    with pytest.raises(ValueError, match="n_train"):
        monitor.load_digits_split(1700, 200)


@pytest.mark.parametrize(
    "kwargs, name",
    [(dict(steps=0), "steps"), (dict(steps=12, every=5), "steps"), (dict(every=0), "every"),
     (dict(chunk=7), "chunk"), (dict(l2=-1.0), "l2"), (dict(l2=float("nan")), "l2"),
     (dict(batch_size=0), "batch_size"), (dict(nonlinearity="sigmoid"), "nonlinearity"),
     (dict(data=(np.ones((5, 64)), np.zeros(4))), "data"), (dict(val=np.ones(3)), "val"),
     (dict(data=(np.full((5, 64), np.nan), np.zeros(5))), "data")],
)
def test_bad_arguments_are_refused_by_name(digits, kwargs, name):
    args = dict(steps=10, data=(digits.x, digits.y), val=(digits.x_val, digits.y_val),
                key=jax.random.key(0), every=5)
    args.update(kwargs)
    steps = args.pop("steps")
    with pytest.raises(ValueError, match=name):
        train_monitored(tiny_params(), optax.sgd(0.1), steps, **args)


@pytest.mark.slow
def test_import_loads_no_plotting_or_widgets():
    code = "import sys, lesson_lib.monitor; assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_batch_indices_take_the_key_by_keyword():
    assert batch_indices(3, 50, 8, key=jax.random.key(2)).shape == (8,)
    with pytest.raises(TypeError):
        batch_indices(jax.random.key(2), 3, 50, 8)  # a key by position is refused
    with pytest.raises(TypeError):
        batch_indices(3, 50, 8)


def test_train_monitored_checks_its_key_and_counts():
    digits = monitor.load_digits_split(40, 20)
    params = tiny_params()
    common = dict(data=(digits.x, digits.y), val=(digits.x_val, digits.y_val), every=10)
    with pytest.raises(ValueError, match="key must be a jax.random key"):
        train_monitored(params, optim.make("sgd"), 20, key=1, **common)
    with pytest.raises(ValueError, match=r"steps must be an integer >= 10, got 20.0 \(a float"):
        train_monitored(params, optim.make("sgd"), 20.0, key=jax.random.key(0), **common)
