"""Lesson 02's drawing of a traced residual block, and the block-explorer widget."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..lessons.block_anatomy import BLOCKS, BlockLayout, Step, describe, make_block, trace_block
from .style import COLORS
from .widget_output import Explorer


def draw_block(layout: BlockLayout) -> plt.Figure:
    """The two branches as boxes: residual branch on top (blue), shortcut below (grey), meeting at ``+``."""
    n = len(layout.branch)
    width = n + 2 + len(layout.after)
    fig, ax = plt.subplots(figsize=(1.2 * width + 0.4, 2.4), dpi=80)
    ax.set(xlim=(-0.6, width - 0.4), ylim=(-1.6, 1.6))
    ax.axis("off")

    def box(x: float, y: float, text: str, color: str) -> None:
        ax.text(x, y, text, ha="center", va="center", fontsize=9,
                bbox={"boxstyle": "round", "facecolor": "white", "edgecolor": color})

    def arrow(x0: float, y0: float, x1: float, y1: float, color: str = "black") -> None:
        ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "->", "color": color})

    def wrap(s: Step) -> str:
        return s.label.replace(", ", "\n", 1) + "\n" + "x".join(map(str, s.shape[1:]))

    box(0, 0, "x\n" + "x".join(map(str, layout.input_shape[1:])), "black")
    for i, s in enumerate(layout.branch, start=1):
        box(i, 0.8, wrap(s), COLORS["residual"])
        arrow(i - 1 + (0.1 if i == 1 else 0.35), 0.1 if i == 1 else 0.8, i - 0.35, 0.8, COLORS["residual"])
    add_x = n + 1
    if layout.shortcut:
        box(add_x / 2, -0.9, "\n".join(wrap(s) for s in layout.shortcut), COLORS["reference"])
        arrow(0.1, -0.1, add_x / 2 - 0.6, -0.9, COLORS["reference"])
        arrow(add_x / 2 + 0.6, -0.9, add_x - 0.1, -0.1, COLORS["reference"])
    else:
        ax.text(add_x / 2, -0.75, "identity", ha="center", fontsize=8, color=COLORS["reference"])
        arrow(0.2, -0.1, add_x - 0.1, -0.1, COLORS["reference"])
    arrow(n + 0.35, 0.8, add_x - 0.05, 0.1, COLORS["residual"])
    box(add_x, 0, "+", "black")
    for j, s in enumerate(layout.after, start=1):
        box(add_x + j, 0, wrap(s), "black")
        arrow(add_x + j - 0.85, 0, add_x + j - 0.35, 0)
    ax.set_title(f"{layout.input_shape} -> {layout.output_shape}, {layout.params:,} parameters", fontsize=9)
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
