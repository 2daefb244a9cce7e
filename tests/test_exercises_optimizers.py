"""Lesson 06's checkers: hand-written momentum and Adam steps against update equations in NumPy."""

import numpy as np
import pytest

from lesson_lib.exercises.optimizers import check_adam_step, check_momentum_step



@pytest.mark.parametrize("kwargs,argument", [
    (dict(lr=0.0), "lr"), (dict(lr=float("nan")), "lr"), (dict(mu=1.0), "mu"),
    (dict(mu=float("inf")), "mu"),
])
def test_momentum_checker_rejects_bad_settings(kwargs, argument):
    result = check_momentum_step(lambda *a: a[:2], **kwargs)  # answers, never raises
    assert not result.passed and result.message.startswith(f"❌ This check cannot run: {argument} must be")


@pytest.mark.parametrize("kwargs,argument", [
    (dict(lr=-0.1), "lr"), (dict(b1=1.0), "b1"), (dict(b2=float("nan")), "b2"),
    (dict(eps=-1e-8), "eps"),
])
def test_adam_checker_rejects_bad_settings(kwargs, argument):
    result = check_adam_step(lambda *a: a[:3], **kwargs)
    assert not result.passed and result.message.startswith(f"❌ This check cannot run: {argument} must be")


def test_exercise_checkers_accept_right_and_reject_wrong_answers():
    def momentum_right(x, v, g, lr, mu):
        v = mu * v + g
        return x - lr * v, v

    def momentum_stale(x, v, g, lr, mu):  # uses the old velocity
        return x - lr * v, mu * v + g

    def momentum_todo(x, v, g, lr, mu):
        raise NotImplementedError

    assert check_momentum_step(momentum_right)
    wrong = check_momentum_step(momentum_stale)
    assert not wrong and "step 1" in wrong.message and "Hint" in wrong.message
    todo = check_momentum_step(momentum_todo)
    assert not todo and "Not implemented yet" in todo.message

    def adam(correct):
        def step(x, m, s, g, t, lr, b1, b2, eps):
            m = b1 * m + (1 - b1) * g
            s = b2 * s + (1 - b2) * g**2
            mh, sh = (m / (1 - b1**t), s / (1 - b2**t)) if correct else (m, s)
            return x - lr * mh / (np.sqrt(sh) + eps), m, s
        return step

    def momentum_notes_form(theta, v, g, lr, mu):  # v = mu v - lr g, theta += v
        v = mu * v - lr * g
        return theta + v, v

    other = check_momentum_step(momentum_notes_form)
    assert not other and "other momentum convention" in other.message
    assert "v = mu*v - lr*g" in other.message and "schedule" in other.message

    def momentum_flipped_velocity(theta, v, g, lr, mu):  # v = mu v - g, theta += lr v
        v = mu * v - g
        return theta + lr * v, v

    odd = check_momentum_step(momentum_flipped_velocity)
    assert not odd and "velocity" in odd.message

    assert check_adam_step(adam(True))
    assert not check_adam_step(adam(False))
    assert not check_adam_step(lambda *args: args[0])


def numpy_momentum_path(lr, mu, steps=5):
    """The library's convention written out: v = mu v + g, theta = theta - lr v, on ½(θ₁² + 10 θ₂²)."""
    theta, v, path = np.array([1.0, -0.5]), np.zeros(2), []
    for _ in range(steps):
        v = mu * v + np.array([1.0, 10.0]) * theta
        theta = theta - lr * v
        path.append(theta)
    return np.array(path)


def test_the_checker_compares_with_the_update_equations_at_other_settings():
    # The answer replays an independent NumPy path: right at the settings it was made for,
    # wrong at others (so the checker really uses lr and mu).
    path = numpy_momentum_path(0.02, 0.5)
    calls = iter(range(10))

    def replay(theta, v, g, lr, mu):
        step = next(calls)
        return path[step], mu * v + g

    assert check_momentum_step(replay, lr=0.02, mu=0.5).passed
    calls = iter(range(10))
    assert not check_momentum_step(replay, lr=0.05, mu=0.9).passed
