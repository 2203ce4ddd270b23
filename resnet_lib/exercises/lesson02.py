"""Exercises for lesson 02 (the residual block). Each checker computes the right answer from the blocks."""

from __future__ import annotations

from typing import cast

import torch
from torch import nn

from ..blocks import PreActResidual, Residual
from ..measure import count_parameters
from . import Exercise, is_int_equal, number, whole_numbers


def _shape(block: nn.Module, shape: tuple[int, ...]) -> tuple[int, ...]:
    with torch.no_grad():
        return tuple(block.eval()(torch.rand(shape)).shape)


def zero_gamma_output_sum() -> float:
    """Sum of the output of ``Residual(2, 2)`` with bn2's gamma = 0 (eval mode) on the fixed input
    ``torch.linspace(-1, 1, 32).reshape(1, 2, 4, 4)``."""
    block = Residual(2, 2).eval()
    block.zero_init_branch()
    with torch.no_grad():
        return block(torch.linspace(-1, 1, 32).reshape(1, 2, 4, 4)).sum().item()


def shortcut_share(block: Residual) -> float:
    """The fraction of ``block``'s parameters in its 1x1 shortcut conv (and its batch norm, if it has one)."""
    if block.conv3 is None:
        raise ValueError("this block has an identity shortcut, which has no parameters; build it with use_1x1conv=True")
    shortcut = count_parameters(block.conv3) + (count_parameters(block.bn3) if block.bn3 is not None else 0)
    return shortcut / count_parameters(block)


def zero_gamma_stack_change(blocks: int = 10) -> float:
    """max |output - x| of ``blocks`` stacked ``Residual(3, 3)`` with bn2's gamma = 0 (training mode) on
    ``x = torch.randn(4, 3, 6, 6)`` drawn after ``torch.manual_seed(0)``."""
    torch.manual_seed(0)
    x = torch.randn(4, 3, 6, 6)
    stack = nn.Sequential(*(Residual(3, 3) for _ in range(blocks)))
    for block in stack:
        cast(Residual, block).zero_init_branch()
    with torch.no_grad():
        return (stack(x) - x).abs().max().item()


EXERCISES: list[Exercise] = [
    Exercise(
        "02.1",
        "Stack ten Residual(3, 3) blocks in nn.Sequential, each with bn2's gamma set to 0. After "
        "torch.manual_seed(0) draw x = torch.randn(4, 3, 6, 6), run the stack (training mode is fine) and "
        "measure the largest |output - x|. (a number)",
        lambda a: abs(number(a) - zero_gamma_stack_change()) < 1e-5,
        "compare the output with x entry by entry: where do they differ, and by how much? Then run a stack of "
        "one block on the same x and compare.",
    ),
    Exercise(
        "02.2",
        "What output shape does Residual(3, 6, use_1x1conv=True, strides=2) give for an input with an odd side, "
        "(4, 3, 7, 7)? Do the two branches still agree? (a tuple of whole numbers)",
        lambda a: whole_numbers(a) == _shape(Residual(3, 6, True, 2), (4, 3, 7, 7)),
        "both branches must agree: the 3x3 conv (padding 1) gives floor((7 + 2 - 3) / 2) + 1, the 1x1 conv "
        "(padding 0) gives floor((7 - 1) / 2) + 1. Are they equal?",
    ),
    Exercise(
        "02.3",
        "Residual(64, 128, use_1x1conv=True, strides=2) is the first block of ResNet-18's third stage. What "
        "fraction of its parameters sits on the shortcut, in the 1x1 conv? (a number between 0 and 1)",
        lambda a: abs(number(a) - shortcut_share(Residual(64, 128, True, 2))) < 5e-4,
        "divide the parameters of the shortcut's conv (weights and biases) by those of the whole block; "
        "describe(trace_block(block, (1, 64, 8, 8))) lists both, and count_parameters counts any module.",
    ),
    Exercise(
        "02.4",
        "Set bn2's gamma of Residual(2, 2) to 0 and feed it torch.linspace(-1, 1, 32).reshape(1, 2, 4, 4) in "
        "eval mode. What is the sum of the output? (a number)",
        lambda a: abs(number(a) - zero_gamma_output_sum()) < 1e-4,
        "with gamma = 0 (and beta = 0) the branch adds nothing, so the block computes relu(x): the negative "
        "inputs become 0 and the positive ones pass unchanged.",
    ),
    Exercise(
        "02.5",
        "How many more parameters does Residual(64, 128, use_1x1conv=True, strides=2) have than "
        "PreActResidual(64, 128, use_1x1conv=True, strides=2)? (a whole number)",
        lambda a: is_int_equal(
            a, count_parameters(Residual(64, 128, True, 2)) - count_parameters(PreActResidual(64, 128, True, 2))),
        "the convs are the same; only the first BN differs: it normalises the block's output channels in "
        "Residual (after conv1) but its input channels in PreActResidual (before conv1); a BN has 2 "
        "parameters per channel.",
    ),
]
