"""Lesson 08: gradient checking — compare a gradient with finite differences, read the verdict.

A backward pass written by hand (or a custom gradient) can be silently wrong:
training still runs, just worse. The check compares it with the *numerical*
gradient, from the definition of the derivative:

  one-sided   ∂f/∂x_j ≈ (f(x + h e_j) − f(x)) / h             error O(h)
  centred     ∂f/∂x_j ≈ (f(x + h e_j) − f(x − h e_j)) / (2h)   error O(h²)

where `e_j` is the j-th unit vector. Both also suffer round-off: f is only
known to about `ε |f|` (ε = 1.2e-7 in float32, 2.2e-16 in float64), and dividing
by h magnifies that to about `ε |f| / h`. So the error first falls with h and
then rises again; float64 moves that floor down by eight orders of magnitude.

Two gradients are compared by their *relative* error, entry by entry,

  r = |a − n| / max(|a|, |n|)    (and r = 0 where a = n = 0),

read with the usual thresholds (`verdict_of`): r > 1e-2 wrong, 1e-4 < r ≤ 1e-2
suspect, 1e-7 < r ≤ 1e-4 acceptable only where the function has kinks (ReLU,
max), r ≤ 1e-7 correct.

All perturbed points of a check are evaluated in one vectorised call, compiled
once per (function, shape, number of entries); `h` is a traced number, so a new
step size never compiles anew. Double precision is switched on only inside
these functions (`with jax.enable_x64():`), never globally.
"""

from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np
from jax.flatten_util import ravel_pytree

from lesson_lib import _checks

__all__ = [
    "default_function",
    "default_derivative",
    "CANT_TELL",
    "ROUND_OFF",
    "THRESHOLDS",
    "VERDICTS",
    "GradientReport",
    "LeafCheck",
    "check_gradient",
    "error_vs_h",
    "loglog_slope",
    "numerical_gradient",
    "relative_error",
    "verdict_of",
]

THRESHOLDS = (1e-2, 1e-4, 1e-7)
"""Relative-error limits between the verdicts: wrong | suspect | acceptable with kinks | correct."""

VERDICTS = ("wrong", "suspect", "acceptable with kinks", "correct")
"""The verdicts of a relative error, from worst to best (see `verdict_of`)."""

CANT_TELL = "can't tell"
"""The verdict of a check in which every gradient entry was below the round-off floor."""

ROUND_OFF = 4.0
"""The default floor is `ROUND_OFF · ε |f| / h`: measured here, round-off moves a difference
quotient by at most about 0.8 ε |f| / h, so 4 leaves a margin."""

_ORDER = ("wrong", "suspect", CANT_TELL, "acceptable with kinks", "correct")

_DTYPES = {"float32": jnp.float32, "float64": jnp.float64}


def _dtype_name(dtype) -> str:
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = None
    if name not in _DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    return name


def verdict_of(error: float) -> str:
    """The verdict for a relative error `error` (NaN counts as wrong).

    Example:
      >>> [verdict_of(e) for e in (0.5, 1e-3, 1e-6, 1e-9)]
      ['wrong', 'suspect', 'acceptable with kinks', 'correct']
    """
    error = float(error)
    if not error <= THRESHOLDS[0]:  # also NaN
        return VERDICTS[0]
    if error > THRESHOLDS[1]:
        return VERDICTS[1]
    if error > THRESHOLDS[2]:
        return VERDICTS[2]
    return VERDICTS[3]


def relative_error(analytic, numeric) -> np.ndarray:
    """Elementwise `|a − n| / max(|a|, |n|)`, and 0 where both are 0 (a float64 NumPy array).

    Relative, because an absolute difference of 1e-4 is tiny next to gradients
    near 1 and enormous next to gradients near 1e-5. Where one of the two is
    zero and the other is not, the error is 1 (they share no digit).

    Example:
      >>> relative_error([1.0, 0.0, 2.0, 0.0], [1.001, 0.0, -2.0, 3.0]).round(4).tolist()
      [0.001, 0.0, 2.0, 1.0]
    """
    a = np.asarray(analytic, dtype=np.float64)
    n = np.asarray(numeric, dtype=np.float64)
    _checks.same_shape(a, n, "analytic and numeric")
    scale = np.maximum(np.abs(a), np.abs(n))
    with np.errstate(invalid="ignore", divide="ignore"):
        error = np.abs(a - n) / scale
    return np.where((a == 0) & (n == 0), 0.0, error)


def _check_h(h) -> None:
    _checks.positive_float("h", h)


def _points(flat, indices, h, centered):
    """The perturbed copies of `flat`: `(2k, size)` for centred, `(k + 1, size)` one-sided."""
    steps = h * jax.nn.one_hot(indices, flat.shape[0], dtype=flat.dtype)
    if centered:
        return jnp.concatenate([flat[None] + steps, flat[None] - steps])
    return jnp.concatenate([flat[None], flat[None] + steps])


@partial(jax.jit, static_argnames=("f", "unravel", "centered"))
def _differences(f, unravel, flat, indices, h, *, centered):
    """Finite-difference derivatives of `f ∘ unravel` along the coordinates `indices`."""
    points = _points(flat, indices, h, centered)
    values = jax.vmap(lambda p: jnp.asarray(f(unravel(p)), flat.dtype))(points)
    k = indices.shape[0]
    if centered:
        return (values[:k] - values[k:]) / (2 * h)
    return (values[1:] - values[:1]) / h


@partial(jax.jit, static_argnames=("fn", "unravel", "centered"))
def _kink_signs(fn, unravel, flat, indices, h, *, centered):
    """Did a branch of `fn` (the sign of one of its outputs) change across each entry's points?"""
    points = _points(flat, indices, h, centered)

    def signs(p):
        leaves = jax.tree.leaves(fn(unravel(p)))
        return jnp.concatenate([jnp.ravel(jnp.asarray(v) > 0) for v in leaves])

    s = jax.vmap(signs)(points)
    k = indices.shape[0]
    first, second = (s[:k], s[k:]) if centered else (jnp.broadcast_to(s[0], s[1:].shape), s[1:])
    return jnp.any(first != second, axis=1)


def numerical_gradient(f: Callable, x, *, h: float = 1e-5, centered: bool = True, dtype=jnp.float64):
    """The finite-difference gradient of a scalar function `f` at the array `x` (same shape).

    Each entry is `(f(x + h e_j) − f(x − h e_j)) / (2h)` (centred), or
    `(f(x + h e_j) − f(x)) / h` with `centered=False`. `x` is converted to
    `dtype` (float64 by default, with double precision switched on only inside
    this call; `jnp.float32` shows what single precision gets) and `f` should
    compute in the dtype of its argument. All the perturbed points go through
    `f` in one vectorised call (2·size evaluations centred, size + 1 one-sided).

    Returns a NumPy array of `dtype`.

    Example:
      >>> import jax.numpy as jnp
      >>> g = numerical_gradient(lambda x: jnp.sum(x ** 3), jnp.array([1.0, 2.0]))
      >>> g.round(6).tolist()
      [3.0, 12.0]
    """
    _check_h(h)
    _checks.function("f", f, "of one array")
    name = _dtype_name(dtype)
    _checks.finite_array("x", x)
    with jax.enable_x64(name == "float64"):
        x = jnp.asarray(x, _DTYPES[name])
        flat = jnp.ravel(x)
        shape = x.shape
        indices = jnp.arange(flat.shape[0])
        grad = _differences(f, _Reshape(shape), flat, indices, jnp.asarray(h, flat.dtype),
                            centered=bool(centered))
        return np.asarray(grad).reshape(shape)


class _Reshape:
    """A hashable `flat -> array of shape` (a static argument of the compiled differences)."""

    def __init__(self, shape):
        self.shape = tuple(shape)

    def __call__(self, flat):
        return flat.reshape(self.shape)

    def __hash__(self):
        return hash(self.shape)

    def __eq__(self, other):
        return isinstance(other, _Reshape) and other.shape == self.shape


class _Unravel:
    """A hashable wrapper of `ravel_pytree`'s unravel function, equal for equal layouts."""

    def __init__(self, params):
        _, self._fn = ravel_pytree(params)
        leaves, treedef = jax.tree.flatten(params)
        self._key = (treedef, tuple((np.shape(l), np.asarray(l).dtype.name) for l in leaves))

    def __call__(self, flat):
        return self._fn(flat)

    def __hash__(self):
        return hash(self._key)

    def __eq__(self, other):
        return isinstance(other, _Unravel) and other._key == self._key


def error_vs_h(f: Callable, x, exact, hs, *, centered: bool = True, dtype=jnp.float64) -> np.ndarray:
    """Relative error of the finite-difference gradient of `f` at `x` for every step size in `hs`.

    For each `h`, the worst over the entries of
    `relative_error(exact, numerical_gradient(f, x, h=h))`, all the step sizes
    in one vectorised call (compiled once per number of step sizes). `exact` is
    the true gradient (a closed form, or a float64 value you trust).

    Example:
      >>> import jax.numpy as jnp
      >>> err = error_vs_h(jnp.exp, 0.0, 1.0, [1e-1, 1e-2], centered=False)
      >>> (err / [1e-1, 1e-2]).round(2).tolist()   # one-sided: error ≈ about h/2
      [0.49, 0.5]
    """
    _checks.function("f", f, "of one array")
    name = _dtype_name(dtype)
    hs = np.asarray(hs, dtype=np.float64)
    if hs.ndim != 1 or hs.size == 0 or not np.all(np.isfinite(hs)) or np.any(hs <= 0):
        raise ValueError(f"hs must be a non-empty 1-D array of finite step sizes > 0, got {hs!r}")
    _checks.finite_array("x", x)
    _checks.finite_array("exact", exact)
    with jax.enable_x64(name == "float64"):
        x = jnp.asarray(x, _DTYPES[name])
        if np.shape(exact) != x.shape:
            raise ValueError(f"exact must have the shape of x {x.shape}, got {np.shape(exact)}")
        flat = jnp.ravel(x)
        grads = _sweep_h(f, _Reshape(x.shape), flat, jnp.asarray(hs, flat.dtype), bool(centered))
        grads = np.asarray(grads, np.float64)
    errors = relative_error(np.broadcast_to(np.ravel(exact), grads.shape), grads)
    return errors.max(axis=1)


@partial(jax.jit, static_argnames=("f", "unravel", "centered"))
def _sweep_h(f, unravel, flat, hs, centered):
    indices = jnp.arange(flat.shape[0])
    return jax.vmap(lambda h: _differences(f, unravel, flat, indices, h, centered=centered))(hs)


def loglog_slope(hs, errors) -> float:
    """The slope of a least-squares line through `(log h, log error)`: ≈ 1 one-sided, ≈ 2 centred.

    Example:
      >>> round(loglog_slope([1e-1, 1e-2, 1e-3], [2e-2, 2e-4, 2e-6]), 3)
      2.0
    """
    hs = np.asarray(hs, np.float64)
    errors = np.asarray(errors, np.float64)
    _checks.same_shape(hs, errors, "hs and errors")
    if hs.size < 2 or np.any(hs <= 0) or np.any(errors <= 0) or not np.all(np.isfinite(errors)):
        raise ValueError("hs and errors must hold at least two positive finite values each")
    return float(np.polyfit(np.log10(hs), np.log10(errors), 1)[0])


class LeafCheck(NamedTuple):
    """One leaf of a gradient check.

    Attributes:
      name: the leaf's path in the pytree, e.g. `"['w1']"` (or `"x"` for a plain array).
      shape: the leaf's shape.
      indices: the checked entries (flat indices into the leaf).
      analytic, numeric: the two gradients at those entries (float64).
      errors: their relative errors.
      kinked: True where a branch (a ReLU or max) changed between the points
        f was evaluated at: the numerical value there is not a derivative.
      excess: the relative error beyond round-off,
        `max(|a − n| − floor, 0) / max(|a|, |n|)` (see `check_gradient`).
      tiny: True where both gradients are below the round-off floor: their
        digits are noise, so they cannot be compared.
      worst: the largest relative error (`errors`) over the checked entries.
      beyond_round_off: the largest `excess` among the entries without a
        kink: what the verdict is read from.
      verdict: `verdict_of(beyond_round_off)`, or "can't tell" when every
        entry without a kink is tiny.
    """

    name: str
    shape: tuple
    indices: np.ndarray
    analytic: np.ndarray
    numeric: np.ndarray
    errors: np.ndarray
    excess: np.ndarray
    kinked: np.ndarray
    tiny: np.ndarray
    worst: float
    beyond_round_off: float
    verdict: str


def _fmt_error(error: float) -> str:
    # Below 1e-7 the exact digits are round-off and change from machine to machine.
    return "≤ 1e-7" if error <= THRESHOLDS[2] else f"{error:.1e}"


class GradientReport(NamedTuple):
    """What `check_gradient` found; its `repr` is the table a learner reads.

    Attributes:
      per_leaf: dict name -> `LeafCheck`, in the pytree's order.
      worst: the largest relative error `|a − n| / max(|a|, |n|)` over all
        checked entries (kinks and round-off included).
      beyond_round_off: the largest relative error beyond the round-off floor
        over the checked entries without a kink; the verdict reads this one,
        so round-off in tiny gradient entries and a kink crossed by design are
        not mistaken for a bug.
      verdict: the worst of the leaves' verdicts, in the order "wrong",
        "suspect", "can't tell", "acceptable with kinks", "correct".
      kinks: how many checked entries crossed a kink (left out of `worst`).
      tiny: how many checked entries were below the round-off floor (left out).
      floor: that floor, the size of the round-off in a difference quotient.
      dtype, h, centered: how the numerical gradient was computed.
    """

    per_leaf: dict
    worst: float
    beyond_round_off: float
    verdict: str
    kinks: int
    tiny: int
    floor: float
    dtype: str
    h: float
    centered: bool

    def __repr__(self):
        formula = "centred" if self.centered else "one-sided"
        lines = [f"gradient check ({self.dtype}, {formula}, h = {self.h:.0e}): {self.verdict}, "
                 f"worst relative error beyond round-off {_fmt_error(self.beyond_round_off)}"]
        width = max(len(name) for name in self.per_leaf)
        for name, leaf in self.per_leaf.items():
            shape = "×".join(map(str, leaf.shape)) or "scalar"
            checked = f"{len(leaf.indices)} of {int(np.prod(leaf.shape))} entries"
            worst = _fmt_error(leaf.beyond_round_off)
            line = (f"  {name:<{width}}  {shape:>7}  {checked:>16}  worst {worst:>7}"
                    f"  {leaf.verdict}")
            if leaf.kinked.any():
                line += f"  ({int(leaf.kinked.sum())} crossed a kink, left out)"
            lines.append(line)
        if self.tiny:
            lines.append(f"  {self.tiny} entr{'y' if self.tiny == 1 else 'ies'} below the round-off "
                         f"floor {self.floor:.0e} in both gradients, not compared")
        return "\n".join(lines)

    def kinked_entries(self) -> list:
        """`(leaf name, flat index, relative error)` for every checked entry that crossed a kink."""
        return [(name, int(i), float(e)) for name, leaf in self.per_leaf.items()
                for i, e, k in zip(leaf.indices, leaf.errors, leaf.kinked) if k]


def _choose_indices(sizes, samples, key):
    """Flat indices into each leaf: all of them, or `samples` random ones per leaf (all if fewer)."""
    chosen = []
    keys = jax.random.split(key, len(sizes)) if samples is not None else [None] * len(sizes)
    for size, leaf_key in zip(sizes, keys):
        if samples is None or size <= samples:
            chosen.append(np.arange(size))
        else:
            pick = jax.random.choice(leaf_key, size, (samples,), replace=False)
            chosen.append(np.sort(np.asarray(pick)))
    return chosen


def check_gradient(f: Callable, params, *, grad_fn: Callable | None = None, h: float = 1e-5,
                   samples: int | None = None, key=None, kinks: Callable | None = None,
                   centered: bool = True, dtype=jnp.float64, floor: float | None = None
                   ) -> GradientReport:
    """Compare `grad_fn(params)` with the numerical gradient of `f` on every leaf of `params`.

    Args:
      f: the scalar function, `f(params)`; it should compute in the dtype of
        its parameters (do not cast inside it), so float64 really is float64.
      params: an array or any pytree of float arrays (dicts of weights...).
      grad_fn: the gradient under test, `grad_fn(params)` -> a pytree like
        `params`; default `jax.grad(f)`.
      h: the finite-difference step.
      samples: check only this many random entries per leaf (every entry of a
        leaf that has no more), so small leaves such as biases are always
        checked; default: every entry.
      key: a `jax.random` key, required with `samples`.
      kinks: optional `kinks(params)` -> an array or pytree of values whose
        signs pick the branches of the function: the inputs of every ReLU, and
        `a − b` for every `max(a, b)`. An entry whose perturbed points see
        different signs crossed a kink: its numerical value is not a
        derivative, so it is flagged in `LeafCheck.kinked` and left out of
        `beyond_round_off` and the verdict (but not of `worst`).
      centered: centred (default) or one-sided differences.
      dtype: the precision of the whole check (`params`, f and grad_fn run in
        it): float64 by default; `jnp.float32` to see what single precision hides.
      floor: the size of the round-off in a difference quotient: f is
        known only to a few ε |f|, and dividing by h magnifies that. A
        discrepancy up to `floor` is not held against the gradient: the
        verdict reads `max(|a − n| − floor, 0) / max(|a|, |n|)`, and entries
        where both |a| and |n| are below it are "tiny" (a weight that meets
        only zero inputs has gradient 0 but a numerical one of 1e-12).
        Default `ROUND_OFF · ε |f(params)| / h`, ε the dtype's machine epsilon
        (2.2e-16 in float64, 1.2e-7 in float32); 0 gives the plain relative
        error. A bug smaller than the floor is invisible in that precision.

    Write `f` so that it works in both precisions: keep the data it closes
    over in float32 and use one-hot labels rather than indexing with integer
    arrays (JAX keeps some converted constants across a switch of precision
    and then refuses to mix them).

    Returns:
      A `GradientReport` (`verdict`, `worst`, `beyond_round_off`, `per_leaf`, `kinks`).

    Example:
      >>> import jax.numpy as jnp
      >>> f = lambda p: jnp.sum(p["w"] ** 2) + p["b"] ** 3
      >>> good = check_gradient(f, {"w": jnp.array([1.0, -2.0]), "b": jnp.array(0.5)})
      >>> good.verdict
      'correct'
      >>> bad = check_gradient(f, {"w": jnp.array([1.0, -2.0]), "b": jnp.array(0.5)},
      ...                      grad_fn=lambda p: {"w": p["w"], "b": 3 * p["b"] ** 2})
      >>> bad.verdict, bad.per_leaf["['w']"].verdict, bad.per_leaf["['b']"].verdict
      ('wrong', 'wrong', 'correct')
    """
    _checks.function("f", f, "of the parameters")
    _checks.function("grad_fn", grad_fn, "of the parameters", optional=True)
    _checks.function("kinks", kinks, "of the parameters", optional=True)
    _check_h(h)
    if floor is not None:
        _checks.number("floor", floor, low=0.0)
    if samples is not None:
        _checks.integer("samples", samples, 1)
        if key is None:
            raise ValueError("key is required with samples (a jax.random key picks the entries)")
        _checks.prng_key("key", key)
    name = _dtype_name(dtype)
    _checks.finite_array("params", params)
    with jax.enable_x64(name == "float64"):
        params = jax.tree.map(lambda p: jnp.asarray(p, _DTYPES[name]), params)
        leaves_with_path, _ = jax.tree_util.tree_flatten_with_path(params)
        names = [jax.tree_util.keystr(path) or "x" for path, _ in leaves_with_path]
        leaves = [leaf for _, leaf in leaves_with_path]
        sizes = [int(np.size(leaf)) for leaf in leaves]
        local = _choose_indices(sizes, samples, key)
        offsets = np.cumsum([0] + sizes[:-1])
        indices = np.concatenate([o + i for o, i in zip(offsets, local)]).astype(np.int32)
        flat, _ = ravel_pytree(params)
        unravel = _Unravel(params)
        h_arr = jnp.asarray(h, flat.dtype)
        numeric = np.asarray(_differences(f, unravel, flat, jnp.asarray(indices), h_arr,
                                          centered=bool(centered)), np.float64)
        grads = (grad_fn or jax.grad(f))(params)
        try:
            analytic_flat, _ = ravel_pytree(jax.tree.map(lambda g: jnp.asarray(g, flat.dtype), grads))
        except Exception as error:
            raise ValueError(f"grad_fn must return a pytree shaped like params: {error}") from None
        if analytic_flat.shape != flat.shape:
            raise ValueError(f"grad_fn returned {analytic_flat.shape[0]} numbers for "
                             f"{flat.shape[0]} parameters: it must return a pytree shaped like params")
        analytic = np.asarray(analytic_flat, np.float64)[indices]
        if floor is None:
            value = float(jnp.abs(jnp.asarray(f(params), flat.dtype)))
            floor = ROUND_OFF * float(jnp.finfo(flat.dtype).eps) * value / float(h)
        if kinks is None:
            kinked = np.zeros(len(indices), bool)
        else:
            kinked = np.asarray(_kink_signs(kinks, unravel, flat, jnp.asarray(indices), h_arr,
                                            centered=bool(centered)))
    errors = relative_error(analytic, numeric)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    tiny = scale <= floor
    with np.errstate(invalid="ignore", divide="ignore"):
        excess = np.maximum(np.abs(analytic - numeric) - floor, 0.0) / scale
    excess = np.where(scale == 0, 0.0, excess)
    per_leaf, start = {}, 0
    for leaf_name, leaf, idx in zip(names, leaves, local):
        part = slice(start, start + len(idx))
        start += len(idx)
        smooth = ~kinked[part]
        kept = excess[part][smooth]
        beyond = float(np.max(kept, initial=0.0)) if not np.isnan(kept).any() else float("nan")
        verdict = verdict_of(beyond)
        raw = errors[part]
        worst = float(np.max(raw, initial=0.0)) if not np.isnan(raw).any() else float("nan")
        if smooth.any() and tiny[part][smooth].all():
            verdict = CANT_TELL
        per_leaf[leaf_name] = LeafCheck(leaf_name, tuple(np.shape(leaf)), idx, analytic[part],
                                        numeric[part], errors[part], excess[part], kinked[part],
                                        tiny[part], worst, beyond, verdict)

    def largest(values):
        return float("nan") if any(np.isnan(values)) else float(max(values))

    worst = largest([leaf.worst for leaf in per_leaf.values()])
    beyond = largest([leaf.beyond_round_off for leaf in per_leaf.values()])
    verdict = min((leaf.verdict for leaf in per_leaf.values()), key=_ORDER.index)
    return GradientReport(per_leaf, worst, beyond, verdict, int(kinked.sum()),
                          int((tiny & ~kinked).sum()), float(floor), name, float(h), bool(centered))


def default_function(theta):
    """Lesson 08's example function, `f(θ) = ln(1 + e^{3θ}) · cos θ` (a softplus times a cosine)."""
    return jnp.sum(jnp.log1p(jnp.exp(3 * theta)) * jnp.cos(theta))


def default_derivative(theta: float) -> float:
    """`f'(θ) = 3 σ(3θ) cos θ − ln(1 + e^{3θ}) sin θ`, written out by hand (float64)."""
    sigma = 1 / (1 + np.exp(-3 * theta))
    return float(3 * sigma * np.cos(theta) - np.log1p(np.exp(3 * theta)) * np.sin(theta))
