"""ResNet-18 assembled from the seed's blocks (d2l 7.6), plus a helper that lists per-layer output shapes."""

from __future__ import annotations

import torch
from torch import nn

from .blocks import _check_positive, resnet_block


class ResNet(nn.Sequential):
    """An ``nn.Sequential`` (so ``for layer in net`` works as in the seed) that checks its input channels."""

    def __init__(self, *layers: nn.Module, in_channels: int):
        super().__init__(*layers)
        self.in_channels = in_channels

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.dim() != 4 or X.shape[1] != self.in_channels:
            got = f"{X.shape[1]} channel(s)" if X.dim() == 4 else f"a {X.dim()}-d tensor"
            raise ValueError(
                f"expected input of shape (batch, {self.in_channels}, height, width), got {got} "
                f"(shape {tuple(X.shape)}); build the model with in_channels={X.shape[1] if X.dim() == 4 else '?'}"
                " or convert the images (e.g. grayscale <-> RGB) first."
            )
        return super().forward(X)


def resnet18(in_channels: int = 1, num_classes: int = 10, width: int = 64) -> ResNet:
    """The seed's ResNet-18: stem b1, stages b2..b5 (2 residual blocks each), global pool, linear head.

    ``width`` is the stem's channel count (64 in the seed); the stages use width, 2x, 4x and 8x.
    """
    _check_positive(in_channels=in_channels, num_classes=num_classes, width=width)
    b1 = nn.Sequential(
        nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3),
        nn.BatchNorm2d(width),
        nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2, padding=1),
    )
    b2 = nn.Sequential(*resnet_block(width, width, 2, first_block=True))
    b3 = nn.Sequential(*resnet_block(width, 2 * width, 2))
    b4 = nn.Sequential(*resnet_block(2 * width, 4 * width, 2))
    b5 = nn.Sequential(*resnet_block(4 * width, 8 * width, 2))
    head = [nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(8 * width, num_classes)]
    return ResNet(b1, b2, b3, b4, b5, *head, in_channels=in_channels)


def layer_shapes(net: nn.Sequential, X: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """Run ``X`` through the top-level layers of ``net`` and return ``(layer class name, output shape)`` pairs."""
    shapes = []
    with torch.no_grad():
        for layer in net:
            X = layer(X)
            shapes.append((layer.__class__.__name__, tuple(X.shape)))
    return shapes
