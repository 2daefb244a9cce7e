"""`lesson_lib.exercises`: the shared pieces every checker uses (results, politeness, the lesson's data)."""

import jax
import numpy as np
import pytest

from lesson_lib import _checks
from lesson_lib.exercises import (call_answer, call_for_number, check_close, check_xy, checker, failed,
                                  lesson_data_or, passed)


def test_checker_turns_a_wrong_call_into_a_message():
    @checker
    def check_count(fn, n):
        n = _checks.integer("n", n, 1)
        return passed(f"n = {n}")

    assert check_count(None, np.int64(2)).passed
    for bad, words in [(0, "n must be an integer >= 1, got 0"), (2.0, "(a float: write 2, not 2.0)")]:
        result = check_count(None, bad)
        assert not result.passed and result.message.startswith("❌ This check cannot run: ")
        assert words in result.message


def test_checker_lets_other_errors_through():
    @checker
    def broken(fn):
        raise KeyError("a bug in the checker itself must stay visible")

    with pytest.raises(KeyError):
        broken(None)


def test_lesson_data_or_gives_both_or_neither():
    x, y = lesson_data_or(None, None)
    assert x.shape == y.shape == (100,)
    from lesson_lib.data import linear_regression_data
    np.testing.assert_array_equal(x, linear_regression_data(key=jax.random.key(0))[0])  # lessons 01-04's data
    mine = (np.array([1.0, 2.0]), np.array([2.0, 4.0]))
    assert lesson_data_or(*mine) is not None and lesson_data_or(*mine)[0] is mine[0]
    with pytest.raises(ValueError, match="got only x"):
        lesson_data_or(mine[0], None)
    with pytest.raises(ValueError, match="got only y"):
        lesson_data_or(None, mine[1])


def test_check_xy():
    check_xy(np.ones(3), np.zeros(3))
    for x, y, words in [(np.ones(3), np.ones(2), "same shape"), (np.array([]), np.array([]), "non-empty"),
                        (np.array([np.inf]), np.ones(1), "x must contain only finite"),
                        (np.ones(1), np.array([np.nan]), "y must contain only finite")]:
        with pytest.raises(ValueError, match=words):
            check_xy(x, y)


def test_calling_the_answer():
    assert call_answer(lambda a: a + 1, 1) == (2, None)
    _, todo = call_answer(lambda: (_ for _ in ()).throw(NotImplementedError()))
    assert "Not implemented yet" in todo.message
    _, crash = call_answer(lambda: 1 / 0)
    assert "ZeroDivisionError" in crash.message
    assert call_for_number(lambda: np.float32(0.5)) == (0.5, None)
    assert "one number" in call_for_number(lambda: [1, 2])[1].message


def test_results_read_well():
    assert str(passed("fine")) == "✅ fine" and bool(passed("fine"))
    result = failed("off", "try again")
    assert repr(result) == "❌ off\nHint: try again" and not result
    assert not check_close([1.0, 2.0], [1.0], what="the gradient").passed
    assert "expected [2.], got [1.]" in check_close([1.0], [2.0], what="the gradient").message


def test_yours_or_reference_keeps_a_passing_answer_and_replaces_a_blank_one(capsys):
    from lesson_lib.exercises import failed, passed, yours_or_reference

    def check(fn):
        try:
            return passed("ok") if fn(2) == 4 else failed("no")
        except NotImplementedError:
            return failed("Not implemented yet.")

    def blank(v):
        raise NotImplementedError

    def mine(v):
        return v * v

    def reference(v):
        return v + v

    assert yours_or_reference(mine, check, reference) is mine
    assert capsys.readouterr().out == ""
    assert yours_or_reference(blank, check, reference) is reference
    assert "library's reference" in capsys.readouterr().out
