"""Lesson 08: finite differences, relative error and the gradient check.

References are independent: closed-form derivatives written by hand, Taylor
series for the error of each formula, and NumPy float64 loops over the entries.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import gradcheck
from lesson_lib.compilation import count_compilations
from lesson_lib.gradcheck import (
    CANT_TELL, check_gradient, error_vs_h, loglog_slope, numerical_gradient, relative_error,
    verdict_of,
)


def cubic(x):
    return jnp.sum(x ** 3 + 2.0 * x)


def test_numerical_gradient_matches_a_closed_form_in_float64():
    x = np.array([[0.5, -1.0], [2.0, 0.1]])
    exact = 3 * x ** 2 + 2
    got = numerical_gradient(cubic, x)
    assert got.shape == x.shape and got.dtype == np.float64
    # centred error for x³ is exactly h² (f''' = 6, error h² f'''/6)
    np.testing.assert_allclose(got, exact + 1e-10, rtol=0, atol=1e-9)


def test_one_sided_error_is_h_times_half_the_second_derivative():
    x = np.array([0.5, 2.0])
    h = 1e-4
    got = numerical_gradient(cubic, x, h=h, centered=False)
    # (f(x+h) − f(x))/h = 3x² + 2 + 3 x h + h²
    np.testing.assert_allclose(got, 3 * x ** 2 + 2 + 3 * x * h + h * h, rtol=1e-9)


def test_numerical_gradient_does_not_turn_on_float64_globally():
    numerical_gradient(cubic, np.ones(2))
    assert jnp.ones(1).dtype == jnp.float32


def test_float32_numerical_gradient_is_float32_and_noisy_at_small_h():
    x = np.array([1.3])
    g32 = numerical_gradient(cubic, x, h=1e-6, dtype=jnp.float32)
    g64 = numerical_gradient(cubic, x, h=1e-6)
    exact = 3 * 1.3 ** 2 + 2
    assert g32.dtype == np.float32
    assert abs(g64[0] - exact) < 1e-8
    assert abs(g32[0] - exact) > 1e-4  # round-off ε|f|/h ≈ 0.1 / 1.7·... dominates


def test_relative_error_by_hand():
    a = np.array([1.0, 0.0, 1e-5, -2.0, 0.0])
    n = np.array([1.01, 0.0, 2e-5, 2.0, 1e-9])
    expected = [0.01 / 1.01, 0.0, 0.5, 2.0, 1.0]
    np.testing.assert_allclose(relative_error(a, n), expected, rtol=1e-12)
    with pytest.raises(ValueError, match="same shape"):
        relative_error([1.0], [1.0, 2.0])


@pytest.mark.parametrize("error, verdict", [(0.5, "wrong"), (np.nan, "wrong"), (1.1e-2, "wrong"),
                                            (1e-2, "suspect"), (1e-3, "suspect"),
                                            (1e-5, "acceptable with kinks"), (1e-7, "correct"),
                                            (0.0, "correct")])
def test_verdict_thresholds(error, verdict):
    assert verdict_of(error) == verdict


def test_error_vs_h_slopes_are_one_and_two():
    f = lambda t: jnp.sum(jnp.exp(jnp.sin(t)))
    t0 = 0.7
    exact = np.cos(t0) * np.exp(np.sin(t0))
    hs = np.geomspace(1e-4, 1e-2, 9)
    one = error_vs_h(f, t0, exact, hs, centered=False)
    two = error_vs_h(f, t0, exact, hs, centered=True)
    assert loglog_slope(hs, one) == pytest.approx(1.0, abs=0.1)
    assert loglog_slope(hs, two) == pytest.approx(2.0, abs=0.1)
    # float32 hits its round-off floor far above float64's
    small = np.geomspace(1e-9, 1e-6, 7)
    assert error_vs_h(f, t0, exact, small, dtype=jnp.float32).min() > 1e-3
    assert error_vs_h(f, t0, exact, small).max() < 1e-6


def test_error_vs_h_never_recompiles_for_new_step_sizes():
    f = lambda t: jnp.sum(jnp.tanh(t))
    error_vs_h(f, 0.3, 1 - np.tanh(0.3) ** 2, np.geomspace(1e-8, 1e-1, 5))
    with count_compilations() as count:
        error_vs_h(f, 0.5, 1 - np.tanh(0.5) ** 2, np.geomspace(1e-6, 1e-2, 5))
    assert count.compiles == 0


def test_loglog_slope_by_hand():
    assert loglog_slope([1.0, 10.0], [3.0, 300.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        loglog_slope([1.0], [1.0])


# --- check_gradient on a small network with a hand-written backward pass -------------------


@pytest.fixture(scope="module")
def net():
    rng = np.random.default_rng(0)
    # float32 data, as in the lessons (JAX keeps converted float64 constants across precisions)
    x = rng.uniform(0, 1, (3, 5)).astype(np.float32)
    y = np.eye(4, dtype=np.float32)[[0, 2, 3]]
    p = {"w1": rng.normal(size=(5, 3)) / 2, "b1": np.full(3, 0.1), "w2": rng.normal(size=(3, 4)),
         "b2": np.zeros(4)}

    def forward(p):
        a = jnp.tanh(x @ p["w1"] + p["b1"][None])
        return a, a @ p["w2"] + p["b2"][None]

    def loss(p):
        _, s = forward(p)
        return jnp.mean(jax.nn.logsumexp(s, axis=1) - jnp.sum(y * s, axis=1))

    def backward(p, bug=None):
        a, s = forward(p)
        ds = (jax.nn.softmax(s) - y) / len(x)
        dz = ds @ p["w2"].T * (1 - a ** 2 if bug != "tanh" else 1)
        g = {"w1": x.T @ dz, "b1": dz.sum(0), "w2": a.T @ ds, "b2": ds.sum(0)}
        if bug == "scale":
            g["w2"] = 1.001 * g["w2"]
        return g

    return loss, backward, p


def numpy_numerical(loss, p, name, h=1e-5):
    """Centred differences one entry at a time, in float64 NumPy."""
    out = np.zeros_like(p[name])
    for i in np.ndindex(p[name].shape):
        plus = {k: np.array(v, np.float64) for k, v in p.items()}
        minus = {k: np.array(v, np.float64) for k, v in p.items()}
        plus[name][i] += h
        minus[name][i] -= h
        with jax.enable_x64():
            out[i] = (float(loss(plus)) - float(loss(minus))) / (2 * h)
    return out


@pytest.mark.slow
def test_check_gradient_numbers_match_a_loop_by_hand(net):
    loss, backward, p = net
    report = check_gradient(loss, p, grad_fn=backward)
    assert report.verdict == "correct" and report.worst < 1e-7
    leaf = report.per_leaf["['w1']"]
    np.testing.assert_allclose(leaf.numeric, numpy_numerical(loss, p, "w1").ravel(), rtol=1e-7)
    assert list(report.per_leaf) == ["['b1']", "['b2']", "['w1']", "['w2']"]


@pytest.mark.slow
def test_worst_is_the_largest_plain_relative_error_of_every_leaf(net):
    """`worst` is max |a − n| / max(|a|, |n|) over every checked entry, computed here in NumPy."""
    loss, backward, p = net
    report = check_gradient(loss, p, grad_fn=lambda q: backward(q, "scale"))
    with jax.enable_x64():
        analytic = backward({k: np.asarray(v, np.float64) for k, v in p.items()}, "scale")
    largest = {}
    for name in p:
        a = np.asarray(analytic[name], np.float64)
        n = numpy_numerical(loss, p, name)
        scale = np.maximum(np.abs(a), np.abs(n))
        err = np.where(scale == 0, 0.0, np.abs(a - n) / np.where(scale == 0, 1.0, scale))
        largest[f"['{name}']"] = err.max()
        got = report.per_leaf[f"['{name}']"].worst
        if err.max() > 1e-6:  # the bug: the same number
            assert got == pytest.approx(err.max(), rel=1e-3)
        else:  # round-off only: the same size, not the same digits (and not zeroed by the floor)
            assert 0.1 * err.max() <= got <= 10 * err.max() and got > 0
    assert report.worst == pytest.approx(max(largest.values()), rel=1e-4)
    assert report.beyond_round_off <= report.worst


@pytest.mark.slow
def test_check_gradient_default_grad_is_jax_grad(net):
    loss, _, p = net
    assert check_gradient(loss, p).verdict == "correct"


@pytest.mark.slow
def test_a_missing_term_is_wrong_only_where_it_is(net):
    loss, backward, p = net
    report = check_gradient(loss, p, grad_fn=lambda q: backward(q, "tanh"))
    verdicts = {k: v.verdict for k, v in report.per_leaf.items()}
    assert verdicts == {"['b1']": "wrong", "['w1']": "wrong", "['b2']": "correct", "['w2']": "correct"}
    assert report.verdict == "wrong" and "wrong" in repr(report)


@pytest.mark.slow
def test_a_tenth_of_a_percent_is_suspect_in_float64_and_hidden_in_float32(net):
    loss, backward, p = net
    buggy = lambda q: backward(q, "scale")
    r64 = check_gradient(loss, p, grad_fn=buggy)
    assert r64.verdict == "suspect" and r64.worst == pytest.approx(1e-3, rel=0.01)
    r32 = check_gradient(loss, p, grad_fn=buggy, dtype=jnp.float32)
    assert r32.verdict in ("correct", CANT_TELL) and r32.dtype == "float32"
    assert r32.floor > 1e3 * r64.floor


def test_floor_zero_is_the_plain_relative_error(net):
    loss, backward, p = net
    report = check_gradient(loss, p, grad_fn=backward, floor=0.0)
    leaf = report.per_leaf["['w2']"]
    np.testing.assert_array_equal(leaf.excess, leaf.errors)


def test_all_tiny_is_cant_tell():
    report = check_gradient(lambda w: jnp.sum(1e-3 * w), np.ones(3), dtype=jnp.float32, h=1e-6)
    assert report.verdict == CANT_TELL and report.tiny == 3


@pytest.mark.slow
def test_samples_check_a_few_entries_of_every_leaf(net):
    loss, backward, p = net
    report = check_gradient(loss, p, grad_fn=backward, samples=2, key=jax.random.key(0))
    assert {k: len(v.indices) for k, v in report.per_leaf.items()} == {
        "['b1']": 2, "['b2']": 2, "['w1']": 2, "['w2']": 2}
    small = check_gradient(loss, p, samples=4, key=jax.random.key(1))
    assert len(small.per_leaf["['b1']"].indices) == 3  # a leaf with fewer entries: all of them
    with pytest.raises(ValueError, match="key"):
        check_gradient(loss, p, samples=2)


@pytest.mark.slow
def test_kinks_are_flagged_where_a_relu_input_changes_sign():
    x = np.array([[1.0, 2.0], [-1.0, 0.5]])
    w = np.array([[1.0, -1.0], [2 - 2e-6, 0.7]])  # unit 0 of example 1 has input −1e-6

    def loss(w):
        return jnp.sum(jax.nn.relu(x @ w) @ np.array([1.0, 2.0]))

    plain = check_gradient(loss, w)
    flagged = check_gradient(loss, w, kinks=lambda w: x @ w)
    # w[0,0] and w[1,0] move that input by ∓1e-5 and ±5e-6: both cross 0; column 1 does not.
    kinked = flagged.per_leaf["x"].kinked.reshape(2, 2)
    assert kinked.tolist() == [[True, False], [True, False]]
    assert plain.verdict == "wrong"
    assert flagged.verdict == "correct" and flagged.kinks == 2
    assert flagged.kinked_entries()[0][:2] == ("x", 0)
    assert "crossed a kink" in repr(flagged)


def test_check_gradient_compiles_once_per_shape(net):
    loss, backward, p = net
    check_gradient(loss, p, grad_fn=backward, h=1e-5)
    moved = {k: np.asarray(v) + 0.01 for k, v in p.items()}
    with count_compilations() as count:
        check_gradient(loss, moved, grad_fn=backward, h=2e-5)
    assert count.compiles == 0


@pytest.mark.parametrize("kwargs, name", [(dict(h=0.0), "h"), (dict(h=np.nan), "h"),
                                          (dict(samples=0, key=jax.random.key(0)), "samples"),
                                          (dict(dtype=np.int32), "dtype"), (dict(floor=-1.0), "floor"),
                                          (dict(grad_fn=3), "grad_fn"), (dict(kinks="relu"), "kinks")])
def test_check_gradient_rejects_bad_arguments(kwargs, name):
    with pytest.raises(ValueError, match=name):
        check_gradient(cubic, np.ones(2), **kwargs)


def test_bad_inputs_are_refused():
    with pytest.raises(ValueError, match="params"):
        check_gradient(cubic, np.array([1.0, np.nan]))
    with pytest.raises(ValueError, match="shaped like params"):
        check_gradient(cubic, np.ones(2), grad_fn=lambda x: jnp.ones(3))
    with pytest.raises(ValueError, match="x"):
        numerical_gradient(cubic, np.array([np.inf]))
    with pytest.raises(ValueError, match="hs"):
        error_vs_h(cubic, np.ones(1), np.ones(1), [1e-3, -1.0])


@pytest.mark.slow
def test_no_plotting_stack_on_import():
    import subprocess, sys
    code = "import sys, lesson_lib.gradcheck; assert 'matplotlib' not in sys.modules and 'ipywidgets' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_public_names():
    assert set(gradcheck.__all__) >= {"numerical_gradient", "relative_error", "check_gradient"}
