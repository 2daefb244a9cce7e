"""Lesson 09's playground and live dashboard: every control changes the run, nothing recompiles, errors show."""

import ipywidgets as widgets
import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import mlp, monitor, optim
from lesson_lib.compilation import count_compilations
from lesson_lib.mlp import scaled_weights as scaled_params
from lesson_lib.monitor import ratios_verdict
from lesson_lib.playground.babysitting import SIZES, BabysittingPlayground, LiveDashboard
from lesson_lib.plots.monitor import MAX_WIDTH


@pytest.fixture(scope="module")
def digits():
    return monitor.load_digits_split(1000, 500)


@pytest.fixture(scope="module")
def playground(digits):
    pg = BabysittingPlayground(digits, steps=100)
    pg.fig.canvas.draw()
    yield pg
    plt.close(pg.fig)


@pytest.mark.slow
def test_controls_are_a_log_learning_rate_a_log_init_scale_and_l2(playground):
    lr, scale, l2 = (playground.controls[k] for k in ("lr", "scale", "l2"))
    assert isinstance(lr, widgets.FloatLogSlider) and isinstance(scale, widgets.FloatLogSlider)
    assert (lr.base ** lr.min, lr.base ** lr.max) == pytest.approx((1e-4, 10.0))
    assert isinstance(l2, widgets.FloatSlider) and (l2.min, l2.max) == (0.0, 0.1)


@pytest.mark.slow
def test_the_run_is_the_library_run(playground, digits):
    pg = playground
    pg.controls["lr"].value = 0.05
    base = mlp.init_mlp(SIZES, key=jax.random.key(0))
    rec = monitor.train_monitored(scaled_params(base, 1.0), optim.make("sgd", learning_rate=0.05), 100,
                                  data=(digits.x, digits.y), val=(digits.x_val, digits.y_val),
                                  key=jax.random.key(1), every=20, histograms=True)
    np.testing.assert_allclose(pg.record.loss, rec.loss, rtol=1e-5)
    np.testing.assert_allclose(pg.dashboard.loss_line.get_ydata(), rec.loss, rtol=1e-5)
    pg.controls["lr"].value = 0.1


def test_status_reads_the_ratios(playground):
    pg = playground
    pg.controls["lr"].value = 1e-4
    assert pg.status.value.endswith("too low") and "w1 1e-05" in pg.status.value
    pg.controls["lr"].value = 0.1
    assert pg.status.value.endswith("healthy")
    pg.controls["scale"].value = 10.0
    assert pg.record.loss[0] > 5
    pg.controls["scale"].value = 1.0
    assert pg.last_error is None


def test_every_control_changes_the_pixels(playground):
    pg = playground
    for name, value in [("lr", 0.01), ("scale", 3.0), ("l2", 0.05)]:
        before = np.asarray(pg.fig.canvas.buffer_rgba()).copy()
        old = pg.controls[name].value
        pg.controls[name].value = value
        assert not np.array_equal(before, np.asarray(pg.fig.canvas.buffer_rgba())), name
        pg.controls[name].value = old


@pytest.mark.slow
def test_no_recompilation_over_every_slider(playground):
    pg = playground
    pg.controls["lr"].value = 0.2
    with count_compilations() as count:
        for lr in np.geomspace(1e-4, 10.0, 8):
            pg.controls["lr"].value = float(lr)
        for scale in np.geomspace(1e-2, 30.0, 6):
            pg.controls["scale"].value = float(scale)
        for l2 in np.linspace(0.0, 0.1, 5):
            pg.controls["l2"].value = float(l2)
    assert count.compiles == 0
    assert pg.last_error is None


@pytest.mark.slow
def test_errors_are_shown_not_raised(digits):
    pg = BabysittingPlayground(digits, steps=20)

    def broken(*result, **values):
        raise RuntimeError("boom")

    pg.draw = broken
    pg.controls["lr"].value = 0.2
    assert isinstance(pg.last_error, RuntimeError)
    assert any("boom" in out.get("text", "") for out in pg.errors.outputs)
    plt.close(pg.fig)


@pytest.mark.parametrize("kwargs, name", [
    (dict(lr=20.0), "lr"), (dict(lr=float("nan")), "lr"), (dict(scale=0.0), "scale"),
    (dict(l2=-0.1), "l2"), (dict(steps=30), "steps"), (dict(every=0), "every"),
    (dict(batch_size=0), "batch_size"), (dict(key=0), "key")])
def test_bad_arguments_are_refused(digits, kwargs, name):
    with pytest.raises(ValueError, match=name):
        BabysittingPlayground(digits, **kwargs)


def test_figure_fits_the_output_area(playground):
    width, height = playground.fig.get_size_inches()
    assert width <= MAX_WIDTH and height <= 5


@pytest.mark.slow
def test_live_dashboard_follows_chunks(digits):
    live = LiveDashboard(60, title="t")
    rec = monitor.train_monitored(scaled_params(mlp.init_mlp(SIZES, key=jax.random.key(0)), 1.0),
                                  optim.make("sgd", learning_rate=0.1), 60, data=(digits.x, digits.y),
                                  val=(digits.x_val, digits.y_val), key=jax.random.key(1), every=20,
                                  chunk=20, histograms=True, on_chunk=live.update)
    assert live.frames == 3
    assert len(live.dashboard.loss_line.get_xdata()) == rec.steps
    bundle = live._repr_mimebundle_()
    assert "image/png" in bundle and "text/plain" in bundle
    plt.close(live.fig)


def test_one_verdict_for_all_layers():
    assert ratios_verdict({"w1": 1e-3, "w2": 0.5}) == "too high"
    assert ratios_verdict({"w1": 1e-5, "w2": 1e-6}) == "too low"
    assert ratios_verdict({"w1": 1e-5, "w2": 1e-3}) == "healthy"


@pytest.mark.slow
def test_live_dashboard_trains_and_the_button_reruns(digits):
    base = scaled_params(mlp.init_mlp(SIZES, key=jax.random.key(0)), 1.0)

    def run_fn(key, on_chunk=None):
        return monitor.train_monitored(base, optim.make("sgd", learning_rate=0.1), 60,
                                       data=(digits.x, digits.y), val=(digits.x_val, digits.y_val),
                                       key=key, every=20, chunk=20, histograms=True, on_chunk=on_chunk)

    live = LiveDashboard(60, run_fn, title="t")
    first = live.train(jax.random.key(1))
    assert live.frames == 3 and live.runs == 1 and live.status.value.startswith("step 60:")
    before = np.asarray(live.fig.canvas.buffer_rgba()).copy()
    live.button.click()
    assert live.runs == 2 and live.last_error is None and live.frames == 6
    assert not np.array_equal(first.loss, live.record.loss)  # new mini-batches
    assert not np.array_equal(before, np.asarray(live.fig.canvas.buffer_rgba()))
    plt.close(live.fig)


@pytest.mark.slow
def test_live_dashboard_shows_a_failing_run():
    def broken(key, on_chunk=None):
        raise RuntimeError("boom")

    live = LiveDashboard(20, broken)
    live.button.click()
    assert isinstance(live.last_error, RuntimeError)
    assert any("boom" in out.get("text", "") for out in live.errors.outputs)
    with pytest.raises(ValueError, match="run_fn"):
        LiveDashboard(20).train(jax.random.key(0))
    plt.close(live.fig)
