"""Lesson 05's figures, one function each: products of Jacobians, gradient profiles at initialisation and during
training, shallow-against-deep loss curves, the controlled runs, the lesion experiment and the 1000-block runs.
Every function draws one figure in the course's palette (plain orange, residual blue, batch norm dashed, γ = 0
dotted), with a marker per line so that lines are told apart without colour, and returns it. Every figure is
``WIDTH`` inches wide at ``FIGURE_DPI``: narrower than the notebook on the course site and on a projector (about
780 px), so it is shown 1:1 and its text at the size it is set: ``FONT_PT`` (titles ``TITLE_PT``), as lessons 01
and 02. Log axes are labelled in plain text (``1e-30``, ``0.01``, ``100``), never with superscripts, which
matplotlib draws at two thirds of the label's size."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, TypeVar

import matplotlib.pyplot as plt
import torch
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import LogLocator, MaxNLocator, NullLocator

from ..lessons.degradation import ProfileRecorder
from ..lessons.gradients import VARIANTS
from .gradient_explorer import FONT_PT, TITLE_PT, WIDTH, draw_losses, draw_profile, plain_log_ticks, profile_style
from .style import COLORS, FIGURE_DPI

F = TypeVar("F", bound=Callable[..., Figure])
FONTS: Any = {"font.size": FONT_PT, "legend.fontsize": FONT_PT, "axes.titlesize": TITLE_PT,
              "axes.labelsize": FONT_PT, "xtick.labelsize": FONT_PT, "ytick.labelsize": FONT_PT,
              "figure.titlesize": TITLE_PT}


def _projector(draw: F) -> F:
    """Draw the figure with the lesson's type sizes (``FONTS``, whatever the notebook's defaults) and label its log
    axes in plain text (:func:`~resnet_lib.ui.gradient_explorer.plain_log_ticks`)."""

    @functools.wraps(draw)
    def drawn(*args: Any, **kwargs: Any) -> Figure:
        with plt.rc_context(FONTS):
            fig = draw(*args, **kwargs)
            for ax in fig.axes:
                plain_log_ticks(ax)
                ax.tick_params(which="both", labelsize=FONT_PT)
        return fig

    return drawn  # type: ignore[return-value]


def _ticks_every_30_decades(ax) -> None:
    """A tick every 30 decades (1e-30, 1, 1e+30, ...); an axis whose lines go below 1 reaches down to a tick
    below 1, so that what vanishes can be read off."""
    ax.yaxis.set_major_locator(LogLocator(base=1e30))
    ax.yaxis.set_minor_locator(NullLocator())
    low, high = ax.get_ylim()
    if 1e-30 < low < 1:
        ax.set_ylim(1e-30 / 3, high)


@_projector
def plot_chains(chains: Mapping[str, torch.Tensor]) -> Figure:
    """Section 1: the length of a vector sent back through each chain of random Jacobians (``{name: lengths}``,
    names starting "plain" or "residual"), on a log axis, with the band within 1000x of 1."""
    fig, ax = plt.subplots(figsize=(WIDTH, 5.6), dpi=FIGURE_DPI, layout="constrained")
    for i, (name, norms) in enumerate(chains.items()):
        residual = name.startswith("residual")  # plain: hollow markers; residual: filled ones
        color = COLORS["residual" if residual else "plain"]
        ax.semilogy(norms.numpy(), label=name, color=color, linestyle=(":", "--", "-")[i % 3],
                    marker=("v", "o", "^")[i % 3], markevery=100, linewidth=1.8, markersize=8,
                    markerfacecolor=color if residual else "white")
    ax.axhspan(1e-3, 1e3, color=COLORS["reference"], alpha=0.2, label="within 1000x of 1")
    ax.set_xlabel("number of factors (layers)")
    ax.set_ylabel("length of the vector (log scale)")
    _ticks_every_30_decades(ax)
    for name, norms in chains.items():  # the small branches end two decades apart: name them, one above, one below
        if name.endswith(("x0.1", "x0.0")):  # right of the ends, where no line runs
            above = name.endswith("x0.1")
            ax.annotate(f"{name.split()[-1]}: {float(norms[-1]):.1e}", (len(norms) - 1, float(norms[-1])),
                        xytext=(8, 6 if above else -6), textcoords="offset points", ha="left",
                        va="bottom" if above else "top", color=COLORS["residual"], fontsize=FONT_PT)
    steps = len(next(iter(chains.values()))) - 1
    ax.set_xlim(-0.04 * steps, 1.27 * steps)  # room for the labels
    ax.set_xticks([k * steps / 5 for k in range(6)])
    ax.set_title("a product of Jacobians: grows, shrinks, or stays within 1000x")
    fig.legend(ncol=3, loc="outside lower center")  # below the axes, clear of the lines
    return fig


@_projector
def plot_profiles(profiles: Mapping[str, Mapping[int, torch.Tensor]], ratios: Mapping[str, Mapping[int, float]],
                  names: Sequence[str] | None = None) -> Figure:
    """Section 2: left, the gradient reaching each layer of the deepest net of each variant in ``names`` (default:
    every variant of ``VARIANTS``, on axes with a tick every 30 decades); right, each one's first/last ratio
    against depth, on log-log axes. Given ``names``, the figure shows those variants on a scale of their own."""
    every = names is None
    names = list(VARIANTS) if names is None else list(names)
    markers = dict(zip(VARIANTS, "osD^v", strict=True))
    depths = sorted(next(iter(profiles.values())))
    shallow, deepest = depths[0], depths[-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 5.0 if every else 4.2), dpi=FIGURE_DPI,
                                      layout="constrained")
    for name in names:
        v = VARIANTS[name]
        draw_profile(left, profiles[name][deepest], label=name, marker=markers[name], markevery=100, markersize=7, **v)
        right.loglog(list(ratios[name]), list(ratios[name].values()), marker=markers[name], markersize=7,
                     label=name, **profile_style(**v))
    right.axhline(1, color=COLORS["reference"], linewidth=0.8)
    right.set(xlabel="depth (blocks)", ylabel="first / last gradient norm")
    left.set_title(f"gradient reaching each layer, depth {deepest}")
    right.set_title("first/last ratio vs depth")
    if every:
        right.annotate("at the smallest depths\nevery ratio is near 1:\nthe lines lie on top\nof one another",
                       (shallow, 1), xytext=(0.04, 0.6), textcoords="axes fraction", fontsize=FONT_PT,
                       arrowprops={"arrowstyle": "->"})
        for ax in (left, right):
            _ticks_every_30_decades(ax)
        fig.legend(*left.get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=FONT_PT)
    else:
        fig.suptitle(" and ".join(f"“{name}”" for name in names) + " on a scale of their own", fontsize=TITLE_PT)
        right.legend(fontsize=FONT_PT)
    return fig


@_projector
def plot_training_profiles(recorders: Mapping[str, ProfileRecorder], depth: int, seed: int) -> Figure:
    """Section 3: for each net of ``recorders`` (a row each), the gradient of every layer's output (left) and
    weights (right) at three of the measured steps, the first (dark), the middle one and the last (light), each in
    thick lines with its own marker and line style."""
    fig, axes = plt.subplots(len(recorders), 2, figsize=(WIDTH, 7.6), sharex=True, dpi=FIGURE_DPI,
                             layout="constrained", squeeze=False)
    for row, (name, recorder) in zip(axes, recorders.items(), strict=True):
        for ax, measured, symbol in zip(row, (recorder.profiles, recorder.weight_profiles), ("h_l", "W_l"),
                                        strict=True):
            steps = list(measured)
            shown = [steps[0], steps[len(steps) // 2], steps[-1]] if len(steps) > 2 else steps
            for i, step in enumerate(shown):
                norms = measured[step]
                draw_profile(ax, norms, label=f"step {step}", color=plt.cm.viridis(0.85 * i / max(1, len(shown) - 1)),
                             marker="os^"[i], linestyle=("-", "--", ":")[i], linewidth=2.8, markersize=10,
                             markevery=max(1, len(norms) // 6), **VARIANTS[name])
            ax.set(ylabel=f"|dL/d{symbol}|", title=f"{name}: {symbol}")
    for ax in axes[0]:
        ax.set_xlabel("")  # the bottom row names the shared axis
    fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=3, fontsize=FONT_PT)
    fig.suptitle(f"{depth}-block nets, seed {seed}: the gradient at each layer, first, middle and last step",
                 fontsize=TITLE_PT)
    return fig


@_projector
def plot_spreads(recorders: Mapping[str, ProfileRecorder], depth: int, seed: int) -> Figure:
    """Section 3: each measured profile summarised over all layers, each layer's gradient over the top layer's:
    the median (line) and the 10th to 90th percentile (band) at every measured step, activations left, weights
    right (:meth:`ProfileRecorder.spreads`)."""
    fig, axes = plt.subplots(1, 2, figsize=(WIDTH, 4.4), sharey=True, dpi=FIGURE_DPI, layout="constrained")
    for ax, kind, symbol in zip(axes, ("profiles", "weight_profiles"), ("h_l", "W_l"), strict=True):
        for (name, recorder), marker in zip(recorders.items(), "s^", strict=False):
            s = recorder.spreads(kind)
            low, median, high = zip(*s.values(), strict=True)
            style = profile_style(**VARIANTS[name])
            ax.semilogy(list(s), median, label=name, **style | {"marker": marker, "markersize": 7})
            ax.fill_between(list(s), low, high, color=style["color"], alpha=0.12)
        ax.axhline(1, color=COLORS["reference"], linewidth=0.8)
        ax.set(xlabel="SGD step", title=f"gradient of {symbol}")
    axes[0].set_ylabel("layer / top layer\n(median, 10–90 %)")
    fig.legend(*axes[0].get_legend_handles_labels(), loc="outside lower center", ncol=2, fontsize=FONT_PT)
    fig.suptitle(f"{depth}-block nets, seed {seed}: each layer's gradient over the top layer's", fontsize=TITLE_PT)
    return fig


@_projector
def plot_depth_losses(losses: Mapping[tuple[str, int], list[float]], names: Sequence[str], shallow: int, deep: int,
                      seed: int) -> Figure:
    """Section 4: for each net in ``names``, the training loss of its shallow (wide grey) and deep twin (in the
    net's colour and line style, on top)."""
    fig, axes = plt.subplots(1, len(names), figsize=(WIDTH, 4.4), sharey=True, dpi=FIGURE_DPI,
                             layout="constrained", squeeze=False)
    for ax, name in zip(axes[0], names, strict=True):
        ax.plot(losses[name, shallow], color=COLORS["reference"], linewidth=3.5, label=f"{shallow} blocks")  # below
        ax.plot(losses[name, deep], label=f"{deep} blocks", **profile_style(**VARIANTS[name]) | {"linewidth": 1.8})
        ax.set(title=name, xlabel="SGD step")
        ax.legend(fontsize=FONT_PT)
    axes[0, 0].set_ylabel("training loss (cross-entropy)")
    fig.suptitle(f"training loss, {shallow} against {deep} blocks, seed {seed}", fontsize=TITLE_PT)
    return fig


DEEP_MARKER = {"plain": "s", "residual": "D"}  # plot_controls: the deep nets' marks


@_projector
def plot_controls(ends: Mapping[str, Mapping[int, Mapping[int, float]]], shallow: int, deep: int) -> Figure:
    """Section 4's controlled runs: one row per run, one mark per seed (each seed a little lower than the one
    before, so equal losses do not hide each other), shallow (grey circles) against deep (squares in the run's
    colour: squares for plain nets, diamonds for residual ones)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.8), dpi=FIGURE_DPI, layout="constrained")
    for row, (name, by_depth) in enumerate(ends.items()):
        kind = "plain" if "plain" in name else "residual"
        marks = ((shallow, "o", COLORS["reference"], -0.15), (deep, DEEP_MARKER[kind], COLORS[kind], 0.15))
        for depth, marker, color, shift in marks:
            finals = list(by_depth[depth].values())
            rows = [row + shift + 0.08 * (k - (len(finals) - 1) / 2) for k in range(len(finals))]  # seeds apart
            ax.scatter(finals, rows, marker=marker, s=60, color=color, edgecolors="white", linewidths=0.8)
    ax.set_yticks(range(len(ends)), list(ends), fontsize=FONT_PT)
    ax.invert_yaxis()
    ax.set_xlabel("final training loss (mean of the last 10 steps), one mark per seed", fontsize=FONT_PT)
    ax.set_title("one change at a time: does the deep net still train worse?", fontsize=TITLE_PT)
    ax.grid(axis="x", alpha=0.3)
    kinds = [Line2D([], [], marker=m, linestyle="none", markersize=8, color=COLORS[c])
             for m, c in (("o", "reference"), (DEEP_MARKER["plain"], "plain"), (DEEP_MARKER["residual"], "residual"))]
    ax.legend(kinds, [f"{shallow} blocks", f"{deep} blocks, plain", f"{deep} blocks, residual"], fontsize=FONT_PT,
              loc="lower right")
    return fig


@_projector
def plot_lesions(lesioned: Mapping[str, tuple[float, list[float]]], depth: int, seed: int) -> Figure:
    """Section 4's lesion experiment: the loss with each block deleted (markers) against the whole net's (thin
    line), all nets on a log scale (left) and the residual ones on a linear scale (right)."""
    residual = [name for name in lesioned if VARIANTS[name]["residual"]]
    markers = {"plain+BN": "s", "residual+BN": "o"}
    fig, (left, right) = plt.subplots(1, 2, figsize=(WIDTH, 5.0), dpi=FIGURE_DPI, layout="constrained")
    for ax, names in ((left, list(lesioned)), (right, residual)):
        for name in names:
            whole, without = lesioned[name]
            style = profile_style(**VARIANTS[name]) | {"marker": markers.get(name, "^")}
            ax.plot(range(1, len(without) + 1), without, markersize=5, label=f"{name}: one block deleted", **style)
            ax.axhline(whole, linewidth=1, color=style["color"], linestyle=style["linestyle"])
        ax.set_xlabel("deleted block (1 = next to the input)")
    left.set_yscale("log")
    left.set(ylabel="loss on 1,024 training images", title=f"all {len(lesioned)} nets (log scale)")
    right.set(title="the residual nets (linear scale)")
    handles, labels = left.get_legend_handles_labels()
    handles.append(Line2D([], [], color=COLORS["reference"], linewidth=1))
    labels.append("whole net (thin line, same style)")
    fig.legend(handles, labels, loc="outside lower center", ncol=2, fontsize=FONT_PT)
    fig.suptitle(f"{depth}-block nets, seed {seed}: one block deleted (markers), the whole net (thin lines)",
                 fontsize=TITLE_PT)
    return fig


@_projector
def plot_thousand(curves: Mapping[str, list[float]], depth: int) -> Figure:
    """Section 5: the training loss of each very deep net; a diverged run's curve ends where its loss turned NaN,
    marked by an ✕ at the top edge (:func:`~resnet_lib.ui.gradient_explorer.draw_losses`)."""
    fig, ax = plt.subplots(figsize=(WIDTH, 4.4), dpi=FIGURE_DPI, layout="constrained")
    for (name, curve), marker in zip(curves.items(), "osD", strict=False):  # a marker per net, on every other step
        draw_losses(ax, curve, name, marker=marker, markevery=2, markersize=7, **profile_style(**VARIANTS[name]))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # SGD steps are whole numbers
    ax.set(xlabel="SGD step", ylabel="training loss (cross-entropy)", title=f"{depth} blocks: the training loss")
    ax.legend(fontsize=FONT_PT, loc="center right", bbox_to_anchor=(1, 0.62))  # between the plain and residual lines
    return fig
