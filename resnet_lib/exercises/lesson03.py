"""Exercises for lesson 03 (the ResNet-18 build). Each checker computes the right answer from the model."""

from __future__ import annotations

import torch
from torch import nn

from ..blocks import Residual
from ..measure import count_flops, count_parameters, size_report, weighted_layers
from ..models import build_resnet
from . import Exercise, is_int_equal


def resnet_main_path_layers(blocks_per_stage: tuple[int, ...], width: int = 64) -> int:
    """Main-path weighted layers of a d2l-style ResNet with the given residual blocks per stage."""
    with torch.device("meta"):  # structure only: no memory, no initialisation
        net = build_resnet(Residual, blocks_per_stage, width=width)
    return sum(layer.main_path for layer in weighted_layers(net))


def _smallest_size_for_2x2(size: object) -> bool:
    return (isinstance(size, int) and size >= 2 and size_report(size).final_side == 2
            and size_report(size - 1).final_side != 2)


EXERCISES: list[Exercise] = [
    Exercise(
        "03.1",
        "How many parameters does Residual(128, 256, use_1x1conv=True, strides=2) have?",
        lambda a: is_int_equal(a, count_parameters(Residual(128, 256, use_1x1conv=True, strides=2))),
        "a k x k conv from C_in to C_out has k*k*C_in*C_out weights + C_out biases; each BN has 2*C "
        "parameters (gamma, beta); there are two 3x3 convs (128->256, 256->256), one 1x1 conv (128->256) "
        "and two BNs.",
    ),
    Exercise(
        "03.2",
        "What is the side of the last feature map (the output of b5) for a 64x64 input?",
        lambda a: is_int_equal(a, size_report(64).final_side),
        "the stem halves the side twice (conv stride 2, max-pool stride 2), b3, b4 and b5 halve it once "
        "each, rounding up: 64 -> 32 -> 16 -> ...",
    ),
    Exercise(
        "03.3",
        "What is the smallest input size whose b5 output is 2x2?",
        _smallest_size_for_2x2,
        "five halvings, each rounding up: the side is ceil(size / 32). Which sizes give ceil(size / 32) = 2?",
    ),
    Exercise(
        "03.4",
        "How many multiply-accumulates does the stem conv (7x7, 1 -> 64, stride 2, padding 3) do on one "
        "96x96 image?",
        lambda a: is_int_equal(a, count_flops(nn.Conv2d(1, 64, 7, stride=2, padding=3), (1, 96, 96)).macs),
        "output positions (48 x 48) x output channels (64) x kernel size (7 x 7) x input channels (1); "
        "FlopCounterMode's FLOPs are twice this.",
    ),
    Exercise(
        "03.5",
        "ResNet-34 uses the same blocks with (3, 4, 6, 3) residual blocks per stage. How many weighted "
        "layers lie on its main path?",
        lambda a: is_int_equal(a, resnet_main_path_layers((3, 4, 6, 3))),
        "each residual block has two 3x3 convs on the main path; add the stem conv and the final linear "
        "layer (the 1x1 shortcut convs do not count).",
    ),
]
