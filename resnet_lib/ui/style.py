"""One palette for the whole notebook set: plain nets are always orange, residual nets always blue, and
variants with batch norm are drawn dashed."""

from __future__ import annotations

from typing import Any

COLORS: dict[str, str] = {
    "plain": "#d95f02",  # orange
    "residual": "#1b6ca8",  # blue
    "reference": "#7f7f7f",  # grey: recorded runs, baselines, quoted numbers
    "accent": "#2ca25f",  # green: the improved recipe, highlights
}


def variant_style(residual: bool, batch_norm: bool = False) -> dict[str, str]:
    """Matplotlib keyword arguments (``color``, ``linestyle``) for a plain/residual, with/without-BN variant."""
    return {
        "color": COLORS["residual" if residual else "plain"],
        "linestyle": "--" if batch_norm else "-",
    }


def seed_markers(index: int) -> dict[str, Any]:
    """How the ``index``-th seed's line is drawn on top of its variant's style: the first seed with filled markers,
    the others with open ones (white inside), so that two seeds of one variant are told apart without colour."""
    filled = {"markersize": 7, "markeredgewidth": 1.5, "linewidth": 1.8}
    return filled if index == 0 else {**filled, "markerfacecolor": "white", "linewidth": 1.2}


# Type for a projector: text of the course's figures is at least MIN_FONT_PT as shown. The course site's text column
# and JupyterLab's output area on a classroom projector are about NOTEBOOK_WIDTH_PX wide: a wider figure is scaled
# down to it, and its text with it; figures are drawn at FIGURE_DPI, so one 9.75 inches wide is shown 1:1.
NOTEBOOK_WIDTH_PX = 780
FIGURE_DPI = 80
MIN_FONT_PT = 12


def use_projector_fonts() -> None:
    """Matplotlib's default text (labels, ticks, legends) at ``MIN_FONT_PT`` for every figure drawn after this call;
    titles a little larger. Figures that set their own sizes keep them."""
    import matplotlib as mpl

    mpl.rcParams.update({"font.size": MIN_FONT_PT, "legend.fontsize": MIN_FONT_PT, "axes.titlesize": MIN_FONT_PT + 1})


def shown_width_px(fig) -> int:
    """Width in pixels of the picture the notebook shows for ``fig``: the PNG saved as the inline backend saves it,
    cropped to what is drawn (``bbox_inches="tight"``)."""
    import io
    import struct

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", bbox_inches="tight")
    return int(struct.unpack(">I", buffer.getvalue()[16:20])[0])  # the PNG header's width field


def shown_font_sizes(fig) -> list[float]:
    """The size, in points at ``FIGURE_DPI``, of every non-empty text of ``fig`` (titles, labels, tick labels,
    legends, annotations) as shown: a picture wider than ``NOTEBOOK_WIDTH_PX`` (:func:`shown_width_px`) is scaled
    down, its text too; one drawn at a higher dpi shows its text larger."""
    from matplotlib.text import Text

    fig.canvas.draw()  # tick labels exist only once drawn
    hidden = {id(t) for ax in fig.axes if not ax.axison for axis in (ax.xaxis, ax.yaxis) for t in axis.findobj(Text)}
    scale = min(1.0, NOTEBOOK_WIDTH_PX / shown_width_px(fig)) * fig.dpi / FIGURE_DPI  # as at 80 dpi
    return [t.get_fontsize() * scale for t in fig.findobj(Text)
            if t.get_visible() and t.get_text().strip() and id(t) not in hidden]
