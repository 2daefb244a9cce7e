"""Lesson 12 playgrounds: every control changes the drawing, no slider recompiles, errors are shown."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib.challenges import WELLS_BOUNDS, cliff as cliff_loss, quadratic, wells
from lesson_lib.compilation import count_compilations
from lesson_lib.playground.challenges import (
    ClippingPlayground, ConditionPlayground, SwarmPlayground, condition_start,
)
from lesson_lib.plots.challenges import MAX_WIDTH
from lesson_lib.second_order import clipped_descent
from lesson_lib.swarm import particle_swarm
from lesson_lib.train import gradient_descent


@pytest.fixture(scope="module")
def bowl():
    return ConditionPlayground()


@pytest.fixture(scope="module")
def cliff():
    return ClippingPlayground()


@pytest.fixture(scope="module")
def flock():
    return SwarmPlayground(max_particles=12, steps=10)


def snapshot(pg):
    return [np.array(artist.get_xydata() if hasattr(artist, "get_xydata") else artist.get_data(),
                     dtype=float) for artist in pg.canvas.artists]


def changes(pg, **values):
    before = snapshot(pg)
    pg.set(**values)
    after = snapshot(pg)
    assert pg.last_error is None, pg.last_error
    return any(a.shape != b.shape or not np.allclose(a, b, equal_nan=True) for a, b in zip(before, after))


@pytest.mark.slow
def test_condition_controls_change_the_drawing(bowl):
    assert changes(bowl, kappa=300.0)
    assert changes(bowl, lr=0.004)


@pytest.mark.slow
def test_condition_status_against_the_stability_limit(bowl):
    bowl.set(kappa=100.0, lr=0.019)
    assert "< 2/κ = 2.0e-02" in bowl.status.value and "first step raises the loss: no" in bowl.status.value
    bowl.set(lr=0.03)
    assert "diverged at step" in bowl.status.value and "raises the loss: yes" in bowl.status.value
    bowl.set(kappa=1.0, lr=0.5)
    assert "loss ≤ 0.001 after 5 steps" in bowl.status.value  # loss 1 · (1 − 0.5)^(2k) ≤ 1e-3 from k = 5


def test_condition_start_holds_equal_losses():
    start = condition_start(400.0)
    assert 0.5 * start[0] ** 2 == pytest.approx(0.5 * 400.0 * start[1] ** 2)


@pytest.mark.slow
def test_clipping_controls_change_the_drawing(cliff):
    assert changes(cliff, mode="none")
    assert changes(cliff, mode="value")
    assert changes(cliff, mode="norm", threshold=0.1)
    assert changes(cliff, lr=0.1)


@pytest.mark.slow
def test_clipping_bounds_the_longest_step(cliff):
    cliff.set(mode="norm", threshold=0.5, lr=0.3)
    assert cliff.longest_step == pytest.approx(0.15, abs=1e-4)
    cliff.set(mode="none")
    assert cliff.longest_step > 5


@pytest.mark.slow
def test_swarm_controls_change_the_drawing(flock):
    assert changes(flock, n_particles=5)
    assert changes(flock, inertia=0.2)
    assert changes(flock, c1=0.5)
    assert changes(flock, c2=2.5)
    assert changes(flock, step=3)
    assert changes(flock, start="small square")


@pytest.mark.slow
def test_swarm_draws_only_the_active_particles(flock):
    flock.set(n_particles=4, step=2)
    assert len(flock.particles.get_xdata()) == 4
    assert "4 particles" in flock.status.value and "step 2" in flock.status.value


@pytest.mark.parametrize("name", ["bowl", "cliff", "flock"])
def test_no_recompilation_over_every_control(name, request):
    pg = request.getfixturevalue(name)
    moves = {
        "bowl": [dict(kappa=k, lr=lr) for k in (1.0, 37.0, 999.0) for lr in (0.001, 0.05, 0.9)],
        "cliff": [dict(mode=m, threshold=t, lr=lr) for m in ("none", "norm", "value")
                  for t in (0.01, 3.0, 100.0) for lr in (0.02, 0.5)],
        "flock": [dict(n_particles=n, inertia=w, c1=c, c2=3.0 - c, step=s, start=where)
                  for n in (2, 7, 12) for w in (0.0, 1.2) for c in (0.0, 2.0) for s in (0, 10)
                  for where in SwarmPlayground.START_OPTIONS],
    }[name]
    pg.set(**moves[0])
    with count_compilations() as count:
        for values in moves:
            pg.set(**values)
    assert count.compiles == 0
    assert pg.last_error is None


@pytest.mark.slow
def test_errors_are_shown_not_raised():
    pg = ConditionPlayground(steps=5)

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    pg.draw = broken
    pg.set(kappa=2.0)
    assert isinstance(pg.last_error, RuntimeError)
    assert any("boom" in out.get("text", "") for out in pg.errors.outputs)


@pytest.mark.parametrize("make, name", [
    (lambda: ConditionPlayground(steps=0), "steps"),
    (lambda: ClippingPlayground(threshold=-1.0), "threshold"),
    (lambda: SwarmPlayground(max_particles=1), "max_particles"),
    (lambda: SwarmPlayground(key=0), "key"),
    (lambda: SwarmPlayground(square_side=0.0), "square_side"),
    (lambda: SwarmPlayground(square_side=9.0), "square_side"),
])
def test_bad_arguments(make, name):
    with pytest.raises(ValueError, match=name):
        make()


@pytest.mark.slow
def test_figures_fit_and_describe_themselves(bowl, cliff, flock):
    for pg in (bowl, cliff, flock):
        width, height = pg.fig.get_size_inches()
        assert width <= MAX_WIDTH and height <= 5
        bundle = pg._repr_mimebundle_()
        assert "image/png" in bundle and "Run the notebook" in bundle["text/plain"]


def click(pg, ax, x, y):
    """Send the canvas a click at data point `(x, y)` of `ax`, as the browser would."""
    pg.fig.canvas.draw()
    x_px, y_px = ax.transData.transform((x, y))
    pg.canvas._on_message(pg.canvas, {"type": "click", "x": x_px, "y": pg.fig.bbox.height - y_px}, [])


@pytest.mark.slow
def test_a_click_on_the_bowl_starts_the_path_there_for_every_kappa():
    pg = ConditionPlayground(steps=30)
    click(pg, pg.ax_map, -1.2, 0.5)
    for kappa in (10.0, 200.0):
        pg.set(kappa=kappa, lr=0.004)
        run = gradient_descent(quadratic, jnp.array([-1.2, 0.5]), 0.004, 30, args=(jnp.float32(kappa),))
        np.testing.assert_allclose(np.column_stack(pg.path.get_data()), np.asarray(run.params), rtol=1e-5, atol=1e-6)
    click(pg, pg.fig.axes[1], 10, 1.0)  # the loss panel: no new start
    assert pg.path.get_data()[0][0] == pytest.approx(-1.2) and pg.last_error is None


@pytest.mark.slow
def test_a_click_on_the_cliff_moves_the_start_and_the_path_follows():
    pg = ClippingPlayground(steps=40)
    click(pg, pg.ax_map, 2.0, -1.0)
    pg.set(mode="value", threshold=0.5, lr=0.2)
    run = clipped_descent(cliff_loss, jnp.array([2.0, -1.0]), 0.2, 40, threshold=0.5, mode="value")
    path = np.asarray(run.params)[: run.diverged_at]
    np.testing.assert_allclose(np.column_stack(pg.path.get_data()), np.clip(path, -1e4, 1e4), rtol=1e-5, atol=1e-5)
    assert tuple(pg.start_mark.get_xdata()) == (pytest.approx(2.0),) and pg.last_error is None


@pytest.mark.slow
def test_a_click_on_the_swarm_map_starts_the_whole_swarm_in_a_square_there():
    pg = SwarmPlayground(max_particles=12, steps=10, square_side=1.0)
    pg.set(step=0)
    spread = np.column_stack(pg.particles.get_data())
    assert np.ptp(spread, axis=0).min() > 2.0, "by default the swarm starts over the whole box"
    click(pg, pg.ax_map, 2.0, 2.5)  # the well at the top right
    assert pg.controls["start"].value == "small square" and pg.last_error is None
    start = np.column_stack(pg.particles.get_data())
    assert np.all(np.abs(start - [2.0, 2.5]) <= 0.5 + 1e-6), start
    outline = np.column_stack(pg.square_outline.get_data())
    np.testing.assert_allclose([outline.min(axis=0), outline.max(axis=0)], [[1.5, 2.0], [2.5, 3.0]])
    active = pg.controls["n_particles"].value
    run = particle_swarm(wells, WELLS_BOUNDS, n_particles=12, steps=10, key=jax.random.key(0),
                         active=active, start=[(1.5, 2.5), (2.0, 3.0)])
    np.testing.assert_allclose(start, np.asarray(run.positions[0, :active]), atol=1e-6)
    with count_compilations() as count:
        click(pg, pg.ax_map, -3.9, -3.9)  # a corner: the square is moved inside the box
    assert count.compiles == 0
    start = np.column_stack(pg.particles.get_data())
    assert np.all(start >= -4.0) and np.all(start <= -3.0)
    pg.set(start="whole box")
    assert np.ptp(np.column_stack(pg.particles.get_data()), axis=0).min() > 2.0
    assert len(pg.square_outline.get_xdata()) == 0
    click(pg, pg.fig.axes[1], 5, -1.0)  # the best-so-far panel: nothing changes
    assert pg.controls["start"].value == "whole box"
