"""Learning-rate schedules: pure functions of the step count.

Introduced in lesson 07. Each factory here returns `schedule(step) -> lr`, a
pure function usable wherever optax takes a learning rate (`optax.sgd(schedule)`,
`lesson_lib.optim.make(name, learning_rate=schedule)`), including with a traced
int32 step inside `jit`, and on a whole array of steps at once (for plots).
Nothing is stateful: the value depends on the step only, never on how often the
function was called.

The step `t` counts updates from 0. The formulas:

- `constant(lr)`:                 `lr`
- `step_decay(lr, drop, every)`:  `lr · drop^⌊t / every⌋`
- `exponential_decay(lr, k)`:     `lr · e^(−k t)`
- `inverse_time_decay(lr, k)`:    `lr / (1 + k t)`
- `cyclical(base_lr, max_lr, step_size_up, mode, gamma)`: Smith's triangle,
  as PyTorch's `CyclicLR` with `step_size_down = step_size_up`:
  `c = ⌊1 + t / (2s)⌋`, `x = |t/s − 2c + 1|`,
  `lr = base_lr + (max_lr − base_lr) · max(0, 1 − x) · scale`, with
  `scale = 1` (triangular), `1 / 2^(c−1)` (triangular2: the amplitude halves
  every cycle) or `gamma^t` (exp_range: it shrinks every *step*, as in Smith's
  paper and PyTorch).
- `sgdr(max_lr, period, period_mult, min_lr)`: cosine annealing with warm
  restarts (Loshchilov & Hutter), PyTorch's `CosineAnnealingWarmRestarts`:
  `lr = min_lr + (max_lr − min_lr) · (1 + cos(π · t_cur / T_i)) / 2`, where
  cycle `i` lasts `T_i = period · period_mult^i` steps and `t_cur` counts the
  steps since its start. It restarts forever.
- `one_cycle(total_steps, max_lr, ...)`: PyTorch's two-phase cosine
  `OneCycleLR`, returning `(lr_fn, momentum_fn)`; see its docstring.

Where libraries differ (one-cycle): PyTorch reaches `max_lr` at step
`pct_start·total_steps − 1` and ends at step `total_steps − 1` on
`max_lr / div_factor / final_div_factor`; optax's `cosine_onecycle_schedule`
peaks one step later, at `int(pct_start·total_steps)`, and reaches the same
final value at step `total_steps`; fastai's `fit_one_cycle` uses
`pct_start=0.25`, peaks at `pct_start·total_steps` and ends at
`max_lr / 1e5` (its `div_final` divides `max_lr`, not the initial rate).

optax's own schedules were checked against these formulas: its
`constant_schedule` and `exponential_decay(lr, every, drop, staircase=True)`
give exactly `constant` and `step_decay` (tested), but optax builds a schedule
from Python parameters and branches on them, so every new value is a new
function. Here each schedule's arithmetic is one jit-compiled kernel taking the
parameters as traced arguments, so a slider that changes `drop` or `k` never
recompiles. `exponential_decay` is computed as `exp(−k t)` rather than optax's
`decay_rate ** t`, which raises a float32-rounded rate to a large power; the
cyclical, SGDR-forever and PyTorch-style one-cycle schedules have no optax
equivalent with these values.
"""

import functools
import math
from typing import Callable, NamedTuple

import jax
import jax.numpy as jnp
import numpy as np

from lesson_lib import _checks

__all__ = [
    "CYCLICAL_MODES",
    "constant",
    "step_decay",
    "exponential_decay",
    "inverse_time_decay",
    "cyclical",
    "sgdr",
    "one_cycle",
    "exponential_ramp",
    "values",
    "ScheduleKind",
    "KINDS",
    "by_name",
]

Schedule = Callable[[jax.typing.ArrayLike], jax.Array]

CYCLICAL_MODES = ("triangular", "triangular2", "exp_range")
"""The three modes of `cyclical`."""

_INT32_MAX = 2**31 - 1
_RESTART_TABLE = 32  # cycle starts tabulated for sgdr (covers every int32 step)


def _steps(step):
    return jnp.asarray(step, dtype=jnp.float32)


def _check_step(step):
    """Raise unless a concrete `step` (a number or an array of them) is non-empty, finite and >= 0.

    Inside `jit` (an optax update) the step is a tracer and the check steps aside.
    """
    if _checks.is_traced(step):
        return
    try:
        array = np.asarray(step, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"step must be a step count or an array of them, got {step!r}") from None
    if array.size == 0:
        raise ValueError("step must be a non-empty array of step counts >= 0, got an empty one")
    if not np.all(np.isfinite(array)) or np.any(array < 0):
        bad = array[~(np.isfinite(array) & (array >= 0))].ravel()[0]
        raise ValueError(f"step must hold finite step counts >= 0, got {bad!r}")


def _traced(kernel, *params, **static) -> Schedule:
    """The schedule `step -> kernel(step, *params)`, which first checks a concrete step."""

    def schedule(step):
        _check_step(step)
        return kernel(step, *params, **static)

    return schedule


def _number(value):
    """A Python float for a concrete value (one compiled kernel for all values), else the tracer."""
    return value if _checks.is_traced(value) else float(value)


# Each schedule's arithmetic is one jit-compiled kernel whose parameters are
# traced arguments: a kernel compiles once per shape of `step` and then serves
# every parameter value (a slider move never compiles), and one call evaluates
# a whole curve. Inside an outer `jit` (an optax update) it is simply inlined.


@jax.jit
def _constant_kernel(step, lr):
    return jnp.zeros(jnp.shape(step), jnp.float32) + lr


@jax.jit
def _step_decay_kernel(step, lr, drop, every):
    return lr * jnp.power(drop, jnp.floor(_steps(step) / every))


@jax.jit
def _exponential_kernel(step, lr, k):
    return lr * jnp.exp(-k * _steps(step))


@jax.jit
def _inverse_time_kernel(step, lr, k):
    return lr / (1.0 + k * _steps(step))


def _in_range(name, value, low, high, *, low_open=False, high_open=False):
    """Raise unless low (<) <= value <= (<) high (`_checks.number`)."""
    _checks.number(name, value, low=low, high=high, low_open=low_open, high_open=high_open)


def _non_negative(name, value):
    _checks.number(name, value, low=0.0)


def constant(lr) -> Schedule:
    """`lr` at every step.

    (optax's `constant_schedule` returns a bare Python number; this one returns
    an array shaped like `step`, so a whole curve can be evaluated at once.)

    Example:
      >>> [round(v, 6) for v in constant(0.1)(jnp.arange(3)).tolist()]
      [0.1, 0.1, 0.1]
    """
    _checks.positive_float("lr", lr)

    return _traced(_constant_kernel, _number(lr))


def step_decay(lr, drop: float = 0.5, every: int = 100) -> Schedule:
    """`lr · drop^⌊t / every⌋`: multiply the rate by `drop` every `every` steps.

    The syllabus's step decay ("halve it every 5 epochs"). It gives the values
    of optax's `exponential_decay(lr, every, drop, staircase=True)` (tested),
    written out here so that `drop` and `every` can be traced too.

    Args:
      lr: the initial rate, > 0.
      drop: the factor applied at each drop, in (0, 1].
      every: steps between drops, an integer >= 1.

    Example:
      >>> step_decay(1.0, drop=0.5, every=2)(jnp.arange(6)).tolist()
      [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    """
    _checks.positive_float("lr", lr)
    _in_range("drop", drop, 0.0, 1.0, low_open=True)
    _checks.int_in_range("every", every, 1)
    return _traced(_step_decay_kernel, _number(lr), _number(drop), _number(every))


def exponential_decay(lr, k) -> Schedule:
    """`lr · e^(−k t)`.

    Args:
      lr: the initial rate, > 0.
      k: the decay constant per step, >= 0 (the rate falls by `e` every `1/k` steps).

    Example:
      >>> [round(v, 4) for v in exponential_decay(1.0, 0.5)(jnp.arange(3)).tolist()]
      [1.0, 0.6065, 0.3679]
    """
    _checks.positive_float("lr", lr)
    _non_negative("k", k)

    return _traced(_exponential_kernel, _number(lr), _number(k))


def inverse_time_decay(lr, k) -> Schedule:
    """`lr / (1 + k t)` (the syllabus's "1/t decay").

    Args:
      lr: the initial rate, > 0.
      k: >= 0; the rate has halved at step `1/k`.

    Example:
      >>> [round(v, 4) for v in inverse_time_decay(1.0, 0.5)(jnp.arange(3)).tolist()]
      [1.0, 0.6667, 0.5]
    """
    _checks.positive_float("lr", lr)
    _non_negative("k", k)

    return _traced(_inverse_time_kernel, _number(lr), _number(k))


def cyclical(base_lr, max_lr, step_size_up: int, mode: str = "triangular", gamma=1.0) -> Schedule:
    """Smith's cyclical learning rate, with PyTorch `CyclicLR`'s values.

    The rate climbs linearly from `base_lr` to `max_lr` in `step_size_up` steps,
    falls back in as many, and repeats. With `s = step_size_up`,
    `c = ⌊1 + t/(2s)⌋` (the cycle, from 1) and `x = |t/s − 2c + 1|`:
    `lr = base_lr + (max_lr − base_lr) · max(0, 1 − x) · scale`, where `scale` is
    1 (`"triangular"`), `1/2^(c−1)` (`"triangular2"`) or `gamma^t`
    (`"exp_range"`; per step, not per cycle, as in Smith's paper and PyTorch).

    Args:
      base_lr: the low end, > 0.
      max_lr: the high end, >= base_lr.
      step_size_up: steps from low to high (= steps from high to low), >= 1.
      mode: one of `CYCLICAL_MODES`.
      gamma: the per-step factor of `"exp_range"`, in (0, 1].

    Example:
      >>> cyclical(1.0, 3.0, 2)(jnp.arange(6)).tolist()
      [1.0, 2.0, 3.0, 2.0, 1.0, 2.0]
      >>> cyclical(1.0, 3.0, 2, mode="triangular2")(jnp.arange(8)).tolist()
      [1.0, 2.0, 3.0, 2.0, 1.0, 1.5, 2.0, 1.5]
    """
    _checks.one_of("mode", mode, CYCLICAL_MODES)
    _checks.positive_float("base_lr", base_lr)
    _checks.positive_float("max_lr", max_lr)
    if not (_checks.is_traced(base_lr) or _checks.is_traced(max_lr)) and max_lr < base_lr:
        raise ValueError(f"max_lr must be >= base_lr, got max_lr={max_lr!r} < base_lr={base_lr!r}")
    _checks.int_in_range("step_size_up", step_size_up, 1)
    _in_range("gamma", gamma, 0.0, 1.0, low_open=True)
    return _traced(_cyclical_kernel, *(_number(v) for v in (base_lr, max_lr, step_size_up, gamma)),
                   mode=mode)


@functools.partial(jax.jit, static_argnames="mode")
def _cyclical_kernel(step, base_lr, max_lr, size, gamma, *, mode):
    t = _steps(step)
    cycle = jnp.floor(1.0 + t / (2.0 * size))
    x = jnp.abs(t / size - 2.0 * cycle + 1.0)
    height = (max_lr - base_lr) * jnp.maximum(0.0, 1.0 - x)
    if mode == "triangular2":
        height = height / jnp.exp2(cycle - 1.0)
    elif mode == "exp_range":
        height = height * jnp.power(gamma, t)
    return base_lr + height


def _restart_table(period: int, period_mult: int):
    """First step of each cycle and its length, for `period_mult >= 2` (int32-sized)."""
    starts, lengths = [], []
    start, length = 0, period
    while len(starts) < _RESTART_TABLE:
        starts.append(min(start, _INT32_MAX))
        lengths.append(min(length, _INT32_MAX))
        start, length = start + length, length * period_mult
    return np.asarray(starts, np.int32), np.asarray(lengths, np.float32)


def sgdr(max_lr, period: int, period_mult: int = 1, min_lr=0.0) -> Schedule:
    """Cosine annealing with warm restarts (SGDR), PyTorch `CosineAnnealingWarmRestarts`'s values.

    Cycle `i` (from 0) lasts `T_i = period · period_mult^i` steps; within it, with
    `t_cur` steps since the cycle began,
    `lr = min_lr + (max_lr − min_lr) · (1 + cos(π · t_cur / T_i)) / 2`,
    so each cycle falls from `max_lr` towards `min_lr` and then jumps back up.
    There is no horizon: it restarts forever.

    Args:
      max_lr: the rate at each restart, > 0.
      period: length of the first cycle in steps (PyTorch's `T_0`), >= 1.
      period_mult: each cycle is this many times longer than the last
        (PyTorch's `T_mult`), an integer >= 1.
      min_lr: the floor (PyTorch's `eta_min`), in [0, max_lr].

    Example:
      >>> [round(v, 3) for v in sgdr(1.0, 4)(jnp.arange(6)).tolist()]
      [1.0, 0.854, 0.5, 0.146, 1.0, 0.854]
      >>> [round(v, 3) for v in sgdr(1.0, 2, period_mult=2)(jnp.arange(7)).tolist()]
      [1.0, 0.5, 1.0, 0.854, 0.5, 0.146, 1.0]
    """
    _checks.positive_float("max_lr", max_lr)
    _checks.int_in_range("period", period, 1)
    _checks.int_in_range("period_mult", period_mult, 1)
    _non_negative("min_lr", min_lr)
    if not (_checks.is_traced(min_lr) or _checks.is_traced(max_lr)) and min_lr > max_lr:
        raise ValueError(f"min_lr must be in [0, max_lr], got min_lr={min_lr!r} > max_lr={max_lr!r}")
    period, period_mult = int(period), int(period_mult)
    max_lr, min_lr = _number(max_lr), _number(min_lr)
    if period_mult == 1:
        return _traced(_sgdr_periodic_kernel, max_lr, min_lr, float(period))
    return _traced(_sgdr_growing_kernel, max_lr, min_lr, *_restart_table(period, period_mult))


@jax.jit
def _sgdr_periodic_kernel(step, max_lr, min_lr, period):
    since = jnp.mod(_steps(step), period)
    return _cosine(max_lr, min_lr, since, period - since)


@jax.jit
def _sgdr_growing_kernel(step, max_lr, min_lr, starts, lengths):
    # Integer search for the cycle: exact at every restart, however large the step.
    t = jnp.asarray(step, jnp.int32)
    cycle = jnp.searchsorted(starts, t, side="right") - 1
    since = _steps(t - starts[cycle])
    length = lengths[cycle]
    return _cosine(max_lr, min_lr, since, length - since)


def _cosine(start, end, done, left):
    """From `start` to `end` along half a cosine, `done` steps in and `left` steps to go.

    With `f = done / (done + left)` the value is `end + (start − end)·(1 + cos πf)/2`.
    The weight `(1 + cos πf)/2` is computed as `cos²(πf/2)` in the first half and
    as `sin²(π(1 − f)/2)` in the second, with `1 − f` taken from `left` itself:
    float32 then keeps its full relative precision near both ends, where the
    small rates live.
    """
    span = done + left
    first_half = jnp.square(jnp.cos(0.5 * jnp.pi * done / span))
    second_half = jnp.square(jnp.sin(0.5 * jnp.pi * left / span))
    return end + (start - end) * jnp.where(done <= left, first_half, second_half)


def one_cycle(
    total_steps: int,
    max_lr,
    pct_start=0.3,
    div_factor=25.0,
    final_div_factor=1e4,
    base_momentum=0.85,
    max_momentum=0.95,
) -> tuple[Schedule, Schedule]:
    """Smith's one-cycle policy with PyTorch `OneCycleLR`'s values (two cosine phases).

    With `initial = max_lr / div_factor`, `final = initial / final_div_factor`
    and the peak at step `p = pct_start · total_steps − 1` (PyTorch's boundary):

    - phase 1, `t <= p`: lr rises from `initial` to `max_lr` along half a cosine,
      `lr = max_lr + (initial − max_lr) · (1 + cos(π t / p)) / 2`, while the
      momentum falls from `max_momentum` to `base_momentum`;
    - phase 2, `p < t <= total_steps − 1`: lr falls from `max_lr` to `final`,
      with fraction `(t − p) / (total_steps − 1 − p)`, while the momentum climbs
      back to `max_momentum` (momentum moves inversely to the rate: a large step
      with little inertia, then small steps with a lot).

    Past the last step the values stay at `final` and `max_momentum` (PyTorch
    raises there instead). See the module docstring for how optax and fastai
    place the peak and the end.

    Args:
      total_steps: the length of the cycle, >= 2.
      max_lr: the peak rate, > 0.
      pct_start: fraction of the cycle spent rising, in (0, 1), with
        `0 < pct_start·total_steps − 1 < total_steps − 1`.
      div_factor: `max_lr / initial`, > 0.
      final_div_factor: `initial / final`, > 0.
      base_momentum, max_momentum: `0 <= base_momentum <= max_momentum < 1`.

    Returns:
      `(lr_fn, momentum_fn)`, two schedules; pass them as
      `optim.make("momentum", learning_rate=lr_fn, momentum=momentum_fn)`.

    Example:
      >>> lr_fn, momentum_fn = one_cycle(10, 1.0, pct_start=0.2, div_factor=10.0, final_div_factor=10.0)
      >>> [round(v, 3) for v in lr_fn(jnp.array([0, 1, 9])).tolist()]
      [0.1, 1.0, 0.01]
      >>> [round(v, 3) for v in momentum_fn(jnp.array([0, 1, 9])).tolist()]
      [0.95, 0.85, 0.95]
    """
    _checks.int_in_range("total_steps", total_steps, 2)
    _in_range("pct_start", pct_start, 0.0, 1.0, low_open=True, high_open=True)
    _checks.positive_float("max_lr", max_lr)
    _checks.positive_float("div_factor", div_factor)
    _checks.positive_float("final_div_factor", final_div_factor)
    _in_range("base_momentum", base_momentum, 0.0, 1.0, high_open=True)
    _in_range("max_momentum", max_momentum, 0.0, 1.0, high_open=True)
    if base_momentum > max_momentum:
        raise ValueError(
            f"base_momentum must be <= max_momentum, got {base_momentum!r} > {max_momentum!r}"
        )
    last = float(total_steps) - 1.0
    peak = float(pct_start) * float(total_steps) - 1.0
    if not 0.0 < peak < last:
        raise ValueError(
            "pct_start must put the peak step pct_start*total_steps - 1 strictly between 0 and "
            f"total_steps - 1 = {last:g}, got {peak:g} (pct_start={pct_start!r}, "
            f"total_steps={total_steps!r})"
        )
    initial = float(max_lr) / float(div_factor)
    final = initial / float(final_div_factor)

    return (
        _traced(_two_phase_kernel, float(initial), float(max_lr), float(final), peak, last),
        _traced(_two_phase_kernel, float(max_momentum), float(base_momentum), float(max_momentum), peak, last),
    )


@jax.jit
def _two_phase_kernel(step, start, middle, end, peak, last):
    t = jnp.clip(_steps(step), 0.0, last)
    rising = _cosine(start, middle, t, jnp.maximum(peak - t, 0.0))
    falling = _cosine(middle, end, jnp.maximum(t - peak, 0.0), last - t)
    return jnp.where(t <= peak, rising, falling)


def exponential_ramp(min_lr, max_lr, steps: int) -> Schedule:
    """`min_lr · (max_lr/min_lr)^(t/(steps−1))`: the LR range test's sweep, `min_lr` to `max_lr`.

    Geometric, so every decade of learning rates gets the same number of steps.
    Beyond `steps − 1` it keeps growing at the same rate.

    Example:
      >>> [round(v, 6) for v in exponential_ramp(1e-3, 1.0, 4)(jnp.arange(4)).tolist()]
      [0.001, 0.01, 0.1, 1.0]
    """
    _checks.positive_float("min_lr", min_lr)
    _checks.positive_float("max_lr", max_lr)
    _checks.int_in_range("steps", steps, 2)
    if max_lr <= min_lr:
        raise ValueError(f"max_lr must be > min_lr, got max_lr={max_lr!r} <= min_lr={min_lr!r}")
    log_min = math.log(min_lr)
    return _traced(_exponential_ramp_kernel, log_min, (math.log(max_lr) - log_min) / (int(steps) - 1))


@jax.jit
def _exponential_ramp_kernel(step, log_min, log_step):
    return jnp.exp(log_min + log_step * _steps(step))


def values(schedule: Schedule, steps: int) -> np.ndarray:
    """The schedule at steps `0 … steps−1`, as a float NumPy array (for plots and tables).

    Example:
      >>> values(step_decay(1.0, 0.1, 2), 4).round(3).tolist()
      [1.0, 1.0, 0.1, 0.1]
    """
    _checks.function("schedule", schedule, "of the step")
    _checks.int_in_range("steps", steps, 1)
    return np.asarray(schedule(jnp.arange(int(steps), dtype=jnp.int32)), dtype=float)


class ScheduleKind(NamedTuple):
    """One of the lessons' schedules, by name: what it reads, its formula, how to make it.

    Attributes:
      params: the keyword values it reads (`lr` is its initial, maximal or peak rate).
      formula: the rule in one line, as a lesson shows it.
      make: `make(steps, **params) -> (lr schedule, momentum schedule or None)`.
    """

    params: tuple
    formula: str
    make: Callable


KINDS = {
    "constant": ScheduleKind(("lr",), "lr", lambda steps, lr: (constant(lr), None)),
    "step_decay": ScheduleKind(
        ("lr", "drop", "every"), "lr · drop^⌊t / every⌋",
        lambda steps, lr, drop, every: (step_decay(lr, float(drop), int(every)), None)),
    "exponential_decay": ScheduleKind(
        ("lr", "k"), "lr · exp(−k t)", lambda steps, lr, k: (exponential_decay(lr, k), None)),
    "inverse_time_decay": ScheduleKind(
        ("lr", "k"), "lr / (1 + k t)", lambda steps, lr, k: (inverse_time_decay(lr, k), None)),
    "cyclical": ScheduleKind(
        ("lr", "base_lr", "step_size_up", "mode", "gamma"),
        "base_lr ↔ lr, linear ramps of step_size_up steps",
        lambda steps, lr, base_lr, step_size_up, mode, gamma: (
            cyclical(base_lr, lr, int(step_size_up), mode=mode, gamma=gamma), None)),
    "sgdr": ScheduleKind(
        ("lr", "period", "period_mult", "min_lr"), "cosine from lr to min_lr, restart; cycles × period_mult",
        lambda steps, lr, period, period_mult, min_lr: (
            sgdr(lr, int(period), int(period_mult), min_lr), None)),
    "one_cycle": ScheduleKind(
        ("lr", "pct_start", "div_factor", "final_div_factor"),
        "cosine up to lr at pct_start, then down to lr/div/final_div",
        lambda steps, lr, pct_start, div_factor, final_div_factor: one_cycle(
            int(steps), lr, float(pct_start), float(div_factor), float(final_div_factor))),
}
"""Every schedule of lesson 07 by name, in the order the lesson teaches them (one registry)."""


def by_name(name: str, steps: int, **values):
    """Schedule `name` of `KINDS` made from keyword `values` (values it does not read are ignored).

    Returns `(lr schedule, momentum schedule or None)`: only one-cycle moves the momentum.

    Example:
      >>> lr, momentum = by_name("step_decay", 100, lr=0.1, drop=0.5, every=10, k=0.3)
      >>> [round(float(lr(t)), 4) for t in (0, 10, 25)], momentum is None
      ([0.1, 0.05, 0.025], True)
    """
    kind = KINDS[_checks.one_of("name", name, tuple(KINDS))]
    missing = [p for p in kind.params if p not in values]
    if missing:
        raise ValueError(f"schedule {name!r} needs {', '.join(missing)}")
    return kind.make(steps, **{p: values[p] for p in kind.params})

