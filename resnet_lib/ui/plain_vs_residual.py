"""Lesson 06's pictures: training error against iterations in He et al.'s Fig. 6 layout (plain nets left,
residual nets right; thin lines per seed, thick for their mean), and the widget that walks along those curves."""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..lessons.plain_vs_residual import Curve, Curves, Run, mean_over_seeds, smooth
from .style import COLORS
from .widget_output import Explorer


def mean_curve(runs: dict[int, Curve], window: int) -> list[float]:
    """The seeds' smoothed training errors, averaged step by step."""
    smoothed = [smooth(c.errors, window) for c in runs.values()]
    return [sum(vals) / len(vals) for vals in zip(*smoothed, strict=True)]


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
    ``0 .. upto``, as moving averages over ``window`` steps. The y axis is labelled in the first column only."""
    deepest = max((run.depth for run in runs), default=0)
    for run in runs:
        style = line_style(run, int(run.depth == deepest), plain_dashed)
        for curve in curves[run].values() if per_seed else ():
            ax.plot(smooth(curve.errors, window)[:upto], alpha=0.6, color=style["color"], linewidth=1.0,
                    linestyle=style["linestyle"])  # pale enough to leave the mean on top, dark enough for a projector
        mean = mean_curve(curves[run], window)[:upto]
        ax.plot(mean, label=str(run), markevery=max(1, len(mean) // 8), **({"markersize": 6} | style))
    ax.set_xlabel("iteration (SGD step)", fontsize=12)
    spec = ax.get_subplotspec()
    if spec is None or spec.is_first_col():
        ax.set_ylabel(error_label(window), fontsize=12)
    ax.set_ylim(0, 1)
    if runs:
        ax.legend(fontsize=12)


def draw_fig6(curves: Curves, window: int, title: str, upto: int | None = None) -> Figure:
    """He et al.'s Fig. 6 layout: plain nets left, residual nets right, the same axes."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
    draw_panel(left, curves, [run for run in curves if run.plain], window, upto)
    draw_panel(right, curves, [run for run in curves if not run.plain], window, upto)
    left.set_title("plain nets")
    right.set_title("residual nets")
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
        fig = draw_fig6(shown, self.window, f"{self.title}, first {upto} iterations", upto)
        errors = ", ".join(f"{run} {self.means[run][upto - 1]:.2f}" for run in shown)
        return fig, f"iteration {upto}: smoothed training error (mean of seeds) {errors}"


DEPTH_MARKERS = ("o", "s", "^", "D")


def draw_converged(runs: dict[str, dict[int, dict[str, list[float]]]], title: str) -> Figure:
    """He et al.'s Fig. 6 for runs trained to the end: plain nets left, residual nets right; per net the mean over
    seeds of the training error (dashed, thin) and the test error (solid, bold) after every epoch, as the fraction
    of images misclassified (as the lesson prints them), with each seed's curve faint beneath it, in the same colour
    and line style. Depths are told apart by shade and marker (deeper = darker). The legends sit below the panels,
    clear of the curves."""
    fig, panels = plt.subplots(1, 2, figsize=(12, 5.6), sharey=True)
    for ax, kind, shades in zip(panels, ("plain", "ResNet"), ("Oranges", "Blues"), strict=True):
        names = sorted((n for n in runs if n.startswith(kind)), key=lambda n: int(n.split("-")[1]))
        for rank, name in enumerate(names):
            color = plt.get_cmap(shades)(0.6 + 0.35 * rank / max(1, len(names) - 1))  # the palest still shows
            # training lines (thin, dashed, hollow markers) on top: where a net's two errors meet, both stay visible
            for key, style, width, what, face, z in (("train_error", "--", 1.6, "train", "white", 3),
                                                     ("test_error", "-", 2.6, "test", color, 2)):
                for numbers in runs[name].values():  # each seed, faint and beneath the means
                    ax.plot(range(1, len(numbers[key]) + 1), numbers[key], linestyle=style, linewidth=1.0,
                            color=color, alpha=0.5, zorder=1)
                mean = mean_over_seeds(runs[name], key)
                ax.plot(range(1, len(mean) + 1), mean, linestyle=style, linewidth=width, color=color, zorder=z,
                        marker=DEPTH_MARKERS[rank % len(DEPTH_MARKERS)], markersize=6, markerfacecolor=face,
                        label=f"{name} {what}")
        ax.set_title("plain nets" if kind == "plain" else "residual nets", fontsize=13)
        ax.set_xlabel("epoch (pass over the training images)", fontsize=12)
        ax.grid(alpha=0.3)
        ax.legend(fontsize=12, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.2))
    panels[0].set_ylabel("training / test error\n(fraction misclassified)", fontsize=12)
    fig.suptitle(title, fontsize=13)
    fig.tight_layout()
    return fig
