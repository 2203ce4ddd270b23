"""Residual blocks, as in d2l §7.6: ``Residual`` and ``resnet_block``; the pre-activation variant
``PreActResidual`` (He et al. 2016); and the 1x1 -> 3x3 -> 1x1 ``Bottleneck`` of ResNet-50, whose grouped form is
``ResNeXtBlock`` (Xie et al. 2017, d2l §8.6).

Every block takes ``shortcut=False`` for its **plain twin** (the same layers, no identity path, no projection) and
``style``: ``"d2l"`` (convs with a bias, a bare 1x1 conv on the projection, as d2l writes them) or
``"torchvision"`` (bias-free convs and batch norm on the projection, as torchvision's ``resnet.py``).
Each block's ``branch(X)`` is the residual branch alone, and ``zero_init_branch()`` makes it output zero.

What every block provides is written down once, in :class:`ResidualBlock`; :func:`check_block` tests a class
against it, and :func:`resnet_block` (the one stage builder, used by every net) and
:func:`~resnet_lib.models.build_resnet` accept any class that meets it. A new block type is one class in one file
(CONTRIBUTING.md walks through a squeeze-and-excitation block).
"""

from __future__ import annotations

import inspect
from typing import Any, Literal, Protocol, cast, runtime_checkable

import torch
from torch import nn
from torch.nn import functional as F

from .checks import check_positive

Style = Literal["d2l", "torchvision"]


@runtime_checkable
class ResidualBlock(Protocol):
    """The contract of a residual block: what :func:`resnet_block` and ``build_resnet`` rely on.

    - ``__init__(input_channels, num_channels, use_1x1conv=False, strides=1, *, shortcut=True, style="d2l",
      **options)``: ``num_channels`` out, H and W divided by ``strides``; ``use_1x1conv`` puts a projection on the
      shortcut; ``shortcut=False`` is the plain twin (same layers, no identity path, no projection).
    - ``expansion``: how many times ``num_channels`` a stage of width ``w`` outputs (1 basic, 4 bottleneck).
    - ``needs_final_norm``: the block leaves its sum un-normalised (pre-activation), so the net adds a batch norm
      and ReLU after the last stage.
    - ``branch(X)``: the residual branch alone; ``projection``: the shortcut's 1x1 conv or None;
      ``zero_init_branch()``: make the branch output zero, so the block starts as its shortcut.
    """

    expansion: int
    needs_final_norm: bool

    def __init__(self, input_channels: int, num_channels: int, use_1x1conv: bool = False, strides: int = 1, *,
                 shortcut: bool = True, style: Style = "d2l") -> None: ...

    def __call__(self, X: torch.Tensor) -> torch.Tensor: ...

    def branch(self, X: torch.Tensor) -> torch.Tensor: ...

    @property
    def projection(self) -> nn.Module | None: ...

    def zero_init_branch(self) -> None: ...


BlockType = type[ResidualBlock]
_SIGNATURE = ("input_channels", "num_channels", "use_1x1conv", "strides", "shortcut", "style")


def check_block(block: object) -> None:
    """Raise ``ValueError`` unless ``block`` is a class that meets :class:`ResidualBlock`, naming what it lacks."""
    if not (isinstance(block, type) and issubclass(block, nn.Module)):
        raise ValueError(f"block must be a residual block class (an nn.Module subclass such as Residual), got "
                         f"{block!r}")
    lacks = [name for name in ("expansion", "needs_final_norm", "branch", "projection", "zero_init_branch")
             if not hasattr(block, name)]
    params = inspect.signature(block.__init__).parameters
    lacks += [f"the constructor argument {name!r}" for name in _SIGNATURE if name not in params]
    if lacks:
        raise ValueError(f"{block.__name__} is not a residual block: it lacks {', '.join(lacks)}; see "
                         "resnet_lib.blocks.ResidualBlock for what a block provides")


def block_options(block: BlockType) -> set[str]:
    """The keyword options ``block`` takes beyond the contract's (e.g. ``groups`` for a bottleneck)."""
    params = inspect.signature(block.__init__).parameters
    return {name for name, p in params.items() if p.kind is p.KEYWORD_ONLY and name not in _SIGNATURE}


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


def _join(Y: torch.Tensor, X: torch.Tensor, shortcut: bool, projection: nn.Module | None,
          norm: nn.Module | None) -> torch.Tensor:
    """The end of a post-activation block: ``relu(Y + X)``, ``X`` through the 1x1 ``projection`` (and its batch
    norm, if any) when there is one; ``relu(Y)`` for a plain twin (``shortcut=False``)."""
    if not shortcut:
        return F.relu(Y)
    if projection is not None:
        X = projection(X) if norm is None else norm(projection(X))
    return F.relu(Y + X)


class Residual(nn.Module):
    """Two 3x3 convs with batch norm, plus a shortcut: ``relu(bn2(conv2(relu(bn1(conv1 x)))) + shortcut(x))``.

    The shortcut is the identity, or a 1x1 conv ``conv3`` with the same stride when ``use_1x1conv`` is set
    (needed whenever the channels or the spatial size change), followed by batch norm ``bn3`` in torchvision's
    style. ``shortcut=False`` gives the plain twin ``relu(branch(x))``.
    """

    expansion = 1
    needs_final_norm = False

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
        return _join(self.branch(X), X, self.shortcut, self.conv3, self.bn3)

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
    needs_final_norm = True  # nothing follows the last addition: the net adds batch norm and ReLU

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
    needs_final_norm = False

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
        return _join(self.branch(X), X, self.shortcut, self.conv4, self.bn4)

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


def resnet_block(input_channels: int, num_channels: int, num_residuals: int, first_block: bool = False, *,
                 block: BlockType = Residual, shortcut: bool = True, **options: Any) -> list[nn.Module]:
    """A ResNet stage: ``num_residuals`` blocks of type ``block`` (d2l's ``Residual`` by default).

    Unless ``first_block``, the first block halves H, W (stride 2); when the shape changes (stride 2, or
    other channels) it gets a 1x1 projection on the shortcut. The rest keep the shape. ``shortcut=False`` builds
    the plain twin; ``options`` (``style``, ``groups``, ...) go to every block. Every net in the course is built
    from these stages.
    """
    check_block(block)
    check_positive(input_channels=input_channels, num_channels=num_channels, num_residuals=num_residuals)
    strides = 1 if first_block else 2
    project = shortcut and (strides != 1 or input_channels != num_channels)
    blk = [block(input_channels, num_channels, use_1x1conv=project, strides=strides, shortcut=shortcut, **options)]
    blk += [block(num_channels, num_channels, shortcut=shortcut, **options) for _ in range(num_residuals - 1)]
    return [cast(nn.Module, b) for b in blk]  # check_block made sure each is an nn.Module
