"""Lesson 02: look inside a residual block. The block is traced with ``torch.fx``, so the two branches,
their layers, shapes and parameter counts are read from the module itself, then listed, drawn, and put in a
widget."""

from __future__ import annotations

import copy
import operator
from dataclasses import dataclass

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from .blocks import PreActResidual, Residual
from .style import COLORS
from .widget_output import png_output, text_output

BLOCKS: dict[str, type[nn.Module]] = {"Residual": Residual, "PreActResidual": PreActResidual}


@dataclass(frozen=True)
class Step:
    """One operation: a label (``"conv 3x3, 3->6, stride 2"``), its output shape, its parameter count."""

    label: str
    shape: tuple[int, ...]
    params: int


@dataclass(frozen=True)
class BlockLayout:
    """A traced block: the residual branch, the shortcut (empty = identity), the steps after the addition."""

    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    branch: list[Step]
    shortcut: list[Step]
    after: list[Step]

    @property
    def params(self) -> int:
        """All trainable parameters of the block."""
        return sum(step.params for step in self.branch + self.shortcut + self.after)


def make_block(kind: str, input_channels: int, num_channels: int, use_1x1conv: bool = False,
               strides: int = 1) -> nn.Module:
    """``Residual`` or ``PreActResidual`` (by name) with these arguments; bad ones raise ValueError."""
    if kind not in BLOCKS:
        raise ValueError(f"unknown block kind {kind!r}; use one of {', '.join(BLOCKS)}")
    return BLOCKS[kind](input_channels, num_channels, use_1x1conv=use_1x1conv, strides=strides)


def _label(node: fx.Node, module: nn.Module | None) -> str:
    if isinstance(module, nn.Conv2d):
        k, s = module.kernel_size[0], module.stride[0]
        stride = f", stride {s}" if s != 1 else ""
        return f"conv {k}x{k}, {module.in_channels}->{module.out_channels}{stride}"
    if isinstance(module, nn.BatchNorm2d):
        return f"BN({module.num_features})"
    if module is not None:
        return type(module).__name__
    if node.target in (operator.add, torch.add):
        return "+"
    return "ReLU" if node.target is torch.nn.functional.relu else str(node.target)


def trace_block(block: nn.Module, input_shape: tuple[int, ...] = (4, 3, 6, 6)) -> BlockLayout:
    """Trace ``block`` on a random input of ``input_shape`` and split its graph at the addition into the
    residual branch (the longer path into ``+``), the shortcut (the shorter one) and what follows."""
    graph_module = fx.symbolic_trace(copy.deepcopy(block).eval())  # the caller's block stays untouched
    with torch.no_grad():
        ShapeProp(graph_module).propagate(torch.rand(input_shape))
    modules = dict(graph_module.named_modules())

    def step(node: fx.Node) -> Step:
        module = modules.get(node.target) if node.op == "call_module" else None
        params = sum(p.numel() for p in module.parameters()) if module is not None else 0
        return Step(_label(node, module), tuple(node.meta["tensor_meta"].shape), params)

    def path_to_input(node: fx.Node) -> list[Step]:
        steps = []
        while node.op != "placeholder":
            steps.append(step(node))
            node = node.args[0]
        return steps[::-1]

    nodes = list(graph_module.graph.nodes)
    adds = [n for n in nodes if n.op == "call_function" and n.target in (operator.add, torch.add)]
    if len(adds) != 1:
        raise ValueError(f"expected a block with exactly one addition (x + branch), found {len(adds)}")
    add = adds[0]
    shortcut, branch = sorted((path_to_input(arg) for arg in add.args), key=len)
    after = [step(n) for n in nodes[nodes.index(add) + 1:] if n.op != "output"]
    output_shape = (after[-1] if after else step(add)).shape
    return BlockLayout(tuple(input_shape), output_shape, branch, shortcut, after)


def describe(layout: BlockLayout) -> str:
    """A plain-text table of the two branches: every step's output shape and parameter count."""
    rows = [f"input {layout.input_shape}"]
    for title, steps, empty in (("residual branch", layout.branch, ""),
                                ("shortcut", layout.shortcut, " identity (no parameters)"),
                                ("after the sum", layout.after, " nothing")):
        rows.append(f"{title}:" + ("" if steps else empty))
        rows += [f"  {s.label:<28} -> {str(s.shape):<16} {s.params:>7,} params" for s in steps]
    rows.append(f"output {layout.output_shape}, {layout.params:,} parameters in all")
    return "\n".join(rows)


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


class BlockExplorer:
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
        self.output = widgets.Output()
        self.text = ""
        self.figure: plt.Figure | None = None
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self.update(name, change["new"]), names="value")
        self.widget = widgets.VBox([*self.controls.values(), self.output])

    def state(self) -> dict[str, object]:
        """The controls' current values, by argument name."""
        return {name: control.value for name, control in self.controls.items()}

    def update(self, name: str = "input_channels", value: object = None) -> None:
        """Rebuild the block from the controls and redraw; write ``updated: <name>=<value>`` first."""
        args = self.state()
        value = args[name] if value is None else value
        shape = (4, args["input_channels"], self.size, self.size)  # the seed's batch of 4
        try:
            block = make_block(args.pop("kind"), **args)
        except ValueError as err:
            self.text = f"updated: {name}={value}\nValueError: {err}"
            self.figure = None
        else:
            layout = trace_block(block, shape)
            self.text = f"updated: {name}={value}\n{describe(layout)}"
            self.figure = draw_block(layout)
            plt.close(self.figure)  # shown in the widget only, not again by the inline backend
        outputs = [text_output(self.text)]
        if self.figure is not None:
            outputs.append(png_output(self.figure, f"<block diagram, output {layout.output_shape}>"))
        self.output.outputs = tuple(outputs)  # set, not captured: the same in a kernel, nbclient and tests

    def show(self) -> widgets.VBox:
        """Draw once and return the widget (the last expression of a cell displays it)."""
        self.update()
        return self.widget
