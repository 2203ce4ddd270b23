import pytest
import torch
import torch.nn.functional as F
import torchvision
from torchvision.models.resnet import Bottleneck, ResNet

from resnet_lib.measure import count_flops, count_parameters


def on_meta(build):
    with torch.device("meta"):
        return build()


def torchvision_flops(build) -> int:
    return count_flops(on_meta(build), (3, 224, 224)).total


# computed independently of the checkers: torchvision's own nets, and the shortcut layers counted by hand
UNGROUPED = on_meta(lambda: ResNet(Bottleneck, [3, 4, 6, 3], groups=1, width_per_group=128))
RIGHT = {
    "06.1": count_parameters(UNGROUPED) / count_parameters(on_meta(torchvision.models.resnext50_32x4d)),
    "06.2": torchvision_flops(torchvision.models.resnet101) / torchvision_flops(torchvision.models.resnet50),
}
PROJECTIONS_64 = (64 * 128 + 2 * 128) + (128 * 256 + 2 * 256)  # two 1x1 projections and their batch norms
WIDTH_16 = (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)


def option_a(x, channels, stride):
    x = x[:, :, ::stride, ::stride]
    return F.pad(x, (0, 0, 0, 0, 0, channels - x.shape[1]))


def pads_in_front(x, channels, stride):  # zeros first: not the identity on the first channels
    x = x[:, :, ::stride, ::stride]
    return F.pad(x, (0, 0, 0, 0, channels - x.shape[1], 0))


def averages(x, channels, stride):  # pools instead of subsampling
    x = F.avg_pool2d(x, stride) if stride > 1 else x
    return F.pad(x, (0, 0, 0, 0, 0, channels - x.shape[1]))


class Learned(torch.nn.Module):  # right values, but a parameter: not option A
    def __init__(self):
        super().__init__()
        self.scale = torch.nn.Parameter(torch.ones(()))

    def forward(self, x, channels, stride):
        return option_a(x, channels, stride) * self.scale


E20, E56 = {0: 0.313, 1: 0.374}, {0: 0.785, 1: 0.718}  # per seed, as lesson 06's errors hold them
RIGHT["06.3"] = ({20: E20, 32: {0: 0.45, 1: 0.35}, 56: E56}, 20)
RIGHT["06.4"] = (option_a, PROJECTIONS_64)
WRONG = {
    "06.1": [32, 1.0, RIGHT["06.1"] + 0.05],
    "06.3": [({20: E20, 32: {0: 0.45, 1: 0.35}, 56: E56}, 56),
             ({20: E20, 32: {0: 0.70, 1: 0.65}, 56: E56}, 20),
             ({20: E20, 32: {0: 0.45, 1: 0.35}, 56: E56}, "seeds disagree"),
             ({20: E20, 32: {0: 0.45, 1: 0.65}, 56: E56}, 20),  # seed 1 is closer to plain-56
             ({20: E20, 32: {0: 0.45, 1: 0.65}, 56: E56}, 56)],
    "06.4": [(option_a, WIDTH_16), (option_a, 0), (pads_in_front, PROJECTIONS_64), (averages, PROJECTIONS_64),
             (Learned(), PROJECTIONS_64)],
    "06.2": [101 / 50, 1.0, RIGHT["06.2"] - 0.05],
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_a_rounded_ratio_passes():
    from resnet_lib import check_exercise

    assert check_exercise("06.1", round(RIGHT["06.1"], 2), quiet=True)
    assert check_exercise("06.2", round(RIGHT["06.2"], 2), quiet=True)


def test_seeds_that_disagree_are_answered_so():
    from resnet_lib import check_exercise

    split = {20: E20, 32: {0: 0.45, 1: 0.65}, 56: E56}
    assert check_exercise("06.3", (split, "seeds disagree"), quiet=True)
    assert check_exercise("06.3", (split, "Seeds disagree "), quiet=True)


def test_a_tie_at_three_decimals_may_be_read_either_way():
    from resnet_lib import check_exercise

    tie = {20: {0: 0.300, 1: 0.300}, 32: {0: 0.5005, 1: 0.4}, 56: {0: 0.700, 1: 0.700}}  # seed 0 ties, seed 1 says 20
    assert check_exercise("06.3", (tie, 20), quiet=True) and check_exercise("06.3", (tie, "seeds disagree"), quiet=True)
    assert not check_exercise("06.3", (tie, 56), quiet=True)


def test_answers_of_the_wrong_kind_say_what_to_give(capsys):
    from resnet_lib import check_exercise

    assert not check_exercise("06.3", ({20: E20, 56: E56}, 20))
    assert not check_exercise("06.3", ({20: E20, 32: {0: 0.4, 1: 0.4}, 56: E56}, 32))
    assert not check_exercise("06.3", ({20: 0.3, 32: 0.4, 56: 0.7}, 20))  # one number each: which seeds?
    assert not check_exercise("06.3", ({20: E20, 32: {0: 0.4, 2: 0.4}, 56: E56}, 20))
    assert not check_exercise("06.4", PROJECTIONS_64)
    assert not check_exercise("06.4", (option_a(torch.zeros(1, 2, 4, 4), 4, 2), PROJECTIONS_64))  # called, not given
    out = "".join(capsys.readouterr())
    assert "{20: {seed: error}, 32: {...}, 56: {...}}" in out and "20, 56 or 'seeds disagree'" in out
    assert "plain-20's training errors per seed" in out and "the same seeds" in out and "without calling it" in out


def test_every_exercise_explains_itself():
    from resnet_lib.exercises.lesson06 import EXERCISES

    assert [e.key for e in EXERCISES] == ["06.1", "06.2", "06.3", "06.4"]
    assert all(len(e.explanation) > 80 for e in EXERCISES)
