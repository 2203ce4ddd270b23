import pytest
import torch
from torch import nn

from resnet_lib import check_exercise
from resnet_lib.lessons.function_classes import grid, insert_layer, small_cnn, target

RIGHT = {
    "01.1": {3, 6, 9, 12},  # 3 divides m
    "01.2": 3,  # the jump at 0 falls inside the middle piece of 3 equal pieces
    "01.3": round(target(grid()).std(unbiased=False).item(), 3),  # the best constant is the mean
}
WRONG = {"01.1": [{3, 6, 9}, {1, 3, 6, 9, 12}], "01.2": [2, 4], "01.3": [RIGHT["01.3"] + 0.01, 0.0],
         "01.4": [0.0, 1e-6]}


def dirac_bn_change_by_hand() -> float:
    """The learner's route for 01.4, written independently of the checker."""
    torch.manual_seed(0)
    net = small_cnn(4)
    x = torch.randn(8, 1, 28, 28)
    conv = nn.Conv2d(4, 4, 3, padding=1)
    with torch.no_grad():
        conv.weight.zero_()
        for i in range(4):
            conv.weight[i, i, 1, 1] = 1.0
        conv.bias.zero_()
        grown = insert_layer(net, nn.Sequential(conv, nn.BatchNorm2d(4), nn.ReLU()))
        return (grown.train()(x) - net.train()(x)).abs().max().item()


@pytest.mark.parametrize("key", sorted(RIGHT))
def test_right_answer_passes_and_wrong_ones_fail(key, judge):
    judge(key, RIGHT[key], WRONG[key])


def test_batch_norm_in_training_mode_breaks_the_identity_start(judge):
    change = dirac_bn_change_by_hand()
    assert change > 0.1  # the BN rescales the channels, so the layer is not the identity
    judge("01.4", change, WRONG["01.4"])


def test_natural_types_are_accepted():
    assert check_exercise("01.1", [3, 6, 9, 12])  # a list for a set
    assert check_exercise("01.2", 3.0)
    assert check_exercise("01.3", torch.tensor(RIGHT["01.3"]))


def test_malformed_answers_are_wrong_not_crashes(capsys):
    assert check_exercise("01.2", "3") is False
    assert check_exercise("01.3", None) is False
    assert check_exercise("01.4", "zero") is False
    out = capsys.readouterr().out
    assert "not answered yet" in out and "answer with a number" in out


def test_rmse_of_constant_matches_hand_formula():
    y = target(grid())
    assert abs(RIGHT["01.3"] - ((y - y.mean()) ** 2).mean().sqrt().item()) < 5e-4
