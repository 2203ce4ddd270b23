"""Measuring the ResNet-18 build (lesson 03): parameters per stage, FLOPs, the "18" weighted layers,
AlexNet for comparison, an architecture diagram drawn from the model, and the input-size explorer behind
the lesson's slider.

FLOPs are counted by ``torch.utils.flop_counter.FlopCounterMode``: 2 per multiply-accumulate (MAC) of the
convs, linear layers and matmuls; batch norm, ReLU, pooling and bias additions are not counted. Many papers
and torchvision's model table quote MACs under the name "FLOPs" — divide by 2 to compare.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass
from functools import lru_cache

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
import torchvision
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from .blocks import Residual
from .models import layer_shapes, resnet18
from .style import COLORS
from .widget_output import png_output, text_output

STAGE_NAMES = ("b1 stem", "b2", "b3", "b4", "b5", "head")


def count_parameters(module: nn.Module) -> int:
    """The number of scalar parameters (trainable or not) in ``module``."""
    return sum(p.numel() for p in module.parameters())


def stages(net: nn.Sequential) -> list[tuple[str, list[nn.Module]]]:
    """Group a seed-style ResNet's top-level layers: stem b1, stages b2..b5, head (pool, flatten, linear)."""
    layers = list(net)
    if len(layers) < 6 or not all(isinstance(b, nn.Sequential) for b in layers[:5]):
        raise ValueError(
            f"expected a seed-style ResNet (5 nn.Sequential blocks b1..b5, then the head), got {len(layers)} "
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


def _describe_weighted(m: nn.Module) -> str:
    if isinstance(m, nn.Conv2d):
        k = m.kernel_size[0]
        return f"{k}x{k} conv {m.in_channels}->{m.out_channels}, stride {m.stride[0]}"
    return f"linear {m.in_features}->{m.out_features}"


def weighted_layers(net: nn.Module) -> list[WeightedLayer]:
    """Every conv and linear layer in ``net``, in order; the 1x1 shortcut convs of ``Residual`` blocks are
    marked as off the main path (the layers counted in a ResNet's name are the main-path ones)."""
    shortcuts = {id(m.conv3) for m in net.modules() if isinstance(m, Residual) and m.conv3 is not None}
    return [
        WeightedLayer(name, _describe_weighted(m), id(m) not in shortcuts)
        for name, m in net.named_modules()
        if isinstance(m, nn.Conv2d | nn.Linear)
    ]


def torchvision_resnet18(in_channels: int = 1, num_classes: int = 10) -> torchvision.models.ResNet:
    """torchvision's ResNet-18 (random weights) with its stem conv adapted to ``in_channels``."""
    tv = torchvision.models.resnet18(num_classes=num_classes)
    if in_channels != 3:
        tv.conv1 = nn.Conv2d(in_channels, 64, kernel_size=7, stride=2, padding=3, bias=False)
    return tv


def conv_bias_parameters(net: nn.Module) -> int:
    """Parameters held by conv biases (the seed's convs have them; torchvision's do not: BN cancels them)."""
    return sum(m.bias.numel() for m in net.modules() if isinstance(m, nn.Conv2d) and m.bias is not None)


def shortcut_bn_parameters(tv_net: torchvision.models.ResNet) -> int:
    """Parameters of the batch norms on torchvision's 1x1 shortcuts (``downsample``); the seed has none."""
    return sum(
        count_parameters(m)
        for block in tv_net.modules()
        if isinstance(block, torchvision.models.resnet.BasicBlock) and block.downsample is not None
        for m in block.downsample
        if isinstance(m, nn.BatchNorm2d)
    )


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
    if len(input_shape) != 3 or not all(isinstance(s, int) and s > 0 for s in input_shape):
        raise ValueError(f"input_shape must be (channels, height, width), positive ints; got {input_shape!r}")
    meta = _on_meta(model)
    counter = FlopCounterMode(display=False)
    with counter, torch.no_grad():
        meta(torch.zeros(1, *input_shape, device="meta"))
    counts = counter.get_flop_counts()
    root = type(meta).__name__
    per_child = {name: sum(counts.get(f"{root}.{name}", {}).values()) for name, _ in meta.named_children()}
    return FlopCount(counter.get_total_flops(), per_child)


def _shape_str(shape: tuple[int, ...]) -> str:
    return "x".join(str(s) for s in shape[1:])


def _describe_layer(m: nn.Module) -> str | None:
    if isinstance(m, nn.Conv2d):
        k = m.kernel_size[0]
        return f"{k}x{k} conv {m.out_channels}" + (f", /{m.stride[0]}" if m.stride[0] > 1 else "")
    if isinstance(m, nn.MaxPool2d):
        return f"{m.kernel_size}x{m.kernel_size} max-pool, /{m.stride}"
    if isinstance(m, nn.AdaptiveAvgPool2d):
        return "global avg pool"
    if isinstance(m, nn.Linear):
        return f"linear {m.in_features}->{m.out_features}"
    if isinstance(m, nn.Sequential) and all(isinstance(b, Residual) for b in m):
        first = m[0]
        down = "\nfirst one: /2,\n1x1 shortcut" if first.conv3 is not None else ""
        return f"{len(m)} residual blocks\n{first.conv1.out_channels} ch{down}"
    if isinstance(m, nn.Sequential):
        return "\n".join(d for d in map(_describe_layer, m) if d)
    return None  # BN, ReLU, Flatten: shown as part of the neighbours' description


def draw_architecture(net: nn.Sequential, image_size: int = 224) -> Figure:
    """A left-to-right diagram of the stem, four stages and head, labelled from ``net``'s own modules, with
    the output shapes measured on an ``image_size`` input; box height grows with log2 of the map's side."""
    shapes = stage_shapes(net, image_size)
    labels = ["input"] + [name for name, _ in shapes]
    descriptions = [""] + ["\n".join(filter(None, map(_describe_layer, mods))) for _, mods in stages(net)]
    outs = [(1, net[0][0].in_channels, image_size, image_size)] + [shape for _, shape in shapes]
    fig, ax = plt.subplots(figsize=(12, 4), dpi=80)
    for i, (label, text, shape) in enumerate(zip(labels, descriptions, outs, strict=True)):
        x, h = i * 2.0, 0.9 + 0.35 * math.log2(shape[-1] if len(shape) == 4 else 1)
        color = COLORS["residual"] if label in STAGE_NAMES[1:5] else COLORS["reference"]
        box = FancyBboxPatch((x, -h / 2), 1.7, h, boxstyle="round,pad=0.03", fc=color, ec=color, alpha=0.25)
        ax.add_patch(box)
        ax.text(x + 0.85, h / 2 + 0.12, label, ha="center", va="bottom", fontweight="bold")
        ax.text(x + 0.85, 0, text, ha="center", va="center", fontsize=7.5)
        ax.text(x + 0.85, -h / 2 - 0.12, _shape_str(shape), ha="center", va="top", fontsize=9)
        if i:
            ax.annotate("", (x, 0), (x - 0.3, 0), arrowprops={"arrowstyle": "->"})
    ax.set(xlim=(-0.1, len(labels) * 2.0 - 0.2), ylim=(-2.3, 2.3),
           title=f"ResNet-18 as built, {image_size}x{image_size} input (under each box: channels x H x W)")
    ax.axis("off")
    return fig


def stage_shapes(net: nn.Sequential, image_size: int) -> list[tuple[str, tuple[int, ...]]]:
    """``(stage name, output shape)`` for b1..b5 and the head, for one ``image_size`` square input."""
    if not isinstance(image_size, int) or image_size < 1:
        raise ValueError(f"image_size must be a positive integer, got {image_size!r}")
    meta = _on_meta(net)
    shapes = layer_shapes(meta, torch.zeros(1, meta[0][0].in_channels, image_size, image_size, device="meta"))
    stages(net)  # checks the layout
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
        rows += [f"{name:<8} {_shape_str(shape):>12} {flops / 1e6:>9.1f}"
                 for (name, shape), flops in zip(self.shapes, self.stage_flops, strict=True)]
        total = self.total_flops
        rows.append(f"total {total / 1e9:.3f} GFLOPs = {total / 2e9:.3f} G multiply-accumulates")
        side = self.final_side
        rows.append(f"last feature map (b5): {side}x{side}")
        if side == 1:
            first = next(name for name, shape in self.shapes if shape[-1] == 1)
            rows.append(f"collapsed to 1x1 from {first} on: its 3x3 convs see mostly zero padding, "
                        "and global pooling has nothing left to pool")
        return "\n".join(rows)


@lru_cache(maxsize=256)
def size_report(image_size: int) -> SizeReport:
    """Shapes and FLOPs of the seed's ResNet-18 (1 channel, 10 classes) on an ``image_size`` input; cached."""
    with torch.device("meta"):
        net = resnet18()
    shapes = stage_shapes(net, image_size)
    flops = count_flops(net, (1, image_size, image_size))
    per_child = list(flops.per_child.values())
    return SizeReport(image_size, shapes, per_child[:5] + [sum(per_child[5:])], flops.total)


def input_size_explorer(value: int = 96, min_size: int = 16, max_size: int = 224,
                        step: int = 4) -> widgets.VBox:
    """A slider over the input size; each move writes ``updated: input_size=<n>``, the size report and the
    architecture diagram at that size into the widget's output area (its ``outputs``, set directly)."""
    if not min_size <= value <= max_size or (value - min_size) % step:
        raise ValueError(f"value {value} must lie in [{min_size}, {max_size}] on the grid "
                         f"{min_size} + k * {step}; pick another value or step")
    slider = widgets.IntSlider(value=value, min=min_size, max=max_size, step=step, description="input size",
                               continuous_update=False)
    out = widgets.Output()
    with torch.device("meta"):
        net = resnet18()

    def show(size: int) -> None:
        fig = draw_architecture(net, size)
        text = f"updated: input_size={size}\n{size_report(size)}\n"
        out.outputs = (text_output(text), png_output(fig, f"<ResNet-18 diagram, {size}x{size} input>"))
        plt.close(fig)

    slider.observe(lambda change: show(change["new"]), names="value")
    show(value)
    return widgets.VBox([slider, out])
