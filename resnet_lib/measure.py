"""Measuring a model: parameters (in all and per stage), FLOPs, output shapes, the weighted layers that give a
ResNet its name, and what one input size does to ResNet-18.

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode``: 2 per multiply-accumulate (MAC) of the
convs, linear layers and matmuls; batch norm, ReLU, pooling and bias additions are not counted. Many papers
and torchvision's model table quote MACs under the name "FLOPs" — divide by 2 to compare.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, cast

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .checks import check_positive, is_int
from .models import resnet18

if TYPE_CHECKING:
    import torchvision

STAGE_NAMES = ("b1 stem", "b2", "b3", "b4", "b5", "head")


def count_parameters(module: nn.Module) -> int:
    """The number of scalar parameters (trainable or not) in ``module``."""
    return sum(p.numel() for p in module.parameters())


def stages(net: nn.Sequential) -> list[tuple[str, list[nn.Module]]]:
    """Group a d2l-style ResNet's top-level layers: stem b1, stages b2..b5, head (pool, flatten, linear)."""
    layers = list(net)
    if len(layers) < 6 or not all(isinstance(b, nn.Sequential) for b in layers[:5]):
        raise ValueError(
            f"expected a d2l-style ResNet (5 nn.Sequential blocks b1..b5, then the head), got {len(layers)} "
            "top-level layers; build it with resnet_lib.resnet18()."
        )
    return [(name, [layer]) for name, layer in zip(STAGE_NAMES[:5], layers[:5], strict=True)] + [
        (STAGE_NAMES[5], layers[5:])
    ]


def stage_parameters(net: nn.Sequential) -> list[tuple[str, int]]:
    """``(stage name, parameter count)`` for b1..b5 and the head; they add up to the whole net."""
    return [(name, sum(count_parameters(m) for m in mods)) for name, mods in stages(net)]


@dataclass(frozen=True)
class WeightedLayer:
    """A conv or linear layer: its module name, a short description, and whether it lies on the main path."""

    name: str
    description: str
    main_path: bool


def describe_layer(m: nn.Module) -> str:
    """A layer in a few words, the one wording of the course: ``3x3 conv 64->128, stride 2`` (no stride when it is
    1), ``linear 512->10``, ``BN(64)``; any other module by its class name."""
    if isinstance(m, nn.Conv2d):
        k, s = m.kernel_size[0], m.stride[0]
        return f"{k}x{k} conv {m.in_channels}->{m.out_channels}" + (f", stride {s}" if s != 1 else "")
    if isinstance(m, nn.Linear):
        return f"linear {m.in_features}->{m.out_features}"
    if isinstance(m, nn.BatchNorm2d):
        return f"BN({m.num_features})"
    return type(m).__name__


def weighted_layers(net: nn.Module) -> list[WeightedLayer]:
    """Every conv and linear layer in ``net``, in order; the 1x1 projections on the blocks' shortcuts are marked as
    off the main path (the layers counted in a ResNet's name are the main-path ones)."""
    shortcuts = {id(p) for m in net.modules() if (p := getattr(m, "projection", None)) is not None}
    return [
        WeightedLayer(name, describe_layer(m), id(m) not in shortcuts)
        for name, m in net.named_modules()
        if isinstance(m, nn.Conv2d | nn.Linear)
    ]


def main_path_layers(net: nn.Module) -> int:
    """Weighted layers on the main path: the depth in a ResNet's name (ResNet-18: 18)."""
    return sum(layer.main_path for layer in weighted_layers(net))


def conv_bias_parameters(net: nn.Module) -> int:
    """Parameters held by conv biases (d2l's convs have them; torchvision's do not: BN cancels them)."""
    return sum(m.bias.numel() for m in net.modules() if isinstance(m, nn.Conv2d) and m.bias is not None)


def shortcut_bn_parameters(tv_net: torchvision.models.ResNet) -> int:
    """Parameters of the batch norms on torchvision's 1x1 shortcuts (``downsample``); d2l's blocks have none."""
    import torchvision  # here, not at the top: only lesson 3 needs it, and each kernel that imports it holds ~90 MiB

    return sum(
        count_parameters(m)
        for block in tv_net.modules()
        if isinstance(block, torchvision.models.resnet.BasicBlock) and block.downsample is not None
        for m in block.downsample
        if isinstance(m, nn.BatchNorm2d)
    )


@dataclass(frozen=True)
class FlopCount:
    """FLOPs of one forward pass (batch 1), in total and per top-level child; ``macs`` = FLOPs / 2."""

    total: int
    per_child: dict[str, int]

    @property
    def macs(self) -> int:
        return self.total // 2


def _on_meta(model: nn.Module) -> nn.Module:
    """A copy of ``model`` on the meta device, in eval mode (BN then accepts a 1x1 map in a batch of 1)."""
    return copy.deepcopy(model).to("meta").eval()


def count_flops(model: nn.Module, input_shape: tuple[int, int, int]) -> FlopCount:
    """Count the FLOPs of ``model`` on one input of shape ``(channels, height, width)``.

    The count runs on a copy on PyTorch's "meta" device: shapes only, no arithmetic, fast at any size.
    """
    if len(input_shape) != 3 or not all(is_int(s) and s > 0 for s in input_shape):
        raise ValueError(f"input_shape must be (channels, height, width), positive ints; got {input_shape!r}")
    meta = _on_meta(model)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        meta(torch.zeros(1, *input_shape, device="meta"))
    counts = counter.get_flop_counts()
    root = type(meta).__name__
    per_child = {name: sum(counts.get(f"{root}.{name}", {}).values()) for name, _ in meta.named_children()}
    return FlopCount(counter.get_total_flops(), per_child)


def shape_str(shape: tuple[int, ...]) -> str:
    """``(1, 64, 56, 56)`` -> ``"64x56x56"`` (the batch dimension dropped)."""
    return "x".join(str(s) for s in shape[1:])


def layer_shapes(net: nn.Sequential, X: torch.Tensor) -> list[tuple[str, tuple[int, ...]]]:
    """Run ``X`` through the top-level layers of ``net`` and return ``(layer class name, output shape)`` pairs.

    It runs a copy on the meta device, in eval mode: shapes only, fast at any size, and ``net`` (its mode and
    its BatchNorm statistics) is left as it was."""
    X = X.to("meta")
    shapes = []
    with torch.no_grad():
        for layer in cast(nn.Sequential, _on_meta(net)):
            X = layer(X)
            shapes.append((layer.__class__.__name__, tuple(X.shape)))
    return shapes


def stage_shapes(net: nn.Sequential, image_size: int) -> list[tuple[str, tuple[int, ...]]]:
    """``(stage name, output shape)`` for b1..b5 and the head, for one ``image_size`` square input."""
    check_positive(image_size=image_size)
    stages(net)  # checks the layout
    stem_conv = cast(nn.Conv2d, cast(nn.Sequential, net[0])[0])
    shapes = layer_shapes(net, torch.zeros(1, stem_conv.in_channels, image_size, image_size, device="meta"))
    return [(name, shape) for name, (_, shape) in zip(STAGE_NAMES[:5], shapes[:5], strict=True)] + [
        (STAGE_NAMES[5], shapes[-1][1])
    ]


@dataclass(frozen=True)
class SizeReport:
    """What one input size does to ResNet-18: per-stage output shapes and FLOPs, the last map's side."""

    image_size: int
    shapes: list[tuple[str, tuple[int, ...]]]
    stage_flops: list[int]
    total_flops: int

    @property
    def final_side(self) -> int:
        return self.shapes[4][1][-1]

    def __str__(self) -> str:
        rows = [f"input 1x{self.image_size}x{self.image_size}", f"{'stage':<8} {'output':>12} {'MFLOPs':>9}"]
        rows += [f"{name:<8} {shape_str(shape):>12} {flops / 1e6:>9.1f}"
                 for (name, shape), flops in zip(self.shapes, self.stage_flops, strict=True)]
        total = self.total_flops
        rows.append(f"total {total / 1e9:.3f} GFLOPs = {total / 2e9:.3f} G multiply-accumulates")
        side = self.final_side
        rows.append(f"last feature map (b5): {side}x{side}")
        if side == 1:
            first = next(name for name, shape in self.shapes if shape[-1] == 1)
            rows.append(f"collapsed to 1x1 from {first} on: its 3x3 convs see mostly zero padding, "
                        "and the global average pool averages a single value")
        return "\n".join(rows)


@lru_cache(maxsize=256)
def size_report(image_size: int) -> SizeReport:
    """Shapes and FLOPs of d2l's ResNet-18 (1 channel, 10 classes) on an ``image_size`` input; cached."""
    with torch.device("meta"):
        net = resnet18()
    shapes = stage_shapes(net, image_size)
    flops = count_flops(net, (1, image_size, image_size))
    per_child = list(flops.per_child.values())
    return SizeReport(image_size, shapes, per_child[:5] + [sum(per_child[5:])], flops.total)


