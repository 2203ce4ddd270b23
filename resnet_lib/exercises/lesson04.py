"""Exercises for lesson 04 (training). Each checker computes the right answer instead of storing it."""

from __future__ import annotations

import math

import torch
from torch import nn

from . import Exercise


def _close(answer: object, expected: float, tol: float = 1e-3) -> bool:
    return isinstance(answer, (int, float)) and not isinstance(answer, bool) and abs(answer - expected) <= tol


def _smoothed_target(smoothing: float, classes: int = 10) -> float:
    """The target probability of the true class under ``CrossEntropyLoss(label_smoothing=smoothing)``."""
    logits = torch.zeros(1, classes, requires_grad=True)
    nn.CrossEntropyLoss(label_smoothing=smoothing)(logits, torch.tensor([0])).backward()
    return float(1 / classes - logits.grad[0, 0])  # d loss / d logit = softmax - target


EXERCISES: list[Exercise] = [
    Exercise(
        "04.1",
        "How many optimiser steps does one epoch of the seed's recipe take (60,000 images, batch 256)?",
        lambda a: a == math.ceil(60_000 / 256),
        "one step per batch, and the last, smaller batch counts too: round up",
    ),
    Exercise(
        "04.2",
        "The seed reports train acc 0.997 and test acc 0.893. What is its train/test gap?",
        lambda a: _close(a, 0.997 - 0.893),
        "gap = train accuracy - test accuracy",
    ),
    Exercise(
        "04.3",
        "A 10-epoch run saves a checkpoint at every epoch end and is interrupted during epoch 7. "
        "Which epoch (counting from 1) does resume=True train first?",
        lambda a: a == 7,
        "epochs 1-6 were saved; the half-done epoch is not, so it is trained again from its start",
    ),
    Exercise(
        "04.4",
        "How many times more pixels (so roughly more convolution work) has a 96 px image than a 28 px one?",
        lambda a: _close(a, (96 / 28) ** 2, 0.01),
        "pixels grow with the square of the side",
    ),
    Exercise(
        "04.5",
        "With label_smoothing=0.1 and 10 classes, what target probability does the true class get?",
        lambda a: _close(a, _smoothed_target(0.1), 1e-4),
        "the smoothing mass 0.1 is spread over all 10 classes, the true one included",
    ),
]
