"""Lesson 07's schedule playground and exercise checkers."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import schedules
from lesson_lib.compilation import count_compilations
from lesson_lib.exercises.schedules import check_smoothing, check_triangular
from lesson_lib.playground.schedules import SCHEDULES, SchedulePlayground
from lesson_lib.schedules import KINDS


@pytest.fixture(scope="module")
def playground():
    pg = SchedulePlayground(steps=300, schedule="cyclical")
    pg.fig.canvas.draw()  # cache the background, as a first display would
    return pg


def sweep_values(control):
    if hasattr(control, "options"):
        return list(control.options)
    if hasattr(control, "base"):  # FloatLogSlider: min/max are exponents
        return [control.base**e for e in np.linspace(control.min, control.max, 6)]
    return list(np.linspace(control.min, control.max, 6).astype(type(control.value)))


@pytest.mark.slow
def test_sweeping_every_control_of_every_schedule_never_compiles(playground):
    with count_compilations() as count:
        for name in SCHEDULES:
            playground.controls["schedule"].value = name
            for key in KINDS[name].params:
                control = playground.controls[key]
                start = control.value
                for value in sweep_values(control):
                    control.value = value
                control.value = start
    assert count.compiles == 0, count


@pytest.mark.slow
def test_curves_are_the_library_schedules(playground):
    c = playground.controls
    c["schedule"].value = "cyclical"
    c["lr"].value, c["base_lr"].value, c["step_size_up"].value = 0.5, 0.01, 40
    c["mode"].value = "triangular2"
    expected = schedules.values(schedules.cyclical(0.01, 0.5, 40, mode="triangular2"), 300)
    np.testing.assert_allclose(playground.lr_line.get_ydata(), expected, rtol=1e-6)
    c["mode"].value = "triangular"

    c["schedule"].value = "one_cycle"
    c["lr"].value, c["pct_start"].value = 0.2, 0.4
    lr_fn, momentum_fn = schedules.one_cycle(300, 0.2, 0.4, c["div_factor"].value,
                                             c["final_div_factor"].value)
    np.testing.assert_allclose(playground.lr_line.get_ydata(),
                               np.clip(schedules.values(lr_fn, 300), 1e-7, None), rtol=1e-6)
    np.testing.assert_allclose(playground.momentum_line.get_ydata(),
                               schedules.values(momentum_fn, 300), rtol=1e-6)
    peak = round(0.4 * 300 - 1)
    assert playground.status.value == (
        f"one_cycle: starts {0.2 / 25:.2e}, peaks 2.00e-01 at step {peak}, "
        f"ends {0.2 / 25 / c['final_div_factor'].value:.2e} at step 299"
    )


def test_only_the_chosen_schedules_controls_are_shown(playground):
    playground.controls["schedule"].value = "sgdr"
    shown = {k for k, c in playground.controls.items() if c.layout.display != "none"}
    assert shown == {"schedule", "lr", "period", "period_mult", "min_lr"}
    assert playground.formula.value.startswith("sgdr: cosine")
    assert playground.formula in playground.widget.children
    playground.controls["schedule"].value = "step_decay"
    shown = {k for k, c in playground.controls.items() if c.layout.display != "none"}
    assert shown == {"schedule", "lr", "drop", "every"}


def test_an_invalid_combination_is_shown_not_raised(playground):
    c = playground.controls
    c["schedule"].value = "cyclical"
    c["lr"].value, c["base_lr"].value = 0.01, 0.01
    c["base_lr"].value = 0.5  # above max_lr
    assert isinstance(playground.last_error, ValueError)
    assert "max_lr" in str(playground.last_error)
    assert len(playground.errors.outputs) == 1
    c["base_lr"].value = 0.001
    assert playground.last_error is None and playground.errors.outputs == ()


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="schedule"):
        SchedulePlayground(schedule="cosine")
    with pytest.raises(ValueError, match="steps"):
        SchedulePlayground(steps=5)


def test_kernels_take_traced_parameters():
    """Parameters may be traced too: one compiled function serves every value."""

    @jax.jit
    def decayed(lr, k, drop, t):
        return (schedules.exponential_decay(lr, k)(t) + schedules.step_decay(lr, drop, 10)(t)
                + schedules.inverse_time_decay(lr, k)(t))

    got = float(decayed(0.1, 0.01, 0.5, jnp.int32(25)))
    assert got == pytest.approx(0.1 * np.exp(-0.25) + 0.1 * 0.25 + 0.1 / 1.25, rel=1e-6)
    with count_compilations() as count:
        decayed(0.3, 0.02, 0.7, jnp.int32(3))
    assert count.compiles == 0


# ----------------------------------------------------------------------------
# Exercise checkers.


def triangle(step, base_lr, max_lr, step_size_up):
    x = abs(step / step_size_up % 2 - 1)
    return base_lr + (max_lr - base_lr) * (1 - x)


def test_triangular_checker_accepts_a_correct_answer():
    result = check_triangular(triangle)
    assert result.passed and "✅" in result.message


def test_triangular_checker_explains_mistakes():
    def not_yet(step, base_lr, max_lr, step_size_up):
        raise NotImplementedError

    def no_repeat(step, base_lr, max_lr, step_size_up):
        up = min(step, 2 * step_size_up)
        return base_lr + (max_lr - base_lr) * (1 - abs(up / step_size_up - 1))

    def starts_high(step, base_lr, max_lr, step_size_up):
        return triangle(step + step_size_up, base_lr, max_lr, step_size_up)

    assert "Not implemented yet" in check_triangular(not_yet).message
    repeat = check_triangular(no_repeat)
    assert not repeat.passed and "repeat" in repeat.message
    high = check_triangular(starts_high)
    assert not high.passed and "step 0" in high.message and "expected 0.001" in high.message


def test_smoothing_checker():
    def smooth(losses, beta):
        out, avg = [], 0.0
        for i, loss in enumerate(losses):
            avg = beta * avg + (1 - beta) * loss
            out.append(avg / (1 - beta ** (i + 1)))
        return out

    def uncorrected(losses, beta):
        out, avg = [], 0.0
        for loss in losses:
            avg = beta * avg + (1 - beta) * loss
            out.append(avg)
        return out

    assert check_smoothing(smooth).passed
    wrong = check_smoothing(uncorrected)
    assert not wrong.passed and "bias correction" in wrong.message


def test_figure_fits_a_760_px_output_area(playground):
    width, _ = playground.fig.get_size_inches()
    assert width * playground.fig.dpi <= 740


@pytest.mark.parametrize("steps", [float("nan"), 19, 25.5, "100"])
def test_bad_steps_name_the_argument(steps):
    with pytest.raises(ValueError, match="steps"):
        SchedulePlayground(steps=steps)


def test_moving_sliders_after_a_redraw_still_never_compiles(playground):
    """The lesson's own sequence (sgdr restarts, then one-cycle's final divisor) compiles nothing."""
    c = playground.controls
    with count_compilations() as count:
        c["schedule"].value = "sgdr"
        c["lr"].value, c["period"].value, c["period_mult"].value = 0.1, 30, 2
        c["schedule"].value = "one_cycle"
        for value in (1.0, 10.0, 1e4):
            c["final_div_factor"].value = value
    assert count.compiles == 0, count
    restarts = np.flatnonzero(np.diff(playground.curves(**{k: w.value for k, w in c.items()})[0]) > 0)
    assert restarts.tolist() == list(range(restarts.size))  # one rise from step 0: no restart
