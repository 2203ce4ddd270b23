"""Whole networks, all from one builder: :func:`build_resnet` (in the spirit of torchvision's
``ResNet(block, layers)``) makes d2l §7.6's ResNet-18, ResNet-34/50, ResNeXt-50, the pre-activation variant, He et
al.'s small CIFAR-style nets, and the plain twin of each (``shortcut=False``). torchvision's ResNet-18 and d2l's
AlexNet (§7.1) are here for comparison."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
import torchvision
from torch import nn

from .blocks import (
    BlockType,
    Bottleneck,
    PreActResidual,
    Residual,
    ResidualBlock,
    ResNeXtBlock,
    Style,
    block_options,
    check_block,
    resnet_block,
)
from .checks import check_positive, is_int


class ResNet(nn.Sequential):
    """An ``nn.Sequential`` (so ``for layer in net`` and ``net[:3]`` work as in d2l) that checks its input: float
    images with as many channels as its first conv takes."""

    @property
    def in_channels(self) -> int | None:
        """The channels the first conv takes (None if this part of the net has no conv)."""
        return next((m.in_channels for m in self.modules() if isinstance(m, nn.Conv2d)), None)

    def forward(self, X: torch.Tensor) -> torch.Tensor:
        if not X.is_floating_point():
            raise TypeError(
                f"the model takes float images, got {X.dtype} (raw pixels 0..255?); convert them with "
                "resnet_lib.data.prepare(images), which scales and standardises them into (batch, 1, size, size)"
            )
        channels = self.in_channels
        if channels is not None and (X.dim() != 4 or X.shape[1] != channels):
            got = f"{X.shape[1]} channel(s)" if X.dim() == 4 else f"a {X.dim()}-d tensor"
            raise ValueError(
                f"expected input of shape (batch, {channels}, height, width), got {got} "
                f"(shape {tuple(X.shape)}); build the model with in_channels={X.shape[1] if X.dim() == 4 else '?'}"
                " or convert the images (e.g. grayscale <-> RGB) first."
            )
        return super().forward(X)


Stem = Callable[[int, int, bool], nn.Module]  # (in_channels, width, conv bias) -> the layers before stage 1


def d2l_stem(in_channels: int, width: int, bias: bool) -> nn.Sequential:
    """d2l §7.6 and torchvision: 7x7 conv, stride 2, batch norm, ReLU, then a 3x3 max-pool, stride 2."""
    return nn.Sequential(nn.Conv2d(in_channels, width, kernel_size=7, stride=2, padding=3, bias=bias),
                         nn.BatchNorm2d(width), nn.ReLU(), nn.MaxPool2d(kernel_size=3, stride=2, padding=1))


def cifar_stem(in_channels: int, width: int, bias: bool) -> nn.Sequential:
    """He et al. 2015, section 4.2: one 3x3 conv, batch norm, ReLU, no pooling."""
    return nn.Sequential(nn.Conv2d(in_channels, width, kernel_size=3, padding=1, bias=bias),
                         nn.BatchNorm2d(width), nn.ReLU())


STEMS: dict[str, Stem] = {"d2l": d2l_stem, "cifar": cifar_stem}


def build_resnet(block: BlockType, layers: Sequence[int], *, width: int = 64, in_channels: int = 1,
                 num_classes: int = 10, stem: str | Stem = "d2l", shortcut: bool = True,
                 zero_init_residual: bool = False, style: Style = "d2l", **options: int) -> ResNet:
    """A ResNet: ``stem``, then one stage per entry of ``layers`` (that many blocks, from :func:`resnet_block`),
    then global average pooling and a linear head.

    ``block`` is any class that meets :class:`~resnet_lib.blocks.ResidualBlock`. ``stem`` is a name in
    ``STEMS`` (``"d2l"``: 7x7 conv + max-pool; ``"cifar"``: one 3x3 conv) or any function
    ``(in_channels, width, bias) -> module``.
    Stage ``i`` has ``width * 2**i * block.expansion`` output channels; every stage after the first halves H, W.
    ``shortcut=False`` builds the plain twin (same layers, no identity path, no projection).
    ``zero_init_residual`` calls every block's ``zero_init_branch()``, so each block starts as its shortcut.
    ``style="torchvision"`` uses bias-free convs, batch norm on the projection and torchvision's Kaiming
    initialisation; ``"d2l"`` keeps d2l's conv biases and PyTorch's default initialisation.
    ``options`` (``groups``, ``width_per_group``) go to the blocks that take them.
    """
    check_block(block)
    if isinstance(layers, str | bytes) or not layers or not all(is_int(n) and n >= 1 for n in layers):
        raise ValueError(f"layers must list the blocks per stage as positive integers, e.g. (2, 2, 2, 2); "
                         f"got {layers!r}")
    check_positive(width=width, in_channels=in_channels, num_classes=num_classes)
    if not isinstance(shortcut, bool) or not isinstance(zero_init_residual, bool):
        raise ValueError(f"shortcut and zero_init_residual are True or False, got {shortcut!r} and "
                         f"{zero_init_residual!r}")
    if zero_init_residual and not shortcut:
        raise ValueError("zero_init_residual=True with shortcut=False would start every plain block at zero "
                         "and the net would output a constant; zero-init needs the identity path")
    unknown = set(options) - block_options(block)
    if unknown:
        raise ValueError(f"{block.__name__} takes no option {', '.join(sorted(unknown))}; it takes "
                         f"{', '.join(sorted(block_options(block))) or 'none'}")
    if isinstance(stem, str) and stem not in STEMS:
        raise ValueError(f"unknown stem {stem!r}; use one of {', '.join(STEMS)}, or pass a function "
                         "(in_channels, width, bias) -> module")
    make_stem = STEMS[stem] if isinstance(stem, str) else stem
    parts: list[nn.Module] = [make_stem(in_channels, width, style == "d2l")]
    blocks: list[ResidualBlock] = []
    channels = width
    for i, n in enumerate(layers):
        out = width * 2**i * block.expansion
        stage = resnet_block(channels, out, n, first_block=i == 0, block=block, shortcut=shortcut, style=style,
                             **options)
        blocks += stage  # type: ignore[arg-type]  # resnet_block builds ``block``s
        parts.append(nn.Sequential(*stage))
        channels = out
    if block.needs_final_norm:  # e.g. pre-activation: the last block's sum still needs its batch norm and ReLU
        parts += [nn.BatchNorm2d(channels), nn.ReLU()]
    net = ResNet(*parts, nn.AdaptiveAvgPool2d((1, 1)), nn.Flatten(), nn.Linear(channels, num_classes))
    if style == "torchvision":
        for m in net.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
    if zero_init_residual:
        for b in blocks:
            b.zero_init_branch()
    return net


def resnet18(in_channels: int = 1, num_classes: int = 10, width: int = 64) -> ResNet:
    """d2l's ResNet-18: stem b1, stages b2..b5 (2 residual blocks each), global pool, linear head.

    ``width`` is the stem's channel count (64 in d2l); the stages use width, 2x, 4x and 8x.
    """
    return build_resnet(Residual, (2, 2, 2, 2), width=width, in_channels=in_channels, num_classes=num_classes)


FAMILY: dict[str, tuple[BlockType, tuple[int, ...], dict[str, Any]]] = {
    "ResNet-18": (Residual, (2, 2, 2, 2), {}),
    "ResNet-34": (Residual, (3, 4, 6, 3), {}),
    "ResNet-50": (Bottleneck, (3, 4, 6, 3), {}),
    "ResNeXt-50 32x4d": (ResNeXtBlock, (3, 4, 6, 3), {}),
    "pre-activation ResNet-18": (PreActResidual, (2, 2, 2, 2), {}),
}


def family_member(name: str, **options: Any) -> ResNet:
    """A net of the ResNet family by name (see ``FAMILY``), e.g. ``family_member("ResNet-50", in_channels=3,
    num_classes=1000, style="torchvision")``; ``options`` go to :func:`build_resnet`."""
    if name not in FAMILY:
        raise ValueError(f"unknown family member {name!r}; use one of {', '.join(FAMILY)}")
    block, layers, block_options = FAMILY[name]
    return build_resnet(block, layers, **block_options, **options)


def cifar_resnet(depth: int, shortcut: bool = True, width: int = 16, in_channels: int = 1, num_classes: int = 10,
                 zero_init_residual: bool = False, block: BlockType = Residual) -> ResNet:
    """He et al.'s CIFAR-style net with ``depth = 6n + 2`` weighted layers (20, 32, 44, 56, 110): a 3x3 stem,
    three stages of ``n`` basic blocks with ``width``, 2x, 4x channels, bias-free convs, Kaiming initialisation.
    ``shortcut=False`` gives the plain net of the same depth; ``block=PreActResidual`` the pre-activation net
    (He et al. 2016), which :func:`build_resnet` ends with a batch norm and ReLU before the pooling."""
    if not is_int(depth) or depth < 8 or (depth - 2) % 6:
        raise ValueError(f"depth must be 6n + 2 for a whole n >= 1 (8, 14, 20, 32, 44, 56, 110), got {depth!r}")
    n = (depth - 2) // 6
    return build_resnet(block, (n, n, n), width=width, in_channels=in_channels, num_classes=num_classes,
                        stem="cifar", shortcut=shortcut, zero_init_residual=zero_init_residual, style="torchvision")


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
