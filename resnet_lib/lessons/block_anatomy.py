"""Lesson 02: look inside a residual block. The block is traced with ``torch.fx``, so the two branches, their
layers, shapes and parameter counts are read from the module itself (drawn by :mod:`resnet_lib.ui.block_explorer`)."""

from __future__ import annotations

import copy
import operator
from dataclasses import dataclass
from typing import cast

import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from ..blocks import PreActResidual, Residual
from ..measure import count_parameters, describe_layer

BLOCKS: dict[str, type[nn.Module]] = {"Residual": Residual, "PreActResidual": PreActResidual}


@dataclass(frozen=True)
class Step:
    """One operation: a label (``"3x3 conv 3->6, stride 2"``, from ``measure.describe_layer``), its output shape,
    its parameter count."""

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
    if module is not None:
        return describe_layer(module)
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
        params = count_parameters(module) if module is not None else 0
        return Step(_label(node, module), tuple(node.meta["tensor_meta"].shape), params)

    def path_to_input(node: fx.Node) -> list[Step]:
        steps = []
        while node.op != "placeholder":
            steps.append(step(node))
            node = cast(fx.Node, node.args[0])  # every step of a block's main path takes its input first
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
