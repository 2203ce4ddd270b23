"""Drawing gradient profiles, and the lesson-05 widget: a depth slider (2 … 1000, log steps) and toggles for
residual / batch norm / zero-init γ; every change re-measures the profile at initialisation and redraws it."""

from __future__ import annotations

import ipywidgets as widgets
import matplotlib.pyplot as plt
import torch
from matplotlib.axes import Axes

from .gradients import first_last_ratio, profile_at_init
from .style import variant_style
from .widget_output import png_output, text_output

DEPTHS: tuple[int, ...] = (2, 3, 5, 10, 20, 30, 50, 100, 200, 300, 500, 1000)


def profile_style(residual: bool, batch_norm: bool, zero_init_gamma: bool = False) -> dict[str, str]:
    """The palette's style for a variant (plain orange, residual blue, BN dashed), dotted when γ starts at 0."""
    style = variant_style(residual, batch_norm)
    return style | {"linestyle": ":"} if zero_init_gamma else style


def draw_profile(ax: Axes, norms: torch.Tensor, residual: bool, batch_norm: bool, zero_init_gamma: bool = False,
                 label: str | None = None, alpha: float = 1.0) -> None:
    """Plot ``|d loss / d h_l|`` against the layer index ``l`` on a log axis, in the variant's colour and line."""
    style = profile_style(residual, batch_norm, zero_init_gamma)
    ax.semilogy(range(len(norms)), norms.numpy(), label=label, alpha=alpha, **style)
    ax.set_xlabel("layer l (0 = input side)")
    ax.set_ylabel("gradient norm |dL/dh_l|")


class GradientExplorer:
    """The widget. ``explorer.widget`` is what a notebook displays; ``explorer.status`` is the last marker line."""

    def __init__(self, x: torch.Tensor, y: torch.Tensor, depths: tuple[int, ...] = DEPTHS, depth: int = 30,
                 seed: int = 0):
        if depth not in depths:
            raise ValueError(f"start depth {depth} is not one of the slider's depths {depths}; pick one of them")
        self.x, self.y, self.seed = x, y, seed
        self.slider = widgets.SelectionSlider(options=list(depths), value=depth, description="depth")
        self.residual = widgets.Checkbox(value=False, description="residual")
        self.batch_norm = widgets.Checkbox(value=False, description="batch norm")
        self.zero_init = widgets.Checkbox(value=False, description="zero-init γ", disabled=True)
        self.output = widgets.Output()
        self.status = ""
        self.norms = torch.empty(0)
        for control in (self.slider, self.residual, self.batch_norm, self.zero_init):
            control.observe(self.update, names="value")
        controls = widgets.HBox([self.residual, self.batch_norm, self.zero_init])
        self.widget = widgets.VBox([self.slider, controls, self.output])
        self.update()

    def settings(self) -> dict[str, bool | int]:
        """The current configuration; zero-init γ counts only for a residual net with batch norm."""
        zero = self.zero_init.value and not self.zero_init.disabled
        return {"depth": self.slider.value, "residual": self.residual.value, "batch_norm": self.batch_norm.value,
                "zero_init_gamma": zero}

    def update(self, change: object = None) -> None:
        """Re-measure and redraw; prints ``updated: depth=… residual=… batch_norm=… zero_init_gamma=…``."""
        self.zero_init.disabled = not (self.residual.value and self.batch_norm.value)
        s = self.settings()
        depth = int(s.pop("depth"))
        self.norms = profile_at_init(depth, self.x, self.y, seed=self.seed, **s)
        ratio = first_last_ratio(self.norms)
        flags = " ".join(f"{k}={v}" for k, v in s.items())
        self.status = f"updated: depth={depth} {flags} (first/last gradient ratio {ratio:.3g})"
        fig, ax = plt.subplots(figsize=(6, 3.2))
        draw_profile(ax, self.norms, s["residual"], s["batch_norm"], s["zero_init_gamma"])
        ax.set_title(f"gradient reaching each layer at initialisation, depth {depth}")
        fig.tight_layout()
        self.output.outputs = (png_output(fig, f"<gradient profile, depth {depth}>"), text_output(self.status))
        plt.close(fig)
