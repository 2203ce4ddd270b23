"""Lesson 05's short training runs that record the loss at every step, so several variants can be compared under
one budget (the degradation experiment of He et al. 2015, and 1000-layer training)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator

import torch
from torch import nn

from ..training import train_steps
from .gradients import layer_grad_norms


def train_losses(model: nn.Module, x: torch.Tensor, y: torch.Tensor, steps: int, batch_size: int = 128,
                 lr: float = 0.01, momentum: float = 0.9, seed: int = 0, warmup: int = 0,
                 on_step: Callable[[int, nn.Module], None] | None = None) -> list[float]:
    """Train ``model`` in place with SGD for ``steps`` mini-batches; return the training loss of every step.
    ``warmup`` > 0 raises the learning rate linearly from ``lr / warmup`` to ``lr`` over the first ``warmup`` steps.

    Batches are drawn from ``(x, y)`` in an order fixed by ``seed`` (the same for every model), reshuffled each
    pass. ``on_step(step, model)`` is called before each step and once after the last (step = ``steps``).
    A loss that becomes NaN or infinite is recorded and training stops there (the rest is padded with NaN).
    """
    if not isinstance(steps, int) or steps < 1 or not isinstance(batch_size, int) or batch_size < 2:
        raise ValueError(f"steps must be >= 1 and batch_size >= 2 (integers), got {steps!r} and {batch_size!r}")
    if len(x) != len(y) or len(y) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} matching examples, got {len(x)} and {len(y)}")
    if not isinstance(warmup, int) or warmup < 0:
        raise ValueError(f"warmup must be a whole number of steps >= 0, got {warmup!r}")
    optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=momentum)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: min(1.0, (step + 1) / warmup) if warmup else 1)

    def before_step(step: int, net: nn.Module) -> None:
        if step:
            schedule.step()
        if on_step is not None:
            on_step(step, net)

    losses = train_steps(model, optimizer, _shuffled_batches(x, y, steps, batch_size, seed), on_step=before_step)
    return losses + [math.nan] * (steps - len(losses))


def _shuffled_batches(x: torch.Tensor, y: torch.Tensor, steps: int, batch_size: int,
                      seed: int) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
    """``steps`` batches of ``(x, y)``, in an order fixed by ``seed``, reshuffled after each full pass."""
    g = torch.Generator().manual_seed(seed)
    order, cursor = torch.randperm(len(y), generator=g), 0
    for _ in range(steps):
        if cursor + batch_size > len(y):
            order, cursor = torch.randperm(len(y), generator=g), 0
        idx = order[cursor:cursor + batch_size]
        cursor += batch_size
        yield x[idx], y[idx]


def final_loss(losses: list[float], last: int = 10) -> float:
    """The mean of the last ``last`` recorded losses (NaN if the run diverged)."""
    if not losses or last < 1:
        raise ValueError(f"need a non-empty loss list and last >= 1, got {len(losses)} losses and last={last!r}")
    tail = losses[-last:]
    return math.nan if any(not math.isfinite(v) for v in tail) else sum(tail) / len(tail)


class ProfileRecorder:
    """An ``on_step`` callback for :func:`train_losses`: every ``every`` steps it measures, on the fixed batch
    ``(x, y)``, the gradient reaching each layer (in ``profiles``) and the gradient of each layer's weights (in
    ``weight_profiles``) with :func:`layer_grad_norms`; both map step -> profile."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, every: int):
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"every must be a positive integer (steps between measurements), got {every!r}")
        self.x, self.y, self.every = x, y, every
        self.profiles: dict[int, torch.Tensor] = {}
        self.weight_profiles: dict[int, torch.Tensor] = {}

    def __call__(self, step: int, model: nn.Module) -> None:
        if step % self.every == 0:
            self.profiles[step], self.weight_profiles[step] = layer_grad_norms(model, self.x, self.y)
