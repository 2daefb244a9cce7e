"""Lesson 11: regularization — dropout, batch normalization, L1/L2 penalties, early stopping, k-fold splits.

- `dropout(x, rate, *, key, train=True)`: *inverted* dropout. In training each
  entry is zeroed with probability `rate` and the survivors are scaled by
  `1/(1 − rate)`, so `E[dropout(x)] = x` and evaluation is the identity.
- `batch_norm(x, gamma, beta, state, *, train, momentum=0.1, eps=1e-5)`: as
  PyTorch's `BatchNorm1d`. In training, with the batch mean `μ_B` and the
  *biased* batch variance `σ²_B = mean((x − μ_B)²)`,

      y = γ (x − μ_B) / √(σ²_B + ε) + β,
      running_mean ← (1 − m) running_mean + m μ_B,
      running_var  ← (1 − m) running_var  + m σ²_B · n/(n − 1)   (the unbiased variance);

  in evaluation the running statistics replace the batch ones. γ = √(σ² + ε)
  and β = μ undo the normalisation: the layer can always learn the identity.
- `l1_penalty(params) = Σ |w|` and `l2_penalty(params) = ½ Σ w²` over every
  *weight* leaf; the regularised objective is `loss + λ · penalty`.
  **Rule:** a leaf is a bias (excluded) when the dict key or attribute that
  holds it is named `b`, `bias`, `beta` or `gamma`, or `b` and a layer number
  (`b1`, `b2`: the `mlp` layers' and `init_classifier`'s biases, batch norm's
  shift and scale); every other leaf — a bare array included — is a weight.
- `ridge_path` / `lasso_path`: the minimisers of
  `(1/2n) |y − X w|² + λ · penalty(w)` for many λ at once (closed form for
  L2; accelerated proximal gradient, FISTA, with soft-thresholding for L1).
- `early_stopping(val_losses, *, patience, min_delta=0.0, warmup=0)`: where
  training with patience stops, and the best step up to there.
- `kfold(n, k, *, key=None)`: the very function of `lesson_lib.search`.
- `train_classifier`: a one-hidden-layer digits classifier with any mix of
  L2, dropout and batch normalization, trained for several seeds at once
  (vmapped, one `lax.scan`), one compilation for every mix.

Every function with numbers as arguments compiles once per shape: rates,
strengths, momenta and learning rates are traced.
"""

from functools import partial
from typing import NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
import optax
from jax import lax

from lesson_lib import _checks
from lesson_lib.search import kfold

__all__ = [
    "dropout", "BatchNormState", "batch_norm_state", "batch_norm", "BIAS_NAMES", "is_bias",
    "l1_penalty", "l2_penalty", "ridge_path", "lasso_path", "EarlyStop", "early_stopping", "kfold",
    "Runs", "init_classifier", "classifier_logits", "train_classifier",
]

BIAS_NAMES = ("b", "bias", "beta", "gamma")
"""Names of the leaves the penalties leave alone (biases and batch norm's shift and scale);
`b` followed by digits (`b1`, `b2`) counts too."""


# --- dropout ---------------------------------------------------------------------------------


def _check_rate(rate):
    if _checks.is_traced(rate):
        return
    _checks.finite_float("rate", rate)
    if not 0.0 <= float(rate) < 1.0:
        raise ValueError(f"rate must be a probability in [0, 1), got {rate!r}")


@jax.jit
def _dropout(x, rate, key):
    keep = jax.random.bernoulli(key, 1.0 - rate, jnp.shape(x))
    return jnp.where(keep, x / (1.0 - rate), jnp.zeros_like(x))


def dropout(x, rate, *, key, train: bool = True):
    """Inverted dropout: zero each entry with probability `rate`, scale the rest by `1/(1 − rate)`.

    So `E[dropout(x)] = x`: the network at evaluation (`train=False`) uses its
    weights as they are, with no rescaling. `rate = 0` and `train=False` both
    return `x` unchanged.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> y = dropout(jnp.ones(8), 0.5, key=jax.random.key(0))
      >>> sorted(set(y.tolist())) in ([0.0, 2.0], [2.0], [0.0])
      True
      >>> dropout(jnp.ones(3), 0.5, key=jax.random.key(0), train=False).tolist()
      [1.0, 1.0, 1.0]
    """
    _check_rate(rate)
    if not isinstance(train, bool):
        raise ValueError(f"train must be True or False, got {train!r}")
    x = jnp.asarray(x)
    if not jnp.issubdtype(x.dtype, jnp.floating):
        x = x.astype(jnp.float32)
    if not train:
        return x
    return _dropout(x, jnp.asarray(rate, x.dtype), key)


# --- batch normalization ---------------------------------------------------------------------


class BatchNormState(NamedTuple):
    """Running statistics of a batch-norm layer, one entry per feature."""

    mean: jax.Array
    var: jax.Array


def batch_norm_state(features: int) -> BatchNormState:
    """Running statistics before any training: mean 0, variance 1 (as PyTorch starts them).

    Example:
      >>> batch_norm_state(2)
      BatchNormState(mean=Array([0., 0.], dtype=float32), var=Array([1., 1.], dtype=float32))
    """
    _checks.int_in_range("features", features, 1)
    return BatchNormState(jnp.zeros(int(features), jnp.float32), jnp.ones(int(features), jnp.float32))


def _bn_train(x, gamma, beta, state, momentum, eps):
    n = x.shape[0]
    mean = jnp.mean(x, axis=0)
    var = jnp.mean((x - mean[None, :]) ** 2, axis=0)  # biased: what normalises the batch
    y = gamma[None, :] * (x - mean[None, :]) / jnp.sqrt(var[None, :] + eps) + beta[None, :]
    unbiased = var * (n / (n - 1))
    new = BatchNormState((1 - momentum) * state.mean + momentum * mean,
                         (1 - momentum) * state.var + momentum * unbiased)
    return y, new


def _bn_eval(x, gamma, beta, state, eps):
    return gamma[None, :] * (x - state.mean[None, :]) / jnp.sqrt(state.var[None, :] + eps) + beta[None, :]


@partial(jax.jit, static_argnames="train")
def _batch_norm(x, gamma, beta, state, momentum, eps, train):
    if train:
        return _bn_train(x, gamma, beta, state, momentum, eps)
    return _bn_eval(x, gamma, beta, state, eps), state


def batch_norm(x, gamma, beta, state: BatchNormState, *, train: bool, momentum=0.1, eps=1e-5):
    """Batch normalization of `x`, shape `(batch, features)`, as PyTorch's `BatchNorm1d`.

    Training: normalise with the batch mean and biased batch variance, then
    scale by `gamma` and shift by `beta`; update the running statistics with
    `running ← (1 − momentum)·running + momentum·batch`, using the *unbiased*
    batch variance for the running variance. Evaluation: normalise with the
    running statistics, which stay unchanged.

    Returns:
      `(y, new_state)`.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([[1.0], [3.0]])
      >>> y, s = batch_norm(x, jnp.ones(1), jnp.zeros(1), batch_norm_state(1), train=True)
      >>> # running mean 0.9·0 + 0.1·2, running variance 0.9·1 + 0.1·2 (the unbiased batch variance)
      >>> [round(float(v), 3) for v in y.ravel()], round(float(s.mean[0]), 6), round(float(s.var[0]), 6)
      ([-1.0, 1.0], 0.2, 1.1)
    """
    if not isinstance(train, bool):
        raise ValueError(f"train must be True or False, got {train!r}")
    if np.ndim(x) != 2 or np.shape(x)[0] == 0:
        raise ValueError(f"x must have shape (batch, features) with batch >= 1, got {np.shape(x)}")
    features = np.shape(x)[1]
    if not isinstance(state, BatchNormState):
        raise ValueError(f"state must be a BatchNormState (from batch_norm_state), got {type(state).__name__}")
    for name, value in (("gamma", gamma), ("beta", beta), ("state.mean", state.mean), ("state.var", state.var)):
        if np.shape(value) != (features,):
            raise ValueError(f"{name} must have shape ({features},), one entry per feature, got {np.shape(value)}")
    if train and np.shape(x)[0] < 2:
        raise ValueError("x must hold at least 2 examples in training (a batch of 1 has no variance), "
                         f"got shape {np.shape(x)}")
    if not _checks.is_traced(momentum):
        _checks.finite_float("momentum", momentum)
        if not 0.0 <= float(momentum) <= 1.0:
            raise ValueError(f"momentum must be in [0, 1], got {momentum!r}")
    _checks.positive_float("eps", eps)
    x = jnp.asarray(x, jnp.float32)
    state = BatchNormState(jnp.asarray(state.mean, jnp.float32), jnp.asarray(state.var, jnp.float32))
    return _batch_norm(x, jnp.asarray(gamma, jnp.float32), jnp.asarray(beta, jnp.float32), state,
                       jnp.float32(momentum), jnp.float32(eps), train)


# --- penalties -------------------------------------------------------------------------------


def _key_name(entry) -> str | None:
    for attr in ("key", "name"):
        if hasattr(entry, attr):
            return str(getattr(entry, attr))
    return None


def is_bias(path) -> bool:
    """True when a pytree path ends in a leaf named as a bias (`BIAS_NAMES`): the penalties skip it.

    Example:
      >>> import jax
      >>> [is_bias(p) for p, _ in jax.tree_util.tree_flatten_with_path({"w": 1.0, "b": 0.0})[0]]
      [True, False]
    """
    if not path:
        return False
    name = _key_name(path[-1])
    return name is not None and (name in BIAS_NAMES or (name[:1] == "b" and name[1:].isdigit()))


def _weights(params):
    leaves = jax.tree_util.tree_flatten_with_path(params)[0]
    return [jnp.asarray(leaf, jnp.float32) for path, leaf in leaves if not is_bias(path)]


def l1_penalty(params):
    """`Σ |w|` over every weight leaf of `params` (biases excluded, see `BIAS_NAMES`).

    Example:
      >>> import jax.numpy as jnp
      >>> float(l1_penalty([{"w": jnp.array([[1.0, -2.0]]), "b": jnp.array([5.0])}]))
      3.0
    """
    return sum((jnp.sum(jnp.abs(w)) for w in _weights(params)), jnp.float32(0))


def l2_penalty(params):
    """`½ Σ w²` over every weight leaf of `params` (biases excluded); its gradient is `w` itself.

    Example:
      >>> import jax.numpy as jnp
      >>> float(l2_penalty([{"w": jnp.array([[1.0, -2.0]]), "b": jnp.array([5.0])}]))
      2.5
    """
    return sum((0.5 * jnp.sum(w ** 2) for w in _weights(params)), jnp.float32(0))


# --- L1 and L2 coefficient paths -------------------------------------------------------------


def _check_regression(x, y, strengths):
    if np.ndim(x) != 2 or np.shape(x)[0] < 2:
        raise ValueError(f"x must have shape (n, features) with n >= 2, got {np.shape(x)}")
    if np.shape(y) != (np.shape(x)[0],):
        raise ValueError(f"y must have shape ({np.shape(x)[0]},), one target per row of x, got {np.shape(y)}")
    _checks.finite_array("x", x)
    _checks.finite_array("y", y)
    s = np.asarray(strengths, np.float64)
    if s.ndim > 1 or s.size == 0 or not np.all(np.isfinite(s)) or np.any(s < 0):
        raise ValueError(f"strengths must be a number or a 1-D array of finite numbers >= 0, got {strengths!r}")


@jax.jit
def _ridge(x, y, strengths):
    n, d = x.shape
    gram, xty = x.T @ x / n, x.T @ y / n
    return jax.vmap(lambda s: jnp.linalg.solve(gram + s * jnp.eye(d, dtype=x.dtype), xty))(strengths)


def ridge_path(x, y, strengths) -> np.ndarray:
    """L2-regularised least squares for each strength: `argmin (1/2n)|y − Xw|² + λ·½|w|²`.

    Closed form `w = (XᵀX/n + λ I)⁻¹ Xᵀy/n` (a solve, never an inverse), in
    double precision; no intercept (centre `x` and `y` first). Shrinks every
    coefficient smoothly towards 0; none becomes exactly 0.

    Returns:
      `(len(strengths), features)` coefficients (`(features,)` for a single number).

    Example:
      >>> import numpy as np
      >>> ridge_path(np.eye(2) * np.sqrt(2), np.array([2.0, 4.0]) / np.sqrt(2), [0.0, 1.0]).round(6).tolist()
      [[1.0, 2.0], [0.5, 1.0]]
    """
    _check_regression(x, y, strengths)
    return _in_float64(_ridge, x, y, strengths)


def _in_float64(solver, x, y, strengths, *args):
    """`solver(x, y, strengths, *args)` in double precision, for one strength or a list of them."""
    with jax.enable_x64():
        w = np.asarray(solver(jnp.asarray(x, jnp.float64), jnp.asarray(y, jnp.float64),
                              jnp.atleast_1d(jnp.asarray(strengths, jnp.float64)), *args))
    return w[0] if np.ndim(strengths) == 0 else w


@partial(jax.jit, static_argnames="steps")
def _lasso(x, y, strengths, steps):
    n, d = x.shape
    gram, xty = x.T @ x / n, x.T @ y / n
    lipschitz = jnp.max(jnp.linalg.eigvalsh(gram))
    step = 1.0 / lipschitz

    def solve(s):
        def body(carry, _):
            w, z, t = carry
            g = gram @ z - xty
            v = z - step * g
            w_new = jnp.sign(v) * jnp.maximum(jnp.abs(v) - step * s, 0.0)  # soft-thresholding
            t_new = 0.5 * (1.0 + jnp.sqrt(1.0 + 4.0 * t ** 2))
            z_new = w_new + ((t - 1.0) / t_new) * (w_new - w)
            return (w_new, z_new, t_new), None

        zeros = jnp.zeros(d, x.dtype)
        (w, _, _), _ = lax.scan(body, (zeros, zeros, jnp.ones((), x.dtype)), None, length=steps)
        return w

    return jax.vmap(solve)(strengths)


def lasso_path(x, y, strengths, *, steps: int = 3000) -> np.ndarray:
    """L1-regularised least squares for each strength: `argmin (1/2n)|y − Xw|² + λ|w|₁`.

    The objective of scikit-learn's `Lasso(alpha=λ, fit_intercept=False)`,
    solved by `steps` of FISTA (a gradient step on the squared error, then
    soft-thresholding `sign(v)·max(|v| − λ/L, 0)`, with Nesterov momentum),
    in double precision. Coefficients hit exactly 0 one after another as λ
    grows; above `λ_max = max|Xᵀy|/n` all of them are 0.

    Returns:
      `(len(strengths), features)` coefficients (`(features,)` for a single number).

    Example:
      >>> import numpy as np
      >>> lasso_path(np.eye(2) * np.sqrt(2), np.array([2.0, 4.0]) / np.sqrt(2), [0.0, 1.5]).round(6).tolist()
      [[1.0, 2.0], [0.0, 0.5]]
    """
    _check_regression(x, y, strengths)
    _checks.int_in_range("steps", steps, 1)
    return _in_float64(_lasso, x, y, strengths, int(steps))


# --- early stopping --------------------------------------------------------------------------


class EarlyStop(NamedTuple):
    """Where early stopping ends a run.

    Attributes:
      stop: the step at which training stops (the last step if patience never ran out).
      best: the step of the lowest validation loss seen up to `stop` (the weights to keep).
      stopped: whether patience ran out before the last step.
    """

    stop: int
    best: int
    stopped: bool

    def __repr__(self):
        how = "patience ran out" if self.stopped else "ran to the end"
        return f"EarlyStop(stop={self.stop}, best={self.best}, {how})"


@jax.jit
def _early(losses, patience, min_delta, warmup):
    n = losses.shape[0]

    def body(carry, t):
        best_value, best_step, wait, stop = carry
        value = losses[t]
        watched = (t >= warmup) & (stop < 0)
        better = watched & (value < best_value - min_delta)  # NaN is never better
        best_value = jnp.where(better, value, best_value)
        best_step = jnp.where(better, t, best_step)
        wait = jnp.where(better, 0, jnp.where(watched, wait + 1, wait))
        stop = jnp.where((stop < 0) & watched & (wait >= patience), t, stop)
        return (best_value, best_step, wait, stop), None

    init = (jnp.asarray(jnp.inf, losses.dtype), jnp.int32(-1), jnp.int32(0), jnp.int32(-1))
    (_, best_step, _, stop), _ = lax.scan(body, init, jnp.arange(n, dtype=jnp.int32))
    return stop, best_step


def early_stopping(val_losses, *, patience: int, min_delta: float = 0.0, warmup: int = 0) -> EarlyStop:
    """Where training with patience stops, and the best step to keep.

    From step `warmup` on, each validation loss is compared with the best so
    far: it is an improvement if it is lower by more than `min_delta` (a NaN
    never is). After `patience` steps in a row without an improvement,
    training stops at that step. The steps before `warmup` are not watched (as
    Keras's `start_from_epoch`).

    Args:
      val_losses: the validation losses, one per step (or per evaluation), 1-D.
      patience: how many steps without improvement to wait, an int >= 1.
      min_delta: the smallest decrease that counts as an improvement, >= 0.
      warmup: the first step watched, an int in [0, len(val_losses) − 1].

    Example:
      >>> early_stopping([3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9], patience=3)
      EarlyStop(stop=5, best=2, patience ran out)
      >>> early_stopping([3.0, 2.0, 1.0, 1.5, 1.2, 1.1, 0.9], patience=4)
      EarlyStop(stop=6, best=6, ran to the end)
    """
    losses = np.asarray(val_losses, dtype=np.float64)
    if losses.ndim != 1 or losses.size == 0:
        raise ValueError(f"val_losses must be a non-empty 1-D sequence, got shape {losses.shape}")
    _checks.int_in_range("patience", patience, 1)
    _checks.finite_float("min_delta", min_delta)
    if float(min_delta) < 0:
        raise ValueError(f"min_delta must be >= 0, got {min_delta!r}")
    _checks.int_in_range("warmup", warmup, 0, losses.size - 1)
    with jax.enable_x64():
        stop, best = _early(jnp.asarray(losses), jnp.int32(patience), jnp.float64(min_delta), jnp.int32(warmup))
    stop, best = int(stop), int(best)
    stopped = stop >= 0
    stop = stop if stopped else losses.size - 1
    return EarlyStop(stop, max(best, int(warmup)) if best < 0 else best, stopped)


# --- a regularised digits classifier ---------------------------------------------------------


class Runs(NamedTuple):
    """Training runs of `train_classifier`, one row per seed.

    Attributes:
      loss: `(seeds, steps)` the mini-batch objective at each step (training mode).
      val_loss: `(seeds, steps)` validation cross-entropy after each step (evaluation mode).
      val_error: `(seeds, steps)` validation error rate after each step.
      train_error: `(seeds,)` error rate on the whole training set at the end (evaluation mode).
      model: the final `(params, state)`, each leaf with a leading seed axis.
      trajectory: `params` every `keep_every` steps, leaves `(seeds, steps // keep_every, ...)`, or None.
    """

    loss: jax.Array
    val_loss: jax.Array
    val_error: jax.Array
    train_error: jax.Array
    model: tuple
    trajectory: dict | None

    def __repr__(self):
        seeds, steps = self.loss.shape
        return (f"Runs({seeds} seeds × {steps} steps; final validation error "
                f"{100 * float(jnp.mean(self.val_error[:, -1])):.1f} % (mean over seeds))")


def init_classifier(key, inputs: int = 64, hidden: int = 64, classes: int = 10):
    """Parameters and batch-norm state of `inputs → hidden (batch norm, relu) → classes`.

    He-normal weights, zero biases, `gamma = 1`, `beta = 0`.

    Example:
      >>> import jax
      >>> params, state = init_classifier(jax.random.key(0))
      >>> params["w1"].shape, params["gamma"].shape, state.var.shape
      ((64, 64), (64,), (64,))
    """
    k1, k2 = jax.random.split(key)
    he = jax.nn.initializers.he_normal()
    params = {"w1": he(k1, (inputs, hidden), jnp.float32), "b1": jnp.zeros(hidden, jnp.float32),
              "gamma": jnp.ones(hidden, jnp.float32), "beta": jnp.zeros(hidden, jnp.float32),
              "w2": he(k2, (hidden, classes), jnp.float32), "b2": jnp.zeros(classes, jnp.float32)}
    return params, batch_norm_state(hidden)


def classifier_logits(params, state, x, *, use_bn=True, rate=0.0, key=None, train=False, momentum=0.1):
    """The classifier's logits `(batch, classes)` and its new batch-norm state.

    `h = relu(BN(x W1 + b1))` (batch norm skipped where `use_bn` is False),
    dropout on `h` in training, logits `h W2 + b2`. In evaluation
    (`train=False`) batch norm uses the running statistics and dropout is the
    identity. `use_bn` and `rate` may be traced.

    Example:
      >>> import jax, jax.numpy as jnp
      >>> params, state = init_classifier(jax.random.key(0))
      >>> classifier_logits(params, state, jnp.zeros((3, 64)))[0].shape
      (3, 10)
    """
    z = jnp.matmul(x, params["w1"], precision=lax.Precision.HIGHEST) + params["b1"][None, :]
    if train:
        normed, new_state = _bn_train(z, params["gamma"], params["beta"], state, momentum, 1e-5)
    else:
        normed, new_state = _bn_eval(z, params["gamma"], params["beta"], state, 1e-5), state
    use = jnp.asarray(use_bn, jnp.bool_)
    h = jax.nn.relu(jnp.where(use, normed, z))
    new_state = jax.tree.map(lambda new, old: jnp.where(use, new, old), new_state, state)
    if train:
        keep = jax.random.bernoulli(key, 1.0 - rate, h.shape)
        h = jnp.where(keep, h / (1.0 - rate), 0.0)
    logits = jnp.matmul(h, params["w2"], precision=lax.Precision.HIGHEST) + params["b2"][None, :]
    return logits, new_state


@partial(jax.jit, static_argnames=("steps", "batch_size", "hidden", "keep_every"))
def _train(keys, x, y, x_val, y_val, lr, l2, rate, use_bn, steps, batch_size, hidden, keep_every):
    optimizer = optax.adam(lr)

    def one(key):
        k_init, k_run = jax.random.split(key)
        params, state = init_classifier(k_init, x.shape[1], hidden, 10)
        opt_state = optimizer.init(params)

        def objective(p, s, xb, yb, k):
            logits, s_new = classifier_logits(p, s, xb, use_bn=use_bn, rate=rate, key=k, train=True)
            ce = optax.softmax_cross_entropy_with_integer_labels(logits, yb).mean()
            return ce + l2 * l2_penalty(p), s_new

        def step(carry, k):
            p, s, o = carry
            k_batch, k_drop = jax.random.split(k)
            idx = jax.random.randint(k_batch, (batch_size,), 0, x.shape[0])
            (value, s_new), grads = jax.value_and_grad(objective, has_aux=True)(p, s, x[idx], y[idx], k_drop)
            updates, o = optimizer.update(grads, o, p)
            p = optax.apply_updates(p, updates)
            logits, _ = classifier_logits(p, s_new, x_val, use_bn=use_bn)
            val = optax.softmax_cross_entropy_with_integer_labels(logits, y_val).mean()
            err = jnp.mean(jnp.argmax(logits, axis=1) != y_val)
            return (p, s_new, o), (value, val, err, p if keep_every else None)

        (p, s, _), (loss, val, err, traj) = lax.scan(step, (params, state, opt_state),
                                                     jax.random.split(k_run, steps))
        train_logits, _ = classifier_logits(p, s, x, use_bn=use_bn)
        train_err = jnp.mean(jnp.argmax(train_logits, axis=1) != y)
        kept = jax.tree.map(lambda a: a[keep_every - 1::keep_every], traj) if keep_every else None
        return loss, val, err, train_err, (p, s), kept

    return jax.vmap(one)(keys)


def train_classifier(data, *, key, seeds: int = 4, steps: int = 300, lr=3e-3, l2=0.0, rate=0.0,
                     batch_norm=False, batch_size: int = 32, hidden: int = 64, keep_every: int = 0) -> Runs:
    """Train `seeds` independently initialised digits classifiers at once (vmapped, one `lax.scan` each).

    The network is `init_classifier`'s: 64 pixels → `hidden` relu units (with
    batch norm if `batch_norm`, dropout at `rate`) → 10 logits, trained by
    Adam at learning rate `lr` on mini-batches of `batch_size` drawn afresh
    each step, on softmax cross-entropy `+ l2 · l2_penalty(weights)`. Each
    seed has its own initialisation, mini-batches and dropout masks.
    `lr`, `l2`, `rate` and `batch_norm` are traced: every mix of them shares
    one compilation (per data shape, seeds, steps, batch size, width).

    Args:
      data: a `monitor.Digits` (or any `(x, y, x_val, y_val)`).
      key: a `jax.random` key, split into one key per seed.
      keep_every: if > 0, keep the weights every `keep_every` steps (for `averaging.ema`).

    Example:
      >>> import jax
      >>> from lesson_lib.monitor import load_digits_split
      >>> runs = train_classifier(load_digits_split(200, 100), key=jax.random.key(0), seeds=2, steps=50)
      >>> runs.val_loss.shape, bool(runs.val_error[:, -1].mean() < 0.5)
      ((2, 50), True)
    """
    x, y, x_val, y_val = (np.asarray(a) for a in data)
    for name, a in (("data.x", x), ("data.x_val", x_val)):
        if a.ndim != 2 or a.shape[0] == 0:
            raise ValueError(f"{name} must have shape (n, inputs) with n >= 1, got {a.shape}")
    if y.shape != (x.shape[0],) or y_val.shape != (x_val.shape[0],):
        raise ValueError("data.y and data.y_val must hold one label per row of data.x and data.x_val")
    _checks.finite_array("data.x", x)
    _checks.finite_array("data.x_val", x_val)
    _checks.int_in_range("seeds", seeds, 1)
    _checks.int_in_range("steps", steps, 1)
    _checks.int_in_range("batch_size", batch_size, 2, x.shape[0])
    _checks.int_in_range("hidden", hidden, 1)
    _checks.int_in_range("keep_every", keep_every, 0, int(steps))
    _checks.positive_float("lr", lr)
    _checks.finite_float("l2", l2)
    if float(l2) < 0:
        raise ValueError(f"l2 must be >= 0, got {l2!r}")
    _check_rate(rate)
    if not isinstance(batch_norm, bool):
        raise ValueError(f"batch_norm must be True or False, got {batch_norm!r}")
    keys = jax.random.split(key, int(seeds))
    out = _train(keys, jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.int32), jnp.asarray(x_val, jnp.float32),
                 jnp.asarray(y_val, jnp.int32), jnp.float32(lr), jnp.float32(l2), jnp.float32(rate),
                 jnp.bool_(batch_norm), int(steps), int(batch_size), int(hidden), int(keep_every))
    loss, val, err, train_err, model, kept = out
    return Runs(loss, val, err, train_err, model, kept)
