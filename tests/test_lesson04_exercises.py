"""Lesson 04's exercise checkers accept the right answers and reject near misses."""

import pytest

RIGHT = {"04.1": 235, "04.2": 0.104, "04.3": 7, "04.4": (96 / 28) ** 2, "04.5": 0.91}
WRONG = {"04.1": 234, "04.2": 0.11, "04.3": 6, "04.4": 96 / 28, "04.5": 0.9}


@pytest.mark.parametrize("key", RIGHT)
def test_right_answers_pass_and_near_misses_fail(key, judge):
    judge(key, RIGHT[key], [WRONG[key], None])
