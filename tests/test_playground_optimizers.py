"""Lesson 06 playgrounds on an Agg canvas: right numbers, no recompilation, visible errors."""

import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from lesson_lib import optim  # noqa: E402
from lesson_lib.compilation import count_compilations  # noqa: E402
from lesson_lib.playground import optimizers as pgo  # noqa: E402
from lesson_lib.train import first_step_below, gradient_descent, optimize  # noqa: E402


@pytest.fixture(scope="module")
def race():
    pg = pgo.OptimizerRacePlayground(steps=120)
    pg.fig.canvas.draw()
    return pg


def test_race_draws_the_trajectories_of_the_library(race):
    race.controls["landscape"].value = "ill-conditioned bowl (κ = 50)"
    race.controls["lr"].value = 0.02
    race.controls["step"].value = 120
    course = race.courses["ill-conditioned bowl (κ = 50)"]
    run = optimize(course.loss, jnp.asarray(course.start), optim.make("momentum", learning_rate=0.02,
                   momentum=race.controls["momentum"].value), 120)
    x, y = race.paths["momentum"].get_data()
    np.testing.assert_allclose(np.c_[x, y], np.asarray(run.params), rtol=1e-5, atol=1e-6)
    expected = first_step_below(run.losses, course.threshold)
    assert f"momentum: {expected}" in race.status.value
    assert race.last_error is None


def test_play_slices_without_recomputing(race, monkeypatch):
    race.controls["step"].value = 120
    calls = []
    monkeypatch.setattr(pgo, "optimize", lambda *a, **k: calls.append(1))
    for step in (0, 1, 37, 120):
        race.controls["step"].value = step
        x, _ = race.paths["adam"].get_data()
        assert len(x) == step + 1
        assert race.status.value.startswith(f"step {step}/120")
        assert race.step_line.get_xdata()[0] == step
    assert calls == [] and race.last_error is None


def test_no_recompilation_on_any_control(race):
    sweeps = {
        "lr": np.geomspace(1e-4, 1.0, 6), "adaptive_lr": np.geomspace(1e-4, 1.0, 6),
        "momentum": np.linspace(0.0, 0.99, 5), "b1": np.linspace(0.0, 0.99, 4),
        "b2": [0.9, 0.99, 0.9999], "decay": [0.5, 0.9, 0.999], "step": [0, 60, 120],
    }
    names = list(race.courses)
    for name in names:  # first visit of each course compiles its loss once
        race.controls["landscape"].value = name
    with count_compilations() as count:
        for name in names:
            race.controls["landscape"].value = name
            for control, values in sweeps.items():
                for value in values:
                    race.controls[control].value = value
    assert count.compiles == 0
    assert race.last_error is None


def test_saddle_adaptive_methods_escape_first(race):
    race.controls["landscape"].value = "saddle x² − y²"
    finish = race.steps_to_finish()
    assert finish["adam"] < finish["sgd"] and finish["rmsprop"] < finish["sgd"]


def test_divergence_is_shown_not_raised(race):
    race.controls["landscape"].value = "ill-conditioned bowl (κ = 50)"
    race.controls["lr"].value = 0.5
    assert race.last_error is None
    assert "sgd: diverged at" in race.status.value
    x, _ = race.paths["sgd"].get_data()
    assert np.all(np.isfinite(x))


def test_errors_in_draw_are_shown(race, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(race, "trajectories", broken)
    race.controls["lr"].value = 0.0123
    assert isinstance(race.last_error, RuntimeError)
    assert "boom" in str(race.errors.outputs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="sgd, momentum"):
        pgo.OptimizerRacePlayground(optimizers=("sgd", "lbfgs"))
    with pytest.raises(ValueError, match="landscape"):
        pgo.OptimizerRacePlayground(landscape="moon")


@pytest.fixture(scope="module")
def batches():
    pg = pgo.MiniBatchPlayground(n=32, steps=60)
    pg.fig.canvas.draw()
    return pg


def test_full_batch_mean_is_gradient_descent(batches):
    path, batch, full, diverged = batches.run(32, "mean", 0.1)
    loss = lambda p, x, y: pgo.full_line_fit_loss(p, x, y)  # noqa: E731
    reference = gradient_descent(pgo.full_line_fit_loss, batches.start, 0.1, 60,
                                 args=(batches.x, batches.y))
    np.testing.assert_allclose(path, np.asarray(reference.params), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(batch, full, rtol=1e-4)
    assert diverged is None and loss is not None


def test_sum_is_mean_with_a_batch_size_times_larger_rate(batches):
    summed, *_ = batches.run(8, "sum", 0.01)
    averaged, *_ = batches.run(8, "mean", 0.08)
    np.testing.assert_allclose(summed, averaged, rtol=1e-4, atol=1e-5)


def test_smaller_batches_wiggle_more(batches):
    def wiggle(size):
        _, batch, _, _ = batches.run(size, "mean", 0.05)
        return np.std(np.diff(np.log(batch[20:])))

    assert wiggle(2) > 2 * wiggle(16) > 0


def test_minibatch_controls_never_recompile(batches):
    batches.controls["reduction"].value = "sum"
    batches.controls["reduction"].value = "mean"
    with count_compilations() as count:
        for reduction in ("mean", "sum"):
            batches.controls["reduction"].value = reduction
            for size in range(1, 33, 5):
                batches.controls["batch_size"].value = size
            for lr in np.geomspace(1e-3, 1.0, 5):
                batches.controls["lr"].value = lr
    assert count.compiles == 0
    assert batches.last_error is None
    assert "diverged at step" in batches.status.value  # lr 1 with sum over 31 examples


def test_minibatch_bad_reduction(batches):
    with pytest.raises(ValueError, match="reduction"):
        batches.run(4, "median", 0.1)


def test_landscape_change_resets_learning_rates_and_axes(race):
    race.controls["landscape"].value = "Rosenbrock valley"
    course = race.courses["Rosenbrock valley"]
    assert race.controls["lr"].value == pytest.approx(course.lr, rel=1e-6)
    assert race.ax_map.get_xlim() == course.xlim
    assert race.ax_loss.get_yscale() == "log"
    race.controls["landscape"].value = "saddle x² − y²"
    assert race.ax_loss.get_yscale() == "linear"
    assert race.status.value.endswith(
        ", ".join(f"{n}: {race.steps_to_finish()[n]}" for n in race.names))


def test_widget_layout_has_play_and_step_slider(race):
    view = race.widget
    children = view.children[0].children
    assert race.controls["step"] in children and race.step_slider in children
