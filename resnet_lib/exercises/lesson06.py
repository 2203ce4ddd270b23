"""Exercises for lesson 06 (plain vs residual, the ResNet family). Each checker computes its answer."""

from __future__ import annotations

from typing import Any

import torch

from ..blocks import Bottleneck, ResNeXtBlock
from ..measure import count_flops, count_parameters
from ..models import build_resnet, cifar_resnet, family_member
from . import Exercise, number, whole_number

IMAGENET: dict[str, Any] = {"in_channels": 3, "num_classes": 1000, "style": "torchvision"}  # the family table's setting


def _on_meta(build):  # structure only: no memory, no initialisation
    with torch.device("meta"):
        return build()


def _resnext50(groups: int):
    """ResNeXt-50 with its 3x3 convs in ``groups`` groups and the same bottleneck widths as 32x4d (128 ... 1024)."""
    return _on_meta(lambda: build_resnet(ResNeXtBlock, (3, 4, 6, 3), groups=groups, width_per_group=128 // groups,
                                         **IMAGENET))


def _ungrouped_over_grouped() -> float:
    return count_parameters(_resnext50(1)) / count_parameters(_resnext50(32))


def _extra_parameters(width: int) -> int:
    return (count_parameters(_on_meta(lambda: cifar_resnet(56, width=width)))
            - count_parameters(_on_meta(lambda: cifar_resnet(56, shortcut=False, width=width))))


def _flops_101_over_50() -> float:
    r101 = _on_meta(lambda: build_resnet(Bottleneck, (3, 4, 23, 3), **IMAGENET))
    r50 = _on_meta(lambda: family_member("ResNet-50", **IMAGENET))
    return count_flops(r101, (3, 224, 224)).total / count_flops(r50, (3, 224, 224)).total


EXERCISES: list[Exercise] = [
    Exercise(
        "06.1",
        "ResNeXt-50 with its 3x3 convs in 1 group instead of 32 (the same bottleneck widths): how many times "
        "the parameters of ResNeXt-50 32x4d does it have? Answer with a number.",
        lambda a: abs(number(a) - _ungrouped_over_grouped()) <= 0.01,
        "build both nets as the exercise shows, with groups=1 and groups=32, and divide their count_parameters. "
        "Grouping divides the weights of the 3x3 convs only: which convs of the block does it leave alone?",
    ),
    Exercise(
        "06.2",
        "How many more parameters does ResNet-56 have than plain-56 at width 64? Answer with a whole number.",
        lambda a: whole_number(a) == _extra_parameters(64),
        "build both nets with cifar_resnet at width 64, one with shortcut=False, and subtract their "
        "count_parameters. The identity adds nothing; the shortcuts that change the shape each add a 1x1 conv "
        "and a batch norm (2 parameters per channel).",
    ),
    Exercise(
        "06.3",
        "ResNet-101 stacks (3, 4, 23, 3) bottleneck blocks: how many times ResNet-50's FLOPs does it cost on one "
        "224x224 RGB image? Answer with a number.",
        lambda a: abs(number(a) - _flops_101_over_50()) <= 0.01,
        "build it with in_channels=3, num_classes=1000 and style='torchvision', as the family table's nets, "
        "take count_flops(net, (3, 224, 224)).total and divide by the table's ResNet-50 FLOPs. All 17 extra "
        "blocks sit in the third stage.",
    ),
]
