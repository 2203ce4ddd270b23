"""Exercises for lesson 01 (nested function classes). Each checker computes the right answer itself."""

from __future__ import annotations

from itertools import pairwise
from typing import cast

import torch
from torch import nn

from ..lessons.function_classes import breakpoints, contains, error_curves, insert_layer, small_cnn
from . import Exercise, is_int_equal, number, whole_numbers

MOVED_JUMP = 1 / 3  # exercises 01.2 and 01.3 move the jump of f* from 0 to here


def uniform_sizes_containing(size: int, largest: int = 12) -> set[int]:
    """The sizes m <= ``largest`` whose equal-pieces class contains the equal-pieces class with ``size``."""
    return {m for m in range(1, largest + 1) if contains(breakpoints(m, False), breakpoints(size, False))}


def moved_jump_target(x: torch.Tensor) -> torch.Tensor:
    """f* with its jump moved from 0 to ``MOVED_JUMP``: x² + [x > 1/3]."""
    return x**2 + (x > MOVED_JUMP).to(x.dtype)


def rises(family: str, max_size: int = 12) -> list[int]:
    """The sizes 2..``max_size`` at which ``family``'s best error for :func:`moved_jump_target` is larger than
    with one piece fewer."""
    errors = error_curves(max_size, f=moved_jump_target)[family]
    return [n for n, (a, b) in enumerate(pairwise(errors), start=2) if b > a]


def equal_pieces_wins(max_size: int = 12) -> int:
    """At how many sizes 1..``max_size`` the equal-pieces best error for :func:`moved_jump_target` is strictly
    below the nested one of the same size."""
    errors = error_curves(max_size, f=moved_jump_target)
    return sum(b < a for a, b in zip(errors["nested"], errors["non-nested"], strict=True))


def dirac_bn_layer_change(channels: int = 4) -> float:
    """max |change| of ``small_cnn(channels)``'s output, both nets in training mode, when a dirac conv -> BN ->
    ReLU layer is inserted after the max-pool (the net built and the input drawn after ``torch.manual_seed(0)``)."""
    torch.manual_seed(0)
    net = small_cnn(channels)
    x = torch.randn(8, 1, 28, 28)
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    nn.init.dirac_(conv.weight)
    nn.init.zeros_(cast(torch.Tensor, conv.bias))
    grown = insert_layer(net, nn.Sequential(conv, nn.BatchNorm2d(channels), nn.ReLU()))
    with torch.no_grad():
        return (grown.train()(x) - net.train()(x)).abs().max().item()


EXERCISES: list[Exercise] = [
    Exercise(
        "01.1",
        "Which class sizes m in 1..12 give an equal-pieces class that contains the equal-pieces class with "
        "3 pieces? Answer with a set of whole numbers.",
        lambda a: set(whole_numbers(a)) == uniform_sizes_containing(3),
        "a grid of m equal pieces has breakpoints at -1 + 2k/m; it contains the 3-piece grid when both "
        "-1/3 and 1/3 are among them. For which m does -1 + 2k/m = -1/3 have a whole-number k?",
    ),
    Exercise(
        "01.2",
        "Move the jump of f* from 0 to x = 1/3: f(x) = x**2 + (x > 1/3). At which sizes in 2..12 does the "
        "non-nested (equal pieces) best error go up compared with one piece fewer? Predict from where the jump "
        "falls, then measure with error_curves(12, f=f). Answer with a list of whole numbers.",
        lambda a: sorted(whole_numbers(a)) == rises("non-nested"),
        "write f with tensor operations, f = lambda x: x**2 + (x > 1 / 3), and compare each entry of "
        "error_curves(12, f=f)['non-nested'] with the one before, as section 1 did with `rises`. For your "
        "prediction: which equal grids have a breakpoint exactly at 1/3 (exercise 01.1)?",
    ),
    Exercise(
        "01.3",
        "With the jump moved to x = 1/3 as in 01.2: at how many sizes in 1..12 does the equal-pieces class fit "
        "strictly better than the nested class with the same number of pieces? Answer with a whole number.",
        lambda a: is_int_equal(a, equal_pieces_wins()),
        "measure both families with error_curves(12, f=f) and count the sizes where the 'non-nested' entry is "
        "below the 'nested' one. To explain it: the nested breakpoints are 0, -1/2, 1/2, -3/4, ... (halves, quarters, "
        "eighths): can one of them ever fall on 1/3?",
    ),
    Exercise(
        "01.4",
        "Put a BatchNorm2d between the identity-initialised conv and its ReLU (conv -> BN -> ReLU, like "
        "plain_layer). After torch.manual_seed(0), build net = small_cnn(4) and x = torch.randn(8, 1, 28, 28), "
        "insert the layer after the max-pool, and compare the outputs with both nets in training mode: what "
        "is the largest change? (a number)",
        lambda a: abs(number(a) - dirac_bn_layer_change()) <= 1e-4 * max(1.0, dirac_bn_layer_change()),
        "in training mode a BN subtracts each channel's batch mean and divides by its batch standard "
        "deviation. Does the max-pool output already have mean 0 and standard deviation 1 in every channel? "
        "Build the layer with nn.init.dirac_ and zero bias as in identity_plain_layer, then measure.",
    ),
]
