"""Exercises for lesson 01 (nested function classes). Each checker computes the right answer itself."""

from __future__ import annotations

from itertools import pairwise

import torch
from torch import nn

from ..lessons.function_classes import best_error, breakpoints, contains, error_curves, insert_layer, small_cnn
from . import Exercise, is_int_equal


def uniform_sizes_containing(size: int, largest: int = 12) -> set[int]:
    """The sizes m <= ``largest`` whose equal-pieces class contains the equal-pieces class with ``size``."""
    return {m for m in range(1, largest + 1) if contains(breakpoints(m, False), breakpoints(size, False))}


def first_rise(max_size: int = 12) -> int:
    """The smallest size whose non-nested best error is larger than the one before it."""
    errors = error_curves(max_size)["non-nested"]
    return next(n for n, (a, b) in enumerate(pairwise(errors), start=2) if b > a)


def dirac_layer_change(channels: int = 4, seed: int = 0) -> float:
    """max |change| of a small CNN's output when a plain conv initialised as the identity (``dirac_``, zero
    bias) followed by ReLU is inserted after its max-pool."""
    torch.manual_seed(seed)
    net = small_cnn(channels).eval()
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    nn.init.dirac_(conv.weight)
    nn.init.zeros_(conv.bias)
    x = torch.randn(8, 1, 28, 28)
    with torch.no_grad():
        return (insert_layer(net, nn.Sequential(conv, nn.ReLU())).eval()(x) - net(x)).abs().max().item()


EXERCISES: list[Exercise] = [
    Exercise(
        "01.1",
        "Which class sizes m in 1..12 give an equal-pieces class that contains the equal-pieces class with "
        "3 pieces? Answer with a set of ints.",
        lambda a: isinstance(a, set) and a == uniform_sizes_containing(3),
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
        lambda a: isinstance(a, float) and abs(a - best_error(1, True)) < 5e-4,
        "the best constant is the mean of f*; its RMS error is the standard deviation of f* on the grid "
        "(y.std(unbiased=False)).",
    ),
    Exercise(
        "01.4",
        "A plain conv layer can also start as the identity: nn.init.dirac_ on its weight, zero bias, then "
        "ReLU. Insert it after the max-pool of small_cnn(4): what is max |change of the output|? (float)",
        lambda a: isinstance(a, float) and abs(a - dirac_layer_change()) <= 1e-6,
        "dirac_ puts a 1 at the centre of the kernel from channel i to channel i and 0 elsewhere: what does "
        "such a conv do to its input? And what does a ReLU do to the (non-negative) max-pool output?",
    ),
]
