"""Lesson 06's pictures: training error against iterations in He et al.'s Fig. 6 layout (plain nets left,
residual nets right; thin lines per seed, thick for their mean), the widget that walks along those curves (means
only), and the runs trained to the end. Figures are at most ``FIGURE_WIDTH_IN`` wide, so their text shows at 12 pt."""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

from ..lessons.plain_vs_residual import Curves, Run, mean_curve, mean_over_seeds, smooth
from .style import COLORS
from .widget_output import Explorer

# The widest figure whose 12-pt text still shows at 12 pt in the lesson's output area (about 780 px on the classroom
# projector; ``style.shown_font_sizes`` counts points at 80 dpi): 780 / 80 inches.
FIGURE_WIDTH_IN = 9.75


def line_style(run: Run, depth_rank: int, plain_dashed: bool = False) -> dict[str, Any]:
    """Plain orange / residual blue; the deepest net of a panel solid and thick (``depth_rank`` 1), shallower
    ones dashed and thinner (0), as in Fig. 6; γ = 0 runs dotted. A marker tells kinds and depths apart too (plain:
    squares deep, circles shallow; residual: diamonds deep, pentagons shallow; γ = 0: triangles, larger and filled
    deep, hollow shallow), so no two lines differ by colour or thickness alone, not even twins of one depth.
    ``plain_dashed`` draws plain nets dashed whatever their depth: for a panel of twins of one depth."""
    color = COLORS["plain" if run.plain else "residual"]
    style = ":" if run.zero_init else "--" if plain_dashed and run.plain else "-" if depth_rank else "--"
    markers = ("v", "^") if run.zero_init else ("o", "s") if run.plain else ("p", "D")
    marker = markers[depth_rank]
    style_kw: dict[str, Any] = {"color": color, "linestyle": style, "linewidth": 2.0 if depth_rank else 1.4,
                                "marker": marker}
    if run.zero_init:  # two dotted lines of one colour: hollow small triangles vs filled large ones
        style_kw |= {"markersize": 8.0} if depth_rank else {"markerfacecolor": "white", "markeredgewidth": 1.4}
    return style_kw


def error_label(window: int) -> str:
    """The y axis of the training curves: what the error counts and how it is smoothed."""
    return f"training error\n(fraction misclassified,\nmoving average over {window} steps)"


def draw_panel(ax: Axes, curves: Curves, runs: list[Run], window: int, upto: int | None = None,
               per_seed: bool = True, plain_dashed: bool = False) -> None:
    """One panel: each of ``runs``' seeds (thin; left out with ``per_seed=False``) and their mean (thick), steps
    ``0 .. upto``, as moving averages over ``window`` steps. Markers sit an eighth of the whole run apart, each line's
    shifted from the others' so that lines on top of each other all show theirs. The y axis is labelled in the
    first column only."""
    deepest = max((run.depth for run in runs), default=0)
    for k, run in enumerate(runs):
        style = line_style(run, int(run.depth == deepest), plain_dashed)
        for curve in curves[run].values() if per_seed else ():
            ax.plot(smooth(curve.errors, window)[:upto], alpha=0.6, color=style["color"], linewidth=1.0,
                    linestyle=style["linestyle"])  # pale enough to leave the mean on top, dark enough for a projector
        mean = mean_curve(curves[run], window)
        every = max(1, len(mean) // 8)
        ax.plot(mean[:upto], label=str(run), markevery=(k * every // len(runs), every),
                **({"markersize": 6} | style))
    ax.set_xlabel("iteration (SGD step)", fontsize=12)
    spec = ax.get_subplotspec()
    if spec is None or spec.is_first_col():
        ax.set_ylabel(error_label(window), fontsize=12)
    ax.set_ylim(0, 1)
    if runs:
        ax.legend(fontsize=12)


def draw_fig6(curves: Curves, window: int, title: str, upto: int | None = None, per_seed: bool = True) -> Figure:
    """He et al.'s Fig. 6 layout: plain nets left, residual nets right, the same axes; ``per_seed=False`` draws
    each net's mean over the seeds only. The x axes span the whole runs, even when drawn only ``upto`` a step."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(FIGURE_WIDTH_IN, 3.8), sharey=True)
    draw_panel(left, curves, [run for run in curves if run.plain], window, upto, per_seed)
    draw_panel(right, curves, [run for run in curves if not run.plain], window, upto, per_seed)
    steps = max((len(c.errors) for runs in curves.values() for c in runs.values()), default=1)
    for ax, name in ((left, "plain nets"), (right, "residual nets")):
        ax.set_xlim(-0.03 * steps, 1.03 * steps)
        ax.set_title(name)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


class IterationExplorer(Explorer):
    """Widget: a slider over the iteration shown; both panels are drawn up to it, and the caption gives every
    run's smoothed training error there (mean over seeds)."""

    def __init__(self, curves: Curves, window: int, title: str = "training error"):
        steps = min(len(c.errors) for runs in curves.values() for c in runs.values())
        if steps < 2:
            raise ValueError(f"need runs of at least 2 steps to explore, got {steps}")
        self.curves, self.window, self.title = curves, window, title
        self.means = {name: mean_curve(runs, window) for name, runs in curves.items()}
        self.controls = {
            "iteration": widgets.IntSlider(value=steps, min=1, max=steps, step=1, description="iteration"),
            "zero_init": widgets.Checkbox(value=True, description="show γ = 0 runs"),
        }
        super().__init__()

    def draw(self) -> tuple[Figure, str]:
        upto = self.controls["iteration"].value
        shown = {run: c for run, c in self.curves.items() if self.controls["zero_init"].value or not run.zero_init}
        fig = draw_fig6(shown, self.window, f"{self.title}, first {upto} iterations, mean over seeds", upto,
                        per_seed=False)
        errors = ", ".join(f"{run} {self.means[run][upto - 1]:.2f}" for run in shown)
        return fig, f"iteration {upto}: smoothed training error (mean of seeds) {errors}"


DEPTH_MARKERS = ("o", "s", "^", "D")


def depth_shades(color: str, count: int) -> list[tuple[float, float, float]]:
    """``count`` shades of ``color`` from light (the shallowest net) to dark (the deepest): they differ in lightness,
    which colour-blind eyes and grey-scale copies keep."""
    shades = []
    for k in range(count):
        a = 0.1 - 0.6 * k / max(1, count - 1)  # above 0: a little towards white; below: towards black
        r, g, b = (c + a * (1 - c) if a > 0 else c * (1 + a) for c in to_rgb(color))
        shades.append((r, g, b))
    return shades


def spaced(ends: list[float], gap: float, low: float, high: float) -> list[float]:
    """Heights for labels whose lines end at ``ends``: each as close to its line's end as it can be, no two closer
    than ``gap``, all within ``low .. high`` (room permitting)."""
    order = sorted(range(len(ends)), key=lambda k: ends[k])
    placed: list[float] = []
    for k in order:  # from the bottom up, each at least a gap above the last
        placed.append(max(ends[k], placed[-1] + gap if placed else low))
    if placed and placed[-1] > high:  # pushed past the top: from the top down instead
        placed[-1] = high
        for j in range(len(placed) - 2, -1, -1):
            placed[j] = min(placed[j], placed[j + 1] - gap)
    heights = [0.0] * len(ends)
    for k, y in zip(order, placed, strict=True):
        heights[k] = y
    return heights


LABEL_COLOR = "#1a1a1a"  # the words naming the lines: near black, readable whatever the line's shade


def panel_top(runs: dict[str, dict[int, dict[str, list[float]]]], names: list[str]) -> float:
    """The top of a panel's y axis: the next 0.05 above the highest error of ``names`` (any seed, training or test),
    with room for the markers."""
    highest = max(max(numbers[key]) for name in names for numbers in runs[name].values()
                  for key in ("train_error", "test_error"))
    return min(1.02, math.ceil((highest + 0.02) / 0.05) * 0.05)


def draw_converged(runs: dict[str, dict[int, dict[str, list[float]]]], title: str) -> Figure:
    """He et al.'s Fig. 6 for runs trained to the end: plain nets left, residual nets right; per net the mean over
    seeds of the training error (dashed, hollow markers) and the test error (solid, filled markers) after every
    epoch, as the fraction of images misclassified (as the lesson prints them), with each seed's curve faint beneath
    it, in the same colour and line style. Depths are told apart by shade (deeper = darker) and marker; the markers
    of lines that may lie on top of each other fall on alternate epochs, so both show. Each mean line is named at
    its right end (no legend) in dark words after a key, the line's marker in its colour; labels of lines that end
    close together are spread apart. The residual panel's y axis has its own range (:func:`panel_top`): on the
    plain panel's 0-1 its lines would share its bottom third."""
    fig, panels = plt.subplots(1, 2, figsize=(FIGURE_WIDTH_IN, 5.4))
    epochs = max(len(numbers["train_error"]) for by_seed in runs.values() for numbers in by_seed.values())
    for ax, kind in zip(panels, ("plain", "ResNet"), strict=True):
        names = sorted((n for n in runs if n.startswith(kind)), key=lambda n: int(n.split("-")[1]))
        shades = depth_shades(COLORS["plain" if kind == "plain" else "residual"], len(names))
        top = 1.02 if kind == "plain" else panel_top(runs, names)
        ends = []
        for rank, (name, color) in enumerate(zip(names, shades, strict=True)):
            # training lines (dashed, hollow markers) on top: where a net's two errors meet, both stay visible
            for key, style, width, what, face, z in (("train_error", "--", 2.0, "train", "white", 3),
                                                     ("test_error", "-", 2.6, "test", color, 2)):
                for numbers in runs[name].values():  # each seed, faint and beneath the means
                    ax.plot(range(1, len(numbers[key]) + 1), numbers[key], linestyle=style, linewidth=1.0,
                            color=color, alpha=0.4, zorder=1)
                mean = mean_over_seeds(runs[name], key)
                ax.plot(range(1, len(mean) + 1), mean, linestyle=style, linewidth=width, color=color, zorder=z,
                        marker=DEPTH_MARKERS[rank % len(DEPTH_MARKERS)], markersize=8, markerfacecolor=face,
                        markeredgewidth=1.6, markevery=((rank + (what == "test")) % 2, 2), label=f"{name} {what}")
                key_style = {"marker": DEPTH_MARKERS[rank % len(DEPTH_MARKERS)], "markersize": 8,
                             "markerfacecolor": face, "markeredgewidth": 1.6, "color": color}
                ends.append((mean[-1], f"{name} {what}", key_style))
        heights = spaced([y for y, _, _ in ends], gap=0.085 * top, low=0.02 * top, high=0.98 * top)
        for (y, label, key_style), height in zip(ends, heights, strict=True):
            # dark words (a light shade is faint on a projector) after a key: the line's own marker and colour
            ax.annotate(label, xy=(epochs, y), xytext=(epochs + 2.0, height), color=LABEL_COLOR, fontsize=12,
                        va="center", annotation_clip=False,
                        arrowprops={"arrowstyle": "-", "color": key_style["color"], "linewidth": 1.0, "shrinkA": 0,
                                    "shrinkB": 3, "relpos": (0, 0.5)})
            ax.plot([epochs + 1.3], [height], linestyle="none", clip_on=False, zorder=4, label=f"_key {label}",
                    **key_style)
        ax.set_xlim(0.5, epochs + 0.5)
        ax.set_ylim(0, top)
        ax.set_title("plain nets" if kind == "plain" else f"residual nets (y axis to {top:.2f})", fontsize=13)
        ax.set_xlabel("epoch (pass over the\ntraining images)", fontsize=12)
        ax.grid(alpha=0.3)
    panels[0].set_ylabel("training error (dashed) and\ntest error (solid),\nfraction misclassified", fontsize=12)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig
