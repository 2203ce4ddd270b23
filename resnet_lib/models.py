"""Whole networks: d2l §7.6's ResNet-18 assembled from its blocks, torchvision's ResNet-18 for comparison, and
d2l's AlexNet (§7.1), the network ResNet-18 is compared with."""

from __future__ import annotations

import torch
import torchvision
from torch import nn

from .blocks import resnet_block
from .checks import check_positive


class ResNet(nn.Sequential):
    """An ``nn.Sequential`` (so ``for layer in net`` works as in d2l) that checks its input channels."""

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
    """d2l's ResNet-18: stem b1, stages b2..b5 (2 residual blocks each), global pool, linear head.

    ``width`` is the stem's channel count (64 in d2l); the stages use width, 2x, 4x and 8x.
    """
    check_positive(in_channels=in_channels, num_classes=num_classes, width=width)
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


def torchvision_resnet18(in_channels: int = 1, num_classes: int = 10) -> torchvision.models.ResNet:
    """torchvision's ResNet-18 (random weights) with its stem conv adapted to ``in_channels``."""
    tv = torchvision.models.resnet18(num_classes=num_classes)
    if in_channels != 3:
        tv.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return tv


class D2LAlexNet(nn.Sequential):
    """d2l's AlexNet for Fashion-MNIST (§7.1): 1 input channel, 224x224 input, a 4096-4096 FC head."""

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if X.dim() != 4 or tuple(X.shape[1:]) != (self[0].in_channels, 224, 224):
            raise ValueError(
                f"d2l's AlexNet takes input of shape (batch, {self[0].in_channels}, 224, 224), got "
                f"{tuple(X.shape)}: its first linear layer expects 256*5*5 = 6400 features. "
                "Resize the images to 224."
            )
        return super().forward(X)


def d2l_alexnet(in_channels: int = 1, num_classes: int = 10) -> D2LAlexNet:
    """The d2l §7.1 AlexNet variant (11x11 conv, stride 4, 96 channels … linear 4096-4096-``num_classes``)."""
    return D2LAlexNet(
        nn.Conv2d(in_channels, 96, kernel_size=11, stride=4, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(96, 256, kernel_size=5, padding=2), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2),
        nn.Conv2d(256, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 384, kernel_size=3, padding=1), nn.ReLU(),
        nn.Conv2d(384, 256, kernel_size=3, padding=1), nn.ReLU(),
        nn.MaxPool2d(kernel_size=3, stride=2), nn.Flatten(),
        nn.Linear(6400, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, 4096), nn.ReLU(), nn.Dropout(p=0.5),
        nn.Linear(4096, num_classes),
    )
