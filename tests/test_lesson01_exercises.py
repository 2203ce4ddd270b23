import pytest
import torch

from resnet_lib import check_exercise
from resnet_lib.lessons.function_classes import grid, target

RIGHT = {
    "01.1": {3, 6, 9, 12},  # 3 divides m
    "01.2": 3,  # the jump at 0 falls inside the middle piece of 3 equal pieces
    "01.3": round(target(grid()).std(unbiased=False).item(), 3),  # the best constant is the mean
    "01.4": 0.0,  # dirac_ copies the (non-negative) max-pool output
}
WRONG = {"01.1": [{3, 6, 9}, {1, 3, 6, 9, 12}], "01.2": [2, 4], "01.3": [RIGHT["01.3"] + 0.01, 0.0],
         "01.4": [1.0, 0.5]}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_malformed_answers_are_wrong_not_crashes():
    assert check_exercise("01.1", [3, 6, 9, 12]) is False
    assert check_exercise("01.2", "3") is False
    assert check_exercise("01.3", None) is False
    assert check_exercise("01.4", torch.tensor(0.0)) is False


def test_rmse_of_constant_matches_hand_formula():
    y = target(grid())
    assert abs(RIGHT["01.3"] - ((y - y.mean()) ** 2).mean().sqrt().item()) < 5e-4
