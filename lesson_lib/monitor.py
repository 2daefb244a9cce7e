"""Babysitting a training run: the numbers to watch, recorded while an MLP classifier trains.

Introduced in lesson 09. `train_monitored` trains a small MLP (`lesson_lib.mlp`)
with softmax cross-entropy plus an L2 penalty,

    L(θ) = mean_i −log softmax(f_θ(x_i))[y_i] + (l2 / 2) Σ_layers ‖W‖²,

by mini-batch steps of any optax optimizer, and records inside the compiled
loop, without leaving the device each step:

- `loss`: the mini-batch objective at every step;
- `update_ratio`: for every parameter array ("leaf") `‖u‖ / ‖θ‖`, the size of
  the step it takes relative to its own size (healthy: about 1e-3);
- `grad_norm`: `‖∂L/∂θ‖` per leaf;
- every `every` steps: accuracy on the whole training set and on the
  validation set, the validation loss, and per hidden layer the fraction of
  saturated units (`|h| > 0.99` for tanh, `h = 0` for relu);
- on request (`histograms=True`), histograms per hidden layer of the
  activations on the validation set and of the backpropagated gradients
  `∂L_i/∂h` (log10 of their size).

Every block of `every` steps is one compiled `lax.scan`, and the checks
between blocks one more compiled function, shared by every batch size; the
metrics stay on the device until a chunk of blocks ends. After each chunk
`on_chunk(record_so_far)` may update a live figure, and `progress=True` shows
a tqdm bar. Learning rate,
initial weights, L2 strength and data are traced: new values never recompile.
"""

from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from lesson_lib import _checks, mlp
from lesson_lib.curves import first_nonfinite

__all__ = [
    "Record", "Digits", "load_digits_split", "classifier_loss", "accuracy", "batch_indices",
    "leaf_names", "update_ratios", "train_monitored", "ratio_verdict", "ratios_verdict", "ACT_EDGES", "GRAD_EDGES",
]

ACT_EDGES = {"tanh": np.linspace(-1.0, 1.0, 21), "relu": np.linspace(0.0, 4.0, 21),
             "linear": np.linspace(-4.0, 4.0, 21)}
"""Bin edges of the activation histograms, per nonlinearity (values outside go to the end bins)."""

GRAD_EDGES = np.linspace(-10.0, 0.0, 21)
"""Bin edges (log10 of |∂L_i/∂h|) of the gradient histograms; sizes below 1e-10 count in the first bin."""

SATURATION = 0.99
"""A tanh unit with |h| above this is saturated: its local slope 1 − h² is below 0.02."""


class Digits(NamedTuple):
    """scikit-learn's 8 × 8 digits, split: pixels scaled to [0, 1] (64 per image), labels 0–9."""

    x: np.ndarray
    y: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray

    def __repr__(self):
        return (f"Digits(train {self.x.shape[0]} images, validation {self.x_val.shape[0]} images, "
                f"{self.x.shape[1]} pixels each, 10 classes)")


def load_digits_split(n_train: int = 1000, n_val: int = 500, *, seed: int = 0) -> Digits:
    """The bundled digits (no download), shuffled with `seed` and split into train and validation.

    Example:
      >>> d = load_digits_split(100, 50)
      >>> d.x.shape, d.y_val.shape, float(d.x.max()) <= 1.0
      ((100, 64), (50,), True)
    """
    from sklearn.datasets import load_digits

    _checks.int_in_range("n_train", n_train, 1)
    _checks.int_in_range("n_val", n_val, 1)
    images, labels = load_digits(return_X_y=True)
    if n_train + n_val > len(labels):
        raise ValueError(f"n_train + n_val must be at most {len(labels)}, got {n_train + n_val}")
    order = np.random.default_rng(seed).permutation(len(labels))
    x = (images[order] / 16.0).astype(np.float32)
    y = labels[order].astype(np.int32)
    return Digits(x[:n_train], y[:n_train], x[n_train:n_train + n_val], y[n_train:n_train + n_val])


def _forward(params, x, nonlinearity, shifts=None):
    """Hidden activations `[h_1, ...]` and logits; `shifts` (zeros) are added to each h for ∂L/∂h."""
    phi = mlp.activation(nonlinearity)
    h, hidden = x, []
    for i, layer in enumerate(params[:-1]):
        h = phi(jnp.matmul(h, layer["w"], precision=lax.Precision.HIGHEST) + layer["b"][None, :])
        if shifts is not None:
            h = h + shifts[i]
        hidden.append(h)
    last = params[-1]
    return hidden, jnp.matmul(h, last["w"], precision=lax.Precision.HIGHEST) + last["b"][None, :]


def _penalty(params):
    return sum(jnp.sum(layer["w"] ** 2) for layer in params)


def classifier_loss(params, x, y, l2=0.0, nonlinearity: str = "tanh"):
    """Mean softmax cross-entropy of an MLP on `(x, y)` plus `(l2/2) Σ ‖W‖²` (weights, not biases).

    Example:
      >>> import jax.numpy as jnp
      >>> params = [{"w": jnp.zeros((2, 3)), "b": jnp.zeros(3)}]
      >>> round(float(classifier_loss(params, jnp.ones((4, 2)), jnp.array([0, 1, 2, 0]))), 4)  # log 3
      1.0986
    """
    _, logits = _forward(params, x, nonlinearity)
    ce = optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()
    return ce + 0.5 * l2 * _penalty(params)


def accuracy(params, x, y, nonlinearity: str = "tanh"):
    """Fraction of examples whose largest logit is the label.

    Example:
      >>> import jax.numpy as jnp
      >>> params = [{"w": jnp.eye(2), "b": jnp.zeros(2)}]
      >>> float(accuracy(params, jnp.array([[1.0, 0.0], [0.0, 1.0], [2.0, 1.0]]), jnp.array([0, 1, 1])))
      0.6666666865348816
    """
    _, logits = _forward(params, x, nonlinearity)
    return jnp.mean(jnp.argmax(logits, axis=1) == y)


def batch_indices(step, n: int, batch_size: int | None, *, key):
    """The training examples of mini-batch `step`: `batch_size` draws with replacement from `0..n-1`.

    `batch_size=None` means the whole training set, in order (full-batch gradient descent).

    Example:
      >>> import jax
      >>> batch_indices(3, 5, None, key=jax.random.key(0)).tolist()
      [0, 1, 2, 3, 4]
      >>> batch_indices(3, 5, 4, key=jax.random.key(0)).shape
      (4,)
    """
    if batch_size is None:
        return jnp.arange(n)
    return jax.random.randint(jax.random.fold_in(key, step), (batch_size,), 0, n)


def leaf_names(params) -> tuple[str, ...]:
    """Readable names of the parameter arrays, in the order of the records' last axis.

    Example:
      >>> import jax.numpy as jnp
      >>> leaf_names([{"w": jnp.ones((2, 2)), "b": jnp.ones(2)}] * 2)
      ('b1', 'w1', 'b2', 'w2')
    """
    names = []
    for path, _ in jax.tree_util.tree_flatten_with_path(params)[0]:
        if (len(path) == 2 and isinstance(path[0], jax.tree_util.SequenceKey)
                and isinstance(path[1], jax.tree_util.DictKey)):
            names.append(f"{path[1].key}{path[0].idx + 1}")
        else:
            names.append(jax.tree_util.keystr(path))
    return tuple(names)


def _norms(tree):
    return jnp.stack([jnp.sqrt(jnp.sum(leaf.astype(jnp.float32) ** 2)) for leaf in jax.tree.leaves(tree)])


def _ratio(update_norm, param_norm):
    safe = jnp.where(param_norm > 0, param_norm, 1.0)
    ratio = jnp.where(param_norm > 0, update_norm / safe, jnp.where(update_norm > 0, jnp.inf, 0.0))
    return jnp.where(jnp.isnan(param_norm) | jnp.isnan(update_norm), jnp.nan, ratio)


def update_ratios(params, new_params):
    """Per leaf `‖new − old‖ / ‖old‖` (inf where `old` is all zeros and moved, 0 where neither).

    Example:
      >>> import jax.numpy as jnp
      >>> r = update_ratios({"w": jnp.array([3.0, 4.0])}, {"w": jnp.array([3.0, 4.005])})
      >>> [f"{v:.3g}" for v in r.tolist()]
      ['0.001']
    """
    step = jax.tree.map(lambda a, b: b - a, params, new_params)
    return _ratio(_norms(step), _norms(params))


class Record(NamedTuple):
    """What `train_monitored` recorded (NumPy arrays; `T` steps, `E = T / every + 1` checkpoints).

    Attributes:
      loss: `(T,)` mini-batch objective before each step.
      update_ratio: `(T, leaves)` ‖update‖ / ‖parameters‖ of each step, per leaf.
      grad_norm: `(T, leaves)` ‖gradient‖ per leaf.
      eval_steps: `(E,)` the steps 0, every, 2·every, …, T at which these were measured:
      train_acc, val_acc, val_loss: `(E,)` accuracies (whole sets) and validation loss
        (cross-entropy only, no penalty).
      saturated: `(E, hidden layers)` fraction of saturated (tanh) or dead (relu) units.
      act_hist, grad_hist: `(E, hidden layers, bins)` counts, or None without histograms.
      names: the leaves' names (`leaf_names`).
      every, batch_size, n_train: the run's settings (batch_size None: full batch).
      diverged_at: first step whose loss is not finite, or None.
      final_params: the parameters after the last recorded step.
    """

    loss: np.ndarray
    update_ratio: np.ndarray
    grad_norm: np.ndarray
    eval_steps: np.ndarray
    train_acc: np.ndarray
    val_acc: np.ndarray
    val_loss: np.ndarray
    saturated: np.ndarray
    act_hist: np.ndarray | None
    grad_hist: np.ndarray | None
    names: tuple
    every: int
    batch_size: int | None
    n_train: int
    diverged_at: int | None
    final_params: object

    @property
    def steps(self) -> int:
        return int(self.loss.shape[0])

    def epochs(self, steps):
        """Steps converted to epochs (passes over the training set), as the notes prefer."""
        per_step = (self.batch_size or self.n_train) / self.n_train
        return np.asarray(steps, float) * per_step

    def weight_ratio(self, last: float = 0.2) -> dict:
        """Median update/weight ratio of each weight matrix over the last `last` of the steps."""
        start = int(self.steps * (1 - last))
        return {name: float(np.median(self.update_ratio[start:, i]))
                for i, name in enumerate(self.names) if name.startswith("w")}

    def __repr__(self):
        if self.steps == 0:
            return "Record(no steps yet)"
        state = "no divergence" if self.diverged_at is None else f"diverged at step {self.diverged_at}"
        ratios = ", ".join(f"{k} {v:.1e}" for k, v in self.weight_ratio().items())
        return (f"Record(steps={self.steps}, loss {self.loss[0]:.3g} → {self.loss[-1]:.3g}, "
                f"train acc {self.train_acc[-1]:.2f}, val acc {self.val_acc[-1]:.2f}, "
                f"update/weight {ratios}, {state})")


def ratio_verdict(ratio: float) -> str:
    """Read an update/weight ratio with the notes' rule of thumb (about 1e-3 is healthy).

    Example:
      >>> ratio_verdict(1e-5), ratio_verdict(8e-4), ratio_verdict(0.05)
      ('too low', 'healthy', 'too high')
    """
    if not np.isfinite(ratio) or ratio > 1e-2:
        return "too high"
    if ratio < 1e-4:
        return "too low"
    return "healthy"


def ratios_verdict(ratios: dict) -> str:
    """One verdict for all layers: "too high" if any layer's ratio is, "too low" if every layer's is.

    Example:
      >>> ratios_verdict({"w1": 1e-6, "w2": 0.3}), ratios_verdict({"w1": 1e-6, "w2": 1e-5})
      ('too high', 'too low')
    """
    verdicts = [ratio_verdict(v) for v in ratios.values()]
    if "too high" in verdicts:
        return "too high"
    if verdicts and all(v == "too low" for v in verdicts):
        return "too low"
    return "healthy"


def _histogram(values, edges):
    """Counts of `values` in the uniform bins `edges`; values outside land in the end bins."""
    lo, hi, bins = float(edges[0]), float(edges[-1]), len(edges) - 1
    idx = jnp.clip(jnp.floor((values.ravel() - lo) * (bins / (hi - lo))), 0, bins - 1).astype(jnp.int32)
    return jnp.zeros(bins, jnp.int32).at[idx].add(1)


def _evaluate(params, x, y, x_val, y_val, *, nonlinearity, histograms):
    train_hidden, train_logits = _forward(params, x, nonlinearity)
    shifts = [jnp.zeros((x_val.shape[0], layer["w"].shape[1]), jnp.float32) for layer in params[:-1]]

    def val_total(shifts):
        hidden, logits = _forward(params, x_val, nonlinearity, shifts)
        losses = optax.softmax_cross_entropy_with_integer_labels(logits, y_val)
        return jnp.sum(losses), (hidden, logits, losses)

    if histograms:
        grads_h, (hidden, logits, losses) = jax.grad(val_total, has_aux=True)(shifts)
    else:
        _, (hidden, logits, losses) = val_total(shifts)
    out = {
        "train_acc": jnp.mean(jnp.argmax(train_logits, axis=1) == y),
        "val_acc": jnp.mean(jnp.argmax(logits, axis=1) == y_val),
        "val_loss": jnp.mean(losses),
        "saturated": jnp.stack([
            jnp.mean(jnp.abs(h) > SATURATION) if nonlinearity == "tanh" else jnp.mean(h == 0)
            for h in hidden]),
    }
    if histograms:
        out["act_hist"] = jnp.stack([_histogram(h, ACT_EDGES[nonlinearity]) for h in hidden])
        out["grad_hist"] = jnp.stack([
            _histogram(jnp.log10(jnp.abs(g) + 1e-30), GRAD_EDGES) for g in grads_h])
    return out


_evaluate_jit = jax.jit(_evaluate, static_argnames=("nonlinearity", "histograms"))


@partial(jax.jit, static_argnames=("update_fn", "nonlinearity", "every", "batch_size"))
def _block(params, opt_state, first_step, key, x, y, l2, *, update_fn, nonlinearity, every, batch_size):
    """`every` training steps in one `lax.scan`: the parameters after them and per-step metrics."""
    n = x.shape[0]

    def step(carry, t):
        params, state = carry
        idx = batch_indices(t, n, batch_size, key=key)
        loss, grads = jax.value_and_grad(classifier_loss)(params, x[idx], y[idx], l2, nonlinearity)
        updates, state = update_fn(grads, state, params)
        ratio = _ratio(_norms(updates), _norms(params))
        return (optax.apply_updates(params, updates), state), (loss, ratio, _norms(grads))

    (params, opt_state), (loss, ratio, gnorm) = lax.scan(
        step, (params, opt_state), first_step + jnp.arange(every))
    return params, opt_state, {"loss": loss, "ratio": ratio, "grad_norm": gnorm}


def _strong(leaf):
    leaf = jnp.asarray(leaf, jnp.float32)
    return lax.convert_element_type(leaf, jnp.float32) if getattr(leaf, "weak_type", False) else leaf


def _assemble(evals, per_step, names, every, batch_size, n_train, params, histograms):
    """A `Record` from the per-checkpoint `evals` and per-block `per_step` dicts (NumPy)."""
    def stack(key):
        return np.stack([e[key] for e in evals]) if evals else np.zeros((0,))

    def cat(key):
        return np.concatenate([p[key] for p in per_step]) if per_step else np.zeros((0,))

    loss = cat("loss")
    return Record(
        loss=loss, update_ratio=cat("ratio"), grad_norm=cat("grad_norm"),
        eval_steps=np.arange(len(evals)) * every,
        train_acc=stack("train_acc"), val_acc=stack("val_acc"), val_loss=stack("val_loss"),
        saturated=stack("saturated"),
        act_hist=stack("act_hist") if histograms else None,
        grad_hist=stack("grad_hist") if histograms else None,
        names=names, every=every, batch_size=batch_size, n_train=n_train,
        diverged_at=first_nonfinite(loss), final_params=params)


def train_monitored(params0, optimizer: optax.GradientTransformation, steps: int, *, data, val, key,
                    batch_size: int | None = 32, l2: float = 0.0, nonlinearity: str = "tanh",
                    every: int = 10, histograms: bool = False, chunk: int | None = None,
                    on_chunk: Callable | None = None, progress: bool = False) -> Record:
    """Train an MLP classifier and record what a careful practitioner watches.

    Each step draws a mini-batch (`batch_indices`), computes `g = ∇L(θ)` of
    `classifier_loss` on it, asks the optimizer for an update `u` and sets
    `θ ← θ + u`. Per step it records the batch loss, `‖u‖/‖θ‖` and `‖g‖` per
    leaf; every `every` steps (before that step, and once after the last) the
    accuracies, validation loss, saturation and, with `histograms`, the
    histograms (see the module docstring).

    Args:
      params0: a list of layers `{"w", "b"}` (`mlp.init_mlp`).
      optimizer: an optax optimizer; with `lesson_lib.optim.make` its
        hyperparameters are traced (a new learning rate never recompiles).
      steps: number of steps, a multiple of `every`.
      data, val: `(x, y)` training and validation sets (`x` of shape
        `(n, inputs)`, integer labels `y`).
      key: a `jax.random` key for the mini-batches.
      batch_size: examples per step, or None for the whole training set.
      l2: L2 strength (>= 0).
      nonlinearity: "tanh", "relu" or "linear".
      every: steps between accuracy checks.
      histograms: also record activation and gradient histograms.
      chunk: steps per compiled chunk (a multiple of `every`; default all).
      on_chunk: called with the `Record` so far after each chunk.
      progress: show a tqdm progress bar over the chunks.

    Returns:
      A `Record` (divergence is recorded in `diverged_at`, never raised).

    Example:
      >>> import jax, optax
      >>> d = load_digits_split(200, 100)
      >>> params = mlp.init_mlp((64, 16, 10), key=jax.random.key(0))
      >>> rec = train_monitored(params, optax.sgd(0.5), 100, data=(d.x, d.y), val=(d.x_val, d.y_val),
      ...                       key=jax.random.key(1), every=20)
      >>> rec.loss.shape, rec.update_ratio.shape, rec.eval_steps.tolist()
      ((100,), (100, 4), [0, 20, 40, 60, 80, 100])
      >>> bool(rec.val_acc[-1] > 0.6)
      True
    """
    _checks.prng_key("key", key)
    every = _checks.integer("every", every, 1)
    steps = _checks.integer("steps", steps, every)
    if steps % every:
        raise ValueError(f"steps must be a multiple of every ({every}), got {steps}")
    chunk = steps if chunk is None else chunk
    chunk = _checks.integer("chunk", chunk, every)
    if chunk % every:
        raise ValueError(f"chunk must be a multiple of every ({every}), got {chunk}")
    _checks.one_of("nonlinearity", nonlinearity, ACT_EDGES)
    _checks.number("l2", l2, low=0.0)
    arrays = []
    for name, pair in (("data", data), ("val", val)):
        try:
            xs, ys = pair
        except (TypeError, ValueError):
            raise ValueError(f"{name} must be a pair (x, y)") from None
        _checks.finite_array(f"{name} x", xs)
        if np.ndim(xs) != 2 or np.ndim(ys) != 1 or np.shape(xs)[0] != np.shape(ys)[0]:
            raise ValueError(f"{name} must be (x, y) with x of shape (n, inputs) and y of shape (n,), "
                             f"got {np.shape(xs)} and {np.shape(ys)}")
        arrays += [jnp.asarray(xs, jnp.float32), jnp.asarray(ys, jnp.int32)]
    mlp._check_inputs(params0, np.asarray(arrays[0][:1]))
    n_train = int(arrays[0].shape[0])
    if batch_size is not None:
        batch_size = _checks.integer("batch_size", batch_size, 1)
    _checks.finite_array("params0", params0)
    params = jax.tree.map(_strong, params0)
    opt_state = optimizer.init(params)
    names = leaf_names(params)
    blocks_total, per_chunk = steps // every, chunk // every
    x, y, x_val, y_val = arrays
    l2 = jnp.float32(l2)
    evaluate = partial(_evaluate_jit, x=x, y=y, x_val=x_val, y_val=y_val, nonlinearity=nonlinearity,
                       histograms=bool(histograms))
    kwargs = dict(update_fn=optimizer.update, nonlinearity=nonlinearity, every=int(every),
                  batch_size=batch_size)
    evals, per_step = [], []
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=steps, unit="step", desc="training")
    for first in range(0, blocks_total, per_chunk):
        pending_evals, pending_steps = [], []
        for b in range(first, min(first + per_chunk, blocks_total)):
            pending_evals.append(evaluate(params))
            params, opt_state, metrics = _block(params, opt_state, jnp.int32(b * every), key, x, y, l2,
                                                **kwargs)
            pending_steps.append(metrics)
        evals += jax.device_get(pending_evals)  # the chunk leaves the device here, at once
        per_step += jax.device_get(pending_steps)
        if bar is not None:
            bar.update(len(pending_steps) * every)
        if on_chunk is not None and first + per_chunk < blocks_total:
            on_chunk(_assemble(evals, per_step, names, every, batch_size, n_train, params, histograms))
    if bar is not None:
        bar.close()
    evals.append(jax.device_get(evaluate(params)))
    record = _assemble(evals, per_step, names, every, batch_size, n_train, params, histograms)
    if on_chunk is not None:
        on_chunk(record)
    return record
