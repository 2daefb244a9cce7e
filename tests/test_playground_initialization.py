"""Lesson 05 playground: signals through a deep wide net (against NumPy), controls, no recompilation."""

import math

import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.compilation import count_compilations
from lesson_lib.init import SCHEMES
from lesson_lib.playground.initialization import GAIN_RANGE, InitializationPlayground, step_outlines
from lesson_lib.signals import NONLINEARITIES
from lesson_lib.plots.initialization import MAX_WIDTH

from references import numpy_signals  # noqa: E402


def test_step_outlines():
    edges = np.array([0.0, 1.0, 2.0])
    outline = step_outlines(edges, np.array([[0.5, 0.25]]))
    expected = [[0, 1], [0, 0.5], [1, 0.5], [1, 0.75], [2, 0.75], [2, 1]]
    np.testing.assert_allclose(outline[0], expected)


@pytest.fixture(scope="module")
def playground():
    pg = InitializationPlayground(width=32, batch=16, max_depth=8, depth=5)
    pg.fig.canvas.draw()
    yield pg
    plt.close(pg.fig)


def numpy_std(pg, depth, scheme, nonlinearity, gain):
    factory, _ = SCHEMES[scheme]
    weights = gain * np.asarray(pg._unit_weights[scheme], float)
    h, d = numpy_signals(weights, pg._x, pg._r, nonlinearity, depth)
    return h.std(axis=(1, 2)), d.std(axis=(1, 2))


@pytest.mark.slow
def test_playground_statistics_match_numpy(playground):
    pg = playground
    pg.controls["nonlinearity"].value = "relu"
    pg.controls["scheme"].value = "he_uniform"
    assert pg.controls["gain"].value == pytest.approx(math.sqrt(2.0))  # the scheme's default
    pg.controls["gain"].value = 1.7
    pg.controls["depth"].value = 6
    assert pg.last_error is None
    h_std, d_std = numpy_std(pg, 6, "he_uniform", "relu", 1.7)
    np.testing.assert_allclose(pg.std[0, :6], h_std, rtol=1e-3)
    np.testing.assert_allclose(pg.std[1, :6], d_std, rtol=1e-3)
    assert "he_uniform (gain 1.70), relu, depth 6" in pg.status.value
    counts, _ = pg.compute(6, "he_uniform", "relu", 1.7)
    assert counts.shape == (2, 8, pg.bins)
    assert (counts[:, :6].sum(axis=2) == 16 * 32).all()  # every value lands in a bin
    # The drawn histograms: one outline per visible layer.
    assert len(pg.histograms[0].get_paths()) == 6


@pytest.mark.slow
def test_unit_weights_scale_to_the_library_schemes(playground):
    """The playground's gain-1 weights times the gain are the library's scheme at that gain."""
    for scheme, (factory, _) in SCHEMES.items():
        unit = np.asarray(playground._unit_weights[scheme][0])
        direct = np.asarray(factory(2.0)(jax.random.key(1), (32, 32)))
        assert np.std(2.0 * unit) == pytest.approx(np.std(direct), rel=0.15)
    # He and Xavier coincide on square layers (same key): He's default gain √2 is the difference.
    np.testing.assert_allclose(np.asarray(playground._unit_weights["he_normal"]),
                               np.asarray(playground._unit_weights["xavier_normal"]), rtol=1e-6)


def test_changing_scheme_resets_gain_with_one_refresh(playground):
    pg = playground
    calls = []
    original = pg.draw
    pg.draw = lambda result, **values: (calls.append(values), original(result, **values))[1]
    try:
        pg.controls["scheme"].value = "orthogonal"
    finally:
        del pg.draw
    assert len(calls) == 1 and calls[0]["gain"] == 1.0 and calls[0]["scheme"] == "orthogonal"


def test_no_recompilation_over_every_control(playground):
    pg = playground
    for nonlinearity in NONLINEARITIES:  # warm up: first draw already compiled
        pg.controls["nonlinearity"].value = nonlinearity
    with count_compilations() as count:
        for depth in range(1, pg.max_depth + 1):
            pg.controls["depth"].value = depth
        for gain in np.linspace(*GAIN_RANGE, 12):
            pg.controls["gain"].value = float(gain)
        for scheme in SCHEMES:
            pg.controls["scheme"].value = scheme
        for nonlinearity in NONLINEARITIES:
            pg.controls["nonlinearity"].value = nonlinearity
        pg.controls["gain"].value = GAIN_RANGE[1]
        pg.controls["depth"].value = pg.max_depth
    assert count.compiles == 0, count
    assert pg.last_error is None
    assert np.isfinite(pg.std).all()


def test_error_in_draw_is_shown(playground):
    pg = playground
    pg._unit_weights["orthogonal"], saved = None, pg._unit_weights["orthogonal"]
    pg.clear_cache()  # the inputs of compute changed
    try:
        pg.controls["scheme"].value = "xavier_uniform"
        pg.controls["scheme"].value = "orthogonal"
        assert pg.last_error is not None
        assert pg.errors.outputs and "This update failed" in pg.errors.outputs[0]["text"]
    finally:
        pg._unit_weights["orthogonal"] = saved
        pg.clear_cache()
    pg.controls["scheme"].value = "xavier_normal"
    assert pg.last_error is None


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="scheme"):
        InitializationPlayground(scheme="lecun")
    with pytest.raises(ValueError, match="nonlinearity"):
        InitializationPlayground(nonlinearity="gelu")
    with pytest.raises(ValueError, match="depth"):
        InitializationPlayground(depth=30, max_depth=20)
    with pytest.raises(ValueError, match="width"):
        InitializationPlayground(width=0)
    with pytest.raises(ValueError, match="limit"):
        InitializationPlayground(limit=float("nan"))
    with pytest.raises(ValueError, match="limit"):
        InitializationPlayground(limit=0.0)
    with pytest.raises(ValueError, match="bins must be an integer"):
        InitializationPlayground(bins="40")


@pytest.mark.slow
def test_numpy_integers_are_accepted_like_python_ones():
    pg = InitializationPlayground(width=np.int64(16), batch=np.int32(4), max_depth=np.int64(6),
                                  depth=np.int64(3), bins=np.int64(10))
    assert pg.last_error is None and pg.status.value.startswith("xavier_normal (gain 1.00), tanh, depth 3")
    assert pg._x.shape == (4, 16) and pg.controls["depth"].max == 6


def test_a_grouped_scheme_and_gain_change_is_one_update_and_the_gain_given_wins(playground, monkeypatch):
    pg = playground
    pg.set(scheme="orthogonal", gain=2.0)
    draws = []
    original = type(pg).draw
    monkeypatch.setattr(pg, "draw", lambda *a, **k: draws.append(k["gain"]) or original(pg, *a, **k))
    pg.set(scheme="xavier_normal", gain=1.5)  # the scheme resets the gain, then 1.5 is set
    assert draws == [1.5] and pg.status.value.startswith("xavier_normal (gain 1.50)")
    monkeypatch.undo()
    pg.set(scheme="xavier_normal", gain=1.0)


def test_figure_fits_a_laptop_column(playground):
    width, height = playground.fig.get_size_inches()
    assert width <= MAX_WIDTH and height <= 6.5
    for ax in playground.axes:
        assert ax.get_title() and ax.get_xlabel()
        assert ax.title.get_fontsize() >= 8 and ax.xaxis.label.get_fontsize() >= 8
