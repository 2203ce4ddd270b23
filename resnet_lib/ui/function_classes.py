"""Lesson 01's plots and widget: the best member of a function class, best error against class size, and
training after a trained net is grown by one layer."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Circle

from ..lessons.function_classes import (
    BATCH_SIZE,
    CONTROL,
    FAMILIES,
    IDENTITY_STARTS,
    InsertionRuns,
    best_error,
    best_fit,
    breakpoints,
    error_curves,
    grid,
    target,
)
from .style import COLORS, seed_markers, variant_style
from .widget_output import Explorer

# Points, at dpi 80. The figures are drawn at most WIDTH inches wide (760 px at dpi 80), inside a notebook shown
# about 780 px wide on a projector: they are shown at their own size, their text at these sizes.
WIDTH = 9.5
FONT = 16  # the two figures of the idea (nested classes, best fit): read from the back of a room
RUNS_FONT = 14  # the busier figure of the training runs: four variants, two seeds, two legends

# family -> line style: nested blue solid with circles, non-nested orange dashed with squares
FAMILY_STYLES: dict[bool, dict[str, str]] = {
    True: {"color": COLORS["residual"], "linestyle": "-", "marker": "o"},
    False: {"color": COLORS["plain"], "linestyle": "--", "marker": "s"},
}


def plot_nested_classes() -> plt.Figure:
    """d2l §7.6.1's picture, redrawn: function classes as regions, the truth f* as a star. Left, non-nested classes
    F1 … F4 that grow but drift, so a bigger class can land farther from f*; right, nested classes F1 ⊆ F2 ⊆ F3 ⊆ F4,
    so each bigger class keeps every member of the smaller ones and can only come closer."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 4.8), dpi=80)
    star = (3.3, 0.9)
    drifting = [((-1.8, -0.2), 0.55), ((-0.2, 0.9), 0.8), ((-1.0, -1.1), 1.1), ((1.3, -0.5), 1.35)]
    growing = [((-2.0 + r, -0.3), r) for r in (0.6, 1.1, 1.7, 2.4)]  # all touch at x = -2: each inside the next
    panels = ((left, drifting, "non-nested classes", "a bigger class can be\nfarther from f*"),
              (right, growing, "nested classes", "a bigger class is never\nfarther from f*"))
    for nested, (ax, regions, title, caption) in enumerate(panels):
        style = FAMILY_STYLES[bool(nested)]
        for i, ((x, y), r) in enumerate(regions, start=1):
            ax.add_patch(Circle((x, y), r, fill=False, linewidth=2.2, color=style["color"],
                                linestyle=style["linestyle"]))
            label_x = x if not nested else x + r - 0.35
            ax.text(label_x, y, f"F{i}", fontsize=FONT, ha="center", va="center")
        ax.plot(*star, marker="*", markersize=20, color="black")
        ax.text(star[0], star[1] + 0.35, "f*", fontsize=FONT, ha="center")
        ax.set(xlim=(-2.6, 3.8), ylim=(-3.6, 2.3), aspect="equal")
        ax.set_title(title, fontsize=FONT + 1)
        ax.text(0.6, -3.5, caption, fontsize=FONT, ha="center", va="bottom", linespacing=1.2)
        ax.axis("off")
    fig.tight_layout()
    fig.subplots_adjust(top=0.92)
    return fig


def pieces(size: int) -> str:
    """``"1 piece"``, ``"3 pieces"``."""
    return f"{size} piece" if size == 1 else f"{size} pieces"


def with_gaps(x: Any, y: Any, jumps: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """``x`` and ``y`` (``x`` increasing) with a NaN put in between the two points either side of each jump: a
    function that jumps is then drawn as two separate pieces, not joined by a vertical line it does not have."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    cuts = np.searchsorted(x, sorted(jumps))  # the first point at or after each jump
    return np.insert(x, cuts, np.nan), np.insert(y, cuts, np.nan)


def plot_function_classes(size: int, nested: bool, max_size: int = 12) -> plt.Figure:
    """Left: f* and the best fit of one class, each jump drawn as a gap; the fit in its family's colour, line style
    and marker (one marker per piece), as on the right. Right: best error vs class size for both families."""
    if not 1 <= size <= max_size:
        raise ValueError(f"size must be between 1 and max_size={max_size}, got {size!r}")
    x = grid()
    cuts = sorted(breakpoints(size, nested))
    edges = [-1.0, *cuts, 1.0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 4.6), dpi=80)
    left.plot(*with_gaps(x, target(x), [0.0]), color=COLORS["reference"], linewidth=3, label="f*")
    fit_x, fit_y = with_gaps(x, best_fit(size, nested, x), cuts)
    middles = [int(np.nanargmin(np.abs(fit_x - (a + b) / 2))) for a, b in pairwise(edges)]
    left.plot(fit_x, fit_y, **FAMILY_STYLES[nested], markevery=middles, markersize=8, linewidth=2.2,
              label=f"best fit, {pieces(size)}")
    left.set_xlabel("x", fontsize=FONT)
    left.set_ylabel("f(x)", fontsize=FONT)
    left.set_title(f"f* and its best fit, {FAMILIES[nested]}", fontsize=FONT)
    left.set(ylim=(-0.15, 2.9), yticks=[0, 1, 2])  # room above the curves for the legend
    left.legend(loc="upper left", fontsize=FONT, borderaxespad=0.3, handlelength=2.4)
    sizes = range(1, max_size + 1)
    for flag, (name, errors) in zip(FAMILIES, error_curves(max_size).items(), strict=True):
        right.plot(sizes, errors, **FAMILY_STYLES[flag], label=name)
    right.plot([size], [best_error(size, nested)], "ko", markerfacecolor="none", markersize=14)
    right.set_xlabel("class size (pieces)", fontsize=FONT)
    right.set_ylabel("best error (RMS) to f*", fontsize=FONT)
    right.set_title("best error vs class size", fontsize=FONT)
    right.set_xticks([1, 4, 8, 12])
    right.legend(loc="upper right", fontsize=FONT, borderaxespad=0.3, handlelength=2.4)
    for ax in (left, right):
        ax.tick_params(labelsize=FONT)
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
        caption = (f"{FAMILIES[nested]} class with {pieces(size)}, breakpoints "
                   f"{[round(b, 4) for b in breakpoints(size, nested)]}, best RMS error {best_error(size, nested):.4f}")
        return plot_function_classes(size, nested, self.max_size), caption


# variant -> colour (plain orange, residual blue, the control grey), line style (layers with BN dashed) and marker,
# so that no two lines differ by colour alone
VARIANT_STYLES: dict[str, dict[str, Any]] = {
    CONTROL: {"color": COLORS["reference"], "linestyle": "-", "marker": "o"},
    "plain, default init": {**variant_style(residual=False, batch_norm=True), "marker": "s"},
    "plain, identity init": {**variant_style(residual=False), "linestyle": ":", "marker": "^"},
    # dash-dot, not dashed like the default-init layer that also has BN: the two are told apart without colour
    "residual, γ = 0": {**variant_style(residual=True, batch_norm=True), "linestyle": "-.", "marker": "D"},
}
BEFORE_STYLE = {"color": COLORS["reference"], "linewidth": 1.5, "linestyle": (0, (8, 4))}  # the loss before growing
DAMAGED = "plain, default init"  # the one variant that does not start at the trained net's loss



def plot_insertion_runs(runs: InsertionRuns, before: float) -> plt.Figure:
    """Top: eval-mode loss against SGD step for every variant (one line per seed, one colour, line style and marker
    per variant; the first seed's markers filled, the others' open), with the trained net's loss ``before`` anything
    was inserted. The linear y axis spans the close curves (the identity starts, the control, the loss before); the
    default-init curve, far above, runs off the top, and a note beside the panel gives its range. Bottom: each
    identity start's loss minus the control's, seed by seed (what lesson 01's verdict compares), on a linear scale
    around 0."""
    if set(runs.losses) - set(VARIANT_STYLES) or CONTROL not in runs.losses:
        raise ValueError(f"runs must be keyed by the variants {list(VARIANT_STYLES)}, the control {CONTROL!r} "
                         f"included, got {list(runs.losses)}")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(WIDTH, 7.6), dpi=80, sharex=True,
                                      gridspec_kw={"height_ratios": (3, 2)})
    for variant, curves in runs.losses.items():
        for i, curve in enumerate(curves):
            top.plot(runs.steps, curve, **VARIANT_STYLES[variant], **seed_markers(i), label=variant if i == 0 else None)
    top.axhline(before, **BEFORE_STYLE, label="before growing")
    for i, seed in enumerate(runs.seeds[:2]):  # legend entries for the seeds' markers
        top.plot([], [], color=COLORS["reference"], linestyle="none", marker="o", **seed_markers(i),
                 label=f"seed {seed}: {'filled' if i == 0 else 'open'} markers")
    close = [before] + [x for variant, curves in runs.losses.items() if variant != DAMAGED for c in curves for x in c]
    low, high = min(close), max(close)
    room = max(high - low, 0.02)
    top.set_ylim(low - 0.1 * room, high + 0.15 * room)
    if DAMAGED in runs.losses:
        damaged = [x for curve in runs.losses[DAMAGED] for x in curve]
        where = "above this panel\nat every step" if min(damaged) > top.get_ylim()[1] else "partly above\nthis panel"
        top.text(1.01, 0.0, f"{DAMAGED}:\nloss {min(damaged):.2f} to {max(damaged):.2f},\n{where}",
                 transform=top.transAxes, ha="left", va="bottom", fontsize=RUNS_FONT, color=COLORS["plain"])
    top.set_title(f"after growing by one layer, and the control\n({len(runs.seeds)} seeds each)", fontsize=RUNS_FONT)
    top.set_ylabel("training loss\n(cross-entropy)", fontsize=RUNS_FONT)
    top.legend(fontsize=RUNS_FONT, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)  # clear of the data
    control = runs.losses[CONTROL]
    for variant in (v for v in IDENTITY_STARTS if v in runs.losses):
        for i, (curve, reference) in enumerate(zip(runs.losses[variant], control, strict=True)):
            bottom.plot(runs.steps, [a - b for a, b in zip(curve, reference, strict=True)], **VARIANT_STYLES[variant],
                        **seed_markers(i), label=variant if i == 0 else None)
    bottom.axhline(0, color=COLORS["reference"], linewidth=1.2, label="no difference")
    bottom.set_title("identity-initialised layer's loss\nminus the control's, same seed", fontsize=RUNS_FONT)
    bottom.set_ylabel("loss difference\n(cross-entropy)", fontsize=RUNS_FONT)
    bottom.set_xlabel(f"SGD step after growing (batches of {BATCH_SIZE} images)", fontsize=RUNS_FONT)
    bottom.legend(fontsize=RUNS_FONT, loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0)
    for ax in (top, bottom):
        ax.tick_params(labelsize=RUNS_FONT)
    fig.tight_layout()
    return fig
