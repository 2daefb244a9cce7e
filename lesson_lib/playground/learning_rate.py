"""Lesson 03's playground: drag the learning rate and watch the five regimes go by.

The model is lesson 01's narrow network `y = w_2 w_1 x` (depth 2) started at
`w = (0.9, 0.9)`. The left panel shows the loss curve for the slider's learning
rate (a fixed log axis; divergence is marked at the top). The right panel is a
map of every learning rate at once, computed once when the playground is built:
for each rate on a log grid, the losses of the last few steps of its run, so a
converged rate shows one dot, a bouncing rate a vertical spread of dots and a
diverged rate a cross at the top. A vertical line marks `2/λ_max`, the largest
learning rate at which the minimum is stable, and a moving marker the slider's
rate.

Besides the playground this module holds the few helpers lesson 03 needs to
read a loss curve (`diagnose`), to train at many learning rates at once
(`lr_sweep`, one `vmap` of one `lax.scan`) and to find where training stops
converging and where it starts to diverge (`sweep_outcomes`, `boundaries`).
They are plain JAX/NumPy and would move to a math module (`train` or a future
`sweep`) the moment a second lesson needs them.
"""

import math
from functools import partial
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
from jax import lax

from lesson_lib import _checks, data, diagnostics, nets, train
from lesson_lib.plots import LOSS_LIM, LossCurve, format_lr, loss_axes
from lesson_lib.playground.base import Playground, log_slider

DEPTH = 2
"""Lesson 01's network `y = x w1 w2`: the smallest depth whose landscape is not a parabola."""

INIT = 0.9
"""Both weights start at 0.9 (lesson 01's default start)."""

STEPS = 100
"""Steps per run in the playground: enough for a good rate to converge, short enough to see a slow one."""

LR_RANGE = (1e-4, 10.0)
"""The slider's range: from "barely moves" to "diverges within three steps"."""

_JIT_NARROW_LOSS = jax.jit(nets.narrow_loss)

TAIL = 16
"""How many final losses per learning rate the right-hand panel shows (a spread = bouncing)."""


# --- training at many learning rates at once -------------------------------------------


@partial(jax.jit, static_argnames=("loss_fn", "steps"))
def _sweep(w0, lrs, args, *, loss_fn, steps):
    def run(lr):
        def step(w, _):
            loss, grad = jax.value_and_grad(loss_fn)(w, *args)
            return w - lr * grad, loss

        last, losses = lax.scan(step, w0, None, length=steps)
        return jnp.append(losses, loss_fn(last, *args))

    return jax.vmap(run)(lrs)


def lr_sweep(loss_fn: Callable, w0, lrs, steps: int, *, args: tuple = ()) -> np.ndarray:
    """Losses of full-batch gradient descent at every learning rate in `lrs`, in one call.

    Row `i` is the loss curve `L(w_0), L(w_1), ..., L(w_steps)` of
    `w ← w − lrs[i]·∇L(w)`, exactly what `train.gradient_descent` gives for that
    rate; a diverged run holds non-finite values from its divergence on. One
    `lax.scan` per run, `vmap`-ed over the rates and compiled once per number of
    rates, step count and loss function (new rate values or `w0` never recompile).

    Args:
      loss_fn: `loss_fn(w, *args) -> scalar`; keep one function object.
      w0: initial weights.
      lrs: 1-D array of learning rates, each finite and > 0.
      steps: number of updates, >= 1.
      args: extra arguments of `loss_fn` (the data).

    Returns:
      A float32 NumPy array of shape `(len(lrs), steps + 1)`.

    Example:
      >>> import jax.numpy as jnp
      >>> lr_sweep(lambda w: jnp.sum(w ** 2), jnp.ones(1), [0.25, 1.5], 2).tolist()
      [[1.0, 0.25, 0.0625], [1.0, 4.0, 16.0]]
    """
    _checks.int_in_range("steps", steps, 1)
    lrs = np.asarray(lrs, dtype=np.float32)
    if lrs.ndim != 1 or lrs.size == 0:
        raise ValueError(f"lrs must be a non-empty 1-D array of learning rates, got shape {lrs.shape}")
    if not (np.all(np.isfinite(lrs)) and np.all(lrs > 0)):
        raise ValueError(f"lrs must all be finite numbers > 0, got min {lrs.min()!r}")
    w0 = jnp.asarray(w0, dtype=jnp.float32)
    with np.errstate(all="ignore"):
        return np.asarray(_sweep(w0, jnp.asarray(lrs), tuple(args), loss_fn=loss_fn, steps=int(steps)))


# --- reading one loss curve -------------------------------------------------------------


class Diagnosis(NamedTuple):
    """What a loss curve says about its learning rate.

    Attributes:
      verdict: one of "diverged", "growing", "bouncing", "barely moved",
        "still decreasing", "converged".
      removed: fraction of the initial loss removed by the end, `1 − L_T/L_0`
        (nan once diverged).
      rose: True when the loss went up on at least one step (beyond rounding).
      final: the last loss (nan once diverged).
      diverged_at: the first non-finite step, or None.
    """

    verdict: str
    removed: float
    rose: bool
    final: float
    diverged_at: int | None

    def __str__(self):
        if self.verdict == "diverged":
            return f"diverged at step {self.diverged_at}"
        text = f"{self.verdict}, {100 * self.removed:.0f}% of the loss removed"
        return text + (", loss went up on some steps" if self.rose else ", loss fell on every step")


def diagnose(losses, diverged_at: int | None = None, *, barely: float = 0.1,
             settled: float = 1e-3, window: int = 10, rise_tol: float = 1e-4) -> Diagnosis:
    """Classify a loss curve the way one reads it by eye.

    In order:
      - "diverged": a non-finite loss (at `diverged_at`, or found here);
      - "growing": finite, but it ends above where it started and rose on every
        one of the last `window` steps (a slow divergence);
      - "bouncing": it went up on some step by more than `rise_tol` (relative);
      - "barely moved": less than `barely` of the initial loss removed;
      - "still decreasing": it fell by more than `settled` (relative) over the
        last `window` steps;
      - "converged": otherwise.

    Example:
      >>> diagnose([1.0, 0.5, 0.25, 0.25], window=1).verdict
      'converged'
      >>> diagnose([1.0, 0.99, 0.98]).verdict
      'barely moved'
      >>> diagnose([1.0, 0.3, 0.6, 0.3]).verdict
      'bouncing'
      >>> diagnose([1.0, 2.0, 4.0, 8.0]).verdict
      'growing'
      >>> str(diagnose([1.0, 9.0, float("inf")]))
      'diverged at step 2'
    """
    losses = np.asarray(losses, dtype=float)
    if losses.ndim != 1 or losses.size < 2:
        raise ValueError(f"losses must be a 1-D curve with at least 2 entries, got shape {losses.shape}")
    bad = np.flatnonzero(~np.isfinite(losses))
    if diverged_at is None and bad.size:
        diverged_at = int(bad[0])
    if diverged_at is not None:
        rose = bool(np.any(np.diff(losses[:diverged_at]) > 0)) if diverged_at > 1 else False
        return Diagnosis("diverged", math.nan, rose, math.nan, int(diverged_at))
    first, last = losses[0], losses[-1]
    removed = 1.0 - last / first if first > 0 else 0.0
    rose = bool(np.any(losses[1:] > losses[:-1] * (1 + rise_tol)))
    tail = losses[-min(window + 1, losses.size):]
    if last > first and np.all(np.diff(tail) > 0):
        verdict = "growing"
    elif rose:
        verdict = "bouncing"
    elif removed < barely:
        verdict = "barely moved"
    elif tail[0] - tail[-1] > settled * tail[-1]:
        verdict = "still decreasing"
    else:
        verdict = "converged"
    return Diagnosis(verdict, float(removed), rose, float(last), None)


# --- where training stops converging and starts diverging ----------------------------------


class Outcomes(NamedTuple):
    """Per learning rate of a sweep: did the run converge to the minimum, did it diverge?"""

    converged: np.ndarray
    diverged: np.ndarray


def sweep_outcomes(losses, min_loss: float, *, rtol: float = 0.01, growth: float = 10.0,
                   window: int = 10) -> Outcomes:
    """Label each run (row of `lr_sweep`) converged, diverged or neither.

    - converged: each of the last `window` losses is within `rtol` (relative) of
      `min_loss` (one value is not enough: a chaotic run passes near the minimum
      now and then);
    - diverged: a non-finite loss, or a loss still growing without bound: the
      peak of the second half of the run is more than `growth` times the peak of
      the first half. A run that keeps bouncing inside a bounded range is
      neither converged nor diverged.

    Example:
      >>> losses = np.array([[4.0, 1.0, 1.0, 1.0], [4.0, 2.0, 4.0, 2.0], [4.0, 9.0, 80.0, 7000.0]])
      >>> sweep_outcomes(losses, min_loss=1.0, window=2)
      Outcomes(converged=array([ True, False, False]), diverged=array([False, False,  True]))
    """
    losses = np.asarray(losses, dtype=float)
    half = losses.shape[1] // 2
    finite = np.all(np.isfinite(losses), axis=1)
    with np.errstate(all="ignore"):
        safe = np.where(np.isfinite(losses), losses, np.inf)
        early, late = safe[:, : half + 1].max(axis=1), safe[:, half:].max(axis=1)
        growing = late > growth * early
        tail = losses[:, -min(window, losses.shape[1]):]
        converged = finite & np.all(np.abs(tail - min_loss) <= rtol * abs(min_loss), axis=1)
    return Outcomes(converged, ~finite | growing)


class Boundaries(NamedTuple):
    """The two edges a learning-rate sweep finds (None where the grid does not contain one)."""

    last_converged: float | None
    first_diverged: float | None


def boundaries(lrs, outcomes: Outcomes) -> Boundaries:
    """The largest rate of the grid's initial run of converged rates, and the smallest diverged rate.

    Example:
      >>> out = Outcomes(np.array([True, True, False, False]), np.array([False, False, False, True]))
      >>> boundaries([0.1, 0.2, 0.3, 0.4], out)
      Boundaries(last_converged=0.2, first_diverged=0.4)
    """
    lrs = np.asarray(lrs, dtype=float)
    conv, div = np.asarray(outcomes.converged), np.asarray(outcomes.diverged)
    failed = np.flatnonzero(~conv)
    stop = failed[0] if failed.size else lrs.size
    last_converged = float(lrs[stop - 1]) if stop > 0 else None
    first_diverged = float(lrs[np.argmax(div)]) if div.any() else None
    return Boundaries(last_converged, first_diverged)


def data_loss(x, y) -> Callable:
    """`w ↦ nets.narrow_loss(w, x, y)`: the loss on fixed data as a function of the weights alone.

    Built on one module-level jitted loss, so every call of this function (any
    data of the same shape) shares its compilations, including the Hessians
    `diagnostics.max_stable_lr` takes: a fresh `lambda` would compile them anew.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, 2.0])
      >>> float(data_loss(x, 3.0 * x)(jnp.array([1.0, 2.0])))
      2.5
    """
    return partial(_JIT_NARROW_LOSS, x=x, y=y)


def balanced_minimum(x, y, depth: int = DEPTH):
    """The minimum of `nets.narrow_loss` with all layers of equal size: `|w_i| = |p*|^(1/depth)`.

    `p* = mean(xy)/mean(x²)` is the best slope; the first layer carries its
    sign. Gradient descent from equal weights (`nets.init_narrow`) keeps them
    equal, so this is the minimum it reaches when `p* > 0`.

    Example:
      >>> import jax.numpy as jnp
      >>> x = jnp.array([1.0, -1.0]); y = 4.0 * x
      >>> balanced_minimum(x, y, 2).tolist()
      [2.0, 2.0]
    """
    nets.check_depth(depth)
    xx, xy, _ = data.moments(x, y)
    slope = float(xy) / float(xx)
    w = np.full(int(depth), abs(slope) ** (1.0 / int(depth)), dtype=np.float32)
    w[0] *= -1.0 if slope < 0 else 1.0
    return jnp.asarray(w)


# --- the playground ------------------------------------------------------------------------


def status_line(lr: float, diagnosis: Diagnosis, max_lr: float) -> str:
    """The playground's one-line summary of a run.

    Example:
      >>> status_line(0.32, Diagnosis("converged", 0.99, False, 0.0097, None), 0.61)
      'lr 3.2e-01: converged, loss 9.7e-03 (max stable lr 6.1e-01)'
      >>> status_line(2.0, Diagnosis("diverged", float("nan"), True, float("nan"), 12), 0.61)
      'lr 2.0e+00: diverged at step 12 (max stable lr 6.1e-01)'
    """
    if diagnosis.verdict == "diverged":
        what = f"diverged at step {diagnosis.diverged_at}"
    else:
        what = f"{diagnosis.verdict}, loss {diagnosis.final:.1e}"
    return f"lr {format_lr(lr)}: {what} (max stable lr {format_lr(max_lr)})"


class LearningRatePlayground(Playground):
    """A log-scale learning-rate slider driving a loss curve and a map of all learning rates.

    Args:
      x, y: the data (default `data.linear_regression_data(jax.random.key(0))`).
      depth: layers of the narrow network (default 2, lesson 01's `y = x w1 w2`).
      init: every weight's starting value.
      steps: gradient-descent steps per run.
      lr: the slider's starting learning rate.
      lr_range: the slider's (and the map's) range of learning rates.
      grid: how many learning rates the map precomputes (log-spaced).

    Attributes (besides `Playground`'s):
      max_lr: `2/λ_max` at the balanced minimum (`diagnostics.max_stable_lr`).
      lrs, sweep: the map's learning rates and their loss curves `(grid, steps + 1)`.
      run, diagnosis: the current slider value's `Trajectory` and `Diagnosis`.
    """

    def __init__(self, x=None, y=None, *, depth: int = DEPTH, init: float = INIT, steps: int = STEPS,
                 lr: float = 0.1, lr_range=LR_RANGE, grid: int = 321):
        nets.check_depth(depth)
        _checks.int_in_range("steps", steps, 2)
        _checks.int_in_range("grid", grid, 2)
        low, high = (float(v) for v in lr_range)
        _checks.positive_float("lr_range[0]", low)
        _checks.positive_float("lr_range[1]", high)
        if not low < high:
            raise ValueError(f"lr_range must be (low, high) with low < high, got {lr_range!r}")
        if not low <= float(lr) <= high:
            raise ValueError(f"lr must lie in lr_range [{low}, {high}], got {lr!r}")
        if x is None or y is None:
            x, y = data.linear_regression_data(jax.random.key(0))
        self._args = (jnp.asarray(x, jnp.float32), jnp.asarray(y, jnp.float32))
        self._w0 = nets.init_narrow(depth, init)
        self._steps = int(steps)
        w_min = balanced_minimum(*self._args, depth)
        self.min_loss = float(nets.narrow_loss(w_min, *self._args))
        self.max_lr = diagnostics.max_stable_lr(data_loss(*self._args), w_min)
        self.lrs = np.geomspace(low, high, int(grid)).astype(np.float32)
        self.sweep = lr_sweep(nets.narrow_loss, self._w0, self.lrs, self._steps, args=self._args)

        with plt.ioff():
            fig, (ax_curve, ax_map) = plt.subplots(1, 2, figsize=(10, 4), layout="constrained")
        loss_axes(ax_curve, self._steps, title=f"Loss curve (depth {depth}, start w = {init})")
        ax_curve.axhline(self.min_loss, color="gray", ls=":", lw=1, label="lowest possible loss")
        self.curve = LossCurve(ax_curve, animated=True, color="C0", lw=2, label="this learning rate")
        ax_curve.legend(loc="lower left", fontsize=8)
        self._draw_map(ax_map, low, high)
        (self.lr_line,) = ax_map.plot([lr, lr], LOSS_LIM, color="C0", lw=1.5, animated=True)
        (self.lr_dot,) = ax_map.plot([], [], "o", color="C0", ms=9, mec="black", animated=True,
                                     clip_on=False, zorder=6)
        self.ax_curve, self.ax_map = ax_curve, ax_map
        controls = {"lr": log_slider("learning rate", lr, low, high)}
        artists = self.curve.artists + [self.lr_line, self.lr_dot]
        super().__init__(fig, controls, artists=artists)

    def _draw_map(self, ax, low, high):
        """The static right panel: the last `TAIL` losses of every precomputed run."""
        tail = self.sweep[:, -TAIL:]
        finite = np.all(np.isfinite(self.sweep), axis=1)
        with np.errstate(all="ignore"):
            shown = np.clip(np.where(np.isfinite(tail), tail, LOSS_LIM[1]), *LOSS_LIM)
        lrs = np.repeat(self.lrs[finite], TAIL)
        ax.plot(lrs, shown[finite].ravel(), ".", color="0.25", ms=2,
                label=f"last {TAIL} losses of each run")
        ax.plot(self.lrs[~finite], np.full((~finite).sum(), LOSS_LIM[1]), "x", color="C3", ms=5,
                clip_on=False, label="diverged")
        ax.axvline(self.max_lr, color="C2", ls="--", lw=1.5,
                   label=f"2/λ_max = {format_lr(self.max_lr)}")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(low, high)
        ax.set_ylim(*LOSS_LIM)
        ax.set_xlabel("learning rate η (log scale)")
        ax.set_ylabel(f"loss (MSE) after {self._steps - TAIL + 1}–{self._steps} steps")
        ax.set_title("Every learning rate at once")
        ax.grid(True, which="major", alpha=0.3)
        ax.legend(loc="upper left", fontsize=8)

    def draw(self, lr):
        lr = float(lr)
        self.run = train.gradient_descent(nets.narrow_loss, self._w0, lr, self._steps, args=self._args)
        losses = np.asarray(self.run.losses)
        self.curve.update(losses, self.run.diverged_at)
        self.diagnosis = diagnose(losses, self.run.diverged_at)
        final = LOSS_LIM[1] if self.run.diverged_at is not None else float(np.clip(losses[-1], *LOSS_LIM))
        self.lr_line.set_xdata([lr, lr])
        self.lr_dot.set_data([lr], [final])
        self.status.value = status_line(lr, self.diagnosis, self.max_lr)
