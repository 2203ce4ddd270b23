"""Exercises for lesson 05: predict gradient directions, then let a measurement (or the algebra) judge."""

from __future__ import annotations

import math
from typing import Any

import torch

from ..lessons.gradients import VARIANTS, first_last_ratio, profile_at_init
from . import Exercise

DIRECTIONS = ("vanish", "explode")


def _direction(answer: Any) -> str:
    word = str(answer).strip().lower()
    if word not in DIRECTIONS:
        raise ValueError(f"answer with one of {DIRECTIONS}, got {answer!r}")
    return word


def _measured_direction(variant: str, depth: int) -> str:
    g = torch.Generator().manual_seed(5)
    x, y = torch.randn(64, 784, generator=g), torch.randint(0, 10, (64,), generator=g)
    return "explode" if first_last_ratio(profile_at_init(depth, x, y, **VARIANTS[variant])) > 1 else "vanish"


def _check_residual_jacobian(answer: Any) -> bool:
    w = torch.tensor([[0.5, 0.0], [0.2, -0.5]])
    return torch.allclose(torch.as_tensor(answer, dtype=torch.float32), torch.eye(2) + w)


EXERCISES: list[Exercise] = [
    Exercise(
        "05.1",
        "A plain net WITHOUT batch norm, 150 blocks deep: does the gradient vanish or explode toward the input "
        "at initialisation? Answer 'vanish' or 'explode' (the checker measures it).",
        lambda a: _direction(a) == _measured_direction("plain", 150),
        "Each plain layer multiplies the gradient by a random Jacobian; with He init the typical product drifts down.",
    ),
    Exercise(
        "05.2",
        "The same plain net WITH batch norm after every linear layer: 'vanish' or 'explode'?",
        lambda a: _direction(a) == _measured_direction("plain+BN", 150),
        "Batch norm rescales the forward signal, but its Jacobian amplifies the backward one a little at every layer.",
    ),
    Exercise(
        "05.3",
        "A residual block computes x + g(x) with g(x) = W x and W = [[0.5, 0], [0.2, -0.5]]. "
        "Give its Jacobian d(x + g(x))/dx as a 2x2 nested list.",
        _check_residual_jacobian,
        "The derivative of x is the identity I; the derivative of W x is W. Add them.",
    ),
    Exercise(
        "05.4",
        "A plain chain of 100 layers, each multiplying the gradient's norm by 0.95. What fraction of the last "
        "layer's gradient norm reaches the first layer? (a number, 3 significant digits are enough)",
        lambda a: math.isclose(float(a), 0.95**100, rel_tol=5e-3),
        "Chained factors multiply: raise 0.95 to the number of layers.",
    ),
    Exercise(
        "05.5",
        "A residual net with batch norm whose every branch's BN starts at γ = 0, 500 blocks deep: what is the "
        "first/last gradient ratio at initialisation? (a number)",
        lambda a: math.isclose(float(a), 1.0, rel_tol=1e-6),
        "With γ = 0 every branch outputs 0, so every block is the identity — and so is its Jacobian.",
    ),
]
