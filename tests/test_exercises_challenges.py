"""Lesson 12's checker: right answers pass, the usual slips get their hint."""

import numpy as np

from lesson_lib.exercises.challenges import check_loss_raising_lr


def right(g, H):
    return 2 * (g @ g) / (g @ H @ g)


def test_a_right_answer_passes():
    result = check_loss_raising_lr(right)
    assert result.passed and result.message.startswith("✅")


def test_the_usual_slips_get_their_hints():
    cases = {
        "Half the answer": lambda g, H: (g @ g) / (g @ H @ g),
        "upside down": lambda g, H: (g @ H @ g) / (2 * (g @ g)),
        "2/λmax": lambda g, H: 2 / np.linalg.eigvalsh(H).max(),
        "divide by ε": lambda g, H: 1.0,
    }
    for hint, answer in cases.items():
        result = check_loss_raising_lr(answer)
        assert not result.passed and hint in result.message, (hint, result.message)
        assert "expected" in result.message and "got" in result.message


def test_unfinished_and_broken_answers_are_explained():
    def todo(g, H):
        raise NotImplementedError

    assert "Not implemented yet" in check_loss_raising_lr(todo).message
    assert "raised ZeroDivisionError" in check_loss_raising_lr(lambda g, H: 1 / 0).message
    assert "one number" in check_loss_raising_lr(lambda g, H: "fast").message
