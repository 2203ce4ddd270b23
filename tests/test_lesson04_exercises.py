"""Lesson 04's exercise checkers accept the right answers and reject near misses."""

import pytest

from resnet_lib.exercises import check_exercise

RIGHT = {"04.1": "test-time flip", "04.2": 0.91, "04.3": 0.5003, "04.4": 7, "04.5": 0.3}
WRONG = {"04.1": "flips", "04.2": 0.9, "04.3": 0.0, "04.4": 6, "04.5": 0.5}


@pytest.mark.parametrize("key", RIGHT)
def test_right_answers_pass_and_near_misses_fail(key, judge):
    judge(key, RIGHT[key], [WRONG[key], None])


def test_natural_spellings_of_a_name_and_of_a_number_pass():
    assert check_exercise("04.1", "Test-Time  Flip", quiet=True)
    assert check_exercise("04.4", 7.0, quiet=True)
    assert check_exercise("04.5", 0.299, quiet=True)  # the peak step counted from 0 or from 1


def test_a_number_for_a_name_says_the_type_is_the_problem(capsys):
    assert not check_exercise("04.1", 3)
    assert "in quotes" in capsys.readouterr().err
