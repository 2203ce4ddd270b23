"""Lesson 02's drawing of a traced residual block, and the block-explorer widget."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.patches import Circle, FancyArrowPatch, FancyBboxPatch

from ..lessons.block_anatomy import BLOCKS, BlockLayout, Step, describe, make_block, trace_block
from .style import COLORS
from .widget_output import Explorer

# Points at dpi 80. The widest block the widget draws has 8 columns: 1.16 inches a column makes it 9.6 inches (about
# 765 px) wide, no wider than the notebook as shown on a projector (about 780 px), so it is shown at its own size.
FONT = 14
COLUMN_IN = 1.16
BOX_W, BOX_H = 0.76, 1.1  # data units: one column per step, leaving a gap an arrow shows in (about 19 px)
PLUS_R = 0.2


def _step_text(s: Step) -> str:
    """``3x3 conv 3->6, stride 2`` over ``6x3x3`` (channels x height x width), one phrase per line."""
    text = s.label.replace(" conv ", " conv\n").replace("->", "→").replace(", ", "\n")
    return text + "\n" + "×".join(map(str, s.shape[1:]))


def draw_block(layout: BlockLayout) -> plt.Figure:
    """The block as d2l and He et al. draw it: the residual branch as a row of boxes (blue), the shortcut as an arc
    below it (grey; with the 1x1 conv's box on the arc when there is one), meeting at ``+``. Arrows start and end
    at box edges; each box shows its output shape (channels × height × width)."""
    n, after = len(layout.branch), len(layout.after)
    columns = n + 2 + after  # input, the branch, +, the steps after the sum
    fig, ax = plt.subplots(figsize=(COLUMN_IN * columns + 0.3, 4.5), dpi=80)
    ax.set(xlim=(-0.55, columns - 0.45), ylim=(-2.25, 1.1))
    ax.axis("off")

    def box(x: float, y: float, text: str, color: str) -> None:
        ax.add_patch(FancyBboxPatch((x - BOX_W / 2, y - BOX_H / 2), BOX_W, BOX_H, boxstyle="round,pad=0.02",
                                    facecolor="white", edgecolor=color, linewidth=2))
        ax.text(x, y, text, ha="center", va="center", fontsize=FONT)

    def arrow(start: tuple[float, float], end: tuple[float, float], color: str, rad: float = 0.0) -> None:
        ax.add_patch(FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=13, color=color, linewidth=1.8,
                                     connectionstyle=f"arc3,rad={rad}", shrinkA=0, shrinkB=0))

    box(0, 0, "X\n" + "×".join(map(str, layout.input_shape[1:])), "black")  # the input batch, as lesson 02 names it
    for i, s in enumerate(layout.branch, start=1):
        box(i, 0, _step_text(s), COLORS["residual"])
        arrow((i - 1 + BOX_W / 2, 0), (i - BOX_W / 2, 0), COLORS["residual"])
    add_x = n + 1
    ax.add_patch(Circle((add_x, 0), PLUS_R, facecolor="white", edgecolor="black", linewidth=2))
    ax.text(add_x, 0, "+", ha="center", va="center", fontsize=FONT + 4)
    arrow((n + BOX_W / 2, 0), (add_x - PLUS_R, 0), COLORS["residual"])
    ax.text((1 + n) / 2, BOX_H / 2 + 0.22, "branch g(X)", ha="center", va="center", fontsize=FONT,
            color=COLORS["residual"])
    grey, low, mid = COLORS["reference"], -1.55, add_x / 2
    if layout.shortcut:  # the arc dips under the branch, through the projection's box
        box(mid, low, "\n".join(_step_text(s) for s in layout.shortcut), grey)
        arrow((0, -BOX_H / 2), (mid - BOX_W / 2, low), grey, rad=0.3)
        arrow((mid + BOX_W / 2, low), (add_x, -PLUS_R), grey, rad=0.3)
        ax.text(mid + BOX_W / 2 + 0.15, low - 0.35, "shortcut", ha="left", va="center", fontsize=FONT, color=grey)
    else:  # the identity: one arc from x to the sum
        arrow((0, -BOX_H / 2), (add_x, -PLUS_R), grey, rad=0.35)
        ax.text(mid, low - 0.2, "shortcut", ha="center", va="center", fontsize=FONT, color=grey)
        ax.text(mid, low - 0.55, "identity", ha="center", va="center", fontsize=FONT, color=grey)
    for j, s in enumerate(layout.after, start=1):
        box(add_x + j, 0, _step_text(s), "black")
        arrow((add_x + j - 1 + (PLUS_R if j == 1 else BOX_W / 2), 0), (add_x + j - BOX_W / 2, 0), "black")
    ax.text(add_x + after, (BOX_H / 2 if after else PLUS_R) + 0.22, "Y", ha="center", va="center", fontsize=FONT,
            fontweight="bold")  # the block's output, as lesson 02 names it
    ax.set_title(f"{layout.input_shape} → {layout.output_shape}, {layout.params:,} parameters; "
                 "boxes: channels × height × width", fontsize=FONT)
    fig.tight_layout()
    return fig


class BlockExplorer(Explorer):
    """Widget: in/out channels, stride, 1x1 shortcut, block kind -> output shape, parameters, diagram."""

    def __init__(self, input_channels: int = 3, num_channels: int = 3, strides: int = 1,
                 use_1x1conv: bool = False, kind: str = "Residual", size: int = 6):
        self.size = size

        def slider(value: int, top: int, label: str) -> widgets.IntSlider:  # redraws on release, not on drag
            return widgets.IntSlider(value=value, min=1, max=top, description=label, continuous_update=False)

        self.controls = {
            "input_channels": slider(input_channels, 16, "in channels"),
            "num_channels": slider(num_channels, 16, "out channels"),
            "strides": slider(strides, 3, "stride"),
            "use_1x1conv": widgets.Checkbox(value=use_1x1conv, description="1x1 conv shortcut"),
            "kind": widgets.ToggleButtons(options=list(BLOCKS), value=kind),
        }
        super().__init__()

    def state(self) -> dict[str, object]:
        """The controls' current values, by argument name."""
        return {name: control.value for name, control in self.controls.items()}

    def draw(self) -> tuple[plt.Figure | None, str]:
        """Rebuild the block from the controls: its diagram and table, or the error that bad settings raise."""
        args: dict[str, Any] = self.state()
        shape = (4, int(args["input_channels"]), self.size, self.size)  # d2l's example batch of 4
        try:
            block = make_block(args.pop("kind"), **args)
        except ValueError as err:
            return None, f"ValueError: {err}"
        layout = trace_block(block, shape)
        return draw_block(layout), describe(layout)
