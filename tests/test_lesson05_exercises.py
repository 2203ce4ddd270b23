import pytest

from resnet_lib import check_exercise

RIGHT = {
    "05.1": "vanish",  # plain, no BN: the product of Jacobians shrinks
    "05.2": "explode",  # plain + BN: it grows toward the input
    "05.3": [[1.5, 0.0], [0.2, 0.5]],  # I + W
    "05.4": 0.95**100,
    "05.5": 1.0,
}
WRONG = {"05.1": ["explode"], "05.2": ["vanish"], "05.3": [[[0.5, 0.0], [0.2, -0.5]], [[1, 0], [0, 1]]],
         "05.4": [0.95, 0.05], "05.5": [0.0, 500]}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_an_answer_that_is_not_a_direction_is_wrong_with_the_reason(capsys):
    assert check_exercise("05.1", "shrink") is False
    assert "answer with one of ('vanish', 'explode')" in capsys.readouterr().out
