"""Lesson 10: grid, random and Bayesian search, the Gaussian-process surrogate, k-fold splits.

References are independent: a float64 NumPy Gaussian-process posterior written
from the textbook formulas, scipy's normal distribution for the expected
improvement, scikit-learn's `KFold` and `Ridge`, and closed-form facts
(log-uniform samples spread evenly over decades, grid counts).
"""

import math

import jax
import numpy as np
import pytest
from scipy.stats import norm
from sklearn.linear_model import Ridge
from sklearn.model_selection import KFold

from lesson_lib import search
from lesson_lib.compilation import count_compilations
from lesson_lib.search import (bayes_opt, expected_improvement, from_unit, gp_posterior, grid_search, kfold,
                               random_search, ridge_cv_errors, to_unit)

SQUARE = {"a": (0.0, 1.0, "linear"), "b": (0.0, 1.0, "linear")}


def numpy_posterior(xs, ys, cs, ell, noise):
    """The GP posterior in float64, from the formulas (standardised y, unit signal variance)."""
    xs, ys, cs = (np.asarray(v, np.float64) for v in (xs, ys, cs))
    mu, sd = ys.mean(), ys.std()
    sd = sd if sd > 0 else 1.0
    z = (ys - mu) / sd
    k = lambda a, b: np.exp(-((a[:, None, :] - b[None, :, :]) ** 2).sum(-1) / (2 * ell ** 2))
    kxx = k(xs, xs) + noise * np.eye(len(xs))
    ks = k(xs, cs)
    mean = ks.T @ np.linalg.solve(kxx, z)
    var = 1.0 - np.einsum("ij,ij->j", ks, np.linalg.solve(kxx, ks))
    return mean * sd + mu, np.sqrt(np.clip(var, 0, None)) * sd


# --- spaces ----------------------------------------------------------------------------------


def test_unit_maps_are_inverse_and_log_axes_are_geometric():
    space = {"lr": (1e-4, 1.0, "log"), "m": (0.5, 0.99, "linear")}
    u = np.array([[0.0, 0.0], [0.25, 0.5], [1.0, 1.0]])
    v = from_unit(space, u)
    np.testing.assert_allclose(v[:, 0], [1e-4, 1e-3, 1.0], rtol=1e-12)
    np.testing.assert_allclose(v[:, 1], [0.5, 0.745, 0.99], rtol=1e-12)
    np.testing.assert_allclose(to_unit(space, v), u, atol=1e-12)


@pytest.mark.parametrize("space, words", [
    ({}, "non-empty"), ({"lr": (1.0, 0.1, "log")}, "low < high"), ({"lr": (0.0, 1.0, "log")}, "low must be > 0"),
    ({"lr": (1e-3, 1.0, "cubic")}, "'linear' or 'log'"), ({"lr": (1e-3, 1.0)}, "low, high"),
    ({"lr": (np.nan, 1.0, "linear")}, "finite"),
])
def test_bad_spaces_are_refused(space, words):
    with pytest.raises(ValueError, match=words):
        grid_search(lambda p: 0.0, space, 3)


def test_on_border_measures_decades_on_log_axes():
    space = {"lr": (1e-6, 1.0, "log"), "m": (0.0, 1.0, "linear")}
    # 10^-0.2 is 0.2 decades (3.3 %) from the top; 0.5 decades (8.3 %) is inside
    assert search.on_border(space, {"lr": 10 ** -0.2, "m": 0.5}) == ("lr",)
    assert search.on_border(space, {"lr": 10 ** -0.5, "m": 0.03}) == ("m",)
    assert search.on_border(space, {"lr": 1e-3, "m": 0.5}) == ()


# --- grid and random search ------------------------------------------------------------------


def test_grid_tries_every_combination_with_few_distinct_values_per_axis():
    seen = []
    r = grid_search(lambda p: seen.append(p) or (p["a"] - 0.7) ** 2 + p["b"], SQUARE, 4)
    assert len(r.points) == 16 and seen == r.points
    assert sorted({round(p["a"], 9) for p in r.points}) == pytest.approx([0, 1 / 3, 2 / 3, 1])
    assert r.best == pytest.approx({"a": 2 / 3, "b": 0.0})
    assert r.on_border == ("b",)


def test_grid_counts_per_axis_and_log_spacing():
    r = grid_search(lambda p: 0.0, {"lr": (1e-4, 1.0, "log"), "m": (0.0, 1.0, "linear")}, {"lr": 5, "m": 1})
    assert [p["lr"] for p in r.points] == pytest.approx([1e-4, 1e-3, 1e-2, 1e-1, 1.0])
    assert {p["m"] for p in r.points} == {0.5}


@pytest.mark.slow
def test_random_search_on_a_log_axis_fills_every_decade_equally():
    r = random_search(lambda p: 0.0, {"lr": (1e-4, 1.0, "log")}, 4000, key=jax.random.key(1))
    lrs = np.array([p["lr"] for p in r.points])
    assert lrs.min() >= 1e-4 and lrs.max() <= 1.0
    shares = np.histogram(np.log10(lrs), bins=[-4, -3, -2, -1, 0])[0] / lrs.size
    np.testing.assert_allclose(shares, 0.25, atol=0.03)
    linear = random_search(lambda p: 0.0, {"lr": (1e-4, 1.0, "linear")}, 4000, key=jax.random.key(1))
    above = np.mean([p["lr"] > 0.1 for p in linear.points])
    assert above == pytest.approx(0.9, abs=0.02)  # uniform on [1e-4, 1]: 90 % of the length is above 0.1


def test_random_search_tries_distinct_values_of_the_important_parameter():
    r = random_search(search.important_unimportant, SQUARE, 16, key=jax.random.key(0))
    assert len({p["a"] for p in r.points}) == 16
    assert r.best_value == min(search.important_unimportant(p) for p in r.points)


def test_batched_objective_gives_the_same_values():
    f = lambda p: (np.asarray(p["a"]) - 0.3) ** 2 + np.asarray(p["b"])
    one = random_search(f, SQUARE, 20, key=jax.random.key(3))
    many = random_search(f, SQUARE, 20, key=jax.random.key(3), batched=True)
    np.testing.assert_allclose(one.values, many.values, rtol=1e-12)
    with pytest.raises(ValueError, match="batched objective"):
        random_search(lambda p: np.zeros(3), SQUARE, 20, key=jax.random.key(3), batched=True)


def test_failed_evaluations_are_recorded_never_best():
    def flaky(p):
        if p["a"] < 0.5:
            return math.nan  # "diverged"
        if p["a"] > 0.9:
            raise FloatingPointError("overflow")
        return p["a"]

    r = grid_search(flaky, {"a": (0.0, 1.0, "linear")}, 11)
    assert r.failed == (0, 1, 2, 3, 4, 10)
    assert r.best == pytest.approx({"a": 0.5}) and r.best_value == pytest.approx(0.5)
    assert np.isinf(r.best_so_far()[:5]).all() and r.best_so_far()[-1] == pytest.approx(0.5)
    nothing = grid_search(lambda p: math.inf, {"a": (0.0, 1.0, "linear")}, 3)
    assert nothing.best is None and math.isnan(nothing.best_value) and nothing.on_border == ()
    assert "every evaluation failed" in repr(nothing)


def test_bad_counts_and_objectives_are_refused():
    with pytest.raises(ValueError, match="n_per_axis"):
        grid_search(lambda p: 0.0, SQUARE, 0)
    with pytest.raises(ValueError, match="n_per_axis"):
        grid_search(lambda p: 0.0, SQUARE, {"a": 3})
    with pytest.raises(ValueError, match="n must be"):
        random_search(lambda p: 0.0, SQUARE, 0, key=jax.random.key(0))
    with pytest.raises(ValueError, match="objective"):
        random_search("f", SQUARE, 3, key=jax.random.key(0))
    with pytest.raises(ValueError, match="acquisition"):
        bayes_opt(lambda p: 0.0, SQUARE, 5, key=jax.random.key(0), acquisition="pi")


# --- the surrogate ---------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.parametrize("n, d, ell", [(1, 1, 0.2), (5, 1, 0.15), (9, 2, 0.3), (20, 3, 0.5)])
def test_gp_posterior_matches_a_float64_reference(n, d, ell):
    rng = np.random.default_rng(n)
    xs, cs = rng.uniform(size=(n, d)), rng.uniform(size=(50, d))
    ys = np.sin(6 * xs).sum(1) + 3.0
    mean, std = gp_posterior(xs, ys, cs, length_scale=ell, noise=1e-2)
    ref_mean, ref_std = numpy_posterior(xs, ys, cs, ell, 1e-2)
    scale = max(ys.std(), 1.0)
    np.testing.assert_allclose(mean, ref_mean, atol=2e-4 * scale)
    np.testing.assert_allclose(std, ref_std, atol=2e-3 * scale)


def test_gp_interpolates_and_is_unsure_far_away():
    xs = np.array([[0.1], [0.5], [0.9]])
    mean, std = gp_posterior(xs, [2.0, -1.0, 0.5], np.r_[xs, [[0.3]]], length_scale=0.1, noise=1e-6)
    np.testing.assert_allclose(mean[:3], [2.0, -1.0, 0.5], atol=1e-2)
    assert std[:3].max() < 0.01 < 0.5 < std[3]


def test_gp_rejects_bad_input():
    with pytest.raises(ValueError, match="ys"):
        gp_posterior([[0.1], [0.2]], [1.0], [[0.5]])
    with pytest.raises(ValueError, match="ys must contain only finite"):
        gp_posterior([[0.1]], [np.nan], [[0.5]])
    with pytest.raises(ValueError, match="length_scale"):
        gp_posterior([[0.1]], [1.0], [[0.5]], length_scale=0.0)
    with pytest.raises(ValueError, match="candidates"):
        gp_posterior([[0.1]], [1.0], [[0.5, 0.5]])


def test_expected_improvement_matches_the_closed_form():
    mean = np.array([0.0, 1.0, -0.5, 2.0, 0.3])
    std = np.array([1.0, 0.5, 0.2, 0.1, 0.0])
    best, xi = 0.4, 0.05
    gap = best - mean - xi
    with np.errstate(divide="ignore", invalid="ignore"):
        ref = np.where(std > 0, gap * norm.cdf(gap / std) + std * norm.pdf(gap / std), np.maximum(gap, 0))
    np.testing.assert_allclose(expected_improvement(mean, std, best, xi), ref, rtol=1e-5, atol=1e-7)


def test_expected_improvement_agrees_with_sampling():
    draws = np.random.default_rng(0).normal(0.2, 0.7, 400_000)
    mc = np.maximum(0.5 - draws, 0).mean()
    assert float(expected_improvement(0.2, 0.7, 0.5)) == pytest.approx(mc, rel=0.01)


# --- Bayesian optimisation -------------------------------------------------------------------


@pytest.mark.slow
def test_bayes_opt_finds_a_one_dimensional_minimum():
    f = lambda p: (math.log10(p["lr"]) + 2.5) ** 2
    r = bayes_opt(f, {"lr": (1e-6, 1.0, "log")}, 12, key=jax.random.key(0))
    assert abs(math.log10(r.best["lr"]) + 2.5) < 0.1
    assert len(r.values) == 12 and len(r.history) == 9
    assert [step.n_observed for step in r.history] == list(range(3, 12))
    np.testing.assert_allclose(r.unit_points[3], r.history[0].next_unit)


@pytest.mark.slow
def test_bayes_beats_random_on_average_at_equal_budget():
    bayes, rand = [], []
    for seed in range(6):
        f = lambda p, c=0.2 + 0.1 * seed: search.important_unimportant(p, center=c)
        bayes.append(bayes_opt(f, SQUARE, 16, key=jax.random.key(seed)).best_value)
        rand.append(random_search(f, SQUARE, 16, key=jax.random.key(seed)).best_value)
    assert np.mean(bayes) < 0.5 * np.mean(rand)


@pytest.mark.slow
def test_bayes_opt_survives_failures_and_lcb_works():
    r = bayes_opt(search.lr_l2_standin, {"lr": (1e-5, 10.0, "log"), "l2": (1e-7, 1e-1, "log")}, 15,
                  key=jax.random.key(2), acquisition="lcb")
    assert r.best is not None and r.best["lr"] <= 0.3
    assert all(not np.isfinite(r.values[i]) for i in r.failed)
    assert r.best_value == np.nanmin(r.values)


@pytest.mark.slow
def test_bayes_opt_never_recompiles_for_a_new_key_or_objective():
    space = {"x": (0.0, 1.0, "linear")}
    bayes_opt(lambda p: p["x"] ** 2, space, 10, key=jax.random.key(0))
    gp_posterior([[0.1], [0.4]], [1.0, 2.0], np.zeros((200, 1)))
    with count_compilations() as count:
        bayes_opt(lambda p: (p["x"] - 0.5) ** 2, space, 10, key=jax.random.key(1))
        for n in range(1, 9):  # a growing history fits in one padded shape
            gp_posterior(np.linspace(0, 1, n)[:, None], np.arange(n) * 0.5, np.ones((200, 1)))
    assert count.compiles == 0


# --- cross-validation ------------------------------------------------------------------------


@pytest.mark.parametrize("n, k", [(10, 5), (11, 3), (1797, 5)])
def test_kfold_matches_scikit_learn(n, k):
    ours = kfold(n, k)
    theirs = list(KFold(k).split(np.arange(n)))
    assert len(ours) == k
    for (tr, va), (tr2, va2) in zip(ours, theirs):
        np.testing.assert_array_equal(tr, tr2)
        np.testing.assert_array_equal(va, va2)


def test_shuffled_kfold_validates_every_example_once():
    folds = kfold(23, 4, key=jax.random.key(0))
    val = np.concatenate([v for _, v in folds])
    np.testing.assert_array_equal(np.sort(val), np.arange(23))
    assert not np.array_equal(val, np.arange(23))
    for tr, va in folds:
        assert np.intersect1d(tr, va).size == 0 and tr.size + va.size == 23
    with pytest.raises(ValueError, match="k must be"):
        kfold(10, 1)
    with pytest.raises(ValueError, match="n must be"):
        kfold(3, 5)


@pytest.mark.slow
def test_ridge_cv_errors_match_scikit_learn_ridge():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 60)
    features = rng.normal(size=(60, 8)) + labels[:, None] * 0.4
    l2s = [1e-3, 0.3, 30.0]
    folds = kfold(60, 3, key=jax.random.key(0))
    val, train = ridge_cv_errors(features, labels, l2s, folds)
    assert val.shape == train.shape == (3, 3)
    for i, l2 in enumerate(l2s):
        for j, (tr, va) in enumerate(folds):
            # mean |φW − Y|² + λ|W|²  ⇔  sklearn's |φW − Y|² + α|W|² with α = n λ
            model = Ridge(alpha=l2 * tr.size, fit_intercept=False).fit(features[tr], np.eye(3)[labels[tr]])
            assert val[i, j] == pytest.approx(np.mean(model.predict(features[va]).argmax(1) != labels[va]))
            assert train[i, j] == pytest.approx(np.mean(model.predict(features[tr]).argmax(1) != labels[tr]))


def test_ridge_cv_errors_refuse_bad_input():
    f, y = np.ones((4, 2)), np.arange(4) % 2
    with pytest.raises(ValueError, match="l2s"):
        ridge_cv_errors(f, y, [0.0], kfold(4, 2))
    with pytest.raises(ValueError, match="labels"):
        ridge_cv_errors(f, y.astype(float), [1.0], kfold(4, 2))
    with pytest.raises(ValueError, match="folds"):
        ridge_cv_errors(f, y, [1.0], [(np.arange(3), np.arange(2))])


@pytest.mark.slow
def test_random_features_are_bounded_and_keyed():
    x = np.random.default_rng(0).normal(size=(5, 64))
    a = np.asarray(search.random_features(x, 32, key=jax.random.key(0)))
    b = np.asarray(search.random_features(x, 32, key=jax.random.key(1)))
    assert a.shape == (5, 32) and np.abs(a).max() < 1 and not np.allclose(a, b)


def test_the_lessons_objectives():
    assert search.important_unimportant({"a": 0.62, "b": 0.5}) == 0.0
    # moving b across its whole range costs at most 0.005; moving a by 0.1 costs 0.86
    assert search.important_unimportant({"a": 0.62, "b": 0.0}) == pytest.approx(0.005)
    assert search.important_unimportant({"a": 0.72, "b": 0.5}) == pytest.approx(1 - math.exp(-2))
    assert search.lr_l2_standin({"lr": 3e-2, "l2": 1e-4}) == pytest.approx(0.5)
    assert math.isnan(search.lr_l2_standin({"lr": 1.0, "l2": 1e-4}))


def test_ridge_cv_errors_compile_once_for_any_number_of_strengths():
    rng = np.random.default_rng(1)
    features, labels = rng.normal(size=(30, 5)), rng.integers(0, 2, 30)
    folds = kfold(30, 3)
    ridge_cv_errors(features, labels, [1.0], folds)
    with count_compilations() as count:
        for l2s in ([0.1], [1e-3, 1.0, 3.0], np.geomspace(1e-6, 1, 17)):
            val, _ = ridge_cv_errors(features, labels, l2s, folds)
            assert val.shape == (len(l2s), 3)
    assert count.compiles == 0


def test_randomness_enters_only_through_a_keyword_key():
    space = {"lr": (1e-4, 1.0, "log")}
    for bad in (0, None, "key"):
        with pytest.raises(ValueError, match="key must be a jax.random key"):
            search.random_search(lambda p: p["lr"], space, 5, key=bad)
        with pytest.raises(ValueError, match="key must be a jax.random key"):
            search.random_features(np.ones((2, 3)), 4, key=bad)
    with pytest.raises(ValueError, match="key must be a jax.random key"):
        kfold(6, 2, key=3)
    with pytest.raises(TypeError):
        search.random_search(lambda p: p["lr"], space, 5, jax.random.key(0))
    with pytest.raises(ValueError, match=r"n must be an integer >= 1, got 5.0 \(a float"):
        search.random_search(lambda p: p["lr"], space, 5.0, key=jax.random.key(0))
