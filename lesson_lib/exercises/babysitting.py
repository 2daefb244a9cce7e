"""Lesson 09's exercises: compute an update/weight ratio, and diagnose six training runs.

`check_update_ratio(fn)` checks a learner's `fn(w, w_new) -> float`, the
size of one step relative to the weights, `‖w_new − w‖ / ‖w‖`, against NumPy
on a few arrays, and recognises the usual slips.

`mystery_runs(digits, key=...)` trains the six runs of the "diagnose this run" set
(one healthy, five with one thing wrong each); `check_diagnosis(run, answer)`
says whether `answer` (one of `DIAGNOSES`) is right, and if not, which plot
to look at again.
"""

from typing import Callable

import jax
import numpy as np

from lesson_lib import _checks, mlp, monitor, optim
from lesson_lib.exercises import CheckResult, call_for_number, checker, failed, passed

__all__ = ["DIAGNOSES", "check_update_ratio", "reference_update_ratio", "check_diagnosis", "mystery_runs", "RUN_STEPS"]

DIAGNOSES = ("healthy", "lr too high", "lr too low", "overfitting", "bad initialization",
             "batch too small")
"""The answers `check_diagnosis` understands."""

_ALIASES = {
    "learning rate too high": "lr too high", "lr too large": "lr too high",
    "learning rate too low": "lr too low", "lr too small": "lr too low",
    "learning rate too small": "lr too low", "overfit": "overfitting",
    "bad init": "bad initialization", "bad initialisation": "bad initialization",
    "initialization": "bad initialization", "batch size too small": "batch too small",
    "too small a batch": "batch too small", "fine": "healthy", "ok": "healthy",
}

RUN_STEPS = 400
"""Steps of every mystery run (checks every 20 steps)."""

# run -> (diagnosis, settings). The settings differ from the healthy run in one thing each.
_RUNS = {
    "run_a": ("overfitting", dict(train=50)),
    "run_b": ("lr too low", dict(lr=1e-4)),
    "run_c": ("bad initialization", dict(scale=10.0)),
    "run_d": ("healthy", dict()),
    "run_e": ("batch too small", dict(batch_size=1)),
    "run_f": ("lr too high", dict(lr=3.0)),
}

_HINTS = {
    "healthy": "Every vital sign of this run is normal: the loss falls smoothly from about log 10 = 2.3, "
               "train and validation accuracy climb together, and the update/weight ratios sit in the band "
               "around 1e-3.",
    "lr too high": "Look at the update/weight panel: the last layer's ratio is far above 1e-2, and the loss "
                   "jumps far above its starting value (log 10 ≈ 2.3) and stays there.",
    "lr too low": "Look at the update/weight panel: every ratio is near 1e-5, a hundred times below the "
                  "rule of thumb, and the loss has barely left log 10 ≈ 2.3.",
    "overfitting": "Compare the two accuracy curves: training accuracy reaches 1 while validation accuracy "
                   "stops far below it. The gap is the overfitting.",
    "bad initialization": "Look at the loss at step 0: a network that knows nothing should score about "
                          "log 10 ≈ 2.3, and this one starts far higher, so its first outputs are large and "
                          "confidently wrong (its tanh units start saturated).",
    "batch too small": "The accuracies still climb, but the loss wiggles over a wide range from step to "
                       "step: each step sees very few examples, so each gradient is noisy.",
}


def _normalize(answer) -> str | None:
    if not isinstance(answer, str):
        return None
    text = " ".join(answer.lower().replace("_", " ").replace("-", " ").split())
    return text if text in DIAGNOSES else _ALIASES.get(text)


@checker
def check_diagnosis(run: str, answer: str) -> CheckResult:
    """Is `answer` the diagnosis of mystery run `run`?

    Example:
      >>> check_diagnosis("run_d", "healthy").passed
      True
      >>> print(check_diagnosis("run_z", "healthy"))
      ❌ There is no run 'run_z': the runs are run_a, run_b, run_c, run_d, run_e, run_f.
    """
    if run not in _RUNS:
        return failed(f"There is no run {run!r}: the runs are {', '.join(_RUNS)}.")
    if answer is None or answer == "?" or answer == "":
        return failed(f"{run}: no diagnosis yet. Replace the '?' with one of: {', '.join(DIAGNOSES)}.")
    got = _normalize(answer)
    if got is None:
        return failed(f"{run}: {answer!r} is not one of the diagnoses: {', '.join(DIAGNOSES)}.")
    truth = _RUNS[run][0]
    if got == truth:
        return passed(f"{run}: {truth}. {_HINTS[truth]}")
    return failed(f"{run}: not {got}.", _HINTS[truth])


def mystery_runs(digits: monitor.Digits, *, key, steps: int = RUN_STEPS) -> dict:
    """Train the six mystery runs on `digits` (1000 training images); `{run: Record}`.

    The healthy run: the lesson's 64–32–32–10 tanh network, Glorot weights,
    SGD at lr 0.1 with batches of 32, no L2. Each other run changes one thing.
    A run on fewer training images repeats them so that the arrays keep their
    size (nothing new to compile).

    Every run starts from `mlp.init_mlp((64, 32, 32, 10), key=key)`, the same
    weights a learner gets from that call with the same `key`, and draws its
    mini-batches with `jax.random.fold_in(key, 1)`.
    """
    _checks.prng_key("key", key)
    base = mlp.init_mlp((64, 32, 32, 10), key=key)
    out = {}
    for run, (_, change) in _RUNS.items():
        settings = {**dict(lr=0.1, scale=1.0, batch_size=32, train=len(digits.y)), **change}
        keep = np.resize(np.arange(settings["train"]), len(digits.y))
        params = [{"w": settings["scale"] * layer["w"], "b": layer["b"]} for layer in base]
        out[run] = monitor.train_monitored(
            params, optim.make("sgd", learning_rate=settings["lr"]), steps,
            data=(digits.x[keep], digits.y[keep]), val=(digits.x_val, digits.y_val),
            key=jax.random.fold_in(key, 1), batch_size=settings["batch_size"], every=20,
            histograms=True)
    return out


_CASES = (
    (np.array([[3.0, 0.0], [0.0, 4.0]]), np.array([[3.0, 0.003], [0.0, 4.004]])),
    (np.array([1.0, -2.0, 2.0]), np.array([1.5, -2.0, 2.0])),
    (np.linspace(-1.0, 1.0, 12).reshape(3, 4), np.linspace(-1.0, 1.0, 12).reshape(3, 4) * 0.99),
)


def _slips(w, w_new) -> dict[str, float]:
    norm = np.linalg.norm
    return {
        "You divided the change of the norms, (‖w_new‖ − ‖w‖)/‖w‖: the ratio measures the norm of the "
        "change, ‖w_new − w‖ (a step that only turns w changes no norm).":
            abs(norm(w_new) - norm(w)) / norm(w),
        "Your ratio is upside down: divide the size of the step by the size of the weights.":
            norm(w) / norm(w_new - w),
        "You compared squared norms: take square roots (np.linalg.norm does).":
            np.sum((w_new - w) ** 2) / np.sum(w ** 2),
        "You divided by the new weights: the notes divide by the weights before the step.":
            norm(w_new - w) / norm(w_new),
    }


def reference_update_ratio(w, w_new) -> float:
    """`‖w_new − w‖ / ‖w‖`: the size of a step relative to the weights before it (Frobenius norms).

    Example:
      >>> round(reference_update_ratio(np.array([3.0, 4.0]), np.array([3.0, 4.005])), 6)
      0.001
    """
    w, w_new = np.asarray(w, np.float64), np.asarray(w_new, np.float64)
    return float(np.linalg.norm(w_new - w) / np.linalg.norm(w))


@checker
def check_update_ratio(fn: Callable) -> CheckResult:
    """Check `fn(w, w_new) -> float`: `‖w_new − w‖ / ‖w‖` (Frobenius norms of the whole arrays).

    Example:
      >>> check_update_ratio(lambda w, w_new: np.linalg.norm(w_new - w) / np.linalg.norm(w)).passed
      True
    """
    for w, w_new in _CASES:
        got, problem = call_for_number(fn, w.copy(), w_new.copy())
        if problem is not None:
            return problem
        expected = reference_update_ratio(w, w_new)
        if np.isclose(got, expected, rtol=1e-5):
            continue
        hint = next((text for text, value in _slips(w, w_new).items() if np.isclose(got, value, rtol=1e-5)),
                    "Subtract the weights before the step from those after it, take the norm of that "
                    "difference (np.linalg.norm), and divide by the norm of the weights before the step.")
        return failed(f"For weights of shape {w.shape} expected a ratio of {expected:.4g}, got {got:.4g}.",
                      hint)
    return passed(f"Correct: your ratio matches ‖w_new − w‖ / ‖w‖ on {len(_CASES)} arrays.")
