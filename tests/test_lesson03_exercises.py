import pytest

from resnet_lib import check_exercise
from resnet_lib.exercises.lesson03 import resnet_main_path_layers

RIGHT = {
    "03.1": (9 * 128 * 256 + 256) + (9 * 256 * 256 + 256) + (128 * 256 + 256) + 2 * 2 * 256,
    "03.2": 2,
    "03.3": 33,
    "03.4": 48 * 48 * 64 * 7 * 7,
    "03.5": 34,
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_near_misses_fail(key, judge):
    judge(key, RIGHT[key], [RIGHT[key] + 1, RIGHT[key] - 1])


def test_malformed_answers_are_wrong_not_crashes():
    assert check_exercise("03.5", "34") is False
    assert check_exercise("03.2", True) is False
    assert check_exercise("03.3", None) is False


def test_resnet18_layout_has_18_main_path_layers():
    assert resnet_main_path_layers((2, 2, 2, 2)) == 18
