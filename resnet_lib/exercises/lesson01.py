"""Exercises for lesson 01 (nested function classes). Each checker computes the right answer itself."""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

from ..lessons.function_classes import best_error, breakpoints, contains, error_curves, insert_layer, small_cnn
from . import Exercise, is_int_equal, number, whole_numbers


def uniform_sizes_containing(size: int, largest: int = 12) -> set[int]:
    """The sizes m <= ``largest`` whose equal-pieces class contains the equal-pieces class with ``size``."""
    return {m for m in range(1, largest + 1) if contains(breakpoints(m, False), breakpoints(size, False))}


def first_rise(max_size: int = 12) -> int:
    """The smallest size whose non-nested best error is larger than the one before it."""
    errors = error_curves(max_size)["non-nested"]
    return next(n for n, (a, b) in enumerate(pairwise(errors), start=2) if b > a)


def dirac_bn_layer_change(channels: int = 4) -> float:
    """max |change| of ``small_cnn(channels)``'s output, both nets in training mode, when a dirac conv -> BN ->
    ReLU layer is inserted after the max-pool (the net built and the input drawn after ``torch.manual_seed(0)``)."""
    torch.manual_seed(0)
    net = small_cnn(channels)
    x = torch.randn(8, 1, 28, 28)
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    nn.init.dirac_(conv.weight)
    nn.init.zeros_(conv.bias)
    grown = insert_layer(net, nn.Sequential(conv, nn.BatchNorm2d(channels), nn.ReLU()))
    with torch.no_grad():
        return (grown.train()(x) - net.train()(x)).abs().max().item()


EXERCISES: list[Exercise] = [
    Exercise(
        "01.1",
        "Which class sizes m in 1..12 give an equal-pieces class that contains the equal-pieces class with "
        "3 pieces? Answer with a set of ints.",
        lambda a: set(whole_numbers(a)) == uniform_sizes_containing(3),
        "a grid of m equal pieces has breakpoints at -1 + 2k/m; it contains the 3-piece grid when both "
        "-1/3 and 1/3 are among them. For which m does -1 + 2k/m = -1/3 have a whole-number k?",
    ),
    Exercise(
        "01.2",
        "What is the smallest class size at which the non-nested (equal pieces) best error goes UP compared "
        "with one piece fewer? Answer with an int.",
        lambda a: is_int_equal(a, first_rise()),
        "look at error_curves(12)['non-nested'] and find the first entry larger than the one before it; "
        "where does the jump of f* at x = 0 fall for an odd number of equal pieces?",
    ),
    Exercise(
        "01.3",
        "The best class with 1 piece is a constant. What is its RMS error to f* (to 3 decimals)? Compute it "
        "from target(grid()) without calling best_error.",
        lambda a: abs(number(a) - best_error(1, True)) < 5e-4,
        "first find the constant c that makes the mean of (f*(x) - c)^2 smallest (set its derivative in c to "
        "zero); the RMS error is the square root of that mean, with f* evaluated on grid().",
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
