import pytest
import torch

from resnet_lib import Residual, check_exercise
from resnet_lib.exercises.lesson02 import shortcut_share

torch.manual_seed(0)
X = torch.randn(4, 3, 6, 6)
SHORTCUT = 64 * 128 + 128  # the 1x1 conv's weights and biases

RIGHT = {
    "02.1": -X.min().item(),  # the first block's ReLU zeroes the negatives; later blocks pass the rest on
    "02.2": (4, 6, 4, 4),  # floor((7 + 2 - 3) / 2) + 1 == floor((7 - 1) / 2) + 1 == 4
    "02.3": SHORTCUT / ((3 * 3 * 64 * 128 + 128) + (3 * 3 * 128 * 128 + 128) + SHORTCUT + 2 * 2 * 128),
    "02.4": torch.linspace(-1, 1, 32).clamp_min(0).sum().item(),  # relu(x)
    "02.5": 2 * (128 - 64),
}
WRONG = {
    "02.1": [0.0, X.abs().sum().item(), X.max().item()],
    "02.2": [(4, 6, 3, 3), (4, 3, 4, 4)],
    "02.3": [24 / 546, 1 - RIGHT["02.3"], 100 * RIGHT["02.3"]],  # section 2's small block; the branch; percent
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
    assert check_exercise("02.3", torch.tensor(RIGHT["02.3"]))
    assert check_exercise("02.5", float(RIGHT["02.5"]))


def test_shortcut_share_needs_a_shortcut_conv():
    with pytest.raises(ValueError, match="identity shortcut"):
        shortcut_share(Residual(8, 8))
    tv_shortcut = 3 * 6 + 2 * 6  # no conv bias, but a batch norm on the shortcut
    tv_total = 3 * 3 * 3 * 6 + 3 * 3 * 6 * 6 + tv_shortcut + 2 * 2 * 6
    assert shortcut_share(Residual(3, 6, True, 2, style="torchvision")) == pytest.approx(tv_shortcut / tv_total)


def test_malformed_answers_are_wrong_not_crashes():
    assert check_exercise("02.3", str(RIGHT["02.3"])) is False
    assert check_exercise("02.4", None) is False
    assert check_exercise("02.5", True) is False
    assert check_exercise("02.1", "2.6") is False
