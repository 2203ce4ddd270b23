"""Lesson 01's plots and widget: the best member of a function class, best error against class size, and
training after a layer is inserted."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch

from ..checks import check_positive
from ..lessons.function_classes import FAMILIES, best_error, best_fit, breakpoints, error_curves, grid, target
from .style import COLORS, variant_style
from .widget_output import Explorer


def plot_function_classes(size: int, nested: bool, max_size: int = 12) -> plt.Figure:
    """Left: f* and the best fit of one class. Right: best error vs class size for both families."""
    if not 1 <= size <= max_size:
        raise ValueError(f"size must be between 1 and max_size={max_size}, got {size!r}")
    x = grid()
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 3.6), dpi=80)
    left.plot(x, target(x), color=COLORS["reference"], label="f*")
    left.plot(x, best_fit(size, nested, x), color=COLORS["residual" if nested else "plain"],
              label=f"best fit, {FAMILIES[nested]}, {size} piece(s)")
    left.set(title="f* and the best member of one class", xlabel="x", ylabel="y")
    left.legend(loc="upper left", fontsize=8)
    sizes = range(1, max_size + 1)
    for flag, (name, errors) in zip(FAMILIES, error_curves(max_size).items(), strict=True):
        right.plot(sizes, errors, "o-", color=COLORS["residual" if flag else "plain"], label=name)
    right.plot([size], [best_error(size, nested)], "ko", markerfacecolor="none", markersize=12)
    right.set(title="best error vs class size", xlabel="class size (pieces)", ylabel="RMS error to f*")
    right.legend(fontsize=8)
    fig.tight_layout()
    return fig


class FunctionClassExplorer(Explorer):
    """Widget: a class-size slider and a nested/non-nested toggle redraw :func:`plot_function_classes`."""

    def __init__(self, size: int = 3, nested: bool = False, max_size: int = 12):
        if not 1 <= size <= max_size:
            raise ValueError(f"size must be between 1 and max_size={max_size}, got {size!r}")
        self.max_size = max_size
        self.controls = {
            "size": widgets.IntSlider(value=size, min=1, max=max_size, description="class size",
                                      continuous_update=False),
            "nested": widgets.ToggleButtons(options=[("non-nested", False), ("nested", True)], value=nested),
        }
        super().__init__()

    def draw(self) -> tuple[plt.Figure, str]:
        size, nested = self.controls["size"].value, self.controls["nested"].value
        caption = (f"{FAMILIES[nested]} class with {size} piece(s), breakpoints "
                   f"{[round(b, 4) for b in breakpoints(size, nested)]}, best RMS error {best_error(size, nested):.4f}")
        return plot_function_classes(size, nested, self.max_size), caption


def plot_insertion_training(curves: dict[str, list[float]], before: float, window: int = 10) -> plt.Figure:
    """Training loss per step (running mean over ``window`` steps) of the nets with an inserted layer, keyed
    ``"plain"`` / ``"residual"`` (both have BN: dashed, as in the palette), against the loss ``before`` of the
    trained net before the insertion."""
    check_positive(window=window)
    if not curves or set(curves) - {"plain", "residual"}:
        raise ValueError(f"curves must be keyed 'plain' and/or 'residual', got {list(curves)}")
    fig, ax = plt.subplots(figsize=(6, 3.4), dpi=80)
    for name, losses in curves.items():
        steps = torch.tensor(losses)
        smooth = steps.unfold(0, min(window, len(steps)), 1).mean(1)
        ax.plot(range(len(steps) - len(smooth) + 1, len(steps) + 1), smooth,
                **variant_style(residual=name == "residual", batch_norm=True), label=f"{name} layer inserted")
    ax.axhline(before, color=COLORS["reference"], linestyle=":", label="trained net before insertion")
    ax.set(title="the same training budget after inserting a layer", xlabel="SGD step",
           ylabel=f"training loss (mean of {window} steps)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
