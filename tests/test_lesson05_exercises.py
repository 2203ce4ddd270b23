import pytest

from resnet_lib import check_exercise
from resnet_lib.exercises.lesson05 import BRANCH_SCALES

RIGHT = {
    "05.1": "vanish",  # plain, no BN: the product of Jacobians shrinks
    "05.2": "explode",  # plain + BN: it grows toward the input
    "05.3": 0.1,  # residual chain: the length grows like exp(500 s^2)
    "05.4": "no",  # the float32 gradients are already inf/NaN: a smaller lr cannot help
    "05.5": 1,  # identity blocks: an int is accepted for 1.0
}
WRONG = {"05.1": ["explode"], "05.2": ["vanish"], "05.3": [0.05, 0.2, 0.5], "05.4": ["yes"], "05.5": [0.0, 500]}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_an_answer_that_is_not_one_of_the_words_says_so_without_a_hint(capsys):
    assert check_exercise("05.1", "shrink") is False
    out = capsys.readouterr().out
    assert "answer with one of 'vanish', 'explode'" in out and "Hint" not in out


def test_a_scale_that_was_not_tried_is_a_type_problem(capsys):
    assert check_exercise("05.3", 0.15) is False
    assert str(BRANCH_SCALES) in capsys.readouterr().out


def test_the_starter_answer_prints_no_hint(capsys):
    assert check_exercise("05.4", None) is False
    assert "Hint" not in capsys.readouterr().out
