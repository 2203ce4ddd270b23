import pytest
import torch

from resnet_lib import check_exercise

torch.manual_seed(0)
X = torch.randn(4, 3, 6, 6)

RIGHT = {
    "02.1": -X.min().item(),  # the first block's ReLU zeroes the negatives; later blocks pass the rest on
    "02.2": (4, 6, 4, 4),  # floor((7 + 2 - 3) / 2) + 1 == floor((7 - 1) / 2) + 1 == 4
    "02.3": (3 * 3 * 3 * 6 + 6) + (3 * 3 * 6 * 6 + 6) + (3 * 6 + 6) + 2 * 2 * 6,
    "02.4": torch.linspace(-1, 1, 32).clamp_min(0).sum().item(),  # relu(x)
    "02.5": 2 * (128 - 64),
}
WRONG = {
    "02.1": [0.0, X.abs().sum().item(), X.max().item()],
    "02.2": [(4, 6, 3, 3), (4, 3, 4, 4)],
    "02.3": [RIGHT["02.3"] + 1, RIGHT["02.3"] - 24],
    "02.4": [torch.linspace(-1, 1, 32).sum().item(), RIGHT["02.4"] + 0.1],
    "02.5": [0, -128],
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_the_stack_answer_is_not_just_the_largest_entry():
    assert abs(X.max().item() - RIGHT["02.1"]) > 1e-3  # so 02.1 tells a guess from a measurement


def test_natural_types_are_accepted():
    assert check_exercise("02.2", [4, 6, 4, 4])  # a list for a tuple
    assert check_exercise("02.2", torch.Size([4, 6, 4, 4]))
    assert check_exercise("02.3", float(RIGHT["02.3"]))


def test_malformed_answers_are_wrong_not_crashes():
    assert check_exercise("02.3", str(RIGHT["02.3"])) is False
    assert check_exercise("02.4", None) is False
    assert check_exercise("02.5", True) is False
    assert check_exercise("02.1", "2.6") is False
