"""Exercises for lesson 03 (the ResNet-18 build). Each checker computes the right answer from the model."""

from __future__ import annotations

import math

import torch
from torch import nn

from ..blocks import Residual
from ..measure import count_flops, size_report, weighted_layers
from ..models import build_resnet
from . import Exercise, is_int_equal, number, whole_number, whole_numbers


def weighted_layer_counts(blocks_per_stage: tuple[int, ...], width: int = 64) -> tuple[int, int]:
    """``(all weighted layers, those on the main path)`` of a d2l-style ResNet with the given residual blocks per
    stage; the second is the number in a ResNet's name."""
    with torch.device("meta"):  # structure only: no memory, no initialisation
        net = build_resnet(Residual, blocks_per_stage, width=width)
    layers = weighted_layers(net)
    return len(layers), sum(layer.main_path for layer in layers)


def _smallest_size_for_2x2(size: object) -> bool:
    size = whole_number(size)
    return size >= 2 and size_report(size).final_side == 2 and size_report(size - 1).final_side != 2


def stage_flop_ratio(stage: str, small: int = 28, large: int = 96) -> float:
    """How many times more FLOPs ``stage`` of d2l's ResNet-18 does on a ``large`` input than on a ``small`` one."""
    names = [name for name, _ in size_report(small).shapes]
    if stage not in names:
        raise ValueError(f"unknown stage {stage!r}; the stages are {', '.join(names)}")
    i = names.index(stage)
    return size_report(large).stage_flops[i] / size_report(small).stage_flops[i]


EXERCISES: list[Exercise] = [
    Exercise(
        "03.1",
        "How many times more FLOPs does b5 do on a 100 px input than on a 28 px one? Compare it with the area "
        "ratio (100/28)**2 and explain the difference from the two size reports' shapes. (a number)",
        lambda a: math.isclose(number(a), stage_flop_ratio("b5", 28, 100), rel_tol=1e-3),
        "divide b5's entry of measure.size_report(100).stage_flops by its entry in measure.size_report(28)"
        ".stage_flops. To explain the number, put the side of b5's output in each report next to 100/28.",
    ),
    Exercise(
        "03.2",
        "What is the side of the last feature map (the output of b5) for a 64x64 input? (a whole number)",
        lambda a: is_int_equal(a, size_report(64).final_side),
        "five layers halve the side (the stem conv, the max-pool, the first block of b3, b4 and b5), each "
        "rounding up; follow 64 through them, or run measure.size_report(64).",
    ),
    Exercise(
        "03.3",
        "What is the smallest input size whose b5 output is 2x2? (a whole number)",
        _smallest_size_for_2x2,
        "move the input-size slider up from 28 and watch the last feature map in the report; or work backwards "
        "from a 2x2 map through the five halvings (each rounds up).",
    ),
    Exercise(
        "03.4",
        "How many multiply-accumulates does the stem conv (7x7, 1 -> 64, stride 2, padding 3) do on one "
        "96x96 image? (a whole number)",
        lambda a: is_int_equal(a, count_flops(nn.Conv2d(1, 64, 7, stride=2, padding=3), (1, 96, 96)).macs),
        "each output value takes one multiply-accumulate per kernel weight. How many output positions does a "
        "stride-2 conv with padding 3 produce on 96x96, how many output channels, and how many weights in one "
        "kernel? (FlopCounterMode counts 2 FLOPs per multiply-accumulate.)",
    ),
    Exercise(
        "03.5",
        "Build a d2l-style ResNet with (3, 3, 3, 3) residual blocks per stage: build_resnet(Residual, (3, 3, 3, 3)). "
        "How many weighted layers does it have in all, shortcut convs included, and what number would its name "
        "carry, by the convention that makes ResNet-18 '18'? (a tuple of two whole numbers: all, the name's)",
        lambda a: whole_numbers(a) == weighted_layer_counts((3, 3, 3, 3)),
        "list the layers with measure.weighted_layers(net), as section 2 did for ResNet-18: each row says "
        "whether the layer lies on the main path. Count all rows, then only the main-path ones.",
    ),
]
