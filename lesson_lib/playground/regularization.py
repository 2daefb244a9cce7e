"""Lesson 11's playground: an L1 or L2 penalty's strength → coefficient paths, fitted coefficients, validation loss.

`PenaltyPlayground` fits lasso (L1) and ridge (L2) regressions of scikit-learn's
bundled diabetes data (10 standardised features, a disease-progression score)
on a grid of strengths once, when it is built, and draws their coefficient
paths and validation losses. The log-strength slider marks the current λ on
every panel and refits both models at exactly that λ (`regularize.lasso_path`
and `ridge_path`, compiled once: λ is traced), showing the fitted
coefficients as dots on the paths.
"""

import matplotlib as mpl
import numpy as np

from lesson_lib import _checks, regularize
from lesson_lib.playground.base import Playground, log_slider
from lesson_lib.plots.regularization import MAX_WIDTH, PENALTY_STYLE, paths_axes

__all__ = ["LOW", "HIGH", "diabetes_split", "validation_mse", "penalty_status", "PenaltyPlayground"]

LOW, HIGH = 1e-3, 1e2
"""The strength slider's range (both penalties; standardised features, targets in standard deviations)."""


def diabetes_split(n_train: int = 300, *, seed: int = 0):
    """The diabetes data (442 patients, 10 features), shuffled and split; standardised with training statistics.

    Features are centred and scaled to unit variance, the target centred and
    scaled to unit variance, so no intercept is needed.

    Returns:
      `(x, y, x_val, y_val, names)`.

    Example:
      >>> x, y, x_val, y_val, names = diabetes_split(300)
      >>> x.shape, x_val.shape, names[:3]
      ((300, 10), (142, 10), ['age', 'sex', 'bmi'])
    """
    from sklearn.datasets import load_diabetes

    _checks.int_in_range("n_train", n_train, 20, 422)
    data = load_diabetes()
    order = np.random.default_rng(seed).permutation(len(data.target))
    x, y = data.data[order], data.target[order]
    mean, scale = x[:n_train].mean(0), x[:n_train].std(0)
    y_mean, y_scale = y[:n_train].mean(), y[:n_train].std()
    x, y = (x - mean) / scale, (y - y_mean) / y_scale
    return x[:n_train], y[:n_train], x[n_train:], y[n_train:], list(data.feature_names)


def validation_mse(coefs, x_val, y_val) -> np.ndarray:
    """Mean squared error `mean (y − X w)²` on the validation set, per row of `coefs`.

    Example:
      >>> validation_mse(np.array([[1.0], [0.0]]), np.ones((2, 1)), np.ones(2)).tolist()
      [0.0, 1.0]
    """
    coefs = np.atleast_2d(coefs)
    return np.mean((np.asarray(y_val)[None, :] - coefs @ np.asarray(x_val).T) ** 2, axis=1)


def penalty_status(strength: float, nonzero: dict, mse: dict, features: int) -> str:
    """The playground's status line.

    Example:
      >>> penalty_status(0.05, {"l1": 6, "l2": 10}, {"l1": 0.51, "l2": 0.52}, 10)
      'λ = 0.05: nonzero coefficients L1 6 of 10, L2 10 of 10 · validation MSE L1 0.510, L2 0.520'
    """
    return (f"λ = {strength:.2g}: nonzero coefficients L1 {nonzero['l1']} of {features}, "
            f"L2 {nonzero['l2']} of {features} · validation MSE L1 {mse['l1']:.3f}, L2 {mse['l2']:.3f}")


class PenaltyPlayground(Playground):
    """L1 vs L2 penalties: drag the strength and watch the coefficients.

    Args:
      strength: the slider's starting value, in [LOW, HIGH].
      grid: how many strengths the paths are drawn at.
      n_train: training patients (the rest validate).

    Attributes (besides `Playground`'s):
      strengths: the grid of strengths; `paths`: "l1"/"l2" -> `(grid, 10)` coefficients;
      `val_mse`: "l1"/"l2" -> `(grid,)` validation MSE; `fitted`: the coefficients at the slider's λ;
      `shown`: the nonzero counts and validation MSEs at the slider's λ.
    """

    def __init__(self, strength: float = 0.03, *, grid: int = 60, n_train: int = 300):
        _checks.positive_float("strength", strength)
        if not LOW <= float(strength) <= HIGH:
            raise ValueError(f"strength must be in [{LOW:g}, {HIGH:g}], got {strength!r}")
        _checks.int_in_range("grid", grid, 5, 400)
        super().__init__({"strength": log_slider("strength λ", float(strength), LOW, HIGH)},
                         figsize=(MAX_WIDTH, 3.3))
        self.x, self.y, self.x_val, self.y_val, self.names = diabetes_split(n_train)
        self.strengths = np.geomspace(LOW, HIGH, int(grid))
        self.paths = {"l1": regularize.lasso_path(self.x, self.y, self.strengths),
                      "l2": regularize.ridge_path(self.x, self.y, self.strengths)}
        self.val_mse = {k: validation_mse(v, self.x_val, self.y_val) for k, v in self.paths.items()}
        axes = self.fig.subplots(1, 3)
        titles = {"l1": "L1: coefficients hit 0", "l2": "L2: coefficients shrink"}
        colors = [mpl.colormaps["tab10"](j % 10) for j in range(len(self.names))]
        limit = 1.1 * np.abs(self.paths["l2"]).max()
        self.dots = {}
        for ax, kind in zip(axes[:2], ("l1", "l2")):
            paths_axes(ax, self.strengths, self.paths[kind], title=titles[kind])
            ax.set_ylim(-limit, limit)
            self.dots[kind] = self.moving(ax.scatter(np.full(len(self.names), strength), self.paths[kind][0],
                                                     s=22, c=colors, edgecolors="black", linewidths=0.6, zorder=5))
        self._validation_axes(axes[2])
        self.lines = [self.moving(a.axvline(strength, color="black", ls=":", lw=1.3)) for a in axes]

    def _validation_axes(self, ax):
        for kind in ("l1", "l2"):
            ax.plot(self.strengths, self.val_mse[kind], lw=1.8, **PENALTY_STYLE[kind])
        ax.set_xscale("log")
        ax.set_xlim(LOW, HIGH)
        ax.set_ylim(0.3, 1.1)
        ax.set_xlabel("strength λ (log scale)")
        ax.set_ylabel("validation MSE (target in std units)")
        ax.set_title("Validation loss", fontsize=10)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        self.val_dots = {kind: self.moving(*ax.plot([], [], "o", ms=7, mec="black",
                                                    color=PENALTY_STYLE[kind]["color"])) for kind in ("l1", "l2")}

    def compute(self, strength):
        strength = float(strength)
        fitted = {"l1": regularize.lasso_path(self.x, self.y, strength),
                  "l2": regularize.ridge_path(self.x, self.y, strength)}
        mse = {k: float(validation_mse(w, self.x_val, self.y_val)[0]) for k, w in fitted.items()}
        nonzero = {k: int(np.sum(np.abs(w) > 1e-6)) for k, w in fitted.items()}
        return fitted, {"nonzero": nonzero, "mse": mse}

    def draw(self, result, strength):
        strength = float(strength)
        self.fitted, self.shown = result
        for line in self.lines:
            line.set_xdata([strength, strength])
        for kind, dots in self.dots.items():
            dots.set_offsets(np.c_[np.full(self.fitted[kind].size, strength), self.fitted[kind]])
            self.val_dots[kind].set_data([strength], [self.shown["mse"][kind]])
        return penalty_status(strength, self.shown["nonzero"], self.shown["mse"], len(self.names))
