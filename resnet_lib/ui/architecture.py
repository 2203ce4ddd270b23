"""Lesson 03's pictures: ResNet-18 drawn from its own modules, the input-size record, and the input-size widget."""

from __future__ import annotations

import copy
import math
from typing import Any, cast

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Circle, FancyBboxPatch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
from torch import nn

from ..blocks import Residual
from ..lessons.input_size import SizeRecord, forward_flops
from ..measure import STAGE_NAMES, FlopCount, shape_str, size_report, stages
from ..models import resnet18
from .style import COLORS, FIGURE_DPI, MIN_FONT_PT, NOTEBOOK_WIDTH_PX, seed_markers
from .widget_output import Explorer


def box_height(shape: tuple[int, ...]) -> float:
    """A box's height in the diagram: 0.9 + 0.35 * log2(side of the map), so every halving of the side lowers
    the box by the same step; a vector (no map, e.g. the head's output) is drawn as low as a 1x1 map."""
    return 0.9 + 0.35 * math.log2(shape[-1] if len(shape) == 4 else 1)


def _stem_text(stem: nn.Module) -> str:
    lines = []
    for m in stem.modules():
        if isinstance(m, nn.Conv2d):
            lines += [f"{m.kernel_size[0]}x{m.kernel_size[0]} conv", f"{m.out_channels} ch" + (
                f", /{m.stride[0]}" if m.stride[0] > 1 else "")]
        elif isinstance(m, nn.MaxPool2d):
            lines += ["max-pool", f"{m.kernel_size}x{m.kernel_size}, /{m.stride}"]
    return "\n".join(lines)


def _block_shapes(net: nn.Sequential, image_size: int) -> tuple[tuple[int, ...], list[list[tuple[int, ...]]]]:
    """The stem's output shape and every residual block's, stage by stage, from a pass on the meta device."""
    meta = cast(nn.Sequential, copy.deepcopy(net).to("meta").eval())
    stem = cast(nn.Sequential, net[0])
    with torch.no_grad():
        X = meta[0](torch.zeros(1, cast(nn.Conv2d, stem[0]).in_channels, image_size, image_size, device="meta"))
        stem_shape, per_stage = tuple(X.shape), cast(list[list[tuple[int, ...]]], [])
        for stage in cast(nn.Sequential, meta[1:5]):
            per_stage.append([])
            for block in cast(nn.Sequential, stage):
                X = block(X)
                per_stage[-1].append(tuple(X.shape))
    return stem_shape, per_stage


# These figures are drawn WIDTH_IN inches wide at FIGURE_DPI, and the picture saved is cropped to what they draw
# (plus a margin): no wider than NOTEBOOK_WIDTH_PX, so they are shown 1:1 and their text at the FONT_PT it is drawn at.
WIDTH_IN = NOTEBOOK_WIDTH_PX / FIGURE_DPI - 0.25  # 9.5: a drawing this wide and its margins fit in 780 px
FONT_PT = MIN_FONT_PT + 2  # 14, as lessons 01 and 02 draw theirs
DIAGRAM_PT = FONT_PT  # the diagram's labels are read from the back of a room, inside small boxes
KEY = ("Grey: the image, the stem b1 (64 ch, /2: 64 output channels, stride 2), the head.\n"
       "Blue: a residual block (two 3x3 convs with batch norm), its output channels inside.\n"
       "/2: stride 2, which halves height and width. Arc: the shortcut, added at ⊕;\n"
       "dashed: a 1x1 conv with stride 2 turns it into the new shape. In the image and\n"
       "under the boxes: channels x height x width (under: each part's output).")  # no wider than the drawing


def _draw_diagram(ax: Axes, net: nn.Sequential, image_size: int, caption: bool = True) -> tuple[float, float]:
    """Draw the diagram of :func:`draw_architecture` into ``ax`` (its limits set, one data unit as tall as wide in
    the figure it is sized for) and return the drawing's ``(width, height)`` in data units."""
    stages(net)  # checks the layout
    if not all(isinstance(b, Residual) for stage in net[1:5] for b in cast(nn.Sequential, stage)):
        raise ValueError("draw_architecture draws d2l's Residual blocks; build the net with resnet18() or "
                         "build_resnet(Residual, ...)")
    stem_shape, block_shapes = _block_shapes(net, image_size)
    head = cast(nn.Linear, net[-1])
    head_in, head_out = head.in_features, head.out_features
    gap, block_w, side_w = 0.3, 1.0, 2.0  # side_w: the stem's and the head's boxes
    font: dict[str, Any] = {"fontsize": DIAGRAM_PT}
    in_shape = (1, cast(nn.Conv2d, cast(nn.Sequential, net[0])[0]).in_channels, image_size, image_size)
    arc_y = max(box_height(s) for shapes in block_shapes for s in shapes) / 2 + 0.35  # every arc at one height
    names_y = arc_y + 0.3  # one line for the names
    shapes_y = -box_height(stem_shape) / 2 - 0.2  # one line for the output shapes, below every box but the image

    def box(x: float, w: float, shape: tuple[int, ...], color: str, text: str, rotation: int = 0) -> None:
        h = box_height(shape)
        ax.add_patch(FancyBboxPatch((x, -h / 2), w, h, boxstyle="round,pad=0.02", fc=color, ec=color,
                                    alpha=0.25, gid="box"))
        ax.text(x + w / 2, 0, text, ha="center", va="center", linespacing=1.1, rotation=rotation, **font)

    def arrow(x0: float, x1: float) -> None:
        ax.annotate("", (x1, 0), (x0, 0), arrowprops={"arrowstyle": "->", "lw": 1.2})

    def label(x: float, name: str, shape: str) -> None:
        ax.text(x, names_y, name, ha="center", va="bottom", fontweight="bold", **font)
        ax.text(x, shapes_y, shape, ha="center", va="top", **font)

    x = 0.0
    box(x, 1.0, in_shape, COLORS["reference"], f"image\n{shape_str(in_shape)}", rotation=90)  # the tallest box
    x += 1.0 + gap
    arrow(x - gap, x)
    box(x, side_w, stem_shape, COLORS["reference"], _stem_text(net[0]))
    label(x + side_w / 2, STAGE_NAMES[0], shape_str(stem_shape))
    x += side_w
    for name, stage, shapes in zip(STAGE_NAMES[1:5], net[1:5], block_shapes, strict=True):
        stage_x = x + gap
        for block, shape in zip(cast(nn.Sequential, stage), shapes, strict=True):
            start, x = x, x + gap
            arrow(start, x)
            block = cast(Residual, block)
            stride = block.conv1.stride[0]
            box(x, block_w, shape, COLORS["residual"], f"{shape[1]}" + (f"\n/{stride}" if stride > 1 else ""))
            add_x = x + block_w + gap / 2  # the shortcut joins the branch here
            projected = block.projection is not None
            ax.plot([start + 0.1, start + 0.1, add_x, add_x], [0, arc_y, arc_y, 0.13], color=COLORS["residual"],
                    linestyle="--" if projected else "-", lw=1.6, gid="projection" if projected else "shortcut")
            if projected:
                p = cast(nn.Conv2d, block.projection)
                ax.text((start + add_x) / 2 + 0.05, arc_y, f"{p.kernel_size[0]}x{p.kernel_size[0]}, /{p.stride[0]}",
                        ha="center", va="center", bbox={"fc": "white", "ec": "none", "pad": 1}, **font)
            ax.add_patch(Circle((add_x, 0), 0.13, fc="white", ec="black", lw=1.2, gid="add"))
            ax.text(add_x, 0, "+", ha="center", va="center", **font)
            x = add_x + 0.13
        label((stage_x + x) / 2, name, shape_str(shapes[-1]))
    x += gap
    arrow(x - gap, x)
    box(x, side_w, (1, head_out), COLORS["reference"], f"avg pool\nlinear\n{head_in}->{head_out}")
    label(x + side_w / 2, STAGE_NAMES[5], str(head_out))
    right = x + side_w + 0.05
    if caption:
        low = min(shapes_y - 0.75, -box_height(in_shape) / 2 - 0.3)
        ax.text(0, low, KEY, ha="left", va="top", linespacing=1.25, **font)
        units_per_pt = (right + 0.1) / (WIDTH_IN * 72)  # one data unit as tall as wide
        bottom = low - (KEY.count("\n") + 1) * 1.25 * DIAGRAM_PT * units_per_pt - 0.1
    else:
        bottom = min(shapes_y - 0.45, -box_height(in_shape) / 2 - 0.1)
    ax.set(xlim=(-0.1, right), ylim=(bottom, names_y + 0.5))
    ax.axis("off")
    return right + 0.1, names_y + 0.5 - bottom


def draw_architecture(net: nn.Sequential, image_size: int = 224, caption: bool = True) -> Figure:
    """ResNet-18 (or any d2l-style ResNet of basic blocks) left to right: the input, the stem b1, every residual
    block of b2..b5 with its shortcut arc (dashed, and marked "1x1, /2", where a 1x1 conv projects it), the head.

    Labels come from ``net``'s own modules, shapes from a pass of an ``image_size`` input; box heights from
    :func:`box_height`. The names (b1 ... head) stand on one line above the arcs and the output shapes of the stem,
    the stages and the head on one line below the boxes. Every text is ``DIAGRAM_PT`` (above ``MIN_FONT_PT``) at
    the notebook's width. ``caption``: the key under the drawing (what grey, blue, /2 and the arcs mean); a second
    diagram in the same lesson can leave it out."""
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 4), dpi=FIGURE_DPI)  # its height is set once the drawing's is known
    width, height = _draw_diagram(ax, net, image_size, caption=caption)
    fig.set_size_inches(WIDTH_IN, WIDTH_IN * height / width + 0.4)  # one unit as tall as wide: round +
    ax.set_title(f"ResNet-18 as built, {image_size}x{image_size} input", fontsize=DIAGRAM_PT + 1)
    for _ in range(2):  # the drawing as wide as the notebook allows: the second pass sees the key fit under it
        fig.tight_layout(pad=0.2)
    return fig


SIZE_COLORS = ("#7b3294", "#2ca25f", COLORS["residual"])  # purple, green, blue: smallest to largest input


def plot_input_size(record: SizeRecord) -> Figure:
    """Test accuracy after each epoch at every input size of ``record`` (one line per run), against epochs (equal
    steps) and against the forward-pass TFLOPs spent on training images (log scale). Sizes differ in colour, line
    style and marker; the first seed's markers are filled, the others' open (``style.seed_markers``); one
    legend below both panels, clear of the data; every text is at least ``MIN_FONT_PT`` in the site's column."""
    plan = record.plan
    fig, (ax_e, ax_f) = plt.subplots(1, 2, figsize=(WIDTH_IN, 5.6), dpi=FIGURE_DPI, sharey=True)
    sizes = record.sizes()
    for i, size in enumerate(sizes):
        line, marker = ("-", "--", ":", "-.")[(len(sizes) - 1 - i) % 4], "o^sDv"[i % 5]  # largest: solid
        color = SIZE_COLORS[(len(SIZE_COLORS) - len(sizes) + i) % len(SIZE_COLORS)]
        per_image = forward_flops(size, plan.width)
        for run in (r for r in record.runs if r.image_size == size):
            epochs = range(1, len(run.test_acc) + 1)
            first = run.seed == plan.seeds[0]
            style = {"marker": marker, "linestyle": line, "color": color, "label": f"{size} px" if first else None,
                     **seed_markers(0 if first else 1), "markersize": 8}
            ax_e.plot(epochs, run.test_acc, **style)
            ax_f.plot([e * plan.train_images * per_image / 1e12 for e in epochs], run.test_acc, **style)
    for i, seed in enumerate(plan.seeds[:2]):  # legend entries for the seeds' markers
        ax_e.plot([], [], color=COLORS["reference"], linestyle="none", marker="o",
                  **{**seed_markers(i), "markersize": 8}, label=f"seed {seed} ({'filled' if i == 0 else 'open'})")
    font = FONT_PT
    ax_e.set_xlabel(f"epoch (one pass over\nthe {plan.train_images:,} training images)", fontsize=font)
    ax_e.set_ylabel("test accuracy (fraction correct)", fontsize=font)
    ax_e.set_title("Equal steps", fontsize=font + 1)
    ax_e.set_xticks(range(1, plan.epochs + 1))
    ax_f.set_xscale("log")
    ax_f.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax_f.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax_f.xaxis.set_minor_formatter(NullFormatter())
    ax_f.set_xlabel("training compute (TFLOPs of\nforward passes, log scale)", fontsize=font)
    ax_f.set_title("Against compute", fontsize=font + 1)
    for ax in (ax_e, ax_f):
        ax.tick_params(labelsize=font)
        ax.grid(alpha=0.3)
    handles, labels = ax_e.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(labels), fontsize=font, frameon=False,
               handlelength=2.2, columnspacing=1.2, handletextpad=0.5)
    fig.tight_layout(rect=(0, 0.08, 1, 1), pad=0.3)  # the bottom strip holds the legend, below both panels
    return fig


def _two_lines(name: str, longest: int = 24) -> str:
    """A model's name, its part in brackets on a second line, split once more after a comma if that is long."""
    head, _, brackets = name.partition(" (")
    if not brackets:
        return name
    brackets = "(" + brackets
    if len(brackets) > longest and ", " in brackets:
        first, _, rest = brackets.rpartition(", ")
        brackets = f"{first},\n{rest}"
    return f"{head}\n{brackets}"


def plot_size_and_compute(measured: dict[str, tuple[int, FlopCount]], misread: float = 18e6) -> Figure:
    """Two bar charts for ``{model name: (parameters, FLOPs)}``: parameters in millions (a dotted line at the
    ``misread`` count) and GFLOPs per image. ResNets blue, the others orange and hatched; a name's part in
    brackets goes on a second line (a long one on two). The misread count's line is named at its foot, in a strip
    below the last bar, so the label covers neither the line nor a bar."""
    names = list(measured)
    resnet = [name.startswith("ResNet") for name in names]
    looks: dict[str, Any] = {"color": [COLORS["residual" if r else "plain"] for r in resnet],
                             "hatch": [None if r else "//" for r in resnet], "edgecolor": "white"}
    labels = [_two_lines(name) for name in names]
    fig, (ax_p, ax_f) = plt.subplots(1, 2, figsize=(WIDTH_IN, 5.2), dpi=FIGURE_DPI, sharey=True)
    ax_p.barh(labels, [measured[n][0] / 1e6 for n in names], **looks)
    ax_p.axvline(misread / 1e6, color=COLORS["reference"], linestyle=":", lw=2)
    strip = len(names) - 0.5 + 0.35  # the middle of a strip under the last bar, where the line meets the axis
    ax_p.text(misread / 1e6 + 1, strip, f"misread: 'about {misread / 1e6:.0f}M'", ha="left", va="center",
              color="black", fontsize=FONT_PT)
    ax_f.barh(labels, [measured[n][1].total / 1e9 for n in names], **looks)
    font = FONT_PT
    ax_p.set_xlabel("parameters (millions)", fontsize=font)
    ax_f.set_xlabel("GFLOPs per 224x224 image", fontsize=font)
    ax_p.set_title("Size", fontsize=font + 1)
    ax_f.set_title("Compute", fontsize=font + 1)
    for ax in (ax_p, ax_f):
        ax.tick_params(labelsize=font)
    ax_p.set_ylim(len(names) - 0.5 + 0.7, -0.5)  # the first model on top; the strip for the line's label below
    fig.tight_layout(pad=0.3)
    return fig


def _plot_doubling(ax: Axes, image_size: int) -> None:
    """Bars of each part's FLOPs at half ``image_size`` (rounded down) and at ``image_size``, the factor between
    the two above each pair, the side of each part's output map at both sizes under it, and the factor of the
    image's area in the title."""
    half = image_size // 2
    reports = size_report(half), size_report(image_size)
    names = [name for name, _ in reports[1].shapes]
    positions = range(len(names))
    looks: list[dict[str, Any]] = [{"color": "#d9d9d9", "edgecolor": COLORS["reference"], "hatch": "//"},
                                   {"color": COLORS["residual"], "edgecolor": COLORS["residual"], "hatch": ""}]
    for offset, size, report, look in zip((-0.2, 0.2), (half, image_size), reports, looks, strict=True):
        ax.bar([p + offset for p in positions], [f / 1e6 for f in report.stage_flops], 0.4, label=f"{size} px",
               **look)
    top = max(reports[1].stage_flops + reports[0].stage_flops) / 1e6
    for p, small, big in zip(positions, *(r.stage_flops for r in reports), strict=True):
        ax.text(p, max(small, big) / 1e6 + 0.03 * top, f"×{big / small:.2f}", ha="center", va="bottom",
                fontsize=FONT_PT)
    sides = [[shape[-1] if len(shape) == 4 else None for _, shape in report.shapes] for report in reports]
    ticks = [f"{name}\n{a}→{b}" if a else name for name, a, b in zip(names, *sides, strict=True)]
    ax.set_xticks(list(positions), ticks)
    ax.set_xlabel("each part, and the side of its output map at the two sizes", fontsize=FONT_PT)
    ax.set_ylim(0, 1.25 * top)
    ax.set_ylabel("MFLOPs per image", fontsize=FONT_PT)
    ax.set_title(f"Each part's FLOPs at {half} px and at {image_size} px; the image's area grows "
                 f"×{(image_size / half) ** 2:.2f}", fontsize=FONT_PT)
    ax.tick_params(labelsize=FONT_PT)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1), fontsize=FONT_PT, frameon=False)
    ax.spines[["top", "right"]].set_visible(False)


def draw_input_size(net: nn.Sequential, image_size: int) -> Figure:
    """The input-size widget's picture: the diagram of ``net`` at ``image_size`` (without its key, given in the
    lesson above) and, under it, each part's FLOPs at half that size and at that size (:func:`_plot_doubling`)."""
    fig = plt.figure(figsize=(WIDTH_IN, 1), dpi=FIGURE_DPI)
    diagram = fig.add_axes((0, 0, 1, 1))
    width, height = _draw_diagram(diagram, net, image_size, caption=False)
    diagram.set_title(f"ResNet-18 as built, {image_size}x{image_size} input", fontsize=DIAGRAM_PT + 1)
    top_in, bars_in, gap_in, title_in, bottom_in = WIDTH_IN * height / width, 2.9, 1.1, 0.45, 1.0  # inches
    total = top_in + bars_in + gap_in + title_in + bottom_in
    fig.set_size_inches(WIDTH_IN, total)
    diagram.set_position((0.01, (bottom_in + bars_in + gap_in) / total, 0.98, top_in / total))  # a margin: 1:1
    bars = fig.add_axes((0.1, bottom_in / total, 0.74, bars_in / total))  # the legend to its right
    _plot_doubling(bars, image_size)
    return fig


class InputSizeExplorer(Explorer):
    """Widget: a slider over the input size shows the architecture diagram at that size, each part's FLOPs at
    half that size and at that size (:func:`draw_input_size`), and the size report."""

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
        return draw_input_size(self.net, size), str(size_report(size))
