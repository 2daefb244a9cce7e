"""Lesson 06 playgrounds on an Agg canvas: right numbers, no recompilation, visible errors."""

import jax
import jax.numpy as jnp
import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from lesson_lib import courses, optim  # noqa: E402
from lesson_lib.compilation import count_compilations  # noqa: E402
from lesson_lib.playground import optimizers as pgo  # noqa: E402
from lesson_lib.data import linear_regression_data  # noqa: E402
from lesson_lib.curves import first_step_below  # noqa: E402
from lesson_lib.train import gradient_descent, optimize  # noqa: E402


@pytest.fixture(scope="module")
def race():
    pg = pgo.OptimizerRacePlayground(steps=120)
    pg.fig.canvas.draw()
    return pg


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
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


@pytest.mark.slow
def test_saddle_adaptive_methods_escape_first(race):
    race.controls["landscape"].value = "saddle θ₁² − θ₂²"
    finish = race.steps_to_finish()
    assert finish["adam"] < finish["sgd"] and finish["rmsprop"] < finish["sgd"]


@pytest.mark.slow
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

    monkeypatch.setattr(race, "compute", broken)
    race.controls["lr"].value = 0.0123
    assert isinstance(race.last_error, RuntimeError)
    assert "boom" in str(race.errors.outputs)


def test_bad_arguments():
    with pytest.raises(ValueError, match="sgd, momentum"):
        pgo.OptimizerRacePlayground(optimizers=("sgd", "lbfgs"))
    with pytest.raises(ValueError, match="optimizers"):
        pgo.OptimizerRacePlayground(optimizers=())
    with pytest.raises(ValueError, match="optimizers"):
        pgo.OptimizerRacePlayground(optimizers="adam")
    with pytest.raises(ValueError, match="landscape"):
        pgo.OptimizerRacePlayground(landscape="moon")
    with pytest.raises(ValueError, match="steps"):
        pgo.OptimizerRacePlayground(steps=0)
    with pytest.raises(ValueError, match="interval_ms"):
        pgo.OptimizerRacePlayground(interval_ms=0)


def test_race_runs_all_seven_optimizers(race):
    assert race.names == optim.NAMES
    race.controls["landscape"].value = "ill-conditioned bowl (κ = 50)"
    for name in optim.NAMES:
        assert f"{name}: " in race.status.value


def test_race_adagrad_and_rprop_match_the_library(race):
    race.controls["landscape"].value = "saddle θ₁² − θ₂²"
    race.controls["adaptive_lr"].value = 0.05
    course = race.courses["saddle θ₁² − θ₂²"]
    for name in ("adagrad", "rprop"):
        run = optimize(course.loss, jnp.asarray(course.start),
                       optim.make(name, learning_rate=0.05), race.steps)
        x, y = race.paths[name].get_data()
        np.testing.assert_allclose(np.c_[x, y], np.asarray(run.params), rtol=1e-5, atol=1e-6)


@pytest.mark.slow
def test_figures_fit_a_760_pixel_output_area(race, batches):
    for fig in (race.fig, batches.fig):
        width, _ = fig.get_size_inches()
        assert width <= 7.4


@pytest.fixture(scope="module")
def batches():
    pg = pgo.MiniBatchPlayground(n=32, steps=60)
    pg.fig.canvas.draw()
    return pg


@pytest.mark.slow
def test_full_batch_mean_is_gradient_descent(batches):
    path, batch, full, diverged = batches.run(32, "mean", 0.1)
    reference = gradient_descent(courses.full_line_fit_loss, batches.start, 0.1, 60,
                                 args=(batches.x, batches.y))
    np.testing.assert_allclose(path, np.asarray(reference.params), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(batch, full, rtol=1e-4)
    assert diverged is None


def test_full_batch_reaches_the_least_squares_line(batches):
    # Independent reference: the normal equations in NumPy float64.
    x, y = np.asarray(batches.x, float), np.asarray(batches.y, float)
    design = np.c_[x, np.ones_like(x)]
    best = np.linalg.lstsq(design, y, rcond=None)[0]
    path, _, full, _ = batches.run(32, "mean", 0.3, steps=400)
    np.testing.assert_allclose(path[-1], best, atol=1e-3)
    assert full[-1] == pytest.approx(np.mean((design @ best - y) ** 2), rel=1e-4)


@pytest.mark.slow
def test_noise_floor_grows_as_the_batch_shrinks_and_with_the_rate(batches):
    x, y = np.asarray(batches.x, float), np.asarray(batches.y, float)
    design = np.c_[x, np.ones_like(x)]
    best_loss = np.mean((design @ np.linalg.lstsq(design, y, rcond=None)[0] - y) ** 2)

    def extra(size, lr):
        finals = [batches.run(size, "mean", lr, key=jax.random.key(k), steps=200)[2][-50:].mean()
                  for k in range(8)]
        return np.mean(finals) - best_loss

    assert extra(1, 0.1) > 2 * extra(4, 0.1) > 4 * extra(16, 0.1) > 0
    assert abs(extra(32, 0.1)) < 1e-4  # the full batch has no noise
    assert extra(1, 0.1) > 2 * extra(1, 0.03) > 0


def test_run_key_changes_the_batches_only(batches):
    a, *_ = batches.run(4, "mean", 0.1, key=jax.random.key(5))
    b, *_ = batches.run(4, "mean", 0.1, key=jax.random.key(6))
    c, *_ = batches.run(32, "mean", 0.1, key=jax.random.key(6))
    d, *_ = batches.run(32, "mean", 0.1, key=jax.random.key(5))
    assert np.abs(a - b).max() > 1e-3
    np.testing.assert_allclose(c, d, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs,argument", [
    (dict(batch_size=0), "batch_size"), (dict(batch_size=33), "batch_size"),
    (dict(lr=float("nan")), "lr"), (dict(lr=0.0), "lr"), (dict(lr=-1.0), "lr"),
    (dict(steps=0), "steps"),
])
def test_minibatch_run_rejects_bad_values(batches, kwargs, argument):
    args = dict(batch_size=4, reduction="mean", lr=0.1)
    args.update(kwargs)
    steps = args.pop("steps", None)
    with pytest.raises(ValueError, match=argument):
        batches.run(**args, steps=steps)


@pytest.mark.parametrize("kwargs,argument", [
    (dict(n=0), "n"), (dict(n=1), "n"), (dict(steps=0), "steps"), (dict(steps=-5), "steps"),
    (dict(key=0), "key"), (dict(key=np.zeros(2, np.uint32)), "key"), (dict(steps=2.5), "steps"),
])
def test_minibatch_playground_rejects_bad_sizes(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        pgo.MiniBatchPlayground(**kwargs)


@pytest.mark.slow
def test_minibatch_key_is_keyword_only_and_splits_into_data_and_batches():
    with pytest.raises(TypeError):
        pgo.MiniBatchPlayground(32, 60, jax.random.key(3))
    with pytest.raises(TypeError):
        pgo.MiniBatchPlayground(n=32, seed=0)
    pg = pgo.MiniBatchPlayground(n=32, steps=60, key=jax.random.key(3))
    data_key, batch_key = jax.random.split(jax.random.key(3))
    x, _ = linear_regression_data(n=32, slope=2.0, noise=0.5, key=data_key)
    np.testing.assert_array_equal(np.asarray(pg.x), np.asarray(x))
    assert np.array_equal(jax.random.key_data(pg.key), jax.random.key_data(batch_key))


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


@pytest.mark.slow
def test_landscape_change_resets_learning_rates_and_axes(race):
    race.controls["landscape"].value = "Rosenbrock valley"
    course = race.courses["Rosenbrock valley"]
    assert race.controls["lr"].value == pytest.approx(course.lr, rel=1e-6)
    assert race.ax_map.get_xlim() == course.xlim
    assert race.ax_loss.get_yscale() == "log"
    race.controls["landscape"].value = "saddle θ₁² − θ₂²"
    assert race.ax_loss.get_yscale() == "linear"
    assert race.status.value.endswith(
        ", ".join(f"{n}: {race.steps_to_finish()[n]}" for n in race.names))


def test_widget_layout_has_play_and_step_slider(race):
    view = race.widget
    children = view.children[0].children
    assert race.controls["step"] in children and race.step_slider in children


@pytest.mark.slow
def test_a_click_on_the_landscape_starts_the_race_there(race):
    race.controls["landscape"].value = "ill-conditioned bowl (κ = 50)"
    race.controls["step"].value = 120
    race.fig.canvas.draw()
    x_px, y_px = race.ax_map.transData.transform((1.0, -1.0))
    race.canvas._on_message(race.canvas, {"type": "click", "x": x_px,
                                          "y": race.fig.bbox.height - y_px}, [])
    start = race.starts["ill-conditioned bowl (κ = 50)"]
    np.testing.assert_allclose(start, (1.0, -1.0), atol=0.02)
    course = race.courses["ill-conditioned bowl (κ = 50)"]
    run = optimize(course.loss, jnp.asarray(start, jnp.float32),
                   optim.make("sgd", learning_rate=race.controls["lr"].value), 120)
    x, y = race.paths["sgd"].get_data()
    np.testing.assert_allclose(np.c_[x, y], np.asarray(run.params), rtol=1e-5, atol=1e-6)
    assert tuple(race.start_mark.get_xdata()) == (start[0],) and race.last_error is None
    x_px, y_px = race.ax_loss.transData.transform((10, 1.0))  # the loss panel: no new start
    race.canvas._on_message(race.canvas, {"type": "click", "x": x_px,
                                          "y": race.fig.bbox.height - y_px}, [])
    assert race.starts["ill-conditioned bowl (κ = 50)"] == start
    race.starts["ill-conditioned bowl (κ = 50)"] = tuple(course.start)
    race.clear_cache()
    race.refresh()
