"""Residual blocks, as in d2l §7.6: ``Residual`` and ``resnet_block``; plus the pre-activation variant
``PreActResidual`` (He et al. 2016)."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_positive


def _check_block_args(
    name: str, input_channels: int, num_channels: int, use_1x1conv: bool, strides: int
) -> None:
    """Positive sizes, and a 1x1 shortcut whenever the identity cannot be added (channels or H, W change)."""
    check_positive(input_channels=input_channels, num_channels=num_channels, strides=strides)
    problems = []
    if input_channels != num_channels:
        problems.append(f"the channels change ({input_channels} -> {num_channels})")
    if strides != 1:
        problems.append(f"stride {strides} changes the height and width")
    if problems and not use_1x1conv:
        raise ValueError(
            f"{name}({input_channels}, {num_channels}, strides={strides}): the identity shortcut cannot be "
            f"added because {' and '.join(problems)}; pass use_1x1conv=True so a 1x1 conv matches the shapes."
        )


class Residual(nn.Module):
    """Two 3x3 convs with batch norm, plus a shortcut: ``relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x))``.

    The shortcut is the identity, or a 1x1 conv with the same stride when ``use_1x1conv`` is set
    (needed whenever the channels or the spatial size change).
    """

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1):
        super().__init__()
        _check_block_args("Residual", input_channels, num_channels, use_1x1conv, strides)
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        self.conv3 = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides) if use_1x1conv else None
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = self.bn2(self.conv2(Y))
        if self.conv3 is not None:
            X = self.conv3(X)
        return F.relu(Y + X)


class PreActResidual(nn.Module):
    """The pre-activation block (He et al. 2016): ``conv2(relu(bn2(conv1(relu(bn1 x))))) + shortcut(x)``.

    BN and ReLU come *before* each conv and nothing follows the addition, so the identity path runs from block
    to block untouched. Same arguments, checks and output shapes as :class:`Residual`.
    """

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1):
        super().__init__()
        _check_block_args("PreActResidual", input_channels, num_channels, use_1x1conv, strides)
        self.bn1 = nn.BatchNorm2d(input_channels)
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides)
        self.bn2 = nn.BatchNorm2d(num_channels)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1)
        shortcut = nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides)
        self.conv3 = shortcut if use_1x1conv else None

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = self.conv1(F.relu(self.bn1(X)))
        Y = self.conv2(F.relu(self.bn2(Y)))
        return Y + (X if self.conv3 is None else self.conv3(X))


def resnet_block(
    input_channels: int, num_channels: int, num_residuals: int, first_block: bool = False
) -> list[nn.Module]:
    """A ResNet stage: ``num_residuals`` blocks; unless ``first_block``, the first one halves H, W (stride 2,
    1x1 shortcut) and changes the channels to ``num_channels``."""
    check_positive(input_channels=input_channels, num_channels=num_channels, num_residuals=num_residuals)
    if first_block and input_channels != num_channels:
        raise ValueError(
            f"first_block=True keeps the channels, but input_channels={input_channels} != "
            f"num_channels={num_channels}; use first_block=False to let the first block change them."
        )
    blk: list[nn.Module] = []
    for i in range(num_residuals):
        if i == 0 and not first_block:
            blk.append(Residual(input_channels, num_channels, use_1x1conv=True, strides=2))
        else:
            blk.append(Residual(num_channels, num_channels))
    return blk
