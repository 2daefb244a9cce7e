"""Tests for lesson_lib.sweep: the grid engine and lesson 03's sweep over learning rates."""

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

from lesson_lib import data, nets, sweep, train
from lesson_lib.compilation import count_compilations

from references import narrow_gd

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def xy():
    x, y = data.linear_regression_data(n=100, key=jax.random.key(0))
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


# ---------------------------------------------------------------- sharding

_SHARDED_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import jax, jax.numpy as jnp, numpy as np
    from lesson_lib import data, narrow_sweep, sweep
    x, y = data.linear_regression_data(n=64, key=jax.random.key(0))
    grid = sweep.grid_sweep(
        lambda a, b: jnp.stack([a * b, jnp.cos(a) + b]), a=np.linspace(0, 1, 3), b=np.arange(5.0)
    )  # 15 points: not a multiple of 4
    chunked = sweep.grid_sweep(
        lambda a, b: jnp.stack([a * b, jnp.cos(a) + b]), a=np.linspace(0, 1, 3), b=np.arange(5.0),
        chunk_size=6, progress=False,
    )
    result = narrow_sweep.depth_lr_sweep(
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


# ------------------------------------------------------------------ lr_sweep


def test_lr_sweep_rows_match_numpy_gradient_descent(xy):
    x, y = xy
    lrs = [0.003, 0.01, 0.05]  # below the edge of stability: not chaotic
    got = sweep.lr_sweep(nets.narrow_loss, jnp.array([0.9, 0.9]), lrs, 40, args=(x, y))
    assert got.shape == (3, 41) and got.dtype == np.float32
    for row, lr in zip(got, lrs):
        np.testing.assert_allclose(row, narrow_gd([0.9, 0.9], x, y, lr, 40)[1], rtol=1e-4, atol=1e-7)


def test_lr_sweep_equals_gradient_descent_at_each_rate(xy):
    x, y = xy
    loss = nets.narrow_loss_on(x, y)
    got = sweep.lr_sweep(loss, jnp.array([0.5, 1.5]), [0.02, 0.2, 5.0], 30)
    for row, lr in zip(got, [0.02, 0.2, 5.0]):
        run = train.gradient_descent(loss, jnp.array([0.5, 1.5]), lr, 30)
        np.testing.assert_array_equal(np.isfinite(row), np.isfinite(run.losses))
        finite = np.isfinite(row)
        np.testing.assert_allclose(row[finite], np.asarray(run.losses)[finite], rtol=1e-6)
    assert not np.isfinite(got[2, -1])  # lr = 5 diverges: a result, not an error


def _scaled(scale, *, a):
    return scale * a


def test_grid_sweep_accepts_a_pytree_function_and_traces_its_arrays():
    scale = jax.tree_util.Partial(_scaled, jnp.float32(3.0))
    got = sweep.grid_sweep(lambda a: a, a=[1.0, 2.0])  # warm the engine for a plain function
    np.testing.assert_allclose(sweep.grid_sweep(scale, a=[1.0, 2.0]), [3.0, 6.0])
    with count_compilations() as count:
        other = sweep.grid_sweep(jax.tree_util.Partial(_scaled, jnp.float32(-2.0)), a=[1.0, 2.0])
    np.testing.assert_allclose(other, [-2.0, -4.0])
    assert count.compiles == 0
    np.testing.assert_allclose(got, [1.0, 2.0])
