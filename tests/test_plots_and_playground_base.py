"""The drawing machinery every lesson shares: divergence on loss curves, blitting, error display."""

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.playground.base import Playground, figure, float_slider, log_slider
from lesson_lib.plots import LOSS_LIM, Blitter, LossCurve, loss_axes, visible_losses


def test_visible_losses_stop_at_divergence_and_stay_in_the_axis():
    losses = np.array([1e3, 1.0, 1e-7, np.inf, np.nan])
    steps, values = visible_losses(losses, diverged_at=3)
    np.testing.assert_array_equal(steps, [0, 1, 2])
    np.testing.assert_array_equal(values, [LOSS_LIM[1], 1.0, LOSS_LIM[0]])
    steps, values = visible_losses(np.ones(4), None)
    assert len(steps) == 4 and np.all(np.isfinite(values))


@pytest.mark.slow
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
    """A minimal playground: plots lr·t² + shift and refuses lr above 5."""

    def __init__(self):
        super().__init__({"lr": log_slider("learning rate", 0.1, 1e-3, 10.0),
                          "shift": float_slider("shift", 0.0, -1.0, 1.0, 0.1)}, figsize=(4, 3))
        ax = self.fig.subplots()
        ax.set(xlim=(0, 4), ylim=(-1, 10), xlabel="t", ylabel="lr·t² + shift")
        self.line = self.moving(*ax.plot([], []))
        self.computed = []  # a test's window on the cache

    def compute(self, lr, shift):
        if lr > 5:
            raise RuntimeError("learning rate too large for this toy")
        self.computed.append((lr, shift))
        t = np.arange(5.0)
        return t, lr * t**2 + shift

    def draw(self, curve, lr, shift):
        self.line.set_data(*curve)
        return f"lr {lr:.2f}, shift {shift:.1f}"


def test_the_minimal_playground_fits_in_25_lines():
    import inspect

    assert len(inspect.getsource(_Squares).splitlines()) <= 25


def test_playground_calls_compute_and_draw_with_every_control_and_updates_status():
    pg = _Squares()
    assert pg.status.value == "lr 0.10, shift 0.0"
    pg.controls["shift"].value = 0.5
    assert pg.status.value == "lr 0.10, shift 0.5"
    assert pg.line.get_ydata()[2] == pytest.approx(0.1 * 4 + 0.5)
    assert "learning rate" in repr(pg.widget.children[0].children[0].description)
    assert pg.line.get_animated() and pg.line in pg.canvas.artists


@pytest.mark.slow
def test_every_control_is_linked_to_the_canvas_so_the_page_sends_moves_directly():
    pg = _Squares()
    assert pg.canvas.linked == list(pg.controls.values())
    extra = float_slider("extra", 0.0, 0.0, 1.0, 0.1)
    pg.add_controls({"extra": extra})
    assert pg.canvas.linked[-1] is extra


def test_figures_are_made_without_pyplot():
    before = plt.get_fignums()
    pg = _Squares()
    assert plt.get_fignums() == before
    assert type(pg.fig.canvas).__name__ == "FigureCanvasAgg"
    with pytest.raises(ValueError, match="figsize"):
        figure((9.0, 3.0))


def test_compute_is_cached_by_the_values_it_reads():
    pg = _Squares()
    pg.controls["shift"].value = 0.5
    pg.controls["shift"].value = 0.0
    assert pg.computed == [(0.1, 0.0), (0.1, 0.5)]  # back to 0.0: from the cache
    assert pg.status.value == "lr 0.10, shift 0.0"
    pg.clear_cache()
    pg.refresh()
    assert pg.computed[-1] == (0.1, 0.0) and len(pg.computed) == 3


def test_set_changes_several_controls_with_one_update():
    pg = _Squares()
    pg.set(lr=0.2, shift=-0.5)
    assert pg.computed == [(0.1, 0.0), (0.2, -0.5)]
    with pg.hold():
        pg.controls["lr"].value = 0.3
        pg.controls["shift"].value = 0.3
        assert pg.status.value == "lr 0.20, shift -0.5"  # nothing drawn inside the block
    assert pg.computed[-1] == (0.3, 0.3) and len(pg.computed) == 3
    with pytest.raises(ValueError, match="unknown controls .'speed'.*lr, shift"):
        pg.set(speed=1.0)


def test_an_exception_in_a_callback_is_shown_under_the_plot_then_cleared():
    pg = _Squares()
    pg.controls["lr"].value = 8.0  # must not raise into the widget machinery
    assert isinstance(pg.last_error, RuntimeError)
    shown = "".join(o.get("text", "") for o in pg.errors.outputs)
    assert "This update failed: RuntimeError" in shown and "too large" in shown
    pg.controls["lr"].value = 1.0
    assert pg.last_error is None and pg.errors.outputs == ()


class _Ordered(Playground):
    """A playground whose constructor calls the base last and sets controls first: order is free."""

    def __init__(self, start=0.5):
        control = float_slider("x", 0.0, 0.0, 1.0, 0.1)
        control.value = start  # before the base exists: no update, no error
        fig = figure((3, 2))
        (self.dot,) = fig.add_subplot(xlim=(0, 1), ylim=(0, 1)).plot([0.5], [0.5], "o")
        self.calls = 0
        super().__init__({"x": control}, [self.dot], fig=fig)
        self.offset = 0.25  # set after the base: the first update still sees it

    def draw(self, x):
        self.calls += 1
        self.dot.set_xdata([x + self.offset])
        return f"x = {x:.1f}"


def test_the_first_update_comes_after_the_whole_constructor():
    pg = _Ordered()
    assert pg.calls == 1 and pg.status.value == "x = 0.5"
    assert pg.dot.get_xdata()[0] == pytest.approx(0.75)


class _Coupled(_Squares):
    """A new shift pulls lr to 1 (in `changed`); a draw that moves a control is not re-entered."""

    def changed(self, name, value):
        if name == "shift":
            self.controls["lr"].value = 1.0
        if value == -1.0:
            raise RuntimeError("shift -1 is refused by changed")

    def draw(self, curve, lr, shift):
        self.draws = getattr(self, "draws", 0) + 1
        if shift == 1.0:
            self.controls["shift"].value = 0.9  # moves a control while drawing
        return super().draw(curve, lr, shift)


def test_changed_hook_sets_controls_for_one_update_and_errors_are_shown():
    pg = _Coupled()
    pg.controls["shift"].value = 0.5
    assert pg.values == {"lr": 1.0, "shift": 0.5}
    assert pg.computed[-1] == (1.0, 0.5) and len(pg.computed) == 2 and pg.draws == 2
    pg.controls["shift"].value = -1.0
    assert "shift -1 is refused" in str(pg.last_error) and pg.draws == 2
    pg.controls["shift"].value = 1.0  # draw sets shift 0.9: one more update, no recursion
    assert pg.values["shift"] == 0.9 and pg.status.value == "lr 1.00, shift 0.9"
    assert pg.draws == 4 and pg.last_error is None


def test_invalidate_rerenders_the_background_and_actions_show_errors():
    pg = _Squares()
    sent = []
    pg.canvas.send = lambda content, buffers=None: sent.append(content["type"])
    pg.canvas._on_message(pg.canvas, {"type": "ready", "ratio": 1.0}, [])
    pg.controls["shift"].value = 0.2
    assert sent == ["background", "frame", "frame"]
    pg.fig.axes[0].set_ylim(-2, 12)
    pg.invalidate()
    assert sent[-2:] == ["background", "frame"]
    failing = pg.action(lambda: 1 / 0, failure="Registering failed")
    failing(None)  # as a button click calls it
    assert isinstance(pg.last_error, ZeroDivisionError)
    assert pg.errors.outputs[0]["text"].startswith("Registering failed: ZeroDivisionError")
    pg.action(lambda: None)(None)
    assert pg.last_error is None and sent[-1] == "frame"


class _Clickable(_Squares):
    """A click on the axes sets the shift to the clicked height."""

    def clicked(self, ax, x, y):
        self.controls["shift"].value = round(y, 1)


def test_a_click_in_data_coordinates_reaches_clicked_and_updates_once():
    pg = _Clickable()
    ax = pg.fig.axes[0]
    pg.fig.canvas.draw()
    x_px, y_px = ax.transData.transform((2.0, 0.7))
    click = {"type": "click", "x": x_px, "y": pg.fig.bbox.height - y_px}  # origin top left
    pg.canvas._on_message(pg.canvas, click, [])  # as the browser sends it
    assert pg.values["shift"] == pytest.approx(0.7) and pg.status.value == "lr 0.10, shift 0.7"
    assert len(pg.computed) == 2


def test_a_subclass_that_skips_the_base_init_is_told():
    class Broken(Playground):
        def __init__(self):
            pass

    with pytest.raises(TypeError, match="must call Playground.__init__"):
        Broken()


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


MODULES = tuple(sorted(  # every lesson's playground module, found on disk, so a new one is held too
    p.stem for p in (Path(__file__).resolve().parent.parent / "lesson_lib" / "playground").glob("*.py")
    if p.stem not in ("__init__", "base", "canvas")))


@pytest.mark.parametrize("module", MODULES)
def test_lesson_playgrounds_use_the_base_and_stay_short(module):
    """No constructor over 30 lines; no private base machinery touched; no pyplot."""
    import ast
    from pathlib import Path

    import lesson_lib.playground as package

    source = (Path(package.__file__).parent / f"{module}.py").read_text()
    assert "pyplot" not in source and "_on_change" not in source
    assert "._show(" not in source and "blitter" not in source
    classes = [n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ClassDef)]
    assert classes, module
    for cls in classes:
        for item in cls.body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__":
                assert item.end_lineno - item.lineno + 1 <= 30, f"{cls.name}.__init__ is too long"


def test_setup_notebook_reads_a_read_only_cache_without_a_warning_per_program(tmp_path, monkeypatch):
    import os
    import warnings

    import jax

    from lesson_lib.playground.base import setup_notebook

    monkeypatch.setattr(warnings, "filters", list(warnings.filters))  # restored after the test
    before = jax.config.jax_compilation_cache_dir
    message = "Error writing persistent compilation cache entry for 'jit_f': PermissionError: denied"
    try:
        setup_notebook(str(tmp_path))  # writable: JAX's warning stays
        with pytest.warns(UserWarning, match="Error writing persistent"):
            warnings.warn(message)
        writable = os.access
        monkeypatch.setattr(os, "access", lambda path, mode: False if str(path) == str(tmp_path) else writable(path, mode))
        assert setup_notebook(str(tmp_path)) == "inline"  # outside a notebook
        assert jax.config.jax_compilation_cache_dir == str(tmp_path)
        with warnings.catch_warnings(record=True) as shown:
            warnings.warn(message)
        assert not shown
    finally:
        jax.config.update("jax_compilation_cache_dir", before)
