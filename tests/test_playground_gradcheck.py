"""Lesson 08's playground: h, precision and formula drive the error-vs-h curve.

References: the derivative of f(θ) = ln(1 + e^{3θ}) cos θ written by hand, and the
Taylor error of each formula (one-sided ≈ h |f''| / (2 |f'|)).
"""

import ipywidgets as widgets
import jax.numpy as jnp
import matplotlib.pyplot as plt
import numpy as np
import pytest

from lesson_lib.compilation import count_compilations
from lesson_lib.gradcheck import default_derivative
from lesson_lib.playground.gradcheck import H_RANGE, StepSizePlayground, status_line
from lesson_lib.plots.gradcheck import MAX_WIDTH


@pytest.fixture(scope="module")
def pg():
    playground = StepSizePlayground(grid=41)
    playground.fig.canvas.draw()
    yield playground
    plt.close(playground.fig)


def second_derivative(t):
    # f = s c with s = ln(1+e^{3t}), s' = 3σ, s'' = 9σ(1−σ), c = cos t
    sig = 1 / (1 + np.exp(-3 * t))
    s, s1, s2 = np.log1p(np.exp(3 * t)), 3 * sig, 9 * sig * (1 - sig)
    return s2 * np.cos(t) - 2 * s1 * np.sin(t) - s * np.cos(t)


@pytest.mark.slow
def test_controls(pg):
    h = pg.controls["h"]
    assert isinstance(h, widgets.FloatLogSlider)
    assert (h.base ** h.min, h.base ** h.max) == pytest.approx(H_RANGE)
    assert pg.controls["precision"].options == ("float32", "float64")
    assert pg.controls["formula"].options == ("centred", "one-sided")


@pytest.mark.slow
def test_one_sided_error_matches_taylor(pg):
    pg.controls["precision"].value = "float64"
    pg.controls["formula"].value = "one-sided"
    pg.controls["h"].value = 1e-4
    expected = 1e-4 * abs(second_derivative(0.5)) / (2 * abs(default_derivative(0.5)))
    assert pg.error == pytest.approx(expected, rel=0.02)
    assert pg.status.value.startswith("float64, one-sided, h = 1.0e-04: relative error")
    assert pg.last_error is None


def test_float32_cannot_go_as_low_as_float64(pg):
    best32 = min(pg.curves[("float32", True)].min(), pg.curves[("float32", False)].min())
    best64 = pg.curves[("float64", True)].min()
    assert best32 > 1e-7 > 1e-9 > best64
    pg.controls["formula"].value = "centred"
    pg.controls["precision"].value = "float32"
    pg.controls["h"].value = 1e-9
    assert "(wrong)" in pg.status.value


@pytest.mark.slow
def test_pixels_change_with_every_control(pg):
    for name, value in (("h", 3e-3), ("precision", "float64"), ("formula", "one-sided")):
        before = np.asarray(pg.fig.canvas.buffer_rgba()).copy()
        pg.controls[name].value = value
        pg.fig.canvas.draw()
        after = np.asarray(pg.fig.canvas.buffer_rgba())
        assert not np.array_equal(before, after), name


def test_no_recompilation_over_every_control(pg):
    pg.controls["h"].value = 1e-6
    with count_compilations() as count:
        for precision in ("float32", "float64"):
            pg.controls["precision"].value = precision
            for formula in ("centred", "one-sided"):
                pg.controls["formula"].value = formula
                for h in np.geomspace(*H_RANGE, 15):
                    pg.controls["h"].value = float(h)
    assert count.compiles == 0
    assert pg.last_error is None


@pytest.mark.slow
def test_errors_are_shown_not_raised():
    playground = StepSizePlayground(grid=5)

    def broken(*result, **values):
        raise RuntimeError("boom")

    playground.draw = broken
    playground.controls["h"].value = 1e-3
    assert isinstance(playground.last_error, RuntimeError)
    assert any("boom" in out.get("text", "") for out in playground.errors.outputs)
    plt.close(playground.fig)


@pytest.mark.slow
def test_a_custom_function_needs_its_derivative():
    with pytest.raises(ValueError, match="exact"):
        StepSizePlayground(jnp.sin)
    playground = StepSizePlayground(lambda t: jnp.sum(jnp.sin(t)), 0.3, np.cos(0.3), grid=5)
    assert playground.status.value.endswith("(correct)")
    plt.close(playground.fig)


@pytest.mark.parametrize("kwargs, name", [(dict(h=10.0), "h"), (dict(h=0.0), "h"), (dict(grid=1), "grid"),
                                          (dict(x=float("nan")), "x")])
def test_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        StepSizePlayground(**kwargs)


def test_status_line():
    assert status_line("float32", "one-sided", 1e-3, 2e-2) == (
        "float32, one-sided, h = 1.0e-03: relative error 2.0e-02 (wrong)")


def test_figure_fits(pg):
    width, height = pg.fig.get_size_inches()
    assert width <= MAX_WIDTH and height <= 5
