import pytest
import torch

from resnet_lib import Residual, check_exercise
from resnet_lib.exercises.lesson02 import is_zero_padding_shortcut, projection_parameters

torch.manual_seed(0)
X = torch.randn(4, 3, 6, 6)
# ResNet-18's three 1x1 projections (weights and biases), into its 128-, 256- and 512-channel stages
PROJECTIONS = sum(c_in * c_out + c_out for c_in, c_out in ((64, 128), (128, 256), (256, 512)))


def pad_by_hand(x, channels, stride):
    """Option A as He et al.'s CIFAR code writes it: zero channels on both sides of the subsampled x."""
    kept = x[:, :, ::stride, ::stride]
    extra = channels - kept.shape[1]
    return torch.nn.functional.pad(kept, (0, 0, 0, 0, extra // 2, extra - extra // 2))


def pad_by_pooling(x, channels, stride):  # a wrong subsampling: averages 2x2 cells instead of taking one pixel
    kept = torch.nn.functional.avg_pool2d(x, stride, ceil_mode=True) if stride > 1 else x
    return torch.cat([kept, kept.new_zeros(kept.shape[0], channels - kept.shape[1], *kept.shape[2:])], dim=1)


def pad_with_copies(x, channels, stride):  # not zeros: repeats x to fill the channels
    kept = x[:, :, ::stride, ::stride]
    return kept.repeat(1, channels // kept.shape[1] + 1, 1, 1)[:, :channels]


RIGHT = {
    "02.1": -X.min().item(),  # the first block's ReLU zeroes the negatives; later blocks pass the rest on
    "02.2": (4, 6, 4, 4),  # floor((7 + 2 - 3) / 2) + 1 == floor((7 - 1) / 2) + 1 == 4
    "02.3": ({"residual": {1: 0.871, 2: 0.802}, "plain": {1: 1.176, 2: 1.169}}, "plain higher"),
    "02.4": (pad_by_hand, PROJECTIONS),
}
WRONG = {
    "02.1": [0.0, X.abs().sum().item(), X.max().item()],
    "02.2": [(4, 6, 3, 3), (4, 3, 4, 4)],
    "02.3": [(RIGHT["02.3"][0], "not told apart"), (RIGHT["02.3"][0], "plain lower"),
             ({"residual": {1: 0.9, 2: 0.8}, "plain": {1: 0.95, 2: 0.75}}, "plain higher"),  # mixed: not told apart
             ({"residual": {1: 0.871}, "plain": {1: 1.176}}, "plain higher")],  # one seed cannot be judged
    "02.4": [(pad_by_hand, PROJECTIONS + 1), (pad_by_pooling, PROJECTIONS), (pad_with_copies, PROJECTIONS),
             (pad_by_hand, PROJECTIONS + 2 * (128 + 256 + 512))],  # counting batch norms the d2l block does not have
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_the_stack_answer_is_not_just_the_largest_entry():
    assert abs(X.max().item() - RIGHT["02.1"]) > 1e-3  # so 02.1 tells a guess from a measurement


def test_a_hand_rounded_answer_to_the_digits_asked_passes():
    assert check_exercise("02.1", round(RIGHT["02.1"], 3))


def test_zero_padding_may_put_the_zero_channels_anywhere_but_must_keep_x_whole():
    assert is_zero_padding_shortcut(pad_by_hand)
    assert not is_zero_padding_shortcut(lambda x, channels, stride: x[:, :, ::stride, ::stride])  # no padding
    assert not is_zero_padding_shortcut(lambda x, channels, stride: torch.zeros(1))


def test_natural_types_are_accepted():
    assert check_exercise("02.2", [4, 6, 4, 4])  # a list for a tuple
    assert check_exercise("02.2", torch.Size([4, 6, 4, 4]))
    losses, verdict = RIGHT["02.3"]
    as_lists = {name: {str(s): torch.tensor(v) for s, v in by_seed.items()} for name, by_seed in losses.items()}
    assert check_exercise("02.3", [{name: {int(s): v for s, v in d.items()} for name, d in as_lists.items()}, verdict])
    assert check_exercise("02.4", [pad_by_hand, float(PROJECTIONS)])


def test_projection_count_covers_both_styles():
    assert projection_parameters(Residual(8, 8)) == 0  # an identity shortcut has none
    tv_shortcut = 3 * 6 + 2 * 6  # no conv bias, but a batch norm on the shortcut
    assert projection_parameters(Residual(3, 6, True, 2, style="torchvision")) == tv_shortcut


def test_malformed_answers_are_wrong_not_crashes():
    assert check_exercise("02.3", str(RIGHT["02.3"])) is False
    assert check_exercise("02.4", None) is False
    assert check_exercise("02.4", (pad_by_hand, True)) is False
    assert check_exercise("02.1", "2.6") is False
