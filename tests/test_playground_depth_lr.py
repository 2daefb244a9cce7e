"""Tests of lesson 04's depth × learning-rate playground (Agg backend); its checkers: test_exercises_depth_lr."""

import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import data, narrow_sweep, nets
from lesson_lib.compilation import count_compilations
from lesson_lib.playground.depth_lr import DepthLRPlayground, describe_cell
from lesson_lib.plots.learning_rate import MAX_WIDTH

DEPTHS = np.arange(1, 13)
LRS = np.geomspace(1e-3, 1.0, 31)
STEPS = 150


@pytest.fixture(scope="module")
def xy():
    x, y = data.linear_regression_data(n=100, key=jax.random.key(0))
    return np.asarray(x), np.asarray(y)


@pytest.fixture(scope="module")
def result(xy):
    return narrow_sweep.depth_lr_sweep(DEPTHS, LRS, init=0.9, steps=STEPS, x=xy[0], y=xy[1])


@pytest.fixture(scope="module")
def threshold(xy):
    return nets.narrow_solution(*xy).loss + 1e-3


@pytest.fixture
def playground(result, threshold):
    pg = DepthLRPlayground(result, threshold, depth=5, lr=0.05)
    pg.fig.canvas.draw()  # first display caches the blitting background
    yield pg
    plt.close(pg.fig)


def _first_settled(losses, threshold):
    """Reference for steps_to_converge on one curve, by a plain loop."""
    if not np.isfinite(losses).all() or losses[-1] > threshold:
        return -1
    t = len(losses) - 1
    while t > 0 and losses[t - 1] <= threshold:
        t -= 1
    return t


@pytest.mark.slow
def test_sliders_snap_to_the_grid(playground, result):
    playground.controls["lr"].value = 0.0507  # between grid points
    i, j = playground.cell(playground.controls["depth"].value, playground.controls["lr"].value)
    assert result.depths[i] == 5
    assert abs(np.log10(result.lrs[j]) - np.log10(0.0507)) <= 0.5 * np.log10(LRS[1] / LRS[0]) + 1e-9
    x_data, y_data = playground.curve.line.get_data()
    finite_end = len(x_data)
    expected = result.losses[i, j]
    end = len(expected) if result.diverged_at[i, j] < 0 else result.diverged_at[i, j]
    assert finite_end == end
    np.testing.assert_allclose(y_data, np.clip(expected[:end], 1e-4, 1e2))
    assert playground.cursor.get_data() == ([float(result.lrs[j])], [5])
    assert playground.controls["lr"].min == pytest.approx(-3)
    assert playground.controls["lr"].max == pytest.approx(0)
    assert playground.controls["lr"].step == pytest.approx(np.log10(LRS[1] / LRS[0]))


@pytest.mark.slow
def test_status_line_reads_the_grid(playground, result, threshold):
    for depth, lr in [(1, 1.0), (12, 1e-3), (3, 0.1), (8, 0.02)]:
        playground.controls["depth"].value = depth
        playground.controls["lr"].value = lr
        i, j = playground.cell(depth, lr)
        status = playground.status.value
        assert status.startswith(f"depth {depth}, lr ")
        if result.diverged_at[i, j] >= 0:
            assert status.endswith(f"diverged at step {result.diverged_at[i, j]}")
        else:
            settled = _first_settled(result.losses[i, j], threshold)
            if settled >= 0:
                assert f"from step {settled} on" in status
            else:
                assert "not converged" in status
    assert (result.diverged_at[0, -1] >= 0)  # lr = 1 diverges at depth 1 (edge ≈ 0.73)


@pytest.mark.slow
def test_register_button_grows_both_panels(playground, result, threshold):
    times = narrow_sweep.steps_to_converge(result.losses, threshold)
    best = narrow_sweep.best_lr_per_depth(result, threshold)
    for depth in [2, 9, 4]:
        i = depth - 1
        playground.controls["depth"].value = depth
        playground.controls["lr"].value = float(best.lrs[i])
        playground.register_button.click()
        assert playground.registered[depth] == (float(best.lrs[i]), int(times[i].min(where=times[i] >= 0, initial=10**9)))
    assert playground.time_line.get_data()[0] == [2, 4, 9]
    np.testing.assert_allclose(playground.lr_line.get_data()[1], best.lrs[[1, 3, 8]])
    assert playground.status.value.startswith("registered depth 4")
    # re-registering a depth replaces its point
    playground.controls["depth"].value = 9
    playground.controls["lr"].value = 1e-3
    playground.register_button.click()
    assert len(playground.time_line.get_data()[0]) == 3
    assert playground.registered[9][0] == pytest.approx(1e-3, rel=1e-6)


@pytest.mark.slow
def test_register_refuses_runs_that_do_not_converge(playground):
    playground.controls["depth"].value = 12
    playground.controls["lr"].value = 1.0
    before = dict(playground.registered)
    playground.register_button.click()
    assert playground.registered == before
    assert playground.status.value.startswith("not registered: depth 12")
    assert "diverged" in playground.status.value


@pytest.mark.slow
def test_slider_moves_never_compile_or_fail(playground):
    with count_compilations() as count:
        for depth in DEPTHS:
            playground.controls["depth"].value = int(depth)
        for lr in np.geomspace(1e-3, 1.0, 61):
            playground.controls["lr"].value = float(lr)
        playground.register_button.click()
    assert count.compiles == 0 and count.traces == 0
    assert playground.last_error is None


@pytest.mark.slow
def test_errors_in_draw_show_in_the_output_widget(playground, monkeypatch):
    def broken(*result, **values):
        raise RuntimeError("boom")

    monkeypatch.setattr(playground, "draw", broken)
    playground.controls["lr"].value = 0.3
    assert isinstance(playground.last_error, RuntimeError)
    assert "boom" in "".join(out["text"] for out in playground.errors.outputs)


@pytest.mark.slow
def test_widget_holds_controls_and_button(playground):
    controls = playground.widget.children[0].children
    assert playground.register_button in controls
    assert len(controls) == 3


def test_describe_cell_cases(result, threshold):
    times = narrow_sweep.steps_to_converge(result.losses, threshold)
    assert describe_cell(result, times, 0, 30, threshold).startswith("depth 1, lr 1.0e+00: diverged at step")


def test_bad_threshold(result):
    with pytest.raises(ValueError, match="threshold"):
        DepthLRPlayground(result, float("nan"))


@pytest.mark.parametrize(
    "kwargs, message",
    [(dict(depth=0), "depth must lie in the sweep's depths \\[1, 12\\]"),
     (dict(depth=float("nan")), "depth"),
     (dict(lr=5.0), "lr must lie in the sweep's learning rates"),
     (dict(lr=1e-5), "lr must lie"),
     (dict(lr=-0.1), "lr must be a finite number > 0"),
     (dict(lr=float("inf")), "lr")],
)
def test_out_of_range_starting_values_raise(result, threshold, kwargs, message):
    with pytest.raises(ValueError, match=message):
        DepthLRPlayground(result, threshold, **kwargs)


def test_result_must_be_a_sweep(threshold):
    with pytest.raises(ValueError, match="SweepResult"):
        DepthLRPlayground(np.ones((2, 3, 4)), threshold)


@pytest.mark.slow
def test_figure_fits_the_output_area(playground):
    width, height = playground.fig.get_size_inches()
    assert width <= MAX_WIDTH and height <= 7
