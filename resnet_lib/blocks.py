"""Residual blocks, as in d2l §7.6: ``Residual`` and ``resnet_block``; the pre-activation variant
``PreActResidual`` (He et al. 2016); and the 1x1 -> 3x3 -> 1x1 ``Bottleneck`` of ResNet-50, whose grouped form is
``ResNeXtBlock`` (Xie et al. 2017, d2l §8.6).

Every block takes ``shortcut=False`` for its **plain twin** (the same layers, no identity path, no projection) and
``style``: ``"d2l"`` (convs with a bias, a bare 1x1 conv on the projection, as d2l writes them) or
``"torchvision"`` (bias-free convs and batch norm on the projection, as torchvision's ``resnet.py``).
Each block's ``branch(X)`` is the residual branch alone, and ``zero_init_branch()`` makes it output zero.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_positive

Style = Literal["d2l", "torchvision"]


def _check_block_args(name: str, input_channels: int, num_channels: int, use_1x1conv: bool, strides: int,
                      shortcut: bool = True, style: str = "d2l") -> None:
    """Positive sizes, a known style, and a 1x1 shortcut whenever the identity cannot be added."""
    check_positive(input_channels=input_channels, num_channels=num_channels, strides=strides)
    if style not in ("d2l", "torchvision"):
        raise ValueError(f"{name}: unknown style {style!r}; use 'd2l' (conv biases) or 'torchvision' (no biases)")
    if not shortcut:
        if use_1x1conv:
            raise ValueError(f"{name}: a plain block (shortcut=False) has no shortcut to project; "
                             "drop use_1x1conv=True")
        return
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

    The shortcut is the identity, or a 1x1 conv ``conv3`` with the same stride when ``use_1x1conv`` is set
    (needed whenever the channels or the spatial size change), followed by batch norm ``bn3`` in torchvision's
    style. ``shortcut=False`` gives the plain twin ``relu(branch(x))``.
    """

    expansion = 1

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1, *,
                 shortcut: bool = True, style: Style = "d2l"):
        super().__init__()
        _check_block_args("Residual", input_channels, num_channels, use_1x1conv, strides, shortcut, style)
        bias = style == "d2l"
        self.shortcut = shortcut
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides, bias=bias)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1, bias=bias)
        self.conv3 = (nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides, bias=bias)
                      if use_1x1conv else None)
        self.bn1 = nn.BatchNorm2d(num_channels)
        self.bn2 = nn.BatchNorm2d(num_channels)
        self.bn3 = nn.BatchNorm2d(num_channels) if use_1x1conv and not bias else None

    def branch(self, X: torch.Tensor) -> torch.Tensor:
        """The residual branch alone, before the addition."""
        return self.bn2(self.conv2(F.relu(self.bn1(self.conv1(X)))))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = self.branch(X)
        if not self.shortcut:
            return F.relu(Y)
        if self.conv3 is not None:
            X = self.conv3(X) if self.bn3 is None else self.bn3(self.conv3(X))
        return F.relu(Y + X)

    @property
    def projection(self) -> nn.Conv2d | None:
        """The 1x1 conv on the shortcut, if any (off the main path: not counted in a ResNet's depth)."""
        return self.conv3

    def zero_init_branch(self) -> None:
        """Set the branch's last batch-norm scale to 0, so the branch outputs zero (torchvision's
        ``zero_init_residual``)."""
        nn.init.zeros_(self.bn2.weight)


class PreActResidual(nn.Module):
    """The pre-activation block (He et al. 2016): ``conv2(relu(bn2(conv1(relu(bn1 x))))) + shortcut(x)``.

    BN and ReLU come *before* each conv and nothing follows the addition, so the identity path runs from block
    to block untouched. Same arguments, checks and output shapes as :class:`Residual`; the projection is a bare
    1x1 conv in both styles (the next block's batch norm follows it).
    """

    expansion = 1

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1, *,
                 shortcut: bool = True, style: Style = "d2l"):
        super().__init__()
        _check_block_args("PreActResidual", input_channels, num_channels, use_1x1conv, strides, shortcut, style)
        bias = style == "d2l"
        self.shortcut = shortcut
        self.bn1 = nn.BatchNorm2d(input_channels)
        self.conv1 = nn.Conv2d(input_channels, num_channels, kernel_size=3, padding=1, stride=strides, bias=bias)
        self.bn2 = nn.BatchNorm2d(num_channels)
        self.conv2 = nn.Conv2d(num_channels, num_channels, kernel_size=3, padding=1, bias=bias)
        self.conv3 = (nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides, bias=bias)
                      if use_1x1conv else None)

    def branch(self, X: torch.Tensor) -> torch.Tensor:
        """The residual branch alone, before the addition."""
        return self.conv2(F.relu(self.bn2(self.conv1(F.relu(self.bn1(X))))))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = self.branch(X)
        if not self.shortcut:
            return Y
        return Y + (X if self.conv3 is None else self.conv3(X))

    @property
    def projection(self) -> nn.Conv2d | None:
        """The 1x1 conv on the shortcut, if any (off the main path: not counted in a ResNet's depth)."""
        return self.conv3

    def zero_init_branch(self) -> None:
        """Set the branch's last conv to 0 (no batch norm follows it here), so the branch outputs zero."""
        nn.init.zeros_(self.conv2.weight)
        if self.conv2.bias is not None:
            nn.init.zeros_(self.conv2.bias)


class Bottleneck(nn.Module):
    """ResNet-50's block: 1x1 conv down to ``bottleneck`` channels, 3x3 conv (stride ``strides``, in ``groups``
    groups), 1x1 conv up to ``num_channels``, each with batch norm; then ``relu(branch + shortcut)``.

    ``bottleneck = num_channels / 4 * width_per_group / 64 * groups`` as in torchvision: ``num_channels / 4``
    for ResNet-50 (64 per group, 1 group). The 1x1 shortcut is ``conv4`` (+ ``bn4`` in torchvision's style).
    """

    expansion = 4

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1, *,
                 shortcut: bool = True, style: Style = "d2l", groups: int = 1, width_per_group: int = 64):
        super().__init__()
        name = type(self).__name__
        _check_block_args(name, input_channels, num_channels, use_1x1conv, strides, shortcut, style)
        check_positive(groups=groups, width_per_group=width_per_group)
        if num_channels % 4:
            raise ValueError(f"{name}: num_channels={num_channels} must be a multiple of 4 (the expansion)")
        bottleneck = int(num_channels // 4 * width_per_group / 64) * groups
        if bottleneck < groups:
            raise ValueError(f"{name}: {num_channels} output channels leave fewer bottleneck channels than "
                             f"groups={groups}; use more channels or fewer groups")
        bias = style == "d2l"
        self.shortcut = shortcut
        self.conv1 = nn.Conv2d(input_channels, bottleneck, kernel_size=1, bias=bias)
        self.conv2 = nn.Conv2d(bottleneck, bottleneck, kernel_size=3, padding=1, stride=strides, groups=groups,
                               bias=bias)
        self.conv3 = nn.Conv2d(bottleneck, num_channels, kernel_size=1, bias=bias)
        self.conv4 = (nn.Conv2d(input_channels, num_channels, kernel_size=1, stride=strides, bias=bias)
                      if use_1x1conv else None)
        self.bn1, self.bn2, self.bn3 = (nn.BatchNorm2d(c) for c in (bottleneck, bottleneck, num_channels))
        self.bn4 = nn.BatchNorm2d(num_channels) if use_1x1conv and not bias else None

    def branch(self, X: torch.Tensor) -> torch.Tensor:
        """The residual branch alone, before the addition."""
        Y = F.relu(self.bn1(self.conv1(X)))
        Y = F.relu(self.bn2(self.conv2(Y)))
        return self.bn3(self.conv3(Y))

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        Y = self.branch(X)
        if not self.shortcut:
            return F.relu(Y)
        if self.conv4 is not None:
            X = self.conv4(X) if self.bn4 is None else self.bn4(self.conv4(X))
        return F.relu(Y + X)

    @property
    def projection(self) -> nn.Conv2d | None:
        """The 1x1 conv on the shortcut, if any (off the main path: not counted in a ResNet's depth)."""
        return self.conv4

    def zero_init_branch(self) -> None:
        """Set the branch's last batch-norm scale to 0, so the branch outputs zero."""
        nn.init.zeros_(self.bn3.weight)


class ResNeXtBlock(Bottleneck):
    """ResNeXt's block (d2l §8.6): a :class:`Bottleneck` whose 3x3 conv is grouped, by default 32 groups of 4
    channels per 256 output channels (ResNeXt-50 32x4d). A grouped conv with ``g`` groups has ``1/g`` of the
    weights of the full conv: each output channel sees only its group's ``c_in / g`` input channels."""

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1, *,
                 shortcut: bool = True, style: Style = "d2l", groups: int = 32, width_per_group: int = 4):
        super().__init__(input_channels, num_channels, use_1x1conv, strides, shortcut=shortcut, style=style,
                         groups=groups, width_per_group=width_per_group)


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
