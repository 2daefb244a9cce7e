"""Lesson 12 figures: they draw what they are given, fit the page, and refuse bad input."""

from types import SimpleNamespace

import jax
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib import challenges
from lesson_lib.plots import challenges as figures
from lesson_lib.swarm import particle_swarm


def fits(fig):
    width, height = fig.get_size_inches()
    return width <= figures.MAX_WIDTH and height <= 5


def test_paths_figure_draws_each_run_and_stops_at_divergence():
    good = SimpleNamespace(params=np.linspace([0, 0], [1, 1], 5), losses=np.linspace(1, 0.1, 5),
                           diverged_at=None)
    bad = SimpleNamespace(params=np.array([[0.0, 0.0], [1.0, 1.0], [np.inf, np.inf]]),
                          losses=np.array([1.0, 2.0, np.inf]), diverged_at=2)
    fig = figures.paths_figure(lambda p: jnp.sum(p ** 2) + 0.1, {"good": good, "bad": bad},
                               xlim=(-1, 2), ylim=(-1, 2), title="two runs", minimum=(0, 0))
    ax_map, ax_loss = fig.axes
    paths = [line for line in ax_map.get_lines() if line.get_label() in ("good", "bad")]
    assert [len(line.get_xdata()) for line in paths] == [5, 2]
    assert [line.get_label() for line in ax_loss.get_lines()] == ["good", "bad"]
    assert ax_loss.get_yscale() == "log" and fits(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="runs"):
        figures.paths_figure(lambda p: jnp.sum(p ** 2), {}, xlim=(0, 1), ylim=(0, 1), title="")
    with pytest.raises(ValueError, match="xlim"):
        figures.paths_figure(lambda p: jnp.sum(p ** 2), {"good": good}, xlim=(1, 0), ylim=(0, 1),
                             title="")


def test_step_change_figure_sums_the_terms():
    lrs = np.geomspace(1e-3, 1e-1, 5)
    first, second = -lrs, 20 * lrs ** 2
    fig = figures.step_change_figure(lrs, first, second, 0.05, title="t")
    total = fig.axes[0].get_lines()[2]
    np.testing.assert_allclose(total.get_ydata(), first + second)
    assert fig.axes[0].get_xscale() == "log" and fits(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="lrs"):
        figures.step_change_figure(lrs, first[:3], second, 0.05, title="t")


def test_index_figure_plots_the_mean_loss_per_index():
    values = np.array([-2.0, -1.0, -1.2, 1.0])
    index = np.array([0.0, 0.5, 0.5, 1.0])
    fig = figures.index_figure(values, index, dims=2)
    means = fig.axes[0].get_lines()[0]
    np.testing.assert_allclose(means.get_xdata(), [-2.0, -1.1, 1.0])
    assert fits(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="values"):
        figures.index_figure([], [], dims=2)


@pytest.mark.slow
def test_powers_and_swarm_figures():
    fig = figures.powers_figure({"a": [1, 2, 4], "b": [1, 0.5, 0.25]}, title="t")
    assert len(fig.axes[0].get_lines()) == 2 and fits(fig)
    plt.close(fig)
    with pytest.raises(ValueError, match="norms"):
        figures.powers_figure({}, title="t")
    run = particle_swarm(challenges.wells, challenges.WELLS_BOUNDS, n_particles=6, steps=4,
                         key=jax.random.key(0))
    fig = figures.swarm_figure(challenges.wells, run, bounds=challenges.WELLS_BOUNDS, steps=(0, 4))
    assert len(fig.axes) == 2 and fits(fig)
    dots = fig.axes[1].get_lines()[0]
    np.testing.assert_allclose(dots.get_xdata(), np.asarray(run.positions)[4, :, 0])
    plt.close(fig)
    with pytest.raises(ValueError, match="steps"):
        figures.swarm_figure(challenges.wells, run, bounds=challenges.WELLS_BOUNDS, steps=(0, 9))
