"""Lesson 01's plots and widget: the best member of a function class, best error against class size, and
training after a trained net is grown by one layer."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt

from ..lessons.function_classes import (
    FAMILIES,
    NO_INSERTION,
    InsertionRuns,
    best_error,
    best_fit,
    breakpoints,
    error_curves,
    grid,
    target,
)
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


# arm -> colour (plain orange, residual blue, the control grey) and line style (layers with BN dashed)
ARM_STYLES: dict[str, dict[str, Any]] = {
    NO_INSERTION: {"color": COLORS["reference"], "linestyle": "-"},
    "plain, default init": variant_style(residual=False, batch_norm=True),
    "plain, identity init": {**variant_style(residual=False), "linestyle": ":"},
    "residual, gamma = 0": variant_style(residual=True, batch_norm=True),
}


def plot_insertion_runs(runs: InsertionRuns, before: float) -> plt.Figure:
    """Eval-mode loss against SGD step for every arm (one line per seed, one colour and line style per arm), with the
    trained net's loss ``before`` anything was inserted; log scale, since the damaged start is far above."""
    if set(runs.losses) - set(ARM_STYLES):
        raise ValueError(f"runs must be keyed by the arms {list(ARM_STYLES)}, got {list(runs.losses)}")
    fig, ax = plt.subplots(figsize=(7, 3.8), dpi=80)
    for arm, curves in runs.losses.items():
        for i, curve in enumerate(curves):
            ax.plot(runs.steps, curve, **ARM_STYLES[arm], alpha=0.85, label=arm if i == 0 else None)
    ax.axhline(before, color="black", linewidth=0.8, linestyle=(0, (1, 3)), label="trained net before insertion")
    ax.set_yscale("log")
    ax.set(title=f"after growing a trained net by one layer ({len(runs.seeds)} seeds per arm)",
           xlabel="SGD step after the insertion", ylabel="cross-entropy loss (eval mode)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    return fig
