"""Lesson 03's pictures: ResNet-18 drawn from its own modules, the input-size record, and the input-size widget."""

from __future__ import annotations

import math
from typing import cast

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.patches import FancyBboxPatch
from torch import nn

from ..blocks import Residual
from ..lessons.input_size import SizeRecord, forward_flops
from ..measure import STAGE_NAMES, shape_str, size_report, stage_shapes, stages
from ..models import resnet18
from .style import COLORS
from .widget_output import Explorer


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
        first = cast(Residual, m[0])
        down = "\nfirst one: /2,\n1x1 shortcut" if first.conv3 is not None else ""
        return f"{len(m)} residual blocks\n{first.conv1.out_channels} ch{down}"
    if isinstance(m, nn.Sequential):
        return "\n".join(d for d in map(_describe_layer, m) if d)
    return None  # BN, ReLU, Flatten: shown as part of the neighbours' description


def box_height(shape: tuple[int, ...]) -> float:
    """A box's height in the diagram: 0.9 + 0.35 * log2(side of the map), so every halving of the side lowers
    the box by the same step; a vector (no map, e.g. the head's output) is drawn as low as a 1x1 map."""
    return 0.9 + 0.35 * math.log2(shape[-1] if len(shape) == 4 else 1)


def draw_architecture(net: nn.Sequential, image_size: int = 224) -> Figure:
    """A left-to-right diagram of the stem, four stages and head, labelled from ``net``'s own modules, with
    the output shapes measured on an ``image_size`` input; box heights from :func:`box_height`."""
    shapes = stage_shapes(net, image_size)
    labels = ["input"] + [name for name, _ in shapes]
    descriptions = [""] + ["\n".join(filter(None, map(_describe_layer, mods))) for _, mods in stages(net)]
    stem_conv = cast(nn.Conv2d, cast(nn.Sequential, net[0])[0])
    outs = [(1, stem_conv.in_channels, image_size, image_size)] + [shape for _, shape in shapes]
    fig, ax = plt.subplots(figsize=(12, 4), dpi=80)
    for i, (label, text, shape) in enumerate(zip(labels, descriptions, outs, strict=True)):
        x, h = i * 2.0, box_height(shape)
        color = COLORS["residual"] if label in STAGE_NAMES[1:5] else COLORS["reference"]
        box = FancyBboxPatch((x, -h / 2), 1.7, h, boxstyle="round,pad=0.03", fc=color, ec=color, alpha=0.25)
        ax.add_patch(box)
        ax.text(x + 0.85, h / 2 + 0.12, label, ha="center", va="bottom", fontweight="bold")
        ax.text(x + 0.85, 0, text, ha="center", va="center", fontsize=7.5)
        ax.text(x + 0.85, -h / 2 - 0.12, shape_str(shape), ha="center", va="top", fontsize=9)
        if i:
            ax.annotate("", (x, 0), (x - 0.3, 0), arrowprops={"arrowstyle": "->"})
    ax.set(xlim=(-0.1, len(labels) * 2.0 - 0.2), ylim=(-2.3, 2.3),
           title=f"ResNet-18 as built, {image_size}x{image_size} input (under each box: channels x H x W)")
    ax.axis("off")
    return fig


def plot_input_size(record: SizeRecord) -> Figure:
    """Test accuracy after each epoch at every input size of ``record`` (one line per seed), against epochs
    (equal steps) and against the forward-pass FLOPs spent on training images (log scale)."""
    budget = record.budget
    fig, (ax_e, ax_f) = plt.subplots(1, 2, figsize=(11, 3.6), dpi=80, sharey=True)
    sizes = record.sizes()
    for i, size in enumerate(sizes):  # one blue, told apart by line style and marker (readable on a projector)
        line, marker = ("-", "--", ":", "-.")[(len(sizes) - 1 - i) % 4], "o^sDv"[i % 5]  # largest: solid
        per_image = forward_flops(size, budget.width)
        for run in (r for r in record.runs if r.image_size == size):
            epochs = range(1, len(run.test_acc) + 1)
            label = f"{size} px" if run.seed == budget.seeds[0] else None
            style = {"marker": marker, "linestyle": line, "color": COLORS["residual"], "label": label}
            ax_e.plot(epochs, run.test_acc, **style)
            ax_f.plot([e * budget.train_images * per_image / 1e12 for e in epochs], run.test_acc, **style)
    ax_e.set(xlabel="epoch (same images and steps at every size)", ylabel="test accuracy",
             title="Equal steps", xticks=range(1, budget.epochs + 1))
    ax_f.set(xlabel="TFLOPs of forward passes spent on training (log scale)", xscale="log", title="Against compute")
    ax_e.legend(title=f"input ({len(budget.seeds)} seeds each)")
    fig.tight_layout()
    return fig


class InputSizeExplorer(Explorer):
    """Widget: a slider over the input size shows the size report and the architecture diagram at that size."""

    def __init__(self, value: int = 96, min_size: int = 16, max_size: int = 224, step: int = 1):
        if not min_size <= value <= max_size or (value - min_size) % step:
            raise ValueError(f"value {value} must lie in [{min_size}, {max_size}] on the grid "
                             f"{min_size} + k * {step}; pick another value or step")
        self.controls = {"input_size": widgets.IntSlider(value=value, min=min_size, max=max_size, step=step,
                                                         description="input size", continuous_update=False)}
        with torch.device("meta"):
            self.net = resnet18()
        super().__init__()

    def draw(self) -> tuple[Figure, str]:
        size = self.controls["input_size"].value
        return draw_architecture(self.net, size), str(size_report(size))
