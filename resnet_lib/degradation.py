"""Short training runs that record the loss at every step, so several variants can be compared under one budget
(the degradation experiment of He et al. 2015, and 1000-layer training), plus lesson 05's budgets per preset."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn
from torch.nn import functional as F

from .gradients import grad_norms


@dataclass(frozen=True)
class Budget:
    """Lesson 05's sizes for one preset: profile depths, degradation runs, the 1000-layer run, the widget."""

    profile_depths: tuple[int, ...]  # depths whose gradient profiles are measured at initialisation
    probe_batch: int  # images in the batch used to measure gradients
    train_images: int  # training images the short runs draw from
    degradation_depths: tuple[int, int]  # (shallow, deep)
    degradation_steps: int
    seeds: tuple[int, ...]  # seeds of the degradation runs
    deep_depth: int  # the "1000 layers" run
    deep_steps: int


BUDGETS: dict[str, Budget] = {
    "smoke": Budget((2, 10, 30, 100, 300), 64, 2048, (4, 24), 60, (0, 1), 200, 20),
    "cpu": Budget((2, 10, 30, 100, 300, 1000), 128, 4096, (3, 50), 150, (0, 1), 1000, 40),
    "full": Budget((2, 10, 30, 100, 300, 1000), 128, 8192, (3, 50), 300, (0, 1, 2), 1000, 150),
}


def lesson05_budget(preset_name: str) -> Budget:
    """The budget for preset ``smoke``, ``cpu`` or ``full``."""
    if preset_name not in BUDGETS:
        raise ValueError(f"no lesson-05 budget for preset {preset_name!r}; use one of {', '.join(BUDGETS)}")
    return BUDGETS[preset_name]


def train_losses(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, batch_size: int = 128,
                 lr: float = 0.01, momentum: float = 0.9, seed: int = 0,
                 on_step: Callable[[int, nn.Module], None] | None = None) -> list[float]:
    """Train ``model`` in place with SGD for ``steps`` mini-batches; return the training loss of every step.

    Batches are drawn from ``(x, y)`` in an order fixed by ``seed`` (the same for every model), reshuffled each
    pass. ``on_step(step, model)`` is called before each step and once after the last (step = ``steps``).
    A loss that becomes NaN or infinite is recorded and training stops there (the rest is padded with NaN).
    """
    if not isinstance(steps, int) or steps < 1 or not isinstance(batch_size, int) or batch_size < 2:
        raise ValueError(f"steps must be >= 1 and batch_size >= 2 (integers), got {steps!r} and {batch_size!r}")
    if len(x) != len(y) or len(y) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} matching examples, got {len(x)} and {len(y)}")
    g = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    model.train()
    order, cursor, losses = torch.randperm(len(y), generator=g), 0, []
    for step in range(steps):
        if on_step is not None:
            on_step(step, model)
        if cursor + batch_size > len(y):
            order, cursor = torch.randperm(len(y), generator=g), 0
        idx = order[cursor:cursor + batch_size]
        cursor += batch_size
        loss = F.cross_entropy(model(x[idx]), y[idx])
        losses.append(loss.item())
        if not math.isfinite(losses[-1]):
            return losses + [math.nan] * (steps - step - 1)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    if on_step is not None:
        on_step(steps, model)
    return losses


def final_loss(losses: list[float], last: int = 10) -> float:
    """The mean of the last ``last`` recorded losses (NaN if the run diverged)."""
    if not losses or last < 1:
        raise ValueError(f"need a non-empty loss list and last >= 1, got {len(losses)} losses and last={last!r}")
    tail = losses[-last:]
    return math.nan if any(not math.isfinite(v) for v in tail) else sum(tail) / len(tail)


class ProfileRecorder:
    """An ``on_step`` callback for :func:`train_losses`: every ``every`` steps it measures :func:`grad_norms` on
    the fixed batch ``(x, y)``; ``recorder.profiles`` maps step -> profile."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, every: int):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer (steps between measurements), got {every!r}")
        self.x, self.y, self.every = x, y, every
        self.profiles: dict[int, torch.Tensor] = {}

    def __call__(self, step: int, model: nn.Module) -> None:
        if step % self.every == 0:
            self.profiles[step] = grad_norms(model, self.x, self.y)
