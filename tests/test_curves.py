"""`lesson_lib.curves`: reading training curves, against hand-made curves and plain-Python references."""

import math

import numpy as np
import pytest

from lesson_lib import curves


def _first_bad_by_loop(curve):
    """Independent reference: walk the curve."""
    for step, value in enumerate(curve):
        if not math.isfinite(value):
            return step
    return None


@pytest.mark.parametrize("curve", [
    [1.0, 2.0, 3.0],
    [float("nan")],
    [1.0, float("inf"), 2.0],
    [1.0, 0.5, -float("inf"), float("nan")],
    [0.0] * 7 + [float("nan")],
])
def test_first_nonfinite_of_one_curve(curve):
    assert curves.first_nonfinite(curve) == _first_bad_by_loop(curve)
    assert curves.first_nonfinite(np.asarray(curve, np.float32)) == _first_bad_by_loop(curve)


def test_first_nonfinite_of_a_batch_marks_never_with_minus_one():
    rng = np.random.default_rng(0)
    batch = rng.normal(size=(3, 4, 20))
    batch[rng.random(batch.shape) < 0.05] = np.inf
    got = curves.first_nonfinite(batch)
    assert got.shape == (3, 4)
    for index in np.ndindex(3, 4):
        expected = _first_bad_by_loop(batch[index].tolist())
        assert got[index] == (-1 if expected is None else expected)


def test_first_nonfinite_refuses_a_scalar():
    with pytest.raises(ValueError, match="losses"):
        curves.first_nonfinite(1.0)


@pytest.mark.parametrize("curve, kept", [
    ([3.0, 2.0, 1.0], [3.0, 2.0, 1.0]),
    ([3.0, float("nan"), 1.0], [3.0]),
    ([float("inf")], []),
])
def test_finite_prefix_stops_at_divergence(curve, kept):
    assert curves.finite_prefix(curve).tolist() == kept


def test_finite_prefix_refuses_a_batch():
    with pytest.raises(ValueError, match="one curve"):
        curves.finite_prefix(np.ones((2, 3)))


def test_first_step_below():
    assert curves.first_step_below([5.0, 0.4, 0.3], 0.5) == 1
    assert curves.first_step_below([5.0, 0.5], 0.5) == 1  # at the threshold counts
    assert curves.first_step_below([5.0, 4.0], 0.5) is None
    assert curves.first_step_below([5.0, float("nan")], 0.5) is None


def test_smoothed_losses_matches_a_plain_python_average():
    rng = np.random.default_rng(1)
    losses = rng.uniform(0.5, 2.0, size=50)
    beta, average, ref = 0.9, 0.0, []
    for i, loss in enumerate(losses):
        average = beta * average + (1 - beta) * loss
        ref.append(average / (1 - beta ** (i + 1)))
    np.testing.assert_allclose(curves.smoothed_losses(losses, beta), ref, rtol=1e-12)
    np.testing.assert_allclose(curves.smoothed_losses(losses, 0.0), losses)


@pytest.mark.parametrize("losses, verdict", [
    ([4.0, 2.0, 1.0, float("nan")], "diverged"),
    ([1.0, 1.5, 2.0, 2.5, 3.0], "growing"),
    ([1.0, 0.2, 0.5, 0.1, 0.1], "bouncing"),
    ([1.0, 0.99, 0.98, 0.97], "barely moved"),
    ([1.0, 0.5, 0.25, 0.125], "still decreasing"),
    ([1.0, 0.1, 0.01, 0.01, 0.01], "converged"),
])
def test_diagnose_reads_each_kind_of_curve(losses, verdict):
    assert curves.diagnose(losses, window=2).verdict == verdict


def test_diagnose_reports_the_step_of_divergence():
    found = curves.diagnose([1.0, 3.0, 9.0, float("inf")])
    assert (found.verdict, found.diverged_at, found.rose) == ("diverged", 3, True)
    told = curves.diagnose([1.0, 0.5, 0.25], diverged_at=2)
    assert told.diverged_at == 2 and math.isnan(told.final)


def test_diagnose_refuses_what_is_not_a_curve():
    with pytest.raises(ValueError, match="losses"):
        curves.diagnose([1.0])


def test_sweep_outcomes_and_boundaries():
    steps = 12
    converged = np.full(steps, 1.0)
    bouncing = np.tile([2.0, 3.0], steps // 2)
    exploding = 2.0 ** np.arange(steps)
    nan_run = np.concatenate([np.ones(3), np.full(steps - 3, np.nan)])
    losses = np.stack([converged, converged, bouncing, exploding, nan_run])
    out = curves.sweep_outcomes(losses, min_loss=1.0, window=3)
    assert out.converged.tolist() == [True, True, False, False, False]
    assert out.diverged.tolist() == [False, False, False, True, True]
    edges = curves.boundaries([0.1, 0.2, 0.3, 0.4, 0.5], out)
    assert edges == curves.Boundaries(0.2, 0.4)
    none = curves.boundaries([0.1], curves.Outcomes(np.array([False]), np.array([False])))
    assert none == curves.Boundaries(None, None)


def test_sweep_outcomes_and_boundaries_refuse_bad_shapes():
    with pytest.raises(ValueError, match="losses"):
        curves.sweep_outcomes(np.ones(5), 1.0)
    with pytest.raises(ValueError, match="outcomes"):
        curves.boundaries([0.1, 0.2], curves.Outcomes(np.array([True]), np.array([False])))
