"""Lesson 05's short training runs (:func:`~resnet_lib.training.short_run`, which records the loss at every step)
compared under one budget (the degradation experiment of He et al. 2015, and 1000-layer training): the mean of a
run's last losses, and the gradient profiles measured along the way."""

from __future__ import annotations

import math
from typing import cast

import torch
from torch import nn

from ..checks import check_positive
from .gradients import DeepMLP, layer_grad_norms


def final_loss(losses: list[float], last: int = 10) -> float:
    """The mean of the last ``last`` recorded losses (NaN if the run diverged)."""
    if not losses or last < 1:
        raise ValueError(f"need a non-empty loss list and last >= 1, got {len(losses)} losses and last={last!r}")
    tail = losses[-last:]
    return math.nan if any(not math.isfinite(v) for v in tail) else sum(tail) / len(tail)


class ProfileRecorder:
    """An ``on_step`` callback for :func:`~resnet_lib.training.short_run`: every ``every`` steps it measures, on
    the fixed batch ``(x, y)``, the gradient reaching each layer (in ``profiles``) and the gradient of each layer's
    weights (in ``weight_profiles``) with :func:`layer_grad_norms`; both map step -> profile."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, every: int):
        check_positive(every=every)  # steps between measurements
        self.x, self.y, self.every = x, y, every
        self.profiles: dict[int, torch.Tensor] = {}
        self.weight_profiles: dict[int, torch.Tensor] = {}

    def __call__(self, step: int, model: nn.Module) -> None:
        if step % self.every == 0:
            self.profiles[step], self.weight_profiles[step] = layer_grad_norms(cast(DeepMLP, model), self.x, self.y)
