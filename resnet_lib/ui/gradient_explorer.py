"""Drawing gradient profiles and loss curves (diverged runs marked), and the lesson-05 widget: a depth slider
(2 … 1000, log steps) and toggles for residual / batch norm / γ = 0; every change re-measures the profile at
initialisation and redraws it."""

from __future__ import annotations

import math
from typing import Any

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, NullFormatter

from ..lessons.gradients import first_last_ratio, profile_at_init, variant_name
from .style import FIGURE_DPI, variant_style
from .widget_output import Explorer

DEPTHS: tuple[int, ...] = (2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000)
WIDTH = 9.6  # inches of lesson 05's figures: 768 px at FIGURE_DPI, within the ~780 px the notebook is shown at
FONT_PT, TITLE_PT = 14, 15  # lesson 05's type, as lessons 01 and 02 (their figures' text is 14-16 pt)


def plain_number(value: float, _position: object = None) -> str:
    """A log axis' tick label in plain text: ``0.01``, ``1``, ``1000``; ``1e-30``, ``1e+30`` beyond."""
    if value <= 0:
        return ""
    return f"{value:g}" if 1e-3 <= value < 1e4 else f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e+")


def plain_log_ticks(ax: Axes) -> None:
    """Label ``ax``'s log axes with :func:`plain_number` (matplotlib's default, 10 with a superscript, draws the
    exponent at two thirds of the size). Minor ticks are labelled only where an axis spans less than a decade and
    would otherwise have at most one label."""
    for axis, scale, limits in ((ax.xaxis, ax.get_xscale(), ax.get_xlim()), (ax.yaxis, ax.get_yscale(), ax.get_ylim())):
        if scale != "log":
            continue
        axis.set_major_formatter(FuncFormatter(plain_number))
        low, high = sorted(limits)
        majors = [v for v in axis.get_major_locator().tick_values(low, high) if low <= v <= high]
        axis.set_minor_formatter(FuncFormatter(plain_number) if len(majors) < 2 else NullFormatter())


def profile_style(residual: bool, batch_norm: bool, zero_init_residual: bool = False) -> dict[str, str]:
    """The palette's style for a variant (plain orange, residual blue, BN dashed), dotted when γ starts at 0."""
    style = variant_style(residual, batch_norm)
    return style | {"linestyle": ":"} if zero_init_residual else style


def draw_profile(ax: Axes, norms: torch.Tensor, residual: bool, batch_norm: bool, zero_init_residual: bool = False,
                 label: str | None = None, alpha: float = 1.0, **override: Any) -> None:
    """Plot ``|d loss / d h_l|`` against the layer index ``l`` on a log axis, in the variant's colour and line
    (``override``: matplotlib line options that replace the variant's, e.g. a colour per training step). A norm of
    exactly 0 (no gradient at all) has no place on a log axis: it is left out, not drawn as a plunge."""
    style = profile_style(residual, batch_norm, zero_init_residual) | override
    shown = torch.where(norms > 0, norms, torch.nan)
    ax.semilogy(range(len(norms)), shown.numpy(), label=label, alpha=alpha, **style)
    ax.set_xlabel("layer l (0 = input side)")
    ax.set_ylabel("gradient norm |dL/dh_l|")


def draw_losses(ax: Axes, losses: list[float], label: str, **style: Any) -> int | None:
    """Plot a training-loss curve. If it turned NaN or infinite, say so in the label and mark the first such step
    with an ✕ at the top edge of the axes (labelled "NaN (diverged)" in the legend): a NaN has no height, so the ✕
    must not sit where it would read as a loss. Return that step (or None)."""
    diverged = next((step for step, loss in enumerate(losses) if not math.isfinite(loss)), None)
    if diverged is not None:
        label = f"{label} (NaN from step {diverged})"
    (line,) = ax.plot(losses, label=label, **style)
    if diverged is not None:  # x in data, y on the top edge (a fraction of the axes' height): y limits unchanged
        ax.plot([diverged], [1.0], transform=ax.get_xaxis_transform(), clip_on=False, marker="X", markersize=11,
                color=line.get_color(), linestyle="none", label="NaN (diverged)")
    return diverged


class GradientExplorer(Explorer):
    """Widget: a depth slider and residual / batch-norm / γ = 0 toggles; each change re-measures the gradient
    profile at initialisation and redraws it."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, depths: tuple[int, ...] = DEPTHS, depth: int = 30,
                 seed: int = 0):
        if depth not in depths:
            raise ValueError(f"start depth {depth} is not one of the slider's depths {depths}; pick one of them")
        self.x, self.y, self.seed = x, y, seed
        self.norms = torch.empty(0)
        self.controls = {
            "depth": widgets.SelectionSlider(options=list(depths), value=depth, description="depth"),
            "residual": widgets.Checkbox(value=False, description="residual"),
            "batch_norm": widgets.Checkbox(value=False, description="batch norm"),
            "zero_init_residual": widgets.Checkbox(value=False, description="γ = 0", disabled=True),
        }
        super().__init__()

    def settings(self) -> dict[str, bool | int]:
        """The current configuration; γ = 0 counts only for a residual net with batch norm."""
        c = self.controls
        zero = c["zero_init_residual"].value and not c["zero_init_residual"].disabled
        return {"depth": c["depth"].value, "residual": c["residual"].value, "batch_norm": c["batch_norm"].value,
                "zero_init_residual": zero}

    def draw(self) -> tuple[plt.Figure, str]:
        c = self.controls
        c["zero_init_residual"].disabled = not (c["residual"].value and c["batch_norm"].value)
        s = self.settings()
        depth = int(s.pop("depth"))
        residual, batch_norm, zero_init = bool(s["residual"]), bool(s["batch_norm"]), bool(s["zero_init_residual"])
        self.norms = profile_at_init(depth, self.x, self.y, seed=self.seed, residual=residual, batch_norm=batch_norm,
                                     zero_init_residual=zero_init)
        ratio = first_last_ratio(self.norms)
        fig, ax = plt.subplots(figsize=(WIDTH, 4.2), dpi=FIGURE_DPI, layout="constrained")  # shown 1:1
        draw_profile(ax, self.norms, residual, batch_norm, zero_init, marker="o", markevery=max(1, depth // 10))
        net = variant_name(residual, batch_norm, zero_init)
        ax.set_title(f"gradient reaching each layer at initialisation: {net} net, {depth} blocks\n"
                     f"first / last = {ratio:.3g} (above 1 it grows toward the input, below 1 it shrinks)",
                     fontsize=FONT_PT)
        for axis in (ax.xaxis, ax.yaxis):
            axis.label.set_fontsize(FONT_PT)
        ax.tick_params(which="both", labelsize=FONT_PT)
        plain_log_ticks(ax)
        flags = ", ".join(f"{k}={v}" for k, v in s.items())
        return fig, f"depth {depth}, {flags}: first/last gradient ratio {ratio:.3g}"
