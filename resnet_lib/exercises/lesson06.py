"""Exercises for lesson 06 (plain vs residual, the ResNet family). Each checker computes its answer."""

from __future__ import annotations

import torch
from torch import nn

from ..lessons.plain_vs_residual import main_path_layers
from ..measure import count_parameters
from ..models import cifar_resnet, family_member
from . import Exercise, is_int_equal


def _on_meta(build):  # structure only: no memory, no initialisation
    with torch.device("meta"):
        return build()


EXERCISES: list[Exercise] = [
    Exercise(
        "06.1",
        "How many weights does a 3x3 convolution from 128 to 128 channels have when it is split into 32 groups "
        "(no bias)?",
        lambda a: is_int_equal(a, count_parameters(nn.Conv2d(128, 128, 3, groups=32, bias=False))),
        "each group maps its own 128/32 input channels to its 128/32 output channels with 3x3 kernels; "
        "d2l's ResNeXt formula: the full conv's weights divided by the number of groups.",
    ),
    Exercise(
        "06.2",
        "How many more parameters does this lesson's ResNet-56 (width 16) have than its plain twin, plain-56?",
        lambda a: is_int_equal(a, count_parameters(_on_meta(lambda: cifar_resnet(56)))
                               - count_parameters(_on_meta(lambda: cifar_resnet(56, shortcut=False)))),
        "the identity adds no parameters; only the shortcuts that change the shape carry a 1x1 conv (no bias) "
        "and a batch norm (2 parameters per channel). How many stages change the shape?",
    ),
    Exercise(
        "06.3",
        "How many weighted layers lie on ResNet-50's main path (the number in its name)?",
        lambda a: is_int_equal(a, main_path_layers(_on_meta(lambda: family_member("ResNet-50")))),
        "count the bottleneck blocks (3 + 4 + 6 + 3), each with three convs on the main path; add the stem conv "
        "and the linear head. The 1x1 projections on the shortcuts do not count.",
    ),
]
