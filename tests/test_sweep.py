"""Tests for lesson_lib.sweep: the grid engine and the depth × learning-rate fast path."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import jax
import jax.numpy as jnp
import numpy as np
import pytest

from lesson_lib import data, diagnostics, nets, sweep, train
from lesson_lib.compilation import count_compilations

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def xy():
    x, y = data.linear_regression_data(jax.random.key(0), n=100)
    return np.asarray(x), np.asarray(y)


def _poly(a, b, c):
    """A test function of three hyperparameters returning a vector."""
    return jnp.stack([a * b + c, a - 2.0 * b, jnp.sin(a) * c])


def _poly_numpy(a, b, c):
    return np.array([a * b + c, a - 2.0 * b, np.sin(a) * c])


AXES = dict(a=np.array([0.5, -1.0, 2.0]), b=np.array([1.0, 2.0, 3.0, 4.0, 5.0]), c=np.array([1, 7]))


def _reference_grid():
    out = np.empty((3, 5, 2, 3))
    for i, a in enumerate(AXES["a"]):
        for j, b in enumerate(AXES["b"]):
            for k, c in enumerate(AXES["c"]):
                out[i, j, k] = _poly_numpy(a, b, c)
    return out


# ------------------------------------------------------------------ grid_sweep


def test_grid_sweep_matches_a_python_loop_in_axis_order():
    got = sweep.grid_sweep(_poly, **AXES)
    assert got.shape == (3, 5, 2, 3)
    np.testing.assert_allclose(got, _reference_grid(), rtol=1e-6, atol=1e-6)


def test_grid_sweep_passes_args_first():
    got = sweep.grid_sweep(lambda s, t, *, a: s * a + t, args=(2.0, 1.0), a=[1.0, 2.0, 3.0])
    np.testing.assert_allclose(got, [3.0, 5.0, 7.0])


@pytest.mark.parametrize("chunk_size", [1, 4, 7, 29, 30, 1000])
def test_grid_sweep_chunks_give_the_same_answer(chunk_size):
    got = sweep.grid_sweep(_poly, chunk_size=chunk_size, progress=False, **AXES)
    np.testing.assert_allclose(got, _reference_grid(), rtol=1e-6, atol=1e-6)


def test_default_chunk_keeps_output_under_the_memory_bound(monkeypatch):
    monkeypatch.setattr(sweep, "CHUNK_BYTES", 3 * 4 * 8)  # room for 8 points of 3 floats
    calls = []
    original = sweep.chunk_plan
    monkeypatch.setattr(sweep, "chunk_plan", lambda *a: calls.append(a) or original(*a))
    got = sweep.grid_sweep(_poly, progress=False, **AXES)
    assert calls[0][1] == 8
    np.testing.assert_allclose(got, _reference_grid(), rtol=1e-6, atol=1e-6)


def test_progress_bar_only_when_there_are_several_chunks(capsys):
    sweep.grid_sweep(_poly, chunk_size=8, **AXES)
    assert "sweep" in capsys.readouterr().err
    sweep.grid_sweep(_poly, chunk_size=8, progress=False, **AXES)
    assert capsys.readouterr().err == ""
    sweep.grid_sweep(_poly, **AXES)  # one chunk
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "total, chunk_size, devices", [(1, 1, 1), (15, 4, 4), (30, 7, 1), (10000, 300, 3), (17, 100, 8)]
)
def test_chunk_plan_covers_the_grid_evenly(total, chunk_size, devices):
    chunks, per = sweep.chunk_plan(total, chunk_size, devices)
    assert per % devices == 0
    assert chunks * per >= total
    assert chunks * per - total < chunks * devices  # padding stays small
    assert per <= -(-chunk_size // devices) * devices


def test_grid_sweep_compiles_once_per_grid_shape():
    def fresh(a, b, c):  # a new function: its first call must compile
        return _poly(a, b, c)

    with count_compilations() as first:
        sweep.grid_sweep(fresh, **AXES)
    assert first.compiles >= 1
    moved = {name: values * 3 + 1 for name, values in AXES.items()}
    with count_compilations() as second:
        got = sweep.grid_sweep(fresh, **moved)
    assert second.compiles == 0
    assert got.shape == (3, 5, 2, 3)


@pytest.mark.parametrize(
    "axes, message",
    [
        (dict(a=[], b=[1.0]), "'a'"),
        (dict(a=[1.0], b=[[1.0, 2.0]]), "'b'"),
        (dict(a=[1.0], b=2.0), "'b'"),
        (dict(a=["x"], b=[1.0]), "'a'"),
        (dict(a=[1.0, float("nan")], b=[1.0]), "'a' must hold finite"),
        (dict(a=[1.0], b=[float("inf")]), "'b' must hold finite"),
        ({}, "at least one axis"),
    ],
)
def test_grid_sweep_rejects_bad_axes_naming_them(axes, message):
    with pytest.raises(ValueError, match=message):
        sweep.grid_sweep(lambda **kw: jnp.zeros(2), **axes)


def test_grid_sweep_rejects_bad_chunk_size():
    with pytest.raises(ValueError, match="chunk_size"):
        sweep.grid_sweep(_poly, chunk_size=0, **AXES)


# ------------------------------------------------------------- depth_lr_sweep


def _max_stable_lr(depth, x, y):
    solution = sweep.narrow_solution(x, y)
    w = nets.init_narrow(depth, solution.product ** (1 / depth))
    return diagnostics.max_stable_lr(lambda v: nets.narrow_loss(v, x, y), w)


def _assert_same_curves(got, ref, *, rtol):
    """Equal up to float32 rounding, with non-finite entries in the same places."""
    assert np.array_equal(np.isfinite(got), np.isfinite(ref))
    finite = np.isfinite(ref)
    np.testing.assert_allclose(got[finite], ref[finite], rtol=rtol, atol=1e-6)


@pytest.mark.parametrize("init", [1.0, 0.9])
@pytest.mark.parametrize("depth", [1, 2, 3, 7, 20, 50])
def test_depth_lr_sweep_equals_gradient_descent(xy, depth, init):
    """Converging (well below, near the edge) and diverging learning rates.

    Learning rates between the edge of stability and divergence are chaotic:
    there, any two float32 implementations part ways after a few steps, so
    those cells are left out (only their first steps are compared, below).
    """
    x, y = xy
    fractions = [0.02, 0.3, 0.9, 10.0] + ([1.5, 3.0] if depth == 1 else [])
    lrs = np.array(fractions) * _max_stable_lr(depth, x, y)
    steps = 200
    result = sweep.depth_lr_sweep([depth], lrs, init=init, steps=steps, x=x, y=y)
    assert result.losses.shape == (1, len(lrs), steps + 1)
    assert result.diverged_at.dtype.kind == "i"
    for j, lr in enumerate(result.lrs):
        run = train.gradient_descent(
            nets.narrow_loss, nets.init_narrow(depth, init), float(lr), steps, args=(x, y)
        )
        _assert_same_curves(result.losses[0, j], np.asarray(run.losses), rtol=2e-3)
        expected = -1 if run.diverged_at is None else run.diverged_at
        assert result.diverged_at[0, j] == expected
    assert result.diverged_at[0, 3] >= 0  # lr = 10 × the stable limit diverges
    assert (result.diverged_at[0, :3] == -1).all()


def test_chaotic_cells_agree_for_their_first_steps(xy):
    x, y = xy
    lrs = np.array([1.5, 3.0]) * _max_stable_lr(7, x, y)
    result = sweep.depth_lr_sweep([7], lrs, init=1.0, steps=20, x=x, y=y)
    for j, lr in enumerate(result.lrs):
        run = train.gradient_descent(nets.narrow_loss, nets.init_narrow(7, 1.0), float(lr), 20, args=(x, y))
        _assert_same_curves(result.losses[0, j, :5], np.asarray(run.losses)[:5], rtol=1e-4)


def _numpy_gradient_descent(depth, init, lr, steps, x, y):
    """Independent reference: every weight separately, the gradient from the data, float64."""
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    w = np.full(depth, init, np.float64)
    losses = []
    for _ in range(steps + 1):
        p = np.prod(w)
        residual = y - p * x
        losses.append(np.mean(residual**2))
        dloss_dp = np.mean(-2.0 * residual * x)
        others = np.array([np.prod(np.delete(w, i)) for i in range(depth)])
        w = w - lr * dloss_dp * others
    return np.array(losses)


def test_depth_lr_sweep_matches_an_independent_numpy_reference(xy):
    x, y = xy
    depths = [1, 4, 12]
    lrs = [0.003, 0.02, 0.05]
    result = sweep.depth_lr_sweep(depths, lrs, init=0.95, steps=60, x=x, y=y)
    for i, depth in enumerate(depths):
        for j, lr in enumerate(lrs):
            ref = _numpy_gradient_descent(depth, 0.95, lr, 60, x, y)
            np.testing.assert_allclose(result.losses[i, j], ref, rtol=1e-4)


def test_every_cell_of_a_grid_lands_in_the_right_place(xy):
    x, y = xy
    depths, lrs = [2, 5, 9], [0.001, 0.004, 0.01, 0.03]
    result = sweep.depth_lr_sweep(depths, lrs, init=1.0, steps=30, x=x, y=y)
    for i, depth in enumerate(depths):
        for j, lr in enumerate(lrs):
            ref = _numpy_gradient_descent(depth, 1.0, lr, 30, x, y)
            np.testing.assert_allclose(result.losses[i, j], ref, rtol=1e-4)


def test_depth_lr_sweep_never_recompiles_for_new_values(xy):
    x, y = xy
    sweep.depth_lr_sweep([1, 3, 5], [0.01, 0.1], init=1.0, steps=50, x=x, y=y)
    x2, y2 = data.linear_regression_data(jax.random.key(1), n=100, slope=-1.0)
    with count_compilations() as count:
        sweep.depth_lr_sweep([100, 2, 40], [0.5, 1e-3], init=0.7, steps=50, x=x2, y=y2)
        sweep.depth_lr_sweep([7, 8, 9], [0.2, 0.3], init=1.2, steps=50, x=x, y=y)
    assert count.compiles == 0


def test_depth_lr_sweep_result_fields(xy):
    x, y = xy
    result = sweep.depth_lr_sweep([1, 2], [0.1, 5.0], init=1.0, steps=10, x=x, y=y)
    depths, lrs, losses, diverged_at = result
    assert depths.tolist() == [1, 2]
    np.testing.assert_allclose(lrs, [0.1, 5.0])
    assert losses.shape == (2, 2, 11) and diverged_at.shape == (2, 2)
    np.testing.assert_array_equal(diverged_at, sweep.first_nonfinite(losses))
    assert "2 depths × 2 learning rates × 10 steps" in repr(result)


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(depths=[0]), "depths"),
        (dict(depths=[nets.MAX_DEPTH + 1]), "depths"),
        (dict(depths=[2.5]), "depths"),
        (dict(depths=[]), "depths"),
        (dict(depths=[[1, 2]]), "depths"),
        (dict(lrs=[0.0]), "lrs"),
        (dict(lrs=[-0.1]), "lrs"),
        (dict(lrs=[float("nan")]), "lrs"),
        (dict(lrs=[]), "lrs"),
        (dict(init=float("inf")), "init"),
        (dict(steps=0), "steps"),
        (dict(y=np.ones(3)), "x and y"),
        (dict(x=np.array([]), y=np.array([])), "at least one example"),
        (dict(x=np.array([1.0, np.nan]), y=np.ones(2)), "finite"),
    ],
)
def test_depth_lr_sweep_rejects_bad_input(xy, kwargs, name):
    x, y = xy
    arguments = dict(depths=[1, 2], lrs=[0.1], init=1.0, steps=5, x=x, y=y) | kwargs
    with pytest.raises(ValueError, match=name):
        sweep.depth_lr_sweep(**arguments)


def test_narrow_solution_is_the_least_squares_fit(xy):
    x, y = xy
    solution = sweep.narrow_solution(x, y)
    slope = np.linalg.lstsq(x[:, None].astype(np.float64), y.astype(np.float64), rcond=None)[0][0]
    assert solution.product == pytest.approx(slope, rel=1e-12)
    assert solution.loss == pytest.approx(np.mean((y - slope * x) ** 2), rel=1e-9)


def test_int_power_matches_numpy_for_every_depth():
    w = jnp.float32(-1.03)
    got = jax.vmap(lambda e: sweep._int_power(w, e))(jnp.arange(nets.MAX_DEPTH, dtype=jnp.int32))
    np.testing.assert_allclose(got, (-1.03) ** np.arange(nets.MAX_DEPTH), rtol=2e-6)


# --------------------------------------------------------- reading a sweep


def test_steps_to_converge_waits_until_the_loss_stays_below():
    curves = np.array(
        [
            [5.0, 0.5, 0.05, 0.01, 0.01],  # below from step 2
            [5.0, 0.05, 3.0, 0.05, 0.01],  # dips, bounces, settles at 3
            [5.0, 1.0, 1.0, 1.0, 1.0],  # never
            [5.0, 0.01, np.inf, np.nan, np.nan],  # diverged
            [0.01, 0.01, 0.01, 0.01, 0.01],  # from the start
        ]
    )
    assert sweep.steps_to_converge(curves, 0.1).tolist() == [2, 3, -1, -1, 0]
    with pytest.raises(ValueError, match="threshold"):
        sweep.steps_to_converge(curves, float("nan"))


def test_best_lr_per_depth_picks_the_fastest_converging_rate():
    losses = np.array(
        [
            [[1.0, 0.5, 0.01, 0.01], [1.0, 0.01, 0.01, 0.01], [1.0, np.inf, np.nan, np.nan]],
            [[1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0], [1.0, 1.0, 1.0, 1.0]],
            [[1.0, 0.01, 0.01, 0.01], [1.0, 0.01, 0.01, 0.01], [1.0, 0.5, 0.5, 0.01]],
        ]
    )
    result = sweep.SweepResult(
        np.array([1, 2, 3]), np.array([0.1, 0.2, 0.4], np.float32), losses,
        sweep.first_nonfinite(losses),
    )
    best = sweep.best_lr_per_depth(result, 0.1)
    np.testing.assert_allclose(best.lrs, [0.2, np.nan, 0.1])  # depth 3: tie -> smaller lr
    assert best.steps.tolist() == [1, -1, 1]


# ---------------------------------------------------------------- sharding

_SHARDED_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax, jax.numpy as jnp, numpy as np
    from lesson_lib import data, sweep
    x, y = data.linear_regression_data(jax.random.key(0), n=64)
    grid = sweep.grid_sweep(
        lambda a, b: jnp.stack([a * b, jnp.cos(a) + b]), a=np.linspace(0, 1, 3), b=np.arange(5.0)
    )  # 15 points: not a multiple of 4
    chunked = sweep.grid_sweep(
        lambda a, b: jnp.stack([a * b, jnp.cos(a) + b]), a=np.linspace(0, 1, 3), b=np.arange(5.0),
        chunk_size=6, progress=False,
    )
    result = sweep.depth_lr_sweep(
        [1, 2, 5, 9, 30, 64, 100], [0.003, 0.03, 0.3], init=1.0, steps=40, x=x, y=y
    )  # 21 points
    np.savez(sys.argv[1], grid=grid, chunked=chunked, losses=result.losses,
             diverged_at=result.diverged_at)
    print(json.dumps({"devices": jax.device_count()}))
    """
)


def _run_with_devices(count, path):
    env = dict(os.environ, XLA_FLAGS=f"--xla_force_host_platform_device_count={count}",
               JAX_PLATFORMS="cpu", PYTHONPATH=str(ROOT))
    done = subprocess.run(
        [sys.executable, "-c", _SHARDED_SCRIPT, str(path)], env=env, capture_output=True,
        text=True, timeout=300, check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])["devices"], np.load(path)


@pytest.mark.slow
def test_sharded_over_four_devices_equals_one_device(tmp_path):
    devices, four = _run_with_devices(4, tmp_path / "four.npz")
    assert devices == 4
    one_devices, one = _run_with_devices(1, tmp_path / "one.npz")
    assert one_devices == 1
    for name in ["grid", "chunked", "losses", "diverged_at"]:
        np.testing.assert_array_equal(four[name], one[name])
    np.testing.assert_array_equal(four["grid"], four["chunked"])
    assert four["losses"].shape == (7, 3, 41)


@pytest.mark.parametrize(
    "losses, threshold, message",
    [
        (np.ones((2, 0)), 0.5, "losses"),
        (np.float32(1.0), 0.5, "losses"),
        (np.ones((2, 3)), float("nan"), "threshold"),
        (np.ones((2, 3)), float("inf"), "threshold"),
    ],
)
def test_steps_to_converge_rejects_bad_input(losses, threshold, message):
    with pytest.raises(ValueError, match=message):
        sweep.steps_to_converge(losses, threshold)


def test_best_lr_per_depth_rejects_what_is_not_a_sweep():
    with pytest.raises(ValueError, match="SweepResult"):
        sweep.best_lr_per_depth(np.ones((2, 3, 4)), 0.5)


@pytest.mark.parametrize(
    "w0, lrs, message",
    [
        (jnp.array([np.nan]), [0.1], "w0"),
        (jnp.array([]), [0.1], "w0"),
        (jnp.ones(1), [0.1, np.inf], "lrs"),
        (jnp.ones(1), [[0.1]], "lrs"),
    ],
)
def test_lr_sweep_rejects_bad_input_naming_it(w0, lrs, message):
    with pytest.raises(ValueError, match=message):
        sweep.lr_sweep(lambda w: jnp.sum(w ** 2), w0, lrs, 3)


def test_lr_sweep_rejects_non_finite_data():
    with pytest.raises(ValueError, match="args"):
        sweep.lr_sweep(lambda w, x: jnp.sum((w * x) ** 2), jnp.ones(1), [0.1], 3,
                       args=(jnp.array([1.0, np.nan]),))


@pytest.mark.parametrize("args, name", [((0, 4, 1), "total"), ((10, 0, 1), "chunk_size"),
                                        ((10, 4, 0), "devices"), ((10, 2.5, 1), "chunk_size")])
def test_chunk_plan_rejects_non_positive_sizes(args, name):
    with pytest.raises(ValueError, match=name):
        sweep.chunk_plan(*args)
