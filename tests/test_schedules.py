"""Schedules against the published formulas, written out here in plain Python math.

The references transcribe PyTorch's `CyclicLR`, `CosineAnnealingWarmRestarts`
(stepped one step at a time, as a training loop would) and `OneCycleLR`
(`anneal_strategy="cos"`, two phases) line by line, in float64.
"""

import math

import jax
import jax.numpy as jnp
import numpy as np
import optax
import pytest

from lesson_lib import optim, schedules, train

RTOL = 2e-5  # float32 schedules against float64 references


# ----------------------------------------------------------------------------
# Independent references.


def ref_cyclic(t, base_lr, max_lr, step_size_up, mode="triangular", gamma=1.0):
    """PyTorch CyclicLR.get_lr with step_size_down = step_size_up."""
    total_size = 2 * step_size_up
    step_ratio = step_size_up / total_size
    cycle = math.floor(1 + t / total_size)
    x = 1.0 + t / total_size - cycle
    if x <= step_ratio:
        scale_factor = x / step_ratio
    else:
        scale_factor = (x - 1) / (step_ratio - 1)
    base_height = (max_lr - base_lr) * scale_factor
    if mode == "triangular":
        return base_lr + base_height * 1.0
    if mode == "triangular2":
        return base_lr + base_height * (1 / (2.0 ** (cycle - 1)))
    return base_lr + base_height * gamma**t  # exp_range: scale_mode "iterations"


def ref_sgdr(n, T_0, T_mult, eta_min, base_lr):
    """PyTorch CosineAnnealingWarmRestarts stepped n times without an explicit epoch."""
    out, T_cur, T_i = [], 0, T_0
    for _ in range(n):
        out.append(eta_min + (base_lr - eta_min) * (1 + math.cos(math.pi * T_cur / T_i)) / 2)
        T_cur += 1
        if T_cur >= T_i:
            T_cur -= T_i
            T_i *= T_mult
    return out


def ref_one_cycle(t, total_steps, max_lr, pct_start=0.3, div_factor=25.0,
                  final_div_factor=1e4, base_momentum=0.85, max_momentum=0.95):
    """PyTorch OneCycleLR.get_lr (cos, two phases): returns (lr, momentum)."""
    initial_lr = max_lr / div_factor
    min_lr = initial_lr / final_div_factor
    phases = [
        dict(end_step=float(pct_start * total_steps) - 1, start_lr=initial_lr, end_lr=max_lr,
             start_momentum=max_momentum, end_momentum=base_momentum),
        dict(end_step=total_steps - 1, start_lr=max_lr, end_lr=min_lr,
             start_momentum=base_momentum, end_momentum=max_momentum),
    ]

    def anneal(start, end, pct):
        cos_out = math.cos(math.pi * pct) + 1
        return end + (start - end) / 2.0 * cos_out

    start_step = 0
    for i, phase in enumerate(phases):
        end_step = phase["end_step"]
        if t <= end_step or i == len(phases) - 1:
            pct = (t - start_step) / (end_step - start_step)
            return (anneal(phase["start_lr"], phase["end_lr"], pct),
                    anneal(phase["start_momentum"], phase["end_momentum"], pct))
        start_step = phase["end_step"]


def curve(schedule, n):
    return schedules.values(schedule, n)


# ----------------------------------------------------------------------------
# Values, step by step.


def test_constant():
    np.testing.assert_allclose(curve(schedules.constant(0.3), 5), [0.3] * 5, rtol=RTOL)


@pytest.mark.parametrize("lr, drop, every", [(0.1, 0.5, 3), (1.0, 0.1, 1), (0.5, 1.0, 4)])
def test_step_decay(lr, drop, every):
    expected = [lr * drop ** (t // every) for t in range(20)]
    np.testing.assert_allclose(curve(schedules.step_decay(lr, drop, every), 20), expected, rtol=RTOL)


@pytest.mark.parametrize("lr, k", [(0.1, 0.01), (2.0, 0.3), (1.0, 0.0)])
def test_exponential_decay(lr, k):
    expected = [lr * math.exp(-k * t) for t in range(50)]
    np.testing.assert_allclose(curve(schedules.exponential_decay(lr, k), 50), expected, rtol=RTOL)


@pytest.mark.parametrize("lr, k", [(0.1, 0.01), (2.0, 0.5)])
def test_inverse_time_decay(lr, k):
    expected = [lr / (1 + k * t) for t in range(50)]
    np.testing.assert_allclose(curve(schedules.inverse_time_decay(lr, k), 50), expected, rtol=RTOL)


@pytest.mark.parametrize("mode, gamma", [("triangular", 1.0), ("triangular2", 1.0),
                                         ("exp_range", 0.99), ("exp_range", 1.0)])
@pytest.mark.parametrize("step_size_up", [1, 4, 7])
def test_cyclical_matches_pytorch(mode, gamma, step_size_up):
    n = 6 * step_size_up + 3
    expected = [ref_cyclic(t, 0.01, 0.1, step_size_up, mode, gamma) for t in range(n)]
    got = curve(schedules.cyclical(0.01, 0.1, step_size_up, mode=mode, gamma=gamma), n)
    np.testing.assert_allclose(got, expected, rtol=RTOL)


def test_cyclical_landmarks():
    lr = schedules.cyclical(0.001, 0.006, 2000, mode="triangular2")
    values = {t: float(lr(t)) for t in (0, 2000, 4000, 6000, 10000)}
    assert values[0] == pytest.approx(0.001)
    assert values[2000] == pytest.approx(0.006)  # top of the first cycle
    assert values[4000] == pytest.approx(0.001)
    assert values[6000] == pytest.approx(0.001 + 0.005 / 2)  # amplitude halved
    assert values[10000] == pytest.approx(0.001 + 0.005 / 4)


@pytest.mark.parametrize("period, period_mult, min_lr", [(5, 1, 0.0), (3, 2, 0.001), (1, 3, 0.0),
                                                         (4, 1, 0.01)])
def test_sgdr_matches_pytorch(period, period_mult, min_lr):
    n = 80
    expected = ref_sgdr(n, period, period_mult, min_lr, 0.1)
    got = curve(schedules.sgdr(0.1, period, period_mult=period_mult, min_lr=min_lr), n)
    np.testing.assert_allclose(got, expected, rtol=RTOL, atol=1e-9)


def test_sgdr_restarts_forever_exactly():
    """Far along, restarts still land on the exact step (integer search, no float log)."""
    schedule = schedules.sgdr(1.0, 10, period_mult=2)
    starts = [10 * (2**n - 1) for n in range(26)]  # up to ~3.4e8
    for start in starts[20:]:
        assert float(schedule(jnp.int32(start))) == pytest.approx(1.0)
        assert float(schedule(jnp.int32(start - 1))) < 1e-6
    periodic = schedules.sgdr(1.0, 7)
    assert float(periodic(jnp.int32(7 * 100_000))) == pytest.approx(1.0)
    assert float(periodic(jnp.int32(7 * 100_000 + 3))) == pytest.approx(float(periodic(3)))


@pytest.mark.slow
@pytest.mark.parametrize("total_steps, pct_start", [(100, 0.3), (37, 0.25), (10, 0.5), (1000, 0.1)])
def test_one_cycle_matches_pytorch(total_steps, pct_start):
    lr_fn, momentum_fn = schedules.one_cycle(total_steps, 0.4, pct_start=pct_start)
    refs = [ref_one_cycle(t, total_steps, 0.4, pct_start) for t in range(total_steps)]
    np.testing.assert_allclose(curve(lr_fn, total_steps), [r[0] for r in refs], rtol=RTOL)
    np.testing.assert_allclose(curve(momentum_fn, total_steps), [r[1] for r in refs], rtol=RTOL)


@pytest.mark.slow
def test_one_cycle_landmarks_and_library_differences():
    total, max_lr = 100, 0.5
    lr_fn, momentum_fn = schedules.one_cycle(total, max_lr)
    lrs = curve(lr_fn, total + 20)
    # PyTorch's boundary: the peak is step pct_start*total - 1 = 29, momentum lowest there.
    assert int(np.argmax(lrs)) == 29 and lrs[29] == pytest.approx(max_lr)
    assert float(momentum_fn(29)) == pytest.approx(0.85)
    assert lrs[0] == pytest.approx(max_lr / 25)
    assert lrs[total - 1] == pytest.approx(max_lr / 25 / 1e4, rel=1e-4)
    np.testing.assert_allclose(lrs[total:], lrs[total - 1], rtol=1e-6)  # held after the end
    # optax's cosine_onecycle_schedule peaks one step later and ends one step later.
    optax_schedule = optax.cosine_onecycle_schedule(total, max_lr)
    optax_lrs = np.array([float(optax_schedule(t)) for t in range(total + 1)])
    assert int(np.argmax(optax_lrs)) == 30
    assert optax_lrs[total] == pytest.approx(lrs[total - 1], rel=1e-4)
    assert not np.allclose(optax_lrs[:total], lrs[:total], rtol=1e-3)


@pytest.mark.slow
def test_step_decay_is_optax_staircase():
    ours = curve(schedules.step_decay(0.2, 0.3, 7), 60)
    theirs = np.asarray(optax.exponential_decay(0.2, 7, 0.3, staircase=True)(jnp.arange(60)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-7)


def test_constant_is_optax_constant():
    theirs = optax.constant_schedule(0.37)
    np.testing.assert_allclose(curve(schedules.constant(0.37), 5),
                               [float(theirs(t)) for t in range(5)], rtol=1e-7)


def test_exponential_ramp():
    ramp = schedules.exponential_ramp(1e-6, 10.0, 8)
    expected = [1e-6 * (1e7) ** (t / 7) for t in range(8)]
    np.testing.assert_allclose(curve(ramp, 8), expected, rtol=1e-5)


# ----------------------------------------------------------------------------
# Usable wherever optax takes a learning rate.

ALL = {
    "constant": schedules.constant(0.1),
    "step_decay": schedules.step_decay(0.1, 0.5, 5),
    "exponential_decay": schedules.exponential_decay(0.1, 0.05),
    "inverse_time_decay": schedules.inverse_time_decay(0.1, 0.05),
    "triangular": schedules.cyclical(0.01, 0.1, 4),
    "triangular2": schedules.cyclical(0.01, 0.1, 4, mode="triangular2"),
    "exp_range": schedules.cyclical(0.01, 0.1, 4, mode="exp_range", gamma=0.98),
    "sgdr": schedules.sgdr(0.1, 3, 1),
    "sgdr_mult": schedules.sgdr(0.1, 3, 2, min_lr=0.001),
    "one_cycle": schedules.one_cycle(30, 0.1)[0],
    "one_cycle_momentum": schedules.one_cycle(30, 0.1)[1],
}


@pytest.mark.parametrize("name", sorted(ALL))
def test_traced_int32_step_under_jit(name):
    schedule = ALL[name]
    jitted = jax.jit(schedule)
    eager = curve(schedule, 25)
    for t in range(25):
        value = jitted(jnp.int32(t))
        assert value.shape == () and value.dtype == jnp.float32
        assert float(value) == pytest.approx(eager[t], rel=1e-6)
        assert float(schedule(t)) == pytest.approx(eager[t], rel=1e-6)  # a Python int too


@pytest.mark.parametrize("name", ["step_decay", "triangular2", "sgdr_mult", "one_cycle"])
def test_drives_sgd_inside_optimize(name):
    """With `L = w²/2`, SGD under a schedule gives `w_{t+1} = w_t (1 − lr_t)`."""
    schedule = ALL[name]
    run = train.optimize(lambda w: 0.5 * jnp.sum(w**2), jnp.ones(1), optax.sgd(schedule), 20)
    lrs = curve(schedule, 20)
    expected = np.cumprod(np.concatenate([[1.0], 1.0 - lrs]))
    np.testing.assert_allclose(np.asarray(run.params[:, 0]), expected, rtol=1e-5)


def test_one_cycle_drives_optim_momentum():
    """Both schedules at once: `v = mu_t v + g;  w −= lr_t v` on `L = w²/2`."""
    lr_fn, momentum_fn = schedules.one_cycle(15, 0.3)
    optimizer = optim.make("momentum", learning_rate=lr_fn, momentum=momentum_fn)
    run = train.optimize(lambda w: 0.5 * jnp.sum(w**2), jnp.ones(1), optimizer, 15)
    w, v, expected = 1.0, 0.0, [1.0]
    for t in range(15):
        lr, mu = ref_one_cycle(t, 15, 0.3)
        v = mu * v + w
        w = w - lr * v
        expected.append(w)
    # float32 against a float64 loop: near w = 0 (step 10, w ≈ -0.0137) only an absolute bound holds
    np.testing.assert_allclose(np.asarray(run.params[:, 0]), expected, rtol=1e-5, atol=1e-6)


# ----------------------------------------------------------------------------
# Bad arguments.


@pytest.mark.parametrize("call, name", [
    (lambda: schedules.constant(0.0), "lr"),
    (lambda: schedules.constant(float("nan")), "lr"),
    (lambda: schedules.step_decay(0.1, drop=0.0), "drop"),
    (lambda: schedules.step_decay(0.1, drop=1.5), "drop"),
    (lambda: schedules.step_decay(0.1, every=0), "every"),
    (lambda: schedules.step_decay(0.1, every=2.5), "every"),
    (lambda: schedules.exponential_decay(0.1, -1.0), "k"),
    (lambda: schedules.inverse_time_decay(-0.1, 1.0), "lr"),
    (lambda: schedules.cyclical(0.1, 0.01, 10), "max_lr"),
    (lambda: schedules.cyclical(0.0, 0.01, 10), "base_lr"),
    (lambda: schedules.cyclical(0.01, 0.1, 0), "step_size_up"),
    (lambda: schedules.cyclical(0.01, 0.1, 10, mode="exp_range", gamma=1.5), "gamma"),
    (lambda: schedules.sgdr(0.1, 0), "period"),
    (lambda: schedules.sgdr(0.1, 10, period_mult=0), "period_mult"),
    (lambda: schedules.sgdr(0.1, 10, period_mult=1.5), "period_mult"),
    (lambda: schedules.sgdr(0.1, 10, min_lr=0.2), "min_lr"),
    (lambda: schedules.one_cycle(1, 0.1), "total_steps"),
    (lambda: schedules.one_cycle(100, 0.1, pct_start=1.0), "pct_start"),
    (lambda: schedules.one_cycle(100, 0.1, pct_start=0.005), "pct_start"),
    (lambda: schedules.one_cycle(100, 0.1, div_factor=0), "div_factor"),
    (lambda: schedules.one_cycle(100, 0.1, base_momentum=0.99), "base_momentum"),
    (lambda: schedules.one_cycle(100, 0.1, max_momentum=1.0), "max_momentum"),
    (lambda: schedules.exponential_ramp(1.0, 0.1, 10), "max_lr"),
    (lambda: schedules.exponential_ramp(0.1, 1.0, 1), "steps"),
])
def test_bad_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


def test_unknown_mode_lists_choices():
    with pytest.raises(ValueError) as error:
        schedules.cyclical(0.01, 0.1, 10, mode="sawtooth")
    for mode in ("triangular", "triangular2", "exp_range"):
        assert mode in str(error.value)


@pytest.mark.parametrize("call, name", [
    (lambda: schedules.constant(float("inf")), "lr"),
    (lambda: schedules.step_decay(0.1, drop=float("nan")), "drop"),
    (lambda: schedules.exponential_decay(0.1, float("inf")), "k"),
    (lambda: schedules.inverse_time_decay(0.1, float("nan")), "k"),
    (lambda: schedules.cyclical(0.01, float("inf"), 10), "max_lr"),
    (lambda: schedules.cyclical(0.01, 0.1, 10, mode="exp_range", gamma=float("nan")), "gamma"),
    (lambda: schedules.sgdr(float("nan"), 10), "max_lr"),
    (lambda: schedules.sgdr(0.1, 10, min_lr=float("nan")), "min_lr"),
    (lambda: schedules.one_cycle(100, 0.1, pct_start=float("nan")), "pct_start"),
    (lambda: schedules.one_cycle(100, 0.1, final_div_factor=float("inf")), "final_div_factor"),
    (lambda: schedules.one_cycle(100, 0.1, base_momentum=float("nan")), "base_momentum"),
    (lambda: schedules.exponential_ramp(float("nan"), 1.0, 10), "min_lr"),
    (lambda: schedules.values(schedules.constant(0.1), 0), "steps"),
    (lambda: schedules.values(0.1, 10), "schedule"),
])
def test_non_finite_or_empty_arguments_name_the_argument(call, name):
    with pytest.raises(ValueError, match=name):
        call()


@pytest.mark.parametrize("name", sorted(ALL))
@pytest.mark.parametrize("step", [np.array([0.0, np.nan]), np.array([1.0, np.inf]), -1,
                                  np.array([3, -2]), np.array([], dtype=np.int32)])
def test_bad_steps_are_refused(name, step):
    with pytest.raises(ValueError, match="step"):
        ALL[name](step)


def test_step_check_steps_aside_under_jit_and_keeps_valid_steps():
    schedule = schedules.cyclical(0.01, 0.1, 4)
    np.testing.assert_allclose(float(jax.jit(schedule)(jnp.int32(4))), 0.1, rtol=1e-6)
    np.testing.assert_allclose(float(schedule(np.float32(4.0))), 0.1, rtol=1e-6)


def test_one_registry_names_every_schedule_and_makes_it_as_its_factory_does():
    import inspect

    from lesson_lib.schedules import KINDS, by_name

    assert tuple(KINDS) == ("constant", "step_decay", "exponential_decay", "inverse_time_decay",
                            "cyclical", "sgdr", "one_cycle")
    for name, kind in KINDS.items():
        assert tuple(inspect.signature(kind.make).parameters)[1:] == kind.params, name
    lr, momentum = by_name("cyclical", 300, lr=0.1, base_lr=0.01, step_size_up=50, mode="triangular2",
                           gamma=1.0, drop=0.5)
    np.testing.assert_array_equal(schedules.values(lr, 300),
                                  schedules.values(schedules.cyclical(0.01, 0.1, 50, mode="triangular2"), 300))
    assert momentum is None
    lr, momentum = by_name("one_cycle", 300, lr=0.1, pct_start=0.3, div_factor=25.0, final_div_factor=1e4)
    ref_lr, ref_momentum = schedules.one_cycle(300, 0.1, 0.3, 25.0, 1e4)
    np.testing.assert_array_equal(schedules.values(lr, 300), schedules.values(ref_lr, 300))
    np.testing.assert_array_equal(schedules.values(momentum, 300), schedules.values(ref_momentum, 300))


def test_by_name_refuses_an_unknown_schedule_and_missing_values():
    from lesson_lib.schedules import by_name

    with pytest.raises(ValueError, match="name must be one of"):
        by_name("warmup", 100, lr=0.1)
    with pytest.raises(ValueError, match="needs drop, every"):
        by_name("step_decay", 100, lr=0.1)
