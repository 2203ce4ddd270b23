"""Lesson 01, nested function classes, as experiments (plots and the widget: :mod:`resnet_lib.ui.function_classes`).

1. Closed form: approximate a target f* on [-1, 1] by piecewise-constant functions with ``size`` pieces.
   The *nested* family adds breakpoints from one fixed sequence (0, -1/2, 1/2, -3/4, …), so each class
   contains the last; the *non-nested* family cuts [-1, 1] into ``size`` equal pieces, and those grids do
   not contain each other.
2. Networks: insert a layer into a trained small CNN, either a plain conv layer or a residual block whose
   last batch-norm scale starts at zero, and see which one keeps the function (and the loss).
"""

from __future__ import annotations

import copy

import torch
from torch import nn
from torch.nn import functional as F

from ..blocks import Residual
from ..checks import check_positive
from ..data import batches, prepare
from ..training import train_steps

FAMILIES = {True: "nested", False: "non-nested"}
GRID_POINTS = 4000


def target(x: torch.Tensor) -> torch.Tensor:
    """The "true" function f*(x) = x² + [x > 0]: a smooth curve plus a jump of 1 at x = 0."""
    return x**2 + (x > 0).to(x.dtype)


def grid(points: int = GRID_POINTS) -> torch.Tensor:
    """``points`` midpoints of equal cells of [-1, 1] (float64), where errors are measured."""
    check_positive(points=points)
    return (torch.arange(points, dtype=torch.float64) + 0.5) * (2 / points) - 1


def breakpoints(size: int, nested: bool) -> list[float]:
    """The ``size - 1`` interior breakpoints of the class with ``size`` pieces.

    Nested: the first ``size - 1`` terms of the van der Corput sequence mapped to [-1, 1]
    (0, -1/2, 1/2, -3/4, …), so class ``size`` contains class ``size - 1``. Non-nested: ``size`` equal pieces.
    """
    check_positive(size=size)
    if not nested:
        return [-1 + 2 * k / size for k in range(1, size)]
    points = []
    for i in range(1, size):
        value, scale = 0.0, 0.5
        while i:
            value, i, scale = value + scale * (i & 1), i >> 1, scale / 2
        points.append(2 * value - 1)
    return points


def contains(big: list[float], small: list[float]) -> bool:
    """Whether the class with breakpoints ``big`` contains the one with breakpoints ``small`` (it does
    exactly when every breakpoint of ``small`` is one of ``big``'s)."""
    return set(small) <= set(big)


def best_fit(size: int, nested: bool, x: torch.Tensor | None = None) -> torch.Tensor:
    """The best (least-squares) member of the class on ``x``: the mean of f* on each piece."""
    x = grid() if x is None else x
    piece = torch.bucketize(x, torch.tensor(sorted(breakpoints(size, nested)), dtype=x.dtype), right=True)
    y = target(x)
    sums = torch.zeros(size, dtype=x.dtype).index_add_(0, piece, y)
    counts = torch.bincount(piece, minlength=size).to(x.dtype).clamp_min(1)
    return (sums / counts)[piece]


def best_error(size: int, nested: bool) -> float:
    """Root-mean-square distance from f* to the best member of the class with ``size`` pieces."""
    x = grid()
    return (best_fit(size, nested, x) - target(x)).pow(2).mean().sqrt().item()


def error_curves(max_size: int) -> dict[str, list[float]]:
    """``{"nested": [...], "non-nested": [...]}``: best error for class sizes 1..``max_size``."""
    check_positive(max_size=max_size)
    sizes = range(1, max_size + 1)
    return {name: [best_error(n, nested) for n in sizes] for nested, name in FAMILIES.items()}


# --- 2. the network version -------------------------------------------------------------------------------

INSERT_AT = 4  # after conv -> BN -> ReLU -> max-pool, before flatten


def small_cnn(channels: int = 8) -> nn.Sequential:
    """A one-conv Fashion-MNIST classifier: conv 3x3 -> BN -> ReLU -> 2x2 max-pool -> flatten -> linear."""
    check_positive(channels=channels)
    return nn.Sequential(
        nn.Conv2d(1, channels, kernel_size=3, padding=1), nn.BatchNorm2d(channels), nn.ReLU(),
        nn.MaxPool2d(2), nn.Flatten(), nn.Linear(channels * 14 * 14, 10),
    )


def plain_layer(channels: int) -> nn.Sequential:
    """A plain conv 3x3 -> BN -> ReLU layer, with PyTorch's default (random) initialisation."""
    check_positive(channels=channels)
    conv = nn.Conv2d(channels, channels, kernel_size=3, padding=1)
    return nn.Sequential(conv, nn.BatchNorm2d(channels), nn.ReLU())


def zero_init_residual(channels: int) -> Residual:
    """A ``Residual(channels, channels)`` whose last BN scale (gamma) starts at 0: its branch outputs 0."""
    block = Residual(channels, channels)
    nn.init.zeros_(block.bn2.weight)
    return block


def insert_layer(net: nn.Sequential, layer: nn.Module, index: int = INSERT_AT) -> nn.Sequential:
    """A copy of ``net`` with ``layer`` inserted at ``index`` (``net`` itself is left untouched)."""
    if not 0 <= index <= len(net):
        raise ValueError(f"index must be between 0 and {len(net)} (the number of layers), got {index!r}")
    layers = list(copy.deepcopy(net))
    layers.insert(index, layer)
    return nn.Sequential(*layers)


def train_inserted(net: nn.Module, images: torch.Tensor, labels: torch.Tensor, epochs: int, seed: int = 0,
                   lr: float = 0.05, batch_size: int = 64) -> list[float]:
    """Train ``net`` with SGD (momentum 0.9) on uint8 ``images`` for ``epochs``; return the loss of every step."""
    check_positive(epochs=epochs, batch_size=batch_size)
    optimizer = torch.optim.SGD(net.parameters(), lr=lr, momentum=0.9)
    stream = (batch for epoch in range(epochs)
              for batch in batches(images, labels, batch_size, shuffle=True, seed=seed, epoch=epoch))
    return train_steps(net, optimizer, stream)


@torch.no_grad()
def loss_and_accuracy(net: nn.Module, images: torch.Tensor,
                      labels: torch.Tensor) -> tuple[torch.Tensor, float, float]:
    """``(outputs, mean cross-entropy loss, accuracy)`` of ``net`` in eval mode on all of ``images``."""
    net.eval()
    outputs = net(prepare(images))
    loss = F.cross_entropy(outputs, labels).item()
    return outputs, loss, (outputs.argmax(1) == labels).float().mean().item()


