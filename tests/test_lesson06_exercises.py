import pytest
import torch
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
    "06.2": (64 * 128 + 2 * 128) + (128 * 256 + 2 * 256),  # two 1x1 projections and their batch norms
    "06.3": torchvision_flops(torchvision.models.resnet101) / torchvision_flops(torchvision.models.resnet50),
}
WIDTH_16 = (16 * 32 + 2 * 32) + (32 * 64 + 2 * 64)
WRONG = {
    "06.1": [32, 1.0, RIGHT["06.1"] + 0.05],
    "06.2": [0, WIDTH_16, 16 * WIDTH_16],
    "06.3": [101 / 50, 1.0, RIGHT["06.3"] - 0.05],
}


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_a_rounded_ratio_passes():
    from resnet_lib import check_exercise

    assert check_exercise("06.1", round(RIGHT["06.1"], 2), quiet=True)
    assert check_exercise("06.3", round(RIGHT["06.3"], 2), quiet=True)
