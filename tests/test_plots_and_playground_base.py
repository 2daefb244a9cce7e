"""The drawing machinery every lesson shares: divergence on loss curves, blitting, error display."""

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.playground.base import Playground, float_slider, log_slider
from lesson_lib.plots import LOSS_LIM, Blitter, LossCurve, loss_axes, visible_losses


def test_visible_losses_stop_at_divergence_and_stay_in_the_axis():
    losses = np.array([1e3, 1.0, 1e-7, np.inf, np.nan])
    steps, values = visible_losses(losses, diverged_at=3)
    np.testing.assert_array_equal(steps, [0, 1, 2])
    np.testing.assert_array_equal(values, [LOSS_LIM[1], 1.0, LOSS_LIM[0]])
    steps, values = visible_losses(np.ones(4), None)
    assert len(steps) == 4 and np.all(np.isfinite(values))


def test_loss_curve_marks_divergence_and_hides_the_mark_otherwise():
    fig, ax = plt.subplots()
    curve = LossCurve(loss_axes(ax, 10))
    curve.update(np.array([1.0, 10.0, np.inf]), diverged_at=2)
    assert curve.marker.get_visible() and "step 2" in curve.label.get_text()
    assert tuple(curve.marker.get_data()[1]) == (LOSS_LIM[1],)
    curve.update(np.array([1.0, 0.5, 0.25]), diverged_at=None)
    assert not curve.marker.get_visible()
    fig.canvas.draw()  # renders without warnings about non-finite values
    plt.close(fig)


def test_blitter_paints_only_on_a_cached_background():
    fig, ax = plt.subplots()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    (line,) = ax.plot([0, 1], [0, 0], lw=8, color="red")
    blitter = Blitter(fig.canvas, [line])
    assert line.get_animated()
    fig.canvas.draw()
    assert blitter.background is not None
    before = np.asarray(fig.canvas.buffer_rgba()).copy()
    line.set_ydata([1, 1])
    blitter.update()
    after = np.asarray(fig.canvas.buffer_rgba())
    assert not np.array_equal(before, after)
    plt.close(fig)


class _Squares(Playground):
    """A minimal playground: plots lr·t² and refuses lr above 5."""

    def __init__(self):
        with plt.ioff():
            fig, ax = plt.subplots()
        (self.line,) = ax.plot([], [])
        controls = {"lr": log_slider("learning rate", 0.1, 1e-3, 10.0),
                    "shift": float_slider("shift", 0.0, -1.0, 1.0, 0.1)}
        super().__init__(fig, controls, [self.line])

    def draw(self, lr, shift):
        if lr > 5:
            raise RuntimeError("learning rate too large for this toy")
        t = np.arange(5.0)
        self.line.set_data(t, lr * t**2 + shift)
        self.status.value = f"lr {lr:.2f}, shift {shift:.1f}"


def test_playground_calls_draw_with_every_control_and_updates_status():
    pg = _Squares()
    assert pg.status.value == "lr 0.10, shift 0.0"
    pg.controls["shift"].value = 0.5
    assert pg.status.value == "lr 0.10, shift 0.5"
    assert pg.line.get_ydata()[2] == pytest.approx(0.1 * 4 + 0.5)
    assert "learning rate" in repr(pg.widget.children[0].children[0].description)
    plt.close(pg.fig)


def test_an_exception_in_a_callback_is_shown_under_the_plot_then_cleared():
    pg = _Squares()
    pg.controls["lr"].value = 8.0  # must not raise into the widget machinery
    assert isinstance(pg.last_error, RuntimeError)
    shown = "".join(o.get("text", "") for o in pg.errors.outputs)
    assert "RuntimeError" in shown and "too large" in shown
    pg.controls["lr"].value = 1.0
    assert pg.last_error is None and pg.errors.outputs == ()
    plt.close(pg.fig)


def test_blitter_never_pastes_a_background_of_another_size():
    """ipympl resizes the figure when a browser attaches: the cached background must go."""
    fig, ax = plt.subplots(figsize=(4, 3))
    (line,) = ax.plot([0, 1], [0, 1])
    blitter = Blitter(fig.canvas, [line])
    fig.canvas.draw()
    assert blitter.background is not None
    fig.set_size_inches(5, 3)  # a new size, as a browser's resize message sets it
    blitter.update()           # must redraw in full, not blit the 4×3 background
    assert blitter._size == fig.canvas.get_width_height(physical=True)
    from matplotlib.backend_bases import ResizeEvent

    ResizeEvent("resize_event", fig.canvas)._process()
    assert blitter.background is None
    plt.close(fig)
